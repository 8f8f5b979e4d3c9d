"""The columns of district data files: what each holds, how its cells are read
and checked, and how rows are keyed and matched.

Every check runs once per distinct cell of a column and reaches the rows through
their codes, so a million rows that hold a few hundred distinct values cost a
few hundred checks. Keys and matches work on integer codes the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

import numpy as np
import pandas as pd

from sqr_tracker.district_files import Cells, Problems, Sheet, fold, fold_one

# Words in a rating cell that mean "not rated": the row is left out.
NO_RATING = ("NDA", "N/A", "NA", "no data", "not rated")
NO_RATING_WORDS = frozenset(fold(pd.Series(NO_RATING, dtype="str")))
TEXTS = ("text", "code", "email", "list", "rating")
_YES = frozenset({"yes", "y", "true", "t", "1"})
_NO = frozenset({"no", "n", "false", "f", "0"})
_NUMBER = r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
_WHOLE = r"[+-]?[0-9]+(?:\.0*)?"
_EMAIL = r"[^@\s]+@[^@\s]+\.[^@\s]+"
_DATE = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"


@dataclass(frozen=True)
class Column:
    """One column of an import file. ``type`` is one of text, code, email,
    whole, number, share, date, flag, choice, rating or list (values
    separated by |); ``table_column`` the store's column it fills as it is,
    if any; ``choices`` the stored values with the other words read for
    each; ``blank`` what an empty cell stores (None: NULL)."""

    name: str
    type: str
    holds: str
    required: bool = False
    table_column: str | None = None
    choices: Mapping[str, Sequence[str]] | None = None
    low: float | None = None
    high: float | None = None
    length: int = 500
    blank: object = None
    example: str = ""

    def words(self) -> dict[str, str]:
        """Each allowed word (folded) and the stored value it stands for."""
        return {
            fold_one(word): value
            for value, others in (self.choices or {}).items()
            for word in (value, *others)
        }

    def allowed(self) -> str:
        """The allowed values in words, for templates and messages."""
        if self.choices is not None:
            others = [word for words in self.choices.values() for word in words]
            also = f" (also read: {', '.join(others)})" if others else ""
            return ", ".join(self.choices) + also
        if self.type in ("whole", "number"):
            return self.range()
        return {
            "share": "a share from 0 to 1 (0.45) or a percentage (45%)",
            "date": "a date written YYYY-MM-DD",
            "flag": "yes or no (also true/false, 1/0)",
            "email": "an email address",
            "rating": "a label of the rating scale or one of its other words, or "
            f"a level number; {', '.join(NO_RATING)} mean not rated",
            "list": f"values separated by |, at most {self.length:,} characters",
        }.get(self.type, f"text, at most {self.length:,} characters")

    def range(self) -> str:
        kind = "a whole number" if self.type == "whole" else "a number"
        low, high = _figure(self.low), _figure(self.high)
        if low is not None and high is not None:
            return f"{kind} from {low} to {high}"
        if low is not None:
            return f"{kind}, at least {low}"
        return kind


def _figure(number: float | None) -> str | None:
    """1,000,000 and 0.5 as people write them."""
    if number is None:
        return None
    return f"{int(number):,}" if float(number).is_integer() else f"{number:,}"


@dataclass
class Field:
    """One column of a file, read: per row a code into its distinct cells, and
    per distinct cell its text, its value and whether it holds one (not empty,
    readable)."""

    column: Column
    present: bool
    codes: np.ndarray
    text: pd.Series
    values: np.ndarray
    given: np.ndarray

    def rows(self) -> np.ndarray:
        return self.values[self.codes]

    def given_rows(self) -> np.ndarray:
        return self.given[self.codes]

    def empty_rows(self) -> np.ndarray:
        return (self.text == "").to_numpy(bool)[self.codes]

    def text_at(self, positions: np.ndarray) -> list[str]:
        return list(self.text.to_numpy(object)[self.codes[positions]])

    def series(self) -> pd.Series:
        """The values per row, typed for the store (text as a categorical,
        which DuckDB reads without a Python string per row)."""
        kind = self.column.type
        if kind == "whole":
            return pd.Series(self.rows()).astype("Int64")
        if kind in ("number", "share"):
            return pd.Series(self.rows(), dtype="float64")
        if kind == "date":
            return pd.Series(self.rows(), dtype="datetime64[ns]")
        if kind == "flag":
            return pd.Series(self.rows(), dtype="boolean")
        inner, distinct = pd.factorize(pd.Series(self.values, dtype=object))
        return pd.Series(pd.Categorical.from_codes(inner[self.codes], distinct))

    def canonical(self) -> np.ndarray:
        """Per row, a code for the value as a natural key compares it (text
        ignoring case; an empty optional cell is a value too); -1 where the
        cell is unreadable or a required one is empty."""
        if self.column.type in TEXTS:
            values = self.text.str.lower()
        else:
            values = pd.Series(self.values, dtype=object)
        codes = pd.factorize(values, use_na_sentinel=False)[0].astype(np.int64)
        empty = (self.text == "").to_numpy(bool)
        codes[~self.given & (self.column.required | ~empty)] = -1
        return codes[self.codes]


def read_column(
    column: Column, sheet: Sheet, position: int | None, problems: Problems
) -> Field:
    """Read and check every distinct cell of a column (``position`` None: the
    file leaves it out); note each problem with its rows."""
    if position is None:
        cells = Cells.blank(len(sheet.rows))
    else:
        cells = sheet.columns[position]
    text = cells.uniques
    empty = (text == "").to_numpy(bool)
    values, checks = _READERS[column.type](column, text, empty)
    if column.required:
        hint = f" ({column.allowed()})" if column.choices else ""
        checks.insert(0, (empty, lambda _: f"is empty; it is required{hint}"))
    # A cell too long, or holding a NUL, is named for that alone (a megabyte
    # cell is not quoted back in full).
    longer = text.str.len().to_numpy() > column.length
    nul = text.str.contains("\x00", regex=False).to_numpy(bool) & ~longer
    checks = [(bad & ~longer & ~nul, message) for bad, message in checks]
    checks.append((longer, lambda t: _too_long(t, column.length)))
    checks.append((nul, lambda _: "holds a NUL character (a zero byte), which no "
                   "cell may hold"))  # fmt: skip
    held = ~empty
    cell_text = text.to_numpy(object)
    order = len(sheet.header) if position is None else position
    for bad, message in checks:
        held &= ~bad
        if bad.any():
            problems.add(
                bad[cells.codes],
                column.name,
                lambda at, m=message: [m(cell_text[cells.codes[p]]) for p in at],
                order,
            )
    if column.blank is not None:
        values = values.copy()
        values[empty] = column.blank
    return Field(column, position is not None, cells.codes, text, values, held)


def _too_long(text: str, length: int) -> str:
    return f"is {len(text):,} characters long; at most {length:,} fit"


Check = tuple[np.ndarray, Callable[[str], str]]


def _text(column: Column, text: pd.Series, empty: np.ndarray):
    values = text.to_numpy(object).copy()
    values[empty] = None
    return values, []


def _email(column: Column, text: pd.Series, empty: np.ndarray):
    lower = text.str.lower()
    bad = ~empty & ~lower.str.fullmatch(_EMAIL).to_numpy(bool)
    values = lower.to_numpy(object).copy()
    values[empty] = None
    return values, [(bad, lambda t: f"{t!r} is not an email address")]


def _numbers(text: pd.Series, pattern: str) -> tuple[np.ndarray, np.ndarray]:
    """Each text's number (NaN if none) and whether it reads as one."""
    readable = text.str.fullmatch(pattern).to_numpy(bool).copy()
    numbers = pd.to_numeric(text.where(readable), errors="coerce")
    numbers = numbers.to_numpy(float).copy()
    readable &= np.isfinite(numbers)
    numbers[~readable] = np.nan
    return numbers, readable


