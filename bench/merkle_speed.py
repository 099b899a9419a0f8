"""How long the custody log's Merkle tree takes to build over 10**6 leaves, and then to give the
root, an inclusion proof and a consistency proof, against the baseline of hashing the leaves.

    .venv/bin/python bench/merkle_speed.py [--leaves 1000000] [--proofs 1000]

The baseline is the least any tree over the log costs: one SHA-256 per entry (the leaf hashes).
Proofs are timed in this process after the build, each for a random index and, for consistency,
a random earlier size, so that they exercise the stored subtrees and the right edge alike.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import resource
import time
from statistics import median

from onrecord.vault.merkle import MerkleTree, leaf_hash, verify_consistency, verify_inclusion


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leaves", type=int, default=1_000_000)
    parser.add_argument("--proofs", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    entries = [b'{"index":%d,"action":"view"}' % i for i in range(args.leaves)]
    hashing, building = [], []
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        leaves = [leaf_hash(e) for e in entries]
        t1 = time.perf_counter()
        tree = MerkleTree(leaves)
        t2 = time.perf_counter()
        hashing.append(t1 - t0)
        building.append(t2 - t1)
    rng = random.Random(1)
    n = tree.size
    t0 = time.perf_counter()
    root = tree.root()
    t_root = time.perf_counter() - t0
    inclusion, consistency = [], []
    for _ in range(args.proofs):
        i = rng.randrange(n)
        t0 = time.perf_counter()
        proof = tree.inclusion_proof(i)
        inclusion.append(time.perf_counter() - t0)
        assert verify_inclusion(leaves[i], i, n, proof, root)
        old = rng.randrange(1, n + 1)
        t0 = time.perf_counter()
        cproof = tree.consistency_proof(old)
        consistency.append(time.perf_counter() - t0)
        assert verify_consistency(old, n, tree.root(old), root, cproof)
    leaves_s, build_s = median(hashing), median(building)
    print(
        json.dumps(
            {
                "leaves": n,
                "leaf_hashes_s (baseline)": round(leaves_s, 3),
                "tree_build_s": round(build_s, 3),
                "build_ratio_to_baseline": round(build_s / leaves_s, 2),
                "root_ms": round(t_root * 1e3, 3),
                "inclusion_proof_ms_median": round(median(inclusion) * 1e3, 3),
                "inclusion_proof_ms_max": round(max(inclusion) * 1e3, 3),
                "consistency_proof_ms_median": round(median(consistency) * 1e3, 3),
                "consistency_proof_ms_max": round(max(consistency) * 1e3, 3),
                "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
                "check": hashlib.sha256(root).hexdigest()[:8],
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
