"""District in numbers: the central office's first look at every school."""

from datetime import date

import streamlit as st

from sqr_tracker import cached, session, views

store, user = session.require_page(__file__)
today = date.today()
numbers = cached.district_numbers(store, user, today)

st.title("District in numbers")
views.figures(numbers.figures)

left, right = st.columns([2, 1])
with left:
    st.subheader("Latest consensus ratings, by standard")
    views.chart(cached.district_levels_chart(store, user, today))
with right:
    st.subheader(f"Reviews in {numbers.cycle}, by phase")
    st.dataframe(
        numbers.reviews_by_phase,
        hide_index=True,
        width="stretch",
        column_config={"phase": "Phase", "reviews": "Reviews"},
    )
