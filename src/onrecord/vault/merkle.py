"""The custody log's Merkle tree, RFC 9162 section 2.1 (the same as RFC 6962).

A tree is known by the hashes of its complete aligned subtrees: level h holds the hash of each
run of 2**h leaves starting at a multiple of 2**h. Any tree head, inclusion proof or consistency
proof, for the whole log or any earlier size of it, then costs O(log² n) hashes instead of O(n):
every subtree RFC 9162's recursion asks for is either complete (a stored hash) or lies on the
right edge of the tree (a few more hashes). ``SubtreeHashes`` holds those algorithms over any
lookup of the stored hashes; ``MerkleTree`` keeps them in memory (one ``bytearray`` per level),
the vault's database keeps them in a table. ``Frontier`` is the few hashes that extend a tree one
leaf at a time, naming each complete subtree a new leaf closes. The functions
``verify_inclusion`` and ``verify_consistency`` are the verification algorithms of sections
2.1.3.2 and 2.1.4.2.
"""

from __future__ import annotations

import hashlib
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()


class ProofError(ValueError):
    """A proof asked for that cannot exist (an index or size outside the tree)."""


def leaf_hash(entry: bytes) -> bytes:
    """SHA-256(0x00 ‖ entry bytes)."""
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 ‖ left ‖ right)."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def split(n: int) -> int:
    """The largest power of two smaller than ``n`` (n ≥ 2)."""
    return 1 << ((n - 1).bit_length() - 1)


class SubtreeHashes(ABC):
    """RFC 9162's tree heads and proofs over a tree known by its complete subtrees' hashes."""

    @property
    @abstractmethod
    def size(self) -> int:
        """The number of leaves."""

    @abstractmethod
    def _stored(self, level: int, i: int) -> bytes:
        """The hash of leaves ``[i * 2**level, (i + 1) * 2**level)``, a complete subtree."""

    def leaf(self, index: int) -> bytes:
        return self._stored(0, index)

    def _mth(self, lo: int, hi: int) -> bytes:
        """MTH(D[lo:hi]) for a range RFC 9162's recursion produces (lo a multiple of the
        largest power of two ≤ hi - lo)."""
        n = hi - lo
        if n & (n - 1) == 0:  # complete: stored
            level = n.bit_length() - 1
            return self._stored(level, lo >> level)
        k = split(n)
        return node_hash(self._mth(lo, lo + k), self._mth(lo + k, hi))

    def _check_size(self, size: int | None) -> int:
        n = self.size if size is None else size
        if not 0 <= n <= self.size:
            raise ProofError(f"tree size {n} is outside 0..{self.size}")
        return n

    def root(self, size: int | None = None) -> bytes:
        """The tree head of the first ``size`` leaves (all by default)."""
        n = self._check_size(size)
        return EMPTY_ROOT if n == 0 else self._mth(0, n)

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """PATH(index, D[0:size]), RFC 9162 2.1.3.1, leaf side first."""
        n = self._check_size(size)
        if not 0 <= index < n:
            raise ProofError(f"leaf {index} is not in a tree of {n} leaves")
        path: list[bytes] = []
        lo, hi = 0, n
        while hi - lo > 1:
            k = split(hi - lo)
            if index < lo + k:
                path.append(self._mth(lo + k, hi))
                hi = lo + k
            else:
                path.append(self._mth(lo, lo + k))
                lo = lo + k
        path.reverse()
        return path

    def consistency_proof(self, old: int, new: int | None = None) -> list[bytes]:
        """PROOF(old, D[0:new]), RFC 9162 2.1.4.1 (empty when old is 0 or equals new)."""
        n = self._check_size(new)
        if not 0 <= old <= n:
            raise ProofError(f"old size {old} is outside 0..{n}")
        if old == 0:
            return []
        proof: list[bytes] = []
        lo, hi, m, whole = 0, n, old, True
        while m != hi - lo:
            k = split(hi - lo)
            if m <= k:
                proof.append(self._mth(lo + k, hi))
                hi = lo + k
            else:
                proof.append(self._mth(lo, lo + k))
                lo, m, whole = lo + k, m - k, False
        if not whole:
            proof.append(self._mth(lo, hi))
        proof.reverse()
        return proof


