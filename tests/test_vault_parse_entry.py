"""``parse_entry``, the check ``vault verify`` makes of each entry's bytes: it accepts exactly
the canonical bytes of a valid entry, its fast path held to the pure serialiser."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hypothesis_scale import scaled
from onrecord.vault.canonical import CanonicalError, canonical_bytes, entry_bytes, parse_entry

BASE: dict[str, Any] = {
    "index": 3,
    "time": "2026-12-02T06:17:00.123456Z",
    "actor": "sgt.ruiz",
    "action": "view",
    "outcome": "success",
    "item": "V-2026-000001",
    "details": {},
    "source": None,
}

values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**53) + 1, 2**53 - 1)
    | st.text(st.characters(exclude_categories=["Cs"])),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.text(st.characters(exclude_categories=["Cs"])), inner, max_size=3)
    ),
    max_leaves=12,
)


@scaled(2, deadline=None)
@given(st.dictionaries(st.text(st.characters(exclude_categories=["Cs"])), values, max_size=4))
def test_the_canonical_bytes_of_an_entry_parse_back(details: dict[str, Any]) -> None:
    entry = {**BASE, "details": details}
    assert parse_entry(entry_bytes(entry)) == entry


@scaled(2, deadline=None)
@given(
    st.dictionaries(st.text(st.characters(exclude_categories=["Cs"])), values, max_size=4),
    st.sampled_from([{"indent": 1}, {"separators": (", ", ": ")}, {"ensure_ascii": True}, {}]),
)
def test_other_serialisations_are_refused_unless_they_are_the_canonical_bytes(
    details: dict[str, Any], style: dict[str, Any]
) -> None:
    entry = {**BASE, "details": details}
    other = json.dumps(entry, **style).encode()
    if other == canonical_bytes(entry):
        assert parse_entry(other) == entry
    else:
        with pytest.raises(CanonicalError):
            parse_entry(other)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'{"x":', "not JSON"),
        (b"\xff", "not JSON"),
        (b"[]", "an entry is a JSON object"),
        (json.dumps({**BASE, "details": {"s": 1.5}}).encode(), "floating-point"),
        (json.dumps({**BASE, "details": {"n": 2**53}}).encode(), "beyond"),
        (json.dumps({**BASE, "details": {"n": float("nan")}}).encode(), "floating-point"),
        (json.dumps({**BASE, "index": -1}).encode(), "index"),
    ],
)
def test_what_is_not_an_entry(body: bytes, message: str) -> None:
    with pytest.raises(CanonicalError, match=message):
        parse_entry(body)


def test_keys_past_u_ffff_take_the_slow_path() -> None:
    entry = {**BASE, "details": {"\ufb33": 1, "\U0001f600": 2}}
    canonical = entry_bytes(entry)
    assert '"😀":2,"דּ":1'.encode() in canonical  # UTF-16 order, not code point order
    assert parse_entry(canonical) == entry
    by_code_point = json.dumps(entry, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    with pytest.raises(CanonicalError, match="not in canonical form"):
        parse_entry(by_code_point.encode())


def test_a_lone_surrogate_escape_is_refused() -> None:
    body = entry_bytes(BASE).replace(b'"sgt.ruiz"', b'"\\ud800"')
    with pytest.raises(CanonicalError, match="lone surrogate"):
        parse_entry(body)
