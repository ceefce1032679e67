"""DDL fragments: names, column and table definitions, indexes, references, constraints, Postgres
DO blocks, literals and comments. Pure text from model values; no statement is decided here."""
from __future__ import annotations

from typing import Mapping, Protocol

from auditor.canon import default_sql, render_type, serial_shorthand
from auditor.dialects import Dialect
from auditor.model import CheckConstraint, Column, ForeignKey, Index, PrimaryKey, Table, UniqueConstraint


class _Named(Protocol):
    @property
    def schema(self) -> str | None: ...

    @property
    def name(self) -> str: ...


def qualified_sql(obj: _Named, dialect: Dialect) -> str:
    """A table's (or an enum's, view's, sequence's) name, schema-qualified and quoted."""
    return dialect.qualified(obj.schema, obj.name)


def column_sql(col: Column, table: Table, dialect: Dialect, sequences: frozenset[str] = frozenset()) -> str:
    """A column definition: name, type, collation, generation or identity, NOT NULL, default
    (``sequences``: the keys of the spec's own sequences, which a default may call, see
    ``serial_shorthand``)."""
    serial = serial_shorthand(col, table, dialect, sequences)
    text = f"{dialect.quote(col.name)} {serial or render_type(col.type, dialect)}".rstrip()
    if col.collation:
        text += f" COLLATE {dialect.quote_collation(col.collation)}"
    if col.generated:
        text += f" GENERATED ALWAYS AS ({col.generated.text}) {dialect.generated_storage}"
    if col.identity in ("always", "by default"):
        text += f" GENERATED {col.identity.upper()} AS IDENTITY"
    if col.identity == "autoincrement":
        text += " PRIMARY KEY AUTOINCREMENT"  # SQLite takes AUTOINCREMENT only here
    text += "" if col.nullable or col.identity == "autoincrement" or is_rowid_alias(col, table, dialect) else " NOT NULL"
    return text + (f" DEFAULT {default_sql(col.default, dialect)}" if col.default is not None and not serial else "")


def is_rowid_alias(col: Column, table: Table, dialect: Dialect) -> bool:
    """SQLite's INTEGER PRIMARY KEY of a rowid table: NOT NULL by nature, and reported without the flag."""
    pk = table.primary_key.columns if table.primary_key else ()
    return dialect.integer_pk_is_rowid and pk == (col.name,) and col.type == "integer" and not table.without_rowid


def _elements_sql(elements: tuple[str, ...], table: Table, dialect: Dialect) -> str:
    names = {c.name for c in table.columns}
    return ", ".join(dialect.quote(e) if e in names else element_sql(e, dialect) for e in elements)


def element_sql(element: str, dialect: Dialect) -> str:
    """An index element as written, with the parentheses an expression needs in CREATE INDEX."""
    if dialect.parse_tree_expressions:
        from auditor.dialects import pgexpr

        return pgexpr.element_sql(element)
    return element


def check_body(check: CheckConstraint) -> str:
    """A check's body: CHECK (the expression as written) [NO INHERIT]."""
    return f"CHECK ({check.expression.text})" + (" NO INHERIT" if check.no_inherit else "")


def create_table_sql(table: Table, dialect: Dialect, definitions: Mapping[str, str] | None = None,
                     sequences: frozenset[str] = frozenset()) -> str:
    """CREATE TABLE IF NOT EXISTS with every column, key and constraint the engine declares inline,
    and SQLite's table options. ``definitions`` are column definitions to take as they are, by
    column name (the constraints they carry must not be in ``table`` again)."""
    definitions = definitions or {}
    parts = [definitions.get(c.name) or column_sql(c, table, dialect, sequences) for c in table.columns]
    autoincrement = any(c.identity == "autoincrement" for c in table.columns)
    if table.primary_key and not autoincrement:
        named = table.primary_key.name and dialect.alter_constraints  # SQLite keeps no key names
        parts.append((f"CONSTRAINT {dialect.quote(table.primary_key.name)} " if named else "")  # type: ignore[arg-type]
                     + primary_key_body(table.primary_key, dialect))
    parts += [(f"CONSTRAINT {dialect.quote(u.name)} " if u.name else "") + unique_body(u, dialect)
              for u in table.unique_constraints]
    parts += [(f"CONSTRAINT {dialect.quote(c.name)} " if c.name else "") + check_body(c) for c in table.checks]
    parts += [(f"CONSTRAINT {dialect.quote(x.name)} " if x.name else "") + x.body for x in table.exclusions]
    # Postgres needs the referenced tables to exist first, so its foreign keys come in a later
    # phase; SQLite can only declare them here (it checks the target lazily).
    if not dialect.alter_constraints:
        parts += [(f"CONSTRAINT {dialect.quote(fk.name)} " if fk.name else "") + references_sql(fk, dialect)
                  for fk in table.foreign_keys]
    body = ",\n  ".join(parts)
    partitioned = f" PARTITION BY {table.partition_by.text}" if table.partition_by else ""
    options = f" {table.options}" if table.options else ""
    return f"CREATE TABLE IF NOT EXISTS {qualified_sql(table, dialect)} (\n  {body}\n){partitioned}{options}"


