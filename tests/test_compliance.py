"""Update compliance on a hand-built district of four schools, worked out by hand.

  id  school               network  check-ins written            people
  1   Alder Elementary     North    5 Oct 2026 10:00,            Ada (principal), Tia
                                    31 Oct 2026 23:59:59         and Tom (site team)
  2   Birch Middle School  North    1 Nov 2026 00:00:00          Bo (principal)
  3   Cedar High School    South    20 Nov 2025 16:00            Cy (principal), Cal
                                                                 (site team), Old (site
                                                                 team, inactive)
  4   Dogwood Elementary   South    never                        nobody

The district's first check-in is Cedar's, in November 2025, so a school that
never checked in has missed every month from November 2025 on. Nia leads North,
Sol leads South.
"""

from __future__ import annotations

import io
import json
from datetime import date, datetime

import pandas as pd
import pytest

from sqr_tracker import compliance, output
from sqr_tracker.cli import main
from sqr_tracker.errors import NotFound, PermissionDenied, SqrError
from sqr_tracker.store import Store

ALDER, BIRCH, CEDAR, DOGWOOD = 1, 2, 3, 4

# id, email, name, role, school_id, network_id, active
PEOPLE = [
    (1, "ada@x.sqr", "Ada Alder", "principal", ALDER, None, True),
    (2, "tom@x.sqr", "Tom Team", "site_team", ALDER, None, True),
    (3, "tia@x.sqr", "Tia Team", "site_team", ALDER, None, True),
    (4, "bo@x.sqr", "Bo Birch", "principal", BIRCH, None, True),
    (5, "cy@x.sqr", "Cy Cedar", "principal", CEDAR, None, True),
    (6, "cal@x.sqr", "Cal Cedar-Team", "site_team", CEDAR, None, True),
    (7, "old@x.sqr", "Old Cedar-Team", "site_team", CEDAR, None, False),
    (8, "nia@x.sqr", "Nia North", "network_lead", None, 1, True),
    (9, "sol@x.sqr", "Sol South", "network_lead", None, 2, True),
    (10, "office@x.sqr", "Olu Office", "central_office", None, None, True),
    (11, "rae@x.sqr", "Rae Reviewer", "reviewer", None, None, True),
]
CHECK_INS = [
    (1, ALDER, datetime(2026, 10, 5, 10, 0), 2),
    (2, ALDER, datetime(2026, 10, 31, 23, 59, 59), 3),
    (3, BIRCH, datetime(2026, 11, 1, 0, 0, 0), 4),
    (4, CEDAR, datetime(2025, 11, 20, 16, 0), 6),
]
TODAY = date(2026, 12, 3)
ALDER_SCHOOL = {"school_id": ALDER, "school": "Alder Elementary", "network": "North",
                "level": "elementary"}  # fmt: skip
BIRCH_SCHOOL = {"school_id": BIRCH, "school": "Birch Middle School",
                "network": "North", "level": "middle"}  # fmt: skip
CEDAR_SCHOOL = {"school_id": CEDAR, "school": "Cedar High School", "network": "South",
                "level": "high"}  # fmt: skip
DOGWOOD_SCHOOL = {"school_id": DOGWOOD, "school": "Dogwood Elementary",
                  "network": "South", "level": "elementary"}  # fmt: skip
ALDER_NUDGE = "site team: Tia Team, Tom Team; principal: Ada Alder"
ALDER_EMAILS = "tia@x.sqr, tom@x.sqr, ada@x.sqr"
CEDAR_NUDGE = "site team: Cal Cedar-Team; principal: Cy Cedar"
CEDAR_EMAILS = "cal@x.sqr, cy@x.sqr"


def district() -> dict[str, pd.DataFrame]:
    users = pd.DataFrame(
        PEOPLE,
        columns=["id", "email", "name", "role", "school_id", "network_id", "active"],
    ).astype({"school_id": "Int64", "network_id": "Int64"})
    check_ins = pd.DataFrame(
        CHECK_INS, columns=["id", "school_id", "written_on", "written_by"]
    ).assign(status="in progress", action_step_id=1)
    return {
        "networks": pd.DataFrame({"id": [1, 2], "name": ["North", "South"]}),
        "schools": pd.DataFrame(
            [
                (ALDER, "Alder Elementary", "elementary", 1, 1),
                (BIRCH, "Birch Middle School", "middle", 1, 4),
                (CEDAR, "Cedar High School", "high", 2, 5),
                (DOGWOOD, "Dogwood Elementary", "elementary", 2, None),
            ],
            columns=["id", "name", "level", "network_id", "principal_id"],
        )
        .assign(
            enrollment=400,
            pct_low_income=0.5,
            pct_english_learners=0.2,
            pct_disabilities=0.1,
        )
        .astype({"principal_id": "Int64"}),  # fmt: skip
        "users": users,
        "check_ins": check_ins,
    }


