"""The audit report: its numbers are summary.json's, it fetches nothing, the public edition
names no officer, and it renders and prints in a real browser."""

from __future__ import annotations

import copy
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from offline_browser import keep, offline_page
from onrecord.audit import run_audit
from onrecord.audit.report import render_report
from onrecord.demo import generate
from onrecord.package.loader import load
from onrecord.presentation import charts
from onrecord.presentation.cells import count, hours, percent, rate


@dataclass
class Audits:
    full: dict[str, Any]
    full_compare: dict[str, Any]
    public: dict[str, Any]
    public_compare: dict[str, Any]
    whole_shift: dict[str, Any]
    report: Path  # the report run_audit wrote for the full edition with compare


@pytest.fixture(scope="module")
def audits(tmp_path_factory: pytest.TempPathFactory) -> Audits:
    root = tmp_path_factory.mktemp("report")
    generate(root / "pkg", officers=60, days=14, seed=1)
    pkg = load(root / "pkg")
    full = run_audit(pkg, root / "full", compare="mandate-all")
    public = run_audit(pkg, root / "public", compare="mandate-all", public=True)
    whole = run_audit(pkg, root / "whole", policy="always-on-shift")
    assert full.compare is not None and public.compare is not None
    return Audits(
        full.summary,
        full.compare,
        public.summary,
        public.compare,
        whole.summary,
        root / "full" / "report.html",
    )


@dataclass
class Page:
    """What the tests read from a report: the marked figures, section ids and table cells."""

    metrics: dict[str, str] = field(default_factory=dict)
    sections: list[str] = field(default_factory=list)
    tables: dict[str, list[list[str]]] = field(default_factory=dict)


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.page = Page()
        self._metric: str | None = None
        self._cell: list[str] | None = None
        self._caption: list[str] | None = None
        self._rows: list[list[str]] = []
        self._text: list[str] = []
        self._caption_text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if "data-metric" in a:
            self._metric, self._text = a["data-metric"], []
        if tag == "section" and a.get("id"):
            self.page.sections.append(a["id"] or "")
        if tag == "table":
            self._rows, self._caption_text = [], ""
        elif tag == "caption":
            self._caption = []
        elif tag == "tr":
            self._rows.append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if self._metric is not None and tag == "span":
            self.page.metrics[self._metric] = "".join(self._text)
            self._metric = None
        if tag in ("td", "th") and self._cell is not None:
            self._rows[-1].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "caption" and self._caption is not None:
            self._caption_text = "".join(self._caption).split(" (click")[0].strip()
            self._caption = None
        elif tag == "table":
            self.page.tables[self._caption_text] = self._rows

    def handle_data(self, data: str) -> None:
        for sink in (self._text if self._metric is not None else None, self._cell, self._caption):
            if sink is not None:
                sink.append(data)


def read(html: str) -> Page:
    reader = _Reader()
    reader.feed(html)
    return reader.page


def row(page: Page, caption: str, first: str) -> list[str]:
    return next(r for r in page.tables[caption] if r and r[0] == first)


# --- the numbers are summary.json's ---------------------------------------------------------


def test_run_audit_writes_the_report_of_its_summaries(audits: Audits) -> None:
    written = audits.report.read_text(encoding="utf-8")
    assert written == render_report(audits.full, audits.full_compare)


def test_headline_figures_are_the_summary_numbers(audits: Audits) -> None:
    page = read(render_report(audits.full))
    overall = audits.full["rates"]["overall"]
    for key in ("equipment_rate", "compliance_rate", "hours_on_camera_rate"):
        doc = overall[key]
        assert page.metrics[key] == f"{doc['rate'] * 100:.1f}%"
        fmt = "{:,.0f}" if key == "hours_on_camera_rate" else "{:,}"
        assert page.metrics[f"{key}.numerator"] == fmt.format(doc["numerator"])
        assert page.metrics[f"{key}.denominator"] == fmt.format(doc["denominator"])
    assert "whole_shift_rate" not in page.metrics


def test_whole_shift_policy_adds_its_headline_figure(audits: Audits) -> None:
    page = read(render_report(audits.whole_shift))
    doc = audits.whole_shift["rates"]["overall"]["whole_shift_rate"]
    assert page.metrics["whole_shift_rate"] == percent(doc["rate"])
    assert page.metrics["whole_shift_rate.denominator"] == f"{doc['denominator']:,}"


