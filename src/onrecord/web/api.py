"""The JSON API under ``/api``: the same data and the same role checks as the pages.

A request the role may not make is refused (401 signed out, 403 wrong role), never answered
with less. Requests that change something need the ``X-CSRF-Token`` header (the value the
pages carry), since the session is a cookie.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from pydantic import BaseModel

from onrecord.database.accounts import Role
from onrecord.policy import PolicyError
from onrecord.web import accounts, opendata, policy_store, views
from onrecord.web.accounts import Account, AccountError
from onrecord.web.auth import (
    AGGREGATES,
    ALL_ROLES,
    FLEET,
    OVERSIGHT,
    check_csrf,
    log_officer_read,
    require,
)
from onrecord.web.fleet import station_fleets
from onrecord.web.policy_store import NoSuchPolicy, PolicyTaken, StoredPolicy
from onrecord.web.results import PAGE_SIZE, Results
from onrecord.web.review import OfficerLevel, QueueFilter, encounter_for

router = APIRouter(prefix="/api", tags=["api"])


class JSONBytes(Response):
    """A JSON document serialised ahead of time (the summaries do not change while serving)."""

    media_type = "application/json"


Aggregates = Annotated[Account, Depends(require(*AGGREGATES))]
Signed = Annotated[Account, Depends(require(*ALL_ROLES))]
Admin = Annotated[Account, Depends(require(Role.ADMIN))]
Oversight = Annotated[Account, Depends(require(*OVERSIGHT))]
Fleet = Annotated[Account, Depends(require(*FLEET))]


def _results(request: Request) -> Results:
    return request.app.state.results


class Me(BaseModel):
    name: str
    role: str
    station_id: str | None


class NewUser(BaseModel):
    name: str
    role: str
    password: str
    station_id: str | None = None


class UserOut(BaseModel):
    id: int
    name: str
    role: str
    station_id: str | None
    active: bool


@router.get("/public/summary", response_class=JSONBytes)
def public_summary(request: Request) -> Response:
    """summary.json's public edition: no officer, counts from 1 to 4 withheld (no sign-in)."""
    return JSONBytes(_results(request).public_json)


@router.get("/public/compare", response_class=JSONBytes)
def public_compare(request: Request) -> Response:
    """The same data under the comparison policy, public edition (404 if none was audited)."""
    doc = _results(request).public_compare_json
    if doc is None:
        raise HTTPException(404, "this audit was run without --compare")
    return JSONBytes(doc)


@router.get("/public/datasets")
def datasets() -> dict[str, Any]:
    """The open data files (``/data/NAME.csv``) and the dictionary of their columns."""
    return {
        "datasets": {
            name: {"title": title, "csv": f"/data/{name}.csv"}
            for name, (title, _) in opendata.DATASETS.items()
        },
        "columns": opendata.COLUMNS,
        "empty_cell": opendata.EMPTY_CELL,
    }


@router.get("/me")
def me(account: Signed) -> Me:
    return Me(name=account.name, role=account.role.value, station_id=account.station_id)


@router.get("/summary", response_class=JSONBytes)
def summary(request: Request, account: Aggregates) -> Response:
    """summary.json without the per-officer rates (those are ``/api/summary/officers``)."""
    return JSONBytes(_results(request).internal_json)


@router.get("/summary/officers")
def officer_rates(
    request: Request, account: Annotated[Account, Depends(require(Role.AUDITOR))]
) -> list[dict[str, Any]]:
    """Rates per officer (auditors only; every read is logged)."""
    log_officer_read(request, account)
    return _results(request).officer_rates


@router.get("/gap")
def gap(request: Request, account: Aggregates) -> dict[str, Any]:
    """Shifts worked without a camera by kind and station, and the most at one moment."""
    r = _results(request)
    return {"by_shift_kind": r.shift_kind_rows, **r.uncovered}


@router.get("/fleet")
def fleet(request: Request, account: Fleet) -> dict[str, Any]:
    """Each station's cameras now (docked with charge and when full, out with whom and since
    when, in repair) and the shifts in the next 12 hours that would find no camera; with the
    plan's figures when the console was given one. Reads are logged: it names officers."""
    log_officer_read(request, account)
    plan = request.app.state.plan
    stations = station_fleets(request.app.state.checkout_service, datetime.now(UTC))
    return {
        "stations": [
            {**asdict(st), "plan": plan.stations.get(st.station_id) if plan else None}
            for st in stations
        ],
        "plan": {"selection": plan.selection, "totals": plan.totals} if plan else None,
    }


