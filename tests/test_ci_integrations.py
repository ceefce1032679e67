"""The CI integrations at the repository root: the GitHub Action (action.yml, whose audit step is
deploy/github/run-audit.sh) and the pre-commit hook (.pre-commit-hooks.yaml).

The action's audit step runs here as GitHub runs it (``bash --noprofile --norc -eo pipefail``, with
GITHUB_ACTION_PATH, GITHUB_STEP_SUMMARY and GITHUB_OUTPUT set) against real SQLite files, its
install step pip-installs a copy of this working tree into a fresh venv, and its shell passes
shellcheck (Debian's, from tests/services.sh). The hook
is checked by pre-commit's own manifest schema, its entry runs on the repository's specs, and
``pre-commit try-repo`` and ``pre-commit run`` (with the README's .pre-commit-config.yaml) install it
from a copy of this working tree and run it on a project of their own. Installing needs git and
pip reaching PyPI for the dependencies. The README's examples are the ones run here.
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

from auditor.cli import build_parser
from conftest import require_command, run_cli

REPO = Path(__file__).resolve().parent.parent
ACTION = REPO / "action.yml"
HOOKS = REPO / ".pre-commit-hooks.yaml"
VENV_BIN = Path(sys.executable).parent
SPEC = "tables:\n  jobs:\n    columns:\n      id: {type: integer, primary_key: true}\n      status: text\n"
LOCATED = re.compile(r"^[^:]+:\d+:\d+: \S")
EXAMPLES = sorted(str(p) for p in (REPO / "schema").glob("*.yaml"))
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


def render(text: str, context: dict[str, str]) -> str:
    """``text`` with each ``${{ A || B }}`` replaced as GitHub evaluates it: the first operand
    (a name in ``context``) that is not empty, else the last."""
    def evaluate(match: re.Match[str]) -> str:
        values = [context[name.strip()] for name in match.group(1).split("||")]
        return next((v for v in values if v), values[-1])

    return EXPRESSION.sub(evaluate, text)


def run_step(action_step: dict, context: dict[str, str], env: dict[str, str],
             cwd: Path) -> subprocess.CompletedProcess[str]:
    """A run: step as GitHub runs it: its expressions evaluated, its env: set, by
    ``bash --noprofile --norc -eo pipefail`` from a script file."""
    script = cwd / "step.sh"
    script.write_text(render(action_step["run"], context))
    step_env = {name: render(value, context) for name, value in action_step.get("env", {}).items()}
    return subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)], capture_output=True,
                          text=True, timeout=600, cwd=cwd, env={**env, **step_env})


def run_audit_step(args: str, tmp_path: Path) -> tuple[subprocess.CompletedProcess[str], str, str]:
    """The action's audit step, ``inputs.args`` being ``args``: (the run, the job summary after it,
    its step outputs). The summary already holds an earlier step's text."""
    summary, outputs = tmp_path / "summary.md", tmp_path / "outputs"
    summary.write_text("earlier step\n")
    outputs.write_text("")
    done = run_step(step("audit"), {"inputs.args": args}, tool_env(
        GITHUB_ACTION_PATH=str(REPO), GITHUB_STEP_SUMMARY=str(summary), GITHUB_OUTPUT=str(outputs)), tmp_path)
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


def copy_package(into: Path) -> Path:
    """What a checkout of this repository holds for pip: the package, its pyproject.toml and README
    (copied: pip builds in the source folder, and this working tree stays as it is)."""
    into.mkdir(parents=True, exist_ok=True)
    for name in ("pyproject.toml", "README.md", ".pre-commit-hooks.yaml"):
        shutil.copy(REPO / name, into / name)
    shutil.copytree(REPO / "auditor", into / "auditor", ignore=shutil.ignore_patterns("__pycache__"))
    return into


def test_the_install_step_installs_the_action_checkout_by_default(tmp_path: Path) -> None:
    """In a fresh venv standing for setup-python's Python; pip fetches the dependencies from PyPI."""
    checkout = copy_package(tmp_path / "action")
    venv = tmp_path / "python"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True, timeout=120)
    install = next(s for s in action()["runs"]["steps"] if "pip install" in s.get("run", ""))
    env = {**os.environ, "PATH": f"{venv / 'bin'}{os.pathsep}{os.environ['PATH']}"}
    done = run_step(install, {"inputs.path": "", "github.action_path": str(checkout)}, env, tmp_path)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    validated = subprocess.run([str(venv / "bin" / "schema-auditor"), "validate", *EXAMPLES], capture_output=True,
                               text=True, timeout=60)
    assert (validated.returncode, validated.stderr) == (0, "")


