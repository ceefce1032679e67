"""Audit results as Prometheus metrics: one fresh registry per output, all gauges.

The metric names and labels are a contract (deploy/prometheus/alerts.yml and the Grafana dashboard
depend on them; keep them stable):

==============================================================  =====================================
``schema_auditor_up{database}``                                 1 if the spec loaded and the database
                                                                was inspected, else 0
``schema_auditor_drift_items{database,kind,severity}``          drift items per kind; every kind in
                                                                ``auditor.diff.KINDS``, 0 when absent
``schema_auditor_unaudited_objects{database,kind}``             live objects of kinds the audit does
                                                                not compare; every kind of the
                                                                database's dialect, 0 when absent
``schema_auditor_last_run_timestamp_seconds{database}``         when this run finished
``schema_auditor_last_success_timestamp_seconds{database}``     the last run with ``up`` = 1; kept
                                                                across failed runs
``schema_auditor_audit_duration_seconds{database}``             how long the audit took
``schema_auditor_spec_info{database,spec,version,sha256}``      1; which spec, its version and hash
``schema_auditor_drift_object{database,kind,table,name}``       only with ``detail=True``: one series
                                                                per drifted object (cardinality!)
``schema_auditor_version_match{database}``                      1 if the recorded migration version
                                                                is the expected one, else 0; only
                                                                with a version source
``schema_auditor_recorded_version_info{database,version}``      1; the version the database records
``schema_auditor_tenant_schemas_found{database}``               schemas matching the database's
                                                                ``tenant_schemas`` glob (each one's
                                                                series carry ``DATABASE/SCHEMA``)
==============================================================  =====================================

A database that could not be audited exports ``up`` 0 and no ``drift_items`` nor
``unaudited_objects``: its drift is unknown, not zero. ``last_success`` comes from the caller's ``previous_success`` for such a database, since
each output starts from an empty registry (a Pushgateway PUT and a textfile rewrite replace the
whole previous state); :func:`parse_last_success` reads it back from a previous exposition.
prometheus-client does the exposition, the atomic textfile write and the push.
"""
from __future__ import annotations

import hashlib
import time
from pathlib import Path
from typing import Callable, Iterable, Mapping

from prometheus_client import CollectorRegistry, Gauge
from prometheus_client.exposition import (
    generate_latest,
    push_to_gateway,
    write_to_textfile,
)
from prometheus_client.parser import text_string_to_metric_families

from auditor.audit import AuditResult, load_expected
from auditor.dialects.unaudited import unaudited_kinds
from auditor.diff import KINDS
from auditor.errors import AuditorError
from auditor.inputfile import read_input
from auditor.redact import SECRETS, url_secrets

PREFIX = "schema_auditor"
LAST_SUCCESS = f"{PREFIX}_last_success_timestamp_seconds"


class MetricsLeakError(AssertionError):
    """A label value would carry a database password. Raised explicitly (not ``assert``), so
    ``python -O`` keeps the check."""


