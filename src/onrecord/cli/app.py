"""The ``onrecord`` command: a thin Typer layer over the library API."""

from __future__ import annotations

import typer

from onrecord.cli import (
    audit,
    check,
    demo,
    fleet,
    importing,
    plan,
    policy,
    redact,
    release,
    request,
    serve,
    vault,
)

app = typer.Typer(
    name="onrecord",
    help="Audit, plan and publish a body-worn camera program from a department data package.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command("check")(check.check)
app.command("import")(importing.import_package)
app.command("demo-data")(demo.demo_data)
app.add_typer(policy.app, name="policy")
app.command("audit")(audit.audit)
app.command("plan")(plan.plan)
app.add_typer(fleet.app, name="fleet")
app.add_typer(vault.app, name="vault")
app.command("redact")(redact.redact)
app.add_typer(request.app, name="request")
app.add_typer(release.app, name="release")
app.command("worker")(release.worker)
# The kiosk's actions at the top level too, as before `onrecord fleet` had them (docs/fleet.md).
app.command("checkout", hidden=True)(fleet.checkout)
app.command("checkin", hidden=True)(fleet.checkin)
app.command("serve")(serve.serve)
app.add_typer(serve.user_app, name="user")


def main() -> None:
    app()
