"""The whole Postgres database, as real ones are: several schemas, range/list/hash partitions with a
default and a sub-partition, an inheritance child, rolling partitions that a scheduler creates,
and constraints kept NOT VALID on purpose.

Each case: snapshot -> audit clean; one mutation -> exactly its drift item; apply heals; a second
plan is empty.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from conftest import LiveDb, run_cli

DATABASE = """
CREATE SCHEMA journal;
CREATE SCHEMA queue;
CREATE SCHEMA parts;
CREATE TABLE public.accounts (id bigint PRIMARY KEY, name text NOT NULL);
CREATE TABLE journal.entries (id bigserial PRIMARY KEY, account_id bigint REFERENCES public.accounts (id),
                              note text, amount numeric(12, 2) NOT NULL DEFAULT 0);
INSERT INTO public.accounts VALUES (1, 'one');
INSERT INTO journal.entries (account_id, note, amount) VALUES (1, 'first', -5), (1, 'second', 3);
-- Kept NOT VALID on purpose: the old rows break them.
ALTER TABLE journal.entries ADD CONSTRAINT entries_amount_positive CHECK (amount > 0) NOT VALID;
CREATE TABLE queue.jobs (id int PRIMARY KEY, account_id bigint);
INSERT INTO queue.jobs VALUES (1, 42);
ALTER TABLE queue.jobs ADD CONSTRAINT jobs_account_fk FOREIGN KEY (account_id) REFERENCES public.accounts (id) NOT VALID;

-- Range partitions with a default and a list sub-partition; an index on the parent.
CREATE TABLE public.events (id bigint NOT NULL, created_at timestamptz NOT NULL DEFAULT now(),
                            region text NOT NULL DEFAULT 'eu', payload jsonb,
                            PRIMARY KEY (id, created_at, region), CONSTRAINT events_id_positive CHECK (id > 0))
    PARTITION BY RANGE (created_at);
CREATE INDEX events_region_idx ON public.events (region);
CREATE TABLE parts.events_2024 PARTITION OF public.events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE parts.events_2025 PARTITION OF public.events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')
    PARTITION BY LIST (region);
CREATE TABLE parts.events_2025_eu PARTITION OF parts.events_2025 FOR VALUES IN ('eu', 'uk');
CREATE TABLE parts.events_2025_rest PARTITION OF parts.events_2025 DEFAULT;
CREATE TABLE public.events_default PARTITION OF public.events DEFAULT;
ALTER TABLE public.events_default ALTER COLUMN region SET DEFAULT 'other';  -- its own
CREATE INDEX events_2024_payload_idx ON parts.events_2024 USING gin (payload);
INSERT INTO public.events (id, created_at, region) VALUES (1, '2024-06-01', 'eu'), (2, '2025-06-01', 'us');

-- Hash partitions.
CREATE TABLE public.sessions (id uuid NOT NULL, token text) PARTITION BY HASH (id);
CREATE TABLE public.sessions_0 PARTITION OF public.sessions FOR VALUES WITH (MODULUS 2, REMAINDER 0);
CREATE TABLE public.sessions_1 PARTITION OF public.sessions FOR VALUES WITH (MODULUS 2, REMAINDER 1);

-- Rolling partitions, created on a schedule (the spec expects them by pattern).
CREATE TABLE public.metrics (at date NOT NULL, value double precision) PARTITION BY RANGE (at);
CREATE TABLE public.metrics_p20260101 PARTITION OF public.metrics FOR VALUES FROM ('2026-01-01') TO ('2026-01-02');
CREATE TABLE public.metrics_p20260102 PARTITION OF public.metrics FOR VALUES FROM ('2026-01-02') TO ('2026-01-03');
CREATE TABLE public.metrics_default PARTITION OF public.metrics DEFAULT;

-- Inheritance.
CREATE TABLE public.documents (id int NOT NULL, title text CHECK (title <> ''));
CREATE TABLE public.invoices (total numeric, PRIMARY KEY (id)) INHERITS (public.documents);

-- Inheritance children as pg_partman 4 (trigger-based) makes them: LIKE the parent with its own
-- key, indexes and a range check, then INHERITS, in the parent's schema.
CREATE TABLE journal.applications (id bigserial, created_at timestamptz NOT NULL DEFAULT now(), name text,
                                   CONSTRAINT applications_pkey PRIMARY KEY (id));
