"""What the vault's services raise when asked for something they cannot do."""

from __future__ import annotations


class VaultError(Exception):
    """The request cannot be done as given; the message says what is wrong and what to do
    (the CLI prints it and exits 2)."""


class IngestConflict(VaultError):
    """A second ingest under an item's source and key whose files differ from the first's: the
    source is describing a different recording under a name already used, so nothing is
    stored and the caller records the refusal."""
