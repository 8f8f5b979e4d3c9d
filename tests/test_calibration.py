"""Reviewer calibration, on a hand-built district of six schools, four reviewers
and two standards on the usual four-level scale, then on a five-level scale,
then the page on the demo district.

Published reviews (cycle, consensus S1/S2, then each reviewer's S1/S2):

  review 1, 2023: consensus 1/2; Ann 1/2, Ben 1/2
  review 2, 2023: consensus 2/3; Ann 3/3, Ben 1/2
  review 3, 2024: consensus 3/4; Ann 4/-, Ben 2/3, Cal 3/-
  review 4, 2024: consensus 3/3; Cal 3/3 (S1 first recorded as 1, then 3)
  review 5, 2024: consensus 3/3; Cal 3/3, Dee 1/1
  review 7, 2023: consensus on S1 only (2); Ann -/4, Ben -/4: the S2 ratings
                  have no consensus to compare with, only each other
Review 6 (2024) is not published: Ann 4/4 and Ben 4/- against 1/1 never count.
Review 1 also holds a self-reflection of 4 and a reviewer rating naming no
reviewer (4): neither counts.

Ann's ratings against the consensus, the tiny confusion matrix worked by hand
(reviewer, consensus): (1,1) (2,2) (3,2) (3,3) (4,3).
  n = 5; exact 3/5 = 0.6; within one level 5/5; lean (0+0+1+0+1)/5 = +0.4.
  Places on the scale are level - 1 and k = 4, so w = d² / 9; the 9 cancels in
  the ratio, so kappa = 1 - mean d² observed / mean d² expected by chance.
  Observed: d² = 0, 0, 1, 0, 1: mean 2/5.
  Ann's levels 1..4: 1, 1, 2, 1 times; the consensus's: 1, 2, 2, 0 times.
  Expected: sum over levels i, j of (Ann at i)(consensus at j)(i - j)² / 25:
    i=1: 1·(0·1 + 1·2 + 4·2 + 9·0) = 10
    i=2: 1·(1·1 + 0·2 + 1·2 + 4·0) = 3
    i=3: 2·(4·1 + 1·2 + 0·2 + 1·0) = 12
    i=4: 1·(9·1 + 4·2 + 1·2 + 0·0) = 19      total 44, mean 44/25
  kappa = 1 - (2/5) / (44/25) = 1 - 10/44 = 17/22 = 0.7727.
Ben: (1,1) (2,2) (1,2) (2,3) (2,3) (3,4): exact 2/6, within one 6/6, lean -4/6
  (harsher by 0.7). Observed mean d² 4/6; Ben's levels 2, 3, 1, 0 times and the
  consensus's 1, 2, 2, 1 give 38 + 21 + 7 + 0 = 66 over 36: kappa = 1 -
  (4/6) / (66/36) = 1 - 4/11 = 7/11.
Cal: five times (3,3): exact 1, and every rating at one level: kappa undefined.
Dee: (1,3) twice: exact 0, lean -2, but only 2 ratings: too few to judge.

Per standard, every reviewer pooled:
  S1: (1,1) (1,1) (3,2) (1,2) (4,3) (2,3) (3,3) (3,3) (3,3) (1,3): n 10, exact
      5/10, within one 9/10, lean -2/10; observed d² sum 8; levels 4, 1, 4, 1
      and 2, 2, 6, 0 give 104 + 8 + 40 + 32 = 184 over 100: kappa = 1 -
      0.8 / 1.84 = 13/23 = 0.565.
  S2: (2,2) (2,2) (3,3) (2,3) (3,4) (3,3) (3,3) (1,3): n 8, exact 5/8, within
      one 7/8, lean -4/8; observed d² sum 6; levels 1, 3, 4, 0 and 0, 2, 5, 1
      give 31 + 27 + 12 = 70 over 64: kappa = 1 - (6/8) / (70/64) = 11/35 =
      0.314, below 0.4.

Pairs of reviewers on the same standard of the same review (distance):
  review 1: Ann-Ben S1 0, S2 0     review 2: Ann-Ben S1 2, S2 1
  review 3: S1 Ann-Ben 2, Ann-Cal 1, Ben-Cal 1   review 5: Cal-Dee S1 2, S2 2
  review 7: Ann-Ben S2 0
  Ann and Ben: 7 pairs each, 3 the same, 5 within one; Cal 4, 0, 2; Dee 2, 0, 0.
  S1: 6 pairs, 1 the same, 3 within one; S2: 4, 2, 3. All: 10, 3, 6.
"""

