"""Evidence strength, and the school's self-reflection beside the team's.

A finding (one standard of one review) rests on evidence by source. How strong
it is comes from stated rules (``evidence_rules``): how many kinds of evidence
it rests on, and how many of those invited answered each survey. Beside it,
each standard of a review is a blind spot (the school rated itself higher than
the team did), a hidden strength (lower) or agreed, and a school's reviews
tell whether its self-reflection came closer to the team's over time; the
central office and network leads see the same counted across schools.

Functions that take a user check the permission; the others serve callers that
have checked it already (the school's glance, the public summary, exemplars).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np
import pandas as pd

from sqr_tracker.auth import Action, authorize
from sqr_tracker.config import district_settings
from sqr_tracker.errors import NotFound, PermissionDenied
from sqr_tracker.models import Source, User
from sqr_tracker.store import Store

SOURCES = tuple(source.value for source in Source)
STRONG, MODERATE, THIN, NONE = "strong", "moderate", "thin", "none"
LIMITED, VERY_LIMITED, NO_RATE = "limited", "very limited", "no rate"
BLIND_SPOT, HIDDEN_STRENGTH, AGREED = "blind spot", "hidden strength", "agreed"
CLOSER, FURTHER, AS_CLOSE = "closer", "further apart", "as close"
NO_EVIDENCE = "no evidence recorded"

# The word for a share of a whole: the first whose test holds.
_PROPORTIONS: tuple[tuple[str, Callable[[Fraction], bool]], ...] = (
    ("all", lambda share: share == 1),
    ("almost all", lambda share: share >= Fraction(9, 10)),
    ("most", lambda share: share >= Fraction(3, 4)),
    ("a majority", lambda share: share > Fraction(1, 2)),
    ("half", lambda share: share == Fraction(1, 2)),
    ("less than half", lambda share: share >= Fraction(1, 4)),
    ("few", lambda share: share > 0),
    ("none", lambda share: True),
)

FINDING_COLUMNS = [
    "review_id", "standard_id", "strength", "kinds", "sources", "surveys",
    "survey_warnings", "sentences", "line",
]  # fmt: skip
REVIEW_COLUMNS = [
    "standard_id", "code", "standard", "rating", "self_rating", "self_vs_team",
    "strength", "kinds", "sources", "surveys", "survey_warnings", "sentences",
]  # fmt: skip
GAP_COLUMNS = [
    "review_id", "cycle_year", "cycle", "sort_order", "code", "standard",
    "self_rating", "team_rating", "gap", "word", "levels", "words",
]  # fmt: skip
BY_REVIEW_COLUMNS = [
    "review_id", "cycle_year", "cycle", "standards", "total_gap", "mean_gap",
    "blind_spots", "hidden_strengths", "agreed",
]  # fmt: skip
COUNT_COLUMNS = ["blind_spots", "hidden_strengths", "agreed"]


# -- words for shares and rates ----------------------------------------------------


def proportion_rules() -> list[str]:
    """The cut points of the proportion words, in the words the pages show."""
    return [
        "all: every one (100%)",
        "almost all: 90% or more",
        "most: 75% or more, under 90%",
        "a majority: more than 50%, under 75%",
        "half: exactly 50%",
        "less than half: 25% or more, under 50%",
        "few: more than none, under 25%",
        "none: 0%",
    ]


def proportion_word(part: int, whole: int) -> str:
    """The plain word for ``part`` of ``whole`` (see ``proportion_rules``),
    worked out in exact fractions so that a boundary is never missed."""
    if whole <= 0 or not 0 <= part <= whole:
        raise ValueError(f"{part} of {whole} is not a share")
    share = Fraction(int(part), int(whole))
    return next(word for word, holds in _PROPORTIONS if holds(share))


def percent(part: int, whole: int) -> str:
    """``part`` of ``whole`` rounded down to a tenth of a percent: '24%',
    '9.9%' (so that 9.99% never reads as a 10% threshold)."""
    units, tenth = divmod(int(part) * 1000 // int(whole), 10)
    return f"{units}.{tenth}%" if tenth else f"{units}%"


def _s(count: int) -> str:
    return "" if count == 1 else "s"


def _missing(value: Any) -> bool:
    return value is None or bool(pd.isna(value))


def _count(value: Any) -> int | None:
    return None if _missing(value) else int(value)


def _name(value: Any) -> str | None:
    return None if _missing(value) or not str(value).strip() else str(value).strip()


def _as_fraction(value: float) -> Fraction:
    """A district threshold as the decimal it was written as (0.3 is 3/10)."""
    return Fraction(str(value))


# -- one finding's evidence --------------------------------------------------------


def evidence_rules(store: Store) -> list[str]:
    """How evidence strength is judged, with the district's thresholds."""
    limits = district_settings(store)
    limited = f"{limits['survey_limited_below'] * 100:g}%"
    very = f"{limits['survey_very_limited_below'] * 100:g}%"
    strong = int(limits["evidence_strong_kinds"])
    return [
        "Kinds of evidence: the different sources a finding rests on, among "
        "self-reflection, interview, observation, document, data and survey; "
        "several items from one source count as one kind.",
        "A survey's response rate is the share of those invited who answered: "
        f"under {limited} it is limited, under {very} very limited (exactly "
        f"{very} is limited, exactly {limited} is not). A survey that invited "
        "nobody, or did not record how many, has no rate. Rates are rounded "
        "down to a tenth of a percent, so 9.99% shows as 9.9%.",
        f"Strength: strong with {strong} kinds of evidence or more and no survey "
        "that is limited, very limited or without a rate; thin with one kind "
        "only, or with a very limited survey; moderate otherwise; none when no "
        "evidence is recorded.",
        "Shares in words: " + "; ".join(proportion_rules()) + ".",
    ]


