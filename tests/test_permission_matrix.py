"""The permission matrix, proven: every role, every action, own and another's.

Each attempt is one concrete call into the package (a write in actions.py or a
reader that checks the user), aimed at a school, its plan or one of its reviews.
Who may make it is worked out from ``auth.PERMISSIONS`` and the scope rules over
the prepared district below (the matrix is the oracle), and a few cells are also
written out by hand so that the oracle itself is checked. An allowed attempt
succeeds and leaves its history entries; a refused one raises PermissionDenied
saying why and changes no table at all. Every attempt meets the prepared
district as it was: a copy of the prepared data file, made afresh once an
attempt changed anything in it.
"""

from __future__ import annotations

import inspect
import itertools
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from conftest import PEOPLE, TODAY, small_district

from sqr_tracker import (
    actions,
    backups,
    evidence,
    exports,
    growth,
    home,
    plans,
    reviews,
)
from sqr_tracker.auth import PERMISSIONS, Action, Scope, permission_rows
from sqr_tracker.errors import PermissionDenied
from sqr_tracker.models import Role, User
from sqr_tracker.store import Store

README = Path(__file__).resolve().parents[1] / "README.md"
STAMP = datetime(2026, 10, 1, 9, 0)


# -- the prepared district ---------------------------------------------------------


def _more(frame: pd.DataFrame, rows: list[dict[str, Any]]) -> pd.DataFrame:
    return pd.concat([frame, pd.DataFrame(rows)], ignore_index=True)


def prepared_district() -> dict[str, pd.DataFrame]:
    """The small district with a plan, a support request, a review in its
    self-reflection phase and one in its report phase (ready to publish) at each
    of schools 1, 2 and 3, and a deleted goal and action step at each."""
    tables = small_district()
    step = {"owner": "Dean", "starts_on": date(2026, 9, 1), "due_on": date(2027, 5, 1)}
    gone = {"deleted_on": STAMP, "deleted_by": 1}
    tables["goals"] = _more(
        tables["goals"],
        [
            {"id": 2, "school_id": 2, "standard_id": 2, "statement": "Calm halls"},
            {"id": 3, "school_id": 3, "standard_id": 1, "statement": "Rich tasks"},
            *[
                {"id": 3 + s, "school_id": s, "standard_id": 1, "statement": "Old"}
                | gone
                for s in (1, 2, 3)
            ],
        ],
    )
    tables["milestones"] = _more(
        tables["milestones"],
        [
            {
                "id": g,
                "goal_id": g,
                "description": "Halfway",
                "due_on": date(2027, 1, 1),
            }
            for g in (2, 3)
        ],
    )
    tables["action_steps"] = _more(
        tables["action_steps"],
        [
            *[
                {"id": g, "goal_id": g, "description": "Coach", "status": "in progress"}
                | step
                for g in (2, 3)
            ],
            *[
                {"id": 3 + g, "goal_id": g, "description": "Old step"} | step | gone
                for g in (1, 2, 3)
            ],
        ],
    ).fillna({"status": "not started"})
    tables["support_requests"] = pd.DataFrame(
        [
            {"id": s, "school_id": s, "need": "A coach", "requested_by": by}
            | {"requested_on": STAMP}
            for s, by in ((1, 1), (2, 3), (3, 4))
        ]
    )
    review = {"cycle_year": 2026, "starts_on": date(2026, 9, 1)}
    tables["reviews"] = _more(
        tables["reviews"],
        [
            {
                "id": 4,
                "school_id": 1,
                "phase": "self-reflection",
                "lead_reviewer_id": 8,
            },
            {
                "id": 5,
                "school_id": 2,
                "phase": "self-reflection",
                "lead_reviewer_id": 10,
            },
            {"id": 6, "school_id": 2, "phase": "report", "lead_reviewer_id": 10},
            {
                "id": 7,
                "school_id": 3,
                "phase": "self-reflection",
                "lead_reviewer_id": 10,
            },
        ],
    )
    tables["reviews"] = tables["reviews"].fillna(review)
    tables["review_team"] = _more(
        tables["review_team"],
        [
            {"review_id": 4, "user_id": 8, "team_role": "lead"},
            {"review_id": 4, "user_id": 9, "team_role": "reviewer"},
            *[{"review_id": r, "user_id": 10, "team_role": "lead"} for r in (5, 6, 7)],
        ],
    )
    tables["review_focus"] = _more(
        tables["review_focus"],
        [{"review_id": 3, "standard_id": 1}, {"review_id": 6, "standard_id": 1}],
    )
    tables["ratings"] = _more(
        tables["ratings"],
        [
            {"id": 8, "review_id": 3, "rater_kind": "consensus", "rater_id": None},
            {"id": 9, "review_id": 3, "rater_kind": "reviewer", "rater_id": 9},
            {"id": 10, "review_id": 3, "rater_kind": "reviewer", "rater_id": 8},
            {"id": 11, "review_id": 6, "rater_kind": "consensus", "rater_id": None},
            {"id": 12, "review_id": 6, "rater_kind": "reviewer", "rater_id": 10},
        ],
    ).fillna({"standard_id": 1, "level": 3})
    tables["findings"] = _more(
        tables["findings"],
        [
            {"id": 3, "review_id": 6, "standard_id": 1, "strengths": "Calm starts"},
            {"id": 4, "review_id": 2, "standard_id": 2, "strengths": "Warm welcome"},
        ],
    ).fillna({"areas_for_growth": ""})
    return tables


