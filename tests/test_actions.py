"""The write path: permissions on every write, validation, versions, history."""

from __future__ import annotations

import json
import threading
from datetime import datetime

import pytest

from sqr_tracker import actions
from sqr_tracker.config import district_cuts, district_settings
from sqr_tracker.errors import InvalidInput, PermissionDenied, StaleEdit
from sqr_tracker.store import COUNTED


def version(store, table: str, row_id: int = 1) -> int:
    return store.value(f"SELECT version FROM {table} WHERE id = ?", [row_id])


def ask_for_support(store, people) -> int:
    return actions.request_support(
        store, people["principal.a"], {"school_id": 1, "need": "A literacy coach"}
    )


# Each write, aimed at Alder Elementary (school 1, North network, reviews 1 and 3
# led by reviewer.lead with reviewer.team on the team; review 3 unpublished), and
# exactly who may make it.
SCHOOL_TEAM = {"principal.a", "team.a"}
WRITES = {
    "create goal": (
        lambda s, u: actions.create_goal(
            s, u, {"school_id": 1, "standard_id": 2, "statement": "Calmer halls"}
        ),
        SCHOOL_TEAM,
    ),
    "edit goal": (
        lambda s, u: actions.update_goal(
            s, u, 1, {"target": 85}, version=version(s, "goals")
        ),
        SCHOOL_TEAM,
    ),
    "close goal": (
        lambda s, u: actions.close_goal(s, u, 1, version=version(s, "goals")),
        SCHOOL_TEAM,
    ),
    "reopen goal": (
        lambda s, u: actions.reopen_goal(s, u, 1, version=version(s, "goals")),
        SCHOOL_TEAM,
    ),
    "create milestone": (
        lambda s, u: actions.create_milestone(
            s, u, {"goal_id": 1, "description": "All staff", "due_on": "2026-05-01"}
        ),
        SCHOOL_TEAM,
    ),
    "edit milestone": (
        lambda s, u: actions.update_milestone(
            s, u, 1, {"met_on": "2026-01-20"}, version=version(s, "milestones")
        ),
        SCHOOL_TEAM,
    ),
    "create action step": (
        lambda s, u: actions.create_action_step(
            s,
            u,
            {
                "goal_id": 1,
                "description": "Peer visits",
                "owner": "Coach",
                "starts_on": "2026-01-05",
                "due_on": "2026-03-01",
            },
        ),
        SCHOOL_TEAM,
    ),
    "edit action step": (
        lambda s, u: actions.update_action_step(
            s, u, 1, {"status": "done"}, version=version(s, "action_steps")
        ),
        SCHOOL_TEAM,
    ),
    "check in": (
        lambda s, u: actions.record_check_in(
            s, u, {"action_step_id": 1, "status": "in progress", "note": "On track"}
        ),
        SCHOOL_TEAM,
    ),
    "self-reflection between reviews": (
        lambda s, u: actions.record_interim_rating(
            s,
            u,
            {"school_id": 1, "standard_id": 1, "recorded_on": "2026-03-02", "level": 3},
        ),
        SCHOOL_TEAM,
    ),
    "record event": (
        lambda s, u: actions.record_event(
            s,
            u,
            {
                "school_id": 1,
                "happened_on": "2026-10-01",
                "kind": "new programme",
                "description": "Reading buddies",
            },
        ),
        SCHOOL_TEAM,
    ),
    "comment": (
        lambda s, u: actions.add_comment(s, u, {"school_id": 1, "body": "Nice work"}),
        SCHOOL_TEAM | {"lead.north"},
    ),
    "request support": (
        lambda s, u: actions.request_support(
            s, u, {"school_id": 1, "need": "Coaching on exit tickets"}
        ),
        SCHOOL_TEAM,
    ),
    "answer support": (
        lambda s, u: actions.answer_support(
            s,
            u,
            1,
            {"answer": "A coach visits on Tuesdays"},
            version=version(s, "support_requests"),
        ),
        {"lead.north", "office"},
    ),
    "plan review": (
        lambda s, u: actions.create_review(
            s, u, {"school_id": 1, "cycle_year": 2027, "starts_on": "2027-09-01"}
        ),
        {"office"},
    ),
    "move review to its next phase": (
        lambda s, u: actions.update_review(
            s, u, 1, {"phase": "complete"}, version=version(s, "reviews")
        ),
        {"office", "reviewer.lead"},
    ),
    "plan review dates": (
        lambda s, u: actions.update_review(
            s, u, 3, {"report_on": "2028-01-14"}, version=version(s, "reviews", 3)
        ),
        {"office"},
    ),
    "publish review": (
        lambda s, u: actions.publish_review(s, u, 3, version=version(s, "reviews", 3)),
        {"reviewer.lead"},
    ),
    "self-reflection rating": (
        lambda s, u: actions.record_rating(
            s,
            u,
            {
                "review_id": 4,
                "standard_id": 2,
                "rater_kind": "self-reflection",
                "level": 3,
            },
            version=s.value("SELECT max(version) FROM ratings WHERE review_id = 4"),
        ),
        SCHOOL_TEAM,
    ),
    "reviewer rating": (
        lambda s, u: actions.record_rating(
            s,
            u,
            {"review_id": 3, "standard_id": 2, "rater_kind": "reviewer", "level": 2},
        ),
        {"reviewer.lead", "reviewer.team"},
    ),
    "submit ratings": (
        lambda s, u: actions.submit_ratings(s, u, 3),
        {"reviewer.lead", "reviewer.team"},
    ),
    "consensus rating": (
        lambda s, u: actions.record_rating(
            s,
            u,
            {"review_id": 3, "standard_id": 2, "rater_kind": "consensus", "level": 4},
            version=version(s, "ratings", 7),
        ),
        {"reviewer.lead"},
    ),
    "finding": (
        lambda s, u: actions.record_finding(
            s, u, {"review_id": 3, "standard_id": 2, "strengths": "Calm halls"}
        ),
        {"reviewer.lead"},
    ),
    "evidence": (
        lambda s, u: actions.add_evidence(
            s,
            u,
            {
                "finding_id": 2,
                "source": "observation",
                "classrooms_observed": 12,
                "classrooms_total": 20,
            },
        ),
        {"reviewer.lead"},
    ),
    "district setting": (
        lambda s, u: actions.change_setting(
            s, u, {"key": "small_group_threshold", "value": 15}
        ),
        {"office"},
    ),
    "add user": (
        lambda s, u: actions.create_user(
            s,
            u,
            {
                "email": f"new.{u.id if u else 0}@test.sqr",
                "name": "New Person",
                "role": "site_team",
                "school_id": 2,
            },
        ),
        {"office"},
    ),
    "disable user": (
        lambda s, u: actions.set_user_active(
            s, u, 4, False, version=version(s, "users", 4)
        ),
        {"office"},
    ),
}


