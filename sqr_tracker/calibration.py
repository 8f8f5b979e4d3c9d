"""Reviewer calibration: how closely each reviewer's ratings match the team's
consensus and the other reviewers' ratings, per reviewer and per standard, in
all cycles or one, and how that moves from cycle to cycle; with the reviewers
and standards that fall below the district's thresholds.

It compares reviewers across every review, so it is for the central office
alone. Only published reviews count.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sqr_tracker.auth import of_record
from sqr_tracker.config import district_settings
from sqr_tracker.errors import PermissionDenied
from sqr_tracker.home import cycle_label
from sqr_tracker.measures import first_rows, key_numbers
from sqr_tracker.models import Role, User
from sqr_tracker.store import Store

FIGURE_COLUMNS = [
    "n", "exact", "adjacent", "kappa", "lean", "pairs", "pair_exact",
    "pair_adjacent",
]  # fmt: skip
REVIEWER_COLUMNS = [
    "reviewer_id", "reviewer", "n", "exact", "adjacent", "kappa", "lean_words",
    "flag", "lean", "pairs", "pair_exact", "pair_adjacent",
]  # fmt: skip
STANDARD_COLUMNS = ["code", "standard", *REVIEWER_COLUMNS[2:]]
CYCLE_COLUMNS = ["cycle_year", "cycle", "reviewers", *FIGURE_COLUMNS]
REVIEWER_CYCLE_COLUMNS = ["reviewer_id", "reviewer", "cycle_year", "cycle",
                          *FIGURE_COLUMNS]  # fmt: skip
STANDARD_CYCLE_COLUMNS = ["code", "standard", "cycle_year", "cycle",
                          *FIGURE_COLUMNS]  # fmt: skip
TOO_FEW = "too few ratings to judge"
KAPPA_UNDEFINED = (
    "Weighted kappa is undefined (left empty) when every rating compared, the "
    "reviewers' and the consensus, sits at one and the same level: chance alone "
    "would then agree every time, so agreement cannot be told from chance."
)
# The figures the tables across cycles can show, with their labels.
MOVEMENT_FIGURES = {
    "exact": "Exact agreement",
    "adjacent": "Within one level",
    "kappa": "Weighted kappa",
    "lean": "Lean (levels)",
    "pair_exact": "Reviewers agreeing with each other",
}
# A difference from the bound smaller than this is rounding, not "below".
_TOLERANCE = 1e-9


def calibration_rules(store: Store) -> list[str]:
    """How the figures are computed and when they are flagged, in the page's
    words, with the district's thresholds."""
    return _rules(district_settings(store))


def _rules(limits: dict[str, float]) -> list[str]:
    agreement = _percent(limits["calibration_agreement_below"])
    kappa = f"{limits['calibration_kappa_below']:g}"
    least = int(limits["calibration_min_ratings"])
    return [
        "Only published reviews count. Each reviewer's rating of a standard is "
        "compared with the team's consensus rating of that standard in the same "
        "review; a rating of a standard the review gave no consensus is compared "
        "with the other reviewers only. n is the number of ratings compared.",
        "Exact agreement is the share of the ratings compared that equal the "
        "consensus; within one level (adjacent agreement) the share no more than "
        "one level away from it, exact ones included.",
        "Between reviewers: every pair of reviewers who rated the same standard "
        "of the same review, counted once, and the shares of those pairs that "
        "gave the same level and levels within one of each other.",
        "Weighted kappa is Cohen's kappa with quadratic weights, over the k "
        "levels of the district's rating scale: kappa = 1 − Σ w·O / Σ w·E, where "
        "O(i, j) is the share of ratings compared in which the reviewer gave the "
        "i-th level and the consensus the j-th, E(i, j) = (share of the "
        "reviewer's ratings at i) × (share of the consensus at j) is what chance "
        "alone would give, and w(i, j) = (i − j)² / (k − 1)². 1 is full "
        "agreement, 0 no better than chance, below 0 worse than chance. A "
        "reviewer's kappa pools all their ratings compared; a standard's pools "
        "every reviewer's ratings of it.",
        KAPPA_UNDEFINED,
        "Lean is the mean of the reviewer's level minus the consensus level: "
        "below zero the reviewer rates harsher than the team, above zero more "
        'lenient ("harsher by 0.4 levels on average").',
        f"Flagged: exact agreement below {agreement}, or weighted kappa below "
        f"{kappa}, for a reviewer or standard with at least {least} ratings "
        f"compared; with fewer, {TOO_FEW}. The thresholds are district settings. "
        "A flag starts a calibration conversation; it is not a verdict.",
        "Across cycles: the same figures within each cycle (the school year a "
        "review belongs to).",
    ]


