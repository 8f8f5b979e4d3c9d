"""Answers kept in memory for every session: each caller is handed its own copy
of what it could change, the least recently asked answer is forgotten first,
and a question asked by many sessions at once is asked once."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import date
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from sqr_tracker import actions, caching
from sqr_tracker.caching import cached_for_user
from sqr_tracker.kept import Kept, owned
from sqr_tracker.models import Role, User


@dataclass(frozen=True)
class Answer:
    table: pd.DataFrame
    labels: dict[int, str]
    notes: list[str] = field(default_factory=list)


def _answer() -> Answer:
    table = pd.DataFrame({"school": ["Alder", "Birch"], "level": [2, 3]})
    return Answer(table, {1: "Alder", 2: "Birch"}, ["first"])


def test_a_caller_changing_its_answer_changes_no_one_elses():
    kept = _answer()
    mine = owned(kept)
    mine.table["level"] = 99
    mine.table.loc[0, "school"] = "Changed"
    mine.labels[1] = "Changed"
    mine.notes.append("second")
    assert kept.table["level"].tolist() == [2, 3]
    assert kept.table["school"].tolist() == ["Alder", "Birch"]
    assert kept.labels == {1: "Alder", 2: "Birch"}
    assert kept.notes == ["first"]


def test_nested_lists_dicts_arrays_and_sets_are_copied_and_text_is_shared():
    text = "x" * 100
    kept = {"rows": [[1, 2], {"a": [3]}], "ids": {4, 5}, "points": np.arange(3)}
    kept["text"] = text
    mine = owned(kept)
    mine["rows"][0].append(9)
    mine["rows"][1]["a"].append(9)
    mine["ids"].add(9)
    mine["points"][0] = 9
    assert kept["rows"] == [[1, 2], {"a": [3]}]
    assert kept["ids"] == {4, 5}
    assert kept["points"].tolist() == [0, 1, 2]
    assert mine["text"] is text
    plain = (1, "a", date(2026, 12, 4))
    assert owned(plain) is plain


def test_a_tables_columns_are_shared_until_the_caller_writes_to_them():
    kept = pd.DataFrame({"level": np.arange(1000)})
    mine = owned(kept)
    assert mine is not kept
    assert np.shares_memory(mine["level"].to_numpy(), kept["level"].to_numpy())
    mine.loc[0, "level"] = -1
    assert not np.shares_memory(mine["level"].to_numpy(), kept["level"].to_numpy())
    assert kept.loc[0, "level"] == 0


def test_a_frozen_record_of_plain_values_is_shared_as_it_is():
    user = User(id=1, email="a@b.c", name="A", role=Role.PRINCIPAL, school_id=1)
    assert owned(user) is user


def test_forgotten_answers_are_the_ones_picked():
    kept = Kept(most=4)
    for key in (("a", 1), ("a", 2), ("b", 1)):
        kept.answer(key, lambda: 0)
    assert kept.forget(lambda key: key[0] == "a" and key[1] < 2) == 1
    asked = []
    kept.answer(("a", 1), lambda: asked.append(1))
    kept.answer(("a", 2), lambda: asked.append(2))
    assert asked == [1]


def test_an_answer_is_asked_once_and_each_caller_gets_its_own():
    kept, asked = Kept(most=4), []

    def ask():
        asked.append(1)
        return _answer()

    first = kept.answer("plan", ask)
    first.labels[1] = "Changed"
    second = kept.answer("plan", ask)
    assert second.labels[1] == "Alder"
    assert second is not first
    assert len(asked) == 1


def test_the_least_recently_asked_answer_is_forgotten_first():
    kept, asked = Kept(most=2), []

    def ask(key):
        return lambda: asked.append(key) or key

    for key in ("a", "b", "a", "c", "a", "b"):
        assert kept.answer(key, ask(key)) == key
    # "b" was forgotten when "c" came (a was asked after it); a stayed.
    assert asked == ["a", "b", "c", "b"]
    assert len(kept) == 2


class _Waits(threading.Event):
    """An event that counts the threads waiting on it."""

    waiting = 0

    def wait(self, timeout=None):
        type(self).waiting += 1
        return super().wait(timeout)


@pytest.fixture
def counted(monkeypatch):
    """A ``Kept`` whose waiters are counted (``_Waits.waiting``)."""
    monkeypatch.setattr(_Waits, "waiting", 0)
    monkeypatch.setattr(
        "sqr_tracker.kept.threading",
        SimpleNamespace(Event=_Waits, Lock=threading.Lock),
    )
    return Kept(most=4)


def _until(condition, seconds: float = 5) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


def _threads(count: int, work) -> list[threading.Thread]:
    started = [threading.Thread(target=work, daemon=True) for _ in range(count)]
    for thread in started:
        thread.start()
    return started


def _joined(threads: list[threading.Thread]) -> None:
    for thread in threads:
        thread.join(5)
    assert not any(thread.is_alive() for thread in threads)


def test_many_sessions_asking_at_once_ask_once(counted):
    asked, answers = [], []
    inside, release = threading.Event(), threading.Event()

    def slow():
        asked.append(1)
        inside.set()
        release.wait(5)
        return [1, 2, 3]

    first = _threads(1, lambda: answers.append(counted.answer("k", slow)))
    assert inside.wait(5)
    others = _threads(3, lambda: answers.append(counted.answer("k", slow)))
    _until(lambda: _Waits.waiting == 3)  # each waits for the first's answer
    release.set()
    _joined(first + others)
    assert asked == [1]
    assert answers == [[1, 2, 3]] * 4
    assert len({id(answer) for answer in answers}) == 4


def test_when_the_asker_fails_one_waiter_asks_and_the_rest_wait_for_it(counted):
    asked, answers, failed = [], [], []
    inside, release = threading.Event(), threading.Event()

    def fails():
        asked.append("first")
        inside.set()
        release.wait(5)
        raise PermissionError("not yours")

    def first():
        try:
            counted.answer("k", fails)
        except PermissionError as error:
            failed.append(str(error))

    def works():
        asked.append("again")
        return "yours"

    asker = _threads(1, first)
    assert inside.wait(5)
    waiters = _threads(3, lambda: answers.append(counted.answer("k", works)))
    _until(lambda: _Waits.waiting == 3)
    release.set()
    _joined(asker + waiters)
    assert failed == ["not yours"]
    assert asked == ["first", "again"]
    assert answers == ["yours"] * 3


def test_an_asker_that_fails_keeps_nothing_and_the_next_asks_again():
    kept = Kept(most=4)

    def refused():
        raise PermissionError("not yours")

    with pytest.raises(PermissionError, match="not yours"):
        kept.answer("k", refused)
    assert len(kept) == 0
    assert kept.answer("k", lambda: "yours") == "yours"


def test_an_answer_asked_before_clear_is_not_kept():
    kept = Kept(most=4)

    def ask_across_clear():
        kept.clear()  # a backup restored while the question was asked
        return "before"

    assert kept.answer("k", ask_across_clear) == "before"
    assert kept.answer("k", lambda: "after") == "after"


@pytest.fixture
def fresh_answers():
    caching.clear()
    yield
    caching.clear()


def test_a_page_changing_a_cached_answer_changes_no_other_sessions(
    store, people, fresh_answers
):
    cached = cached_for_user(lambda store, user: _answer())
    principal = people["principal.a"]
    page = cached(store, principal)
    page.table.loc[0, "level"] = 99
    page.labels.clear()
    again = cached(store, principal)
    assert again.table["level"].tolist() == [2, 3]
    assert again.labels == {1: "Alder", 2: "Birch"}


def test_a_write_lets_the_answers_of_the_version_before_go(
    store, people, fresh_answers
):
    principal = people["principal.a"]
    cached = cached_for_user(lambda store, user, n: n)
    assert [cached(store, principal, n) for n in (1, 2)] == [1, 2]
    assert len(caching._ANSWERS) == 2
    actions.request_support(store, principal, {"school_id": 1, "need": "Help"})
    assert cached(store, principal, 1) == 1
    assert len(caching._ANSWERS) == 1  # the two of the version before are gone
