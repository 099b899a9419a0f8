"""Complementary suppression (issue 13, point 1): no withheld count from 1 to 4 can be worked
out from what the public editions publish, checked by an independent attacker
(``suppression_attack``) that bounds each withheld count by linear programming."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hypothesis_scale import slow
from onrecord.audit import run_audit
from onrecord.audit.models import AuditSummary
from onrecord.audit.public import public_summaries, public_summary
from onrecord.audit.suppression import small, withheld_cells
from onrecord.demo import generate
from onrecord.package.loader import load
from summary_tables import OUTCOMES, summary
from suppression_attack import bounds, recovered

# The example: station A's 3 encounters without video are recovered as the overall
# count less the other stations' when only the 3 is withheld.
STATIONS = {
    ("A", "call"): {"no_video": 3, "compliant": 10},
    ("B", "call"): {"no_video": 40, "compliant": 20},
    ("C", "call"): {"no_video": 50, "compliant": 30},
}


def _primary_only(s: AuditSummary) -> dict[str, Any]:
    """The edition the console published before this fix: only the counts from 1 to 4 null."""
    doc = s.document()
    for row in [doc["rates"]["overall"], *doc["rates"]["by"]["station"]]:
        for k, v in list(row.items()):
            if small(v):
                row[k] = None
    return doc


def test_primary_suppression_alone_gives_the_count_away() -> None:
    s = summary(STATIONS)
    found = recovered([_primary_only(s)], [s.document()])
    assert found == ["(0, 'station', 'A', 'outcome_no_video') = 3"]


def test_hand_worked_complement() -> None:
    """Withholding A's 3 alone fails: A's encounters (13) less its compliant (10) give it, and so
    does the overall 93 less B's 40 and C's 50. The cheapest protection (by count) is the
    rectangle A/B x no video/compliant (10 + 20 + 40 moved, with the compliance numerators that
    equal the compliant counts): A's encounters and every total stay published."""
    s = summary(STATIONS)
    assert sorted(withheld_cells([s])) == [
        (0, "station", 0, "compliance_rate.numerator"),
        (0, "station", 0, "outcome_compliant"),
        (0, "station", 0, "outcome_no_video"),
        (0, "station", 1, "compliance_rate.numerator"),
        (0, "station", 1, "outcome_compliant"),
        (0, "station", 1, "outcome_no_video"),
    ]
    public = public_summary(s)
    a, b, c = public.rates.by.station
    assert (a.outcome_no_video, a.outcome_compliant, a.encounters) == (None, None, 13)
    assert (b.outcome_no_video, b.outcome_compliant, b.encounters) == (None, None, 60)
    assert (c.outcome_no_video, c.outcome_compliant) == (50, 30)
    assert a.compliance_rate.rate is None and b.compliance_rate.rate is None
    assert public.rates.overall.outcome_no_video == 93
    assert public.suppression is not None and public.suppression.cells == 6
    # A + B no video = 43, A no video + A compliant = 13: A's no video is anything from 0 to 13
    assert bounds([public.document()], [s.document()]) == [
        ("(0, 'station', 'A', 'outcome_no_video')", 3, 0.0, 13.0)
    ]


def test_the_other_policy_edition_does_not_give_it_away() -> None:
    """Both policies count the same encounters per station: a station's total published in one
    edition must not pin a count withheld in the other."""
    one = summary(STATIONS)
    other = summary(
        {
            ("A", "call"): {"not_required": 3, "compliant": 10},
            ("B", "call"): {"no_video": 40, "compliant": 20},
            ("C", "call"): {"not_required": 50, "compliant": 30},
        },
        policy="boston-rule-405-2019",
    )
    editions = public_summaries(one, other)
    assert not recovered([e.document() for e in editions], [one.document(), other.document()])
    assert editions[0].rates.by.station[0].encounters == editions[1].rates.by.station[0].encounters


def _counts(draw: st.DrawFn, names: tuple[str, ...], most: int) -> dict[str, int]:
    return {n: draw(st.sampled_from([0, 0, 1, 2, 3, 4, 5, 8, most])) for n in names}


@st.composite
def departments(draw: st.DrawFn) -> tuple[AuditSummary, AuditSummary]:
    """A small department audited under two policies: the same encounters per station and type,
    their outcomes counted differently; equipment results by station and kind of shift."""
    stations = [f"S{i}" for i in range(draw(st.integers(2, 4)))]
    kinds = ["call", "stop", "arrest"][: draw(st.integers(1, 3))]
    one: dict[tuple[str, str], dict[str, int]] = {}
    other: dict[tuple[str, str], dict[str, int]] = {}
    for s in stations:
        for k in kinds:
            one[(s, k)] = _counts(draw, OUTCOMES, 30)
            total = sum(one[(s, k)].values())
            moved = draw(st.integers(0, total))  # the other policy requires fewer of them
            other[(s, k)] = {**one[(s, k)], "not_required": 0}
            other[(s, k)]["compliant"] = 0
            other[(s, k)]["not_required"] = moved
            other[(s, k)]["compliant"] = (
                total
                - moved
                - sum(v for o, v in other[(s, k)].items() if o not in ("not_required", "compliant"))
            )
            if other[(s, k)]["compliant"] < 0:
                other[(s, k)] = {"not_required": moved, "no_video": total - moved}
    shifts = {
        (s, kind): _counts(draw, ("equipped", "unequipped", "not_required"), 40)
        for s in stations
        for kind in ("regular", "overtime")
    }
    return summary(one, shifts), summary(other, shifts, policy="boston-rule-405-2019")


@slow(0.5)
@given(departments())
def test_no_withheld_count_is_pinned(editions: tuple[AuditSummary, AuditSummary]) -> None:
    full = list(editions)
    public = public_summaries(*full)
    docs = [p.document() for p in public]
    assert not recovered(docs, [f.document() for f in full])
    for f, p in zip(full, public, strict=True):  # every count from 1 to 4 is withheld
        for row, shown in zip(f.rates.by.station, p.rates.by.station, strict=True):
            for name in row.model_fields_set:
                if small(getattr(row, name)):
                    assert getattr(shown, name) is None, (row.key, name)


@pytest.fixture(scope="module")
def department(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("suppression")
    generate(root / "pkg", officers=60, days=14, seed=1)
    return root


def test_the_public_audit_gives_nothing_away(department: Path) -> None:
    """`onrecord audit --public --compare`: both editions written, the attacker pins nothing,
    and there was something to protect."""
    pkg = load(department / "pkg")
    full = run_audit(pkg, department / "full", compare="mandate-all")
    public = run_audit(pkg, department / "public", compare="mandate-all", public=True)
    assert full.compare is not None and public.compare is not None
    found = bounds([public.summary, public.compare], [full.summary, full.compare])
    assert found, "the demo department has no count from 1 to 4 to protect"
    assert [f"{n} = {t}" for n, t, lo, hi in found if hi - lo < 1e-6] == []
