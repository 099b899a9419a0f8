"""The compliance audit: every shift and encounter of a package measured against a policy.

``run_audit`` is the library entry point behind ``onrecord audit``: it runs the engine under the
policy (and, with ``compare``, under a second one), writes the row-level outputs, the summary and
the report, and returns the summaries: typed (:class:`AuditSummary`) and as ``summary.json``
holds them.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from onrecord.audit import engine, outputs, summary
from onrecord.audit.models import AuditSummary
from onrecord.audit.public import public_summaries
from onrecord.audit.report import render_report
from onrecord.output import write_summary
from onrecord.package.formats import TableFormat
from onrecord.package.loader import Package, load
from onrecord.policy import Policy, resolve_policy

Progress = Callable[[str], None]


@dataclass
class AuditResult:
    """What an audit wrote. ``summary`` and ``compare`` are the content of ``summary.json`` (and
    ``compare/summary.json``) as JSON values; ``model`` and ``compare_model`` the same, typed."""

    model: AuditSummary
    compare_model: AuditSummary | None
    summary: dict[str, Any]
    compare: dict[str, Any] | None
    files: list[Path] = field(default_factory=list)


def _run_one(
    pkg: Package,
    policy: Policy,
    out: Path,
    fmt: TableFormat,
    public: bool,
    say: Progress,
    writer: ThreadPoolExecutor,
) -> tuple[AuditSummary, Future[list[Path]] | None]:
    """Audit ``pkg`` under ``policy``: its summary, and (not with ``public``) the writing of the
    row files to ``out``. ``encounters`` is written on ``writer``, on a connection of its own,
    while the summary and the report are made: the two take about as long, and each leaves a
    core mostly idle. The audit tables must not be made again before it is done."""
    tz, whole = pkg.department.timezone, policy.recording_required.whole_shift
    written: dict[str, Path] = {}

    def write_shifts(con: duckdb.DuckDBPyConnection) -> None:
        written.update(outputs.write_rows(con, out, tz, fmt, whole, ("shifts",)))

    def write_encounters(con: duckdb.DuckDBPyConnection) -> None:
        written.update(outputs.write_rows(con, out, tz, fmt, whole, ("encounters",)))

    def rows() -> list[Path]:
        engine.beside(pkg.con, write_encounters)
        return list(written.values())

    engine.run(pkg, policy, say, alongside=None if public else write_shifts)
    pending = None if public else writer.submit(rows)
    say("computing rates")
    return summary.build(pkg, policy), pending


def _write(doc: AuditSummary, out: Path) -> tuple[dict[str, Any], Path]:
    out.mkdir(parents=True, exist_ok=True)
    document = doc.document()
    return document, write_summary(document, out)


def run_audit(
    package: str | Path | Package,
    out: str | Path,
    *,
    policy: str | Path | Policy | None = None,
    compare: str | Path | Policy | None = None,
    fmt: TableFormat = TableFormat.CSV,
    public: bool = False,
    progress: Progress | None = None,
) -> AuditResult:
    """Audit ``package`` into ``out``: ``shifts.csv``, ``encounters.csv`` (not with ``public``),
    ``summary.json`` and ``report.html``; with ``compare``, the second policy's outputs go to
    ``out/compare/`` and the report shows both side by side.

    Raises ``StructuralError`` for an unreadable package and ``PolicyError`` for a bad policy.
    """
    say = progress or (lambda _msg: None)
    if isinstance(package, Package):
        pkg = package
    else:
        pkg = load(package, progress=say, columns=engine.COLUMNS)
    main_policy = resolve_policy(policy, pkg)
    other = resolve_policy(compare, pkg) if compare is not None else None
    out, fmt = Path(out), TableFormat(fmt)
    with ThreadPoolExecutor(1, thread_name_prefix="onrecord-write") as writer:
        doc, rows = _run_one(pkg, main_policy, out, fmt, public, say, writer)
        pending = [rows] if rows else []
        compare_doc, compare_document = None, None
        if other is not None:
            for f in pending:  # the second audit makes the audit tables again
                f.result()
            compare_doc, rows = _run_one(pkg, other, out / "compare", fmt, public, say, writer)
            pending += [rows] if rows else []
        if public:  # together: the report publishes both editions side by side
            editions = public_summaries(doc, *([compare_doc] if compare_doc else []))
            doc, compare_doc = editions[0], (editions[1] if compare_doc else None)
        document, path = _write(doc, out)
        done = [path]
        if compare_doc is not None:
            compare_document, path = _write(compare_doc, out / "compare")
            done.append(path)
        say("writing the report")
        report = out / "report.html"
        report.write_text(render_report(doc, compare_doc), encoding="utf-8")
        done.append(report)
        files = [p for f in pending for p in f.result()] + done
    return AuditResult(doc, compare_doc, document, compare_document, files)
