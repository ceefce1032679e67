"""The differ's part for a table's triggers, row-level security and policies: matched by name,
one item per difference, whose message says what differs."""
from __future__ import annotations

from typing import TYPE_CHECKING, Iterator

from auditor.model import Expr, Policy, Table, Trigger, display_name

if TYPE_CHECKING:
    from auditor.diff import DriftItem

KINDS = {
    "missing_trigger": "error",
    "extra_trigger": "warning",
    "trigger_mismatch": "error",
    "trigger_enabled_mismatch": "error",
    "row_security_mismatch": "error",
    "missing_policy": "error",
    "extra_policy": "warning",
    "policy_mismatch": "error",
}


def same_security(want: Table, have: Table) -> bool:
    """Whether the tables' triggers, policies and row-level security flags are the same (the
    differ's shortcut for unchanged tables)."""
    return (want.triggers == have.triggers and want.policies == have.policies
            and want.row_security == have.row_security and want.force_row_security == have.force_row_security)


def diff_security(want: Table, have: Table) -> Iterator[DriftItem]:
    """Row-level security flags, then triggers, then policies."""
    yield from _diff_row_security(want, have)
    yield from _diff_triggers(want, have)
    yield from _diff_policies(want, have)


def _diff_row_security(want: Table, have: Table) -> Iterator[DriftItem]:
    for flag, words in (("row_security", "row-level security"), ("force_row_security", "forced row-level security")):
        spec, live = getattr(want, flag), getattr(have, flag)
        if spec != live:
            yield _item("row_security_mismatch", want, flag, _on(spec), _on(live),
                        f"{words} on table {_label(want)} is {_on(live)}, spec says {_on(spec)}")


def _on(flag: bool) -> str:
    return "enabled" if flag else "disabled"


def _diff_triggers(want: Table, have: Table) -> Iterator[DriftItem]:
    from auditor.diff import match_by_key

    missing, extra, both = match_by_key(want.triggers, have.triggers, lambda t: t.name)
    for t in missing:
        yield _item("missing_trigger", want, t.name, t.sql, None, f"trigger {t.name} on {_label(want)} is missing")
    for t, live in both:
        if t.definition != live.definition:
            yield _item("trigger_mismatch", want, t.name, t.sql, live.sql,
                        f"trigger {t.name} on {_label(want)} differs from the spec: {'; '.join(differences(t, live))}")
        elif t.enabled != live.enabled:
            yield _item("trigger_enabled_mismatch", want, t.name, t.enabled, live.enabled,
                        f"trigger {t.name} on {_label(want)} is {_enabled(live.enabled)}, "
                        f"spec says {_enabled(t.enabled)}")
    for t in extra:
        yield _item("extra_trigger", want, t.name, None, t.sql, f"trigger {t.name} on {_label(want)} is not in the spec")


def _enabled(state: str) -> str:
    return {"origin": "enabled", "disabled": "disabled", "replica": "enabled in replica mode only",
            "always": "enabled always (replica mode too)"}[state]


# (attribute, what messages call it) of the trigger parts compared one by one.
_TRIGGER_PARTS = (
    ("timing", "timing"), ("events", "events"), ("columns", "UPDATE OF columns"), ("level", "FOR EACH"),
    ("when", "WHEN condition"), ("function", "function"), ("arguments", "function arguments"),
    ("constraint", "constraint trigger"), ("deferrable", "DEFERRABLE"), ("initially_deferred", "INITIALLY DEFERRED"),
    ("from_table", "FROM table"), ("referencing", "REFERENCING transition tables"), ("body", "body"),
)


def differences(want: Trigger, have: Trigger) -> list[str]:
    """What differs, in words: ``timing AFTER, spec says BEFORE``, ``WHEN condition``, ``body``."""
    out = []
    for attribute, called in _TRIGGER_PARTS:
        spec, live = getattr(want, attribute), getattr(have, attribute)
        if spec == live:
            continue
        if isinstance(spec, Expr) or isinstance(live, Expr):
            proven = all(e is None or e.proven for e in (spec, live))
            out.append(f"{called} {_said(live)}, spec says {_said(spec)}"
                       + ("" if proven else " (one side did not parse, so the texts were compared)"))
        else:
            out.append(f"{called} {_said(live)}, spec says {_said(spec)}")
    return out


def _said(value: object) -> str:
    if isinstance(value, Expr):
        return f"({value.text})" if len(value.text) <= 80 else "(" + value.text[:77] + "...)"
    if isinstance(value, tuple):
        return ", ".join(map(str, value)) or "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value) if value not in (None, "") else "none"


def _diff_policies(want: Table, have: Table) -> Iterator[DriftItem]:
    from auditor.diff import match_by_key

    missing, extra, both = match_by_key(want.policies, have.policies, lambda p: p.name)
    for p in missing:
        yield _item("missing_policy", want, p.name, describe_policy(p), None,
                    f"policy {p.name} on {_label(want)} is missing")
    for p, live in both:
        if p != live:
            parts = [f"{called} {_said(getattr(live, part))}, spec says {_said(getattr(p, part))}"
                     for part, called in _POLICY_PARTS if getattr(p, part) != getattr(live, part)]
            yield _item("policy_mismatch", want, p.name, describe_policy(p), describe_policy(live),
                        f"policy {p.name} on {_label(want)} differs from the spec: {'; '.join(parts)}")
    for p in extra:
        yield _item("extra_policy", want, p.name, None, describe_policy(p),
                    f"policy {p.name} on {_label(want)} is not in the spec")


_POLICY_PARTS = (("command", "command"), ("permissive", "permissive"), ("roles", "roles"), ("using", "USING"),
                 ("with_check", "WITH CHECK"))


def describe_policy(policy: Policy) -> str:
    """``[AS RESTRICTIVE] FOR command TO roles [USING (...)] [WITH CHECK (...)]``, as DDL reads."""
    text = ("" if policy.permissive else "AS RESTRICTIVE ") + f"FOR {policy.command.upper()} TO {', '.join(policy.roles)}"
    text += f" USING ({policy.using.text})" if policy.using else ""
    return text + (f" WITH CHECK ({policy.with_check.text})" if policy.with_check else "")


def _label(table: Table) -> str:
    return display_name(table.schema, table.name)


def _item(kind: str, table: Table, name: str | None, expected: str | None, actual: str | None,
          message: str) -> DriftItem:
    from auditor.diff import DriftItem

    return DriftItem(kind, table.schema, table.name, name, expected, actual, message)
