"""Recording a review: reviewer independence, the school's self-reflection, the
lead's report and its publication, phase moves, and who may do each."""

from __future__ import annotations

import json
from datetime import datetime

import pandas as pd
import pytest
from conftest import TODAY

from sqr_tracker import actions, exemplars, home, reviews
from sqr_tracker.errors import InvalidInput, PermissionDenied
from sqr_tracker.store import COUNTED

LEAD, MEMBER, OUTSIDER = "reviewer.lead", "reviewer.team", "reviewer.other"
STRENGTH = "Every family is greeted by name at the gate."


def new_review(store, people) -> int:
    """Review 4: Alder Elementary's next review, on S1 and S2, led by
    reviewer.lead with reviewer.team on its team, the school still reflecting."""
    review_id = actions.create_review(
        store,
        people["office"],
        {
            "school_id": 1,
            "cycle_year": 2030,
            "starts_on": "2030-09-02",
            "lead_reviewer_id": 8,
            "focus_standard_ids": [1, 2],
        },
    )
    store.write(
        lambda tx: tx.link(
            "review_team", review_id=review_id, user_id=9, team_role="reviewer"
        )
    )
    return review_id


@pytest.fixture
def review(store, people) -> int:
    return new_review(store, people)


def rate(store, people, name, review_id, standard_id, level, note="", **kind):
    return actions.record_rating(
        store,
        people.get(name),
        {
            "review_id": review_id,
            "standard_id": standard_id,
            "rater_kind": kind.get("kind", "reviewer"),
            "level": level,
            "note": note,
        },
        version=kind.get("version"),
    )


def rate_both(store, people, name, review_id, level, note) -> None:
    for standard_id in (1, 2):
        rate(
            store, people, name, review_id, standard_id, level, f"{note} S{standard_id}"
        )


def seen(store, user, review_id) -> list[tuple[str, str, str]]:
    found = reviews.team_ratings(store, user, review_id)
    return sorted(zip(found["code"], found["reviewer"], found["note"], strict=True))


def snapshot(store) -> dict[str, list]:
    tables = [*COUNTED, "review_team", "review_focus"]
    return {t: store.rows(f"SELECT * FROM {t} ORDER BY ALL") for t in tables}


def move(store, user, review_id, phase):
    version = store.row("reviews", review_id)["version"]
    return actions.update_review(
        store, user, review_id, {"phase": phase}, version=version
    )


def report_ready(store, people, review_id) -> None:
    """Consensus and a finding on both focus standards, in the report phase."""
    lead = people[LEAD]
    for phase in ("site visit", "report"):
        move(store, lead, review_id, phase)
    for standard_id, level in ((1, 4), (2, 3)):
        rate(store, people, LEAD, review_id, standard_id, level, kind="consensus")
        actions.record_finding(
            store,
            lead,
            {"review_id": review_id, "standard_id": standard_id, "strengths": STRENGTH},
        )


# -- reviewer independence -------------------------------------------------------------


def test_before_submitting_a_reviewer_reads_only_their_own_ratings(
    store, people, review
):
    rate_both(store, people, LEAD, review, 3, "Lead sees")
    rate_both(store, people, MEMBER, review, 2, "Member sees")
    member = people[MEMBER]
    assert seen(store, member, review) == [
        ("S1", "Rex Reviewer", "Member sees S1"),
        ("S2", "Rex Reviewer", "Member sees S2"),
    ]
    record = reviews.review_record(store, member, review)
    assert record.report is None and record.evidence is None
    assert "once you have submitted" in record.hidden

    actions.submit_ratings(store, member, review)
    # the lead has not submitted: their ratings stay theirs
    assert [who for _, who, _ in seen(store, member, review)] == ["Rex Reviewer"] * 2
    actions.submit_ratings(store, people[LEAD], review)
    assert seen(store, member, review) == [
        ("S1", "Rae Lead-Reviewer", "Lead sees S1"),
        ("S1", "Rex Reviewer", "Member sees S1"),
        ("S2", "Rae Lead-Reviewer", "Lead sees S2"),
        ("S2", "Rex Reviewer", "Member sees S2"),
    ]
    assert reviews.review_record(store, member, review).report is not None


def test_the_lead_and_the_office_read_submitted_ratings_only(store, people, review):
    rate_both(store, people, LEAD, review, 3, "Lead")
    rate_both(store, people, MEMBER, review, 2, "Member")
    lead, office = people[LEAD], people["office"]
    assert {who for _, who, _ in seen(store, lead, review)} == {"Rae Lead-Reviewer"}
    assert seen(store, office, review) == []
    actions.submit_ratings(store, people[MEMBER], review)
    expected = {
        ("S1", "Rex Reviewer", "Member S1"),
        ("S2", "Rex Reviewer", "Member S2"),
    }
    assert expected <= set(seen(store, lead, review))
    assert set(seen(store, office, review)) == expected


