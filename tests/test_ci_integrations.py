"""The CI integrations at the repository root: the GitHub Action (action.yml, whose audit step is
deploy/github/run-audit.sh) and the pre-commit hook (.pre-commit-hooks.yaml).

The action's audit step runs here as GitHub runs it (``bash --noprofile --norc -eo pipefail``, with
GITHUB_ACTION_PATH, GITHUB_STEP_SUMMARY and GITHUB_OUTPUT set) against real SQLite files, and its
shell passes shellcheck (Debian's, from tests/services.sh). The hook
is checked by pre-commit's own manifest schema, its entry runs on the repository's specs, and
``pre-commit try-repo`` installs it from a copy of this working tree (git, and pip reaching PyPI
for the dependencies) and runs it on a project of its own.
"""
from __future__ import annotations

import os
import re
import shlex
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import require_command, run_cli

REPO = Path(__file__).resolve().parent.parent
ACTION = REPO / "action.yml"
HOOKS = REPO / ".pre-commit-hooks.yaml"
VENV_BIN = Path(sys.executable).parent
SPEC = "tables:\n  jobs:\n    columns:\n      id: {type: integer, primary_key: true}\n      status: text\n"
LOCATED = re.compile(r"^[^:]+:\d+:\d+: \S")
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


def tool_env(**extra: str) -> dict[str, str]:
    """The environment with this venv's ``schema-auditor`` first on PATH, as after ``pip install``."""
    assert (VENV_BIN / "schema-auditor").exists(), "make setup installs the console script"
    return {**os.environ, "PATH": f"{VENV_BIN}{os.pathsep}{os.environ['PATH']}", **extra}


# ---------------------------------------------------------------------------------------------
# The GitHub Action


def action() -> dict:
    return yaml.safe_load(ACTION.read_text())


def step(step_id: str) -> dict:
    found = [s for s in action()["runs"]["steps"] if s.get("id") == step_id]
    assert len(found) == 1, f"one step with id {step_id}"
    return found[0]


def test_action_is_a_composite_action_whose_steps_are_complete() -> None:
    meta = action()
    assert meta["name"] and meta["description"]
    assert meta["runs"]["using"] == "composite"
    steps = meta["runs"]["steps"]
    for each in steps:
        assert ("run" in each) != ("uses" in each), f"a step runs a command or uses an action: {each}"
        if "run" in each:
            assert each.get("shell") == "bash", f"a composite step with run names its shell: {each}"
    assert steps[0]["uses"].startswith("actions/setup-python@")
    assert steps[0]["with"]["python-version"] == "${{ inputs.python-version }}"
    inputs = meta["inputs"]
    assert inputs["args"]["required"] is True
    assert inputs["python-version"]["default"] == "3.11"
    assert "path" in inputs


def test_every_expression_of_the_action_names_what_exists() -> None:
    meta, text = action(), ACTION.read_text()
    inputs, ids = set(meta["inputs"]), {s["id"] for s in meta["runs"]["steps"] if "id" in s}
    expressions = EXPRESSION.findall(text)
    used = {name for expr in expressions for name in re.findall(r"\binputs\.([\w-]+)", expr)}
    assert used == inputs, f"inputs used but not declared: {used - inputs}; declared, never used: {inputs - used}"
    for expr in expressions:
        for step_id in re.findall(r"\bsteps\.([\w-]+)\.outputs\b", expr):
            assert step_id in ids, f"{expr} names no step"
    assert meta["outputs"]["exit-code"]["value"] == "${{ steps.audit.outputs.exit-code }}"
    install = next(s for s in meta["runs"]["steps"] if "pip install" in s.get("run", ""))
    assert install["env"]["SCHEMA_AUDITOR_SOURCE"] == "${{ inputs.path || github.action_path }}"