def _whole(column: Column, text: pd.Series, empty: np.ndarray):
    numbers, readable = _numbers(text, _WHOLE)
    checks = [(~empty & ~readable, lambda t: f"{t!r} is not a whole number")]
    return numbers, checks + _in_range(column, numbers, readable)


def _number(column: Column, text: pd.Series, empty: np.ndarray):
    numbers, readable = _numbers(text, _NUMBER)
    checks = [(~empty & ~readable, lambda t: f"{t!r} is not a number")]
    return numbers, checks + _in_range(column, numbers, readable)


def _in_range(column: Column, numbers: np.ndarray, readable: np.ndarray):
    outside = np.zeros(len(numbers), dtype=bool)
    with np.errstate(invalid="ignore"):
        if column.low is not None:
            outside |= readable & (numbers < column.low)
        if column.high is not None:
            outside |= readable & (numbers > column.high)
    words = column.range()
    return [(outside, lambda t: f"{t} is out of range: it must be {words}")]


def _share(column: Column, text: pd.Series, empty: np.ndarray):
    percent = text.str.endswith("%").to_numpy(bool)
    numbers, readable = _numbers(text.str.removesuffix("%").str.strip(), _NUMBER)
    numbers = np.where(percent, numbers / 100, numbers)
    outside = readable & ((numbers < 0) | (numbers > 1))
    numbers[outside] = np.nan
    return numbers, [
        (~empty & ~readable, lambda t: f"{t!r} is not a share such as 0.45 or a "
         "percentage such as 45%"),
        (outside, lambda t: f"{t} is out of range: write a share from 0 to 1 "
         "(0.45) or a percentage from 0% to 100% (45%)"),
    ]  # fmt: skip


