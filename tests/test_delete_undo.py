"""Deleting a goal or an action step keeps it in the change history, leaves it
out of every reader of the plan, and can be undone; the undo is recorded too.
The small district's school 1 has goal 1 with milestone 1 and action step 1
(overdue on 3 Dec 2026, checked in once)."""

from __future__ import annotations

import json
from datetime import date

import pytest
from conftest import TODAY, small_district
from streamlit.testing.v1 import AppTest

from sqr_tracker import actions, exports, needs_support, plans
from sqr_tracker.errors import InvalidInput, PermissionDenied, StaleEdit
from sqr_tracker.session import DEMO_USER_KEY
from sqr_tracker.store import Store
from sqr_tracker.views import plain

STEP = "Exit-ticket training for all teachers"
GOAL = "Every lesson checks for understanding"
STAMPS = {"version", "updated_by", "updated_on"}


def _without_stamps(row: dict) -> dict:
    return {key: value for key, value in row.items() if key not in STAMPS}


def _day(store: Store, table: str, row_id: int) -> str:
    return f"{store.row(table, row_id)['deleted_on']:%-d %b %Y}"


def _history(store: Store, entity: str, entity_id: int) -> list[tuple]:
    found = store.history(entity, entity_id)
    return list(zip(found["user_email"], found["action"], strict=True))


# -- the write path ------------------------------------------------------------------


def test_a_deleted_step_is_in_the_history_and_out_of_the_plan(store, people):
    version = actions.delete_action_step(store, people["principal.a"], 1, version=1)

    assert version == 2
    entry = store.history("action_steps", 1).iloc[-1]
    assert entry["action"] == "delete action step"
    old, new = json.loads(entry["before"]), json.loads(entry["after"])
    marks = {"deleted_on", "deleted_by"}
    assert {k: old[k] for k in marks} == {"deleted_on": None, "deleted_by": None}
    deleted_on = store.row("action_steps", 1)["deleted_on"].isoformat()
    assert {k: new[k] for k in marks} == {"deleted_on": deleted_on, "deleted_by": 1}
    kept = set(old) - marks - STAMPS
    assert {k: new[k] for k in kept} == {k: old[k] for k in kept}
    assert old["description"] == STEP

    plan = plans.school_plan(store, people["principal.a"], 1, TODAY)
    assert plan.steps.empty
    assert plan.goals[["id", "open_steps", "overdue_steps"]].to_dict("records") == [
        {"id": 1, "open_steps": 0, "overdue_steps": 0}
    ]
    due = plans.due_this_month(store, people["principal.a"], 1, TODAY)
    assert list(due["kind"]) == []
    assert "action step due" not in set(plan.calendar(TODAY)["what"])
    assert "action step overdue" not in set(plan.calendar(TODAY)["what"])


def test_figures_that_count_steps_leave_a_deleted_step_out(store, people):
    office = people["office"]

    def overview() -> dict:
        found = store.plan_overview([1], TODAY).iloc[0]
        return {k: int(found[k]) for k in ("open_goals", "open_steps", "overdue_steps")}

    def reasons() -> list[str]:
        table = needs_support.needs_support(store, office, TODAY).schools
        return table.loc[table["school_id"] == 1, "reasons"].iloc[0]

    assert overview() == {"open_goals": 1, "open_steps": 1, "overdue_steps": 1}
    assert reasons() == ["1 of 1 open action step overdue (100%)"]

    actions.delete_action_step(store, people["principal.a"], 1, version=1)

    assert overview() == {"open_goals": 1, "open_steps": 0, "overdue_steps": 0}
    assert reasons() == []


def test_a_deleted_goal_takes_its_milestones_and_steps_out_of_every_reader(
    store, people
):
    principal, office = people["principal.a"], people["office"]
    met = {"met_on": date(2026, 10, 1)}
    actions.update_milestone(store, principal, 1, met, version=1)
    work = exports.report_for(store, office, 1, TODAY).work
    assert (work.open_goals, work.milestones_met) == (1, 1)
    assert list(store.open_goals_on(1)["goal_id"]) == [1]

    actions.delete_goal(store, principal, 1, version=1)

    plan = plans.school_plan(store, principal, 1, TODAY)
    assert plan.goals.empty and plan.milestones.empty and plan.steps.empty
    assert list(plan.calendar(TODAY)["what"]) == []
    assert plans.due_this_month(store, principal, 1, TODAY).empty
    found = store.plan_overview([1], TODAY).iloc[0]
    assert (found["open_goals"], found["open_steps"]) == (0, 0)
    assert store.open_goals_on(1).empty
    work = exports.report_for(store, office, 1, TODAY).work
    assert (work.open_goals, work.milestones_met) == (0, 0)
    # The milestone and the step keep their own rows: only the goal is marked.
    assert store.row("action_steps", 1)["deleted_on"] is None
    assert store.row("milestones", 1)["met_on"] == date(2026, 10, 1)


