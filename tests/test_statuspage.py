"""The status page's data and HTML (auditor/statuspage.py), the audit history (auditor/history.py)
and the served pages, without a browser (tests/test_statuspage_browser.py renders them in Chromium).

The HTML of a fixed audit is pinned in ``tests/golden/statuspage_*.html`` (regenerate after an
intended change with ``UPDATE_GOLDEN=1 pytest tests/test_statuspage.py`` and review the diff).
Audits run on real SQLite files; nothing is mocked but the clock.
"""
from __future__ import annotations

import io
import json
import os
import re
import sqlite3
import subprocess
import sys
import urllib.error
import urllib.request
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from auditor.audit import AuditResult, audit_target
from auditor.target import Target
from auditor.demo import build_incident_database, spec_path
from auditor.dialects import dialect_named
from auditor.history import FAILED, History, Point, drifting_since, fingerprint_changes
from auditor.serve import Exporter
from auditor.statuspage import (
    database_data, detail_html, overview_html, plan_fix, report_html, row_data, sort_rows, static_report)
from auditor.versioning import VersionCheck
from conftest import run_cli
from test_metrics import APP_SPEC, http_get, wait_for
from test_serve import CLEAN_DDL, DRIFTED_DDL, fetch, in_process, read_table, sqlite_db

REPO = Path(__file__).parent.parent
GOLDEN = Path(__file__).parent / "golden"
NOW = 1_700_000_000.0
HOSTILE = "<script>document.documentElement.setAttribute('data-pwned','1')</script>"
COMMAND_ARGS = ("--config", "/etc/schema-auditor/config.yaml")


def golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.write_text(text)
    assert text == path.read_text(), f"{name} differs (UPDATE_GOLDEN=1 regenerates it: review the diff)"


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """schema/app.yaml (a relative, stable spec label), the working directory its root."""
    (tmp_path / "schema").mkdir()
    (tmp_path / "schema" / "app.yaml").write_text(APP_SPEC)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def fixed_audits(root: Path) -> list[AuditResult]:
    """Real audits of three SQLite files: drifted (and a hostile extra table), clean, missing."""
    sqlite_db(root / "drifted.db", DRIFTED_DDL + f'; CREATE TABLE "{HOSTILE}" (id integer)')
    sqlite_db(root / "clean.db", CLEAN_DDL)
    check = VersionCheck("silent_drift", "3", "3", "recorded version 3 is the expected version, but the structure "
                         "differs")
    results = [audit_target(Target(name, f"sqlite:///{root / name}.db", "schema/app.yaml"))
               for name in ("clean", "drifted", "missing")]
    results[1] = replace(results[1], version=check)
    return results


def fixed_history() -> list[Point]:
    return [Point(NOW - 3600, "clean", 0, 0, "a"), Point(NOW - 2400, "drift", 1, 0, "b"),
            Point(NOW - 1200, FAILED, 0, 0, None), Point(NOW, "silent-drift", 2, 1, "b")]


# ---------------------------------------------------------------------------------------------
# Golden HTML and the data it is made of


def test_static_report_matches_golden_file(app: Path) -> None:
    page = static_report(fixed_audits(app), NOW, COMMAND_ARGS)
    assert [name for name in read_table(page)] == ["missing", "drifted", "clean"], "failing, then drifting first"
    golden("statuspage_report.html", page.replace(str(app), "ROOT"))


def test_detail_page_matches_golden_file(app: Path) -> None:
    result = fixed_audits(app)[1]
    data = database_data(result, fix=plan_fix(result), points=fixed_history(), last_success=NOW,
                         base_args=COMMAND_ARGS)
    assert data["drifting_since"] == "2023-11-14T21:33:20+00:00", "the failed audit neither ends nor starts it"
    assert [h["schema_changed"] for h in data["history"]] == [False, True, False, False]
    assert [t["table"] for t in data["tables"]] == ["analysis_jobs", HOSTILE], "tables with errors first"
    golden("statuspage_detail.html", detail_html(data))
    assert json.loads(json.dumps(data)) == data, "the page's data is plain JSON"


def test_detail_data_groups_drift_by_table_and_names_the_fix() -> None:
    sqlite = dialect_named("sqlite")
    from test_serve import MISSING

    data = database_data(AuditResult(Target("app", "sqlite:///app.db", "app.yaml"), sqlite, drift=(MISSING,)),
                         audited_at=NOW)
    assert data["tables"] == [{"table": "analysis_jobs", "items": [
        {"kind": "missing_column", "object": "tickers_json", "expected": "text", "actual": None,
         "severity": "error", "message": "column analysis_jobs.tickers_json (text) is missing"}]}]
    assert data["plan"] is None, "no plan without the schemas to plan from"


