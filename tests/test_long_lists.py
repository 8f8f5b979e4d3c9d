"""Long lists are sent a page at a time: the needs-support list, the exemplars
past the cards, the schools working on the same thing, the review calendar's
schools, reviews and reviewers, the monthly updates' schools and the open
support requests. Each page holds
exactly its rows of the whole list, a row chosen on a later page names that
school, the download still holds every school, and a list that fits in one
page offers no pages. The page sizes are made small here so that the demo
district's lists are long.

Choosers of more schools or reviews than ``views.LONG_LIST`` are searched
first: what is typed narrows the list, and a school chosen before stays in it.

Long lists of warnings (reviewers close to home, calibration flags) are one
box of the first few lines, with how many more the download holds.

Also: "Do the ratings mean something?" reads the ratings and outcomes once for
the chosen pair and the matrix together.
"""

from __future__ import annotations

import io
from datetime import date

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from sqr_tracker import (
    actions,
    cached,
    caching,
    desk_views,
    district_views,
    exemplar_views,
    exemplars,
    needs_support,
    support_desk,
    support_views,
    validity,
    views,
)
from sqr_tracker.calibration import calibration
from sqr_tracker.compliance import compliance, recent_months
from sqr_tracker.demo import build_demo_file
from sqr_tracker.home import cycle_label, school_year
from sqr_tracker.kept import owned
from sqr_tracker.review_calendar import (
    conflicts,
    cycle_choices,
    cycle_reviews,
    due_years,
    workload,
)
from sqr_tracker.session import DEMO_USER_KEY
from sqr_tracker.store import Store
from sqr_tracker.views import plain

OFFICE = "central.office@demo.sqr"
PRINCIPAL = "principal@demo.sqr"
SHOWN = ["school", "network", "level", "tier"]


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("long-lists") / "demo.duckdb"
    build_demo_file(path, schools=30, seed=5, today=date.today())
    return str(path)


@pytest.fixture
def store(demo_file, monkeypatch):
    monkeypatch.setenv("SQR_TRACKER_DB", demo_file)
    caching.clear()
    yield Store.open(demo_file)
    caching.clear()


def page_as(store: Store, email: str, page: str) -> AppTest:
    app = AppTest.from_file(f"../pages/{page}.py", default_timeout=30)
    app.session_state[DEMO_USER_KEY] = store.user_by_email(email).id
    app.run()
    assert not app.exception, app.exception
    return app


def app_on(store: Store, email: str, page: str) -> AppTest:
    """The whole app, signed in, on one of its pages."""
    app = AppTest.from_file("../app.py", default_timeout=30)
    app.session_state[DEMO_USER_KEY] = store.user_by_email(email).id
    app.run()
    app.switch_page(f"pages/{page}.py").run()
    assert not app.exception, app.exception
    return app


def pages_choice(app: AppTest, key: str):
    """The selectbox choosing which page of a list is shown."""
    return next(s for s in app.selectbox if (s.key or "").startswith(f"{key}:rows:"))


def labels(rows: int, size: int, noun: str = "Schools") -> list[str]:
    return [
        f"{noun} {start + 1}–{min(start + size, rows)} of {rows}"
        for start in range(0, rows, size)
    ]


# -- needs support -----------------------------------------------------------------


def support_list(store: Store) -> pd.DataFrame:
    found = needs_support.needs_support(
        store, store.user_by_email(OFFICE), date.today()
    )
    listed = found.schools[found.schools["tier"].isin(["intensive", "targeted"])]
    return listed.reset_index(drop=True)


def support_table(app: AppTest) -> pd.DataFrame:
    return next(
        d.value for d in app.dataframe if (d.key or "").startswith("needs-support:")
    )


def support_key(app: AppTest) -> str:
    return next(
        d.key for d in app.dataframe if (d.key or "").startswith("needs-support:")
    )


