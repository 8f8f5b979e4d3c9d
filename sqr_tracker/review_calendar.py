"""The review calendar: which schools are due a review in a cycle on the
district's rotation, how this cycle's reviews move through their eighteen-month
process, how much each reviewer carries, and reviewers assigned too close to
home. The central office sees every school; a network lead their network's.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from sqr_tracker.compliance import district_scope
from sqr_tracker.config import district_settings
from sqr_tracker.frames import DAYS
from sqr_tracker.home import cycle_label, school_year
from sqr_tracker.measures import first_rows, key_numbers
from sqr_tracker.models import Phase, User
from sqr_tracker.store import Store

# A school's standing in a cycle, in the order the calendar lists them.
LATE = "late"
DUE = "due, not scheduled"
UNDER_WAY = "under way"
REVIEWED = "reviewed"
NOT_DUE = "not due"
STATUSES = (LATE, DUE, UNDER_WAY, REVIEWED, NOT_DUE)

# The date that ends each phase, and how the lateness reason names it.
PHASE_ENDS = {
    Phase.SELF_REFLECTION: ("visit_starts_on", "the site visit was to start"),
    Phase.SITE_VISIT: ("visit_ends_on", "the site visit was to end"),
    Phase.REPORT: ("report_on", "the report was due"),
    Phase.ACTION_PLANNING: ("completes_on", "action planning was to end"),
}
_DATES = [
    "starts_on", "visit_starts_on", "visit_ends_on", "report_on", "completes_on",
    "published_on",
]  # fmt: skip


def rotation_years(store: Store) -> int:
    """The years between a school's reviews (the district's setting)."""
    return int(district_settings(store)["review_rotation_years"])


def cycle_choices(store: Store, today: date) -> list[int]:
    """The cycle years to plan or look back on: from the first cycle with a
    review to the one after the current cycle (or the last one planned)."""
    current = school_year(today)
    years = [int(y) for y in store.review_counts_by_cycle()["cycle_year"]]
    return list(range(min([*years, current]), max([*years, current + 1]) + 1))


# -- due years ---------------------------------------------------------------------


def due_years(store: Store, user: User | None, year: int) -> pd.DataFrame:
    """Per school in scope: the cycle of its latest review up to ``year``, the
    cycle its next review is due in (that cycle plus the rotation; a school
    never reviewed is due in ``year``, the cycle being planned) and its status
    in ``year``: reviewed (a review of the cycle is published), under way (one
    exists, unpublished), due, not scheduled; late (due in an earlier cycle and
    not reviewed since) or not due. ``why`` says it in words. Late schools come
    first, then those due, under way, reviewed and not due, by due year and name.
    """
    scope = district_scope(store, user)
    rotation = rotation_years(store)
    found = store.review_rotation(scope, year)
    # A school's status follows from three numbers, which few schools differ in:
    # worked out once for each that occurs (10,000 schools share a few dozen).
    numbers = key_numbers(found, _DUE_FROM)
    heads = found[_DUE_FROM].iloc[first_rows(numbers)]
    worked = [_due(row, year, rotation) for row in heads.itertuples()]
    rows = [worked[number] for number in numbers.tolist()]
    columns = ["due_cycle_year", "status", "why"]
    found = found.assign(**pd.DataFrame(rows, index=found.index, columns=columns))
    found = found.astype({"last_cycle_year": "Int64", "due_cycle_year": int})
    found["last_cycle"] = [
        "never" if pd.isna(y) else cycle_label(y) for y in found["last_cycle_year"]
    ]
    found["due_cycle"] = found["due_cycle_year"].map(cycle_label)
    order = {status: rank for rank, status in enumerate(STATUSES)}
    found = found.sort_values(
        ["status", "due_cycle_year", "school"],
        key=lambda s: s.map(order) if s.name == "status" else s,
        kind="stable",
    )
    return found[
        ["school_id", "school", "network", "level", "last_cycle_year", "last_cycle",
         "due_cycle_year", "due_cycle", "status", "why"]
    ].reset_index(drop=True)  # fmt: skip


_DUE_FROM = ["last_cycle_year", "reviews_this_cycle", "published_this_cycle"]


def _due(row, year: int, rotation: int) -> tuple[int, str, str]:
    """A school's due cycle, status and reason in ``year``."""
    if pd.isna(row.last_cycle_year):
        return year, DUE, "never reviewed: due now, no review scheduled"
    last = int(row.last_cycle_year)
    due = last + rotation
    if row.reviews_this_cycle:
        done = row.published_this_cycle > 0
        what = "published" if done else "under way"
        why = f"review {what}; the next is due in {cycle_label(due)}"
        return due, REVIEWED if done else UNDER_WAY, why
    since = f"last reviewed in {cycle_label(last)}"
    if due < year:
        late = "a year" if year - due == 1 else f"{year - due} years"
        return due, LATE, f"{since}; was due in {cycle_label(due)}, {late} late"
    if due == year:
        return due, DUE, f"{since}; due now, no review scheduled"
    return due, NOT_DUE, f"{since}; due in {cycle_label(due)}"


