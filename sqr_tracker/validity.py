"""Do the ratings mean something? Whether schools rated higher on a standard
also do better on a measure, how often the school's self-reflection and the
review team disagree, and, over every standard and measure, where the ratings
and the numbers go together.

The central office compares every school, a network lead the schools of their
network; no other role is served, since school-facing views never compare
schools. Only published reviews count.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from sqr_tracker.auth import PERMISSIONS, Action, Scope, of_record, visible_school_ids
from sqr_tracker.errors import NotFound, PermissionDenied
from sqr_tracker.growth import TOTAL_GROUP, small_group_threshold
from sqr_tracker.measures import suppress_small_groups
from sqr_tracker.models import User
from sqr_tracker.store import Store

# Fewer schools than this give no correlation, only a sentence saying so.
MIN_SCHOOLS = 10
# A school's outcome: its measure's mean over these months up to its review.
WINDOW_MONTHS = 12
# Below each bound of |rho|, the word for the strength of the relation.
STRENGTHS = ((0.1, "no"), (0.3, "weak"), (0.5, "moderate"))
STRONG = "strong"
POINT_COLUMNS = ["school", "network", "rating", "rating_label", "outcome", "periods"]
DISAGREEMENT_COLUMNS = [
    "code", "standard", "reviews", "differ_share", "self_higher_share", "mean_gap",
]  # fmt: skip
MATRIX_COLUMNS = [
    "code", "standard", "measure", "higher_is_better", "n", "rho", "strength",
    "direction",
]  # fmt: skip


def rules(store: Store) -> list[str]:
    """How ratings and outcomes are paired and read, in the page's words."""
    threshold = small_group_threshold(store)
    return [
        "A school's rating is the consensus rating on the standard in its latest "
        "published review.",
        f"Its outcome is the mean of the measure's values for all students in the "
        f"periods starting in the {WINDOW_MONTHS} months up to the day that review "
        f"was published; a period with fewer than {threshold} students is left "
        "out, and a school with no period left is not counted.",
        "The relation is Spearman's rank correlation (rho, from -1 to +1): the "
        "ratings and the outcomes are ranked, tied values sharing their mean "
        f"rank, and the ranks correlated. With fewer than {MIN_SCHOOLS} schools "
        "no correlation is given.",
        "Strength: |rho| under 0.1 no relation, under 0.3 weak, under 0.5 "
        "moderate, else strong. The good direction is the measure's: higher "
        "attendance is better, a higher suspension rate is worse.",
    ]


def comparison_scope(store: Store, user: User | None) -> list[int] | None:
    """The schools the user compares (None: every school); PermissionDenied
    for a user who follows no group of schools."""
    user = of_record(store, user)
    if user is None or not user.active:
        raise PermissionDenied("Sign in to compare ratings with outcomes.")
    scope = PERMISSIONS[Action.READ_SCHOOL].get(user.role)
    if scope not in (Scope.ANY, Scope.OWN_NETWORK):
        raise PermissionDenied(
            f"A {user.role.label.lower()} cannot compare ratings and outcomes "
            "across schools: that is for the central office and network leads."
        )
    return visible_school_ids(store, user)


def choices(store: Store, user: User | None) -> tuple[dict[int, str], dict[int, str]]:
    """The standards published reviews rated ('S1 · name', in order) and the
    measures, by id."""
    comparison_scope(store, user)
    rated = store.rated_standards()
    measures = store.measures()
    return (
        {int(r.id): f"{r.code} · {r.name}" for r in rated.itertuples()},
        dict(zip(measures["id"].astype(int), measures["name"], strict=True)),
    )


# -- one standard and one measure --------------------------------------------------


@dataclass(frozen=True)
class Relation:
    """Ratings on one standard beside one measure, one point per school (by
    school name), with Spearman's rho (None when there are too few schools or
    nothing varies) and the sentence that reads it."""

    standard: dict
    measure: dict
    points: pd.DataFrame
    n: int
    rho: float | None
    words: str
    levels: dict[int, str]


@dataclass(frozen=True)
class Readings:
    """What the page's questions rest on, read once for a user: the schools
    they compare (None: every school), the consensus ratings of each school's
    latest published review and the schools' outcomes per measure."""

    scope: list[int] | None
    ratings: pd.DataFrame
    outcomes: pd.DataFrame


