"""The exemplars page's views: peer schools to learn from, the schools working on
the same thing, the practice library and the district's view. They draw what
``sqr_tracker.exemplars`` computed; text people wrote is shown as text."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd
import plotly.graph_objects as go
import pyarrow as pa
import streamlit as st

from sqr_tracker import actions, exemplars
from sqr_tracker.auth import Action, allowed
from sqr_tracker.exemplars import Exemplars, SameWork
from sqr_tracker.models import SupportKind, User
from sqr_tracker.plan_forms import field_problem, outcome_messages, submit_form
from sqr_tracker.store import Store
from sqr_tracker.views import lazy_expander, page_of, plain, rows_height, when

# How many exemplars are drawn as cards; the rest are listed in a table.
CARDS = 5
# The most schools a list here sends at once; a longer list is shown a page at
# a time (a state has thousands of exemplars and of schools sharing the work).
PAGE_ROWS = 100
TABS = "exemplars:tab"  # the key of the page's tabs


@dataclass(frozen=True)
class Card:
    """One of the best matches as its card says it, made once: the words
    around what its review found strong as one markdown, and the strengths,
    which people wrote, as text (two elements, not six: each is laid out and
    sent on every rerun)."""

    school_id: int
    school: str
    text: str  # heading; why, evidence, context, contact; strengths' heading
    strengths: str  # one statement a line ("" when the review wrote none)


@dataclass(frozen=True)
class Shown:
    """Exemplars as the page draws them, worked out once per answer and kept
    with it: the best matches as cards and the others' listed columns as an
    Arrow table. Reading five rows of a frame of Arrow columns took 1.5 ms,
    and a frame is converted to Arrow for the browser on every rerun."""

    found: Exemplars
    cards: list[Card]
    rest: pa.Table


def shown(found: Exemplars) -> Shown:
    """``found`` as the page draws it: the first ``CARDS`` as cards."""
    code = found.standard["code"]
    cards = [_card(row, code) for row in found.table.head(CARDS).itertuples()]
    rest = found.table.iloc[CARDS:][list(_LISTED)]
    return Shown(found, cards, pa.Table.from_pandas(rest, preserve_index=False))


def _card(row, code: str) -> Card:
    heading = (
        f"**{row.rank}. {plain(row.school)}** · {plain(row.network)} · "
        f"{row.level} school · {row.similarity}"
    )
    if isinstance(row.principal, str) and isinstance(row.principal_email, str):
        contact = f"Contact: {row.principal}, principal · {row.principal_email}"
    else:
        contact = "No active principal is listed: ask the central office."
    about = (f"{row.why} · review {row.review_age}", row.evidence, row.context)
    statements = [] if row.strengths is None else list(row.strengths)
    if statements:
        found = f"**What its review found strong on {code}**"
    else:
        found = _small(f"The review wrote no strengths for {code}.")
    text = "\n\n".join(
        [heading, "  \n".join(_small(line) for line in (*about, contact)), found]
    )
    strengths = "\n".join(f"• {statement}" for statement in statements)
    return Card(int(row.school_id), row.school, text, strengths)


def _small(text: str) -> str:
    """``text`` as a caption shows it, inside a larger markdown."""
    return f":gray[:small[{plain(text)}]]"


# The columns of the exemplars past the cards, with their headings.
_LISTED = {
    "rank": "", "school": "School", "network": "Network", "why": "Why it matched",
    "similarity": "Context", "review_age": "Review",
}  # fmt: skip


def exemplar_cards(
    store: Store, user: User, shown: Shown, goals: dict[int, str]
) -> None:
    """The best matches as cards (why, context, strengths, contact, a visit
    request), the rest in a table."""
    found = shown.found
    with st.expander("How exemplars are chosen"):
        for rule in found.rules:
            st.markdown(f"- {rule}")
    if found.table.empty:
        st.info(found.explanation)
        return
    if found.note:
        st.caption(found.note)
    can_ask = allowed(store, user, Action.REQUEST_SUPPORT, school_id=found.school["id"])
    for card in shown.cards:
        with st.container(border=True):
            st.markdown(card.text)
            if card.strengths:
                st.text(card.strengths)
            if can_ask:
                # Five closed forms would be laid out and sent on every rerun.
                asking, opened = lazy_expander(
                    "Ask for a visit or a pairing", visit_expander_key(card.school_id)
                )
                if opened:
                    with asking:
                        visit_form(store, user, found, card, goals)
    rest = shown.rest
    if rest.num_rows:
        more = rest.num_rows
        st.markdown(f"**{more:,} more exemplar{'s' if more != 1 else ''}**")
        rows = page_of(more, "exemplars", PAGE_ROWS, _PAGED)
        st.dataframe(
            rest.slice(rows.start, rows.stop - rows.start),
            hide_index=True,
            width="stretch",
            height=rows_height(rows.stop - rows.start),
            column_config=_LISTED,
        )


_PAGED = "The list is shown a page at a time, in the same order."


def visit_expander_key(school_id: int) -> str:
    """The key of the expander that holds the visit form for one exemplar."""
    return f"visit-{school_id}:open"


def visit_form(
    store: Store, user: User, found: Exemplars, card: Card, goals: dict[int, str]
) -> None:
    """A support request to visit, or pair with, one exemplar."""
    form = f"visit-{card.school_id}"
    outcome_messages(form)
    kinds = {SupportKind.VISIT.value: "A visit", SupportKind.PAIRING.value: "A pairing"}
    need = f"{form}:need"
    if need not in st.session_state:
        st.session_state[need] = exemplars.visit_need(card.school, found.standard)
    with st.form(form):
        st.radio(
            "What you ask for", list(kinds), format_func=kinds.get,
            horizontal=True, key=f"{form}:kind",
        )  # fmt: skip
        about = {0: "No goal in particular", **goals}
        st.selectbox("For the goal", list(about), format_func=about.get,
                     key=f"{form}:goal")  # fmt: skip
        st.text_area("What you would like", key=need, max_chars=500)
        field_problem(form, "need")
        st.date_input("Needed by", key=f"{form}:needed_by", value=None)
        st.form_submit_button(
            "Send to the central office",
            type="primary",
            on_click=submit_form,
            args=(
                form,
                lambda: actions.request_support(
                    store, user, _visit(found.school["id"], card.school_id, form)
                ),
                ["need", "needed_by", "goal"],
                "Sent. The central office will answer; the request is listed under "
                "support requests in your plan.",
            ),
        )


def _visit(school_id: int, peer_id: int, form: str) -> dict:
    goal = st.session_state.get(f"{form}:goal") or None
    return {
        "school_id": school_id,
        "kind": st.session_state.get(f"{form}:kind"),
        "peer_school_id": int(peer_id),
        "need": st.session_state.get(f"{form}:need") or "",
        "needed_by": st.session_state.get(f"{form}:needed_by"),
        "goal_id": int(goal) if goal else None,
    }


def same_work(found: SameWork) -> None:
    """The schools sharing the struggle, as a table to start a network from."""
    if found.table.empty:
        st.info(found.explanation)
        return
    st.caption(
        f"{len(found.table):,} schools share this work. Those with the same areas "
        "for growth as yours come first, then those with a goal on the standard."
    )
    page = found.table.iloc[page_of(len(found.table), "same-work", PAGE_ROWS, _PAGED)]
    shown = page.assign(
        goals=page["goals"].map(" | ".join), shared=page["shared"].map(" | ".join)
    )
    st.dataframe(
        shown[["school", "network", "level", "rating", "reasons", "shared", "goals",
               "principal", "principal_email"]],
        hide_index=True,
        width="stretch",
        height=rows_height(min(len(shown), 12)),
        column_config={
            "school": "School", "network": "Network", "level": "Level",
            "rating": "Latest rating", "reasons": "Why it is listed",
            "shared": "Areas for growth you share", "goals": "Their open goals",
            "principal": "Principal", "principal_email": "Contact",
        },
    )  # fmt: skip


def practice_library(store: Store, user: User, choices: dict[int, str]) -> None:
    """Search every published strength by words and standard; a school's
    button opens that review's strengths above the results."""
    left, right = st.columns([3, 2])
    words = left.text_input(
        "Search what reviews found strong",
        placeholder="for example: family partnership, restorative circles",
        key="practice-words",
    )
    codes = {0: "Every standard", **choices}
    chosen = right.selectbox(
        "On the standard", list(codes), format_func=codes.get, key="practice-standard"
    )
    reading = "practice-review"
    if reading in st.session_state:
        school, strengths = exemplars.review_strengths(
            store, user, st.session_state[reading]
        )
        review_panel(school, strengths, reading)
    if words.strip() or chosen:
        found = exemplars.search_practices(
            store, user, words, standard_id=chosen or None
        )
        practice_results(found, reading)
    else:
        st.caption("Type a few words, or choose a standard, to search every review.")


