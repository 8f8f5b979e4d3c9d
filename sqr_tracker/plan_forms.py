"""The workspace's forms: each one saves through the write path in a callback.

A form's widgets keep what was typed until a save succeeds, so a refused save
(a version conflict, a field that is wrong) loses nothing. Field problems are
shown under the field they concern.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pandas as pd
import streamlit as st

from sqr_tracker import actions
from sqr_tracker.errors import InvalidInput, SqrError, StaleEdit
from sqr_tracker.models import StepStatus, User
from sqr_tracker.store import Store
from sqr_tracker.views import plain

NO_MEASURE = 0
GOAL_FIELDS = [
    "id", "version", "standard_id", "statement", "measure_id", "baseline", "target",
    "target_date", "is_focus", "site_plan_ref", "review_id",
]  # fmt: skip


def _state(form: str) -> dict[str, Any]:
    """The outcome of a form's last save: 'saved', 'error' and 'problems'."""
    return st.session_state.setdefault(f"{form}:outcome", {})


def _value(form: str, field: str) -> Any:
    return st.session_state.get(f"{form}:{field}")


def submit_form(
    form: str, save: Callable[[], Any], fields: list[str], done: str
) -> None:
    """Form callback: save; on success clear the fields, else keep them."""
    outcome = _state(form)
    outcome.clear()
    try:
        save()
    except InvalidInput as bad:
        outcome["error"] = f"{bad.what} was not saved: see the fields marked below."
        outcome["problems"] = bad.problems
        return
    except StaleEdit as stale:
        # The package's messages quote what people wrote: shown as typed.
        outcome["error"] = (
            f"{plain(stale)} Save again to replace their change with yours, or pick "
            "another item and come back to see theirs."
        )
        if f"{form}:version" in st.session_state:
            st.session_state[f"{form}:version"] = stale.current_version
        return
    except SqrError as refused:
        outcome["error"] = plain(refused)
        return
    for field in fields:
        st.session_state.pop(f"{form}:{field}", None)
    outcome["saved"] = done


def outcome_messages(form: str) -> None:
    """Show the form's last outcome above it."""
    outcome = _state(form)
    if "saved" in outcome:
        st.success(outcome["saved"])
    if "error" in outcome:
        st.error(outcome["error"])


def field_problem(form: str, field: str) -> None:
    """The problem with one field, if its last save found one."""
    problem = _state(form).get("problems", {}).get(field)
    if problem:
        st.caption(f":red[{field.replace('_', ' ').capitalize()}: {plain(problem)}]")


def other_problems(form: str, shown: list[str]) -> None:
    """The problems its last save found with anything but the ``shown`` fields
    (a rule about the whole form, such as a review's phase)."""
    for field in _state(form).get("problems", {}):
        if field not in shown:
            field_problem(form, field)


def _empty(form: str, field: str) -> dict[str, Any]:
    """``value=None`` for a widget whose state is not set yet (else nothing, so
    Streamlit does not warn that both a value and a state were given)."""
    return {} if f"{form}:{field}" in st.session_state else {"value": None}


# -- goals -------------------------------------------------------------------------


def goal_form(
    store: Store,
    user: User,
    school_id: int,
    standards: dict[int, str],
    measures: dict[int, str],
    review_id: int | None,
    goal: pd.Series | None = None,
) -> None:
    """Add a goal, or (with ``goal``) change one, keeping its version from when
    the form was first shown. ``review_id`` is the latest published review, to
    which a goal may be tied."""
    form = f"goal-{goal['id']}" if goal is not None else "goal-new"
    fields = [*GOAL_FIELDS[1:], "tied"]
    if goal is not None:
        tied = pd.notna(goal["review_id"]) and int(goal["review_id"]) == review_id
        _load_if_new(form, pd.concat([goal, pd.Series({"tied": tied})]), "statement")
    outcome_messages(form)
    with st.form(form):
        st.selectbox(
            "Standard",
            list(standards),
            format_func=standards.get,
            key=f"{form}:standard_id",
        )
        field_problem(form, "standard_id")
        st.text_area(
            "Goal",
            key=f"{form}:statement",
            max_chars=500,
            placeholder="What the school sets out to change",
        )
        field_problem(form, "statement")
        st.selectbox(
            "Measure",
            [NO_MEASURE, *measures],
            format_func=lambda m: measures.get(m, "No measure"),
            key=f"{form}:measure_id",
        )
        left, middle, right = st.columns(3)
        left.number_input(
            "Baseline", key=f"{form}:baseline", **_empty(form, "baseline")
        )
        middle.number_input("Target", key=f"{form}:target", **_empty(form, "target"))
        right.date_input(
            "Target date", key=f"{form}:target_date", **_empty(form, "target_date")
        )
        for field in ("baseline", "target", "target_date"):
            field_problem(form, field)
        st.text_input(
            "Site plan reference",
            key=f"{form}:site_plan_ref",
            placeholder="e.g. SPSA 2026 Goal 2",
        )
        field_problem(form, "site_plan_ref")
        st.checkbox("A focus goal", key=f"{form}:is_focus")
        if review_id is not None:
            st.session_state.setdefault(f"{form}:tied", goal is None)
            st.checkbox(
                "Tied to an area for growth of the latest review", key=f"{form}:tied"
            )
        field_problem(form, "review_id")
        st.form_submit_button(
            "Save goal" if goal is not None else "Add goal",
            type="primary",
            on_click=submit_form,
            args=(
                form,
                lambda: _save_goal(store, user, school_id, form, review_id),
                fields,
                "The goal was saved.",
            ),
        )


