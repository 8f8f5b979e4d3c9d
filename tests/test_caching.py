"""Cached functions and users: every cached answer that could depend on who
asks is keyed on who asks, and a write is seen on the next read."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
from conftest import small_district

from sqr_tracker import actions, caching
from sqr_tracker.auth import visible_school_ids
from sqr_tracker.caching import cached_for_user
from sqr_tracker.config import PROJECT_ROOT
from sqr_tracker.store import Store, _size

CACHES = {"cache_data", "cache_resource", "cache", "lru_cache", "cached_for_user"}
# Cached functions whose answer cannot depend on the user: opening the data
# file, and reading the demo district's static raw material.
OPENS_FILES = {"sqr_tracker/session.py:_open", "sqr_tracker/demo.py:district"}


def sources() -> list[Path]:
    root = PROJECT_ROOT
    return [root / "app.py", *sorted((root / "pages").glob("*.py"))] + sorted(
        (root / "sqr_tracker").glob("*.py")
    )


def _decorator_name(node: ast.expr) -> str | None:
    """``st.cache_data``, ``cache_data(...)``, ``functools.lru_cache(...)``: the
    last name, or None."""
    if isinstance(node, ast.Call):
        node = node.func
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    return None


def cached_functions(source: str, name: str) -> dict[str, tuple[str, list[str]]]:
    """'file:function' -> (the caching decorator, the parameter names)."""
    found = {}
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for decorator in node.decorator_list:
            kind = _decorator_name(decorator)
            if kind in CACHES:
                params = [a.arg for a in (*node.args.posonlyargs, *node.args.args)]
                params += [a.arg for a in node.args.kwonlyargs]
                found[f"{name}:{node.name}"] = (kind, params)
    return found


def all_cached() -> dict[str, tuple[str, list[str]]]:
    found = {}
    for path in sources():
        relative = path.relative_to(PROJECT_ROOT).as_posix()
        found |= cached_functions(path.read_text(encoding="utf-8"), relative)
    return found


def keyed_on_the_user(params: list[str]) -> bool:
    return "user" in params or "role" in params


def test_every_cached_function_that_could_depend_on_the_user_takes_the_user():
    found = all_cached()
    assert set(found) >= OPENS_FILES
    unkeyed = [
        name
        for name, (_, params) in found.items()
        if name not in OPENS_FILES and not keyed_on_the_user(params)
    ]
    assert unkeyed == []


def test_the_file_openers_take_no_user_and_cache_per_process_or_read_once():
    found = all_cached()
    assert found["sqr_tracker/session.py:_open"] == ("cache_resource", ["path"])
    assert found["sqr_tracker/demo.py:district"] == ("cache", [])


def test_functions_cached_per_user_are_asked_with_the_store_and_the_user():
    for name, (kind, params) in all_cached().items():
        if kind == "cached_for_user":
            assert params[:2] == ["store", "user"], name


def test_the_search_finds_a_cache_that_forgets_the_user():
    source = (
        "import functools\nimport streamlit as st\n"
        "@st.cache_data(ttl=60)\ndef plan(store, school_id): ...\n"
        "@functools.lru_cache\ndef names(store): ...\n"
        "@st.cache_resource\ndef mine(store, user): ...\n"
        "def plain(store, school_id): ...\n"
    )
    found = cached_functions(source, "x.py")
    assert found == {
        "x.py:plan": ("cache_data", ["store", "school_id"]),
        "x.py:names": ("lru_cache", ["store"]),
        "x.py:mine": ("cache_resource", ["store", "user"]),
    }
    assert [n for n, (_, p) in found.items() if not keyed_on_the_user(p)] == [
        "x.py:plan",
        "x.py:names",
    ]


# -- cached_for_user: two users in turn, and a write in between --------------------


@pytest.fixture(autouse=True)
def fresh_cache():
    caching.clear()
    yield
    caching.clear()


def test_two_users_in_turn_each_get_their_own_answer(store, people):
    asked = []

    def schools_seen(store, user):
        asked.append(user.id)
        return visible_school_ids(store, user)

    cached = cached_for_user(schools_seen)
    assert cached(store, people["principal.a"]) == [1]
    assert cached(store, people["lead.north"]) == [1, 2]
    assert cached(store, people["principal.a"]) == [1]
    assert cached(store, people["lead.south"]) == [3]
    assert asked == [1, 5, 6]


def test_people_who_see_the_same_schools_share_an_answer_but_reviewers_do_not(
    store, people
):
    """Two central office users see every school: the second is answered from
    the first's answer. Reviewers see the reviews they are on, and a function
    cached per person marks the user's own rows: each is asked for each."""
    asked = []

    def who_asked(store, user):
        asked.append(user.id)
        return visible_school_ids(store, user)

    office = people["office"]
    new = {"email": "office2@test.sqr", "name": "Ola Office", "role": "central_office"}
    colleague = store.user_by_id(actions.create_user(store, office, new))
    shared = cached_for_user(who_asked)
    assert shared(store, office) is None
    assert shared(store, colleague) is None
    assert asked == [7]
    lead, other = people["reviewer.lead"], people["reviewer.other"]
    assert shared(store, lead) != shared(store, other)
    assert asked == [7, 8, 10]
    mine = cached_for_user(who_asked, per_person=True)
    mine(store, office)
    mine(store, colleague)
    assert asked == [7, 8, 10, 7, colleague.id]


