"""Caching a question the package answers for one user.

A cached answer that depends on who asks must be keyed on who asks, or one
user's data reaches another. :func:`cached_for_user` keys every answer on the
data file, the store's data version (so that a write anywhere is seen on the
next read) and what the user may see: their role, school and network, and
whether their account is active, as the store holds them when asked. Those fix
every scope of the permission matrix but a reviewer's, which is the reviews
they are assigned to, so a reviewer's answers are also keyed on who they are;
so are the answers of a function cached ``per_person``, which mark the user's
own rows. Two people who see the same schools share the rest: the second
central office user to open a page is answered from memory.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Concatenate, ParamSpec, TypeVar

from sqr_tracker.auth import PERMISSIONS, Scope, same_person
from sqr_tracker.kept import Kept
from sqr_tracker.models import Role, User
from sqr_tracker.store import Store

P = ParamSpec("P")
T = TypeVar("T")


# Every session's answers, kept by the process (see ``kept``), and the latest
# data version seen of each file: an answer of an older version is never
# asked for again (a write only moves the version on), so it is let go.
# Every page of every role at state scale keeps about 47 MB; a state's
# schools each add their own answers, so the bytes are capped. Most answers
# are small (a school's choices, a page's counts): fifty people on the
# 80-school demo district ask for more than 512 in a few minutes while they
# weigh 5 MB, and an answer forgotten for want of room is worked out again,
# so the count is capped far above that and the bytes decide.
ANSWER_BYTES = 64 * 2**20
ANSWER_COUNT = 8192
_ANSWERS = Kept(most=ANSWER_COUNT, most_bytes=ANSWER_BYTES)
_LATEST: dict[str, int] = {}

# Scopes that the role, school and network decide; any other (a reviewer's
# assignments, or a scope added later) keeps the person in the key.
SHARED_SCOPES = frozenset({Scope.ANY, Scope.OWN_SCHOOL, Scope.OWN_NETWORK})
SHARED_ROLES = frozenset(Role) - {
    role
    for roles in PERMISSIONS.values()
    for role, scope in roles.items()
    if scope not in SHARED_SCOPES
}


def user_key(user: User | None, *, per_person: bool = False) -> tuple | None:
    """Everything about a user that an answer may depend on: who they are only
    where their scope (or the answer) is theirs alone."""
    if user is None:
        return None
    shared = user.role in SHARED_ROLES and not per_person
    person = None if shared else user.id
    return (person, user.role.value, user.school_id, user.network_id, user.active)


def cached_for_user(
    func: Callable[Concatenate[Store, User | None, P], T],
    *,
    per_person: bool = False,
) -> Callable[Concatenate[Store, User | None, P], T]:
    """Cache ``func(store, user, ...)``, one answer per scope (or person, see
    above) and data version. Its other arguments are part of the key, so
    they must be hashable."""
    what = f"{func.__module__}.{func.__qualname__}"

    @functools.wraps(func)
    def cached(store: Store, user: User | None, *args: P.args, **kwargs: P.kwargs) -> T:
        # The key is the user as stored now, read with the version: a session's
        # copy made before a change of role or scope must not file its answer
        # under its old scope, where the people still in it would read it.
        if user is None:  # signed out: asked afresh, to refuse
            return func(store, user, *args, **kwargs)
        version, stored = store.version_and_user(user.id)
        record = same_person(user, stored)
        if record is None:  # not a user of this file: asked afresh, to refuse
            return func(store, user, *args, **kwargs)
        path = str(store.path)
        if version != _LATEST.get(path):
            _moved_on(path, version)
        seen_as = user_key(record, per_person=per_person)
        key = (what, path, version, seen_as, args, *sorted(kwargs.items()))
        return _ANSWERS.answer(key, lambda: func(store, record, *args, **kwargs))

    cached.uncached = func  # type: ignore[attr-defined]
    cached.per_person = per_person  # type: ignore[attr-defined]
    return cached


def _moved_on(path: str, version: int) -> None:
    """The file's data version is ``version``: forget its older answers."""
    if version > _LATEST.get(path, -1):
        _LATEST[path] = version
        _ANSWERS.forget(lambda key: key[1] == path and key[2] < version)


def clear() -> None:
    """Forget every cached answer (a restored backup, a test)."""
    _ANSWERS.clear()
    _LATEST.clear()
