"""Every command that opens the data file, while another program (the app)
holds it: refused at once, on standard error, with what to do instead."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from sqr_tracker.cli import main

DEMO = ["--schools", "12", "--seed", "3", "--today", "2026-12-03"]
OFFICE = "central.office@demo.sqr"
HOLD = """
import sys, time
from sqr_tracker.store import Store
Store.open(sys.argv[1])
print("holding", flush=True)
time.sleep(120)
"""
STOP = (
    "Stop the app first (or let the other command finish), then run the command again."
)
BACK_UP_IN_THE_APP = (
    "To back up while the app runs, use the Back up now button on the app's "
    "District data page (central office); or stop the app first, then run the "
    "backup again."
)


def _said(path: Path, command: str, pid: int | None) -> str:
    process = f"; process {pid}" if pid is not None else ""
    return (
        f"sqr-tracker: the data file {path.resolve()} is open in another program "
        f"(the app, or another sqr-tracker command{process}), so `sqr-tracker "
        f"{command}` cannot use it; nothing was changed."
    )


@pytest.fixture
def held(tmp_path):
    """A demo file, a backup of it and a schools file, while a child holds it."""
    path = tmp_path / "demo.duckdb"
    assert main(["demo", "--db", str(path), *DEMO]) == 0
    assert main(["backup", "--db", str(path), "--out", str(tmp_path / "b.duckdb")]) == 0
    (tmp_path / "schools.csv").write_text(
        "code,name,level,network,enrollment,pct_low_income,pct_english_learners,"
        "pct_disabilities\nX1,Xylem School,elementary,North,10,0.1,0.1,0.1\n"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "holding"
        yield path, holder.pid
    finally:
        holder.kill()
        holder.wait(timeout=30)


@pytest.mark.parametrize(
    "command",
    [
        ["stats"],
        ["schools", "--format", "csv"],
        ["standards"],
        ["plan", "--school", "1"],
        ["growth", "--school", "1"],
        ["checkins", "due", "--school", "1"],
        ["needs-support"],
        ["export", "schools"],
        ["import", "schools", "{dir}/schools.csv", "--as", OFFICE],
        ["demo", *DEMO],
    ],
    ids=lambda command: command[0],
)
def test_a_command_on_a_held_file_says_to_stop_the_app(held, command, capsys):
    path, pid = held
    before = path.read_bytes()
    argv = [part.format(dir=path.parent) for part in command]
    capsys.readouterr()

    assert main([*argv, "--db", str(path)]) == 1

    out, err = capsys.readouterr()
    assert out == ""
    assert err == f"{_said(path, command[0], pid)} {STOP}\n"
    assert path.read_bytes() == before


def test_a_backup_of_a_held_file_points_to_the_apps_backup_button(held, capsys):
    path, pid = held
    target = path.parent / "new-backup.duckdb"
    capsys.readouterr()

    assert main(["backup", "--db", str(path), "--out", str(target)]) == 1

    out, err = capsys.readouterr()
    assert out == ""
    assert err == f"{_said(path, 'backup', pid)} {BACK_UP_IN_THE_APP}\n"
    assert not target.exists()


def test_a_restore_over_a_held_file_is_refused_the_same_way(held, capsys):
    path, _ = held
    before = path.read_bytes()
    capsys.readouterr()

    assert main(["restore", str(path.parent / "b.duckdb"), "--db", str(path)]) == 1

    # The restore finds the file held before it opens it, so no process is named.
    assert capsys.readouterr().err == f"{_said(path, 'restore', None)} {STOP}\n"
    assert path.read_bytes() == before
    assert not Path(f"{path}.before-restore").exists()


def test_the_installed_command_returns_at_once_with_the_message(held):
    path, pid = held
    script = Path(sys.executable).with_name("sqr-tracker")
    for command, advice in (("stats", STOP), ("backup", BACK_UP_IN_THE_APP)):
        extra = ["--out", str(path.parent / "x.duckdb")] if command == "backup" else []
        done = subprocess.run(
            [str(script), "--db", str(path), command, *extra],
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert done.returncode == 1
        assert done.stdout == ""
        assert done.stderr == f"{_said(path, command, pid)} {advice}\n"
