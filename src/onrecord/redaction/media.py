"""Reading and writing clips with PyAV: what a clip is (size, frame rate, rotation, audio),
its frames in order, and an H.264 MP4 written with the same size, timing and rotation, its audio
re-encoded as AAC with the muted ranges silenced (samples set to zero)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import av.container
import numpy as np
import numpy.typing as npt

from onrecord.redaction.errors import InputError
from onrecord.redaction.ranges import muted
from onrecord.redaction.waveform import Blocks, Waveform, peaks

ENCODER = {"preset": "veryfast", "crf": "20"}
"""libx264's settings: part of what makes a replay give the same file."""


@dataclass(frozen=True)
class VideoFacts:
    width: int
    height: int
    fps: Fraction
    time_base: Fraction
    frames: int
    """As the container declares it (0 when it does not say); the analysis counts them."""
    rotation: int
    """Degrees, from the display matrix, kept on the output."""
    audio: bool


@contextmanager
def opened(source: Path) -> Iterator[av.container.InputContainer]:
    """``source`` open for reading, or ``InputError`` if it is not a video PyAV can read."""
    try:
        container = av.open(str(source))
    except (av.FFmpegError, OSError, UnicodeDecodeError) as e:
        raise InputError(f"{source}: not a video that can be read ({e})") from None
    with container:
        if not container.streams.video:
            raise InputError(f"{source}: has no video stream")
        yield container


def facts(source: Path) -> VideoFacts:
    """What the clip is, from its container and first frame; ``InputError`` for an unreadable
    clip, one without frames, or one whose sides are odd (4:2:0 H.264 needs even sides)."""
    with opened(source) as container:
        video = container.streams.video[0]
        first = next(frames(container, source), None)
        if first is None:
            raise InputError(f"{source}: has no video frames")
        if video.width % 2 or video.height % 2:
            raise InputError(
                f"{source}: is {video.width}×{video.height}; sides must be even to keep the size"
            )
        fps = video.average_rate or video.guessed_rate or Fraction(30)
        return VideoFacts(
            width=video.width, height=video.height, fps=Fraction(fps),
            time_base=Fraction(video.time_base or Fraction(1, 90000)), frames=video.frames or 0,
            rotation=int(first.rotation or 0), audio=bool(container.streams.audio),
        )  # fmt: skip


def frames(container: av.container.InputContainer, source: Path) -> Iterator[av.VideoFrame]:
    """The video frames in presentation order; a decoding failure is the clip's (``InputError``)."""
    video = container.streams.video[0]
    video.thread_type = "AUTO"
    try:
        yield from container.decode(video)
    except av.FFmpegError as e:
        raise InputError(f"{source}: cannot be decoded ({e})") from None


def frame_times(source: Path) -> list[int]:
    """The video frames' presentation timestamps (in the stream's time base), in order, read
    from the packets without decoding; ``InputError`` when a packet has none (a stream whose
    frames cannot be found by time)."""
    stamps = []
    with opened(source) as container:
        try:
            for packet in container.demux(container.streams.video[0]):
                if packet.size == 0:
                    continue  # the demuxer's end-of-stream marker
                if packet.pts is None:
                    raise InputError(f"{source}: a video packet has no timestamp")
                stamps.append(int(packet.pts))
        except av.FFmpegError as e:
            raise InputError(f"{source}: cannot be read ({e})") from None
    return sorted(stamps)


def frames_from(
    container: av.container.InputContainer, source: Path, stamps: list[int], first: int
) -> Iterator[tuple[int, av.VideoFrame]]:
    """The frames from number ``first`` on, with their numbers (``stamps`` from
    ``frame_times``): decoding starts at the key frame before it, not at the clip's start."""
    video = container.streams.video[0]
    video.thread_type = "AUTO"
    number = {pts: i for i, pts in enumerate(stamps)}
    try:
        container.seek(stamps[first], stream=video, backward=True, any_frame=False)
        for frame in container.decode(video):
            i = number.get(frame.pts) if frame.pts is not None else None
            if i is not None and i >= first:
                yield i, frame
    except av.FFmpegError as e:
        raise InputError(f"{source}: cannot be decoded ({e})") from None


def write(
    source: Path,
    target: Path,
    info: VideoFacts,
    edit: Callable[[int, npt.NDArray[np.uint8]], None],
    mutes: tuple[tuple[float, float], ...],
    progress: Callable[[int], None],
) -> int:
    """Write ``target`` (MP4) from ``source``: each frame as yuv420p, changed in place by
    ``edit(index, array)``, at its own time; then the audio with ``mutes`` silenced. Returns the
    number of frames."""
    count = 0
    with opened(source) as inp, av.open(str(target), "w", format="mp4") as out:
        stream = out.add_stream("libx264", rate=info.fps)
        stream.width, stream.height, stream.pix_fmt = info.width, info.height, "yuv420p"
        stream.time_base = info.time_base
        stream.options = dict(ENCODER)
        if info.rotation:
            stream.set_display_rotation(info.rotation)
        sound = _audio_stream(inp, out) if info.audio else None
        step = 1 / (info.fps * info.time_base)
        for frame in frames(inp, source):
            array = np.asarray(frame.to_ndarray(format="yuv420p"), dtype=np.uint8)
            edit(count, array)
            made = av.VideoFrame.from_ndarray(array, format="yuv420p")
            made.pts = frame.pts if frame.pts is not None else round(count * step)
            made.time_base = info.time_base
            out.mux(stream.encode(made))
            count += 1
            progress(count)
        out.mux(stream.encode(None))
        if sound is not None:
            _audio(source, out, sound, mutes)
    return count


