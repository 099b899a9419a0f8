"""The redaction record: everything needed to make the output again from the same clip (the
detectors and their versions, the settings, every track with its box at every frame, the
reviewer's boxes and the mutes) and to check it was (the SHA-256 of input and output)."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Final, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from onrecord.redaction.errors import InputError
from onrecord.redaction.manual import ManualBox
from onrecord.redaction.options import Style
from onrecord.redaction.prepared import Precision
from onrecord.redaction.tracking import How

FORMAT: Final = "onrecord.redaction-record/1"


class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Detector(_Part):
    name: str
    version: str
    model: str
    sha256: str | None = None
    """The model file's, as it ships."""
    runtime: str
    precision: Precision | None = None
    """Which copy of the model ran (``prepared``); ``None`` for a detector with one copy."""
    prepared_sha256: str | None = None
    """The SHA-256 of the copy that ran, as onnxruntime loaded it."""


class Settings(_Part):
    face_threshold: float
    detect_every: int
    refine: bool = False
    """Whether the frames between disagreeing looks were looked at too (``refine``)."""
    detect_size: int
    padding: float
    extend: int
    max_gap: int
    style: Style
    encoder: dict[str, str]


class Video(_Part):
    width: int
    height: int
    fps: str
    """A fraction such as 30000/1001."""
    time_base: str
    frames: int
    rotation: int
    audio: bool


FrameBox = tuple[int, int, int, int, int, How]
"""``[frame, x, y, w, h, how]``: the pixel rectangle covered at that frame."""


class Track(_Part):
    id: int
    kind: Literal["face", "plate", "manual"]
    label: str | None = None
    accepted: bool = True
    """A reviewer may reject a track; ``render`` covers accepted tracks only."""
    boxes: tuple[FrameBox, ...]


class FileRef(_Part):
    name: str
    sha256: str


class RedactionRecord(_Part):
    format: Literal["onrecord.redaction-record/1"] = FORMAT
    tool: str
    """``onrecord <version>``."""
    detectors: tuple[Detector, ...]
    settings: Settings
    video: Video
    tracks: tuple[Track, ...]
    manual_boxes: tuple[ManualBox, ...] = ()
    mutes: tuple[tuple[float, float], ...] = ()
    input: FileRef
    output: FileRef | None = Field(default=None)

    def to_json(self) -> str:
        """One track per line: readable, and quick to write for long clips."""
        body = self.model_dump(mode="json", exclude={"tracks"})
        tracks = [json.dumps(t.model_dump(mode="json"), separators=(",", ":")) for t in self.tracks]
        head = json.dumps(body, indent=1)[:-2]
        return head + ',\n "tracks": [\n  ' + ",\n  ".join(tracks) + "\n ]\n}\n"


def record_path(target: Path) -> Path:
    """Where the record of an output is kept: beside it, ``clip.mp4`` -> ``clip.redaction.json``."""
    return target.with_suffix(".redaction.json")


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def write_record(record: RedactionRecord, path: Path) -> None:
    """Write the record by a temporary name and a rename, so it is whole or absent."""
    partial = path.with_name(path.name + ".partial")
    partial.write_text(record.to_json(), encoding="utf-8")
    os.replace(partial, path)


def read_record(path: Path) -> RedactionRecord:
    """A record written by ``write_record``; ``InputError`` for anything else."""
    try:
        return RedactionRecord.model_validate_json(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(f"{path}: the redaction record cannot be read: {e}") from None
    except ValidationError as e:
        first = e.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise InputError(
            f"{path}: not a redaction record ({FORMAT}): {where}: {first['msg']}"
        ) from None
