"""Database targets: URLs, credential masking, and read-only or writable connections.

SQLAlchemy parses URLs, masks passwords and pools connections; this module only picks the
options that keep an audit harmless (SQLite ``mode=ro``, Postgres read-only transactions) and
turns driver errors into one masked line.
"""
from __future__ import annotations

import re
import sqlite3
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Iterator
from urllib.parse import quote

from sqlalchemy import create_engine
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

from auditor.dialects import DIALECTS, Dialect
from auditor.errors import ConfigError, ConnectError

if TYPE_CHECKING:
    from auditor.sources import ExpectedSource
    from auditor.versioning import VersionSource

CONNECT_TIMEOUT_SECONDS = 10
AUDIT_STATEMENT_TIMEOUT_SECONDS = 60
SQLITE_SUFFIXES = (".db", ".sqlite", ".sqlite3")


@dataclass(frozen=True)
class ApplySettings:
    """A database's own apply settings from the config (``apply:``); None: not set there, so the
    command line's value or the default holds. Durations in seconds."""

    concurrent_indexes: bool | None = None
    lock_timeout: float | None = None
    statement_timeout: float | None = None
    lock_wait: float | None = None
    allow_hazards: tuple[str, ...] | None = None
    allow_destructive: bool | None = None
    apply_log: str | None = None


@dataclass(frozen=True)
class Target:
    """One database to audit. ``name`` is safe to print; ``url`` may hold a secret.

    ``spec`` names what the database is held to: a spec file, or the label of ``source`` when the
    expected schema comes from a reference database or a DDL file. ``version`` says how to read
    the version the database records (None: no version cross-check). ``dev_url`` names the
    Postgres server where plans are verified on a scratch copy (``auditor.verify``).
    """

    name: str
    url: str = field(repr=False)
    spec: str | None = None
    ignore: tuple[str, ...] = ()
    source: ExpectedSource | None = None
    version: VersionSource | None = None
    dev_url: str | None = field(default=None, repr=False)  # a Postgres server for scratch databases
    # A glob of schema names: each matching schema is one tenant, audited against the spec on its own.
    tenant_schemas: str | None = None
    # Compare grants and owners (Postgres): True or False overrides the spec, None leaves it to it;
    # ``roles`` maps the role names of the spec to this database's, as (spec name, role) pairs.
    privileges: bool | None = None
    roles: tuple[tuple[str, str], ...] = ()
    apply: ApplySettings = ApplySettings()


def parse_url(text: str) -> URL:
    """A SQLAlchemy URL; ``postgres://`` picks psycopg 3 and a bare ``*.db`` path means SQLite."""
    text = text.strip()
    if "://" not in text and text.endswith(SQLITE_SUFFIXES):
        text = f"sqlite:///{text}"
    try:
        url = make_url(text)
        url.port  # noqa: B018 - a non-numeric port only fails when read
    except (ArgumentError, ValueError) as exc:
        raise ConfigError(f"'{mask_text(text)}' is not a database URL: {exc}",
                          "use e.g. sqlite:///app.db or postgresql://user@host/db") from None
    if url.drivername in ("postgres", "postgresql"):
        url = url.set(drivername="postgresql+psycopg")
    if url.get_backend_name() not in DIALECTS:
        raise ConfigError(f"unsupported database '{url.get_backend_name()}' in {mask_url(url)}",
                          f"supported: {', '.join(DIALECTS)}")
    return url


def mask_url(url: URL | str) -> str:
    """The URL with its password replaced by ``***``: the only form of a URL we ever print."""
    if isinstance(url, str):
        try:
            url = make_url(url)
        except (ArgumentError, ValueError):
            return mask_text(url)
    # An unencoded "@" in a password leaves part of it in the host: mask up to the last "@" too.
    return mask_text(url.render_as_string(hide_password=True))


# A setting named like a secret, in a URL's query (``?sslpassword=...``) or a keyword DSN
# (``host=db password='x y'``): its value is masked wherever it shows up.
_SECRET_SETTING = re.compile(r"(?i)\b([a-z_]*(?:password|passwd|pwd|secret|token|passphrase|api_?key)[a-z_]*)"
                             r"(\s*=\s*)('(?:[^'\\]|\\.)*'|[^&\s;,)]+)")


def mask_text(text: str, secrets: tuple[str, ...] = ()) -> str:
    """``text`` with any URL password, any value of a setting named like a secret (in a URL's
    query or a keyword DSN), and the given secrets replaced by ``***``."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    text = _SECRET_SETTING.sub(lambda m: f"{m.group(1)}{m.group(2)}***", text)
    # user:password@host in any URL-like text
    return re.sub(r"(://[^:/@\s]*:)\S*@", r"\1***@", text)


def secrets_of(url: str) -> tuple[str, ...]:
    """The URL's password as it may show up in text (decoded and URL-encoded), to mask or to look
    for; () without one. A password that also spells the user, host or database name (and so is
    printed in the masked URL) cannot be told from them and is left out."""
    values: list[str] = []
    try:
        parsed = make_url(url)
        values += [str(parsed.password)] if parsed.password else []
        for name, value in parsed.query.items():  # ?sslpassword=...: settings named like a secret
            if _SECRET_SETTING.match(f"{name}=x"):
                values += [value] if isinstance(value, str) else list(value)
    except (ArgumentError, ValueError):  # unparsable: find user:password@ the way mask_text does
        match = re.search(r"://[^:/@\s]*:(\S*)@", url)
        values += [match.group(1)] if match else []
    masked = mask_url(url)
    return tuple(dict.fromkeys(s for v in values if v for s in (v, quote(v, safe="")) if s and s not in masked))


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
            return create_engine("sqlite://", creator=lambda: _read_only_sqlite(uri))
        return create_engine(url)
    try:
        connect_args: dict[str, object] = {"connect_timeout": CONNECT_TIMEOUT_SECONDS}
        if readonly:  # an audit's catalog queries must never hang a worker: bound each one
            # No JIT: the catalog queries of a big database cost enough to trigger it, and
            # compiling them took longer than running them (0.3 s a query at 20,000 tables).
            # default_transaction_read_only: every transaction of the session is read-only, even
            # one a query text begins after a COMMIT of its own.
            connect_args["options"] = (f"-c statement_timeout={AUDIT_STATEMENT_TIMEOUT_SECONDS * 1000} -c jit=off "
                                       "-c default_transaction_read_only=on")
        engine = create_engine(url, connect_args=connect_args)
    except NoSuchModuleError as exc:
        raise ConfigError(f"no driver for {mask_url(url)}: {exc}", "install psycopg[binary]") from None
    return engine.execution_options(postgresql_readonly=True) if readonly else engine


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
    conn = sqlite3.connect(uri, uri=True)
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
    """The first line of a driver error, with any password masked."""
    original = getattr(exc, "orig", None) or exc
    lines = [line.strip() for line in str(original).strip().splitlines() if line.strip()]
    text = lines[0] if lines else type(original).__name__
    secrets = (url.password,) if url is not None and url.password else ()
    return mask_text(str(text), tuple(str(s) for s in secrets))
