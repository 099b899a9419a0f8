"""The blob encryption format: worked by hand from its definition, tampered with byte by byte,
read back by ranges at every chunk edge, and held to the plaintext by property tests."""

from __future__ import annotations

import io
import struct

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.keywrap import aes_key_wrap
from hypothesis import given
from hypothesis import strategies as st

from hypothesis_scale import scaled
from onrecord.vault.encryption import (
    HEADER_SIZE,
    EnvelopeError,
    Header,
    Sealer,
    check_body_size,
    open_header,
    open_span,
    rewrap,
    sealed_chunks,
    span,
    wrap_key,
)

KEK = b"\x11" * 32
OTHER_KEK = b"\x22" * 32
KEY_ID = bytes.fromhex("0102030405060708")
DATA_KEY = bytes(range(32))
BODY_ID = bytes(range(16))
TEXT = b"abcdefghij"  # three chunks of 4: "abcd", "efgh", "ij"


def lookup(keys: dict[bytes, bytes]):  # type: ignore[no-untyped-def]
    def find(key_id: bytes) -> bytes:
        if key_id not in keys:
            raise EnvelopeError(f"no key {key_id.hex()}")
        return keys[key_id]

    return find


def seal(
    data: bytes, chunk_size: int = 4, pieces: list[int] | None = None, **kw: bytes
) -> tuple[bytes, bytes]:
    """(header bytes, body bytes) of ``data`` sealed under KEK, fed in ``pieces`` (sizes)."""
    sealer = Sealer(chunk_size, **kw)
    parts, at = [], 0
    for n in pieces or []:
        parts.append(data[at : at + n])
        at += n
    parts.append(data[at:])
    body = b"".join(sealer.seal(parts))
    return sealer.header(KEY_ID, KEK).to_bytes(), body


def decrypt(
    header: bytes, body: bytes, start: int = 0, end: int | None = None, kek: bytes = KEK
) -> bytes:
    """The plaintext [start, end) the way a store reads it: header, body size, span, then only
    the chunks in the span."""
    opened = open_header(header, lookup({KEY_ID: kek}))
    check_body_size(opened.header, len(body))
    where = span(opened.header, start, end)
    if where is None:
        return b""
    reader = io.BytesIO(body)
    reader.seek(where.offset)
    return b"".join(open_span(opened, where, sealed_chunks(opened.header, where, reader.read)))


def test_the_format_worked_by_hand() -> None:
    header, body = seal(TEXT, data_key=DATA_KEY, body_id=BODY_ID)
    tagged = b"ORvb" + b"\x01" + b"\x00\x00\x00\x04" + BODY_ID + b"\x00" * 7 + b"\x0a"
    gcm = AESGCM(DATA_KEY)
    tag = gcm.encrypt(b"\xff" * 12, b"", tagged)  # GMAC of the header's first 33 bytes
    assert len(tag) == 16
    assert header == tagged + tag + KEY_ID + aes_key_wrap(KEK, DATA_KEY)
    assert len(header) == HEADER_SIZE == 97
    aad = tagged[:25]  # magic, version, chunk size, body id
    n0 = b"\x00" * 8 + b"\x00" + b"\x00\x00\x00"
    n1 = b"\x00" * 7 + b"\x01" + b"\x00" + b"\x00\x00\x00"
    n2 = b"\x00" * 7 + b"\x02" + b"\x01" + b"\x00\x00\x00"  # the last chunk says so
    expected = gcm.encrypt(n0, b"abcd", aad) + gcm.encrypt(n1, b"efgh", aad)
    assert body == expected + gcm.encrypt(n2, b"ij", aad)
    assert len(body) == 10 + 3 * 16
    assert decrypt(header, body) == TEXT


def test_key_wrap_is_rfc_3394() -> None:
    # RFC 3394 section 4.6: 256 bits of key data wrapped with a 256-bit KEK
    kek = bytes.fromhex("000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F")
    key = bytes.fromhex("00112233445566778899AABBCCDDEEFF000102030405060708090A0B0C0D0E0F")
    assert wrap_key(kek, key) == bytes.fromhex(
        "28C9F404C4B810F4CBCCB35CFB87F8263F5786E2D80ED326CBC7F0E71A99F43BFB988B9B7A02DD21"
    )


