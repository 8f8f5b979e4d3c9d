"""The quick paths of needs support give exactly the answers of the definitions
they replace: the small-group rule set by set, the run chart of every school's
measure one by one, and the table built row by row. Those definitions are kept
here as the reference; the quick paths are checked against them on random data
(hypothesis), on the hand-built district of test_needs_support and on a
generated demo district."""

from __future__ import annotations

import re
from datetime import date, timedelta
from unittest.mock import patch

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_needs_support import PEOPLE, SCHOOLS, TODAY, open_district

from sqr_tracker import evidence
from sqr_tracker import needs_support as ns
from sqr_tracker.config import district_settings
from sqr_tracker.demo import build_demo_file
from sqr_tracker.frames import text_lists
from sqr_tracker.measures import run_chart, suppress_small_groups
from sqr_tracker.models import Role, Source
from sqr_tracker.store import Store

# -- the reference: the definitions as they were, one set or series at a time ------


def suppressed_set_by_set(
    frame: pd.DataFrame,
    *,
    threshold: int,
    size_column: str = "group_size",
    value_columns: list[str],
    group_column: str = "student_group",
    total_group: str = "All students",
    by: list[str] | None = None,
) -> pd.DataFrame:
    """``measures.suppress_small_groups`` as it was: a loop over the sets."""
    keys = list(by or [])
    out = frame.copy()
    sizes = pd.to_numeric(out[size_column], errors="coerce").to_numpy(dtype=float)
    hidden = np.isnan(sizes) | (sizes < threshold)
    is_total = (out[group_column] == total_group).fillna(False).to_numpy(dtype=bool)
    if keys:
        sets = out[keys].groupby(keys, dropna=False, sort=False).ngroup().to_numpy()
    else:
        sets = np.zeros(len(out), dtype=int)
    for set_id in pd.unique(sets):
        rows = np.flatnonzero(sets == set_id)
        totals = [r for r in rows if is_total[r]]
        if len(totals) > 1:
            raise ValueError(
                f"more than one {total_group!r} row in one set of rows "
                f"(by {keys or 'nothing'})"
            )
        if not totals:
            continue
        if hidden[totals[0]]:
            hidden[rows] = True
            continue
        shown = [r for r in rows if not is_total[r] and not hidden[r]]
        if not shown or len(shown) == len(rows) - 1:
            continue
        remainder = float(sizes[totals[0]] - sizes[shown].sum())
        if 0 <= remainder < threshold:
            hidden[min(shown, key=lambda r: (sizes[r], r))] = True
    mask = pd.Series(hidden, index=out.index)
    for column in dict.fromkeys([*value_columns, size_column]):
        out[column] = out[column].mask(mask)
    out["suppressed"] = hidden
    return out


def ends_adverse(chart) -> list:
    """The adverse signals of a run chart that reach its latest point."""
    return [s for s in chart.adverse() if ns._still_running(chart, s)]


def adverse_series_by_series(values: pd.DataFrame) -> pd.Series:
    """``needs_support._adverse`` as it was: a run chart for every series."""
    found: dict[int, list[str]] = {}
    for (school_id, _), one in values.groupby(["school_id", "measure_id"], sort=True):
        series = pd.Series(one["value"].to_numpy(), index=one["period"].to_numpy())
        chart = run_chart(
            series, higher_is_better=bool(one["higher_is_better"].iloc[0])
        )
        current = ends_adverse(chart)
        if current:
            words = f"{one['measure'].iloc[0]}: {current[0].description}"
            found.setdefault(school_id, []).append(words)
    return pd.Series(
        {school: "; ".join(w) for school, w in found.items()}, dtype=object
    )


def joined_by_groupby(rows: pd.DataFrame, words: pd.Series, tail: str = ""):
    """``needs_support._joined`` as it was: a pandas join per school."""
    if rows.empty:
        return pd.Series(dtype=object)
    return words.groupby(rows["school_id"]).agg("; ".join) + tail


