"""Find and read a retention schedule (a built-in name or a YAML file) with errors that point
at the file, line and column and say what to write instead."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from onrecord import strict_yaml
from onrecord.vault.retention.schedule import Default, Rule, Schedule, Source

_MODELS: dict[tuple[str, ...], type[BaseModel]] = {
    (): Schedule,
    ("source",): Source,
    ("default",): Default,
    ("rules",): Rule,
}


class RetentionError(Exception):
    """A schedule that cannot be used; each message names the file, line, column and key path.
    The CLI prints them all and exits with status 2."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("\n".join(messages))
        self.messages = messages


def _texts() -> dict[str, str]:
    """Built-in schedule texts by name (the file stem)."""
    folder = resources.files("onrecord.vault.retention") / "schedules"
    return {
        entry.name.removesuffix(".yaml"): entry.read_text(encoding="utf-8")
        for entry in folder.iterdir()
        if entry.name.endswith(".yaml")
    }


def builtin_names() -> list[str]:
    return sorted(_texts())


def builtin_schedules() -> list[Schedule]:
    """Every built-in schedule, in name order."""
    return [load_schedule(name) for name in builtin_names()]


def load_schedule(ref: str | Path) -> Schedule:
    """A schedule by built-in name, else from a YAML file (names are tried first)."""
    text, origin = strict_yaml.read_named(ref, _texts(), "schedule", RetentionError)
    return parse_schedule(text, origin=origin)


def parse_schedule(text: str, origin: str = "<text>") -> Schedule:
    """Validate schedule YAML; every problem found is reported at once, each at its place."""
    doc = strict_yaml.read_mapping(text, origin, "name:, title:, source:, default:", RetentionError)
    try:
        schedule = Schedule.from_document(doc, text, origin)
    except ValidationError as e:
        raise RetentionError(strict_yaml.placed(origin, text, e, _message)) from None
    problems = _useless_rules(schedule)
    if problems:
        raise RetentionError([strict_yaml.at(origin, text, loc, what) for loc, what in problems])
    return schedule


def _useless_rules(schedule: Schedule) -> list[tuple[strict_yaml.Loc, str]]:
    """Rules that could never apply: retention is the longest period that applies, so a rule
    can only lengthen the default; one that cannot is a mistake (a department that meant to
    delete some footage sooner), and said so rather than silently ignored."""
    default = schedule.default.period.day_bounds()
    out: list[tuple[strict_yaml.Loc, str]] = []
    for i, rule in enumerate(schedule.rules):
        if default is None:
            out.append(
                (
                    ("rules", i),
                    "the default keeps footage indefinitely, so no rule can keep it longer; "
                    "remove the rule or give the default a period",
                )
            )
            continue
        bounds = None if rule.period is None else rule.period.day_bounds()
        if rule.period is None or rule.until_proceedings_end or bounds is None:
            continue
        if bounds[1] <= default[0]:
            out.append(
                (
                    ("rules", i, "period"),
                    f"{rule.period} is never longer than the default {schedule.default.period}, "
                    "so the rule would never apply (rules can only keep footage longer)",
                )
            )
    return out


def _message(err: ErrorDetails) -> str:
    """One validation error: what was wrong and what the key expects."""
    loc = err["loc"]
    if err["type"] == "extra_forbidden":
        return strict_yaml.unknown_key(loc, _MODELS)
    if err["type"] == "missing":
        return "required key is missing"
    if err["type"] in ("model_type", "model_attributes_type"):
        return f"expected a mapping of the keys {', '.join(_keys(loc))}, got {err['input']!r}"
    if err["type"] == "tuple_type":
        return f"expected a list of rules, each a mapping, got {err['input']!r}"
    if err["type"] == "expected_value" and isinstance(err["input"], dict):
        return err["msg"]  # a whole rule was wrong, not one value
    return f"expected {err['msg']}, got {err['input']!r}"


def _keys(loc: tuple[str | int, ...]) -> list[str]:
    """The keys allowed in the mapping at ``loc``."""
    model = _MODELS[tuple(str(p) for p in loc if not isinstance(p, int))]
    return list(model.model_fields)
