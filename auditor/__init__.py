"""schema-auditor: detect, report and heal schema drift in SQLite and PostgreSQL databases.

The library API (see the README, "At application start-up")::

    import auditor

    report = auditor.check("postgresql://app@db/app", "schema/app.yaml")   # read-only
    report.clean, report.drift, report.version

    auditor.ensure(engine, "schema/app.yaml")   # heal what is safe, else raise SchemaDriftError

``db`` is a URL, a SQLite path or a SQLAlchemy Engine or Connection; ``spec`` a spec file or a
spec loaded with ``auditor.load_spec``. Errors are ``auditor.AuditorError`` and its subclasses.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["AuditorError", "ConfigError", "ConnectError", "DriftItem", "Report", "SchemaDriftError", "SpecError",
           "VersionSource", "check", "ensure", "load_spec"]

if TYPE_CHECKING:
    from auditor.api import Report, SchemaDriftError, check, ensure
    from auditor.diff import DriftItem
    from auditor.errors import AuditorError, ConfigError, ConnectError, SpecError
    from auditor.spec import load_spec
    from auditor.target import VersionSource

# Imported when first used: ``python -m auditor`` and ``import auditor.cli`` load only what they need.
_HOMES = {"Report": "auditor.api", "SchemaDriftError": "auditor.api", "check": "auditor.api", "ensure": "auditor.api",
          "DriftItem": "auditor.diff", "AuditorError": "auditor.errors", "ConfigError": "auditor.errors",
          "ConnectError": "auditor.errors", "SpecError": "auditor.errors", "load_spec": "auditor.spec",
          "VersionSource": "auditor.target"}


def __getattr__(name: str) -> Any:
    """The public names, from the modules that define them."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'auditor' has no attribute {name!r}")
    from importlib import import_module

    return getattr(import_module(home), name)
