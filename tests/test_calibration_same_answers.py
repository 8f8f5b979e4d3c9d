"""Calibration's figures computed every group at once give exactly what the
group-by-group definition gives: on the hand-built district of
tests/test_calibration.py, on generated demo districts, and on random ratings.

The references below are the pairs of reviewers as a join of the ratings with
themselves, ``agreement`` as it was defined before the kappas were computed
for every group at once (one ``weighted_kappa`` call per group) and before the
six tables were counted from one reading of the rows (each grouped from the
ratings and the pairs, a pair from both reviewers' sides where the keys hold
the reviewer), and ``calibration`` as it was defined before the names were
read apart from the ratings (every rating read with its reviewer's and
standard's names)."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest
from conftest import assert_same_answer
from hypothesis import given, settings
from hypothesis import strategies as st
from test_calibration import FIVE_LEVELS, REVIEWS, district, office

from sqr_tracker import calibration
from sqr_tracker.calibration import weighted_kappa
from sqr_tracker.config import district_settings
from sqr_tracker.demo import build_demo_file
from sqr_tracker.store import Store


def reference_pairs(ratings: pd.DataFrame) -> pd.DataFrame:
    """``calibration.reviewer_pairs`` as a join of the ratings with themselves."""
    keep = ["review_id", "cycle_year", "standard_id", "reviewer_id", "level"]
    both = ratings[keep].merge(
        ratings[keep], on=["review_id", "cycle_year", "standard_id"]
    )
    both = both[both["reviewer_id_x"] < both["reviewer_id_y"]]
    return both.rename(
        columns={
            "reviewer_id_x": "reviewer_id",
            "reviewer_id_y": "other_id",
            "level_x": "level",
            "level_y": "other_level",
        }
    ).reset_index(drop=True)


def both_sides(pairs: pd.DataFrame) -> pd.DataFrame:
    """Each pair twice, once from each reviewer's side."""
    turned = pairs.rename(
        columns={
            "reviewer_id": "other_id",
            "other_id": "reviewer_id",
            "level": "other_level",
            "other_level": "level",
        }
    )
    return pd.concat([pairs, turned[pairs.columns]], ignore_index=True)


def reference_agreement(ratings, keys, levels) -> pd.DataFrame:
    """``calibration.agreement`` with one ``weighted_kappa`` per group, from the
    ratings and the joined pairs (from both sides where the keys hold the
    reviewer)."""
    pairs = reference_pairs(ratings)
    if "reviewer_id" in keys:
        pairs = both_sides(pairs)
    if not keys:  # the whole scope as one group
        ratings, pairs, keys = ratings.assign(scope=0), pairs.assign(scope=0), ["scope"]
    groups = ratings[keys].drop_duplicates()
    compared = ratings.dropna(subset=["consensus"])
    gap = compared["level"].astype(float) - compared["consensus"].astype(float)
    against = (
        compared.assign(gap=gap, same=gap == 0, near=gap.abs() <= 1)
        .groupby(keys, as_index=False)
        .agg(
            n=("gap", "size"),
            exact=("same", "mean"),
            adjacent=("near", "mean"),
            lean=("gap", "mean"),
        )
    )
    kappas = [
        {
            **dict(zip(keys, key, strict=True)),
            "kappa": weighted_kappa(
                part["level"].tolist(), part["consensus"].astype(int).tolist(), levels
            ),
        }
        for key, part in compared.groupby(keys)
    ]
    distance = (pairs["level"] - pairs["other_level"]).abs()
    between = (
        pairs.assign(same=distance == 0, near=distance <= 1)
        .groupby(keys, as_index=False)
        .agg(
            pairs=("same", "size"),
            pair_exact=("same", "mean"),
            pair_adjacent=("near", "mean"),
        )
    )
    table = (
        groups.merge(against, on=keys, how="left")
        .merge(pd.DataFrame(kappas, columns=[*keys, "kappa"]), on=keys, how="left")
        .merge(between, on=keys, how="left")
    )
    table[["n", "pairs"]] = table[["n", "pairs"]].fillna(0).astype("int64")
    floats = ["exact", "adjacent", "kappa", "lean", "pair_exact", "pair_adjacent"]
    table[floats] = table[floats].astype("float64")
    table = table[[*keys, *calibration.FIGURE_COLUMNS]]
    return table.drop(columns=["scope"], errors="ignore").reset_index(drop=True)


