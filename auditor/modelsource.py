"""SQLAlchemy models as the expected schema: ``MODULE:ATTRIBUTE`` names a ``MetaData``, a
declarative base (its ``metadata``) or a callable returning either.

The models are not mapped onto the schema model directly. SQLAlchemy itself creates their tables
(``metadata.create_all``) in the same scratch database a DDL file is loaded into (``auditor.sources``),
which is then read like any database. So the column types are the ones SQLAlchemy's type compiler
renders for the audited engine (``String(255)`` is ``VARCHAR(255)``, ``Uuid`` is ``CHAR(32)`` on
SQLite and ``uuid`` on Postgres, ``with_variant`` picks the engine's variant), ``Integer`` primary keys
are SERIAL on Postgres and rowid aliases on SQLite, ``Identity()`` is an identity column, ``Enum`` is a
Postgres enum type, and server defaults, indexes (partial, expression), constraints and comments are
whatever the engine keeps of the DDL. A database built by ``create_all`` therefore audits clean by
construction, with no second mapping that could disagree with SQLAlchemy's; a direct mapping would
have to re-derive every rendering rule and every name the engine gives. Python-side ``default=`` and
``onupdate=`` are not in the DDL, so they are not part of the schema.
"""
from __future__ import annotations

import importlib
import os
import sys
from typing import TYPE_CHECKING, Callable

from sqlalchemy import MetaData
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.schema import CreateSchema

from auditor.database import describe_error
from auditor.errors import SpecError

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

MODELS_HINT = "fix the models and run again"
_IMPORT_HINT = "name MODULE:ATTRIBUTE, importable from the current folder or PYTHONPATH, e.g. app.models:Base"


def import_metadata(location: str) -> MetaData:
    """The MetaData ``MODULE:ATTRIBUTE`` names (the current folder is importable, as for
    ``python -m``); a one-line SpecError naming what to fix when it cannot be had."""
    what = f"--expected-models {location}"
    module_name, _, attribute = location.partition(":")
    if not module_name.strip() or not attribute.strip():
        raise SpecError(f"{what} is not MODULE:ATTRIBUTE", _IMPORT_HINT)
    module = _import(module_name.strip(), what)
    value: object = module
    for part in attribute.strip().split("."):
        if not hasattr(value, part):
            raise SpecError(f"{what}: {module_name} has no attribute {attribute.strip()!r}", _IMPORT_HINT)
        value = getattr(value, part)
    metadata = _metadata_of(value, what)
    if not metadata.tables:
        raise SpecError(f"{what}: the MetaData holds no tables",
                        "import the modules that define the models from the one named")
    return metadata


def _import(name: str, what: str) -> object:
    cwd = os.getcwd()
    if cwd not in sys.path and "" not in sys.path:
        sys.path.insert(0, cwd)
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        raise SpecError(f"{what}: no module named {exc.name or name!r}", _IMPORT_HINT) from None
    except Exception as exc:  # noqa: BLE001 - the user's module failed: say how, in one line
        raise SpecError(f"{what}: importing {name} failed: {_one_line(exc)}", MODELS_HINT) from None


def _metadata_of(value: object, what: str, called: bool = False) -> MetaData:
    """``value`` as a MetaData: itself, its ``metadata`` (a declarative base), or what calling it
    returns (once)."""
    if isinstance(value, MetaData):
        return value
    if isinstance(getattr(value, "metadata", None), MetaData):
        return value.metadata  # type: ignore[attr-defined]
    if callable(value) and not called:
        try:
            returned = value()
        except Exception as exc:  # noqa: BLE001 - the user's callable failed
            raise SpecError(f"{what}: calling it failed: {_one_line(exc)}", MODELS_HINT) from None
        return _metadata_of(returned, what, called=True)
    got = f"returned a value of type {type(value).__name__}" if called else f"is of type {type(value).__name__}"
    raise SpecError(f"{what} {got}, not a MetaData or a declarative base",
                    "name a MetaData, a declarative Base, or a function returning one")


def models_loader(location: str) -> Callable[[Connection], None]:
    """What creates the models' tables on a scratch database's connection; the models are imported
    now, so that a bad name stops the run before any database is made."""
    metadata = import_metadata(location)
    return lambda conn: create_models(conn, metadata, location)


def create_models(conn: Connection, metadata: MetaData, location: str) -> None:
    """``metadata.create_all`` on ``conn``, after the schemas its tables and types are in (which
    ``create_all`` does not create); SpecError, one line, when the engine refuses the DDL."""
    try:
        if conn.dialect.name == "postgresql":
            for name in _schemas(metadata):
                conn.execute(CreateSchema(name, if_not_exists=True))
        metadata.create_all(conn)
    except DBAPIError as exc:
        raise SpecError(f"--expected-models {location}: {describe_error(exc)}", MODELS_HINT) from None
    except SQLAlchemyError as exc:
        raise SpecError(f"--expected-models {location}: {_one_line(exc)}", MODELS_HINT) from None


def _schemas(metadata: MetaData) -> list[str]:
    tables = metadata.tables.values()
    types = [getattr(column.type, "schema", None) for table in tables for column in table.columns]
    return sorted({name for name in [*(t.schema for t in tables), *types] if isinstance(name, str)})


def _one_line(exc: BaseException) -> str:
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return f"{type(exc).__name__}: {lines[0]}" if lines else type(exc).__name__
