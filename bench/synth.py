"""The synthetic schema the benchmark audits: N tables of 21 columns, a primary key, 3 indexes and
a foreign key each, written as a spec (YAML), as DDL for SQLite and Postgres, and as the drift the
benchmark makes (every tenth table loses a column and an index).

Standard library only: the comparison virtualenv (Alembic, migra) imports it too.
"""
from __future__ import annotations

from dataclasses import dataclass

# (name, portable type, NOT NULL, default as SQL) of the 20 columns after the id.
COLUMNS: tuple[tuple[str, str, bool, str | None], ...] = tuple(
    (f"c{i:02}_{kind}", type_, not_null, default)
    for i, (kind, type_, not_null, default) in enumerate((
        ("code", "varchar(40)", True, None),
        ("title", "text", False, None),
        ("status", "varchar(20)", True, "'new'"),
        ("amount", "numeric(12,2)", True, "0"),
        ("qty", "integer", False, None),
        ("flag", "boolean", True, "false"),
        ("created", "timestamp", True, "CURRENT_TIMESTAMP"),
        ("day", "date", False, None),
        ("ref", "bigint", False, None),
        ("note", "text", False, None),
        ("score", "double", False, None),
        ("kind", "varchar(10)", False, "'a'"),
        ("rank", "smallint", False, "1"),
        ("body", "text", False, None),
        ("price", "numeric(10,2)", False, None),
        ("label", "varchar(80)", False, None),
        ("ext", "bigint", False, None),
        ("active", "boolean", False, "true"),
        ("updated", "timestamp", False, None),
        ("extra", "text", False, None),
    ), start=1)
)
# (index suffix, its columns) of the 3 indexes every table has.
INDEXES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("code", ("c01_code",)),
    ("status_created", ("c03_status", "c07_created")),
    ("parent", ("parent_id",)),
)
DROPPED_COLUMN = "c20_extra"
DROPPED_INDEX = "status_created"
_SQL_TYPES = {"sqlite": {"double": "DOUBLE PRECISION"}, "postgresql": {"double": "double precision"}}


@dataclass(frozen=True)
class Synth:
    """A synthetic schema of ``tables`` tables."""

    tables: int

    def name(self, i: int) -> str:
        """The name of table ``i``."""
        return f"t{i:05}"

    def parent(self, i: int) -> str:
        """The table that table ``i``'s foreign key references (the first references itself)."""
        return self.name(max(i - 1, 0))

    def index_name(self, i: int, suffix: str) -> str:
        """The name of one of table ``i``'s indexes."""
        return f"ix_{self.name(i)}_{suffix}"

    def drifted(self, i: int) -> bool:
        """True for the tables the drifted copy changes (every tenth)."""
        return i % 10 == 0

    def spec_yaml(self) -> str:
        """The spec, in the long form a hand-written spec uses."""
        lines = ["version: 1", "tables:"]
        for i in range(self.tables):
            lines += [f"  {self.name(i)}:", "    columns:", "      id: {type: bigint, nullable: false}",
                      f"      parent_id: {{type: bigint, references: {self.parent(i)}.id, on_delete: cascade}}"]
            for name, type_, not_null, default in COLUMNS:
                parts = [f"type: '{type_}'"] + ["nullable: false"] * not_null
                parts += [f'default: "{default}"'] if default is not None else []
                lines.append(f"      {name}: {{{', '.join(parts)}}}")
            lines += ["    primary_key: [id]", "    indexes:"]
            lines += [f"      {self.index_name(i, s)}: {{columns: [{', '.join(cols)}]}}" for s, cols in INDEXES]
        return "\n".join(lines) + "\n"

    def ddl(self, dialect: str, drifted: bool = False) -> list[str]:
        """CREATE statements of the reference schema (or of the drifted copy) for ``sqlite`` or
        ``postgresql``. (SQLite rewrites its whole schema on each ALTER, so its drifted copy is
        created drifted rather than altered.)"""
        statements = []
        for i in range(self.tables):
            gone = drifted and self.drifted(i)
            columns = ["id BIGINT NOT NULL PRIMARY KEY",
                       f"parent_id BIGINT REFERENCES {self.parent(i)} (id) ON DELETE CASCADE"]
            for name, type_, not_null, default in COLUMNS:
                if gone and name == DROPPED_COLUMN:
                    continue
                sql_type = _SQL_TYPES[dialect].get(type_, type_.upper())
                columns.append(f"{name} {sql_type}" + " NOT NULL" * not_null
                               + (f" DEFAULT {default}" if default is not None else ""))
            statements.append(f"CREATE TABLE {self.name(i)} ({', '.join(columns)})")
            statements += [f"CREATE INDEX {self.index_name(i, s)} ON {self.name(i)} ({', '.join(cols)})"
                           for s, cols in INDEXES if not (gone and s == DROPPED_INDEX)]
        return statements

    def drift_ddl(self) -> list[str]:
        """What turns the reference into the drifted copy."""
        statements = []
        for i in range(0, self.tables, 10):
            statements.append(f"DROP INDEX {self.index_name(i, DROPPED_INDEX)}")
            statements.append(f"ALTER TABLE {self.name(i)} DROP COLUMN {DROPPED_COLUMN}")
        return statements

    @property
    def expected_drift(self) -> int:
        """How many drift items an audit of the drifted copy reports."""
        return 2 * len(range(0, self.tables, 10))
