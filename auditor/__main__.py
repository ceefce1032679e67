"""``python -m auditor``: the same CLI as the ``schema-auditor`` console script."""
from __future__ import annotations

from auditor.cli import run

if __name__ == "__main__":
    run()
