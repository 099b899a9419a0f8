"""The public: the dashboard, the audit report's public edition and its shared assets, the open
data with its dictionary, the records-request figures, and the public JSON API
(``/api/public/*``). No sign-in; only public editions (no officer, small counts withheld)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request, Response
from fastapi.responses import HTMLResponse, PlainTextResponse

from onrecord.presentation import asset
from onrecord.release.figures import MonthlyFigures
from onrecord.release.service import Releases
from onrecord.web import deps, opendata, request_figures
from onrecord.web.render import JSONBytes, render
from onrecord.web.routes import NavEntry, Resource

pages = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api", tags=["api"])
resource = Resource(
    routers=(api, pages), nav=(NavEntry("Public dashboard", "/", roles=None, order=0),)
)


# the self-contained report carries its styles and script inline, and fetches nothing
REPORT_ASSETS = {
    "report.css": ("style.css", "text/css"),
    "sort.js": ("sort.js", "text/javascript"),
}


REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'"


@pages.get("/assets/{name}")
def report_asset(name: str) -> Response:
    """The audit report's stylesheet and table-sorting script, shared rather than copied."""
    if name not in REPORT_ASSETS:
        raise HTTPException(404, f"no asset {name!r}")
    source, media = REPORT_ASSETS[name]
    return Response(str(asset(source)), media_type=media, headers={"Cache-Control": "max-age=3600"})


@pages.get("/", response_class=HTMLResponse)
def dashboard(request: Request) -> Response:
    """The public dashboard: aggregates only, small cells withheld, no sign-in."""
    r = deps.results(request)
    figures = _request_figures(request)
    return render(
        request,
        "public.html.j2",
        {
            "v": r.public_view,
            "c": r.public_compare_view,
            "datasets": opendata.DATASETS,
            "requests": None if figures is None else request_figures.table(figures),
            "request_suppression": None if figures is None else figures.suppression,
        },
    )


def _request_figures(request: Request) -> MonthlyFigures | None:
    """The records-request figures, or None where the console keeps no evidence vault (and so
    no requests)."""
    vault = deps.vault_if_any(request)
    return None if vault is None else Releases(vault).monthly_figures()


@pages.get("/report", response_class=HTMLResponse)
def public_report(request: Request) -> Response:
    """The audit report's public edition, with its full methodology, as one printable file."""
    html = deps.results(request).public_report
    return HTMLResponse(html, headers={"Content-Security-Policy": REPORT_CSP})


@pages.get("/data", response_class=HTMLResponse)
def open_data(request: Request) -> Response:
    r = deps.results(request)
    return render(
        request,
        "data.html.j2",
        {
            "datasets": opendata.DATASETS,
            "columns": [(c, opendata.COLUMNS[c]) for c in opendata.columns(r.public)],
            "empty_cell": opendata.EMPTY_CELL,
            "text_cell": opendata.TEXT_CELL,
            "suppression": r.suppression_rule,
        },
    )


@pages.get("/data/{name}.csv")
def open_data_csv(request: Request, name: str) -> Response:
    if name not in opendata.DATASETS:
        raise HTTPException(404, f"no open data set named {name!r}")
    return PlainTextResponse(
        opendata.csv_text(deps.results(request).public, name),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="onrecord-{name}.csv"'},
    )


@api.get("/public/summary", response_class=JSONBytes)
def public_summary(request: Request) -> Response:
    """summary.json's public edition: no officer, small counts withheld (no sign-in)."""
    return JSONBytes(deps.results(request).public_json)


@api.get("/public/compare", response_class=JSONBytes)
def public_compare(request: Request) -> Response:
    """The same data under the comparison policy, public edition (404 if none was audited)."""
    doc = deps.results(request).public_compare_json
    if doc is None:
        raise HTTPException(404, "this audit was run without --compare")
    return JSONBytes(doc)


@api.get("/public/requests")
def public_requests(request: Request) -> MonthlyFigures:
    """Records requests for footage by month: received, released, denied by the exemption
    cited, and the median days to release; small counts withheld (no sign-in; 404 where the
    console keeps no evidence vault)."""
    figures = _request_figures(request)
    if figures is None:
        raise HTTPException(404, "this console keeps no evidence vault, so no records requests")
    return figures


@api.get("/public/datasets")
def datasets() -> dict[str, Any]:
    """The open data files (``/data/NAME.csv``) and the dictionary of their columns."""
    return {
        "datasets": {
            name: {"title": title, "csv": f"/data/{name}.csv"}
            for name, (title, _) in opendata.DATASETS.items()
        },
        "columns": opendata.COLUMNS,
        "empty_cell": opendata.EMPTY_CELL,
        "text_cell": opendata.TEXT_CELL,
    }
