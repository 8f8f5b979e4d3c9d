"""The demo district: a fictional district generated deterministically.

Every table is drawn from one ``numpy.random.default_rng(seed)`` and from the
phrase banks in ``data/demo_district.json``; every date derives from ``today``,
never from the clock, so the same seed and day always give the same district.
The build works on whole columns (numpy arrays, ragged rows expanded with
``np.repeat``), so that a state-scale district of 10,000 schools and several
million rows takes seconds rather than hours.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import re
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sqr_tracker.errors import DataFileInUse, NotADemoFile
from sqr_tracker.models import (
    Phase,
    PlanStatus,
    RaterKind,
    Role,
    SchoolLevel,
    Source,
    StepStatus,
    SupportStatus,
)
from sqr_tracker.store import Store

_LOGGER = logging.getLogger(__name__)

DEMO_DATA = Path(__file__).resolve().parent.parent / "data" / "demo_district.json"

_LEVELS = (SchoolLevel.ELEMENTARY, SchoolLevel.MIDDLE, SchoolLevel.HIGH)
_PHASES = tuple(Phase)
_STEP_STATUSES = tuple(StepStatus)
_NOT_STARTED, _IN_PROGRESS, _DONE, _BLOCKED = range(4)
_REPORT = _PHASES.index(Phase.REPORT)
_ROLES = (
    Role.CENTRAL_OFFICE, Role.NETWORK_LEAD, Role.REVIEWER, Role.PRINCIPAL,
    Role.SITE_TEAM, Role.VIEWER,
)  # fmt: skip
_YEARS = 9  # three review cycles of three years each
_CYCLES = 3
_STANDARDS = 6  # top-level standards
_FOCUS = 3  # focus standards per review
_TEAM = 3  # largest review team
_VISIT_PREP_DAYS = 21  # the site-visit phase opens three weeks before the visit
_FIXED_REVIEWERS = 3  # the first reviewers work centrally: they have no home school

# Shift of a school's level, in rating levels, at its 1st, 2nd and 3rd review.
_TRAJECTORY_SHIFTS = {
    "grow": (-0.7, 0.0, 0.7),
    "stall": (0.0, 0.0, 0.0),
    "decline": (0.5, 0.0, -0.6),
    "recover": (0.3, -0.6, 0.5),
}
# Share of the way from baseline to target a school's plan has covered by its end.
_PLAN_PROGRESS = {"grow": 0.9, "stall": 0.15, "decline": -0.3, "recover": 0.6}
# How schools keep their plan up to date: monthly, stopped a while ago, never.
_ACTIVITY = {"monthly": 0.81, "stopped": 0.15, "never": 0.04}
_MONTHLY, _STOPPED, _NEVER = range(3)
_SKIPPED_MONTH = 0.12  # chance that a school which updates monthly misses a month
_MISSED_WINDOW = _YEARS * 12  # months back from today that plan-keeping covers


@functools.cache
def district() -> dict[str, Any]:
    """The demo district's raw material, read once from DEMO_DATA."""
    return json.loads(DEMO_DATA.read_text(encoding="utf-8"))


# -- public API -------------------------------------------------------------------


def persona_emails() -> dict[Role, str]:
    """The email of each role's persona: the first demo person of the role,
    whom the demo sign-in offers."""
    return {Role(role): email for role, email in district()["personas"].items()}


def build_demo(
    store: Store, *, schools: int = 80, seed: int = 2026, today: date
) -> dict[str, int]:
    """Fill an empty, migrated store with a demo district in one bulk load.

    ``schools`` sets the district's size, ``seed`` the random draw and ``today``
    the date the district is seen on (review phases, plans and check-ins follow
    it). Returns the number of rows written per table.
    """
    started = time.perf_counter()
    tables = demo_tables(schools=schools, seed=seed, today=today)
    meta = {
        "is_demo": "true",
        "demo_seed": str(seed),
        "demo_today": today.isoformat(),
        "demo_schools": str(schools),
    }
    store.bulk_load(tables, meta)
    counts = {name: len(frame) for name, frame in tables.items()}
    _LOGGER.info(
        "demo district built: %s schools, %s rows in %.1f s",
        schools, sum(counts.values()), time.perf_counter() - started,
    )  # fmt: skip
    return counts


def build_demo_file(
    path: str | os.PathLike[str],
    *,
    schools: int = 80,
    seed: int = 2026,
    today: date,
    force: bool = False,
) -> dict[str, int]:
    """Build a demo district into the data file at ``path``, replacing it whole.

    An existing file that is not a demo file is refused unless ``force``. The
    district is built into a temporary file next to ``path`` and moved onto it
    only once complete, so a failed build never leaves a half-built file.
    Raises DataFileInUse if the file is open in another program.
    """
    path = Path(path)
    if path.exists() and not Store.file_is_demo(path) and not force:
        raise NotADemoFile(
            f"The data file {path} is not a demo file, so building the demo "
            "district would overwrite real data. Choose another file, or pass "
            "--force to replace it."
        )
    if Store.is_open(path):
        raise DataFileInUse(
            f"The data file {path} is open in this program; close it before "
            "building the demo district into it."
        )
    temporary = path.with_name(f"{path.name}.tmp-{os.getpid()}")
    try:
        counts = _build_into(temporary, schools=schools, seed=seed, today=today)
        _remove(_wal(path))  # the old file's log must never replay onto the new one
        os.replace(temporary, path)
    finally:
        _remove(temporary)
        _remove(_wal(temporary))
    return counts


def demo_tables(*, schools: int, seed: int, today: date) -> dict[str, pd.DataFrame]:
    """Every table of a demo district as DataFrames, keyed by table name."""
    if schools < 1:
        raise ValueError(f"a demo district needs at least one school, not {schools}")
    build = _Build.start(schools=schools, seed=seed, today=today)
    build.draw_district()
    build.draw_reviews()
    build.draw_measures()
    build.draw_plans()
    return build.tables


# -- the data file ------------------------------------------------------------------


def _build_into(path: Path, *, schools: int, seed: int, today: date) -> dict[str, int]:
    """Build a district into a fresh file and write its log into it."""
    _remove(path)
    _remove(_wal(path))
    store = Store.open(path)
    try:
        counts = build_demo(store, schools=schools, seed=seed, today=today)
        store.checkpoint()
    finally:
        store.close()
    return counts


def _wal(path: Path) -> Path:
    """The write-ahead log DuckDB keeps next to a data file."""
    return path.with_name(f"{path.name}.wal")


def _remove(path: Path) -> None:
    """Delete a file if it is there."""
    path.unlink(missing_ok=True)


# -- column helpers -----------------------------------------------------------------