def index_sql(index: Index, table: Table, dialect: Dialect) -> str:
    """CREATE [UNIQUE] INDEX IF NOT EXISTS, with its method, INCLUDE columns and WHERE."""
    unique = "UNIQUE " if index.unique else ""
    method = f" USING {index.method}" if index.method and index.method != dialect.default_index_method else ""
    text = (f"CREATE {unique}INDEX IF NOT EXISTS {dialect.quote(index.name)} "
            f"ON {qualified_sql(table, dialect)}{method} ({_elements_sql(index.written, table, dialect)})")
    text += f" INCLUDE ({_elements_sql(index.include, table, dialect)})" if index.include else ""
    text += " NULLS NOT DISTINCT" if index.nulls_not_distinct else ""
    return text + (f" WHERE {index.where.text}" if index.where else "")


def drop_index_sql(name: str, table: Table, dialect: Dialect) -> str:
    """DROP INDEX IF EXISTS, the index named in the table's schema."""
    return f"DROP INDEX IF EXISTS {dialect.qualified(table.schema, name)}"


def references_sql(fk: ForeignKey, dialect: Dialect) -> str:
    """A foreign key's body: FOREIGN KEY (...) REFERENCES ... with its actions and deferral."""
    schema, _, name = fk.ref_table.rpartition(".")
    ref_cols = ", ".join(dialect.quote(c) for c in fk.ref_columns)
    text = (f"FOREIGN KEY ({', '.join(dialect.quote(c) for c in fk.columns)}) "
            f"REFERENCES {dialect.qualified(schema or None, name)} ({ref_cols})")
    text += f" ON DELETE {fk.on_delete}" if fk.on_delete != "NO ACTION" else ""
    text += f" ON UPDATE {fk.on_update}" if fk.on_update != "NO ACTION" else ""
    if fk.deferrable:
        text += " DEFERRABLE" + (" INITIALLY DEFERRED" if fk.initially_deferred else "")
    return text


def primary_key_body(key: PrimaryKey, dialect: Dialect) -> str:
    """A primary key's body: PRIMARY KEY (...) [DEFERRABLE [INITIALLY DEFERRED]]."""
    text = f"PRIMARY KEY ({', '.join(dialect.quote(c) for c in key.columns)})"
    return text + (" DEFERRABLE" + (" INITIALLY DEFERRED" if key.initially_deferred else "") if key.deferrable else "")


def unique_body(unique: UniqueConstraint, dialect: Dialect) -> str:
    """A unique constraint's body: UNIQUE [NULLS NOT DISTINCT] (...) [INCLUDE (...)] [DEFERRABLE ...]."""
    text = "UNIQUE NULLS NOT DISTINCT" if unique.nulls_not_distinct else "UNIQUE"
    text += f" ({', '.join(dialect.quote(c) for c in unique.columns)})"
    text += f" INCLUDE ({', '.join(dialect.quote(c) for c in unique.include)})" if unique.include else ""
    if unique.deferrable:
        text += " DEFERRABLE" + (" INITIALLY DEFERRED" if unique.initially_deferred else "")
    return text


