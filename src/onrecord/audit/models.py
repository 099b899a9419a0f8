"""The audit's ``summary.json`` as typed models: what the writer builds and every reader (the
report, the public edition, the command line, the console) reads.

The full edition and the public edition are one document, ``onrecord.audit-summary/1``
(``docs/schemas/audit-summary.schema.json``): the public one adds ``public`` and
``suppression``, has no per-officer breakdown and no problem examples, and holds ``null``
where it withholds a count (from 1 to 4, or withheld with one so that it cannot be worked
out by subtraction) and the rates built on one. A measure a row does not
have is absent from the file (an encounter type has no shifts, the unscheduled row no shift
hours); read as a model it takes its empty value (0, or a rate with nothing to measure), and
:meth:`Measures.has` says whether the file had it.
"""

from __future__ import annotations

from datetime import date
from typing import Any, ClassVar, Literal

from pydantic import ConfigDict, Field
from pydantic.json_schema import SkipJsonSchema

from onrecord.output import NOTHING_TO_MEASURE, Number, Part, Rate, Summary, absent_by_default
from onrecord.package.quality import DataQuality
from onrecord.policy import PolicyDocument

AUDIT_FORMAT = "onrecord.audit-summary/1"

Outcome = Literal[
    "not_required", "no_video", "late_start", "early_stop", "gap", "excused", "compliant"
]
Flag = Literal["late_start", "early_stop", "unexcused_gap", "excused"]
Equipment = Literal["equipped", "unequipped", "untrained", "not_required"]

Count = int | None  # null: withheld in the public edition
Hours = Number | None  # null: a sum over no shifts (hours are never withheld)


class Measures(Part):
    """The counts, hours and rates of a set of shifts and encounters. Shift measures are absent
    where the set has no shifts, encounter measures where it has no encounters; the
    ``whole_shift`` ones only under a policy that requires the whole shift recorded."""

    shifts: Count = 0
    hours: Hours = None
    """Hours of those shifts."""
    required_shifts: Count = 0
    """Shifts on which the policy requires a camera."""
    required_hours: Hours = None
    equipment_equipped: Count = 0
    equipment_unequipped: Count = 0
    equipment_untrained: Count = 0
    equipment_not_required: Count = 0
    hours_possessed: Hours = None
    """Shift hours during which the officer held a camera."""
    hours_recorded: Hours = None
    """Shift hours recorded on camera."""
    required_hours_possessed: Hours = None
    recorded_shifts: Count = 0
    """Required shifts recorded end to end (whole-shift policies only)."""
    required_hours_recorded: Hours = None
    """Hours of required shifts recorded (whole-shift policies only)."""
    encounters: Count = 0
    required_encounters: Count = 0
    """Encounters the policy requires recorded."""
    outcome_not_required: Count = 0
    outcome_no_video: Count = 0
    outcome_late_start: Count = 0
    outcome_early_stop: Count = 0
    outcome_gap: Count = 0
    outcome_excused: Count = 0
    outcome_compliant: Count = 0
    flag_late_start: Count = 0
    flag_early_stop: Count = 0
    flag_unexcused_gap: Count = 0
    flag_excused: Count = 0
    equipment_rate: Rate = NOTHING_TO_MEASURE
    """equipment_equipped / required_shifts."""
    hours_on_camera_rate: Rate = NOTHING_TO_MEASURE
    """hours_possessed / hours, over every shift, required or not."""
    hours_recorded_rate: Rate = NOTHING_TO_MEASURE
    """hours_recorded / hours."""
    whole_shift_rate: Rate = NOTHING_TO_MEASURE
    """recorded_shifts / required_shifts (whole-shift policies only)."""
    compliance_rate: Rate = NOTHING_TO_MEASURE
    """(outcome_compliant + outcome_excused) / required_encounters."""

    def outcome(self, name: Outcome) -> Count:
        """``outcome_<name>``: required encounters with that outcome (``not_required``: the
        encounters that were not)."""
        n: Count = getattr(self, f"outcome_{name}")
        return n

    def flag(self, name: Flag) -> Count:
        """``flag_<name>``: required encounters with that flag."""
        n: Count = getattr(self, f"flag_{name}")
        return n

    def has(self, measure: str) -> bool:
        """Whether the summary holds ``measure`` for this row (rather than its empty value)."""
        return measure in self.model_fields_set

    def document(self) -> dict[str, Any]:
        """The row as summary.json holds it: the measures it has, by name."""
        return self.model_dump(mode="json", exclude_unset=True)


