"""Exemplars: peer schools rated strong, or grown fast, on a standard where a
school struggles, ranked by how alike their contexts are and never by their
outcomes; the schools working on the same thing; and the practice library that
searches every published strength."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from sqr_tracker import evidence
from sqr_tracker.auth import Action, authorize, of_record, visible_school_ids
from sqr_tracker.errors import NotFound, PermissionDenied
from sqr_tracker.frames import text_lists
from sqr_tracker.home import cycle_label
from sqr_tracker.models import Role, User
from sqr_tracker.store import Store

# A school that rose this many levels between its last two reviews is an exemplar.
RISE = 2
# The context figures schools are matched on, with the words for them.
CONTEXT = {
    "enrollment": "students",
    "pct_low_income": "low-income",
    "pct_english_learners": "English learners",
    "pct_disabilities": "students with disabilities",
}
# Distances (in standard deviations, averaged over the figures) and their words.
SIMILARITY = ((0.6, "very similar context"), (1.2, "similar context"))
_STATEMENT = re.compile(r"[^.!?]+[.!?]*")
# Words the practice library does not search on.
_STOP = """a an and are as at be by for from has have in into is it its of on or
our that the their them they this to was we were with"""
STOP_WORDS = frozenset(_STOP.split())


def matching_rules() -> list[str]:
    """How exemplars are chosen and ordered, as the page and README state them."""
    return [
        "An exemplar is a school whose latest published review rated the standard "
        f"at the top of the scale, or that rose {RISE} levels or more on it between "
        "its last two reviews.",
        "Exemplars are ordered by how alike their context is, never by their "
        "results: schools of the same level first, then by the distance between "
        "their enrollment and their shares of low-income students, English "
        "learners and students with disabilities, each measured in standard "
        "deviations among schools of that level (of the whole district where "
        "fewer than three schools share the level).",
    ]


# -- choosing the standard ---------------------------------------------------------


def standard_choices(store: Store, user: User | None) -> dict[int, str]:
    """The standards published reviews rated, as 'S1 · name', in order."""
    authorize(store, user, Action.READ_PUBLISHED)
    rated = store.rated_standards()
    return {int(row.id): f"{row.code} · {row.name}" for row in rated.itertuples()}


def weakest_focus_standard(
    store: Store, user: User | None, school_id: int
) -> tuple[int | None, str]:
    """The focus standard the school's latest review rated lowest (the first in
    the district's order on a tie), and a sentence saying why it was chosen."""
    authorize(store, user, Action.READ_SCHOOL, school_id=school_id)
    review = store.latest_published_review(school_id)
    if review is None:
        return None, "This school has no published review yet: choose a standard."
    glance = store.review_at_a_glance(int(review["id"]))
    rated = glance[glance["consensus"].notna()]
    focus = rated[rated["is_focus"]]
    pool = focus if not focus.empty else rated
    if pool.empty:
        return None, "The latest review rated no standard: choose one."
    weakest = pool.sort_values("consensus", kind="stable").iloc[0]
    kind = "focus standard" if not focus.empty else "standard"
    return int(weakest["standard_id"]), (
        f"Chosen for you: {weakest['code']}, the {kind} rated lowest in the "
        f"school's {cycle_label(review['cycle_year'])} review "
        f"({weakest['consensus_label']})."
    )


def _standard(store: Store, standard_id: int) -> dict:
    standards = store.standards()
    found = standards[standards["id"] == standard_id]
    if found.empty:
        raise NotFound(f"No standard with id {standard_id}.")
    return found.iloc[0][["id", "code", "name"]].to_dict()


def standard_id_of(store: Store, code: str) -> int:
    """The id of a standard given its code, ignoring case."""
    standards = store.standards()
    found = standards[standards["code"].str.casefold() == code.strip().casefold()]
    if found.empty:
        codes = ", ".join(standards["code"])
        raise NotFound(f"No standard has the code {code!r}; the codes are {codes}.")
    return int(found["id"].iloc[0])


# -- exemplars --------------------------------------------------------------------


