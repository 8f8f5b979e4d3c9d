"""Evidence strength and self vs team, on a hand-built district of five schools,
and on the school home and growth pages of the demo district.

The district (ratings are self-reflection / consensus; S1.1 is a sub-standard
of S1; levels 1 Emerging to 4 Exemplary):

  review  school    cycle    S1     S1.1   S2     S3     S4   mean gap (top-level)
  1       Alder     2021–22  3/1           2/2    1/2         3/3 = 1
  2       Alder     2024–25  3/2    4/2    3/3    2/3         2/3: closer
  3       Alder     2027–28  1/4   (not published: never counted)
  4       Birch     2021–22  2/2           3/2                1/2
  5       Birch     2024–25  3/2           2/2    2/3    2/2  2/4: as close
  6       Cedar     2024–25  2/3                              one review only
  7       Dogwood   2024–25  -/4   (no self-reflection)
  8       Elm       2021–22  2/2                              0/1
  9       Elm       2024–25  3/2           1/2                2/2: further apart

Alder, Birch and Cedar are in the North network, Dogwood and Elm in the South.
Had S1.1 counted in Alder's 2024–25 mean gap, it would be 4/4 = 1, as close as
before: a school is compared on its top-level standards only.

The evidence behind review 2 (Alder's latest): S1 rests on two interviews (3
with students, 1 with staff), 12 of 30 classrooms observed and a family survey
answered by 96 of 400 (24%, limited): three kinds, moderate. S2 on a document,
data, 30 of 30 classrooms and a student survey answered by 300 of 400: four
kinds, strong. S3 on two interviews with families: one kind, thin. Review 1's S1
has a staff survey that invited nobody; Birch's latest S1 a family survey
answered by 39 of 400 (very limited, so thin despite four kinds); Dogwood's S1
(Exemplary) an observation, a document and data: strong.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from sqr_tracker import actions, evidence, exemplars, growth, home, views
from sqr_tracker.config import SETTINGS_DEFAULTS
from sqr_tracker.demo import build_demo_file
from sqr_tracker.errors import NotFound, PermissionDenied
from sqr_tracker.session import DEMO_USER_KEY
from sqr_tracker.store import Store

TODAY = date(2026, 12, 3)
LIMITS = dict(SETTINGS_DEFAULTS)
ALDER, BIRCH, CEDAR, DOGWOOD, ELM = range(1, 6)
S1, S2, S3, S4, S1_1 = 1, 2, 3, 4, 5

# id, email, name, role, school_id, network_id
PEOPLE = [
    (1, "ada@x.sqr", "Ada Alder", "principal", ALDER, None),
    (2, "bo@x.sqr", "Bo Birch", "principal", BIRCH, None),
    (3, "cy@x.sqr", "Cy Cedar", "principal", CEDAR, None),
    (4, "nia@x.sqr", "Nia North", "network_lead", None, 1),
    (5, "sol@x.sqr", "Sol South", "network_lead", None, 2),
    (6, "olu@x.sqr", "Olu Office", "central_office", None, None),
    (7, "vic@x.sqr", "Vic Viewer", "viewer", None, None),
    (8, "rae@x.sqr", "Rae Reviewer", "reviewer", None, None),
    (9, "rex@x.sqr", "Rex Reviewer", "reviewer", None, None),
    (10, "tia@x.sqr", "Tia Team", "site_team", ALDER, None),
]
# id, name, level, network, enrollment, low-income, English learners,
# disabilities, principal
SCHOOLS = [
    (ALDER, "Alder Elementary", "elementary", 1, 400, 0.60, 0.20, 0.10, 1),
    (BIRCH, "Birch Elementary", "elementary", 1, 460, 0.52, 0.16, 0.11, 2),
    (CEDAR, "Cedar Elementary", "elementary", 1, 410, 0.62, 0.22, 0.11, 3),
    (DOGWOOD, "Dogwood Elementary", "elementary", 2, 300, 0.80, 0.30, 0.08, None),
    (ELM, "Elm Elementary", "elementary", 2, 370, 0.58, 0.18, 0.12, None),
]
# id, school, cycle year, phase, published on, lead reviewer
REVIEWS = [
    (1, ALDER, 2021, "complete", date(2022, 3, 1), 8),
    (2, ALDER, 2024, "action planning", date(2025, 3, 1), 9),
    (3, ALDER, 2027, "report", None, 8),
    (4, BIRCH, 2021, "complete", date(2022, 3, 2), 8),
    (5, BIRCH, 2024, "action planning", date(2025, 3, 2), 8),
    (6, CEDAR, 2024, "action planning", date(2025, 3, 3), 8),
    (7, DOGWOOD, 2024, "action planning", date(2025, 3, 4), 8),
    (8, ELM, 2021, "complete", date(2022, 3, 5), 8),
    (9, ELM, 2024, "action planning", date(2025, 3, 5), 8),
]
# review: {standard: (self-reflection, consensus)}
RATINGS = {
    1: {S1: (3, 1), S2: (2, 2), S3: (1, 2)},
    2: {S1: (3, 2), S2: (3, 3), S3: (2, 3), S1_1: (4, 2)},
    3: {S1: (1, 4)},
    4: {S1: (2, 2), S2: (3, 2)},
    5: {S1: (3, 2), S2: (2, 2), S3: (2, 3), S4: (2, 2)},
    6: {S1: (2, 3)},
    7: {S1: (None, 4)},
    8: {S1: (2, 2)},
    9: {S1: (3, 2), S2: (1, 2)},
}
# id, review, standard
FINDINGS = [(1, 2, S1), (2, 2, S2), (3, 2, S3), (4, 1, S1), (5, 5, S1), (6, 7, S1),
            (7, 3, S1)]  # fmt: skip
# finding, source, interviews held, group interviewed, classrooms observed of
# how many, group surveyed, respondents of how many invited
EVIDENCE = [
    (1, "interview", 3, "students", None, None, None, None, None),
    (1, "interview", 1, "staff", None, None, None, None, None),
    (1, "observation", None, None, 12, 30, None, None, None),
    (1, "survey", None, None, None, None, "families", 96, 400),
    (2, "document", None, None, None, None, None, None, None),
    (2, "data", None, None, None, None, None, None, None),
    (2, "observation", None, None, 30, 30, None, None, None),
    (2, "survey", None, None, None, None, "students", 300, 400),
    (3, "interview", 2, "families", None, None, None, None, None),
    (3, "interview", 2, "families", None, None, None, None, None),
    (4, "self-reflection", None, None, None, None, None, None, None),
    (4, "document", None, None, None, None, None, None, None),
    (4, "survey", None, None, None, None, "staff", 0, 0),
    (5, "interview", 5, "students", None, None, None, None, None),
    (5, "observation", None, None, 10, 20, None, None, None),
    (5, "document", None, None, None, None, None, None, None),
    (5, "survey", None, None, None, None, "families", 39, 400),
    (6, "observation", None, None, 8, 24, None, None, None),
    (6, "data", None, None, None, None, None, None, None),
    (6, "document", None, None, None, None, None, None, None),
    (7, "survey", None, None, None, None, "families", 200, 400),
]
COUNTS = ["interviews_held", "classrooms_observed", "classrooms_total",
          "survey_respondents", "survey_invited"]  # fmt: skip


def _frame(rows: list[tuple], columns: str) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=columns.split())


def evidence_district() -> dict[str, pd.DataFrame]:
    """The five schools above as the frames ``Store.bulk_load`` takes."""
    users = _frame(PEOPLE, "id email name role school_id network_id")
    users["active"] = True
    users[["school_id", "network_id"]] = users[["school_id", "network_id"]].astype(
        "Int64"
    )
    ratings = [
        (review, standard, kind, level)
        for review, levels in RATINGS.items()
        for standard, pair in levels.items()
        for kind, level in zip(("self-reflection", "consensus"), pair, strict=True)
        if level is not None
    ]
    items = _frame(
        [(i, *item) for i, item in enumerate(EVIDENCE, start=1)],
        "id finding_id source interviews_held interviewed_group "
        "classrooms_observed classrooms_total survey_group survey_respondents "
        "survey_invited",
    )
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
                (S1, "S1", "Quality learning experiences", 1, None),
                (S2, "S2", "Family and community partnerships", 2, None),
                (S3, "S3", "Safe and orderly environments", 3, None),
                (S4, "S4", "Shared leadership", 4, None),
                (S1_1, "S1.1", "Rigorous instruction", 1, S1),
            ],
            "id code name sort_order parent_id",
        ).astype({"parent_id": "Int64"}),
        "rating_levels": _frame(
            [(1, "Emerging"), (2, "Developing"), (3, "Proficient"), (4, "Exemplary")],
            "level label",
        ),
        "reviews": _frame(
            [
                (rid, school, year, phase, date(year, 9, 1), published, lead)
                for rid, school, year, phase, published, lead in REVIEWS
            ],
            "id school_id cycle_year phase starts_on published_on lead_reviewer_id",
        ),
        "review_team": _frame(
            [(3, 8, "lead"), (2, 9, "lead")], "review_id user_id team_role"
        ),
        "ratings": _frame(
            [(i, *rating) for i, rating in enumerate(ratings, start=1)],
            "id review_id standard_id rater_kind level",
        ),
        "findings": _frame(FINDINGS, "id review_id standard_id"),
        "evidence": items.astype({column: "Int64" for column in COUNTS}),
    }


@pytest.fixture
def store(tmp_path) -> Store:
    opened = Store.open(tmp_path / "evidence.duckdb")
    opened.bulk_load(evidence_district(), {"is_demo": "false"})
    yield opened
    opened.close()


@pytest.fixture
def people(store: Store) -> dict:
    """The district's users by the name before the @."""
    return {email.split("@")[0]: store.user_by_email(email) for _, email, *_ in PEOPLE}


