"""``summary.json``: what was audited, under which policy, what was excluded, and every rate.

The summary (:class:`~onrecord.audit.models.AuditSummary`) is the single source for the console
table, the HTML report and the public dashboard, so all of them show the same numbers.
"""

from __future__ import annotations

import onrecord
from onrecord.audit import rates
from onrecord.audit.models import AuditSummary
from onrecord.package.loader import Package
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


def build(pkg: Package, policy: Policy) -> AuditSummary:
    """The summary of the audit tables currently on ``pkg.con`` (made under ``policy``)."""
    return AuditSummary.from_document(
        {
            "format": AuditSummary.FORMAT,
            "onrecord_version": onrecord.__version__,
            "methodology": "audit methodology v1 (docs/methodology.md)",
            "package": {
                "name": pkg.department.name,
                "path": str(pkg.root),
                "timezone": pkg.department.timezone,
                "period": _period(pkg),
            },
            "policy": policy.document(),
            "data_quality": pkg.data_quality(),
            "rates": rates.compute(pkg.con, policy.recording_required.whole_shift),
        }
    )
