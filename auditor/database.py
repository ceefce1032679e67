"""Connections to a target: URLs, read-only or writable connections, driver errors as one line.

SQLAlchemy parses URLs and pools connections; this module only picks the options that keep an
audit harmless (SQLite ``mode=ro``, Postgres read-only transactions) and turns driver errors into
one line with every secret masked (``auditor.redact``).
"""
from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Iterator
from urllib.parse import quote

from sqlalchemy import create_engine, event
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

from auditor.dialects import DIALECTS, Dialect
from auditor.errors import ConfigError, ConnectError
from auditor.redact import redact, redact_url

if TYPE_CHECKING:
    from auditor.target import Target

CONNECT_TIMEOUT_SECONDS = 10
AUDIT_STATEMENT_TIMEOUT_SECONDS = 60
SQLITE_SUFFIXES = (".db", ".sqlite", ".sqlite3")


def parse_url(text: str) -> URL:
    """A SQLAlchemy URL; ``postgres://`` picks psycopg 3 and a bare ``*.db`` path means SQLite."""
    text = text.strip()
    if "://" not in text and text.endswith(SQLITE_SUFFIXES):
        text = f"sqlite:///{text}"
    try:
        url = make_url(text)
        url.port  # noqa: B018 - a non-numeric port only fails when read
    except (ArgumentError, ValueError) as exc:
        raise ConfigError(f"'{redact(text)}' is not a database URL: {exc}",
                          "use e.g. sqlite:///app.db or postgresql://user@host/db") from None
    if url.drivername in ("postgres", "postgresql"):
        url = url.set(drivername="postgresql+psycopg")
    if url.get_backend_name() not in DIALECTS:
        raise ConfigError(f"unsupported database '{url.get_backend_name()}' in {redact_url(url)}",
                          f"supported: {', '.join(DIALECTS)}")
    return url


def dialect_of(url: URL) -> Dialect:
    """The dialect of a parsed URL."""
    return DIALECTS[url.get_backend_name()]


def sqlite_path(url: URL) -> Path | None:
    """The file of a SQLite URL, or None for an in-memory database."""
    database = url.database
    return None if not database or database == ":memory:" else Path(database)


def _engine(url: URL, readonly: bool) -> Engine:
    if url.get_backend_name() == "sqlite":
        path = sqlite_path(url)
        if path is not None and readonly:
            uri = f"file:{quote(str(path.resolve()))}?mode=ro"
            engine = create_engine("sqlite://", creator=lambda: _read_only_sqlite(uri))
            # One read transaction for the audit's queries (pysqlite begins none for a SELECT):
            # its shared lock keeps a writer from committing between them.
            event.listen(engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN"))
            return engine
        return create_engine(url)
    try:
        connect_args: dict[str, object] = {"connect_timeout": CONNECT_TIMEOUT_SECONDS}
        if readonly:  # an audit's catalog queries must never hang a worker: bound each one
            # No JIT: the catalog queries of a big database cost enough to trigger it, and
            # compiling them took longer than running them (0.3 s a query at 20,000 tables).
            # default_transaction_read_only: every transaction of the session is read-only, even
            # one a query text begins after a COMMIT of its own.
            # The URL's own options (a search_path, say) come first: for a setting given twice the
            # last wins, so they cannot turn read-only off, and are not lost.
            connect_args["options"] = " ".join([*_url_options(url), (
                f"-c statement_timeout={AUDIT_STATEMENT_TIMEOUT_SECONDS * 1000} -c jit=off "
                "-c default_transaction_read_only=on")])
        engine = create_engine(url, connect_args=connect_args)
    except NoSuchModuleError as exc:
        raise ConfigError(f"no driver for {redact_url(url)}: {exc}", "install psycopg[binary]") from None
    if not readonly:
        return engine
    # Repeatable read: every catalog query of the audit sees the one snapshot its transaction began
    # with. Under read committed each saw the latest commit, so DDL another session committed
    # midway (a column added and indexed) showed in the index rows but not the column rows.
    return engine.execution_options(postgresql_readonly=True, isolation_level="REPEATABLE READ")


def _url_options(url: URL) -> list[str]:
    """The ``options`` query parameter(s) of a Postgres URL (libpq's command-line settings)."""
    value = url.query.get("options", ())
    return [value] if isinstance(value, str) else list(value)


def hot_journal(url: URL) -> Path | None:
    """The rollback journal an interrupted write left beside a SQLite file (``-journal``, not
    empty), which only a writable open rolls back; None when there is none."""
    path = sqlite_path(url) if url.get_backend_name() == "sqlite" else None
    journal = path.with_name(path.name + "-journal") if path is not None else None
    return journal if journal is not None and journal.exists() and journal.stat().st_size > 0 else None


def hot_journal_error(target: Target, journal: Path) -> ConnectError:
    """What a read-only audit says of a hot journal, in place of the driver's 'readonly' error."""
    return ConnectError(f"{target.name}: {journal} is a hot journal: a write to the database was interrupted "
                        "(a crash or kill) and only a writable open rolls it back; an audit opens read-only",
                        "run schema-auditor apply (it recovers the journal first), or open the file once "
                        "with sqlite3, then audit again")


def recover_hot_journal(target: Target) -> bool:
    """Roll back a SQLite hot journal by opening the file writable and reading it, as SQLite does
    on any writable open; True if there was one (``apply`` does this before it plans)."""
    url = parse_url(target.url)
    journal = hot_journal(url)
    if journal is None:
        return False
    path = sqlite_path(url)
    conn = sqlite3.connect(str(path))
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchall()
    except sqlite3.Error as exc:
        raise ConnectError(f"{target.name}: cannot roll back the hot journal {journal}: {exc}") from None
    finally:
        conn.close()
    return True


def _read_only_sqlite(uri: str) -> sqlite3.Connection:
    """A ``mode=ro`` connection that can attach no other file either (ATTACH would create one)."""
    conn = sqlite3.connect(uri, uri=True, isolation_level=None)  # transactions: the engine's begin event
    conn.setlimit(sqlite3.SQLITE_LIMIT_ATTACHED, 0)
    return conn


@contextmanager
def connect(target: Target, readonly: bool = True) -> Iterator[Connection]:
    """A connection to the target; read-only unless asked otherwise. Errors are masked."""
    url = parse_url(target.url)
    path = sqlite_path(url) if url.get_backend_name() == "sqlite" else None
    if path is not None and readonly and not path.exists():
        raise ConnectError(f"{target.name}: SQLite file {path} does not exist (an audit never creates it)")
    engine = _engine(url, readonly)
    try:
        try:
            conn = engine.connect()
        except (DBAPIError, sqlite3.Error) as exc:
            raise ConnectError(f"{target.name}: cannot connect: {describe_error(exc, url)}") from None
        with conn:
            yield conn
    finally:
        engine.dispose()


def describe_error(exc: BaseException, url: URL | None = None) -> str:
    """The first line of a driver error, with every secret masked (the URL's, and any remembered)."""
    original = getattr(exc, "orig", None) or exc
    lines = [line.strip() for line in str(original).strip().splitlines() if line.strip()]
    text = lines[0] if lines else type(original).__name__
    return redact(str(text), (str(url.password),) if url is not None and url.password else ())
