"""The column specs of a mapping: each kind declared once, and compiled into a function of a row.

A column spec says how one output column is made from a source row (``docs/import.md``, "Column
specs"). Each kind of spec (copy, constant, template, hash, timestamps, date, duration) is one entry
of ``FIELD_KINDS``: its model, the key that marks it, its compiler and what it yields. Validation
(``FieldSpec``), the mapping's checks, the engine's column order and ``compile_field`` all read
that registry, so a new kind is added in one place.

Compilation resolves column names against the file's header once, so a wrong name fails before any
row is read, and the per-row work is a few list look-ups. A value that does not parse is written
through as its raw text and recorded in ``RowState.unparsed``: the package keeps every row and
``onrecord check`` reports that one as a row error.
"""

from __future__ import annotations

import hashlib
import operator
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import reduce
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    GetCoreSchemaHandler,
    Tag,
    model_validator,
)
from pydantic_core import CoreSchema

from onrecord.importers.errors import ImporterError
from onrecord.importers.sources import Cell
from onrecord.importers.values import (
    cell_text,
    is_before,
    parse_date,
    parse_datetime,
    parse_number,
    parse_time,
    round_to_second,
)

_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_UNIT = {"seconds": 1.0, "minutes": 60.0, "hours": 3600.0}


class Strict(BaseModel):
    """The base of every mapping model: unknown keys are refused, and a loaded mapping is frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Rule(Strict):
    """A value-map rule, tried in order when no exact value matches."""

    contains: str | None = None
    regex: str | None = None
    value: str

    @model_validator(mode="after")
    def _one_test(self) -> Rule:
        if (self.contains is None) == (self.regex is None):
            raise ValueError("a rule needs exactly one of 'contains' or 'regex'")
        if self.regex is not None:
            try:
                re.compile(self.regex)
            except re.error as e:
                raise ValueError(f"'regex' is not a valid regular expression: {e}") from e
        return self


class ValueMap(Strict):
    """Exact values, then rules in order, then ``default``; with no default the value stays."""

    values: dict[str, str] = {}
    rules: list[Rule] = []
    default: str | None = None


class FieldModel(Strict):
    """The model of one kind of column spec: the keys a spec of that kind may have."""


@dataclass
class RowState:
    """One source row being mapped: its cells, its number, the output so far, parsed timestamps."""

    cells: list[Cell]
    row: int
    out: dict[str, str | None] = field(default_factory=dict)
    moments: dict[str, datetime] = field(default_factory=dict)
    unparsed: list[tuple[str, str, str]] = field(default_factory=list)  # column, text, expected


Evaluate = Callable[[RowState], str | None]


class ValueMapper:
    """Applies a value map; remembers answers (sources repeat few values) and counts defaults."""

    def __init__(self, spec: ValueMap) -> None:
        self.spec = spec
        self.defaulted: Counter[str] = Counter()
        self._known: dict[str, tuple[str, bool]] = {}

    def __call__(self, text: str) -> str:
        if text not in self._known:
            self._known[text] = self._lookup(text)
        value, is_default = self._known[text]
        if is_default:
            self.defaulted[text] += 1
        return value

    def _lookup(self, text: str) -> tuple[str, bool]:
        if text in self.spec.values:
            return self.spec.values[text], False
        for rule in self.spec.rules:
            if rule.contains is not None and rule.contains in text:
                return rule.value, False
            if rule.regex is not None and re.search(rule.regex, text):
                return rule.value, False
        if self.spec.default is not None:
            return self.spec.default, True
        return text, False


@dataclass(frozen=True)
class CompiledField:
    name: str
    key: str
    evaluate: Evaluate
    mapper: ValueMapper | None = None


@dataclass(frozen=True)
class _Context:
    """What a spec is compiled against: the source's header and the output columns that are
    computed before templates and hashes (all the others)."""

    header: tuple[str, ...]
    file: str
    computed: Sequence[str]

    def index(self, column: str, key: str) -> int:
        try:
            return self.header.index(column)
        except ValueError:
            raise ImporterError(
                f"no column {column!r} in the header",
                key=key,
                file=self.file,
                row=1,
                hint=f"Names match exactly; the header has: {', '.join(self.header)}.",
            ) from None

    def reference(self, name: str, key: str) -> Callable[[RowState], str]:
        """A name in a template or hash: an output column, a source column, or ``row``."""
        if name in self.computed:
            return lambda state: state.out.get(name) or ""
        if name in self.header:
            i = self.header.index(name)
            return lambda state: cell_text(state.cells[i])
        if name == "row":
            return lambda state: str(state.row)
        raise ImporterError(
            f"{name!r} is neither an output column nor a source column",
            key=key,
            file=self.file,
            hint="Use an output column (not another template or hash), a header name, or {row}.",
        )


# The kinds of column spec, each its model and then its compiler. A compiler turns one output
# column's spec into a CompiledField for one source: (output column, spec, source, mapping key).


class CopyField(FieldModel):
    column: str
    map: ValueMap | None = None


def _copy(name: str, spec: CopyField, ctx: _Context, key: str) -> CompiledField:
    i = ctx.index(spec.column, key)
    if spec.map is None:
        return CompiledField(name, key, lambda state: _text_or_none(state.cells[i]))
    mapper = ValueMapper(spec.map)

    def mapped(state: RowState) -> str | None:
        text = _text_or_none(state.cells[i])
        return None if text is None else mapper(text)

    return CompiledField(name, key, mapped, mapper)


def _text_or_none(cell: Cell) -> str | None:
    return None if cell is None else cell_text(cell)


def _constant_text(value: object) -> object:
    """YAML gives booleans and numbers for unquoted constants; the package stores text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return value


