"""Prometheus metrics (auditor/metrics.py) and deploy/, checked with the real Prometheus tools.

The exposition of a fixed list of audit results is pinned as text in ``tests/golden/metrics.prom``
(regenerate after an intended change with ``UPDATE_GOLDEN=1 pytest tests/test_metrics.py`` and review
the diff). promtool, node_exporter and the Pushgateway are Debian's packages (tests/services.sh
installs them); each test starts its own process on a free 127.0.0.1 port and always stops it.
Without them the tests skip, except under ``CI=true``, where they fail: CI must run them.
"""
from __future__ import annotations

import json
import os
import re
import socket
import sqlite3
import subprocess
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from auditor.audit import AuditResult, audit_target
from auditor.target import Target
from auditor.redact import redact_url
from auditor.diff import KINDS, DriftItem
from auditor.dialects import dialect_named
from auditor.metrics import (
    MetricsLeakError, build_registry, parse_last_success, push, render, write_textfile)
from auditor.spec import load_spec
from auditor.versioning import VersionCheck
from conftest import require_command

GOLDEN = Path(__file__).parent / "golden"
DEPLOY = Path(__file__).parent.parent / "deploy"
NOW = 1_700_000_000.0           # the fixed clock of the golden run
PREVIOUS = 1_699_999_100.0      # billing's last success, 15 minutes earlier
COMMAND = ("schema-auditor audit --config /etc/schema-auditor/config.yaml "
           "--metrics-textfile /var/lib/prometheus/node-exporter/schema_auditor.prom")
METRICS = ("schema_auditor_up", "schema_auditor_drift_items", "schema_auditor_last_run_timestamp_seconds",
           "schema_auditor_last_success_timestamp_seconds", "schema_auditor_audit_duration_seconds",
           "schema_auditor_spec_info", "schema_auditor_drift_object", "schema_auditor_version_match",
           "schema_auditor_recorded_version_info", "schema_auditor_unaudited_objects")
ALERTS = ("SchemaDriftDetected", "SchemaAuditFailing", "SchemaAuditStale", "SchemaAuditAbsent", "SchemaSilentDrift")

APP_SPEC = """\
version: 3
tables:
  analysis_jobs:
    columns:
      id: {type: integer, primary_key: true}
      status: text
      tickers_json: text
    indexes:
      idx_analysis_jobs_tickers_status: {columns: [tickers_json, status]}
"""
REPORTING_SPEC = """\
tables:
  daily_totals:
    columns:
      day: {type: date, primary_key: true}
      total: integer
"""
REPORTING_URL = "postgresql://auditor:s3cr3t-Pa55@db.internal:5432/reporting"
BILLING_URL = "postgresql://auditor:hunter2%40x@10.0.0.9:5432/billing"   # password hunter2@x
PASSWORDS = ("s3cr3t-Pa55", "hunter2@x", "hunter2%40x")


# ---------------------------------------------------------------------------------------------
# Fixed audit results