def _expand(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For ragged child rows: each child's parent and its rank among siblings."""
    counts = np.asarray(counts, dtype=np.int64)
    parent = np.repeat(np.arange(len(counts)), counts)
    firsts = np.cumsum(counts) - counts
    return parent, np.arange(len(parent)) - firsts[parent]


def _ids(count: int) -> np.ndarray:
    """Row ids 1..count."""
    return np.arange(1, count + 1, dtype=np.int64)


def _nullable(values: np.ndarray, missing: np.ndarray) -> pd.arrays.IntegerArray:
    """Integers with NULL where ``missing``."""
    return pd.arrays.IntegerArray(np.asarray(values, dtype=np.int64), missing)


def _nullable_floats(
    values: np.ndarray, missing: np.ndarray
) -> pd.api.extensions.ExtensionArray:
    """Floats with NULL where ``missing`` (a NaN would be stored as NaN)."""
    return pd.arrays.FloatingArray(np.asarray(values, dtype=np.float64), missing)


def _dates(days: np.ndarray) -> np.ndarray:
    """Day numbers as a column pandas and DuckDB read as dates (NaT is NULL)."""
    return days.astype("datetime64[D]").astype("datetime64[s]")


def _at(days: np.ndarray, seconds: np.ndarray) -> np.ndarray:
    """Timestamps: a day plus seconds after midnight."""
    return days.astype("datetime64[s]") + np.asarray(seconds).astype("timedelta64[s]")


def _labels(codes: np.ndarray, categories: list[str]) -> pd.Categorical:
    """Strings picked from a small bank, stored once each."""
    return pd.Categorical.from_codes(np.asarray(codes, dtype=np.int64), categories)


def _text(values: np.ndarray) -> pd.Series:
    """A string column from an array of Python strings."""
    return pd.Series(values, dtype="str")


def _first_of(year: np.ndarray, month: int | np.ndarray) -> np.ndarray:
    """The first day of a month, for arrays of years."""
    months = (np.asarray(year) - 1970) * 12 + np.asarray(month) - 1
    return months.astype("datetime64[M]").astype("datetime64[D]")


def _month(days: np.ndarray) -> np.ndarray:
    """Months since January 1970 of day numbers."""
    return days.astype("datetime64[M]").astype(np.int64)


def _month_start(months: np.ndarray) -> np.ndarray:
    """First day of each month number."""
    return np.asarray(months).astype("datetime64[M]").astype("datetime64[D]")


def _add_months(days: np.ndarray, months: int) -> np.ndarray:
    """The same day of the month, ``months`` later (no month-end overflow here)."""
    into = days - _month_start(_month(days))
    return _month_start(_month(days) + months) + into


def _weekday(days: np.ndarray) -> np.ndarray:
    """Monday 0 .. Sunday 6."""
    return (days.astype(np.int64) + 3) % 7


def _clip_level(values: np.ndarray) -> np.ndarray:
    """Continuous draws rounded onto the 1..4 rating scale."""
    return np.clip(np.rint(values), 1, 4).astype(np.int64)


def _pick_sentences(
    rng: np.random.Generator, bank: np.ndarray, count: np.ndarray
) -> pd.Series:
    """Join 1-3 different sentences per row from one bank row per row."""
    rows, width = bank.shape[0], bank.shape[1]
    first = rng.integers(0, width, rows)
    gap1 = rng.integers(1, width, rows)
    gap2 = rng.integers(1, width - 1, rows)
    gap2 += gap2 >= gap1
    text = _text(bank[np.arange(rows), first])
    for nth, gap in ((1, gap1), (2, gap2)):
        more = _text(bank[np.arange(rows), (first + gap) % width])
        text = text.where(count <= nth, text + " " + more)
    return text


# -- the parts a build keeps ----------------------------------------------------------


@dataclass
class _Schools:
    level: np.ndarray  # index into _LEVELS
    network: np.ndarray
    enrollment: np.ndarray
    low_income: np.ndarray
    english_learners: np.ndarray
    disabilities: np.ndarray
    trajectory: np.ndarray  # index into _TRAJECTORY_SHIFTS
    health: np.ndarray  # (school, year): strength in rating levels, trajectory included
    activity: np.ndarray  # _MONTHLY, _STOPPED or _NEVER
    stop_month: np.ndarray  # last month a stopped school updated its plan


@dataclass
class _People:
    count: dict[Role, int]
    first_id: dict[Role, int]
    reviewer_home: np.ndarray  # each reviewer's school, -1 if none

    def rows(self, role: Role) -> slice:
        """Where a role's users sit in the users table."""
        start = self.first_id[role] - 1
        return slice(start, start + self.count[role])

    def principal(self, school: np.ndarray) -> np.ndarray:
        return self.first_id[Role.PRINCIPAL] + school

    def site_team(self, school: np.ndarray, which: np.ndarray | int) -> np.ndarray:
        return self.first_id[Role.SITE_TEAM] + 2 * school + which

    def network_lead(self, network: np.ndarray) -> np.ndarray:
        return self.first_id[Role.NETWORK_LEAD] + network

    def reviewer(self, index: np.ndarray) -> np.ndarray:
        return self.first_id[Role.REVIEWER] + index


@dataclass
class _Reviews:
    school: np.ndarray
    year: np.ndarray  # cycle year: the school year starting that August
    starts_on: np.ndarray
    visit_starts_on: np.ndarray
    report_on: np.ndarray
    completes_on: np.ndarray
    phase: np.ndarray  # index into _PHASES
    team: np.ndarray = field(init=False)  # (review, member) reviewer index
    team_size: np.ndarray = field(init=False)
    focus: np.ndarray = field(init=False)  # (review, 3) standard index
    consensus: np.ndarray = field(init=False)  # (review, standard) level

    @property
    def published(self) -> np.ndarray:
        return self.phase >= _PHASES.index(Phase.ACTION_PLANNING)

    @property
    def past_self_reflection(self) -> np.ndarray:
        return self.phase > _PHASES.index(Phase.SELF_REFLECTION)

    @property
    def has_consensus(self) -> np.ndarray:
        return self.phase >= _REPORT


@dataclass
class _Goals:
    review: np.ndarray
    school: np.ndarray
    standard: np.ndarray
    statement: np.ndarray
    rank: np.ndarray  # the goal's number in its plan, from 0
    measure: np.ndarray  # index into the district's measures
    baseline: np.ndarray
    target: np.ndarray
    starts_on: np.ndarray  # the plan's start, when action planning began
    created_on: np.ndarray
    target_date: np.ndarray
    is_open: np.ndarray
    is_focus: np.ndarray


@dataclass
class _Build:
    """One build: its random draw, its day, and what later tables need of earlier."""

    rng: np.random.Generator
    data: dict[str, Any]
    today: np.datetime64
    current: int  # the current cycle year
    n: int  # schools
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    schools: _Schools = field(init=False)
    people: _People = field(init=False)
    reviews: _Reviews = field(init=False)
    annual: np.ndarray = field(init=False)  # (measure, school, year), all students
    missed: np.ndarray = field(init=False)  # (school, month) no check-ins written
    usual_day: np.ndarray = field(init=False)  # day of the month a team updates

    @classmethod
    def start(cls, *, schools: int, seed: int, today: date) -> _Build:
        current = today.year if today.month >= 8 else today.year - 1
        day = np.datetime64(today, "D")
        return cls(np.random.default_rng(seed), district(), day, current, schools)

    @property
    def first_year(self) -> int:
        return self.current - _YEARS + 1

    @property
    def today_month(self) -> int:
        return int(_month(np.array([self.today]))[0])

    def draw_district(self) -> None:
        """Standards, rating scale, networks, schools and users."""
        self.tables["standards"] = _standards_frame(self.data["standards"])
        self.tables["rating_levels"] = pd.DataFrame(self.data["rating_levels"])
        self.tables["networks"] = _networks_frame(self.data["networks"])
        self.tables["settings"] = pd.DataFrame(
            {"key": pd.Series([], dtype="str"), "value": pd.Series([], dtype="str")}
        )
        self.schools = _draw_schools(self)
        self.people = _draw_people(self)
        self.tables["schools"] = _schools_frame(self)
        self.tables["users"] = _users_frame(self)

    def draw_reviews(self) -> None:
        """Reviews with their teams, focus, ratings, findings and evidence."""
        self.reviews = _schedule_reviews(self)
        _draw_teams(self)
        _draw_levels(self)
        self.tables["reviews"] = _reviews_frame(self)
        self.tables["review_team"] = _team_frame(self)
        self.tables["review_focus"] = _focus_frame(self.reviews)
        self.tables["ratings"] = _ratings_frame(self)
        self.tables["findings"] = findings = _findings_frame(self)
        self.tables["evidence"] = _evidence_frame(self, findings)

    def draw_measures(self) -> None:
        """Measures and their values per school, period and student group."""
        self.tables["measures"] = _measures_frame(self.data["measures"])
        self.tables["measure_values"] = _measure_values_frame(self)

    def draw_plans(self) -> None:
        """Goals, milestones, action steps, check-ins, comments and support."""
        goals = _draw_goals(self)
        self.tables["goals"] = _goals_frame(self, goals)
        self.tables["milestones"] = _milestones_frame(self, goals)
        steps = _draw_steps(self, goals)
        self.missed = _missed_months(self)
        self.usual_day = self.rng.integers(0, 26, self.n)
        step_check_ins, step_status = _step_check_ins(self, goals, steps)
        steps.frame["status"] = _labels(step_status, [s.value for s in _STEP_STATUSES])
        self.tables["action_steps"] = steps.frame
        goal_check_ins = _goal_check_ins(self, goals)
        self.tables["check_ins"] = _check_ins_frame(
            self, step_check_ins, goal_check_ins
        )
        self.tables["comments"] = _comments_frame(self, goals)
        self.tables["support_requests"] = _support_frame(self, goals)
        self.tables["planning_deadlines"] = _deadlines_frame(self)
        self.tables["school_events"] = _events_frame(self)


# -- the district -------------------------------------------------------------------


def _standards_frame(standards: list[dict[str, Any]]) -> pd.DataFrame:
    """Top-level standards first (ids 1..6), then their sub-standards."""
    top = [
        {"code": s["code"], "name": s["name"], "description": s["description"],
         "sort_order": order, "parent_id": None}
        for order, s in enumerate(standards, start=1)
    ]  # fmt: skip
    subs = [
        {"code": sub["code"], "name": sub["name"], "description": "",
         "sort_order": order, "parent_id": parent}
        for parent, s in enumerate(standards, start=1)
        for order, sub in enumerate(s["sub_standards"], start=1)
    ]  # fmt: skip
    frame = pd.DataFrame(top + subs)
    frame.insert(0, "id", _ids(len(frame)))
    frame["parent_id"] = frame["parent_id"].astype("Int64")
    return frame


def _networks_frame(names: list[str]) -> pd.DataFrame:
    return pd.DataFrame({"id": _ids(len(names)), "name": names})


def _level_specs(build: _Build) -> list[dict[str, Any]]:
    """The district's settings for each school level, in _LEVELS order."""
    return [build.data["school_levels"][level.value] for level in _LEVELS]


def _draw_schools(build: _Build) -> _Schools:
    """Levels, networks, size, context, trajectory and plan-keeping of schools."""
    rng, n, specs = build.rng, build.n, _level_specs(build)
    level = rng.choice(len(_LEVELS), n, p=[s["share"] for s in specs])
    network = rng.integers(0, len(build.data["networks"]), n)
    level[0] = network[0] = 0  # the persona school: an elementary in network 1
    mean, sd, low, high = np.array([s["enrollment"] for s in specs], dtype=float).T
    enrollment = np.clip(
        np.rint(rng.normal(mean[level], sd[level])), low[level], high[level]
    )
    learner_factor = np.array([s["english_learner_factor"] for s in specs])
    trajectories = build.data["trajectories"]
    trajectory = rng.choice(
        len(_TRAJECTORY_SHIFTS), n, p=[trajectories[t] for t in _TRAJECTORY_SHIFTS]
    )
    activity = rng.choice(len(_ACTIVITY), n, p=list(_ACTIVITY.values()))
    trajectory[0] = activity[0] = 0  # the persona school grows and keeps its plan
    return _Schools(
        level=level,
        network=network,
        enrollment=enrollment.astype(np.int64),
        low_income=np.round(np.clip(rng.beta(4.0, 2.2, n), 0.08, 0.97), 3),
        english_learners=np.round(
            np.clip(rng.beta(2.0, 5.5, n) * learner_factor[level], 0.01, 0.8), 3
        ),
        disabilities=np.round(np.clip(rng.beta(3.0, 22.0, n), 0.03, 0.35), 3),
        trajectory=trajectory,
        health=_health(build, _quality(rng, n), trajectory),
        activity=activity,
        stop_month=build.today_month - rng.integers(2, 7, n),
    )


def _quality(rng: np.random.Generator, n: int) -> np.ndarray:
    """How strong each school is, in rating levels around the district's middle.
    The persona school starts low, so that its growth story has far to go."""
    quality = rng.normal(0.0, 0.45, n)
    quality[0] = -0.5
    return quality


def _health(build: _Build, quality: np.ndarray, trajectory: np.ndarray) -> np.ndarray:
    """Each school's strength per year: its quality plus its trajectory, which
    passes through the trajectory's shift at each of the school's reviews."""
    shifts = np.array(list(_TRAJECTORY_SHIFTS.values()))[trajectory]
    first = (np.arange(build.n) % _CYCLES)[:, None]
    along = np.clip((np.arange(_YEARS)[None, :] - first) / _CYCLES, 0, _CYCLES - 1)
    knot = np.minimum(along.astype(np.int64), _CYCLES - 2)
    weight = along - knot
    rows = np.arange(build.n)[:, None]
    curve = shifts[rows, knot] * (1 - weight) + shifts[rows, knot + 1] * weight
    return quality[:, None] + curve


def _school_names(build: _Build, level: np.ndarray) -> pd.Series:
    """Names such as "Madrone Hills Elementary", unique until the parts run out."""
    parts = build.data["school_names"]
    stems = np.array(parts["stems"], dtype=object)
    places = np.array(parts["places"], dtype=object)
    combos = len(stems) * len(places)
    combo = build.rng.permutation(combos)[np.arange(build.n) % combos]
    suffixes = np.array([s["suffix"] for s in _level_specs(build)], dtype=object)
    name = _text(stems[combo // len(places)]).str.cat(
        [_text(places[combo % len(places)]), _text(suffixes[level])], sep=" "
    )
    name = name.str.replace("  ", " ", regex=False)
    round_ = np.arange(build.n) // combos
    return name.where(round_ == 0, name + " " + _text((round_ + 1).astype(str)))


def _schools_frame(build: _Build) -> pd.DataFrame:
    schools, n = build.schools, build.n
    return pd.DataFrame(
        {
            "id": _ids(n),
            "name": _school_names(build, schools.level),
            "level": _labels(schools.level, [level.value for level in _LEVELS]),
            "network_id": schools.network + 1,
            "enrollment": schools.enrollment,
            "pct_low_income": schools.low_income,
            "pct_english_learners": schools.english_learners,
            "pct_disabilities": schools.disabilities,
            "principal_id": build.people.principal(np.arange(n)),
        }
    )


def _role_counts(build: _Build) -> dict[Role, int]:
    """How many users of each role the district has."""
    return {
        Role.CENTRAL_OFFICE: 2,
        Role.NETWORK_LEAD: len(build.data["networks"]),
        Role.REVIEWER: max(6, round(build.n / 8)),
        Role.PRINCIPAL: build.n,
        Role.SITE_TEAM: 2 * build.n,
        Role.VIEWER: 2,
    }


def _draw_people(build: _Build) -> _People:
    """Where each role's ids start, and the reviewers' home schools."""
    counts = _role_counts(build)
    starts = np.cumsum([0, *counts.values()])[:-1] + 1
    reviewers = counts[Role.REVIEWER]
    home = build.rng.integers(0, build.n, reviewers)
    has_home = build.rng.random(reviewers) < 0.5
    has_home[:_FIXED_REVIEWERS] = False
    return _People(
        count=counts,
        first_id={role: int(s) for role, s in zip(counts, starts, strict=True)},
        reviewer_home=np.where(has_home, home, -1),
    )


def _slugs(names: list[str]) -> np.ndarray:
    """Names as they appear in an email address."""
    return np.array(
        [re.sub(r"[^a-z]", "", name.lower()) for name in names], dtype=object
    )


def _users_frame(build: _Build) -> pd.DataFrame:
    """Every user; the first of each role is a persona with a readable email."""
    people = build.people
    total = sum(people.count.values())
    role = np.repeat(np.arange(len(_ROLES)), [people.count[r] for r in _ROLES])
    school, network = _user_scopes(build, total)
    names, email = _names_and_emails(build, total)
    for r in _ROLES:
        email.iloc[people.first_id[r] - 1] = build.data["personas"][r.value]
    return pd.DataFrame(
        {
            "id": _ids(total),
            "email": email,
            "name": names,
            "role": _labels(role, [r.value for r in _ROLES]),
            "school_id": _nullable(school + 1, school < 0),
            "network_id": _nullable(network + 1, network < 0),
        }
    )


def _user_scopes(build: _Build, total: int) -> tuple[np.ndarray, np.ndarray]:
    """Each user's school and network index, -1 for none."""
    people, n = build.people, build.n
    school, network = np.full(total, -1), np.full(total, -1)
    network[people.rows(Role.NETWORK_LEAD)] = np.arange(people.count[Role.NETWORK_LEAD])
    school[people.rows(Role.REVIEWER)] = people.reviewer_home
    school[people.rows(Role.PRINCIPAL)] = np.arange(n)
    school[people.rows(Role.SITE_TEAM)] = np.repeat(np.arange(n), 2)
    return school, network


def _names_and_emails(build: _Build, total: int) -> tuple[pd.Series, pd.Series]:
    """Fictional names, and emails made unique by the user's id."""
    people = build.data["people"]
    first = build.rng.integers(0, len(people["first_names"]), total)
    last = build.rng.integers(0, len(people["last_names"]), total)
    firsts = np.array(people["first_names"], dtype=object)
    lasts = np.array(people["last_names"], dtype=object)
    names = _text(firsts[first]) + " " + _text(lasts[last])
    ids = _text(_ids(total).astype(str))
    slug_first = _text(_slugs(people["first_names"])[first])
    slug_last = _text(_slugs(people["last_names"])[last])
    return names, slug_first + "." + slug_last + "." + ids + "@demo.sqr"


# -- reviews ------------------------------------------------------------------------


def _schedule_reviews(build: _Build) -> _Reviews:
    """Three reviews per school, three years apart, phased by today's date."""
    rng, n_reviews = build.rng, build.n * _CYCLES
    school = np.repeat(np.arange(build.n), _CYCLES)
    cycle = np.tile(np.arange(_CYCLES), build.n)
    year = build.first_year + school % _CYCLES + _CYCLES * cycle
    starts_on = _first_of(year, 9) + rng.integers(0, 10, n_reviews)
    window = _first_of(year, 10) + rng.integers(0, 140, n_reviews)
    monday = window + (7 - _weekday(window)) % 7
    visit = monday + rng.integers(0, 3, n_reviews)  # starts Mon-Wed, Oct to Feb
    report_on = visit + 2 + rng.integers(45, 76, n_reviews)
    completes_on = _add_months(starts_on, 18)
    phase = _phase(build.today, visit, report_on, completes_on)
    return _Reviews(school, year, starts_on, visit, report_on, completes_on, phase)


def _phase(
    today: np.datetime64,
    visit: np.ndarray,
    report_on: np.ndarray,
    completes: np.ndarray,
) -> np.ndarray:
    """Each review's phase on ``today``, as an index into _PHASES."""
    steps = [
        today < visit - _VISIT_PREP_DAYS,
        today <= visit + 2,
        today < report_on,
        today < completes,
    ]
    return np.select(steps, [0, 1, 2, 3], default=4)


def _draw_teams(build: _Build) -> None:
    """A lead and one or two reviewers per review, none from the school itself."""
    reviews, rng = build.reviews, build.rng
    home, count = build.people.reviewer_home, len(build.people.reviewer_home)
    team = np.zeros((len(reviews.school), _TEAM), dtype=np.int64)
    redraw = np.ones(len(reviews.school), dtype=bool)
    while redraw.any():  # only reviews that drew a reviewer from their own school
        rows = np.flatnonzero(redraw)
        team[rows] = _distinct_triples(rng, len(rows), count)
        redraw[rows] = (home[team[rows]] == reviews.school[rows, None]).any(axis=1)
    _give_persona_leads(build, team)
    reviews.team = team
    reviews.team_size = rng.integers(2, _TEAM + 1, len(reviews.school))
    picks = np.argsort(rng.random((len(reviews.school), _STANDARDS)), axis=1)
    reviews.focus = np.sort(picks[:, :_FOCUS], axis=1)


def _distinct_triples(rng: np.random.Generator, rows: int, count: int) -> np.ndarray:
    """Three different reviewer indices per row, the first being the lead."""
    lead = rng.integers(0, count, rows)
    gap1 = rng.integers(1, count, rows)
    gap2 = rng.integers(1, count - 1, rows)
    gap2 += gap2 >= gap1
    return np.column_stack([lead, (lead + gap1) % count, (lead + gap2) % count])


def _give_persona_leads(build: _Build, team: np.ndarray) -> None:
    """The persona reviewer (index 0) leads a few current-cycle reviews."""
    reviews = build.reviews
    current = reviews.year == build.current
    under_way = np.isin(reviews.phase, [_PHASES.index(Phase.SITE_VISIT), _REPORT])
    chosen = np.concatenate(
        [
            np.flatnonzero(current & under_way)[:2],
            np.flatnonzero(current & ~under_way)[:1],
        ]
    )
    for member in range(1, _TEAM):  # the persona was a member: swap with the lead
        was_member = team[chosen, member] == 0
        team[chosen[was_member], member] = team[chosen[was_member], 0]
    team[chosen, 0] = 0


def _draw_levels(build: _Build) -> None:
    """Consensus levels per review and standard, following the school's health."""
    reviews, rng = build.reviews, build.rng
    strength = 2.6 + rng.normal(0.0, 0.55, (build.n, _STANDARDS))
    health = build.schools.health[reviews.school, reviews.year - build.first_year]
    noise = rng.normal(0.0, 0.3, (len(reviews.school), _STANDARDS))
    reviews.consensus = _clip_level(strength[reviews.school] + health[:, None] + noise)


def _reviews_frame(build: _Build) -> pd.DataFrame:
    r = build.reviews
    published = r.published
    return pd.DataFrame(
        {
            "id": _ids(len(r.school)),
            "school_id": r.school + 1,
            "cycle_year": r.year,
            "phase": _labels(r.phase, [p.value for p in _PHASES]),
            "starts_on": _dates(r.starts_on),
            "visit_starts_on": _dates(r.visit_starts_on),
            "visit_ends_on": _dates(r.visit_starts_on + 2),
            "report_on": _dates(r.report_on),
            "completes_on": _dates(r.completes_on),
            "published_on": _dates(
                np.where(published, r.report_on, np.datetime64("NaT"))
            ),
            "lead_reviewer_id": build.people.reviewer(r.team[:, 0]),
        }
    )


def _team_frame(build: _Build) -> pd.DataFrame:
    """Each review's team; once the report is being written, every member has
    submitted their ratings, on the days after the visit at five o'clock."""
    reviews = build.reviews
    rows, member = np.nonzero(np.arange(_TEAM)[None, :] < reviews.team_size[:, None])
    handed_in = _at(reviews.visit_starts_on[rows] + 3 + member, 17 * 3600)
    return pd.DataFrame(
        {
            "review_id": rows + 1,
            "user_id": build.people.reviewer(reviews.team[rows, member]),
            "team_role": _labels((member > 0).astype(np.int64), ["lead", "reviewer"]),
            "submitted_on": np.where(
                reviews.has_consensus[rows], handed_in, np.datetime64("NaT")
            ),
        }
    )


def _focus_frame(reviews: _Reviews) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "review_id": np.repeat(np.arange(len(reviews.school)), _FOCUS) + 1,
            "standard_id": reviews.focus.ravel() + 1,
        }
    )


