"""The two file formats of a table: in a data package, and in the outputs written beside one.

One spelling for every reader, writer and ``--format`` option: a ``StrEnum``, so its members are
the words the command line accepts (``csv``, ``parquet``) and compare equal to them.
"""

from __future__ import annotations

from enum import StrEnum


class TableFormat(StrEnum):
    """A table file's format; its value is the file's suffix without the dot."""

    CSV = "csv"
    PARQUET = "parquet"

    @property
    def suffix(self) -> str:
        """``.csv`` or ``.parquet``."""
        return f".{self.value}"