def _load_if_new(form: str, row: pd.Series, probe: str) -> None:
    """Fill a form from its row unless its widgets still hold what was typed
    (Streamlit drops a widget's state once it is not drawn, so picking another
    item and coming back shows the stored row again)."""
    if f"{form}:{probe}" not in st.session_state:
        _load(form, row)


def _load(form: str, row: pd.Series) -> None:
    """Fill a form's widgets from a row."""
    for field, value in row.items():
        if field == "measure_id":
            value = int(value) if pd.notna(value) else NO_MEASURE
        elif field in ("target_date", "due_on", "starts_on", "met_on"):
            value = pd.Timestamp(value).date() if pd.notna(value) else None
        elif isinstance(value, float) and pd.isna(value):
            value = None
        st.session_state[f"{form}:{field}"] = value


def _save_goal(
    store: Store, user: User, school_id: int, form: str, review_id: int | None
) -> None:
    tied = review_id is not None and bool(_value(form, "tied"))
    data = {
        "review_id": review_id if tied else None,
        "standard_id": _value(form, "standard_id"),
        "statement": _value(form, "statement") or "",
        "measure_id": _value(form, "measure_id") or None,
        "baseline": _value(form, "baseline"),
        "target": _value(form, "target"),
        "target_date": _value(form, "target_date"),
        "is_focus": bool(_value(form, "is_focus")),
        "site_plan_ref": _value(form, "site_plan_ref") or "",
    }
    version = _value(form, "version")
    if version is None:
        actions.create_goal(store, user, {"school_id": school_id, **data})
    else:
        goal_id = int(form.split("-")[1])
        actions.update_goal(store, user, goal_id, data, version=int(version))


def close_or_reopen(store: Store, user: User, goal: pd.Series) -> None:
    """A button that closes an open goal or reopens a closed one."""
    closing = goal["status"] == "open"
    change = actions.close_goal if closing else actions.reopen_goal
    form = f"status-{goal['id']}"
    outcome_messages(form)
    st.button(
        "Close this goal" if closing else "Reopen this goal",
        key=form,
        on_click=submit_form,
        args=(
            form,
            lambda: change(store, user, int(goal["id"]), version=int(goal["version"])),
            [],
            "The goal was closed." if closing else "The goal was reopened.",
        ),
    )


# -- milestones and action steps ---------------------------------------------------


def milestone_form(store: Store, user: User, goal_id: int) -> None:
    form = f"milestone-new-{goal_id}"
    outcome_messages(form)
    with st.form(form):
        st.text_input(
            "Milestone",
            key=f"{form}:description",
            placeholder="A dated checkpoint on the way to the target",
        )
        field_problem(form, "description")
        st.date_input("Due", key=f"{form}:due_on", **_empty(form, "due_on"))
        field_problem(form, "due_on")
        st.form_submit_button(
            "Add milestone",
            on_click=submit_form,
            args=(
                form,
                lambda: actions.create_milestone(
                    store,
                    user,
                    {
                        "goal_id": goal_id,
                        "description": _value(form, "description") or "",
                        "due_on": _value(form, "due_on"),
                    },
                ),
                ["description", "due_on"],
                "The milestone was added.",
            ),
        )


def milestone_edit_form(store: Store, user: User, milestone: pd.Series) -> None:
    """Change a milestone's wording or date, mark it met, or clear that to
    reopen it."""
    form = f"milestone-{milestone['id']}"
    fields = ["description", "due_on", "met_on", "version"]
    _load_if_new(
        form, milestone[["description", "due_on", "met_on", "version"]], "description"
    )
    outcome_messages(form)
    with st.form(form):
        st.text_input("Milestone", key=f"{form}:description")
        field_problem(form, "description")
        left, right = st.columns(2)
        left.date_input("Due", key=f"{form}:due_on")
        right.date_input("Met on (empty: not met yet)", key=f"{form}:met_on")
        field_problem(form, "due_on")
        st.form_submit_button(
            "Save milestone",
            on_click=submit_form,
            args=(
                form,
                lambda: actions.update_milestone(
                    store,
                    user,
                    int(milestone["id"]),
                    {field: _value(form, field) for field in fields[:3]},
                    version=int(_value(form, "version")),
                ),
                fields,
                "The milestone was saved.",
            ),
        )


