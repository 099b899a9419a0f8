"""An entry's canonical bytes: what the custody log hashes and exports.

RFC 8785 (JSON Canonicalization Scheme) for the value types an entry may hold: strings, integers,
booleans, null, arrays and objects; floating-point numbers are refused, so no number formatting
question arises. Keys are sorted by their UTF-16 code units (not by code point: "\\U0001f600"
sorts before "\\ufb33" because its first unit, 0xD83D, is lower), strings are written as
ECMAScript's ``JSON.stringify`` writes them (only ``"``, ``\\`` and control characters escaped),
and everything else is written as UTF-8. Integers must be exact in an IEEE double (|n| < 2**53),
as RFC 8785's I-JSON requires, so that any JSON reader gets the same number back.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

MAX_SAFE_INTEGER = 2**53 - 1
_SHORT = {0x08: "\\b", 0x09: "\\t", 0x0A: "\\n", 0x0C: "\\f", 0x0D: "\\r"}
REQUIRED_KEYS = ("index", "time", "actor", "action", "outcome", "item", "details", "source")
_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z")
_ESCAPED = re.compile(r'["\\\x00-\x1f]')  # what ``quote`` must escape


class CanonicalError(ValueError):
    """A value that has no canonical form, or an entry missing what the contract requires."""


def canonical_bytes(value: Any) -> bytes:
    """The RFC 8785 serialisation of ``value`` (see the module docstring), as UTF-8 bytes."""
    out: list[str] = []
    _write(value, out, "$")
    text = "".join(out)
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError as e:  # a lone surrogate: not Unicode text, so no UTF-8 for it
        raise CanonicalError(f"a string holds a lone surrogate (U+{ord(text[e.start]):04X})") from e


def sort_key(key: str) -> bytes:
    """Orders strings by UTF-16 code units: big-endian UTF-16 bytes compare unit by unit."""
    return key.encode("utf-16-be", "surrogatepass")


def _write(value: Any, out: list[str], where: str) -> None:
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, int):
        if abs(value) > MAX_SAFE_INTEGER:
            raise CanonicalError(
                f"{where}: the integer {value} is beyond ±(2**53 - 1), where JSON readers "
                "using IEEE doubles (RFC 8785) would lose digits; write it as a string"
            )
        out.append(str(int(value)))
    elif isinstance(value, float):
        raise CanonicalError(
            f"{where}: {value!r} is a floating-point number; entries hold no floats "
            "(write an integer in a smaller unit, or a string)"
        )
    elif isinstance(value, str):
        out.append(quote(value))
    elif isinstance(value, list | tuple):
        out.append("[")
        for i, item in enumerate(value):
            if i:
                out.append(",")
            _write(item, out, f"{where}[{i}]")
        out.append("]")
    elif isinstance(value, dict):
        for key in value:
            if not isinstance(key, str):
                raise CanonicalError(f"{where}: the key {key!r} is not a string")
        out.append("{")
        for i, key in enumerate(sorted(value, key=sort_key)):
            if i:
                out.append(",")
            out.append(quote(key))
            out.append(":")
            _write(value[key], out, f"{where}.{key}")
        out.append("}")
    else:
        raise CanonicalError(
            f"{where}: a {type(value).__name__} has no place in an entry "
            "(str, int, bool, None, list and dict only)"
        )


def quote(text: str) -> str:
    """``text`` as a JSON string the way ECMAScript's ``JSON.stringify`` writes it."""
    if not _ESCAPED.search(text):
        return f'"{text}"'
    parts = ['"']
    for ch in text:
        code = ord(ch)
        if ch == '"':
            parts.append('\\"')
        elif ch == "\\":
            parts.append("\\\\")
        elif code < 0x20:
            parts.append(_SHORT.get(code, f"\\u{code:04x}"))
        else:
            parts.append(ch)
    parts.append('"')
    return "".join(parts)


