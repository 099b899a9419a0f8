"""What the release services raise when asked for something they cannot do."""

from __future__ import annotations


class ReleaseError(Exception):
    """The request cannot be done as given; the message says what is wrong and what to do
    (the CLI prints it and exits 2)."""


class IllegalTransition(ReleaseError):
    """A records request asked to move to a status its current one does not lead to."""
