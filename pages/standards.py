"""Standards: the district's quality standards and its rating scale."""

import streamlit as st

from sqr_tracker import home, session

store, user = session.require_page(__file__)
standards, scale = home.standards_and_scale(store, user)

st.title("Quality standards")
st.caption("What the district means by a quality school, and how reviews rate it.")
st.dataframe(
    standards,
    hide_index=True,
    width="stretch",
    column_config={"code": "Code", "name": "Standard", "description": "What it means"},
)
st.subheader("Rating scale")
st.dataframe(
    scale,
    hide_index=True,
    column_config={"level": "Level", "label": "Label", "description": "What it means"},
)
