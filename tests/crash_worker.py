"""Writers to a data file that write without end until killed (see
test_crash_safety).

Usage: python crash_worker.py DATA_FILE FOLDER, then one line ``ROUND SEED``
on standard input for each writer. The package is imported once; each writer
is a process forked from this one, which opens the data file itself and is
killed from outside. For each, this process says ``pid PID``, then the writer
says ``ready`` and announces each write before it starts (``begin ...``) and
acknowledges it once it has returned (``ack ...``), each line flushed: a goal
created, an action step edited, or a schools file of IMPORT_ROWS new schools
imported (written to FOLDER first), all through the write path. When the
writer has ended this process says, on a line of its own, ``ended CODE`` (the
exit code: minus the signal that killed it).
"""

from __future__ import annotations

import os
import random
import sys
import traceback
from pathlib import Path

from sqr_tracker import actions, district_data
from sqr_tracker.store import Store

IMPORT_ROWS = 40
STEP_PREFIX = "Crash step"
GOAL_PREFIX = "Crash goal"
SCHOOLS_HEADER = (
    "code,name,level,network,enrollment,pct_low_income,pct_english_learners,"
    "pct_disabilities"
)


def say(*words: object) -> None:
    print(*words, flush=True)


def schools_file(folder: Path, tag: str) -> Path:
    """A schools file whose every code starts with ``tag-``."""
    rows = [
        f"{tag}-{n:03d},Crash School {tag} {n},elementary,North,{100 + n},0.5,0.2,0.1"
        for n in range(IMPORT_ROWS)
    ]
    path = folder / f"{tag}.csv"
    path.write_text("\n".join([SCHOOLS_HEADER, *rows]) + "\n")
    return path


def main(path: str, round_number: int, seed: int, folder: Path) -> None:
    store = Store.open(path)
    team = store.user_by_email("team.a@test.sqr")
    office = store.user_by_email("office@test.sqr")
    steps = [
        int(found)
        for (found,) in store.rows(
            "SELECT id FROM action_steps WHERE description LIKE ? ORDER BY id",
            [f"{STEP_PREFIX}%"],
        )
    ]
    chance = random.Random(seed)
    say("ready")
    for n in range(1, 1_000_000):
        mark = f"r{round_number:02d}n{n:05d}"
        pick = chance.random()
        if pick < 0.4:
            statement = f"{GOAL_PREFIX} {mark}"
            say("begin goal", statement)
            goal = actions.create_goal(
                store, team, {"school_id": 1, "standard_id": 1, "statement": statement}
            )
            say("ack goal", goal, statement)
        elif pick < 0.8:
            step = chance.choice(steps)
            version = int(store.row("action_steps", step)["version"])
            say("begin step", step, version + 1, mark)
            landed = actions.update_action_step(
                store, team, step, {"owner": mark}, version=version
            )
            say("ack step", step, landed, mark)
        else:
            data = schools_file(folder, mark)
            say("begin import", mark)
            done = district_data.import_file(store, office, "schools", data)
            say("ack import", mark, done.added)


def serve(path: str, folder: Path) -> None:
    """Fork a writer for each ``ROUND SEED`` line, and wait for it to end."""
    say("serving")
    for line in sys.stdin:
        round_number, seed = (int(word) for word in line.split())
        told, tell = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(tell)
            os.read(told, 1)  # start once the pid has been said
            try:
                main(path, round_number, seed, folder)
            except BaseException:
                traceback.print_exc()
            os._exit(1)
        os.close(told)
        say("pid", pid)
        os.write(tell, b"go")
        os.close(tell)
        _, status = os.waitpid(pid, 0)
        # A line of its own even after a line the kill cut short.
        say(f"\nended {os.waitstatus_to_exitcode(status)}")


if __name__ == "__main__":
    serve(sys.argv[1], Path(sys.argv[2]))
