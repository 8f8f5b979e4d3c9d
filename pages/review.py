"""Review: one review as it happens, for its team, its school and the district."""

import streamlit as st

from sqr_tracker import cached, review_views, session

store, user = session.require_page(__file__)
choices = cached.review_choices(store, user)
if not choices:
    st.title("Review")
    st.info("There is no review to open here yet.")
    st.stop()

heading = st.empty()  # the title names the review chosen below it
heading.title("Review")
review_id = review_views.review_choice(choices)
record = cached.review_record(store, user, review_id)

heading.title(review_views.title(record))
review_views.notices(record)
review_views.outline(record)
review_views.phase_step(store, user, record)
if record.can.plan_dates:
    review_views.plan_dates(store, user, record)
review_views.team_and_focus(record)

names = review_views.sections(record)
tabs = dict(zip(names, st.tabs(names), strict=True))
with tabs[review_views.SELF]:
    review_views.self_reflection(store, user, record)
if review_views.YOURS in tabs:
    with tabs[review_views.YOURS]:
        review_views.my_ratings(store, user, record)
if review_views.TEAM in tabs:
    with tabs[review_views.TEAM]:
        review_views.team_ratings(record)
with tabs[review_views.REPORT]:
    review_views.report(store, user, record)
with tabs[review_views.EVIDENCE]:
    review_views.evidence(store, user, record)
