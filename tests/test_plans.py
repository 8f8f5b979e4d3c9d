"""Plan health rules, the school's plan, this month's due items and the check-in
batch that saves them all or none."""

from __future__ import annotations

import json
from datetime import date, datetime

import pandas as pd
import pytest
from conftest import TODAY

from sqr_tracker import actions, plans
from sqr_tracker.config import SETTINGS_DEFAULTS
from sqr_tracker.errors import InvalidInput, PermissionDenied, StaleEdit
from sqr_tracker.store import COUNTED

LIMITS = dict(SETTINGS_DEFAULTS)
DECEMBER = datetime(2026, 12, 2, 9, 30)


def snapshot(store) -> dict[str, list]:
    return {t: store.rows(f"SELECT * FROM {t} ORDER BY ALL") for t in COUNTED}


def count(store, table: str) -> int:
    return store.value(f"SELECT count(*) FROM {table}")


def version(store, table: str, row_id: int) -> int:
    return store.value(f"SELECT version FROM {table} WHERE id = ?", [row_id])


# -- goal_health on hand-built rows ----------------------------------------------


def goal(**overrides) -> pd.Series:
    """A row shaped like store.plan_goals: by default a healthy measured goal
    (attendance from 50 towards 80, last at 60 after 55, checked in 13 days ago)."""
    row = {
        "id": 1,
        "version": 1,
        "standard_id": 1,
        "code": "S1",
        "standard": "Quality learning experiences for all students",
        "sort_order": 1,
        "review_id": 1,
        "statement": "Every lesson checks for understanding",
        "measure_id": 1,
        "measure": "Attendance rate",
        "unit": "%",
        "higher_is_better": True,
        "baseline": 50.0,
        "target": 80.0,
        "target_date": pd.Timestamp("2027-06-01"),
        "is_focus": False,
        "site_plan_ref": "",
        "status": "open",
        "latest_value": 60.0,
        "previous_value": 55.0,
        "measured_on": pd.Timestamp("2026-11-20 15:00"),
        "last_check_in": pd.Timestamp("2026-11-20 15:00"),
        "open_steps": 2,
        "overdue_steps": 0,
        "missed_milestones": 0,
        "next_milestone_on": pd.Timestamp("2027-01-31"),
    }
    row.update(overrides)
    return pd.Series(row)


def health(**overrides):
    return plans.goal_health(goal(**overrides), TODAY, LIMITS)


def test_the_default_hand_built_goal_is_on_track_with_no_reasons():
    assert health() == (plans.ON_TRACK, [])


@pytest.mark.parametrize(
    "overrides",
    [
        {"latest_value": 80.0},
        {"latest_value": 85.0, "previous_value": 90.0},
        {
            "higher_is_better": False,
            "baseline": 12.0,
            "target": 5.0,
            "latest_value": 5.0,
            "previous_value": 7.0,
        },
        {
            "higher_is_better": False,
            "baseline": 12.0,
            "target": 5.0,
            "latest_value": 3.5,
            "previous_value": 2.0,
        },
    ],
    ids=["higher-at-target", "higher-past-target", "lower-at-target", "lower-below"],
)
def test_a_reached_target_is_on_track_whichever_way_is_better(overrides):
    assert health(**overrides) == (plans.ON_TRACK, ["target reached"])


def test_a_reached_target_outweighs_every_other_problem():
    assert health(
        latest_value=81.0,
        missed_milestones=2,
        overdue_steps=4,
        last_check_in=pd.NaT,
    ) == (plans.ON_TRACK, ["target reached"])


def test_short_of_the_target_is_not_reached_in_either_direction():
    assert health(latest_value=79.9) == (plans.ON_TRACK, [])
    lower = health(
        higher_is_better=False,
        baseline=12.0,
        target=5.0,
        latest_value=5.1,
        previous_value=6.0,
    )
    assert lower == (plans.ON_TRACK, [])


def test_a_missed_milestone_puts_the_goal_off_track():
    assert health(missed_milestones=1) == (plans.OFF_TRACK, ["1 milestone missed"])
    assert health(missed_milestones=3) == (plans.OFF_TRACK, ["3 milestones missed"])


def test_one_overdue_step_is_at_risk():
    assert health(overdue_steps=1) == (plans.AT_RISK, ["1 action step overdue"])


@pytest.mark.parametrize("overdue", [2, 3, 7])
def test_overdue_steps_at_the_district_limit_or_more_are_off_track(overdue):
    assert LIMITS["overdue_steps_off_track"] == 2
    assert health(overdue_steps=overdue) == (
        plans.OFF_TRACK,
        [f"{overdue} action steps overdue"],
    )


