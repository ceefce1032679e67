"""The command line: ``schema-auditor`` and ``python -m auditor``.

Exit codes, like diff(1): 0 clean, 1 drift found or changes pending, 2 error (bad input,
unreachable database, failed apply). Only this module knows about argv, streams and exit codes.
"""
from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import replace
from pathlib import Path
from typing import NoReturn, Sequence, TextIO, TypeVar

from auditor.apply import (
    ApplyOptions,
    ApplyResult,
    apply_lock,
    apply_plan,
    count_violations,
    split_plan,
)
from auditor.applylog import append_record, apply_record, default_log_path
from auditor.audit import AuditResult, with_tenants
from auditor.config import Config, load_config, target_from_url
from auditor.database import recover_hot_journal
from auditor.diff import failing_items
from auditor.durations import seconds
from auditor.errors import AuditorError, ConfigError, UnexpectedError
from auditor.fleet import audit_fleet, parse_shard, select_shard
from auditor.hazards import allowed_hazards, parse_hazards
from auditor.migration import (
    HISTORY_TABLES,
    TOOLS,
    MigrationRequest,
    Written,
    write_migration,
)
from auditor.model import fingerprint
from auditor.plan import Statement, comment_text, render_script
from auditor.planfile import plan_entry, read_plan_file, write_plan_file
from auditor.redact import RedactingWriter, redact, redact_output, remember_url
from auditor.report import (
    apply_json,
    apply_text,
    audit_json,
    audit_markdown,
    audit_text,
    not_audited_line,
    plan_json,
)
from auditor.rows import plan_of
from auditor.dialects.unaudited import counts_text
from auditor.snapshot import snapshot_source, snapshot_target
from auditor.target import DB, MODELS, SQL, ExpectedSource, Target, VersionSource
from auditor.verify import EVERY_HAZARD, Verification, check_parses, verify_plan
from auditor.versioning import VERSION_UNKNOWN, source_problem

T = TypeVar("T")

