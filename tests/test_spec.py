"""The spec format: what a person writes and the model it loads into."""
from __future__ import annotations

from auditor.canon import normalize_schema
from auditor.dialects import POSTGRESQL, SQLITE
from auditor.model import Column, ForeignKey, Index, PrimaryKey, raw_expr
from auditor.spec import load_spec

ISSUE_EXAMPLE = """\
version: 3
tables:
  analysis_jobs:
    columns:
      id: {type: integer, primary_key: true}
      status: {type: varchar(20), nullable: false, default: "'pending'"}
      tickers_json: text
      created_at: {type: timestamp, nullable: false, default: CURRENT_TIMESTAMP}
    indexes:
      idx_analysis_jobs_tickers_status: {columns: [tickers_json, status]}
      ux_jobs_running: {columns: [status], unique: true, where: "status = 'running'"}
"""


def test_the_documented_example_loads_in_column_order(write_spec) -> None:
    schema = load_spec(write_spec(ISSUE_EXAMPLE))
    assert schema.version == "3"
    (table,) = schema.tables
    assert [c.name for c in table.columns] == ["id", "status", "tickers_json", "created_at"]
    assert table.column("tickers_json") == Column("tickers_json", "text", True, None)
    assert table.column("status") == Column("status", "varchar(20)", False, raw_expr("'pending'"))
    assert table.primary_key == PrimaryKey(("id",))
    assert table.index("ux_jobs_running") == Index("ux_jobs_running", ("status",), True, raw_expr("status = 'running'"))


def test_schema_qualified_tables_and_references(write_spec) -> None:
    schema = load_spec(write_spec("""\
tables:
  app.users:
    columns: {id: integer, org: integer}
    primary_key: [id, org]
  app.orders:
    columns:
      id: integer
      user_id: {type: integer, references: app.users.id, on_delete: set_null}
      user_org: integer
    foreign_keys:
      fk_orders_user: {columns: [user_id, user_org], references: "app.users(id, org)", on_update: cascade}
"""))
    users, orders = schema.tables
    assert (users.schema, users.name, users.primary_key) == ("app", "users", PrimaryKey(("id", "org")))
    assert orders.foreign_keys == (
        ForeignKey(("user_id",), "app.users", ("id",), "SET NULL", "NO ACTION"),
        ForeignKey(("user_id", "user_org"), "app.users", ("id", "org"), "NO ACTION", "CASCADE", "fk_orders_user"),
    )


def test_normalization_is_per_dialect(write_spec) -> None:
    schema = load_spec(write_spec("""\
tables:
  jobs:
    columns:
      id: {type: int, primary_key: true}
      ref: {type: integer, references: users.id}
      amount: {type: "decimal(10)", default: "0"}
"""))
    pg = normalize_schema(schema, POSTGRESQL).tables[0]
    lite = normalize_schema(schema, SQLITE).tables[0]
    assert (pg.key, lite.key) == ("public.jobs", "jobs")
    assert pg.column("id") == Column("id", "integer", False, None)  # primary keys are NOT NULL
    assert (pg.column("amount").type, lite.column("amount").type) == ("numeric(10,0)", "numeric(10)")
    assert (pg.foreign_keys[0].ref_table, lite.foreign_keys[0].ref_table) == ("public.users", "users")


def test_ignore_globs_are_part_of_the_spec(write_spec) -> None:
    schema = load_spec(write_spec("ignore: [schema_version, 'tmp_*']\ntables:\n  t:\n    columns: {id: integer}\n"))
    assert schema.ignore == ("schema_version", "tmp_*")


def test_the_readme_spec_example_is_valid_and_complete(tmp_path) -> None:
    import re
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    section = readme[readme.index("## Spec format"):]
    example = re.search(r"```yaml\n(.*?)```", section, re.S).group(1)
    (tmp_path / "readme.yaml").write_text(example)
    schema = load_spec(tmp_path / "readme.yaml")
    table, events, partition, invoices, settings = schema.tables
    assert (settings.without_rowid, settings.strict, table.without_rowid, table.strict) == (True, True, False, False)
    assert schema.schemas == ("public", "audit")
    assert (events.partition_by.text, events.partitions) == ("range (created_at)", ("events_p*",))
    assert (partition.schema, partition.partition_of, partition.for_values.text, partition.partition_by.text) == (
        "audit", "events", "FROM ('2024-01-01') TO ('2025-01-01')", "list (region)")
    assert invoices.inherits == ("documents",)
    assert not next(fk for fk in table.foreign_keys if fk.name == "fk_jobs_legacy").validated
    assert table.renamed_from == "jobs" and table.column("code").renamed_from == "ref"
    assert [e.name for e in schema.enums] == ["job_status"] and schema.extensions == ("pg_trgm", "citext")
    assert schema.extension_schemas == (("citext", "extensions"),)
    assert [(f.schema, f.signature, f.kind) for f in schema.functions] == [
        (None, "touch_updated_at()", "function"), ("audit", "add(integer, integer)", "function")]
    assert {v.materialized for v in schema.views} == {True, False}
    assert [d.name for d in schema.domains] == ["email_address"] and schema.domains[0].checks[0].name == "email_has_at"
    assert schema.composite_types[0].attributes[1].collation == "C" and table.exclusions[0].using == "gist"
    assert [(r.name, r.subtype, r.subtype_diff) for r in schema.range_types] == [
        ("uuidrange", "uuid", None), ("floatrange", "float8", "float8mi")]
    assert len(table.unique_constraints) == 3 and len(table.checks) == 3 and len(table.indexes) == 4
    assert [t.name for t in table.triggers] == ["jobs_touch", "jobs_audit"] and table.triggers[1].enabled == "disabled"
    assert (table.row_security, table.force_row_security) == (True, True) and table.policies[0].roles == ("app",)
    long_unique = next(u for u in table.unique_constraints if u.name == "ux_jobs_ref")
    assert (long_unique.include, long_unique.nulls_not_distinct, long_unique.deferrable) == (("status",), True, True)
    assert next(c for c in table.checks if c.name == "ck_local").no_inherit
    assert table.index("idx_jobs_code_prefix").columns == ("code text_pattern_ops", 'status COLLATE "C"')
