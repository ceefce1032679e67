"""Schema-per-tenant databases: 200 tenant schemas audited against one spec of unqualified tables,
each reported as its own entry ``DATABASE/SCHEMA``, read with one set of catalog queries."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine

from auditor.audit import audit_target
from auditor.target import Target
from conftest import LiveDb, run_cli

SPEC = """\
tables:
  customers:
    columns:
      id: {type: bigint, identity: always}
      email: {type: text, nullable: false}
      created_at: {type: timestamptz, nullable: false, default: now()}
    primary_key: [id]
    indexes: {ix_customers_email: {columns: [email], unique: true}}
  orders:
    columns:
      id: bigserial
      customer_id: {type: bigint, nullable: false, references: customers.id}
      total: {type: 'numeric(10,2)', default: "0"}
      note: text
    primary_key: [id]
    checks: {ck_orders_total: "total >= 0"}
"""


def tenant_ddl(schema: str) -> str:
    """One tenant's schema, as the spec describes it."""
    return (f"CREATE SCHEMA {schema}; "
            f"CREATE TABLE {schema}.customers (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, "
            f"email text NOT NULL, created_at timestamptz NOT NULL DEFAULT now()); "
            f"CREATE UNIQUE INDEX ix_customers_email ON {schema}.customers (email); "
            f"CREATE TABLE {schema}.orders (id bigserial PRIMARY KEY, "
            f"customer_id bigint NOT NULL REFERENCES {schema}.customers (id), total numeric(10,2) DEFAULT 0, "
            f"note text, CONSTRAINT ck_orders_total CHECK (total >= 0));\n")


def make_tenants(db: LiveDb, count: int, start: int = 0) -> None:
    """``count`` tenant schemas, in one script (one round trip)."""
    db.execute("".join(tenant_ddl(f"tenant_{i:04d}") for i in range(start, start + count)))


@pytest.fixture
def spec(tmp_path: Path) -> str:
    path = tmp_path / "tenant.yaml"
    path.write_text(SPEC)
    return str(path)


def _args(db: LiveDb, spec: str, *more: str) -> list[str]:
    return ["--db", db.url, "--spec", spec, "--tenant-schemas", "tenant_*", *more]


def test_two_hundred_tenants_one_drifted_audit_report_apply_and_heal(pg_url: str, spec: str, tmp_path: Path) -> None:
    db = LiveDb(pg_url, "postgresql")
    make_tenants(db, 200)
    # Not tenants: a schema the glob does not match, whose table is nothing like the spec's, and public.
    db.execute("CREATE SCHEMA shared; CREATE TABLE shared.customers (id int); CREATE TABLE public.plans (id int)",
               "ALTER TABLE tenant_0137.orders DROP COLUMN note")
    name = run_cli("audit", "--format", "json", *_args(db, spec)).out
    report = json.loads(name)
    entries = {e["database"]: e for e in report["databases"]}
    database = report["databases"][0]["database"]
    assert report["clean"] is False
    assert entries[database]["tenant_schemas_found"] == 200 and entries[database]["drift"] == []
    assert len(entries) == 201 and f"{database}/shared" not in entries
    drifted = {n: e["drift"] for n, e in entries.items() if e["drift"]}
    assert list(drifted) == [f"{database}/tenant_0137"]
    (item,) = drifted[f"{database}/tenant_0137"]
    assert (item["kind"], item["schema"], item["table"], item["name"]) == ("missing_column", "tenant_0137", "orders",
                                                                           "note")

    text = run_cli("audit", *_args(db, spec))
    assert text.code == 1, text.err
    assert "200 tenant schema(s) match 'tenant_*'" in text.out
    assert f"{database}/tenant_0137 (postgresql, spec {spec}): 1 drift item(s): 1 error(s)" in text.out
    assert f"{database}/tenant_0000 (postgresql, spec {spec}): clean" in text.out

    markdown = run_cli("audit", "--format", "markdown", *_args(db, spec)).out
    assert f"| {database}/tenant_0137 | postgresql | drift | 1 | 0 |" in markdown
    assert f"| {database}/tenant_0001 | postgresql | clean | 0 | 0 |" in markdown
    assert f"- {database}: 200 tenant schema(s) match 'tenant_*'" in markdown

    prom = tmp_path / "audit.prom"
    run_cli("audit", *_args(db, spec, "--metrics-textfile", str(prom)))
    metrics = prom.read_text()
    assert f'schema_auditor_tenant_schemas_found{{database="{database}"}} 200.0' in metrics
    assert (f'schema_auditor_drift_items{{database="{database}/tenant_0137",kind="missing_column",'
            f'severity="error"}} 1.0') in metrics
    assert f'schema_auditor_up{{database="{database}/tenant_0199"}} 1.0' in metrics

    plan = run_cli("plan", *_args(db, spec))
    assert plan.code == 1
    assert plan.out.count("-- database: ") == 2  # the database's own (empty) and the drifted tenant's
    assert "ALTER TABLE tenant_0137.orders ADD COLUMN IF NOT EXISTS note text;" in plan.out

    applied = run_cli("apply", *_args(db, spec, "--yes", "--apply-log", str(tmp_path / "apply.log")))
    assert applied.code == 0, applied.out + applied.err
    assert db.query("SELECT count(*) FROM information_schema.columns WHERE table_schema = 'tenant_0137' "
                    "AND table_name = 'orders' AND column_name = 'note'") == [(1,)]
    again = run_cli("plan", *_args(db, spec))
    assert again.code == 0 and "ALTER" not in again.out and again.out.count("-- database: ") == 1
    assert db.query("SELECT count(*) FROM information_schema.columns WHERE table_schema = 'shared'") == [(1,)]


