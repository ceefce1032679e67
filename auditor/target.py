"""What schema-auditor is pointed at: a database (:class:`Target`), where its expected schema comes
from (:class:`ExpectedSource`) and how to read the version it records (:class:`VersionSource`).

Plain values, importable from anywhere: connections (``auditor.database``), sources
(``auditor.sources``), the version cross-check (``auditor.versioning``) and the inspector all take
them, and this module depends on none of them. Making a target remembers the secrets its URLs hold
(``auditor.redact``), so no output shows them whatever route they take.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from auditor.redact import redact_url, remember_url

DB, SQL, MODELS = "db", "sql", "models"


@dataclass(frozen=True)
class ApplySettings:
    """A database's own apply settings from the config (``apply:``); None: not set there, so the
    command line's value or the default holds. Durations in seconds."""

    concurrent_indexes: bool | None = None
    lock_timeout: float | None = None
    statement_timeout: float | None = None
    lock_wait: float | None = None
    allow_hazards: tuple[str, ...] | None = None
    allow_destructive: bool | None = None
    apply_log: str | None = None


@dataclass(frozen=True)
class Target:
    """One database to audit. ``name`` is safe to print; ``url`` may hold a secret.

    ``spec`` names what the database is held to: a spec file, or the label of ``source`` when the
    expected schema comes from a reference database or a DDL file. ``version`` says how to read
    the version the database records (None: no version cross-check). ``dev_url`` names the
    Postgres server where plans are verified on a scratch copy (``auditor.verify``).
    """

    name: str
    url: str = field(repr=False)
    spec: str | None = None
    ignore: tuple[str, ...] = ()
    source: ExpectedSource | None = None
    version: VersionSource | None = None
    dev_url: str | None = field(default=None, repr=False)  # a Postgres server for scratch databases
    # A glob of schema names: each matching schema is one tenant, audited against the spec on its own.
    tenant_schemas: str | None = None
    # Compare grants and owners (Postgres): True or False overrides the spec, None leaves it to it;
    # ``roles`` maps the role names of the spec to this database's, as (spec name, role) pairs.
    privileges: bool | None = None
    roles: tuple[tuple[str, str], ...] = ()
    apply: ApplySettings = ApplySettings()

    def __post_init__(self) -> None:
        for url in (self.url, self.dev_url, self.source.location if self.source and self.source.kind == DB else None,
                    self.source.dev_url if self.source else None):
            remember_url(url)


@dataclass(frozen=True)
class ExpectedSource:
    """Where an expected schema comes from: a reference database (``db``), a DDL file (``sql``) or
    SQLAlchemy models (``models``, ``MODULE:ATTRIBUTE``), the last two built in a scratch database
    (on Postgres one created on ``dev_url``)."""

    kind: str
    location: str = field(repr=False)
    dev_url: str | None = field(default=None, repr=False)

    @property
    def label(self) -> str:
        """How reports name the source (the URL without its password)."""
        return redact_url(self.location) if self.kind == DB else self.location

    @property
    def scratch(self) -> bool:
        """Whether the source is built in a scratch database (``dev_url`` on Postgres)."""
        return self.kind != DB


@dataclass(frozen=True)
class Convention:
    """A migration tool's version table: which column holds versions and which rows count."""

    column: str
    where: str = ""
    by_app: bool = False     # Django: one app's migrations
    numbered: bool = False   # names whose leading number orders them (0003_add_tickers)


CONVENTIONS: dict[str, Convention] = {
    "alembic_version": Convention("version_num"),
    "django_migrations": Convention("name", by_app=True, numbered=True),
    "flyway_schema_history": Convention("version", where="success AND version IS NOT NULL"),
}
DEFAULT_COLUMN = "version"


@dataclass(frozen=True)
class VersionSource:
    """How to read a database's recorded version: a query, or a version table (shorthand)."""

    query: str | None = None
    table: str | None = None
    column: str | None = None
    app: str | None = None

    @property
    def convention(self) -> Convention | None:
        """The migration tool the table belongs to, by its table name (None: a plain table)."""
        return CONVENTIONS.get((self.table or "").rpartition(".")[2])

    @property
    def numbered(self) -> bool:
        """Whether versions are names ordered by their leading number (Django)."""
        return bool(self.convention and self.convention.numbered)
