"""Scratch databases: a temporary Postgres database on a development server, or an in-memory
SQLite database, that exist only while a ``with`` block runs.

``--expected-sql`` loads DDL into one to read the schema it makes; plan verification copies a live
schema into one and runs the plan there first. A Postgres scratch database is always dropped, also
when the block fails or is interrupted (Ctrl-C during the drop is held off until it is done).
"""
from __future__ import annotations

import signal
import sqlite3
import threading
import uuid
from contextlib import contextmanager
from typing import Iterator

from sqlalchemy import create_engine
from sqlalchemy.engine import URL, Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import StaticPool

from auditor.database import (
    CONNECT_TIMEOUT_SECONDS,
    describe_error,
    dialect_of,
    parse_url,
)
from auditor.errors import ConfigError, ConnectError
from auditor.redact import redact_url
from auditor.target import Target

SCRATCH_PREFIX = "schema_auditor_scratch_"
DEV_URL_HINT = "the --dev-url role needs CREATEDB"


def dev_server(dev_url: str) -> URL:
    """The parsed ``--dev-url``; ConfigError unless it names a PostgreSQL server."""
    url = parse_url(dev_url)
    if not dialect_of(url).has_schemas:
        raise ConfigError(f"--dev-url {redact_url(url)} is not a PostgreSQL URL",
                          "e.g. postgresql://dev@localhost/postgres")
    return url


@contextmanager
def postgres_scratch(dev_url: str) -> Iterator[Target]:
    """A new, empty database on the server ``dev_url`` names, as a target (its URL holds the dev
    server's credentials: print only its name); dropped when the block ends, however it ends."""
    url = dev_server(dev_url)
    name = f"{SCRATCH_PREFIX}{uuid.uuid4().hex[:12]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": CONNECT_TIMEOUT_SECONDS})
    try:
        _admin(admin, f'CREATE DATABASE "{name}"', f"cannot create a scratch database on --dev-url {redact_url(url)}")
        try:
            yield Target(f"scratch database {name}", url.set(database=name).render_as_string(hide_password=False))
        finally:
            with _sigint_held():
                _admin(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)',
                       f"cannot drop the scratch database {name} on --dev-url {redact_url(url)}")
    finally:
        admin.dispose()


@contextmanager
def sqlite_memory() -> Iterator[tuple[sqlite3.Connection, Engine]]:
    """A fresh in-memory SQLite database: its raw connection, and an engine whose every connection
    is that one (so SQLAlchemy code sees the same database). Gone when the block ends."""
    raw = sqlite3.connect(":memory:")
    engine = create_engine("sqlite://", creator=lambda: raw, poolclass=StaticPool)
    try:
        yield raw, engine
    finally:
        engine.dispose()
        raw.close()


def _admin(engine: Engine, sql: str, what: str) -> None:
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(sql)
    except DBAPIError as exc:
        raise ConnectError(f"{what}: {describe_error(exc, engine.url)}", DEV_URL_HINT) from None


@contextmanager
def _sigint_held() -> Iterator[None]:
    """Ctrl-C waits until the block is done (the main thread only; elsewhere nothing changes)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[object] = []
    previous = signal.signal(signal.SIGINT, lambda *args: caught.append(args))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if caught:
        raise KeyboardInterrupt
