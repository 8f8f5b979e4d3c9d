"""The review calendar on a hand-built district of eight schools, on the default
three-year rotation, planned for the cycle 2026 (the school year 2026-27):

  id  school               network  reviews (cycle: phase)           in 2026
  1   Alder Elementary     North    2023: complete                   due, not scheduled
  2   Birch Middle School  North    2022: complete                   late (due 2025)
  3   Cedar High School    South    2023: complete; 2026: report     under way
  4   Dogwood Elementary   South    none                             due, not scheduled
  5   Elm Elementary       South    2024: action planning            not due (2027)
  6   Fir Elementary       North    2023: complete;                  reviewed
                                    2026: action planning, published
  7   Gum Elementary       North    2026: self-reflection            under way
  8   Hazel Middle School  South    2026: site visit                 under way

Who is on the 2026 reviews (lead first), and where they belong:

  Cedar  Rae (lead; no school), Rex (Cedar's own reviewer), Ria (no school)
  Fir    Rae (lead), Nora (belongs to the North network)
  Gum    Gus (lead; Gum's own reviewer), Sam (Elm, South), Ria
  Hazel  Ria (lead), Sam (Elm, South)
"""

from __future__ import annotations

import json
from datetime import date, timedelta

import pandas as pd
import pytest

from sqr_tracker import review_calendar
from sqr_tracker.cli import main
from sqr_tracker.errors import PermissionDenied
from sqr_tracker.models import Phase
from sqr_tracker.store import Store

ALDER, BIRCH, CEDAR, DOGWOOD, ELM, FIR, GUM, HAZEL = range(1, 9)
RAE, REX, RIA, NORA, GUS, SAM = range(20, 26)

# id, name, level, network
SCHOOLS = [
    (ALDER, "Alder Elementary", "elementary", 1),
    (BIRCH, "Birch Middle School", "middle", 1),
    (CEDAR, "Cedar High School", "high", 2),
    (DOGWOOD, "Dogwood Elementary", "elementary", 2),
    (ELM, "Elm Elementary", "elementary", 2),
    (FIR, "Fir Elementary", "elementary", 1),
    (GUM, "Gum Elementary", "elementary", 1),
    (HAZEL, "Hazel Middle School", "middle", 2),
]
# id, email, name, role, school_id, network_id
PEOPLE = [
    (1, "nia@x.sqr", "Nia North", "network_lead", None, 1),
    (2, "office@x.sqr", "Olu Office", "central_office", None, None),
    (3, "ada@x.sqr", "Ada Alder", "principal", ALDER, None),
    (RAE, "rae@x.sqr", "Rae Lead", "reviewer", None, None),
    (REX, "rex@x.sqr", "Rex Reviewer", "reviewer", CEDAR, None),
    (RIA, "ria@x.sqr", "Ria Roams", "reviewer", None, None),
    (NORA, "nora@x.sqr", "Nora North", "reviewer", None, 1),
    (GUS, "gus@x.sqr", "Gus Gum", "reviewer", GUM, None),
    (SAM, "sam@x.sqr", "Sam Elm", "reviewer", ELM, None),
]
# id, school, cycle, phase, visit starts, visit ends, report, completes,
# published, lead
D = date
REVIEWS = [
    (1, ALDER, 2023, "complete", D(2023, 11, 6), D(2023, 11, 8), D(2024, 1, 20),
     D(2025, 3, 1), D(2024, 1, 20), RAE),
    (2, BIRCH, 2022, "complete", D(2022, 11, 7), D(2022, 11, 9), D(2023, 1, 20),
     D(2024, 3, 1), D(2023, 1, 20), RAE),
    (3, CEDAR, 2023, "complete", D(2023, 12, 4), D(2023, 12, 6), D(2024, 2, 10),
     D(2025, 3, 1), D(2024, 2, 10), RIA),
    (4, CEDAR, 2026, "report", D(2026, 12, 7), D(2026, 12, 9), D(2027, 2, 15),
     D(2028, 3, 1), None, RAE),
    (5, ELM, 2024, "action planning", D(2024, 10, 7), D(2024, 10, 9),
     D(2024, 12, 15), D(2026, 3, 1), D(2024, 12, 15), RIA),
    (6, FIR, 2023, "complete", D(2023, 10, 2), D(2023, 10, 4), D(2023, 12, 1),
     D(2025, 3, 1), D(2023, 12, 1), RIA),
    (7, FIR, 2026, "action planning", D(2026, 10, 5), D(2026, 10, 7),
     D(2026, 11, 30), D(2028, 3, 1), D(2026, 11, 30), RAE),
    (8, GUM, 2026, "self-reflection", D(2027, 1, 11), D(2027, 1, 13),
     D(2027, 3, 20), D(2028, 3, 1), None, GUS),
    (9, HAZEL, 2026, "site visit", D(2026, 11, 30), D(2026, 12, 2), D(2027, 2, 1),
     D(2028, 3, 1), None, RIA),
]  # fmt: skip
# review, user, team role: the leads are listed too, as the demo lists them
TEAMS = [
    (1, RAE, "lead"), (1, REX, "reviewer"),
    (4, RAE, "lead"), (4, REX, "reviewer"), (4, RIA, "reviewer"),
    (7, RAE, "lead"), (7, NORA, "reviewer"),
    (8, SAM, "reviewer"), (8, RIA, "reviewer"),
    (9, RIA, "lead"), (9, SAM, "reviewer"),
]  # fmt: skip


