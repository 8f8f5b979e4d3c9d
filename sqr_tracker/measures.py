"""Measures over time: run-chart signals, status and change on a five-by-five grid,
and small-group suppression.

Pure functions over pandas: nothing here reads the store or draws anything. Each
public function's docstring states its rule in plain words, so the page can show
exactly how a signal, a colour or a hidden cell was decided.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

SHIFT_POINTS = 6
TREND_POINTS = 5

SHIFT, TREND = "shift", "trend"
ABOVE, BELOW, UP, DOWN = "above", "below", "up", "down"

STATUS_LEVELS = ("Very low", "Low", "Medium", "High", "Very high")
CHANGE_LEVELS = (
    "Declined significantly",
    "Declined",
    "Maintained",
    "Increased",
    "Increased significantly",
)

# GRID_COLOURS[status_level][change_level], both levels from worst (0) to best (4).
GRID_COLOURS: tuple[tuple[str, ...], ...] = (
    ("Red", "Red", "Red", "Orange", "Yellow"),
    ("Red", "Orange", "Orange", "Yellow", "Yellow"),
    ("Orange", "Orange", "Yellow", "Green", "Green"),
    ("Orange", "Yellow", "Green", "Green", "Blue"),
    ("Yellow", "Green", "Blue", "Blue", "Blue"),
)

# A change is rounded to this many decimal places before it is placed, so that
# floating-point noise (0.8 - 0.5 = 0.30000000000000004) cannot cross a cut point.
CHANGE_DECIMALS = 9


# --------------------------------------------------------------------- run charts


@dataclass(frozen=True)
class Signal:
    """One run-chart signal: a shift ("above" or "below" the median) or a trend
    ("up" or "down"), from position ``start`` to position ``end`` (inclusive) of
    the run chart's values, with a description in plain words."""

    kind: str
    direction: str
    start: int
    end: int
    description: str


@dataclass(frozen=True, eq=False)
class RunChart:
    """A measure's values in period order with NaNs dropped, their median, the
    signals found in them, and which way is good: ``higher_is_better`` True means
    rising values and points above the median are favourable, False means falling
    values and points below the median are favourable, None means the measure has
    no good direction and no signal is judged favourable or adverse."""

    values: pd.Series
    median: float
    signals: list[Signal]
    good_direction: str | None
    higher_is_better: bool | None = None

    def is_favourable(self, signal: Signal) -> bool | None:
        """Whether a signal points the good way: a shift above the median or a
        trend up is favourable when higher is better, a shift below or a trend
        down when lower is better; with no good direction the answer is None."""
        if self.higher_is_better is None:
            return None
        upward = signal.direction in (ABOVE, UP)
        return upward == self.higher_is_better

    def favourable(self) -> list[Signal]:
        """The signals that point the good way, in the order they were found."""
        return [s for s in self.signals if self.is_favourable(s) is True]

    def adverse(self) -> list[Signal]:
        """The signals that point the wrong way (a shift below the median or a
        trend down when higher is better, a shift above or a trend up when lower
        is better), in the order they were found; none when the measure has no
        good direction."""
        return [s for s in self.signals if self.is_favourable(s) is False]


def period_label(value: Any) -> str:
    """A period's label: a date is written as month and year ("Sep 2025"), any
    other value as it is."""
    if isinstance(value, pd.Period):
        return value.strftime("%b %Y")
    if isinstance(value, date | np.datetime64):
        return pd.Timestamp(value).strftime("%b %Y")
    return str(value)


Labels = Callable[[int], str]


def signal_words(kind: str, direction: str, count: int, first: str, last: str) -> str:
    """A signal in plain words: how many points in a row went which way, from
    the period labelled ``first`` to the one labelled ``last``."""
    if kind == SHIFT:
        what = f"{direction} the median"
    else:
        what = "rising" if direction == UP else "falling"
    return f"{count} points in a row {what} ({first} to {last})"


