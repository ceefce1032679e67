"""Config files, fleets of databases, report formats, and credential masking."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from auditor.config import load_config
from auditor.demo import build_incident_database, spec_path
from conftest import run_cli

SPEC = str(spec_path())
REPO = Path(__file__).resolve().parent.parent


def _fleet(tmp_path: Path) -> Path:
    """Two SQLite databases: one as the incident left it, one healed."""
    for name in ("drifted", "healed"):
        build_incident_database(f"sqlite:///{tmp_path / name}.db")
    assert run_cli("apply", "--db", str(tmp_path / "healed.db"), "--spec", SPEC).code == 0
    config = tmp_path / "config.yaml"
    config.write_text(f"""\
spec: {SPEC}
databases:
  drifted: {{url: "sqlite:///drifted.db"}}
  healed: {{url: "sqlite:///${{HEALED_DB_FILE:-healed.db}}"}}
""")
    return config


def test_without_db_every_configured_database_is_audited(tmp_path: Path) -> None:
    result = run_cli("audit", "--config", str(_fleet(tmp_path)), "--format", "json")
    assert result.code == 1
    report = json.loads(result.out)
    assert [(d["database"], len(d["drift"])) for d in report["databases"]] == [("drifted", 2), ("healed", 0)]


def test_db_picks_one_configured_database_by_name(tmp_path: Path) -> None:
    result = run_cli("audit", "--config", str(_fleet(tmp_path)), "--db", "healed")
    assert result.code == 0
    assert result.out.startswith("healed (sqlite, spec ")
    assert "clean" in result.out


def test_env_fallback_and_relative_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = _fleet(tmp_path)
    targets = load_config(config).targets
    assert targets["healed"].url == f"sqlite:///{tmp_path / 'healed.db'}"
    monkeypatch.setenv("HEALED_DB_FILE", "drifted.db")
    assert load_config(config).targets["healed"].url == f"sqlite:///{tmp_path / 'drifted.db'}"


def test_one_unreachable_database_does_not_stop_the_others(tmp_path: Path) -> None:
    config = _fleet(tmp_path)
    config.write_text(config.read_text() + '  gone: {url: "sqlite:///missing.db"}\n')
    result = run_cli("audit", "--config", str(config), "--format", "json")
    assert result.code == 2
    report = json.loads(result.out)
    assert [d["database"] for d in report["databases"]] == ["drifted", "healed", "gone"]
    assert "does not exist" in report["databases"][2]["error"]
    assert len(report["databases"][0]["drift"]) == 2
    assert result.err.count("\n") == 1 and result.err.startswith("gone: ")


def test_a_password_never_appears_in_any_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    password = "pw-7f3a91c2-never-print"
    monkeypatch.setenv("PLANTED_PASSWORD", password)
    config = tmp_path / "config.yaml"
    config.write_text(f"""\
spec: {SPEC}
databases:
  prod: {{url: "postgresql://auditor:${{PLANTED_PASSWORD}}@127.0.0.1:1/app"}}
""")
    outputs = [run_cli(cmd, "--config", str(config), "--format", fmt)
               for cmd in ("audit", "plan", "apply") for fmt in ("text", "json")]
    outputs.append(run_cli("audit", "--db", f"postgresql://auditor:{password}@127.0.0.1:1/app", "--spec", SPEC))
    for result in outputs:
        assert result.code == 2
        assert password not in result.out + result.err
    assert "auditor:***@127.0.0.1:1/app" in outputs[-1].err


def test_warnings_alone_exit_zero_unless_strict(tmp_path: Path) -> None:
    db_file = tmp_path / "jobs.db"
    build_incident_database(f"sqlite:///{db_file}")
    assert run_cli("apply", "--db", str(db_file), "--spec", SPEC).code == 0
    from conftest import LiveDb

    LiveDb(f"sqlite:///{db_file}", "sqlite").execute("CREATE TABLE leftovers (id INTEGER)")
    relaxed = run_cli("audit", "--db", str(db_file), "--spec", SPEC)
    assert relaxed.code == 0 and "extra_table" in relaxed.out and "warning" in relaxed.out
    assert run_cli("audit", "--db", str(db_file), "--spec", SPEC, "--strict").code == 1
    assert run_cli("audit", "--db", str(db_file), "--spec", SPEC, "--ignore", "left*", "--strict").code == 0


def test_the_repository_config_example_is_valid(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUDITOR_PROD_PASSWORD", "example")
    config = load_config(REPO / "config.yaml")
    assert list(config.targets) == ["demo", "production"]
    assert all(Path(t.spec or "").exists() for t in config.targets.values())


def test_a_failed_apply_rolls_back_and_the_other_databases_still_apply(tmp_path: Path) -> None:
    from conftest import LiveDb

    spec = Path(SPEC).read_text().replace(
        "idx_analysis_jobs_user: {columns: [user_id]}", "idx_analysis_jobs_user: {columns: [user_id], unique: true}")
    (tmp_path / "spec.yaml").write_text(spec)
    for name in ("duplicates", "distinct"):
        build_incident_database(f"sqlite:///{tmp_path / name}.db")
        LiveDb(f"sqlite:///{tmp_path / name}.db", "sqlite").execute("DROP INDEX idx_analysis_jobs_user")
    LiveDb(f"sqlite:///{tmp_path / 'distinct.db'}", "sqlite").execute("DELETE FROM analysis_jobs WHERE id = 2")
    (tmp_path / "config.yaml").write_text(
        "spec: spec.yaml\ndatabases:\n  duplicates: {url: 'sqlite:///duplicates.db'}\n"
        "  distinct: {url: 'sqlite:///distinct.db'}\n")
    # A unique index on a table with rows may fail: allowed, its pre-check refuses it on one database.
    result = run_cli("apply", "--config", str(tmp_path / "config.yaml"), "--format", "json",
                     "--allow-hazards", "MAY_FAIL_ON_EXISTING_DATA")
    assert result.code == 2
    assert "refused" in result.err and "2 row(s) of analysis_jobs repeat a value of (user_id)" in result.err
    report = json.loads(result.out)
    assert report["clean"] is False
    assert [d["database"] for d in report["databases"]] == ["duplicates", "distinct"]
    assert "remaining" not in report["databases"][0] and report["databases"][1]["remaining"] == []
    # The failed database is exactly as before: its ADD COLUMN was rolled back with the index.
    assert [i["kind"] for i in json.loads(run_cli("audit", "--config", str(tmp_path / "config.yaml"),
                                                   "--db", "duplicates", "--format", "json").out)
            ["databases"][0]["drift"]] == ["missing_column", "missing_index", "missing_index"]
