"""A reviewer's box drawn on a frame (``redaction.edits``): held still, it covers the same
rectangle (rounded outwards to even pixels) from its frame to its end; followed, it is carried
as the engine carries a reviewer's box from a boxes file, decoding only from the key frame
before it; adjusting a track replaces its boxes over the new box's frames only. A frame is
shown as a JPEG picture. Bad boxes and times are refused with what to do."""

from __future__ import annotations

from pathlib import Path

import av
import cv2
import numpy as np
import pytest

from onrecord.redaction import InputError, ManualBox, RedactionOptions, RedactionRecord, redact
from onrecord.redaction.edits import Drawn, still, with_box
from redaction_support import make_clip

FPS = 12


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, RedactionRecord]:
    """24 frames at 12 a second, a key frame every 4, redacted with nothing found."""
    folder = tmp_path_factory.mktemp("edits")
    source = make_clip(folder / "in.mp4", frames=24, fps=FPS, keyint=4).path
    (folder / "out").mkdir()
    record = redact(source, folder / "out" / "o.mp4", RedactionOptions(faces=False))
    return source, record


def test_a_held_box_covers_its_frames_only(clip: tuple[Path, RedactionRecord]) -> None:
    source, record = clip
    # At 0.5 s is frame 6; until 1.0 s is frame 12. x 11..41 and y 21..61 round outwards to
    # even pixels: x 10..42, y 20..62.
    made = with_box(source, record, Drawn(0.5, 11, 21, 30, 40, follow=False, until=1.0))
    [track] = made.tracks
    assert (track.id, track.kind, track.label, track.accepted) == (
        1,
        "manual",
        "box at 0.50 s",
        True,
    )
    assert [b[0] for b in track.boxes] == list(range(6, 13))
    assert {b[1:5] for b in track.boxes} == {(10, 20, 32, 42)}
    assert [b[5] for b in track.boxes] == ["keyframe"] + ["extended"] * 6
    [box] = made.manual_boxes
    assert [(k.frame, k.x, k.w) for k in box.keyframes] == [(6, 11, 30), (12, 11, 30)]
    # Without an end, a new box is held to the clip's last frame.
    to_end = with_box(source, record, Drawn(1.9, 0, 0, 8, 8, follow=False))
    assert [b[0] for b in to_end.tracks[0].boxes] == [23]


def test_a_followed_box_is_carried_as_the_engine_carries_a_boxes_file(
    clip: tuple[Path, RedactionRecord], tmp_path: Path
) -> None:
    source, record = clip
    # Frame 7 is between key frames (every 4): decoding starts at frame 4.
    made = with_box(source, record, Drawn(7 / FPS, 100, 50, 40, 30, follow=True, until=15 / FPS))
    [drawn] = made.tracks
    box = ManualBox(label="b", frame=7, x=100, y=50, w=40, h=30, end_frame=15)
    engine = redact(source, tmp_path / "e.mp4", RedactionOptions(faces=False, boxes=(box,)))
    [carried] = engine.tracks
    assert drawn.boxes == carried.boxes
    assert [b[0] for b in drawn.boxes] == list(range(7, 16))
    assert {b[5] for b in drawn.boxes[1:]} == {"carried"}


def test_adjusting_a_track_replaces_its_boxes_over_the_new_frames_only(
    clip: tuple[Path, RedactionRecord],
) -> None:
    source, record = clip
    first = with_box(source, record, Drawn(0.0, 0, 0, 10, 10, follow=False, until=1.0))  # 0-12
    adjusted = with_box(
        source, first, Drawn(4 / FPS, 50, 50, 20, 20, follow=False, until=6 / FPS, track=1)
    )
    [track] = adjusted.tracks
    where = {b[0]: b[1:5] for b in track.boxes}
    assert sorted(where) == list(range(13))
    assert {where[f] for f in (0, 1, 2, 3, 7, 12)} == {(0, 0, 10, 10)}
    assert {where[f] for f in (4, 5, 6)} == {(50, 50, 20, 20)}
    assert adjusted.manual_boxes == first.manual_boxes  # an adjustment is no new box
    # Without an end, the adjustment runs to the track's last frame.
    rest = with_box(source, first, Drawn(10 / FPS, 2, 2, 4, 4, follow=False, track=1))
    assert {b[0]: b[1] for b in rest.tracks[0].boxes}[12] == 2


@pytest.mark.parametrize(
    ("drawn", "message"),
    [
        (Drawn(0.0, 300, 0, 40, 10, follow=False), "reaches outside the 320×180 frame"),
        (Drawn(0.0, -2, 0, 40, 10, follow=False), "x and y of 0 or more"),
        (Drawn(0.0, 0, 0, 1, 10, follow=False), "2 pixels or more"),
        (Drawn(2.5, 0, 0, 10, 10, follow=False), "2.5 s is past the clip's last frame"),
        (Drawn(1.0, 0, 0, 10, 10, follow=False, until=0.5), "before the box's time"),
        (Drawn(1.0, 0, 0, 10, 10, follow=False, track=9), "no track 9 to adjust"),
    ],
)
def test_bad_boxes_are_refused(
    clip: tuple[Path, RedactionRecord], drawn: Drawn, message: str
) -> None:
    with pytest.raises(InputError, match=message):
        with_box(clip[0], clip[1], drawn)


@pytest.mark.parametrize("which", ["source", "output"])
def test_a_still_is_the_frame_shown_at_that_time(
    clip: tuple[Path, RedactionRecord], which: str
) -> None:
    """In the source (a key frame every 4) and in the engine's output (B-frames: frames are
    decoded out of their order in the file)."""
    source, record = clip
    path = source if which == "source" else source.parent / "out" / "o.mp4"
    shown = still(path, record, 0.75)
    assert (shown.frame, shown.seconds, shown.width, shown.height) == (9, 0.75, 320, 180)
    assert shown.jpeg[:2] == b"\xff\xd8"
    picture = cv2.imdecode(np.frombuffer(shown.jpeg, np.uint8), cv2.IMREAD_GRAYSCALE)
    with av.open(str(path)) as media:
        frames = [
            np.asarray(f.to_ndarray(format="gray"), dtype=np.int16) for f in media.decode(video=0)
        ]
    errors = [np.abs(picture.astype(np.int16) - f).mean() for f in frames]
    assert errors[9] < 3 and int(np.argmin(errors)) == 9
