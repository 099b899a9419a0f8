"""The server-rendered pages: the public dashboard and open data, sign-in, and the console."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response

from onrecord.database.accounts import Role
from onrecord.fleet.rules import Refused, local
from onrecord.fleet.service import CheckoutService
from onrecord.policy import Policy, PolicyError
from onrecord.presentation import asset
from onrecord.web import accounts, opendata, policy_store, views
from onrecord.web.accounts import Account, AccountError, Throttled
from onrecord.web.auth import (
    AGGREGATES,
    FLEET,
    KIOSK,
    OVERSIGHT,
    SESSION_COOKIE,
    check_csrf,
    log_officer_read,
    require,
)
from onrecord.web.fleet import PlanResults, station_fleets
from onrecord.web.policy_store import NoSuchPolicy, PolicyTaken
from onrecord.web.render import render
from onrecord.web.results import Results
from onrecord.web.review import OfficerLevel, QueueFilter, encounter_for
from onrecord.web.timeline import timeline
from onrecord.web.views import PolicyComparison

router = APIRouter(include_in_schema=False)

Aggregates = Annotated[Account, Depends(require(*AGGREGATES))]
Admin = Annotated[Account, Depends(require(Role.ADMIN))]
Oversight = Annotated[Account, Depends(require(*OVERSIGHT))]
Fleet = Annotated[Account, Depends(require(*FLEET))]
Kiosk = Annotated[Account, Depends(require(*KIOSK))]
Csrf = Depends(check_csrf)
# the self-contained report carries its styles and script inline, and fetches nothing
REPORT_ASSETS = {
    "report.css": ("style.css", "text/css"),
    "sort.js": ("sort.js", "text/javascript"),
}
REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'"


def _results(request: Request) -> Results:
    return request.app.state.results


def _plan(request: Request) -> PlanResults | None:
    return request.app.state.plan


def _service(request: Request) -> CheckoutService:
    return request.app.state.checkout_service


def _home(account: Account) -> str:
    return "/review" if account.role is Role.SUPERVISOR else "/overview"


def _safe_next(target: str | None) -> str | None:
    """Only a path on this site (never ``//host`` or a URL) is followed after sign-in."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None


@router.get("/assets/{name}")
def report_asset(name: str) -> Response:
    """The audit report's stylesheet and table-sorting script, shared rather than copied."""
    if name not in REPORT_ASSETS:
        raise HTTPException(404, f"no asset {name!r}")
    source, media = REPORT_ASSETS[name]
    return Response(str(asset(source)), media_type=media, headers={"Cache-Control": "max-age=3600"})


@router.get("/", response_class=HTMLResponse)
def dashboard(request: Request) -> Response:
    """The public dashboard: aggregates only, small cells withheld, no sign-in."""
    r = _results(request)
    return render(
        request,
        "public.html.j2",
        {"v": r.public_view, "c": r.public_compare_view, "datasets": opendata.DATASETS},
    )


@router.get("/report", response_class=HTMLResponse)
def public_report(request: Request) -> Response:
    """The audit report's public edition, with its full methodology, as one printable file."""
    html = _results(request).public_report
    return HTMLResponse(html, headers={"Content-Security-Policy": REPORT_CSP})


@router.get("/data", response_class=HTMLResponse)
def open_data(request: Request) -> Response:
    r = _results(request)
    return render(
        request,
        "data.html.j2",
        {
            "datasets": opendata.DATASETS,
            "columns": [(c, opendata.COLUMNS[c]) for c in opendata.columns(r.public)],
            "empty_cell": opendata.EMPTY_CELL,
            "suppression": r.suppression_rule,
        },
    )


@router.get("/data/{name}.csv")
def open_data_csv(request: Request, name: str) -> Response:
    if name not in opendata.DATASETS:
        raise HTTPException(404, f"no open data set named {name!r}")
    return PlainTextResponse(
        opendata.csv_text(_results(request).public, name),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="onrecord-{name}.csv"'},
    )


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str | None = None) -> Response:
    return render(request, "login.html.j2", {"status": 200, "message": "", "next": next or ""})


