"""School summaries: each school's published ratings in plain words."""

import streamlit as st

from sqr_tracker import home, session

store, user = session.require_page(__file__)
schools = home.summary_choices(store, user)

st.title("School summaries")
st.caption(
    "What each school's published reviews found, standard by standard. Schools are "
    "listed by name: reviews are for improvement, not for ranking."
)
school_id = st.selectbox("School", options=list(schools), format_func=schools.get)
summary = home.published_summary(store, user, school_id)
if summary.empty:
    st.info("This school has no published review yet.")
else:
    st.dataframe(summary, hide_index=True, width="stretch")
