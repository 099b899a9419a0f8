"""The console's layout: every module of ``onrecord.web.routes`` is a resource, the navigation is
theirs (by role, in order), and only ``deps`` reads the app's state."""

from __future__ import annotations

import pkgutil
from pathlib import Path

from onrecord.database.accounts import Role
from onrecord.web import routes
from onrecord.web.routes import navigation, resources

WEB = Path(routes.__file__).parent.parent


def test_every_route_module_is_a_resource() -> None:
    modules = list(pkgutil.iter_modules(routes.__path__))
    found = resources()
    assert len(found) == len(modules) and all(r.routers for r in found)


def test_the_navigation_by_role() -> None:
    nav = navigation(resources())
    shown = {role: [e.path for e in nav if e.shown_to(role)] for role in (None, *Role)}
    assert shown == {
        None: ["/"],
        Role.ADMIN: [
            "/",
            "/overview",
            "/gap",
            "/policies",
            "/fleet",
            "/admin/users",
            "/access-log",
        ],
        Role.MANAGER: ["/", "/overview", "/gap", "/policies", "/fleet"],
        Role.SUPERVISOR: ["/", "/overview", "/gap", "/review", "/policies"],
        Role.AUDITOR: [
            "/",
            "/overview",
            "/gap",
            "/review",
            "/evidence",
            "/holds",
            "/shares",
            "/disposition",
            "/requests",
            "/policies",
            "/fleet",
            "/access-log",
            "/custody-log",
        ],
        Role.CUSTODIAN: [
            "/",
            "/upload",
            "/evidence",
            "/holds",
            "/shares",
            "/disposition",
            "/requests",
            "/custody-log",
        ],
        Role.INVESTIGATOR: ["/", "/evidence"],
    }
    dashboard, review = nav[0], next(e for e in nav if e.path == "/review")
    assert dashboard.is_current("/") and not dashboard.is_current("/review")
    assert review.is_current("/review/E1") and not review.is_current("/")


def test_only_deps_reads_the_app_state() -> None:
    readers = [
        str(p.relative_to(WEB))
        for p in sorted(WEB.rglob("*.py"))
        if "request.app.state" in p.read_text(encoding="utf-8")
    ]
    assert readers == ["deps.py"]
