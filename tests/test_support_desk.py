"""The support desk on a hand-built district of four schools in three networks.

  network  its network leads                 school        who answers
  North    Nia North (active), Otto Old      1 Alder       Nia North
           (inactive)                        2 Birch       Nia North
  South    Sol South (inactive)              3 Cedar       central office
  East     none                              4 Dogwood     central office

On TODAY (3 Dec 2026) the open requests, oldest first:

  id  school   made              needed by    age  overdue
  4   Dogwood  1 Oct 2026 23:59  30 Nov 2026  63   yes
  1   Alder    3 Nov 2026 09:00  3 Dec 2026   30   no (needed today)
  2   Birch    20 Nov 2026       2 Dec 2026   13   yes (needed yesterday)
  3   Cedar    3 Dec 2026 07:30  none         0    no (no date)

Answered: 5 (Alder, made 1 Oct 16:00, answered 2 Oct 09:00: 1 day, though
under 24 hours), 6 (Birch, 10 days), 7 (Alder, 4 days), 9 (Cedar, the same day:
0 days). Request 8 (Cedar) was withdrawn and counts nowhere. So North answered
1, 10 and 4 days (median 4, longest 10), South 0 days, East nothing; the
district's median is 2.5 days.
"""

from __future__ import annotations

import io
from datetime import date, datetime

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from sqr_tracker import actions, output, support_desk
from sqr_tracker.errors import NotFound, PermissionDenied
from sqr_tracker.session import DEMO_USER_KEY
from sqr_tracker.store import Store

TODAY = date(2026, 12, 3)
ALDER, BIRCH, CEDAR, DOGWOOD = 1, 2, 3, 4

# id, email, name, role, school_id, network_id, active
PEOPLE = [
    (1, "principal.alder@x.sqr", "Ada Alder", "principal", ALDER, None, True),
    (2, "principal.birch@x.sqr", "Bo Birch", "principal", BIRCH, None, True),
    (3, "principal.cedar@x.sqr", "Cy Cedar", "principal", CEDAR, None, True),
    (4, "principal.dogwood@x.sqr", "Di Dogwood", "principal", DOGWOOD, None, True),
    (5, "lead.north@x.sqr", "Nia North", "network_lead", None, 1, True),
    (6, "lead.old@x.sqr", "Otto Old", "network_lead", None, 1, False),
    (7, "lead.south@x.sqr", "Sol South", "network_lead", None, 2, False),
    (8, "office@x.sqr", "Olu Office", "central_office", None, None, True),
    (9, "viewer@x.sqr", "Vic Viewer", "viewer", None, None, True),
]

# id, school, kind, peer school, need, needed by, asked by, made, status,
# answer, answered by, answered on
REQUESTS = [
    (1, ALDER, "support", None, "A coach for two days", date(2026, 12, 3), 1,
     datetime(2026, 11, 3, 9, 0), "open", "", None, None),
    (2, BIRCH, "visit", ALDER, "See Alder's exit tickets", date(2026, 12, 2), 2,
     datetime(2026, 11, 20, 14, 0), "open", "", None, None),
    (3, CEDAR, "support", None, "Translation at conferences", None, 3,
     datetime(2026, 12, 3, 7, 30), "open", "", None, None),
    (4, DOGWOOD, "pairing", CEDAR, "Pair our family liaisons", date(2026, 11, 30),
     4, datetime(2026, 10, 1, 23, 59), "open", "", None, None),
    (5, ALDER, "support", None, "Substitute cover", None, 1,
     datetime(2026, 10, 1, 16, 0), "answered", "Booked", 5,
     datetime(2026, 10, 2, 9, 0)),
    (6, BIRCH, "support", None, "Library books", None, 2,
     datetime(2026, 10, 10, 10, 0), "answered", "Ordered", 5,
     datetime(2026, 10, 20, 8, 0)),
    (7, ALDER, "support", None, "Data coach", None, 1,
     datetime(2026, 9, 1, 12, 0), "answered", "Monday", 5,
     datetime(2026, 9, 5, 17, 0)),
    (8, CEDAR, "support", None, "No longer needed", None, 3,
     datetime(2026, 8, 1, 12, 0), "withdrawn", "", 8,
     datetime(2026, 8, 30, 9, 0)),
    (9, CEDAR, "support", None, "A room for the fair", None, 3,
     datetime(2026, 11, 1, 8, 0), "answered", "Gym is yours", 8,
     datetime(2026, 11, 1, 15, 0)),
]  # fmt: skip


