"""The spec loader on hostile input: random and mutated YAML ends as a model or a SpecError,
never a traceback or a hang; an alias bomb is refused quickly with bounded memory."""
from __future__ import annotations

import resource
import time
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from auditor.errors import SpecError
from auditor.model import Schema
from auditor.spec import COLUMN_KEYS, INDEX_KEYS, TABLE_KEYS, TOP_KEYS, load_spec

KEYS = st.sampled_from(TOP_KEYS + TABLE_KEYS + COLUMN_KEYS + INDEX_KEYS + ("x", "", "<<", "0"))
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
                    st.text(max_size=12), st.sampled_from(["integer", "varchar(20)", "'x'", "now()", "a.b", "t(c)"]))
DOCUMENTS = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                          st.dictionaries(KEYS, inner, max_size=5)), max_leaves=30)
VALID = (Path(__file__).resolve().parent.parent / "schema" / "analysis_jobs.yaml").read_text()


def _load(tmp_path: Path, text: str | bytes) -> None:
    path = tmp_path / "fuzz.yaml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8", "surrogatepass"))
    try:
        assert isinstance(load_spec(path), Schema)
    except SpecError as exc:
        assert str(exc).strip() and "Traceback" not in str(exc)


@settings(max_examples=300, deadline=2000, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(document=DOCUMENTS)
def test_random_documents(tmp_path: Path, document: object) -> None:
    _load(tmp_path, yaml.safe_dump({"tables": document} if isinstance(document, dict) else document))


@settings(max_examples=300, deadline=2000, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cuts=st.lists(st.tuples(st.integers(0, len(VALID)), st.integers(0, 8), st.binary(max_size=6)), max_size=4))
def test_mutated_valid_spec(tmp_path: Path, cuts: list[tuple[int, int, bytes]]) -> None:
    text = VALID.encode()
    for at, length, insert in cuts:  # delete a few bytes, insert a few random ones
        text = text[:at] + insert + text[at + length:]
    _load(tmp_path, text)


def test_alias_bomb_is_refused_fast_and_small(tmp_path: Path) -> None:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
    lines += ["tables:", "  t:", "    columns: {id: integer}", "    primary_key: *a9", "ignore: *a9"]
    (tmp_path / "bomb.yaml").write_text("\n".join(lines) + "\n")
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.monotonic()
    try:
        load_spec(tmp_path / "bomb.yaml")
    except SpecError as exc:
        assert "unknown key 'a9'" in str(exc) and len(str(exc).splitlines()) < 100
    else:
        raise AssertionError("an alias bomb must not load")
    assert time.monotonic() - started < 10  # a hang guard, not a speed goal
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before < 50_000  # KiB