from __future__ import annotations

import math
from datetime import date

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from sqr_tracker import actions, calibration, views
from sqr_tracker.calibration import TOO_FEW
from sqr_tracker.demo import build_demo_file
from sqr_tracker.errors import PermissionDenied
from sqr_tracker.session import DEMO_USER_KEY
from sqr_tracker.store import Store
from sqr_tracker.views import plain

S1, S2 = 1, 2
ANN, BEN, CAL, DEE = 10, 11, 12, 13
P2023, P2024 = date(2024, 6, 1), date(2025, 6, 1)
# id, school, cycle, published, consensus, each reviewer's ratings
REVIEWS = [
    (1, 1, 2023, P2023, {S1: 1, S2: 2}, {ANN: {S1: 1, S2: 2}, BEN: {S1: 1, S2: 2}}),
    (2, 2, 2023, P2023, {S1: 2, S2: 3}, {ANN: {S1: 3, S2: 3}, BEN: {S1: 1, S2: 2}}),
    (3, 3, 2024, P2024, {S1: 3, S2: 4},
     {ANN: {S1: 4}, BEN: {S1: 2, S2: 3}, CAL: {S1: 3}}),
    (4, 4, 2024, P2024, {S1: 3, S2: 3}, {CAL: {S1: 3, S2: 3}}),
    (5, 5, 2024, P2024, {S1: 3, S2: 3}, {CAL: {S1: 3, S2: 3}, DEE: {S1: 1, S2: 1}}),
    (6, 6, 2024, None, {S1: 1, S2: 1}, {ANN: {S1: 4, S2: 4}, BEN: {S1: 4}}),
    (7, 6, 2023, P2023, {S1: 2}, {ANN: {S2: 4}, BEN: {S2: 4}}),
]  # fmt: skip
FOUR_LEVELS = [(1, "Emerging"), (2, "Developing"), (3, "Proficient"),
               (4, "Exemplary")]  # fmt: skip
PEOPLE = [
    (1, "office@c.sqr", "Olu Office", "central_office", None, None, True),
    (2, "lead@c.sqr", "Nia North", "network_lead", None, 1, True),
    (3, "principal@c.sqr", "Ada Alder", "principal", 1, None, True),
    (4, "viewer@c.sqr", "Vic Viewer", "viewer", None, None, True),
    (5, "gone@c.sqr", "Gus Gone", "central_office", None, None, False),
    (ANN, "ann@c.sqr", "Ann Ash", "reviewer", None, None, True),
    (BEN, "ben@c.sqr", "Ben Birch", "reviewer", None, None, True),
    (CAL, "cal@c.sqr", "Cal Cole", "reviewer", None, None, True),
    (DEE, "dee@c.sqr", "Dee Dunn", "reviewer", 2, None, True),
]

ANN_KAPPA, BEN_KAPPA = 17 / 22, 7 / 11
S1_KAPPA, S2_KAPPA = 13 / 23, 11 / 35


def _frame(rows: list[tuple], columns: str) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=columns.split())


def _ratings(reviews: list[tuple]) -> pd.DataFrame:
    rows = []

    def rate(review: int, standard: int, kind: str, rater: int | None, level: int):
        rows.append((len(rows) + 1, review, standard, kind, rater, level))

    for review, _, _, _, consensus, by_reviewer in reviews:
        for standard, level in consensus.items():
            rate(review, standard, "consensus", None, level)
        for reviewer, levels in by_reviewer.items():
            for standard, level in levels.items():
                if (review, reviewer, standard) == (4, CAL, S1):
                    rate(review, standard, "reviewer", reviewer, 1)  # replaced
                rate(review, standard, "reviewer", reviewer, level)
        if review == 1:
            rate(review, S1, "self-reflection", None, 4)
            rate(review, S1, "reviewer", None, 4)
    ratings = _frame(rows, "id review_id standard_id rater_kind rater_id level")
    ratings["rater_id"] = ratings["rater_id"].astype("Int64")
    return ratings


