"""The redaction engine: faces (CenterFace, tracked through misses), licence plates (OpenCV's
cascade), a reviewer's boxes and muted ranges, written as H.264 MP4 with a record that makes the
output again. It imports nothing of OnRecord's but ``strict_yaml``.

The engine's functions (``redact``, ``render``…) load PyAV, OpenCV and onnxruntime, which take
a second to import; they are imported when first used, so the ``onrecord`` command and the
console start without them and a reader of options, records or boxes files never pays for them.
"""

from typing import TYPE_CHECKING, Any

from onrecord.redaction.drawn import Drawn, Still
from onrecord.redaction.errors import INPUT_ERRORS, InputError, ModelMissing, RedactionError
from onrecord.redaction.manual import Keyframe, ManualBox, read_boxes
from onrecord.redaction.options import RedactionOptions, Style
from onrecord.redaction.ranges import check_mutes, parse_range, parse_time
from onrecord.redaction.record import RedactionRecord, Track, read_record, record_path
from onrecord.redaction.waveform import Waveform

if TYPE_CHECKING:
    from onrecord.redaction.edits import still, with_box
    from onrecord.redaction.engine import (
        Detectors,
        OutputError,
        Progress,
        analyse,
        redact,
        remute,
        render,
        replay,
    )
    from onrecord.redaction.media import loudness

_ENGINE = frozenset(
    ("Detectors", "OutputError", "Progress", "analyse", "redact", "remute", "render", "replay")
)
_EDITS = frozenset(("still", "with_box"))


def __getattr__(name: str) -> Any:
    if name in _ENGINE:
        from onrecord.redaction import engine

        return getattr(engine, name)
    if name in _EDITS:
        from onrecord.redaction import edits

        return getattr(edits, name)
    if name == "loudness":
        from onrecord.redaction import media

        return media.loudness
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "INPUT_ERRORS", "Detectors", "Drawn", "InputError", "Keyframe", "ManualBox", "ModelMissing",
    "OutputError", "Progress", "RedactionError", "RedactionOptions", "RedactionRecord", "Still",
    "Style", "Track", "Waveform", "analyse", "check_mutes", "loudness", "parse_range",
    "parse_time", "read_boxes", "read_record", "record_path", "redact", "remute", "render",
    "replay", "still", "with_box",
]  # fmt: skip