@router.post("/login", dependencies=[Csrf])
def login(
    request: Request,
    name: Annotated[str, Form()],
    password: Annotated[str, Form()],
    next: Annotated[str, Form()] = "",
) -> Response:
    s = request.app.state.settings
    address = request.client.host if request.client else "unknown"
    try:
        account = accounts.authenticate(
            request.app.state.engine,
            name.strip().lower(),
            password,
            address,
            max_failures=s.login_max_failures,
            window_s=s.login_window_s,
        )
    except Throttled as e:
        return render(
            request,
            "login.html.j2",
            {"status": 429, "message": f"Too many failed sign-ins. {e}.", "next": next},
            status_code=429,
            headers={"Retry-After": str(e.retry_after)},
        )
    if account is None:
        return render(
            request,
            "login.html.j2",
            {"status": 401, "message": "That name and password do not match.", "next": next},
            status_code=401,
        )
    response = RedirectResponse(_safe_next(next) or _home(account), status_code=303)
    request.app.state.signer.session_cookie(response, account)
    return response


@router.post("/logout", dependencies=[Csrf])
def logout() -> Response:
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/overview", response_class=HTMLResponse)
def overview(request: Request, account: Aggregates) -> Response:
    return render(request, "overview.html.j2", {"v": _results(request).internal_view})


@router.get("/gap", response_class=HTMLResponse)
def gap(request: Request, account: Aggregates) -> Response:
    return render(
        request, "gap.html.j2", {"g": views.gap_view(_results(request)), "plan": _plan(request)}
    )


@router.get("/review", response_class=HTMLResponse)
def review(request: Request, account: OfficerLevel, f: QueueFilter, offset: int = 0) -> Response:
    r = _results(request)
    page = r.review(f, offset=max(offset, 0))
    template = "review_rows.html.j2" if request.headers.get("HX-Request") else "review.html.j2"
    return render(
        request,
        template,
        {"f": f, "page": page, "options": r.review_options(), "locked": account.station_id},
    )


@router.get("/review/{encounter_id}", response_class=HTMLResponse)
def encounter(request: Request, encounter_id: str, account: OfficerLevel) -> Response:
    d = encounter_for(request, account, encounter_id)
    rules = _results(request).model.policy.rules
    svg = timeline(d, rules)
    return render(request, "encounter.html.j2", {"d": d, "svg": svg, "rules": rules})


def _comparison(request: Request, policies: list[Policy], a: str, b: str) -> PolicyComparison:
    """``a`` against ``b``; by default the audited policy against the compared one (or the
    next profile), so the page always opens on a comparison."""
    by_id = {p.id: p for p in policies}
    r = _results(request)
    a = a or r.model.policy.id
    b = b or (r.compare_model.policy.id if r.compare_model else next(i for i in by_id if i != a))
    for ref in (a, b):
        if ref not in by_id:
            raise HTTPException(404, f"no policy {ref!r} in use; choose one of {', '.join(by_id)}")
    return views.compare_policies(by_id[a], by_id[b])


def _policies_page(
    request: Request,
    account: Account,
    a: str = "",
    b: str = "",
    problems: list[str] | None = None,
    text: str = "",
    status: int = 200,
) -> Response:
    """The Policies page, or only the comparison for htmx; an admin's failed addition comes
    back with every problem and the text as it was sent."""
    stored = policy_store.department_policies(request.app.state.engine)
    active = [d.policy for d in stored if d.active]
    if request.headers.get("HX-Request"):
        known = views.known_policies(_results(request), active)
        return render(request, "policy_compare.html.j2", {"c": _comparison(request, known, a, b)})
    view = views.policies_view(_results(request), active)
    context = {"p": view, "c": _comparison(request, view.policies, a, b)}
    context |= {
        "stored": stored,
        "admin": account.role is Role.ADMIN,
        "problems": problems or [],
        "text": text,
    }
    return render(request, "policies.html.j2", context, status_code=status)


@router.get("/policies", response_class=HTMLResponse)
def policies(request: Request, account: Aggregates, a: str = "", b: str = "") -> Response:
    return _policies_page(request, account, a, b)