def district(
    reviews: list[tuple] = REVIEWS, levels: list[tuple] = FOUR_LEVELS
) -> dict[str, pd.DataFrame]:
    users = _frame(PEOPLE, "id email name role school_id network_id active")
    users[["school_id", "network_id"]] = users[["school_id", "network_id"]].astype(
        "Int64"
    )
    schools = [
        (i, f"School {i}", "elementary", 1, 400, 0.5, 0.2, 0.1)
        for i in range(1, 1 + max(r[1] for r in reviews))
    ]
    return {
        "networks": _frame([(1, "North")], "id name"),
        "schools": _frame(
            schools,
            "id name level network_id enrollment pct_low_income "
            "pct_english_learners pct_disabilities",
        ),
        "users": users,
        "standards": _frame(
            [(S1, "S1", "Quality learning", 1), (S2, "S2", "Safe schools", 2)],
            "id code name sort_order",
        ),
        "rating_levels": _frame(levels, "level label"),
        "reviews": _frame(
            [
                (i, school, year, "complete", date(year, 9, 1), published)
                for i, school, year, published, _, _ in reviews
            ],
            "id school_id cycle_year phase starts_on published_on",
        ),
        "ratings": _ratings(reviews),
    }


@pytest.fixture
def store(tmp_path) -> Store:
    opened = Store.open(tmp_path / "calibration.duckdb")
    opened.bulk_load(district(), {"is_demo": "false"})
    yield opened
    opened.close()


def office(store: Store):
    return store.user_by_email("office@c.sqr")


def kappa_by_definition(pairs: list[tuple[int, int]], levels: list[int]) -> float:
    """Quadratic weighted kappa the long way: the mean squared distance between
    the paired places, over the mean squared distance between every reviewer
    rating and every consensus rating (chance pairs them independently)."""
    place = {level: index for index, level in enumerate(levels)}
    observed = sum((place[a] - place[b]) ** 2 for a, b in pairs) / len(pairs)
    chance = (
        sum((place[a] - place[b]) ** 2 for a, _ in pairs for _, b in pairs)
        / len(pairs) ** 2
    )
    return 1 - observed / chance


# -- the figures, worked by hand ---------------------------------------------------

ANN_PAIRS = [(1, 1), (2, 2), (3, 2), (3, 3), (4, 3)]
BEN_PAIRS = [(1, 1), (2, 2), (1, 2), (2, 3), (2, 3), (3, 4)]
S1_PAIRS = [(1, 1), (1, 1), (3, 2), (1, 2), (4, 3), (2, 3), (3, 3), (3, 3), (3, 3),
            (1, 3)]  # fmt: skip
S2_PAIRS = [(2, 2), (2, 2), (3, 3), (2, 3), (3, 4), (3, 3), (3, 3), (1, 3)]


@pytest.mark.parametrize(
    ("pairs", "by_hand"),
    [(ANN_PAIRS, ANN_KAPPA), (BEN_PAIRS, BEN_KAPPA), (S1_PAIRS, S1_KAPPA),
     (S2_PAIRS, S2_KAPPA)],
)  # fmt: skip
def test_weighted_kappa_is_the_value_worked_by_hand(pairs, by_hand):
    rater, consensus = zip(*pairs, strict=True)
    found = calibration.weighted_kappa(rater, consensus, [1, 2, 3, 4])
    assert found == pytest.approx(by_hand, abs=1e-12)
    assert found == pytest.approx(kappa_by_definition(pairs, [1, 2, 3, 4]), abs=1e-12)
    assert round(ANN_KAPPA, 4) == 0.7727


def test_weighted_kappa_is_undefined_when_chance_expects_no_disagreement():
    assert calibration.weighted_kappa([3, 3, 3], [3, 3, 3], [1, 2, 3, 4]) is None
    assert calibration.weighted_kappa([], [], [1, 2, 3, 4]) is None
    assert calibration.weighted_kappa([1, 1], [1, 1], [1]) is None
    # One side at one level is enough to be defined, if the other differs
    assert calibration.weighted_kappa([1, 1], [3, 3], [1, 2, 3, 4]) == 0.0
    # Full disagreement both ways is worse than chance
    assert calibration.weighted_kappa([1, 4], [4, 1], [1, 2, 3, 4]) == -1.0