def test_every_value_is_escaped_and_the_page_allows_only_its_own_script(app: Path) -> None:
    results = fixed_audits(app)
    datas = [database_data(r, fix=plan_fix(r), audited_at=NOW) for r in results]
    pages = [report_html(datas, "x"), detail_html(datas[1]),
             overview_html([row_data(r) for r in results], HOSTILE, HOSTILE)]
    for page in pages:
        assert "<script>document" not in page
        assert page.count("<script") <= 1
        assert "&lt;script&gt;document.documentElement.setAttribute(&#x27;data-pwned&#x27;,&#x27;1&#x27;)" in page
        assert "script-src &#x27;sha256-" in page, "the policy allows only the filter script"


def test_filter_query_hides_the_rows_it_does_not_match_without_javascript(app: Path) -> None:
    rows = sort_rows([row_data(r) for r in fixed_audits(app)])
    page = overview_html(rows, "", "DRIFT")
    hidden = set(re.findall(r'<tr data-database="([^"]*)" data-status="[^"]*" hidden>', page))
    assert hidden == {"clean", "missing"} and 'data-database="drifted"' in page
    assert 'value="DRIFT"' in page and "1 of 3" in page


def test_fix_commands_name_the_hazards_apply_would_withhold(app: Path) -> None:
    sqlite_db(app / "wide.db", CLEAN_DDL + "; CREATE TABLE extra (id integer)")
    result = audit_target(Target("wide", f"sqlite:///{app / 'wide.db'}", "schema/app.yaml"))
    data = database_data(result, fix=plan_fix(result), base_args=COMMAND_ARGS)
    assert [c["command"] for c in data["plan"]["commands"]] == [
        "schema-auditor apply --config /etc/schema-auditor/config.yaml --db wide",
        "schema-auditor apply --config /etc/schema-auditor/config.yaml --db wide --allow-destructive"]
    assert [(c["runs"], c["withholds"]) for c in data["plan"]["commands"]] == [(0, 1), (1, 0)]
    assert data["plan"]["statements"][0]["hazards"][0]["name"] == "DELETES_DATA"


# ---------------------------------------------------------------------------------------------
# The history


def test_drifting_since_is_the_first_audit_of_the_current_drift() -> None:
    def p(at: float, status: str) -> Point:
        return Point(at, status, 1 if status != "clean" else 0, 0, None)

    assert drifting_since([]) is None
    assert drifting_since([p(1, "drift"), p(2, "clean")]) is None
    assert drifting_since([p(1, "drift"), p(2, "clean"), p(3, "drift"), p(4, FAILED), p(5, "silent-drift")]) == 3
    assert drifting_since([p(1, FAILED), p(2, "drift")]) == 2


def test_fingerprint_changes_skip_failed_audits() -> None:
    points = [Point(i, "clean", 0, 0, fp) for i, fp in enumerate(["a", None, "a", "b", None, "b", "a"])]
    assert fingerprint_changes(points) == [3, 6]


def test_history_keeps_the_last_n_and_a_restart_reads_them_back_from_the_state_dir(tmp_path: Path) -> None:
    sqlite_db(tmp_path / "app.db", DRIFTED_DDL)
    (tmp_path / "spec.yaml").write_text(APP_SPEC)
    target = Target("app", f"sqlite:///{tmp_path / 'app.db'}", str(tmp_path / "spec.yaml"))
    before = (tmp_path / "app.db").read_bytes()
    state = tmp_path / "state" / "nested"
    history = History(limit=3, state_dir=state)
    for at in range(5):
        history.record([audit_target(target)], at=NOW + at)
    assert [p.at for p in history.points("app")] == [NOW + 2, NOW + 3, NOW + 4]
    history.close()
    assert sorted(os.listdir(state)) == ["history.sqlite"]
    assert (tmp_path / "app.db").read_bytes() == before, "the audited database is never written"
    with sqlite3.connect(state / "history.sqlite") as conn:
        assert conn.execute("SELECT count(*) FROM audits").fetchone() == (3,), "the file keeps only the last N too"
    conn.close()
    again = History(limit=2, state_dir=state)
    assert [(p.at, p.status, p.errors) for p in again.points("app")] == [(NOW + 3, "drift", 2), (NOW + 4, "drift", 2)]
    again.close()
    assert History().points("app") == (), "without a state dir nothing is read"


