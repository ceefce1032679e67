"""The status page in real headless Chromium (Debian ``chromium``): the served pages of a real
``serve`` process and the static ``audit --format html`` report from a ``file://`` URL.

The incident runs on the real Postgres (``auditor.demo.build_incident_database``: the missing
``tickers_json`` column), next to a clean SQLite database and one with a table named like a
script that would set ``data-pwned`` on the document: it must render as text, and the attribute
must never appear. Every page is also screenshot into the test's temporary folder, to look at
when a run fails. Without chromium the tests skip, except under ``CI=true``, where they fail.
"""
from __future__ import annotations

import base64
import hashlib
import html
import io
import json
import os
import re
import shlex
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from sqlalchemy import create_engine

from auditor.target import Target
from auditor.demo import EDITED_V3, build_incident_database, spec_path
from auditor.history import History
from auditor.serve import Exporter
from conftest import require_command, run_cli
from test_metrics import http_get, wait_for
from test_serve import audited, in_process, read_table, serve_process

REPO = Path(__file__).parent.parent
HOSTILE = "<script>document.documentElement.setAttribute('data-pwned','1')</script>"
HOSTILE_TEXT = "&lt;script&gt;document.documentElement.setAttribute('data-pwned','1')&lt;/script&gt;"


def browse(url: str, tmp_path: Path, name: str) -> str:
    """The DOM of ``url`` after Chromium ran its scripts; a screenshot goes to ``tmp_path/name.png``."""
    chromium = require_command("chromium")
    flags = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={tmp_path / 'chromium-profile'}"]
    env = {**os.environ, "HOME": str(tmp_path)}
    shot = tmp_path / f"{name}.png"
    taken = subprocess.run([*flags, f"--screenshot={shot}", "--window-size=1280,1600", url], capture_output=True,
                           text=True, timeout=90, stdin=subprocess.DEVNULL, env=env)
    assert taken.returncode == 0 and shot.stat().st_size > 0, taken.stderr[-3000:]
    done = subprocess.run([*flags, "--dump-dom", url], capture_output=True, text=True, timeout=90,
                          stdin=subprocess.DEVNULL, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def sqlite_incident(path: Path, *extra: str) -> str:
    """The incident's database on SQLite, healed (v3 as edited) plus ``extra`` statements."""
    url = f"sqlite:///{path}"
    build_incident_database(url)
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            for statement in (*EDITED_V3, *extra):
                conn.exec_driver_sql(statement)
    finally:
        engine.dispose()
    return url


@pytest.fixture
def incident_fleet(tmp_path: Path, pg_url: str) -> Path:
    """A config: the incident on Postgres, a clean SQLite database and the hostile one."""
    build_incident_database(pg_url)
    databases = {  # the config's order is not the page's
        "clean": {"url": sqlite_incident(tmp_path / "clean.db")},
        "incident": {"url": pg_url},
        "hostile": {"url": sqlite_incident(tmp_path / "hostile.db", f'CREATE TABLE "{HOSTILE}" (id integer)')},
    }
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump({"spec": str(spec_path()), "databases": databases}, sort_keys=False))
    return config


def statement_of(dom: str, fragment: str) -> str:
    """The ``<li class="statement">`` of the plan whose SQL contains ``fragment``."""
    found = [chunk for chunk in re.findall(r'<li class="statement">.*?</li>(?=\s*(?:<li class="statement">|</ol>))',
                                           dom, re.S) if fragment in chunk]
    assert len(found) == 1, f"{len(found)} statements with {fragment!r}"
    return found[0]


def check_incident_pages(overview: str, detail: str) -> None:
    """What both the served pages and the static report must show of the incident."""
    rows = read_table(overview)
    assert list(rows)[0] == "incident", f"the most drifted database comes first: {list(rows)}"
    assert {n: (r["status"], r["errors"]) for n, r in rows.items()} == {
        "incident": ("drift", "2"), "hostile": ("drift", "0"), "clean": ("clean", "0")}
    assert '<td class="object">tickers_json</td>' in detail
    add = statement_of(detail, "ADD COLUMN")
    assert "ALTER TABLE public.analysis_jobs ADD COLUMN IF NOT EXISTS tickers_json text;" in add
    assert '<p class="hazards none">no hazards</p>' in add, "ADD COLUMN's hazards: none, said so"
    index = statement_of(detail, "CREATE INDEX")
    assert '<span class="hazard">INDEX_BUILD</span>' in index
    for dom in (overview, detail):
        assert "data-pwned" not in dom.replace(HOSTILE_TEXT, ""), "the hostile name's script ran"


