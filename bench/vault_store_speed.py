"""Benchmark: the vault's blob stores storing and reading back a large file, against floors
measured in the same run on the same disk and the same object store.

    .venv/bin/python bench/vault_store_speed.py [--size-mb 1024] [--repeats 3] [--skip-s3]

Each side runs in a fresh process (``bench/measure.py``), alternated, median of the repeats.

- **Local put**: the local store takes the file in 1 MiB pieces (SHA-256, AES-256-GCM, write,
  fsync, rename, header). Floors: ``sha256sum`` then ``cp`` of the same file on the same disk, then
  ``sync`` of the copy (the store makes every blob durable before it says it is stored, so the
  floor does too); and the same with ``openssl dgst -sha256`` instead of ``sha256sum``, a stricter
  floor where coreutils' SHA-256 does not use the processor's SHA instructions and OpenSSL's
  (which the store uses) does.
- **Local read**: the whole blob read back through the store (decrypting every chunk) and hashed,
  as ``verify`` does. Floors: ``sha256sum`` and ``openssl dgst -sha256`` of the plain file.
- **S3 put**: the S3 store, to a throwaway SeaweedFS server (``tests/s3_server.py``) on loopback.
  Floor: a plain boto3 ``upload_file`` of the same file to the same server (boto3's transfer
  manager: 8 MiB parts, 10 threads).
- **S3 read**: the whole blob read back and hashed. Floor: a plain boto3 ``get_object`` of the
  uploaded file, hashed.

The file is random bytes in ``bench/out/vault/`` (made once per size). Times start once each
process has imported its libraries and connected; peak memory is the process's high-water mark
of resident memory (``VmHWM``), and its growth is that peak less the memory in use just before
the work (the imports: ``import onrecord`` brings NumPy, pyarrow and DuckDB, about 100 MB).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from statistics import median

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parents[1] / "tests"))
from measure import PRELUDE, Run
from onrecord.vault.keyring import KeyRing
from s3_server import ACCESS_KEY, SECRET_KEY, SeaweedServer, seaweedfs

OUT = Path(__file__).parent / "out" / "vault"

# As measure.run, with two differences. Peak memory is VmHWM, the process's own high-water mark:
# ru_maxrss carries over an exec from the parent's memory (this script's, with OnRecord and boto3
# imported), so it said 110 MB for a `cat`. And each piece of code restarts the clock (``t0``)
# and notes its memory (``base``) once it has imported and connected, so that the figures are of
# the work a running server does per file, not of starting Python.
HWM = """
def hwm():
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) * 1024 for line in f if line.startswith("VmHWM:"))
base = 0
"""
EPILOGUE = """
wall = time.perf_counter() - t0
print(json.dumps({"wall": wall, "peak": hwm(), "base": base}))
"""


@dataclass
class Measured(Run):
    base: int = 0  # bytes in use once set up, before the work


def run(code: str) -> Measured:
    out = subprocess.run(
        [sys.executable, "-c", PRELUDE + HWM + code + EPILOGUE],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    doc = json.loads(out.stdout.strip().splitlines()[-1])
    return Measured(doc["wall"], doc["peak"], base=doc["base"])


READ_FILE = """
def pieces(path):
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            yield chunk
"""

STORE_PUT = (
    READ_FILE
    + """
from pathlib import Path
from onrecord.vault.keyring import KeyRing
from onrecord.vault.stores import open_store
store = open_store({location!r}, KeyRing.load(Path({keys!r})), endpoint_url={endpoint!r})
t0, base = time.perf_counter(), hwm()
blob = store.put(pieces({source!r}))
assert blob.size == {size}
"""
)

STORE_READ = """
import hashlib
from pathlib import Path
from onrecord.vault.keyring import KeyRing
from onrecord.vault.stores import open_store
store = open_store({location!r}, KeyRing.load(Path({keys!r})), endpoint_url={endpoint!r})
t0, base = time.perf_counter(), hwm()
digest = hashlib.sha256()
for piece in store.read({sha!r}):
    digest.update(piece)
assert digest.hexdigest() == {sha!r}
"""

SHELL = """
import subprocess
t0 = time.perf_counter()
subprocess.run(["sh", "-c", {command!r}], check=True, stdout=subprocess.DEVNULL)
"""

BOTO = """
import boto3, hashlib
from botocore.config import Config
client = boto3.session.Session().client(
    "s3", endpoint_url={endpoint!r}, config=Config(s3={{"addressing_style": "path"}})
)
t0, base = time.perf_counter(), hwm()
"""
BOTO_PUT = BOTO + "client.upload_file({source!r}, {bucket!r}, {key!r})\n"
BOTO_READ = (
    BOTO
    + """
body = client.get_object(Bucket={bucket!r}, Key={key!r})["Body"]
digest = hashlib.sha256()
while piece := body.read(1 << 20):
    digest.update(piece)