class ConstantField(FieldModel):
    value: Annotated[str, BeforeValidator(_constant_text)]


def _constant(name: str, spec: ConstantField, ctx: _Context, key: str) -> CompiledField:
    text = spec.value
    return CompiledField(name, key, lambda state: text)


class TemplateField(FieldModel):
    template: str = Field(min_length=1)


def _template(name: str, spec: TemplateField, ctx: _Context, key: str) -> CompiledField:
    literals = _PLACEHOLDER.split(spec.template)  # literal, name, literal, name, ..., literal
    refs = [ctx.reference(n, f"{key}.template") for n in literals[1::2]]
    texts = literals[0::2]

    def render(state: RowState) -> str:
        parts = [texts[0]]
        for ref, text in zip(refs, texts[1:], strict=True):
            parts.append(ref(state))
            parts.append(text)
        return "".join(parts)

    return CompiledField(name, key, render)


class HashField(FieldModel):
    hash: list[str] = Field(min_length=1)
    prefix: str = ""


def _hash(name: str, spec: HashField, ctx: _Context, key: str) -> CompiledField:
    refs = [ctx.reference(n, f"{key}.hash[{i}]") for i, n in enumerate(spec.hash)]
    prefix = spec.prefix

    def digest(state: RowState) -> str:
        joined = "\x1f".join(ref(state) for ref in refs)
        return prefix + hashlib.sha256(joined.encode()).hexdigest()[:16]

    return CompiledField(name, key, digest)


def _finish(
    name: str, moment: datetime, state: RowState, round_: str | None, next_day_if_before: str | None
) -> str:
    """Apply rounding and the overnight rule, remember the moment for later columns, format it."""
    if round_ == "second":
        moment = round_to_second(moment)
    if next_day_if_before is not None:
        base = state.moments.get(next_day_if_before)
        if base is not None and is_before(moment, base):
            moment += timedelta(days=1)
    state.moments[name] = moment
    return moment.isoformat()


def _unparsed(name: str, text: str, expected: str, state: RowState) -> str:
    state.unparsed.append((name, text, expected))
    return text


class TimestampField(FieldModel):
    datetime: str
    format: str | None = None
    round: Literal["second"] | None = None
    next_day_if_before: str | None = None


