"""Answers kept in memory and handed to many callers.

A kept answer is shared by every session of the server, so each caller is
handed its own: :func:`owned` copies what a caller could change (tables,
lists, dicts, records) and shares what it cannot (numbers, text, dates, and a
table's columns, which pandas copies only when one of them is written to).
That is a fraction of unpickling a stored copy, which Streamlit's
``st.cache_data`` does on every read (a 10,000-school table took 2 to 3 ms a
read, a list of 30,000 reviews 9 ms).

:class:`Kept` holds the answers, the least recently asked forgotten first,
and asks a question once however many sessions ask it at the same time.
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
    if isinstance(value, pd.DataFrame | pd.Series):
        return value.copy(deep=False)  # copy-on-write: a change is the caller's
    if isinstance(value, Enum | pd.Index | frozenset | np.generic):
        return value
    if isinstance(value, set):
        return set(value)
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, BaseModel) and value.model_config.get("frozen"):
        return value  # its fields are plain values (a user's record)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        mine = copy.copy(value)
        for name, item in vars(value).items():
            if type(item) not in _PLAIN:
                object.__setattr__(mine, name, owned(item))  # frozen ones too
        return mine
    return copy.deepcopy(value)


class Kept:
    """Up to ``most`` answers by key, the least recently asked forgotten
    first. A question asked while another session is asking it waits for that
    answer rather than asking it again; an asker that fails leaves the next
    waiter to ask."""

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
        the caller's own (:func:`owned`)."""
        while True:
            with self._lock:
                if key in self._answers:
                    self._answers.move_to_end(key)
                    return owned(self._answers[key])
                asked = self._asking.get(key)
                if asked is None:
                    asked = self._asking[key] = threading.Event()
                    cleared = self._cleared
                    break
            asked.wait()  # then look again: kept, or ask it here
        try:
            found = ask()
            with self._lock:
                if cleared == self._cleared:  # not an answer from before clear()
                    self._answers[key] = found
                    while len(self._answers) > self.most:
                        self._answers.popitem(last=False)
            return owned(found)
        finally:
            with self._lock:
                del self._asking[key]
            asked.set()

    def clear(self) -> None:
        """Forget every answer, and any being asked now."""
        with self._lock:
            self._answers.clear()
            self._cleared += 1
