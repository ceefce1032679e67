"""Every plan proven before it runs.

Two checks, made by the CLI before a statement is shown or run (the planner stays pure):

* **parse** (Postgres, always): every statement the planner emits, its pre-check queries and the
  PL/pgSQL of its ``DO`` blocks must parse with the Postgres parser (pglast). One that does not is
  a bug: ``plan`` and ``apply`` stop with exit 2 rather than print it as if it could run.
* **scratch copy** (``apply`` unless ``--no-verify``, ``plan --verify``): the plan runs on a
  schema-only copy of the live database exactly as apply runs it (segments, guards, pre-checks,
  rebuilds), and the copy is then audited against the spec. A statement that fails there, or error
  drift left afterwards that the plan was to fix (or that it made), stops the run with exit 2
  before the real database is touched. SQLite: an in-memory database built from the live file's
  ``sqlite_master``. Postgres: a scratch database on the ``--dev-url`` server, always dropped,
  restored from ``pg_dump --schema-only`` by psql when both are installed, else built from the live
  schema as schema-auditor reads it. Without a dev server, Postgres plans are parsed only.
"""
from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import time
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Iterable, Iterator

from sqlalchemy.engine import URL

from auditor.apply import ApplyOptions, run_statements, split_plan
from auditor.database import CONNECT_TIMEOUT_SECONDS, connect, parse_url
from auditor.dialects import POSTGRESQL, Dialect
from auditor.diff import DriftItem, diff_schemas, failing_items
from auditor.errors import ApplyError, AuditorError, StatementError, VerifyError
from auditor.hazards import HAZARDS
from auditor.inspect import read_live_schema, read_managed_schema, schemas_to_read
from auditor.model import Schema, Table, fingerprint
from auditor.plan import Statement, plan_changes
from auditor.plan.model import PRIVILEGE_PHASES
from auditor.redact import redact, redact_url
from auditor.scratch import postgres_scratch, sqlite_memory
from auditor.target import Target

if TYPE_CHECKING:
    from pglast import ast
    from sqlalchemy.engine import Connection

    from auditor.audit import AuditResult

SQLITE_COPY = "a scratch copy (sqlite in-memory)"
PARSE_HINT = "nothing was run; a spec expression that is not SQL, or a bug in the plan (please report it)"
COPY_HINT = "nothing was changed; --no-verify applies without this proof"
# What plan --verify runs on the copy: every statement but the manual ones.
EVERY_HAZARD = frozenset(HAZARDS)

# The live SQLite schema in an order that builds: tables (virtual ones by their CREATE VIRTUAL
# TABLE, which makes their shadow tables), indexes, views, triggers. SQLite's own objects and
# virtual tables' shadow tables (and what is defined on them) are left out.
_SQLITE_OBJECTS = ("SELECT type, name, tbl_name, sql FROM sqlite_master WHERE sql IS NOT NULL "
                   "AND substr(name, 1, 7) <> 'sqlite_' ORDER BY CASE type WHEN 'table' THEN 0 "
                   "WHEN 'index' THEN 1 WHEN 'view' THEN 2 ELSE 3 END, rowid")
_SQLITE_SHADOWS = "SELECT name FROM pragma_table_list WHERE schema = 'main' AND type = 'shadow'"
# A quoted identifier (or string: SQLite takes 'x' for a name in places), or a word: what may
# name a table in SQLite's SQL. Groups: the quote character, the text inside, a bare word.
_NAME_RE = re.compile(r"""(["'`])((?:(?!\1).|\1\1)*)\1|\[([^\]]*)\]|([^\W\d][\w$]*)""", re.S)


@dataclass(frozen=True)
class SqliteObject:
    """One row of ``sqlite_master``: ``table`` is the table an index or trigger is on."""

    kind: str
    name: str
    table: str
    sql: str


@dataclass(frozen=True)
class ScratchCopy:
    """A scratch copy, open: its connection, itself as a target, where it is (for messages), and
    the part of the expected schema it holds (a SQLite copy holds what the plan names)."""

    conn: Connection
    target: Target
    where: str
    expected: Schema


