"""Caching a question the package answers for one user.

A cached answer that depends on who asks must be keyed on who asks, or one
user's data reaches another. :func:`cached_for_user` keys every answer on the
data file, the user's id, role, school and network, and the store's data
version, so that a write anywhere is seen on the next read.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, Concatenate, ParamSpec, TypeVar

import streamlit as st

from sqr_tracker.models import User
from sqr_tracker.store import Store

P = ParamSpec("P")
T = TypeVar("T")


@st.cache_data(show_spinner=False, max_entries=512)
def _answer(
    what: str,
    path: str,
    version: int,
    user: tuple | None,
    role: str | None,
    args: tuple,
    kwargs: tuple,
    _func: Callable[..., Any],
    _store: Store,
    _user: User | None,
) -> Any:
    return _func(_store, _user, *args, **dict(kwargs))


def user_key(user: User | None) -> tuple | None:
    """Everything about a user that an answer may depend on."""
    if user is None:
        return None
    return (user.id, user.role.value, user.school_id, user.network_id, user.active)


def cached_for_user(
    func: Callable[Concatenate[Store, User | None, P], T],
) -> Callable[Concatenate[Store, User | None, P], T]:
    """Cache ``func(store, user, ...)``, one answer per user, role and data
    version. Its other arguments must be hashable by ``st.cache_data``."""
    what = f"{func.__module__}.{func.__qualname__}"

    @functools.wraps(func)
    def cached(store: Store, user: User | None, *args: P.args, **kwargs: P.kwargs) -> T:
        return _answer(
            what,
            str(store.path),
            store.data_version(),
            user_key(user),
            user.role.value if user is not None else None,
            args,
            tuple(sorted(kwargs.items())),
            func,
            store,
            user,
        )

    cached.uncached = func  # type: ignore[attr-defined]
    return cached


def clear() -> None:
    """Forget every cached answer (a restored backup, a test)."""
    _answer.clear()