def test_undo_brings_the_goal_back_exactly_and_is_recorded(store, people):
    principal = people["principal.a"]
    rows = {t: store.row(t, 1) for t in ("goals", "milestones", "action_steps")}
    planned = plans.school_plan(store, principal, 1, TODAY)

    deleted = actions.delete_goal(store, principal, 1, version=1)
    restored = actions.restore_goal(store, principal, 1, version=deleted)

    assert (deleted, restored) == (2, 3)
    for table, row in rows.items():
        assert _without_stamps(store.row(table, 1)) == _without_stamps(row)
    again = plans.school_plan(store, principal, 1, TODAY)
    assert again.steps.equals(planned.steps)
    assert again.milestones.drop(columns="version").equals(
        planned.milestones.drop(columns="version")
    )
    assert list(again.goals["statement"]) == [GOAL]
    assert _history(store, "goals", 1)[-2:] == [
        ("principal.a@test.sqr", "delete goal"),
        ("principal.a@test.sqr", "restore goal"),
    ]
    entry = store.history("goals", 1).iloc[-1]
    assert json.loads(entry["after"])["deleted_on"] is None
    assert json.loads(entry["before"])["deleted_by"] == 1


def test_a_step_deleted_before_its_goal_stays_deleted_when_the_goal_returns(
    store, people
):
    principal = people["principal.a"]
    step_version = actions.delete_action_step(store, principal, 1, version=1)
    goal_version = actions.delete_goal(store, principal, 1, version=1)

    with pytest.raises(InvalidInput) as refused:
        actions.restore_action_step(store, principal, 1, version=step_version)
    day = _day(store, "goals", 1)
    assert refused.value.problems == {
        "id": f"its goal was deleted on {day} by Ana Principal: restore the goal first"
    }
    items = plans.deleted_items(store, principal, 1)
    assert items[["kind", "id", "restorable"]].to_dict("records") == [
        {"kind": "goal", "id": 1, "restorable": True},
        {"kind": "action step", "id": 1, "restorable": False},
    ]

    actions.restore_goal(store, principal, 1, version=goal_version)
    assert plans.school_plan(store, principal, 1, TODAY).steps.empty
    actions.restore_action_step(store, principal, 1, version=step_version)
    assert list(plans.school_plan(store, principal, 1, TODAY).steps["id"]) == [1]
    assert plans.deleted_items(store, principal, 1).empty


def test_a_stale_version_is_refused_and_nothing_changes(store, people):
    team, principal = people["team.a"], people["principal.a"]
    actions.update_action_step(store, team, 1, {"owner": "Coach"}, version=1)
    history = _history(store, "action_steps", 1)

    with pytest.raises(StaleEdit) as stale:
        actions.delete_action_step(store, principal, 1, version=1)

    assert str(stale.value).startswith("This action step was changed by Tomas Team on ")
    assert stale.value.current_version == 2
    assert store.row("action_steps", 1)["deleted_on"] is None
    assert _history(store, "action_steps", 1) == history

    deleted = actions.delete_action_step(store, principal, 1, version=2)
    with pytest.raises(StaleEdit, match="changed by Ana Principal"):
        actions.restore_action_step(store, team, 1, version=deleted - 1)
    assert store.row("action_steps", 1)["deleted_by"] == 1


@pytest.mark.parametrize(
    ("who", "message"),
    [
        (
            "principal.b",
            "A principal can change a school's plan only for their own school.",
        ),
        ("viewer", "A viewer cannot change a school's plan."),
        ("lead.north", "A network lead cannot change a school's plan."),
    ],
)
def test_someone_outside_the_school_can_neither_delete_nor_restore(
    store, people, who, message
):
    stranger = people[who]
    rows = {t: store.row(t, 1) for t in ("goals", "action_steps")}
    for delete in (actions.delete_goal, actions.delete_action_step):
        with pytest.raises(PermissionDenied) as refused:
            delete(store, stranger, 1, version=1)
        assert str(refused.value) == message
    assert {t: store.row(t, 1) for t in rows} == rows

    version = actions.delete_goal(store, people["principal.a"], 1, version=1)
    history = _history(store, "goals", 1)
    with pytest.raises(PermissionDenied) as refused:
        actions.restore_goal(store, stranger, 1, version=version)
    assert str(refused.value) == message
    assert store.row("goals", 1)["deleted_by"] == 1
    assert _history(store, "goals", 1) == history


