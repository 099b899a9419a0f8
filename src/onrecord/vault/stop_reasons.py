"""How a vault item gets the stop reason of its row in the data package's ``recordings`` table.

A camera says why it stopped recording in its own words (an Axis recording's ``TriggerOff``), and
officers say it with a bookmark's tag or a category; the audit reads the data package's stop
reasons (``privacy``, ``battery``…), which a policy allows or not. A department's **stop-reason
mapping** (YAML, like a policy) joins the two: names of trigger-off reasons, tag values and
categories to reasons. The built-in mapping is ``stop_reasons.yaml`` beside this module; a file
given instead replaces it whole, so what applies is always one file a person can read.

An item gets the reason of the first signal, in the mapping's ``precedence``, that maps to one
reason. A signal whose names map to two different reasons leaves the item without one: the
export never guesses (the guide: docs/vault.md, "The audit reads the vault").
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from onrecord import strict_yaml
from onrecord.package.schema import STOP_REASONS

SIGNALS = ("trigger_off", "tag", "category")
"""The kinds of signal an item carries about why it stopped, as ``precedence`` names them."""
_SECTIONS = {"trigger_off": "trigger_off", "tag": "tags", "category": "categories"}
_KEYS = ("trigger_off", "tags", "categories", "precedence", "own_reasons")
_WORD = re.compile(r"[a-z][a-z0-9_]*")
BUILT_IN = "built-in"

Loc = tuple[str | int, ...]


def name_key(text: str) -> str:
    """How names are compared: case, spaces and punctuation aside, so that a camera's
    ``LowBattery``, a mapping's ``Low battery`` and a tag's ``low_battery`` are one name."""
    return "".join(re.findall(r"[^\W_]+", text.casefold()))


def parse_tags(text: str) -> tuple[tuple[str, str], ...]:
    """A bookmark's ``Tags`` (``key:value;key:value``) as pairs, trimmed; a piece without a
    colon or a key is not a tag and is skipped (the API warns of unknown keys, not of these)."""
    pairs = []
    for piece in text.split(";"):
        key, colon, value = piece.partition(":")
        if colon and key.strip():
            pairs.append((key.strip(), value.strip()))
    return tuple(pairs)


class StopReasonError(Exception):
    """A mapping that cannot be used; each message names the file, line, column and key path.
    The CLI prints them all and exits with status 2."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("\n".join(messages))
        self.messages = messages


@dataclass(frozen=True)
class Signals:
    """What an item says about why its recording stopped."""

    trigger_off: str | None = None
    tags: tuple[tuple[str, str], ...] = ()
    categories: tuple[str, ...] = ()


@dataclass(frozen=True)
class Found:
    """An item's stop reason (None: none) and the signal that decided it (None when no signal
    maps); ``conflicting`` holds the reasons when that signal's names disagreed, and
    ``unmapped`` every (signal, name) the item carried that the mapping does not know, so a
    department can see what to add."""

    reason: str | None
    signal: str | None = None
    conflicting: tuple[str, ...] = ()
    unmapped: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class StopReasons:
    """A checked mapping, its names already keyed with :func:`name_key`."""

    trigger_off: Mapping[str, str]
    tags: Mapping[str, Mapping[str, str]]
    categories: Mapping[str, str]
    precedence: tuple[str, ...] = SIGNALS
    origin: str = BUILT_IN
    text: str = field(default="", repr=False)

    def reason(self, signals: Signals) -> Found:
        """The item's stop reason (see the module)."""
        found: dict[str, list[str]] = {s: [] for s in SIGNALS}
        unmapped: list[tuple[str, str]] = []
        if signals.trigger_off and signals.trigger_off.strip():
            mapped = self.trigger_off.get(name_key(signals.trigger_off))
            if mapped is None:
                unmapped.append(("trigger_off", signals.trigger_off.strip()))
            else:
                found["trigger_off"].append(mapped)
        for key, value in signals.tags:
            values = self.tags.get(name_key(key))
            if values is None:
                continue  # a tag about something else (an incident number...)
            mapped = values.get(name_key(value))
            if mapped is None:
                unmapped.append(("tag", f"{key}:{value}"))
            else:
                found["tag"].append(mapped)
        for category in signals.categories:
            mapped = self.categories.get(name_key(category))
            if mapped is None:
                unmapped.append(("category", category))
            else:
                found["category"].append(mapped)
        for signal in self.precedence:
            reasons = tuple(dict.fromkeys(found[signal]))
            if len(reasons) == 1:
                return Found(reasons[0], signal, (), tuple(unmapped))
            if reasons:
                return Found(None, signal, reasons, tuple(unmapped))
        return Found(None, None, (), tuple(unmapped))


def builtin_text() -> str:
    """The built-in mapping as shipped (and shown in docs/vault.md)."""
    return (resources.files("onrecord.vault") / "stop_reasons.yaml").read_text(encoding="utf-8")


def load_stop_reasons(path: Path | None = None) -> StopReasons:
    """The mapping in the YAML file ``path``, or the built-in one."""
    if path is None:
        return parse_stop_reasons(builtin_text(), BUILT_IN)
    if not path.is_file():
        raise StopReasonError([f"{path}: no such stop-reason mapping file"])
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise StopReasonError([f"{path}: cannot be read: {e}"]) from None
    return parse_stop_reasons(text, str(path))


