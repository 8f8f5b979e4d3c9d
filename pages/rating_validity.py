"""Do the ratings mean something? Ratings beside outcomes, the school's
self-reflection beside the team's, and every standard against every measure."""

import streamlit as st

from sqr_tracker import cached, desk_views, evidence_views, session, validity, views

store, user = session.require_page(__file__)

st.title("Do the ratings mean something?")
st.caption(
    "Whether schools rated higher on a standard also do better on the numbers, "
    "and how far schools and review teams see a standard alike. A check on the "
    "ratings, not a ranking of schools."
)
standards, measures = validity.choices(store, user)
if not standards:
    st.info("No review has been published yet, so there are no ratings to check.")
    st.stop()

left, right = st.columns(2)
standard_id = left.selectbox(
    "Standard", list(standards), format_func=standards.get, key="validity:standard"
)
measure_id = right.selectbox(
    "Measure", list(measures), format_func=measures.get, key="validity:measure"
)
relation = cached.ratings_and_outcomes(store, user, standard_id, measure_id)
views.chart(
    cached.relation_chart(store, user, standard_id, measure_id), key="validity:figure"
)
st.caption(relation.words)
desk_views.points_list(relation)
with st.expander("How ratings and outcomes are paired"):
    for rule in validity.rules(store):
        st.markdown(f"- {rule}")

st.subheader("The school's self-reflection beside the team's rating")
st.caption(
    "Per standard, over published reviews holding both ratings: how often they "
    "differ, how often the school rated itself higher, and by how many levels."
)
# The table below holds these columns too: the ratings are read once for both.
gap = cached.district_self_gap(store, user)
desk_views.disagreement_table(gap.table[validity.DISAGREEMENT_COLUMNS])

st.subheader("Blind spots, hidden strengths, and coming closer")
st.caption(
    "Per standard: how many reviews found a blind spot (the school rated itself "
    "higher than the team), a hidden strength (lower) or agreement; and whether "
    "schools' self-reflections came closer to the team's between their last two "
    "reviews."
)
evidence_views.district_self_gap(gap)

st.subheader("Every measure against every standard")
st.caption(
    "Each cell: Spearman's rho between the standard's rating and the measure, "
    "and in brackets the number of schools. A positive rho means schools rated "
    "higher have higher values. Blue: schools rated higher do better on the "
    "measure; orange: they do worse; darker is stronger (0.1, 0.3, 0.5)."
)
desk_views.matrix_grid(*cached.matrix_cells(store, user))
