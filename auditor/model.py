"""The schema model: one set of frozen values for the desired (spec) and the live (inspected) schema.

Both the spec loader and the inspectors build these values, and ``canon.normalize_schema`` brings
either side into the same canonical form for a dialect, so that comparing them is plain equality.
Names are informational where an engine makes them up (SQLite keeps no constraint names): such
objects are matched by their shape, not their name.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace
from functools import lru_cache


def display_name(schema: str | None, name: str) -> str:
    """How reports name a table: bare in the default ``public`` namespace, else ``schema.name``."""
    return f"{schema}.{name}" if schema not in (None, "public") else name


def qualified_key(schema: str | None, name: str) -> str:
    """The key of a schema-level object: ``schema.name``, or ``name`` without namespaces."""
    return f"{schema}.{name}" if schema else name


@dataclass(frozen=True, eq=False)
class Expr:
    """A SQL expression, kept twice: ``text`` as its author wrote it (a spec) or as the engine
    reported it (a live database), and ``canon``, its canonical form for the dialect (see
    ``canon``). Expressions are compared by canonical form; DDL and messages are written from
    ``text``, since a canonical form need not be valid SQL. ``proven`` is False where the canonical
    form could not be made from a parse tree (the text was compared as it is, give or take white
    space and case).

    ``loose`` is the canonical form without the types of string literals. Two expressions whose
    canonical forms differ only where one has an untyped string literal and the other the same
    literal with a type are equal: an engine resolves an untyped literal from its context and
    writes the type out (``status = 'done'`` is stored as ``status = 'done'::job_status``).
    """

    text: str
    canon: str
    loose: str | None = None
    proven: bool = True

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Expr):
            return NotImplemented
        if self.canon == other.canon:
            return True
        return self._loose == other._loose and untyped_literals_match(self.canon, other.canon)

    def __hash__(self) -> int:
        return hash(self._loose)

    def __str__(self) -> str:
        return self.text

    @property
    def _loose(self) -> str:
        return self.canon if self.loose is None else self.loose


@lru_cache(maxsize=1 << 14)
def untyped_literals_match(left: str, right: str) -> bool:
    """Whether two canonical forms (JSON trees) are the same but for literals typed on one side
    and untyped on the other (``{"literal": s}`` against ``{"literal": s, "type": t}``).
    Remembered: the same pair meets again in every table (and tenant) that repeats a check."""
    try:
        return _trees_match(json.loads(left), json.loads(right))
    except ValueError:
        return False


def _trees_match(left: object, right: object) -> bool:
    if isinstance(left, dict) and isinstance(right, dict):
        if "literal" in left and "literal" in right:
            typed = "type" in left and "type" in right
            untyped = ({**left, "type": None}, {**right, "type": None})
            return untyped[0] == untyped[1] and (not typed or left["type"] == right["type"])
        return left.keys() == right.keys() and all(_trees_match(left[k], right[k]) for k in left)
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(map(_trees_match, left, right))
    return left == right


def raw_expr(text: str | None) -> Expr | None:
    """An expression as read, not yet canonical (its canonical form is its text, for now)."""
    return None if text is None else Expr(text, text)


@dataclass(frozen=True)
class Column:
    """A table column. ``type`` is canonical type text; ``default`` and ``generated`` are
    expressions (``Expr``: written text and canonical form, see ``canon``).

    ``identity`` is ``always`` or ``by default`` (Postgres identity) or ``autoincrement`` (SQLite);
    ``generated`` is the expression of a generated (computed) column; ``comment`` is compared only
    where the spec gives one (None means "any").
    """

    name: str
    type: str
    nullable: bool = True
    default: Expr | None = None
    identity: str | None = None
    generated: Expr | None = None
    collation: str | None = None
    comment: str | None = field(default=None, compare=False)
    renamed_from: str | None = field(default=None, compare=False)


_INTERNED: dict[tuple[object, ...], Column] = {}


def _spelled(expr: Expr | None) -> tuple[str, str, bool] | None:
    # Expressions are equal by canonical form alone; interning must also keep their texts apart.
    return None if expr is None else (expr.text, expr.canon, expr.proven)


def interned_column(name: str, type_: str, nullable: bool, default: Expr | None, identity: str | None,
                    generated: Expr | None, collation: str | None, comment: str | None,
                    renamed_from: str | None) -> Column:
    """The one Column with these fields (every field, in order, expressions with their texts). An
    inspection builds tens of thousands, most of them repeats (``id``, ``created_at``), and a frozen
    dataclass costs more to build than to look up; and equal canonical columns being one object
    makes comparing them cheap."""
    key = (name, type_, nullable, _spelled(default), identity, _spelled(generated), collation, comment, renamed_from)
    column = _INTERNED.get(key)
    if column is None:
        if len(_INTERNED) >= 1 << 16:
            _INTERNED.clear()
        column = _INTERNED[key] = Column(name, type_, nullable, default, identity, generated, collation, comment,
                                         renamed_from)
    return column


@dataclass(frozen=True)
class PrimaryKey:
    """A primary key; ``name`` is informational (SQLite has none) and never compared."""

    columns: tuple[str, ...]
    name: str | None = None
    deferrable: bool = False
    initially_deferred: bool = False

    @property
    def shape(self) -> tuple[object, ...]:
        """What makes two primary keys the same, whatever they are called."""
        return (self.columns, self.deferrable, self.initially_deferred)


@dataclass(frozen=True)
class UniqueConstraint:
    """A UNIQUE constraint (not a unique index), matched by its shape (columns and options)."""

    columns: tuple[str, ...]
    name: str | None = None
    include: tuple[str, ...] = ()
    nulls_not_distinct: bool = False
    deferrable: bool = False
    initially_deferred: bool = False

    @property
    def shape(self) -> tuple[object, ...]:
        """What makes two unique constraints the same, whatever they are called."""
        return (self.columns, self.include, self.nulls_not_distinct, self.deferrable, self.initially_deferred)


@dataclass(frozen=True)
class CheckConstraint:
    """A CHECK constraint, matched by its shape: canonical expression and NO INHERIT."""

    expression: Expr
    name: str | None = None
    # False while added NOT VALID and not yet validated: older rows may break it. Not part of
    # what makes two checks the same; the differ reports it on its own.
    validated: bool = field(default=True, compare=False)
    no_inherit: bool = False

    @property
    def shape(self) -> tuple[object, ...]:
        """What makes two checks the same, whatever they are called."""
        return (self.expression, self.no_inherit)


@dataclass(frozen=True)
class Index:
    """An index that is not the backing index of a primary key or constraint.

    ``columns`` are canonical elements: a bare column name, or the canonical form of an element
    (expression, collation, operator class, order); ``elements`` are the same elements as written
    (spec) or reported (engine), which DDL is made from. ``method`` is the access method (``btree``,
    ``gin``, ...; None where the engine has one kind).
    """

    name: str
    columns: tuple[str, ...]
    unique: bool = False
    where: Expr | None = None
    method: str | None = None
    include: tuple[str, ...] = ()
    # False for an index a failed CREATE INDEX CONCURRENTLY left behind: it exists, but no query uses it.
    valid: bool = True
    nulls_not_distinct: bool = False
    elements: tuple[str, ...] = field(default=(), compare=False)
    # COMMENT ON INDEX (Postgres); of a spec, compared only where it gives one, never a rebuild.
    comment: str | None = field(default=None, compare=False)

    @property
    def written(self) -> tuple[str, ...]:
        """The elements as written or reported (the canonical ones where none were kept)."""
        return self.elements or self.columns


@dataclass(frozen=True)
class ForeignKey:
    """A foreign key. Identity is its shape (columns, target, actions), not its name."""

    columns: tuple[str, ...]
    ref_table: str
    ref_columns: tuple[str, ...]
    on_delete: str = "NO ACTION"
    on_update: str = "NO ACTION"
    name: str | None = None
    deferrable: bool = False
    initially_deferred: bool = False
    validated: bool = field(default=True, compare=False)  # as for CheckConstraint

    @property
    def shape(self) -> tuple[object, ...]:
        """What makes two foreign keys the same constraint, whatever they are called."""
        return (self.columns, self.ref_table, self.ref_columns, self.on_delete, self.on_update,
                self.deferrable, self.initially_deferred)


@dataclass(frozen=True)
class Table:
    """A table. ``key`` is ``schema.name`` on engines with schemas, else ``name``."""

    name: str
    schema: str | None = None
    columns: tuple[Column, ...] = ()
    primary_key: PrimaryKey | None = None
    indexes: tuple[Index, ...] = ()
    foreign_keys: tuple[ForeignKey, ...] = ()
    unique_constraints: tuple[UniqueConstraint, ...] = ()
    checks: tuple[CheckConstraint, ...] = ()
    comment: str | None = field(default=None, compare=False)
    # Old names this table or its columns had, so that the plan can RENAME instead of drop + add.
    renamed_from: str | None = field(default=None, compare=False)
    # Postgres declarative partitioning: the partition key of a partitioned table (``range
    # (created_at)``), the parent table key of a partition and its bounds (what follows ``FOR
    # VALUES``, or ``DEFAULT``), as written or as the server deparses them (see ``partitions``).
    partition_by: Expr | None = None
    partition_of: str | None = None
    for_values: Expr | None = None
    # Table inheritance (Postgres): the parents' table keys, in order.
    inherits: tuple[str, ...] = ()
    # Glob patterns (``schema.name`` or ``name``) of children that someone else creates on a
    # schedule (pg_partman, the application): expected by pattern, built like this table.
    partitions: tuple[str, ...] = ()
    # SQLite table kinds.
    without_rowid: bool = False
    strict: bool = False
    # The live table's CREATE TABLE statement as the engine stores it (SQLite; None for a spec): a
    # rebuild takes the definitions of the columns it does not change from it, word for word.
    sql: str | None = field(default=None, compare=False)
    # Postgres exclusion constraints (see ExclusionConstraint, at the end of the file).
    exclusions: tuple[ExclusionConstraint, ...] = ()
    # Triggers (Postgres and SQLite), row-level security and its policies (Postgres).
    triggers: tuple[Trigger, ...] = ()
    policies: tuple[Policy, ...] = ()
    row_security: bool = False
    force_row_security: bool = False

    @property
    def key(self) -> str:
        """The table's identity: ``schema.name`` or ``name``."""
        return qualified_key(self.schema, self.name)

    @property
    def options(self) -> str:
        """SQLite's table options, as a CREATE TABLE ends with them: ``STRICT``, ``WITHOUT ROWID``,
        ``STRICT, WITHOUT ROWID``, or nothing (an ordinary rowid table)."""
        options = (("STRICT", self.strict), ("WITHOUT ROWID", self.without_rowid))
        return ", ".join(option for option, on in options if on)

    def column(self, name: str) -> Column | None:
        """The column called ``name``, if the table has one."""
        return next((c for c in self.columns if c.name == name), None)

    def index(self, name: str) -> Index | None:
        """The index called ``name``, if the table has one."""
        return next((i for i in self.indexes if i.name == name), None)


