"""The standalone bundle verifier: a good bundle verifies; each kind of tampering is named."""

from __future__ import annotations

import ast
import base64
import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given
from hypothesis import strategies as st

from hypothesis_scale import scaled
from onrecord.vault import verify_bundle
from onrecord.vault.checkpoint import generate_key
from vault_support import FILES, sample_log, write_bundle

SCRIPT = Path(verify_bundle.__file__)


def bundle(tmp: Path) -> Path:
    return write_bundle(tmp / "bundle", sample_log(), [0, 1, 2, 4], FILES)


def test_a_good_bundle_verifies_and_the_script_says_so(tmp_path: Path) -> None:
    folder = bundle(tmp_path)
    assert verify_bundle.verify(folder) == []
    # the file copied on its own, run by a plain interpreter
    alone = tmp_path / "elsewhere" / "verify_bundle.py"
    alone.parent.mkdir()
    shutil.copy(SCRIPT, alone)
    run = subprocess.run(
        [sys.executable, str(alone), str(folder)], capture_output=True, text=True, check=False
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "verifies" in run.stdout


def test_the_verifier_imports_nothing_from_onrecord() -> None:
    allowed_top = set(sys.stdlib_module_names) | {"cryptography"}
    for node in ast.walk(ast.parse(SCRIPT.read_text(encoding="utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, "no relative imports"
            names = [node.module or ""]
        for name in names:
            assert name.split(".")[0] in allowed_top, name


def problems_after(folder: Path) -> str:
    return "\n".join(verify_bundle.verify(folder))


@given(line=st.integers(0, 3), data=st.data())
@scaled(1, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_flipping_any_byte_of_an_entry_is_found(
    tmp_path: Path, line: int, data: st.DataObject
) -> None:
    folder = bundle(tmp_path / str(line))
    lines = (folder / "entries.jsonl").read_bytes().split(b"\n")
    at = data.draw(st.integers(0, len(lines[line]) - 1))
    bit = data.draw(st.sampled_from([1, 2, 4, 8, 16, 32, 64, 128]))
    changed = bytearray(lines[line])
    changed[at] ^= bit
    lines[line] = bytes(changed)
    (folder / "entries.jsonl").write_bytes(b"\n".join(lines))
    found = problems_after(folder)
    assert f"entries.jsonl line {line + 1}" in found


def test_reordered_entries_are_found(tmp_path: Path) -> None:
    folder = bundle(tmp_path)
    lines = (folder / "entries.jsonl").read_bytes().split(b"\n")
    lines[0], lines[1] = lines[1], lines[0]
    (folder / "entries.jsonl").write_bytes(b"\n".join(lines))
    found = problems_after(folder)
    assert "line 1: entry 0 is not in the checkpoint's tree" in found
    assert "line 1: the entry's index is not the proof's 0" in found


def test_reordered_entries_and_proofs_together_are_found(tmp_path: Path) -> None:
    folder = bundle(tmp_path)
    for name in ("entries.jsonl", "proofs.jsonl"):
        lines = (folder / name).read_bytes().split(b"\n")
        lines[0], lines[1] = lines[1], lines[0]
        (folder / name).write_bytes(b"\n".join(lines))
    assert "index 0 is not after the previous entry's 1" in problems_after(folder)


def test_a_replaced_checkpoint_is_found(tmp_path: Path) -> None:
    folder = bundle(tmp_path)
    # a checkpoint over a different log, signed by the right key: the entries are not in it
    log = sample_log()
    log[1]["actor"] = "someone else"
    other = write_bundle(tmp_path / "other", log, [1], FILES)
    shutil.copy(other / "checkpoint", folder / "checkpoint")
    found = problems_after(folder)
    assert "line 2: entry 1 is not in the checkpoint's tree" in found
    # a checkpoint signed by another key, with its vkey left alone
    private, _ = generate_key("vault.example.org/onrecord-test")
    forged = write_bundle(tmp_path / "forged", sample_log(), [0], FILES, private_key=private)
    shutil.copy(forged / "checkpoint", folder / "checkpoint")
    assert "checkpoint: no signature by the key" in problems_after(folder)
    # the root changed in place: the signature no longer holds
    shutil.copy(other / "checkpoint", folder / "checkpoint")
    note = (folder / "checkpoint").read_text()
    lines = note.split("\n")
    lines[1] = "4"
    (folder / "checkpoint").write_text("\n".join(lines))
    assert "the signature does not verify under vkey" in problems_after(folder)


def test_a_flipped_file_byte_is_found(tmp_path: Path) -> None:
    folder = bundle(tmp_path)
    path = sorted((folder / "files").iterdir())[0]
    data = bytearray(path.read_bytes())
    data[3] ^= 1
    path.write_bytes(bytes(data))
    assert f"files/{path.name}: its SHA-256 is" in problems_after(folder)


def test_a_file_no_ingest_entry_lists_is_found(tmp_path: Path) -> None:
    folder = write_bundle(tmp_path / "b", sample_log(), [1, 2], [*FILES, b"stray"])
    found = verify_bundle.verify(folder)
    assert len(found) == 3 and all("no ingest entry in the bundle lists it" in p for p in found)


def test_a_proof_for_another_size_is_found(tmp_path: Path) -> None:
    folder = bundle(tmp_path)
    proofs = [json.loads(x) for x in (folder / "proofs.jsonl").read_text().splitlines()]
    proofs[0]["tree_size"] = 4
    proofs[1]["inclusion"] = proofs[1]["inclusion"][:-1]
    proofs[2]["inclusion"][0] = base64.b64encode(bytes(32)).decode()
    (folder / "proofs.jsonl").write_text("".join(json.dumps(p) + "\n" for p in proofs))
    found = problems_after(folder)
    assert "line 1: its proof is for size 4" in found
    assert "line 2: entry 1 is not in the checkpoint's tree" in found
    assert "line 3: entry 2 is not in the checkpoint's tree" in found


@pytest.mark.parametrize("missing", ["checkpoint", "vkey", "entries.jsonl", "proofs.jsonl"])
def test_a_missing_part_is_named_and_the_script_exits_1(tmp_path: Path, missing: str) -> None:
    folder = bundle(tmp_path)
    (folder / missing).unlink()
    assert verify_bundle.main([str(folder)]) == 1
    assert problems_after(folder) == f"missing: {missing}"


def test_a_vkey_whose_base64_holds_plus_signs(tmp_path: Path) -> None:
    for seed in range(100):
        private = hashlib.sha256(b"plus %d" % seed).digest()
        folder = write_bundle(tmp_path / str(seed), sample_log(), [0], FILES, private_key=private)
        if "+" in (folder / "vkey").read_text().split("+", 2)[2]:
            break
    else:
        pytest.fail("no key among 100 with a '+' in its base64")
    assert verify_bundle.verify(folder) == []


def test_a_file_only_a_rejected_upload_lists_is_found(tmp_path: Path) -> None:
    log = sample_log()
    log[0]["outcome"] = "failure"
    folder = write_bundle(tmp_path / "b", log, [0], FILES)
    found = verify_bundle.verify(folder)
    assert len(found) == 2 and all("no ingest entry in the bundle lists it" in p for p in found)
