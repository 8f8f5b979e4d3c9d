"""The district desk's views: the support requests page (the open list, the
answer form, time to answer by network) and the rating validity page (ratings
beside outcomes, self-reflection beside the team, the standards-by-measures
table). They draw what ``support_desk`` and ``validity`` computed; text people
wrote is shown as text, and every list downloads exactly as it is shown."""

from __future__ import annotations

from datetime import date

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from sqr_tracker import actions, cached, support_desk
from sqr_tracker.models import SupportStatus, User
from sqr_tracker.plan_forms import field_problem, outcome_messages, submit_form
from sqr_tracker.store import Store
from sqr_tracker.validity import Relation
from sqr_tracker.views import Listed, downloads, page_of, plain, rows_height, when

PICK = "desk:pick"
# The request whose answer was saved (or refused) last, for its message.
LAST = "desk:last"
STATUSES = {
    SupportStatus.ANSWERED.value: "Answered",
    SupportStatus.WITHDRAWN.value: "Withdrawn (no longer needed)",
}
_DATE = "D MMM YYYY"
# The most open requests the list sends at once: a state has hundreds.
OPEN_PAGE_ROWS = 500


# -- support requests --------------------------------------------------------------


def open_list(requests: Listed) -> None:
    """The open requests, oldest first, a page at a time when there are more
    than ``OPEN_PAGE_ROWS``, and their downloads (every request)."""
    if requests.empty:
        st.caption("No request is waiting for an answer.")
        return
    rows = page_of(len(requests), "desk-open", OPEN_PAGE_ROWS, noun="Requests")
    st.dataframe(
        requests.page(rows),
        hide_index=True,
        width="stretch",
        height=rows_height(rows.stop - rows.start),
        column_config={
            "id": st.column_config.NumberColumn("No.", width=45),
            "school": st.column_config.TextColumn("School", width=165),
            "network": st.column_config.TextColumn("Network", width=115),
            "asks_for": st.column_config.TextColumn("Asks for", width=100),
            "need": st.column_config.TextColumn("What is needed", width=175),
            "needed_by": st.column_config.DateColumn(
                "Needed by", format=_DATE, width=90),
            "overdue": st.column_config.CheckboxColumn("Overdue", width=62),
            "age_days": st.column_config.NumberColumn("Days open", width=70),
            "who_answers": st.column_config.TextColumn("Who answers", width=115),
            "requested_on": st.column_config.DateColumn("Asked on", format=_DATE),
            "requested_by": "Asked by",
        },
    )  # fmt: skip
    downloads(requests.rows, "open-support-requests", "desk-open")


def answer_panel(store: Store, user: User, today: date) -> None:
    """Pick an open request, read its need, answer or withdraw it. A request
    someone else closed while this user had it open stays on offer, with their
    answer beside what this user typed, until the user picks another."""
    last = st.session_state.get(LAST)
    if last is not None:
        outcome_messages(_form(last))
    choices = dict(cached.answer_choices(store, user, today))
    held = st.session_state.get(PICK)
    if held is not None and held not in choices and _in_progress(held):
        choices[held] = cached.request_to_answer(store, user, held)["label"]
    if not choices:
        st.caption("Nothing to answer.")
        return
    picked = st.selectbox(
        "Request", list(choices), format_func=choices.get, key=PICK,
        on_change=lambda: st.session_state.pop(LAST, None),
    )  # fmt: skip
    request = cached.request_to_answer(store, user, picked)
    _answer_form(store, user, request)


def _form(request_id: int) -> str:
    return f"answer-{request_id}"


def _in_progress(request_id: int) -> bool:
    """Whether the form for a request was shown and not yet saved (its kept
    version is dropped by a save that succeeds)."""
    return f"{_form(request_id)}:version" in st.session_state


def _answer_form(store: Store, user: User, request: dict) -> None:
    form = _form(int(request["id"]))
    if f"{form}:answer" not in st.session_state:  # first shown: keep its version
        st.session_state[f"{form}:version"] = int(request["version"])
    st.caption(
        plain(
            f"{request['school']} · asks for {request['asks_for']} · by "
            f"{request['requested_by']} · needed by {when(request['needed_by'])}"
        )
    )
    st.text(request["need"])
    if not request["is_open"]:
        st.warning(plain(support_desk.answered_line(request)))
        st.text(request["answer"])
    with st.form(form):
        st.text_area("Answer", key=f"{form}:answer", max_chars=500, height=100)
        field_problem(form, "answer")
        st.radio(
            "Status", list(STATUSES), format_func=STATUSES.get, horizontal=True,
            key=f"{form}:status",
        )  # fmt: skip
        st.form_submit_button(
            "Save the answer",
            type="primary",
            on_click=submit_form,
            args=(
                form,
                lambda: _save(store, user, int(request["id"]), form),
                ["answer", "status", "version"],
                "Saved. The request has left the open list.",
            ),
        )


