"""The console by resource: one module here per resource (the public dashboard, sign-in, the
overview, the review queue, policies, accounts, the fleet, the kiosk), each holding its pages
and its JSON endpoints together.

Every module in this package declares ``resource = Resource(...)``: its routers and its entries
in the navigation. :func:`resources` finds them all, so a new resource is one new module here
(and its templates); ``create_app`` includes every resource's routers, and every page's header
lists the navigation entries the account's role may see, in their ``order``.

The logic the routes call (results, views, timeline, policy_store, account_store,
fleet_status…) lives in ``onrecord.web`` beside this package, and what every route asks of the
request (roles, the app's state) in ``deps``.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass

from fastapi import APIRouter

from onrecord.database.accounts import Role


@dataclass(frozen=True)
class NavEntry:
    """A link in the header's navigation: shown to ``roles`` (``None``: to everyone, signed in
    or not), placed by ``order`` (lowest first) among every resource's entries."""

    label: str
    path: str
    roles: tuple[Role, ...] | None
    order: int

    def shown_to(self, role: Role | None) -> bool:
        """Whether an account of ``role`` (``None``: the anonymous public) sees the link."""
        return self.roles is None or (role is not None and role in self.roles)

    def is_current(self, path: str) -> bool:
        """Whether the page at ``path`` is this entry's: its path begins with the entry's (the
        dashboard's is only ``/`` itself)."""
        return path == self.path or (self.path != "/" and path.startswith(self.path))


@dataclass(frozen=True)
class Resource:
    """What one route module adds to the app: its routers (say, ``api`` for the JSON under
    ``/api`` and ``pages`` for the HTML) and its links in the navigation."""

    routers: tuple[APIRouter, ...]
    nav: tuple[NavEntry, ...] = ()


def resources() -> list[Resource]:
    """Every module's resource, in the order of the modules' names."""
    found: list[Resource] = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        resource = getattr(module, "resource", None)
        if not isinstance(resource, Resource):
            raise TypeError(f"{module.__name__} declares no resource = Resource(...)")
        found.append(resource)
    return found


def navigation(found: list[Resource]) -> tuple[NavEntry, ...]:
    """Every resource's navigation entries, in their order."""
    return tuple(sorted((e for r in found for e in r.nav), key=lambda e: e.order))