def test_a_user_changed_under_a_session_is_keyed_as_the_store_holds_them(store, people):
    """A session's copy of a user made before a change to their account (here:
    disabled) is answered and keyed as the store now holds them, so a colleague
    who shared the old key is never answered from the changed account."""
    office = people["office"]
    new = {"email": "principal.a2@test.sqr", "name": "Al Second", "role": "principal"}
    colleague = store.user_by_id(
        actions.create_user(store, office, {**new, "school_id": 1})
    )
    stale = people["principal.a"]  # read at the top of the session's run
    version = store.row("users", stale.id)["version"]
    actions.set_user_active(store, office, stale.id, False, version=version)
    asked = []

    def schools_seen(store, user):
        asked.append((user.id, user.active))
        return visible_school_ids(store, user)

    cached = cached_for_user(schools_seen)
    assert cached(store, stale) == []
    assert cached(store, colleague) == [1]
    assert cached(store, stale) == []
    assert asked == [(stale.id, False), (colleague.id, True)]


def test_someone_not_a_user_of_the_file_is_asked_afresh_and_refused(store, people):
    """A user the store does not hold (an account removed, another file's user)
    is never answered from a cached answer: the function itself refuses."""
    from sqr_tracker.errors import PermissionDenied
    from sqr_tracker.growth import measure_choices

    office = people["office"]
    cached = cached_for_user(measure_choices)
    cached(store, office, 1)
    stranger = office.model_copy(update={"id": 70, "email": "x@elsewhere.sqr"})
    with pytest.raises(PermissionDenied, match="is not a user of this district"):
        cached(store, stranger, 1)


def test_a_write_is_seen_on_the_next_read(store, people):
    asked = []

    def goals_of_my_school(store, user):
        asked.append(user.id)
        rows = store.rows(
            "SELECT statement FROM goals WHERE school_id = ? ORDER BY id",
            [user.school_id],
        )
        return [statement for (statement,) in rows]

    cached = cached_for_user(goals_of_my_school)
    principal = people["principal.a"]
    assert cached(store, principal) == ["Every lesson checks for understanding"]
    assert cached(store, principal) == ["Every lesson checks for understanding"]
    before = store.data_version()
    actions.create_goal(
        store,
        principal,
        {"school_id": 1, "standard_id": 2, "statement": "Every family hears from us"},
    )
    assert store.data_version() == before + 1
    assert cached(store, principal) == [
        "Every lesson checks for understanding",
        "Every family hears from us",
    ]
    assert asked == [1, 1]