EXIT_CLEAN, EXIT_DRIFT, EXIT_ERROR = 0, 1, 2
DEFAULT_CONFIG = "config.yaml"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        """Usage mistakes: one line on stderr and exit 2, like every other bad input."""
        self.exit(EXIT_ERROR, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every subcommand."""
    parser = _Parser(prog="schema-auditor", description="Detect, report and heal schema drift.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    def common(p: argparse.ArgumentParser, formats: tuple[str, ...] = ("text", "json", "markdown")) -> None:
        p.add_argument("--db", help="SQLAlchemy URL, SQLite file, or database name from the config "
                                    "(default: every database in the config)")
        p.add_argument("--spec", help="spec file (YAML); overrides the config's")
        p.add_argument("--config", help=f"config file (default: $AUDITOR_CONFIG or ./{DEFAULT_CONFIG})")
        p.add_argument("--format", choices=formats, default="text",
                       help="html (audit only): one self-contained page, the status page's overview and details")
        p.add_argument("--ignore", action="append", default=[], metavar="GLOB",
                       help="ignore tables or objects (table.object) matching GLOB; repeatable")
        p.add_argument("--strict", action="store_true", help="warnings (extra objects) fail too")
        p.add_argument("--tenant-schemas", metavar="GLOB",
                       help="Postgres: audit each schema matching GLOB against the spec (its tables unqualified), "
                            "reported as DATABASE/SCHEMA")
        expected_sources(p)
        versioned(p)
        privileged(p)
        fleet(p)

    def privileged(p: argparse.ArgumentParser) -> None:
        p.add_argument("--privileges", action=argparse.BooleanOptionalAction, default=None,
                       help="Postgres: compare (or not) grants and owners, whatever the spec and config say")
        p.add_argument("--role", action="append", default=[], metavar="SPEC=ROLE",
                       help="the role a spec's role name is in this database (as the config's roles:); repeatable")

    def expected_sources(p: argparse.ArgumentParser) -> None:
        group = p.add_mutually_exclusive_group()
        group.add_argument("--expected-db", metavar="URL",
                           help="a reference database whose schema is the expected one (instead of --spec)")
        group.add_argument("--expected-sql", metavar="FILE",
                           help="a DDL file whose schema, built in a scratch database, is the expected one")
        group.add_argument("--expected-models", metavar="MODULE:ATTR",
                           help="SQLAlchemy models (a MetaData, a declarative Base, or a callable returning one) "
                                "whose tables, created in a scratch database, are the expected schema")
        p.add_argument("--dev-url", metavar="URL",
                       help="Postgres server for scratch databases (created and dropped): --expected-sql's and "
                            "--expected-models', and "
                            "the copy a plan is verified on before it runs")

    def versioned(p: argparse.ArgumentParser) -> None:
        p.add_argument("--version-query", metavar="SQL", help="SQL that reads the database's recorded version")
        p.add_argument("--version-table", metavar="NAME", help="the version table (schema_version, "
                       "alembic_version, django_migrations, flyway_schema_history, ...)")
        p.add_argument("--version-column", metavar="NAME", help="its version column (default: version)")
        p.add_argument("--version-app", metavar="NAME", help="django_migrations: the app whose version counts")

    def fleet(p: argparse.ArgumentParser) -> None:
        p.add_argument("--jobs", type=int, default=4, metavar="N", help="databases audited at once (default 4)")
        p.add_argument("--shard", metavar="K/N", help="audit only shard K of N of the configured databases")
        p.add_argument("--timeout", type=float, default=120.0, metavar="SECONDS",
                       help="give up on one database's audit after this long (default 120)")

    def planning(p: argparse.ArgumentParser) -> None:
        p.add_argument("--concurrent-indexes", action=argparse.BooleanOptionalAction, default=None,
                       help="Postgres: build and drop the indexes of tables that hold rows CONCURRENTLY, "
                            "outside the transaction (the default; --no-concurrent-indexes: all in one)")

    def allowing(p: argparse.ArgumentParser) -> None:
        p.add_argument("--allow-hazards", default=None, metavar="A,B",
                       help="also run statements with these hazards (or: all); see README, Hazards")
        p.add_argument("--allow-destructive", action="store_true", default=None,
                       help="also run drops and renames (DELETES_DATA, INDEX_DROPPED, BACKWARD_INCOMPATIBLE)")

    def applying(p: argparse.ArgumentParser) -> None:
        planning(p)
        allowing(p)
        p.add_argument("--lock-timeout", type=parse_duration, default=None, metavar="DURATION",
                       help="Postgres: give up on a statement that waits this long for a lock (default 5s)")
        p.add_argument("--statement-timeout", type=parse_duration, default=None, metavar="DURATION",
                       help="Postgres: give up on a statement that runs this long (default: no limit)")
        p.add_argument("--lock-wait", type=parse_duration, default=None, metavar="DURATION",
                       help="wait this long for another apply on the same database (default 30s)")
        p.add_argument("--apply-log", metavar="PATH",
                       help="append one JSON line per apply here (default: $AUDITOR_APPLY_LOG or "
                            "~/.local/state/schema-auditor/apply.log)")
        p.add_argument("--yes", "-y", action="store_true", help="do not ask for confirmation")
        p.add_argument("--no-verify", action="store_true",
                       help="do not run the plan on a scratch copy of the database first (Postgres statements "
                            "are still parsed)")

    audit = sub.add_parser("audit", help="compare databases with their spec")
    common(audit, ("text", "json", "markdown", "html"))
    audit.add_argument("--metrics-textfile", metavar="PATH.prom",
                       help="write Prometheus metrics for node_exporter's textfile collector (atomic)")
    audit.add_argument("--pushgateway", metavar="URL", help="push Prometheus metrics to this Pushgateway")
    audit.add_argument("--push-job", default="schema_auditor", metavar="NAME", help="Pushgateway job name")
    audit.add_argument("--metrics-detail", action="store_true",
                       help="also export one series per drifted object (small fleets only)")
    audit.add_argument("--strict-coverage", action="store_true",
                       help="objects of kinds the audit does not compare (functions, rules, ...) fail too")
    audit.add_argument("--apply", action="store_true", help="fix the drift found (same as apply)")
    applying(audit)
    plan = sub.add_parser("plan", help="print the SQL that would fix the drift, with its hazards")
    common(plan)
    planning(plan)
    plan.add_argument("--out", metavar="PLAN.json|DIR",
                      help="also write the plan for review; apply --plan runs exactly it. With --as-migration: "
                           "the migrations directory (created if missing)")
    plan.add_argument("--as-migration", choices=TOOLS, metavar="|".join(TOOLS),
                      help="write the fix as the next migration in --out instead of printing it: what apply "
                           "would run with the same --allow-hazards and --allow-destructive (only with this "
                           "option); see README, Heal as a migration")
    allowing(plan)
    plan.add_argument("--verify", action="store_true",
                      help="run the plan on a scratch copy of the database first, as apply does "
                           "(SQLite: in memory; Postgres: a scratch database on --dev-url)")
    apply = sub.add_parser("apply", help="fix the drift, in one transaction, then verify")
    common(apply)
    applying(apply)
    apply.add_argument("--plan", metavar="PLAN.json",
                       help="run this reviewed plan (from plan --out); refused if the database changed since")
    serve = sub.add_parser("serve", help="audit on an interval and serve /metrics, a status page and /report.json")
    serve.add_argument("--config", help=f"config file (default: $AUDITOR_CONFIG or ./{DEFAULT_CONFIG})")
    serve.add_argument("--db", help="one database (URL or config name) instead of the whole config")
    serve.add_argument("--spec", help="spec file; overrides the config's")
    serve.add_argument("--ignore", action="append", default=[], metavar="GLOB")
    serve.add_argument("--listen", default="127.0.0.1:9839", metavar="HOST:PORT",
                       help="address to serve on (default 127.0.0.1:9839)")
    serve.add_argument("--interval", default="15m", type=parse_duration, metavar="DURATION",
                       help="time between audits, e.g. 30s, 5m, 1h (default 15m)")
    serve.add_argument("--metrics-detail", action="store_true", help="one series per drifted object")
    serve.add_argument("--state-dir", metavar="DIR",
                       help="keep the audit history in DIR/history.sqlite, so a restart keeps it (default: memory only)")
    serve.add_argument("--history", type=int, default=200, metavar="N",
                       help="audits kept per database for the status page's history (default 200)")
    fleet(serve)
    snapshot = sub.add_parser("snapshot", help="write the spec of a live database")
    snapshot.add_argument("--db", help="SQLAlchemy URL, SQLite file, or database name from the config")
    expected_sources(snapshot)
    versioned(snapshot)
    privileged(snapshot)
    snapshot.add_argument("--config", help=f"config file (default: $AUDITOR_CONFIG or ./{DEFAULT_CONFIG})")
    snapshot.add_argument("--schema", action="append", default=[], metavar="NAME",
                          help="Postgres schema to include; repeatable (default: public)")
    snapshot.add_argument("-o", "--output", help="write the spec to this file (default: stdout)")
    demo = sub.add_parser("demo", help="replay the tickers_json incident on a bundled SQLite database")
    demo.add_argument("--dir", help="where to create the demo database (default: a temporary folder)")
    validate = sub.add_parser("validate", help="check spec files offline: no config, no database")
    validate.add_argument("files", nargs="+", metavar="FILE", help="spec files (YAML)")
    for command in sub.choices.values():
        command.add_argument("--debug", action="store_true",
                             help="on an unexpected error, print its traceback (for a bug report)")
    return parser


def _validate(files: list[str], err: TextIO) -> int:
    """Each spec problem on one line of stderr; exit 2 if there is any."""
    from auditor.validate import spec_problems

    problems = spec_problems(files)
    _print_error("\n".join(problems), err)
    return EXIT_ERROR if problems else EXIT_CLEAN


def main(argv: Sequence[str] | None = None, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    """Run the CLI; returns the exit code. Everything it prints passes through ``auditor.redact``."""
    argv = list(sys.argv[1:] if argv is None else argv)
    for arg in argv:  # a URL anywhere on the command line (--db=URL too): masked from the start
        if "://" in arg:
            remember_url(arg.partition("=")[2] if arg.startswith("-") else arg)
    out = RedactingWriter(stdout or sys.stdout, redact_output)
    err = RedactingWriter(stderr or sys.stderr, redact)
    try:
        with redirect_stdout(out), redirect_stderr(err):  # argparse writes --help and usage errors there
            args = build_parser().parse_args(argv)
        return _run(args, out, err)
    finally:
        out.flush()
        err.flush()


def _run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """The command ``args`` names, with every error as lines on ``err`` and an exit code."""
    if args.debug:
        _log_handler(err)
    try:
        if args.command == "demo":
            return _demo(args, out)
        if args.command == "validate":
            return _validate(args.files, err)
        if args.command == "snapshot":
            return _snapshot(args, out, err)
        if args.command == "serve":
            return _serve(args, err)
        targets, ignore = resolve_targets(args)
        if args.command == "plan":
            return _plan(targets, ignore, args, out, err)
        if args.command == "apply" or args.apply:
            return _apply(targets, ignore, args, out, err)
        return _audit(targets, ignore, args, out, err)
    except AuditorError as exc:
        _print_error(exc.report(), err)
        return EXIT_ERROR
    except KeyboardInterrupt:
        err.write("interrupted\n")
        return EXIT_ERROR
    except Exception as exc:  # noqa: BLE001 - no traceback, ever: one line, exit 2 (--debug shows it)
        _unexpected(exc, f"schema-auditor {args.command}", args, err)
        return EXIT_ERROR
    finally:
        _log_handler(None)


def _unexpected(exc: BaseException, where: str, args: argparse.Namespace, err: TextIO) -> None:
    """An exception that is not one of ours: one line (and with --debug, its traceback first)."""
    if getattr(args, "debug", False):
        import traceback

        err.write("".join(traceback.format_exception(exc)))
    _print_error(UnexpectedError.of(exc, where).report(), err)


_HANDLER: list[logging.Handler] = []


def _log_handler(err: TextIO | None) -> None:
    """--debug: the ``auditor`` logger's records (a database's failure with its traceback) on
    stderr for this run; None takes the handler off again."""
    logger = logging.getLogger("auditor")
    for handler in _HANDLER:
        logger.removeHandler(handler)
    _HANDLER.clear()
    logger.setLevel(logging.DEBUG if err is not None else logging.NOTSET)
    if err is not None:
        _HANDLER.append(logging.StreamHandler(err))
        logger.addHandler(_HANDLER[0])


def run() -> NoReturn:
    """The ``schema-auditor`` console script and ``python -m auditor``: ``main``, then exit at once.

    A normal interpreter exit frees every object one by one; after auditing a big schema (the
    spec, the live schema, the caches: millions of objects) that takes about 0.25 s of a 1 s run.
    Output is flushed first, and nothing else is pending: files are closed, connections disposed
    and worker pools joined before ``main`` returns.
    """
    code = main()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except OSError:  # the reader went away (``| head``): nothing more to say
            pass
    os._exit(code)


def _print_error(text: str, err: TextIO) -> None:
    for line in text.splitlines():
        err.write(f"{line}\n")


def resolve_targets(args: argparse.Namespace) -> tuple[list[Target], tuple[str, ...]]:
    """The databases a command runs on, and the ignore globs from the command line and config."""
    db, spec = args.db, args.spec
    config = _load_config(args.config, needed=not _looks_like_url(db))
    ignore = tuple(args.ignore) + (config.ignore if config else ())
    if db and config and db in config.targets:
        targets = [config.targets[db]]
    elif db and _looks_like_url(db):
        targets = [target_from_url(db, spec)]
    elif db:
        known = ", ".join(config.targets) if config else "none: no config file"
        raise ConfigError(f"unknown database '{db}' (known: {known})",
                          "pass a URL such as sqlite:///app.db, or a name from the config")
    elif config and config.targets:
        targets = list(config.targets.values())
    else:
        raise ConfigError("no database given", "pass --db URL, or --config FILE listing databases")
    if spec:
        targets = [replace(t, spec=spec, source=None) for t in targets]
    if getattr(args, "tenant_schemas", None) is not None:
        if not args.tenant_schemas.strip():
            raise ConfigError("--tenant-schemas is empty", 'give a glob such as "tenant_*"')
        targets = [replace(t, tenant_schemas=args.tenant_schemas) for t in targets]
    if getattr(args, "dev_url", None):
        targets = [_with_dev_url(t, args.dev_url) for t in targets]
    source, version = _expected_source(args), _version_source(args)
    if source is not None:
        targets = [replace(t, spec=source.label, source=source) for t in targets]
    if version is not None:
        targets = [replace(t, version=version) for t in targets]
    if getattr(args, "privileges", None) is not None:
        targets = [replace(t, privileges=args.privileges) for t in targets]
    if getattr(args, "role", None):
        roles = _role_map(args.role)
        targets = [replace(t, roles=tuple({**dict(t.roles), **roles}.items())) for t in targets]
    if getattr(args, "shard", None):
        targets = select_shard(targets, parse_shard(args.shard))
    return targets, ignore


def _role_map(pairs: list[str]) -> dict[str, str]:
    """--role SPEC=ROLE, each given once."""
    out: dict[str, str] = {}
    for pair in pairs:
        said, sep, role = pair.partition("=")
        if not sep or not said.strip() or not role.strip():
            raise ConfigError(f"--role {pair!r} is not SPEC=ROLE", "write e.g. --role app=app_prod")
        out[said.strip()] = role.strip()
    return out


def _with_dev_url(target: Target, dev_url: str) -> Target:
    """--dev-url: the server for the target's scratch databases, its --expected-sql's and
    --expected-models' too."""
    source = target.source
    if source is not None and source.scratch:
        source = replace(source, dev_url=dev_url)
    return replace(target, dev_url=dev_url, source=source)