# -- proportion words and percentages ----------------------------------------------


@pytest.mark.parametrize(
    ("part", "whole", "word"),
    [
        (1, 1, "all"),
        (999, 1000, "almost all"),
        (9, 10, "almost all"),
        (8999, 10000, "most"),
        (3, 4, "most"),
        (7499, 10000, "a majority"),
        (5001, 10000, "a majority"),
        (1, 2, "half"),
        (4999, 10000, "less than half"),
        (1, 4, "less than half"),
        (2499, 10000, "few"),
        (1, 10000, "few"),
        (0, 5, "none"),
    ],
)
def test_each_proportion_word_holds_from_its_cut_point(part, whole, word):
    assert evidence.proportion_word(part, whole) == word


def test_the_proportion_rules_name_every_cut_point():
    assert evidence.proportion_rules() == [
        "all: every one (100%)",
        "almost all: 90% or more",
        "most: 75% or more, under 90%",
        "a majority: more than 50%, under 75%",
        "half: exactly 50%",
        "less than half: 25% or more, under 50%",
        "few: more than none, under 25%",
        "none: 0%",
    ]


@pytest.mark.parametrize(("part", "whole"), [(1, 0), (3, 2), (-1, 2)])
def test_a_part_that_is_no_share_of_its_whole_is_refused(part, whole):
    with pytest.raises(ValueError):
        evidence.proportion_word(part, whole)


