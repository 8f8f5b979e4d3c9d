"""Update compliance: which schools wrote their monthly check-in, and whom to
nudge when a school did not.

A school checked in for a month when any check-in of its plan was written in
that calendar month, from midnight on the 1st up to (not including) midnight on
the 1st of the next. The central office sees every school; a network lead sees
the schools of their network.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pandas as pd

from sqr_tracker.auth import of_record, visible_school_ids
from sqr_tracker.errors import NotFound, PermissionDenied, SqrError
from sqr_tracker.models import Role, User
from sqr_tracker.store import Store

# The roles that see across schools: the district view is theirs.
DISTRICT_ROLES = frozenset({Role.CENTRAL_OFFICE, Role.NETWORK_LEAD})
# Consecutive months missed after which the network lead is asked too.
NUDGE_LEAD_AFTER = 2
COLUMNS = [
    "school_id", "school", "network", "level", "checked_in", "check_ins",
    "last_check_in", "days_since", "months_missed", "nudge", "nudge_emails",
]  # fmt: skip


def district_scope(
    store: Store, user: User | None, network_id: int | None = None
) -> list[int] | None:
    """The schools a district view covers: all of them (None) for the central
    office, their network's for a network lead; ``network_id`` narrows it to one
    network. Other roles are refused."""
    user = of_record(store, user)
    if user is None or not user.active:
        raise PermissionDenied("Sign in to see the schools you follow.")
    if user.role not in DISTRICT_ROLES:
        raise PermissionDenied(
            f"A {user.role.label.lower()} cannot see across schools: that view is "
            "for the central office and network leads."
        )
    scope = visible_school_ids(store, user)
    if network_id is None:
        return scope
    if network_id not in set(store.networks()["id"]):
        raise NotFound(f"No network with id {network_id}.")
    if scope is not None and network_id != user.network_id:
        raise PermissionDenied(
            "A network lead can see only the schools of their network."
        )
    return store.school_ids_in_network(network_id)


# -- months ------------------------------------------------------------------------


def next_month(month: date) -> date:
    """The first day of the month after ``month``'s."""
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1)


def months_between(earlier: date, later: date) -> int:
    """Calendar months from ``earlier``'s month to ``later``'s (0: the same)."""
    return (later.year - earlier.year) * 12 + later.month - earlier.month


def month_label(month: date) -> str:
    """'November 2026'."""
    return f"{month:%B %Y}"


def recent_months(today: date, count: int = 12) -> list[date]:
    """The first days of this month and the ``count - 1`` before it, newest first."""
    months = [today.replace(day=1)]
    while len(months) < count:
        months.append((months[-1] - timedelta(days=1)).replace(day=1))
    return months


# -- compliance --------------------------------------------------------------------


def compliance(
    store: Store,
    user: User | None,
    month: date,
    today: date,
    *,
    network_id: int | None = None,
) -> pd.DataFrame:
    """One row per school in the user's scope on its check-ins for ``month``.

    ``checked_in`` and ``check_ins`` count what was written in that calendar
    month; ``last_check_in`` is the latest check-in written up to the month's
    end, ``days_since`` the days from it to the month's last day (to ``today``
    while the month is under way), and ``months_missed`` the consecutive months
    up to and including ``month`` without a check-in (for a school that never
    checked in, counted from the month of the district's first check-in).
    ``nudge`` names whom to ask, and ``nudge_emails`` their addresses: the site
    team and principal, and from ``NUDGE_LEAD_AFTER`` months missed (or when the
    school has neither) the network lead too. Schools that missed the month come
    first, the longest missing first; those that checked in follow by name.
    """
    scope = district_scope(store, user, network_id)
    month = month.replace(day=1)
    if month > today:
        raise SqrError(
            f"{month_label(month)} has not begun yet (today is {today:%-d %b %Y})."
        )
    ends = next_month(month)
    counts = store.monthly_update_counts(
        scope, datetime.combine(month, time()), datetime.combine(ends, time())
    )
    first = store.first_check_in_before(datetime.combine(ends, time()))
    as_of = min(today, ends - timedelta(days=1))
    since = first.date() if first else month
    rows = [
        _standing(check_ins, last, month, as_of, since)
        for check_ins, last in zip(
            counts["check_ins"].tolist(), counts["last_check_in"].tolist(), strict=True
        )
    ]
    standing = pd.DataFrame(rows, index=counts.index, columns=list(_STANDING))
    found = counts.assign(**standing)
    found = found.astype(
        {"checked_in": bool, "days_since": "Int64", "months_missed": int}
    )
    found = _with_nudges(store, found)
    missed = found[~found["checked_in"]].sort_values(
        ["months_missed", "never", "days_since", "school"],
        ascending=[False, False, False, True],
        kind="stable",
    )
    done = found[found["checked_in"]].sort_values("school", kind="stable")
    return pd.concat([missed, done])[COLUMNS].reset_index(drop=True)


