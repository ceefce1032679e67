"""``schema-auditor serve``: the long-running exporter.

One scheduler thread audits every database on the interval (first run at start, ±10 % jitter so
many exporters do not audit in step, never two runs at once: a run longer than the interval delays
the next one). Each finished run replaces an immutable :class:`Snapshot` (the latest result per
database, each database's last success and, for a drifted one, the plan that fixes it, planned
read-only after the audit), which a stdlib ``ThreadingHTTPServer`` serves; every run also adds a
point to each database's bounded :class:`auditor.history.History`:

- ``/metrics``: the Prometheus exposition of the snapshot, a fresh registry per scrape
  (:func:`auditor.metrics.build_registry`), so ``last_success`` survives failed runs;
- ``/healthz``: 200 ``ok`` while the scheduler is alive and a run finished within 3 intervals;
- ``/``: the status page (``auditor.statuspage``: every database, failing and drifting first;
  ``?q=`` filters), ``/db/NAME``: one database's drift, fix and history, ``/db/NAME.json`` the
  same as JSON, ``/report.json``: the audit report as JSON. Anything else is 404, and nothing
  answers but GET and HEAD: no endpoint changes a database.

SIGTERM, SIGINT (when running in the main thread) or the caller's ``stop`` event shut it down.
"""
from __future__ import annotations

import ipaddress
import json
import random
import signal
import socket
import sys
import threading
import time
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import MappingProxyType
from typing import Any, Callable, Mapping, Sequence, TextIO
from urllib.parse import parse_qs, unquote

from prometheus_client.exposition import CONTENT_TYPE_LATEST

from auditor import metrics, statuspage
from auditor.audit import AuditResult, with_tenants
from auditor.errors import ConfigError
from auditor.fleet import audit_fleet
from auditor.history import DEFAULT_LIMIT, History
from auditor.redact import redact, redact_output, url_secrets
from auditor.report import audit_json
from auditor.target import Target

JITTER = 0.10              # each interval is stretched or shrunk by up to 10 %
STALE_INTERVALS = 3        # /healthz fails when no run finished for this many intervals
SHUTDOWN_WAIT = 5.0        # seconds to wait for a run in progress at shutdown before abandoning it

AuditFn = Callable[..., list[AuditResult]]


@dataclass(frozen=True)
class Snapshot:
    """What the last finished run found; replaced whole, never changed in place."""

    results: tuple[AuditResult, ...] = ()
    finished: float | None = None                 # wall clock (Unix time) the run finished
    finished_monotonic: float | None = None
    seconds: float = 0.0                          # how long the run took
    runs: int = 0                                 # runs finished since start
    last_success: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))
    fixes: Mapping[str, statuspage.Fix] = field(default_factory=lambda: MappingProxyType({}))  # per drifted database


