"""The plan report: its numbers are summary.json's, it fetches nothing, it says when the price
is unset, and it renders and prints in a real browser."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from offline_browser import keep, offline_page
from onrecord.demo import generate
from onrecord.plan.params import PlanParameters
from onrecord.plan.report import render_report
from onrecord.plan.run import PlanResult, run_plan


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("plan-report")
    generate(root / "pkg", officers=120, days=14, seed=3)
    return root / "pkg"


@pytest.fixture(scope="module")
def priced(demo: Path) -> PlanResult:
    params = PlanParameters(camera_price=650, yearly_cost_per_camera=1200)
    return run_plan(demo, demo.parent / "priced", policy="mandate-all", params=params)


def test_report_carries_the_summary_numbers(priced: PlanResult) -> None:
    html = (priced.files[-1]).read_text()
    t = priced.summary["totals"]
    for key in ("pool_needed", "pool_have", "cameras_to_order", "uncovered"):
        assert re.search(rf'data-metric="{key}">{t[key]:,}<', html), key
    cost = t["cost"]
    assert cost["cameras"] == t["shortfall"] > 0
    assert f"Purchase: ${cost['purchase']:,.0f} at $650 a camera." in html
    assert f"Running cost: ${cost['yearly']:,.0f} a year" in html
    # every station that needs a camera is a row of the station table
    needing = [r for r in priced.summary["stations"] if r["pool_needed"]]
    for r in needing:
        assert f">{r['station_id']}</th>" in html
    assert html.count('class="chart" id="chart-occupancy-') == min(8, len(needing))


def test_unset_price_is_said_not_priced_at_zero(demo: Path, tmp_path: Path) -> None:
    html = render_report(run_plan(demo, tmp_path / "p").summary)
    assert "No camera price was given" in html and "Purchase:" not in html
    assert "No yearly cost per camera was given" in html


def test_nothing_is_fetched_from_anywhere(priced: PlanResult) -> None:
    html = render_report(priced.summary)
    assert "http://" not in html and "https://" not in html
    assert not re.search(r"<(script|img|iframe|link|object|embed|source)\b[^>]*\b(src|href)=", html)
    assert not re.search(r"url\((?!#)|@import", html)
    assert "default-src 'none'" in html


def test_a_schedule_with_nothing_to_plan_still_reports(demo: Path, tmp_path: Path) -> None:
    result = run_plan(demo, tmp_path / "p", date_from=date(2030, 1, 1), date_to=date(2030, 1, 2))
    assert result.summary["totals"]["pool_needed"] == 0
    html = result.files[-1].read_text()
    assert "No station needs a pool camera." in html


def test_report_renders_and_prints_offline_in_chromium(priced: PlanResult, tmp_path: Path) -> None:
    doc = priced.summary
    with offline_page(priced.files[-1]) as page:
        shown = page.locator("[data-metric=pool_needed]").inner_text()
        assert shown == f"{doc['totals']['pool_needed']:,}"
        table = page.locator("#stations table.sortable")
        table.locator("thead th", has_text="Shortfall").click()
        col = table.locator("tbody tr td:nth-child(4)").evaluate_all(
            "cells => cells.map(c => Number(c.dataset.sort))"
        )
        assert col == sorted(col)
        assert page.locator("svg.chart").count() >= 2
        page.screenshot(path=str(tmp_path / "plan-report.png"), full_page=True)
        page.emulate_media(media="print")
        pdf = page.pdf(path=str(tmp_path / "plan-report.pdf"), format="Letter")
    assert pdf.startswith(b"%PDF") and len(re.findall(rb"/Type\s*/Page\b", pdf)) > 3
    keep(tmp_path / "plan-report.png", "plan-report.png")
