"""Needs support: the central office's list of schools to reach out to, each
with the reasons, every reason a stated rule with a district-set threshold, and
the support tier the reasons place the school in. Also the ratings heatmap.

These views are for the central office and network leads: school-facing and
public pages never rank schools against each other.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from sqr_tracker import evidence
from sqr_tracker.auth import Action, authorize, visible_school_ids
from sqr_tracker.config import district_settings
from sqr_tracker.errors import PermissionDenied
from sqr_tracker.frames import text_lists
from sqr_tracker.home import cycle_label
from sqr_tracker.measures import (
    ABOVE,
    BELOW,
    DOWN,
    SHIFT,
    SHIFT_POINTS,
    TREND,
    TREND_POINTS,
    UP,
    RunChart,
    Signal,
    first_rows,
    key_numbers,
    period_label,
    run_chart,
    signal_words,
    small_groups_hidden,
)
from sqr_tracker.models import Role, User
from sqr_tracker.store import Store

TIERS = ("intensive", "targeted", "universal")
_TOTAL_GROUP = "All students"


@dataclass(frozen=True)
class Rule:
    """One reason a school may need support: its name, the sentence stating it
    with the district's threshold, and the check that finds it: given what the
    rules read about every school, the reason in words for each school it finds
    (a Series indexed by school id)."""

    name: str
    statement: Callable[[dict[str, float]], str]
    check: Callable[[Facts], pd.Series]


@dataclass(frozen=True)
class Facts:
    """What the rules read about the schools followed: their plans (indexed by
    school id), their latest reviews' ratings (one row per standard, with the
    one before and the self-reflection), their measures for all students."""

    plans: pd.DataFrame
    ratings: pd.DataFrame
    values: pd.DataFrame
    today: date
    labels: dict[int, str]
    limits: dict[str, float]

    @property
    def lowest(self) -> int:
        return min(self.labels) if self.labels else 1

    def label(self, levels: pd.Series) -> pd.Series:
        return levels.astype(int).map(self.labels)


def _plural(count: int, thing: str) -> str:
    return f"{count} {thing}{'s' if count != 1 else ''}"


def _joined(rows: pd.DataFrame, words: pd.Series, tail: str = "") -> pd.Series:
    """Per school, the words of its rows joined with semicolons."""
    joined: dict[int, list[str]] = {}
    for school, word in zip(rows["school_id"].tolist(), words.tolist(), strict=True):
        joined.setdefault(school, []).append(word)
    return pd.Series(
        {school: "; ".join(said) + tail for school, said in sorted(joined.items())},
        dtype=object,
    )


def _lowest_levels(facts: Facts) -> pd.Series:
    low = facts.ratings[facts.ratings["rating"] == facts.lowest]
    codes: dict[int, list[str]] = {}
    cycles: dict[int, int] = {}
    for school, code, cycle in zip(
        *(low[c].tolist() for c in ("school_id", "code", "cycle_year")), strict=True
    ):
        codes.setdefault(school, []).append(code)
        cycles.setdefault(school, cycle)
    needed = facts.limits["support_lowest_standards"]
    label = facts.labels.get(facts.lowest, "")
    return pd.Series(
        {
            school: f"{_plural(len(found), 'standard')} rated {label} in "
            f"{cycle_label(cycles[school])} ({', '.join(found)})"
            for school, found in sorted(codes.items())
            if len(found) >= needed
        },
        dtype=object,
    )


def _decline(facts: Facts) -> pd.Series:
    ratings = facts.ratings.dropna(subset=["previous_rating"])
    fell = ratings[
        ratings["previous_rating"] - ratings["rating"]
        >= facts.limits["support_decline_levels"]
    ]
    words = (
        fell["code"] + " fell from " + facts.label(fell["previous_rating"]) + " to "
        + facts.label(fell["rating"])
    )  # fmt: skip
    return _joined(fell, words, " since the review before")


def _stalled(facts: Facts) -> pd.Series:
    last = pd.to_datetime(facts.plans["last_check_in"])
    waited = (pd.Timestamp(facts.today) - last).dt.days
    never = last.isna()
    late = waited > facts.limits["check_in_stale_days"]
    words = "No check-in for " + waited[late].astype(int).astype(str) + " days"
    return pd.concat(
        [words, pd.Series("No check-in recorded yet", index=last.index[never])]
    )


def _overdue(facts: Facts) -> pd.Series:
    plans = facts.plans[facts.plans["open_steps"] > 0]
    share = plans["overdue_steps"] / plans["open_steps"]
    hit = plans[share >= facts.limits["support_overdue_share"]]
    return pd.Series(
        [
            f"{late} of {_plural(total, 'open action step')} overdue "
            f"({late / total:.0%})"
            for late, total in hit[["overdue_steps", "open_steps"]].itertuples(
                index=False
            )
        ],
        index=hit.index,
        dtype=object,
    )


def _adverse(facts: Facts) -> pd.Series:
    """Each school's measures whose run chart ends in a signal the wrong way."""
    # Read from every series' last runs at once (``_series_ends``); a series
    # with an infinite value or a missing period is left to ``run_chart``.
    values = facts.values
    ends = _series_ends(values)
    words = _ends_in_words(values, ends)
    words.update(_charted_words(values, ends.series, np.flatnonzero(ends.unclear)))
    schools = values["school_id"].to_numpy()[ends.first_rows]
    found: dict[int, list[str]] = {}
    for series in sorted(words):
        found.setdefault(schools[series], []).append(words[series])
    return pd.Series(
        {school: "; ".join(w) for school, w in found.items()}, dtype=object
    )


