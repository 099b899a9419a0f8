"""How well a redactor covered a labelled video, judged from its output's pixels and sound
alone, so that any redactor (OnRecord's, deface) is judged the same way.

The redactor is run with a solid fill. A labelled face pixel is **shown** in a frame when the
output pixel there is not near the fill colour (``Judge.fill_tolerance``). Three allowances keep
the codec from being mistaken for a leak, and they are the same for every redactor:

- the face's visible mask is eroded by ``Judge.erode`` pixels before judging: H.264 rings and
  smears colour (chroma is kept at half resolution) a pixel or two across a sharp box edge;
- a pixel that is already near the fill colour in the input (a dark pupil under a black fill)
  cannot be judged and is left out;
- a face is **visible** in a frame when more than ``Judge.visible_pixels`` of its judged pixels
  are shown: a few stray pixels at a box's corner identify no one, a 4 × 4 patch might start to.

A face in a frame is **covered** (for recall) when at least ``Judge.covered_fraction`` of its
judged pixels are hidden; recall counts only faces with at least ``Judge.min_judged`` judged
pixels (a sliver at the frame's edge or behind a pole is no detection task), while visibility
counts them all. Pixels **changed outside** are those, away from every labelled object, whose
output differs from the input by more than ``Judge.change_tolerance``: false detections, and
whatever else the redactor disturbs (the codec's own noise sets the floor).

Audio: inside a mute the output's RMS is compared with the input's there (0 = silent); outside
the mutes, the output's correlation with the input (allowing the small shift an AAC encoder's
priming makes) says whether the sound was kept.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from scipy import ndimage, signal

from labelled_videos import Frame, Labels, Mask, Seen

Samples = npt.NDArray[np.float32]


@dataclass(frozen=True)
class Judge:
    """The thresholds of the judgement (see the module's docstring for why each exists)."""

    fill: tuple[int, int, int] = (0, 0, 0)
    fill_tolerance: int = 48  # max |channel − fill| for a pixel to count as filled
    erode: int = 2  # pixels taken off the edge of a face's visible mask
    visible_pixels: int = 16  # a face showing more judged pixels than this is visible
    covered_fraction: float = 0.9  # share of judged pixels hidden for a face to count covered
    min_judged: int = 64  # faces with fewer judged pixels are left out of recall
    change_tolerance: int = 32  # max |output − input| for a pixel to count unchanged
    outside_margin: float = 0.5  # a labelled box grown by this share of its size on each side
    kinds: tuple[str, ...] = ("face",)  # which labelled objects coverage is judged for


def far(pixels: Frame, colour: Frame | Sequence[int], tolerance: int) -> Mask:
    """Pixels whose largest channel difference from ``colour`` (one colour, or a same-shaped
    image) exceeds ``tolerance``."""
    diff = np.abs(pixels.astype(np.int16) - np.asarray(colour, dtype=np.int16))
    return diff.max(axis=-1) > tolerance


def judged(visible: Mask, source: Frame, judge: Judge) -> Mask:
    """The pixels of a face's visible mask that are judged: the mask eroded by ``judge.erode``
    (outside the mask counts as not the face), without pixels already near the fill colour in
    the input ``source`` (the same box of the input frame)."""
    core = visible
    if judge.erode:
        square = np.ones((2 * judge.erode + 1,) * 2, bool)
        core = ndimage.binary_erosion(visible, structure=square, border_value=0)
    return core & far(source, judge.fill, judge.fill_tolerance)


@dataclass(frozen=True)
class Showing:
    """One labelled object in one frame: how many of its pixels were judged, and shown."""

    id: str
    judged: int
    shown: int

    def visible(self, judge: Judge) -> bool:
        return self.shown > judge.visible_pixels

    def counts_for_recall(self, judge: Judge) -> bool:
        return self.judged >= judge.min_judged

    def covered(self, judge: Judge) -> bool:
        return self.judged - self.shown >= judge.covered_fraction * self.judged


def showing(seen: Seen, source: Frame, output: Frame, judge: Judge) -> Showing:
    """How much of ``seen`` the ``output`` frame shows (``source`` is the input frame)."""
    b = seen.box
    inp, out = source[b.y0 : b.y1, b.x0 : b.x1], output[b.y0 : b.y1, b.x0 : b.x1]
    mask = judged(seen.visible, inp, judge)
    shown = mask & far(out, judge.fill, judge.fill_tolerance)
    return Showing(seen.id, int(mask.sum()), int(shown.sum()))


def outside(seen: Sequence[Seen], height: int, width: int, margin: float) -> Mask:
    """The pixels away from every labelled object: not in any box grown by ``margin`` of its
    width and height on each side."""
    out = np.ones((height, width), bool)
    for s in seen:
        b = s.box
        gx, gy = round(margin * b.width), round(margin * b.height)
        out[max(0, b.y0 - gy) : b.y1 + gy, max(0, b.x0 - gx) : b.x1 + gx] = False
    return out


@dataclass(frozen=True)
class FrameScore:
    objects: tuple[Showing, ...]
    changed_outside: int
    outside: int


def score_frame(seen: Sequence[Seen], source: Frame, output: Frame, judge: Judge) -> FrameScore:
    """One frame's judgement: each judged object's showing, and the pixels changed outside."""
    if source.shape != output.shape:
        raise ValueError(
            f"the output frame is {output.shape[1]}x{output.shape[0]} but the input is "
            f"{source.shape[1]}x{source.shape[0]}: a redactor must keep the frame size"
        )
    objects = tuple(showing(s, source, output, judge) for s in seen if s.kind in judge.kinds)
    away = outside(seen, source.shape[0], source.shape[1], judge.outside_margin)
    changed = far(output, source, judge.change_tolerance) & away
    return FrameScore(objects, int(changed.sum()), int(away.sum()))


@dataclass(frozen=True)
class Scores:
    frames: int
    faces: int  # face-frames counted for recall
    covered: int  # of those, covered
    visible_frames: tuple[int, ...]  # indices of frames in which a labelled object is visible
    changed_outside: int
    outside: int
    per_frame: tuple[FrameScore, ...] = field(repr=False, default=())

    @property
    def recall(self) -> float:
        return self.covered / self.faces if self.faces else 1.0

    @property
    def changed_fraction(self) -> float:
        return self.changed_outside / self.outside if self.outside else 0.0


def summarise(per_frame: Sequence[FrameScore], judge: Judge) -> Scores:
    counted = [o for f in per_frame for o in f.objects if o.counts_for_recall(judge)]
    visible = tuple(i for i, f in enumerate(per_frame) if any(o.visible(judge) for o in f.objects))
    return Scores(
        frames=len(per_frame), faces=len(counted),
        covered=sum(o.covered(judge) for o in counted), visible_frames=visible,
        changed_outside=sum(f.changed_outside for f in per_frame),
        outside=sum(f.outside for f in per_frame), per_frame=tuple(per_frame),
    )  # fmt: skip


def score_video(
    labels: Labels, inputs: Iterable[Frame], outputs: Iterable[Frame], judge: Judge
) -> Scores:
    """Judge a whole video: decoded input and output frames, in order, against the labels."""
    per_frame = []
    for i, (source, output) in enumerate(itertools.zip_longest(inputs, outputs)):
        missing = "input" if source is None else "output" if output is None else None
        if missing is None and i >= len(labels.frames):
            missing = "labels"
        if missing is not None:
            raise ValueError(_frames_differ(i, missing))
        per_frame.append(score_frame(labels.frames[i], source, output, judge))
    if len(per_frame) < len(labels.frames):
        raise ValueError(_frames_differ(len(per_frame), "input and the output"))
    return summarise(per_frame, judge)


def _frames_differ(index: int, missing: str) -> str:
    return (
        f"frame {index + 1}: the {missing} ha{'ve' if ' and ' in missing else 's'} no such frame "
        "(the input, the output and the labels must have the same frames: a redactor keeps "
        "every frame)"
    )


# --- audio ---------------------------------------------------------------------------------


def rms(samples: Samples) -> float:
    return float(np.sqrt(np.mean(np.square(samples, dtype=np.float64)))) if samples.size else 0.0


def _span(start: float, end: float, rate: int, length: int) -> tuple[int, int]:
    return max(0, round(start * rate)), min(length, round(end * rate))


def mute_level(
    source: Samples, output: Samples, rate: int, mutes: Sequence[tuple[float, float]],
    edge: float = 0.05,
) -> float:  # fmt: skip
    """The loudest mute: the output's RMS inside a mute (less ``edge`` seconds at each end, for
    a fade or the encoder's shift) over the input's RMS there; 0 is silence, 1 unchanged."""
    worst = 0.0
    for start, end in mutes:
        a, b = _span(start + edge, end - edge, rate, min(len(source), len(output)))
        if b - a <= 0:
            raise ValueError(f"mute {start}-{end} s: nothing left to measure inside it")
        worst = max(worst, rms(output[a:b]) / max(rms(source[a:b]), 1e-12))
    return worst


def kept_segments(
    duration: float, mutes: Sequence[tuple[float, float]], edge: float
) -> list[tuple[float, float]]:
    """The stretches of ``duration`` seconds away from every mute by ``edge`` seconds."""
    cuts = sorted((max(0.0, s - edge), min(duration, e + edge)) for s, e in mutes)
    out, at = [], edge
    for s, e in cuts:
        if s > at:
            out.append((at, s))
        at = max(at, e)
    if duration - edge > at:
        out.append((at, duration - edge))
    return out


def correlation(source: Samples, output: Samples, rate: int, max_shift: float) -> float:
    """The output's best normalised correlation with ``source`` (the same stretch of the input)
    over shifts of up to ``max_shift`` seconds either way; ``output`` holds that stretch with
    ``max_shift`` seconds more on each side."""
    lag = round(max_shift * rate)
    if len(output) != len(source) + 2 * lag:
        raise ValueError("the output stretch must be the source's plus the shift on each side")
    dots = signal.correlate(output, source, mode="valid", method="fft")
    energy = np.cumsum(np.concatenate([[0.0], np.square(output, dtype=np.float64)]))
    windows = energy[len(source) :] - energy[: len(energy) - len(source)]
    norm = np.sqrt(windows * float(np.square(source, dtype=np.float64).sum()))
    return float(np.max(dots / np.maximum(norm, 1e-12)))


def kept_correlation(
    source: Samples, output: Samples, rate: int, mutes: Sequence[tuple[float, float]],
    edge: float = 0.1, max_shift: float = 0.05,
) -> float:  # fmt: skip
    """The worst correlation, over the stretches away from the mutes, of the output with the
    input (1 = the sound is kept). Stretches run to the end of the shorter track."""
    lag = round(max_shift * rate)
    length = min(len(source), len(output)) - lag
    worst = 1.0
    for start, end in kept_segments(length / rate, mutes, edge):
        a, b = _span(start, end, rate, length)
        if b - a < rate // 10:
            continue
        if a < lag:
            a = lag
        worst = min(worst, correlation(source[a:b], output[a - lag : b + lag], rate, max_shift))
    return worst
