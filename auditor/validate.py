"""Spec files checked offline: the loader's own checks, without a config or a database.

What ``schema-auditor validate`` and the pre-commit hook (``.pre-commit-hooks.yaml``) run. The
checks that need an engine (Postgres's 63-byte names, a table without columns) stay with ``audit``.
"""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

from auditor.errors import SpecError
from auditor.spec import load_spec


def spec_problems(paths: Sequence[str | Path]) -> list[str]:
    """Every problem of every spec file, one line each as the loader reports them
    (``file:line:column: message``; a file that cannot be read or parsed names only itself when
    there is no line to point at); empty when every file is a valid spec."""
    lines: list[str] = []
    for path in paths:
        try:
            load_spec(path)
        except SpecError as exc:
            lines += exc.report().splitlines()
    return lines
