"""One audit: load the spec, read the live schema, diff. The unit every command is built from."""
from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Sequence

from auditor.canon import normalize_schema
from auditor.database import connect, dialect_of, parse_url
from auditor.dialects import Dialect
from auditor.diff import KINDS, DriftItem, diff_schemas, failing_items
from auditor.errors import AuditorError, ConfigError, SpecError, UnexpectedError
from auditor.exact import ENGINE, engine_canonical, mode_without_engine
from auditor.gcpause import paused_collection
from auditor.inspect import (
    read_audited_schema,
    read_target,
    schemas_to_read,
    user_schemas,
)
from auditor.model import Schema
from auditor.partitions import with_parents_parts
from auditor.redact import redact_url
from auditor.scratch import postgres_scratch
from auditor.sources import load_source
from auditor.spec import load_spec
from auditor.speccache import load_cached, read_spec_file, recalled, remembered, store
from auditor.specgrants import default_privileges, roles_mapped
from auditor.target import Target
from auditor.tenants import (
    database_wide,
    matching_schemas,
    rehomed,
    split_by_schema,
    tenant_spec_problem,
    tenant_template,
)
from auditor.typenames import names_to_ask, user_type_names
from auditor.versioning import (
    Recorded,
    VersionCheck,
    check_versions,
    ignore_pattern,
    read_recorded,
)

log = logging.getLogger("auditor")

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection


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
    failure: AuditorError | None = field(default=None, repr=False, compare=False)  # what ``error`` says
    version: VersionCheck | None = None
    # How expressions were compared (``auditor.exact``), and what the scratch database refused.
    expressions: str = ""
    refused: tuple[str, ...] = ()
    # Live objects of kinds the audit does not compare, per kind (only kinds with some).
    not_audited: dict[str, int] = field(default_factory=dict)
    # A database of tenant schemas (``tenant_schemas``): how many schemas matched, and each one's
    # own audit (named ``DATABASE/SCHEMA``); this result holds what the database has once.
    tenant_schemas_found: int | None = None
    tenants: tuple[AuditResult, ...] = field(default=(), repr=False)
    tenant: str | None = None  # the schema, on a tenant's own result

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


def with_tenants(results: Sequence[AuditResult]) -> list[AuditResult]:
    """The results with each tenant database's tenant audits after it: one entry each."""
    return [entry for result in results for entry in (result, *result.tenants)]


def load_expected(spec_path: str) -> Schema:
    """The spec at ``spec_path``, parsed once per file content (see ``auditor.speccache``)."""
    return load_cached(spec_path)[1]


def expected_schema(spec_path: str, dialect: Dialect) -> Schema:
    """The spec at ``spec_path``, canonical for ``dialect`` and checked against its name limits;
    made once per file content and dialect, and kept with the loaded spec (``auditor.speccache``)."""
    key, data = read_spec_file(spec_path)

    def make() -> Schema:
        expected = with_parents_parts(normalize_schema(remembered(key, lambda: load_spec(spec_path, data)), dialect))
        check_identifier_lengths(expected, dialect, spec_path)
        check_column_counts(expected, dialect, spec_path)
        return expected

    return remembered(f"{key}-{dialect.name}", make)


def check_column_counts(schema: Schema, dialect: Dialect, spec: str) -> None:
    """SpecError for a table without columns (``columns: {}``) on an engine that has none."""
    if dialect.zero_column_tables:
        return
    empty = [t.key for t in schema.tables if not t.columns and not (t.partition_of or t.inherits)]
    if empty:
        raise SpecError(f"{spec}: table {empty[0]} has no columns; {dialect.name} tables need at least one",
                        "give the table a column")


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
    """Audit one database against its spec; failures become ``AuditResult.error``, also an
    exception that is not one of ours (logged with its traceback on the ``auditor`` logger), so
    that one database never stops a fleet."""
    started = time.monotonic()
    try:
        with paused_collection():
            return _audit_target(target, ignore)
    except Exception as exc:  # noqa: BLE001 - any bug here must stay this database's error
        log.debug("audit of %s failed", target.name, exc_info=True)
        error = UnexpectedError.of(exc, f"{target.name}: audit")
        return AuditResult(target, error=error.report(), seconds=time.monotonic() - started, failure=error)


