"""The differ as a pure function of two model values: one line per case."""
from __future__ import annotations

import dataclasses

import pytest

from auditor import model
from auditor.diff import KINDS
from auditor.dialects import POSTGRESQL
from auditor.diff import diff_schemas as _diff
from auditor.model import CheckConstraint, Column, ForeignKey, Index, PrimaryKey, Schema, Table, raw_expr

ID = Column("id", "integer", False)
EMAIL = Column("email", "varchar(255)", False)
BASE = Table("users", "public", (ID, EMAIL), PrimaryKey(("id",)), (Index("ux_email", ("email",), True),))
FK = ForeignKey(("id",), "public.accounts", ("id",), "CASCADE")


def diff_schemas(expected: Schema, actual: Schema, ignore: tuple[str, ...] = ()) -> list:
    """The differ on these hand-made values (their expressions name columns the Postgres way)."""
    return _diff(expected, actual, ignore, dialect=POSTGRESQL)


def _with(**changes) -> Table:
    from dataclasses import replace

    return replace(BASE, **changes)


# (case, live table replacing BASE or None for no table, expected (kind, name) items)
CASES = [
    ("identical", BASE, []),
    ("missing table", None, [("missing_table", None)]),
    ("missing column", _with(columns=(ID,)), [("missing_column", "email")]),
    ("extra column", _with(columns=(ID, EMAIL, Column("x", "text"))), [("extra_column", "x")]),
    ("type", _with(columns=(ID, Column("email", "text", False))), [("type_mismatch", "email")]),
    ("nullable", _with(columns=(ID, Column("email", "varchar(255)"))), [("nullable_mismatch", "email")]),
    ("default", _with(columns=(ID, Column("email", "varchar(255)", False, raw_expr("''")))), [("default_mismatch", "email")]),
    ("type and default", _with(columns=(ID, Column("email", "text", False, raw_expr("''")))),
     [("type_mismatch", "email"), ("default_mismatch", "email")]),
    ("no primary key", _with(primary_key=None), [("primary_key_mismatch", None)]),
    ("other primary key", _with(primary_key=PrimaryKey(("id", "email"))), [("primary_key_mismatch", None)]),
    ("pk name is not compared", _with(primary_key=PrimaryKey(("id",), "users_pkey")), []),
    ("missing index", _with(indexes=()), [("missing_index", "ux_email")]),
    ("extra index", _with(indexes=BASE.indexes + (Index("ix", ("id",)),)), [("extra_index", "ix")]),
    ("index not unique", _with(indexes=(Index("ux_email", ("email",)),)), [("index_mismatch", "ux_email")]),
    ("index predicate", _with(indexes=(Index("ux_email", ("email",), True, raw_expr("id > 0")),)), [("index_mismatch", "ux_email")]),
    ("column order is not drift", _with(columns=(EMAIL, ID)), []),
    ("extra foreign key", _with(foreign_keys=(FK,)), [("extra_foreign_key", "users_id_fkey")]),
]


@pytest.mark.parametrize(("case", "live", "expected"), CASES, ids=[c[0] for c in CASES])
def test_diff(case: str, live: Table | None, expected: list[tuple[str, str | None]]) -> None:
    actual = Schema((live,) if live else ())
    items = diff_schemas(Schema((BASE,)), actual)
    assert [(i.kind, i.name) for i in items] == expected
    assert all(i.table == "users" and i.schema == "public" for i in items)


