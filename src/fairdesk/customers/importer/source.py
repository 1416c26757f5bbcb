"""Reading an uploaded CSV: its encoding, delimiter and header, then batches of records.

Memory stays bounded whatever the file holds: records are read in batches, and no record may
be longer than the longest a valid one could be (every field at ``import_max_field_bytes``),
so a 10 MB field is refused after reading about that much, naming its row and column.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import tempfile
import typing
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import polars as pl

from fairdesk.customers.importer.checks import LINE
from fairdesk.customers.importer.report import RowError

_BLOCK = 1 << 20
_CP1252_GAPS = re.compile(rb"[\x81\x8d\x8f\x90\x9d]")  # bytes Windows-1252 leaves undefined
_HEADER_CAP = 1 << 16


class FileRejected(Exception):
    """The file cannot be read (or not past one point); nothing of it is imported."""

    def __init__(self, *errors: RowError) -> None:
        super().__init__("; ".join(map(str, errors)))
        self.errors = list(errors)


@dataclass(frozen=True)
class Batch:
    frame: pl.DataFrame  # LINE + one text column per header name
    ragged: list[tuple[int, list[str]]]  # (line, fields) of rows with the wrong field count


class _Record:
    """The physical lines of the record being read, kept to find a field that is too big."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.chars = 0

    def clear(self) -> None:
        self.lines.clear()
        self.chars = 0


def _lines(text: io.TextIOBase, cap: int, record: _Record) -> Iterator[str]:
    """Physical lines for ``csv.reader``, refusing a record longer than ``cap`` characters."""
    readline, keep = text.readline, record.lines.append
    while line := readline(cap + 1):
        keep(line)
        record.chars += len(line)
        if record.chars > cap:
            raise _TooLong
        yield line


class _TooLong(Exception):
    pass


def _fields(line: str, delimiter: str) -> list[str]:
    return next(csv.reader(io.StringIO(line), delimiter=delimiter), [])