def weighted_kappa(
    rater: Sequence[int], consensus: Sequence[int], levels: Sequence[int]
) -> float | None:
    """Cohen's kappa with quadratic weights between paired ratings.

    Over the k levels of the scale (``levels``, with any level rated but not on
    it added in order), with i and j the places of two levels on it:

        kappa = 1 − Σ w(i, j)·O(i, j) / Σ w(i, j)·E(i, j)
        w(i, j) = (i − j)² / (k − 1)²
        E(i, j) = (Σ_j' O(i, j')) · (Σ_i' O(i', j))

    where O(i, j) is the share of pairs rated i by ``rater`` and j by
    ``consensus``. None when there is nothing to compare or the expected
    disagreement Σ w·E is 0 (every rating at one and the same level, or a
    one-level scale): kappa is then undefined.
    """
    scale = sorted(set(levels) | set(rater) | set(consensus))
    count = len(scale)
    if len(rater) == 0 or count < 2:
        return None
    place = {level: index for index, level in enumerate(scale)}
    observed = np.zeros((count, count))
    rows = [place[level] for level in rater]
    columns = [place[level] for level in consensus]
    np.add.at(observed, (rows, columns), 1.0)
    observed /= observed.sum()
    expected = np.outer(observed.sum(axis=1), observed.sum(axis=0))
    i, j = np.indices((count, count))
    weights = (i - j) ** 2 / (count - 1) ** 2
    chance = float((weights * expected).sum())
    if chance == 0:
        return None
    return _rounded(1 - float((weights * observed).sum()) / chance)


def lean_words(lean: float | None) -> str:
    """A lean in words: 'harsher by 0.4 levels on average', 'more lenient by
    0.2 levels on average', or in line with the consensus ('' if none)."""
    if lean is None or pd.isna(lean):
        return ""
    size = f"{abs(lean):.1f}"
    if size == "0.0":
        return "in line with the consensus on average"
    way = "harsher" if lean < 0 else "more lenient"
    return f"{way} by {size} levels on average"


def judgement(
    n: int, exact: float | None, kappa: float | None, limits: dict[str, float]
) -> str:
    """The flag of a reviewer or standard: which figures fall below the
    district's thresholds ('' if none), or too few ratings to judge."""
    if n < limits["calibration_min_ratings"]:
        return TOO_FEW
    reasons = []
    if _below(exact, limits["calibration_agreement_below"]):
        reasons.append(
            f"exact agreement below {_percent(limits['calibration_agreement_below'])}"
        )
    if _below(kappa, limits["calibration_kappa_below"]):
        reasons.append(f"weighted kappa below {limits['calibration_kappa_below']:g}")
    return "; ".join(reasons)


# -- the whole picture -------------------------------------------------------------