def test_percentages_round_down_to_a_tenth():
    assert [
        evidence.percent(*pair)
        for pair in [(96, 400), (999, 10000), (1, 3), (2, 3), (30, 30), (0, 7)]
    ] == ["24%", "9.9%", "33.3%", "66.6%", "100%", "0%"]


# -- surveys -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answered", "invited", "warning", "sentence"),
    [
        (40, 400, "limited", "limited: 10% of families answered (40 of 400)"),
        (999, 10000, "very limited",
         "very limited: 9.9% of families answered (999 of 10000)"),
        (120, 400, "", "30% of families answered (120 of 400)"),
        (299, 1000, "limited", "limited: 29.9% of families answered (299 of 1000)"),
        (0, 0, "no rate", "no response rate: the survey of families invited nobody"),
        (None, 400, "no rate", "no response rate: the survey of families does not "
         "record how many were invited and answered"),
    ],
)  # fmt: skip
def test_a_surveys_warning_follows_the_district_thresholds(
    answered, invited, warning, sentence
):
    assert evidence.survey_warning(answered, invited, LIMITS) == warning
    assert evidence.survey_sentence("families", answered, invited, warning) == sentence


def test_a_survey_without_a_group_names_those_invited():
    assert evidence.survey_sentence(None, 96, 400, "limited") == (
        "limited: 24% of those invited answered (96 of 400)"
    )
    assert evidence.survey_sentence(None, 0, 0, "no rate") == (
        "no response rate: a survey invited nobody"
    )


def test_the_thresholds_a_district_sets_are_the_ones_applied(store, people):
    actions.change_setting(
        store, people["olu"], {"key": "survey_limited_below", "value": 0.24}
    )
    found = evidence.school_evidence(store, people["ada"], ALDER)
    assert found.standards["strength"].tolist()[:1] == ["strong"]
    assert found.standards["sentences"][0][-1] == "24% of families answered (96 of 400)"
    assert "under 24% it is limited" in found.rules[1]


