"""The status page: what drifted, how to fix it, and since when.

Two steps, both pure: a *data builder* turns audit results (with their plans and history) into
plain JSON-ready dicts (``overview_data``, ``database_data``: ``/db/NAME.json`` serves the
latter as it is), and *renderers* turn those dicts into self-contained HTML (``overview_html``,
``detail_html``, ``report_html`` for ``audit --format html``), with an inline SVG chart of the
history. No external file, no JavaScript build: one small inline script filters the overview
instantly; without it the ``?q=`` filter works on the server. Every value goes through
``html.escape``; a Content-Security-Policy allows only that one script (by its hash).

The one impure helper is :func:`plan_fix`: it plans a result's fix, read-only (the planner and
the pre-check counts, exactly as ``plan`` does).
"""
from __future__ import annotations

import base64
import hashlib
import html
import shlex
from dataclasses import dataclass, field
from datetime import datetime, timezone
from types import MappingProxyType
from typing import Any, Callable, Mapping, Sequence
from urllib.parse import quote

from auditor.apply import count_violations, split_plan
from auditor.audit import AuditResult
from auditor.redact import redact, redact_url, url_secrets
from auditor.hazards import DESTRUCTIVE, HAZARDS, allowed_hazards
from auditor.history import CLEAN, DRIFT, FAILED, PENDING, SILENT_DRIFT, Point, drifting_since, \
    fingerprint_changes, status_of
from auditor.plan import Precheck, Statement
from auditor.report import not_audited_line
from auditor.rows import plan_of
from auditor.versioning import version_line

# Failing and drifting databases first.
STATUS_ORDER = {FAILED: 0, SILENT_DRIFT: 1, DRIFT: 2, PENDING: 3, CLEAN: 4}
Data = dict[str, Any]


# --- plans ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fix:
    """The plan that would fix a database, with its pre-check counts (or why it could not be made)."""

    statements: tuple[Statement, ...] = ()
    violations: Mapping[Precheck, int] = field(default_factory=lambda: MappingProxyType({}))
    error: str | None = None


def plan_fix(result: AuditResult) -> Fix | None:
    """The fix of a drifted result, planned read-only as ``plan`` does; None when there is no
    drift to fix (or the audit failed). A failure to plan is the fix's error, never raised."""
    if result.error or not result.drift or result.expected is None or result.actual is None:
        return None
    try:
        statements = plan_of(result, result.target.apply.concurrent_indexes is not False)
        return Fix(tuple(statements), MappingProxyType(count_violations(result.target, statements)))
    except Exception as exc:  # noqa: BLE001 - a plan that cannot be made must not hide the drift
        return Fix(error=_masked(result, f"{type(exc).__name__}: {exc}"))


# --- data -----------------------------------------------------------------------------------


def iso(timestamp: float | None) -> str | None:
    """A Unix time as ISO 8601 in UTC, to the second (None stays None)."""
    if timestamp is None:
        return None
    return datetime.fromtimestamp(timestamp, timezone.utc).isoformat(timespec="seconds")


def _masked(result: AuditResult, text: str) -> str:
    return redact(text, url_secrets(result.target.url))


def _counts(result: AuditResult) -> tuple[int, int]:
    errors = sum(1 for item in result.drift if item.severity == "error")
    return errors, len(result.drift) - errors


def row_data(result: AuditResult, points: Sequence[Point] = (), last_success: float | None = None,
             audited_at: float | None = None) -> Data:
    """One overview row: the database's status, counts, version verdict and times."""
    errors, warnings = _counts(result)
    failed = bool(result.error)
    version = result.version
    return {
        "database": result.target.name,
        "tenant": result.tenant,
        "status": status_of(result),
        "errors": None if failed else errors,
        "warnings": None if failed else warnings,
        "version": version.status if version else None,
        "version_line": (version_line(version) or None) if version else None,
        "error": _masked(result, result.error) if result.error else None,
        "last_audit": iso(points[-1].at if points else audited_at),
        "last_success": iso(last_success),
        "drifting_since": iso(drifting_since(points)),
    }


def pending_row(name: str) -> Data:
    """An overview row for a database whose first audit is still running."""
    return {"database": name, "tenant": None, "status": PENDING, "errors": None, "warnings": None,
            "version": None, "version_line": None, "error": None, "last_audit": None, "last_success": None,
            "drifting_since": None}


