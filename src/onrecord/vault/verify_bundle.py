"""Verify an OnRecord evidence bundle, with nothing but this file.

    python verify_bundle.py BUNDLE_DIR

Needs Python 3.11 or later and the ``cryptography`` package (``pip install cryptography``), and
imports nothing else outside the standard library, so it can be copied on its own. It checks what
the vault contract's "Bundles" section promises:

1. ``checkpoint`` is signed by the key in ``vkey`` (C2SP signed-note, Ed25519);
2. each line of ``entries.jsonl`` (the exact entry bytes), hashed as an RFC 9162 leaf and folded
   with its inclusion proof from the same line of ``proofs.jsonl``, gives the checkpoint's root;
3. each file ``files/<sha256>`` hashes to its name and is listed by a successful ingest entry
   (a rejected upload vouches for nothing).

It prints each problem found and exits 0 only when everything holds (1 otherwise, 2 on usage).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import sys
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

DASH = "\u2014 "


def node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def root_from_inclusion(leaf: bytes, index: int, size: int, proof: list[bytes]) -> bytes | None:
    """RFC 9162 2.1.3.2: the root ``proof`` leads to from ``leaf`` at ``index``, or None when the
    proof has the wrong length for that index and size."""
    if not 0 <= index < size:
        return None
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            r = node(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node(r, p)
        fn >>= 1
        sn >>= 1
    return r if sn == 0 else None


def b64(text: Any) -> bytes:
    if not isinstance(text, str):
        raise ValueError("not a base64 string")
    return base64.b64decode(text, validate=True)


def check_checkpoint(note: str, vkey: str, problems: list[str]) -> tuple[int, bytes] | None:
    """The checkpoint's (size, root) if its signature holds under ``vkey``."""
    parts = vkey.strip().split("+", 2)  # base64 may hold "+" too
    try:
        name, kid_hex, key = parts
        raw_key = b64(key)
    except (ValueError, binascii.Error):
        problems.append("vkey: not <name>+<key id hex>+<base64 key>")
        return None
    if len(raw_key) != 33 or raw_key[0] != 1:
        problems.append("vkey: not an Ed25519 key (0x01 then 32 bytes)")
        return None
    kid = hashlib.sha256(name.encode() + b"\n" + raw_key).digest()[:4]
    if kid.hex() != kid_hex:
        problems.append("vkey: its key id does not match its name and key")
        return None
    cut = note.rfind("\n\n")
    if cut < 0 or not note.endswith("\n"):
        problems.append("checkpoint: no blank line before the signature, or no final newline")
        return None
    text = note[: cut + 1]
    lines = text.split("\n")
    if len(lines) != 4 or not re.fullmatch(r"0|[1-9][0-9]*", lines[1]):
        problems.append("checkpoint: the body is not <origin>, <size>, <base64 root>")
        return None
    try:
        root = b64(lines[2])
    except (ValueError, binascii.Error):
        root = b""
    if len(root) != 32:
        problems.append("checkpoint: the root is not 32 bytes of base64")
        return None
    if lines[0] != name:
        problems.append(f"checkpoint: origin {lines[0]!r} is not the key's name {name!r}")
    public = Ed25519PublicKey.from_public_bytes(raw_key[1:])
    for line in note[cut + 2 : -1].split("\n"):
        fields = line[len(DASH) :].split(" ") if line.startswith(DASH) else []
        if len(fields) != 2 or fields[0] != name:
            continue
        try:
            sig = b64(fields[1])
        except (ValueError, binascii.Error):
            continue
        if sig[:4] != kid:
            continue
        try:
            public.verify(sig[4:], text.encode())
        except InvalidSignature:
            problems.append("checkpoint: the signature does not verify under vkey")
            return None
        return int(lines[1]), root
    problems.append(f"checkpoint: no signature by the key {name!r}")
    return None


