"""``onrecord redact INPUT --out OUTPUT``: one clip redacted (faces, plates, a reviewer's boxes,
muted ranges) with a progress bar, or made again from its record with ``--replay``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn

from onrecord import redaction
from onrecord.cli.running import make_console
from onrecord.redaction import (
    RedactionError,
    RedactionOptions,
    Style,
    parse_range,
    read_boxes,
    record_path,
)
from onrecord.redaction.prepared import Precision


def redact(
    source: Annotated[Path, typer.Argument(help="The clip to redact.")],
    out: Annotated[Path, typer.Option("--out", help="The redacted clip to write (MP4).")],
    faces: Annotated[bool, typer.Option("--faces/--no-faces", help="Cover faces.")] = True,
    plates: Annotated[
        bool, typer.Option("--plates", help="Cover licence plates (the detector misses many).")
    ] = False,
    boxes: Annotated[
        Path | None,
        typer.Option(
            "--boxes", help="A reviewer's boxes file (YAML or JSON; see docs/release.md)."
        ),
    ] = None,
    mute: Annotated[
        list[str] | None,
        typer.Option("--mute", help="Silence START-END, e.g. 1:02.5-1:10 or 62-70 (repeat)."),
    ] = None,
    style: Annotated[Style, typer.Option("--style", help="How covered regions look.")] = Style.BLUR,
    detect_every: Annotated[
        int, typer.Option("--detect-every", min=1, max=10, help="Look for faces every k-th frame.")
    ] = RedactionOptions().detect_every,
    refine: Annotated[
        bool,
        typer.Option(
            "--refine/--no-refine",
            help="With --detect-every K > 1, also look between two looks that disagree "
            "(tracks begin and end where looking at every frame finds them).",
        ),
    ] = RedactionOptions().refine,
    precision: Annotated[
        Precision,
        typer.Option(
            "--precision",
            help="The face model's copy: float (as it ships) or int8 (faster, misses more).",
        ),
    ] = Precision.FLOAT,
    threshold: Annotated[
        float, typer.Option("--threshold", min=0.01, max=0.99, help="Face score to accept.")
    ] = RedactionOptions().face_threshold,
    replay_record: Annotated[
        Path | None,
        typer.Option(
            "--replay",
            help="Make the output again from this redaction record instead "
            "(its tracks as recorded; the other choices are ignored).",
        ),
    ] = None,
) -> None:
    """Redact a clip: H.264 MP4 of the same size, frame rate, rotation and audio, and beside it
    the redaction record (OUTPUT with .redaction.json) that makes it again."""
    console = make_console()
    try:
        with Progress(
            TextColumn("{task.description:<9}"), BarColumn(), TaskProgressColumn(),
            TimeRemainingColumn(), console=console, transient=True,
        ) as bar:  # fmt: skip
            tasks: dict[str, int] = {}

            def progress(phase: str, done: int, total: int) -> None:
                if phase not in tasks:
                    tasks[phase] = int(bar.add_task(phase, total=total))
                bar.update(tasks[phase], completed=done, total=total)  # type: ignore[arg-type]

            if replay_record is not None:
                record = redaction.replay(source, replay_record, out, progress)
            else:
                options = RedactionOptions(
                    faces=faces, plates=plates, style=style, detect_every=detect_every,
                    refine=refine, face_threshold=threshold, precision=precision,
                    mutes=tuple(parse_range(m) for m in mute or ()),
                    boxes=read_boxes(boxes) if boxes else (),
                )  # fmt: skip
                record = redaction.redact(source, out, options, progress)
    except RedactionError as e:
        console.print(f"[red]✗[/] {escape(str(e))}")
        raise typer.Exit(2) from None
    kinds = [t.kind for t in record.tracks if t.accepted]
    counts = ", ".join(f"{kinds.count(k)} {k}" for k in ("face", "plate", "manual") if k in kinds)
    console.print(
        f"Wrote {escape(str(out))} ({record.video.frames} frames; tracks covered: "
        f"{counts or 'none'}) and its record {escape(str(record_path(out)))}."
    )