class Keyed(Part):
    key: str | None
    """The value broken down by (a kind of shift, a station id, a month ``YYYY-MM``…); null
    for rows that do not name one."""


class Row(Measures, Keyed):
    """One row of a breakdown: its key, then its measures (``Keyed`` is listed last so that
    ``key`` comes first in the file)."""


class Overall(Measures):
    """The whole period: every shift and encounter. Its counts are 0, never absent."""


class Breakdowns(Part):
    """The measures by each dimension, one row per value, ordered by key (null last)."""

    shift_kind: list[Row]
    """By kind of shift; encounters outside every shift are the ``unscheduled`` row."""
    station: list[Row]
    """By station: a shift's own, else its officer's."""
    unit: list[Row]
    officer: list[Row] | SkipJsonSchema[None] = Field(
        default=None, json_schema_extra=absent_by_default
    )
    """By officer; absent in the public edition."""
    encounter_type: list[Row]
    """By encounter type (encounter measures only)."""
    month: list[Row]
    """By month of the start (``YYYY-MM``), in the department's time zone."""


Dimension = Literal["shift_kind", "station", "unit", "officer", "encounter_type", "month"]


class Rates(Part):
    overall: Overall
    by: Breakdowns


class Period(Part):
    """The first and last local start date of any shift or encounter; null with none."""

    first: date | None = Field(alias="from")
    last: date | None = Field(alias="to")


class AuditedPackage(Part):
    name: str
    """The department's name, from ``department.yaml``."""
    path: str | SkipJsonSchema[None] = Field(default=None, json_schema_extra=absent_by_default)
    """Where the package was read from (the console reads its recordings there); absent in the
    public edition, which names no folder on the machine that ran the audit."""
    timezone: str
    """The department's IANA time zone: local dates and months are in it."""
    period: Period


class Suppression(Part):
    """What the public edition withholds, and how much."""

    rule: str
    removed: list[str]
    """What is left out altogether, by path."""
    cells: int
    """Values replaced by null."""


class AuditSummary(Summary):
    """An audit's ``summary.json``: the package and period, the policy (its text and every
    rule), the data's quality, and every rate with its numerator and denominator, overall and
    by kind of shift, station, unit, officer, encounter type and month."""

    FORMAT: ClassVar[str] = AUDIT_FORMAT
    COMMAND: ClassVar[str] = "onrecord audit"
    model_config = ConfigDict(title="onrecord.audit-summary/1")

    format: Literal["onrecord.audit-summary/1"]
    """The document and its version. A reader refuses a version it does not know."""
    onrecord_version: str
    """The version of OnRecord that wrote it."""
    methodology: str
    package: AuditedPackage
    policy: PolicyDocument
    data_quality: DataQuality
    rates: Rates
    public: bool = False
    """True in the public edition (absent in the full one)."""
    suppression: Suppression | SkipJsonSchema[None] = Field(
        default=None, json_schema_extra=absent_by_default
    )
    """The public edition's suppression rule (absent in the full edition)."""

    def document(self) -> dict[str, Any]:
        """The content of ``summary.json``: what the summary holds and nothing else (a row's
        absent measures stay absent)."""
        return self.model_dump(mode="json", by_alias=True, exclude_unset=True)

    def without_officers(self) -> AuditSummary:
        """The summary without its per-officer rates: for roles that see aggregates only."""
        by = self.rates.by
        kept = {dim: getattr(by, dim) for dim in by.model_fields_set if dim != "officer"}
        rates = self.rates.model_copy(update={"by": Breakdowns.model_validate(kept)})
        return self.model_copy(update={"rates": rates})

    def without_examples(self) -> AuditSummary:
        """The summary without the data-quality groups' examples, which name a file line and
        often an officer (an officer's dates, the camera they used): for roles that see
        aggregates only."""
        quality = self.data_quality.without_examples()
        if quality is self.data_quality:
            return self
        return self.model_copy(update={"data_quality": quality})
