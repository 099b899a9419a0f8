"""Retention schedules as data and the disposition decision (vault contract, "Retention and
holds"; guide: docs/vault-retention.md)."""

from onrecord.vault.retention.period import Period

__all__ = ["Period"]
