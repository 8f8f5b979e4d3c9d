"""Do the ratings mean something? On a hand-built district of fourteen schools,
then the page on the demo district.

Schools 1 to 7 are in North, 8 to 14 in South. Schools 1 to 13 have a review
published on 1 Mar 2026 (their latest) and an older one published 1 Mar 2023
that rated every school Exemplary on S1; school 1 also has an unpublished 2026
review rating it Exemplary. School 14 has no published review.

Latest consensus on S1, schools 1 to 12: 1 1 1 2 2 2 3 3 3 4 4 4 (school 13: 1).
Every school is Developing on S2.

Attendance rate (all students), in the 12 months up to 1 Mar 2026:
  school 1: 1 Mar 2025 (10, on the bound: left out), 1 Apr 2025 (80),
            1 Mar 2026 (82, on the day: kept), 1 Apr 2026 (99, after): mean 81
  school 2: 1 Sep 2025 (87); 1 Oct 2025 (0, 9 students: left out); a
            low-income value of 0 (not all students)
  school 3: 1 Sep 2025 (89) and 1 Oct 2025 (89, exactly 10 students: kept)
  schools 4 to 12: 1 Sep 2025, 85 + their outcome's rank (88, 90, 91, ... 97)
  school 13: 1 Sep 2025 (99, 8 students): no outcome, so not counted
The outcomes' ranks over schools 1 to 12 are 1 2 4 3 5 6 7 8 9 10 11 12
(schools 3 and 4 swapped). The ratings' average ranks are 2 2 2 5 5 5 8 8 8
11 11 11. Pearson on the ranks: the deviations' cross sum is 132, the squared
sums 135 and 143, so rho = 132 / sqrt(135 * 143) = 0.9500.
Suspension rate (lower is better) has the same ranks: rho is the same, against
the good direction.

Self-reflection on S1 (latest reviews of schools 1 to 8) minus the consensus:
+1 +1 0 -1 0 +2 0 0: 8 compared, 4 differ, 3 higher, gaps sum to 5.
On S2 (schools 9 to 12): 0 +1 0 0. The unpublished review's self-reflection
(4 against 4) and school 13's self-reflection without a consensus on S2 do not
count.
"""

from __future__ import annotations

import json
import math
from datetime import date

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from sqr_tracker import desk_views, evidence, validity
from sqr_tracker.demo import build_demo_file
from sqr_tracker.errors import PermissionDenied
from sqr_tracker.session import DEMO_USER_KEY
from sqr_tracker.store import Store

S1, S2 = 1, 2
ATTENDANCE, SUSPENSION = 1, 2
PUBLISHED = date(2026, 3, 1)
S1_LEVELS = [1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 1]
OUTCOME_RANKS = [1, 2, 4, 3, 5, 6, 7, 8, 9, 10, 11, 12]
RHO = 132 / math.sqrt(135 * 143)
SELF_S1 = {1: 2, 2: 2, 3: 1, 4: 1, 5: 2, 6: 4, 7: 3, 8: 3}
SELF_S2 = {9: 2, 10: 3, 11: 2, 12: 2}

PEOPLE = [
    (1, "office@v.sqr", "Olu Office", "central_office", None, None),
    (2, "lead.north@v.sqr", "Nia North", "network_lead", None, 1),
    (3, "principal@v.sqr", "Ada Alder", "principal", 1, None),
    (4, "reviewer@v.sqr", "Rae Reviewer", "reviewer", None, None),
]


def _frame(rows: list[tuple], columns: str) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=columns.split())


def _reviews() -> tuple[list[tuple], list[tuple]]:
    """Reviews and their ratings: id, school, cycle, published; and ratings."""
    reviews, ratings = [], []

    def rate(review: int, standard: int, kind: str, level: int) -> None:
        ratings.append((len(ratings) + 1, review, standard, kind, level))

    for school in range(1, 14):
        old, latest = 2 * school - 1, 2 * school
        reviews.append((old, school, 2022, date(2023, 3, 1)))
        reviews.append((latest, school, 2025, PUBLISHED))
        rate(old, S1, "consensus", 4)
        rate(latest, S1, "consensus", S1_LEVELS[school - 1])
        if school <= 12:
            rate(latest, S2, "consensus", 2)
        if school in SELF_S1:
            rate(latest, S1, "self-reflection", SELF_S1[school])
        if school in SELF_S2:
            rate(latest, S2, "self-reflection", SELF_S2[school])
    rate(26, S2, "self-reflection", 4)  # school 13: no consensus on S2
    reviews.append((27, 1, 2026, None))  # unpublished
    rate(27, S1, "consensus", 4)
    rate(27, S1, "self-reflection", 4)
    reviews.append((28, 14, 2026, None))
    rate(28, S1, "consensus", 2)
    return reviews, ratings


