"""Reviewed plans: ``plan --out plan.json`` writes what ``apply --plan plan.json`` runs.

Each database's entry records the fingerprint of the live schema the plan was made against, so
apply can refuse a plan that no longer fits, and every statement in full, so apply runs exactly
what was reviewed and plans nothing itself.
"""
from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

from auditor.diff import DriftItem
from auditor.errors import ConfigError
from auditor.inputfile import read_input_text
from auditor.plan import Guard, Precheck, Statement
from auditor.rebuild import Rebuild
from auditor.redact import redact_url, refuse_secret

FORMAT = "schema-auditor-plan/1"


def plan_entry(database: str, url: str, dialect: str, fingerprint: str, statements: list[Statement]) -> dict[str, object]:
    """One database's part of a plan file (its URL masked)."""
    return {"database": database, "url": redact_url(url), "dialect": dialect, "fingerprint": fingerprint,
            "statements": [_statement_dict(s) for s in statements]}


def write_plan_file(path: str, entries: list[dict[str, object]]) -> None:
    """Write the plan file, replacing any earlier one; ConfigError (and nothing written) if a
    secret shows up in it: masking it would make ``apply --plan`` run other SQL than was planned."""
    text = json.dumps({"format": FORMAT, "databases": entries}, indent=2) + "\n"
    refuse_secret(text, f"plan file {path}")
    Path(path).write_text(text)


def read_plan_file(path: str) -> dict[str, tuple[str, list[Statement]]]:
    """Database name -> (fingerprint, statements) of a plan file; ConfigError if it is not one."""
    try:
        document = json.loads(read_input_text(path))
        if document.get("format") != FORMAT:
            raise ValueError(f"not a {FORMAT} file")
        return {entry["database"]: (entry["fingerprint"], [_statement(s) for s in entry["statements"]])
                for entry in document["databases"]}
    except OSError as exc:
        raise ConfigError(f"cannot read plan {path}: {exc.strerror}", "pass the file plan --out wrote") from None
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ConfigError(f"{path}: not a plan written by schema-auditor plan --out ({exc})",
                          "make it again with plan --out") from None


def _statement_dict(statement: Statement) -> dict[str, object]:
    out = asdict(statement)
    out["fixes"] = {k: v for k, v in statement.fixes.to_dict().items() if k != "severity"}
    return out


def _statement(data: dict[str, object]) -> Statement:
    guard, rebuild = data.get("guard"), data.get("rebuild")
    return Statement(
        sql=str(data["sql"]), fixes=DriftItem(**data["fixes"]),  # type: ignore[arg-type]
        phase=str(data["phase"]), hazards=tuple(data.get("hazards") or ()),  # type: ignore[arg-type]
        manual=bool(data.get("manual")), guard=Guard(**guard) if guard else None,  # type: ignore[arg-type]
        prechecks=tuple(Precheck(**p) for p in data.get("prechecks") or ()),  # type: ignore[union-attr]
        own_transaction=bool(data.get("own_transaction")),
        rebuild=Rebuild(**{k: tuple(v) if isinstance(v, list) else v  # type: ignore[union-attr]
                           for k, v in rebuild.items()}) if rebuild else None)  # type: ignore[arg-type]
