"""Policies as code: the rules an audit applies, as validated YAML profiles.

``load_policy`` reads a built-in id or a file; ``diff`` compares two policies rule by rule.
"""

from onrecord.policy.diff import RuleDiff, diff, format_value
from onrecord.policy.load import (
    PolicyError,
    builtin_ids,
    builtin_policies,
    load_policy,
    parse_policy,
    resolve_policy,
)
from onrecord.policy.model import (
    ALL,
    CameraRequired,
    Deactivation,
    Equipment,
    Policy,
    PolicyDocument,
    PolicyRules,
    RecordingRequired,
)

__all__ = [
    "ALL",
    "CameraRequired",
    "Deactivation",
    "Equipment",
    "Policy",
    "PolicyDocument",
    "PolicyError",
    "PolicyRules",
    "RecordingRequired",
    "RuleDiff",
    "builtin_ids",
    "builtin_policies",
    "diff",
    "format_value",
    "load_policy",
    "parse_policy",
    "resolve_policy",
]