def strength_legend() -> str:
    """The strength words in a sentence, for readers without the rules."""
    return (
        "Evidence: strong, moderate or thin by how many kinds of evidence a "
        "rating rests on (the self-reflection, interviews, observations, "
        "documents, data, surveys) and how many of those invited answered its "
        "surveys."
    )


def survey_warning(answered: int | None, invited: int | None, limits) -> str:
    """'very limited', 'limited', 'no rate' or '' for a survey's response."""
    if answered is None or invited is None or invited == 0:
        return NO_RATE
    rate = Fraction(answered, invited)
    if rate < _as_fraction(limits["survey_very_limited_below"]):
        return VERY_LIMITED
    if rate < _as_fraction(limits["survey_limited_below"]):
        return LIMITED
    return ""


def survey_sentence(
    group: str | None, answered: int | None, invited: int | None, warning: str
) -> str:
    """'limited: 24% of families answered (96 of 400)', or why there is no rate."""
    survey = f"the survey of {group}" if group else "a survey"
    if invited == 0:
        return f"no response rate: {survey} invited nobody"
    if answered is None or invited is None:
        return (
            f"no response rate: {survey} does not record how many were invited "
            "and answered"
        )
    said = (
        f"{percent(answered, invited)} of {group or 'those invited'} answered "
        f"({answered} of {invited})"
    )
    return f"{warning}: {said}" if warning else said


def kinds_sentence(kinds: Sequence[str]) -> str:
    """'3 kinds of evidence: interview, observation, survey'."""
    if not kinds:
        return NO_EVIDENCE
    return f"{len(kinds)} kind{_s(len(kinds))} of evidence: {', '.join(kinds)}"


def strength_of(kinds: int, warnings: Sequence[str], strong_kinds: int = 3) -> str:
    """'strong', 'moderate', 'thin' or 'none' (see ``evidence_rules``)."""
    if kinds == 0:
        return NONE
    if kinds == 1 or VERY_LIMITED in warnings:
        return THIN
    if kinds >= strong_kinds and not any(warnings):
        return STRONG
    return MODERATE


def summarise(items: pd.DataFrame, limits: dict[str, float]) -> pd.DataFrame:
    """Per finding (review and standard) with evidence items: its strength, its
    kinds of evidence in the order of ``SOURCES``, each survey with its rate
    and warning, the warned surveys' sentences, every sentence, and one short
    line (pure, for tests)."""
    findings: dict[tuple[int, int], list[tuple]] = {}
    for item in items.itertuples(index=False):
        key = (int(item.review_id), int(item.standard_id))
        findings.setdefault(key, []).append(item)
    rows = [
        {"review_id": review, "standard_id": standard}
        | finding_evidence(findings[(review, standard)], limits)
        for review, standard in sorted(findings)
    ]
    return pd.DataFrame(rows, columns=FINDING_COLUMNS)


