"""The growth story: how a school's ratings moved across reviews, in plain words
that celebrate growth and keep the distance still to go in view."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from sqr_tracker.auth import Action, authorize
from sqr_tracker.home import cycle_label, school_year
from sqr_tracker.models import User
from sqr_tracker.plans import school_plan
from sqr_tracker.store import Store

_NUMBERS = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five"}


def _levels(count: int) -> str:
    word = _NUMBERS.get(count, str(count))
    return f"{word} level{'s' if count != 1 else ''}"


@dataclass(frozen=True)
class Growth:
    """Per standard: the consensus level in each published review (columns are
    cycle years), the change since the review before, and the words for it."""

    table: pd.DataFrame
    cycles: list[int]
    words: list[str]
    labels: dict[int, str]


def growth_across_reviews(store: Store, user: User | None, school_id: int) -> Growth:
    """The consensus rating of every standard in every published review."""
    authorize(store, user, Action.READ_SCHOOL, school_id=school_id)
    ratings = store.ratings_by_review(school_id)
    scale = store.rating_scale()
    labels = dict(zip(scale["level"], scale["label"], strict=True))
    top = int(scale["level"].max()) if not scale.empty else 0
    return growth_of(ratings, labels, top)


def growth_of(ratings: pd.DataFrame, labels: dict[int, str], top: int) -> Growth:
    """The growth table and words from ratings by review (pure, for tests)."""
    if ratings.empty:
        return Growth(pd.DataFrame(), [], [], labels)
    cycles = sorted(int(c) for c in ratings["cycle_year"].unique())
    wide = ratings.pivot_table(
        index=["sort_order", "code", "standard"],
        columns="cycle_year",
        values="consensus",
        aggfunc="first",
    ).reset_index()
    latest = wide[cycles[-1]]
    before = wide[cycles[-2]] if len(cycles) > 1 else pd.Series(pd.NA, wide.index)
    table = wide.assign(latest=latest, change=latest - before)
    words = [
        _standard_words(row, labels, top, cycles)
        for _, row in table.sort_values(
            ["change", "sort_order"], ascending=[False, True], na_position="last"
        ).iterrows()
    ]
    return Growth(table, cycles, words, labels)


def levels_by_review(growth: Growth) -> pd.DataFrame:
    """One row per standard: its level's label in each review (columns named by
    school year) and the change since the review before, in levels."""
    if growth.table.empty:
        return pd.DataFrame(columns=["code", "standard", "change"])
    table = growth.table[["code", "standard"]].copy()
    for cycle in growth.cycles:
        table[cycle_label(cycle)] = growth.table[cycle].map(growth.labels.get)
    table["change"] = growth.table["change"].astype("Int64")
    return table.reset_index(drop=True)


def _standard_words(row: pd.Series, labels, top: int, cycles: list[int]) -> str:
    """'S2 Safe, supportive…: rose from Developing to Proficient since the
    2021–22 review; one level to go to Exemplary.'"""
    now = row["latest"]
    name = f"{row['code']} {row['standard']}"
    if pd.isna(now):
        return f"{name}: not rated in the latest review."
    now = int(now)
    change = row["change"]
    if pd.isna(change):
        moved = f"rated {labels[now]} in its first review"
    else:
        since = f"since the {cycle_label(cycles[-2])} review"
        was = labels.get(now - int(change), "")
        if change > 0:
            moved = f"rose from {was} to {labels[now]} {since}"
        elif change < 0:
            moved = f"moved from {was} to {labels[now]} {since}"
        else:
            moved = f"held at {labels[now]} {since}"
    to_go = top - now
    if to_go <= 0:
        return f"{name}: {moved}, the top of the scale."
    return f"{name}: {moved}; {_levels(to_go)} to go to {labels[top]}."


@dataclass(frozen=True)
class YearOfWork:
    since: date
    goals_reached: int
    open_goals: int
    milestones_met: int
    steps_done: int
    check_ins: int
    months_checked_in: int
    months_so_far: int


def this_years_work(
    store: Store, user: User | None, school_id: int, today: date
) -> YearOfWork:
    """What the plan got done this school year (from 1 August)."""
    plan = school_plan(store, user, school_id, today)
    since = date(school_year(today), 8, 1)
    done = store.year_of_work(school_id, since, today)
    open_goals = plan.open_goals()
    reached = int((open_goals["reasons"] == "target reached").sum())
    months = (today.year - since.year) * 12 + today.month - since.month + 1
    return YearOfWork(
        since=since,
        goals_reached=reached,
        open_goals=len(open_goals),
        months_so_far=months,
        **done,
    )


def _count(number: int, thing: str) -> str:
    return f"{number} {thing}{'' if number == 1 else 's'}"


def year_words(work: YearOfWork) -> list[str]:
    """The year's work as short sentences."""
    return [
        f"{work.goals_reached} of {_count(work.open_goals, 'goal')} "
        f"{'has' if work.goals_reached == 1 else 'have'} reached the target.",
        f"{_count(work.milestones_met, 'milestone')} met and "
        f"{_count(work.steps_done, 'action step')} done.",
        f"The plan was updated in {work.months_checked_in} of "
        f"{_count(work.months_so_far, 'month')} "
        f"({_count(work.check_ins, 'check-in')}).",
    ]
