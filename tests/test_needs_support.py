"""Needs support and the ratings heatmap on a hand-built district of twenty-one
schools, each rule met just at its threshold by one school and just missed by
another (default thresholds; today is 3 Dec 2026).

  id  school               network level       what it shows                     tier
  1   Ash Elementary       North   elementary  S1, S2 Emerging (2 of 2 needed)   u 1
  2   Birch Elementary     North   elementary  S1 Emerging only; an unpublished  u 0
                                               review and a reviewer's rating
                                               rate more Emerging: they do not count
  3   Cedar Elementary     North   elementary  S1 Proficient -> Developing (1)   u 1
  4   Dogwood Elementary   North   elementary  S1 same, S2 up; S3 not rated now  u 0
  5   Elm Elementary       North   elementary  last check-in 46 days ago         u 1
  6   Fir Elementary       North   elementary  last check-in 45 days ago         u 0
  7   Ginkgo Elementary    North   elementary  no check-in and no review yet     u 1
  8   Hazel Middle School  North   middle      1 of 2 open steps overdue (50%)   u 1
  9   Holly Middle School  North   middle      4 of 9 overdue (44%); a closed    u 0
                                               goal's overdue steps do not count
  10  Juniper High School  South   high        attendance: 6 below the median    u 1
                                               at the end, group of 10
  11  Kapok High School    South   high        suspension (lower is better):     u 1
                                               5 rising at the end
  12  Larch High School    South   high        adverse shift that ended earlier, u 0
                                               favourable ones at the end
  13  Maple High School    South   high        Juniper's series, group of 9;     u 0
                                               another group's adverse series
  14  Nutmeg Middle School South   middle      S2 self Exemplary, team Developing u 1
  15  Oak Middle School    South   middle      S2 self Exemplary, team Proficient u 0
  16  Pine Middle School   South   middle      request open 15 days (late at     u 1
                                               night: calendar days count)
  17  Quince Middle School South   middle      request open 14 days; an old      u 0
                                               answered one
  18  Rowan Elementary     North   elementary  2 reasons                         t 2
  19  Spruce Elementary    North   elementary  3 reasons                         t 3
  20  Tamarack High School South   high        4 reasons                         i 4
  21  Willow High School   South   high        all 7 reasons                     i 7
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pandas as pd
import pytest

from sqr_tracker import actions, needs_support
from sqr_tracker.errors import InvalidInput, PermissionDenied
from sqr_tracker.models import User
from sqr_tracker.store import Store

TODAY = date(2026, 12, 3)
ASH, BIRCH, CEDAR, DOGWOOD, ELM, FIR, GINKGO = range(1, 8)
HAZEL, HOLLY, JUNIPER, KAPOK, LARCH, MAPLE, NUTMEG = range(8, 15)
OAK, PINE, QUINCE, ROWAN, SPRUCE, TAMARACK, WILLOW = range(15, 22)
NORTH, SOUTH = 1, 2
S1, S2, S3, S1_1 = 1, 2, 3, 4
ATTENDANCE, SUSPENSION = 1, 2

# id, name, network, level
SCHOOLS = [
    (ASH, "Ash Elementary", NORTH, "elementary"),
    (BIRCH, "Birch Elementary", NORTH, "elementary"),
    (CEDAR, "Cedar Elementary", NORTH, "elementary"),
    (DOGWOOD, "Dogwood Elementary", NORTH, "elementary"),
    (ELM, "Elm Elementary", NORTH, "elementary"),
    (FIR, "Fir Elementary", NORTH, "elementary"),
    (GINKGO, "Ginkgo Elementary", NORTH, "elementary"),
    (HAZEL, "Hazel Middle School", NORTH, "middle"),
    (HOLLY, "Holly Middle School", NORTH, "middle"),
    (JUNIPER, "Juniper High School", SOUTH, "high"),
    (KAPOK, "Kapok High School", SOUTH, "high"),
    (LARCH, "Larch High School", SOUTH, "high"),
    (MAPLE, "Maple High School", SOUTH, "high"),
    (NUTMEG, "Nutmeg Middle School", SOUTH, "middle"),
    (OAK, "Oak Middle School", SOUTH, "middle"),
    (PINE, "Pine Middle School", SOUTH, "middle"),
    (QUINCE, "Quince Middle School", SOUTH, "middle"),
    (ROWAN, "Rowan Elementary", NORTH, "elementary"),
    (SPRUCE, "Spruce Elementary", NORTH, "elementary"),
    (TAMARACK, "Tamarack High School", SOUTH, "high"),
    (WILLOW, "Willow High School", SOUTH, "high"),
]
NAMES = {school: name for school, name, _, _ in SCHOOLS}

# id, email, name, role, school, network, active
PEOPLE = [
    (1, "office@ns.sqr", "Olu Office", "central_office", None, None, True),
    (2, "lead.north@ns.sqr", "Nia North", "network_lead", None, NORTH, True),
    (3, "lead.south@ns.sqr", "Sol South", "network_lead", None, SOUTH, True),
    (4, "principal.ash@ns.sqr", "Ada Ash", "principal", ASH, None, True),
    (5, "team.ash@ns.sqr", "Tia Team", "site_team", ASH, None, True),
    (6, "viewer@ns.sqr", "Vic Viewer", "viewer", None, None, True),
    (7, "reviewer@ns.sqr", "Rae Reviewer", "reviewer", None, None, True),
    (8, "gone@ns.sqr", "Gus Gone", "central_office", None, None, False),
]

# The latest published review's consensus (cycle 2025, "2025–26"); every school
# with a review rates S1-S3 Proficient unless given here. Ginkgo has no review.
LATEST = {
    ASH: {S1: 1, S2: 1, S3: 3},
    BIRCH: {S1: 1, S2: 3, S3: 3},
    CEDAR: {S1: 2, S2: 3, S3: 3},
    DOGWOOD: {S1: 3, S2: 3},
    NUTMEG: {S1: 3, S2: 2, S3: 3},
    ROWAN: {S1: 3, S2: 1, S3: 1},
    TAMARACK: {S1: 1, S2: 1, S3: 1},
    WILLOW: {S1: 1, S2: 3, S3: 1},
}
# The review before (cycle 2022), for the schools that had one.
PREVIOUS = {
    CEDAR: {S1: 3, S2: 3, S3: 3},
    DOGWOOD: {S1: 3, S2: 2, S3: 4},
    SPRUCE: {S1: 3, S2: 3, S3: 4},
    TAMARACK: {S1: 3, S2: 2, S3: 1},
    WILLOW: {S1: 2, S2: 3, S3: 1},
}
# The self-reflection in the latest review: the consensus unless given here.
SELF = {
    NUTMEG: {S1: 3, S2: 4, S3: 3},
    OAK: {S2: 4},
    SPRUCE: {S1: 1, S2: 3, S3: 3},
    WILLOW: {S1: 1, S2: 1, S3: 2},
}
DEFAULT_LEVELS = {S1: 3, S2: 3, S3: 3}

# The last check-in; ten days ago at 10:00 unless given here (None: never).
CHECK_INS = {
    ELM: datetime(2026, 10, 18, 23, 0),  # 46 days before today
    FIR: datetime(2026, 10, 19, 8, 0),  # 45 days
    GINKGO: None,
    ROWAN: datetime(2026, 5, 17, 9, 0),  # 200 days
    TAMARACK: None,
    WILLOW: datetime(2026, 8, 25, 9, 0),  # 100 days
}

# The open goal's action steps (due on, status): one step due in March unless
# given here.
LATER = date(2027, 3, 1)
YESTERDAY = TODAY - timedelta(days=1)
STEPS = {
    # Overdue yesterday, due today (not overdue), done late (not open).
    HAZEL: [(YESTERDAY, "in progress"), (TODAY, "not started"),
            (date(2026, 11, 1), "done")],
    HOLLY: [(YESTERDAY, "blocked")] * 4 + [(LATER, "not started")] * 5,
    TAMARACK: [(YESTERDAY, "in progress")] * 3 + [(LATER, "in progress")],
    WILLOW: [(date(2026, 9, 1), "not started")] * 2,
}  # fmt: skip
# A closed goal's overdue steps, which must not count (they would make Holly
# 7 of 12 overdue, 58%).
CLOSED_GOAL_STEPS = {HOLLY: [(YESTERDAY, "in progress")] * 3}

# school, requested on, status
REQUESTS = [
    (PINE, datetime(2026, 11, 18, 23, 30), "open"),  # 15 calendar days
    (QUINCE, datetime(2026, 11, 19, 0, 5), "open"),  # 14
    (QUINCE, datetime(2026, 8, 1, 9, 0), "answered"),
    (SPRUCE, datetime(2026, 10, 4, 9, 0), "open"),  # 60
    (WILLOW, datetime(2026, 11, 3, 9, 0), "open"),  # 30
    (WILLOW, datetime(2026, 11, 30, 9, 0), "open"),
    (HAZEL, datetime(2025, 1, 1, 9, 0), "withdrawn"),
]

MONTHS = [date(2025, 12, 1) + pd.DateOffset(months=i) for i in range(12)]
MONTHS = [d.date() for d in MONTHS]  # Dec 2025 to Nov 2026
YEARS = [date(year, 8, 1) for year in range(2022, 2027)]  # Aug 2022 to Aug 2026
FLAT = [95.0] * 12  # every point on the median: no signal
# school: [(measure, group, periods, values, group size)]; every school has the
# flat attendance series for all students unless given here.
TOTAL = "All students"
DROP = [96.0] * 6 + [90.0] * 6  # a shift below the median in the last 6 months
RISE = [90.0] * 6 + [96.0] * 6  # below, then above: the adverse one ended earlier
FALLING_AT_END = [95.0, 96, 95, 96, 95, 96, 95, 94, 93, 92, 91, 90]
MEASURED = {
    JUNIPER: [(ATTENDANCE, TOTAL, MONTHS, DROP, 10)],
    KAPOK: [
        (ATTENDANCE, TOTAL, MONTHS, FLAT, 300),
        (SUSPENSION, TOTAL, YEARS, [2.0, 2.5, 3.0, 3.5, 4.0], 300),
    ],
    LARCH: [
        (ATTENDANCE, TOTAL, MONTHS, RISE, 300),
        (SUSPENSION, TOTAL, YEARS, [4.0, 3.5, 3.0, 2.5, 2.0], 300),
    ],
    MAPLE: [
        (ATTENDANCE, TOTAL, MONTHS, DROP, 9),
        (ATTENDANCE, "English learners", MONTHS, DROP, 50),
    ],
    WILLOW: [(ATTENDANCE, TOTAL, MONTHS, FALLING_AT_END, 300)],
}


def _frame(rows: list[tuple], columns: str) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=columns.split())


def latest_levels(school: int) -> dict[int, int]:
    if school == GINKGO:
        return {}
    return LATEST.get(school, DEFAULT_LEVELS)


def support_district() -> dict[str, pd.DataFrame]:
    """The twenty-one schools above as the frames ``Store.bulk_load`` takes."""
    users = _frame(PEOPLE, "id email name role school_id network_id active")
    users[["school_id", "network_id"]] = users[["school_id", "network_id"]].astype(
        "Int64"
    )
    reviews, ratings = [], []

    def rate(review: int, levels: dict[int, int], kind: str, rater=None) -> None:
        for standard, level in levels.items():
            ratings.append((len(ratings) + 1, review, standard, kind, rater, level))

    for school, *_ in SCHOOLS:
        if school == GINKGO:
            continue
        latest = len(reviews) + 1
        reviews.append((latest, school, 2025, "action planning", date(2026, 2, 2)))
        rate(latest, latest_levels(school), "consensus")
        rate(latest, SELF.get(school, latest_levels(school)), "self-reflection")
        if school in PREVIOUS:
            before = len(reviews) + 1
            reviews.append((before, school, 2022, "complete", date(2023, 2, 2)))
            rate(before, PREVIOUS[school], "consensus")
    # Birch: Emerging on S2 in a review not yet published and on S3 by one
    # reviewer: neither is a published consensus, so Birch has one Emerging.
    unpublished = len(reviews) + 1
    reviews.append((unpublished, BIRCH, 2026, "report", None))
    rate(unpublished, {S1: 1, S2: 1, S3: 1}, "consensus")
    rate(1 + [r[1] for r in reviews].index(BIRCH), {S3: 1}, "reviewer", 7)

    goals, steps, check_ins, values = [], [], [], []
    stamp = datetime(2025, 9, 1, 9, 0)
    for school, *_ in SCHOOLS:
        goals.append((school, school, S1, "Every lesson checks for understanding",
                      "open", 4, stamp))  # fmt: skip
        for due_on, status in STEPS.get(school, [(LATER, "in progress")]):
            steps.append((len(steps) + 1, school, "A step", "Coach",
                          date(2025, 9, 1), due_on, status))  # fmt: skip
        written = CHECK_INS.get(school, datetime(2026, 11, 23, 10, 0))
        if written is not None:
            check_ins.append((len(check_ins) + 1, school, school, None,
                              "in progress", "", 4, written))  # fmt: skip
            # An older one, which the last does not hide.
            check_ins.append((len(check_ins) + 1, school, school, None,
                              "in progress", "", 4, datetime(2025, 10, 1)))  # fmt: skip
        for measure, group, periods, points, size in MEASURED.get(
            school, [(ATTENDANCE, TOTAL, MONTHS, FLAT, 300)]
        ):
            values += [
                (school, measure, period, group, value, size)
                for period, value in zip(periods, points, strict=True)
            ]
    for school, closed in CLOSED_GOAL_STEPS.items():
        goal = 100 + school
        goals.append((goal, school, S2, "Last year's goal", "closed", 4, stamp))
        for due_on, status in closed:
            steps.append((len(steps) + 1, goal, "A step", "Coach",
                          date(2025, 9, 1), due_on, status))  # fmt: skip
    requests = [
        (i, school, "Coaching on checks for understanding", 4, on, status)
        for i, (school, on, status) in enumerate(REQUESTS, start=1)
    ]
    return {
        "networks": _frame([(NORTH, "North"), (SOUTH, "South")], "id name"),
        "schools": _frame(
            [
                (i, name, level, net, 400, 0.5, 0.2, 0.1, None)
                for i, name, net, level in SCHOOLS
            ],  # fmt: skip
            "id name level network_id enrollment pct_low_income "
            "pct_english_learners pct_disabilities principal_id",
        ).astype({"principal_id": "Int64"}),
        "users": users,
        "standards": _frame(
            [
                (S1, "S1", "Quality learning experiences", 1, None),
                (S2, "S2", "Family and community partnerships", 2, None),
                (S3, "S3", "Safe and orderly environments", 3, None),
                (S1_1, "S1.1", "Rigorous instruction", 1, S1),
            ],
            "id code name sort_order parent_id",
        ).astype({"parent_id": "Int64"}),
        "rating_levels": _frame(
            [(1, "Emerging"), (2, "Developing"), (3, "Proficient"), (4, "Exemplary")],
            "level label",
        ),
        "reviews": _frame(
            [
                (rid, school, year, phase, date(year, 9, 1), published, 7)
                for rid, school, year, phase, published in reviews
            ],  # fmt: skip
            "id school_id cycle_year phase starts_on published_on lead_reviewer_id",
        ),
        "ratings": _frame(
            ratings, "id review_id standard_id rater_kind rater_id level"
        ).astype({"rater_id": "Int64"}),
        "measures": _frame(
            [
                (ATTENDANCE, "attendance", "Attendance rate", "%", True, "monthly"),
                (SUSPENSION, "suspension", "Suspension rate", "%", False, "yearly"),
            ],
            "id code name unit higher_is_better frequency",
        ),
        "measure_values": _frame(
            values, "school_id measure_id period student_group value group_size"
        ),
        "goals": _frame(
            goals,
            "id school_id standard_id statement status created_by created_on",
        ),
        "action_steps": _frame(
            steps, "id goal_id description owner starts_on due_on status"
        ),
        "check_ins": _frame(
            check_ins,
            "id school_id goal_id action_step_id status note written_by written_on",
        ).astype({"action_step_id": "Int64"}),
        "support_requests": _frame(
            requests, "id school_id need requested_by requested_on status"
        ),
    }


def open_district(path) -> Store:
    opened = Store.open(path)
    opened.bulk_load(support_district(), {"is_demo": "false"})
    return opened


@pytest.fixture
def store(tmp_path) -> Store:
    opened = open_district(tmp_path / "support.duckdb")
    yield opened
    opened.close()


@pytest.fixture
def people(store: Store) -> dict[str, User]:
    """The users by email prefix (``office``, ``lead.north`` and so on)."""
    return {email.split("@")[0]: store.user_by_email(email) for _, email, *_ in PEOPLE}


# -- what each school should show, worked out by hand ------------------------------

LOWEST, DECLINE, STALLED, OVERDUE, ADVERSE, GAP, WAITING = (
    "lowest ratings", "decline", "stalled plan", "overdue steps", "adverse signal",
    "self-reflection gap", "unanswered request",
)  # fmt: skip
EXPECTED: dict[int, dict[str, str]] = {
    ASH: {LOWEST: "2 standards rated Emerging in 2025–26 (S1, S2)"},
    BIRCH: {},
    CEDAR: {DECLINE: "S1 fell from Proficient to Developing since the review before"},
    DOGWOOD: {},
    ELM: {STALLED: "No check-in for 46 days"},
    FIR: {},
    GINKGO: {STALLED: "No check-in recorded yet"},
    HAZEL: {OVERDUE: "1 of 2 open action steps overdue (50%)"},
    HOLLY: {},
    JUNIPER: {
        ADVERSE: "Attendance rate: 6 points in a row below the median "
        "(Jun 2026 to Nov 2026)"
    },
    KAPOK: {
        ADVERSE: "Suspension rate: 5 points in a row rising (Aug 2022 to Aug 2026)"
    },
    LARCH: {},
    MAPLE: {},
    NUTMEG: {GAP: "S2: self-reflection Exemplary, team Developing"},
    OAK: {},
    PINE: {WAITING: "A support request has waited 15 days for an answer"},
    QUINCE: {},
    ROWAN: {
        LOWEST: "2 standards rated Emerging in 2025–26 (S2, S3)",
        STALLED: "No check-in for 200 days",
    },
    SPRUCE: {
        DECLINE: "S3 fell from Exemplary to Proficient since the review before",
        GAP: "S1: self-reflection Emerging, team Proficient",
        WAITING: "A support request has waited 60 days for an answer",
    },
    TAMARACK: {
        LOWEST: "3 standards rated Emerging in 2025–26 (S1, S2, S3)",
        DECLINE: "S1 fell from Proficient to Emerging; S2 fell from Developing to "
        "Emerging since the review before",
        STALLED: "No check-in recorded yet",
        OVERDUE: "3 of 4 open action steps overdue (75%)",
    },
    WILLOW: {
        LOWEST: "2 standards rated Emerging in 2025–26 (S1, S3)",
        DECLINE: "S1 fell from Developing to Emerging since the review before",
        STALLED: "No check-in for 100 days",
        OVERDUE: "2 of 2 open action steps overdue (100%)",
        ADVERSE: "Attendance rate: 7 points in a row falling (May 2026 to Nov 2026)",
        GAP: "S2: self-reflection Emerging, team Proficient",
        WAITING: "A support request has waited 30 days for an answer",
    },
}
# Intensive first, then more reasons first, then by name.
ORDER = [
    WILLOW, TAMARACK,  # intensive: 7, 4
    SPRUCE, ROWAN,  # targeted: 3, 2
    ASH, CEDAR, ELM, GINKGO, HAZEL, JUNIPER, KAPOK, NUTMEG, PINE,  # 1 reason
    BIRCH, DOGWOOD, FIR, HOLLY, LARCH, MAPLE, OAK, QUINCE,  # none
]  # fmt: skip
TIER_OF = {WILLOW: "intensive", TAMARACK: "intensive", SPRUCE: "targeted",
           ROWAN: "targeted"}  # fmt: skip
DEFAULT_RULES = [
    "Lowest ratings: 2 or more standards at the lowest level of the scale in the "
    "latest review.",
    "Decline: a standard 1 level or more lower than in the review before.",
    "Stalled plan: no check-in for over 45 days.",
    "Overdue steps: 50% or more of the open action steps overdue.",
    "Adverse signal: a measure for all students whose run chart ends in a shift or "
    "trend the wrong way.",
    "Self-reflection gap: self-reflection and team ratings 2 levels or more apart "
    "on a standard.",
    "Unanswered request: a support request open for more than 14 days.",
    "Intensive support: 4 or more of these reasons; targeted: 2 or more; universal "
    "(the support every school gets): fewer.",
]
COLUMNS = ["school_id", "school", "network", "level", "tier", "reason_count",
           "rules", "reasons"]  # fmt: skip


def by_school(found: needs_support.NeedsSupport) -> dict[int, dict[str, str]]:
    """Each school's reasons keyed by rule, checking the two lists agree."""
    shown = {}
    for row in found.schools.itertuples():
        assert len(row.rules) == len(row.reasons) == row.reason_count
        shown[int(row.school_id)] = dict(zip(row.rules, row.reasons, strict=True))
    return shown