# -- ratings, findings and evidence ---------------------------------------------------


def _ratings_frame(build: _Build) -> pd.DataFrame:
    """Self-reflection, reviewer and consensus ratings, ordered by review."""
    blocks = [_self_ratings(build), _reviewer_ratings(build), _consensus_ratings(build)]
    review, standard, kind, rater, level = (
        np.concatenate(c) for c in zip(*blocks, strict=True)
    )
    order = np.argsort(review, kind="stable")
    return pd.DataFrame(
        {
            "id": _ids(len(review)),
            "review_id": review[order] + 1,
            "standard_id": standard[order] + 1,
            "rater_kind": _labels(kind[order], [k.value for k in RaterKind]),
            "rater_id": _nullable(rater[order], rater[order] < 0),
            "level": level[order],
        }
    )


def _rating_block(
    review: np.ndarray,
    standard: np.ndarray,
    kind: RaterKind,
    rater: np.ndarray | int,
    level: np.ndarray,
) -> tuple[np.ndarray, ...]:
    """One kind of rating as columns: review, standard, kind, rater, level."""
    kinds = np.full(len(review), list(RaterKind).index(kind))
    return review, standard, kinds, np.broadcast_to(rater, review.shape), level


def _self_ratings(build: _Build) -> tuple[np.ndarray, ...]:
    """All standards once the visit nears; some while the school still reflects."""
    reviews, rng = build.reviews, build.rng
    shape = reviews.consensus.shape
    # Blind spots are more common than hidden strengths.
    blind = rng.choice([-1, 0, 1, 2], size=shape, p=[0.12, 0.48, 0.32, 0.08])
    begun = (reviews.starts_on <= build.today)[:, None] & (rng.random(shape) < 0.5)
    review, standard = np.nonzero(reviews.past_self_reflection[:, None] | begun)
    level = _clip_level(reviews.consensus + blind)[review, standard]
    return _rating_block(review, standard, RaterKind.SELF_REFLECTION, -1, level)


