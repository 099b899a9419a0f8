"""Every definition of the audit methodology (``docs/contracts/audit.md``) on a hand-worked example.

Each test writes a small CSV package, loads it with ``onrecord.load``, runs the engine, and
checks the values worked out by hand against both the engine and the plain-Python reference
(``reference_audit.py``), so the reference that the property tests trust is itself pinned to
the spec. Times are seconds after 2020-01-01T00:00:00Z (UTC) unless a test says otherwise.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

import onrecord
from audit_rows import RATIOS, Row, engine_rows, reference_rows
from onrecord.policy import CameraRequired, Deactivation, Equipment, Policy, RecordingRequired

M, H = 60, 3600
US = 1_000_000
BASE = datetime(2020, 1, 1, tzinfo=UTC)
WritePackage = Callable[..., Any]

SECTION_OF = {
    key: section
    for section, model in (
        ("camera_required", CameraRequired),
        ("recording_required", RecordingRequired),
        ("deactivation", Deactivation),
        ("equipment", Equipment),
    )
    for key in model.model_fields
}


def make_policy(**rules: Any) -> Policy:
    """A custom policy from rule keys (``start_grace_s=30``); the rest take their defaults."""
    doc: dict[str, Any] = {"id": "test", "title": "Test policy"}
    for key, value in rules.items():
        doc.setdefault(SECTION_OF[key], {})[key] = value
    return Policy.model_validate(doc)


# ---- writing packages -------------------------------------------------------------------------


def ts(seconds: float, us: int = 0) -> str:
    """The instant ``seconds`` (+ ``us`` microseconds) after BASE, in UTC with ``Z``."""
    t = BASE + timedelta(seconds=seconds, microseconds=us)
    return t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def shift(
    sid: str,
    start: float,
    end: float,
    officer: str = "o1",
    kind: str = "regular",
    uniformed: str = "",
    unit: str = "",
) -> tuple[str, ...]:
    return (sid, officer, ts(start), ts(end), kind, uniformed, unit)


def enc(
    eid: str, start: float, end: float, officer: str = "o1", type_: str = "arrest"
) -> tuple[str, ...]:
    return (eid, officer, type_, ts(start), ts(end))


def rec(
    rid: str,
    start: float,
    end: float,
    officer: str = "o1",
    reason: str = "",
    camera: str = "",
    *,
    start_us: int = 0,
    end_us: int = 0,
) -> tuple[str, ...]:
    return (rid, officer, ts(start, start_us), ts(end, end_us), reason, camera)


def ev(camera: str, at: float, event: str, officer: str = "") -> tuple[str, ...]:
    return (camera, ts(at), event, officer)


def csv_text(header: str, rows: Sequence[tuple[str, ...]]) -> str:
    return header + "\n" + "".join(",".join(r) + "\n" for r in rows)


@dataclass
class Audit:
    """Engine and reference results for one package under one policy."""

    shifts: dict[str, Row]
    encounters: dict[str, Row]
    ref_shifts: dict[str, Row]
    ref_encounters: dict[str, Row]

    def _check(self, kind: str, key: str, want: dict[str, Any]) -> None:
        sources = (
            (("engine", self.shifts), ("reference", self.ref_shifts))
            if kind == "shift"
            else (("engine", self.encounters), ("reference", self.ref_encounters))
        )
        for source, rows in sources:
            got = {k: rows[key].get(k, "<absent>") for k in want}
            expected = {k: pytest.approx(v, abs=1e-12) if k in RATIOS else v
                        for k, v in want.items()}  # fmt: skip
            assert got == expected, f"{source}, {kind} {key}: {got} != {want}"

    def shift(self, sid: str, **want: Any) -> None:
        """Assert the engine's and the reference's values for shift ``sid``."""
        self._check("shift", sid, want)

    def encounter(self, eid: str, **want: Any) -> None:
        """Assert the engine's and the reference's values for encounter ``eid``."""
        self._check("encounter", eid, want)


def run_audit(
    write_package: WritePackage,
    policy: Policy | None = None,
    *,
    shifts: Sequence[tuple[str, ...]] = (),
    encounters: Sequence[tuple[str, ...]] = (),
    recordings: Sequence[tuple[str, ...]] = (),
    events: Sequence[tuple[str, ...]] = (),
    officers: Sequence[tuple[str, ...]] | None = None,
    cameras: Sequence[tuple[str, ...]] | None = None,
    timezone: str = "UTC",
) -> Audit:
    """Write the rows as a package, load it and audit it with the engine and the reference."""
    tables = {
        "shifts": csv_text("shift_id,officer_id,start,end,kind,uniformed,unit", shifts),
        "encounters": csv_text("encounter_id,officer_id,type,start,end", encounters),
        "recordings": csv_text(
            "recording_id,officer_id,start,end,stop_reason,camera_id", recordings
        ),
        "device_events": csv_text("camera_id,at,event,officer_id", events),
    }
    if officers is not None:
        tables["officers"] = csv_text("officer_id,unit,trained_on", officers)
    if cameras is not None:
        tables["cameras"] = csv_text("camera_id,assigned_officer_id", cameras)
    pkg = onrecord.load(write_package(timezone=timezone, **tables))
    for name, load in pkg.loads.items():
        assert load.rows_excluded == 0, f"{name}: {load.excluded}"
    policy = policy or make_policy()
    return Audit(*engine_rows(pkg, policy), *reference_rows(pkg, policy))


# ---- possession -------------------------------------------------------------------------------


def test_possession_includes_every_recording(write_package: WritePackage) -> None:
    a = run_audit(
        write_package,
        shifts=[shift("s1", 0, H)],
        recordings=[rec("r1", 0, 15 * M), rec("r2", 30 * M, 45 * M)],
    )
    a.shift("s1", possession_ratio=0.5, recorded_ratio=0.5)


def test_overlapping_recordings_on_two_cameras_count_once(write_package: WritePackage) -> None:
    a = run_audit(
        write_package,
        shifts=[shift("s1", 0, H)],
        encounters=[enc("e1", 0, 30 * M)],
        recordings=[rec("r1", 0, 30 * M, camera="c1"), rec("r2", 15 * M, 45 * M, camera="c2")],
    )
    a.shift("s1", possession_ratio=0.75, recorded_ratio=0.75)
    a.encounter("e1", coverage_ratio=1.0, outcome="compliant")


def test_recordings_and_device_possession_are_one_union(write_package: WritePackage) -> None:
    a = run_audit(
        write_package,
        shifts=[shift("s1", 0, H)],
        recordings=[rec("r1", 0, 30 * M)],
        events=[ev("c1", 15 * M, "checkout", "o1"), ev("c1", 45 * M, "checkin")],
    )
    a.shift("s1", possession_ratio=0.75, recorded_ratio=0.5)


def test_checkout_opens_a_possession_for_its_officer_only(write_package: WritePackage) -> None:
    a = run_audit(
        write_package,
        shifts=[shift("s1", 0, H), shift("s2", 0, H, officer="o2")],
        events=[ev("c1", 15 * M, "checkout", "o1"), ev("c1", 45 * M, "checkin", "o2")],
    )
    a.shift("s1", possession_ratio=0.5, recorded_ratio=0.0)
    a.shift("s2", possession_ratio=0.0)


def test_checkout_without_officer_opens_nothing(write_package: WritePackage) -> None:
    a = run_audit(
        write_package,
        shifts=[shift("s1", 0, H)],
        events=[ev("c1", 0, "checkout")],
        cameras=[("c1", "o1")],  # the assigned officer is for undocks only
    )
    a.shift("s1", possession_ratio=0.0)


def test_undock_opens_for_the_event_officer_first(write_package: WritePackage) -> None:
    a = run_audit(
        write_package,
        shifts=[shift("s1", 0, H), shift("s2", 0, H, officer="o2")],
        events=[ev("c1", 0, "undock", "o2"), ev("c1", 30 * M, "dock")],
        cameras=[("c1", "o1")],
    )
    a.shift("s1", possession_ratio=0.0)
    a.shift("s2", possession_ratio=0.5)


def test_undock_without_officer_falls_back_to_the_assigned_officer(
    write_package: WritePackage,
) -> None:
    a = run_audit(
        write_package,
        shifts=[shift("s1", 0, H), shift("s2", 0, H, officer="o2")],
        events=[
            ev("c1", 0, "undock"),
            ev("c1", 20 * M, "dock"),
            ev("c2", 0, "undock"),  # no assigned officer: opens nothing
            ev("c3", 0, "undock"),  # camera not in the cameras table: opens nothing
        ],
        cameras=[("c1", "o1"), ("c2", "")],
    )
    a.shift("s1", possession_ratio=1 / 3)
    a.shift("s2", possession_ratio=0.0)


def test_undock_without_officer_or_cameras_table_opens_nothing(
    write_package: WritePackage,
) -> None:
    a = run_audit(write_package, shifts=[shift("s1", 0, H)], events=[ev("c1", 0, "undock")])
    a.shift("s1", possession_ratio=0.0)


@pytest.mark.parametrize("closer", ["checkin", "dock", "checkout", "undock"])
def test_possession_closes_at_the_camera_s_next_event(
    write_package: WritePackage, closer: str
) -> None:
    a = run_audit(
        write_package,
        shifts=[shift("s1", 0, H), shift("s2", 0, H, officer="o2")],
        events=[ev("c1", 0, "checkout", "o1"), ev("c1", 20 * M, closer, "o2")],
    )
    a.shift("s1", possession_ratio=1 / 3)
    # a checkout or undock closes the previous possession and opens one for its own officer
    opens = closer in ("checkout", "undock")
    a.shift("s2", possession_ratio=2 / 3 if opens else 0.0)


def test_possession_closes_only_at_the_same_camera_s_events(write_package: WritePackage) -> None:
    a = run_audit(
        write_package,
        shifts=[shift("s1", 0, H)],
        events=[
            ev("c1", 0, "checkout", "o1"),
            ev("c2", 10 * M, "checkin", "o1"),
            ev("c1", 30 * M, "checkin"),
        ],
    )
    a.shift("s1", possession_ratio=0.5)


@pytest.mark.parametrize(
    ("max_hours", "checkin_at", "ratio"),
    [(0.25, None, 0.25), (0.25, 30 * M, 0.25), (1, 30 * M, 0.5), (24, None, 1.0), (0.5, None, 0.5)],
)
def test_possession_ends_at_max_possession_hours_or_checkin_whichever_first(
    write_package: WritePackage, max_hours: float, checkin_at: int | None, ratio: float
) -> None:
    events = [ev("c1", 0, "checkout", "o1")]
    if checkin_at is not None:
        events.append(ev("c1", checkin_at, "checkin"))
    a = run_audit(
        write_package,
        make_policy(max_possession_hours=max_hours),
        shifts=[shift("s1", 0, H)],
        events=events,
    )
    a.shift("s1", possession_ratio=ratio)


def test_unclosed_undock_ends_at_max_possession_hours(write_package: WritePackage) -> None:
    a = run_audit(
        write_package,
        make_policy(max_possession_hours=0.75),
        shifts=[shift("s1", 0, 2 * H)],
        events=[ev("c1", 0, "undock", "o1")],
    )
    a.shift("s1", possession_ratio=0.375)


def test_power_and_battery_events_neither_open_nor_close(write_package: WritePackage) -> None:
    a = run_audit(
        write_package,
        shifts=[shift("s1", 0, H), shift("s2", 0, H, officer="o2")],
        events=[
            ev("c1", 0, "checkout", "o1"),
            ev("c1", 10 * M, "power_off", "o1"),
            ev("c1", 20 * M, "battery", "o1"),
            ev("c1", 30 * M, "power_on", "o1"),
            ev("c1", 45 * M, "checkin"),
            ev("c2", 0, "power_on", "o2"),
            ev("c2", 5 * M, "battery", "o2"),
        ],
    )
    a.shift("s1", possession_ratio=0.75)
    a.shift("s2", possession_ratio=0.0)


# ---- shifts: which need a camera --------------------------------------------------------------


@pytest.mark.parametrize(
    ("kinds", "required"),
    [
        (["regular", "paid_detail"], [True, False, True]),
        ("all", [True, True, True]),
        ([], [False, False, False]),
    ],
)
def test_shift_kinds(write_package: WritePackage, kinds: Any, required: list[bool]) -> None:
    a = run_audit(
        write_package,
        make_policy(shift_kinds=kinds),
        shifts=[
            shift("s1", 0, H, kind="regular"),
            shift("s2", H, 2 * H, kind="overtime"),
            shift("s3", 2 * H, 3 * H, kind="paid_detail"),
        ],
        recordings=[rec("r1", 0, 3 * H)],
    )
    for sid, req in zip(("s1", "s2", "s3"), required, strict=True):
        a.shift(sid, required=req, equipment="equipped" if req else "not_required")


@pytest.mark.parametrize("uniformed_only", [True, False])
def test_uniformed_only(write_package: WritePackage, uniformed_only: bool) -> None:
    a = run_audit(
        write_package,
        make_policy(uniformed_only=uniformed_only),
        shifts=[
            shift("s1", 0, H, uniformed="true"),
            shift("s2", H, 2 * H, uniformed="false"),
            shift("s3", 2 * H, 3 * H),  # uniformed defaults to true
        ],
    )
    a.shift("s1", required=True, equipment="unequipped")
    a.shift("s2", required=not uniformed_only)
    a.shift("s3", required=True)


def test_units_use_the_shift_s_unit_else_the_officer_s(write_package: WritePackage) -> None:
    a = run_audit(
        write_package,
        make_policy(units=["A"]),
        shifts=[
            shift("s1", 0, H, officer="o1"),  # officer's unit A
            shift("s2", H, 2 * H, officer="o1", unit="B"),  # the shift's unit wins
            shift("s3", 0, H, officer="o2", unit="A"),
            shift("s4", H, 2 * H, officer="o2"),  # officer's unit B
            shift("s5", 0, H, officer="o4", unit="A"),  # officer not in the table
        ],
        officers=[("o1", "A", ""), ("o2", "B", "")],
    )
    a.shift("s1", required=True, equipment="unequipped")
    a.shift("s2", required=False, equipment="not_required")
    a.shift("s3", required=True, equipment="unequipped")
    a.shift("s4", required=False, equipment="not_required")
    a.shift("s5", required=True, equipment="unequipped")


def test_a_shift_with_no_unit_anywhere_is_outside_a_unit_list(
    write_package: WritePackage,
) -> None:
    """Neither the shift nor its officer names a unit (or the officer is unknown): only
    ``units: all`` includes it, so under a list the shift is not required."""
    a = run_audit(
        write_package,
        make_policy(units=["A"]),
        shifts=[shift("s1", 0, H, officer="o3"), shift("s2", 0, H, officer="o4")],
        recordings=[rec("r1", 0, H, officer="o3"), rec("r2", 0, H, officer="o4")],
        encounters=[enc("e1", 0, 10 * M, officer="o3")],
        officers=[("o3", "", "")],
    )
    a.shift("s1", required=False, equipment="not_required")
    a.shift("s2", required=False, equipment="not_required")
    a.encounter("e1", required=False, outcome="not_required", shift_id="s1")


def test_trained_only_compares_trained_on_with_the_local_start_date(
    write_package: WritePackage,
) -> None:
    """In New York, 2020-01-02T02:00Z is 2020-01-01 21:00 local: the shift starts on the 1st."""
    evening = 26 * H  # 2020-01-02T02:00Z
    midnight = 29 * H  # 2020-01-02T05:00Z = 2020-01-02 00:00 local
    a = run_audit(
        write_package,
        make_policy(trained_only=True, shift_kinds=["regular"]),
        shifts=[
            shift("s1", evening, evening + H, officer="o1"),
            shift("s2", evening, evening + H, officer="o2"),
            shift("s3", evening, evening + H, officer="o3"),
            shift("s4", evening, evening + H, officer="o4"),
            shift("s5", midnight, midnight + H, officer="o2"),
            shift("s6", evening, evening + H, officer="o3", kind="overtime"),
        ],
        recordings=[rec("r1", evening, midnight + H, officer="o2")],
        officers=[("o1", "", "2020-01-01"), ("o2", "", "2020-01-02"), ("o3", "", "")],
        timezone="America/New_York",
    )
    a.shift("s1", required=True, equipment="unequipped")  # trained on the start date
    a.shift("s2", required=False, equipment="untrained", possession_ratio=1.0)
    a.shift("s3", required=False, equipment="untrained")  # never trained
    a.shift("s4", required=False, equipment="untrained")  # not in the officers table
    a.shift("s5", required=True, equipment="equipped")
    a.shift("s6", required=False, equipment="not_required")  # not required anyway


def test_without_trained_only_training_does_not_matter(write_package: WritePackage) -> None:
    a = run_audit(
        write_package,
        make_policy(trained_only=False),
        shifts=[shift("s1", 0, H, officer="o3")],
        officers=[("o3", "", "")],
    )
    a.shift("s1", required=True, equipment="unequipped")


def test_encounter_on_an_untrained_shift_follows_its_shift(write_package: WritePackage) -> None:
    a = run_audit(
        write_package,
        make_policy(trained_only=True),
        shifts=[shift("s1", 0, H, officer="o3")],
        encounters=[enc("e1", 0, 10 * M, officer="o3")],
        officers=[("o3", "", "2020-06-01")],
    )
    a.shift("s1", required=False, equipment="untrained")
    a.encounter("e1", shift_id="s1", required=False, outcome="not_required")


def test_ratios_are_reported_for_shifts_that_need_no_camera(write_package: WritePackage) -> None:
    a = run_audit(
        write_package,
        make_policy(shift_kinds=["regular"]),
        shifts=[shift("s1", 0, H, kind="overtime")],
        recordings=[rec("r1", 0, 15 * M)],
        events=[ev("c1", 15 * M, "checkout", "o1"), ev("c1", 30 * M, "checkin")],
    )
    a.shift("s1", required=False, equipment="not_required", recorded_ratio=0.25,
            possession_ratio=0.5)  # fmt: skip


def test_ratios_measure_only_inside_the_shift(write_package: WritePackage) -> None:
    a = run_audit(
        write_package,
        shifts=[shift("s1", H, 2 * H)],
        recordings=[rec("r1", 0, H + 6 * M), rec("r2", 2 * H - 6 * M, 3 * H)],
    )
    a.shift("s1", recorded_ratio=0.2, possession_ratio=0.2)


@pytest.mark.parametrize(
    ("min_ratio", "held_us", "equipment"),
    [
        (0.9, 900 * US, "equipped"),  # exactly at the minimum: ≥ is equipped
        (0.9, 900 * US - 1, "unequipped"),
        (1, 1000 * US, "equipped"),
        (1, 1000 * US - 1, "unequipped"),
        (0, 0, "equipped"),
        (0.5, 500 * US, "equipped"),
    ],
)
def test_equipment_at_min_possession_ratio(
    write_package: WritePackage, min_ratio: float, held_us: int, equipment: str
) -> None:
    recordings = [rec("r1", 0, 0, end_us=held_us)] if held_us else []
    a = run_audit(
        write_package,
        make_policy(min_possession_ratio=min_ratio),
        shifts=[shift("s1", 0, 1000)],
        recordings=recordings,
    )
    a.shift("s1", required=True, possession_ratio=held_us / (1000 * US), equipment=equipment)


def test_whole_shift_recording(write_package: WritePackage) -> None:
    a = run_audit(
        write_package,
        make_policy(whole_shift=True, min_shift_recorded_ratio=0.5, shift_kinds=["regular"]),
        shifts=[
            shift("s1", 0, H, officer="o1"),
            shift("s2", 0, H, officer="o2"),
            shift("s3", 0, H, officer="o3", kind="overtime"),
            shift("s4", 0, H, officer="o4"),
        ],
        recordings=[
            rec("r1", 0, 30 * M, officer="o1"),  # exactly the minimum: recorded
            rec("r2", 0, 30 * M, officer="o2", end_us=-1),
            rec("r3", 0, H, officer="o3"),
        ],
        events=[ev("c1", 0, "checkout", "o4")],  # held the whole shift, recorded none of it
    )
    a.shift("s1", recording="recorded", recorded_ratio=0.5)
    a.shift("s2", recording="under_recorded")
    a.shift("s3", recording="not_required", recorded_ratio=1.0)
    a.shift("s4", recording="under_recorded", equipment="equipped", recorded_ratio=0.0)


def test_no_recording_column_without_whole_shift(write_package: WritePackage) -> None:
    a = run_audit(write_package, make_policy(whole_shift=False), shifts=[shift("s1", 0, H)])
    a.shift("s1", recording="<absent>")


# ---- encounters: context shift ----------------------------------------------------------------


def test_context_is_the_shift_with_the_largest_overlap(write_package: WritePackage) -> None:
    a = run_audit(
        write_package,
        shifts=[shift("s1", 0, 2 * H), shift("s2", 2 * H, 4 * H, kind="overtime")],
        encounters=[enc("e1", 90 * M, 3 * H), enc("e2", H, 150 * M)],
    )
    a.encounter("e1", shift_id="s2", shift_kind="overtime")
    a.encounter("e2", shift_id="s1", shift_kind="regular")


def test_context_tie_goes_to_the_earliest_start(write_package: WritePackage) -> None:
    a = run_audit(
        write_package,
        shifts=[shift("s1", 2 * H, 4 * H, kind="overtime"), shift("s9", 0, 2 * H)],
        encounters=[enc("e1", H, 3 * H)],
    )
    a.encounter("e1", shift_id="s9", shift_kind="regular")


def test_context_tie_on_start_goes_to_the_smallest_shift_id(write_package: WritePackage) -> None:
    a = run_audit(
        write_package,
        shifts=[shift("b", 0, 2 * H, kind="overtime"), shift("a", 0, 2 * H)],
        encounters=[enc("e1", H, 3 * H), enc("e2", H, H)],
    )
    a.encounter("e1", shift_id="a", shift_kind="regular")
    a.encounter("e2", shift_id="a")


def test_context_among_shifts_with_the_same_start(write_package: WritePackage) -> None:
    """s1 and s2 start together; the encounter overlaps s2 (the longer) far more."""
    a = run_audit(
        write_package,
        shifts=[shift("s1", 0, H), shift("s2", 0, 8 * H, kind="overtime")],
        encounters=[enc("e1", 30 * M, 3 * H), enc("e2", 2 * H, 2 * H)],
    )
    a.encounter("e1", shift_id="s2", shift_kind="overtime")
    a.encounter("e2", shift_id="s2", shift_kind="overtime")


def test_context_of_an_instant_is_the_shift_with_start_le_t_lt_end(
    write_package: WritePackage,
) -> None:
    a = run_audit(
        write_package,
        shifts=[shift("s1", 0, H), shift("s2", H, 2 * H, kind="overtime")],
        encounters=[
            enc("e0", 0, 0),
            enc("e1", 30 * M, 30 * M),
            enc("e2", H, H),  # the end of s1 is the start of s2
            enc("e3", 2 * H, 2 * H),  # the end of s2, and no shift starts there
            enc("e4", -1, -1),
        ],
    )
    a.encounter("e0", shift_id="s1")
    a.encounter("e1", shift_id="s1")
    a.encounter("e2", shift_id="s2", shift_kind="overtime")
    a.encounter("e3", shift_id=None, shift_kind="unscheduled")
    a.encounter("e4", shift_id=None, shift_kind="unscheduled")


def test_context_needs_a_positive_overlap(write_package: WritePackage) -> None:
    a = run_audit(
        write_package,
        shifts=[shift("s1", H, 2 * H)],
        encounters=[enc("e1", 2 * H, 3 * H), enc("e2", 0, H), enc("e3", 0, H, officer="o2")],
    )
    a.encounter("e1", shift_id=None, shift_kind="unscheduled")
    a.encounter("e2", shift_id=None, shift_kind="unscheduled")
    a.encounter("e3", shift_id=None, shift_kind="unscheduled")


def test_context_ignores_other_officers_shifts(write_package: WritePackage) -> None:
    a = run_audit(
        write_package,
        shifts=[shift("s1", 0, H, officer="o2"), shift("s2", 0, 5 * M)],
        encounters=[enc("e1", 0, 30 * M)],
    )
    a.encounter("e1", shift_id="s2")


# ---- encounters: which must be recorded -------------------------------------------------------


@pytest.mark.parametrize("outside", [False, True])
def test_encounter_required(write_package: WritePackage, outside: bool) -> None:
    a = run_audit(
        write_package,
        make_policy(
            shift_kinds=["regular"],
            encounter_types=["arrest"],
            outside_required_shifts=outside,
        ),
        shifts=[shift("s1", 0, H), shift("s2", H, 2 * H, kind="overtime")],
        encounters=[
            enc("e1", 10 * M, 20 * M),  # arrest on a required shift
            enc("e2", 10 * M, 20 * M, type_="self_initiated"),
            enc("e3", 70 * M, 80 * M),  # arrest on an overtime shift
            enc("e4", 3 * H, 3 * H + M),  # unscheduled arrest
            enc("e5", 3 * H, 3 * H + M, type_="other"),
            enc("e6", 70 * M, 70 * M),  # an instant on overtime
        ],
    )
    a.encounter("e1", required=True, outcome="no_video")
    a.encounter("e2", required=False, outcome="not_required")
    a.encounter("e3", required=outside, outcome="no_video" if outside else "not_required")
    a.encounter("e4", required=True, outcome="no_video", shift_kind="unscheduled")
    a.encounter("e5", required=False, outcome="not_required")
    a.encounter("e6", required=outside)


def test_encounter_types_all_and_empty(write_package: WritePackage) -> None:
    for types, required in (("all", True), ([], False)):
        a = run_audit(
            write_package,
            make_policy(encounter_types=types),
            encounters=[enc("e1", 0, M, type_="other")],
        )
        a.encounter("e1", required=required)


# ---- encounters: coverage ---------------------------------------------------------------------


def test_coverage_ratio(write_package: WritePackage) -> None:
    a = run_audit(
        write_package,
        make_policy(start_grace_s=300),
        encounters=[enc("e1", 0, 10 * M), enc("e2", 20 * M, 30 * M)],
        recordings=[rec("r1", 5 * M, 20 * M), rec("r2", 25 * M, H)],
    )
    a.encounter("e1", coverage_ratio=0.5, outcome="compliant")
    a.encounter("e2", coverage_ratio=0.5, outcome="compliant")


def test_no_video(write_package: WritePackage) -> None:
    """Nothing of o1 inside: a recording that starts exactly at the end or ends exactly at the
    start touches the encounter at one point and contributes nothing; o2's do not count."""
    a = run_audit(
        write_package,
        make_policy(start_grace_s=60, end_grace_s=60, max_gap_s=60),
        encounters=[enc("e1", H, 2 * H), enc("e2", 3 * H, 4 * H)],
        recordings=[
            rec("r1", 0, H),
            rec("r2", 2 * H, 3 * H, reason="privacy"),
            rec("r3", 3 * H, 4 * H, officer="o2"),
        ],
    )
    for eid in ("e1", "e2"):
        a.encounter(eid, coverage_ratio=0.0, outcome="no_video", late_start=False,
                    early_stop=False, unexcused_gap=False, excused=False)  # fmt: skip


