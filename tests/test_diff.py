"""The differ as a pure function of two model values: one line per case."""
from __future__ import annotations

import pytest

from auditor.diff import KINDS, diff_schemas
from auditor.model import Column, ForeignKey, Index, PrimaryKey, Schema, Table

ID = Column("id", "integer", False)
EMAIL = Column("email", "varchar(255)", False)
BASE = Table("users", "public", (ID, EMAIL), PrimaryKey(("id",)), (Index("ux_email", ("email",), True),))
FK = ForeignKey(("id",), "public.accounts", ("id",), "CASCADE")


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
    ("default", _with(columns=(ID, Column("email", "varchar(255)", False, "''"))), [("default_mismatch", "email")]),
    ("type and default", _with(columns=(ID, Column("email", "text", False, "''"))),
     [("type_mismatch", "email"), ("default_mismatch", "email")]),
    ("no primary key", _with(primary_key=None), [("primary_key_mismatch", None)]),
    ("other primary key", _with(primary_key=PrimaryKey(("id", "email"))), [("primary_key_mismatch", None)]),
    ("pk name is not compared", _with(primary_key=PrimaryKey(("id",), "users_pkey")), []),
    ("missing index", _with(indexes=()), [("missing_index", "ux_email")]),
    ("extra index", _with(indexes=BASE.indexes + (Index("ix", ("id",)),)), [("extra_index", "ix")]),
    ("index not unique", _with(indexes=(Index("ux_email", ("email",)),)), [("index_mismatch", "ux_email")]),
    ("index predicate", _with(indexes=(Index("ux_email", ("email",), True, "id > 0"),)), [("index_mismatch", "ux_email")]),
    ("column order is not drift", _with(columns=(EMAIL, ID)), []),
    ("extra foreign key", _with(foreign_keys=(FK,)), [("extra_foreign_key", "users_id_fkey")]),
]


@pytest.mark.parametrize(("case", "live", "expected"), CASES, ids=[c[0] for c in CASES])
def test_diff(case: str, live: Table | None, expected: list[tuple[str, str | None]]) -> None:
    actual = Schema((live,) if live else ())
    items = diff_schemas(Schema((BASE,)), actual)
    assert [(i.kind, i.name) for i in items] == expected
    assert all(i.table == "users" and i.schema == "public" for i in items)


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
    assert {k for k, s in KINDS.items() if s == "warning"} == {k for k in KINDS if k.startswith("extra_")}