def test_a_long_needs_support_list_is_shown_a_page_at_a_time(
    store, deferred, monkeypatch
):
    monkeypatch.setattr(support_views, "NEEDS_SUPPORT_PAGE_ROWS", 4)
    expected = support_list(store)
    rows = len(expected)
    assert rows > 8
    app = app_on(store, OFFICE, "needs_support")
    choice = pages_choice(app, "needs-support")
    assert choice.label == "Schools shown"
    assert choice.options == labels(rows, 4)
    assert support_table(app)[SHOWN].values.tolist() == (
        expected[SHOWN].iloc[:4].values.tolist()
    )
    choice.set_value(4).run()
    assert support_table(app)[SHOWN].values.tolist() == (
        expected[SHOWN].iloc[4:8].values.tolist()
    )
    # the download still holds every school listed
    made = [m for m in deferred.values() if m["name"] == "needs support.csv"]
    csv = pd.read_csv(io.StringIO(made[-1]["data"]()), keep_default_na=False)
    assert csv["school"].tolist() == expected["school"].tolist()
    # a row chosen on the second page names that page's school, and opens its plan
    school = expected.iloc[5]
    app.session_state[support_key(app)] = {"selection": {"rows": [1], "columns": []}}
    app.run()
    assert not app.exception, app.exception
    headers = [m.value for m in app.markdown if m.value.endswith(" support")]
    assert headers == [f"**{plain(school['school'])}** · {school['tier']} support"]
    app.button(key="needs-support:open").click().run()
    assert not app.exception, app.exception
    assert app.title[0].value == "School plans"
    assert app.selectbox(key="school").value == school["school_id"]


def test_a_needs_support_list_that_fits_offers_no_pages(store):
    app = page_as(store, OFFICE, "needs_support")
    assert [s.label for s in app.selectbox] == ["Network"]
    assert len(support_table(app)) == len(support_list(store))


# -- exemplars ---------------------------------------------------------------------

REST = ["rank", "school", "network", "why", "similarity", "review_age"]


