"""Authorization over a run of writes: random people try random changes.

A Hypothesis state machine picks a user (any of the small district's people, a
stranger, or nobody signed in) and a write (goals, action steps, comments,
support requests and their answers, district settings, enabling and disabling
users), aimed at a random school or row and based on the stored version or an
older one. A plain Python model says who may, from the matrix and the model's
own record of who is still active, and what the district then holds. After every
step the data file must hold exactly what the model holds, and the change
history one entry per write that succeeded, by its author.
"""

from __future__ import annotations

import itertools
import shutil
from pathlib import Path
from typing import Any

import pytest
from conftest import PEOPLE, small_district
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    rule,
    run_state_machine_as_test,
)

from sqr_tracker import actions
from sqr_tracker.auth import PERMISSIONS, Action, Scope
from sqr_tracker.errors import PermissionDenied, StaleEdit
from sqr_tracker.models import Role, User
from sqr_tracker.store import Store

settings.register_profile(
    "authorization",
    max_examples=10,
    stateful_step_count=20,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)

NETWORKS = {1: 1, 2: 1, 3: 2}  # school -> network in the small district
SCHOOLS = sorted(NETWORKS)
ROLES = {pid: (Role(role), school, network) for pid, _, _, role, school,
         network in PEOPLE}  # fmt: skip
UNKNOWN = User(id=99, email="nobody@test.sqr", name="No Body", role="central_office")
ANYONE = [None, UNKNOWN.id, *ROLES]
STALE = st.sampled_from([False, False, True])


def fits(who: int, action: Action, school: int | None) -> bool:
    """What the matrix says for this person's role and scope, active or not."""
    role, own_school, network = ROLES[who]
    scope = PERMISSIONS[action].get(role)
    if scope == Scope.ANY:
        return True
    if scope == Scope.OWN_SCHOOL:
        return school == own_school
    if scope == Scope.OWN_NETWORK:
        return NETWORKS[school] == network
    return False


TEXT = st.sampled_from(["Calm halls", "Rich tasks", "Exit tickets", "Reading aloud"])
SETTINGS = {"plan_stale_days": [14, 31, 45], "support_request_wait_days": [7, 21]}


