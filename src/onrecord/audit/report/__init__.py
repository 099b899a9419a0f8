"""The audit report: one self-contained HTML file for a council hearing.

Everything the page needs (styles, charts, the small sorting script) is inside the file, and a
Content-Security-Policy forbids fetching anything, so the report opens offline, can be emailed
or archived as it is, and prints to PDF from any browser.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

from jinja2 import ChoiceLoader, Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from onrecord.audit.report import compare as compare_view
from onrecord.audit.report import sections
from onrecord.audit.report.cells import share_of
from onrecord.policy import format_value


def template_environment(*packages: str) -> Environment:
    """A Jinja2 environment over the ``templates`` folders of ``packages`` and then this one's,
    so that the plan report and the web console share the macros here and the filters they use
    (``rule``: a policy value as written, ``share``: a ratio as a percentage)."""
    env = Environment(
        loader=ChoiceLoader(
            [PackageLoader(p, "templates") for p in (*packages, "onrecord.audit.report")]
        ),
        autoescape=select_autoescape(["html", "j2"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["rule"] = format_value
    env.filters["share"] = share_of
    return env


_ENV = template_environment()


def asset(name: str) -> Markup:
    """A file beside the templates, inlined as is (it is ours, not data, so it is not escaped)."""
    return Markup((resources.files(__name__) / "templates" / name).read_text(encoding="utf-8"))


def render_report(summary: dict[str, Any], compare: dict[str, Any] | None = None) -> str:
    """The report for ``summary`` (``summary.json``'s content); with ``compare``, the same
    package audited under a second policy, shown side by side after the headline."""
    return _ENV.get_template("report.html.j2").render(
        v=sections.build(summary),
        c=compare_view.build(summary, compare) if compare is not None else None,
        other_policy=sections.policy_view(compare["policy"]) if compare is not None else None,
        css=asset("style.css"),
        script=asset("sort.js"),
    )
