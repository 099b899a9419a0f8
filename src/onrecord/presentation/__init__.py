"""Presentation shared by every page OnRecord renders: the audit report, the plan report and the
web console.

Cells (counts, rates, suppressed and empty values as text), SVG charts, tables, the data-quality
section, the Jinja2 macros, the style sheet and the table-sorting script live here, so the reports
and the console look alike and none of them imports another capability to draw a table.
"""

from __future__ import annotations

from importlib import resources

from jinja2 import ChoiceLoader, Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from onrecord.policy import format_value
from onrecord.presentation.cells import share_of


def template_environment(*packages: str) -> Environment:
    """A Jinja2 environment over the ``templates`` folders of ``packages`` and then this one's,
    so that the reports and the web console share the macros here and the filters they use
    (``rule``: a policy value as written, ``share``: a ratio as a percentage)."""
    env = Environment(
        loader=ChoiceLoader(
            [PackageLoader(p, "templates") for p in (*packages, "onrecord.presentation")]
        ),
        autoescape=select_autoescape(["html", "j2"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["rule"] = format_value
    env.filters["share"] = share_of
    return env


def asset(name: str) -> Markup:
    """A file beside the templates, inlined as is (it is ours, not data, so it is not escaped)."""
    return Markup((resources.files(__name__) / "templates" / name).read_text(encoding="utf-8"))
