"""``schema-auditor validate FILE...``: spec files checked offline, without a config or a database.

Silent with exit 0 when every file is a valid spec; otherwise each problem on one line of stderr,
``file:line:column: message`` as ``audit`` reports it, and exit 2, never a traceback.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from auditor.validate import spec_problems
from conftest import CliResult, run_cli

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = sorted(str(p) for p in (REPO / "schema").glob("*.yaml"))
BAD_SPECS = sorted((REPO / "tests" / "bad").glob("spec_*.yaml"))
VALID = "tables:\n  jobs:\n    columns:\n      id: {type: integer, primary_key: true}\n"
LOCATED = re.compile(r"^(?P<file>[^:]+):(?P<line>\d+):(?P<column>\d+): \S")


@pytest.fixture(autouse=True)
def _no_ambient_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run from an empty folder with a broken config in reach: validate must not read any."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "config.yaml").write_text("databases: [not, a, mapping\n")
    monkeypatch.setenv("AUDITOR_CONFIG", str(tmp_path / "config.yaml"))


def expected_line(path: Path) -> str:
    """The line a tests/bad file says its first problem is on (``# expect: LINE: ...``)."""
    first = path.read_bytes().decode("utf-8", "replace").splitlines()[0]
    return re.match(r"# expect: (\d+): ", first).group(1)


def test_the_example_specs_are_valid_and_nothing_is_printed() -> None:
    assert EXAMPLES, "schema/ holds example specs"
    assert run_cli("validate", *EXAMPLES) == CliResult(0, "", "")


@pytest.mark.parametrize("path", BAD_SPECS, ids=[p.stem for p in BAD_SPECS])
def test_a_bad_spec_is_one_located_line_per_problem_as_audit_says_it(path: Path, tmp_path: Path) -> None:
    result = run_cli("validate", str(path))
    assert result.code == 2 and result.out == "", result
    lines = result.err.splitlines()
    assert all(LOCATED.match(line) and line.startswith(f"{path}:") for line in lines), lines
    assert LOCATED.match(lines[0]).group("line") == expected_line(path)
    audited = run_cli("audit", "--db", str(tmp_path / "none.db"), "--spec", str(path))
    assert audited.code == 2 and audited.err.splitlines() == lines


def test_every_file_is_checked_and_only_the_bad_ones_are_reported(tmp_path: Path) -> None:
    good, bad_type, bad_key = tmp_path / "good.yaml", tmp_path / "type.yaml", tmp_path / "key.yaml"
    good.write_text(VALID)
    bad_type.write_text(VALID.replace("integer", "intger(") + "      name: {type: text, nullable: maybe}\n")
    bad_key.write_text("tabels: {}\n")
    result = run_cli("validate", str(bad_type), str(good), str(bad_key))
    assert result.code == 2
    # In the order given, each file's problems in its own order; the valid file says nothing.
    assert [LOCATED.match(line).group("file", "line") for line in result.err.splitlines()] == [
        (str(bad_type), "4"), (str(bad_type), "5"), (str(bad_key), "1"), (str(bad_key), "1")]
    assert spec_problems([good, bad_key]) == spec_problems([bad_key])


@pytest.mark.parametrize(("name", "data", "message"), [
    ("missing.yaml", None, "file not found"),
    ("binary.yaml", b"\x89PNG\r\n\x1a\n\x00\x00", "not UTF-8"),
    ("broken.yaml", b"tables: {jobs: [\n", "invalid YAML"),
    ("prose.yaml", b"just some words\n", "spec must be a mapping"),
    ("empty.yaml", b"", "the file is empty"),
])
def test_a_file_that_is_not_a_yaml_spec_is_one_line(name: str, data: bytes | None, message: str,
                                                    tmp_path: Path) -> None:
    path = tmp_path / name
    if data is not None:
        path.write_bytes(data)
    result = run_cli("validate", str(path))
    assert result.code == 2 and result.out == ""
    assert len(result.err.splitlines()) == 1 and result.err.startswith(f"{path}:"), result.err
    assert message in result.err


def test_a_directory_is_one_line(tmp_path: Path) -> None:
    result = run_cli("validate", str(tmp_path))
    assert (result.code, len(result.err.splitlines())) == (2, 1)
    assert result.err.startswith(f"{tmp_path}: cannot read the file")


def validate_process(*files: str) -> subprocess.CompletedProcess[str]:
    """``python -m auditor validate FILES`` as pre-commit runs it: real streams, real exit code."""
    return subprocess.run([sys.executable, "-m", "auditor", "validate", *files], capture_output=True, text=True,
                          timeout=60, env={**os.environ, "PYTHONPATH": str(REPO)})


def test_validate_needs_a_file() -> None:
    done = validate_process()
    assert (done.returncode, done.stdout) == (2, "")
    assert len(done.stderr.splitlines()) == 1 and "required: FILE" in done.stderr, done.stderr


def test_the_command_prints_no_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_bytes(b"tables:\n  jobs:\n    columns:\n      id: !!python/object/apply:os.system [true]\n")
    for files, code in ((EXAMPLES, 0), ([str(bad), *EXAMPLES], 2)):
        done = validate_process(*files)
        assert (done.returncode, done.stdout) == (code, ""), done
        assert "Traceback" not in done.stderr
    assert done.stderr.startswith(f"{bad}:4:11: YAML tag"), done.stderr


@pytest.mark.parametrize(("text", "engine", "refusal"), [
    pytest.param("tables:\n  marker:\n    columns: {}\n", "sqlite",
                 "table marker has no columns; sqlite tables need at least one", id="sqlite-no-columns"),
    pytest.param(f"tables:\n  {'a' * 64}:\n    columns: {{id: integer}}\n", "postgresql",
                 f"table name '{'a' * 64}' is 64 bytes; postgresql keeps only 63", id="postgres-long-name"),
])
def test_what_only_an_engine_refuses_is_left_to_audit(text: str, engine: str, refusal: str, tmp_path: Path,
                                                      request: pytest.FixtureRequest) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(text)
    assert run_cli("validate", str(spec)) == CliResult(0, "", "")
    db = str(tmp_path / "app.db") if engine == "sqlite" else request.getfixturevalue("pg_url")
    audited = run_cli("audit", "--db", db, "--spec", str(spec))
    assert audited.code == 2 and refusal in audited.err, audited