def test_other_officers_recordings_do_not_count(write_package: WritePackage) -> None:
    a = run_audit(
        write_package,
        shifts=[shift("s1", 0, H)],
        encounters=[enc("e1", 0, 10 * M)],
        recordings=[rec("r1", 0, 5 * M), rec("r2", 5 * M, H, officer="o2")],
    )
    a.encounter("e1", coverage_ratio=0.5, outcome="early_stop")
    a.shift("s1", recorded_ratio=1 / 12)


@pytest.mark.parametrize(
    ("grace", "start_us", "late"),
    [
        (30, 30 * US, False),  # first == a + grace: not late
        (30, 30 * US + 1, True),
        (0, 0, False),
        (0, 1, True),
        (60, 60 * US, False),
        (60, 60 * US + 1, True),
    ],
)
def test_late_start_at_the_grace(
    write_package: WritePackage, grace: int, start_us: int, late: bool
) -> None:
    a = run_audit(
        write_package,
        make_policy(start_grace_s=grace),
        encounters=[enc("e1", 0, 10 * M)],
        recordings=[rec("r1", 0, 11 * M, start_us=start_us)],
    )
    a.encounter("e1", late_start=late, outcome="late_start" if late else "compliant",
                early_stop=False, unexcused_gap=False, excused=False)  # fmt: skip


