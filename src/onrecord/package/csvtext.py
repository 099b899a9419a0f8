"""How a CSV table file's bytes divide into lines and records.

DuckDB reads the values (``reader.py``); this module knows what DuckDB does not say: the line
on which each record starts, and the record each of DuckDB's row errors belongs to. It follows
DuckDB's strict reader (``strict_mode=true``, delimiter ``,``, quote and escape ``"``) byte for
byte, found by testing it (``tests/test_package_bytes.py`` compares the two on random bytes):

- a record ends at a line feed (LF, or CR LF) outside a quoted value, or at the end of the file;
- a quoted value opens with ``"`` at the start of a field, after at most one space; it closes at
  the next ``"`` that is not doubled; spaces and a further quoted piece may follow it before the
  next comma (``"5" "6"`` reads as ``5 6``); anything else after it makes the row malformed but
  does not end the record;
- a ``"`` anywhere else is an ordinary character;
- a blank line is no record when the header has several columns; with a single column, DuckDB
  reads it as a row with an empty value (the reader drops those rows again).

Lines are counted by their line feeds (CR LF is one line end), as editors and ``wc -l`` count
them. A lone carriage return (CR) is not a line end: a file whose header ends in one (classic
Mac OS) is refused whole, and elsewhere one outside a quoted value makes its row malformed
(see :func:`normalize`).

Scanning is done on the file's bytes through a memory map with regular expressions: runs of
plain single-line records (most of any file) are matched a hundred thousand at a time, and only
the other records one by one; nothing reads the file through Python's csv module (whose field
size limit, 128 KiB, a long value would exceed).
"""

from __future__ import annotations

import mmap
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

HEADER_LIMIT = 1 << 20  # bytes that the header row may take, quoted line breaks included
RUN = 100_000  # plain records matched at once
COUNT_SLICE = 1 << 24  # bytes compared at once when counting line feeds
NEWLINE = ord("\n")

# One record, as DuckDB's strict reader delimits it (see the module's docstring).
_BODY = rb'(?:[^"]|"")*+'
_QUOTED = rb' ?(?:"' + _BODY + rb'(?:"|\Z)[ ]*+)++'
_PLAIN = rb"[^,\n]*+"
_FIELD = rb"(?:" + _QUOTED + _PLAIN + rb'|(?! ?")' + _PLAIN + rb")"
RECORD = re.compile(_FIELD + rb"(?:," + _FIELD + rb")*+(?:\n|\Z)")
# The same record with its parts captured, to find which of them lies in quotes.
FIELD_PARTS = re.compile(rb"(" + _QUOTED + rb")?(" + _PLAIN + rb")(,|\n|\Z)")
BLANK = re.compile(rb"\r?\n")
# Runs of plain records: one line each, every field either quoted from its first to its last
# byte (no line break inside) or free of quotes and carriage returns. Each is one record to the
# full grammar too.
_PQ = rb'"[^"\n]*+(?:""[^"\n]*+)*+"'
_PF = rb"(?:" + _PQ + rb'|[^",\r\n]*+)'
PLAIN_RUN = re.compile(rb"(?:(?!\r?\n)" + _PF + rb"(?:," + _PF + rb")*+\r?\n){1,%d}" % RUN)


@contextmanager
def mapped(path: Path) -> Iterator[bytes | mmap.mmap]:
    """The file's bytes, memory-mapped (an empty file as ``b""``, which cannot be mapped)."""
    with path.open("rb") as f:
        if f.seek(0, 2) == 0:
            yield b""
            return
        with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as m:
            yield m


@dataclass(frozen=True)
class Header:
    names: tuple[str, ...]
    end: int  # byte offset just after the header's line end
    lines: int  # lines the header takes (more than one when a name holds a line break)
    newline: bytes = b"\n"  # its line end: LF, CR LF, or none (a file of one line)


BOM = b"\xef\xbb\xbf"
LONE_CR = (
    "its lines end with a carriage return alone (CR, as classic Mac OS wrote them); save the "
    "file with CR LF or LF line ends"
)


