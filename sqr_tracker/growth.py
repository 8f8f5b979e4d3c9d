"""The growth story: how a school's ratings moved across reviews, in plain words
that celebrate growth and keep the distance still to go in view."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

import pandas as pd

from sqr_tracker import evidence
from sqr_tracker.auth import Action, authorize
from sqr_tracker.config import district_cuts, district_settings
from sqr_tracker.home import cycle_label, school_year
from sqr_tracker.measures import (
    SHIFT_POINTS,
    TREND_POINTS,
    RunChart,
    period_label,
    place_on_grid,
    run_chart,
    suppress_small_groups,
)
from sqr_tracker.models import User
from sqr_tracker.plans import school_plan
from sqr_tracker.store import Store

TOTAL_GROUP = "All students"
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
    interim: pd.DataFrame = field(default_factory=pd.DataFrame)
    # The strength word of the evidence behind each standard's latest rating.
    evidence: dict[str, str] = field(default_factory=dict)


def growth_across_reviews(store: Store, user: User | None, school_id: int) -> Growth:
    """The consensus rating of every standard in every published review."""
    authorize(store, user, Action.READ_SCHOOL, school_id=school_id)
    ratings = store.ratings_by_review(school_id)
    scale = store.rating_scale()
    labels = dict(zip(scale["level"], scale["label"], strict=True))
    top = int(scale["level"].max()) if not scale.empty else 0
    return replace(
        growth_of(ratings, labels, top),
        interim=_between_reviews(store, school_id, ratings, labels),
        evidence=evidence.public_strengths(store, school_id),
    )


def _between_reviews(store: Store, school_id: int, ratings, labels) -> pd.DataFrame:
    """The school's own ratings recorded since its latest published review."""
    interim = store.interim_ratings_of(school_id)
    if not ratings.empty:
        since = pd.Timestamp(ratings["published_on"].max())
        interim = interim[pd.to_datetime(interim["recorded_on"]) > since]
    return interim.assign(label=interim["level"].map(labels)).reset_index(drop=True)


def rating_choices(store: Store, user: User | None) -> tuple[dict, dict]:
    """The top-level standards and the rating scale's levels, for a form."""
    authorize(store, user, Action.READ_PUBLISHED)
    standards = store.standards()
    top = standards[standards["parent_code"].isna()]
    scale = store.rating_scale()
    return (
        dict(zip(top["id"].astype(int), top["code"] + " " + top["name"], strict=True)),
        dict(zip(scale["level"].astype(int), scale["label"], strict=True)),
    )


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
    earlier = wide[cycles[:-1]]
    # The review before is the latest earlier one that rated the standard.
    before = earlier.ffill(axis=1).iloc[:, -1] if cycles[:-1] else latest * pd.NA
    before_cycle = (
        earlier.notna().iloc[:, ::-1].idxmax(axis=1).where(earlier.notna().any(axis=1))
        if cycles[:-1]
        else latest * pd.NA
    )
    table = wide.assign(latest=latest, change=latest - before, since=before_cycle)
    words = [
        _standard_words(row, labels, top, cycles)
        for _, row in table.sort_values(
            ["change", "sort_order"], ascending=[False, True], na_position="last"
        ).iterrows()
    ]
    return Growth(table, cycles, words, labels)


def levels_by_review(growth: Growth) -> pd.DataFrame:
    """One row per standard: its level's label in each review (columns named by
    school year), the change since the review before, in levels, and how strong
    the evidence behind its latest rating is (empty where it was not rated)."""
    if growth.table.empty:
        return pd.DataFrame(columns=["code", "standard", "change", "evidence"])
    table = growth.table[["code", "standard"]].copy()
    for cycle in growth.cycles:
        table[cycle_label(cycle)] = growth.table[cycle].map(growth.labels.get)
    table["change"] = growth.table["change"].astype("Int64")
    latest = growth.table[growth.cycles[-1]].notna()
    table["evidence"] = [
        growth.evidence.get(code, "") if rated else ""
        for code, rated in zip(table["code"], latest, strict=True)
    ]
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
        since = f"since the {cycle_label(row['since'])} review"
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


# -- measures over time ----------------------------------------------------------------


def measure_rules() -> list[str]:
    """How the run charts mark a real change, in the words the page shows."""
    return [
        f"A shift: {SHIFT_POINTS} or more points in a row on the same side of the "
        "median (points on the median are skipped).",
        f"A trend: {TREND_POINTS} or more points in a row each rising, or each "
        "falling (a repeated value is skipped).",
        "Other ups and downs are ordinary variation, not a sign of change.",
    ]


@dataclass(frozen=True)
class MeasureStory:
    measure: dict
    chart: RunChart
    events: pd.DataFrame
    groups: pd.DataFrame
    period: str


