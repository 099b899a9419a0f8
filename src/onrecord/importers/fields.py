"""Compiling one column spec of a mapping into a function from a source row to an output value.

Compilation resolves column names against the file's header once, so a wrong name fails before any
row is read, and the per-row work is a few list look-ups. A value that does not parse is written
through as its raw text and recorded in ``RowState.unparsed``: the package keeps every row and
``onrecord check`` reports that one as a row error.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from onrecord.importers.errors import ImporterError
from onrecord.importers.mapping import (
    ConstantField,
    CopyField,
    DateField,
    DateTimeField,
    DurationField,
    FieldSpec,
    HashField,
    TemplateField,
    TimestampField,
    ValueMap,
)
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


def compile_field(
    name: str,
    spec: FieldSpec,
    header: tuple[str, ...],
    file: str,
    key: str,
    computed: Sequence[str],
) -> CompiledField:
    """Compile one output column's spec for a source with this header."""
    ctx = _Context(header, file, computed)
    if isinstance(spec, CopyField):
        return _copy(name, spec, ctx, key)
    if isinstance(spec, ConstantField):
        text = spec.value
        return CompiledField(name, key, lambda state: text)
    if isinstance(spec, TemplateField):
        return CompiledField(name, key, _template(spec.template, ctx, f"{key}.template"))
    if isinstance(spec, HashField):
        return CompiledField(name, key, _hash(spec, ctx, key))
    if isinstance(spec, TimestampField):
        return CompiledField(name, key, _timestamp(name, spec, ctx, key))
    if isinstance(spec, DateTimeField):
        return CompiledField(name, key, _date_time(name, spec, ctx, key))
    if isinstance(spec, DateField):
        return CompiledField(name, key, _date(name, spec, ctx, key))
    return CompiledField(name, key, _duration(name, spec, ctx, key))


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


def _template(template: str, ctx: _Context, key: str) -> Evaluate:
    literals = _PLACEHOLDER.split(template)  # literal, name, literal, name, ..., literal
    refs = [ctx.reference(n, key) for n in literals[1::2]]
    texts = literals[0::2]

    def render(state: RowState) -> str:
        parts = [texts[0]]
        for ref, text in zip(refs, texts[1:], strict=True):
            parts.append(ref(state))
            parts.append(text)
        return "".join(parts)

    return render


def _hash(spec: HashField, ctx: _Context, key: str) -> Evaluate:
    refs = [ctx.reference(n, f"{key}.hash[{i}]") for i, n in enumerate(spec.hash)]
    prefix = spec.prefix

    def digest(state: RowState) -> str:
        joined = "\x1f".join(ref(state) for ref in refs)
        return prefix + hashlib.sha256(joined.encode()).hexdigest()[:16]

    return digest


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


def _timestamp(name: str, spec: TimestampField, ctx: _Context, key: str) -> Evaluate:
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

    return evaluate


def _date_time(name: str, spec: DateTimeField, ctx: _Context, key: str) -> Evaluate:
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

    return evaluate


def _date(name: str, spec: DateField, ctx: _Context, key: str) -> Evaluate:
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

    return evaluate


def _duration(name: str, spec: DurationField, ctx: _Context, key: str) -> Evaluate:
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

    return evaluate
