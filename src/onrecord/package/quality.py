"""What a results file says about the data it stands on: rows read, kept and excluded per table,
and the check's problems grouped by kind (``Package.data_quality``)."""

from __future__ import annotations

from pydantic import Field
from pydantic.json_schema import SkipJsonSchema

from onrecord.output import Part, absent_by_default


class TableQuality(Part):
    """One table of the package as it was read."""

    table: str
    file: str
    """The file the table was read from."""
    rows_read: int
    rows_kept: int
    rows_excluded: int
    excluded: dict[str, int]
    """Rows excluded, by the code of the problem that excluded them."""


class ProblemGroupCount(Part):
    """Problems of one severity, code, table and column, counted."""

    severity: str
    """``row`` (the row was excluded) or ``finding`` (noted; the data is unchanged)."""
    code: str
    table: str | None
    column: str | None
    count: int | None
    """Problems in the group (null only in public editions written before they were published
    whole)."""
    example: str | SkipJsonSchema[None] = Field(default=None, json_schema_extra=absent_by_default)
    """The first problem, where it is (file, line, column) and what it says. A public edition
    leaves it out: it names a file line, often an officer."""


class DataQuality(Part):
    """Rows read, kept and excluded per table, with the problems found while reading."""

    tables: list[TableQuality]
    row_errors: int
    """Problems that excluded their row."""
    findings: int
    """Problems noted for an auditor to weigh, which change nothing in the data."""
    groups: list[ProblemGroupCount]

    @property
    def rows_read(self) -> int:
        return sum(t.rows_read for t in self.tables)

    @property
    def rows_excluded(self) -> int:
        return sum(t.rows_excluded for t in self.tables)

    def without_examples(self) -> DataQuality:
        """The same counts without the groups' examples (they name a file line, often an
        officer): for readers who may see aggregates only."""
        if all(g.example is None for g in self.groups):
            return self
        groups = [ProblemGroupCount(**g.model_dump(exclude={"example"})) for g in self.groups]
        return self.model_copy(update={"groups": groups})