def shellcheck(script: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([require_command("shellcheck"), "--shell=bash", "-"], input=script, capture_output=True,
                          text=True, timeout=60)


def test_the_action_scripts_pass_shellcheck() -> None:
    """Every run: step (its expressions replaced by a plain word, as GitHub pastes in their value)
    and the audit step's script."""
    scripts = [EXPRESSION.sub("EXPR", s["run"]) for s in action()["runs"]["steps"] if "run" in s]
    scripts.append((REPO / "deploy" / "github" / "run-audit.sh").read_text())
    for script in scripts:
        done = shellcheck(script)
        assert done.returncode == 0, done.stdout + script


def run_audit_step(args: str, tmp_path: Path) -> tuple[subprocess.CompletedProcess[str], str, str]:
    """The action's audit step as GitHub runs it, ``inputs.args`` being ``args``: (the run, the job
    summary after it, its step outputs). The summary already holds an earlier step's text."""
    script = EXPRESSION.sub(lambda m: {"inputs.args": args}[m.group(1)], step("audit")["run"])
    summary, outputs, path = tmp_path / "summary.md", tmp_path / "outputs", tmp_path / "step.sh"
    summary.write_text("earlier step\n")
    outputs.write_text("")
    path.write_text(script)
    done = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(path)], capture_output=True,
                          text=True, timeout=120, cwd=tmp_path,
                          env=tool_env(GITHUB_ACTION_PATH=str(REPO), GITHUB_STEP_SUMMARY=str(summary),
                                       GITHUB_OUTPUT=str(outputs)))
    text = summary.read_text()
    assert text.startswith("earlier step\n"), "the summary is appended to, never replaced"
    return done, text[len("earlier step\n"):], outputs.read_text()


def sqlite_db(path: Path, *statements: str) -> Path:
    with sqlite3.connect(path) as conn:
        for statement in statements:
            conn.execute(statement)
    conn.close()
    return path


@pytest.fixture
def spec(tmp_path: Path) -> Path:
    """A spec in a folder whose name has a space: the args are split as a shell splits them."""
    folder = tmp_path / "my specs"
    folder.mkdir()
    (folder / "app.yaml").write_text(SPEC)
    return folder / "app.yaml"


def test_the_audit_step_reports_drift_in_the_summary_and_exits_1(spec: Path, tmp_path: Path) -> None:
    db = sqlite_db(tmp_path / "drift.db", "CREATE TABLE jobs (id INTEGER PRIMARY KEY)")
    done, summary, outputs = run_audit_step(f"--db {db} --spec '{spec}'", tmp_path)
    assert done.returncode == 1, done.stderr
    report = run_cli("audit", "--db", str(db), "--spec", str(spec), "--format", "markdown").out
    assert summary == report and done.stdout == report
    assert "| error | `missing_column` | jobs | status |" in summary
    assert outputs == "exit-code=1\n"


def test_the_audit_step_reports_a_clean_database_and_exits_0(spec: Path, tmp_path: Path) -> None:
    db = sqlite_db(tmp_path / "clean.db", "CREATE TABLE jobs (id INTEGER PRIMARY KEY, status TEXT)")
    done, summary, outputs = run_audit_step(f"--db {db} --spec '{spec}' --strict", tmp_path)
    assert done.returncode == 0, done.stderr
    assert summary.startswith("## schema-auditor: 1 database(s), 0 with drift, 0 failed")
    assert f"| {db} | sqlite | clean | 0 | 0 |" in summary
    assert outputs == "exit-code=0\n"


def test_the_audit_step_exits_2_on_an_error_and_says_it_in_the_summary(tmp_path: Path) -> None:
    done, summary, outputs = run_audit_step(f"--db {tmp_path / 'x.db'} --spec {tmp_path / 'missing.yaml'}", tmp_path)
    assert done.returncode == 2
    assert f"{tmp_path / 'missing.yaml'}: file not found" in done.stderr
    assert f"```text\n{tmp_path / 'missing.yaml'}: file not found" in summary
    assert outputs == "exit-code=2\n"


# ---------------------------------------------------------------------------------------------
# The pre-commit hook


def hook() -> dict:
    hooks = yaml.safe_load(HOOKS.read_text())
    assert [h["id"] for h in hooks] == ["schema-auditor-validate"]
    return hooks[0]


