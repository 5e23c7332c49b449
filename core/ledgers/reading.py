"""Streaming row readers for .xlsx and .csv files.

Rows come out one at a time as lists of cell values with their 1-based row number
as the spreadsheet shows it, so a report can point at the row a person sees.

- .xlsx: python-calamine (Rust): fast, and it knows the merged cell ranges, whose
  value (written only in the top-left cell) is copied into every cell of the range:
  a 街道 written once down a block of rows applies to each of them. The sheet is
  held in calamine's compact native form; Python handles one row at a time.
- .csv: the standard csv module over the decoded byte stream, truly streamed. The
  encoding is detected: a UTF-8 byte-order mark, else UTF-8 when the opening bytes
  decode as UTF-8, else GB18030 (what Excel writes on a Chinese Windows; a superset
  of GBK and GB2312).
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass

SNIFF_BYTES = 64 * 1024


class UnreadableFile(Exception):
    """The file is not a spreadsheet we can read (message for a person)."""


@dataclass
class RowSource:
    kind: str  # "xlsx" or "csv"
    encoding: str | None
    total_rows: int | None  # known up front for .xlsx; None for .csv
    _rows: Iterator[tuple[int, list]]

    def __iter__(self) -> Iterator[tuple[int, list]]:
        return self._rows


def detect_encoding(head: bytes) -> str:
    """'utf-8-sig', 'utf-8' or 'gb18030' for the opening bytes of a CSV file."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        decoder.decode(head, final=False)  # a character cut at the end of the sample is fine
    except UnicodeDecodeError:
        return "gb18030"
    return "utf-8"


def kind_of(filename: str | None, head: bytes) -> str:
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise UnreadableFile("This is an old .xls workbook: save it as .xlsx (or .csv) and import that.")
    name = (filename or "").lower()
    if name.endswith((".xlsx", ".xlsm")):
        raise UnreadableFile("The file is named .xlsx but is not an Excel workbook.")
    return "csv"


def open_rows(stream: io.BufferedIOBase, filename: str | None = None) -> RowSource:
    """Rows of the first worksheet of an .xlsx stream, or of a .csv stream (seekable binary)."""
    head = stream.read(SNIFF_BYTES)
    stream.seek(0)
    kind = kind_of(filename, head)
    if kind == "xlsx":
        return _xlsx_rows(stream)
    encoding = detect_encoding(head)
    text = io.TextIOWrapper(_Borrowed(stream), encoding=encoding, newline="", errors="strict")
    return RowSource("csv", encoding, None, _csv_rows(text))


class _Borrowed(io.RawIOBase):
    """The caller's stream, read through a text wrapper that must not close it when it goes
    (the importer reads the file twice)."""

    def __init__(self, stream):
        self.stream = stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self.stream.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def _csv_rows(text: io.TextIOBase) -> Iterator[tuple[int, list]]:
    reader = csv.reader(text)
    try:
        yield from enumerate(reader, start=1)
    except UnicodeDecodeError as exc:
        raise UnreadableFile(f"The CSV file is neither UTF-8 nor GB18030 text ({exc.reason}).") from None
    except csv.Error as exc:
        raise UnreadableFile(f"The CSV file is malformed: {exc}.") from None


def _xlsx_rows(stream) -> RowSource:
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_filelike(stream)
        sheet = book.get_sheet_by_index(0)
    except Exception as exc:  # calamine raises its own error types for broken workbooks
        raise UnreadableFile(f"The workbook cannot be read: {exc}.") from None
    first_row, first_col = sheet.start or (0, 0)
    merged = sorted(sheet.merged_cell_ranges or [])
    return RowSource("xlsx", None, sheet.height, _filled(sheet.iter_rows(), first_row, first_col, merged))


def _filled(rows, first_row: int, first_col: int, merged: list) -> Iterator[tuple[int, list]]:
    """Rows with every merged range's value copied into all of its cells (0-based ranges
    ((r0, c0), (r1, c1)) as calamine gives them, relative to the sheet's origin A1)."""
    pending = list(reversed(merged))  # popped in row order
    active: list[tuple[int, int, int, object]] = []  # (last row, first col, last col, value)
    for index, raw in enumerate(rows):
        r = first_row + index
        row = ([""] * first_col) + list(raw) if first_col else list(raw)
        while pending and pending[-1][0][0] <= r:
            (r0, c0), (r1, c1) = pending.pop()
            value = row[c0] if c0 < len(row) else ""
            active.append((r1, c0, c1, value))
        if active:
            if len(row) < max(a[2] for a in active) + 1:
                row.extend([""] * (max(a[2] for a in active) + 1 - len(row)))
            for _last, c0, c1, value in active:
                for c in range(c0, c1 + 1):
                    row[c] = value
            active = [a for a in active if a[0] > r]
        yield r + 1, row
