"""The life of a records request: the statuses and the moves between them.

A request is **received** when logged; **found** once the records officer has taken the vault
items that answer it; **redacting** while its clips are being redacted; in **review** when every
redaction is done and waits for a person; and ends **released** (approved: the redacted copies
are published) or **denied** (with the exemption cited). A request can be denied from any status
before it ends; a new redaction run (after a reviewer's change, or items taken again) goes back
through redacting. An ended request never changes again, so the figures published for a month
stay true.
"""

from __future__ import annotations

from enum import StrEnum

from onrecord.release.errors import IllegalTransition


class Status(StrEnum):
    RECEIVED = "received"
    FOUND = "found"
    REDACTING = "redacting"
    REVIEW = "review"
    RELEASED = "released"
    DENIED = "denied"


MOVES: dict[Status, frozenset[Status]] = {
    Status.RECEIVED: frozenset({Status.FOUND, Status.DENIED}),
    Status.FOUND: frozenset({Status.FOUND, Status.REDACTING, Status.DENIED}),
    Status.REDACTING: frozenset({Status.FOUND, Status.REDACTING, Status.REVIEW, Status.DENIED}),
    Status.REVIEW: frozenset({Status.FOUND, Status.REDACTING, Status.RELEASED, Status.DENIED}),
    Status.RELEASED: frozenset(),
    Status.DENIED: frozenset(),
}
"""Where each status may lead (``found`` to ``found``: the items taken changed)."""

_HOW = {
    Status.FOUND: "take the items that answer it (`onrecord request match ID --take …`)",
    Status.REDACTING: "redact its items (`onrecord request redact ID`)",
    Status.REVIEW: "wait for its redactions to finish (`onrecord release status ID`)",
    Status.RELEASED: "approve it once in review (`onrecord request approve ID`)",
    Status.DENIED: "deny it (`onrecord request deny ID --exemption CODE`)",
}


def check_move(request_id: str, current: Status, new: Status) -> None:
    """Nothing if ``current`` may lead to ``new``; else an ``IllegalTransition`` saying why and
    what the request can do next."""
    if new in MOVES[current]:
        return
    if not MOVES[current]:
        raise IllegalTransition(
            f"request {request_id} is {current.value}: an ended request does not change "
            f"(it cannot become {new.value}); log a new request if the requester asks again"
        )
    nexts = "; ".join(
        f"{s.value}: {_HOW[s]}" for s in sorted(MOVES[current], key=list(Status).index)
    )
    raise IllegalTransition(
        f"request {request_id} is {current.value} and cannot become {new.value} from there; "
        f"it can become {nexts}"
    )
