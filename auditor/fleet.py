"""Fleets: many databases audited concurrently (a bounded pool), and split into shards.

One slow or unreachable database never stops the others: each audit runs in its own worker,
errors become results, and a per-database timeout turns a hung audit into an error result.
"""
from __future__ import annotations

import hashlib
import multiprocessing
import signal
import threading
import time
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor, wait
from dataclasses import replace
from typing import Callable, Sequence

from auditor.audit import AuditResult, audit_target, expected_for, load_expected
from auditor.errors import AuditorError, ConfigError
from auditor.target import Target


def parse_shard(text: str) -> tuple[int, int]:
    """``K/N`` (1 <= K <= N) as (K, N)."""
    try:
        k, n = (int(part) for part in text.split("/"))
    except ValueError:
        raise ConfigError(f"--shard {text!r} is not K/N", "e.g. --shard 2/4 audits the second quarter") from None
    if not 1 <= k <= n:
        raise ConfigError(f"--shard {text}: K must be between 1 and N", "e.g. --shard 1/3, 2/3, 3/3")
    return k, n


def shard_of(name: str, shards: int) -> int:
    """The shard (1..shards) a database belongs to: a stable hash of its name, the same on every host."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big") % shards + 1


def select_shard(targets: Sequence[Target], shard: tuple[int, int] | None) -> list[Target]:
    """The targets of shard K of N (all of them without a shard)."""
    if shard is None:
        return list(targets)
    k, n = shard
    return [t for t in targets if shard_of(t.name, n) == k]


# Audits are CPU-bound Python for most of their time (SQLite above all), so threads share one
# core through the GIL: a large fleet is audited by worker processes instead. Small fleets keep
# threads, whose start costs nothing; so does a process with other threads running (``serve``),
# which must not fork.
PROCESS_POOL_MIN_TARGETS = 16


def audit_fleet(targets: Sequence[Target], ignore: tuple[str, ...] = (), jobs: int = 4,
                timeout: float | None = None,
                on_done: Callable[[AuditResult], None] | None = None) -> list[AuditResult]:
    """Audit every target with at most ``jobs`` at once; results in the targets' order.

    A target still running after ``timeout`` seconds is reported as an error (its worker is left
    to finish on its own: connect and statement timeouts bound it).
    """
    if jobs < 1:
        raise ConfigError(f"--jobs {jobs}: must be at least 1")
    results: dict[int, AuditResult] = {}
    started: dict[int, float] = {}

    def finish(index: int, result: AuditResult) -> None:
        results[index] = result
        if on_done:
            on_done(result)

    pool = _pool(targets, jobs)
    audit = _audit_in_worker if isinstance(pool, ProcessPoolExecutor) else audit_target
    abandoned = False
    try:
        futures = {pool.submit(audit, t, ignore): i for i, t in enumerate(targets)}
        pending = set(futures)
        while pending:
            done, pending = wait(pending, timeout=0.2 if timeout else None, return_when="FIRST_COMPLETED")
            for future in done:
                finish(futures[future], _with_expected(future.result()))
            now = time.monotonic()
            for future in pending:  # a task's clock starts when a worker takes it
                if future.running():
                    started.setdefault(futures[future], now)
            expired = {f for f in pending if futures[f] in started and now - started[futures[f]] > (timeout or 0)}
            for future in expired if timeout else ():
                target = targets[futures[future]]
                finish(futures[future], AuditResult(
                    target, error=f"{target.name}: audit did not finish within {timeout:g} s", seconds=timeout or 0))
            pending -= expired if timeout else set()
            abandoned = abandoned or bool(expired and timeout)
    except BaseException:  # Ctrl-C (or a bug): end the workers now rather than wait for their audits
        abandoned = True
        raise
    finally:
        _close(pool, abandoned)
    return [results[i] for i in range(len(targets))]


def _close(pool: Executor, abandoned: bool) -> None:
    """Shut the pool down: joined when every audit finished (so no worker outlives the run); else
    without waiting, and a worker process still stuck in an audit is ended (a thread cannot be)."""
    if abandoned and isinstance(pool, ProcessPoolExecutor):
        for child in multiprocessing.active_children():
            child.terminate()
    pool.shutdown(wait=not abandoned, cancel_futures=True)


def _pool(targets: Sequence[Target], jobs: int) -> Executor:
    """Worker processes for a large fleet (forked after the specs are loaded, so that every worker
    starts with them), else threads."""
    workers = min(jobs, max(len(targets), 1))
    if workers > 1 and len(targets) >= PROCESS_POOL_MIN_TARGETS and threading.active_count() == 1:
        for spec in {t.spec for t in targets if t.spec}:
            try:
                load_expected(spec)
            except AuditorError:
                pass  # each of its databases reports the problem
        return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork"),
                                   initializer=_leave_interrupts_to_the_parent)
    return ThreadPoolExecutor(max_workers=workers, thread_name_prefix="audit")


def _leave_interrupts_to_the_parent() -> None:
    """A worker ignores SIGINT: Ctrl-C reaches the whole process group, and a worker interrupted
    mid-task printed tracebacks and could leave the pool waiting forever; the parent ends them."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _audit_in_worker(target: Target, ignore: tuple[str, ...]) -> AuditResult:
    """An audit in a worker process, sent back without an expected schema that comes from a spec
    file: the same for every database of that spec, and unpickling it once per database was most
    of the parent's work."""
    result = audit_target(target, ignore)
    # A tenant database's expected schemas are made from its spec per tenant: they come back.
    return replace(result, expected=None) if target.source is None and not target.tenant_schemas else result


def _with_expected(result: AuditResult) -> AuditResult:
    """The result with its expected schema (from this process's spec cache) where it lacks one."""
    if result.expected is not None or result.error or result.dialect is None or not result.target.spec:
        return result
    return replace(result, expected=expected_for(result.target, result.dialect))
