"""``summary.json``, as every command that writes one (the audit, the plan) lays it out, and what
every such summary shares: the ``format`` that names it and its version, the frozen pydantic
models it is made of, the rate cell, and reading one back.

Readable by a person in a text editor and by any JSON parser; long lists (the per-officer rates)
one item per line so that a 24,000-officer summary stays quick to write.
"""

from __future__ import annotations

import gc
import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, ClassVar, Self, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError, WithJsonSchema

# Lists longer than this are written one item per line (the per-officer rates: 27,000 items at
# 24,000 officers), which reads as well and writes four times faster than indenting every key.
LONG_LIST = 100

# A count or a sum that may be either: it is written as it was computed (0 stays 0, 0.0 stays
# 0.0), which a ``float`` field would not keep.
Number = Annotated[int | float, WithJsonSchema({"type": "number"})]


def absent_by_default(schema: dict[str, Any]) -> None:
    """For ``json_schema_extra``: a field whose Python default stands for "not in the file" has
    no default in the published schema (``null`` would not be a valid value there)."""
    schema.pop("default", None)


class Part(BaseModel):
    """A part of a results document: read-only once made, and strict about keys it does not
    know (a summary from another version is refused, never half read). Attribute docstrings
    are the descriptions of the published JSON Schemas."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)


class Rate(Part):
    """A rate with its numerator and denominator. ``rate`` is null when the denominator is 0
    (nothing to measure: never 0% or 100%); all three are null where the public edition
    withholds the rate (it is built on a withheld count)."""

    numerator: Number | None
    denominator: Number | None
    rate: float | None


NOTHING_TO_MEASURE = Rate(numerator=0, denominator=0, rate=None)
"""The rate of a set with nothing required: shared, being read-only."""


@contextmanager
def _collector_paused() -> Iterator[None]:
    """The cyclic garbage collector off while a summary's models are made: a 24,000-officer
    summary is some 160,000 small objects with no cycles among them, and the collections their
    making sets off would take twice as long as making them."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class Summary(Part):
    """A results document (``summary.json``). ``format`` names the document and its version;
    a reader refuses any other (``read_summary``)."""

    FORMAT: ClassVar[str]
    COMMAND: ClassVar[str]  # the command that writes it

    format: str

    @classmethod
    def from_document(cls, doc: Mapping[str, Any]) -> Self:
        """``doc`` (``summary.json``'s content, or its parts as values and models) validated."""
        with _collector_paused():
            return cls.model_validate(doc)

    def document(self) -> dict[str, Any]:
        """The content of ``summary.json``: plain JSON values, keys as written."""
        return self.model_dump(mode="json", by_alias=True)


S = TypeVar("S", bound=Summary)


class SummaryError(Exception):
    """A ``summary.json`` that cannot be read as the summary asked for. The message names the
    file and says what is wrong: for another format or version, the one it has and the one this
    version reads."""

    def __init__(self, path: Path, problem: str) -> None:
        super().__init__(f"{path} {problem}")
        self.path = path
        self.problem = problem
        """What is wrong, as a clause that follows the file's name (``has no format…``)."""


def read_summary(path: Path, model: type[S]) -> S:
    """``path`` read and validated as ``model``; raises :class:`SummaryError` when the file is
    missing, not JSON, of another format or version, or not what its format says."""
    try:
        with _collector_paused():  # a million new objects, no cycles: as for the models
            doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SummaryError(path, "does not exist") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise SummaryError(path, f"is not valid JSON: {e}") from None
    found = doc.get("format") if isinstance(doc, dict) else None
    if found is None:
        raise SummaryError(
            path,
            f"has no format: it was written by an older OnRecord, or is not a summary; this "
            f"version of OnRecord reads {model.FORMAT}: run `{model.COMMAND}` again",
        )
    if found != model.FORMAT:
        raise SummaryError(
            path,
            f"is {found}; this version of OnRecord reads {model.FORMAT}: run `{model.COMMAND}` "
            "again with this version",
        )
    try:
        return model.from_document(doc)
    except ValidationError as e:
        first = e.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "the document"
        more = f" (and {e.error_count() - 1} more)" if e.error_count() > 1 else ""
        raise SummaryError(
            path, f"is not a valid {model.FORMAT}: {where}: {first['msg']}{more}"
        ) from None


def json_schema(model: type[Summary]) -> str:
    """The JSON Schema of ``model``'s ``summary.json``, as published in ``docs/schemas/``: what
    a reader accepts (fields with a default may be absent)."""
    schema = model.model_json_schema(by_alias=True, mode="validation")
    doc = {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}
    return json.dumps(_reflowed(doc), indent=2, ensure_ascii=False) + "\n"


def _reflowed(x: Any) -> Any:
    """``x`` with each description on one line (docstrings wrap at the source's width)."""
    if isinstance(x, dict):
        return {
            k: " ".join(v.split()) if k == "description" and isinstance(v, str) else _reflowed(v)
            for k, v in x.items()
        }
    if isinstance(x, list):
        return [_reflowed(v) for v in x]
    return x


def write_summary(summary: Summary | dict[str, Any], out: Path) -> Path:
    """Write ``summary`` as ``out/summary.json`` and return the path."""
    doc = summary.document() if isinstance(summary, Summary) else summary
    path = out / "summary.json"
    path.write_text(_json(doc) + "\n", encoding="utf-8")
    return path


def _json(x: Any, depth: int = 0) -> str:
    """``x`` as JSON indented by two spaces a level, but the items of long lists compact."""
    pad, inner = "  " * depth, "  " * (depth + 1)
    if isinstance(x, dict) and x:
        items = (f"{inner}{json.dumps(str(k))}: {_json(v, depth + 1)}" for k, v in x.items())
        return "{\n" + ",\n".join(items) + f"\n{pad}}}"
    if isinstance(x, list) and len(x) > LONG_LIST:
        items = (inner + json.dumps(v, default=str) for v in x)
        return "[\n" + ",\n".join(items) + f"\n{pad}]"
    if isinstance(x, list) and x:
        return "[\n" + ",\n".join(inner + _json(v, depth + 1) for v in x) + f"\n{pad}]"
    return json.dumps(x, default=str)
