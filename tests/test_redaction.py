"""No secret in any output (issue 17, point 1): a distinct secret planted through each route by
which one reaches schema-auditor (a URL's userinfo, a secret-named query setting, a
``password_file``, a secret-named environment value the config interpolates, a driver's message
quoting a secret, a keyword DSN, ``--dev-url``, ``--pushgateway``) is looked for, in every spelling
it could take, in every output of every command: stdout, stderr, ``--debug`` tracebacks, JSON and
markdown reports, plan and migration files, the apply log, the metrics textfile, and every page of
a real ``serve`` process. And table-driven cases of :mod:`auditor.redact` itself, one line each.
"""
from __future__ import annotations

import html
import json
import urllib.parse
from pathlib import Path

import pytest
import yaml

from auditor.demo import build_incident_database, spec_path
from auditor.redact import SECRETS, RedactingWriter, redact, redact_output, redact_url, refuse_secret, url_secrets
from conftest import run_cli
from test_metrics import http_get, wait_for
from test_serve import fetch, serve_process

SPEC = str(spec_path())

REDACTED = [
    # (text, what redact makes of it): messages
    ("postgresql://app@db/app?password=q-secret&sslmode=require", "postgresql://app@db/app?password=***&sslmode=require"),
    ("postgresql://app@db/app?sslpassword=q-secret", "postgresql://app@db/app?sslpassword=***"),
    # The message's colon after a URL stays (it was masked with the value).
    ("app?password=q-secret: cannot connect", "app?password=***: cannot connect"),
    ("host=db password=q-secret: refused", "host=db password=***: refused"),
    ("host=db user=app password='a b' dbname=app", "host=db user=app password=*** dbname=app"),
    ('host=db password="a b" dbname=app', "host=db password=*** dbname=app"),
    ("host=db api_key=k-123 port=5432", "host=db api_key=*** port=5432"),
    ("GITHUB_TOKEN=ghp_x1 make", "GITHUB_TOKEN=*** make"),
    ("postgresql://app:pw@db/app", "postgresql://app:***@db/app"),
    ("postgresql://app:p@ss@db/app", "postgresql://app:***@db/app"),
    ("password authentication failed for user app", "password authentication failed for user app"),
]
OUTPUT = [
    # (text, what redact_output makes of it): program output, where SQL comparisons stay as written
    ("CHECK (auth_level = 3)", "CHECK (auth_level = 3)"),
    ("WHERE api_token = current_setting('app.token')", "WHERE api_token = current_setting('app.token')"),
    ("postgresql://app@db/app?sslpassword=q-secret&x=1", "postgresql://app@db/app?sslpassword=***&x=1"),
    ("db/app?password=q-secret: cannot connect", "db/app?password=***: cannot connect"),
    ("DEFAULT 'https://bot:tok3n@hooks.example/x'", "DEFAULT 'https://bot:***@hooks.example/x'"),
]


@pytest.mark.parametrize("text, redacted", REDACTED)
def test_redact(text: str, redacted: str) -> None:
    assert redact(text) == redacted


@pytest.mark.parametrize("text, redacted", OUTPUT)
def test_redact_output(text: str, redacted: str) -> None:
    assert redact_output(text) == redacted


def test_a_remembered_secret_is_masked_in_every_spelling_and_short_ones_are_not() -> None:
    secret = 'v@l "ü<&>'
    SECRETS.add(secret, "abc")
    for spelling in (secret, urllib.parse.quote(secret, safe=""), json.dumps(secret)[1:-1], html.escape(secret)):
        assert redact_output(f"table t_{spelling}_x") == "table t_***_x", spelling
    assert redact_output("abc") == "abc", "a 3-character value would garble output and hide nothing"


def test_url_secrets_and_the_masked_url() -> None:
    url = "postgresql://app:pw%40x1@db/app?sslpassword=q-secret&application_name=audit"
    assert set(url_secrets(url)) == {"pw@x1", "pw%40x1", "q-secret"}
    assert redact_url(url) == "postgresql://app:***@db/app?application_name=audit&sslpassword=***"
    # A password that spells the user name is printed as the user: it cannot be told apart.
    assert url_secrets("postgresql://postgres:postgres@db/app") == ()