def literal(text: str) -> str:
    """A SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def do_if(condition: str, statements: list[str]) -> str:
    """A Postgres DO block running ``statements`` only while ``condition`` holds."""
    body = "".join(f"    {statement};\n" for statement in statements)
    return do_block(f"BEGIN\n  IF {condition} THEN\n{body}  END IF;\nEND")


def do_block(body: str) -> str:
    """``DO $tag$ body $tag$`` with a dollar-quote tag the body (names included) does not contain."""
    tag, n = "$$", 0
    while tag in body:
        n += 1
        tag = f"$auditor{n}$"
    return f"DO {tag}\n{body} {tag}"


def attribute_exists(table: Table, column: str, test: str, dialect: Dialect) -> str:
    """A Postgres condition: the table has ``column``, and it passes ``test``, in pg_attribute."""
    return (f"EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = {literal(qualified_sql(table, dialect))}"
            f"::regclass AND attname = {literal(column)} AND {test})")


def primary_key_differs(table: Table, key: PrimaryKey, dialect: Dialect) -> str:
    """A Postgres condition: the table has no primary key on exactly ``key``'s columns, in order,
    deferred as it says."""
    wanted = "ARRAY[" + ", ".join(literal(c) for c in key.columns) + "]::text[]"
    return (
        "NOT EXISTS (SELECT 1 FROM pg_constraint AS c WHERE c.contype = 'p'"
        f" AND c.conrelid = {literal(qualified_sql(table, dialect))}::regclass"
        f" AND c.condeferrable = {str(key.deferrable).lower()} AND c.condeferred = {str(key.initially_deferred).lower()}\n"
        "      AND ARRAY(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY AS k(num, ord)"
        " JOIN pg_attribute AS a ON a.attrelid = c.conrelid AND a.attnum = k.num ORDER BY k.ord)"
        f" = {wanted})")


def _constraint_absent(table: Table, name: str, dialect: Dialect) -> str:
    return (f"NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = {literal(name)}"
            f" AND conrelid = {literal(qualified_sql(table, dialect))}::regclass)")


def add_constraint(table: Table, name: str, body: str, dialect: Dialect) -> str:
    """Postgres has no ADD CONSTRAINT IF NOT EXISTS: check the catalog in a DO block."""
    return do_if(_constraint_absent(table, name, dialect),
                 [f"ALTER TABLE {qualified_sql(table, dialect)} ADD CONSTRAINT {dialect.quote(name)} {body}"])


def drop_constraint(table: Table, name: str, dialect: Dialect) -> str:
    """ALTER TABLE ... DROP CONSTRAINT IF EXISTS."""
    return f"ALTER TABLE {qualified_sql(table, dialect)} DROP CONSTRAINT IF EXISTS {dialect.quote(name)}"


def validate_constraint(table: Table, name: str, dialect: Dialect) -> str:
    """ALTER TABLE ... VALIDATE CONSTRAINT: the second step of a NOT VALID constraint."""
    return f"ALTER TABLE {qualified_sql(table, dialect)} VALIDATE CONSTRAINT {dialect.quote(name)}"


def table_comment_sql(table: Table, text: str, dialect: Dialect) -> str:
    """COMMENT ON TABLE ... IS 'text'."""
    return f"COMMENT ON TABLE {qualified_sql(table, dialect)} IS {literal(text)}"


def column_comment_sql(table: Table, col: Column, dialect: Dialect) -> str:
    """COMMENT ON COLUMN ... IS the column's comment (NULL when it has none)."""
    target = f"{qualified_sql(table, dialect)}.{dialect.quote(col.name)}"
    return f"COMMENT ON COLUMN {target} IS {literal(col.comment) if col.comment is not None else 'NULL'}"


def index_comment_sql(table: Table, index: Index, dialect: Dialect) -> str:
    """COMMENT ON INDEX ... IS the index's comment (in its table's schema)."""
    target = dialect.qualified(table.schema, index.name)
    return f"COMMENT ON INDEX {target} IS {literal(index.comment) if index.comment is not None else 'NULL'}"


def comment_text(text: str) -> str:
    """Text made safe for a ``--`` comment: a line break in a name must not end the comment."""
    return "".join(ch if ch.isprintable() or ch == " " else repr(ch)[1:-1] for ch in text)