def practice_results(found: pd.DataFrame, state_key: str) -> None:
    """Each matching strength with the schools whose reviews wrote it; a
    school's button opens that review's strengths."""
    if found.empty:
        st.info("No published strength matches these words. Try fewer or other words.")
        return
    for row in found.itertuples():
        with st.container(border=True):
            st.text(row.statement)
            matched = f" · matched: {row.matched}" if row.matched else ""
            st.caption(plain(f"{row.code} · {row.standard}{matched}"))
            schools = row.schools
            columns = st.columns(3)
            for index, school in enumerate(schools[:3]):
                columns[index].button(
                    f"{school['school']} ({school['cycle']})",
                    key=f"{state_key}:{row.Index}:{school['review_id']}",
                    on_click=st.session_state.__setitem__,
                    args=(state_key, school["review_id"]),
                )
            if len(schools) > 3:
                more = schools[3:]
                count = len({school["school_id"] for school in more})
                also = f"Also in {len(more)} more reviews, of {count} schools"
                with st.expander(also):
                    st.caption(plain(exemplars.where_written(more)))


def review_panel(school: dict, strengths: pd.DataFrame, state_key: str) -> None:
    """One published review's strengths, standard by standard."""
    with st.container(border=True):
        st.markdown(f"**What {plain(school['name'])}'s review found strong**")
        st.caption(plain(f"{school['level'].title()} school · {school['network']}"))
        for row in strengths.itertuples():
            heading = f"{row.code} · {plain(row.standard)}"
            st.markdown(f"**{heading}** ({row.consensus_label})")
            for statement in exemplars.statements(row.strengths):
                st.text(f"• {statement}")
        st.button("Close", key=f"{state_key}:close",
                  on_click=st.session_state.pop, args=(state_key, None))  # fmt: skip