def test_a_secret_split_over_two_writes_is_still_masked() -> None:
    SECRETS.add("split-secret-9")
    sink = _Sink()
    writer = RedactingWriter(sink, redact_output)
    for part in ("one split-se", "cret-9 two\nthree split-", "secret-9"):
        writer.write(part)
    writer.flush()
    assert sink.text == "one *** two\nthree ***"


def test_a_file_run_as_written_is_refused_rather_than_masked() -> None:
    SECRETS.add("in-the-sql-77")
    refuse_secret("ALTER TABLE t ADD COLUMN c text DEFAULT 'x'", "plan file p")
    with pytest.raises(Exception, match="plan file p would hold a secret"):
        refuse_secret("ALTER TABLE t ADD COLUMN c text DEFAULT 'in-the-sql-77'", "plan file p")


class _Sink:
    def __init__(self) -> None:
        self.text = ""

    def write(self, text: str) -> int:
        self.text += text
        return len(text)

    def flush(self) -> None:
        pass


# --- every route, every command ----------------------------------------------------------------

PLANTED = {
    "userinfo": "ui-Secr3t-a1",
    "query": "q-Secr3t-b2",
    "password_file": "pf-Secr3t-c3",
    "environment": "env-Secr3t-d4",
    "driver message": "drv-Secr3t-e5",
    "keyword DSN": "dsn-Secr3t-f6",
    "dev_url": "dev-Secr3t-g7",
    "pushgateway": "push-Secr3t-h8",
}


def _spellings(secret: str) -> set[str]:
    return {secret, urllib.parse.quote(secret, safe=""), json.dumps(secret)[1:-1], html.escape(secret)}


def _configs(tmp_path: Path, pg_url: str) -> tuple[Path, Path]:
    """A config with one database per route, all the same real (incident) database on the local
    server, whose trust authentication accepts any password; and a config whose version query has
    the driver quote the database's password back."""
    base = pg_url.replace("postgresql+psycopg://", "postgresql://").split("@", 1)[1]  # host:port/db
    (tmp_path / "db-password").write_text(PLANTED["password_file"] + "\n")
    databases = {
        "by_userinfo": {"url": f"postgresql://postgres:{PLANTED['userinfo']}@{base}"},
        "by_query": {"url": f"postgresql://postgres@{base}?sslpassword={PLANTED['query']}"},
        "by_file": {"url": f"postgresql://postgres@{base}", "password_file": "db-password"},
        "by_env": {"url": f"postgresql://postgres@{base}?application_name=${{AUDIT_APP_TOKEN}}"},
    }
    driver = {"by_driver": {"url": f"postgresql://postgres:{PLANTED['driver message']}@{base}",
                            "version_query": f"SELECT '{PLANTED['driver message']}'::integer"}}
    paths = tmp_path / "config.yaml", tmp_path / "driver.yaml"
    for path, entries in zip(paths, (databases, driver)):
        path.write_text(yaml.safe_dump({"spec": SPEC, "databases": entries}, sort_keys=False))
    return paths


