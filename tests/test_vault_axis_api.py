"""The Axis content destination as a black box: python-swiftclient (or a raw socket, for what a
client library will not send) against the app served by uvicorn on a loopback port, the way an
Axis body-worn system talks to it. The vault is a fake that records the two calls the
destination makes; the blob store is the in-memory one.
"""

from __future__ import annotations

import hashlib
import http.client
import io
import json
import socket
import threading
import time
import tracemalloc
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from swiftclient.client import ClientException, Connection

from axis_support import (
    SERIAL,
    USER,
    Recording,
    Site,
    iso,
    meta,
    register,
    serving,
    site,
    tiny_clip,
)
from memory_store import MemoryStore
from onrecord.database.axis import AxisContainer, AxisObject, AxisToken
from onrecord.vault.axis.app import create_app
from onrecord.vault.axis.headers import Kind
from onrecord.vault.axis.service import Settings
from onrecord.vault.axis.system import Category
from onrecord.vault.items import FileRole, Source
from onrecord.vault.store import StoredBlob, StoreUnavailable


@pytest.fixture
def st(tmp_path: Path) -> Iterator[Site]:
    with site(tmp_path) as s:
        yield s


def status(call: Callable[[], Any]) -> int:
    """The status a request was refused with (the client must not retry: retries=0)."""
    with pytest.raises(ClientException) as e:
        call()
    assert e.value.http_status is not None
    return e.value.http_status


def refused(call: Callable[[], Any]) -> tuple[int, str, dict[str, str]]:
    with pytest.raises(ClientException) as e:
        call()
    return (
        e.value.http_status,
        e.value.http_response_content.decode(),
        e.value.http_response_headers,
    )


def raw(
    st: Site, method: str, path: str, headers: dict[str, str], body: bytes = b""
) -> http.client.HTTPResponse:
    """A request http.client sends as given (headers a Swift library would reject or fix)."""
    host, port = st.url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    response.read()
    conn.close()
    return response


def staged_objects(st: Site) -> int:
    with Session(st.engine) as s:
        return s.scalar(select(func.count()).select_from(AxisObject)) or 0


# -- signing in --------------------------------------------------------------------------------


def test_sign_in_answers_a_token_and_the_storage_url(st: Site) -> None:
    url, token = st.client().get_auth()
    assert url == f"{st.url}/v1/AUTH_axis"
    assert token.startswith("AUTH_tk") and len(token) == len("AUTH_tk") + 64
    r = raw(st, "GET", "/auth/v1.0", {"X-Auth-User": "axis", "X-Auth-Key": st.key})
    assert r.status == 200
    assert 3500 < int(r.headers["X-Auth-Token-Expires"]) <= 3600
    assert st.vault.failures == []


def test_mounted_under_a_prefix_the_storage_url_keeps_it(st: Site) -> None:
    """As the console mounts the destination at /axis: the storage URL answered at sign-in is
    under the prefix too, or every later request would miss the destination."""
    outer = FastAPI()
    outer.mount("/axis", st.app)
    with serving(outer) as base:
        conn = Connection(
            authurl=f"{base}/axis/auth/v1.0", user=st.user, key=st.key, auth_version="1"
        )
        url, _ = conn.get_auth()
        assert url == f"{base}/axis/v1/AUTH_axis"
        register(conn)  # requests to the storage URL reach the destination
    assert st.vault.failures == []


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-Auth-User": "axis"},
        {"X-Auth-User": "axis", "X-Auth-Key": "wrong"},
        {"X-Auth-User": "nobody", "X-Auth-Key": "k"},
    ],
)
def test_bad_credentials_are_401_and_logged(st: Site, headers: dict[str, str]) -> None:
    r = raw(st, "GET", "/auth/v1.0", headers)
    assert r.status == 401 and r.headers["WWW-Authenticate"].startswith("Swift")
    assert "X-Auth-Token" not in r.headers
    [failure] = st.vault.failures
    assert failure.action == "sign in" and failure.actor == "anonymous"
    assert failure.details["status"] == 401 and failure.details["path"] == "/auth/v1.0"
    assert failure.details["user"] == headers.get("X-Auth-User")
    assert failure.address == "127.0.0.1"


