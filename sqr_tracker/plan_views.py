"""The workspace's views: the plan by standard, this month's check-in, support
requests and each goal's timeline. They draw what ``plans`` computed."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from sqr_tracker import actions, cached, plan_deletes, plan_forms, views
from sqr_tracker.auth import Action, allowed
from sqr_tracker.errors import InvalidInput, SqrError, StaleEdit
from sqr_tracker.models import SCHOOL_ROLES, StepStatus, User
from sqr_tracker.plans import AT_RISK, OFF_TRACK, ON_TRACK, Plan
from sqr_tracker.store import Store
from sqr_tracker.views import plain, rows_height, when

HEALTH_BADGES = {
    ON_TRACK: ("On track", "green", ":material/check_circle:"),
    AT_RISK: ("At risk", "orange", ":material/warning:"),
    OFF_TRACK: ("Off track", "red", ":material/error:"),
    "closed": ("Closed", "gray", ":material/archive:"),
}


def health_badge(health: str) -> None:
    label, colour, icon = HEALTH_BADGES[health]
    st.badge(label, color=colour, icon=icon)


def plan_summary(plan: Plan) -> None:
    """The plan's health, the rules behind it, and what needs attention."""
    left, right = st.columns([1, 3])
    with left:
        st.caption("Plan health")
        health_badge(plan.health)
    with right, st.expander("How plan health is judged"):
        for rule in plan.rules:
            st.markdown(f"- {rule}")
    if plan.too_many_focus_goals:
        st.warning(
            f"{plan.focus_count} focus goals: the district recommends at most "
            f"{plan.focus_limit}. A team with limited time does better with a few "
            "high-leverage goals."
        )
    for area in plan.unplanned_growth.itertuples():
        st.warning(
            plain(
                f"No open goal yet for {area.code} {area.standard}. The review's "
                f"area for growth: {area.areas_for_growth}"
            )
        )


def goal_card(
    store: Store, user: User, plan: Plan, goal: pd.Series, can_edit: bool
) -> None:
    """One goal: health, measure, milestones, action steps, comments."""
    with st.container(border=True):
        top, badge = st.columns([5, 1])
        star = "★ " if goal["is_focus"] else ""
        top.markdown(f"**{star}{plain(goal['statement'])}**")
        with badge:
            health_badge(goal["health"])
        st.caption(plain(_goal_line(goal)))
        if goal["reasons"]:
            st.caption(plain(f"Why: {goal['reasons']}"))
        _milestones(plan.milestones[plan.milestones["goal_id"] == goal["id"]])
        _steps(plan.steps[plan.steps["goal_id"] == goal["id"]])
        if can_edit:
            plan_forms.close_or_reopen(store, user, goal)
            plan_deletes.delete_control(store, user, "goals", goal, goal["statement"])


def _goal_line(goal: pd.Series) -> str:
    """'Attendance rate: baseline 91.7 → latest 93.3 → target 93.5 · by ...'."""
    parts = []
    if isinstance(goal["measure"], str):
        figures = [
            f"baseline {_number(goal['baseline'])}",
            f"latest {_number(goal['latest_value'])}",
            f"target {_number(goal['target'])}",
        ]
        parts.append(f"{goal['measure']}: " + " → ".join(figures))
    if pd.notna(goal["target_date"]):
        parts.append(f"by {when(goal['target_date'])}")
    tie = "from the latest review" if goal["tied_to_review"] else "not tied to the "
    parts.append(tie + ("" if goal["tied_to_review"] else "latest review"))
    if goal["site_plan_ref"]:
        parts.append(f"site plan: {goal['site_plan_ref']}")
    return " · ".join(parts)


def _number(value: object) -> str:
    return "none yet" if value is None or pd.isna(value) else f"{value:g}"


def _milestones(milestones: pd.DataFrame) -> None:
    if milestones.empty:
        st.caption("No milestones yet.")
        return
    st.dataframe(
        milestones[["description", "due_on", "met_on"]],
        hide_index=True,
        width="stretch",
        placeholder="not yet",
        column_config={
            "description": st.column_config.TextColumn("Milestone", width="large"),
            "due_on": st.column_config.DateColumn("Due", format="D MMM YYYY"),
            "met_on": st.column_config.DateColumn("Met", format="D MMM YYYY"),
        },
    )