def sort_rows(rows: Sequence[Data]) -> list[Data]:
    """Failed, silently drifted and drifted databases first (most errors first), then by name."""
    return sorted(rows, key=lambda r: (STATUS_ORDER.get(r["status"], 9), -(r["errors"] or 0), r["database"]))


def apply_commands(result: AuditResult, statements: Sequence[Statement], base_args: Sequence[str]) -> list[Data]:
    """The commands that fix the database: ``apply`` as configured (what it runs, what it withholds),
    and, when it withholds something, the one that also runs that (naming the hazards to allow).
    ``base_args`` are the options that select the config or spec (``--config FILE``)."""
    target = result.target
    database = target.name[: -len(result.tenant) - 1] if result.tenant else target.name
    select = list(base_args) or ["--db", redact_url(target.url), "--spec", target.spec or "SPEC"]
    if base_args:
        select += ["--db", database]
    command = ["schema-auditor", "apply", *select]
    # A URL given on the command line is shown masked: say so, or the command fails to log in as pasted.
    masked = not base_args and redact_url(target.url) != target.url
    allowed = allowed_hazards(target.apply.allow_hazards or (), bool(target.apply.allow_destructive))
    runnable, withheld = split_plan(list(statements), allowed)
    commands = [{"command": shlex.join(command), "runs": len(runnable), "withholds": len(withheld), "masked": masked}]
    needed = {h for w in withheld if not w.statement.manual for h in w.statement.hazards} - allowed
    if needed:
        extra = [h for h in HAZARDS if h in needed and h not in DESTRUCTIVE]
        more = command + (["--allow-hazards", ",".join(extra)] if extra else []) + \
            (["--allow-destructive"] if needed & DESTRUCTIVE else [])
        manual = sum(1 for w in withheld if w.statement.manual)
        commands.append({"command": shlex.join(more), "runs": len(statements) - manual, "withholds": manual,
                         "masked": masked})
    return commands


def _statement_data(statement: Statement, violations: Mapping[Precheck, int]) -> Data:
    return {
        "sql": statement.sql,
        "summary": statement.summary,
        "fixes": {"kind": statement.fixes.kind, "table": statement.fixes.label, "name": statement.fixes.name},
        "hazards": [{"name": h, "meaning": HAZARDS.get(h, "")} for h in statement.hazards],
        "manual": statement.manual,
        "own_transaction": statement.own_transaction,
        "prechecks": [{"sql": p.sql, "message": p.message, "violations": violations.get(p),
                       "finding": p.describe(violations[p]) if p in violations else None}
                      for p in statement.prechecks],
    }


def plan_data(result: AuditResult, fix: Fix | None, base_args: Sequence[str]) -> Data | None:
    """The plan section: its statements with hazards and pre-check counts, and the commands."""
    if fix is None:
        return None
    if fix.error:
        return {"error": fix.error, "statements": [], "commands": []}
    return {"error": None, "statements": [_statement_data(s, fix.violations) for s in fix.statements],
            "commands": apply_commands(result, fix.statements, base_args)}


def history_data(points: Sequence[Point]) -> list[Data]:
    """The history points, oldest first, each saying whether the schema changed there."""
    changed = set(fingerprint_changes(points))
    return [{"at": iso(p.at), "time": p.at, "status": p.status, "errors": p.errors if p.status != FAILED else None,
             "warnings": p.warnings if p.status != FAILED else None, "fingerprint": p.fingerprint,
             "schema_changed": i in changed} for i, p in enumerate(points)]


def database_data(result: AuditResult, *, fix: Fix | None = None, points: Sequence[Point] = (),
                  last_success: float | None = None, audited_at: float | None = None,
                  base_args: Sequence[str] = ()) -> Data:
    """Everything the database's page shows (and ``/db/NAME.json`` serves)."""
    data = row_data(result, points, last_success, audited_at)
    # Tables with errors first, then by name; in a table, errors first.
    worst = {i.table_key: 0 for i in result.drift if i.severity == "error"}
    items = sorted(result.drift, key=lambda i: (worst.get(i.table_key, 1), i.table_key, i.severity != "error",
                                                i.kind, i.name or ""))
    tables: dict[str, list[Data]] = {}
    for item in items:
        tables.setdefault(item.label, []).append(
            {"kind": item.kind, "object": item.name, "expected": item.expected, "actual": item.actual,
             "severity": item.severity, "message": item.message})
    data.update({
        "dialect": result.dialect.name if result.dialect else None,
        "spec": result.target.spec,
        "version_check": result.version.to_dict() if result.version else None,
        "tenant_schemas_found": result.tenant_schemas_found,
        "not_audited": dict(sorted(result.not_audited.items(), key=lambda kv: (-kv[1], kv[0]))),
        "tables": [{"table": table, "items": rows} for table, rows in tables.items()],
        "plan": plan_data(result, fix, base_args),
        "history": history_data(points),
    })
    return data


