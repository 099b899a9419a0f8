"""Rendering pages: one Jinja2 environment over the console's templates and the audit report's
shared macros (tables, charts, policies), with what every page needs (the account, the CSRF
token, the navigation for the account's role); and JSON rendered ahead of time."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from onrecord.presentation import template_environment
from onrecord.presentation.cells import percent
from onrecord.web import deps
from onrecord.web.auth import CSRF_FIELD
from onrecord.web.deps import current_account

STATIC = Path(__file__).parent / "static"

ENV = template_environment("onrecord.web")
ENV.filters["percent"] = percent


def render(
    request: Request,
    template: str,
    context: dict[str, Any],
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
) -> HTMLResponse:
    account = current_account(request)
    nav = [e for e in deps.nav(request) if e.shown_to(account.role if account else None)]
    results = deps.results(request)
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


class JSONBytes(Response):
    """A JSON document serialised ahead of time (the summaries do not change while serving)."""

    media_type = "application/json"