def _steps(steps: pd.DataFrame) -> None:
    if steps.empty:
        st.caption("No action steps yet.")
        return
    st.dataframe(
        steps[["description", "owner", "due_on", "status", "last_check_in"]],
        hide_index=True,
        width="stretch",
        placeholder="none yet",
        column_config={
            "description": st.column_config.TextColumn("Action step", width="large"),
            "owner": "Owner",
            "due_on": st.column_config.DateColumn("Due", format="D MMM YYYY"),
            "status": "Status",
            "last_check_in": st.column_config.DateColumn(
                "Last check-in", format="D MMM YYYY"
            ),
        },
    )


# -- the monthly check-in ------------------------------------------------------------

_STATUSES = [s.value for s in StepStatus]


def check_in_editor(
    store: Store, user: User, school_id: int, due: pd.DataFrame, can_edit: bool
) -> None:
    """This month's items in one form: for each, its status, a short note and
    (for a goal) the measure's new value; saved together."""
    waiting, done = due[~due["done"]], due[due["done"]]
    st.caption(
        f"{len(waiting)} to update this month · {len(done)} already updated · "
        f"{int(waiting['overdue'].sum())} overdue"
    )
    outcome = st.session_state.pop("check-in:outcome", None)
    if outcome:
        getattr(st, outcome[0])(outcome[1])
    if waiting.empty:
        st.success("Everything is updated for this month.")
    elif can_edit:
        with st.form("check-in"):
            for _, row in waiting.iterrows():
                _check_in_row(row)
            st.form_submit_button(
                "Save this month's check-in",
                type="primary",
                on_click=_save_check_in,
                args=(store, user, school_id, waiting),
            )
    else:
        st.dataframe(
            waiting[["kind", "item", "status", "due_on"]],
            hide_index=True,
            width="stretch",
            column_config={
                "kind": "Kind",
                "item": st.column_config.TextColumn("Item", width="large"),
                "status": "Status",
                "due_on": st.column_config.DateColumn("Due", format="D MMM YYYY"),
            },
        )
    if not done.empty:
        with st.expander(f"Already updated this month ({len(done)})"):
            st.dataframe(
                done[["kind", "item", "status", "last_check_in"]],
                hide_index=True,
                width="stretch",
                column_config={
                    "kind": "Kind",
                    "item": st.column_config.TextColumn("Item", width="large"),
                    "status": "Status",
                    "last_check_in": st.column_config.DatetimeColumn(
                        "Updated", format="D MMM YYYY"
                    ),
                },
            )


def _key(row: pd.Series, field: str) -> str:
    return f"check-in:{row['kind']}:{row['id']}:{field}"


def _check_in_row(row: pd.Series) -> None:
    """One item: what it is, then its status, note and new value."""
    what = "⚠ Overdue action step" if row["overdue"] else row["kind"].capitalize()
    if row["kind"] == "action step":
        detail = f" · due {when(row['due_on'])}"
    else:
        latest = row["latest_value"]
        detail = f" · {row['measure']}" + (
            f", last {latest:g}" if pd.notna(latest) else ""
        )
    st.markdown(f"**{what}**{detail} · {plain(row['item'])}")
    status, note, value = st.columns([1.2, 3, 1.3])
    status.selectbox(
        "Status",
        _STATUSES,
        index=_STATUSES.index(row["status"]),
        key=_key(row, "status"),
        label_visibility="collapsed",
    )
    note.text_input(
        "Note",
        key=_key(row, "note"),
        max_chars=2000,
        placeholder="A short note",
        label_visibility="collapsed",
    )
    if row["kind"] == "goal":
        value.number_input(
            "New value",
            value=None,
            key=_key(row, "value"),
            placeholder="New value",
            label_visibility="collapsed",
        )


def _save_check_in(store: Store, user: User, school_id: int, waiting: pd.DataFrame):
    """Form callback: every item the team touched, saved together."""
    touched = [(row, u) for _, row in waiting.iterrows() if (u := _update(row))]
    updates = [update for _, update in touched]
    items = [str(row["item"]) for row, _ in touched]
    if not updates:
        st.session_state["check-in:outcome"] = ("info", "Nothing was changed yet.")
        return
    try:
        saved = actions.record_check_ins(store, user, school_id, updates)
    except InvalidInput as bad:
        listed = "; ".join(f"{_named(k, items)}: {v}" for k, v in bad.problems.items())
        said = f"Nothing saved. {plain(listed)}"
        st.session_state["check-in:outcome"] = ("error", said)
        return
    except StaleEdit as stale:
        # Statuses shown were read before the other change: show the stored
        # ones again, keep the notes and values typed.
        for _, row in waiting.iterrows():
            st.session_state.pop(_key(row, "status"), None)
        st.session_state["check-in:outcome"] = (
            "error",
            f"Nothing saved. {plain(stale)} Check the statuses shown now, then save "
            "again.",
        )
        return
    except SqrError as refused:
        st.session_state["check-in:outcome"] = ("error", plain(refused))
        return
    for _, row in waiting.iterrows():
        for field in ("status", "note", "value"):
            st.session_state.pop(_key(row, field), None)
    st.session_state["check-in:outcome"] = ("success", f"Saved {saved} check-ins.")