def check_entries(bundle: Path, head: tuple[int, bytes] | None, problems: list[str]) -> set[str]:
    """Each entry's inclusion in the checkpoint's tree; returns the SHA-256 of every file an
    ingest entry lists."""
    listed: set[str] = set()
    entries = (bundle / "entries.jsonl").read_bytes().split(b"\n")
    proofs = (bundle / "proofs.jsonl").read_bytes().split(b"\n")
    if entries[-1] != b"" or proofs[-1] != b"":
        problems.append("entries.jsonl or proofs.jsonl: the last line has no final newline")
    entries, proofs = entries[:-1], proofs[:-1]
    if len(entries) != len(proofs):
        problems.append(f"{len(entries)} entries but {len(proofs)} proofs")
    last = -1
    for n, (line, proof_line) in enumerate(zip(entries, proofs, strict=False), start=1):
        where = f"entries.jsonl line {n}"
        try:
            entry = json.loads(line)
            proof = json.loads(proof_line)
            index, size = proof["index"], proof["tree_size"]
            path = [b64(h) for h in proof["inclusion"]]
        except (ValueError, KeyError, TypeError, binascii.Error) as e:
            problems.append(f"{where}: the entry or its proof cannot be read ({e})")
            continue
        if not isinstance(entry, dict) or entry.get("index") != index:
            problems.append(f"{where}: the entry's index is not the proof's {index}")
        if not isinstance(index, int) or index <= last:
            problems.append(f"{where}: index {index} is not after the previous entry's {last}")
        else:
            last = index
        if head is not None:
            if size != head[0]:
                problems.append(f"{where}: its proof is for size {size}, not the checkpoint's")
            leaf = hashlib.sha256(b"\x00" + line).digest()
            if root_from_inclusion(leaf, index, head[0], path) != head[1]:
                problems.append(
                    f"{where}: entry {index} is not in the checkpoint's tree "
                    "(its bytes or its proof were changed)"
                )
        if isinstance(entry, dict) and (entry.get("action"), entry.get("outcome")) == (
            "ingest",
            "success",
        ):
            details = entry.get("details")
            files = details.get("files") if isinstance(details, dict) else None
            for f in files if isinstance(files, list) else []:
                if isinstance(f, dict) and isinstance(f.get("sha256"), str):
                    listed.add(f["sha256"])
    return listed


def check_files(bundle: Path, listed: set[str], problems: list[str]) -> int:
    folder = bundle / "files"
    count = 0
    for path in sorted(folder.iterdir()) if folder.is_dir() else []:
        count += 1
        digest = hashlib.sha256()
        with path.open("rb") as f:
            while chunk := f.read(1 << 20):
                digest.update(chunk)
        if digest.hexdigest() != path.name:
            problems.append(f"files/{path.name}: its SHA-256 is {digest.hexdigest()}")
        elif path.name not in listed:
            problems.append(f"files/{path.name}: no ingest entry in the bundle lists it")
    return count


def verify(bundle: Path) -> list[str]:
    """Every problem found in the bundle at ``bundle``; empty when it verifies."""
    problems: list[str] = []
    needed = ("checkpoint", "vkey", "entries.jsonl", "proofs.jsonl")
    missing = [name for name in needed if not (bundle / name).is_file()]
    if missing:
        return [f"missing: {', '.join(missing)}"]
    try:
        note = (bundle / "checkpoint").read_text(encoding="utf-8")
        vkey = (bundle / "vkey").read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return ["checkpoint or vkey: not UTF-8 text"]
    head = check_checkpoint(note, vkey, problems)
    listed = check_entries(bundle, head, problems)
    check_files(bundle, listed, problems)
    return problems


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python verify_bundle.py BUNDLE_DIR", file=sys.stderr)
        return 2
    bundle = Path(argv[0])
    problems = verify(bundle)
    for problem in problems:
        print(f"PROBLEM: {problem}")
    if problems:
        print(f"{bundle}: does NOT verify ({len(problems)} problems)")
        return 1
    print(f"{bundle}: verifies (every entry in the signed tree, every file as ingested)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