@dataclass(frozen=True)
class Calibration:
    """Calibration in all cycles (``cycle_year`` None) or one: the district's
    figures, a row per reviewer and per standard (with the flag), a row per
    cycle, per reviewer and cycle and per standard and cycle, the flags as
    sentences, the rules, and the district's thresholds."""

    cycle_year: int | None
    summary: dict[str, float | int | None]
    reviewers: pd.DataFrame
    standards: pd.DataFrame
    cycles: pd.DataFrame
    reviewer_cycles: pd.DataFrame
    standard_cycles: pd.DataFrame
    reviewer_flags: list[str]
    standard_flags: list[str]
    rules: list[str]
    limits: dict[str, float]

    @property
    def flags(self) -> pd.DataFrame:
        """Every flag as a row: what it is about (reviewer or standard) and the
        sentence."""
        about = ["reviewer"] * len(self.reviewer_flags) + ["standard"] * len(
            self.standard_flags
        )
        return pd.DataFrame(
            {"about": about, "flag": self.reviewer_flags + self.standard_flags},
            columns=["about", "flag"],
        )


def require_central_office(store: Store, user: User | None) -> User:
    """The user as stored, if an active central office user; else PermissionDenied."""
    user = of_record(store, user)
    if user is None or not user.active:
        raise PermissionDenied("Sign in to see how reviewers' ratings agree.")
    if user.role != Role.CENTRAL_OFFICE:
        raise PermissionDenied(
            f"A {user.role.label.lower()} cannot see reviewer calibration: it "
            "compares reviewers across every review, which is for the central "
            "office."
        )
    return user


def cycle_choices(store: Store, user: User | None) -> list[int]:
    """The cycle years of published reviews holding reviewers' ratings, newest
    first."""
    require_central_office(store, user)
    return sorted(store.reviewer_rating_cycles(), reverse=True)


def calibration(
    store: Store, user: User | None, cycle_year: int | None = None
) -> Calibration:
    """Reviewer calibration over the published reviews of every cycle, or of
    ``cycle_year`` only: per reviewer and per standard, ratings compared with
    the consensus (n), exact and adjacent agreement, weighted kappa, lean, the
    pairs of reviewers and their agreement, and the flag; the same figures per
    cycle. See ``calibration_rules`` for how each is computed."""
    require_central_office(store, user)
    limits = district_settings(store)
    levels = [int(level) for level in store.rating_scale()["level"]]
    ratings = store.reviewer_levels(cycle_year)  # names apart: read once each
    listed = store.standards()
    named = store.user_names(ratings["reviewer_id"].unique().tolist())
    names = reviewer_names(ratings, named)
    titles = standard_names(ratings, listed)
    order = {int(sid): place for place, sid in enumerate(listed["id"])}
    rated = _Rated(ratings, levels)
    reviewers = _by_reviewer(rated.figures(["reviewer_id"]), limits, names)
    standards = _by_standard(rated.figures(["standard_id"]), limits, order, titles)
    return Calibration(
        cycle_year=cycle_year,
        summary=_summary(rated.figures([]), ratings),
        reviewers=reviewers,
        standards=standards,
        cycles=_by_cycle(rated.figures(["cycle_year"]), ratings),
        reviewer_cycles=_by_reviewer_and_cycle(
            rated.figures(["reviewer_id", "cycle_year"]), names
        ),
        standard_cycles=_by_standard_and_cycle(
            rated.figures(["standard_id", "cycle_year"]), order, titles
        ),
        reviewer_flags=[
            flag_sentence(row.reviewer, row, limits)
            for row in reviewers.itertuples()
            if row.flag and row.flag != TOO_FEW
        ],
        standard_flags=[
            flag_sentence(f"{row.code} {row.standard}", row, limits)
            for row in standards.itertuples()
            if row.flag and row.flag != TOO_FEW
        ],
        rules=_rules(limits),
        limits=limits,
    )


def flag_sentence(who: str, row, limits: dict[str, float]) -> str:
    """'Ben Birch: exact agreement 33% is below the district's 60% (6 ratings
    compared; harsher by 0.7 levels on average).'"""
    agreement = limits["calibration_agreement_below"]
    kappa = limits["calibration_kappa_below"]
    parts = []
    if _below(row.exact, agreement):
        parts.append(
            f"exact agreement {_percent_beside(row.exact, agreement)} is below "
            f"the district's {_percent(agreement)}"
        )
    if _below(row.kappa, kappa):
        parts.append(
            f"weighted kappa {_number_beside(row.kappa, kappa)} is below the "
            f"district's {kappa:g}"
        )
    ratings = "rating" if row.n == 1 else "ratings"
    return (
        f"{who}: {' and '.join(parts)} ({row.n} {ratings} compared; {row.lean_words})."
    )


