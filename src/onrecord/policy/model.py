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
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    PlainValidator,
    PrivateAttr,
    WithJsonSchema,
    model_serializer,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError

from onrecord.output import Part
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


def _schema(schema: dict[str, Any]) -> WithJsonSchema:
    """What a value looks like in JSON, for the published schemas (the checks above are code)."""
    return WithJsonSchema(schema)


def _word_list(words: tuple[str, ...]) -> dict[str, Any]:
    items: dict[str, Any] = {"type": "string"}
    if words:
        items["examples"] = list(words)
    return {"type": "array", "items": items}


def _all_or(words: tuple[str, ...]) -> dict[str, Any]:
    return {"anyOf": [{"const": ALL}, _word_list(words)]}


Name = Annotated[
    str, _text("non-empty text", empty_ok=False), _schema({"type": "string", "minLength": 1})
]
Source = Annotated[str, _text("text", empty_ok=True), _schema({"type": "string"})]
Flag = Annotated[bool, PlainValidator(_flag), _schema({"type": "boolean"})]
Seconds = Annotated[
    int | float,
    _number("a number of seconds, 0 or more", lambda x: x >= 0),
    _schema({"type": "number", "minimum": 0}),
]
Ratio = Annotated[
    int | float,
    _number("a share from 0 to 1, such as 0.9", lambda x: 0 <= x <= 1),
    _schema({"type": "number", "minimum": 0, "maximum": 1}),
]
Hours = Annotated[
    int | float,
    _number("a number of hours above 0", lambda x: x > 0),
    _schema({"type": "number", "exclusiveMinimum": 0}),
]
ShiftKinds = Annotated[
    Words,
    _words(
        '"all" or a list of shift kinds such as [regular, overtime]',
        SHIFT_KINDS,
        lower=True,
        all_ok=True,
    ),
    _schema(_all_or(SHIFT_KINDS)),
]
EncounterTypes = Annotated[
    Words,
    _words(
        '"all" or a list of encounter types such as [dispatched_call, arrest]',
        ENCOUNTER_TYPES,
        lower=True,
        all_ok=True,
    ),
    _schema(_all_or(ENCOUNTER_TYPES)),
]
Units = Annotated[
    Words,
    _words(
        '"all" or a list of unit names as text (quote numbers: "7")', (), lower=False, all_ok=True
    ),
    _schema(_all_or(())),
]
Reasons = Annotated[
    list[str],
    _words(
        "a list of stop reasons such as [privacy, bystanders], or []",
        STOP_REASONS,
        lower=True,
        all_ok=False,
    ),
    _schema(_word_list(STOP_REASONS)),
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


class PolicyRules(BaseModel):
    """Every rule of a policy, as a results file records them: flat, by key path
    (``equipment.min_possession_ratio``), in file order. A rule missing from a results file
    takes its default, from the same sections that read a policy's YAML; read them as
    ``rules.equipment.min_possession_ratio``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    camera_required: CameraRequired = CameraRequired()
    recording_required: RecordingRequired = RecordingRequired()
    deactivation: Deactivation = Deactivation()
    equipment: Equipment = Equipment()

    @model_validator(mode="before")
    @classmethod
    def _nest(cls, data: Any) -> Any:
        """``{"equipment.min_possession_ratio": 0.9}`` as ``{"equipment": {...}}``."""
        if not isinstance(data, dict) or not all(isinstance(k, str) and "." in k for k in data):
            return data
        nested: dict[str, dict[str, Any]] = {}
        for path, value in data.items():
            section, _, key = path.partition(".")
            nested.setdefault(section, {})[key] = value
        return nested

    @model_serializer(mode="plain")
    def flat(self) -> dict[str, Any]:
        """Every rule by key path, in file order (what ``Policy.rules`` gives)."""
        return {
            f"{section}.{key}": value
            for section in SECTIONS
            for key, value in getattr(self, section).model_dump().items()
        }

    @classmethod
    def __get_pydantic_json_schema__(
        cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        """The flat object results files hold, each rule described by its section's schema."""
        properties: dict[str, Any] = {}
        for section in SECTIONS:
            model = cls.model_fields[section].annotation
            assert isinstance(model, type) and issubclass(model, Section)
            for key, prop in model.model_json_schema()["properties"].items():
                properties[f"{section}.{key}"] = {k: v for k, v in prop.items() if k != "title"}
        return {
            "type": "object",
            "title": cls.__name__,
            "description": " ".join((cls.__doc__ or "").split()),
            "properties": properties,
            "additionalProperties": False,
        }


class PolicyDocument(Part):
    """The policy as a results file records it: id, title, where it came from, every rule and
    the text as written, so a reader can check what the numbers were measured against."""

    id: str
    """The policy's id (a built-in profile's, or the one its file gives)."""
    title: str
    origin: str
    """``built-in``, or the path of the file it was read from."""
    source: str
    """Where the rules come from, in the policy's own words."""
    rules: PolicyRules
    text: str
    """The policy's YAML exactly as applied."""


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

    def rule_set(self) -> PolicyRules:
        """Every rule, by section."""
        return PolicyRules(
            camera_required=self.camera_required,
            recording_required=self.recording_required,
            deactivation=self.deactivation,
            equipment=self.equipment,
        )

    def rules(self) -> dict[str, Any]:
        """Every rule by key path (``recording_required.max_gap_s``), in file order."""
        return self.rule_set().flat()

    def document(self) -> PolicyDocument:
        """The policy as a results file records it (:class:`PolicyDocument`)."""
        return PolicyDocument(
            id=self.id,
            title=self.title,
            origin=self.origin,
            source=self.source,
            rules=self.rule_set(),
            text=self.text,
        )

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