@dataclass(frozen=True)
class Place:
    """One school's prepared rows that attempts aim at."""

    school: int
    goal: int
    milestone: int
    step: int
    request: int
    reflecting: int  # a review in its self-reflection phase
    reporting: int  # an unpublished review, ready to publish where in report phase
    finding: int
    staff: int  # a user of the school
    deleted_goal: int
    deleted_step: int


PLACES = {
    1: Place(1, 1, 1, 1, 1, 4, 3, 2, 2, 4, 4),
    2: Place(2, 2, 2, 2, 2, 5, 6, 3, 3, 5, 5),
    3: Place(3, 3, 3, 3, 3, 7, 2, 4, 4, 6, 6),
}


@dataclass(frozen=True)
class Actor:
    """Someone who tries: a user of the district, a stranger or nobody, with
    the place that is theirs and one that is not."""

    name: str
    email: str | None
    own: int
    other: int


UNKNOWN = User(id=99, email="nobody@test.sqr", name="No Body", role="central_office")
ACTORS = [
    Actor("site team member", "team.a@test.sqr", own=1, other=3),
    Actor("principal", "principal.a@test.sqr", own=1, other=3),
    Actor("network lead", "lead.north@test.sqr", own=1, other=3),
    Actor("central office", "office@test.sqr", own=1, other=3),
    Actor("reviewer leading", "reviewer.lead@test.sqr", own=1, other=2),
    Actor("reviewer on team", "reviewer.team@test.sqr", own=1, other=2),
    Actor("viewer", "viewer@test.sqr", own=1, other=3),
    Actor("disabled principal", "gone@test.sqr", own=1, other=3),
    Actor("unknown", UNKNOWN.email, own=1, other=3),
    Actor("signed out", None, own=1, other=3),
]
ACTOR = {actor.name: actor for actor in ACTORS}


def user_of(store: Store, actor: Actor) -> User | None:
    if actor.email is None:
        return None
    if actor.email == UNKNOWN.email:
        return UNKNOWN
    return store.user_by_email(actor.email)


# -- the attempts --------------------------------------------------------------------


def version(store: Store, table: str, row_id: int) -> int:
    return store.row(table, row_id)["version"]