@dataclass(frozen=True)
class Verification:
    """How a plan was proven, for reports. ``verified``: it ran on a scratch copy, which then
    audited without the drift it fixes; else ``mode`` says why not (``parsed only (...)``)."""

    verified: bool
    mode: str
    statements: int = 0
    seconds: float = 0.0

    def describe(self) -> str:
        """One line for text reports."""
        if not self.verified:
            return self.mode
        return (f"{self.mode}: {self.statements} statement(s) ran there in {self.seconds:.2f} s, "
                "and none of the drift they fix remains")

    def to_dict(self) -> dict[str, object]:
        """The JSON form."""
        return {"verified": self.verified, "mode": self.mode, "statements": self.statements,
                "seconds": round(self.seconds, 3)}


def unverified(dialect: Dialect, why: str) -> Verification:
    """The report when no scratch copy ran: Postgres statements were still parsed, SQLite's not."""
    return Verification(False, f"parsed only ({why})" if dialect.name == POSTGRESQL.name else f"not verified ({why})")


# ---------------------------------------------------------------------------------------------
# The parse check


def check_parses(statements: Iterable[Statement], dialect: Dialect, database: str) -> None:
    """VerifyError naming the first Postgres statement that does not parse, itself or one of its
    pre-checks. Manual statements (comments) and other engines' statements are not checked."""
    if dialect.name != POSTGRESQL.name:
        return
    for statement in statements:
        if statement.manual:
            continue
        for sql in (statement.sql, *(check.sql for check in statement.prechecks)):
            problem = parse_problem(sql)
            if problem:
                raise VerifyError(f"{database}: '{statement.summary}' does not parse as PostgreSQL: {problem}",
                                  PARSE_HINT)


def parse_problem(sql: str) -> str | None:
    """Why the Postgres parser refuses ``sql`` (None: it parses, ``DO`` blocks' PL/pgSQL too)."""
    import pglast  # loaded only where a Postgres plan is checked (SQLite runs never need it)
    from pglast import ast

    try:
        statements = pglast.parser.parse_sql(sql)
    except pglast.parser.ParseError as exc:
        return None if _parses_for_an_older_server(sql) else str(exc.args[0]) if exc.args else "syntax error"
    try:
        for raw in statements:
            if isinstance(raw.stmt, ast.DoStmt):
                _parse_do(raw.stmt)
    except pglast.parser.ParseError as exc:
        return str(exc.args[0]) if exc.args else "syntax error"
    return None


def _parses_for_an_older_server(sql: str) -> bool:
    """Whether ``sql`` parses once names that are keywords only in newer grammars are quoted
    (``dialects.pgparse``): a function statement Postgres 15 wrote, with an argument named ``json``."""
    import pglast

    from auditor.dialects import pgparse

    try:
        pgparse.parse_sql_json(sql)
    except pglast.parser.ParseError:
        return False
    return True


def _parse_do(stmt: ast.DoStmt) -> None:
    """Parse a DO block's PL/pgSQL body (and the SQL in it), as a function of that body."""
    import pglast

    options = {arg.defname: arg.arg.sval for arg in stmt.args or ()}
    if options.get("language", "plpgsql") != "plpgsql":
        return
    body, tag, n = options.get("as", ""), "$$", 0
    while tag in body:
        n += 1
        tag = f"$check{n}$"
    pglast.parser.parse_plpgsql_json(
        f"CREATE FUNCTION pg_temp.schema_auditor_do() RETURNS void LANGUAGE plpgsql AS {tag}{body}{tag}")


# ---------------------------------------------------------------------------------------------
# The scratch copy


