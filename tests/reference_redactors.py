"""Two redactors whose scores are known, to hold the metrics to account: ``perfect`` fills each
labelled box (grown by ``pad`` pixels) with the solid colour, ``null`` covers nothing. Both
re-encode the video as a redactor would (H.264, yuv420p, the codec's default quality) and
write the audio again, silenced inside the mutes they are given."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import av
import numpy as np

from labelled_videos import Frame, Labels, read_audio, read_frames


def redact_with(
    source: Path, target: Path, labels: Labels | None, *, pad: int = 4,
    fill: tuple[int, int, int] = (0, 0, 0), kinds: tuple[str, ...] = ("face",),
    mutes: Sequence[tuple[float, float]] = (),
) -> Path:  # fmt: skip
    """Write ``target``: ``source`` with every labelled object of ``kinds`` filled (``labels``
    given: the perfect redactor) or untouched (``labels`` None: the null redactor)."""
    samples, rate = read_audio(source)
    samples = samples.copy()
    for start, end in mutes:
        samples[round(start * rate) : round(end * rate)] = 0.0
    with av.open(str(source)) as inp:
        fps = inp.streams.video[0].average_rate or 25
    with av.open(str(target), "w", format="mp4") as out:
        video = out.add_stream("libx264", rate=fps)
        audio = out.add_stream("aac", rate=rate, layout="mono")
        for i, frame in enumerate(read_frames(source)):
            if i == 0:
                video.width, video.height, video.pix_fmt = frame.shape[1], frame.shape[0], "yuv420p"
            if labels is not None:
                frame = _fill(frame, labels, i, pad, fill, kinds)
            out.mux(video.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")))
        out.mux(video.encode(None))
        for at in range(0, len(samples), 1024):
            chunk = samples[None, at : at + 1024]
            piece = av.AudioFrame.from_ndarray(chunk, format="fltp", layout="mono")
            piece.sample_rate, piece.pts = rate, at
            out.mux(audio.encode(piece))
        out.mux(audio.encode(None))
    return target


def _fill(
    frame: Frame, labels: Labels, index: int, pad: int, fill: tuple[int, int, int],
    kinds: tuple[str, ...],
) -> Frame:  # fmt: skip
    out = frame.copy()
    for seen in labels.frames[index]:
        if seen.kind in kinds:
            b = seen.box
            out[max(0, b.y0 - pad) : b.y1 + pad, max(0, b.x0 - pad) : b.x1 + pad] = fill
    return np.ascontiguousarray(out)
