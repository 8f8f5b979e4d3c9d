"""A data file survives its program being killed (SIGKILL) in the middle of
writing: it opens again, holds every write that was acknowledged, no import
half applied, and a change history that matches the data.

A child process (``crash_worker.py``) writes without pause through the write
path: goals created, action steps edited and schools files imported. The test
kills it at a random moment, round after round on the same file, and checks
the file after each kill. The moments are drawn from a fixed seed; where each
kill lands still depends on the machine's speed, so the test counts the kills
that fell between a write's start and its acknowledgement.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import random
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from conftest import small_district
from crash_worker import GOAL_PREFIX, IMPORT_ROWS, STEP_PREFIX

from sqr_tracker import actions
from sqr_tracker.store import Store

ROUNDS = 25
SEED = 20261203
STEPS = 3
LONGEST_WAIT = 0.6  # seconds after the worker is ready
WORKER = Path(__file__).with_name("crash_worker.py")


@dataclass
class Expected:
    """What the file must hold: every acknowledged write, and each write
    found committed although its acknowledgement never came."""

    goals: dict[int, str] = field(default_factory=dict)
    steps: dict[int, tuple[int, str]] = field(default_factory=dict)  # version, owner
    imports: set[str] = field(default_factory=set)
    other_goals: int = 0  # the district's goals from before


@dataclass
class Killed:
    """One round: the acknowledgements read, and the write under way if any."""

    acks: list[str]
    pending: str | None


@pytest.fixture
def district(tmp_path) -> tuple[Path, Expected]:
    """The small district with STEPS action steps made through the write path,
    and what it holds."""
    path = tmp_path / "district.duckdb"
    store = Store.open(path)
    expected = Expected()
    try:
        store.bulk_load(small_district(), {"is_demo": "false"})
        expected.other_goals = store.stats()["goals"]
        team = store.user_by_email("team.a@test.sqr")
        for n in range(STEPS):
            step = actions.create_action_step(
                store,
                team,
                {
                    "goal_id": 1,
                    "description": f"{STEP_PREFIX} {n}",
                    "owner": "Nobody yet",
                    "starts_on": "2026-01-01",
                    "due_on": "2026-06-01",
                },
            )
            expected.steps[step] = (1, "Nobody yet")
    finally:
        store.close()
    return path, expected


class Writers:
    """The worker: it forks a writer for each round, each killed mid-writing."""

    def __init__(self, path: Path, folder: Path):
        self.errors = folder / "worker.err"
        self._stderr = self.errors.open("w")
        self.process = subprocess.Popen(
            [sys.executable, str(WORKER), str(path), str(folder)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr,
            text=True, cwd=WORKER.parent,
        )  # fmt: skip
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        assert self._next() == "serving"

    def _read(self) -> None:
        for line in self.process.stdout:
            self._lines.put(line)
        self._lines.put(None)

    def _next(self) -> str:
        line = self._lines.get(timeout=60)
        assert line is not None, self.errors.read_text()
        return line.removesuffix("\n")

    def kill_mid_writing(self, number: int, wait: float) -> Killed:
        """Start round ``number``'s writer, let it write ``wait`` seconds, kill it."""
        self.process.stdin.write(f"{number} {SEED + number}\n")
        self.process.stdin.flush()
        told, pid = self._next().split()
        assert told == "pid"
        assert self._next() == "ready", self.errors.read_text()
        threading.Event().wait(wait)
        os.kill(int(pid), signal.SIGKILL)
        said = []
        while not (line := self._next()).startswith("ended "):
            said.append(line)
        assert line == f"ended {-signal.SIGKILL}", self.errors.read_text()
        said.pop()  # empty, or the line the kill cut short
        pending = said[-1] if said and said[-1].startswith("begin ") else None
        return Killed([line for line in said if line.startswith("ack ")], pending)

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=60)
        self._stderr.close()


def _acknowledged(expected: Expected, acks: list[str]) -> None:
    for line in acks:
        kind, rest = line.split(" ", 2)[1:]
        if kind == "goal":
            goal, statement = rest.split(" ", 1)
            expected.goals[int(goal)] = statement
        elif kind == "step":
            step, version, owner = rest.split(" ")
            expected.steps[int(step)] = (int(version), owner)
        else:
            tag, added = rest.split(" ")
            assert int(added) == IMPORT_ROWS
            expected.imports.add(tag)