def verify_plan(result: AuditResult, statements: list[Statement], options: ApplyOptions,
                ignore: tuple[str, ...] = (), scratch: bool = True) -> Verification | None:
    """Prove the statements ``options`` allows before they run on ``result``'s database: parsed
    (Postgres), then, with ``scratch``, run on a schema-only copy that is audited afterwards.
    VerifyError if any step fails; None when nothing would run (or a reviewed plan no longer fits
    the database, which apply refuses by itself)."""
    assert result.dialect is not None and result.expected is not None and result.actual is not None
    target, dialect = result.target, result.dialect
    check_parses(statements, dialect, target.name)
    runnable, withheld = split_plan(statements, options.allowed)
    if not runnable or (options.planned_against and options.planned_against != fingerprint(result.actual)):
        return None
    if not scratch:
        return unverified(dialect, "--no-verify")
    if dialect.name == POSTGRESQL.name and not target.dev_url:
        return unverified(dialect, "no --dev-url")
    started = time.monotonic()
    schemas = schemas_to_read(result.expected, dialect)
    with scratch_copy(result, runnable, schemas, options.lock_timeout) as copy:
        try:
            # Roles belong to the server, not to the copy (which is dumped without privileges, maybe
            # onto another server): grants and owners are not verified there.
            run_statements(copy.conn, copy.target, dialect, schemas,
                           [s for s in runnable if s.phase not in PRIVILEGE_PHASES],
                           replace(options, lock_held=True, planned_against=None))
        except StatementError as exc:
            raise VerifyError(f"{target.name}: '{exc.summary}' fails on {copy.where}: {exc.reason}") from None
        except ApplyError as exc:
            raise VerifyError(f"{target.name}: on {copy.where}: {exc}") from None
        after = read_managed_schema(copy.conn, dialect, schemas)
    remaining = diff_schemas(copy.expected, after, ignore + target.ignore, dialect=dialect)
    left = unconverged(remaining, result.drift, runnable, [w.statement for w in withheld])
    if left:
        raise VerifyError(f"{target.name}: the plan does not converge on {copy.where}: {_left_text(left, runnable)}")
    return Verification(True, f"verified on {copy.where}", len(runnable), time.monotonic() - started)


def unconverged(after: Iterable[DriftItem], before: Iterable[DriftItem], ran: list[Statement],
                withheld: list[Statement]) -> list[DriftItem]:
    """The error drift left after ``ran``: items a statement that ran was to fix (a SQLite rebuild
    fixes its whole table), and items that were not there before; not those a withheld statement
    was to fix."""
    had = {_key(item) for item in before}
    fixed, rebuilt = {_key(s.fixes) for s in ran}, {s.fixes.table_key for s in ran if s.rebuild}
    held, held_rebuilt = {_key(s.fixes) for s in withheld}, {s.fixes.table_key for s in withheld if s.rebuild}
    return [item for item in failing_items(after)
            if not (_key(item) in held or item.table_key in held_rebuilt)
            and (_key(item) in fixed or item.table_key in rebuilt or _key(item) not in had)]


def _key(item: DriftItem) -> tuple[str, str | None, str, str | None]:
    return item.kind, item.schema, item.table, item.name


def _left_text(left: list[DriftItem], ran: list[Statement]) -> str:
    """``after 'SQL' ran there, <first item> remains`` (+ how many more), on one line."""
    first = left[0]
    by = next((s for s in ran if _key(s.fixes) == _key(first)), None) \
        or next((s for s in ran if s.fixes.table_key == first.table_key), None)
    more = f" (and {len(left) - 1} more item(s))" if len(left) > 1 else ""
    ran_text = f"after '{by.summary}' ran there, " if by else "after the plan ran there, "
    return f"{ran_text}{first.kind} remains: {first.message}{more}"


@contextmanager
def scratch_copy(result: AuditResult, statements: list[Statement], schemas: tuple[str, ...],
                 lock_wait: float) -> Iterator[ScratchCopy]:
    """A schema-only copy of ``result``'s database for ``statements`` to run on, open for writing;
    gone when the block ends. SQLite: in memory. Postgres: on the target's dev server."""
    assert result.dialect is not None and result.expected is not None and result.actual is not None
    target = result.target
    if result.dialect.name != POSTGRESQL.name:
        with _sqlite_copy(target, statements) as (conn, copied, copied_triggers):
            live = result.actual
            yield ScratchCopy(conn, Target(f"{target.name} (scratch copy)", "sqlite://"), SQLITE_COPY,
                              _within(result.expected, copied, {t.name.lower() for t in live.tables}
                                      | {v.name.lower() for v in live.views},
                                      (copied_triggers, {g.name.lower() for t in live.tables for g in t.triggers})))
        return
    assert target.dev_url is not None
    with postgres_scratch(target.dev_url) as copy:
        where = f"scratch database on {redact_url(target.dev_url)}"
        dumped = _restore_dump(target, copy, lock_wait, where)
        with connect(copy, readonly=False) as conn:
            if not dumped:
                _build_from_model(conn, copy, result.dialect, result.actual, schemas, target.name, where)
            how = "copied with pg_dump" if dumped else "built from the live schema as schema-auditor reads it"
            yield ScratchCopy(conn, copy, f"{where} ({how})", result.expected)


