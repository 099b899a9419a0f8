"""The layers of ``src/onrecord`` and the imports between them.

    python scripts/layers.py          # every import from one top-level part to another, counted
    python scripts/layers.py --check  # exit 1 naming each import that goes sideways or upwards

A part is a package or module directly under ``src/onrecord``. Each imports only parts of a lower
layer (``LAYERS``, lowest first); the root ``onrecord/__init__.py`` is the library's front door
and may import anything. The listing reads the source with ``ast``, so it runs nothing.
"""

from __future__ import annotations

import argparse
import ast
import sys
from collections import Counter
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src" / "onrecord"

LAYERS: tuple[tuple[str, ...], ...] = (
    ("strict_yaml", "battery", "output"),  # small pieces with no OnRecord imports
    ("package",),  # the data package: contract, reader, checker
    ("policy",),  # policies as code (reads the package's vocabularies)
    ("presentation", "database"),  # what pages look like; the operational database's tables
    ("audit", "plan", "importers", "demo", "redaction"),  # capabilities: over a package; clips
    ("fleet", "vault"),  # the camera fleet in service; the evidence vault and its custody log
    ("release",),  # records requests, their redaction jobs and releases (over the vault)
    ("web",),  # the console and public dashboard
    ("cli",),  # the `onrecord` command
)
RANK = {part: rank for rank, parts in enumerate(LAYERS) for part in parts}


def part_of(path: Path) -> str | None:
    """The top-level part a source file belongs to (``None`` for the root ``__init__``)."""
    rel = path.relative_to(SRC)
    if rel.parts == ("__init__.py",):
        return None
    return rel.parts[0].removesuffix(".py")


def imported_parts(path: Path) -> list[str]:
    """The top-level parts ``path`` imports (``onrecord`` alone is the root)."""
    out: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
            if node.module == "onrecord":
                names = [f"onrecord.{a.name}" for a in node.names]
        for name in names:
            bits = name.split(".")
            if bits[0] == "onrecord":
                out.append(bits[1] if len(bits) > 1 else "onrecord")
    return out


def edges() -> Counter[tuple[str, str]]:
    """(importer, imported) -> number of files with such an import, across parts."""
    found: Counter[tuple[str, str]] = Counter()
    for path in sorted(SRC.rglob("*.py")):
        src = part_of(path)
        if src is None:
            continue
        for dst in set(imported_parts(path)) - {src}:
            found[(src, dst)] += 1
    return found


def wrong_way(found: Counter[tuple[str, str]]) -> list[str]:
    """Each import that does not go down a layer, as a sentence."""
    problems = []
    for (src, dst), n in sorted(found.items()):
        if dst == "onrecord":
            continue  # the root's __version__ and load()
        if src not in RANK or dst not in RANK:
            unplaced = " and ".join(p for p in (src, dst) if p not in RANK)
            problems.append(f"{src} -> {dst}: {unplaced} is in no layer (add it to LAYERS)")
        elif RANK[dst] >= RANK[src]:
            how = "sideways" if RANK[dst] == RANK[src] else "upwards"
            problems.append(f"{src} -> {dst}: imports {how} ({n} file{'s' * (n != 1)})")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="fail on sideways or upward imports")
    args = parser.parse_args()
    found = edges()
    for (src, dst), n in sorted(found.items(), key=lambda e: (RANK.get(e[0][0], 99), e[0])):
        print(f"{src:>13} -> {dst:<13} {n:>3} file{'s' * (n != 1)}")
    problems = wrong_way(found)
    if args.check:
        for p in problems:
            print(f"layers: {p}", file=sys.stderr)
        return 1 if problems else 0
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
