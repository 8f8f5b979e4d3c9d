"""The school workspace through AppTest: plan changes, check-ins, conflicts."""

from __future__ import annotations

from datetime import date

import pytest
from streamlit.testing.v1 import AppTest

from sqr_tracker import actions
from sqr_tracker.demo import build_demo_file
from sqr_tracker.plans import due_this_month
from sqr_tracker.session import DEMO_USER_KEY
from sqr_tracker.store import Store
from sqr_tracker.views import plain

SITE_TEAM = "site.team@demo.sqr"


@pytest.fixture
def demo(tmp_path, monkeypatch) -> Store:
    path = tmp_path / "demo.duckdb"
    build_demo_file(path, schools=12, seed=4, today=date.today())
    monkeypatch.setenv("SQR_TRACKER_DB", str(path))
    store = Store.open(path)
    yield store
    store.close()


CHANGE, GOALS, SUPPORT, HISTORY = "Change the plan", "Goals", "Support", "History"
TABS = ["This month's check-in", GOALS, CHANGE, "Calendar", "Latest review",
        SUPPORT, HISTORY]  # fmt: skip


def workspace(store: Store, email: str = SITE_TEAM, tab: str | None = None) -> AppTest:
    """The page, signed in, on its first tab or on ``tab`` (a tab is built
    once opened)."""
    page = AppTest.from_file("../pages/workspace.py", default_timeout=30)
    page.session_state[DEMO_USER_KEY] = store.user_by_email(email).id
    if tab is not None:
        page.session_state["plan:tab"] = tab
    return page.run()


def on_tab(page: AppTest, tab: str) -> AppTest:
    page.session_state["plan:tab"] = tab
    return page.run()


def goals_of(store: Store, school_id: int) -> list[str]:
    found = store.rows("SELECT statement FROM goals WHERE school_id = ?", [school_id])
    return [row[0] for row in found]


def test_the_team_adds_a_goal_then_a_milestone_and_an_action_step(demo):
    user = demo.user_by_email(SITE_TEAM)
    page = workspace(demo, tab=CHANGE)
    assert not page.exception
    page.text_area(key="goal-new:statement").input("Every family hears from us")
    page.selectbox(key="goal-new:measure_id").set_value(1)
    page.number_input(key="goal-new:target").set_value(95.0)
    next(b for b in page.button if b.label == "Add goal").click().run()
    assert not page.exception
    assert "The goal was saved." in [s.value for s in page.success]
    assert "Every family hears from us" in goals_of(demo, user.school_id)
    goal_id = demo.value("SELECT max(id) FROM goals")

    page.selectbox(key="change:goal").set_value(goal_id).run()
    page.text_input(key=f"milestone-new-{goal_id}:description").input("Half reached")
    page.date_input(key=f"milestone-new-{goal_id}:due_on").set_value(date(2027, 3, 1))
    next(b for b in page.button if b.label == "Add milestone").click().run()
    page.text_input(key=f"step-new-{goal_id}:description").input("Call every family")
    page.text_input(key=f"step-new-{goal_id}:owner").input("Family liaison")
    page.date_input(key=f"step-new-{goal_id}:starts_on").set_value(date(2027, 1, 4))
    page.date_input(key=f"step-new-{goal_id}:due_on").set_value(date(2027, 2, 26))
    next(b for b in page.button if b.label == "Add action step").click().run()
    assert not page.exception
    assert demo.rows(
        "SELECT description FROM milestones WHERE goal_id = ?", [goal_id]
    ) == [("Half reached",)]
    assert demo.rows(
        "SELECT description, owner, status FROM action_steps WHERE goal_id = ?",
        [goal_id],
    ) == [("Call every family", "Family liaison", "not started")]


def test_a_wrong_field_is_named_under_it_and_nothing_is_saved(demo):
    user = demo.user_by_email(SITE_TEAM)
    before = goals_of(demo, user.school_id)
    page = workspace(demo, tab=CHANGE)
    page.text_area(key="goal-new:statement").input("Read every day")
    page.selectbox(key="goal-new:measure_id").set_value(2)
    next(b for b in page.button if b.label == "Add goal").click().run()
    assert [e.value for e in page.error] == [
        "The goal was not saved: see the fields marked below."
    ]
    assert ":red[Target: a goal with a measure needs a target]" in [
        c.value for c in page.caption
    ]
    assert page.text_area(key="goal-new:statement").value == "Read every day"
    assert goals_of(demo, user.school_id) == before