def _shifts(
    points: np.ndarray, median: float, needed: int, label: Labels
) -> list[Signal]:
    signals: list[Signal] = []
    side, start, last, count = 0, 0, 0, 0

    def close() -> None:
        if side != 0 and count >= needed:
            direction = ABOVE if side > 0 else BELOW
            words = signal_words(SHIFT, direction, count, label(start), label(last))
            signals.append(Signal(SHIFT, direction, start, last, words))

    for i, x in enumerate(points):
        s = int(np.sign(x - median))
        if s == 0:
            continue
        if s == side:
            count += 1
            last = i
        else:
            close()
            side, start, last, count = s, i, i, 1
    close()
    return signals


def _trends(points: np.ndarray, needed: int, label: Labels) -> list[Signal]:
    # A run of equal values counts once, at its first point.
    firsts = [i for i in range(len(points)) if i == 0 or points[i] != points[i - 1]]
    steps = [
        1 if points[b] > points[a] else -1
        for a, b in zip(firsts, firsts[1:], strict=False)
    ]
    signals: list[Signal] = []
    k = 0
    while k < len(steps):
        j = k
        while j + 1 < len(steps) and steps[j + 1] == steps[k]:
            j += 1
        count = j - k + 2
        if count >= needed:
            direction = UP if steps[k] > 0 else DOWN
            start, end = firsts[k], firsts[j + 1]
            words = signal_words(TREND, direction, count, label(start), label(end))
            signals.append(Signal(TREND, direction, start, end, words))
        k = j + 1
    return signals


def run_chart(
    values: pd.Series,
    *,
    higher_is_better: bool | None = None,
    shift_points: int = SHIFT_POINTS,
    trend_points: int = TREND_POINTS,
) -> RunChart:
    """Missing values are left out, the rest are put in period order, and the
    centre line is their median. A shift is (by default) six or more points in a
    row all above the median, or all below it; a point exactly on the median
    neither breaks a shift nor counts toward it, and is skipped. A trend is (by
    default) five or more points in a row each higher than the one before
    (rising), or each lower (falling); a point equal to the one before it neither
    breaks a trend nor counts toward it, and is skipped; the point where the
    direction turns ends one trend and starts the next. Each signal is the longest
    such run, reported once, and is marked from its first counted point to its
    last; with fewer points than a rule needs there is no signal."""
    if shift_points < 1 or trend_points < 2:
        raise ValueError(
            "shift_points must be at least 1 and trend_points at least 2, "
            f"got {shift_points} and {trend_points}"
        )
    clean = values.dropna().sort_index(kind="stable").astype(float)
    good = {True: UP, False: DOWN, None: None}[higher_is_better]
    if clean.empty:
        return RunChart(clean, math.nan, [], good, higher_is_better)
    points = clean.to_numpy()
    median = float(np.median(points))
    periods = clean.index

    def label(position: int) -> str:  # only the points a signal names
        return period_label(periods[position])

    signals = _shifts(points, median, shift_points, label) + _trends(
        points, trend_points, label
    )
    signals.sort(key=lambda s: (s.start, s.end, s.kind))
    return RunChart(clean, median, signals, good, higher_is_better)


# ------------------------------------------------------------ status and change


def _check_cuts(name: str, cuts: Any) -> tuple[float, float, float, float]:
    try:
        numbers = tuple(float(c) for c in cuts)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{name} cut points must be numbers, got {cuts!r}") from error
    if len(numbers) != 4:
        raise ValueError(
            f"{name} cut points must be exactly 4 numbers (the boundaries between "
            f"5 bands), got {len(numbers)}"
        )
    if not all(math.isfinite(c) for c in numbers):
        raise ValueError(f"{name} cut points must be finite numbers, got {numbers}")
    if any(b <= a for a, b in zip(numbers, numbers[1:], strict=False)):
        raise ValueError(f"{name} cut points must be strictly ascending, got {numbers}")
    return numbers  # type: ignore[return-value]


