"""Apply: run a plan behind its hazard gates, one writer at a time, in one transaction; then
read the schema again and verify.

The order of events for one database (before it, the CLI proves the plan with
``auditor.verify``: it runs these same steps on a scratch copy, through ``run_statements``):
1. statements whose hazards are not all allowed, and manual ones, are withheld;
2. the apply lock is taken: Postgres ``pg_try_advisory_lock`` (polled up to ``lock_wait``; the CLI
   takes it before it even reads the schema to plan from), SQLite ``BEGIN IMMEDIATE`` (its busy
   timeout set to ``lock_wait``), so two applies never interleave;
3. a reviewed plan is refused if the live schema is no longer the one it was made against;
4. statements run in phase order in one transaction, Postgres with ``lock_timeout`` and
   ``statement_timeout`` set; each one's pre-checks run right before it, and a row that would
   make it fail refuses the whole apply. CONCURRENTLY and VALIDATE run alone, after (or before)
   the transaction, because Postgres cannot run them inside one;
5. any failure rolls the transaction back, so the schema is either fully changed or not at all.
"""
from __future__ import annotations

import fcntl
import hashlib
import os
import tempfile
import time
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from itertools import groupby
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator

from sqlalchemy.exc import DBAPIError

from auditor.database import connect, describe_error, dialect_of, parse_url, sqlite_path
from auditor.dialects import Dialect
from auditor.diff import DriftItem, diff_schemas
from auditor.errors import ApplyError, StatementError
from auditor.hazards import ALLOWED_BY_DEFAULT, missing_allowance
from auditor.inspect import inspect_target, read_live_schema, schemas_to_read
from auditor.model import Schema, fingerprint
from auditor.plan import Guard, Precheck, Statement
from auditor.rebuild import run_rebuild
from auditor.target import Target

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from auditor.verify import Verification

# pg_try_advisory_lock takes one bigint; this one is ours, in every database.
ADVISORY_LOCK_KEY = int.from_bytes(hashlib.sha256(b"schema-auditor apply").digest()[:8], "big", signed=True)
LOCK_POLL_SECONDS = 0.2
# A guard's question to SQLite, whose names ignore case (table_xinfo lists generated columns too).
_SQLITE_TABLE_EXISTS = "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ? COLLATE NOCASE"
_SQLITE_COLUMN_EXISTS = "SELECT count(*) FROM pragma_table_xinfo(?) WHERE name = ? COLLATE NOCASE"


@dataclass(frozen=True)
class ApplyOptions:
    """How apply may change a database. Seconds; ``statement_timeout`` None means no limit."""

    allowed: frozenset[str] = ALLOWED_BY_DEFAULT
    lock_timeout: float = 5.0
    statement_timeout: float | None = None
    lock_wait: float = 30.0
    # The caller holds apply_lock already (it must, to plan against a schema no apply is changing).
    lock_held: bool = False
    # The fingerprint of the live schema a reviewed plan was made against: refuse if it changed.
    planned_against: str | None = None


@dataclass(frozen=True)
class Withheld:
    """A statement apply did not run, and why."""

    statement: Statement
    reason: str


@dataclass(frozen=True)
class ApplyResult:
    """What apply did: statements run, found already done, held back; and drift that remains."""

    executed: tuple[Statement, ...]
    already_done: tuple[Statement, ...]
    withheld: tuple[Withheld, ...]
    remaining: tuple[DriftItem, ...]
    seconds: float = field(default=0.0, compare=False)
    verification: Verification | None = None  # how the plan was proven before it ran (auditor.verify)


def withheld_reason(statement: Statement, allowed: frozenset[str]) -> str | None:
    """Why apply would hold the statement back (None: it runs)."""
    if statement.manual:
        return "manual: " + statement.sql.removeprefix("-- manual: ")
    missing = missing_allowance(statement.hazards, allowed)
    return f"needs --allow-hazards {','.join(missing)}" if missing else None


