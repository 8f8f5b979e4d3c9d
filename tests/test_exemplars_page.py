"""The exemplars page through AppTest: the default standard, the exemplar cards,
a visit request, the practice library and the district's view."""

from __future__ import annotations

import dataclasses
import re
from datetime import date

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from sqr_tracker import actions, exemplar_views, exemplars
from sqr_tracker.demo import build_demo_file
from sqr_tracker.session import DEMO_USER_KEY
from sqr_tracker.store import Store
from sqr_tracker.views import plain


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("exemplars") / "demo.duckdb"
    build_demo_file(path, schools=30, seed=5, today=date.today())
    return str(path)


@pytest.fixture
def store(demo_file, monkeypatch):
    monkeypatch.setenv("SQR_TRACKER_DB", demo_file)
    return Store.open(demo_file)


def page_as(store: Store, email: str) -> AppTest:
    page = AppTest.from_file("../pages/exemplars.py", default_timeout=30)
    page.session_state[DEMO_USER_KEY] = store.user_by_email(email).id
    return page.run()


def open_tab(page: AppTest, label: str) -> AppTest:
    """The page with one of its tabs open (a tab is built once opened)."""
    page.session_state[exemplar_views.TABS] = label
    page.run()
    assert not page.exception, page.exception
    return page


def first_exemplar(store: Store, principal) -> pd.Series:
    """The first exemplar on the principal's weakest focus standard."""
    weakest, _ = exemplars.weakest_focus_standard(store, principal, principal.school_id)
    return exemplars.find_exemplars(
        store, principal, principal.school_id, weakest, date.today()
    ).table.iloc[0]


def card_titles(page: AppTest) -> list[str]:
    return [m.value for m in page.markdown if re.match(r"\*\*\d+\. ", m.value)]


def test_a_principal_starts_on_their_weakest_focus_standard(store):
    page = page_as(store, "principal@demo.sqr")
    assert not page.exception
    principal = store.user_by_email("principal@demo.sqr")
    weakest, why = exemplars.weakest_focus_standard(
        store, principal, principal.school_id
    )
    assert page.selectbox(key=f"standard:{principal.school_id}").value == weakest
    assert why in [c.value for c in page.caption]
    assert [t.label for t in page.tabs] == [
        "Exemplars",
        "Working on the same thing",
        "Practice library",
    ]
    found = exemplars.find_exemplars(
        store, principal, principal.school_id, weakest, date.today()
    )
    titles = card_titles(page)
    expected = found.table.head(5)
    assert len(titles) == len(expected) > 0
    for title, row in zip(titles, expected.itertuples(), strict=True):
        assert title.startswith(f"**{row.rank}. ")
        assert row.school.replace(" ", " ") in title.replace("\\", "")
    # The first card: its heading, three lines of context and whom to ask,
    # then its strengths as text, one to a line, in the review's order.
    heading, about, strengths = titles[0].split("\n\n")
    first = expected.iloc[0]
    contact = f"Contact: {first.principal}, principal · {first.principal_email}"
    assert about.split("  \n") == [
        f":gray[:small[{plain(line)}]]"
        for line in (f"{first.why} · review {first.review_age}", first.evidence,
                     first.context, contact)
    ]  # fmt: skip
    assert strengths == f"**What its review found strong on {found.standard['code']}**"
    assert page.text[0].value == "\n".join(f"• {s}" for s in first.strengths)
    assert principal.school_id not in set(found.table["school_id"])