@dataclass(frozen=True)
class Attempt:
    """One call of ``function`` aimed at a place; ``about`` says what its
    permission is checked against (the school, or one of its reviews)."""

    name: str
    action: Action
    function: Callable[..., Any]
    call: Callable[[Store, User | None, Place], Any]
    about: str = "school"  # or "reflecting", "reporting", "district"
    writes: int = 1


def _plan_attempts() -> list[Attempt]:
    a = actions
    plan = Action.EDIT_PLAN
    due = date(2027, 3, 1)
    return [
        Attempt(
            "create goal",
            plan,
            a.create_goal,
            lambda s, u, p: a.create_goal(
                s, u, {"school_id": p.school, "standard_id": 2, "statement": "Calm"}
            ),
        ),
        Attempt(
            "edit goal",
            plan,
            a.update_goal,
            lambda s, u, p: a.update_goal(
                s,
                u,
                p.goal,
                {"statement": "Calmer"},
                version=version(s, "goals", p.goal),
            ),
        ),
        Attempt(
            "close goal",
            plan,
            a.close_goal,
            lambda s, u, p: a.close_goal(
                s, u, p.goal, version=version(s, "goals", p.goal)
            ),
        ),
        Attempt(
            "reopen goal",
            plan,
            a.reopen_goal,
            lambda s, u, p: a.reopen_goal(
                s, u, p.goal, version=version(s, "goals", p.goal)
            ),
        ),
        Attempt(
            "delete goal",
            plan,
            a.delete_goal,
            lambda s, u, p: a.delete_goal(
                s, u, p.goal, version=version(s, "goals", p.goal)
            ),
        ),
        Attempt(
            "restore goal",
            plan,
            a.restore_goal,
            lambda s, u, p: a.restore_goal(
                s, u, p.deleted_goal, version=version(s, "goals", p.deleted_goal)
            ),
        ),
        Attempt(
            "create milestone",
            plan,
            a.create_milestone,
            lambda s, u, p: a.create_milestone(
                s, u, {"goal_id": p.goal, "description": "All staff", "due_on": due}
            ),
        ),
        Attempt(
            "edit milestone",
            plan,
            a.update_milestone,
            lambda s, u, p: a.update_milestone(
                s,
                u,
                p.milestone,
                {"description": "Most staff"},
                version=version(s, "milestones", p.milestone),
            ),
        ),
        Attempt(
            "create action step",
            plan,
            a.create_action_step,
            lambda s, u, p: a.create_action_step(
                s,
                u,
                {
                    "goal_id": p.goal,
                    "description": "Walkthroughs",
                    "owner": "Coach",
                    "starts_on": date(2026, 12, 1),
                    "due_on": due,
                },
            ),
        ),
        Attempt(
            "edit action step",
            plan,
            a.update_action_step,
            lambda s, u, p: a.update_action_step(
                s,
                u,
                p.step,
                {"owner": "Dean of students"},
                version=version(s, "action_steps", p.step),
            ),
        ),
        Attempt(
            "delete action step",
            plan,
            a.delete_action_step,
            lambda s, u, p: a.delete_action_step(
                s, u, p.step, version=version(s, "action_steps", p.step)
            ),
        ),
        Attempt(
            "restore action step",
            plan,
            a.restore_action_step,
            lambda s, u, p: a.restore_action_step(
                s,
                u,
                p.deleted_step,
                version=version(s, "action_steps", p.deleted_step),
            ),
        ),
        Attempt(
            "check in on a step",
            plan,
            a.record_check_in,
            lambda s, u, p: a.record_check_in(
                s, u, {"action_step_id": p.step, "status": "in progress"}
            ),
        ),
        Attempt(
            "check in for the month",
            plan,
            a.record_check_ins,
            lambda s, u, p: a.record_check_ins(
                s, u, p.school, [{"goal_id": p.goal, "status": "in progress"}]
            ),
        ),
        Attempt(
            "record event",
            plan,
            a.record_event,
            lambda s, u, p: a.record_event(
                s,
                u,
                {
                    "school_id": p.school,
                    "happened_on": date(2026, 11, 2),
                    "kind": "new programme",
                    "description": "Peer tutoring",
                },
            ),
        ),
    ]


