"""Take the README's pictures: each audience's main page, from the demo district,
in the real app driven by Chromium.

    .venv/bin/python docs/screenshots.py [--out docs/screenshots]

It builds a fresh demo file in a temporary folder, starts the app on a free port,
signs in as each demo persona and saves one PNG per audience.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import date
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqr_tracker.demo import build_demo_file  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
# Audience, the demo person to sign in as (the first of the role), and the page.
PICTURES = (
    ("site-team", "Site team member", "Our plan"),
    ("principal", "Principal", "Our growth"),
    ("network-lead", "Network lead", "Needs support"),
    ("central-office", "Central office", "Ratings across schools"),
    ("reviewer", "Reviewer", "Review"),
)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _serve(data_file: Path) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
         "--server.port", str(port), "--server.headless", "true"],
        cwd=ROOT,
        env={**os.environ, "SQR_TRACKER_DB": str(data_file)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                return server, url
        except OSError:
            time.sleep(0.3)
    server.terminate()
    raise TimeoutError("the app did not start within a minute")


def take(out: Path, *, schools: int = 80, today: date | None = None) -> list[Path]:
    """Save one picture per audience in ``out``; return their paths."""
    out.mkdir(parents=True, exist_ok=True)
    saved = []
    with tempfile.TemporaryDirectory() as folder:
        data_file = Path(folder) / "demo.duckdb"
        build_demo_file(
            data_file, schools=schools, seed=2026, today=today or date.today()
        )
        server, url = _serve(data_file)
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=CHROMIUM, args=["--headless", "--no-sandbox"]
                )
                for name, person, page_name in PICTURES:
                    saved.append(_picture(browser, url, person, page_name, out / name))
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=20)
    return saved


def _picture(browser, url: str, person: str, page_name: str, stem: Path) -> Path:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(url)
    page.get_by_label("Sign in as").click(timeout=30_000)
    page.keyboard.type(person)
    page.get_by_role("option", name=person).first.click()
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text("Signed in as").wait_for(timeout=30_000)
    page.get_by_role("link", name=page_name, exact=True).click()
    page.get_by_role("heading", level=1).first.wait_for(timeout=30_000)
    # The page has run to its end once the running indicator is gone.
    page.wait_for_timeout(1000)
    running = page.locator('[data-testid="stStatusWidget"]')
    running.wait_for(state="hidden", timeout=120_000)
    page.wait_for_timeout(2500)  # charts and tables finish drawing
    path = stem.with_suffix(".png")
    page.screenshot(path=str(path))
    page.close()
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    for path in take(args.out):
        print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)


if __name__ == "__main__":
    main()