@dataclass(frozen=True)
class _Run:
    """Per series, its last shift or trend: side, points counted, first and last."""

    # side: +1 above the median or up, -1 below or down, 0 for none; first and
    # last: positions in ``_Ends.rows`` of its first and last counted points

    side: np.ndarray
    count: np.ndarray
    first: np.ndarray
    last: np.ndarray

    def wrong_way(self, worse: np.ndarray, needed: int) -> np.ndarray:
        """Per series, whether this run is a signal pointing the wrong way."""
        return (self.side == worse) & (self.count >= needed)


@dataclass(frozen=True)
class _Ends:
    """How every series (a school's measure) ends: its last shift and trend."""

    # series: each row's series; rows: the rows with a value, each series' in
    # period order; the rest per series: its first row, the sign of a move the
    # wrong way, whether it holds an infinite value or a missing period

    series: np.ndarray
    first_rows: np.ndarray
    worse: np.ndarray
    unclear: np.ndarray
    rows: np.ndarray
    shift: _Run
    trend: _Run

    @property
    def adverse(self) -> np.ndarray:
        """Per series, whether its latest point ends a signal the wrong way."""
        return self.shift.wrong_way(self.worse, SHIFT_POINTS) | self.trend.wrong_way(
            self.worse, TREND_POINTS
        )


def _series_ends(values: pd.DataFrame) -> _Ends:
    """How every series ends, found for all of them at once."""
    # Only a series' last shift and last trend can reach its latest point: what
    # follows them is points on the median or equal to the one before, which
    # the rules skip.
    series = _series_ids(values)
    count = int(series.max()) + 1 if len(series) else 0
    starts = first_rows(series)
    worse = _wrong_way(values["higher_is_better"].to_numpy()[starts])
    periods, _ = pd.factorize(values["period"], sort=True)
    points = values["value"].to_numpy(dtype=float)
    odd = (periods < 0) | np.isinf(points)
    unclear = np.bincount(series, weights=odd, minlength=count) > 0
    # each series in period order, missing values left out
    order = _in_order(series, periods)
    rows = order[~np.isnan(points[order])]
    ids, points = series[rows], points[rows]
    with np.errstate(invalid="ignore"):  # infinite values: left to run_chart
        sides = np.sign(points - _medians(ids, points, count)[ids])
    every = np.arange(len(ids))
    shift = _last_runs(ids, sides, every, every, count)
    trend = _last_runs(*_steps(ids, points), count, extra=1)
    return _Ends(series, starts, worse, unclear, rows, shift, trend)


