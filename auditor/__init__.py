"""schema-auditor: detect, report and heal schema drift in SQLite and PostgreSQL databases."""
from __future__ import annotations

__version__ = "0.1.0"