def parse_stop_reasons(text: str, origin: str = "<text>") -> StopReasons:
    """Check mapping YAML; every problem is reported at once, each at its line and column."""
    try:
        doc = strict_yaml.load(text)
    except yaml.YAMLError as e:
        line, column, problem = strict_yaml.describe(e)
        where = f", line {line}, column {column}" if line else ""
        raise StopReasonError([f"{origin}{where}: not valid YAML: {problem}"]) from None
    if not isinstance(doc, dict):
        got = "nothing" if doc is None else repr(doc)
        raise StopReasonError(
            [f"{origin}: expected a mapping with trigger_off:, tags:, categories: …, got {got}"]
        )
    checker = _Checker(text, origin)
    result = checker.document(doc)
    if checker.problems:
        raise StopReasonError(checker.problems)
    return result


class _Checker:
    """Walks a parsed mapping, collecting each problem with its place in the text."""

    def __init__(self, text: str, origin: str) -> None:
        self.text, self.origin = text, origin
        self.found: list[tuple[tuple[int, int], str]] = []

    @property
    def problems(self) -> list[str]:
        """Every problem, in the order of the text."""
        return [message for _, message in sorted(self.found)]

    def fail(self, loc: Loc, what: str, *, at_key: bool = False) -> None:
        place = strict_yaml.locate(self.text, loc, at_key=at_key)
        where = f", line {place[0]}, column {place[1]}" if place else ""
        path = ".".join(str(p) for p in loc)
        message = f"{self.origin}{where}: {path + ': ' if path else ''}{what}"
        self.found.append((place or (0, 0), message))

    def document(self, doc: dict[Any, Any]) -> StopReasons:
        for key in doc:
            if key not in _KEYS:
                close = difflib.get_close_matches(str(key), _KEYS, n=1)
                hint = f"; did you mean {close[0]}?" if close else ""
                self.fail(
                    (str(key),),
                    f"unknown key{hint} (expected one of: {', '.join(_KEYS)})",
                    at_key=True,
                )
        own = self.own_reasons(doc.get("own_reasons"))
        known = (*STOP_REASONS, *own)
        tags: dict[str, dict[str, str]] = {}
        tag_keys = "tag keys, each to a mapping of its values to stop reasons"
        for loc, name, values in self.names(("tags",), doc.get("tags"), tag_keys):
            tags[name_key(name)] = {
                name_key(n): self.reason((*loc, n), reason, known)
                for _, n, reason in self.names(
                    loc, values, f"values of the tag {name} to stop reasons"
                )
            }
        return StopReasons(
            trigger_off=self.section("trigger_off", doc.get("trigger_off"), known, "trigger-off"),
            tags=tags,
            categories=self.section("categories", doc.get("categories"), known, "categories"),
            precedence=self.precedence(doc.get("precedence", list(SIGNALS))),
            origin=self.origin,
            text=self.text,
        )

    def section(self, key: str, value: object, known: tuple[str, ...], what: str) -> dict[str, str]:
        return {
            name_key(name): self.reason(loc, reason, known)
            for loc, name, reason in self.names((key,), value, f"{what} names to stop reasons")
        }

    def names(self, loc: Loc, value: object, what: str) -> list[tuple[Loc, str, Any]]:
        """The entries of a mapping of names (None: empty), each name once as compared."""
        if value is None:
            return []
        if not isinstance(value, dict):
            self.fail(loc, f"expected a mapping of {what}, got {value!r}")
            return []
        out: list[tuple[Loc, str, Any]] = []
        seen: dict[str, str] = {}
        for name, item in value.items():
            here = (*loc, str(name))
            if not isinstance(name, str) or not name_key(name):
                self.fail(
                    here,
                    f"{name!r} is not a name: write it as text with a letter or digit "
                    '(quote names such as "1" or "yes")',
                    at_key=True,
                )
                continue
            if name_key(name) in seen:
                self.fail(
                    here,
                    f"{name!r} is the same name as {seen[name_key(name)]!r} once case, spaces "
                    "and punctuation are set aside; keep one",
                    at_key=True,
                )
                continue
            seen[name_key(name)] = name
            out.append((here, name, item))
        return out

    def reason(self, loc: Loc, value: object, known: tuple[str, ...]) -> str:
        if isinstance(value, dict):
            self.fail(loc, f"expected a stop reason such as privacy, got a mapping {value!r}")
            return ""
        word = value.strip().lower() if isinstance(value, str) else ""
        if word in known:
            return word
        close = difflib.get_close_matches(word, known, n=1) if word else []
        hint = f"did you mean {close[0]}? " if close else ""
        self.fail(
            loc,
            f"{value!r} is not a stop reason: {hint}use one of {', '.join(STOP_REASONS)}, or "
            "list the department's own word under own_reasons (to give no reason, leave the "
            "name out)",
        )
        return ""

    def own_reasons(self, value: object) -> tuple[str, ...]:
        if value is None:
            return ()
        if not isinstance(value, list):
            self.fail(("own_reasons",), f"expected a list of words, got {value!r}")
            return ()
        out: list[str] = []
        for i, word in enumerate(value):
            text = word.strip().lower() if isinstance(word, str) else ""
            if not _WORD.fullmatch(text):
                self.fail(
                    ("own_reasons", i),
                    f"{word!r} is not a word of lower-case letters, digits and _ "
                    "(such as supervisor_approval)",
                )
            elif text in STOP_REASONS:
                self.fail(
                    ("own_reasons", i),
                    f"{text} is already a stop reason of the data package; remove it here",
                )
            else:
                out.append(text)
        return tuple(dict.fromkeys(out))

    def precedence(self, value: object) -> tuple[str, ...]:
        what = f"a list of {', '.join(SIGNALS)}, each once, first read first"
        if not isinstance(value, list) or sorted(map(str, value)) != sorted(SIGNALS):
            self.fail(("precedence",), f"expected {what}, got {value!r}")
            return SIGNALS
        return tuple(value)
