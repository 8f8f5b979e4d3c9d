"""Growth across reviews on hand-built histories, and the year's work."""

from __future__ import annotations

import json
from datetime import datetime

import pandas as pd
import pytest
from conftest import SCHOOL_1_LEVELS, TODAY

from sqr_tracker import actions, evidence, growth
from sqr_tracker.errors import InvalidInput, PermissionDenied

LABELS = {1: "Emerging", 2: "Developing", 3: "Proficient", 4: "Exemplary"}


def history(rows: list[tuple[int, str, int | None]]) -> pd.DataFrame:
    """(cycle year, standard code, consensus level) as ratings_by_review gives."""
    names = {"S1": "Learning", "S2": "Safety", "S3": "Community"}
    return pd.DataFrame(
        [
            {
                "cycle_year": year,
                "code": code,
                "standard": names[code],
                "sort_order": int(code[1]),
                "consensus": level,
            }
            for year, code, level in rows
        ]
    )


def test_changes_are_measured_from_the_review_before():
    story = growth.growth_of(
        history(
            [
                (2018, "S1", 1),
                (2021, "S1", 2),
                (2024, "S1", 4),
                (2018, "S2", 3),
                (2021, "S2", 3),
                (2024, "S2", 2),
                (2018, "S3", 2),
                (2021, "S3", 3),
                (2024, "S3", 3),
            ]
        ),
        LABELS,
        4,
    )
    assert story.cycles == [2018, 2021, 2024]
    table = story.table.set_index("code")
    assert table["change"].to_dict() == {"S1": 2, "S2": -1, "S3": 0}
    assert table["latest"].to_dict() == {"S1": 4, "S2": 2, "S3": 3}
    assert story.words == [
        "S1 Learning: rose from Developing to Exemplary since the 2021–22 review, "
        "the top of the scale.",
        "S3 Community: held at Proficient since the 2021–22 review; one level to go "
        "to Exemplary.",
        "S2 Safety: moved from Proficient to Developing since the 2021–22 review; "
        "two levels to go to Exemplary.",
    ]


def test_a_first_review_has_no_change_yet():
    story = growth.growth_of(history([(2024, "S1", 1)]), LABELS, 4)
    assert story.table["change"].isna().all()
    assert story.words == [
        "S1 Learning: rated Emerging in its first review; three levels to go to "
        "Exemplary."
    ]


def test_no_published_review_gives_an_empty_story():
    story = growth.growth_of(history([]), LABELS, 4)
    assert story.table.empty and story.words == [] and story.cycles == []


def test_the_fixture_school_grows_from_its_published_review(store, people):
    story = growth.growth_across_reviews(store, people["principal.a"], 1)
    assert story.cycles == [2024]
    assert story.words == [
        "S1 Quality learning experiences for all students: rated Developing in its "
        "first review; two levels to go to Exemplary.",
        "S2 Safe, supportive, and healthy learning environments: rated Proficient in "
        "its first review; one level to go to Exemplary.",
    ]
    with pytest.raises(PermissionDenied):
        growth.growth_across_reviews(store, people["principal.b"], 1)


def test_this_years_work_counts_since_august(store, people, monkeypatch):
    team = people["team.a"]
    monkeypatch.setattr(actions, "now", lambda: datetime(2026, 11, 20, 10, 0))
    actions.record_check_ins(
        store,
        team,
        1,
        [
            {"action_step_id": 1, "status": "done", "note": "Trained", "version": 1},
        ],
    )
    actions.update_milestone(store, team, 1, {"met_on": "2026-10-01"}, version=1)
    work = growth.this_years_work(store, team, 1, TODAY)
    assert (work.since.isoformat(), work.months_so_far) == ("2026-08-01", 5)
    assert (work.milestones_met, work.steps_done, work.check_ins) == (1, 1, 2)
    assert work.months_checked_in == 1
    assert growth.year_words(work) == [
        "0 of 1 goal have reached the target.",
        "1 milestone met and 1 action step done.",
        "The plan was updated in 1 of 5 months (2 check-ins).",
    ]


def test_the_growth_command_gives_levels_words_and_the_year(store, capsys):
    from sqr_tracker.cli import main

    code = main(
        [
            "growth",
            "--db",
            str(store.path),
            "--school",
            "1",
            "--today",
            "2026-12-03",
            "--format",
            "json",
        ]
    )
    assert code == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["standards"] == SCHOOL_1_LEVELS
    assert answer["words"][0].startswith("S1 Quality learning experiences")
    assert answer["evidence"] == [
        "In the 2024–25 review the evidence is strong for none of the 2 standards "
        "rated (0 of 2); moderate for 1 and missing for 1.",
        evidence.strength_legend(),
    ]
    assert answer["this_year"]["since"] == "2026-08-01"
    assert answer["this_year"]["check_ins"] == 1


def add_values(store, rows: list[tuple]) -> None:
    """(period, student group, value, group size) of attendance at school 1."""
    for period, group, value, size in rows:
        store.rows(
            "INSERT INTO measure_values VALUES (1, 1, ?, ?, ?, ?)",
            [period, group, value, size],
        )


