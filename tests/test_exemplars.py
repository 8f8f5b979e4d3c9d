"""Exemplars, the schools working on the same thing, the district's view and the
practice library, on a hand-built district of eight schools.

The district (every figure below is chosen so the expected results can be
worked out by hand):

  id  school                level       network  S1 (2023 → 2025)   principal
  1   Alder Elementary      elementary  North    Emerging → Develop  Ada (active)
  2   Birch Elementary      elementary  North    Proficient → Exempl Bo (active)
  3   Cedar Elementary      elementary  North    Emerging → Profic.  Cy (inactive)
  4   Dogwood Elementary    elementary  South    Developing → Prof.  Di (active)
  5   Elm Elementary        elementary  South    Developing (2023); Exemplary in
                                                 an unpublished 2026 review
  6   Hazel Middle School   middle      North    Exemplary (2025 only)  Hana
  7   Fir Middle School     middle      South    Exemplary → Exemplary  (none)
  8   Ginkgo Middle School  middle      South    no review           Gil

Context distance from Alder, in population standard deviations among the five
elementary schools (enrollment sd 52.69, low-income 0.0941, English learners
0.0483, disabilities 0.0136): Hazel and Fir (identical figures) 0.197, Cedar
0.446, Elm 0.824, Birch 0.901, Dogwood 1.909, Ginkgo 4.284. Hazel and Fir are
the closest but teach another level, so they come after the elementary schools.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from statistics import pstdev

import pandas as pd
import pytest

from sqr_tracker import actions, exemplars
from sqr_tracker.errors import InvalidInput, NotFound, PermissionDenied
from sqr_tracker.models import User
from sqr_tracker.store import Store

TODAY = date(2026, 12, 3)
ALDER, BIRCH, CEDAR, DOGWOOD, ELM, HAZEL, FIR, GINKGO = range(1, 9)
S1, S2, S3, S4 = 1, 2, 3, 4

# id, email, name, role, school_id, network_id, active
PEOPLE = [
    (1, "principal.alder@x.sqr", "Ada Alder", "principal", ALDER, None, True),
    (2, "principal.birch@x.sqr", "Bo Birch", "principal", BIRCH, None, True),
    (3, "principal.cedar@x.sqr", "Cy Cedar", "principal", CEDAR, None, False),
    (4, "principal.dogwood@x.sqr", "Di Dogwood", "principal", DOGWOOD, None, True),
    (5, "principal.elm@x.sqr", "Ed Elm", "principal", ELM, None, True),
    (6, "principal.hazel@x.sqr", "Hana Hazel", "principal", HAZEL, None, True),
    (7, "principal.ginkgo@x.sqr", "Gil Ginkgo", "principal", GINKGO, None, True),
    (8, "lead.north@x.sqr", "Nia North", "network_lead", None, 1, True),
    (9, "lead.south@x.sqr", "Sol South", "network_lead", None, 2, True),
    (10, "office@x.sqr", "Olu Office", "central_office", None, None, True),
    (11, "viewer@x.sqr", "Vic Viewer", "viewer", None, None, True),
    (12, "reviewer@x.sqr", "Rae Reviewer", "reviewer", None, None, True),
    (13, "team.alder@x.sqr", "Tia Team", "site_team", ALDER, None, True),
]

# id, name, level, network, enrollment, low-income, English learners,
# disabilities, principal
SCHOOLS = [
    (ALDER, "Alder Elementary", "elementary", 1, 400, 0.60, 0.20, 0.10, 1),
    (BIRCH, "Birch Elementary", "elementary", 1, 460, 0.52, 0.16, 0.11, 2),
    (CEDAR, "Cedar Elementary", "elementary", 1, 410, 0.62, 0.22, 0.11, 3),
    (DOGWOOD, "Dogwood Elementary", "elementary", 2, 300, 0.80, 0.30, 0.08, 4),
    (ELM, "Elm Elementary", "elementary", 2, 370, 0.58, 0.18, 0.12, 5),
    (HAZEL, "Hazel Middle School", "middle", 1, 420, 0.61, 0.20, 0.10, 6),
    (FIR, "Fir Middle School", "middle", 2, 420, 0.61, 0.20, 0.10, None),
    (GINKGO, "Ginkgo Middle School", "middle", 2, 800, 0.70, 0.25, 0.15, 7),
]

# id, school, cycle year, phase, published on
REVIEWS = [
    (1, ALDER, 2023, "complete", date(2024, 2, 1)),
    (2, ALDER, 2025, "action planning", date(2026, 2, 2)),
    (3, BIRCH, 2023, "complete", date(2024, 3, 1)),
    (4, BIRCH, 2025, "action planning", date(2026, 3, 2)),
    (5, CEDAR, 2023, "complete", date(2024, 4, 1)),
    (6, CEDAR, 2025, "action planning", date(2026, 4, 2)),
    (7, DOGWOOD, 2023, "complete", date(2024, 5, 1)),
    (8, DOGWOOD, 2025, "action planning", date(2026, 5, 2)),
    (9, ELM, 2023, "complete", date(2024, 6, 1)),
    (10, ELM, 2026, "report", None),  # not published: must never show
    (11, HAZEL, 2025, "action planning", date(2026, 6, 2)),
    (12, FIR, 2023, "complete", date(2024, 7, 1)),
    (13, FIR, 2025, "action planning", date(2026, 7, 2)),
]

# review: {standard: consensus level}
CONSENSUS = {
    1: {S1: 1, S2: 2, S3: 3},
    2: {S1: 2, S2: 2, S3: 4},
    3: {S1: 3, S2: 3},
    4: {S1: 4, S2: 4, S3: 3},
    5: {S1: 1},
    6: {S1: 3, S2: 2, S3: 2},
    7: {S1: 2},
    8: {S1: 3, S2: 2, S3: 1},
    9: {S1: 2, S2: 2},
    10: {S1: 4, S4: 4},
    11: {S1: 4, S2: 3, S3: 3},
    12: {S1: 4},
    13: {S1: 4, S2: 2},
}
# Ratings that are not the consensus and so must not count.
OTHER_RATINGS = [
    (2, S1, "self-reflection", None, 4),
    (8, S1, "self-reflection", None, 4),
    (8, S1, "reviewer", 12, 4),
]

# review, standard, strengths, areas for growth
FINDINGS = [
    (1, S1, "Morning meetings build trust.", "Lessons lack a clear purpose."),
    (2, S1, "Classrooms are calm and orderly.", "Checks for understanding are rare."),
    (
        2,
        S2,
        "Front office staff greet every visitor.",
        "Family conferences reach few homes. Newsletters go out irregularly. "
        "Translation is not offered at events.",
    ),
    (
        2,
        S3,
        "Hallways are supervised at every transition. Every class posts its "
        "routines. Coaches model calm entry.",
        "",
    ),
    (3, S1, "Worksheets are aligned to standards.", ""),
    (
        4,
        S1,
        "Teachers plan lessons together every week. "
        "Students explain their reasoning aloud.",
        "Pacing is rushed.",
    ),
    (
        4,
        S2,
        "Family nights draw most parents. Teachers call every family each month.",
        "",
    ),
    (
        6,
        S1,
        "Exit tickets guide next-day groups! Reading groups change every week? "
        "Teachers plan lessons together every week.",
        "Checks for understanding are rare.",
    ),
    (6, S2, "", "Home visits have stopped."),
    (8, S1, "Family reading bags go home weekly.", "Groups rarely change."),
    (8, S2, "", "Newsletters go out irregularly. Volunteers are hard to find."),
    (
        9,
        S2,
        "",
        "family  conferences reach few homes. Translation is NOT offered at events!!",
    ),
    (10, S1, "Quantum xylophone assemblies delight everyone.", ""),
    (10, S4, "Zephyr mentoring circles meet nightly.", "Kumquat budgeting is unclear."),
    (11, S1, "Students read aloud to younger buddies.", ""),
    (11, S2, "", "Parents rarely visit."),
]

# id, school, standard, statement, status
GOALS = [
    (1, DOGWOOD, S2, "Double conference turnout", "open"),
    (2, GINKGO, S2, "Every family hears from an advisor monthly", "open"),
    (3, HAZEL, S2, "Parents visit twice a year", "closed"),
    (4, ALDER, S2, "Reach every home each term", "open"),
]


def _frame(rows: list[tuple], columns: str) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=columns.split())


def exemplar_district() -> dict[str, pd.DataFrame]:
    """The eight schools above as the frames ``Store.bulk_load`` takes."""
    users = _frame(PEOPLE, "id email name role school_id network_id active")
    users[["school_id", "network_id"]] = users[["school_id", "network_id"]].astype(
        "Int64"
    )
    ratings = [
        (review, standard, "consensus", None, level)
        for review, levels in CONSENSUS.items()
        for standard, level in levels.items()
    ] + OTHER_RATINGS
    stamp = datetime(2026, 9, 1, 9, 0)
    return {
        "networks": _frame([(1, "North"), (2, "South")], "id name"),
        "schools": _frame(
            SCHOOLS,
            "id name level network_id enrollment pct_low_income "
            "pct_english_learners pct_disabilities principal_id",
        ).astype({"principal_id": "Int64"}),
        "users": users,
        "standards": _frame(
            [
                (S1, "S1", "Quality learning experiences", 1),
                (S2, "S2", "Family and community partnerships", 2),
                (S3, "S3", "Safe and orderly environments", 3),
                (S4, "S4", "Shared leadership", 4),
            ],
            "id code name sort_order",
        ),
        "rating_levels": _frame(
            [(1, "Emerging"), (2, "Developing"), (3, "Proficient"), (4, "Exemplary")],
            "level label",
        ),
        "reviews": _frame(
            [
                (rid, school, year, phase, date(year, 9, 1), published, 12)
                for rid, school, year, phase, published in REVIEWS
            ],
            "id school_id cycle_year phase starts_on published_on lead_reviewer_id",
        ),
        "review_focus": _frame(
            [(2, S1), (2, S2), (8, S1), (8, S2)], "review_id standard_id"
        ),
        "ratings": _frame(
            [(i, *rating) for i, rating in enumerate(ratings, start=1)],
            "id review_id standard_id rater_kind rater_id level",
        ).astype({"rater_id": "Int64"}),
        "findings": _frame(
            [(i, *finding) for i, finding in enumerate(FINDINGS, start=1)],
            "id review_id standard_id strengths areas_for_growth",
        ),
        "goals": _frame(
            [(*goal, 1, stamp) for goal in GOALS],
            "id school_id standard_id statement status created_by created_on",
        ),
    }


def open_district(path, frames: dict[str, pd.DataFrame]) -> Store:
    opened = Store.open(path)
    opened.bulk_load(frames, {"is_demo": "false"})
    return opened


@pytest.fixture
def store(tmp_path) -> Store:
    opened = open_district(tmp_path / "x.duckdb", exemplar_district())
    yield opened
    opened.close()


@pytest.fixture
def people(store: Store) -> dict[str, User]:
    """The users by email prefix (``principal.alder`` and so on)."""
    return {email.split("@")[0]: store.user_by_email(email) for _, email, *_ in PEOPLE}


def ids(table: pd.DataFrame) -> list[int]:
    return [int(i) for i in table["school_id"]]


def statements_of(found: pd.DataFrame) -> list[str]:
    return found["statement"].tolist()


# -- find_exemplars ----------------------------------------------------------------


def test_exemplars_are_the_top_rated_and_the_fast_risers_most_alike_first(
    store, people
):
    found = exemplars.find_exemplars(store, people["principal.alder"], ALDER, S1, TODAY)
    # Elementary first (Cedar 0.446 before Birch 0.901), then the middle schools
    # although they are closer (0.197), whose identical figures tie and are
    # ordered by name (Fir, id 7, before Hazel, id 6). Dogwood rose only one
    # level; Elm's Exemplary is unpublished; Alder is not its own exemplar.
    assert ids(found.table) == [CEDAR, BIRCH, FIR, HAZEL]
    table = found.table.set_index("school_id")
    assert table["rank"].tolist() == [1, 2, 3, 4]
    assert table["school"].tolist() == [
        "Cedar Elementary",
        "Birch Elementary",
        "Fir Middle School",
        "Hazel Middle School",
    ]
    assert table["rating"].tolist() == [
        "Proficient",
        "Exemplary",
        "Exemplary",
        "Exemplary",
    ]
    assert table.loc[CEDAR, "previous_rating"] == "Emerging"
    assert table.loc[BIRCH, "previous_rating"] == "Proficient"
    assert table.loc[FIR, "previous_rating"] == "Exemplary"
    assert pd.isna(table.loc[HAZEL, "previous_rating"])
    assert table["why"].to_dict() == {
        CEDAR: (
            "Proficient in the 2025–26 review, up 2 levels from Emerging in 2023–24"
        ),
        BIRCH: "Exemplary in the 2025–26 review, up from Proficient in 2023–24",
        FIR: "Exemplary in the 2025–26 review",
        HAZEL: "Exemplary in the 2025–26 review",
    }
    assert table["review_id"].tolist() == [6, 4, 13, 11]
    assert table["review_age"].to_dict() == {
        CEDAR: "published Apr 2026, 8 months ago",
        BIRCH: "published Mar 2026, 9 months ago",
        FIR: "published Jul 2026, 5 months ago",
        HAZEL: "published Jun 2026, 6 months ago",
    }
    assert table["network"].tolist() == ["North", "North", "South", "North"]
    assert found.explanation == ""
    assert found.note == ""
    assert found.school["name"] == "Alder Elementary"
    assert found.standard == {
        "id": S1,
        "code": "S1",
        "name": "Quality learning experiences",
    }
    assert found.rules == exemplars.matching_rules()


def test_the_distance_is_the_rms_of_z_scores_among_schools_of_the_level(store, people):
    found = exemplars.find_exemplars(store, people["office"], ALDER, S1, TODAY)
    figures = {row[0]: row[4:8] for row in SCHOOLS}
    elementary = [figures[s] for s in (ALDER, BIRCH, CEDAR, DOGWOOD, ELM)]
    spreads = [pstdev(column) for column in zip(*elementary, strict=True)]

    def distance(school: int) -> float:
        gaps = [
            ((theirs - ours) / spread) ** 2
            for theirs, ours, spread in zip(
                figures[school], figures[ALDER], spreads, strict=True
            )
        ]
        return round(math.sqrt(sum(gaps) / len(gaps)), 3)

    table = found.table.set_index("school_id")
    assert table["distance"].to_dict() == {
        s: distance(s) for s in (CEDAR, BIRCH, FIR, HAZEL)
    }
    assert table["distance"].to_dict() == {
        CEDAR: 0.446,
        BIRCH: 0.901,
        FIR: 0.197,
        HAZEL: 0.197,
    }
    assert table["similarity"].to_dict() == {
        CEDAR: "very similar context",
        BIRCH: "similar context",
        FIR: "another level",
        HAZEL: "another level",
    }
    assert table.loc[CEDAR, "context"] == (
        "410 students (yours 400) · 62% low-income (yours 60%) · "
        "22% English learners (yours 20%) · "
        "11% students with disabilities (yours 10%)"
    )


def test_a_distant_school_reads_a_different_context(store, people):
    found = exemplars.find_exemplars(store, people["office"], DOGWOOD, S1, TODAY)
    # From Dogwood: Cedar 1.978, Birch 2.799; the middle schools 1.982.
    assert ids(found.table) == [CEDAR, BIRCH, FIR, HAZEL]
    assert found.table["similarity"].tolist() == [
        "a less similar context",
        "a less similar context",
        "another level",
        "another level",
    ]


def test_exemplars_show_the_latest_reviews_strengths_and_whom_to_ask(store, people):
    found = exemplars.find_exemplars(store, people["office"], ALDER, S1, TODAY)
    table = found.table.set_index("school_id")
    assert table["strengths"].to_dict() == {
        CEDAR: [
            "Exit tickets guide next-day groups!",
            "Reading groups change every week?",
            "Teachers plan lessons together every week.",
        ],
        # Birch's 2023 finding ("Worksheets are aligned…") is not the latest.
        BIRCH: [
            "Teachers plan lessons together every week.",
            "Students explain their reasoning aloud.",
        ],
        FIR: [],  # its 2025 review wrote no finding on S1
        HAZEL: ["Students read aloud to younger buddies."],
    }
    assert table.loc[BIRCH, "principal"] == "Bo Birch"
    assert table.loc[BIRCH, "principal_email"] == "principal.birch@x.sqr"
    assert table.loc[HAZEL, "principal"] == "Hana Hazel"
    assert table.loc[HAZEL, "principal_email"] == "principal.hazel@x.sqr"
    # Cedar's principal is inactive; Fir has none.
    for school in (CEDAR, FIR):
        assert pd.isna(table.loc[school, "principal"])
        assert pd.isna(table.loc[school, "principal_email"])


def test_the_unpublished_review_never_shows(store, people):
    found = exemplars.find_exemplars(store, people["office"], ALDER, S1, TODAY)
    assert ELM not in ids(found.table)
    words = " ".join(s for listed in found.table["strengths"] for s in listed)
    assert "Quantum" not in words
    assert 10 not in found.table["review_id"].tolist()


def test_limit_truncates_and_ranks_stay_one_to_n(store, people):
    user = people["principal.alder"]
    two = exemplars.find_exemplars(store, user, ALDER, S1, TODAY, limit=2)
    assert ids(two.table) == [CEDAR, BIRCH]
    assert two.table["rank"].tolist() == [1, 2]
    three = exemplars.find_exemplars(store, user, ALDER, S1, TODAY, limit=3)
    assert ids(three.table) == [CEDAR, BIRCH, FIR]
    assert three.table["rank"].tolist() == [1, 2, 3]
    assert three.note == ""


def test_an_exemplary_school_is_never_its_own_exemplar(store, people):
    found = exemplars.find_exemplars(store, people["principal.birch"], BIRCH, S1, TODAY)
    # From Birch: Cedar 0.945; the middle schools 0.824, closer but of another
    # level.
    assert ids(found.table) == [CEDAR, FIR, HAZEL]
    assert found.table["similarity"].tolist() == [
        "similar context",
        "another level",
        "another level",
    ]


def test_a_school_exemplary_alone_gets_an_explanation_and_an_empty_table(store, people):
    # Only Alder itself is Exemplary on S3, and nobody rose two levels on it.
    found = exemplars.find_exemplars(store, people["principal.alder"], ALDER, S3, TODAY)
    assert found.table.empty
    assert list(found.table.columns) == exemplars._COLUMNS
    assert found.explanation == (
        "No other school's latest review rated S3 Exemplary, and none rose 2 "
        "levels or more on it between its last two reviews. The practice library "
        "can still search what reviews found strong."
    )
    assert found.note == ""


def test_a_standard_no_published_review_rated_has_its_own_explanation(store, people):
    # S4 is rated (Exemplary) only in Elm's unpublished review.
    found = exemplars.find_exemplars(store, people["principal.alder"], ALDER, S4, TODAY)
    assert found.table.empty
    assert found.explanation == (
        "No published review has rated S4 yet, so no school can show it."
    )
    other = exemplars.find_exemplars(store, people["principal.alder"], ALDER, S3, TODAY)
    assert found.explanation != other.explanation


def test_a_note_when_only_schools_of_another_level_qualify(store, people):
    found = exemplars.find_exemplars(
        store, people["principal.ginkgo"], GINKGO, S2, TODAY
    )
    assert ids(found.table) == [BIRCH]
    assert found.note == (
        "No other middle school qualifies; these schools teach other levels."
    )
    assert found.explanation == ""
    assert found.table["why"].tolist() == [
        "Exemplary in the 2025–26 review, up from Proficient in 2023–24"
    ]
    assert found.table["strengths"].tolist() == [
        ["Family nights draw most parents.", "Teachers call every family each month."]
    ]


def test_a_level_of_two_schools_is_measured_against_the_whole_district(tmp_path):
    frames = exemplar_district()
    frames["schools"] = frames["schools"][frames["schools"]["id"] != GINKGO]
    frames["users"] = frames["users"][frames["users"]["id"] != 7]
    frames["goals"] = frames["goals"][frames["goals"]["school_id"] != GINKGO]
    two = open_district(tmp_path / "x.duckdb", frames)
    try:
        office = two.user_by_email("office@x.sqr")
        found = exemplars.find_exemplars(two, office, HAZEL, S1, TODAY)
    finally:
        two.close()
    figures = {row[0]: row[4:8] for row in SCHOOLS if row[0] != GINKGO}
    spreads = [pstdev(column) for column in zip(*figures.values(), strict=True)]

    def distance(school: int) -> float:
        gaps = [
            ((theirs - ours) / spread) ** 2
            for theirs, ours, spread in zip(
                figures[school], figures[HAZEL], spreads, strict=True
            )
        ]
        return round(math.sqrt(sum(gaps) / len(gaps)), 3)

    # Fir shares Hazel's figures; Cedar (0.510) is closer than Birch (0.960).
    assert ids(found.table) == [FIR, CEDAR, BIRCH]
    assert found.table["distance"].tolist() == [
        distance(FIR),
        distance(CEDAR),
        distance(BIRCH),
    ]
    assert found.table["distance"].tolist() == [0.0, 0.51, 0.96]


def test_outcome_figures_do_not_change_the_order(tmp_path):
    frames = exemplar_district()
    ratings = frames["ratings"]
    consensus = ratings["rater_kind"] == "consensus"

    def set_level(review: int, standard: int, level: int) -> None:
        row = consensus & (ratings["review_id"] == review)
        ratings.loc[row & (ratings["standard_id"] == standard), "level"] = level

    set_level(3, S1, 1)  # Birch: Emerging → Proficient, grown by two
    set_level(4, S1, 3)
    set_level(5, S1, 4)  # Cedar: Exemplary → Exemplary, top-rated
    set_level(6, S1, 4)
    set_level(12, S1, 2)  # Fir: Developing → Exemplary
    frames["measures"] = _frame(
        [(1, "attendance", "Attendance rate", "%", True, "monthly")],
        "id code name unit higher_is_better frequency",
    )
    # Outcomes that would reverse the order were they used: the farthest
    # schools have the best attendance.
    attendance = {CEDAR: 0.71, BIRCH: 0.85, FIR: 0.97, HAZEL: 0.99, ALDER: 0.80}
    frames["measure_values"] = _frame(
        [
            (school, 1, date(2026, month, 1), "all", value, 400)
            for school, value in attendance.items()
            for month in (9, 10, 11)
        ],
        "school_id measure_id period student_group value group_size",
    )
    changed = open_district(tmp_path / "x.duckdb", frames)
    try:
        office = changed.user_by_email("office@x.sqr")
        found = exemplars.find_exemplars(changed, office, ALDER, S1, TODAY)
        assert ids(found.table) == [CEDAR, BIRCH, FIR, HAZEL]
        assert found.table.set_index("school_id")["why"].to_dict() == {
            CEDAR: "Exemplary in the 2025–26 review",
            BIRCH: "Proficient in the 2025–26 review, up 2 levels from Emerging "
            "in 2023–24",
            FIR: "Exemplary in the 2025–26 review, up 2 levels from Developing "
            "in 2023–24",
            HAZEL: "Exemplary in the 2025–26 review",
        }
        assert changed.value("SELECT count(*) FROM measure_values") == 15
    finally:
        changed.close()


def test_exemplars_refuse_whom_the_school_is_not_theirs(store, people):
    with pytest.raises(PermissionDenied):
        exemplars.find_exemplars(store, people["principal.alder"], BIRCH, S1, TODAY)
    with pytest.raises(PermissionDenied):
        exemplars.find_exemplars(store, people["viewer"], ALDER, S1, TODAY)
    with pytest.raises(PermissionDenied):
        exemplars.find_exemplars(store, None, ALDER, S1, TODAY)
    with pytest.raises(PermissionDenied):
        exemplars.find_exemplars(store, people["lead.south"], ALDER, S1, TODAY)
    # The North lead follows Alder.
    north = exemplars.find_exemplars(store, people["lead.north"], ALDER, S1, TODAY)
    assert ids(north.table) == [CEDAR, BIRCH, FIR, HAZEL]


def test_an_unknown_standard_is_not_found(store, people):
    with pytest.raises(NotFound, match="No standard with id 99"):
        exemplars.find_exemplars(store, people["office"], ALDER, 99, TODAY)


# -- choosing the standard --------------------------------------------------------


def test_the_weakest_focus_standard_is_chosen(store, people):
    office = people["office"]
    # Dogwood's focus: S1 Proficient, S2 Developing; S3 (Emerging) is no focus.
    assert exemplars.weakest_focus_standard(store, office, DOGWOOD) == (
        S2,
        "Chosen for you: S2, the focus standard rated lowest in the school's "
        "2025–26 review (Developing).",
    )
    # Alder's focus standards tie at Developing: the first in district order.
    assert exemplars.weakest_focus_standard(store, office, ALDER) == (
        S1,
        "Chosen for you: S1, the focus standard rated lowest in the school's "
        "2025–26 review (Developing).",
    )


def test_without_focus_the_weakest_rated_standard_is_chosen(store, people):
    assert exemplars.weakest_focus_standard(store, people["office"], BIRCH) == (
        S3,
        "Chosen for you: S3, the standard rated lowest in the school's 2025–26 "
        "review (Proficient).",
    )


def test_without_a_published_review_no_standard_is_chosen(store, people):
    assert exemplars.weakest_focus_standard(
        store, people["principal.ginkgo"], GINKGO
    ) == (None, "This school has no published review yet: choose a standard.")
    with pytest.raises(PermissionDenied):
        exemplars.weakest_focus_standard(store, people["principal.alder"], GINKGO)


def test_standard_choices_are_the_published_rated_standards(store, people):
    assert exemplars.standard_choices(store, people["viewer"]) == {
        S1: "S1 · Quality learning experiences",
        S2: "S2 · Family and community partnerships",
        S3: "S3 · Safe and orderly environments",
    }
    assert exemplars.standard_id_of(store, " s2 ") == S2
    with pytest.raises(NotFound, match="the codes are S1, S2, S3, S4"):
        exemplars.standard_id_of(store, "S9")


# -- working on the same -----------------------------------------------------------


def test_schools_working_on_the_same_standard(store, people):
    same = exemplars.working_on_the_same(store, people["principal.alder"], ALDER, S2)
    assert same.explanation == ""
    # Elm shares two of Alder's areas (written in other case, spacing and
    # punctuation); Dogwood shares one and has a goal; Ginkgo (no review) has a
    # goal; Cedar shares none and has none. Hazel (Proficient, closed goal),
    # Fir (Developing, no area for growth) and Birch (Exemplary) are left out.
    assert ids(same.table) == [ELM, DOGWOOD, GINKGO, CEDAR]
    table = same.table.set_index("school_id")
    assert table["shared"].to_dict() == {
        ELM: [
            "family  conferences reach few homes.",
            "Translation is NOT offered at events!!",
        ],
        DOGWOOD: ["Newsletters go out irregularly."],
        GINKGO: [],
        CEDAR: [],
    }
    assert table["reasons"].to_dict() == {
        ELM: "shares 2 areas for growth with you; its latest review named it an "
        "area for growth",
        DOGWOOD: "shares 1 area for growth with you; has 1 open goal on this "
        "standard; its latest review named it an area for growth",
        GINKGO: "has 1 open goal on this standard",
        CEDAR: "its latest review named it an area for growth",
    }
    assert table["goals"].to_dict() == {
        ELM: [],
        DOGWOOD: ["Double conference turnout"],
        GINKGO: ["Every family hears from an advisor monthly"],
        CEDAR: [],
    }
    assert table.loc[ELM, "rating"] == "Developing"
    assert pd.isna(table.loc[GINKGO, "rating"])
    assert table.loc[DOGWOOD, "principal"] == "Di Dogwood"
    assert table.loc[GINKGO, "principal_email"] == "principal.ginkgo@x.sqr"
    assert pd.isna(table.loc[CEDAR, "principal"])  # inactive principal


def test_a_closed_goal_alone_does_not_count(store, people):
    same = exemplars.working_on_the_same(store, people["office"], ALDER, S2)
    assert HAZEL not in ids(same.table)
    # Hazel's S2 is Proficient; with its goal reopened it would be included.
    store.rows("UPDATE goals SET status = 'open' WHERE id = 3")
    again = exemplars.working_on_the_same(store, people["office"], ALDER, S2)
    assert HAZEL in ids(again.table)
    assert again.table.set_index("school_id").loc[HAZEL, "reasons"] == (
        "has 1 open goal on this standard"
    )


def test_nobody_working_on_the_same_is_explained(store, people):
    # S4 is named an area for growth only in Elm's unpublished review.
    same = exemplars.working_on_the_same(store, people["principal.alder"], ALDER, S4)
    assert same.table.empty
    assert same.explanation == (
        "No other school has an open goal on S4 or named it an area for growth "
        "in its latest review."
    )
    with pytest.raises(PermissionDenied):
        exemplars.working_on_the_same(store, people["principal.alder"], BIRCH, S2)


# -- the district's view -----------------------------------------------------------


def _counts(table: pd.DataFrame) -> dict[str, tuple[int, int, int]]:
    return {
        row.code: (row.struggling, row.exemplars, row.no_peer)
        for row in table.itertuples()
    }


def test_the_district_view_counts_for_the_central_office(store, people):
    view = exemplars.district_view(store, people["office"])
    # S1: Alder and Elm struggle; Birch, Cedar, Hazel and Fir are exemplars.
    # S2: five struggle; Birch is the only exemplar, an elementary school, so
    #     Fir (middle) has no peer of its level.
    # S3: Cedar and Dogwood struggle; Alder is the exemplar.
    # S4 was rated only in an unpublished review.
    assert _counts(view) == {"S1": (2, 4, 0), "S2": (5, 1, 1), "S3": (2, 1, 0)}
    assert view["code"].tolist() == ["S1", "S2", "S3"]


def test_a_network_lead_counts_only_their_networks_struggling_schools(store, people):
    north = exemplars.district_view(store, people["lead.north"])
    assert _counts(north) == {"S1": (1, 4, 0), "S2": (2, 1, 0), "S3": (1, 1, 0)}
    south = exemplars.district_view(store, people["lead.south"])
    assert _counts(south) == {"S1": (1, 4, 0), "S2": (3, 1, 1), "S3": (1, 1, 0)}


def test_a_principal_may_not_see_the_district_view(store, people):
    for who in ("principal.alder", "viewer", "reviewer", "team.alder"):
        with pytest.raises(PermissionDenied):
            exemplars.district_view(store, people[who])
    with pytest.raises(PermissionDenied):
        exemplars.district_view(store, None)


# -- the practice library ----------------------------------------------------------


def test_a_plural_in_the_query_finds_a_singular_in_the_text(store, people):
    found = exemplars.search_practices(store, people["viewer"], "families")
    # Equal scores for the two six-word statements: the newer review first.
    assert statements_of(found) == [
        "Family nights draw most parents.",
        "Family reading bags go home weekly.",
        "Teachers call every family each month.",
    ]
    assert found["matched"].tolist() == ["family"] * 3
    assert found["code"].tolist() == ["S2", "S1", "S2"]


def test_a_plural_in_es_finds_its_singular_and_back(store, people):
    viewer = people["viewer"]
    # "classes" and "coaches" are plurals just as "families" is.
    assert statements_of(exemplars.search_practices(store, viewer, "classes")) == [
        "Every class posts its routines."
    ]
    assert statements_of(exemplars.search_practices(store, viewer, "coach")) == [
        "Coaches model calm entry."
    ]


def test_an_ing_query_finds_the_verb_it_is_made_of(store, people):
    # "-ing endings dropped": "planning" should find "plan", as "reading"
    # finds "read".
    found = exemplars.search_practices(store, people["viewer"], "planning")
    assert statements_of(found) == ["Teachers plan lessons together every week."]


def test_search_filters_by_standard(store, people):
    viewer = people["viewer"]
    assert statements_of(
        exemplars.search_practices(store, viewer, "families", standard_id=S1)
    ) == ["Family reading bags go home weekly."]
    assert statements_of(
        exemplars.search_practices(store, viewer, "families", standard_id=S2)
    ) == ["Family nights draw most parents.", "Teachers call every family each month."]
    assert exemplars.search_practices(store, viewer, "families", standard_id=S3).empty


def test_a_statement_matching_two_words_ranks_above_one_matching_one(store, people):
    found = exemplars.search_practices(store, people["viewer"], "reading families")
    assert statements_of(found) == [
        "Family reading bags go home weekly.",
        "Reading groups change every week?",
        "Family nights draw most parents.",
        "Students read aloud to younger buddies.",
        "Teachers call every family each month.",
    ]
    assert found["matched"].tolist() == [
        "family, read",
        "read",
        "family",
        "read",
        "family",
    ]
    scores = found["score"].tolist()
    assert scores[0] > scores[1] == scores[2] > scores[3] == scores[4]


def test_one_statement_written_by_two_schools_is_one_result(store, people):
    found = exemplars.search_practices(store, people["viewer"], "plan lessons together")
    assert statements_of(found) == ["Teachers plan lessons together every week."]
    assert found["schools"].iloc[0] == [
        {
            "school_id": CEDAR,
            "school": "Cedar Elementary",
            "review_id": 6,
            "cycle_year": 2025,
            "cycle": "2025–26",
        },
        {
            "school_id": BIRCH,
            "school": "Birch Elementary",
            "review_id": 4,
            "cycle_year": 2025,
            "cycle": "2025–26",
        },
    ]
    assert exemplars.where_written(found["schools"].iloc[0]) == (
        "Cedar Elementary (2025–26 review); Birch Elementary (2025–26 review)"
    )


def test_nothing_from_an_unpublished_review_is_ever_found(store, people):
    viewer = people["viewer"]
    for words in ("quantum xylophone", "assemblies delight", "zephyr", "kumquat"):
        assert exemplars.search_practices(store, viewer, words).empty
    everything = exemplars.search_practices(store, viewer, "", limit=100)
    assert not everything["statement"].str.contains("Quantum|Zephyr").any()
    assert all(
        school["review_id"] != 10
        for listed in everything["schools"]
        for school in listed
    )


def test_no_words_with_a_standard_gives_the_newest_statements(store, people):
    found = exemplars.search_practices(store, people["viewer"], "", standard_id=S1)
    assert statements_of(found) == [
        "Students read aloud to younger buddies.",  # Hazel, Jun 2026
        "Family reading bags go home weekly.",  # Dogwood, May 2026
        "Exit tickets guide next-day groups!",  # Cedar, Apr 2026
        "Reading groups change every week?",
        "Teachers plan lessons together every week.",
        "Students explain their reasoning aloud.",  # Birch, Mar 2026
        "Classrooms are calm and orderly.",  # Alder, Feb 2026
        "Worksheets are aligned to standards.",  # Birch, Mar 2024
        "Morning meetings build trust.",  # Alder, Feb 2024
    ]
    assert found["score"].isna().all()
    limited = exemplars.search_practices(
        store, people["viewer"], "", standard_id=S1, limit=2
    )
    assert statements_of(limited) == statements_of(found)[:2]


def test_stop_words_alone_match_nothing(store, people):
    assert exemplars.search_practices(store, people["viewer"], "the and of").empty


def test_searching_needs_a_signed_in_user(store, people):
    assert not exemplars.search_practices(store, people["viewer"], "family").empty
    with pytest.raises(PermissionDenied):
        exemplars.search_practices(store, None, "family")


# -- another school's review -------------------------------------------------------


def test_a_published_reviews_strengths_may_be_read(store, people):
    school, strengths = exemplars.review_strengths(store, people["viewer"], 6)
    assert school["name"] == "Cedar Elementary"
    assert strengths["code"].tolist() == ["S1"]
    assert strengths["consensus_label"].tolist() == ["Proficient"]


def test_an_unpublished_reviews_strengths_are_refused(store, people):
    for who in ("viewer", "principal.alder", "office"):
        with pytest.raises(PermissionDenied, match="not published yet"):
            exemplars.review_strengths(store, people[who], 10)
    with pytest.raises(PermissionDenied):
        exemplars.review_strengths(store, None, 6)


# -- peer visits -------------------------------------------------------------------


def _request_count(store: Store) -> int:
    return store.value("SELECT count(*) FROM support_requests")


def test_a_visit_request_is_saved_with_its_kind_and_peer(store, people):
    need = exemplars.visit_need(
        "Cedar Elementary", {"code": "S1", "name": "Quality learning experiences"}
    )
    assert need == (
        "We would like to visit Cedar Elementary to see their work on S1 "
        "(Quality learning experiences) and talk with their team."
    )
    visit = actions.request_support(
        store,
        people["principal.alder"],
        {"school_id": ALDER, "need": need, "kind": "visit", "peer_school_id": CEDAR},
    )
    # A plain support request is not a peer request.
    actions.request_support(
        store, people["team.alder"], {"school_id": ALDER, "need": "A coach"}
    )
    saved = store.row("support_requests", visit)
    assert (saved["kind"], saved["peer_school_id"]) == ("visit", CEDAR)
    own = store.support_requests_of(ALDER).set_index("id")
    assert own.loc[visit, "kind"] == "visit"
    assert own.loc[visit, "peer_school"] == "Cedar Elementary"

    requests = exemplars.peer_requests(store, people["office"])
    assert requests["id"].tolist() == [visit]
    row = requests.iloc[0]
    assert (row["school_id"], row["school"]) == (ALDER, "Alder Elementary")
    assert (row["kind"], row["peer_school_id"]) == ("visit", CEDAR)
    assert row["peer_school"] == "Cedar Elementary"
    assert row["need"] == need
    assert row["requested_by"] == "Ada Alder"
    assert row["status"] == "open"
    # Alder is in the North network.
    assert exemplars.peer_requests(store, people["lead.north"])["id"].tolist() == [
        visit
    ]
    assert exemplars.peer_requests(store, people["lead.south"]).empty
    assert exemplars.peer_requests(store, people["principal.birch"]).empty


def test_a_pairing_request_is_a_peer_request_too(store, people):
    pairing = actions.request_support(
        store,
        people["team.alder"],
        {
            "school_id": ALDER,
            "need": "Pair our teams",
            "kind": "pairing",
            "peer_school_id": HAZEL,
        },
    )
    requests = exemplars.peer_requests(store, people["principal.alder"])
    assert requests["id"].tolist() == [pairing]
    assert requests["kind"].tolist() == ["pairing"]
    assert requests["peer_school"].tolist() == ["Hazel Middle School"]


def test_bad_visit_requests_are_refused_and_nothing_is_stored(store, people):
    alder = people["principal.alder"]
    base = {"school_id": ALDER, "need": "See their work", "kind": "visit"}
    with pytest.raises(InvalidInput) as missing:
        actions.request_support(store, alder, base)
    assert missing.value.problems == {"form": "a visit needs the peer school"}
    assert "peer school" in str(missing.value)

    with pytest.raises(InvalidInput) as itself:
        actions.request_support(store, alder, {**base, "peer_school_id": ALDER})
    assert itself.value.problems == {
        "form": "a school cannot visit or pair with itself"
    }

    with pytest.raises(InvalidInput) as unknown:
        actions.request_support(store, alder, {**base, "peer_school_id": 99})
    assert unknown.value.problems == {"peer_school_id": "no school with id 99"}

    with pytest.raises(PermissionDenied):
        actions.request_support(
            store, people["lead.north"], {**base, "peer_school_id": CEDAR}
        )
    with pytest.raises(PermissionDenied):
        actions.request_support(
            store, alder, {**base, "school_id": BIRCH, "peer_school_id": CEDAR}
        )
    assert _request_count(store) == 0
    assert exemplars.peer_requests(store, people["office"]).empty


def test_a_plain_support_request_names_no_peer_school(store, people):
    principal = people["principal.alder"]
    with pytest.raises(InvalidInput) as refused:
        actions.request_support(
            store,
            principal,
            {"school_id": ALDER, "need": "Help", "peer_school_id": BIRCH},
        )
    assert refused.value.problems == {
        "form": "only a visit or a pairing names a peer school"
    }
    assert store.value("SELECT count(*) FROM support_requests") == 0