@dataclass(frozen=True)
class Exemplars:
    """The exemplars for one school on one standard, best match first. When
    there are none, ``explanation`` says why; ``note`` qualifies a list whose
    schools are all of another level."""

    school: dict
    standard: dict
    table: pd.DataFrame
    explanation: str = ""
    note: str = ""
    rules: list[str] = field(default_factory=matching_rules)


def find_exemplars(
    store: Store,
    user: User | None,
    school_id: int,
    standard_id: int,
    today: date,
    *,
    limit: int | None = None,
) -> Exemplars:
    """Schools to learn from on a standard, most alike in context first."""
    authorize(store, user, Action.READ_SCHOOL, school_id=school_id)
    standard = _standard(store, standard_id)
    schools = _with_distance(store.schools(), school_id)
    school = schools.loc[school_id].to_dict() | {"id": school_id}
    labels = _labels(store)
    top = max(labels) if labels else 0
    ratings = store.last_two_consensus(standard_id).set_index("school_id")
    rise = ratings["rating"] - ratings["previous_rating"]
    strong = (ratings["rating"] == top) | (rise >= RISE)
    chosen = ratings[strong.fillna(False) & (ratings.index != school_id)]
    if chosen.empty:
        return Exemplars(
            school, standard, _empty(), _nobody(standard, ratings, labels, top)
        )
    table = chosen.join(schools.drop(columns="principal"), how="inner")
    table = table.sort_values(
        ["other_level", "distance", "name"], kind="stable"
    ).reset_index(names="school_id")
    if limit is not None:
        table = table.head(limit)
    table = _described(store, table, school, labels, top, standard_id, today)
    note = ""
    if not table.empty and table["other_level"].all():
        note = (
            f"No other {school['level']} school qualifies; these schools teach "
            "other levels."
        )
    return Exemplars(school, standard, table[_COLUMNS], note=note)


_COLUMNS = [
    "rank", "school_id", "school", "network", "level", "rating", "previous_rating",
    "why", "evidence", "cycle_year", "published_on", "review_id", "review_age",
    "similarity", "distance", "context", "enrollment", "pct_low_income",
    "pct_english_learners", "pct_disabilities", "strengths", "principal",
    "principal_email",
]  # fmt: skip


def _empty() -> pd.DataFrame:
    return pd.DataFrame(columns=_COLUMNS)


def _nobody(standard: dict, ratings: pd.DataFrame, labels: dict, top: int) -> str:
    code = standard["code"]
    if ratings.empty:
        return f"No published review has rated {code} yet, so no school can show it."
    return (
        f"No other school's latest review rated {code} {labels.get(top, top)}, and "
        f"none rose {RISE} levels or more on it between its last two reviews. The "
        "practice library can still search what reviews found strong."
    )


def _labels(store: Store) -> dict[int, str]:
    scale = store.rating_scale()
    return dict(zip(scale["level"].astype(int), scale["label"], strict=True))


def _with_distance(schools: pd.DataFrame, school_id: int) -> pd.DataFrame:
    """Each school's context distance from one school: the root mean square of
    the figures' differences in standard deviations among schools of its level
    (of the district where the level has too few schools to tell)."""
    schools = schools.set_index("id")
    if school_id not in schools.index:
        raise NotFound(f"No school with id {school_id}.")
    own = schools.loc[school_id]
    peers = schools[schools["level"] == own["level"]]
    if len(peers) < 3:
        peers = schools
    squares = []
    for column in CONTEXT:
        spread = float(peers[column].std(ddof=0))
        if spread > 0 and not math.isnan(spread):
            squares.append(((schools[column] - own[column]) / spread) ** 2)
    distance = sum(squares) / len(squares) if squares else schools["enrollment"] * 0.0
    return schools.assign(
        distance=(distance**0.5).round(3), other_level=schools["level"] != own["level"]
    )