def _named(problem: str, items: list[str]) -> str:
    """'row 2, status' as the item the team sees: '“Call every family”, status'."""
    row, _, field = problem.partition(", ")
    number = row.removeprefix("row ")
    if not number.isdigit() or not 0 < int(number) <= len(items):
        return problem
    return f"“{items[int(number) - 1]}”" + (f", {field}" if field else "")


def _update(row: pd.Series) -> dict | None:
    """The check-in for one item, or None if the team left it as it was."""
    status = st.session_state.get(_key(row, "status"), row["status"])
    note = (st.session_state.get(_key(row, "note")) or "").strip()
    value = st.session_state.get(_key(row, "value"))
    if status == row["status"] and not note and value is None:
        return None
    target = "action_step_id" if row["kind"] == "action step" else "goal_id"
    update = {
        target: int(row["id"]),
        "status": status,
        "note": note,
        "measure_value": value,
    }
    if target == "action_step_id":
        update["version"] = int(row["version"])
    return update


# -- the planning calendar -----------------------------------------------------------


def planning_calendar(upcoming: pd.DataFrame, late: pd.DataFrame) -> None:
    """The district's deadlines beside milestones and due dates, with a warning
    for each action step due after the deadline it must feed."""
    for step in late.itertuples():
        st.warning(
            plain(
                f"“{step.step}” is due {when(step.due_on)}, "
                f"after “{step.deadline}” "
                f"on {when(step.deadline_on)}, which it must feed."
            )
        )
    if upcoming.empty:
        st.caption("Nothing is due from today on.")
        return
    st.dataframe(
        upcoming,
        hide_index=True,
        width="stretch",
        height=rows_height(len(upcoming)),
        column_config={
            "on": st.column_config.DateColumn("Date", format="ddd D MMM YYYY"),
            "what": "What",
            "item": st.column_config.TextColumn("", width="large"),
            "goal": st.column_config.TextColumn("Toward the goal", width="large"),
        },
    )


# -- support and history -------------------------------------------------------------


_PEER_ASKS = {"visit": "A visit to", "pairing": "A pairing with"}


def support_requests(requests: pd.DataFrame) -> None:
    """Each request with its answer, newest first."""
    if requests.empty:
        st.caption("No support requests yet.")
        return
    for ask in requests.itertuples():
        with st.container(border=True):
            if ask.kind in _PEER_ASKS and isinstance(ask.peer_school, str):
                st.markdown(f"**{_PEER_ASKS[ask.kind]} {plain(ask.peer_school)}**")
            st.markdown(f"**{plain(ask.need)}**")
            needed = when(ask.needed_by) if pd.notna(ask.needed_by) else None
            by = f", needed by {needed}" if needed else ""
            st.caption(
                plain(
                    f"Asked by {ask.requested_by} on {when(ask.requested_on)}"
                    f"{by} · {ask.status}"
                )
            )
            if ask.answer:
                st.caption(
                    plain(f"Answer from {ask.answered_by} on {when(ask.answered_on)}:")
                )
                st.text(ask.answer)
            else:
                st.caption("Waiting for an answer from the central office.")


def timeline(events: pd.DataFrame) -> None:
    """Who did what when, newest first."""
    if events.empty:
        st.caption("Nothing recorded yet.")
        return
    st.dataframe(
        events,
        hide_index=True,
        width="stretch",
        column_config={
            "when": st.column_config.DatetimeColumn("When", format="D MMM YYYY, HH:mm"),
            "who": "Who",
            "what": st.column_config.TextColumn("What", width="large"),
        },
    )


# -- the page's parts ----------------------------------------------------------------


