"""Our school: the latest review at a glance and the plan in numbers."""

from datetime import date

import streamlit as st

from sqr_tracker import cached, home, session, views

store, user = session.require_page(__file__)
today = date.today()
glance = cached.school_glance(store, user, user.school_id, today)

st.title(views.plain(glance.school["name"]))
st.caption(views.plain(home.school_line(glance.school)))
st.subheader("Our plan this month")
views.plan_metrics(glance.plan, today)
views.review_glance(glance)
