"""Retention schedules as data and the disposition decision (vault contract, "Retention and
holds"; guide: docs/vault-retention.md)."""

from onrecord.vault.retention.load import (
    RetentionError,
    builtin_names,
    builtin_schedules,
    load_schedule,
    parse_schedule,
)
from onrecord.vault.retention.period import Period
from onrecord.vault.retention.schedule import Default, Rule, Schedule, Source, category_key

__all__ = [
    "Default",
    "Period",
    "RetentionError",
    "Rule",
    "Schedule",
    "Source",
    "builtin_names",
    "builtin_schedules",
    "category_key",
    "load_schedule",
    "parse_schedule",
]
