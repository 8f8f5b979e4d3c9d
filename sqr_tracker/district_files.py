"""Spreadsheets of district data: read into columns of text cells, problems
named by row and column, written back safely.

Rows are numbered as a spreadsheet numbers them: the header is row 1, so the
first data row is row 2, whether the file is a CSV (a quoted cell that spans
lines is still one row) or the first sheet of an Excel workbook. Blank rows are
skipped but keep their number. Each column is held as codes into its distinct
cells, so that a million rows with a few hundred distinct values are checked
value by value, not row by row.

A CSV is read as UTF-8 (its byte-order mark, if any, dropped), as UTF-16 when it
starts with UTF-16's byte-order mark, and otherwise, when its bytes are not
UTF-8, as Windows-1252 (what Excel on Windows saves as "CSV"); the sheet names
the encoding it was read in. Quoting is read strictly: a quote left open, or
text after a closing quote, is refused rather than read as something else.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from sqr_tracker.output import csv_quoting, neutralised

FIRST_ROW = 2  # the header is row 1
_SMALL = 1 << 20  # bytes: files up to this size are read without threads
# Python's reader refuses a cell over 128 KiB; a file it reads can hold longer.
csv.field_size_limit(max(csv.field_size_limit(), _SMALL))
ABOUT_SHEET = "About these columns"
# A leading apostrophe before what a spreadsheet would run as a formula is the
# mark an export adds (and a spreadsheet's "this is text"): reading drops one.
_MARKED = re.compile(r"^'(?='*[=+\-@\t\r])")
_FORMULA_LIKE = re.compile(r"^'*[=+\-@\t\r]")
_NOT_WORD = re.compile(r"[\W_]+")
_RAGGED = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")
# The encodings a CSV is read in, as an import's summary names them.
UTF8, UTF16, CP1252 = "UTF-8", "UTF-16", "Windows-1252"
_UTF16_MARKS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
# What the strict CSV reader's complaints mean, in the file's words.
_QUOTING = {
    "unexpected end of data": "opens a quoted cell that is never closed",
    "',' expected after '\"'": "has text after a quoted cell's closing quote",
}


class Unreadable(Exception):
    """The file cannot be read as a table at all; the message says why."""


@dataclass
class Cells:
    """One column: per row a code into ``uniques``, its distinct cells (text,
    trimmed, the export's apostrophe mark dropped)."""

    codes: np.ndarray
    uniques: pd.Series

    @classmethod
    def of(cls, raw: pd.Series | pa.ChunkedArray) -> Cells:
        if isinstance(raw, pa.ChunkedArray):
            if pa.types.is_dictionary(raw.type):  # read as codes: one dictionary
                encoded = raw.unify_dictionaries().combine_chunks()
            else:
                encoded = pc.dictionary_encode(raw.combine_chunks())
            codes = encoded.indices.to_numpy(zero_copy_only=False)
            distinct = encoded.dictionary.to_numpy(zero_copy_only=False)
        else:
            codes, distinct = pd.factorize(raw, use_na_sentinel=False)
        text = pd.Series(np.asarray(distinct, dtype=object), dtype="str")
        text = text.fillna("").str.strip()
        if text.str.startswith("'").any():
            text = text.str.replace(_MARKED, "", regex=True)
        return cls(np.asarray(codes), text)

    @classmethod
    def blank(cls, count: int) -> Cells:
        return cls(np.zeros(count, dtype=np.int64), pd.Series([""], dtype="str"))

    def take(self, keep: np.ndarray | slice) -> Cells:
        return Cells(self.codes[keep], self.uniques)

    def empty(self) -> np.ndarray:
        """Per row: whether the cell is empty."""
        return (self.uniques == "").to_numpy(bool)[self.codes]


@dataclass
class Sheet:
    """A file's header as written, its columns by position, each kept row's
    number as a spreadsheet shows it, and for a CSV the encoding it was read
    in."""

    name: str
    header: list[str]
    columns: list[Cells]
    rows: np.ndarray
    encoding: str | None = None


def read_sheet(data: bytes, name: str) -> Sheet:
    """The table in a .csv or .xlsx file's bytes (Unreadable if there is none)."""
    suffix = Path(name).suffix.lower()
    encoding = None
    if suffix == ".csv":
        raw, encoding = _csv_columns(data)
    elif suffix == ".xlsx":
        raw = _xlsx_columns(data)
    else:
        raise Unreadable("is neither a .csv nor an .xlsx file")
    cells = [Cells.of(column) for column in raw]
    if not cells or not len(cells[0].codes):
        raise Unreadable("is empty; its first row names the columns")
    header = [str(c.uniques.iloc[c.codes[0]]) for c in cells]
    if not any(header):
        raise Unreadable("has nothing in its first row, which names the columns")
    cells = [c.take(slice(1, None)) for c in cells]
    rows = np.arange(FIRST_ROW, FIRST_ROW + len(cells[0].codes))
    filled = np.zeros(len(rows), dtype=bool)
    for column in cells:
        if not (column.uniques == "").any():
            break  # a column without an empty cell: no row is blank
        filled |= ~column.empty()
    else:
        cells, rows = [c.take(filled) for c in cells], rows[filled]
    return Sheet(name, header, cells, rows, encoding)


def _csv_columns(
    data: bytes,
) -> tuple[list[pd.Series] | list[pa.ChunkedArray], str]:
    """Every cell as text, column by column (the header is the first row),
    and the encoding the file was read in."""
    data, encoding, marked = _unmarked(data)
    if not data or data.isspace():
        return [], encoding
    if len(data) > _SMALL:
        fast = _csv_by_arrow(data)  # it reads UTF-8 only
        if fast is not None:
            return fast, encoding
    text, encoding = _decoded(data, encoding, marked)
    if len(data) <= _SMALL:
        return _csv_by_python(text), encoding
    data = text.encode("utf-8") if encoding == CP1252 else data
    # A large file Arrow cannot read: not UTF-8, rows of unequal length, or a
    # line holding only spaces. Blank lines keep their number here too, and a
    # ragged row is named.
    try:
        frame = pd.read_csv(
            io.BytesIO(data),
            header=None,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=False,
        )
    except pd.errors.ParserError as error:
        found = _RAGGED.search(str(error))
        if found:
            expected, row, seen = found.groups()
            raise Unreadable(
                f"row {row} has {seen} cells, but the header row names "
                f"{expected} columns"
            ) from None
        raise Unreadable(f"is not readable as CSV ({error})") from None
    return [frame[column] for column in frame.columns], encoding


def _unmarked(data: bytes) -> tuple[bytes, str, bool]:
    """The bytes without a byte-order mark (UTF-16 ones as UTF-8), their
    encoding, and whether a mark named it."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :], UTF8, True
    if not data.startswith(_UTF16_MARKS):
        return data, UTF8, False
    try:
        return data.decode("utf-16").encode("utf-8"), UTF16, True
    except UnicodeDecodeError as error:
        raise Unreadable(
            f"starts as UTF-16 text but is not (bytes {error.start} to "
            f"{error.end - 1} are not UTF-16); save it as CSV UTF-8 and try again"
        ) from None


def _decoded(data: bytes, encoding: str, marked: bool) -> tuple[str, str]:
    """The text of UTF-8 bytes; bytes that are not UTF-8, and carry no mark
    saying they are, as Windows-1252."""
    try:
        return data.decode("utf-8"), encoding
    except UnicodeDecodeError as error:
        if marked:
            raise Unreadable(
                f"starts with UTF-8's byte-order mark but is not UTF-8 text (byte "
                f"{data[error.start]:#04x} at position {error.start + 3}); save it "
                "as CSV UTF-8 and try again"
            ) from None
        first = error
    try:
        return data.decode("cp1252"), CP1252
    except UnicodeDecodeError as error:
        raise Unreadable(
            f"is neither UTF-8 text (byte {data[first.start]:#04x} at position "
            f"{first.start}) nor Windows-1252 text (byte {data[error.start]:#04x} "
            f"at position {error.start}); save it as CSV UTF-8 and try again"
        ) from None


def _csv_by_python(text: str) -> list[pd.Series]:
    """The reader for small files (the others start threads for each)."""
    rows = []
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        for cells in reader:
            rows.append(cells)
    except csv.Error as error:
        why = _QUOTING.get(str(error), f"is not readable as CSV ({error})")
        raise Unreadable(f"row {len(rows) + 1} {why}") from None
    width = len(rows[0]) if rows else 0
    for number, cells in enumerate(rows, 1):
        if len(cells) > width and any(cell.strip() for cell in cells[width:]):
            raise Unreadable(
                f"row {number} has {len(cells)} cells, but the header row names "
                f"{width} columns"
            )
    padded = [(cells + [""] * width)[:width] for cells in rows]
    return [pd.Series(column, dtype="str") for column in zip(*padded, strict=True)]


def _csv_by_arrow(data: bytes) -> list[pa.ChunkedArray] | None:
    """The fast reader; None if it cannot read the file (it reads UTF-8 only,
    and a line holding only spaces is a row too short for it)."""
    end = data.find(b"\n")
    try:
        first = data[: end if end >= 0 else len(data)].decode("utf-8")
        width = len(next(csv.reader([first.rstrip("\r")])))
    except (UnicodeDecodeError, csv.Error, StopIteration):
        return None
    names = [f"c{i}" for i in range(width)]
    # Each column read as codes into its distinct cells, which is what
    # Cells keeps (and quicker than reading the text, then coding it).
    coded = pa.dictionary(pa.int32(), pa.string())
    try:
        table = pa_csv.read_csv(
            io.BytesIO(data),
            read_options=pa_csv.ReadOptions(column_names=names),
            # A file without quotes has no line breaks inside a cell, and is
            # then read in parallel blocks.
            # A blank line is a row of empty cells, so that rows keep their
            # numbers (read_sheet leaves blank rows out).
            parse_options=pa_csv.ParseOptions(
                newlines_in_values=b'"' in data, ignore_empty_lines=False
            ),
            convert_options=pa_csv.ConvertOptions(
                column_types={n: coded for n in names},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except pa.ArrowInvalid:
        return None  # the careful reader says what is wrong, and where
    return list(table.columns)


def _xlsx_columns(data: bytes) -> list[pd.Series]:
    """The first sheet of a workbook, every cell as text, column by column."""
    from openpyxl import load_workbook  # Excel's library: load on use

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise Unreadable(
            f"is not an Excel workbook that can be read ({error})"
        ) from None
    try:
        rows = [
            [_cell_text(value) for value in row]
            for row in book.worksheets[0].iter_rows(values_only=True)
        ]
    finally:
        book.close()
    width = max((len(row) for row in rows), default=0)
    frame = pd.DataFrame([row + [""] * (width - len(row)) for row in rows], dtype="str")
    return [frame[column] for column in frame.columns]


def _cell_text(value: object) -> str:
    """An Excel cell as the text a CSV would hold."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else str(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def fold(values: pd.Series) -> pd.Series:
    """Labels as matched: case, spaces and punctuation ignored (run over a
    column's distinct values, which are few)."""
    return pd.Series([fold_one(v) for v in values], index=values.index, dtype="str")


def fold_one(text: str) -> str:
    return _NOT_WORD.sub("", str(text).lower())


# -- problems ----------------------------------------------------------------------


@dataclass
class Problems:
    """What is wrong with a file, in the order of its rows and columns:
    ``listed`` names the first ``cap`` and counts the rest."""

    name: str
    rows: np.ndarray
    cap: int = 50
    total: int = 0
    _found: list[tuple[int, int, int, str, str]] = field(default_factory=list)

    def file(self, message: str) -> None:
        """A problem of the whole file."""
        self._keep(0, -1, self.name, message)

    def missing(self, column: str, message: str) -> None:
        """A column the file lacks."""
        self._keep(0, 0, f"{self.name}, column {column}", message)

    def header(self, position: int, column: str, message: str) -> None:
        """A problem of the header row's cell at ``position``."""
        self._keep(1, position, self._at(1, column), message)

    def add(
        self,
        bad: np.ndarray,
        column: str | None,
        message: str | Callable[[np.ndarray], Sequence[str]],
        order: int = -1,
    ) -> None:
        """The rows where ``bad`` holds; ``message`` is a text, or a function of
        the first rows' positions giving a text for each. ``order`` sorts the
        problems of one row (the column's position in the file)."""
        positions = np.flatnonzero(bad)
        if not len(positions):
            return
        first = positions[: self.cap]
        texts = [message] * len(first) if isinstance(message, str) else message(first)
        for position, text in zip(first, texts, strict=True):
            row = int(self.rows[position])
            self._keep(row, order, self._at(row, column), text)
        self.total += len(positions) - len(first)

    def __bool__(self) -> bool:
        return bool(self._found)

    def listed(self) -> dict[str, str]:
        ordered = sorted(self._found)
        shown = ordered[: self.cap]
        problems: dict[str, str] = {}
        for *_, where, message in shown:
            problems[where] = (
                f"{problems[where]}; {message}" if where in problems else message
            )
        more = self.total + len(ordered) - len(shown)
        if more:
            problems[f"{self.name}, further rows"] = (
                f"{more:,} more problems are not listed; fix the ones above and "
                "import again to see them"
            )
        return problems

    def _at(self, row: int, column: str | None) -> str:
        where = f"{self.name}, row {row}"
        return f"{where}, column {column}" if column else where

    def _keep(self, row: int, order: int, where: str, message: str) -> None:
        self._found.append((row, order, len(self._found), where, message))


# -- writing -------------------------------------------------------------------------


def marked(frame: pd.DataFrame) -> pd.DataFrame:
    """Text that already begins with the apostrophe mark gets one more, so that
    reading the file back (which drops one) gives the text as stored."""
    frame = frame.copy()
    for column in frame.columns:
        if frame[column].dtype == object or pd.api.types.is_string_dtype(frame[column]):
            text = frame[column]
            starts = text.str.startswith("'", na=False)
            if starts.any():
                hit = starts & text.str.contains(_FORMULA_LIKE, na=False)
                frame[column] = text.where(~hit, "'" + text)
    return frame


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """The frame as UTF-8 CSV, formulas neutralised."""
    safe = neutralised(marked(frame))
    return safe.to_csv(index=False, quoting=csv_quoting(safe)).encode("utf-8")


def xlsx_bytes(frame: pd.DataFrame, sheet: str, about: pd.DataFrame) -> bytes:
    """The frame as the first sheet of a workbook, ``about`` as the second."""
    from openpyxl.utils import get_column_letter  # Excel's library: load on use

    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as book:
        neutralised(marked(frame)).to_excel(book, sheet_name=sheet[:31], index=False)
        neutralised(about).to_excel(book, sheet_name=ABOUT_SHEET, index=False)
        for name, shown in ((sheet[:31], frame), (ABOUT_SHEET, about)):
            widths = book.sheets[name].column_dimensions
            for position, column in enumerate(shown.columns, 1):
                cells = [str(column), *shown[column].dropna().astype(str)]
                widths[get_column_letter(position)].width = min(
                    60, max(map(len, cells)) + 2
                )
    return buffer.getvalue()