@pytest.fixture
def store(tmp_path) -> Store:
    opened = Store.open(tmp_path / "updates.duckdb")
    opened.bulk_load(district(), {"is_demo": "false"})
    yield opened
    opened.close()


def person(store: Store, email: str):
    return store.user_by_email(email)


def rows(found: pd.DataFrame) -> list[dict]:
    return found.to_dict("records")


def missed(school: dict, months: int, last: date | None, days, nudge: str, mails):
    return {**school, "checked_in": False, "check_ins": 0, "last_check_in": last,
            "days_since": days, "months_missed": months, "nudge": nudge,
            "nudge_emails": mails}  # fmt: skip


def test_a_check_in_at_the_last_second_of_a_month_counts_for_that_month(store):
    office = person(store, "office@x.sqr")
    found = compliance.compliance(store, office, date(2026, 10, 1), TODAY)
    assert list(found.columns) == compliance.COLUMNS
    assert rows(found) == [
        missed(BIRCH_SCHOOL, 12, None, None,
               "principal: Bo Birch; network lead: Nia North", "bo@x.sqr, nia@x.sqr"),
        missed(DOGWOOD_SCHOOL, 12, None, None, "network lead: Sol South",
               "sol@x.sqr"),
        missed(CEDAR_SCHOOL, 11, date(2025, 11, 20), 345,
               f"{CEDAR_NUDGE}; network lead: Sol South", f"{CEDAR_EMAILS}, sol@x.sqr"),
        {**ALDER_SCHOOL, "checked_in": True, "check_ins": 2,
         "last_check_in": date(2026, 10, 31), "days_since": 0, "months_missed": 0,
         "nudge": "", "nudge_emails": ""},
    ]  # fmt: skip


def test_a_check_in_at_midnight_on_the_first_counts_for_the_new_month(store):
    office = person(store, "office@x.sqr")
    found = compliance.compliance(store, office, date(2026, 11, 1), TODAY)
    assert rows(found) == [
        missed(DOGWOOD_SCHOOL, 13, None, None, "network lead: Sol South",
               "sol@x.sqr"),
        missed(CEDAR_SCHOOL, 12, date(2025, 11, 20), 375,
               f"{CEDAR_NUDGE}; network lead: Sol South", f"{CEDAR_EMAILS}, sol@x.sqr"),
        missed(ALDER_SCHOOL, 1, date(2026, 10, 31), 30, ALDER_NUDGE, ALDER_EMAILS),
        {**BIRCH_SCHOOL, "checked_in": True, "check_ins": 1,
         "last_check_in": date(2026, 11, 1), "days_since": 29, "months_missed": 0,
         "nudge": "", "nudge_emails": ""},
    ]  # fmt: skip
    assert compliance.headline(found, date(2026, 11, 1)) == (
        "1 of 4 schools checked in for November 2026"
    )


def test_days_since_run_to_today_while_the_month_is_under_way(store):
    office = person(store, "office@x.sqr")
    found = compliance.compliance(store, office, date(2026, 12, 1), TODAY)
    days = dict(zip(found["school"], found["days_since"], strict=True))
    assert days["Birch Middle School"] == 32  # 1 Nov to 3 Dec
    assert days["Alder Elementary"] == 33
    assert found["months_missed"].tolist() == [14, 13, 2, 1]


def test_months_missed_run_across_the_new_year(store):
    office = person(store, "office@x.sqr")
    january = compliance.compliance(store, office, date(2026, 1, 1), date(2026, 2, 10))
    cedar = january[january["school_id"] == CEDAR].iloc[0]
    assert (cedar["months_missed"], cedar["days_since"]) == (2, 72)  # Dec and Jan
    assert cedar["last_check_in"] == date(2025, 11, 20)


def test_the_network_lead_is_nudged_from_the_second_month_missed(store):
    office = person(store, "office@x.sqr")

    def cedar_in(month: date) -> tuple[int, str, str]:
        found = compliance.compliance(store, office, month, TODAY)
        row = found[found["school_id"] == CEDAR].iloc[0]
        return row["months_missed"], row["nudge"], row["nudge_emails"]

    assert cedar_in(date(2025, 11, 1)) == (0, "", "")
    assert cedar_in(date(2025, 12, 1)) == (1, CEDAR_NUDGE, CEDAR_EMAILS)
    assert cedar_in(date(2026, 1, 1)) == (
        2,
        f"{CEDAR_NUDGE}; network lead: Sol South",
        f"{CEDAR_EMAILS}, sol@x.sqr",
    )


