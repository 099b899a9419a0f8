"""The vault's items as the data package's recordings: a hand-worked export on SQLite and
PostgreSQL, another source's rows combined with them (by hand, and held by a property test to a
plain reading of the rule), and the whole path through the CLI: items ingested, the database
exported, the export audited, coverage and outcomes changed as the items say."""

from __future__ import annotations

import csv
import hashlib
import json
import tempfile
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner, Result

from hypothesis_scale import slow
from onrecord.cli.app import app
from onrecord.fleet.package_io import export_package
from onrecord.vault.items import FileRole, NewItem, Source
from onrecord.vault.recordings import SCHEMA, OtherRecordings, RecordingStats, VaultRecordings
from onrecord.vault.service import Vault
from onrecord.vault.stop_reasons import load_stop_reasons
from package_writer import WritePackage
from vault_service_support import make_vault, put

runner = CliRunner()
T0 = datetime(2020, 6, 1, 14, 0, tzinfo=UTC)


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as f:
        return list(csv.DictReader(f))


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def item(vault: Vault, *files: tuple[bytes, FileRole], **fields: Any) -> str:
    """Ingest an item of ``files`` (in that order) by officer 1234 on camera CAM-A."""
    values: dict[str, Any] = {
        "source": Source.AXIS,
        "officer_id": "1234",
        "camera_id": "CAM-A",
        "start": T0,
        "end": T0 + timedelta(minutes=20),
        "files": tuple(
            put(vault.store, data, f"{role.value}-{i}", role)
            for i, (data, role) in enumerate(files)
        ),
    }
    values.update(fields)
    return vault.ingest(NewItem(**values), actor="test", address=None).item_id


def test_items_become_recordings_by_hand(vault: Vault, tmp_path: Path) -> None:
    clip = FileRole.CLIP
    a = item(
        vault,
        (b"bookmark", FileRole.BOOKMARK),
        (b"first clip", clip),
        (b"second, longer clip", clip),
        trigger_off_reason="Battery",
        categories=("traffic stop", "Privacy"),
        case_ids=("26-2", "26-1"),
    )
    b = item(
        vault,
        (b"b clip", clip),
        source=Source.FOLDER,
        start=T0 + timedelta(hours=1),
        end=T0 + timedelta(hours=1, seconds=90),
        categories=("Victim request",),
    )
    tags = json.dumps({"Tags": "Incident:24-1;StopReason:Privacy", "CategoryID": "Bystanders"})
    c = item(
        vault,
        (b"c clip", clip),
        officer_id="5678",
        camera_id="CAM-B",
        trigger_off_reason="Button",
        categories=("Bystanders",),
        metadata={"axis.object.bookmark_20200601T140500Z_1": tags, "axis.UserName": "Bo"},
    )
    d = item(vault, (b"d clip", clip), categories=("Privacy", "Bystanders"))
    e = item(vault, (b"e clip", clip), officer_id="unknown", camera_id="unknown")
    item(vault, (b"only a bookmark", FileRole.BOOKMARK))

    recordings = VaultRecordings(vault.engine, load_stop_reasons())
    out = tmp_path / "export"
    counts = export_package(vault.engine, out, recordings=recordings.batches())
    assert counts["recordings"] == 5

    def row(rid: str, reason: str, **more: str) -> dict[str, str]:
        base = {
            "recording_id": rid,
            "officer_id": "1234",
            "start": "2020-06-01 14:00:00.000000Z",
            "end": "2020-06-01 14:20:00.000000Z",
            "camera_id": "CAM-A",
            "stop_reason": reason,
            "category": "",
            "incident_id": "",
        }
        return base | more

    assert rows(out / "recordings.csv") == [
        row(a, "battery", category="Privacy; traffic stop", incident_id="26-1; 26-2",
            size_bytes="10", sha256=sha(b"first clip")),
        row(b, "victim_request", start="2020-06-01 15:00:00.000000Z",
            end="2020-06-01 15:01:30.000000Z", category="Victim request", size_bytes="6",
            sha256=sha(b"b clip")),
        row(c, "privacy", officer_id="5678", camera_id="CAM-B", category="Bystanders",
            size_bytes="6", sha256=sha(b"c clip")),
        row(d, "", category="Bystanders; Privacy", size_bytes="6", sha256=sha(b"d clip")),
        row(e, "", officer_id="", camera_id="", size_bytes="6", sha256=sha(b"e clip")),
    ]  # fmt: skip
    s = recordings.stats
    assert (s.items, s.without_clip, s.unfiled, s.conflicting, s.no_reason) == (5, 1, 1, 1, 2)
    assert dict(s.by_signal) == {"trigger_off": 1, "category": 1, "tag": 1}
    assert dict(s.unmapped) == {("category", "traffic stop"): 1, ("trigger_off", "Button"): 1}


