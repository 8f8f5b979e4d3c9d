"""User-written text reaches the browser as inert text: stored in every field that
pages show, a payload of Markdown, HTML, links, LaTeX and colour is drawn only by
elements that show text as typed (``st.text``, code, table cells, choice labels,
inputs), or escaped by ``views.plain`` inside Markdown, and never as HTML."""

from __future__ import annotations

from datetime import date

import pytest
import streamlit as st
from conftest import small_district
from playwright.sync_api import expect
from streamlit.testing.v1 import AppTest
from test_browser import browser, serving  # noqa: F401
from test_read_leaks import (  # noqa: F401
    Sent,
    every_tab,
    files,
    person,
    sent,
    unescaped,
)

from sqr_tracker import actions
from sqr_tracker.models import Role
from sqr_tracker.navigation import pages_for
from sqr_tracker.session import DEMO_USER_KEY
from sqr_tracker.store import Store
from sqr_tracker.views import plain

PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '<img src="https://evil.example/x.png">',
    "[click](javascript:alert(1))",
    "![](https://evil.example/t.png)",
    '<a href="javascript:alert(1)">x</a>',
    "**bold** _it_ # heading",
    "$x^2$",
    ":red[colour]",
]
ALL_TEXT = "\n".join(PAYLOADS)
# Names carry a payload each: schools and the people who sign in below.
SCHOOL_NAMES = {1: f"Alder {PAYLOADS[1]}", 2: f"Birch {PAYLOADS[6]}", 3: PAYLOADS[0]}
PEOPLE_NAMES = {
    1: f"Ana {PAYLOADS[5]}",
    2: f"Tomas {PAYLOADS[3]}",
    5: f"Nia {PAYLOADS[8]}",
    7: f"Olu {PAYLOADS[7]}",
    8: f"Rae {PAYLOADS[4]}",
    9: f"Rex {PAYLOADS[2]}",
}
# Where text is shown as typed: (element, proto field). Table cells and column
# names, the labels of a choice's options, what an input holds, code, st.text,
# and a chart's spec (Plotly draws SVG text and drops links it does not trust).
INERT = {
    ("text", "body"),
    ("code", "code_text"),
    ("selectbox", "options"),
    ("multiselect", "options"),
    ("text_input", "default"),
    ("text_input", "value"),
    ("text_area", "default"),
    ("text_area", "value"),
}
# Parts of a table (cells, column names, the metadata that rebuilds it) and of a
# chart's spec, whatever part of the proto carries them.
INERT_PARTS = {"dataframe": (".cell", ".column", ".metadata"), "plotly_chart": ("",)}


def inert(item: Sent) -> bool:
    if item.kind == "download" or (item.kind, item.field) in INERT:
        return True
    return item.field.endswith(INERT_PARTS.get(item.kind, ()))


def unsafe(strings: list[Sent]) -> list[Sent]:
    """Strings where a payload would be rendered: raw in anything but an inert
    element (Markdown, headings, alerts, labels, help), or in HTML at all."""
    return [
        item
        for item in strings
        if (item.kind == "html" and any(p in unescaped(item.text) for p in PAYLOADS))
        or (not inert(item) and any(p in item.text for p in PAYLOADS))
    ]


def shown(strings: list[Sent]) -> set[str]:
    """The payloads a page shows, as typed or escaped."""
    text = "\n".join(s.text for s in strings if s.kind != "download")
    return {p for p in PAYLOADS if p in text or p in unescaped(text)}


def build(path) -> Store:
    """The small district as a demo file, every user-written field of school 1
    holding the payloads: one goal per payload with its milestone, action step,
    check-in, comment and two support requests (one answered)."""
    frames = small_district()
    frames["schools"]["name"] = frames["schools"]["id"].map(SCHOOL_NAMES)
    users = frames["users"]
    users["name"] = users["id"].map(PEOPLE_NAMES).fillna(users["name"])
    frames["findings"]["strengths"] = ALL_TEXT
    frames["findings"]["areas_for_growth"] = ALL_TEXT
    frames["evidence"]["description"] = ALL_TEXT
    store = Store.open(path)
    store.bulk_load(frames, {"is_demo": "true"})
    for number, payload in enumerate(PAYLOADS):
        write_payload(store, payload, standard_id=1 + number % 2)
    return store


