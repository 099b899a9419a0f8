"""A clip's loudness drawn as a waveform: the largest absolute sample of each of so many equal
parts of the audio (its peaks), reduced in two steps so that a long clip's samples are never
all held at once (blocks of a hundredth of a second as they are decoded, then the blocks into
the parts drawn). Pure computation."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

BLOCKS_A_SECOND = 100


@dataclass(frozen=True)
class Waveform:
    """The peaks (0 to 1: full scale) of ``len(peaks)`` equal parts of ``seconds`` of audio."""

    seconds: float
    peaks: tuple[float, ...]


def peaks(values: npt.NDArray[np.float32], parts: int) -> npt.NDArray[np.float32]:
    """The largest absolute value of each of ``parts`` consecutive parts of ``values``: part
    ``i`` holds values ``floor(i·n/parts)`` up to (not including) ``floor((i+1)·n/parts)``; a
    part with no value (fewer values than parts) is 0."""
    n = len(values)
    bounds = (np.arange(parts + 1) * n) // parts
    out = np.zeros(parts, dtype=np.float32)
    magnitude = np.abs(values)
    for i in range(parts):
        a, b = bounds[i], bounds[i + 1]
        if b > a:
            out[i] = magnitude[a:b].max()
    return out


@dataclass
class Blocks:
    """Samples as they are decoded (any number of channels) reduced to the peak of each block
    of ``size`` samples; the last, shorter block is kept by ``done``."""

    size: int
    found: list[float]
    pending: npt.NDArray[np.float32]
    samples: int = 0
    """How many samples (of each channel) were added."""

    @classmethod
    def of(cls, rate: int) -> Blocks:
        return cls(max(1, rate // BLOCKS_A_SECOND), [], np.zeros(0, dtype=np.float32))

    def add(self, samples: npt.NDArray[np.float32]) -> None:
        """``samples``: channels × samples (or one channel's samples)."""
        loudest = np.abs(samples).max(axis=0) if samples.ndim == 2 else np.abs(samples)
        self.samples += len(loudest)
        pending = np.concatenate([self.pending, loudest.astype(np.float32)])
        whole = len(pending) // self.size * self.size
        if whole:
            self.found.extend(pending[:whole].reshape(-1, self.size).max(axis=1).tolist())
        self.pending = pending[whole:]

    def done(self) -> npt.NDArray[np.float32]:
        tail = [float(self.pending.max())] if len(self.pending) else []
        return np.asarray(self.found + tail, dtype=np.float32)
