"""Test support for the vault's service: a vault over a test database and an in-memory blob
store, a clock that ticks one second a call, items whose bytes are in the store, and tiny
video clips made with PyAV."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from unittest import mock

import av
import numpy as np

from memory_store import MemoryStore
from onrecord.vault import setup
from onrecord.vault.items import FileRole, IncomingFile, NewItem, Source
from onrecord.vault.service import Vault
from onrecord.vault.store import BlobStore

ORIGIN = "vault.example.org/test"
START = datetime(2026, 12, 1, 14, 0, tzinfo=UTC)


class Clock:
    """A clock for tests: ``START``, then one second later at each call."""

    def __init__(self, start: datetime = START) -> None:
        self.now = start - timedelta(seconds=1)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


@contextmanager
def store_wired(store: BlobStore) -> Iterator[None]:
    """``setup.connect_store`` answering ``store`` whatever the settings say (the real stores
    are tested on their own)."""
    with mock.patch.object(setup, "connect_store", lambda *args, **kwargs: store):
        yield


def make_vault(
    url: str,
    keys: Path,
    store: MemoryStore | None = None,
    clock: Callable[[], datetime] | None = None,
) -> Vault:
    """A new vault in the database at ``url`` (made if missing) over ``store``."""
    store = store if store is not None else MemoryStore()
    clock = clock or Clock()
    with store_wired(store):
        setup.init_vault(url, store_location="memory:", origin=ORIGIN, keys=keys, clock=clock)
    return Vault.open(url, store=store, clock=clock)


def put(
    store: BlobStore, data: bytes, name: str = "clip.mp4", role: FileRole = FileRole.CLIP
) -> IncomingFile:
    blob = store.put([data])
    assert blob.sha256 == hashlib.sha256(data).hexdigest()
    return IncomingFile(name, "video/mp4", blob.sha256, blob.size, role)


def new_item(store: BlobStore, *contents: bytes, key: str | None = None, **more: Any) -> NewItem:
    """An Axis recording of ``contents`` (each a clip, in the store) by officer 1234."""
    files = tuple(put(store, data, f"clip-{i + 1}.mp4") for i, data in enumerate(contents))
    fields: dict[str, Any] = {
        "source": Source.AXIS,
        "officer_id": "1234",
        "camera_id": "B8A44F000001",
        "start": START,
        "end": START + timedelta(minutes=5),
        "files": files,
        "external_key": key,
    }
    fields.update(more)
    return NewItem(**fields)


def make_clip(path: Path, created: str | None = "2026-12-01T14:03:07Z", frames: int = 15) -> Path:
    """A tiny MPEG-4 clip at 10 frames a second (``frames / 10`` seconds), with the container
    creation time ``created`` (none if None)."""
    with av.open(str(path), "w") as container:
        if created is not None:
            container.metadata["creation_time"] = created
        stream = container.add_stream("mpeg4", rate=10)
        stream.width, stream.height, stream.pix_fmt = 32, 32, "yuv420p"
        for i in range(frames):
            image = np.full((32, 32, 3), i * 8, np.uint8)
            for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path
