"""The apply log: one JSON line per apply, appended, so there is a record of every change made.

The path comes from ``--apply-log``, else ``$AUDITOR_APPLY_LOG``, else
``$XDG_STATE_HOME/schema-auditor/apply.log`` (``~/.local/state/...``). Lines carry the database's
masked URL, never a password.
"""
from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from auditor.hazards import ordered
from auditor.plan import Statement
from auditor.redact import redact_data, redact_url
from auditor.target import Target


def default_log_path() -> Path:
    """Where apply records go when no path is given."""
    if os.environ.get("AUDITOR_APPLY_LOG"):
        return Path(os.environ["AUDITOR_APPLY_LOG"])
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "schema-auditor" / "apply.log"


def apply_record(target: Target, outcome: str, seconds: float, executed: list[Statement],
                 withheld: list[Statement], error: str | None = None,
                 now: Callable[[], datetime] = lambda: datetime.now(timezone.utc)) -> dict[str, object]:
    """One log entry: when, which database (masked), what ran and was held back, and how it ended."""
    entry: dict[str, object] = {
        "time": now().isoformat(timespec="seconds"),
        "database": target.name if "://" not in target.name else redact_url(target.name),
        "url": redact_url(target.url),
        "outcome": outcome,
        "seconds": round(seconds, 3),
        "statements": [{"sql": s.summary, "kind": s.fixes.kind, "hazards": list(s.hazards)} for s in executed],
        "hazards": list(ordered(h for s in executed for h in s.hazards)),
        "withheld": [{"sql": s.summary, "hazards": list(s.hazards)} for s in withheld],
    }
    if error:
        entry["error"] = error
    return entry


def append_record(path: Path, entry: dict[str, object] | None) -> None:
    """Append one line (None: nothing, only make sure the log can be written); a single write of a
    whole line, so concurrent applies do not interleave."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as log:
        if entry is not None:
            log.write(json.dumps(redact_data(entry), sort_keys=True) + "\n")