def principal_lists(store: Store) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The principal's exemplars past the cards, and the schools working on
    the same thing, on the standard the page starts on."""
    user = store.user_by_email(PRINCIPAL)
    standard, _ = exemplars.weakest_focus_standard(store, user, user.school_id)
    found = exemplars.find_exemplars(
        store, user, user.school_id, standard, date.today()
    )
    same = exemplars.working_on_the_same(store, user, user.school_id, standard)
    rest = found.table.iloc[exemplar_views.CARDS :]
    return rest.reset_index(drop=True), same.table


def rest_table(app: AppTest) -> pd.DataFrame:
    return next(d.value for d in app.dataframe if list(d.value.columns) == REST)


def same_table(app: AppTest) -> pd.DataFrame:
    return next(d.value for d in app.dataframe if "reasons" in d.value.columns)


def same_rows(table: pd.DataFrame) -> list[list]:
    return table[["school", "reasons"]].values.tolist()


def test_long_exemplar_lists_are_shown_a_page_at_a_time(store, monkeypatch):
    monkeypatch.setattr(exemplar_views, "CARDS", 1)
    monkeypatch.setattr(exemplar_views, "PAGE_ROWS", 2)
    rest, same = principal_lists(store)
    assert len(rest) > 2 and len(same) > 2
    app = page_as(store, PRINCIPAL, "exemplars")
    more = pages_choice(app, "exemplars")
    assert more.options == labels(len(rest), 2)
    assert [m.value for m in app.markdown if m.value.endswith(" more exemplars**")] == [
        f"**{len(rest)} more exemplars**"
    ]
    assert rest_table(app).values.tolist() == rest[REST].iloc[:2].values.tolist()
    more.set_value(2).run()
    assert not app.exception, app.exception
    assert rest_table(app).values.tolist() == rest[REST].iloc[2:4].values.tolist()
    app.session_state["exemplars:tab"] = "Working on the same thing"
    app.run()
    sharing = pages_choice(app, "same-work")
    assert sharing.options == labels(len(same), 2)
    assert same_rows(same_table(app)) == same_rows(same.iloc[:2])
    last = (len(same) - 1) // 2 * 2
    sharing.set_value(last).run()
    assert not app.exception, app.exception
    shown = same_table(app)
    assert same_rows(shown) == same_rows(same.iloc[last:])
    assert shown["goals"].tolist() == [" | ".join(g) for g in same["goals"][last:]]
    assert f"{len(same)} schools share this work." in " ".join(
        c.value for c in app.caption
    )


def test_exemplar_lists_that_fit_offer_no_pages(store):
    rest, same = principal_lists(store)
    app = page_as(store, PRINCIPAL, "exemplars")
    assert "Schools shown" not in [s.label for s in app.selectbox]
    assert rest_table(app).values.tolist() == rest[REST].values.tolist()
    app.session_state["exemplars:tab"] = "Working on the same thing"
    app.run()
    assert "Schools shown" not in [s.label for s in app.selectbox]
    assert same_rows(same_table(app)) == same_rows(same)


# -- the review calendar and the monthly updates ------------------------------------


# Each list by the columns it starts with.
STARTS = {
    "calendar-due": ["school", "network", "level"],
    "calendar-reviews": ["school", "phase"],
    "calendar-workload": ["reviewer", "led"],
    "updates-all": ["school", "network", "level", "checked_in"],
}


def table_of(app: AppTest, key: str) -> pd.DataFrame:
    start = STARTS[key]
    return next(
        d.value for d in app.dataframe if list(d.value.columns[: len(start)]) == start
    )


def download_of(deferred: dict, name: str) -> pd.DataFrame:
    made = [m for m in deferred.values() if m["name"] == name]
    return pd.read_csv(io.StringIO(made[-1]["data"]()), keep_default_na=False)


def test_the_review_calendars_long_lists_are_shown_a_page_at_a_time(
    store, deferred, monkeypatch
):
    monkeypatch.setattr(district_views, "PAGE_ROWS", 4)
    office, today = store.user_by_email(OFFICE), date.today()
    year = school_year(today)
    lists = {
        "calendar-due": ("Schools", due_years(store, office, year), "school"),
        "calendar-reviews": (
            "Reviews", cycle_reviews(store, office, year, today), "school",
        ),
        "calendar-workload": ("Reviewers", workload(store, office, year), "reviewer"),
    }  # fmt: skip
    app = page_as(store, OFFICE, "review_calendar")
    names = {
        "calendar-due": f"reviews due {cycle_label(year)}.csv",
        "calendar-reviews": f"reviews {cycle_label(year)}.csv",
        "calendar-workload": f"reviewer workload {cycle_label(year)}.csv",
    }
    for key, (noun, expected, column) in lists.items():
        rows = len(expected)
        assert rows > 4, key
        choice = pages_choice(app, key)
        assert (choice.label, choice.options) == (
            f"{noun} shown",
            labels(rows, 4, noun),
        )
        assert f"every one of the {rows}" in choice.help
        assert table_of(app, key)[column].tolist() == expected[column][:4].tolist()
        choice.set_value(4).run()
        assert not app.exception, app.exception
        assert table_of(app, key)[column].tolist() == expected[column][4:8].tolist()
        # the download still holds every row
        assert download_of(deferred, names[key])[column].tolist() == (
            expected[column].tolist()
        )


def test_the_monthly_updates_long_list_is_shown_a_page_at_a_time(
    store, deferred, monkeypatch
):
    monkeypatch.setattr(district_views, "PAGE_ROWS", 7)
    today = date.today()
    month = recent_months(today)[0]
    schools = compliance(store, store.user_by_email(OFFICE), month, today)["school"]
    app = page_as(store, OFFICE, "compliance")
    choice = pages_choice(app, "updates-all")
    assert choice.options == labels(len(schools), 7)
    assert table_of(app, "updates-all")["school"].tolist() == schools[:7].tolist()
    last = (len(schools) - 1) // 7 * 7
    choice.set_value(last).run()
    assert not app.exception, app.exception
    assert table_of(app, "updates-all")["school"].tolist() == schools[last:].tolist()
    download = download_of(deferred, f"check-ins {month:%Y-%m}.csv")
    assert download["school"].tolist() == schools.tolist()


def test_calendar_lists_that_fit_offer_no_pages(store):
    app = page_as(store, OFFICE, "review_calendar")
    assert not [s for s in app.selectbox if (s.key or "").count(":rows:")]
    office, year = store.user_by_email(OFFICE), school_year(date.today())
    assert len(table_of(app, "calendar-due")) == len(due_years(store, office, year))


# -- support requests --------------------------------------------------------------


def test_the_open_requests_are_shown_a_page_at_a_time(tmp_path, deferred, monkeypatch):
    monkeypatch.setattr(desk_views, "OPEN_PAGE_ROWS", 2)
    path = tmp_path / "requests.duckdb"
    build_demo_file(path, schools=6, seed=5, today=date.today())
    monkeypatch.setenv("SQR_TRACKER_DB", str(path))
    store = Store.open(path)
    principal = store.user_by_email(PRINCIPAL)
    for need in ("Coaching", "Books", "Time", "A visit", "Data help"):
        request = {"school_id": principal.school_id, "need": need}
        actions.request_support(store, principal, request)
    expected = support_desk.open_requests(
        store, store.user_by_email(OFFICE), date.today()
    )
    rows = len(expected)
    assert rows > 4
    app = page_as(store, OFFICE, "support_requests")
    choice = pages_choice(app, "desk-open")
    assert choice.label == "Requests shown"
    assert choice.options == labels(rows, 2, "Requests")
    assert app.dataframe[0].value["id"].tolist() == expected["id"].iloc[:2].tolist()
    choice.set_value(2).run()
    assert not app.exception, app.exception
    assert app.dataframe[0].value["id"].tolist() == expected["id"].iloc[2:4].tolist()
    made = [m for m in deferred.values() if m["name"] == "open-support-requests.csv"]
    csv = pd.read_csv(io.StringIO(made[-1]["data"]()))
    assert csv["id"].tolist() == expected["id"].tolist()


# -- do the ratings mean something ------------------------------------------------


def test_the_pair_and_the_matrix_read_the_ratings_and_outcomes_once(store, monkeypatch):
    office = store.user_by_email(OFFICE)
    reads = []
    original = validity._ratings_and_outcomes

    def counted(store, scope):
        reads.append(scope)
        return original(store, scope)

    monkeypatch.setattr(validity, "_ratings_and_outcomes", counted)
    relation = cached.ratings_and_outcomes(store, office, 1, 1)
    matrix = cached.trust_matrix(store, office)
    other = cached.ratings_and_outcomes(store, office, 2, 1)
    assert reads == [None]
    pd.testing.assert_frame_equal(matrix, validity.trust_matrix(store, office))
    for found, pair in ((relation, (1, 1)), (other, (2, 1))):
        expected = validity.ratings_and_outcomes(store, office, *pair)
        pd.testing.assert_frame_equal(found.points, expected.points)
        assert (found.n, found.rho, found.words) == (
            expected.n,
            expected.rho,
            expected.words,
        )
    assert len(reads) == 1 + 3  # the uncached calls read each time


def test_the_schools_behind_the_chart_are_shown_a_page_at_a_time(
    store, deferred, monkeypatch
):
    from sqr_tracker import desk_views

    monkeypatch.setattr(desk_views, "POINTS_PAGE_ROWS", 7)
    app = page_as(store, OFFICE, "rating_validity")
    office = store.user_by_email(OFFICE)
    standard = app.selectbox(key="validity:standard").value
    measure = app.selectbox(key="validity:measure").value
    points = validity.ratings_and_outcomes(store, office, standard, measure).points
    assert len(points) > 7
    choice = pages_choice(app, "validity-points")
    assert choice.options == labels(len(points), 7)
    pd.testing.assert_frame_equal(app.dataframe[0].value, points.iloc[:7])
    choice.set_value(7).run()
    assert not app.exception, app.exception
    pd.testing.assert_frame_equal(app.dataframe[0].value, points.iloc[7:14])
    made = [m for m in deferred.values() if m["name"] == "ratings-and-outcomes.csv"]
    csv = pd.read_csv(io.StringIO(made[-1]["data"]()), keep_default_na=False)
    assert csv["school"].tolist() == points["school"].tolist()


# -- choosers of many schools or reviews -------------------------------------------


def summary_schools(store: Store) -> dict[int, str]:
    return cached.summary_choices.uncached(store, store.user_by_email(OFFICE))


def test_a_long_list_of_schools_is_searched_before_it_is_listed(store, monkeypatch):
    monkeypatch.setattr(views, "LONG_LIST", 10)
    schools = summary_schools(store)
    assert len(schools) == 30
    app = page_as(store, OFFICE, "summaries")
    find = app.text_input(key="summary-school:find")
    assert find.label == "Find a school"
    choice = app.selectbox(key="summary-school")
    assert choice.options == list(schools.values())[:10]
    assert [c.value for c in app.caption if c.value.startswith("The first")] == [
        "The first 10 of 30 schools are listed: type more of the name to find the "
        "one you want."
    ]
    # typing part of a name, in any case, lists the schools that hold it
    word = next(iter(schools.values())).split()[0]
    find.set_value(f"  {word.upper()} ").run()
    assert not app.exception, app.exception
    holding = [name for name in schools.values() if word.lower() in name.lower()]
    assert 0 < len(holding) < 30
    assert app.selectbox(key="summary-school").options == holding[:10]


def test_a_search_that_finds_nothing_says_so_and_lists_nothing(store, monkeypatch):
    monkeypatch.setattr(views, "LONG_LIST", 10)
    app = page_as(store, OFFICE, "summaries")
    app.text_input(key="summary-school:find").set_value("Qzxq").run()
    assert not app.exception, app.exception
    said = [i.value for i in app.info]
    assert said == ["No school holds “Qzxq”. Try fewer letters."]
    assert [s.key for s in app.selectbox] == []


def test_the_school_chosen_before_stays_listed_past_the_first_ones(store, monkeypatch):
    monkeypatch.setattr(views, "LONG_LIST", 10)
    office = store.user_by_email(OFFICE)
    followed = cached.followed_schools.uncached(store, office)
    last = list(followed)[-1]
    app = AppTest.from_file("../pages/workspace.py", default_timeout=30)
    app.session_state[DEMO_USER_KEY] = office.id
    app.session_state["school"] = last  # as Needs support's "open its plan" does
    app.run()
    assert not app.exception, app.exception
    choice = app.selectbox(key="school")
    assert choice.value == last
    assert choice.options == [followed[last], *list(followed.values())[:10]]


def test_a_short_list_is_a_plain_selectbox(store):
    app = page_as(store, OFFICE, "summaries")
    assert [t.key for t in app.text_input] == []
    assert len(app.selectbox(key="summary-school").options) == 30


def test_reviews_are_found_by_their_cycle_typed_with_a_plain_hyphen(store, monkeypatch):
    monkeypatch.setattr(views, "LONG_LIST", 10)
    reviews = cached.review_choices.uncached(store, store.user_by_email(OFFICE))
    assert len(reviews) > 10
    cycle = next(word for word in next(iter(reviews.values())).split() if "–" in word)
    app = page_as(store, OFFICE, "review")
    assert app.title[0].value != "Review"  # the first review's own title
    chosen = reviews[app.selectbox(key="review:chosen").value]
    app.text_input(key="review:chosen:find").set_value(cycle.replace("–", "-")).run()
    assert not app.exception, app.exception
    holding = [label for label in reviews.values() if cycle in label]
    assert 0 < len(holding) < len(reviews)
    holding = holding[:10]
    kept = [] if chosen in holding else [chosen]  # the one chosen before stays
    assert app.selectbox(key="review:chosen").options == [*kept, *holding]
    # nothing found: the page keeps its title and says so
    app.text_input(key="review:chosen:find").set_value("Qzxq").run()
    assert [t.value for t in app.title] == ["Review"]
    said = [i.value for i in app.info]
    assert said == ["No review holds “Qzxq”. Try fewer letters."]


def test_a_long_list_of_warnings_is_one_box_of_its_first_lines(store, monkeypatch):
    monkeypatch.setattr(views, "WARNINGS_SHOWN", 2)
    office = store.user_by_email(OFFICE)
    flags = calibration(store, office).flags["flag"]
    app = page_as(store, OFFICE, "calibration")
    assert_first_lines_and_more(app, flags)
    app = page_as(store, OFFICE, "review_calendar")
    years = cycle_choices(store, date.today())
    year = max(years, key=lambda year: len(conflicts(store, office, year)))
    app.selectbox(key="calendar-year").set_value(year).run()
    assert_first_lines_and_more(app, conflicts(store, office, year)["warning"])


def assert_first_lines_and_more(app: AppTest, lines: pd.Series) -> None:
    """The page's one warning holds the first two lines, and a caption says
    how many more there are."""
    assert len(lines) > 2
    first = "\n".join(f"- {views.plain(line)}" for line in lines[:2])
    assert [box.value for box in app.warning] == [first]
    more = f"And {len(lines) - 2:,} more: download the list to see them all."
    assert more in [caption.value for caption in app.caption]


def _two_warnings():
    import pandas as pd

    from sqr_tracker import views

    lines = ["Ana\n\n    Lee is on *her own* school's review", "Bo is too"]
    views.listed_warning(pd.Series(lines), icon=":material/warning:")


def test_a_line_break_in_a_listed_warning_keeps_it_one_line_of_the_list():
    app = AppTest.from_function(_two_warnings).run()
    assert not app.exception
    assert [box.value for box in app.warning] == [
        "- Ana Lee is on \\*her own\\* school's review\n- Bo is too"
    ]


def test_a_listed_table_pages_the_rows_it_was_made_from():
    rows = pd.DataFrame(
        {
            "school": ["Alder", "Birch", "Cedar", "Dogwood"],
            "late": [True, False, True, False],
            "report_on": [date(2026, 1, d) for d in (5, 6, 7, 8)],
        },
        index=[10, 11, 12, 13],  # a filtered answer's index
    ).iloc[1:]
    kept = views.listed(rows)
    assert len(kept) == 3 and not kept.empty
    assert kept.rows.index.tolist() == [0, 1, 2]
    page = kept.page(slice(1, 3))
    assert page.column_names == ["school", "late", "report_on"]
    assert page.to_pylist() == [
        {"school": "Cedar", "late": True, "report_on": date(2026, 1, 7)},
        {"school": "Dogwood", "late": False, "report_on": date(2026, 1, 8)},
    ]
    assert views.listed(rows.iloc[:0]).empty
    mine = owned(kept)
    assert mine.arrow is kept.arrow  # Arrow is shared; the frame is the caller's
    mine.rows.loc[0, "school"] = "Changed"
    assert kept.rows.loc[0, "school"] == "Birch"