def test_cards_say_when_a_review_wrote_no_strengths_or_no_principal_is_listed(
    store, monkeypatch
):
    monkeypatch.setattr(exemplar_views, "CARDS", 2)
    principal = store.user_by_email("principal@demo.sqr")
    weakest, _ = exemplars.weakest_focus_standard(store, principal, principal.school_id)
    found = exemplars.find_exemplars(
        store, principal, principal.school_id, weakest, date.today()
    )
    table = found.table.head(4).copy()
    assert len(table) == 4
    table.loc[0, "school"] = "St. *Mary's* [North]"
    table["strengths"] = table["strengths"].astype(object)
    table.at[0, "strengths"] = []
    table.loc[0, ["principal", "principal_email"]] = None
    shown = exemplar_views.shown(dataclasses.replace(found, table=table))
    assert len(shown.cards) == 2
    card = shown.cards[0]
    assert card.school == "St. *Mary's* [North]"
    assert card.text.startswith(r"**1. St\. \*Mary's\* \[North\]** · ")
    code = found.standard["code"]
    about, strengths = card.text.split("\n\n")[1:]
    assert about.split("  \n")[-1] == (
        r":gray[:small[No active principal is listed\: ask the central office\.]]"
    )
    assert strengths == (
        f":gray[:small[{plain(f'The review wrote no strengths for {code}.')}]]"
    )
    assert card.strengths == ""
    assert shown.cards[1].strengths == "\n".join(
        f"• {statement}" for statement in table["strengths"].iloc[1]
    )
    # The rest: two rows, the listed columns only, in rank order.
    assert shown.rest.column_names == list(exemplar_views._LISTED)
    assert list(exemplar_views._LISTED) == [
        "rank", "school", "network", "why", "similarity", "review_age"
    ]  # fmt: skip
    assert shown.rest["rank"].to_pylist() == [3, 4]
    assert shown.rest["school"].to_pylist() == table["school"].iloc[2:].tolist()


def test_a_visit_request_reaches_the_central_office_and_the_plan(store):
    page = page_as(store, "principal@demo.sqr")
    principal = store.user_by_email("principal@demo.sqr")
    first = first_exemplar(store, principal)
    form = f"visit-{first['school_id']}"
    page.session_state[exemplar_views.visit_expander_key(first["school_id"])] = True
    page.run()  # the form is built once its expander is open
    page.radio(key=f"{form}:kind").set_value("pairing")
    page.text_area(key=f"{form}:need").set_value("Pair our restorative practice leads.")
    send = [b for b in page.button if b.label == "Send to the central office"]
    send[0].click().run()
    assert not page.exception
    assert [s.value for s in page.success] == [
        "Sent. The central office will answer; the request is listed under support "
        "requests in your plan."
    ]
    office = store.user_by_email("central.office@demo.sqr")
    asked = exemplars.peer_requests(store, office)
    latest = asked.iloc[0]
    assert (latest["school_id"], latest["kind"], latest["peer_school_id"]) == (
        principal.school_id,
        "pairing",
        first["school_id"],
    )
    assert latest["need"] == "Pair our restorative practice leads."
    listed = open_tab(page_as(store, "central.office@demo.sqr"), "Visit requests")
    table = listed.dataframe[-1].value
    assert table["need"].iloc[0] == "Pair our restorative practice leads."
    assert table["peer_school"].iloc[0] == first["school"]


def same_work_tables(page: AppTest) -> list[pd.DataFrame]:
    return [d.value for d in page.dataframe if "shared" in d.value.columns]


def test_a_tab_is_built_once_opened_and_then_kept(store):
    """A tab left unopened asks nothing; one opened before stays built, so
    that what was typed in it is still there when it is opened again."""
    page = page_as(store, "principal@demo.sqr")
    assert card_titles(page) and not page.text_input and not same_work_tables(page)
    open_tab(page, "Working on the same thing")
    assert card_titles(page) and not page.text_input
    principal = store.user_by_email("principal@demo.sqr")
    standard = page.selectbox(key=f"standard:{principal.school_id}").value
    same = exemplars.working_on_the_same(
        store, principal, principal.school_id, standard
    )
    expected = same.table["school"].head(exemplar_views.PAGE_ROWS).tolist()
    assert [t["school"].tolist() for t in same_work_tables(page)] == [expected]
    open_tab(page, "Practice library")
    assert [t.key for t in page.text_input] == ["practice-words"]
    assert card_titles(page)
    assert [t["school"].tolist() for t in same_work_tables(page)] == [expected]