def test_requests_need_a_valid_token_for_their_account(st: Site) -> None:
    path = "/v1/AUTH_axis/System/Capabilities.json"
    assert raw(st, "GET", path, {}).status == 401
    assert raw(st, "GET", path, {"X-Auth-Token": "AUTH_tknotatoken"}).status == 401
    _, token = st.client().get_auth()
    assert raw(st, "GET", path, {"X-Auth-Token": token}).status == 200
    assert (
        raw(st, "GET", "/v1/AUTH_other/System/Capabilities.json", {"X-Auth-Token": token}).status
        == 403
    )
    assert raw(st, "PUT", "/v1/AUTH_other/Users", {"X-Auth-Token": token}).status == 403
    assert [f.details["status"] for f in st.vault.failures] == [401, 401, 403, 403]


def test_an_expired_token_is_401_unlogged_and_the_client_signs_in_again(tmp_path: Path) -> None:
    clock = [datetime.now(UTC)]
    with site(tmp_path, Settings(clock=lambda: clock[0])) as st:
        conn = st.client(retries=1)
        conn.put_container("Users")
        clock[0] += timedelta(hours=1, seconds=1)
        token = conn.token
        assert raw(st, "PUT", "/v1/AUTH_axis/Users", {"X-Auth-Token": token}).status == 401
        conn.put_container("Devices")  # swiftclient signs in again on a 401
        assert conn.token != token
        with Session(st.engine) as s:  # the expired token was dropped on the way
            assert s.scalar(select(func.count()).select_from(AxisToken)) == 1
        assert st.vault.failures == []  # an expired token is routine


def test_a_new_key_ends_the_old_one(st: Site) -> None:
    from onrecord.vault.axis.auth import make_credentials

    conn = st.client()
    conn.put_container("Users")
    new = make_credentials(st.engine, "axis", "Test site", datetime.now(UTC), replace=True)
    assert status(lambda: conn.put_container("Devices")) == 401  # its token ended with its key
    assert status(lambda: st.client().get_auth()) == 401
    st.key = new.key
    st.client().put_container("Devices")


# -- System objects ------------------------------------------------------------------------------


def test_capabilities_carry_the_md5_of_their_body(st: Site) -> None:
    conn = st.client()
    headers, body = conn.get_object("System", "Capabilities.json")
    assert headers["etag"] == hashlib.md5(body).hexdigest()
    assert headers["content-type"] == "application/json"
    assert json.loads(body) == {
        "Read": {"ReadCategories": False},
        "Store": {
            "StoreBookmarks": True,
            "StoreGNSSTrackRecording": True,
            "StoreRejectedContent": True,
            "StoreSignedVideo": True,
            "StoreUserIDKey": True,
        },
        "StoreAndRead": {"StoreReadSystemID": True},
    }
    assert conn.head_object("System", "Capabilities.json")["etag"] == headers["etag"]
    assert status(lambda: conn.get_object("System", "Categories.json")) == 404
    assert st.vault.failures == []


def test_categories_are_served_when_configured(tmp_path: Path) -> None:
    categories = (Category("firearm", "Firearm discharge"), Category("complaint", "Klagomål"))
    with site(tmp_path, Settings(categories=categories)) as st:
        conn = st.client()
        headers, body = conn.get_object("System", "Categories.json")
        assert headers["etag"] == hashlib.md5(body).hexdigest()
        assert json.loads(body) == [
            {"Name": "Firearm discharge", "Id": "firearm"},
            {"Name": "Klagomål", "Id": "complaint"},
        ]
        _, caps = conn.get_object("System", "Capabilities.json")
        assert json.loads(caps)["Read"] == {"ReadCategories": True}


def test_a_system_registers_its_id_and_reads_it_back(st: Site) -> None:
    conn = st.client()
    system_id = "0f8b4c1e-8a63-4d6f-9d7e-0c2b6a9f1e11"
    assert status(lambda: conn.put_object("System", system_id, b"")) == 404  # no System yet
    conn.put_container("System")
    conn.put_object(
        "System", system_id, b"", headers=meta(Kind.OBJECT, ConnectionId="c-1", SystemName="Nord")
    )
    headers, body = conn.get_object("System", system_id)
    assert body == b"" and headers["x-object-meta-connectionid"] == "c-1"
    conn.post_object(
        "System", system_id, headers=meta(Kind.OBJECT, ConnectionId="c-1", SystemName="Söder 2")
    )
    assert conn.head_object("System", system_id)["x-object-meta-systemname"] == "Söder 2"
    response = raw(st, "GET", f"/v1/AUTH_axis/System/{system_id}", {"X-Auth-Token": conn.token})
    assert response.headers["X-Object-Meta-Systemname"] == "S%C3%B6der%202"  # URL-encoded
    assert status(lambda: conn.get_object("System", "not-registered")) == 404
    assert status(lambda: conn.put_object("System", "Capabilities.json", b"{}")) == 403