def _described(
    store: Store,
    table: pd.DataFrame,
    school: dict,
    labels: dict[int, str],
    top: int,
    standard_id: int,
    today: date,
) -> pd.DataFrame:
    """The words a reader needs beside each exemplar: why it matched, how strong
    the evidence behind its rating is, how recent its review is, how alike it
    is, what its review found strong, whom to ask."""
    ids = table["school_id"].astype(int).tolist()
    contacts = store.principal_contacts(ids).set_index("school_id")
    principals = contacts["principal"].to_dict()
    emails = contacts["principal_email"].to_dict()
    reviews = table["review_id"].astype(int).tolist()
    found = store.findings_on(reviews, standard_id)
    strengths = dict(
        zip(found["review_id"].tolist(), found["strengths"].tolist(), strict=True)
    )
    lines = evidence.rating_lines(store, reviews, standard_id)
    # Only the figures the words use are turned into rows, not the dates.
    figures = table[
        ["rating", "previous_rating", "cycle_year", "previous_cycle_year",
         "other_level", "distance", *CONTEXT]
    ]  # fmt: skip
    rows = list(figures.itertuples())
    return table.assign(
        rank=range(1, len(table) + 1),
        school=table["name"],
        rating=table["rating"].map(labels),
        previous_rating=table["previous_rating"].map(labels),
        why=[_why(row, labels, top) for row in rows],
        evidence=[lines[review] for review in reviews],
        review_age=_ages(table["published_on"], today),
        similarity=[_similarity(row) for row in rows],
        context=[context_words(row._asdict(), school) for row in rows],
        strengths=text_lists(
            [statements(strengths.get(r, "")) for r in table["review_id"]], table.index
        ),
        principal=[principals.get(i) for i in ids],
        principal_email=[emails.get(i) for i in ids],
    )


def _why(row, labels: dict[int, str], top: int) -> str:
    now = f"{labels[int(row.rating)]} in the {cycle_label(row.cycle_year)} review"
    if pd.isna(row.previous_rating):
        return now
    rose = int(row.rating - row.previous_rating)
    before = (
        f"{labels[int(row.previous_rating)]} in {cycle_label(row.previous_cycle_year)}"
    )
    if rose >= RISE:
        return f"{now}, up {rose} levels from {before}"
    if int(row.rating) == top and rose > 0:
        return f"{now}, up from {before}"
    return now


def _ages(published: pd.Series, today: date) -> list[str]:
    """``_age`` of each day, worked out once per distinct day."""
    ages = {day: _age(day, today) for day in set(published.tolist())}
    return [ages[day] for day in published.tolist()]


def _age(published: object, today: date) -> str:
    day = pd.Timestamp(published).date()
    months = (today.year - day.year) * 12 + today.month - day.month
    if months <= 0:
        return f"published {day:%b %Y}, this month"
    unit = "month" if months == 1 else "months"
    return f"published {day:%b %Y}, {months} {unit} ago"


def _similarity(row) -> str:
    if row.other_level:
        return "another level"
    for cut, words in SIMILARITY:
        if row.distance <= cut:
            return words
    return "a less similar context"


def context_words(peer: dict, school: dict) -> str:
    """'412 students (yours 380) · 62% low-income (yours 70%) · …'."""
    parts = []
    for column, words in CONTEXT.items():
        theirs, yours = peer[column], school[column]
        if column == "enrollment":
            parts.append(f"{int(theirs):,} {words} (yours {int(yours):,})")
        else:
            parts.append(f"{theirs:.0%} {words} (yours {yours:.0%})")
    return " · ".join(parts)


def statements(text: str) -> list[str]:
    """A finding's text as its separate statements (sentences)."""
    return [part.strip() for part in _STATEMENT.findall(text or "") if part.strip()]


# -- working on the same thing -----------------------------------------------------


@dataclass(frozen=True)
class SameWork:
    """Schools sharing the struggle on a standard, most in common first."""

    table: pd.DataFrame
    explanation: str = ""


