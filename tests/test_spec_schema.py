"""schema/spec.schema.json: generated from the loader's own key lists, kept in sync, and in
agreement with the loader on real specs (the jsonschema library checks it)."""
from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest
import yaml

from auditor.spec import json_schema

REPO = Path(__file__).resolve().parent.parent
SCHEMA_FILE = REPO / "schema" / "spec.schema.json"


def test_the_committed_schema_is_the_generated_one() -> None:
    # Regenerate: python -c "import json; from auditor.spec import json_schema; print(json.dumps(json_schema(), indent=2))"
    assert json.loads(SCHEMA_FILE.read_text()) == json_schema()
    jsonschema.Draft202012Validator.check_schema(json_schema())


def _specs() -> list[tuple[str, object]]:
    readme = (REPO / "README.md").read_text()
    example = re.search(r"```yaml\n(.*?)```", readme[readme.index("## Spec format"):], re.S).group(1)
    found = [("README example", yaml.safe_load(example))]
    for path in [REPO / "schema" / "analysis_jobs.yaml", *sorted((REPO / "tests" / "golden").glob("*.yaml"))]:
        found.append((path.name, yaml.safe_load(path.read_text())))
    return found


@pytest.mark.parametrize(("name", "document"), _specs(), ids=[n for n, _ in _specs()])
def test_specs_the_loader_accepts_validate(name: str, document: object) -> None:
    jsonschema.validate(document, json_schema())


def test_snapshots_validate(tmp_path: Path, sqlite_url: str) -> None:
    from conftest import LiveDb, run_cli

    LiveDb(sqlite_url, "sqlite").execute(*(REPO / "tests" / "schemas" / "rich_sqlite.sql").read_text()
                                         .split(";\n")[:-1])
    spec = yaml.safe_load(run_cli("snapshot", "--db", sqlite_url).out)
    jsonschema.validate(spec, json_schema())


@pytest.mark.parametrize("document", [
    {"tabels": {}},
    {"tables": {"t": {"columns": {"id": {"typ": "integer"}}}}},
    {"tables": {"t": {"columns": {"id": {"type": "integer", "identity": "sometimes"}}}}},
    {"tables": {"t": {"columns": {"id": "integer"}, "indexes": {"ix": {"unique": True}}}}},
])
def test_mistakes_the_loader_rejects_are_rejected_too(document: object) -> None:
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(document, json_schema())