def _frame(rows: list[tuple], columns: str) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=columns.split())


def desk_district() -> dict[str, pd.DataFrame]:
    users = _frame(PEOPLE, "id email name role school_id network_id active")
    users[["school_id", "network_id"]] = users[["school_id", "network_id"]].astype(
        "Int64"
    )
    requests = _frame(
        REQUESTS,
        "id school_id kind peer_school_id need needed_by requested_by requested_on "
        "status answer answered_by answered_on",
    ).astype({"peer_school_id": "Int64", "answered_by": "Int64"})
    requests["answered_on"] = pd.to_datetime(requests["answered_on"])
    return {
        "networks": _frame([(1, "North"), (2, "South"), (3, "East")], "id name"),
        "schools": _frame(
            [
                (ALDER, "Alder Elementary", "elementary", 1, 400, 0.6, 0.2, 0.1),
                (BIRCH, "Birch Elementary", "elementary", 1, 460, 0.5, 0.2, 0.1),
                (CEDAR, "Cedar Middle School", "middle", 2, 600, 0.6, 0.2, 0.1),
                (DOGWOOD, "Dogwood High School", "high", 3, 900, 0.7, 0.3, 0.1),
            ],
            "id name level network_id enrollment pct_low_income "
            "pct_english_learners pct_disabilities",
        ),
        "users": users,
        "support_requests": requests,
    }


@pytest.fixture
def store(tmp_path, monkeypatch) -> Store:
    path = tmp_path / "desk.duckdb"
    opened = Store.open(path)
    # a demo file, so that the page's demo sign-in works in AppTest
    opened.bulk_load(desk_district(), {"is_demo": "true"})
    monkeypatch.setenv("SQR_TRACKER_DB", str(path))
    yield opened
    opened.close()


def user(store: Store, prefix: str):
    return store.user_by_email(f"{prefix}@x.sqr")


# -- the open list -----------------------------------------------------------------


def test_the_open_list_is_oldest_first_with_ages_and_who_answers(store):
    found = support_desk.open_requests(store, user(store, "office"), TODAY)
    assert list(found.columns) == support_desk.LIST_COLUMNS
    assert found["id"].tolist() == [4, 1, 2, 3]
    assert found["school"].tolist() == [
        "Dogwood High School",
        "Alder Elementary",
        "Birch Elementary",
        "Cedar Middle School",
    ]
    assert found["network"].tolist() == ["East", "North", "North", "South"]
    assert found["age_days"].tolist() == [63, 30, 13, 0]
    # needed yesterday is overdue, needed today is not, no date never is
    assert found["overdue"].tolist() == [True, False, True, False]
    # the inactive lead of North and South's only (inactive) lead do not answer
    assert found["who_answers"].tolist() == [
        "central office",
        "Nia North",
        "Nia North",
        "central office",
    ]
    assert found["asks_for"].tolist() == [
        "pairing with Cedar Middle School",
        "support",
        "visit to Alder Elementary",
        "support",
    ]
    assert found["requested_by"].tolist() == [
        "Di Dogwood",
        "Ada Alder",
        "Bo Birch",
        "Cy Cedar",
    ]
    assert found["requested_on"].tolist() == [
        pd.Timestamp(2026, 10, 1),
        pd.Timestamp(2026, 11, 3),
        pd.Timestamp(2026, 11, 20),
        pd.Timestamp(2026, 12, 3),
    ]
    assert found["needed_by"].iloc[1] == pd.Timestamp(2026, 12, 3)
    assert pd.isna(found["needed_by"].iloc[3])