def _reviewer_ratings(build: _Build) -> tuple[np.ndarray, ...]:
    """Each team member rates each focus standard, within one level of consensus."""
    reviews, rng = build.reviews, build.rng
    count = len(reviews.school)
    focus_levels = reviews.consensus[np.arange(count)[:, None], reviews.focus]
    spread = rng.choice([-1, 0, 1], size=(count, _TEAM, _FOCUS), p=[0.2, 0.6, 0.2])
    levels = _clip_level(focus_levels[:, None, :] + spread)
    on_team = np.arange(_TEAM)[None, :] < reviews.team_size[:, None]
    rated = (reviews.past_self_reflection[:, None] & on_team)[:, :, None]
    review, member, slot = np.nonzero(np.broadcast_to(rated, levels.shape))
    rater = build.people.reviewer(reviews.team[review, member])
    return _rating_block(
        review, reviews.focus[review, slot], RaterKind.REVIEWER, rater,
        levels[review, member, slot],
    )  # fmt: skip


def _consensus_ratings(build: _Build) -> tuple[np.ndarray, ...]:
    """The team's agreed level on every standard, from the report phase on."""
    reviews = build.reviews
    rated = np.broadcast_to(reviews.has_consensus[:, None], reviews.consensus.shape)
    review, standard = np.nonzero(rated)
    level = reviews.consensus[review, standard]
    return _rating_block(review, standard, RaterKind.CONSENSUS, -1, level)