def test_a_monthly_check_in_of_several_items_is_saved_together(demo):
    user = demo.user_by_email(SITE_TEAM)
    due = due_this_month(demo, user, user.school_id, date.today())
    waiting = due[~due["done"]]
    assert len(waiting) >= 2
    first, second = waiting.iloc[0], waiting.iloc[1]
    before = demo.value("SELECT count(*) FROM check_ins")
    page = workspace(demo)
    page.text_input(key=f"check-in:{first['kind']}:{first['id']}:note").input("On it")
    page.text_input(key=f"check-in:{second['kind']}:{second['id']}:note").input("Done")
    next(b for b in page.button if b.label == "Save this month's check-in").click()
    page.run()
    assert not page.exception
    assert [s.value for s in page.success] == ["Saved 2 check-ins."]
    assert demo.value("SELECT count(*) FROM check_ins") == before + 2
    notes = demo.rows(
        "SELECT note FROM check_ins WHERE written_by = ? ORDER BY id DESC LIMIT 2",
        [user.id],
    )
    assert sorted(n for (n,) in notes) == ["Done", "On it"]
    after = due_this_month(demo, user, user.school_id, date.today())
    assert after.set_index(["kind", "id"]).loc[(first["kind"], first["id"]), "done"]


def test_a_version_conflict_is_refused_and_keeps_the_typed_text(demo):
    user = demo.user_by_email(SITE_TEAM)
    goal_id, version = demo.rows(
        "SELECT id, version FROM goals WHERE school_id = ? AND status = 'open' "
        "ORDER BY id LIMIT 1",
        [user.school_id],
    )[0]
    page = workspace(demo, tab=CHANGE)
    page.selectbox(key="change:goal").set_value(goal_id).run()
    page.text_area(key=f"goal-{goal_id}:statement").input("My careful rewording")
    principal = demo.user_by_email("principal@demo.sqr")
    actions.update_goal(
        demo, principal, goal_id, {"site_plan_ref": "SPSA 9"}, version=version
    )
    next(b for b in page.button if b.label == "Save goal").click().run()
    assert not page.exception
    [error] = [e.value for e in page.error]
    assert error.startswith(f"This goal was changed by {principal.name} on ")
    assert "Your text has been kept" in error
    assert page.text_area(key=f"goal-{goal_id}:statement").value == (
        "My careful rewording"
    )
    assert demo.value("SELECT statement FROM goals WHERE id = ?", [goal_id]) != (
        "My careful rewording"
    )


def test_a_network_lead_sees_a_schools_plan_but_cannot_change_it(demo):
    lead = demo.user_by_email("network.lead@demo.sqr")
    page = workspace(demo, "network.lead@demo.sqr")
    assert not page.exception
    assert page.title[0].value == "School plans"
    network = set(demo.school_ids_in_network(lead.network_id))
    assert set(page.selectbox(key="school").options) <= {
        str(name) for name in demo.schools(sorted(network))["name"]
    }
    assert len(page.selectbox(key="school").options) == len(network)
    labels, infos = set(), []
    for tab in TABS:  # every tab's buttons and notes
        on_tab(page, tab)
        assert not page.exception
        labels |= {b.label for b in page.button}
        infos += [i.value for i in page.info]
    changes = {
        "Add goal",
        "Save goal",
        "Close this goal",
        "Reopen this goal",
        "Save this month's check-in",
        "Add milestone",
        "Add action step",
        "Ask for support",
    }
    assert labels & changes == set()
    assert "Add comment" in labels
    assert "Only the school's site team and principal change its plan." in infos


def test_a_network_lead_comments_and_the_team_sees_it_in_place(demo):
    team = demo.user_by_email(SITE_TEAM)
    lead = demo.user_by_email("network.lead@demo.sqr")
    school_id = team.school_id
    assert demo.network_of_school(school_id) == lead.network_id
    goal_id = demo.value(
        "SELECT min(id) FROM goals WHERE school_id = ? AND status = 'open'",
        [school_id],
    )
    page = workspace(demo, "network.lead@demo.sqr", tab=GOALS)
    page.selectbox(key="school").set_value(school_id).run()
    page.text_area(key=f"comment-{goal_id}:body").input("**Great** work, see me")
    submit = [b for b in page.button if b.form_id.endswith(f"comment-{goal_id}")]
    submit[0].click().run()
    assert not page.exception
    assert "Your comment was added." in [s.value for s in page.success]

    seen = workspace(demo, tab=GOALS)
    assert "**Great** work, see me" in [t.value for t in seen.text]
    assert f"{lead.name} · " in " ".join(c.value for c in seen.caption)


