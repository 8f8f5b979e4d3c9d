"""Who may do what: the permission matrix, and the checks every write runs.

The matrix is the documentation: each action lists the roles that may take it and
over which scope. Anything not listed is refused. Pages hide what a role cannot
do, but the refusal that counts happens here, below the pages.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from sqr_tracker.errors import PermissionDenied
from sqr_tracker.models import Role, User

if TYPE_CHECKING:
    from sqr_tracker.store import Store


class Action(StrEnum):
    READ_SCHOOL = "see a school's plan and review"
    READ_PUBLISHED = "read published summaries"
    EDIT_PLAN = "change a school's plan"
    SELF_REFLECT = "record the school's self-reflection"
    REQUEST_SUPPORT = "ask the central office for support"
    ANSWER_SUPPORT = "answer a support request"
    COMMENT = "comment on a school's plan"
    RECORD_REVIEW = "record a reviewer's rating"
    LEAD_REVIEW = "record a review's consensus, findings and evidence"
    MOVE_PHASE = "move a review to its next phase"
    PLAN_REVIEWS = "plan reviews and assign teams"
    EDIT_SETTINGS = "change district settings"
    MANAGE_USERS = "manage users"
    BACK_UP = "back up the district's data"


class Scope(StrEnum):
    ANY = "any school"
    OWN_SCHOOL = "their own school"
    OWN_NETWORK = "schools in their network"
    REVIEW_TEAM = "reviews they are assigned to"
    REVIEW_LEAD = "reviews they lead"


_SCHOOL_TEAM = {Role.SITE_TEAM: Scope.OWN_SCHOOL, Role.PRINCIPAL: Scope.OWN_SCHOOL}

PERMISSIONS: dict[Action, dict[Role, Scope]] = {
    Action.READ_SCHOOL: {
        **_SCHOOL_TEAM,
        Role.NETWORK_LEAD: Scope.OWN_NETWORK,
        Role.CENTRAL_OFFICE: Scope.ANY,
        Role.REVIEWER: Scope.REVIEW_TEAM,
    },
    Action.READ_PUBLISHED: {role: Scope.ANY for role in Role},
    Action.EDIT_PLAN: dict(_SCHOOL_TEAM),
    Action.SELF_REFLECT: dict(_SCHOOL_TEAM),
    Action.REQUEST_SUPPORT: dict(_SCHOOL_TEAM),
    Action.ANSWER_SUPPORT: {
        Role.NETWORK_LEAD: Scope.OWN_NETWORK,
        Role.CENTRAL_OFFICE: Scope.ANY,
    },
    Action.COMMENT: {**_SCHOOL_TEAM, Role.NETWORK_LEAD: Scope.OWN_NETWORK},
    Action.RECORD_REVIEW: {Role.REVIEWER: Scope.REVIEW_TEAM},
    Action.LEAD_REVIEW: {Role.REVIEWER: Scope.REVIEW_LEAD},
    Action.MOVE_PHASE: {
        Role.CENTRAL_OFFICE: Scope.ANY,
        Role.REVIEWER: Scope.REVIEW_LEAD,
    },
    Action.PLAN_REVIEWS: {Role.CENTRAL_OFFICE: Scope.ANY},
    Action.EDIT_SETTINGS: {Role.CENTRAL_OFFICE: Scope.ANY},
    Action.MANAGE_USERS: {Role.CENTRAL_OFFICE: Scope.ANY},
    Action.BACK_UP: {Role.CENTRAL_OFFICE: Scope.ANY},
}


def of_record(store: Store, user: User | None) -> User | None:
    """The user as the store holds them now (role, scope, whether active), so
    that a changed role or a disabled account counts at once; None for someone
    signed out or not a user of this district."""
    if user is None:
        return None
    return same_person(user, store.user_by_id(user.id))


def same_person(user: User, stored: User | None) -> User | None:
    """``stored`` (the store's row of ``user.id``) if it is still this person."""
    if stored is None or stored.email.lower() != user.email.lower():
        return None
    return stored


def allowed(
    store: Store,
    user: User | None,
    action: Action,
    *,
    school_id: int | None = None,
    review_id: int | None = None,
) -> bool:
    """Whether ``user`` may take ``action`` on this school or review."""
    record = of_record(store, user)
    return _permits(store, record, action, school_id=school_id, review_id=review_id)


def _permits(
    store: Store,
    user: User | None,
    action: Action,
    *,
    school_id: int | None,
    review_id: int | None,
) -> bool:
    """The matrix's answer for a user as the store holds them."""
    if user is None or not user.active:
        return False
    scope = PERMISSIONS[action].get(user.role)
    if scope is None:
        return False
    if scope == Scope.ANY:
        return True
    if scope == Scope.OWN_SCHOOL:
        return school_id is not None and school_id == user.school_id
    if scope == Scope.OWN_NETWORK:
        return (
            school_id is not None
            and user.network_id is not None
            and store.network_of_school(school_id) == user.network_id
        )
    if scope == Scope.REVIEW_LEAD:
        return review_id is not None and store.review_lead_id(review_id) == user.id
    if review_id is not None:
        return user.id in store.review_team_ids(review_id)
    return school_id is not None and school_id in store.reviewed_school_ids(user.id)


def authorize(
    store: Store,
    user: User | None,
    action: Action,
    *,
    school_id: int | None = None,
    review_id: int | None = None,
) -> User:
    """Return the user if allowed, else raise PermissionDenied saying why."""
    record = of_record(store, user)
    if _permits(store, record, action, school_id=school_id, review_id=review_id):
        assert record is not None
        return record
    if user is None:
        raise PermissionDenied(f"Sign in to {action.value}.")
    if record is None:
        raise PermissionDenied(f"{user.email} is not a user of this district.")
    if not record.active:
        raise PermissionDenied(f"The account {record.email} is disabled.")
    role = record.role.label.lower()
    scope = PERMISSIONS[action].get(record.role)
    if scope is None:
        raise PermissionDenied(f"A {role} cannot {action.value}.")
    raise PermissionDenied(f"A {role} can {action.value} only for {scope.value}.")


def visible_school_ids(store: Store, user: User | None) -> list[int] | None:
    """The schools whose plans and reviews the user may see; None means all."""
    user = of_record(store, user)
    if user is None or not user.active:
        return []
    scope = PERMISSIONS[Action.READ_SCHOOL].get(user.role)
    if scope is None:
        return []
    if scope == Scope.ANY:
        return None
    if scope == Scope.OWN_SCHOOL:
        return [user.school_id] if user.school_id is not None else []
    if scope == Scope.OWN_NETWORK:
        return store.school_ids_in_network(user.network_id) if user.network_id else []
    return sorted(store.reviewed_school_ids(user.id))


def permission_table() -> list[dict[str, str]]:
    """The matrix as rows (action, role, scope), for the README and the UI."""
    return [
        {"action": action.value, "role": role.label, "scope": scope.value}
        for action, roles in PERMISSIONS.items()
        for role, scope in roles.items()
    ]


PERMISSIONS_HEADER = ("action", "who may, and over which schools or reviews")


def permission_rows() -> list[str]:
    """The matrix as the lines of the README's Markdown table: one row per
    action, naming the roles that may take it with their scope (a role that
    may take it everywhere is named alone)."""
    lines = [f"| {' | '.join(PERMISSIONS_HEADER)} |", "|---|---|"]
    for action, roles in PERMISSIONS.items():
        lines.append(f"| {action.value} | {_who(roles)} |")
    return lines


def _who(roles: dict[Role, Scope]) -> str:
    """'site team member and principal: their own school; central office'."""
    if set(roles) == set(Role) and set(roles.values()) == {Scope.ANY}:
        return "everyone signed in"
    by_scope: dict[Scope, list[str]] = {}
    for role, scope in roles.items():
        by_scope.setdefault(scope, []).append(role.label.lower())
    parts = []
    for scope, labels in by_scope.items():
        named = " and ".join(labels)
        parts.append(named if scope == Scope.ANY else f"{named}: {scope.value}")
    return "; ".join(parts)