def _queries_of_one_audit(target: Target) -> tuple[int, int]:
    """(queries sent to the server, tenants audited) of one tenant audit."""
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(Engine, "before_cursor_execute", count)
    try:
        result = audit_target(target)
    finally:
        event.remove(Engine, "before_cursor_execute", count)
    assert result.error is None, result.error
    return len(statements), len(result.tenants)


def test_catalog_queries_do_not_grow_with_tenants(pg_url: str, spec: str) -> None:
    db = LiveDb(pg_url, "postgresql")
    target = Target("app", pg_url, spec=spec, tenant_schemas="tenant_*")
    make_tenants(db, 2)
    few = _queries_of_one_audit(target)
    make_tenants(db, 60, start=2)
    many = _queries_of_one_audit(target)
    assert (few[1], many[1]) == (2, 62)
    assert few[0] == many[0], f"{few[0]} queries for 2 tenants, {many[0]} for 62"


ENUM_AND_VIEW_SPEC = """\
enums:
  order_status: [open, paid]
views:
  open_orders: "select id, status from orders where status = 'open'"
tables:
  orders:
    columns:
      id: bigserial
      status: {type: order_status, nullable: false, default: "'open'"}
      tags: order_status[]
    primary_key: [id]
"""


def test_enum_types_defaults_and_views_follow_each_tenant(pg_url: str, tmp_path: Path) -> None:
    db = LiveDb(pg_url, "postgresql")
    db.execute("".join(f"CREATE SCHEMA {s}; CREATE TYPE {s}.order_status AS ENUM ('open', 'paid'); "
                       f"CREATE TABLE {s}.orders (id bigserial PRIMARY KEY, status {s}.order_status NOT NULL "
                       f"DEFAULT 'open', tags {s}.order_status[]); CREATE VIEW {s}.open_orders AS "
                       f"SELECT id, status FROM {s}.orders WHERE status = 'open';" for s in ("tenant_a", "tenant_b")))
    spec = tmp_path / "spec.yaml"
    spec.write_text(ENUM_AND_VIEW_SPEC)
    clean = run_cli("audit", "--db", pg_url, "--spec", str(spec), "--tenant-schemas", "tenant_*")
    assert clean.code == 0, clean.out
    db.execute("CREATE OR REPLACE VIEW tenant_b.open_orders AS SELECT id, status FROM tenant_b.orders "
               "WHERE status = 'paid'")
    report = json.loads(run_cli("audit", "--format", "json", "--db", pg_url, "--spec", str(spec),
                                "--tenant-schemas", "tenant_*").out)
    drift = {e["database"].rsplit("/", 1)[1]: [i["kind"] for i in e["drift"]] for e in report["databases"][1:]}
    assert drift == {"tenant_a": [], "tenant_b": ["view_mismatch"]}


def test_a_tenant_view_is_made_again_over_the_tenants_own_tables(pg_url: str, tmp_path: Path) -> None:
    """The spec's view names its tables unqualified; made again in a tenant, it reads that
    tenant's tables whatever the search path (there is no public.orders at all here)."""
    db = LiveDb(pg_url, "postgresql")
    db.execute("".join(f"CREATE SCHEMA {s}; CREATE TYPE {s}.order_status AS ENUM ('open', 'paid'); "
                       f"CREATE TABLE {s}.orders (id bigserial PRIMARY KEY, status {s}.order_status NOT NULL "
                       f"DEFAULT 'open', tags {s}.order_status[]);" for s in ("tenant_a", "tenant_b")),
               "INSERT INTO tenant_b.orders DEFAULT VALUES")
    spec = tmp_path / "spec.yaml"
    spec.write_text(ENUM_AND_VIEW_SPEC)
    applied = run_cli("apply", "--db", pg_url, "--spec", str(spec), "--tenant-schemas", "tenant_*")
    assert applied.code == 0, applied.out + applied.err
    assert db.query("SELECT count(*) FROM tenant_a.open_orders") == [(0,)]
    assert db.query("SELECT count(*) FROM tenant_b.open_orders") == [(1,)]
    assert run_cli("audit", "--db", pg_url, "--spec", str(spec), "--tenant-schemas", "tenant_*").code == 0