def step_form(
    store: Store, user: User, goal_id: int, step: pd.Series | None = None
) -> None:
    """Add an action step to a goal, or (with ``step``) change one."""
    form = f"step-{step['id']}" if step is not None else f"step-new-{goal_id}"
    fields = ["description", "owner", "starts_on", "due_on", "status", "version"]
    if step is not None:
        _load_if_new(form, step, "description")
    outcome_messages(form)
    with st.form(form):
        st.text_input(
            "Action step",
            key=f"{form}:description",
            placeholder="Who does what toward the goal",
        )
        field_problem(form, "description")
        st.text_input("Owner", key=f"{form}:owner")
        field_problem(form, "owner")
        left, middle, right = st.columns(3)
        left.date_input("Starts", key=f"{form}:starts_on", **_empty(form, "starts_on"))
        middle.date_input("Due", key=f"{form}:due_on", **_empty(form, "due_on"))
        right.selectbox("Status", [s.value for s in StepStatus], key=f"{form}:status")
        field_problem(form, "starts_on")
        field_problem(form, "due_on")
        st.form_submit_button(
            "Save action step" if step is not None else "Add action step",
            on_click=submit_form,
            args=(
                form,
                lambda: _save_step(store, user, goal_id, form),
                fields,
                "The action step was saved.",
            ),
        )


def _save_step(store: Store, user: User, goal_id: int, form: str) -> None:
    data = {
        "description": _value(form, "description") or "",
        "owner": _value(form, "owner") or "",
        "starts_on": _value(form, "starts_on"),
        "due_on": _value(form, "due_on"),
        "status": _value(form, "status"),
    }
    version = _value(form, "version")
    if version is None:
        actions.create_action_step(store, user, {"goal_id": goal_id, **data})
    else:
        step_id = int(form.split("-")[1])
        actions.update_action_step(store, user, step_id, data, version=int(version))


# -- support and comments ----------------------------------------------------------


def support_form(
    store: Store, user: User, school_id: int, about: dict[str, str]
) -> None:
    """Ask the central office for help on a goal or action step."""
    form = "support-new"
    outcome_messages(form)
    with st.form(form):
        st.selectbox("About", list(about), format_func=about.get, key=f"{form}:about")
        st.text_area("What is needed", key=f"{form}:need", max_chars=500)
        field_problem(form, "need")
        st.date_input("Needed by", key=f"{form}:needed_by", **_empty(form, "needed_by"))
        st.form_submit_button(
            "Ask for support",
            type="primary",
            on_click=submit_form,
            args=(
                form,
                lambda: actions.request_support(store, user, _support(school_id, form)),
                ["need", "needed_by"],
                "Your request was sent to the central office.",
            ),
        )


def _support(school_id: int, form: str) -> dict[str, Any]:
    kind, _, row_id = (_value(form, "about") or "").partition(":")
    link = {"goal": "goal_id", "step": "action_step_id"}.get(kind)
    request = {
        "school_id": school_id,
        "need": _value(form, "need") or "",
        "needed_by": _value(form, "needed_by"),
    }
    return {**request, link: int(row_id)} if link else request


def comment_form(
    store: Store, user: User, school_id: int, goal_id: int, steps: dict[int, str]
) -> None:
    """Comment on a goal or on one of its action steps."""
    form = f"comment-{goal_id}"
    outcome_messages(form)
    about = {0: "The goal", **{i: f"Action step: {d}" for i, d in steps.items()}}
    with st.form(form):
        st.selectbox("About", list(about), format_func=about.get, key=f"{form}:about")
        st.text_area("Comment", key=f"{form}:body", max_chars=2000, height=80)
        field_problem(form, "body")
        st.form_submit_button(
            "Add comment",
            on_click=submit_form,
            args=(
                form,
                lambda: actions.add_comment(
                    store, user, _comment(school_id, goal_id, form)
                ),
                ["body", "about"],
                "Your comment was added.",
            ),
        )


def _comment(school_id: int, goal_id: int, form: str) -> dict[str, Any]:
    step_id = _value(form, "about") or None
    about = {"action_step_id": step_id} if step_id else {"goal_id": goal_id}
    return {"school_id": school_id, "body": _value(form, "body") or "", **about}


def interim_rating_form(
    store: Store,
    user: User,
    school_id: int,
    standards: dict[int, str],
    levels: dict[int, str],
) -> None:
    """The school rates itself on a standard between reviews."""
    form = "interim-rating"
    outcome_messages(form)
    with st.form(form):
        left, middle, right = st.columns([3, 2, 2])
        left.selectbox(
            "Standard",
            list(standards),
            format_func=standards.get,
            key=f"{form}:standard_id",
        )
        middle.selectbox(
            "Our rating", list(levels), format_func=levels.get, key=f"{form}:level"
        )
        st.session_state.setdefault(f"{form}:recorded_on", date.today())
        right.date_input("On", key=f"{form}:recorded_on")
        st.form_submit_button(
            "Record our self-reflection",
            on_click=submit_form,
            args=(
                form,
                lambda: actions.record_interim_rating(
                    store,
                    user,
                    {
                        "school_id": school_id,
                        **{
                            f: _value(form, f)
                            for f in ("standard_id", "level", "recorded_on")
                        },
                    },
                ),
                [],
                "Your self-reflection was recorded.",
            ),
        )
