"""The review page through AppTest: a reviewer rates alone and submits, the
lead writes and publishes the report, the school reflects and then reads it."""

from __future__ import annotations

import pytest
from conftest import PEOPLE, small_district
from google.protobuf.text_format import MessageToString
from streamlit.testing.v1 import AppTest
from test_reviews import new_review

from sqr_tracker import actions
from sqr_tracker.review_views import (
    CHOSEN,
    EVIDENCE,
    REPORT,
    SELF,
    TABS,
    TEAM,
    YOURS,
)
from sqr_tracker.session import DEMO_USER_KEY
from sqr_tracker.store import Store
from sqr_tracker.support_views import selection_key

LEAD_NOTE = "Zebra crossings at every corridor"
LEVELS = ("Emerging", "Developing", "Proficient", "Exemplary")


@pytest.fixture
def district(tmp_path, monkeypatch) -> Store:
    """The small district as a demo file (so that its people can sign in),
    with review 4 of Alder Elementary in its self-reflection phase."""
    path = tmp_path / "district.duckdb"
    store = Store.open(path)
    store.bulk_load(small_district(), {"is_demo": "true"})
    monkeypatch.setenv("SQR_TRACKER_DB", str(path))
    people = {
        email.split("@")[0]: store.user_by_email(email) for _, email, *_ in PEOPLE
    }
    new_review(store, people)
    yield store
    store.close()


def user(store: Store, name: str):
    return store.user_by_email(f"{name}@test.sqr")


def page_as(
    store: Store,
    name: str,
    review_id: int = 4,
    path="pages/review.py",
    tab: str | None = None,
):
    page = AppTest.from_file(f"../{path}", default_timeout=30)
    page.session_state[DEMO_USER_KEY] = user(store, name).id
    page.session_state[CHOSEN] = review_id
    if tab is not None:
        page.session_state[TAB] = tab
    return page.run()


TAB = TABS  # a tab is built once opened
# The tab holding each kind of rating's forms.
RATED_IN = {"reviewer": YOURS, "consensus": REPORT, "self-reflection": SELF}


def open_tab(page: AppTest, name: str) -> AppTest:
    page.session_state[TAB] = name
    page.run()
    assert not page.exception, page.exception
    return page


def every_tab(page: AppTest) -> list[str]:
    """What the page shows with each of its tabs open in turn (then the tab
    open before)."""
    found, before = [], page.session_state[TAB]
    for name in [t.label for t in page.tabs]:
        found += shown(open_tab(page, name))
    open_tab(page, before)
    return found


def click(page: AppTest, label: str, nth: int = 0) -> AppTest:
    buttons = [b for b in page.button if b.label == label]
    return buttons[nth].click().run()


def rate_on_page(page: AppTest, kind: str, standard_id: int, level: int, note: str):
    if page.session_state[TAB] != RATED_IN[kind]:
        open_tab(page, RATED_IN[kind])
    form = f"{kind}-4-{standard_id}"
    page.selectbox(key=f"{form}:level").set_value(level)
    page.text_area(key=f"{form}:note").input(note)
    label = {"reviewer": "Save your rating", "consensus": "Save the consensus"}
    label = label.get(kind, "Save our rating")
    return click(page, label, nth=[1, 2].index(standard_id))


def shown(page: AppTest) -> list[str]:
    """Every element the page sent, decoded: each table row by row, every other
    element as its proto's text, so nothing that reaches the browser is missed."""
    found = []
    stack = [page._tree]
    while stack:
        node = stack.pop()
        children = getattr(node, "children", None)
        if children is not None:
            stack.extend(children.values())
            if getattr(node, "proto", None) is not None:
                found.append(MessageToString(node.proto, as_utf8=True))
        elif node.type == "dataframe":
            frame = node.value.astype(str)
            found += [" | ".join(row) for row in frame.values.tolist()]
            found.append(" | ".join(frame.columns))
        else:
            found.append(MessageToString(node.proto, as_utf8=True))
    return found


def leaks_of_the_lead(page: AppTest) -> list[str]:
    """What the page shows of the lead's ratings, in any of its tabs: their
    note anywhere, or their name beside a level of the scale."""
    return [
        text
        for text in every_tab(page)
        if LEAD_NOTE in text
        or ("Rae Lead-Reviewer" in text and any(level in text for level in LEVELS))
    ]