# --- HTML -----------------------------------------------------------------------------------


def _e(value: object) -> str:
    """Any value as HTML text (None as empty)."""
    return html.escape("" if value is None else str(value), quote=True)


def _time(text: str | None) -> str:
    return f'<time datetime="{_e(text)}">{_e(text)}</time>' if text else '<span class="none">&mdash;</span>'


def _count(value: int | None) -> str:
    return "" if value is None else str(value)


FILTER_SCRIPT = """(function () {
  var box = document.getElementById("filter");
  var table = document.getElementById("databases");
  if (!box || !table) { return; }
  var rows = table.querySelectorAll("tbody tr[data-database]");
  var shown = document.getElementById("shown");
  var asked = new URLSearchParams(window.location.search).get("q");
  if (asked !== null && !box.value) { box.value = asked; }
  function apply() {
    var text = box.value.trim().toLowerCase(), count = 0;
    rows.forEach(function (row) {
      var hit = !text || (row.dataset.database + " " + row.dataset.status).toLowerCase().indexOf(text) >= 0;
      row.hidden = !hit;
      count += hit ? 1 : 0;
    });
    if (shown) { shown.textContent = count + " of " + rows.length; }
  }
  box.addEventListener("input", apply);
  apply();
})();"""
SCRIPT_HASH = "sha256-" + base64.b64encode(hashlib.sha256(FILTER_SCRIPT.encode()).digest()).decode()
# Only the filter script may run, inline styles and data: images may load; nothing else at all.
CSP = f"default-src 'none'; script-src '{SCRIPT_HASH}'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'"

_CSS = """
:root { --fg: #1b1b1b; --bg: #fff; --muted: #5c5c5c; --line: #c8c8c8; --ok: #176f2c; --warn: #8a5a00;
        --bad: #b00020; --code: #f4f4f4; --link: #0b57d0; }
@media (prefers-color-scheme: dark) {
  :root { --fg: #e8e8e8; --bg: #161616; --muted: #a8a8a8; --line: #444; --ok: #5fd47a; --warn: #f0b54a;
          --bad: #ff6b81; --code: #242424; --link: #8ab4f8; }
}
body { font-family: system-ui, sans-serif; margin: 1.5em; color: var(--fg); background: var(--bg); line-height: 1.4; }
a { color: var(--link); }
table { border-collapse: collapse; margin: .5em 0 1em; }
th, td { border: 1px solid var(--line); padding: .3em .6em; text-align: left; vertical-align: top; }
th { background: var(--code); }
td.errors, td.warnings, td.count { text-align: right; font-variant-numeric: tabular-nums; }
.status { font-weight: bold; white-space: nowrap; }
.clean { color: var(--ok); } .drift, .warning { color: var(--warn); }
.failed, .silent-drift, .error-severity { color: var(--bad); }
.status.clean::before { content: "\\2714\\00a0"; } .status.drift::before { content: "\\25b2\\00a0"; }
.status.failed::before, .status.silent-drift::before { content: "\\2716\\00a0"; }
.status.pending::before { content: "\\2026\\00a0"; }
pre, code { font-family: ui-monospace, monospace; background: var(--code); }
pre { margin: 0; padding: .4em; white-space: pre-wrap; overflow-wrap: anywhere; }
.none { color: var(--muted); }
ul.hazards { margin: .2em 0; } .hazard { font-weight: bold; }
ol.plan > li { margin-bottom: .8em; }
svg.chart { max-width: 100%; height: auto; background: var(--bg); }
svg.chart .axis { stroke: var(--muted); } svg.chart text { fill: var(--fg); font-size: 11px; }
svg.chart .series-errors { stroke: var(--bad); fill: none; stroke-width: 2; }
svg.chart .series-warnings { stroke: var(--warn); fill: none; stroke-width: 2; stroke-dasharray: 5 3; }
svg.chart .point-errors { fill: var(--bad); } svg.chart .point-warnings { fill: var(--warn); }
svg.chart .point-failed { stroke: var(--bad); stroke-width: 2; }
svg.chart .fingerprint-change { stroke: var(--link); stroke-width: 1.5; stroke-dasharray: 2 2; }
form.filter { margin: .5em 0; }
@media print {
  form.filter, nav { display: none; }
  body { margin: 0; color: #000; background: #fff; }
  a { color: #000; text-decoration: none; }
  section.database { break-before: page; }
  tr { break-inside: avoid; }
}
"""