def split_plan(statements: list[Statement], allowed: frozenset[str]) -> tuple[list[Statement], list[Withheld]]:
    """(to run, withheld): manual statements and those with a hazard not allowed are withheld."""
    runnable, withheld = [], []
    for statement in statements:
        reason = withheld_reason(statement, allowed)
        if reason:
            withheld.append(Withheld(statement, reason))
        else:
            runnable.append(statement)
    return runnable, withheld


def apply_plan(target: Target, statements: list[Statement], expected: Schema,
               options: ApplyOptions = ApplyOptions(), ignore: tuple[str, ...] = ()) -> ApplyResult:
    """Run the allowed statements (see the module's doc for how), then re-inspect and diff again."""
    started = time.monotonic()
    runnable, withheld = split_plan(statements, options.allowed)
    dialect = dialect_of(parse_url(target.url))
    schemas = schemas_to_read(expected, dialect)
    executed: list[Statement] = []
    already_done: list[Statement] = []
    if runnable or options.planned_against:
        with connect(target, readonly=False) as conn:
            executed, already_done = run_statements(conn, target, dialect, schemas, runnable, options)
    live = inspect_target(target, schemas, privileges=expected.privileges is not None)
    remaining = diff_schemas(expected, live, ignore + target.ignore, dialect=dialect)
    return ApplyResult(tuple(executed), tuple(already_done), tuple(withheld), tuple(remaining),
                       time.monotonic() - started)


def run_statements(conn: Connection, target: Target, dialect: Dialect, schemas: tuple[str, ...],
                   statements: list[Statement], options: ApplyOptions) -> tuple[list[Statement], list[Statement]]:
    """Run statements that apply allows on an open connection, the way apply does (segments,
    guards, pre-checks, timeouts, the apply lock unless ``options.lock_held``): (executed, found
    already done). A failed statement raises StatementError; its transaction is rolled back."""
    run = _Run(target, dialect, schemas, options)
    run.execute(conn, statements)
    return run.executed, run.already_done


