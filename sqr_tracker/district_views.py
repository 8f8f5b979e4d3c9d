"""Views of the district across schools for the central office and network
leads: they draw what the package computed, and each list downloads as shown."""

from __future__ import annotations

from datetime import date

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from sqr_tracker import compliance, review_calendar
from sqr_tracker.home import cycle_label
from sqr_tracker.models import Role, User
from sqr_tracker.store import Store
from sqr_tracker.views import (
    Listed,
    downloads,
    figures,
    listed,
    listed_warning,
    page_of,
    rows_height,
)

_DAY = "D MMM YYYY"
# The most rows a list here sends at once; a longer one (a state's 10,000
# schools, its reviews, its reviewers) is shown a page at a time.
PAGE_ROWS = 500


def network_choice(store: Store, user: User, key: str) -> int | None:
    """For the central office, a network to narrow the view to (None: all);
    a network lead sees their own network and is not asked."""
    if user.role != Role.CENTRAL_OFFICE:
        return None
    networks = store.networks()
    ids = networks["id"].astype(int).tolist()
    names = {0: "All networks", **dict(zip(ids, networks["name"], strict=True))}
    chosen = st.selectbox("Network", list(names), format_func=names.get, key=key)
    return int(chosen) or None


# -- monthly updates ---------------------------------------------------------------

_COMPLIANCE_COLUMNS = {
    "school": st.column_config.TextColumn("School", width=230, pinned=True),
    "network": st.column_config.TextColumn("Network", width=130),
    "level": st.column_config.TextColumn("Level", width=90),
    "checked_in": st.column_config.CheckboxColumn("Checked in", width=90),
    "check_ins": st.column_config.NumberColumn("Check-ins", width=80),
    "last_check_in": st.column_config.DateColumn(
        "Last check-in", format=_DAY, width=110
    ),
    "days_since": st.column_config.NumberColumn(
        "Days since", width=90, help="Days from the last check-in to the month's end"
    ),
    "months_missed": st.column_config.NumberColumn(
        "Months missed", width=115, help="Months in a row without a check-in"
    ),
    "nudge": st.column_config.TextColumn("Whom to nudge", width=560),
    "nudge_emails": st.column_config.TextColumn("Their emails", width=520),
}
_NUDGE_LIST = [
    "school", "months_missed", "days_since", "last_check_in", "nudge",
    "nudge_emails", "network",
]  # fmt: skip
_FULL_LIST = [
    "school", "network", "level", "checked_in", "check_ins", "last_check_in",
    "days_since", "months_missed",
]  # fmt: skip


def month_choice(today: date, key: str = "updates-month") -> date:
    """This month or one of the eleven before it (the first day of the month)."""
    months = compliance.recent_months(today)
    return st.selectbox(
        "Month", months, format_func=compliance.month_label, key=key, index=0
    )


def compliance_figures(found: pd.DataFrame, month: date, today: date) -> None:
    """Checked in x of y, how many not yet, and how many missed two months."""
    checked = int(found["checked_in"].sum())
    figures(
        {
            "Checked in": f"{checked} of {len(found)}",
            "Not yet checked in": len(found) - checked,
            f"Missed {compliance.NUDGE_LEAD_AFTER}+ months in a row": int(
                (found["months_missed"] >= compliance.NUDGE_LEAD_AFTER).sum()
            ),
        }
    )
    if month == today.replace(day=1):
        st.caption(
            f"{compliance.month_label(month)} is still under way: schools that "
            "update later in the month may yet check in."
        )


def network_summary(summary: pd.DataFrame, month: date) -> None:
    st.dataframe(
        summary,
        hide_index=True,
        width="content",
        height=rows_height(len(summary)),
        column_config={
            "network": "Network",
            "schools": "Schools",
            "checked_in": "Checked in",
            "not_checked_in": "Not yet checked in",
            "missed_two_or_more": f"Missed {compliance.NUDGE_LEAD_AFTER}+ months",
        },
    )
    downloads(summary, f"check-ins by network {month:%Y-%m}", "updates-networks")


def nudge_rows(found: pd.DataFrame) -> Listed:
    """The schools that have not checked in, as ``nudge_list`` lists them."""
    return listed(compliance.not_checked_in(found)[_NUDGE_LIST])


def full_rows(found: pd.DataFrame) -> Listed:
    """Every school, as ``compliance_list`` lists them."""
    return listed(found[_FULL_LIST])