def _school_attempts() -> list[Attempt]:
    a = actions
    return [
        Attempt(
            "self-reflection rating",
            Action.SELF_REFLECT,
            a.record_rating,
            lambda s, u, p: a.record_rating(
                s,
                u,
                {
                    "review_id": p.reflecting,
                    "standard_id": 1,
                    "rater_kind": "self-reflection",
                    "level": 3,
                },
            ),
            about="reflecting",
        ),
        Attempt(
            "rating between reviews",
            Action.SELF_REFLECT,
            a.record_interim_rating,
            lambda s, u, p: a.record_interim_rating(
                s,
                u,
                {
                    "school_id": p.school,
                    "standard_id": 1,
                    "recorded_on": date(2026, 11, 20),
                    "level": 2,
                },
            ),
        ),
        Attempt(
            "request support",
            Action.REQUEST_SUPPORT,
            a.request_support,
            lambda s, u, p: a.request_support(
                s, u, {"school_id": p.school, "need": "A literacy coach"}
            ),
        ),
        Attempt(
            "answer support",
            Action.ANSWER_SUPPORT,
            a.answer_support,
            lambda s, u, p: a.answer_support(
                s,
                u,
                p.request,
                {"answer": "A coach visits on Tuesdays"},
                version=version(s, "support_requests", p.request),
            ),
        ),
        Attempt(
            "comment",
            Action.COMMENT,
            a.add_comment,
            lambda s, u, p: a.add_comment(
                s, u, {"school_id": p.school, "body": "Good progress this month"}
            ),
        ),
    ]


def _review_attempts() -> list[Attempt]:
    a = actions

    def rating(kind: str) -> Callable[[Store, User | None, Place], Any]:
        return lambda s, u, p: a.record_rating(
            s,
            u,
            {
                "review_id": p.reporting,
                "standard_id": 3,
                "rater_kind": kind,
                "level": 3,
            },
        )

    return [
        Attempt(
            "reviewer's rating",
            Action.RECORD_REVIEW,
            a.record_rating,
            rating("reviewer"),
            about="reporting",
        ),
        Attempt(
            "submit ratings",
            Action.RECORD_REVIEW,
            a.submit_ratings,
            lambda s, u, p: a.submit_ratings(s, u, p.reporting),
            about="reporting",
        ),
        Attempt(
            "consensus rating",
            Action.LEAD_REVIEW,
            a.record_rating,
            rating("consensus"),
            about="reporting",
        ),
        Attempt(
            "finding",
            Action.LEAD_REVIEW,
            a.record_finding,
            lambda s, u, p: a.record_finding(
                s,
                u,
                {"review_id": p.reporting, "standard_id": 3, "strengths": "Rigour"},
            ),
            about="reporting",
        ),
        Attempt(
            "evidence",
            Action.LEAD_REVIEW,
            a.add_evidence,
            lambda s, u, p: a.add_evidence(
                s,
                u,
                {"finding_id": p.finding, "source": "document", "description": "Plans"},
            ),
            about="reporting",
        ),
        Attempt(
            "publish review",
            Action.LEAD_REVIEW,
            a.publish_review,
            lambda s, u, p: a.publish_review(
                s, u, p.reporting, version=version(s, "reviews", p.reporting)
            ),
            about="reporting",
        ),
        Attempt(
            "move phase",
            Action.MOVE_PHASE,
            a.update_review,
            lambda s, u, p: a.update_review(
                s,
                u,
                p.reflecting,
                {"phase": "site visit"},
                version=version(s, "reviews", p.reflecting),
            ),
            about="reflecting",
        ),
        Attempt(
            "plan review dates",
            Action.PLAN_REVIEWS,
            a.update_review,
            lambda s, u, p: a.update_review(
                s,
                u,
                p.reflecting,
                {
                    "visit_starts_on": date(2027, 1, 11),
                    "visit_ends_on": date(2027, 1, 13),
                },
                version=version(s, "reviews", p.reflecting),
            ),
            about="reflecting",
        ),
        Attempt(
            "create review",
            Action.PLAN_REVIEWS,
            a.create_review,
            lambda s, u, p: a.create_review(
                s,
                u,
                {
                    "school_id": p.school,
                    "cycle_year": 2029,
                    "starts_on": date(2029, 9, 1),
                },
            ),
        ),
    ]