def _values() -> list[tuple]:
    """school, measure, period, group, value, size."""
    total = "All students"
    rows = [
        (1, ATTENDANCE, date(2025, 3, 1), total, 10.0, 300),
        (1, ATTENDANCE, date(2025, 4, 1), total, 80.0, 300),
        (1, ATTENDANCE, date(2026, 3, 1), total, 82.0, 300),
        (1, ATTENDANCE, date(2026, 4, 1), total, 99.0, 300),
        (2, ATTENDANCE, date(2025, 10, 1), total, 0.0, 9),
        (2, ATTENDANCE, date(2025, 9, 1), "Low-income", 0.0, 200),
        (3, ATTENDANCE, date(2025, 10, 1), total, 89.0, 10),
        (13, ATTENDANCE, date(2025, 9, 1), total, 99.0, 8),
        (14, ATTENDANCE, date(2025, 9, 1), total, 50.0, 300),
    ]
    for school, rank in enumerate(OUTCOME_RANKS, start=1):
        if school > 1:
            rows.append((school, ATTENDANCE, date(2025, 9, 1), total, 85.0 + rank, 300))
        rows.append((school, SUSPENSION, date(2025, 8, 1), total, float(rank), 300))
    return rows


def validity_district() -> dict[str, pd.DataFrame]:
    reviews, ratings = _reviews()
    users = _frame(PEOPLE, "id email name role school_id network_id")
    users[["school_id", "network_id"]] = users[["school_id", "network_id"]].astype(
        "Int64"
    )
    return {
        "networks": _frame([(1, "North"), (2, "South")], "id name"),
        "schools": _frame(
            [
                (
                    i,
                    f"School {i:02d}",
                    "elementary",
                    1 if i <= 7 else 2,
                    400,
                    0.5,
                    0.2,
                    0.1,
                )
                for i in range(1, 15)
            ],
            "id name level network_id enrollment pct_low_income "
            "pct_english_learners pct_disabilities",
        ),  # fmt: skip
        "users": users,
        "standards": _frame(
            [(S1, "S1", "Quality learning", 1), (S2, "S2", "Safe schools", 2)],
            "id code name sort_order",
        ),
        "rating_levels": _frame(
            [(1, "Emerging"), (2, "Developing"), (3, "Proficient"), (4, "Exemplary")],
            "level label",
        ),
        "reviews": _frame(
            [(i, s, y, "complete", date(y, 9, 1), p) for i, s, y, p in reviews],
            "id school_id cycle_year phase starts_on published_on",
        ),
        "ratings": _frame(ratings, "id review_id standard_id rater_kind level"),
        "measures": _frame(
            [
                (
                    ATTENDANCE,
                    "attendance_rate",
                    "Attendance rate",
                    "%",
                    True,
                    "monthly",
                ),
                (
                    SUSPENSION,
                    "suspension_rate",
                    "Suspension rate",
                    "%",
                    False,
                    "yearly",
                ),
            ],
            "id code name unit higher_is_better frequency",
        ),  # fmt: skip
        "measure_values": _frame(
            _values(), "school_id measure_id period student_group value group_size"
        ),
    }


@pytest.fixture
def store(tmp_path) -> Store:
    opened = Store.open(tmp_path / "validity.duckdb")
    opened.bulk_load(validity_district(), {"is_demo": "false"})
    yield opened
    opened.close()


def person(store: Store, prefix: str):
    return store.user_by_email(f"{prefix}@v.sqr")


# -- ratings and outcomes ----------------------------------------------------------


def test_rho_is_spearmans_over_the_latest_ratings_and_the_windowed_outcomes(store):
    found = validity.ratings_and_outcomes(store, person(store, "office"), S1, 1)
    assert found.n == 12
    assert found.rho == pytest.approx(RHO, abs=1e-12)
    assert round(RHO, 4) == 0.9500
    assert found.words == (
        "Spearman's rho +0.95 across 12 schools: a strong relation, in the "
        "measure's good direction: schools rated higher on S1 tend to have a "
        "higher attendance rate."
    )
    points = found.points
    assert list(points.columns) == validity.POINT_COLUMNS
    assert points["school"].tolist() == [f"School {i:02d}" for i in range(1, 13)]
    assert points["rating"].tolist() == S1_LEVELS[:12]
    assert points["rating_label"].tolist()[:4] == [
        "Emerging",
        "Emerging",
        "Emerging",
        "Developing",
    ]
    assert points["outcome"].tolist() == [81.0, 87.0, 89.0, 88.0] + [
        85.0 + rank for rank in OUTCOME_RANKS[4:]
    ]
    assert points["periods"].tolist() == [2, 1, 2] + [1] * 9
    assert points["network"].tolist() == ["North"] * 7 + ["South"] * 5