@pytest.mark.parametrize(
    ("limit", "overdue", "expected"),
    [
        (3, 2, (plans.AT_RISK, ["2 action steps overdue"])),
        (5, 4, (plans.AT_RISK, ["4 action steps overdue"])),
        (1, 1, (plans.OFF_TRACK, ["1 action step overdue"])),
    ],
)
def test_overdue_reasons_count_the_steps_under_any_district_limit(
    limit, overdue, expected
):
    limits = {**LIMITS, "overdue_steps_off_track": limit}
    assert plans.goal_health(goal(overdue_steps=overdue), TODAY, limits) == expected


def test_no_check_in_yet_is_at_risk():
    assert health(last_check_in=pd.NaT) == (plans.AT_RISK, ["no check-in yet"])


def test_a_check_in_more_than_the_stale_days_ago_is_at_risk():
    assert LIMITS["plan_stale_days"] == 31
    # 2026-11-01 is 32 days before TODAY (2026-12-03), 2026-11-02 is 31.
    assert health(last_check_in=pd.Timestamp("2026-11-01 18:45")) == (
        plans.AT_RISK,
        ["no check-in since 1 Nov 2026"],
    )
    assert health(last_check_in=pd.Timestamp("2026-11-02 08:00")) == (
        plans.ON_TRACK,
        [],
    )


def test_the_stale_days_come_from_the_limits_given():
    limits = {**LIMITS, "plan_stale_days": 10}
    checked = goal(last_check_in=pd.Timestamp("2026-11-22 10:00"))
    assert plans.goal_health(checked, TODAY, limits) == (
        plans.AT_RISK,
        ["no check-in since 22 Nov 2026"],
    )
    checked = goal(last_check_in=pd.Timestamp("2026-11-23 10:00"))
    assert plans.goal_health(checked, TODAY, limits) == (plans.ON_TRACK, [])


@pytest.mark.parametrize(
    ("overrides", "away"),
    [
        ({"latest_value": 52.0, "previous_value": 55.0}, True),
        ({"latest_value": 55.0, "previous_value": 55.0}, False),
        ({"latest_value": 58.0, "previous_value": 55.0}, False),
        # no previous value: compared with the baseline (50)
        ({"latest_value": 45.0, "previous_value": float("nan")}, True),
        ({"latest_value": 55.0, "previous_value": float("nan")}, False),
        # below the baseline but closer than the previous value: not away
        ({"latest_value": 45.0, "previous_value": 40.0}, False),
        # lower is better, target 5
        (
            {
                "higher_is_better": False,
                "baseline": 12.0,
                "target": 5.0,
                "latest_value": 9.0,
                "previous_value": 8.0,
            },
            True,
        ),
        (
            {
                "higher_is_better": False,
                "baseline": 12.0,
                "target": 5.0,
                "latest_value": 13.0,
                "previous_value": float("nan"),
            },
            True,
        ),
        (
            {
                "higher_is_better": False,
                "baseline": 12.0,
                "target": 5.0,
                "latest_value": 11.0,
                "previous_value": float("nan"),
            },
            False,
        ),
        # nothing to compare with
        ({"previous_value": float("nan"), "baseline": float("nan")}, False),
        ({"latest_value": float("nan"), "previous_value": float("nan")}, False),
    ],
)
def test_a_measure_moving_away_from_the_target_is_at_risk(overrides, away):
    expected = (
        (plans.AT_RISK, ["the measure moved away from the target"])
        if away
        else (plans.ON_TRACK, [])
    )
    assert health(**overrides) == expected


def test_off_track_reasons_come_before_at_risk_reasons():
    assert health(
        missed_milestones=2,
        overdue_steps=3,
        last_check_in=pd.NaT,
        latest_value=52.0,
    ) == (
        plans.OFF_TRACK,
        [
            "2 milestones missed",
            "3 action steps overdue",
            "no check-in yet",
            "the measure moved away from the target",
        ],
    )
    assert health(
        missed_milestones=1,
        overdue_steps=1,
        last_check_in=pd.Timestamp("2026-10-15"),
    ) == (
        plans.OFF_TRACK,
        [
            "1 milestone missed",
            "1 action step overdue",
            "no check-in since 15 Oct 2026",
        ],
    )


def test_several_at_risk_reasons_are_all_listed_in_order():
    assert health(
        overdue_steps=1,
        last_check_in=pd.Timestamp("2026-09-30 12:00"),
        latest_value=45.0,
        previous_value=float("nan"),
    ) == (
        plans.AT_RISK,
        [
            "1 action step overdue",
            "no check-in since 30 Sep 2026",
            "the measure moved away from the target",
        ],
    )


def test_the_rules_are_stated_with_the_district_thresholds():
    rules = plans.health_rules({**LIMITS, "plan_stale_days": 40})
    assert rules[0] == (
        "Off track: a milestone's date has passed without it being met, or 2 or "
        "more action steps are overdue."
    )
    assert "no check-in for more than 40 days" in rules[1]