@pytest.fixture
def district(tmp_path, monkeypatch) -> Store:
    store = build(tmp_path / "district.duckdb")
    monkeypatch.setenv("SQR_TRACKER_DB", str(store.path))
    yield store
    store.close()


def write_payload(store: Store, payload: str, standard_id: int) -> None:
    principal, lead = person(store, "principal.a"), person(store, "lead.north")
    goal = {"school_id": 1, "standard_id": standard_id, "statement": payload}
    goal_id = actions.create_goal(store, principal, goal)
    actions.create_milestone(
        store,
        principal,
        {"goal_id": goal_id, "description": payload, "due_on": date(2027, 3, 1)},
    )
    step = {
        "goal_id": goal_id,
        "description": payload,
        "owner": payload,
        "starts_on": date(2026, 9, 1),
        "due_on": date(2027, 6, 1),
        "status": "in progress",
    }
    step_id = actions.create_action_step(store, principal, step)
    actions.record_check_in(
        store,
        principal,
        {"action_step_id": step_id, "status": "in progress", "note": payload},
    )
    actions.add_comment(
        store, lead, {"school_id": 1, "goal_id": goal_id, "body": payload}
    )
    for answered in (False, True):
        request_id = actions.request_support(
            store, principal, {"school_id": 1, "goal_id": goal_id, "need": payload}
        )
        if answered:
            actions.answer_support(
                store,
                lead,
                request_id,
                {"answer": payload, "status": "answered"},
                version=1,
            )


def open_page(store: Store, name: str, path: str) -> AppTest:
    page = AppTest.from_file(f"../{path}", default_timeout=30)
    page.session_state[DEMO_USER_KEY] = person(store, name).id
    return page.run()


READERS = {
    "principal.a": Role.PRINCIPAL,
    "lead.north": Role.NETWORK_LEAD,
    "office": Role.CENTRAL_OFFICE,
    "reviewer.lead": Role.REVIEWER,
    "viewer": Role.VIEWER,
}
CASES = [
    pytest.param(name, page.path, id=f"{name}-{page.path}")
    for name, role in READERS.items()
    for page in pages_for(role)
]
# Pages that show every payload, each from several fields.
SHOWS_ALL = {
    ("principal.a", "pages/workspace.py"),
    ("principal.a", "pages/school_home.py"),
    ("lead.north", "pages/workspace.py"),
    ("office", "pages/support_requests.py"),
}


@pytest.mark.parametrize(("name", "path"), CASES)
def test_a_page_draws_user_text_only_as_inert_text(
    district,
    files,  # noqa: F811
    name,
    path,
):
    page = open_page(district, name, path)
    assert not page.exception, page.exception
    strings = every_tab(page, files)
    assert unsafe(strings) == []
    if (name, path) in SHOWS_ALL:
        assert shown(strings) == set(PAYLOADS)


def test_the_check_tells_escaped_markdown_from_raw():
    payload = PAYLOADS[3]
    assert unsafe([Sent("markdown", "body", plain(payload))]) == []
    assert unsafe([Sent("text", "body", payload)]) == []
    raw = [Sent("markdown", "body", f"**{payload}**"), Sent("html", "body", "x")]
    assert unsafe(raw) == raw[:1]
    assert unsafe([Sent("html", "body", plain(payload))])
    assert unsafe([Sent("expander", "label", payload)])
    assert shown([Sent("caption", "body", plain(payload))]) == {payload}