def _expected_source(args: argparse.Namespace) -> ExpectedSource | None:
    """--expected-db, --expected-sql or --expected-models (with --dev-url), refused next to --spec."""
    given = [(kind, getattr(args, f"expected_{kind}", None)) for kind in (DB, SQL, MODELS)]
    kind, location = next(((k, v) for k, v in given if v), (None, None))
    if kind is None or location is None:
        return None
    if getattr(args, "spec", None):
        raise ConfigError(f"--spec and --expected-{kind} both name the expected schema", "give one of them")
    return ExpectedSource(kind, location, getattr(args, "dev_url", None))


def _version_source(args: argparse.Namespace) -> VersionSource | None:
    """The --version-* options as a version source (None without any)."""
    values = {key: getattr(args, f"version_{key}", None) for key in ("query", "table", "column", "app")}
    if not any(value is not None for value in values.values()):
        return None
    source = VersionSource(**values)
    problem = source_problem(source)
    if problem:
        raise ConfigError(f"--version-*: {problem.replace('version_', '--version-')}")
    return source


def _looks_like_url(db: str | None) -> bool:
    return bool(db) and ("://" in str(db) or str(db).endswith((".db", ".sqlite", ".sqlite3")))


def _load_config(path: str | None, needed: bool) -> Config | None:
    if path:
        return load_config(path)
    if not needed:
        return None
    if os.environ.get("AUDITOR_CONFIG"):
        return load_config(os.environ["AUDITOR_CONFIG"])  # named explicitly: must exist
    return load_config(DEFAULT_CONFIG) if Path(DEFAULT_CONFIG).exists() else None


