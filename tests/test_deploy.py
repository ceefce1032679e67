"""Every file in deploy/ is checked by a real tool, or run: Kubernetes manifests by
kubernetes-validate (the API's own schemas, bundled: offline), the systemd units by
``systemd-analyze verify``, the cron file's lines by the crontab(5) grammar, and the Indexed Job's
command run once per index against a real Pushgateway. The Prometheus rules and the Grafana
dashboard are checked by promtool in tests/test_metrics.py, and the GitHub Action's script is run
and shellchecked in tests/test_ci_integrations.py; ``CHECKED_BY`` names the test of each file, and
a new file in deploy/ without one fails here.
"""
from __future__ import annotations

import os
import re
import sqlite3
import subprocess
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

from conftest import require_command
from test_ci_integrations import VENV_BIN, tool_env
from test_metrics import http_get, samples, serving

REPO = Path(__file__).resolve().parent.parent
DEPLOY = REPO / "deploy"
# The oldest Kubernetes the manifests are for (backoffLimitPerIndex is 1.29's), and the newest
# kubernetes-validate knows.
KUBERNETES_VERSIONS = ("1.29.0", kubernetes_validate.latest_version())
CHECKED_BY = {
    "cron/schema-auditor.cron": "tests/test_deploy.py::test_the_cron_file_is_valid_crontab_lines",
    "github/run-audit.sh": "tests/test_ci_integrations.py::test_the_audit_step_reports_drift_in_the_summary_and_exits_1",
    "grafana/schema-auditor.json": "tests/test_metrics.py::test_every_dashboard_query_is_valid_promql_on_the_contract",
    "kubernetes/cronjob.yaml": "tests/test_deploy.py::test_kubernetes_manifests_are_valid_api_objects",
    "kubernetes/deployment.yaml": "tests/test_deploy.py::test_kubernetes_manifests_are_valid_api_objects",
    "kubernetes/indexed-job.yaml": "tests/test_deploy.py::test_the_indexed_job_audits_every_database_once_across_its_pods",
    "prometheus/alerts.yml": "tests/test_metrics.py::test_promtool_check_rules_passes_on_the_alerts",
    "prometheus/alerts_test.yml": "tests/test_metrics.py::test_promtool_test_rules_passes_and_covers_every_alert_firing_and_not",
    "systemd/schema-auditor.service": "tests/test_deploy.py::test_systemd_units_verify_cleanly",
    "systemd/schema-auditor.timer": "tests/test_deploy.py::test_systemd_units_verify_cleanly",
}


def test_every_file_in_deploy_is_checked_by_a_test_that_exists() -> None:
    files = sorted(str(p.relative_to(DEPLOY)) for p in DEPLOY.rglob("*") if p.is_file())
    assert files == sorted(CHECKED_BY), "a file in deploy/ needs a test that checks it, named in CHECKED_BY"
    for test in set(CHECKED_BY.values()):
        module, name = test.split("::")
        assert re.search(rf"^def {name}\(", (REPO / module).read_text(), re.M), f"{test} does not exist"


# ---------------------------------------------------------------------------------------------
# Kubernetes


def kubernetes_documents() -> list[tuple[str, dict]]:
    return [(f"{path.name}: {doc['kind']}", doc) for path in sorted((DEPLOY / "kubernetes").glob("*.yaml"))
            for doc in yaml.safe_load_all(path.read_text()) if doc is not None]


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_kubernetes_manifests_are_valid_api_objects(version: str) -> None:
    documents = kubernetes_documents()
    assert {doc["kind"] for _, doc in documents} == {"CronJob", "Deployment", "Service", "Job"}
    problems = []
    for name, doc in documents:
        try:
            kubernetes_validate.validate(doc, version, strict=True)  # strict: an unknown field fails too
        except kubernetes_validate.ValidationError as exc:
            problems.append(f"{name}: {exc.message} at {list(exc.path)}")
    assert problems == [], f"not valid Kubernetes {version} objects"


def indexed_job() -> dict:
    (job,) = yaml.safe_load_all((DEPLOY / "kubernetes" / "indexed-job.yaml").read_text())
    return job


def pod_spec(doc: dict) -> dict:
    spec = doc["spec"]["jobTemplate"]["spec"] if doc["kind"] == "CronJob" else doc["spec"]
    return spec["template"]["spec"]