assert digest.hexdigest() == {sha!r}
"""
)


def source_file(size_mb: int) -> tuple[Path, str]:
    """``size_mb`` MiB of random bytes (made once) and their SHA-256."""
    import hashlib

    path = OUT / f"source-{size_mb}mb.bin"
    if not path.exists() or path.stat().st_size != size_mb << 20:
        OUT.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as f:
            for _ in range(size_mb):
                f.write(os.urandom(1 << 20))
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return path, digest.hexdigest()


def figures(
    floors: dict[str, list[Measured]],
    subject: list[Measured],
    size_mb: int,
    floor_memory: bool = False,
) -> dict[str, object]:
    """Medians of the subject and of each floor, and the subject's time as a ratio to each
    floor's in the same repeat; with ``floor_memory``, the floor's memory too (a Python floor's;
    a shell floor's would be that of the wrapper, not of the command)."""
    mb = size_mb * 1.048576
    out: dict[str, object] = {
        "subject_s": round(median(r.wall for r in subject), 2),
        "subject_MB_per_s": round(mb / median(r.wall for r in subject)),
        "subject_peak_rss_mb": round(max(r.peak for r in subject) / 2**20),
        "subject_growth_mb": round(max(r.peak - r.base for r in subject) / 2**20),
    }
    for name, floor in floors.items():
        ratios = [s.wall / f.wall for f, s in zip(floor, subject, strict=True)]
        entry: dict[str, object] = {
            "floor_s": round(median(r.wall for r in floor), 2),
            "floor_MB_per_s": round(mb / median(r.wall for r in floor)),
            "ratio_median": round(median(ratios), 2),
            "ratio_range": [round(min(ratios), 2), round(max(ratios), 2)],
        }
        if floor_memory:
            entry["floor_peak_rss_mb"] = round(max(r.peak for r in floor) / 2**20)
            entry["floor_growth_mb"] = round(max(r.peak - r.base for r in floor) / 2**20)
        out[name] = entry
    return out


def local(source: Path, sha: str, keys: Path, size_mb: int, repeats: int) -> dict[str, object]:
    hashers = {"sha256sum": "sha256sum", "openssl": "openssl dgst -sha256"}
    put_floors: dict[str, list[Measured]] = {name: [] for name in hashers}
    read_floors: dict[str, list[Measured]] = {name: [] for name in hashers}
    put_subject, read_subject = [], []
    copy = OUT / "floor-copy.bin"
    for i in range(repeats):
        store = OUT / f"local-store-{i}"
        shutil.rmtree(store, ignore_errors=True)
        for name, hasher in hashers.items():
            command = f"{hasher} {source} && cp {source} {copy} && sync {copy}"
            put_floors[name].append(run(SHELL.format(command=command)))
            copy.unlink()
        put_subject.append(
            run(
                STORE_PUT.format(
                    location=str(store), keys=str(keys), endpoint=None, source=str(source),
                    size=size_mb << 20,
                )
            )
        )  # fmt: skip
        for name, hasher in hashers.items():
            read_floors[name].append(run(SHELL.format(command=f"{hasher} {source}")))
        read_subject.append(
            run(STORE_READ.format(location=str(store), keys=str(keys), endpoint=None, sha=sha))
        )
        shutil.rmtree(store)
    return {
        "put": figures(put_floors, put_subject, size_mb),
        "read": figures(read_floors, read_subject, size_mb),
    }


def s3(
    server: SeaweedServer, source: Path, sha: str, keys: Path, size_mb: int, repeats: int
) -> dict[str, object]:
    bucket = server.new_bucket()
    client = server.client()
    endpoint = server.endpoint_url
    put_floor, put_subject, read_floor, read_subject = [], [], [], []
    for i in range(repeats):
        key, location = f"floor/{i}", f"s3://{bucket}/bench-{i}"
        put_floor.append(
            run(BOTO_PUT.format(endpoint=endpoint, source=str(source), bucket=bucket, key=key))
        )
        put_subject.append(
            run(
                STORE_PUT.format(
                    location=location, keys=str(keys), endpoint=endpoint, source=str(source),
                    size=size_mb << 20,
                )
            )
        )  # fmt: skip
        read_floor.append(run(BOTO_READ.format(endpoint=endpoint, bucket=bucket, key=key, sha=sha)))
        read_subject.append(
            run(STORE_READ.format(location=location, keys=str(keys), endpoint=endpoint, sha=sha))
        )
        client.delete_object(Bucket=bucket, Key=key)
        for item in client.list_objects_v2(Bucket=bucket, Prefix=f"bench-{i}/").get("Contents", []):
            client.delete_object(Bucket=bucket, Key=item["Key"])
    return {
        "put": figures({"boto3": put_floor}, put_subject, size_mb, floor_memory=True),
        "read": figures({"boto3": read_floor}, read_subject, size_mb, floor_memory=True),
    }


def machine() -> dict[str, object]:
    import cryptography
    from cryptography.hazmat.backends.openssl.backend import backend

    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    return {
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "memory_gib": round(memory / 2**30),
        "python": platform.python_version(),
        "cryptography": cryptography.__version__,
        "openssl": backend.openssl_version_text(),
        "disk": subprocess.run(
            ["df", "-h", "--output=source,fstype,size", str(OUT)], capture_output=True, text=True
        ).stdout.split("\n")[1],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=1024, help="file size in MiB")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--skip-s3", action="store_true", help="the local store only")
    args = parser.parse_args()
    source, sha = source_file(args.size_mb)
    keys = OUT / "keys"
    if not keys.exists():
        KeyRing.create(keys)
    result: dict[str, object] = {"size_mib": args.size_mb, "repeats": args.repeats}
    result["local"] = local(source, sha, keys, args.size_mb, args.repeats)
    if not args.skip_s3:
        os.environ |= {"AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY}
        with seaweedfs(volume_size_mb=1024) as server:
            result["s3"] = s3(server, source, sha, keys, args.size_mb, args.repeats)
    result["machine"] = machine()
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