def needs_support_row_by_row(store, user, today, *, network_id=None):
    """``needs_support.needs_support`` as it was, built on the definitions above."""
    scope = ns._for_district_staff(store, user)
    if network_id is not None:
        in_network = store.school_ids_in_network(network_id)
        scope = in_network if scope is None else sorted(set(scope) & set(in_network))
    limits = district_settings(store)
    scale = store.rating_scale()
    labels = dict(zip(scale["level"].astype(int), scale["label"], strict=True))
    plans = store.plan_overview(scope, today).set_index("school_id", drop=False)
    values = store.group_values(scope, "All students")
    values = suppressed_set_by_set(
        values.assign(student_group="All students"),
        threshold=int(limits["small_group_threshold"]),
        value_columns=["value"],
        by=["school_id", "measure_id", "period"],
    )
    values = values[~values["suppressed"]].drop(columns=["suppressed", "student_group"])
    facts = ns.Facts(
        plans, ns._latest_ratings(store, scope), values, today, labels, limits
    )
    checks = {rule.name: rule.check for rule in ns.RULES}
    checks["adverse signal"] = lambda f: adverse_series_by_series(f.values)
    with patch.object(ns, "_joined", joined_by_groupby):
        found = pd.DataFrame({name: check(facts) for name, check in checks.items()})
    found = found.reindex(index=plans.index, columns=[rule.name for rule in ns.RULES])
    present = found.notna()
    count = present.sum(axis=1)
    table = plans[["school_id", "school", "network", "level"]].assign(
        tier=[ns.tier_of(n, limits) for n in count],
        reason_count=count,
        rules=[list(found.columns[row]) for row in present.to_numpy()],
        reasons=[list(row[row.notna()]) for _, row in found.iterrows()],
    )
    for column in ("rules", "reasons"):  # the lists as the package holds them
        table[column] = text_lists(table[column].tolist(), table.index)
    order = table["tier"].map({tier: i for i, tier in enumerate(ns.TIERS)})
    table = (
        table.assign(_order=order)
        .sort_values(
            ["_order", "reason_count", "school"], ascending=[True, False, True]
        )
        .drop(columns="_order")
        .reset_index(drop=True)
    )
    return ns.NeedsSupport(table, ns._tier_counts(table), ns.rule_statements(store))


def assert_same_answer(store: Store, user, today, **kwargs) -> pd.DataFrame:
    quick = ns.needs_support(store, user, today, **kwargs)
    slow = needs_support_row_by_row(store, user, today, **kwargs)
    pd.testing.assert_frame_equal(quick.schools, slow.schools, check_exact=True)
    assert quick.schools.to_dict("records") == slow.schools.to_dict("records")
    pd.testing.assert_frame_equal(quick.tiers, slow.tiers, check_exact=True)
    assert quick.rules == slow.rules
    return quick.schools


# -- random series -----------------------------------------------------------------

START = date(2024, 1, 1)
# few distinct values, so that medians tie and neighbours repeat; NaN is missing
POINTS = st.sampled_from([90.0, 91.0, 92.0, 92.5, 93.0, 95.0, np.nan])


@st.composite
def series_points(draw, length: int, unclear: bool) -> list[float]:
    """Independent points from a few values, or a walk that drifts one way (long
    trends and shifts), with some points missing (and infinite, if ``unclear``)."""
    if draw(st.booleans()):
        odd = st.sampled_from([np.inf, -np.inf]) if unclear else POINTS
        return [draw(st.one_of(POINTS, odd)) for _ in range(length)]
    drift = draw(st.sampled_from([1.0, -1.0]))
    steps = st.sampled_from([0.0, 0.5, 1.0, 1.0, 1.0, -0.5])
    walk, points = 92.0, []
    for _ in range(length):
        walk += drift * draw(steps)
        gap = draw(st.integers(0, 9))
        points.append(np.nan if gap == 0 else np.inf if gap == 1 and unclear else walk)
    return points


@st.composite
def measure_rows(draw, *, unclear: bool = False) -> pd.DataFrame:
    """Rows of several schools' measures, each series short or long, a period
    now and then repeated or skipped, the rows in any order; with ``unclear``,
    infinite values too."""
    rows = []
    for school in range(1, draw(st.integers(1, 4)) + 1):
        for measure in draw(st.sets(st.integers(1, 3), max_size=3)):
            higher = measure != 2
            month = 0
            for value in draw(series_points(draw(st.integers(0, 16)), unclear)):
                month += draw(st.sampled_from([1, 1, 1, 1, 0, 2]))
                period = START + timedelta(days=31 * month)
                rows.append((school, measure, period, value, higher))
    frame = pd.DataFrame(
        rows,
        columns=["school_id", "measure_id", "period", "value", "higher_is_better"],
    )
    frame["period"] = pd.to_datetime(frame["period"])
    order = draw(st.permutations(list(range(len(frame)))))
    frame = frame.iloc[list(order)].reset_index(drop=True)
    return frame.assign(measure="m" + frame["measure_id"].astype(str))


