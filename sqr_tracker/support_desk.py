"""The support desk: the district's side of the bargain. Every open support
request of the schools a user follows, who answers it and whether it is past
the date it was needed by, and how long answers take, network by network.

The central office sees every school's requests, a network lead those of their
network's schools; no other role is served. Answers are saved through
``actions.answer_support``, which checks the request's version.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd

from sqr_tracker.auth import PERMISSIONS, Action, authorize, visible_school_ids
from sqr_tracker.errors import NotFound
from sqr_tracker.models import Role, SupportStatus, User
from sqr_tracker.store import Store

# Who answers a request when the school's network has no active network lead.
CENTRAL_OFFICE = "central office"
# The open list as it is shown and exported, in this order.
LIST_COLUMNS = [
    "id", "school", "network", "asks_for", "need", "needed_by", "overdue",
    "age_days", "who_answers", "requested_on", "requested_by",
]  # fmt: skip
# How a request naming a peer school says what it asks for.
_WITH_PEER = {"visit": "visit to {}", "pairing": "pairing with {}"}
TIME_COLUMNS = [
    "network", "answered", "median_days", "longest_days", "still_open",
    "oldest_open_days",
]  # fmt: skip


def desk_rules() -> list[str]:
    """How the page counts, in the words it shows them."""
    return [
        "Age: whole days since the request was made (0 on the day itself).",
        "Overdue: today is after the date the school needed it by; a request "
        "with no such date is never overdue.",
        f"Who answers: the network lead of the school's network, or the "
        f"{CENTRAL_OFFICE} when the network has no active network lead.",
        "Days to answer: whole days from the day a request was made to the day "
        "it was answered. Withdrawn requests count neither as answered nor as "
        "open.",
    ]


def desk_scope(store: Store, user: User | None) -> list[int] | None:
    """The schools whose requests the user answers (None: every school);
    PermissionDenied for a user who answers none."""
    if (
        user is None
        or not user.active
        or user.role not in PERMISSIONS[Action.ANSWER_SUPPORT]
    ):
        authorize(store, user, Action.ANSWER_SUPPORT)  # raises, saying why
    return visible_school_ids(store, user)


def scope_line(user: User) -> str:
    """Whose requests the page lists, in a sentence."""
    if user.role == Role.NETWORK_LEAD:
        return "Requests from the schools of your network."
    return "Requests from every school in the district."


# -- the open list -----------------------------------------------------------------


def open_requests(store: Store, user: User | None, today: date) -> pd.DataFrame:
    """Every open support request in the user's scope, oldest first.

    Columns (``LIST_COLUMNS``): the request's id, its school and network, what
    it asks for (its kind: support, visit or pairing, with the peer school when
    it names one: "visit to Alder Elementary"), the need, the date it is needed
    by, whether it is overdue (``today`` is after that date), its age in whole
    days on ``today``, who answers it (the network's active network lead(s) by
    name, else "central office"), and the day it was made and by whom.
    """
    found = store.desk_requests(desk_scope(store, user))
    return listed(found, today)


def listed(found: pd.DataFrame, today: date) -> pd.DataFrame:
    """Requests as the store returns them, as the open list (pure, for tests)."""
    day = pd.Timestamp(today)
    made = pd.to_datetime(found["requested_on"]).dt.normalize()
    needed = pd.to_datetime(found["needed_by"])
    return found.assign(
        asks_for=[
            asks_for(kind, peer)
            for kind, peer in zip(found["kind"], found["peer_school"], strict=True)
        ],
        requested_on=made,
        needed_by=needed,
        age_days=(day - made).dt.days.astype("int64"),
        overdue=(needed < day).astype(bool),
        who_answers=found["network_leads"].fillna(CENTRAL_OFFICE),
    )[LIST_COLUMNS].reset_index(drop=True)


def asks_for(kind: str, peer_school: Any) -> str:
    """'support', or 'visit to Alder Elementary' for a request naming a peer."""
    if isinstance(peer_school, str) and kind in _WITH_PEER:
        return _WITH_PEER[kind].format(peer_school)
    return kind


def desk_figures(
    store: Store, user: User | None, requests: pd.DataFrame
) -> dict[str, int | str]:
    """The open list and the answers so far in three figures."""
    days = _days_to_answer(store.request_times_by_network(desk_scope(store, user)))
    median = days.median() if not days.empty else None
    return {
        "Open requests": len(requests),
        "Overdue": int(requests["overdue"].sum()),
        "Median days to answer": _days(median),
    }


def _days(count: float | None) -> str:
    if count is None or pd.isna(count):
        return "none answered yet"
    shown = f"{count:g}"
    return f"{shown} day" if count == 1 else f"{shown} days"


# -- answering ---------------------------------------------------------------------


def answer_choices(requests: pd.DataFrame) -> dict[int, str]:
    """The open list as choices for the answer form, by request id."""
    return {
        int(row.id): _label(row.id, row.school, row.asks_for, row.requested_on)
        for row in requests.itertuples()
    }


def _label(request_id: Any, school: str, asks: str, made: Any) -> str:
    return f"No. {request_id} · {school} · {asks}, asked {_day(made)}"


def _day(day: Any) -> str:
    """A date as '3 Dec 2026'."""
    return f"{pd.Timestamp(day):%-d %b %Y}" if pd.notna(day) else "an unknown day"


def request_to_answer(store: Store, user: User | None, request_id: int) -> dict:
    """One request of the user's scope, open or not, as the answer form shows
    it: its need, status, version and any answer already given, with a label."""
    found = store.desk_requests(
        desk_scope(store, user), status=None, request_id=request_id
    )
    if found.empty:
        raise NotFound(f"No support request with id {request_id} among your schools.")
    row = found.iloc[0].to_dict()
    row["asks_for"] = asks_for(row["kind"], row["peer_school"])
    label = _label(request_id, row["school"], row["asks_for"], row["requested_on"])
    if row["status"] != SupportStatus.OPEN.value:
        label += f" ({row['status']} since)"
    return {**row, "label": label, "is_open": row["status"] == SupportStatus.OPEN.value}


def answered_line(request: dict) -> str:
    """'Answered by Nia Lead on 3 Dec 2026.' for a request no longer open."""
    who = request["answered_by"] if isinstance(request["answered_by"], str) else ""
    by = f" by {who}" if who else ""
    return f"{request['status'].capitalize()}{by} on {_day(request['answered_on'])}."


# -- time to answer ----------------------------------------------------------------


def answer_times(store: Store, user: User | None, today: date) -> pd.DataFrame:
    """Per network of the user's scope, by name: requests answered, the median
    and longest days to answer, requests still open and the oldest open one's
    age in days on ``today`` (empty cells where there is none)."""
    return times_by_network(
        store.request_times_by_network(desk_scope(store, user)), today
    )


def times_by_network(found: pd.DataFrame, today: date) -> pd.DataFrame:
    """The time-to-answer table from the store's rows (pure, for tests)."""
    rows = []
    for network, part in found.groupby("network", sort=True):
        days = _days_to_answer(part)
        still = part[part["status"] == SupportStatus.OPEN.value]
        oldest = _age_days(still["requested_on"], today).max() if len(still) else None
        rows.append(
            {
                "network": network,
                "answered": len(days),
                "median_days": float(days.median()) if len(days) else None,
                "longest_days": int(days.max()) if len(days) else None,
                "still_open": len(still),
                "oldest_open_days": None if oldest is None else int(oldest),
            }
        )
    table = pd.DataFrame(rows, columns=TIME_COLUMNS)
    return table.astype(
        {
            "answered": "int64",
            "median_days": "float64",
            "longest_days": "Int64",
            "still_open": "int64",
            "oldest_open_days": "Int64",
        }
    )


def _age_days(made: pd.Series, today: date) -> pd.Series:
    return (pd.Timestamp(today) - pd.to_datetime(made).dt.normalize()).dt.days


def _days_to_answer(found: pd.DataFrame) -> pd.Series:
    """Whole days from the day each answered request was made to the day it was
    answered."""
    done = found[
        (found["status"] == SupportStatus.ANSWERED.value) & found["answered_on"].notna()
    ]
    made = pd.to_datetime(done["requested_on"]).dt.normalize()
    answered = pd.to_datetime(done["answered_on"]).dt.normalize()
    return (answered - made).dt.days.astype("int64")
