"""A reviewer's boxes file: regions to cover that no detector finds (a screen, a tattoo, a
document), read from YAML (JSON is read too, being YAML), every problem at its line and column.

    boxes:
      - label: laptop screen      # one box at one frame: the tracker carries it
        time: "0:01.5"            # or frame: 15
        x: 100
        y: 40
        w: 80
        h: 60
        end_time: "0:04"          # optional (or end_frame): carried until then, else to the end
      - label: tattoo             # several keyframes: interpolated from the first to the last
        keyframes:
          - {frame: 10, x: 5, y: 5, w: 20, h: 20}
          - {frame: 30, x: 50, y: 5, w: 20, h: 20}
        end_frame: 45             # optional: the last keyframe's box held until then
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator

from onrecord import strict_yaml
from onrecord.redaction.errors import InputError
from onrecord.redaction.ranges import parse_time


def _seconds(v: object) -> float:
    """A time as ``parse_time`` reads it, or a number of seconds."""
    if isinstance(v, bool):
        raise strict_yaml.expected('a time: seconds (75.5) or m:ss ("1:15.5")')
    if isinstance(v, int | float):
        if v < 0:
            raise strict_yaml.expected("a time of 0 or more")
        return float(v)
    if isinstance(v, str):
        try:
            return parse_time(v)
        except InputError as e:
            raise strict_yaml.expected(str(e)) from None
    raise strict_yaml.expected('a time: seconds (75.5) or m:ss ("1:15.5")')


Seconds = Annotated[float, BeforeValidator(_seconds)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=False)


class Keyframe(_Strict):
    """Where the region is at one frame (by number, from 0) or time (seconds into the clip)."""

    frame: int | None = Field(default=None, ge=0)
    time: Seconds | None = None
    x: float
    y: float
    w: float = Field(gt=0)
    h: float = Field(gt=0)

    @model_validator(mode="after")
    def _one_place_in_time(self) -> Keyframe:
        if (self.frame is None) == (self.time is None):
            raise ValueError("give either frame or time (one of them)")
        return self


class ManualBox(_Strict):
    """One region a reviewer marked: at a single frame (carried by the tracker) or at several
    keyframes (interpolated between them)."""

    label: str = Field(min_length=1)
    frame: int | None = Field(default=None, ge=0)
    time: Seconds | None = None
    x: float | None = None
    y: float | None = None
    w: float | None = Field(default=None, gt=0)
    h: float | None = Field(default=None, gt=0)
    keyframes: tuple[Keyframe, ...] = ()
    end_frame: int | None = Field(default=None, ge=0)
    end_time: Seconds | None = None

    @model_validator(mode="after")
    def _single_or_keyframes(self) -> ManualBox:
        single = (self.frame, self.time, self.x, self.y, self.w, self.h)
        if self.keyframes:
            if any(v is not None for v in single):
                raise ValueError("give either keyframes or one frame/time with x, y, w, h")
            if len(self.keyframes) < 2:
                raise ValueError("keyframes: give two or more (or one box without keyframes)")
        elif any(v is None for v in (self.x, self.y, self.w, self.h)) or (
            (self.frame is None) == (self.time is None)
        ):
            raise ValueError("give frame or time, and x, y, w, h (or a list of keyframes)")
        if self.end_frame is not None and self.end_time is not None:
            raise ValueError("give end_frame or end_time, not both")
        return self

    def marks(self) -> tuple[Keyframe, ...]:
        """The box's keyframes (a single box is its one keyframe)."""
        if self.keyframes:
            return self.keyframes
        assert self.x is not None and self.y is not None and self.w and self.h
        return (Keyframe(frame=self.frame, time=self.time, x=self.x, y=self.y, w=self.w, h=self.h),)


class BoxesFile(_Strict):
    boxes: tuple[ManualBox, ...]


MODELS: dict[tuple[str, ...], type[BaseModel]] = {
    (): BoxesFile,
    ("boxes",): ManualBox,
    ("boxes", "keyframes"): Keyframe,
}


def read_boxes(source: Path | str, origin: str | None = None) -> tuple[ManualBox, ...]:
    """The boxes in a file (a ``Path``) or in YAML/JSON text (a ``str``, reported as
    ``origin``); ``InputError`` naming the file, line and column of each problem."""
    if isinstance(source, Path):
        try:
            text = source.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            raise InputError(f"{source}: the boxes file cannot be read: {e}") from None
        origin = origin or str(source)
    else:
        text, origin = source, origin or "boxes"

    def refuse(messages: list[str]) -> Exception:
        return InputError("\n".join(messages))

    doc: dict[Any, Any] = strict_yaml.read_mapping(text, origin, "boxes:", refuse)
    try:
        return BoxesFile.model_validate(doc).boxes
    except ValidationError as e:
        problems = []
        for err in e.errors():
            loc = tuple(err["loc"])
            if err["type"] == "extra_forbidden":
                what = strict_yaml.unknown_key(loc, MODELS)
                problems.append(strict_yaml.at(origin, text, loc, what, at_key=True))
            else:
                what = err["msg"].removeprefix("Value error, ")
                problems.append(strict_yaml.at(origin, text, loc, what))
        raise InputError("\n".join(problems)) from None
