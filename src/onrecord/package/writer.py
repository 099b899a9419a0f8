"""Write a data package table by table, in batches, so producers stream in bounded memory.

Used by the demo generator and the importers. Values are Arrow arrays; timestamps should be
Arrow ``timestamp`` with a time zone (written as absolute ISO 8601) or preformatted strings.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from types import TracebackType

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import yaml

from onrecord.package.formats import TableFormat
from onrecord.package.schema import TABLES


class TableWriter:
    """Appends record batches to one table file; the schema is fixed by the first batch."""

    def __init__(self, path: Path, fmt: TableFormat) -> None:
        self.path = path
        self.fmt = TableFormat(fmt)
        self.rows = 0
        self._writer: pacsv.CSVWriter | pq.ParquetWriter | None = None

    def write(self, data: pa.RecordBatch | pa.Table | Mapping[str, object]) -> None:
        if isinstance(data, Mapping):
            data = pa.table(dict(data))
        if self._writer is None:
            if self.fmt is TableFormat.CSV:
                self._writer = pacsv.CSVWriter(self.path, data.schema)
            else:
                self._writer = pq.ParquetWriter(self.path, data.schema)
        if isinstance(data, pa.RecordBatch):
            data = pa.Table.from_batches([data])
        self._writer.write_table(data)
        self.rows += data.num_rows

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()


class PackageWriter:
    """A package folder being written, one :class:`TableWriter` per table.

    ``with PackageWriter(out) as w: w.table("shifts").write(batch)``
    """

    def __init__(self, root: Path | str, fmt: TableFormat = TableFormat.CSV) -> None:
        self.root = Path(root)
        self.fmt = TableFormat(fmt)
        self.root.mkdir(parents=True, exist_ok=True)
        self._tables: dict[str, TableWriter] = {}

    def department(self, name: str, timezone: str, policy: str | None = None) -> None:
        doc: dict[str, str] = {"name": name, "timezone": timezone}
        if policy:
            doc["policy"] = policy
        (self.root / "department.yaml").write_text(yaml.safe_dump(doc, sort_keys=False))

    def table(self, name: str) -> TableWriter:
        if name not in TABLES:
            raise ValueError(f"{name!r} is not a data package table (one of {', '.join(TABLES)})")
        if name not in self._tables:
            for stale in (self.root / f"{name}{f.suffix}" for f in TableFormat):
                stale.unlink(missing_ok=True)
            self._tables[name] = TableWriter(self.root / f"{name}{self.fmt.suffix}", self.fmt)
        return self._tables[name]

    def close(self) -> None:
        for t in self._tables.values():
            t.close()

    def __enter__(self) -> PackageWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