def test_the_version_and_the_user_are_read_together(store, people):
    principal = people["principal.a"]
    assert store.version_and_user(principal.id) == (
        store.data_version(),
        store.user_by_id(principal.id),
    )
    before = store.data_version()
    actions.create_goal(
        store,
        principal,
        {"school_id": 1, "standard_id": 2, "statement": "Every family hears from us"},
    )
    assert store.version_and_user(principal.id) == (before + 1, principal)
    assert store.version_and_user(10_000) == (before + 1, None)


def test_what_only_a_write_changes_is_read_once_until_the_next_write(
    store, people, statements
):
    """The data version, a user and the file's meta, asked on every page run,
    are read from the file once; a write through the store reads them afresh."""
    principal, office = people["principal.a"], people["office"]
    before = store.data_version()
    for _ in range(3):
        assert store.version_and_user(principal.id) == (before, principal)
        assert store.user_by_id(principal.id) == principal
        assert store.user_by_email(principal.email) == principal
        assert store.is_demo() is False
    # The version, the version with the user, the meta: the user by email
    # was read when the test's people were.
    assert len(statements) == 3
    statements.clear()
    version = store.row("users", principal.id)["version"]  # a read, not a write
    assert store.version_and_user(principal.id) == (before, principal)
    assert [s for s in statements if "FROM history" in s] == []
    actions.set_user_active(store, office, principal.id, False, version=version)
    assert store.version_and_user(principal.id) == (
        before + 1,
        principal.model_copy(update={"active": False}),
    )
    assert store.user_by_id(principal.id).active is False
    assert store.user_by_email(principal.email).active is False
    assert store.data_version() == before + 1


def test_a_write_outside_a_transaction_is_seen_too(store, people, statements):
    principal = people["principal.a"]
    assert store.user_by_id(principal.id).name == principal.name
    store.rows("SELECT count(*) FROM goals")  # a read keeps what was read
    assert store.user_by_id(principal.id).name == principal.name
    assert len(statements) == 2
    store.rows("UPDATE users SET name = 'Al Renamed' WHERE id = ?", [principal.id])
    assert store.user_by_id(principal.id).name == "Al Renamed"
    assert len(statements) == 4


def test_the_small_tables_several_questions_read_are_read_once_until_a_write(
    store, people, statements
):
    """The settings, the scale, the standards and a school's latest review,
    which several questions of one page read, are asked of the file once; a
    write through the store reads them afresh."""
    office = people["office"]
    scale = store.rating_scale()
    asked = [store.settings(), store.standards(), store.latest_published_review(1)]
    for _ in range(2):
        again = [store.settings(), store.standards(), store.latest_published_review(1)]
        assert again[0] == asked[0]
        pd.testing.assert_frame_equal(again[1], asked[1])
        assert again[2] == asked[2]
        pd.testing.assert_frame_equal(store.rating_scale(), scale)
    assert len(statements) == 4
    assert store.latest_published_review(2) is None  # another school: read for it
    assert len(statements) == 5
    actions.change_setting(store, office, {"key": "small_group_threshold", "value": 7})
    statements.clear()
    assert store.settings()["small_group_threshold"] == "7.0"
    pd.testing.assert_frame_equal(store.rating_scale(), scale)
    assert len(statements) == 2


def test_a_caller_changing_a_remembered_answer_changes_no_one_elses(store):
    scale, settings = store.rating_scale(), store.settings()
    labels = scale["label"].tolist()
    scale["label"] = "changed"
    scale.loc[0, "level"] = 99
    settings["small_group_threshold"] = "1"
    assert store.rating_scale()["label"].tolist() == labels
    assert store.rating_scale()["level"].iloc[0] != 99
    assert store.settings().get("small_group_threshold") != "1"


def test_the_least_recently_asked_answer_is_forgotten_first(
    store, statements, monkeypatch
):
    monkeypatch.setattr("sqr_tracker.store._REMEMBERED", 2 * _size(1))  # two numbers
    network = store.network_of_school
    assert [network(1), network(2), network(1)] == [1, 1, 1]
    assert network(3) == 2  # the third: school 2's is forgotten, 1's was asked last
    assert len(statements) == 3
    network(1), network(3)
    assert len(statements) == 3
    network(2)
    assert len(statements) == 4