def test_the_reviewer_table_holds_each_reviewers_figures(store):
    table = calibration.calibration(store, office(store)).reviewers
    assert list(table.columns) == calibration.REVIEWER_COLUMNS
    rows = table.set_index("reviewer").to_dict("index")
    assert list(rows) == ["Ann Ash", "Ben Birch", "Cal Cole", "Dee Dunn"]
    expected = {
        "Ann Ash": (ANN, 5, 3 / 5, 1.0, ANN_KAPPA, 0.4, 7, 3 / 7, 5 / 7),
        "Ben Birch": (BEN, 6, 2 / 6, 1.0, BEN_KAPPA, -4 / 6, 7, 3 / 7, 5 / 7),
        "Cal Cole": (CAL, 5, 1.0, 1.0, math.nan, 0.0, 4, 0.0, 2 / 4),
        "Dee Dunn": (DEE, 2, 0.0, 0.0, 0.0, -2.0, 2, 0.0, 0.0),
    }
    columns = ["reviewer_id", "n", "exact", "adjacent", "kappa", "lean", "pairs",
               "pair_exact", "pair_adjacent"]  # fmt: skip
    for name, figures in expected.items():
        found = [rows[name][column] for column in columns]
        assert found == pytest.approx(list(figures), abs=1e-12, nan_ok=True), name


def test_lean_reads_harsher_below_zero_and_more_lenient_above(store):
    table = calibration.calibration(store, office(store)).reviewers
    assert table["lean_words"].tolist() == [
        "more lenient by 0.4 levels on average",
        "harsher by 0.7 levels on average",
        "in line with the consensus on average",
        "harsher by 2.0 levels on average",
    ]
    assert calibration.lean_words(-0.04) == "in line with the consensus on average"
    assert calibration.lean_words(0.05) == "more lenient by 0.1 levels on average"
    assert calibration.lean_words(None) == ""


def test_the_standard_table_pools_every_reviewer(store):
    table = calibration.calibration(store, office(store)).standards
    assert list(table.columns) == calibration.STANDARD_COLUMNS
    assert table[["code", "standard"]].values.tolist() == [
        ["S1", "Quality learning"],
        ["S2", "Safe schools"],
    ]
    columns = ["n", "exact", "adjacent", "kappa", "lean", "pairs", "pair_exact",
               "pair_adjacent"]  # fmt: skip
    assert table.loc[0, columns].tolist() == pytest.approx(
        [10, 0.5, 0.9, S1_KAPPA, -0.2, 6, 1 / 6, 3 / 6], abs=1e-12
    )
    assert table.loc[1, columns].tolist() == pytest.approx(
        [8, 5 / 8, 7 / 8, S2_KAPPA, -0.5, 4, 2 / 4, 3 / 4], abs=1e-12
    )
    assert table["lean_words"].tolist() == [
        "harsher by 0.2 levels on average",
        "harsher by 0.5 levels on average",
    ]


def test_the_district_figures_pool_every_rating_and_pair(store):
    summary = calibration.calibration(store, office(store)).summary
    every = S1_PAIRS + S2_PAIRS
    assert summary == pytest.approx(
        {
            "ratings_compared": 18,
            "reviewers": 4,
            "exact": 10 / 18,
            "adjacent": 16 / 18,
            # 1 - (14/18) / (502/324), worked as for Ann above
            "kappa": 125 / 251,
            "lean": -6 / 18,
            "pairs": 10,
            "pair_exact": 3 / 10,
            "pair_adjacent": 6 / 10,
        },
        abs=1e-12,
    )
    assert summary["kappa"] == pytest.approx(kappa_by_definition(every, [1, 2, 3, 4]))