def test_the_entry_and_the_sign_in_draw_names_as_text(district, files):  # noqa: F811
    signed_out = AppTest.from_file("../app.py", default_timeout=30).run()
    assert not signed_out.exception
    assert unsafe(sent(signed_out, files)) == []
    assert PEOPLE_NAMES[1] in " ".join(signed_out.selectbox(key="demo_choice").options)
    signed_in = AppTest.from_file("../app.py", default_timeout=30)
    signed_in.session_state[DEMO_USER_KEY] = 1
    signed_in.run()
    assert not signed_in.exception
    assert unsafe(sent(signed_in, files)) == []
    assert signed_in.sidebar.caption[0].value == (
        f"Signed in as **{plain(PEOPLE_NAMES[1])}** · Principal"
    )


# -- a real browser ------------------------------------------------------------------


@pytest.fixture(scope="module")
def payload_server(tmp_path_factory):
    """`streamlit run app.py` on a free port, over the district with payloads."""
    path = tmp_path_factory.mktemp("payloads") / "district.duckdb"
    build(path).close()
    with serving(path) as url:
        yield url


def signed_in_page(browser, server: str, typed: str, school: str):  # noqa: F811
    """A new page signed in as the person of the role typed, at the school."""
    page = browser.new_page(viewport={"width": 1400, "height": 1400})
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(server)
    expect(page.get_by_text("Demo district.")).to_be_visible(timeout=30_000)
    page.get_by_label("Sign in as").click()
    page.keyboard.type(typed)
    page.get_by_role("option").filter(has_text=school).first.click()
    page.get_by_role("button", name="Sign in").click()
    return page, dialogs


def visible_text(page, text: str):
    """The first element on show whose whole text is ``text``."""
    return page.get_by_text(text, exact=True).filter(visible=True).first


def nothing_ran(page, dialogs: list[str]) -> None:
    assert dialogs == []
    assert page.locator("img[src*='evil.example']").count() == 0
    assert page.locator("img[src='x']").count() == 0
    assert page.locator("a[href^='javascript:' i]").count() == 0
    assert page.locator("script:has-text('alert(1)')").count() == 0


@pytest.mark.browser
def test_the_plan_shows_every_payload_as_text_in_a_browser(
    payload_server,
    browser,  # noqa: F811
):
    page, dialogs = signed_in_page(browser, payload_server, "Principal", "Alder")
    page.get_by_role("link", name="Our plan").click()
    expect(page.get_by_role("tab", name="Goals")).to_be_visible(timeout=30_000)
    page.get_by_role("tab", name="Goals").click()
    for payload in PAYLOADS:
        expect(visible_text(page, payload)).to_be_visible()
    page.get_by_role("tab", name="Support").click()
    expect(visible_text(page, PAYLOADS[5])).to_be_visible()
    nothing_ran(page, dialogs)
    page.close()


@pytest.mark.browser
def test_the_support_desk_shows_a_payload_as_text_in_a_browser(
    payload_server,
    browser,  # noqa: F811
):
    page, dialogs = signed_in_page(browser, payload_server, "Central office", "Olu")
    page.get_by_role("link", name="Support requests").click()
    expect(page.get_by_text("Time to answer, by network")).to_be_visible(timeout=30_000)
    expect(visible_text(page, PAYLOADS[0])).to_be_visible()
    expect(page.get_by_text(f"Signed in as Olu {PAYLOADS[7]}")).to_be_visible()
    nothing_ran(page, dialogs)
    page.close()


def test_a_refusal_quoting_what_people_wrote_is_shown_as_typed():
    """The package's messages quote names and statements: a form shows them
    escaped, so a name like **[x](javascript:alert(1))** is not a link."""
    from sqr_tracker import plan_forms
    from sqr_tracker.errors import SqrError
    from sqr_tracker.views import plain

    payload = "[x](javascript:alert(1)) **bold**"

    def refuse() -> None:
        raise SqrError(f"The goal “{payload}” was deleted.")

    plan_forms.submit_form("payload-form", refuse, [], "Saved.")
    said = st.session_state["payload-form:outcome"]["error"]
    assert said == plain(f"The goal “{payload}” was deleted.")
    assert "[x](" not in said and "**" not in said
