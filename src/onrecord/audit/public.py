"""The public edition of a summary: aggregates only, small cells suppressed.

Oversight bodies publish these numbers, so no officer or encounter may be identifiable: the
per-officer breakdown is removed, and every count from 1 to 4 (and any rate built on such a
count) is replaced by ``null`` and listed as suppressed.
"""

from __future__ import annotations

import copy
from typing import Any

MIN_CELL = 5


def _small(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and 0 < v < MIN_CELL


def _suppress_row(row: dict[str, Any]) -> list[str]:
    hidden = []
    for key, value in list(row.items()):
        if _small(value):
            row[key] = None
            hidden.append(key)
        elif isinstance(value, dict) and {"numerator", "denominator"} <= value.keys():
            num, den = value["numerator"], value["denominator"]
            if _small(num) or _small(den):
                row[key] = {"numerator": None, "denominator": None, "rate": None}
                hidden.append(key)
    return hidden


def public_summary(summary: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``summary`` fit for publication."""
    out = copy.deepcopy(summary)
    out["public"] = True
    out["suppression"] = {
        "rule": f"counts from 1 to {MIN_CELL - 1} and rates built on them are withheld",
        "removed": ["rates.by.officer", "data_quality.groups.example", "package.path"],
        "cells": 0,
    }
    rates = out["rates"]
    rates["by"].pop("officer", None)
    out["package"].pop("path", None)  # a folder on the machine that ran the audit
    out["policy"]["origin"] = out["policy"]["origin"].rsplit("/", 1)[-1]  # a file's name only
    cells = len(_suppress_row(rates["overall"]))
    for rows in rates["by"].values():
        for row in rows:
            cells += len(_suppress_row(row))
    for group in out["data_quality"]["groups"]:
        group.pop("example", None)  # names a file line, and often an officer id
        if _small(group["count"]):
            group["count"] = None
            cells += 1
    out["suppression"]["cells"] = cells
    return out
