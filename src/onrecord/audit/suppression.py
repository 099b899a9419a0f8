"""Complementary (secondary) suppression: which cells of the public editions to withhold so that
no count from 1 to 4 can be worked out from the ones published.

A count withheld alone is often recovered by subtraction: a breakdown's rows add up to the
overall row, a row's outcomes add up to its encounters, both policies' editions count the same
shifts. So, as statistical agencies do, more cells are withheld with it. The cells of every
edition given (the same package under one or more policies) are the unknowns of the linear
equations anyone who reads the method knows (:class:`Table`):

- each breakdown (kind of shift, station, unit, encounter type, month) adds up to the overall
  row, measure by measure (every count is additive: each shift and encounter is in one row);
- within a row, ``shifts`` is the sum of the four equipment results and ``required_shifts`` of
  the three that are not ``not_required``; ``encounters`` is the sum of the seven outcomes and
  ``required_encounters`` of the six that are not ``not_required``; the compliance rate's
  numerator is ``outcome_compliant + outcome_excused``; and a flag equals its outcome where it
  does in the data (late start, unexcused gap, excused);
- ``shifts`` and ``encounters`` are the same, row by row, under every policy.

A withheld count from 1 to 4 (a primary cell) is *determined* when those equations, with the
published cells known, leave it one value: exactly when every solution of the homogeneous system
over the withheld cells is zero at it. While one is, published cells are withheld with it
(secondary cells), smallest first, each chosen because it frees that cell. The withheld cells
that are zero are held fixed in the check (an attacker may guess them), so every cell left free
is positive and can move both ways along a solution: the bounds an attacker computes by linear
programming, counts non-negative, leave each withheld count more than one value.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence

import numpy as np

from onrecord.audit.models import AuditSummary, Measures

MIN_CELL = 5
"""Counts below this (and above 0) are withheld."""

EQUIPMENT = ("equipped", "unequipped", "untrained", "not_required")
OUTCOMES = ("not_required", "no_video", "late_start", "early_stop", "gap", "excused", "compliant")
FLAG_OUTCOME = {"late_start": "late_start", "unexcused_gap": "gap", "excused": "excused"}
COMPLIANCE = "compliance_rate.numerator"
"""The compliance rate's numerator, a count published only by the rate."""
COUNTS = (
    "shifts",
    "required_shifts",
    *(f"equipment_{e}" for e in EQUIPMENT),
    "recorded_shifts",
    "encounters",
    "required_encounters",
    *(f"outcome_{o}" for o in OUTCOMES),
    *(f"flag_{f}" for f in ("late_start", "early_stop", "unexcused_gap", "excused")),
    COMPLIANCE,
)
SAME_UNDER_EVERY_POLICY = ("shifts", "encounters")
DIMENSIONS = ("shift_kind", "station", "unit", "encounter_type", "month")

Cell = tuple[int, str, int, str]
"""(edition, dimension ("" for the overall row), row index, measure)."""


class SuppressionError(RuntimeError):
    """A withheld count stays determined whatever else is withheld: nothing may be published."""


def small(value: object) -> bool:
    """A count from 1 to ``MIN_CELL - 1``: a primary cell."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < MIN_CELL


def _counts(row: Measures) -> dict[str, int]:
    """The row's published counts by measure (the compliance numerator from its rate)."""
    out: dict[str, int] = {}
    for m in COUNTS:
        if m == COMPLIANCE:
            if row.has("compliance_rate"):
                n = row.compliance_rate.numerator
                if isinstance(n, int):
                    out[m] = n
        elif row.has(m):
            v = getattr(row, m)
            if isinstance(v, int):
                out[m] = v
    return out