def test_the_indexed_job_splits_the_fleet_into_as_many_shards_as_pods() -> None:
    job = indexed_job()
    spec, container = job["spec"], pod_spec(job)["containers"][0]
    assert (job["kind"], spec["completionMode"]) == ("Job", "Indexed")
    shards = {e["name"]: e["value"] for e in container["env"]}["SHARDS"]
    assert int(shards) == spec["completions"] == spec["parallelism"]
    assert container["command"] == ["/bin/sh", "-c"]
    assert '--shard "$((JOB_COMPLETION_INDEX + 1))/$SHARDS"' in container["args"][0]
    # Config, secrets and security as the CronJob's: one ConfigMap and one Secret serve both.
    (cronjob,) = yaml.safe_load_all((DEPLOY / "kubernetes" / "cronjob.yaml").read_text())
    theirs = pod_spec(cronjob)["containers"][0]
    for key in ("envFrom", "volumeMounts", "securityContext", "image"):
        assert container[key] == theirs[key], key
    assert pod_spec(job)["volumes"] == pod_spec(cronjob)["volumes"]


def kubernetes_expand(text: str, env: dict[str, str]) -> str:
    """What the kubelet makes of a container's args: ``$(NAME)`` is the variable when it is defined
    (else left as written), ``$$`` is ``$``; every other character stays."""
    def one(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        return env.get(match.group(1), match.group(0))

    return re.sub(r"\$\$|\$\(([^)]*)\)", one, text)


def fleet(tmp_path: Path, count: int) -> tuple[Path, list[str]]:
    """A config of ``count`` SQLite databases, every other one drifted (a column missing)."""
    (tmp_path / "app.yaml").write_text("tables:\n  jobs:\n    columns:\n      id: {type: integer, primary_key: true}\n"
                                       "      status: text\n")
    names = [f"db{i:02d}" for i in range(count)]
    for i, name in enumerate(names):
        with sqlite3.connect(tmp_path / f"{name}.db") as conn:
            conn.execute("CREATE TABLE jobs (id INTEGER PRIMARY KEY" + (", status TEXT)" if i % 2 else ")"))
        conn.close()
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump({"spec": "app.yaml", "databases": {
        name: {"url": f"sqlite:///{tmp_path / name}.db"} for name in names}}))
    return config, names


def pushgateway(tmp_path: Path):
    """A Pushgateway of this test alone: Debian's keeps its metrics in /var/lib/prometheus by default."""
    return serving("prometheus-pushgateway", [f"--persistence.file={tmp_path / 'pushgateway.data'}"], "/-/ready",
                   tmp_path / "pushgateway.log")


def run_pod(job: dict, index: int, config: Path, pushgateway: str) -> subprocess.CompletedProcess[str]:
    """One pod of the Indexed Job: its args as the kubelet expands them, run by its /bin/sh with
    JOB_COMPLETION_INDEX set, the ConfigMap's path and the Pushgateway's URL pointing here."""
    container = pod_spec(job)["containers"][0]
    env = {e["name"]: e["value"] for e in container["env"]} | {"JOB_COMPLETION_INDEX": str(index)}
    script = kubernetes_expand(container["args"][0], env)
    script = script.replace("/etc/schema-auditor/config.yaml", str(config))
    script = re.sub(r"--pushgateway \S+", f"--pushgateway {pushgateway}", script)
    return subprocess.run([*container["command"], script], capture_output=True, text=True, timeout=120,
                          env=tool_env(**env))


def test_the_indexed_job_audits_every_database_once_across_its_pods(tmp_path: Path) -> None:
    job = indexed_job()
    config, names = fleet(tmp_path, 12)
    audited: list[str] = []
    with pushgateway(tmp_path) as base:
        for index in range(job["spec"]["completions"]):
            done = run_pod(job, index, config, base)
            assert done.returncode == 0, f"pod {index}: drift is a result, not a failure:\n{done.stderr}"
            audited += re.findall(r"^(db\d+) \(sqlite", done.stdout, re.M)
        pushed = {labels["database"]: v for n, labels, v in samples(http_get(base + "/metrics"))
                  if n == "schema_auditor_up"}
    assert sorted(audited) == names, "each database audited by exactly one pod"
    assert pushed == dict.fromkeys(names, 1.0), "every database's metrics pushed"


def test_a_pod_whose_shard_cannot_be_audited_fails(tmp_path: Path) -> None:
    job = indexed_job()
    config, names = fleet(tmp_path, 12)
    for name in names:
        (tmp_path / f"{name}.db").unlink()
    with pushgateway(tmp_path) as base:
        codes = {run_pod(job, index, config, base).returncode for index in range(job["spec"]["completions"])}
    assert codes == {2}


# ---------------------------------------------------------------------------------------------
# systemd


