"""A real browser against a real server: sign in on the demo and see the home page."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from sqr_tracker.demo import build_demo_file

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = pytest.mark.browser


def _worker() -> int:
    """This test process's number among pytest-xdist's workers (0 without)."""
    name = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    return int(name.removeprefix("gw") or 0)


# Each worker hands out ports from a range of its own, below the kernel's
# ephemeral ports: two workers asking the kernel for a free port at the same
# moment could both be given one, start a server on it, and one would reach
# the other's.
_PORTS = iter(range(20_000 + 200 * _worker(), 20_200 + 200 * _worker()))


def free_port() -> int:
    """A port that no other test worker hands out and nothing holds now."""
    for port in _PORTS:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("every port of this test worker's range is in use")


def test_each_worker_hands_out_its_own_ports_below_the_kernels():
    low = 20_000 + 200 * _worker()
    first, second = free_port(), free_port()
    assert low <= first < second < low + 200
    low_ephemeral = int(
        Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0]
    )
    assert second < low_ephemeral


def wait_until_serving(url: str, server: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the server exited: {server.stdout.read()}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as reply:
                if reply.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"no answer from {url} within {seconds} s")


@contextmanager
def serving(
    data_file: Path,
    *,
    port: int | None = None,
    cwd: Path = ROOT,
    flags: Sequence[str] = (),
) -> Iterator[str]:
    """`streamlit run app.py` over the data file, on ``port`` (else a free one),
    started in ``cwd`` with more ``flags``: its address, until the block ends."""
    port = port or free_port()
    command = [
        sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
        "--server.port", str(port), "--server.headless", "true", *flags,
    ]  # fmt: skip
    process = subprocess.Popen(
        command,
        cwd=cwd,
        env={**os.environ, "SQR_TRACKER_DB": str(data_file)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(url, process)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`streamlit run app.py` on a free port, over a freshly built demo file."""
    path = tmp_path_factory.mktemp("browser") / "demo.duckdb"
    build_demo_file(path, schools=24, seed=5, today=date.today())
    with serving(path) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    assert Path(CHROMIUM).exists(), "install Debian's chromium (see the README)"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


def sign_in(page, server: str, role_label: str) -> None:
    """Pick the first demo person of a role on the start page."""
    page.goto(server)
    expect(page.get_by_text("Demo district.")).to_be_visible(timeout=30_000)
    page.get_by_label("Sign in as").click()
    page.keyboard.type(role_label)
    page.get_by_role("option", name=role_label).first.click()
    page.get_by_role("button", name="Sign in").click()


def test_a_principal_signs_in_on_the_demo_and_sees_their_school(server, browser):
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    sign_in(page, server, "Principal")

    expect(page.get_by_text("Our plan this month")).to_be_visible(timeout=30_000)
    expect(page.get_by_text("Latest review:")).to_be_visible()
    expect(page.get_by_text("Signed in as")).to_be_visible()
    expect(page.get_by_test_id("stMetricValue").first).to_be_visible()
    expect(page.locator("[data-testid='stDataFrame'] canvas").first).to_be_visible()
    page.wait_for_timeout(1000)  # let the table draw its cells before the picture
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "principal-home.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    page.close()


def test_a_site_team_member_completes_this_months_check_in(server, browser):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    sign_in(page, server, "Site team member")
    page.get_by_role("link", name="Our plan").click()
    summary = page.get_by_text("to update this month ·")
    expect(summary).to_be_visible(timeout=30_000)
    waiting = int(summary.inner_text().split()[0])
    assert waiting >= 2, "the demo leaves this month's check-ins due"

    notes = page.get_by_placeholder("A short note")
    notes.nth(0).fill("Shared with the leadership team")
    notes.nth(1).fill("Half the families reached")
    page.get_by_role("button", name="Save this month's check-in").click()
    expect(page.get_by_text("Saved 2 check-ins.")).to_be_visible(timeout=30_000)

    page.reload()  # a new session: the demo sign-in is asked for again
    sign_in(page, server, "Site team member")
    page.get_by_role("link", name="Our plan").click()
    expect(page.get_by_text(f"{waiting - 2} to update this month · ")).to_be_visible(
        timeout=30_000
    )
    page.get_by_text("Already updated this month").click()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "site-team-check-in.png"), full_page=True)
    page.close()


