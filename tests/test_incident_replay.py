"""The incident replayed end to end, on SQLite and on Postgres: the incident's migration runner
(a version table, each version skipped once current_version >= N) runs to v3; then v3's body gains
tickers_json and its index. A fresh database built from the edited migrations and the old one are
compared: the old one is silent drift (it says v3 but is not v3's structure), apply heals it, and the
version table is never touched."""
from __future__ import annotations

import json
from pathlib import Path

from auditor.demo import MIGRATIONS_AS_DEPLOYED, build_incident_database, spec_path
from conftest import LiveDb, run_cli
from test_sources import EDITED, INCIDENT_ITEMS, items, reference, run_migrations  # noqa: F401 - a fixture

VERSION = ("--version-table", "schema_version")


def structure(db: LiveDb) -> str:
    """What snapshot says the database's structure is (without its header line)."""
    return "\n".join(run_cli("snapshot", "--db", db.url).out.splitlines()[1:])


def test_replay_the_incident_silent_drift_then_heal(db: LiveDb, reference: LiveDb, tmp_path: Path) -> None:  # noqa: F811
    build_incident_database(db.url)                 # production, migrated to v3 before v3 was edited
    assert run_migrations(db.url, MIGRATIONS_AS_DEPLOYED) == 3
    deployed = structure(db)
    # The edit: v3 gains a column and an index. Production's runner skips v3: nothing changes.
    assert run_migrations(db.url, EDITED) == 3
    assert structure(db) == deployed
    assert run_migrations(reference.url, EDITED) == 3  # what CI builds fresh from the migrations
    versions = db.query("SELECT version FROM schema_version ORDER BY version")
    assert versions == [(1,), (2,), (3,)]

    metrics = tmp_path / "schema_auditor.prom"
    audit = run_cli("audit", "--db", db.url, "--expected-db", reference.url, *VERSION, "--format", "json",
                    "--metrics-textfile", str(metrics))
    assert audit.code == 1, audit.err
    entry = json.loads(audit.out)["databases"][0]
    assert items(audit) == INCIDENT_ITEMS
    assert entry["version"]["status"] == "silent_drift" and entry["version"]["severity"] == "critical"
    assert (entry["version"]["expected"], entry["version"]["recorded"]) == ("3", "3")
    assert "analysis_jobs.tickers_json" in entry["version"]["message"]
    assert "idx_analysis_jobs_tickers_status" in entry["version"]["message"]
    exposition = metrics.read_text()
    assert 'schema_auditor_version_match{database="' in exposition and "} 1.0" in exposition
    assert 'schema_auditor_recorded_version_info{database="' in exposition and 'version="3"} 1.0' in exposition

    # The committed spec (version: 3) tells the same story.
    by_spec = run_cli("audit", "--db", db.url, "--spec", str(spec_path()), *VERSION)
    assert by_spec.code == 1 and "CRITICAL silent_drift: recorded version 3 is the expected version" in by_spec.out

    # --concurrent-indexes: on Postgres the new index is built without blocking writes.
    healed = run_cli("apply", "--db", db.url, "--expected-db", reference.url, *VERSION, "--concurrent-indexes")
    assert healed.code == 0, healed.out + healed.err
    assert "verified: clean" in healed.out
    assert db.query("SELECT version FROM schema_version ORDER BY version") == versions, "the version table is untouched"
    assert db.query("SELECT id, status FROM analysis_jobs ORDER BY id") == [(1, "done"), (2, "running"), (3, "pending")]

    after = run_cli("audit", "--db", db.url, "--expected-db", reference.url, *VERSION, "--format", "json")
    assert after.code == 0, after.out + after.err
    assert json.loads(after.out)["databases"][0]["version"]["status"] == "match"
    assert structure(db) == structure(reference)
