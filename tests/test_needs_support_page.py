"""The needs-support and heatmap pages through AppTest, for the central office
and a network lead, on the demo district: what the pages show is what the
package answers, filtered as the widgets say.

AppTest cannot click a row of a dataframe: a row is chosen by writing the
selection into the session state of the dataframe's key, as the browser's
widget state would (``{"selection": {"rows": [i], "columns": []}}``). The
download buttons' data is produced only when clicked (a callable): the tests
catch the callable the page registers and read what it would send.
"""

from __future__ import annotations

import io
from datetime import date

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from sqr_tracker import evidence, needs_support
from sqr_tracker.demo import build_demo_file
from sqr_tracker.session import DEMO_USER_KEY
from sqr_tracker.store import Store
from sqr_tracker.views import plain

OFFICE = "central.office@demo.sqr"
LEAD = "network.lead@demo.sqr"
TABLE_KEY = "needs-support"
SHOWN = ["school", "network", "level", "tier", "rules"]


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("needs-support") / "demo.duckdb"
    build_demo_file(path, schools=30, seed=5, today=date.today())
    return str(path)


@pytest.fixture
def store(demo_file, monkeypatch):
    monkeypatch.setenv("SQR_TRACKER_DB", demo_file)
    return Store.open(demo_file)


def page_as(store: Store, email: str, page: str = "needs_support") -> AppTest:
    app = AppTest.from_file(f"../pages/{page}.py", default_timeout=30)
    app.session_state[DEMO_USER_KEY] = store.user_by_email(email).id
    return app.run()


def app_on(store: Store, email: str, page: str) -> AppTest:
    """The whole app, signed in, on one of its pages."""
    app = AppTest.from_file("../app.py", default_timeout=30)
    app.session_state[DEMO_USER_KEY] = store.user_by_email(email).id
    app.run()
    app.switch_page(f"pages/{page}.py").run()
    assert not app.exception, app.exception
    return app


def found_for(store: Store, email: str, **kwargs) -> needs_support.NeedsSupport:
    return needs_support.needs_support(
        store, store.user_by_email(email), date.today(), **kwargs
    )


def listed(schools: pd.DataFrame, tiers: list[str]) -> pd.DataFrame:
    return schools[schools["tier"].isin(tiers)].reset_index(drop=True)


def rows(frame: pd.DataFrame) -> list[list]:
    """Cells as plain values (a list column as a list), row by row."""
    return [
        [list(v) if not isinstance(v, str) and hasattr(v, "__len__") else v
         for v in row]
        for row in frame[SHOWN].itertuples(index=False)
    ]  # fmt: skip


def key_of(app: AppTest, prefix: str) -> str:
    """The key of the list now shown (it changes with the list)."""
    return next(d.key for d in app.dataframe if (d.key or "").startswith(f"{prefix}:"))


def table_of(app: AppTest) -> pd.DataFrame:
    table = next(d for d in app.dataframe if d.key == key_of(app, TABLE_KEY))
    return table.value


def metrics(app: AppTest) -> dict[str, int]:
    return {m.label: int(m.value) for m in app.metric}


def choose_row(app: AppTest, row: int) -> AppTest:
    key = key_of(app, TABLE_KEY)
    app.session_state[key] = {"selection": {"rows": [row], "columns": []}}
    return app.run()


def chosen_headers(app: AppTest) -> list[str]:
    return [m.value for m in app.markdown if m.value.endswith(" support")]


# -- needs support -----------------------------------------------------------------


@pytest.mark.parametrize("email", [OFFICE, LEAD])
def test_the_metrics_are_the_tier_counts(store, email):
    app = page_as(store, email)
    assert not app.exception, app.exception
    found = found_for(store, email)
    total = found.tiers.set_index("network").loc["All networks"]
    assert metrics(app) == {
        "Intensive support": int(total["intensive"]),
        "Targeted support": int(total["targeted"]),
        "Universal support": int(total["universal"]),
    }
    assert sum(metrics(app).values()) == len(found.schools) > 0
    tiers = app.dataframe[-1].value
    assert tiers.to_dict("records") == found.tiers.to_dict("records")
    assert [m.value for m in app.markdown][: len(found.rules)] == [
        f"- {rule}" for rule in found.rules
    ]


@pytest.mark.parametrize("email", [OFFICE, LEAD])
def test_the_table_lists_intensive_and_targeted_schools_by_default(store, email):
    app = page_as(store, email)
    found = found_for(store, email)
    assert app.pills(key="support-tiers").value == ["intensive", "targeted"]
    expected = listed(found.schools, ["intensive", "targeted"])
    assert len(expected) > 0
    assert rows(table_of(app)) == rows(expected)
    assert "school_id" not in table_of(app).columns