def test_a_request_turns_overdue_the_day_after_it_was_needed(store):
    office = user(store, "office")
    on_the_day = support_desk.open_requests(store, office, date(2026, 12, 3))
    day_after = support_desk.open_requests(store, office, date(2026, 12, 4))
    assert on_the_day.set_index("id").loc[1, "overdue"] == False  # noqa: E712
    assert day_after.set_index("id").loc[1, "overdue"] == True  # noqa: E712
    assert day_after["age_days"].tolist() == [64, 31, 14, 1]


def test_an_active_lead_answers_once_the_network_has_one(store):
    office = user(store, "office")
    south = user(store, "lead.south")
    actions.set_user_active(store, office, south.id, True, version=1)
    found = support_desk.open_requests(store, office, TODAY).set_index("id")
    assert found.loc[3, "who_answers"] == "Sol South"
    assert found.loc[4, "who_answers"] == "central office"


def test_a_network_lead_sees_only_their_networks_requests(store):
    lead = user(store, "lead.north")
    found = support_desk.open_requests(store, lead, TODAY)
    assert found["id"].tolist() == [1, 2]
    assert set(found["network"]) == {"North"}
    times = support_desk.answer_times(store, lead, TODAY)
    assert times["network"].tolist() == ["North"]
    with pytest.raises(NotFound):
        support_desk.request_to_answer(store, lead, 3)


@pytest.mark.parametrize("who", ["principal.alder", "viewer"])
def test_a_school_or_a_viewer_has_no_support_desk(store, who):
    with pytest.raises(PermissionDenied):
        support_desk.open_requests(store, user(store, who), TODAY)
    with pytest.raises(PermissionDenied):
        support_desk.answer_times(store, user(store, who), TODAY)


# -- time to answer ----------------------------------------------------------------


def test_time_to_answer_per_network_in_whole_days(store):
    times = support_desk.answer_times(store, user(store, "office"), TODAY)
    assert list(times.columns) == support_desk.TIME_COLUMNS
    rows = times.astype(object).where(times.notna(), None).to_dict("records")
    assert rows == [
        {"network": "East", "answered": 0, "median_days": None,
         "longest_days": None, "still_open": 1, "oldest_open_days": 63},
        {"network": "North", "answered": 3, "median_days": 4.0,
         "longest_days": 10, "still_open": 2, "oldest_open_days": 30},
        {"network": "South", "answered": 1, "median_days": 0.0,
         "longest_days": 0, "still_open": 1, "oldest_open_days": 0},
    ]  # fmt: skip


def test_the_figures_count_open_overdue_and_the_median_over_every_answer(store):
    office = user(store, "office")
    requests = support_desk.open_requests(store, office, TODAY)
    assert support_desk.desk_figures(store, office, requests) == {
        "Open requests": 4,
        "Overdue": 2,
        "Median days to answer": "2.5 days",
    }
    lead = user(store, "lead.north")
    north = support_desk.open_requests(store, lead, TODAY)
    assert support_desk.desk_figures(store, lead, north) == {
        "Open requests": 2,
        "Overdue": 1,
        "Median days to answer": "4 days",
    }


# -- the page ----------------------------------------------------------------------


def desk_page(store: Store, prefix: str) -> AppTest:
    page = AppTest.from_file("../pages/support_requests.py", default_timeout=30)
    page.session_state[DEMO_USER_KEY] = user(store, prefix).id
    return page.run()


def save(page: AppTest) -> AppTest:
    return next(b for b in page.button if b.label == "Save the answer").click().run()


