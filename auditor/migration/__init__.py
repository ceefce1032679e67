"""Heal as a migration: the plan written as the next file of the team's migration history
(Alembic, Flyway or numbered SQL files) instead of run, so the fix is a new migration, never an
edit of one that already ran.

A migration holds what ``apply`` would run with the same hazard allowance (``heal_of``), each
statement with the notes ``plan`` prints for it; the withheld statements and manual steps are
listed at its end as comments. The modules, one concept each:

- ``content``: ``Heal`` (what a migration holds), and the SQL text both SQL forms share;
- ``history``: the versions a database's history table and a directory's files already have;
- ``reverse``: Alembic's downgrade, planned as the inverse drift;
- ``alembic``, ``flyway``, ``sqlfile``: one form each.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Sequence

from auditor.audit import AuditResult
from auditor.errors import ConfigError
from auditor.migration import alembic, flyway, sqlfile
from auditor.migration.content import Heal, heal_of
from auditor.migration.reverse import downgrade_of
from auditor.plan import Precheck, Statement
from auditor.redact import refuse_secret

TOOLS = ("alembic", "flyway", "sql")
# The history table each tool keeps in the database: never part of the drift a migration heals.
HISTORY_TABLES = {"alembic": "alembic_version", "flyway": "flyway_schema_history"}


@dataclass(frozen=True)
class MigrationRequest:
    """Which tool's form, where, and what the migration may hold."""

    tool: str
    directory: Path
    allowed: frozenset[str]
    concurrent: bool = False  # the plan builds indexes CONCURRENTLY (Alembic's downgrade drops them so)


@dataclass(frozen=True)
class Written:
    """What was written (nothing when no statement could go in) and what to tell about it."""

    paths: tuple[Path, ...]
    heal: Heal
    notes: tuple[str, ...] = ()


def write_migration(request: MigrationRequest, result: AuditResult, statements: Sequence[Statement],
                    violations: Mapping[Precheck, int] | None = None) -> Written:
    """Write the plan of one audited database as the next migration in ``request.directory``
    (created if missing); no file when no statement is to run. Files are never overwritten."""
    assert result.dialect is not None and result.expected is not None and result.actual is not None
    heal = heal_of(result.target.name, result.dialect, statements, request.allowed, violations)
    if not heal.included:
        return Written((), heal)
    directory = request.directory
    if request.tool == "alembic":
        downgrade = downgrade_of(heal.included, result.expected, result.actual, result.dialect, request.concurrent)
        files, notes = alembic.draft(heal, downgrade, directory, result.target)
    elif request.tool == "flyway":
        files, notes = flyway.draft(heal, directory, result.target)
    else:
        files, notes = sqlfile.draft(heal, directory)
    if not directory.is_dir():
        notes = [f"created {directory}", *notes]
    _write_new(directory, files)
    return Written(tuple(files), heal, tuple(notes))


def _write_new(directory: Path, files: Mapping[Path, str]) -> None:
    """Create the directory if missing, then each file, refusing to overwrite one."""
    for path, text in files.items():
        refuse_secret(text, f"migration {path}")
    try:
        directory.mkdir(parents=True, exist_ok=True)
        for path, text in files.items():
            with path.open("x", encoding="utf-8") as handle:
                handle.write(text)
    except OSError as exc:
        raise ConfigError(f"cannot write the migration in {directory}: {exc.strerror}: {exc.filename}",
                          "name a directory that can be written") from None
