"""Ratings heatmap: every school's latest consensus rating on every standard."""

import streamlit as st

from sqr_tracker import cached, needs_support, session, support_views

store, user = session.require_page(__file__)
st.title("Ratings across schools")
st.caption(
    "Each school's latest published consensus rating on each standard. Filter by "
    "network and level; sort by a standard to see who is working on it."
)
everyone, labels = cached.heatmap(store, user)
left, middle, right = st.columns(3)
networks = ["All networks", *sorted(everyone["network"].unique())]
network = left.selectbox("Network", networks, key="heatmap-network")
levels = ["All levels", *sorted(everyone["level"].unique())]
level = middle.selectbox("Level", levels, key="heatmap-level")
codes = [c for c in everyone.columns if c not in needs_support.HEATMAP_FIXED]
sorts = {"school": "School name", **{c: f"{c}, lowest first" for c in codes}}
sort_by = right.selectbox(
    "Sort by", list(sorts), format_func=sorts.get, key="heatmap-sort"
)
chosen = {
    "network": None if network == networks[0] else network,
    "level": None if level == levels[0] else level,
    "sort_by": None if sort_by == "school" else sort_by,  # by name, as everyone is
}
table = everyone
if any(chosen.values()):
    table, labels = cached.heatmap(store, user, **chosen)
if table.empty:
    st.info("No school matches these filters.")
else:
    st.caption(f"{len(table):,} schools")
    support_views.heatmap_table(
        table,
        labels,
        "heatmap",
        lambda rows: cached.heatmap_evidence(
            store, user, *needs_support.heatmap_rows(rows)
        ),
    )
