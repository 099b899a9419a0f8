"""The data-quality section: rows read, kept and excluded per table, and the check's findings."""

from __future__ import annotations

from typing import Any

from onrecord.package.problems import DESCRIPTION, Code
from onrecord.presentation import cells
from onrecord.presentation.view import Table


def _reasons(excluded: dict[str, int]) -> str:
    return "; ".join(f"{_problem(code)}: {n:,}" for code, n in excluded.items()) or "none"


def _problem(code: str) -> str:
    try:
        return DESCRIPTION[Code(code)]
    except ValueError:
        return cells.label(code)


def load_table(quality: dict[str, Any]) -> Table:
    return Table(
        columns=["Table", "File", "Rows read", "Rows kept", "Rows excluded", "Why excluded"],
        rows=[
            [
                cells.text(t["table"]),
                cells.text(t.get("file") or "—"),
                cells.count(t["rows_read"]),
                cells.count(t["rows_kept"]),
                cells.count(t["rows_excluded"]),
                cells.text(_reasons(t.get("excluded") or {})),
            ]
            for t in quality["tables"]
        ],
        caption="Rows read, kept and excluded, per table",
    )


def group_table(quality: dict[str, Any], public: bool) -> Table:
    columns = ["Kind", "Problem", "Where", "Count"]
    if not public:
        columns.append("First example")
    rows = []
    for g in quality["groups"]:
        where = ".".join(p for p in (g.get("table"), g.get("column")) if p) or "package"
        row = [
            cells.text("row excluded" if g["severity"] == "row" else g["severity"]),
            cells.text(_problem(g["code"])),
            cells.text(where),
            cells.count(g["count"]),
        ]
        if not public:
            row.append(cells.text(g.get("example") or ""))
        rows.append(row)
    return Table(columns, rows, caption="Problems found while reading the package, by kind")


def quality_sentence(quality: dict[str, Any]) -> str:
    read = sum(t["rows_read"] for t in quality["tables"])
    excluded = sum(t["rows_excluded"] for t in quality["tables"])
    return (
        f"{read:,} rows were read from {len(quality['tables'])} tables; {excluded:,} were "
        f"excluded as unusable. {quality.get('findings', 0):,} findings were noted: facts an "
        "auditor should weigh, which change nothing in the data."
    )