def expected_rows(schools: list[int]) -> list[tuple]:
    network = {school: "North" if net == NORTH else "South"
               for school, _, net, _ in SCHOOLS}  # fmt: skip
    level = {school: lvl for school, *_, lvl in SCHOOLS}
    return [
        (s, NAMES[s], network[s], level[s], TIER_OF.get(s, "universal"),
         len(EXPECTED[s]), list(EXPECTED[s]), list(EXPECTED[s].values()))
        for s in ORDER if s in schools
    ]  # fmt: skip


def rows_of(found: needs_support.NeedsSupport) -> list[tuple]:
    table = found.schools
    assert list(table.columns) == COLUMNS
    return [
        (int(r.school_id), r.school, r.network, r.level, r.tier, int(r.reason_count),
         list(r.rules), list(r.reasons))
        for r in table.itertuples()
    ]  # fmt: skip


# -- the rules, each at its threshold ----------------------------------------------


def test_each_rule_is_met_at_its_threshold_and_missed_just_below(store, people):
    found = needs_support.needs_support(store, people["office"], TODAY)
    assert by_school(found) == EXPECTED


@pytest.mark.parametrize(
    ("rule", "meets", "misses"),
    [
        (LOWEST, ASH, BIRCH),
        (DECLINE, CEDAR, DOGWOOD),
        (STALLED, ELM, FIR),
        (OVERDUE, HAZEL, HOLLY),
        (ADVERSE, JUNIPER, LARCH),
        (ADVERSE, JUNIPER, MAPLE),
        (ADVERSE, KAPOK, LARCH),
        (GAP, NUTMEG, OAK),
        (WAITING, PINE, QUINCE),
    ],
)
def test_one_school_meets_a_rule_and_its_pair_does_not(
    store, people, rule, meets, misses
):
    shown = by_school(needs_support.needs_support(store, people["office"], TODAY))
    assert list(shown[meets]) == [rule]
    assert shown[misses] == {}