_STANDING = ("checked_in", "last_check_in", "days_since", "never", "months_missed")


def _standing(
    check_ins: int, last_check_in: object, month: date, as_of: date, first: date
) -> dict:
    """A school's check-in standing for the month, from its counts."""
    last = None if pd.isna(last_check_in) else pd.Timestamp(last_check_in)
    last_day = last.date() if last is not None else None
    if check_ins:
        missed = 0
    elif last_day is not None:
        missed = months_between(last_day, month)
    else:
        missed = months_between(first, month) + 1
    return {
        "checked_in": bool(check_ins),
        "last_check_in": last_day,
        "days_since": max((as_of - last_day).days, 0) if last_day else None,
        "never": last_day is None,
        "months_missed": missed,
    }


# A school's people to ask, by kind of contact: {contact: (names, emails)}, the
# names and the emails each joined with commas.
Contacts = dict[str, tuple[str, str]]


def _with_nudges(store: Store, found: pd.DataFrame) -> pd.DataFrame:
    """Whom to ask about each school that missed the month, and their emails."""
    school, lead = _contacts(store, found["school_id"].astype(int).tolist())
    columns = (found[c].tolist() for c in ("school_id", "checked_in", "months_missed"))
    nudges = [
        ("", "")
        if checked_in
        else _nudge(school.get(school_id, {}), lead.get(school_id, {}), missed)
        for school_id, checked_in, missed in zip(*columns, strict=True)
    ]
    return found.assign(
        nudge=[text for text, _ in nudges], nudge_emails=[mail for _, mail in nudges]
    )


def _contacts(
    store: Store, school_ids: list[int]
) -> tuple[dict[int, Contacts], dict[int, Contacts]]:
    """Per school: its site team and principal, and its network lead."""
    school: dict[int, Contacts] = {}
    lead: dict[int, Contacts] = {}
    found = store.school_contacts(school_ids)
    columns = (found[c].tolist() for c in ("school_id", "contact", "names", "emails"))
    for school_id, contact, names, emails in zip(*columns, strict=True):
        side = lead if contact == "network lead" else school
        side.setdefault(school_id, {})[contact] = (names, emails)
    return school, lead


def _nudge(ours: Contacts, lead: Contacts, months_missed: int) -> tuple[str, str]:
    """'site team: A, B; principal: C' and their emails; the network lead is
    added after NUDGE_LEAD_AFTER months missed, or when the school has nobody."""
    escalate = months_missed >= NUDGE_LEAD_AFTER or not ours
    chosen = {**ours, **lead} if escalate else ours
    if not chosen:
        return "nobody on record: ask the central office", ""
    text = "; ".join(f"{kind}: {names}" for kind, (names, _) in chosen.items())
    return text, ", ".join(emails for _, emails in chosen.values())


def by_network(found: pd.DataFrame) -> pd.DataFrame:
    """Per network: its schools, how many checked in, how many did not, and how
    many missed ``NUDGE_LEAD_AFTER`` months or more."""
    summary = found.groupby("network", sort=True).agg(
        schools=("school_id", "size"),
        checked_in=("checked_in", "sum"),
        missed_two_or_more=(
            "months_missed",
            lambda m: int((m >= NUDGE_LEAD_AFTER).sum()),
        ),
    )
    summary["not_checked_in"] = summary["schools"] - summary["checked_in"]
    columns = ["schools", "checked_in", "not_checked_in", "missed_two_or_more"]
    return summary[columns].astype(int).reset_index()


def headline(found: pd.DataFrame, month: date) -> str:
    """'2 of 3 schools checked in for November 2026'."""
    checked = int(found["checked_in"].sum())
    total = len(found)
    schools = "school" if total == 1 else "schools"
    return f"{checked} of {total} {schools} checked in for {month_label(month)}"


def not_checked_in(found: pd.DataFrame) -> pd.DataFrame:
    """The schools that missed the month, with whom to nudge."""
    return found[~found["checked_in"]].reset_index(drop=True)