@router.post("/policies", dependencies=[Csrf])
def add_policy(
    request: Request,
    account: Admin,
    text: Annotated[str, Form()] = "",
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    """Add a department policy from the pasted text, or the uploaded file if one is chosen;
    then show it against the audited policy."""
    origin = "the pasted policy"
    if file is not None and file.filename:
        origin = file.filename
        try:
            text = file.file.read().decode("utf-8")
        except UnicodeDecodeError:
            return _policies_page(
                request, account, problems=[f"{origin}: is not UTF-8 text"], status=422
            )
    try:
        added = policy_store.add_policy(request.app.state.engine, text, account.name, origin)
    except PolicyError as e:
        status = 409 if isinstance(e, PolicyTaken) else 422
        return _policies_page(request, account, problems=e.messages, text=text, status=status)
    audited = _results(request).model.policy.id
    query = urlencode({"a": added.policy.id, "b": audited})
    return RedirectResponse(f"/policies?{query}#compare-two", status_code=303)


@router.post("/policies/{policy_id}/deactivate", dependencies=[Csrf])
def deactivate_policy(request: Request, policy_id: str, account: Admin) -> Response:
    try:
        policy_store.deactivate(request.app.state.engine, policy_id)
    except NoSuchPolicy as e:
        raise HTTPException(404, str(e)) from None
    return RedirectResponse("/policies#department", status_code=303)


def _users_page(request: Request, message: str = "", status: int = 200) -> Response:
    return render(
        request,
        "users.html.j2",
        {
            "users": accounts.list_users(request.app.state.engine),
            "roles": [r.value for r in Role],
            "stations": _results(request).stations(),
            "message": message,
        },
        status_code=status,
    )


@router.get("/admin/users", response_class=HTMLResponse)
def users(request: Request, account: Admin) -> Response:
    return _users_page(request)


@router.post("/admin/users", dependencies=[Csrf])
def add_user(
    request: Request,
    account: Admin,
    name: Annotated[str, Form()],
    role: Annotated[str, Form()],
    password: Annotated[str, Form()],
    station: Annotated[str, Form()] = "",
) -> Response:
    try:
        accounts.add_user(request.app.state.engine, name, role, password, station or None)
    except AccountError as e:
        return _users_page(request, str(e), 422)
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/admin/users/{user_id}/active", dependencies=[Csrf])
def set_active(
    request: Request, user_id: int, account: Admin, active: Annotated[bool, Form()]
) -> Response:
    if user_id == account.id and not active:
        return _users_page(request, "you cannot deactivate your own account", 422)
    try:
        accounts.set_active(request.app.state.engine, user_id, active)
    except AccountError as e:
        raise HTTPException(404, str(e)) from None
    return RedirectResponse("/admin/users", status_code=303)


@router.get("/access-log", response_class=HTMLResponse)
def access_log(request: Request, account: Oversight) -> Response:
    return render(
        request, "access_log.html.j2", {"entries": accounts.access_log(request.app.state.engine)}
    )


@router.get("/fleet", response_class=HTMLResponse)
def fleet(request: Request, account: Fleet) -> Response:
    """Each station's cameras now and the shifts ahead its dock cannot serve (names who holds
    a camera, so every read is logged)."""
    log_officer_read(request, account)
    svc = _service(request)
    return render(
        request,
        "fleet.html.j2",
        {
            "stations": station_fleets(svc, datetime.now(UTC)),
            "plan": _plan(request),
            "local": lambda at: local(at, svc.timezone),
        },
    )


def _kiosk(request: Request, station_id: str, answer: dict[str, object] | None = None) -> Response:
    """The kiosk page, or only its answer for htmx."""
    svc = _service(request)
    try:
        cameras = svc.cameras_at(station_id)
    except Refused as r:
        raise HTTPException(404, r.message) from None
    at = datetime.now(UTC)
    ready = [c for c in cameras if c.docked and c.status == "in_service"]
    context = {
        "station": station_id,
        "answer": answer,
        "docked": len(ready),
        "full": sum(c.charge_at(at) >= 1 for c in ready),
        "local": lambda t: local(t, svc.timezone),
        "partial": answer is not None and bool(request.headers.get("HX-Request")),
    }
    return render(
        request, "kiosk_answer.html.j2" if context["partial"] else "kiosk.html.j2", context
    )


@router.get("/kiosk/{station_id}", response_class=HTMLResponse)
def kiosk(request: Request, station_id: str, account: Kiosk) -> Response:
    return _kiosk(request, station_id)


@router.post("/kiosk/{station_id}/checkout", dependencies=[Csrf])
def kiosk_checkout(
    request: Request, station_id: str, account: Kiosk, badge: Annotated[str, Form()]
) -> Response:
    """The checkout service's checkout for the badge number typed at the dock."""
    try:
        issued = _service(request).checkout(badge.strip(), station_id)
    except Refused as r:
        return _kiosk(request, station_id, {"refused": r})  # an unknown station: 404 there
    return _kiosk(request, station_id, {"issued": issued})


@router.post("/kiosk/{station_id}/checkin", dependencies=[Csrf])
def kiosk_checkin(
    request: Request, station_id: str, account: Kiosk, camera: Annotated[str, Form()]
) -> Response:
    """The checkout service's checkin of the camera whose id was typed or scanned."""
    try:
        docked = _service(request).checkin(camera.strip(), station_id)
    except Refused as r:
        return _kiosk(request, station_id, {"refused": r})
    return _kiosk(request, station_id, {"docked": docked})
