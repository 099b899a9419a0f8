"""Rule-by-rule comparison of two policies, for ``onrecord policy diff`` and the audit report."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from onrecord.policy.model import Policy


@dataclass(frozen=True)
class RuleDiff:
    """One rule on which two policies disagree: its key path and each policy's value."""

    key: str
    a: Any
    b: Any


def diff(a: Policy, b: Policy) -> list[RuleDiff]:
    """The rules whose values differ, in file order; id, title and source are not rules.

    Word lists are in canonical order, so plain equality compares them as sets. ``all`` differs
    from a list of every known word: it also takes in words the contract does not list.
    """
    ra, rb = a.rules(), b.rules()
    return [RuleDiff(key, ra[key], rb[key]) for key in ra if ra[key] != rb[key]]


def format_value(value: Any) -> str:
    """A rule value as a person reads it: ``true``, ``30``, ``all``, ``privacy, bystanders``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ", ".join(value) if value else "none"
    return str(value)
