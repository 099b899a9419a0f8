"""Charts as inline SVG, drawn by small pure functions.

The report must open offline and print identically anywhere, so charts are plain SVG markup
written here rather than a plotting library's output: every bar is labelled with its value, every
chart carries an accessible ``<title>`` and ``<desc>`` listing the data, and the two series styles
(solid blue, hatched orange; Okabe-Ito colours) stay distinct for colour-blind readers and in
greyscale print. Coordinates live in a fixed ``viewBox`` so a chart scales to the page width.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from onrecord.presentation.cells import percent

WIDTH = 720
FONT = 12
CHAR_W = 6.6  # average advance of a 12px sans-serif character, for laying out labels
ROW_H = 20
PAIR_H = 15  # each bar of a group: a pair of bars takes little more room than one
BAR_GAP = 2
GROUP_GAP = 10
VALUE_W = 150
AXIS_H = 44
LEGEND_H = 26

BLUE, ORANGE, VERMILLION, INK, GRID = "#0072B2", "#E69F00", "#D55E00", "#222222", "#CCCCCC"
LINE_STYLES = ((BLUE, "", "circle"), (VERMILLION, "6 4", "square"))


@dataclass(frozen=True)
class Bar:
    """One bar; ``value`` ``None`` draws no bar (an empty or suppressed rate), only ``text``."""

    value: float | None
    text: str
    series: int = 0


@dataclass(frozen=True)
class Row:
    label: str
    bars: tuple[Bar, ...]


@dataclass(frozen=True)
class Stack:
    """One stacked bar: its parts in series order and the text printed after it."""

    label: str
    parts: tuple[float, ...]
    text: str


@dataclass(frozen=True)
class Line:
    name: str
    values: tuple[float | None, ...]


def num(x: float) -> str:
    return f"{x:.1f}".removesuffix(".0")


def _fill(cid: str, series: int) -> str:
    return BLUE if series == 0 else f"url(#{cid}-hatch)"


def _defs(cid: str) -> str:
    """The hatch that tells the second series apart without colour."""
    return (
        f'<defs><pattern id="{cid}-hatch" patternUnits="userSpaceOnUse" width="6" height="6" '
        f'patternTransform="rotate(45)"><rect width="6" height="6" fill="{ORANGE}"/>'
        f'<line x1="0" y1="0" x2="0" y2="6" stroke="{INK}" stroke-width="1.6"/></pattern></defs>'
    )


def svg(cid: str, title: str, desc: str, height: float, body: list[str]) -> Markup:
    head = (
        f'<svg class="chart" id="{cid}" role="img" '
        f'viewBox="0 0 {WIDTH} {num(height)}" aria-labelledby="{cid}-t {cid}-d" '
        f'font-family="system-ui, sans-serif" font-size="{FONT}">'
        f'<title id="{cid}-t">{escape(title)}</title><desc id="{cid}-d">{escape(desc)}</desc>'
        f"{_defs(cid)}"
    )
    return Markup(head + "".join(body) + "</svg>")


def _label_width(labels: Sequence[str]) -> float:
    longest = max((len(s) for s in labels), default=0)
    return min(260.0, max(80.0, longest * CHAR_W + 16))


def text(x: float, y: float, s: str, anchor: str = "start", cls: str = "") -> str:
    extra = f' class="{cls}"' if cls else ""
    return (
        f'<text x="{num(x)}" y="{num(y)}" text-anchor="{anchor}" dominant-baseline="middle"'
        f' fill="{INK}"{extra}>{escape(s)}</text>'
    )


def _legend(cid: str, names: Sequence[str], y: float, x0: float) -> list[str]:
    out, x = [], x0
    for i, name in enumerate(names):
        out.append(
            f'<rect x="{num(x)}" y="{num(y - 7)}" width="14" height="14" fill="{_fill(cid, i)}"'
            f' stroke="{INK}" stroke-width=".5"/>'
        )
        out.append(text(x + 20, y, name))
        x += 40 + len(name) * CHAR_W
    return out


@dataclass(frozen=True)
class Scale:
    """An axis from 0 to ``maximum`` with a tick every ``step``."""

    maximum: float
    step: float
    as_percent: bool

    def ticks(self) -> list[tuple[float, str]]:
        n = round(self.maximum / self.step)
        values = [self.step * i for i in range(n + 1)]
        if self.as_percent:
            return [(v, f"{v * 100:.0f}%") for v in values]
        return [(v, f"{v:,.0f}") for v in values]


PERCENT = Scale(1.0, 0.25, as_percent=True)


def count_scale(value: float) -> Scale:
    """Round ticks (1, 2, 2.5 or 5 times a power of ten, at least 1), about four of them,
    reaching ``value``; a scale from 0 to 1 when there is nothing to draw."""
    if value <= 0:
        return Scale(1.0, 0.25, as_percent=False)
    rough = max(value / 4, 1.0)  # counts and hours: no fractional ticks
    power = 10 ** math.floor(math.log10(rough))
    steps = (1, 2, 2.5, 5, 10) if power >= 10 else (1, 2, 5, 10)  # whole-number ticks
    step = next(m * power for m in steps if m * power >= rough)
    return Scale(step * math.ceil(value / step), step, as_percent=False)


def _x_axis(
    x0: float, width: float, y_top: float, y_axis: float, scale: Scale, axis: str
) -> list[str]:
    out = []
    for v, tick in scale.ticks():
        x = x0 + width * v / scale.maximum
        out.append(
            f'<line x1="{num(x)}" y1="{num(y_top)}" x2="{num(x)}" y2="{num(y_axis)}"'
            f' stroke="{GRID}"/>'
        )
        out.append(text(x, y_axis + 10, tick, "middle", "tick"))
    out.append(
        f'<line x1="{num(x0)}" y1="{num(y_axis)}" x2="{num(x0 + width)}" y2="{num(y_axis)}"'
        f' stroke="{INK}"/>'
    )
    out.append(text(x0 + width / 2, y_axis + 30, axis, "middle", "axis"))
    return out


def _listing(pairs: Sequence[tuple[str, str]]) -> str:
    return "; ".join(f"{k}: {v}" for k, v in pairs) + "."


def bar_chart(
    cid: str,
    title: str,
    summary: str,
    rows: Sequence[Row],
    *,
    axis: str,
    series: Sequence[str] = (),
    as_percent: bool = True,
) -> Markup:
    """Horizontal bars, one or more per row (grouped by ``Bar.series``), values printed at the
    bar ends. Percentages run from 0 to 100% so that charts compare; counts to a round tick."""
    label_w = _label_width([r.label for r in rows])
    plot_w = WIDTH - label_w - VALUE_W
    top = LEGEND_H if len(series) > 1 else 8
    values = [b.value for r in rows for b in r.bars if b.value is not None]
    scale = PERCENT if as_percent else count_scale(max(values, default=0.0))
    body: list[str] = []
    y = top
    for row in rows:
        bar_h = ROW_H if len(row.bars) == 1 else PAIR_H
        group_h = len(row.bars) * (bar_h + BAR_GAP) - BAR_GAP
        body.append(text(label_w - 8, y + group_h / 2, row.label, "end", "label"))
        for bar in row.bars:
            w = plot_w * (bar.value or 0.0) / scale.maximum
            if bar.value is not None:
                body.append(
                    f'<rect x="{num(label_w)}" y="{num(y)}" width="{num(w)}" height="{bar_h}"'
                    f' fill="{_fill(cid, bar.series)}" stroke="{INK}" stroke-width=".5"/>'
                )
            body.append(text(label_w + w + 6, y + bar_h / 2, bar.text, cls="value"))
            y += bar_h + BAR_GAP
        y += GROUP_GAP - BAR_GAP
    grid = _x_axis(label_w, plot_w, top - 4, y, scale, axis)
    legend = _legend(cid, series, 12, label_w) if len(series) > 1 else []
    names = list(series) or [""]
    desc = (
        summary
        + " "
        + _listing(
            [
                (f"{r.label}{' (' + names[b.series] + ')' if len(series) > 1 else ''}", b.text)
                for r in rows
                for b in r.bars
            ]
        )
    )
    return svg(cid, title, desc, y + AXIS_H, legend + grid + body)


def stacked_chart(
    cid: str, title: str, summary: str, rows: Sequence[Stack], *, parts: Sequence[str], axis: str
) -> Markup:
    """Horizontal stacked bars on one absolute scale, so sizes compare across rows."""
    label_w = _label_width([r.label for r in rows])
    plot_w = WIDTH - label_w - VALUE_W - 40
    scale = count_scale(max((sum(r.parts) for r in rows), default=0.0))
    body: list[str] = []
    y = float(LEGEND_H)
    for row in rows:
        body.append(text(label_w - 8, y + ROW_H / 2, row.label, "end", "label"))
        x = label_w
        for i, part in enumerate(row.parts):
            w = plot_w * part / scale.maximum
            body.append(
                f'<rect x="{num(x)}" y="{num(y)}" width="{num(w)}" height="{ROW_H}"'
                f' fill="{_fill(cid, i)}" stroke="{INK}" stroke-width=".5"/>'
            )
            x += w
        body.append(text(x + 6, y + ROW_H / 2, row.text, cls="value"))
        y += ROW_H + GROUP_GAP
    grid = _x_axis(label_w, plot_w, LEGEND_H - 4, y, scale, axis)
    desc = summary + " " + _listing([(r.label, r.text) for r in rows])
    return svg(cid, title, desc, y + AXIS_H, _legend(cid, parts, 12, label_w) + grid + body)


def _marker(shape: str, x: float, y: float, colour: str) -> str:
    if shape == "square":
        return f'<rect x="{num(x - 4)}" y="{num(y - 4)}" width="8" height="8" fill="{colour}"/>'
    return f'<circle cx="{num(x)}" cy="{num(y)}" r="4.5" fill="{colour}"/>'


def _line_legend(lines: Sequence[Line], x0: float) -> list[str]:
    out, x = [], x0
    for line, (colour, dash, shape) in zip(lines, LINE_STYLES, strict=False):
        out.append(
            f'<line x1="{num(x)}" y1="12" x2="{num(x + 28)}" y2="12" stroke="{colour}"'
            f' stroke-width="2.5" stroke-dasharray="{dash}"/>'
        )
        out.append(_marker(shape, x + 14, 12, colour))
        out.append(text(x + 36, 12, line.name))
        x += 60 + len(line.name) * CHAR_W
    return out


def _is_top(lines: Sequence[Line], k: int, j: int, v: float) -> bool:
    """Is series ``k``, at ``v``, the highest at point ``j`` (ties: the earlier series)?"""
    for m, other in enumerate(lines):
        w = other.values[j]
        if m != k and w is not None and (w > v or (w == v and m < k)):
            return False
    return True


def line_chart(
    cid: str,
    title: str,
    summary: str,
    x_labels: Sequence[str],
    lines: Sequence[Line],
    *,
    axis: str,
    fmt: Callable[[float], str] = percent,
) -> Markup:
    """Up to two rates over time on a 0–100% scale, told apart by colour, dash and marker; each
    point is labelled, the higher series above its point and the lower below."""
    left, right, top, plot_h = 56.0, 24.0, 36.0, 220.0
    plot_w = WIDTH - left - right
    step = plot_w / max(len(x_labels), 1)
    body: list[str] = []
    for i in range(5):
        level = i / 4
        y = top + plot_h * (1 - level)
        body.append(
            f'<line x1="{num(left)}" y1="{num(y)}" x2="{num(left + plot_w)}" y2="{num(y)}"'
            f' stroke="{GRID if i else INK}"/>'
        )
        body.append(text(left - 6, y, f"{level * 100:.0f}%", "end", "tick"))
    every = math.ceil(48 / step)  # thin the month labels so that they never overlap
    for j, name in enumerate(x_labels):
        if j % every == 0:
            body.append(text(left + step * (j + 0.5), top + plot_h + 14, name, "middle", "tick"))
    body.append(text(left + plot_w / 2, top + plot_h + 36, axis, "middle", "axis"))
    for k, (line, (colour, dash, shape)) in enumerate(zip(lines, LINE_STYLES, strict=False)):
        runs: list[list[tuple[float, float]]] = [[]]
        for j, v in enumerate(line.values):
            if v is None:
                runs.append([])
                continue
            x, y = left + step * (j + 0.5), top + plot_h * (1 - v)
            runs[-1].append((x, y))
            body.append(_marker(shape, x, y, colour))
            if step >= 44:  # too dense to label: the table beside the chart has the values
                above = _is_top(lines, k, j, v)
                body.append(text(x, y + (-13 if above else 14), fmt(v), "middle", "value"))
        for run in runs:
            if len(run) > 1:
                pts = " ".join(f"{num(x)},{num(y)}" for x, y in run)
                body.append(
                    f'<polyline points="{pts}" fill="none" stroke="{colour}" stroke-width="2.5"'
                    f' stroke-dasharray="{dash}"/>'
                )
    desc = (
        summary
        + " "
        + _listing(
            [
                (f"{line.name}, {x}", "no rate" if v is None else fmt(v))
                for line in lines
                for x, v in zip(x_labels, line.values, strict=True)
            ]
        )
    )
    return svg(cid, title, desc, top + plot_h + 50, _line_legend(lines, left) + body)


def step_chart(
    cid: str,
    heading: str,
    summary: str,
    values: Sequence[float],
    ticks: Sequence[tuple[int, str]],
    *,
    peak: tuple[int, str],
    reference: tuple[float, str] | None = None,
    axis: str,
    height: float = 110.0,
) -> Markup:
    """A count over time as a filled step outline (one step per bin of ``values``) under a bold
    ``heading``, with the bin ``peak[0]`` marked and labelled ``peak[1]``, and an optional
    dashed ``reference`` level (a capacity, say) labelled in the right margin. ``ticks`` label
    bins on the time axis. Small enough to stack several as small multiples."""
    left, right, top = 56.0, 70.0, 40.0
    plot_w = WIDTH - left - right
    ref_value = reference[0] if reference else 0.0
    scale = count_scale(max([*values, ref_value], default=0.0))
    step = plot_w / max(len(values), 1)

    def y(v: float) -> float:
        return top + height * (1 - v / scale.maximum)

    body = [text(0, 10, heading, cls="heading")]
    for v, tick in scale.ticks():
        body.append(
            f'<line x1="{num(left)}" y1="{num(y(v))}" x2="{num(left + plot_w)}" y2="{num(y(v))}"'
            f' stroke="{GRID if v else INK}"/>'
        )
        body.append(text(left - 6, y(v), tick, "end", "tick"))
    for j, label in ticks:
        x = left + step * (j + 0.5)
        if x + len(label) * CHAR_W / 2 <= WIDTH:  # never cut a label at the edge
            body.append(text(x, top + height + 14, label, "middle", "tick"))
    body.append(text(left + plot_w / 2, top + height + 34, axis, "middle", "axis"))
    pts = [f"{num(left)},{num(y(0))}"]
    for j, v in enumerate(values):
        pts += [f"{num(left + step * j)},{num(y(v))}", f"{num(left + step * (j + 1))},{num(y(v))}"]
    pts.append(f"{num(left + plot_w)},{num(y(0))}")
    body.append(
        f'<polygon points="{" ".join(pts)}" fill="{BLUE}" fill-opacity=".35" stroke="{BLUE}"'
        ' stroke-width="1.2"/>'
    )
    if reference:
        ry = y(ref_value)
        body.append(
            f'<line x1="{num(left)}" y1="{num(ry)}" x2="{num(left + plot_w)}" y2="{num(ry)}"'
            f' stroke="{INK}" stroke-width="1.5" stroke-dasharray="6 4"/>'
        )
        body.append(text(left + plot_w + 6, ry, reference[1], cls="value"))
    j, peak_text = peak
    px, py = left + step * (j + 0.5), y(values[j]) if values else y(0)
    body.append(
        f'<path d="M{num(px)},{num(py - 2)} l-5,-9 h10 z" fill="{VERMILLION}" stroke="{INK}"'
        ' stroke-width=".5"/>'
    )
    anchor = "start" if px < left + plot_w * 0.6 else "end"
    body.append(text(px + (9 if anchor == "start" else -9), py - 8, peak_text, anchor, "value"))
    desc = f"{summary} Highest: {peak_text}."
    return svg(cid, heading, desc, top + height + 44, body)