# -- strength ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kinds", "warnings", "strength"),
    [
        (0, [], "none"),
        (1, [], "thin"),
        (1, [""], "thin"),
        (2, [], "moderate"),
        (2, ["very limited"], "thin"),
        (3, [], "strong"),
        (3, [""], "strong"),
        (3, ["limited"], "moderate"),
        (3, ["no rate"], "moderate"),
        (5, ["", "very limited"], "thin"),
    ],
)
def test_strength_follows_the_stated_rule(kinds, warnings, strength):
    assert evidence.strength_of(kinds, warnings) == strength


def test_a_district_may_ask_for_more_kinds_before_evidence_is_strong():
    assert evidence.strength_of(3, [], strong_kinds=4) == "moderate"
    assert evidence.strength_of(4, [], strong_kinds=4) == "strong"


def test_the_latest_reviews_evidence_in_sentences(store, people):
    found = evidence.school_evidence(store, people["tia"], ALDER)
    assert found.review == {
        "id": 2, "school_id": ALDER, "cycle_year": 2024,
        "published_on": date(2025, 3, 1),
    }  # fmt: skip
    rows = found.standards[["code", "rating", "strength", "sources", "sentences"]]
    assert rows.values.tolist() == [
        ["S1", "Developing", "moderate", ["interview", "observation", "survey"], [
            "3 kinds of evidence: interview, observation, survey",
            "4 interviews with students, staff",
            "classrooms observed: 12 of 30 (40%)",
            "limited: 24% of families answered (96 of 400)",
        ]],
        ["S2", "Proficient", "strong", ["observation", "document", "data", "survey"], [
            "4 kinds of evidence: observation, document, data, survey",
            "classrooms observed: 30 of 30 (100%)",
            "75% of students answered (300 of 400)",
        ]],
        ["S3", "Proficient", "thin", ["interview"], [
            "1 kind of evidence: interview",
            "4 interviews with families",
        ]],
        ["S4", None, "none", [], ["no evidence recorded"]],
    ]  # fmt: skip
    assert found.standards["survey_warnings"].tolist() == [
        ["limited: 24% of families answered (96 of 400)"],
        [],
        [],
        [],
    ]
    assert found.standards["surveys"][1] == [
        {"group": "students", "respondents": 300, "invited": 400, "rate": 0.75,
         "warning": ""}
    ]  # fmt: skip
    assert found.summary == (
        "In the 2024–25 review the evidence is strong for less than half of the 3 "
        "standards rated (1 of 3); moderate for 1 and thin for 1."
    )


def test_triangulation_counts_each_source_once():
    items = pd.DataFrame(
        {
            "review_id": [1] * 4,
            "standard_id": [1] * 4,
            "source": ["interview", "interview", "interview", "document"],
            "interviews_held": [1, 2, 3, None],
            "interviewed_group": ["staff", "students", "staff", None],
            **{column: [None] * 4 for column in COUNTS[1:]},
            "survey_group": [None] * 4,
        }
    )
    found = evidence.summarise(items, LIMITS).iloc[0]
    assert (found["kinds"], found["sources"]) == (2, ["interview", "document"])
    assert found["sentences"] == [
        "2 kinds of evidence: interview, document",
        "6 interviews with staff, students",
    ]
    assert found["strength"] == "moderate"


def test_a_survey_that_invited_nobody_has_no_rate_and_keeps_evidence_moderate(
    store, people
):
    found = evidence.school_evidence(store, people["ada"], ALDER, review_id=1)
    first = found.standards.iloc[0]
    assert first["sentences"] == [
        "3 kinds of evidence: self-reflection, document, survey",
        "no response rate: the survey of staff invited nobody",
    ]
    assert first["strength"] == "moderate"
    assert first["surveys"] == [
        {"group": "staff", "respondents": 0, "invited": 0, "rate": None,
         "warning": "no rate"}
    ]  # fmt: skip


def test_a_very_limited_survey_makes_evidence_thin_whatever_else(store, people):
    found = evidence.school_evidence(store, people["bo"], BIRCH)
    first = found.standards.iloc[0]
    assert (first["kinds"], first["strength"]) == (4, "thin")
    assert first["survey_warnings"] == [
        "very limited: 9.7% of families answered (39 of 400)"
    ]