# -- school_health on small frames -----------------------------------------------


def goals_frame(*rows: tuple[str, str, bool]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["status", "health", "is_focus"])


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        (
            [
                ("open", "off track", True),
                ("open", "on track", False),
                ("open", "on track", False),
            ],
            plans.OFF_TRACK,
        ),
        (
            [
                ("open", "off track", False),
                ("open", "off track", False),
                ("open", "on track", False),
                ("open", "on track", True),
            ],
            plans.OFF_TRACK,
        ),
        (
            [
                ("open", "off track", False),
                ("open", "on track", False),
                ("open", "on track", True),
            ],
            plans.AT_RISK,
        ),
        (
            [
                ("open", "at risk", True),
                ("open", "on track", False),
                ("open", "on track", False),
            ],
            plans.AT_RISK,
        ),
        (
            [("open", "on track", True), ("open", "on track", False)],
            plans.ON_TRACK,
        ),
        # closed goals count for nothing, even focus ones off track
        (
            [
                ("open", "on track", False),
                ("closed", "off track", True),
                ("closed", "off track", False),
                ("closed", "at risk", False),
            ],
            plans.ON_TRACK,
        ),
        (
            [
                ("open", "off track", False),
                ("open", "on track", False),
                ("open", "on track", False),
                ("closed", "off track", False),
                ("closed", "off track", False),
            ],
            plans.AT_RISK,
        ),
        ([("closed", "on track", True), ("closed", "closed", False)], plans.AT_RISK),
        ([], plans.AT_RISK),
    ],
    ids=[
        "focus-off",
        "half-off",
        "third-off",
        "one-at-risk",
        "all-on-track",
        "closed-ignored",
        "closed-not-in-half",
        "only-closed",
        "no-goals",
    ],
)
def test_school_health_from_open_goals(rows, expected):
    assert plans.school_health(goals_frame(*rows)) == expected


# -- school_plan on the fixture ----------------------------------------------------


def test_goal_one_of_the_fixture_is_off_track_and_so_is_the_plan(store, people):
    plan = plans.school_plan(store, people["team.a"], 1, TODAY)
    row = plan.goals.set_index("id").loc[1]
    assert (row["health"], row["reasons"]) == (
        plans.OFF_TRACK,
        "1 milestone missed; 1 action step overdue",
    )
    assert bool(row["tied_to_review"]) is True
    assert plan.health == plans.OFF_TRACK
    assert (plan.focus_count, plan.focus_limit) == (0, 3)
    assert plan.too_many_focus_goals is False
    assert plan.unplanned_growth.empty
    assert plan.milestones["id"].tolist() == [1]
    assert plan.steps["id"].tolist() == [1]
    assert plan.rules == plans.health_rules(LIMITS)


def test_focus_goals_are_counted_against_the_district_limit(store, people):
    team = people["team.a"]
    actions.update_goal(store, team, 1, {"is_focus": True}, version=1)
    for n in (1, 2):
        actions.create_goal(
            store,
            team,
            {
                "school_id": 1,
                "standard_id": 2,
                "statement": f"Calm {n}",
                "is_focus": True,
            },
        )
    closed = actions.create_goal(
        store,
        team,
        {"school_id": 1, "standard_id": 2, "statement": "Old", "is_focus": True},
    )
    actions.close_goal(store, team, closed, version=1)
    plan = plans.school_plan(store, team, 1, TODAY)
    assert (plan.focus_count, plan.focus_limit) == (3, 3)
    assert plan.too_many_focus_goals is False

    actions.change_setting(
        store, people["office"], {"key": "recommended_focus_goals", "value": 2}
    )
    plan = plans.school_plan(store, team, 1, TODAY)
    assert (plan.focus_count, plan.focus_limit) == (3, 2)
    assert plan.too_many_focus_goals is True
    # a focus goal off track puts the plan off track though the others are fine
    # (goals created today are not yet late for their first check-in)
    health = plan.goals.set_index("id")["health"].to_dict()
    assert health == {
        1: plans.OFF_TRACK,
        2: plans.ON_TRACK,
        3: plans.ON_TRACK,
        closed: "closed",
    }
    assert plan.health == plans.OFF_TRACK


def test_a_changed_stale_days_setting_applies_to_the_plan(store, people):
    office = people["office"]
    # goal 1's last check-in is 5 Nov 2026, 28 days before TODAY
    actions.change_setting(store, office, {"key": "plan_stale_days", "value": 20})
    row = plans.school_plan(store, office, 1, TODAY).goals.set_index("id").loc[1]
    assert row["reasons"] == (
        "1 milestone missed; 1 action step overdue; no check-in since 5 Nov 2026"
    )


