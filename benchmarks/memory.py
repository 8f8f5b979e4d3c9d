"""Benchmark: the server's resident memory after every page, and per session.

Run with ``python benchmarks/memory.py --schools 10000`` (state scale) or
``--quick`` (the 80-school demo district). Starts ``streamlit run app.py`` on
the demo file as a subprocess and drives it with Chromium through Playwright:
signs in with the demo sign-in as the first person of each role and opens every
page that role sees (with ``--quick``, only the principal's and the central
office's home pages, so that the run stays short), each role in a browser
context of its own, closed when done.

- server after the pages: the resident memory (VmRSS in /proc, of the server
  and any processes it started) once the pages have been shown. Target: under
  500 MB (after every page, at state scale).
- per connected session: ``--sessions N`` more contexts (default 12, 2 with
  ``--quick``), each signed in as another of the demo sign-in's principals and
  site team members (six of each, so up to twelve schools' people), opening
  their *Exemplars* and *Our growth* (a school's largest answers) and left
  open there; the growth in resident memory divided by N. The issue sets no
  target for it.
- server after the sessions: the resident memory once they are all open.
  Target: under 500 MB, as after the pages (the answers the server keeps for
  every session are capped in bytes, ``caching.ANSWER_BYTES``, so that a
  state's many schools do not grow it without end).
"""

from __future__ import annotations

import logging
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from common import Row, demo_file, parser, print_table, scale
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Page,
    expect,
    sync_playwright,
)

from sqr_tracker.config import DB_ENV, PROJECT_ROOT
from sqr_tracker.models import Role
from sqr_tracker.navigation import PageSpec, pages_for

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]
WAIT_MS = 600_000  # how long one page may take to be shown at state scale
QUICK_ROLES = (Role.PRINCIPAL, Role.CENTRAL_OFFICE)
_LOGGER = logging.getLogger("benchmarks.memory")
SETTLED = "[data-testid='stApp'][data-test-script-state='notRunning']"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(path: Path, port: int) -> subprocess.Popen:
    """``streamlit run app.py`` on the file, once it answers its health check."""
    command = [
        sys.executable, "-m", "streamlit", "run", str(PROJECT_ROOT / "app.py"),
        "--server.port", str(port), "--server.headless", "true",
        "--browser.gatherUsageStats", "false",
    ]  # fmt: skip
    server = subprocess.Popen(
        command,
        cwd=PROJECT_ROOT,
        env={**os.environ, DB_ENV: str(path)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server exited with {server.returncode}")
        try:
            url = f"http://127.0.0.1:{port}/_stcore/health"
            with urllib.request.urlopen(url, timeout=2):
                return server
        except OSError:
            time.sleep(0.3)
    server.terminate()
    raise SystemExit("the server did not answer within 120 s")


def resident_mb(pid: int) -> float:
    """VmRSS of the process and all its descendants, in MB."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parents[int(entry.name)] = int(fields[1])
    family, grew = {pid}, True
    while grew:
        more = {child for child, parent in parents.items() if parent in family}
        grew = bool(more - family)
        family |= more
    total_kb = 0
    for member in family:
        try:
            status = Path(f"/proc/{member}/status").read_text()
        except OSError:
            continue
        found = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
        total_kb += int(found.group(1)) if found else 0
    return total_kb / 1024


def settle(page: Page) -> None:
    """Wait until the app has finished running the page's script."""
    page.wait_for_selector(SETTLED, state="attached", timeout=WAIT_MS)


def sign_in(page: Page, url: str, role: Role, nth: int = 0) -> None:
    """Choose the ``nth`` demo person of the role on the start page."""
    page.goto(url)
    page.get_by_label("Sign in as").click(timeout=WAIT_MS)
    page.keyboard.type(role.label)
    page.get_by_role("option", name=role.label).nth(nth).click()
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("Signed in as")).to_be_visible(timeout=WAIT_MS)
    settle(page)


def visit_pages(browser: Browser, url: str, role: Role, every: bool) -> int:
    """Sign in as the role and open its pages (only its home page unless
    ``every``); return how many were opened."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    started = time.perf_counter()
    sign_in(page, url, role)
    home, *others = pages_for(role) if every else pages_for(role)[:1]
    opened = 1
    seconds = time.perf_counter() - started
    _LOGGER.info("%s: %s in %.1f s", role.label, home.title, seconds)
    for spec in others:
        started = time.perf_counter()
        open_page(page, spec)
        opened += 1
        seconds = time.perf_counter() - started
        _LOGGER.info("%s: %s in %.1f s", role.label, spec.title, seconds)
    context.close()
    return opened


def open_page(page: Page, spec: PageSpec) -> None:
    """Follow the menu's link to the page and wait until it is shown."""
    page.get_by_role("link", name=spec.title, exact=True).click()
    stem = Path(spec.path).stem
    expect(page).to_have_url(re.compile(f"/{stem}$"), timeout=WAIT_MS)
    settle(page)


# Who the extra sessions are: the demo sign-in offers six people of each role,
# and these two roles' people each belong to a school of their own.
SCHOOL_PEOPLE = [(role, nth) for role in (Role.PRINCIPAL, Role.SITE_TEAM)
                 for nth in range(6)]  # fmt: skip
SCHOOL_PAGES = ("Exemplars", "Our growth")


def school_session(browser: Browser, url: str, person: int) -> BrowserContext:
    """A context signed in as the ``person``-th of ``SCHOOL_PEOPLE``, left
    open on their school's pages once shown."""
    role, nth = SCHOOL_PEOPLE[person % len(SCHOOL_PEOPLE)]
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    sign_in(page, url, role, nth)
    for spec in pages_for(role):
        if spec.title in SCHOOL_PAGES:
            open_page(page, spec)
    _LOGGER.info("%s %s: signed in and shown %s", role.label, nth + 1,
                 " and ".join(SCHOOL_PAGES))  # fmt: skip
    return context


def main() -> int:
    options = parser(__doc__)
    options.add_argument("--sessions", type=int, default=None)
    args = options.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    schools, _ = scale(args)
    sessions = args.sessions or (2 if args.quick else len(SCHOOL_PEOPLE))
    path = demo_file(schools, args.db)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = start_server(path, port)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, args=CHROMIUM_ARGS
            )
            opened = 0
            for role in QUICK_ROLES if args.quick else tuple(Role):
                opened += visit_pages(browser, url, role, not args.quick)
            after_pages = resident_mb(server.pid)
            contexts = [school_session(browser, url, n) for n in range(sessions)]
            after_sessions = resident_mb(server.pid)
            per_session = (after_sessions - after_pages) / sessions
            for context in contexts:
                context.close()
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
    print_table(
        f"Memory, {schools:,} schools ({opened} pages shown, {sessions} more sessions)",
        [
            Row("server after the pages", after_pages, unit="MB", under=500),
            Row("per connected session", per_session, unit="MB"),
            Row("server after the sessions", after_sessions, unit="MB", under=500),
        ],
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
