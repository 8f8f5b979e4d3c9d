"""Our network: how each school the network lead follows is keeping its plan."""

from datetime import date

import streamlit as st

from sqr_tracker import cached, session, views

store, user = session.require_page(__file__)
today = date.today()
schools = cached.network_overview(store, user, today)

st.title("Our network")
st.caption(f"{len(schools)} schools · plans as of {views.when(today)}")
st.dataframe(
    schools,
    hide_index=True,
    width="stretch",
    height=views.rows_height(len(schools)),
    column_config={
        "school": "School",
        "level": "School level",
        "open_goals": "Open goals",
        "focus_goals": "Focus goals",
        "open_steps": "Open action steps",
        "overdue_steps": "Overdue action steps",
        "last_check_in": st.column_config.DateColumn(
            "Last check-in", format="D MMM YYYY"
        ),
        "open_requests": "Open support requests",
    },
)