def summary_line(summary: dict, scope: str) -> str:
    """The district's figures in a sentence, for ``scope`` ('all cycles' or a
    cycle's label)."""
    if summary["reviewers"] == 0:
        return f"No published review in {scope} holds a reviewer's rating."
    kappa = summary["kappa"]
    line = (
        f"{summary['ratings_compared']} ratings compared from "
        f"{summary['reviewers']} reviewers in {scope}"
    )
    if summary["ratings_compared"]:
        line += (
            f": exact agreement {summary['exact']:.0%}, within one level "
            f"{summary['adjacent']:.0%}, weighted kappa "
            + ("undefined" if kappa is None else f"{kappa:.2f}")
        )
    if summary["pairs"]:
        line += (
            f"; {summary['pairs']} pairs of reviewers, "
            f"{summary['pair_exact']:.0%} at the same level"
        )
    return line + "."


def movement(table: pd.DataFrame, by: str, figure: str) -> pd.DataFrame:
    """A per-cycle table (``reviewer_cycles`` or ``standard_cycles``) as one row
    per reviewer or standard and one column per cycle, oldest first, each cell
    the figure and, in brackets, the ratings (or pairs) it is over; empty where
    there are none."""
    keys = ["reviewer_id", "reviewer"] if by == "reviewer" else ["code", "standard"]
    over = "pairs" if figure.startswith("pair") else "n"
    cells = table.assign(
        cell=[_cell(figure, value, n) for value, n in zip(
            table[figure], table[over], strict=True)]
    )  # fmt: skip
    cycles = [cycle_label(year) for year in sorted(table["cycle_year"].unique())]
    rows = table[keys].drop_duplicates()
    wide = cells.pivot(index=keys, columns="cycle", values="cell")
    wide = wide.reindex(columns=cycles).reset_index()
    wide = rows.merge(wide, on=keys, how="left")
    wide.columns.name = None
    return wide[[*keys, *cycles]].fillna("").reset_index(drop=True)


# -- the figures -------------------------------------------------------------------


def reviewer_pairs(ratings: pd.DataFrame) -> pd.DataFrame:
    """Every pair of different reviewers who rated the same standard of the
    same review, once (the lower reviewer id first), with both levels."""
    first, second = _pair_rows(ratings)
    keep = ["review_id", "cycle_year", "standard_id", "reviewer_id", "level"]
    pairs = ratings[keep].iloc[first].reset_index(drop=True)
    other = ratings.iloc[second]
    return pairs.assign(
        other_id=other["reviewer_id"].to_numpy(),
        other_level=other["level"].to_numpy(),
    )


