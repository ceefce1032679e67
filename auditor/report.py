"""Reports: audit, plan and apply results as terminal text or as one JSON document."""
from __future__ import annotations

import json
from itertools import groupby
from typing import Sequence

from auditor.apply import ApplyResult
from auditor.audit import AuditResult
from auditor.dialects.unaudited import counts_text
from auditor.diff import DriftItem
from auditor.exact import ENGINE
from auditor.plan import Precheck, Statement
from auditor.verify import Verification
from auditor.versioning import SILENT_DRIFT, version_line


def _header(result: AuditResult) -> str:
    dialect = result.dialect.name if result.dialect else "?"
    return f"{result.target.name} ({dialect}, spec {result.target.spec})"


def _summary(drift: Sequence[DriftItem]) -> str:
    if not drift:
        return "clean"
    errors = sum(1 for i in drift if i.severity == "error")
    warnings = len(drift) - errors
    parts = [f"{errors} error(s)"] * bool(errors) + [f"{warnings} warning(s)"] * bool(warnings)
    return f"{len(drift)} drift item(s): {', '.join(parts)}"


def not_audited_line(not_audited: dict[str, int]) -> str:
    """``not audited: 3 function, 1 rule``: the objects of kinds the audit does not compare, most
    first ("" when there are none)."""
    return f"not audited: {counts_text(not_audited)}" if not_audited else ""


def drift_lines(drift: Sequence[DriftItem]) -> list[str]:
    """Drift grouped by table, one line an item, aligned for a terminal."""
    lines: list[str] = []
    kind_width = max((len(i.kind) for i in drift), default=0)
    for table, items in groupby(drift, key=lambda i: i.label):
        lines.append(f"  {table}")
        for item in items:
            lines.append(f"    {item.severity:<7}  {item.kind:<{kind_width}}  {item.message}")
    return lines


def audit_text(results: Sequence[AuditResult]) -> str:
    """The audit report for a terminal."""
    lines: list[str] = []
    for result in results:
        if result.error:
            lines.append(f"{result.target.name}: ERROR: {result.error}")
            continue
        lines.append(f"{_header(result)}: {_summary(result.drift)}")
        lines += [f"  {tenants_line(result)}"] if result.tenant_schemas_found is not None else []
        lines += [f"  {version_line(result.version)}"] if result.version and version_line(result.version) else []
        lines += _expressions_lines(result)
        lines += [f"  {not_audited_line(result.not_audited)}"] if result.not_audited else []
        lines += drift_lines(sorted(result.drift, key=lambda i: i.table_key))
    return "".join(line + "\n" for line in lines)  # nothing at all when every audit failed


def tenants_line(result: AuditResult) -> str:
    """How many tenant schemas a tenant database has (its glob's matches)."""
    return (f"{result.tenant_schemas_found} tenant schema(s) match {result.target.tenant_schemas!r}"
            + (": none audited" if not result.tenant_schemas_found else ""))


# Kinds whose comparison is one of expressions: where it matters how they were compared.
_EXPRESSION_KINDS = frozenset({"default_mismatch", "generated_mismatch", "check_mismatch", "index_mismatch",
                               "view_mismatch", "missing_check", "extra_check"})


def _expressions_lines(result: AuditResult) -> list[str]:
    """How expressions were compared, where it matters: in exact mode, or when one differs."""
    if result.expressions != ENGINE and not any(i.kind in _EXPRESSION_KINDS for i in result.drift):
        return []
    how = {ENGINE: "by the engine, in a scratch database on --dev-url"}.get(result.expressions,
                                                                        f"by {result.expressions}")
    lines = [f"  expressions compared {how}"]
    return lines + [f"  not compared by the engine (the scratch database refused it): {r}" for r in result.refused]


def _database_json(result: AuditResult) -> dict[str, object]:
    entry: dict[str, object] = {
        "database": result.target.name,
        "dialect": result.dialect.name if result.dialect else None,
        "spec": result.target.spec,
        "drift": [item.to_dict() for item in result.drift],
        "counts": result.counts(),
        "not_audited": dict(result.not_audited),
        "seconds": round(result.seconds, 4),
        "expressions": result.expressions,
    }
    if result.tenant_schemas_found is not None:
        entry["tenant_schemas_found"] = result.tenant_schemas_found
    if result.refused:
        entry["refused_by_scratch_database"] = list(result.refused)
    if result.version:
        entry["version"] = result.version.to_dict()
    if result.error:
        entry["error"] = result.error
    return entry


def audit_json(results: Sequence[AuditResult], clean: bool) -> str:
    """The audit report as one JSON object: ``{"clean": ..., "databases": [...]}``."""
    return json.dumps({"clean": clean, "databases": [_database_json(r) for r in results]}, indent=2)