def test_small_groups_and_periods_outside_the_window_are_left_out(store):
    found = validity.ratings_and_outcomes(store, person(store, "office"), S1, 1)
    by_school = found.points.set_index("school")
    # School 13's only value is of 8 students; school 14 has no published review
    assert "School 13" not in by_school.index
    assert "School 14" not in by_school.index
    # 9 students left out, exactly 10 kept; 12 months before is out, the day in
    assert by_school.loc["School 02", "outcome"] == 87.0
    assert by_school.loc["School 03", "periods"] == 2
    assert by_school.loc["School 01", "outcome"] == 81.0


def test_a_measure_where_lower_is_better_reads_against_the_good_direction(store):
    found = validity.ratings_and_outcomes(store, person(store, "office"), S1, 2)
    assert found.rho == pytest.approx(RHO, abs=1e-12)
    assert found.words == (
        "Spearman's rho +0.95 across 12 schools: a strong relation, against the "
        "measure's good direction: schools rated higher on S1 tend to have a "
        "higher suspension rate."
    )


def test_when_every_rating_is_the_same_there_is_no_relation_to_measure(store):
    found = validity.ratings_and_outcomes(store, person(store, "office"), S2, 1)
    assert found.n == 12
    assert found.rho is None
    assert found.words == (
        "No relation can be measured across 12 schools: their ratings on S2, or "
        "their values of attendance rate, are all the same."
    )


def test_a_network_lead_compares_their_networks_schools_and_too_few_says_so(store):
    found = validity.ratings_and_outcomes(store, person(store, "lead.north"), S1, 1)
    assert found.points["school"].tolist() == [f"School {i:02d}" for i in range(1, 8)]
    assert found.n == 7
    assert found.rho is None
    assert found.words == (
        "Too few schools to say: 7 have both a consensus rating on S1 and values "
        "of attendance rate, and a correlation needs at least 10."
    )


@pytest.mark.parametrize("who", ["principal", "reviewer"])
def test_schools_and_reviewers_do_not_compare_schools(store, who):
    with pytest.raises(PermissionDenied):
        validity.ratings_and_outcomes(store, person(store, who), S1, 1)
    with pytest.raises(PermissionDenied):
        validity.self_team_disagreement(store, person(store, who))
    with pytest.raises(PermissionDenied):
        validity.trust_matrix(store, person(store, who))


@pytest.mark.parametrize(
    ("rho", "word"),
    [(0.0999, "no"), (-0.1, "weak"), (0.2999, "weak"), (0.3, "moderate"),
     (-0.4999, "moderate"), (0.5, "strong"), (-1.0, "strong")],
)  # fmt: skip
def test_the_strength_words_change_at_the_stated_bounds(rho, word):
    assert validity.strength_of(rho) == word


# -- self-reflection and the team --------------------------------------------------


def test_disagreement_shares_per_standard_are_exact(store):
    table = validity.self_team_disagreement(store, person(store, "office"))
    assert list(table.columns) == validity.DISAGREEMENT_COLUMNS
    assert table.to_dict("records") == [
        {"code": "S1", "standard": "Quality learning", "reviews": 8,
         "differ_share": 0.5, "self_higher_share": 0.375, "mean_gap": 0.625},
        {"code": "S2", "standard": "Safe schools", "reviews": 4,
         "differ_share": 0.25, "self_higher_share": 0.25, "mean_gap": 0.25},
    ]  # fmt: skip


def test_a_network_lead_sees_disagreement_in_their_network_only(store):
    table = validity.self_team_disagreement(store, person(store, "lead.north"))
    assert table["code"].tolist() == ["S1"]
    row = table.iloc[0]
    assert row["reviews"] == 7
    assert row["differ_share"] == pytest.approx(4 / 7)
    assert row["self_higher_share"] == pytest.approx(3 / 7)
    assert row["mean_gap"] == pytest.approx(5 / 7)


# -- every standard and measure ----------------------------------------------------


