"""Rendering pieces shared by pages: they draw what the package computed.

Text that people wrote (strengths, notes, names) is drawn with ``st.text`` or in
dataframes, never through Markdown or HTML, so that it shows exactly as typed.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from sqr_tracker.home import SchoolGlance, cycle_label

# Colour-blind-safe sequential blues, lowest level lightest.
LEVEL_COLOURS = ("#c6dbef", "#6baed6", "#2171b5", "#08306b", "#041b3d")


def when(day: object) -> str:
    """A date as '3 Dec 2026', or 'never'."""
    if day is None or pd.isna(day):
        return "never"
    return pd.Timestamp(day).strftime("%-d %b %Y")


def figures(counts: dict[str, object]) -> None:
    """A row of big numbers, one per entry."""
    for column, (label, count) in zip(
        st.columns(len(counts)), counts.items(), strict=True
    ):
        column.metric(label, f"{count:,}" if isinstance(count, int) else count)


def plan_metrics(plan: dict, today: date) -> None:
    """The plan in five figures."""
    cols = st.columns(5)
    cols[0].metric("Open goals", int(plan["open_goals"]))
    cols[1].metric("Focus goals", int(plan["focus_goals"]))
    cols[2].metric("Open action steps", int(plan["open_steps"]))
    cols[3].metric("Overdue action steps", int(plan["overdue_steps"]))
    last = plan["last_check_in"]
    days = (today - pd.Timestamp(last).date()).days if pd.notna(last) else None
    cols[4].metric(
        "Last check-in",
        when(last),
        delta=None if days is None else f"{days} days ago",
        delta_color="off",
    )


def review_glance(glance: SchoolGlance) -> None:
    """The latest review by standard: ratings side by side, then each finding."""
    review = glance.review
    if review is None:
        st.info("No review of this school has been published yet.")
        return
    st.subheader(f"Latest review: {cycle_label(int(review['cycle_year']))}")
    st.caption(
        f"Published {when(review['published_on'])} · site visit "
        f"{when(review['visit_starts_on'])} · lead reviewer {review['lead_reviewer']}"
    )
    table = glance.standards.assign(
        focus=glance.standards["is_focus"].map({True: "★ focus", False: ""})
    )[["code", "standard", "focus", "consensus_label", "self_label", "evidence"]]
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        column_config={
            "code": st.column_config.TextColumn("", width="small"),
            "standard": st.column_config.TextColumn("Standard", width="large"),
            "focus": st.column_config.TextColumn("Focus", width="small"),
            "consensus_label": "Team's rating",
            "self_label": "Self-reflection",
            "evidence": st.column_config.TextColumn("Evidence", width="large"),
        },
    )
    for row in glance.standards.itertuples():
        with st.expander(f"{row.code} {row.standard}: strengths and areas for growth"):
            left, right = st.columns(2)
            left.markdown("**Strengths**")
            left.text(row.strengths or "None recorded")
            right.markdown("**Areas for growth**")
            right.text(row.areas_for_growth or "None recorded")


def level_chart(counts: pd.DataFrame, scale: pd.DataFrame) -> go.Figure:
    """Stacked bars: how many schools sit at each level, per standard."""
    figure = go.Figure()
    for level in scale.itertuples():
        part = counts[counts["level"] == level.level]
        figure.add_bar(
            y=part["code"] + " " + part["standard"].str.slice(0, 40),
            x=part["schools"],
            name=level.label,
            orientation="h",
            marker_color=LEVEL_COLOURS[(level.level - 1) % len(LEVEL_COLOURS)],
            hovertemplate="%{x} schools<extra>" + level.label + "</extra>",
        )
    figure.update_layout(
        barmode="stack",
        height=320,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        legend={"orientation": "h", "y": -0.15},
        yaxis={"autorange": "reversed"},
        xaxis_title="schools (latest published review)",
    )
    return figure
