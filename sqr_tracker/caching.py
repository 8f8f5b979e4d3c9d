"""Caching a question the package answers for one user.

A cached answer that depends on who asks must be keyed on who asks, or one
user's data reaches another. :func:`cached_for_user` keys every answer on the
data file, the store's data version (so that a write anywhere is seen on the
next read) and what the user may see: their role, school and network, and
whether their account is active. Those fix every scope of the permission matrix
but a reviewer's, which is the reviews they are assigned to, so a reviewer's
answers are also keyed on who they are; so are the answers of a function cached
``per_person``, which mark the user's own rows. Two people who see the same
schools share the rest: the second central office user to open a page is
answered from memory.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, Concatenate, ParamSpec, TypeVar

import streamlit as st

from sqr_tracker.auth import PERMISSIONS, Scope
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


# The roles whose scope is a list of assignments held for them by name.
ASSIGNED = frozenset(
    role
    for roles in PERMISSIONS.values()
    for role, scope in roles.items()
    if scope in (Scope.REVIEW_TEAM, Scope.REVIEW_LEAD)
)


def user_key(user: User | None, *, per_person: bool = False) -> tuple | None:
    """Everything about a user that an answer may depend on: who they are only
    where their scope (or the answer) is theirs alone."""
    if user is None:
        return None
    person = user.id if per_person or user.role in ASSIGNED else None
    return (person, user.role.value, user.school_id, user.network_id, user.active)


def cached_for_user(
    func: Callable[Concatenate[Store, User | None, P], T],
    *,
    per_person: bool = False,
) -> Callable[Concatenate[Store, User | None, P], T]:
    """Cache ``func(store, user, ...)``, one answer per scope (or person, see
    above) and data version. Its other arguments must be hashable by
    ``st.cache_data``."""
    what = f"{func.__module__}.{func.__qualname__}"

    @functools.wraps(func)
    def cached(store: Store, user: User | None, *args: P.args, **kwargs: P.kwargs) -> T:
        return _answer(
            what,
            str(store.path),
            store.data_version(),
            user_key(user, per_person=per_person),
            user.role.value if user is not None else None,
            args,
            tuple(sorted(kwargs.items())),
            func,
            store,
            user,
        )

    cached.uncached = func  # type: ignore[attr-defined]
    cached.per_person = per_person  # type: ignore[attr-defined]
    return cached


def clear() -> None:
    """Forget every cached answer (a restored backup, a test)."""
    _answer.clear()