@pytest.mark.parametrize(
    ("grace", "end_us", "early"),
    [
        (30, -30 * US, False),  # last == b - grace: not early
        (30, -30 * US - 1, True),
        (0, 0, False),
        (0, -1, True),
    ],
)
def test_early_stop_at_the_end_grace(
    write_package: WritePackage, grace: int, end_us: int, early: bool
) -> None:
    a = run_audit(
        write_package,
        make_policy(end_grace_s=grace),
        encounters=[enc("e1", 0, 10 * M)],
        recordings=[rec("r1", -M, 10 * M, end_us=end_us)],
    )
    a.encounter("e1", early_stop=early, outcome="early_stop" if early else "compliant",
                late_start=False, excused=False)  # fmt: skip


@pytest.mark.parametrize(
    ("reason", "allowed", "excused"),
    [
        ("privacy", ["privacy", "bystanders"], True),
        ("battery", ["privacy", "bystanders"], False),
        ("", ["privacy", "bystanders"], False),
        ("privacy", [], False),
    ],
)
def test_early_stop_is_excused_by_an_allowed_reason(
    write_package: WritePackage, reason: str, allowed: list[str], excused: bool
) -> None:
    a = run_audit(
        write_package,
        make_policy(allowed_reasons=allowed),
        encounters=[enc("e1", 0, 10 * M)],
        recordings=[rec("r1", 0, 5 * M, reason=reason)],
    )
    a.encounter("e1", outcome="excused" if excused else "early_stop", excused=excused,
                early_stop=not excused, late_start=False, unexcused_gap=False)  # fmt: skip


