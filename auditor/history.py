"""The bounded audit history ``serve`` keeps per database: the last N audits (default 200) in
memory and, with ``--state-dir DIR``, in ``DIR/history.sqlite`` too, so that a restart keeps it.

One :class:`Point` per audit: when, the outcome's counts and the live schema's fingerprint (a
change of fingerprint is a change of the schema). The SQLite file is the exporter's own: it is
created under the given folder only, never in an audited database. The clock is injected.
"""
from __future__ import annotations

import sqlite3
import threading
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Sequence

from auditor.audit import AuditResult
from auditor.errors import ConfigError
from auditor.model import fingerprint

DEFAULT_LIMIT = 200
STATE_FILE = "history.sqlite"

# Statuses, also used by the status page; a point's status says how the audit ended.
CLEAN, DRIFT, SILENT_DRIFT, FAILED, PENDING = "clean", "drift", "silent-drift", "failed", "pending"


@dataclass(frozen=True)
class Point:
    """One audit of one database."""

    at: float                 # wall clock (Unix time) the run finished
    status: str               # clean, drift, silent-drift or failed
    errors: int
    warnings: int
    fingerprint: str | None   # the live schema's; None when the audit failed

    @property
    def drifting(self) -> bool:
        """The audit found drift."""
        return self.status in (DRIFT, SILENT_DRIFT)


def status_of(result: AuditResult) -> str:
    """clean, drift, silent-drift (the version matches, the structure does not) or failed."""
    if result.error:
        return FAILED
    if result.version is not None and result.version.status == "silent_drift":
        return SILENT_DRIFT
    return DRIFT if result.drift else CLEAN


def point_of(result: AuditResult, at: float) -> Point:
    """The history point of one audit result."""
    errors = sum(1 for item in result.drift if item.severity == "error")
    live = fingerprint(result.actual) if result.actual is not None and not result.error else None
    return Point(at, status_of(result), errors, len(result.drift) - errors, live)


def drifting_since(points: Sequence[Point]) -> float | None:
    """When the current drift began: the first audit of the latest uninterrupted run of drifted
    audits (a failed audit in between neither ends nor starts one: it saw nothing); None when the
    latest audit that saw the schema found none."""
    since = None
    for point in reversed(points):
        if point.status == FAILED:
            continue
        if not point.drifting:
            break
        since = point.at
    return since


def fingerprint_changes(points: Sequence[Point]) -> list[int]:
    """The indexes of the points whose fingerprint differs from the previous known one."""
    changes, last = [], None
    for index, point in enumerate(points):
        if point.fingerprint is None:
            continue
        if last is not None and point.fingerprint != last:
            changes.append(index)
        last = point.fingerprint
    return changes


class History:
    """The last ``limit`` points per database; thread-safe. With ``state_dir`` each point is also
    written to ``state_dir/history.sqlite`` (created if missing) and the file is read at start."""

    def __init__(self, limit: int = DEFAULT_LIMIT, state_dir: str | Path | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        if limit < 1:
            raise ConfigError(f"history limit {limit}: must be at least 1")
        self.limit, self._clock = limit, clock
        self._lock = threading.Lock()
        self._points: dict[str, deque[Point]] = {}
        self._db: sqlite3.Connection | None = None
        if state_dir is not None:
            self._db = _open_state(Path(state_dir))
            for name, point in _load(self._db, limit):
                self._ring(name).append(point)

    def _ring(self, name: str) -> deque[Point]:
        return self._points.setdefault(name, deque(maxlen=self.limit))

    def record(self, results: Iterable[AuditResult], at: float | None = None) -> None:
        """One point per result, at ``at`` (default: the clock's now)."""
        when = self._clock() if at is None else at
        points = [(r.target.name, point_of(r, when)) for r in results]
        with self._lock:
            for name, point in points:
                self._ring(name).append(point)
            if self._db is not None:
                _store(self._db, points, self.limit)

    def points(self, name: str) -> tuple[Point, ...]:
        """The database's points, oldest first."""
        with self._lock:
            return tuple(self._points.get(name, ()))

    def close(self) -> None:
        """Close the state file (if any)."""
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None


_SCHEMA = ("CREATE TABLE IF NOT EXISTS audits (database TEXT NOT NULL, at REAL NOT NULL, status TEXT NOT NULL, "
           "errors INTEGER NOT NULL, warnings INTEGER NOT NULL, fingerprint TEXT)",
           "CREATE INDEX IF NOT EXISTS audits_by_database ON audits (database, at)")


def _open_state(folder: Path) -> sqlite3.Connection:
    """The state file, created with its table; ConfigError (one line) when that is not possible."""
    path = folder / STATE_FILE
    try:
        folder.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        for statement in _SCHEMA:
            conn.execute(statement)
    except (OSError, sqlite3.Error) as exc:
        why = getattr(exc, "strerror", None) or str(exc)
        raise ConfigError(f"--state-dir {folder}: cannot keep the audit history in {path}: {why}",
                          "pass --state-dir a folder this user may write to") from None
    return conn


def _load(conn: sqlite3.Connection, limit: int) -> list[tuple[str, Point]]:
    """The last ``limit`` points of each database, oldest first."""
    rows = conn.execute(
        "SELECT database, at, status, errors, warnings, fingerprint FROM (SELECT *, row_number() OVER "
        "(PARTITION BY database ORDER BY at DESC, rowid DESC) AS n FROM audits) WHERE n <= ? "
        "ORDER BY database, at, rowid", (limit,)).fetchall()
    return [(name, Point(at, status, errors, warnings, fp)) for name, at, status, errors, warnings, fp in rows]


def _store(conn: sqlite3.Connection, points: list[tuple[str, Point]], limit: int) -> None:
    """Append the points and keep only the last ``limit`` per database, in one transaction."""
    conn.execute("BEGIN")
    try:
        conn.executemany("INSERT INTO audits VALUES (?, ?, ?, ?, ?, ?)",
                         [(name, p.at, p.status, p.errors, p.warnings, p.fingerprint) for name, p in points])
        conn.executemany("DELETE FROM audits WHERE database = ? AND rowid NOT IN (SELECT rowid FROM audits "
                         "WHERE database = ? ORDER BY at DESC, rowid DESC LIMIT ?)",
                         [(name, name, limit) for name in dict.fromkeys(name for name, _ in points)])
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