def test_an_unusable_state_dir_is_one_line_and_exit_2(tmp_path: Path) -> None:
    (tmp_path / "spec.yaml").write_text(APP_SPEC)
    sqlite_db(tmp_path / "app.db", CLEAN_DDL)
    in_the_way = tmp_path / "a-file"
    in_the_way.write_text("not a folder")
    result = run_cli("serve", "--db", str(tmp_path / "app.db"), "--spec", str(tmp_path / "spec.yaml"),
                     "--state-dir", str(in_the_way / "state"), "--listen", "127.0.0.1:0")
    assert result.code == 2
    lines = result.err.splitlines()
    assert lines[0].startswith(f"--state-dir {in_the_way / 'state'}: cannot keep the audit history"), result.err
    assert "Traceback" not in result.err and len(lines) <= 2, result.err
    result = run_cli("serve", "--db", str(tmp_path / "app.db"), "--spec", str(tmp_path / "spec.yaml"),
                     "--history", "0", "--listen", "127.0.0.1:0")
    assert result.code == 2 and "history limit 0: must be at least 1" in result.err


# ---------------------------------------------------------------------------------------------
# The served pages


def fleet(tmp_path: Path) -> tuple[list[Target], Path]:
    (tmp_path / "spec.yaml").write_text(APP_SPEC)
    sqlite_db(tmp_path / "drifted.db", DRIFTED_DDL)
    sqlite_db(tmp_path / "clean.db", CLEAN_DDL)
    return [Target(n, f"sqlite:///{tmp_path / n}.db", str(tmp_path / "spec.yaml")) for n in ("clean", "drifted")], \
        tmp_path / "drifted.db"


def test_served_pages_json_404s_and_read_only_methods(tmp_path: Path) -> None:
    targets, drifted = fleet(tmp_path)
    exporter = Exporter(targets, interval=3600, log=io.StringIO(), command_args=("--config", "c.yaml"))
    before = drifted.read_bytes()
    with in_process(exporter) as (base, _):
        wait_for(lambda: http_get(base + "/report.json"), lambda t: json.loads(t)["databases"], "the first run")
        rows = read_table(http_get(base + "/"))
        assert list(rows) == ["drifted", "clean"], "the drifted database first"
        status, ctype, text = fetch(base + "/db/drifted.json")
        assert status == 200 and ctype == "application/json"
        data = json.loads(text)
        assert data == json.loads(json.dumps(exporter.database("drifted")))
        assert data["plan"]["commands"][0]["command"] == "schema-auditor apply --config c.yaml --db drifted"
        assert len(data["history"]) == 1 and data["drifting_since"] == data["last_audit"]
        status, ctype, page = fetch(base + "/db/drifted")
        assert status == 200 and ctype.startswith("text/html") and "ADD COLUMN tickers_json" in page
        with urllib.request.urlopen(base + "/db/drifted", timeout=5) as response:
            assert "script-src 'sha256-" in response.headers["Content-Security-Policy"]
        for path in ("/db/nope", "/db/nope.json", "/db/", "/db", "/dbdrifted", "/db/drifted/x"):
            assert fetch(base + path)[0] == 404, path
        for method in ("POST", "PUT", "DELETE", "PATCH"):
            request = urllib.request.Request(base + "/db/drifted", data=b"", method=method)
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(request, timeout=5)
            assert refused.value.code == 501, method
    assert drifted.read_bytes() == before


def test_no_page_shows_a_password() -> None:
    url = "postgresql://auditor:s3cr3t-Pa55@db.internal:5432/billing"
    target = Target("billing", url, "app.yaml")
    failed = AuditResult(target, error=f"cannot connect to {url}: password s3cr3t-Pa55 rejected")
    exporter = Exporter([target], interval=60, audit=lambda *a, **k: [failed], log=io.StringIO())
    exporter.run_once()
    data = exporter.database("billing")
    for text in (json.dumps(data), detail_html(data), exporter.page()):
        assert "s3cr3t-Pa55" not in text and "rejected" in text


def test_a_tenant_schema_is_a_row_of_the_overview() -> None:
    sqlite = dialect_named("sqlite")
    parent = Target("shop", "postgresql://x@h/shop", "app.yaml", tenant_schemas="t_*")
    from test_serve import MISSING

    tenant = AuditResult(Target("shop/t_1", parent.url, "app.yaml"), sqlite, drift=(MISSING,), tenant="t_1")
    result = AuditResult(parent, sqlite, tenant_schemas_found=1, tenants=(tenant,))
    exporter = Exporter([parent], interval=60, audit=lambda *a, **k: [result], log=io.StringIO())
    exporter.run_once()
    assert [(r["database"], r["status"]) for r in exporter.rows()] == [("shop/t_1", "drift"), ("shop", "clean")]
    assert exporter.database("shop/t_1")["tenant"] == "t_1"