def _findings_frame(build: _Build) -> pd.DataFrame:
    """One finding per review and standard with a consensus: more strengths when
    rated high, more areas for growth when rated low."""
    reviews, standards = build.reviews, build.data["standards"]
    rated = np.broadcast_to(reviews.has_consensus[:, None], reviews.consensus.shape)
    review, standard = np.nonzero(rated)
    level = reviews.consensus[review, standard]
    strengths = np.array([s["strengths"] for s in standards], dtype=object)
    growth = np.array([s["areas_for_growth"] for s in standards], dtype=object)
    return pd.DataFrame(
        {
            "id": _ids(len(review)),
            "review_id": review + 1,
            "standard_id": standard + 1,
            "strengths": _pick_sentences(
                build.rng, strengths[standard], np.array([0, 1, 2, 2, 3])[level]
            ),
            "areas_for_growth": _pick_sentences(
                build.rng, growth[standard], np.array([0, 3, 2, 2, 1])[level]
            ),
        }
    )


def _evidence_frame(build: _Build, findings: pd.DataFrame) -> pd.DataFrame:
    """Two to five items per finding, each with the size of what it rests on."""
    rng, data = build.rng, build.data
    finding, _ = _expand(rng.integers(2, 6, len(findings)))
    sources = [Source(s).value for s in data["evidence_sources"]]
    source = rng.choice(
        len(sources), len(finding), p=list(data["evidence_sources"].values())
    )
    school = build.reviews.school[findings["review_id"].to_numpy()[finding] - 1]
    frame = pd.DataFrame(
        {
            "id": _ids(len(finding)),
            "finding_id": finding + 1,
            "source": _labels(source, sources),
            "description": _evidence_descriptions(build, sources, source),
        }
    )
    is_source = {name: source == sources.index(name) for name in sources}
    frame = frame.assign(**_interview_columns(build, is_source["interview"]))
    frame = frame.assign(
        **_observation_columns(build, is_source["observation"], school)
    )
    return frame.assign(**_survey_columns(build, is_source["survey"], school))


def _evidence_descriptions(
    build: _Build, sources: list[str], source: np.ndarray
) -> pd.Categorical:
    """A description from the bank for each item's source."""
    banks = [build.data["evidence"][name] for name in sources]
    offsets = np.cumsum([0, *map(len, banks)])[:-1]
    sizes = np.array([len(bank) for bank in banks])
    codes = offsets[source] + build.rng.integers(0, sizes[source])
    return _labels(codes, [text for bank in banks for text in bank])


def _interview_columns(build: _Build, is_interview: np.ndarray) -> dict[str, Any]:
    """How many interviews were held, and with whom."""
    groups = build.data["interviewed_groups"]
    group = build.rng.integers(0, len(groups), len(is_interview))
    return {
        "interviews_held": _nullable(
            build.rng.integers(1, 7, len(is_interview)), ~is_interview
        ),
        "interviewed_group": _labels(np.where(is_interview, group, -1), groups),
    }


def _observation_columns(
    build: _Build, is_observation: np.ndarray, school: np.ndarray
) -> dict[str, Any]:
    """Classrooms observed out of the school's classrooms."""
    class_size = np.array([s["classroom_size"] for s in _level_specs(build)])
    schools = build.schools
    total = np.maximum(
        6, schools.enrollment[school] // class_size[schools.level[school]]
    )
    observed = np.minimum(build.rng.integers(4, 25, len(school)), total)
    return {
        "classrooms_observed": _nullable(observed, ~is_observation),
        "classrooms_total": _nullable(total, ~is_observation),
    }


def _survey_columns(
    build: _Build, is_survey: np.ndarray, school: np.ndarray
) -> dict[str, Any]:
    """Who was surveyed, how many were invited and how many answered: families
    answer least, and a few family surveys reach fewer than one in ten."""
    specs = build.data["survey_groups"]
    names = list(specs)
    group = build.rng.integers(0, len(names), len(school))
    per_student = np.array([specs[g]["invited_per_student"] for g in names])
    invited = np.maximum(
        5, np.rint(build.schools.enrollment[school] * per_student[group])
    )
    a, b = np.array([specs[g]["response"] for g in names]).T
    rate = build.rng.beta(a[group], b[group])
    respondents = np.minimum(invited, np.rint(invited * rate))
    return {
        "survey_group": _labels(np.where(is_survey, group, -1), names),
        "survey_respondents": _nullable(respondents, ~is_survey),
        "survey_invited": _nullable(invited, ~is_survey),
    }


# -- measures -----------------------------------------------------------------------

_SHARE_FIELDS = {
    "pct_low_income": "low_income",
    "pct_english_learners": "english_learners",
    "pct_disabilities": "disabilities",
}


def _measures_frame(measures: list[dict[str, Any]]) -> pd.DataFrame:
    columns = ["code", "name", "unit", "higher_is_better", "frequency"]
    frame = pd.DataFrame([{c: m[c] for c in columns} for m in measures])
    frame.insert(0, "id", _ids(len(frame)))
    return frame


def _measure_param(build: _Build, key: str) -> np.ndarray:
    """One model parameter of every measure, in measure order."""
    return np.array([m["model"][key] for m in build.data["measures"]])


def _direction(build: _Build) -> np.ndarray:
    """+1 for measures where higher is better, -1 where lower is better."""
    return np.array(
        [1.0 if m["higher_is_better"] else -1.0 for m in build.data["measures"]]
    )


def _group_shares(build: _Build) -> np.ndarray:
    """(school, group): each student group's share of enrollment."""
    groups, schools = build.data["student_groups"], build.schools
    weights = [g["share"] for g in groups if not isinstance(g["share"], str)]
    ethnic = build.rng.dirichlet(
        [*weights, build.data["other_ethnicity_share"]], build.n
    )
    columns, drawn = [], iter(ethnic.T)
    for group in groups:
        share = group["share"]
        if share == "all":
            columns.append(np.ones(build.n))
        elif isinstance(share, str):
            columns.append(getattr(schools, _SHARE_FIELDS[share]))
        else:
            columns.append(next(drawn))
    return np.column_stack(columns)


def _group_sizes(build: _Build) -> np.ndarray:
    """(school, year, group): students in each group, drifting from year to year."""
    drift = np.exp(np.cumsum(build.rng.normal(0.0, 0.03, (build.n, _YEARS)), axis=1))
    students = build.schools.enrollment[:, None] * drift
    sizes = np.rint(students[:, :, None] * _group_shares(build)[:, None, :])
    return np.maximum(1, sizes).astype(np.int64)


def _measure_values_frame(build: _Build) -> pd.DataFrame:
    """Monthly attendance for 36 months; yearly measures for nine school years;
    each for all students and every student group."""
    sizes = _group_sizes(build)
    gaps = np.array([g["gap"] for g in build.data["student_groups"]])
    annual, blocks = [], []
    for index, measure in enumerate(build.data["measures"]):
        counted = _counted(build, measure["model"], sizes)
        values = _annual_values(build, measure, gaps, counted)
        annual.append(values[:, :, 0])
        make = _monthly_block if measure["frequency"] == "monthly" else _yearly_block
        blocks.append(make(build, index, measure["model"], values, counted))
    build.annual = np.stack(annual)
    columns = [np.concatenate(column) for column in zip(*blocks, strict=True)]
    school, measure, period, group, value, size = columns
    names = [g["name"] for g in build.data["student_groups"]]
    return pd.DataFrame(
        {
            "school_id": school + 1,
            "measure_id": measure + 1,
            "period": _dates(period),
            "student_group": _labels(group, names),
            "value": value,
            "group_size": size,
        }
    )