def _audit_target(target: Target, ignore: tuple[str, ...]) -> AuditResult:
    started = time.monotonic()
    try:
        if not target.spec:
            raise ConfigError(f"{target.name}: no spec given", "pass --spec FILE or set 'spec' in the config")
        dialect = dialect_of(parse_url(target.url))
        expected, expressions, refused = expected_with_mode(target, dialect)
        if target.tenant_schemas:
            return _audit_tenants(target, ignore, dialect, expected, (expressions, refused), started)
    except AuditorError as exc:
        return AuditResult(target, error=exc.report(), seconds=time.monotonic() - started, failure=exc)
    return _audit_expected(target, ignore, dialect, expected, (expressions, refused), started)


def audit_spec(target: Target, spec: Schema, ignore: tuple[str, ...] = ()) -> AuditResult:
    """Audit one database against a spec already loaded (``load_spec``); ``target.spec`` only
    labels it. Failures become ``AuditResult.error``."""
    started = time.monotonic()
    try:
        dialect = dialect_of(parse_url(target.url))
        label = target.spec or "spec"
        expected = with_parents_parts(normalize_schema(spec, dialect))
        check_identifier_lengths(expected, dialect, label)
        check_column_counts(expected, dialect, label)
        expected = with_target_privileges(expected, target, dialect)
    except AuditorError as exc:
        return AuditResult(target, error=exc.report(), seconds=time.monotonic() - started, failure=exc)
    with paused_collection():
        return _audit_expected(target, ignore, dialect, expected, (mode_without_engine(dialect), ()), started)


def _audit_expected(target: Target, ignore: tuple[str, ...], dialect: Dialect, expected: Schema,
                    mode: tuple[str, tuple[str, ...]], started: float) -> AuditResult:
    """Read the database (and its recorded version) and diff it with ``expected``."""
    expressions, refused = mode
    try:
        (actual, not_audited), recorded = read_target(target, lambda conn, d: (
            _known_types(conn, d, expected, target, read_audited_schema(
                conn, d, schemas_to_read(expected, d), privileges=expected.privileges is not None)),
            read_recorded(conn, d, target.version) if target.version else Recorded()))
    except AuditorError as exc:
        return AuditResult(target, error=exc.report(), seconds=time.monotonic() - started, failure=exc)
    drift = tuple(diff_schemas(expected, actual, ignore + target.ignore, dialect=dialect))
    version = check_versions(expected.version, recorded, drift, target.version, target.spec) \
        if target.version else None
    return AuditResult(target, dialect, expected, actual, drift, seconds=time.monotonic() - started,
                       version=version, expressions=expressions, refused=refused, not_audited=not_audited)


def _audit_tenants(target: Target, ignore: tuple[str, ...], dialect: Dialect, expected: Schema,
                   mode: tuple[str, tuple[str, ...]], started: float) -> AuditResult:
    """Every schema matching ``target.tenant_schemas``, read with one set of catalog queries and
    compared with the spec moved into it; the database's own result holds the extensions."""
    glob = _tenant_glob(target, dialect)
    template = tenant_template(expected, dialect)
    tenants, (live, not_audited) = read_target(target, lambda conn, d: _read_tenants(conn, d, glob))
    patterns = ignore + target.ignore
    results = []
    for schema, actual in split_by_schema(live, tenants).items():
        began = time.monotonic()
        want = rehomed(template, schema, dialect)
        drift = tuple(diff_schemas(want, actual, patterns, dialect=dialect))
        results.append(AuditResult(replace(target, name=f"{target.name}/{schema}", tenant_schemas=None), dialect,
                                   want, actual, drift, seconds=time.monotonic() - began,
                                   expressions=mode[0], refused=mode[1], tenant=schema))
    wide_expected, wide_actual = database_wide(expected, live)
    drift = tuple(diff_schemas(wide_expected, wide_actual, patterns, dialect=dialect))
    return AuditResult(target, dialect, wide_expected, wide_actual, drift, seconds=time.monotonic() - started,
                       expressions=mode[0], refused=mode[1], tenant_schemas_found=len(tenants),
                       tenants=tuple(results), not_audited=not_audited)


def _read_tenants(conn: Connection, dialect: Dialect,
                  glob: str) -> tuple[tuple[str, ...], tuple[Schema, dict[str, int]]]:
    """The tenant schemas, read at once; what they hold and the rest of the database does that is
    not compared is counted once, on the database's own result."""
    present = user_schemas(conn, dialect)
    tenants = matching_schemas(present, glob)
    return tenants, read_audited_schema(conn, dialect, tenants, present)


