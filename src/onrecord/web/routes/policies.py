"""Policies: every rule of the built-in, department and audited policies side by side, two of
them compared rule by rule, each one's text to audit with; an admin adds and deactivates the
department's own."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel

from onrecord.database.accounts import Role
from onrecord.policy import Policy, PolicyError
from onrecord.web import deps, policy_store, views
from onrecord.web.account_store import Account
from onrecord.web.deps import AGGREGATES, Admin, Aggregates, Csrf
from onrecord.web.policy_store import NoSuchPolicy, PolicyTaken, StoredPolicy
from onrecord.web.render import render
from onrecord.web.routes import NavEntry, Resource
from onrecord.web.views import PolicyComparison

pages = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api", tags=["api"])
resource = Resource(
    routers=(api, pages), nav=(NavEntry("Policies", "/policies", AGGREGATES, order=40),)
)


def _comparison(request: Request, policies: list[Policy], a: str, b: str) -> PolicyComparison:
    """``a`` against ``b``; by default the audited policy against the compared one (or the
    next profile), so the page always opens on a comparison."""
    by_id = {p.id: p for p in policies}
    r = deps.results(request)
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
    stored = policy_store.department_policies(deps.engine(request))
    active = [d.policy for d in stored if d.active]
    if request.headers.get("HX-Request"):
        known = views.known_policies(deps.results(request), active)
        return render(request, "policy_compare.html.j2", {"c": _comparison(request, known, a, b)})
    view = views.policies_view(deps.results(request), active)
    context = {"p": view, "c": _comparison(request, view.policies, a, b)}
    context |= {
        "stored": stored,
        "admin": account.role is Role.ADMIN,
        "problems": problems or [],
        "text": text,
    }
    return render(request, "policies.html.j2", context, status_code=status)


@pages.get("/policies", response_class=HTMLResponse)
def policies_page(request: Request, account: Aggregates, a: str = "", b: str = "") -> Response:
    return _policies_page(request, account, a, b)


@pages.post("/policies", dependencies=[Csrf])
def add_policy_form(
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
        added = policy_store.add_policy(deps.engine(request), text, account.name, origin)
    except PolicyError as e:
        status = 409 if isinstance(e, PolicyTaken) else 422
        return _policies_page(request, account, problems=e.messages, text=text, status=status)
    audited = deps.results(request).model.policy.id
    query = urlencode({"a": added.policy.id, "b": audited})
    return RedirectResponse(f"/policies?{query}#compare-two", status_code=303)


@pages.post("/policies/{policy_id}/deactivate", dependencies=[Csrf])
def deactivate_policy_form(request: Request, policy_id: str, account: Admin) -> Response:
    try:
        policy_store.deactivate(deps.engine(request), policy_id)
    except NoSuchPolicy as e:
        raise HTTPException(404, str(e)) from None
    return RedirectResponse("/policies#department", status_code=303)


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
    return policy_store.department_policies(deps.engine(request))


@api.get("/policies")
def policies(request: Request, account: Aggregates) -> dict[str, Any]:
    """Every profile's rules (built-in, the department's active ones, audited), the audited
    policies' ids, and every department policy with who added it and whether it is active."""
    r = deps.results(request)
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


@api.get("/policies/{policy_id}.yaml")
def policy_yaml(request: Request, policy_id: str, account: Aggregates) -> Response:
    """A policy's text as written, to audit with: ``onrecord audit --policy FILE``. Deactivated
    department policies stay downloadable, so audits made under them can be re-run."""
    known = views.known_policies(deps.results(request), [d.policy for d in _stored(request)])
    policy = next((p for p in known if p.id == policy_id), None)
    if policy is None:
        raise HTTPException(404, f"no policy {policy_id!r}")
    return Response(
        policy.text,
        media_type="application/yaml; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{policy_id}.yaml"'},
    )


@api.post("/policies", status_code=201, dependencies=[Csrf])
def add_policy(request: Request, body: NewPolicy, account: Admin) -> DepartmentPolicyOut:
    """Add a department policy: 422 with every problem (key path and what was expected), 409
    if its id is a built-in's or an earlier department policy's."""
    try:
        added = policy_store.add_policy(deps.engine(request), body.text, account.name, "the policy")
    except PolicyTaken as e:
        raise HTTPException(409, e.messages) from None
    except PolicyError as e:
        raise HTTPException(422, e.messages) from None
    return _policy_out(added)


@api.post("/policies/{policy_id}/deactivate", dependencies=[Csrf])
def deactivate_policy(request: Request, policy_id: str, account: Admin) -> DepartmentPolicyOut:
    try:
        return _policy_out(policy_store.deactivate(deps.engine(request), policy_id))
    except NoSuchPolicy as e:
        raise HTTPException(404, str(e)) from None