def test_the_whole_list_in_order_with_tiers_and_counts(store, people):
    found = needs_support.needs_support(store, people["office"], TODAY)
    assert rows_of(found) == expected_rows(list(NAMES))
    assert found.schools.index.tolist() == list(range(len(NAMES)))
    assert found.rules == DEFAULT_RULES
    assert found.rules == needs_support.rule_statements(store)


def test_the_tiers_are_counted_by_network_with_a_district_total(store, people):
    found = needs_support.needs_support(store, people["office"], TODAY)
    assert found.tiers.to_dict("records") == [
        {"network": "North", "intensive": 0, "targeted": 2, "universal": 9},
        {"network": "South", "intensive": 2, "targeted": 0, "universal": 8},
        {"network": "All networks", "intensive": 2, "targeted": 2, "universal": 17},
    ]


@pytest.mark.parametrize(
    ("reasons", "tier"),
    [(0, "universal"), (1, "universal"), (2, "targeted"), (3, "targeted"),
     (4, "intensive"), (7, "intensive")],
)  # fmt: skip
def test_tier_boundaries_at_the_default_counts(reasons, tier):
    limits = {"support_targeted_reasons": 2, "support_intensive_reasons": 4}
    assert needs_support.tier_of(reasons, limits) == tier


def test_a_rule_that_finds_nothing_leaves_every_row_without_it(store, people):
    found = needs_support.needs_support(store, people["office"], TODAY)
    table = found.schools.set_index("school_id")
    # 'no check-in recorded' reads a missing date: Ginkgo has no review either,
    # and nothing else is said of it.
    assert table.loc[GINKGO, "rules"] == [STALLED]
    assert all(isinstance(r, list) for r in table["reasons"])


