"""Indexes on materialized views (auditor/dialects/pgviewindex.py): compared by Postgres' parser,
written from the author's statement. One line per case."""
from __future__ import annotations

from pathlib import Path

import pytest

from auditor.dialects.pgviewindex import ViewIndexSyntax, canonical_view_index, if_not_exists
from conftest import LiveDb, run_cli

LIVE = "CREATE UNIQUE INDEX mv_id ON public.mv USING btree (id)"  # as pg_get_indexdef prints it
SPELLINGS = [
    ("same", LIVE, True),
    ("unqualified_default_method", "create unique index mv_id on mv (id);", True),
    ("concurrently_if_not_exists", "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS mv_id ON mv (id)", True),
    ("not_unique", "CREATE INDEX mv_id ON mv (id)", False),
    ("other_column", "CREATE UNIQUE INDEX mv_id ON mv (n)", False),
    ("other_method", "CREATE UNIQUE INDEX mv_id ON mv USING hash (id)", False),
    ("descending", "CREATE UNIQUE INDEX mv_id ON mv (id DESC)", False),
    ("partial", "CREATE UNIQUE INDEX mv_id ON mv (id) WHERE id > 0", False),
]


@pytest.mark.parametrize("spelling, same", [pytest.param(s, e, id=i) for i, s, e in SPELLINGS])
def test_view_index_spellings(spelling: str, same: bool) -> None:
    assert (canonical_view_index(spelling) == canonical_view_index(LIVE)) is same


@pytest.mark.parametrize("written, planned", [
    ("create unique index x on y (z);", "create unique index IF NOT EXISTS x on y (z)"),
    ("CREATE INDEX CONCURRENTLY x ON y (z)", "CREATE INDEX IF NOT EXISTS x ON y (z)"),  # the plan is a transaction
    ("CREATE INDEX IF NOT EXISTS x ON y (z)", "CREATE INDEX IF NOT EXISTS x ON y (z)"),
])
def test_the_plan_writes_the_authors_statement_idempotent(written: str, planned: str) -> None:
    assert if_not_exists(written) == planned


@pytest.mark.parametrize("text", ["CREATE INDEX ON mv (id)", "SELECT 1", "CREATE INDEX x ON mv (id); DROP TABLE t"])
def test_not_one_named_index_statement_is_refused(text: str) -> None:
    with pytest.raises(ViewIndexSyntax):
        canonical_view_index(text)


def test_a_spec_index_written_concurrently_applies_and_audits_clean(pg_url: str, tmp_path: Path) -> None:
    LiveDb(pg_url, "postgresql").execute("CREATE TABLE t (id integer PRIMARY KEY)")
    spec = tmp_path / "spec.yaml"
    spec.write_text("tables:\n  t:\n    columns: {id: {type: integer, primary_key: true}}\nviews:\n  mv:\n"
                    "    definition: SELECT id FROM t\n    materialized: true\n"
                    "    indexes: ['CREATE UNIQUE INDEX CONCURRENTLY mv_id ON mv (id)']\n")
    applied = run_cli("apply", "--db", pg_url, "--spec", str(spec), "--yes")
    assert applied.code == 0, applied.out + applied.err
    assert run_cli("audit", "--db", pg_url, "--spec", str(spec)).code == 0
    assert LiveDb(pg_url, "postgresql").query("SELECT indexname FROM pg_indexes WHERE tablename = 'mv'") == [("mv_id",)]
