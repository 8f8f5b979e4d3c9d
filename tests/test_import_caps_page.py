"""The district data page's upload through AppTest: a file over the upload
size, over the row cap or with a huge cell is refused with a clear message and
nothing changes; a Windows-1252 file is read as its text and said to be."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
from streamlit import config
from streamlit.testing.v1 import AppTest

from sqr_tracker.demo import build_demo_file
from sqr_tracker.session import DEMO_USER_KEY
from sqr_tracker.store import Store

OFFICE = "central.office@demo.sqr"


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("caps") / "demo.duckdb"
    build_demo_file(path, schools=6, seed=5, today=date.today())
    return path


@pytest.fixture
def district(demo_file: Path, tmp_path, monkeypatch) -> Path:
    """A copy of the demo district, the app's data file for one test."""
    path = tmp_path / "demo.duckdb"
    shutil.copyfile(demo_file, path)
    monkeypatch.setenv("SQR_TRACKER_DB", str(path))
    return path


@pytest.fixture
def largest_upload():
    """Sets server.maxUploadSize (in MB) for one test, as config.toml would."""
    before = config.get_option("server.maxUploadSize")
    yield lambda mb: config.set_option("server.maxUploadSize", mb)
    config.set_option("server.maxUploadSize", before)


def networks_in(path: Path) -> list[tuple]:
    store = Store.open(path)
    try:
        return store.rows("SELECT id, name, version FROM networks ORDER BY id")
    finally:
        store.close()


def upload(path: Path, name: str, data: bytes) -> AppTest:
    """Sign in as the central office, choose networks, upload, import."""
    store = Store.open(path)
    try:
        office = store.user_by_email(OFFICE).id
    finally:
        store.close()
    app = AppTest.from_file("../pages/district_data.py", default_timeout=60)
    app.session_state[DEMO_USER_KEY] = office
    app.run()
    app.selectbox(key="import-kind").set_value("networks").run()
    app.get("file_uploader")[0].set_value((name, data, "text/csv")).run()
    app.button(key="import:networks").click().run()
    assert not app.exception, app.exception
    return app


def problems(app: AppTest) -> dict[str, str]:
    shown = app.dataframe[-1].value
    return dict(zip(shown["where"], shown["problem"], strict=True))


def test_the_uploader_takes_the_servers_largest_upload(district, largest_upload):
    largest_upload(3)
    app = AppTest.from_file("../pages/district_data.py", default_timeout=60)
    store = Store.open(district)
    try:
        app.session_state[DEMO_USER_KEY] = store.user_by_email(OFFICE).id
    finally:
        store.close()
    app.run()
    uploader = app.get("file_uploader")[0]
    assert uploader.proto.max_upload_size_mb == 3
    assert uploader.proto.label == (
        "A scale file (CSV or Excel, up to 3 MB and 2,000,000 rows)"
    )


def test_an_upload_over_the_largest_size_is_refused(district, largest_upload):
    largest_upload(1)
    before = networks_in(district)
    data = b"name\n" + b"East\n" * (1 << 18)  # a little over 1 MB
    app = upload(district, "big.csv", data)
    assert [e.value for e in app.error] == [
        "The networks file was not imported; nothing was changed:"
    ]
    assert problems(app) == {
        "big.csv": f"is {len(data):,} bytes; at most 1 MB (1,048,576 bytes) can "
        "be uploaded at once. Split the file, or import it with sqr-tracker "
        "import on the command line."
    }
    assert networks_in(district) == before


def test_a_file_over_the_row_cap_is_refused(district):
    before = networks_in(district)
    data = b"name\n" + b"East\n" * 2_000_001
    app = upload(district, "many.csv", data)
    assert [e.value for e in app.error] == [
        "The networks file was not imported; nothing was changed:"
    ]
    assert problems(app) == {
        "many.csv": "has 2,000,001 rows; at most 2,000,000 can be imported at "
        "once. Split the file."
    }
    assert networks_in(district) == before


def test_a_huge_cell_is_named_by_row_and_column(district):
    before = networks_in(district)
    app = upload(district, "n.csv", b"name\nEast\n" + b"W" * (1 << 20) + b"\n")
    assert problems(app) == {
        "n.csv, row 3, column name": "is 1,048,576 characters long; at most 200 fit"
    }
    assert networks_in(district) == before


def test_a_windows_1252_file_is_read_as_its_text(district):
    before = networks_in(district)
    app = upload(district, "n.csv", "name\nZürich Süd\n".encode("cp1252"))
    assert not app.error
    (success,) = [s.value for s in app.success]
    assert success.startswith(
        "Imported n.csv (networks): 1 added, 0 changed, 0 unchanged, read as "
        "Windows-1252 text, in "
    )
    assert [name for _, name, _ in networks_in(district)] == [
        *(name for _, name, _ in before),
        "Zürich Süd",
    ]