def strengths(items: pd.DataFrame, limits: dict[str, float]) -> pd.DataFrame:
    """Per finding with evidence items: its strength word only, as ``summarise``
    judges it, every finding at once (for views of many schools)."""
    columns = ["review_id", "standard_id", "strength"]
    if items.empty:
        return pd.DataFrame([], columns=columns)
    sources = items["source"].astype(object)
    keyed = pd.DataFrame(
        {
            "review_id": items["review_id"].astype(int).to_numpy(),
            "standard_id": items["standard_id"].astype(int).to_numpy(),
            "source": sources.where(sources.isna(), sources.map(str)).to_numpy(),
            "very": False,
            "warned": False,
        }
    )
    survey = (sources == Source.SURVEY).to_numpy(dtype=bool)
    words = _survey_warnings(items[survey], limits)
    keyed.loc[survey, "very"] = words == VERY_LIMITED
    keyed.loc[survey, "warned"] = words != ""
    found = keyed.groupby(["review_id", "standard_id"], sort=True).agg(
        kinds=("source", "nunique"), very=("very", "any"), warned=("warned", "any")
    )
    kinds, very = found["kinds"].to_numpy(), found["very"].to_numpy(dtype=bool)
    plain = ~found["warned"].to_numpy(dtype=bool)
    strong = int(limits["evidence_strong_kinds"])
    strength = np.select(
        [kinds == 0, (kinds == 1) | very, (kinds >= strong) & plain],
        [NONE, THIN, STRONG],
        MODERATE,
    )
    # The index's levels as plain lists: iterating the index itself is slow.
    reviews, standards = (found.index.get_level_values(i).tolist() for i in (0, 1))
    rows = [
        (int(review), int(standard), word)
        for review, standard, word in zip(
            reviews, standards, strength.tolist(), strict=True
        )
    ]
    return pd.DataFrame(rows, columns=columns)


def _survey_warnings(surveys: pd.DataFrame, limits) -> np.ndarray:
    """``survey_warning`` of each survey row, compared exactly as fractions."""
    answered = [_count(v) for v in surveys["survey_respondents"].astype(object)]
    invited = [_count(v) for v in surveys["survey_invited"].astype(object)]
    words = np.array([""] * len(answered), dtype=object)
    for word, limit in (
        (LIMITED, limits["survey_limited_below"]),
        (VERY_LIMITED, limits["survey_very_limited_below"]),
    ):
        bound = _as_fraction(limit)
        top, bottom = bound.numerator, bound.denominator
        below = [
            a is not None and i and (a * bottom - top * i) * (1 if i > 0 else -1) < 0
            for a, i in zip(answered, invited, strict=True)
        ]
        words[np.array(below, dtype=bool)] = word
    pairs = zip(answered, invited, strict=True)
    no_rate = [a is None or i is None or i == 0 for a, i in pairs]
    words[np.array(no_rate, dtype=bool)] = NO_RATE
    return words


def finding_evidence(
    items: pd.DataFrame | Sequence[Any], limits: dict[str, float]
) -> dict:
    """One finding's evidence items (a frame, or its rows as named tuples) in
    words (see ``summarise``)."""
    if isinstance(items, pd.DataFrame):
        items = list(items.itertuples(index=False))
    found = {str(item.source) for item in items if not _missing(item.source)}
    kinds = [s for s in SOURCES if s in found] + sorted(found - set(SOURCES))
    surveys = [_survey(row, limits) for row in _of(items, Source.SURVEY)]
    said = [survey.pop("sentence") for survey in surveys]
    warnings = [survey["warning"] for survey in surveys]
    sentences = [kinds_sentence(kinds)]
    if interviews := _of(items, Source.INTERVIEW):
        sentences.append(_interviews(interviews))
    if observations := _of(items, Source.OBSERVATION):
        sentences.append(_observations(observations))
    strength = strength_of(len(kinds), warnings, int(limits["evidence_strong_kinds"]))
    return {
        "strength": strength,
        "kinds": len(kinds),
        "sources": kinds,
        "surveys": surveys,
        "survey_warnings": [
            text for text, warning in zip(said, warnings, strict=True) if warning
        ],
        "sentences": sentences + said,
        "line": _line(strength, len(kinds), warnings),
    }