def nudge_list(missing: Listed, month: date) -> None:
    """The schools that have not checked in, the longest missing first, with
    whom to nudge; the network lead joins after two months missed."""
    if missing.empty:
        st.success(f"Every school checked in for {compliance.month_label(month)}.")
        return
    st.caption(
        "Ask the site team and principal first; from "
        f"{compliance.NUDGE_LEAD_AFTER} months missed in a row the network lead "
        "is named too. Longest missing first."
    )
    _listed(
        missing, _COMPLIANCE_COLUMNS, f"not checked in {month:%Y-%m}",
        "updates-missing", limit=15,
    )  # fmt: skip


def compliance_list(found: Listed, month: date) -> None:
    """Every school: missing ones first, then those that checked in."""
    _listed(
        found, _COMPLIANCE_COLUMNS, f"check-ins {month:%Y-%m}", "updates-all",
        limit=15,
    )  # fmt: skip


def _listed(
    rows: Listed,
    columns: dict,
    name: str,
    key: str,
    *,
    limit: int = 25,
    width: str = "stretch",
    noun: str = "Schools",
) -> None:
    """The list as a table, a page at a time when it is long, then its
    downloads (every row)."""
    shown = page_of(len(rows), key, PAGE_ROWS, noun=noun)
    st.dataframe(
        rows.page(shown),
        hide_index=True,
        width=width,
        height=rows_height(min(shown.stop - shown.start, limit)),
        column_config={name: columns[name] for name in rows.arrow.column_names},
    )
    downloads(rows.rows, name, key)


# -- review calendar ---------------------------------------------------------------

_CALENDAR_COLUMNS = {
    "school": st.column_config.TextColumn("School", width=230, pinned=True),
    "network": st.column_config.TextColumn("Network", width=130),
    "level": st.column_config.TextColumn("Level", width=90),
    "last_cycle": st.column_config.TextColumn("Last reviewed", width=105),
    "due_cycle": st.column_config.TextColumn("Next due", width=80),
    "status": st.column_config.TextColumn("Status", width=135),
    "why": st.column_config.TextColumn("Why", width=400),
    "phase": st.column_config.TextColumn("Phase", width=120),
    "late": st.column_config.CheckboxColumn("Late", width=60),
    "why_late": st.column_config.TextColumn("Why late", width=470),
    "lead_reviewer": st.column_config.TextColumn("Lead reviewer", width=150),
    "visit_starts_on": st.column_config.DateColumn(
        "Site visit from", format=_DAY, width=115
    ),
    "visit_ends_on": st.column_config.DateColumn(
        "Site visit to", format=_DAY, width=115
    ),
    "report_on": st.column_config.DateColumn("Report", format=_DAY, width=115),
    "completes_on": st.column_config.DateColumn("Completes", format=_DAY, width=115),
    "published_on": st.column_config.DateColumn("Published", format=_DAY, width=115),
    "reviewer": st.column_config.TextColumn("Reviewer", width=200),
    "led": st.column_config.NumberColumn("Leads", width=90),
    "on_team": st.column_config.NumberColumn("On the team", width=110),
    "reviews": st.column_config.NumberColumn("Reviews", width=90),
}
_DUE_LIST = [
    "school", "network", "level", "last_cycle", "due_cycle", "status", "why"
]  # fmt: skip
_REVIEW_LIST = [
    "school", "phase", "late", "why_late", "lead_reviewer", "visit_starts_on",
    "visit_ends_on", "report_on", "completes_on", "published_on", "network",
]  # fmt: skip
# Reviews on time and late, in colours colour-blind readers can tell apart.
_ON_TIME, _LATE = "#6baed6", "#e6550d"


def year_choice(years: list[int], current: int, key: str = "calendar-year") -> int:
    """A cycle year, this one first chosen."""
    index = years.index(current) if current in years else len(years) - 1
    return st.selectbox("Cycle", years, index=index, format_func=cycle_label, key=key)


def status_filter(due: pd.DataFrame, key: str = "calendar-status") -> list[str]:
    """The statuses to list, each with its count; all of them at first."""
    counts = due["status"].value_counts()
    return st.multiselect(
        "Show schools that are",
        list(review_calendar.STATUSES),
        default=list(review_calendar.STATUSES),
        format_func=lambda status: f"{status} ({int(counts.get(status, 0))})",
        key=key,
    )


