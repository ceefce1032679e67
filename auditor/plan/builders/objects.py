"""Builders for the objects beside tables: schemas, enums, views, sequences and extensions
(Postgres has them all; SQLite has views)."""
from __future__ import annotations

from typing import TypeVar

from auditor.diff import DriftItem
from auditor.dialects import Dialect
from auditor.model import Enum, Sequence, View, ViewIndex
from auditor.plan.hazard_table import hazards_of
from auditor.plan.model import Context, Statement, drop_then_add, manual, with_hazards
from auditor.plan.sql import do_block, do_if, literal, qualified_sql


def create_schema(item: DriftItem, schema: str | None, dialect: Dialect,
                  phase: str = "create_types") -> list[Statement]:
    """CREATE SCHEMA for an object in a namespace that may not exist yet (plan keeps one of each,
    the earliest)."""
    if not schema or schema == dialect.default_schema or not dialect.has_schemas:
        return []
    return [Statement(f"CREATE SCHEMA IF NOT EXISTS {dialect.quote(schema)}", item, phase,
                      hazards_of("create_schema"))]


def missing_schema(item: DriftItem, ctx: Context) -> list[Statement]:
    """CREATE SCHEMA for a managed schema that is missing (its tables, if any, come with theirs)."""
    return create_schema(item, item.table, ctx.dialect)


_Object = TypeVar("_Object", Enum, View, Sequence)


def _the(objects: tuple[_Object, ...], item: DriftItem) -> _Object:
    """The enum, view or sequence the item is about."""
    return next(o for o in objects if o.key == item.table_key)


def missing_enum(item: DriftItem, ctx: Context) -> list[Statement]:
    """CREATE TYPE ... AS ENUM, once."""
    enum, dialect = _the(ctx.expected.enums, item), ctx.dialect
    values = ", ".join(literal(v) for v in enum.values)
    # No CREATE TYPE IF NOT EXISTS: a second run meets duplicate_object and does nothing.
    sql = do_block(f"BEGIN\n  CREATE TYPE {qualified_sql(enum, dialect)} AS ENUM ({values});\n"
                   "EXCEPTION WHEN duplicate_object THEN NULL;\nEND")
    return create_schema(item, enum.schema, dialect) + [Statement(sql, item, "create_types", hazards_of("create_enum"))]


def extra_enum(item: DriftItem, ctx: Context) -> list[Statement]:
    """DROP TYPE."""
    enum = _the(ctx.actual.enums, item)
    return [Statement(f"DROP TYPE IF EXISTS {qualified_sql(enum, ctx.dialect)}", item, "drop_types",
                      hazards_of("drop_enum"))]


def enum_values(item: DriftItem, ctx: Context) -> list[Statement]:
    """ADD VALUE for each new value, in its place; removed or reordered values are manual."""
    want, have = _the(ctx.expected.enums, item), _the(ctx.actual.enums, item)
    kept = [v for v in want.values if v in have.values]
    if kept != list(have.values):
        return [manual(item, "create_types", "Postgres cannot remove or reorder enum values in place; "
                                             "create a new type and move the columns to it")]
    out = []
    for i, value in enumerate(want.values):
        if value not in have.values:
            # In order, each after the value before it (added by now); the first before the first
            # value that exists already, since the values between may be new too.
            place = f" AFTER {literal(want.values[i - 1])}" if i else f" BEFORE {literal(kept[0])}" if kept else ""
            sql = f"ALTER TYPE {qualified_sql(want, ctx.dialect)} ADD VALUE IF NOT EXISTS {literal(value)}{place}"
            out.append(Statement(sql, item, "create_types", hazards_of("add_enum_value")))
    return out


def create_view(item: DriftItem, view: View, dialect: Dialect) -> Statement:
    """CREATE [OR REPLACE] VIEW, or CREATE MATERIALIZED VIEW IF NOT EXISTS."""
    if view.materialized:
        query = view.definition.text.rstrip().rstrip(";")  # pg_get_viewdef ends it with one
        sql = f"CREATE MATERIALIZED VIEW IF NOT EXISTS {qualified_sql(view, dialect)} AS {query}"
    else:
        sql = f"CREATE {dialect.create_or_replace_view} {qualified_sql(view, dialect)} AS {view.definition.text}"
    return Statement(sql, item, "create_views", hazards_of("create_view"))