def no_evidence() -> dict:
    """What a finding without evidence items, or a standard without a finding,
    is given."""
    return {
        "strength": NONE, "kinds": 0, "sources": [], "surveys": [],
        "survey_warnings": [], "sentences": [NO_EVIDENCE], "line": NO_EVIDENCE,
    }  # fmt: skip


def _of(items: Sequence[Any], source: str) -> list[Any]:
    return [item for item in items if item.source == source]


def _survey(row, limits) -> dict:
    group = _name(row.survey_group)
    answered, invited = _count(row.survey_respondents), _count(row.survey_invited)
    warning = survey_warning(answered, invited, limits)
    return {
        "group": group,
        "respondents": answered,
        "invited": invited,
        "rate": None if warning == NO_RATE else round(answered / invited, 4),
        "warning": warning,
        "sentence": survey_sentence(group, answered, invited, warning),
    }


def _interviews(items: Sequence[Any]) -> str:
    """'4 interviews with students, staff': the interviews held, added up, and
    the groups interviewed in the order they were recorded."""
    held = [_count(item.interviews_held) for item in items]
    total = sum(n for n in held if n is not None)
    groups = [g for g in (_name(item.interviewed_group) for item in items) if g]
    with_whom = f" with {', '.join(dict.fromkeys(groups))}" if groups else ""
    if None not in held:
        return f"{total} interview{_s(total)}{with_whom}"
    if total:
        return f"at least {total} interviews{with_whom}"
    return f"interviews{with_whom or ' held'}, how many not recorded"


def _observations(items: Sequence[Any]) -> str:
    """'classrooms observed: 12 of 30 (40%)', each observation in turn."""
    parts = []
    for item in items:
        observed, total = (
            _count(item.classrooms_observed),
            _count(item.classrooms_total),
        )
        if observed is None:
            continue
        parts.append(
            f"{observed} of {total} ({percent(observed, total)})"
            if total
            else str(observed)
        )
    return "classrooms observed: " + (" and ".join(parts) or "not counted")


_WARNED = {VERY_LIMITED: "very limited", LIMITED: "limited", NO_RATE: "without a rate"}


def _line(strength: str, kinds: int, warnings: Sequence[str]) -> str:
    """'moderate · 3 kinds · limited survey', short enough for a table cell
    under an Evidence heading ('2 limited surveys' when there are two)."""
    if strength == NONE:
        return NO_EVIDENCE
    parts = [strength, f"{kinds} kind{_s(kinds)}"]
    for warning, words in _WARNED.items():
        if count := warnings.count(warning):
            surveys = f"survey{_s(count)}"
            many = f"{count} " if count > 1 else ""
            parts.append(
                f"{many}{surveys} {words}"
                if warning == NO_RATE
                else f"{many}{words} {surveys}"
            )
    return " · ".join(parts)


# -- a review's standards ----------------------------------------------------------


def findings_evidence(store: Store, review_ids: Sequence[int]) -> pd.DataFrame:
    """``summarise`` for the findings of some reviews (the caller checks the
    permission)."""
    items = store.evidence_items([int(r) for r in review_ids])
    return summarise(items, district_settings(store))


def with_evidence(glance: pd.DataFrame, found: pd.DataFrame) -> pd.DataFrame:
    """A review's standards (``Store.review_at_a_glance``) with each finding's
    evidence beside them, ``no_evidence`` where there is none, and the self vs
    team words."""
    merged = glance.merge(found.drop(columns="review_id"), on="standard_id", how="left")
    empty = merged["strength"].isna().tolist()
    for column, value in no_evidence().items():
        merged[column] = [
            (list(value) if isinstance(value, list) else value) if gone else kept
            for gone, kept in zip(empty, merged[column], strict=True)
        ]
    merged["kinds"] = merged["kinds"].astype(int)
    merged["self_vs_team"] = [
        gap_words(own, team)
        for own, team in zip(merged["self"], merged["consensus"], strict=True)
    ]
    return merged


def review_standards(store: Store, review_id: int) -> pd.DataFrame:
    """``with_evidence`` for one review (the caller checks the permission)."""
    return with_evidence(
        store.review_at_a_glance(review_id), findings_evidence(store, [review_id])
    )


@dataclass(frozen=True)
class ReviewEvidence:
    """A review's standards with their rating and evidence, and a sentence on
    how strong its evidence is over the standards it rated."""

    review: dict[str, Any]
    standards: pd.DataFrame
    summary: str
    rules: list[str]