def district(settings: dict[str, str] | None = None) -> dict[str, pd.DataFrame]:
    reviews = pd.DataFrame(
        REVIEWS,
        columns=["id", "school_id", "cycle_year", "phase", "visit_starts_on",
                 "visit_ends_on", "report_on", "completes_on", "published_on",
                 "lead_reviewer_id"],
    )  # fmt: skip
    reviews["starts_on"] = reviews["visit_starts_on"] - timedelta(days=60)
    tables = {
        "networks": pd.DataFrame({"id": [1, 2], "name": ["North", "South"]}),
        "schools": pd.DataFrame(
            SCHOOLS, columns=["id", "name", "level", "network_id"]
        ).assign(
            enrollment=400,
            pct_low_income=0.5,
            pct_english_learners=0.2,
            pct_disabilities=0.1,
        ),  # fmt: skip
        "users": pd.DataFrame(
            PEOPLE, columns=["id", "email", "name", "role", "school_id", "network_id"]
        ).astype({"school_id": "Int64", "network_id": "Int64"}),
        "reviews": reviews,
        "review_team": pd.DataFrame(
            TEAMS, columns=["review_id", "user_id", "team_role"]
        ),
    }
    if settings:
        tables["settings"] = pd.DataFrame(
            {"key": list(settings), "value": list(settings.values())}
        )
    return tables


@pytest.fixture
def store(tmp_path) -> Store:
    opened = Store.open(tmp_path / "calendar.duckdb")
    opened.bulk_load(district(), {"is_demo": "false"})
    yield opened
    opened.close()


@pytest.fixture
def office(store):
    return store.user_by_email("office@x.sqr")


def statuses(due: pd.DataFrame) -> list[tuple[str, str, str, str]]:
    return list(
        due[["school", "last_cycle", "due_cycle", "status"]].itertuples(
            index=False, name=None
        )
    )


# -- due years ---------------------------------------------------------------------


def test_due_years_on_a_three_year_rotation(store, office):
    due = review_calendar.due_years(store, office, 2026)
    assert statuses(due) == [
        ("Birch Middle School", "2022–23", "2025–26", "late"),
        ("Alder Elementary", "2023–24", "2026–27", "due, not scheduled"),
        ("Dogwood Elementary", "never", "2026–27", "due, not scheduled"),
        ("Cedar High School", "2026–27", "2029–30", "under way"),
        ("Gum Elementary", "2026–27", "2029–30", "under way"),
        ("Hazel Middle School", "2026–27", "2029–30", "under way"),
        ("Fir Elementary", "2026–27", "2029–30", "reviewed"),
        ("Elm Elementary", "2024–25", "2027–28", "not due"),
    ]
    why = dict(zip(due["school"], due["why"], strict=True))
    assert why["Birch Middle School"] == (
        "last reviewed in 2022–23; was due in 2025–26, a year late"
    )
    assert why["Dogwood Elementary"] == "never reviewed: due now, no review scheduled"
    assert why["Alder Elementary"] == (
        "last reviewed in 2023–24; due now, no review scheduled"
    )
    assert why["Elm Elementary"] == "last reviewed in 2024–25; due in 2027–28"
    assert why["Fir Elementary"] == "review published; the next is due in 2029–30"
    assert why["Cedar High School"] == "review under way; the next is due in 2029–30"
    assert due["last_cycle_year"].head(3).to_dict() == {0: 2022, 1: 2023, 2: None}
    assert due["due_cycle_year"].tolist()[:3] == [2025, 2026, 2026]