def test_served_pages_show_what_drifted_how_to_fix_it_and_a_hostile_name_as_text(
        tmp_path: Path, incident_fleet: Path) -> None:
    log = tmp_path / "serve.log"
    state = tmp_path / "state"
    with serve_process(incident_fleet, log, interval="1h", extra=("--state-dir", str(state))) as (base, proc):
        wait_for(lambda: http_get(base + "/metrics"), audited("incident", "clean", "hostile"), "the first run")
        overview = browse(base + "/", tmp_path, "overview")
        detail = browse(base + "/db/incident", tmp_path, "incident")
        check_incident_pages(overview, detail)
        hostile = browse(base + "/db/hostile", tmp_path, "hostile")
        assert HOSTILE_TEXT in hostile and "data-pwned" not in hostile.replace(HOSTILE_TEXT, "")
        assert overview.count("<script") == 1 and "<script" not in detail.replace(HOSTILE_TEXT, "")

        # The command the page shows is real: run as shown, it heals the incident.
        command = json.loads(http_get(base + "/db/incident.json"))["plan"]["commands"][0]["command"]
        assert command == f"schema-auditor apply --config {incident_fleet} --db incident"
        assert f"<code>{command}</code>" in detail
        done = subprocess.run([sys.executable, "-m", "auditor", *shlex.split(command)[1:]], capture_output=True,
                              text=True, timeout=60, cwd=REPO, stdin=subprocess.DEVNULL)
        assert done.returncode == 0, done.stdout + done.stderr
        assert run_cli("audit", "--config", str(incident_fleet), "--db", "incident").code == 0
        proc.terminate()
        assert proc.wait(timeout=10) == 0
    assert sorted(os.listdir(state)) == ["history.sqlite"], "serve --state-dir keeps its history there"


def test_static_report_passes_the_same_checks_from_a_file_url_and_filters_with_javascript(
        tmp_path: Path, incident_fleet: Path) -> None:
    report = run_cli("audit", "--config", str(incident_fleet), "--format", "html")
    assert report.code == 1, report.err
    page = tmp_path / "report.html"
    page.write_text(report.out)
    dom = browse(page.as_uri(), tmp_path, "report")
    check_incident_pages(dom, dom)
    assert f"schema-auditor apply --config {incident_fleet} --db incident" in dom
    assert "hidden" not in re.findall(r"<tr data-database=[^>]*>", dom)[0]
    filtered = browse(page.as_uri() + "?q=clean", tmp_path, "report-filtered")
    rows = dict(re.findall(r'<tr data-database="([^"]*)" data-status="[^"]*"([^>]*)>', filtered))
    assert {name: "hidden" in attrs for name, attrs in rows.items()} == {
        "incident": True, "hostile": True, "clean": False}, "the inline script filters from ?q= on a file:// URL"
    assert '<output id="shown">1 of 3</output>' in filtered
    typed = browse(typing_into_the_filter(page, "HOST"), tmp_path, "report-typed")
    rows = dict(re.findall(r'<tr data-database="([^"]*)" data-status="[^"]*"([^>]*)>', typed))
    assert {name: "hidden" in attrs for name, attrs in rows.items()} == {
        "incident": True, "hostile": False, "clean": True}, "typing in the box filters at once"
    assert '<output id="shown">1 of 3</output>' in typed


def typing_into_the_filter(page: Path, text: str) -> str:
    """A copy of ``page`` whose one extra script (allowed by its own hash) types ``text`` into the
    filter box, as a person would: the value, then an ``input`` event."""
    typist = (f"var box = document.getElementById('filter'); box.value = {json.dumps(text)};"
              "box.dispatchEvent(new Event('input'));")
    digest = "sha256-" + base64.b64encode(hashlib.sha256(typist.encode()).digest()).decode()
    policy = html.escape("script-src '")  # as the page's <meta> spells it
    text = page.read_text()
    assert text.count(policy) == 1 and text.count("</body>") == 1
    text = text.replace(policy, f"{policy}{digest}' '".replace("'", html.escape("'")))
    copy = page.with_name("typed.html")
    copy.write_text(text.replace("</body>", f"<script>{typist}</script></body>"))
    return copy.as_uri()


def test_chart_has_a_point_per_audit_and_a_marker_where_the_schema_changed_and_survives_a_restart(
        tmp_path: Path, pg_url: str) -> None:
    build_incident_database(pg_url)
    target = Target("incident", pg_url, str(spec_path()))
    state = tmp_path / "state"

    def exporter() -> Exporter:
        return Exporter([target], interval=3600, log=io.StringIO(), history=History(state_dir=state))

    first = exporter()
    with in_process(first) as (base, _):
        wait_for(lambda: str(first.snapshot.runs), lambda runs: runs == "1", "the first run")
        engine = create_engine(pg_url)
        try:
            with engine.begin() as conn:
                conn.exec_driver_sql(EDITED_V3[0])  # the column, not yet its index: the schema changed
        finally:
            engine.dispose()
        assert first.run_once() and first.run_once()
        dom = browse(base + "/db/incident", tmp_path, "chart")
        assert dom.count('<g class="audit"') == 3
        assert dom.count('class="fingerprint-change"') == 1
        history = json.loads(http_get(base + "/db/incident.json"))["history"]
        assert [(h["errors"], h["schema_changed"]) for h in history] == [(2, False), (1, True), (1, False)]
        assert json.loads(http_get(base + "/db/incident.json"))["drifting_since"] == history[0]["at"]
    first.history.close()

    again = exporter()  # a restart: the state file brings the history back
    started = time.monotonic()
    with in_process(again) as (base, _):
        wait_for(lambda: str(again.snapshot.runs), lambda runs: runs == "1", "the first run after the restart")
        history = json.loads(http_get(base + "/db/incident.json"))["history"]
        assert len(history) == 4 and [h["errors"] for h in history] == [2, 1, 1, 1]
        assert browse(base + "/db/incident", tmp_path, "chart-restarted").count('<g class="audit"') == 4
    again.history.close()
    assert time.monotonic() - started < 120
    assert sorted(os.listdir(state)) == ["history.sqlite"]
