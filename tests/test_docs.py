"""The documentation keeps up with the code: every command has help and a page, every policy rule
is in the policy reference, every page the guide links to exists."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer.main

from onrecord.cli.app import app
from onrecord.policy import Policy, load_policy

DOCS = Path(__file__).resolve().parent.parent / "docs"
README = DOCS.parent / "README.md"


def _commands() -> Iterator[tuple[str, Any]]:
    """Every runnable command as its words after ``onrecord`` (``fleet init``), groups walked.
    (Typer carries its own copy of Click, so groups are told by their ``commands``; they are
    listed by ``list_commands``, since the top level loads each command when it is asked for.)"""
    root = typer.main.get_command(app)

    def walk(cmd: Any, words: tuple[str, ...]) -> Iterator[tuple[str, Any]]:
        if hasattr(cmd, "commands"):
            ctx = typer.Context(cmd)
            for name in cmd.list_commands(ctx):
                yield from walk(cmd.get_command(ctx, name), (*words, name))
        else:
            yield " ".join(words), cmd

    yield from walk(root, ())


COMMANDS = dict(_commands())
PAGES = {p.relative_to(DOCS).as_posix(): p.read_text(encoding="utf-8") for p in DOCS.rglob("*.md")}


def test_the_walk_finds_groups_and_their_commands() -> None:
    assert {"check", "audit", "plan", "policy diff", "fleet init", "fleet checkout"} <= set(
        COMMANDS
    )


@pytest.mark.parametrize("words", sorted(COMMANDS))
def test_every_command_has_help(words: str) -> None:
    cmd = COMMANDS[words]
    assert (cmd.help or "").strip(), f"onrecord {words} has no help text"
    for param in cmd.params:
        if param.param_type_name == "option" and not param.hidden:
            assert (param.help or "").strip(), f"onrecord {words} {param.opts[0]} has no help"


@pytest.mark.parametrize("words", sorted(COMMANDS))
def test_every_command_has_a_docs_page(words: str) -> None:
    pattern = re.compile(rf"onrecord {re.escape(words)}(?![\w-])")
    pages = [name for name, text in PAGES.items() if pattern.search(text)]
    assert pages, f"no page in docs/ shows `onrecord {words}`"


def test_every_command_is_in_the_readme() -> None:
    """The README's command table names each group or command (its first word); hidden ones
    are older names kept for scripts, documented on their page instead."""
    readme = README.read_text(encoding="utf-8")
    for first in sorted({w.split()[0] for w, cmd in COMMANDS.items() if not cmd.hidden}):
        assert f"`onrecord {first}" in readme, f"README lists no `onrecord {first}`"


def _rule_keys(policy: Policy) -> list[str]:
    return list(policy.rules())


def test_every_policy_rule_is_documented() -> None:
    reference = PAGES["policies.md"]
    for key in _rule_keys(load_policy("mandate-all")):
        assert f"| `{key}` |" in reference, f"docs/policies.md has no row for {key}"


def test_every_linked_page_exists() -> None:
    for name, text in PAGES.items():
        for target in re.findall(r"\]\(([^)#:]+\.md)(?:#[^)]*)?\)", text):
            page = (DOCS / name).parent / target
            assert page.resolve().is_file(), f"{name} links to {target}, which does not exist"