def test_nothing_but_system_objects_is_read(st: Site) -> None:
    conn = st.client()
    register(conn)
    r = Recording()
    conn.put_container(r.name, headers=r.container_meta())
    conn.put_object(r.name, r.clip_name(), b"clip", headers=r.clip_meta())
    for read in (
        lambda: conn.get_object(r.name, r.clip_name()),
        lambda: conn.head_object(r.name, r.clip_name()),
        lambda: conn.get_container(r.name),
        lambda: conn.get_object("Users", USER),
        lambda: conn.get_account(),
    ):
        assert status(read) == 403
    assert conn.head_account() is not None  # a connection check answers, listing nothing
    assert {(f.action, f.details["status"]) for f in st.vault.failures} == {("access", 403)}


# -- a recording ---------------------------------------------------------------------------------


def deliver(
    conn: Connection, r: Recording, clips: Iterable[bytes], *, complete: bool = True
) -> list[str]:
    """The system's delivery of ``r``: its container, each clip, then ``Status: Complete``."""
    conn.put_container(r.name, headers=r.container_meta())
    etags = [
        conn.put_object(r.name, r.clip_name(n), clip, headers=r.clip_meta(n))
        for n, clip in enumerate(clips)
    ]
    if complete:
        conn.post_container(r.name, headers=meta(Kind.CONTAINER, Status="Complete"))
    return etags


def test_a_full_delivery_makes_exactly_one_item(st: Site) -> None:
    conn = st.client()
    register(conn, users={USER: ("Anna Åberg", "O1"), "u-2": ("Bo", "O2")})
    r = Recording()
    clips = [tiny_clip(1), tiny_clip(2)]
    gnss = json.dumps(
        {
            "CoordinateEntries": [
                {
                    "LocationWKT": "POINT(-71.0589 42.3601)",
                    "SecondsFromStart": 64.0,
                    "Timestamp": iso(r.trigger_on),
                }
            ]
        }
    ).encode()
    conn.put_container(r.name, headers=r.container_meta())
    # The second clip first: the item lists clips in time order, whatever the arrival order.
    for n in (1, 0):
        etag = conn.put_object(r.name, r.clip_name(n), clips[n], headers=r.clip_meta(n))
        assert etag == hashlib.md5(clips[n]).hexdigest()
    conn.put_object(
        r.name,
        "20240101_000000_4711_B8A44F000001_gpstrail.json",
        gnss,
        headers=meta(Kind.OBJECT, FileType="json"),
    )
    conn.put_object(
        r.name,
        f"bookmark_{r.trigger_on:%Y%m%dT%H%M%SZ}_1",
        "Misstänkt sprang österut".encode(),
        headers=meta(
            Kind.OBJECT,
            CategoryID="firearm",
            CategoryName="Firearm discharge",
            Tags="TriggerOn:Button;Incident:24-0042",
            StartTime=iso(r.trigger_on),
        ),
    )
    conn.put_object(
        r.name,
        f"bookmark_{r.stop:%Y%m%dT%H%M%SZ}_2",
        b"",
        headers=meta(Kind.OBJECT, StartTime=iso(r.stop)),
    )
    conn.post_container(r.name, headers=meta(Kind.CONTAINER, Status="Transferring"))
    assert st.vault.ingests == []  # nothing is an item until the recording is complete
    conn.post_container(r.name, headers=meta(Kind.CONTAINER, Status="Complete"))

    [(item, actor, address)] = st.vault.ingests
    assert (actor, address) == ("axis:axis", "127.0.0.1")
    assert item.source is Source.AXIS and item.external_key == f"axis/{r.name}"
    assert (item.officer_id, item.camera_id) == ("O1", SERIAL)
    assert (item.start, item.end) == (r.start, r.stop)
    assert (item.trigger_on_reason, item.trigger_on_time) == ("Button", r.trigger_on)
    assert (item.trigger_off_reason, item.trigger_off_time) == ("Button", r.stop)
    assert item.time_zone == "America/New_York" and item.categories == ("firearm",)
    assert [(f.name, f.role, f.media_type) for f in item.files] == [
        (r.clip_name(0), FileRole.CLIP, "video/mp4"),
        (r.clip_name(1), FileRole.CLIP, "video/mp4"),
        ("20240101_000000_4711_B8A44F000001_gpstrail.json", FileRole.GNSS, "application/json"),
        (
            f"bookmark_{r.trigger_on:%Y%m%dT%H%M%SZ}_1",
            FileRole.BOOKMARK,
            "text/plain; charset=utf-8",
        ),
        (f"bookmark_{r.stop:%Y%m%dT%H%M%SZ}_2", FileRole.BOOKMARK, "text/plain; charset=utf-8"),
    ]
    for f, body in zip(
        item.files, [*clips, gnss, "Misstänkt sprang österut".encode(), b""], strict=True
    ):
        assert (f.sha256, f.size) == (hashlib.sha256(body).hexdigest(), len(body))
        assert st.store.blobs[f.sha256] == body  # the bytes as received
    assert item.metadata["axis.UserName"] == "Anna Åberg"
    assert item.metadata["axis.SCUSerialNumber"] == "B8A44F00AA01"
    assert "axis.Status" not in item.metadata
    bookmark = json.loads(item.metadata[f"axis.object.bookmark_{r.trigger_on:%Y%m%dT%H%M%SZ}_1"])
    assert bookmark["Tags"] == "TriggerOn:Button;Incident:24-0042"
    assert st.vault.failures == []
    with Session(st.engine) as s:
        container = s.scalar(select(AxisContainer).where(AxisContainer.name == r.name))
        assert container is not None and container.item_id == "V-000001"
        assert container.completed_at is not None