# -- district settings move schools across thresholds ------------------------------


@pytest.mark.parametrize(
    ("key", "value", "moved", "reasons", "statement"),
    [
        ("support_lowest_standards", 1, BIRCH,
         {LOWEST: "1 standard rated Emerging in 2025–26 (S1)"},
         "Lowest ratings: 1 or more standards at the lowest level of the scale in "
         "the latest review."),
        ("check_in_stale_days", 44, FIR, {STALLED: "No check-in for 45 days"},
         "Stalled plan: no check-in for over 44 days."),
        ("check_in_stale_days", 46, ELM, {},
         "Stalled plan: no check-in for over 46 days."),
        ("support_overdue_share", 0.44, HOLLY,
         {OVERDUE: "4 of 9 open action steps overdue (44%)"},
         "Overdue steps: 44% or more of the open action steps overdue."),
        ("support_overdue_share", 0.51, HAZEL, {},
         "Overdue steps: 51% or more of the open action steps overdue."),
        ("support_request_wait_days", 13, QUINCE,
         {WAITING: "A support request has waited 14 days for an answer"},
         "Unanswered request: a support request open for more than 13 days."),
        ("support_request_wait_days", 15, PINE, {},
         "Unanswered request: a support request open for more than 15 days."),
        ("small_group_threshold", 9, MAPLE,
         {ADVERSE: "Attendance rate: 6 points in a row below the median "
          "(Jun 2026 to Nov 2026)"}, None),
        ("small_group_threshold", 11, JUNIPER, {}, None),
    ],
)  # fmt: skip
def test_a_district_setting_moves_a_school_across_its_threshold(
    store, people, key, value, moved, reasons, statement
):
    office = people["office"]
    before = by_school(needs_support.needs_support(store, office, TODAY))
    assert before[moved] != reasons
    actions.change_setting(store, office, {"key": key, "value": value})
    found = needs_support.needs_support(store, office, TODAY)
    after = by_school(found)
    assert after[moved] == reasons
    assert {s: r for s, r in after.items() if s != moved} == {
        s: r for s, r in before.items() if s != moved
    }
    rules = needs_support.rule_statements(store)
    assert found.rules == rules
    if statement is not None:
        assert statement in rules
        assert [r for r in rules if r not in DEFAULT_RULES] == [statement]
    else:
        assert rules == DEFAULT_RULES