@dataclass(frozen=True)
class Enum:
    """A Postgres enum type and its values, in order."""

    name: str
    schema: str | None = None
    values: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        """``schema.name``."""
        return qualified_key(self.schema, self.name)


@dataclass(frozen=True)
class ViewIndex:
    """An index on a materialized view: its name, and its statement (text as written, compared
    by its canonical form, see ``dialects.pgviewindex``)."""

    name: str
    sql: Expr


@dataclass(frozen=True)
class View:
    """A view or (Postgres) materialized view; ``definition`` is its SELECT (text and canonical);
    a materialized view's ``indexes`` by name, each its CREATE INDEX statement."""

    name: str
    schema: str | None = None
    definition: Expr = Expr("", "")
    materialized: bool = False
    indexes: tuple[ViewIndex, ...] = ()

    @property
    def key(self) -> str:
        """``schema.name`` or ``name``."""
        return qualified_key(self.schema, self.name)


@dataclass(frozen=True)
class Sequence:
    """A Postgres sequence that no column owns (serial and identity sequences belong to columns)."""

    name: str
    schema: str | None = None
    data_type: str = "bigint"
    start: int = 1
    increment: int = 1
    min_value: int | None = None
    max_value: int | None = None
    cycle: bool = False
    # The column that OWNS it (``schema.table.column``, canonical): dropped with that column. Of a
    # spec, compared only where it says (``owned_by``); None: not said, or owned by nothing.
    owned_by: str | None = field(default=None, compare=False)

    @property
    def key(self) -> str:
        """``schema.name``."""
        return qualified_key(self.schema, self.name)


