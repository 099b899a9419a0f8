"""A small, obviously correct reading of the audit methodology, for the tests only.

It follows ``docs/contracts/audit.md`` sentence by sentence on plain Python lists, with times as
integer microseconds. It is slow on purpose: no indexes, no cleverness. The property tests
require the DuckDB engine to agree with it on every row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from itertools import pairwise

US = 1_000_000
Interval = tuple[int, int]


def union(intervals: list[Interval]) -> list[Interval]:
    """Disjoint, sorted, merged; touching intervals merge, empty ones vanish."""
    out: list[list[int]] = []
    for s, e in sorted(i for i in intervals if i[1] > i[0]):
        if out and s <= out[-1][1]:
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([s, e])
    return [(s, e) for s, e in out]


def measure(u: list[Interval], a: int, b: int) -> int:
    return sum(max(0, min(e, b) - max(s, a)) for s, e in u)


@dataclass
class Rules:
    """The policy values the reference needs, read from the policy object."""

    shift_kinds: list[str] | str
    uniformed_only: bool
    units: list[str] | str
    trained_only: bool
    encounter_types: list[str] | str
    outside_required_shifts: bool
    start_grace: int
    end_grace: int
    max_gap: int
    whole_shift: bool
    min_shift_recorded_ratio: float
    allowed: list[str]
    min_possession_ratio: float
    max_possession: int

    @classmethod
    def of(cls, p) -> Rules:  # type: ignore[no-untyped-def]
        c, r, d, q = p.camera_required, p.recording_required, p.deactivation, p.equipment
        return cls(
            c.shift_kinds, c.uniformed_only, c.units, c.trained_only, r.encounter_types,
            r.outside_required_shifts, round(r.start_grace_s * US), round(r.end_grace_s * US),
            round(r.max_gap_s * US), r.whole_shift, r.min_shift_recorded_ratio,
            list(d.allowed_reasons), q.min_possession_ratio,
            round(q.max_possession_hours * 3600 * US),
        )  # fmt: skip


def _has(words: list[str] | str, w: str | None) -> bool:
    return words == "all" or (w is not None and w in words)


def possession(officer: str, recs: list[dict], events: list[dict], cams: dict) -> list[Interval]:
    """P(o): o's recordings plus device-event possessions (see the spec's Possession)."""
    out = [(r["s"], r["e"]) for r in recs if r["officer_id"] == officer]
    by_camera: dict[str, list[dict]] = {}
    for ev in events:
        if ev["event"] in ("checkout", "checkin", "undock", "dock"):
            by_camera.setdefault(ev["camera_id"], []).append(ev)
    for cam, evs in by_camera.items():
        evs.sort(key=lambda ev: (ev["at"], ev["_line"]))
        for i, ev in enumerate(evs):
            who = None
            if ev["event"] == "checkout":
                who = ev["officer_id"]
            elif ev["event"] == "undock":
                who = ev["officer_id"] or cams.get(cam)
            if who != officer:
                continue
            end = ev["at"] + ev["limit"]
            if i + 1 < len(evs):
                end = min(end, evs[i + 1]["at"])
            out.append((ev["at"], end))
    return out


def audit(
    shifts: list[dict],
    encounters: list[dict],
    recordings: list[dict],
    officers: dict[str, dict],
    events: list[dict],
    cams: dict[str, str | None],
    rules: Rules,
    local_date,  # type: ignore[no-untyped-def]
) -> tuple[dict[str, dict], dict[str, dict]]:
    """Shift and encounter results keyed by id. ``local_date(us) -> date`` in the zone."""
    for ev in events:
        ev["limit"] = rules.max_possession
    R = {o: union([(r["s"], r["e"]) for r in recordings if r["officer_id"] == o])
         for o in {r["officer_id"] for r in recordings}}  # fmt: skip
    shift_out: dict[str, dict] = {}
    for sh in shifts:
        o, a, b = sh["officer_id"], sh["s"], sh["e"]
        off = officers.get(o, {})
        unit = sh["unit"] if sh["unit"] is not None else off.get("unit")
        eligible = (
            _has(rules.shift_kinds, sh["kind"])
            and (not rules.uniformed_only or sh["uniformed"])
            and _has(rules.units, unit)
        )
        trained_on: date | None = off.get("trained_on")
        trained = not rules.trained_only or (trained_on is not None and trained_on <= local_date(a))
        required = eligible and trained
        rec = measure(R.get(o, []), a, b) / (b - a)
        pos = measure(union(possession(o, recordings, events, cams)), a, b) / (b - a)
        if eligible and not trained:
            equipment = "untrained"
        elif not required:
            equipment = "not_required"
        else:
            equipment = "equipped" if pos >= rules.min_possession_ratio else "unequipped"
        row = {"required": required, "recorded_ratio": rec, "possession_ratio": pos,
               "equipment": equipment}  # fmt: skip
        if rules.whole_shift:
            row["recording"] = (
                "not_required" if not required
                else "recorded" if rec >= rules.min_shift_recorded_ratio else "under_recorded"
            )  # fmt: skip
        shift_out[sh["shift_id"]] = row

    enc_out: dict[str, dict] = {}
    for en in encounters:
        o, a, b = en["officer_id"], en["s"], en["e"]
        ctx = _context(o, a, b, shifts)
        ctx_required = ctx is not None and shift_out[ctx["shift_id"]]["required"]
        required = _has(rules.encounter_types, en["type"]) and (
            ctx_required or rules.outside_required_shifts or ctx is None
        )
        enc_out[en["encounter_id"]] = {
            "shift_id": ctx["shift_id"] if ctx else None,
            "shift_kind": ctx["kind"] if ctx else "unscheduled",
            "required": required,
            **_coverage(o, a, b, R.get(o, []), recordings, rules, required),
        }
    return shift_out, enc_out


def _context(o: str, a: int, b: int, shifts: list[dict]) -> dict | None:
    best, best_key = None, None
    for sh in shifts:
        if sh["officer_id"] != o:
            continue
        if a == b:
            if not sh["s"] <= a < sh["e"]:
                continue
            ov = 0
        else:
            ov = min(b, sh["e"]) - max(a, sh["s"])
            if ov <= 0:
                continue
        key = (-ov, sh["s"], sh["shift_id"])
        if best_key is None or key < best_key:
            best, best_key = sh, key
    return best


def _allowed_end(o: str, t: int, recordings: list[dict], allowed: list[str]) -> bool:
    return any(
        r["officer_id"] == o and r["e"] == t and r["stop_reason"] in allowed for r in recordings
    )


def _coverage(
    o: str, a: int, b: int, u: list[Interval], recordings: list[dict], rules: Rules,
    required: bool,
) -> dict:  # fmt: skip
    if a == b:
        covered = any(s <= a < e for s, e in u)
        flags = {"late_start": False, "early_stop": False, "unexcused_gap": False,
                 "excused": False}  # fmt: skip
        ratio = 1.0 if covered else 0.0
        outcome = "not_required" if not required else ("compliant" if covered else "no_video")
        return {"coverage_ratio": ratio, "outcome": outcome, **flags}
    pieces = [(max(s, a), min(e, b)) for s, e in u if s < b and e > a]
    ratio = sum(e - s for s, e in pieces) / (b - a)
    if not pieces:
        flags = {"late_start": False, "early_stop": False, "unexcused_gap": False,
                 "excused": False}  # fmt: skip
        return {"coverage_ratio": 0.0, "outcome": "not_required" if not required else "no_video",
                **flags}  # fmt: skip
    first, last = pieces[0][0], pieces[-1][1]
    late = first > a + rules.start_grace
    stopped_early = last < b - rules.end_grace
    stop_ok = stopped_early and _allowed_end(o, last, recordings, rules.allowed)
    unexcused_gap = excused_gap = False
    for (_, e1), (s2, _) in pairwise(pieces):
        if s2 - e1 > rules.max_gap:
            if _allowed_end(o, e1, recordings, rules.allowed):
                excused_gap = True
            else:
                unexcused_gap = True
    early = stopped_early and not stop_ok
    excused = stop_ok or excused_gap
    if not required:
        outcome = "not_required"
    elif late:
        outcome = "late_start"
    elif early:
        outcome = "early_stop"
    elif unexcused_gap:
        outcome = "gap"
    elif excused:
        outcome = "excused"
    else:
        outcome = "compliant"
    return {"coverage_ratio": ratio, "outcome": outcome, "late_start": late, "early_stop": early,
            "unexcused_gap": unexcused_gap, "excused": excused}  # fmt: skip
