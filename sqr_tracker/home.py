"""What each role's home page shows, checked against what the role may see.

Every function takes the acting user and refuses (PermissionDenied) what the
user's scope does not cover, and drops columns a role should not receive, so a
page only renders what it is given.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd

from sqr_tracker import evidence
from sqr_tracker.auth import Action, authorize, of_record, visible_school_ids
from sqr_tracker.errors import NotFound, PermissionDenied
from sqr_tracker.models import Phase, User
from sqr_tracker.store import Store


@dataclass(frozen=True)
class SchoolGlance:
    school: dict[str, Any]
    review: dict[str, Any] | None
    standards: pd.DataFrame
    plan: dict[str, Any]


def school_glance(store: Store, user: User | None, school_id: int, today: date):
    """A school's latest published review by standard, with each standard's
    evidence and self vs team words, and its plan in numbers."""
    authorize(store, user, Action.READ_SCHOOL, school_id=school_id)
    found = store.schools([school_id])
    if found.empty:
        raise NotFound(f"No school with id {school_id}.")
    review = store.latest_published_review(school_id)
    standards = pd.DataFrame()
    if review is not None:
        standards = evidence.review_standards(store, int(review["id"]))
        standards["evidence"] = standards["line"]
        standards["evidence_detail"] = standards["sentences"].map("; ".join)
    plan = store.plan_overview([school_id], today).iloc[0].to_dict()
    return SchoolGlance(found.iloc[0].to_dict(), review, standards, plan)


def school_line(school: dict[str, Any]) -> str:
    """'Elementary school · North Network · 420 students · principal Ana Ruiz'."""
    parts = [
        f"{school['level'].title()} school",
        school["network"],
        f"{school['enrollment']:,} students",
    ]
    if isinstance(school.get("principal"), str):
        parts.append(f"principal {school['principal']}")
    return " · ".join(parts)


def school_year(day: date) -> int:
    """The cycle year of a date: school years start in August."""
    return day.year if day.month >= 8 else day.year - 1


def cycle_label(year: int) -> str:
    """A cycle year as its school year: 2026 is '2026–27'."""
    year = int(year)
    return f"{year}–{str(year + 1)[-2:]}"


@dataclass(frozen=True)
class DistrictNumbers:
    figures: dict[str, int | str]
    cycle: str
    reviews_by_phase: pd.DataFrame
    consensus_counts: pd.DataFrame
    rating_scale: pd.DataFrame


def district_numbers(store: Store, user: User | None, today: date) -> DistrictNumbers:
    """The district (or a network lead's network) in a few figures."""
    scope = _scope(store, user)
    plans = store.plan_overview(scope, today)
    month_start = pd.Timestamp(today.replace(day=1))
    checked = int((pd.to_datetime(plans["last_check_in"]) >= month_start).sum())
    phases = store.reviews_by_phase(school_year(today), scope)
    order = {phase.value: i for i, phase in enumerate(Phase)}
    phases = phases.sort_values("phase", key=lambda s: s.map(order))
    figures = {
        "Schools": len(plans),
        "Open goals": int(plans["open_goals"].sum()),
        "Overdue action steps": int(plans["overdue_steps"].sum()),
        "Open support requests": int(plans["open_requests"].sum()),
        "Checked in this month": checked,  # schools, beside "Schools" (fits one line)
    }
    consensus = store.latest_consensus_counts(scope)
    return DistrictNumbers(
        figures,
        cycle_label(school_year(today)),
        phases.reset_index(drop=True),
        consensus,
        store.rating_scale(),
    )


def network_overview(store: Store, user: User | None, today: date) -> pd.DataFrame:
    """The plan status of each school a network lead follows."""
    overview = store.plan_overview(_scope(store, user), today)
    return overview.drop(columns=["network", "school_id"])


def my_reviews(store: Store, user: User | None) -> pd.DataFrame:
    """The reviews a reviewer is on, current ones first, with their ids (to
    open one)."""
    user = of_record(store, user)
    if user is None or not user.active:
        raise PermissionDenied("Sign in to see your reviews.")
    reviews = store.reviews_for_reviewer(user.id)
    reviews["cycle"] = reviews["cycle_year"].map(cycle_label)
    return reviews.drop(columns=["cycle_year"])


def reviews_under_way(reviews: pd.DataFrame) -> str:
    """'7 reviews under way, 3 of them led by you' (unpublished ones)."""
    open_ones = reviews[reviews["published_on"].isna()]
    led = int((open_ones["team_role"] == "lead reviewer").sum())
    return f"{len(open_ones)} reviews under way, {led} of them led by you"


def summary_choices(store: Store, user: User | None) -> dict[int, str]:
    """The schools whose published summary a user may read, by name."""
    authorize(store, user, Action.READ_PUBLISHED)
    schools = store.schools()
    return dict(zip(schools["id"].tolist(), schools["name"].tolist(), strict=True))


def standards_and_scale(
    store: Store, user: User | None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The district's standards (code, name, description) and its rating scale."""
    authorize(store, user, Action.READ_PUBLISHED)
    standards = store.standards()[["code", "name", "description"]]
    return standards, store.rating_scale()


def _scope(store: Store, user: User | None) -> list[int] | None:
    """The school ids the user may see in aggregate, refusing users who see none."""
    scope = visible_school_ids(store, user)
    if scope == []:
        authorize(store, user, Action.READ_SCHOOL, school_id=-1)
    return scope
