"""How the console answers what its routes raise, once for every route (``install`` registers
the handlers on the app):

- ``HTTPException``, ours and Starlette's own (no route at that path, a method the route does not
  take, no such static file): under ``/api``, JSON ``{"detail": …}``; for a page, the page that
  says why, with the same status code (a 401 shows the sign-in form).
- ``RequestValidationError`` (a parameter or form field of the wrong type or out of its bounds):
  under ``/api``, FastAPI's JSON (422, ``detail`` lists each problem); for a page, the error page
  (422) naming each field and what it expects.
- the checkout service's ``Refused``: the page's own answer if its router declared one with
  :func:`answer_refusals_with` (the kiosk: its page, or only the answer for htmx, with status
  200); under ``/api``, the checkout API's JSON (``fleet.api.refusal``: the reason and the
  message, 404 for an unknown id, 409 for the rest); on any other page, the error page with that
  status and the refusal's message.

So a route lets ``Refused`` go rather than catching it. Anything else a route raises is a bug:
``create_app``'s middleware logs it and answers :func:`server_error` (500).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping

from fastapi import FastAPI, HTTPException, Request, Response
from fastapi.exception_handlers import request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from onrecord.fleet.api import refusal
from onrecord.fleet.rules import NOT_FOUND, Refused
from onrecord.web.render import render

log = logging.getLogger("onrecord.web")

SERVER_ERROR = "something went wrong on the server; it has been logged"

RefusalAnswer = Callable[[Request, Refused], Response]
"""A page's answer to a checkout refusal raised by one of its routes."""


def answer_refusals_with(answer: RefusalAnswer) -> Callable[[Request], None]:
    """A dependency for a router whose pages answer a checkout refusal themselves: a ``Refused``
    its routes raise is answered by ``answer(request, refused)``."""

    def dependency(request: Request) -> None:
        request.state.refusal_answer = answer

    return dependency


def wants_json(request: Request) -> bool:
    """The API answers in JSON; everything else is a page."""
    return request.url.path.startswith("/api")


def _back_to(request: Request) -> str:
    """Where the sign-in form returns to: the page asked for, its query (a filtered review
    queue) included; for a form's POST, only its path, which a GET can open."""
    if request.method in ("GET", "HEAD") and request.url.query:
        return f"{request.url.path}?{request.url.query}"
    return request.url.path


def error_response(request: Request, exc: StarletteHTTPException) -> Response:
    """JSON for the API; for pages, the page that says why, with the same status code (a 401
    shows the sign-in form)."""
    if wants_json(request):
        return JSONResponse({"detail": exc.detail}, exc.status_code, headers=exc.headers)
    return error_page(request, exc.status_code, _page_message(request, exc), exc.headers)


def error_page(
    request: Request, status: int, message: str, headers: Mapping[str, str] | None = None
) -> Response:
    return render(
        request,
        "login.html.j2" if status == 401 else "error.html.j2",
        {"status": status, "message": message, "next": _back_to(request)},
        status_code=status,
        headers=headers,
    )


def _page_message(request: Request, exc: StarletteHTTPException) -> str:
    """Our own refusals say why; Starlette's (no route, a method the route does not take, no
    static file) only name the status, so the page says it in words."""
    if isinstance(exc, HTTPException) or exc.status_code not in (404, 405):
        return str(exc.detail)
    if exc.status_code == 404:
        return f"There is no page at {request.url.path}."
    return f"{request.url.path} cannot be asked with {request.method}."


async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
    return error_response(request, exc)


async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
    """422: FastAPI's JSON under ``/api``; for a page, the error page naming each problem."""
    if wants_json(request):
        return await request_validation_exception_handler(request, exc)
    problems = "; ".join(
        f"{'.'.join(str(part) for part in e['loc'][1:]) or e['loc'][0]}: {e['msg']}"
        for e in exc.errors()
    )
    return error_page(request, 422, f"The address or form is not valid: {problems}.")


def server_error(request: Request) -> Response:
    """500, for a route that raised what it should not (the caller has logged it): the error
    page or JSON ``{"detail": …}``, naming nothing of the failure itself."""
    try:
        return error_response(request, HTTPException(500, SERVER_ERROR))
    except Exception:  # the page cannot be made either (say, the database is down)
        log.exception("the error page for %s %s failed", request.method, request.url.path)
        return HTMLResponse(f"<!doctype html><title>500</title><p>{SERVER_ERROR}.</p>", 500)


def refused(request: Request, exc: Refused) -> Response:
    """A checkout refusal, answered as the request wants it (see the module's docstring). Not
    async: a page's answer reads the database, so it runs in the thread pool, as the route did."""
    answer: RefusalAnswer | None = getattr(request.state, "refusal_answer", None)
    if answer is not None:
        try:
            return answer(request, exc)
        except HTTPException as e:  # the answering page is itself missing (an unknown station)
            return error_response(request, e)
    if wants_json(request):
        return refusal(exc)
    status = 404 if exc.reason in NOT_FOUND else 409
    return error_response(request, HTTPException(status, exc.message))


def install(app: FastAPI) -> None:
    """Register the handlers on ``app``."""
    app.exception_handler(StarletteHTTPException)(http_error)
    app.exception_handler(RequestValidationError)(invalid_request)
    app.exception_handler(Refused)(refused)
