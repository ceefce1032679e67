"""YAML read as a node tree, so that every value keeps its file and line for error messages.

PyYAML's safe composer builds nodes only (no objects, no tags acted on); the spec and config
loaders walk those nodes and report problems as ``file:line: message``.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import yaml

from auditor.inputfile import read_input
from auditor.sqlscan import containment_problem

_SQL_WORD_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# The implicit tags already resolved: (node kind, value, implicit flags) -> tag.
_IMPLICIT_TAGS: dict[tuple[object, object, object], str] = {}
_IMPLICIT_TAGS_KEPT = 1 << 14


class _Loader(_SafeLoader):  # type: ignore[misc, valid-type]
    """PyYAML's safe loader (its C parser where built) that remembers implicit tags: even the C
    composer resolves each plain value's tag in Python, by regular expressions, and a spec repeats
    the same few words (types, true, false) thousands of times."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.resolved_unplain_tag = False

    def resolve(self, kind: type[yaml.Node], value: object, implicit: object) -> str:
        """The tag of a node written without one (the safe loader's, remembered)."""
        key = (kind, value, implicit)
        tag = _IMPLICIT_TAGS.get(key)
        if tag is None:
            tag = super().resolve(kind, value, implicit)
            if len(_IMPLICIT_TAGS) < _IMPLICIT_TAGS_KEPT:
                _IMPLICIT_TAGS[key] = tag
        if tag not in _PLAIN_TAGS:  # "=" resolves to tag:yaml.org,2002:value
            self.resolved_unplain_tag = True
        return tag

_BOOL_TAG = "tag:yaml.org,2002:bool"
_NULL_TAG = "tag:yaml.org,2002:null"
_TRUE_WORDS = frozenset({"true", "yes", "on", "y"})


@dataclass
class Problems:
    """Problems found in one file, collected so that a user sees them all in one run, in file order."""

    path: str
    found: list[tuple[int, int, str]] = field(default_factory=list)

    def add(self, node: yaml.Node | None, message: str) -> None:
        """Record ``message`` at ``node``'s line (or at the file when there is no node)."""
        mark = node.start_mark if node is not None else None
        self.add_at(mark.line if mark else -1, mark.column if mark else -1, message)

    def add_at(self, line: int, column: int, message: str) -> None:
        """Record ``message`` at a 0-based line and column (-1: the whole file)."""
        self.found.append((line, column, message))

    @property
    def messages(self) -> list[str]:
        """``file:line:column: message`` lines, in the order of the file."""
        return [f"{self.path}:{line + 1}:{column + 1}: {message}" if line >= 0 else f"{self.path}: {message}"
                for line, column, message in sorted(self.found, key=lambda f: (f[0], f[1]))]


def compose_file(path: Path, problems: Problems, data: bytes | None = None) -> yaml.Node | None:
    """The YAML node tree of a file (``data``: its bytes, when already read), or None after
    recording why it could not be read."""
    try:
        data = read_input(path) if data is None else data
    except FileNotFoundError:
        problems.add(None, "file not found")
        return None
    except OSError as exc:
        problems.add(None, f"cannot read the file: {exc.strerror or exc}")
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = data[:exc.start]
        line, column = before.count(b"\n"), exc.start - (before.rfind(b"\n") + 1)
        problems.add_at(line, column, f"not UTF-8 (byte 0x{data[exc.start]:02x}); save the file as UTF-8")
        return None
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problems.add_at(mark.line if mark else -1, mark.column if mark else -1,
                        f"invalid YAML: {exc.problem or exc.context}")
        return None
    except yaml.YAMLError as exc:
        problems.add(None, f"invalid YAML: {exc}")
        return None
    finally:
        loader.dispose()
    if node is None:
        problems.add(None, "the file is empty")
    # Every explicit tag is written with "!"; without one, only the resolver could have given a
    # tag that is not plain, and it says so. (The walk is a fifth of a big spec's load.)
    elif ("!" in text or loader.resolved_unplain_tag) and _reject_tags(node, problems):
        return None
    return node


# The tags plain YAML resolves to; anything else (!!python/object, !custom) is refused, never built.
_PLAIN_TAGS = frozenset(f"tag:yaml.org,2002:{t}" for t in
                        ("str", "int", "float", "bool", "null", "map", "seq", "timestamp", "binary", "merge"))


def _reject_tags(root: yaml.Node, problems: Problems) -> bool:
    """Record a problem for every node with a tag other than plain YAML's; True if any.
    Each node is visited once, so aliases (even an alias bomb) cost nothing extra."""
    seen: set[int] = set()
    stack = [root]
    found = False
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if node.tag not in _PLAIN_TAGS:
            problems.add(node, f"YAML tag {node.tag} is not allowed in a spec or config (plain values only)")
            found = True
        if isinstance(node, yaml.MappingNode):
            stack += [part for pair in node.value for part in pair]
        elif isinstance(node, yaml.SequenceNode):
            stack += node.value
    return found


