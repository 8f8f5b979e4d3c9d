"""The "Do the ratings mean something?" questions, computed the fast way, give
exactly what their first definitions gave: on the hand-built district of
tests/test_validity.py, on the same district with publication days at the
edges of months and leap years and a value every day, on a generated demo
district, and on random rows.

The references below are the first definitions: every all-students value read
and windowed in pandas, one merge per standard and measure for the matrix, and
one ``reviews_compared`` per school for the schools that came closer."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import pytest
from conftest import assert_same_answer
from hypothesis import given, settings
from hypothesis import strategies as st
from test_validity import validity_district

from sqr_tracker import evidence, validity
from sqr_tracker.demo import build_demo_file
from sqr_tracker.growth import TOTAL_GROUP, small_group_threshold
from sqr_tracker.store import Store


def reference_ratings_and_outcomes(store: Store, scope):
    ratings = store.last_two_consensus()
    if scope is not None:
        ratings = ratings[ratings["school_id"].isin(scope)]
    ratings = ratings[["school_id", "standard_id", "published_on", "rating"]]
    values = store.group_values(scope, TOTAL_GROUP)
    threshold = small_group_threshold(store)
    return ratings, validity.outcomes_of(ratings, values, threshold)


def reference_trust_matrix(store: Store, user) -> pd.DataFrame:
    scope = validity.comparison_scope(store, user)
    ratings, outcomes = reference_ratings_and_outcomes(store, scope)
    rows = []
    for standard in store.rated_standards().itertuples():
        for measure in store.measures().itertuples():
            points = validity.pair(ratings, outcomes, int(standard.id), int(measure.id))
            n = len(points)
            rho = validity.spearman(points["rating"], points["outcome"])
            rho = rho if n >= validity.MIN_SCHOOLS else None
            better = measure.higher_is_better
            rows.append(
                {
                    "code": standard.code,
                    "standard": standard.name,
                    "measure": measure.name,
                    "higher_is_better": better,
                    "n": n,
                    "rho": rho,
                    "strength": "" if rho is None else validity.strength_of(rho),
                    "direction": ""
                    if rho is None
                    else validity.direction_of(rho, better),
                }
            )
    frame = pd.DataFrame(rows, columns=validity.MATRIX_COLUMNS)
    return frame.astype({"rho": "float64"})


def reference_school_trends(rows: pd.DataFrame, cycles: pd.DataFrame) -> pd.Series:
    dated = rows.merge(cycles, on=["review_id", "school_id"])
    return pd.Series(
        {
            school: evidence.trend_of(evidence.reviews_compared(group))
            for school, group in dated.groupby("school_id")
        },
        dtype=object,
    )


def assert_trends_same(found: pd.Series, expected: pd.Series) -> None:
    assert found.index.tolist() == expected.index.tolist()
    assert found.tolist() == expected.tolist()


def assert_as_before(store: Store, users, monkeypatch) -> None:
    """Every question of the page, for each user, as the references give it."""
    for user in users:
        scope = validity.comparison_scope(store, user)
        found = validity._ratings_and_outcomes(store, scope)
        expected = reference_ratings_and_outcomes(store, scope)
        for mine, theirs in zip(found, expected, strict=True):
            pd.testing.assert_frame_equal(mine, theirs, check_exact=True)
        pd.testing.assert_frame_equal(
            validity.trust_matrix(store, user),
            reference_trust_matrix(store, user),
            check_exact=True,
        )
        standards, measures = validity.choices(store, user)
        for standard in standards:
            for measure in measures:
                mine = validity.ratings_and_outcomes(store, user, standard, measure)
                with monkeypatch.context() as patch:
                    patch.setattr(
                        validity,
                        "_ratings_and_outcomes",
                        reference_ratings_and_outcomes,
                    )
                    theirs = validity.ratings_and_outcomes(
                        store, user, standard, measure
                    )
                assert_same_answer(mine, theirs)
        mine = evidence.district_self_gap(store, user)
        with monkeypatch.context() as patch:
            patch.setattr(evidence, "school_trends", reference_school_trends)
            theirs = evidence.district_self_gap(store, user)
        assert_same_answer(mine, theirs)
        plain = validity.self_team_disagreement(store, user)
        pd.testing.assert_frame_equal(
            mine.table[list(plain.columns)], plain, check_exact=True
        )


def trends_of_store(store: Store, scope) -> tuple[pd.DataFrame, pd.DataFrame]:
    rows = store.self_and_consensus(scope).dropna(subset=["self", "consensus"])
    rows = rows.assign(gap=rows["self"].astype(int) - rows["consensus"].astype(int))
    return rows, store.published_review_cycles(scope)


def test_the_hand_built_district_gives_the_same_answers(tmp_path, monkeypatch):
    store = Store.open(tmp_path / "validity.duckdb")
    store.bulk_load(validity_district(), {"is_demo": "false"})
    try:
        office = store.user_by_email("office@v.sqr")
        lead = store.user_by_email("lead.north@v.sqr")
        assert_as_before(store, [office, lead], monkeypatch)
        relation = validity.ratings_and_outcomes(store, office, 1, 1)
        assert relation.n == 12
    finally:
        store.close()


# Publication days where twelve months back is not 365 days back.
EDGES = [
    date(2024, 2, 29), date(2025, 2, 28), date(2024, 3, 1), date(2025, 3, 31),
    date(2024, 12, 31), date(2026, 1, 31), date(2024, 8, 31), date(2025, 5, 31),
    date(2023, 2, 28), date(2024, 1, 1), date(2025, 10, 31), date(2026, 3, 1),
    date(2024, 6, 30),
]  # fmt: skip


def edge_district() -> dict[str, pd.DataFrame]:
    """The hand-built district with each school's latest review published on
    an edge day and an attendance value for every day from 400 days before it
    to 3 days after (some under the small-group threshold)."""
    tables = validity_district()
    reviews = tables["reviews"].copy()
    latest = reviews["published_on"].notna() & (reviews["id"] % 2 == 0)
    for school, day in enumerate(EDGES, start=1):
        reviews.loc[latest & (reviews["school_id"] == school), "published_on"] = day
    values = []
    for school, day in enumerate(EDGES, start=1):
        for back in range(-3, 400):
            period = day - timedelta(days=back)
            size = 5 if back % 7 == 0 else 300
            values.append((school, 1, period, TOTAL_GROUP, float(back % 11), size))
            values.append((school, 2, period, "Low-income", float(back), 300))
    tables["reviews"] = reviews
    tables["measure_values"] = pd.DataFrame(
        values,
        columns=[
            "school_id",
            "measure_id",
            "period",
            "student_group",
            "value",
            "group_size",
        ],
    )
    return tables


def test_publication_days_at_the_edges_read_the_same_window(tmp_path, monkeypatch):
    store = Store.open(tmp_path / "edges.duckdb")
    store.bulk_load(edge_district(), {"is_demo": "false"})
    try:
        office = store.user_by_email("office@v.sqr")
        assert_as_before(store, [office], monkeypatch)
        _, outcomes = validity._ratings_and_outcomes(store, None)
        # Every school's window holds about a year of days, the bound excluded.
        assert outcomes["periods"].between(300, 320).all()
        assert len(outcomes) == len(EDGES)
    finally:
        store.close()


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory):
    path = tmp_path_factory.mktemp("validity-same") / "demo.duckdb"
    build_demo_file(path, schools=40, seed=8, today=date(2026, 12, 3))
    opened = Store.open(path)
    yield opened
    opened.close()


def test_a_generated_district_gives_the_same_answers(demo_store, monkeypatch):
    users = [
        demo_store.user_by_email("central.office@demo.sqr"),
        demo_store.user_by_email("network.lead@demo.sqr"),
    ]
    assert_as_before(demo_store, users, monkeypatch)
    rows, cycles = trends_of_store(demo_store, None)
    trends = evidence.school_trends(rows, cycles)
    assert_trends_same(trends, reference_school_trends(rows, cycles))
    assert set(trends) >= {evidence.CLOSER, evidence.FURTHER}


# -- random rows -------------------------------------------------------------------


@st.composite
def gaps(draw) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Self minus consensus gaps of a few schools' reviews, and their cycles."""
    reviews = draw(
        st.lists(
            st.tuples(
                st.integers(min_value=1, max_value=6),
                st.integers(min_value=2018, max_value=2026),
            ),
            max_size=25,
        )
    )
    cycles = pd.DataFrame(
        [(index, school, year) for index, (school, year) in enumerate(reviews)],
        columns=["review_id", "school_id", "cycle_year"],
    )
    rows = []
    for review_id, school, _ in cycles.itertuples(index=False):
        for standard in range(draw(st.integers(min_value=0, max_value=4))):
            gap = draw(st.integers(min_value=-3, max_value=3))
            rows.append((review_id, school, standard, gap))
    frame = pd.DataFrame(rows, columns=["review_id", "school_id", "standard_id", "gap"])
    return frame.astype("int64"), cycles.astype("int64")