@settings(max_examples=400, deadline=None)
@given(measure_rows())
def test_the_quick_decision_is_the_run_charts_on_random_series(values):
    quick = may_end_adverse(values)
    expected = np.zeros(len(values), dtype=bool)
    for _, one in values.groupby(["school_id", "measure_id"], sort=True):
        series = pd.Series(one["value"].to_numpy(), index=one["period"].to_numpy())
        chart = run_chart(
            series, higher_is_better=bool(one["higher_is_better"].iloc[0])
        )
        expected[values.index.get_indexer(one.index)] = bool(ends_adverse(chart))
    assert quick.tolist() == expected.tolist()


@settings(max_examples=400, deadline=None)
@given(measure_rows())
def test_the_adverse_words_found_at_once_are_the_run_charts(values):
    # every series here is read from its last runs, none left to run_chart
    assert not ns._series_ends(values).unclear.any()
    found = ns._adverse(facts_of(values))
    expected = adverse_series_by_series(values)
    assert found.to_dict() == expected.to_dict()
    assert list(found.index) == list(expected.index)


def test_where_a_shift_and_a_trend_both_end_the_wrong_way_the_first_one_is_said():
    # Falling for twelve months: the trend (from the first month) starts before
    # the shift below the median (the last six months).
    falling = [float(v) for v in range(20, 8, -1)]
    # Below the median for the last six months, falling for the last five of
    # them: the shift starts first.
    sinking = [90.0] * 6 + [40.0, 45.0, 44.0, 43.0, 42.0, 41.0]
    rows = [
        (school, 1, START + timedelta(days=31 * i), v, True)
        for school, points in ((1, falling), (2, sinking))
        for i, v in enumerate(points)
    ]
    values = pd.DataFrame(
        rows,
        columns=["school_id", "measure_id", "period", "value", "higher_is_better"],
    ).assign(measure="Attendance rate")
    values["period"] = pd.to_datetime(values["period"])
    found = ns._adverse(facts_of(values)).to_dict()
    assert found == {
        1: "Attendance rate: 12 points in a row falling (Jan 2024 to Dec 2024)",
        2: "Attendance rate: 6 points in a row below the median (Jul 2024 to Dec 2024)",
    }
    assert found == adverse_series_by_series(values).to_dict()


@pytest.mark.filterwarnings("ignore:invalid value:RuntimeWarning")  # inf - inf
@settings(max_examples=200, deadline=None)
@given(measure_rows(unclear=True))
def test_the_adverse_words_are_the_run_charts_even_with_infinite_values(values):
    try:
        expected = adverse_series_by_series(values)
    except ValueError as error:
        with pytest.raises(ValueError, match=re.escape(str(error))):
            ns._adverse(facts_of(values))
        return
    found = ns._adverse(facts_of(values))
    assert found.to_dict() == expected.to_dict()
    assert list(found.index) == list(expected.index)


def may_end_adverse(values: pd.DataFrame) -> np.ndarray:
    """Per row, whether ``_adverse`` reads its series' end from its last runs as
    a signal the wrong way, or leaves it to ``run_chart`` (infinite values or a
    missing period)."""
    ends = ns._series_ends(values)
    return (ends.adverse | ends.unclear)[ends.series]


def facts_of(values: pd.DataFrame) -> ns.Facts:
    return ns.Facts(pd.DataFrame(), pd.DataFrame(), values, TODAY, {}, {})


def test_a_series_ending_on_a_tie_with_the_median_counts_as_still_running():
    # Six points below the median of 93.0, then two on it: still adverse; the
    # same with a point above after them is not.
    below = [96.0] * 6 + [90.0] * 6 + [93.0, 93.0]
    ended = [*below, 96.0]
    rows = [
        (1, 1, START + timedelta(days=31 * i), v, True) for i, v in enumerate(below)
    ] + [(2, 1, START + timedelta(days=31 * i), v, True) for i, v in enumerate(ended)]
    values = pd.DataFrame(
        rows,
        columns=["school_id", "measure_id", "period", "value", "higher_is_better"],
    ).assign(measure="Attendance rate")
    values["period"] = pd.to_datetime(values["period"])
    assert may_end_adverse(values).tolist() == [True] * 14 + [False] * 15
    assert ns._adverse(facts_of(values)).to_dict() == {
        1: "Attendance rate: 6 points in a row below the median (Jul 2024 to Dec 2024)"
    }


# -- random small groups -----------------------------------------------------------

GROUPS = ["All students", "English learners", "Low income", "Disabilities"]


