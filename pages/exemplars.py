"""Exemplars: peer schools to learn from on a standard, the schools working on
the same thing, and the practice library of every published strength."""

from datetime import date

import streamlit as st

from sqr_tracker import cached, exemplar_views, plan_views, session, views
from sqr_tracker.models import SCHOOL_ROLES, Role

store, user = session.require_page(__file__)
today = date.today()
st.title("Exemplars")
st.caption(
    "Schools to learn from: peers rated strong, or grown fast, on a standard, in "
    "a context like yours. Peers to visit and ask, not a ranking."
)
school_id = plan_views.school_choice(store, user)
choices = cached.standard_choices(store, user)
if not choices:
    st.info("No review has been published yet, so there is nothing to learn from.")
    st.stop()
weakest, why = cached.weakest_focus_standard(store, user, school_id)
options = list(choices)
standard_id = st.selectbox(
    "Standard",
    options,
    index=options.index(weakest) if weakest in choices else 0,
    format_func=choices.get,
    key=f"standard:{school_id}",
)
if standard_id == weakest or weakest is None:
    st.caption(why)

central = user.role not in SCHOOL_ROLES
names = ["Exemplars", "Working on the same thing", "Practice library"]
if central:
    across = (
        "Across your network"
        if user.role == Role.NETWORK_LEAD
        else "Across the district"
    )
    names += [across, "Visit requests"]
# Each tab asks questions of its own across the district: built once opened
# (see views.lazy_tabs).
tabs, shown = zip(*views.lazy_tabs(names, exemplar_views.TABS, school_id), strict=True)
if shown[0]:
    with tabs[0]:
        best = cached.shown_exemplars(store, user, school_id, standard_id, today)
        goals = cached.goals_on(store, user, school_id, standard_id)
        exemplar_views.exemplar_cards(store, user, best, goals)

if shown[1]:
    with tabs[1]:
        exemplar_views.same_work(
            cached.working_on_the_same(store, user, school_id, standard_id)
        )

if shown[2]:
    with tabs[2]:
        exemplar_views.practice_library(store, user, choices)

if central and shown[3]:
    with tabs[3]:
        view = cached.district_view(store, user)
        st.caption(
            "Struggling: the latest review rated the standard at or below the "
            "middle of the scale. Exemplars come from the whole district."
        )
        views.chart(cached.exemplars_chart(store, user), key="district-figure")
        exemplar_views.district_table(view)
if central and shown[4]:
    with tabs[4]:
        exemplar_views.peer_request_list(cached.peer_requests(store, user), today)
