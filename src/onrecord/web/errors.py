"""How the console answers what its routes raise, once for every route (``install`` registers
the handlers on the app):

- ``HTTPException``: under ``/api``, JSON ``{"detail": …}``; for a page, the page that says why,
  with the same status code (a 401 shows the sign-in form).
- the checkout service's ``Refused``: the page's own answer if its router declared one with
  :func:`answer_refusals_with` (the kiosk: its page, or only the answer for htmx, with status
  200); under ``/api``, the checkout API's JSON (``fleet.api.refusal``: the reason and the
  message, 404 for an unknown id, 409 for the rest); on any other page, the error page with that
  status and the refusal's message.

So a route lets ``Refused`` go rather than catching it.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI, HTTPException, Request, Response
from fastapi.responses import JSONResponse

from onrecord.fleet.api import refusal
from onrecord.fleet.rules import NOT_FOUND, Refused
from onrecord.web.render import render

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


def error_response(request: Request, exc: HTTPException) -> Response:
    """JSON for the API; for pages, the page that says why, with the same status code (a 401
    shows the sign-in form)."""
    if wants_json(request):
        return JSONResponse({"detail": exc.detail}, exc.status_code, headers=exc.headers)
    return render(
        request,
        "login.html.j2" if exc.status_code == 401 else "error.html.j2",
        {"status": exc.status_code, "message": exc.detail, "next": _back_to(request)},
        status_code=exc.status_code,
        headers=exc.headers,
    )


async def http_error(request: Request, exc: HTTPException) -> Response:
    return error_response(request, exc)


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
    app.exception_handler(HTTPException)(http_error)
    app.exception_handler(Refused)(refused)