def test_a_network_lead_sees_only_their_network_and_no_network_choice(store):
    app = page_as(store, LEAD)
    lead = store.user_by_email(LEAD)
    followed = set(store.schools(store.school_ids_in_network(lead.network_id))["name"])
    assert not [s for s in app.selectbox if s.key == "support-network"]
    app.pills(key="support-tiers").set_value(list(needs_support.TIERS)).run()
    assert set(table_of(app)["school"]) == followed
    assert set(table_of(app)["network"]) == {
        store.networks().set_index("id").loc[lead.network_id, "name"]
    }


def test_choosing_universal_adds_those_schools(store):
    app = page_as(store, OFFICE)
    found = found_for(store, OFFICE)
    app.pills(key="support-tiers").set_value(list(needs_support.TIERS)).run()
    assert not app.exception
    assert rows(table_of(app)) == rows(found.schools)
    app.pills(key="support-tiers").set_value(["universal"]).run()
    assert rows(table_of(app)) == rows(listed(found.schools, ["universal"]))
    app.pills(key="support-tiers").set_value([]).run()
    assert not [d for d in app.dataframe if (d.key or "").startswith(f"{TABLE_KEY}:")]
    assert [i.value for i in app.info] == ["No school is in the tiers chosen."]


def test_the_central_office_filters_by_network(store):
    app = page_as(store, OFFICE)
    networks = store.networks()
    choice = app.selectbox(key="support-network")
    assert choice.options == ["All networks", *networks["name"]]
    network_id = int(networks["id"].iloc[1])
    choice.set_value(network_id).run()
    assert not app.exception
    found = found_for(store, OFFICE, network_id=network_id)
    assert rows(table_of(app)) == rows(listed(found.schools, ["intensive", "targeted"]))
    assert set(table_of(app)["network"]) <= {networks["name"].iloc[1]}
    assert app.dataframe[-1].value.to_dict("records") == found.tiers.to_dict("records")
    total = found.tiers.set_index("network").loc["All networks"]
    assert metrics(app)["Universal support"] == int(total["universal"])


def test_choosing_a_row_shows_its_reasons_and_a_way_to_its_plan(store):
    app = page_as(store, OFFICE)
    assert [c.value for c in app.caption][-1] == (
        "Choose a row to read the school's reasons in full."
    )
    assert not [b for b in app.button if b.label == "Open its plan"]
    expected = listed(found_for(store, OFFICE).schools, ["intensive", "targeted"])
    for row in (0, len(expected) - 1):
        choose_row(app, row)
        assert not app.exception, app.exception
        school = expected.iloc[row]
        assert chosen_headers(app) == [
            f"**{plain(school['school'])}** · {school['tier']} support"
        ]
        shown = [m.value for m in app.markdown]
        start = shown.index(chosen_headers(app)[0]) + 1
        assert shown[start : start + len(school["reasons"])] == [
            f"- {plain(reason)}" for reason in school["reasons"]
        ]
        assert [b.label for b in app.button] == ["Open its plan"]


def test_open_its_plan_lands_on_school_plans_with_the_school_chosen(store):
    app = app_on(store, OFFICE, "needs_support")
    school = listed(found_for(store, OFFICE).schools, ["intensive", "targeted"]).iloc[1]
    choose_row(app, 1)
    app.button(key=f"{TABLE_KEY}:open").click().run()
    assert not app.exception, app.exception
    assert app.title[0].value == "School plans"
    assert app.selectbox(key="school").value == school["school_id"]
    assert app.caption[0].value.startswith(plain(school["school"]))


def downloads_of(app: AppTest, deferred: dict) -> dict[str, dict]:
    buttons = app.get("download_button")
    assert [b.label for b in buttons] == ["CSV", "Excel"]
    return {b.label: deferred[b.proto.deferred_file_id] for b in buttons}


@pytest.mark.parametrize("tiers", [["intensive", "targeted"], ["universal"]])
def test_the_downloads_hold_the_list_shown(store, deferred, tiers):
    app = page_as(store, OFFICE)
    app.pills(key="support-tiers").set_value(tiers).run()
    expected = listed(found_for(store, OFFICE).schools, tiers)
    sheet = expected[["school", "network", "level", "tier", "reasons"]].assign(
        reasons=[" | ".join(r) for r in expected["reasons"]]
    )
    made = downloads_of(app, deferred)
    assert made["CSV"]["name"] == "needs support.csv"
    assert made["Excel"]["name"] == "needs support.xlsx"
    csv = pd.read_csv(io.StringIO(made["CSV"]["data"]()), keep_default_na=False)
    pd.testing.assert_frame_equal(csv, sheet)
    book = pd.read_excel(io.BytesIO(made["Excel"]["data"]()), keep_default_na=False)
    pd.testing.assert_frame_equal(book, sheet)
    assert list(csv["school"]) == list(table_of(app)["school"])


