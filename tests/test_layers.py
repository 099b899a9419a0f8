"""Each part of ``src/onrecord`` imports only layers below it (``scripts/layers.py``)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "layers.py"


def test_every_import_goes_down_a_layer() -> None:
    run = subprocess.run(
        [sys.executable, str(SCRIPT), "--check"], capture_output=True, text=True, check=False
    )
    assert run.returncode == 0, run.stderr


def test_the_check_names_an_upward_import(tmp_path: Path) -> None:
    """The check can fail: a copy of the tree with the package importing the audit is refused."""
    src = tmp_path / "src" / "onrecord"
    (tmp_path / "scripts").mkdir()
    (tmp_path / "scripts" / "layers.py").write_text(SCRIPT.read_text())
    for part in ("package", "audit"):
        (src / part).mkdir(parents=True)
        (src / part / "__init__.py").write_text("")
    (src / "package" / "bad.py").write_text("from onrecord.audit import engine\n")
    run = subprocess.run(
        [sys.executable, str(tmp_path / "scripts" / "layers.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 1
    assert "package -> audit: imports upwards (1 file)" in run.stderr