def focus_on(store, review_id: int, standard_id: int) -> None:
    store.write(
        lambda tx: tx.link("review_focus", review_id=review_id, standard_id=standard_id)
    )


def review_in_self_reflection(store, people) -> int:
    """Review 4: Alder Elementary's next review, focused on S2, led by
    reviewer.lead, its school still reflecting."""
    return actions.create_review(
        store,
        people["office"],
        {
            "school_id": 1,
            "cycle_year": 2030,
            "starts_on": "2030-09-02",
            "lead_reviewer_id": 8,
            "focus_standard_ids": [2],
        },
    )


def report_ready(store, people) -> None:
    """Review 3 focused on S2, with its consensus (rating 7) and a finding."""
    focus_on(store, 3, 2)
    actions.record_finding(
        store,
        people["reviewer.lead"],
        {"review_id": 3, "standard_id": 2, "strengths": "Calm halls"},
    )


def ratings_to_submit(store, people) -> None:
    """Review 3 focused on S2, each member of its team having rated it."""
    focus_on(store, 3, 2)
    for name in ("reviewer.lead", "reviewer.team"):
        actions.record_rating(
            store,
            people[name],
            {"review_id": 3, "standard_id": 2, "rater_kind": "reviewer", "level": 3},
        )


# What a write needs in place before anyone attempts it.
PREPARE = {
    "self-reflection rating": review_in_self_reflection,
    "publish review": report_ready,
    "submit ratings": ratings_to_submit,
}