@pytest.mark.parametrize(
    "name", ["principal.a", "team.a", "lead.north", OUTSIDER, "viewer", "gone", None]
)
def test_no_one_else_reads_the_reviewers_ratings(store, people, review, name):
    rate_both(store, people, MEMBER, review, 2, "Member")
    actions.submit_ratings(store, people[MEMBER], review)
    with pytest.raises(PermissionDenied):
        reviews.team_ratings(store, people.get(name), review)


def test_submitting_needs_a_rating_on_every_focus_standard(store, people, review):
    rate(store, people, MEMBER, review, 1, 3)
    before = snapshot(store)
    with pytest.raises(InvalidInput) as refused:
        actions.submit_ratings(store, people[MEMBER], review)
    assert refused.value.problems == {
        "ratings": "rate every focus standard first; not yet rated: S2"
    }
    assert snapshot(store) == before
    assert reviews.review_record(store, people[MEMBER], review).rating_gaps == (
        refused.value.problems
    )


def test_submitted_ratings_no_longer_change(store, people, review, monkeypatch):
    monkeypatch.setattr(actions, "now", lambda: datetime(2030, 10, 14, 16, 30))
    rate_both(store, people, MEMBER, review, 2, "Member")
    actions.submit_ratings(store, people[MEMBER], review)
    before = snapshot(store)
    message = (
        "you submitted your ratings on 14 Oct 2030 at 16:30; they no longer change"
    )
    with pytest.raises(InvalidInput) as refused:
        rate(store, people, MEMBER, review, 1, 4, version=1)
    assert refused.value.problems == {"ratings": message}
    with pytest.raises(InvalidInput, match="you submitted your ratings on 14 Oct"):
        actions.submit_ratings(store, people[MEMBER], review)
    assert snapshot(store) == before
    record = reviews.review_record(store, people[MEMBER], review)
    assert record.submitted_on == datetime(2030, 10, 14, 16, 30)
    assert not record.can.rate


def test_a_submission_is_in_the_reviews_history(store, people, review, monkeypatch):
    monkeypatch.setattr(actions, "now", lambda: datetime(2030, 10, 14, 16, 30))
    rate_both(store, people, MEMBER, review, 2, "Member")
    actions.submit_ratings(store, people[MEMBER], review)
    entry = store.history("reviews", review).iloc[-1]
    assert (entry["action"], entry["user_email"]) == (
        "submit ratings",
        "reviewer.team@test.sqr",
    )
    assert json.loads(entry["before"]) == {
        "review_id": review,
        "user_id": 9,
        "team_role": "reviewer",
        "submitted_on": None,
    }
    assert json.loads(entry["after"])["submitted_on"] == "2030-10-14T16:30:00"


def test_a_lead_named_only_on_the_review_can_submit(store, people, review):
    store.write(lambda tx: tx.rows("DELETE FROM review_team WHERE user_id = 8"))
    rate_both(store, people, LEAD, review, 3, "Lead")
    actions.submit_ratings(store, people[LEAD], review)
    members = store.review_members(review)
    assert members[["name", "team_role"]].values.tolist() == [
        ["Rae Lead-Reviewer", "lead reviewer"],
        ["Rex Reviewer", "reviewer"],
    ]
    assert members["submitted_on"].notna().tolist() == [True, False]


@pytest.mark.parametrize(
    "name", ["principal.a", "team.a", "lead.north", "office", OUTSIDER, "viewer", None]
)
def test_only_the_team_rates_and_submits(store, people, review, name):
    before = snapshot(store)
    with pytest.raises(PermissionDenied):
        rate(store, people, name, review, 1, 3)
    with pytest.raises(PermissionDenied):
        actions.submit_ratings(store, people.get(name), review)
    assert snapshot(store) == before


# -- the school's self-reflection ------------------------------------------------------


def test_the_school_reflects_during_the_self_reflection_phase_only(
    store, people, review
):
    first = rate(
        store,
        people,
        "team.a",
        review,
        1,
        3,
        "We plan together",
        kind="self-reflection",
    )
    record = reviews.review_record(store, people["principal.a"], review)
    assert record.can.self_reflect
    assert record.self_reflection["note"].tolist()[0] == "We plan together"

    move(store, people["office"], review, "site visit")
    before = snapshot(store)
    with pytest.raises(InvalidInput) as refused:
        rate(
            store,
            people,
            "principal.a",
            review,
            1,
            4,
            kind="self-reflection",
            version=1,
        )
    assert refused.value.problems == {
        "phase": "the school records its self-reflection during the self-reflection "
        "phase; this review is in its site visit phase"
    }
    assert snapshot(store) == before
    assert store.row("ratings", first)["level"] == 3
    assert not reviews.review_record(
        store, people["principal.a"], review
    ).can.self_reflect