@dataclass
class _Run:
    target: Target
    dialect: Dialect
    schemas: tuple[str, ...]
    options: ApplyOptions
    executed: list[Statement] = field(default_factory=list)
    already_done: list[Statement] = field(default_factory=list)
    verified: bool = False
    committed: int = 0  # statements of steps already committed (a plan with CONCURRENTLY or VALIDATE)
    dropped_leftovers: list[str] = field(default_factory=list)  # INVALID indexes of failed builds, dropped

    def execute(self, conn: Connection, statements: list[Statement]) -> None:
        """Every segment in order: one transaction for the grouped ones, alone for the others."""
        if self.dialect.begin_statement:  # we say BEGIN ourselves: the driver must not
            conn.execution_options(isolation_level="AUTOCOMMIT")
        with self._apply_lock(conn):
            self._set_timeouts(conn)
            for own, segment in groupby(statements, key=lambda s: s.own_transaction):
                if own:
                    self._verify_unchanged(conn)
                    _end_transaction(conn)
                    with _autocommit(conn):
                        for statement in segment:
                            self._run_alone(conn, statement)
                            self.committed = len(self.executed)
                else:
                    with self._transaction(conn):
                        self._verify_unchanged(conn)
                        for statement in segment:
                            self._run(conn, statement)
                    self.committed = len(self.executed)
            if not self.verified:  # nothing to run: still tell a stale reviewed plan apart
                self._verify_unchanged(conn)
                _end_transaction(conn)

    # -- locking ------------------------------------------------------------------------------

    @contextmanager
    def _apply_lock(self, conn: Connection) -> Iterator[None]:
        """One apply per database at a time: :func:`apply_lock` unless the caller holds it (and on
        SQLite, BEGIN IMMEDIATE after a busy timeout against other writers)."""
        with nullcontext() if self.options.lock_held else apply_lock(self.target, self.options.lock_wait):
            if self.dialect.advisory_locks:
                _session(conn, "SET application_name = 'schema-auditor apply'")
            else:
                conn.exec_driver_sql(f"PRAGMA busy_timeout = {int(self.options.lock_wait * 1000)}")
                conn.exec_driver_sql("PRAGMA foreign_keys = OFF")  # a table rebuild drops and renames
            yield

    def _set_timeouts(self, conn: Connection) -> None:
        if not self.dialect.lock_timeouts:
            return
        _session(conn, f"SET lock_timeout = {int(self.options.lock_timeout * 1000)}")
        _session(conn, f"SET statement_timeout = {int((self.options.statement_timeout or 0) * 1000)}")

    @contextmanager
    def _transaction(self, conn: Connection) -> Iterator[None]:
        """One transaction around a segment; both engines roll DDL back on failure."""
        if not self.dialect.begin_statement:
            with conn.begin():
                yield
            return
        try:
            conn.exec_driver_sql(self.dialect.begin_statement)
        except DBAPIError as exc:
            raise ApplyError(f"{self.target.name}: another writer holds the database "
                             f"({describe_error(exc)}); waited {self.options.lock_wait:g} s",
                             "run apply again once it has finished") from None
        try:
            yield
        except BaseException:
            conn.exec_driver_sql("ROLLBACK")
            raise
        conn.exec_driver_sql("COMMIT")

    # -- checks -------------------------------------------------------------------------------

    def _verify_unchanged(self, conn: Connection) -> None:
        """A reviewed plan runs only against the schema it was made for."""
        if self.verified or not self.options.planned_against:
            self.verified = True
            return
        self.verified = True
        live = fingerprint(read_live_schema(conn, self.dialect, self.schemas))
        if live != self.options.planned_against:
            raise ApplyError(f"{self.target.name}: the schema changed since the plan was made "
                             f"(plan {self.options.planned_against[:12]}, database now {live[:12]})",
                             "make and review a new plan")

    def _precheck(self, conn: Connection, statement: Statement) -> None:
        for check in statement.prechecks:
            count = int(conn.execution_options(no_parameters=True).exec_driver_sql(check.sql).scalar() or 0)
            if count:
                raise ApplyError(f"{self.target.name}: refused '{statement.summary}': {check.describe(count)}",
                                 "fix those rows, or leave MAY_FAIL_ON_EXISTING_DATA out of --allow-hazards "
                                 f"to apply the rest; {self._changed()}")

    def _guard_satisfied(self, conn: Connection, guard: Guard) -> bool:
        """True when the live schema already is what the guarded statement would make it. SQLite
        (the engine guards are for) is asked about that one table, not read whole: a plan of many
        ADD COLUMNs would otherwise read the schema once per column."""
        if self.dialect.has_schemas:
            table = read_live_schema(conn, self.dialect, self.schemas).table(guard.table_key)
            exists = table is not None and (guard.column is None or table.column(guard.column) is not None)
        elif guard.column is None:
            exists = bool(conn.exec_driver_sql(_SQLITE_TABLE_EXISTS, (guard.table_key,)).scalar())
        else:
            exists = bool(conn.exec_driver_sql(_SQLITE_COLUMN_EXISTS, (guard.table_key, guard.column)).scalar())
        return exists != guard.exists

    # -- running ------------------------------------------------------------------------------

    def _run(self, conn: Connection, statement: Statement) -> None:
        if statement.guard and self._guard_satisfied(conn, statement.guard):
            self.already_done.append(statement)
            return
        self._attempt(conn, statement, lambda: self._execute(conn, statement))
        self.executed.append(statement)

    def _run_alone(self, conn: Connection, statement: Statement) -> None:
        """CONCURRENTLY or VALIDATE, in autocommit. A failed concurrent build leaves an INVALID
        index behind (Postgres cannot roll it back): it is dropped at once, so that the next apply
        builds it again (one left by a killed apply is reported as ``index_mismatch`` and rebuilt)."""
        auto = conn.execution_options(no_parameters=True)

        def run() -> None:
            self._precheck(auto, statement)
            try:
                auto.exec_driver_sql(statement.sql)
            except DBAPIError:
                self._drop_invalid_leftover(conn, statement)
                raise

        self._attempt(conn, run_in=run, statement=statement)
        self.executed.append(statement)

    def _drop_invalid_leftover(self, conn: Connection, statement: Statement) -> None:
        item = statement.fixes
        if statement.phase != "create_indexes" or item.name is None:
            return
        index = self.dialect.qualified(item.schema, item.name)
        invalid = conn.exec_driver_sql(
            "SELECT NOT indisvalid FROM pg_index WHERE indexrelid = to_regclass(%(index)s)",
            {"index": index}).scalar()
        if invalid:
            conn.exec_driver_sql(f"DROP INDEX CONCURRENTLY IF EXISTS {index}")
            self.dropped_leftovers.append(index)

    def _execute(self, conn: Connection, statement: Statement) -> None:
        self._precheck(conn, statement)
        if statement.rebuild:
            run_rebuild(conn, statement.rebuild)
        else:
            # no_parameters: the driver must not read a "%" in our SQL as a placeholder.
            conn.execution_options(no_parameters=True).exec_driver_sql(statement.sql)

    def _attempt(self, conn: Connection, statement: Statement, run_in: Callable[[], None]) -> None:
        try:
            run_in()
        except DBAPIError as exc:
            reason = self._explain(conn, exc, statement)
            raise StatementError(f"{self.target.name}: '{statement.summary}' failed: {reason}; rolled back",
                                 statement.summary, reason,
                                 f"{self._changed()}; fix the cause and run apply again") from None

    def _changed(self) -> str:
        """What a failure leaves changed: nothing, or the steps committed before it (and which
        INVALID index a failed concurrent build left, dropped again)."""
        dropped = "".join(f"; the INVALID index {name} the failed build left was dropped"
                          for name in self.dropped_leftovers)
        if not self.committed:
            return "nothing was changed" + dropped
        return f"the {self.committed} statement(s) of the steps before it stay committed" + dropped

    def _explain(self, conn: Connection, exc: DBAPIError, statement: Statement) -> str:
        text = describe_error(exc, parse_url(self.target.url))
        if getattr(exc.orig, "sqlstate", None) != "55P03":  # lock_not_available
            return text
        return f"{text} after {self.options.lock_timeout:g} s; {_lock_holders(self.target, statement)}"


