"""The custody log's Merkle tree against a plain transcription of RFC 9162's definitions."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hypothesis_scale import scaled
from onrecord.vault import verify_bundle
from onrecord.vault.merkle import (
    EMPTY_ROOT,
    MerkleTree,
    ProofError,
    leaf_hash,
    verify_consistency,
    verify_inclusion,
)

# --- RFC 9162 2.1.1, 2.1.3.1, 2.1.4.1, word for word, over the entries themselves -------------


def ref_k(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def MTH(d: list[bytes]) -> bytes:
    if not d:
        return hashlib.sha256(b"").digest()
    if len(d) == 1:
        return hashlib.sha256(b"\x00" + d[0]).digest()
    k = ref_k(len(d))
    return hashlib.sha256(b"\x01" + MTH(d[:k]) + MTH(d[k:])).digest()


def PATH(m: int, d: list[bytes]) -> list[bytes]:
    if len(d) == 1:
        return []
    k = ref_k(len(d))
    if m < k:
        return [*PATH(m, d[:k]), MTH(d[k:])]
    return [*PATH(m - k, d[k:]), MTH(d[:k])]


def SUBPROOF(m: int, d: list[bytes], b: bool) -> list[bytes]:
    if m == len(d):
        return [] if b else [MTH(d)]
    k = ref_k(len(d))
    if m <= k:
        return [*SUBPROOF(m, d[:k], b), MTH(d[k:])]
    return [*SUBPROOF(m - k, d[k:], False), MTH(d[:k])]


def PROOF(m: int, d: list[bytes]) -> list[bytes]:
    return SUBPROOF(m, d, True)


# -----------------------------------------------------------------------------------------------


def entries(n: int) -> list[bytes]:
    return [f"entry {i}".encode() for i in range(n)]


INTERESTING = [1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100]
sizes = st.one_of(st.sampled_from(INTERESTING), st.integers(1, 300))


def test_hand_worked_small_trees() -> None:
    a, b, c = b"a", b"b", b"c"
    la, lb, lc = (hashlib.sha256(b"\x00" + x).digest() for x in (a, b, c))
    ab = hashlib.sha256(b"\x01" + la + lb).digest()
    tree = MerkleTree.of_entries([a, b, c])
    assert MerkleTree().root() == EMPTY_ROOT == hashlib.sha256(b"").digest()
    assert tree.root(1) == la
    assert tree.root(2) == ab
    assert tree.root() == hashlib.sha256(b"\x01" + ab + lc).digest()
    assert tree.inclusion_proof(2) == [ab]
    assert tree.inclusion_proof(0) == [lb, lc]
    assert tree.consistency_proof(2) == [lc]
    assert tree.consistency_proof(1, 3) == [lb, lc]


@given(n=sizes, data=st.data())
@scaled(2, deadline=None)
def test_roots_and_inclusion_proofs_equal_the_rfc_and_verify(n: int, data: st.DataObject) -> None:
    d = entries(n)
    tree = MerkleTree.of_entries(d)
    size = data.draw(st.integers(1, n), label="size")
    m = data.draw(st.sampled_from(sorted({0, size - 1, size // 2})) | st.integers(0, size - 1))
    root = MTH(d[:size])
    assert tree.root(size) == root
    proof = tree.inclusion_proof(m, size)
    assert proof == PATH(m, d[:size])
    assert verify_inclusion(leaf_hash(d[m]), m, size, proof, root)
    assert not verify_inclusion(leaf_hash(d[m] + b"!"), m, size, proof, root)
    if size > 1:
        other = (m + 1) % size
        assert not verify_inclusion(leaf_hash(d[m]), other, size, proof, root)
        assert not verify_inclusion(leaf_hash(d[m]), m, size, proof[:-1], root)


@given(n=sizes, data=st.data())
@scaled(2, deadline=None)
def test_consistency_proofs_equal_the_rfc_and_verify(n: int, data: st.DataObject) -> None:
    d = entries(n)
    tree = MerkleTree.of_entries(d)
    new = data.draw(st.integers(1, n), label="new")
    old = data.draw(
        st.sampled_from(sorted({1, new, new // 2 or 1, new - 1 or 1})) | st.integers(1, new)
    )
    proof = tree.consistency_proof(old, new)
    assert proof == PROOF(old, d[:new])
    assert verify_consistency(old, new, MTH(d[:old]), MTH(d[:new]), proof)
    if old < new:
        bad = MTH([*d[: old - 1], b"changed"])
        assert not verify_consistency(old, new, bad, MTH(d[:new]), proof)
        assert not verify_consistency(old, new, MTH(d[:old]), MTH(d[:new]), proof[:-1])


@given(n=st.integers(1, 200))
@scaled(1, deadline=None)
def test_appending_leaves_equals_building_at_once(n: int) -> None:
    d = entries(n)
    grown = MerkleTree()
    for e in d:
        grown.append(leaf_hash(e))
    built = MerkleTree.of_entries(d)
    assert grown.root() == built.root() == MTH(d)
    assert grown.inclusion_proof(n - 1) == built.inclusion_proof(n - 1)


def test_empty_and_edge_consistency() -> None:
    tree = MerkleTree.of_entries(entries(5))
    assert tree.consistency_proof(0, 5) == []
    assert verify_consistency(0, 5, EMPTY_ROOT, tree.root(), [])
    assert verify_consistency(5, 5, tree.root(), tree.root(), [])
    assert not verify_consistency(5, 5, tree.root(4), tree.root(), [])
    assert not verify_consistency(3, 5, tree.root(3), tree.root(), [])


def test_impossible_proofs_are_refused() -> None:
    tree = MerkleTree.of_entries(entries(4))
    with pytest.raises(ProofError):
        tree.inclusion_proof(4)
    with pytest.raises(ProofError):
        tree.root(5)
    with pytest.raises(ProofError):
        tree.consistency_proof(5, 4)


@given(n=sizes, data=st.data())
@scaled(1, deadline=None)
def test_the_standalone_verifiers_fold_agrees(n: int, data: st.DataObject) -> None:
    d = entries(n)
    tree = MerkleTree.of_entries(d)
    m = data.draw(st.integers(0, n - 1))
    proof = tree.inclusion_proof(m)
    assert verify_bundle.root_from_inclusion(leaf_hash(d[m]), m, n, proof) == MTH(d)
    if proof:  # a proof one hash short ends below the root: refused, not folded on
        assert verify_bundle.root_from_inclusion(leaf_hash(d[m]), m, n, proof[:-1]) is None
    assert (
        verify_bundle.root_from_inclusion(
            leaf_hash(d[m]), m, n, [*proof, proof[0] if proof else b"x"]
        )
        is None
    )
