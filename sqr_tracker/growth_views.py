"""The growth story's views: ratings across reviews, and the year in figures."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from sqr_tracker import exports, views
from sqr_tracker.evidence import strength_legend
from sqr_tracker.growth import (
    Growth,
    MeasureStory,
    YearOfWork,
    levels_by_review,
    small_group_words,
    year_words,
)
from sqr_tracker.home import cycle_label
from sqr_tracker.measures import GRID_COLOURS
from sqr_tracker.models import User
from sqr_tracker.store import Store
from sqr_tracker.views import plain

# A colour-blind-safe palette for one line per standard.
OKABE_ITO = [
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#56B4E9",
    "#D55E00",
    "#F0E442",
    "#000000",
]


def celebrate(growth: Growth) -> None:
    """Each standard in a sentence: growth first, and the distance still to go."""
    if not growth.words:
        st.info("No review of this school has been published yet.")
        return
    for sentence in growth.words:
        st.markdown(f"- {plain(sentence)}")


def across_reviews(growth: Growth, chart: dict | None) -> None:
    """A table of levels by review, and the same as lines (``chart``: the
    ``growth_lines`` of the same growth)."""
    if growth.table.empty:
        return
    labels = growth.labels
    table = growth.table[["code", "standard", *growth.cycles, "change"]].copy()
    for cycle in growth.cycles:
        table[cycle] = table[cycle].map(lambda level: labels.get(level, "—"))
    table["change"] = table["change"].map(_change)
    table["evidence"] = levels_by_review(growth)["evidence"].replace("", "—").values
    table.columns = [
        "",
        "Standard",
        *(cycle_label(c) for c in growth.cycles),
        "Since the review before",
        "Evidence",
    ]
    st.dataframe(table, hide_index=True, width="stretch")
    st.caption(f"{strength_legend()} The evidence column is the latest review's.")
    views.chart(chart, key="growth-lines")
    if not growth.interim.empty:
        st.markdown("**The school's own self-reflection since the latest review**")
        st.dataframe(
            growth.interim[["recorded_on", "code", "label"]],
            hide_index=True,
            column_config={
                "recorded_on": st.column_config.DateColumn("On", format="D MMM YYYY"),
                "code": "Standard",
                "label": "Self-reflection",
            },
        )


def _change(steps: object) -> str:
    if steps is None or pd.isna(steps):
        return "first review"
    steps = int(steps)
    if steps == 0:
        return "held"
    return f"▲ {steps}" if steps > 0 else f"▼ {-steps}"


def growth_lines(growth: Growth) -> dict | None:
    """``levels_figure`` laid out (see ``views.laid_out``); None when no review
    was published, which ``across_reviews`` then shows nothing of."""
    if growth.table.empty:
        return None
    return views.laid_out(levels_figure(growth, growth.labels))


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


# -- measures ------------------------------------------------------------------------

ADVERSE, FAVOURABLE = "#D55E00", "#0072B2"
# Direction-free words for the grid's bands, worst to best, so that one grid
# serves measures where higher is better and those where lower is.
STATUS_WORDS = ("Weakest", "Weak", "Middle", "Strong", "Strongest")
CHANGE_WORDS = ("Worsened a lot", "Worsened", "Held", "Improved", "Improved a lot")
DASHBOARD = {
    "Red": "#d7301f",
    "Orange": "#fc8d59",
    "Yellow": "#fee08b",
    "Green": "#91cf60",
    "Blue": "#4575b4",
}


def run_chart_figure(story: MeasureStory) -> go.Figure:
    """The measure's values, its median, each signal's points, and the events."""
    chart = story.chart
    figure = go.Figure()
    figure.add_scatter(
        x=chart.values.index,
        y=chart.values.to_numpy(),
        mode="lines+markers",
        name=story.measure["name"],
        line={"color": "#4d4d4d"},
        marker={"size": 6},
    )
    line, label = views.across(
        chart.median, {"color": "#7f7f7f", "dash": "dash"}, f"median {chart.median:g}"
    )
    shapes, labels = [line], [label]
    for signal in chart.signals:
        part = chart.values.iloc[signal.start : signal.end + 1]
        good = chart.is_favourable(signal)
        figure.add_scatter(
            x=part.index,
            y=part.to_numpy(),
            mode="markers",
            name=signal.description,
            marker={
                "size": 11,
                "symbol": "circle-open" if good else "x",
                "color": FAVOURABLE if good else ADVERSE,
                "line": {"width": 2},
            },
        )
    for event in story.events.itertuples():
        day = pd.Timestamp(event.happened_on)
        shapes.append(views.upright(day, {"color": "#999999", "dash": "dot"}))
        labels.append({"x": day, "y": 1, "yref": "paper", "text": event.kind,
                       "showarrow": False, "textangle": -90, "xanchor": "right",
                       "font": {"size": 10}})  # fmt: skip
    figure.update_layout(
        shapes=shapes,
        annotations=labels,
        height=360,
        margin={"l": 10, "r": 10, "t": 20, "b": 10},
        legend={"orientation": "h", "y": -0.2},
        yaxis_title=story.measure["unit"],
    )
    return figure


def signals_text(story: MeasureStory) -> None:
    """Each signal in words, marked as good news or a concern."""
    chart = story.chart
    if not chart.signals:
        st.caption("No shift or trend: the changes are ordinary variation.")
    for signal in chart.signals:
        good = chart.is_favourable(signal)
        verdict = "good news" if good else "a concern" if good is False else ""
        st.markdown(
            f"- {plain(signal.description)}" + (f" — {verdict}" if verdict else "")
        )
    if not story.events.empty:
        for event in story.events.itertuples():
            day = f"{event.happened_on:%-d %b %Y}"
            st.caption(plain(f"{day} · {event.kind}: {event.description}"))


def groups_table(story: MeasureStory, threshold: int) -> None:
    """The latest value by student group; small groups are not shown."""
    if story.groups.empty:
        return
    st.dataframe(
        story.groups[["student_group", "value", "group_size"]],
        hide_index=True,
        width="stretch",
        placeholder="suppressed",
        column_config={
            "student_group": "Student group",
            "value": st.column_config.NumberColumn(
                story.measure["name"], format="%.1f"
            ),
            "group_size": st.column_config.NumberColumn("Students", format="%d"),
        },
    )
    st.caption(small_group_words(threshold))


def grid_figure(placed: pd.DataFrame) -> go.Figure:
    """The five-by-five grid, with the school's measures placed on it."""
    if placed.empty:
        placed = pd.DataFrame(columns=["status_level", "change_level", "measure"])
    z = [
        [list(DASHBOARD).index(GRID_COLOURS[s][c]) for c in range(5)] for s in range(5)
    ]
    scale = [(i / 4, colour) for i, colour in enumerate(DASHBOARD.values())]
    figure = go.Figure(
        go.Heatmap(
            z=z,
            x=list(CHANGE_WORDS),
            y=list(STATUS_WORDS),
            colorscale=scale,
            showscale=False,
            hoverinfo="skip",
            zmin=0,
            zmax=4,
        )
    )
    cells = (
        placed.dropna(subset=["change_level"])
        .groupby(["status_level", "change_level"])["measure"]
        .apply("<br>".join)
    )
    figure.update_layout(
        annotations=[
            {
                "x": CHANGE_WORDS[int(change)],
                "y": STATUS_WORDS[int(status)],
                "text": names,
                "showarrow": False,
                "font": {"size": 11},
            }
            for (status, change), names in cells.items()
        ],  # fmt: skip
        height=420,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        xaxis_title="change from last year",
        yaxis_title="this year",
    )
    return figure