def test_a_school_with_nobody_on_its_plan_goes_to_its_network_lead_at_once(store):
    office = person(store, "office@x.sqr")
    found = compliance.compliance(store, office, date(2025, 11, 1), TODAY)
    dogwood = found[found["school_id"] == DOGWOOD].iloc[0]
    assert dogwood["months_missed"] == 1
    assert (dogwood["nudge"], dogwood["nudge_emails"]) == (
        "network lead: Sol South",
        "sol@x.sqr",
    )


def test_a_school_with_nobody_active_to_ask_says_so(tmp_path):
    tables = district()
    tables["users"].loc[tables["users"]["email"] == "sol@x.sqr", "active"] = False
    alone = Store.open(tmp_path / "alone.duckdb")
    alone.bulk_load(tables, {"is_demo": "false"})
    try:
        office = person(alone, "office@x.sqr")
        found = compliance.compliance(alone, office, date(2026, 11, 1), TODAY)
        dogwood = found[found["school_id"] == DOGWOOD].iloc[0]
        assert (dogwood["nudge"], dogwood["nudge_emails"]) == (
            "nobody on record: ask the central office",
            "",
        )
        cedar = found[found["school_id"] == CEDAR].iloc[0]
        assert (cedar["nudge"], cedar["nudge_emails"]) == (CEDAR_NUDGE, CEDAR_EMAILS)
    finally:
        alone.close()


def test_a_network_lead_sees_only_their_networks_schools(store):
    nia = person(store, "nia@x.sqr")
    found = compliance.compliance(store, nia, date(2026, 11, 1), TODAY)
    assert found["school"].tolist() == ["Alder Elementary", "Birch Middle School"]
    assert rows(compliance.by_network(found)) == [
        {"network": "North", "schools": 2, "checked_in": 1, "not_checked_in": 1,
         "missed_two_or_more": 0},
    ]  # fmt: skip
    with pytest.raises(PermissionDenied, match="only the schools of their network"):
        compliance.compliance(store, nia, date(2026, 11, 1), TODAY, network_id=2)
    same = compliance.compliance(store, nia, date(2026, 11, 1), TODAY, network_id=1)
    assert rows(same) == rows(found)


def test_the_central_office_sees_every_network_or_chooses_one(store):
    office = person(store, "office@x.sqr")
    found = compliance.compliance(store, office, date(2026, 11, 1), TODAY)
    assert rows(compliance.by_network(found)) == [
        {"network": "North", "schools": 2, "checked_in": 1, "not_checked_in": 1,
         "missed_two_or_more": 0},
        {"network": "South", "schools": 2, "checked_in": 0, "not_checked_in": 2,
         "missed_two_or_more": 2},
    ]  # fmt: skip
    south = compliance.compliance(store, office, date(2026, 11, 1), TODAY, network_id=2)
    assert south["school"].tolist() == ["Dogwood Elementary", "Cedar High School"]
    with pytest.raises(NotFound, match="No network with id 9"):
        compliance.compliance(store, office, date(2026, 11, 1), TODAY, network_id=9)


@pytest.mark.parametrize("email", ["ada@x.sqr", "tom@x.sqr", "rae@x.sqr"])
def test_school_staff_and_reviewers_cannot_see_across_schools(store, email):
    with pytest.raises(PermissionDenied, match="cannot see across schools"):
        compliance.compliance(store, person(store, email), date(2026, 11, 1), TODAY)


def test_a_month_that_has_not_begun_is_refused(store):
    office = person(store, "office@x.sqr")
    with pytest.raises(SqrError, match=r"January 2027 has not begun yet"):
        compliance.compliance(store, office, date(2027, 1, 1), TODAY)


def test_the_last_twelve_months_are_offered_newest_first():
    months = compliance.recent_months(date(2026, 3, 31))
    assert months[:4] == [date(2026, 3, 1), date(2026, 2, 1), date(2026, 1, 1),
                          date(2025, 12, 1)]  # fmt: skip
    assert len(months) == 12 and months[-1] == date(2025, 4, 1)


