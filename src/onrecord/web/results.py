"""The latest audit results as the console reads them: summary.json for every number, DuckDB
over the row outputs (Parquet or CSV) and the audited package for the review queue, the
encounter timelines and the overtime gap.

summary.json stays the single source of the rates: pages and the API take them from here, and
the public edition is made by the audit's own ``public_summary``, so the dashboard, the report
and the API cannot disagree. DuckDB answers only what the summary does not hold (which
encounters, which recordings, how many shifts at once). A summary.json of another format or
version than this OnRecord writes is refused at start-up, with the file, its version and the
one this version reads.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import duckdb

from onrecord.audit.models import AuditSummary, Row
from onrecord.audit.public import public_summaries
from onrecord.audit.report import compare as comparison
from onrecord.audit.report import render_report, sections
from onrecord.audit.report.compare import CompareView
from onrecord.audit.report.sections import ReportView
from onrecord.output import SummaryError, read_summary
from onrecord.package.formats import TableFormat
from onrecord.package.loader import load
from onrecord.package.values import sql_str

UNEXCUSED = ("no_video", "late_start", "early_stop", "gap")
PAGE_SIZE = 50
UNSCHEDULED_MARGIN = timedelta(hours=1)


class ResultsError(Exception):
    """The audit folder or its package cannot be read; the message says what to do."""


@dataclass(frozen=True)
class ReviewFilter:
    """The review queue's filters; ``None`` means any. A supervisor's station is forced."""

    station: str | None = None
    officer: str | None = None
    type: str | None = None
    month: str | None = None
    outcome: str | None = None


@dataclass(frozen=True)
class ReviewPage:
    rows: list[dict[str, Any]]
    total: int
    offset: int
    limit: int


@dataclass(frozen=True)
class Recording:
    recording_id: str
    start: datetime
    end: datetime
    stop_reason: str | None
    camera_id: str | None


@dataclass(frozen=True)
class EncounterDetail:
    """One encounter with its context shift and the officer's recordings around it."""

    encounter: dict[str, Any]
    shift: dict[str, Any] | None
    recordings: list[Recording]
    window: tuple[datetime, datetime]  # what the timeline draws


def _row_files(folder: Path, name: str) -> str:
    for fmt in (TableFormat.PARQUET, TableFormat.CSV):
        path, reader = folder / f"{name}{fmt.suffix}", f"read_{fmt}"
        if path.is_file():
            return f"{reader}({sql_str(str(path))})"
    raise ResultsError(
        f"{folder} has no {name}.parquet or {name}.csv: serve a full (not --public) audit folder"
    )


def _read_summary(path: Path) -> AuditSummary:
    if not path.is_file():
        raise ResultsError(f"{path} does not exist: run `onrecord audit` first")
    try:
        return read_summary(path, AuditSummary)
    except SummaryError as e:
        raise ResultsError(str(e)) from None


def _json(doc: AuditSummary) -> bytes:
    return json.dumps(doc.document(), separators=(",", ":")).encode()


def rows_json(rows: list[Row]) -> list[dict[str, Any]]:
    """Breakdown rows as summary.json holds them (a row's absent measures stay absent)."""
    return [r.document() for r in rows]


