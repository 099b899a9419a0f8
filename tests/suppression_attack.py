"""An attacker of the public editions: from everything published (every cell, total, breakdown
and rate numerator of the editions of one package under each policy) and the identities the
method documents, the least and greatest value each withheld count can take (linear
programming, counts non-negative). Written from the published documents, independently of
``onrecord.audit.suppression``."""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import sparse
from scipy.optimize import linprog

EQUIPMENT = ("equipped", "unequipped", "untrained", "not_required")
OUTCOMES = ("not_required", "no_video", "late_start", "early_stop", "gap", "excused", "compliant")
FLAGS = ("late_start", "early_stop", "unexcused_gap", "excused")
COUNTS = (
    "shifts", "required_shifts", *(f"equipment_{e}" for e in EQUIPMENT), "recorded_shifts",
    "encounters", "required_encounters", *(f"outcome_{o}" for o in OUTCOMES),
    *(f"flag_{f}" for f in FLAGS), "compliance_numerator",
)  # fmt: skip
RATES = {
    "equipment_rate": ("equipment_equipped", "required_shifts"),
    "whole_shift_rate": ("recorded_shifts", "required_shifts"),
    "compliance_rate": ("compliance_numerator", "required_encounters"),
}
DIMS = ("shift_kind", "station", "unit", "encounter_type", "month")


def _rows(doc: dict[str, Any]) -> list[tuple[str, Any, dict[str, Any]]]:
    out = [("", None, doc["rates"]["overall"])]
    for dim in DIMS:
        out += [(dim, r["key"], r) for r in doc["rates"]["by"].get(dim, [])]
    return out


def bounds(
    public: list[dict[str, Any]], full: list[dict[str, Any]]
) -> list[tuple[str, int, float, float]]:
    """For each count the public editions withhold whose true value (from ``full``) is 1 to 4:
    its name, true value and the least and greatest value the published data allows."""
    var: dict[tuple[int, str, Any, str], int] = {}
    fixed: dict[int, float] = {}
    truth: dict[int, int] = {}
    eqs: list[dict[int, int]] = []

    def v(key: tuple[int, str, Any, str]) -> int:
        return var.setdefault(key, len(var))

    for e, (pub, tru) in enumerate(zip(public, full, strict=True)):
        true_rows = {(d, k): r for d, k, r in _rows(tru)}
        for dim, key, row in _rows(pub):
            tr = true_rows[(dim, key)]
            present = {m for m in COUNTS if m in row}
            if "compliance_rate" in row:
                present.add("compliance_numerator")
            for m in present:
                i = v((e, dim, key, m))
                truth[i] = (
                    tr["compliance_rate"]["numerator"] if m == "compliance_numerator" else tr[m]
                )
                if m != "compliance_numerator" and row[m] is not None:
                    fixed[i] = row[m]
            for rate, (num, den) in RATES.items():
                r = row.get(rate)
                if r and r["numerator"] is not None:
                    fixed[v((e, dim, key, num))] = r["numerator"]
                    fixed[v((e, dim, key, den))] = r["denominator"]

            def add(total: str, parts: list[str], e: int = e, dim: str = dim, key: Any = key,
                    present: set[str] = present) -> None:  # fmt: skip
                ps = [p for p in parts if p in present]
                if total in present and ps:
                    eqs.append(
                        {var[(e, dim, key, total)]: 1, **{var[(e, dim, key, p)]: -1 for p in ps}}
                    )

            add("shifts", [f"equipment_{x}" for x in EQUIPMENT])
            add("required_shifts", [f"equipment_{x}" for x in EQUIPMENT[:3]])
            add("encounters", [f"outcome_{x}" for x in OUTCOMES])
            add("required_encounters", [f"outcome_{x}" for x in OUTCOMES[1:]])
            add("compliance_numerator", ["outcome_compliant", "outcome_excused"])
            for f, o in (
                ("late_start", "late_start"),
                ("unexcused_gap", "gap"),
                ("excused", "excused"),
            ):
                if tr.get(f"flag_{f}") == tr.get(f"outcome_{o}"):  # the strongest attacker
                    add(f"flag_{f}", [f"outcome_{o}"])
        overall = {m for (e2, d, _, m) in var if e2 == e and d == ""}
        for dim in DIMS:
            if dim not in pub["rates"]["by"]:
                continue
            for m in overall:
                parts = [i for (e2, d, _, m2), i in var.items() if e2 == e and d == dim and m2 == m]
                if parts:  # encounter types have no shift measures
                    eqs.append({var[(e, "", None, m)]: 1, **{i: -1 for i in parts}})
    for (e, dim, key, m), i in var.items():  # the same shifts and encounters under each policy
        if e > 0 and m in ("shifts", "encounters") and (0, dim, key, m) in var:
            eqs.append({var[(0, dim, key, m)]: 1, i: -1})
    n = len(var)
    rows = [eq for eq in eqs]
    rows += [{i: 1} for i in fixed]
    entries = [(r, i, c) for r, eq in enumerate(rows) for i, c in eq.items()]
    r_, i_, c_ = zip(*entries, strict=True) if entries else ((), (), ())
    a = sparse.csr_matrix((c_, (r_, i_)), shape=(len(rows), n))
    b = np.zeros(len(rows))
    for r, i in enumerate(fixed, start=len(eqs)):
        b[r] = fixed[i]
    names = {i: k for k, i in var.items()}
    out = []
    for i in range(n):
        if i in fixed or not 0 < truth[i] < 5:
            continue
        c = np.zeros(n)
        c[i] = 1
        lo = linprog(c, A_eq=a, b_eq=b, bounds=(0, None), method="highs")
        hi = linprog(-c, A_eq=a, b_eq=b, bounds=(0, None), method="highs")
        assert lo.status == 0 and hi.status in (0, 3), "the published data is inconsistent"
        out.append((str(names[i]), truth[i], lo.fun, -hi.fun if hi.status == 0 else np.inf))
    return out


def recovered(public: list[dict[str, Any]], full: list[dict[str, Any]]) -> list[str]:
    """The withheld counts from 1 to 4 the attacker pins to one value."""
    return [f"{name} = {t}" for name, t, lo, hi in bounds(public, full) if hi - lo < 1e-6]