def test_early_stop_excuse_needs_a_recording_ending_exactly_at_last(
    write_package: WritePackage,
) -> None:
    a = run_audit(
        write_package,
        make_policy(allowed_reasons=["privacy"]),
        encounters=[
            enc("e1", 0, 10 * M, officer="o1"),
            enc("e2", 0, 10 * M, officer="o2"),
            enc("e3", 0, 10 * M, officer="o3"),
        ],
        recordings=[
            # o1: one of two recordings ending at `last` has an allowed reason: excused
            rec("r1", 0, 5 * M, officer="o1"),
            rec("r2", M, 5 * M, officer="o1", reason="privacy"),
            # o2: the allowed reason ends inside the coverage, before `last`
            rec("r3", 0, 4 * M, officer="o2", reason="privacy"),
            rec("r4", M, 5 * M, officer="o2"),
            # o3: another officer's recording ends at `last` with an allowed reason
            rec("r5", 0, 5 * M, officer="o3"),
            rec("r6", 0, 5 * M, officer="o1b", reason="privacy"),
        ],
    )
    a.encounter("e1", outcome="excused", excused=True, early_stop=False)
    a.encounter("e2", outcome="early_stop", excused=False, early_stop=True)
    a.encounter("e3", outcome="early_stop", excused=False, early_stop=True)


