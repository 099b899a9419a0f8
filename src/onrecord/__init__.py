"""OnRecord: body-worn camera program audit, fleet planning and transparency."""

__version__ = "0.1.0"

from onrecord.package.loader import Package, load
from onrecord.package.problems import StructuralError

__all__ = ["Package", "StructuralError", "__version__", "load"]