def drop_view(item: DriftItem, view: View, dialect: Dialect) -> list[Statement]:
    """DROP [MATERIALIZED] VIEW, of the kind the view still is."""
    kind = "MATERIALIZED VIEW" if view.materialized else "VIEW"
    sql = f"DROP {kind} IF EXISTS {qualified_sql(view, dialect)}"
    if dialect.guarded_blocks:
        # DROP VIEW IF EXISTS fails on a materialized view of that name (and the other way round),
        # as it is once a view became one: drop only what is still of the old kind.
        condition = (f"EXISTS (SELECT 1 FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace"
                     f" WHERE n.nspname = {literal(view.schema or '')} AND c.relname = {literal(view.name)}"
                     f" AND c.relkind = {literal('m' if view.materialized else 'v')})")
        sql = do_if(condition, [sql])
    return [Statement(sql, item, "drop_views", hazards_of("drop_view"))]


def missing_view(item: DriftItem, ctx: Context) -> list[Statement]:
    """The view as the spec has it (and its schema)."""
    view = _the(ctx.expected.views, item)
    return create_schema(item, view.schema, ctx.dialect) + [create_view(item, view, ctx.dialect)] + \
        [create_view_index(item, index, new_view=True) for index in view.indexes]  # right after it


def create_view_index(item: DriftItem, index: ViewIndex, new_view: bool = False) -> Statement:
    """The spec's CREATE INDEX statement of a materialized view, as IF NOT EXISTS."""
    from auditor.dialects.pgviewindex import ViewIndexSyntax, if_not_exists, parse_view_index

    if new_view:
        return Statement(if_not_exists(index.sql.text), item, "create_views", hazards_of("new_view_index"))
    try:
        unique = parse_view_index(index.sql.text).unique
    except ViewIndexSyntax:  # the spec loader refuses such a statement; a live one is the server's
        unique = False
    return Statement(if_not_exists(index.sql.text), item, "create_views",
                     hazards_of("create_index") + (hazards_of("unique_index") if unique else ()))


def _view_index(views: tuple[View, ...], item: DriftItem) -> ViewIndex:
    view = _the(views, item)
    return next(i for i in view.indexes if i.name == item.name)


def missing_view_index(item: DriftItem, ctx: Context) -> list[Statement]:
    """CREATE INDEX IF NOT EXISTS from the spec's statement."""
    return [create_view_index(item, _view_index(ctx.expected.views, item))]


def extra_view_index(item: DriftItem, ctx: Context) -> list[Statement]:
    """DROP INDEX IF EXISTS, in the view's schema."""
    view = _the(ctx.actual.views, item)
    assert item.name is not None
    name = ctx.dialect.qualified(view.schema, item.name)
    return [Statement(f"DROP INDEX IF EXISTS {name}", item, "drop_views", hazards_of("drop_index"))]


def view_index_mismatch(item: DriftItem, ctx: Context) -> list[Statement]:
    """The index dropped and made again from the spec's statement."""
    return drop_then_add(extra_view_index(item, ctx), missing_view_index(item, ctx))


def extra_view(item: DriftItem, ctx: Context) -> list[Statement]:
    """DROP VIEW."""
    return drop_view(item, _the(ctx.actual.views, item), ctx.dialect)


def view_mismatch(item: DriftItem, ctx: Context) -> list[Statement]:
    """The view dropped and created again as the spec has it."""
    return [with_hazards(s, *hazards_of("replace_view")) for s in extra_view(item, ctx) + missing_view(item, ctx)]


def _sequence_options(seq: Sequence) -> str:
    return (f"AS {seq.data_type} INCREMENT BY {seq.increment} MINVALUE {seq.min_value} MAXVALUE {seq.max_value} "
            f"START WITH {seq.start} {'CYCLE' if seq.cycle else 'NO CYCLE'}")


