"""``summary.json``: what was audited, under which policy, what was excluded, and every rate.

The summary is the single source for the console table, the HTML report and (later) the public
dashboard, so all of them show the same numbers.
"""

from __future__ import annotations

from typing import Any

import onrecord
from onrecord.audit import rates
from onrecord.package.loader import Package
from onrecord.package.problems import Severity
from onrecord.package.values import sql_str
from onrecord.policy import Policy


def _period(pkg: Package) -> dict[str, str | None]:
    tz = sql_str(pkg.department.timezone)
    parts = [
        f"SELECT min(start) AS lo, max(start) AS hi FROM {t}"
        for t in ("audit_shifts", "audit_encounters")
    ]
    row = pkg.con.execute(
        f"""SELECT CAST(timezone({tz}, min(lo)) AS DATE), CAST(timezone({tz}, max(hi)) AS DATE)
            FROM ({" UNION ALL ".join(parts)})"""
    ).fetchone()
    lo, hi = row if row else (None, None)
    return {"from": str(lo) if lo else None, "to": str(hi) if hi else None}


def policy_doc(policy: Policy) -> dict[str, Any]:
    return {
        "id": policy.id,
        "title": policy.title,
        "origin": policy.origin,
        "source": policy.source,
        "rules": policy.rules(),
        "text": policy.text,
    }


def data_quality(pkg: Package) -> dict[str, Any]:
    """Rows read, kept and excluded per table, with the problem groups of the check."""
    return {
        "tables": [
            {
                "table": ld.table,
                "file": ld.file,
                "rows_read": ld.rows_read,
                "rows_kept": ld.rows_kept,
                "rows_excluded": ld.rows_excluded,
                "excluded": ld.excluded,
            }
            for ld in pkg.loads.values()
        ],
        "row_errors": pkg.count(Severity.ROW),
        "findings": pkg.count(Severity.FINDING),
        "groups": [
            {
                "severity": g.severity.value,
                "code": g.code.value,
                "table": g.table,
                "column": g.column,
                "count": g.count,
                "example": f"{g.example.where()}: {g.example.message}",
            }
            for g in pkg.groups()
        ],
    }


def build(pkg: Package, policy: Policy) -> dict[str, Any]:
    """The summary of the audit tables currently on ``pkg.con`` (made under ``policy``)."""
    return {
        "onrecord_version": onrecord.__version__,
        "methodology": "audit methodology v1 (docs/methodology.md)",
        "package": {
            "name": pkg.department.name,
            "path": str(pkg.root),
            "timezone": pkg.department.timezone,
            "period": _period(pkg),
        },
        "policy": policy_doc(policy),
        "data_quality": data_quality(pkg),
        "rates": rates.compute(pkg.con, policy.recording_required.whole_shift),
    }
