"""Shared fixtures: a small hand-built district in a real DuckDB file."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import fields
from datetime import date, datetime
from typing import TypeVar

import pandas as pd
import pytest
from streamlit.runtime.media_file_manager import MediaFileManager

from sqr_tracker.models import Role, User
from sqr_tracker.store import Store

TODAY = date(2026, 12, 3)
# The small district's school 1 as its one published review rated it, with how
# strong the evidence behind each rating is.
SCHOOL_1_LEVELS = [
    {"code": "S1", "standard": "Quality learning experiences for all students",
     "2024–25": "Developing", "change": None, "evidence": "moderate"},
    {"code": "S2", "standard": "Safe, supportive, and healthy learning environments",
     "2024–25": "Proficient", "change": None, "evidence": "none"},
]  # fmt: skip

# id, email, name, role, school_id, network_id
PEOPLE = [
    (1, "principal.a@test.sqr", "Ana Principal", "principal", 1, None),
    (2, "team.a@test.sqr", "Tomas Team", "site_team", 1, None),
    (3, "principal.b@test.sqr", "Bea Principal", "principal", 2, None),
    (4, "team.c@test.sqr", "Cy Team", "site_team", 3, None),
    (5, "lead.north@test.sqr", "Nia Lead", "network_lead", None, 1),
    (6, "lead.south@test.sqr", "Sol Lead", "network_lead", None, 2),
    (7, "office@test.sqr", "Olu Office", "central_office", None, None),
    (8, "reviewer.lead@test.sqr", "Rae Lead-Reviewer", "reviewer", None, None),
    (9, "reviewer.team@test.sqr", "Rex Reviewer", "reviewer", 3, None),
    (10, "reviewer.other@test.sqr", "Ria Elsewhere", "reviewer", None, None),
    (11, "viewer@test.sqr", "Vic Viewer", "viewer", None, None),
    (12, "gone@test.sqr", "Gus Gone", "principal", 1, None),
]


def _frame(rows: list[tuple], columns: str) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=columns.split())


def small_district() -> dict[str, pd.DataFrame]:
    """Three schools in two networks, two standards (one with a sub-standard),
    one user of every role, a published review of school 1 and its plan, and a
    second review of school 1 whose report is being written."""
    users = _frame(PEOPLE, "id email name role school_id network_id")
    users["active"] = users["id"] != 12
    users[["school_id", "network_id"]] = users[["school_id", "network_id"]].astype(
        "Int64"
    )
    stamp = datetime(2025, 9, 1, 9, 0)
    return {
        "networks": _frame([(1, "North"), (2, "South")], "id name"),
        "schools": _frame(
            [
                (1, "Alder Elementary", "elementary", 1, 420, 0.7, 0.3, 0.12, 1),
                (2, "Birch Middle School", "middle", 1, 610, 0.5, 0.2, 0.10, 3),
                (3, "Cedar High School", "high", 2, 1200, 0.4, 0.1, 0.09, None),
            ],
            "id name level network_id enrollment pct_low_income "
            "pct_english_learners pct_disabilities principal_id",
        ).astype({"principal_id": "Int64"}),
        "users": users,
        "standards": _frame(
            [
                (1, "S1", "Quality learning experiences for all students", 1, None),
                (
                    2,
                    "S2",
                    "Safe, supportive, and healthy learning environments",
                    2,
                    None,
                ),
                (3, "S1.1", "Rigorous instruction", 1, 1),
            ],
            "id code name sort_order parent_id",
        ).astype({"parent_id": "Int64"}),
        "rating_levels": _frame(
            [(1, "Emerging"), (2, "Developing"), (3, "Proficient"), (4, "Exemplary")],
            "level label",
        ),
        "reviews": _frame(
            [
                (
                    1,
                    1,
                    2024,
                    "action planning",
                    date(2024, 9, 1),
                    date(2024, 11, 4),
                    date(2024, 11, 6),
                    date(2025, 1, 15),
                    date(2025, 1, 15),
                    8,
                ),
                (
                    2,
                    3,
                    2026,
                    "site visit",
                    date(2026, 9, 1),
                    date(2026, 12, 1),
                    date(2026, 12, 3),
                    None,
                    None,
                    8,
                ),
                (
                    3,
                    1,
                    2027,
                    "report",
                    date(2027, 9, 1),
                    date(2027, 11, 2),
                    date(2027, 11, 4),
                    None,
                    None,
                    8,
                ),
            ],
            "id school_id cycle_year phase starts_on visit_starts_on visit_ends_on "
            "report_on published_on lead_reviewer_id",
        ),
        "review_team": _frame(
            [
                (1, 8, "lead"),
                (1, 9, "reviewer"),
                (2, 8, "lead"),
                (3, 8, "lead"),
                (3, 9, "reviewer"),
            ],
            "review_id user_id team_role",
        ),
        "review_focus": _frame([(1, 1), (2, 2)], "review_id standard_id"),
        "ratings": _frame(
            [
                (1, 1, 1, "self-reflection", None, 3),
                (2, 1, 2, "self-reflection", None, 2),
                (3, 1, 1, "consensus", None, 2),
                (4, 1, 2, "consensus", None, 3),
                (5, 1, 1, "reviewer", 9, 2),
                (6, 3, 2, "self-reflection", None, 2),
                (7, 3, 2, "consensus", None, 3),
            ],
            "id review_id standard_id rater_kind rater_id level",
        ).astype({"rater_id": "Int64"}),
        "findings": _frame(
            [
                (
                    1,
                    1,
                    1,
                    "Teachers plan together weekly.",
                    "Checks for understanding.",
                ),
                (2, 3, 1, "Lessons open with a clear purpose.", ""),
            ],
            "id review_id standard_id strengths areas_for_growth",
        ),
        "evidence": _frame(
            [
                (1, 1, "survey", "Family survey", 40, 400),
                (2, 1, "interview", "", None, None),
            ],
            "id finding_id source description survey_respondents survey_invited",
        ).astype({"survey_respondents": "Int64", "survey_invited": "Int64"}),
        "measures": _frame(
            [
                (1, "attendance", "Attendance rate", "%", True, "monthly"),
                (2, "suspension", "Suspension rate", "%", False, "yearly"),
            ],
            "id code name unit higher_is_better frequency",
        ),
        "goals": _frame(
            [
                (
                    1,
                    1,
                    1,
                    1,
                    "Every lesson checks for understanding",
                    50.0,
                    80.0,
                    1,
                    stamp,
                )
            ],
            "id school_id standard_id review_id statement baseline target "
            "created_by created_on",
        ),
        "milestones": _frame(
            [(1, 1, "Half of classrooms observed use exit tickets", date(2026, 1, 31))],
            "id goal_id description due_on",
        ),
        "action_steps": _frame(
            [
                (
                    1,
                    1,
                    "Exit-ticket training for all teachers",
                    "Assistant principal",
                    date(2025, 9, 1),
                    date(2026, 6, 1),
                    "in progress",
                )
            ],
            "id goal_id description owner starts_on due_on status",
        ),
        "check_ins": _frame(
            [
                (
                    1,
                    1,
                    None,
                    1,
                    "in progress",
                    "Half the staff trained",
                    2,
                    datetime(2026, 11, 5, 15, 0),
                )
            ],
            "id school_id goal_id action_step_id status note written_by written_on",
        ).astype({"goal_id": "Int64"}),
    }


@pytest.fixture
def store(tmp_path) -> Store:
    """A fresh data file holding the small district."""
    opened = Store.open(tmp_path / "district.duckdb")
    opened.bulk_load(small_district(), {"is_demo": "false"})
    yield opened
    opened.close()


@pytest.fixture
def people(store: Store) -> dict[str, User]:
    """The small district's users by email prefix (``principal.a`` and so on)."""
    return {email.split("@")[0]: store.user_by_email(email) for _, email, *_ in PEOPLE}


