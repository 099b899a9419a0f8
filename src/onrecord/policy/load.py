"""Find and read a policy (a built-in id or a YAML file) with errors that say what to fix."""

from __future__ import annotations

import difflib
from importlib import resources
from pathlib import Path
from typing import cast

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from onrecord import strict_yaml
from onrecord.package.loader import Package
from onrecord.policy.model import Policy


class PolicyError(Exception):
    """A policy that cannot be used. Each message names the file, the key path and what was
    expected; the CLI prints them all and exits with status 2."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("\n".join(messages))
        self.messages = messages


def _profiles() -> dict[str, str]:
    """Built-in profile texts by id (the file stem)."""
    folder = resources.files("onrecord.policy") / "profiles"
    return {
        Path(entry.name).stem: entry.read_text(encoding="utf-8")
        for entry in folder.iterdir()
        if entry.name.endswith(".yaml")
    }


def builtin_ids() -> list[str]:
    return sorted(_profiles())


def builtin_policies() -> list[Policy]:
    """Every built-in profile, in id order."""
    return [load_policy(i) for i in builtin_ids()]


def load_policy(ref: str | Path, base_dir: Path | None = None) -> Policy:
    """Read a policy from a built-in id or a YAML file path.

    Ids are tried first, so ``policy: mandate-all`` in a department.yaml always means the built-in.
    A relative path is taken from ``base_dir`` when given (a department's package folder), else
    from the working directory.
    """
    profiles = _profiles()
    if str(ref) in profiles:
        return parse_policy(profiles[str(ref)], origin="built-in")
    path = Path(ref)
    if base_dir is not None and not path.is_absolute():
        path = base_dir / path
    if not path.is_file():
        raise PolicyError(
            [
                f"{ref}: no such policy file ({path}) and no built-in policy of that id; "
                f"the built-in ids are {', '.join(sorted(profiles))}"
            ]
        )
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise PolicyError([f"{path}: cannot be read: {e}"]) from None
    return parse_policy(text, origin=str(path))


def resolve_policy(ref: str | Path | Policy | None, pkg: Package) -> Policy:
    """The policy given, else the package's ``department.yaml`` default; never a guess.

    A path given (``--policy good.yaml``) is taken from the working directory, as every other
    path on a command line is; only ``department.yaml``'s own ``policy:`` is taken from the
    package's folder, where it was written."""
    if isinstance(ref, Policy):
        return ref
    if ref is not None:
        return load_policy(ref)
    if pkg.department.policy is None:
        raise PolicyError(
            [
                f"{pkg.root}: no policy given and department.yaml names none; pass --policy "
                "with a built-in id (onrecord policy list) or a policy file"
            ]
        )
    return load_policy(pkg.department.policy, base_dir=pkg.root)


def parse_policy(text: str, origin: str = "<text>") -> Policy:
    """Validate policy YAML text; ``origin`` (a file name) starts every error message."""
    try:
        doc = strict_yaml.load(text)
    except yaml.YAMLError as e:
        line, column, problem = strict_yaml.describe(e)
        where = f", line {line}, column {column}" if line else ""
        raise PolicyError([f"{origin}{where}: not valid YAML: {problem}"]) from None
    if doc is None:
        raise PolicyError([f"{origin}: is empty; a policy needs at least id: and title:"])
    if not isinstance(doc, dict):
        raise PolicyError(
            [f"{origin}: expected a mapping of keys with at least id: and title:, got {doc!r}"]
        )
    try:
        return Policy.from_document(doc, text, origin)
    except ValidationError as e:
        raise PolicyError([f"{origin}: {_message(err)}" for err in e.errors()]) from None


def _message(err: ErrorDetails) -> str:
    """One validation error as ``key.path: what was wrong and what the key expects``."""
    loc = tuple(str(p) for p in err["loc"])
    path = ".".join(loc)
    if err["type"] == "extra_forbidden":
        keys = _keys(loc[:-1])
        close = difflib.get_close_matches(loc[-1], keys, n=1)
        hint = f"; did you mean {close[0]}?" if close else ""
        return f"{path}: unknown key{hint} (expected one of: {', '.join(keys)})"
    if err["type"] == "missing":
        return f"{path}: required key is missing"
    if err["type"] == "model_type":
        return (
            f"{path}: expected a mapping of the keys {', '.join(_keys(loc))}, got {err['input']!r}"
        )
    return f"{path}: expected {err['msg']}, got {err['input']!r}"


def _keys(loc: tuple[str, ...]) -> list[str]:
    """The keys allowed in the mapping at ``loc`` (the top level for an empty path)."""
    model: type[BaseModel] = Policy
    for name in loc:
        # a path to a mapping with an unknown key or of the wrong type runs through models only
        model = cast(type[BaseModel], model.model_fields[name].annotation)
    return list(model.model_fields)