def tied_flags(plan) -> dict[int, str]:
    """tied_to_review per goal id, as the repr of a plain bool (NA shows as <NA>,
    which a page's ``if goal["tied_to_review"]`` cannot take)."""
    flags = plan.goals["tied_to_review"].tolist()
    return {
        goal_id: repr(bool(flag)) if isinstance(flag, bool) else repr(flag)
        for goal_id, flag in zip(plan.goals["id"].tolist(), flags, strict=True)
    }


def test_only_goals_of_the_latest_published_review_are_tied_to_it(store, people):
    team = people["team.a"]
    untied = actions.create_goal(
        store, team, {"school_id": 1, "standard_id": 2, "statement": "Calm halls"}
    )
    later = actions.create_goal(
        store,
        team,
        {"school_id": 1, "standard_id": 2, "statement": "Next", "review_id": 3},
    )
    plan = plans.school_plan(store, team, 1, TODAY)
    assert tied_flags(plan) == {1: "True", untied: "False", later: "False"}


def test_a_school_without_a_published_review_has_nothing_tied_or_unplanned(
    store, people
):
    principal = people["principal.b"]
    made = actions.create_goal(
        store, principal, {"school_id": 2, "standard_id": 1, "statement": "Readers"}
    )
    plan = plans.school_plan(store, principal, 2, TODAY)
    assert plan.goals["id"].tolist() == [made]
    assert list(tied_flags(plan).values()) == ["False"]
    assert plan.unplanned_growth.empty
    # its only goal, made today, is not yet late for its first check-in
    assert plan.goals["reasons"].tolist() == [""]
    assert plan.health == plans.ON_TRACK


def growth_rows(plan) -> list[tuple]:
    frame = plan.unplanned_growth
    return list(
        zip(
            frame["standard_id"].tolist(),
            frame["code"].tolist(),
            frame["areas_for_growth"].tolist(),
            frame["consensus"].tolist(),
            strict=True,
        )
    )


def test_a_low_rated_area_for_growth_without_an_open_goal_is_unplanned(store, people):
    team = people["team.a"]
    # Review 1 is published, so no write function may change it: set up by SQL.
    store.rows(
        "INSERT INTO findings (id, review_id, standard_id, strengths, "
        "areas_for_growth) VALUES (3, 1, 2, 'Warm greetings', 'Calmer transitions')"
    )
    # S2's consensus in review 1 is Proficient (3): not below the middle
    assert plans.school_plan(store, team, 1, TODAY).unplanned_growth.empty

    store.rows("UPDATE ratings SET level = 2 WHERE id = 4")
    plan = plans.school_plan(store, team, 1, TODAY)
    assert growth_rows(plan) == [(2, "S2", "Calmer transitions", 2)]
    assert plan.unplanned_growth["standard"].tolist() == [
        "Safe, supportive, and healthy learning environments"
    ]

    actions.create_goal(
        store,
        team,
        {"school_id": 1, "standard_id": 2, "statement": "Calm", "review_id": 1},
    )
    assert plans.school_plan(store, team, 1, TODAY).unplanned_growth.empty


def test_closing_the_goal_makes_its_area_for_growth_unplanned(store, people):
    team = people["team.a"]
    assert plans.school_plan(store, team, 1, TODAY).unplanned_growth.empty
    actions.close_goal(store, team, 1, version=1)
    plan = plans.school_plan(store, team, 1, TODAY)
    assert growth_rows(plan) == [(1, "S1", "Checks for understanding.", 2)]
    row = plan.goals.set_index("id").loc[1]
    assert (row["status"], row["health"], row["reasons"]) == ("closed", "closed", "")
    # no open goals left
    assert plan.health == plans.AT_RISK

    actions.reopen_goal(store, team, 1, version=2)
    assert plans.school_plan(store, team, 1, TODAY).unplanned_growth.empty


def test_a_newly_published_review_becomes_the_one_the_plan_follows(
    store, people, monkeypatch
):
    lead, team = people["reviewer.lead"], people["team.a"]
    store.write(lambda tx: tx.link("review_focus", review_id=3, standard_id=2))
    actions.record_finding(
        store,
        lead,
        {"review_id": 3, "standard_id": 2, "areas_for_growth": "Consistent routines"},
    )
    actions.record_rating(
        store,
        lead,
        {"review_id": 3, "standard_id": 2, "rater_kind": "consensus", "level": 1},
        version=version(store, "ratings", 7),
    )
    monkeypatch.setattr(actions, "now", lambda: datetime(2026, 12, 1, 10, 0))
    actions.publish_review(store, lead, 3, version=version(store, "reviews", 3))

    plan = plans.school_plan(store, team, 1, TODAY)
    # review 3's finding on S1 names no area for growth; goal 1 covers S1 anyway
    assert growth_rows(plan) == [(2, "S2", "Consistent routines", 1)]
    assert list(tied_flags(plan).values()) == ["False"]


