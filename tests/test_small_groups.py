"""The small-group rule, ``measures.suppress_small_groups``: properties over
random sets of student groups, and edge cases with exact expected frames."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sqr_tracker.measures import suppress_small_groups

TOTAL = "All students"
FIGURES = ["value", "count"]


def suppress(data: pd.DataFrame, threshold: int, by=("measure", "period")):
    return suppress_small_groups(
        data,
        threshold=threshold,
        value_columns=FIGURES,
        total_group=TOTAL,
        by=list(by) if by is not None else None,
    )


# ------------------------------------------------------------------ properties

sizes = st.one_of(st.none(), st.integers(0, 50))


@st.composite
def one_set(draw, measure: str, period: str) -> list[dict]:
    """One measure in one period: up to six groups, with or without a total; the
    total is often exactly the sum of the groups, so that they split it."""
    groups = draw(st.lists(sizes, max_size=6))
    rows = [
        {"student_group": f"Group {i}", "group_size": size}
        for i, size in enumerate(groups)
    ]
    kind = draw(st.sampled_from(["none", "sum", "near", "any", "unknown"]))
    known = sum(size for size in groups if size is not None)
    total = {
        "none": None,
        "sum": known,
        "near": known + draw(st.integers(-12, 12)),
        "any": draw(st.integers(0, 200)),
        "unknown": None,
    }[kind]
    if kind != "none":
        place = draw(st.integers(0, len(rows)))
        rows.insert(place, {"student_group": TOTAL, "group_size": total})
    for row in rows:
        row.update(measure=measure, period=period)
        row["value"] = draw(st.floats(0, 100, allow_nan=False))
        row["count"] = draw(st.integers(0, 50))
    return rows


@st.composite
def district(draw) -> pd.DataFrame:
    """Several sets of rows (measure and period), shuffled together under an
    index that is not 0, 1, 2...; sizes as floats where a size is missing."""
    keys = draw(
        st.lists(
            st.tuples(st.sampled_from(["attendance", "suspension"]), st.integers(1, 3)),
            min_size=1,
            max_size=4,
            unique=True,
        )
    )
    rows = [row for m, p in keys for row in draw(one_set(m, f"2025-{p:02d}"))]
    order = draw(st.permutations(range(len(rows))))
    data = pd.DataFrame(
        [rows[i] for i in order],
        columns=["measure", "period", "student_group", "group_size", *FIGURES],
    )
    data.index = pd.Index([7 * i + 3 for i in range(len(data))])
    return data


def _sets(data: pd.DataFrame):
    for _, rows in data.groupby(["measure", "period"], sort=False):
        yield rows.index


def _remainder(total: float, shown_sizes) -> float:
    return float(total) - float(sum(shown_sizes))


def _safe(total: float, shown_sizes, threshold: int) -> bool:
    """The rule: total minus the shown groups is below zero or holds at least
    the threshold."""
    remainder = _remainder(total, shown_sizes)
    return remainder < 0 or remainder >= threshold


@settings(max_examples=150, deadline=None)
@given(data=district(), threshold=st.integers(1, 30))
def test_no_small_group_is_shown_nor_can_be_worked_out(data, threshold):
    before = data.copy(deep=True)
    out = suppress(data, threshold)

    # The frame passed in is unchanged; rows, order and other columns are kept.
    pd.testing.assert_frame_equal(data, before)
    assert list(out.index) == list(data.index)
    assert list(out.columns) == [*data.columns, "suppressed"]
    pd.testing.assert_frame_equal(
        out[["measure", "period", "student_group"]],
        data[["measure", "period", "student_group"]],
    )
    assert out["suppressed"].dtype == bool

    hidden = out["suppressed"]
    sizes = pd.to_numeric(data["group_size"], errors="coerce")
    # Hidden rows are blank; shown rows are as they came, and never small.
    assert out.loc[hidden, ["group_size", *FIGURES]].isna().all().all()
    shown = out.loc[~hidden]
    assert (pd.to_numeric(shown["group_size"]) >= threshold).all()
    pd.testing.assert_frame_equal(
        shown[["group_size", *FIGURES]].astype(float),
        data.loc[~hidden, ["group_size", *FIGURES]].astype(float),
    )

    for rows in _sets(data):
        is_total = data.loc[rows, "student_group"] == TOTAL
        total_rows = rows[is_total.to_numpy()]
        groups = rows[~is_total.to_numpy()]
        small = sizes[groups].isna() | (sizes[groups] < threshold)
        if len(total_rows) == 0:
            # Nothing to subtract from: exactly the small groups are hidden.
            assert hidden[groups].tolist() == small.tolist()
            continue
        total = total_rows[0]
        if hidden[total]:
            assert hidden[rows].all()  # a hidden total shows nothing of its set
            continue
        assert sizes[total] >= threshold
        shown_groups = [r for r in groups if not hidden[r]]
        gone = [r for r in groups if hidden[r]]
        if gone:
            assert _safe(sizes[total], sizes[shown_groups], threshold)
        if len(gone) == 1 and not pd.isna(sizes[gone[0]]):
            # The plain case: one hidden group that total minus the rest reveals.
            assert sizes[gone[0]] != _remainder(sizes[total], sizes[shown_groups])
        # Beyond the small groups, at most one more is hidden: the smallest of
        # the rest (first among equals), and only when the rule needs it.
        extra = [r for r in groups if hidden[r] and not small[r]]
        assert len(extra) <= 1
        rest = [r for r in groups if not small[r]]
        needed = small.any() and not _safe(sizes[total], sizes[rest], threshold)
        assert bool(extra) == bool(needed and rest)
        if extra:
            assert extra[0] == min(rest, key=lambda r: (sizes[r], list(rows).index(r)))


@settings(max_examples=80, deadline=None)
@given(data=district(), threshold=st.integers(1, 30))
def test_suppressing_twice_gives_what_once_gives(data, threshold):
    once = suppress(data, threshold)
    pd.testing.assert_frame_equal(suppress(once, threshold), once)


@settings(max_examples=60, deadline=None)
@given(size=st.integers(0, 50), total=st.integers(0, 60), threshold=st.integers(1, 30))
def test_a_single_group_beside_the_total(size, total, threshold):
    data = pd.DataFrame(
        {
            "measure": "attendance",
            "period": "2025-09",
            "student_group": [TOTAL, "Group 0"],
            "group_size": [total, size],
            "value": [90.0, 80.0],
            "count": [total, size],
        }
    )
    out = suppress(data, threshold)
    if total < threshold:
        assert out["suppressed"].tolist() == [True, True]
    else:
        # Total minus nothing shown is the total itself: never small.
        assert out["suppressed"].tolist() == [False, size < threshold]


# ----------------------------------------------------------------- exact cases

NAN = math.nan


def frame(rows: list[tuple], period: str = "2025-09") -> pd.DataFrame:
    """(group, size, value, count) rows of attendance in one period."""
    return pd.DataFrame(
        [("attendance", period, *row) for row in rows],
        columns=["measure", "period", "student_group", "group_size", *FIGURES],
    )


def expected(rows: list[tuple], hidden: list[bool], period="2025-09"):
    out = frame(rows, period).astype({"group_size": float, "count": float})
    for column in ["group_size", *FIGURES]:
        out[column] = out[column].mask(pd.Series(hidden))
    out["suppressed"] = np.array(hidden, dtype=bool)
    return out


def check(rows, hidden, threshold=10, by=("measure", "period")):
    out = suppress(frame(rows), threshold, by).astype(
        {"group_size": float, "count": float}
    )
    pd.testing.assert_frame_equal(out, expected(rows, hidden))


def test_one_small_group_beside_a_large_total_is_the_only_one_hidden():
    # 30 - 0 shown groups leaves 30: no small group can be singled out.
    check([(TOTAL, 30, 94.0, 28), ("Foster youth", 3, 42.4242, 1)], [False, True])


def test_a_group_that_total_minus_the_rest_reveals_hides_the_smallest_other():
    rows = [
        (TOTAL, 25, 94.0, 23),
        ("Grade 3", 14, 95.0, 13),
        ("Grade 4", 5, 90.0, 4),
        ("Grade 5", 6, 91.0, 5),
    ]
    # 25 - 14 = 11 shown; Grade 4 and 5 hidden hold 11 together: safe.
    check(rows, [False, False, True, True])
    rows[3] = ("Grade 5", 16, 91.0, 15)
    rows[0] = (TOTAL, 35, 94.0, 33)
    # 35 - 14 - 16 = 5 would be Grade 4: Grade 3, the smallest shown, goes too.
    check(rows, [False, True, True, False])


def test_the_remainder_at_the_threshold_is_safe_and_one_below_is_not():
    at = [(TOTAL, 50, 94.0, 47), ("A", 4, 80.0, 3), ("B", 40, 96.0, 38)]
    check(at, [False, True, False], threshold=10)  # 50 - 40 = 10
    below = [(TOTAL, 49, 94.0, 46), ("A", 4, 80.0, 3), ("B", 40, 96.0, 38)]
    check(below, [False, True, True], threshold=10)  # 49 - 40 = 9


def test_shown_groups_holding_more_than_the_total_overlap_and_reveal_nothing():
    rows = [
        (TOTAL, 50, 94.0, 47),
        ("Low income", 30, 93.0, 28),
        ("English learners", 25, 92.0, 23),
        ("Foster youth", 3, 42.4242, 1),
    ]
    check(rows, [False, False, False, True])  # 50 - 55 is below zero


def test_an_empty_group_and_a_small_one_hide_one_more():
    rows = [
        (TOTAL, 50, 94.0, 47),
        ("A", 0, NAN, 0),
        ("B", 4, 80.0, 3),
        ("C", 46, 96.0, 44),
    ]
    check(rows, [False, True, True, True])  # 50 - 46 = 4 is A and B together


def test_a_hidden_total_hides_its_set_and_leaves_other_sets_alone():
    small = frame([(TOTAL, 9, 90.0, 8), ("A", 12, 95.0, 11)], "2025-09")
    large = frame([(TOTAL, 40, 91.0, 36), ("A", 12, 96.0, 11)], "2025-10")
    data = pd.concat([small, large], ignore_index=True)
    out = suppress(data, 10)
    assert out["suppressed"].tolist() == [True, True, False, False]
    assert out["value"].tolist()[2:] == [91.0, 96.0]
    assert out["value"].isna().tolist() == [True, True, False, False]


def test_sizes_not_recorded_are_hidden_and_judged_by_what_is_shown():
    rows = [
        (TOTAL, None, 94.0, 47),
        ("A", 20, 95.0, 19),
    ]
    check(rows, [True, True])  # a total of unknown size hides its set
    rows = [(TOTAL, 40, 94.0, 37), ("A", None, 95.0, 19), ("B", 34, 93.0, 31)]
    check(rows, [False, True, True])  # 40 - 34 = 6


def test_without_a_total_only_the_small_groups_are_hidden():
    rows = [("A", 6, 83.0, 5), ("B", 20, 95.0, 19), ("C", 10, 95.0, 9)]
    check(rows, [True, False, False])


def test_threshold_one_hides_empty_groups_and_what_reveals_them():
    rows = [(TOTAL, 3, 94.0, 3), ("A", 0, NAN, 0), ("B", 3, 94.0, 3)]
    check(rows, [False, True, True], threshold=1)  # 3 - 3 = 0 would show A is 0
    rows = [(TOTAL, 3, 94.0, 3), ("A", 1, 80.0, 1), ("B", 2, 94.0, 2)]
    check(rows, [False, False, False], threshold=1)


def test_two_totals_in_one_set_are_refused():
    data = frame([(TOTAL, 30, 94.0, 28), (TOTAL, 30, 94.0, 28)])
    with pytest.raises(ValueError, match="more than one 'All students' row"):
        suppress(data, 10)
