"""Golden tests: the plan SQL per dialect for one fixed drift, pinned as text.

The schemas come from two spec files (no database), so the test pins the planner and renderer
alone. Regenerate after an intended change with ``UPDATE_GOLDEN=1 pytest tests/test_plan_golden.py``
and review the diff.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from auditor.hazards import (
    ACQUIRES_ACCESS_EXCLUSIVE_LOCK, BACKWARD_INCOMPATIBLE, DELETES_DATA, MAY_FAIL_ON_EXISTING_DATA, TABLE_REWRITE)

from auditor.canon import normalize_schema
from auditor.diff import diff_schemas
from auditor.dialects import dialect_named
from auditor.plan import PHASES, plan_changes, render_script
from auditor.spec import load_spec

GOLDEN = Path(__file__).parent / "golden"


def _plan(dialect_name: str):
    dialect = dialect_named(dialect_name)
    desired = normalize_schema(load_spec(GOLDEN / "desired.yaml"), dialect)
    live = normalize_schema(load_spec(GOLDEN / "live.yaml"), dialect)
    drift = diff_schemas(desired, live, dialect=dialect)
    return drift, plan_changes(drift, desired, live, dialect), dialect


@pytest.mark.parametrize("dialect_name", ["postgresql", "sqlite"])
def test_plan_sql_matches_golden_file(dialect_name: str) -> None:
    _, statements, dialect = _plan(dialect_name)
    script = render_script(statements, dialect)
    golden = GOLDEN / f"plan_{dialect_name}.sql"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        golden.write_text(script)
    assert script == golden.read_text()


@pytest.mark.parametrize("dialect_name", ["postgresql", "sqlite"])
def test_every_drift_kind_is_planned_in_phase_order(dialect_name: str) -> None:
    drift, statements, _ = _plan(dialect_name)
    rebuilt = {s.fixes.table_key for s in statements if s.rebuild}  # one SQLite rebuild fixes a whole table
    covered = {s.fixes for s in statements} | {i for i in drift if i.table_key in rebuilt}
    assert covered == set(drift), "every item gets at least one statement"
    phases = [PHASES.index(s.phase) for s in statements]
    assert phases == sorted(phases)


def test_hazards_name_drops_type_changes_and_set_not_null_and_spare_additions() -> None:
    _, statements, _ = _plan("postgresql")
    hazards = {s.sql.split(" ADD ")[0]: s.hazards for s in statements}

    def of(fragment: str) -> tuple[str, ...]:
        (found,) = [h for sql, h in hazards.items() if fragment in sql]
        return found

    assert of("DROP TABLE IF EXISTS public.old_table") == (DELETES_DATA, BACKWARD_INCOMPATIBLE)
    assert of("DROP COLUMN IF EXISTS legacy_flag") == (DELETES_DATA, BACKWARD_INCOMPATIBLE)
    # text to varchar(255) cuts longer values: it deletes data, counted first
    assert of("TYPE varchar(255)") == (DELETES_DATA, ACQUIRES_ACCESS_EXCLUSIVE_LOCK, TABLE_REWRITE,
                                       MAY_FAIL_ON_EXISTING_DATA)
    assert of("SET NOT NULL") == (ACQUIRES_ACCESS_EXCLUSIVE_LOCK, MAY_FAIL_ON_EXISTING_DATA)
    safe = [s.sql for s in statements if not s.hazards]
    assert any("ADD COLUMN IF NOT EXISTS tickers_json" in s for s in safe)
    assert any("SET DEFAULT 'active'" in s for s in safe)


def test_golden_postgres_script_heals_a_real_database_and_runs_twice(pg_url: str, tmp_path: Path) -> None:
    """The pinned script is real SQL: applied twice by psql, it leaves the database clean."""
    from conftest import run_cli, run_psql

    assert run_cli("apply", "--db", pg_url, "--spec", str(GOLDEN / "live.yaml")).code == 0
    for _ in range(2):
        done = run_psql(pg_url, GOLDEN / "plan_postgresql.sql")
        assert done.returncode == 0, done.stderr
    result = run_cli("audit", "--db", pg_url, "--spec", str(GOLDEN / "desired.yaml"), "--strict")
    assert result.code == 0, result.out


def test_drop_order_survives_a_foreign_key_chain_thousands_of_tables_deep() -> None:
    """A referencing table drops first, however deep the chain (a recursive walk overflowed at ~1,000)."""
    from auditor.model import ForeignKey, Schema, Table
    from auditor.plan.order import drop_order

    chain = tuple(Table(f"t{i}", None, foreign_keys=(ForeignKey(("p",), f"t{i - 1}", ("id",)),) if i else ())
                  for i in range(3000))
    rank = drop_order(Schema(chain))
    assert all(rank[f"t{i}"] > rank[f"t{i + 1}"] for i in range(2999))
    cycle = (Table("a", None, foreign_keys=(ForeignKey(("x",), "b", ("id",)),)),
             Table("b", None, foreign_keys=(ForeignKey(("x",), "a", ("id",)),)))
    assert set(drop_order(Schema(cycle))) == {"a", "b"}
