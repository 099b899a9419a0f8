"""summary.json as typed models: versioned by its ``format``, read back as written, refused by
the console when of another version, and published as JSON Schemas that match the models."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from onrecord.audit import run_audit
from onrecord.audit.models import AuditSummary
from onrecord.cli.app import app
from onrecord.demo import generate
from onrecord.output import SummaryError, read_summary
from onrecord.plan.models import PlanSummary
from onrecord.plan.run import run_plan
from onrecord.web.fleet_status import PlanError, PlanResults

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "schemas.py"


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("summaries")
    generate(root / "pkg", officers=20, days=7, seed=2)
    return root / "pkg"


def test_summaries_name_their_format_first_and_read_back_as_written(
    package: Path, tmp_path: Path
) -> None:
    audit = run_audit(package, tmp_path / "audit", compare="mandate-all", public=True)
    plan = run_plan(package, tmp_path / "plan")
    for path, model, written in (
        (tmp_path / "audit" / "summary.json", AuditSummary, audit.model),
        (tmp_path / "audit" / "compare" / "summary.json", AuditSummary, audit.compare_model),
        (tmp_path / "plan" / "summary.json", PlanSummary, plan.model),
    ):
        text = path.read_text(encoding="utf-8")
        assert text.startswith('{\n  "format": "' + model.FORMAT + '",\n')
        read = read_summary(path, model)
        assert read == written
        assert read.document() == json.loads(text)


@pytest.mark.parametrize(
    ("doc", "said"),
    [
        ({"format": "onrecord.audit-summary/99"}, "is onrecord.audit-summary/99;"),
        ({"onrecord_version": "0.0.9", "rates": {}}, "has no format"),
        ({"format": "onrecord.plan-summary/1"}, "is onrecord.plan-summary/1;"),
    ],
)
def test_serve_refuses_a_summary_of_another_version(
    tmp_path: Path, doc: dict[str, object], said: str
) -> None:
    audit = tmp_path / "audit"
    audit.mkdir()
    summary = audit / "summary.json"
    summary.write_text(json.dumps(doc), encoding="utf-8")
    result = CliRunner().invoke(
        app,
        ["serve", "--audit", str(audit), "--db", str(tmp_path / "console.db")],
        env={"COLUMNS": "400"},
    )
    assert result.exit_code == 2
    assert isinstance(result.exception, SystemExit)  # a message, not a traceback
    text = " ".join(result.output.split())
    assert "Traceback" not in text
    assert str(summary) in text and said in text
    assert "this version of OnRecord reads onrecord.audit-summary/1" in text
    assert "run `onrecord audit` again" in text


def test_serve_refuses_a_compared_summary_of_another_version(package: Path, tmp_path: Path) -> None:
    run_audit(package, tmp_path / "audit", compare="mandate-all")
    compared = tmp_path / "audit" / "compare" / "summary.json"
    compared.write_text('{"format": "onrecord.audit-summary/2"}', encoding="utf-8")
    result = CliRunner().invoke(
        app,
        ["serve", "--audit", str(tmp_path / "audit"), "--db", str(tmp_path / "console.db")],
        env={"COLUMNS": "400"},
    )
    assert result.exit_code == 2 and isinstance(result.exception, SystemExit)
    text = " ".join(result.output.split())
    assert f"{compared} is onrecord.audit-summary/2; this version of OnRecord reads" in text


def test_a_plan_of_another_version_is_refused(tmp_path: Path) -> None:
    (tmp_path / "summary.json").write_text('{"format": "onrecord.plan-summary/2"}')
    with pytest.raises(PlanError, match=r"is onrecord\.plan-summary/2; .* reads onrecord\.plan-s"):
        PlanResults.load(tmp_path)


def test_a_summary_that_does_not_match_its_format_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "summary.json"
    path.write_text('{"format": "onrecord.audit-summary/1", "onrecord_version": "0.1.0"}')
    with pytest.raises(SummaryError, match=r"is not a valid onrecord\.audit-summary/1: "):
        read_summary(path, AuditSummary)


def test_published_schemas_are_what_the_models_give(tmp_path: Path) -> None:
    check = [sys.executable, str(SCRIPT), "--check"]
    run = subprocess.run(check, capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stderr
    (tmp_path / "audit-summary.schema.json").write_text("{}\n")
    run = subprocess.run(
        [*check, "--dir", str(tmp_path)], capture_output=True, text=True, check=False
    )
    assert run.returncode == 1
    assert "audit-summary.schema.json is not what the models give" in run.stderr
    assert "plan-summary.schema.json is not what the models give" in run.stderr