@pytest.mark.parametrize(
    ("max_gap", "pause_us", "gap"),
    [
        (60, 60 * US, False),  # exactly max_gap_s: not a gap
        (60, 60 * US + 1, True),
        (30, 30 * US, False),
        (30, 30 * US + 1, True),
        (0, 0, False),  # touching recordings [1,2) + [2,3) make no gap
        (0, 1, True),
    ],
)
def test_gap_longer_than_max_gap(
    write_package: WritePackage, max_gap: int, pause_us: int, gap: bool
) -> None:
    a = run_audit(
        write_package,
        make_policy(max_gap_s=max_gap),
        encounters=[enc("e1", 0, 10 * M)],
        recordings=[rec("r1", 0, 2 * M), rec("r2", 2 * M, 10 * M, start_us=pause_us)],
    )
    a.encounter("e1", unexcused_gap=gap, outcome="gap" if gap else "compliant",
                excused=False, late_start=False, early_stop=False)  # fmt: skip
    if not gap:
        a.encounter("e1", coverage_ratio=1 - pause_us / (10 * M * US))


@pytest.mark.parametrize(
    ("reason", "excused"), [("privacy", True), ("battery", False), ("", False)]
)
def test_gap_is_excused_by_the_reason_of_the_recording_ending_where_it_begins(
    write_package: WritePackage, reason: str, excused: bool
) -> None:
    a = run_audit(
        write_package,
        make_policy(allowed_reasons=["privacy"], max_gap_s=30),
        encounters=[enc("e1", 0, 10 * M)],
        recordings=[rec("r1", 0, 2 * M, reason=reason), rec("r2", 3 * M, 10 * M)],
    )
    a.encounter("e1", excused=excused, unexcused_gap=not excused,
                outcome="excused" if excused else "gap")  # fmt: skip