@pytest.fixture
def specs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Spec files at relative paths (stable ``spec`` labels), the working directory their root."""
    (tmp_path / "schema").mkdir()
    (tmp_path / "schema" / "app.yaml").write_text(APP_SPEC)
    (tmp_path / "schema" / "reporting.yaml").write_text(REPORTING_SPEC)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def fixed_results() -> list[AuditResult]:
    """A drifted SQLite database, a clean Postgres one and one that could not be reached."""
    sqlite, postgres = dialect_named("sqlite"), dialect_named("postgresql")
    app = load_spec("schema/app.yaml")
    drift = (
        DriftItem("missing_column", None, "analysis_jobs", "tickers_json", "text", None,
                  "column analysis_jobs.tickers_json (text) is missing"),
        DriftItem("missing_index", None, "analysis_jobs", "idx_analysis_jobs_tickers_status",
                  "(tickers_json, status)", None, "index idx_analysis_jobs_tickers_status is missing"),
        DriftItem("extra_table", None, "tmp_import", None, None, "tmp_import", "table tmp_import is not in the spec"),
    )
    silent = VersionCheck("silent_drift", "3", "3", "recorded version 3 is the expected version, but ...")
    pending = VersionCheck("migrations_pending", "2024.12.1", "2024.11.2", "recorded version 2024.11.2 is behind ...")
    return [
        AuditResult(Target("demo", "sqlite:///demo-run/production.db", "schema/app.yaml"),
                    sqlite, app, app, drift, seconds=0.042, version=silent, not_audited={"view_trigger": 1}),
        AuditResult(Target(redact_url(REPORTING_URL), REPORTING_URL, "schema/reporting.yaml"),
                    postgres, load_spec("schema/reporting.yaml"), None, (), seconds=0.25, version=pending,
                    not_audited={"aggregate": 3, "rule": 1, "unmanaged_schema": 1}),
        AuditResult(Target("billing", BILLING_URL, "schema/app.yaml"),
                    error="billing: cannot connect: connection refused (check the URL, the server and the "
                          "credentials)", seconds=10.0),
    ]


def fixed_registry(detail: bool = False):
    return build_registry(fixed_results(), detail=detail, previous_success={"billing": PREVIOUS},
                          now=lambda: NOW)


def samples(text: str) -> list[tuple[str, dict[str, str], float]]:
    """(name, labels, value) of every sample of an exposition text."""
    return [(s.name, dict(s.labels), s.value)
            for family in text_string_to_metric_families(text) for s in family.samples]


def value(text: str, name: str, **labels: str) -> float | None:
    """The value of the one sample of ``name`` whose labels include ``labels``, or None."""
    found = [v for n, ls, v in samples(text) if n == name and labels.items() <= ls.items()]
    assert len(found) <= 1, f"{len(found)} samples of {name} {labels}"
    return found[0] if found else None


# ---------------------------------------------------------------------------------------------
# The exposition


def test_exposition_matches_golden_file(specs: Path) -> None:
    text = render(fixed_registry())
    golden = GOLDEN / "metrics.prom"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        golden.write_text(text)
    assert text == golden.read_text()
    assert render(fixed_registry()) == text, "a fresh registry per output: building twice gives the same text"


def test_every_kind_is_exported_for_every_healthy_database(specs: Path) -> None:
    text = render(fixed_registry())
    drift = [(ls, v) for n, ls, v in samples(text) if n == "schema_auditor_drift_items"]
    for database in ("demo", redact_url(REPORTING_URL)):
        exported = {ls["kind"]: (ls["severity"], v) for ls, v in drift if ls["database"] == database}
        assert {kind: severity for kind, (severity, _) in exported.items()} == KINDS
        counts = {kind: v for kind, (_, v) in exported.items() if v}
        assert counts == ({"missing_column": 1, "missing_index": 1, "extra_table": 1} if database == "demo" else {})
    # A database that could not be audited has unknown drift, not zero drift.
    assert not [ls for ls, _ in drift if ls["database"] == "billing"]
    assert value(text, "schema_auditor_up", database="billing") == 0
    assert value(text, "schema_auditor_up", database="demo") == 1


def test_last_success_is_kept_across_failed_runs_and_read_back(specs: Path) -> None:
    text = render(fixed_registry())
    assert value(text, "schema_auditor_last_success_timestamp_seconds", database="billing") == PREVIOUS
    assert value(text, "schema_auditor_last_run_timestamp_seconds", database="billing") == NOW
    assert value(text, "schema_auditor_last_success_timestamp_seconds", database="demo") == NOW
    assert parse_last_success(text) == {"demo": NOW, redact_url(REPORTING_URL): NOW, "billing": PREVIOUS}
    # Never succeeded and nothing passed: no last-success series rather than a made-up time.
    never = render(build_registry(fixed_results()[2:], now=lambda: NOW))
    assert value(never, "schema_auditor_last_success_timestamp_seconds", database="billing") is None
    assert value(never, "schema_auditor_audit_duration_seconds", database="billing") == 10.0


def test_spec_info_names_the_spec_its_version_and_hash(specs: Path) -> None:
    import hashlib

    text = render(fixed_registry())
    info = {ls["database"]: ls for n, ls, v in samples(text) if n == "schema_auditor_spec_info" and v == 1}
    app_hash = hashlib.sha256(APP_SPEC.encode()).hexdigest()
    assert info["demo"] == {"database": "demo", "spec": "schema/app.yaml", "version": "3", "sha256": app_hash}
    # The failed run still names its spec with the same labels, so the series does not change.
    assert info["billing"] == {**info["demo"], "database": "billing"}
    assert info[redact_url(REPORTING_URL)]["version"] == ""
    assert info[redact_url(REPORTING_URL)]["sha256"] == hashlib.sha256(REPORTING_SPEC.encode()).hexdigest()


def test_version_metrics_say_whether_the_recorded_version_matches_and_which_it_is(specs: Path) -> None:
    text = render(fixed_registry())
    assert value(text, "schema_auditor_version_match", database="demo") == 1
    assert value(text, "schema_auditor_version_match", database=redact_url(REPORTING_URL)) == 0
    assert value(text, "schema_auditor_recorded_version_info", database="demo") == 1
    assert value(text, "schema_auditor_recorded_version_info", database="demo", version="3") == 1
    assert value(text, "schema_auditor_recorded_version_info", version="2024.11.2") == 1
    # Unknown, not mismatched: a database that could not be audited exports neither.
    assert value(text, "schema_auditor_version_match", database="billing") is None
    assert value(text, "schema_auditor_recorded_version_info", database="billing") is None


def test_detail_adds_one_series_per_drifted_object_and_only_when_asked(specs: Path) -> None:
    assert "schema_auditor_drift_object" not in render(fixed_registry())
    objects = [ls for n, ls, v in samples(render(fixed_registry(detail=True)))
               if n == "schema_auditor_drift_object" and v == 1]
    assert objects == [
        {"database": "demo", "kind": "missing_column", "table": "analysis_jobs", "name": "tickers_json"},
        {"database": "demo", "kind": "missing_index", "table": "analysis_jobs",
         "name": "idx_analysis_jobs_tickers_status"},
        {"database": "demo", "kind": "extra_table", "table": "tmp_import", "name": ""},
    ]


def test_a_password_never_appears(specs: Path, tmp_path: Path) -> None:
    text = render(fixed_registry(detail=True))
    path = tmp_path / "out.prom"
    write_textfile(path, fixed_registry(detail=True))
    for output in (text, path.read_text()):
        for password in PASSWORDS:
            assert password not in output
    assert "postgresql://auditor:***@db.internal:5432/reporting" in text
    # A label that would carry one is refused, whichever label and however the password is spelt.
    for name, spec in ((REPORTING_URL, None), ("reporting", "/srv/s3cr3t-Pa55/spec.yaml"),
                       ("billing", "/srv/hunter2%40x.yaml")):
        url = BILLING_URL if name == "billing" else REPORTING_URL
        with pytest.raises(MetricsLeakError) as raised:
            build_registry([AuditResult(Target(name, url, spec), error="down")], now=lambda: NOW)
        assert not any(p in str(raised.value) for p in PASSWORDS)
    # A password that is also the user name cannot leak more than the masked URL already shows.
    same = "postgresql://postgres:postgres@127.0.0.1/postgres"
    build_registry([AuditResult(Target(redact_url(same), same), error="down")], now=lambda: NOW)


def test_two_results_for_one_database_are_refused() -> None:
    target = Target("prod", "sqlite:///prod.db")
    with pytest.raises(ValueError, match="prod"):
        build_registry([AuditResult(target), AuditResult(target, error="down")])


# ---------------------------------------------------------------------------------------------
# promtool


def promtool(*args: str, stdin: str | None = None, cwd: Path | None = None) -> str:
    done = subprocess.run([require_command("promtool"), *args], input=stdin, capture_output=True,
                          text=True, timeout=60, cwd=cwd)
    assert done.returncode == 0, f"promtool {' '.join(args)}:\n{done.stdout}{done.stderr}"
    return done.stdout + done.stderr


def test_promtool_check_metrics_passes_on_the_textfile(specs: Path, tmp_path: Path) -> None:
    out = tmp_path / "textfile"
    out.mkdir()
    path = out / "schema_auditor.prom"
    write_textfile(path, fixed_registry(detail=True))
    promtool("check", "metrics", stdin=path.read_text())
    assert [p.name for p in out.iterdir()] == ["schema_auditor.prom"], "no temporary file left behind"
    write_textfile(path, build_registry(fixed_results()[2:], now=lambda: NOW))  # replaced, not appended
    assert value(path.read_text(), "schema_auditor_up", database="demo") is None


def test_promtool_check_rules_passes_on_the_alerts() -> None:
    out = promtool("check", "rules", str(DEPLOY / "prometheus" / "alerts.yml"))
    assert f"SUCCESS: {len(ALERTS)} rules found" in out
    alerts = yaml.safe_load((DEPLOY / "prometheus" / "alerts.yml").read_text())
    names = [rule["alert"] for group in alerts["groups"] for rule in group["rules"]]
    assert tuple(names) == ALERTS


def test_promtool_test_rules_passes_and_covers_every_alert_firing_and_not() -> None:
    promtool("test", "rules", "alerts_test.yml", cwd=DEPLOY / "prometheus")
    tests = yaml.safe_load((DEPLOY / "prometheus" / "alerts_test.yml").read_text())["tests"]
    checks = [c for t in tests for c in t["alert_rule_test"]]
    for alert in ALERTS:
        mine = [c for c in checks if c["alertname"] == alert]
        assert any(c["exp_alerts"] for c in mine), f"{alert} is never expected to fire"
        assert any(not c["exp_alerts"] for c in mine), f"{alert} is never expected to stay quiet"


def test_every_dashboard_query_is_valid_promql_on_the_contract(tmp_path: Path) -> None:
    dashboard = json.loads((DEPLOY / "grafana" / "schema-auditor.json").read_text())
    exprs = [t["expr"] for panel in dashboard["panels"] for t in panel["targets"]]
    assert len(exprs) >= 5
    # Grafana's variables become PromQL before promtool parses each query as a recording rule.
    rules = {"groups": [{"name": "dashboard", "rules": [
        {"record": f"dashboard:query_{i}", "expr": expr.replace("$database", ".*")}
        for i, expr in enumerate(exprs)]}]}
    path = tmp_path / "dashboard_rules.yml"
    path.write_text(yaml.safe_dump(rules))
    promtool("check", "rules", str(path))
    used = {name for expr in exprs for name in re.findall(r"\bschema_auditor_[a-z_]+", expr)}
    assert used and used <= set(METRICS), used - set(METRICS)
    assert {"schema_auditor_up", "schema_auditor_drift_items",
            "schema_auditor_last_success_timestamp_seconds"} <= used


def test_deploy_examples_run_the_documented_commands() -> None:
    assert COMMAND in (DEPLOY / "cron" / "schema-auditor.cron").read_text()
    service = (DEPLOY / "systemd" / "schema-auditor.service").read_text()
    assert f"ExecStart=/usr/local/bin/{COMMAND}\n" in service
    cronjob, = yaml.safe_load_all((DEPLOY / "kubernetes" / "cronjob.yaml").read_text())
    assert cronjob["kind"] == "CronJob" and cronjob["spec"]["concurrencyPolicy"] == "Forbid"
    assert "--pushgateway" in cronjob["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]["args"][0]
    deployment, service_doc = yaml.safe_load_all((DEPLOY / "kubernetes" / "deployment.yaml").read_text())
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    assert container["args"][0] == "serve"
    assert container["ports"][0]["name"] == "metrics"
    assert service_doc["kind"] == "Service" and service_doc["spec"]["ports"][0]["targetPort"] == "metrics"


# ---------------------------------------------------------------------------------------------
# The real node_exporter and Pushgateway


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def http_get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.read().decode()


@contextmanager
def serving(command: str, args: list[str], ready_path: str, log: Path) -> Iterator[str]:
    """Run ``command ARGS --web.listen-address=127.0.0.1:PORT`` until it answers on
    ``ready_path``; yields its base URL and always stops it. Retries on another port if the
    first one was taken in between."""
    binary = require_command(command)
    for _ in range(3):
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        with log.open("w") as out:
            proc = subprocess.Popen([binary, f"--web.listen-address=127.0.0.1:{port}", *args],
                                    stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 20
            while proc.poll() is None and time.monotonic() < deadline:
                try:
                    http_get(base + ready_path)
                    break
                except (urllib.error.URLError, ConnectionError, TimeoutError):
                    time.sleep(0.1)
            else:
                if proc.poll() is not None and "address already in use" in log.read_text():
                    continue
                pytest.fail(f"{command} did not answer on {base}{ready_path} within 20s "
                            f"(exit {proc.poll()}):\n{log.read_text()[-2000:]}")
            yield base
            return
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
    pytest.fail(f"{command}: no free port after 3 tries:\n{log.read_text()[-2000:]}")


def wait_for(fetch, check, what: str, seconds: float = 15.0) -> str:
    """Poll ``fetch()`` until ``check(text)``; fail after ``seconds`` with the last text."""
    deadline = time.monotonic() + seconds
    text = fetch()
    while not check(text):
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}; last response:\n{text[-3000:]}")
        time.sleep(0.2)
        text = fetch()
    return text


def _sqlite_app(tmp_path: Path) -> tuple[Target, Path]:
    """A SQLite database missing tickers_json and its index, and its target."""
    db = tmp_path / "app.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE analysis_jobs (id integer PRIMARY KEY, status text)")
    conn.close()
    spec = tmp_path / "app.yaml"
    spec.write_text(APP_SPEC)
    return Target("app", f"sqlite:///{db}", str(spec)), db


def test_node_exporter_serves_the_metrics_of_a_cron_style_audit(tmp_path: Path) -> None:
    target, db = _sqlite_app(tmp_path)
    textfiles = tmp_path / "textfile"
    textfiles.mkdir()
    prom = textfiles / "schema_auditor.prom"
    write_textfile(prom, build_registry([audit_target(target)]))
    args = ["--collector.disable-defaults", "--collector.textfile",
            f"--collector.textfile.directory={textfiles}"]
    with serving("prometheus-node-exporter", args, "/metrics", tmp_path / "node_exporter.log") as base:
        fetch = lambda: http_get(base + "/metrics")  # noqa: E731
        text = wait_for(fetch, lambda t: "schema_auditor_up" in t, "schema_auditor_up on node_exporter")
        assert value(text, "node_textfile_scrape_error") == 0
        assert value(text, "schema_auditor_up", database="app") == 1
        assert value(text, "schema_auditor_drift_items", database="app", kind="missing_column") == 1
        assert value(text, "schema_auditor_drift_items", database="app", kind="missing_index") == 1
        kinds = {ls["kind"] for n, ls, _ in samples(text) if n == "schema_auditor_drift_items"}
        assert kinds == set(KINDS)
        # The next cron run, after the fix, replaces the file: node_exporter serves the clean audit.
        with sqlite3.connect(db) as conn:
            conn.execute("ALTER TABLE analysis_jobs ADD COLUMN tickers_json text")
            conn.execute("CREATE INDEX idx_analysis_jobs_tickers_status ON analysis_jobs (tickers_json, status)")
        conn.close()
        write_textfile(prom, build_registry([audit_target(target)]))
        text = wait_for(fetch, lambda t: value(t, "schema_auditor_drift_items", database="app",
                                               kind="missing_column") == 0, "the clean audit")
        assert sum(v for n, _, v in samples(text) if n == "schema_auditor_drift_items") == 0


def test_pushgateway_receives_a_push_and_a_failed_run_keeps_last_success(tmp_path: Path) -> None:
    target, db = _sqlite_app(tmp_path)
    first, second = 1_700_000_000.0, 1_700_000_900.0
    args = [f"--persistence.file={tmp_path / 'pushgateway.data'}"]
    with serving("prometheus-pushgateway", args, "/-/ready", tmp_path / "pushgateway.log") as base:
        fetch = lambda: http_get(base + "/metrics")  # noqa: E731
        push(base, "schema_auditor", build_registry([audit_target(target)], now=lambda: first),
             {"database": target.name})
        text = wait_for(fetch, lambda t: value(t, "schema_auditor_up", database="app") is not None, "the push")
        assert value(text, "schema_auditor_up", database="app", job="schema_auditor") == 1
        assert value(text, "schema_auditor_drift_items", database="app", kind="missing_column") == 1
        previous = parse_last_success(text)
        assert previous == {"app": first}

        db.unlink()  # the next run cannot reach the database
        failed = audit_target(target)
        assert failed.error is not None
        push(base, "schema_auditor", build_registry([failed], previous_success=previous, now=lambda: second),
             {"database": target.name})
        text = wait_for(fetch, lambda t: value(t, "schema_auditor_up", database="app") == 0, "the failed push")
        assert value(text, "schema_auditor_last_run_timestamp_seconds", database="app") == second
        assert value(text, "schema_auditor_last_success_timestamp_seconds", database="app") == first
        # The group was replaced: the unknown drift of the failed run is not served as the old count.
        assert value(text, "schema_auditor_drift_items", database="app", kind="missing_column") is None


def test_cli_textfile_and_pushgateway_keep_last_success_across_a_failed_run(tmp_path: Path) -> None:
    """The cron-style and batch-style ways out, through the CLI: a failed run reports up 0, keeps
    the last success it finds in the previous output, and exits 2."""
    from conftest import run_cli

    target, db = _sqlite_app(tmp_path)
    name = target.url  # the CLI names a database given as a URL by its (masked) URL
    prom = tmp_path / "schema_auditor.prom"
    args = ["audit", "--db", target.url, "--spec", str(target.spec), "--metrics-textfile", str(prom)]
    # Its own persistence file: Debian's default, /var/lib/prometheus/pushgateway.data, keeps what
    # earlier runs pushed.
    persistence = [f"--persistence.file={tmp_path / 'pushgateway.data'}"]
    with serving("prometheus-pushgateway", persistence, "/-/ready", tmp_path / "pushgateway.log") as base:
        assert run_cli(*args, "--pushgateway", base).code == 1
        first = value(prom.read_text(), "schema_auditor_last_success_timestamp_seconds", database=name)
        pushed = http_get(base + "/metrics")
        assert value(pushed, "schema_auditor_last_success_timestamp_seconds", database=name) == first
        db.unlink()
        assert run_cli(*args, "--pushgateway", base).code == 2
        for text in (prom.read_text(), http_get(base + "/metrics")):
            assert value(text, "schema_auditor_up", database=name) == 0
            assert value(text, "schema_auditor_last_success_timestamp_seconds", database=name) == first
    assert not db.exists()  # an audit never creates the database it could not find


def test_spec_info_of_a_reference_database_names_its_recorded_version(tmp_path: Path) -> None:
    fresh, app = tmp_path / "fresh.db", tmp_path / "app.db"
    for path, version in ((fresh, 3), (app, 3)):
        with sqlite3.connect(path) as conn:
            conn.executescript("CREATE TABLE schema_version (version integer);"
                               f"INSERT INTO schema_version VALUES ({version});")
        conn.close()
    from auditor.cli import build_parser, resolve_targets

    args = build_parser().parse_args(["audit", "--db", f"sqlite:///{app}", "--expected-db", f"sqlite:///{fresh}",
                                      "--version-table", "schema_version"])
    (target,), _ = resolve_targets(args)
    text = render(build_registry([audit_target(target)], now=lambda: NOW))
    info = [ls for n, ls, v in samples(text) if n == "schema_auditor_spec_info"]
    assert info == [{"database": target.name, "spec": f"sqlite:///{fresh}", "version": "3", "sha256": ""}]
    assert value(text, "schema_auditor_version_match", database=target.name) == 1