CREATE INDEX applications_created_idx ON journal.applications (created_at);
CREATE TABLE journal.applications_p2015_10 (LIKE journal.applications INCLUDING DEFAULTS INCLUDING CONSTRAINTS
    INCLUDING INDEXES, CONSTRAINT applications_p2015_10_partition_check
    CHECK (created_at >= '2015-10-01' AND created_at < '2015-11-01')) INHERITS (journal.applications);
CREATE TABLE journal.applications_p2015_11 (LIKE journal.applications INCLUDING DEFAULTS INCLUDING CONSTRAINTS
    INCLUDING INDEXES, CONSTRAINT applications_p2015_11_partition_check
    CHECK (created_at >= '2015-11-01' AND created_at < '2015-12-01')) INHERITS (journal.applications);
"""

ALL_HAZARDS = ("--allow-hazards", "all")


@pytest.fixture
def whole_db(pg_url: str, tmp_path: Path) -> tuple[LiveDb, Path]:
    """The database above and its snapshot, in which the rolling partitions are a pattern."""
    db = LiveDb(pg_url, "postgresql")
    db.execute(DATABASE)
    result = run_cli("snapshot", "--db", pg_url)
    assert result.code == 0, result.err
    doc = yaml.safe_load(result.out)
    for name in ("metrics_p20260101", "metrics_p20260102"):
        del doc["tables"][name]
    doc["tables"]["metrics"]["partitions"] = {"pattern": "metrics_p*"}
    spec = tmp_path / "spec.yaml"
    spec.write_text(yaml.safe_dump(doc, sort_keys=False))
    return db, spec


def audit(db: LiveDb, spec: Path) -> tuple[int, list[tuple[str, str, str | None]]]:
    result = run_cli("audit", "--db", db.url, "--spec", str(spec), "--format", "json")
    drift = json.loads(result.out)["databases"][0]["drift"]
    return result.code, [(d["kind"], d["table"] if d["schema"] == "public" else f"{d['schema']}.{d['table']}",
                          d["name"]) for d in drift]


def test_snapshot_holds_every_schema_and_audits_clean(whole_db: tuple[LiveDb, Path]) -> None:
    db, spec = whole_db
    doc = yaml.safe_load(spec.read_text())
    assert doc["schemas"] == ["journal", "parts", "public", "queue"]
    tables = doc["tables"]
    assert tables["events"]["partition_by"] == "RANGE (created_at)"
    assert tables["parts.events_2025"] == {
        "partition_of": "events", "for_values": "FROM ('2025-01-01 00:00:00+00') TO ('2026-01-01 00:00:00+00')",
        "partition_by": "LIST (region)"}
    assert tables["parts.events_2025_eu"] == {"partition_of": "parts.events_2025", "for_values": "IN ('eu', 'uk')"}
    assert tables["events_default"] == {"partition_of": "events", "for_values": "DEFAULT",
                                        "columns": {"region": {"type": "text", "nullable": False,
                                                               "default": "'other'::text"}}}
    assert tables["parts.events_2024"]["indexes"] == {"events_2024_payload_idx": {"columns": ["payload"],
                                                                                  "method": "gin"}}
    assert tables["invoices"]["inherits"] == ["documents"]
    assert tables["journal.entries"]["checks"]["entries_amount_positive"] == {"expression": "amount > 0::numeric",
                                                                              "validated": False}
    assert tables["queue.jobs"]["foreign_keys"]["jobs_account_fk"]["validated"] is False
    assert audit(db, spec) == (0, [])
    assert "no changes" in run_cli("plan", "--db", db.url, "--spec", str(spec)).out


MUTATIONS = [
    # (id, SQL, the one drift item)
    ("column_in_other_schema", "ALTER TABLE journal.entries DROP COLUMN note", ("missing_column", "journal.entries", "note")),
    ("table_in_managed_schema", "CREATE TABLE queue.stray (id int)", ("extra_table", "queue.stray", None)),
    ("extra_partitioned_table", "CREATE TABLE queue.logs (at date) PARTITION BY RANGE (at); CREATE TABLE queue.logs_1 "
                                "PARTITION OF queue.logs FOR VALUES FROM ('2020-01-01') TO ('2021-01-01')",
     ("extra_table", "queue.logs", None)),
    ("partition_detached", "ALTER TABLE public.events DETACH PARTITION parts.events_2024",
     ("partition_mismatch", "parts.events_2024", "partition_of")),
    ("default_partition_dropped", "DROP TABLE public.events_default", ("missing_table", "events_default", None)),
    ("sub_partition_dropped", "DROP TABLE parts.events_2025_eu", ("missing_table", "parts.events_2025_eu", None)),
    ("partition_own_index_dropped", "DROP INDEX parts.events_2024_payload_idx",
     ("missing_index", "parts.events_2024", "events_2024_payload_idx")),
    ("parent_index_dropped", "DROP INDEX public.events_region_idx", ("missing_index", "events", "events_region_idx")),
    ("hash_partition_dropped", "DROP TABLE public.sessions_1", ("missing_table", "sessions_1", None)),
    ("rolling_default_dropped", "DROP TABLE public.metrics_default", ("missing_table", "metrics_default", None)),
    ("rolling_child_with_own_check", "ALTER TABLE public.metrics_p20260101 ADD CONSTRAINT odd CHECK (value > 0)",
     ("extra_check", "metrics_p20260101", "odd")),
    ("unexpected_child", "CREATE TABLE public.metrics_tmp PARTITION OF public.metrics FOR VALUES FROM ('2027-01-01') "
                         "TO ('2027-01-02')", ("extra_table", "metrics_tmp", None)),
    ("inheritance_dropped", "ALTER TABLE public.invoices NO INHERIT public.documents",
     ("partition_mismatch", "invoices", "inherits")),
    ("inheritance_child_extra_column", "ALTER TABLE journal.applications_p2015_10 ADD COLUMN zz int",
     ("extra_column", "journal.applications_p2015_10", "zz")),
    ("inheritance_child_index_dropped", "DROP INDEX journal.applications_p2015_11_created_at_idx",
     ("missing_index", "journal.applications_p2015_11", "applications_p2015_11_created_at_idx")),
    ("inheritance_child_check_dropped", "ALTER TABLE journal.applications_p2015_11 DROP CONSTRAINT "
                                        "applications_p2015_11_partition_check",
     ("missing_check", "journal.applications_p2015_11", "applications_p2015_11_partition_check")),
    ("inheritance_child_dropped", "DROP TABLE journal.applications_p2015_10",
     ("missing_table", "journal.applications_p2015_10", None)),
    ("not_valid_check_dropped", "ALTER TABLE journal.entries DROP CONSTRAINT entries_amount_positive",
     ("missing_check", "journal.entries", "entries_amount_positive")),
    ("not_valid_foreign_key_dropped", "ALTER TABLE queue.jobs DROP CONSTRAINT jobs_account_fk",
     ("missing_foreign_key", "queue.jobs", "jobs_account_fk")),
]


@pytest.mark.parametrize("sql, item", [pytest.param(sql, item, id=name) for name, sql, item in MUTATIONS])
def test_one_mutation_is_one_item_and_apply_heals_it(whole_db: tuple[LiveDb, Path], sql: str,
                                                      item: tuple[str, str, str | None]) -> None:
    db, spec = whole_db
    db.execute(sql)
    assert audit(db, spec)[1] == [item]
    args = ("--allow-destructive",) if item[0].startswith("extra_") else ALL_HAZARDS
    result = run_cli("apply", "--db", db.url, "--spec", str(spec), "--yes", *args)
    assert result.code == 0, result.out + result.err
    assert audit(db, spec) == (0, [])
    assert "no changes" in run_cli("plan", "--db", db.url, "--spec", str(spec)).out


def test_rolling_partitions_are_expected_by_pattern(whole_db: tuple[LiveDb, Path]) -> None:
    """A new child the scheduler made is no drift; its structure is still the parent's."""
    db, spec = whole_db
    db.execute("CREATE TABLE public.metrics_p20260103 PARTITION OF public.metrics "
               "FOR VALUES FROM ('2026-01-03') TO ('2026-01-04')")
    assert audit(db, spec) == (0, [])
    db.execute("CREATE TABLE public.metrics_p20260104 PARTITION OF public.metrics "
               "FOR VALUES FROM ('2026-01-04') TO ('2026-01-05') PARTITION BY RANGE (at)",
               "CREATE TABLE public.metrics_p20260104_am PARTITION OF public.metrics_p20260104 "
               "FOR VALUES FROM ('2026-01-04') TO ('2026-01-05')")
    assert audit(db, spec) == (0, [])
    db.execute("ALTER TABLE public.metrics_p20260103 ALTER COLUMN value SET NOT NULL")
    assert audit(db, spec)[1] == [("nullable_mismatch", "metrics_p20260103", "value")]


