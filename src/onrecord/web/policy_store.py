"""The department's own policies: YAML profiles an admin adds in the console, kept in the
operational database (table ``policies``) beside the built-in profiles.

A stored policy is never edited or deleted, only deactivated, and its id is never reused: an
audit published under an id must stay reproducible from the one text kept for it
(``GET /api/policies/{id}.yaml``, then ``onrecord audit --policy FILE``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from onrecord.database.policies import DepartmentPolicy
from onrecord.policy import Policy, PolicyError, builtin_ids, parse_policy

# an id names the policy in addresses and file names, so it keeps to safe characters
POLICY_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


class PolicyTaken(PolicyError):
    """The id is a built-in profile's or another department policy's."""


class NoSuchPolicy(LookupError):
    """No department policy has that id."""


@dataclass(frozen=True)
class StoredPolicy:
    """A department policy, validated, with who added it, when, and whether it is in use."""

    policy: Policy
    added_by: str
    added_at: datetime
    active: bool


# Stored texts are never edited and built-in or audited texts do not change while serving:
# each text is parsed once.
parsed = cache(parse_policy)


def _stored(row: DepartmentPolicy) -> StoredPolicy:
    return StoredPolicy(
        parsed(row.text, origin="department"), row.added_by, row.added_at, row.active
    )


def add_policy(engine: Engine, text: str, added_by: str, origin: str) -> StoredPolicy:
    """Validate ``text`` and store it. Raises :class:`PolicyError` with every problem found
    (``origin`` starts each message), :class:`PolicyTaken` if the id is already used."""
    policy = parse_policy(text, origin=origin)
    if not POLICY_ID.fullmatch(policy.id):
        raise PolicyError(
            [
                f"{origin}: id: expected 1 to 64 letters, digits, '.', '_' or '-', starting with "
                f"a letter or digit (it names the policy in addresses and files), "
                f"got {policy.id!r}"
            ]
        )
    taken = f"{origin}: id: {policy.id!r} is "
    if policy.id in builtin_ids():
        raise PolicyTaken(
            [f"{taken}a built-in policy's id; give the department's policy an id of its own"]
        )
    row = DepartmentPolicy(
        id=policy.id,
        title=policy.title,
        text=text,
        added_by=added_by,
        added_at=datetime.now(UTC),
        active=True,
    )
    try:
        with Session(engine, expire_on_commit=False) as s, s.begin():
            s.add(row)
    except IntegrityError:
        raise PolicyTaken(
            [f"{taken}already a department policy's (ids are never reused, even deactivated)"]
        ) from None
    return _stored(row)


def department_policies(engine: Engine) -> list[StoredPolicy]:
    """The department's policies, deactivated ones included, in the order they were added."""
    query = select(DepartmentPolicy).order_by(DepartmentPolicy.added_at, DepartmentPolicy.id)
    with Session(engine) as s:
        return [_stored(row) for row in s.scalars(query)]


def deactivate(engine: Engine, policy_id: str) -> StoredPolicy:
    """Take a department policy out of use (:class:`NoSuchPolicy` if there is none)."""
    with Session(engine, expire_on_commit=False) as s, s.begin():
        row = s.get(DepartmentPolicy, policy_id)
        if row is None:
            raise NoSuchPolicy(f"no department policy {policy_id!r} (built-in ones stay in use)")
        row.active = False
    return _stored(row)
