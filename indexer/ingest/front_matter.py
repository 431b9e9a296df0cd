"""Front matter read defensively: a notes file is untrusted input.

YAML can describe things notes never need and an attacker would love: aliases
that expand a few hundred bytes into gigabytes once flattened into text, and
tagged or date-like values whose construction fails (`2023-02-30`,
`!!int abc`). Front matter with anchors or aliases is refused whole; a value
that cannot be built is kept as its text; each problem comes back with its
line in the file, and nothing here raises on any input.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, NamedTuple

import yaml

from indexer.ingest.mojibake import repair_mojibake

# libyaml's parser when PyYAML was built with it (much faster on thousands of files);
# construction is PyYAML's safe constructor either way.
_BASE_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)^(?:---|\.\.\.)[ \t]*\r?$\n?", re.S | re.M)
#: Lines before the front matter's first line: the opening `---`.
OPENING_LINES = 1


class Problem(NamedTuple):
    """What is wrong at a line of the file; `repair`: a value read as mis-encoded text
    and repaired (the whole value, which a repair of its raw line may have done only
    in part)."""

    line: int
    message: str
    repair: bool = False


class _NotesLoader(_BASE_LOADER):
    """The safe loader, reading a value it cannot build as its text, noting where."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.problems: list[Problem] = []


def _lenient(tag: str) -> None:
    build: Callable[[Any, yaml.Node], Any] = _NotesLoader.yaml_constructors[tag]

    def construct(loader: _NotesLoader, node: yaml.Node) -> Any:
        try:
            return build(loader, node)
        except (ValueError, TypeError, OverflowError, yaml.YAMLError) as error:
            text = node.value if isinstance(node, yaml.ScalarNode) else ""
            line = node.start_mark.line + 1 + OPENING_LINES
            kind = tag.rsplit(":", 1)[-1]
            message = f"{text!r} is not a valid {kind} ({error}); read as text"
            loader.problems.append(Problem(line, message))
            return text

    _NotesLoader.add_constructor(tag, construct)


for _tag in ("int", "float", "bool", "timestamp", "binary", "null"):
    _lenient(f"tag:yaml.org,2002:{_tag}")

#: C1 control characters: no one writes them, but text once mis-decoded holds them (the
#: second byte of `”` read as Windows-1252 is U+009D), and YAML writes them as escapes
#: (`"â€\x9D"`) that the notes reader's line repair cannot see in the raw text.
_C1 = re.compile("[\x80-\x9f]")


def _repaired_string(loader: _NotesLoader, node: yaml.Node) -> Any:
    value = loader.construct_scalar(node)
    if isinstance(value, str) and _C1.search(value):
        repaired = repair_mojibake(value)
        if repaired.lines:
            loader.problems.append(Problem(node.start_mark.line + 1 + OPENING_LINES,
                                           repaired.message(), repair=True))  # fmt: skip
            return repaired.text
    return value


_NotesLoader.add_constructor("tag:yaml.org,2002:str", _repaired_string)


def split_front_matter(text: str) -> tuple[str | None, str, int]:
    """Front matter source (or None), the body, and how many lines precede the body."""
    match = _FRONT_MATTER.match(text)
    if not match:
        return None, text, 0
    return match.group(1), text[match.end() :], match.group(0).count("\n")


def _first_alias(source: str) -> int | None:
    """The file line of the first anchor or alias, or None (libyaml's events: fast)."""
    for event in yaml.parse(source, Loader=_BASE_LOADER):
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            line = event.start_mark.line if event.start_mark is not None else 0
            return int(line) + 1 + OPENING_LINES
    return None


def read_front_matter(source: str) -> tuple[dict, list[Problem]]:
    """The front matter as a mapping (empty when unusable) and its problems (line, message)."""
    try:
        alias = _first_alias(source)
        if alias is not None:
            message = ("front matter uses YAML anchors or aliases (&name, *name), which "
                       "talkseek does not follow; front matter ignored")  # fmt: skip
            return {}, [Problem(alias, message)]
        loader = _NotesLoader(source)
        try:
            loaded = loader.get_single_data()
        finally:
            loader.dispose()
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 + OPENING_LINES if mark is not None else OPENING_LINES
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        return {}, [Problem(line, f"front matter is not valid YAML: {problem}")]
    except (RecursionError, MemoryError, ValueError, TypeError) as error:
        return {}, [Problem(OPENING_LINES, f"front matter cannot be read: {type(error).__name__}")]
    problems = loader.problems
    if loaded is None:
        return {}, problems
    if not isinstance(loaded, dict):
        return {}, [*problems, Problem(OPENING_LINES, "front matter is not a mapping of keys")]
    return loaded, problems