def working_on_the_same(
    store: Store, user: User | None, school_id: int, standard_id: int
) -> SameWork:
    """Other schools with an open goal on the standard, or whose latest review
    rated it at or below the middle of the scale and named an area for growth
    on it. Those sharing more of this school's areas for growth (word for word)
    come first, then those with a goal, then the most alike in context."""
    authorize(store, user, Action.READ_SCHOOL, school_id=school_id)
    standard = _standard(store, standard_id)
    schools = _with_distance(store.schools(), school_id)
    labels = _labels(store)
    middle = max(labels) / 2 if labels else 0
    ratings = store.last_two_consensus(standard_id).set_index("school_id")
    goals = store.open_goals_on(standard_id)
    goals_of: dict[int, list[str]] = {}
    for peer, statement in zip(
        goals["school_id"].tolist(), goals["statement"].tolist(), strict=True
    ):
        goals_of.setdefault(peer, []).append(statement)
    rating_of = dict(
        zip(ratings.index.tolist(), ratings["rating"].tolist(), strict=True)
    )
    # Only a school with an open goal, or rated at most the middle with an area
    # for growth named, can share the work: the others are not looked at, and
    # only the areas for growth of those that can are read.
    review_of = dict(
        zip(ratings.index.tolist(), ratings["review_id"].tolist(), strict=True)
    )
    wanted = {
        school: int(review)
        for school, review in review_of.items()
        if school == school_id or school in goals_of or rating_of[school] <= middle
    }
    found = store.findings_on(list(wanted.values()), standard_id)
    growth = dict(
        zip(
            found["review_id"].tolist(),
            found["areas_for_growth"].tolist(),
            strict=True,
        )
    )
    areas = {
        school: [s for s in statements(growth.get(review, "")) if s]
        for school, review in wanted.items()
    }
    own = {_key(s) for s in areas.get(school_id, [])}
    rows = []
    for peer in schools.index.tolist():
        rating = rating_of.get(peer)
        struggling = rating is not None and rating <= middle and bool(areas.get(peer))
        if peer == school_id or not (peer in goals_of or struggling):
            continue
        rows.append(
            _shared(peer, goals_of.get(peer, []), rating, struggling, areas, own)
        )
    if not rows:
        return SameWork(
            pd.DataFrame(columns=_SAME_COLUMNS),
            f"No other school has an open goal on {standard['code']} or named it "
            "an area for growth in its latest review.",
        )
    table = pd.DataFrame(rows).join(schools.drop(columns="principal"), on="school_id")
    table = table.sort_values(
        ["shared_count", "has_goal", "other_level", "distance", "name"],
        ascending=[False, False, True, True, True],
        kind="stable",
    )
    contacts = store.principal_contacts(table["school_id"].tolist())
    table = table.merge(contacts, on="school_id", how="left")
    table["rating"] = table["rating"].map(labels)
    table = table.rename(columns={"name": "school"})
    for column in ("goals", "shared"):
        table[column] = text_lists(table[column].tolist(), table.index)
    return SameWork(table[_SAME_COLUMNS].reset_index(drop=True))


_SAME_COLUMNS = [
    "school_id", "school", "network", "level", "rating", "reasons", "goals",
    "shared", "principal", "principal_email",
]  # fmt: skip


_NOT_KEY = re.compile(r"[^a-z0-9]+")


def _key(statement: str) -> str:
    """A statement compared ignoring case, spaces and punctuation."""
    return _NOT_KEY.sub("", statement.casefold())


def _shared(
    peer: int,
    goals: list[str],
    rating: object,
    struggling: bool,
    areas: dict[int, list[str]],
    own: set[str],
) -> dict:
    """One school sharing the work: its reasons, goals and shared areas."""
    reasons = []
    shared = [s for s in areas.get(peer, []) if _key(s) in own] if own else []
    if shared:
        reasons.append(f"shares {_count(len(shared), 'area')} for growth with you")
    if goals:
        reasons.append(f"has {_count(len(goals), 'open goal')} on this standard")
    if struggling:
        reasons.append("its latest review named it an area for growth")
    return {
        "school_id": peer,
        "rating": rating,
        "reasons": "; ".join(reasons),
        "goals": goals,
        "shared": shared,
        "shared_count": len(shared),
        "has_goal": bool(goals),
    }


def _count(number: int, thing: str) -> str:
    return f"{number} {thing}{'s' if number != 1 else ''}"


# -- the district's view -----------------------------------------------------------


