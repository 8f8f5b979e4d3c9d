"""My reviews: the reviews a reviewer is on, current ones first."""

import streamlit as st

from sqr_tracker import home, session

store, user = session.require_page(__file__)
reviews = home.my_reviews(store, user)

st.title("My reviews")
if reviews.empty:
    st.info("You are not on any review team yet.")
else:
    st.dataframe(
        reviews.drop(columns=["id"]),
        hide_index=True,
        width="stretch",
        column_config={
            "school": "School",
            "cycle_year": st.column_config.NumberColumn("Cycle", format="%d"),
            "phase": "Phase",
            "visit_starts_on": st.column_config.DateColumn("Site visit from"),
            "visit_ends_on": st.column_config.DateColumn("to"),
            "published_on": st.column_config.DateColumn("Published"),
            "team_role": "Your role",
        },
    )
