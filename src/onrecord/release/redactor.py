"""What a redaction job asks of the redaction engine, kept narrow so that the jobs, the queue
and the release flow do not depend on how redaction is done.

A ``Redactor`` is a callable: it reads the clip at ``source``, writes the redacted clip to
``target`` and its redaction record beside it, calls ``progress`` (phase, frames done, frames in
all) as it goes, and returns the record's path. It raises ``UnusableInput`` when the clip or the
choices cannot be used (the job then fails at once, with that message, rather than being
retried); anything else it raises is taken for a passing failure and the job is retried.

The worker is told which redactor to run by name (``module:function``), so the queue never
carries code, and a department can run its own. Its module may define ``ready() -> str | None``:
why it cannot run on this machine (a model not installed), asked before a worker starts and
before the console offers redaction, so a job never goes to a worker that could only fail it.

The choices travel with the job as JSON (``RedactionChoices``): they are what a records officer
picks, and the redactor turns them into its own options.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Protocol

from pydantic import BaseModel, ConfigDict, Field

from onrecord.release.errors import ReleaseError

Progress = Callable[[str, int, int], None]
"""Called with the phase (e.g. "searching", "writing"), frames done and frames in all."""

DEFAULT_REDACTOR: str = "onrecord.release.engine:redact_clip"
"""The redactor ``onrecord worker`` runs when not told (``module:function``): OnRecord's own
redaction engine (``onrecord.redaction``)."""


class UnusableInput(ReleaseError):
    """The clip or the choices cannot be redacted as given; retrying would fail the same way."""


class Style(StrEnum):
    """How covered regions look."""

    BLUR = "blur"
    PIXELATE = "pixelate"
    SOLID = "solid"


class RedactionChoices(BaseModel):
    """What to redact and how, as the records officer chose it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    faces: bool = True
    plates: bool = False
    style: Style = Style.BLUR
    mutes: tuple[str, ...] = ()
    """Ranges of the clip to silence, ``START-END`` as the redactor reads them."""
    boxes: str | None = Field(default=None, max_length=10_000_000)
    """The text of a reviewer's boxes file (regions to cover), carried whole so that a worker on
    another machine needs no shared folder."""


class Redactor(Protocol):
    def __call__(
        self, source: Path, target: Path, choices: RedactionChoices, progress: Progress
    ) -> Path: ...


def resolve(name: str) -> Redactor:
    """The redactor named ``module:function``, or a ``ReleaseError`` saying what is wrong (its
    module's ``ready()`` included, when it has one)."""
    module, _, attribute = name.partition(":")
    if not module or not attribute:
        raise ReleaseError(f"redactor {name!r}: give it as module:function")
    try:
        found = getattr(importlib.import_module(module), attribute)
    except ImportError as e:
        raise ReleaseError(
            f"redactor {name!r}: module {module!r} cannot be imported ({e})"
        ) from None
    except AttributeError:
        raise ReleaseError(f"redactor {name!r}: {module} has no {attribute!r}") from None
    if not callable(found):
        raise ReleaseError(f"redactor {name!r} is not callable")
    ready = getattr(importlib.import_module(module), "ready", None)
    problem = ready() if callable(ready) else None
    if problem is not None:
        raise ReleaseError(f"redactor {name!r} cannot run here: {problem}")
    redactor: Redactor = found
    return redactor