def test_the_team_asks_for_support_on_a_goal(demo):
    team = demo.user_by_email(SITE_TEAM)
    goal_id = demo.value(
        "SELECT min(id) FROM goals WHERE school_id = ? AND status = 'open'",
        [team.school_id],
    )
    page = workspace(demo, tab=SUPPORT)
    page.selectbox(key="support-new:about").set_value(f"goal:{goal_id}")
    page.text_area(key="support-new:need").input("A coach for two days in January")
    next(b for b in page.button if b.label == "Ask for support").click().run()
    assert not page.exception
    assert "Your request was sent to the central office." in [
        s.value for s in page.success
    ]
    assert demo.rows(
        "SELECT goal_id, need, status, requested_by FROM support_requests "
        "ORDER BY id DESC LIMIT 1"
    ) == [(goal_id, "A coach for two days in January", "open", team.id)]
    assert "Waiting for an answer from the central office." in [
        c.value for c in page.caption
    ]


def test_a_milestone_is_marked_met_and_reopened_from_the_workspace(demo):
    team = demo.user_by_email(SITE_TEAM)
    goal_id, milestone_id = demo.rows(
        "SELECT g.id, m.id FROM milestones m JOIN goals g ON g.id = m.goal_id "
        "WHERE g.school_id = ? AND g.status = 'open' AND m.met_on IS NULL "
        "ORDER BY m.id LIMIT 1",
        [team.school_id],
    )[0]
    page = workspace(demo, tab=CHANGE)
    page.selectbox(key="change:goal").set_value(goal_id).run()
    page.selectbox(key=f"milestone:{goal_id}").set_value(milestone_id).run()
    form = f"milestone-{milestone_id}"
    page.date_input(key=f"{form}:met_on").set_value(date(2026, 11, 2))
    [save] = [b for b in page.button if b.form_id.endswith(form)]
    save.click().run()
    assert not page.exception
    assert demo.rows(
        "SELECT met_on, status FROM milestones WHERE id = ?", [milestone_id]
    ) == [(date(2026, 11, 2), "met")]
    page.date_input(key=f"{form}:met_on").set_value(None)
    [save] = [b for b in page.button if b.form_id.endswith(form)]
    save.click().run()
    assert demo.rows(
        "SELECT met_on, status FROM milestones WHERE id = ?", [milestone_id]
    ) == [(None, "open")]


def test_a_comment_on_an_action_step_shows_under_its_goal(demo):
    team = demo.user_by_email(SITE_TEAM)
    goal_id, step_id, step = demo.rows(
        "SELECT g.id, a.id, a.description FROM action_steps a "
        "JOIN goals g ON g.id = a.goal_id WHERE g.school_id = ? AND g.status = 'open' "
        "ORDER BY a.id LIMIT 1",
        [team.school_id],
    )[0]
    page = workspace(demo, "network.lead@demo.sqr", tab=GOALS)
    page.selectbox(key="school").set_value(team.school_id).run()
    page.selectbox(key=f"comment-{goal_id}:about").set_value(step_id)
    page.text_area(key=f"comment-{goal_id}:body").input("Nice start")
    [add] = [b for b in page.button if b.form_id.endswith(f"comment-{goal_id}")]
    add.click().run()
    assert demo.rows(
        "SELECT goal_id, action_step_id, body FROM comments ORDER BY id DESC LIMIT 1"
    ) == [(None, step_id, "Nice start")]
    seen = workspace(demo, tab=GOALS)
    assert any(c.value.endswith(plain(f"on “{step}”")) for c in seen.caption)


def open_goals(store: Store, school_id: int) -> list[tuple[int, int, str]]:
    return store.rows(
        "SELECT id, version, statement FROM goals WHERE school_id = ? "
        "AND status = 'open' ORDER BY id",
        [school_id],
    )


def test_switching_goals_and_back_shows_the_stored_goal_again(demo):
    team = demo.user_by_email(SITE_TEAM)
    (first, _, statement), (second, _, _) = open_goals(demo, team.school_id)[:2]
    page = workspace(demo, tab=CHANGE)
    page.selectbox(key="change:goal").set_value(first).run()
    assert page.text_area(key=f"goal-{first}:statement").value == statement
    page.selectbox(key="change:goal").set_value(second).run()
    page.selectbox(key="change:goal").set_value(first).run()
    assert page.text_area(key=f"goal-{first}:statement").value == statement