def _audit_all(targets: list[Target], ignore: tuple[str, ...], err: TextIO,
               args: argparse.Namespace | None = None) -> list[AuditResult]:
    jobs, timeout = (args.jobs, args.timeout) if args is not None else (1, None)
    progress = _progress(len(targets), err) if len(targets) > 1 and err.isatty() else None
    results = with_tenants(audit_fleet(targets, ignore, jobs=jobs, timeout=timeout, on_done=progress))
    if progress:
        err.write("\n")
    # Databases sharing a broken spec fail alike: say it once.
    for error in dict.fromkeys(r.error for r in results if r.error):
        _print_error(error, err)
    return results


def _progress(total: int, err: TextIO):
    """A one-line counter on the terminal, rewritten as databases finish."""
    done = [0, 0]

    def report(result: AuditResult) -> None:
        done[0] += 1
        done[1] += bool(result.error)
        err.write(f"\raudited {done[0]}/{total} databases ({done[1]} failed)")
        err.flush()

    return report


def _failed(result: AuditResult) -> bool:
    """The audit, or the version cross-check it was asked for, could not run."""
    return bool(result.error) or (result.version is not None and result.version.status == VERSION_UNKNOWN)


def _exit_code(results: Sequence[AuditResult], failing: bool) -> int:
    if any(_failed(r) for r in results):
        return EXIT_ERROR
    return EXIT_DRIFT if failing else EXIT_CLEAN