def test_a_wider_decline_or_gap_setting_changes_only_the_schools_it_should(
    store, people
):
    office = people["office"]
    actions.change_setting(store, office, {"key": "support_decline_levels", "value": 2})
    actions.change_setting(
        store, office, {"key": "support_self_gap_levels", "value": 1}
    )
    found = needs_support.needs_support(store, office, TODAY)
    shown = by_school(found)
    assert DECLINE not in shown[CEDAR]
    assert DECLINE not in shown[SPRUCE]  # Exemplary to Proficient: one level
    assert DECLINE not in shown[WILLOW]  # Developing to Emerging: one level
    assert shown[TAMARACK][DECLINE] == (
        "S1 fell from Proficient to Emerging since the review before"
    )
    assert shown[OAK] == {GAP: "S2: self-reflection Exemplary, team Proficient"}
    assert shown[WILLOW][GAP] == (
        "S2: self-reflection Emerging, team Proficient; "
        "S3: self-reflection Developing, team Emerging"
    )
    assert [r for r in found.rules if r not in DEFAULT_RULES] == [
        "Decline: a standard 2 levels or more lower than in the review before.",
        "Self-reflection gap: self-reflection and team ratings 1 level or more "
        "apart on a standard.",
    ]


def test_the_tier_settings_move_schools_between_tiers(store, people):
    office = people["office"]
    actions.change_setting(
        store, office, {"key": "support_targeted_reasons", "value": 1}
    )
    actions.change_setting(
        store, office, {"key": "support_intensive_reasons", "value": 3}
    )
    found = needs_support.needs_support(store, office, TODAY)
    tiers = dict(zip(found.schools["school_id"], found.schools["tier"], strict=True))
    assert [s for s, t in tiers.items() if t == "intensive"] == [
        WILLOW, TAMARACK, SPRUCE
    ]  # fmt: skip
    assert [s for s, t in tiers.items() if t == "targeted"] == [
        ROWAN, ASH, CEDAR, ELM, GINKGO, HAZEL, JUNIPER, KAPOK, NUTMEG, PINE
    ]  # fmt: skip
    assert found.rules[-1] == (
        "Intensive support: 3 or more of these reasons; targeted: 1 or more; "
        "universal (the support every school gets): fewer."
    )
    assert found.tiers.to_dict("records")[-1] == {
        "network": "All networks", "intensive": 3, "targeted": 10, "universal": 8
    }  # fmt: skip


