"""Sessions racing to save through the write path (``actions``), on real threads.

Streamlit runs each browser session on its own thread over the process's one
connection, so these threads stand for people saving at the same moment.
"""

from __future__ import annotations

import json
import logging
import threading

import pytest
from conftest import listening

from sqr_tracker import actions
from sqr_tracker.errors import Busy, StaleEdit
from sqr_tracker.models import User
from sqr_tracker.store import Store

THREADS = 8
EDITS = 200
_LOG = logging.getLogger(__name__)


class _Conflicts(logging.Handler):
    """Counts the write conflicts ``Store.write`` retried."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        if record.getMessage().startswith("write conflict"):
            self.count += 1


@pytest.fixture
def conflicts():
    with listening("sqr_tracker.store", _Conflicts()) as handler:
        yield handler


def _race(work, threads: int = THREADS) -> list[tuple[str, object]]:
    """Run ``work(index)`` on ``threads`` threads released together; return each
    thread's ("ok", result) or ("error", exception), in thread order."""
    start = threading.Barrier(threads)
    outcomes: list[tuple[str, object] | None] = [None] * threads

    def run(index: int) -> None:
        start.wait()
        try:
            outcomes[index] = ("ok", work(index))
        except Exception as error:  # noqa: BLE001 - every outcome is asserted
            outcomes[index] = ("error", error)

    workers = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    assert not any(worker.is_alive() for worker in workers), "a thread hung"
    return outcomes


def _step_history(store: Store, step_id: int):
    found = store.history("action_steps", step_id)
    return found[found["action"] == "edit action step"]


def test_eight_saves_of_one_step_from_the_same_version_keep_exactly_one(
    store: Store, people: dict[str, User], conflicts
):
    team = people["team.a"]
    version = store.row("action_steps", 1)["version"]
    history_before = len(_step_history(store, 1))
    owners = [f"Owner {i}" for i in range(THREADS)]

    outcomes = _race(
        lambda i: actions.update_action_step(
            store, team, 1, {"owner": owners[i]}, version=version
        )
    )

    winners = [i for i, (kind, _) in enumerate(outcomes) if kind == "ok"]
    assert len(winners) == 1, outcomes
    (winner,) = winners
    assert outcomes[winner][1] == version + 1
    losers = [found for kind, found in outcomes if kind == "error"]
    # A loser's save was based on a version another session replaced: it is a
    # stale edit (say who changed it), not "busy" (which means "save again").
    assert len(losers) == THREADS - 1
    assert all(type(error) is StaleEdit for error in losers), losers
    assert {error.current_version for error in losers} == {version + 1}

    stored = store.row("action_steps", 1)
    assert stored["owner"] == owners[winner]
    assert stored["version"] == version + 1
    edits = _step_history(store, 1)
    assert len(edits) == history_before + 1
    _LOG.info("same step: %s write conflicts retried", conflicts.count)


def test_eight_sessions_each_editing_their_own_step_all_land(
    store: Store, people: dict[str, User], conflicts
):
    team = people["team.a"]
    steps = [
        actions.create_action_step(
            store,
            team,
            {
                "goal_id": 1,
                "description": f"Step {i}",
                "owner": "Nobody yet",
                "starts_on": "2026-01-01",
                "due_on": "2026-06-01",
                "status": "not started",
            },
        )
        for i in range(THREADS)
    ]
    assert all(store.row("action_steps", s)["version"] == 1 for s in steps)
    history_before = store.stats()["history"]

    def edit_own_step(index: int) -> list[int]:
        step, version, landed = steps[index], 1, []
        for n in range(EDITS):
            version = actions.update_action_step(
                store, team, step, {"owner": f"Owner {index}.{n}"}, version=version
            )
            landed.append(version)
        return landed

    outcomes = _race(edit_own_step)

    errors = [found for kind, found in outcomes if kind == "error"]
    assert not errors, errors  # no Busy: write() absorbed every conflict
    for index, (_, landed) in enumerate(outcomes):
        # Every reported success is a change that is really there, in order.
        assert landed == list(range(2, EDITS + 2))
        stored = store.row("action_steps", steps[index])
        assert stored["version"] == EDITS + 1
        assert stored["owner"] == f"Owner {index}.{EDITS - 1}"
        edits = _step_history(store, steps[index])
        # One history entry per change, each recording the version it made.
        assert [json.loads(after)["version"] for after in edits["after"]] == landed
    assert store.stats()["history"] == history_before + THREADS * EDITS
    _LOG.info("%sx%s edits: %s conflicts retried", THREADS, EDITS, conflicts.count)


def test_busy_is_raised_only_when_every_attempt_clashed(store: Store):
    import duckdb

    def always_clashing(tx):
        raise duckdb.TransactionException("Conflict on update!")

    with pytest.raises(Busy, match="save again"):
        store.write(always_clashing, attempts=2)
