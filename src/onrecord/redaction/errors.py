"""The redaction engine's errors: input that cannot be used (refused at once, never retried)
apart from an installation that lacks the face model."""

from __future__ import annotations


class RedactionError(Exception):
    """Anything the engine refuses, with a message a person can act on."""


class InputError(RedactionError):
    """The clip, a range, a boxes file or a choice cannot be used as given."""


class ModelMissing(RedactionError):
    """The face model is not installed here (an installation problem, not the clip's)."""


INPUT_ERRORS: tuple[type[Exception], ...] = (InputError,)
"""Exception types meaning the input or the choices cannot be used: retrying fails the same way."""