def test_pairs_are_every_two_reviewers_on_the_same_standard_of_a_review(store):
    ratings = store.reviewer_ratings()
    pairs = calibration.reviewer_pairs(ratings)
    found = sorted(
        zip(pairs["review_id"], pairs["standard_id"], pairs["reviewer_id"],
            pairs["other_id"], pairs["level"], pairs["other_level"], strict=True)
    )  # fmt: skip
    assert found == [
        (1, S1, ANN, BEN, 1, 1), (1, S2, ANN, BEN, 2, 2),
        (2, S1, ANN, BEN, 3, 1), (2, S2, ANN, BEN, 3, 2),
        (3, S1, ANN, BEN, 4, 2), (3, S1, ANN, CAL, 4, 3), (3, S1, BEN, CAL, 2, 3),
        (5, S1, CAL, DEE, 3, 1), (5, S2, CAL, DEE, 3, 1),
        (7, S2, ANN, BEN, 4, 4),
    ]  # fmt: skip


def test_unpublished_reviews_and_unnamed_raters_do_not_count(store):
    ratings = store.reviewer_ratings()
    assert 6 not in set(ratings["review_id"])
    assert ratings["reviewer_id"].notna().all()
    assert len(ratings) == 18 + 2  # compared, and review 7's two without consensus
    cal_on_4 = ratings[(ratings["review_id"] == 4) & (ratings["reviewer_id"] == CAL)]
    assert cal_on_4[["standard_id", "level"]].values.tolist() == [[S1, 3], [S2, 3]]
    # unpublished review 6 would add two ratings to Ann's five
    assert calibration.calibration(store, office(store)).reviewers.loc[0, "n"] == 5


def test_the_figures_split_by_cycle(store):
    found = calibration.calibration(store, office(store))
    cycles = found.cycles
    assert list(cycles.columns) == calibration.CYCLE_COLUMNS
    counts = cycles[["cycle_year", "cycle", "reviewers", "n", "pairs"]]
    assert counts.values.tolist() == [
        [2023, "2023–24", 2, 8, 5],
        [2024, "2024–25", 4, 10, 5],
    ]  # fmt: skip
    assert cycles["exact"].tolist() == [5 / 8, 5 / 10]
    assert cycles["pair_exact"].tolist() == [3 / 5, 0.0]
    by_reviewer = found.reviewer_cycles
    assert list(by_reviewer.columns) == calibration.REVIEWER_CYCLE_COLUMNS
    assert by_reviewer[["reviewer", "cycle_year", "n", "exact"]].values.tolist() == [
        ["Ann Ash", 2023, 4, 3 / 4], ["Ann Ash", 2024, 1, 0.0],
        ["Ben Birch", 2023, 4, 2 / 4], ["Ben Birch", 2024, 2, 0.0],
        ["Cal Cole", 2024, 5, 1.0], ["Dee Dunn", 2024, 2, 0.0],
    ]  # fmt: skip
    by_standard = found.standard_cycles
    assert list(by_standard.columns) == calibration.STANDARD_CYCLE_COLUMNS
    assert by_standard[["code", "cycle_year", "n", "exact"]].values.tolist() == [
        ["S1", 2023, 4, 2 / 4], ["S1", 2024, 6, 3 / 6],
        ["S2", 2023, 4, 3 / 4], ["S2", 2024, 4, 2 / 4],
    ]  # fmt: skip


def test_one_cycle_narrows_every_figure(store):
    found = calibration.calibration(store, office(store), 2024)
    table = found.reviewers.set_index("reviewer")
    assert table["n"].to_dict() == {
        "Ann Ash": 1, "Ben Birch": 2, "Cal Cole": 5, "Dee Dunn": 2
    }  # fmt: skip
    assert table["flag"].to_dict() == {
        "Ann Ash": TOO_FEW, "Ben Birch": TOO_FEW, "Cal Cole": "", "Dee Dunn": TOO_FEW
    }  # fmt: skip
    assert found.cycles["cycle_year"].tolist() == [2024]
    assert found.summary["ratings_compared"] == 10
    assert calibration.cycle_choices(store, office(store)) == [2024, 2023]


