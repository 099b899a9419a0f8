"""Whether an item may be disposed of now, and why: the pure decision a disposition run and its
dry run share (vault contract, "Retention and holds").

The schedule gives a last day to keep the item: the longest of the default and every rule its
categories match. An item past that day is **due**; it is **eligible** only when it is due, no
legal hold in force covers it (on the item or on a case it names) and none of its cases is open.
No database and no clock here: the caller says what holds exist, which cases are open and what
time it is, so a dry run and the run that follows it decide alike.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from onrecord.vault.retention.period import first_instant_after, local_date
from onrecord.vault.retention.schedule import Rule, Schedule, category_key


@dataclass(frozen=True)
class ItemFacts:
    """What retention needs to know of an item: when its footage ended (aware), its
    categories and the case or incident ids it names."""

    item_id: str
    end: datetime
    categories: tuple[str, ...] = ()
    case_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class Hold:
    """A legal hold on one item or on every item that names one case.

    A hold is in force until the instant it is released; one never released is in force
    whenever it was placed (a hold recorded with a clock ahead of the caller's still protects).
    """

    hold_id: str
    placed_by: str
    placed_at: datetime
    reason: str
    item_id: str | None = None
    case_id: str | None = None
    released_at: datetime | None = None

    def __post_init__(self) -> None:
        if (self.item_id is None) == (self.case_id is None):
            raise ValueError(f"hold {self.hold_id}: give either an item id or a case id")

    def in_force(self, now: datetime) -> bool:
        return self.released_at is None or now < self.released_at

    def covers(self, item: ItemFacts) -> bool:
        if self.item_id is not None:
            return self.item_id == item.item_id
        return self.case_id in item.case_ids


@dataclass(frozen=True)
class Decision:
    """What the schedule, the holds and the cases say of one item at ``now``.

    ``retain_until`` is the last day (in the schedule's zone) the schedule keeps the item and
    ``due_from`` the first instant after it, in UTC; both are None while it is kept
    indefinitely. ``basis`` names what set the day. ``holds`` are the holds in force that cover
    the item, ``open_cases`` its cases that are open. ``reasons`` says all of it in words.
    """

    item_id: str
    retain_until: date | None
    due_from: datetime | None
    basis: str
    due: bool
    holds: tuple[Hold, ...]
    open_cases: tuple[str, ...]
    eligible: bool
    reasons: tuple[str, ...]


def decide(
    item: ItemFacts,
    schedule: Schedule,
    holds: Iterable[Hold],
    open_cases: Collection[str],
    now: datetime,
) -> Decision:
    """The decision for one item. ``holds`` may be every hold the vault has (those that do not
    cover the item, or were released by ``now``, are passed over); ``open_cases`` every open case
    id, or just the item's."""
    _aware(now, "now")
    zone = schedule.zone
    ended = local_date(item.end, zone)
    keys = {category_key(c) for c in item.categories}
    matched = [r for r in schedule.rules if r.keys() & keys]
    until, basis = _longest(schedule, matched, ended)
    in_force = tuple(h for h in holds if h.in_force(now) and h.covers(item))
    case_ids = tuple(dict.fromkeys(item.case_ids))
    opened = tuple(c for c in case_ids if c in open_cases)

    reasons: list[str] = []
    waiting = [r for r in matched if r.until_proceedings_end]
    proceedings_pending = bool(waiting) and (not case_ids or bool(opened))
    if proceedings_pending:
        until, basis = None, _rule_basis(waiting[0])
        reasons.append(
            f"kept until proceedings end by {basis}: "
            + (
                "a case it names is open"
                if opened
                else "it names no case; link the case whose end will release it"
            )
        )
    elif waiting:
        reasons.append(f"proceedings have ended: none of its cases ({', '.join(case_ids)}) is open")
    due_from = None if until is None else first_instant_after(until, zone)
    due = due_from is not None and now >= due_from
    if until is not None:
        state = "past its retention: kept until" if due else "kept until"
        reasons.append(f"{state} {until.isoformat()} ({schedule.time_zone}) by {basis}")
    elif not proceedings_pending:
        reasons.append(f"kept indefinitely by {basis}")
    named = _all_keys(matched)
    unmatched = sorted({c for c in item.categories if category_key(c) not in named})
    if unmatched:
        reasons.append(f"no rule names the categories {', '.join(unmatched)}")
    reasons.extend(
        f"under hold {h.hold_id} placed by {h.placed_by} on {_utc(h.placed_at)}: {h.reason}"
        for h in in_force
    )
    reasons.extend(f"case {c} is open" for c in opened)
    eligible = due and not in_force and not opened
    reasons.append("eligible for disposition" if eligible else "not eligible")
    return Decision(
        item_id=item.item_id,
        retain_until=until,
        due_from=due_from,
        basis=basis,
        due=due,
        holds=in_force,
        open_cases=opened,
        eligible=eligible,
        reasons=tuple(reasons),
    )


def _longest(schedule: Schedule, matched: list[Rule], ended: date) -> tuple[date | None, str]:
    """The latest last day among the default and the matched rules' periods (None: kept
    indefinitely), and what set it: on a tie the first rule in the file's order, then the
    default, so the reason names the most specific rule."""
    candidates = [
        (rule.period.last_day(ended), i, _rule_basis(rule))
        for i, rule in enumerate(matched)
        if rule.period is not None
    ]
    candidates.append(
        (schedule.default.period.last_day(ended), len(matched), _default_basis(schedule))
    )
    day, _, basis = max(candidates, key=lambda c: (c[0] is None, c[0] or date.min, -c[1]))
    return day, basis


def _all_keys(rules: Iterable[Rule]) -> frozenset[str]:
    return frozenset().union(*(r.keys() for r in rules))


def plan_disposition(
    items: Iterable[ItemFacts],
    schedule: Schedule,
    holds: Sequence[Hold],
    open_cases: Collection[str],
    now: datetime,
) -> list[Decision]:
    """Every item's decision, in the order given: a dry run lists them, a disposition run
    deletes the bytes of those ``eligible``."""
    by_item: dict[str, list[Hold]] = {}
    by_case: dict[str, list[Hold]] = {}
    for h in holds:
        if h.item_id is not None:
            by_item.setdefault(h.item_id, []).append(h)
        elif h.case_id is not None:
            by_case.setdefault(h.case_id, []).append(h)
    open_set = frozenset(open_cases)
    return [
        decide(
            item,
            schedule,
            by_item.get(item.item_id, [])
            + [h for c in dict.fromkeys(item.case_ids) for h in by_case.get(c, [])],
            open_set,
            now,
        )
        for item in items
    ]


def _default_basis(schedule: Schedule) -> str:
    return f"the default period, {schedule.default.period} ({schedule.default.citation})"


def _rule_basis(rule: Rule) -> str:
    return f"the rule for {', '.join(rule.categories)}, {rule.describe()} ({rule.citation})"


def _aware(instant: datetime, name: str) -> None:
    if instant.tzinfo is None:
        raise ValueError(f"{name} ({instant.isoformat()}) has no time zone; give an aware instant")


def _utc(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