class Exporter:
    """The audit state and its scheduler; the HTTP side only reads :attr:`snapshot`.

    ``audit`` (``audit_fleet``'s signature), ``rand`` (uniform in [0, 1)), ``clock`` and
    ``monotonic`` are injectable for tests. ``history`` keeps the last audits per database (in
    memory unless it was given a state folder); ``command_args`` select the config in the fix
    command the status page shows (``--config FILE``).
    """

    def __init__(self, targets: Sequence[Target], ignore: tuple[str, ...] = (), *, interval: float = 900.0,
                 jobs: int = 4, timeout: float | None = 120.0, detail: bool = False, log: TextIO = sys.stderr,
                 audit: AuditFn = audit_fleet, rand: Callable[[], float] = random.random,
                 clock: Callable[[], float] = time.time,
                 monotonic: Callable[[], float] = time.monotonic, history: History | None = None,
                 command_args: Sequence[str] = ()) -> None:
        if not interval > 0:
            raise ConfigError(f"--interval {interval:g}: must be positive", "e.g. --interval 5m")
        if jobs < 1:
            raise ConfigError(f"--jobs {jobs}: must be at least 1")
        self.targets = list(targets)
        self.ignore = ignore
        self.interval = float(interval)
        self.jobs, self.timeout, self.detail, self.log = jobs, timeout, detail, log
        self._audit, self._rand, self._clock, self._monotonic = audit, rand, clock, monotonic
        self._running = threading.Lock()          # held for the whole of a run: runs never overlap
        self._log_lock = threading.Lock()
        self._errors: dict[str, str] = {}         # the last error logged per database
        self.started_monotonic = monotonic()
        self.snapshot = Snapshot()
        self.history = history if history is not None else History(clock=clock)
        self.command_args = tuple(command_args)
        self.scheduler: threading.Thread | None = None

    # --- the scheduler ----------------------------------------------------------------------

    def next_interval(self) -> float:
        """The interval with jitter: uniformly within ±10 %."""
        fraction = min(max(self._rand(), 0.0), 1.0)
        return self.interval * (1 + JITTER * (2 * fraction - 1))

    def run_once(self) -> bool:
        """Audit every database and publish the results; False (and nothing done) when a run is
        already in progress."""
        if not self._running.acquire(blocking=False):
            return False
        try:
            started = self._monotonic()
            results = with_tenants(self._audit(self.targets, self.ignore, jobs=self.jobs, timeout=self.timeout))
            fixes = {r.target.name: fix for r in results if (fix := statuspage.plan_fix(r)) is not None}
            finished, finished_monotonic = self._clock(), self._monotonic()
            previous = self.snapshot
            last_success = dict(previous.last_success)
            last_success.update({r.target.name: finished for r in results if r.error is None})
            self.snapshot = Snapshot(tuple(results), finished, finished_monotonic,
                                     finished_monotonic - started, previous.runs + 1,
                                     MappingProxyType(last_success), MappingProxyType(fixes))
            self.history.record(results, finished)
            self._log_run(self.snapshot)
            return True
        finally:
            self._running.release()

    def run_forever(self, stop: threading.Event) -> None:
        """Run now, then every jittered interval after the previous run started (or right after
        it finished, if it took longer), until ``stop`` is set."""
        while not stop.is_set():
            started = self._monotonic()
            try:
                self.run_once()
            except Exception as exc:  # noqa: BLE001 - one bad run must not end the exporter
                self.say(f"audit run failed: {type(exc).__name__}: {redact(str(exc))}")
            stop.wait(max(0.0, started + self.next_interval() - self._monotonic()))

    def _log_run(self, snap: Snapshot) -> None:
        drifted = sum(1 for r in snap.results if r.drift)
        failed = [r for r in snap.results if r.error]
        self.say(f"audit run {snap.runs}: {len(snap.results)} database(s), {drifted} with drift, "
                 f"{len(failed)} failed, {snap.seconds:.2f} s")
        # An error is logged when it appears or changes, not at every run.
        errors = {r.target.name: _masked_error(r) for r in failed}
        for name, error in errors.items():
            if self._errors.get(name) != error:
                for line in error.splitlines() or [f"{name}: failed"]:
                    self.say(f"  {line}")
        for name in self._errors.keys() - errors.keys():
            self.say(f"  {name}: audited again after failing")
        self._errors = errors

    def say(self, line: str) -> None:
        with self._log_lock:
            try:
                self.log.write(redact(line) + "\n")
                self.log.flush()
            except (OSError, ValueError):  # a closed log must not stop the audits
                pass

    # --- what the HTTP side serves ----------------------------------------------------------

    def health(self) -> tuple[bool, str]:
        """(healthy, why): the scheduler runs and a run finished within 3 intervals (counted from
        the start until the first run finishes)."""
        if self.scheduler is not None and not self.scheduler.is_alive():
            return False, "the audit scheduler is not running"
        snap = self.snapshot
        since = snap.finished_monotonic if snap.finished_monotonic is not None else self.started_monotonic
        age, limit = self._monotonic() - since, STALE_INTERVALS * self.interval
        if age > limit:
            what = "no audit run finished" if snap.runs == 0 else "the last audit run finished"
            return False, f"{what} in {age:.0f} s (more than {STALE_INTERVALS} intervals of {self.interval:g} s)"
        return True, "ok"

    def metrics_text(self) -> bytes:
        snap = self.snapshot
        registry = metrics.build_registry(snap.results, detail=self.detail, previous_success=snap.last_success,
                                          now=lambda: snap.finished or 0.0)
        return metrics.render(registry).encode("utf-8")

    def report_json(self) -> str:
        results = self.snapshot.results
        clean = bool(results) and not any(r.error or r.failing() for r in results)
        return audit_json(results, clean)

    def rows(self) -> list[dict[str, Any]]:
        """The overview's rows, failing and drifting databases first."""
        snap = self.snapshot
        if not snap.runs:
            return [statuspage.pending_row(t.name) for t in self.targets]
        return statuspage.sort_rows([statuspage.row_data(r, self.history.points(r.target.name),
                                                         snap.last_success.get(r.target.name), snap.finished)
                                     for r in snap.results])

    def page(self, query: str = "") -> str:
        """The overview page ``/`` (``query``: the ``?q=`` filter)."""
        snap = self.snapshot
        rows = self.rows()
        if snap.runs:
            summary = (f"{statuspage.summary_line(rows, snap.finished)} ({snap.seconds:.2f} s); "
                       f"audits every {self.interval:g} s.")
        else:
            summary = f"{len(self.targets)} database(s); the first audit run is in progress."
        return statuspage.overview_html(rows, summary, query)

    def database(self, name: str) -> dict[str, Any] | None:
        """The data of one database's page (``/db/NAME`` and ``/db/NAME.json``); None if unknown."""
        snap = self.snapshot
        result = next((r for r in snap.results if r.target.name == name), None)
        if result is None:
            return None
        return statuspage.database_data(result, fix=snap.fixes.get(name), points=self.history.points(name),
                                        last_success=snap.last_success.get(name), audited_at=snap.finished,
                                        base_args=self.command_args)