@dataclass(frozen=True)
class Schema:
    """A whole database schema and, for a spec, the version it describes and what it ignores."""

    tables: tuple[Table, ...] = ()
    version: str | None = None
    ignore: tuple[str, ...] = field(default=(), compare=False)
    enums: tuple[Enum, ...] = ()
    views: tuple[View, ...] = ()
    sequences: tuple[Sequence, ...] = ()
    # None: the spec does not say, so installed extensions are not compared.
    extensions: tuple[str, ...] | None = None
    # The namespaces the spec manages (every table in them is its business); None: the ones its
    # objects are in.
    schemas: tuple[str, ...] | None = None
    # Postgres functions and procedures (see Function).
    functions: tuple[Function, ...] = ()
    # Postgres domains and composite types (see Domain, CompositeType).
    domains: tuple[Domain, ...] = ()
    composite_types: tuple[CompositeType, ...] = ()
    range_types: tuple[RangeType, ...] = ()
    # Grants and owners (Postgres), compared only when asked (``privileges: true``); None: not compared.
    privileges: Privileges | None = None
    # (extension, schema) pairs: of a spec, the extensions whose schema it says (the others may be
    # in any); of a live database, every installed one. Postgres.
    extension_schemas: tuple[tuple[str, str], ...] = ()

    def table(self, key: str) -> Table | None:
        """The table whose key is ``key``, if any."""
        return next((t for t in self.tables if t.key == key), None)

    def table_map(self) -> dict[str, Table]:
        """Tables keyed by ``Table.key``, in their order."""
        return {t.key: t for t in self.tables}

    def with_tables(self, tables: tuple[Table, ...]) -> Schema:
        """A copy of this schema holding ``tables`` instead."""
        return replace(self, tables=tables)


