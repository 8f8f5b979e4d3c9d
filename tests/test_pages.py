"""The real app through Streamlit's AppTest: every page for every demo role."""

from __future__ import annotations

import os
from datetime import date

import pytest
from streamlit.testing.v1 import AppTest

from sqr_tracker import actions
from sqr_tracker.demo import build_demo_file, persona_emails
from sqr_tracker.models import Role
from sqr_tracker.navigation import PAGES, pages_for, spec_of
from sqr_tracker.session import DEMO_USER_KEY
from sqr_tracker.store import Store

PERSONAS = persona_emails()


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    build_demo_file(path, schools=24, seed=11, today=date.today())
    return str(path)


@pytest.fixture
def app(demo_file, monkeypatch):
    """The app on the demo file, not yet run."""
    monkeypatch.setenv("SQR_TRACKER_DB", demo_file)
    return AppTest.from_file("../app.py", default_timeout=30)


def signed_in(app: AppTest, role: Role) -> AppTest:
    user = Store.open(os.environ["SQR_TRACKER_DB"]).user_by_email(PERSONAS[role])
    app.session_state[DEMO_USER_KEY] = user.id
    return app.run()


def texts(app: AppTest) -> str:
    parts = [
        e.value
        for kind in (
            "title",
            "subheader",
            "caption",
            "markdown",
            "text",
            "info",
            "warning",
            "error",
        )
        for e in getattr(app, kind)
    ]
    return "\n".join(str(p) for p in parts)


def test_signed_out_the_app_offers_the_demo_sign_in_and_no_data(app):
    app.run()
    assert not app.exception
    assert app.selectbox(key="demo_choice").label == "Sign in as"
    assert "Demo district" in texts(app)
    assert not app.dataframe


def test_choosing_a_person_signs_them_in(app):
    app.run()
    principal = Store.open(os.environ["SQR_TRACKER_DB"]).user_by_email(
        PERSONAS[Role.PRINCIPAL]
    )
    app.selectbox(key="demo_choice").set_value(principal.id).run()
    app.button[0].click().run()
    assert not app.exception
    assert "Our plan this month" in texts(app)
    assert "Signed in as" in app.sidebar.caption[0].value


@pytest.mark.parametrize("role", list(Role))
def test_each_role_is_offered_exactly_its_pages(app, role):
    signed_in(app, role)
    assert not app.exception, app.exception
    assert app.sidebar.caption[0].value.startswith("Signed in as")
    visible = {page.path for page in pages_for(role)}
    for page in PAGES:
        if page.path in visible:
            app.switch_page(page.path)  # registered by the navigation: no error
        else:
            with pytest.raises(ValueError, match="Could not find a navigation page"):
                app.switch_page(page.path)


@pytest.mark.parametrize(
    ("role", "page"), [(role, page) for role in Role for page in pages_for(role)]
)
def test_each_page_renders_for_each_role_that_has_it(
    demo_file, monkeypatch, role, page
):
    direct = page_as(demo_file, monkeypatch, page, role)
    assert not direct.exception, direct.exception
    assert direct.title[0].value
    assert not direct.error, [e.value for e in direct.error]


def page_as(demo_file, monkeypatch, page, role) -> AppTest:
    """One page file run on its own, as Streamlit may serve it, for a persona."""
    monkeypatch.setenv("SQR_TRACKER_DB", demo_file)
    direct = AppTest.from_file(f"../{page.path}", default_timeout=30)
    if role is not None:
        user = Store.open(demo_file).user_by_email(PERSONAS[role])
        direct.session_state[DEMO_USER_KEY] = user.id
    return direct.run()


@pytest.mark.parametrize(
    "page",
    [spec_of(p.path) for p in PAGES if len(spec_of(p.path).roles) < len(Role)],
    ids=lambda p: p.path,
)
def test_a_page_served_directly_refuses_a_role_it_is_not_for(
    demo_file, monkeypatch, page
):
    outsider = next(role for role in Role if role not in page.roles)
    direct = page_as(demo_file, monkeypatch, page, outsider)
    assert not direct.exception
    assert [e.value for e in direct.error] == [
        f"The page “{page.title}” is not part of a {outsider.label}'s view."
    ]
    assert not direct.dataframe and not direct.metric


@pytest.mark.parametrize("page", PAGES)
def test_a_page_served_before_sign_in_shows_no_data(demo_file, monkeypatch, page):
    direct = page_as(demo_file, monkeypatch, page, None)
    assert not direct.exception
    assert [e.value for e in direct.warning] == [
        "Please sign in first: open the app's start page."
    ]
    assert not direct.dataframe and not direct.metric and not direct.title


def test_the_school_home_shows_the_latest_review_of_the_users_school(app):
    signed_in(app, Role.PRINCIPAL)
    store = Store.open(os.environ["SQR_TRACKER_DB"])
    user = store.user_by_email(PERSONAS[Role.PRINCIPAL])
    school = store.schools([user.school_id]).iloc[0]
    assert app.title[0].value == school["name"]
    table = app.dataframe[0].value
    review = store.latest_published_review(user.school_id)
    glance = store.review_at_a_glance(int(review["id"]))
    marks = glance["is_focus"].map({True: " ★", False: ""})
    assert list(table["code"]) == list(glance["code"] + marks)
    assert [code.split()[0] for code in table["code"]] == [f"S{n}" for n in range(1, 7)]
    assert 1 <= glance["is_focus"].sum() <= 6
    assert list(table["consensus_label"]) == list(glance["consensus_label"])
    assert [m.label for m in app.metric] == [
        "Open goals",
        "Focus goals",
        "Open action steps",
        "Overdue action steps",
        "Since last check-in",
    ]


def test_a_disabled_user_is_signed_out_on_the_next_run(app):
    signed_in(app, Role.VIEWER)
    assert app.title[0].value == "School summaries"
    store = Store.open(os.environ["SQR_TRACKER_DB"])
    viewer = store.user_by_email(PERSONAS[Role.VIEWER])
    office = store.user_by_email(PERSONAS[Role.CENTRAL_OFFICE])
    actions.set_user_active(store, office, viewer.id, False, version=1)
    try:
        app.run()
        assert not app.dataframe and not app.metric
        assert "sign in" in texts(app).lower()
    finally:
        actions.set_user_active(store, office, viewer.id, True, version=2)


def test_a_file_that_is_not_a_demo_shows_no_data_without_sign_in(tmp_path, monkeypatch):
    path = tmp_path / "district.duckdb"
    store = Store.open(path)
    store.close()
    monkeypatch.setenv("SQR_TRACKER_DB", str(path))
    app = AppTest.from_file("../app.py", default_timeout=30).run()
    assert not app.exception
    assert "Sign-in is not configured" in app.error[0].value
    assert not app.selectbox and not app.dataframe


def test_with_no_data_file_the_app_builds_the_demo_and_says_so(tmp_path, monkeypatch):
    path = tmp_path / "fresh" / "sqr.duckdb"
    monkeypatch.setenv("SQR_TRACKER_DB", str(path))
    app = AppTest.from_file("../app.py", default_timeout=120).run()
    assert not app.exception
    assert path.exists()
    assert app.info[0].value.startswith("No data file was found at")
    assert Store.open(path).is_demo()