def test_a_clip_sent_again_makes_no_second_file_or_item(st: Site) -> None:
    conn = st.client()
    register(conn)
    r = Recording()
    clip = tiny_clip(3)
    deliver(conn, r, [clip], complete=False)
    # The system missed the acknowledgement and sends the same clip again.
    conn.put_object(r.name, r.clip_name(0), clip, headers=r.clip_meta(0))
    conn.post_container(r.name, headers=meta(Kind.CONTAINER, Status="Complete"))
    # ... and the completion too, after the item exists.
    conn.post_container(r.name, headers=meta(Kind.CONTAINER, Status="Complete"))
    conn.put_object(r.name, r.clip_name(0), clip, headers=r.clip_meta(0))
    [item] = st.vault.made()
    assert len(item.files) == 1 and len(st.store.blobs) == 1 and staged_objects(st) == 1
    assert len(st.vault.ingests) == 1  # a completed recording is not ingested again
    # New bytes or metadata for a complete recording are refused: nothing more arrives for it.
    code, message, _ = refused(lambda: conn.put_object(r.name, r.clip_name(0), b"other"))
    assert code == 400 and "was completed" in message
    code, message, _ = refused(
        lambda: conn.post_container(r.name, headers=meta(Kind.CONTAINER, TriggerOff="Battery"))
    )
    assert code == 400 and "no longer changes" in message
    assert len(st.vault.made()) == 1


def test_a_clip_replaced_before_completion_is_the_one_kept(st: Site) -> None:
    conn = st.client()
    register(conn)
    r = Recording()
    deliver(conn, r, [b"first try"], complete=False)
    conn.put_object(r.name, r.clip_name(0), b"second try", headers=r.clip_meta(0))
    conn.post_container(r.name, headers=meta(Kind.CONTAINER, Status="Complete"))
    [item] = st.vault.made()
    assert [f.sha256 for f in item.files] == [hashlib.sha256(b"second try").hexdigest()]


# -- refusals ------------------------------------------------------------------------------------


def refusals(st: Site) -> list[tuple[int, str]]:
    return [(f.details["status"], f.details["reason"]) for f in st.vault.failures]


def test_an_unknown_user_or_camera_is_400(st: Site) -> None:
    conn = st.client()
    register(conn, users={USER: ("Anna", "O1"), "u-noid": ("Bo", "")})
    cases = [
        (Recording(user="u-unknown"), "user u-unknown is not registered"),
        (Recording(user="u-noid"), "user u-noid (Bo) has no UserID"),
        (Recording(serial="B8A44F999999"), "camera B8A44F999999 is not registered"),
    ]
    for r, why in cases:
        code, message, _ = refused(
            lambda r=r: conn.put_container(r.name, headers=r.container_meta())
        )  # type: ignore[misc]
        assert code == 400 and why in message
    assert [
        (code, why in reason) for (code, reason), (_, why) in zip(refusals(st), cases, strict=True)
    ] == [(400, True)] * 3
    assert all(f.actor == "axis:axis" and f.action == "ingest" for f in st.vault.failures)
    with Session(st.engine) as s:
        assert s.scalar(select(func.count()).select_from(AxisContainer)) == 2  # Users, Devices