def test_the_matrix_gives_rho_and_n_for_every_standard_and_measure(store):
    matrix = validity.trust_matrix(store, person(store, "office"))
    assert list(matrix.columns) == validity.MATRIX_COLUMNS
    cells = matrix.set_index(["code", "measure"])
    assert cells["n"].to_dict() == {
        ("S1", "Attendance rate"): 12,
        ("S1", "Suspension rate"): 12,
        ("S2", "Attendance rate"): 12,
        ("S2", "Suspension rate"): 12,
    }
    assert cells.loc[("S1", "Attendance rate"), "rho"] == pytest.approx(RHO)
    assert cells.loc[("S1", "Suspension rate"), "direction"] == "against"
    assert cells.loc[("S1", "Attendance rate"), "direction"] == "good"
    assert (
        cells.loc[("S2", "Attendance rate"), "rho"]
        != cells.loc[("S2", "Attendance rate"), "rho"]
    )  # NaN: no spread
    table = validity.matrix_table(matrix)
    assert table.to_dict("records") == [
        {"measure": "Attendance rate", "better": "higher",
         "S1": "+0.95 (12)", "S2": "no spread (12)"},
        {"measure": "Suspension rate", "better": "lower",
         "S1": "+0.95 (12)", "S2": "no spread (12)"},
    ]  # fmt: skip
    # turned so that + means schools rated higher do better on the measure
    agreement = validity.matrix_agreement(matrix).set_index("measure")
    assert list(agreement.columns) == ["better", "S1", "S2"]
    assert agreement.loc["Attendance rate", "S1"] == pytest.approx(RHO)
    assert agreement.loc["Suspension rate", "S1"] == pytest.approx(-RHO)
    assert agreement["S2"].isna().all()


def test_the_matrix_of_a_network_lead_has_too_few_schools(store):
    matrix = validity.trust_matrix(store, person(store, "lead.north"))
    assert matrix["n"].tolist() == [7, 7, 7, 7]
    assert matrix["rho"].isna().all()
    assert set(validity.matrix_table(matrix).iloc[:, 2:].stack()) == {"too few (7)"}


# -- the page on the demo district -------------------------------------------------


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("validity") / "demo.duckdb"
    build_demo_file(path, schools=24, seed=11, today=date.today())
    return str(path)


def page_as(demo_file: str, monkeypatch, email: str) -> tuple[AppTest, Store]:
    monkeypatch.setenv("SQR_TRACKER_DB", demo_file)
    demo = Store.open(demo_file)
    page = AppTest.from_file("../pages/rating_validity.py", default_timeout=30)
    page.session_state[DEMO_USER_KEY] = demo.user_by_email(email).id
    return page.run(), demo


@pytest.mark.parametrize("email", ["central.office@demo.sqr", "network.lead@demo.sqr"])
def test_the_page_shows_what_the_package_computed(demo_file, monkeypatch, email):
    page, demo = page_as(demo_file, monkeypatch, email)
    assert not page.exception
    assert page.title[0].value == "Do the ratings mean something?"
    user = demo.user_by_email(email)
    standards, measures = validity.choices(demo, user)
    standard = page.selectbox(key="validity:standard")
    measure = page.selectbox(key="validity:measure")
    assert standard.options == list(standards.values())
    assert measure.options == list(measures.values())
    relation = validity.ratings_and_outcomes(demo, user, standard.value, measure.value)
    assert relation.words in [c.value for c in page.caption]
    # the chart is the figure the package lays out, on a rerun as at first
    want = json.loads(desk_views.relation_figure(relation).to_json())
    for shown in (page, page.run()):
        charts = shown.get("plotly_chart")
        assert [json.loads(chart.proto.spec) for chart in charts] == [want]
    points, disagreement, blind_spots, matrix = (d.value for d in page.dataframe)
    pd.testing.assert_frame_equal(points, relation.points, check_dtype=False)
    pd.testing.assert_frame_equal(
        disagreement, validity.self_team_disagreement(demo, user), check_dtype=False
    )
    expected = validity.matrix_table(validity.trust_matrix(demo, user))
    pd.testing.assert_frame_equal(matrix, expected, check_dtype=False)
    assert list(matrix.columns) == ["measure", "better"] + [
        f"S{i}" for i in range(1, 7)
    ]
    counted = evidence.district_self_gap(demo, user).table
    pd.testing.assert_frame_equal(
        blind_spots,
        counted[["code", "standard", "reviews", *evidence.COUNT_COLUMNS]],
        check_dtype=False,
    )
    assert len(page.get("download_button")) == 8


def test_choosing_another_measure_redraws_the_relation(demo_file, monkeypatch):
    page, demo = page_as(demo_file, monkeypatch, "central.office@demo.sqr")
    user = demo.user_by_email("central.office@demo.sqr")
    page.selectbox(key="validity:measure").set_value(3).run()
    assert not page.exception
    relation = validity.ratings_and_outcomes(demo, user, 1, 3)
    assert relation.n == 24
    assert relation.words in [c.value for c in page.caption]
    assert relation.words.startswith("Spearman's rho ")