@pytest.mark.parametrize(
    "name", ["principal.b", "team.c", "lead.north", "office", LEAD, MEMBER, "viewer"]
)
def test_only_the_schools_own_team_records_its_self_reflection(
    store, people, review, name
):
    before = snapshot(store)
    with pytest.raises(PermissionDenied):
        rate(store, people, name, review, 1, 3, kind="self-reflection")
    assert snapshot(store) == before


def test_the_team_reads_the_self_reflection(store, people, review):
    rate(
        store, people, "team.a", review, 2, 2, "Halls are calm", kind="self-reflection"
    )
    for name in (LEAD, MEMBER, "office"):
        record = reviews.review_record(store, people[name], review)
        notes = record.self_reflection.set_index("code")["note"]
        assert notes.isna().tolist() == [True, False]
        assert notes["S2"] == "Halls are calm"


# -- the lead's report -----------------------------------------------------------------


def test_the_lead_records_consensus_findings_and_evidence(store, people, review):
    lead = people[LEAD]
    rate(store, people, LEAD, review, 1, 4, "Agreed after debate", kind="consensus")
    finding = actions.record_finding(
        store, lead, {"review_id": review, "standard_id": 1, "strengths": STRENGTH}
    )
    actions.add_evidence(
        store,
        lead,
        {
            "finding_id": finding,
            "source": "survey",
            "description": "Family survey",
            "survey_group": "families",
            "survey_respondents": 40,
            "survey_invited": 400,
        },
    )
    report = reviews.review_record(store, lead, review).report.set_index("code")
    assert report.loc["S1", ["label", "note", "strengths"]].tolist() == [
        "Exemplary",
        "Agreed after debate",
        STRENGTH,
    ]
    assert pd.isna(report.loc["S2", "level"])
    items = reviews.review_record(store, lead, review).evidence
    assert items.values.tolist() == [
        ["S1", "survey", "Family survey", "40 of 400 families answered"]
    ]


@pytest.mark.parametrize(
    "name", [MEMBER, OUTSIDER, "office", "principal.a", "team.a", "lead.north", None]
)
def test_only_the_lead_records_the_report(store, people, review, name):
    finding = actions.record_finding(
        store, people[LEAD], {"review_id": review, "standard_id": 1, "strengths": "x"}
    )
    user = people.get(name)
    before = snapshot(store)
    with pytest.raises(PermissionDenied):
        actions.record_rating(
            store,
            user,
            {
                "review_id": review,
                "standard_id": 1,
                "rater_kind": "consensus",
                "level": 2,
            },
        )
    with pytest.raises(PermissionDenied):
        actions.record_finding(
            store, user, {"review_id": review, "standard_id": 2, "strengths": "y"}
        )
    with pytest.raises(PermissionDenied):
        actions.add_evidence(store, user, {"finding_id": finding, "source": "data"})
    with pytest.raises(PermissionDenied):
        actions.publish_review(store, user, review, version=1)
    assert snapshot(store) == before


def test_evidence_says_how_much_it_rests_on(store, people, review):
    lead = people[LEAD]
    finding = actions.record_finding(
        store, lead, {"review_id": review, "standard_id": 1, "strengths": "x"}
    )
    before = snapshot(store)
    cases = {
        "interview": {
            "interviews_held": "say how many interviews were held",
            "interviewed_group": "say who was interviewed",
        },
        "observation": {"classrooms_total": "say of how many classrooms"},
        "survey": {"survey_group": "say who was surveyed"},
    }
    given = {
        "observation": {"classrooms_observed": 6},
        "survey": {"survey_respondents": 12, "survey_invited": 30},
    }
    for source, problems in cases.items():
        item = {"finding_id": finding, "source": source, **given.get(source, {})}
        with pytest.raises(InvalidInput) as refused:
            actions.add_evidence(store, lead, item)
        assert refused.value.problems == problems
    assert snapshot(store) == before
    actions.add_evidence(
        store,
        lead,
        {
            "finding_id": finding,
            "source": "interview",
            "interviews_held": 6,
            "interviewed_group": "students",
        },
    )
    actions.add_evidence(store, lead, {"finding_id": finding, "source": "document"})


# -- publication -----------------------------------------------------------------------


