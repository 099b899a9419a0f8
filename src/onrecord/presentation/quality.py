"""The data-quality section: rows read, kept and excluded per table, and the check's findings."""

from __future__ import annotations

from onrecord.package.problems import DESCRIPTION, Code
from onrecord.package.quality import DataQuality
from onrecord.presentation import cells
from onrecord.presentation.view import Table


def _reasons(excluded: dict[str, int]) -> str:
    return "; ".join(f"{_problem(code)}: {n:,}" for code, n in excluded.items()) or "none"


def _problem(code: str) -> str:
    try:
        return DESCRIPTION[Code(code)]
    except ValueError:
        return cells.label(code)


def load_table(quality: DataQuality) -> Table:
    return Table(
        columns=["Table", "File", "Rows read", "Rows kept", "Rows excluded", "Why excluded"],
        rows=[
            [
                cells.text(t.table),
                cells.text(t.file or "—"),
                cells.count(t.rows_read),
                cells.count(t.rows_kept),
                cells.count(t.rows_excluded),
                cells.text(_reasons(t.excluded)),
            ]
            for t in quality.tables
        ],
        caption="Rows read, kept and excluded, per table",
    )


def group_table(quality: DataQuality, public: bool) -> Table:
    columns = ["Kind", "Problem", "Where", "Count"]
    if not public:
        columns.append("First example")
    rows = []
    for g in quality.groups:
        where = ".".join(p for p in (g.table, g.column) if p) or "package"
        row = [
            cells.text("row excluded" if g.severity == "row" else g.severity),
            cells.text(_problem(g.code)),
            cells.text(where),
            cells.count(g.count),
        ]
        if not public:
            row.append(cells.text(g.example or ""))
        rows.append(row)
    return Table(columns, rows, caption="Problems found while reading the package, by kind")


def quality_sentence(quality: DataQuality) -> str:
    return (
        f"{quality.rows_read:,} rows were read from {len(quality.tables)} tables; "
        f"{quality.rows_excluded:,} were excluded as unusable. "
        f"{quality.findings:,} findings were noted: facts an "
        "auditor should weigh, which change nothing in the data."
    )
