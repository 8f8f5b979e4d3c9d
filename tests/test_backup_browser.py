"""The app holds its data file: the command line's backup is refused and points
to the app, where the central office backs up and downloads the copy."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
import test_browser
from playwright.sync_api import expect
from test_browser import ARTIFACTS, serving, sign_in

from sqr_tracker import backups
from sqr_tracker.demo import build_demo_file
from sqr_tracker.store import Store

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """A demo file and the app's server holding it."""
    path = tmp_path_factory.mktemp("backup-browser") / "district.duckdb"
    build_demo_file(path, schools=12, seed=3, today=date.today())
    with serving(path) as url:
        yield url, path


browser = test_browser.browser


def _tables(path: Path) -> dict[str, pd.DataFrame]:
    store = Store.open(path)
    try:
        return {table: store.table_contents(table) for table in store.table_names()}
    finally:
        store.close()


def test_the_office_backs_up_in_the_app_that_holds_the_file(served, browser, tmp_path):
    url, path = served
    page = browser.new_page(viewport={"width": 1400, "height": 1200})
    sign_in(page, url, "Central office")  # the app has opened the file now
    expect(page.get_by_text("Signed in as")).to_be_visible(timeout=30_000)

    refused = subprocess.run(
        [str(Path(sys.executable).with_name("sqr-tracker")), "--db", str(path),
         "backup", "--out", str(tmp_path / "cli.duckdb")],
        capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    assert refused.returncode == 1 and refused.stdout == ""
    assert refused.stderr.startswith(
        f"sqr-tracker: the data file {path} is open in another program"
    )
    assert refused.stderr.endswith("use the Back up now button on the app's District "
                                   "data page (central office); or stop the app "
                                   "first, then run the backup again.\n")  # fmt: skip
    assert not (tmp_path / "cli.duckdb").exists()

    page.get_by_role("link", name="District data").click()
    page.get_by_role("tab", name="Backup").click()
    page.get_by_role("button", name="Back up now").click()
    expect(page.get_by_text("Backed up to")).to_be_visible(timeout=30_000)
    with page.expect_download(timeout=30_000) as download:
        page.get_by_role("button", name="Download the backup").click()
    downloaded = tmp_path / "downloaded.duckdb"
    download.value.save_as(downloaded)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "office-backup.png"), full_page=True)
    page.close()

    (made,) = sorted((path.parent / backups.BACKUP_FOLDER).iterdir())
    assert download.value.suggested_filename == made.name
    assert downloaded.read_bytes() == made.read_bytes()
    tables = _tables(downloaded)
    assert tables["schools"]["id"].tolist() == list(range(1, 13))
    target = tmp_path / "restored.duckdb"
    backups.restore(downloaded, target)
    restored = _tables(target)
    assert list(restored) == list(tables)
    for table, rows in tables.items():
        pd.testing.assert_frame_equal(restored[table], rows, obj=table)