def test_an_answer_larger_than_one_may_hold_is_read_each_time(
    store, statements, monkeypatch
):
    one = store.schools([1])
    assert _size(store.schools()) > _size(one)  # three schools, and one
    monkeypatch.setattr("sqr_tracker.store._REMEMBERED_ONE", _size(one))
    store._forget_all()
    statements.clear()
    assert store.schools()["name"].tolist() == store.schools()["name"].tolist()
    assert len(statements) == 2
    assert store.schools([1])["name"].tolist() == ["Alder Elementary"]
    assert store.schools([1])["name"].tolist() == ["Alder Elementary"]
    assert len(statements) == 3


def test_a_question_asked_with_its_defaults_or_without_them_is_one(store, statements):
    pd.testing.assert_frame_equal(store.schools(), store.schools(None))
    pd.testing.assert_frame_equal(store.schools(), store.schools(school_ids=None))
    assert len(statements) == 1
    assert store.schools([1, 2]).equals(store.schools(school_ids=(1, 2)))
    assert len(statements) == 2


def test_two_data_files_keep_their_answers_apart(store, people, tmp_path):
    other = Store.open(tmp_path / "other.duckdb")
    district = small_district()
    district["schools"].loc[0, "name"] = "Aspen Elementary"
    other.bulk_load(district, {"is_demo": "false"})

    def my_school(store, user):
        return store.schools([user.school_id]).iloc[0]["name"]

    cached = cached_for_user(my_school)
    try:
        assert cached(store, people["principal.a"]) == "Alder Elementary"
        assert cached(other, people["principal.a"]) == "Aspen Elementary"
    finally:
        other.close()


def test_two_cached_functions_do_not_share_answers(store, people):
    def first(store, user):
        return "first"

    def second(store, user):
        return "second"

    assert cached_for_user(first)(store, people["principal.a"]) == "first"
    assert cached_for_user(second)(store, people["principal.a"]) == "second"


def test_thousands_of_small_answers_are_all_kept_while_they_weigh_little(store, people):
    """Fifty people on a district ask for many small answers (a school's
    choices, a page's counts): each is worked out once, not again for want of
    room, while together they weigh far less than the bytes allowed."""
    asked = []

    def choices_for(store, user, school_id):
        asked.append(school_id)
        return [f"school {school_id}"]

    cached = cached_for_user(choices_for)
    principal = people["principal.a"]
    many = range(4000)
    for school_id in many:
        cached(store, principal, school_id)
    for school_id in many:
        assert cached(store, principal, school_id) == [f"school {school_id}"]
    assert asked == list(many)
    assert caching._ANSWERS.bytes < caching.ANSWER_BYTES // 16


def test_the_pages_cached_questions_answer_as_the_package_does_per_user(store, people):
    """``sqr_tracker.cached`` wraps the package's own questions: the same answer
    as the uncached function for each user in turn, and a write is seen."""
    from datetime import date

    from sqr_tracker import cached, home, needs_support

    today = date(2026, 12, 3)
    office, lead = people["office"], people["lead.south"]
    for user in (office, lead, office):
        got = cached.needs_support(store, user, today).schools["school_id"]
        want = needs_support.needs_support(store, user, today).schools["school_id"]
        assert got.tolist() == want.tolist()
    assert cached.needs_support(store, lead, today).schools["school_id"].tolist() == [3]
    assert cached.heatmap(store, office)[0]["school_id"].tolist() == [1, 2, 3]

    def waiting() -> int:
        return cached.district_numbers(store, office, today).figures[
            "Open support requests"
        ]

    assert waiting() == 0
    actions.request_support(
        store, people["principal.b"], {"school_id": 2, "need": "Help with S1"}
    )
    assert waiting() == 1
    assert (
        home.district_numbers(store, office, today).figures["Open support requests"]
        == 1
    )
    wrapped = [
        getattr(cached, name) for name in dir(cached) if not name.startswith("_")
    ]
    questions = [f for f in wrapped if hasattr(f, "uncached")]
    assert len(questions) == 63