def _clean(results: Sequence[AuditResult], failing: bool) -> bool:
    """What JSON reports call clean: every database audited, and nothing failing."""
    return not failing and not any(_failed(r) for r in results)


def _audit(targets: list[Target], ignore: tuple[str, ...], args: argparse.Namespace,
           out: TextIO, err: TextIO) -> int:
    results = _audit_all(targets, ignore, err, args)
    failing = any(r.fails(args.strict) for r in results) | _uncovered(results, args, err)
    ok = [r for r in results if not r.error]
    if args.format == "json":
        out.write(audit_json(results, _clean(results, failing)) + "\n")
    elif args.format == "html":
        out.write(_audit_html(results, args))
    else:
        out.write(audit_markdown(results) if args.format == "markdown" else audit_text(ok))
    export_failed = _export_metrics(results, args, err)
    return EXIT_ERROR if export_failed else _exit_code(results, failing)


def _audit_html(results: list[AuditResult], args: argparse.Namespace) -> str:
    """The static report: the status page's overview and each database's section, with its plan."""
    from auditor.statuspage import static_report

    return static_report(results, time.time(), command_args(args))


def _uncovered(results: Sequence[AuditResult], args: argparse.Namespace, err: TextIO) -> bool:
    """--strict-coverage: whether a database holds objects the audit does not compare, said on
    stderr in one line per such database."""
    if not getattr(args, "strict_coverage", False):
        return False
    uncovered = [r for r in results if r.not_audited]
    for result in uncovered:
        err.write(f"{result.target.name}: fails --strict-coverage: {not_audited_line(result.not_audited)}\n")
    return bool(uncovered)


def _export_metrics(results: list[AuditResult], args: argparse.Namespace, err: TextIO) -> bool:
    """Write or push the run's metrics where asked; True if that failed (said on stderr)."""
    if not (args.metrics_textfile or args.pushgateway):
        return False
    from auditor import (
        metrics,  # prometheus-client is only imported when metrics are asked for
    )

    finished = time.time()  # one run, one timestamp, whichever way out
    try:
        if args.metrics_textfile:
            path = Path(args.metrics_textfile)
            previous = metrics.parse_last_success(path.read_text()) if path.exists() else {}
            metrics.write_textfile(path, metrics.build_registry(
                results, detail=args.metrics_detail, previous_success=previous, now=lambda: finished))
        if args.pushgateway:
            previous = metrics.parse_last_success(_read_url(f"{args.pushgateway.rstrip('/')}/metrics"))
            for result in results:  # one group per database, so one failing never hides another
                registry = metrics.build_registry([result], detail=args.metrics_detail, previous_success=previous,
                                                  now=lambda: finished)
                metrics.push(args.pushgateway, args.push_job, registry, {"database": result.target.name})
    except (OSError, ValueError) as exc:
        err.write(f"cannot export metrics: {exc}\n")
        return True
    return False


