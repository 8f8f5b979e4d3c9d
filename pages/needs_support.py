"""Needs support: the schools to reach out to this month, and why."""

from datetime import date

import streamlit as st

from sqr_tracker import cached, needs_support, session, support_views
from sqr_tracker.models import Role

store, user = session.require_page(__file__)
today = date.today()
st.title("Needs support")
st.caption(
    "Schools that may need the district's support, each with its reasons. Every "
    "reason is a rule with the district's threshold, stated below: the list "
    "starts a conversation about support, not a ranking."
)
network_id = None
if user.role == Role.CENTRAL_OFFICE:
    networks = store.networks()
    names = {
        0: "All networks",
        **dict(zip(networks["id"], networks["name"], strict=True)),
    }
    network_id = st.selectbox(
        "Network", list(names), format_func=names.get, key="support-network"
    )
found = cached.needs_support(store, user, today, network_id=network_id or None)

with st.expander("How schools are placed in tiers"):
    for rule in found.rules:
        st.markdown(f"- {rule}")
counts = found.schools["tier"].value_counts()
for column, tier in zip(st.columns(3), needs_support.TIERS, strict=True):
    column.metric(f"{tier.capitalize()} support", f"{int(counts.get(tier, 0)):,}")

st.subheader("Schools and their reasons")
tiers = st.pills(
    "Tiers shown",
    list(needs_support.TIERS),
    default=["intensive", "targeted"],
    selection_mode="multi",
    key="support-tiers",
)
chosen = tuple(tier for tier in needs_support.TIERS if tier in (tiers or ()))
shown = cached.needs_support_list(store, user, today, network_id or None, chosen)
if shown.empty:
    st.info("No school is in the tiers chosen.")
else:
    support_views.needs_support_table(shown, "needs-support")

st.subheader("Schools in each tier, by network")
support_views.tier_table(found.tiers)