def _settle_pending(store: Store, expected: Expected, pending: str) -> bool:
    """Whether the write under way at the kill was committed (it then joins
    what is expected); either way it must be whole or absent."""
    kind, rest = pending.split(" ", 2)[1:]
    if kind == "goal":
        found = store.rows("SELECT id FROM goals WHERE statement = ?", [rest])
        assert len(found) <= 1, found
        if found:
            expected.goals[int(found[0][0])] = rest
        return bool(found)
    if kind == "step":
        step, version, owner = rest.split(" ")
        row = store.row("action_steps", int(step))
        stored = (int(row["version"]), row["owner"])
        assert stored in (expected.steps[int(step)], (int(version), owner)), stored
        expected.steps[int(step)] = stored
        return stored == (int(version), owner)
    (count,) = store.rows(
        "SELECT count(*) FROM schools WHERE code LIKE ?", [f"{rest}-%"]
    )[0]
    assert count in (0, IMPORT_ROWS), f"import {rest} half applied: {count} rows"
    if count:
        expected.imports.add(rest)
    return bool(count)


def _history(store: Store) -> list[tuple[int, str, str, int, dict]]:
    found = store.rows(
        "SELECT id, action, entity, entity_id, after FROM history ORDER BY id"
    )
    return [(i, act, ent, row, json.loads(after)) for i, act, ent, row, after in found]


def _check(store: Store, expected: Expected) -> None:
    """The file holds exactly what is expected, and its history matches it."""
    goals = dict(
        store.rows(
            "SELECT id, statement FROM goals WHERE statement LIKE ?",
            [f"{GOAL_PREFIX}%"],
        )
    )
    assert goals == expected.goals
    steps = {
        step: (version, owner)
        for step, version, owner in store.rows(
            "SELECT id, version, owner FROM action_steps WHERE description LIKE ?",
            [f"{STEP_PREFIX}%"],
        )
    }
    assert steps == expected.steps
    imported = dict(
        store.rows(
            "SELECT split_part(code, '-', 1), count(*) FROM schools "
            "WHERE name LIKE 'Crash School %' GROUP BY 1"
        )
    )
    assert imported == dict.fromkeys(expected.imports, IMPORT_ROWS)

    history = _history(store)
    assert [entry[0] for entry in history] == list(range(1, len(history) + 1))
    created = {row: after for _, act, _, row, after in history if act == "create goal"}
    assert sum(entry[1] == "create goal" for entry in history) == len(created)
    assert set(created) == set(goals)
    for goal, after in created.items():
        row = store.row("goals", goal)
        for column in ("id", "school_id", "standard_id", "statement", "version"):
            assert after[column] == row[column], (goal, column)
    for step, (version, owner) in steps.items():
        afters = [after for _, _, ent, row, after in history
                  if ent == "action_steps" and row == step]  # fmt: skip
        assert [after["version"] for after in afters] == list(range(1, version + 1))
        assert afters[-1]["owner"] == owner
    files = [after for _, act, *_, after in history if act == "import schools"]
    assert sorted(after["file"] for after in files) == sorted(
        f"{tag}.csv" for tag in expected.imports
    )
    assert {after["added"] for after in files} <= {IMPORT_ROWS}


def _reopened_and_checked(path: Path, expected: Expected, killed: Killed) -> bool:
    """Open the file as the next program would, and check it; return whether
    the write under way at the kill (if any) had committed."""
    _acknowledged(expected, killed.acks)
    store = Store.open(path)  # replays the log the kill left
    try:
        committed = killed.pending is not None and _settle_pending(
            store, expected, killed.pending
        )
        _check(store, expected)
        assert store.stats()["goals"] == expected.other_goals + len(expected.goals)
    finally:
        store.close()
    return committed


def test_killed_while_writing_the_file_keeps_every_acknowledged_write(
    district, tmp_path
):
    data_file, expected = district
    folder = tmp_path / "worker"
    folder.mkdir()
    _reopened_and_checked(data_file, expected, Killed([], None))
    waits = random.Random(SEED)
    acks = mid_write = committed_unacknowledged = 0

    writers = Writers(data_file, folder)
    try:
        for number in range(ROUNDS):
            wait = waits.uniform(0.0, LONGEST_WAIT)
            killed = writers.kill_mid_writing(number, wait)
            acks += len(killed.acks)
            mid_write += killed.pending is not None
            committed_unacknowledged += _reopened_and_checked(
                data_file, expected, killed
            )
    finally:
        writers.close()

    assert acks > 0
    assert expected.goals and expected.imports
    assert mid_write > 0  # the writer never pauses, so kills land inside writes
    logging.getLogger(__name__).info(
        "%s kills, %s writes acknowledged; %s kills landed mid-write, of which %s "
        "had committed",
        ROUNDS, acks, mid_write, committed_unacknowledged,
    )  # fmt: skip