def _read_url(url: str) -> str:
    from urllib.request import urlopen

    with urlopen(url, timeout=10) as response:  # noqa: S310 - the operator's own Pushgateway
        return response.read().decode("utf-8")


def _plans(results: list[AuditResult], args: argparse.Namespace) -> list[tuple[AuditResult, list[Statement]]]:
    # A tenant schema is planned only when it drifted: a database of 1,000 tenants is one plan each.
    return [(r, _plan_of(r, args)) for r in results if not r.error and (r.drift or r.tenant is None)]


def _plan_of(result: AuditResult, args: argparse.Namespace) -> list[Statement]:
    """The result's plan: indexes of tables that hold rows built CONCURRENTLY unless the command
    line or the config says not to."""
    return plan_of(result, _setting(args, result.target, "concurrent_indexes", True))


def _setting(args: argparse.Namespace, target: Target, name: str, default: T) -> T:
    """An apply setting: the command line's, else the config's for this database, else the default."""
    given = getattr(args, name, None)
    if given is not None:
        return given
    configured = getattr(target.apply, name)
    return default if configured is None else configured


def apply_options(target: Target, args: argparse.Namespace) -> ApplyOptions:
    """How apply may change this database: the command line's options over its config's."""
    named = parse_hazards(args.allow_hazards) if args.allow_hazards is not None else target.apply.allow_hazards or ()
    allowed = allowed_hazards(named, bool(_setting(args, target, "allow_destructive", False)))
    return ApplyOptions(allowed, _setting(args, target, "lock_timeout", 5.0),
                        _setting(args, target, "statement_timeout", None), _setting(args, target, "lock_wait", 30.0),
                        lock_held=True)


def _plan(targets: list[Target], ignore: tuple[str, ...], args: argparse.Namespace,
          out: TextIO, err: TextIO) -> int:
    if args.as_migration or args.allow_hazards or args.allow_destructive:
        return _plan_migration(targets, ignore, args, out, err)
    results = _audit_all(targets, ignore, err, args)
    plans = _plans(results, args)
    failing = any(r.fails(args.strict) for r in results)
    verifications = [_plan_verification(result, statements, ignore, args) for result, statements in plans]
    violations = [count_violations(r.target, statements) for r, statements in plans]
    if args.format == "json":
        out.write(plan_json(plans, violations, _clean(results, failing), verifications) + "\n")
    else:
        for (result, statements), counts, verification in zip(plans, violations, verifications):
            assert result.dialect is not None
            out.write(f"-- database: {comment_text(result.target.name)}\n"
                      + render_script(statements, result.dialect, counts)
                      + (f"-- {comment_text(verification.describe())}\n" if verification else ""))
    if args.out:
        write_plan_file(args.out, [plan_entry(r.target.name, r.target.url, r.dialect.name,  # type: ignore[union-attr]
                                              fingerprint(r.actual), statements)  # type: ignore[arg-type]
                                   for r, statements in plans])
    return _exit_code(results, failing)


def _plan_migration(targets: list[Target], ignore: tuple[str, ...], args: argparse.Namespace,
                    out: TextIO, err: TextIO) -> int:
    """plan --as-migration: the fix written as the next migration in --out; its paths on stdout."""
    if not args.as_migration:
        raise ConfigError("--allow-hazards and --allow-destructive choose what plan --as-migration writes",
                          "add --as-migration, or drop them: plan shows every statement")
    if not args.out:
        raise ConfigError("--as-migration needs --out DIR", "name the migrations directory")
    if len(targets) != 1 or args.tenant_schemas or args.format != "text":
        raise ConfigError("--as-migration writes one database's migration, as text",
                          "give one --db, without --tenant-schemas and --format")
    allowed = apply_options(targets[0], args).allowed
    ignore += tuple(filter(None, [HISTORY_TABLES.get(args.as_migration)]))  # the tool's own table
    results = _audit_all(targets, ignore, err, args)
    if results[0].error:
        return EXIT_ERROR
    ((result, statements),) = _plans(results, args)
    _plan_verification(result, statements, ignore, args)
    request = MigrationRequest(args.as_migration, Path(args.out), allowed,
                               _setting(args, result.target, "concurrent_indexes", True))
    written = write_migration(request, result, statements, count_violations(result.target, statements))
    _written_lines(written, out, err)
    return EXIT_DRIFT if written.paths else _exit_code(results, any(r.fails(args.strict) for r in results))