def test_the_review_calendar_is_cached_per_user_and_sees_a_new_review(store, people):
    """The review calendar's four questions answer as the package does for each
    user in turn, and a review created in between is seen on the next read."""
    from datetime import date

    from sqr_tracker import cached, review_calendar

    today, year = date(2026, 12, 3), 2026
    office, lead = people["office"], people["lead.south"]
    for user in (office, lead, office):
        for name in ("due_years", "workload", "conflicts"):
            got = getattr(cached, name)(store, user, year)
            want = getattr(review_calendar, name)(store, user, year)
            pd.testing.assert_frame_equal(got, want)
        got = cached.cycle_reviews(store, user, year, today)
        want = review_calendar.cycle_reviews(store, user, year, today)
        pd.testing.assert_frame_equal(got, want)
    before = cached.cycle_reviews(store, office, year, today)
    new = {"school_id": 3, "cycle_year": year, "starts_on": date(2026, 9, 1)}
    actions.create_review(store, office, new)
    after = cached.cycle_reviews(store, office, year, today)
    assert len(after) == len(before) + 1
    assert 3 in after["school_id"].tolist()


def test_the_support_desk_is_cached_per_user_and_sees_a_new_request(store, people):
    """The support desk's open list, figures and answer times answer as the
    package does for each user in turn, and a new request is seen at once."""
    from datetime import date

    from sqr_tracker import cached, support_desk

    today = date(2026, 12, 3)
    office, lead = people["office"], people["lead.south"]
    for user in (office, lead, office):
        got = cached.open_requests(store, user, today)
        want = support_desk.open_requests(store, user, today)
        pd.testing.assert_frame_equal(got, want)
        assert cached.desk_figures(store, user, today) == support_desk.desk_figures(
            store, user, want
        )
        assert cached.answer_choices(store, user, today) == (
            support_desk.answer_choices(want)
        )
        pd.testing.assert_frame_equal(
            cached.answer_times(store, user, today),
            support_desk.answer_times(store, user, today),
        )
    before = cached.open_requests(store, office, today)
    actions.request_support(
        store, people["principal.b"], {"school_id": 2, "need": "Help with S1"}
    )
    after = cached.open_requests(store, office, today)
    assert len(after) == len(before) + 1
    assert cached.desk_figures(store, office, today)["Open requests"] == len(after)
    assert len(cached.answer_choices(store, office, today)) == len(after)


def test_rating_validity_and_shared_work_are_cached_per_user_and_see_a_goal(
    store, people
):
    """The self vs team questions of the ratings page and the schools working on
    the same thing answer as the package does for each user in turn, and a new
    goal is seen on the next read."""
    from dataclasses import fields

    from sqr_tracker import cached, evidence, exemplars, validity

    office, lead = people["office"], people["lead.south"]
    for user in (office, lead, office):
        pd.testing.assert_frame_equal(
            cached.self_team_disagreement(store, user),
            validity.self_team_disagreement(store, user),
        )
        got = cached.district_self_gap(store, user)
        want = evidence.district_self_gap(store, user)
        for field in fields(got):
            mine, theirs = getattr(got, field.name), getattr(want, field.name)
            if isinstance(mine, pd.DataFrame):
                pd.testing.assert_frame_equal(mine, theirs)
            else:
                assert mine == theirs
    principal = people["principal.b"]
    before = cached.working_on_the_same(store, principal, 2, 2).table
    want = exemplars.working_on_the_same(store, principal, 2, 2).table
    pd.testing.assert_frame_equal(before, want)
    assert 1 not in before["school_id"].tolist()
    actions.create_goal(
        store,
        people["principal.a"],
        {"school_id": 1, "standard_id": 2, "statement": "Every family hears from us"},
    )
    after = cached.working_on_the_same(store, principal, 2, 2).table
    assert 1 in after["school_id"].tolist()
    pd.testing.assert_frame_equal(
        after, exemplars.working_on_the_same(store, principal, 2, 2).table
    )
    assert "Every family hears from us" in after.set_index("school_id").loc[1, "goals"]


