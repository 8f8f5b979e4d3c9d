"""Review calendar: which schools are due a review, this cycle's reviews by
phase, each reviewer's workload, and reviewers assigned too close to home."""

from datetime import date

import streamlit as st

from sqr_tracker import cached, district_views, review_calendar, session, views
from sqr_tracker.home import cycle_label, school_year

store, user = session.require_page(__file__)
today = date.today()
rotation = review_calendar.rotation_years(store)
st.title("Review calendar")
st.caption(
    f"Each school is reviewed every {rotation} years; a school never reviewed is "
    "due now. A review takes about eighteen months, from self-reflection to "
    "action planning."
)
year = district_views.year_choice(
    review_calendar.cycle_choices(store, today), school_year(today)
)
cycle = cycle_label(year)

st.subheader(f"When each school is due, as of {cycle}")
due = cached.due_years(store, user, year)
statuses = district_views.status_filter(due)
district_views.due_table(cached.due_list(store, user, year, tuple(statuses)), year)

st.subheader(f"Reviews in {cycle}, by phase")
phases = cached.cycle_phases(store, user, year, today)
left, right = st.columns([1, 2])
with left:
    district_views.phase_table(phases)
with right:
    views.chart(cached.phase_chart(store, user, year, today), key="calendar-phases")
district_views.review_table(cached.review_list(store, user, year, today), year)

st.subheader("Reviewer workload")
district_views.workload_table(cached.workload_list(store, user, year), year)

st.subheader("Reviewers close to home")
st.caption(
    "A reviewer on the review of their own school, or of a school in their own "
    "network (or their school's network)."
)
district_views.conflict_warnings(cached.conflicts(store, user, year), year)