class Table:
    """The counts of the editions and the equations that tie them."""

    def __init__(self, summaries: Sequence[AuditSummary]) -> None:
        self.values: dict[Cell, int] = {}
        self.equations: list[tuple[Cell, ...]] = []
        """Each equation as its cells: the first is the sum of the others."""
        keys: dict[tuple[str, str | None], list[tuple[int, int]]] = {}
        for e, s in enumerate(summaries):
            overall = _counts(s.rates.overall)
            rows: list[tuple[str, int, dict[str, int]]] = [("", 0, overall)]
            for dim in DIMENSIONS:
                if dim not in s.rates.by.model_fields_set:
                    continue
                found = getattr(s.rates.by, dim)
                parts = [_counts(r) for r in found]
                for i, (r, c) in enumerate(zip(found, parts, strict=True)):
                    rows.append((dim, i, c))
                    keys.setdefault((dim, r.key), []).append((e, i))
                for m in overall:
                    addends = tuple((e, dim, i, m) for i, c in enumerate(parts) if m in c)
                    if addends:  # encounter types have no shift measures
                        self.equations.append(((e, "", 0, m), *addends))
            keys.setdefault(("", None), []).append((e, 0))
            for dim, i, c in rows:
                for m, v in c.items():
                    self.values[(e, dim, i, m)] = v
                self._row_equations(e, dim, i, c)
        for (dim, _), found in keys.items():
            for (e0, i0), (e1, i1) in itertools.pairwise(found):
                for m in SAME_UNDER_EVERY_POLICY:
                    a, b = (e0, dim, i0, m), (e1, dim, i1, m)
                    if a in self.values and b in self.values:
                        self.equations.append((a, b))
        self.by_cell: dict[Cell, list[int]] = {}
        for n, eq in enumerate(self.equations):
            for cell in eq:
                self.by_cell.setdefault(cell, []).append(n)
        # cells equal by an equation of two: withheld together or not at all
        self.equal: dict[Cell, set[Cell]] = {}
        for a, b in (eq for eq in self.equations if len(eq) == 2):
            group = self.equal.get(a, {a}) | self.equal.get(b, {b})
            for member in group:
                self.equal[member] = group

    def _row_equations(self, e: int, dim: str, i: int, c: dict[str, int]) -> None:
        def add(total: str, parts: Iterable[str]) -> None:
            names = [p for p in parts if p in c]
            if total in c and names:
                self.equations.append(((e, dim, i, total), *((e, dim, i, p) for p in names)))

        add("shifts", [f"equipment_{x}" for x in EQUIPMENT])
        add("required_shifts", [f"equipment_{x}" for x in EQUIPMENT[:3]])
        add("encounters", [f"outcome_{x}" for x in OUTCOMES])
        add("required_encounters", [f"outcome_{x}" for x in OUTCOMES[1:]])
        add(COMPLIANCE, ["outcome_compliant", "outcome_excused"])
        for f, o in FLAG_OUTCOME.items():
            if c.get(f"flag_{f}") == c.get(f"outcome_{o}"):
                add(f"flag_{f}", [f"outcome_{o}"])

    def closed(self, cells: Iterable[Cell]) -> set[Cell]:
        """``cells`` with what is withheld with them: the cells equal to one, and a compliance
        rate's numerator with its denominator (the rate publishes both or neither)."""
        out: set[Cell] = set()
        for cell in cells:
            out |= self.equal.get(cell, {cell})
        for e, dim, i, m in list(out):
            if m == "required_encounters" and (e, dim, i, COMPLIANCE) in self.values:
                out |= self.equal.get((e, dim, i, COMPLIANCE), {(e, dim, i, COMPLIANCE)})
        return out

    def _component(self, cell: Cell, free: set[Cell]) -> tuple[list[Cell], list[int]]:
        """The free cells linked to ``cell`` through equations, and those equations."""
        cells, equations, todo = {cell}, set(), [cell]
        while todo:
            for n in self.by_cell.get(todo.pop(), []):
                if n in equations:
                    continue
                equations.add(n)
                for other in self.equations[n]:
                    if other in free and other not in cells:
                        cells.add(other)
                        todo.append(other)
        return sorted(cells), sorted(equations)

    def _pinned(self, cells: list[Cell], equations: list[int]) -> set[Cell]:
        """Which of ``cells`` (one component) the equations leave a single value."""
        if not equations:
            return set()
        column = {c: j for j, c in enumerate(cells)}
        a = np.zeros((len(equations), len(cells)))
        for r, n in enumerate(equations):
            total, *addends = self.equations[n]
            for cell, coef in ((total, 1.0), *((x, -1.0) for x in addends)):
                if cell in column:
                    a[r, column[cell]] += coef
        _, s, vt = np.linalg.svd(a)
        rank = int((s > 1e-9 * max(1.0, float(s[0]))).sum()) if len(s) else 0
        null = vt[rank:]
        if not len(null):
            return set(cells)
        moves = np.abs(null).sum(axis=0)
        return {c for c, m in zip(cells, moves, strict=True) if m < 1e-9}

    def determined(self, withheld: set[Cell]) -> list[Cell]:
        """The withheld counts from 1 to 4 that the equations determine, in a fixed order."""
        free = {c for c in withheld if self.values[c] > 0}
        out: list[Cell] = []
        seen: set[Cell] = set()
        for cell in sorted(c for c in free if small(self.values[c])):
            if cell in seen:
                continue
            cells, equations = self._component(cell, free)
            seen.update(cells)
            pinned = self._pinned(cells, equations)
            out += [c for c in cells if c in pinned and small(self.values[c])]
        return sorted(out)

    def protection(self, cell: Cell, withheld: set[Cell]) -> set[Cell]:
        """The published cells whose withholding frees ``cell``, least in total count.

        A linear program finds a movement ``x`` of the counts that keeps every equation
        (``A x = 0``), moves ``cell`` (``x[cell] = 1``), moves no zero, and moves published cells
        as little as possible, weighted by their counts; the cells it moves are the ones to
        withhold. (The protection problem of cell suppression, solved one cell at a time.)

        SciPy is imported here, not with the module: only this step needs it, and importing it
        was a fifth of every ``onrecord`` command's start-up (``check``, ``vault``, ``redact``…)."""
        from scipy import optimize, sparse

        index = {c: j for j, c in enumerate(self.values)}
        n = len(index)
        rows, cols, data = [], [], []
        for r, (total, *addends) in enumerate(self.equations):
            for c, coef in ((total, 1.0), *((x, -1.0) for x in addends)):
                rows.append(r)
                cols.append(index[c])
                data.append(coef)
        a = sparse.csr_matrix((data, (rows, cols)), shape=(len(self.equations), n))
        pick = sparse.csr_matrix(([1.0], ([0], [index[cell]])), shape=(1, n))
        both = sparse.vstack([sparse.hstack([a, -a]), sparse.hstack([pick, -pick])])
        b = np.zeros(len(self.equations) + 1)
        b[-1] = 1.0
        weight = np.array([0.0 if c in withheld else float(v) for c, v in self.values.items()])
        zero = [(0.0, 0.0) if v == 0 else (0.0, None) for v in self.values.values()]
        result = optimize.linprog(
            np.concatenate([weight, weight]),
            A_eq=both.tocsc(),
            b_eq=b,
            bounds=zero + zero,
            method="highs",
        )
        if result.status != 0:
            raise SuppressionError(f"{cell} cannot be protected: {result.message}")
        x = result.x[:n] - result.x[n:]
        return {c for c, j in index.items() if abs(x[j]) > 1e-9 and c not in withheld}


def withheld_cells(summaries: Sequence[AuditSummary]) -> set[Cell]:
    """Every cell of ``summaries`` (the same package under each policy) to withhold: the counts
    from 1 to 4 and the complementary cells that keep them from being worked out.

    While a withheld count is determined, the cells of its least protection are withheld with
    it; once freed a cell stays free (more unknowns never pin it), so this ends."""
    t = Table(summaries)
    withheld = t.closed(c for c, v in t.values.items() if small(v))
    while pinned := t.determined(withheld):
        extra = t.protection(pinned[0], withheld)
        if not extra:
            raise SuppressionError(f"{pinned[0]} stays determined with every related cell withheld")
        withheld = t.closed(withheld | extra)
    return withheld