def test_a_note_typed_and_not_saved_survives_a_look_at_another_tab(server, browser):
    """A tab is built when first opened and then kept: the check-in's note,
    typed but not saved, is still in its box after the Goals tab was open."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    sign_in(page, server, "Site team member")
    page.get_by_role("link", name="Our plan").click()
    note = page.get_by_placeholder("A short note").first
    expect(note).to_be_visible(timeout=30_000)
    note.fill("Typed before looking at the goals")
    page.get_by_role("tab", name="Goals").click()
    expect(page.get_by_text("How plan health is judged")).to_be_visible(timeout=30_000)
    page.get_by_role("tab", name="This month's check-in").click()
    expect(note).to_have_value("Typed before looking at the goals")
    page.close()


def test_a_principal_walks_through_presentation_mode(server, browser):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    sign_in(page, server, "Principal")
    page.get_by_role("link", name="Our growth").click()
    expect(page.get_by_text("Celebrate growth, keep the bar high")).to_be_visible(
        timeout=30_000
    )
    page.get_by_text("Presentation mode").click()
    slide = page.get_by_text("Slide 1 of ")
    expect(slide).to_be_visible(timeout=30_000)
    count = int(slide.inner_text().split()[-1])
    heading = page.locator("h2").last
    titles = [heading.inner_text()]
    for number in range(2, count + 1):
        page.get_by_role("button", name="Next ▶").click()
        expect(page.get_by_text(f"Slide {number} of {count}")).to_be_visible()
        expect(heading).not_to_have_text(titles[-1])  # the new slide has drawn
        titles.append(heading.inner_text())
    titles = titles[1:]
    assert titles[0] == "Celebrate growth, keep the bar high"
    assert titles[-1] == "This year's work"
    expect(page.get_by_role("button", name="Next ▶")).to_be_disabled()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "presentation-last-slide.png"))
    page.close()


def test_a_principal_goes_from_a_weak_standard_to_a_visit_request(server, browser):
    page = browser.new_page(viewport={"width": 1400, "height": 1400})
    sign_in(page, server, "Principal")
    page.get_by_role("link", name="Exemplars").click()

    expect(page.get_by_text("Chosen for you:")).to_be_visible(timeout=30_000)
    # The innermost block holding the first card's title is the card itself.
    title = page.locator("strong", has_text=re.compile(r"^1\. "))
    first = page.get_by_test_id("stVerticalBlock").filter(has=title).last
    expect(first.get_by_text("What its review found strong on")).to_be_visible()
    expect(first.get_by_text("•").first).to_be_visible()
    peer = first.locator("strong").first.inner_text().removeprefix("1. ")
    first.get_by_text("Ask for a visit or a pairing").click()
    need = first.get_by_label("What you would like")
    expect(need).to_have_value(re.compile(f"^We would like to visit {re.escape(peer)}"))
    send = first.get_by_role("button", name="Send to the central office")
    expect(send).to_be_enabled()
    page.wait_for_timeout(500)  # the expander finishes opening before the click
    send.click()
    expect(page.get_by_text("Sent. The central office will answer")).to_be_visible(
        timeout=30_000
    )
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "principal-exemplars.png"), full_page=True)

    page.get_by_role("link", name="Our plan").click()
    page.get_by_role("tab", name="Support").click()
    expect(page.get_by_text(f"A visit to {peer}")).to_be_visible(timeout=30_000)
    page.close()


def test_the_central_office_opens_a_plan_from_needs_support(server, browser):
    page = browser.new_page(viewport={"width": 1400, "height": 1200})
    sign_in(page, server, "Central office")
    page.get_by_role("link", name="Needs support").click()
    expect(page.get_by_text("Schools and their reasons")).to_be_visible(timeout=30_000)
    hint = page.get_by_text("Choose a row to read the school's reasons in full.")
    expect(hint).to_be_visible()
    grid = page.get_by_test_id("stDataFrame").first
    expect(grid.locator("canvas").first).to_be_visible()
    page.wait_for_timeout(1000)  # let the grid draw and take clicks
    # The grid draws on a canvas; its cells are also in a table for screen
    # readers, the school name first in each row.
    first_school = grid.locator("td").first.text_content()
    assert first_school
    box = grid.bounding_box()
    assert box is not None
    # The row marker (the row's selection checkbox) is the left-most cell of a
    # row; the header is one row high and rows are 35 px high.
    page.mouse.click(box["x"] + 18, box["y"] + 35 + 35 / 2)

    opener = page.get_by_role("button", name="Open its plan")
    expect(opener).to_be_visible(timeout=30_000)
    expect(hint).to_have_count(0)
    heading = page.get_by_text(re.compile(r" · (intensive|targeted) support$"))
    expect(heading).to_have_text(re.compile(rf"^{re.escape(first_school)} · "))
    page.wait_for_timeout(500)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "office-needs-support.png"), full_page=True)

    opener.click()
    expect(page.get_by_role("heading", name="School plans")).to_be_visible(
        timeout=30_000
    )
    expect(page.get_by_role("combobox", name="School")).to_have_value(first_school)
    caption = page.get_by_test_id("stCaptionContainer").filter(has_text=first_school)
    expect(caption.first).to_be_visible()
    page.close()


def persona_review(tmp_path) -> tuple[str, str, str, int]:
    """The demo reviewer persona's name and a review of theirs in the
    self-reflection or site visit phase (its school, its name in the list of
    reviews, how many focus standards), read from the same demo the server
    runs, built again (the server holds its file)."""
    from sqr_tracker.reviews import review_choices
    from sqr_tracker.store import Store

    path = tmp_path / "same-demo.duckdb"
    build_demo_file(path, schools=24, seed=5, today=date.today())
    store = Store.open(path)
    try:
        reviewer = store.user_by_email("reviewer@demo.sqr")
        listed = store.reviews_for_reviewer(reviewer.id)
        open_ones = listed[listed["phase"].isin(["self-reflection", "site visit"])]
        if open_ones.empty:
            pytest.skip("the demo reviewer has no review before its report today")
        chosen = int(open_ones.iloc[0]["id"])
        label = review_choices(store, reviewer)[chosen]
        focus = len(store.review_focus_standards(chosen))
        return reviewer.name, open_ones.iloc[0]["school"], label, focus
    finally:
        store.close()


def test_a_reviewer_rates_a_review_on_their_own_and_submits(server, browser, tmp_path):
    name, school, label, focus = persona_review(tmp_path)
    page = browser.new_page(viewport={"width": 1400, "height": 1600})
    sign_in(page, server, name)
    page.get_by_role("link", name="Review", exact=True).click()
    chooser = page.get_by_role("combobox", name="Review")
    expect(chooser).to_be_visible(timeout=30_000)
    chooser.click()
    page.get_by_role("option", name=label, exact=True).click()
    expect(page.get_by_role("heading", name=f"{school} review")).to_be_visible(
        timeout=30_000
    )
    page.get_by_role("tab", name="Your ratings").click()
    saves = page.get_by_role("button", name="Save your rating")
    expect(saves).to_have_count(focus, timeout=30_000)
    for n in range(focus):
        page.get_by_role("combobox", name="Your rating").nth(n).click()
        page.get_by_role("option", name="Proficient").click()
        page.get_by_label("Note").nth(n).fill(f"Seen in {n + 3} classrooms")
        saves.nth(n).click()
        expect(page.get_by_text("Saved.", exact=True)).to_have_count(n + 1)
    submit = page.get_by_role("button", name="Submit my ratings")
    expect(submit).to_be_enabled()
    submit.click()
    expect(page.get_by_text("You submitted your ratings on")).to_be_visible(
        timeout=30_000
    )
    expect(page.get_by_role("button", name="Save your rating")).to_have_count(0)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "reviewer-submitted.png"), full_page=True)
    page.close()


def test_the_central_office_imports_a_file_all_or_nothing(server, browser, tmp_path):
    page = browser.new_page(viewport={"width": 1400, "height": 1600})
    sign_in(page, server, "Central office")
    page.get_by_role("link", name="District data").click()
    expect(page.get_by_text("What the file holds")).to_be_visible(timeout=30_000)
    page.get_by_label("What the file holds").click()
    page.get_by_role("option", name="networks", exact=True).click()

    uploader = page.get_by_test_id("stFileUploader").filter(has_text="A networks file")
    expect(uploader).to_be_visible(timeout=30_000)
    bad = tmp_path / "networks.csv"
    bad.write_text("name,colour\nRiver Network,blue\n")
    uploader.locator("input[type='file']").set_input_files(str(bad))
    page.get_by_role("button", name="Import networks.csv").click()
    expect(page.get_by_text("nothing was changed")).to_be_visible(timeout=30_000)

    good = tmp_path / "more networks.csv"
    good.write_text("name\nRiver Network\n")
    uploader.locator("input[type='file']").set_input_files(str(good))
    page.get_by_role("button", name="Import more networks.csv").click()
    expect(page.get_by_text("1 added")).to_be_visible(timeout=30_000)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "office-district-data.png"), full_page=True)
    page.close()
