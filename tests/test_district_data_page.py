"""The district data page through AppTest: the columns explained, the
templates and the exports; uploads are tested in a real browser."""

from __future__ import annotations

from datetime import date

import pytest
from streamlit.testing.v1 import AppTest

from sqr_tracker import district_data
from sqr_tracker.demo import build_demo_file
from sqr_tracker.session import DEMO_USER_KEY
from sqr_tracker.store import Store

OFFICE = "central.office@demo.sqr"


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("district-data") / "demo.duckdb"
    build_demo_file(path, schools=12, seed=3, today=date.today())
    return str(path)


@pytest.fixture
def page(demo_file, monkeypatch):
    monkeypatch.setenv("SQR_TRACKER_DB", demo_file)
    store = Store.open(demo_file)
    app = AppTest.from_file("../pages/district_data.py", default_timeout=30)
    app.session_state[DEMO_USER_KEY] = store.user_by_email(OFFICE).id
    return app.run()


def test_the_page_explains_each_kind_and_offers_its_templates(page):
    assert not page.exception, page.exception
    assert page.title[0].value == "District data"
    assert [t.label for t in page.tabs] == ["Import", "Export", "Backup"]
    for kind in ("scale", "schools", "ratings"):
        page.selectbox(key="import-kind").set_value(kind).run()
        shown = page.dataframe[0].value
        assert shown.to_dict("list") == district_data.about(kind).to_dict("list")
        labels = [b.proto.label for b in page.get("download_button")]
        assert labels[:2] == ["Excel template", "CSV template"]


def test_the_export_counts_the_rows_it_would_write(page, demo_file):
    store = Store.open(demo_file)
    office = store.user_by_email(OFFICE)
    page.selectbox(key="export-kind").set_value("networks").run()
    rows = len(district_data.export_frame(store, office, "networks"))
    assert f"{rows:,} rows" in [c.value for c in page.caption]
    assert rows == len(store.networks())


def test_each_export_counts_its_rows_and_writes_them_when_pressed(
    demo_file, deferred, monkeypatch
):
    monkeypatch.setenv("SQR_TRACKER_DB", demo_file)
    store = Store.open(demo_file)
    office = store.user_by_email(OFFICE)
    app = AppTest.from_file("../pages/district_data.py", default_timeout=30)
    app.session_state[DEMO_USER_KEY] = office.id
    app.run()
    for kind in district_data.KINDS:
        app.selectbox(key="export-kind").set_value(kind).run()
        assert not app.exception, app.exception
        frame = district_data.export_frame(store, office, kind)
        assert f"{len(frame):,} rows" in [c.value for c in app.caption], kind
        made = {m["name"]: m["data"] for m in deferred.values()}
        assert made[f"{kind}.csv"]() == district_data.file_bytes(kind, frame, "csv")
        assert made[f"{kind}.xlsx"]()[:2] == b"PK"  # a workbook


def test_the_page_is_the_central_offices_only(demo_file, monkeypatch):
    monkeypatch.setenv("SQR_TRACKER_DB", demo_file)
    store = Store.open(demo_file)
    app = AppTest.from_file("../pages/district_data.py", default_timeout=30)
    app.session_state[DEMO_USER_KEY] = store.user_by_email("network.lead@demo.sqr").id
    app.run()
    assert [e.value for e in app.error] == [
        "The page “District data” is not part of a Network lead's view."
    ]
