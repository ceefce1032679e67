"""Canonical forms of Postgres SQL texts, remembered across processes.

Loading the parser (``pglast``) costs a whole-process audit about 60 ms, more than canonicalizing
every expression a large schema holds, and a database's expression texts rarely change between two
audits. So each text's canonical form (or the parser's refusal) is kept in one JSON file in the
spec cache's folder (``speccache.cache_dir``), under a name that changes with this package's
expression code and pglast's version; a process that meets only known texts never loads the parser.
An unreadable file is ignored, writes are atomic, and without a cache folder nothing is kept.
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
import threading
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Callable

_LIMIT = 1 << 17  # entries; past it the file starts afresh
_lock = threading.Lock()
_known: dict[str, list[object]] | None = None
_added = False


class Refused(Exception):
    """A remembered refusal of the parser; ``args[0]`` is its message."""


def remembered(kind: str, text: str, context: str | None, make: Callable[[], str | None]) -> str | None:
    """``make()`` for this text (kind and context say what it is), from memory when known; raises
    Refused where the parser refused it (then or before)."""
    global _added
    key = f"{kind}\x00{context or ''}\x00{text}"
    known = _entries()
    if key in known:
        value, refusal = known[key]
        if refusal is not None:
            raise Refused(refusal)
        return value  # type: ignore[return-value]
    try:
        value = make()
    except ValueError as exc:  # the parser's refusal (pgexpr.Unparsable)
        with _lock:
            known[key], _added = [None, str(exc)], True
        raise Refused(str(exc)) from None
    with _lock:
        known[key], _added = [value, None], True
    return value


def save() -> None:
    """Write what this process added (atomically; an unwritable folder only costs speed)."""
    global _added
    if not _added:  # the common case, every audit: nothing new, no file touched
        return
    path = _path()
    with _lock:
        if not _added or path is None or _known is None:
            return
        body, _added = json.dumps(_known, separators=(",", ":")), False
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
        with os.fdopen(fd, "w") as out:
            out.write(body)
        os.replace(temporary, path)
    except OSError:
        pass


def _entries() -> dict[str, list[object]]:
    global _known
    if _known is None:
        with _lock:
            if _known is None:
                _known = _read(_path())
    return _known


def _read(path: Path | None) -> dict[str, list[object]]:
    try:
        data = json.loads(path.read_text()) if path else {}
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) and len(data) < _LIMIT else {}


def _path() -> Path | None:
    from auditor.speccache import cache_dir

    directory = cache_dir()
    return directory / f"pgexpr-{_fingerprint()}.json" if directory else None


@cache
def _fingerprint() -> str:
    digest = hashlib.sha256(metadata.version("pglast").encode())
    for name in ("pgexpr.py", "pgmemo.py", "pgfunctions.py"):
        digest.update((Path(__file__).parent / name).read_bytes())
    return digest.hexdigest()[:16]