def readme_examples() -> list[object]:
    """The YAML examples of the README's section "CI integrations"."""
    readme = (REPO / "README.md").read_text()
    section = readme.split("\n## CI integrations\n", 1)[1].split("\n## ", 1)[0]
    return [yaml.safe_load(block) for block in re.findall(r"```yaml\n(.*?)```", section, re.S)]


def test_the_readme_action_example_gives_the_inputs_the_action_takes() -> None:
    (usage,) = [e[0] for e in readme_examples() if isinstance(e, list) and "uses" in e[0]]
    assert usage["uses"] == "OWNER/schema-auditor@v1"
    inputs = action()["inputs"]
    assert set(usage["with"]) <= set(inputs)
    assert {name for name, spec in inputs.items() if spec.get("required")} <= set(usage["with"])
    build_parser().parse_args(["audit", *shlex.split(usage["with"]["args"]), "--format", "markdown"])


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


def hook_repository(into: Path) -> str:
    """A git repository of this working tree's package, as a hook's ``repo:`` (pre-commit installs
    a commit: a copy makes uncommitted and untracked files count too); returns the commit."""
    copy_package(into)
    git(into, "init", "-q")
    git(into, "add", "-A")
    git(into, "commit", "-q", "-m", "hook")
    return subprocess.run([require_command("git"), "rev-parse", "HEAD"], cwd=into, capture_output=True, text=True,
                          check=True).stdout.strip()


def pre_commit(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``pre-commit ARGS`` in ``project``, with pre-commit's environments in the test's folder.
    Not this venv's schema-auditor: pre-commit runs the one it installed in an environment of its own."""
    git(project, "add", "-A")
    env = {**os.environ, "PRE_COMMIT_HOME": str(project.parent / "pre-commit-home")}
    return subprocess.run([str(VENV_BIN / "pre-commit"), *args], capture_output=True, text=True, timeout=600,
                          cwd=project, env=env)


BAD_LINE = "schema/bad.yml:5:38: column jobs.status nullable must be true or false"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A git repository with specs under schema/, one of them bad, and files the hook leaves alone."""
    project = tmp_path / "project"
    (project / "schema").mkdir(parents=True)
    (project / "schema" / "app.yaml").write_text(SPEC)
    (project / "schema" / "bad.yml").write_text(SPEC.replace("status: text", "status: {type: text, nullable: maybe}"))
    (project / "schema" / "spec.schema.json").write_text("{}\n")  # not a spec: the hook leaves it alone
    (project / "notes.yaml").write_text("not: [a spec\n")          # outside schema/: not checked
    git(project, "init", "-q")
    return project


def test_pre_commit_try_repo_installs_and_runs_the_hook(project: Path, tmp_path: Path) -> None:
    hooks = tmp_path / "hooks"
    hook_repository(hooks)
    failed = pre_commit(project, "try-repo", str(hooks), "schema-auditor-validate", "--all-files")
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert BAD_LINE in failed.stdout
    assert "notes.yaml" not in failed.stdout and "spec.schema.json" not in failed.stdout
    (project / "schema" / "bad.yml").write_text(SPEC)
    passed = pre_commit(project, "try-repo", str(hooks), "schema-auditor-validate", "--all-files")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert re.search(r"schema-auditor validate\.+Passed", passed.stdout), passed.stdout


def test_pre_commit_runs_the_hook_as_the_readme_configures_it(project: Path, tmp_path: Path) -> None:
    (config,) = [e for e in readme_examples() if isinstance(e, dict) and "repos" in e]
    assert config["repos"][0]["repo"] == "https://github.com/OWNER/schema-auditor"
    config["repos"][0].update(repo=str(tmp_path / "hooks"), rev=hook_repository(tmp_path / "hooks"))
    (project / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config))
    failed = pre_commit(project, "run", "--all-files")
    assert failed.returncode == 1 and BAD_LINE in failed.stdout, failed.stdout + failed.stderr
    (project / "schema" / "bad.yml").write_text(SPEC)
    passed = pre_commit(project, "run", "--all-files")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    # Specs elsewhere: the project sets files:.
    (project / "db").mkdir()
    (project / "db" / "broken.yaml").write_text("tabels: {}\n")
    config["repos"][0]["hooks"][0]["files"] = r"^db/.*\.ya?ml$"
    (project / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config))
    moved = pre_commit(project, "run", "--all-files")
    assert moved.returncode == 1 and "db/broken.yaml:1:1: spec: unknown key 'tabels'" in moved.stdout, moved.stdout