def fingerprint(schema: Schema) -> str:
    """A digest of everything the model holds of a schema: equal exactly when the schemas are.
    A reviewed plan records it, so apply can tell that the database changed since."""
    tables = sorted(schema.tables, key=lambda t: t.key)
    digest = hashlib.sha256(repr((tables, sorted(map(repr, (*schema.enums, *schema.views, *schema.sequences))),
                                  sorted(schema.extensions or ()), sorted(schema.extension_schemas),
                                  sorted(map(repr, schema.functions)),
                                  sorted(map(repr, (*schema.domains, *schema.composite_types, *schema.range_types))))).encode())
    return digest.hexdigest()


# ---------------------------------------------------------------------------------------------
# Functions and procedures (Postgres)


@dataclass(frozen=True)
class Function:
    """A Postgres function or procedure. Identity is ``schema``, ``name`` and ``arguments`` (the
    canonical types of its input arguments, as Postgres tells overloads apart); the rest is what
    is compared, canonical once ``canon.normalize_schema`` has read ``sql`` (the statement as its
    author wrote it, or as ``pg_get_functiondef`` reports it, which DDL is made from).

    ``parameters`` holds every argument's mode, name, type and default in one canonical text;
    ``returns`` the canonical result type (``setof integer``, ``table(a integer, b text)``; None
    for a procedure); ``body`` the canonical body (``Expr.proven`` is False where it could not
    be parsed and its text was compared as it is). Options carry the engine's defaults, so that
    spelling a default out or not is the same."""

    name: str
    schema: str | None = None
    arguments: tuple[str, ...] = ()
    kind: str = "function"  # or "procedure"
    parameters: str = ""
    returns: str | None = None
    language: str = "sql"
    body: Expr = Expr("", "")
    volatility: str = "VOLATILE"
    strict: bool = False
    security_definer: bool = False
    config: tuple[str, ...] = ()
    parallel: str = "UNSAFE"
    leakproof: bool = False
    window: bool = False
    sql: str = field(default="", compare=False)
    # A BEGIN ATOMIC or RETURN body that reads tables or views: bound to them when it is made.
    atomic: bool = field(default=False, compare=False)

    @property
    def key(self) -> str:
        """``schema.name(types)``: the function's identity as one text."""
        return qualified_key(self.schema, self.signature)

    @property
    def signature(self) -> str:
        """``name(type, type)``: the identity as reports show it (its schema aside)."""
        return f"{self.name}({', '.join(self.arguments)})"


