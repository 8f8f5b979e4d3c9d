"""Review: one review as it happens, for its team, its school and the district."""

import streamlit as st

from sqr_tracker import cached, review_views, session, views

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
# The ratings, report and evidence tabs each hold a form for every focus
# standard: built once opened (see views.lazy_tabs).
tabs = views.lazy_tabs(names, review_views.TABS, review_id)
sections = {
    review_views.SELF: lambda: review_views.self_reflection(store, user, record),
    review_views.YOURS: lambda: review_views.my_ratings(store, user, record),
    review_views.TEAM: lambda: review_views.team_ratings(record),
    review_views.REPORT: lambda: review_views.report(store, user, record),
    review_views.EVIDENCE: lambda: review_views.evidence(store, user, record),
}
for name, (tab, shown) in zip(names, tabs, strict=True):
    if shown:
        with tab:
            sections[name]()
