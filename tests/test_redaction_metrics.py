"""The redaction metrics: each worked by hand on small arrays, then held to two redactors whose
scores are known (fill the labelled boxes: nothing shown, recall 1; cover nothing: every face
shown) on a real labelled video through H.264 and AAC."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from labelled_videos import Box, Labels, Seen, read_audio, read_frames, tone, write_video
from redaction_metrics import (
    FrameScore,
    Judge,
    Showing,
    correlation,
    far,
    judged,
    kept_correlation,
    kept_segments,
    mute_level,
    outside,
    rms,
    score_frame,
    score_video,
    showing,
    summarise,
)
from reference_redactors import redact_with


def image(h: int, w: int, value: int) -> np.ndarray:
    return np.full((h, w, 3), value, np.uint8)


def test_far_takes_the_largest_channel_difference() -> None:
    px = np.array([[[10, 20, 30], [0, 0, 25]]], np.uint8)
    assert far(px, (0, 0, 0), 25).tolist() == [[True, False]]
    assert far(px, (0, 0, 0), 30).tolist() == [[False, False]]
    assert far(px, px[:, ::-1], 15).tolist() == [[True, True]]  # |10-0|,|20-0|,|30-25| → 20


def test_judged_erodes_two_pixels_and_skips_pixels_already_like_the_fill() -> None:
    visible = np.ones((7, 7), bool)
    source = image(7, 7, 200)
    assert judged(visible, source, Judge()).sum() == 9  # the 3 × 3 centre
    source[3, 3] = (10, 10, 10)  # a dark pupil: under a black fill it cannot be judged
    assert judged(visible, source, Judge()).sum() == 8
    assert judged(visible, source, Judge(erode=0)).sum() == 48


def test_showing_counts_judged_pixels_left_unfilled() -> None:
    seen = Seen("face-1", "face", Box(2, 2, 9, 9), np.ones((7, 7), bool), 49)
    source, output = image(12, 12, 200), image(12, 12, 0)
    output[5, 5] = (200, 200, 200)  # one pixel of the 3 × 3 judged centre left bright
    output[2, 2] = (200, 200, 200)  # an edge pixel: eroded away, not judged
    got = showing(seen, source, output, Judge())
    assert (got.judged, got.shown) == (9, 1)
    assert not got.covered(Judge())  # 8 of 9 hidden is below 90%
    assert Showing("f", 9, 0).covered(Judge())
    assert not got.visible(Judge())  # 1 pixel is not more than 16
    assert got.visible(Judge(visible_pixels=0))


def test_outside_excludes_each_box_grown_by_half_its_size() -> None:
    seen = [Seen("face-1", "face", Box(8, 8, 12, 12), np.ones((4, 4), bool), 16)]
    away = outside(seen, 20, 20, 0.5)
    assert away.sum() == 400 - 64  # rows and columns 6 to 13
    assert not away[6, 6] and not away[13, 13] and away[5, 6] and away[14, 13]


def test_score_frame_counts_changes_away_from_the_labelled_objects() -> None:
    seen = [Seen("face-1", "face", Box(8, 8, 12, 12), np.ones((4, 4), bool), 16)]
    source, output = image(20, 20, 100), image(20, 20, 100)
    output[0, 0:3] = 200  # three pixels changed outside
    output[6:9, 6:8] = 200  # six inside the grown box: the redactor's margin
    output[19, 19] = 120  # within the codec's tolerance
    got = score_frame(seen, source, output, Judge())
    assert (got.changed_outside, got.outside) == (3, 336)


def test_score_frame_refuses_a_resized_output() -> None:
    with pytest.raises(ValueError, match="output frame is 20x22 but the input is 20x20"):
        score_frame([], image(20, 20, 0), image(22, 20, 0), Judge())


def test_summarise_recall_counts_faces_with_enough_judged_pixels() -> None:
    frames = [
        FrameScore((Showing("a", 100, 0),), 0, 10),
        FrameScore((Showing("a", 100, 50), Showing("b", 10, 10)), 5, 10),
        FrameScore((Showing("a", 100, 17),), 0, 10),
    ]
    got = summarise(frames, Judge())
    assert (got.faces, got.covered) == (3, 1)  # b (10 judged) is left out of recall
    assert got.recall == pytest.approx(1 / 3)  # 17 of 100 shown: 83% hidden is not covered
    assert got.visible_frames == (1, 2)  # 50 and 17 shown exceed 16; b's 10 does not
    assert got.changed_fraction == pytest.approx(5 / 30)


def test_score_video_refuses_a_video_with_frames_missing() -> None:
    labels = Labels("walk", 0, 4, 4, 10, ((), ()))
    with pytest.raises(ValueError, match="frame 2: the output has no such frame"):
        score_video(labels, [image(4, 4, 0)] * 2, [image(4, 4, 0)], Judge())
    with pytest.raises(ValueError, match="frame 3: the labels has no such frame"):
        score_video(labels, [image(4, 4, 0)] * 3, [image(4, 4, 0)] * 3, Judge())


def test_rms_and_kept_segments() -> None:
    assert rms(np.array([3.0, 4.0], np.float32)) == pytest.approx(np.sqrt(12.5))
    assert kept_segments(10.0, [(2.0, 3.0)], 0.1) == [(0.1, 1.9), (3.1, 9.9)]
    assert kept_segments(10.0, [(0.0, 3.0), (2.5, 10.0)], 0.1) == []


def test_correlation_finds_the_sound_after_a_small_shift() -> None:
    rate = 8000
    rng = np.random.default_rng(0)
    sound = rng.normal(0, 0.2, rate).astype(np.float32)
    lag = round(0.05 * rate)
    shifted = np.concatenate([np.zeros(lag + 100, np.float32), sound, np.zeros(lag, np.float32)])
    stretch = sound[1000:5000]
    assert correlation(stretch, shifted[1000 : 5000 + 2 * lag], rate, 0.05) == pytest.approx(1.0)
    noise = rng.normal(0, 0.2, len(stretch) + 2 * lag).astype(np.float32)
    assert correlation(stretch, noise, rate, 0.05) < 0.1


def test_mute_level_and_kept_correlation_by_hand() -> None:
    rate = 8000
    source = tone(0, 4 * rate, rate)
    muted = source.copy()
    muted[rate : 2 * rate] = 0.0
    assert mute_level(source, muted, rate, [(1.0, 2.0)]) == 0.0
    assert mute_level(source, source, rate, [(1.0, 2.0)]) == pytest.approx(1.0)
    assert kept_correlation(source, muted, rate, [(1.0, 2.0)]) == pytest.approx(1.0, abs=1e-4)
    assert kept_correlation(source, muted, rate, []) < 0.9  # the mute is in the kept stretch


@pytest.fixture(scope="module")
def walk(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Labels]:
    path = tmp_path_factory.mktemp("walk") / "walk.mp4"
    return path, write_video(path, "walk", 320, 180, fps=10, seconds=2.0, seed=3)


def test_perfect_redactor_shows_nothing_and_keeps_the_rest(
    walk: tuple[Path, Labels], tmp_path: Path
) -> None:
    source, labels = walk
    out = redact_with(source, tmp_path / "perfect.mp4", labels, mutes=[(0.5, 1.0)])
    got = score_video(labels, read_frames(source), read_frames(out), Judge())
    assert got.faces > 20 and got.recall == 1.0
    assert got.visible_frames == ()
    assert got.changed_fraction < 1e-3
    inp, rate = read_audio(source)
    outp, _ = read_audio(out)
    assert mute_level(inp, outp, rate, [(0.5, 1.0)]) < 0.01
    assert kept_correlation(inp, outp, rate, [(0.5, 1.0)]) > 0.99


def test_null_redactor_shows_every_face(walk: tuple[Path, Labels], tmp_path: Path) -> None:
    source, labels = walk
    out = redact_with(source, tmp_path / "null.mp4", None)
    got = score_video(labels, read_frames(source), read_frames(out), Judge())
    assert got.recall == 0.0
    with_faces = [
        i
        for i, f in enumerate(got.per_frame)
        if any(o.judged > Judge().visible_pixels for o in f.objects)
    ]
    assert len(with_faces) >= len(labels.frames) - 2
    assert got.visible_frames == tuple(with_faces)
    assert got.changed_fraction < 1e-3  # the codec's own noise stays under the tolerance
    inp, rate = read_audio(source)
    outp, _ = read_audio(out)
    assert mute_level(inp, outp, rate, [(0.5, 1.0)]) > 0.9


# --- the fast paths against plain references ---------------------------------------------


@given(
    st.integers(1, 12).flatmap(
        lambda h: st.tuples(
            st.just(h), st.integers(1, 12), st.integers(0, 3), st.integers(0, 2**31 - 1)
        )
    )
)
def test_judged_matches_a_pixel_by_pixel_erosion(case: tuple[int, int, int, int]) -> None:
    h, w, erode, seed = case
    rng = np.random.default_rng(seed)
    visible = rng.random((h, w)) < 0.8
    source = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
    judge = Judge(erode=erode)
    expected = np.zeros((h, w), bool)
    for y in range(h):
        for x in range(w):
            around = [
                0 <= y + dy < h and 0 <= x + dx < w and visible[y + dy, x + dx]
                for dy in range(-erode, erode + 1)
                for dx in range(-erode, erode + 1)
            ]
            expected[y, x] = all(around) and int(source[y, x].max()) > judge.fill_tolerance
    assert np.array_equal(judged(visible, source, judge), expected)


@given(st.integers(20, 200), st.integers(0, 8), st.integers(0, 2**31 - 1))
def test_correlation_matches_a_shift_by_shift_reference(length: int, lag: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    source = rng.normal(0, 1, length).astype(np.float32)
    output = rng.normal(0, 1, length + 2 * lag).astype(np.float32)
    best = max(
        float(np.dot(source, output[k : k + length]))
        / max(float(np.linalg.norm(source) * np.linalg.norm(output[k : k + length])), 1e-12)
        for k in range(2 * lag + 1)
    )
    assert correlation(source, output, 100, lag / 100) == pytest.approx(best, abs=1e-4)