def missing_sequence(item: DriftItem, ctx: Context) -> list[Statement]:
    """CREATE SEQUENCE IF NOT EXISTS with every option."""
    seq = _the(ctx.expected.sequences, item)
    sql = f"CREATE SEQUENCE IF NOT EXISTS {qualified_sql(seq, ctx.dialect)} {_sequence_options(seq)}"
    return create_schema(item, seq.schema, ctx.dialect) + [Statement(sql, item, "create_types",
                                                                  hazards_of("create_sequence"))] + \
        _owned_by(item, seq, ctx.dialect)


def extra_sequence(item: DriftItem, ctx: Context) -> list[Statement]:
    """DROP SEQUENCE."""
    seq = _the(ctx.actual.sequences, item)
    return [Statement(f"DROP SEQUENCE IF EXISTS {qualified_sql(seq, ctx.dialect)}", item, "drop_types",
                      hazards_of("drop_sequence"))]


def sequence_mismatch(item: DriftItem, ctx: Context) -> list[Statement]:
    """ALTER SEQUENCE to the spec's options, and to its owner where the spec says another."""
    seq, live = _the(ctx.expected.sequences, item), _the(ctx.actual.sequences, item)
    # New bounds fail if the sequence's current value lies outside them.
    options = [Statement(f"ALTER SEQUENCE {qualified_sql(seq, ctx.dialect)} {_sequence_options(seq)}", item,
                         "create_types", hazards_of("alter_sequence"))] if seq != live else []
    return options + (_owned_by(item, seq, ctx.dialect) if seq.owned_by != live.owned_by else [])


def _owned_by(item: DriftItem, seq: Sequence, dialect: Dialect) -> list[Statement]:
    """ALTER SEQUENCE ... OWNED BY the spec's column, once the tables and columns exist."""
    if seq.owned_by is None:
        return []
    schema, table, column = seq.owned_by.split(".", 2)
    owner = f"{dialect.qualified(schema, table)}.{dialect.quote(column)}"
    return [Statement(f"ALTER SEQUENCE {qualified_sql(seq, dialect)} OWNED BY {owner}", item, "add_foreign_keys",
                      hazards_of("sequence_owner"))]


def missing_extension(item: DriftItem, ctx: Context) -> list[Statement]:
    """CREATE EXTENSION IF NOT EXISTS, in the schema the spec says (made first) if it says one."""
    schema = dict(ctx.expected.extension_schemas).get(item.table)
    if schema is None:
        return [Statement(f"CREATE EXTENSION IF NOT EXISTS {ctx.dialect.quote(item.table)}", item,
                          "create_extensions", hazards_of("create_extension"))]
    # Its schema first, in this phase: the types and tables made later may use its objects.
    return [*create_schema(item, schema, ctx.dialect, "create_extensions"),
            Statement(f"CREATE EXTENSION IF NOT EXISTS {ctx.dialect.quote(item.table)} WITH SCHEMA "
                      f"{ctx.dialect.quote(schema)}", item, "create_extensions", hazards_of("create_extension"))]


def extension_schema(item: DriftItem, ctx: Context) -> list[Statement]:
    """ALTER EXTENSION ... SET SCHEMA (the server refuses an extension that is not relocatable)."""
    assert item.expected is not None
    move = hazards_of("move_extension")  # the schema it needs is part of the move: run with it or not at all
    return [*(with_hazards(s, *move) for s in create_schema(item, item.expected, ctx.dialect, "create_extensions")),
            Statement(f"ALTER EXTENSION {ctx.dialect.quote(item.table)} SET SCHEMA {ctx.dialect.quote(item.expected)}",
                      item, "create_extensions", move)]



def extra_extension(item: DriftItem, ctx: Context) -> list[Statement]:
    """DROP EXTENSION."""
    return [Statement(f"DROP EXTENSION IF EXISTS {ctx.dialect.quote(item.table)}", item, "drop_extensions",
                      hazards_of("drop_extension"))]
