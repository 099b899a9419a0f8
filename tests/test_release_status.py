"""The records request's statuses: every move allowed or refused as the life of a request
says (docs/release.md), and refusals that say what the request can do instead."""

from __future__ import annotations

import itertools

import pytest

from onrecord.release.errors import IllegalTransition
from onrecord.release.status import Status, check_move

R, F, D, V, OK, NO = (Status.RECEIVED, Status.FOUND, Status.REDACTING, Status.REVIEW,
                      Status.RELEASED, Status.DENIED)  # fmt: skip
ALLOWED = {
    (R, F), (R, NO),
    (F, F), (F, D), (F, NO),
    (D, F), (D, D), (D, V), (D, NO),
    (V, F), (V, D), (V, OK), (V, NO),
}  # fmt: skip
"""Written out by hand from the guide, not from the code's table."""


@pytest.mark.parametrize(("old", "new"), list(itertools.product(Status, Status)))
def test_every_move(old: Status, new: Status) -> None:
    if (old, new) in ALLOWED:
        check_move("R-2026-0001", old, new)
    else:
        with pytest.raises(IllegalTransition, match=f"R-2026-0001 is {old.value}"):
            check_move("R-2026-0001", old, new)


def test_refusals_say_what_can_be_done() -> None:
    with pytest.raises(IllegalTransition) as e:
        check_move("R-2026-0007", R, OK)
    assert str(e.value) == (
        "request R-2026-0007 is received and cannot become released from there; it can become "
        "found: take the items that answer it (`onrecord request match ID --take …`); denied: "
        "deny it (`onrecord request deny ID --exemption CODE`)"
    )
    with pytest.raises(IllegalTransition, match=r"an ended request does not change .* log a new"):
        check_move("R-2026-0007", OK, NO)
    with pytest.raises(IllegalTransition, match="cannot become review"):
        check_move("R-2026-0007", F, V)  # review only after the redaction has run
