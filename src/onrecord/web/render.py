"""Rendering pages: one Jinja2 environment over the console's templates and the audit report's
shared macros (tables, charts, policies), with what every page needs (the account, the CSRF
token, the navigation for the account's role)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse

from onrecord.database.accounts import Role
from onrecord.presentation import template_environment
from onrecord.presentation.cells import percent
from onrecord.web.auth import (
    AGGREGATES,
    CSRF_FIELD,
    FLEET,
    OFFICER_LEVEL,
    OVERSIGHT,
    current_account,
)

STATIC = Path(__file__).parent / "static"

ENV = template_environment("onrecord.web")
ENV.filters["percent"] = percent

# (path, label, roles that see it); the public dashboard is everyone's
NAV: list[tuple[str, str, tuple[Role, ...]]] = [
    ("/overview", "Overview", AGGREGATES),
    ("/gap", "Overtime gap", AGGREGATES),
    ("/review", "Review queue", OFFICER_LEVEL),
    ("/policies", "Policies", AGGREGATES),
    ("/fleet", "Fleet", FLEET),
    ("/admin/users", "Accounts", (Role.ADMIN,)),
    ("/access-log", "Access log", OVERSIGHT),
]


def render(
    request: Request,
    template: str,
    context: dict[str, Any],
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    account = current_account(request)
    nav = [(p, label) for p, label, roles in NAV if account and account.role in roles]
    results = request.app.state.results
    html = ENV.get_template(template).render(
        request=request,
        account=account,
        nav=nav,
        path=request.url.path,
        csrf_field=CSRF_FIELD,
        csrf=request.state.csrf,
        department=results.model.package.name,
        **context,
    )
    return HTMLResponse(html, status_code=status_code, headers=headers)
