"""The config file: named databases with their URLs and specs, and fleet-wide ignore globs.

    spec: schema/analysis_jobs.yaml          # default spec for databases that name none
    ignore: ["tmp_*"]
    databases:
      prod:
        url: postgresql://auditor:${PROD_DB_PASSWORD}@db.internal/app
        spec: schema/analysis_jobs.yaml      # relative paths are relative to this file
      staging:
        url: postgresql://auditor@db.staging/app
        password_file: /run/secrets/staging-db   # the password, from a mounted secret
        ignore: [audit_log]

``${VAR}`` (or ``${VAR:-fallback}``) is replaced from the environment, so secrets stay out of the file.
A database's recorded version is read as ``version_query`` or ``version_table`` (+ ``version_column``,
``version_app``; see ``auditor.versioning``), given per database or at the top as the default; its
expected schema may come from ``expected_db: URL``, ``expected_sql: FILE`` or ``expected_models:
MODULE:ATTRIBUTE`` instead of a spec (see ``auditor.sources``). ``dev_url: URL`` names a Postgres
server for scratch databases: the one ``expected_sql`` and ``expected_models`` load into, and the
copy a plan is verified on before apply runs it (``auditor.verify``). ``tenant_schemas: GLOB`` (per
database, or at the top as the default) makes each matching schema a tenant audited against the spec
on its own (``auditor.tenants``).
``privileges: true`` (or false) turns the comparison of grants and owners on (or off) whatever the
spec says, and ``roles: {app: app_prod}`` maps the spec's role names to this environment's: both
per database, or at the top as the default (``auditor.specgrants``).
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, fields, replace
from pathlib import Path

import yaml
from sqlalchemy.engine import URL

from auditor.database import parse_url
from auditor.durations import seconds
from auditor.errors import ConfigError
from auditor.hazards import parse_hazards
from auditor.inputfile import read_input_text
from auditor.redact import SECRET_NAME, redact_url, remember
from auditor.target import (
    DB,
    MODELS,
    SQL,
    ApplySettings,
    ExpectedSource,
    Target,
    VersionSource,
)
from auditor.versioning import source_problem
from auditor.yamlsrc import (
    Problems,
    boolean,
    compose_file,
    mapping_items,
    scalar,
    string_list,
)

VERSION_KEYS = ("version_query", "version_table", "version_column", "version_app")
SOURCE_KEYS = ("expected_db", "expected_sql", "expected_models", "dev_url")
PRIVILEGE_KEYS = ("privileges", "roles")
TOP_KEYS = ("databases", "spec", "ignore", "tenant_schemas", "apply", *PRIVILEGE_KEYS, *VERSION_KEYS)
DATABASE_KEYS = ("url", "password_file", "spec", "ignore", "tenant_schemas", "apply", *PRIVILEGE_KEYS,
                 *VERSION_KEYS, *SOURCE_KEYS)
# The keys of an ``apply:`` block, each what the apply option of the same name sets.
APPLY_KEYS = tuple(f.name for f in fields(ApplySettings))
_DURATIONS = ("lock_timeout", "statement_timeout", "lock_wait")
_ENV_RE = re.compile(r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?::-(?P<fallback>[^}]*))?\}")


@dataclass(frozen=True)
class Config:
    """A loaded config: targets by name, in file order."""

    path: str | None
    targets: dict[str, Target]
    ignore: tuple[str, ...] = ()


def load_config(path: str | Path) -> Config:
    """Load and check a config file; raises ConfigError listing every problem found."""
    problems = Problems(str(path))
    root = compose_file(Path(path), problems)
    config = _config(Path(path), root, problems) if root is not None else None
    if problems.messages or config is None:
        raise ConfigError("\n".join(problems.messages))
    return config


def _config(path: Path, root: yaml.Node, problems: Problems) -> Config:
    base = path.parent
    default_spec: str | None = None
    ignore: list[str] = []
    databases: yaml.Node | None = None
    top: dict[str, yaml.Node] = {}
    for key, _, value in mapping_items(root, problems, "config", TOP_KEYS):
        top[key] = value
        if key == "spec":
            default_spec = _relative(base, scalar(value, problems, "spec"))
        elif key == "ignore":
            ignore = string_list(value, problems, "ignore", allow_empty=True)
        elif key == "databases":
            databases = value
    default_version = version_source(top, problems, "config", root)
    default_tenants = tenant_glob(top["tenant_schemas"], problems, "config") if "tenant_schemas" in top else None
    default_privileges = privilege_settings(top, problems, "config")
    default_apply = apply_settings(top["apply"], base, problems, "config") if "apply" in top else ApplySettings()
    targets: dict[str, Target] = {}
    if databases is not None:
        for name, _, body in mapping_items(databases, problems, "databases"):
            target = _target(name, body, base, default_spec, problems, default_version)
            if target is not None and target.tenant_schemas is None and default_tenants:
                target = replace(target, tenant_schemas=default_tenants)
            if target is not None:
                targets[name] = _with_defaults(target, default_privileges, default_apply)
    return Config(str(path), targets, tuple(ignore))


def _target(name: str, body: yaml.Node, base: Path, default_spec: str | None,
            problems: Problems, default_version: VersionSource | None = None) -> Target | None:
    fields = {k: v for k, _, v in mapping_items(body, problems, f"database {name}", DATABASE_KEYS)}
    if "url" not in fields:
        problems.add(body, f"database {name} needs a 'url'")
        return None
    url = _interpolate(fields["url"], problems, f"database {name} url")
    if url is None:
        return None
    try:
        parsed = parse_url(url)
    except ConfigError as exc:
        problems.add(fields["url"], f"database {name}: {exc}")
        return None
    url = _relative_sqlite(parsed, base)
    if "password_file" in fields:
        password = _password_from_file(fields["password_file"], base, problems, f"database {name}")
        if password is None:
            return None
        url = parse_url(url).set(password=password).render_as_string(hide_password=False)
    spec = _relative(base, scalar(fields["spec"], problems, "spec")) if "spec" in fields else default_spec
    ignore = string_list(fields["ignore"], problems, "ignore", allow_empty=True) if "ignore" in fields else []
    version = version_source(fields, problems, f"database {name}", body) if any(
        key in fields for key in VERSION_KEYS) else default_version
    dev_url = _interpolate(fields["dev_url"], problems, f"database {name} dev_url") if "dev_url" in fields else None
    source = _expected_source(fields, base, problems, f"database {name}", dev_url)
    tenants = tenant_glob(fields["tenant_schemas"], problems, f"database {name}") if "tenant_schemas" in fields else None
    return Target(name=name, url=url, spec=source.label if source else spec, ignore=tuple(ignore),
                  source=source, version=version, dev_url=dev_url, tenant_schemas=tenants,
                  apply=apply_settings(fields["apply"], base, problems, f"database {name}")
                  if "apply" in fields else ApplySettings(),
                  **privilege_settings(fields, problems, f"database {name}"))  # type: ignore[arg-type]


def _with_defaults(target: Target, defaults: dict[str, object], apply: ApplySettings) -> Target:
    """The target with the config's top-level ``privileges``, ``roles`` and ``apply:`` settings
    where it sets none."""
    unset = {key: value for key, value in defaults.items() if getattr(target, key) in (None, ())}
    own = {f.name: getattr(target.apply, f.name) for f in fields(ApplySettings)}
    merged = ApplySettings(**{key: getattr(apply, key) if value is None else value for key, value in own.items()})
    return replace(target, **unset, apply=merged)  # type: ignore[arg-type]


def apply_settings(node: yaml.Node, base: Path, problems: Problems, what: str) -> ApplySettings:
    """An ``apply:`` block: the apply options this database (or, at the top, every one) runs with
    unless the command line says otherwise."""
    out: dict[str, object] = {}
    for key, _, value in mapping_items(node, problems, f"{what} apply", APPLY_KEYS):
        where = f"{what} apply {key}"
        if key in ("concurrent_indexes", "allow_destructive"):
            out[key] = boolean(value, problems, where)
        elif key in _DURATIONS:
            out[key] = _duration(value, problems, where)
        elif key == "allow_hazards":
            out[key] = _hazard_names(value, problems, where)
        elif (text := scalar(value, problems, where)) is not None:  # apply_log
            out[key] = str(base / text) if text else None
    return ApplySettings(**out)  # type: ignore[arg-type]


def _duration(node: yaml.Node, problems: Problems, what: str) -> float | None:
    text = scalar(node, problems, what)
    try:
        return seconds(text) if text is not None else None
    except ValueError as exc:
        problems.add(node, f"{what}: {exc}")
        return None


def _hazard_names(node: yaml.Node, problems: Problems, what: str) -> tuple[str, ...] | None:
    names = string_list(node, problems, what, allow_empty=True)
    try:
        return tuple(sorted(parse_hazards(",".join(names))))
    except ConfigError as exc:
        problems.add(node, f"{what}: {exc.report()}")
        return None


def privilege_settings(fields: dict[str, yaml.Node], problems: Problems, what: str) -> dict[str, object]:
    """The Target fields ``privileges`` and ``roles`` that ``fields`` set (the others left out)."""
    out: dict[str, object] = {}
    if "privileges" in fields:
        out["privileges"] = boolean(fields["privileges"], problems, f"{what} privileges")
    if "roles" in fields:
        out["roles"] = tuple((key, role) for key, _, value in mapping_items(fields["roles"], problems, f"{what} roles")
                             if (role := scalar(value, problems, f"{what} roles {key}")))
    return out


def tenant_glob(node: yaml.Node, problems: Problems, what: str) -> str | None:
    """A ``tenant_schemas`` glob: a non-empty string."""
    glob = scalar(node, problems, f"{what} tenant_schemas")
    if glob is not None and not glob.strip():
        problems.add(node, f"{what}: tenant_schemas is empty; give a glob such as \"tenant_*\"")
        return None
    return glob


def version_source(fields: dict[str, yaml.Node], problems: Problems, what: str,
                   node: yaml.Node) -> VersionSource | None:
    """The version source the ``version_*`` keys of one mapping describe (None without any)."""
    values = {key[len("version_"):]: scalar(fields[key], problems, f"{what} {key}")
              for key in VERSION_KEYS if key in fields}
    if not values:
        return None
    source = VersionSource(**values)
    problem = source_problem(source)
    if problem:
        problems.add(node, f"{what}: {problem}")
        return None
    return source


def _expected_source(fields: dict[str, yaml.Node], base: Path, problems: Problems,
                     what: str, dev_url: str | None) -> ExpectedSource | None:
    given = [key for key in ("spec", "expected_db", "expected_sql", "expected_models") if key in fields]
    if len(given) > 1:
        problems.add(fields[given[1]], f"{what}: give one of spec, expected_db, expected_sql, expected_models")
        return None
    if "expected_db" in fields:
        url = _interpolate(fields["expected_db"], problems, f"{what} expected_db")
        try:
            return ExpectedSource(DB, _relative_sqlite(parse_url(url), base)) if url else None
        except ConfigError as exc:
            problems.add(fields["expected_db"], f"{what} expected_db: {exc}")
            return None
    if "expected_sql" in fields:
        path = _relative(base, scalar(fields["expected_sql"], problems, f"{what} expected_sql"))
        return ExpectedSource(SQL, path, dev_url) if path else None
    if "expected_models" in fields:  # a module, imported from the current folder: not relative to this file
        location = scalar(fields["expected_models"], problems, f"{what} expected_models")
        return ExpectedSource(MODELS, location, dev_url) if location else None
    return None


def _relative_sqlite(url: URL, base: Path) -> str:
    """The URL as text, a relative SQLite file made relative to the config file's folder."""
    if url.get_backend_name() == "sqlite" and url.database and not Path(url.database).is_absolute():
        url = url.set(database=str(base / url.database))
    return url.render_as_string(hide_password=False)


