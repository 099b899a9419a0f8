"""A retention schedule as data: its source, a default period, and rules that keep footage of
certain categories longer (vault contract, "Retention and holds"; guide: docs/vault-retention.md).

Every value is checked strictly, as policies are: a schedule decides what the vault deletes, so a
number without a unit, a misspelt key or an unknown time zone is an error, never a guess.
"""

from __future__ import annotations

import re
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from pydantic import (
    BaseModel,
    ConfigDict,
    PlainSerializer,
    PlainValidator,
    PrivateAttr,
    model_validator,
)

from onrecord import strict_yaml
from onrecord.vault.retention.period import Period


def category_key(name: str) -> str:
    """How categories are compared: case, spaces, hyphens and underscores aside, so that the
    camera system's ``Use of Force`` matches a schedule's ``use_of_force``."""
    return "_".join(re.findall(r"[^\W_]+", name.casefold()))


_expected = strict_yaml.expected


def _text(what: str, *, empty_ok: bool) -> PlainValidator:
    def check(v: object) -> str:
        if not isinstance(v, str) or not (empty_ok or v.strip()):
            raise _expected(what)
        return v.strip()

    return PlainValidator(check)


def _flag(v: object) -> bool:
    if not isinstance(v, bool):
        raise _expected("true or false")
    return v


def _period(v: object) -> Period:
    try:
        return Period.parse(v)
    except ValueError as e:
        raise _expected(str(e)) from None


def _categories(v: object) -> tuple[str, ...]:
    """A non-empty list of names, trimmed, each once, in the order written."""
    what = "a list of category names such as [firearm_discharge, formal_complaint]"
    if not isinstance(v, list) or not v:
        raise _expected(what)
    if not all(isinstance(c, str) and category_key(c) for c in v):
        raise _expected(what)
    return tuple(dict.fromkeys(c.strip() for c in v))


Text = Annotated[str, _text("non-empty text", empty_ok=False)]
Notes = Annotated[str, _text("text", empty_ok=True)]
Name = Annotated[str, PlainValidator(strict_yaml.name)]
Url = Annotated[str, PlainValidator(strict_yaml.url)]
Zone = Annotated[str, PlainValidator(strict_yaml.zone)]
Flag = Annotated[bool, PlainValidator(_flag)]
PeriodValue = Annotated[Period, PlainValidator(_period), PlainSerializer(str)]
Categories = Annotated[tuple[str, ...], PlainValidator(_categories), PlainSerializer(list)]


class Part(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(Part):
    """The text the schedule was read from: what it is, where, and which version."""

    citation: Text
    url: Url
    version: Text
    """Which text was read (an edition, a revision, a date), so a reader can tell when the
    source has changed since."""


class Default(Part):
    """How long footage is kept when no rule keeps it longer."""

    period: PeriodValue
    citation: Text
    note: Notes = ""


class Rule(Part):
    """Footage with any of ``categories`` is kept for ``period``, and when
    ``until_proceedings_end``, also while any case it names is open (indefinitely if it names
    none, until someone links the case whose end will release it)."""

    categories: Categories
    period: PeriodValue | None = None
    until_proceedings_end: Flag = False
    citation: Text
    note: Notes = ""

    @model_validator(mode="after")
    def _keeps_something(self) -> Rule:
        if self.period is None and not self.until_proceedings_end:
            raise _expected(
                "a period, or until_proceedings_end: true, or both (a rule with neither "
                "keeps nothing)"
            )
        return self

    def keys(self) -> frozenset[str]:
        """The categories as compared (``category_key``)."""
        return frozenset(category_key(c) for c in self.categories)

    def describe(self) -> str:
        """What the rule keeps, in words: ``1 year``, ``until proceedings end``, or both."""
        parts = [str(self.period)] if self.period is not None else []
        if self.until_proceedings_end:
            parts.append("until proceedings end")
        return " or ".join(parts) + (", whichever is longer" if len(parts) == 2 else "")


class Schedule(Part):
    """A validated retention schedule and the text it was read from."""

    name: Name
    title: Text
    jurisdiction: Text
    time_zone: Zone
    """The zone whose calendar retention is counted on (the department's)."""
    source: Source
    default: Default
    rules: tuple[Rule, ...] = ()
    notes: Notes = ""

    _text: str = PrivateAttr(default="")
    _origin: str = PrivateAttr(default="")

    @classmethod
    def from_document(cls, doc: dict[str, Any], text: str, origin: str) -> Schedule:
        """Validate a parsed YAML mapping and keep its text (raises pydantic's ValidationError)."""
        schedule = cls.model_validate(doc)
        schedule._text, schedule._origin = text, origin
        return schedule

    @property
    def text(self) -> str:
        """The schedule as written."""
        return self._text

    @property
    def origin(self) -> str:
        """Where it was read from: ``built-in`` or the file path."""
        return self._origin

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)