def review_evidence(store: Store, user: User | None, review_id: int) -> ReviewEvidence:
    """A review's evidence, standard by standard. Reading it needs the school
    (Action.READ_SCHOOL); before the report is published, only those who may
    read the team's findings (``reviews.report_hidden``) read it."""
    from sqr_tracker.reviews import report_hidden  # reviews reads evidence too

    school_id = store.school_of("reviews", review_id)
    user = authorize(
        store, user, Action.READ_SCHOOL, school_id=school_id, review_id=review_id
    )
    review = store.row("reviews", review_id)
    published = not _missing(review["published_on"])
    if not published and report_hidden(store, user, review_id) is not None:
        raise PermissionDenied(
            f"The report of review {review_id} is not published yet: until then "
            "only its lead reviewer, the central office and reviewers who have "
            "submitted their ratings read its evidence."
        )
    standards = review_standards(store, review_id).rename(
        columns={"consensus_label": "rating", "self_label": "self_rating"}
    )[REVIEW_COLUMNS]
    for column in ("rating", "self_rating"):  # None, not NaN, where not rated
        standards[column] = standards[column].astype(object)
        standards.loc[standards[column].isna(), column] = None
    facts = {key: review[key] for key in ("id", "school_id", "cycle_year")}
    facts["published_on"] = review["published_on"] if published else None
    return ReviewEvidence(
        facts,
        standards.reset_index(drop=True),
        strength_summary(standards, int(review["cycle_year"])),
        evidence_rules(store),
    )


def school_evidence(
    store: Store, user: User | None, school_id: int, review_id: int | None = None
) -> ReviewEvidence | None:
    """The evidence of a school's latest published review, or of the review
    given (which must be the school's); None when nothing is published."""
    authorize(store, user, Action.READ_SCHOOL, school_id=school_id)
    if review_id is None:
        latest = store.latest_published_review(school_id)
        if latest is None:
            return None
        review_id = int(latest["id"])
    elif store.school_of("reviews", review_id) != school_id:
        raise NotFound(f"Review {review_id} is not a review of school {school_id}.")
    return review_evidence(store, user, review_id)


def strength_summary(standards: pd.DataFrame, cycle_year: int) -> str:
    """'In the 2024–25 review the evidence is strong for half of the 6
    standards rated (3 of 6); moderate for 2 and thin for 1.'"""
    rated = standards[standards["rating"].notna()]
    cycle = _cycle(cycle_year)
    if rated.empty:
        return f"The {cycle} review rated no standard yet."
    counts = rated["strength"].value_counts()
    n, strong = len(rated), int(counts.get(STRONG, 0))
    head = (
        f"In the {cycle} review the evidence is strong for "
        f"{proportion_word(strong, n)} of the {n} standard{_s(n)} rated "
        f"({strong} of {n})"
    )
    names = {MODERATE: "moderate", THIN: "thin", NONE: "missing"}
    rest = [f"{names[word]} for {counts[word]}" for word in names if counts.get(word)]
    if not rest:
        return head + "."
    return f"{head}; {_and(rest)}."


def _and(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} and {parts[-1]}"


def public_strengths(store: Store, school_id: int) -> dict[str, str]:
    """The strength word per standard code rated in the school's latest
    published review: no counts, no groups (the caller checks the permission)."""
    review = store.latest_published_review(school_id)
    if review is None:
        return {}
    review_id = int(review["id"])
    glance = store.review_at_a_glance(review_id)
    found = strengths(store.evidence_items([review_id]), district_settings(store))
    words = dict(zip(found["standard_id"], found["strength"], strict=True))
    rated = glance[glance["consensus"].notna()]
    return {
        code: words.get(int(standard), NONE)
        for code, standard in zip(rated["code"], rated["standard_id"], strict=True)
    }


def rating_lines(
    store: Store, review_ids: Sequence[int], standard_id: int
) -> dict[int, str]:
    """Per review, one line on the evidence behind its rating of a standard:
    the strength and the kinds of evidence, no counts (for exemplar cards; the
    caller checks the permission)."""
    # Each finding is judged on its own items: only the standard's are read,
    # and only its strength and kinds are worked out, every finding at once.
    items = store.evidence_items_on([int(r) for r in review_ids], standard_id)
    found = strengths(items, district_settings(store))
    known = items[items["source"].notna()]
    sources: dict[int, set[str]] = {}
    for review, source in zip(
        known["review_id"].tolist(), known["source"].astype(str).tolist(), strict=True
    ):
        sources.setdefault(review, set()).add(source)
    lines = {
        review: f"Evidence behind this rating: {strength} "
        f"({kinds_sentence(_in_order(sources.get(review, set())))})"
        for review, strength in zip(found["review_id"], found["strength"], strict=True)
    }
    none = "Evidence behind this rating: none recorded"
    return {int(review): lines.get(int(review), none) for review in review_ids}


