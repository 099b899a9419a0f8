"""An entry's canonical bytes (RFC 8785 for strings, integers, booleans, null, arrays, objects)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hypothesis_scale import scaled
from onrecord.vault.canonical import CanonicalError, canonical_bytes, check_entry, entry_bytes


def test_hand_worked_object() -> None:
    value = {"b": 1, "a": [True, False, None], "c": "x", "d": {}, "e": [], "f": -7}
    assert canonical_bytes(value) == b'{"a":[true,false,null],"b":1,"c":"x","d":{},"e":[],"f":-7}'


def test_keys_sort_by_utf16_code_units_as_rfc_8785s_example() -> None:
    # RFC 8785 section 3.2.3's example: U+1F600 (UTF-16 D83D DE00) sorts before U+FB33,
    # though its code point is higher; sorting by code point would put it last.
    keys = ["\u20ac", "\r", "\ufb33", "1", "\U0001f600", "\u0080", "\u00f6"]
    got = canonical_bytes(dict.fromkeys(keys, 0)).decode()
    order = ["\r", "1", "\u0080", "\u00f6", "\u20ac", "\U0001f600", "\ufb33"]
    assert got == "{" + ",".join(f"{json.dumps(k, ensure_ascii=False)}:0" for k in order) + "}"
    assert canonical_bytes({"\u20ac": 1, "\U0001f600": 2}) == '{"€":1,"😀":2}'.encode()
    assert canonical_bytes({"\ufb01": 1, "\U0001f600": 2}) == '{"😀":2,"ﬁ":1}'.encode()


def test_string_escapes_as_json_stringify() -> None:
    text = '\x00\x07\b\t\n\x0b\f\r\x1f\x7f"\\/ é€😀'
    want = '"\\u0000\\u0007\\b\\t\\n\\u000b\\f\\r\\u001f\x7f\\"\\\\/ é€😀"'.encode()
    assert canonical_bytes(text) == want
    assert canonical_bytes("é") == b'"\xc3\xa9"'  # UTF-8, never \u00e9


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (1.5, "floating-point"),
        ({"a": [0.0]}, r"\$\.a\[0\]: 0.0 is a floating-point"),
        ({1: "x"}, "key 1 is not a string"),
        (2**53, "beyond"),
        (-(2**53), "beyond"),
        ("\ud800", "lone surrogate"),
        ({"a": b"x"}, "a bytes has no place"),
    ],
)
def test_what_has_no_canonical_form_is_refused(value: Any, message: str) -> None:
    with pytest.raises(CanonicalError, match=message):
        canonical_bytes(value)
    assert canonical_bytes(2**53 - 1) == b"9007199254740991"


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**53) + 1, 2**53 - 1)
    | st.text(st.characters(exclude_categories=["Cs"])),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.text(st.characters(max_codepoint=0xFFFF, exclude_categories=["Cs"])),
            inner,
            max_size=4,
        )
    ),
    max_leaves=20,
)


@given(json_values)
@scaled(2, deadline=None)
def test_agrees_with_python_json_where_the_orders_agree(value: Any) -> None:
    # Below U+10000 (and off the surrogates) UTF-16 order is code point order, and Python's
    # json escapes exactly what JSON.stringify does; so the two must agree byte for byte.
    got = canonical_bytes(value)
    assert json.loads(got) == value
    want = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert got == want.encode()


def entry(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "index": 0,
        "time": "2026-12-02T06:17:00.123456Z",
        "actor": "system",
        "action": "ingest",
        "outcome": "success",
        "item": "item-1",
        "details": {"files": [{"name": "a.mp4", "sha256": "ab" * 32, "size": 3}]},
        "source": None,
    }
    base.update(changes)
    return {k: v for k, v in base.items() if v != "DROP"}


def test_a_valid_entry_and_its_bytes() -> None:
    assert entry_bytes(entry()) == (
        b'{"action":"ingest","actor":"system","details":{"files":[{"name":"a.mp4","sha256":"'
        + b"ab" * 32
        + b'","size":3}]},"index":0,"item":"item-1","outcome":"success","source":null,'
        b'"time":"2026-12-02T06:17:00.123456Z"}'
    )
    check_entry(entry(action="view", details={}, item=None, source="10.0.0.1", extra=[1]))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"actor": "DROP"}, "lacks actor"),
        ({"index": -1}, "index"),
        ({"index": True}, "index"),
        ({"time": "2026-12-02T06:17:00Z"}, "microseconds"),
        ({"time": "2026-12-02T06:17:00.123456+00:00"}, "microseconds"),
        ({"time": "2026-02-30T06:17:00.123456Z"}, "no real instant"),
        ({"outcome": "ok"}, "outcome"),
        ({"action": ""}, "action"),
        ({"item": 3}, "item"),
        ({"details": []}, "details"),
        ({"details": {"files": [{"name": "a", "sha256": "AB" * 32, "size": 1}]}}, "files"),
        ({"details": {}}, "files"),
    ],
)
def test_entries_missing_what_the_contract_requires_are_refused(
    changes: dict[str, Any], message: str
) -> None:
    with pytest.raises(CanonicalError, match=message):
        check_entry(entry(**changes))