def _cells(frame: pd.DataFrame) -> list[list[str]]:
    """Every cell as text, the way a spreadsheet round trip can be compared:
    blanks as '', dates as YYYY-MM-DD, whole numbers without a decimal point."""

    def cell(value) -> str:
        if value is None or (not isinstance(value, str) and pd.isna(value)):
            return ""
        if isinstance(value, datetime | pd.Timestamp):
            return value.date().isoformat()
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value)

    return [[cell(v) for v in row] for row in frame.itertuples(index=False)]


def test_both_downloads_read_back_equal_to_the_list(store):
    office = person(store, "office@x.sqr")
    found = compliance.compliance(store, office, date(2026, 10, 1), TODAY)
    from_csv = pd.read_csv(io.StringIO(output.to_csv(found)))
    from_xlsx = pd.read_excel(io.BytesIO(output.to_xlsx(found, "check-ins")))
    for back in (from_csv, from_xlsx):
        assert list(back.columns) == compliance.COLUMNS
        assert _cells(back) == _cells(found)
    assert _cells(found)[0] == [
        "2", "Birch Middle School", "North", "middle", "False", "0", "", "", "12",
        "principal: Bo Birch; network lead: Nia North", "bo@x.sqr, nia@x.sqr",
    ]  # fmt: skip


# -- the command line --------------------------------------------------------------


def run(capsys, *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_compliance_as_json_for_a_network_lead(store, capsys):
    code, out, _ = run(capsys, "compliance", "--db", str(store.path), "--month",
                       "2026-11", "--today", "2026-12-03", "--as", "nia@x.sqr",
                       "--format", "json")  # fmt: skip
    assert code == 0
    assert json.loads(out) == {
        "month": "2026-11",
        "as_of": "2026-12-03",
        "summary": "1 of 2 schools checked in for November 2026",
        "by_network": [
            {"network": "North", "schools": 2, "checked_in": 1, "not_checked_in": 1,
             "missed_two_or_more": 0},
        ],
        "schools": [
            {**ALDER_SCHOOL, "checked_in": False, "check_ins": 0,
             "last_check_in": "2026-10-31", "days_since": 30, "months_missed": 1,
             "nudge": ALDER_NUDGE, "nudge_emails": ALDER_EMAILS},
            {**BIRCH_SCHOOL, "checked_in": True, "check_ins": 1,
             "last_check_in": "2026-11-01", "days_since": 29, "months_missed": 0,
             "nudge": "", "nudge_emails": ""},
        ],
    }  # fmt: skip


def test_compliance_as_csv_of_one_network(store, capsys):
    code, out, _ = run(capsys, "compliance", "--db", str(store.path), "--month",
                       "2026-01", "--today", "2026-12-03", "--network", "2",
                       "--format", "csv")  # fmt: skip
    assert code == 0
    assert out.splitlines() == [
        "school_id,school,network,level,checked_in,check_ins,last_check_in,"
        "days_since,months_missed,nudge,nudge_emails",
        "4,Dogwood Elementary,South,elementary,False,0,,,3,network lead: Sol South,"
        "sol@x.sqr",
        "3,Cedar High School,South,high,False,0,2025-11-20,72,2,site team: Cal "
        'Cedar-Team; principal: Cy Cedar; network lead: Sol South,"cal@x.sqr, '
        'cy@x.sqr, sol@x.sqr"',
    ]


def test_compliance_as_a_table_ends_with_the_summary(store, capsys):
    code, out, _ = run(capsys, "compliance", "--db", str(store.path), "--month",
                       "2026-10", "--today", "2026-12-03")  # fmt: skip
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split()[:4] == ["school_id", "school", "network", "level"]
    assert len(lines) == 1 + 4 + 2
    assert lines[-1] == "1 of 4 schools checked in for October 2026."


@pytest.mark.parametrize("month", ["2026/11", "2026-13", "Nov 2026", "2026-1"])
def test_a_bad_month_is_a_usage_error_naming_the_form(store, capsys, month):
    with pytest.raises(SystemExit) as stop:
        main(["compliance", "--db", str(store.path), "--month", month])
    assert stop.value.code == 2
    assert f"argument --month: {month!r} is not a month YYYY-MM" in (
        capsys.readouterr().err
    )


def test_a_principal_is_refused_on_the_command_line(store, capsys):
    code, out, err = run(capsys, "compliance", "--db", str(store.path), "--month",
                         "2026-11", "--as", "ada@x.sqr")  # fmt: skip
    assert (code, out) == (1, "")
    assert err == (
        "sqr-tracker: A principal cannot see across schools: that view is for the "
        "central office and network leads.\n"
    )
