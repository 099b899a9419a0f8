"""Retention schedules as data and the disposition decision (vault contract, "Retention and
holds"; guide: docs/vault-retention.md).

``load_schedule`` reads a built-in name or a YAML file into a ``Schedule``; ``decide`` and
``plan_disposition`` say, for items, the holds in force, the open cases and an instant, what may
be disposed of and why. Pure: the database and the clock belong to the caller.
"""

from onrecord.vault.retention.decide import Decision, Hold, ItemFacts, decide, plan_disposition
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
    "Decision",
    "Default",
    "Hold",
    "ItemFacts",
    "Period",
    "RetentionError",
    "Rule",
    "Schedule",
    "Source",
    "builtin_names",
    "builtin_schedules",
    "category_key",
    "decide",
    "load_schedule",
    "parse_schedule",
    "plan_disposition",
]