def _masked_error(result: AuditResult) -> str:
    return redact(result.error or "", url_secrets(result.target.url))


# --- HTTP ---------------------------------------------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    server_version = "schema-auditor"
    exporter: Exporter  # set on the subclass made per server

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self._answer(body=True)

    def do_HEAD(self) -> None:  # noqa: N802
        self._answer(body=False)

    def _answer(self, body: bool) -> None:
        path, _, query = self.path.partition("?")
        try:
            if path == "/metrics":
                status, ctype, data = HTTPStatus.OK, CONTENT_TYPE_LATEST, self.exporter.metrics_text()
            elif path == "/healthz":
                healthy, why = self.exporter.health()
                status = HTTPStatus.OK if healthy else HTTPStatus.SERVICE_UNAVAILABLE
                ctype, data = "text/plain; charset=utf-8", f"{why}\n".encode()
            elif path == "/report.json":
                status, ctype = HTTPStatus.OK, "application/json"
                data = (self.exporter.report_json() + "\n").encode()
            elif path in ("/", "/index.html"):
                asked = parse_qs(query).get("q", [""])[0]
                status, ctype, data = HTTPStatus.OK, "text/html; charset=utf-8", self.exporter.page(asked).encode()
            elif path.startswith("/db/") and (page := self._database_page(path[len("/db/"):])) is not None:
                status, (ctype, data) = HTTPStatus.OK, page
            else:
                status, ctype, data = HTTPStatus.NOT_FOUND, "text/plain; charset=utf-8", b"not found\n"
        except Exception as exc:  # noqa: BLE001 - a broken page must not kill the server
            self.exporter.say(f"{path}: {type(exc).__name__}: {redact(str(exc))}")
            status, ctype = HTTPStatus.INTERNAL_SERVER_ERROR, "text/plain; charset=utf-8"
            data = f"internal error: {type(exc).__name__}\n".encode()
        data = redact_output(data.decode("utf-8")).encode("utf-8")  # the last word on every page
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        if ctype.startswith("text/html"):
            self.send_header("Content-Security-Policy", statuspage.CSP + "; frame-ancestors 'none'")
            self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        if body:
            self.wfile.write(data)

    def _database_page(self, rest: str) -> tuple[str, bytes] | None:
        """``/db/NAME`` (HTML) or ``/db/NAME.json``, NAME percent-encoded; None for an unknown NAME.
        (Should databases ``X`` and ``X.json`` both exist, ``/db/X.json`` is the JSON of ``X``.)"""
        if rest.endswith(".json"):
            data = self.exporter.database(unquote(rest[: -len(".json")]))
            if data is not None:
                return "application/json", (json.dumps(data, indent=2) + "\n").encode()
        data = self.exporter.database(unquote(rest))
        return None if data is None else ("text/html; charset=utf-8", statuspage.detail_html(data).encode())

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - no access log per scrape
        pass


def parse_listen(listen: str) -> tuple[str, int]:
    """``HOST:PORT``, ``[IPv6]:PORT`` or ``:PORT`` (every interface) as (host, port)."""
    host, sep, port_text = listen.strip().rpartition(":")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    elif ":" in host:
        sep = ""  # an IPv6 address needs brackets
    try:
        port = int(port_text)
    except ValueError:
        port = -1
    if not sep or not 0 <= port <= 65535:
        raise ConfigError(f"--listen {listen!r} is not HOST:PORT",
                          "e.g. --listen 127.0.0.1:9839, --listen 0.0.0.0:9839 or --listen [::1]:9839")
    return host, port


