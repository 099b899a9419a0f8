"""``summary.json``, as every command that writes one (the audit, the plan) lays it out.

Readable by a person in a text editor and by any JSON parser; long lists (the per-officer rates)
one item per line so that a 24,000-officer summary stays quick to write.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

# Lists longer than this are written one item per line (the per-officer rates: 27,000 items at
# 24,000 officers), which reads as well and writes four times faster than indenting every key.
LONG_LIST = 100


def write_summary(summary: dict[str, Any], out: Path) -> Path:
    """Write ``summary`` as ``out/summary.json`` and return the path."""
    path = out / "summary.json"
    path.write_text(_json(summary) + "\n", encoding="utf-8")
    return path


def _json(x: Any, depth: int = 0) -> str:
    """``x`` as JSON indented by two spaces a level, but the items of long lists compact."""
    pad, inner = "  " * depth, "  " * (depth + 1)
    if isinstance(x, dict) and x:
        items = (f"{inner}{json.dumps(str(k))}: {_json(v, depth + 1)}" for k, v in x.items())
        return "{\n" + ",\n".join(items) + f"\n{pad}}}"
    if isinstance(x, list) and len(x) > LONG_LIST:
        items = (inner + json.dumps(v, default=str) for v in x)
        return "[\n" + ",\n".join(items) + f"\n{pad}]"
    if isinstance(x, list) and x:
        return "[\n" + ",\n".join(inner + _json(v, depth + 1) for v in x) + f"\n{pad}]"
    return json.dumps(x, default=str)