def test_answering_on_the_page_marks_it_answered_and_it_leaves_the_list(store):
    page = desk_page(store, "lead.north")
    assert not page.exception
    assert page.title[0].value == "Support requests"
    assert page.dataframe[0].value["id"].tolist() == [1, 2]
    page.selectbox(key="desk:pick").set_value(2).run()
    assert "See Alder's exit tickets" in [t.value for t in page.text]
    page.text_area(key="answer-2:answer").input("Visit booked for 9 December")
    page.radio(key="answer-2:status").set_value("answered")
    save(page)
    assert not page.exception
    assert [s.value for s in page.success] == [
        "Saved. The request has left the open list."
    ]
    status, answer, answered_by = store.rows(
        "SELECT status, answer, answered_by FROM support_requests WHERE id = 2"
    )[0]
    assert (status, answer, answered_by) == (
        "answered",
        "Visit booked for 9 December",
        user(store, "lead.north").id,
    )
    assert page.dataframe[0].value["id"].tolist() == [1]
    assert page.selectbox(key="desk:pick").options == [
        "No. 1 · Alder Elementary · support, asked 3 Nov 2026"
    ]


def test_withdrawing_on_the_page_closes_the_request(store):
    page = desk_page(store, "office")
    page.selectbox(key="desk:pick").set_value(4).run()
    page.text_area(key="answer-4:answer").input("The school no longer needs it")
    page.radio(key="answer-4:status").set_value("withdrawn")
    save(page)
    assert not page.exception
    assert store.value("SELECT status FROM support_requests WHERE id = 4") == (
        "withdrawn"
    )
    assert 4 not in page.dataframe[0].value["id"].tolist()


def test_a_stale_save_is_refused_and_the_typed_answer_stays(store):
    page = desk_page(store, "lead.north")
    page.selectbox(key="desk:pick").set_value(1).run()
    office = user(store, "office")
    actions.answer_support(store, office, 1, {"answer": "Office was first"}, version=1)
    page.run()  # redrawn meanwhile: the form keeps the version it first showed
    page.text_area(key="answer-1:answer").input("My careful answer")
    save(page)
    assert not page.exception
    [error] = [e.value for e in page.error]
    assert error.startswith("This support request was changed by Olu Office on ")
    assert "Your text has been kept" in error
    assert page.text_area(key="answer-1:answer").value == "My careful answer"
    assert store.value("SELECT answer FROM support_requests WHERE id = 1") == (
        "Office was first"
    )
    # it has left the open list, but stays on offer with the other answer shown
    assert page.dataframe[0].value["id"].tolist() == [2]
    assert page.selectbox(key="desk:pick").value == 1
    [warning] = [w.value for w in page.warning]
    assert warning.startswith("Answered by Olu Office on ")
    assert "Office was first" in [t.value for t in page.text]
    # saving again replaces it, as the message says
    save(page)
    assert store.value("SELECT answer FROM support_requests WHERE id = 1") == (
        "My careful answer"
    )


def test_the_open_list_and_the_times_download_as_shown(store):
    office = user(store, "office")
    page = desk_page(store, "office")
    assert not page.exception
    requests = support_desk.open_requests(store, office, date.today())
    times = support_desk.answer_times(store, office, date.today())
    shown, shown_times = page.dataframe[0].value, page.dataframe[1].value
    pd.testing.assert_frame_equal(shown, requests, check_dtype=False)
    pd.testing.assert_frame_equal(shown_times, times, check_dtype=False)
    dates = ["needed_by", "requested_on"]
    from_csv = pd.read_csv(io.StringIO(output.to_csv(shown)), parse_dates=dates)
    from_xlsx = pd.read_excel(io.BytesIO(output.to_xlsx(shown)))
    pd.testing.assert_frame_equal(from_csv, shown, check_dtype=False)
    pd.testing.assert_frame_equal(from_xlsx, shown, check_dtype=False)
    times_csv = pd.read_csv(io.StringIO(output.to_csv(shown_times)))
    pd.testing.assert_frame_equal(times_csv, shown_times, check_dtype=False)
    labels = [b.label for b in page.get("download_button")]
    assert labels == ["CSV", "Excel", "CSV", "Excel"]