def _counted(build: _Build, model: dict[str, Any], sizes: np.ndarray) -> np.ndarray:
    """Group sizes a measure counts: survey respondents, or staff for a staff survey."""
    if not model["by_group"]:
        staff = build.data["survey_groups"]["staff"]["invited_per_student"]
        sizes = np.rint(sizes[:, :, :1] * staff)
    return np.maximum(1, np.rint(sizes * model["respondent_share"])).astype(np.int64)


def _annual_values(
    build: _Build, measure: dict[str, Any], gaps: np.ndarray, sizes: np.ndarray
) -> np.ndarray:
    """(school, year, group) values: the school's health and context, the group's
    gap, and noise that grows as the group gets smaller."""
    model, schools, rng = measure["model"], build.schools, build.rng
    sign = 1.0 if measure["higher_is_better"] else -1.0
    level = np.array([model["level"].get(lv.value, 0.0) for lv in _LEVELS])
    level = level[schools.level]
    context = model["low_income"] * (schools.low_income - 0.6)[:, None]
    better = model["per_quality"] * schools.health - context
    school = model["base"] + level[:, None] + sign * better
    school += rng.normal(0.0, model["noise"], school.shape)
    gap = sign * model["gap"] * gaps[: sizes.shape[2]]
    noise = rng.normal(0.0, 1.0, sizes.shape) * model["noise"] * 3 / np.sqrt(sizes)
    values = school[:, :, None] - gap + noise
    return np.round(np.clip(values, model["min"], model["max"]), 1)


def _yearly_block(
    build: _Build, measure: int, model: dict[str, Any], values: np.ndarray,
    sizes: np.ndarray,
) -> tuple:  # fmt: skip
    """One row per school, school year (period Aug 1) and group."""
    school, year, group = (a.ravel() for a in np.indices(values.shape))
    period = _first_of(build.first_year + year, 8)
    measures = np.full(len(school), measure)
    return school, measures, period, group, values.ravel(), sizes.ravel()


def _monthly_block(
    build: _Build, measure: int, model: dict[str, Any], values: np.ndarray,
    sizes: np.ndarray,
) -> tuple:  # fmt: skip
    """One row per school, school month of the last 36 (July has none) and group."""
    months = np.arange(build.today_month - 36, build.today_month)
    months = months[months % 12 != 6]
    of_year = months % 12 + 1
    year = months // 12 + 1970 - (of_year < 8) - build.first_year
    season = build.data["attendance_season"]
    shift = np.array([season.get(str(m), 0.0) for m in of_year])
    noise = build.rng.normal(0.0, 0.6, (build.n, len(months), values.shape[2]))
    monthly = values[:, year, :] + shift[None, :, None] + noise
    monthly = np.round(np.clip(monthly, model["min"], model["max"]), 1)
    school, month, group = (a.ravel() for a in np.indices(monthly.shape))
    period = _month_start(months[month])
    measures = np.full(len(school), measure)
    return school, measures, period, group, monthly.ravel(), sizes[:, year, :].ravel()


# -- plans --------------------------------------------------------------------------


def _plan_reviews(reviews: _Reviews, schools: int) -> tuple[np.ndarray, np.ndarray]:
    """Each school's latest published review, and the published one before it."""
    published = reviews.published.reshape(schools, _CYCLES)
    any_ = published.any(axis=1)
    latest = _CYCLES - 1 - np.argmax(published[:, ::-1], axis=1)
    rows = np.arange(schools)
    has_prior = any_ & (latest > 0) & published[rows, np.maximum(latest - 1, 0)]
    review = rows * _CYCLES + latest
    return review[any_], review[has_prior] - 1