def bind(listen: str, exporter: Exporter) -> ThreadingHTTPServer:
    """The HTTP server, bound and listening (not yet serving); ConfigError if it cannot bind."""
    host, port = parse_listen(listen)
    try:
        family = socket.AF_INET6 if ipaddress.ip_address(host).version == 6 else socket.AF_INET
    except ValueError:
        family = socket.AF_INET  # a host name, or "" for every interface

    class Server(ThreadingHTTPServer):
        address_family = family
        daemon_threads = True

    handler = type("Handler", (_Handler,), {"exporter": exporter})
    try:
        return Server((host, port), handler)
    except OSError as exc:
        raise ConfigError(f"--listen {listen}: cannot listen there: {exc.strerror or exc}",
                          "pick a free port and an address of this host") from None


def run_exporter(exporter: Exporter, listen: str, *, stop: threading.Event | None = None,
                 on_ready: Callable[[tuple[str, int]], None] | None = None) -> int:
    """Serve ``exporter`` on ``listen`` and run its scheduler until SIGTERM/SIGINT or ``stop``;
    returns 0. ``on_ready`` receives the bound (host, port)."""
    server = bind(listen, exporter)
    stop = stop if stop is not None else threading.Event()
    received: list[str] = []
    previous_handlers: dict[int, Any] = {}
    http = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2},
                            name="serve-http", daemon=True)
    scheduler = exporter.scheduler = threading.Thread(target=exporter.run_forever, args=(stop,),
                                                      name="audit-scheduler", daemon=True)
    try:
        previous_handlers = _install_signal_handlers(stop, received)
        http.start()
        scheduler.start()
        host, port = server.server_address[:2]
        exporter.say(f"serving http://{_hostport(str(host), int(port))}/ : {len(exporter.targets)} database(s), "
                     f"audited every {exporter.interval:g} s")
        if on_ready:
            on_ready((str(host), int(port)))
        while not stop.wait(0.5):
            pass
        exporter.say(f"received {received[0]}, shutting down" if received else "shutting down")
    finally:
        stop.set()
        if http.is_alive():
            server.shutdown()  # waits for serve_forever to return: only when it runs
        server.server_close()
        for signum, handler in previous_handlers.items():
            signal.signal(signum, handler if handler is not None else signal.SIG_DFL)
        if scheduler.is_alive():
            scheduler.join(SHUTDOWN_WAIT)
            if scheduler.is_alive():
                exporter.say(f"abandoning the audit run in progress after {SHUTDOWN_WAIT:g} s")
    return 0


def _hostport(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _install_signal_handlers(stop: threading.Event, received: list[str]) -> dict[int, Any]:
    """SIGTERM and SIGINT set ``stop`` (and name themselves in ``received``); only possible, and
    only done, in the main thread. Returns the previous handlers."""
    if threading.current_thread() is not threading.main_thread():
        return {}

    def handle(signum: int, _frame: object) -> None:  # no locks here: it interrupts the main thread
        received.append(signal.Signals(signum).name)
        stop.set()

    return {signum: signal.signal(signum, handle) for signum in (signal.SIGTERM, signal.SIGINT)}


def serve(targets: list[Target], ignore: tuple[str, ...], *, listen: str = "127.0.0.1:9839",
          interval: float = 900.0, jobs: int = 4, timeout: float = 120.0, detail: bool = False,
          log: TextIO = sys.stderr, stop: threading.Event | None = None, state_dir: str | None = None,
          history_limit: int = DEFAULT_LIMIT, command_args: Sequence[str] = ()) -> int:
    """Audit ``targets`` every ``interval`` seconds and serve the results on ``listen`` until
    SIGTERM, SIGINT or ``stop``; returns 0. The last ``history_limit`` audits per database are
    kept in memory and, with ``state_dir``, in ``state_dir/history.sqlite``. A bad ``listen`` or an
    unusable ``state_dir`` raises ConfigError."""
    parse_listen(listen)  # a bad address is refused before any file is made
    history = History(history_limit, state_dir)
    try:
        exporter = Exporter(targets, ignore, interval=interval, jobs=jobs, timeout=timeout, detail=detail, log=log,
                            history=history, command_args=command_args)
        return run_exporter(exporter, listen, stop=stop)
    finally:
        history.close()