@dataclass(frozen=True)
class CutPoints:
    """The district's cut points for one measure: four boundaries, lowest first,
    between the five status bands (of this year's value) and four between the
    five change bands (this year's value minus last year's); each set must be
    strictly ascending."""

    status: tuple[float, float, float, float]
    change: tuple[float, float, float, float]

    def __post_init__(self) -> None:
        object.__setattr__(self, "status", _check_cuts("status", self.status))
        object.__setattr__(self, "change", _check_cuts("change", self.change))


def _level(value: float, cuts: tuple[float, ...], higher_is_better: bool) -> int:
    if not math.isfinite(value):
        raise ValueError(f"a level needs a finite number, got {value!r}")
    if higher_is_better:
        return bisect_right(cuts, value)
    return len(cuts) - bisect_left(cuts, value)


def status_level(value: float, cuts: CutPoints, higher_is_better: bool) -> int:
    """This year's value placed in one of five bands by the status cut points,
    as a level from 0 (worst) to 4 (best): when higher is better the highest
    values are level 4, when lower is better (a suspension rate) the lowest values
    are level 4. A value exactly on a cut point falls in the better of the two
    bands it separates: the band above it when higher is better, the band below
    it when lower is better."""
    return _level(float(value), cuts.status, higher_is_better)


def change_level(change: float, cuts: CutPoints, higher_is_better: bool) -> int:
    """The change from last year (this year's value minus last year's) placed in
    one of five bands by the change cut points, as a level from 0 (worst) to 4
    (best): when higher is better the largest increase is level 4, when lower is
    better the largest decline is level 4. A change exactly on a cut point falls
    in the better of the two bands it separates: the band above it when higher is
    better, the band below it when lower is better."""
    return _level(float(change), cuts.change, higher_is_better)


def dashboard_colour(status_level: int, change_level: int) -> str:
    """The performance colour for a status level and a change level (each 0
    worst to 4 best), as on the California School Dashboard's five-by-five grid:
    from worst to best the colours are Red, Orange, Yellow, Green and Blue; the
    worst status with the worst change is Red, the best status with the best
    change is Blue, and the best status with the worst change, like the worst
    status with the best change, is Yellow."""
    for name, level in (("status", status_level), ("change", change_level)):
        if isinstance(level, bool) or level not in range(5):
            raise ValueError(f"{name} level must be an integer 0 to 4, got {level!r}")
    return GRID_COLOURS[status_level][change_level]


def _label(levels: tuple[str, ...], level: int, higher_is_better: bool) -> str:
    return levels[level] if higher_is_better else levels[len(levels) - 1 - level]


def place_on_grid(
    current: float,
    previous: float | None,
    cuts: CutPoints,
    higher_is_better: bool,
) -> dict:
    """This year's value gives the status and this year's value minus last year's
    gives the change (rounded to nine decimal places, so that rounding noise in
    the subtraction cannot move it across a cut point); together they give the
    colour on the five-by-five grid. The words describe the value itself, as the
    Dashboard does: for a measure where lower is better a "Very low" status and a
    "Declined significantly" change are the best. With no value for last year
    there is a status but no change and no colour."""
    status = status_level(current, cuts, higher_is_better)
    result: dict[str, Any] = {
        "status": _label(STATUS_LEVELS, status, higher_is_better),
        "change": None,
        "colour": None,
        "status_level": status,
        "change_level": None,
    }
    if previous is None or pd.isna(previous):
        return result
    difference = round(float(current) - float(previous), CHANGE_DECIMALS)
    change = change_level(difference, cuts, higher_is_better)
    result["change"] = _label(CHANGE_LEVELS, change, higher_is_better)
    result["colour"] = dashboard_colour(status, change)
    result["change_level"] = change
    return result


# ---------------------------------------------------------- small-group suppression