def test_the_plan_survives_a_goal_whose_measure_was_removed(store, people, monkeypatch):
    team = people["team.a"]
    monkeypatch.setattr(actions, "now", lambda: DECEMBER)
    actions.update_goal(store, team, 1, {"measure_id": 1}, version=1)
    actions.record_check_ins(
        store,
        team,
        1,
        [{"goal_id": 1, "status": "in progress", "measure_value": 60.0}],
    )
    actions.update_goal(store, team, 1, {"measure_id": None}, version=2)
    # 60 is short of 80 and closer to it than the baseline 50 was
    plan = plans.school_plan(store, team, 1, TODAY)
    row = plan.goals.set_index("id").loc[1]
    assert (row["health"], row["reasons"]) == (
        plans.OFF_TRACK,
        "1 milestone missed; 1 action step overdue",
    )


# -- who may see a plan ------------------------------------------------------------


READERS = {"principal.a", "team.a", "lead.north", "office", "reviewer.team"}


@pytest.mark.parametrize(
    "name", ["team.c", "viewer", "reviewer.other", "principal.b", "lead.south"]
)
def test_the_plan_and_its_due_items_are_refused_outside_the_scope(store, people, name):
    with pytest.raises(PermissionDenied):
        plans.school_plan(store, people[name], 1, TODAY)
    with pytest.raises(PermissionDenied):
        plans.due_this_month(store, people[name], 1, TODAY)


def test_the_refusals_say_why(store, people):
    with pytest.raises(
        PermissionDenied,
        match="site team member can see a school's plan and review only for their "
        "own school",
    ):
        plans.school_plan(store, people["team.c"], 1, TODAY)
    with pytest.raises(PermissionDenied, match="A viewer cannot see a school's plan"):
        plans.due_this_month(store, people["viewer"], 1, TODAY)
    with pytest.raises(PermissionDenied, match="only for reviews they are assigned"):
        plans.due_this_month(store, people["reviewer.other"], 1, TODAY)
    with pytest.raises(PermissionDenied, match="Sign in"):
        plans.school_plan(store, None, 1, TODAY)


@pytest.mark.parametrize("name", sorted(READERS))
def test_the_plan_and_its_due_items_are_given_within_the_scope(store, people, name):
    plan = plans.school_plan(store, people[name], 1, TODAY)
    assert plan.school_id == 1 and plan.goals["id"].tolist() == [1]
    due = plans.due_this_month(store, people[name], 1, TODAY)
    assert due["id"].tolist() == [1]


# -- due_this_month ----------------------------------------------------------------


def due_rows(due: pd.DataFrame) -> list[tuple]:
    return list(
        zip(
            due["kind"].tolist(),
            due["id"].tolist(),
            due["done"].tolist(),
            due["overdue"].tolist(),
            strict=True,
        )
    )


def test_the_fixtures_only_due_item_is_its_overdue_step(store, people):
    due = plans.due_this_month(store, people["team.a"], 1, TODAY)
    assert due_rows(due) == [("action step", 1, False, True)]
    row = due.iloc[0]
    assert (row["version"], row["goal"], row["item"], row["owner"], row["status"]) == (
        1,
        "Every lesson checks for understanding",
        "Exit-ticket training for all teachers",
        "Assistant principal",
        "in progress",
    )
    assert row["due_on"] == pd.Timestamp("2026-06-01")
    assert row["last_check_in"] == pd.Timestamp("2026-11-05 15:00")


def add_plan(store, people) -> dict[str, int]:
    """Around the fixture's goal 1 and step 1: a measured goal, steps due later,
    a finished step and a closed goal, all in school 1."""
    team = people["team.a"]
    measured = actions.create_goal(
        store,
        team,
        {
            "school_id": 1,
            "standard_id": 2,
            "statement": "Attendance up",
            "measure_id": 1,
            "baseline": 90,
            "target": 95,
            "target_date": "2027-06-01",
        },
    )

    def step(goal_id: int, due_on: str, status: str = "not started") -> int:
        return actions.create_action_step(
            store,
            team,
            {
                "goal_id": goal_id,
                "description": f"Step due {due_on}",
                "owner": "Coach",
                "starts_on": "2026-09-01",
                "due_on": due_on,
                "status": status,
            },
        )

    later = step(1, "2027-01-15")
    finished = step(1, "2026-10-01", "done")
    soon = step(measured, "2026-12-20")
    closed = actions.create_goal(
        store,
        team,
        {
            "school_id": 1,
            "standard_id": 1,
            "statement": "Old goal",
            "measure_id": 2,
            "target": 3,
        },
    )
    of_closed = step(closed, "2026-11-01")
    actions.close_goal(store, team, closed, version=1)
    return {
        "measured": measured,
        "later": later,
        "finished": finished,
        "soon": soon,
        "closed": closed,
        "of_closed": of_closed,
    }