def test_a_user_unregistered_after_the_container_is_refused_at_the_clip(st: Site) -> None:
    conn = st.client()
    register(conn)
    r = Recording()
    conn.put_container(r.name, headers=r.container_meta())
    conn.post_object(
        "Users", USER, headers=meta(Kind.OBJECT, Active="True", Name="Anna")
    )  # UserID gone
    code, message, _ = refused(
        lambda: conn.put_object(r.name, r.clip_name(), b"x", headers=r.clip_meta())
    )
    assert code == 400 and "has no UserID" in message
    assert st.store.blobs == {}  # refused before a byte of the body was stored


def test_timestamps_out_of_bounds_and_no_duration_are_400(st: Site) -> None:
    conn = st.client()
    register(conn)
    unset_clock = Recording(trigger_on=datetime(1970, 1, 1, 0, 5, tzinfo=UTC))
    code, message, _ = refused(
        lambda: conn.put_container(unset_clock.name, headers=unset_clock.container_meta())
    )
    assert code == 400 and "before 2000-01-01" in message
    future = Recording(trigger_on=datetime.now(UTC).replace(microsecond=0) + timedelta(days=3))
    code, message, _ = refused(
        lambda: conn.put_container(future.name, headers=future.container_meta())
    )
    assert code == 400 and "more than a day ahead" in message
    r = Recording()
    code, message, _ = refused(
        lambda: conn.put_container(r.name, headers=r.container_meta(StartTime="yesterday"))
    )
    assert code == 400 and "'yesterday' is not a time in epoch seconds" in message
    conn.put_container(r.name, headers=r.container_meta())
    code, message, _ = refused(
        lambda: conn.put_object(r.name, r.clip_name(), b"x", headers=r.clip_meta(seconds=0))
    )
    assert code == 400 and "has no duration" in message
    # Complete with no clip at all, then with an end before the start.
    code, message, _ = refused(
        lambda: conn.post_container(r.name, headers=meta(Kind.CONTAINER, Status="Complete"))
    )
    assert code == 400 and "holds no video clip" in message
    backwards = Recording(trigger_on=r.trigger_on - timedelta(hours=2))
    conn.put_container(
        backwards.name,
        headers=backwards.container_meta(StopTime=str(int(backwards.start.timestamp()))),
    )
    conn.put_object(backwards.name, backwards.clip_name(), b"x", headers=backwards.clip_meta())
    code, message, _ = refused(
        lambda: conn.post_container(backwards.name, headers=meta(Kind.CONTAINER, Status="Complete"))
    )
    assert code == 400 and "has no duration" in message
    assert st.vault.ingests == [] and [c for c, _ in refusals(st)] == [400] * 6


def test_containers_of_other_names_and_bad_metadata_are_400(st: Site) -> None:
    conn = st.client()
    code, message, _ = refused(lambda: conn.put_container("holiday-photos"))
    assert code == 400 and "is not one this destination stores" in message
    _, token = conn.get_auth()
    bad = {"X-Auth-Token": token, "X-Container-Meta-Name": "%C3%28"}  # not UTF-8 once decoded
    response = raw(st, "PUT", "/v1/AUTH_axis/Users", bad)
    assert response.status == 400
    assert refusals(st)[-1][1].startswith(
        "X-Container-Meta-Name: the value is not URL-encoded UTF-8"
    )
    too_long = {"X-Auth-Token": token, "X-Container-Meta-Name": "a" * 300}
    assert raw(st, "PUT", "/v1/AUTH_axis/Users", too_long).status == 400
    assert "at most 256" in refusals(st)[-1][1]


def test_what_does_not_exist_is_404(st: Site) -> None:
    conn = st.client()
    r = Recording()
    assert status(lambda: conn.put_object("Users", USER, b"")) == 404  # Users not made yet
    register(conn)
    assert status(lambda: conn.put_object(r.name, r.clip_name(), b"x")) == 404
    assert status(lambda: conn.post_container(r.name, headers={})) == 404
    assert status(lambda: conn.post_object("Users", "u-none", headers={})) == 404
    conn.put_container(r.name, headers=r.container_meta())
    assert status(lambda: conn.post_object(r.name, "no-such-clip.mp4", headers={})) == 404
    assert [c for c, _ in refusals(st)] == [404] * 5