# In a flow mapping, {type: numeric(10,2)} splits at the comma and leaves a key "2)".
_SPLIT_BY_FLOW_COMMA = re.compile(r"^\s*\d+\s*\)$")


def mapping_items(
    node: yaml.Node, problems: Problems, what: str, allowed: tuple[str, ...] | None = None
) -> Iterator[tuple[str, yaml.Node, yaml.Node]]:
    """``(key, key_node, value_node)`` of a mapping, in order; flags duplicates and unknown keys."""
    if not isinstance(node, yaml.MappingNode):
        problems.add(node, f"{what} must be a mapping")
        return
    seen: set[str] = set()
    for key_node, value_node in node.value:
        key = str(key_node.value) if isinstance(key_node, yaml.ScalarNode) else ""
        if not key:
            problems.add(key_node, f"{what}: keys must be non-empty names")
            continue
        if "\x00" in key:
            problems.add(key_node, f"{what}: {key!r} holds a NUL character, which no database accepts in a name")
            continue
        if key in seen:
            problems.add(key_node, f"{what}: duplicate key '{key}'")
            continue
        seen.add(key)
        if allowed is not None and key not in allowed:
            if _SPLIT_BY_FLOW_COMMA.match(key):
                problems.add(key_node, f"{what}: a comma inside {{...}} splits the value; "
                                       "quote a type with a comma: type: 'numeric(10,2)'")
            else:
                problems.add(key_node, f"{what}: unknown key '{key}'{did_you_mean(key, allowed)}")
            continue
        yield key, key_node, value_node


def did_you_mean(word: str, choices: tuple[str, ...] | list[str], quiet: bool = False) -> str:
    """`` (did you mean 'x'?)`` when a choice is close to ``word``, else the choices (or nothing)."""
    close = difflib.get_close_matches(word, list(choices), n=1)
    if close:
        return f" (did you mean '{close[0]}'?)"
    return "" if quiet else f"; expected one of: {', '.join(choices)}"


def is_null(node: yaml.Node) -> bool:
    """True for an explicit YAML null (``~``, ``null`` or nothing)."""
    return isinstance(node, yaml.ScalarNode) and node.tag == _NULL_TAG


def scalar(node: yaml.Node, problems: Problems, what: str) -> str | None:
    """The text of a scalar node as written; None (and a problem) for a list or mapping."""
    if not isinstance(node, yaml.ScalarNode):
        problems.add(node, f"{what} must be a single value, not a list or mapping")
        return None
    return str(node.value)


def sql_scalar(node: yaml.Node, problems: Problems, what: str, statement: bool = False) -> str | None:
    """A scalar of SQL the plan writes into DDL as is (an expression; ``statement``: a whole
    SELECT); None (and a problem) when it could reach outside its place (``auditor.sqlscan``)."""
    text = scalar(node, problems, what)
    problem = None if text is None else containment_problem(text, statement)
    if problem:
        problems.add(node, f"{what}: {problem}")
        return None
    return text


def sql_word(node: yaml.Node, problems: Problems, what: str) -> str | None:
    """A bare SQL name the plan writes unquoted (an index method such as ``btree`` or ``gist``);
    None (and a problem) for anything else."""
    text = scalar(node, problems, what)
    if text is not None and not _SQL_WORD_RE.match(text):
        problems.add(node, f"{what}: '{text}' is not a name (letters, digits and _, e.g. btree, gin, gist)")
        return None
    return text


def boolean(node: yaml.Node, problems: Problems, what: str) -> bool | None:
    """A YAML boolean; None (and a problem) for anything else."""
    if isinstance(node, yaml.ScalarNode) and node.tag == _BOOL_TAG:
        return node.value.lower() in _TRUE_WORDS
    problems.add(node, f"{what} must be true or false")
    return None


def string_list(node: yaml.Node, problems: Problems, what: str, allow_empty: bool = False) -> list[str]:
    """A list of scalars (a lone scalar counts as a list of one)."""
    if isinstance(node, yaml.ScalarNode) and not is_null(node):
        return [str(node.value)]
    if allow_empty and (is_null(node) or isinstance(node, yaml.SequenceNode) and not node.value):
        return []
    if not isinstance(node, yaml.SequenceNode) or not node.value:
        problems.add(node, f"{what} must be a non-empty list")
        return []
    items = [scalar(item, problems, what) for item in node.value]
    return [item for item in items if item is not None]


def integer(node: yaml.Node, problems: Problems, what: str) -> int | None:
    """A YAML integer; None (and a problem) for anything else."""
    if isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:int":
        try:
            return int(node.value.replace("_", ""), 0)
        except ValueError:
            pass
    problems.add(node, f"{what} must be a whole number")
    return None
