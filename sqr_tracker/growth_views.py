"""The growth story's views: ratings across reviews, and the year in figures."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from sqr_tracker.growth import Growth, YearOfWork, year_words
from sqr_tracker.home import cycle_label
from sqr_tracker.views import plain

# A colour-blind-safe palette for one line per standard.
OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00",
             "#F0E442", "#000000"]  # fmt: skip


def celebrate(growth: Growth) -> None:
    """Each standard in a sentence: growth first, and the distance still to go."""
    if not growth.words:
        st.info("No review of this school has been published yet.")
        return
    for sentence in growth.words:
        st.markdown(f"- {plain(sentence)}")


def across_reviews(growth: Growth) -> None:
    """A table of levels by review, and the same as lines."""
    if growth.table.empty:
        return
    labels = growth.labels
    table = growth.table[["code", "standard", *growth.cycles, "change"]].copy()
    for cycle in growth.cycles:
        table[cycle] = table[cycle].map(lambda level: labels.get(level, "—"))
    table["change"] = table["change"].map(_change)
    table.columns = [
        "",
        "Standard",
        *(cycle_label(c) for c in growth.cycles),
        "Since the review before",
    ]
    st.dataframe(table, hide_index=True, width="stretch")
    st.plotly_chart(levels_figure(growth, labels), key="growth-lines")


def _change(steps: object) -> str:
    if steps is None or pd.isna(steps):
        return "first review"
    steps = int(steps)
    if steps == 0:
        return "held"
    return f"▲ {steps}" if steps > 0 else f"▼ {-steps}"


def levels_figure(growth: Growth, labels: dict[int, str]) -> go.Figure:
    """One line per standard: its consensus level in each review."""
    figure = go.Figure()
    x = [cycle_label(c) for c in growth.cycles]
    for _, row in growth.table.iterrows():
        figure.add_scatter(
            x=x,
            y=[row[c] for c in growth.cycles],
            mode="lines+markers",
            name=row["code"],
            hovertext=row["standard"],
            hovertemplate="%{hovertext}<br>%{x}: level %{y}<extra></extra>",
        )
    levels = sorted(labels)
    figure.update_layout(
        height=340,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        yaxis={
            "tickvals": levels,
            "ticktext": [labels[v] for v in levels],
            "range": [levels[0] - 0.3, levels[-1] + 0.3],
        },
        legend={"orientation": "h", "y": -0.2},
        colorway=OKABE_ITO,
    )
    return figure


def year_of_work(work: YearOfWork) -> None:
    """This school year's work in four figures and three sentences."""
    cols = st.columns(4)
    cols[0].metric("Goals at target", f"{work.goals_reached} of {work.open_goals}")
    cols[1].metric("Milestones met", work.milestones_met)
    cols[2].metric("Action steps done", work.steps_done)
    cols[3].metric(
        "Months updated", f"{work.months_checked_in} of {work.months_so_far}"
    )
    st.caption(" ".join(year_words(work)))