def readings(store: Store, user: User | None) -> Readings:
    """The ratings and outcomes of the schools the user compares."""
    scope = comparison_scope(store, user)
    ratings, outcomes = _ratings_and_outcomes(store, scope)
    return Readings(scope, ratings, outcomes)


def ratings_and_outcomes(
    store: Store, user: User | None, standard_id: int, measure_id: int
) -> Relation:
    """Per school in scope with a latest published consensus rating on the
    standard and an outcome on the measure (see ``rules``): the points, their
    number, Spearman's rho and its reading in plain words."""
    return relation_of(store, readings(store, user), standard_id, measure_id)


def relation_of(
    store: Store, read: Readings, standard_id: int, measure_id: int
) -> Relation:
    """``ratings_and_outcomes`` from ratings and outcomes already read."""
    standard = _one(store.standards(), standard_id, "standard")
    measure = _one(store.measures(), measure_id, "measure")
    levels = _levels(store)
    points = pair(read.ratings, read.outcomes, standard_id, measure_id)
    schools = store.schools(read.scope).set_index("id")
    points = points.assign(
        school=points["school_id"].map(schools["name"]),
        network=points["school_id"].map(schools["network"]),
        rating_label=points["rating"].map(levels),
    ).sort_values(["school", "school_id"])[POINT_COLUMNS]
    rho = spearman(points["rating"], points["outcome"])
    n = len(points)
    words = relation_words(
        rho, n, standard["code"], measure["name"], measure["higher_is_better"]
    )
    return Relation(
        standard,
        measure,
        points.reset_index(drop=True),
        n,
        rho if n >= MIN_SCHOOLS else None,
        words,
        levels,
    )


def outcomes_of(
    ratings: pd.DataFrame, values: pd.DataFrame, threshold: int
) -> pd.DataFrame:
    """Per school and measure: the mean of the all-students values whose period
    starts in the ``WINDOW_MONTHS`` months up to the publication day of the
    school's latest review, periods under ``threshold`` students left out, and
    how many periods the mean is over (pure, for tests)."""
    reviews = ratings[["school_id", "published_on"]].drop_duplicates("school_id")
    joined = values.merge(reviews, on="school_id")
    published = pd.to_datetime(joined["published_on"])
    period = pd.to_datetime(joined["period"])
    shown = ~suppress_small_groups(
        joined.assign(student_group=TOTAL_GROUP),  # every row is all students
        threshold=threshold,
        value_columns=["value"],
        total_group=TOTAL_GROUP,
        by=["school_id", "measure_id", "period"],
    )["suppressed"]
    inside = (
        (period <= published)
        & (period > published - pd.DateOffset(months=WINDOW_MONTHS))
        & shown
    )
    kept = joined[inside]
    return (
        kept.groupby(["school_id", "measure_id"], as_index=False)
        .agg(outcome=("value", "mean"), periods=("value", "size"))
        .astype({"periods": "int64"})
    )


def pair(
    ratings: pd.DataFrame, outcomes: pd.DataFrame, standard_id: int, measure_id: int
) -> pd.DataFrame:
    """The schools with both a rating on the standard and an outcome on the
    measure: school_id, rating, outcome, periods."""
    rated = ratings[ratings["standard_id"] == standard_id][["school_id", "rating"]]
    measured = outcomes[outcomes["measure_id"] == measure_id]
    joined = rated.merge(measured[["school_id", "outcome", "periods"]], on="school_id")
    return joined.astype({"rating": "int64"})


def spearman(x: pd.Series, y: pd.Series) -> float | None:
    """Spearman's rho: Pearson's correlation of the average ranks; None when
    there are fewer than two points or either side does not vary."""
    rho = x.rank().corr(y.rank())
    return None if pd.isna(rho) else float(rho)


def strength_of(rho: float) -> str:
    """'no', 'weak', 'moderate' or 'strong', by |rho| (see ``STRENGTHS``)."""
    for bound, word in STRENGTHS:
        if abs(rho) < bound:
            return word
    return STRONG


def direction_of(rho: float, higher_is_better: bool | None) -> str:
    """'good' when schools rated higher do better on the measure, 'against'
    when they do worse, '' when there is no relation or no good direction."""
    if strength_of(rho) == "no" or higher_is_better is None or rho == 0:
        return ""
    return "good" if (rho > 0) == bool(higher_is_better) else "against"