def test_breakdown_tables_carry_every_row(audits: Audits) -> None:
    page = read(render_report(audits.full))
    by = audits.full["rates"]["by"]
    stations = page.tables["By station"]
    assert [r[0] for r in stations[1:]] == [str(r["key"]) for r in by["station"]]
    first = by["station"][0]
    assert row(page, "By station", str(first["key"]))[1:4] == [
        f"{first['shifts']:,}",
        f"{first['required_shifts']:,}",
        percent(first["equipment_rate"]["rate"]),
    ]


def test_overtime_gap_is_said_in_words(audits: Audits) -> None:
    html = render_report(audits.full)
    overtime = next(r for r in audits.full["rates"]["by"]["shift_kind"] if r["key"] == "overtime")
    share = percent(overtime["hours_on_camera_rate"]["rate"])
    assert (
        f"Of {overtime['hours']:,.0f} overtime hours, {share} were on camera; "
        "the policy did not require a camera on them."
    ) in html


def test_empty_rates_show_a_dash_with_a_note_never_zero(audits: Audits) -> None:
    page = read(render_report(audits.full))
    overtime = row(page, "By kind of shift", "overtime")
    assert overtime[3] == "—"  # equipment rate: no overtime shift was required
    assert overtime[-1] == "—"  # compliance rate: no overtime encounter was required
    summary = copy.deepcopy(audits.full)
    summary["rates"]["overall"]["compliance_rate"] = {
        "numerator": 0,
        "denominator": 0,
        "rate": None,
    }
    html = render_report(summary)
    assert read(html).metrics["compliance_rate"] == "—"
    assert "there is no rate; it is not 0%" in html


def test_withheld_cells_say_withheld(audits: Audits) -> None:
    summary = copy.deepcopy(audits.public)
    arrest = next(r for r in summary["rates"]["by"]["encounter_type"] if r["key"] == "arrest")
    arrest["outcome_gap"] = None
    arrest["compliance_rate"] = {"numerator": None, "denominator": None, "rate": None}
    html = render_report(summary)
    cells = row(read(html), "Encounters by type, with the outcome of each required one", "arrest")
    assert cells[8] == "withheld"
    assert cells[9] == "suppressed"
    assert "count the public edition does not publish" in html


# --- offline and public -----------------------------------------------------------------------


def test_nothing_is_fetched_from_anywhere(audits: Audits) -> None:
    for html in (
        render_report(audits.full, audits.full_compare),
        render_report(audits.public, audits.public_compare),
    ):
        assert "http://" not in html and "https://" not in html
        assert not re.search(
            r"<(script|img|iframe|link|object|embed|source)\b[^>]*\b(src|href)=", html
        )
        assert not re.search(r"url\((?!#)|@import", html)  # only the charts' own hatch
        assert "default-src 'none'" in html  # and the browser is told to refuse any fetch


def test_officers_are_listed_only_in_the_full_edition(audits: Audits) -> None:
    full, public = read(render_report(audits.full)), read(render_report(audits.public))
    assert "officers" in full.sections
    assert "officers" not in public.sections
    caption = next(c for c in full.tables if c.startswith("Officers with the most"))
    listed = [r[1] for r in full.tables[caption][1:]]
    assert listed
    assert not any(c.startswith("Officers") for c in public.tables)
    public_html = render_report(audits.public, audits.public_compare)
    assert not any(f">{officer}<" in public_html for officer in listed)


def test_officers_are_ranked_by_unexcused_outcomes(audits: Audits) -> None:
    page = read(render_report(audits.full))
    caption = next(c for c in page.tables if c.startswith("Officers with the most"))
    counts = [int(r[3].replace(",", "")) for r in page.tables[caption][1:]]
    assert counts == sorted(counts, reverse=True)
    worst = max(
        audits.full["rates"]["by"]["officer"],
        key=lambda r: sum(
            r.get(f"outcome_{o}", 0) for o in ("no_video", "late_start", "early_stop", "gap")
        ),
    )
    assert counts[0] == sum(
        worst.get(f"outcome_{o}", 0) for o in ("no_video", "late_start", "early_stop", "gap")
    )


# --- compare ---------------------------------------------------------------------------------