def test_tags_are_read_from_every_files_metadata_and_nothing_else(
    vault: Vault, tmp_path: Path
) -> None:
    """Metadata that is not a file's JSON object is passed over; every file's tags count."""
    metadata = {
        "axis.object.a": "{not json",
        "axis.object.b": json.dumps(["Tags", "StopReason:privacy"]),
        "axis.object.c": json.dumps({"Tags": "Incident:7;StopReason:medical"}),
        "axis.object.d": json.dumps({"Tags": 5}),
        "axis.Tags": "StopReason:bystanders",
    }
    item(vault, (b"clip", FileRole.CLIP), metadata=metadata)
    recordings = VaultRecordings(vault.engine, load_stop_reasons())
    export_package(vault.engine, tmp_path / "export", recordings=recordings.batches())
    [row] = rows(tmp_path / "export" / "recordings.csv")
    assert row["stop_reason"] == "medical"
    assert dict(recordings.stats.by_signal) == {"tag": 1}


def test_without_items_the_table_has_its_header(vault: Vault, tmp_path: Path) -> None:
    recordings = VaultRecordings(vault.engine, load_stop_reasons())
    export_package(vault.engine, tmp_path / "export", recordings=recordings.batches())
    text = (tmp_path / "export" / "recordings.csv").read_text()
    assert text == ",".join(f'"{c}"' for c in SCHEMA.names) + "\n"
    assert recordings.stats == RecordingStats()


def vault_rows(*rows: dict[str, Any]) -> pa.RecordBatch:
    full = [{name: r.get(name) for name in SCHEMA.names} for r in rows]
    return pa.RecordBatch.from_pylist(full, schema=SCHEMA)


def test_another_sources_rows_are_kept_unless_the_vault_holds_them(
    write_package: WritePackage,
) -> None:
    aaa, bbb = "a" * 64, "b" * 64
    pkg = write_package(
        recordings=f"""
        recording_id,officer_id,start,end,camera_id,sha256
        V1,O1,2020-06-01T18:00,2020-06-01T18:10,C7,
        R2,O3,2020-06-01T06:00,2020-06-01T06:10,C8,{bbb}
        R3,O1,2020-06-01T10:10,2020-06-01T10:30,C1,
        R4,O1,2020-06-01T10:20,2020-06-01T10:40,C1,
        R5,O2,2020-06-01T11:20,2020-06-01T11:40,,
        R6,O2,2020-06-01T11:20,2020-06-01T11:40,C9,
        R7,O1,2020-06-01T12:00,2020-06-01T11:00,C1,
        R8,O1,2020-06-01T12:00,2020-06-01T12:10,,
        """
    )
    stats = RecordingStats()
    other = OtherRecordings(pkg, stats)
    other.add(
        vault_rows(
            {"recording_id": "V1", "officer_id": "O1", "camera_id": "C1", "start": T0,
             "end": T0 + timedelta(minutes=20), "sha256": aaa},
            {"recording_id": "V2", "officer_id": "O2", "camera_id": "C2",
             "start": T0 + timedelta(hours=1), "end": T0 + timedelta(hours=1, minutes=30),
             "sha256": bbb},
        )
    )  # fmt: skip
    kept = pa.Table.from_batches(list(other.kept()), schema=SCHEMA)
    # V1: its id; R2: V2's sha256; R3: overlaps V1 on C1; R5: no camera, overlaps V2's officer.
    # R4 starts as V1 ends (no overlap); R6 is another camera; R7 has an error; R8 overlaps
    # nothing of O1's.
    assert kept.column("recording_id").to_pylist() == ["R4", "R6", "R8"]
    assert kept.column("start").to_pylist()[0] == T0 + timedelta(minutes=20)
    assert (stats.other_read, stats.other_excluded, stats.other_replaced, stats.other_kept) == (
        8, 1, 4, 3
    )  # fmt: skip


