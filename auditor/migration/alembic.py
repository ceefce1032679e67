"""The Alembic form: a revision file in the versions directory.

``down_revision`` is what the database's ``alembic_version`` records (several rows: a tuple, the
new revision merges them); without that table, the directory's head (the revision no other file
names as its ``down_revision``); else None. ``upgrade()`` runs each statement with ``op.execute``;
those that must run outside a transaction go inside ``op.get_context().autocommit_block()``.
``downgrade()`` undoes what ``auditor.migration.reverse`` can undo; when any statement cannot be
undone it raises NotImplementedError naming them (the reversible part written out as comments):
a downgrade that passed would let ``alembic_version`` say the schema went back when it did not.
"""
from __future__ import annotations

import ast
import re
import uuid
from datetime import datetime, timezone
from itertools import groupby
from pathlib import Path
from typing import Sequence

from auditor.errors import ConfigError
from auditor.migration.content import Heal, commented, summary_lines, withheld_lines
from auditor.migration.history import recorded_versions
from auditor.migration.reverse import Downgrade
from auditor.plan import Statement, comment_text
from auditor.plan.render import statement_notes
from auditor.target import Target

SLUG = "heal_schema_drift"
# What SQLAlchemy's text() would take for a bound parameter (``:name``); escaped as ``\:name``.
_BIND = re.compile(r"(?<![:\w\\]):(\w+)(?!:)")


def draft(heal: Heal, downgrade: Downgrade, directory: Path, target: Target) -> tuple[dict[Path, str], list[str]]:
    """The revision file (path and text) and notes on where it goes in the history."""
    down, notes = down_revision(directory, target, heal)
    revision = uuid.uuid4().hex[-12:]
    return {directory / f"{revision}_{SLUG}.py": revision_text(heal, downgrade, revision, down)}, notes


def down_revision(directory: Path, target: Target, heal: Heal) -> tuple[tuple[str, ...], list[str]]:
    """The revisions the new one follows, and a note when the database and the directory disagree."""
    recorded = recorded_versions(target, heal.dialect, "alembic_version")
    heads = directory_heads(directory)
    if not recorded:
        return heads, [f"{directory} has {len(heads)} heads: the new revision merges them"] if len(heads) > 1 else []
    recorded = sorted(set(recorded))
    notes = []
    if heads and tuple(recorded) != heads:
        notes.append(f"the database is at {', '.join(recorded)} but {directory} ends at {', '.join(heads)}: "
                     "the new revision follows the database (alembic heads may then list two)")
    return tuple(recorded), notes


def directory_heads(directory: Path) -> tuple[str, ...]:
    """The revisions of the directory's files that no other file names as its down_revision."""
    revisions: dict[str, tuple[str, ...]] = {}
    for path in sorted(directory.glob("*.py")) if directory.is_dir() else []:
        found = _identifiers(path)
        if "revision" in found:
            revisions[str(found["revision"])] = _as_tuple(found.get("down_revision"))
    named = {down for downs in revisions.values() for down in downs}
    return tuple(sorted(r for r in revisions if r not in named))


def _identifiers(path: Path) -> dict[str, object]:
    """The module-level ``revision`` and ``down_revision`` of a revision file."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    except (SyntaxError, UnicodeDecodeError, OSError) as exc:
        raise ConfigError(f"cannot read the revision in {path}: {exc}", "fix or move that file") from None
    found: dict[str, object] = {}
    for node in tree.body:
        target = node.targets[0] if isinstance(node, ast.Assign) else getattr(node, "target", None)
        value = getattr(node, "value", None)
        if isinstance(target, ast.Name) and target.id in ("revision", "down_revision") and value is not None:
            try:
                found[target.id] = ast.literal_eval(value)
            except ValueError:  # computed: not a revision file of the usual form
                continue
    return found


def _as_tuple(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    return tuple(str(v) for v in value) if isinstance(value, (tuple, list)) else (str(value),)


def revision_text(heal: Heal, downgrade: Downgrade, revision: str, down: tuple[str, ...]) -> str:
    """The revision file's text."""
    shown = down[0] if len(down) == 1 else (down or None)
    lines = ['"""heal schema drift', "", *summary_lines(heal, "Alembic"), "",
             f"Revision ID: {revision}", f"Revises: {', '.join(down)}".rstrip(),
             f"Create Date: {datetime.now(timezone.utc).isoformat(sep=' ', timespec='seconds')}", '"""',
             "from typing import Sequence, Union", "", "from alembic import op", "",
             "# revision identifiers, used by Alembic.", f"revision: str = {revision!r}",
             f"down_revision: Union[str, Sequence[str], None] = {shown!r}",
             "branch_labels: Union[str, Sequence[str], None] = None",
             "depends_on: Union[str, Sequence[str], None] = None", "", "",
             "def upgrade() -> None:", *_calls(heal.included, heal), *commented(withheld_lines(heal), "    # "),
             "", "", "def downgrade() -> None:", *_downgrade_body(heal, downgrade)]
    return "\n".join(lines) + "\n"


def _downgrade_body(heal: Heal, downgrade: Downgrade) -> list[str]:
    if not downgrade.irreversible:
        return _calls(downgrade.statements, heal)
    cannot = [statement_notes(st)[0] for st in downgrade.irreversible]
    lines = ["    # Not reversible: nothing gives back what these replaced or removed:",
             *commented(cannot, "    #   ")]
    if downgrade.statements:
        lines += ["    # What could be undone, for a downgrade written by hand:",
                  *commented("\n".join(_calls(downgrade.statements, heal, 0)).splitlines(), "    # ")]
    message = comment_text(f"schema-auditor: cannot reverse {'; '.join(cannot)}")
    return lines + [f"    raise NotImplementedError({message!r})"]


def _calls(statements: Sequence[Statement], heal: Heal, indent: int = 4) -> list[str]:
    """``op.execute`` per statement with its notes as comments; consecutive ones that must run
    outside a transaction inside one autocommit block."""
    lines: list[str] = []
    for alone, group in groupby(statements, key=lambda st: st.own_transaction):
        pad = " " * (indent + 4 * alone)
        if alone:
            lines.append(" " * indent + "with op.get_context().autocommit_block():")
        for st in group:
            lines += [f"{pad}# {note}" for note in statement_notes(st, heal.violations)]
            lines.append(f"{pad}op.execute({python_string(st.sql)})")
    return lines


def python_string(sql: str) -> str:
    """A Python literal of the SQL as op.execute takes it: what text() would read as a bound
    parameter escaped; several lines triple-quoted when that needs no escapes."""
    escaped = _BIND.sub(r"\\:\1", sql)
    if "\n" in escaped and '"""' not in escaped and "\\" not in escaped and not escaped.endswith('"'):
        return f'"""{escaped}"""'
    return repr(escaped)
