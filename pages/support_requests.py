"""Support requests: the district's side of the bargain. Every open request of
the schools the user follows, an answer form, and how long answers take."""

from datetime import date

import streamlit as st

from sqr_tracker import cached, desk_views, session, support_desk, views

store, user = session.require_page(__file__)
today = date.today()

st.title("Support requests")
st.caption(
    f"{support_desk.scope_line(user)} What schools asked for, who answers it, and "
    f"how long answers take, as of {views.when(today)}."
)
views.figures(cached.desk_figures(store, user, today))
with st.expander("How the page counts"):
    for rule in support_desk.desk_rules():
        st.markdown(f"- {rule}")

st.subheader("Open requests, oldest first")
desk_views.open_list(cached.open_list(store, user, today))

st.subheader("Answer a request")
desk_views.answer_panel(store, user, today)

st.subheader("Time to answer, by network")
desk_views.times_table(cached.answer_times(store, user, today))
