"""The CI integrations at the repository root: the pre-commit hook (.pre-commit-hooks.yaml).

The hook is checked by pre-commit's own manifest schema, its entry runs on the repository's specs, and
``pre-commit try-repo`` installs it from a copy of this working tree (git, and pip reaching PyPI
for the dependencies) and runs it on a project of its own.
"""
from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from conftest import require_command

REPO = Path(__file__).resolve().parent.parent
HOOKS = REPO / ".pre-commit-hooks.yaml"
VENV_BIN = Path(sys.executable).parent
SPEC = "tables:\n  jobs:\n    columns:\n      id: {type: integer, primary_key: true}\n      status: text\n"
LOCATED = re.compile(r"^[^:]+:\d+:\d+: \S")


def tool_env(**extra: str) -> dict[str, str]:
    """The environment with this venv's ``schema-auditor`` first on PATH, as after ``pip install``."""
    assert (VENV_BIN / "schema-auditor").exists(), "make setup installs the console script"
    return {**os.environ, "PATH": f"{VENV_BIN}{os.pathsep}{os.environ['PATH']}", **extra}


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