def test_publishing_names_what_the_report_lacks(store, people, review):
    lead = people[LEAD]
    for phase in ("site visit", "report"):
        move(store, lead, review, phase)
    rate(store, people, LEAD, review, 1, 4, kind="consensus")
    actions.record_finding(
        store, lead, {"review_id": review, "standard_id": 2, "areas_for_growth": "x"}
    )
    actions.record_finding(store, lead, {"review_id": review, "standard_id": 1})
    before = snapshot(store)
    with pytest.raises(InvalidInput) as refused:
        actions.publish_review(store, lead, review, version=3)
    assert refused.value.problems == {
        "consensus": "no consensus rating yet on S2",
        "findings": "no strengths or areas for growth written yet on S1",
    }
    assert snapshot(store) == before
    assert reviews.review_record(store, lead, review).report_gaps == (
        refused.value.problems
    )


def test_a_report_is_published_at_the_end_of_the_report_phase(store, people, review):
    before = snapshot(store)
    with pytest.raises(
        InvalidInput, match="end of the report phase; this review is in self-reflection"
    ):
        actions.publish_review(store, people[LEAD], review, version=1)
    assert snapshot(store) == before


def test_a_review_without_focus_standards_cannot_be_published(store, people):
    before = snapshot(store)
    with pytest.raises(InvalidInput) as refused:
        actions.publish_review(store, people[LEAD], 3, version=1)
    assert list(refused.value.problems) == ["focus"]
    assert snapshot(store) == before


def test_before_publication_the_school_sees_nothing_of_the_report(
    store, people, review, monkeypatch
):
    report_ready(store, people, review)
    principal = people["principal.a"]
    glance = home.school_glance(store, principal, 1, TODAY)
    assert glance.review["id"] == 1  # the one published review, not review 4
    assert STRENGTH not in set(glance.standards["strengths"])
    assert store.latest_published_review(1)["id"] == 1
    record = reviews.review_record(store, principal, review)
    assert record.report is None and record.evidence is None
    assert record.team_ratings is None
    assert "once the report is published" in record.hidden
    assert exemplars.search_practices(store, principal, "greeted gate").empty
    peers = exemplars.find_exemplars(store, people["principal.b"], 2, 1, TODAY)
    assert 1 not in set(peers.table["school_id"])

    monkeypatch.setattr(actions, "now", lambda: datetime(2031, 1, 20, 9, 0))
    actions.publish_review(store, people[LEAD], review, version=3)
    glance = home.school_glance(store, principal, 1, TODAY)
    assert glance.review["id"] == review
    assert glance.review["published_on"] == pd.Timestamp(2031, 1, 20)
    assert STRENGTH in set(glance.standards["strengths"])
    found = exemplars.search_practices(store, principal, "greeted gate")
    assert found[["code", "statement"]].values.tolist() == [
        ["S1", STRENGTH],
        ["S2", STRENGTH],
    ]
    peers = exemplars.find_exemplars(store, people["principal.b"], 2, 1, TODAY)
    assert 1 in set(peers.table["school_id"])
    record = reviews.review_record(store, principal, review)
    assert record.report.set_index("code").loc["S1", "label"] == "Exemplary"
    assert store.row("reviews", review)["phase"] == "action planning"


# -- phases ----------------------------------------------------------------------------


def test_the_lead_or_the_office_moves_a_review_one_phase_on(store, people, review):
    move(store, people[LEAD], review, "site visit")
    move(store, people["office"], review, "report")
    assert store.row("reviews", review)["phase"] == "report"
    assert store.history("reviews", review)["action"].tolist()[-2:] == [
        "move review to site visit",
        "move review to report",
    ]


@pytest.mark.parametrize(
    ("phase", "problem"),
    [
        ("report", "a review in its self-reflection phase moves on to site visit, "
         "not to report"),
        ("complete", "a review in its self-reflection phase moves on to site visit, "
         "not to complete"),
    ],
)  # fmt: skip
def test_a_phase_is_never_skipped(store, people, review, phase, problem):
    before = snapshot(store)
    with pytest.raises(InvalidInput) as refused:
        move(store, people["office"], review, phase)
    assert refused.value.problems == {"phase": problem}
    assert snapshot(store) == before


