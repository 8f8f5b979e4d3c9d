"""Rendering pieces shared by pages: they draw what the package computed.

Text that people wrote (strengths, notes, names) is drawn with ``st.text`` or in
dataframes, never through Markdown or HTML, so that it shows exactly as typed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import pyarrow as pa
import streamlit as st

from sqr_tracker import output
from sqr_tracker.frames import TEXT_LISTS
from sqr_tracker.home import SchoolGlance, cycle_label

_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|~<>$:])")

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# How many lines a listed warning shows; its download lists every one.
WARNINGS_SHOWN = 20
# Colour-blind-safe sequential blues, lowest level lightest.
LEVEL_COLOURS = ("#c6dbef", "#6baed6", "#2171b5", "#08306b", "#041b3d")


def plain(text: object) -> str:
    """Text people wrote, escaped so that Markdown shows it exactly as typed."""
    return _MARKDOWN.sub(r"\\\1", str(text))


def listed_warning(lines: pd.Series, icon: str) -> None:
    """One warning holding the first ``WARNINGS_SHOWN`` lines as a list (a
    box each would bury the page under a state's hundreds), and how many
    more the download holds."""
    # A line break inside a line (a name typed with one) would end the list.
    shown = [" ".join(str(line).split()) for line in lines.head(WARNINGS_SHOWN)]
    st.warning("\n".join(f"- {plain(line)}" for line in shown), icon=icon)
    if len(lines) > WARNINGS_SHOWN:
        st.caption(
            f"And {len(lines) - WARNINGS_SHOWN:,} more: download the list to see "
            "them all."
        )


def when(day: object) -> str:
    """A date as '3 Dec 2026', or 'never'."""
    if day is None or pd.isna(day):
        return "never"
    return pd.Timestamp(day).strftime("%-d %b %Y")


def ago(day: object, today: date) -> str:
    """'today', '1 day', '12 days', or 'never'."""
    if day is None or pd.isna(day):
        return "never"
    days = (today - pd.Timestamp(day).date()).days
    if days <= 0:
        return "today"
    return "1 day" if days == 1 else f"{days} days"


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
    cols[4].metric("Since last check-in", ago(last, today), help=f"On {when(last)}")


def review_glance(glance: SchoolGlance) -> None:
    """The latest review by standard: ratings side by side, then each finding."""
    review = glance.review
    if review is None:
        st.info("No review of this school has been published yet.")
        return
    st.subheader(f"Latest review: {cycle_label(int(review['cycle_year']))}")
    st.caption(
        f"Published {when(review['published_on'])} · site visit "
        f"{when(review['visit_starts_on'])} · lead reviewer "
        f"{plain(review['lead_reviewer'])}"
    )
    marks = glance.standards["is_focus"].map({True: " ★", False: ""})
    table = glance.standards.assign(code=glance.standards["code"] + marks)[
        ["code", "standard", "consensus_label", "self_label", "self_vs_team",
         "evidence"]
    ]  # fmt: skip
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        column_config={
            "code": st.column_config.TextColumn("", width=50),
            "standard": st.column_config.TextColumn("Standard", width=360),
            "consensus_label": st.column_config.TextColumn(
                "Team", help="The review team's consensus rating"
            ),
            "self_label": st.column_config.TextColumn(
                "Self", help="The school's self-reflection rating"
            ),
            "self_vs_team": st.column_config.TextColumn("Self vs team"),
            "evidence": st.column_config.TextColumn("Evidence", width="large"),
        },
    )
    st.caption(
        "★ a focus standard of this review · self vs team: a blind spot when the "
        "school rated itself higher than the team did, a hidden strength when "
        "lower · evidence: strong, moderate or thin by the kinds of evidence and "
        "the surveys' response rates"
    )
    for row in glance.standards.itertuples():
        label = f"{row.code} {row.standard}: strengths and areas for growth"
        with st.expander(plain(label)):
            st.caption(plain(f"Evidence ({row.strength}): {row.evidence_detail}"))
            left, right = st.columns(2)
            left.markdown("**Strengths**")
            left.text(row.strengths or "None recorded")
            right.markdown("**Areas for growth**")
            right.text(row.areas_for_growth or "None recorded")


# Lines across a chart and their labels, as plotly's ``add_hline`` and
# ``add_vline`` write them: each of those calls checks every shape the figure
# already holds again (about 9 ms a line), so a chart is given them in one go.
def across(y: float, line: dict, text: str, below: bool = False) -> tuple[dict, dict]:
    """A horizontal line at ``y`` the width of the plot, labelled at its right
    end, above the line (or below it)."""
    shape = {"type": "line", "xref": "x domain", "x0": 0, "x1": 1,
             "yref": "y", "y0": y, "y1": y, "line": line}  # fmt: skip
    label = {"text": text, "showarrow": False, "xref": "x domain", "x": 1,
             "xanchor": "right", "yref": "y", "y": y,
             "yanchor": "top" if below else "bottom"}  # fmt: skip
    return shape, label


def upright(x: object, line: dict) -> dict:
    """A vertical line at ``x`` the height of the plot."""
    return {"type": "line", "xref": "x", "x0": x, "x1": x,
            "yref": "y domain", "y0": 0, "y1": 1, "line": line}  # fmt: skip


def laid_out(figure: go.Figure) -> dict:
    """A figure as plotly lays it out for the browser, in plain JSON values
    (``chart`` shows it): what a cached chart keeps."""
    return json.loads(figure.to_json())


class _LaidOut(go.Figure):
    """A figure laid out and checked before, handed to ``st.plotly_chart`` as
    it is: Streamlit asks a figure for its ``to_dict`` only, where a dict
    would be checked again and a figure rebuilt from it copied twice. Its
    plain values are written out quickly: a spec holding arrays of objects
    is walked value by value (10,000 points took 20 ms a rerun)."""

    def __init__(self, spec: dict) -> None:  # no figure is built from it
        self._spec = spec

    def to_dict(self) -> dict:
        return self._spec


def chart(spec: dict, **options) -> None:
    """Show a figure kept as ``laid_out`` gave it."""
    st.plotly_chart(_LaidOut(spec), **options)


def level_chart(counts: pd.DataFrame, scale: pd.DataFrame) -> go.Figure:
    """Stacked bars: how many schools sit at each level, per standard."""
    figure = go.Figure()
    names = counts["code"] + " " + counts["standard"].map(_shortened)
    for level in scale.itertuples():
        part = counts["level"] == level.level
        figure.add_bar(
            y=names[part],
            x=counts.loc[part, "schools"],
            name=level.label,
            orientation="h",
            marker_color=LEVEL_COLOURS[(level.level - 1) % len(LEVEL_COLOURS)],
            hovertemplate="%{x} schools<extra>" + level.label + "</extra>",
        )
    figure.update_layout(
        barmode="stack",
        height=320,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        legend={
            "orientation": "h",
            "y": 1.02,
            "yanchor": "bottom",
            "x": 0,
            "traceorder": "normal",
        },
        yaxis={"autorange": "reversed", "automargin": True},
        xaxis={"title": "schools, by their latest published review"},
    )
    return figure


def _shortened(name: str, limit: int = 48) -> str:
    return name if len(name) <= limit else name[: limit - 1].rstrip(" ,") + "…"


def lazy_tabs(names: list[str], key: str, subject: object) -> list[tuple[Any, bool]]:
    """Tabs built on demand: each tab with whether to build it now. A tab is
    built once it is opened and then on every run while the page shows the
    same ``subject`` (a school, a review), so that what was typed in it and
    not yet saved stays in the browser when another tab is opened. Another
    subject, or a new visit to the page, starts again from the open tab."""
    fresh = key not in st.session_state
    tabs = st.tabs(names, key=key, on_change="rerun")
    opened = _opened(key, subject, fresh)
    for name, tab in zip(names, tabs, strict=True):
        if tab.open is not False:  # None: not tracked, so shown
            opened.add(name)
    return [(tab, name in opened) for name, tab in zip(names, tabs, strict=True)]


def lazy_expander(label: str, key: str) -> tuple[Any, bool]:
    """An expander and whether to build what it holds: once it is opened, and
    then while the page stays open (closing it keeps what was typed in it)."""
    fresh = key not in st.session_state
    box = st.expander(label, key=key, on_change="rerun")
    opened = _opened(key, None, fresh)
    if box.open is not False:
        opened.add(label)
    return box, label in opened


def _opened(key: str, subject: object, fresh: bool) -> set[str]:
    """The parts of the widget ``key`` opened so far for ``subject``, none if
    ``fresh``: Streamlit forgets a widget that a run does not show, so a
    widget it holds no state for is on a new visit to its page."""
    held = st.session_state.get(f"{key}:opened")
    if fresh or held is None or held[0] != subject:
        held = (subject, set())
        st.session_state[f"{key}:opened"] = held
    return held[1]


@dataclass(frozen=True)
class Listed:
    """A long list as a page shows it, made once with the answer it comes
    from and kept with it: its rows, and the columns shown as the Arrow table
    a page of them is sent from. Picking the columns of 10,000 rows and
    converting a page of 500 to Arrow took a millisecond or more on every
    rerun, for every list."""

    rows: pd.DataFrame  # every column, for the downloads and a chosen row
    arrow: pa.Table  # the columns shown

    def __len__(self) -> int:
        return self.arrow.num_rows

    @property
    def empty(self) -> bool:
        return not self.arrow.num_rows

    def page(self, rows: slice) -> pa.Table:
        """The rows ``page_of`` chose, as Arrow (a slice: nothing copied)."""
        return self.arrow.slice(rows.start, rows.stop - rows.start)


def listed(rows: pd.DataFrame, shown: list[str] | None = None) -> Listed:
    """``rows`` ready to be listed a page at a time, the ``shown`` columns
    (all of them if not given) as Arrow. A column of Arrow lists is shown as
    Python lists: pandas cannot name an Arrow list's type when the table is
    read back (as Streamlit's test client does)."""
    rows = rows.reset_index(drop=True)
    columns = rows if shown is None else rows[shown]
    lists = [name for name, kind in columns.dtypes.items() if kind == TEXT_LISTS]
    columns = columns.assign(**{name: columns[name].tolist() for name in lists})
    return Listed(rows, pa.Table.from_pandas(columns, preserve_index=False))


def rows_height(rows: int) -> int:
    """A table height that shows every row (up to 25) without scrolling."""
    return 38 + 35 * min(rows, 25)


def page_of(
    rows: int, key: str, size: int, help: str | None = None, noun: str = "Schools"
) -> slice:
    """Which rows of a long list to show: all of them when they fit in one page
    of ``size``, else the page the user chose ("Schools 1–500 of 10,000"). The
    help says the list's own download buttons, which follow it, hold every
    row, unless another is given."""
    if rows <= size:
        return slice(0, rows)

    def label(start: int) -> str:
        return f"{noun} {start + 1:,}–{min(start + size, rows):,} of {rows:,}"

    start = st.selectbox(
        f"{noun} shown",
        list(range(0, rows, size)),
        format_func=label,
        key=f"{key}:rows:{rows}",
        help=help
        or (
            "The list is shown a page at a time; the CSV and Excel buttons below "
            f"it hold every one of the {rows:,}."
        ),
    )
    return slice(start, start + size)


# A chooser lists at most this many: a longer list (a state's schools, its
# reviews) is searched first, so that a rerun neither builds nor sends them all.
LONG_LIST = 500


def long_choice(
    label: str,
    options: dict[int, str],
    *,
    key: str,
    noun: str,
    placeholder: str = "Part of its name",
) -> int:
    """One of ``options`` (id: name), chosen in a selectbox of them all when
    there are up to ``LONG_LIST``; else in a selectbox of the first ones whose
    name holds what is typed in a box above it (the one chosen before stays
    listed). Stops the page when nothing holds what is typed."""
    if len(options) <= LONG_LIST:
        return st.selectbox(label, list(options), format_func=options.get, key=key)
    typed = st.text_input(
        f"Find a {noun}",
        key=f"{key}:find",
        placeholder=placeholder,
        help="Type some of its letters: the list below keeps what holds them.",
    ).strip()
    wanted = _searchable(typed)
    found = (
        [i for i, name in options.items() if wanted in _searchable(name)]
        if wanted
        else list(options)  # nothing typed: no need to read every name
    )
    if not found:
        st.info(f"No {noun} holds “{plain(typed)}”. Try fewer letters.")
        st.stop()
    shown = found[:LONG_LIST]
    chosen = st.session_state.get(key)
    if chosen in options and chosen not in shown:
        shown = [chosen, *shown]
    if len(found) > LONG_LIST:
        st.caption(
            f"The first {LONG_LIST:,} of {len(found):,} {noun}s are listed: type "
            "more of the name to find the one you want."
        )
    return st.selectbox(label, shown, format_func=options.get, key=key)


def _searchable(text: str) -> str:
    """Text as a search compares it: case and the kind of dash set aside."""
    return text.casefold().replace("–", "-").replace("—", "-")


def downloads(
    frame: pd.DataFrame | Callable[[], pd.DataFrame], name: str, key: str
) -> None:
    """The list as it is shown, to download as CSV or as an Excel workbook; a
    long list may be given as the function that makes it, called on a click."""
    made = frame if callable(frame) else lambda: frame
    row = st.container(horizontal=True)
    row.download_button(
        "CSV",
        icon=":material/download:",
        data=lambda: output.to_csv(made()),
        file_name=f"{name}.csv",
        mime="text/csv",
        on_click="ignore",
        key=f"{key}:csv",
    )
    row.download_button(
        "Excel",
        icon=":material/download:",
        data=lambda: output.to_xlsx(made(), name),
        file_name=f"{name}.xlsx",
        mime=XLSX_MIME,
        on_click="ignore",
        key=f"{key}:xlsx",
    )
