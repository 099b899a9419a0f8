"""``department.yaml``: the department's name, timezone and default policy."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from onrecord import strict_yaml
from onrecord.package.problems import Code, Problem, Severity


def iana_zone(name: str) -> str:
    """``name`` if it is an IANA time zone; pydantic validators use it to reject the rest."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError) as e:  # "Europe" is a folder of zones
        raise ValueError(f"{name!r} is not an IANA time zone such as America/New_York") from e
    return name


class Department(BaseModel):
    model_config = ConfigDict(extra="allow")

    name: str = "Unnamed department"
    timezone: str = "UTC"
    policy: str | None = None

    _zone = field_validator("timezone")(lambda v: iana_zone(v))


def read_department(root: Path) -> tuple[Department, list[Problem]]:
    """Read ``department.yaml`` if present; a broken one is a structural problem, never guessed."""
    path = root / "department.yaml"
    if not path.exists():
        return Department(), []

    def problem(msg: str, column: str | None = None, line: int | None = None) -> Problem:
        return Problem(
            severity=Severity.STRUCTURAL,
            code=Code.BAD_DEPARTMENT,
            file=path.name,
            line=line,
            column=column,
            message=msg,
        )

    try:
        doc = strict_yaml.load(path.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError) as e:
        return Department(), [problem(f"cannot be read: {e}")]
    except RecursionError:
        return Department(), [problem("cannot be read: its YAML is nested too deep")]
    except yaml.YAMLError as e:
        line, col, what = strict_yaml.describe(e)
        at = f" at character {col}" if col else ""
        return Department(), [
            problem(
                f"not valid YAML{at}: {what}; fix it there (indent with spaces, close every "
                "quote and bracket)",
                line=line,
            )
        ]
    if not isinstance(doc, dict):
        return Department(), [problem("must be a mapping of keys such as name: and timezone:")]
    try:
        return Department.model_validate(doc), []
    except ValidationError as e:
        return Department(), [
            problem(
                f"{err['msg'].removeprefix('Value error, ')}; fix the value",
                ".".join(str(p) for p in err["loc"]),
            )
            for err in e.errors()
        ]