def _save(store: Store, user: User, request_id: int, form: str) -> None:
    st.session_state[LAST] = request_id
    actions.answer_support(
        store,
        user,
        request_id,
        {
            "answer": st.session_state.get(f"{form}:answer") or "",
            "status": st.session_state.get(f"{form}:status"),
        },
        version=int(st.session_state[f"{form}:version"]),
    )


def times_table(times: pd.DataFrame) -> None:
    """Time to answer, by network, and its downloads."""
    st.dataframe(
        times,
        hide_index=True,
        width="stretch",
        column_config={
            "network": "Network", "answered": "Answered",
            "median_days": st.column_config.NumberColumn(
                "Median days to answer", format="%.1f"),
            "longest_days": "Longest days to answer", "still_open": "Still open",
            "oldest_open_days": "Oldest open (days)",
        },
    )  # fmt: skip
    downloads(times, "time-to-answer", "desk-times")


# -- do the ratings mean something -------------------------------------------------


def relation_figure(relation: Relation) -> go.Figure:
    """One box per rating level with every school as a point beside it."""
    figure = go.Figure()
    points = relation.points
    for level, label in relation.levels.items():
        part = points[points["rating"] == level]
        figure.add_box(
            x=[label] * len(part),
            y=part["outcome"],
            name=label,
            boxpoints="all",
            jitter=0.5,
            pointpos=0,
            text=part["school"],
            hovertemplate="%{text}: %{y:.1f}<extra>" + label + "</extra>",
            marker={"color": "#2171b5", "opacity": 0.75, "size": 7},
            line={"color": "#555555"},
            fillcolor="rgba(0,0,0,0)",
            showlegend=False,
        )
    unit = relation.measure.get("unit") or ""
    figure.update_layout(
        height=420,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        xaxis={
            "title": f"consensus rating on {relation.standard['code']}",
            "categoryorder": "array",
            "categoryarray": list(relation.levels.values()),
        },
        yaxis={"title": f"{relation.measure['name']} ({unit})".replace(" ()", "")},
    )
    return figure


# The most schools the list behind the chart sends at once; a longer list is
# shown a page at a time (a state compares thousands of schools).
POINTS_PAGE_ROWS = 500


def points_list(relation: Relation) -> None:
    """The schools behind the chart, a page at a time when there are many; its
    download buttons hold every school."""
    with st.expander(f"The {relation.n:,} schools behind the chart"):
        rows = page_of(len(relation.points), "validity-points", POINTS_PAGE_ROWS)
        points = relation.points.iloc[rows]
        st.dataframe(
            points,
            hide_index=True,
            width="stretch",
            height=rows_height(len(points)),
            column_config={
                "school": "School", "network": "Network", "rating": "Level",
                "rating_label": "Consensus rating",
                "outcome": st.column_config.NumberColumn(
                    relation.measure["name"], format="%.1f"),
                "periods": "Periods averaged",
            },
        )  # fmt: skip
        downloads(relation.points, "ratings-and-outcomes", "validity-points")


def disagreement_table(table: pd.DataFrame) -> None:
    if table.empty:
        st.caption("No published review holds both a self-reflection and a rating.")
        return
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        column_config={
            "code": st.column_config.TextColumn("", width=50),
            "standard": st.column_config.TextColumn("Standard", width=330),
            "reviews": "Reviews compared",
            "differ_share": st.column_config.NumberColumn(
                "Self-reflection differs", format="percent"),
            "self_higher_share": st.column_config.NumberColumn(
                "Self-reflection higher", format="percent",
                help="A possible blind spot: the school rated itself higher "
                "than the team did."),
            "mean_gap": st.column_config.NumberColumn(
                "Mean gap (levels)", format="%.2f"),
        },
    )  # fmt: skip
    downloads(table, "self-reflection-and-team", "validity-disagreement")


def matrix_grid(table: pd.DataFrame, agreement: pd.DataFrame) -> None:
    """Measures by standards: each cell rho and, in brackets, the schools;
    blue where schools rated higher do better, orange where they do worse."""
    tones = agreement.map(_tone)
    st.dataframe(
        table.style.apply(lambda _: tones, axis=None),
        hide_index=True,
        width="stretch",
        height=rows_height(len(table)),
        column_config={
            "measure": st.column_config.TextColumn("Measure", width=230),
            "better": st.column_config.TextColumn("Better when", width=90),
        },
    )
    downloads(table, "standards-and-measures", "validity-matrix")


# Colour-blind-safe: blues where ratings and outcomes agree, oranges where not,
# darker as the relation is stronger (the bounds of ``validity.STRENGTHS``).
_AGREE = (
    (0.5, "#2171b5", "white"),
    (0.3, "#6baed6", "black"),
    (0.1, "#c6dbef", "black"),
)
_DISAGREE = (
    (0.5, "#d94801", "white"),
    (0.3, "#fd8d3c", "black"),
    (0.1, "#fdd0a2", "black"),
)


def _tone(agreement: object) -> str:
    if not isinstance(agreement, float) or pd.isna(agreement):
        return ""
    for bound, fill, ink in _AGREE if agreement > 0 else _DISAGREE:
        if abs(agreement) >= bound:
            return f"background-color: {fill}; color: {ink}"
    return ""
