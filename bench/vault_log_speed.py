"""How long ``onrecord vault verify`` takes over a custody log of 10**6 entries, how much memory
it needs, and how long one proof takes; each against a floor measured in the same run.

    .venv/bin/python bench/vault_log_speed.py [--entries 1000000] [--items 10000] [--proofs 1000]
        [--postgres]

The log is built once into ``bench/out/`` (SQLite; with ``--postgres`` a throwaway PostgreSQL
server too) the way the vault writes it: ``--items`` ingests (one small file each, each its own
transaction with a checkpoint after it, as the content destination delivers) and between them
views in transactions of a few thousand, a checkpoint after each. Measured, each in a fresh
process:

- verify (every entry, stored node, checkpoint and signature; every file re-hashed) against the
  floor of reading every entry's bytes from the database and hashing each into its leaf, the
  least any check of the log must do;
- a proof (inclusion of a random entry in the latest checkpoint and consistency from a random
  older size) against the floor of reading one entry by its index.

The blob store is the tests' in-memory one, refilled in the measuring process before the clock
starts (the files are a few bytes; re-hashing real footage is the store's speed, not the log's).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"

SETUP = """
import json, random, resource, statistics, sys, time
sys.path[:0] = [{src!r}, {tests!r}]
from memory_store import MemoryStore
store = MemoryStore()
for i in range({items}):
    store.put([b"bench clip %d" % i])
"""

VERIFY = """
from onrecord.vault.service import Vault
vault = Vault.open({url!r}, store=store)
t0 = time.perf_counter()
problems = vault.verify()
wall = time.perf_counter() - t0
assert problems == [], problems[:5]
"""

FLOOR = """
import hashlib
from sqlalchemy import select
from onrecord.database import connection as db
from onrecord.database.vault import VaultEntry
engine = db.connect({url!r})
t0 = time.perf_counter()
n, last = 0, -1
with engine.connect() as con:
    while True:
        rows = con.execute(select(VaultEntry.idx, VaultEntry.body).where(VaultEntry.idx > last)
                           .order_by(VaultEntry.idx).limit(2000)).all()
        for idx, body in rows:
            hashlib.sha256(b"\\x00" + body).digest()
        n += len(rows)
        if len(rows) < 2000:
            break
        last = rows[-1][0]
wall = time.perf_counter() - t0
"""

PROOFS = """
from onrecord.database.vault import VaultEntry
from onrecord.vault.service import Vault
vault = Vault.open({url!r}, store=store)
size = vault.latest_checkpoint().size
rng = random.Random(1)
proof, read = [], []
for _ in range({proofs}):
    i, old = rng.randrange(size), rng.randrange(1, size + 1)
    t0 = time.perf_counter()
    vault.prove(i, from_size=old)
    proof.append(time.perf_counter() - t0)
    t0 = time.perf_counter()
    with vault.readers() as s:
        s.get(VaultEntry, i)
    read.append(time.perf_counter() - t0)
wall = statistics.median(proof)
extra = {{"proof_ms_max": max(proof) * 1e3, "read_ms_median": statistics.median(read) * 1e3}}
"""

REPORT = """
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"wall": wall, "peak": peak, **globals().get("extra", {})}))
"""


def measure(code: str) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", code + REPORT], check=True, capture_output=True, text=True
    )
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def build(url: str, keys: Path, entries: int, items: int) -> None:
    """The log of ``entries`` entries with ``items`` ingests (see the module)."""
    sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests")]
    from memory_store import MemoryStore
    from onrecord.vault import setup
    from onrecord.vault.items import FileRole, IncomingFile, NewItem, Source
    from onrecord.vault.log import Action
    from onrecord.vault.service import Vault
    from vault_service_support import START, store_wired

    store = MemoryStore()
    with store_wired(store):
        setup.init_vault(url, store_location="memory:", origin="bench.example/vault", keys=keys)
    vault = Vault.open(url, store=store)
    views = (entries - 1 - items) // max(items, 1)
    made = 1
    for i in range(items):
        blob = store.put([b"bench clip %d" % i])
        file = IncomingFile(f"clip-{i}.mp4", "video/mp4", blob.sha256, blob.size, FileRole.CLIP)
        item = NewItem(Source.AXIS, f"{i % 500}", f"CAM-{i % 300}", START, START, (file,), f"r{i}")
        item_id = vault.ingest(item, actor="axis", address=None).item_id
        made += 1
        batch = views if i < items - 1 else entries - made
        with vault.writing() as log:
            for _ in range(batch):
                log.append(
                    Action.VIEW, actor="sgt.ruiz", item=item_id, details={}, source="10.1.2.3"
                )
            made += batch
            log.checkpoint(vault.signer())
        if i % 500 == 0:
            print(f"  built {made:,} entries", file=sys.stderr, flush=True)
    vault.engine.dispose()


def run(url: str, args: argparse.Namespace) -> dict[str, object]:
    setup = SETUP.format(src=str(ROOT / "src"), tests=str(ROOT / "tests"), items=args.items)
    verify = measure(setup + VERIFY.format(url=url))
    floor = measure(setup + FLOOR.format(url=url))
    proofs = measure(setup + PROOFS.format(url=url, proofs=args.proofs))
    return {
        "floor_read_and_hash_s": round(floor["wall"], 2),
        "floor_peak_mb": round(floor["peak"] / 1e6),
        "verify_s": round(verify["wall"], 2),
        "verify_ratio_to_floor": round(verify["wall"] / floor["wall"], 2),
        "verify_peak_mb": round(verify["peak"] / 1e6),
        "proof_ms_median": round(proofs["wall"] * 1e3, 2),
        "proof_ms_max": round(proofs["proof_ms_max"], 2),
        "floor_read_one_entry_ms_median": round(proofs["read_ms_median"], 3),
        "proof_ratio_to_floor": round(proofs["wall"] * 1e3 / proofs["read_ms_median"], 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--proofs", type=int, default=1000)
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL as well as SQLite")
    args = parser.parse_args()
    folder = OUT / f"vault-log-{args.entries}-{args.items}"
    database = folder / "vault.db"
    url = f"sqlite:///{database}"
    if not database.exists():
        folder.mkdir(parents=True, exist_ok=True)
        print(f"building {url} (once)", file=sys.stderr)
        build(url, folder / "keys", args.entries, args.items)
    results: dict[str, object] = {"entries": args.entries, "items": args.items}
    results["sqlite"] = {**run(url, args), "database_mb": round(database.stat().st_size / 1e6)}
    if args.postgres:
        sys.path.insert(0, str(ROOT / "tests"))
        from postgres_server import postgres

        with postgres() as server:
            pg = server.new_database()
            print("building on PostgreSQL", file=sys.stderr)
            build(pg, Path(tempfile.mkdtemp()) / "keys", args.entries, args.items)
            results["postgresql"] = run(pg, args)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