def _district_attempts() -> list[Attempt]:
    a = actions
    return [
        Attempt(
            "change setting",
            Action.EDIT_SETTINGS,
            a.change_setting,
            lambda s, u, p: a.change_setting(
                s, u, {"key": "plan_stale_days", "value": 45}
            ),
            about="district",
        ),
        Attempt(
            "add planning deadline",
            Action.EDIT_SETTINGS,
            a.add_planning_deadline,
            lambda s, u, p: a.add_planning_deadline(
                s, u, {"name": "Site plan draft", "due_on": date(2027, 3, 15)}
            ),
            about="district",
        ),
        Attempt(
            "add user",
            Action.MANAGE_USERS,
            a.create_user,
            lambda s, u, p: a.create_user(
                s,
                u,
                {
                    "email": f"new.{p.school}@test.sqr",
                    "name": "Nova New",
                    "role": "site_team",
                    "school_id": p.school,
                },
            ),
        ),
        Attempt(
            "disable user",
            Action.MANAGE_USERS,
            a.set_user_active,
            lambda s, u, p: a.set_user_active(
                s, u, p.staff, False, version=version(s, "users", p.staff)
            ),
        ),
    ]


def _reading_attempts() -> list[Attempt]:
    return [
        Attempt(
            "back up",
            Action.BACK_UP,
            backups.back_up_now,
            lambda s, u, p: backups.back_up_now(s, u, s.path.parent / "backups"),
            about="district",
            writes=0,
        ),
        Attempt(
            "read the plan",
            Action.READ_SCHOOL,
            plans.school_plan,
            lambda s, u, p: plans.school_plan(s, u, p.school, TODAY),
            writes=0,
        ),
        Attempt(
            "read the evidence",
            Action.READ_SCHOOL,
            evidence.school_evidence,
            lambda s, u, p: evidence.school_evidence(s, u, p.school),
            writes=0,
        ),
        Attempt(
            "export the growth story",
            Action.READ_SCHOOL,
            exports.report_for,
            lambda s, u, p: exports.report_for(s, u, p.school, TODAY),
            writes=0,
        ),
        Attempt(
            "read the review",
            Action.READ_SCHOOL,
            reviews.review_record,
            lambda s, u, p: reviews.review_record(s, u, p.reporting),
            about="reporting",
            writes=0,
        ),
        Attempt(
            "read the public summary",
            Action.READ_PUBLISHED,
            growth.public_story,
            lambda s, u, p: growth.public_story(s, u, p.school, TODAY),
            writes=0,
        ),
        Attempt(
            "list the summaries",
            Action.READ_PUBLISHED,
            home.summary_choices,
            lambda s, u, p: home.summary_choices(s, u),
            about="district",
            writes=0,
        ),
    ]


ATTEMPTS = [
    *_plan_attempts(),
    *_school_attempts(),
    *_review_attempts(),
    *_district_attempts(),
    *_reading_attempts(),
]
ATTEMPT = {attempt.name: attempt for attempt in ATTEMPTS}


# -- the oracle ----------------------------------------------------------------------


