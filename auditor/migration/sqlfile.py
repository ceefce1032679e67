"""The plain SQL form, for home-grown runners: ``NNNN_heal_schema_drift.sql``.

NNNN is one past the highest leading number of the directory's files, zero padded to the widest
such number there (4 digits in an empty directory). The file holds no BEGIN or COMMIT: the runner
owns transactions. Each statement that must run outside one is preceded by the line
``-- schema-auditor: no-transaction``.
"""
from __future__ import annotations

import re
from pathlib import Path

from auditor.migration.content import Heal, NO_TRANSACTION_MARK, sql_script
from auditor.migration.history import file_versions, next_version

SLUG = "heal_schema_drift"
NUMBERED_FILE = re.compile(r"^(\d+)")
DEFAULT_WIDTH = 4


def draft(heal: Heal, directory: Path) -> tuple[dict[Path, str], list[str]]:
    """The migration file."""
    numbers = file_versions(directory, NUMBERED_FILE)
    width = max((len(n) for n in numbers), default=DEFAULT_WIDTH)
    number = (next_version(numbers) or "1").zfill(width)
    preamble = [f"a statement after a '{NO_TRANSACTION_MARK}' line must run outside a transaction"] \
        if heal.own_transaction else []
    return {directory / f"{number}_{SLUG}.sql": sql_script(heal, "SQL", preamble, mark=True)}, []
