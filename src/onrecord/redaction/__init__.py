"""The redaction engine: faces (CenterFace, tracked through misses), licence plates (OpenCV's
cascade), a reviewer's boxes and muted ranges, written as H.264 MP4 with a record that makes the
output again. It imports nothing of OnRecord's but ``strict_yaml``."""

from onrecord.redaction.engine import (
    Detectors,
    OutputError,
    Progress,
    analyse,
    redact,
    render,
    replay,
)
from onrecord.redaction.errors import INPUT_ERRORS, InputError, ModelMissing, RedactionError
from onrecord.redaction.manual import Keyframe, ManualBox, read_boxes
from onrecord.redaction.options import RedactionOptions
from onrecord.redaction.ranges import parse_range, parse_time
from onrecord.redaction.record import RedactionRecord, Track, read_record, record_path
from onrecord.redaction.styles import Style

__all__ = [
    "INPUT_ERRORS", "Detectors", "InputError", "Keyframe", "ManualBox", "ModelMissing",
    "OutputError", "Progress", "RedactionError", "RedactionOptions", "RedactionRecord", "Style",
    "Track", "analyse", "parse_range", "parse_time", "read_boxes", "read_record", "record_path",
    "redact", "render", "replay",
]  # fmt: skip