def test_container_statuses_follow_swift(st: Site) -> None:
    _, token = st.client().get_auth()
    auth = {"X-Auth-Token": token}
    assert raw(st, "PUT", "/v1/AUTH_axis/Users", auth).status == 201
    assert raw(st, "PUT", "/v1/AUTH_axis/Users", auth).status == 202
    assert raw(st, "POST", "/v1/AUTH_axis/Users", auth).status == 204
    assert raw(st, "PUT", "/v1/AUTH_axis/Users/u-1", auth).status == 201
    assert raw(st, "POST", "/v1/AUTH_axis/Users/u-1", auth).status == 202
    assert raw(st, "DELETE", "/v1/AUTH_axis/Users/u-1", auth).status == 405  # never used


def test_a_body_damaged_on_the_way_is_422(st: Site) -> None:
    conn = st.client()
    register(conn)
    r = Recording()
    conn.put_container(r.name, headers=r.container_meta())
    code, message, _ = refused(
        lambda: conn.put_object(
            r.name, r.clip_name(), b"clip", etag=hashlib.md5(b"clap").hexdigest()
        )
    )
    assert code == 422 and "damaged on the way" in message
    assert staged_objects(st) == 0
    conn.put_object(r.name, r.clip_name(), b"clip", etag=hashlib.md5(b"clip").hexdigest())
    assert staged_objects(st) == 1


def test_a_full_store_is_507(tmp_path: Path) -> None:
    with site(tmp_path, store=MemoryStore(capacity=100)) as st:
        conn = st.client()
        register(conn)
        r = Recording()
        conn.put_container(r.name, headers=r.container_meta())
        code, message, _ = refused(lambda: conn.put_object(r.name, r.clip_name(), b"x" * 101))
        assert code == 507 and "memory store full" in message
        assert staged_objects(st) == 0 and refusals(st)[0][0] == 507


class Unreachable:
    """A store whose server is down: it reads the whole stream, then fails."""

    location = "s3://down"

    def put(self, chunks: Iterable[bytes]) -> StoredBlob:
        for _ in chunks:
            pass
        raise StoreUnavailable("the object store at s3://down does not answer")


def test_a_store_that_cannot_be_reached_is_503_with_retry_after(tmp_path: Path) -> None:
    with site(tmp_path, store=Unreachable()) as st:  # type: ignore[arg-type]
        conn = st.client()
        register(conn)
        r = Recording()
        conn.put_container(r.name, headers=r.container_meta())
        code, message, headers = refused(lambda: conn.put_object(r.name, r.clip_name(), b"x"))
        assert code == 503 and "does not answer" in message and headers["retry-after"] == "5"
        assert refusals(st) == [(503, "the object store at s3://down does not answer")]


# -- faults and load -----------------------------------------------------------------------------


def start_upload(st: Site, token: str, path: str, length: int, sent: bytes) -> socket.socket:
    """A PUT announcing ``length`` bytes of which only ``sent`` are sent (yet)."""
    host, port = st.url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=10)
    head = (
        f"PUT {path} HTTP/1.1\r\nHost: {host}\r\nX-Auth-Token: {token}\r\n"
        f"Content-Length: {length}\r\n\r\n"
    )
    sock.sendall(head.encode() + sent)
    return sock


def wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + 10
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.01)


def test_a_connection_dropped_mid_body_leaves_nothing_and_the_retry_completes(st: Site) -> None:
    conn = st.client()
    register(conn)
    r = Recording()
    conn.put_container(r.name, headers=r.container_meta())
    clip = tiny_clip(4) * 200  # a few hundred kilobytes
    _, token = conn.get_auth()
    uploads = st.app.state.axis_uploads
    sock = start_upload(
        st, token, f"/v1/AUTH_axis/{r.name}/{r.clip_name()}", len(clip), clip[:50_000]
    )
    wait_for(lambda: uploads.active == 1, "the upload to start")
    sock.close()  # the camera system's link (or its process) dies mid-body
    wait_for(lambda: uploads.active == 0, "the server to notice")
    assert st.store.blobs == {} and staged_objects(st) == 0 and st.vault.ingests == []
    assert st.vault.failures == []  # nothing was refused: the system simply sends it again
    # The destination restarts (a new process over the same database and store); the system's
    # retry completes the recording.
    restarted = create_app(st.engine, st.store, st.vault)
    with serving(restarted) as url:
        again = Connection(
            authurl=f"{url}/auth/v1.0", user=st.user, key=st.key, auth_version="1", retries=0
        )
        again.put_object(r.name, r.clip_name(), clip, headers=r.clip_meta())
        again.post_container(r.name, headers=meta(Kind.CONTAINER, Status="Complete"))
    [item] = st.vault.made()
    assert item.files[0].sha256 == hashlib.sha256(clip).hexdigest()