def test_an_empty_blob_is_one_empty_last_chunk() -> None:
    header, body = seal(b"", data_key=DATA_KEY, body_id=BODY_ID)
    aad = b"ORvb\x01\x00\x00\x00\x04" + BODY_ID
    assert body == AESGCM(DATA_KEY).encrypt(b"\x00" * 8 + b"\x01\x00\x00\x00", b"", aad)
    assert Header.from_bytes(header).chunks == 1
    assert decrypt(header, body) == b""


def test_an_exact_multiple_of_the_chunk_size_ends_with_a_full_last_chunk() -> None:
    header, body = seal(b"abcdefgh", data_key=DATA_KEY, body_id=BODY_ID)
    aad = b"ORvb\x01\x00\x00\x00\x04" + BODY_ID
    last = AESGCM(DATA_KEY).encrypt(struct.pack(">QB3x", 1, 1), b"efgh", aad)
    assert body.endswith(last) and len(body) == 2 * 20
    assert decrypt(header, body) == b"abcdefgh"


def test_how_the_stream_is_cut_does_not_change_the_blob() -> None:
    one = seal(TEXT, data_key=DATA_KEY, body_id=BODY_ID)
    many = seal(TEXT, pieces=[0, 1, 3, 5], data_key=DATA_KEY, body_id=BODY_ID)
    assert one == many


@pytest.mark.parametrize("where", ["header", "body"])
def test_every_changed_byte_is_caught(where: str) -> None:
    header, body = seal(TEXT)
    target = header if where == "header" else body
    for i in range(len(target)):
        for bit in (0x01, 0x80):
            changed = bytearray(target)
            changed[i] ^= bit
            h, b = (bytes(changed), body) if where == "header" else (header, bytes(changed))
            with pytest.raises(EnvelopeError):
                decrypt(h, b)


def test_the_wrong_key_opens_nothing() -> None:
    header, body = seal(TEXT)
    with pytest.raises(EnvelopeError, match="does not unwrap"):
        decrypt(header, body, kek=OTHER_KEK)


def _chunks(body: bytes) -> list[bytes]:
    return [body[0:20], body[20:40], body[40:]]


def test_chunks_cannot_be_reordered_dropped_repeated_or_cut() -> None:
    header, body = seal(TEXT)
    c0, c1, c2 = _chunks(body)
    for bad in (c1 + c0 + c2, c0 + c2, c0 + c1, c0 + c1 + c1, c0 + c0 + c2, body[:-1], body + c2):
        with pytest.raises(EnvelopeError):
            decrypt(header, bad)


def test_a_body_cut_at_a_chunk_edge_fails_even_with_the_size_edited_to_match() -> None:
    header, body = seal(TEXT)
    c0, c1, _ = _chunks(body)
    h = Header.from_bytes(header)
    shorter = Header(h.chunk_size, h.body_id, 8, h.tag, h.key_id, h.wrapped_key).to_bytes()
    with pytest.raises(EnvelopeError, match="tag does not hold"):
        decrypt(shorter, c0 + c1)


def test_a_chunk_from_another_blob_fails_even_under_the_same_data_key() -> None:
    header, body = seal(TEXT, data_key=DATA_KEY, body_id=BODY_ID)
    _, other = seal(TEXT, data_key=DATA_KEY, body_id=b"\x99" * 16)
    with pytest.raises(EnvelopeError, match="chunk 0"):
        decrypt(header, other[:20] + body[20:])


def test_a_damaged_chunk_spoils_only_the_ranges_that_touch_it() -> None:
    header, body = seal(TEXT)
    changed = bytearray(body)
    changed[25] ^= 1  # in chunk 1 ("efgh")
    assert decrypt(header, bytes(changed), 0, 4) == b"abcd"
    assert decrypt(header, bytes(changed), 8, 10) == b"ij"
    with pytest.raises(EnvelopeError, match="chunk 1"):
        decrypt(header, bytes(changed), 3, 5)


