"""What the cameras recorded: mostly the whole encounter, sometimes not, and never past a flat
battery.

An officer holding a camera at an incident the rule covers usually starts recording on the way or
within seconds of arrival and stops after clearing (``end_of_encounter``). The rest are the failures
auditors count (``shared/notes/domain.md``: NYC's comptroller found about 18% of reviewed videos
started late or stopped early; LAPD's inspector general 22% not activated or late at serious force):
no recording, a late start, an early stop with an allowed reason, with none or with one the policy
does not list, a pause and restart, a malfunction. Cameras also hold function-test clips and
accidental activations. A camera whose battery ran out stops recording there (``battery``) and
records nothing more that session.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from onrecord.demo import text
from onrecord.demo.activity import CATEGORIES, Attendance
from onrecord.demo.arrays import previous_in_segment, previous_max
from onrecord.demo.clock import HOUR, MINUTE, Clock
from onrecord.demo.devices import Sessions
from onrecord.demo.profile import Profile
from onrecord.demo.roster import Roster
from onrecord.package.schema import STOP_REASONS

R = {name: i for i, name in enumerate(STOP_REASONS)}
ALLOWED = np.array([R["privacy"], R["bystanders"], R["investigation"]])
UNLISTED = np.array([R["victim_request"], R["medical"], R["residence_no_consent"], R["informant"]])
NONE = -1
REC_CATEGORIES = (*CATEGORIES, "Test", "Non-Evidentiary")
TEST, ACCIDENTAL = len(CATEGORIES), len(CATEGORIES) + 1
BYTES_PER_HOUR = (
    1.1e9  # Boston's pilot stored about 1.1 GB per recorded hour (shared notes/domain.md)
)

NOT_ACTIVATED, LATE, EARLY, EARLY_EXCUSED, GAP, MALFUNCTION, COMPLIANT = range(7)


@dataclass(frozen=True)
class Recordings:
    """A block's recordings, one per row."""

    officer: np.ndarray  # -1: footage not tagged with an officer
    camera: np.ndarray
    start: np.ndarray
    end: np.ndarray
    stop_reason: np.ndarray  # index into STOP_REASONS, -1 none
    category: np.ndarray  # index into REC_CATEGORIES, -1 none
    incident: np.ndarray  # block-local incident number, -1 none


def _either(
    rng: np.random.Generator, p_first: float, first: np.ndarray, second: np.ndarray
) -> np.ndarray:
    return np.where(rng.random(len(first)) < p_first, first, second)


def _reason(rng: np.random.Generator, options: np.ndarray, n: int) -> np.ndarray:
    return options[rng.integers(0, len(options), n)]