def read_header(path: Path) -> Header:
    """The first record's names, trimmed of white space, after any byte-order mark.

    Raises ValueError, with a message for the user, for a file that cannot have a header: empty,
    a blank first line, line ends that are lone carriage returns, a header that does not end
    within :data:`HEADER_LIMIT` bytes, or names that are not UTF-8."""
    with path.open("rb") as f:
        head = f.read(HEADER_LIMIT + 1)
    start = len(BOM) if head.startswith(BOM) else 0
    if not head[start:].strip():
        raise ValueError("the file is empty; a table file starts with a header row")
    if BLANK.match(head, start):
        raise ValueError("line 1 is blank; a table file starts with its header row on line 1")
    if b"\n" not in head and b"\r" in head:
        raise ValueError(LONE_CR)
    m = RECORD.match(head, start)
    assert m is not None  # the grammar matches any bytes
    if len(head) > HEADER_LIMIT and m.end() > HEADER_LIMIT:
        raise ValueError(
            f"the header row does not end within its first {HEADER_LIMIT:,} bytes (a quote in "
            "it that is never closed?); the header is one line of column names"
        )
    names = []
    for quoted, plain, sep in fields(head[start : m.end()]):
        if sep == b"\n":
            plain = plain.rstrip(b"\r")
        if b"\r" in plain:
            raise ValueError(
                "the header row holds a carriage return (CR) that does not end a line; "
                "remove it, and save the file with CR LF or LF line ends"
            )
        try:
            names.append((unquote(quoted)[0] + plain).decode("utf-8").strip())
        except UnicodeDecodeError as e:
            raise ValueError(
                f"the header row is not UTF-8 text ({e.reason} at byte {e.start}); "
                "save the file as UTF-8"
            ) from e
    text = head[: m.end()]
    newline = b"\r\n" if text.endswith(b"\r\n") else b"\n" if text.endswith(b"\n") else b""
    return Header(tuple(names), m.end(), text.count(b"\n") or 1, newline)


def fields(record: bytes) -> Iterator[tuple[bytes, bytes, bytes]]:
    """The fields of one record: (quoted part, the rest, what ends it: ``,``, LF or nothing)."""
    pos = 0
    while True:
        m = FIELD_PARTS.match(record, pos)
        assert m is not None
        quoted, plain, sep = m.groups()
        yield quoted or b"", plain, sep
        pos = m.end()
        if sep != b",":
            return


_PIECE = re.compile(rb'"((?:[^"]|"")*+)("?)([ ]*+)')


def unquote(quoted: bytes) -> tuple[bytes, bool]:
    """The value of a field's quoted part (``"a""b"`` is ``a"b``; ``"5" "6"`` is ``5 6``), and
    whether its last quote is closed."""
    if not quoted:
        return b"", True
    pos = 1 if quoted.startswith(b" ") else 0
    out, closed = b"", True
    while pos < len(quoted):
        m = _PIECE.match(quoted, pos)
        assert m is not None
        out += m.group(1).replace(b'""', b'"')
        closed = bool(m.group(2))
        pos = m.end()
        if pos < len(quoted):
            out += m.group(3)
    return out, closed


@dataclass
class Records:
    """Where the records after the header start, in file order.

    ``runs`` lists ``(line, ordinal, count)``: ``count`` records starting on consecutive lines
    from ``line``, the first of them the ``ordinal``-th row of the file as DuckDB numbers rows
    in its row errors (the header is 1, and every blank line counts one)."""

    runs: list[tuple[int, int, int]] = field(default_factory=list)
    blank: list[int] = field(default_factory=list)  # blank lines read as rows (one column)
    open_end: int | None = None  # line of a last record whose quoted value is never closed
    crlf: int = 0  # lines (header included) that end in CR LF outside quoted values
    lf: int = 0  # and in LF alone
    lone_cr: bool = False  # a carriage return outside quoted values that ends no line

    @property
    def mixed(self) -> bool:
        """Whether DuckDB's strict reader may read the file otherwise than its lines say: its
        line ends mix CR LF and LF, or a carriage return stands alone (it then refuses the whole
        file, or reads a row of two lines as one)."""
        return bool(self.crlf and self.lf) or self.lone_cr

    def add(self, line: int, ordinal: int, count: int) -> None:
        if self.runs:
            last_line, last_ordinal, n = self.runs[-1]
            if last_line + n == line and last_ordinal + n == ordinal:
                self.runs[-1] = (last_line, last_ordinal, n + count)
                return
        self.runs.append((line, ordinal, count))

    @property
    def count(self) -> int:
        return sum(n for _, _, n in self.runs)

    def line_of(self, ordinal: int) -> int | None:
        """The line of the record with DuckDB's row number ``ordinal``; None if none has it."""
        lo, hi = 0, len(self.runs)
        while lo < hi:
            mid = (lo + hi) // 2
            if self.runs[mid][1] <= ordinal:
                lo = mid + 1
            else:
                hi = mid
        if lo == 0:
            return None
        line, first, n = self.runs[lo - 1]
        return line + ordinal - first if ordinal < first + n else None


