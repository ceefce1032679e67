"""Postgres type changes that can alter or lose values, and the condition that finds the rows
they would alter or fail on (``ALTER COLUMN ... TYPE new USING col::new`` rounds ``1.49`` to
``1``, cuts ``'abcdef'`` to ``'abc'`` and stops at the first ``'n/a'`` cast to integer).

Types are the canonical spellings (``numeric(10,2)``, ``integer``, ``varchar(20)``, ``double``).
A change not listed here keeps every value (a widening) or is one whose effect a query cannot
tell ahead (``text`` to ``date`` or ``json``): ``narrowing`` says which, and the plan carries
``DELETES_DATA`` for every narrowing, with a pre-check counting the rows where it can.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

_INTEGERS = {"smallint": (-32768, 32767), "integer": (-2147483648, 2147483647),
             "bigint": (-9223372036854775808, 9223372036854775807)}
_FLOATS = ("real", "double")
_NUMERIC = re.compile(r"numeric(?:\((\d+)(?:,\s*(-?\d+))?\))?$")
_STRING = re.compile(r"(?:varchar|char)(?:\((\d+)\))?$")
_TEXT_LIKE = ("text", "varchar", "char")
# Text cast to these fails on values that do not parse: a pattern finds those (a value that
# matches may still be out of range, which the integer ranges check too).
_PARSES = {
    "boolean": r"^\s*(t|true|y|yes|on|1|f|false|n|no|off|0)\s*$",
    "uuid": r"^\s*\{?[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}\}?\s*$",
    "numeric": r"^\s*[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?\s*$",
    **{name: r"^\s*[+-]?\d+\s*$" for name in _INTEGERS},
}


@dataclass(frozen=True)
class Narrowing:
    """A type change that can alter or lose values: ``changed`` is a condition on the column
    (``{column}`` in it) true for each row it would alter or fail on, or None when no query can
    tell ahead; ``what`` says how values change."""

    what: str
    changed: str | None


def narrowing(old: str, new: str) -> Narrowing | None:
    """How changing a column from ``old`` to ``new`` can alter its values; None if it keeps them."""
    old, new = old.strip().lower(), new.strip().lower()
    if old == new:
        return None
    for rule in (_to_integer, _to_numeric, _to_float, _to_string, _to_date, _from_text):
        found = rule(old, new)
        if found is not None:
            return found if found.what else None
    return None


_KEEPS = Narrowing("", None)  # a rule's answer for a change it knows keeps every value


def _to_integer(old: str, new: str) -> Narrowing | None:
    if new not in _INTEGERS or _base(old) in _TEXT_LIKE:
        return None
    low, high = _INTEGERS[new]
    out_of_range = f"{{column}} NOT BETWEEN {low} AND {high}"
    if old in _INTEGERS:
        return _KEEPS if _INTEGERS[old][1] <= high else Narrowing(f"{old} values beyond {new}'s range fail",
                                                                  out_of_range)
    if _NUMERIC.match(old) or old in _FLOATS:
        return Narrowing("fractions are rounded to whole numbers", f"{{column}}::numeric <> round({{column}}::numeric) "
                                                                    f"OR {out_of_range}")
    return None


def _to_numeric(old: str, new: str) -> Narrowing | None:
    target = _NUMERIC.match(new)
    if target is None or _base(old) in _TEXT_LIKE:
        return None
    precision, scale = (int(target.group(1)), int(target.group(2) or 0)) if target.group(1) else (None, None)
    if precision is None:
        return _KEEPS  # unconstrained numeric holds any number
    digits = precision - scale
    limit = f"abs(round({{column}}::numeric, {scale})) >= 1e{digits}"
    source = _NUMERIC.match(old)
    if old in _INTEGERS:
        widest = len(str(_INTEGERS[old][1]))
        return _KEEPS if digits >= widest else Narrowing(f"values of {digits + 1} or more digits fail", limit)
    if source is not None and source.group(1):
        old_scale = int(source.group(2) or 0)
        if scale >= old_scale and digits >= int(source.group(1)) - old_scale:
            return _KEEPS
    elif source is None and old not in _FLOATS:
        return None
    return Narrowing(f"values are rounded to {scale} decimal place(s), and those of {digits + 1} or more whole "
                     "digits fail", f"{{column}}::numeric <> round({{column}}::numeric, {scale}) OR {limit}")


def _to_date(old: str, new: str) -> Narrowing | None:
    if new == "date" and old in ("timestamp", "timestamptz"):
        return Narrowing("the time of day is dropped", "{column} <> {column}::date")
    return None


def _to_float(old: str, new: str) -> Narrowing | None:
    if new == "real" and (old == "double" or _NUMERIC.match(old) or old == "bigint"):
        return Narrowing("values are rounded to real's 6 significant digits",
                         "{column}::real::double precision <> {column}::double precision")
    return None


def _to_string(old: str, new: str) -> Narrowing | None:
    target = _STRING.match(new)
    if target is None or not target.group(1) or _base(old) not in _TEXT_LIKE:
        return None
    length = int(target.group(1))
    source = _STRING.match(old)
    if source is not None and source.group(1) and int(source.group(1)) <= length:
        return _KEEPS
    return Narrowing(f"values longer than {length} characters are cut", f"length({{column}}) > {length}")


def _from_text(old: str, new: str) -> Narrowing | None:
    if _base(old) not in _TEXT_LIKE or _base(new) in _TEXT_LIKE:
        return None
    pattern = _PARSES.get(_base(new))
    if pattern is None:
        return Narrowing(f"values that do not parse as {new} fail, and the others are stored as {new} "
                         "reads them", None)
    parsed_out_of_range = "false"
    if new in _INTEGERS:
        low, high = _INTEGERS[new]
        parsed_out_of_range = f"trim({{column}})::numeric NOT BETWEEN {low} AND {high}"
    # The pattern first: only a value that parses is cast (to check its range).
    return Narrowing(f"values that do not parse as {new} fail",
                     f"CASE WHEN {{column}} ~* '{pattern}' THEN {parsed_out_of_range} ELSE true END")


def _base(type_: str) -> str:
    return type_.split("(")[0].strip()