class Authorization(RuleBasedStateMachine):
    """The data file, and a model of what it should hold."""

    template: Path
    runs = itertools.count()

    def __init__(self) -> None:
        super().__init__()
        self.path = self.template.with_name(f"run-{next(self.runs)}.duckdb")
        shutil.copyfile(self.template, self.path)
        self.store = Store.open(self.path)
        # The users as signed in at the start: later changes count through the
        # store, not through these copies.
        self.users = {pid: self.store.user_by_id(pid) for pid in ROLES}
        self.users[UNKNOWN.id] = UNKNOWN
        self.active = {pid: user.active for pid, user in self.users.items()}
        self.active[UNKNOWN.id] = False
        self.user_versions = {pid: 1 for pid in ROLES}
        self.goals = {1: {"school_id": 1, "statement": _goal_1(), "version": 1}}
        self.steps = {1: {"goal_id": 1, "owner": "Assistant principal", "version": 1}}
        self.comments: dict[int, list[str]] = {school: [] for school in SCHOOLS}
        self.requests: dict[int, dict[str, Any]] = {}
        self.settings: dict[str, tuple[str, int]] = {}
        self.history = [
            (row["user_email"], row["action"])
            for _, row in self.store.table_contents("history").iterrows()
        ]

    def teardown(self) -> None:
        self.store.close()
        for leftover in self.path.parent.glob(f"{self.path.name}*"):
            leftover.unlink()

    # -- the model's rules -------------------------------------------------------

    def may(self, who: int | None, action: Action, school: int | None) -> bool:
        """What the matrix says for this person as the model knows them now."""
        return who is not None and self.active[who] and fits(who, action, school)

    def attempt(self, data, action: Action, school, write, *, stale=False, name=""):
        """Make the write as someone drawn (anyone, or as often someone whose
        role fits it); True if it was saved, as the model expects."""
        likely = [pid for pid in ROLES if fits(pid, action, school)]
        who = data.draw(
            st.one_of(st.sampled_from(ANYONE), st.sampled_from(likely)), label="who"
        )
        user = self.users.get(who)
        if not self.may(who, action, school):
            with pytest.raises(PermissionDenied):
                write(user)
            return False
        if stale:
            with pytest.raises(StaleEdit):
                write(user)
            return False
        write(user)
        self.history.append((user.email, name))
        return True

    @staticmethod
    def seen(version: int, stale: bool) -> int:
        """The version the editor saw: the stored one, or one it has moved on from
        (or not reached yet, for a row never edited)."""
        if not stale:
            return version
        return version - 1 if version > 1 else version + 1

    # -- goals and action steps --------------------------------------------------

    @rule(school=st.sampled_from(SCHOOLS), statement=TEXT, data=st.data())
    def create_goal(self, school, statement, data):
        created = []
        goal = {"school_id": school, "standard_id": 1, "statement": statement}
        if self.attempt(
            data,
            Action.EDIT_PLAN,
            school,
            lambda u: created.append(actions.create_goal(self.store, u, goal)),
            name="create goal",
        ):
            goal = {"school_id": school, "statement": statement, "version": 1}
            self.goals[created[0]] = goal

    @rule(statement=TEXT, stale=STALE, data=st.data())
    def update_goal(self, statement, stale, data):
        goal_id = data.draw(st.sampled_from(sorted(self.goals)), label="goal")
        goal = self.goals[goal_id]
        seen = self.seen(goal["version"], stale)
        if self.attempt(
            data,
            Action.EDIT_PLAN,
            goal["school_id"],
            lambda u: actions.update_goal(
                self.store, u, goal_id, {"statement": statement}, version=seen
            ),
            stale=stale,
            name="edit goal",
        ):
            goal.update(statement=statement, version=goal["version"] + 1)

    @rule(owner=TEXT, data=st.data())
    def create_action_step(self, owner, data):
        goal_id = data.draw(st.sampled_from(sorted(self.goals)), label="goal")
        created = []
        step = {
            "goal_id": goal_id,
            "description": "Coaching cycle",
            "owner": owner,
            "starts_on": "2026-12-01",
            "due_on": "2027-03-01",
        }
        if self.attempt(
            data,
            Action.EDIT_PLAN,
            self.goals[goal_id]["school_id"],
            lambda u: created.append(actions.create_action_step(self.store, u, step)),
            name="create action step",
        ):
            self.steps[created[0]] = {"goal_id": goal_id, "owner": owner, "version": 1}

    @rule(owner=TEXT, stale=STALE, data=st.data())
    def update_action_step(self, owner, stale, data):
        step_id = data.draw(st.sampled_from(sorted(self.steps)), label="step")
        step = self.steps[step_id]
        seen = self.seen(step["version"], stale)
        if self.attempt(
            data,
            Action.EDIT_PLAN,
            self.goals[step["goal_id"]]["school_id"],
            lambda u: actions.update_action_step(
                self.store, u, step_id, {"owner": owner}, version=seen
            ),
            stale=stale,
            name="edit action step",
        ):
            step.update(owner=owner, version=step["version"] + 1)

    # -- comments and support ----------------------------------------------------

    @rule(school=st.sampled_from(SCHOOLS), body=TEXT, data=st.data())
    def add_comment(self, school, body, data):
        comment = {"school_id": school, "body": body}
        if self.attempt(
            data,
            Action.COMMENT,
            school,
            lambda u: actions.add_comment(self.store, u, comment),
            name="comment",
        ):
            self.comments[school].append(body)

    @rule(school=st.sampled_from(SCHOOLS), need=TEXT, data=st.data())
    def request_support(self, school, need, data):
        created = []
        ask = {"school_id": school, "need": need}
        if self.attempt(
            data,
            Action.REQUEST_SUPPORT,
            school,
            lambda u: created.append(actions.request_support(self.store, u, ask)),
            name="request support",
        ):
            self.requests[created[0]] = {
                "school_id": school,
                "status": "open",
                "answer": "",
                "version": 1,
            }

    @rule(answer=TEXT, stale=STALE, data=st.data())
    def answer_support(self, answer, stale, data):
        if not self.requests:
            return
        request_id = data.draw(st.sampled_from(sorted(self.requests)), label="ask")
        request = self.requests[request_id]
        seen = self.seen(request["version"], stale)
        if self.attempt(
            data,
            Action.ANSWER_SUPPORT,
            request["school_id"],
            lambda u: actions.answer_support(
                self.store, u, request_id, {"answer": answer}, version=seen
            ),
            stale=stale,
            name="answer support request",
        ):
            request.update(
                status="answered", answer=answer, version=request["version"] + 1
            )

    # -- the district ------------------------------------------------------------

    @rule(stale=STALE, data=st.data())
    def change_setting(self, stale, data):
        key = data.draw(st.sampled_from(sorted(SETTINGS)), label="key")
        value = data.draw(st.sampled_from(SETTINGS[key]), label="value")
        _, stored = self.settings.get(key, (None, 0))
        seen = stored + 1 if stale else stored
        if self.attempt(
            data,
            Action.EDIT_SETTINGS,
            None,
            lambda u: actions.change_setting(
                self.store, u, {"key": key, "value": value}, version=seen
            ),
            stale=stale,
            name="change setting",
        ):
            self.settings[key] = (str(float(value)), stored + 1)

    @rule(
        person=st.sampled_from(sorted(ROLES)),
        active=st.booleans(),
        stale=STALE,
        data=st.data(),
    )
    def set_user_active(self, person, active, stale, data):
        seen = self.seen(self.user_versions[person], stale)
        if self.attempt(
            data,
            Action.MANAGE_USERS,
            None,
            lambda u: actions.set_user_active(
                self.store, u, person, active, version=seen
            ),
            stale=stale,
            name="enable user" if active else "disable user",
        ):
            self.active[person] = active
            self.user_versions[person] += 1

    # -- what the file must hold -------------------------------------------------

    def rows(self, table: str, columns: list[str]) -> dict[int, dict[str, Any]]:
        found = self.store.table_contents(table).set_index("id")[columns]
        return {int(row_id): row for row_id, row in found.to_dict("index").items()}

    @invariant()
    def the_file_holds_what_the_model_holds(self):
        assert self.rows("goals", ["school_id", "statement", "version"]) == self.goals
        assert self.rows("action_steps", ["goal_id", "owner", "version"]) == self.steps
        comments = self.store.table_contents("comments")
        assert {
            school: sorted(comments.loc[comments["school_id"] == school, "body"])
            for school in SCHOOLS
        } == {school: sorted(bodies) for school, bodies in self.comments.items()}
        requests = self.rows(
            "support_requests", ["school_id", "status", "answer", "version"]
        )
        assert requests == self.requests
        settings_now = self.store.table_contents("settings")
        assert {
            row.key: (row.value, row.version) for row in settings_now.itertuples()
        } == self.settings
        users = self.rows("users", ["active", "version"])
        assert {pid: (bool(u["active"]), u["version"]) for pid, u in users.items()} == {
            pid: (self.active[pid], self.user_versions[pid]) for pid in ROLES
        }

    @invariant()
    def the_history_has_one_entry_per_saved_write(self):
        history = self.store.table_contents("history").sort_values("id")
        assert list(zip(history["user_email"], history["action"], strict=True)) == (
            self.history
        )


def _goal_1() -> str:
    return small_district()["goals"].loc[0, "statement"]


@pytest.fixture
def template(tmp_path) -> Path:
    path = tmp_path / "template.duckdb"
    store = Store.open(path)
    store.bulk_load(small_district(), {"is_demo": "false"})
    store.checkpoint()
    store.close()
    return path


def test_random_people_making_random_changes(template):
    Authorization.template = template
    run_state_machine_as_test(
        Authorization, settings=settings.get_profile("authorization")
    )