# ---------------------------------------------------------------------------------------------
# Domains, composite types and exclusion constraints (Postgres)


@dataclass(frozen=True)
class Domain:
    """A Postgres domain: a base type (canonical type text) with NOT NULL, a default, a collation
    (None: the base type's) and named checks on ``VALUE`` (matched by shape, then by name)."""

    name: str
    schema: str | None = None
    type: str = "text"
    nullable: bool = True
    default: Expr | None = None
    collation: str | None = None
    checks: tuple[CheckConstraint, ...] = ()

    @property
    def key(self) -> str:
        """``schema.name``."""
        return qualified_key(self.schema, self.name)


@dataclass(frozen=True)
class Attribute:
    """An attribute of a composite type: its name, canonical type and collation (None: the type's)."""

    name: str
    type: str
    collation: str | None = None


@dataclass(frozen=True)
class CompositeType:
    """A standalone composite type (``CREATE TYPE x AS (...)``), its attributes in order."""

    name: str
    schema: str | None = None
    attributes: tuple[Attribute, ...] = ()

    @property
    def key(self) -> str:
        """``schema.name``."""
        return qualified_key(self.schema, self.name)


@dataclass(frozen=True)
class RangeType:
    """A range type (``CREATE TYPE x AS RANGE (subtype = ...)``): its canonical subtype, and the
    options that are not the default (None): the subtype's operator class, collation, canonical
    and subtype difference functions, and the name of its multirange type."""

    name: str
    schema: str | None = None
    subtype: str = "integer"
    subtype_opclass: str | None = None
    collation: str | None = None
    canonical: str | None = None
    subtype_diff: str | None = None
    multirange_type_name: str | None = None

    @property
    def key(self) -> str:
        """``schema.name``."""
        return qualified_key(self.schema, self.name)


@dataclass(frozen=True)
class ExclusionConstraint:
    """An exclusion constraint (``EXCLUDE USING gist (room_id WITH =, during WITH &&) WHERE (...)``).

    ``elements`` (``element WITH operator``), ``using`` and ``where`` are the parts as written or
    as the server reports them, which DDL and snapshots are made from; ``definition`` is the
    constraint without its name and deferral: text and canonical form (the parse tree), filled in
    by ``canon.normalize_schema``. Matched by shape (the definition and deferral), then by name."""

    elements: tuple[str, ...] = field(default=(), compare=False)
    name: str | None = None
    using: str = field(default="gist", compare=False)
    where: str | None = field(default=None, compare=False)
    deferrable: bool = False
    initially_deferred: bool = False
    definition: Expr | None = None

    @property
    def shape(self) -> tuple[object, ...]:
        """What makes two exclusion constraints the same, whatever they are called."""
        return (self.definition, self.deferrable, self.initially_deferred)

    @property
    def body(self) -> str:
        """``EXCLUDE USING m (elements) [WHERE (...)] [DEFERRABLE [INITIALLY DEFERRED]]``, as DDL writes it."""
        text = f"EXCLUDE USING {self.using} ({', '.join(self.elements)})" + (f" WHERE ({self.where})" if self.where else "")
        return text + (" DEFERRABLE" + (" INITIALLY DEFERRED" if self.initially_deferred else "") if self.deferrable else "")