@router.get("/review")
def review(
    request: Request, f: QueueFilter, offset: int = 0, limit: int = PAGE_SIZE
) -> dict[str, Any]:
    """Required encounters with an unexcused outcome (a supervisor: their station's only)."""
    page = _results(request).review(f, offset=max(offset, 0), limit=min(max(limit, 1), 500))
    return {"total": page.total, "offset": page.offset, "limit": page.limit, "rows": page.rows}


@router.get("/encounters/{encounter_id}")
def encounter(request: Request, encounter_id: str, account: OfficerLevel) -> dict[str, Any]:
    """One encounter, its shift and the officer's recordings around it."""
    d = encounter_for(request, account, encounter_id)
    return {
        "encounter": d.encounter,
        "shift": d.shift,
        "recordings": [r.__dict__ for r in d.recordings],
    }


class NewPolicy(BaseModel):
    text: str


class DepartmentPolicyOut(BaseModel):
    id: str
    title: str
    added_by: str
    added_at: datetime
    active: bool


def _policy_out(d: StoredPolicy) -> DepartmentPolicyOut:
    return DepartmentPolicyOut(
        id=d.policy.id,
        title=d.policy.title,
        added_by=d.added_by,
        added_at=d.added_at,
        active=d.active,
    )


def _stored(request: Request) -> list[StoredPolicy]:
    return policy_store.department_policies(request.app.state.engine)


@router.get("/policies")
def policies(request: Request, account: Aggregates) -> dict[str, Any]:
    """Every profile's rules (built-in, the department's active ones, audited), the audited
    policies' ids, and every department policy with who added it and whether it is active."""
    r = _results(request)
    stored = _stored(request)
    return {
        "audited": r.model.policy.id,
        "compared": r.compare_model.policy.id if r.compare_model else None,
        "policies": [
            {"id": p.id, "title": p.title, "rules": p.rules()}
            for p in views.known_policies(r, [d.policy for d in stored if d.active])
        ],
        "department": [_policy_out(d) for d in stored],
    }


@router.get("/policies/{policy_id}.yaml")
def policy_yaml(request: Request, policy_id: str, account: Aggregates) -> Response:
    """A policy's text as written, to audit with: ``onrecord audit --policy FILE``. Deactivated
    department policies stay downloadable, so audits made under them can be re-run."""
    known = views.known_policies(_results(request), [d.policy for d in _stored(request)])
    policy = next((p for p in known if p.id == policy_id), None)
    if policy is None:
        raise HTTPException(404, f"no policy {policy_id!r}")
    return Response(
        policy.text,
        media_type="application/yaml; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{policy_id}.yaml"'},
    )


@router.post("/policies", status_code=201, dependencies=[Depends(check_csrf)])
def add_policy(request: Request, body: NewPolicy, account: Admin) -> DepartmentPolicyOut:
    """Add a department policy: 422 with every problem (key path and what was expected), 409
    if its id is a built-in's or an earlier department policy's."""
    try:
        added = policy_store.add_policy(
            request.app.state.engine, body.text, account.name, "the policy"
        )
    except PolicyTaken as e:
        raise HTTPException(409, e.messages) from None
    except PolicyError as e:
        raise HTTPException(422, e.messages) from None
    return _policy_out(added)


@router.post("/policies/{policy_id}/deactivate", dependencies=[Depends(check_csrf)])
def deactivate_policy(request: Request, policy_id: str, account: Admin) -> DepartmentPolicyOut:
    try:
        return _policy_out(policy_store.deactivate(request.app.state.engine, policy_id))
    except NoSuchPolicy as e:
        raise HTTPException(404, str(e)) from None


@router.get("/users")
def users(request: Request, account: Admin) -> list[UserOut]:
    return [
        UserOut(id=u.id, name=u.name, role=u.role, station_id=u.station_id, active=u.active)
        for u in accounts.list_users(request.app.state.engine)
    ]


@router.post("/users", status_code=201, dependencies=[Depends(check_csrf)])
def add_user(request: Request, body: NewUser, account: Admin) -> UserOut:
    try:
        a = accounts.add_user(
            request.app.state.engine, body.name, body.role, body.password, body.station_id
        )
    except AccountError as e:
        raise HTTPException(422, str(e)) from None
    return UserOut(id=a.id, name=a.name, role=a.role.value, station_id=a.station_id, active=True)


@router.get("/access-log")
def access_log(request: Request, account: Oversight) -> list[dict[str, Any]]:
    """The latest reads of officer-level data: who, what, when."""
    return [
        {"at": e.at, "user": e.user_name, "role": e.role, "what": e.what, "address": e.address}
        for e in accounts.access_log(request.app.state.engine)
    ]
