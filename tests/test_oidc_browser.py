"""Signing in for real: Chromium, the app under `streamlit run` configured with an
``[auth]`` section, and an OpenID Connect provider on 127.0.0.1 (see
``tests/oidc_provider.py``). Also every page's address opened before signing in,
on that server and on the demo."""

from __future__ import annotations

import secrets
from datetime import date
from pathlib import Path

import pytest
import test_browser
from conftest import PEOPLE, small_district
from oidc_provider import RunningProvider
from playwright.sync_api import Page, expect
from streamlit.source_util import page_icon_and_name
from test_browser import free_port, serving

from sqr_tracker.demo import build_demo_file
from sqr_tracker.navigation import PAGES
from sqr_tracker.store import Store

pytestmark = pytest.mark.browser

STRANGER = "stranger@elsewhere.org"
# The provider knows everyone in the small district and one person it does not.
ACCOUNTS = {email: name for _, email, name, *_ in PEOPLE} | {STRANGER: "Sam Stranger"}
# The address of each page, as st.navigation names it after the page's file.
URL_PATHS = sorted({page_icon_and_name(Path(spec.path))[1] for spec in PAGES})
WAIT = 30_000
# A page file served before app.py has run stops at its own guard with this.
FIRST = "Please sign in first: open the app's start page."

# Chromium and the demo server, as the other browser tests start them.
browser = test_browser.browser
server = test_browser.server


@pytest.fixture(scope="module")
def provider():
    running = RunningProvider(ACCOUNTS)
    yield running
    running.stop()


@pytest.fixture(scope="module")
def district(tmp_path_factory) -> tuple[Path, list[str]]:
    """A small, non-demo district file and its school names."""
    path = tmp_path_factory.mktemp("oidc-data") / "district.duckdb"
    store = Store.open(path)
    try:
        store.bulk_load(small_district(), {"is_demo": "false"})
        names = store.schools()["name"].tolist()
    finally:
        store.close()
    return path, names


def write_secrets(project: Path, app_url: str, provider: RunningProvider) -> None:
    """The ``[auth]`` section the README asks for, pointing at the provider."""
    client_id, client_secret = "sqr-tracker", secrets.token_urlsafe(24)
    redirect_uri = f"{app_url}/oauth2callback"
    provider.provider.add_client(client_id, client_secret, redirect_uri)
    (project / ".streamlit").mkdir()
    (project / ".streamlit" / "secrets.toml").write_text(
        "[auth]\n"
        f'redirect_uri = "{redirect_uri}"\n'
        f'cookie_secret = "{secrets.token_urlsafe(32)}"\n'
        f'client_id = "{client_id}"\n'
        f'client_secret = "{client_secret}"\n'
        f'server_metadata_url = "{provider.discovery_url}"\n'
    )


@pytest.fixture(scope="module")
def app(tmp_path_factory, provider, district) -> str:
    """`streamlit run app.py` from a project folder whose secrets name the
    provider, over the small district; its address on localhost."""
    project = tmp_path_factory.mktemp("oidc-project")
    port = free_port()
    url = f"http://localhost:{port}"
    write_secrets(project, url, provider)
    # Streamlit reads the folder it starts from; a .streamlit/secrets.toml beside
    # app.py would win over it, so the flag names this one alone.
    flags = ["--secrets.files", str(project / ".streamlit" / "secrets.toml")]
    with serving(district[0], port=port, cwd=project, flags=flags):
        yield url


@pytest.fixture(scope="module")
def demo_school_names(tmp_path_factory) -> list[str]:
    """The school names of the demo the `server` fixture runs, built again the
    same way (the server holds its own file)."""
    path = tmp_path_factory.mktemp("same-demo") / "demo.duckdb"
    build_demo_file(path, schools=24, seed=5, today=date.today())
    store = Store.open(path)
    try:
        return store.schools()["name"].tolist()
    finally:
        store.close()


@pytest.fixture(scope="module")
def unsigned(browser) -> Page:
    """One tab in which nobody ever signs in, shared so that the app's scripts
    and styles load once."""
    context = browser.new_context()
    yield context.new_page()
    context.close()


def sign_in(page: Page, app_url: str, email: str) -> None:
    """Through the provider: the app's Sign in button, then its login form."""
    page.goto(app_url)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Sign in to the district")).to_be_visible(
        timeout=WAIT
    )
    page.get_by_label("Email").fill(email)
    page.get_by_role("button", name="Continue").click()


def assert_no_school_named(page: Page, names: list[str]) -> None:
    """No school's name anywhere in the page, shown or hidden."""
    content = page.content()
    assert [name for name in names if name in content] == []


def settled(page: Page) -> None:
    """Wait until the app has finished its run."""
    expect(page.get_by_test_id("stApp")).to_have_attribute(
        "data-test-script-state", "notRunning", timeout=WAIT
    )


# -- every page's address before anyone signs in ------------------------------------


@pytest.mark.parametrize("url_path", URL_PATHS)
def test_a_page_address_before_sign_in_shows_only_the_sign_in(
    app, unsigned, district, url_path
):
    page = unsigned
    page.goto(f"{app}/{url_path}")
    prompt = page.get_by_text("Sign in with your district account to see your schools.")
    expect(prompt.or_(page.get_by_text(FIRST))).to_be_visible(timeout=WAIT)
    settled(page)
    assert_no_school_named(page, district[1])


