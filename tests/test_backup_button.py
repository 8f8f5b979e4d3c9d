"""Backing up from the app: the central office's Back up now button on the
district data page, the package function behind it and restoring its copy."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest
from conftest import small_district
from streamlit.testing.v1 import AppTest

from sqr_tracker import actions, backups
from sqr_tracker.errors import PermissionDenied
from sqr_tracker.models import User
from sqr_tracker.session import DEMO_USER_KEY
from sqr_tracker.store import Store
from sqr_tracker.views import plain

STAMPED = re.compile(r"district-\d{4}-\d\d-\d\dT\d{4}\.duckdb")


@pytest.fixture
def held(tmp_path, monkeypatch) -> Store:
    """The small district as a demo file (so the page signs people in), held
    open by this process as the app holds it."""
    path = tmp_path / "data" / "district.duckdb"
    monkeypatch.setenv("SQR_TRACKER_DB", str(path))
    store = Store.open(path)
    store.bulk_load(small_district(), {"is_demo": "true"})
    yield store
    store.close()


def _user(store: Store, email: str) -> User:
    return store.user_by_email(email)


def _page(store: Store, email: str) -> AppTest:
    app = AppTest.from_file("../pages/district_data.py", default_timeout=30)
    app.session_state[DEMO_USER_KEY] = _user(store, email).id
    return app.run()


def _tables(store: Store) -> dict[str, pd.DataFrame]:
    return {table: store.table_contents(table) for table in store.table_names()}


def _same_tables(path: Path, expected: dict[str, pd.DataFrame]) -> None:
    copy = Store.open(path)
    try:
        found = _tables(copy)
    finally:
        copy.close()
    assert list(found) == list(expected) and "history" in found
    for table, rows in expected.items():
        pd.testing.assert_frame_equal(found[table], rows, obj=table)


def test_the_central_office_backs_up_from_the_district_data_page(held):
    # A change made in the app just before, still in the write-ahead log.
    office = _user(held, "office@test.sqr")
    actions.change_setting(held, office, {"key": "small_group_threshold", "value": 12})
    page = _page(held, "office@test.sqr")
    assert not page.exception, page.exception
    assert [t.label for t in page.tabs] == ["Import", "Export", "Backup"]
    labels = [b.proto.label for b in page.get("download_button")]
    assert "Download the backup" not in labels and page.success == []

    page.button(key="back-up").click().run()

    assert not page.exception, page.exception
    folder = held.path.parent / "backups"
    made = sorted(folder.iterdir())
    assert len(made) == 1 and STAMPED.fullmatch(made[0].name), made
    size = made[0].stat().st_size
    assert [s.value for s in page.success] == [
        f"Backed up to {plain(made[0])} ({size:,} bytes)."
    ]
    labels = [b.proto.label for b in page.get("download_button")]
    assert labels[-1] == "Download the backup"
    _same_tables(made[0], _tables(held))
    copy = Store.open(made[0])
    try:
        assert copy.settings()["small_group_threshold"] == "12.0"
    finally:
        copy.close()


def test_the_backup_stays_on_the_page_when_it_reruns(held):
    page = _page(held, "office@test.sqr")
    page.button(key="back-up").click().run()
    shown = [s.value for s in page.success]

    page.run()

    assert [s.value for s in page.success] == shown
    assert len(list((held.path.parent / "backups").iterdir())) == 1


@pytest.mark.parametrize(
    "email", ["principal.a@test.sqr", "team.a@test.sqr", "lead.north@test.sqr",
              "reviewer.lead@test.sqr", "viewer@test.sqr"],
)  # fmt: skip
def test_no_one_but_the_central_office_sees_the_button_or_may_back_up(held, email):
    user = _user(held, email)
    page = _page(held, email)

    assert [e.value for e in page.error] == [
        f"The page “District data” is not part of a {user.role.label}'s view."
    ]
    assert [b for b in page.button if b.key == "back-up"] == []
    with pytest.raises(PermissionDenied) as refused:
        backups.back_up_now(held, user)
    assert str(refused.value) == (
        f"A {user.role.label.lower()} cannot back up the district's data."
    )
    assert not (held.path.parent / "backups").exists()


def test_signed_out_no_backup_is_made(held):
    with pytest.raises(PermissionDenied, match="^Sign in to back up the district's"):
        backups.back_up_now(held, None)
    assert not (held.path.parent / "backups").exists()


def test_a_disabled_central_office_account_may_not_back_up(held):
    office = _user(held, "office@test.sqr")
    held.rows("UPDATE users SET active = false WHERE id = ?", [office.id])
    with pytest.raises(PermissionDenied, match="^The account office@test.sqr is"):
        backups.back_up_now(held, office)


def test_backups_in_the_same_minute_get_names_of_their_own(held, tmp_path):
    office = _user(held, "office@test.sqr")
    at = datetime(2026, 12, 3, 14, 5, 59)
    folder = tmp_path / "elsewhere"

    first = backups.back_up_now(held, office, folder, now=at)
    second = backups.back_up_now(held, office, folder, now=at)

    assert first.path == folder / "district-2026-12-03T1405.duckdb"
    assert second.path == folder / "district-2026-12-03T1405-2.duckdb"
    assert sorted(p.name for p in folder.iterdir()) == [
        "district-2026-12-03T1405-2.duckdb",
        "district-2026-12-03T1405.duckdb",
    ]
    assert first.size == first.path.stat().st_size
    assert first.downloadable and second.downloadable


def test_only_a_backup_under_the_limit_is_offered_as_a_download():
    limit = backups.DOWNLOAD_LIMIT
    assert limit == 200 * 1024 * 1024
    assert backups.Backup(Path("b.duckdb"), limit - 1).downloadable
    assert not backups.Backup(Path("b.duckdb"), limit).downloadable


def test_a_backup_made_in_the_app_restores_into_another_file(held, tmp_path):
    office = _user(held, "office@test.sqr")
    actions.change_setting(held, office, {"key": "small_group_threshold", "value": 11})
    expected = _tables(held)
    made = backups.back_up_now(held, office)
    # Changed after the backup: the restored file must not have it.
    actions.change_setting(held, office, {"key": "small_group_threshold", "value": 14})
    target = tmp_path / "restored" / "district.duckdb"
    target.parent.mkdir()

    done = backups.restore(made.path, target)

    assert done.target == target.resolve() and done.kept is None
    _same_tables(target, expected)
    assert held.settings()["small_group_threshold"] == "14.0"