EVERYONE = [
    "principal.a",
    "team.a",
    "principal.b",
    "team.c",
    "lead.north",
    "lead.south",
    "office",
    "reviewer.lead",
    "reviewer.team",
    "reviewer.other",
    "viewer",
    "gone",
    None,
]


def snapshot(store) -> dict[str, list]:
    return {t: store.rows(f"SELECT * FROM {t} ORDER BY ALL") for t in COUNTED}


@pytest.mark.parametrize("write", list(WRITES))
def test_each_write_is_allowed_to_exactly_its_roles_and_scopes(store, people, write):
    ask_for_support(store, people)
    PREPARE.get(write, lambda *_: None)(store, people)
    attempt, expected = WRITES[write]
    succeeded = set()
    for name in EVERYONE:
        user = people.get(name) if name else None
        before = snapshot(store)
        try:
            attempt(store, user)
        except PermissionDenied as refusal:
            assert str(refusal), "a refusal says why"
            assert snapshot(store) == before, f"{name} was refused but changed data"
        else:
            succeeded.add(name)
            assert store.value("SELECT user_email FROM history ORDER BY id DESC") == (
                user.email
            )
    assert succeeded == expected


def test_a_refusal_names_the_role_and_the_scope(store, people):
    with pytest.raises(
        PermissionDenied,
        match="principal can change a school's plan only for their own school",
    ):
        actions.update_goal(store, people["principal.b"], 1, {"target": 90}, version=1)
    with pytest.raises(
        PermissionDenied, match="A viewer cannot change a school's plan"
    ):
        actions.close_goal(store, people["viewer"], 1, version=1)
    with pytest.raises(PermissionDenied, match="Sign in to"):
        actions.close_goal(store, None, 1, version=1)
    with pytest.raises(PermissionDenied, match="gone@test.sqr is disabled"):
        actions.close_goal(store, people["gone"], 1, version=1)


def test_an_edit_from_an_old_version_is_refused_naming_who_changed_it(store, people):
    actions.update_goal(store, people["team.a"], 1, {"target": 85}, version=1)
    with pytest.raises(StaleEdit) as stale:
        actions.update_goal(store, people["principal.a"], 1, {"target": 70}, version=1)
    assert stale.value.changed_by == "Tomas Team"
    assert "changed by Tomas Team on" in str(stale.value)
    assert "Your text has been kept" in str(stale.value)
    assert store.rows("SELECT target, version FROM goals WHERE id = 1") == [(85.0, 2)]
    assert store.value("SELECT count(*) FROM history") == 1