def test_a_year_later_the_unscheduled_schools_are_late(store, office):
    due = review_calendar.due_years(store, office, 2027)
    assert statuses(due) == [
        ("Birch Middle School", "2022–23", "2025–26", "late"),
        ("Alder Elementary", "2023–24", "2026–27", "late"),
        ("Dogwood Elementary", "never", "2027–28", "due, not scheduled"),
        ("Elm Elementary", "2024–25", "2027–28", "due, not scheduled"),
        ("Cedar High School", "2026–27", "2029–30", "not due"),
        ("Fir Elementary", "2026–27", "2029–30", "not due"),
        ("Gum Elementary", "2026–27", "2029–30", "not due"),
        ("Hazel Middle School", "2026–27", "2029–30", "not due"),
    ]
    birch = due[due["school"] == "Birch Middle School"]["why"].iloc[0]
    assert birch == "last reviewed in 2022–23; was due in 2025–26, 2 years late"


def test_the_rotation_is_the_districts_setting(tmp_path):
    store = Store.open(tmp_path / "two-years.duckdb")
    store.bulk_load(district({"review_rotation_years": "2"}), {"is_demo": "false"})
    office = store.user_by_email("office@x.sqr")
    try:
        due = review_calendar.due_years(store, office, 2026)
        status = dict(zip(due["school"], due["status"], strict=True))
        assert status["Alder Elementary"] == "late"  # 2023 + 2 = 2025
        assert status["Elm Elementary"] == "due, not scheduled"  # 2024 + 2
        assert review_calendar.with_status(due, ["late"])["school"].tolist() == [
            "Birch Middle School",
            "Alder Elementary",
        ]
    finally:
        store.close()


def test_a_network_lead_plans_only_their_network(store):
    nia = store.user_by_email("nia@x.sqr")
    due = review_calendar.due_years(store, nia, 2026)
    assert due["school"].tolist() == [
        "Birch Middle School",
        "Alder Elementary",
        "Gum Elementary",
        "Fir Elementary",
    ]
    reviews = review_calendar.cycle_reviews(store, nia, 2026, date(2026, 12, 3))
    assert reviews["school"].tolist() == ["Gum Elementary", "Fir Elementary"]


def test_a_principal_cannot_see_the_calendar(store):
    ada = store.user_by_email("ada@x.sqr")
    with pytest.raises(PermissionDenied, match="cannot see across schools"):
        review_calendar.due_years(store, ada, 2026)
    with pytest.raises(PermissionDenied):
        review_calendar.conflicts(store, ada, 2026)


# -- this cycle's reviews ----------------------------------------------------------


@pytest.mark.parametrize(
    ("school", "phase", "ends_on", "why"),
    [
        ("Gum Elementary", "self-reflection", date(2027, 1, 11),
         "still in self-reflection: the site visit was to start on 11 Jan 2027, "
         "1 day ago"),
        ("Hazel Middle School", "site visit", date(2026, 12, 2),
         "still in site visit: the site visit was to end on 2 Dec 2026, 1 day ago"),
        ("Cedar High School", "report", date(2027, 2, 15),
         "still in report: the report was due on 15 Feb 2027, 1 day ago"),
        ("Fir Elementary", "action planning", date(2028, 3, 1),
         "still in action planning: action planning was to end on 1 Mar 2028, "
         "1 day ago"),
    ],
)  # fmt: skip
def test_a_review_is_late_the_day_after_its_phase_should_have_ended(
    store, office, school, phase, ends_on, why
):
    def review_on(today: date) -> pd.Series:
        reviews = review_calendar.cycle_reviews(store, office, 2026, today)
        return reviews[reviews["school"] == school].iloc[0]

    on_the_day = review_on(ends_on)
    assert (on_the_day["phase"], on_the_day["phase_ends_on"]) == (phase, ends_on)
    assert (on_the_day["late"], on_the_day["why_late"]) == (False, "")
    after = review_on(ends_on + timedelta(days=1))
    assert (after["late"], after["why_late"]) == (True, why)


