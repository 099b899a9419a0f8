"""The console by resource: one module here per resource (the public dashboard, sign-in, the
overview, the review queue, policies, accounts, the fleet, the kiosk), each holding its pages
and its JSON endpoints together.

Every module in this package declares ``resource = Resource(...)``: its routers.
:func:`resources` finds them all, so a new resource is one new module here (and its templates);
``create_app`` includes every resource's routers. The logic the routes call (results, views,
timeline, policy_store, account_store, fleet_status…) lives in ``onrecord.web`` beside this
package, and what every route asks of the request (roles, the app's state) in ``deps``.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass

from fastapi import APIRouter


@dataclass(frozen=True)
class Resource:
    """What one route module adds to the app: its routers (say, ``api`` for the JSON under
    ``/api`` and ``pages`` for the HTML)."""

    routers: tuple[APIRouter, ...]


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