def test_systemd_units_verify_cleanly(tmp_path: Path) -> None:
    """``systemd-analyze verify`` reads the units as systemd would and checks that ExecStart is an
    executable, so the copies here run this venv's schema-auditor instead of /usr/local/bin's (the
    only change). It exits 0 on unknown keys and bad values too: any output at all fails."""
    verify = require_command("systemd-analyze")
    for unit in ("schema-auditor.service", "schema-auditor.timer"):
        text = (DEPLOY / "systemd" / unit).read_text()
        (tmp_path / unit).write_text(text.replace("/usr/local/bin/schema-auditor", str(VENV_BIN / "schema-auditor")))
    assert "ExecStart=/usr/local/bin/schema-auditor " in (DEPLOY / "systemd" / "schema-auditor.service").read_text()
    done = subprocess.run([verify, "verify", str(tmp_path / "schema-auditor.service"),
                           str(tmp_path / "schema-auditor.timer")], capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout + done.stderr) == (0, "")


def test_the_timer_fires_every_15_minutes() -> None:
    """The interval deploy/prometheus/alerts.yml assumes, as systemd computes it."""
    calendar = re.search(r"^OnCalendar=(.+)$", (DEPLOY / "systemd" / "schema-auditor.timer").read_text(), re.M)
    done = subprocess.run([require_command("systemd-analyze"), "calendar", "--iterations=4",
                           "--base-time=2024-01-01 00:07:00", calendar.group(1)], capture_output=True, text=True,
                          timeout=60, env={**os.environ, "TZ": "UTC"})
    assert done.returncode == 0, done.stderr
    assert re.findall(r"(?:Next elapse|Iter\. #\d): \w+ 2024-01-01 (\d\d:\d\d:\d\d)", done.stdout) == [
        "00:15:00", "00:30:00", "00:45:00", "01:00:00"]


# ---------------------------------------------------------------------------------------------
# cron


CRON_FIELDS = (("minute", 0, 59), ("hour", 0, 23), ("day of month", 1, 31), ("month", 1, 12),
               ("day of week", 0, 7))
CRON_NAMES = {"month": ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"),
              "day of week": ("sun", "mon", "tue", "wed", "thu", "fri", "sat")}


def cron_field_problem(text: str, what: str, low: int, high: int) -> str | None:
    """Why a crontab(5) time field is invalid (None when valid): a comma-separated list of
    ``*``, ``N``, ``N-M`` or a month or day name, each ``*`` or range with an optional ``/STEP``."""
    for item in text.split(","):
        base, _, step = item.partition("/")
        if step and not (step.isdigit() and int(step) > 0):
            return f"{what}: step {step!r}"
        if base == "*" or base.lower() in CRON_NAMES.get(what, ()):
            continue
        bounds = base.split("-")
        if len(bounds) > 2 or not all(b.isdigit() and low <= int(b) <= high for b in bounds):
            return f"{what}: {base!r} is not {low}-{high}"
        if int(bounds[0]) > int(bounds[-1]):
            return f"{what}: range {base!r} runs backwards"
    return None


def cron_line_problem(line: str) -> str | None:
    """Why a line of an /etc/cron.d file is invalid: neither a comment, a blank line, NAME=value,
    nor five time fields, a user and a command."""
    if not line.strip() or line.lstrip().startswith("#") or re.match(r"^[A-Za-z_][A-Za-z0-9_]*\s*=", line):
        return None
    fields = line.split(None, 6)
    if len(fields) < 7:
        return "an entry needs five time fields, a user and a command"
    for text, (what, low, high) in zip(fields, CRON_FIELDS):
        if problem := cron_field_problem(text, what, low, high):
            return problem
    return None if re.fullmatch(r"[a-z_][a-z0-9_-]*", fields[5]) else f"user {fields[5]!r}"


def test_the_cron_file_is_valid_crontab_lines() -> None:
    text = (DEPLOY / "cron" / "schema-auditor.cron").read_text()
    assert text.endswith("\n"), "cron ignores a last line without a newline"
    assert [(n, p) for n, line in enumerate(text.splitlines(), 1) if (p := cron_line_problem(line))] == []
    entries = [line.split(None, 6) for line in text.splitlines()
               if line.strip() and not line.startswith("#") and "=" not in line.split()[0]]
    assert [e[:6] for e in entries] == [["*/15", "*", "*", "*", "*", "prometheus"]]
    # The checker refuses what cron refuses.
    assert cron_line_problem("*/0 * * * * root true") == "minute: step '0'"
    assert cron_line_problem("60 * * * * root true") == "minute: '60' is not 0-59"
    assert cron_line_problem("* * * * root true") == "an entry needs five time fields, a user and a command"
    assert cron_line_problem("0 9 * jan-dec mon root true") is not None  # a range of names
    assert cron_line_problem("0 9 * jan mon root true") is None

