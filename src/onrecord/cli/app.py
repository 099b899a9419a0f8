"""The ``onrecord`` command: a thin Typer layer over the library API.

Each command's module is imported when that command runs (or help lists it), not at start-up:
together they import the database, web and analysis libraries, seconds a ``redact`` of a short
clip would otherwise spend before its first frame.
"""

from __future__ import annotations

import importlib

import typer
from typer._click.core import Command, Context  # Typer's own copy of Click
from typer.core import TyperGroup

COMMANDS: dict[str, tuple[str, str, bool]] = {
    "check": ("check", "check", False),
    "import": ("importing", "import_package", False),
    "demo-data": ("demo", "demo_data", False),
    "policy": ("policy", "app", False),
    "audit": ("audit", "audit", False),
    "plan": ("plan", "plan", False),
    "fleet": ("fleet", "app", False),
    "vault": ("vault", "app", False),
    "redact": ("redact", "redact", False),
    "request": ("request", "app", False),
    "release": ("release", "app", False),
    "worker": ("release", "worker", False),
    # The kiosk's actions at the top level too, as before `onrecord fleet` had them (docs/fleet.md).
    "checkout": ("fleet", "checkout", True),
    "checkin": ("fleet", "checkin", True),
    "serve": ("serve", "serve", False),
    "user": ("serve", "user_app", False),
}
"""Each command's name: its module in ``onrecord.cli``, the function or Typer app there, and
whether it is hidden from help."""


def command(name: str) -> Command:
    """The Click command ``onrecord NAME`` runs, its module imported now."""
    module, attr, hidden = COMMANDS[name]
    target = getattr(importlib.import_module(f"onrecord.cli.{module}"), attr)
    if isinstance(target, typer.Typer):
        found = typer.main.get_command(target)
    else:
        single = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
        single.command(name, hidden=hidden)(target)
        found = typer.main.get_command(single)
    found.name = name
    return found


class _Lazy(TyperGroup):
    def list_commands(self, ctx: Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: Context, cmd_name: str) -> Command | None:
        return command(cmd_name) if cmd_name in COMMANDS else None


app = typer.Typer(
    name="onrecord",
    cls=_Lazy,
    help="Audit, plan and publish a body-worn camera program from a department data package.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root() -> None:
    """(A group needs a callback or a registered command: its commands are all in ``COMMANDS``.)"""


def main() -> None:
    app()
