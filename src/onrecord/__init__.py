"""OnRecord: body-worn camera program audit, fleet planning and transparency."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from onrecord.package.loader import Package, load
    from onrecord.package.problems import StructuralError

__all__ = ["Package", "StructuralError", "__version__", "load"]


def __getattr__(name: str) -> Any:
    """``Package``, ``load`` and ``StructuralError`` imported on first use, not with every
    ``onrecord`` module: the package loader brings DuckDB and Arrow, which a redaction never
    needs."""
    if name in ("Package", "load"):
        from onrecord.package import loader

        return getattr(loader, name)
    if name == "StructuralError":
        from onrecord.package.problems import StructuralError

        return StructuralError
    raise AttributeError(f"module 'onrecord' has no attribute {name!r}")