def _timestamp(name: str, spec: TimestampField, ctx: _Context, key: str) -> CompiledField:
    i = ctx.index(spec.datetime, f"{key}.datetime")
    expected = f"a date and time like {spec.format}" if spec.format else "an ISO 8601 date and time"

    def evaluate(state: RowState) -> str | None:
        cell = state.cells[i]
        if cell is None:
            return None
        moment = parse_datetime(cell, spec.format)
        if moment is None:
            return _unparsed(name, cell_text(cell), expected, state)
        return _finish(name, moment, state, spec.round, spec.next_day_if_before)

    return CompiledField(name, key, evaluate)


class DateTimeField(FieldModel):
    date: str
    time: str
    date_format: str | None = None
    time_format: str | None = None
    round: Literal["second"] | None = None
    next_day_if_before: str | None = None


def _date_time(name: str, spec: DateTimeField, ctx: _Context, key: str) -> CompiledField:
    d = ctx.index(spec.date, f"{key}.date")
    t = ctx.index(spec.time, f"{key}.time")
    expected = (
        f"a date like {spec.date_format or 'YYYY-MM-DD'} "
        f"and a time like {spec.time_format or 'HH:MM:SS'}"
    )

    def evaluate(state: RowState) -> str | None:
        date_cell, time_cell = state.cells[d], state.cells[t]
        if date_cell is None and time_cell is None:
            return None
        day = parse_date(date_cell, spec.date_format)
        clock = parse_time(time_cell, spec.time_format)
        if day is None or clock is None:
            raw = f"{cell_text(date_cell)} {cell_text(time_cell)}".strip()
            return _unparsed(name, raw, expected, state)
        moment = datetime.combine(day, clock)
        return _finish(name, moment, state, spec.round, spec.next_day_if_before)

    return CompiledField(name, key, evaluate)


class DateField(FieldModel):
    date: str
    date_format: str | None = None


def _date(name: str, spec: DateField, ctx: _Context, key: str) -> CompiledField:
    i = ctx.index(spec.date, f"{key}.date")
    expected = f"a date like {spec.date_format or 'YYYY-MM-DD'}"

    def evaluate(state: RowState) -> str | None:
        cell = state.cells[i]
        if cell is None:
            return None
        day = parse_date(cell, spec.date_format)
        if day is None:
            return _unparsed(name, cell_text(cell), expected, state)
        return day.isoformat()

    return CompiledField(name, key, evaluate)


class DurationField(FieldModel):
    after: str
    duration: str
    unit: Literal["seconds", "minutes", "hours"]
    missing: float | None = None


def _duration(name: str, spec: DurationField, ctx: _Context, key: str) -> CompiledField:
    i = ctx.index(spec.duration, f"{key}.duration")
    seconds_per_unit = _UNIT[spec.unit]
    expected = f"a number of {spec.unit}"

    def evaluate(state: RowState) -> str | None:
        base = state.moments.get(spec.after)
        if base is None:  # the base is empty or did not parse, and is reported itself
            return None
        cell = state.cells[i]
        amount = spec.missing if cell is None else parse_number(cell)
        if cell is not None and amount is None:
            return _unparsed(name, cell_text(cell), expected, state)
        if amount is None:
            return None
        moment = base + timedelta(seconds=amount * seconds_per_unit)
        state.moments[name] = moment
        return moment.isoformat()

    return CompiledField(name, key, evaluate)


F = TypeVar("F", bound=FieldModel)


@dataclass(frozen=True)
class FieldKind(Generic[F]):
    """One kind of column spec, as the rest of the importer sees it."""

    model: type[F]
    key: str  # a spec that has this key is of this kind (a key of the model)
    name: str  # its tag in the union is <name>; key paths in error messages leave tags out
    compiler: Callable[[str, F, _Context, str], CompiledField]
    # A spec with the keys of several kinds is of the kind with the lowest precedence: date+time
    # comes before date, whose key it also has; for other mixtures the order picks the model that
    # reports the keys that do not belong (the distinctive keys first, a plain column last).
    precedence: int
    # How the error for a spec of no kind lists it (in FIELD_KINDS order); None: another kind's
    # text names it.
    listed_as: str | None
    timestamp: bool = False  # yields a timestamp that a later column may name
    derived_id: bool = False  # makes an id of other values: computed last, must be unique
    timestamp_refs: tuple[str, ...] = ()  # its keys naming an earlier timestamp column of the row

    @property
    def tag(self) -> str:
        return f"<{self.name}>"


