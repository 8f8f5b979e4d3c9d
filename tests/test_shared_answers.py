"""People who see the same schools share cached answers (see ``caching``): for
that to leak nothing, every cached question must answer two such people alike.

On a generated district, every function of ``sqr_tracker.cached`` is asked,
uncached, by each person of every group that shares a key (the two central
office users, the two viewers, the two site team members of each school) and
the answers are compared whole: values, refusals and their messages. A new
cached function fails here until it is given its arguments below.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

import pandas as pd
import pytest
from test_caching import _same

from sqr_tracker import actions, cached, growth, plans, reviews
from sqr_tracker.caching import user_key
from sqr_tracker.demo import build_demo_file
from sqr_tracker.errors import SqrError
from sqr_tracker.models import Role, User
from sqr_tracker.needs_support import heatmap_rows
from sqr_tracker.review_calendar import STATUSES
from sqr_tracker.store import Store

TODAY = date(2026, 12, 3)
YEAR = 2026
OFFICE = "central.office@demo.sqr"


def _school(store: Store, user: User) -> int:
    return user.school_id or int(store.schools()["id"].min())


def _measures(store: Store, user: User) -> list[int]:
    try:
        return list(growth.measure_choices(store, user, _school(store, user)))[:2]
    except SqrError:
        return [int(store.measures()["id"].min())]


def _goals(store: Store, user: User) -> list[int]:
    try:
        plan = plans.school_plan(store, user, _school(store, user), TODAY)
    except SqrError:
        return [1]
    return [int(goal) for goal in plan.goals["id"][:2]] or [1]


def _standard(store: Store) -> int:
    standards = store.standards()
    return int(standards[standards["parent_code"].isna()]["id"].min())


def _or_the_office(store: Store, user: User, ask):
    """What the user is answered, or (for a role refused it) the central
    office's answer, so that the function under test still gets a real frame."""
    try:
        return ask(user)
    except SqrError:
        return ask(store.user_by_email(OFFICE))


def _table(store: Store, user: User) -> pd.DataFrame:
    return _or_the_office(store, user, lambda u: cached.heatmap.uncached(store, u)[0])


# Per cached function: the argument lists to ask it with, for the group's first
# person (whose school, measures and goals the others of the group share).
CALLS = {
    "needs_support": lambda s, u: [(TODAY,)],
    "needs_support_list": lambda s, u: [(TODAY, None, ("intensive", "targeted"))],
    "heatmap": lambda s, u: [()],
    "heatmap_evidence": lambda s, u: [heatmap_rows(_table(s, u))],
    "calibration": lambda s, u: [(None,), (YEAR,)],
    "compliance": lambda s, u: [(date(2026, 11, 1), TODAY)],
    "nudge_rows": lambda s, u: [(date(2026, 11, 1), TODAY, None)],
    "full_rows": lambda s, u: [(date(2026, 11, 1), TODAY, None)],
    "validity_readings": lambda s, u: [()],
    "ratings_and_outcomes": lambda s, u: [(_standard(s), m) for m in _measures(s, u)],
    "trust_matrix": lambda s, u: [()],
    "relation_chart": lambda s, u: [(_standard(s), m) for m in _measures(s, u)],
    "matrix_cells": lambda s, u: [()],
    "self_team_disagreement": lambda s, u: [()],
    "district_self_gap": lambda s, u: [()],
    "find_exemplars": lambda s, u: [(_school(s, u), _standard(s), TODAY)],
    "shown_exemplars": lambda s, u: [(_school(s, u), _standard(s), TODAY)],
    "district_view": lambda s, u: [()],
    "working_on_the_same": lambda s, u: [(_school(s, u), _standard(s))],
    "peer_requests": lambda s, u: [()],
    "standard_choices": lambda s, u: [()],
    "weakest_focus_standard": lambda s, u: [(_school(s, u),)],
    "goals_on": lambda s, u: [(_school(s, u), _standard(s))],
    "district_numbers": lambda s, u: [(TODAY,)],
    "network_overview": lambda s, u: [(TODAY,)],
    "due_years": lambda s, u: [(YEAR,)],
    "cycle_reviews": lambda s, u: [(YEAR, TODAY)],
    "workload": lambda s, u: [(YEAR,)],
    "conflicts": lambda s, u: [(YEAR,)],
    "due_list": lambda s, u: [(YEAR, STATUSES), (YEAR, STATUSES[1:2])],
    "review_list": lambda s, u: [(YEAR, TODAY)],
    "workload_list": lambda s, u: [(YEAR,)],
    "open_requests": lambda s, u: [(TODAY,)],
    "desk_figures": lambda s, u: [(TODAY,)],
    "answer_choices": lambda s, u: [(TODAY,)],
    "open_list": lambda s, u: [(TODAY,)],
    "request_to_answer": lambda s, u: [
        (i,) for (i,) in s.rows("SELECT id FROM support_requests ORDER BY id")
    ],
    "answer_times": lambda s, u: [(TODAY,)],
    "school_glance": lambda s, u: [(_school(s, u), TODAY)],
    "followed_schools": lambda s, u: [()],
    "summary_choices": lambda s, u: [()],
    "review_choices": lambda s, u: [()],
    "school_plan": lambda s, u: [(_school(s, u), TODAY)],
    "goal_timeline": lambda s, u: [(_school(s, u), g) for g in _goals(s, u)],
    "growth_across_reviews": lambda s, u: [(_school(s, u),)],
    "this_years_work": lambda s, u: [(_school(s, u), TODAY)],
    "status_and_change": lambda s, u: [(_school(s, u), TODAY)],
    "measure_choices": lambda s, u: [(_school(s, u),)],
    "measure_story": lambda s, u: [(_school(s, u), m) for m in _measures(s, u)],
    "public_story": lambda s, u: [(_school(s, u), TODAY)],
    "school_evidence": lambda s, u: [(_school(s, u),)],
    "school_self_gap": lambda s, u: [(_school(s, u),)],
    "review_record": lambda s, u: [(r,) for r in list(reviews.review_choices(s, u))],
    "run_chart": lambda s, u: [(_school(s, u), m) for m in _measures(s, u)],
    "status_grid": lambda s, u: [(_school(s, u), TODAY)],
    "growth_lines": lambda s, u: [(_school(s, u),)],
    "self_gap_table": lambda s, u: [(_school(s, u),)],
    "cycle_phases": lambda s, u: [(YEAR, TODAY)],
    "phase_chart": lambda s, u: [(YEAR, TODAY)],
    "district_levels_chart": lambda s, u: [(TODAY,)],
    "exemplars_chart": lambda s, u: [()],
    "calibration_chart": lambda s, u: [()],
    "calibration_movement": lambda s, u: [
        (by, figure)
        for by in ("reviewer", "standard")
        for figure in ("exact", "pair_exact")
    ],
}