def _ends_in_words(values: pd.DataFrame, ends: _Ends) -> dict[int, str]:
    """The words of each series ending the wrong way, but the unclear ones."""
    wanted = np.flatnonzero(ends.adverse & ~ends.unclear)
    periods = values["period"].to_numpy()
    measures = values["measure"].iloc[ends.first_rows[wanted]].tolist()
    runs = (
        (SHIFT, ends.shift, ends.shift.wrong_way(ends.worse, SHIFT_POINTS)),
        (TREND, ends.trend, ends.trend.wrong_way(ends.worse, TREND_POINTS)),
    )
    directions = {SHIFT: {1.0: ABOVE, -1.0: BELOW}, TREND: {1.0: UP, -1.0: DOWN}}
    words: dict[int, str] = {}
    for series, measure in zip(wanted.tolist(), measures, strict=True):
        signals = [
            (int(run.first[series]), int(run.last[series]), kind, run)
            for kind, run, wrong in runs
            if wrong[series]
        ]
        first, last, kind, run = min(signals, key=lambda s: s[:3])
        said = signal_words(
            kind,
            directions[kind][run.side[series]],
            int(run.count[series]),
            period_label(periods[ends.rows[first]]),
            period_label(periods[ends.rows[last]]),
        )
        words[series] = f"{measure}: {said}"
    return words


def _charted_words(
    values: pd.DataFrame, series: np.ndarray, which: np.ndarray
) -> dict[int, str]:
    """The words of the series numbered ``which``, from each one's run chart."""
    if len(which) == 0:
        return {}
    rows = np.flatnonzero(np.isin(series, which))
    rows = rows[np.argsort(series[rows], kind="stable")]  # each in its row order
    points, periods, better, measure = (
        values[column].to_numpy()[rows]
        for column in ("value", "period", "higher_is_better", "measure")
    )
    cuts = np.flatnonzero(np.diff(series[rows])) + 1
    words: dict[int, str] = {}
    for one in np.split(np.arange(len(rows)), cuts):
        chart = run_chart(
            pd.Series(points[one], index=periods[one]),
            higher_is_better=bool(better[one[0]]),
        )
        current = [s for s in chart.adverse() if _still_running(chart, s)]
        if current:
            words[int(series[rows[one[0]]])] = (
                f"{measure[one[0]]}: {current[0].description}"
            )
    return words


def _series_ids(values: pd.DataFrame) -> np.ndarray:
    """Per row, its series' number: the series (a school's measure) numbered in
    order of school, then measure."""
    return key_numbers(values, ["school_id", "measure_id"])


def _wrong_way(higher_is_better: np.ndarray) -> np.ndarray:
    """Per series, from its first row's ``higher_is_better``, the sign of a move
    the wrong way (-1 where higher is better), read as ``run_chart`` is given it."""
    if higher_is_better.dtype != bool:
        higher_is_better = np.array([bool(b) for b in higher_is_better], dtype=bool)
    return np.where(higher_is_better, -1.0, 1.0)


def _in_order(outer: np.ndarray, inner: np.ndarray) -> np.ndarray:
    """``np.lexsort((inner, outer))``, from one integer key where both fit."""
    # Ten times quicker on rows that come nearly in order.
    if len(outer) == 0:
        return np.zeros(0, dtype=np.int64)
    inner = inner.astype(np.int64) - int(inner.min())
    outer = outer.astype(np.int64) - int(outer.min())
    span = int(inner.max()) + 1
    if (int(outer.max()) + 1) * span >= 2**62:  # too far apart for one key
        return np.lexsort((inner, outer))
    return np.argsort(outer * span + inner, kind="stable")