# -- who sees what -----------------------------------------------------------------

SOUTH_SCHOOLS = [s for s, _, net, _ in SCHOOLS if net == SOUTH]
NORTH_SCHOOLS = [s for s, _, net, _ in SCHOOLS if net == NORTH]


def test_a_network_lead_sees_only_their_network(store, people):
    found = needs_support.needs_support(store, people["lead.north"], TODAY)
    assert rows_of(found) == expected_rows(NORTH_SCHOOLS)
    assert found.tiers.to_dict("records") == [
        {"network": "North", "intensive": 0, "targeted": 2, "universal": 9},
        {"network": "All networks", "intensive": 0, "targeted": 2, "universal": 9},
    ]


def test_the_network_filter_keeps_one_network(store, people):
    found = needs_support.needs_support(
        store, people["office"], TODAY, network_id=SOUTH
    )
    assert rows_of(found) == expected_rows(SOUTH_SCHOOLS)
    assert found.tiers.to_dict("records") == [
        {"network": "South", "intensive": 2, "targeted": 0, "universal": 8},
        {"network": "All networks", "intensive": 2, "targeted": 0, "universal": 8},
    ]
    own = needs_support.needs_support(
        store, people["lead.south"], TODAY, network_id=SOUTH
    )
    assert rows_of(own) == rows_of(found)


