"""Small hand-made packages from CSV text: the writer behind the ``write_package`` fixture
(``conftest.py``), and its type for the tests' annotations."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

MINIMAL_RECORDINGS = "recording_id,officer_id,start,end\n"

WritePackage = Callable[..., Path]


def package_writer(tmp_path: Path) -> WritePackage:
    """Write tables given as CSV text (dedented) into a package folder and return it.

    A ``recordings`` table with only a header is added unless one is given, since every
    package needs it.
    """

    def write(timezone: str | None = "America/New_York", **tables: str) -> Path:
        root = tmp_path / "pkg"
        root.mkdir(exist_ok=True)
        if timezone:
            (root / "department.yaml").write_text(f"name: Test PD\ntimezone: {timezone}\n")
        tables.setdefault("recordings", MINIMAL_RECORDINGS)
        for name, text in tables.items():
            (root / f"{name}.csv").write_text(textwrap.dedent(text).lstrip("\n"))
        return root

    return write