def test_not_valid_on_purpose_is_no_drift_and_apply_leaves_it(whole_db: tuple[LiveDb, Path]) -> None:
    """The spec keeps the check NOT VALID: nothing to do; written as validated, it is drift,
    and apply would VALIDATE it (which the old rows make fail, rolled back)."""
    db, spec = whole_db
    assert "VALIDATE" not in run_cli("plan", "--db", db.url, "--spec", str(spec)).out
    validated = spec.read_text().replace("validated: false", "validated: true")
    spec.write_text(validated)
    assert sorted(audit(db, spec)[1]) == [("constraint_not_validated", "journal.entries", "entries_amount_positive"),
                                          ("constraint_not_validated", "queue.jobs", "jobs_account_fk")]


def test_an_empty_database_is_built_from_the_snapshot(whole_db: tuple[LiveDb, Path], new_db) -> None:
    """apply creates schemas, parents before partitions, sub-partitions, children, in one go."""
    _, spec = whole_db
    target = LiveDb(new_db("postgresql"), "postgresql")
    spec.write_text(spec.read_text().replace("metrics_p*", "metrics_x*"))
    result = run_cli("apply", "--db", target.url, "--spec", str(spec), "--yes")
    assert result.code == 0, result.out + result.err
    assert audit(target, spec) == (0, [])
    assert target.query("SELECT count(*) FROM pg_inherits")[0][0] >= 9