@st.composite
def group_rows(draw) -> pd.DataFrame:
    """Rows of measures by student group, in sets of one school and period, with
    sizes near the threshold, missing or fractional; a set may lack its total or
    (rarely) hold two."""
    sizes = st.one_of(
        st.integers(0, 40).map(float), st.just(np.nan), st.sampled_from([9.5, 10.5])
    )
    rows = []
    for _ in range(draw(st.integers(0, 12))):
        key = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
        for group in draw(st.lists(st.sampled_from(GROUPS), max_size=5)):
            rows.append((*key, group, draw(st.floats(0, 100)), draw(sizes)))
    frame = pd.DataFrame(
        rows, columns=["school_id", "period", "student_group", "value", "group_size"]
    )
    order = draw(st.permutations(list(range(len(frame)))))
    return frame.iloc[list(order)]  # its index out of order too


@settings(max_examples=400, deadline=None)
@given(group_rows(), st.integers(1, 20), st.booleans())
def test_the_small_group_rule_at_once_is_the_rule_set_by_set(frame, threshold, sets):
    by = ["school_id", "period"] if sets else None
    kwargs = dict(threshold=threshold, value_columns=["value"], by=by)
    try:
        expected = suppressed_set_by_set(frame, **kwargs)
    except ValueError as error:
        with pytest.raises(ValueError, match=re.escape(str(error))):
            suppress_small_groups(frame, **kwargs)
        return
    pd.testing.assert_frame_equal(
        suppress_small_groups(frame, **kwargs), expected, check_exact=True
    )


# -- whole answers -----------------------------------------------------------------


def people_of(store: Store) -> list:
    wanted = (Role.CENTRAL_OFFICE, Role.NETWORK_LEAD)
    found = [store.user_by_email(email) for _, email, *_ in PEOPLE]
    return [user for user in found if user.active and user.role in wanted]


def test_the_hand_built_district_gives_the_same_table_every_way(tmp_path):
    store = open_district(tmp_path / "support.duckdb")
    try:
        for user in people_of(store):
            for network_id in (None, 1, 2):
                table = assert_same_answer(store, user, TODAY, network_id=network_id)
        central = store.user_by_email("office@ns.sqr")
        table = assert_same_answer(store, central, TODAY)
        assert len(table) == len(SCHOOLS)
        assert table["rules"].map(lambda r: "adverse signal" in r).sum() == 3
    finally:
        store.close()


@pytest.fixture(scope="module")
def district(tmp_path_factory):
    store = open_district(tmp_path_factory.mktemp("random") / "support.duckdb")
    yield store
    store.close()


@st.composite
def all_students_values(draw) -> pd.DataFrame:
    """Monthly values for all students of some of the district's schools, for
    attendance (higher is better) and suspension (lower is better), with ties,
    repeated values and groups near the threshold."""
    rows = []
    for school in draw(st.sets(st.integers(1, len(SCHOOLS)), max_size=8)):
        for measure in draw(st.sets(st.sampled_from([1, 2]), min_size=1)):
            size = draw(st.sampled_from([9, 10, 300]))
            for month in range(draw(st.integers(0, 14))):
                period = date(2025, 1, 1) + timedelta(days=31 * month)
                value = draw(st.sampled_from([2.0, 3.0, 3.5, 4.0, 95.0]))
                rows.append((school, measure, period, "All students", value, size))
    return pd.DataFrame(
        rows,
        columns=[
            "school_id",
            "measure_id",
            "period",
            "student_group",
            "value",
            "group_size",
        ],
    )


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(all_students_values())
def test_random_measures_in_the_district_give_the_same_table(district, values):
    district.bulk_load({"measure_values": values}, {})
    central = district.user_by_email("office@ns.sqr")
    assert_same_answer(district, central, TODAY)


def test_a_generated_demo_district_gives_the_same_table(tmp_path):
    path = tmp_path / "demo.duckdb"
    build_demo_file(path, schools=120, today=TODAY)
    store = Store.open(path)
    try:
        central = store.user_by_email("central.office@demo.sqr")
        table = assert_same_answer(store, central, TODAY)
        assert len(table) == 120
        assert table["rules"].map(lambda r: "adverse signal" in r).sum() > 0
        lead = store.user_by_email("network.lead@demo.sqr")
        assert_same_answer(store, lead, TODAY)
    finally:
        store.close()


# -- evidence strength of every finding --------------------------------------------


