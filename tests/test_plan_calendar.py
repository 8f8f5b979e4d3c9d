"""Site-plan alignment, the planning calendar and a goal's timeline."""

from __future__ import annotations

from datetime import datetime

import pytest
from conftest import TODAY

from sqr_tracker import actions, plans
from sqr_tracker.errors import PermissionDenied


@pytest.fixture
def deadlines(store, people):
    office = people["office"]
    for name, day in [
        ("Site plan draft to the network", "2027-03-15"),
        ("Site plan approved by the board", "2027-05-31"),
    ]:
        actions.add_planning_deadline(store, office, {"name": name, "due_on": day})
    return store


def test_only_the_central_office_sets_planning_deadlines(store, people):
    with pytest.raises(PermissionDenied):
        actions.add_planning_deadline(
            store, people["principal.a"], {"name": "Mine", "due_on": "2027-01-01"}
        )
    assert store.planning_deadlines().empty


def test_the_calendar_puts_deadlines_beside_milestones_and_due_dates(deadlines, people):
    team = people["team.a"]
    goal = 1
    actions.create_milestone(
        deadlines,
        team,
        {"goal_id": goal, "description": "All staff trained", "due_on": "2027-02-01"},
    )
    actions.create_action_step(
        deadlines,
        team,
        {
            "goal_id": goal,
            "description": "Peer visits",
            "owner": "Coach",
            "starts_on": "2027-01-04",
            "due_on": "2027-04-30",
        },
    )
    upcoming = plans.calendar(deadlines, team, 1, TODAY)
    assert [(str(r.on.date()), r.what, r.item) for r in upcoming.itertuples()] == [
        (
            "2026-01-31",
            "milestone missed",
            "Half of classrooms observed use exit tickets",
        ),
        ("2026-06-01", "action step overdue", "Exit-ticket training for all teachers"),
        ("2027-02-01", "milestone", "All staff trained"),
        ("2027-03-15", "planning deadline", "Site plan draft to the network"),
        ("2027-04-30", "action step due", "Peer visits"),
        ("2027-05-31", "planning deadline", "Site plan approved by the board"),
    ]
    assert upcoming["goal"].tolist()[2] == "Every lesson checks for understanding"


def test_a_site_plan_step_due_after_the_deadline_it_feeds_is_pointed_out(
    deadlines, people
):
    team = people["team.a"]
    actions.update_goal(
        deadlines, team, 1, {"site_plan_ref": "SPSA 2026 Goal 1"}, version=1
    )
    step = {"goal_id": 1, "owner": "Coach", "starts_on": "2027-01-04"}
    actions.create_action_step(
        deadlines, team, {**step, "description": "Late one", "due_on": "2027-04-30"}
    )
    actions.create_action_step(
        deadlines, team, {**step, "description": "In time", "due_on": "2027-03-01"}
    )
    late = plans.late_for_deadlines(deadlines, team, 1, TODAY)
    rows = [
        (r.step, str(r.due_on)[:10], r.deadline, str(r.deadline_on)[:10])
        for r in late.itertuples()
    ]
    assert rows == [
        ("Late one", "2027-04-30", "Site plan draft to the network", "2027-03-15")
    ]


def test_steps_of_goals_outside_the_site_plan_are_not_held_to_its_deadlines(
    deadlines, people
):
    team = people["team.a"]
    actions.create_action_step(
        deadlines,
        team,
        {
            "goal_id": 1,
            "description": "x",
            "owner": "Coach",
            "starts_on": "2027-01-04",
            "due_on": "2027-04-30",
        },
    )
    assert plans.late_for_deadlines(deadlines, team, 1, TODAY).empty


def test_a_goals_timeline_shows_check_ins_and_changes_newest_first(
    store, people, monkeypatch
):
    team = people["team.a"]
    monkeypatch.setattr(actions, "now", lambda: datetime(2026, 11, 20, 9, 30))
    actions.update_goal(store, team, 1, {"target": 85}, version=1)
    monkeypatch.setattr(actions, "now", lambda: datetime(2026, 11, 25, 10, 0))
    actions.record_check_ins(
        store,
        team,
        1,
        [
            {
                "action_step_id": 1,
                "status": "done",
                "note": "All trained",
                "version": 1,
            },
        ],
    )
    events = plans.goal_timeline(store, team, 1, 1)
    assert events[["who", "what"]].values.tolist() == [
        [
            "Tomas Team",
            "Action step “Exit-ticket training for all teachers” checked "
            "in: done. All trained",
        ],
        ["Tomas Team", "Edit action step: status: in progress → done"],
        ["Tomas Team", "Edit goal: target: 80.0 → 85.0"],
        [
            "Tomas Team",
            "Action step “Exit-ticket training for all teachers” "
            "checked in: in progress. Half the staff trained",
        ],
    ]
    with pytest.raises(PermissionDenied):
        plans.goal_timeline(store, people["team.c"], 1, 1)


def test_two_deadlines_on_one_day_are_both_kept(deadlines, people):
    actions.add_planning_deadline(
        deadlines,
        people["office"],
        {"name": "Budget to the network", "due_on": "2027-03-15"},
    )
    team = people["team.a"]
    actions.update_goal(deadlines, team, 1, {"site_plan_ref": "SPSA 1"}, version=1)
    actions.create_action_step(
        deadlines,
        team,
        {
            "goal_id": 1,
            "description": "Late",
            "owner": "Coach",
            "starts_on": "2027-01-04",
            "due_on": "2027-04-30",
        },
    )
    late = plans.late_for_deadlines(deadlines, team, 1, TODAY)
    assert late["deadline"].tolist() == ["Site plan draft to the network"]
    on_the_day = plans.calendar(deadlines, team, 1, TODAY)
    assert sorted(on_the_day.loc[on_the_day["on"] == "2027-03-15", "item"]) == [
        "Budget to the network",
        "Site plan draft to the network",
    ]