def test_a_measure_story_marks_a_shift_and_hides_small_groups(store, people):
    months = pd.date_range("2026-01-01", periods=8, freq="MS")
    values = [90, 89, 91, 92, 93, 94, 95, 93]
    add_values(
        store,
        [
            (m.date(), "All students", v, 400)
            for m, v in zip(months, values, strict=True)
        ],
    )
    last = months[-1].date()
    add_values(store, [(last, "English learners", 92.0, 120), (last, "Asian", 99.0, 6)])
    story = growth.measure_story(store, people["principal.a"], 1, 1)
    assert story.chart.median == 92.5
    assert [s.description for s in story.chart.signals] == [
        "6 points in a row rising (Feb 2026 to Jul 2026)"
    ]
    assert story.chart.adverse() == []
    assert story.period == "Aug 2026"
    shown = story.groups.set_index("student_group")
    assert shown.loc["Asian", "suppressed"] and pd.isna(shown.loc["Asian", "value"])
    assert pd.isna(shown.loc["Asian", "group_size"])
    assert shown.loc["English learners", "value"] == 92.0
    with pytest.raises(PermissionDenied):
        growth.measure_story(store, people["viewer"], 1, 1)


def test_status_and_change_places_this_year_against_last(store, people):
    add_values(
        store,
        [
            ("2025-09-01", "All students", 91.0, 400),
            ("2026-09-01", "All students", 96.0, 400),
        ],
    )
    actions.change_setting(
        store,
        people["office"],
        {"key": "cuts.attendance", "value": "88,92,95,97|-2,-0.5,0.5,2"},
    )
    placed = growth.status_and_change(store, people["office"], 1, TODAY)
    assert placed[
        ["measure", "year", "value", "difference", "status", "change", "colour"]
    ].values.tolist() == [
        [
            "Attendance rate",
            "2026–27",
            96.0,
            5.0,
            "High",
            "Increased significantly",
            "Blue",
        ],
    ]


def test_self_reflections_between_reviews_join_the_story(store, people):
    team = people["team.a"]
    actions.record_interim_rating(
        store,
        team,
        {"school_id": 1, "standard_id": 1, "recorded_on": "2026-03-02", "level": 3},
    )
    actions.record_interim_rating(
        store,
        team,
        {"school_id": 1, "standard_id": 2, "recorded_on": "2024-12-01", "level": 4},
    )
    story = growth.growth_across_reviews(store, team, 1)
    interim = story.interim[["code", "label"]].values.tolist()
    assert interim == [["S1", "Proficient"]], "only those since the latest review"
    with pytest.raises(PermissionDenied):
        actions.record_interim_rating(
            store,
            people["lead.north"],
            {"school_id": 1, "standard_id": 1, "recorded_on": "2026-03-02", "level": 3},
        )
    with pytest.raises(InvalidInput, match="level: 7 is not on the scale"):
        actions.record_interim_rating(
            store,
            team,
            {"school_id": 1, "standard_id": 1, "recorded_on": "2026-03-02", "level": 7},
        )


def test_a_standard_that_skipped_a_review_is_compared_with_the_one_before():
    story = growth.growth_of(
        history([(2018, "S1", 2), (2021, "S2", 2), (2024, "S1", 3), (2024, "S2", 2)]),
        LABELS,
        4,
    )
    table = story.table.set_index("code")
    assert table["change"].to_dict() == {"S1": 1, "S2": 0}
    assert story.words[0] == (
        "S1 Learning: rose from Developing to Proficient since the 2018–19 review; "
        "one level to go to Exemplary."
    )


def test_a_period_whose_total_is_a_small_group_is_left_out(store, people):
    add_values(
        store,
        [
            ("2026-01-01", "All students", 90.0, 400),
            ("2026-02-01", "All students", 99.0, 6),
            ("2026-03-01", "All students", 91.0, 400),
        ],
    )
    story = growth.measure_story(store, people["principal.a"], 1, 1)
    assert story.chart.values.tolist() == [90.0, 91.0]


def test_this_year_is_compared_with_the_same_months_last_year(store, people):
    add_values(
        store,
        [
            ("2025-09-01", "All students", 90.0, 400),
            ("2025-10-01", "All students", 92.0, 400),
            ("2026-03-01", "All students", 80.0, 400),
            ("2026-09-01", "All students", 93.0, 400),
            ("2026-10-01", "All students", 95.0, 400),
        ],
    )
    actions.change_setting(
        store,
        people["office"],
        {"key": "cuts.attendance", "value": "88,92,95,97|-2,-0.5,0.5,2"},
    )
    placed = growth.status_and_change(store, people["office"], 1, TODAY)
    assert placed[["year", "value", "difference"]].values.tolist() == [
        ["2026–27", 94.0, 3.0]
    ]


def test_a_school_without_measures_has_an_empty_grid(store, people):
    from sqr_tracker.growth_views import grid_figure

    placed = growth.status_and_change(store, people["office"], 2, TODAY)
    assert placed.empty
    assert len(grid_figure(placed).layout.annotations) == 0