def due_list(due: pd.DataFrame, statuses: tuple[str, ...]) -> Listed:
    """The schools of the statuses chosen, as ``due_table`` lists them."""
    return listed(review_calendar.with_status(due, list(statuses))[_DUE_LIST])


def due_table(due: Listed, year: int) -> None:
    if due.empty:
        st.info("No school has the statuses chosen.")
        return
    _listed(
        due, _CALENDAR_COLUMNS, f"reviews due {cycle_label(year)}", "calendar-due",
        limit=15,
    )  # fmt: skip


def phase_table(counts: pd.DataFrame) -> None:
    st.dataframe(
        counts,
        hide_index=True,
        width="content",
        height=rows_height(len(counts)),
        column_config={
            "phase": st.column_config.TextColumn("Phase", width=140),
            "reviews": st.column_config.NumberColumn("Reviews", width=80),
            "late": st.column_config.NumberColumn("Late", width=70),
        },
    )


def phase_chart(counts: pd.DataFrame) -> go.Figure:
    """The reviews in each phase as bars, the late ones in their own colour."""
    figure = go.Figure()
    for name, values, colour in (
        ("on time", counts["reviews"] - counts["late"], _ON_TIME),
        ("late", counts["late"], _LATE),
    ):
        figure.add_bar(
            y=counts["phase"],
            x=values,
            name=name,
            orientation="h",
            marker_color=colour,
            hovertemplate="%{x} reviews<extra>" + name + "</extra>",
        )
    figure.update_layout(
        barmode="stack",
        height=230,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0},
        yaxis={"autorange": "reversed", "automargin": True},
        xaxis={"title": "reviews", "rangemode": "tozero", **_whole_ticks(counts)},
    )
    return figure


def _whole_ticks(counts: pd.DataFrame) -> dict:
    """Ticks at whole numbers: one per review while there are few (plotly would
    put ticks at halves), plotly's own choice once there are more (a tick per
    review among a state's thousands would take the browser minutes to draw)."""
    if counts["reviews"].max() <= 10:
        return {"dtick": 1}
    return {"tickformat": ",d"}


def review_list(reviews: pd.DataFrame) -> Listed:
    """The cycle's reviews as ``review_table`` lists them."""
    return listed(reviews[review_columns(reviews)])


def review_table(reviews: Listed, year: int) -> None:
    """The cycle's reviews by phase, late ones first in each, with why."""
    if reviews.empty:
        st.info(f"No review is planned in {cycle_label(year)} yet.")
        return
    late = int(reviews.rows["late"].sum()) if "late" in reviews.rows else 0
    if late == 1:
        st.warning("1 review is late: past the date that ends its phase.")
    elif late:
        st.warning(f"{late} reviews are late: past the date that ends their phase.")
    else:
        st.caption("No review is past the date that ends its phase.")
    _listed(
        reviews, _CALENDAR_COLUMNS, f"reviews {cycle_label(year)}",
        "calendar-reviews", limit=15, noun="Reviews",
    )  # fmt: skip


def review_columns(reviews: pd.DataFrame) -> list[str]:
    """The columns the list of reviews shows: without the lateness ones when
    no review is late (the caption says so)."""
    if reviews["late"].any():
        return _REVIEW_LIST
    return [column for column in _REVIEW_LIST if column not in ("late", "why_late")]


def workload_list(load: pd.DataFrame) -> Listed:
    """Each reviewer's reviews, as ``workload_table`` lists them."""
    return listed(load[["reviewer", "led", "on_team", "reviews"]])


def workload_table(load: Listed, year: int) -> None:
    if load.empty:
        st.info(f"Nobody is assigned to a review in {cycle_label(year)} yet.")
        return
    _listed(
        load, _CALENDAR_COLUMNS, f"reviewer workload {cycle_label(year)}",
        "calendar-workload", limit=15, width="content", noun="Reviewers",
    )  # fmt: skip


def conflict_warnings(found: pd.DataFrame, year: int) -> None:
    """One warning listing the reviewers assigned to their own school or
    network, a line each, and the list's download."""
    if found.empty:
        st.success("No reviewer is assigned to their own school or network.")
        return
    listed_warning(found["warning"], icon=":material/warning:")
    columns = ["school", "network", "reviewer", "team_role", "conflict", "warning"]
    downloads(  # the columns picked on a click, not on every rerun
        lambda: found[columns],
        f"reviewer conflicts {cycle_label(year)}",
        "calendar-conflicts",
    )