def test_the_shown_fix_command_is_real_and_heals_the_database(tmp_path: Path) -> None:
    targets, drifted = fleet(tmp_path)
    config = tmp_path / "config.yaml"
    config.write_text(f"spec: spec.yaml\ndatabases:\n  drifted: {{url: 'sqlite:///{drifted}'}}\n")
    out = run_cli("audit", "--config", str(config), "--format", "html")
    assert out.code == 1
    command = f"schema-auditor apply --config {config} --db drifted"
    assert f"<code>{command}</code>" in out.out
    done = subprocess.run([sys.executable, "-m", "auditor", *command.split()[1:]], capture_output=True, text=True,
                          timeout=60, cwd=REPO, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stdout + done.stderr
    assert run_cli("audit", "--config", str(config)).code == 0


def test_200_databases_and_200_history_points_render_whole(app: Path) -> None:
    """A big fleet's pages hold every database and every point (their render time is measured by
    bench/run.py's fleet run, not here)."""
    results = fixed_audits(app)
    drifted = results[1]
    many = [replace(drifted, target=Target(f"db{i:03}", drifted.target.url, "schema/app.yaml")) for i in range(200)]
    fix = plan_fix(drifted)
    points = [Point(NOW + 60 * i, "drift" if i % 7 else "clean", i % 5, i % 3, str(i // 50)) for i in range(200)]
    overview = overview_html(sort_rows([row_data(r, points, NOW, NOW) for r in many]), "200")
    detail = detail_html(database_data(drifted, fix=fix, points=points, last_success=NOW))
    report = report_html(sort_rows([database_data(r, fix=fix, points=points) for r in many]), "200")
    assert overview.count("<tr data-database=") == 200
    assert detail.count('<g class="audit"') == 200 and detail.count('class="fingerprint-change"') == 3
    assert report.count('<section class="database"') == 200 and report.count('<g class="audit"') == 200 * 200


UNIQUE_SPEC = """\
tables:
  jobs:
    columns:
      id: {type: integer, primary_key: true}
      status: {type: text, nullable: false}
    indexes:
      ux_jobs_status: {columns: [status], unique: true}
"""


def test_the_fix_shows_the_pre_check_counts_plan_shows_and_the_hazards_to_allow(tmp_path: Path) -> None:
    (tmp_path / "spec.yaml").write_text(UNIQUE_SPEC)
    db = sqlite_db(tmp_path / "jobs.db", "CREATE TABLE jobs (id integer PRIMARY KEY, status text);"
                                         "INSERT INTO jobs VALUES (1, 'a'), (2, 'a'), (3, NULL)")
    before = db.read_bytes()
    result = audit_target(Target("jobs", f"sqlite:///{db}", str(tmp_path / "spec.yaml")))
    data = database_data(result, fix=plan_fix(result), base_args=COMMAND_ARGS)
    assert db.read_bytes() == before, "planning for the page is read-only"
    planned = json.loads(run_cli("plan", "--db", str(db), "--spec", str(tmp_path / "spec.yaml"),
                                 "--format", "json").out)["databases"][0]["statements"]
    findings = [c["finding"] for s in data["plan"]["statements"] for c in s["prechecks"]]
    assert findings == [c["finding"] for s in planned for c in s["prechecks"]] == [
        "1 row(s) of jobs have NULL status", "2 row(s) of jobs repeat a value of (status)"]
    assert [s["sql"] for s in data["plan"]["statements"]] == [s["sql"] for s in planned]
    assert data["plan"]["commands"][1]["command"] == (
        "schema-auditor apply --config /etc/schema-auditor/config.yaml --db jobs --allow-hazards "
        "ACQUIRES_ACCESS_EXCLUSIVE_LOCK,TABLE_REWRITE,MAY_FAIL_ON_EXISTING_DATA")
    page = detail_html(data)
    assert '<li class="precheck">2 row(s) of jobs repeat a value of (status)</li>' in page
    assert page.count('<span class="hazard">') == 4


def test_a_command_with_a_masked_password_says_to_put_it_back(pg_url: str) -> None:
    """``audit --db URL`` with a password: the page's command shows the URL masked, never the
    password, and says the password must be put back (as pasted, it would fail to log in)."""
    build_incident_database(pg_url)
    secret = "pw-4f9c2e7a1b"
    url = make_url(pg_url).set(password=secret).render_as_string(hide_password=False)  # trust auth ignores it
    page = run_cli("audit", "--db", url, "--spec", str(spec_path()), "--format", "html")
    assert page.code == 1, page.err
    assert secret not in page.out + page.err
    commands = re.findall(r'<pre class="command"><code>([^<]*)</code></pre>(<p class="masked">)?', page.out)
    assert commands and all(masked for _, masked in commands), commands
    assert all(":***@" in command for command, _ in commands), commands
    plain = run_cli("audit", "--db", pg_url, "--spec", str(spec_path()), "--format", "html")
    assert plain.code == 1 and '<p class="masked">' not in plain.out, "no note when nothing is masked"
