"""Tree heads and proofs read from the database's stored subtrees equal the in-memory
``MerkleTree``'s (itself held to RFC 9162's definitions) and verify, for random log sizes and
indexes, on SQLite and PostgreSQL; the ``Frontier`` that stores them, likewise."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import event, select

from hypothesis_scale import scaled
from onrecord.database.vault import VaultEntry
from onrecord.vault.log import Action, stored_tree
from onrecord.vault.merkle import (
    Frontier,
    MerkleTree,
    SubtreeHashes,
    leaf_hash,
    verify_consistency,
    verify_inclusion,
)
from onrecord.vault.service import Vault
from postgres_server import PostgresServer
from vault_service_support import make_vault

LOG = 300
BATCHES = [1, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 67]  # appended in transactions of these sizes


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def grown(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Vault, MerkleTree]]:
    """A vault whose log of ``LOG`` entries grew in transactions of ``BATCHES`` sizes, and the
    in-memory tree of its entries."""
    root = tmp_path_factory.mktemp("proofs")
    if request.param == "sqlite":
        url = f"sqlite:///{root / 'vault.db'}"
    else:
        server: PostgresServer = request.getfixturevalue("postgres_server")
        url = server.new_database()
    vault = make_vault(url, root / "keys")
    assert sum(BATCHES) + 1 == LOG
    n = 0
    for batch in BATCHES:
        with vault.writing() as log:
            for _ in range(batch):
                log.append(Action.VIEW, actor="x", item=None, details={"n": n}, source=None)
                n += 1
    with vault.readers() as s:
        tree = MerkleTree(
            leaf_hash(b) for b in s.scalars(select(VaultEntry.body).order_by(VaultEntry.idx))
        )
    assert tree.size == LOG
    yield vault, tree
    vault.engine.dispose()


@st.composite
def size_index_old(draw: st.DrawFn) -> tuple[int, int, int]:
    size = draw(st.integers(1, LOG))
    return size, draw(st.integers(0, size - 1)), draw(st.integers(1, size))


@scaled(2)
@given(size_index_old())
def test_the_stored_tree_gives_the_trees_heads_and_proofs(
    grown: tuple[Vault, MerkleTree], case: tuple[int, int, int]
) -> None:
    vault, tree = grown
    size, index, old = case

    def compute(t: SubtreeHashes) -> tuple[bytes, bytes, list[bytes], list[bytes]]:
        return (
            t.root(size),
            t.root(old),
            t.inclusion_proof(index, size),
            t.consistency_proof(old, size),
        )

    with vault.readers() as s:
        root, old_root, path, consistency = stored_tree(s, size, compute)
    assert root == tree.root(size) and old_root == tree.root(old)
    assert path == tree.inclusion_proof(index, size)
    assert consistency == tree.consistency_proof(old, size)
    assert verify_inclusion(tree.leaf(index), index, size, path, root)
    assert verify_consistency(old, size, old_root, root, consistency)


def test_a_proof_reads_a_few_rows_by_their_keys(grown: tuple[Vault, MerkleTree]) -> None:
    vault, _ = grown
    vault.checkpoint()
    statements: list[tuple[str, Any]] = []

    def seen(conn: Any, cursor: Any, statement: str, parameters: Any, *rest: Any) -> None:
        statements.append((statement, parameters))

    event.listen(vault.engine, "before_cursor_execute", seen)
    try:
        proof = vault.prove(123, from_size=77)
    finally:
        event.remove(vault.engine, "before_cursor_execute", seen)
    reads = [s for s in statements if "vault_nodes" in s[0] or "vault_entries" in s[0]]
    assert len(reads) == 3  # the entry itself, the leaves the proofs need, the nodes
    assert proof.tree_size == LOG
    if vault.engine.dialect.name == "sqlite":  # each by its primary key, never a scan
        with vault.engine.connect() as con:
            for statement, parameters in reads:
                plan = con.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).all()
                assert not [row for row in plan if "SCAN" in row[-1]], (statement, plan)


@scaled(2)
@given(st.lists(st.binary(min_size=32, max_size=32), max_size=70), st.data())
def test_the_frontier_gives_the_head_and_every_closed_subtree(
    leaves: list[bytes], data: st.DataObject
) -> None:
    tree = MerkleTree(leaves)
    cut = data.draw(st.integers(0, len(leaves)))
    start = Frontier.covering(cut)
    frontier = Frontier(cut, [tree._stored(level, p) for level, p in start])
    closed = []
    for leaf in leaves[cut:]:
        closed += frontier.append(leaf)
        assert frontier.root() == tree.root(frontier.size)
    assert frontier.size == len(leaves) and frontier.root() == tree.root()
    expected = [
        (level, p, tree._stored(level, p))
        for end in range(cut + 1, len(leaves) + 1)
        for level in range(1, end.bit_length())
        for p in [(end >> level) - 1]
        if end % (1 << level) == 0
    ]
    assert closed == expected


def test_the_frontier_by_hand() -> None:
    a, b, c = (hashlib.sha256(x).digest() for x in (b"a", b"b", b"c"))
    f = Frontier()
    assert f.append(a) == []
    ab = hashlib.sha256(b"\x01" + a + b).digest()
    assert f.append(b) == [(1, 0, ab)]
    assert f.append(c) == [] and f.root() == hashlib.sha256(b"\x01" + ab + c).digest()
    assert Frontier.covering(13) == [(3, 0), (2, 2), (0, 12)]
    with pytest.raises(ValueError, match="a frontier of 13 leaves is 3 hashes"):
        Frontier(13, [a])