def records(path: Path, header: Header, columns: int) -> Records:
    """Every record of the file after its header (see :class:`Records`)."""
    out = Records(crlf=header.newline == b"\r\n", lf=header.newline == b"\n")
    with mapped(path) as data:
        size = len(data)
        pos, line, ordinal = header.end, 1 + header.lines, 2
        while pos < size:
            m = PLAIN_RUN.match(data, pos)
            if m:
                chunk = data[pos : m.end()]
                n, crlf = chunk.count(b"\n"), chunk.count(b"\r\n")
                out.add(line, ordinal, n)
                out.crlf, out.lf = out.crlf + crlf, out.lf + n - crlf
                line, ordinal, pos = line + n, ordinal + n, m.end()
                continue
            blank = BLANK.match(data, pos)
            if blank:
                if columns == 1:
                    out.blank.append(line)
                    out.add(line, ordinal, 1)
                out.crlf += blank.end() - pos == 2
                out.lf += blank.end() - pos == 1
                line, ordinal, pos = line + 1, ordinal + 1, blank.end()
                continue
            m = RECORD.match(data, pos)
            assert m is not None and m.end() > pos
            record = data[pos : m.end()]
            out.add(line, ordinal, 1)
            *_, (quoted, plain, sep) = parts = list(fields(record))
            if sep:
                out.crlf += plain.endswith(b"\r")
                out.lf += not plain.endswith(b"\r")
            elif not unquote(quoted)[1]:
                out.open_end = line
            texts = [t[:-1] if end == b"\n" and t.endswith(b"\r") else t for _, t, end in parts]
            out.lone_cr = out.lone_cr or any(b"\r" in t for t in texts)
            line, ordinal, pos = line + record.count(b"\n"), ordinal + 1, m.end()
    return out


def line_breaks(path: Path) -> int:
    """Lines in the file, counting a last line without a final newline. Counted by NumPy over
    the mapped file, a slice at a time (which releases the interpreter lock, so other files can
    be read meanwhile)."""
    with mapped(path) as data:
        if not data:
            return 0
        view = np.frombuffer(data, np.uint8)
        n = sum(int(np.count_nonzero(view[i : i + COUNT_SLICE] == NEWLINE))
                for i in range(0, len(view), COUNT_SLICE))  # fmt: skip
        last = int(view[-1])
        del view  # the mapping cannot close while an array still points into it
    return n + (last != NEWLINE)


def normalize(source: Path, target: Path, header: Header) -> list[int]:
    """Write ``source`` to ``target`` with every line ending in LF, for a file that mixes CR LF
    and LF (which DuckDB's strict reader refuses whole).

    Outside quoted values, CR LF becomes LF; a lone carriage return becomes a byte that is not
    UTF-8 (0xFF), so that DuckDB reports its row as malformed and reads the rest. Quoted values
    are copied as they are. Lines are unchanged, as every LF stays; returns the lines of the
    rows whose carriage return was replaced."""
    replaced: list[int] = []
    with mapped(source) as data, target.open("wb") as out:
        size = len(data)
        # The header's names are read from the source file; only its line end matters here.
        out.write(data[: header.end].rstrip(b"\r\n") + b"\n")
        pos, line = header.end, 1 + header.lines
        while pos < size:
            m = PLAIN_RUN.match(data, pos)
            if m:
                chunk = data[pos : m.end()]
                out.write(chunk.replace(b"\r\n", b"\n"))
                line, pos = line + chunk.count(b"\n"), m.end()
                continue
            blank = BLANK.match(data, pos)
            if blank:
                out.write(b"\n")
                line, pos = line + 1, blank.end()
                continue
            m = RECORD.match(data, pos)
            assert m is not None and m.end() > pos
            record = data[pos : m.end()]
            out.write(_lf_record(record, replaced, line))
            line, pos = line + record.count(b"\n"), m.end()
    return replaced


def _lf_record(record: bytes, replaced: list[int], line: int) -> bytes:
    """One record with its line end LF and any other carriage return outside quotes 0xFF (a
    carriage return that ends the file is dropped: the last line simply has no line end)."""
    parts, bad = [], False
    for quoted, plain, sep in fields(record):
        if plain.endswith(b"\r") and sep != b",":
            plain = plain[:-1]
        if b"\r" in plain:
            plain, bad = plain.replace(b"\r", b"\xff"), True
        parts += [quoted, plain, sep]
    if bad:
        replaced.append(line)
    return b"".join(parts)