def _growth_standards(
    rng: np.random.Generator, levels: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Standards from lowest rated up, and how many of them a plan draws on: those
    rated Emerging or Developing (the areas for growth), two to three of them,
    topped up from the next lowest when a school has fewer."""
    order = np.argsort(levels + rng.random(levels.shape) * 0.5, axis=1)
    return order, np.clip((levels <= 2).sum(axis=1), 2, 3)


def _goal_templates(build: _Build) -> tuple[np.ndarray, np.ndarray]:
    """(standard, template): goal statements and the index of their measure."""
    codes = [m["code"] for m in build.data["measures"]]
    goals = [s["goals"] for s in build.data["standards"]]
    statements = np.array(
        [[g["statement"] for g in row] for row in goals], dtype=object
    )
    measures = np.array([[codes.index(g["measure"]) for g in row] for row in goals])
    return statements, measures


def _draw_goals(build: _Build) -> _Goals:
    """Open goals from each latest published review, closed ones from the prior."""
    latest, prior = _plan_reviews(build.reviews, build.n)
    rng = build.rng
    counts, focus = rng.integers(2, 6, len(latest)), rng.integers(1, 5, len(latest))
    persona = build.reviews.school[latest] == 0
    counts[persona], focus[persona] = 4, 2  # a full plan for the persona school
    open_ = _goal_rows(build, latest, counts, focus)
    closed = _goal_rows(build, prior, rng.integers(1, 3, len(prior)), None)
    rows = {k: np.concatenate([open_[k], closed[k]]) for k in open_}
    order = np.lexsort((rows["created_on"], rows["school"]))
    return _Goals(**{k: v[order] for k, v in rows.items()})


def _goal_rows(
    build: _Build, review_rows: np.ndarray, counts: np.ndarray, focus: np.ndarray | None
) -> dict[str, np.ndarray]:
    """Goals for some reviews: ``focus`` of each plan marked focus; None for the
    closed goals of an earlier plan."""
    reviews = build.reviews
    parent, rank = _expand(counts)
    statement, standard, measure = _goal_topics(build, review_rows, parent, rank)
    review = review_rows[parent]
    year = reviews.year[review] - build.first_year
    baseline = build.annual[measure, reviews.school[review], year]
    starts_on = _plan_starts(build, review_rows)[parent]
    seconds = build.rng.integers(8 * 3600, 13 * 3600, len(parent))
    is_open = np.full(len(parent), focus is not None)
    return {
        "review": review,
        "school": reviews.school[review],
        "standard": standard,
        "statement": statement,
        "rank": rank,
        "measure": measure,
        "baseline": baseline,
        "target": _targets(build, measure, baseline),
        "starts_on": starts_on,
        "created_on": _at(starts_on, seconds),
        "target_date": _add_months(starts_on, 24),
        "is_open": is_open,
        "is_focus": is_open & (rank < (focus if focus is not None else counts)[parent]),
    }


def _goal_topics(
    build: _Build, review_rows: np.ndarray, parent: np.ndarray, rank: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each goal's statement, standard and measure: the plan's goals take turns
    over its areas for growth, each with a different template."""
    order, width = _growth_standards(build.rng, build.reviews.consensus[review_rows])
    statements, measures = _goal_templates(build)
    templates = statements.shape[1]
    first = build.rng.integers(0, templates, len(review_rows))
    template = (first[parent] + rank // width[parent]) % templates
    standard = order[parent, rank % width[parent]]
    return statements[standard, template], standard, measures[standard, template]


def _plan_starts(build: _Build, review_rows: np.ndarray) -> np.ndarray:
    """When each review's action planning began: a few weeks after its report."""
    after = build.rng.integers(5, 25, len(review_rows))
    return np.minimum(build.reviews.report_on[review_rows] + after, build.today)


def _targets(build: _Build, measure: np.ndarray, baseline: np.ndarray) -> np.ndarray:
    """A better value than the baseline, by the measure's direction and step."""
    step = _measure_param(build, "goal_step")[measure]
    gain = _direction(build)[measure] * step * build.rng.uniform(0.6, 1.4, len(measure))
    low, high = (_measure_param(build, k)[measure] for k in ("min", "max"))
    return np.round(np.clip(baseline + gain, low, high), 1)


def _goals_frame(build: _Build, goals: _Goals) -> pd.DataFrame:
    count = len(goals.school)
    year = _text((build.reviews.year[goals.review] + 1).astype(str))
    number = _text((goals.rank + 1).astype(str))
    closed = (~goals.is_open).astype(np.int64)
    member = build.rng.integers(0, 2, count)  # which site team member wrote it
    return pd.DataFrame(
        {
            "id": _ids(count),
            "school_id": goals.school + 1,
            "standard_id": goals.standard + 1,
            "review_id": goals.review + 1,
            "statement": _text(goals.statement),
            "measure_id": goals.measure + 1,
            "baseline": goals.baseline,
            "target": goals.target,
            "target_date": _dates(goals.target_date),
            "is_focus": goals.is_focus,
            "site_plan_ref": "SPSA " + year + " Goal " + number,
            "status": _labels(closed, [status.value for status in PlanStatus]),
            "created_by": build.people.site_team(goals.school, member),
            "created_on": goals.created_on,
        }
    )


def _milestones_frame(build: _Build, goals: _Goals) -> pd.DataFrame:
    """Two or three checkpoints per goal, the last on its target date."""
    rng, count = build.rng, len(goals.school)
    per_goal = rng.integers(2, 4, count)
    goal, rank = _expand(per_goal)
    span = (goals.target_date - goals.starts_on)[goal].astype(np.int64)
    due_on = goals.starts_on[goal] + span * (rank + 1) // per_goal[goal]
    keeps_plan = build.schools.activity[goals.school[goal]] != _NEVER
    chance = np.where(goals.is_open[goal], 0.65, 0.85)
    met = (due_on < build.today) & keeps_plan & (rng.random(len(goal)) < chance)
    early = np.maximum(due_on - rng.integers(0, 21, len(goal)), goals.starts_on[goal])
    bank = build.data["milestones"]
    description = (rng.integers(0, len(bank), count)[goal] + rank) % len(bank)
    return pd.DataFrame(
        {
            "id": _ids(len(goal)),
            "goal_id": goal + 1,
            "description": _labels(description, bank),
            "due_on": _dates(due_on),
            "met_on": _dates(np.where(met, early, np.datetime64("NaT"))),
            "status": _labels(met.astype(np.int64), ["open", "met"]),
        }
    )


@dataclass
class _Steps:
    goal: np.ndarray
    starts_on: np.ndarray
    due_on: np.ndarray
    frame: pd.DataFrame


def _draw_steps(build: _Build, goals: _Goals) -> _Steps:
    """Two to four action steps per goal, spread over the first part of the plan."""
    rng, count = build.rng, len(goals.school)
    goal, rank = _expand(rng.integers(2, 5, count))
    span = (goals.target_date - goals.starts_on)[goal].astype(np.int64)
    offset = np.where(
        rank == 0, 0, (rng.random(len(goal)) * 0.6 * span).astype(np.int64)
    )
    starts_on = goals.starts_on[goal] + offset
    due_on = np.minimum(
        starts_on + rng.integers(60, 300, len(goal)), goals.target_date[goal]
    )
    banks = np.array([s["action_steps"] for s in build.data["standards"]], dtype=object)
    pick = (rng.integers(0, banks.shape[1], count)[goal] + rank) % banks.shape[1]
    owners = build.data["owners"]
    frame = pd.DataFrame(
        {
            "id": _ids(len(goal)),
            "goal_id": goal + 1,
            "description": _text(banks[goals.standard[goal], pick]),
            "owner": _labels(rng.integers(0, len(owners), len(goal)), owners),
            "starts_on": _dates(starts_on),
            "due_on": _dates(due_on),
        }
    )
    return _Steps(goal, starts_on, due_on, frame)


_EVENTS = (
    ("new programme", "Started a schoolwide attendance incentive programme."),
    ("new programme", "Began restorative circles in every advisory."),
    ("new principal", "A new principal joined the school."),
    ("plan-do-study-act cycle", "Tried morning greetings at the door for six weeks."),
    ("plan-do-study-act cycle", "Tested a family text-message reminder for absences."),
    ("other", "The school moved to a new building."),
)


def _events_frame(build: _Build) -> pd.DataFrame:
    """One to three events per school over the last three years."""
    rng = build.rng
    counts = rng.integers(1, 4, build.n)
    school = np.repeat(np.arange(build.n), counts)
    kind = rng.integers(0, len(_EVENTS), len(school))
    days_back = rng.integers(30, 3 * 365, len(school))
    return pd.DataFrame(
        {
            "id": np.arange(1, len(school) + 1),
            "school_id": school + 1,
            "happened_on": pd.to_datetime(build.today - days_back),
            "kind": np.array([k for k, _ in _EVENTS], dtype=object)[kind],
            "description": np.array([d for _, d in _EVENTS], dtype=object)[kind],
        }
    )


def _deadlines_frame(build: _Build) -> pd.DataFrame:
    """The district's site-plan calendar for this school year and the next."""
    years = [build.current + 1, build.current + 2]
    names = ["Site plan draft to the network", "Site plan approved by the board"]
    days = [(3, 15), (5, 31)]
    rows = [
        (name, date(year, month, day))
        for year in years
        for name, (month, day) in zip(names, days, strict=True)
    ]
    return pd.DataFrame(
        {
            "id": np.arange(1, len(rows) + 1),
            "name": [name for name, _ in rows],
            "due_on": pd.to_datetime([day for _, day in rows]),
        }
    )


def _missed_months(build: _Build) -> np.ndarray:
    """(school, month) months a school wrote no check-ins, counted back from today."""
    schools = build.schools
    months = build.today_month - _MISSED_WINDOW + np.arange(_MISSED_WINDOW + 1)
    missed = build.rng.random((build.n, len(months))) < _SKIPPED_MONTH
    stopped = (schools.activity == _STOPPED)[:, None] & (
        months[None, :] > schools.stop_month[:, None]
    )
    return missed | stopped | (schools.activity == _NEVER)[:, None]


def _update_day(
    build: _Build, school: np.ndarray, month: np.ndarray, first: np.ndarray
) -> np.ndarray:
    """The day in each month a school's team updates its plan: near its usual day
    of the month, and not before ``first``."""
    jitter = build.rng.integers(-2, 3, len(month))
    offset = np.clip(build.usual_day[school] + jitter, 0, 27)
    return np.maximum(_month_start(month) + offset, first)


def _monthly_rows(
    build: _Build, school: np.ndarray, first: np.ndarray, last: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One row per month from ``first`` to ``last`` (dates, per parent) on which the
    school updated its plan: each row's parent, month and day. A month whose
    usual update day is still ahead (this month, mostly) has no row yet."""
    counts = np.where(first <= last, _month(last) - _month(first) + 1, 0)
    parent, rank = _expand(counts)
    month = _month(first)[parent] + rank
    column = np.maximum(month - (build.today_month - _MISSED_WINDOW), 0)
    kept = ~build.missed[school[parent], column]
    parent, month = parent[kept], month[kept]
    day = _update_day(build, school[parent], month, first[parent])
    done = day <= last[parent]
    return parent[done], month[done], day[done]


def _step_check_ins(
    build: _Build, goals: _Goals, steps: _Steps
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Monthly check-ins over each open goal's action steps' lives, and each
    step's status as its latest check-in left it."""
    school = goals.school[steps.goal]
    last = np.where(
        goals.is_open[steps.goal],
        np.minimum(steps.due_on, build.today),
        steps.starts_on - 1,
    )
    step, month, day = _monthly_rows(build, school, steps.starts_on, last)
    latest = np.r_[step[1:] != step[:-1], True] if len(step) else np.zeros(0, bool)
    status = _step_statuses(build, steps, goals, step[latest], month[latest])
    earlier = _earlier_statuses(build.rng, step)
    return {
        "school": school[step],
        "goal": np.full(len(step), -1),
        "step": step,
        "status": np.where(latest, status[step], earlier),
        "day": day,
        "value": np.full(len(step), np.nan),
    }, status


def _step_statuses(
    build: _Build, steps: _Steps, goals: _Goals, step: np.ndarray, month: np.ndarray
) -> np.ndarray:
    """Done if the latest check-in came at the end of the step's life; not
    started if there is none; else in progress or blocked."""
    rng, count = build.rng, len(steps.goal)
    last_month = np.full(count, -1)
    last_month[step] = month
    finished = (last_month >= _month(steps.due_on) - 1) & (steps.due_on <= build.today)
    draw = rng.random(count)
    at_end = np.select([draw < 0.75, draw < 0.87], [_DONE, _IN_PROGRESS], _BLOCKED)
    ongoing = np.where(draw < 0.88, _IN_PROGRESS, _BLOCKED)
    status = np.where(last_month < 0, _NOT_STARTED, np.where(finished, at_end, ongoing))
    return np.where(goals.is_open[steps.goal], status, _DONE)


def _earlier_statuses(rng: np.random.Generator, step: np.ndarray) -> np.ndarray:
    """Statuses of a step's check-ins before its latest one."""
    draw = rng.random(len(step))
    first = np.r_[True, step[1:] != step[:-1]] if len(step) else np.zeros(0, bool)
    conditions = [first & (draw < 0.3), draw < 0.92]
    return np.select(conditions, [_NOT_STARTED, _IN_PROGRESS], _BLOCKED)


def _goal_check_ins(build: _Build, goals: _Goals) -> dict[str, np.ndarray]:
    """Monthly check-ins on each open goal with the measure's latest value."""
    last = np.where(goals.is_open, build.today, goals.starts_on - 1)
    goal, _, day = _monthly_rows(build, goals.school, goals.starts_on, last)
    value = _goal_values(build, goals, goal, day)
    direction = _direction(build)[goals.measure[goal]]
    reached = direction * (value - goals.target[goal]) >= 0
    draw = build.rng.random(len(goal))
    status = np.select([reached, draw < 0.95], [_DONE, _IN_PROGRESS], _BLOCKED)
    return {
        "school": goals.school[goal],
        "goal": goal,
        "step": np.full(len(goal), -1),
        "status": status,
        "day": day,
        "value": value,
    }


def _goal_values(
    build: _Build, goals: _Goals, goal: np.ndarray, day: np.ndarray
) -> np.ndarray:
    """A goal's measure on a day: from baseline toward target, as far as the
    school's trajectory takes it by then, plus noise."""
    rng, measure = build.rng, goals.measure[goal]
    progress = np.array(list(_PLAN_PROGRESS.values()))
    reach = progress[build.schools.trajectory[goals.school]]
    reach = reach + rng.normal(0, 0.25, len(goals.school))
    span = (goals.target_date - goals.starts_on).astype(np.int64)[goal]
    elapsed = np.minimum((day - goals.starts_on[goal]).astype(np.int64) / span, 1)
    change = (goals.target - goals.baseline)[goal] * reach[goal] * elapsed
    noise = (
        rng.normal(0, 1, len(goal)) * 0.15 * _measure_param(build, "goal_step")[measure]
    )
    low, high = (_measure_param(build, k)[measure] for k in ("min", "max"))
    return np.round(np.clip(goals.baseline[goal] + change + noise, low, high), 1)


def _check_ins_frame(build: _Build, steps: dict, goals: dict) -> pd.DataFrame:
    """Step and goal check-ins in the order they were written."""
    rows = {k: np.concatenate([steps[k], goals[k]]) for k in steps}
    count, rng = len(rows["day"]), build.rng
    written_on = _at(rows["day"], rng.integers(16 * 3600, 21 * 3600, count))
    order = np.argsort(written_on, kind="stable")
    rows = {k: v[order] for k, v in rows.items()}
    return pd.DataFrame(
        {
            "id": _ids(count),
            "school_id": rows["school"] + 1,
            "goal_id": _nullable(rows["goal"] + 1, rows["goal"] < 0),
            "action_step_id": _nullable(rows["step"] + 1, rows["step"] < 0),
            "status": _labels(rows["status"], [s.value for s in _STEP_STATUSES]),
            "note": _notes(build, rows["status"], rows["goal"] >= 0),
            "measure_value": _nullable_floats(rows["value"], rows["goal"] < 0),
            "written_by": _writers(build, rows["school"]),
            "written_on": written_on[order],
        }
    )


def _notes(build: _Build, status: np.ndarray, about_goal: np.ndarray) -> pd.Categorical:
    """A short note from the bank for the check-in's status, or for goals."""
    notes = build.data["check_in_notes"]
    banks = [notes[s.value] for s in _STEP_STATUSES] + [notes["goal"]]
    offsets = np.cumsum([0, *map(len, banks)])[:-1]
    sizes = np.array([len(bank) for bank in banks])
    bank = np.where(about_goal, len(banks) - 1, status)
    codes = offsets[bank] + build.rng.integers(0, sizes[bank])
    return _labels(codes, [note for bank in banks for note in bank])


def _writers(build: _Build, school: np.ndarray) -> np.ndarray:
    """The principal or one of the two site team members of each school."""
    who = build.rng.choice(3, len(school), p=[0.25, 0.45, 0.3])
    site_team = build.people.site_team(school, np.maximum(who - 1, 0))
    return np.where(who == 0, build.people.principal(school), site_team)


# -- comments and support ---------------------------------------------------------


def _open_plans(build: _Build, goals: _Goals) -> tuple[np.ndarray, ...]:
    """Schools whose open plan began a week ago or more: school, first open goal,
    open goals, and whether the school keeps its plan."""
    rows = np.flatnonzero(goals.is_open)
    school, first, count = np.unique(
        goals.school[rows], return_index=True, return_counts=True
    )
    first = rows[first]
    settled = (build.today - goals.starts_on[first]).astype(np.int64) >= 7
    keeps = build.schools.activity[school] != _NEVER
    return school[settled], first[settled], count[settled], keeps[settled]


def _day_since(build: _Build, start: np.ndarray) -> np.ndarray:
    """A random day after ``start`` and no later than today."""
    width = (build.today - start).astype(np.int64)
    return start + 1 + (build.rng.random(len(start)) * width).astype(np.int64)


def _comments_frame(build: _Build, goals: _Goals) -> pd.DataFrame:
    """Network leads (and some principals) commenting on open goals."""
    rng = build.rng
    school, first, count, _ = _open_plans(build, goals)
    plan, _ = _expand(rng.integers(0, 4, len(school)))
    goal = first[plan] + rng.integers(0, count[plan])
    school = school[plan]
    day = _day_since(build, goals.starts_on[goal])
    lead = build.people.network_lead(build.schools.network[school])
    bank = build.data["comments"]
    return pd.DataFrame(
        {
            "id": _ids(len(goal)),
            "school_id": school + 1,
            "goal_id": goal + 1,
            "author_id": np.where(
                rng.random(len(goal)) < 0.7, lead, build.people.principal(school)
            ),
            "body": _labels(rng.integers(0, len(bank), len(goal)), bank),
            "written_on": _at(day, rng.integers(7 * 3600, 19 * 3600, len(goal))),
        }
    )


def _support_frame(build: _Build, goals: _Goals) -> pd.DataFrame:
    """Requests from about a third of active plans, most answered within weeks."""
    rng = build.rng
    school, goal, _, keeps = _open_plans(build, goals)
    asks = keeps & (rng.random(len(school)) < 0.3)
    school, goal = school[asks], goal[asks]
    day = _day_since(build, goals.starts_on[goal])
    needs = build.data["support_needs"]
    frame = pd.DataFrame(
        {
            "id": _ids(len(goal)),
            "school_id": school + 1,
            "goal_id": goal + 1,
            "need": _labels(rng.integers(0, len(needs), len(goal)), needs),
            "needed_by": _dates(day + rng.integers(14, 60, len(goal))),
            "requested_by": build.people.principal(school),
            "requested_on": _at(day, rng.integers(8 * 3600, 16 * 3600, len(goal))),
        }
    )
    return frame.assign(**_support_answers(build, school, day))


def _support_answers(
    build: _Build, school: np.ndarray, day: np.ndarray
) -> dict[str, Any]:
    """Most requests older than two weeks answered by the school's network lead."""
    rng, count = build.rng, len(school)
    old = (build.today - day).astype(np.int64) >= 14
    answered = old & (rng.random(count) < 0.75)
    answers = np.array(build.data["support_answers"], dtype=object)
    answer = answers[rng.integers(0, len(answers), count)]
    seconds = rng.integers(9 * 3600, 17 * 3600, count)
    answered_on = _at(day + rng.integers(1, 14, count), seconds)
    lead = build.people.network_lead(build.schools.network[school])
    statuses = [SupportStatus.OPEN.value, SupportStatus.ANSWERED.value]
    return {
        "status": _labels(answered.astype(np.int64), statuses),
        "answer": _text(np.where(answered, answer, "")),
        "answered_by": _nullable(lead, ~answered),
        "answered_on": np.where(answered, answered_on, np.datetime64("NaT")),
    }