def test_a_network_lead_filtering_on_another_network_sees_no_school(store, people):
    found = needs_support.needs_support(
        store, people["lead.north"], TODAY, network_id=SOUTH
    )
    assert found.schools.empty
    assert list(found.schools.columns) == COLUMNS
    assert found.tiers.to_dict("records") == [
        {"network": "All networks", "intensive": 0, "targeted": 0, "universal": 0}
    ]


@pytest.mark.parametrize(
    ("who", "message"),
    [
        ("principal.ash",
         "Only the central office and network leads see schools side by side."),
        ("team.ash",
         "Only the central office and network leads see schools side by side."),
        ("viewer",
         "Only the central office and network leads see schools side by side."),
        ("reviewer",
         "Only the central office and network leads see schools side by side."),
        ("gone", "The account gone@ns.sqr is disabled."),
        (None, "Sign in to read published summaries."),
    ],
)  # fmt: skip
def test_everyone_else_is_refused_both_views(store, people, who, message):
    user = people[who] if who else None
    with pytest.raises(PermissionDenied) as refused:
        needs_support.needs_support(store, user, TODAY)
    assert str(refused.value) == message
    with pytest.raises(PermissionDenied) as refused:
        needs_support.heatmap(store, user)
    assert str(refused.value) == message


# -- the heatmap -------------------------------------------------------------------

HEAT_COLUMNS = ["school_id", "school", "network", "level", "S1", "S2", "S3"]


def heat_rows(table: pd.DataFrame) -> list[tuple]:
    assert list(table.columns) == HEAT_COLUMNS
    assert table.index.tolist() == list(range(len(table)))
    return [
        tuple(None if pd.isna(v) else v for v in row)
        for row in table.itertuples(index=False)
    ]


def expected_heat(schools: list[int]) -> list[tuple]:
    network = {s: "North" if net == NORTH else "South" for s, _, net, _ in SCHOOLS}
    level = {school: lvl for school, *_, lvl in SCHOOLS}
    return [
        (s, NAMES[s], network[s], level[s],
         *(latest_levels(s).get(code) for code in (S1, S2, S3)))
        for s in schools
    ]  # fmt: skip


def test_the_heatmap_grid_is_each_schools_latest_published_consensus(store, people):
    table, labels = needs_support.heatmap(store, people["office"])
    assert labels == {1: "Emerging", 2: "Developing", 3: "Proficient", 4: "Exemplary"}
    by_name = sorted(NAMES, key=NAMES.get)
    assert heat_rows(table) == expected_heat(by_name)
    assert str(table["S1"].dtype) == "Int64"
    rows = {row[0]: row[4:] for row in heat_rows(table)}
    # Birch: the unpublished review and the reviewer's rating do not show.
    assert rows[BIRCH] == (1, 3, 3)
    assert rows[DOGWOOD] == (3, 3, None)  # S3 not rated in the latest review
    assert rows[GINKGO] == (None, None, None)  # no review yet
    assert rows[TAMARACK] == (1, 1, 1)


def test_the_heatmap_filters_by_network_and_level(store, people):
    office = people["office"]
    table, _ = needs_support.heatmap(store, office, network="South", level="middle")
    assert heat_rows(table) == [
        (NUTMEG, "Nutmeg Middle School", "South", "middle", 3, 2, 3),
        (OAK, "Oak Middle School", "South", "middle", 3, 3, 3),
        (PINE, "Pine Middle School", "South", "middle", 3, 3, 3),
        (QUINCE, "Quince Middle School", "South", "middle", 3, 3, 3),
    ]
    north, _ = needs_support.heatmap(store, office, network="North")
    assert [r[0] for r in heat_rows(north)] == sorted(NORTH_SCHOOLS, key=NAMES.get)
    high, _ = needs_support.heatmap(store, office, level="high")
    assert [r[1] for r in heat_rows(high)] == [
        "Juniper High School", "Kapok High School", "Larch High School",
        "Maple High School", "Tamarack High School", "Willow High School",
    ]  # fmt: skip
    none, _ = needs_support.heatmap(store, office, network="North", level="high")
    assert none.empty and list(none.columns) == HEAT_COLUMNS