def test_a_reviewer_never_reads_another_reviewers_rating_before_submitting(district):
    lead = user(district, "reviewer.lead")
    for standard_id in (1, 2):
        actions.record_rating(
            district,
            lead,
            {
                "review_id": 4,
                "standard_id": standard_id,
                "rater_kind": "reviewer",
                "level": 4,
                "note": LEAD_NOTE,
            },
        )
    actions.submit_ratings(district, lead, 4)

    page = page_as(district, "reviewer.team")
    assert not page.exception
    assert leaks_of_the_lead(page) == []
    page = rate_on_page(page, "reviewer", 1, 2, "Routines vary by room")
    page = rate_on_page(page, "reviewer", 2, 3, "Calm at lunch")
    assert leaks_of_the_lead(page) == []

    page = click(page, "Submit my ratings")
    assert not page.exception
    assert leaks_of_the_lead(page), "after submitting, the lead's ratings show"
    open_tab(page, TEAM)
    team = next(
        d.value for d in page.dataframe if "reviewer" in d.value.columns.tolist()
    )
    assert team[["code", "reviewer", "label", "note"]].values.tolist() == [
        ["S1", "Rae Lead-Reviewer", "Exemplary", LEAD_NOTE],
        ["S1", "Rex Reviewer", "Developing", "Routines vary by room"],
        ["S2", "Rae Lead-Reviewer", "Exemplary", LEAD_NOTE],
        ["S2", "Rex Reviewer", "Proficient", "Calm at lunch"],
    ]


def test_a_reviewer_enters_their_ratings_and_submits(district):
    page = page_as(district, "reviewer.team", tab=YOURS)
    assert page.title[0].value == "Alder Elementary review, 2030–\u206031"
    submit = next(b for b in page.button if b.label == "Submit my ratings")
    assert submit.disabled
    assert "Rate every focus standard first; not yet rated: S1, S2." in [
        c.value.removeprefix(":orange[").removesuffix("]") for c in page.caption
    ]
    page = rate_on_page(page, "reviewer", 1, 3, "Lessons start on time")
    page = rate_on_page(page, "reviewer", 2, 2, "")
    assert district.rows(
        "SELECT standard_id, level, note FROM ratings WHERE review_id = 4 "
        "AND rater_id = 9 ORDER BY 1"
    ) == [(1, 3, "Lessons start on time"), (2, 2, "")]
    page = click(page, "Submit my ratings")
    assert not page.exception
    assert district.submitted_on(4, 9) is not None
    assert any("You submitted your ratings on" in s.value for s in page.success)
    assert not any(b.label == "Save your rating" for b in page.button)


def test_a_refused_rating_keeps_what_was_typed_and_names_the_field(district):
    page = page_as(district, "reviewer.team", tab=YOURS)
    page.text_area(key="reviewer-4-1:note").input("Strong routines in year 3")
    page = click(page, "Save your rating")
    assert [e.value for e in page.error] == [
        "The rating was not saved: see the fields marked below."
    ]
    assert ":red[Level: choose a level of the scale]" in [c.value for c in page.caption]
    assert page.text_area(key="reviewer-4-1:note").value == "Strong routines in year 3"
    assert district.value("SELECT count(*) FROM ratings WHERE review_id = 4") == 0


def test_the_lead_writes_the_report_publishes_it_and_the_school_reads_it(district):
    lead, office = user(district, "reviewer.lead"), user(district, "office")
    for phase, version in (("site visit", 1), ("report", 2)):
        actions.update_review(district, office, 4, {"phase": phase}, version=version)
    page = page_as(district, "reviewer.lead", tab=REPORT)
    publish = next(b for b in page.button if b.label == "Publish the report")
    assert publish.disabled
    page = rate_on_page(page, "consensus", 1, 4, "All agreed")
    page = rate_on_page(page, "consensus", 2, 3, "")
    for standard_id, text in (
        (1, "Teachers plan together weekly."),
        (2, "Calm halls."),
    ):
        page.text_area(key=f"finding-4-{standard_id}:strengths").input(text)
        page = click(page, "Save the finding", nth=standard_id - 1)
    assert not page.exception

    # an observation needs its size: refused, what was typed stays
    open_tab(page, EVIDENCE)
    finding = district.finding_id(4, 1)
    page.selectbox(key="evidence-4:finding_id").set_value(finding)
    page.selectbox(key="evidence-4:source").set_value("observation")
    page.text_input(key="evidence-4:description").input("Walk-through of classrooms")
    page.number_input(key="evidence-4:classrooms_observed").set_value(12)
    page = click(page, "Add evidence")
    assert ":red[Classrooms total: say of how many classrooms]" in [
        c.value for c in page.caption
    ]
    assert page.text_input(key="evidence-4:description").value == (
        "Walk-through of classrooms"
    )
    page.number_input(key="evidence-4:classrooms_total").set_value(20)
    page = click(page, "Add evidence")
    assert "The evidence was added." in [s.value for s in page.success]
    assert district.rows(
        "SELECT source, description, classrooms_observed, classrooms_total "
        "FROM evidence WHERE finding_id = ?",
        [finding],
    ) == [("observation", "Walk-through of classrooms", 12, 20)]

    page = click(open_tab(page, REPORT), "Publish the report")
    assert not page.exception, page.exception
    assert "The report was published: the school now reads it." in [
        s.value for s in page.success
    ]
    assert district.row("reviews", 4)["phase"] == "action planning"
    assert lead.id == district.review_lead_id(4)

    school = page_as(district, "principal.a", path="pages/school_home.py")
    assert not school.exception
    assert "Latest review: 2030–31" in [s.value for s in school.subheader]
    assert "Teachers plan together weekly." in [t.value for t in school.text]
    glance = school.dataframe[0].value.set_index("standard")
    assert glance["consensus_label"].tolist()[:2] == ["Exemplary", "Proficient"]