def test_an_other_source_lacking_columns_gets_them_empty(write_package: WritePackage) -> None:
    pkg = write_package(
        recordings="""
        recording_id,officer_id,start,end
        R1,O1,2020-06-01T10:00,2020-06-01T10:10
        """
    )
    other = OtherRecordings(pkg, RecordingStats())
    [batch] = list(other.kept())
    assert batch.schema == SCHEMA
    assert batch.to_pylist() == [
        {"recording_id": "R1", "officer_id": "O1", "start": T0, "end": T0 + timedelta(minutes=10),
         "camera_id": None, "stop_reason": None, "category": None, "incident_id": None,
         "size_bytes": None, "sha256": None}
    ]  # fmt: skip


MINUTES = st.integers(0, 12)


@st.composite
def recording(draw: st.DrawFn, rid: str) -> dict[str, Any]:
    start = draw(MINUTES)
    return {
        "recording_id": draw(st.sampled_from([rid, "V0", "V1"])),
        "officer_id": draw(st.sampled_from(["O1", "O2"])),
        "camera_id": draw(st.sampled_from(["C1", "C2", None])),
        "start": T0 + timedelta(minutes=start),
        "end": T0 + timedelta(minutes=start + draw(st.integers(0, 4))),
        "sha256": draw(st.sampled_from(["a" * 64, "b" * 64, None])),
    }


def replaced_by(o: dict[str, Any], v: dict[str, Any]) -> bool:
    """The rule as the guide words it."""
    overlap = v["start"] < o["end"] and o["start"] < v["end"]
    same_holder = (
        v["camera_id"] == o["camera_id"]
        if o["camera_id"] is not None
        else v["officer_id"] == o["officer_id"]
    )
    return (
        v["recording_id"] == o["recording_id"]
        or (o["sha256"] is not None and v["sha256"] == o["sha256"])
        or (overlap and same_holder)
    )


@slow(1)
@given(
    st.lists(st.integers(0, 1000).flatmap(lambda i: recording(f"V{i}")), max_size=6),
    st.lists(st.integers(0, 1000).flatmap(lambda i: recording(f"R{i}")), max_size=8),
)
def test_the_combination_keeps_exactly_the_rows_the_rule_keeps(
    vault: list[dict[str, Any]], other: list[dict[str, Any]]
) -> None:
    lines = ["recording_id,officer_id,start,end,camera_id,sha256"]
    for n, o in enumerate(other):
        lines.append(
            f"R{n}-{o['recording_id']},{o['officer_id']},{o['start']:%Y-%m-%dT%H:%M:%SZ},"
            f"{o['end']:%Y-%m-%dT%H:%M:%SZ},{o['camera_id'] or ''},{o['sha256'] or ''}"
        )
        o["recording_id"] = f"R{n}-{o['recording_id']}"
    if vault and other:  # sometimes the same id on both sides
        vault[0]["recording_id"] = other[-1]["recording_id"]
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "department.yaml").write_text("name: T\ntimezone: UTC\n")
        (root / "recordings.csv").write_text("\n".join(lines) + "\n")
        stats = RecordingStats()
        combined = OtherRecordings(root, stats)
        if vault:
            combined.add(vault_rows(*vault))
        kept = [r["recording_id"] for b in combined.kept() for r in b.to_pylist()]
    expected = [o["recording_id"] for o in other if not any(replaced_by(o, v) for v in vault)]
    assert kept == expected
    assert stats.other_replaced == len(other) - len(expected)


# -- end to end through the CLI ------------------------------------------------------------------

DEPARTMENT = {
    "stations": """
        station_id,name
        S1,North
    """,
    "officers": """
        officer_id,station_id,trained_on
        O1,S1,2019-01-01
        O2,S1,2019-01-01
    """,
    "cameras": """
        camera_id,station_id,assigned_officer_id
        C1,S1,O1
        C2,S1,O2
    """,
    "shifts": """
        shift_id,officer_id,start,end,kind,station_id
        H1,O1,2020-06-01T08:00,2020-06-01T16:00,regular,S1
        H2,O2,2020-06-01T08:00,2020-06-01T16:00,regular,S1
    """,
}
ENCOUNTERS = """\
encounter_id,officer_id,start,end,type
E1,O1,2020-06-01T10:00,2020-06-01T10:30,dispatched_call
E2,O2,2020-06-01T12:00,2020-06-01T12:30,dispatched_call
"""