def measure_story(
    store: Store, user: User | None, school_id: int, measure_id: int
) -> MeasureStory:
    """One measure for all students as a run chart with the school's events,
    and its latest value by student group with small groups suppressed."""
    authorize(store, user, Action.READ_SCHOOL, school_id=school_id)
    measures = store.school_measures(school_id).set_index("id")
    measure = {"id": measure_id, **measures.loc[measure_id].to_dict()}
    values = shown_groups(store, store.measure_values_of(school_id, measure_id))
    whole = values[(values["student_group"] == TOTAL_GROUP) & ~values["suppressed"]]
    series = pd.Series(whole["value"].to_numpy(), index=pd.to_datetime(whole["period"]))
    chart = run_chart(series, higher_is_better=bool(measure["higher_is_better"]))
    events = store.school_events(school_id)
    if not series.empty:
        events = events[pd.to_datetime(events["happened_on"]) >= series.index.min()]
    latest = values["period"].max() if not values.empty else None
    columns = ["student_group", "value", "group_size", "suppressed"]
    groups = values[values["period"] == latest][columns]
    label = period_label(pd.Timestamp(latest)) if latest is not None else ""
    return MeasureStory(
        measure,
        chart,
        events.reset_index(drop=True),
        groups.reset_index(drop=True),
        label,
    )


def measure_choices(store: Store, user: User | None, school_id: int) -> dict:
    """The measures recorded for a school, by id, with their names."""
    authorize(store, user, Action.READ_SCHOOL, school_id=school_id)
    measures = store.school_measures(school_id)
    return dict(zip(measures["id"].astype(int), measures["name"], strict=True))


def small_group_threshold(store: Store) -> int:
    return int(district_settings(store)["small_group_threshold"])


def small_group_words(threshold: int) -> str:
    """The small-group rule in the words the pages and exports show."""
    return (
        f"A student group of fewer than {threshold} students is not shown, nor is "
        "the next smallest group when the total minus the groups shown would "
        f"reveal a hidden one; a period whose total is under {threshold} students "
        "shows nothing."
    )


def shown_groups(
    store: Store,
    values: pd.DataFrame,
    by: tuple[str, ...] = ("period",),
    value_columns: tuple[str, ...] = ("value",),
) -> pd.DataFrame:
    """``values`` (one row per student group and ``by`` set, with ``group_size``)
    under the district's small-group rule, ``measures.suppress_small_groups`` with
    the district's threshold: the one rule every page, export and command uses
    before it shows a group's figure."""
    return suppress_small_groups(
        values,
        threshold=small_group_threshold(store),
        value_columns=list(value_columns),
        total_group=TOTAL_GROUP,
        by=list(by),
    )


def status_and_change(
    store: Store, user: User | None, school_id: int, today: date
) -> pd.DataFrame:
    """Each measure's level this school year and its change from last year,
    placed on the five-by-five grid with the district's cut points."""
    authorize(store, user, Action.READ_SCHOOL, school_id=school_id)
    cuts = district_cuts(store)
    rows = []
    values = store.school_values_of_group(school_id, TOTAL_GROUP)
    totals = shown_groups(store, values, by=("measure_id", "period"))
    shown = totals[~totals["suppressed"]]
    by_measure = dict(list(shown.groupby("measure_id", sort=False)))
    for measure in store.school_measures(school_id).itertuples():
        found = by_measure.get(measure.id, shown.iloc[:0])
        yearly = _yearly(found)
        if yearly.empty or measure.code not in cuts:
            continue
        current = yearly.iloc[-1]
        previous = yearly.iloc[-2] if len(yearly) > 1 else None
        place = place_on_grid(
            float(current),
            None if previous is None else float(previous),
            cuts[measure.code],
            bool(measure.higher_is_better),
        )
        difference = None if previous is None else round(float(current - previous), 1)
        rows.append(
            {
                "measure": measure.name,
                "year": cycle_label(yearly.index[-1]),
                "value": round(float(current), 1),
                "difference": difference,
                **place,
            }
        )
    return pd.DataFrame(rows)


def _yearly(values: pd.DataFrame) -> pd.Series:
    """The latest two school years' values, alike: for a monthly measure, the
    mean of the months the latest year has so far, and of the same months the
    year before. Empty unless the two years follow each other."""
    if values.empty:
        return pd.Series(dtype=float)
    days = pd.to_datetime(values["period"])
    years = days.map(lambda day: school_year(day.date())).to_numpy()
    latest = years.max()
    months = set(days[years == latest].dt.month)
    alike = (years == latest) | ((years == latest - 1) & days.dt.month.isin(months))
    yearly = values[alike].groupby(years[alike])["value"].mean().sort_index()
    return yearly if len(yearly) == 2 or len(set(years)) == 1 else yearly.tail(1)


# -- the public summary --------------------------------------------------------------


@dataclass(frozen=True)
class PublicStory:
    """What the board and the community read: published ratings with the
    strength word of the latest review's evidence, growth in words and the
    year's work in counts; no notes, names, student groups or counts of
    people surveyed or interviewed."""

    levels: pd.DataFrame
    words: list[str]
    year: list[str]


def public_story(
    store: Store, user: User | None, school_id: int, today: date
) -> PublicStory:
    authorize(store, user, Action.READ_PUBLISHED, school_id=school_id)
    scale = store.rating_scale()
    labels = dict(zip(scale["level"], scale["label"], strict=True))
    story = replace(
        growth_of(store.ratings_by_review(school_id), labels, max(labels, default=0)),
        evidence=evidence.public_strengths(store, school_id),
    )
    since = date(school_year(today), 8, 1)
    done = store.year_of_work(school_id, since, today)
    year = [
        f"{_count(done['milestones_met'], 'milestone')} of the school's plan met "
        f"and {_count(done['steps_done'], 'action step')} done since "
        f"{since:%-d %B %Y}.",
        f"The plan was updated in {_count(done['months_checked_in'], 'month')} "
        "this year.",
    ]
    return PublicStory(levels_by_review(story), story.words, year)