def _in_order(found: set[str]) -> list[str]:
    """Kinds of evidence in the order of ``SOURCES``, any others after them."""
    return [s for s in SOURCES if s in found] + sorted(found - set(SOURCES))


# -- the school's self-reflection beside the team's --------------------------------


def self_gap_rules() -> list[str]:
    """How self vs team is read, in the words the pages show."""
    return [
        "Per standard of a published review: a blind spot when the school's "
        "self-reflection rated it higher than the team's consensus, a hidden "
        "strength when lower, agreed when the same; the size is the difference "
        "in levels.",
        "A review's mean gap is the mean of those differences, counted without "
        "their sign, over the standards it rated both ways; a review without "
        "both ratings is left out.",
        "The school came closer when its latest review's mean gap is smaller "
        "than the one before's, further apart when larger, as close when equal.",
    ]


def gap_word(own: Any, team: Any) -> str:
    """'blind spot' (self higher), 'hidden strength' (self lower), 'agreed',
    or '' when either rating is missing."""
    if _missing(own) or _missing(team):
        return ""
    gap = int(own) - int(team)
    return BLIND_SPOT if gap > 0 else HIDDEN_STRENGTH if gap < 0 else AGREED


def gap_words(own: Any, team: Any) -> str:
    """'blind spot, 1 level', 'hidden strength, 2 levels', 'agreed' or ''."""
    word = gap_word(own, team)
    if word in ("", AGREED):
        return word
    levels = abs(int(own) - int(team))
    return f"{word}, {levels} level{_s(levels)}"


@dataclass(frozen=True)
class SelfGap:
    """A school's self-reflection beside the team's: per review and standard
    rated both ways, per review (oldest first), whether the latest came closer
    than the one before, and that in a sentence."""

    gaps: pd.DataFrame
    by_review: pd.DataFrame
    trend: str
    sentence: str
    rules: list[str] = field(default_factory=self_gap_rules)


def school_self_gap(store: Store, user: User | None, school_id: int) -> SelfGap:
    """The self vs team gaps of a school's published reviews, top-level
    standards only (as its pages show them)."""
    authorize(store, user, Action.READ_SCHOOL, school_id=school_id)
    return self_gap_of(store.ratings_by_review(school_id), _labels(store))


def self_gap_of(ratings: pd.DataFrame, labels: dict[int, str]) -> SelfGap:
    """``SelfGap`` from ratings by review (``Store.ratings_by_review``; pure)."""
    both = ratings.dropna(subset=["self", "consensus"])
    own, team = both["self"].astype(int), both["consensus"].astype(int)
    gaps = pd.DataFrame(
        {
            "review_id": both["review_id"].astype(int),
            "cycle_year": both["cycle_year"].astype(int),
            "cycle": both["cycle_year"].map(_cycle),
            "sort_order": both["sort_order"],
            "code": both["code"],
            "standard": both["standard"],
            "self_rating": own.map(labels),
            "team_rating": team.map(labels),
            "gap": own - team,
            "word": [gap_word(a, b) for a, b in zip(own, team, strict=True)],
            "levels": (own - team).abs(),
            "words": [gap_words(a, b) for a, b in zip(own, team, strict=True)],
        },
        columns=GAP_COLUMNS,
    ).reset_index(drop=True)
    by_review = reviews_compared(gaps)
    trend = trend_of(by_review)
    return SelfGap(gaps, by_review, trend, trend_sentence(by_review, trend))