def test_phases_never_go_back_and_the_report_ends_by_publication(store, people, review):
    office = people["office"]
    move(store, office, review, "site visit")
    before = snapshot(store)
    with pytest.raises(InvalidInput, match="moves on to report, not to self-ref"):
        move(store, office, review, "self-reflection")
    move(store, office, review, "report")
    with pytest.raises(InvalidInput) as refused:
        move(store, office, review, "action planning")
    assert refused.value.problems == {
        "phase": "publishing the report moves the review to action planning"
    }
    record = reviews.review_record(store, office, review)
    assert not record.can.move_phase
    assert record.why_not_next == refused.value.problems["phase"]
    assert snapshot(store)["ratings"] == before["ratings"]
    with pytest.raises(InvalidInput, match="phase: cannot be empty"):
        actions.update_review(store, office, review, {"phase": None}, version=3)


def test_a_complete_review_has_no_next_phase(store, people):
    move(store, people["office"], 1, "complete")
    with pytest.raises(InvalidInput, match="the review is complete"):
        move(store, people[LEAD], 1, "action planning")
    assert reviews.review_record(store, people[LEAD], 1).next_phase is None


@pytest.mark.parametrize(
    "name", [MEMBER, OUTSIDER, "principal.a", "team.a", "lead.north", "viewer", None]
)
def test_only_the_lead_and_the_office_move_a_phase(store, people, review, name):
    before = snapshot(store)
    with pytest.raises(PermissionDenied):
        move(store, people.get(name), review, "site visit")
    assert snapshot(store) == before


def test_the_office_plans_the_dates_in_their_order(store, people, review):
    office, lead = people["office"], people[LEAD]
    dates = {"visit_starts_on": "2030-11-03", "visit_ends_on": "2030-11-05"}
    before = snapshot(store)
    with pytest.raises(PermissionDenied, match="plan reviews"):
        actions.update_review(store, lead, review, dates, version=1)
    with pytest.raises(InvalidInput) as refused:
        actions.update_review(
            store, office, review, {**dates, "visit_ends_on": "2030-11-01"}, version=1
        )
    assert refused.value.problems == {
        "visit_ends_on": "the site visit ends before it starts"
    }
    assert snapshot(store) == before
    actions.update_review(
        store, office, review, {**dates, "report_on": "2031-01-09"}, version=1
    )
    timeline = reviews.review_record(store, lead, review).timeline
    assert timeline.values.tolist() == [
        ["self-reflection", "from 2 Sep 2030", "now"],
        ["site visit", "3–5 Nov 2030", "to come"],
        ["report", "due 9 Jan 2031", "to come"],
        ["action planning", "not planned yet", "to come"],
        ["complete", "not planned yet", "to come"],
    ]


# -- who opens a review ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "opens"),
    [
        ("principal.a", True), ("team.a", True), ("principal.b", False),
        ("team.c", False), ("lead.north", True), ("lead.south", False),
        ("office", True), (LEAD, True), (MEMBER, True), (OUTSIDER, False),
        ("viewer", False), ("gone", False), (None, False),
    ],
)  # fmt: skip
def test_each_role_opens_exactly_the_reviews_it_may(store, people, review, name, opens):
    user = people.get(name)
    if opens:
        record = reviews.review_record(store, user, review)
        assert record.review["school"] == "Alder Elementary"
        assert review in reviews.review_choices(store, user)
    else:
        with pytest.raises(PermissionDenied):
            reviews.review_record(store, user, review)


def test_what_each_person_may_do_on_a_review(store, people, review):
    def can(name):
        found = reviews.review_record(store, people[name], review).can
        return {k for k, v in vars(found).items() if v}

    assert can("principal.a") == {"self_reflect"}
    assert can(MEMBER) == {"rate"}
    assert can(LEAD) == {"rate", "lead", "move_phase"}
    assert can("office") == {"move_phase", "plan_dates"}
    assert can("lead.north") == set()


def test_a_reviewers_choices_are_their_reviews_current_first(store, people, review):
    assert reviews.review_choices(store, people[MEMBER]) == {
        review: "Alder Elementary · 2030–31 · self-reflection",
        3: "Alder Elementary · 2027–28 · report",
        1: "Alder Elementary · 2024–25 · action planning",
    }
    assert list(reviews.review_choices(store, people[LEAD]))[:2] == [review, 3]
    assert reviews.review_choices(store, people[OUTSIDER]) == {}
    assert list(reviews.review_choices(store, people["principal.b"])) == []
    with pytest.raises(PermissionDenied):
        reviews.review_choices(store, people["viewer"])


def test_the_size_of_evidence_in_words():
    assert reviews.size_words({"interviews_held": 1, "interviewed_group": "staff"}) == (
        "1 interview with staff"
    )
    assert reviews.size_words({"classrooms_observed": 4, "classrooms_total": 14}) == (
        "4 of 14 classrooms observed"
    )
    assert reviews.size_words({"survey_respondents": 11}) == "11 people answered"
    assert reviews.size_words({"source": "document"}) == ""