def build_registry(results: Iterable[AuditResult], *, detail: bool = False,
                   previous_success: Mapping[str, float] | None = None,
                   now: Callable[[], float] = time.time,
                   registry: CollectorRegistry | None = None) -> CollectorRegistry:
    """The metrics of one run over ``results``, in a fresh registry (or the one given).

    ``previous_success`` maps a database label (``AuditResult.target.name``) to its last successful
    run, for databases that fail this time; ``now`` is the clock of this run.
    """
    registry = CollectorRegistry() if registry is None else registry
    previous = previous_success or {}
    up = Gauge(f"{PREFIX}_up", "1 if the spec loaded and the database was inspected, else 0.",
               ["database"], registry=registry)
    drift = Gauge(f"{PREFIX}_drift_items", "Drift items found by the last audit, per kind "
                  "(every kind is exported, 0 when absent; none when the audit failed).",
                  ["database", "kind", "severity"], registry=registry)
    unaudited = Gauge(f"{PREFIX}_unaudited_objects", "Live objects of kinds the last audit does not compare, "
                      "per kind (every kind of the database's engine, 0 when absent; none when the audit failed).",
                      ["database", "kind"], registry=registry)
    last_run = Gauge(f"{PREFIX}_last_run_timestamp_seconds",
                     "Unix time of the last audit run, successful or not.", ["database"], registry=registry)
    last_success = Gauge(LAST_SUCCESS, "Unix time of the last audit run that inspected the database "
                         "(kept across failed runs).", ["database"], registry=registry)
    duration = Gauge(f"{PREFIX}_audit_duration_seconds", "How long the last audit took.",
                     ["database"], registry=registry)
    spec_info = Gauge(f"{PREFIX}_spec_info", "The spec the database is audited against: path, "
                      "declared version and sha256 of the file.",
                      ["database", "spec", "version", "sha256"], registry=registry)
    version_match = Gauge(f"{PREFIX}_version_match", "1 if the migration version the database records is "
                          "the expected one, else 0 (none without a version source or when unreadable).",
                          ["database"], registry=registry)
    recorded_version = Gauge(f"{PREFIX}_recorded_version_info", "1; the migration version the database records.",
                             ["database", "version"], registry=registry)
    tenants = Gauge(f"{PREFIX}_tenant_schemas_found", "Tenant schemas found: the schemas matching the "
                    "database's tenant_schemas glob (only for such databases).", ["database"], registry=registry)
    objects = Gauge(f"{PREFIX}_drift_object", "Drift items per object (only with detail; "
                    "one series per drifted table, column, index or constraint).",
                    ["database", "kind", "table", "name"], registry=registry) if detail else None

    timestamp = now()
    seen: set[str] = set()
    secrets: dict[str, tuple[str, ...]] = {}
    for result in results:
        database = result.target.name
        if database in seen:
            raise ValueError(f"two audit results for database {database!r}: their metrics would collide")
        seen.add(database)
        secrets[database] = url_secrets(result.target.url)
        ok = result.error is None
        up.labels(database).set(1 if ok else 0)
        last_run.labels(database).set(timestamp)
        duration.labels(database).set(result.seconds)
        if ok:
            last_success.labels(database).set(timestamp)
        elif database in previous:
            last_success.labels(database).set(previous[database])
        if result.target.spec:
            spec_info.labels(database, result.target.spec, *_spec_facts(result)).set(1)
        if not ok:
            continue
        if result.version is not None and result.version.versions_match is not None:
            version_match.labels(database).set(1 if result.version.versions_match else 0)
        if result.version is not None and result.version.recorded is not None:
            recorded_version.labels(database, result.version.recorded).set(1)
        if result.tenant_schemas_found is not None:
            tenants.labels(database).set(result.tenant_schemas_found)
        counts = result.counts()
        for kind, severity in KINDS.items():
            drift.labels(database, kind, severity).set(counts.get(kind, 0))
        for kind in unaudited_kinds(result.dialect) if result.dialect else ():
            unaudited.labels(database, kind).set(result.not_audited.get(kind, 0))
        if objects is not None:
            for item in result.drift:
                objects.labels(database, item.kind, item.label, item.name or "").inc()
    check_no_secrets(registry, secrets)
    return registry


def check_no_secrets(registry: CollectorRegistry, secrets: Mapping[str, tuple[str, ...]]) -> None:
    """Raise :class:`MetricsLeakError` if any label value of ``registry`` contains a password.

    ``secrets`` maps a database label to its passwords; every one is checked against every label
    value of every sample (a password can leak into another database's series too).
    """
    every = {s for group in secrets.values() for s in group} | set(SECRETS.values())
    if not every:
        return
    for family in registry.collect():
        for sample in family.samples:
            for label, value in sample.labels.items():
                if any(secret in value for secret in every):
                    database = sample.labels.get("database", "")
                    named = "" if any(secret in database for secret in every) else f" of database {database!r}"
                    raise MetricsLeakError(f"metric {sample.name}{named}: label {label!r} contains a "
                                           "database password")


def _spec_facts(result: AuditResult) -> tuple[str, str]:
    """(version, sha256) of the result's spec or expected schema; "" for what cannot be read."""
    path = result.target.spec
    assert path is not None
    try:
        digest = hashlib.sha256(read_input(path)).hexdigest()
    except OSError:  # not a file: the label of a reference database
        digest = ""
    expected = result.expected
    if expected is None and result.target.source is None:
        # The audit failed after, or while, loading the spec: read its version again.
        try:
            expected = load_expected(path)
        except (AuditorError, OSError):
            return "", digest
    return (expected.version or "") if expected else "", digest


def render(registry: CollectorRegistry) -> str:
    """The registry in the Prometheus text exposition format."""
    return generate_latest(registry).decode("utf-8")


def write_textfile(path: str | Path, registry: CollectorRegistry) -> None:
    """Write the registry for node_exporter's textfile collector, atomically (temp file + rename
    in the same directory, by prometheus-client). The collector only reads ``*.prom`` files."""
    write_to_textfile(str(path), registry)


def push(gateway_url: str, job: str, registry: CollectorRegistry, grouping_key: Mapping[str, str],
         *, timeout: float | None = 30) -> None:
    """Replace the metrics of group (``job``, ``grouping_key``) on a Pushgateway (HTTP PUT)."""
    push_to_gateway(gateway_url, job=job, registry=registry, grouping_key=dict(grouping_key), timeout=timeout)


def parse_last_success(text: str) -> dict[str, float]:
    """``schema_auditor_last_success_timestamp_seconds`` per database from an exposition text (a
    previous textfile, or a Pushgateway's ``/metrics``): what ``previous_success`` expects.
    The latest value wins when a database appears more than once (several jobs)."""
    found: dict[str, float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            database = sample.labels.get("database")
            if sample.name == LAST_SUCCESS and database is not None:
                found[database] = max(sample.value, found.get(database, sample.value))
    return found
