"""A secret in a URL's query string (``?password=``, ``?sslpassword=``) is masked like one in its
userinfo: in every output of every command, the metrics and the apply log (issue 17, first part)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from auditor.database import mask_text, mask_url, secrets_of
from auditor.demo import build_incident_database, spec_path
from conftest import run_cli

SPEC = str(spec_path())
MASKED = [
    # (text, what it must become)
    ("postgresql://app@db/app?password=q-secret&sslmode=require", "postgresql://app@db/app?password=***&sslmode=require"),
    ("postgresql://app@db/app?sslpassword=q-secret", "postgresql://app@db/app?sslpassword=***"),
    ("host=db user=app password='a b' dbname=app", "host=db user=app password=*** dbname=app"),
    ("host=db api_key=k-123 port=5432", "host=db api_key=*** port=5432"),
    ("postgresql://app:pw@db/app", "postgresql://app:***@db/app"),
    ("password authentication failed for user app", "password authentication failed for user app"),
]


@pytest.mark.parametrize("text, masked", MASKED)
def test_mask_text(text: str, masked: str) -> None:
    assert mask_text(text) == masked


def test_a_query_secret_is_a_secret_of_the_url() -> None:
    url = "postgresql://app@db/app?sslpassword=q-secret&application_name=audit"
    assert secrets_of(url) == ("q-secret",)
    assert "q-secret" not in mask_url(url) and "application_name=audit" in mask_url(url)


def test_no_command_prints_a_query_string_password(pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    build_incident_database(pg_url)
    planted = "planted-q-7f3a"
    url = f"{pg_url}?password={planted}&application_name=auditor-test"
    log = tmp_path / "apply.log"
    monkeypatch.setenv("AUDITOR_APPLY_LOG", str(log))
    prom = tmp_path / "audit.prom"
    outputs = []
    for args in (("audit", "--db", url, "--spec", SPEC, "--metrics-textfile", str(prom)),
                 ("audit", "--db", url, "--spec", SPEC, "--format", "json"),
                 ("audit", "--db", url, "--spec", SPEC, "--format", "markdown"),
                 ("plan", "--db", url, "--spec", SPEC), ("plan", "--db", url, "--spec", SPEC, "--format", "json"),
                 ("snapshot", "--db", url),
                 ("apply", "--db", url, "--spec", SPEC, "--yes", "--lock-timeout", "0.001s"),
                 ("apply", "--db", url, "--spec", SPEC, "--yes"),
                 ("audit", "--db", url.replace("127.0.0.1", "127.0.0.1:1"), "--spec", SPEC)):
        result = run_cli(*args)
        outputs += [result.out, result.err]
    assert any("password=***" in text for text in outputs), "the URL is shown, masked"
    everything = "\n".join([*outputs, prom.read_text(), log.read_text()])
    assert planted not in everything
    assert "password=***" in json.loads(log.read_text().splitlines()[-1])["url"]
