"""Pausing Python's cyclic garbage collector around bursts of allocation.

Loading a large spec or reading a large catalog makes hundreds of thousands of objects, none of
them garbage; each automatic collection walks them all again, which made a 2,000-table audit
markedly slower. Reference counting still frees everything as usual while paused; only cycle
detection waits until the last paused section (of any thread) ends.
"""
from __future__ import annotations

import gc
import threading
from contextlib import contextmanager
from typing import Iterator

_lock = threading.Lock()
_depth = 0
_resume = False


@contextmanager
def paused_collection() -> Iterator[None]:
    """Run the body with automatic garbage collection off, restoring it afterwards (nestable and
    thread-safe: collection resumes when the last paused section ends, if it was on before)."""
    global _depth, _resume
    with _lock:
        if _depth == 0:
            _resume = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _resume:
                gc.enable()
