"""``schema-auditor serve`` (auditor/serve.py): the long-running exporter.

Real processes on 127.0.0.1 only: ``python -m auditor serve`` itself, the real Prometheus server
(Debian ``prometheus``) scraping it and evaluating deploy/prometheus/alerts.yml, and headless
Chromium (Debian ``chromium``) rendering the status page. Every process is stopped in a ``finally``;
every wait is bounded. Without prometheus or chromium those tests skip, except under ``CI=true``,
where they fail (tests/services.sh installs both). The scheduler itself is tested in-process with
an injected audit, random source, clock and stop event.
"""
from __future__ import annotations

import io
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from html.parser import HTMLParser
from pathlib import Path
from typing import Iterator

import pytest
import yaml
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.parser import text_string_to_metric_families

from auditor.audit import AuditResult
from auditor.target import Target
from auditor.diff import KINDS, DriftItem
from auditor.dialects import dialect_named
from auditor.errors import ConfigError
from auditor.serve import Exporter, parse_listen, run_exporter
from auditor.versioning import VersionCheck
from conftest import run_cli
from test_metrics import APP_SPEC, free_port, http_get, require_command, serving, value, wait_for

REPO = Path(__file__).parent.parent
ALERTS = REPO / "deploy" / "prometheus" / "alerts.yml"

SPEC = APP_SPEC  # the incident's table, version 3
DRIFTED_DDL = "CREATE TABLE analysis_jobs (id integer PRIMARY KEY, status text)"
CLEAN_DDL = ("CREATE TABLE analysis_jobs (id integer PRIMARY KEY, status text, tickers_json text);"
             "CREATE INDEX idx_analysis_jobs_tickers_status ON analysis_jobs (tickers_json, status)")


# ---------------------------------------------------------------------------------------------
# Helpers


def sqlite_db(path: Path, ddl: str) -> Path:
    conn = sqlite3.connect(path)
    try:
        conn.executescript(ddl)
    finally:
        conn.close()
    return path


def fleet_config(tmp_path: Path, databases: dict[str, str | None]) -> Path:
    """A config with the spec and one SQLite database per name: DDL to create it, or None for a
    file that does not exist."""
    (tmp_path / "spec.yaml").write_text(SPEC)
    entries = {}
    for name, ddl in databases.items():
        path = tmp_path / f"{name}.db"
        if ddl is not None:
            sqlite_db(path, ddl)
        entries[name] = {"url": f"sqlite:///{path}"}
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump({"spec": "spec.yaml", "databases": entries}, sort_keys=False))
    return config


def fetch(url: str) -> tuple[int, str, str]:
    """(status, content type, body) of a GET, 4xx and 5xx included."""
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.headers["Content-Type"], response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers["Content-Type"], exc.read().decode()


def metric_samples(text: str) -> list[tuple[str, dict[str, str], float]]:
    return [(s.name, dict(s.labels), s.value)
            for family in text_string_to_metric_families(text) for s in family.samples]


def audited(*names: str):
    """A check for wait_for: /metrics has ``up`` for every one of ``names``."""
    return lambda text: all(value(text, "schema_auditor_up", database=n) is not None for n in names)


@contextmanager
def serve_process(config: Path, log: Path, interval: str = "2s",
                  extra: tuple[str, ...] = ()) -> Iterator[tuple[str, subprocess.Popen]]:
    """``python -m auditor serve`` on a free loopback port, answering /healthz; yields (base URL,
    process) and always stops it. Retries on another port if the first was taken in between."""
    env = {k: v for k, v in os.environ.items() if k != "AUDITOR_CONFIG"}
    for _ in range(3):
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        with log.open("w") as out:
            proc = subprocess.Popen(
                [sys.executable, "-m", "auditor", "serve", "--config", str(config),
                 "--listen", f"127.0.0.1:{port}", "--interval", interval, *extra],
                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=REPO, env=env)
        try:
            deadline = time.monotonic() + 20
            while proc.poll() is None and time.monotonic() < deadline:
                try:
                    http_get(base + "/healthz")
                    break
                except (urllib.error.URLError, ConnectionError, TimeoutError):
                    time.sleep(0.1)
            else:
                if proc.poll() is not None and "cannot listen" in log.read_text():
                    continue
                pytest.fail(f"serve did not answer on {base}/healthz within 20 s (exit {proc.poll()}):\n"
                            f"{log.read_text()[-2000:]}")
            yield base, proc
            return
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=10)
    pytest.fail(f"serve: no free port after 3 tries:\n{log.read_text()[-2000:]}")