def run(*args: str) -> Result:
    return runner.invoke(app, list(args))


def local(text: str) -> datetime:
    """A New York time in June 2020 (EDT, UTC-4)."""
    return datetime.fromisoformat(text + "-04:00")


def audited(url: str, tmp_path: Path, name: str, *options: str) -> dict[str, dict[str, str]]:
    """Export the database, add the CAD encounters, audit under Boston's rule: the shifts'
    and encounters' rows by id."""
    out, results = tmp_path / name, tmp_path / f"{name}-audit"
    exported = run("fleet", "export", "--db", url, "--out", str(out), *options)
    assert exported.exit_code == 0, exported.output
    (out / "encounters.csv").write_text(ENCOUNTERS)
    checked = run("check", str(out))
    assert checked.exit_code == 0, checked.output
    audit = run("audit", str(out), "--out", str(results), "--policy", "boston-rule-405-2019")
    assert audit.exit_code == 0, audit.output
    by_id = {r["shift_id"]: r for r in rows(results / "shifts.csv")}
    by_id |= {r["encounter_id"]: r for r in rows(results / "encounters.csv")}
    return by_id


def test_ingest_export_audit(write_package: WritePackage, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'onrecord.db'}"
    pkg = write_package(**DEPARTMENT)
    assert run("fleet", "init", str(pkg), "--db", url).exit_code == 0
    vault = make_vault(url, tmp_path / "keys")

    before = audited(url, tmp_path, "before")
    assert [before[k]["recorded_ratio"] for k in ("H1", "H2")] == ["0.0", "0.0"]
    assert [before[k]["outcome"] for k in ("E1", "E2")] == ["no_video", "no_video"]

    clip = FileRole.CLIP
    # O1 starts a minute early and stops 20 minutes in with the category Privacy (allowed by
    # Boston's rule), then records again until the battery runs out; O2 stops with the button.
    item(
        vault,
        (b"o1 first", clip),
        officer_id="O1",
        camera_id="C1",
        start=local("2020-06-01T09:59"),
        end=local("2020-06-01T10:20"),
        trigger_off_reason="Button",
        categories=("Privacy",),
    )
    item(
        vault,
        (b"o1 second", clip),
        officer_id="O1",
        camera_id="C1",
        start=local("2020-06-01T10:40"),
        end=local("2020-06-01T11:00"),
        trigger_off_reason="Battery",
    )
    item(vault, (b"o2", clip), officer_id="O2", camera_id="C2",
         start=local("2020-06-01T11:59"), end=local("2020-06-01T12:15"),
         trigger_off_reason="Button")  # fmt: skip

    after = audited(url, tmp_path, "after")
    assert float(after["H1"]["recorded_ratio"]) == (21 + 20) / 480
    assert float(after["H2"]["recorded_ratio"]) == 16 / 480
    assert (after["E1"]["outcome"], after["E1"]["coverage_ratio"]) == ("excused", str(20 / 30))
    assert (after["E2"]["outcome"], after["E2"]["early_stop"]) == ("early_stop", "true")
    reasons = [r["stop_reason"] for r in rows(tmp_path / "after" / "recordings.csv")]
    assert reasons == ["privacy", "battery", ""]

    # The department's own mapping: its officers press the button only for privacy.
    ours = tmp_path / "ours.yaml"
    ours.write_text("trigger_off:\n  Button: privacy\n  Battery: battery\n")
    mapped = audited(url, tmp_path, "mapped", "--stop-reasons", str(ours))
    assert [mapped[k]["outcome"] for k in ("E1", "E2")] == ["excused", "excused"]