@dataclass(frozen=True)
class District:
    """The facts the scope rules read, taken from the prepared tables."""

    networks: dict[int, int]  # school -> network
    review_schools: dict[int, int]
    leads: dict[int, int]
    teams: dict[int, set[int]]

    @classmethod
    def of(cls, tables: dict[str, pd.DataFrame]) -> District:
        schools, found = tables["schools"], tables["reviews"]
        teams: dict[int, set[int]] = {int(r): set() for r in found["id"]}
        for row in tables["review_team"].itertuples():
            teams[int(row.review_id)].add(int(row.user_id))
        leads = dict(zip(found["id"], found["lead_reviewer_id"], strict=True))
        for review_id, lead in leads.items():
            teams[review_id].add(int(lead))
        return cls(
            networks=dict(zip(schools["id"], schools["network_id"], strict=True)),
            review_schools=dict(zip(found["id"], found["school_id"], strict=True)),
            leads=leads,
            teams=teams,
        )


DISTRICT = District.of(prepared_district())
PERSON = {email: (pid, role, school, network) for pid, email, _, role, school,
          network in PEOPLE}  # fmt: skip
INACTIVE = {"gone@test.sqr"}


def target(attempt: Attempt, place: Place) -> tuple[int | None, int | None]:
    """(school, review) the attempt's permission is about."""
    if attempt.about == "district":
        return None, None
    if attempt.about == "school":
        return place.school, None
    review = getattr(place, attempt.about)
    return DISTRICT.review_schools[review], review


def expected(actor: Actor, attempt: Attempt, place: Place) -> str | None:
    """None if the matrix lets the actor make the attempt, else the refusal."""
    action = attempt.action
    if actor.email is None:
        return f"Sign in to {action.value}."
    if actor.email not in PERSON:
        return f"{actor.email} is not a user of this district."
    if actor.email in INACTIVE:
        return f"The account {actor.email} is disabled."
    person, role, school, network = PERSON[actor.email]
    role = Role(role)
    scope = PERMISSIONS[action].get(role)
    label = role.label.lower()
    if scope is None:
        return f"A {label} cannot {action.value}."
    on_school, on_review = target(attempt, place)
    reviewed = {
        DISTRICT.review_schools[r]
        for r, team in DISTRICT.teams.items()
        if person in team
    }
    may = {
        Scope.ANY: True,
        Scope.OWN_SCHOOL: on_school is not None and on_school == school,
        Scope.OWN_NETWORK: on_school is not None
        and DISTRICT.networks[on_school] == network,
        Scope.REVIEW_LEAD: on_review is not None
        and DISTRICT.leads[on_review] == person,
        Scope.REVIEW_TEAM: person in DISTRICT.teams[on_review]
        if on_review is not None
        else on_school in reviewed,
    }[scope]
    return None if may else f"A {label} can {action.value} only for {scope.value}."


def cells() -> list[tuple[Actor, Attempt, str]]:
    """Every actor with every attempt, at their own place and another's (once
    for what is the same across the district)."""
    found = []
    for actor in ACTORS:
        for attempt in ATTEMPTS:
            sides = ("district",) if attempt.about == "district" else ("own", "other")
            found.extend((actor, attempt, side) for side in sides)
    return found


def place_of(actor: Actor, side: str) -> Place:
    return PLACES[actor.other if side == "other" else actor.own]


# Cells written out by hand: they check the oracle above.
BY_HAND = {
    ("viewer", "create goal", "own"): False,
    ("principal", "create goal", "own"): True,
    ("principal", "create goal", "other"): False,
    ("site team member", "edit action step", "own"): True,
    ("network lead", "edit goal", "own"): False,
    ("network lead", "comment", "own"): True,
    ("network lead", "comment", "other"): False,
    ("network lead", "answer support", "own"): True,
    ("site team member", "answer support", "own"): False,
    ("central office", "answer support", "other"): True,
    ("central office", "create goal", "own"): False,
    ("central office", "move phase", "other"): True,
    ("central office", "change setting", "district"): True,
    ("reviewer on team", "reviewer's rating", "own"): True,
    ("reviewer on team", "reviewer's rating", "other"): False,
    ("reviewer on team", "publish review", "own"): False,
    ("reviewer leading", "publish review", "own"): True,
    ("reviewer leading", "publish review", "other"): False,
    ("reviewer leading", "move phase", "own"): True,
    ("reviewer on team", "read the plan", "own"): True,
    ("reviewer on team", "read the plan", "other"): False,
    ("viewer", "read the plan", "own"): False,
    ("viewer", "list the summaries", "district"): True,
    ("signed out", "list the summaries", "district"): False,
    ("unknown", "change setting", "district"): False,
    ("disabled principal", "create goal", "own"): False,
}