def reviews_compared(gaps: pd.DataFrame) -> pd.DataFrame:
    """Per review with a gap (review_id, cycle_year, gap): the standards
    compared, the total and mean gap without sign and the count of each word,
    oldest first."""
    if gaps.empty:
        return pd.DataFrame(columns=BY_REVIEW_COLUMNS)
    marked = gaps.assign(
        levels=gaps["gap"].abs(),
        blind_spots=gaps["gap"] > 0,
        hidden_strengths=gaps["gap"] < 0,
        agreed=gaps["gap"] == 0,
    )
    table = (
        marked.groupby(["review_id", "cycle_year"], as_index=False)
        .agg(
            standards=("gap", "size"),
            total_gap=("levels", "sum"),
            **{column: (column, "sum") for column in COUNT_COLUMNS},
        )
        .sort_values(["cycle_year", "review_id"])
    )
    table["cycle"] = table["cycle_year"].map(_cycle)
    table["mean_gap"] = table["total_gap"] / table["standards"]
    return (
        table[BY_REVIEW_COLUMNS]
        .astype(
            {column: "int64" for column in ["standards", "total_gap", *COUNT_COLUMNS]}
        )
        .reset_index(drop=True)
    )


def trend_of(by_review: pd.DataFrame) -> str:
    """'closer', 'further apart' or 'as close': the latest review's mean gap
    against the one before's, compared exactly; '' with fewer than two."""
    if len(by_review) < 2:
        return ""
    before, latest = (
        Fraction(int(row.total_gap), int(row.standards))
        for row in by_review.tail(2).itertuples()
    )
    return CLOSER if latest < before else FURTHER if latest > before else AS_CLOSE


def trend_sentence(by_review: pd.DataFrame, trend: str) -> str:
    """'Closer than in 2021–22: in the 2024–25 review the school's
    self-reflection was a mean 0.50 levels from the team's ratings, down from
    1.17.'"""
    if by_review.empty:
        return (
            "No published review holds both the school's self-reflection and the "
            "team's ratings yet."
        )
    latest = by_review.iloc[-1]
    gap = (
        f"in the {latest['cycle']} review the school's self-reflection was a mean "
        f"{latest['mean_gap']:.2f} levels from the team's ratings"
    )
    if not trend:
        return (
            f"Only one review holds both ratings so far: {gap}. The next review "
            "will show whether the two come closer."
        )
    before = by_review.iloc[-2]
    was = f"{before['mean_gap']:.2f}"
    if trend == CLOSER:
        return f"Closer than in {before['cycle']}: {gap}, down from {was}."
    if trend == FURTHER:
        return f"Further apart than in {before['cycle']}: {gap}, up from {was}."
    return f"As close as in {before['cycle']}: {gap}, the same as then."


def gap_table(gap: SelfGap) -> pd.DataFrame:
    """One row per standard, one column per review (named by its school year),
    each cell the self vs team words ('' where not compared)."""
    if gap.gaps.empty:
        return pd.DataFrame(columns=["code", "standard"])
    cycles = list(dict.fromkeys(gap.by_review["cycle"]))
    wide = gap.gaps.pivot_table(
        index=["sort_order", "code", "standard"],
        columns="cycle",
        values="words",
        aggfunc="first",
    ).reset_index()
    wide = wide.sort_values("sort_order")[["code", "standard", *cycles]]
    wide.columns.name = None
    return wide.fillna("").reset_index(drop=True)


def mean_gap_words(by_review: pd.DataFrame) -> str:
    """'Mean gap, in levels: 2018–19 1.17 · 2021–22 0.50 · 2024–25 0.50'."""
    parts = [f"{row.cycle} {row.mean_gap:.2f}" for row in by_review.itertuples()]
    return "Mean gap, in levels: " + " · ".join(parts) if parts else ""


# -- across schools ----------------------------------------------------------------


@dataclass(frozen=True)
class DistrictSelfGap:
    """Per standard, the disagreement table of ``validity`` with the blind
    spots, hidden strengths and agreements counted; and how many schools came
    closer between their last two reviews compared."""

    table: pd.DataFrame
    schools: int
    closer: int
    further: int
    as_close: int
    sentence: str
    rules: list[str]