def with_status(due: pd.DataFrame, statuses: list[str]) -> pd.DataFrame:
    """The schools whose status is one of ``statuses``."""
    return due[due["status"].isin(statuses)].reset_index(drop=True)


# -- this cycle's reviews ----------------------------------------------------------


def cycle_reviews(
    store: Store, user: User | None, year: int, today: date
) -> pd.DataFrame:
    """The reviews of cycle ``year`` in scope, with their phase, dates and lead
    reviewer; ``phase_ends_on`` is the date that ends the phase (self-reflection:
    the site visit's first day; site visit: its last day; report: the report
    date; action planning: the completion date), and a review is ``late`` once
    ``today`` is past it, ``why_late`` saying so. In phase order, late ones
    first within a phase."""
    scope = district_scope(store, user)
    found = store.reviews_in_cycle(year, scope)
    for column in _DATES:  # days, read as dates
        found[column] = found[column].astype(DAYS)
    phase = found["phase"].to_numpy(object)
    ends = pd.Series(pd.NA, index=found.index, dtype=DAYS)
    what = np.full(len(found), "", dtype=object)
    for step, (column, words) in PHASE_ENDS.items():
        at = phase == step.value
        ends[at] = found.loc[at, column]
        what[at] = words
    found["phase_ends_on"] = ends
    found["late"] = (ends < today).fillna(False).astype(bool)
    found["why_late"] = [
        _why_late(step, end, words, today) if late else ""
        for step, end, words, late in zip(phase, ends, what, found["late"], strict=True)
    ]
    order = {phase.value: rank for rank, phase in enumerate(Phase)}
    found = found.assign(_rank=found["phase"].map(order)).sort_values(
        ["_rank", "late", "phase_ends_on", "school"],
        ascending=[True, False, True, True],
        kind="stable",
        na_position="last",
    )
    return found.drop(columns="_rank").reset_index(drop=True)


def _why_late(phase: str, end: date, what: str, today: date) -> str:
    """'still in report: the report was due on 15 Jan 2025, 12 days ago'."""
    days = (today - end).days
    ago = "1 day" if days == 1 else f"{days} days"
    return f"still in {phase}: {what} on {end:%-d %b %Y}, {ago} ago"


def phase_counts(reviews: pd.DataFrame) -> pd.DataFrame:
    """How many of the reviews are in each phase, and how many of those are late,
    every phase listed in order."""
    counts = pd.DataFrame({"phase": [phase.value for phase in Phase]})
    grouped = reviews.groupby("phase").agg(
        reviews=("review_id", "size"), late=("late", "sum")
    )
    counts = counts.join(grouped, on="phase").fillna(0)
    return counts.astype({"reviews": int, "late": int})


def late_reviews(reviews: pd.DataFrame) -> pd.DataFrame:
    return reviews[reviews["late"]].reset_index(drop=True)


# -- reviewers ---------------------------------------------------------------------


def workload(store: Store, user: User | None, year: int) -> pd.DataFrame:
    """Per person assigned in cycle ``year`` (to reviews in scope): the reviews
    they lead, those they are on the team of, and both together; the busiest
    first."""
    assigned = store.cycle_assignments(year, district_scope(store, user))
    load = assigned.groupby(["user_id", "reviewer"], as_index=False).agg(
        led=("leads", "sum"), reviews=("review_id", "nunique")
    )
    load["on_team"] = load["reviews"] - load["led"]
    load = load.rename(columns={"user_id": "reviewer_id"})
    load = load.sort_values(
        ["reviews", "led", "reviewer"], ascending=[False, False, True], kind="stable"
    )
    columns = ["reviewer_id", "reviewer", "led", "on_team", "reviews"]
    return load[columns].astype({"led": int, "reviews": int}).reset_index(drop=True)


def conflicts(store: Store, user: User | None, year: int) -> pd.DataFrame:
    """A warning per assignment in cycle ``year`` of a person to the review of
    their own school, or of a school in their own network (the network they
    belong to, or their school's)."""
    assigned = store.cycle_assignments(year, district_scope(store, user))
    own_school = (assigned["own_school_id"] == assigned["school_id"]).fillna(False)
    in_network = (assigned["own_network_id"] == assigned["network_id"]).fillna(
        False
    ) | (assigned["own_school_network_id"] == assigned["network_id"]).fillna(False)
    found = assigned[own_school | in_network].copy()
    found["conflict"] = [
        "own school" if same else "own network" for same in own_school[found.index]
    ]
    found["team_role"] = found["leads"].map({True: "lead reviewer", False: "reviewer"})
    found["warning"] = [_warning(row) for row in found.itertuples()]
    found = found.rename(columns={"user_id": "reviewer_id"})
    return found[
        ["review_id", "school_id", "school", "network", "reviewer_id", "reviewer",
         "team_role", "conflict", "warning"]
    ].reset_index(drop=True)  # fmt: skip


def _warning(row) -> str:
    """'Rex Reviewer is on the review of Cedar High School, their own school'."""
    verb = "leads" if row.leads else "is on"
    where = (
        "their own school"
        if row.conflict == "own school"
        else f"a school in their own network ({row.network})"
    )
    return f"{row.reviewer} {verb} the review of {row.school}, {where}"