def test_two_sessions_saving_the_same_version_at_once_never_both_win(store, people):
    outcomes: list[str] = []
    start = threading.Barrier(2)

    def save(name: str, target: float) -> None:
        start.wait()
        try:
            actions.update_goal(store, people[name], 1, {"target": target}, version=1)
            outcomes.append("saved")
        except StaleEdit:
            outcomes.append("refused")

    threads = [
        threading.Thread(target=save, args=("team.a", 81.0)),
        threading.Thread(target=save, args=("principal.a", 82.0)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["refused", "saved"]
    assert version(store, "goals") == 2
    assert store.value("SELECT count(*) FROM history WHERE entity = 'goals'") == 1


def test_history_records_who_when_what_before_and_after(store, people, monkeypatch):
    monkeypatch.setattr(actions, "now", lambda: datetime(2026, 11, 30, 16, 45, 0))
    actions.update_action_step(
        store, people["team.a"], 1, {"status": "done", "owner": "Ms Rivera"}, version=1
    )
    entry = store.history("action_steps", 1).iloc[0]
    assert entry["user_email"] == "team.a@test.sqr"
    assert entry["action"] == "edit action step"
    before, after = json.loads(entry["before"]), json.loads(entry["after"])
    assert (before["status"], before["owner"]) == ("in progress", "Assistant principal")
    assert (after["status"], after["owner"], after["version"]) == (
        "done",
        "Ms Rivera",
        2,
    )
    assert entry["changed_on"] == datetime(2026, 11, 30, 16, 45, 0)
    assert after["updated_on"] == "2026-11-30T16:45:00" and after["updated_by"] == 2


def test_a_new_goal_is_stored_with_its_author_and_a_history_entry(store, people):
    goal_id = actions.create_goal(
        store,
        people["principal.a"],
        {
            "school_id": 1,
            "standard_id": 1,
            "statement": "  Read daily  ",
            "measure_id": 1,
            "baseline": 40,
            "target": 60,
            "is_focus": True,
        },
    )
    row = store.rows(
        "SELECT statement, created_by, is_focus, status, version FROM goals "
        "WHERE id = ?",
        [goal_id],
    )
    assert row == [("Read daily", 1, True, "open", 1)]
    entry = store.history("goals", goal_id).iloc[0]
    assert entry["action"] == "create goal" and entry["before"] is None


def test_invalid_input_names_each_field_and_changes_nothing(store, people):
    before = snapshot(store)
    with pytest.raises(InvalidInput) as bad:
        actions.create_action_step(
            store,
            people["team.a"],
            {
                "goal_id": 1,
                "description": "",
                "owner": "Coach",
                "starts_on": "2026-03-01",
                "due_on": "2026-01-01",
                "colour": "red",
            },
        )
    assert set(bad.value.problems) == {"description", "due_on", "colour"}
    assert "before the start date" in bad.value.problems["due_on"]
    assert snapshot(store) == before


def test_a_goal_with_a_measure_needs_a_target(store, people):
    with pytest.raises(InvalidInput) as bad:
        actions.create_goal(
            store,
            people["team.a"],
            {
                "school_id": 1,
                "standard_id": 1,
                "statement": "More readers",
                "measure_id": 2,
            },
        )
    assert bad.value.problems == {"target": "a goal with a measure needs a target"}


def test_a_rating_off_the_scale_is_refused(store, people):
    with pytest.raises(InvalidInput, match="level: 5 is not on the scale"):
        actions.record_rating(
            store,
            people["reviewer.team"],
            {"review_id": 1, "standard_id": 2, "rater_kind": "reviewer", "level": 5},
        )


def test_evidence_cannot_count_more_respondents_than_invited(store, people):
    with pytest.raises(InvalidInput, match="survey_respondents .* more than"):
        actions.add_evidence(
            store,
            people["reviewer.lead"],
            {
                "finding_id": 1,
                "source": "survey",
                "survey_respondents": 50,
                "survey_invited": 40,
            },
        )


def test_a_disabled_user_applies_at_once(store, people):
    office = people["office"]
    actions.record_check_in(
        store, store.user_by_id(2), {"action_step_id": 1, "status": "in progress"}
    )
    actions.set_user_active(store, office, 2, False, version=1)
    assert store.user_by_id(2).active is False
    with pytest.raises(PermissionDenied, match="team.a@test.sqr is disabled"):
        actions.record_check_in(
            store, store.user_by_id(2), {"action_step_id": 1, "status": "done"}
        )


def test_a_comment_or_request_cannot_point_at_another_schools_plan(store, people):
    other = actions.create_goal(
        store,
        people["principal.b"],
        {"school_id": 2, "standard_id": 1, "statement": "Birch's own goal"},
    )
    before = snapshot(store)
    with pytest.raises(InvalidInput) as bad:
        actions.request_support(
            store,
            people["principal.a"],
            {"school_id": 1, "need": "Help", "goal_id": other},
        )
    assert bad.value.problems == {"goal_id": f"{other} belongs to another school"}
    with pytest.raises(InvalidInput, match="action_step_id: 1 belongs to another"):
        actions.add_comment(
            store,
            people["lead.south"],
            {"school_id": 3, "body": "Hello", "action_step_id": 1},
        )
    with pytest.raises(InvalidInput, match="review_id: a review of another school"):
        actions.create_goal(
            store,
            people["principal.b"],
            {"school_id": 2, "standard_id": 1, "statement": "x", "review_id": 1},
        )
    assert snapshot(store) == before


def test_a_rating_already_recorded_is_not_overwritten_without_its_version(
    store, people
):
    rating = {
        "review_id": review_in_self_reflection(store, people),
        "standard_id": 1,
        "rater_kind": "self-reflection",
        "level": 2,
    }
    first = actions.record_rating(store, people["team.a"], rating)
    with pytest.raises(StaleEdit, match="changed by Tomas Team"):
        actions.record_rating(store, people["principal.a"], {**rating, "level": 4})
    assert store.rows("SELECT level, version FROM ratings WHERE id = ?", [first]) == [
        (2, 1)
    ]
    again = actions.record_rating(
        store, people["principal.a"], {**rating, "level": 4}, version=1
    )
    assert again == first
    assert store.rows("SELECT level, version FROM ratings WHERE id = ?", [first]) == [
        (4, 2)
    ]


def test_a_published_review_can_no_longer_change(store, people):
    before = snapshot(store)
    with pytest.raises(InvalidInput, match="published on 15 Jan 2025"):
        actions.record_rating(
            store,
            people["reviewer.lead"],
            {"review_id": 1, "standard_id": 1, "rater_kind": "consensus", "level": 4},
            version=1,
        )
    with pytest.raises(InvalidInput, match="published on 15 Jan 2025"):
        actions.publish_review(store, people["reviewer.lead"], 1, version=1)
    assert snapshot(store) == before


def test_a_district_setting_must_be_known_and_within_bounds(store, people):
    office = people["office"]
    with pytest.raises(InvalidInput, match="must be between 0 and 1, not 5"):
        actions.change_setting(
            store, office, {"key": "survey_limited_below", "value": 5}
        )
    with pytest.raises(InvalidInput, match="no district setting is called 'colour'"):
        actions.change_setting(store, office, {"key": "colour", "value": 1})
    with pytest.raises(InvalidInput, match="must be a number, not 'lots'"):
        actions.change_setting(
            store, office, {"key": "check_in_stale_days", "value": "lots"}
        )
    actions.change_setting(store, office, {"key": "check_in_stale_days", "value": 30})
    assert district_settings(store)["check_in_stale_days"] == 30
    with pytest.raises(StaleEdit, match="changed by Olu Office"):
        actions.change_setting(
            store, office, {"key": "check_in_stale_days", "value": 60}, version=0
        )
    assert district_settings(store)["check_in_stale_days"] == 30


def test_cut_points_are_a_setting_read_back_as_cut_points(store, people):
    office = people["office"]
    with pytest.raises(InvalidInput, match="strictly ascending"):
        actions.change_setting(
            store, office, {"key": "cuts.attendance_rate", "value": "1,2,2,3|1,2,3,4"}
        )
    actions.change_setting(
        store, office, {"key": "cuts.attendance_rate", "value": "80,85,90,95|-3,-1,1,3"}
    )
    cuts = district_cuts(store)["attendance_rate"]
    assert (cuts.status, cuts.change) == ((80, 85, 90, 95), (-3, -1, 1, 3))
    assert district_cuts(store)["suspension_rate"].status == (0.5, 1.5, 3, 6)


def test_a_review_is_led_by_an_active_reviewer_on_known_standards(store, people):
    office = people["office"]
    review = {"school_id": 2, "cycle_year": 2027, "starts_on": "2027-09-01"}
    with pytest.raises(InvalidInput, match="lead_reviewer_id: 11 is not an active"):
        actions.create_review(store, office, {**review, "lead_reviewer_id": 11})
    with pytest.raises(InvalidInput, match="standard_id: no standard 99"):
        actions.create_review(store, office, {**review, "focus_standard_ids": [99]})
    made = actions.create_review(
        store, office, {**review, "lead_reviewer_id": 10, "focus_standard_ids": [1]}
    )
    assert store.review_team_ids(made) == {10}
    assert store.rows(
        "SELECT standard_id FROM review_focus WHERE review_id = ?", [made]
    ) == [(1,)]


def test_an_edit_is_checked_as_the_row_will_be(store, people):
    team = people["team.a"]
    with pytest.raises(InvalidInput) as bad:
        actions.update_action_step(store, team, 1, {"due_on": "2025-08-01"}, version=1)
    assert bad.value.problems == {"due_on": "the due date is before the start date"}
    with pytest.raises(InvalidInput) as bad:
        actions.update_goal(
            store, team, 1, {"measure_id": 1, "target": None}, version=1
        )
    assert bad.value.problems == {"target": "a goal with a measure needs a target"}
    with pytest.raises(InvalidInput, match="due_on: cannot be empty"):
        actions.update_milestone(store, team, 1, {"due_on": None}, version=1)
    assert version(store, "action_steps") == version(store, "goals") == 1