def test_before_publication_the_school_page_shows_none_of_the_report(district):
    lead, office = user(district, "reviewer.lead"), user(district, "office")
    actions.update_review(district, office, 4, {"phase": "site visit"}, version=1)
    actions.record_rating(
        district,
        lead,
        {"review_id": 4, "standard_id": 1, "rater_kind": "consensus", "level": 1},
    )
    actions.record_finding(
        district, lead, {"review_id": 4, "standard_id": 1, "strengths": "Secret draft"}
    )
    for path in ("pages/review.py", "pages/school_home.py"):
        page = page_as(district, "principal.a", path=path)
        assert not page.exception
        seen = every_tab(page) if page.tabs else shown(page)
        assert not [text for text in seen if "Secret draft" in text]
    page = page_as(district, "principal.a", tab=REPORT)
    assert "once the report is published" in " ".join(i.value for i in page.info)


def test_the_school_records_its_self_reflection_then_reads_it(district):
    page = page_as(district, "team.a")
    assert [t.label for t in page.tabs] == [
        "Self-reflection",
        "Consensus and findings",
        "Evidence",
    ]
    page = rate_on_page(page, "self-reflection", 1, 3, "We plan together")
    assert district.rows(
        "SELECT level, note FROM ratings WHERE review_id = 4 "
        "AND rater_kind = 'self-reflection'"
    ) == [(3, "We plan together")]
    actions.update_review(
        district, user(district, "office"), 4, {"phase": "site visit"}, version=1
    )
    page = page_as(district, "principal.a")
    assert not any(b.label == "Save our rating" for b in page.button)
    table = page.dataframe[1].value
    assert table[["code", "label", "note"]].values.tolist()[0] == [
        "S1",
        "Proficient",
        "We plan together",
    ]


def test_the_lead_moves_the_review_to_its_next_phase(district):
    page = page_as(district, "reviewer.lead")
    page = click(page, "Move to the next phase")
    assert not page.exception
    assert "The review moved on to its site visit phase." in [
        s.value for s in page.success
    ]
    assert district.row("reviews", 4)["phase"] == "site visit"
    member = page_as(district, "reviewer.team")
    assert not any(b.label == "Move to the next phase" for b in member.button)


def test_a_reviewer_not_on_the_team_cannot_open_the_review(district):
    page = page_as(district, "reviewer.other")
    assert not page.exception
    assert [i.value for i in page.info] == ["There is no review to open here yet."]
    assert not page.dataframe


def test_a_row_of_my_reviews_opens_its_review(district):
    app = AppTest.from_file("../app.py", default_timeout=30)
    app.session_state[DEMO_USER_KEY] = user(district, "reviewer.team").id
    app.run()
    assert app.title[0].value == "My reviews"
    listed = app.dataframe[0]
    assert "id" not in listed.value.columns
    app.session_state[selection_key("my-reviews", [4, 3, 1])] = {
        "selection": {"rows": [0], "columns": [], "cells": []}
    }
    app.run()
    assert not app.exception
    assert app.title[0].value == "Alder Elementary review, 2030–\u206031"


def test_a_tab_is_built_once_opened_and_then_kept(district):
    """A tab left unopened builds none of its forms; one opened before stays
    built, so that what was typed in it and not yet saved is still there."""
    page = page_as(district, "reviewer.lead")
    assert page.session_state[TAB] == SELF
    labels = {b.label for b in page.button}
    assert not labels & {"Save your rating", "Save the consensus", "Add evidence"}
    open_tab(page, YOURS)
    assert [b.label for b in page.button].count("Save your rating") == 2
    assert "Save the consensus" not in {b.label for b in page.button}
    open_tab(page, REPORT)
    labels = [b.label for b in page.button]
    assert (labels.count("Save your rating"), labels.count("Save the consensus")) == (
        2,
        2,
    )
    assert "Add evidence" not in labels