def strengths_item_by_item(items: pd.DataFrame, limits) -> pd.DataFrame:
    """``evidence.strengths`` as it was: one item at a time."""
    kinds: dict[tuple[int, int], set[str]] = {}
    warnings: dict[tuple[int, int], list[str]] = {}
    columns = ["review_id", "standard_id", "source"]
    counts = ["survey_respondents", "survey_invited"]
    for review, standard, source, answered, invited in items[
        columns + counts
    ].itertuples(index=False):
        key = (int(review), int(standard))
        found, warned = kinds.setdefault(key, set()), warnings.setdefault(key, [])
        if not evidence._missing(source):
            found.add(str(source))
        if source == Source.SURVEY:
            warned.append(
                evidence.survey_warning(
                    evidence._count(answered), evidence._count(invited), limits
                )
            )
    strong = int(limits["evidence_strong_kinds"])
    rows = [
        (*key, evidence.strength_of(len(kinds[key]), warnings[key], strong))
        for key in sorted(kinds)
    ]
    return pd.DataFrame(rows, columns=["review_id", "standard_id", "strength"])


SOURCES = st.sampled_from([*(s.value for s in Source), None])
COUNTS = st.one_of(st.none(), st.integers(-3, 40))


@st.composite
def evidence_rows(draw) -> pd.DataFrame:
    """Evidence items of a few findings: any sources (some missing), surveys
    with rates on, near and away from the thresholds, or without a rate."""
    rows = [
        (
            draw(st.integers(1, 3)),
            draw(st.integers(1, 3)),
            draw(SOURCES),
            draw(COUNTS),
            draw(COUNTS),
        )
        for _ in range(draw(st.integers(0, 25)))
    ]
    frame = pd.DataFrame(
        rows,
        columns=[
            "review_id",
            "standard_id",
            "source",
            "survey_respondents",
            "survey_invited",
        ],
    )
    for column in ("survey_respondents", "survey_invited"):
        frame[column] = frame[column].astype("Int32")
    return frame


@settings(max_examples=400, deadline=None)
@given(
    evidence_rows(),
    st.sampled_from([(0.3, 0.1), (0.25, 0.05), (0.1, 0.3), (0.5, 0.5)]),
    st.integers(1, 4),
)
def test_evidence_strengths_at_once_are_the_item_by_item_ones(items, cuts, strong):
    limits = {
        "survey_limited_below": cuts[0],
        "survey_very_limited_below": cuts[1],
        "evidence_strong_kinds": strong,
    }
    pd.testing.assert_frame_equal(
        evidence.strengths(items, limits),
        strengths_item_by_item(items, limits),
        check_exact=True,
    )


def test_the_demo_districts_heatmap_evidence_is_the_item_by_item_one(tmp_path):
    path = tmp_path / "demo.duckdb"
    build_demo_file(path, schools=60, today=TODAY)
    store = Store.open(path)
    try:
        items = store.evidence_items(store.published_review_cycles(None)["review_id"])
        limits = district_settings(store)
        found = evidence.strengths(items, limits)
        pd.testing.assert_frame_equal(
            found, strengths_item_by_item(items, limits), check_exact=True
        )
        assert set(found["strength"]) >= {evidence.STRONG, evidence.MODERATE}
    finally:
        store.close()


def test_the_points_are_the_group_values_without_the_measures_words(tmp_path):
    store = open_district(tmp_path / "support.duckdb")
    try:
        for scope in (None, [10, 11, 13], []):
            full = store.group_values(scope, "All students")
            points = store.group_points(scope, "All students")
            expected = full.drop(columns=["code", "measure"])
            pd.testing.assert_frame_equal(points, expected[list(points.columns)])
            named = ns._named(points, store.measures())
            assert named["measure"].astype(object).tolist() == full["measure"].tolist()
        assert len(store.group_points(None, "All students")) > 0
    finally:
        store.close()


@given(
    st.lists(
        st.tuples(
            st.sampled_from([3, 7, 2**40, -5, 2**61, -(2**62)]),
            st.sampled_from([1, 9, 4, 2**62, -(2**62), -3]),
        ),
        max_size=30,
    )
)
@settings(max_examples=60, deadline=None)
def test_series_are_numbered_as_a_grouping_on_school_and_measure(pairs):
    """One integer key per row numbers the series as ``ngroup`` does, and ids
    too far apart for one key fall back to the grouping itself."""
    rows = pd.DataFrame(pairs, columns=["school_id", "measure_id"], dtype="int64")
    expected = rows.groupby(["school_id", "measure_id"], sort=True).ngroup()
    assert ns._series_ids(rows).tolist() == expected.tolist()