def test_gap_excuse_ignores_allowed_stops_inside_the_coverage(
    write_package: WritePackage,
) -> None:
    """The privacy stop at 2 min is covered by r2 up to 3 min, where the gap begins."""
    a = run_audit(
        write_package,
        make_policy(allowed_reasons=["privacy"]),
        encounters=[enc("e1", 0, 10 * M)],
        recordings=[
            rec("r1", 0, 2 * M, reason="privacy"),
            rec("r2", M, 3 * M),
            rec("r3", 5 * M, 10 * M),
        ],
    )
    a.encounter("e1", outcome="gap", unexcused_gap=True, excused=False)


def test_only_gaps_between_first_and_last_count(write_package: WritePackage) -> None:
    a = run_audit(
        write_package,
        make_policy(start_grace_s=30, end_grace_s=30),
        encounters=[enc("e1", 0, 10 * M)],
        recordings=[
            rec("r1", -10 * M, -5 * M),  # a pause before the encounter
            rec("r2", 10, 10 * M - 10),  # uncovered edges are before first and after last
            rec("r3", 10 * M + 5 * M, 10 * M + 6 * M),
        ],
    )
    a.encounter("e1", outcome="compliant", unexcused_gap=False, late_start=False,
                early_stop=False, coverage_ratio=580 / 600)  # fmt: skip