def suppress_small_groups(
    frame: pd.DataFrame,
    *,
    threshold: int,
    size_column: str = "group_size",
    value_columns: list[str],
    group_column: str = "student_group",
    total_group: str = "All students",
    by: list[str] | None = None,
) -> pd.DataFrame:
    """Hide the figures of small student groups, and of any group that would let
    a hidden one be worked out, within each set of rows that share the ``by``
    columns (one measure in one period, say; without ``by`` the frame is one set).

    1. A row whose size is not recorded or is below the threshold is hidden, the
       total group (all students) included; a group of exactly the threshold is
       shown.
    2. When the set's total is hidden, every row of the set is hidden.
    3. When the total is shown and another group is hidden, a reader can take the
       total's size minus the sizes of the shown groups: the remainder is what the
       hidden groups hold together if the groups split the total. The hidden
       groups are safe when the remainder is at least the threshold, or below zero
       (the shown groups alone hold more students than the total, so the groups
       overlap and the subtraction gives nothing). Otherwise the smallest shown
       group other than the total (the first in row order among equals) is hidden
       too; it holds at least the threshold, so one is always enough. The rule
       reads only what is shown, so suppressing twice gives what once gives, and
       the total is never hidden by it.

    A hidden row keeps its place and its group's name; its figures and its size
    are blanked and it is marked ``suppressed``. Rows keep their order and the
    frame passed in is not changed."""
    _require_columns(frame, [size_column, group_column, *value_columns, *(by or [])])
    hidden = small_groups_hidden(
        frame,
        threshold=threshold,
        size_column=size_column,
        group_column=group_column,
        total_group=total_group,
        by=by,
    )
    out = frame.copy()
    mask = pd.Series(hidden, index=out.index)
    for column in dict.fromkeys([*value_columns, size_column]):
        out[column] = out[column].mask(mask)
    out["suppressed"] = hidden
    return out


def small_groups_hidden(
    frame: pd.DataFrame,
    *,
    threshold: int,
    size_column: str = "group_size",
    group_column: str = "student_group",
    total_group: str = "All students",
    by: list[str] | None = None,
) -> np.ndarray:
    """Per row, whether ``suppress_small_groups`` hides it (the same rules),
    without blanking anything: for a reader that only leaves hidden rows out."""
    keys = list(by or [])
    _require_columns(frame, [size_column, group_column, *keys])
    sizes = pd.to_numeric(frame[size_column], errors="coerce").to_numpy(dtype=float)
    hidden = np.isnan(sizes) | (sizes < threshold)
    is_total = (frame[group_column] == total_group).fillna(False).to_numpy(dtype=bool)
    sets = key_numbers(frame, keys)
    if np.any(np.bincount(sets[is_total], minlength=1) > 1):
        raise ValueError(
            f"more than one {total_group!r} row in one set of rows "
            f"(by {keys or 'nothing'})"
        )
    if not is_total.all():  # else every set is its total alone: rule 1 is all
        _hide_in_sets(sets, sizes, hidden, is_total, threshold)
    return hidden


def _require_columns(frame: pd.DataFrame, needed: list[str]) -> None:
    missing = [c for c in dict.fromkeys(needed) if c not in frame.columns]
    if missing:
        raise ValueError(f"columns not in the frame: {', '.join(missing)}")