# -- the heatmap -------------------------------------------------------------------


def heat_of(app: AppTest) -> pd.DataFrame:
    return next(d for d in app.dataframe if d.key == key_of(app, "heatmap")).value


MARKS = {  # how strong a rating's evidence is, in the heatmap's cells
    "strong": "●●●",
    "moderate": "●●○",
    "thin": "●○○",
    "none": "○○○",
}


def heat_expected(store: Store, email: str, **filters) -> pd.DataFrame:
    """The heatmap's cells as shown: the rating's label, then how strong its
    evidence is ('Proficient ●●○' for moderate), or 'not rated'."""
    user = store.user_by_email(email)
    table, labels = needs_support.heatmap(store, user, **filters)
    strengths = needs_support.heatmap_evidence(
        store, user, *needs_support.heatmap_rows(table)
    )
    shown = table.drop(columns="school_id").astype(object)
    for code in strengths.columns:
        shown[code] = [
            f"{labels[int(v)]} {MARKS[strength]}" if pd.notna(v) else "not rated"
            for v, strength in zip(table[code], strengths[code], strict=True)
        ]
    return shown


def test_the_heatmap_names_how_strong_each_ratings_evidence_is(store):
    office = store.user_by_email(OFFICE)
    table, _ = needs_support.heatmap(store, office)
    strengths = needs_support.heatmap_evidence(
        store, office, *needs_support.heatmap_rows(table)
    )
    assert list(strengths.columns) == [c for c in table.columns if c.startswith("S")]
    rated = table[strengths.columns].notna().to_numpy()
    assert (strengths.to_numpy() != "").tolist() == rated.tolist()
    words = set(strengths.to_numpy()[rated])
    assert words <= {"strong", "moderate", "thin", "none"} and len(words) > 1
    first = table.iloc[0]
    review = store.latest_published_review(int(first["school_id"]))
    found = evidence.review_standards(store, int(review["id"])).set_index("code")
    for code in strengths.columns:
        if pd.notna(first[code]):
            assert strengths[code].iloc[0] == found.loc[code, "strength"]


@pytest.mark.parametrize("email", [OFFICE, LEAD])
def test_the_heatmap_shows_every_school_followed(store, email):
    app = page_as(store, email, "heatmap")
    assert not app.exception, app.exception
    expected = heat_expected(store, email)
    pd.testing.assert_frame_equal(heat_of(app), expected, check_dtype=False)
    assert f"{len(expected)} schools" in [c.value for c in app.caption]


def test_the_heatmap_filters_change_the_rows_exactly(store):
    app = page_as(store, OFFICE, "heatmap")
    everyone = heat_expected(store, OFFICE)
    network = sorted(everyone["network"].unique())[1]
    level = "elementary"
    app.selectbox(key="heatmap-network").set_value(network).run()
    pd.testing.assert_frame_equal(
        heat_of(app), heat_expected(store, OFFICE, network=network), check_dtype=False
    )
    assert set(heat_of(app)["network"]) == {network}
    app.selectbox(key="heatmap-level").set_value(level).run()
    both = heat_expected(store, OFFICE, network=network, level=level)
    pd.testing.assert_frame_equal(heat_of(app), both, check_dtype=False)
    assert len(both) < len(everyone)
    app.selectbox(key="heatmap-sort").set_value("S2").run()
    sorted_ = heat_expected(store, OFFICE, network=network, level=level, sort_by="S2")
    pd.testing.assert_frame_equal(heat_of(app), sorted_, check_dtype=False)
    scale = store.rating_scale().set_index("label")["level"]
    cells = [cell for cell in sorted_["S2"] if cell != "not rated"]
    ranks = [int(scale[cell.split()[0]]) for cell in cells]
    assert ranks == sorted(ranks)
    app.selectbox(key="heatmap-network").set_value("All networks").run()
    app.selectbox(key="heatmap-level").set_value("All levels").run()
    pd.testing.assert_frame_equal(
        heat_of(app), heat_expected(store, OFFICE, sort_by="S2"), check_dtype=False
    )


def test_heatmap_filters_matching_no_school_say_so(store):
    app = page_as(store, OFFICE, "heatmap")
    everyone = heat_expected(store, OFFICE)
    pairs = set(zip(everyone["network"], everyone["level"], strict=True))
    missing = next(
        (n, lvl)
        for n in sorted(everyone["network"].unique())
        for lvl in sorted(everyone["level"].unique())
        if (n, lvl) not in pairs
    )
    app.selectbox(key="heatmap-network").set_value(missing[0]).run()
    app.selectbox(key="heatmap-level").set_value(missing[1]).run()
    assert [i.value for i in app.info] == ["No school matches these filters."]
    assert not [d for d in app.dataframe if (d.key or "").startswith("heatmap:")]