# ---- encounters: outcome precedence -----------------------------------------------------------


@pytest.mark.parametrize(
    ("recordings", "outcome", "flags"),
    [
        # late start and early stop and a gap: late_start first
        ([(M, 3 * M, ""), (4 * M, 9 * M, "")], "late_start", (True, True, True, False)),
        # early stop and a gap: early_stop
        ([(0, 3 * M, ""), (4 * M, 9 * M, "")], "early_stop", (False, True, True, False)),
        # an unexcused gap beats an excused early stop
        ([(0, 3 * M, ""), (4 * M, 9 * M, "privacy")], "gap", (False, False, True, True)),
        # an excused gap and an unexcused one
        ([(0, 3 * M, "privacy"), (4 * M, 6 * M, ""), (7 * M, 11 * M, "")], "gap",
         (False, False, True, True)),
        # an excused gap alone
        ([(0, 3 * M, "privacy"), (4 * M, 11 * M, "")], "excused", (False, False, False, True)),
        # late start beats an excused early stop
        ([(M, 9 * M, "privacy")], "late_start", (True, False, False, True)),
        ([(0, 10 * M, "")], "compliant", (False, False, False, False)),
    ],
)  # fmt: skip
def test_outcome_precedence(
    write_package: WritePackage,
    recordings: list[tuple[int, int, str]],
    outcome: str,
    flags: tuple[bool, bool, bool, bool],
) -> None:
    a = run_audit(
        write_package,
        make_policy(allowed_reasons=["privacy"]),
        encounters=[enc("e1", 0, 10 * M)],
        recordings=[rec(f"r{i}", s, e, reason=r) for i, (s, e, r) in enumerate(recordings)],
    )
    late, early, gap, excused = flags
    a.encounter("e1", outcome=outcome, late_start=late, early_stop=early, unexcused_gap=gap,
                excused=excused)  # fmt: skip