# -- fixtures ------------------------------------------------------------------------


@dataclass(frozen=True)
class Prepared:
    """The prepared district's data file, and what its tables hold."""

    path: Path
    digests: dict[str, tuple[int, str]]
    history: int


@pytest.fixture(scope="module")
def prepared(tmp_path_factory) -> Prepared:
    path = tmp_path_factory.mktemp("matrix") / "prepared.duckdb"
    store = Store.open(path)
    store.bulk_load(prepared_district(), {"is_demo": "false"})
    found = Prepared(path, store.table_digests(), len(store.table_contents("history")))
    store.checkpoint()
    store.close()
    return found


class Copies:
    """Copies of the prepared file, handed out as the prepared district: a copy
    is handed out again only while every one of its tables still holds exactly
    what the prepared file holds (as after a refused attempt, which changes
    nothing), and is replaced by a new copy once anything in it changed."""

    def __init__(self, prepared: Prepared, folder: Path):
        self.prepared = prepared
        self.folder = folder
        self.made = itertools.count(1)
        self.store: Store | None = None
        self.unchanged = False  # the copy was last found as prepared

    def clean(self) -> Store:
        if self.store is None or not self.unchanged:
            self.discard()
            path = self.folder / f"copy-{next(self.made)}.duckdb"
            shutil.copyfile(self.prepared.path, path)
            self.store = Store.open(path)
        self.unchanged = False
        return self.store

    def changed(self) -> list[str]:
        """The tables of the copy handed out that no longer hold what the
        prepared file holds."""
        assert self.store is not None
        found = changed_tables(self.store, self.prepared)
        self.unchanged = not found
        return found

    def discard(self) -> None:
        if self.store is not None:
            self.store.close()
            for leftover in self.folder.glob(f"{self.store.path.name}*"):
                leftover.unlink()
            self.store = None


@pytest.fixture(scope="module")
def copies(prepared, tmp_path_factory) -> Copies:
    made = Copies(prepared, tmp_path_factory.mktemp("copies"))
    yield made
    made.discard()


@pytest.fixture
def copy(copies) -> Store:
    """A copy of the prepared district, as prepared."""
    return copies.clean()


def changed_tables(store: Store, prepared: Prepared) -> list[str]:
    """The tables whose rows differ from the prepared file's, by name (every
    table of both files, the change history included)."""
    now = store.table_digests()
    names = sorted(set(now) | set(prepared.digests))
    return [name for name in names if now.get(name) != prepared.digests.get(name)]


# -- the tests -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("actor", "attempt", "side"),
    cells(),
    ids=[f"{a.name}-{t.name}-{side}" for a, t, side in cells()],
)
def test_the_matrix_decides_every_attempt(copies, copy, prepared, actor, attempt, side):
    place = place_of(actor, side)
    user = user_of(copy, actor)
    refusal = expected(actor, attempt, place)
    history_before = prepared.history

    if refusal is None:
        attempt.call(copy, user, place)
        history = copy.table_contents("history")
        assert len(history) == history_before + attempt.writes
        authors = list(history["user_email"].iloc[history_before:])
        assert authors == [user.email] * attempt.writes
        if attempt.writes == 0:
            assert copies.changed() == []
    else:
        with pytest.raises(PermissionDenied) as refused:
            attempt.call(copy, user, place)
        assert str(refused.value) == refusal
        assert copies.changed() == []


