"""The audio side of a review: a waveform's peaks (hand-worked, and held to a plain max over
all samples at once), mute ranges checked, and a clip whose mutes alone changed written with
its video packets copied: the very file a whole render of the same record gives."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from onrecord.redaction import (
    InputError,
    RedactionOptions,
    check_mutes,
    loudness,
    redact,
    remute,
    render,
)
from onrecord.redaction.waveform import Blocks, peaks
from redaction_support import make_clip


def test_peaks_by_hand() -> None:
    values = np.array([0, -3, 1, 2, -1, 0.5], dtype=np.float32)
    # Three parts: [0, -3] [1, 2] [-1, 0.5]; four: [0] [-3, 1] [2] [-1, 0.5] (bounds 0 1 3 4 6).
    assert peaks(values, 3).tolist() == [3, 2, 1]
    assert peaks(values, 4).tolist() == [0, 3, 2, 1]
    assert peaks(values[:2], 4).tolist() == [0, 0, 0, 3]  # parts without a value are 0


def test_blocks_by_hand() -> None:
    blocks = Blocks(size=2, found=[], pending=np.zeros(0, dtype=np.float32))
    blocks.add(np.array([[0.1, -0.5, 0.2], [0.3, 0.0, -0.4]], dtype=np.float32))  # 2 channels
    blocks.add(np.array([0.25, 0.05], dtype=np.float32))
    # Loudest channel per sample: 0.3 0.5 0.4 0.25 0.05 -> blocks (0.3 0.5) (0.4 0.25) (0.05)
    assert blocks.done().tolist() == pytest.approx([0.5, 0.4, 0.05])
    assert blocks.samples == 5


@given(
    st.lists(st.floats(-1, 1, width=32), min_size=1, max_size=300),
    st.integers(1, 7),
    st.integers(1, 40),
)
def test_blocks_then_parts_are_the_plain_peaks_when_parts_hold_whole_blocks(
    values: list[float], size: int, parts: int
) -> None:
    """Reduced in blocks as decoded, in pieces of any length, then into parts of whole blocks:
    the same as the largest magnitude over each part's samples at once."""
    samples = np.array(values, dtype=np.float32)
    blocks = Blocks(size=size, found=[], pending=np.zeros(0, dtype=np.float32))
    for piece in np.array_split(samples, 3):
        blocks.add(piece)
    found = blocks.done()
    parts = min(parts, len(found))
    bounds = [(i * len(found)) // parts * size for i in range(parts + 1)]
    plain = [np.abs(samples[a:b]).max() if b > a else 0 for a, b in pairwise(bounds)]
    assert peaks(found, parts).tolist() == pytest.approx(plain)


def test_mute_ranges_are_checked() -> None:
    assert check_mutes(((3, 4), (0.5, 1)), 5) == ((0.5, 1), (3, 4))
    with pytest.raises(InputError, match=r"1-3 and 2-4 overlap: make them one range \(1-4\)"):
        check_mutes(((2, 4), (1, 3)), 5)
    with pytest.raises(InputError, match="ends after the clip"):
        check_mutes(((4, 6),), 5)
    with pytest.raises(InputError, match="the end must be after the start"):
        check_mutes(((3, 2),), 5)


@pytest.mark.parametrize("rotation", [0, 90])
def test_new_mutes_copy_the_video_and_give_the_same_file_as_a_render(
    tmp_path: Path, rotation: int
) -> None:
    source = make_clip(tmp_path / "in.mp4", frames=12, fps=12, rotation=rotation).path
    for name in ("a", "b", "c"):
        (tmp_path / name).mkdir()
    record = redact(source, tmp_path / "a" / "o.mp4", RedactionOptions(faces=False))
    muted = record.model_copy(update={"mutes": ((0.25, 0.5),), "output": None})
    whole = render(source, muted, tmp_path / "b" / "o.mp4")
    copied = remute(source, tmp_path / "a" / "o.mp4", muted, tmp_path / "c" / "o.mp4")
    assert copied.output is not None and whole.output is not None
    assert copied.output.sha256 == whole.output.sha256
    assert record.output is not None and copied.output.sha256 != record.output.sha256


def test_loudness_of_a_tone_and_of_a_silent_clip(tmp_path: Path) -> None:
    tone = make_clip(tmp_path / "tone.mp4", frames=12, fps=12).path
    shown = loudness(tone, 8)
    assert shown is not None and shown.seconds == pytest.approx(1.0, abs=0.1)
    assert len(shown.peaks) == 8 and all(0.25 < p < 0.35 for p in shown.peaks)  # 0.3 full scale
    silent = make_clip(tmp_path / "silent.mp4", frames=12, fps=12, audio=False).path
    assert loudness(silent, 8) is None
    record = redact(silent, tmp_path / "s.mp4", RedactionOptions(faces=False))
    with pytest.raises(InputError, match="has no audio to mute"):
        remute(silent, tmp_path / "s.mp4", record, tmp_path / "t.mp4")