def _date(column: Column, text: pd.Series, empty: np.ndarray):
    shaped = text.str.fullmatch(_DATE).to_numpy(bool)
    days = pd.to_datetime(text.where(shaped), format="%Y-%m-%d", errors="coerce")
    values = np.asarray(days, dtype="datetime64[ns]")
    bad = ~empty & np.isnat(values)
    return values, [(bad, lambda t: f"{t!r} is not a date written YYYY-MM-DD")]


def _flag(column: Column, text: pd.Series, empty: np.ndarray):
    folded = fold(text)
    yes = folded.isin(_YES).to_numpy(bool)
    no = folded.isin(_NO).to_numpy(bool)
    values = np.full(len(text), None, dtype=object)
    values[yes], values[no] = True, False
    return values, [(~empty & ~yes & ~no, lambda t: f"{t!r} is not yes or no")]


def _choice(column: Column, text: pd.Series, empty: np.ndarray):
    found = fold(text).map(column.words())
    values = np.where(found.isna(), None, found.to_numpy(object))
    bad = ~empty & found.isna().to_numpy(bool)
    allowed = column.allowed()
    return values, [(bad, lambda t: f"{t!r} is not one of: {allowed}")]


_READERS: dict[str, Callable[..., tuple[np.ndarray, list[Check]]]] = {
    "text": _text,
    "code": _text,
    "list": _text,
    "rating": _text,
    "email": _email,
    "whole": _whole,
    "number": _number,
    "share": _share,
    "date": _date,
    "flag": _flag,
    "choice": _choice,
}


def split(text: object) -> list[str]:
    """The values of a list cell, trimmed, each once, sorted ignoring case."""
    if not isinstance(text, str):
        return []
    words = dict.fromkeys(word.strip() for word in text.split("|") if word.strip())
    return sorted(words, key=str.lower)


# -- keys and matching ---------------------------------------------------------------


def combine(parts: Sequence[np.ndarray]) -> np.ndarray:
    """One int64 key per row from several columns' codes (each at least -1)."""
    key = np.zeros(len(parts[0]) if parts else 0, dtype=np.int64)
    for part in parts:
        size = int(part.max()) + 2 if len(part) else 1
        if len(key) and int(key.max()) >= 2**62 // size:
            key = pd.factorize(key)[0].astype(np.int64)
        key = key * size + (part + 1)
    return key