@contextmanager
def apply_lock(target: Target, wait: float) -> Iterator[None]:
    """Hold the database's apply lock (Postgres: an advisory lock, on a connection of its own),
    polling up to ``wait`` seconds for another apply to finish. Take it before reading the schema
    to plan from: an apply in progress holds locks that would stall that read. (SQLite: an
    exclusive ``flock`` on :func:`sqlite_lock_path`, so a second apply plans only after the first
    has committed; an in-memory database has no one to race with.)"""
    url = parse_url(target.url)
    if not dialect_of(url).advisory_locks:
        path = sqlite_path(url)
        with nullcontext() if path is None else _file_lock(target, sqlite_lock_path(path), wait):
            yield
        return
    with connect(target, readonly=False) as conn:
        _session(conn, "SET application_name = 'schema-auditor apply'")
        deadline = time.monotonic() + wait
        while not _session(conn, f"SELECT pg_try_advisory_lock({ADVISORY_LOCK_KEY})"):
            if time.monotonic() >= deadline:
                raise ApplyError(f"{target.name}: another schema-auditor apply is running "
                                 f"({_advisory_holder(conn)}); waited {wait:g} s",
                                 "run apply again once it has finished")
            time.sleep(LOCK_POLL_SECONDS)
        try:
            yield
        finally:
            _session(conn, f"SELECT pg_advisory_unlock({ADVISORY_LOCK_KEY})")


def sqlite_lock_path(database: Path) -> Path:
    """The apply lock of a SQLite file: a file in the temporary folder named by the hash of the
    database's real path. Not beside the database (nothing is written there but by SQLite, and
    not before the spec is known to be good), and not the database file itself: closing any
    descriptor of that file drops the POSIX locks SQLite holds on it in this process."""
    digest = hashlib.sha256(str(database.resolve()).encode()).hexdigest()[:24]
    return Path(tempfile.gettempdir()) / f"schema-auditor-sqlite-{digest}.lock"