def placed_table(placed: pd.DataFrame) -> None:
    """Each measure's value, change and band, in the district's own labels."""
    if placed.empty:
        st.caption("No measures recorded for this school yet.")
        return
    st.dataframe(
        placed[
            ["measure", "year", "value", "difference", "status", "change", "colour"]
        ],
        hide_index=True,
        width="stretch",
        placeholder="first year",
        column_config={
            "measure": "Measure",
            "year": "Year",
            "value": "Value",
            "difference": "Change",
            "status": "Status",
            "change": "Change band",
            "colour": "Colour",
        },
    )


# -- exports -------------------------------------------------------------------------

_EXPORTS = (
    (
        "PowerPoint",
        ":material/slideshow:",
        "pptx",
        exports.PPTX_MIME,
        exports.growth_deck,
    ),
    (
        "One-page PDF",
        ":material/picture_as_pdf:",
        "pdf",
        "application/pdf",
        exports.summary_pdf,
    ),
)


def download_buttons(
    store: Store, user: User, school_id: int, school: str, today: date
) -> None:
    """The story as a PowerPoint deck and as a PDF, made only when clicked."""
    for column, (label, icon, suffix, mime, make) in zip(
        st.columns([1, 5]), _EXPORTS, strict=True
    ):
        column.download_button(
            label,
            icon=icon,
            on_click="ignore",
            mime=mime,
            file_name=f"{school} - our growth.{suffix}",
            data=lambda make=make: make(
                exports.report_for(store, user, school_id, today)
            ),
        )


# -- presentation mode ---------------------------------------------------------------

SLIDE_KEY = "growth:slide"


def presentation(slides: list[tuple[str, Callable[[], None]]]) -> None:
    """One full-width slide at a time, with buttons to move through them."""
    count = len(slides)
    index = min(st.session_state.get(SLIDE_KEY, 0), count - 1)
    title, draw = slides[index]
    back, where, forward = st.columns([1, 6, 1])
    back.button(
        "◀ Back",
        key="slide-back",
        disabled=index == 0,
        on_click=_turn,
        args=(-1, count),
        width="stretch",
    )
    where.progress((index + 1) / count, text=f"Slide {index + 1} of {count}")
    forward.button(
        "Next ▶",
        key="slide-next",
        disabled=index == count - 1,
        on_click=_turn,
        args=(1, count),
        width="stretch",
    )
    st.header(title)
    draw()


def _turn(step: int, count: int) -> None:
    index = st.session_state.get(SLIDE_KEY, 0) + step
    st.session_state[SLIDE_KEY] = max(0, min(index, count - 1))


def big_sentences(sentences: list[str]) -> None:
    for sentence in sentences:
        st.markdown(f"### {plain(sentence)}")


def story_slides(
    school: str,
    story: Growth,
    measures: list[MeasureStory],
    placed: pd.DataFrame,
    work: YearOfWork,
) -> list[tuple[str, Callable[[], None]]]:
    """The growth story as slides: the school, growth in words, ratings across
    reviews, each measure over time, status and change, and the year's work."""
    slides = [
        (school, lambda: big_sentences(["Our growth, and the distance still to go."])),
        ("Celebrate growth, keep the bar high", lambda: big_sentences(story.words)),
        (
            "Growth across reviews",
            lambda: across_reviews(story, growth_lines(story)),
        ),
    ]
    for measure in measures:
        slides.append(
            (
                f"{measure.measure['name']} over time",
                lambda m=measure: _measure_slide(m),
            )
        )
    slides.append(
        (
            "Status and change",
            lambda: st.plotly_chart(grid_figure(placed), key="slide-grid"),
        )
    )
    slides.append(("This year's work", lambda: year_of_work(work)))
    return slides


def _measure_slide(story: MeasureStory) -> None:
    st.plotly_chart(run_chart_figure(story), key=f"slide-{story.measure['id']}")
    signals_text(story)
