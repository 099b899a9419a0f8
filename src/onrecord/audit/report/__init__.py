"""The audit report: one self-contained HTML file for a council hearing.

Everything the page needs (styles, charts, the small sorting script) is inside the file, and a
Content-Security-Policy forbids fetching anything, so the report opens offline, can be emailed
or archived as it is, and prints to PDF from any browser.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from onrecord.audit.models import AuditSummary
from onrecord.audit.report import compare as compare_view
from onrecord.audit.report import sections
from onrecord.presentation import asset, template_environment
from onrecord.presentation.view import policy_view

_ENV = template_environment("onrecord.audit.report")


def _typed(summary: AuditSummary | Mapping[str, Any]) -> AuditSummary:
    """A summary as given, or ``summary.json``'s content validated."""
    return summary if isinstance(summary, AuditSummary) else AuditSummary.from_document(summary)


def render_report(
    summary: AuditSummary | Mapping[str, Any],
    compare: AuditSummary | Mapping[str, Any] | None = None,
) -> str:
    """The report for ``summary`` (the model, or ``summary.json``'s content); with ``compare``,
    the same package audited under a second policy, shown side by side after the headline."""
    summary = _typed(summary)
    other = _typed(compare) if compare is not None else None
    return _ENV.get_template("report.html.j2").render(
        v=sections.build(summary),
        c=compare_view.build(summary, other) if other is not None else None,
        other_policy=policy_view(other.policy) if other is not None else None,
        css=asset("style.css"),
        script=asset("sort.js"),
    )
