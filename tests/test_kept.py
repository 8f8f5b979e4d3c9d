"""Answers kept in memory for every session: each caller is handed its own copy
of what it could change, the least recently asked answer is forgotten first
(when there are too many, or they weigh too much), and a question asked by
many sessions at once is asked once."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import date
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from sqr_tracker import actions, caching
from sqr_tracker.caching import cached_for_user
from sqr_tracker.kept import Kept, owned, size_of
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
    card = Card(1, "Alder", "**1. Alder**")
    assert owned(card) is card


@dataclass(frozen=True)
class Card:
    school_id: int
    school: str
    text: str


@dataclass(frozen=True)
class Listed:
    names: list[str]


def test_a_frozen_record_holding_a_list_is_copied():
    kept = Listed(["Alder"])
    mine = owned(kept)
    mine.names.append("Birch")
    assert mine is not kept and kept.names == ["Alder"]


def test_arrow_tables_and_columns_are_shared_and_weigh_their_buffers():
    table = pa.table({"school": ["x" * 20] * 100_000, "level": range(100_000)})
    for kept in (table, table["school"], table.column("level").chunk(0)):
        assert owned(kept) is kept  # Arrow's are never changed in place
        assert size_of(kept) == kept.get_total_buffer_size()
    assert size_of(table) >= 2_000_000 + 800_000
    assert size_of(table.slice(0, 10)) == size_of(table)  # the buffers stay alive


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


def test_a_tables_weight_is_its_columns_with_the_text_in_objects():
    frame = pd.DataFrame(
        {"level": np.arange(1000), "things": [["a", "b"]] * 1000},
        index=np.arange(1000) * 2,
    )
    things = frame["things"].memory_usage(index=False, deep=True)
    assert size_of(frame) == 8000 + 8000 + things
    assert size_of(frame["level"]) == 8000 + 8000
    assert things > 8000  # the lists themselves, not only their pointers


def test_text_lists_and_dicts_weigh_what_they_hold():
    assert size_of("abc") == 52
    assert size_of([1, "abc"]) == 64 + 16 + 32 + 52
    assert size_of({1: "abc"}) == 64 + 40 + 32 + 52
    assert size_of(_answer()) == 64 + size_of(_answer().table) + size_of(
        {1: "Alder", 2: "Birch"}
    ) + size_of(["first"])


def test_a_long_list_is_weighed_by_a_sample_of_its_items():
    alike = ["x" * 10] * 10_000
    assert size_of(alike) == 64 + 8 * 10_000 + 59 * 10_000
    mixed = ["x" * 10, "x" * 110] * 5_000
    # Items that alternate are both weighed.
    whole = 64 + 8 * 10_000 + (59 + 159) * 5_000
    assert size_of(mixed) == pytest.approx(whole, rel=0.05)


def test_answers_weighing_more_than_allowed_forget_the_least_recent():
    text = "x" * 100  # 149 bytes
    kept, asked = Kept(most=10, most_bytes=4 * size_of(text)), []

    def ask(key):
        return lambda: asked.append(key) or text

    for key in ("a", "b", "c", "d", "a", "e"):
        kept.answer(key, ask(key))
    # "e" made five; "b" was the least recently asked ("a" was asked again).
    assert asked == ["a", "b", "c", "d", "e"]
    assert len(kept) == 4 and kept.bytes == 4 * 149
    kept.answer("b", ask("b"))
    assert asked[-1] == "b" and kept.bytes == 4 * 149
    assert kept.forget(lambda key: key in ("a", "b")) == 2
    assert kept.bytes == 2 * 149
    kept.clear()
    assert kept.bytes == 0


def test_an_answer_heavier_than_a_quarter_of_the_room_is_not_kept():
    light, heavy = "x" * 100, "x" * 101  # 149 and 150 bytes
    kept, asked = Kept(most=10, most_bytes=4 * size_of(light)), []
    for key, text in (("light", light), ("heavy", heavy), ("heavy", heavy)):
        assert kept.answer(key, lambda k=key, t=text: asked.append(k) or t) == text
    # The heavy one was asked twice and never pushed the light one out.
    assert asked == ["light", "heavy", "heavy"]
    assert len(kept) == 1 and kept.bytes == size_of(light)


def test_a_sliced_text_column_weighs_the_buffers_it_holds_on_to():
    first = pd.Series(["x" * 20] * 100_000).head(10)
    assert size_of(first) >= 2_000_000  # the whole column's text stays alive
    assert size_of(pd.Series(first.tolist())) < 10_000  # ten rows of its own


class _Unweighable:
    def __sizeof__(self):
        raise TypeError("no size")


def test_an_answer_that_cannot_be_weighed_is_answered_but_not_kept():
    kept, asked = Kept(most=4, most_bytes=10_000), []
    for _ in range(2):
        found = kept.answer("odd", lambda: asked.append(1) or _Unweighable())
        assert isinstance(found, _Unweighable)
    assert asked == [1, 1]
    assert len(kept) == 0 and kept.bytes == 0


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


def test_every_schools_cached_answers_stay_within_the_bytes_allowed(
    store, people, fresh_answers, monkeypatch
):
    answers = Kept(most=512, most_bytes=4 * size_of(_answer()))
    monkeypatch.setattr(caching, "_ANSWERS", answers)
    asked = []

    def plan(store, user, school_id):
        asked.append(school_id)
        return _answer()

    cached = cached_for_user(plan)
    central = people["office"]
    for school_id in (1, 2, 3, 4, 5, 1):
        cached(store, central, school_id)
    assert asked == [1, 2, 3, 4, 5, 1]  # school 1's was let go when 5's came
    assert len(answers) == 4 and answers.bytes == 4 * size_of(_answer())
