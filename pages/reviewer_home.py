"""My reviews: the reviews a reviewer is on, current ones first."""

import streamlit as st

from sqr_tracker import home, session, views

store, user = session.require_page(__file__)
reviews = home.my_reviews(store, user)

st.title("My reviews")
if reviews.empty:
    st.info("You are not on any review team yet.")
else:
    st.caption(home.reviews_under_way(reviews))
    day = "D MMM YYYY"
    st.dataframe(
        reviews,
        hide_index=True,
        width="stretch",
        height=views.rows_height(len(reviews)),
        placeholder="not yet",
        column_order=[
            "school",
            "cycle",
            "phase",
            "team_role",
            "visit_starts_on",
            "visit_ends_on",
            "published_on",
        ],
        column_config={
            "school": "School",
            "cycle": "Cycle",
            "phase": "Phase",
            "team_role": "Your role",
            "visit_starts_on": st.column_config.DateColumn(
                "Site visit from", format=day
            ),
            "visit_ends_on": st.column_config.DateColumn("to", format=day),
            "published_on": st.column_config.DateColumn("Report published", format=day),
        },
    )
