"""My reviews: the reviews a reviewer is on, current ones first; a row opens one."""

import streamlit as st

from sqr_tracker import home, review_views, session, support_views, views

store, user = session.require_page(__file__)
reviews = home.my_reviews(store, user)

st.title("My reviews")
if reviews.empty:
    st.info("You are not on any review team yet.")
else:
    st.caption(home.reviews_under_way(reviews) + ". Choose a row to open its review.")
    day = "D MMM YYYY"
    chosen = st.dataframe(
        reviews.drop(columns="id"),
        hide_index=True,
        on_select="rerun",
        selection_mode="single-row",
        key=support_views.selection_key("my-reviews", reviews["id"]),
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
    review_views.open_chosen(chosen, reviews["id"])