# -- where a rating is shown -------------------------------------------------------


def test_the_schools_glance_shows_evidence_and_self_vs_team(store, people):
    glance = home.school_glance(store, people["ada"], ALDER, TODAY)
    rows = glance.standards[["code", "self_vs_team", "evidence"]].values.tolist()
    assert rows == [
        ["S1", "blind spot, 1 level",
         "moderate · 3 kinds · limited survey"],
        ["S2", "agreed", "strong · 4 kinds"],
        ["S3", "hidden strength, 1 level", "thin · 1 kind"],
        ["S4", "", "no evidence recorded"],
    ]  # fmt: skip
    assert glance.standards["evidence_detail"][2] == (
        "1 kind of evidence: interview; 4 interviews with families"
    )


def test_an_exemplar_card_says_how_strong_the_evidence_behind_its_rating_is(
    store, people
):
    found = exemplars.find_exemplars(store, people["ada"], ALDER, S1, TODAY)
    assert found.table[["school", "evidence"]].values.tolist() == [
        ["Dogwood Elementary", "Evidence behind this rating: strong (3 kinds of "
         "evidence: observation, document, data)"],
    ]  # fmt: skip


def test_the_public_summary_gives_the_strength_word_and_no_counts(store, people):
    story = growth.public_story(store, people["vic"], ALDER, TODAY)
    assert story.levels[["code", "evidence"]].values.tolist() == [
        ["S1", "moderate"], ["S2", "strong"], ["S3", "thin"],
    ]  # fmt: skip
    shown = story.levels.to_string() + " ".join(story.words + story.year)
    assert "families" not in shown and "400" not in shown


# -- who may read it ---------------------------------------------------------------


def test_a_principal_of_another_school_is_refused(store, people):
    with pytest.raises(PermissionDenied, match="only for their own school"):
        evidence.school_evidence(store, people["bo"], ALDER)
    with pytest.raises(PermissionDenied):
        evidence.school_self_gap(store, people["bo"], ALDER)
    with pytest.raises(PermissionDenied):
        evidence.review_evidence(store, people["bo"], 2)
    with pytest.raises(PermissionDenied):
        evidence.school_evidence(store, people["vic"], ALDER)


def test_an_unpublished_review_is_read_by_its_team_only(store, people):
    found = evidence.review_evidence(store, people["rae"], 3)
    assert found.review["published_on"] is None
    assert found.standards["sentences"][0][-1] == (
        "50% of families answered (200 of 400)"
    )
    # The central office reads it too; the school not before publication, and
    # a reviewer who is not on the team not at all.
    assert evidence.review_evidence(store, people["olu"], 3).review["id"] == 3
    with pytest.raises(PermissionDenied, match="not published yet"):
        evidence.review_evidence(store, people["ada"], 3)
    with pytest.raises(PermissionDenied, match="only for reviews they are assigned"):
        evidence.review_evidence(store, people["rex"], 3)


def test_a_review_of_another_school_is_not_found(store, people):
    with pytest.raises(NotFound, match="Review 4 is not a review of school 1"):
        evidence.school_evidence(store, people["olu"], ALDER, review_id=4)
    with pytest.raises(NotFound, match="No review with id 99"):
        evidence.school_evidence(store, people["olu"], ALDER, review_id=99)


# -- self vs team ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("own", "team", "word", "words"),
    [
        (3, 2, "blind spot", "blind spot, 1 level"),
        (4, 1, "blind spot", "blind spot, 3 levels"),
        (1, 3, "hidden strength", "hidden strength, 2 levels"),
        (2, 2, "agreed", "agreed"),
        (None, 2, "", ""),
    ],
)
def test_a_standards_gap_is_named_with_its_size(own, team, word, words):
    assert evidence.gap_word(own, team) == word
    assert evidence.gap_words(own, team) == words


