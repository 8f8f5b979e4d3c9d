"""The monthly updates and review calendar pages through AppTest, for the
central office and a network lead, on the demo district."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from sqr_tracker import compliance, district_views, review_calendar, views
from sqr_tracker.demo import build_demo_file
from sqr_tracker.home import cycle_label, school_year
from sqr_tracker.session import DEMO_USER_KEY
from sqr_tracker.store import Store
from sqr_tracker.views import plain

OFFICE, LEAD = "central.office@demo.sqr", "network.lead@demo.sqr"


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("district") / "demo.duckdb"
    build_demo_file(path, schools=24, seed=11, today=date.today())
    return str(path)


@pytest.fixture
def store(demo_file, monkeypatch):
    monkeypatch.setenv("SQR_TRACKER_DB", demo_file)
    return Store.open(demo_file)


def page_as(store: Store, page: str, email: str) -> AppTest:
    app = AppTest.from_file(f"../pages/{page}.py", default_timeout=30)
    app.session_state[DEMO_USER_KEY] = store.user_by_email(email).id
    return app.run()


def same(shown: pd.DataFrame, expected: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(
        shown.reset_index(drop=True), expected.reset_index(drop=True)
    )


def download_keys(app: AppTest) -> list[str]:
    return [button.key for button in app.download_button]


# -- monthly updates ---------------------------------------------------------------


@pytest.mark.parametrize("email", [OFFICE, LEAD])
def test_monthly_updates_show_this_months_check_ins_and_whom_to_nudge(store, email):
    app = page_as(store, "compliance", email)
    assert not app.exception
    assert app.title[0].value == "Monthly updates"
    assert [h.value for h in app.subheader] == [
        "By network",
        "Not yet checked in",
        "Every school",
    ]
    user = store.user_by_email(email)
    today = date.today()
    found = compliance.compliance(store, user, today.replace(day=1), today)
    tables = [frame.value for frame in app.dataframe]
    same(tables[0], compliance.by_network(found))
    same(tables[1], compliance.not_checked_in(found)[district_views._NUDGE_LIST])
    same(tables[2], found[district_views._FULL_LIST])
    checked = int(found["checked_in"].sum())
    assert [(m.label, m.value) for m in app.metric][0] == (
        "Checked in",
        f"{checked} of {len(found)}",
    )
    assert download_keys(app) == [
        f"updates-{name}:{kind}"
        for name in ("networks", "missing", "all")
        for kind in ("csv", "xlsx")
    ]


def test_a_network_lead_sees_only_their_network_and_no_network_choice(store):
    app = page_as(store, "compliance", LEAD)
    lead = store.user_by_email(LEAD)
    network = store.networks().set_index("id").loc[lead.network_id, "name"]
    assert set(app.dataframe[2].value["network"]) == {network}
    assert app.dataframe[0].value["network"].tolist() == [network]
    assert [box.label for box in app.selectbox] == ["Month"]


def test_choosing_last_month_and_a_network_changes_the_lists(store):
    app = page_as(store, "compliance", OFFICE)
    months = compliance.recent_months(date.today())
    assert app.selectbox(key="updates-month").value == months[0]
    assert len(app.selectbox(key="updates-month").options) == 12
    networks = store.networks()
    first = int(networks["id"].iloc[0])
    app.selectbox(key="updates-month").set_value(months[1])
    app.selectbox(key="updates-network").set_value(first).run()
    assert not app.exception
    office = store.user_by_email(OFFICE)
    found = compliance.compliance(
        store, office, months[1], date.today(), network_id=first
    )
    same(app.dataframe[-1].value, found[district_views._FULL_LIST])
    assert set(found["network"]) == {networks["name"].iloc[0]}
    missing = compliance.not_checked_in(found)
    if missing.empty:
        assert [s.value for s in app.success] == [
            f"Every school checked in for {compliance.month_label(months[1])}."
        ]
    else:
        same(app.dataframe[1].value, missing[district_views._NUDGE_LIST])


# -- review calendar ---------------------------------------------------------------


@pytest.mark.parametrize("email", [OFFICE, LEAD])
def test_the_review_calendar_shows_due_years_phases_workload_and_conflicts(
    store, email
):
    app = page_as(store, "review_calendar", email)
    assert not app.exception
    today = date.today()
    year = school_year(today)
    cycle = cycle_label(year)
    assert app.title[0].value == "Review calendar"
    assert [h.value for h in app.subheader] == [
        f"When each school is due, as of {cycle}",
        f"Reviews in {cycle}, by phase",
        "Reviewer workload",
        "Reviewers close to home",
    ]
    user = store.user_by_email(email)
    due = review_calendar.due_years(store, user, year)
    reviews = review_calendar.cycle_reviews(store, user, year, today)
    load = review_calendar.workload(store, user, year)
    tables = [frame.value for frame in app.dataframe]
    same(tables[0], due[district_views._DUE_LIST])
    same(tables[1], review_calendar.phase_counts(reviews))
    same(tables[2], reviews[district_views.review_columns(reviews)])
    same(tables[3], load[["reviewer", "led", "on_team", "reviews"]])
    found = review_calendar.conflicts(store, user, year)
    assert not found.empty  # the demo's reviewers may belong to a network
    shown = found["warning"].head(views.WARNINGS_SHOWN)
    listed = "\n".join(f"- {plain(warning)}" for warning in shown)
    assert [w.value for w in app.warning] == [listed]  # one box, a line each
    assert download_keys(app) == [
        f"calendar-{name}:{kind}"
        for name in ("due", "reviews", "workload", "conflicts")
        for kind in ("csv", "xlsx")
    ]


def test_a_network_leads_calendar_lists_only_their_network(store):
    app = page_as(store, "review_calendar", LEAD)
    lead = store.user_by_email(LEAD)
    network = store.networks().set_index("id").loc[lead.network_id, "name"]
    assert set(app.dataframe[0].value["network"]) == {network}
    assert set(app.dataframe[2].value["network"]) == {network}


def test_the_status_filter_and_the_year_choose_what_is_listed(store):
    app = page_as(store, "review_calendar", OFFICE)
    year = school_year(date.today()) + 1
    app.selectbox(key="calendar-year").set_value(year).run()
    app.multiselect(key="calendar-status").set_value(["due, not scheduled"]).run()
    assert not app.exception
    office = store.user_by_email(OFFICE)
    due = review_calendar.due_years(store, office, year)
    expected = review_calendar.with_status(due, ["due, not scheduled"])
    assert not expected.empty and len(expected) < len(due)
    same(app.dataframe[0].value, expected[district_views._DUE_LIST])
    assert (
        app.subheader[0].value == f"When each school is due, as of {cycle_label(year)}"
    )


def test_a_cycle_with_no_conflicts_says_so(store):
    app = page_as(store, "review_calendar", OFFICE)
    office = store.user_by_email(OFFICE)
    years = review_calendar.cycle_choices(store, date.today())
    quiet = [y for y in years if review_calendar.conflicts(store, office, y).empty]
    assert quiet, "the demo has a cycle without conflicts (the one after this)"
    app.selectbox(key="calendar-year").set_value(quiet[-1]).run()
    assert [s.value for s in app.success] == [
        "No reviewer is assigned to their own school or network."
    ]
    assert not [w.value for w in app.warning if "the review of" in w.value]
