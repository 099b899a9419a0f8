"""A throwaway PostgreSQL server for tests and benchmarks: initdb in a temporary folder, a free
loopback port, stopped and deleted afterwards. Debian's PostgreSQL refuses to run as root, so as
root the server runs as the ``postgres`` user."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from itertools import count
from pathlib import Path

import psycopg

BIN = Path(os.environ.get("ONRECORD_PG_BIN", "/usr/lib/postgresql/15/bin"))
USER = "onrecord"


def _as_server_user(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PostgresServer:
    def __init__(self, root: Path, port: int) -> None:
        self.root, self.port = root, port
        self._names = count(1)

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://{USER}@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        """A new empty database; returns its SQLAlchemy URL."""
        name = f"t{os.getpid()}_{next(self._names)}"
        dsn = f"host=127.0.0.1 port={self.port} user={USER} dbname=postgres"
        with psycopg.connect(dsn, autocommit=True) as con:
            con.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


@contextmanager
def postgres(settings: dict[str, str] | None = None) -> Iterator[PostgresServer]:
    """Start a server (``settings`` are extra ``-c`` options), yield it, stop and delete it."""
    if not (BIN / "initdb").exists():
        raise RuntimeError(
            f"PostgreSQL is not installed ({BIN}/initdb is missing): "
            "scripts/install-debian-packages postgresql"
        )
    root = Path(tempfile.mkdtemp(prefix="onrecord-pg-"))
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    data, port = root / "data", free_port()
    opts = {
        "listen_addresses": "127.0.0.1",
        "unix_socket_directories": str(root),
        **(settings or {}),
    }
    try:
        subprocess.run(
            _as_server_user(
                [str(BIN / "initdb"), "-D", str(data), "-U", USER, "-A", "trust", "-N"]
            ),
            check=True,
            capture_output=True,
        )
        options = " ".join(f"-c {k}={v}" for k, v in opts.items())
        subprocess.run(
            _as_server_user(
                [str(BIN / "pg_ctl"), "-D", str(data), "-l", str(root / "log"), "-w",
                 "-o", f"-p {port} {options}", "start"]
            ),
            check=True,
            capture_output=True,
        )  # fmt: skip
        try:
            yield PostgresServer(root, port)
        finally:
            subprocess.run(
                _as_server_user(
                    [str(BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"]
                ),
                check=True,
                capture_output=True,
            )
    finally:
        shutil.rmtree(root, ignore_errors=True)