class Results:
    """An audit output folder, read once at start-up (the results of one audit do not change)."""

    def __init__(self, audit_dir: Path, package_dir: Path | None = None) -> None:
        self.model = _read_summary(audit_dir / "summary.json")
        if self.model.public:
            raise ResultsError(
                f"{audit_dir} holds a public edition; serve the full audit (the console "
                "makes the public edition itself)"
            )
        compare = audit_dir / "compare" / "summary.json"
        self.compare_model = _read_summary(compare) if compare.is_file() else None
        # made together: the comparison publishes both, so neither may give the other away
        editions = public_summaries(
            self.model, *([self.compare_model] if self.compare_model else [])
        )
        self.public = editions[0]
        self.public_compare = editions[1] if self.compare_model else None
        # the API's answers, serialised once: encoding the summary per request was most of the
        # cost of /api/summary
        self.internal_json = _json(self.internal)
        examples = self.model.without_officers()
        self.internal_examples_json = (
            self.internal_json
            if examples.data_quality == self.internal.data_quality
            else _json(examples)
        )
        self.public_json = _json(self.public)
        self.public_compare_json = _json(self.public_compare) if self.public_compare else None
        timezone = self.model.package.timezone
        self.tz = ZoneInfo(timezone)
        recorded = self.model.package.path
        if package_dir is None and recorded is None:
            raise ResultsError(
                f"{audit_dir / 'summary.json'} is a public edition, which names no package: "
                "serve the full audit's folder, or pass --package DIR"
            )
        package = package_dir or Path(str(recorded))
        if not package.is_dir():
            raise ResultsError(
                f"the audited package {package} is not there (its recordings draw the encounter "
                "timelines): pass --package DIR"
            )
        self._con = load(package).con
        # the loader's tables are private to its connection; the cursors need their own copies
        self._con.execute(
            "CREATE TABLE pkg_officers AS SELECT officer_id, station_id FROM officers"
        )
        self._con.execute(
            'CREATE TABLE pkg_recordings AS SELECT recording_id, officer_id, start, "end", '
            "stop_reason, camera_id FROM recordings"
        )
        self._con.execute(
            f"CREATE TABLE out_shifts AS SELECT * REPLACE (CAST(start AS TIMESTAMPTZ) AS start, "
            f'CAST("end" AS TIMESTAMPTZ) AS "end") FROM {_row_files(audit_dir, "shifts")}'
        )
        self._con.execute(
            f"CREATE TABLE out_encounters AS SELECT * REPLACE (CAST(start AS TIMESTAMPTZ) AS "
            f'start, CAST("end" AS TIMESTAMPTZ) AS "end") '
            f"FROM {_row_files(audit_dir, 'encounters')}"
        )
        tz = sql_str(timezone)
        self._con.execute(
            f"""CREATE TABLE review AS
                SELECT e.encounter_id, e.officer_id, e.type, e.start, e."end", e.shift_id,
                       e.shift_kind, e.outcome, e.coverage_ratio,
                       coalesce(s.station_id, o.station_id) AS station_id,
                       strftime(timezone({tz}, e.start), '%Y-%m') AS month
                FROM out_encounters e
                LEFT JOIN out_shifts s USING (shift_id)
                LEFT JOIN pkg_officers o ON o.officer_id = e.officer_id
                WHERE e.required AND e.outcome IN {UNEXCUSED}"""
        )

    def _cursor(self) -> duckdb.DuckDBPyConnection:
        """A cursor per call: request handlers run on several threads."""
        return self._con.cursor()

    def _dicts(self, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
        cur = self._cursor().execute(sql, params or [])
        names = [d[0] for d in cur.description]
        return [self._local(dict(zip(names, r, strict=True))) for r in cur.fetchall()]

    def _local(self, row: dict[str, Any]) -> dict[str, Any]:
        return {k: v.astimezone(self.tz) if isinstance(v, datetime) else v for k, v in row.items()}

    @cached_property
    def summary(self) -> dict[str, Any]:
        """summary.json's content as JSON values, as a consumer of the file reads it."""
        return self.model.document()

    @cached_property
    def compare(self) -> dict[str, Any] | None:
        """compare/summary.json's content as JSON values, if audited with ``--compare``."""
        return self.compare_model.document() if self.compare_model else None

    @cached_property
    def internal(self) -> AuditSummary:
        """The summary without its per-officer rates and without the data-quality examples
        (they name officers): for roles that see aggregates only."""
        return self.model.without_officers().without_examples()

    @cached_property
    def officer_rates(self) -> list[dict[str, Any]]:
        """The per-officer rates as summary.json holds them (auditors only)."""
        return rows_json(self.model.rates.by.officer or [])

    @cached_property
    def shift_kind_rows(self) -> list[dict[str, Any]]:
        """The rates by kind of shift as summary.json holds them."""
        return rows_json(self.model.rates.by.shift_kind)

    @property
    def suppression_rule(self) -> str:
        """What the public edition withholds, in words."""
        return self.public.suppression.rule if self.public.suppression else ""

    # What the pages draw from the summaries, built once on first use (they do not change).
    @cached_property
    def public_view(self) -> ReportView:
        return sections.build(self.public)

    @cached_property
    def internal_view(self) -> ReportView:
        return sections.build(self.internal)

    @cached_property
    def public_compare_view(self) -> CompareView | None:
        if self.public_compare is None:
            return None
        return comparison.build(self.public, self.public_compare)

    @cached_property
    def compare_view(self) -> CompareView | None:
        if self.compare_model is None:
            return None
        return comparison.build(self.model, self.compare_model)

    @cached_property
    def public_report(self) -> str:
        """The audit report's public edition, as one HTML file."""
        return render_report(self.public, self.public_compare)

    @property
    def min_possession_ratio(self) -> float:
        return float(self.model.policy.rules.equipment.min_possession_ratio)

    def stations(self) -> list[str]:
        return [str(r.key) for r in self.model.rates.by.station if r.key]

    def review_options(self) -> dict[str, list[str]]:
        """The values each review filter can take, from the summary's breakdowns."""
        by = self.model.rates.by
        return {
            "station": self.stations(),
            "type": [str(r.key) for r in by.encounter_type if r.key],
            "month": [str(r.key) for r in by.month if r.key],
            "outcome": list(UNEXCUSED),
        }

    def review(self, f: ReviewFilter, offset: int = 0, limit: int = PAGE_SIZE) -> ReviewPage:
        """Required encounters with an unexcused outcome, newest first, filtered."""
        where, params = [], []
        for column, value in (
            ("station_id", f.station),
            ("officer_id", f.officer),
            ("type", f.type),
            ("month", f.month),
            ("outcome", f.outcome),
        ):
            if value:
                where.append(f"{column} = ?")
                params.append(value)
        cond = f"WHERE {' AND '.join(where)}" if where else ""
        total = self._cursor().execute(f"SELECT count(*) FROM review {cond}", params).fetchone()
        rows = self._dicts(
            f"""SELECT encounter_id, officer_id, type, start, "end", outcome, coverage_ratio,
                       station_id, shift_kind, month
                FROM review {cond} ORDER BY start DESC, encounter_id LIMIT ? OFFSET ?""",
            [*params, limit, offset],
        )
        return ReviewPage(rows, total[0] if total else 0, offset, limit)

    def encounter(self, encounter_id: str) -> EncounterDetail | None:
        """The encounter, its context shift and the officer's recordings that overlap the
        drawn window (the shift, or the encounter with an hour either side if unscheduled)."""
        found = self._dicts(
            """SELECT e.*, coalesce(s.station_id, o.station_id) AS station_id
               FROM out_encounters e
               LEFT JOIN out_shifts s USING (shift_id)
               LEFT JOIN pkg_officers o ON o.officer_id = e.officer_id
               WHERE e.encounter_id = ?""",
            [encounter_id],
        )
        if not found:
            return None
        enc = found[0]
        shift = None
        if enc["shift_id"]:
            shifts = self._dicts("SELECT * FROM out_shifts WHERE shift_id = ?", [enc["shift_id"]])
            shift = shifts[0] if shifts else None
        lo = min(enc["start"], shift["start"]) if shift else enc["start"]
        hi = max(enc["end"], shift["end"]) if shift else enc["end"]
        if shift is None:
            lo, hi = lo - UNSCHEDULED_MARGIN, hi + UNSCHEDULED_MARGIN
        recs = self._dicts(
            """SELECT recording_id, start, "end", stop_reason, camera_id FROM pkg_recordings
               WHERE officer_id = ? AND start < ? AND "end" > ? ORDER BY start""",
            [enc["officer_id"], hi, lo],
        )
        return EncounterDetail(enc, shift, [Recording(**r) for r in recs], (lo, hi))

    @cached_property
    def uncovered(self) -> dict[str, Any]:
        """Shifts worked without a camera for the policy's share of them, by kind and by
        station, with the most such shifts under way at one moment: at least that many more
        cameras, charged and at hand, would have covered them (charging time not counted)."""
        ratio = self.min_possession_ratio
        out: dict[str, Any] = {"min_possession_ratio": ratio}
        for name, column in (("by_kind", "kind"), ("by_station", "station_id")):
            out[name] = self._dicts(
                f"""WITH u AS (SELECT {column} AS key, start, "end" FROM out_shifts
                               WHERE possession_ratio < ?),
                    ev AS (SELECT key, start AS t, 1 AS d FROM u
                           UNION ALL SELECT key, "end", -1 FROM u),
                    run AS (SELECT key, sum(d) OVER (PARTITION BY key ORDER BY t, d
                                                     ROWS UNBOUNDED PRECEDING) AS n FROM ev)
                    SELECT s.key, s.shifts, s.uncovered, coalesce(p.peak, 0) AS peak
                    FROM (SELECT {column} AS key, count(*) AS shifts,
                                 count(*) FILTER (WHERE possession_ratio < ?) AS uncovered
                          FROM out_shifts GROUP BY 1) s
                    LEFT JOIN (SELECT key, max(n) AS peak FROM run GROUP BY 1) p USING (key)
                    ORDER BY s.key""",
                [ratio, ratio],
            )
        total = self._dicts(
            """WITH u AS (SELECT start, "end" FROM out_shifts WHERE possession_ratio < ?),
                ev AS (SELECT start AS t, 1 AS d FROM u UNION ALL SELECT "end", -1 FROM u)
                SELECT coalesce(max(n), 0) AS peak, (SELECT count(*) FROM u) AS uncovered
                FROM (SELECT sum(d) OVER (ORDER BY t, d ROWS UNBOUNDED PRECEDING) AS n FROM ev)""",
            [ratio],
        )[0]
        out["total"] = total
        return out
