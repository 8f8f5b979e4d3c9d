"""Monthly updates: which schools checked in for a month, and whom to nudge."""

from datetime import date

import streamlit as st

from sqr_tracker import cached, compliance, district_views, session

store, user = session.require_page(__file__)
today = date.today()
st.title("Monthly updates")
st.caption(
    "Each school's site team checks in on its plan once a month. A school counts "
    "as checked in when any check-in was written in the calendar month."
)
left, right = st.columns(2)
with left:
    month = district_views.month_choice(today)
with right:
    network_id = district_views.network_choice(store, user, "updates-network")
found = cached.compliance(store, user, month, today, network_id=network_id)
district_views.compliance_figures(found, month, today)

st.subheader("By network")
district_views.network_summary(compliance.by_network(found), month)

st.subheader("Not yet checked in")
missing = cached.nudge_rows(store, user, month, today, network_id)
district_views.nudge_list(missing, month)

st.subheader("Every school")
district_views.compliance_list(
    cached.full_rows(store, user, month, today, network_id), month
)