def _pair_rows(ratings: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Each pair of ``reviewer_pairs`` as the positions of its two ratings,
    the lower reviewer id's first."""
    columns = ["review_id", "cycle_year", "standard_id", "reviewer_id"]
    values = [ratings[column].to_numpy() for column in columns]
    if _in_order(values):  # as the store reads them
        order = np.arange(len(ratings))
    else:
        order = np.lexsort(values[::-1])
        values = [value[order] for value in values]
    review, cycle, standard, reviewer = values
    starts = np.ones(len(order), dtype=bool)
    starts[1:] = (
        (review[1:] != review[:-1])
        | (cycle[1:] != cycle[:-1])
        | (standard[1:] != standard[:-1])
    )
    block = np.cumsum(starts) - 1
    ends = np.append(np.flatnonzero(starts)[1:], len(order))[block]
    later = ends - np.arange(len(order)) - 1  # the ratings after each in its block
    first = np.repeat(np.arange(len(order)), later)
    step = np.arange(len(first)) - np.repeat(np.cumsum(later) - later, later)
    second = first + 1 + step
    apart = reviewer[first] < reviewer[second]  # one reviewer twice is no pair
    return order[first[apart]], order[second[apart]]


def _in_order(columns: list[np.ndarray]) -> bool:
    """Whether the rows are sorted by the columns, the first first."""
    if len(columns[0]) < 2:
        return True
    tied = np.ones(len(columns[0]) - 1, dtype=bool)  # with the row before
    for column in columns:
        later, earlier = column[1:], column[:-1]
        if np.any(tied & (later < earlier)):
            return False
        tied &= later == earlier
    return True


class _Rated:
    """The ratings in scope as arrays, each pair of reviewers as the positions
    of its two ratings: what every grouping's figures are counted from, so
    that the six tables share one reading of the rows."""

    def __init__(self, ratings: pd.DataFrame, levels: Sequence[int]):
        self.ratings = ratings
        self.levels = levels
        consensus = ratings["consensus"].to_numpy(dtype=float)
        self.compared = ~np.isnan(consensus)
        level = ratings["level"].to_numpy(dtype=float)
        self.gap = level[self.compared] - consensus[self.compared]
        self.rater = level[self.compared].astype("int64")
        self.consensus = consensus[self.compared].astype("int64")
        self.first, self.second = _pair_rows(ratings)
        self.distance = np.abs(level[self.first] - level[self.second])

    def figures(self, keys: list[str]) -> pd.DataFrame:
        """``FIGURE_COLUMNS`` per group of ``keys`` with ratings, in the order
        the groups first appear: over the group's ratings compared with the
        consensus, and over the pairs of reviewers holding one of its
        ratings (a pair whose two ratings fall in two groups, as with keys
        that hold the reviewer, counts in both)."""
        numbers = key_numbers(self.ratings, keys)
        first = first_rows(numbers)
        groups = len(first)
        seen = np.argsort(first, kind="stable")  # the groups as they first appear
        place = np.empty(groups, dtype=np.int64)
        place[seen] = np.arange(groups)
        group = place[numbers]
        table = self.ratings[keys].iloc[first[seen]].reset_index(drop=True)
        compared = group[self.compared]
        sizes = np.bincount(compared, minlength=groups)
        table["n"] = sizes.astype("int64")
        # The sums are of whole numbers and flags, so each mean is the same to
        # the last bit whatever order they are summed in.
        for name, values in {
            "exact": self.gap == 0,
            "adjacent": np.abs(self.gap) <= 1,
            "lean": self.gap,
        }.items():
            table[name] = _means(compared, values, sizes)
        kappas = _kappas(compared, self.rater, self.consensus, groups, self.levels)
        table["kappa"] = np.array(
            [np.nan if kappa is None else kappa for kappa in kappas], dtype="float64"
        )
        one, two = group[self.first], group[self.second]
        apart = one != two
        within = np.concatenate([one, two[apart]])
        distance = np.concatenate([self.distance, self.distance[apart]])
        counted = np.bincount(within, minlength=groups)
        table["pairs"] = counted.astype("int64")
        table["pair_exact"] = _means(within, distance == 0, counted)
        table["pair_adjacent"] = _means(within, distance <= 1, counted)
        return table[[*keys, *FIGURE_COLUMNS]]


def _means(group: np.ndarray, values: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """Each group's mean of ``values`` (NaN for a group without any)."""
    sums = np.bincount(group, weights=values.astype("float64"), minlength=len(sizes))
    with np.errstate(invalid="ignore"):
        return sums / np.where(sizes == 0, np.nan, sizes)


def agreement(
    ratings: pd.DataFrame, keys: list[str], levels: Sequence[int]
) -> pd.DataFrame:
    """``FIGURE_COLUMNS`` per group of ``keys`` (every group that has ratings,
    in the order they first appear): over its ratings compared with the
    consensus, and over the pairs of reviewers holding one of its ratings
    (pure, for tests)."""
    return _Rated(ratings, levels).figures(keys)


def _kappas(
    group: np.ndarray,
    rater: np.ndarray,
    consensus: np.ndarray,
    groups: int,
    levels: Sequence[int],
) -> list[float | None]:
    """``weighted_kappa`` of each of ``groups`` groups from each compared
    rating's group, level and consensus level (None for a group without any).

    A group rating a level off the scale has a scale of its own and is worked
    out alone; every other group shares the scale, so its confusion matrix is
    one slice of an array of them all, summed in the same order as
    ``weighted_kappa`` sums one, which gives the same value to the last bit."""
    scale = np.array(sorted(set(levels)), dtype="int64")
    count = len(scale)
    on_scale = np.isin(rater, scale) & np.isin(consensus, scale)
    alone = set(np.unique(group[~on_scale]).tolist())
    kappas: list[float | None] = [None] * groups
    if count >= 2:
        shared = on_scale & ~np.isin(group, list(alone))
        for index, kappa in _shared_scale_kappas(
            group[shared],
            np.searchsorted(scale, rater[shared]),
            np.searchsorted(scale, consensus[shared]),
            groups,
            count,
        ):
            kappas[index] = kappa
    for index in sorted(alone):
        rows = group == index
        kappas[index] = weighted_kappa(
            rater[rows].tolist(), consensus[rows].tolist(), levels
        )
    return kappas


def _shared_scale_kappas(
    group: np.ndarray, rows: np.ndarray, columns: np.ndarray, groups: int, count: int
) -> list[tuple[int, float | None]]:
    """(group, kappa) for each group with ratings, from each rating's group and
    places on a scale of ``count`` levels; the steps are ``weighted_kappa``'s."""
    cells = (group * count + rows) * count + columns
    flat = np.bincount(cells, minlength=groups * count * count).astype("float64")
    sizes = np.bincount(group, minlength=groups)
    totals = np.maximum(sizes, 1).astype("float64")[:, None, None]
    observed = flat.reshape(groups, count, count) / totals
    expected = observed.sum(axis=2)[:, :, None] * observed.sum(axis=1)[:, None, :]
    i, j = np.indices((count, count))
    weights = (i - j) ** 2 / (count - 1) ** 2
    square = count * count
    chance = (weights * expected).reshape(groups, square).sum(axis=1)
    seen = (weights * observed).reshape(groups, square).sum(axis=1)
    kappas = 1 - seen / np.where(chance == 0, 1.0, chance)
    return [
        (index, None if chance[index] == 0 else _rounded(float(kappas[index])))
        for index in np.flatnonzero(sizes).tolist()
    ]


def _rounded(kappa: float) -> float:
    return round(kappa, 12) + 0.0  # float noise off, and no "-0.00"


# Each table below is shaped from ``_Rated.figures`` (or from anything that
# gives the same figures) of its keys.


def _by_reviewer(table, limits, names) -> pd.DataFrame:
    table = table.merge(names, on="reviewer_id")
    table = _judged(table, limits).sort_values(["reviewer", "reviewer_id"])
    return table[REVIEWER_COLUMNS].reset_index(drop=True)


def _by_standard(table, limits, order, titles) -> pd.DataFrame:
    table = table.merge(titles, on="standard_id")
    table = _judged(table, limits)
    table = table.assign(place=table["standard_id"].map(order)).sort_values("place")
    return table[STANDARD_COLUMNS].reset_index(drop=True)


def _by_cycle(table, ratings) -> pd.DataFrame:
    counts = ratings.groupby("cycle_year")["reviewer_id"].nunique()
    table = table.assign(
        cycle=table["cycle_year"].map(cycle_label),
        reviewers=table["cycle_year"].map(counts).astype("int64"),
    ).sort_values("cycle_year")
    return table[CYCLE_COLUMNS].reset_index(drop=True)


def _by_reviewer_and_cycle(table, names) -> pd.DataFrame:
    table = table.merge(names, on="reviewer_id")
    table = table.assign(cycle=table["cycle_year"].map(cycle_label))
    table = table.sort_values(["reviewer", "reviewer_id", "cycle_year"])
    return table[REVIEWER_CYCLE_COLUMNS].reset_index(drop=True)


def _by_standard_and_cycle(table, order, titles) -> pd.DataFrame:
    table = table.merge(titles, on="standard_id")
    table = table.assign(
        cycle=table["cycle_year"].map(cycle_label),
        place=table["standard_id"].map(order),
    ).sort_values(["place", "cycle_year"])
    return table[STANDARD_CYCLE_COLUMNS].reset_index(drop=True)


def _summary(everything, ratings) -> dict[str, float | int | None]:
    """The district's figures over everything in scope (the figures of no
    keys), as plain numbers (None where there is nothing to compute them
    over)."""
    summary = {"ratings_compared": int(ratings["consensus"].notna().sum()),
               "reviewers": int(ratings["reviewer_id"].nunique())}  # fmt: skip
    if ratings.empty:
        figures = dict.fromkeys(FIGURE_COLUMNS)
    else:
        figures = everything.iloc[0][FIGURE_COLUMNS].to_dict()
    for key, value in figures.items():
        if key in ("n", "pairs"):
            summary[key] = int(value or 0)
        else:
            summary[key] = None if value is None or pd.isna(value) else float(value)
    summary.pop("n")
    return summary


def _judged(table: pd.DataFrame, limits: dict[str, float]) -> pd.DataFrame:
    return table.assign(
        lean_words=[lean_words(lean) for lean in table["lean"]],
        flag=[
            judgement(row.n, row.exact, row.kappa, limits) for row in table.itertuples()
        ],
    )


def reviewer_names(ratings: pd.DataFrame, users: pd.DataFrame) -> pd.DataFrame:
    """Each reviewer of the ratings once (reviewer_id, reviewer), named from the
    users' rows (id, name); a reviewer without one is 'User <id>'."""
    first = ratings[["reviewer_id"]].drop_duplicates("reviewer_id")
    known = dict(zip(users["id"].tolist(), users["name"].tolist(), strict=True))
    names = [known.get(int(rid)) for rid in first["reviewer_id"]]
    named = [
        f"User {rid}" if name is None or pd.isna(name) else name
        for rid, name in zip(first["reviewer_id"], names, strict=True)
    ]
    return first.assign(reviewer=pd.Series(named, index=first.index, dtype=object))


def standard_names(ratings: pd.DataFrame, standards: pd.DataFrame) -> pd.DataFrame:
    """Each standard of the ratings once (standard_id, code, standard)."""
    first = ratings[["standard_id"]].drop_duplicates("standard_id")
    listed = standards[["id", "code", "name"]].rename(
        columns={"id": "standard_id", "name": "standard"}
    )
    return first.merge(listed, on="standard_id", how="left")


# -- words -------------------------------------------------------------------------


def _below(value: float | None, bound: float) -> bool:
    """Whether a figure is below the bound by more than rounding (None and NaN,
    undefined figures, never are)."""
    if value is None or pd.isna(value):
        return False
    return value < bound - _TOLERANCE


def _percent(share: float) -> str:
    """0.6 as '60%', 0.625 as '62.5%'."""
    return f"{share * 100:.4g}%"


def _percent_beside(value: float, bound: float) -> str:
    """A share to as many decimals as it takes not to read as the bound."""
    for digits in (0, 1, 2):
        text = f"{value:.{digits}%}"
        if text != f"{bound:.{digits}%}":
            return text
    return f"{value:.3%}"


def _number_beside(value: float, bound: float) -> str:
    for digits in (2, 3, 4):
        text = f"{value:.{digits}f}"
        if text != f"{bound:.{digits}f}":
            return text
    return f"{value:.5f}"


def _cell(figure: str, value: float, n: int) -> str:
    if n == 0:
        return ""
    if pd.isna(value):
        return f"undefined ({n})"
    if figure == "kappa":
        return f"{value:.2f} ({n})"
    if figure == "lean":
        return f"{value:+.2f} ({n})"
    return f"{value:.0%} ({n})"