def test_the_movement_table_has_a_column_per_cycle(store):
    found = calibration.calibration(store, office(store))
    exact = calibration.movement(found.reviewer_cycles, "reviewer", "exact")
    assert exact.to_dict("records") == [
        {"reviewer_id": ANN, "reviewer": "Ann Ash",
         "2023–24": "75% (4)", "2024–25": "0% (1)"},
        {"reviewer_id": BEN, "reviewer": "Ben Birch",
         "2023–24": "50% (4)", "2024–25": "0% (2)"},
        {"reviewer_id": CAL, "reviewer": "Cal Cole",
         "2023–24": "", "2024–25": "100% (5)"},
        {"reviewer_id": DEE, "reviewer": "Dee Dunn",
         "2023–24": "", "2024–25": "0% (2)"},
    ]  # fmt: skip
    kappa = calibration.movement(found.reviewer_cycles, "reviewer", "kappa")
    assert kappa.loc[2, "2024–25"] == "undefined (5)"
    together = calibration.movement(found.standard_cycles, "standard", "pair_exact")
    assert together.to_dict("records") == [
        {"code": "S1", "standard": "Quality learning",
         "2023–24": "50% (2)", "2024–25": "0% (4)"},
        {"code": "S2", "standard": "Safe schools",
         "2023–24": "67% (3)", "2024–25": "0% (1)"},
    ]  # fmt: skip


# -- flags -------------------------------------------------------------------------


def test_flags_by_default(store):
    found = calibration.calibration(store, office(store))
    assert found.reviewers["flag"].tolist() == [
        "",  # Ann: exactly 60% is not below 60%
        "exact agreement below 60%",
        "",  # Cal: kappa undefined, so judged on agreement alone
        TOO_FEW,
    ]
    assert found.standards["flag"].tolist() == [
        "exact agreement below 60%",
        "weighted kappa below 0.4",
    ]
    assert found.reviewer_flags == [
        "Ben Birch: exact agreement 33% is below the district's 60% (6 ratings "
        "compared; harsher by 0.7 levels on average)."
    ]
    assert found.standard_flags == [
        "S1 Quality learning: exact agreement 50% is below the district's 60% (10 "
        "ratings compared; harsher by 0.2 levels on average).",
        "S2 Safe schools: weighted kappa 0.31 is below the district's 0.4 (8 "
        "ratings compared; harsher by 0.5 levels on average).",
    ]
    assert found.flags.to_dict("list") == {
        "about": ["reviewer", "standard", "standard"],
        "flag": found.reviewer_flags + found.standard_flags,
    }


def set_limit(store: Store, key: str, value: float) -> None:
    actions.change_setting(store, office(store), {"key": key, "value": value})


def test_agreement_just_above_the_threshold_is_flagged(store):
    set_limit(store, "calibration_agreement_below", 0.61)
    found = calibration.calibration(store, office(store))
    assert found.reviewers.loc[0, "flag"] == "exact agreement below 61%"
    assert found.reviewer_flags[0] == (
        "Ann Ash: exact agreement 60% is below the district's 61% (5 ratings "
        "compared; more lenient by 0.4 levels on average)."
    )
    assert found.standards["flag"].tolist() == [
        "exact agreement below 61%",  # S1 at 50%; S2's 62.5% is not below
        "weighted kappa below 0.4",
    ]


def test_kappa_at_the_threshold_is_not_below_it_and_just_under_it_is(store):
    set_limit(store, "calibration_kappa_below", 17 / 22)
    found = calibration.calibration(store, office(store))
    assert found.reviewers.loc[0, "flag"] == ""
    set_limit(store, "calibration_kappa_below", 0.7728)
    found = calibration.calibration(store, office(store))
    assert found.reviewers.loc[0, "flag"] == "weighted kappa below 0.7728"
    assert found.reviewer_flags[0].startswith(
        "Ann Ash: weighted kappa 0.7727 is below the district's 0.7728"
    )


@pytest.mark.parametrize(
    ("exact", "kappa", "flag"),
    [(0.6, 0.4, ""), (0.5999, 0.4, "exact agreement below 60%"),
     (0.6, 0.3999, "weighted kappa below 0.4"), (0.6, None, ""),
     (0.1, 0.1, "exact agreement below 60%; weighted kappa below 0.4")],
)  # fmt: skip
def test_judgement_is_strictly_below_the_thresholds(exact, kappa, flag):
    limits = {"calibration_agreement_below": 0.6, "calibration_kappa_below": 0.4,
              "calibration_min_ratings": 5}  # fmt: skip
    assert calibration.judgement(5, exact, kappa, limits) == flag
    assert calibration.judgement(4, 0.0, 0.0, limits) == TOO_FEW


