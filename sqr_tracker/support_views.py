"""Views of the needs-support list and the ratings heatmap: tables a central
office user can sort, filter, download and click through to a school's plan."""

from __future__ import annotations

import zlib
from collections.abc import Callable

import pandas as pd
import streamlit as st

from sqr_tracker import views
from sqr_tracker.evidence import strength_legend
from sqr_tracker.needs_support import HEATMAP_FIXED
from sqr_tracker.views import Listed, downloads, page_of, plain, rows_height

WORKSPACE = "pages/workspace.py"


def open_school_plan(school_id: int) -> None:
    """Go to the school's plan, the school chosen there."""
    st.session_state["school"] = int(school_id)
    st.switch_page(WORKSPACE)


def selection_key(prefix: str, school_ids: pd.Series) -> str:
    """The key of a selectable list of schools: it changes with the list, so a
    row chosen in one list is never taken for another school's in the next."""
    listed = ",".join(str(int(i)) for i in school_ids)
    return f"{prefix}:{zlib.crc32(listed.encode()):08x}"


def _chosen_row(event: object) -> int | None:
    rows = getattr(getattr(event, "selection", None), "rows", None) or []
    return rows[0] if rows else None


# The most rows the needs-support list sends at once; a longer list is shown a
# page at a time (a state lists thousands of schools).
NEEDS_SUPPORT_PAGE_ROWS = 500


def listed(schools: pd.DataFrame, tiers: tuple[str, ...]) -> Listed:
    """The needs-support schools in the tiers chosen, in order: what
    ``needs_support_table`` lists (asked once per choice of tiers)."""
    chosen = schools[schools["tier"].isin(tiers)]
    return views.listed(chosen, ["school", "network", "level", "tier", "rules"])


def needs_support_table(schools: Listed, key: str) -> None:
    """Each school of ``listed`` with its tier and the rules it meets;
    choosing a row shows the reasons in full, with a way to its plan. A list
    longer than ``NEEDS_SUPPORT_PAGE_ROWS`` is shown a page at a time."""
    rows = page_of(len(schools), key, NEEDS_SUPPORT_PAGE_ROWS)
    page = schools.rows.iloc[rows]
    event = st.dataframe(
        schools.page(rows),
        hide_index=True,
        width="stretch",
        height=rows_height(min(len(page), 15)),
        on_select="rerun",
        selection_mode="single-row",
        key=selection_key(key, page["school_id"]),
        column_config={
            "school": st.column_config.TextColumn("School", width="medium"),
            "network": "Network",
            "level": "Level",
            "tier": "Tier",
            "rules": st.column_config.ListColumn("Reasons", width="large"),
        },
    )
    chosen = _chosen_row(event)
    if chosen is None:
        st.caption("Choose a row to read the school's reasons in full.")
    else:
        school = page.iloc[chosen]
        with st.container(border=True):
            st.markdown(f"**{plain(school['school'])}** · {school['tier']} support")
            for reason in school["reasons"]:
                st.markdown(f"- {plain(reason)}")
            if st.button("Open its plan", key=f"{key}:open", type="primary"):
                open_school_plan(school["school_id"])
    everyone = schools.rows
    downloads(
        lambda: everyone[["school", "network", "level", "tier", "reasons"]].assign(
            reasons=everyone["reasons"].map(" | ".join)
        ),
        "needs support",
        f"{key}:download",
    )


def tier_table(tiers: pd.DataFrame) -> None:
    st.dataframe(
        tiers,
        hide_index=True,
        width="stretch",
        column_config={
            "network": "Network",
            **{
                tier: st.column_config.NumberColumn(tier.title(), format="localized")
                for tier in ("intensive", "targeted", "universal")
            },
        },
    )


# Colour-blind-safe diverging scales (orange low, blue high), by number of levels.
_HEAT = {
    4: ("#e66101", "#fdb863", "#92c5de", "#0571b0"),
    5: ("#e66101", "#fdb863", "#f7f7f7", "#92c5de", "#0571b0"),
}
_LIGHT_TEXT = {"#e66101", "#0571b0"}


_NOT_RATED_COLOURS = "background-color: #f0f0f0; color: #555555"


