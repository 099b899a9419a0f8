"""YAML for files people write by hand (policies, import mappings): a key given twice is an error.

PyYAML keeps the last of two equal keys, which would hide a mistake in a rule or a mapping.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

import yaml


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