# One line per case: two spellings of bounds (or of a partition key) and whether they mean the same.
BOUNDS = [
    ("FROM ('2024-01-01') TO ('2025-01-01')", "FROM ('2024-01-01 00:00:00+00') TO ('2025-01-01 00:00:00+00')", True),
    ("FROM ('2024-01-01') TO ('2025-01-01')", "FROM ('2024-01-01 00:00:00') TO ('2025-01-01 00:00:00')", True),
    ("FROM ('2024-01-01 01:00:00+01') TO (MAXVALUE)", "FROM ('2024-01-01 00:00:00+00') TO (maxvalue)", True),
    ("FROM ('2024-01-01') TO ('2025-01-01')", "FROM ('2024-01-01') TO ('2025-01-02')", False),
    ("FROM (0) TO (1000)", "FROM ('0') TO ('1000')", True),
    ("FROM (0) TO (1000)", "FROM (0) TO (100)", False),
    ("IN ('eu', 'uk')", "IN ('eu','uk')", True),
    ("IN ('eu', 'uk')", "IN ('uk', 'eu')", False),
    ("WITH (MODULUS 4, REMAINDER 0)", "WITH (modulus 4, remainder 0)", True),
    ("WITH (MODULUS 4, REMAINDER 0)", "WITH (MODULUS 4, REMAINDER 1)", False),
    ("DEFAULT", "default", True),
    ("DEFAULT", "FROM (0) TO (1)", False),
]
KEYS = [
    ("range (created_at)", "RANGE (created_at)", True),
    ("list (lower(region))", "LIST (lower(region))", True),
    ("range (created_at)", "list (created_at)", False),
    ("hash (id)", "hash (account_id)", False),
]


@pytest.mark.parametrize("left, right, same", BOUNDS + [(a, b, s) for a, b, s in KEYS],
                         ids=[f"{a} | {b}" for a, b, _ in BOUNDS + KEYS])
def test_bounds_and_keys_compare_by_meaning(left: str, right: str, same: bool) -> None:
    from auditor.canon import canonical_partitioning
    from auditor.dialects import POSTGRESQL

    is_key = (left, right, same) in KEYS
    assert (canonical_partitioning(left, POSTGRESQL, not is_key)
            == canonical_partitioning(right, POSTGRESQL, not is_key)) is same


def test_table_without_columns_round_trip(pg_url: str, tmp_path: Path) -> None:
    """Postgres tables may have no columns (``CREATE TABLE markers ()``, as PostgREST's fixtures
    have): a spec says so with ``columns: {}``, and the plan creates one."""
    db = LiveDb(pg_url, "postgresql")
    db.execute("CREATE TABLE markers ()")
    snapshot = run_cli("snapshot", "--db", pg_url)
    assert yaml.safe_load(snapshot.out)["tables"] == {"markers": {"columns": {}}}
    spec = tmp_path / "spec.yaml"
    spec.write_text("tables:\n  markers:\n    columns: {}\n")
    assert audit(db, spec) == (0, [])
    db.execute("DROP TABLE markers")
    assert audit(db, spec) == (1, [("missing_table", "markers", None)])
    assert run_cli("apply", "--yes", "--db", pg_url, "--spec", str(spec)).code == 0
    assert db.query("SELECT count(*) FROM pg_attribute WHERE attrelid = 'markers'::regclass AND attnum > 0") == [(0,)]
    assert audit(db, spec) == (0, [])
