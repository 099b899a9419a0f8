"""The objects the destination itself serves in the ``System`` container.

``Capabilities.json`` says what OnRecord stores and reads. The system treats any capability
missing or false as unsupported, and once one is declared it expects it for good, so the list is
fixed in code: everything the API defines, because OnRecord handles all of it, with
``ReadCategories`` only when the department has configured categories (otherwise the cameras
keep Axis's default list). ``Categories.json`` lists those categories.

Each answer carries an ``Etag`` with the MD5 of its exact body: the system checks it and logs
"object corrupt" without it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

CATEGORY_TEXT_BYTES = 64
"""Axis strings the user sees (names, locations) hold up to 64 bytes."""


class CategoryError(ValueError):
    """The configured categories cannot be served; the message says which and why."""


@dataclass(frozen=True)
class Category:
    """A category an officer can choose on the camera: ``id`` is what a recording's bookmark
    carries back (``CategoryID``) and becomes the item's category; ``name`` is what they see."""

    id: str
    name: str


@dataclass(frozen=True)
class SystemObject:
    """A served object's exact bytes and the MD5 (hex) its ``Etag`` carries."""

    body: bytes
    etag: str


def served(value: Any) -> SystemObject:
    """``value`` as compact UTF-8 JSON, with its MD5."""
    body = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
    return SystemObject(body, hashlib.md5(body, usedforsecurity=False).hexdigest())


def capabilities(read_categories: bool) -> dict[str, dict[str, bool]]:
    """What OnRecord declares (see the module's docstring)."""
    return {
        "Read": {"ReadCategories": read_categories},
        "Store": {
            "StoreBookmarks": True,
            "StoreGNSSTrackRecording": True,
            "StoreRejectedContent": True,
            "StoreSignedVideo": True,
            "StoreUserIDKey": True,
        },
        "StoreAndRead": {"StoreReadSystemID": True},
    }


def check_categories(categories: Sequence[Category]) -> tuple[Category, ...]:
    """``categories`` if the cameras can show them: ids and names present, not too long, each
    id once."""
    seen: set[str] = set()
    for n, c in enumerate(categories, 1):
        for field, text in (("id", c.id), ("name", c.name)):
            if not text.strip():
                raise CategoryError(f"category {n} has no {field}")
            if len(text.encode()) > CATEGORY_TEXT_BYTES:
                raise CategoryError(
                    f"category {n}'s {field} {text!r} is longer than {CATEGORY_TEXT_BYTES} bytes"
                )
        if c.id in seen:
            raise CategoryError(f"category id {c.id!r} is given twice")
        seen.add(c.id)
    return tuple(categories)


def system_objects(categories: Sequence[Category]) -> dict[str, SystemObject]:
    """The destination's ``System`` objects by name."""
    chosen = check_categories(categories)
    objects = {"Capabilities.json": served(capabilities(read_categories=bool(chosen)))}
    if chosen:
        objects["Categories.json"] = served([{"Name": c.name, "Id": c.id} for c in chosen])
    return objects