def check_entry(entry: Any) -> None:
    """Raise ``CanonicalError`` naming what is wrong if ``entry`` lacks a key the contract
    requires or holds one of the wrong kind (other keys are allowed)."""
    if not isinstance(entry, dict):
        raise CanonicalError("an entry is a JSON object")
    missing = [k for k in REQUIRED_KEYS if k not in entry]
    if missing:
        raise CanonicalError(f"the entry lacks {', '.join(missing)}")
    index = entry["index"]
    if isinstance(index, bool) or not isinstance(index, int) or index < 0:
        raise CanonicalError(f"index: {index!r} is not a whole number ≥ 0")
    time = entry["time"]
    if not isinstance(time, str) or not _TIME.fullmatch(time):
        raise CanonicalError(
            f"time: {time!r} is not an RFC 3339 UTC instant with microseconds, "
            "like 2026-12-02T06:17:00.000000Z"
        )
    try:
        datetime.fromisoformat(time[:-1])  # the pattern matched: only the date can be wrong
    except ValueError as e:
        raise CanonicalError(f"time: {time!r} is no real instant ({e})") from None
    for key in ("actor", "action"):
        if not isinstance(entry[key], str) or not entry[key]:
            raise CanonicalError(f"{key}: {entry[key]!r} is not a non-empty string")
    if entry["outcome"] not in ("success", "failure"):
        raise CanonicalError(f"outcome: {entry['outcome']!r} is neither 'success' nor 'failure'")
    for key in ("item", "source"):
        if entry[key] is not None and not isinstance(entry[key], str):
            raise CanonicalError(f"{key}: {entry[key]!r} is neither a string nor null")
    if not isinstance(entry["details"], dict):
        raise CanonicalError(f"details: {entry['details']!r} is not an object")
    if entry["action"] == "ingest" and entry["outcome"] == "success":
        _check_ingest_files(entry["details"].get("files"))


def _check_ingest_files(files: Any) -> None:
    if not isinstance(files, list):
        raise CanonicalError("details.files: an ingest lists its files, [{name, sha256, size}]")
    for i, f in enumerate(files):
        ok = (
            isinstance(f, dict)
            and isinstance(f.get("name"), str)
            and isinstance(f.get("sha256"), str)
            and re.fullmatch(r"[0-9a-f]{64}", f["sha256"]) is not None
            and isinstance(f.get("size"), int)
            and not isinstance(f.get("size"), bool)
            and f["size"] >= 0
        )
        if not ok:
            raise CanonicalError(
                f"details.files[{i}]: {f!r} is not {{name, sha256 (64 lower-case hex), size ≥ 0}}"
            )


def entry_bytes(entry: dict[str, Any]) -> bytes:
    """A checked entry's canonical bytes."""
    check_entry(entry)
    return canonical_bytes(entry)


_FOUR_BYTE_UTF8 = re.compile(rb"[\xf0-\xf4]")  # the lead bytes of characters past U+FFFF


def _no_float(text: str) -> Any:
    raise CanonicalError(f"{text} is a floating-point number; entries hold no floats")


def _safe_int(text: str) -> int:
    value = int(text)
    if abs(value) > MAX_SAFE_INTEGER:
        raise CanonicalError(f"the integer {value} is beyond ±(2**53 - 1)")
    return value


def parse_entry(body: bytes) -> dict[str, Any]:
    """The entry whose canonical bytes are exactly ``body``, or ``CanonicalError`` saying why
    ``body`` is not that (not JSON, not an entry, not in canonical form).

    For verifying a long log fast: when ``body`` holds no character past U+FFFF, UTF-16 order
    is code-point order and Python's ``json`` escapes what ``JSON.stringify`` does, so its C
    serialiser gives the canonical bytes (the parse has already refused floats and unsafe
    integers); otherwise the pure canonical serialiser decides."""
    try:
        entry = json.loads(
            body, parse_float=_no_float, parse_constant=_no_float, parse_int=_safe_int
        )
    except CanonicalError:
        raise
    except ValueError as e:
        raise CanonicalError(f"not JSON in UTF-8 ({e})") from None
    check_entry(entry)
    if _FOUR_BYTE_UTF8.search(body):
        canonical = canonical_bytes(entry)
    else:
        text = json.dumps(entry, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
        try:
            canonical = text.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate, written as an escape
            canonical = canonical_bytes(entry)
    if canonical != body:
        raise CanonicalError("the bytes are not in canonical form (RFC 8785)")
    return entry