def relation_words(
    rho: float | None,
    n: int,
    code: str,
    measure: str,
    higher_is_better: bool | None,
) -> str:
    """The relation in a sentence: too few schools, nothing to relate, or rho
    with its strength and whether it runs the measure's good way."""
    name = _lower_first(measure)
    if n < MIN_SCHOOLS:
        return (
            f"Too few schools to say: {n:,} have both a consensus rating on {code} "
            f"and values of {name}, and a correlation needs at least {MIN_SCHOOLS}."
        )
    if rho is None:
        return (
            f"No relation can be measured across {n:,} schools: their ratings on "
            f"{code}, or their values of {name}, are all the same."
        )
    strength = strength_of(rho)
    head = f"Spearman's rho {rho:+.2f} across {n:,} schools"
    if strength == "no":
        return f"{head}: no relation between the rating on {code} and {name}."
    way = {
        "good": "in the measure's good direction",
        "against": "against the measure's good direction",
        "": "(the measure has no good direction)",
    }[direction_of(rho, higher_is_better)]
    higher = "higher" if rho > 0 else "lower"
    return (
        f"{head}: a {strength} relation, {way}: schools rated higher on {code} "
        f"tend to have a {higher} {name}."
    )


# -- self-reflection and the team --------------------------------------------------


def self_team_disagreement(store: Store, user: User | None) -> pd.DataFrame:
    """Per standard, over the published reviews in scope that hold both the
    school's self-reflection and the team's consensus rating: reviews compared,
    the share where the two differ, the share where the self-reflection is
    higher (a blind spot), and the mean absolute gap in levels."""
    found = store.self_and_consensus(comparison_scope(store, user))
    return disagreement_of(found, _standard_order(store))


def disagreement_of(found: pd.DataFrame, order: dict[int, int]) -> pd.DataFrame:
    """The disagreement table from the store's rows (pure, for tests)."""
    both = found.dropna(subset=["self", "consensus"])
    gap = both["self"].astype(float) - both["consensus"].astype(float)
    table = (
        both.assign(
            differ=gap != 0,
            self_higher=gap > 0,
            gap=gap.abs(),
            place=both["standard_id"].map(order),
        )
        .groupby(["place", "code", "standard"], as_index=False)
        .agg(
            reviews=("review_id", "nunique"),
            differ_share=("differ", "mean"),
            self_higher_share=("self_higher", "mean"),
            mean_gap=("gap", "mean"),
        )
        .sort_values("place")
    )
    return (
        table[DISAGREEMENT_COLUMNS].astype({"reviews": "int64"}).reset_index(drop=True)
    )


# -- every standard and measure ----------------------------------------------------


def trust_matrix(store: Store, user: User | None) -> pd.DataFrame:
    """For every standard published reviews rated and every measure: n,
    Spearman's rho (None under ``MIN_SCHOOLS`` schools or when nothing varies),
    its strength and its direction ('good', 'against' or ''), one row each, in
    the standards' order and then the measures'."""
    return matrix_of(store, readings(store, user))


def matrix_of(store: Store, read: Readings) -> pd.DataFrame:
    """``trust_matrix`` from ratings and outcomes already read."""
    measures = store.measures()
    by_standard = _split(read.ratings, "standard_id", "rating")
    by_measure = _split(read.outcomes, "measure_id", "outcome")
    rows = []
    for standard in store.rated_standards().itertuples():
        rated = by_standard.get(int(standard.id), _NONE)
        for measure in measures.itertuples():
            n, rho = paired_rho(rated, by_measure.get(int(measure.id), _NONE))
            rho = rho if n >= MIN_SCHOOLS else None
            rows.append(
                {
                    "code": standard.code,
                    "standard": standard.name,
                    "measure": measure.name,
                    "higher_is_better": measure.higher_is_better,
                    "n": n,
                    "rho": rho,
                    "strength": "" if rho is None else strength_of(rho),
                    "direction": ""
                    if rho is None
                    else direction_of(rho, measure.higher_is_better),
                }
            )
    return pd.DataFrame(rows, columns=MATRIX_COLUMNS).astype({"rho": "float64"})


_NONE = pd.Series([], dtype="float64", index=pd.Index([], dtype="int64"))


