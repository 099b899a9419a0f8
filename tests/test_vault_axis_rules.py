"""The content destination's rules worked by hand, without HTTP: what names say, the API's
instants and their bounds, the System objects and their MD5s, and how a staged recording (or a
rejected object) becomes the vault's NewItem."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest

from onrecord.vault.axis.assemble import (
    StagedContainer,
    StagedObject,
    Unstorable,
    categories,
    check_clip,
    recording_item,
    rejected_item,
)
from onrecord.vault.axis.names import (
    ContainerKind,
    UnknownContainer,
    container_kind,
    object_role,
    recording_name,
)
from onrecord.vault.axis.registry import Camera, Person
from onrecord.vault.axis.staging import merge
from onrecord.vault.axis.system import Category, CategoryError, system_objects
from onrecord.vault.axis.times import TimeError, check_bounds, compact, epoch, instant, rfc3339
from onrecord.vault.items import FileRole, Source

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
USER = "5a4f1f9e-2b1c-4c3d-9e8f-0a1b2c3d4e5f"
NAME = f"{USER}_B8A44F000001_20240501T100000Z"


# -- names -------------------------------------------------------------------------------------


def test_container_kinds() -> None:
    assert container_kind("System") is ContainerKind.SYSTEM
    assert container_kind("Users") is ContainerKind.USERS
    assert container_kind("Devices") is ContainerKind.DEVICES
    assert container_kind(NAME) is ContainerKind.RECORDING
    assert container_kind("RejectedContent_20240501T101500Z_9b2f") is ContainerKind.REJECTED
    assert container_kind("RejectedContent_UnknownTime_9b2f") is ContainerKind.REJECTED
    for other in ("users", "photos", "RejectedContent_yesterday_1", f"{USER}_20240501T100000Z"):
        with pytest.raises(UnknownContainer, match="is not one this destination stores"):
            container_kind(other)


def test_a_recording_name_holds_user_camera_and_trigger_time() -> None:
    parts = recording_name(NAME)
    assert (parts.user, parts.serial) == (USER, "B8A44F000001")
    assert parts.trigger_on == datetime(2024, 5, 1, 10, 0, tzinfo=UTC)
    assert recording_name("u_SER_IAL_20240501T100000Z").serial == "SER_IAL"
    with pytest.raises(UnknownContainer, match="is not a real date"):
        recording_name("u_S_20241301T100000Z")


@pytest.mark.parametrize(
    ("name", "role", "media_type"),
    [
        ("20240501_095930_4711.mp4", FileRole.CLIP, "video/mp4"),
        ("20240501_095930_4711.MKV", FileRole.CLIP, "video/x-matroska"),
        ("20240501_095930_4711.key", FileRole.KEY, "application/json"),
        ("20240501_095930_4711_B8A44F000001_gpstrail.json", FileRole.GNSS, "application/json"),
        ("bookmark_20240501T100010Z_1", FileRole.BOOKMARK, "text/plain; charset=utf-8"),
        ("audit.log", FileRole.OTHER, "application/octet-stream"),
    ],
)
def test_object_roles(name: str, role: FileRole, media_type: str) -> None:
    assert object_role(name) == (role, media_type)


def test_container_metadata_merges_as_swift_does() -> None:
    old = {"Status": "Transferring", "TimeZone": "UTC", "TriggerOff": "Button"}
    assert merge(old, {"Status": "Complete", "TriggerOff": "", "BWCModel": "W110"}) == {
        "Status": "Complete",
        "TimeZone": "UTC",
        "BWCModel": "W110",
    }
    assert merge(old, {}) == old and merge({}, {"Gone": ""}) == {}


# -- times -------------------------------------------------------------------------------------


def test_the_apis_instants() -> None:
    assert compact("20220823T114810Z") == datetime(2022, 8, 23, 11, 48, 10, tzinfo=UTC)
    assert epoch("1661255290", "x") == datetime(2022, 8, 23, 11, 48, 10, tzinfo=UTC)
    assert epoch("1661255290.25", "x") == datetime(2022, 8, 23, 11, 48, 10, 250000, tzinfo=UTC)
    assert rfc3339("2022-08-23T13:48:10+02:00", "x") == datetime(
        2022, 8, 23, 11, 48, 10, tzinfo=UTC
    )
    assert instant({"StartTime": "", "StartTimeISO": "2022-08-23T11:48:10Z"}, "StartTime") == (
        datetime(2022, 8, 23, 11, 48, 10, tzinfo=UTC)
    )
    assert instant({"StartTime": "1661255290", "StartTimeISO": "garbage"}, "StartTime") == (
        datetime(2022, 8, 23, 11, 48, 10, tzinfo=UTC)  # the epoch form is the one read
    )
    assert instant({}, "StartTime") is None
    for bad, message in [
        (lambda: epoch("soon", "StopTime"), "StopTime 'soon' is not a time in epoch seconds"),
        (lambda: epoch("-5", "StopTime"), "out of bounds"),
        (lambda: epoch("1e30", "StopTime"), "out of bounds"),
        (lambda: epoch("NaN", "StopTime"), "out of bounds"),
        (lambda: rfc3339("2022-08-23T11:48:10", "T"), "has no offset"),
        (lambda: compact("2022-08-23"), "is not a UTC time as YYYYMMDDTHHMMSSZ"),
    ]:
        with pytest.raises(TimeError, match=message):
            bad()


def test_bounds() -> None:
    assert check_bounds(datetime(2000, 1, 1, tzinfo=UTC), "t", NOW)
    assert check_bounds(NOW + timedelta(days=1), "t", NOW)
    with pytest.raises(TimeError, match=r"t 1999-12-31T23:59:59Z is out of bounds: before 2000"):
        check_bounds(datetime(1999, 12, 31, 23, 59, 59, tzinfo=UTC), "t", NOW)
    with pytest.raises(TimeError, match="more than a day ahead of this server's clock"):
        check_bounds(NOW + timedelta(days=1, seconds=1), "t", NOW)


# -- System objects ----------------------------------------------------------------------------


def test_system_objects_and_their_md5() -> None:
    objects = system_objects([Category("1", "Traffic")])
    body = objects["Categories.json"].body
    assert body == b'[{"Name":"Traffic","Id":"1"}]'
    assert objects["Categories.json"].etag == hashlib.md5(body).hexdigest()
    caps = objects["Capabilities.json"]
    assert caps.body.startswith(b'{"Read":{"ReadCategories":true},"Store":{')
    assert caps.etag == hashlib.md5(caps.body).hexdigest()
    assert set(system_objects([])) == {"Capabilities.json"}
    assert b'"ReadCategories":false' in system_objects([])["Capabilities.json"].body


@pytest.mark.parametrize(
    ("categories", "message"),
    [
        ([Category("", "A")], "category 1 has no id"),
        ([Category("1", "A"), Category("2", " ")], "category 2 has no name"),
        ([Category("1", "A"), Category("1", "B")], "category id '1' is given twice"),
        ([Category("1", "å" * 33)], "longer than 64 bytes"),
    ],
)
def test_categories_the_cameras_cannot_show_are_refused(
    categories: list[Category], message: str
) -> None:
    with pytest.raises(CategoryError, match=message):
        system_objects(categories)


# -- assembling an item ------------------------------------------------------------------------


def obj(name: str, data: bytes = b"", **meta: str) -> StagedObject:
    role, media_type = object_role(name)
    return StagedObject(name, role, media_type, hashlib.sha256(data).hexdigest(), len(data), meta)


def ep(text: str) -> str:
    """Epoch seconds of an ISO time, as the API sends them."""
    return str(int(datetime.fromisoformat(text).timestamp()))


CONTAINER_META = {
    "BWCSerialNumber": "B8A44F000001",
    "UserID": USER,
    "TriggerOn": "Holster",
    "TriggerOff": "Button",
    "TriggerOnTime": ep("2024-05-01T10:00:00+00:00"),
    "TriggerOffTime": ep("2024-05-01T10:04:00+00:00"),
    "StartTime": ep("2024-05-01T09:59:30+00:00"),
    "StopTime": ep("2024-05-01T10:04:30+00:00"),
    "TimeZone": "America/Chicago",
    "Status": "Complete",
}
ANNA = Person(USER, "O1", "Anna")
CAMERA = Camera("B8A44F000001", "Cam 1", "W110")


def recording(meta: dict[str, str], *objects: StagedObject) -> StagedContainer:
    return StagedContainer("axis", NAME, meta, objects)


def clip(n: int, start: str, stop: str, data: bytes = b"") -> StagedObject:
    return obj(
        f"2024050{n}_clip.mp4", data or f"clip {n}".encode(), StartTime=ep(start), StopTime=ep(stop)
    )


def test_a_recording_item_by_hand() -> None:
    second = clip(1, "2024-05-01T10:02:00+00:00", "2024-05-01T10:04:30+00:00")
    first = clip(2, "2024-05-01T09:59:30+00:00", "2024-05-01T10:02:00+00:00")
    item = recording_item(
        recording(
            CONTAINER_META,
            obj("bookmark_1", b"note", CategoryID="traffic", CategoryName="Traffic"),
            second,
            obj("x_gpstrail.json", b"{}", FileType="json"),
            first,
            obj("bookmark_2", b"", CategoryName="Assault"),
            obj("bookmark_3", b"", CategoryID="traffic"),
            obj("20240501_clip.key", b"k", FileType="key"),
        ),
        ANNA,
        CAMERA,
        NOW,
    )
    assert item.source is Source.AXIS and item.external_key == f"axis/{NAME}"
    assert (item.officer_id, item.camera_id, item.time_zone) == (
        "O1",
        "B8A44F000001",
        "America/Chicago",
    )
    assert item.start == datetime(2024, 5, 1, 9, 59, 30, tzinfo=UTC)
    assert item.end == datetime(2024, 5, 1, 10, 4, 30, tzinfo=UTC)
    assert item.trigger_on_reason == "Holster" and item.trigger_off_reason == "Button"
    assert item.trigger_on_time == datetime(2024, 5, 1, 10, 0, tzinfo=UTC)
    assert item.trigger_off_time == datetime(2024, 5, 1, 10, 4, tzinfo=UTC)
    assert item.categories == ("traffic", "Assault")
    assert [f.name for f in item.files] == [
        first.name,  # the earlier clip first, whatever its name
        second.name,
        "x_gpstrail.json",
        "bookmark_1",
        "bookmark_2",
        "bookmark_3",
        "20240501_clip.key",
    ]
    assert [f.role for f in item.files][:3] == [FileRole.CLIP, FileRole.CLIP, FileRole.GNSS]
    assert item.metadata["axis.TriggerOn"] == "Holster" and "axis.Status" not in item.metadata
    assert item.metadata["axis.UserName"] == "Anna"
    assert (
        item.metadata["axis.object.bookmark_1"]
        == '{"CategoryID": "traffic", "CategoryName": "Traffic"}'
    )
    assert "axis.object.bookmark_2" in item.metadata


def test_times_come_from_the_clips_when_the_container_has_none() -> None:
    meta = {
        k: v
        for k, v in CONTAINER_META.items()
        if k not in ("StartTime", "StopTime", "TriggerOnTime")
    }
    item = recording_item(
        recording(
            meta,
            clip(1, "2024-05-01T10:00:10+00:00", "2024-05-01T10:01:00+00:00"),
            clip(2, "2024-05-01T10:01:00+00:00", "2024-05-01T10:03:00+00:00"),
        ),
        ANNA,
        CAMERA,
        NOW,
    )
    assert (item.start, item.end) == (
        datetime(2024, 5, 1, 10, 0, 10, tzinfo=UTC),
        datetime(2024, 5, 1, 10, 3, tzinfo=UTC),
    )
    assert item.trigger_on_time == datetime(2024, 5, 1, 10, 0, tzinfo=UTC)  # from the name


def test_what_cannot_be_an_item() -> None:
    a_clip = clip(1, "2024-05-01T10:00:00+00:00", "2024-05-01T10:01:00+00:00")
    cases = [
        (recording(CONTAINER_META, a_clip), None, CAMERA, f"user {USER} is not registered"),
        (recording(CONTAINER_META, a_clip), Person(USER, None, "Bo"), CAMERA, "(Bo) has no UserID"),
        (recording(CONTAINER_META, a_clip), ANNA, None, "camera B8A44F000001 is not registered"),
        (recording(CONTAINER_META), ANNA, CAMERA, "holds no video clip"),
        (recording(CONTAINER_META, obj("bookmark_1")), ANNA, CAMERA, "holds no video clip"),
        (
            recording({"Status": "Complete"}, obj("c.mp4", b"c")),
            ANNA,
            CAMERA,
            "has no duration: neither it nor its clips give StartTime and StopTime",
        ),
        (
            recording({**CONTAINER_META, "StopTime": CONTAINER_META["StartTime"]}, a_clip),
            ANNA,
            CAMERA,
            "has no duration: StopTime 2024-05-01T09:59:30Z is not after StartTime",
        ),
        (
            recording({**CONTAINER_META, "StopTime": "0"}, a_clip),
            ANNA,
            CAMERA,
            "StopTime 1970-01-01T00:00:00Z is out of bounds",
        ),
        (
            recording(
                CONTAINER_META, obj("c.mp4", b"c", StartTime="1714557600", StopTime="1714557600")
            ),
            ANNA,
            CAMERA,
            "clip c.mp4 has no duration",
        ),
    ]
    for container, user, camera, message in cases:
        with pytest.raises(Unstorable, match=message.replace("(", r"\(").replace(")", r"\)")):
            recording_item(container, user, camera, NOW)


def test_a_clip_without_times_is_checked_for_nothing() -> None:
    assert check_clip("c.mp4", {}, NOW) == {}


def test_categories_come_from_bookmarks_once_each_in_order() -> None:
    assert categories(
        [
            obj("bookmark_1", CategoryID=" 7 ", CategoryName="Traffic"),
            obj("bookmark_2"),
            obj("c.mp4", CategoryID="not a bookmark"),
            obj("bookmark_3", CategoryName="Old category"),
            obj("bookmark_4", CategoryID="7"),
        ]
    ) == ("7", "Old category")


def rejected(meta: dict[str, str]) -> StagedContainer:
    return StagedContainer("axis", "RejectedContent_20240501T101500Z_9b2f", meta, ())


def test_a_rejected_object_is_an_item_of_its_own() -> None:
    received = datetime(2024, 5, 1, 11, 0, tzinfo=UTC)
    c = rejected({"RejectedContentOriginalContainer": NAME, "RejectedContentReason": "corrupt"})
    o = clip(1, "2024-05-01T10:00:00+00:00", "2024-05-01T10:01:00+00:00", b"bytes")
    item = rejected_item(c, o, ANNA, CAMERA, received)
    assert (item.officer_id, item.camera_id) == ("O1", "B8A44F000001")
    assert (item.start, item.end) == (
        datetime(2024, 5, 1, 10, 0, tzinfo=UTC),
        datetime(2024, 5, 1, 10, 1, tzinfo=UTC),
    )
    assert item.external_key == f"axis/{c.name}/{o.name}@{hashlib.sha256(b'bytes').hexdigest()}"
    assert item.metadata["axis.RejectedContentReason"] == "corrupt"
    assert len(item.files) == 1 and item.categories == ()


def test_a_rejected_objects_times_fall_back_in_order() -> None:
    received = datetime(2024, 5, 1, 11, 0, tzinfo=UTC)
    o = obj("garbled", b"?", StartTime="not a time")
    unknown = rejected({"RejectedContentOriginalContainer": "lost"})
    item = rejected_item(unknown, o, None, None, received)
    assert (item.officer_id, item.camera_id, item.start, item.end) == (
        "unknown",
        "unknown",
        received,
        received,
    )
    by_name = rejected({"RejectedContentOriginalContainer": NAME})
    item = rejected_item(by_name, o, None, None, received)
    assert (item.camera_id, item.start) == ("B8A44F000001", datetime(2024, 5, 1, 10, 0, tzinfo=UTC))
    for when in ("20240501T101500Z", ep("2024-05-01T10:15:00+00:00"), "2024-05-01T10:15:00Z"):
        item = rejected_item(rejected({"RejectedContentTime": when}), o, None, None, received)
        assert item.start == datetime(2024, 5, 1, 10, 15, tzinfo=UTC)
    backwards = obj(
        "c.mp4",
        b"c",
        StartTime=ep("2024-05-01T10:05:00+00:00"),
        StopTime=ep("2024-05-01T10:00:00+00:00"),
    )
    item = rejected_item(rejected({}), backwards, None, None, received)
    assert item.end == item.start  # never refused: an end before the start is the start
