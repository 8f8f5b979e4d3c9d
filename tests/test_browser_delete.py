"""A real browser: a principal deletes an action step, undoes it, then deletes a
goal and restores it from the deleted items."""

from __future__ import annotations

import re

import pytest
import test_browser
from playwright.sync_api import expect
from test_browser import ARTIFACTS, sign_in

pytestmark = pytest.mark.browser
# The server over a fresh demo file and the browser, as the other browser
# tests start them (this module gets its own server, so its changes stay here).
server = test_browser.server
browser = test_browser.browser


def _open_change_the_plan(page) -> None:
    page.get_by_role("link", name="Our plan").click()
    page.get_by_role("tab", name="Change the plan").click()


def test_a_principal_deletes_an_action_step_and_undoes_it(server, browser):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    sign_in(page, server, "Principal")
    _open_change_the_plan(page)
    page.get_by_role("tab", name="Action steps").click()
    page.get_by_role("button", name="Delete this action step").click()
    expect(page.get_by_text("Delete the action step “")).to_be_visible(timeout=30_000)
    page.get_by_role("button", name="Yes, delete the action step").click()

    notice = page.get_by_text(re.compile(r"^Deleted the action step “.+”$"))
    expect(notice).to_be_visible(timeout=30_000)
    step = notice.inner_text().removeprefix("Deleted the action step ")
    expect(page.get_by_role("button", name="Undo")).to_be_visible()
    page.get_by_role("button", name="Undo").click()

    expect(page.get_by_text(f"Restored the action step {step}")).to_be_visible(
        timeout=30_000
    )
    expect(page.get_by_role("button", name="Undo")).to_have_count(0)
    page.close()


def test_a_principal_restores_a_deleted_goal_later(server, browser):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    sign_in(page, server, "Principal")
    page.get_by_role("link", name="Our plan").click()
    page.get_by_role("tab", name="Goals").click()
    page.get_by_role("button", name="Delete this goal").first.click()
    expect(
        page.get_by_text("Its milestones and action steps go with it.")
    ).to_be_visible(timeout=30_000)
    page.get_by_role("button", name="Yes, delete the goal").click()
    notice = page.get_by_text(re.compile(r"^Deleted the goal “.+”$"))
    expect(notice).to_be_visible(timeout=30_000)
    goal = notice.inner_text().removeprefix("Deleted the goal ")

    page.reload()  # a new session: no undo offered, the deleted items remain
    sign_in(page, server, "Principal")
    _open_change_the_plan(page)
    page.get_by_text("Deleted items (1)").click()
    statement = goal.strip("“”")
    expect(page.get_by_text(f"Goal: {statement}")).to_be_visible(timeout=30_000)
    page.get_by_role("button", name="Restore").click()
    expect(page.get_by_text(f"Restored the goal {goal}")).to_be_visible(timeout=30_000)
    expect(page.get_by_text("Deleted items (")).to_have_count(0)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "plan-restored.png"), full_page=True)
    page.close()