def joint_keys(
    left: Sequence[Sequence], right: Sequence[Sequence]
) -> tuple[np.ndarray, np.ndarray]:
    """Int keys for the rows of two tables, equal where every column holds the
    same value (text ignoring case, missing equal to missing)."""
    pairs = [
        joint_codes(pd.Series(a), pd.Series(b), lower=True)
        for a, b in zip(left, right, strict=True)
    ]
    keys = combine([np.concatenate(pair) for pair in pairs])
    return keys[: len(left[0])], keys[len(left[0]) :]


def joint_codes(
    a: pd.Series, b: pd.Series, *, lower: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Codes for two columns' values, equal where the values are (-1 where
    missing); only the distinct values are compared."""
    if len(a) + len(b) <= _FEW:
        seen: dict[object, int] = {}
        codes = [
            np.array([_code(v, lower, seen) for v in side.tolist()], dtype=np.int64)
            for side in (a, b)
        ]
        return codes[0], codes[1]
    codes_a, distinct_a = pd.factorize(a)
    codes_b, distinct_b = pd.factorize(b)
    both = pd.concat(
        [_normal(pd.Series(distinct_a), lower), _normal(pd.Series(distinct_b), lower)],
        ignore_index=True,
    )
    joint = pd.factorize(both)[0].astype(np.int64)
    # A missing value's code -1 picks the -1 appended to each side's codes.
    joint_a = np.append(joint[: len(distinct_a)], -1)
    joint_b = np.append(joint[len(distinct_a) :], -1)
    return joint_a[codes_a], joint_b[codes_b]


_FEW = 5000  # rows: fewer are compared value by value, which is quicker then


def _code(value: object, lower: bool, seen: dict[object, int]) -> int:
    """The code of one value, as ``_normal`` compares it (-1: missing)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return -1
    if isinstance(value, str):
        key: object = ("text", value.lower() if lower else value)
    elif isinstance(value, datetime | date | np.datetime64):
        key = ("instant", pd.Timestamp(value).value)
    elif isinstance(value, float) and value != value:
        return -1
    else:
        key = ("number", float(value))
    return seen.setdefault(key, len(seen))


def _normal(values: pd.Series, lower: bool) -> pd.Series:
    """Distinct values as compared: numbers as floats, dates as instants, text
    as text (ignoring case if ``lower``)."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        values = values.astype(object)
    if pd.api.types.is_datetime64_any_dtype(values):
        return values.astype("datetime64[ns]").astype("int64").astype(object)
    if pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
        return values.astype("float64").astype(object)
    text = values.astype("str")
    return (text.str.lower() if lower else text).astype(object)


def same(a: pd.Series, b: pd.Series) -> np.ndarray:
    """Per row: whether two columns hold the same value (missing = missing)."""
    codes_a, codes_b = joint_codes(
        a.reset_index(drop=True), b.reset_index(drop=True), lower=False
    )
    return codes_a == codes_b


def positions(wanted: np.ndarray, known: np.ndarray) -> np.ndarray:
    """Per wanted key: the position of the first equal known key, or -1."""
    first = ~pd.Index(known).duplicated()
    places = np.flatnonzero(first)
    at = pd.Index(known[first]).get_indexer(wanted)
    return np.where(at >= 0, places[np.maximum(at, 0)] if len(places) else -1, -1)


def pair_lookup(
    known: Sequence[Sequence], ids: Sequence, wanted: Sequence[np.ndarray]
) -> np.ndarray:
    """Per row: the id of the known row whose two columns equal the row's two
    values, NaN if there is none or either value is missing."""
    left = [np.asarray(values, float) for values in wanted]
    if not len(ids):
        return np.full(len(left[0]), np.nan)
    right = [np.asarray(values, float) for values in known]
    lk, rk = joint_keys(left, right)
    at = positions(lk, rk)
    found = np.where(at >= 0, np.asarray(ids, float)[np.maximum(at, 0)], np.nan)
    found[np.isnan(left[0]) | np.isnan(left[1])] = np.nan
    return found
