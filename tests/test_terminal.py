"""apply on a terminal: it shows the plan and asks; the answer decides. Run under a real pty."""
from __future__ import annotations

import os
import pty
import select
import sys
import time
from pathlib import Path

import pytest

from auditor.demo import build_incident_database, spec_path
from conftest import run_cli

SPEC = str(spec_path())


def _run_on_terminal(argv: list[str], answer: bytes, timeout: float = 30.0) -> tuple[int, str]:
    """Run the CLI with a pseudo-terminal as stdin/stdout; type ``answer`` at the prompt."""
    pid, fd = pty.fork()
    if pid == 0:  # child: the CLI, with the terminal as its streams
        os.execv(sys.executable, [sys.executable, "-m", "auditor", *argv])
    output, answered, deadline = b"", False, time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            output += chunk
        if not answered and b"[y/N]" in output:
            os.write(fd, answer)
            answered = True
    else:
        os.kill(pid, 9)
        pytest.fail(f"no exit within {timeout}s; output so far: {output.decode(errors='replace')}")
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), output.decode(errors="replace")


@pytest.mark.parametrize(("answer", "code", "applied"), [(b"n\n", 1, False), (b"y\n", 0, True)])
def test_apply_asks_on_a_terminal(tmp_path: Path, answer: bytes, code: int, applied: bool) -> None:
    db_file = tmp_path / "jobs.db"
    build_incident_database(f"sqlite:///{db_file}")
    exit_code, output = _run_on_terminal(["apply", "--db", str(db_file), "--spec", SPEC], answer)
    assert "ALTER TABLE analysis_jobs ADD COLUMN tickers_json TEXT;" in output  # the plan is shown first
    assert f"Apply 2 statement(s) to {db_file}? [y/N]" in output
    assert exit_code == code
    assert (run_cli("audit", "--db", str(db_file), "--spec", SPEC).code == 0) is applied


def test_yes_skips_the_question_on_a_terminal(tmp_path: Path) -> None:
    db_file = tmp_path / "jobs.db"
    build_incident_database(f"sqlite:///{db_file}")
    exit_code, output = _run_on_terminal(["apply", "--db", str(db_file), "--spec", SPEC, "--yes"], b"")
    assert exit_code == 0 and "[y/N]" not in output and "verified: clean" in output


def test_no_question_without_a_terminal(tmp_path: Path) -> None:
    db_file = tmp_path / "jobs.db"
    build_incident_database(f"sqlite:///{db_file}")
    result = run_cli("apply", "--db", str(db_file), "--spec", SPEC)  # stdin is not a terminal here
    assert result.code == 0 and "[y/N]" not in result.out