def _written_lines(written: Written, out: TextIO, err: TextIO) -> None:
    """The paths written on stdout (or why none), the notes and the withheld statements on stderr."""
    for note in written.notes:
        err.write(f"{note}\n")
    for path in written.paths:
        out.write(f"{path}\n")
    if not written.paths:
        withheld = len(written.heal.withheld)
        out.write(f"no migration written: {withheld} statement(s) withheld\n" if withheld else "no changes\n")
    for entry in written.heal.withheld:
        err.write(f"withheld: {comment_text(entry.statement.summary)}: {entry.reason}\n")


def _plan_verification(result: AuditResult, statements: list[Statement], ignore: tuple[str, ...],
                       args: argparse.Namespace) -> Verification | None:
    """Postgres statements are parsed before any is shown; with --verify, every statement but the
    manual ones runs on a scratch copy first."""
    assert result.dialect is not None
    if not args.verify:
        check_parses(statements, result.dialect, result.target.name)
        return None
    return verify_plan(result, statements, ApplyOptions(EVERY_HAZARD), ignore)


def _apply(targets: list[Target], ignore: tuple[str, ...], args: argparse.Namespace,
           out: TextIO, err: TextIO) -> int:
    reviewed = read_plan_file(args.plan) if getattr(args, "plan", None) else None
    results: list[AuditResult] = []
    entries: list[tuple[AuditResult, ApplyResult | None]] = []
    failing = apply_failed = False
    for target in targets:  # one at a time, each planned and applied under its apply lock
        options = apply_options(target, args)
        allowed = options.allowed
        log_path = _setting(args, target, "apply_log", None)
        log = Path(log_path) if log_path else default_log_path()
        try:
            if recover_hot_journal(target):  # an interrupted write's journal: rolled back before planning
                err.write(f"{target.name}: rolled back the hot journal an interrupted write left\n")
            with apply_lock(target, options.lock_wait):
                audited = _audit_all([target], ignore, err, args)
                results += audited
                for result, statements in _plans(audited, args):
                    chosen = options
                    if reviewed is not None:
                        statements, chosen = _reviewed(reviewed, result, options, args.plan)
                    proven, verification = _proven(result, statements, chosen, ignore, args, log, err)
                    applied = None
                    if not proven:
                        apply_failed = True
                    elif _confirmed(result, statements, allowed, args, out, verification):
                        applied = _apply_one(result, statements, chosen, ignore, log, err, verification)
                        apply_failed = apply_failed or applied is None
                    # What apply withheld is still drift: its errors (warnings too, under --strict) exit 1.
                    remaining = applied.remaining if applied else result.drift
                    failing = failing | bool(failing_items(remaining, args.strict)) | _uncovered([result], args, err)
                    entries.append((result, applied))
                    if applied and args.format == "text":
                        out.write(apply_text(result, applied))
        except AuditorError as exc:  # busy or unreachable: the other databases still get their turn
            _print_error(exc.report(), err)
            apply_failed = True
        except Exception as exc:  # noqa: BLE001 - a bug with one database: the others still get theirs
            _unexpected(exc, f"{target.name}: apply", args, err)
            apply_failed = True
    if args.format == "json":
        out.write(apply_json(entries, _clean(results, failing) and not apply_failed) + "\n")
    return EXIT_ERROR if apply_failed else _exit_code(results, failing)


def _reviewed(reviewed: dict[str, tuple[str, list[Statement]]], result: AuditResult, options: ApplyOptions,
              path: str) -> tuple[list[Statement], ApplyOptions]:
    """The reviewed plan's statements for this database, and options that make apply check the schema."""
    if result.target.name not in reviewed:
        raise ConfigError(f"{path} has no plan for database {result.target.name}",
                          f"it has: {', '.join(reviewed) or 'none'}")
    planned_against, statements = reviewed[result.target.name]
    return statements, replace(options, planned_against=planned_against)


def _proven(result: AuditResult, statements: list[Statement], options: ApplyOptions, ignore: tuple[str, ...],
            args: argparse.Namespace, log: Path, err: TextIO) -> tuple[bool, Verification | None]:
    """(proven, how): the plan parsed and, unless --no-verify, ran on a scratch copy first. A plan
    that fails its proof is said on stderr and recorded in the apply log as failed."""
    _log(log, None)  # a refusal is recorded too: find out first that the log is writable
    started = time.monotonic()
    try:
        return True, verify_plan(result, statements, options, ignore, scratch=not args.no_verify)
    except AuditorError as exc:  # nothing ran; the other databases still get their turn
        _failed_apply(result, statements, options, exc, time.monotonic() - started, log, err)
        return False, None