def stop_with(proc: subprocess.Popen, signum: int, log: Path) -> None:
    """Send ``signum``; the process must exit 0 within 10 s."""
    proc.send_signal(signum)
    try:
        code = proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pytest.fail(f"serve did not exit within 10 s of {signal.Signals(signum).name}:\n{log.read_text()[-2000:]}")
    assert code == 0, log.read_text()


class TableReader(HTMLParser):
    """The rows of ``<table id="databases">``: database -> {cell class: text}."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[str, dict[str, str]] = {}
        self.in_table = False
        self.row: dict[str, str] | None = None
        self.cell: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "table" and a.get("id") == "databases":
            self.in_table = True
        elif self.in_table and tag == "tr" and a.get("data-database") is not None:
            self.row = self.rows.setdefault(a["data-database"] or "", {"data-status": a.get("data-status") or ""})
        elif self.row is not None and tag == "td":
            self.cell = (a.get("class") or "").split()[0]
            self.row[self.cell] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "td":
            self.cell = None
        elif tag == "tr":
            self.row = None
        elif tag == "table":
            self.in_table = False

    def handle_data(self, data: str) -> None:
        if self.row is not None and self.cell is not None:
            self.row[self.cell] += data


def read_table(page: str) -> dict[str, dict[str, str]]:
    reader = TableReader()
    reader.feed(page)
    return {name: {k: v.strip() for k, v in row.items()} for name, row in reader.rows.items()}


# ---------------------------------------------------------------------------------------------
# The real `serve` process


def test_serve_process_serves_metrics_report_page_and_health_and_exits_0_on_sigterm(tmp_path: Path) -> None:
    config = fleet_config(tmp_path, {"drifted": DRIFTED_DDL, "clean": CLEAN_DDL, "missing": None})
    log = tmp_path / "serve.log"
    with serve_process(config, log) as (base, proc):
        text = wait_for(lambda: http_get(base + "/metrics"), audited("drifted", "clean", "missing"), "the first run")
        status, ctype, _ = fetch(base + "/metrics")
        assert status == 200 and ctype == CONTENT_TYPE_LATEST
        assert [value(text, "schema_auditor_up", database=d) for d in ("drifted", "clean", "missing")] == [1, 1, 0]
        drift = {(ls["database"], ls["kind"]): v for n, ls, v in metric_samples(text)
                 if n == "schema_auditor_drift_items"}
        assert {k: v for k, v in drift.items() if v} == {("drifted", "missing_column"): 1,
                                                          ("drifted", "missing_index"): 1}
        assert {kind for database, kind in drift if database == "clean"} == set(KINDS)
        assert not [k for k in drift if k[0] == "missing"], "a failed audit has unknown drift, not 0"
        assert value(text, "schema_auditor_last_success_timestamp_seconds", database="missing") is None
        assert value(text, "schema_auditor_spec_info", database="drifted", version="3") == 1

        report = json.loads(http_get(base + "/report.json"))
        assert report["clean"] is False
        by_name = {d["database"]: d for d in report["databases"]}
        assert list(by_name) == ["drifted", "clean", "missing"]
        assert by_name["drifted"]["counts"] == {"missing_column": 1, "missing_index": 1}
        assert by_name["clean"]["drift"] == [] and "error" not in by_name["clean"]
        assert "does not exist" in by_name["missing"]["error"]

        status, ctype, page = fetch(base + "/")
        assert status == 200 and ctype.startswith("text/html")
        assert page.count("<script") == 1 and "<script>(function" in page, "one inline script: the filter"
        rows = read_table(page)
        assert {name: (row["status"], row["errors"], row["warnings"]) for name, row in rows.items()} == {
            "drifted": ("drift", "2", "0"), "clean": ("clean", "0", "0"), "missing": ("failed", "", "")}
        assert "does not exist" in rows["missing"]["error"]
        assert rows["clean"]["last-audit"].endswith("+00:00")

        assert fetch(base + "/healthz")[::2] == (200, "ok\n")
        assert fetch(base + "/nothing-here")[0] == 404

        # Another run on the 2 s interval (the scheduler keeps going), then SIGTERM.
        wait_for(lambda: log.read_text(), lambda t: "audit run 2:" in t, "the second run", seconds=10)
        stop_with(proc, signal.SIGTERM, log)
    output = log.read_text()
    assert "audit run 1: 3 database(s), 1 with drift, 1 failed" in output
    assert output.count("does not exist") == 1, "an unchanged error is logged once, not every run"
    assert "received SIGTERM, shutting down" in output


def test_serve_refuses_a_bad_listen_address_with_exit_2(tmp_path: Path) -> None:
    config = fleet_config(tmp_path, {"clean": CLEAN_DDL})
    result = run_cli("serve", "--config", str(config), "--listen", "nonsense")
    assert result.code == 2 and "--listen 'nonsense' is not HOST:PORT" in result.err
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_cli("serve", "--config", str(config), "--listen", f"127.0.0.1:{port}")
    assert result.code == 2 and f"--listen 127.0.0.1:{port}: cannot listen there" in result.err


def test_parse_listen() -> None:
    assert parse_listen("127.0.0.1:9839") == ("127.0.0.1", 9839)
    assert parse_listen("[::1]:80") == ("::1", 80)
    assert parse_listen(":9839") == ("", 9839)
    for bad in ("9839", "host:", "host:http", "::1:80", "127.0.0.1:70000"):
        with pytest.raises(ConfigError, match="is not HOST:PORT"):
            parse_listen(bad)


# ---------------------------------------------------------------------------------------------
# The real Prometheus server and the alert rules


def test_prometheus_fires_schema_drift_detected_while_drifted_and_resolves_after_apply(tmp_path: Path) -> None:
    require_command("prometheus")
    config = fleet_config(tmp_path, {"drifted": DRIFTED_DDL, "clean": CLEAN_DDL})
    rules = yaml.safe_load(ALERTS.read_text())
    shortened = 0
    for group in rules["groups"]:
        for rule in group["rules"]:
            if "for" in rule:
                rule["for"] = "1s"
                shortened += 1
    assert shortened >= 4, "the test copy must shorten the real rules' for: durations"
    (tmp_path / "alerts.yml").write_text(yaml.safe_dump(rules))

    log = tmp_path / "serve.log"
    with serve_process(config, log, interval="1s") as (serve_base, proc):
        target = serve_base.removeprefix("http://")
        (tmp_path / "prometheus.yml").write_text(yaml.safe_dump({
            "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
            "rule_files": [str(tmp_path / "alerts.yml")],
            "scrape_configs": [{"job_name": "schema_auditor", "static_configs": [{"targets": [target]}]}],
        }))
        args = [f"--config.file={tmp_path / 'prometheus.yml'}", f"--storage.tsdb.path={tmp_path / 'tsdb'}"]
        with serving("prometheus", args, "/-/ready", tmp_path / "prometheus.log") as prom:
            def drift_alerts() -> str:
                return http_get(prom + "/api/v1/alerts")

            def states(text: str) -> dict[str, str]:
                return {a["labels"].get("database", ""): a["state"] for a in json.loads(text)["data"]["alerts"]
                        if a["labels"]["alertname"] == "SchemaDriftDetected"}

            text = wait_for(drift_alerts, lambda t: states(t).get("drifted") == "firing",
                            "SchemaDriftDetected firing for drifted", seconds=60)
            assert states(text) == {"drifted": "firing"}, "the clean database raises no alert"
            alert, = (a for a in json.loads(text)["data"]["alerts"]
                      if a["labels"]["alertname"] == "SchemaDriftDetected")
            assert float(alert["value"]) == 2 and "drifted" in alert["annotations"]["summary"]

            fixed = subprocess.run([sys.executable, "-m", "auditor", "apply", "--config", str(config),
                                    "--db", "drifted", "--yes"], capture_output=True, text=True, timeout=60,
                                   cwd=REPO, stdin=subprocess.DEVNULL)
            assert fixed.returncode == 0, fixed.stdout + fixed.stderr
            wait_for(lambda: http_get(serve_base + "/metrics"),
                     lambda t: value(t, "schema_auditor_drift_items", database="drifted", kind="missing_column") == 0,
                     "a clean audit after apply", seconds=20)
            wait_for(drift_alerts, lambda t: "drifted" not in states(t), "SchemaDriftDetected resolved", seconds=60)
        stop_with(proc, signal.SIGTERM, log)


# ---------------------------------------------------------------------------------------------
# The status page in headless Chromium


def test_status_page_in_headless_chromium_shows_the_drift_table(tmp_path: Path) -> None:
    chromium = require_command("chromium")
    config = fleet_config(tmp_path, {"drifted": DRIFTED_DDL, "clean": CLEAN_DDL, "missing": None})
    log = tmp_path / "serve.log"
    with serve_process(config, log) as (base, proc):
        wait_for(lambda: http_get(base + "/metrics"), audited("drifted", "clean", "missing"), "the first run")
        profile = tmp_path / "chromium-profile"
        done = subprocess.run(
            [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={profile}", "--dump-dom", base + "/"],
            capture_output=True, text=True, timeout=90, stdin=subprocess.DEVNULL,
            env={**os.environ, "HOME": str(tmp_path)})
        assert done.returncode == 0, done.stderr[-3000:]
        rows = read_table(done.stdout)
        assert {name: (row["status"], row["errors"]) for name, row in rows.items()} == {
            "drifted": ("drift", "2"), "clean": ("clean", "0"), "missing": ("failed", "")}
        assert {name: row["data-status"] for name, row in rows.items()} == {
            "drifted": "drift", "clean": "clean", "missing": "failed"}
        assert "does not exist" in rows["missing"]["error"]
        stop_with(proc, signal.SIGINT, log)  # Ctrl-C stops it as cleanly as SIGTERM
    assert "received SIGINT, shutting down" in log.read_text()


# ---------------------------------------------------------------------------------------------
# The scheduler, in-process


SQLITE = dialect_named("sqlite")
MISSING = DriftItem("missing_column", None, "analysis_jobs", "tickers_json", "text", None,
                    "column analysis_jobs.tickers_json (text) is missing")


class RecordingStop(threading.Event):
    """A stop event whose waits return at once and are recorded; set after ``waits`` waits."""

    def __init__(self, waits: int) -> None:
        super().__init__()
        self.waits, self.delays = waits, []

    def wait(self, timeout: float | None = None) -> bool:
        self.delays.append(timeout)
        if len(self.delays) >= self.waits:
            self.set()
        return self.is_set()


class FakeClock:
    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


def test_jitter_stays_within_ten_percent_and_follows_the_random_source() -> None:
    draws = iter([0.0, 0.5, 0.999999, 1.0, -3.0, 7.0])
    exporter = Exporter([], interval=100.0, audit=lambda *a, **k: [], rand=lambda: next(draws))
    assert [round(exporter.next_interval(), 3) for _ in range(6)] == [90.0, 100.0, 110.0, 110.0, 90.0, 110.0]

    import random

    seeded = random.Random(4)
    exporter = Exporter([], interval=60.0, audit=lambda *a, **k: [], rand=seeded.random)
    intervals = [exporter.next_interval() for _ in range(2000)]
    assert all(54.0 <= i <= 66.0 for i in intervals)
    assert min(intervals) < 54.5 and max(intervals) > 65.5, "the whole ±10 % range is used"


def test_scheduler_waits_the_jittered_interval_from_each_run_start_and_runs_first_at_once() -> None:
    clock = FakeClock()
    calls: list[float] = []

    def audit(targets, ignore, *, jobs, timeout):
        calls.append(clock.now)
        clock.now += 5.0  # each run takes 5 s
        return []

    draws = iter([0.0, 1.0, 0.5])
    log = io.StringIO()
    exporter = Exporter([], interval=100.0, audit=audit, rand=lambda: next(draws), monotonic=clock, clock=clock,
                        log=log)
    stop = RecordingStop(waits=3)
    exporter.run_forever(stop)
    assert calls == [1000.0, 1005.0, 1010.0], "the first run starts at once; the fake waits take no time"
    assert stop.delays == [pytest.approx(85.0), pytest.approx(105.0), pytest.approx(95.0)]  # interval*(0.9|1.1|1) - 5
    assert log.getvalue().splitlines() == [f"audit run {n}: 0 database(s), 0 with drift, 0 failed, 5.00 s"
                                           for n in (1, 2, 3)]


def test_a_run_longer_than_the_interval_delays_the_next_instead_of_overlapping() -> None:
    clock = FakeClock()

    def slow_audit(targets, ignore, *, jobs, timeout):
        clock.now += 150.0  # longer than the (jittered) interval
        return []

    exporter = Exporter([], interval=100.0, audit=slow_audit, rand=lambda: 0.5, monotonic=clock, clock=clock,
                        log=io.StringIO())
    stop = RecordingStop(waits=2)
    exporter.run_forever(stop)
    assert stop.delays == [0.0, 0.0], "the next run starts right after the slow one, not during it"


def test_runs_never_overlap_and_a_slow_audit_is_not_reentered() -> None:
    active, overlaps, spans = [0], [0], []
    lock = threading.Lock()
    release = threading.Event()

    def slow_audit(targets, ignore, *, jobs, timeout):
        with lock:
            active[0] += 1
            overlaps[0] = max(overlaps[0], active[0])
        started = time.monotonic()
        release.wait(0.3)  # slower than the 0.05 s interval
        with lock:
            active[0] -= 1
        spans.append((started, time.monotonic()))
        return []

    exporter = Exporter([], interval=0.05, audit=slow_audit, log=io.StringIO())
    stop = threading.Event()
    scheduler = threading.Thread(target=exporter.run_forever, args=(stop,), daemon=True)
    scheduler.start()
    try:
        deadline = time.monotonic() + 5
        while active[0] == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert exporter.run_once() is False, "a run in progress is not re-entered"
        time.sleep(1.0)
    finally:
        stop.set()
        release.set()
        scheduler.join(5)
    assert not scheduler.is_alive()
    assert overlaps[0] == 1
    assert 2 <= len(spans) <= 5, spans  # about 1.3 s / 0.3 s runs, none skipped into parallel
    for (_, end), (start, _) in zip(spans, spans[1:]):
        assert start >= end, "each run starts after the previous one finished"


def test_healthz_fails_when_no_run_finished_within_three_intervals() -> None:
    clock = FakeClock()
    exporter = Exporter([], interval=10.0, audit=lambda *a, **k: [], monotonic=clock, clock=clock,
                        log=io.StringIO())
    assert exporter.health() == (True, "ok")  # starting: counted from the start
    clock.now += 31
    healthy, why = exporter.health()
    assert not healthy and "no audit run finished in 31 s" in why
    exporter.run_once()
    assert exporter.health() == (True, "ok")
    clock.now += 29
    assert exporter.health()[0]
    clock.now += 2
    assert exporter.health()[1].startswith("the last audit run finished in 31 s")


@contextmanager
def in_process(exporter: Exporter) -> Iterator[tuple[str, threading.Event]]:
    """run_exporter in a thread on a free port (it installs no signal handlers there); always stopped."""
    stop = threading.Event()
    ready: list[tuple[str, int]] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            run_exporter(exporter, "127.0.0.1:0", stop=stop, on_ready=ready.append)
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not ready and not errors and time.monotonic() < deadline:
            time.sleep(0.01)
        assert ready and not errors, errors
        yield f"http://127.0.0.1:{ready[0][1]}", stop
    finally:
        stop.set()
        thread.join(10)
    assert not thread.is_alive(), "run_exporter returns once stop is set"
    assert not errors, errors


def test_last_success_survives_a_failed_run_in_metrics() -> None:
    target = Target("app", "sqlite:///app.db")
    clock = FakeClock(1_700_000_000.0)
    results = iter([AuditResult(target, SQLITE, drift=(MISSING,), seconds=0.01)])

    def audit(targets, ignore, *, jobs, timeout):
        clock.now += 60
        return [next(results, AuditResult(target, error="app: cannot connect: connection refused", seconds=2.0))]

    exporter = Exporter([target], interval=0.05, audit=audit, clock=clock, log=io.StringIO())
    with in_process(exporter) as (base, _):
        text = wait_for(lambda: http_get(base + "/metrics"),
                        lambda t: (value(t, "schema_auditor_last_run_timestamp_seconds", database="app") or 0)
                        >= 1_700_000_000.0 + 180, "two failed runs after the success")
        assert value(text, "schema_auditor_up", database="app") == 0
        assert value(text, "schema_auditor_last_success_timestamp_seconds", database="app") == 1_700_000_060.0
        assert value(text, "schema_auditor_drift_items", database="app", kind="missing_column") is None
        rows = read_table(http_get(base + "/"))
        assert rows["app"]["status"] == "failed" and "connection refused" in rows["app"]["error"]
        assert fetch(base + "/healthz")[0] == 200


def test_status_page_marks_silent_drift_and_says_why() -> None:
    target = Target("app", "sqlite:///app.db")
    check = VersionCheck("silent_drift", "3", "3", "recorded version 3 is the expected version, but the "
                         "structure differs: column analysis_jobs.tickers_json (text) is missing")
    exporter = Exporter([target], interval=60, log=io.StringIO(),
                        audit=lambda *a, **k: [AuditResult(target, SQLITE, drift=(MISSING,), version=check)])
    with in_process(exporter) as (base, _):
        wait_for(lambda: http_get(base + "/report.json"), lambda t: json.loads(t)["databases"], "the first run")
        row = read_table(http_get(base + "/"))["app"]
        assert row["status"] == "silent-drift" and row["errors"] == "1"
        assert row["error"].startswith("CRITICAL silent_drift: recorded version 3 is the expected version")
        report = json.loads(http_get(base + "/report.json"))
        assert report["databases"][0]["version"]["status"] == "silent_drift"


def test_before_the_first_run_serves_what_is_known_and_escapes_names() -> None:
    name = '<b>"prod" & co</b>'
    target = Target(name, "sqlite:///prod.db")
    release = threading.Event()

    def audit(targets, ignore, *, jobs, timeout):
        release.wait(10)
        return [AuditResult(target, SQLITE, drift=(MISSING,))]

    exporter = Exporter([target], interval=60, audit=audit, log=io.StringIO())
    with in_process(exporter) as (base, _):
        status, ctype, text = fetch(base + "/metrics")
        assert status == 200 and ctype == CONTENT_TYPE_LATEST
        assert metric_samples(text) == [] and "# TYPE schema_auditor_up gauge" in text
        assert json.loads(http_get(base + "/report.json")) == {"clean": False, "databases": []}
        page = http_get(base + "/")
        assert "<b>" not in page and "&lt;b&gt;&quot;prod&quot; &amp; co&lt;/b&gt;" in page
        assert read_table(page)[name]["status"] == "pending"
        assert fetch(base + "/healthz")[::2] == (200, "ok\n")

        release.set()
        text = wait_for(lambda: http_get(base + "/metrics"), audited(name), "the first run")
        assert value(text, "schema_auditor_drift_items", database=name, kind="missing_column") == 1
        assert read_table(http_get(base + "/"))[name]["status"] == "drift"
    assert fetch_refused(base)


def fetch_refused(base: str) -> bool:
    """After shutdown nothing answers on the port any more."""
    try:
        http_get(base + "/healthz")
    except (urllib.error.URLError, ConnectionError):
        return True
    return False


def test_log_and_page_never_show_a_password() -> None:
    url = "postgresql://auditor:s3cr3t-Pa55@db.internal:5432/billing"
    target = Target("postgresql://auditor:***@db.internal:5432/billing", url)
    failed = AuditResult(target, error=f"cannot connect to {url}: password s3cr3t-Pa55 rejected")
    log = io.StringIO()
    exporter = Exporter([target], interval=60, audit=lambda *a, **k: [failed], log=log)
    assert exporter.run_once() is True
    page = exporter.page()
    for text in (log.getvalue(), page):
        assert "s3cr3t-Pa55" not in text and "rejected" in text
    assert "1 failed" in log.getvalue()
