"""Our growth: the school's story across reviews, for staff and community."""

from datetime import date

import streamlit as st

from sqr_tracker import (
    cached,
    evidence_views,
    growth,
    growth_views,
    home,
    plan_forms,
    plan_views,
    session,
    views,
)
from sqr_tracker.auth import Action, allowed
from sqr_tracker.models import SCHOOL_ROLES

store, user = session.require_page(__file__)
today = date.today()
st.title("Our growth" if user.role in SCHOOL_ROLES else "Growth stories")
school_id = plan_views.school_choice(store, user)
school = store.schools([school_id]).iloc[0].to_dict()
st.caption(views.plain(f"{school['name']} · {home.school_line(school)}"))

story = cached.growth_across_reviews(store, user, school_id)
work = cached.this_years_work(store, user, school_id, today)
placed = cached.status_and_change(store, user, school_id, today)
names = cached.measure_choices(store, user, school_id)

if st.toggle(
    "Presentation mode",
    key="presenting",
    help="The same story as slides, to click through in a staff meeting",
):
    with st.expander("Choose the measures to show"):
        chosen = st.multiselect(
            "Measures",
            list(names),
            format_func=names.get,
            default=list(names)[:2],
            key="slide-measures",
        )
    measures = [cached.measure_story(store, user, school_id, m) for m in chosen]
    growth_views.presentation(
        growth_views.story_slides(school["name"], story, measures, placed, work)
    )
    st.stop()

growth_views.download_buttons(store, user, school_id, school["name"], today)

st.subheader("Celebrate growth, keep the bar high")
growth_views.celebrate(story)
st.subheader("Growth across reviews")
growth_views.across_reviews(story, cached.growth_lines(store, user, school_id))
evidence_views.evidence_expander(cached.school_evidence(store, user, school_id))
if allowed(store, user, Action.SELF_REFLECT, school_id=school_id):
    with st.expander("Record a self-reflection between reviews"):
        plan_forms.interim_rating_form(
            store, user, school_id, *growth.rating_choices(store, user)
        )
st.subheader("The school's self-reflection beside the team's")
evidence_views.self_gap(
    cached.school_self_gap(store, user, school_id),
    cached.self_gap_table(store, user, school_id),
)
st.subheader(f"This year's work ({home.cycle_label(home.school_year(today))})")
growth_views.year_of_work(work)

st.subheader("Measures over time")
for rule in growth.measure_rules():
    st.caption(rule)
if names:
    measure_id = st.selectbox("Measure", list(names), format_func=names.get)
    measure = cached.measure_story(store, user, school_id, measure_id)
    figure = cached.run_chart(store, user, school_id, measure_id)
    views.chart(figure, key="run-chart")
    growth_views.signals_text(measure)
    st.markdown(f"**By student group, {measure.period}**")
    growth_views.groups_table(measure, growth.small_group_threshold(store))

st.subheader("Status and change")
grid, table = st.columns([3, 2])
with grid:
    views.chart(cached.status_grid(store, user, school_id, today), key="grid")
with table:
    growth_views.placed_table(placed)
