"""The one exception an import raises: where (mapping key, source file, row) and what to do."""

from __future__ import annotations


class ImporterError(Exception):
    """A mapping or source problem that stops an import before any package table is written.

    The CLI prints ``str(error)`` and exits with status 2, so the message is written for the person
    who maintains the mapping: location first, then the problem, then the fix.
    """

    def __init__(
        self,
        problem: str,
        *,
        key: str | None = None,
        file: str | None = None,
        row: int | None = None,
        hint: str | None = None,
    ) -> None:
        self.problem = problem
        self.key = key
        self.file = file
        self.row = row
        self.hint = hint
        super().__init__(self.message)

    @property
    def message(self) -> str:
        where = []
        if self.key:
            where.append(f"mapping key {self.key}")
        if self.file:
            row = "" if self.row is None else f" {row_label(self.file)} {self.row}"
            where.append(f"{self.file}{row}")
        text = f"{', '.join(where)}: {self.problem}" if where else self.problem
        return f"{text}. {self.hint}" if self.hint else text


def row_label(file: str) -> str:
    """CSV rows are counted as file lines (header = line 1), spreadsheet rows by row number."""
    return "line" if file.lower().endswith((".csv", ".txt")) else "row"
