"""Reviewer calibration: how closely reviewers' ratings match the team's
consensus and one another, per reviewer and per standard, and across cycles."""

import streamlit as st

from sqr_tracker import cached, calibration, calibration_views, session, views

store, user = session.require_page(__file__)

st.title("Reviewer calibration")
st.caption(
    "How closely each reviewer's ratings match the team's consensus and the other "
    "reviewers on the same review, over published reviews. A prompt for "
    "calibration conversations and training, not a verdict on a reviewer."
)
years = calibration.cycle_choices(store, user)
if not years:
    st.info(
        "No published review holds a reviewer's rating yet, so there is nothing "
        "to compare."
    )
    st.stop()

year = calibration_views.cycle_choice(years)
found = cached.calibration(store, user, year)
calibration_views.summary_figures(found.summary)
with st.expander("How calibration is measured"):
    for rule in found.rules:
        st.markdown(f"- {rule}")

st.subheader("Below the district's thresholds")
calibration_views.flag_warnings(found)

st.subheader("By reviewer")
st.caption(
    "Each reviewer's ratings against the consensus, then against the other "
    "reviewers who rated the same standard of the same review."
)
calibration_views.reviewer_table(found.reviewers)

st.subheader("By standard")
st.caption("Every reviewer's ratings of the standard, pooled.")
calibration_views.standard_table(found.standards)

st.subheader("Across cycles")
if year is not None:
    st.caption("Choose all cycles to see how agreement moves from cycle to cycle.")
    st.stop()

views.chart(cached.calibration_chart(store, user), key="calibration:chart")
st.caption(
    "Exact agreement with the consensus in each cycle, per standard and for all "
    "standards together."
)
figure = calibration_views.figure_choice()
st.caption(
    "Each cell: the figure in that cycle and, in brackets, the ratings compared "
    "(for reviewers agreeing with each other, the pairs); empty: no ratings."
)
for by in ("reviewer", "standard"):
    movement = cached.calibration_movement(store, user, by, figure)
    calibration_views.movement_table(movement, by, figure)