@contextmanager
def _sqlite_copy(target: Target, statements: list[Statement]) -> Iterator[tuple[Connection, set[str], set[str]]]:
    """An in-memory copy of what the statements need of the live SQLite schema, and the names
    (lowercased) of the tables and views it holds, and of its triggers."""
    objects = needed_objects(read_sqlite_objects(target), statements)
    with sqlite_memory() as (raw, engine):
        _create_sqlite(raw, objects, target.name)
        with engine.connect() as conn:
            yield conn, {o.name.lower() for o in objects if o.kind in ("table", "view")}, \
                {o.name.lower() for o in objects if o.kind == "trigger"}


def read_sqlite_objects(target: Target) -> list[SqliteObject]:
    """Every object of the live SQLite file a copy may need, in the order to make them."""
    with connect(target, readonly=True) as conn:
        shadows = {str(row[0]).lower() for row in conn.exec_driver_sql(_SQLITE_SHADOWS)}
        rows = conn.exec_driver_sql(_SQLITE_OBJECTS).all()
    return [SqliteObject(*map(str, row)) for row in rows if str(row[2]).lower() not in shadows]


def needed_objects(objects: list[SqliteObject], statements: list[Statement]) -> list[SqliteObject]:
    """What a plan needs of a SQLite schema: the tables and views its SQL names, their indexes,
    every view and trigger that reads them or is on them (a rename or a dropped column makes
    SQLite check those, a rebuild makes the triggers again), and what those read, views through.
    (A full copy would cost time quadratic in the objects, as SQLite rescans its catalog after
    each CREATE: 0.5 s at 500 tables.)"""
    relations = {o.name.lower() for o in objects if o.kind in ("table", "view")}
    sql = [s.sql for s in statements] + [p.sql for s in statements for p in s.prechecks]
    touched = set().union(*map(_names, sql)) & relations
    readers = {o.name.lower(): (o, _names(o.sql) & relations) for o in objects if o.kind in ("view", "trigger")}
    included = {key for key, (o, reads) in readers.items()
                if key in touched or o.table.lower() in touched or reads & touched}
    needed, frontier = set(touched), set(included)
    while frontier:  # what the included views and triggers read must be there for SQLite to check them
        for key in frontier:
            o, reads = readers[key]
            needed |= reads | {o.table.lower()} | ({key} if o.kind == "view" else set())
        frontier = {key for key, (o, _) in readers.items() if o.kind == "view" and key in needed} - included
        included |= frontier
    return [o for o in objects if (o.name.lower() in needed if o.kind in ("table", "view") else
                                   o.name.lower() in included if o.kind == "trigger" else o.table.lower() in needed)]


def _names(sql: str) -> set[str]:
    """Every word and quoted text in ``sql`` (quotes undoubled), lowercased (SQLite names ignore case)."""
    names = set()
    for quote, quoted, bracketed, word in _NAME_RE.findall(sql):
        names.add((quoted.replace(quote * 2, quote) if quote else bracketed or word).lower())
    return names


def _within(expected: Schema, copied: set[str], live: set[str],
            triggers: tuple[set[str], set[str]] = (set(), set())) -> Schema:
    """The part of the expected schema a partial copy can be audited against: its tables, views
    and triggers that the copy holds, or that the live database has not (the plan makes them)."""
    def kept(name: str, copied: set[str] = copied, live: set[str] = live) -> bool:
        return name.lower() in copied or name.lower() not in live

    def with_triggers(table: Table) -> Table:
        if not table.triggers:
            return table
        return replace(table, triggers=tuple(t for t in table.triggers if kept(t.name, *triggers)))

    return replace(expected, tables=tuple(with_triggers(t) for t in expected.tables if kept(t.name)),
                   views=tuple(v for v in expected.views if kept(v.name)))