def school_choice(store: Store, user: User) -> int:
    """The user's own school, or a school they follow, chosen here."""
    if user.role in SCHOOL_ROLES:
        return int(user.school_id)
    names = cached.followed_schools(store, user)
    if not names:
        st.info("You follow no schools yet.")
        st.stop()
    return views.long_choice("School", names, key="school", noun="school")


def plan_by_standard(store: Store, user: User, plan: Plan, can_edit: bool) -> None:
    """Every goal under its standard, each with its comments."""
    if plan.goals.empty:
        st.info("No goals yet. Start from an area for growth of the latest review.")
    can_comment = allowed(store, user, Action.COMMENT, school_id=plan.school_id)
    for heading, goals in plan.by_standard():
        st.subheader(plain(heading))
        for _, goal in goals.iterrows():
            goal_card(store, user, plan, goal, can_edit)
            _comments(store, user, plan, int(goal["id"]), can_comment)


def _comments(store: Store, user: User, plan: Plan, goal_id: int, can_add: bool):
    """The comments on a goal and its action steps, where the team reads them."""
    steps = plan.steps[plan.steps["goal_id"] == goal_id]
    names = dict(zip(steps["id"], steps["description"], strict=True))
    on_steps = plan.comments["action_step_id"].isin(list(names))
    comments = plan.comments[(plan.comments["goal_id"] == goal_id) | on_steps]
    if comments.empty and not can_add:
        return
    with st.expander(f"Comments ({len(comments)})"):
        for comment in comments.itertuples():
            about = names.get(comment.action_step_id)
            step = f" · on “{about}”" if about else ""
            st.caption(plain(f"{comment.author} · {when(comment.written_on)}{step}"))
            st.text(comment.body)
        if can_add:
            plan_forms.comment_form(store, user, plan.school_id, goal_id, names)


def change_the_plan(store: Store, user: User, plan: Plan) -> None:
    """Add a goal, or pick one and change it, its milestones or its steps."""
    standards = store.standards()
    top = standards[standards["parent_code"].isna()]
    standard_names = dict(zip(top["id"], top["code"] + " " + top["name"], strict=True))
    measures = store.measures()
    measure_names = dict(zip(measures["id"], measures["name"], strict=True))
    review_id = plan.review_id
    with st.expander("Add a goal"):
        plan_forms.goal_form(
            store, user, plan.school_id, standard_names, measure_names, review_id
        )
    plan_deletes.deleted_list(store, user, plan.school_id)
    if plan.goals.empty:
        return
    goals = dict(zip(plan.goals["id"], plan.goals["statement"], strict=True))
    goal_id = st.selectbox(
        "Change a goal", list(goals), format_func=goals.get, key="change:goal"
    )
    goal = plan.goals[plan.goals["id"] == goal_id].iloc[0][plan_forms.GOAL_FIELDS]
    edit, milestone, step = st.tabs(["Edit the goal", "Milestones", "Action steps"])
    with edit:
        plan_forms.goal_form(
            store,
            user,
            plan.school_id,
            standard_names,
            measure_names,
            review_id,
            goal,
        )
    with milestone:
        _milestone_changes(store, user, plan, goal_id)
    with step:
        _step_changes(store, user, plan, goal_id)


def _milestone_changes(store: Store, user: User, plan: Plan, goal_id: int) -> None:
    plan_forms.milestone_form(store, user, goal_id)
    marks = plan.milestones[plan.milestones["goal_id"] == goal_id]
    if marks.empty:
        return
    names = dict(zip(marks["id"], marks["description"], strict=True))
    chosen = st.selectbox(
        "Change a milestone, or mark it met",
        list(names),
        format_func=names.get,
        key=f"milestone:{goal_id}",
    )
    plan_forms.milestone_edit_form(store, user, marks[marks["id"] == chosen].iloc[0])


def _step_changes(store: Store, user: User, plan: Plan, goal_id: int) -> None:
    st.caption("Add an action step")
    plan_forms.step_form(store, user, goal_id)
    steps = plan.steps[plan.steps["goal_id"] == goal_id]
    if steps.empty:
        return
    names = dict(zip(steps["id"], steps["description"], strict=True))
    chosen = st.selectbox(
        "Change an action step",
        list(names),
        format_func=names.get,
        key=f"step:{goal_id}",
    )
    row = steps[steps["id"] == chosen].iloc[0]
    plan_forms.step_form(
        store,
        user,
        goal_id,
        row[["id", "version", "description", "owner", "starts_on", "due_on", "status"]],
    )
    plan_deletes.delete_control(store, user, "action_steps", row, row["description"])