def test_one_upload_too_many_is_503_with_retry_after(tmp_path: Path) -> None:
    with site(tmp_path, Settings(max_uploads=1, retry_after_s=2)) as st:
        conn = st.client()
        register(conn)
        r = Recording()
        conn.put_container(r.name, headers=r.container_meta())
        _, token = conn.get_auth()
        uploads = st.app.state.axis_uploads
        body = b"y" * 1000
        sock = start_upload(
            st, token, f"/v1/AUTH_axis/{r.name}/{r.clip_name(0)}", len(body), body[:10]
        )
        wait_for(lambda: uploads.active == 1, "the first upload to start")
        code, message, headers = refused(
            lambda: conn.put_object(r.name, r.clip_name(1), b"z", headers=r.clip_meta(1))
        )
        assert code == 503 and headers["retry-after"] == "2" and "busy" in message
        sock.sendall(body[10:])
        assert sock.recv(1000).startswith(b"HTTP/1.1 201")
        sock.close()
        conn.put_object(r.name, r.clip_name(1), b"z", headers=r.clip_meta(1))
        assert staged_objects(st) == 2 and st.vault.failures == []  # busy is not a refusal


class Slow(MemoryStore):
    """The memory store, taking a third of a second per blob like a busy disk: concurrent
    uploads overlap, so the destination's limit is met."""

    def put(self, chunks: Iterable[bytes]) -> StoredBlob:
        time.sleep(0.3)  # longer than twenty clients take to arrive (httptools is quick)
        return super().put(chunks)


def test_twenty_clients_at_once_with_distinct_and_identical_clips(
    fleet_url: str, tmp_path: Path
) -> None:
    """Twenty systems upload at the same moment, ten distinct clips of ten recordings and ten
    times one clip of one recording, four at a time: the others are answered 503 and retry."""
    with site(tmp_path, Settings(max_uploads=4, retry_after_s=1), Slow(), fleet_url) as st:
        register(st.client())
        now = datetime.now(UTC).replace(microsecond=0)
        distinct = [
            (Recording(trigger_on=now - timedelta(hours=1, minutes=n)), tiny_clip(n))
            for n in range(10)
        ]
        shared = Recording(trigger_on=now - timedelta(hours=3))
        same = tiny_clip(99)
        jobs = distinct + [(shared, same)] * 10
        clients = [st.client(retries=20) for _ in jobs]
        for conn, (r, _) in zip(clients, jobs, strict=True):
            conn.put_container(r.name, headers=r.container_meta())  # signs in too
        start = threading.Barrier(len(jobs))

        def upload(conn: Connection, job: tuple[Recording, bytes]) -> tuple[str, int]:
            r, clip = job
            start.wait()
            etag = conn.put_object(r.name, r.clip_name(), io.BytesIO(clip), headers=r.clip_meta())
            return etag, conn.attempts

        with ThreadPoolExecutor(len(jobs)) as pool:
            done = list(pool.map(upload, clients, jobs))
        assert [etag for etag, _ in done] == [hashlib.md5(clip).hexdigest() for _, clip in jobs]
        assert sum(attempts > 1 for _, attempts in done) >= 10  # most waited their turn
        conn = st.client()
        for r in {r.name: r for r, _ in jobs}.values():
            conn.post_container(r.name, headers=meta(Kind.CONTAINER, Status="Complete"))
        items = st.vault.made()
        assert len(items) == 11 and len(st.vault.ingests) == 11
        assert sorted(i.files[0].sha256 for i in items) == sorted(
            hashlib.sha256(c).hexdigest() for c in [*(c for _, c in distinct), same]
        )
        assert all(len(i.files) == 1 for i in items) and len(st.store.blobs) == 11
        assert staged_objects(st) == 11 and st.vault.failures == []


