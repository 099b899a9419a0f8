"""Accounts and the access log: an admin lists, adds, deactivates and reactivates accounts and
sets their passwords; admins and auditors read who read officer-level data."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from onrecord.database.accounts import Role
from onrecord.web import account_store, deps
from onrecord.web.account_store import AccountError
from onrecord.web.deps import ADMIN, OVERSIGHT, Admin, Csrf, Oversight
from onrecord.web.render import render
from onrecord.web.routes import NavEntry, Resource

pages = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api", tags=["api"])
resource = Resource(
    routers=(api, pages),
    nav=(
        NavEntry("Accounts", "/admin/users", ADMIN, order=60),
        NavEntry("Access log", "/access-log", OVERSIGHT, order=70),
    ),
)


MAX_ID = 2**31 - 1  # the largest id the accounts table's INTEGER holds (PostgreSQL)
UserId = Annotated[int, Path(ge=1, le=MAX_ID, description="The account's id.")]


def _users_page(request: Request, message: str = "", status: int = 200) -> Response:
    return render(
        request,
        "users.html.j2",
        {
            "users": account_store.list_users(deps.engine(request)),
            "roles": [r.value for r in Role],
            "stations": account_store.station_ids(deps.engine(request)),
            "cases": account_store.assigned_cases(deps.engine(request)),
            "message": message,
        },
        status_code=status,
    )


@pages.get("/admin/users", response_class=HTMLResponse)
def users_page(request: Request, account: Admin) -> Response:
    return _users_page(request)


@pages.post("/admin/users", dependencies=[Csrf])
def add_user_form(
    request: Request,
    account: Admin,
    name: Annotated[str, Form()],
    role: Annotated[str, Form()],
    password: Annotated[str, Form()],
    station: Annotated[str, Form()] = "",
    cases: Annotated[str, Form(max_length=20000)] = "",
) -> Response:
    try:
        account_store.add_user(
            deps.engine(request), name, role, password, station or None, _split(cases),
            by=account.name,
        )  # fmt: skip
    except AccountError as e:
        return _users_page(request, str(e), 422)
    return RedirectResponse("/admin/users", status_code=303)


@pages.post("/admin/users/{user_id}/active", dependencies=[Csrf])
def set_active(
    request: Request, user_id: UserId, account: Admin, active: Annotated[bool, Form()]
) -> Response:
    if user_id == account.id and not active:
        return _users_page(request, "you cannot deactivate your own account", 422)
    try:
        account_store.set_active(deps.engine(request), user_id, active)
    except AccountError as e:
        raise HTTPException(404, str(e)) from None
    return RedirectResponse("/admin/users", status_code=303)


def _split(text: str) -> list[str]:
    """Case ids as typed: one a line, or separated by commas."""
    return [v for line in text.splitlines() for v in line.split(",")]


@pages.post("/admin/users/{user_id}/cases", dependencies=[Csrf])
def set_cases(
    request: Request,
    user_id: UserId,
    account: Admin,
    cases: Annotated[str, Form(max_length=20000)] = "",
) -> Response:
    """The cases an investigator is assigned (replacing theirs): they see the vault's items
    that name one, besides their station's."""
    try:
        account_store.set_cases(deps.engine(request), user_id, _split(cases), by=account.name)
    except AccountError as e:
        return _users_page(request, str(e), 422)
    return RedirectResponse("/admin/users", status_code=303)


@pages.post("/admin/users/password", dependencies=[Csrf])
def set_password(
    request: Request,
    account: Admin,
    user_id: Annotated[int, Form(ge=1, le=MAX_ID)],
    password: Annotated[str, Form()],
) -> Response:
    """A new password for an account (a forgotten or leaked one): every session of the account
    ends, the admin's own included if it is theirs."""
    try:
        account_store.set_password(deps.engine(request), user_id, password)
    except AccountError as e:
        return _users_page(request, str(e), 422)
    return RedirectResponse("/admin/users", status_code=303)


@pages.get("/access-log", response_class=HTMLResponse)
def access_log_page(request: Request, account: Oversight) -> Response:
    return render(
        request,
        "access_log.html.j2",
        {"entries": account_store.access_log(deps.engine(request))},
    )


class NewUser(BaseModel):
    name: str
    role: str
    password: str
    station_id: str | None = None
    cases: list[str] = Field(default=[], max_length=account_store.MAX_CASES)


class UserOut(BaseModel):
    id: int
    name: str
    role: str
    station_id: str | None
    active: bool
    cases: list[str] = []


@api.get("/users")
def users(request: Request, account: Admin) -> list[UserOut]:
    cases = account_store.assigned_cases(deps.engine(request))
    return [
        UserOut(
            id=u.id,
            name=u.name,
            role=u.role,
            station_id=u.station_id,
            active=u.active,
            cases=cases.get(u.id, []),
        )
        for u in account_store.list_users(deps.engine(request))
    ]


@api.post("/users", status_code=201, dependencies=[Csrf])
def add_user(request: Request, body: NewUser, account: Admin) -> UserOut:
    try:
        a = account_store.add_user(
            deps.engine(request), body.name, body.role, body.password, body.station_id,
            body.cases, by=account.name,
        )  # fmt: skip
    except AccountError as e:
        raise HTTPException(422, str(e)) from None
    return UserOut(
        id=a.id, name=a.name, role=a.role.value, station_id=a.station_id, active=True,
        cases=list(a.cases),
    )  # fmt: skip


@api.get("/access-log")
def access_log(request: Request, account: Oversight) -> list[dict[str, Any]]:
    """The latest reads of officer-level data: who, what, when."""
    return [
        {"at": e.at, "user": e.user_name, "role": e.role, "what": e.what, "address": e.address}
        for e in account_store.access_log(deps.engine(request))
    ]