def _medians(ids: np.ndarray, points: np.ndarray, count: int) -> np.ndarray:
    """Each series' median (``ids`` sorted), as ``np.median`` gives it."""
    ranks, found = pd.factorize(points, sort=True)
    span = max(len(found), 1)
    if count * span < 2**62:  # each point as one integer: series, then rank
        ranked = np.asarray(found)[np.sort(ids * span + ranks, kind="stable") % span]
    else:
        ranked = points[np.lexsort((points, ids))]
    sizes = np.bincount(ids, minlength=count)
    starts = np.cumsum(sizes) - sizes
    some = sizes > 0
    low = (starts + (sizes - 1) // 2)[some]
    high = (starts + sizes // 2)[some]
    medians = np.full(count, np.nan)
    with np.errstate(over="ignore"):
        middle = (ranked[low] + ranked[high]) / 2
    medians[some] = np.where(low == high, ranked[low], middle)
    return medians


def _steps(
    ids: np.ndarray, points: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The trend rule's steps (+1, -1) per series, with the points they join."""
    # A run of equal points counts once, at its first.
    first = np.ones(len(ids), dtype=bool)
    first[1:] = (ids[1:] != ids[:-1]) | (points[1:] != points[:-1])
    at = np.flatnonzero(first)
    ids, points = ids[at], points[at]
    within = ids[1:] == ids[:-1]
    steps = np.where(points[1:] > points[:-1], 1.0, -1.0)
    return ids[1:][within], steps[within], at[:-1][within], at[1:][within]


def _last_runs(
    ids: np.ndarray,
    sides: np.ndarray,
    starts_at: np.ndarray,
    ends_at: np.ndarray,
    count: int,
    *,
    extra: int = 0,
) -> _Run:
    """Per series (``ids`` sorted), its last run of equal non-zero ``sides``."""
    # Its side, its length plus ``extra`` (a trend of n steps counts n + 1
    # points), where its first element starts and its last element ends.
    keep = sides != 0
    if not keep.all():
        ids, sides = ids[keep], sides[keep]
        starts_at, ends_at = starts_at[keep], ends_at[keep]
    side, length = np.zeros(count), np.zeros(count, dtype=np.int64)
    first, last = np.full(count, -1), np.full(count, -1)
    if len(ids):
        starts = np.ones(len(ids), dtype=bool)
        starts[1:] = (ids[1:] != ids[:-1]) | (sides[1:] != sides[:-1])
        starts = np.flatnonzero(starts)  # where each run begins
        ends = np.flatnonzero(np.append(ids[1:] != ids[:-1], True))  # series' last
        begins = starts[np.searchsorted(starts, ends, side="right") - 1]
        series = ids[ends]
        side[series] = sides[ends]
        length[series] = ends - begins + 1 + extra
        first[series] = starts_at[begins]
        last[series] = ends_at[ends]
    return _Run(side, length, first, last)


def _still_running(chart: RunChart, signal: Signal) -> bool:
    """Whether a signal reaches the latest point: every point after its last
    counted one is one the rule skips (on the median for a shift, equal to the
    point before for a trend)."""
    after = chart.values.to_numpy()[signal.end + 1 :]
    if signal.kind == SHIFT:
        return bool((after == chart.median).all())
    return bool((after == chart.values.iloc[signal.end]).all())


def _self_gap(facts: Facts) -> pd.Series:
    ratings = facts.ratings.dropna(subset=["self_rating"])
    gap = (ratings["self_rating"] - ratings["rating"]).abs()
    wide = ratings[gap >= facts.limits["support_self_gap_levels"]]
    words = (
        wide["code"] + ": self-reflection " + facts.label(wide["self_rating"])
        + ", team " + facts.label(wide["rating"])
    )  # fmt: skip
    return _joined(wide, words)


def _waiting(facts: Facts) -> pd.Series:
    oldest = pd.to_datetime(facts.plans["oldest_open_request"])
    waited = (pd.Timestamp(facts.today).normalize() - oldest.dt.normalize()).dt.days
    late = waited > facts.limits["support_request_wait_days"]
    return (
        "A support request has waited "
        + waited[late].astype(int).astype(str)
        + " days for an answer"
    )


RULES: tuple[Rule, ...] = (
    Rule(
        "lowest ratings",
        lambda t: (
            f"{t['support_lowest_standards']:g} or more standards at the "
            "lowest level of the scale in the latest review"
        ),
        _lowest_levels,
    ),
    Rule(
        "decline",
        lambda t: (
            f"a standard {_plural(int(t['support_decline_levels']), 'level')} or "
            "more lower than in the review before"
        ),
        _decline,
    ),
    Rule(
        "stalled plan",
        lambda t: f"no check-in for over {t['check_in_stale_days']:g} days",
        _stalled,
    ),
    Rule(
        "overdue steps",
        lambda t: (
            f"{t['support_overdue_share']:.0%} or more of the open action steps overdue"
        ),
        _overdue,
    ),
    Rule(
        "adverse signal",
        lambda t: (
            "a measure for all students whose run chart ends in a shift or "
            "trend the wrong way"
        ),
        _adverse,
    ),
    Rule(
        "self-reflection gap",
        lambda t: (
            "self-reflection and team ratings "
            f"{_plural(int(t['support_self_gap_levels']), 'level')} or more apart "
            "on a standard"
        ),
        _self_gap,
    ),
    Rule(
        "unanswered request",
        lambda t: (
            "a support request open for more than "
            f"{t['support_request_wait_days']:g} days"
        ),
        _waiting,
    ),
)


def rule_statements(store: Store) -> list[str]:
    """Each rule and each tier in words, with the district's thresholds."""
    limits = district_settings(store)
    rules = [f"{rule.name.capitalize()}: {rule.statement(limits)}." for rule in RULES]
    return rules + [
        f"Intensive support: {limits['support_intensive_reasons']:g} or more of "
        f"these reasons; targeted: {limits['support_targeted_reasons']:g} or more; "
        "universal (the support every school gets): fewer."
    ]


def tier_of(reasons: int, limits: dict[str, float]) -> str:
    if reasons >= limits["support_intensive_reasons"]:
        return "intensive"
    if reasons >= limits["support_targeted_reasons"]:
        return "targeted"
    return "universal"


def _for_district_staff(store: Store, user: User | None) -> list[int] | None:
    """The schools a central office user (all: None) or network lead follows."""
    authorize(store, user, Action.READ_PUBLISHED)
    assert user is not None
    if user.role not in (Role.CENTRAL_OFFICE, Role.NETWORK_LEAD):
        raise PermissionDenied(
            "Only the central office and network leads see schools side by side."
        )
    return visible_school_ids(store, user)


@dataclass(frozen=True)
class NeedsSupport:
    """Every school followed, with its reasons and tier, those most in need
    first; the count per tier and network; and the rules in words."""

    schools: pd.DataFrame
    tiers: pd.DataFrame
    rules: list[str]


def needs_support(
    store: Store, user: User | None, today: date, *, network_id: int | None = None
) -> NeedsSupport:
    scope = _for_district_staff(store, user)
    if network_id is not None:
        in_network = store.school_ids_in_network(network_id)
        scope = in_network if scope is None else sorted(set(scope) & set(in_network))
    limits = district_settings(store)
    scale = store.rating_scale()
    labels = dict(zip(scale["level"].astype(int), scale["label"], strict=True))
    plans = store.plan_overview(scope, today).set_index("school_id", drop=False)
    values = _named(store.group_points(scope, _TOTAL_GROUP), store.measures())
    hidden = small_groups_hidden(
        values.assign(student_group=_TOTAL_GROUP),  # every row is all students
        threshold=int(limits["small_group_threshold"]),
        total_group=_TOTAL_GROUP,
        by=["school_id", "measure_id", "period"],
    )
    values = values[~hidden]
    facts = Facts(plans, _latest_ratings(store, scope), values, today, labels, limits)
    found = pd.DataFrame({rule.name: rule.check(facts) for rule in RULES})
    found = found.reindex(index=plans.index, columns=[rule.name for rule in RULES])
    present = found.notna()
    count = present.sum(axis=1)
    names, cells, flags = list(found), found.to_numpy(object), present.to_numpy()
    rows = list(zip(cells.tolist(), flags.tolist(), strict=True))
    table = plans[["school_id", "school", "network", "level"]].assign(
        tier=[tier_of(n, limits) for n in count],
        reason_count=count,
        rules=text_lists(
            [[n for n, h in zip(names, has, strict=True) if h] for _, has in rows],
            plans.index,
        ),
        reasons=text_lists(
            [[c for c, h in zip(row, has, strict=True) if h] for row, has in rows],
            plans.index,
        ),
    )
    order = table["tier"].map({tier: i for i, tier in enumerate(TIERS)})
    table = (
        table.assign(_order=order)
        .sort_values(
            ["_order", "reason_count", "school"], ascending=[True, False, True]
        )
        .drop(columns="_order")
        .reset_index(drop=True)
    )
    return NeedsSupport(table, _tier_counts(table), rule_statements(store))


def _named(values: pd.DataFrame, measures: pd.DataFrame) -> pd.DataFrame:
    """The values with their measure's name, as a category: one string per
    measure, not one per row."""
    names = pd.Index(pd.unique(measures["name"].to_numpy(dtype=object)))
    of_measure = names.get_indexer(measures["name"].to_numpy(dtype=object))
    row_codes = of_measure[pd.Index(measures["id"]).get_indexer(values["measure_id"])]
    named = pd.Categorical.from_codes(row_codes, categories=names)
    return values.assign(measure=named)


def _latest_ratings(store: Store, scope: list[int] | None) -> pd.DataFrame:
    ratings = store.last_two_consensus()
    if scope is not None:
        ratings = ratings[ratings["school_id"].isin(scope)]
    standards = store.standards()
    codes = standards.loc[standards["parent_code"].isna(), ["id", "code", "sort_order"]]
    return ratings.merge(codes, left_on="standard_id", right_on="id").sort_values(
        ["school_id", "sort_order"]
    )


def _tier_counts(table: pd.DataFrame) -> pd.DataFrame:
    """Schools per tier in each network, with a district total."""
    counts = pd.crosstab(table["network"], table["tier"])
    counts = counts.reindex(columns=list(TIERS), fill_value=0)
    counts.loc["All networks"] = counts.sum()
    return counts.reset_index().rename_axis(columns=None)


# -- the heatmap -------------------------------------------------------------------


def heatmap(
    store: Store,
    user: User | None,
    *,
    network: str | None = None,
    level: str | None = None,
    sort_by: str | None = None,
) -> tuple[pd.DataFrame, dict[int, str]]:
    """Schools by standards, each cell the latest consensus level (missing when
    the school has no published review of it), with the scale's labels. Sorted
    by a standard's code (lowest first, then name), else by school name."""
    scope = _for_district_staff(store, user)
    schools = store.schools(scope)[["id", "name", "network", "level"]]
    if network:
        schools = schools[schools["network"] == network]
    if level:
        schools = schools[schools["level"] == level]
    ratings = _latest_ratings(store, schools["id"].tolist())
    top = store.standards()
    codes = top.loc[top["parent_code"].isna(), "code"].tolist()
    grid = ratings.pivot_table(
        index="school_id", columns="code", values="rating", aggfunc="first"
    ).reindex(columns=codes)
    table = schools.rename(columns={"id": "school_id", "name": "school"}).merge(
        grid, left_on="school_id", right_index=True, how="left"
    )
    table[codes] = table[codes].astype("Int64")
    keys = [sort_by, "school"] if sort_by in codes else ["school"]
    table = table.sort_values(keys, na_position="last", kind="stable")
    scale = store.rating_scale()
    labels = dict(zip(scale["level"].astype(int), scale["label"], strict=True))
    return table.reset_index(drop=True), labels


HEATMAP_FIXED = ("school_id", "school", "network", "level")


def heatmap_rows(table: pd.DataFrame) -> tuple[tuple[int, ...], tuple[str, ...]]:
    """A ``heatmap`` table's schools (by id, in order) and standards (by code):
    what ``heatmap_evidence`` weighs, and a quick key to remember it by."""
    schools = tuple(int(school) for school in table["school_id"])
    return schools, tuple(c for c in table.columns if c not in HEATMAP_FIXED)


def heatmap_evidence(
    store: Store, user: User | None, schools: Sequence[int], codes: Sequence[str]
):
    """For the schools and standards of a ``heatmap`` table (``heatmap_rows``),
    school by school: how strong the evidence behind each rating is
    (``evidence.strength_of``'s words; empty where not rated)."""
    scope = _for_district_staff(store, user)
    schools, codes = [int(school) for school in schools], list(codes)
    if scope is not None and not set(schools) <= set(scope):
        raise PermissionDenied("The heatmap holds a school outside your view.")
    ratings = _latest_ratings(store, schools)
    if ratings.empty:
        return pd.DataFrame("", index=range(len(schools)), columns=codes)
    reviews = [int(r) for r in ratings["review_id"].unique()]
    found = evidence.strengths(store.evidence_items(reviews), district_settings(store))
    merged = ratings.merge(
        found[["review_id", "standard_id", "strength"]],
        on=["review_id", "standard_id"],
        how="left",
    )
    merged["strength"] = merged["strength"].fillna(evidence.NONE)
    grid = merged.pivot_table(
        index="school_id", columns="code", values="strength", aggfunc="first"
    )
    grid = grid.reindex(index=schools, columns=codes)
    return grid.fillna("").reset_index(drop=True).rename_axis(index=None, columns=None)
