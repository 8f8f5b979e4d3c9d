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

:class:`Kept` holds the answers, the least recently asked forgotten first
once there are too many or they weigh too much (:func:`size_of`): a state's
answers run to megabytes each (a school's exemplars about 2 MB), and every
school's people ask their own. A question that several sessions ask at the
same moment is asked by the first; the others wait for its answer.
"""

from __future__ import annotations

import copy
import dataclasses
import logging
import sys
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from enum import Enum
from typing import Any, TypeVar

import numpy as np
import pandas as pd
import pyarrow as pa
from pydantic import BaseModel

T = TypeVar("T")
_LOGGER = logging.getLogger(__name__)

# Values no caller can change in place: shared as they are.
_PLAIN = frozenset(
    {str, int, float, bool, bytes, type(None), date, datetime, time, timedelta}
    | {Decimal, pd.Timestamp, type(pd.NaT), pd.Timedelta}
)
# Arrow's tables and columns cannot be changed either; they are shared too.
_ARROW = pa.Table | pa.RecordBatch | pa.Array | pa.ChunkedArray


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
    if isinstance(value, Enum | frozenset | np.generic | _ARROW):
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
        fields = dataclasses.fields(value)
        items = {field.name: getattr(value, field.name) for field in fields}
        frozen = value.__dataclass_params__.frozen  # type: ignore[attr-defined]
        if frozen and all(map(_unchangeable, items.values())):
            return value  # a frozen record of plain values
        mine = copy.copy(value)
        for name, item in items.items():
            if type(item) not in _PLAIN:
                object.__setattr__(mine, name, owned(item))  # frozen too
        return mine
    return copy.deepcopy(value)


def _unchangeable(value: Any) -> bool:
    return type(value) in _PLAIN or isinstance(value, Enum)


# Items of a container weighed one by one; a longer one is weighed by a sample.
_SAMPLE = 64


def size_of(value: Any) -> int:
    """About how many bytes ``value`` holds in memory: a table's columns as
    stored (text in Python objects counted too), containers with what they
    hold, a long container from an even sample of its items."""
    kind = type(value)
    if kind is str:
        return 49 + len(value)
    if kind in _PLAIN or isinstance(value, Enum):
        return 32
    if isinstance(value, pd.DataFrame):
        columns = sum(_column_bytes(column) for _, column in value.items())
        return int(value.index.nbytes) + columns
    if isinstance(value, pd.Series):
        return int(value.index.nbytes) + _column_bytes(value)
    if isinstance(value, pd.Index | np.ndarray):
        deep = value.dtype == object and len(value)
        return int(value.nbytes) + (_items_bytes(list(value)) if deep else 0)
    if isinstance(value, _ARROW):  # a slice holds on to the whole buffers
        return int(value.get_total_buffer_size())
    if isinstance(value, dict):
        return 64 + 40 * len(value) + _items_bytes([*value.keys(), *value.values()])
    if isinstance(value, list | tuple | set | frozenset):
        return 64 + 8 * len(value) + _items_bytes(list(value))
    if isinstance(value, BaseModel):
        return 64 + _items_bytes(list(vars(value).values()))
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = dataclasses.fields(value)
        return 64 + _items_bytes([getattr(value, field.name) for field in fields])
    return sys.getsizeof(value)


def _items_bytes(items: list) -> int:
    if len(items) <= _SAMPLE:
        return sum(map(size_of, items))
    # Positions spread by a stride that need not be whole, so that items that
    # alternate are both weighed.
    sample = [items[len(items) * n // _SAMPLE] for n in range(_SAMPLE)]
    return sum(map(size_of, sample)) * len(items) // _SAMPLE


def _column_bytes(column: pd.Series) -> int:
    if column.dtype == object:  # pandas weighs each object
        return int(column.memory_usage(index=False, deep=True))
    values = column.array
    if isinstance(values, pd.arrays.ArrowExtensionArray):
        # A slice (a table's first rows) holds on to the whole column's buffers.
        return int(values.__arrow_array__().get_total_buffer_size())
    return int(values.nbytes)


class Kept:
    """Up to ``most`` answers by key, together up to ``most_bytes``
    (:func:`size_of`), the least recently asked forgotten first; an answer
    that alone weighs more than a quarter of that is not kept. A question
    asked while another session is asking it waits for that answer rather
    than asking it again; if that asker fails, a waiter asks."""

    def __init__(self, most: int, most_bytes: int | None = None) -> None:
        self.most = most
        self.most_bytes = most_bytes
        self._answers: OrderedDict[Hashable, Any] = OrderedDict()
        self._sizes: dict[Hashable, int] = {}
        self.bytes = 0
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
            size = self._weight(found)
            with self._lock:
                if at == self._cleared:  # not an answer from before clear()
                    self._keep(key, found, size)
            return owned(found)
        finally:
            with self._lock:
                del self._asking[key]
            asked.set()

    def _weight(self, found: Any) -> int | None:
        """``size_of(found)`` where the answers are weighed (else 0); None
        for an answer it cannot weigh, which is then not kept."""
        if self.most_bytes is None:
            return 0
        try:
            return size_of(found)
        except Exception:  # a best guess must not fail the page
            _LOGGER.warning("could not weigh a %s; not kept", type(found).__name__)
            return None

    def _keep(self, key: Hashable, found: Any, size: int | None) -> None:
        """Keep ``found`` unless it could not be weighed or alone weighs more
        than a quarter of what may be kept (it would push out every other),
        then forget the least recently asked answers while there are too
        many or they weigh too much (under the lock)."""
        if key in self._answers:
            self._drop(key)
        if size is None or (
            self.most_bytes is not None and size > self.most_bytes // 4
        ):
            _LOGGER.debug("an answer of %s bytes is not kept", size)
            return
        self._answers[key], self._sizes[key] = found, size
        self.bytes += size
        while len(self._answers) > self.most or self._too_heavy():
            self._drop(next(iter(self._answers)))

    def _too_heavy(self) -> bool:
        return self.most_bytes is not None and self.bytes > self.most_bytes

    def _drop(self, key: Hashable) -> None:
        del self._answers[key]
        self.bytes -= self._sizes.pop(key)

    def forget(self, which: Callable[[Hashable], bool]) -> int:
        """Forget the answers whose key ``which`` picks; how many."""
        with self._lock:
            gone = [key for key in self._answers if which(key)]
            for key in gone:
                self._drop(key)
        return len(gone)

    def clear(self) -> None:
        """Forget every answer, and any being asked now."""
        with self._lock:
            self._answers.clear()
            self._sizes.clear()
            self.bytes = 0
            self._cleared += 1