def test_a_deleted_step_cannot_be_changed_or_checked_in(store, people):
    principal = people["principal.a"]
    actions.delete_action_step(store, principal, 1, version=1)
    day = _day(store, "action_steps", 1)

    with pytest.raises(InvalidInput) as refused:
        actions.update_action_step(store, principal, 1, {"owner": "X"}, version=2)
    assert refused.value.problems == {
        "id": f"this action step was deleted on {day} by Ana Principal: "
        "restore it first"
    }
    with pytest.raises(InvalidInput) as refused:
        actions.record_check_in(
            store, principal, {"action_step_id": 1, "status": "done"}
        )
    assert refused.value.problems == {
        "row 1, id": f"action step 1 was deleted on {day} by Ana Principal: "
        "restore it first"
    }
    with pytest.raises(InvalidInput) as refused:
        actions.delete_action_step(store, principal, 1, version=2)
    assert refused.value.problems == {
        "id": f"this action step was already deleted on {day} by Ana Principal"
    }
    assert store.row("action_steps", 1)["version"] == 2
    assert store.value("SELECT count(*) FROM check_ins") == 1


def test_nothing_of_a_deleted_goal_can_be_changed(store, people):
    principal = people["principal.a"]
    actions.delete_goal(store, principal, 1, version=1)
    day = _day(store, "goals", 1)
    by = f"{day} by Ana Principal"
    attempts = [
        (lambda: actions.update_goal(store, principal, 1, {"target": 90}, version=2),
         f"the goal was deleted on {by}: restore it first"),
        (lambda: actions.close_goal(store, principal, 1, version=2),
         f"the goal was deleted on {by}: restore it first"),
        (lambda: actions.update_milestone(
            store, principal, 1, {"description": "Later"}, version=1),
         f"the goal of this milestone was deleted on {by}: restore the goal first"),
        (lambda: actions.update_action_step(
            store, principal, 1, {"owner": "X"}, version=1),
         f"the goal of this action step was deleted on {by}: restore the goal first"),
        (lambda: actions.create_milestone(
            store, principal,
            {"goal_id": 1, "description": "Later", "due_on": date(2027, 1, 1)}),
         f"the goal was deleted on {by}: restore it first"),
    ]  # fmt: skip
    for attempt, problem in attempts:
        with pytest.raises(InvalidInput) as refused:
            attempt()
        assert refused.value.problems == {"id": problem}
    with pytest.raises(InvalidInput) as refused:
        actions.record_check_in(store, principal, {"goal_id": 1, "status": "done"})
    assert refused.value.problems == {
        "row 1, id": f"goal 1 was deleted on {by}: restore it first"
    }
    with pytest.raises(InvalidInput) as refused:
        actions.add_comment(
            store, principal, {"school_id": 1, "goal_id": 1, "body": "Hi"}
        )
    assert refused.value.problems == {
        "goal_id": f"goal 1 was deleted on {by}: restore it first"
    }
    assert store.row("goals", 1)["version"] == 2
    assert store.row("milestones", 1)["version"] == 1


def test_restoring_what_is_not_deleted_is_refused(store, people):
    principal = people["principal.a"]
    for restore, what in (
        (actions.restore_goal, "goal"),
        (actions.restore_action_step, "action step"),
    ):
        with pytest.raises(InvalidInput) as refused:
            restore(store, principal, 1, version=1)
        assert str(refused.value) == (
            f"The {what} was not saved. id: this {what} is not deleted: there is "
            "nothing to restore"
        )
    assert store.row("goals", 1)["version"] == 1
    assert _history(store, "goals", 1) == []


def test_the_goals_timeline_keeps_its_deleted_step(store, people):
    principal = people["principal.a"]
    version = actions.delete_action_step(store, principal, 1, version=1)
    actions.restore_action_step(store, principal, 1, version=version)
    actions.delete_action_step(store, principal, 1, version=version + 1)

    events = plans.goal_timeline(store, principal, 1, 1)
    assert sorted(events["what"]) == sorted(
        [
            f"Delete action step: “{STEP}”",
            f"Restore action step: “{STEP}”",
            f"Delete action step: “{STEP}”",
            f"Action step “{STEP}” checked in: in progress. Half the staff trained",
        ]
    )


# -- the workspace -------------------------------------------------------------------


@pytest.fixture
def district(tmp_path, monkeypatch) -> Store:
    """The small district in a file the app signs into as a demo."""
    path = tmp_path / "district.duckdb"
    opened = Store.open(path)
    opened.bulk_load(small_district(), {"is_demo": "true"})
    monkeypatch.setenv("SQR_TRACKER_DB", str(path))
    yield opened
    opened.close()