def test_no_matching_schema_is_reported_with_count_zero_and_is_not_drift(pg_url: str, spec: str) -> None:
    db = LiveDb(pg_url, "postgresql")
    db.execute("CREATE SCHEMA customer_a")
    result = run_cli("audit", *_args(db, spec))
    assert result.code == 0, result.err
    assert "0 tenant schema(s) match 'tenant_*': none audited" in result.out
    report = json.loads(run_cli("audit", "--format", "json", *_args(db, spec)).out)
    assert [e["tenant_schemas_found"] for e in report["databases"]] == [0]


@pytest.mark.parametrize(("spec_text", "config_extra", "message"), [
    ("tables:\n  billing.invoices:\n    columns: {id: integer}\n", "",
     "a spec for tenant_schemas names its tables without a schema, but it has billing.invoices"),
    ("schemas: [public]\ntables:\n  invoices:\n    columns: {id: integer}\n", "",
     "a spec for tenant_schemas cannot list 'schemas:'"),
    ("tables:\n  invoices:\n    columns: {id: integer}\n", "    version_table: schema_version\n",
     "the version cross-check is not supported per tenant"),
])
def test_a_spec_or_config_that_cannot_describe_one_tenant_is_one_line_and_exit_2(
        pg_url: str, tmp_path: Path, spec_text: str, config_extra: str, message: str) -> None:
    (tmp_path / "spec.yaml").write_text(spec_text)
    config = tmp_path / "config.yaml"
    config.write_text(f"spec: spec.yaml\ntenant_schemas: 'tenant_*'\ndatabases:\n  app:\n    url: {pg_url}\n"
                      + config_extra)
    for command in (["audit"], ["plan"], ["apply", "--yes"]):
        result = run_cli(*command, "--config", str(config))
        assert result.code == 2, (command, result.out, result.err)
        assert message in result.err and len(result.err.strip().splitlines()) == 1, result.err
        assert "Traceback" not in result.err


@pytest.mark.parametrize(("config_text", "args", "message"), [
    ("databases:\n  app:\n    url: sqlite:///x.db\n    tenant_schemas: ''\n", (), "tenant_schemas is empty"),
    ("databases:\n  app:\n    url: sqlite:///x.db\n    tenant_schemas: [a, b]\n", (),
     "tenant_schemas must be a single value"),
    ("databases:\n  app:\n    url: sqlite:///x.db\n", ("--tenant-schemas", " "), "--tenant-schemas is empty"),
    ("databases:\n  app:\n    url: sqlite:///x.db\n    spec: spec.yaml\n    tenant_schemas: 't_*'\n", (),
     "sqlite has no schemas"),
])
def test_bad_tenant_config_is_one_line_and_exit_2(tmp_path: Path, config_text: str, args: tuple[str, ...],
                                                  message: str) -> None:
    (tmp_path / "spec.yaml").write_text("tables:\n  t:\n    columns: {id: integer}\n")
    (tmp_path / "x.db").write_bytes(b"")
    config = tmp_path / "config.yaml"
    config.write_text(config_text)
    result = run_cli("audit", "--config", str(config), *args)
    assert result.code == 2, result.out + result.err
    assert message in result.err and "Traceback" not in result.err, result.err


def test_config_tenant_schemas_per_database_and_as_the_default(tmp_path: Path) -> None:
    from auditor.config import load_config

    config = tmp_path / "config.yaml"
    config.write_text("tenant_schemas: 'tenant_*'\ndatabases:\n  a:\n    url: postgresql://u@h/a\n"
                      "  b:\n    url: postgresql://u@h/b\n    tenant_schemas: 'customer_*'\n")
    targets = load_config(config).targets
    assert (targets["a"].tenant_schemas, targets["b"].tenant_schemas) == ("tenant_*", "customer_*")


@pytest.mark.parametrize(("text", "expected"), [
    ("select id from orders", 'select id from "t-1".orders'),
    ('select o.id from "Orders" o join orders p using (id)', 'select o.id from "t-1"."Orders" o join "t-1".orders p using (id)'),
    ("with orders as (select 1 as id) select id from orders", "with orders as (select 1 as id) select id from orders"),
    ("select id from public.orders union select id from shared_table", "select id from public.orders union select id from shared_table"),
    ("select 'é' as x, id from orders where s = 'open'::status", "select 'é' as x, id from \"t-1\".orders where s = 'open'::\"t-1\".status"),
    ("'open'::status", "'open'::\"t-1\".status"),
    ("not sql ((", "not sql (("),
])
def test_tenant_text_names_the_tenants_own_tables_and_types(text: str, expected: str) -> None:
    from auditor.dialects.pgexpr import qualified_text

    assert qualified_text(text, '"t-1"', frozenset({"orders", "Orders"}), frozenset({"status"})) == expected