def test_the_cycles_reviews_in_phase_order_with_the_late_ones_counted(store, office):
    reviews = review_calendar.cycle_reviews(store, office, 2026, date(2026, 12, 10))
    assert list(reviews[["school", "phase", "late", "lead_reviewer"]].itertuples(
        index=False, name=None
    )) == [
        ("Gum Elementary", "self-reflection", False, "Gus Gum"),
        ("Hazel Middle School", "site visit", True, "Ria Roams"),
        ("Cedar High School", "report", False, "Rae Lead"),
        ("Fir Elementary", "action planning", False, "Rae Lead"),
    ]  # fmt: skip
    assert reviews["why_late"].iloc[1] == (
        "still in site visit: the site visit was to end on 2 Dec 2026, 8 days ago"
    )
    counts = review_calendar.phase_counts(reviews)
    assert counts.to_dict("records") == [
        {"phase": "self-reflection", "reviews": 1, "late": 0},
        {"phase": "site visit", "reviews": 1, "late": 1},
        {"phase": "report", "reviews": 1, "late": 0},
        {"phase": "action planning", "reviews": 1, "late": 0},
        {"phase": "complete", "reviews": 0, "late": 0},
    ]
    assert review_calendar.late_reviews(reviews)["school"].tolist() == [
        "Hazel Middle School"
    ]


def test_a_cycle_without_reviews_counts_zero_in_every_phase(store, office):
    reviews = review_calendar.cycle_reviews(store, office, 2030, date(2026, 12, 3))
    assert reviews.empty
    counts = review_calendar.phase_counts(reviews)
    assert counts["reviews"].tolist() == [0, 0, 0, 0, 0]
    assert review_calendar.workload(store, office, 2030).empty
    assert review_calendar.conflicts(store, office, 2030).empty


# -- reviewers ---------------------------------------------------------------------


def test_workload_counts_the_reviews_each_person_leads_and_is_on(store, office):
    load = review_calendar.workload(store, office, 2026)
    assert load.to_dict("records") == [
        {"reviewer_id": RIA, "reviewer": "Ria Roams", "led": 1, "on_team": 2,
         "reviews": 3},
        {"reviewer_id": RAE, "reviewer": "Rae Lead", "led": 2, "on_team": 0,
         "reviews": 2},
        {"reviewer_id": SAM, "reviewer": "Sam Elm", "led": 0, "on_team": 2,
         "reviews": 2},
        {"reviewer_id": GUS, "reviewer": "Gus Gum", "led": 1, "on_team": 0,
         "reviews": 1},
        {"reviewer_id": NORA, "reviewer": "Nora North", "led": 0, "on_team": 1,
         "reviews": 1},
        {"reviewer_id": REX, "reviewer": "Rex Reviewer", "led": 0, "on_team": 1,
         "reviews": 1},
    ]  # fmt: skip


def test_a_network_leads_workload_counts_only_their_networks_reviews(store):
    nia = store.user_by_email("nia@x.sqr")
    load = review_calendar.workload(store, nia, 2026)
    assert list(load[["reviewer", "led", "on_team"]].itertuples(
        index=False, name=None
    )) == [
        ("Gus Gum", 1, 0), ("Rae Lead", 1, 0), ("Nora North", 0, 1),
        ("Ria Roams", 0, 1), ("Sam Elm", 0, 1),
    ]  # fmt: skip