@pytest.mark.parametrize("data", [TEXT, b"abcdefghijkl"], ids=["10 bytes", "12 bytes"])
def test_every_range_reads_only_the_chunks_it_touches(data: bytes) -> None:
    header, body = seal(data)
    opened = open_header(header, lookup({KEY_ID: KEK}))
    for start in range(len(data) + 2):
        for end in range(start, len(data) + 3):
            assert decrypt(header, body, start, end) == data[start:end], (start, end)
            where = span(opened.header, start, end)
            stop = min(end, len(data))
            if start >= stop:
                assert where is None
                continue
            assert where is not None
            assert (where.first, where.last) == (start // 4, (stop - 1) // 4)
            assert where.offset == 20 * (start // 4)
            assert where.offset + where.length == min(20 * ((stop - 1) // 4 + 1), len(body))


def test_a_read_to_the_end_of_the_range_stops_there() -> None:
    header, body = seal(TEXT)
    opened = open_header(header, lookup({KEY_ID: KEK}))
    where = span(opened.header, 4, 8)
    assert where is not None
    reader = io.BytesIO(body)
    reader.seek(where.offset)
    out = b"".join(open_span(opened, where, sealed_chunks(opened.header, where, reader.read)))
    assert out == b"efgh"
    assert reader.tell() == 40  # chunk 1 read, chunk 2 not


def test_negative_positions_are_refused() -> None:
    header, _ = seal(TEXT)
    with pytest.raises(ValueError, match="positions ≥ 0"):
        span(Header.from_bytes(header), -1, None)


def test_rewrapping_changes_the_key_and_nothing_the_body_depends_on() -> None:
    header, body = seal(TEXT)
    new_id = bytes.fromhex("0a0b0c0d0e0f1011")
    moved = rewrap(header, lookup({KEY_ID: KEK}), new_id, OTHER_KEK)
    assert moved[:49] == header[:49] and moved[49:57] == new_id and moved[57:] != header[57:]
    opened = open_header(moved, lookup({new_id: OTHER_KEK}))
    where = span(opened.header, 0, None)
    assert where is not None
    reader = io.BytesIO(body)
    assert b"".join(open_span(opened, where, sealed_chunks(opened.header, where, reader.read))) == (
        TEXT
    )
    with pytest.raises(EnvelopeError):
        open_header(moved, lookup({new_id: KEK}))


def test_a_damaged_header_is_not_rewrapped() -> None:
    header, _ = seal(TEXT)
    changed = bytearray(header)
    changed[30] ^= 1  # the size
    with pytest.raises(EnvelopeError):
        rewrap(bytes(changed), lookup({KEY_ID: KEK}), KEY_ID, OTHER_KEK)


def test_the_header_tells_a_foreign_or_newer_file() -> None:
    header, _ = seal(TEXT)
    with pytest.raises(EnvelopeError, match="not an OnRecord vault blob"):
        Header.from_bytes(b"GIF8" + header[4:])
    with pytest.raises(EnvelopeError, match="version 2"):
        Header.from_bytes(header[:4] + b"\x02" + header[5:])
    with pytest.raises(EnvelopeError, match="97 bytes"):
        Header.from_bytes(header[:-1])


def test_a_stream_of_text_is_refused() -> None:
    sealer = Sealer(4)
    with pytest.raises(TypeError, match="not of str"):
        list(sealer.seal(["abc"]))  # type: ignore[list-item]


@scaled(2)
@given(
    data=st.binary(max_size=300),
    chunk_size=st.integers(1, 40),
    cuts=st.lists(st.integers(0, 80), max_size=6),
    bounds=st.tuples(st.integers(0, 320), st.integers(0, 320) | st.none()),
)
def test_any_range_reads_back_the_plaintext_slice(
    data: bytes, chunk_size: int, cuts: list[int], bounds: tuple[int, int | None]
) -> None:
    header, body = seal(data, chunk_size, pieces=cuts)
    start, end = bounds
    assert decrypt(header, body, start, end) == data[start:end]
    assert len(body) == Header.from_bytes(header).body_size