def test_a_school_whose_gap_shrank_came_closer_on_its_top_level_standards(
    store, people
):
    gap = evidence.school_self_gap(store, people["ada"], ALDER)
    assert gap.by_review[["cycle", "standards", "total_gap"]].values.tolist() == [
        ["2021–22", 3, 3],
        ["2024–25", 3, 2],
    ]
    assert gap.trend == "closer"
    assert gap.sentence == (
        "Closer than in 2021–22: in the 2024–25 review the school's "
        "self-reflection was a mean 0.67 levels from the team's ratings, down "
        "from 1.00."
    )
    assert evidence.gap_table(gap).values.tolist() == [
        ["S1", "Quality learning experiences", "blind spot, 2 levels",
         "blind spot, 1 level"],
        ["S2", "Family and community partnerships", "agreed", "agreed"],
        ["S3", "Safe and orderly environments", "hidden strength, 1 level",
         "hidden strength, 1 level"],
    ]  # fmt: skip
    assert evidence.mean_gap_words(gap.by_review) == (
        "Mean gap, in levels: 2021–22 1.00 · 2024–25 0.67"
    )


def test_equal_mean_gaps_over_different_standards_are_as_close(store, people):
    gap = evidence.school_self_gap(store, people["bo"], BIRCH)
    assert gap.trend == "as close"
    assert gap.sentence == (
        "As close as in 2021–22: in the 2024–25 review the school's "
        "self-reflection was a mean 0.50 levels from the team's ratings, the "
        "same as then."
    )


def test_a_wider_gap_is_further_apart_and_one_review_cannot_tell(store, people):
    office = people["olu"]
    assert evidence.school_self_gap(store, office, ELM).sentence == (
        "Further apart than in 2021–22: in the 2024–25 review the school's "
        "self-reflection was a mean 1.00 levels from the team's ratings, up from "
        "0.00."
    )
    cedar = evidence.school_self_gap(store, office, CEDAR)
    assert (cedar.trend, cedar.sentence) == (
        "",
        "Only one review holds both ratings so far: in the 2024–25 review the "
        "school's self-reflection was a mean 1.00 levels from the team's ratings. "
        "The next review will show whether the two come closer.",
    )
    dogwood = evidence.school_self_gap(store, office, DOGWOOD)
    assert dogwood.gaps.empty and dogwood.by_review.empty
    assert dogwood.sentence == (
        "No published review holds both the school's self-reflection and the "
        "team's ratings yet."
    )


def test_the_district_counts_blind_spots_and_schools_that_came_closer(store, people):
    view = evidence.district_self_gap(store, people["olu"])
    assert view.table[
        ["code", "reviews", "blind_spots", "hidden_strengths", "agreed"]
    ].values.tolist() == [
        ["S1", 7, 4, 1, 2],
        ["S1.1", 1, 1, 0, 0],
        ["S2", 5, 1, 1, 3],
        ["S3", 3, 0, 3, 0],
        ["S4", 1, 0, 0, 1],
    ]
    assert view.table["self_higher_share"][0] == pytest.approx(4 / 7)
    assert (view.schools, view.closer, view.further, view.as_close) == (3, 1, 1, 1)
    assert view.sentence == (
        "Less than half of the 3 schools with two reviews to compare came closer to "
        "the team's view between them (1 of 3, 33.3%); 1 drifted further apart and "
        "1 stayed as close."
    )


def test_a_network_lead_sees_their_networks_schools_only(store, people):
    view = evidence.district_self_gap(store, people["nia"])
    assert view.table[["code", "reviews", "blind_spots"]].values.tolist()[0] == [
        "S1", 5, 3
    ]  # fmt: skip
    assert view.sentence == (
        "Half of the 2 schools with two reviews to compare came closer to the "
        "team's view between them (1 of 2, 50%); 0 drifted further apart and 1 "
        "stayed as close."
    )


@pytest.mark.parametrize("name", ["ada", "tia", "rae", "vic"])
def test_the_district_view_is_for_the_central_office_and_network_leads(
    store, people, name
):
    user = people[name]
    with pytest.raises(PermissionDenied) as refused:
        evidence.district_self_gap(store, user)
    assert str(refused.value) == (
        f"A {user.role.label.lower()} cannot compare self-reflections across "
        "schools: that is for the central office and network leads."
    )


def test_no_school_to_compare_says_so():
    assert evidence.narrowing_sentence(0, 0, 0, 0) == (
        "No school has two published reviews holding both its self-reflection and "
        "the team's ratings yet, so none can be said to come closer."
    )


# -- the pages of the demo district ------------------------------------------------


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    build_demo_file(path, schools=24, seed=11, today=date.today())
    return str(path)


def page_as(demo_file: str, monkeypatch, page: str, email: str):
    monkeypatch.setenv("SQR_TRACKER_DB", demo_file)
    demo = Store.open(demo_file)
    user = demo.user_by_email(email)
    app = AppTest.from_file(f"../pages/{page}", default_timeout=30)
    app.session_state[DEMO_USER_KEY] = user.id
    return app.run(), demo, user


