"""The statutory deadline of a records request, from a rule kept as data (YAML, like policies and
retention schedules): how many business days the law allows, which weekdays and holidays are
not business days, and the exemptions a denial may cite.

A rule lists its holidays as dates, year by year, and says which years it covers; a deadline that
would need a year the rule does not cover is refused rather than computed without that year's
holidays, which would give a date too early. Counting follows the usual reading of "within N
business days following the receipt": the day of receipt is not counted; the first business day
after it is day 1, and the N-th is the deadline. A rule may say that a request received on a
day the office is closed counts as received on the next business day.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from enum import StrEnum
from importlib import resources
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    PrivateAttr,
    ValidationError,
    model_validator,
)
from pydantic_core import ErrorDetails

from onrecord import strict_yaml
from onrecord.release.errors import ReleaseError

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


class RuleError(ReleaseError):
    """A deadline rule that cannot be used; each message names the file, line, column and key.
    The CLI prints them all and exits with status 2."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("\n".join(messages))
        self.messages = messages


_expected = strict_yaml.expected


def _text(v: object) -> str:
    if not isinstance(v, str) or not v.strip():
        raise _expected("non-empty text")
    return v.strip()


def _notes(v: object) -> str:
    if not isinstance(v, str):
        raise _expected("text")
    return v.strip()


def _day(v: object) -> date:
    if isinstance(v, date):  # YAML reads 2026-07-03 as a date
        return v
    if isinstance(v, str):
        try:
            return date.fromisoformat(v)
        except ValueError:
            pass
    raise _expected("a date written YYYY-MM-DD")


def _positive(v: object) -> int:
    if not isinstance(v, int) or isinstance(v, bool) or not 1 <= v <= 365:
        raise _expected("a whole number of business days from 1 to 365")
    return v


def _weekdays(v: object) -> tuple[int, ...]:
    what = f"a list of weekday names from {', '.join(WEEKDAYS)}"
    if not isinstance(v, list) or not all(isinstance(d, str) for d in v):
        raise _expected(what)
    try:
        days = tuple(dict.fromkeys(WEEKDAYS.index(d.strip().title()) for d in v))
    except ValueError:
        raise _expected(what) from None
    if len(days) == 7:
        raise _expected("at most six closed weekdays (a rule needs some business days)")
    return days


def _years(v: object) -> tuple[int, ...]:
    what = "a list of years such as [2025, 2026, 2027]"
    if not isinstance(v, list) or not v:
        raise _expected(what)
    if not all(isinstance(y, int) and not isinstance(y, bool) and 1900 < y < 3000 for y in v):
        raise _expected(what)
    return tuple(sorted(set(v)))


def _code(v: object) -> str:
    if not isinstance(v, str) or not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9()._-]{0,63}", v):
        raise _expected("a short code of letters, digits and ( ) . _ -, such as 26(f)")
    return v


Text = Annotated[str, PlainValidator(_text)]
Notes = Annotated[str, PlainValidator(_notes)]
Name = Annotated[str, PlainValidator(strict_yaml.name)]
Url = Annotated[str, PlainValidator(strict_yaml.url)]
Zone = Annotated[str, PlainValidator(strict_yaml.zone)]
Day = Annotated[date, PlainValidator(_day)]
BusinessDays = Annotated[int, PlainValidator(_positive)]
Weekdays = Annotated[tuple[int, ...], PlainValidator(_weekdays)]
Years = Annotated[tuple[int, ...], PlainValidator(_years)]
Code = Annotated[str, PlainValidator(_code)]