def block(
    att: Attendance,
    shift_session: np.ndarray,
    sessions: Sessions,
    rng: np.random.Generator,
    profile: Profile,
) -> tuple[Recordings, np.ndarray]:
    """The block's recordings, from who attended what and who held a camera; and when each
    session's camera ran flat (its return where it did not)."""
    session = shift_session[att.shift]
    k = np.flatnonzero(session >= 0)
    session, w0, w1 = session[k], att.start[k], att.end[k]
    n = len(k)
    length = w1 - w0

    beh = profile.behaviour
    shares = np.cumsum(
        [
            beh.not_activated,
            beh.late_start,
            beh.early_stop_unexcused,
            beh.early_stop_excused,
            beh.gap,
            beh.malfunction,
        ]
    )
    outcome = np.searchsorted(shares, rng.random(n), side="right")
    optional = ~att.required[k]
    outcome[optional] = np.where(
        rng.random(int(optional.sum())) < beh.optional_activation, COMPLIANT, NOT_ACTIVATED
    )

    start = _either(rng, 0.7, w0 - rng.integers(0, 151, n), w0 + rng.integers(0, 26, n))
    end = w1 + rng.integers(5, 121, n)
    reason = np.where(rng.random(n) < 0.85, R["end_of_encounter"], NONE)

    late = outcome == LATE
    start[late] = (w0 + np.minimum(rng.integers(45, 601, n), length * 4 // 5))[late]
    early = (outcome == EARLY) | (outcome == EARLY_EXCUSED)
    cut = w1 - np.minimum(rng.integers(60, 601, n), length * 7 // 10)
    end[early] = np.maximum(cut, start + 10)[early]
    unlisted = _either(rng, 0.5, _reason(rng, UNLISTED, n), np.full(n, NONE))
    allowed = _reason(rng, ALLOWED, n)
    reason = np.select([outcome == EARLY, outcome == EARLY_EXCUSED], [unlisted, allowed], reason)
    broke = outcome == MALFUNCTION
    end[broke] = (w0 + (rng.uniform(0.1, 0.8, n) * length).astype(np.int64))[broke]
    end = np.maximum(end, start + 10)
    reason[broke] = R["malfunction"]

    # A pause and restart: the first part ends at the pause, the second runs to the end.
    gap = np.flatnonzero(outcome == GAP)
    pause = w0[gap] + (rng.uniform(0.2, 0.6, len(gap)) * length[gap]).astype(np.int64)
    resume = np.minimum(pause + rng.integers(90, 481, len(gap)), end[gap] - 10)
    pause = np.maximum(pause, start[gap] + 10)
    pause_reason = _either(rng, 0.4, _reason(rng, ALLOWED, len(gap)), np.full(len(gap), NONE))
    second_end = end[gap]
    end[gap] = pause
    reason_second = reason[gap]
    reason[gap] = pause_reason

    rec = np.flatnonzero(outcome != NOT_ACTIVATED)
    category = att.category[k]
    incident = att.incident[k]
    parts = [
        (session[rec], start[rec], end[rec], reason[rec], category[rec], incident[rec]),
        (session[gap], resume, second_end, reason_second, category[gap], incident[gap]),
        *_clips(sessions, rng, profile),
    ]
    session, start, end, reason, category, incident = (
        np.concatenate(c) for c in zip(*parts, strict=True)
    )
    return _fit(sessions, session, start, end, reason, category, incident, rng, profile)


def _clips(
    sessions: Sessions, rng: np.random.Generator, profile: Profile
) -> list[tuple[np.ndarray, ...]]:
    """Function tests just after pickup and accidental activations any time in the session."""
    out: list[tuple[np.ndarray, ...]] = []
    for mean, category in ((profile.test_clips, TEST), (profile.accidental_clips, ACCIDENTAL)):
        s = np.repeat(np.arange(len(sessions)), rng.poisson(mean, len(sessions)))
        lo = sessions.pickup[s] + 2 * MINUTE
        span = np.maximum(sessions.ret[s] - lo - 20 * MINUTE, 1)
        offset = (
            rng.integers(0, 13 * MINUTE, len(s)) if category == TEST else rng.random(len(s)) * span
        )
        start = lo + np.minimum(offset, span).astype(np.int64)
        end = start + (
            rng.integers(10, 61, len(s)) if category == TEST else rng.integers(3, 121, len(s))
        )
        none = np.full(len(s), NONE)
        out.append((s, start, end, none, np.full(len(s), category), none))
    return out


def _fit(
    sessions: Sessions,
    session: np.ndarray,
    start: np.ndarray,
    end: np.ndarray,
    reason: np.ndarray,
    category: np.ndarray,
    incident: np.ndarray,
    rng: np.random.Generator,
    profile: Profile,
) -> tuple[Recordings, np.ndarray]:
    """Recordings trimmed to what the camera could do: inside its session, one at a time, and
    none after its battery ran flat. Also returns when each session's camera ran flat.

    A camera past its rated runtime idles on what is left; the first recording after that (the
    heaviest draw) is the one the battery gives out in, a minute or two in.
    """
    start = np.maximum(start, sessions.pickup[session] + 30)
    end = np.minimum(end, sessions.ret[session] - 30)
    order = np.lexsort((start, session))
    session, start, end, reason, category, incident = (
        x[order] for x in (session, start, end, reason, category, incident)
    )
    start = np.maximum(start, previous_max(end, session, empty=np.iinfo(np.int64).min))
    spent = sessions.spent_at[session]
    past = (spent < sessions.ret[session]) & (end > spent)
    # Recordings are one at a time, so those past the runtime are the tail of their session.
    first_past = past & ~previous_in_segment(past, session, empty=False)
    cut = np.minimum(end, np.maximum(spent, start + rng.integers(30, 181, len(start))))
    end = np.where(first_past, cut, end)
    reason = np.where(first_past, R["battery"], reason)
    flat_at = sessions.ret.copy()
    flat_at[session[first_past]] = end[first_past]
    keep = np.flatnonzero((end > start) & (~past | first_past))
    session, start, end, reason, category, incident = (
        x[keep] for x in (session, start, end, reason, category, incident)
    )
    n = len(keep)
    officer = sessions.officer[session]
    unassigned = sessions.pool[session] & (rng.random(n) < profile.unassigned_share)
    rec = Recordings(
        officer=np.where(unassigned, -1, officer),
        camera=sessions.camera[session],
        start=start,
        end=end,
        stop_reason=reason,
        category=np.where(rng.random(n) < profile.uncategorised_share, NONE, category),
        incident=np.where(rng.random(n) < profile.untagged_share, NONE, incident),
    )
    return rec, flat_at


def table(
    rec: Recordings,
    roster: Roster,
    clock: Clock,
    first_id: int,
    incident_base: int,
    rng: np.random.Generator,
) -> pa.Table:
    """The contract's ``recordings`` rows, ordered by start, numbered from ``first_id``."""
    order = np.lexsort((rec.camera, rec.start))
    start, end = rec.start[order], rec.end[order]
    end = clock.fold_safe_end(start, end)
    n = len(order)
    size = (end - start) / HOUR * BYTES_PER_HOUR * rng.uniform(0.85, 1.15, n)
    incident = rec.incident[order]
    return pa.table(
        {
            "recording_id": text.ids("R", first_id + np.arange(n), 9),
            "officer_id": text.pick(roster.officers.ids, rec.officer[order]),
            "start": text.local_times(clock.to_local(start)),
            "end": text.local_times(clock.to_local(end)),
            "camera_id": text.pick(roster.cameras.ids, rec.camera[order]),
            "stop_reason": text.pick(STOP_REASONS, rec.stop_reason[order]),
            "category": text.pick(REC_CATEGORIES, rec.category[order]),
            "incident_id": text.where_valid(
                text.ids("I", incident_base + np.maximum(incident, 0), 9), incident >= 0
            ),
            "size_bytes": pa.array(size.astype(np.int64)),
            "sha256": text.hex_digests(rng.integers(0, 256, (n, 32), dtype=np.uint8)),
        }
    )
