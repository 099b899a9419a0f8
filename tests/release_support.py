"""Test support for records requests and their jobs: stand-in redactors (the real engine is
wired in elsewhere), a vault over a real folder store that worker processes can open, clips of
officers' recordings in it, and a throwaway Redis server.

The redactors honour the ``Redactor`` protocol: ``copy_frames`` decodes every frame with PyAV
and encodes it again as H.264 (so the output is a real, different file), reporting progress per
frame and writing its record beside the output, each by a temporary name and a rename.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

import av
import numpy as np

from onrecord.release.redactor import Progress, RedactionChoices, UnusableInput
from onrecord.release.service import Releases
from onrecord.vault import setup
from onrecord.vault.service import Vault

ORIGIN = "vault.example.org/release-test"
SLOW_SECONDS = float(os.environ.get("ONRECORD_TEST_SLOW_FRAME", "0.05"))
"""Seconds ``slow_copy`` spends per frame (so a test can kill a worker mid-job)."""


def copy_frames(
    source: Path, target: Path, choices: RedactionChoices, progress: Progress, pause: float = 0.0
) -> Path:
    """The stand-in redactor: every frame decoded and encoded again (H.264), nothing covered."""
    try:
        inp = av.open(str(source))
    except av.FFmpegError as e:
        raise UnusableInput(f"{source.name}: not a video PyAV can read ({e})") from None
    partial = target.with_name(target.name + ".partial")
    with inp, av.open(str(partial), "w", format="mp4") as out:
        video = inp.streams.video[0]
        total = video.frames or 0
        stream = out.add_stream("libx264", rate=video.average_rate or 10)
        stream.width, stream.height, stream.pix_fmt = video.width, video.height, "yuv420p"
        stream.options = {"preset": "ultrafast"}
        done = 0
        for frame in inp.decode(video):
            out.mux(stream.encode(frame.reformat(format="yuv420p")))
            done += 1
            progress("writing", done, max(total, done))
            if pause:
                time.sleep(pause)
        out.mux(stream.encode(None))
    partial.replace(target)
    record = target.with_name(target.stem + ".redaction.json")
    text = json.dumps({"redactor": "copy_frames", "choices": choices.model_dump(mode="json"),
                       "frames": done})  # fmt: skip
    record.with_suffix(".partial").write_text(text, encoding="utf-8")
    record.with_suffix(".partial").replace(record)
    return record


def slow_copy(source: Path, target: Path, choices: RedactionChoices, progress: Progress) -> Path:
    """``copy_frames`` taking ``SLOW_SECONDS`` a frame."""
    return copy_frames(source, target, choices, progress, pause=SLOW_SECONDS)


def unusable(source: Path, target: Path, choices: RedactionChoices, progress: Progress) -> Path:
    raise UnusableInput(f"{source.name}: the mute range 0:10-0:20 is past the clip's end")


def make_clip(path: Path, frames: int = 20, size: int = 48, seed: int = 0) -> Path:
    """A small MPEG-4 clip at 10 frames a second with moving noise (so each clip differs)."""
    rng = np.random.default_rng(seed)
    with av.open(str(path), "w") as container:
        stream = container.add_stream("mpeg4", rate=10)
        stream.width, stream.height, stream.pix_fmt = size, size, "yuv420p"
        for _ in range(frames):
            image = rng.integers(0, 255, (size, size, 3), dtype=np.uint8)
            container.mux(stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")))
        container.mux(stream.encode(None))
    return path


def make_vault(url: str, root: Path, clock: object = None) -> Vault:
    """A vault in ``url`` over a folder store under ``root`` (keys in ``root/keys``)."""
    setup.init_vault(url, store_location=str(root / "store"), origin=ORIGIN, keys=root / "keys")
    return Vault.open(url, clock=clock)  # type: ignore[arg-type]


def ingest_clip(
    vault: Vault,
    folder: Path,
    *,
    officer: str,
    start: datetime,
    minutes: int = 5,
    camera: str = "CAM-1",
    frames: int = 20,
    seed: int = 0,
) -> str:
    """Ingest a new clip recorded by ``officer`` from ``start``; returns its item id."""
    folder.mkdir(parents=True, exist_ok=True)
    clip = make_clip(folder / f"{officer}-{start:%H%M}-{seed}.mp4", frames=frames, seed=seed)
    end = start + timedelta(minutes=minutes)
    [result] = vault.ingest_files(
        [clip], officer=officer, camera=camera, start=start, end=end, actor="clerk"
    )
    return result.item_id


def entries(vault: Vault, item: str | None = None) -> list[dict[str, object]]:
    """The custody log's entries (about ``item``), parsed."""
    return [json.loads(e.body) for e in vault.entries(limit=10_000, item=item)]


def releases_over(url: str) -> Releases:
    return Releases.open(url)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def redis_server() -> Iterator[str]:
    """A throwaway ``redis-server`` on a free loopback port in a temporary folder; yields its
    URL, then stops it and deletes the folder."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError(
            "redis-server is not installed: scripts/install-debian-packages redis-server"
        )
    root = Path(tempfile.mkdtemp(prefix="onrecord-test-redis-"))
    port = free_port()
    server = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(root), "--save", "",
         "--appendonly", "no", "--loglevel", "warning"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("redis-server did not start") from None
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        server.terminate()
        server.wait(10)
        shutil.rmtree(root, ignore_errors=True)
