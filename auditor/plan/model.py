"""The plan's value types: a Statement (with its Guard and Prechecks), the phases statements run
in, and the Context a builder reads."""
from __future__ import annotations

from dataclasses import dataclass, replace

from auditor.diff import DriftItem
from auditor.dialects import Dialect
from auditor.hazards import ordered
from auditor.model import Schema, Table
from auditor.plan.hazard_table import hazards_of
from auditor.plan.sql import comment_text
from auditor.rebuild import Rebuild

# Phases, in the order they run:
# - renames first: every later statement uses the new names;
# - then whatever is in the way goes: views (they pin the columns they read), foreign keys,
#   constraints and indexes, so that columns and tables can change under them;
# - extensions, schemas, enums and sequences exist before the tables that use them; tables
#   before their columns; columns before the keys and indexes on them; every table before the
#   foreign keys that reference it; views once all they select from is there;
# - a primary key changes before column alterations, because a column leaving the key can only
#   then drop its NOT NULL;
# - SQLite's table rebuilds come once every table and index they may point to exists;
# - drops of columns, tables, types and extensions come last, once nothing planned needs them;
# - VALIDATE CONSTRAINT runs after the main transaction commits: the scan then holds only a lock
#   that lets reads and writes go on.
# Functions, triggers, policies and privileges (dependency order, see README "Plan order"):
# - triggers and policies go first: they pin the functions and columns they use;
# - functions are created after the types they take and before the tables whose defaults,
#   checks, generated columns and indexes call them (bodies are not checked then: a body may
#   read tables made later); a function whose signature names a table's row type, or whose body
#   is BEGIN ATOMIC (bound at creation), waits until the tables and foreign keys exist;
# - triggers, row-level security and policies come once their tables, views and functions do;
# - owners and grants once every object exists; functions drop after the tables and columns
#   that used them, before the types they take; but one whose signature names a view's or a table's
#   row type drops before that view or table (which it pins), and after the views calling it.
# Grants and owners name roles, which belong to the server (see ``verify``).
PRIVILEGE_PHASES = frozenset({"owners", "grants"})

PHASES = (
    "renames",
    "drop_policies",
    "drop_triggers",
    "drop_view_functions",
    "drop_views",
    "drop_table_functions",
    "drop_foreign_keys",
    "drop_constraints",
    "drop_indexes",
    "create_extensions",
    "create_types",
    "create_functions",
    "create_tables",
    "add_columns",
    "primary_keys",
    "alter_columns",
    "add_constraints",
    "create_indexes",
    "rebuild_tables",
    "add_foreign_keys",
    "create_table_functions",
    "create_views",
    "create_triggers",
    "row_security",
    "create_policies",
    "comments",
    "owners",
    "grants",
    "drop_columns",
    "drop_tables",
    "drop_functions",
    "drop_types",
    "drop_extensions",
    "validate",
)

_DDL_WORDS = frozenset({"ALTER", "CREATE", "DROP", "COMMENT"})


@dataclass(frozen=True)
class Guard:
    """A live-schema condition for a statement (SQLite's missing IF forms): it runs only while
    the table (or its ``column``) exists exactly when ``exists`` says."""

    exists: bool
    table_key: str
    column: str | None = None


@dataclass(frozen=True)
class Precheck:
    """A query counting the rows that would make a statement fail; ``message`` has ``{count}``."""

    sql: str
    message: str

    def describe(self, count: int) -> str:
        """The message for ``count`` offending rows."""
        return self.message.replace("{count}", str(count))  # not format: a CHECK may hold braces


@dataclass(frozen=True)
class Statement:
    """One planned change. ``sql`` has no trailing semicolon; for ``manual`` it is a comment."""

    sql: str
    fixes: DriftItem
    phase: str
    hazards: tuple[str, ...] = ()
    manual: bool = False
    guard: Guard | None = None
    prechecks: tuple[Precheck, ...] = ()
    # CONCURRENTLY and VALIDATE run on their own, after (or, for drops, before) the main transaction.
    own_transaction: bool = False
    rebuild: Rebuild | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "hazards", ordered(self.hazards))  # each once, in vocabulary order

    @property
    def summary(self) -> str:
        """One line saying what the statement does (inside a DO block: its first DDL line)."""
        if self.rebuild:
            return f"rebuild table {self.rebuild.table} (create, copy, drop, rename)"
        lines = [line.strip().rstrip(";") for line in self.sql.splitlines() if line.strip()]
        ddl = [line for line in lines if line.split(" ")[0] in _DDL_WORDS]
        return (ddl or lines or [""])[0]

    def to_dict(self) -> dict[str, object]:
        """The JSON form of the statement."""
        out: dict[str, object] = {"sql": self.sql, "phase": self.phase, "hazards": list(self.hazards),
                                  "manual": self.manual, "fixes": self.fixes.to_dict()}
        if self.prechecks:
            out["prechecks"] = [{"sql": p.sql, "message": p.message} for p in self.prechecks]
        if self.own_transaction:
            out["own_transaction"] = True
        return out


def manual(item: DriftItem, phase: str, why: str) -> Statement:
    """A change no engine makes in place: a comment saying why, never executed."""
    return Statement(f"-- manual: {comment_text(why)}", item, phase, hazards_of("manual"), manual=True)


def with_hazards(statement: Statement, *hazards: str) -> Statement:
    """The statement with more hazards."""
    return replace(statement, hazards=(*statement.hazards, *hazards))


def drop_then_add(drop: list[Statement], add: list[Statement]) -> list[Statement]:
    """A replacement: the drop, then the add, which carries the drop's hazards too (it cannot run
    without the drop)."""
    return drop + [with_hazards(s, *drop[0].hazards) for s in add]


@dataclass(frozen=True)
class Context:
    """What a builder knows besides its drift item: both schemas, the item's table on each side."""

    expected: Schema
    actual: Schema  # with declared renames already made
    want: Table | None
    have: Table | None
    dialect: Dialect
    # (kind, name) of every drift item on the same table: some fixes must wait for others.
    pending: frozenset[tuple[str, str | None]] = frozenset()
    concurrent: bool = False  # build and drop indexes CONCURRENTLY (Postgres)
    has_rows: bool = True  # the item's table exists and may hold rows (an index build waits for them)