class Part(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(Part):
    """The text the rule was read from: what it is, where, and which version was read."""

    citation: Text
    url: Url
    version: Text


class ClosedDayReceipt(StrEnum):
    """When a request arrives on a day the office is closed: counted from that day as it is
    (``as received``), or as received on the next business day."""

    AS_RECEIVED = "as received"
    NEXT_BUSINESS_DAY = "next business day"


class Response(Part):
    """How long the law allows for the response, in business days after receipt."""

    business_days: BusinessDays
    citation: Text
    closed_day_receipt: ClosedDayReceipt = ClosedDayReceipt.AS_RECEIVED
    note: Notes = ""


class Holiday(Part):
    date: Day
    name: Text


class Exemption(Part):
    """A ground a denial may cite: its short code (what the figures group by) and citation."""

    code: Code
    citation: Text
    title: Text


class DeadlineRule(Part):
    """A validated deadline rule and the text it was read from."""

    name: Name
    title: Text
    jurisdiction: Text
    time_zone: Zone
    """The zone whose calendar the department's dates are in."""
    source: Source
    response: Response
    closed_weekdays: Weekdays = Field(default=(5, 6))
    """Monday is 0; by default Saturday and Sunday."""
    holiday_years: Years
    holidays: tuple[Holiday, ...] = ()
    exemptions: tuple[Exemption, ...]
    notes: Notes = ""

    _text: str = PrivateAttr(default="")
    _origin: str = PrivateAttr(default="")

    @model_validator(mode="after")
    def _consistent(self) -> DeadlineRule:
        for h in self.holidays:
            if h.date.year not in self.holiday_years:
                raise _expected(
                    f"holiday {h.date} ({h.name}) is in {h.date.year}, which holiday_years does "
                    "not list; add the year (with all its holidays) or remove the date"
                )
        codes = [e.code for e in self.exemptions]
        if len(set(codes)) != len(codes):
            raise _expected("each exemption's code once")
        if not codes:
            raise _expected("at least one exemption a denial can cite")
        return self

    @property
    def text(self) -> str:
        return self._text

    @property
    def origin(self) -> str:
        return self._origin

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    def exemption(self, code: str) -> Exemption:
        """The exemption ``code``, or a ``ReleaseError`` listing those the rule has."""
        for e in self.exemptions:
            if e.code == code:
                return e
        known = ", ".join(f"{e.code} ({e.title})" for e in self.exemptions)
        raise ReleaseError(
            f"{code!r} is not an exemption of the rule {self.name}; cite one of {known}"
        )

    def is_business_day(self, day: date) -> bool:
        """Whether the office is open on ``day``; a ``ReleaseError`` for a year the rule's
        holidays do not cover."""
        if day.year not in self.holiday_years:
            years = ", ".join(str(y) for y in self.holiday_years)
            raise ReleaseError(
                f"the rule {self.name} lists holidays for {years} only, so business days in "
                f"{day.year} cannot be counted; add {day.year}'s holidays to the rule "
                f"({self.origin or 'its YAML file'})"
            )
        return day.weekday() not in self.closed_weekdays and day not in self._holiday_dates()

    def _holiday_dates(self) -> frozenset[date]:
        return frozenset(h.date for h in self.holidays)


def due_date(received: date, rule: DeadlineRule) -> date:
    """The last day for the response to a request received on ``received`` (see the module)."""
    day = received
    if rule.response.closed_day_receipt is ClosedDayReceipt.NEXT_BUSINESS_DAY:
        while not rule.is_business_day(day):
            day += timedelta(days=1)
    counted = 0
    while counted < rule.response.business_days:
        day += timedelta(days=1)
        if rule.is_business_day(day):
            counted += 1
    return day


def business_days_left(today: date, due: date, rule: DeadlineRule) -> int:
    """Business days after ``today`` up to and including ``due`` (0 on the day itself);
    negative, the business days past it, when ``today`` is later."""
    if today <= due:
        return sum(
            rule.is_business_day(today + timedelta(days=i))
            for i in range(1, (due - today).days + 1)
        )
    return -sum(
        rule.is_business_day(due + timedelta(days=i)) for i in range(1, (today - due).days + 1)
    )


# -- reading rules ---------------------------------------------------------------------------

_MODELS: dict[tuple[str, ...], type[BaseModel]] = {
    (): DeadlineRule,
    ("source",): Source,
    ("response",): Response,
    ("holidays",): Holiday,
    ("exemptions",): Exemption,
}
DEFAULT_RULE = "massachusetts-66-10"
"""The rule a request is given when none is named."""


def _texts() -> dict[str, str]:
    folder = resources.files("onrecord.release") / "rules"
    return {
        entry.name.removesuffix(".yaml"): entry.read_text(encoding="utf-8")
        for entry in folder.iterdir()
        if entry.name.endswith(".yaml")
    }


def builtin_rules() -> list[str]:
    return sorted(_texts())


def load_rule(ref: str | Path) -> DeadlineRule:
    """A rule by built-in name, else from a YAML file (names are tried first)."""
    text, origin = strict_yaml.read_named(ref, _texts(), "rule", RuleError)
    return parse_rule(text, origin=origin)


def parse_rule(text: str, origin: str = "<text>") -> DeadlineRule:
    """Validate rule YAML; every problem found is reported at once, each at its place."""
    doc = strict_yaml.read_mapping(text, origin, "name:, title:, response:", RuleError)
    try:
        rule = DeadlineRule.model_validate(doc)
    except ValidationError as e:
        raise RuleError(strict_yaml.placed(origin, text, e, _message)) from None
    rule._text, rule._origin = text, origin
    return rule


def _message(err: ErrorDetails) -> str:
    loc = err["loc"]
    if err["type"] == "extra_forbidden":
        return strict_yaml.unknown_key(loc, _MODELS)
    if err["type"] == "missing":
        return "required key is missing"
    if err["type"] == "enum":
        allowed = ", ".join(repr(c.value) for c in ClosedDayReceipt)
        return f"expected one of {allowed}, got {err['input']!r}"
    if err["type"] == "expected_value" and isinstance(err["input"], dict) and not loc:
        return err["msg"]
    if err["type"] in ("model_type", "tuple_type"):
        kind = "a list" if err["type"] == "tuple_type" else "a mapping"
        return f"expected {kind}, got {err['input']!r}"
    return f"expected {err['msg']}, got {_shown(err['input'])}"


def _shown(value: Any) -> str:
    return repr(value) if not isinstance(value, date) else str(value)