class Hashing:
    """A store that keeps nothing but hashes, and the largest block it was handed."""

    location = "hash:"

    def __init__(self) -> None:
        self.largest = 0

    def put(self, chunks: Iterable[bytes]) -> StoredBlob:
        digest, size = hashlib.sha256(), 0
        for chunk in chunks:
            self.largest = max(self.largest, len(chunk))
            digest.update(chunk)
            size += len(chunk)
        return StoredBlob(digest.hexdigest(), size, new=True)


def test_a_clip_streams_into_the_store_in_bounded_memory(tmp_path: Path) -> None:
    store = Hashing()
    with site(tmp_path, store=store) as st:  # type: ignore[arg-type]
        conn = st.client()
        register(conn)
        r = Recording()
        conn.put_container(r.name, headers=r.container_meta())
        block = b"0123456789abcdef" * 4096  # 64 KiB
        total = 1024  # blocks: 64 MiB, sent chunked without ever being whole in the client
        expected = hashlib.sha256()
        for _ in range(total):
            expected.update(block)
        tracemalloc.start()
        try:
            etag = conn.put_object(
                r.name, r.clip_name(), (block for _ in range(total)), headers=r.clip_meta()
            )
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert etag == hashlib.md5(block * total).hexdigest()
        with Session(st.engine) as s:
            [obj] = s.scalars(select(AxisObject))
            assert (obj.sha256, obj.size) == (expected.hexdigest(), 64 << 20)
        assert store.largest < 2 << 20  # a block, and at most one chunk the server read past it
        assert peak < 16 << 20, f"peak {peak / 2**20:.1f} MiB while receiving 64 MiB"


# -- rejected content ----------------------------------------------------------------------------


def test_rejected_content_is_never_refused_and_each_object_is_an_item(st: Site) -> None:
    conn = st.client()
    register(conn)
    r = Recording()
    stranger = Recording(user="u-never-registered")
    container = f"RejectedContent_{datetime.now(UTC):%Y%m%dT%H%M%SZ}_9b2f"
    _, token = conn.get_auth()
    # Metadata a normal container would be refused for (not UTF-8) is kept as it came.
    response = raw(
        st,
        "PUT",
        f"/v1/AUTH_axis/{container}",
        {
            "X-Auth-Token": token,
            "X-Container-Meta-Rejectedcontentoriginalcontainer": stranger.name,
            "X-Container-Meta-Rejectedcontentreason": "Unknown%20user",
            "X-Container-Meta-Name": "%C3%28",
        },
    )
    assert response.status == 201
    conn.put_object(
        container, stranger.clip_name(), b"clip of a stranger", headers=stranger.clip_meta()
    )
    # An object of a known user's recording, in a container never PUT: made on the way.
    other = "RejectedContent_UnknownTime_77aa"
    conn.put_object(
        other,
        r.clip_name(),
        b"corrupt clip",
        headers={**r.clip_meta(), **meta(Kind.OBJECT, RejectedContentOriginalContainer=r.name)},
    )
    conn.put_object(
        other,
        r.clip_name(),
        b"corrupt clip",
        headers={**r.clip_meta(), **meta(Kind.OBJECT, RejectedContentOriginalContainer=r.name)},
    )
    first, second = st.vault.made()
    assert (first.officer_id, first.camera_id) == ("unknown", SERIAL)
    sha = hashlib.sha256(b"clip of a stranger").hexdigest()
    assert first.external_key == f"axis/{container}/{stranger.clip_name()}@{sha}"
    assert first.metadata["axis.RejectedContentReason"] == "Unknown user"
    assert first.metadata["axis.Name"] == "%C3%28"
    assert first.start == stranger.start and first.end == stranger.start + timedelta(seconds=60)
    assert (second.officer_id, second.camera_id) == ("O1", SERIAL)
    assert len(st.vault.ingests) == 2 and st.vault.failures == []  # the retry made nothing new
    late = "RejectedContent_UnknownTime_5e5e"  # metadata before the container: made, not 404
    response = raw(st, "POST", f"/v1/AUTH_axis/{late}", {"X-Auth-Token": token})
    assert response.status == 204


# -- PostgreSQL ------------------------------------------------------------------------------------


def test_a_delivery_on_postgresql(postgres_server: Any, tmp_path: Path) -> None:
    with site(tmp_path, db_url=postgres_server.new_database()) as st:
        conn = st.client()
        register(conn)
        r = Recording()
        deliver(conn, r, [tiny_clip(5), tiny_clip(6)])
        [item] = st.vault.made()
        assert (item.officer_id, len(item.files)) == ("O1", 2)