def _split(frame: pd.DataFrame, by: str, column: str) -> dict[int, pd.Series]:
    """One column of a frame per value of ``by``, indexed by school, in order."""
    return {
        int(key): part.set_index("school_id")[column]
        for key, part in frame.groupby(by, sort=False)
    }


def paired_rho(rated: pd.Series, measured: pd.Series) -> tuple[int, float | None]:
    """The number of schools with both a rating and an outcome (each indexed by
    school) and Spearman's rho over them: ``pair``'s rows, in its order."""
    both = rated.index.isin(measured.index)
    ratings = rated[both].astype("int64").reset_index(drop=True)
    outcomes = measured.reindex(rated.index[both]).reset_index(drop=True)
    return len(ratings), spearman(ratings, outcomes)


def matrix_table(matrix: pd.DataFrame) -> pd.DataFrame:
    """The long matrix as one row per measure, saying whether higher or lower
    values are better, and one column per standard (by code); each cell
    'rho (n)', 'too few (n)' or 'no spread (n)'."""
    cells = matrix.assign(cell=[_cell(row.rho, row.n) for row in matrix.itertuples()])
    return _wide(cells, "cell", _better(matrix))


def matrix_agreement(matrix: pd.DataFrame) -> pd.DataFrame:
    """The shape of ``matrix_table`` holding, per cell, rho turned so that a
    positive value means schools rated higher do better on the measure (empty
    where there is no rho or no good direction), for colouring the table."""
    sign = matrix["higher_is_better"].map({True: 1.0, False: -1.0})
    cells = matrix.assign(agreement=matrix["rho"] * sign.astype(float))
    return _wide(cells, "agreement", [""] * matrix["measure"].nunique())


def _better(matrix: pd.DataFrame) -> list[str]:
    """'higher' or 'lower' per measure, in the matrix's order."""
    first = matrix.drop_duplicates("measure")
    words = {True: "higher", False: "lower"}
    return [words.get(value, "") for value in first["higher_is_better"]]


def _wide(cells: pd.DataFrame, values: str, better: list[str]) -> pd.DataFrame:
    measures = list(dict.fromkeys(cells["measure"]))
    codes = list(dict.fromkeys(cells["code"]))
    wide = cells.pivot(index="measure", columns="code", values=values)
    wide = wide.reindex(index=measures, columns=codes).reset_index()
    wide.insert(1, "better", better)
    wide.columns.name = None
    return wide


def _cell(rho: float, n: int) -> str:
    if n < MIN_SCHOOLS:
        return f"too few ({n})"
    if pd.isna(rho):
        return f"no spread ({n})"
    return f"{rho:+.2f} ({n})"


# -- helpers -----------------------------------------------------------------------


def _ratings_and_outcomes(
    store: Store, scope: list[int] | None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The consensus ratings of each school's latest published review (school,
    standard, publication day, level) and the schools' outcomes per measure."""
    ratings = store.last_two_consensus()
    if scope is not None:
        ratings = ratings[ratings["school_id"].isin(scope)]
    ratings = ratings[["school_id", "standard_id", "published_on", "rating"]]
    # Only the periods that can fall in a school's window are read: no span of
    # WINDOW_MONTHS months is longer than 31 days a month.
    values = store.values_before_latest_review(scope, TOTAL_GROUP, 31 * WINDOW_MONTHS)
    return ratings, outcomes_of(ratings, values, small_group_threshold(store))


def _one(frame: pd.DataFrame, row_id: int, what: str) -> dict:
    found = frame[frame["id"] == row_id]
    if found.empty:
        raise NotFound(f"No {what} with id {row_id}.")
    return found.iloc[0].to_dict()


def _levels(store: Store) -> dict[int, str]:
    scale = store.rating_scale()
    return dict(zip(scale["level"].astype(int), scale["label"], strict=True))


def _standard_order(store: Store) -> dict[int, int]:
    """Each standard's place in the district's order (sub-standards after their
    parent)."""
    standards = store.standards()
    return {int(sid): place for place, sid in enumerate(standards["id"])}


def _lower_first(name: str) -> str:
    """'Attendance rate' as 'attendance rate'; 'ELA proficiency' stays."""
    if len(name) > 1 and name[0].isupper() and name[1].islower():
        return name[0].lower() + name[1:]
    return name