def _create_sqlite(raw: sqlite3.Connection, objects: list[SqliteObject], database: str) -> None:
    """Make the objects in one transaction. A virtual table whose module this SQLite lacks is left
    out: the plan never touches those (they are the module's business)."""
    raw.isolation_level = None
    raw.execute("BEGIN")
    for obj in objects:
        try:
            raw.execute(obj.sql)
        except sqlite3.Error as exc:
            if obj.sql.upper().startswith("CREATE VIRTUAL TABLE") and "no such module" in str(exc):
                continue
            raise VerifyError(f"{database}: cannot copy {obj.kind} {obj.name} into {SQLITE_COPY}: {exc}",
                              COPY_HINT) from None
    raw.execute("COMMIT")


def _restore_dump(source: Target, copy: Target, lock_wait: float, where: str) -> bool:
    """``pg_dump --schema-only`` of the live database, restored by psql into the copy; False when
    either program is missing or pg_dump is older than the server (the caller builds the copy from
    the model instead)."""
    pg_dump, psql = shutil.which("pg_dump"), shutil.which("psql")
    if not pg_dump or not psql:
        return False
    dumped = _libpq(pg_dump, source.url, ["--schema-only", "--no-owner", "--no-privileges",
                                          f"--lock-wait-timeout={int(lock_wait * 1000)}"])
    if dumped.returncode and "version mismatch" in dumped.stderr:
        return False
    if dumped.returncode:
        raise VerifyError(f"{source.name}: cannot copy its schema to {where}: {_first_error(dumped, source.url)}",
                          COPY_HINT)
    restored = _libpq(psql, copy.url, ["-X", "-q", "-v", "ON_ERROR_STOP=1"], dumped.stdout)
    if restored.returncode:
        raise VerifyError(f"{source.name}: cannot restore its schema into {where}: "
                          f"{_first_error(restored, copy.url)}", COPY_HINT)
    return True


def _libpq(program: str, url: str, args: list[str], stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run a libpq client on ``url``: the URL without its password on the command line, the
    password in the child's PGPASSWORD only."""
    parsed = parse_url(url)
    password = parsed.password or parsed.query.get("password")
    plain = URL.create("postgresql", parsed.username, None, parsed.host, parsed.port, parsed.database,
                       {key: value for key, value in parsed.query.items() if key != "password"})
    env = {**os.environ, "PGCONNECT_TIMEOUT": str(CONNECT_TIMEOUT_SECONDS)}
    if password:
        env["PGPASSWORD"] = str(password)
    return subprocess.run([program, *args, f"--dbname={plain.render_as_string(hide_password=False)}"],
                          input=stdin, capture_output=True, text=True, env=env, check=False)


def _first_error(done: subprocess.CompletedProcess[str], url: str) -> str:
    """The line of a client's stderr that says what went wrong, masked."""
    lines = [line.strip() for line in done.stderr.splitlines() if line.strip()]
    line = next((line for line in lines if "ERROR" in line or "error:" in line), lines[0] if lines else
                f"exit code {done.returncode}")
    password = parse_url(url).password
    return redact(line, (str(password),) if password else ())


def _build_from_model(conn: Connection, copy: Target, dialect: Dialect, live: Schema, schemas: tuple[str, ...],
                      database: str, where: str) -> None:
    """Make the live schema, as the inspector read it, in the empty copy: the plan from nothing."""
    empty = read_live_schema(conn, dialect, schemas)
    drift = diff_schemas(live, empty, dialect=dialect)
    statements = [s for s in plan_changes(drift, live, empty, dialect) if not s.manual]
    try:
        run_statements(conn, copy, dialect, schemas, statements, ApplyOptions(EVERY_HAZARD, lock_held=True))
    except AuditorError as exc:
        raise VerifyError(f"{database}: cannot build its schema in {where}: {exc}", COPY_HINT) from None
