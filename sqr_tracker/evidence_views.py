"""Evidence strength and self vs team, drawn as ``sqr_tracker.evidence``
computed them: on the growth page and the "Do the ratings mean something?"
page. Group names people typed are escaped, never rendered as Markdown."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from sqr_tracker import evidence
from sqr_tracker.evidence import DistrictSelfGap, ReviewEvidence, SelfGap
from sqr_tracker.views import downloads, plain, rows_height


def evidence_expander(found: ReviewEvidence | None) -> None:
    """'How strong is the evidence?': the latest review's standards, each with
    its rating, its strength and what it rests on, then the rules."""
    with st.expander("How strong is the evidence?"):
        if found is None:
            st.caption("No review of this school has been published yet.")
            return
        st.markdown(plain(found.summary))
        for row in found.standards.itertuples():
            rating = row.rating if isinstance(row.rating, str) else "not rated"
            st.markdown(
                f"**{plain(row.code)}** {plain(row.standard)} · {plain(rating)} · "
                f"evidence **{row.strength}**"
            )
            st.caption("  \n".join(plain(sentence) for sentence in row.sentences))
        st.markdown("**How strength is judged**")
        for rule in found.rules:
            st.caption(plain(rule))


def self_gap(gap: SelfGap, table: pd.DataFrame) -> None:
    """The school's self-reflection beside the team's, review by review
    (``table``: ``evidence.gap_table`` of the gaps)."""
    st.markdown(plain(gap.sentence))
    if gap.gaps.empty:
        return
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        height=rows_height(len(table)),
        column_config={
            "code": st.column_config.TextColumn("", width=50),
            "standard": st.column_config.TextColumn("Standard", width=360),
        },
    )
    st.caption(plain(evidence.mean_gap_words(gap.by_review)))
    with st.expander("How self vs team is read"):
        for rule in gap.rules:
            st.caption(plain(rule))


def district_self_gap(view: DistrictSelfGap) -> None:
    """Blind spots, hidden strengths and agreements per standard, and how many
    schools came closer between their last two reviews."""
    st.markdown(plain(view.sentence))
    if view.table.empty:
        st.caption("No published review holds both a self-reflection and a rating.")
        return
    table = view.table[["code", "standard", "reviews", *evidence.COUNT_COLUMNS]]
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        height=rows_height(len(table)),
        column_config={
            "code": st.column_config.TextColumn("", width=50),
            "standard": st.column_config.TextColumn("Standard", width=330),
            "reviews": "Reviews compared",
            "blind_spots": st.column_config.NumberColumn(
                "Blind spots", help="The school rated itself higher than the team."
            ),
            "hidden_strengths": st.column_config.NumberColumn(
                "Hidden strengths", help="The school rated itself lower than the team."
            ),
            "agreed": "Agreed",
        },
    )
    downloads(table, "blind-spots-and-hidden-strengths", "selfgap")
    with st.expander("How they are counted"):
        for rule in view.rules:
            st.caption(plain(rule))