def _interpolate(node: yaml.Node, problems: Problems, what: str) -> str | None:
    text = scalar(node, problems, what)
    if text is None:
        return None
    missing = [m["name"] for m in _ENV_RE.finditer(text)
               if m["fallback"] is None and m["name"] not in os.environ]
    if missing:
        problems.add(node, f"{what}: environment variable {missing[0]} is not set")
        return None
    return _ENV_RE.sub(_env_value, text)


def _env_value(match: re.Match[str]) -> str:
    """The value of ``${NAME}`` (or its fallback); a value of a variable named like a secret
    (``PROD_DB_PASSWORD``, ``API_TOKEN``) is remembered as one, wherever in the config it goes."""
    value = os.environ.get(match["name"], match["fallback"] or "")
    if SECRET_NAME.match(match["name"]):
        remember(value)
    return value


def _password_from_file(node: yaml.Node, base: Path, problems: Problems, what: str) -> str | None:
    """The first line of a secret file (Kubernetes and Docker secrets end it with a newline)."""
    path = _relative(base, scalar(node, problems, f"{what} password_file"))
    if path is None:
        return None
    try:
        lines = read_input_text(path).splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        problems.add(node, f"{what}: cannot read password_file {path}: {getattr(exc, 'strerror', None) or exc}")
        return None
    password = lines[0] if lines else ""
    remember(password)  # a secret wherever it shows up, not only as the URL's password
    return password


def _relative(base: Path, value: str | None) -> str | None:
    if value is None:
        return None
    path = Path(value)
    return str(path if path.is_absolute() else base / path)


def target_from_url(url: str, spec: str | None) -> Target:
    """A target given on the command line as a URL; its printed name is the masked URL."""
    parse_url(url)  # reject a bad URL before anything else happens
    return Target(name=redact_url(url), url=url, spec=spec)