# Triggers, row-level security and policies (Postgres; triggers on SQLite too)


@dataclass(frozen=True)
class Trigger:
    """A trigger on a table, by name. The compared parts are canonical once ``canon.normalize_schema``
    has read ``sql`` (the CREATE TRIGGER statement as its author wrote it, or as the engine reports
    it, which DDL is made from): ``timing`` (BEFORE, AFTER, INSTEAD OF), ``events`` (sorted),
    ``columns`` (UPDATE OF, sorted), ``level`` (ROW or STATEMENT), ``when``, the ``function`` it
    executes (qualified) with its ``arguments``, a constraint trigger's ``deferrable``,
    ``initially_deferred`` and ``from_table``, ``referencing`` (transition tables), and, on
    SQLite, ``body`` (the statements between BEGIN and END). ``enabled`` is Postgres's
    ``origin`` (the default), ``disabled``, ``replica`` or ``always``."""

    name: str
    timing: str = ""
    events: tuple[str, ...] = ()
    columns: tuple[str, ...] = ()
    level: str = "ROW"
    when: Expr | None = None
    function: str = ""
    arguments: tuple[str, ...] = ()
    constraint: bool = False
    deferrable: bool = False
    initially_deferred: bool = False
    from_table: str | None = None
    referencing: tuple[str, ...] = ()
    body: Expr | None = None
    enabled: str = "origin"
    sql: str = field(default="", compare=False)

    @property
    def definition(self) -> tuple[object, ...]:
        """Every compared part but ``enabled`` (a disabled trigger is drift of its own kind)."""
        return (self.timing, self.events, self.columns, self.level, self.when, self.function, self.arguments,
                self.constraint, self.deferrable, self.initially_deferred, self.from_table, self.referencing,
                self.body)


@dataclass(frozen=True)
class Policy:
    """A row-level security policy on a table (Postgres), by name: ``command`` (``all``,
    ``select``, ``insert``, ``update``, ``delete``), ``permissive`` (False: AS RESTRICTIVE),
    ``roles`` (sorted; ``public`` for every role), ``using`` and ``with_check`` expressions."""

    name: str
    command: str = "all"
    permissive: bool = True
    roles: tuple[str, ...] = ("public",)
    using: Expr | None = None
    with_check: Expr | None = None


# ---------------------------------------------------------------------------------------------
# Grants and owners (Postgres, opt-in)

# The kinds of object whose privileges and owners are compared, as GRANT and ALTER name them.
PRIVILEGE_OBJECTS = ("table", "view", "materialized view", "sequence", "function", "procedure", "schema")


@dataclass(frozen=True)
class Grant:
    """One privilege on one object (or one column of it) held by one role: ``kind`` is one of
    ``PRIVILEGE_OBJECTS``; ``object`` the object's key (``schema.name``, ``schema.f(integer)``, or a
    schema's name); ``privilege`` upper case (``SELECT``); ``grantee`` a role name or ``public``."""

    kind: str
    object: str
    privilege: str
    grantee: str
    column: str | None = None
    grantable: bool = False

    @property
    def key(self) -> tuple[str, str, str | None, str, str]:
        """What makes two grants the same one, whether or not they carry GRANT OPTION."""
        return (self.kind, self.object, self.column, self.privilege, self.grantee)


@dataclass(frozen=True)
class Owner:
    """The role that owns an object (``kind`` and ``object`` as in ``Grant``)."""

    kind: str
    object: str
    role: str


@dataclass(frozen=True)
class Privileges:
    """What a schema says of privileges: the grants (the owner's own privileges aside, see
    ``diffgrants``), the owners where known, and ``objects``: the (kind, key) of every object whose
    grants are compared (a spec's own objects and those its grants name; a live schema's all
    that exist)."""

    grants: tuple[Grant, ...] = ()
    owners: tuple[Owner, ...] = ()
    objects: tuple[tuple[str, str], ...] = ()
    # What the objects hold when made (PUBLIC's EXECUTE on a function): what one a plan makes
    # will hold before its grants and revokes run.
    defaults: tuple[Grant, ...] = ()