# Every kind of column spec, in the order docs/import.md describes them. To add a kind: write its
# model and compiler above, add its entry here, and document it in docs/import.md, "Column specs".
FIELD_KINDS = (
    FieldKind(
        CopyField, key="column", name="copy", compiler=_copy, precedence=8, listed_as="column"
    ),
    FieldKind(
        ConstantField,
        key="value",
        name="constant",
        compiler=_constant,
        precedence=1,
        listed_as="value",
    ),
    FieldKind(
        TemplateField,
        key="template",
        name="template",
        compiler=_template,
        precedence=2,
        listed_as="template",
        derived_id=True,
    ),
    FieldKind(
        HashField,
        key="hash",
        name="hash",
        compiler=_hash,
        precedence=3,
        listed_as="hash",
        derived_id=True,
    ),
    FieldKind(
        TimestampField,
        key="datetime",
        name="timestamp",
        compiler=_timestamp,
        precedence=5,
        listed_as="datetime",
        timestamp=True,
        timestamp_refs=("next_day_if_before",),
    ),
    FieldKind(
        DateTimeField,
        key="time",
        name="date+time",
        compiler=_date_time,
        precedence=6,
        listed_as=None,  # listed with date
        timestamp=True,
        timestamp_refs=("next_day_if_before",),
    ),
    FieldKind(
        DateField,
        key="date",
        name="date",
        compiler=_date,
        precedence=7,
        listed_as="date (with time)",
    ),
    FieldKind(
        DurationField,
        key="duration",
        name="duration",
        compiler=_duration,
        precedence=4,
        listed_as="duration",
        timestamp=True,
        timestamp_refs=("after",),
    ),
)

_RECOGNITION_ORDER: list[FieldKind[Any]] = sorted(FIELD_KINDS, key=lambda kind: kind.precedence)
_KIND_OF_MODEL: dict[type[FieldModel], FieldKind[Any]] = {k.model: k for k in FIELD_KINDS}

TIMESTAMP_FIELDS: tuple[type[FieldModel], ...] = tuple(k.model for k in FIELD_KINDS if k.timestamp)
DERIVED_ID_FIELDS: tuple[type[FieldModel], ...] = tuple(
    k.model for k in FIELD_KINDS if k.derived_id
)
_UNRECOGNISED = "expected a source column name, or a mapping with one of the keys " + ", ".join(
    k.listed_as for k in FIELD_KINDS if k.listed_as is not None
)


def kind_of(spec: F) -> FieldKind[F]:
    """The kind of a validated column spec."""
    return _KIND_OF_MODEL[type(spec)]


def _field_tag(spec: Any) -> str | None:
    """Pick the field kind by the key that only that kind has, so errors point into one model."""
    for kind in _RECOGNITION_ORDER:
        if isinstance(spec, kind.model) or (isinstance(spec, dict) and kind.key in spec):
            return kind.tag
    return None


def _column_shorthand(spec: Any) -> Any:
    return {"column": spec} if isinstance(spec, str) else spec


class _OneOfTheKinds:
    """Validates a column spec as the union of the kinds' models, told apart by ``_field_tag``."""

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        members = (Annotated[kind.model, Tag(kind.tag)] for kind in _RECOGNITION_ORDER)
        union: Any = Annotated[
            reduce(operator.or_, members),
            Discriminator(
                _field_tag, custom_error_type="field_spec", custom_error_message=_UNRECOGNISED
            ),
        ]
        return handler.generate_schema(union)


# A column spec: a source column name (the copy shorthand) or a mapping of one kind's keys.
FieldSpec = Annotated[FieldModel, _OneOfTheKinds(), BeforeValidator(_column_shorthand)]


def compile_field(
    name: str,
    spec: FieldSpec,
    header: tuple[str, ...],
    file: str,
    key: str,
    computed: Sequence[str],
) -> CompiledField:
    """Compile one output column's spec for a source with this header."""
    return kind_of(spec).compiler(name, spec, _Context(header, file, computed), key)