def reference_calibration(store: Store, user, cycle_year=None):
    """``calibration.calibration`` as first defined: the names read with every
    rating, the kappas group by group."""
    calibration.require_central_office(store, user)
    limits = district_settings(store)
    levels = [int(level) for level in store.rating_scale()["level"]]
    ratings = store.reviewer_ratings(cycle_year)
    names = ratings["reviewer"].astype(object)
    missing = names.isna()
    names[missing] = [f"User {rid}" for rid in ratings.loc[missing, "reviewer_id"]]
    ratings = ratings.assign(reviewer=names)
    named = ratings[["reviewer_id", "reviewer"]].drop_duplicates("reviewer_id")
    titles = ratings[["standard_id", "code", "standard"]].drop_duplicates("standard_id")
    order = {int(sid): place for place, sid in enumerate(store.standards()["id"])}

    def figures(keys):
        return reference_agreement(ratings, keys, levels)

    reviewers = calibration._by_reviewer(figures(["reviewer_id"]), limits, named)
    standards = calibration._by_standard(
        figures(["standard_id"]), limits, order, titles
    )
    reviewer_flags = [
        calibration.flag_sentence(row.reviewer, row, limits)
        for row in reviewers.itertuples()
        if row.flag and row.flag != calibration.TOO_FEW
    ]
    standard_flags = [
        calibration.flag_sentence(f"{row.code} {row.standard}", row, limits)
        for row in standards.itertuples()
        if row.flag and row.flag != calibration.TOO_FEW
    ]
    return calibration.Calibration(
        cycle_year=cycle_year,
        summary=calibration._summary(figures([]), ratings),
        reviewers=reviewers,
        standards=standards,
        cycles=calibration._by_cycle(figures(["cycle_year"]), ratings),
        reviewer_cycles=calibration._by_reviewer_and_cycle(
            figures(["reviewer_id", "cycle_year"]), named
        ),
        standard_cycles=calibration._by_standard_and_cycle(
            figures(["standard_id", "cycle_year"]), order, titles
        ),
        reviewer_flags=reviewer_flags,
        standard_flags=standard_flags,
        rules=calibration._rules(limits),
        limits=limits,
    )


def assert_as_before(store: Store, user) -> int:
    """Every cycle and all cycles together give what the reference gives;
    returns how many reviewers were compared."""
    years = [None, *calibration.cycle_choices(store, user)]
    assert years[1:] == sorted(
        {int(y) for y in store.reviewer_ratings()["cycle_year"]}, reverse=True
    )
    for year in years:
        found = calibration.calibration(store, user, year)
        expected = reference_calibration(store, user, year)
        assert_same_answer(found, expected)
    return len(calibration.calibration(store, user).reviewers)


def test_the_hand_built_district_gives_the_same_answers(tmp_path):
    store = Store.open(tmp_path / "calibration.duckdb")
    store.bulk_load(district(), {"is_demo": "false"})
    try:
        assert assert_as_before(store, office(store)) == 4
    finally:
        store.close()


def test_a_level_off_the_scale_and_a_reviewer_without_a_user_row_give_the_same(
    tmp_path,
):
    # Level 6 is on no scale: the groups rating it are worked out alone.
    # Reviewer 77 has no user row: named 'User 77'.
    reviews = [
        *REVIEWS,
        (8, 6, 2024, date(2025, 6, 1), {1: 6, 2: 5}, {10: {1: 5, 2: 6}, 13: {1: 6}}),
        (9, 5, 2024, date(2025, 6, 1), {1: 2, 2: 3}, {77: {1: 2, 2: 4}}),
    ]
    store = Store.open(tmp_path / "five.duckdb")
    store.bulk_load(district(reviews, FIVE_LEVELS), {"is_demo": "false"})
    try:
        assert assert_as_before(store, office(store)) == 5
        reviewers = calibration.calibration(store, office(store)).reviewers
        assert "User 77" in reviewers["reviewer"].tolist()  # no user row
        ratings = store.reviewer_ratings()
        assert set(ratings["level"]) | set(ratings["consensus"]) >= {6}
    finally:
        store.close()