def test_the_minimum_number_of_ratings_decides_who_is_judged(store):
    set_limit(store, "calibration_min_ratings", 2)
    found = calibration.calibration(store, office(store))
    assert found.reviewers.loc[3, "flag"] == (
        "exact agreement below 60%; weighted kappa below 0.4"
    )
    assert found.reviewer_flags[-1] == (
        "Dee Dunn: exact agreement 0% is below the district's 60% and weighted "
        "kappa 0.00 is below the district's 0.4 (2 ratings compared; harsher by "
        "2.0 levels on average)."
    )
    set_limit(store, "calibration_min_ratings", 6)
    found = calibration.calibration(store, office(store))
    assert found.reviewers["flag"].tolist() == [
        TOO_FEW, "exact agreement below 60%", TOO_FEW, TOO_FEW
    ]  # fmt: skip


def test_the_rules_state_the_formula_and_the_districts_thresholds(store):
    set_limit(store, "calibration_min_ratings", 8)
    rules = calibration.calibration_rules(store)
    assert rules == calibration.calibration(store, office(store)).rules
    text = " ".join(rules)
    assert "kappa = 1 − Σ w·O / Σ w·E" in text
    assert "w(i, j) = (i − j)² / (k − 1)²" in text
    assert calibration.KAPPA_UNDEFINED in rules
    assert (
        "Flagged: exact agreement below 60%, or weighted kappa below 0.4, for a "
        "reviewer or standard with at least 8 ratings compared; with fewer, too "
        "few ratings to judge."
    ) in text


# -- who may see it ----------------------------------------------------------------


@pytest.mark.parametrize(
    "email", ["lead@c.sqr", "principal@c.sqr", "ann@c.sqr", "viewer@c.sqr"]
)
def test_only_the_central_office_sees_calibration(store, email):
    user = store.user_by_email(email)
    with pytest.raises(PermissionDenied, match="which is for the central office"):
        calibration.calibration(store, user)
    with pytest.raises(PermissionDenied):
        calibration.cycle_choices(store, user)


def test_signed_out_and_disabled_users_are_refused(store):
    for user in (None, store.user_by_email("gone@c.sqr")):
        with pytest.raises(PermissionDenied, match="Sign in"):
            calibration.calibration(store, user)


# -- a five-level scale ------------------------------------------------------------

FIVE_LEVELS = [*FOUR_LEVELS, (5, "Transformative")]
# Ann against the consensus on S1 of five reviews: (5,5) (4,5) (5,4) (1,1) (3,3).
# Places 0..4, nobody at level 2: d² = 0, 1, 1, 0, 0, mean 2/5. Both sides sit
# at levels 1, 3, 4, 5 once, once, once, twice; chance: sum of (i-j)² weighted
# by the counts = 45 + 13 + 12 + 42 = 112 over 25. kappa = 1 - (2/5) / (112/25)
# = 1 - 10/112 = 51/56 = 0.9107. (Over the levels rated alone, 1 3 4 5 as
# places 0..3, it would be 29/34 = 0.853: the scale's empty level counts.)
FIVE_PAIRS = [(5, 5), (4, 5), (5, 4), (1, 1), (3, 3)]
FIVE_REVIEWS = [
    (i, i, 2025, P2024, {S1: consensus}, {ANN: {S1: level}})
    for i, (level, consensus) in enumerate(FIVE_PAIRS, start=1)
]