def _same(got, want) -> None:
    """Equal answers: frames and series exactly, dataclasses field by field."""
    from dataclasses import fields, is_dataclass

    assert type(got) is type(want)
    if isinstance(want, pd.DataFrame):
        pd.testing.assert_frame_equal(got, want)
    elif isinstance(want, pd.Series):
        pd.testing.assert_series_equal(got, want)
    elif is_dataclass(want):
        for field in fields(want):
            _same(getattr(got, field.name), getattr(want, field.name))
    elif isinstance(want, dict):
        assert list(got) == list(want)
        for key in want:
            _same(got[key], want[key])
    elif isinstance(want, list | tuple):
        assert len(got) == len(want)
        for mine, theirs in zip(got, want, strict=True):
            _same(mine, theirs)
    elif isinstance(want, go.Figure):
        assert json.loads(got.to_json()) == json.loads(want.to_json())
    elif isinstance(want, np.ndarray):
        np.testing.assert_array_equal(got, want, strict=True)
    elif pd.api.types.is_scalar(want) and pd.isna(want):
        assert pd.isna(got)
    else:
        assert got == want


def test_one_schools_pages_are_cached_per_user_and_see_a_new_goal(store, people):
    """What "Our school", "Our plan", "Our growth", "Review" and "School
    summaries" ask answers as the package does for each user in turn, one
    school's answer never reaches a user who may not see it, and a new goal is
    seen on the next read."""
    from datetime import date

    from sqr_tracker import (
        cached,
        evidence,
        growth,
        growth_views,
        home,
        plans,
        reviews,
    )
    from sqr_tracker.errors import PermissionDenied

    today = date(2026, 12, 3)
    school_questions = {
        "school_glance": (home.school_glance, (today,)),
        "school_plan": (plans.school_plan, (today,)),
        "growth_across_reviews": (growth.growth_across_reviews, ()),
        "this_years_work": (growth.this_years_work, (today,)),
        "status_and_change": (growth.status_and_change, (today,)),
        "measure_choices": (growth.measure_choices, ()),
        "school_evidence": (evidence.school_evidence, ()),
        "school_self_gap": (evidence.school_self_gap, ()),
        "public_story": (growth.public_story, (today,)),
    }
    principal, lead, office = (
        people[n] for n in ("principal.a", "lead.north", "office")
    )
    for user in (principal, lead, office, principal):
        for name, (uncached, extra) in school_questions.items():
            _same(
                getattr(cached, name)(store, user, 1, *extra),
                uncached(store, user, 1, *extra),
            )
        for measure_id in growth.measure_choices(store, user, 1):
            _same(
                cached.measure_story(store, user, 1, measure_id),
                growth.measure_story(store, user, 1, measure_id),
            )
            _same(
                cached.run_chart(store, user, 1, measure_id),
                growth_views.run_chart_figure(
                    growth.measure_story(store, user, 1, measure_id)
                ).to_dict(),
            )
        _same(
            cached.status_grid(store, user, 1, today),
            growth_views.grid_figure(
                growth.status_and_change(store, user, 1, today)
            ).to_dict(),
        )
        for goal_id in plans.school_plan(store, user, 1, today).goals["id"]:
            _same(
                cached.goal_timeline(store, user, 1, int(goal_id)),
                plans.goal_timeline(store, user, 1, int(goal_id)),
            )
        for review_id in reviews.review_choices(store, user):
            _same(
                cached.review_record(store, user, review_id),
                reviews.review_record(store, user, review_id),
            )
    assert cached.school_plan(store, principal, 1, today).school_id == 1
    with pytest.raises(PermissionDenied):
        cached.school_plan(store, people["principal.b"], 1, today)
    with pytest.raises(PermissionDenied):
        cached.school_plan(store, people["lead.south"], 1, today)
    before = cached.school_plan(store, principal, 1, today).goals
    actions.create_goal(
        store,
        principal,
        {"school_id": 1, "standard_id": 2, "statement": "Every family hears from us"},
    )
    after = cached.school_plan(store, principal, 1, today).goals
    assert len(after) == len(before) + 1
    assert "Every family hears from us" in after["statement"].tolist()
    _same(
        cached.school_plan(store, lead, 1, today),
        plans.school_plan(store, lead, 1, today),
    )