def test_the_school_home_shows_evidence_and_self_vs_team(demo_file, monkeypatch):
    page, demo, user = page_as(
        demo_file, monkeypatch, "school_home.py", "principal@demo.sqr"
    )
    assert not page.exception
    review = demo.latest_published_review(user.school_id)
    expected = evidence.review_standards(demo, int(review["id"]))
    table = page.dataframe[0].value
    assert list(table.columns) == [
        "code", "standard", "consensus_label", "self_label", "self_vs_team",
        "evidence",
    ]  # fmt: skip
    assert list(table["evidence"]) == list(expected["line"])
    assert list(table["self_vs_team"]) == list(expected["self_vs_team"])
    assert {line.split(" · ")[0] for line in table["evidence"]} <= {
        "strong", "moderate", "thin", "no evidence recorded"
    }  # fmt: skip
    captions = [c.value for c in page.caption]
    first = expected.iloc[0]
    detail = f"Evidence ({first['strength']}): {'; '.join(first['sentences'])}"
    assert views.plain(detail) in captions


def test_the_growth_page_shows_evidence_and_the_school_beside_the_team(
    demo_file, monkeypatch
):
    page, demo, user = page_as(
        demo_file, monkeypatch, "growth.py", "principal@demo.sqr"
    )
    assert not page.exception
    found = evidence.school_evidence(demo, user, user.school_id)
    assert "How strong is the evidence?" in [e.label for e in page.expander]
    markdown = [m.value for m in page.markdown]
    assert views.plain(found.summary) in markdown
    first = found.standards.iloc[0]
    assert any(
        m.startswith(f"**{first['code']}**")
        and f"evidence **{first['strength']}**" in m
        for m in markdown
    )
    assert "The school's self-reflection beside the team's" in [
        h.value for h in page.subheader
    ]
    gap = evidence.school_self_gap(demo, user, user.school_id)
    assert views.plain(gap.sentence) in markdown
    tables = [d.value for d in page.dataframe]
    assert any(t.equals(evidence.gap_table(gap)) for t in tables)


def test_the_public_summary_page_shows_the_strength_word(demo_file, monkeypatch):
    page, demo, user = page_as(
        demo_file, monkeypatch, "summaries.py", "viewer@demo.sqr"
    )
    assert not page.exception
    table = page.dataframe[0].value
    assert set(table["evidence"]) <= {"strong", "moderate", "thin", "none", ""}
    assert evidence.strength_legend() in [c.value for c in page.caption]


def test_the_quick_strengths_agree_with_the_full_reading_finding_by_finding():
    """evidence.strengths (for views of many schools) judges as summarise does:
    one kind, several, a very limited survey, a limited one, one without a
    rate, and a strong finding."""
    rows = [  # review, standard, source, respondents, invited
        (1, 1, "interview", None, None),
        (1, 2, "interview", None, None), (1, 2, "document", None, None),
        (1, 2, "data", None, None),
        (1, 3, "document", None, None), (1, 3, "data", None, None),
        (1, 3, "survey", 9, 100),
        (2, 1, "document", None, None), (2, 1, "data", None, None),
        (2, 1, "survey", 29, 100),
        (2, 2, "document", None, None), (2, 2, "data", None, None),
        (2, 2, "survey", 0, 0),
        (2, 3, "document", None, None), (2, 3, "data", None, None),
        (2, 3, "survey", 30, 100),
        (3, 1, None, None, None),
    ]  # fmt: skip
    items = pd.DataFrame(
        rows,
        columns=["review_id", "standard_id", "source", "survey_respondents",
                 "survey_invited"],
    ).assign(
        interviews_held=None, interviewed_group=None, classrooms_observed=None,
        classrooms_total=None, survey_group="families",
    )  # fmt: skip
    quick = evidence.strengths(items, LIMITS)
    assert quick.values.tolist() == [
        [1, 1, "thin"], [1, 2, "strong"], [1, 3, "thin"],
        [2, 1, "moderate"], [2, 2, "moderate"], [2, 3, "strong"], [3, 1, "none"],
    ]  # fmt: skip
    full = evidence.summarise(items, LIMITS)
    assert full[["review_id", "standard_id", "strength"]].values.tolist() == (
        quick.values.tolist()
    )
