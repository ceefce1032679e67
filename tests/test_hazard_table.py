"""The hazard table in the code (auditor/plan/hazard_table.py) and the one in the README agree.

The README's table (section "### Hazards": hazard | carried by | allowed by) is what an operator
reads before passing --allow-hazards or --allow-destructive; the code's table is what the builders
take each statement's hazards from. Both name the same hazards, the README's "allowed by" column
says what auditor/hazards.py lets through, and no builder spells a hazard of its own.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from auditor.hazards import HAZARDS, allowed_hazards
from auditor.plan.hazard_table import STATEMENT_HAZARDS, hazards_of

REPO = Path(__file__).resolve().parent.parent
PLAN = REPO / "auditor" / "plan"


def readme_hazard_rows(readme: str) -> dict[str, tuple[str, str]]:
    """The README's hazard table: hazard name -> (carried by, allowed by)."""
    section = readme[readme.index("### Hazards\n"):]
    section = section[:section.index("\n#", 1)]
    lines = [line for line in section.splitlines() if line.startswith("|")]
    header = [cell.strip() for cell in lines[0].strip("|").split("|")]
    assert header == ["hazard", "carried by", "allowed by"], header
    assert set(lines[1]) <= set("|-: "), "the second line is the table's rule"
    rows: dict[str, tuple[str, str]] = {}
    for line in lines[2:]:
        name, carried_by, allowed_by = (cell.strip() for cell in line.strip("|").split("|"))
        match = re.fullmatch(r"`([A-Z_]+)`", name)
        assert match, f"a hazard is written as `NAME`: {name!r}"
        assert match.group(1) not in rows, f"{name} twice"
        rows[match.group(1)] = (carried_by, allowed_by)
    return rows


@pytest.fixture(scope="module")
def readme_rows() -> dict[str, tuple[str, str]]:
    return readme_hazard_rows((REPO / "README.md").read_text())


def test_the_readme_and_the_code_table_name_the_same_hazards(readme_rows) -> None:
    in_code = {hazard for hazards in STATEMENT_HAZARDS.values() for hazard in hazards}
    assert sorted(in_code - set(readme_rows)) == [], "carried by a statement, missing from the README"
    assert sorted(set(readme_rows) - in_code) == [], "in the README, carried by no statement"
    assert set(readme_rows) == set(HAZARDS), "the README's table is the whole vocabulary"


def test_the_readme_says_which_flag_allows_each_hazard(readme_rows) -> None:
    by_default = allowed_hazards()
    destructive = allowed_hazards(destructive=True) - by_default
    for name, (_, allowed_by) in readme_rows.items():
        assert ("--allow-destructive" in allowed_by) == (name in destructive), name
        assert ("needs no flag" in allowed_by) == (name in by_default), name
        named = name not in destructive and name not in by_default
        assert ("--allow-hazards" in allowed_by) == named, name


def test_every_row_names_known_hazards_each_once() -> None:
    for kind, hazards in STATEMENT_HAZARDS.items():
        assert re.fullmatch(r"[a-z_]+", kind), kind
        assert set(hazards) <= set(HAZARDS), kind
        assert len(set(hazards)) == len(hazards), kind
    assert hazards_of("drop_table", "rename_table") == (*STATEMENT_HAZARDS["drop_table"],
                                                        *STATEMENT_HAZARDS["rename_table"])
    with pytest.raises(KeyError):
        hazards_of("no_such_statement")


def _plan_modules() -> list[Path]:
    return sorted(p for p in PLAN.rglob("*.py") if p.name != "hazard_table.py")


def test_the_planner_takes_every_hazard_from_the_table() -> None:
    """No module of the planner imports a hazard name or spells one as a string: each statement's
    hazards come from STATEMENT_HAZARDS."""
    for path in _plan_modules():
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == "auditor.hazards":
                assert {a.name for a in node.names} <= {"ordered"}, f"{path.name} imports hazard names"
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                assert node.value not in HAZARDS, f"{path.name} spells {node.value}"


def test_every_row_of_the_table_is_used() -> None:
    used: set[str] = set()
    for path in _plan_modules():
        used |= {node.value for node in ast.walk(ast.parse(path.read_text()))
                 if isinstance(node, ast.Constant) and isinstance(node.value, str)}
    assert sorted(set(STATEMENT_HAZARDS) - used) == []