class MerkleTree(SubtreeHashes):
    """The hashes of every complete subtree over a list of leaf hashes, in memory."""

    def __init__(self, leaf_hashes: Iterable[bytes] = ()) -> None:
        leaves = list(leaf_hashes)
        for h in leaves:
            if len(h) != HASH_SIZE:
                raise ValueError(f"a leaf hash is {HASH_SIZE} bytes, not {len(h)}")
        self._levels: list[bytearray] = [bytearray(b"".join(leaves))]
        sha = hashlib.sha256
        while len(self._levels[-1]) >= 2 * HASH_SIZE:
            below = self._levels[-1]
            pairs = len(below) // (2 * HASH_SIZE)
            self._levels.append(
                bytearray(
                    b"".join(
                        sha(b"\x01" + below[64 * i : 64 * i + 64]).digest() for i in range(pairs)
                    )
                )
            )

    @classmethod
    def of_entries(cls, entries: Iterable[bytes]) -> MerkleTree:
        return cls(leaf_hash(e) for e in entries)

    @property
    def size(self) -> int:
        return len(self._levels[0]) // HASH_SIZE

    def append(self, leaf: bytes) -> None:
        """Add one leaf hash, storing the complete subtrees it closes (O(log n) hashes)."""
        if len(leaf) != HASH_SIZE:
            raise ValueError(f"a leaf hash is {HASH_SIZE} bytes, not {len(leaf)}")
        self._levels[0] += leaf
        level = 0
        while (len(self._levels[level]) // HASH_SIZE) % 2 == 0:
            below = self._levels[level]
            parent = node_hash(bytes(below[-64:-32]), bytes(below[-32:]))
            if level + 1 == len(self._levels):
                self._levels.append(bytearray())
            self._levels[level + 1] += parent
            level += 1

    def _stored(self, level: int, i: int) -> bytes:
        return bytes(self._levels[level][HASH_SIZE * i : HASH_SIZE * (i + 1)])


class Frontier:
    """The hashes of the complete subtrees that cover leaves ``[0, size)`` from the left, biggest
    first (one per set bit of ``size``): all it takes to extend a tree one leaf at a time and to
    give its head, in O(log n) memory, so that a log can be appended to or re-checked entry by
    entry without holding it."""

    def __init__(self, size: int = 0, hashes: Sequence[bytes] = ()) -> None:
        levels = [level for level, _ in self.covering(size)]
        if len(hashes) != len(levels) or any(len(h) != HASH_SIZE for h in hashes):
            raise ValueError(f"a frontier of {size} leaves is {len(levels)} hashes of 32 bytes")
        self._size = size
        self._nodes = list(zip(levels, hashes, strict=True))

    @staticmethod
    def covering(size: int) -> list[tuple[int, int]]:
        """The (level, position) of the subtrees a frontier of ``size`` leaves holds."""
        out, start = [], 0
        for level in reversed(range(size.bit_length())):
            if size >> level & 1:
                out.append((level, start >> level))
                start += 1 << level
        return out

    @property
    def size(self) -> int:
        return self._size

    def append(self, leaf: bytes) -> list[tuple[int, int, bytes]]:
        """Add a leaf hash; returns the complete subtrees of two or more leaves it closes, as
        (level, position, hash), lowest first: exactly what a store of subtrees must add."""
        if len(leaf) != HASH_SIZE:
            raise ValueError(f"a leaf hash is {HASH_SIZE} bytes, not {len(leaf)}")
        closed: list[tuple[int, int, bytes]] = []
        level, position, h = 0, self._size, leaf
        while self._nodes and self._nodes[-1][0] == level:
            h = node_hash(self._nodes.pop()[1], h)
            level, position = level + 1, position >> 1
            closed.append((level, position, h))
        self._nodes.append((level, h))
        self._size += 1
        return closed

    def root(self) -> bytes:
        """MTH(D[0:size]): the subtrees folded from the right, as RFC 9162's split makes it."""
        if not self._nodes:
            return EMPTY_ROOT
        r = self._nodes[-1][1]
        for _, h in reversed(self._nodes[:-1]):
            r = node_hash(h, r)
        return r


def verify_inclusion(
    leaf: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> bool:
    """RFC 9162 2.1.3.2: does ``proof`` show leaf hash ``leaf`` at ``index`` in the tree of
    ``size`` leaves whose head is ``root``?"""
    if not 0 <= index < size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    """RFC 9162 2.1.4.2: does ``proof`` show the tree of ``old_size`` leaves with head
    ``old_root`` to be a prefix of the tree of ``new_size`` leaves with head ``new_root``?"""
    if not 0 <= old_size <= new_size:
        return False
    if old_size == new_size:
        return not proof and old_root == new_root
    if old_size == 0:
        return not proof and old_root == EMPTY_ROOT
    if not proof:
        return False
    path = list(proof)
    if old_size & (old_size - 1) == 0:
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == old_root and sr == new_root and sn == 0