def test_due_items_list_overdue_first_then_by_due_date(store, people):
    ids = add_plan(store, people)
    due = plans.due_this_month(store, people["team.a"], 1, TODAY)
    assert due_rows(due) == [
        ("action step", 1, False, True),
        ("action step", ids["soon"], False, False),
        ("action step", ids["later"], False, False),
        ("goal", ids["measured"], False, False),
    ]
    goal_row = due.iloc[3]
    assert (goal_row["measure"], goal_row["status"], goal_row["owner"]) == (
        "Attendance rate",
        "in progress",
        "",
    )
    assert goal_row["due_on"] == pd.Timestamp("2027-06-01")


def test_a_checked_in_item_is_done_and_moves_after_the_undone_ones(
    store, people, monkeypatch
):
    ids = add_plan(store, people)
    team = people["team.a"]
    monkeypatch.setattr(actions, "now", lambda: DECEMBER)
    actions.record_check_ins(
        store, team, 1, [{"action_step_id": 1, "status": "in progress"}]
    )
    due = plans.due_this_month(store, team, 1, TODAY)
    assert due_rows(due) == [
        ("action step", ids["soon"], False, False),
        ("action step", ids["later"], False, False),
        ("goal", ids["measured"], False, False),
        ("action step", 1, True, True),
    ]
    assert due.iloc[3]["last_check_in"] == pd.Timestamp(DECEMBER)

    actions.record_check_ins(
        store,
        team,
        1,
        [
            {"goal_id": ids["measured"], "status": "in progress", "measure_value": 92},
            {"action_step_id": ids["later"], "status": "in progress", "version": 1},
        ],
    )
    due = plans.due_this_month(store, team, 1, TODAY)
    assert due_rows(due) == [
        ("action step", ids["soon"], False, False),
        ("action step", 1, True, True),
        ("action step", ids["later"], True, False),
        ("goal", ids["measured"], True, False),
    ]
    assert due.iloc[3]["latest_value"] == 92.0


def test_a_check_in_last_month_does_not_count_as_done(store, people, monkeypatch):
    team = people["team.a"]
    monkeypatch.setattr(actions, "now", lambda: datetime(2026, 11, 30, 23, 59, 59))
    actions.record_check_ins(
        store, team, 1, [{"action_step_id": 1, "status": "in progress"}]
    )
    due = plans.due_this_month(store, team, 1, TODAY)
    assert due_rows(due) == [("action step", 1, False, True)]
    assert due_rows(plans.due_this_month(store, team, 1, date(2026, 11, 30))) == [
        ("action step", 1, True, True)
    ]


def test_a_step_marked_done_this_month_stays_listed_as_done(store, people, monkeypatch):
    team = people["team.a"]
    monkeypatch.setattr(actions, "now", lambda: DECEMBER)
    actions.record_check_ins(
        store, team, 1, [{"action_step_id": 1, "status": "done", "version": 1}]
    )
    due = plans.due_this_month(store, team, 1, TODAY)
    assert due[["kind", "id", "status", "done"]].values.tolist() == [
        ["action step", 1, "done", True]
    ]
    monkeypatch.setattr(actions, "now", lambda: DECEMBER)
    assert plans.due_this_month(store, team, 1, date(2027, 1, 5)).empty


# -- record_check_ins --------------------------------------------------------------


def second_step(store, people) -> int:
    return actions.create_action_step(
        store,
        people["team.a"],
        {
            "goal_id": 1,
            "description": "Peer visits",
            "owner": "Coach",
            "starts_on": "2026-09-01",
            "due_on": "2027-02-01",
        },
    )


def test_a_months_check_ins_are_saved_together(store, people, monkeypatch):
    step = second_step(store, people)
    history_before = count(store, "history")
    monkeypatch.setattr(actions, "now", lambda: DECEMBER)
    transactions = []
    opened = store.transaction

    def counted():
        transactions.append(1)
        return opened()

    monkeypatch.setattr(store, "transaction", counted)
    saved = actions.record_check_ins(
        store,
        people["team.a"],
        1,
        [
            {"action_step_id": 1, "status": "in progress", "note": "All trained"},
            {"action_step_id": step, "status": "not started"},
            {"goal_id": 1, "status": "in progress", "note": "12 lessons seen"},
        ],
    )
    assert saved == 3
    assert len(transactions) == 1
    assert count(store, "check_ins") == 4
    assert store.rows(
        "SELECT school_id, goal_id, action_step_id, status, note, measure_value, "
        "written_by, written_on FROM check_ins WHERE id > 1 ORDER BY id"
    ) == [
        (1, None, 1, "in progress", "All trained", None, 2, DECEMBER),
        (1, None, step, "not started", "", None, 2, DECEMBER),
        (1, 1, None, "in progress", "12 lessons seen", None, 2, DECEMBER),
    ]
    # statuses unchanged: one history entry per check-in and nothing else
    assert count(store, "history") == history_before + 3
    assert store.rows(
        "SELECT action, entity, entity_id, school_id, user_email FROM history "
        "WHERE id > ? ORDER BY id",
        [history_before],
    ) == [
        ("check in", "check_ins", 2, 1, "team.a@test.sqr"),
        ("check in", "check_ins", 3, 1, "team.a@test.sqr"),
        ("check in", "check_ins", 4, 1, "team.a@test.sqr"),
    ]
    assert store.rows("SELECT id, status, version FROM action_steps ORDER BY id") == [
        (1, "in progress", 1),
        (step, "not started", 1),
    ]


