"""Loaded specs, kept by the content hash of their file: in this process, and on disk as JSON.

Parsing and checking a large spec (the YAML parse above all) costs far more than the audit it
feeds, and a spec rarely changes between two runs. So a spec that loaded cleanly is written to
``$SCHEMA_AUDITOR_CACHE_DIR`` (else ``$XDG_CACHE_HOME/schema-auditor``, else
``~/.cache/schema-auditor``; an empty ``SCHEMA_AUDITOR_CACHE_DIR`` turns the disk cache off) as
plain JSON data, never pickle, under the SHA-256 of the file's bytes and of the loader's own source.

Every miss goes through the full validating loader, so a bad spec is always reported with its
``file:line:column`` problems, and only specs without problems are ever cached. An entry that is
unreadable, truncated, of another format or whose checksum does not match is ignored; entries are
written to a temporary file and renamed into place (atomic: concurrent writers never leave a torn
entry); a cache directory that cannot be created or written is silently skipped.
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
import threading
from collections import OrderedDict
from dataclasses import fields, is_dataclass
from functools import cache, lru_cache
from importlib.util import find_spec
from pathlib import Path
from typing import Any, Callable

from auditor import __version__
from auditor.gcpause import paused_collection
from auditor.inputfile import read_input
from auditor.model import (
    Attribute, CheckConstraint, Column, CompositeType, Domain, Enum, ExclusionConstraint, ForeignKey, Expr, Function,
    Grant, Index, Owner, Policy, PrimaryKey, Privileges, RangeType, Schema, Sequence, Table, Trigger, UniqueConstraint, View, ViewIndex,
    interned_column)
from auditor.spec import load_spec

CACHE_DIR_ENV = "SCHEMA_AUDITOR_CACHE_DIR"
FORMAT = 3
_MEMORY_ENTRIES = 32
# What the cached model depends on besides the spec: a change to any of these makes new keys.
_LOADER_MODULES = ("auditor.model", "auditor.spec", "auditor.yamlsrc", "auditor.canon", "auditor.dialects",
                   "auditor.speccache", "auditor.specfunctions", "auditor.spectypes", "auditor.spectriggers",
                   "auditor.specgrants", "auditor.sqlscan",
                   # canonical forms of a dialect's cached spec (imported lazily: read by path)
                   "auditor.dialects.triggers", "auditor.dialects.pgviewindex", "auditor.dialects.pgexpr", "auditor.dialects.pgparse", "auditor.dialects.pgfunctions")


def cache_dir() -> Path | None:
    """Where loaded specs are kept on disk; None when the disk cache is turned off."""
    explicit = os.environ.get(CACHE_DIR_ENV)
    if explicit is not None:
        return Path(explicit) if explicit else None
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "schema-auditor"


def spec_key(data: bytes) -> str:
    """The cache key of a spec file's bytes (with the loader's fingerprint)."""
    return hashlib.sha256(_loader_fingerprint() + data).hexdigest()


@lru_cache(maxsize=1)
def _loader_fingerprint() -> bytes:
    import sys

    digest = hashlib.sha256(f"{__version__}/{FORMAT}".encode())
    for name in _LOADER_MODULES:
        module = sys.modules.get(name)
        source = getattr(module, "__file__", None) if module else getattr(find_spec(name), "origin", None)
        try:
            digest.update(Path(source).read_bytes() if source else name.encode())
        except OSError:
            digest.update(name.encode())
    return digest.digest()


class _Recent:
    """A small thread-safe map that forgets its oldest entries."""

    def __init__(self, size: int) -> None:
        self._items: OrderedDict[Any, Any] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def get(self, key: Any) -> Any:
        """The value under ``key``, or None."""
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
            return self._items.get(key)

    def put(self, key: Any, value: Any) -> None:
        """Remember ``value`` under ``key``."""
        with self._lock:
            self._items[key] = value
            while len(self._items) > self._size:
                self._items.popitem(last=False)


_memory = _Recent(_MEMORY_ENTRIES)


def forget_loaded() -> None:
    """Forget the specs loaded in this process (the disk cache stays)."""
    global _memory
    _memory = _Recent(_MEMORY_ENTRIES)


def read_spec_file(path: str | Path) -> tuple[str, bytes]:
    """The cache key and the bytes of a spec file; SpecError (from the loader, saying why) when
    it cannot be read."""
    try:
        data = read_input(path)
    except OSError:
        load_spec(path)  # raises SpecError with the reason, the usual way
        raise
    return spec_key(data), data


def remembered(key: str, make: Callable[[], Schema]) -> Schema:
    """The schema stored under ``key``, from memory or disk; else ``make()``, then stored.
    Nothing is stored when ``make`` raises."""
    schema = recalled(key)
    if schema is None:
        with paused_collection():
            schema = make()
        store(key, schema)
    return schema


def recalled(key: str) -> Schema | None:
    """The schema stored under ``key``, from memory or disk, or None."""
    schema = _memory.get(key)
    if schema is None:
        directory = cache_dir()
        with paused_collection():
            schema = _read_entry(directory, key) if directory else None
        if schema is not None:
            _memory.put(key, schema)
    return schema


def store(key: str, schema: Schema) -> None:
    """Keep ``schema`` under ``key``, in memory and on disk."""
    directory = cache_dir()
    if directory:
        with paused_collection():
            _write_entry(directory, key, schema)
    _memory.put(key, schema)


def load_cached(path: str | Path) -> tuple[str, Schema]:
    """``(key, schema)`` of the spec at ``path``, loaded (and checked) in full only on a cache
    miss. Raises SpecError exactly as ``load_spec`` does."""
    key, data = read_spec_file(path)
    return key, remembered(key, lambda: load_spec(path, data))


# ---------------------------------------------------------------------------------------------
# Entries: a header line (format, key, checksum of the body), then the model as JSON arrays, each
# dataclass as the list of its fields in declaration order (the loader fingerprint covers that order).


def _entry_path(directory: Path, key: str) -> Path:
    return directory / f"{key}.json"


def _write_entry(directory: Path, key: str, schema: Schema) -> None:
    body = json.dumps(schema, default=_as_list, separators=(",", ":")).encode()
    header = json.dumps({"format": FORMAT, "key": key, "sha256": hashlib.sha256(body).hexdigest()}).encode()
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=directory, prefix=".tmp-", suffix=".json")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(header + b"\n" + body)
            os.replace(temporary, _entry_path(directory, key))
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except OSError:
        pass  # an unwritable cache only costs speed


def _read_entry(directory: Path, key: str) -> Schema | None:
    try:
        header, _, body = _entry_path(directory, key).read_bytes().partition(b"\n")
        meta = json.loads(header)
        if (meta.get("format"), meta.get("key"), meta.get("sha256")) != (
                FORMAT, key, hashlib.sha256(body).hexdigest()):
            return None
        return _decode_schema(json.loads(body))
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None  # missing, torn, corrupted or foreign: load the spec instead


@cache
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in fields(cls)) if is_dataclass(cls) else ()


def _as_list(value: Any) -> list[Any]:
    """A model object as the list of its fields (json's hook: its C encoder does the rest)."""
    names = _field_names(type(value))
    if not names:
        raise TypeError(f"cannot store {type(value).__name__} in the spec cache")
    return [getattr(value, name) for name in names]


def _plain(values: list[Any]) -> list[Any]:
    """Trailing scalar fields as stored; lists (JSON's tuples) back to tuples."""
    return [tuple(_plain(v)) if isinstance(v, list) else v for v in values]


def _expr(row: list[Any] | None) -> Expr | None:
    return None if row is None else Expr(*row)


def _decode_schema(row: list[Any]) -> Schema:
    tables, version, ignore, enums, views, sequences, extensions, *rest = row
    return Schema(
        tuple(_decode_table(t) for t in tables),
        version,
        tuple(ignore),
        tuple(Enum(name, schema, tuple(values), *_plain(more)) for name, schema, values, *more in enums),
        tuple(View(name, schema, Expr(*definition), materialized,
                   tuple(ViewIndex(index_name, Expr(*sql)) for index_name, sql in indexes))
              for name, schema, definition, materialized, indexes in views),
        tuple(Sequence(*_plain(s)) for s in sequences),
        None if extensions is None else tuple(extensions),
        **_decode_later_fields(rest),
    )


def _decode_later_fields(rest: list[Any]) -> dict[str, Any]:
    """The Schema fields after ``extensions``, by name: plain values, and the objects that hold
    nested model values decoded."""
    later = dict(zip(_field_names(Schema)[7:], rest))
    out = {name: tuple(_plain(value)) if isinstance(value, list) else value for name, value in later.items()}
    if later.get("functions"):
        out["functions"] = tuple(_decode_function(f) for f in later["functions"])
    if later.get("domains"):
        out["domains"] = tuple(_decode_domain(d) for d in later["domains"])
    if later.get("composite_types"):
        out["composite_types"] = tuple(CompositeType(name, nsp, tuple(Attribute(*a) for a in attributes))
                                       for name, nsp, attributes in later["composite_types"])
    if later.get("privileges"):
        grants, owners, objects, defaults = later["privileges"]
        out["privileges"] = Privileges(tuple(Grant(*g) for g in grants), tuple(Owner(*o) for o in owners),
                                       tuple((kind, key) for kind, key in objects),
                                       tuple(Grant(*g) for g in defaults))
    if later.get("range_types"):
        out["range_types"] = tuple(RangeType(*r) for r in later["range_types"])
    return out


def _decode_domain(row: list[Any]) -> Domain:
    name, schema, type_, nullable, default, collation, checks = row
    return Domain(name, schema, type_, nullable, _expr(default), collation,
                  tuple(CheckConstraint(Expr(*expression), *more) for expression, *more in checks))


def _decode_exclusion(row: list[Any]) -> ExclusionConstraint:
    elements, name, using, where, deferrable, deferred, definition = row
    return ExclusionConstraint(tuple(elements), name, using, where, deferrable, deferred, _expr(definition))


def _decode_function(row: list[Any]) -> Function:
    name, schema, arguments, kind, parameters, returns, language, body, *more = row
    return Function(name, schema, tuple(arguments), kind, parameters, returns, language, Expr(*body), *_plain(more))


def _decode_column(row: list[Any]) -> Column:
    name, type_, nullable, default, identity, generated, *rest = row
    return interned_column(name, type_, nullable, _expr(default), identity, _expr(generated), *_plain(rest))


def _decode_table(row: list[Any]) -> Table:
    # Every model class is a list of its fields in order; fields after the nested ones are passed
    # through as they are, so that a field added to the model needs no change here.
    name, schema, columns, pk, indexes, fks, uniques, checks, comment, renamed_from, partition_by, partition_of, \
        for_values, *rest = row
    return Table(
        name, schema,
        tuple(_decode_column(c) for c in columns),
        PrimaryKey(tuple(pk[0]), *_plain(pk[1:])) if pk is not None else None,
        tuple(Index(n, tuple(cols), unique, _expr(where), method, tuple(include), *_plain(more))
              for n, cols, unique, where, method, include, *more in indexes),
        tuple(ForeignKey(tuple(cols), ref, tuple(ref_cols), *_plain(more)) for cols, ref, ref_cols, *more in fks),
        tuple(UniqueConstraint(tuple(cols), name, tuple(include), *_plain(more))
              for cols, name, include, *more in uniques),
        tuple(CheckConstraint(Expr(*expression), *_plain(more)) for expression, *more in checks),
        comment, renamed_from, _expr(partition_by), partition_of, _expr(for_values),
        **_decode_later_table_fields(rest),
    )


def _decode_later_table_fields(rest: list[Any]) -> dict[str, Any]:
    """The Table fields after ``for_values``, by name, as ``_decode_later_fields``."""
    later = dict(zip(_field_names(Table)[13:], rest))
    out = {name: tuple(_plain(value)) if isinstance(value, list) else value for name, value in later.items()}
    out["exclusions"] = tuple(_decode_exclusion(x) for x in later.get("exclusions") or ())
    out["triggers"] = tuple(_decode_trigger(t) for t in later.get("triggers") or ())
    out["policies"] = tuple(Policy(name, command, permissive, tuple(roles), _expr(using), _expr(check))
                            for name, command, permissive, roles, using, check in later.get("policies") or ())
    return out


def _decode_trigger(row: list[Any]) -> Trigger:
    name, timing, events, columns, level, when, function, arguments, constraint, deferrable, deferred, from_table, \
        referencing, body, *rest = row
    return Trigger(name, timing, tuple(events), tuple(columns), level, _expr(when), function, tuple(arguments),
                   constraint, deferrable, deferred, from_table, tuple(referencing), _expr(body), *_plain(rest))