def test_conflicts_name_reviewers_on_their_own_school_or_network(store, office):
    found = review_calendar.conflicts(store, office, 2026)
    assert list(
        found[["school", "reviewer", "team_role", "conflict", "warning"]].itertuples(
            index=False, name=None
        )
    ) == [
        ("Cedar High School", "Rex Reviewer", "reviewer", "own school",
         "Rex Reviewer is on the review of Cedar High School, their own school"),
        ("Fir Elementary", "Nora North", "reviewer", "own network",
         "Nora North is on the review of Fir Elementary, a school in their own "
         "network (North)"),
        ("Gum Elementary", "Gus Gum", "lead reviewer", "own school",
         "Gus Gum leads the review of Gum Elementary, their own school"),
        ("Hazel Middle School", "Sam Elm", "reviewer", "own network",
         "Sam Elm is on the review of Hazel Middle School, a school in their own "
         "network (South)"),
    ]  # fmt: skip


def test_a_reviewer_from_another_network_is_no_conflict(store, office):
    found = review_calendar.conflicts(store, office, 2026)
    gum = found[found["school"] == "Gum Elementary"]
    assert gum["reviewer"].tolist() == ["Gus Gum"]  # not Sam, from Elm in South
    assert "Ria Roams" not in set(found["reviewer"])
    assert review_calendar.conflicts(store, office, 2023).empty  # Rex on Alder


def test_a_network_lead_sees_the_conflicts_of_their_network(store):
    nia = store.user_by_email("nia@x.sqr")
    found = review_calendar.conflicts(store, nia, 2026)
    assert found["reviewer"].tolist() == ["Nora North", "Gus Gum"]


def test_the_cycles_offered_run_from_the_first_review_to_next_year(store):
    assert review_calendar.cycle_choices(store, date(2026, 12, 3)) == list(
        range(2022, 2028)
    )


# -- the command line --------------------------------------------------------------


