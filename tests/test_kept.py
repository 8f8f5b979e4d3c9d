"""Answers kept in memory for every session: each caller is handed its own copy
of what it could change, the least recently asked answer is forgotten first,
and a question asked by many sessions at once is asked once."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd
import pytest

from sqr_tracker import caching
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
    assert owned((1, "a", date(2026, 12, 4))) == (1, "a", date(2026, 12, 4))


def test_a_tables_columns_are_shared_until_the_caller_writes_to_them():
    kept = pd.DataFrame({"level": np.arange(1000)})
    mine = owned(kept)
    assert mine is not kept
    assert np.shares_memory(mine["level"].to_numpy(), kept["level"].to_numpy())
    mine.loc[0, "level"] = -1
    assert not np.shares_memory(mine["level"].to_numpy(), kept["level"].to_numpy())
    assert kept.loc[0, "level"] == 0


def test_a_frozen_record_is_shared_as_it_is():
    user = User(id=1, email="a@b.c", name="A", role=Role.PRINCIPAL, school_id=1)
    assert owned(user) is user


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


def test_many_sessions_asking_at_once_ask_once():
    kept, asked = Kept(most=4), []
    inside, release = threading.Event(), threading.Event()

    def slow():
        asked.append(1)
        inside.set()
        release.wait(5)
        return [1, 2, 3]

    answers = []
    first = threading.Thread(target=lambda: answers.append(kept.answer("k", slow)))
    first.start()
    assert inside.wait(5)
    others = [
        threading.Thread(target=lambda: answers.append(kept.answer("k", slow)))
        for _ in range(3)
    ]
    for other in others:
        other.start()
    threading.Event().wait(0.2)  # the others reach the question being asked
    release.set()
    for thread in (first, *others):
        thread.join(5)
    assert asked == [1]
    assert answers == [[1, 2, 3]] * 4
    assert len({id(answer) for answer in answers}) == 4


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


def test_a_page_changing_a_cached_answer_changes_no_other_sessions(store, people):
    caching.clear()
    cached = cached_for_user(lambda store, user: _answer())
    principal = people["principal.a"]
    page = cached(store, principal)
    page.table.loc[0, "level"] = 99
    page.labels.clear()
    again = cached(store, principal)
    assert again.table["level"].tolist() == [2, 3]
    assert again.labels == {1: "Alder", 2: "Birch"}
    caching.clear()
