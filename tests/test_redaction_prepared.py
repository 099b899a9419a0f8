"""The face model's prepared copies (``redaction.prepared``): made once into the cache, read back
when whole, made again when their key changes or their file does not match its digest; and the
int8 copy finding the faces the float copy finds on a labelled frame."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from labelled_videos import read_frames, write_video
from onrecord.redaction import faces, prepared
from onrecord.redaction.geometry import iou
from onrecord.redaction.prepared import Precision

SOURCE_SHA = "ab" * 32


@pytest.fixture
def made(monkeypatch: pytest.MonkeyPatch) -> list[Precision]:
    """``prepared.make`` replaced by a stand-in that records each call."""
    calls: list[Precision] = []

    def fake(source: Path, precision: Precision) -> bytes:
        calls.append(precision)
        return f"model {precision} of {source.name}".encode()

    monkeypatch.setattr(prepared, "make", fake)
    return calls


def test_a_model_is_made_once_then_read_from_the_cache(
    made: list[Precision], tmp_path: Path
) -> None:
    first = prepared.prepared(Path("m.onnx"), SOURCE_SHA, Precision.INT8, tmp_path)
    again = prepared.prepared(Path("m.onnx"), SOURCE_SHA, Precision.INT8, tmp_path)
    assert made == [Precision.INT8]
    assert first == again
    assert first.model == b"model int8 of m.onnx"
    assert first.sha256 == hashlib.sha256(b"model int8 of m.onnx").hexdigest()
    [path] = tmp_path.glob("*.onnx")
    assert path.name.startswith("centerface-int8-")
    assert (tmp_path / f"{path.name}.sha256").read_text().strip() == first.sha256


def test_each_precision_and_source_has_its_own_file(made: list[Precision], tmp_path: Path) -> None:
    prepared.prepared(Path("m.onnx"), SOURCE_SHA, Precision.INT8, tmp_path)
    prepared.prepared(Path("m.onnx"), SOURCE_SHA, Precision.FLOAT, tmp_path)
    prepared.prepared(Path("m.onnx"), "cd" * 32, Precision.FLOAT, tmp_path)
    assert made == [Precision.INT8, Precision.FLOAT, Precision.FLOAT]
    assert len(list(tmp_path.glob("*.onnx"))) == 3


def test_a_new_onnxruntime_or_recipe_makes_the_model_again(
    made: list[Precision], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    prepared.prepared(Path("m.onnx"), SOURCE_SHA, Precision.FLOAT, tmp_path)
    monkeypatch.setattr(prepared, "tool_versions", lambda: ["onnx 1.0", "onnxruntime 99.0"])
    prepared.prepared(Path("m.onnx"), SOURCE_SHA, Precision.FLOAT, tmp_path)
    monkeypatch.setattr(prepared, "RECIPE", "changed")
    prepared.prepared(Path("m.onnx"), SOURCE_SHA, Precision.FLOAT, tmp_path)
    assert made == [Precision.FLOAT] * 3
    assert len(list(tmp_path.glob("*.onnx"))) == 3


@pytest.mark.parametrize("damage", ["truncate", "flip", "digest gone", "digest wrong"])
def test_a_damaged_cache_file_is_made_again_not_trusted(
    made: list[Precision], tmp_path: Path, damage: str
) -> None:
    whole = prepared.prepared(Path("m.onnx"), SOURCE_SHA, Precision.INT8, tmp_path)
    [path] = tmp_path.glob("*.onnx")
    digest = tmp_path / f"{path.name}.sha256"
    if damage == "truncate":
        path.write_bytes(whole.model[:5])
    elif damage == "flip":
        path.write_bytes(bytes([whole.model[0] ^ 1]) + whole.model[1:])
    elif damage == "digest gone":
        digest.unlink()
    else:
        digest.write_text("0" * 64)
    again = prepared.prepared(Path("m.onnx"), SOURCE_SHA, Precision.INT8, tmp_path)
    assert made == [Precision.INT8, Precision.INT8]
    assert again == whole
    assert path.read_bytes() == whole.model
    assert digest.read_text().strip() == whole.sha256


def test_a_cache_that_cannot_be_written_costs_the_making_only(
    made: list[Precision], tmp_path: Path
) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    got = prepared.prepared(Path("m.onnx"), SOURCE_SHA, Precision.FLOAT, blocked / "models")
    assert got.model == b"model float of m.onnx" and made == [Precision.FLOAT]


def test_the_cache_folder_follows_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("ONRECORD_CACHE_DIR", str(tmp_path / "mine"))
    assert prepared.cache_dir() == tmp_path / "mine" / "models"
    monkeypatch.delenv("ONRECORD_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert prepared.cache_dir() == tmp_path / "xdg" / "onrecord" / "models"


@pytest.fixture(scope="module")
def walk_frame(tmp_path_factory: pytest.TempPathFactory) -> npt.NDArray[np.uint8]:
    """The first frame of the quality test's walk with both faces wholly in view (labelled
    pixels all visible), at the network's size."""
    import cv2

    path = tmp_path_factory.mktemp("walk") / "walk.mp4"
    labels = write_video(path, "walk", 480, 270, fps=25, seconds=3.0, seed=11)
    whole = next(
        i for i, seen in enumerate(labels.frames)
        if len(seen) >= 2 and all(s.visible.sum() == s.labelled for s in seen if s.kind == "face")
    )  # fmt: skip
    frame = next(f for i, f in enumerate(read_frames(path)) if i == whole)
    w, h = faces.detection_size(480, 270, 1280)
    return np.ascontiguousarray(cv2.resize(frame, (w, h), interpolation=cv2.INTER_AREA))


def test_the_int8_model_finds_the_faces_the_float_model_finds(
    walk_frame: npt.NDArray[np.uint8],
) -> None:
    """Same faces, boxes overlapping by IoU 0.8 or more, scores within 0.2 (the int8 copy's
    heatmap tops out at the calibration's largest score, 0.74)."""
    exact = faces.CenterFace(precision=Precision.FLOAT).detect(walk_frame)
    quick = faces.CenterFace(precision=Precision.INT8).detect(walk_frame)
    assert len(exact) == 2
    assert len(quick) == len(exact)
    for d in exact:
        match = max(quick, key=lambda q: iou(q.box, d.box))
        assert iou(match.box, d.box) >= 0.8
        assert abs(match.score - d.score) <= 0.2


def test_the_int8_copy_is_made_to_the_same_bytes_each_time() -> None:
    """From the committed ranges, no pictures: what the record's ``prepared_sha256`` relies on."""
    source = faces.model_path()
    first = prepared.make(source, Precision.INT8)
    assert prepared.make(source, Precision.INT8) == first
    assert first != prepared.make(source, Precision.FLOAT)