@settings(max_examples=300, deadline=None)
@given(gaps())
def test_random_gaps_give_the_same_trends(drawn):
    rows, cycles = drawn
    assert_trends_same(
        evidence.school_trends(rows, cycles), reference_school_trends(rows, cycles)
    )


@st.composite
def ratings_and_outcomes(draw) -> tuple[pd.DataFrame, pd.DataFrame]:
    schools = st.integers(min_value=1, max_value=30)
    rated = draw(
        st.lists(st.tuples(schools, st.integers(min_value=1, max_value=4)), max_size=40)
    )
    measured = draw(
        st.dictionaries(
            schools,
            st.one_of(
                st.sampled_from([0.0, 1.5, 1.5, 80.0]),
                st.floats(min_value=-1e6, max_value=1e6, allow_nan=False),
            ),
            max_size=30,
        )
    )
    ratings = pd.DataFrame(rated, columns=["school_id", "rating"]).astype("int32")
    ratings = ratings.assign(standard_id=1)
    outcomes = pd.DataFrame(
        {"school_id": list(measured), "outcome": list(measured.values())},
        columns=["school_id", "outcome"],
    ).astype({"school_id": "int32", "outcome": "float64"})
    return ratings, outcomes.assign(measure_id=1, periods=1)


@settings(max_examples=300, deadline=None)
@given(ratings_and_outcomes())
def test_random_ratings_and_outcomes_give_the_same_rho(drawn):
    ratings, outcomes = drawn
    points = validity.pair(ratings, outcomes, 1, 1)
    expected = (len(points), validity.spearman(points["rating"], points["outcome"]))
    found = validity.paired_rho(
        ratings.set_index("school_id")["rating"],
        outcomes.set_index("school_id")["outcome"],
    )
    assert found == expected
