"""The store on real DuckDB files: migrations, transactions, threads, file locks."""

from __future__ import annotations

import subprocess
import sys
import threading

import duckdb
import pandas as pd
import pytest

from sqr_tracker.errors import SchemaTooNew
from sqr_tracker.schema import LATEST_VERSION, MIGRATIONS
from sqr_tracker.store import Store


def test_a_new_file_is_migrated_to_the_latest_version(tmp_path):
    store = Store.open(tmp_path / "new.duckdb")
    assert store.schema_version() == LATEST_VERSION == MIGRATIONS[-1].version
    assert store.stats()["schools"] == 0
    store.close()


def test_an_older_file_upgrades_in_place_and_keeps_its_rows(tmp_path):
    path = tmp_path / "old.duckdb"
    old = Store.open(path, migrate=False)
    assert old.migrate(target=1) == 1
    old.rows("INSERT INTO networks (id, name) VALUES (1, 'North')")
    has_settings = "SELECT count(*) FROM information_schema.tables WHERE table_name = ?"
    assert old.value(has_settings, ["settings"]) == 0
    old.close()

    upgraded = Store.open(path)
    assert upgraded.schema_version() == LATEST_VERSION
    assert upgraded.value(has_settings, ["settings"]) == 1
    assert upgraded.rows("SELECT id, name FROM networks") == [(1, "North")]
    upgraded.close()


def test_a_file_from_a_newer_version_is_refused_and_left_unchanged(tmp_path):
    path = tmp_path / "newer.duckdb"
    store = Store.open(path)
    store.rows("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    store.close()

    with pytest.raises(
        SchemaTooNew, match=f"schema version 99.*up to {LATEST_VERSION}"
    ):
        Store.open(path)
    raw = duckdb.connect(str(path))
    assert raw.execute(
        "SELECT value FROM meta WHERE key = 'schema_version'"
    ).fetchall() == [("99",)]
    raw.close()


def test_a_second_process_is_told_the_file_is_in_use(store):
    script = (
        "from sqr_tracker.store import Store\n"
        "from sqr_tracker.errors import DataFileInUse\n"
        "try:\n"
        f"    Store.open({str(store.path)!r})\n"
        "except DataFileInUse as e:\n"
        "    print('IN USE:', e)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True
    )
    assert done.stdout.startswith("IN USE: The data file")
    assert "open in another program" in done.stdout


def test_many_threads_querying_at_once_each_get_their_own_answers(store):
    wrong: list[tuple[int, object]] = []

    def ask(n: int) -> None:
        for _ in range(40):
            got = store.rows(
                "SELECT ?::INTEGER, count(*) FROM range(?::INTEGER)", [n, n * 100]
            )
            if got != [(n, n * 100)]:
                wrong.append((n, got))

    threads = [threading.Thread(target=ask, args=(n,)) for n in range(1, 17)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert wrong == []


def test_an_error_inside_a_transaction_rolls_back_everything(store):
    with pytest.raises(duckdb.ConstraintException), store.transaction() as tx:
        tx.rows("INSERT INTO networks (id, name) VALUES (3, 'East')")
        tx.rows("INSERT INTO networks (id, name) VALUES (4, 'North')")  # duplicate
    assert store.rows("SELECT name FROM networks ORDER BY id") == [
        ("North",),
        ("South",),
    ]


def test_the_store_refuses_writes_to_files_outside_it(store, tmp_path):
    target = tmp_path / "leak.csv"
    with pytest.raises(duckdb.PermissionException):
        store.rows(f"COPY users TO '{target}'")
    with pytest.raises(duckdb.Error, match="locked"):
        store.rows("SET enable_external_access = true")
    assert not target.exists()


def test_stats_count_every_entity(store):
    stats = store.stats()
    assert stats == {
        "schools": 3,
        "standards": 3,
        "reviews": 3,
        "ratings": 7,
        "findings": 2,
        "evidence": 2,
        "goals": 1,
        "milestones": 1,
        "action_steps": 1,
        "check_ins": 1,
        "measures": 2,
        "measure_values": 0,
        "users": 12,
        "history": 0,
        "schema_version": LATEST_VERSION,
    }


def test_checkpoint_leaves_no_write_ahead_log(store):
    store.rows("INSERT INTO networks (id, name) VALUES (3, 'East')")
    store.checkpoint()
    wal = store.path.with_name(store.path.name + ".wal")
    assert not wal.exists() or wal.stat().st_size == 0


def test_measure_values_are_stored_group_by_group_whatever_order_they_come_in(
    tmp_path,
):
    rows = [
        (school, 1, f"2025-0{month}-01", group, 90.0 + month, 30)
        for month in (3, 1, 2)
        for school in (2, 1)
        for group in ("Latino", "All students", "English learners")
    ]
    frame = pd.DataFrame(
        rows,
        columns=[
            "school_id", "measure_id", "period", "student_group", "value", "group_size"
        ],
    )  # fmt: skip
    frame["period"] = pd.to_datetime(frame["period"])
    store = Store.open(tmp_path / "order.duckdb")
    try:
        store.bulk_load({"measure_values": frame}, {})
        stored = store.rows(
            "SELECT student_group, school_id, month(period) FROM measure_values "
            "ORDER BY rowid"
        )
    finally:
        store.close()
    assert stored == sorted(
        (group, school, int(period[5:7])) for school, _, period, group, *_ in rows
    )
    assert stored[:6] == [("All students", 1, m) for m in (1, 2, 3)] + [
        ("All students", 2, m) for m in (1, 2, 3)
    ]