@pytest.mark.parametrize(("schools", "seed"), [(24, 11), (60, 4)])
def test_generated_districts_give_the_same_answers(tmp_path, schools, seed):
    path = tmp_path / "demo.duckdb"
    build_demo_file(path, schools=schools, seed=seed, today=date(2026, 12, 3))
    store = Store.open(path)
    try:
        central = store.user_by_email("central.office@demo.sqr")
        assert assert_as_before(store, central) > 5
    finally:
        store.close()


# -- random ratings ----------------------------------------------------------------

LEVELS = [1, 2, 3, 4]


@st.composite
def rated(draw) -> pd.DataFrame:
    """Ratings of a few reviewers of a few reviews in a few cycles (so that
    reviewers pair up, and a reviewer now and then rates one standard of a
    review twice), levels now and then off the scale, the consensus now and
    then missing, the rows in no order."""
    count = draw(st.integers(min_value=0, max_value=60))
    level = st.integers(min_value=0, max_value=6)
    rows = draw(
        st.lists(
            st.tuples(
                st.integers(min_value=1, max_value=4),
                st.integers(min_value=1, max_value=5),
                st.integers(min_value=2022, max_value=2023),
                st.integers(min_value=1, max_value=3),
                level,
                st.one_of(st.none(), level),
            ),
            min_size=count,
            max_size=count,
        )
    )
    frame = pd.DataFrame(
        rows,
        columns=[
            "review_id",
            "reviewer_id",
            "cycle_year",
            "standard_id",
            "level",
            "consensus",
        ],  # fmt: skip
    )
    return frame.astype({"consensus": "float64", "level": "int64"})


@settings(max_examples=300, deadline=None)
@given(ratings=rated(), keys=st.sampled_from([
    [], ["reviewer_id"], ["standard_id"], ["cycle_year"],
    ["reviewer_id", "cycle_year"], ["standard_id", "cycle_year"],
]), levels=st.sampled_from([LEVELS, [1, 2, 3, 4, 5], [3], [2, 4]]))  # fmt: skip
def test_random_ratings_give_the_same_figures(ratings, keys, levels):
    pd.testing.assert_frame_equal(
        calibration.agreement(ratings, keys, levels),
        reference_agreement(ratings, keys, levels),
        check_exact=True,
    )


@settings(max_examples=200, deadline=None)
@given(ratings=rated())
def test_random_ratings_give_the_same_pairs(ratings):
    def rows(pairs):
        return sorted(pairs.itertuples(index=False, name=None))

    found = calibration.reviewer_pairs(ratings)
    expected = reference_pairs(ratings)
    assert list(found.columns) == list(expected.columns)
    assert rows(found) == rows(expected)


def test_every_group_at_once_matches_weighted_kappa_to_the_last_bit():
    draw = np.random.default_rng(9)
    for count in range(2, 8):
        sizes = draw.integers(1, 40, 300)
        reviewer = np.repeat(np.arange(len(sizes)), sizes)
        level = draw.integers(1, count + 1, len(reviewer))
        near = np.clip(level + draw.integers(-1, 2, len(level)), 1, count)
        consensus = np.where(draw.random(len(level)) < 0.3, level, near)
        compared = pd.DataFrame(
            {"reviewer_id": reviewer, "level": level, "consensus": consensus}
        )
        scale = list(range(1, count + 1))
        found = calibration._kappas(reviewer, level, consensus, len(sizes), scale)
        expected = [
            weighted_kappa(part["level"].tolist(), part["consensus"].tolist(), scale)
            for _, part in compared.groupby("reviewer_id")
        ]
        assert found == expected


@settings(max_examples=200, deadline=None)
@given(
    rows=st.lists(
        st.tuples(st.integers(0, 2), st.integers(0, 2), st.integers(0, 2)),
        max_size=12,
    )
)
def test_rows_are_in_order_exactly_when_sorting_keeps_them(rows):
    columns = [
        np.array([row[place] for row in rows], dtype="int64") for place in (0, 1, 2)
    ]
    assert calibration._in_order(columns) == (rows == sorted(rows))