def rewrite_audio(
    source: Path,
    previous: Path,
    target: Path,
    info: VideoFacts,
    mutes: tuple[tuple[float, float], ...],
) -> int:
    """Write ``target`` (MP4) with ``previous``'s video packets copied as they are (nothing
    decoded or encoded again) and ``source``'s audio with ``mutes`` silenced, encoded as
    ``write`` encodes it. Returns the number of video packets."""
    count = 0
    with opened(previous) as old, av.open(str(target), "w", format="mp4") as out:
        video = old.streams.video[0]
        stream = out.add_stream_from_template(video)
        if info.rotation:
            stream.set_display_rotation(info.rotation)
        with opened(source) as inp:
            sound = _audio_stream(inp, out)
        try:
            for packet in old.demux(video):
                if packet.dts is None:
                    continue  # the demuxer's end-of-stream marker
                packet.stream = stream
                out.mux(packet)
                count += 1
        except av.FFmpegError as e:
            raise InputError(f"{previous}: cannot be read ({e})") from None
        _audio(source, out, sound, mutes)
    _as_encoded(target)
    return count


def _as_encoded(target: Path) -> None:
    """Give the copied video track's ``btrt`` box the average bit rate the encoder declares
    (none, at a constant quality), as ``write`` does: the muxer, lacking the encoder's
    declaration for copied packets, writes one it measured, and the file would differ from a
    render of the same record in those four bytes. The video track is the movie's first, so
    its ``btrt`` is the first in the ``moov`` box."""
    with target.open("r+b") as f:
        at = 0
        while header := f.read(8):
            size, kind = int.from_bytes(header[:4], "big"), header[4:]
            if size == 1:
                size = int.from_bytes(f.read(8), "big")
            if kind == b"moov":
                f.seek(at)
                moov = f.read(size)
                found = moov.find(b"btrt")
                if found >= 4:
                    f.seek(at + found + 12)  # past the buffer size and the maximum rate
                    f.write(b"\0\0\0\0")
                return
            if size < 8:
                return
            at += size
            f.seek(at)


def loudness(source: Path, parts: int) -> Waveform | None:
    """The peaks of ``parts`` equal parts of ``source``'s first audio track (``waveform``), or
    None for a clip without audio."""
    with opened(source) as inp:
        if not inp.streams.audio:
            return None
        audio = inp.streams.audio[0]
        rate = audio.sample_rate or 48000
        blocks = Blocks.of(rate)
        try:
            for frame in inp.decode(audio):
                samples = frame.to_ndarray()
                if frame.format.is_planar or samples.shape[0] == 1:
                    blocks.add(_unit(samples))
                else:  # packed: one row of interleaved channels
                    blocks.add(_unit(samples.reshape(-1, len(frame.layout.channels)).T))
        except av.FFmpegError as e:
            raise InputError(f"{source}: its audio cannot be decoded ({e})") from None
    found = blocks.done()
    return Waveform(blocks.samples / rate, tuple(round(float(v), 4) for v in peaks(found, parts)))


def _unit(samples: npt.NDArray[Any]) -> npt.NDArray[np.float32]:
    """Samples as floats with full scale at 1 (integer formats scaled by their range)."""
    if np.issubdtype(samples.dtype, np.integer):
        full = float(np.iinfo(samples.dtype).max)
        return np.asarray(samples, dtype=np.float32) / np.float32(full)
    return np.asarray(samples, dtype=np.float32)


def _audio_stream(
    inp: av.container.InputContainer, out: av.container.OutputContainer
) -> av.AudioStream:
    """The AAC stream for the input's first audio track, at its rate and channel layout (added
    before anything is written: the header lists every stream)."""
    audio = inp.streams.audio[0]
    stream = out.add_stream("aac", rate=audio.sample_rate or 48000)
    stream.layout = audio.layout.name if audio.layout else "stereo"
    return stream


def _audio(
    source: Path,
    out: av.container.OutputContainer,
    stream: av.AudioStream,
    mutes: tuple[tuple[float, float], ...],
) -> None:
    with opened(source) as inp:
        audio = inp.streams.audio[0]
        rate = stream.rate
        layout = stream.layout.name
        resampler = av.AudioResampler(format="fltp", layout=layout, rate=rate)
        written, start = 0, None
        try:
            for decoded in [*inp.decode(audio), None]:
                if start is None and decoded is not None:
                    start = float(decoded.time or 0.0)
                for frame in resampler.resample(decoded):
                    written = _mux_audio(out, stream, frame, (start or 0.0, rate), written, mutes)
        except av.FFmpegError as e:
            raise InputError(f"{source}: its audio cannot be decoded ({e})") from None
        out.mux(stream.encode(None))


def _mux_audio(
    out: av.container.OutputContainer,
    stream: av.AudioStream,
    frame: av.AudioFrame,
    clock: tuple[float, int],
    written: int,
    mutes: tuple[tuple[float, float], ...],
) -> int:
    """Encode ``frame`` with its muted samples zeroed; a sample is timed by its count from the
    clip's first audio sample (gapless, as the encoder writes them) after that sample's time
    (``clock``: the first sample's time in seconds, and samples a second)."""
    first, rate = clock
    samples = frame.to_ndarray()
    silence = muted(first + written / rate, rate, samples.shape[1], mutes)
    if silence.any():
        samples = samples.copy()
        samples[:, silence] = 0
    made = av.AudioFrame.from_ndarray(samples, format="fltp", layout=frame.layout.name)
    made.sample_rate = rate
    made.pts = written
    made.time_base = Fraction(1, rate)
    out.mux(stream.encode(made))
    return written + samples.shape[1]
