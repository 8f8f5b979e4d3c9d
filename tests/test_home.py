"""What the home pages are given, and that each role is given only its share."""

from __future__ import annotations

import pytest
from conftest import SCHOOL_1_LEVELS, TODAY

from sqr_tracker import growth, home
from sqr_tracker.auth import visible_school_ids
from sqr_tracker.errors import PermissionDenied


def test_school_glance_shows_each_standard_with_both_ratings(store, people):
    glance = home.school_glance(store, people["team.a"], 1, TODAY)
    rows = glance.standards[["code", "consensus_label", "self_label", "is_focus"]]
    assert rows.values.tolist() == [
        ["S1", "Developing", "Proficient", True],
        ["S2", "Proficient", "Developing", False],
    ]
    assert glance.standards["evidence"].tolist() == [
        "moderate · 2 kinds · limited survey",
        "no evidence recorded",
    ]
    assert glance.standards["evidence_detail"][0] == (
        "2 kinds of evidence: interview, survey; interviews held, how many not "
        "recorded; limited: 10% of those invited answered (40 of 400)"
    )
    assert glance.standards["self_vs_team"].tolist() == [
        "blind spot, 1 level",
        "hidden strength, 1 level",
    ]
    assert glance.plan["open_steps"] == 1 and glance.plan["overdue_steps"] == 1
    assert str(glance.plan["last_check_in"].date()) == "2026-11-05"


def test_school_glance_refuses_another_schools_team(store, people):
    with pytest.raises(PermissionDenied):
        home.school_glance(store, people["principal.b"], 1, TODAY)
    with pytest.raises(PermissionDenied):
        home.school_glance(store, people["viewer"], 1, TODAY)


def test_a_survey_below_a_tenth_is_very_limited(store, people):
    store.rows("UPDATE evidence SET survey_respondents = 28 WHERE id = 1")
    glance = home.school_glance(store, people["principal.a"], 1, TODAY)
    assert glance.standards["evidence"][0] == "thin · 2 kinds · very limited survey"
    assert glance.standards["evidence_detail"][0].endswith(
        "very limited: 7% of those invited answered (28 of 400)"
    )


def test_each_role_sees_the_schools_of_its_scope(store, people):
    scopes = {name: visible_school_ids(store, people[name]) for name in people}
    assert scopes == {
        "principal.a": [1],
        "team.a": [1],
        "principal.b": [2],
        "team.c": [3],
        "lead.north": [1, 2],
        "lead.south": [3],
        "office": None,
        "reviewer.lead": [1, 3],
        "reviewer.team": [1],
        "reviewer.other": [],
        "viewer": [],
        "gone": [],
    }
    assert visible_school_ids(store, None) == []


def test_a_network_lead_sees_only_their_networks_plans(store, people):
    schools = home.network_overview(store, people["lead.north"], TODAY)
    assert schools["school"].tolist() == ["Alder Elementary", "Birch Middle School"]
    assert "network" not in schools.columns
    with pytest.raises(PermissionDenied):
        home.network_overview(store, people["viewer"], TODAY)


def test_district_numbers_count_the_whole_district(store, people):
    numbers = home.district_numbers(store, people["office"], TODAY)
    assert numbers.figures == {
        "Schools": 3,
        "Open goals": 1,
        "Overdue action steps": 1,
        "Open support requests": 0,
        "Checked in this month": 0,
    }
    assert numbers.reviews_by_phase.values.tolist() == [["site visit", 1]]
    assert numbers.consensus_counts[["code", "label", "schools"]].values.tolist() == [
        ["S1", "Developing", 1],
        ["S2", "Proficient", 1],
    ]


def test_the_public_story_has_published_levels_growth_and_counts_only(store, people):
    story = growth.public_story(store, people["viewer"], 1, TODAY)
    assert story.levels.to_dict("records") == SCHOOL_1_LEVELS
    assert story.year == [
        "0 milestones of the school's plan met and 0 action steps done since "
        "1 August 2026.",
        "The plan was updated in 1 month this year.",
    ]
    assert growth.public_story(store, people["viewer"], 3, TODAY).levels.empty
    with pytest.raises(PermissionDenied):
        growth.public_story(store, None, 1, TODAY)


def test_a_reviewer_sees_their_reviews_current_first(store, people):
    reviews = home.my_reviews(store, people["reviewer.lead"])
    assert reviews[["school", "cycle", "phase", "team_role"]].values.tolist() == [
        ["Alder Elementary", "2027–28", "report", "lead reviewer"],
        ["Cedar High School", "2026–27", "site visit", "lead reviewer"],
        ["Alder Elementary", "2024–25", "action planning", "lead reviewer"],
    ]
    assert home.my_reviews(store, people["reviewer.other"]).empty
    assert home.my_reviews(store, people["reviewer.team"])["team_role"].tolist() == [
        "reviewer",
        "reviewer",
    ]


def test_school_years_start_in_august():
    from datetime import date

    assert home.school_year(date(2026, 7, 31)) == 2025
    assert home.school_year(date(2026, 8, 1)) == 2026
    assert home.cycle_label(2026) == "2026–27"