class CsvSource:
    """An opened CSV file: call :meth:`open` (or use ``with``), then iterate :meth:`batches`."""

    def __init__(self, source: BinaryIO | Path, *, max_field_bytes: int, max_file_bytes: int):
        self._source = source
        self.max_field_bytes = max_field_bytes
        self.max_file_bytes = max_file_bytes
        self._stack = ExitStack()
        self.header: list[str] = []
        self.notes: list[str] = []
        self.size = 0
        self._delimiter = ","
        self._header_line = 1

    def __enter__(self) -> CsvSource:
        try:
            self._open()
        except BaseException:
            self._stack.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()

    @property
    def bytes_read(self) -> int:
        return min(self._binary.tell() - self._start, self.size)

    def _open(self) -> None:
        if isinstance(self._source, Path):
            self._binary: BinaryIO = self._stack.enter_context(self._source.open("rb"))
        elif self._source.seekable():
            self._binary = self._source
        else:
            spool = tempfile.SpooledTemporaryFile(1 << 24)  # noqa: SIM115 (closed by the stack)
            self._binary = typing.cast(BinaryIO, self._stack.enter_context(spool))
            while block := self._source.read(_BLOCK):
                self._binary.write(block)
                if self._binary.tell() > self.max_file_bytes:
                    raise self._too_big()
            self._binary.seek(0)
        self._start = self._binary.tell()
        encoding = self._encoding()
        self._binary.seek(self._start)
        text = io.TextIOWrapper(self._binary, encoding=encoding, newline="")
        # Detach rather than close: a stream the caller passed in stays theirs to close.
        self._stack.callback(text.detach)
        self._text = text
        self._read_header()

    def _encoding(self) -> str:
        """UTF-8 (BOM or not) or UTF-16 with a BOM; otherwise the Windows-1252 that Excel's
        plain "CSV" uses in Western Europe and America (Latin-1 where it can't be)."""
        head = self._binary.read(4)
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            self.size = self._scan()[0]
            return "utf-16"
        size, bad_offset, bad_line, gaps = self._scan()
        self.size = size
        if bad_offset is None:
            return "utf-8-sig"
        encoding = "latin-1" if gaps else "cp1252"
        name = "Latin-1" if gaps else "Windows-1252"
        self.notes.append(
            f"The file is not UTF-8 (first at byte {bad_offset}, row {bad_line}), so it was "
            f"read as {name}, the encoding of Excel's plain 'CSV'. Check accented letters; "
            "saving as 'CSV UTF-8' avoids the guess.")
        return encoding

    def _scan(self) -> tuple[int, int | None, int | None, bool]:
        """Size, first non-UTF-8 byte and its line, and whether Windows-1252 gaps occur."""
        self._binary.seek(self._start)
        decoder = codecs.getincrementaldecoder("utf-8")()
        size, newlines, gaps = 0, 0, False
        bad_offset: int | None = None
        bad_line: int | None = None
        while block := self._binary.read(_BLOCK):
            if bad_offset is None:
                pending = len(decoder.getstate()[0])
                try:
                    decoder.decode(block)
                except UnicodeDecodeError as exc:
                    at = max(0, exc.start - pending)
                    bad_offset, bad_line = size + at, newlines + block.count(b"\n", 0, at) + 1
                newlines += block.count(b"\n")
            gaps = gaps or _CP1252_GAPS.search(block) is not None
            size += len(block)
            if size > self.max_file_bytes:
                raise self._too_big()
        if bad_offset is None:
            try:
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                bad_offset, bad_line = size - 1, newlines + 1
        return size, bad_offset, bad_line, gaps

    def _too_big(self) -> FileRejected:
        return FileRejected(RowError(None, None, None,
                                     f"the file is larger than {self.max_file_bytes} bytes"))

    def _read_header(self) -> None:
        line = self._text.readline(_HEADER_CAP)
        while line and not line.strip():
            self._header_line += 1
            line = self._text.readline(_HEADER_CAP)
        if not line.strip():
            raise FileRejected(RowError(None, None, None,
                                        "the file is empty: it has no header row"))
        if len(line) >= _HEADER_CAP:
            raise FileRejected(RowError(self._header_line, None, None,
                                        "the header row is too long"))
        # Excel writes ";" (or tabs) where the decimal separator is a comma.
        if "," not in line:
            self._delimiter = ";" if ";" in line else "\t" if "\t" in line else ","
        self.header = [name.strip() for name in _fields(line, self._delimiter)]

    def _cap(self) -> int:
        # The longest record whose every field is within the limit: each field quoted, its
        # quotes doubled, plus a delimiter.
        return (2 * self.max_field_bytes + 3) * len(self.header) + 2

    def _too_long(self, record: _Record, line: int) -> FileRejected:
        fields = _fields("".join(record.lines), self._delimiter)
        big = next((i for i, f in enumerate(fields)
                    if len(f.encode()) > self.max_field_bytes), None)
        column = self.header[big] if big is not None and big < len(self.header) else None
        return FileRejected(RowError(
            line, column, None,
            f"a field is larger than {self.max_field_bytes} bytes; "
            "the file was not read past this row"))

    @property
    def header_line(self) -> int:
        return self._header_line

    def batches(self, size: int) -> Iterator[Batch]:
        """Records in batches of ``size``; blank rows are skipped."""
        cap = self._cap()
        csv.field_size_limit(max(csv.field_size_limit(), 2 * cap + 2))
        record = _Record()
        reader = csv.reader(_lines(self._text, cap, record), delimiter=self._delimiter)
        width, ended = len(self.header), 0  # ended: lines read when the last record ended
        rows: list[list[str]] = []
        numbers: list[int] = []
        ragged: list[tuple[int, list[str]]] = []
        while True:
            try:
                row = next(reader, None)
            except _TooLong:
                raise self._too_long(record, self._header_line + ended + 1) from None
            except csv.Error as exc:
                raise FileRejected(RowError(self._header_line + ended + 1, None, None,
                                            f"unreadable CSV: {exc}")) from exc
            if row is None:
                break
            line, ended = self._header_line + ended + 1, reader.line_num
            record.clear()
            # Skip blank lines, and the empty rows a spreadsheet leaves at the end.
            if not (row and row[0].strip()) and not any(f.strip() for f in row):
                continue
            if len(row) == width:
                rows.append(row)
                numbers.append(line)
            else:
                ragged.append((line, row))
            if len(rows) >= size:
                yield self._batch(rows, numbers, ragged)
                rows, numbers, ragged = [], [], []
        if rows or ragged:
            yield self._batch(rows, numbers, ragged)

    def _batch(self, rows: list[list[str]], numbers: list[int],
               ragged: list[tuple[int, list[str]]]) -> Batch:
        frame = pl.DataFrame(rows, schema=dict.fromkeys(self.header, pl.String), orient="row")
        return Batch(frame.with_columns(pl.Series(LINE, numbers, dtype=pl.Int64)), ragged)