def _apply_one(result: AuditResult, statements: list[Statement], options: ApplyOptions, ignore: tuple[str, ...],
               log: Path, err: TextIO, verification: Verification | None = None) -> ApplyResult | None:
    """Apply to one database and record it in the apply log; None (said on stderr) if it failed."""
    assert result.expected is not None
    _log(log, None)  # no change without a record of it: find out first that the log is writable
    started = time.monotonic()
    try:
        applied = apply_plan(result.target, statements, result.expected, options, ignore)
    except AuditorError as exc:  # rolled back; the other databases still get their turn
        _failed_apply(result, statements, options, exc, time.monotonic() - started, log, err)
        return None
    outcome = "applied" if applied.executed else "nothing to run"
    _log(log, apply_record(result.target, outcome, applied.seconds, list(applied.executed),
                           [w.statement for w in applied.withheld]))
    return replace(applied, verification=verification)


def _failed_apply(result: AuditResult, statements: list[Statement], options: ApplyOptions, exc: AuditorError,
                  seconds: float, log: Path, err: TextIO) -> None:
    """Say why on stderr, and record the failed apply (with what it withheld) in the apply log."""
    _print_error(exc.report(), err)
    _, withheld = split_plan(statements, options.allowed)
    _log(log, apply_record(result.target, "failed", seconds, [], [w.statement for w in withheld], error=exc.report()))


def _log(path: Path, entry: dict[str, object] | None) -> None:
    try:
        append_record(path, entry)
    except OSError as exc:
        raise ConfigError(f"cannot write the apply log {path}: {exc.strerror}",
                          "pass --apply-log PATH to a writable file") from None


def _confirmed(result: AuditResult, statements: list[Statement], allowed: frozenset[str],
               args: argparse.Namespace, out: TextIO, verification: Verification | None = None) -> bool:
    """Ask on a terminal before changing a database; never ask when stdin is not a terminal."""
    runnable, _ = split_plan(statements, allowed)
    if not runnable or args.yes or not sys.stdin.isatty():
        return True
    assert result.dialect is not None
    out.write(render_script(statements, result.dialect, count_violations(result.target, statements)))
    if verification is not None:
        out.write(f"-- {comment_text(verification.describe())}\n")
    out.write(f"Apply {len(runnable)} statement(s) to {result.target.name}? [y/N] ")
    out.flush()
    return sys.stdin.readline().strip().lower() in ("y", "yes")


def parse_duration(text: str) -> float:
    """``30s``, ``5m``, ``1h`` or plain seconds, as seconds."""
    try:
        return seconds(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _serve(args: argparse.Namespace, err: TextIO) -> int:
    from auditor.serve import serve

    args.strict = False
    targets, ignore = resolve_targets(args)
    return serve(targets, ignore, listen=args.listen, interval=args.interval, jobs=args.jobs,
                 timeout=args.timeout, detail=args.metrics_detail, log=err, state_dir=args.state_dir,
                 history_limit=args.history, command_args=command_args(args))


def command_args(args: argparse.Namespace) -> list[str]:
    """The options that select the same databases and spec in another command (the fix command
    the status page shows): the config file as an absolute path, and --spec and --ignore if given;
    [] when no config file is in use (the page then names the database by its masked URL)."""
    config = args.config or os.environ.get("AUDITOR_CONFIG") or (DEFAULT_CONFIG if Path(DEFAULT_CONFIG).exists()
                                                                  else None)
    if not config or _looks_like_url(args.db):
        return []
    selected = ["--config", str(Path(config).resolve())]
    selected += ["--spec", str(Path(args.spec).resolve())] if args.spec else []
    return selected + [part for glob in args.ignore for part in ("--ignore", glob)]


def _snapshot(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    args.spec, args.ignore = None, []
    source = _expected_source(args)
    if source is None and not args.db:
        raise ConfigError("snapshot needs --db, --expected-db, --expected-sql or --expected-models",
                          "name what to snapshot")
    if source is not None and args.db:
        raise ConfigError(f"--db and --expected-{source.kind} both name what to snapshot", "give one of them")
    if source is not None:
        if args.privileges:
            raise ConfigError("snapshot --privileges reads a database's grants", "give --db instead")
        text = snapshot_source(source, _version_source(args))
    else:
        (target,), _ = resolve_targets(args)
        text, left_out = snapshot_target(target, tuple(args.schema))
        if left_out:  # a database rebuilt from this spec lacks them: say so where people look
            err.write(f"{target.name}: not in the snapshot (not modelled): {counts_text(left_out)}\n")
    if args.output:
        Path(args.output).write_text(redact_output(text))
    else:
        out.write(text)
    return EXIT_CLEAN


def _demo(args: argparse.Namespace, out: TextIO) -> int:
    from auditor.demo import run_demo

    return run_demo(args.dir, out, lambda argv: main(argv, out))
