"""Run-chart signals, status and change on the five-by-five grid, and small-group
suppression, on hand-built series and frames with exact expected results."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sqr_tracker.measures import (
    CHANGE_LEVELS,
    GRID_COLOURS,
    SHIFT_POINTS,
    STATUS_LEVELS,
    TREND_POINTS,
    CutPoints,
    RunChart,
    Signal,
    change_level,
    dashboard_colour,
    first_rows,
    key_numbers,
    period_label,
    place_on_grid,
    ranks,
    run_chart,
    status_level,
    suppress_small_groups,
)

# ------------------------------------------------------------------- run charts


def monthly(values: list[float], start: str = "2025-01-01") -> pd.Series:
    index = pd.date_range(start, periods=len(values), freq="MS")
    return pd.Series(values, index=index, dtype=float)


def kinds(chart: RunChart) -> list[tuple[str, str, int, int]]:
    return [(s.kind, s.direction, s.start, s.end) for s in chart.signals]


def test_rule_constants():
    assert SHIFT_POINTS == 6
    assert TREND_POINTS == 5


def test_six_points_above_the_median_is_a_shift():
    # Five points on the median, six above, five on the median, one below.
    values = [5, 5, 5, 5, 5, 8, 9, 8, 9, 8, 9, 5, 5, 5, 5, 5, 1]
    chart = run_chart(monthly(values))
    assert chart.median == 5.0
    assert chart.signals == [
        Signal(
            "shift",
            "above",
            5,
            10,
            "6 points in a row above the median (Jun 2025 to Nov 2025)",
        )
    ]


def test_five_points_above_the_median_is_not_a_shift():
    values = [5, 5, 5, 5, 5, 8, 9, 8, 9, 8, 5, 5, 5, 5, 5, 1]
    chart = run_chart(monthly(values))
    assert chart.median == 5.0
    assert chart.signals == []


def test_six_points_below_the_median_is_a_shift():
    values = [5, 5, 5, 5, 5, 2, 1, 2, 1, 2, 1, 5, 5, 5, 5, 5, 9]
    chart = run_chart(monthly(values))
    assert chart.median == 5.0
    assert kinds(chart) == [("shift", "below", 5, 10)]


def test_a_point_on_the_median_neither_breaks_nor_adds_to_a_shift():
    # Six points below the median with one on the median among them: one shift.
    values = [1, 2, 1, 5, 2, 1, 2, 5, 9, 8, 9, 8, 9]
    chart = run_chart(monthly(values))
    assert chart.median == 5.0
    assert chart.signals == [
        Signal(
            "shift",
            "below",
            0,
            6,
            "6 points in a row below the median (Jan 2025 to Jul 2025)",
        )
    ]
    # Five below with two on the median among them: the median points do not add.
    values = [1, 2, 5, 1, 2, 5, 1, 9, 8, 9, 8, 9]
    chart = run_chart(monthly(values))
    assert chart.median == 5.0
    assert chart.signals == []


def test_two_separate_shifts_are_each_reported_once():
    values = [1, 2, 1, 2, 1, 2, 8, 9, 8, 9, 8, 9]
    chart = run_chart(monthly(values))
    assert chart.median == 5.0
    assert [s.description for s in chart.signals] == [
        "6 points in a row below the median (Jan 2025 to Jun 2025)",
        "6 points in a row above the median (Jul 2025 to Dec 2025)",
    ]
    assert kinds(chart) == [("shift", "below", 0, 5), ("shift", "above", 6, 11)]


def test_a_long_shift_is_one_signal_for_the_whole_run():
    values = [1, 2, 1, 2, 1, 2, 1, 2, 9, 8, 9, 8, 9, 8, 9, 8]
    chart = run_chart(monthly(values))
    assert chart.median == 5.0
    assert [s.description for s in chart.signals] == [
        "8 points in a row below the median (Jan 2025 to Aug 2025)",
        "8 points in a row above the median (Sep 2025 to Apr 2026)",
    ]


def test_five_rising_points_are_a_trend_and_four_are_not():
    chart = run_chart(monthly([3, 4, 5, 6, 7]))
    assert chart.signals == [
        Signal("trend", "up", 0, 4, "5 points in a row rising (Jan 2025 to May 2025)")
    ]
    assert run_chart(monthly([3, 4, 5, 6])).signals == []


def test_five_falling_points_are_a_trend_and_four_are_not():
    chart = run_chart(monthly([7, 6, 5, 4, 3]))
    assert chart.signals == [
        Signal(
            "trend", "down", 0, 4, "5 points in a row falling (Jan 2025 to May 2025)"
        )
    ]
    assert run_chart(monthly([7, 6, 5, 4])).signals == []


def test_a_repeated_value_neither_breaks_nor_adds_to_a_trend():
    chart = run_chart(monthly([3, 4, 4, 5, 6, 7]))
    assert chart.signals == [
        Signal("trend", "up", 0, 5, "5 points in a row rising (Jan 2025 to Jun 2025)")
    ]
    # Four different values rising, one of them repeated: still only four points.
    assert run_chart(monthly([3, 4, 4, 5, 6])).signals == []
    assert run_chart(monthly([7, 7, 6, 5, 5, 4])).signals == []


def test_a_trend_ends_at_its_last_counted_point():
    chart = run_chart(monthly([1, 2, 3, 4, 5, 5]))
    assert kinds(chart) == [("trend", "up", 0, 4)]
    assert chart.signals[0].description == (
        "5 points in a row rising (Jan 2025 to May 2025)"
    )


def test_the_turning_point_ends_one_trend_and_starts_the_next():
    chart = run_chart(monthly([1, 2, 3, 4, 5, 4, 3, 2, 1]))
    assert chart.median == 3.0
    assert kinds(chart) == [("trend", "up", 0, 4), ("trend", "down", 4, 8)]


def test_fewer_points_than_a_rule_needs_give_no_signal():
    empty = run_chart(pd.Series([], dtype=float))
    assert empty.signals == []
    assert math.isnan(empty.median)
    assert empty.values.empty
    one = run_chart(monthly([4.0]))
    assert (one.median, one.signals) == (4.0, [])
    # Four points, all rising and all away from their median: nothing.
    assert run_chart(monthly([1, 2, 3, 4])).signals == []


def test_missing_values_are_dropped_before_the_rules():
    values = monthly([1, None, 2, 3, None, 4, 5])
    chart = run_chart(values)
    assert chart.values.tolist() == [1.0, 2.0, 3.0, 4.0, 5.0]
    assert list(chart.values.index) == list(values.dropna().index)
    assert chart.median == 3.0
    assert chart.signals == [
        Signal("trend", "up", 0, 4, "5 points in a row rising (Jan 2025 to Jul 2025)")
    ]


def test_values_are_put_in_period_order():
    values = monthly([3, 4, 5, 6, 7]).iloc[::-1]
    chart = run_chart(values)
    assert chart.values.tolist() == [3.0, 4.0, 5.0, 6.0, 7.0]
    assert kinds(chart) == [("trend", "up", 0, 4)]


def test_descriptions_use_month_and_year_of_period_and_date_labels():
    periods = pd.period_range("2025-03", periods=12, freq="M")
    values = pd.Series([1, 2, 1, 2, 1, 2, 8, 9, 8, 9, 8, 9], index=periods)
    chart = run_chart(values)
    assert chart.signals[1].description == (
        "6 points in a row above the median (Sep 2025 to Feb 2026)"
    )
    assert period_label(pd.Timestamp("2025-09-15")) == "Sep 2025"
    assert period_label(pd.Period("2026-02", freq="M")) == "Feb 2026"
    assert period_label(pd.Timestamp("2025-09-01").date()) == "Sep 2025"


def test_descriptions_use_other_index_values_as_they_are():
    years = ["2021-22", "2022-23", "2023-24", "2024-25", "2025-26"]
    chart = run_chart(pd.Series([90.0, 91.0, 92.5, 93.0, 94.0], index=years))
    assert chart.signals[0].description == (
        "5 points in a row rising (2021-22 to 2025-26)"
    )


def test_custom_rule_lengths():
    values = monthly([1, 2, 3, 4])
    assert kinds(run_chart(values, trend_points=4)) == [("trend", "up", 0, 3)]
    values = monthly([1, 2, 1, 2, 1, 8, 9, 8, 9, 8])
    chart = run_chart(values, shift_points=5)
    assert kinds(chart) == [("shift", "below", 0, 4), ("shift", "above", 5, 9)]
    with pytest.raises(ValueError, match="trend_points"):
        run_chart(values, trend_points=1)


TWO_SHIFTS = [1, 2, 1, 2, 1, 2, 8, 9, 8, 9, 8, 9]
BELOW = Signal(
    "shift", "below", 0, 5, "6 points in a row below the median (Jan 2025 to Jun 2025)"
)
ABOVE = Signal(
    "shift", "above", 6, 11, "6 points in a row above the median (Jul 2025 to Dec 2025)"
)


def test_when_higher_is_better_falling_and_below_are_adverse():
    chart = run_chart(monthly(TWO_SHIFTS), higher_is_better=True)
    assert chart.good_direction == "up"
    assert chart.higher_is_better is True
    assert chart.adverse() == [BELOW]
    assert chart.favourable() == [ABOVE]
    assert [chart.is_favourable(s) for s in chart.signals] == [False, True]
    falling = run_chart(monthly([7, 6, 5, 4, 3]), higher_is_better=True)
    assert [s.direction for s in falling.adverse()] == ["down"]


def test_when_lower_is_better_rising_and_above_are_adverse():
    chart = run_chart(monthly(TWO_SHIFTS), higher_is_better=False)
    assert chart.good_direction == "down"
    assert chart.adverse() == [ABOVE]
    assert chart.favourable() == [BELOW]
    rising = run_chart(monthly([3, 4, 5, 6, 7]), higher_is_better=False)
    assert [s.direction for s in rising.adverse()] == ["up"]
    assert rising.favourable() == []


def test_with_no_good_direction_nothing_is_adverse():
    chart = run_chart(monthly(TWO_SHIFTS))
    assert chart.good_direction is None
    assert chart.signals == [BELOW, ABOVE]
    assert chart.adverse() == []
    assert chart.favourable() == []
    assert chart.is_favourable(BELOW) is None


def test_rules_are_documented_in_plain_words():
    doc = run_chart.__doc__ or ""
    assert "six or more points" in doc
    assert "five or more" in doc
    assert "median" in doc


# ------------------------------------------------------------ status and change

# Attendance rate: higher is better.
ATTENDANCE = CutPoints(status=(80.0, 90.0, 95.0, 98.0), change=(-2.0, -0.5, 0.5, 2.0))
# Suspension rate: lower is better.
SUSPENSION = CutPoints(status=(0.5, 1.5, 3.0, 6.0), change=(-2.0, -0.3, 0.3, 2.0))


@pytest.mark.parametrize(
    ("value", "level"),
    [
        (0.0, 0),
        (79.99, 0),
        (80.0, 1),
        (89.99, 1),
        (90.0, 2),
        (94.99, 2),
        (95.0, 3),
        (97.99, 3),
        (98.0, 4),
        (100.0, 4),
    ],
)
def test_status_level_when_higher_is_better(value, level):
    assert status_level(value, ATTENDANCE, True) == level


@pytest.mark.parametrize(
    ("value", "level"),
    [
        (0.0, 4),
        (0.5, 4),
        (0.51, 3),
        (1.5, 3),
        (1.51, 2),
        (3.0, 2),
        (3.01, 1),
        (6.0, 1),
        (6.01, 0),
        (40.0, 0),
    ],
)
def test_status_level_when_lower_is_better(value, level):
    assert status_level(value, SUSPENSION, False) == level


@pytest.mark.parametrize(
    ("change", "level"),
    [
        (-5.0, 0),
        (-2.01, 0),
        (-2.0, 1),
        (-0.51, 1),
        (-0.5, 2),
        (0.0, 2),
        (0.49, 2),
        (0.5, 3),
        (1.99, 3),
        (2.0, 4),
        (5.0, 4),
    ],
)
def test_change_level_when_higher_is_better(change, level):
    assert change_level(change, ATTENDANCE, True) == level


@pytest.mark.parametrize(
    ("change", "level"),
    [
        (-5.0, 4),
        (-2.0, 4),
        (-1.99, 3),
        (-0.3, 3),
        (-0.29, 2),
        (0.0, 2),
        (0.3, 2),
        (0.31, 1),
        (2.0, 1),
        (2.01, 0),
        (5.0, 0),
    ],
)
def test_change_level_when_lower_is_better(change, level):
    assert change_level(change, SUSPENSION, False) == level


def test_a_level_needs_a_number():
    with pytest.raises(ValueError, match="finite"):
        status_level(math.nan, ATTENDANCE, True)
    with pytest.raises(ValueError, match="finite"):
        change_level(math.inf, SUSPENSION, False)


@pytest.mark.parametrize(
    ("current", "status", "level"),
    [
        (79.99, "Very low", 0),
        (80.0, "Low", 1),
        (90.0, "Medium", 2),
        (95.0, "High", 3),
        (98.0, "Very high", 4),
    ],
)
def test_place_without_last_year_when_higher_is_better(current, status, level):
    assert place_on_grid(current, None, ATTENDANCE, True) == {
        "status": status,
        "change": None,
        "colour": None,
        "status_level": level,
        "change_level": None,
    }


@pytest.mark.parametrize(
    ("current", "status", "level"),
    [
        (0.5, "Very low", 4),
        (1.5, "Low", 3),
        (3.0, "Medium", 2),
        (6.0, "High", 1),
        (6.01, "Very high", 0),
    ],
)
def test_place_without_last_year_when_lower_is_better(current, status, level):
    placed = place_on_grid(current, None, SUSPENSION, False)
    assert placed == {
        "status": status,
        "change": None,
        "colour": None,
        "status_level": level,
        "change_level": None,
    }


def test_a_missing_previous_value_counts_as_none():
    placed = place_on_grid(92.0, math.nan, ATTENDANCE, True)
    assert (placed["change"], placed["colour"], placed["change_level"]) == (
        None,
        None,
        None,
    )


@pytest.mark.parametrize(
    ("current", "previous", "change", "level", "colour"),
    [
        # Status Medium (level 2) throughout.
        (90.99, 93.0, "Declined significantly", 0, "Orange"),
        (91.0, 93.0, "Declined", 1, "Orange"),
        (90.0, 92.0, "Declined", 1, "Orange"),
        (91.49, 92.0, "Declined", 1, "Orange"),
        (91.5, 92.0, "Maintained", 2, "Yellow"),
        (92.49, 92.0, "Maintained", 2, "Yellow"),
        (92.5, 92.0, "Increased", 3, "Green"),
        (93.99, 92.0, "Increased", 3, "Green"),
        (94.0, 92.0, "Increased significantly", 4, "Green"),
    ],
)
def test_place_at_change_boundaries_when_higher_is_better(
    current, previous, change, level, colour
):
    assert place_on_grid(current, previous, ATTENDANCE, True) == {
        "status": "Medium",
        "change": change,
        "colour": colour,
        "status_level": 2,
        "change_level": level,
    }


@pytest.mark.parametrize(
    ("current", "previous", "change", "level", "colour"),
    [
        # Status Medium (level 2) throughout; the words describe the rate itself.
        (2.0, 4.01, "Declined significantly", 4, "Green"),
        (2.0, 4.0, "Declined significantly", 4, "Green"),
        (2.0, 3.99, "Declined", 3, "Green"),
        (2.2, 2.5, "Declined", 3, "Green"),
        (2.21, 2.5, "Maintained", 2, "Yellow"),
        (2.49, 2.5, "Maintained", 2, "Yellow"),
        (2.8, 2.5, "Maintained", 2, "Yellow"),
        (2.81, 2.5, "Increased", 1, "Orange"),
        (3.0, 1.0, "Increased", 1, "Orange"),
        (3.0, 0.99, "Increased significantly", 0, "Orange"),
    ],
)
def test_place_at_change_boundaries_when_lower_is_better(
    current, previous, change, level, colour
):
    assert place_on_grid(current, previous, SUSPENSION, False) == {
        "status": "Medium",
        "change": change,
        "colour": colour,
        "status_level": 2,
        "change_level": level,
    }


def test_place_at_the_outer_change_boundaries_when_lower_is_better():
    # Last year 6.0 (High); this year 4.0 is 2.0 lower: declined significantly.
    assert place_on_grid(4.0, 6.0, SUSPENSION, False) == {
        "status": "High",
        "change": "Declined significantly",
        "colour": "Yellow",
        "status_level": 1,
        "change_level": 4,
    }
    # Last year 0.5 (Very low); this year 2.5 is 2.0 higher: increased.
    assert place_on_grid(2.5, 0.5, SUSPENSION, False) == {
        "status": "Medium",
        "change": "Increased",
        "colour": "Orange",
        "status_level": 2,
        "change_level": 1,
    }
    # 2.01 higher: increased significantly.
    assert place_on_grid(2.51, 0.5, SUSPENSION, False)["change"] == (
        "Increased significantly"
    )


def test_rounding_noise_does_not_cross_a_cut_point():
    # 0.8 - 0.5 is 0.30000000000000004 in floating point: still Maintained.
    assert place_on_grid(0.8, 0.5, SUSPENSION, False) == {
        "status": "Low",
        "change": "Maintained",
        "colour": "Green",
        "status_level": 3,
        "change_level": 2,
    }
    # 2.3 - 2.0 is 0.2999999999999998: exactly on the cut, so Maintained too.
    assert place_on_grid(2.3, 2.0, SUSPENSION, False)["change_level"] == 2


def test_best_and_worst_corners_of_the_grid():
    assert place_on_grid(99.0, 90.0, ATTENDANCE, True)["colour"] == "Blue"
    assert place_on_grid(70.0, 90.0, ATTENDANCE, True)["colour"] == "Red"
    assert place_on_grid(0.2, 4.0, SUSPENSION, False) == {
        "status": "Very low",
        "change": "Declined significantly",
        "colour": "Blue",
        "status_level": 4,
        "change_level": 4,
    }
    assert place_on_grid(12.0, 4.0, SUSPENSION, False) == {
        "status": "Very high",
        "change": "Increased significantly",
        "colour": "Red",
        "status_level": 0,
        "change_level": 0,
    }


def test_level_names():
    assert STATUS_LEVELS == ("Very low", "Low", "Medium", "High", "Very high")
    assert CHANGE_LEVELS == (
        "Declined significantly",
        "Declined",
        "Maintained",
        "Increased",
        "Increased significantly",
    )


COLOUR_RANK = {"Red": 0, "Orange": 1, "Yellow": 2, "Green": 3, "Blue": 4}


def test_grid_colours_corners_and_diagonal():
    assert len(GRID_COLOURS) == 5
    assert all(len(row) == 5 for row in GRID_COLOURS)
    assert GRID_COLOURS[0][0] == "Red"
    assert GRID_COLOURS[4][4] == "Blue"
    assert GRID_COLOURS[0][4] == "Yellow"
    assert GRID_COLOURS[4][0] == "Yellow"
    assert [GRID_COLOURS[i][i] for i in range(5)] == [
        "Red",
        "Orange",
        "Yellow",
        "Green",
        "Blue",
    ]
    assert [dashboard_colour(i, i) for i in range(5)] == [
        "Red",
        "Orange",
        "Yellow",
        "Green",
        "Blue",
    ]


def test_grid_colours_never_worsen_as_status_or_change_improves():
    assert {c for row in GRID_COLOURS for c in row} == set(COLOUR_RANK)
    for s in range(5):
        for c in range(5):
            here = COLOUR_RANK[dashboard_colour(s, c)]
            if s < 4:
                assert COLOUR_RANK[dashboard_colour(s + 1, c)] >= here
            if c < 4:
                assert COLOUR_RANK[dashboard_colour(s, c + 1)] >= here


def test_dashboard_colour_refuses_levels_off_the_grid():
    for status, change in [(5, 0), (0, -1), (2.5, 1), (True, 1)]:
        with pytest.raises(ValueError, match="0 to 4"):
            dashboard_colour(status, change)


def test_cut_points_are_normalised_to_tuples_of_floats():
    cuts = CutPoints(status=[1, 2, 3, 4], change=(-1, 0, 1, 2))
    assert cuts.status == (1.0, 2.0, 3.0, 4.0)
    assert cuts.change == (-1.0, 0.0, 1.0, 2.0)


@pytest.mark.parametrize(
    ("status", "change", "message"),
    [
        ((1, 3, 2, 4), (-1, 0, 1, 2), "status cut points must be strictly ascending"),
        ((1, 2, 3, 4), (-1, 0, 0, 2), "change cut points must be strictly ascending"),
        ((4, 3, 2, 1), (-1, 0, 1, 2), "status cut points must be strictly ascending"),
        ((1, 2, 3), (-1, 0, 1, 2), "status cut points must be exactly 4 numbers"),
        ((1, 2, 3, 4), (-1, 0, 1, 2, 3), "change cut points must be exactly 4"),
        ((1, 2, math.nan, 4), (-1, 0, 1, 2), "status cut points must be finite"),
        ((1, 2, 3, 4), ("a", 0, 1, 2), "change cut points must be numbers"),
        (None, (-1, 0, 1, 2), "status cut points must be numbers"),
    ],
)
def test_cut_points_validation(status, change, message):
    with pytest.raises(ValueError, match=message):
        CutPoints(status=status, change=change)


# ---------------------------------------------------------- small-group suppression

COLUMNS = ["measure", "period", "student_group", "group_size", "value", "count"]


def frame(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=COLUMNS)


def visible(out: pd.DataFrame) -> list[tuple]:
    """(group, size, value, count, suppressed) with blanks as None."""

    def clean(x):
        return None if pd.isna(x) else x

    return [
        (
            row.student_group,
            clean(row.group_size),
            clean(row.value),
            clean(row["count"]),
            bool(row.suppressed),
        )
        for _, row in out.iterrows()
    ]


def suppress(data: pd.DataFrame, **kwargs) -> pd.DataFrame:
    kwargs.setdefault("threshold", 10)
    kwargs.setdefault("value_columns", ["value", "count"])
    kwargs.setdefault("by", ["measure", "period"])
    return suppress_small_groups(data, **kwargs)


def test_below_threshold_is_hidden_and_equal_to_threshold_is_shown():
    # 100 - 10 - 30 leaves 60: subtracting cannot single out the hidden group.
    data = frame(
        [
            ("Attendance", "2025-26", "All students", 100, 94.0, 94),
            ("Attendance", "2025-26", "English learners", 9, 88.0, 8),
            ("Attendance", "2025-26", "Students with disabilities", 10, 90.0, 9),
            ("Attendance", "2025-26", "Low income", 30, 92.0, 28),
        ]
    )
    out = suppress(data)
    assert visible(out) == [
        ("All students", 100, 94.0, 94, False),
        ("English learners", None, None, None, True),
        ("Students with disabilities", 10, 90.0, 9, False),
        ("Low income", 30, 92.0, 28, False),
    ]
    assert out["suppressed"].dtype == bool
    assert list(out.columns) == [*COLUMNS, "suppressed"]


def test_complementary_suppression_when_groups_add_up_to_the_total():
    # 6 + 20 + 24 = 50: the hidden group is 50 - 20 - 24, so hide the next smallest.
    data = frame(
        [
            ("Attendance", "2025-26", "All students", 50, 94.0, 47),
            ("Attendance", "2025-26", "Grade 3", 6, 83.0, 5),
            ("Attendance", "2025-26", "Grade 4", 24, 95.0, 23),
            ("Attendance", "2025-26", "Grade 5", 20, 95.0, 19),
        ]
    )
    assert visible(suppress(data)) == [
        ("All students", 50, 94.0, 47, False),
        ("Grade 3", None, None, None, True),
        ("Grade 4", 24, 95.0, 23, False),
        ("Grade 5", None, None, None, True),
    ]


def test_complementary_suppression_breaks_ties_by_row_order():
    data = frame(
        [
            ("Attendance", "2025-26", "All students", 50, 94.0, 47),
            ("Attendance", "2025-26", "Grade 3", 22, 95.0, 21),
            ("Attendance", "2025-26", "Grade 4", 6, 83.0, 5),
            ("Attendance", "2025-26", "Grade 5", 22, 95.0, 21),
        ]
    )
    assert [s for *_, s in visible(suppress(data))] == [False, True, True, False]


def test_complementary_suppression_never_hides_the_total():
    data = frame(
        [
            ("Attendance", "2025-26", "All students", 50, 94.0, 47),
            ("Attendance", "2025-26", "Female", 44, 95.0, 42),
            ("Attendance", "2025-26", "Non-binary", 6, 83.0, 5),
        ]
    )
    assert visible(suppress(data)) == [
        ("All students", 50, 94.0, 47, False),
        ("Female", None, None, None, True),
        ("Non-binary", None, None, None, True),
    ]


@pytest.mark.parametrize(
    "rows",
    [
        # Sizes do not add up to the total (groups overlap or some are missing).
        [("All students", 60, 94.0, 56), ("A", 6, 83.0, 5), ("B", 20, 95.0, 19)],
        # Two groups already hidden: neither can be worked out on its own.
        [
            ("All students", 50, 94.0, 47),
            ("A", 6, 83.0, 5),
            ("B", 4, 75.0, 3),
            ("C", 40, 96.0, 38),
        ],
        # No total shown: nothing to subtract from.
        [("A", 6, 83.0, 5), ("B", 20, 95.0, 19), ("C", 24, 95.0, 23)],
    ],
)
def test_complementary_suppression_not_triggered(rows):
    data = frame([("Attendance", "2025-26", *row) for row in rows])
    out = suppress(data)
    expected = [bool(size < 10) for _, size, _, _ in rows]
    assert out["suppressed"].tolist() == expected
    shown = ~out["suppressed"]
    assert (
        out.loc[shown, "group_size"].tolist() == data.loc[shown, "group_size"].tolist()
    )


def test_two_hidden_groups_whose_remainder_is_small_hide_one_more():
    # A reader sees 50 - 44 = 6 and cannot know that the hidden groups hold 10.
    data = frame(
        [
            ("Attendance", "2025-26", "All students", 50, 94.0, 47),
            ("Attendance", "2025-26", "A", 6, 83.0, 5),
            ("Attendance", "2025-26", "B", 4, 75.0, 3),
            ("Attendance", "2025-26", "C", 44, 96.0, 42),
        ]
    )
    assert [s for *_, s in visible(suppress(data))] == [False, True, True, True]


def test_total_group_below_threshold_is_hidden_with_its_groups():
    data = frame(
        [
            ("Attendance", "2025-26", "All students", 8, 90.0, 7),
            ("Attendance", "2025-26", "Grade 3", 3, 100.0, 3),
            ("Attendance", "2025-26", "Grade 4", 5, 80.0, 4),
        ]
    )
    assert visible(suppress(data)) == [
        ("All students", None, None, None, True),
        ("Grade 3", None, None, None, True),
        ("Grade 4", None, None, None, True),
    ]


def test_a_group_with_no_size_is_hidden_and_counted_as_derivable():
    data = frame(
        [
            ("Attendance", "2025-26", "All students", 50, 94.0, 47),
            ("Attendance", "2025-26", "Grade 3", None, 83.0, 5),
            ("Attendance", "2025-26", "Grade 4", 24, 95.0, 23),
            ("Attendance", "2025-26", "Grade 5", 20, 95.0, 19),
        ]
    )
    assert [s for *_, s in visible(suppress(data))] == [False, True, False, True]


def test_a_hidden_total_hides_its_whole_set():
    # The total (8) is hidden, so the period shows nothing, not even the group of
    # 12 (which could not really hold more students than the total).
    data = frame(
        [
            ("Attendance", "2025-26", "All students", 8, 90.0, 7),
            ("Attendance", "2025-26", "Grade 3", None, 83.0, 5),
            ("Attendance", "2025-26", "Grade 4", 12, 95.0, 11),
        ]
    )
    assert visible(suppress(data)) == [
        ("All students", None, None, None, True),
        ("Grade 3", None, None, None, True),
        ("Grade 4", None, None, None, True),
    ]


def test_sets_are_independent_and_row_order_is_kept():
    data = frame(
        [
            ("Attendance", "2025-26", "Grade 3", 6, 83.0, 5),
            ("Suspension", "2025-26", "All students", 50, 2.0, 1),
            ("Attendance", "2024-25", "Grade 3", 12, 90.0, 11),
            ("Attendance", "2025-26", "All students", 50, 94.0, 47),
            ("Suspension", "2025-26", "Grade 3", 6, 0.0, 0),
            ("Attendance", "2024-25", "All students", 52, 93.0, 48),
            ("Attendance", "2025-26", "Grade 4", 44, 95.0, 42),
            ("Suspension", "2025-26", "Grade 4", 30, 3.0, 1),
            ("Attendance", "2024-25", "Grade 4", 40, 94.0, 38),
        ]
    ).set_index(pd.Index([90, 10, 80, 20, 70, 30, 60, 40, 50]))
    out = suppress(data)
    assert list(out.index) == [90, 10, 80, 20, 70, 30, 60, 40, 50]
    assert out[["measure", "period", "student_group"]].equals(
        data[["measure", "period", "student_group"]]
    )
    assert out["suppressed"].tolist() == [
        True,  # Attendance 2025-26 Grade 3: 6 < 10
        False,  # Suspension total
        False,  # Attendance 2024-25 Grade 3: 12, and nothing hidden in that set
        False,  # Attendance 2025-26 total
        True,  # Suspension Grade 3: 6 < 10
        False,  # Attendance 2024-25 total
        True,  # Attendance 2025-26 Grade 4: 50 - 44 = 6 would reveal Grade 3
        False,  # Suspension Grade 4: 50 - 30 = 20 holds at least 10
        False,  # Attendance 2024-25 Grade 4
    ]
    assert pd.isna(out.loc[60, "group_size"])
    assert pd.isna(out.loc[60, "value"])
    assert out.loc[50, "group_size"] == 40


def test_without_by_the_whole_frame_is_one_set():
    data = frame(
        [
            ("Attendance", "2025-26", "All students", 50, 94.0, 47),
            ("Attendance", "2025-26", "Grade 3", 6, 83.0, 5),
            ("Attendance", "2025-26", "Grade 4", 44, 95.0, 42),
        ]
    )
    out = suppress(data, by=None)
    assert out["suppressed"].tolist() == [False, True, True]
    two_totals = pd.concat([data, data], ignore_index=True)
    with pytest.raises(ValueError, match="more than one 'All students' row"):
        suppress(two_totals, by=None)


def test_the_frame_passed_in_is_not_changed():
    data = frame(
        [
            ("Attendance", "2025-26", "All students", 50, 94.0, 47),
            ("Attendance", "2025-26", "Grade 3", 6, 83.0, 5),
            ("Attendance", "2025-26", "Grade 4", 44, 95.0, 42),
        ]
    )
    before = data.copy(deep=True)
    out = suppress(data)
    pd.testing.assert_frame_equal(data, before)
    assert "suppressed" not in data.columns
    assert out is not data


def test_other_column_names_and_total_label():
    data = pd.DataFrame(
        {
            "group": ["Total", "Small", "Large"],
            "n": [40, 9, 31],
            "rate": [0.5, 0.4, 0.6],
        }
    )
    out = suppress_small_groups(
        data,
        threshold=10,
        size_column="n",
        value_columns=["rate"],
        group_column="group",
        total_group="Total",
    )
    assert out["suppressed"].tolist() == [False, True, True]
    assert out["n"].isna().tolist() == [False, True, True]
    assert out["rate"].isna().tolist() == [False, True, True]


def test_missing_columns_are_named():
    data = frame([("Attendance", "2025-26", "All students", 50, 94.0, 47)])
    with pytest.raises(ValueError, match="columns not in the frame: rate, school"):
        suppress(data, value_columns=["rate"], by=["school"])


def test_an_empty_frame_gains_the_suppressed_column():
    out = suppress(frame([]))
    assert out.empty
    assert "suppressed" in out.columns


# ------------------------------------------------------------------ key numbers

KEY_VALUES = {
    "near": st.integers(-3, 3),
    "far": st.sampled_from([0, 5, 2**40, -(2**50), 2**62]),
    "flag": st.booleans(),
    "real": st.sampled_from([0.5, -1.0, 2.25, math.nan]),
    "day": st.sampled_from(["2025-01-01", "2024-06-01", None]),
    "word": st.sampled_from(["b", "a", "c", None]),
}


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from(sorted(KEY_VALUES)), min_size=0, max_size=4, unique=True),
    st.data(),
)
def test_key_numbers_number_the_keys_as_a_sorted_grouping_does(columns, data):
    count = data.draw(st.integers(0, 25))
    frame = pd.DataFrame(
        {c: [data.draw(KEY_VALUES[c]) for _ in range(count)] for c in columns},
        index=range(count),
    )
    if "day" in frame:
        frame["day"] = pd.to_datetime(frame["day"])
    if data.draw(st.booleans()) and columns:  # rows already in order, or not
        frame = frame.sort_values(columns, na_position="last", kind="stable")
    found = key_numbers(frame, columns)
    if columns:
        grouped = frame.groupby(columns, sort=True, dropna=False)
        expected = grouped.ngroup().to_numpy()
    else:
        expected = [0] * count
    assert found.tolist() == list(expected)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(-3, 60), max_size=40))
def test_ranks_are_a_sorted_factorize(keys):
    """Counted through a short range, hashed otherwise (negative keys, or a
    range over twice the keys): the same either way."""
    found, distinct = ranks(np.array(keys, dtype=np.int64))
    expected, uniques = pd.factorize(np.array(keys, dtype=np.int64), sort=True)
    assert found.tolist() == expected.tolist()
    assert distinct.tolist() == uniques.tolist()


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 6), max_size=40))
def test_first_rows_are_where_each_key_first_appears(keys):
    numbers = key_numbers(pd.DataFrame({"key": keys}), ["key"])
    _, expected = np.unique(numbers, return_index=True)
    assert first_rows(numbers).tolist() == expected.tolist()
