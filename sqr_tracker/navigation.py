"""The pages of the app and the roles that see each one."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from sqr_tracker.config import PROJECT_ROOT
from sqr_tracker.models import Role

ALL_ROLES = frozenset(Role)


@dataclass(frozen=True)
class PageSpec:
    path: str
    title: str
    icon: str
    roles: frozenset[Role]
    section: str = "Your work"


PAGES: tuple[PageSpec, ...] = (
    PageSpec(
        "pages/school_home.py", "Our school", ":material/school:",
        frozenset({Role.SITE_TEAM, Role.PRINCIPAL}),
    ),
    PageSpec(
        "pages/workspace.py", "Our plan", ":material/checklist_rtl:",
        frozenset({Role.SITE_TEAM, Role.PRINCIPAL}),
    ),
    PageSpec(
        "pages/growth.py", "Our growth", ":material/trending_up:",
        frozenset({Role.SITE_TEAM, Role.PRINCIPAL}),
    ),
    PageSpec(
        "pages/network_home.py", "Our network", ":material/hub:",
        frozenset({Role.NETWORK_LEAD}),
    ),
    PageSpec(
        "pages/district_home.py", "District in numbers", ":material/insights:",
        frozenset({Role.CENTRAL_OFFICE}),
    ),
    PageSpec(
        "pages/workspace.py", "School plans", ":material/checklist_rtl:",
        frozenset({Role.NETWORK_LEAD, Role.CENTRAL_OFFICE}),
    ),
    PageSpec(
        "pages/growth.py", "Growth stories", ":material/trending_up:",
        frozenset({Role.NETWORK_LEAD, Role.CENTRAL_OFFICE}),
    ),
    PageSpec(
        "pages/needs_support.py", "Needs support", ":material/support:",
        frozenset({Role.NETWORK_LEAD, Role.CENTRAL_OFFICE}), section="Across schools",
    ),
    PageSpec(
        "pages/heatmap.py", "Ratings across schools", ":material/grid_on:",
        frozenset({Role.NETWORK_LEAD, Role.CENTRAL_OFFICE}), section="Across schools",
    ),
    PageSpec(
        "pages/exemplars.py", "Exemplars", ":material/diversity_3:",
        frozenset({Role.SITE_TEAM, Role.PRINCIPAL, Role.NETWORK_LEAD,
                   Role.CENTRAL_OFFICE}),
    ),
    PageSpec(
        "pages/compliance.py", "Monthly updates", ":material/event_available:",
        frozenset({Role.NETWORK_LEAD, Role.CENTRAL_OFFICE}), section="Across schools",
    ),
    PageSpec(
        "pages/review_calendar.py", "Review calendar", ":material/calendar_month:",
        frozenset({Role.NETWORK_LEAD, Role.CENTRAL_OFFICE}), section="Across schools",
    ),
    PageSpec(
        "pages/support_requests.py", "Support requests", ":material/support_agent:",
        frozenset({Role.NETWORK_LEAD, Role.CENTRAL_OFFICE}), section="Across schools",
    ),
    PageSpec(
        "pages/rating_validity.py", "Do the ratings mean something?",
        ":material/query_stats:",
        frozenset({Role.NETWORK_LEAD, Role.CENTRAL_OFFICE}), section="Across schools",
    ),
    PageSpec(
        "pages/calibration.py", "Reviewer calibration", ":material/balance:",
        frozenset({Role.CENTRAL_OFFICE}), section="Across schools",
    ),
    PageSpec(
        "pages/district_data.py", "District data", ":material/database:",
        frozenset({Role.CENTRAL_OFFICE}), section="The district",
    ),
    PageSpec(
        "pages/reviewer_home.py", "My reviews", ":material/rate_review:",
        frozenset({Role.REVIEWER}),
    ),
    PageSpec(
        "pages/review.py", "Review", ":material/fact_check:",
        frozenset({Role.REVIEWER, Role.CENTRAL_OFFICE, Role.SITE_TEAM,
                   Role.PRINCIPAL}),
    ),
    PageSpec(
        "pages/summaries.py", "School summaries", ":material/article:", ALL_ROLES,
        section="The district",
    ),
    PageSpec(
        "pages/standards.py", "Standards", ":material/checklist:", ALL_ROLES,
        section="The district",
    ),
)  # fmt: skip


def pages_for(role: Role) -> list[PageSpec]:
    """The pages a role sees, in menu order (its own home page first)."""
    return [page for page in PAGES if role in page.roles]


def spec_of(script: str) -> PageSpec:
    """The spec of a page file, given its ``__file__``; a file listed under
    several titles (one per group of roles) is open to all of those roles."""
    relative = Path(script).resolve().relative_to(PROJECT_ROOT).as_posix()
    specs = [page for page in PAGES if page.path == relative]
    if not specs:
        raise KeyError(f"{relative} is not a page of the app")
    roles = frozenset().union(*(page.roles for page in specs))
    return replace(specs[0], roles=roles)