@pytest.mark.parametrize("url_path", URL_PATHS)
def test_a_page_address_before_the_demo_sign_in_shows_only_the_sign_in(
    server, unsigned, demo_school_names, url_path
):
    page = unsigned
    page.goto(f"{server}/{url_path}")
    prompt = page.get_by_text("Demo district.")
    expect(prompt.or_(page.get_by_text(FIRST))).to_be_visible(timeout=WAIT)
    settled(page)
    assert_no_school_named(page, demo_school_names)


# -- signing in through the provider ------------------------------------------------


def test_a_principal_signs_in_sees_their_school_and_signs_out(app, browser, provider):
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    sign_in(page, app, "principal.a@test.sqr")

    expect(page.get_by_role("heading", name="Alder Elementary")).to_be_visible(
        timeout=WAIT
    )
    expect(page.get_by_text("Signed in as Ana Principal · Principal")).to_be_visible()
    settled(page)
    assert_no_school_named(page, ["Birch Middle School", "Cedar High School"])

    page.get_by_role("button", name="Sign out").click()
    # The app shows its sign-in page at once, while the browser is still on its
    # way to the provider's sign-out: wait for the provider to have heard it.
    signed_out = provider.provider.signed_out
    for _ in range(WAIT // 100):
        if signed_out:
            break
        page.wait_for_timeout(100)
    assert signed_out[-1:] == ["principal.a@test.sqr"]
    expect(
        page.get_by_text("Sign in with your district account to see your schools.")
    ).to_be_visible(timeout=WAIT)
    page.reload()  # the sign-in cookie is gone, not only this session's
    expect(page.get_by_role("button", name="Sign in")).to_be_visible(timeout=WAIT)
    settled(page)
    assert_no_school_named(page, ["Alder Elementary"])
    page.close()


@pytest.mark.parametrize("email", [STRANGER, "gone@test.sqr"])
def test_someone_not_an_active_user_is_told_so_and_sees_no_school(
    app, browser, district, email
):
    page = browser.new_page()
    sign_in(page, app, email)
    expect(
        page.get_by_text(
            f"{email} is not a user of this district, or the account is disabled. "
            "Ask your central office to add you."
        )
    ).to_be_visible(timeout=WAIT)
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    settled(page)
    assert_no_school_named(page, district[1])
    page.close()


def test_the_central_office_sees_the_district(app, browser):
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    sign_in(page, app, "office@test.sqr")
    expect(page.get_by_role("heading", name="District in numbers")).to_be_visible(
        timeout=WAIT
    )
    signed_in = page.get_by_text("Signed in as Olu Office · Central office")
    expect(signed_in).to_be_visible()
    expect(page.get_by_role("link", name="Needs support")).to_be_visible()
    page.close()


def test_a_role_change_and_a_disabled_account_apply_on_the_next_page_load(
    app, browser, tmp_path
):
    principal = browser.new_page(viewport={"width": 1400, "height": 900})
    sign_in(principal, app, "principal.b@test.sqr")
    expect(principal.get_by_role("heading", name="Birch Middle School")).to_be_visible(
        timeout=WAIT
    )
    reviewer = browser.new_page(viewport={"width": 1400, "height": 900})
    sign_in(reviewer, app, "reviewer.other@test.sqr")
    signed_in = reviewer.get_by_text("Signed in as Ria Elsewhere · Reviewer")
    expect(signed_in).to_be_visible(timeout=WAIT)

    # The central office changes both through the app: the server holds the file.
    office = browser.new_page(viewport={"width": 1400, "height": 1400})
    sign_in(office, app, "office@test.sqr")
    office.get_by_role("link", name="District data").click()
    office.get_by_label("What the file holds").click()
    office.get_by_role("option", name="users", exact=True).click()
    uploader = office.get_by_test_id("stFileUploader").filter(has_text="A users file")
    expect(uploader).to_be_visible(timeout=WAIT)
    users = tmp_path / "users.csv"
    users.write_text(
        "email,name,role,active\n"
        "principal.b@test.sqr,Bea Principal,Viewer,yes\n"
        "reviewer.other@test.sqr,Ria Elsewhere,Reviewer,no\n"
    )
    uploader.locator("input[type='file']").set_input_files(str(users))
    office.get_by_role("button", name="Import users.csv").click()
    expect(office.get_by_text("2 changed")).to_be_visible(timeout=WAIT)
    office.close()

    principal.reload()
    expect(principal.get_by_text("Signed in as Bea Principal · Viewer")).to_be_visible(
        timeout=WAIT
    )
    expect(principal.get_by_role("link", name="Our school")).to_have_count(0)
    reviewer.reload()
    expect(
        reviewer.get_by_text(
            "reviewer.other@test.sqr is not a user of this district, or the account "
            "is disabled."
        )
    ).to_be_visible(timeout=WAIT)
    expect(reviewer.get_by_role("link", name="My reviews")).to_have_count(0)
    principal.close()
    reviewer.close()
