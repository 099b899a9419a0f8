"""The OpenAPI document (``/api/openapi.json``), by who asks: the whole of it to a signed-in
account, only its public part to the public.

The public part is the operations under ``/api/public/`` (the ones that need no account) and
the schemas they refer to; the rest of the API (accounts, the access log, the review queue, the
checkout service...) is the department's staff's business, and listing it to anyone on the
network would only be a map for whoever probes the console. Every signed-in role gets the whole
document: its operations are described in the console's own documentation anyway, and each
one checks its role itself (401, 403), so the document grants nothing.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from onrecord.web.deps import current_account

PUBLIC_PATHS = "/api/public/"
SCHEMAS = "#/components/schemas/"


def _refs(node: Any) -> set[str]:
    """The names of the schemas ``node`` refers to, at any depth."""
    if isinstance(node, dict):
        found = {node["$ref"].removeprefix(SCHEMAS)} if isinstance(node.get("$ref"), str) else set()
        return found.union(*(_refs(v) for v in node.values()))
    if isinstance(node, list):
        return set().union(*(_refs(v) for v in node))
    return set()


def public_part(doc: dict[str, Any]) -> dict[str, Any]:
    """``doc`` with only the operations under ``/api/public/`` and the schemas they use."""
    paths = {p: ops for p, ops in doc["paths"].items() if p.startswith(PUBLIC_PATHS)}
    schemas = doc.get("components", {}).get("schemas", {})
    used: set[str] = set()
    pending = _refs(paths)
    while pending:
        name = pending.pop()
        if name not in used and name in schemas:
            used.add(name)
            pending |= _refs(schemas[name])
    out = {k: v for k, v in doc.items() if k not in ("paths", "components")}
    out["info"] = {
        **doc["info"],
        "description": "The public part of the console's API; sign in for the whole document.",
    }
    out["paths"] = paths
    if used:
        out["components"] = {"schemas": {n: s for n, s in schemas.items() if n in used}}
    return out


def install(app: FastAPI, url: str) -> None:
    """Serve ``app``'s document at ``url`` (the app itself serves none: ``openapi_url=None``)."""
    public: dict[str, Any] = {}

    @app.get(url, include_in_schema=False)
    def openapi(request: Request) -> JSONResponse:
        if current_account(request) is not None:
            return JSONResponse(app.openapi())
        if not public:
            public.update(public_part(app.openapi()))
        return JSONResponse(public)