def test_a_five_level_scale_weighs_distances_over_all_five_levels(tmp_path):
    five = Store.open(tmp_path / "five.duckdb")
    five.bulk_load(district(FIVE_REVIEWS, FIVE_LEVELS), {"is_demo": "false"})
    try:
        found = calibration.calibration(five, office(five))
        row = found.reviewers.iloc[0]
        assert (row["reviewer"], row["n"], row["exact"]) == ("Ann Ash", 5, 3 / 5)
        assert row["kappa"] == pytest.approx(51 / 56, abs=1e-12)
        assert row["kappa"] == pytest.approx(
            kappa_by_definition(FIVE_PAIRS, [1, 2, 3, 4, 5]), abs=1e-12
        )
        assert kappa_by_definition(FIVE_PAIRS, [1, 3, 4, 5]) == pytest.approx(29 / 34)
        assert row["lean"] == 0.0 and row["adjacent"] == 1.0
    finally:
        five.close()


# -- the page on the demo district -------------------------------------------------


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("calibration") / "demo.duckdb"
    build_demo_file(path, schools=24, seed=11, today=date.today())
    return str(path)


def page_as(demo_file: str, monkeypatch, email: str) -> tuple[AppTest, Store]:
    monkeypatch.setenv("SQR_TRACKER_DB", demo_file)
    demo = Store.open(demo_file)
    page = AppTest.from_file("../pages/calibration.py", default_timeout=30)
    page.session_state[DEMO_USER_KEY] = demo.user_by_email(email).id
    return page.run(), demo


OFFICE = "central.office@demo.sqr"


def test_the_page_shows_what_the_package_computed(demo_file, monkeypatch):
    page, demo = page_as(demo_file, monkeypatch, OFFICE)
    assert not page.exception
    assert page.title[0].value == "Reviewer calibration"
    found = calibration.calibration(demo, demo.user_by_email(OFFICE))
    choice = page.selectbox(key="calibration:cycle")
    assert choice.value is None
    assert choice.options[0] == "All cycles"
    assert len(choice.options) == 1 + len(found.cycles)
    reviewers, standards, by_reviewer, by_standard = (d.value for d in page.dataframe)
    pd.testing.assert_frame_equal(reviewers, found.reviewers, check_dtype=False)
    pd.testing.assert_frame_equal(standards, found.standards, check_dtype=False)
    pd.testing.assert_frame_equal(
        by_reviewer,
        calibration.movement(found.reviewer_cycles, "reviewer", "exact"),
        check_dtype=False,
    )
    pd.testing.assert_frame_equal(
        by_standard,
        calibration.movement(found.standard_cycles, "standard", "exact"),
        check_dtype=False,
    )
    shown = found.flags["flag"].head(views.WARNINGS_SHOWN)
    listed = "\n".join(f"- {plain(flag)}" for flag in shown)
    assert [w.value for w in page.warning] == ([listed] if len(shown) else [])
    assert [m.value for m in page.metric][:2] == [
        f"{found.summary['ratings_compared']:,}",
        str(found.summary["reviewers"]),
    ]
    chart = page.get("plotly_chart")
    assert len(chart) == 1
    assert len(page.get("download_button")) == 2 * (4 + (not found.flags.empty))


def test_choosing_a_figure_and_a_cycle_redraws_the_page(demo_file, monkeypatch):
    page, demo = page_as(demo_file, monkeypatch, OFFICE)
    user = demo.user_by_email(OFFICE)
    page.radio(key="calibration:figure").set_value("kappa").run()
    assert not page.exception
    found = calibration.calibration(demo, user)
    pd.testing.assert_frame_equal(
        page.dataframe[2].value,
        calibration.movement(found.reviewer_cycles, "reviewer", "kappa"),
        check_dtype=False,
    )
    year = calibration.cycle_choices(demo, user)[0]
    page.selectbox(key="calibration:cycle").set_value(year).run()
    assert not page.exception
    one = calibration.calibration(demo, user, year)
    assert len(page.dataframe) == 2
    pd.testing.assert_frame_equal(
        page.dataframe[0].value, one.reviewers, check_dtype=False
    )
    assert not page.get("plotly_chart")
    assert "Choose all cycles to see how agreement moves from cycle to cycle." in [
        c.value for c in page.caption
    ]


def test_a_network_lead_is_turned_away_by_the_page(demo_file, monkeypatch):
    page, _ = page_as(demo_file, monkeypatch, "network.lead@demo.sqr")
    assert not page.exception
    assert [e.value for e in page.error] == [
        "The page “Reviewer calibration” is not part of a Network lead's view."
    ]
    assert not page.dataframe