def key_numbers(frame: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """Per row, the number of its key (its values in ``columns``, missing values
    alike) among the frame's keys in order, from 0, as
    ``groupby(columns, sort=True, dropna=False).ngroup()`` numbers them; every
    row 0 without columns. Built from one integer per row when the columns'
    codes fit in one, and counted along the rows when they come in order: a
    grouping on several columns of a million rows takes ten times as long."""
    if not columns or frame.empty:
        return np.zeros(len(frame), dtype=np.int64)
    together = np.zeros(len(frame), dtype=np.int64)
    room = 1
    for column in columns:
        codes, span = _codes_in_order(frame[column])
        room *= span
        if room >= 2**62:  # too many keys for one integer
            grouped = frame[columns].groupby(columns, sort=True, dropna=False)
            return grouped.ngroup().to_numpy(dtype=np.int64)
        together = together * span + codes
    if np.all(together[1:] >= together[:-1]):
        numbers = np.zeros(len(together), dtype=np.int64)
        np.cumsum(together[1:] != together[:-1], out=numbers[1:])
        return numbers
    return ranks(together)[0]


def ranks(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``pd.factorize(keys, sort=True)`` for whole numbers: per key its rank
    among the distinct keys (from 0), and the distinct keys in order. Keys
    from 0 over a range at most twice their count are counted through, not
    hashed and sorted (a tenth of the time)."""
    keys = np.asarray(keys, dtype=np.int64)
    top = int(keys.max()) + 1 if len(keys) else 0
    if len(keys) and (int(keys.min()) < 0 or top > 2 * len(keys)):
        codes, distinct = pd.factorize(keys, sort=True)
        return codes.astype(np.int64), np.asarray(distinct, dtype=np.int64)
    present = np.zeros(top, dtype=bool)
    present[keys] = True
    rank = np.cumsum(present, dtype=np.int64) - 1
    return rank[keys], np.flatnonzero(present).astype(np.int64)


def first_rows(numbers: np.ndarray) -> np.ndarray:
    """Per key numbered by ``key_numbers`` (0 to k - 1, each held by some row),
    the position of the first row holding it (``np.unique``'s ``return_index``,
    without sorting the rows)."""
    count = int(numbers.max()) + 1 if len(numbers) else 0
    first = np.full(count, len(numbers), dtype=np.int64)
    np.minimum.at(first, numbers, np.arange(len(numbers), dtype=np.int64))
    return first


def _codes_in_order(column: pd.Series) -> tuple[np.ndarray, int]:
    """A column's values as integers from 0 in their order, and how many."""
    # Integers close together are moved to start at 0; anything else is
    # numbered by its rank, missing values last.
    values = column.to_numpy()
    if values.dtype.kind in "ib" and len(values):
        whole = values.astype(np.int64)
        low = int(whole.min())
        span = int(whole.max()) - low + 1
        if span <= 2 * len(whole):
            return whole - low, span
    codes, found = pd.factorize(column, sort=True, use_na_sentinel=False)
    return codes.astype(np.int64), max(len(found), 1)


def _hide_in_sets(
    sets: np.ndarray,
    sizes: np.ndarray,
    hidden: np.ndarray,
    is_total: np.ndarray,
    threshold: int,
) -> None:
    """Rules 2 and 3 of ``suppress_small_groups`` in every set at once (``sets``
    numbers the rows' sets 0, 1, ...; each set holds at most one total), marking
    the rows they hide in ``hidden``."""
    if len(sets) == 0:
        return
    count = int(sets.max()) + 1
    total_row = np.full(count, -1)
    total_row[sets[is_total]] = np.flatnonzero(is_total)
    has_total = total_row >= 0
    total_hidden = np.zeros(count, dtype=bool)
    total_hidden[has_total] = hidden[total_row[has_total]]
    # Rule 3 reads the rows as rule 1 left them: a set with a shown total, some
    # other group shown and some other group hidden.
    shown = ~is_total & ~hidden
    shown_count = np.bincount(sets, weights=shown, minlength=count)
    hidden_count = np.bincount(sets, weights=~is_total & hidden, minlength=count)
    open_sets = np.flatnonzero(
        has_total & ~total_hidden & (shown_count > 0) & (hidden_count > 0)
    )
    hidden[total_hidden[sets]] = True
    if len(open_sets) == 0:
        return
    order = np.argsort(sets, kind="stable")
    starts = np.searchsorted(sets[order], open_sets, side="left")
    ends = np.searchsorted(sets[order], open_sets, side="right")
    for set_id, start, end in zip(open_sets, starts, ends, strict=True):
        rows = order[start:end]
        others = rows[shown[rows]]
        remainder = float(sizes[total_row[set_id]] - sizes[others].sum())
        if 0 <= remainder < threshold:
            hidden[others[np.argmin(sizes[others])]] = True
