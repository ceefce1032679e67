"""No traceback, ever: an exception that is not one of ours, at any stage of any command, is one
line on stderr naming where it happened and what to do, exit 2 (never 1, which reads as drift);
--debug prints the traceback too; in a fleet, one database's failure leaves the others audited.

The failures are injected by replacing one of the tool's own functions with one that raises (the
databases stay real): a bug anywhere must end the same way."""
from __future__ import annotations

from pathlib import Path

import pytest

from auditor.demo import build_incident_database, spec_path
from conftest import LiveDb, run_cli

SPEC = str(spec_path())
SECRET = "hunter2-not-to-be-printed"


def _boom(*_: object, **__: object) -> None:
    raise RuntimeError(f"boom at postgresql://app:{SECRET}@db/app\nsecond line")


STAGES = [
    # (stage, the function that fails, the command, where the line says it happened)
    ("config", "auditor.cli.load_config", "audit", "schema-auditor audit"),
    ("spec", "auditor.audit.expected_with_mode", "audit", "audit"),  # (the spec's load itself may be cached)
    ("connect", "auditor.inspect.connect", "audit", "audit"),
    ("inspect", "auditor.audit.read_audited_schema", "audit", "audit"),
    ("version", "auditor.audit.read_recorded", "audit", "audit"),
    ("diff", "auditor.audit.diff_schemas", "audit", "audit"),
    ("plan", "auditor.rows.plan_changes", "plan", "schema-auditor plan"),
    ("apply", "auditor.cli.apply_plan", "apply", "apply"),
    ("output", "auditor.cli.audit_text", "audit", "schema-auditor audit"),
]


@pytest.mark.parametrize("stage, function, command, where", STAGES, ids=[s[0] for s in STAGES])
def test_a_failure_at_any_stage_is_one_line_and_exit_2(stage: str, function: str, command: str, where: str,
                                                       sqlite_url: str, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    build_incident_database(sqlite_url)
    config = tmp_path / "config.yaml"
    config.write_text(f"databases:\n  prod: {{url: '{sqlite_url}', spec: {SPEC}, version_table: schema_version}}\n")
    monkeypatch.setattr(function, _boom)
    result = run_cli(command, "--config", str(config), *(("--yes",) if command == "apply" else ()))
    assert result.code == 2, (result.out, result.err)
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.err, result.err
    assert f"{where}: unexpected RuntimeError: boom at postgresql://app:***@db/app (a bug in schema-auditor: " \
           "run again with --debug and report the traceback)" in lines[0], lines[0]
    assert SECRET not in result.out + result.err


def test_debug_prints_the_traceback_first(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    build_incident_database(sqlite_url)
    monkeypatch.setattr("auditor.cli.audit_text", _boom)
    result = run_cli("audit", "--db", sqlite_url, "--spec", SPEC, "--debug")
    assert result.code == 2
    assert result.err.startswith("Traceback (most recent call last):") and "in _boom" in result.err
    assert result.err.strip().splitlines()[-1].startswith("schema-auditor audit: unexpected RuntimeError")


def test_one_database_failing_leaves_the_others_audited(tmp_path: Path, db: LiveDb,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """A fleet: the failing database is an error line and up=0 in the metrics, the other is audited."""
    import auditor.audit as audit

    build_incident_database(db.url)
    good = tmp_path / "good.db"
    build_incident_database(f"sqlite:///{good}")
    real = audit._audit_expected

    def fails_for_bad(target, *args, **kwargs):  # type: ignore[no-untyped-def]
        if target.name == "bad":
            _boom()
        return real(target, *args, **kwargs)

    monkeypatch.setattr(audit, "_audit_expected", fails_for_bad)
    config = tmp_path / "config.yaml"
    config.write_text(f"spec: {SPEC}\ndatabases:\n  bad: {{url: '{db.url}'}}\n  good: {{url: 'sqlite:///{good}'}}\n")
    prom = tmp_path / "audit.prom"
    result = run_cli("audit", "--config", str(config), "--metrics-textfile", str(prom), "--debug")
    assert result.code == 2
    assert "good (sqlite, spec" in result.out and "missing_column" in result.out
    assert "bad: audit: unexpected RuntimeError: boom" in result.err + result.out
    assert "Traceback" in result.err, "--debug: the bad database's traceback, through the auditor logger"
    assert 'schema_auditor_up{database="bad"} 0.0' in prom.read_text()
    assert 'schema_auditor_up{database="good"} 1.0' in prom.read_text()
