"""Fuzzing the console with schemathesis: every route (the OpenAPI document's, and the pages,
which it leaves out) with generated parameters and bodies, as the public and as an account of
each role, against the in-process app (no network). No answer may be a server error, and every
answer carries the security headers (errors: no-store too).

Besides made-up values, the generated requests use ids the site has (so that they get past "no
such station") and numbers and times past what the databases and Python's datetime hold.

Bounded for CI: schemathesis's own boundary cases (missing and mistyped fields, other methods)
and five generated examples per operation, derandomized so that every run sends the same
requests, not shrunk (about 700 cases, each sent as five callers: 20 to 30 s on two cores).
"""

from __future__ import annotations

import copy
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st

from onrecord.web import opendata
from onrecord.web.app import create_app
from onrecord.web.results import ReviewFilter
from onrecord.web.routes import resources
from onrecord.web.settings import Settings
from web_support import ROLES, Site, client, csrf_of

SECURITY_HEADERS = {
    "content-security-policy": "default-src",
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
}


@dataclass
class Caller:
    """One role's own app (over its own copy of the database, so that what one role changes
    while fuzzed cannot lock another out) and the headers that sign it in."""

    role: str
    app: FastAPI
    headers: dict[str, str]


KNOWN: dict[str, list[Any]] = {}
"""Values the site has, by parameter or field name (``station_id``: its stations...), which
the generated requests use besides made-up ones, so that they reach past "no such station":
filled by the ``site`` fixture, read while the cases are drawn."""


EXTREMES = {
    int: [10**23, -(10**23), 2**63],  # past every database's integers
    datetime: ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00"],  # past datetime's range
}


def _kind(value: Any) -> type | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return int
    if isinstance(value, str) and value[:1].isdigit():
        try:
            datetime.fromisoformat(value)
        except ValueError:
            return None
        return datetime
    return None


def with_known(values: Any) -> st.SearchStrategy[Any]:
    """``values`` (path parameters, query, a JSON or form body), or the same with some of
    them replaced by ones the site has, or by numbers and times at the edges of what Python
    and the databases hold."""
    if not isinstance(values, dict):
        return st.just(values)
    choices = {
        k: st.sampled_from([v, *KNOWN.get(k, []), *EXTREMES.get(_kind(v), [])])
        for k, v in values.items()
    }
    return st.fixed_dictionaries(choices)


@pytest.fixture(scope="module")
def site(built_site: Site, tmp_path_factory: pytest.TempPathFactory) -> Site:
    site = built_site.copy(tmp_path_factory.mktemp("fuzz"))
    queue = site.results.review(ReviewFilter()).rows[:3]
    with site.service() as svc:
        cameras = [c.camera_id for c in svc.cameras_at(site.station)][:3]
    known = {
        ("station_id", "station"): site.results.stations(),
        ("officer_id", "officer", "badge"): [r["officer_id"] for r in queue],
        ("encounter_id",): [r["encounter_id"] for r in queue],
        ("camera_id", "camera"): cameras,
        ("policy_id", "a", "b"): ["boston-rule-405-2019", "mandate-all"],
        ("name",): [*opendata.DATASETS, "report.css", "sort.js"],
        ("user_id",): [1, 2, 3, 4, 5, 6],
        ("item_id",): list(site.items.values()),
        ("position",): [0, 1, 2],
        ("index",): [0, 1, 2],
        ("hold_id", "share_id"): [1],
        **{(k,): v for k, v in site.results.review_options().items() if k != "station"},
    }
    KNOWN.update({name: values for names, values in known.items() for name in names})
    return site


@pytest.fixture(scope="module")
def callers(site: Site, tmp_path_factory: pytest.TempPathFactory) -> list[Caller]:
    found = []
    for role in ("public", *ROLES):
        db = tmp_path_factory.mktemp(f"fuzz-{role}") / "console.db"
        shutil.copy(site.db_url.removeprefix("sqlite:///"), db)
        app = create_app(
            Settings(audit_dir=site.audit, db_url=f"sqlite:///{db}"), site.results, site.store
        )
        c = client(app, None if role == "public" else role)
        token = csrf_of(c.get("/login").text)  # sets the CSRF cookie if signing in did not
        cookies = "; ".join(f"{k}={v}" for k, v in c.cookies.items())
        headers = {"Cookie": cookies, "X-CSRF-Token": token}
        found.append(Caller(role, app, headers))
    return found


def every_route() -> dict[str, Any]:
    """The OpenAPI document of every route of the console, the pages included (the app's own
    document leaves them out), from the resources' routers as ``create_app`` includes them: so
    the tests are made when the module is collected, before any site is built."""
    app = FastAPI()
    pages = []
    for resource in resources():
        for router in resource.routers:
            app.include_router(router)
            for route in router.routes:
                if isinstance(route, APIRoute) and not route.include_in_schema:
                    page = copy.copy(route)
                    page.include_in_schema = True
                    pages.append(page)
    return get_openapi(title="every route", version="0", routes=[*app.routes, *pages])


def header(response: Any, name: str) -> str:
    """A header of schemathesis's response (whose headers map names to lists of values)."""
    return ", ".join(response.headers.get(name, []))


schema = schemathesis.openapi.from_dict(every_route())
for location in ("path_parameters", "query", "body"):
    schema.hook(f"flatmap_{location}")(lambda context, values: with_known(values))


@schema.parametrize()
@settings(
    max_examples=5,
    derandomize=True,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_every_route_as_every_role(case: Any, callers: list[Caller]) -> None:
    for caller in callers:
        r = case.call(
            app=caller.app,
            headers=caller.headers,
            base_url="http://testserver",
            allow_redirects=False,
        )
        what = f"{caller.role}: {case.method} {case.formatted_path} → {r.status_code}"
        assert r.status_code < 500, what
        for name, value in SECURITY_HEADERS.items():
            assert value in header(r, name), f"{what} without {name}"
        if r.status_code >= 400:
            assert "no-store" in header(r, "cache-control"), f"{what} may be cached"


def numbers(
    spec: dict[str, Any], components: dict[str, Any], name: str
) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every number in a parameter's or body's JSON Schema: (its name, its schema)."""
    if "$ref" in spec:
        spec = components[spec["$ref"].rsplit("/", 1)[-1]]
    for option in spec.get("anyOf", []):
        yield from numbers(option, components, name)
    if spec.get("type") in ("integer", "number"):
        yield name, spec
    for field, sub in spec.get("properties", {}).items():
        yield from numbers(sub, components, f"{name}.{field}")


def test_every_number_a_route_takes_is_bounded() -> None:
    """Offsets, limits, ids, charges...: each declares its least and greatest value, so that
    the app answers 422 outside them instead of handing the database what it cannot hold."""
    doc = every_route()
    components = doc.get("components", {}).get("schemas", {})
    found, unbounded = [], []
    for path, operations in doc["paths"].items():
        for method, op in operations.items():
            where = f"{method.upper()} {path}"
            taken = [(p["name"], p["schema"]) for p in op.get("parameters", [])]
            for content in op.get("requestBody", {}).get("content", {}).values():
                taken.append(("body", content["schema"]))
            for name, taken_schema in taken:
                for number, spec in numbers(taken_schema, components, name):
                    found.append(f"{where} {number}")
                    least = {"minimum", "exclusiveMinimum"} & spec.keys()
                    greatest = {"maximum", "exclusiveMaximum"} & spec.keys()
                    if not least or not greatest:
                        unbounded.append(f"{where} {number}")
    assert len(found) >= 5 and unbounded == []
