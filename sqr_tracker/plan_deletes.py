"""Deleting goals and action steps from the workspace, and undoing it.

A delete asks to be confirmed first. Once done, a notice at the top of the
workspace offers to undo it in the same session, and "Deleted items" lists
everything the school deleted, so that it can be restored later too. The write
path keeps the deleted rows, so a restore brings them back as they were.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

from sqr_tracker import actions, plans
from sqr_tracker.errors import InvalidInput, SqrError, StaleEdit
from sqr_tracker.models import User
from sqr_tracker.store import Store
from sqr_tracker.views import plain

_ASKED = "plan-delete:asked"  # the item whose delete waits to be confirmed
_UNDO = "plan-delete:undo"  # (table, id, version, name) of this session's last delete
_OUTCOME = "plan-delete:outcome"  # (kind of message, words), shown once

_WORDS = {"goals": "goal", "action_steps": "action step"}
_TABLES = {what: table for table, what in _WORDS.items()}
_DELETE: dict[str, Callable[..., int]] = {
    "goals": actions.delete_goal,
    "action_steps": actions.delete_action_step,
}
_RESTORE: dict[str, Callable[..., int]] = {
    "goals": actions.restore_goal,
    "action_steps": actions.restore_action_step,
}


def delete_control(
    store: Store, user: User, table: str, row: pd.Series, name: str
) -> None:
    """A button that deletes a goal or action step once confirmed."""
    what, row_id = _WORDS[table], int(row["id"])
    key = f"{table}:{row_id}"
    if st.session_state.get(_ASKED) != key:
        st.button(
            f"Delete this {what}",
            key=f"delete:{key}",
            icon=":material/delete:",
            on_click=st.session_state.__setitem__,
            args=(_ASKED, key),
        )
        return
    goes_with = (
        " Its milestones and action steps go with it." if table == "goals" else ""
    )
    st.warning(
        plain(
            f"Delete the {what} “{name}”?{goes_with} You can undo this, or restore "
            "it later from “Deleted items” under “Change the plan”."
        )
    )
    yes, no = st.columns(2)
    yes.button(
        f"Yes, delete the {what}",
        key=f"delete-yes:{key}",
        type="primary",
        on_click=_delete,
        args=(store, user, table, row_id, int(row["version"]), name),
    )
    no.button(
        "Keep it", key=f"delete-no:{key}", on_click=st.session_state.pop, args=(_ASKED,)
    )


def undo_notice(store: Store, user: User) -> None:
    """The outcome of the last delete or restore, and after a delete an Undo."""
    outcome = st.session_state.pop(_OUTCOME, None)
    if outcome:
        getattr(st, outcome[0])(plain(outcome[1]))
    undo = st.session_state.get(_UNDO)
    if undo is None:
        return
    table, row_id, version, name = undo
    with st.container(border=True):
        words, again, dismiss = st.columns([6, 1, 1], vertical_alignment="center")
        words.markdown(plain(f"Deleted the {_WORDS[table]} “{name}”"))
        again.button(
            "Undo",
            key="plan-delete:undo-button",
            type="primary",
            on_click=_restore,
            args=(store, user, table, row_id, version, name),
        )
        dismiss.button(
            "Dismiss",
            key="plan-delete:dismiss",
            on_click=st.session_state.pop,
            args=(_UNDO,),
        )


def deleted_list(store: Store, user: User, school_id: int) -> None:
    """The school's deleted goals and action steps, newest first, each with who
    deleted it and when, and a Restore button."""
    items = plans.deleted_items(store, user, school_id)
    if items.empty:
        return
    with st.expander(f"Deleted items ({len(items)})"):
        for item in items.itertuples():
            table = _TABLES[item.kind]
            words, button = st.columns([5, 1], vertical_alignment="center")
            words.markdown(plain(f"{item.kind.capitalize()}: {item.item}"))
            toward = f" · toward the goal “{item.goal}”"
            of_goal = "" if table == "goals" else toward
            stamp = pd.Timestamp(item.deleted_on)
            words.caption(
                plain(
                    f"Deleted by {item.deleted_by} on {stamp:%-d %b %Y at %H:%M}"
                    f"{of_goal}"
                )
            )
            if not item.restorable:
                button.caption("Restore its goal first")
                continue
            button.button(
                "Restore",
                key=f"restore:{table}:{item.id}",
                on_click=_restore,
                args=(store, user, table, int(item.id), int(item.version), item.item),
            )


def _delete(
    store: Store, user: User, table: str, row_id: int, version: int, name: str
) -> None:
    """Button callback: delete, then offer the undo."""
    st.session_state.pop(_ASKED, None)
    try:
        deleted_version = _DELETE[table](store, user, row_id, version=version)
    except SqrError as refused:
        st.session_state[_OUTCOME] = ("error", _refusal(refused, table, "deleted"))
        return
    st.session_state[_UNDO] = (table, row_id, deleted_version, name)


def _restore(
    store: Store, user: User, table: str, row_id: int, version: int, name: str
) -> None:
    """Button callback: bring a deleted goal or action step back."""
    undo = st.session_state.get(_UNDO)
    if undo is not None and undo[:2] == (table, row_id):
        st.session_state.pop(_UNDO)
    try:
        _RESTORE[table](store, user, row_id, version=version)
    except SqrError as refused:
        st.session_state[_OUTCOME] = ("error", _refusal(refused, table, "restored"))
        return
    st.session_state[_OUTCOME] = (
        "success",
        f"Restored the {_WORDS[table]} “{name}”",
    )


def _refusal(refused: SqrError, table: str, done: str) -> str:
    """Why the delete or restore did not happen, in the workspace's words."""
    what = _WORDS[table]
    if isinstance(refused, StaleEdit):
        changed = (
            f" on {refused.changed_on:%-d %b %Y at %H:%M}" if refused.changed_on else ""
        )
        return (
            f"This {what} was changed by {refused.changed_by}{changed} after you "
            f"opened it, so it was not {done}. Look at it again first."
        )
    if isinstance(refused, InvalidInput):
        reasons = "; ".join(refused.problems.values())
        return f"The {what} was not {done}: {reasons}."
    return str(refused)
