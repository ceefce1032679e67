"""The library API: check a database against its spec, or make sure it matches, from a program.

The start-up guard the incident's team wrote by hand ("if the column is missing, add it"),
generalized::

    import auditor

    report = auditor.ensure(engine, "schema/analysis_jobs.yaml")   # heals what is safe, or raises

``check`` only reads. ``ensure`` heals what ``apply`` runs without any hazard flag (missing
tables, columns, indexes, ...: never a drop, a rewrite or a long lock), then raises
SchemaDriftError if error drift is left. It holds the database's apply lock while it reads, plans
and applies, so that when several processes start at once one heals and the others wait and find
nothing left to do.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Union

from auditor.apply import ApplyOptions, apply_lock, apply_plan
from auditor.audit import AuditResult, audit_spec, audit_target
from auditor.database import parse_url, recover_hot_journal
from auditor.diff import DriftItem
from auditor.errors import AuditorError, ConfigError
from auditor.hazards import ALLOWED_BY_DEFAULT
from auditor.model import Schema
from auditor.redact import redact_url
from auditor.rows import plan_of
from auditor.target import Target, VersionSource
from auditor.versioning import VersionCheck

log = logging.getLogger("auditor")

Database = Union[str, Path, Any]  # a URL, a SQLite file, or a SQLAlchemy Engine or Connection
Spec = Union[str, Path, Schema]  # a spec file, or a spec loaded with auditor.load_spec
Heal = Literal["additive", "none"]


class SchemaDriftError(AuditorError):
    """``ensure`` left error drift: what remains is in the message and in ``report``."""

    hint = "run schema-auditor plan to see the fix, and apply it with the flags it needs"

    def __init__(self, report: Report) -> None:
        errors = [f"{d.kind} {d.label}{'.' + d.name if d.name else ''}" for d in report.drift if d.severity == "error"]
        if report.version is not None and report.version.severity in ("critical", "error"):
            errors.append(f"{report.version.status}: {report.version.message}")
        super().__init__(f"{report.database}: schema drift remains: {'; '.join(errors)}")
        self.report = report


@dataclass(frozen=True)
class Report:
    """One database against its spec. ``drift``: each item with ``kind``, ``table``, ``name``,
    ``severity`` and ``message``; ``clean``: no error drift and, when a version source was given,
    no version error; ``version``: the version cross-check (None without a version source);
    ``healed``: the SQL ``ensure`` ran (none for ``check``)."""

    database: str
    drift: tuple[DriftItem, ...]
    version: VersionCheck | None = None
    healed: tuple[str, ...] = ()

    @property
    def clean(self) -> bool:
        """No error drift (warnings, such as an extra table, do not count) and no version error."""
        version_bad = self.version is not None and self.version.severity in ("critical", "error")
        return not any(d.severity == "error" for d in self.drift) and not version_bad


def check(db: Database, spec: Spec, *, ignore: tuple[str, ...] = (),
          version: VersionSource | None = None) -> Report:
    """Audit ``db`` against ``spec``, read-only. Raises AuditorError (ConfigError, SpecError,
    ConnectError) when it cannot: a bad spec, an unreachable database."""
    return _report(_audit(_target(db, spec, version), spec, ignore))


def ensure(db: Database, spec: Spec, heal: Heal = "additive", *, ignore: tuple[str, ...] = (),
           version: VersionSource | None = None, wait: float = 60.0, lock_timeout: float = 5.0) -> Report:
    """Make sure ``db`` matches ``spec``: heal what needs no hazard flag (``heal="additive"``;
    ``"none"`` only checks), then raise SchemaDriftError if error drift remains, else return the
    Report. Waits up to ``wait`` seconds for another process healing the same database."""
    if heal not in ("additive", "none"):
        raise ConfigError(f"heal={heal!r} is not one of 'additive', 'none'")
    target = _target(db, spec, version)
    if heal != "none":
        recover_hot_journal(target)  # an interrupted write's journal (SQLite), as apply does
    first = _audit(target, spec, ignore)
    if heal == "none" or not _errors(first):
        return _raise_if_drift(_report(first))
    options = ApplyOptions(ALLOWED_BY_DEFAULT, lock_timeout=lock_timeout, lock_wait=wait, lock_held=True)
    with apply_lock(target, wait):  # the others wait here, then find the drift healed
        result = _audit(target, spec, ignore)
        statements = plan_of(result) if _errors(result) else []
        assert result.expected is not None
        applied = apply_plan(target, statements, result.expected, options, ignore) if statements else None
    healed = tuple(s.sql for s in applied.executed) if applied else ()
    for sql in healed:
        log.info("%s: ran %s", target.name, sql)
    after = _audit(target, spec, ignore) if healed else result
    return _raise_if_drift(_report(after, healed))


def _target(db: Database, spec: Spec, version: VersionSource | None) -> Target:
    url = _url(db)
    parse_url(url)
    label = "spec" if isinstance(spec, Schema) else str(spec)
    return Target(name=redact_url(url), url=url, spec=label, version=version)


def _url(db: Database) -> str:
    """The URL of a URL, a SQLite path, or a SQLAlchemy Engine or Connection (its engine's URL:
    the audit reads on connections of its own, read-only)."""
    if isinstance(db, Path):
        return f"sqlite:///{db}"
    if isinstance(db, str):
        return db
    engine = getattr(db, "engine", None)
    url = getattr(engine, "url", None)
    if url is None:
        raise ConfigError(f"db must be a URL, a SQLite path or a SQLAlchemy Engine or Connection, not {type(db).__name__}")
    if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
        raise ConfigError("an in-memory SQLite database cannot be audited from connections of its own",
                          "use a SQLite file")
    return url.render_as_string(hide_password=False)


def _audit(target: Target, spec: Spec, ignore: tuple[str, ...]) -> AuditResult:
    result = audit_spec(target, spec, ignore) if isinstance(spec, Schema) else audit_target(target, ignore)
    if result.failure is not None:
        raise result.failure
    if result.error:
        raise AuditorError(result.error)
    return result


def _errors(result: AuditResult) -> bool:
    return any(d.severity == "error" for d in result.drift)


def _report(result: AuditResult, healed: tuple[str, ...] = ()) -> Report:
    return Report(result.target.name, result.drift, result.version, healed)


def _raise_if_drift(report: Report) -> Report:
    if not report.clean:
        raise SchemaDriftError(report)
    return report