def test_flags_are_reported_for_encounters_that_need_no_recording(
    write_package: WritePackage,
) -> None:
    a = run_audit(
        write_package,
        make_policy(encounter_types=["arrest"], allowed_reasons=["privacy"]),
        encounters=[
            enc("e1", 0, 10 * M, type_="other"),
            enc("e2", 0, 10 * M, officer="o2", type_="other"),
        ],
        recordings=[
            rec("r1", M, 3 * M, reason="privacy"),
            rec("r2", 4 * M, 9 * M),
            rec("r3", 0, 9 * M, officer="o2", reason="privacy"),
        ],
    )
    a.encounter("e1", required=False, outcome="not_required", coverage_ratio=0.7,
                late_start=True, early_stop=True, unexcused_gap=False, excused=True)  # fmt: skip
    a.encounter("e2", required=False, outcome="not_required", coverage_ratio=0.9,
                late_start=False, early_stop=False, excused=True)  # fmt: skip


# ---- instants ---------------------------------------------------------------------------------


def test_instants(write_package: WritePackage) -> None:
    a = run_audit(
        write_package,
        make_policy(end_grace_s=0, start_grace_s=0),
        encounters=[
            enc("e1", 10 * M, 10 * M),  # inside r1
            enc("e2", 20 * M, 20 * M),  # r2 starts exactly here: covered
            enc("e3", 30 * M, 30 * M),  # r2 ends exactly here: not covered
            enc("e4", 40 * M, 40 * M),
            enc("e5", 10 * M, 10 * M, officer="o2"),  # o1's recording does not count
        ],
        recordings=[rec("r1", 5 * M, 15 * M), rec("r2", 20 * M, 30 * M)],
    )
    quiet = {"late_start": False, "early_stop": False, "unexcused_gap": False, "excused": False}
    a.encounter("e1", coverage_ratio=1.0, outcome="compliant", **quiet)
    a.encounter("e2", coverage_ratio=1.0, outcome="compliant", **quiet)
    a.encounter("e3", coverage_ratio=0.0, outcome="no_video", **quiet)
    a.encounter("e4", coverage_ratio=0.0, outcome="no_video", **quiet)
    a.encounter("e5", coverage_ratio=0.0, outcome="no_video", **quiet)


def test_instant_covered_by_a_zero_length_recording_is_not(write_package: WritePackage) -> None:
    a = run_audit(
        write_package,
        encounters=[enc("e1", 10 * M, 10 * M)],
        recordings=[rec("r1", 10 * M, 10 * M)],
    )
    a.encounter("e1", coverage_ratio=0.0, outcome="no_video")


def test_coverage_is_cut_at_the_encounter(write_package: WritePackage) -> None:
    a = run_audit(
        write_package,
        encounters=[enc("e1", 0, 10 * M)],
        recordings=[rec("r1", -H, H, camera="c1"), rec("r2", -H, H, camera="c2")],
    )
    a.encounter("e1", coverage_ratio=1.0, outcome="compliant")
