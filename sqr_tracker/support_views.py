"""Views of the needs-support list and the ratings heatmap: tables a central
office user can sort, filter, download and click through to a school's plan."""

from __future__ import annotations

import zlib

import pandas as pd
import streamlit as st

from sqr_tracker.evidence import strength_legend
from sqr_tracker.needs_support import HEATMAP_FIXED
from sqr_tracker.views import downloads, plain, rows_height

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


def needs_support_table(schools: pd.DataFrame, key: str) -> None:
    """Each school with its tier and the rules it meets; choosing a row shows
    the reasons in full, with a way to its plan."""
    shown = schools[["school_id", "school", "network", "level", "tier", "rules"]]
    event = st.dataframe(
        shown.drop(columns="school_id"),
        hide_index=True,
        width="stretch",
        height=rows_height(min(len(shown), 15)),
        on_select="rerun",
        selection_mode="single-row",
        key=selection_key(key, shown["school_id"]),
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
        school = schools.iloc[chosen]
        with st.container(border=True):
            st.markdown(f"**{plain(school['school'])}** · {school['tier']} support")
            for reason in school["reasons"]:
                st.markdown(f"- {plain(reason)}")
            if st.button("Open its plan", key=f"{key}:open", type="primary"):
                open_school_plan(school["school_id"])
    downloads(
        schools[["school", "network", "level", "tier", "reasons"]].assign(
            reasons=schools["reasons"].map(" | ".join)
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
            "intensive": "Intensive",
            "targeted": "Targeted",
            "universal": "Universal",
        },
    )


# Colour-blind-safe diverging scales (orange low, blue high), by number of levels.
_HEAT = {
    4: ("#e66101", "#fdb863", "#92c5de", "#0571b0"),
    5: ("#e66101", "#fdb863", "#f7f7f7", "#92c5de", "#0571b0"),
}
_LIGHT_TEXT = {"#e66101", "#0571b0"}


def _cell_colour(level: object, levels: list[int]) -> str:
    if level is None or pd.isna(level):
        return "background-color: #f0f0f0; color: #555555"
    colours = _HEAT.get(len(levels)) or _spread(len(levels))
    colour = colours[levels.index(int(level))]
    text = "#ffffff" if colour in _LIGHT_TEXT else "#1a1a1a"
    return f"background-color: {colour}; color: {text}"


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


def heatmap_table(
    table: pd.DataFrame,
    labels: dict[int, str],
    key: str,
    strengths: pd.DataFrame | None = None,
) -> None:
    """Schools by standards, each cell coloured by its level and naming it, and
    how strong the evidence behind it is; choosing a row opens the school's
    plan."""
    codes = [c for c in table.columns if c not in HEATMAP_FIXED]
    levels = sorted(labels)
    shown = table.drop(columns="school_id")
    words = shown.copy().astype(object)
    for code in codes:
        words[code] = [labels.get(int(v)) if pd.notna(v) else "" for v in shown[code]]
    cells = words.copy()
    for code in codes:
        said = strengths[code] if strengths is not None else [""] * len(cells)
        cells[code] = [
            f"{word} {EVIDENCE_MARKS.get(said_word, '')}".strip() if word else NOT_RATED
            for word, said_word in zip(words[code], said, strict=True)
        ]
    colours = pd.DataFrame(
        {code: [_cell_colour(v, levels) for v in shown[code]] for code in codes},
        index=cells.index,
    )
    styled = cells.style.apply(lambda _: colours, axis=None, subset=codes)
    event = st.dataframe(
        styled,
        hide_index=True,
        width="stretch",
        height=rows_height(min(len(shown), 20)),
        on_select="rerun",
        selection_mode="single-row",
        key=selection_key(key, table["school_id"]),
        column_config={
            "school": st.column_config.TextColumn("School", pinned=True),
            "network": "Network",
            "level": "Level",
        },
    )
    chosen = _chosen_row(event)
    if chosen is not None:
        open_school_plan(table["school_id"].iloc[chosen])
    legend = " · ".join(f"{level} {labels[level]}" for level in levels)
    marks = " · ".join(f"{mark} {word}" for word, mark in EVIDENCE_MARKS.items())
    st.caption(
        f"Orange is the lower end of the scale, blue the higher: {legend}. The "
        f"dots after a rating say how strong its evidence is: {marks}. Choose a "
        "row to open the school's plan."
    )
    st.caption(strength_legend())
    if strengths is not None:
        for code in codes:
            words[f"{code} evidence"] = strengths[code].values
    downloads(words, "ratings heatmap", f"{key}:download")
