"""Test support for the vault: a small custody log, a bundle writer built from the pure modules
(the real writer comes with the database), and the test vectors published in docs/verify.md.

    .venv/bin/python tests/vault_support.py   # prints the vectors section of docs/verify.md
"""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

from onrecord.vault.canonical import entry_bytes
from onrecord.vault.checkpoint import public_key_of, sign_checkpoint, vkey_line
from onrecord.vault.merkle import MerkleTree, leaf_hash

# For tests and the published vectors only: anyone can sign with it.
TEST_PRIVATE_KEY = hashlib.sha256(b"OnRecord vault test key - never use for evidence").digest()
TEST_ORIGIN = "vault.example.org/onrecord-test"

FILES = [b"clip one: video bytes\n", b"gnss track\n"]


def sample_log() -> list[dict[str, Any]]:
    """Five entries: an ingest of two files, a view, a refused download, a category set."""
    files = [
        {"name": n, "sha256": hashlib.sha256(b).hexdigest(), "size": len(b)}
        for n, b in zip(("clip-1.mp4", "track.gpx"), FILES, strict=True)
    ]

    def e(i: int, time: str, actor: str, action: str, outcome: str, details: Any) -> dict[str, Any]:
        return {
            "index": i,
            "time": time,
            "actor": actor,
            "action": action,
            "outcome": outcome,
            "item": "V-2026-000001" if i != 3 else "V-2026-000002",
            "details": details,
            "source": None if actor == "system" else "10.1.2.3",
        }

    return [
        e(0, "2026-12-01T14:03:07.250000Z", "system", "ingest", "success", {"files": files}),
        e(1, "2026-12-01T15:10:00.000001Z", "sgt.ruiz", "view", "success", {}),
        e(
            2,
            "2026-12-01T15:11:30.500000Z",
            "ofc.lee",
            "download",
            "failure",
            {"reason": "not authorised — station A-1 only"},
        ),
        e(3, "2026-12-01T16:00:00.000000Z", "system", "ingest", "success", {"files": []}),
        e(
            4,
            "2026-12-02T09:00:00.000000Z",
            "sgt.ruiz",
            "category set",
            "success",
            {"category": "use of force"},
        ),
    ]


def write_bundle(
    folder: Path,
    log: list[dict[str, Any]],
    chosen: list[int],
    files: list[bytes],
    private_key: bytes = TEST_PRIVATE_KEY,
    origin: str = TEST_ORIGIN,
) -> Path:
    """A bundle of the ``chosen`` entries of ``log`` and ``files``, as the contract lays it out."""
    raw = [entry_bytes(e) for e in log]
    tree = MerkleTree(leaf_hash(b) for b in raw)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "checkpoint").write_text(
        sign_checkpoint(origin, tree.size, tree.root(), private_key), encoding="utf-8"
    )
    (folder / "vkey").write_text(vkey_line(origin, public_key_of(private_key)) + "\n")
    (folder / "entries.jsonl").write_bytes(b"".join(raw[i] + b"\n" for i in chosen))
    proofs = [
        {
            "index": i,
            "tree_size": tree.size,
            "inclusion": [base64.b64encode(h).decode() for h in tree.inclusion_proof(i)],
        }
        for i in chosen
    ]
    (folder / "proofs.jsonl").write_text("".join(json.dumps(p) + "\n" for p in proofs))
    (folder / "files").mkdir(exist_ok=True)
    for data in files:
        (folder / "files" / hashlib.sha256(data).hexdigest()).write_bytes(data)
    (folder / "README").write_text("Verify with: python verify_bundle.py THIS_FOLDER\n")
    return folder


def vectors_markdown() -> str:
    """The test-vector section of docs/verify.md, computed from the code."""
    log = sample_log()
    raw = [entry_bytes(e) for e in log]
    tree = MerkleTree(leaf_hash(b) for b in raw)
    b64 = lambda h: base64.b64encode(h).decode()  # noqa: E731
    out = ["Entry bytes (each one line of UTF-8, shown exactly; the line ends are not hashed):", ""]
    out += ["```", *(b.decode() for b in raw), "```", ""]
    out += ["| index | leaf hash, hex (SHA-256 of 0x00 then the entry bytes) |", "|---|---|"]
    out += [f"| {i} | `{leaf_hash(b).hex()}` |" for i, b in enumerate(raw)]
    out += ["", "Tree heads (hex):", ""]
    out += [f"- size {n}: `{tree.root(n).hex()}`" for n in range(1, len(raw) + 1)]
    out += ["", "Inclusion proof of entry 2 in the tree of 5 (hex, leaf side first):", ""]
    out += [f"{k + 1}. `{h.hex()}`" for k, h in enumerate(tree.inclusion_proof(2, 5))]
    out += ["", "Consistency proof from size 3 to size 5 (hex, RFC 9162 order):", ""]
    out += [f"{k + 1}. `{h.hex()}`" for k, h in enumerate(tree.consistency_proof(3, 5))]
    out += ["", "The test key (for tests only: its private half is published here, so a"]
    out += ["signature by it proves nothing): Ed25519 private key, hex,", ""]
    out += [f"`{TEST_PRIVATE_KEY.hex()}`", "", "its verifier key line:", ""]
    out += ["```", vkey_line(TEST_ORIGIN, public_key_of(TEST_PRIVATE_KEY)), "```", ""]
    out += ["and the checkpoint it signs for the tree of 5 (Ed25519 signatures are deterministic):"]
    note = sign_checkpoint(TEST_ORIGIN, tree.size, tree.root(), TEST_PRIVATE_KEY)
    out += ["", "```", note.rstrip("\n"), "```"]
    del b64
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    print(vectors_markdown(), end="")
