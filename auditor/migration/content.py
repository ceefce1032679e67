"""What a migration holds, whatever the tool: the statements ``apply`` would run with the same
hazard allowance, each with the notes ``plan`` prints for it, and the rest listed as withheld."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Sequence

from auditor.apply import Withheld, withheld_reason
from auditor.dialects import Dialect
from auditor.plan import Precheck, Statement, comment_text
from auditor.plan.render import statement_notes

# A rebuild is more than its SQL: apply turns foreign keys off around it, makes again the live
# triggers the spec does not name, and checks foreign keys before it commits.
REBUILD_REASON = "a SQLite table rebuild runs only through schema-auditor apply"
# The comment line before each statement a home-grown runner must run outside a transaction.
NO_TRANSACTION_MARK = "-- schema-auditor: no-transaction"


@dataclass(frozen=True)
class Heal:
    """The migration's content: ``included`` runs (plan order), ``withheld`` is listed only."""

    database: str
    dialect: Dialect
    included: tuple[Statement, ...]
    withheld: tuple[Withheld, ...]
    violations: Mapping[Precheck, int] = field(default_factory=dict)

    @property
    def own_transaction(self) -> bool:
        """Whether some included statement must run outside a transaction."""
        return any(st.own_transaction for st in self.included)


def heal_of(database: str, dialect: Dialect, statements: Sequence[Statement], allowed: frozenset[str],
            violations: Mapping[Precheck, int] | None = None) -> Heal:
    """Split a plan as apply would with ``allowed`` hazards; SQLite rebuilds are withheld too."""
    included: list[Statement] = []
    withheld: list[Withheld] = []
    for st in statements:
        reason = withheld_reason(st, allowed) or (REBUILD_REASON if st.rebuild else None)
        if reason:
            withheld.append(Withheld(st, reason))
        else:
            included.append(st)
    return Heal(database, dialect, tuple(included), tuple(withheld), dict(violations or {}))


def summary_lines(heal: Heal, tool: str) -> list[str]:
    """The header of every form, without comment markers: what it heals, and whether it may rerun."""
    withheld = f"; {len(heal.withheld)} withheld, listed at the end" if heal.withheld else ""
    lines = [f"{tool} migration written by schema-auditor: heals the schema drift of "
             f"{comment_text(heal.database)} ({heal.dialect.name}) in {len(heal.included)} statement(s){withheld}"]
    if heal.dialect.guarded_blocks:
        lines.append("every statement is idempotent: running it twice changes nothing")
    else:
        lines.append("ADD/DROP/RENAME COLUMN have no IF [NOT] EXISTS here: run it once, as a migration runner does")
    return lines


def withheld_lines(heal: Heal) -> list[str]:
    """The withheld statements, without comment markers: each with its notes, why, and its SQL."""
    if not heal.withheld:
        return []
    lines = ["", "withheld, not in this migration (schema-auditor apply would withhold them too, with the same flags):"]
    for entry in heal.withheld:
        st = entry.statement
        lines.append(f"{statement_notes(st, heal.violations)[0]}: {comment_text(entry.reason)}")
        if not st.manual:
            lines += [f"  {line}" for line in f"{st.sql};".splitlines()]
    return lines


def commented(lines: Sequence[str], marker: str) -> list[str]:
    """Lines as comments (``-- `` or ``# ``); empty ones stay empty."""
    return [f"{marker}{line}".rstrip() if line else "" for line in lines]


def sql_script(heal: Heal, tool: str, preamble: Sequence[str] = (), mark: bool = False) -> str:
    """The SQL form (Flyway, numbered files): header, each statement with its notes (and, when
    ``mark``, ``NO_TRANSACTION_MARK`` right before one that runs alone), the withheld ones last."""
    lines = commented([*summary_lines(heal, tool), *preamble], "-- ")
    for st in heal.included:
        first, *rest = statement_notes(st, heal.violations)
        lines += ["", f"-- {first}", *(f"-- {note}" for note in rest)]
        if mark and st.own_transaction:
            lines.append(NO_TRANSACTION_MARK)
        lines.append(f"{st.sql};")
    return "\n".join(lines + commented(withheld_lines(heal), "-- ")) + "\n"