def test_export_combines_and_reports(write_package: WritePackage, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'onrecord.db'}"
    pkg = write_package(
        **DEPARTMENT,
        recordings="""
        recording_id,officer_id,start,end,camera_id
        R1,O1,2020-06-01T10:00,2020-06-01T10:10,C1
        R2,O2,2020-06-01T13:00,2020-06-01T13:10,C2
        R3,O2,2020-06-01T13:00,2020-06-01T12:10,C2
        """,
    )
    assert run("fleet", "init", str(pkg), "--db", url).exit_code == 0
    vault = make_vault(url, tmp_path / "keys")
    item(vault, (b"o1", FileRole.CLIP), officer_id="O1", camera_id="C1",
         start=local("2020-06-01T09:59"), end=local("2020-06-01T10:20"),
         trigger_off_reason="Docked")  # fmt: skip
    item(vault, (b"track", FileRole.GNSS), officer_id="unknown", camera_id="unknown")
    out = tmp_path / "out"
    done = run("fleet", "export", "--db", url, "--out", str(out), "--recordings-from", str(pkg))
    assert done.exit_code == 0, done.output
    said = " ".join(done.output.split())
    assert "2 recordings" in said
    assert (
        "Recordings: 1 vault item(s); stop reasons (built-in mapping): none found, 1 with none."
        in said
    )
    assert "1 item(s) hold no video clip and are not recordings." in said
    assert "Trigger-off reasons with no mapping: Docked (1)." in said
    assert (
        f"From {pkg}: 3 recording(s) read, 1 kept, 1 replaced by the vault's items; 1 with "
        f"errors left out (run `onrecord check {pkg}`)." in said
    )
    assert [r["recording_id"] for r in rows(out / "recordings.csv")] == ["V-2026-000001", "R2"]
    # Exporting again into the same folder, combining with what it holds, changes nothing.
    first = (out / "recordings.csv").read_bytes()
    again = run("fleet", "export", "--db", url, "--out", str(out), "--recordings-from", str(out))
    assert again.exit_code == 0, again.output
    assert (out / "recordings.csv").read_bytes() == first


def test_export_errors_exit_2(write_package: WritePackage, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'onrecord.db'}"
    assert run("fleet", "init", str(write_package(**DEPARTMENT)), "--db", url).exit_code == 0
    bad = tmp_path / "bad.yaml"
    bad.write_text("trigger_off:\n  Button: privcy\n")
    out = str(tmp_path / "out")
    wrong = run("fleet", "export", "--db", url, "--out", out, "--stop-reasons", str(bad))
    assert wrong.exit_code == 2
    assert f"{bad}, line 2, column 11: trigger_off.Button: 'privcy' is not a stop reason: " in (
        " ".join(wrong.output.split())
    )
    nowhere = tmp_path / "nowhere"
    missing = run("fleet", "export", "--db", url, "--out", out, "--recordings-from", str(nowhere))
    assert missing.exit_code == 2 and "is not a folder" in " ".join(missing.output.split())
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "department.yaml").write_text("name: X\ntimezone: UTC\n")
    none = run("fleet", "export", "--db", url, "--out", out, "--recordings-from", str(empty))
    assert none.exit_code == 2
    assert f"{empty} has no recordings table" in " ".join(none.output.split())
    assert not Path(out).exists()  # nothing written before the inputs were read


def test_a_rejected_clip_of_an_unknown_officer_is_unassigned_footage(
    write_package: WritePackage, tmp_path: Path
) -> None:
    """The checker reports footage with no officer, as the contract says it must."""
    url = f"sqlite:///{tmp_path / 'onrecord.db'}"
    assert run("fleet", "init", str(write_package(**DEPARTMENT)), "--db", url).exit_code == 0
    vault = make_vault(url, tmp_path / "keys")
    item(vault, (b"lost", FileRole.CLIP), officer_id="unknown", camera_id="unknown",
         start=local("2020-06-01T09:00"), end=local("2020-06-01T09:05"))  # fmt: skip
    out = tmp_path / "out"
    assert run("fleet", "export", "--db", url, "--out", str(out)).exit_code == 0
    checked = run("check", str(out), "--list")
    assert checked.exit_code == 0, checked.output
    assert "no officer" in " ".join(checked.output.split()).lower()


def test_the_mapping_file_in_the_guide_parses() -> None:
    """The example a department starts from, in docs/vault.md, is a valid mapping."""
    from onrecord.vault.stop_reasons import parse_stop_reasons

    text = (Path(__file__).resolve().parent.parent / "docs" / "vault.md").read_text()
    start = text.index("```yaml\n# Somerville")
    block = text[start + len("```yaml\n") : text.index("```", start + 8)]
    parse_stop_reasons(textwrap.dedent(block), "docs/vault.md")