def cached_functions() -> dict[str, object]:
    return {
        name: value
        for name, value in vars(cached).items()
        if callable(value) and hasattr(value, "uncached")
    }


def answer(func, store: Store, user: User, args: tuple):
    """The function's answer, or the refusal it raised, to compare whole."""
    try:
        return func(store, user, *args)
    except SqrError as error:
        return (type(error).__name__, str(error))


def _demo(path) -> Store:
    """A generated district with a second principal at one school and a second
    network lead in one network, so that every kind of scope has a pair."""
    build_demo_file(path, schools=6, seed=7, today=TODAY)
    store = Store.open(path)
    office = store.user_by_email(OFFICE)
    principal = store.user_by_email("principal@demo.sqr")
    lead = store.frame("SELECT network_id FROM users WHERE role = 'network_lead'")
    for email, role, scope in (
        ("deputy@demo.sqr", "principal", {"school_id": principal.school_id}),
        ("lead.two@demo.sqr", "network_lead", {"network_id": int(lead.iloc[0, 0])}),
    ):
        new = {"email": email, "name": email.split("@")[0], "role": role, **scope}
        actions.create_user(store, office, new)
    return store


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    store = _demo(tmp_path_factory.mktemp("shared") / "demo.duckdb")
    yield store
    store.close()


def groups(store: Store) -> list[list[User]]:
    """The users who share a cache key, two or more to a key."""
    by_key: dict[tuple, list[User]] = defaultdict(list)
    for user_id in store.frame("SELECT id FROM users ORDER BY id")["id"]:
        user = store.user_by_id(int(user_id))
        by_key[user_key(user)].append(user)
    return [users for users in by_key.values() if len(users) > 1]


def test_every_cached_function_is_asked_here():
    assert set(cached_functions()) == set(CALLS)


def test_the_groups_that_share_are_the_ones_that_see_the_same_schools(demo):
    shared = groups(demo)
    roles = sorted(users[0].role.value for users in shared)
    assert roles == [
        "central_office",
        "network_lead",
        "principal",
        *["site_team"] * 6,
        "viewer",
    ]
    for users in shared:
        assert len({u.id for u in users}) == len(users) == 2
        assert len({(u.role, u.school_id, u.network_id) for u in users}) == 1
        assert users[0].role != Role.REVIEWER


# A function cached per person shares nothing (see the review record's test).
SHARED = sorted(
    name
    for name in CALLS
    if not getattr(cached_functions().get(name), "per_person", False)
)


@pytest.mark.parametrize("name", SHARED)
def test_people_who_share_a_key_get_the_same_answer(demo, name):
    func = cached_functions()[name]
    asked = 0
    for first, *others in groups(demo):
        for args in CALLS[name](demo, first):
            want = answer(func.uncached, demo, first, args)
            for other in others:
                _same(answer(func.uncached, demo, other, args), want)
                asked += 1
    assert asked >= 8  # every group, at least once


def test_a_review_record_is_kept_per_person_because_it_marks_their_own_ratings(
    tmp_path,
):
    """Two central office users share a scope, but a review's record holds the
    asker's own reviewer ratings: one who rated as a reviewer before joining the
    central office reads their ratings there, and a colleague does not, so the
    record is kept per person."""
    store = _demo(tmp_path / "demo.duckdb")
    try:
        office = next(g for g in groups(store) if g[0].role == Role.CENTRAL_OFFICE)
        former_reviewer, colleague = office
        review_id = int(store.frame("SELECT min(id) AS id FROM reviews")["id"][0])
        focus = store.review_focus_standards(review_id)
        standard = int(focus["standard_id"].iloc[0])
        with store.transaction() as tx:
            tx.rows(
                "INSERT INTO ratings (id, review_id, standard_id, rater_kind, "
                "rater_id, level) SELECT max(id) + 1, ?, ?, 'reviewer', ?, 2 "
                "FROM ratings",
                [review_id, standard, former_reviewer.id],
            )
        mine = cached.review_record.uncached(store, former_reviewer, review_id)
        theirs = cached.review_record.uncached(store, colleague, review_id)
        assert mine.own_ratings["level"].notna().sum() == 1
        assert theirs.own_ratings["level"].notna().sum() == 0
        assert cached.review_record.per_person
        assert user_key(former_reviewer) == user_key(colleague)
        keys = {user_key(u, per_person=True) for u in office}
        assert len(keys) == 2
    finally:
        store.close()
