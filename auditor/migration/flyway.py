"""The Flyway form: ``V<next>__heal_schema_drift.sql``, and its script config file when needed.

The next version is one past the highest of those the database's ``flyway_schema_history``
records (successful, versioned rows) and those of the directory's ``V<version>__*.sql`` files (so
it never takes the version of a file not yet run): the last number plus one (``3`` -> ``4``,
``2.1`` -> ``2.2``, ``1_9`` -> ``1_10``), keeping the team's scheme; with neither, ``1``.

A plan with statements that must run outside a transaction (CREATE INDEX CONCURRENTLY, VALIDATE
CONSTRAINT) gets ``V<next>__heal_schema_drift.sql.conf`` with ``executeInTransaction=false``
(Flyway 9+ script config files): Flyway then runs the whole script without a transaction, each
statement committed on its own. A plan whose SQL holds ``${`` gets ``placeholderReplacement=false``
there too, so Flyway never rewrites it.
"""
from __future__ import annotations

import re
from pathlib import Path

from auditor.migration.content import Heal, sql_script
from auditor.migration.history import file_versions, next_version, recorded_versions
from auditor.target import Target

SLUG = "heal_schema_drift"
VERSIONED_FILE = re.compile(r"^V(\d+(?:[._]\d+)*)__.*\.sql$")


def draft(heal: Heal, directory: Path, target: Target) -> tuple[dict[Path, str], list[str]]:
    """The migration file and, when the plan needs one, its script config file."""
    version = next_version((recorded_versions(target, heal.dialect, "flyway_schema_history") or [])
                           + file_versions(directory, VERSIONED_FILE)) or "1"
    path = directory / f"V{version}__{SLUG}.sql"
    settings = script_settings(heal)
    preamble = [f"Flyway runs it outside a transaction: see {path.name}.conf"] if heal.own_transaction else []
    files = {path: sql_script(heal, "Flyway", preamble)}
    if settings:
        files[path.with_name(f"{path.name}.conf")] = "".join(f"{line}\n" for line in settings)
    return files, []


def script_settings(heal: Heal) -> list[str]:
    """The lines of the script config file (none: no file)."""
    settings = ["executeInTransaction=false"] if heal.own_transaction else []
    if any("${" in st.sql for st in heal.included):
        settings.append("placeholderReplacement=false")
    return settings