def _page(title: str, body: str, script: bool = False) -> str:
    """A whole HTML document: the styles, the policy, the body (and the filter script)."""
    js = f"<script>{FILTER_SCRIPT}</script>\n" if script else ""
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<meta http-equiv=\"Content-Security-Policy\" content=\"{_e(CSP)}\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            f"<title>{_e(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n{body}\n{js}</body>\n</html>\n")


def server_link(index: int, name: str) -> str:
    """Where the served overview links a database: its own page."""
    return "/db/" + quote(name, safe="")


def anchor_link(index: int, name: str) -> str:
    """Where the static report links a database: its section further down."""
    return f"#db-{index}"


def _matches(row: Data, query: str) -> bool:
    text = query.strip().lower()
    return not text or text in f"{row['database']} {row['status']}".lower()


def _overview_row(index: int, row: Data, link: Callable[[int, str], str], query: str) -> str:
    hidden = "" if _matches(row, query) else " hidden"
    note = row["error"] or row["version_line"] or ""
    return (f'<tr data-database="{_e(row["database"])}" data-status="{_e(row["status"])}"{hidden}>'
            f'<td class="database"><a href="{_e(link(index, row["database"]))}">{_e(row["database"])}</a></td>'
            f'<td class="status {_e(row["status"])}">{_e(row["status"])}</td>'
            f'<td class="errors">{_count(row["errors"])}</td><td class="warnings">{_count(row["warnings"])}</td>'
            f'<td class="version">{_e(row["version"] or "")}</td>'
            f'<td class="last-audit">{_time(row["last_audit"])}</td>'
            f'<td class="last-success">{_time(row["last_success"])}</td>'
            f'<td class="drifting-since">{_time(row["drifting_since"])}</td>'
            f'<td class="error">{f"<pre>{_e(note)}</pre>" if note else ""}</td></tr>')


def overview_table(rows: Sequence[Data], link: Callable[[int, str], str] = server_link, query: str = "") -> str:
    """The filter form and the table of databases, in the order given (see ``sort_rows``);
    rows the ``query`` does not match are hidden (``?q=``: it works without JavaScript)."""
    shown = sum(1 for r in rows if _matches(r, query))
    body = "\n".join(_overview_row(i, r, link, query) for i, r in enumerate(rows))
    return (f'<form class="filter" method="get" role="search"><label for="filter">Filter databases</label> '
            f'<input id="filter" name="q" type="search" value="{_e(query)}" placeholder="name or status"> '
            f'<button type="submit">Filter</button> <output id="shown">{shown} of {len(rows)}</output></form>\n'
            '<table id="databases">\n<caption>Databases, failing and drifting first</caption>\n'
            '<thead><tr><th scope="col">database</th><th scope="col">status</th><th scope="col">errors</th>'
            '<th scope="col">warnings</th><th scope="col">version check</th><th scope="col">last audit (UTC)</th>'
            '<th scope="col">last success (UTC)</th><th scope="col">drifting since (UTC)</th>'
            f'<th scope="col">error or version check</th></tr></thead>\n<tbody>\n{body}\n</tbody>\n</table>')


def overview_html(rows: Sequence[Data], summary: str, query: str = "") -> str:
    """The served overview page ``/``."""
    body = (f"<header><h1>schema-auditor</h1>\n<p id=\"summary\">{_e(summary)}</p></header>\n<main>\n"
            f"{overview_table(rows, server_link, query)}\n</main>\n"
            '<nav><p><a href="/metrics">/metrics</a> &middot; <a href="/report.json">/report.json</a> &middot; '
            '<a href="/healthz">/healthz</a></p></nav>')
    return _page("schema-auditor", body, script=True)


# --- the database's page --------------------------------------------------------------------


def _drift_section(data: Data, level: int) -> str:
    h = f"h{level}"
    if data["status"] == FAILED:
        return f'<section class="drift-section"><{h}>Drift</{h}><p>Not known: the audit failed.</p></section>'
    if not data["tables"]:
        return f'<section class="drift-section"><{h}>Drift</{h}><p class="clean">None: the database matches its spec.</p></section>'
    parts = [f'<section class="drift-section"><{h}>Drift</{h}>']
    for group in data["tables"]:
        rows = "\n".join(
            f'<tr class="item" data-severity="{_e(i["severity"])}"><td class="kind"><code>{_e(i["kind"])}</code></td>'
            f'<td class="object">{_e(i["object"] or "")}</td><td class="expected"><code>{_e(i["expected"] or "")}</code></td>'
            f'<td class="actual"><code>{_e(i["actual"] or "")}</code></td>'
            f'<td class="severity {"error-severity" if i["severity"] == "error" else "warning"}">{_e(i["severity"])}</td>'
            f'<td class="message">{_e(i["message"])}</td></tr>' for i in group["items"])
        parts.append(f'<table class="drift-table" data-table="{_e(group["table"])}">'
                     f'<caption>table {_e(group["table"])}</caption>'
                     '<thead><tr><th scope="col">kind</th><th scope="col">object</th><th scope="col">expected</th>'
                     '<th scope="col">actual</th><th scope="col">severity</th><th scope="col">message</th></tr></thead>'
                     f'<tbody>\n{rows}\n</tbody></table>')
    parts.append("</section>")
    return "\n".join(parts)


def _statement_html(st: Data) -> str:
    hazards = "".join(f'<li><span class="hazard">{_e(h["name"])}</span>: {_e(h["meaning"])}</li>'
                      for h in st["hazards"])
    hazards = f'<ul class="hazards">{hazards}</ul>' if hazards else '<p class="hazards none">no hazards</p>'
    checks = "".join(
        f'<li class="precheck">{_e(c["finding"])}</li>' if c["finding"] is not None else
        f'<li class="precheck">{_e(c["message"].replace("{count}", "?"))} (not counted yet: the plan creates '
        'what it reads)</li>' for c in st["prechecks"])
    notes = ('<p class="manual">manual: never run by apply</p>' if st["manual"] else "") + \
        ('<p>runs on its own, outside the main transaction</p>' if st["own_transaction"] else "")
    fixes = st["fixes"]
    what = f'{fixes["kind"]} {fixes["table"]}' + (f'.{fixes["name"]}' if fixes["name"] else "")
    return (f'<li class="statement"><p class="fixes">fixes <code>{_e(what)}</code></p>'
            f'<pre class="sql"><code>{_e(st["sql"] if st["manual"] else st["sql"] + ";")}</code></pre>'
            f'{hazards}{notes}' + (f'<ul class="prechecks">{checks}</ul>' if checks else "") + "</li>")


def _plan_section(data: Data, level: int) -> str:
    h, plan = f"h{level}", data["plan"]
    if plan is None:
        return ""
    if plan["error"]:
        return f'<section class="plan-section"><{h}>Fix</{h}><p class="failed">The plan could not be made: {_e(plan["error"])}</p></section>'
    commands = "".join(
        f'<li><pre class="command"><code>{_e(c["command"])}</code></pre>'
        + ('<p class="masked">The URL\'s password is masked (***): put it back before you run this, '
           'or name the database in a config whose URL reads it from <code>password_file</code>.</p>'
           if c["masked"] else "") +
        f'<p>runs {c["runs"]} statement(s)' + (f', withholds {c["withholds"]}' if c["withholds"] else "") +
        " (apply proves the plan first: on a scratch copy, or on Postgres without <code>--dev-url</code> only parsed; "
        "then runs it in one transaction and verifies; on a terminal it asks first, <code>--yes</code> does not)</p></li>"
        for c in plan["commands"])
    statements = "\n".join(_statement_html(s) for s in plan["statements"])
    return (f'<section class="plan-section"><{h}>Fix</{h}>\n<p>What to run:</p><ul class="commands">{commands}</ul>\n'
            f'<p>The plan ({len(plan["statements"])} statement(s), each with its hazards and pre-check counts):</p>\n'
            f'<ol class="plan">\n{statements}\n</ol></section>')


def _facts(data: Data) -> str:
    rows = [("status", f'<span class="status {_e(data["status"])}">{_e(data["status"])}</span>'),
            ("errors", _count(data["errors"])), ("warnings", _count(data["warnings"])),
            ("drifting since (UTC)", _time(data["drifting_since"])), ("last audit (UTC)", _time(data["last_audit"])),
            ("last success (UTC)", _time(data["last_success"])), ("engine", _e(data["dialect"] or "")),
            ("spec", _e(data["spec"] or ""))]
    check = data["version_check"]
    if check:
        rows.append(("version check", f'<span class="version-status">{_e(check["status"])}</span> '
                                      f'({_e(check["severity"])}): {_e(check["message"])}'))
    if data["tenant_schemas_found"] is not None:
        rows.append(("tenant schemas", _e(data["tenant_schemas_found"])))
    if data["not_audited"]:
        rows.append(("not audited", _e(not_audited_line(data["not_audited"]).removeprefix("not audited: "))))
    body = "".join(f'<tr><th scope="row">{label}</th><td>{value}</td></tr>' for label, value in rows)
    error = f'<p class="failed">The audit failed:</p><pre class="error">{_e(data["error"])}</pre>' if data["error"] else ""
    return f'<table class="facts"><tbody>{body}</tbody></table>{error}'


def detail_body(data: Data, level: int = 2) -> str:
    """The database's sections (facts, drift, fix, history), headings from ``h{level}``."""
    return "\n".join(filter(None, [_facts(data), _drift_section(data, level), _plan_section(data, level),
                                   _history_section(data, level)]))


def detail_html(data: Data) -> str:
    """The served page ``/db/NAME``."""
    json_link = "/db/" + quote(data["database"], safe="") + ".json"
    body = (f'<nav><p><a href="/">&larr; all databases</a> &middot; <a href="{_e(json_link)}">as JSON</a></p></nav>\n'
            f'<main>\n<h1>{_e(data["database"])}</h1>\n{detail_body(data)}\n</main>')
    return _page(f"schema-auditor: {data['database']}", body)


def report_html(datas: Sequence[Data], summary: str) -> str:
    """The static report (``audit --format html``): the overview, then every database's section."""
    sections = "\n".join(f'<section class="database" id="db-{i}"><h2>{_e(d["database"])}</h2>\n'
                         f'{detail_body(d, 3)}\n</section>' for i, d in enumerate(datas))
    body = (f"<header><h1>schema-auditor report</h1>\n<p id=\"summary\">{_e(summary)}</p></header>\n<main>\n"
            f"{overview_table(datas, anchor_link)}\n{sections}\n</main>")
    return _page("schema-auditor report", body, script=True)


def static_report(results: Sequence[AuditResult], finished: float, base_args: Sequence[str] = ()) -> str:
    """``audit --format html``: the report of one audit run, each drifted database with its fix
    (planned read-only). It has no history: drifting-since is not known from one run."""
    datas = sort_rows([database_data(r, fix=plan_fix(r), audited_at=finished, base_args=base_args,
                                     last_success=None if r.error else finished) for r in results])
    return report_html(datas, summary_line(datas, finished))


def summary_line(rows: Sequence[Data], finished: float | None) -> str:
    """``3 database(s), 1 with drift, 1 failed; last audit run 2026-...``."""
    drifted = sum(1 for r in rows if r["status"] in (DRIFT, SILENT_DRIFT))
    failed = sum(1 for r in rows if r["status"] == FAILED)
    return f"{len(rows)} database(s), {drifted} with drift, {failed} failed; audited {iso(finished)}"


# --- the chart ------------------------------------------------------------------------------

_W, _H, _LEFT, _RIGHT, _TOP, _BOTTOM = 640, 180, 40, 12, 12, 28


def history_chart(history: Sequence[Data]) -> str:
    """An inline SVG of the error and warning counts per audit over time (errors: a solid line
    and dots, warnings: a dashed line and squares), a vertical dotted line where the schema's
    fingerprint changed, a cross for a failed audit."""
    if not history:
        return '<p class="none">No audits recorded yet.</p>'
    times = [p["time"] for p in history]
    first, span = times[0], (times[-1] - times[0]) or 1.0
    top = max([1] + [p["errors"] or 0 for p in history] + [p["warnings"] or 0 for p in history])
    width, height = _W - _LEFT - _RIGHT, _H - _TOP - _BOTTOM

    def x(t: float) -> float:
        return _LEFT + (width * (t - first) / span if len(history) > 1 else width / 2)

    def y(v: int) -> float:
        return _TOP + height - height * v / top

    parts = [f'<line class="axis" x1="{_LEFT}" y1="{_TOP + height}" x2="{_W - _RIGHT}" y2="{_TOP + height}"/>',
             f'<line class="axis" x1="{_LEFT}" y1="{_TOP}" x2="{_LEFT}" y2="{_TOP + height}"/>',
             f'<text x="{_LEFT - 6}" y="{_TOP + height}" text-anchor="end">0</text>',
             f'<text x="{_LEFT - 6}" y="{_TOP + 8}" text-anchor="end">{top}</text>',
             f'<text x="{_LEFT}" y="{_H - 8}">{_e(history[0]["at"])}</text>',
             f'<text x="{_W - _RIGHT}" y="{_H - 8}" text-anchor="end">{_e(history[-1]["at"])}</text>']
    for series in ("errors", "warnings"):
        coords = " ".join(f"{x(p['time']):.1f},{y(p[series]):.1f}" for p in history if p[series] is not None)
        parts.append(f'<polyline class="series-{series}" points="{coords}"/>')
    for p in history:
        px = x(p["time"])
        if p["schema_changed"]:
            parts.append(f'<line class="fingerprint-change" x1="{px:.1f}" y1="{_TOP}" x2="{px:.1f}" '
                         f'y2="{_TOP + height}"><title>schema changed ({_e(p["at"])})</title></line>')
        label = (f'{p["at"]}: audit failed' if p["status"] == FAILED
                 else f'{p["at"]}: {p["errors"]} error(s), {p["warnings"]} warning(s)')
        if p["status"] == FAILED:
            marks = (f'<path class="point-failed" d="M{px - 4:.1f},{y(0) - 4:.1f} l8,8 m0,-8 l-8,8"/>')
        else:
            marks = (f'<circle class="point-errors" cx="{px:.1f}" cy="{y(p["errors"]):.1f}" r="3.5"/>'
                     f'<rect class="point-warnings" x="{px - 3:.1f}" y="{y(p["warnings"]) - 3:.1f}" width="6" height="6"/>')
        parts.append(f'<g class="audit" data-status="{_e(p["status"])}"><title>{_e(label)}</title>{marks}</g>')
    changes = sum(1 for p in history if p["schema_changed"])
    label = (f"Errors and warnings over the last {len(history)} audit(s); the schema changed {changes} time(s)")
    return (f'<svg class="chart" role="img" aria-label="{_e(label)}" viewBox="0 0 {_W} {_H}" width="{_W}" '
            f'height="{_H}" xmlns="http://www.w3.org/2000/svg"><title>{_e(label)}</title>\n'
            + "\n".join(parts) + "\n</svg>\n"
            '<p class="legend">solid line and dots: errors; dashed line and squares: warnings; dotted vertical '
            'line: the schema changed; cross: the audit failed</p>')


def _history_section(data: Data, level: int) -> str:
    h, history = f"h{level}", data["history"]
    if not history:
        return ""
    rows = "".join(f'<tr data-status="{_e(p["status"])}"><td>{_time(p["at"])}</td><td>{_e(p["status"])}</td>'
                   f'<td class="count">{_count(p["errors"])}</td><td class="count">{_count(p["warnings"])}</td>'
                   f'<td>{"yes" if p["schema_changed"] else ""}</td></tr>' for p in reversed(history))
    return (f'<section class="history-section"><{h}>History</{h}>\n{history_chart(history)}\n'
            f'<details><summary>the {len(history)} audit(s) as a table</summary><table id="history">'
            '<thead><tr><th scope="col">audit (UTC)</th><th scope="col">status</th><th scope="col">errors</th>'
            '<th scope="col">warnings</th><th scope="col">schema changed</th></tr></thead>'
            f'<tbody>{rows}</tbody></table></details></section>')