# Equal as values, yet drift: what equality leaves out. The differ skips equal tables, so each of
# these must still be seen. (case, spec table, live table, expected (kind, name) items)
COMMENTED = _with(comment="people", columns=(ID, dataclasses.replace(EMAIL, comment="login")))
CHECK = CheckConstraint(raw_expr("id > 0"), "users_id_check")
NAMED_FK = dataclasses.replace(FK, name="users_id_fkey")
BEYOND_EQUALITY = [
    ("table comment", COMMENTED, dataclasses.replace(COMMENTED, comment="persons"), [("comment_mismatch", None)]),
    ("column comment", COMMENTED, dataclasses.replace(COMMENTED, columns=(ID, EMAIL)), [("comment_mismatch", "email")]),
    ("check not valid", _with(checks=(CHECK,)), _with(checks=(dataclasses.replace(CHECK, validated=False),)),
     [("constraint_not_validated", "users_id_check")]),
    ("foreign key not valid", _with(foreign_keys=(NAMED_FK,)),
     _with(foreign_keys=(dataclasses.replace(NAMED_FK, validated=False),)),
     [("constraint_not_validated", "users_id_fkey")]),
    ("index comment", _with(indexes=(Index("users_email", ("email",), comment="logins"),)),
     _with(indexes=(Index("users_email", ("email",), comment="old"),)), [("index_comment_mismatch", "users_email")]),
]


@pytest.mark.parametrize(("case", "spec", "live", "expected"), BEYOND_EQUALITY, ids=[c[0] for c in BEYOND_EQUALITY])
def test_drift_that_equality_leaves_out(case: str, spec: Table, live: Table, expected: list[tuple[str, str | None]]) -> None:
    assert spec == live  # the premise: only the left-out fields differ
    assert [(i.kind, i.name) for i in diff_schemas(Schema((spec,)), Schema((live,)))] == expected


def test_every_field_equality_leaves_out_is_known_to_the_differ() -> None:
    """A new ``compare=False`` field would be skipped for equal tables: teach ``diff._unchanged`` first."""
    left_out = {f"{cls.__name__}.{f.name}" for cls in vars(model).values()
                if dataclasses.is_dataclass(cls) and isinstance(cls, type) for f in dataclasses.fields(cls) if not f.compare}
    assert left_out == {"Column.comment", "Column.renamed_from", "CheckConstraint.validated", "ForeignKey.validated",
                        "Index.elements", "Index.comment",
                        # Not a table's: _diff_sequences compares it where the spec gives one.
                        "Sequence.owned_by",
                        "Table.comment", "Table.renamed_from", "Schema.ignore",
                        "Table.sql",  # the live CREATE text, which rebuilds copy from: the differ never reads it
                        # A function's statement (its parts are compared) and which phase it is made in.
                        "Function.sql", "Function.atomic",
                        # An exclusion constraint's parts as written: its definition (their canonical whole) is compared.
                        "ExclusionConstraint.elements", "ExclusionConstraint.using", "ExclusionConstraint.where",
                        # A trigger's statement: its parts are compared.
                        "Trigger.sql"}


def test_missing_foreign_key_is_matched_by_shape_not_name() -> None:
    want = Schema((_with(foreign_keys=(ForeignKey(("id",), "public.accounts", ("id",), name="fk_a"),)),))
    renamed = Schema((_with(foreign_keys=(ForeignKey(("id",), "public.accounts", ("id",), name="other"),)),))
    assert diff_schemas(want, renamed) == []
    items = diff_schemas(want, Schema((BASE,)))
    assert [(i.kind, i.name) for i in items] == [("missing_foreign_key", "fk_a")]


def test_extra_table_and_ignore_globs() -> None:
    live = Schema((BASE, Table("tmp_import", "public", (ID,))))
    assert [i.kind for i in diff_schemas(Schema((BASE,)), live)] == ["extra_table"]
    assert diff_schemas(Schema((BASE,)), live, ignore=("tmp_*",)) == []
    assert diff_schemas(Schema((BASE,), ignore=("public.tmp_*",)), live) == []
    extra_col = Schema((_with(columns=(ID, EMAIL, Column("legacy_x", "text"))),))
    assert diff_schemas(Schema((BASE,)), extra_col, ignore=("users.legacy_*",)) == []


def test_severity_is_error_for_missing_and_mismatch_warning_for_extra() -> None:
    # An extra grant is no harmless leftover: it gives a role access the spec withholds.
    extras = {k for k in KINDS if k.startswith("extra_")} - {"extra_grant"}
    assert {k for k, s in KINDS.items() if s == "warning"} == extras
    assert KINDS["extra_grant"] == "error"
