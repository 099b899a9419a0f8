"""A policy profile as data: which shifts need a camera, which encounters must be recorded, how.

Keys, defaults and meanings are the methodology's ("Policy profiles" in the audit spec; user guide
in ``docs/policies.md``). Every value is checked strictly: a published audit must say exactly which
rules it applied, so a number written as a word or a misspelt key is an error, never a guess.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, PlainValidator, PrivateAttr
from pydantic_core import PydanticCustomError

from onrecord.package.schema import ENCOUNTER_TYPES, SHIFT_KINDS, STOP_REASONS

ALL: Literal["all"] = "all"
Words = list[str] | Literal["all"]
SECTIONS = ("camera_required", "recording_required", "deactivation", "equipment")


def _expected(what: str) -> PydanticCustomError:
    """The one error a value check raises; its message is what the key expects."""
    return PydanticCustomError("policy_value", "{what}", {"what": what})


def _number(what: str, ok: Callable[[float], bool]) -> PlainValidator:
    """A finite YAML number (not a boolean, not text) that ``ok`` accepts; 30 stays 30, not 30.0."""

    def check(v: object) -> int | float:
        if isinstance(v, bool) or not isinstance(v, int | float):
            raise _expected(what)
        if not (math.isfinite(v) and ok(v)):
            raise _expected(what)
        return v

    return PlainValidator(check)


def _flag(v: object) -> bool:
    if not isinstance(v, bool):
        raise _expected("true or false")
    return v


def _text(what: str, *, empty_ok: bool) -> PlainValidator:
    def check(v: object) -> str:
        if not isinstance(v, str) or not (empty_ok or v.strip()):
            raise _expected(what)
        return v.strip()

    return PlainValidator(check)


def _words(what: str, vocabulary: tuple[str, ...], *, lower: bool, all_ok: bool) -> PlainValidator:
    """A word list, trimmed (and lower-cased, as the data package reads vocabulary columns).

    Duplicates go and the order becomes canonical (the contract's vocabulary order, then other
    words alphabetically), so two policies with the same rules compare equal.
    """
    rank = {w: i for i, w in enumerate(vocabulary)}

    def check(v: object) -> Words:
        if all_ok and isinstance(v, str) and v.strip().lower() == ALL:
            return ALL
        if not isinstance(v, list) or not all(isinstance(w, str) and w.strip() for w in v):
            raise _expected(what)
        words = {w.strip().lower() if lower else w.strip() for w in v}
        return sorted(words, key=lambda w: (rank.get(w, len(rank)), w))

    return PlainValidator(check)


Name = Annotated[str, _text("non-empty text", empty_ok=False)]
Source = Annotated[str, _text("text", empty_ok=True)]
Flag = Annotated[bool, PlainValidator(_flag)]
Seconds = Annotated[int | float, _number("a number of seconds, 0 or more", lambda x: x >= 0)]
Ratio = Annotated[int | float, _number("a share from 0 to 1, such as 0.9", lambda x: 0 <= x <= 1)]
Hours = Annotated[int | float, _number("a number of hours above 0", lambda x: x > 0)]
ShiftKinds = Annotated[
    Words,
    _words(
        '"all" or a list of shift kinds such as [regular, overtime]',
        SHIFT_KINDS,
        lower=True,
        all_ok=True,
    ),
]
EncounterTypes = Annotated[
    Words,
    _words(
        '"all" or a list of encounter types such as [dispatched_call, arrest]',
        ENCOUNTER_TYPES,
        lower=True,
        all_ok=True,
    ),
]
Units = Annotated[
    Words,
    _words(
        '"all" or a list of unit names as text (quote numbers: "7")', (), lower=False, all_ok=True
    ),
]
Reasons = Annotated[
    list[str],
    _words(
        "a list of stop reasons such as [privacy, bystanders], or []",
        STOP_REASONS,
        lower=True,
        all_ok=False,
    ),
]


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CameraRequired(Section):
    """Which shifts require the officer to hold a camera."""

    shift_kinds: ShiftKinds = ALL
    uniformed_only: Flag = False
    units: Units = ALL
    trained_only: Flag = False


class RecordingRequired(Section):
    """Which encounters must be recorded, with what allowances; or the whole shift."""

    encounter_types: EncounterTypes = ALL
    outside_required_shifts: Flag = False
    start_grace_s: Seconds = 0
    end_grace_s: Seconds = 0
    max_gap_s: Seconds = 0
    whole_shift: Flag = False
    min_shift_recorded_ratio: Ratio = 0.9


class Deactivation(Section):
    """The stop reasons that excuse ending a recording before the encounter ends."""

    allowed_reasons: Reasons = Field(default_factory=list)


class Equipment(Section):
    """How much of a required shift counts as equipped, and how long a checkout lasts."""

    min_possession_ratio: Ratio = 0.9
    max_possession_hours: Hours = 24


class Policy(BaseModel):
    """A validated policy with every default filled in, plus the text it was read from."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Name
    title: Name
    source: Source = ""
    camera_required: CameraRequired = CameraRequired()
    recording_required: RecordingRequired = RecordingRequired()
    deactivation: Deactivation = Deactivation()
    equipment: Equipment = Equipment()

    _text: str | None = PrivateAttr(default=None)
    _origin: str = PrivateAttr(default="")

    @classmethod
    def from_document(cls, doc: dict[str, Any], text: str, origin: str) -> Policy:
        """Validate a parsed YAML mapping and keep its text (raises pydantic's ValidationError)."""
        policy = cls.model_validate(doc)
        policy._text, policy._origin = text, origin
        return policy

    @property
    def text(self) -> str:
        """The policy as written (the audit publishes it); canonical YAML if built in code."""
        return self.canonical_yaml() if self._text is None else self._text

    @property
    def origin(self) -> str:
        """Where it was read from: ``built-in`` or the file path."""
        return self._origin

    def rules(self) -> dict[str, Any]:
        """Every rule by key path (``recording_required.max_gap_s``), in file order."""
        return {
            f"{section}.{key}": value
            for section in SECTIONS
            for key, value in getattr(self, section).model_dump().items()
        }

    def document(self) -> dict[str, Any]:
        """The policy as a results file records it: id, title, where it came from, every rule
        and the text as written, so a reader can check what the numbers were measured against."""
        return {
            "id": self.id,
            "title": self.title,
            "origin": self.origin,
            "source": self.source,
            "rules": self.rules(),
            "text": self.text,
        }

    def defaulted(self) -> set[str]:
        """Key paths of the rules the text left out, which therefore hold their defaults."""
        out: set[str] = set()
        for section in SECTIONS:
            part = getattr(self, section)
            out |= {
                f"{section}.{k}" for k in type(part).model_fields if k not in part.model_fields_set
            }
        return out

    def canonical(self) -> dict[str, Any]:
        """The JSON form, defaults filled in and word lists in canonical order."""
        return self.model_dump(mode="json")

    def canonical_yaml(self) -> str:
        """The canonical form as YAML that reads like a profile and loads back unchanged."""
        return yaml.dump(
            self.canonical(),
            Dumper=_Dumper,
            sort_keys=False,
            allow_unicode=True,
            width=100,
        )


class _Dumper(yaml.SafeDumper):
    """Writes the layout of the profiles: sections as blocks, word lists on one line, multi-line
    text (the source) as a literal block."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


def _represent_list(dumper: yaml.SafeDumper, value: list[Any]) -> yaml.SequenceNode:
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=True)


_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(list, _represent_list)