def district_figure(view: pd.DataFrame) -> go.Figure:
    """Struggling schools beside the exemplars that could help, per standard."""
    figure = go.Figure()
    for column, name, colour in (
        ("struggling", "Schools struggling", "#e08214"),
        ("exemplars", "Exemplars", "#2171b5"),
    ):
        figure.add_bar(
            y=view["code"], x=view[column], name=name, orientation="h",
            marker_color=colour, text=view[column], textposition="outside",
        )  # fmt: skip
    figure.update_layout(
        barmode="group",
        height=120 + 50 * len(view),
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        yaxis={"autorange": "reversed", "title": None},
        xaxis={"title": "Schools"},
        legend={"orientation": "h", "y": -0.2},
    )
    return figure


def district_table(view: pd.DataFrame) -> None:
    st.dataframe(
        view[["code", "name", "struggling", "exemplars", "no_peer"]],
        hide_index=True,
        width="stretch",
        column_config={
            "code": "", "name": "Standard", "struggling": "Schools struggling",
            "exemplars": "Exemplars",
            "no_peer": "Struggling with no exemplar of their level",
        },
    )  # fmt: skip


def peer_request_list(requests: pd.DataFrame, today: date) -> None:
    """Requests to visit or pair with a peer school, for the central office."""
    if requests.empty:
        st.caption("No school has asked for a visit or a pairing yet.")
        return
    asked = [pd.Timestamp(day).date() for day in requests["requested_on"]]
    shown = requests.assign(
        asked=[when(day) for day in asked],
        days=[(today - day).days for day in asked],
    )
    st.dataframe(
        shown[["school", "kind", "peer_school", "need", "asked", "days", "status",
               "requested_by"]],
        hide_index=True,
        width="stretch",
        column_config={
            "school": "School", "kind": "Asks for", "peer_school": "With",
            "need": "What they would like", "asked": "Asked on",
            "days": "Days open", "status": "Status", "requested_by": "Asked by",
        },
    )  # fmt: skip