def test_the_heatmap_sorts_by_a_standard_lowest_first_missing_last(store, people):
    office = people["office"]
    table, _ = needs_support.heatmap(store, office, sort_by="S1")
    assert [r[0] for r in heat_rows(table)] == [
        ASH, BIRCH, TAMARACK, WILLOW,  # Emerging, by name
        CEDAR,  # Developing
        DOGWOOD, ELM, FIR, HAZEL, HOLLY, JUNIPER, KAPOK, LARCH, MAPLE, NUTMEG,
        OAK, PINE, QUINCE, ROWAN, SPRUCE,  # Proficient
        GINKGO,  # not rated
    ]  # fmt: skip
    table, _ = needs_support.heatmap(store, office, sort_by="S3", network="North")
    assert [r[0] for r in heat_rows(table)] == [
        ROWAN,  # Emerging
        ASH, BIRCH, CEDAR, ELM, FIR, HAZEL, HOLLY, SPRUCE,  # Proficient
        DOGWOOD, GINKGO,  # not rated, by name
    ]  # fmt: skip
    # A code that is not a top-level standard's sorts by name.
    by_name, _ = needs_support.heatmap(store, office, sort_by="S1.1")
    assert [r[1] for r in heat_rows(by_name)] == sorted(NAMES.values())


def test_a_network_lead_sees_their_networks_heatmap(store, people):
    table, _ = needs_support.heatmap(store, people["lead.south"])
    assert heat_rows(table) == expected_heat(sorted(SOUTH_SCHOOLS, key=NAMES.get))
    other, _ = needs_support.heatmap(store, people["lead.south"], network="North")
    assert other.empty


# -- bugs found --------------------------------------------------------------------


def district_with(path, school: int, measure: int, points: list[float]) -> Store:
    """The district with one school's series for all students replaced."""
    frames = support_district()
    values = frames["measure_values"]
    periods = [date(2025, 12, 1) + pd.DateOffset(months=i) for i in range(len(points))]
    mine = pd.DataFrame(
        {"school_id": school, "measure_id": measure,
         "period": [p.date() for p in periods], "student_group": TOTAL,
         "value": points, "group_size": 300}
    )  # fmt: skip
    frames["measure_values"] = pd.concat(
        [values[values["school_id"] != school], mine], ignore_index=True
    )
    opened = Store.open(path)
    opened.bulk_load(frames, {"is_demo": "false"})
    return opened


def test_a_falling_trend_whose_last_point_repeats_is_still_adverse(tmp_path):
    """run_chart's rule: a point equal to the one before it neither breaks a
    trend nor counts toward it. So a series that falls five points and then
    holds still ends in that trend, but the rule asks for the trend's last
    counted point to be the latest point and finds nothing."""
    points = [95.0, 96, 95, 96, 95, 96, 95, 94, 93, 92, 92]  # median 95: no shift
    store = district_with(tmp_path / "trend.duckdb", FIR, ATTENDANCE, points)
    try:
        office = store.user_by_email("office@ns.sqr")
        shown = by_school(needs_support.needs_support(store, office, TODAY))
        assert list(shown[FIR]) == [ADVERSE]
        assert shown[FIR][ADVERSE].startswith(
            "Attendance rate: 5 points in a row falling"
        )
    finally:
        store.close()


def test_a_shift_below_whose_last_point_is_on_the_median_is_still_adverse(tmp_path):
    """run_chart's rule: a point exactly on the median neither breaks a shift
    nor counts toward it. Six months below the median and then one on it (93,
    the median of these 13) still end in that shift; the rule finds nothing."""
    points = [96.0] * 6 + [90.0] * 6 + [93.0]
    store = district_with(tmp_path / "shift.duckdb", FIR, ATTENDANCE, points)
    try:
        office = store.user_by_email("office@ns.sqr")
        shown = by_school(needs_support.needs_support(store, office, TODAY))
        assert shown[FIR] == {
            ADVERSE: "Attendance rate: 6 points in a row below the median "
            "(Jun 2026 to Nov 2026)"
        }
    finally:
        store.close()


@pytest.mark.parametrize(
    ("key", "value", "school", "rule"),
    [
        # A group of 9 students is smaller than 9.5: its figures must not count.
        ("small_group_threshold", 9.5, MAPLE, ADVERSE),
        # Ash has 2 standards at Emerging, fewer than 2.5.
        ("support_lowest_standards", 2.5, ASH, LOWEST),
    ],
)
def test_a_fractional_count_setting_is_refused_or_applied_as_set(
    store, people, key, value, school, rule
):
    """change_setting stores 9.5 (it is within the setting's range) but
    config.district_settings reads it back as int(9.5) == 9, so the rules and
    their statements use a lower threshold than the district set (the "or
    more" rules and the small-group threshold; the "over N days" rules happen
    to agree, days being whole)."""
    office = people["office"]
    try:
        actions.change_setting(store, office, {"key": key, "value": value})
    except InvalidInput:
        return  # refusing a count that is not whole is a fix too
    found = needs_support.needs_support(store, office, TODAY)
    assert rule not in by_school(found)[school]