def test_the_heatmap_download_names_the_levels(store, deferred):
    app = page_as(store, OFFICE, "heatmap")
    table, labels = needs_support.heatmap(store, store.user_by_email(OFFICE))
    made = downloads_of(app, deferred)
    assert made["CSV"]["name"] == "ratings heatmap.csv"
    csv = pd.read_csv(io.StringIO(made["CSV"]["data"]()), keep_default_na=False)
    codes = [c for c in table.columns if c.startswith("S")]
    words = table.drop(columns="school_id").astype(object)
    for code in codes:
        words[code] = [labels[int(v)] if pd.notna(v) else "" for v in table[code]]
    office = store.user_by_email(OFFICE)
    strengths = needs_support.heatmap_evidence(
        store, office, *needs_support.heatmap_rows(table)
    )
    for code in codes:
        words[f"{code} evidence"] = strengths[code].values
    pd.testing.assert_frame_equal(csv, words.reset_index(drop=True), check_dtype=False)


def test_choosing_a_heatmap_row_opens_the_schools_plan(store):
    app = app_on(store, OFFICE, "heatmap")
    table, _ = needs_support.heatmap(store, store.user_by_email(OFFICE))
    app.run()
    app.session_state[key_of(app, "heatmap")] = {
        "selection": {"rows": [2], "columns": []}
    }
    app.run()
    assert not app.exception, app.exception
    assert app.title[0].value == "School plans"
    assert app.selectbox(key="school").value == table["school_id"].iloc[2]


def test_a_long_heatmap_is_shown_a_page_at_a_time(store, deferred, monkeypatch):
    """Past ``HEATMAP_PAGE_ROWS`` schools the heatmap shows one page of them,
    chosen by a selectbox; each page holds exactly its schools' cells, a row
    chosen on a later page opens that school's plan, and the download still
    holds every school."""
    from sqr_tracker import support_views

    monkeypatch.setattr(support_views, "HEATMAP_PAGE_ROWS", 12)
    app = app_on(store, OFFICE, "heatmap")
    everyone = heat_expected(store, OFFICE)
    assert len(everyone) == 30
    pages = app.selectbox(key="heatmap:rows:30")
    assert pages.options == [
        "Schools 1–12 of 30",
        "Schools 13–24 of 30",
        "Schools 25–30 of 30",
    ]
    pd.testing.assert_frame_equal(heat_of(app), everyone.iloc[:12], check_dtype=False)
    pages.set_value(24).run()
    pd.testing.assert_frame_equal(heat_of(app), everyone.iloc[24:], check_dtype=False)
    made = downloads_of(app, deferred)
    csv = pd.read_csv(io.StringIO(made["CSV"]["data"]()), keep_default_na=False)
    assert list(csv["school"]) == list(everyone["school"])
    table, _ = needs_support.heatmap(store, store.user_by_email(OFFICE))
    weighed = needs_support.heatmap_evidence(
        store, store.user_by_email(OFFICE), *needs_support.heatmap_rows(table)
    )
    for code in weighed.columns:  # every school's evidence, not only the page's
        assert list(csv[f"{code} evidence"]) == list(weighed[code])
    app.session_state[key_of(app, "heatmap")] = {
        "selection": {"rows": [1], "columns": []}
    }
    app.run()
    assert not app.exception, app.exception
    assert app.title[0].value == "School plans"
    assert app.selectbox(key="school").value == table["school_id"].iloc[25]


def test_a_short_heatmap_offers_no_pages(store):
    app = page_as(store, OFFICE, "heatmap")
    assert [s.label for s in app.selectbox] == ["Network", "Level", "Sort by"]


# -- bugs found: a chosen row outlives the list it was chosen in -------------------


def test_a_chosen_row_that_the_tier_filter_removes_does_not_crash_the_page(store):
    """The selection keeps its row number when the pills shrink the list: the
    page then indexes past the end of the list (IndexError)."""
    app = page_as(store, OFFICE)
    shown = len(table_of(app))
    choose_row(app, shown - 1)
    app.pills(key="support-tiers").set_value(["intensive"]).run()
    assert len(table_of(app)) < shown
    assert not app.exception, app.exception[0].message


def test_a_chosen_school_is_not_swapped_for_another_when_the_list_changes(store):
    """The selection is a row number: after the list changes, the same number
    names another school, whose reasons and plan the page then offers."""
    app = page_as(store, OFFICE)
    choose_row(app, 1)
    first = chosen_headers(app)
    assert len(first) == 1
    app.pills(key="support-tiers").set_value(["targeted"]).run()
    assert chosen_headers(app) in ([], first)