def test_a_status_change_is_carried_to_the_step_with_its_own_history(
    store, people, monkeypatch
):
    step = second_step(store, people)
    history_before = count(store, "history")
    monkeypatch.setattr(actions, "now", lambda: DECEMBER)
    actions.record_check_ins(
        store,
        people["principal.a"],
        1,
        [
            {"action_step_id": 1, "status": "blocked", "version": 1, "note": "No sub"},
            {"action_step_id": step, "status": "not started", "version": 1},
            {"goal_id": 1, "status": "in progress"},
        ],
    )
    assert store.rows(
        "SELECT id, status, version, updated_by FROM action_steps ORDER BY id"
    ) == [(1, "blocked", 2, 1), (step, "not started", 1, 2)]
    assert store.value("SELECT updated_on FROM action_steps WHERE id = 1") == DECEMBER
    assert count(store, "check_ins") == 4
    assert count(store, "history") == history_before + 4
    assert store.rows(
        "SELECT action, entity, entity_id FROM history WHERE id > ? ORDER BY id",
        [history_before],
    ) == [
        ("check in", "check_ins", 2),
        ("edit action step", "action_steps", 1),
        ("check in", "check_ins", 3),
        ("check in", "check_ins", 4),
    ]
    entry = store.history("action_steps", 1).iloc[-1]
    before, after = json.loads(entry["before"]), json.loads(entry["after"])
    assert (before["status"], before["version"]) == ("in progress", 1)
    assert (after["status"], after["version"], after["updated_by"]) == (
        "blocked",
        2,
        1,
    )
    assert entry["user_email"] == "principal.a@test.sqr"
    assert entry["changed_on"] == DECEMBER


def other_schools_step(store, people) -> int:
    principal = people["principal.b"]
    goal_id = actions.create_goal(
        store, principal, {"school_id": 2, "standard_id": 1, "statement": "Readers"}
    )
    return actions.create_action_step(
        store,
        principal,
        {
            "goal_id": goal_id,
            "description": "Book club",
            "owner": "Librarian",
            "starts_on": "2026-09-01",
            "due_on": "2027-03-01",
        },
    )


@pytest.mark.parametrize(
    "bad",
    ["unknown status", "other school's step", "nothing named", "unknown step"],
)
def test_a_bad_row_saves_nothing_and_is_named(store, people, bad):
    other = other_schools_step(store, people)
    second, expected = {
        "unknown status": (
            {"action_step_id": 1, "status": "paused"},
            {
                "row 2, status": "Input should be 'not started', 'in progress', "
                "'done' or 'blocked'"
            },
        ),
        "other school's step": (
            {"action_step_id": other, "status": "done"},
            {"row 2, id": f"action step {other} belongs to another school"},
        ),
        "nothing named": (
            {"status": "done", "note": "About what?"},
            {"row 2, form": "a check-in is about one goal or one action step"},
        ),
        "unknown step": (
            {"action_step_id": 99, "status": "done"},
            {"row 2, id": "there is no action step 99"},
        ),
    }[bad]
    before = snapshot(store)
    with pytest.raises(InvalidInput) as refused:
        actions.record_check_ins(
            store,
            people["team.a"],
            1,
            [
                {"action_step_id": 1, "status": "blocked", "version": 1},
                second,
                {"goal_id": 1, "status": "in progress"},
            ],
        )
    assert refused.value.problems == expected
    assert str(refused.value).startswith("This month's check-in was not saved. row 2")
    assert snapshot(store) == before


def test_every_bad_row_is_named_at_once(store, people):
    before = snapshot(store)
    with pytest.raises(InvalidInput) as refused:
        actions.record_check_ins(
            store,
            people["team.a"],
            1,
            [
                {"goal_id": 1, "status": "in progress"},
                {"goal_id": 1, "status": "maybe"},
                {"goal_id": 1, "status": "done", "colour": "red"},
            ],
        )
    assert set(refused.value.problems) == {"row 2, status", "row 3, colour"}
    assert snapshot(store) == before