def test_after_a_conflict_a_second_save_replaces_the_other_change(demo):
    team = demo.user_by_email(SITE_TEAM)
    goal_id, version, _ = open_goals(demo, team.school_id)[0]
    page = workspace(demo, tab=CHANGE)
    page.selectbox(key="change:goal").set_value(goal_id).run()
    page.text_area(key=f"goal-{goal_id}:statement").input("Mine, on purpose")
    principal = demo.user_by_email("principal@demo.sqr")
    actions.update_goal(
        demo, principal, goal_id, {"site_plan_ref": "SPSA 9"}, version=version
    )
    save = lambda: next(b for b in page.button if b.label == "Save goal")  # noqa: E731
    save().click().run()
    assert "Save again to replace their change" in page.error[0].value
    save().click().run()
    assert "The goal was saved." in [s.value for s in page.success]
    assert demo.rows(
        "SELECT statement, version FROM goals WHERE id = ?", [goal_id]
    ) == [("Mine, on purpose", version + 2)]


def test_a_goal_checked_in_with_only_a_note_counts_as_done(demo):
    team = demo.user_by_email(SITE_TEAM)
    due = due_this_month(demo, team, team.school_id, date.today())
    goal = due[(due["kind"] == "goal") & ~due["done"]].iloc[0]
    page = workspace(demo)
    page.text_input(key=f"check-in:goal:{goal['id']}:note").input("Holding steady")
    next(b for b in page.button if b.label == "Save this month's check-in").click()
    page.run()
    assert [s.value for s in page.success] == ["Saved 1 check-ins."]
    after = due_this_month(demo, team, team.school_id, date.today())
    assert after.set_index(["kind", "id"]).loc[("goal", goal["id"]), "done"]


def test_a_check_in_conflict_shows_the_stored_status_and_keeps_the_note(demo):
    team = demo.user_by_email(SITE_TEAM)
    due = due_this_month(demo, team, team.school_id, date.today())
    step = due[(due["kind"] == "action step") & ~due["done"]].iloc[0]
    key = f"check-in:action step:{step['id']}"
    page = workspace(demo)
    page.selectbox(key=f"{key}:status").set_value("done")
    page.text_input(key=f"{key}:note").input("Waiting on the schedule")
    theirs = "blocked" if step["status"] != "blocked" else "in progress"
    principal = demo.user_by_email("principal@demo.sqr")
    actions.update_action_step(
        demo,
        principal,
        int(step["id"]),
        {"status": theirs},
        version=int(step["version"]),
    )
    next(b for b in page.button if b.label == "Save this month's check-in").click()
    page.run()
    assert page.error[0].value.startswith("Nothing saved. This action step was ")
    assert page.selectbox(key=f"{key}:status").value == theirs
    assert page.text_input(key=f"{key}:note").value == "Waiting on the schedule"
    assert (
        demo.value("SELECT status FROM action_steps WHERE id = ?", [int(step["id"])])
        == theirs
    )


def test_a_goal_written_outside_the_page_opens_in_change_and_history(demo):
    """A goal created without a review, whose history holds a creation with no
    earlier state, opens in both tabs."""
    user = demo.user_by_email(SITE_TEAM)
    goal_id = actions.create_goal(
        demo,
        user,
        {"school_id": user.school_id, "standard_id": 1, "statement": "Read daily"},
    )
    page = workspace(demo, tab=CHANGE)
    page.selectbox(key="change:goal").set_value(goal_id).run()
    assert not page.exception
    assert page.checkbox(key=f"goal-{goal_id}:tied").value is False
    on_tab(page, HISTORY).selectbox(key="history").set_value(goal_id).run()
    assert not page.exception
    assert page.dataframe[-1].value["what"].tolist() == ["Create goal: created"]


def test_a_tab_is_built_once_opened_and_then_kept(demo):
    """Closed tabs ask nothing until opened; an opened one is still sent when
    another is open, so the browser keeps what was typed in it (a browser
    test checks the text itself)."""
    page = workspace(demo)
    check_in = "Save this month's check-in"
    assert [b.label for b in page.button].count(check_in) == 1

    def comments() -> list[str]:
        return [e.label for e in page.expander if e.label.startswith("Comments (")]

    assert comments() == []
    on_tab(page, GOALS)
    assert comments()  # each goal's comments
    assert [b.label for b in page.button].count(check_in) == 1