def district_self_gap(store: Store, user: User | None) -> DistrictSelfGap:
    """For the central office (every school) and network leads (their
    network's schools)."""
    from sqr_tracker import validity  # validity imports growth, which imports us

    try:
        scope = validity.comparison_scope(store, user)
    except PermissionDenied:
        if user is None or not user.active:
            raise
        raise PermissionDenied(
            f"A {user.role.label.lower()} cannot compare self-reflections across "
            "schools: that is for the central office and network leads."
        ) from None
    found = store.self_and_consensus(scope)  # read once for the table and the rest
    standards = store.standards()
    order = {int(sid): place for place, sid in enumerate(standards["id"])}
    table = validity.disagreement_of(found, order)
    rows = found.dropna(subset=["self", "consensus"])
    rows = rows.assign(gap=rows["self"].astype(int) - rows["consensus"].astype(int))
    table = table.merge(gap_counts(rows), on="code", how="left")
    table[COUNT_COLUMNS] = table[COUNT_COLUMNS].fillna(0).astype("int64")
    top = set(standards.loc[standards["parent_code"].isna(), "id"])
    trends = school_trends(
        rows[rows["standard_id"].isin(top)], store.published_review_cycles(scope)
    )
    counts = {word: int((trends == word).sum()) for word in (CLOSER, FURTHER, AS_CLOSE)}
    schools = sum(counts.values())
    columns = ["code", "standard", "reviews", *COUNT_COLUMNS, "differ_share",
               "self_higher_share", "mean_gap"]  # fmt: skip
    closer, further, same = counts[CLOSER], counts[FURTHER], counts[AS_CLOSE]
    return DistrictSelfGap(
        table[columns],
        schools,
        closer,
        further,
        same,
        narrowing_sentence(schools, closer, further, same),
        [
            *self_gap_rules(),
            "Across schools, blind spots, hidden strengths and agreements are "
            "counted per standard over the published reviews holding both "
            "ratings, sub-standards included as in the table above; a school "
            "is compared on its top-level standards, over its last two reviews "
            "holding both ratings.",
            "Shares in words: " + "; ".join(proportion_rules()) + ".",
        ],
    )


def gap_counts(rows: pd.DataFrame) -> pd.DataFrame:
    """Per standard code: blind spots, hidden strengths and agreements among
    rows with a ``gap`` (self minus consensus; pure)."""
    marked = rows.assign(
        blind_spots=rows["gap"] > 0,
        hidden_strengths=rows["gap"] < 0,
        agreed=rows["gap"] == 0,
    )
    return marked.groupby("code", as_index=False)[COUNT_COLUMNS].sum()


def school_trends(rows: pd.DataFrame, cycles: pd.DataFrame) -> pd.Series:
    """Per school: ``trend_of`` its reviews compared ('' with fewer than two),
    every school at once. The mean gaps of the last two reviews are compared
    exactly, as fractions, by multiplying each total by the other's count."""
    dated = rows.merge(cycles, on=["review_id", "school_id"])
    reviews = (
        dated.assign(levels=dated["gap"].abs())
        .groupby(["school_id", "cycle_year", "review_id"], as_index=False)
        .agg(standards=("gap", "size"), total_gap=("levels", "sum"))
    )
    last = reviews.groupby("school_id").tail(2)
    latest = last.drop_duplicates("school_id", keep="last").set_index("school_id")
    before = last[last.duplicated("school_id", keep="last")].set_index("school_id")
    both = before.index
    now = latest.loc[both, "total_gap"] * before["standards"]
    then = before["total_gap"] * latest.loc[both, "standards"]
    trends = pd.Series("", index=latest.index.rename(None), dtype=object)
    trends[both] = np.select([now < then, now > then], [CLOSER, FURTHER], AS_CLOSE)
    return trends


def narrowing_sentence(schools: int, closer: int, further: int, same: int) -> str:
    """'A majority of the 20 schools with two reviews to compare came closer
    to the team's view between them (12 of 20, 60%); 5 drifted further apart
    and 3 stayed as close.'"""
    if schools == 0:
        return (
            "No school has two published reviews holding both its self-reflection "
            "and the team's ratings yet, so none can be said to come closer."
        )
    word = proportion_word(closer, schools).capitalize()
    whom = "the one school" if schools == 1 else f"the {schools} schools"
    return (
        f"{word} of {whom} with two reviews to compare came closer to the "
        f"team's view between them ({closer} of {schools}, "
        f"{percent(closer, schools)}); {further} drifted further apart and "
        f"{same} stayed as close."
    )


# -- helpers -----------------------------------------------------------------------


def _labels(store: Store) -> dict[int, str]:
    scale = store.rating_scale()
    return dict(zip(scale["level"].astype(int), scale["label"], strict=True))


def _cycle(year: int) -> str:
    from sqr_tracker.home import cycle_label  # home imports this module

    return cycle_label(int(year))
