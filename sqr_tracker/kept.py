"""Answers kept in memory and handed to many callers.

A kept answer is shared by every session of the server, so each caller is
handed its own: :func:`owned` copies the containers a caller could change
(tables, lists, dicts, sets, arrays, records) and shares what it cannot
(numbers, text, dates). A table is copied without its columns, which pandas
copies only when one of them is assigned to (copy-on-write). What a table's
cells hold is shared: a list in a cell is read, never changed in place, and
a column is never written through ``.array``. That is a fraction of
unpickling a stored copy, which Streamlit's ``st.cache_data`` does on every
read (a 10,000-school table took 2 to 3 ms a read, the 30,000 reviews'
labels 9 ms).

:class:`Kept` holds the answers, the least recently asked forgotten first. A
question that several sessions ask at the same moment is asked by the first;
the others wait for its answer.
"""

from __future__ import annotations

import copy
import dataclasses
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from enum import Enum
from typing import Any, TypeVar

import numpy as np
import pandas as pd
from pydantic import BaseModel

T = TypeVar("T")

# Values no caller can change in place: shared as they are.
_PLAIN = frozenset(
    {str, int, float, bool, bytes, type(None), date, datetime, time, timedelta}
    | {Decimal, pd.Timestamp, type(pd.NaT), pd.Timedelta}
)


def owned(value: T) -> T:
    """``value`` for one caller: what it could change is copied, the rest
    shared (see above)."""
    kind = type(value)
    if kind in _PLAIN:
        return value
    if kind is list:
        if _PLAIN.issuperset(map(type, value)):  # quicker than item by item
            return value.copy()
        return [owned(item) for item in value]
    if kind is dict:
        if _PLAIN.issuperset(map(type, value.values())):
            return value.copy()
        return {name: owned(item) for name, item in value.items()}
    if kind is tuple:
        if _PLAIN.issuperset(map(type, value)):
            return value
        return tuple(owned(item) for item in value)
    if isinstance(value, pd.DataFrame | pd.Series | pd.Index):
        return value.copy(deep=False)  # copy-on-write: a change is the caller's
    if isinstance(value, Enum | frozenset | np.generic):
        return value
    if isinstance(value, set):
        return set(value)
    if isinstance(value, np.ndarray):
        return copy.deepcopy(value) if value.dtype == object else value.copy()
    if isinstance(value, BaseModel):
        fields = vars(value).values()
        if value.model_config.get("frozen") and all(map(_unchangeable, fields)):
            return value  # a user's record
        return value.model_copy(deep=True)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        mine = copy.copy(value)
        for field in dataclasses.fields(value):
            item = getattr(value, field.name)
            if type(item) not in _PLAIN:
                object.__setattr__(mine, field.name, owned(item))  # frozen too
        return mine
    return copy.deepcopy(value)


def _unchangeable(value: Any) -> bool:
    return type(value) in _PLAIN or isinstance(value, Enum)


class Kept:
    """Up to ``most`` answers by key, the least recently asked forgotten
    first. A question asked while another session is asking it waits for that
    answer rather than asking it again; if that asker fails, a waiter asks."""

    def __init__(self, most: int) -> None:
        self.most = most
        self._answers: OrderedDict[Hashable, Any] = OrderedDict()
        self._asking: dict[Hashable, threading.Event] = {}
        self._lock = threading.Lock()
        self._cleared = 0

    def __len__(self) -> int:
        return len(self._answers)

    def answer(self, key: Hashable, ask: Callable[[], T]) -> T:
        """The answer kept under ``key``, else ``ask()``'s, kept; either way
        the caller's own (:func:`owned`, copied outside the lock)."""
        while True:
            with self._lock:
                if key in self._answers:
                    self._answers.move_to_end(key)
                    found, asked = self._answers[key], None
                    break
                asked = self._asking.get(key)
                if asked is None:  # this caller asks, once the lock is let go
                    asked = self._asking[key] = threading.Event()
                    at = self._cleared
                    break
            asked.wait()  # then look again: kept, or ask it here
        if asked is None:
            return owned(found)
        return self._asked_here(key, ask, asked, at)

    def _asked_here(
        self, key: Hashable, ask: Callable[[], T], asked: threading.Event, at: int
    ) -> T:
        try:
            found = ask()
            with self._lock:
                if at == self._cleared:  # not an answer from before clear()
                    self._answers[key] = found
                    while len(self._answers) > self.most:
                        self._answers.popitem(last=False)
            return owned(found)
        finally:
            with self._lock:
                del self._asking[key]
            asked.set()

    def forget(self, which: Callable[[Hashable], bool]) -> int:
        """Forget the answers whose key ``which`` picks; how many."""
        with self._lock:
            gone = [key for key in self._answers if which(key)]
            for key in gone:
                del self._answers[key]
        return len(gone)

    def clear(self) -> None:
        """Forget every answer, and any being asked now."""
        with self._lock:
            self._answers.clear()
            self._cleared += 1