def calendar(capsys, store: Store, *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["calendar", "--db", str(store.path), *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_calendar_as_json_carries_all_four_parts(store, capsys):
    code, out, _ = calendar(capsys, store, "--year", "2026", "--today", "2026-12-03",
                            "--as", "nia@x.sqr", "--format", "json")  # fmt: skip
    assert code == 0
    assert json.loads(out) == {
        "year": 2026,
        "cycle": "2026–27",
        "as_of": "2026-12-03",
        "rotation_years": 3,
        "due": [
            {"school_id": BIRCH, "school": "Birch Middle School", "network": "North",
             "level": "middle", "last_cycle_year": 2022, "last_cycle": "2022–23",
             "due_cycle_year": 2025, "due_cycle": "2025–26", "status": "late",
             "why": "last reviewed in 2022–23; was due in 2025–26, a year late"},
            {"school_id": ALDER, "school": "Alder Elementary", "network": "North",
             "level": "elementary", "last_cycle_year": 2023,
             "last_cycle": "2023–24", "due_cycle_year": 2026,
             "due_cycle": "2026–27", "status": "due, not scheduled",
             "why": "last reviewed in 2023–24; due now, no review scheduled"},
            {"school_id": GUM, "school": "Gum Elementary", "network": "North",
             "level": "elementary", "last_cycle_year": 2026,
             "last_cycle": "2026–27", "due_cycle_year": 2029,
             "due_cycle": "2029–30", "status": "under way",
             "why": "review under way; the next is due in 2029–30"},
            {"school_id": FIR, "school": "Fir Elementary", "network": "North",
             "level": "elementary", "last_cycle_year": 2026,
             "last_cycle": "2026–27", "due_cycle_year": 2029,
             "due_cycle": "2029–30", "status": "reviewed",
             "why": "review published; the next is due in 2029–30"},
        ],
        "reviews": [
            {"review_id": 8, "school_id": GUM, "school": "Gum Elementary",
             "network": "North", "phase": "self-reflection",
             "starts_on": "2026-11-12", "visit_starts_on": "2027-01-11",
             "visit_ends_on": "2027-01-13", "report_on": "2027-03-20",
             "completes_on": "2028-03-01", "published_on": None,
             "lead_reviewer": "Gus Gum", "phase_ends_on": "2027-01-11",
             "late": False, "why_late": ""},
            {"review_id": 7, "school_id": FIR, "school": "Fir Elementary",
             "network": "North", "phase": "action planning",
             "starts_on": "2026-08-06", "visit_starts_on": "2026-10-05",
             "visit_ends_on": "2026-10-07", "report_on": "2026-11-30",
             "completes_on": "2028-03-01", "published_on": "2026-11-30",
             "lead_reviewer": "Rae Lead", "phase_ends_on": "2028-03-01",
             "late": False, "why_late": ""},
        ],
        "workload": [
            {"reviewer_id": GUS, "reviewer": "Gus Gum", "led": 1, "on_team": 0,
             "reviews": 1},
            {"reviewer_id": RAE, "reviewer": "Rae Lead", "led": 1, "on_team": 0,
             "reviews": 1},
            {"reviewer_id": NORA, "reviewer": "Nora North", "led": 0, "on_team": 1,
             "reviews": 1},
            {"reviewer_id": RIA, "reviewer": "Ria Roams", "led": 0, "on_team": 1,
             "reviews": 1},
            {"reviewer_id": SAM, "reviewer": "Sam Elm", "led": 0, "on_team": 1,
             "reviews": 1},
        ],
        "conflicts": [
            {"review_id": 7, "school_id": FIR, "school": "Fir Elementary",
             "network": "North", "reviewer_id": NORA, "reviewer": "Nora North",
             "team_role": "reviewer", "conflict": "own network",
             "warning": "Nora North is on the review of Fir Elementary, a school in "
             "their own network (North)"},
            {"review_id": 8, "school_id": GUM, "school": "Gum Elementary",
             "network": "North", "reviewer_id": GUS, "reviewer": "Gus Gum",
             "team_role": "lead reviewer", "conflict": "own school",
             "warning": "Gus Gum leads the review of Gum Elementary, their own "
             "school"},
        ],
    }  # fmt: skip


def test_calendar_as_csv_is_the_due_list(store, capsys):
    code, out, _ = calendar(capsys, store, "--year", "2027", "--format", "csv")
    assert code == 0
    lines = out.splitlines()
    assert lines[:3] == [
        "school_id,school,network,level,last_cycle_year,last_cycle,due_cycle_year,"
        "due_cycle,status,why",
        "2,Birch Middle School,North,middle,2022,2022–23,2025,2025–26,late,"
        '"last reviewed in 2022–23; was due in 2025–26, 2 years late"',
        "1,Alder Elementary,North,elementary,2023,2023–24,2026,2026–27,late,"
        '"last reviewed in 2023–24; was due in 2026–27, a year late"',
    ]
    assert lines[3] == (
        '4,Dogwood Elementary,South,elementary,,never,2027,2027–28,"due, not '
        'scheduled","never reviewed: due now, no review scheduled"'
    )
    assert len(lines) == 9


def test_calendar_as_a_table_ends_with_the_count_by_status(store, capsys):
    code, out, _ = calendar(capsys, store, "--year", "2026")
    assert code == 0
    assert out.splitlines()[-1] == (
        "2026–27: late: 1; due, not scheduled: 2; under way: 3; reviewed: 1; "
        "not due: 1."
    )


@pytest.mark.parametrize("year", ["26", "2026-27", "next"])
def test_a_bad_cycle_year_is_a_usage_error(store, capsys, year):
    with pytest.raises(SystemExit) as stop:
        main(["calendar", "--db", str(store.path), "--year", year])
    assert stop.value.code == 2
    assert f"argument --year: {year!r} is not a cycle year YYYY" in (
        capsys.readouterr().err
    )


def test_the_phase_chart_ticks_each_review_only_while_there_are_few():
    """A tick per review reads well for a handful; among a state's thousands it
    would be thousands of labels, which the browser took minutes to draw."""
    from sqr_tracker import district_views

    def ticks(reviews: list[int]) -> tuple:
        counts = pd.DataFrame(
            {"phase": [p.value for p in Phase][: len(reviews)], "reviews": reviews}
        ).assign(late=0)
        axis = district_views.phase_chart(counts).layout.xaxis
        return axis.dtick, axis.tickformat

    assert ticks([3, 10, 0]) == (1, None)
    assert ticks([1400, 612, 1246, 75]) == (None, ",d")