def district_view(store: Store, user: User | None) -> pd.DataFrame:
    """Per standard: how many of the schools the user follows struggle on it
    (latest rating at or below the middle of the scale), how many exemplars in
    the district could help them, and how many of the struggling schools have no
    exemplar of their own level. For the central office and network leads."""
    user = of_record(store, user)
    district = (Role.CENTRAL_OFFICE, Role.NETWORK_LEAD)
    if user is None or not user.active or user.role not in district:
        raise PermissionDenied(
            "Only the central office and network leads see this across schools."
        )
    followed = visible_school_ids(store, user)
    labels = _labels(store)
    top = max(labels) if labels else 0
    ratings = store.last_two_consensus().merge(
        store.schools()[["id", "level"]], left_on="school_id", right_on="id"
    )
    rise = ratings["rating"] - ratings["previous_rating"]
    ratings["exemplar"] = (ratings["rating"] == top) | (rise >= RISE).fillna(False)
    mine = ratings["school_id"].isin(followed) if followed is not None else True
    ratings["struggling"] = (ratings["rating"] <= top / 2) & mine
    per_level = ratings.groupby(["standard_id", "level"])["exemplar"].transform("sum")
    ratings["alone"] = ratings["struggling"] & (per_level == 0)
    counts = ratings.groupby("standard_id")[["struggling", "exemplar", "alone"]].sum()
    standards = store.rated_standards().set_index("id")
    table = standards.join(counts, how="left").fillna(0)
    table = table.rename(columns={"exemplar": "exemplars", "alone": "no_peer"})
    return table.reset_index(drop=True).astype(
        {"struggling": int, "exemplars": int, "no_peer": int}
    )


# -- the practice library ----------------------------------------------------------


def search_practices(
    store: Store,
    user: User | None,
    words: str,
    *,
    standard_id: int | None = None,
    limit: int = 20,
) -> pd.DataFrame:
    """Strength statements of published reviews across the district, the best
    match for the words first (with no words, the newest on the standard). A
    statement several reviews wrote is one result listing every school."""
    authorize(store, user, Action.READ_PUBLISHED)
    found = store.search_strengths(
        words, sorted(STOP_WORDS), standard_id=standard_id, limit=limit
    )
    found["schools"] = [
        [{**school, "cycle": cycle_label(school["cycle_year"])} for school in schools]
        for schools in found["schools"]
    ]
    return found


def where_written(schools: list[dict]) -> str:
    """'Alder Elementary (2024–25 review); Birch Middle School (2025–26 review)'."""
    return "; ".join(f"{s['school']} ({s['cycle']} review)" for s in schools)


def review_strengths(
    store: Store, user: User | None, review_id: int
) -> tuple[dict, pd.DataFrame]:
    """A published review's ratings and strengths, standard by standard: what a
    peer school may read of another school's review."""
    authorize(store, user, Action.READ_PUBLISHED)
    school_id = store.school_of("reviews", review_id)
    if store.review_published_on(review_id) is None:
        raise PermissionDenied("This review's report is not published yet.")
    school = store.schools([school_id]).iloc[0].to_dict()
    glance = store.review_at_a_glance(review_id)
    glance = glance[glance["strengths"].str.strip() != ""]
    return school, glance[["code", "standard", "consensus_label", "strengths"]]


# -- peer visits -------------------------------------------------------------------


def visit_need(school: str, standard: dict) -> str:
    """The words a visit request starts from."""
    return (
        f"We would like to visit {school} to see their work on {standard['code']} "
        f"({standard['name']}) and talk with their team."
    )


def peer_requests(store: Store, user: User | None) -> pd.DataFrame:
    """Requests to visit or pair with a peer school that the user may see."""
    authorize(store, user, Action.READ_PUBLISHED)
    return store.peer_requests(visible_school_ids(store, user))


def goals_on(
    store: Store, user: User | None, school_id: int, standard_id: int
) -> dict[int, str]:
    """A school's open goals on a standard, for a visit request to name."""
    authorize(store, user, Action.READ_SCHOOL, school_id=school_id)
    goals = store.open_goals_on(standard_id)
    goals = goals[goals["school_id"] == school_id]
    return dict(zip(goals["goal_id"].astype(int), goals["statement"], strict=True))