def test_another_school_starts_again_from_the_open_tab(store):
    page = page_as(store, "central.office@demo.sqr")
    open_tab(page, "Practice library")
    assert card_titles(page) and page.text_input
    chooser = page.selectbox(key="school")
    ids = store.frame("SELECT id FROM schools ORDER BY id")["id"].tolist()
    chooser.set_value(next(i for i in ids if i != chooser.value)).run()
    assert not page.exception, page.exception
    assert page.session_state[exemplar_views.TABS] == "Practice library"
    assert [t.key for t in page.text_input] == ["practice-words"]
    assert not card_titles(page)


def test_a_visit_form_is_built_once_its_expander_is_opened(store):
    page = page_as(store, "principal@demo.sqr")
    principal = store.user_by_email("principal@demo.sqr")
    first = first_exemplar(store, principal)
    sending = "Send to the central office"
    assert not [b for b in page.button if b.label == sending]
    opened = exemplar_views.visit_expander_key(first["school_id"])
    page.session_state[opened] = True
    page.run()
    assert [b.label for b in page.button].count(sending) == 1
    page.session_state[opened] = False  # closed again: the form stays built
    page.run()
    assert [b.label for b in page.button].count(sending) == 1


def test_the_practice_library_finds_strengths_and_opens_a_review(store):
    page = open_tab(page_as(store, "site.team@demo.sqr"), "Practice library")
    page.text_input(key="practice-words").set_value("restorative circles").run()
    assert not page.exception
    team = store.user_by_email("site.team@demo.sqr")
    found = exemplars.search_practices(store, team, "restorative circles")
    assert not found.empty
    shown = [t.value for t in page.text]
    assert found["statement"].iloc[0] in shown
    first = found["schools"].iloc[0][0]
    button = page.button(key=f"practice-review:0:{first['review_id']}")
    assert button.label == f"{first['school']} ({first['cycle']})"
    button.click().run()
    assert any(
        m.value.startswith("**What ") and "review found strong**" in m.value
        for m in page.markdown
    )
    page.button(key="practice-review:close").click().run()
    assert not any("review found strong**" in m.value for m in page.markdown)


def test_words_that_match_nothing_say_so(store):
    page = open_tab(page_as(store, "principal@demo.sqr"), "Practice library")
    page.text_input(key="practice-words").set_value("zzyzx quokka").run()
    assert "No published strength matches these words." in page.info[-1].value


def test_the_central_office_sees_the_district_view(store):
    page = page_as(store, "central.office@demo.sqr")
    assert not page.exception
    assert [t.label for t in page.tabs][-2:] == [
        "Across the district",
        "Visit requests",
    ]
    open_tab(page, "Across the district")
    office = store.user_by_email("central.office@demo.sqr")
    view = exemplars.district_view(store, office)
    table = next(d.value for d in page.dataframe if "no_peer" in d.value.columns)
    assert table["struggling"].tolist() == view["struggling"].tolist()
    assert table["exemplars"].tolist() == view["exemplars"].tolist()


def test_a_network_lead_sees_their_network(store):
    page = page_as(store, "network.lead@demo.sqr")
    assert not page.exception
    assert [t.label for t in page.tabs][-2] == "Across your network"
    lead = store.user_by_email("network.lead@demo.sqr")
    schools = page.selectbox(key="school").options
    followed = store.schools(store.school_ids_in_network(lead.network_id))
    assert sorted(schools) == sorted(followed["name"])


VERSION_READS = (
    "SELECT coalesce(max(id), 0) FROM history",
    "SELECT (SELECT coalesce(max(id), 0) FROM history)",
)


def test_a_rerun_reads_the_data_version_again_only_after_a_write(store, statements):
    """Every cached question of a run is keyed on the data version and the user:
    they are read from the file once after a write, not once per question."""
    page = page_as(store, "principal@demo.sqr")
    statements.clear()
    page.run()
    assert not page.exception
    assert [s for s in statements if s.startswith(VERSION_READS)] == []
    principal = store.user_by_email("principal@demo.sqr")
    actions.create_goal(store, principal, {
        "school_id": principal.school_id, "standard_id": 1,
        "statement": "Every family hears from us each month",
    })  # fmt: skip
    statements.clear()
    page.run()
    assert not page.exception
    assert len([s for s in statements if s.startswith(VERSION_READS)]) == 1
