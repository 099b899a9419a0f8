"""The redaction engine on small clips made at test time (real face photographs moving over a
texture, a tone on the audio): every labelled face covered in every frame, the clip's size,
frame rate, rotation and audio kept, mutes silencing only their range, a reviewer's boxes carried
and interpolated, the record replaying to the same output, and nothing partial left on failure;
then the command and the release jobs' redactor."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
from typer.testing import CliRunner

from onrecord.cli.app import app
from onrecord.redaction import (
    InputError,
    OutputError,
    RedactionOptions,
    read_boxes,
    read_record,
    record_path,
    redact,
    render,
    replay,
)
from onrecord.redaction.engine import Detectors
from onrecord.release.engine import redact_clip
from onrecord.release.redactor import DEFAULT_REDACTOR, RedactionChoices, UnusableInput, resolve
from redaction_support import Clip, Face, make_clip

FACES = (Face(0, 56, (20, 30), (4.0, 1.0)), Face(1, 44, (230, 100), (-3.0, -1.0), first=4))


@pytest.fixture(scope="module")
def detectors() -> Detectors:
    """The face model, loaded once for the module."""
    return Detectors.for_options(RedactionOptions())


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Clip:
    folder = tmp_path_factory.mktemp("clip")
    return make_clip(folder / "in.mp4", faces=FACES, rotation=90)


def luma(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as c:
        return [f.to_ndarray(format="gray").astype(np.int16) for f in c.decode(video=0)]


def covered_mask(boxes: list[tuple[int, int, int, int]], shape: tuple[int, int]) -> np.ndarray:
    mask = np.zeros(shape, bool)
    for x, y, w, h in boxes:
        mask[y : y + h, x : x + w] = True
    return mask


def test_every_labelled_face_is_covered_in_every_frame(
    clip: Clip, detectors: Detectors, tmp_path: Path
) -> None:
    for k, refine in ((1, False), (3, False), (2, True), (3, True)):
        out = tmp_path / f"k{k}{refine}.mp4"
        options = RedactionOptions(detect_every=k, refine=refine)
        record = redact(clip.path, out, options, detectors=detectors)
        assert (record.settings.detect_every, record.settings.refine) == (k, refine)
        faces = [t for t in record.tracks if t.kind == "face"]
        assert len(faces) == 2, [len(t.boxes) for t in faces]
        for frame, labels in clip.labels.items():
            at = [tuple(b[1:5]) for t in faces for b in t.boxes if b[0] == frame]
            mask = covered_mask(at, (180, 320))  # type: ignore[arg-type]
            for x, y, w, h in labels:
                # the face itself: the photograph's middle (its edges are hair and background)
                cx0, cy0 = x + w // 5, y + h // 5
                core = mask[max(cy0, 0) : y + h - h // 5, max(cx0, 0) : x + w - w // 5]
                assert core.all(), f"k={k} {refine=}, frame {frame}: face {x, y, w, h} not covered"
        hows = {b[5] for t in faces for b in t.boxes}
        assert "detected" in hows and ("interpolated" in hows) == (k > 1)


def test_the_clip_is_kept_but_covered(clip: Clip, detectors: Detectors, tmp_path: Path) -> None:
    out = tmp_path / "out.mp4"
    record = redact(clip.path, out, RedactionOptions(style="solid"), detectors=detectors)  # type: ignore[arg-type]
    with av.open(str(clip.path)) as a, av.open(str(out)) as b:
        va, vb = a.streams.video[0], b.streams.video[0]
        assert (vb.width, vb.height, vb.average_rate) == (va.width, va.height, va.average_rate)
        assert vb.codec_context.name == "h264"
        assert next(b.decode(video=0)).rotation == 90
        assert b.streams.audio and b.streams.audio[0].sample_rate == 16000
    assert record.video.rotation == 90 and record.video.frames == 24 and record.video.audio
    before, after = luma(clip.path), luma(out)
    assert len(after) == 24
    track = next(t for t in record.tracks if t.kind == "face")
    f, x, y, w, h, _ = track.boxes[0]
    assert after[f][y : y + h, x : x + w].max() <= 8  # black (luma 16 is grey 0) in the box
    outside = covered_mask([tuple(b[1:5]) for t in record.tracks for b in t.boxes if b[0] == f],  # type: ignore[misc]
                           (180, 320))  # fmt: skip
    assert np.abs(after[f][~outside] - before[f][~outside]).mean() < 3  # the rest as it was
    saved = json.loads(record_path(out).read_text(encoding="utf-8"))
    assert saved["format"] == "onrecord.redaction-record/1"
    face = saved["detectors"][0]
    assert face["name"] == "CenterFace" and len(face["sha256"]) == 64
    assert face["precision"] == "float"  # the default copy, and the digest of what ran
    assert face["prepared_sha256"] == detectors.faces.prepared.sha256  # type: ignore[union-attr]
    assert saved["output"]["sha256"] == record.output.sha256  # type: ignore[union-attr]


def audio_of(path: Path) -> tuple[np.ndarray, int]:
    with av.open(str(path)) as c:
        rate = c.streams.audio[0].sample_rate
        chunks = [f.to_ndarray()[0] for f in c.decode(audio=0)]
    return np.concatenate(chunks), rate


def test_a_mute_silences_its_range_only(clip: Clip, tmp_path: Path) -> None:
    out = tmp_path / "muted.mp4"
    redact(clip.path, out, RedactionOptions(faces=False, mutes=((0.5, 1.0),)))
    sound, rate = audio_of(out)
    assert len(sound) / rate == pytest.approx(2.0, abs=0.1)

    def rms(a: float, b: float) -> float:
        part = sound[int(a * rate) : int(b * rate)]
        return float(np.sqrt(np.mean(part**2)))

    assert rms(0.55, 0.95) < 0.01  # the tone is 0.3 high: its RMS is 0.21
    assert rms(0.1, 0.45) > 0.15 and rms(1.05, 1.9) > 0.15


def test_a_record_replays_to_the_same_output(
    clip: Clip, detectors: Detectors, tmp_path: Path
) -> None:
    first = tmp_path / "first.mp4"
    options = RedactionOptions(detect_every=2, refine=True)
    record = redact(clip.path, first, options, detectors=detectors)
    again = replay(clip.path, record_path(first), tmp_path / "again.mp4")
    assert again.output == record.output.model_copy(update={"name": "again.mp4"})  # type: ignore[union-attr]
    assert all(
        (a == b).all() for a, b in zip(luma(first), luma(tmp_path / "again.mp4"), strict=True)
    )
    # a reviewer rejects a track: rendering the record leaves that face as it was
    rejected = record.model_copy(update={"tracks": tuple(
        t.model_copy(update={"accepted": t.id != 1}) for t in record.tracks)})  # fmt: skip
    render(clip.path, rejected, tmp_path / "rejected.mp4")
    f, x, y, w, h, _ = record.tracks[0].boxes[0]
    source, shown = luma(clip.path)[f], luma(tmp_path / "rejected.mp4")[f]
    assert np.abs(shown[y : y + h, x : x + w] - source[y : y + h, x : x + w]).mean() < 3


def test_manual_boxes_are_carried_and_interpolated(tmp_path: Path) -> None:
    made = make_clip(tmp_path / "in.mp4", faces=(Face(2, 40, (60, 50), (5.0, 0.0)),), audio=False)
    boxes = read_boxes(
        "boxes:\n"
        "  - {label: moving photo, frame: 2, x: 70, y: 50, w: 30, h: 40, end_frame: 12}\n"
        "  - label: corner\n"
        "    keyframes:\n"
        "      - {frame: 0, x: 0, y: 0, w: 20, h: 20}\n"
        "      - {time: 1.0, x: 100, y: 0, w: 20, h: 20}\n"
    )
    record = redact(made.path, tmp_path / "out.mp4", RedactionOptions(faces=False, boxes=boxes))
    carried, corner = record.tracks
    assert carried.label == "moving photo" and [b[0] for b in carried.boxes] == list(range(2, 13))
    # the photograph moves 5 px a frame: the carried box moves with it (even-aligned)
    assert carried.boxes[0][1:3] == (70, 50) and abs(carried.boxes[10][1] - (70 + 50)) <= 2
    assert {b[5] for b in carried.boxes} == {"keyframe", "carried"}
    # time 1.0 s at 12 frames a second is frame 12; halfway (frame 6) the box is at x 50
    assert corner.boxes[0][:5] == (0, 0, 0, 20, 20) and corner.boxes[12][:2] == (12, 100)
    assert corner.boxes[6][:2] == (6, 50) and corner.boxes[6][5] == "interpolated"
    assert not read_record(record_path(tmp_path / "out.mp4")).video.audio


def test_plates_are_looked_for_with_the_cascade(tmp_path: Path) -> None:
    made = make_clip(tmp_path / "car.mp4", plate_at=(100, 80), frames=8, audio=False)
    record = redact(made.path, tmp_path / "out.mp4", RedactionOptions(faces=False, plates=True))
    assert [d.model for d in record.detectors] == ["haarcascade_russian_plate_number.xml"]
    [plate] = [t for t in record.tracks if t.kind == "plate"]
    for f in range(8):
        [(_, x, y, w, h, _)] = [b for b in plate.boxes if b[0] == f]
        assert x <= 100 and y <= 80 and x + w >= 220 and y + h >= 106  # the whole plate


def test_variable_frame_rate_keeps_each_frame_time(tmp_path: Path) -> None:
    path = tmp_path / "vfr.mkv"
    times = [0, 1, 2, 5, 6, 10, 11, 12]  # in 1/10 s
    with av.open(str(path), "w") as c:
        s = c.add_stream("mpeg4", rate=10)
        s.width, s.height, s.pix_fmt, s.time_base = 64, 48, "yuv420p", Fraction(1, 10)
        for t in times:
            frame = av.VideoFrame.from_ndarray(
                np.full((48, 64, 3), t * 20, np.uint8), format="rgb24"
            )
            frame.pts, frame.time_base = t, Fraction(1, 10)
            c.mux(s.encode(frame))
        c.mux(s.encode(None))
    out = tmp_path / "vfr.mp4"
    redact(path, out, RedactionOptions(faces=False))
    with av.open(str(out)) as c:
        got = [round(float(f.time) * 10) for f in c.decode(video=0)]
    assert got == times


def test_unusable_input_leaves_nothing(tmp_path: Path, clip: Clip) -> None:
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"not a video at all")
    with pytest.raises(InputError, match="not a video that can be read"):
        redact(junk, tmp_path / "out.mp4", RedactionOptions(faces=False))
    with pytest.raises(InputError, match="starts after the clip ends"):
        redact(clip.path, tmp_path / "out.mp4", RedactionOptions(faces=False, mutes=((5, 6),)))
    with pytest.raises(OutputError, match="no such folder"):
        redact(clip.path, tmp_path / "no" / "out.mp4", RedactionOptions(faces=False))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["junk.mp4"]


def test_a_failure_while_writing_leaves_no_partial_output(
    tmp_path: Path, clip: Clip, monkeypatch: pytest.MonkeyPatch
) -> None:
    from onrecord.redaction import media

    real = media.write

    def failing(source: Path, target: Path, *args: object) -> int:
        real(source, target, *args)  # type: ignore[arg-type]
        raise OSError("disk full")

    monkeypatch.setattr(media, "write", failing)
    with pytest.raises(OutputError, match="disk full"):
        redact(clip.path, tmp_path / "out.mp4", RedactionOptions(faces=False))
    assert list(tmp_path.iterdir()) == []


# -- the command and the release jobs' redactor ------------------------------------------------

runner = CliRunner()


def test_the_command(clip: Clip, tmp_path: Path) -> None:
    boxes = tmp_path / "boxes.yaml"
    boxes.write_text("boxes:\n  - label: x\n    frame: 1\n    x: 1\n    y: 1\n    w: 0\n    h: 1\n")
    out = str(tmp_path / "out.mp4")
    for args, message in [
        (["--mute", "0:05"], "give it as START-END"),
        (["--boxes", str(boxes)], f"{boxes}, line 6, column 8: boxes.0.w: Input should be greater"),
    ]:
        result = runner.invoke(app, ["redact", str(clip.path), "--out", out, *args])
        assert result.exit_code == 2 and message in " ".join(result.output.split()), result.output
        assert "Traceback" not in result.output
    done = runner.invoke(
        app, ["redact", str(clip.path), "--out", out, "--no-faces", "--mute", "0.5-1"]
    )
    assert done.exit_code == 0 and "24 frames" in done.output, done.output
    again = runner.invoke(app, ["redact", str(clip.path), "--out", str(tmp_path / "again.mp4"),
                                "--replay", str(record_path(Path(out)))])  # fmt: skip
    assert again.exit_code == 0, again.output


def test_the_command_runs_the_int8_copy_when_asked(clip: Clip, tmp_path: Path) -> None:
    out = tmp_path / "int8.mp4"
    refused = runner.invoke(app, ["redact", str(clip.path), "--out", str(out), "--precision", "4"])
    assert refused.exit_code == 2 and not out.exists()
    done = runner.invoke(app, ["redact", str(clip.path), "--out", str(out), "--precision", "int8"])
    assert done.exit_code == 0, done.output
    [face] = read_record(record_path(out)).detectors
    assert face.precision == "int8" and face.prepared_sha256 and face.prepared_sha256 != face.sha256
    assert any(t.kind == "face" for t in read_record(record_path(out)).tracks)


def test_the_release_jobs_redactor(clip: Clip, tmp_path: Path) -> None:
    assert resolve(DEFAULT_REDACTOR) is redact_clip
    seen: list[str] = []
    choices = RedactionChoices(faces=False, mutes=("0.2-0.4",))
    path = redact_clip(clip.path, tmp_path / "out.mp4", choices, lambda p, d, t: seen.append(p))
    assert path == tmp_path / "out.redaction.json" and path.is_file()
    assert seen[0] == "searching" and seen[-1] == "writing"
    for bad, message in [
        (RedactionChoices(mutes=("9-",)), "give it as START-END"),
        (RedactionChoices(boxes="boxes: 3"), "boxes file"),
    ]:
        with pytest.raises(UnusableInput, match=message):
            redact_clip(clip.path, tmp_path / "x.mp4", bad, lambda p, d, t: None)
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"junk")
    with pytest.raises(UnusableInput, match=r"junk\.mp4: "):
        redact_clip(junk, tmp_path / "x.mp4", RedactionChoices(faces=False), lambda p, d, t: None)