GOALS, CHANGE = "Goals", "Change the plan"  # the plan's tabs, built once opened


def _workspace(store: Store, tab: str, email: str = "principal.a@test.sqr") -> AppTest:
    page = AppTest.from_file("../pages/workspace.py", default_timeout=30)
    page.session_state[DEMO_USER_KEY] = store.user_by_email(email).id
    page.session_state["plan:tab"] = tab
    return page.run()


def _on_tab(page: AppTest, tab: str) -> AppTest:
    page.session_state["plan:tab"] = tab
    return page.run()


def _shown_steps(page: AppTest) -> list[str]:
    """The action steps the goal cards list."""
    return [
        text
        for frame in page.dataframe
        if {"description", "owner"} <= set(frame.value.columns)
        for text in frame.value["description"]
    ]


def test_the_team_deletes_a_step_then_undoes_it(district):
    page = _workspace(district, GOALS)
    assert not page.exception
    assert _shown_steps(page) == [STEP]
    _on_tab(page, CHANGE)  # where a step is changed and deleted

    page.button(key="delete:action_steps:1").click().run()
    assert [w.value for w in page.warning] == [
        plain(
            f"Delete the action step “{STEP}”? You can undo this, or restore it "
            "later from “Deleted items” under “Change the plan”."
        )
    ]
    assert district.row("action_steps", 1)["deleted_on"] is None
    page.button(key="delete-yes:action_steps:1").click().run()

    assert not page.exception
    assert district.row("action_steps", 1)["deleted_by"] == 1
    assert plain(f"Deleted the action step “{STEP}”") in [
        m.value for m in page.markdown
    ]
    assert [e.label for e in page.expander if e.label.startswith("Deleted")] == [
        "Deleted items (1)"
    ]
    assert _shown_steps(_on_tab(page, GOALS)) == []

    page.button(key="plan-delete:undo-button").click().run()

    assert not page.exception
    assert [s.value for s in page.success] == [
        plain(f"Restored the action step “{STEP}”")
    ]
    assert _shown_steps(page) == [STEP]
    assert district.row("action_steps", 1)["deleted_on"] is None
    assert [a for _, a in _history(district, "action_steps", 1)] == [
        "delete action step",
        "restore action step",
    ]
    assert not [b for b in page.button if b.key == "plan-delete:undo-button"]


def test_keep_it_leaves_the_goal_in_the_plan(district):
    page = _workspace(district, GOALS)
    page.button(key="delete:goals:1").click().run()
    assert plain("Its milestones and action steps go with it.") in page.warning[0].value
    page.button(key="delete-no:goals:1").click().run()

    assert not page.exception
    assert list(page.warning) == []
    assert district.row("goals", 1)["deleted_on"] is None
    assert [b.label for b in page.button if b.key == "delete:goals:1"] == [
        "Delete this goal"
    ]


def test_a_deleted_goal_is_restored_later_from_the_deleted_items(district):
    principal = district.user_by_email("principal.a@test.sqr")
    actions.delete_goal(district, principal, 1, version=1)
    page = _workspace(district, GOALS)
    assert not page.exception
    assert _shown_steps(page) == []
    assert "No goals yet. Start from an area for growth of the latest review." in [
        i.value for i in page.info
    ]
    _on_tab(page, CHANGE)  # where deleted items are listed
    day = f"{district.row('goals', 1)['deleted_on']:%-d %b %Y at %H:%M}"
    assert plain(f"Deleted by Ana Principal on {day}") in [
        c.value for c in page.caption
    ]

    page.button(key="restore:goals:1").click().run()

    assert not page.exception
    assert [s.value for s in page.success] == [plain(f"Restored the goal “{GOAL}”")]
    assert district.row("goals", 1)["deleted_on"] is None
    assert [e.label for e in page.expander if e.label.startswith("Deleted")] == []
    assert _shown_steps(_on_tab(page, GOALS)) == [STEP]


def test_a_restore_someone_else_already_made_is_explained(district):
    principal = district.user_by_email("principal.a@test.sqr")
    page = _workspace(district, CHANGE)
    page.button(key="delete:action_steps:1").click().run()
    page.button(key="delete-yes:action_steps:1").click().run()
    actions.restore_action_step(district, principal, 1, version=2)

    page.button(key="plan-delete:undo-button").click().run()

    assert [e.value for e in page.error] == [
        plain(
            "The action step was not restored: this action step is not deleted: "
            "there is nothing to restore."
        )
    ]
    assert _shown_steps(_on_tab(page, GOALS)) == [STEP]
