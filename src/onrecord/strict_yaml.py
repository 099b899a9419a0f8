"""YAML for files people write by hand (policies, import mappings, retention schedules, deadline
rules): a key given twice is an error, and every problem is reported at its line and column.

PyYAML keeps the last of two equal keys, which would hide a mistake in a rule or a mapping.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Hashable, Mapping
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails, PydanticCustomError


class UniqueKeyLoader(yaml.SafeLoader):
    """Safe YAML that refuses a mapping key given twice."""


def _unique_mapping(loader: UniqueKeyLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: set[Hashable] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        if isinstance(key, Hashable) and key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"the key {key!r} is given twice", key_node.start_mark
            )
        if isinstance(key, Hashable):
            seen.add(key)
    return loader.construct_mapping(node)


UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _unique_mapping)


def _timestamp(loader: UniqueKeyLoader, node: yaml.ScalarNode) -> Any:
    """A date or time, or a YAML error at the value for one that looks like a date but is not
    (``2026-12-32``): PyYAML raises a bare ``ValueError`` there, with no place, which every
    reader of this module would have let through as a traceback."""
    try:
        return loader.construct_yaml_timestamp(node)
    except ValueError as e:
        raise yaml.constructor.ConstructorError(
            None, None, f"{node.value!r} is not a real date or time ({e})", node.start_mark
        ) from None


UniqueKeyLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)


def load(text: str) -> Any:
    """Parse ``text``; raises ``yaml.YAMLError`` (with the line) on bad YAML or a repeated key."""
    return yaml.load(text, Loader=UniqueKeyLoader)


def describe(error: yaml.YAMLError) -> tuple[int | None, int | None, str]:
    """Where a YAML error is (1-based line and column, when the parser knows) and what it is, in
    the parser's own short words rather than its multi-line dump of the input."""
    mark = getattr(error, "problem_mark", None)
    what = getattr(error, "problem", None) or str(error).splitlines()[0]
    if mark is None:
        return None, None, what
    return mark.line + 1, mark.column + 1, what


def locate(
    text: str, path: tuple[str | int, ...], *, at_key: bool = False
) -> tuple[int, int] | None:
    """The 1-based line and column of the value at ``path`` (mapping keys and list indices) in
    ``text``, or of its key with ``at_key`` (for a key that should not be there), so that a
    validation error can point into the file as a parse error does.

    Where the path runs out of the document (a key that is missing), the deepest node it reaches
    is given: the mapping the key belongs in. ``None`` when the text is not YAML at all."""
    try:
        node: yaml.Node | None = yaml.compose(text, Loader=UniqueKeyLoader)
    except yaml.YAMLError:
        return None
    if node is None:
        return None
    mark = node.start_mark
    for step in path:
        pair: tuple[yaml.Node, yaml.Node] | None = None
        if isinstance(node, yaml.MappingNode):
            key = str(step)
            pairs = (
                p for p in node.value if isinstance(p[0], yaml.ScalarNode) and p[0].value == key
            )
            pair = next(pairs, None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int):
            pair = (node.value[step], node.value[step]) if 0 <= step < len(node.value) else None
        if pair is None:
            break
        node = pair[1]
        mark = pair[0].start_mark if at_key else node.start_mark
    return mark.line + 1, mark.column + 1


# -- hand-written files read into strict pydantic models ---------------------------------------
# Policies' companions (retention schedules, deadline rules) share how they are found (a built-in
# name or a file), parsed and reported: each problem at its file, line, column and key path.

Loc = tuple[str | int, ...]
ErrorType = Callable[[list[str]], Exception]
"""The reader's own error class, built from every message found (the CLI prints them all)."""


def expected(what: str) -> PydanticCustomError:
    """A validation error whose message is what the key expects (``expected …, got …``)."""
    return PydanticCustomError("expected_value", "{what}", {"what": what})


def name(v: object) -> str:
    """A file's name: what it is chosen by on the command line and recorded under."""
    if not isinstance(v, str) or not re.fullmatch(r"[a-z0-9][a-z0-9._-]*", v):
        raise expected("a name of lower-case letters, digits, '.', '-' and '_', such as ours-2026")
    return v


def url(v: object) -> str:
    """Where the source text of a rule can be read."""
    if not isinstance(v, str) or not re.fullmatch(r"https?://\S+", v.strip()):
        raise expected("the address of the source text, starting https:// or http://")
    return v.strip()


def zone(v: object) -> str:
    """An IANA time zone whose calendar a rule counts days on."""
    what = "an IANA time zone such as America/Chicago"
    if not isinstance(v, str) or not v.strip():
        raise expected(what)
    try:
        ZoneInfo(v)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # "America" is a folder of zones
        raise expected(what) from None
    return v


def read_named(
    ref: str | Path, builtins: Mapping[str, str], kind: str, error: ErrorType
) -> tuple[str, str]:
    """The text and origin (``built-in`` or the path) of ``ref``: a built-in name, tried first,
    else a file."""
    if str(ref) in builtins:
        return builtins[str(ref)], "built-in"
    path = Path(ref)
    if not path.is_file():
        raise error(
            [
                f"{ref}: no such {kind} file and no built-in {kind} of that name; the built-in "
                f"{kind}s are {', '.join(sorted(builtins))}"
            ]
        )
    try:
        return path.read_text(encoding="utf-8"), str(path)
    except (OSError, UnicodeDecodeError) as e:
        raise error([f"{path}: cannot be read: {e}"]) from None


def read_mapping(text: str, origin: str, keys_hint: str, error: ErrorType) -> dict[Any, Any]:
    """The YAML mapping in ``text``, or ``error`` at the place the YAML goes wrong."""
    try:
        doc = load(text)
    except yaml.YAMLError as e:
        line, column, problem = describe(e)
        where = f", line {line}, column {column}" if line else ""
        raise error([f"{origin}{where}: not valid YAML: {problem}"]) from None
    if not isinstance(doc, dict):
        got = "nothing" if doc is None else repr(doc)
        raise error([f"{origin}: expected a mapping with {keys_hint} …, got {got}"])
    return doc


def at(origin: str, text: str, loc: Loc, what: str, *, at_key: bool = False) -> str:
    """``origin, line L, column C: key.path: what``."""
    place = locate(text, loc, at_key=at_key)
    where = f", line {place[0]}, column {place[1]}" if place else ""
    path = ".".join(str(p) for p in loc)
    return f"{origin}{where}: {path + ': ' if path else ''}{what}"


def placed(
    origin: str, text: str, error: ValidationError, message: Callable[[ErrorDetails], str]
) -> list[str]:
    """Every validation problem of ``error`` at its place, in ``message``'s words; an unknown
    key is pointed at by the key itself, any other problem by its value."""
    return [
        at(origin, text, e["loc"], message(e), at_key=e["type"] == "extra_forbidden")
        for e in error.errors()
    ]


def unknown_key(loc: Loc, models: Mapping[tuple[str, ...], type[BaseModel]]) -> str:
    """An unknown key's message, naming the closest allowed key and all of them; ``models`` maps
    each mapping's key path (list indices left out) to its model."""
    keys = list(models[tuple(str(p) for p in loc[:-1] if not isinstance(p, int))].model_fields)
    close = difflib.get_close_matches(str(loc[-1]), keys, n=1)
    hint = f"; did you mean {close[0]}?" if close else ""
    return f"unknown key{hint} (expected one of: {', '.join(keys)})"