def _commands(config: Path, driver: Path, pg_url: str, tmp_path: Path) -> list[tuple[str, ...]]:
    c, d = ("--config", str(config)), ("--config", str(driver))
    dev_url = pg_url.replace("postgresql+psycopg://postgres@", f"postgresql://postgres:{PLANTED['dev_url']}@")
    dsn = f"host=127.0.0.1 user=postgres password={PLANTED['keyword DSN']} dbname=postgres"
    push = f"http://bot:{PLANTED['pushgateway']}@127.0.0.1:1"
    return [
        ("audit", *c), ("audit", *c, "--format", "json"), ("audit", *c, "--format", "markdown"),
        ("audit", *c, "--format", "html"),
        ("audit", *c, "--metrics-textfile", str(tmp_path / "audit.prom")),
        ("audit", *c, "--pushgateway", push), ("audit", *c, "--pushgateway", push, "--debug"),
        ("plan", *c), ("plan", *c, "--format", "json"), ("plan", *c, "--out", str(tmp_path / "plan.json")),
        ("plan", *c, "--db", "by_userinfo", "--as-migration", "sql", "--out", str(tmp_path / "migration")),
        ("plan", *c, "--db", "by_query", "--verify", "--dev-url", dev_url),
        *[("snapshot", *c, "--db", name) for name in ("by_userinfo", "by_query", "by_file", "by_env")],
        ("snapshot", *c, "--db", "by_file", "--output", str(tmp_path / "snapshot.yaml")),
        ("audit", *d), ("audit", *d, "--format", "json"), ("audit", *d, "--debug"), ("plan", *d),
        ("audit", "--db", dsn, "--spec", SPEC), ("audit", "--db", dsn, "--spec", SPEC, "--debug"),
        ("snapshot", "--db", dsn), ("audit", "--db", dsn, "--jobs", dsn),
        ("audit", "--db", f"postgresql://postgres:{PLANTED['userinfo']}@127.0.0.1:1/app?password={PLANTED['query']}",
         "--spec", SPEC),
        ("apply", *c, "--yes"), ("audit", *c, "--format", "json"),
    ]


def _pages(config: Path, log: Path) -> dict[str, str]:
    """Every page of a real ``serve`` process after its first run."""
    with serve_process(config, log) as (base, _proc):
        wait_for(lambda: http_get(base + "/report.json"), lambda t: "by_env" in t, "the first run")
        return {f"GET {path}": fetch(base + path)[2] for path in ("/", "/report.json", "/metrics", "/healthz",
                                                            *(f"/db/{name}{suffix}" for name in ("by_userinfo", "by_query",
                                                              "by_file", "by_env") for suffix in ("", ".json")))}


def test_no_planted_secret_appears_in_any_output_of_any_command(pg_url: str, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch,
                                                               apply_log: Path) -> None:
    build_incident_database(pg_url)
    monkeypatch.setenv("AUDIT_APP_TOKEN", PLANTED["environment"])
    monkeypatch.chdir(tmp_path)
    config, driver = _configs(tmp_path, pg_url)
    outputs: dict[str, str] = {}
    codes: list[int] = []
    commands = _commands(config, driver, pg_url, tmp_path)
    for n, args in enumerate(commands):
        if args[0] == "apply":  # the pages while the drift is there, before apply heals it
            outputs.update(_pages(config, tmp_path / "serve.log"))
        result = run_cli(*args)
        outputs[f"{n}: {' '.join(args)}"] = result.out + result.err
        codes.append(result.code)
        assert "Traceback" not in result.err or "--debug" in args, (args, result.err)
    files = [*tmp_path.rglob("*.json"), *tmp_path.rglob("*.sql"), *tmp_path.rglob("*.prom"),
             tmp_path / "snapshot.yaml", tmp_path / "serve.log", apply_log]
    outputs.update({str(f): f.read_text() for f in files if f.is_file()})

    for route, secret in PLANTED.items():
        for where, text in outputs.items():
            for spelling in _spellings(secret):
                assert spelling not in text, f"the {route} secret shows up in {where}:\n{text}"
    # The outputs are real ones: the drift, the plan, the healed database and the masked forms.
    text = [outputs[key] for key in outputs if key[0].isdigit()]
    assert codes[:5] == [1, 1, 1, 1, 1] and "tickers_json" in text[0] and "<html" in text[3]
    log = apply_log.read_text()
    assert "postgres:***@" in log and "sslpassword=***" in log and "application_name=***" in log
    assert "ALTER TABLE" in text[7] and (tmp_path / "plan.json").is_file() and list((tmp_path / "migration").iterdir())
    assert 'cannot read the recorded version (SELECT \'***\'::integer): invalid input syntax for type integer: "***"' in text[17]
    assert codes[21] == 2 and "password=***" in text[21] and len(text[21].splitlines()) == 1
    assert codes[-2:] == [0, 0], "apply healed every database and the audit after it is clean"
    assert "tickers_json" in outputs["GET /db/by_env"] and "ADD COLUMN" in outputs["GET /db/by_env"]
    assert log.count("\n") == 4, "every database's apply was logged"
