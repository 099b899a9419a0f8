"""The redaction engine as the release jobs' redactor (``DEFAULT_REDACTOR``): a records
officer's choices turned into the engine's options, and the engine's refusals of the clip or the
choices into ``UnusableInput`` (the job then fails at once rather than being retried). A
machine without the face model is refused before it takes a job (``ready``)."""

from __future__ import annotations

from pathlib import Path

from onrecord.redaction import (
    INPUT_ERRORS,
    RedactionOptions,
    Style,
    parse_range,
    read_boxes,
    record_path,
    redact,
)
from onrecord.redaction.errors import ModelMissing
from onrecord.redaction.faces import model_path
from onrecord.release.redactor import Progress, RedactionChoices, UnusableInput


def ready() -> str | None:
    """Why the engine cannot run here (the face model is not installed), or None."""
    try:
        model_path()
    except ModelMissing as e:
        return str(e)
    return None


def options_of(choices: RedactionChoices) -> RedactionOptions:
    """The engine's options for ``choices``; ``UnusableInput`` for a bad range or boxes file."""
    try:
        return RedactionOptions(
            faces=choices.faces, plates=choices.plates, style=Style(choices.style.value),
            mutes=tuple(parse_range(m) for m in choices.mutes),
            boxes=read_boxes(choices.boxes, "boxes file") if choices.boxes else (),
        )  # fmt: skip
    except INPUT_ERRORS as e:
        raise UnusableInput(str(e)) from None


def redact_clip(source: Path, target: Path, choices: RedactionChoices, progress: Progress) -> Path:
    """Redact ``source`` into ``target`` as ``choices`` say; returns the record's path."""
    options = options_of(choices)
    try:
        redact(source, target, options, progress)
    except INPUT_ERRORS as e:
        raise UnusableInput(f"{source.name}: {e}") from None
    return record_path(target)
