"""An evidence item as it arrives, whatever delivered it (vault contract: "Evidence items").

Every ingest path — the Axis content destination, a dock or upload folder, the console's upload
form — first puts each file's bytes in the blob store, then describes the recording with a
``NewItem`` and hands it to the vault's ingest, which records the item and its ``ingest`` custody
entry in one transaction. Keeping this description apart from the paths is what makes them one
ingest.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class FileRole(StrEnum):
    """What a file of an item is; the first clip is the one the audit's ``sha256`` names."""

    CLIP = "clip"
    GNSS = "gnss"
    BOOKMARK = "bookmark"
    KEY = "key"
    OTHER = "other"


class Source(StrEnum):
    """Where an item came from; ``release`` is a redacted copy made for a records request,
    whose metadata names the request and its source item."""

    AXIS = "axis"
    UPLOAD = "upload"
    FOLDER = "folder"
    RELEASE = "release"


@dataclass(frozen=True)
class IncomingFile:
    """One file already in the blob store: its name as received and its plaintext SHA-256/size."""

    name: str
    media_type: str
    sha256: str
    size: int
    role: FileRole = FileRole.CLIP


@dataclass(frozen=True)
class NewItem:
    """One recording to ingest; instants are timezone-aware, ``time_zone`` the camera's zone.

    ``external_key`` names the recording in its source (an Axis container name); a second ingest
    with the same source and key is the same item, so a client's retry makes nothing new.
    """

    source: Source
    officer_id: str
    camera_id: str
    start: datetime
    end: datetime
    files: tuple[IncomingFile, ...]
    external_key: str | None = None
    time_zone: str | None = None
    trigger_on_reason: str | None = None
    trigger_on_time: datetime | None = None
    trigger_off_reason: str | None = None
    trigger_off_time: datetime | None = None
    categories: tuple[str, ...] = ()
    case_ids: tuple[str, ...] = ()
    metadata: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class IngestResult:
    """The vault id of the ingested item, and whether this ingest created it (False on a retry)."""

    item_id: str
    created: bool
