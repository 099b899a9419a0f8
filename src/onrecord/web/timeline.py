"""The encounter timeline: an inline SVG of the officer's shift, the encounter window and every
recording with its stop reason, drawn twice: over the whole shift, then close up on the
encounter, where seconds decide the outcome.

It uses the audit report's SVG helpers (one style of chart across report and console).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from markupsafe import Markup

from onrecord.policy import PolicyRules
from onrecord.presentation import charts
from onrecord.presentation.charts import BLUE, GRID, INK, ORANGE, VERMILLION, num, svg, text
from onrecord.web.results import EncounterDetail

LABEL_W = 110.0
RIGHT = 20.0
LANE_H = 18.0
LANE_GAP = 8.0
AXIS_H = 30.0
TITLE_H = 24.0
GREY = "#999999"
TICK_STEPS = (10, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800)  # seconds


@dataclass(frozen=True)
class Span:
    start: datetime
    end: datetime
    fill: str
    note: str = ""


def _tick_step(seconds: float) -> int:
    """About six ticks across, at a round step."""
    return next((s for s in TICK_STEPS if seconds / s <= 7), TICK_STEPS[-1])


def _lanes(spans: list[Span]) -> list[list[Span]]:
    """Overlapping spans on separate lanes, so that none hides another."""
    lanes: list[list[Span]] = []
    for sp in sorted(spans, key=lambda s: s.start):
        lane = next((ln for ln in lanes if ln[-1].end <= sp.start), None)
        if lane is None:
            lanes.append([sp])
        else:
            lane.append(sp)
    return lanes or [[]]


def _panel(
    y0: float, title: str, lo: datetime, hi: datetime, rows: list[tuple[str, list[Span]]]
) -> tuple[list[str], float]:
    """One time axis from ``lo`` to ``hi`` with a row of spans per label; returns the SVG parts
    and the height used."""
    plot_w = charts.WIDTH - LABEL_W - RIGHT
    total = max((hi - lo).total_seconds(), 1.0)

    def x(t: datetime) -> float:
        return LABEL_W + plot_w * min(max((t - lo).total_seconds(), 0.0), total) / total

    out = [text(0, y0 + 10, title, cls="label")]
    y = y0 + TITLE_H
    for label, spans in rows:
        lanes = _lanes(spans)
        out.append(text(LABEL_W - 8, y + LANE_H / 2, label, "end", "label"))
        for lane in lanes:
            for sp in lane:
                w = max(x(sp.end) - x(sp.start), 2.0)
                out.append(
                    f'<rect x="{num(x(sp.start))}" y="{num(y)}" width="{num(w)}" '
                    f'height="{num(LANE_H)}" fill="{sp.fill}" stroke="{INK}" stroke-width=".5"/>'
                )
                if sp.note:
                    # after the span if the note fits there, else before it (clear of the
                    # row labels), else over the span itself
                    room = len(sp.note) * charts.CHAR_W
                    after, before = x(sp.end) + 4, x(sp.start) - 4
                    if after + room <= charts.WIDTH:
                        nx, anchor = after, "start"
                    elif before - room >= LABEL_W:
                        nx, anchor = before, "end"
                    else:
                        nx, anchor = x(sp.start) + 4, "start"
                    out.append(text(nx, y + LANE_H / 2, sp.note, anchor, "value"))
            y += LANE_H + 4
        y += LANE_GAP
    step = _tick_step(total)
    first = lo.replace(second=0, microsecond=0)
    t = first
    while t <= hi:
        if t >= lo:
            out.append(
                f'<line x1="{num(x(t))}" y1="{num(y0 + TITLE_H - 4)}" x2="{num(x(t))}" '
                f'y2="{num(y)}" stroke="{GRID}"/>'
            )
            out.append(
                text(
                    x(t), y + 10, t.strftime("%H:%M:%S" if step < 60 else "%H:%M"), "middle", "tick"
                )
            )
        t += timedelta(seconds=step)
    out.append(
        f'<line x1="{num(LABEL_W)}" y1="{num(y)}" x2="{num(LABEL_W + plot_w)}" y2="{num(y)}" '
        f'stroke="{INK}"/>'
    )
    return out, y + AXIS_H - y0


def _recording_spans(d: EncounterDetail, notes: bool) -> list[Span]:
    return [
        Span(r.start, r.end, BLUE, f"stop: {r.stop_reason or 'not given'}" if notes else "")
        for r in d.recordings
    ]


def timeline(d: EncounterDetail, rules: PolicyRules) -> Markup:
    """The two panels for one encounter; the policy's graces are drawn as the allowed slack
    (orange)."""
    start_grace_s = rules.recording_required.start_grace_s
    end_grace_s = rules.recording_required.end_grace_s
    e = d.encounter
    a, b = e["start"], e["end"]
    rows_shift: list[tuple[str, list[Span]]] = []
    if d.shift is not None:
        s = d.shift
        rows_shift.append((f"Shift ({s['kind']})", [Span(s["start"], s["end"], GREY)]))
    rows_shift.append(("Encounter", [Span(a, b, VERMILLION)]))
    rows_shift.append(("Recordings", _recording_spans(d, notes=False)))
    lo, hi = d.window
    title = "Whole shift" if d.shift is not None else "No shift: an hour either side"
    part1, h1 = _panel(0, title, lo, hi, rows_shift)

    pad = max(timedelta(seconds=60), (b - a) / 4)
    zlo, zhi = a - pad, b + pad
    graces = [
        Span(a, a + timedelta(seconds=start_grace_s), ORANGE),
        Span(b - timedelta(seconds=end_grace_s), b, ORANGE),
    ]
    rows_zoom = [
        ("Encounter", [Span(a, b, VERMILLION, f"{a:%H:%M:%S} to {b:%H:%M:%S}")]),
        ("Grace", [g for g in graces if g.end > g.start]),
        (
            "Recordings",
            [r for r in _recording_spans(d, notes=True) if r.end > zlo and r.start < zhi],
        ),
    ]
    part2, h2 = _panel(h1 + 10, "Close up on the encounter", zlo, zhi, rows_zoom)
    listing = "; ".join(
        f"recording {r.recording_id} {r.start:%H:%M:%S} to {r.end:%H:%M:%S}, stop reason "
        f"{r.stop_reason or 'not given'}"
        for r in d.recordings
    )
    desc = (
        f"Encounter {e['encounter_id']} from {a:%Y-%m-%d %H:%M:%S} to {b:%H:%M:%S}, outcome "
        f"{e['outcome']}. " + (listing or "No recording by this officer in the window.")
    )
    return svg(
        f"timeline-{e['encounter_id']}",
        f"Timeline of encounter {e['encounter_id']}",
        desc,
        h1 + 10 + h2,
        part1 + part2,
    )
