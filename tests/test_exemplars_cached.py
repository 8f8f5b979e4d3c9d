"""What the exemplars page asks on every rerun (the standards to choose from,
the standard it starts on, the school's own goals on it) comes from the
per-user cache: the package's answer for each user in turn, another school's
goals never for a user who may not see them, and a new goal on the next read."""

from __future__ import annotations

import pytest

from sqr_tracker import actions, cached, caching, exemplars
from sqr_tracker.errors import PermissionDenied


@pytest.fixture(autouse=True)
def fresh_cache():
    caching.clear()
    yield
    caching.clear()


def test_the_exemplars_page_questions_are_cached_per_user_and_see_a_goal(store, people):
    principal, lead, office = (
        people[n] for n in ("principal.a", "lead.north", "office")
    )
    for user in (principal, lead, office, principal):
        assert cached.standard_choices(store, user) == exemplars.standard_choices(
            store, user
        )
        assert cached.weakest_focus_standard(
            store, user, 1
        ) == exemplars.weakest_focus_standard(store, user, 1)
        for standard in exemplars.standard_choices(store, user):
            assert cached.goals_on(store, user, 1, standard) == exemplars.goals_on(
                store, user, 1, standard
            )
    with pytest.raises(PermissionDenied):
        cached.goals_on(store, people["principal.b"], 1, 2)
    before = cached.goals_on(store, principal, 1, 2)
    actions.create_goal(
        store,
        principal,
        {"school_id": 1, "standard_id": 2, "statement": "Every family hears from us"},
    )
    after = cached.goals_on(store, principal, 1, 2)
    assert len(after) == len(before) + 1
    assert "Every family hears from us" in after.values()
