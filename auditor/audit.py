"""One audit: load the spec, read the live schema, diff. The unit every command is built from."""
from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

from auditor.canon import normalize_schema
from auditor.database import Target, dialect_of, parse_url
from auditor.diff import KINDS, DriftItem, diff_schemas, failing_items
from auditor.dialects import Dialect
from auditor.errors import AuditorError, ConfigError, SpecError
from auditor.inspect import read_live_schema, read_target, schemas_to_read
from auditor.model import Schema
from auditor.sources import load_source
from auditor.spec import load_spec
from auditor.versioning import Recorded, VersionCheck, check_versions, ignore_pattern, read_recorded


@dataclass(frozen=True)
class AuditResult:
    """What one audit of one database found; ``error`` is set when it could not run."""

    target: Target
    dialect: Dialect | None = None
    expected: Schema | None = field(default=None, repr=False)
    actual: Schema | None = field(default=None, repr=False)
    drift: tuple[DriftItem, ...] = ()
    error: str | None = None
    seconds: float = 0.0
    version: VersionCheck | None = None

    def counts(self) -> dict[str, int]:
        """Drift items per kind, only kinds that occur."""
        out: dict[str, int] = {}
        for item in self.drift:
            out[item.kind] = out.get(item.kind, 0) + 1
        return {kind: out[kind] for kind in KINDS if kind in out}

    def failing(self, strict: bool = False) -> list[DriftItem]:
        """The items that make the audit fail: errors, and warnings too when ``strict``."""
        return failing_items(self.drift, strict)

    def fails(self, strict: bool = False) -> bool:
        """Whether the audit fails a run: failing items, or with ``strict`` a version warning too
        (spec_outdated, version_mismatch)."""
        warned = self.version is not None and self.version.severity == "warning"
        return bool(self.failing(strict)) or (strict and warned)


@lru_cache(maxsize=32)
def _cached_spec(path: str, mtime_ns: int) -> Schema:
    return load_spec(path)


def load_expected(spec_path: str) -> Schema:
    """The spec at ``spec_path``, parsed once per file version in this process."""
    try:
        mtime = Path(spec_path).stat().st_mtime_ns
    except OSError:
        mtime = 0
    return _cached_spec(spec_path, mtime)


def check_identifier_lengths(schema: Schema, dialect: Dialect, spec: str) -> None:
    """SpecError for names the engine would truncate (Postgres: 63 bytes): such an object could
    never match its spec."""
    limit = dialect.max_identifier_bytes
    if limit is None:
        return
    names = [("schema", t.schema or "") for t in schema.tables] + [("table", t.name) for t in schema.tables]
    for table in schema.tables:
        names += [("column", c.name) for c in table.columns] + [("index", i.name) for i in table.indexes]
        names += [("constraint", c.name or "") for c in (*table.foreign_keys, *table.unique_constraints, *table.checks)]
    names += [(kind, o.name) for kind, objects in (("enum", schema.enums), ("view", schema.views),
                                                     ("sequence", schema.sequences)) for o in objects]
    too_long = [f"{spec}: {kind} name {name!r} is {len(name.encode())} bytes; {dialect.name} keeps only {limit}"
                for kind, name in names if len(name.encode()) > limit]
    if too_long:
        raise SpecError("\n".join(dict.fromkeys(too_long)), "shorten the names")


def audit_target(target: Target, ignore: tuple[str, ...] = ()) -> AuditResult:
    """Audit one database against its spec; failures become ``AuditResult.error``."""
    started = time.monotonic()
    try:
        if not target.spec:
            raise ConfigError(f"{target.name}: no spec given", "pass --spec FILE or set 'spec' in the config")
        dialect = dialect_of(parse_url(target.url))
        expected = _expected(target, dialect)
        check_identifier_lengths(expected, dialect, target.spec)
        actual, recorded = read_target(target, lambda conn, d: (
            read_live_schema(conn, d, schemas_to_read(expected, d)),
            read_recorded(conn, d, target.version) if target.version else Recorded()))
    except AuditorError as exc:
        return AuditResult(target, error=exc.report(), seconds=time.monotonic() - started)
    drift = tuple(diff_schemas(expected, actual, ignore + target.ignore))
    version = check_versions(expected.version, recorded, drift, target.version, target.spec) \
        if target.version else None
    return AuditResult(target, dialect, expected, actual, drift, seconds=time.monotonic() - started,
                       version=version)


def _expected(target: Target, dialect: Dialect) -> Schema:
    """The target's expected schema, canonical; the version table it reads its version from is
    not reported as an extra table unless the expected schema declares it."""
    assert target.spec is not None
    expected = normalize_schema(load_expected(target.spec), dialect) if target.source is None \
        else load_source(target.source, dialect, target.version)
    pattern = ignore_pattern(target.version, expected, dialect)
    return replace(expected, ignore=expected.ignore + (pattern,)) if pattern else expected
