"""Which shifts a policy requires a camera on, as SQL: one definition for the audit and the planner.

A shift is *eligible* when its kind, uniform and unit match ``camera_required``; it is *required*
when it is eligible and, under ``trained_only``, its officer was trained by the shift's local date.
The expressions read a shift row aliased ``x`` and an officer row aliased ``ofc`` (see
``officer_join``), so callers join the same way and cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass

from onrecord.package.values import one_of
from onrecord.policy.model import Policy


def in_list(expr: str, words: list[str] | str) -> str:
    """``expr`` is one of ``words`` (false for a missing value), or true when the policy says
    ``all``."""
    if words == "all":
        return "true"
    if not words:
        return "false"
    return f"coalesce({one_of(expr, words)}, false)"


def officer_join(has_officers: bool) -> str:
    """``LEFT JOIN`` of the officer row as ``ofc``; a typed all-NULL row when there is no table."""
    if has_officers:
        return "LEFT JOIN officers ofc ON ofc.officer_id = x.officer_id"
    return (
        "LEFT JOIN (SELECT NULL::VARCHAR AS officer_id, NULL::VARCHAR AS unit, "
        "NULL::VARCHAR AS station_id, NULL::DATE AS trained_on) ofc "
        "ON ofc.officer_id = x.officer_id"
    )


@dataclass(frozen=True)
class ShiftRequirement:
    """SQL boolean expressions over ``x`` (shifts) and ``ofc`` (officers)."""

    eligible: str
    trained: str

    @property
    def required(self) -> str:
        return f"(({self.eligible}) AND ({self.trained}))"


def shift_requirement(
    policy: Policy, tz: str, shift: str = "x.", officer: str = "ofc."
) -> ShiftRequirement:
    """The policy's camera requirement; ``tz`` is the department's zone as a SQL string literal.
    The shift's and the officer's columns are named with the prefixes ``shift`` and ``officer``
    (the audit engine reads both from one row, the officer's as ``ofc_unit`` and so on)."""
    cr = policy.camera_required
    x, ofc = shift, officer
    eligible = " AND ".join(
        [
            in_list(f"{x}kind", cr.shift_kinds),
            f"{x}uniformed" if cr.uniformed_only else "true",
            in_list(f"coalesce({x}unit, {ofc}unit)", cr.units),
        ]
    )
    trained = (
        f"coalesce({ofc}trained_on <= CAST(timezone({tz}, {x}start) AS DATE), false)"
        if cr.trained_only
        else "true"
    )
    return ShiftRequirement(eligible, trained)