def as_role(role: Role, **scope) -> User:
    return User(id=999, email="x@test.sqr", name="X", role=role, **scope)


def assert_same_answer(found, expected) -> None:
    """Two answers of one dataclass hold the same values, field by field (frames
    exactly): a faster path gives what the definition it replaced gave."""
    for field in fields(found):
        mine, theirs = getattr(found, field.name), getattr(expected, field.name)
        if isinstance(mine, pd.DataFrame):
            pd.testing.assert_frame_equal(mine, theirs, check_exact=True)
        else:
            assert mine == theirs, field.name


@pytest.fixture
def deferred(monkeypatch) -> dict[str, dict]:
    """Each download the pages register, by its file id: the callable that
    makes the data (a download button's data is made only when clicked), the
    file name and the type."""
    made: dict[str, dict] = {}
    original = MediaFileManager.add_deferred

    def add(self, data_callable, mimetype, coordinates, file_name=None, **kwargs):
        file_id = original(
            self, data_callable, mimetype, coordinates, file_name, **kwargs
        )
        made[file_id] = {"data": data_callable, "name": file_name, "mime": mimetype}
        return file_id

    monkeypatch.setattr(MediaFileManager, "add_deferred", add)
    return made


H = TypeVar("H", bound=logging.Handler)


class Statements(logging.Handler):
    """The SQL statements the store runs while it is attached."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.seen: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.seen.append(record.getMessage().split("  ", 1)[1])


@contextmanager
def listening(name: str, handler: H) -> Iterator[H]:
    """``handler`` on the logger ``name`` at debug level, for a fixture's span;
    the logger is left as it was."""
    log = logging.getLogger(name)
    level = log.level
    log.addHandler(handler)
    log.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        log.removeHandler(handler)
        log.setLevel(level)


@pytest.fixture
def statements():
    """The SQL statements the store runs during the test, in order."""
    with listening("sqr_tracker.sql", Statements()) as found:
        yield found.seen
