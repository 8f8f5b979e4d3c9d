"""The reviewer calibration page's pieces: the cycle choice, the district's
figures, the flags, the tables per reviewer and per standard, and how agreement
moves across cycles (a chart per standard and tables per reviewer and
standard). They draw what ``calibration`` computed; names are shown as text,
and every list downloads exactly as it is shown."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from sqr_tracker.calibration import (
    KAPPA_UNDEFINED,
    MOVEMENT_FIGURES,
    TOO_FEW,
    Calibration,
)
from sqr_tracker.home import cycle_label
from sqr_tracker.views import (
    across,
    downloads,
    figures,
    listed_warning,
    plain,
    rows_height,
)

# Okabe and Ito's colour-blind-safe colours (yellow left out: too pale on white).
STANDARD_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9",
                    "#CC79A7")  # fmt: skip
_FIGURE_COLUMNS = {
    "n": st.column_config.NumberColumn(
        "Compared", width=75,
        help="Ratings compared with the team's consensus."),
    "exact": st.column_config.NumberColumn(
        "Exact", format="percent", width=65,
        help="Exact agreement: the share of the ratings compared equal to the "
        "consensus."),
    "adjacent": st.column_config.NumberColumn(
        "Within one", format="percent", width=80,
        help="Adjacent agreement: the share of the ratings compared within one "
        "level of the consensus."),
    "kappa": st.column_config.NumberColumn(
        "Kappa", format="%.2f", width=60,
        help="Cohen's weighted kappa (quadratic weights) against the consensus; "
        "empty when undefined."),
    "lean_words": st.column_config.TextColumn(
        "Lean", width=235,
        help="Below zero harsher than the team's consensus, above it more "
        "lenient."),
    "flag": st.column_config.TextColumn("Flag", width=190),
    "lean": st.column_config.NumberColumn(
        "Lean (levels)", format="%+.2f",
        help="Mean of the reviewer's level minus the consensus level."),
    "pairs": st.column_config.NumberColumn(
        "Reviewer pairs",
        help="Pairs of reviewers who rated the same standard of the same review."),
    "pair_exact": st.column_config.NumberColumn(
        "Pairs at the same level", format="percent"),
    "pair_adjacent": st.column_config.NumberColumn(
        "Pairs within one level", format="percent"),
}  # fmt: skip


def cycle_choice(years: list[int], key: str = "calibration:cycle") -> int | None:
    """All cycles (None) or one cycle year, all chosen at first."""
    return st.selectbox(
        "Cycle",
        [None, *years],
        format_func=lambda year: "All cycles" if year is None else cycle_label(year),
        key=key,
    )


def summary_figures(summary: dict) -> None:
    """The district's figures in one row."""
    figures(
        {
            "Ratings compared": summary["ratings_compared"],
            "Reviewers": summary["reviewers"],
            "Exact agreement": _share(summary["exact"]),
            "Within one level": _share(summary["adjacent"]),
            "Weighted kappa": _kappa(summary["kappa"]),
            "Pairs in agreement": _share(summary["pair_exact"]),
        }
    )


def flag_warnings(found: Calibration) -> None:
    """The reviewers and standards below a threshold in one warning, a line
    each, then who has too few ratings to judge, and the flags' download."""
    flags = found.flags
    if flags.empty:
        st.success("No reviewer or standard falls below the district's thresholds.")
    else:
        listed_warning(flags["flag"], icon=":material/flag:")
    few = found.reviewers[found.reviewers["flag"] == TOO_FEW]
    if not few.empty:
        least = int(found.limits["calibration_min_ratings"])
        names = ", ".join(few["reviewer"])
        st.caption(
            plain(f"Too few ratings to judge (fewer than {least} compared): {names}.")
        )
    if not flags.empty:
        downloads(flags, "calibration-flags", "calibration-flags")