def test_a_stale_step_version_refuses_the_whole_batch(store, people):
    actions.update_action_step(
        store, people["principal.a"], 1, {"owner": "Ms Rivera"}, version=1
    )
    before = snapshot(store)
    with pytest.raises(StaleEdit) as stale:
        actions.record_check_ins(
            store,
            people["team.a"],
            1,
            [
                {"goal_id": 1, "status": "in progress", "note": "Going well"},
                {"action_step_id": 1, "status": "done", "version": 1},
            ],
        )
    assert stale.value.entity == "action step"
    assert stale.value.changed_by == "Ana Principal"
    assert snapshot(store) == before
    assert count(store, "check_ins") == 1
    assert store.rows("SELECT status, version FROM action_steps WHERE id = 1") == [
        ("in progress", 2)
    ]


def test_the_current_version_saves_the_status_change(store, people):
    actions.update_action_step(
        store, people["principal.a"], 1, {"owner": "Ms Rivera"}, version=1
    )
    actions.record_check_ins(
        store,
        people["team.a"],
        1,
        [{"action_step_id": 1, "status": "done", "version": 2}],
    )
    assert store.rows("SELECT status, version FROM action_steps WHERE id = 1") == [
        ("done", 3)
    ]


@pytest.mark.parametrize("name", ["viewer", "team.c", "principal.b", "lead.north"])
def test_only_the_schools_team_may_check_in(store, people, name):
    before = snapshot(store)
    with pytest.raises(PermissionDenied):
        actions.record_check_ins(
            store,
            people[name],
            1,
            [
                {"action_step_id": 1, "status": "done", "version": 1},
                {"goal_id": 1, "status": "in progress"},
            ],
        )
    assert snapshot(store) == before


def test_another_schools_team_cannot_check_in_our_items_under_their_school(
    store, people
):
    before = snapshot(store)
    with pytest.raises(InvalidInput) as refused:
        actions.record_check_ins(
            store,
            people["team.c"],
            3,
            [{"action_step_id": 1, "status": "done", "version": 1}],
        )
    assert refused.value.problems == {
        "row 1, id": "action step 1 belongs to another school"
    }
    assert snapshot(store) == before


def test_a_single_check_in_goes_through_the_same_batch(store, people, monkeypatch):
    monkeypatch.setattr(actions, "now", lambda: DECEMBER)
    assert (
        actions.record_check_in(
            store,
            people["team.a"],
            {"goal_id": 1, "status": "in progress", "note": "Seen in 12 rooms"},
        )
        == 1
    )
    assert store.rows(
        "SELECT school_id, goal_id, note, written_on FROM check_ins WHERE id = 2"
    ) == [(1, 1, "Seen in 12 rooms", DECEMBER)]
    with pytest.raises(PermissionDenied):
        actions.record_check_in(
            store, people["team.c"], {"action_step_id": 1, "status": "done"}
        )


@pytest.mark.parametrize(
    ("update", "expected"),
    [
        (
            {"goal_id": 1, "status": "in progress", "measure_value": 61.5},
            {"row 2, measure_value": "goal 1 has no measure; leave the value empty"},
        ),
        (
            {"action_step_id": 1, "status": "in progress", "measure_value": 3},
            {
                "row 2, measure_value": "an action step has no measure; give it on "
                "the goal"
            },
        ),
        (
            {"action_step_id": 1, "status": "done"},
            {
                "row 2, version": "action step 1 would change from 'in progress' "
                "to 'done': give the version you saw"
            },
        ),
        (
            {"goal_id": 42, "status": "in progress"},
            {"row 2, id": "there is no goal 42"},
        ),
    ],
    ids=["value-without-measure", "value-on-step", "status-without-version", "goal"],
)
def test_check_ins_the_stored_plan_cannot_take_are_refused(
    store, people, update, expected
):
    before = snapshot(store)
    with pytest.raises(InvalidInput) as refused:
        actions.record_check_ins(
            store,
            people["team.a"],
            1,
            [{"goal_id": 1, "status": "in progress"}, update],
        )
    assert refused.value.problems == expected
    assert snapshot(store) == before


def test_a_measured_goals_value_is_saved_and_becomes_its_latest(
    store, people, monkeypatch
):
    team = people["team.a"]
    monkeypatch.setattr(actions, "now", lambda: DECEMBER)
    actions.update_goal(store, team, 1, {"measure_id": 1}, version=1)
    actions.record_check_ins(
        store, team, 1, [{"goal_id": 1, "status": "in progress", "measure_value": 45}]
    )
    row = plans.school_plan(store, team, 1, TODAY).goals.set_index("id").loc[1]
    assert (row["latest_value"], row["reasons"]) == (
        45.0,
        "1 milestone missed; 1 action step overdue; "
        "the measure moved away from the target",
    )
