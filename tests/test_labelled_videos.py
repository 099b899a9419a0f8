"""The labelled test videos do what the redaction tests rely on: the same seed gives the same
video, faces move, turn, shrink, hide and leave and re-enter the frame, the labels survive the
JSON file, and the written video has every frame and the tone."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from labelled_videos import (
    Box,
    Key,
    Labels,
    Seen,
    load_labels,
    pose_at,
    read_audio,
    read_frames,
    render,
    tone,
    write_video,
)
from redaction_metrics import kept_correlation


def frames_of(scene: str, seed: int = 0) -> list[tuple[np.ndarray, tuple[Seen, ...]]]:
    return list(render(scene, 320, 180, fps=10, seconds=4.0, seed=seed))


def by_id(frames: list[tuple[np.ndarray, tuple[Seen, ...]]], id_: str) -> list[Seen | None]:
    return [next((s for s in seen if s.id == id_), None) for _, seen in frames]


def test_pose_at_interpolates_between_keys() -> None:
    path = (Key(0.0, 0.0, 0.5, 0.2), Key(0.5, 1.0, 0.5, 0.4, 0.5, 10.0))
    assert pose_at(path, 0.25) == Key(0.25, 0.5, 0.5, pytest.approx(0.3), 0.75, 5.0)
    assert pose_at(path, 0.9) == path[-1]


def test_the_same_seed_gives_the_same_video_and_another_seed_another() -> None:
    one, again, other = frames_of("walk", 1), frames_of("walk", 1), frames_of("walk", 2)
    assert all(np.array_equal(a[0], b[0]) for a, b in zip(one, again, strict=True))
    assert [[s.box for s in f[1]] for f in one] == [[s.box for s in f[1]] for f in again]
    assert not np.array_equal(one[0][0], other[0][0])


def test_walk_faces_leave_and_come_back_turn_shrink_and_hide() -> None:
    frames = frames_of("walk")
    first = by_id(frames, "face-1")
    present = [s is not None for s in first]
    gone = present.index(False)
    assert present[0] and True in present[gone:]  # leaves the frame, then comes back
    ratios = [s.box.width / s.box.height for s in first if s and s.box.x1 < 320 and s.box.x0 > 0]
    assert min(ratios) < 0.75 * max(ratios)  # turns
    second = [s for s in by_id(frames, "face-2") if s]
    assert second[-1].box.height < 0.5 * second[0].box.height  # shrinks
    hidden = [
        s.visible.sum() / s.labelled for f in (first, by_id(frames, "face-2")) for s in f if s
    ]
    assert any(0 < h < 0.8 for h in hidden)  # partly hidden (by the pole, or the other face)
    clipped = [s for s in first if s and s.box.x1 == 320]
    assert clipped  # cut by the frame's edge on the way out


def test_crowd_and_plates_have_what_they_promise() -> None:
    crowd = frames_of("crowd")
    assert len([s for s in crowd[0][1] if s.kind == "face"]) >= 6
    plates = frames_of("plates")
    kinds = {(s.id, s.kind) for _, seen in plates for s in seen}
    assert {("plate-1", "plate"), ("plate-2", "plate"), ("face-1", "face")} <= kinds


def test_labels_survive_their_file(tmp_path: Path) -> None:
    path = tmp_path / "walk.mp4"
    labels = write_video(path, "walk", 160, 90, fps=10, seconds=1.0, seed=5)
    again = load_labels(path)
    assert (again.scene, again.seed, again.width, again.height, again.fps) == (
        "walk", 5, 160, 90, 10
    )  # fmt: skip
    for a, b in zip(labels.frames, again.frames, strict=True):
        assert [(s.id, s.box, s.labelled) for s in a] == [(s.id, s.box, s.labelled) for s in b]
        assert all(np.array_equal(x.visible, y.visible) for x, y in zip(a, b, strict=True))


def test_written_video_has_every_frame_and_the_tone(tmp_path: Path) -> None:
    path = tmp_path / "plates.mp4"
    labels = write_video(path, "plates", 160, 90, fps=10, seconds=1.0)
    frames = list(read_frames(path))
    assert len(frames) == len(labels.frames) == 10 and frames[0].shape == (90, 160, 3)
    samples, rate = read_audio(path)
    assert len(samples) >= rate * 0.95
    assert kept_correlation(tone(0, len(samples) + 4800, rate), samples, rate, []) > 0.99


def test_odd_sizes_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="even width and height"):
        write_video(tmp_path / "x.mp4", "walk", 161, 90)


def test_full_mask_places_the_visible_pixels_in_the_frame() -> None:
    seen = Seen("f", "face", Box(1, 2, 3, 3), np.array([[True, False]]), 2)
    assert np.argwhere(seen.full_mask(4, 4)).tolist() == [[2, 1]]
    assert Labels("walk", 0, 4, 4, 10, ((seen,),)).frames[0][0] is seen