def reviewer_table(table: pd.DataFrame) -> None:
    """One row per reviewer, by name, and its downloads."""
    _table(
        table,
        {"reviewer_id": st.column_config.NumberColumn("Id", width=45),
         "reviewer": st.column_config.TextColumn("Reviewer", width=140)},
        "calibration-by-reviewer",
    )  # fmt: skip


def standard_table(table: pd.DataFrame) -> None:
    """One row per standard, in the district's order, and its downloads."""
    _table(
        table,
        {"code": st.column_config.TextColumn("", width=45),
         "standard": st.column_config.TextColumn("Standard", width=200)},
        "calibration-by-standard",
    )  # fmt: skip


def _table(table: pd.DataFrame, names: dict, name: str) -> None:
    if table.empty:
        st.caption("No reviewer's rating in the cycles chosen.")
        return
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        height=rows_height(len(table)),
        column_config={**names, **_FIGURE_COLUMNS},
    )
    if ((table["n"] > 0) & table["kappa"].isna()).any():
        st.caption(KAPPA_UNDEFINED)
    downloads(table, name, name)


def movement_chart(found: Calibration) -> go.Figure:
    """Exact agreement with the consensus per cycle: a line per standard, a
    thicker one for all standards, and the district's threshold dashed."""
    figure = go.Figure()
    cycles = found.cycles
    for place, (code, part) in enumerate(
        found.standard_cycles.groupby("code", sort=False)
    ):
        figure.add_scatter(
            x=part["cycle"],
            y=part["exact"],
            name=code,
            mode="lines+markers",
            line={"color": STANDARD_COLOURS[place % len(STANDARD_COLOURS)],
                  "width": 1.5},
            customdata=part[["standard", "n"]],
            hovertemplate="%{customdata[0]}<br>%{y:.0%} of %{customdata[1]} "
            "ratings<extra>" + code + "</extra>",
        )  # fmt: skip
    figure.add_scatter(
        x=cycles["cycle"],
        y=cycles["exact"],
        name="All standards",
        mode="lines+markers",
        line={"color": "#222222", "width": 4},
        customdata=cycles[["n"]],
        hovertemplate="%{y:.0%} of %{customdata[0]} ratings<extra>All</extra>",
    )
    bound = found.limits["calibration_agreement_below"]
    line, label = across(
        bound, {"dash": "dash", "color": "#777777", "width": 1},
        f"flagged below {bound:.0%}", below=True,
    )  # fmt: skip
    figure.update_layout(
        shapes=[line],
        annotations=[label],
        height=360,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        yaxis={"title": "exact agreement with the consensus", "tickformat": ".0%",
               "range": [0, 1.05]},
        xaxis={"title": "cycle", "type": "category",
               "categoryorder": "array", "categoryarray": list(cycles["cycle"])},
        legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0},
    )  # fmt: skip
    return figure


def figure_choice(key: str = "calibration:figure") -> str:
    """Which figure the tables across cycles show."""
    return st.radio(
        "Figure",
        list(MOVEMENT_FIGURES),
        format_func=MOVEMENT_FIGURES.get,
        horizontal=True,
        key=key,
    )


def movement_table(table: pd.DataFrame, by: str, figure: str) -> None:
    """Rows of reviewers or standards, a column per cycle, and its downloads."""
    names = (
        {"reviewer_id": st.column_config.NumberColumn("Id", width=45),
         "reviewer": st.column_config.TextColumn("Reviewer", width=150)}
        if by == "reviewer"
        else {"code": st.column_config.TextColumn("", width=45),
              "standard": st.column_config.TextColumn("Standard", width=250)}
    )  # fmt: skip
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        height=rows_height(len(table)),
        column_config=names,
    )
    name = f"calibration-{figure.replace('_', '-')}-by-{by}-and-cycle"
    downloads(table, name, f"calibration-{by}-cycles")


def _share(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def _kappa(value: float | None) -> str:
    return "undefined" if value is None else f"{value:.2f}"
