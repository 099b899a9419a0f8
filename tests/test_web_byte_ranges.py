"""Which bytes a Range header asks for (RFC 9110 section 14): hand-worked headers, and every
satisfiable single range held to a plain reading of the RFC over Python's slicing."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from onrecord.web.byte_ranges import ByteRange, Unsatisfiable, content_disposition, parse_range


@pytest.mark.parametrize(
    ("header", "size", "expected"),
    [
        (None, 100, None),
        ("", 100, None),
        ("items=0-5", 100, None),  # another unit: ignored, the whole file
        ("bytes=0-9", 100, ByteRange(0, 9)),
        ("bytes=0-0", 100, ByteRange(0, 0)),
        ("bytes=90-", 100, ByteRange(90, 99)),
        ("bytes=90-200", 100, ByteRange(90, 99)),  # an end past the file stops at its end
        ("bytes=-10", 100, ByteRange(90, 99)),
        ("bytes=-500", 100, ByteRange(0, 99)),
        ("BYTES = 5-6", 100, ByteRange(5, 6)),
        ("bytes=0-", 1, ByteRange(0, 0)),
    ],
)
def test_ranges(header: str | None, size: int, expected: ByteRange | None) -> None:
    assert parse_range(header, size) == expected


@pytest.mark.parametrize(
    ("header", "size", "why"),
    [
        ("bytes=100-", 100, "starts at byte 100"),
        ("bytes=100-200", 100, "starts at byte 100"),
        ("bytes=9-5", 100, "ends (byte 5) before it starts"),
        ("bytes=0-1,5-9", 100, "one range per request"),
        ("bytes=-0", 100, "selects no byte"),
        ("bytes=-5", 0, "selects no byte"),
        ("bytes=0-", 0, "the file has 0 bytes"),
        ("bytes=-", 100, "not a byte range"),
        ("bytes=a-b", 100, "not a byte range"),
        ("bytes", 100, "not a byte range"),
        ("bytes=1-2-3", 100, "not a byte range"),
        ("bytes=" + "9" * 20 + "-", 100, "not a byte range"),
    ],
)
def test_unsatisfiable(header: str, size: int, why: str) -> None:
    with pytest.raises(Unsatisfiable, match=re.escape(why)):
        parse_range(header, size)


def reference(first: int | None, last: int | None, data: bytes) -> bytes | None:
    """RFC 9110 14.1.2 read plainly: ``first-last``, ``first-``, or the suffix ``-last``;
    None when nothing can be served."""
    if first is None:
        assert last is not None
        return data[-last:] if last and data else None
    if first >= len(data) or (last is not None and last < first):
        return None
    return data[first : None if last is None else last + 1]


@given(
    data=st.binary(max_size=64),
    first=st.none() | st.integers(0, 80),
    last=st.none() | st.integers(0, 80),
)
def test_ranges_match_the_rfc(data: bytes, first: int | None, last: int | None) -> None:
    if first is None and last is None:
        return
    header = f"bytes={'' if first is None else first}-{'' if last is None else last}"
    expected = reference(first, last, data)
    if expected is None:
        with pytest.raises(Unsatisfiable):
            parse_range(header, len(data))
        return
    got = parse_range(header, len(data))
    assert got is not None and data[got.start : got.end + 1] == expected
    assert got.length == len(expected)


def test_content_disposition_names_any_file_safely() -> None:
    assert content_disposition("inline", "clip 1.mp4") == (
        "inline; filename=\"clip 1.mp4\"; filename*=UTF-8''clip%201.mp4"
    )
    header = content_disposition("attachment", 'a"b\\c;d\r\né.mp4')
    assert "\r" not in header and "\n" not in header
    assert header.startswith('attachment; filename="a_b_c_d___.mp4";')
    assert "filename*=UTF-8''a%22b%5Cc%3Bd%0D%0A%C3%A9.mp4" in header
