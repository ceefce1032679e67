"""Hazards: what a planned statement may do to a running application or to its data.

Every statement carries zero or more of these names; ``apply`` runs a statement only when each of
its hazards is allowed. The vocabulary follows Stripe's pg-schema-diff, so a reviewer who knows one
tool reads the other. A lock is named only when it is held for work that grows with the table (a
scan, a rewrite, an index build): brief catalog locks, such as ADD COLUMN's, are bounded by
``lock_timeout`` instead.
"""
from __future__ import annotations

from typing import Iterable, Mapping

from auditor.errors import ConfigError

DELETES_DATA = "DELETES_DATA"
ACQUIRES_ACCESS_EXCLUSIVE_LOCK = "ACQUIRES_ACCESS_EXCLUSIVE_LOCK"
ACQUIRES_SHARE_LOCK = "ACQUIRES_SHARE_LOCK"
TABLE_REWRITE = "TABLE_REWRITE"
MAY_FAIL_ON_EXISTING_DATA = "MAY_FAIL_ON_EXISTING_DATA"
INDEX_BUILD = "INDEX_BUILD"
INDEX_DROPPED = "INDEX_DROPPED"
BACKWARD_INCOMPATIBLE = "BACKWARD_INCOMPATIBLE"

HAZARDS: Mapping[str, str] = {
    DELETES_DATA: "drops a table, column, sequence or extension, and the data in it",
    ACQUIRES_ACCESS_EXCLUSIVE_LOCK: "blocks every read and write of the table while it scans or rewrites it",
    ACQUIRES_SHARE_LOCK: "blocks writes to the table while an index builds",
    TABLE_REWRITE: "copies every row of the table",
    MAY_FAIL_ON_EXISTING_DATA: "fails if existing rows break the new rule (apply counts them first)",
    INDEX_BUILD: "builds an index over existing rows: I/O and time, no write lock when concurrent",
    INDEX_DROPPED: "drops an index that queries may rely on",
    BACKWARD_INCOMPATIBLE: "renames or drops something the running application may still use",
}

# Allowed without any flag: building an index concurrently is additive and lock-light.
ALLOWED_BY_DEFAULT = frozenset({INDEX_BUILD})
# What --allow-destructive stands for: the statements that drop things.
DESTRUCTIVE = frozenset({DELETES_DATA, INDEX_DROPPED, BACKWARD_INCOMPATIBLE})


def parse_hazards(text: str) -> frozenset[str]:
    """``A,B`` (or ``all``) as a set of hazard names; ConfigError names an unknown one."""
    names = {part.strip().upper() for part in text.split(",") if part.strip()}
    if "ALL" in names:
        return frozenset(HAZARDS)
    unknown = sorted(names - set(HAZARDS))
    if unknown:
        raise ConfigError(f"unknown hazard {', '.join(unknown)}",
                          f"use any of {', '.join(HAZARDS)}, or all")
    return frozenset(names)


def allowed_hazards(names: Iterable[str] = (), destructive: bool = False) -> frozenset[str]:
    """The hazards apply may run: the defaults, those named, and the destructive ones if asked."""
    return ALLOWED_BY_DEFAULT | frozenset(names) | (DESTRUCTIVE if destructive else frozenset())


def ordered(names: Iterable[str]) -> tuple[str, ...]:
    """Each hazard once, in vocabulary order."""
    have = set(names)
    return tuple(name for name in HAZARDS if name in have)


def missing_allowance(hazards: Iterable[str], allowed: frozenset[str]) -> list[str]:
    """The hazards of a statement that are not allowed, in vocabulary order."""
    have = set(hazards)
    return [name for name in HAZARDS if name in have and name not in allowed]