def _known_types(conn: Connection, dialect: Dialect, expected: Schema, target: Target,
                 read: tuple[Schema, dict[str, int]]) -> tuple[Schema, dict[str, int]]:
    """``read`` (the live schema), once the server has said it knows every column type of the
    spec that is neither built in nor the spec's own (SpecError naming those it does not; not
    asked while an extension the spec lists is missing, which may make them)."""
    asked = names_to_ask(expected.tables, user_type_names(expected))
    if not asked or not dialect.known_types_sql:
        return read
    if set(expected.extensions or ()) - set(read[0].extensions or ()):
        return read
    known = {row[0] for row in conn.exec_driver_sql(dialect.known_types_sql, {"names": list(asked)})}
    unknown = [f"{target.spec}: column {where}: type '{name}' is not known to the server (not in pg_type, nor an "
               "enum, domain or type of the spec)" for name, where in asked.items() if name not in known]
    if unknown:
        raise SpecError("\n".join(unknown), "fix the type's name, or create it (or its extension) first")
    return read


def _tenant_glob(target: Target, dialect: Dialect) -> str:
    """The target's tenant glob, once its spec is known to describe one tenant (ConfigError if not)."""
    assert target.tenant_schemas is not None and target.spec is not None
    what = f"{target.name}: tenant_schemas {target.tenant_schemas!r}"
    if not dialect.has_schemas:
        raise ConfigError(f"{what}: {dialect.name} has no schemas", "tenant_schemas is for Postgres")
    if target.source is not None:
        raise ConfigError(f"{what} needs a spec, not {target.spec}", "pass --spec FILE")
    if target.version is not None:
        raise ConfigError(f"{what}: the version cross-check is not supported per tenant",
                          "leave out version_query / version_table for this database")
    spec = load_expected(target.spec)
    if target.privileges or (target.privileges is None and spec.privileges is not None):
        raise ConfigError(f"{what}: grants and owners are not compared per tenant",
                          "set privileges: false for this database, or leave the spec's grants out")
    problem = tenant_spec_problem(spec)
    if problem:
        raise ConfigError(f"{target.spec}: {problem}", "write the tables as one tenant's, without a schema")
    return target.tenant_schemas


def expected_with_mode(target: Target, dialect: Dialect) -> tuple[Schema, str, tuple[str, ...]]:
    """``expected_for``, in exact mode where the target names a dev server (``--dev-url``) and the
    expected schema is a spec: with how its expressions are compared, and what the server refused."""
    expected = expected_for(target, dialect)
    if not (target.dev_url and dialect.parse_tree_expressions and target.source is None and target.spec):
        return expected, mode_without_engine(dialect), ()
    key = f"{read_spec_file(target.spec)[0]}-{dialect.name}-served-" + \
        hashlib.sha256(redact_url(target.dev_url).encode()).hexdigest()[:16]
    cached = recalled(key)
    if cached is not None:
        return replace(cached, ignore=expected.ignore), ENGINE, ()
    with postgres_scratch(target.dev_url) as scratch, connect(scratch, readonly=False) as conn:
        served = engine_canonical(expected, dialect, conn)
    if not served.refused:  # a refusal is reported on every run, until the spec is fixed
        store(key, served.schema)
    return served.schema, ENGINE, served.refused


def expected_for(target: Target, dialect: Dialect) -> Schema:
    """The target's expected schema, canonical and checked against the engine's name limits; the
    version table it reads its version from is not reported as an extra table unless the expected
    schema declares it."""
    assert target.spec is not None
    if target.source is None:
        expected = expected_schema(target.spec, dialect)  # cached by the spec's content
    else:
        expected = load_source(target.source, dialect, target.version, bool(target.privileges))
        check_identifier_lengths(expected, dialect, target.spec)
    expected = with_target_privileges(expected, target, dialect)
    pattern = ignore_pattern(target.version, expected, dialect)
    return replace(expected, ignore=expected.ignore + (pattern,)) if pattern else expected


def with_target_privileges(expected: Schema, target: Target, dialect: Dialect) -> Schema:
    """The expected grants and owners for this target: on or off as the config or command line say
    (on without a word in the spec: the defaults, no grants), with its roles mapped."""
    if not dialect.has_privileges or (target.privileges is None and expected.privileges is None):
        return expected
    privileges = expected.privileges
    if target.privileges is False:
        privileges = None
    elif privileges is None:
        privileges = default_privileges(expected)
    if privileges is not None:
        privileges = roles_mapped(privileges, dict(target.roles))
    return replace(expected, privileges=privileges)