def test_compare_section_follows_the_headline(audits: Audits) -> None:
    page = read(render_report(audits.full, audits.full_compare))
    assert page.sections[:3] == ["headline", "compare", "shift-kinds"]
    assert "compare" not in read(render_report(audits.full)).sections
    a, b = audits.full["rates"]["overall"], audits.full_compare["rates"]["overall"]
    required = row(page, "The department under each policy", "Required shifts")
    more = b["required_shifts"] - a["required_shifts"]
    assert required == [
        "Required shifts",
        f"{a['required_shifts']:,}",
        f"{b['required_shifts']:,}",
        f"+{more:,}",
    ]
    rules = {r[0]: r[1:] for r in page.tables["The rules that differ"][1:]}
    assert rules["camera_required.shift_kinds"] == ["regular", "all"]
    assert rules["deactivation.allowed_reasons"] == ["privacy, bystanders, investigation", "none"]
    assert "equipment.min_possession_ratio" not in rules


def test_rules_that_differ_come_from_the_summary_when_a_text_does_not_parse(
    audits: Audits,
) -> None:
    parsed = read(render_report(audits.full, audits.full_compare)).tables["The rules that differ"]
    a = copy.deepcopy(audits.full)
    a["policy"]["text"] = "id: [not, a, policy"
    fallback = read(render_report(a, audits.full_compare)).tables["The rules that differ"]
    assert fallback == parsed
    same = render_report(audits.full, audits.full)
    assert "The rules that differ: none." in same


# --- building blocks -------------------------------------------------------------------------


def test_cells_format_counts_hours_and_rates() -> None:
    assert count(19546).text == "19,546"
    assert count(None).text == "withheld"
    assert hours(140216.4).text == "140,216"
    assert hours(None).text == "0"
    assert rate({"numerator": 1, "denominator": 3, "rate": 1 / 3}).text == "33.3%"
    assert rate({"numerator": 0, "denominator": 0, "rate": None}).text == "—"
    assert rate({"numerator": None, "denominator": None, "rate": None}).text == "suppressed"


def test_charts_are_accessible_svg() -> None:
    svg = charts.bar_chart(
        "c1",
        "Rates",
        "Two rows.",
        [
            charts.Row("regular", (charts.Bar(0.86, "86.0%"), charts.Bar(0.5, "50.0%", 1))),
            charts.Row("overtime", (charts.Bar(None, "—"), charts.Bar(0.1, "10.0%", 1))),
        ],
        axis="Rate (%)",
        series=("A", "B"),
    )
    root = ET.fromstring(svg)
    assert root.get("role") == "img"
    assert root.find("title").text == "Rates"  # type: ignore[union-attr]
    desc = root.find("desc").text or ""  # type: ignore[union-attr]
    assert "regular (A): 86.0%" in desc and "overtime (A): —" in desc
    bars = [r for r in root.iter("rect") if r.get("height") == str(charts.PAIR_H)]
    assert len(bars) == 3  # the empty rate draws no bar, only its dash
    line = charts.line_chart(
        "c2", "Trend", "One gap.", ["2020-05", "2020-06"], [charts.Line("x", (0.5, None))], axis="m"
    )
    assert "x, 2020-06: no rate" in ET.fromstring(line).find("desc").text  # type: ignore[union-attr, operator]
    assert [v for v, _ in charts.count_scale(19546).ticks()] == [0, 5000, 10000, 15000, 20000]
    assert [tick for _, tick in charts.count_scale(406).ticks()] == ["0", "200", "400", "600"]


# --- in a browser ----------------------------------------------------------------------------


def test_report_renders_and_prints_offline_in_chromium(audits: Audits, tmp_path: Path) -> None:
    report = tmp_path / "report.html"
    report.write_text(render_report(audits.full, audits.full_compare), encoding="utf-8")
    with offline_page(report) as page:
        assert page.locator("[data-metric=compliance_rate]").inner_text() == percent(
            audits.full["rates"]["overall"]["compliance_rate"]["rate"]
        )
        station = page.locator("#places table.sortable").first
        station.locator("thead th", has_text="Compliance rate").click()
        sorted_rates = station.locator("tbody tr td:last-child").evaluate_all(
            "cells => cells.map(c => Number(c.dataset.sort))"
        )
        assert sorted_rates == sorted(sorted_rates)
        page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
        page.emulate_media(media="print")
        pdf = page.pdf(path=str(tmp_path / "report.pdf"), format="Letter")
    assert pdf.startswith(b"%PDF") and len(re.findall(rb"/Type\s*/Page\b", pdf)) > 5
    keep(tmp_path / "report.png", "audit-report.png")
