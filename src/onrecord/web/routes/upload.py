"""The upload form: a custodian ingests files from a camera of any make (one item per file),
as ``onrecord vault ingest`` does from a dock folder (``Vault.ingest_files``): the start and end
from the media unless given, the item's ``ingest`` entry naming the custodian and their address.

Each file is copied to a private temporary folder under its name as received (streamed: the
form's parser spools large files to disk), so the custody entry names the file as the person
uploaded it; the folder is removed whatever happens.
"""

from __future__ import annotations

import shutil
import tempfile
from datetime import datetime
from pathlib import Path, PurePath
from typing import Annotated

from fastapi import APIRouter, File, Form, HTTPException, Request, Response, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse

from onrecord.vault.errors import VaultError
from onrecord.vault.store import StoreError, StoreFull
from onrecord.web import deps
from onrecord.web.deps import CUSTODY, Csrf, Custody, client_address
from onrecord.web.render import render
from onrecord.web.routes import NavEntry, Resource

pages = APIRouter(include_in_schema=False)
resource = Resource(routers=(pages,), nav=(NavEntry("Upload", "/upload", CUSTODY, order=34),))

Id = Annotated[str, Form(min_length=1, max_length=64)]
Instant = Annotated[str, Form(max_length=40)]
Listed = Annotated[str, Form(max_length=5000)]
COPY_CHUNK = 1 << 20


@pages.get("/upload", response_class=HTMLResponse)
def upload_page(request: Request, account: Custody) -> Response:
    return render(request, "upload.html.j2", {})


def _instant(text: str, name: str) -> datetime | None:
    if not text.strip():
        return None
    try:
        at = datetime.fromisoformat(text.strip())
    except ValueError:
        raise HTTPException(
            422, f"{name}: {text!r} is not a time like 2026-12-01T14:03:07Z"
        ) from None
    if at.tzinfo is None:
        raise HTTPException(422, f"{name}: {text!r} has no time zone (add Z or an offset)")
    return at


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.replace("\n", ",").split(",") if part.strip()]


@pages.post("/upload", dependencies=[Csrf])
def upload(
    request: Request,
    account: Custody,
    files: Annotated[list[UploadFile], File(description="The recordings, one item each.")],
    officer: Id,
    camera: Id,
    start: Instant = "",
    end: Instant = "",
    categories: Listed = "",
    cases: Listed = "",
) -> Response:
    vault = deps.vault(request)
    begin, finish = _instant(start, "start"), _instant(end, "end")
    with tempfile.TemporaryDirectory(prefix="onrecord-upload-") as folder:
        paths: list[Path] = []
        for n, upload in enumerate(files):
            name = PurePath((upload.filename or "").replace("\\", "/")).name or f"upload-{n + 1}"
            target = Path(folder) / str(n) / name
            target.parent.mkdir()
            with target.open("wb") as out:
                shutil.copyfileobj(upload.file, out, COPY_CHUNK)
            paths.append(target)
        try:
            done = vault.ingest_files(
                paths, officer=officer, camera=camera, start=begin, end=finish,
                categories=_split(categories), case_ids=_split(cases),
                actor=account.name, address=client_address(request),
            )  # fmt: skip
        except StoreFull as e:
            raise HTTPException(507, f"the vault's store is full: {e}") from None
        except StoreError as e:
            raise HTTPException(503, f"the vault's store cannot be reached: {e}") from None
        except VaultError as e:
            raise HTTPException(422, str(e)) from None
    if len(done) == 1:
        return RedirectResponse(f"/evidence/{done[0].item_id}", status_code=303)
    return RedirectResponse(f"/evidence?officer={officer}&camera={camera}", status_code=303)
