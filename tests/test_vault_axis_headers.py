"""Metadata headers of the Axis API, worked by hand: HTTP capitalisation of the keys, the API's
spelling recovered from a lower-cased header, URL-encoded UTF-8 values, Swift's limits; and a
property test that metadata survives the trip as a server sees it (names lower-cased)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from onrecord.vault.axis.headers import (
    KNOWN_KEYS,
    Kind,
    MetadataError,
    decode_value,
    encode_value,
    header_name,
    http_capitalise,
    key_of,
    metadata_headers,
    read_metadata,
)


@pytest.mark.parametrize(
    ("key", "http"),
    [
        ("BWCSerialNumber", "Bwcserialnumber"),
        ("TriggerOnTimeISO", "Triggerontimeiso"),
        ("UserID", "Userid"),
        ("Status", "Status"),
        ("trigger-on", "Trigger-On"),
        ("X-FOO-bar", "X-Foo-Bar"),
        ("a--b", "A--B"),
    ],
)
def test_http_capitalisation(key: str, http: str) -> None:
    assert http_capitalise(key) == http


def test_header_names_as_the_system_writes_them() -> None:
    assert header_name(Kind.CONTAINER, "BWCSerialNumber") == "X-Container-Meta-Bwcserialnumber"
    assert header_name(Kind.OBJECT, "CategoryID") == "X-Object-Meta-Categoryid"


def test_the_apis_keys_are_recovered_from_any_case() -> None:
    assert key_of("bwcserialnumber") == key_of("BWCSERIALNUMBER") == "BWCSerialNumber"
    assert key_of("Triggerofftimeiso") == "TriggerOffTimeISO"
    assert key_of("rejectedcontentoriginalcontainer") == "RejectedContentOriginalContainer"
    assert key_of("connectionid") == "ConnectionId"
    assert key_of("some-new-key") == "Some-New-Key"  # unknown: HTTP's capitalisation


def test_no_two_known_keys_share_a_header() -> None:
    assert len({k.lower() for k in KNOWN_KEYS}) == len(KNOWN_KEYS)


@pytest.mark.parametrize(
    ("value", "encoded"),
    [
        ("Anna Åberg", "Anna%20%C3%85berg"),
        ("Polis 12/3", "Polis%2012%2F3"),
        ("a+b=c;d:e", "a%2Bb%3Dc%3Bd%3Ae"),
        ("Cañón ☃", "Ca%C3%B1%C3%B3n%20%E2%98%83"),
        ("safe-._~AZaz09", "safe-._~AZaz09"),
        ("", ""),
    ],
)
def test_values_are_url_encoded_utf8(value: str, encoded: str) -> None:
    assert encode_value(value) == encoded
    assert decode_value(encoded.encode()) == value


def test_decoding_by_hand() -> None:
    assert decode_value(b"TriggerOn%3AButton%3BX%3AY") == "TriggerOn:Button;X:Y"
    assert decode_value(b"a+b") == "a+b"  # '+' is not a space in a path-style encoding
    assert decode_value(b"100%") == "100%"  # a lone '%' is kept as it is
    assert decode_value("Söder".encode()) == "Söder"  # raw UTF-8, as a stock Swift client sends
    with pytest.raises(UnicodeDecodeError):
        decode_value(b"%C3%28")  # percent-encoded bytes that are not UTF-8
    with pytest.raises(UnicodeDecodeError):
        decode_value("Söder".encode("latin-1"))


def raw(headers: dict[str, str]) -> list[tuple[bytes, bytes]]:
    """Headers as a server hands them on: names lower-cased, values as bytes."""
    return [(k.lower().encode(), v.encode()) for k, v in headers.items()]


def test_reading_a_containers_metadata() -> None:
    headers = {
        "X-Container-Meta-Bwcserialnumber": "B8A44F000001",
        "X-Container-Meta-Timezone": "Europe%2FStockholm",
        "X-Container-Meta-Status": "",
        "X-Object-Meta-Name": "not the container's",
        "X-Auth-Token": "AUTH_tk1",
        "Content-Length": "0",
    }
    assert read_metadata(raw(headers), Kind.CONTAINER) == {
        "BWCSerialNumber": "B8A44F000001",
        "TimeZone": "Europe/Stockholm",
        "Status": "",
    }
    assert read_metadata(raw(headers), Kind.OBJECT) == {"Name": "not the container's"}


def test_unreadable_metadata_is_refused_naming_the_header() -> None:
    with pytest.raises(MetadataError, match=r"^X-Object-Meta-Name: the value is not URL-encoded"):
        read_metadata(raw({"X-Object-Meta-Name": "%FF"}), Kind.OBJECT)
    with pytest.raises(MetadataError, match="needs a key after the prefix"):
        read_metadata([(b"x-object-meta-", b"v")], Kind.OBJECT)
    with pytest.raises(MetadataError, match="the value has 257 bytes"):
        read_metadata(raw({"X-Object-Meta-Name": "a" * 257}), Kind.OBJECT)
    with pytest.raises(MetadataError, match="the value has 258 bytes"):
        read_metadata(raw({"X-Object-Meta-Name": "%C3%85" * 129}), Kind.OBJECT)  # counted decoded
    many = {f"X-Object-Meta-K{n}": "v" for n in range(91)}
    with pytest.raises(MetadataError, match="91 metadata headers; at most 90"):
        read_metadata(raw(many), Kind.OBJECT)
    big = {f"X-Object-Meta-K{n}": "v" * 250 for n in range(17)}
    with pytest.raises(MetadataError, match="at most 4096"):
        read_metadata(raw(big), Kind.OBJECT)
    assert read_metadata(raw(many), Kind.OBJECT, lenient=True)["K90"] == "v"
    assert read_metadata(raw({"X-Object-Meta-Name": "%FF"}), Kind.OBJECT, lenient=True) == {
        "Name": "%FF"
    }


keys = st.one_of(
    st.sampled_from(KNOWN_KEYS),
    st.from_regex(r"[A-Za-z0-9]{1,20}(-[A-Za-z0-9]{1,10}){0,2}", fullmatch=True),
)
values = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)


@given(st.dictionaries(keys, values, max_size=12))
def test_metadata_survives_the_trip(meta: dict[str, str]) -> None:
    """What a system sends is what the destination reads: the API's keys in their own
    spelling, others in HTTP's capitalisation, every value exactly."""
    headers = metadata_headers(Kind.OBJECT, meta)
    assert all(v.isascii() and v.isprintable() for v in headers.values())
    known = {k.lower(): k for k in KNOWN_KEYS}
    expected: dict[str, str] = {}  # keys differing only in case are one header: the last wins
    for k, v in meta.items():
        expected[known.get(k.lower(), http_capitalise(k))] = v
    assert read_metadata(raw(headers), Kind.OBJECT) == expected


@given(values)
def test_encoding_round_trips(value: str) -> None:
    encoded = encode_value(value)
    assert decode_value(encoded.encode()) == value
    assert set(encoded) <= set(
        "%-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
    )