@contextmanager
def _file_lock(target: Target, path: Path, wait: float) -> Iterator[None]:
    """An exclusive ``flock`` on ``path`` (created if missing, never through a symlink; left in
    place: removing a lock file races with the next process opening it), polled up to ``wait``."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CREAT | os.O_NOFOLLOW, 0o644)
    except OSError as exc:
        raise ApplyError(f"{target.name}: cannot open the apply lock file {path}: {exc.strerror}",
                         "check the temporary folder ($TMPDIR)") from None
    with os.fdopen(fd) as handle:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise ApplyError(f"{target.name}: another schema-auditor apply is running (it holds {path}); "
                                     f"waited {wait:g} s", "run apply again once it has finished") from None
                time.sleep(LOCK_POLL_SECONDS)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _advisory_holder(conn: Connection) -> str:
    """Who holds our advisory lock in this database (the key is the same in every database)."""
    row = conn.exec_driver_sql(
        "SELECT a.pid, a.backend_start FROM pg_locks AS l JOIN pg_stat_activity AS a ON a.pid = l.pid "
        "WHERE l.locktype = 'advisory' AND l.granted AND l.classid = %s AND l.objid = %s "
        "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())",
        ((ADVISORY_LOCK_KEY >> 32) & 0xFFFFFFFF, ADVISORY_LOCK_KEY & 0xFFFFFFFF)).first()
    _end_transaction(conn)
    return f"pid {row[0]}, connected since {row[1]:%Y-%m-%d %H:%M:%S}" if row else "it just finished"


def _session(conn: Connection, sql: str) -> object:
    """A session-level command (SET, advisory lock): run and committed at once; its value."""
    result = conn.exec_driver_sql(sql)
    value = result.scalar() if result.returns_rows else None
    _end_transaction(conn)
    return value


def _end_transaction(conn: Connection) -> None:
    if conn.in_transaction():
        conn.commit()


@contextmanager
def _autocommit(conn: Connection) -> Iterator[None]:
    """Autocommit for a while: CONCURRENTLY refuses to run inside a transaction block."""
    level = conn.default_isolation_level
    _end_transaction(conn)
    conn.execution_options(isolation_level="AUTOCOMMIT")
    try:
        yield
    finally:
        _end_transaction(conn)  # SQLAlchemy still marks a transaction, though the server has none
        conn.execution_options(isolation_level=level)


def _lock_holders(target: Target, statement: Statement) -> str:
    """Who holds locks on the statement's table, asked on a connection of its own."""
    item = statement.fixes
    name = f"{item.schema}.{item.table}" if item.schema else item.table
    # Not the holder's query text: it may carry data or secrets.
    query = ("SELECT a.pid, l.mode, a.state, a.application_name, a.xact_start FROM pg_locks AS l "
             "JOIN pg_stat_activity AS a ON a.pid = l.pid WHERE l.granted AND l.relation = "
             "(SELECT c.oid FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace "
             "WHERE n.nspname = %s AND c.relname = %s) AND a.pid <> pg_backend_pid()")
    try:
        with connect(target, readonly=True) as conn:
            rows = conn.exec_driver_sql(query, (item.schema or "public", item.table)).all()
    except Exception:  # noqa: BLE001 - the explanation is a courtesy; the failure is reported anyway
        rows = []
    holders = "; ".join(f"pid {pid} ({app or 'no application name'}, {state}"
                        + (f", transaction open since {since:%H:%M:%S}" if since else "") + f") holds {mode}"
                        for pid, mode, state, app, since in rows)
    return f"lock on {name} held by {holders}" if holders else f"lock on {name} was held by another session"


def count_violations(target: Target, statements: list[Statement]) -> dict[Precheck, int]:
    """Run every pre-check of a plan, read-only, for ``plan`` to show. A check that cannot run
    yet (its table is created or renamed by the plan itself) is left out."""
    checks = list(dict.fromkeys(p for s in statements for p in s.prechecks))
    counts: dict[Precheck, int] = {}
    if not checks:
        return counts
    with connect(target, readonly=True) as conn:
        for check in checks:
            try:
                with conn.begin_nested():  # a failed query must not abort the others (Postgres)
                    found = conn.execution_options(no_parameters=True).exec_driver_sql(check.sql).scalar()
                    counts[check] = int(found or 0)  # Postgres sums as numeric
            except DBAPIError:
                continue
    return counts
