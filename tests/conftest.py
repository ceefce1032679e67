"""Shared fixtures: real SQLite files and real Postgres databases, and a CLI runner.

Postgres tests use ``AUDITOR_TEST_PG_URL`` (default: the local server). Each test gets a fresh
database, dropped afterwards. When the server is unreachable they skip, except under ``CI=true``,
where they fail loudly: CI must run them.
"""
from __future__ import annotations

import io
import os
import shutil
import sqlite3
import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from auditor.cli import main
from auditor.redact import SECRETS

PG_ADMIN_URL = os.environ.get("AUDITOR_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
ENGINES = ("sqlite", "postgresql")


@pytest.fixture(scope="session", autouse=True)
def spec_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The disk cache of loaded specs, in a folder of this test run (never the user's own)."""
    path = tmp_path_factory.mktemp("spec-cache")
    before = os.environ.get("SCHEMA_AUDITOR_CACHE_DIR")
    os.environ["SCHEMA_AUDITOR_CACHE_DIR"] = str(path)
    yield path
    if before is None:
        os.environ.pop("SCHEMA_AUDITOR_CACHE_DIR", None)
    else:
        os.environ["SCHEMA_AUDITOR_CACHE_DIR"] = before


@dataclass
class CliResult:
    """What a CLI run returned and printed."""

    code: int
    out: str
    err: str


def run_cli(*args: str) -> CliResult:
    """Run ``schema-auditor ARGS`` in-process and capture its exit code and output."""
    out, err = io.StringIO(), io.StringIO()
    try:
        code = main(list(args), out, err)
    except SystemExit as exc:  # argparse exits on --help and usage errors
        code = int(exc.code or 0)
    return CliResult(code, out.getvalue(), err.getvalue())


@dataclass
class LiveDb:
    """A real database a test may change through plain SQL."""

    url: str
    dialect: str

    def execute(self, *statements: str, autocommit: bool = False) -> None:
        """Run statements in one transaction, or (``autocommit``) one by one outside any, for the
        few a transaction refuses (CREATE SUBSCRIPTION, CREATE INDEX CONCURRENTLY)."""
        engine = create_engine(self.url, **({"isolation_level": "AUTOCOMMIT"} if autocommit else {}))
        try:
            with engine.begin() as conn:
                for statement in statements:
                    conn.exec_driver_sql(statement)
        finally:
            engine.dispose()

    def query(self, sql: str) -> list[tuple[object, ...]]:
        """Rows of a query."""
        engine = create_engine(self.url)
        try:
            with engine.connect() as conn:
                return [tuple(row) for row in conn.exec_driver_sql(sql)]
        finally:
            engine.dispose()


def require_command(name: str) -> str:
    """The path of a command from tests/services.sh: skip without it, fail under CI=true."""
    path = shutil.which(name)
    if path is None:
        message = f"{name} is not installed (tests/services.sh installs it with apt-get)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message}; CI=true must run this test")
        pytest.skip(message)
    return path


def run_psql(pg_url: str, script: Path) -> subprocess.CompletedProcess[str]:
    """Run a SQL script the way a person would: ``psql -v ON_ERROR_STOP=1 -f``."""
    url = make_url(pg_url)
    return subprocess.run(
        [require_command("psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", url.host or "127.0.0.1",
         "-p", str(url.port or 5432), "-U", url.username or "postgres", "-d", url.database or "", "-f", str(script)],
        capture_output=True, text=True, timeout=60)


def audit_drift(url: str, spec: Path, *args: str) -> tuple[int, list[tuple[str, str, str | None]], list[str]]:
    """``audit --format json``: (exit code, (kind, object, part) per item, messages); the object is
    qualified by its schema but in public (a schema's own items have none)."""
    import json

    result = run_cli("audit", "--db", url, "--spec", str(spec), "--format", "json", *args)
    assert result.code in (0, 1), result.out + result.err
    drift = json.loads(result.out)["databases"][0]["drift"]
    return (result.code, [(d["kind"], d["table"] if d["schema"] in (None, "public") else f"{d['schema']}.{d['table']}",
                           d["name"]) for d in drift], [d["message"] for d in drift])


def plan_is_empty(url: str, spec: Path, *args: str) -> bool:
    """``plan`` has nothing to do."""
    return "no changes" in run_cli("plan", "--db", url, "--spec", str(spec), *args).out


def mutation_is_healed(db: LiveDb, spec: Path, sql: str | tuple[str, ...], item: tuple[object, ...],
                       audit: Callable[..., tuple], empty: Callable[..., bool] = plan_is_empty) -> None:
    """One mutation (SQL) gives exactly ``item``; apply with every hazard allowed heals it: the
    audit is clean and a second plan is empty (``audit`` and ``empty`` as the test file's)."""
    db.execute(*((sql,) if isinstance(sql, str) else sql))
    assert audit(db.url, spec)[1] == [item]
    healed = run_cli("apply", "--db", db.url, "--spec", str(spec), "--yes", "--allow-hazards", "all",
                     "--allow-destructive")
    assert healed.code == 0, healed.out + healed.err
    assert audit(db.url, spec)[:2] == (0, [])
    assert empty(db.url, spec)


def plan_runs_twice(url: str, spec: Path, script: Path) -> str:
    """Print the plan to ``script``, run it twice with psql as a person would (each run must
    succeed: every statement idempotent), and return its text."""
    script.write_text(run_cli("plan", "--db", url, "--spec", str(spec)).out)
    for _ in range(2):
        done = run_psql(url, script)
        assert done.returncode == 0, done.stderr
    return script.read_text()


def _pg_admin_engine():
    return create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT",
                         connect_args={"connect_timeout": 5})


@pytest.fixture(scope="session")
def pg_available() -> bool:
    """Whether the Postgres server answers; under CI=true a dead server fails the run."""
    engine = _pg_admin_engine()
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
        return True
    except Exception as exc:  # noqa: BLE001 - any failure means "no server"
        if os.environ.get("CI") == "true":
            pytest.fail(f"Postgres at {make_url(PG_ADMIN_URL).render_as_string()} is unreachable "
                        f"under CI=true: {exc}")
        return False
    finally:
        engine.dispose()


@pytest.fixture
def pg_url(pg_available: bool) -> Iterator[str]:
    """A fresh, empty Postgres database, dropped after the test."""
    if not pg_available:
        pytest.skip("Postgres is not reachable (set AUDITOR_TEST_PG_URL)")
    name = f"auditor_test_{uuid.uuid4().hex[:12]}"
    engine = _pg_admin_engine()
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        yield make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
        with engine.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        engine.dispose()


@pytest.fixture
def new_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[[str], str]]:
    """A factory of fresh, empty databases (each call a new one), dropped after the test.

    (conftest's ``pg_url`` is one database per test: asking for it twice returns the same one.)"""
    made: list[str] = []
    engine = None

    def make(kind: str) -> str:
        nonlocal engine
        if kind == "sqlite":
            path = tmp_path / f"db{len(made)}_{uuid.uuid4().hex[:6]}.db"
            with sqlite3.connect(path) as conn:
                conn.execute("PRAGMA user_version = 0")
            made.append("")
            return f"sqlite:///{path}"
        if not request.getfixturevalue("pg_available"):
            pytest.skip("Postgres is not reachable (set AUDITOR_TEST_PG_URL)")
        name = f"auditor_conv_{uuid.uuid4().hex[:12]}"
        engine = engine or _pg_admin_engine()
        with engine.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        made.append(name)
        return make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)

    yield make
    if engine is not None:
        with engine.connect() as conn:
            for name in filter(None, made):
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        engine.dispose()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """An empty SQLite database file."""
    path = tmp_path / "test.db"
    engine = create_engine(f"sqlite:///{path}")
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA user_version = 0")
    engine.dispose()
    return f"sqlite:///{path}"


@pytest.fixture(params=ENGINES)
def db(request: pytest.FixtureRequest) -> LiveDb:
    """The same test on a SQLite file and on a Postgres database."""
    url = request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")
    return LiveDb(url, request.param)


@pytest.fixture
def write_spec(tmp_path: Path):
    """Write a spec file from text; returns its path as a string."""

    def write(text: str, name: str = "spec.yaml") -> str:
        path = tmp_path / name
        path.write_text(text)
        return str(path)

    return write


@pytest.fixture(autouse=True)
def forget_secrets() -> Iterator[None]:
    """Each test starts with no remembered secret: one test's planted password must not mask
    another's output (a long-lived process keeps them, which is what it should do)."""
    SECRETS.clear()
    yield
    SECRETS.clear()


@pytest.fixture(autouse=True)
def apply_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test's apply records go to its own file, not to the home directory."""
    path = tmp_path / "apply.log"
    monkeypatch.setenv("AUDITOR_APPLY_LOG", str(path))
    return path
