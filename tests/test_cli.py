"""The sqr-tracker command line, run as users run it."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from sqr_tracker import actions
from sqr_tracker.cli import main
from sqr_tracker.output import neutralise, to_csv
from sqr_tracker.store import Store

DEMO = ["--schools", "12", "--seed", "3", "--today", "2026-12-03"]


@pytest.fixture
def demo_db(tmp_path) -> str:
    path = str(tmp_path / "demo.duckdb")
    assert main(["demo", "--db", path, *DEMO]) == 0
    return path


def test_demo_builds_the_district_and_reports_it(tmp_path, capsys):
    path = tmp_path / "d.duckdb"
    assert main(["demo", "--db", str(path), *DEMO]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"Built the demo district in {path}: 12 schools,")
    assert "timeline ending 03 Dec 2026" in out


def test_stats_as_json_match_the_store(demo_db, capsys):
    capsys.readouterr()
    assert main(["stats", "--db", demo_db, "--format", "json"]) == 0
    figures = json.loads(capsys.readouterr().out)
    store = Store.open(demo_db)
    try:
        assert figures == store.stats()
    finally:
        store.close()
    assert figures["schools"] == 12 and figures["standards"] > 6


def test_schools_as_csv_list_every_school_with_its_id(demo_db, capsys):
    capsys.readouterr()
    assert main(["--db", demo_db, "schools", "--format", "csv"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split(",")[:4] == ["id", "name", "level", "network"]
    assert len(lines) == 13
    assert sorted(int(line.split(",")[0]) for line in lines[1:]) == list(range(1, 13))


def test_standards_as_a_table_show_the_six_codes(demo_db, capsys):
    capsys.readouterr()
    assert main(["standards", "--db", demo_db]) == 0
    header, *rows = capsys.readouterr().out.splitlines()
    assert header.split()[:3] == ["id", "code", "name"]
    codes = [row.split()[1] for row in rows]
    assert [code for code in codes if "." not in code] == [f"S{n}" for n in range(1, 7)]
    assert codes[:2] == ["S1", "S1.1"]
    assert "Quality learning experiences for all students" in rows[0]


def test_backup_copies_the_file_with_its_log_written_in(demo_db, tmp_path, capsys):
    target = tmp_path / "copy.duckdb"
    assert main(["backup", "--db", demo_db, "--out", str(target)]) == 0
    assert capsys.readouterr().out.splitlines()[-1].startswith(f"Backed up {demo_db}")
    copy, original = Store.open(target), Store.open(demo_db)
    try:
        assert copy.stats() == original.stats()
    finally:
        copy.close()
        original.close()
    assert main(["backup", "--db", demo_db, "--out", str(target)]) == 1
    assert "already exists" in capsys.readouterr().err


def test_the_environment_variable_names_the_file(demo_db, capsys, monkeypatch):
    monkeypatch.setenv("SQR_TRACKER_DB", demo_db)
    capsys.readouterr()
    assert main(["stats", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["schools"] == 12


def test_demo_refuses_to_overwrite_a_file_that_is_not_a_demo(tmp_path, capsys):
    path = tmp_path / "real.duckdb"
    real = Store.open(path)
    real.rows("INSERT INTO networks (id, name) VALUES (1, 'Real network')")
    real.close()
    assert main(["demo", "--db", str(path), *DEMO]) == 1
    err = capsys.readouterr().err
    assert "--force" in err and str(path) in err
    kept = Store.open(path)
    try:
        assert kept.rows("SELECT name FROM networks") == [("Real network",)]
    finally:
        kept.close()
    assert main(["demo", "--db", str(path), *DEMO, "--force"]) == 0


def test_a_missing_file_is_named_with_how_to_build_one(tmp_path, capsys):
    missing = tmp_path / "none.duckdb"
    assert main(["stats", "--db", str(missing)]) == 1
    assert f"There is no data file at {missing}" in capsys.readouterr().err
    assert not missing.exists()


def test_a_bad_date_is_a_usage_error(tmp_path, capsys):
    with pytest.raises(SystemExit) as stop:
        main(["demo", "--db", str(tmp_path / "x.duckdb"), "--today", "03/12/2026"])
    assert stop.value.code == 2
    assert "'03/12/2026' is not a date YYYY-MM-DD" in capsys.readouterr().err


def test_the_console_script_is_installed(demo_db):
    beside_python = Path(sys.executable).parent / "sqr-tracker"
    found = beside_python.exists()
    script = str(beside_python) if found else shutil.which("sqr-tracker")
    assert script, "pip install -e . installs the sqr-tracker command"
    done = subprocess.run(
        [script, "stats", "--db", demo_db, "--format", "table"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "schema_version" in done.stdout


def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised():
    frame = pd.DataFrame({"note": ["=SUM(A1)", "+1", "-2", "@x", "\tt", "plain"]})
    assert to_csv(frame).splitlines()[1:] == [
        "'=SUM(A1)",
        "'+1",
        "'-2",
        "'@x",
        "'\tt",
        "plain",
    ]
    assert neutralise(-3) == -3


def _tables(path) -> dict[str, pd.DataFrame]:
    """Every table of a data file, its rows in a stable order."""
    store = Store.open(path)
    try:
        return {table: store.table_contents(table) for table in store.table_names()}
    finally:
        store.close()


def _settings(path) -> dict[str, str]:
    store = Store.open(path)
    try:
        return store.settings()
    finally:
        store.close()


def test_restore_puts_back_every_table_and_keeps_the_replaced_file(
    demo_db, tmp_path, capsys
):
    original = _tables(demo_db)
    backup = tmp_path / "backup.duckdb"
    assert main(["backup", "--db", demo_db, "--out", str(backup)]) == 0
    changed = Store.open(demo_db)
    try:
        office = changed.first_active_user("central_office")
        actions.change_setting(
            changed, office, {"key": "small_group_threshold", "value": 15}
        )
        assert changed.settings()["small_group_threshold"] == "15.0"
    finally:
        changed.close()
    assert not _tables(demo_db)["history"].equals(original["history"])
    capsys.readouterr()

    assert main(["restore", str(backup), "--db", demo_db]) == 0
    kept = Path(demo_db + ".before-restore")
    out = capsys.readouterr().out
    assert f"Restored {Path(demo_db).resolve()} from {backup.resolve()}" in out
    assert f"kept as {kept.resolve()}" in out
    restored = _tables(demo_db)
    assert list(restored) == list(original) and "history" in restored
    for table, rows in original.items():
        pd.testing.assert_frame_equal(restored[table], rows, obj=table)
    assert _settings(kept)["small_group_threshold"] == "15.0"
    assert _settings(demo_db).get("small_group_threshold") != "15.0"

    # A second restore would overwrite the first one's safety copy: only with --force.
    assert main(["restore", str(backup), "--db", demo_db]) == 1
    assert "earlier restore" in capsys.readouterr().err
    assert main(["restore", str(backup), "--db", demo_db, "--force"]) == 0
    assert _settings(kept).get("small_group_threshold") != "15.0"


def test_restore_refuses_a_file_that_is_not_a_backup(demo_db, tmp_path, capsys):
    before = Path(demo_db).read_bytes()
    other = tmp_path / "notes.duckdb"
    other.write_text("not a database")
    assert main(["restore", str(other), "--db", demo_db]) == 1
    assert "is not an SQR Tracker backup" in capsys.readouterr().err
    assert Path(demo_db).read_bytes() == before
    assert not Path(demo_db + ".before-restore").exists()
    assert main(["restore", str(tmp_path / "none.duckdb"), "--db", demo_db]) == 1
    assert "There is no backup file" in capsys.readouterr().err


HOLD = """
import sys, time
from sqr_tracker.store import Store
Store.open(sys.argv[1])
print("holding", flush=True)
time.sleep(60)
"""


def test_restore_refuses_while_another_program_holds_the_file(
    demo_db, tmp_path, capsys
):
    backup = tmp_path / "backup.duckdb"
    assert main(["backup", "--db", demo_db, "--out", str(backup)]) == 0
    capsys.readouterr()
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, demo_db], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "holding"
        before = Path(demo_db).read_bytes()
        assert main(["restore", str(backup), "--db", demo_db]) == 1
        err = capsys.readouterr().err
        assert "is open in another program" in err
        assert "Stop the app first" in err and "nothing was changed" in err
        assert Path(demo_db).read_bytes() == before
        assert not Path(demo_db + ".before-restore").exists()
        assert not Path(demo_db + ".restoring").exists()
    finally:
        holder.kill()
        holder.wait(timeout=10)