def _statement_json(statement: Statement, violations: dict[Precheck, int]) -> dict[str, object]:
    out = statement.to_dict()
    for check in out.get("prechecks", []):  # type: ignore[attr-defined]
        found = violations.get(Precheck(check["sql"], check["message"]))
        if found is not None:
            check["violations"] = found
            check["finding"] = Precheck(check["sql"], check["message"]).describe(found)
    return out


def plan_json(results: Sequence[tuple[AuditResult, list[Statement]]], violations: Sequence[dict[Precheck, int]],
              clean: bool, verifications: Sequence[Verification | None] = ()) -> str:
    """Plans as JSON: each database entry gains ``statements``, with hazards and pre-check counts,
    and ``verification`` when the plan was proven (``plan --verify``)."""
    databases = [{**_database_json(r), "statements": [_statement_json(s, counts) for s in plan]}
                 for (r, plan), counts in zip(results, violations)]
    for entry, verification in zip(databases, verifications):
        if verification is not None:
            entry["verification"] = verification.to_dict()
    return json.dumps({"clean": clean, "databases": databases}, indent=2)


def apply_text(result: AuditResult, applied: ApplyResult) -> str:
    """What apply did to one database, for a terminal."""
    lines = [f"{_header(result)}: applied {len(applied.executed)} statement(s)"]
    lines += [f"  plan     {applied.verification.describe()}"] if applied.verification else []
    lines += [f"  ran      {s.summary}" for s in applied.executed]
    lines += [f"  skipped  {s.summary} (already done)" for s in applied.already_done]
    lines += [f"  withheld {w.statement.summary} ({w.reason})" for w in applied.withheld]
    lines.append(f"  verified: {_summary(applied.remaining)}")
    lines += drift_lines(applied.remaining)
    return "\n".join(lines) + "\n"


def apply_json(entries: Sequence[tuple[AuditResult, ApplyResult | None]], clean: bool) -> str:
    """Apply results as JSON: each database gains ``executed``, ``withheld`` and ``remaining``."""
    databases = []
    for result, applied in entries:
        entry = _database_json(result)
        if applied is not None:
            if applied.verification is not None:
                entry["verification"] = applied.verification.to_dict()
            entry["executed"] = [s.to_dict() for s in applied.executed]
            entry["withheld"] = [{**w.statement.to_dict(), "reason": w.reason} for w in applied.withheld]
            entry["remaining"] = [i.to_dict() for i in applied.remaining]
        databases.append(entry)
    return json.dumps({"clean": clean, "databases": databases}, indent=2)


def _cell(text: object) -> str:
    return str(text if text is not None else "").replace("|", "\\|").replace("\n", " ")


def audit_markdown(results: Sequence[AuditResult]) -> str:
    """The audit report as Markdown: a summary table, then each drifted database's items
    (for pull-request comments and CI step summaries)."""
    drifted = sum(1 for r in results if r.drift)
    failed = sum(1 for r in results if r.error)
    lines = [f"## schema-auditor: {len(results)} database(s), {drifted} with drift, {failed} failed", "",
             "| database | engine | result | errors | warnings |", "|---|---|---|---:|---:|"]
    for r in results:
        errors = sum(1 for i in r.drift if i.severity == "error")
        status = "failed" if r.error else ("drift" if r.drift else "clean")
        if r.version and r.version.status == SILENT_DRIFT:
            status = "**silent drift**"
        lines.append(f"| {_cell(r.target.name)} | {r.dialect.name if r.dialect else ''} | {status} | "
                     f"{errors} | {len(r.drift) - errors} |")
    tenant_lines = [f"- {_cell(r.target.name)}: {_cell(tenants_line(r))}" for r in results
                    if r.tenant_schemas_found is not None]
    lines += ["", *tenant_lines] if tenant_lines else []
    for r in results:
        version = version_line(r.version) if r.version else ""
        if r.error:
            lines += ["", f"### {_cell(r.target.name)}", "", f"> {_cell(r.error)}"]
        elif r.drift or version or r.not_audited:
            lines += ["", f"### {_cell(r.target.name)}"] + (["", f"> **{_cell(version)}**"] if version else [])
            lines += ["", _cell(not_audited_line(r.not_audited))] if r.not_audited else []
        if r.drift and not r.error:
            lines += ["", "| severity | kind | table | object | message |", "|---|---|---|---|---|"]
            lines += [f"| {i.severity} | `{i.kind}` | {_cell(i.label)} | {_cell(i.name)} | {_cell(i.message)} |"
                      for i in sorted(r.drift, key=lambda i: i.table_key)]
    return "\n".join(lines) + "\n"