def _level_colours(levels: list[int]) -> dict[int, str]:
    """Each level's cell style: its colour on the scale, with text that reads on it."""
    colours = _HEAT.get(len(levels)) or _spread(len(levels))
    return {
        level: f"background-color: {colour}; color: "
        + ("#ffffff" if colour in _LIGHT_TEXT else "#1a1a1a")
        for level, colour in zip(levels, colours, strict=True)
    }


def _spread(count: int) -> tuple[str, ...]:
    """Any other number of levels: the five-colour scale, stretched."""
    five = _HEAT[5]
    return tuple(five[round(i * 4 / max(count - 1, 1))] for i in range(count))


# How strong a rating's evidence is, in the heatmap's cells.
NOT_RATED = "not rated"
EVIDENCE_MARKS = {
    "strong": "●●●",
    "moderate": "●●○",
    "thin": "●○○",
    "none": "○○○",
}


# The most rows the heatmap colours and sends at once; a longer list is shown a
# page at a time (a state's 10,000 schools would take seconds to colour, and
# colouring even 500 takes a sixth of a second on every rerun).
HEATMAP_PAGE_ROWS = 100


def _heatmap_words(
    table: pd.DataFrame, labels: dict[int, str], strengths: pd.DataFrame | None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The table with each level's label (empty where not rated), and the cells
    as shown: the label and its evidence marks, or "not rated"."""
    codes = [c for c in table.columns if c not in HEATMAP_FIXED]
    words = table.drop(columns="school_id").astype(object)
    cells = words.copy()
    for code in codes:
        named = table[code].map(labels).astype(object)
        rated = named.notna()
        words[code] = named.where(rated, "")
        marks = (
            strengths[code].map(EVIDENCE_MARKS).fillna("").to_numpy()
            if strengths is not None
            else ""
        )
        shown = (words[code] + " " + marks).str.strip()
        cells[code] = shown.where(rated, NOT_RATED)
    return words, cells


def heatmap_table(
    table: pd.DataFrame,
    labels: dict[int, str],
    key: str,
    strengths: Callable[[pd.DataFrame], pd.DataFrame] | None = None,
) -> None:
    """Schools by standards, each cell coloured by its level and naming it, and
    how strong the evidence behind it is (``strengths`` of some of the table's
    rows, row by row); choosing a row opens the school's plan. A list longer
    than ``HEATMAP_PAGE_ROWS`` is shown a page at a time: the evidence is
    weighed for the rows shown, and for every row only when it is downloaded."""
    codes = [c for c in table.columns if c not in HEATMAP_FIXED]
    levels = sorted(labels)
    rows = page_of(len(table), key, HEATMAP_PAGE_ROWS)
    page = table.iloc[rows]
    _, shown = _heatmap_words(page, labels, strengths(page) if strengths else None)
    styles = _level_colours(levels)
    colours = pd.DataFrame(
        {code: page[code].map(styles).fillna(_NOT_RATED_COLOURS) for code in codes},
        index=shown.index,
    )
    styled = shown.style.apply(lambda _: colours, axis=None, subset=codes)
    event = st.dataframe(
        styled,
        hide_index=True,
        width="stretch",
        height=rows_height(min(len(shown), 20)),
        on_select="rerun",
        selection_mode="single-row",
        key=selection_key(key, page["school_id"]),
        column_config={
            "school": st.column_config.TextColumn("School", pinned=True),
            "network": "Network",
            "level": "Level",
        },
    )
    chosen = _chosen_row(event)
    if chosen is not None:
        open_school_plan(page["school_id"].iloc[chosen])
    legend = " · ".join(f"{level} {labels[level]}" for level in levels)
    marks = " · ".join(f"{mark} {word}" for word, mark in EVIDENCE_MARKS.items())
    st.caption(
        f"Orange is the lower end of the scale, blue the higher: {legend}. The "
        f"dots after a rating say how strong its evidence is: {marks}. Choose a "
        "row to open the school's plan."
    )
    st.caption(strength_legend())

    def every_row() -> pd.DataFrame:
        words, _ = _heatmap_words(table, labels, None)
        if strengths is not None:
            weighed = strengths(table)
            for code in codes:
                words[f"{code} evidence"] = weighed[code].values
        return words

    downloads(every_row, "ratings heatmap", f"{key}:download")