def test_the_hook_is_a_valid_pre_commit_manifest() -> None:
    from pre_commit.clientlib import load_manifest  # pre-commit's own schema of .pre-commit-hooks.yaml

    (loaded,) = load_manifest(str(HOOKS))
    mine = hook()
    assert {"id", "name", "entry", "language", "files"} <= set(mine)
    assert (loaded["entry"], loaded["language"], loaded["pass_filenames"]) == ("schema-auditor validate", "python", True)


def hooked_files() -> list[str]:
    """The repository's files the hook checks: tracked, matching ``files`` and not ``exclude``."""
    mine = hook()
    tracked = subprocess.run([require_command("git"), "ls-files"], capture_output=True, text=True, cwd=REPO,
                             check=True).stdout.splitlines()
    exclude = re.compile(mine.get("exclude", "^$"))
    return [f for f in tracked if re.search(mine["files"], f) and not exclude.search(f)]


def run_entry(*files: str) -> subprocess.CompletedProcess[str]:
    """The hook's entry with file names appended, as pre-commit runs it."""
    return subprocess.run([*shlex.split(hook()["entry"]), *files], capture_output=True, text=True, timeout=60,
                          cwd=REPO, env=tool_env())


def test_the_hook_checks_the_example_specs_and_not_the_json_schema() -> None:
    files = hooked_files()
    assert files and all(f.startswith("schema/") for f in files), files
    assert "schema/analysis_jobs.yaml" in files and "schema/spec.schema.json" not in files
    done = run_entry(*files)
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")


def test_the_hook_entry_fails_a_bad_spec_with_file_line_column() -> None:
    bad = "tests/bad/spec_bad_type.yaml"
    done = run_entry(*hooked_files(), bad)
    assert done.returncode == 2 and done.stdout == ""
    assert [LOCATED.match(line) is not None for line in done.stderr.splitlines()] == [True]
    assert done.stderr.startswith(f"{bad}:4:19: column t.id: 'varchar(' is not a column type")


def git(cwd: Path, *args: str) -> None:
    subprocess.run([require_command("git"), "-c", "user.name=test", "-c", "user.email=test@example.com", *args],
                   cwd=cwd, check=True, capture_output=True, timeout=60)


def hook_repository(into: Path) -> Path:
    """A git repository of this working tree's package, as a hook's ``repo:`` (try-repo installs
    the committed tree: a copy makes uncommitted and untracked files count too)."""
    for name in ("pyproject.toml", "README.md", ".pre-commit-hooks.yaml"):
        shutil.copy(REPO / name, into / name)
    shutil.copytree(REPO / "auditor", into / "auditor", ignore=shutil.ignore_patterns("__pycache__"))
    git(into, "init", "-q")
    git(into, "add", "-A")
    git(into, "commit", "-q", "-m", "hook")
    return into


def test_pre_commit_try_repo_installs_and_runs_the_hook(tmp_path: Path) -> None:
    hooks, project = tmp_path / "hooks", tmp_path / "project"
    (project / "schema").mkdir(parents=True)
    hooks.mkdir()
    hook_repository(hooks)
    (project / "schema" / "app.yaml").write_text(SPEC)
    (project / "schema" / "bad.yml").write_text(SPEC.replace("status: text", "status: {type: text, nullable: maybe}"))
    (project / "schema" / "spec.schema.json").write_text("{}\n")  # not a spec: the hook leaves it alone
    (project / "notes.yaml").write_text("not: [a spec\n")          # outside schema/: not checked
    git(project, "init", "-q")
    git(project, "add", "-A")
    # Not this venv's schema-auditor: pre-commit runs the one it installed in an environment of its own.
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home")}
    command = [str(VENV_BIN / "pre-commit"), "try-repo", str(hooks), "schema-auditor-validate", "--all-files"]
    failed = subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=project, env=env)
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "schema/bad.yml:5:38: column jobs.status nullable must be true or false" in failed.stdout
    assert "notes.yaml" not in failed.stdout and "spec.schema.json" not in failed.stdout
    (project / "schema" / "bad.yml").write_text(SPEC)
    git(project, "add", "-A")
    passed = subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=project, env=env)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert re.search(r"schema-auditor validate\.+Passed", passed.stdout), passed.stdout