def test_one_schools_pages_answer_as_the_package_does_on_a_demo_district(tmp_path):
    """On a generated district, with measures, events and several reviews: every
    cached question of one school's pages, its run charts and its grid, for its
    principal and for the central office."""
    from datetime import date

    from sqr_tracker import (
        cached,
        calibration,
        calibration_views,
        evidence,
        growth,
        growth_views,
        home,
        plans,
        reviews,
        views,
    )
    from sqr_tracker.demo import build_demo_file

    today = date(2026, 12, 3)
    path = tmp_path / "demo.duckdb"
    build_demo_file(path, schools=6, seed=7, today=today)
    store = Store.open(path)
    try:
        principal = store.user_by_email("principal@demo.sqr")
        school_id = int(principal.school_id)
        users = [principal, store.user_by_email("central.office@demo.sqr")]
        measures = growth.measure_choices(store, principal, school_id)
        assert measures
        for user in (*users, *users):
            for name, extra in (
                ("school_glance", (today,)),
                ("school_plan", (today,)),
                ("growth_across_reviews", ()),
                ("this_years_work", (today,)),
                ("status_and_change", (today,)),
                ("measure_choices", ()),
                ("school_evidence", ()),
                ("school_self_gap", ()),
                ("self_gap_table", ()),
                ("public_story", (today,)),
            ):
                uncached = getattr(cached, name).uncached
                _same(
                    getattr(cached, name)(store, user, school_id, *extra),
                    uncached(store, user, school_id, *extra),
                )
            for measure_id in measures:
                story = growth.measure_story(store, user, school_id, measure_id)
                _same(cached.measure_story(store, user, school_id, measure_id), story)
                _same(
                    cached.run_chart(store, user, school_id, measure_id),
                    views.laid_out(growth_views.run_chart_figure(story)),
                )
            placed = growth.status_and_change(store, user, school_id, today)
            _same(
                cached.status_grid(store, user, school_id, today),
                views.laid_out(growth_views.grid_figure(placed)),
            )
            story = growth.growth_across_reviews(store, user, school_id)
            assert not story.table.empty
            _same(
                cached.growth_lines(store, user, school_id),
                views.laid_out(growth_views.levels_figure(story, story.labels)),
            )
            goals = plans.school_plan(store, user, school_id, today).goals["id"]
            for goal_id in goals.astype(int):
                _same(
                    cached.goal_timeline(store, user, school_id, goal_id),
                    plans.goal_timeline(store, user, school_id, goal_id),
                )
            for review_id in reviews.review_choices(store, user):
                _same(
                    cached.review_record(store, user, review_id),
                    reviews.review_record(store, user, review_id),
                )
        office = users[1]
        found = calibration.calibration(store, office, None)
        _same(
            cached.calibration_chart(store, office),
            views.laid_out(calibration_views.movement_chart(found)),
        )
        assert home.school_glance is cached.school_glance.uncached
        assert evidence.school_evidence is cached.school_evidence.uncached
    finally:
        store.close()


def test_a_remembered_tables_size_is_what_pandas_counts_without_looking_deeper():
    frame = pd.DataFrame(
        {
            "id": [1, 2, 3],
            "name": ["Alder", "Birch", None],
            "rated": pd.array([1, None, 3], dtype="Int64"),
            "level": pd.Categorical(["high", "low", "high"]),
            "on": pd.to_datetime(["2026-01-02", None, "2026-03-04"]),
            "things": [["a"], [], ["b", "c"]],
        },
        index=[10, 20, 30],
    )
    for found in (frame, frame.reset_index(drop=True), frame.iloc[:0], frame["name"]):
        assert _size(found) == int(
            found.memory_usage(index=True, deep=False).sum()
            if isinstance(found, pd.DataFrame)
            else found.memory_usage(index=True, deep=False)
        )