@pytest.mark.parametrize(("cell", "may"), BY_HAND.items(), ids=str)
def test_cells_written_by_hand_agree_with_the_matrix(cell, may):
    actor, attempt, side = ACTOR[cell[0]], ATTEMPT[cell[1]], cell[2]
    assert (expected(actor, attempt, place_of(actor, side)) is None) is may


def test_every_action_has_an_attempt():
    missing = [action.name for action in Action if action not in PERMISSIONS]
    assert missing == []
    unattempted = sorted({a.name for a in Action} - {t.action.name for t in ATTEMPTS})
    assert unattempted == []


def _writes_of(module) -> set[str]:
    """The module's public functions that take (store, user, ...)."""
    found = set()
    for name, function in inspect.getmembers(module, inspect.isfunction):
        if name.startswith("_") or function.__module__ != module.__name__:
            continue
        params = list(inspect.signature(function).parameters)
        if params[:2] == ["store", "user"]:
            found.add(name)
    return found


def test_every_write_function_is_attempted():
    attempted = {attempt.function.__name__ for attempt in ATTEMPTS}
    assert sorted(_writes_of(actions) - attempted) == []


def test_every_role_has_an_actor_and_every_attempt_both_outcomes():
    roles = {Role(PERSON[a.email][1]) for a in ACTORS if a.email in PERSON}
    assert roles == set(Role)
    for attempt in ATTEMPTS:
        outcomes = {
            expected(actor, attempt, place_of(actor, side)) is None
            for actor, tried, side in cells()
            if tried is attempt
        }
        assert outcomes == {True, False}, attempt.name


def test_the_store_decides_the_role_not_the_callers_copy(copy):
    """A user model claiming another role or an old active flag is judged by
    the users table."""
    team = copy.user_by_email("team.a@test.sqr")
    claimed = team.model_copy(update={"role": Role.CENTRAL_OFFICE})
    with pytest.raises(PermissionDenied) as refused:
        actions.change_setting(copy, claimed, {"key": "plan_stale_days", "value": 45})
    assert str(refused.value) == ("A site team member cannot change district settings.")
    gone = copy.user_by_email("gone@test.sqr").model_copy(update={"active": True})
    with pytest.raises(PermissionDenied, match="^The account gone@test.sqr is dis"):
        actions.create_goal(
            copy, gone, {"school_id": 1, "standard_id": 2, "statement": "Calm"}
        )


def _readme_table() -> list[str]:
    text = README.read_text(encoding="utf-8")
    section = re.search(r"^## Permissions\n(.*?)(?=^## )", text, re.M | re.S)
    assert section is not None
    return [line for line in section.group(1).splitlines() if line.startswith("|")]


def test_the_readme_table_is_the_matrix():
    assert _readme_table() == permission_rows()


def test_the_rendered_table_has_a_row_per_action_naming_each_role():
    rows = permission_rows()[2:]
    assert [row.split(" | ")[0].removeprefix("| ") for row in rows] == [
        action.value for action in PERMISSIONS
    ]
    assert rows[0] == (
        "| see a school's plan and review | site team member and principal: their "
        "own school; network lead: schools in their network; central office; "
        "reviewer: reviews they are assigned to |"
    )
    assert "| read published summaries | everyone signed in |" in rows
    assert "| manage users | central office |" in rows


def test_changed_tables_are_exactly_those_whose_rows_differ(copy, prepared):
    """The digests say what reading every table says, down to one changed value."""

    def contents() -> dict[str, pd.DataFrame]:
        return {table: copy.table_contents(table) for table in copy.table_names()}

    before = contents()
    assert changed_tables(copy, prepared) == []
    principal = copy.user_by_email("principal.a@test.sqr")
    actions.update_goal(
        copy, principal, 1, {"statement": "Every lesson checks"}, version=1
    )
    after = contents()
    differ = sorted(t for t in after if not after[t].equals(before[t]))
    assert differ == ["goals", "history"]
    assert changed_tables(copy, prepared) == differ
    assert copy.table_digests()["goals"][0] == prepared.digests["goals"][0]
