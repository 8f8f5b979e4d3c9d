"""`sqr-tracker init`, `import` and `export`, run as a district office runs them."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from test_district_data import DISTRICT, OFFICE, bring_in

from sqr_tracker import district_data
from sqr_tracker.cli import main
from sqr_tracker.district_data import KINDS, SPECS
from sqr_tracker.schema import LATEST_VERSION
from sqr_tracker.store import Store


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """The small district of test_district_data, brought in once."""
    path = tmp_path_factory.mktemp("cli") / "district.duckdb"
    district_data.new_district(path)
    store = Store.open(path)
    try:
        bring_in(store)
    finally:
        store.close()
    return path


@pytest.fixture
def db(built, tmp_path) -> str:
    """A copy of the district, held open by the test process (as the app holds
    it) so that each command uses the open file rather than opening it again."""
    path = tmp_path / "district.duckdb"
    shutil.copyfile(built, path)
    store = Store.open(path)
    yield str(path)
    store.close()


def test_init_makes_an_empty_district_and_refuses_an_existing_file(tmp_path, capsys):
    path = tmp_path / "new.duckdb"
    code, out, _ = run(capsys, "init", "--db", str(path))
    assert code == 0
    assert out == (
        f"Made an empty district in {path} (schema version {LATEST_VERSION}). Bring "
        "its data in with `sqr-tracker import`, the users first.\n"
    )
    code, out, err = run(capsys, "stats", "--db", str(path), "--format", "json")
    assert '"schools": 0' in out
    code, out, err = run(capsys, "init", "--db", str(path))
    assert code == 1
    assert err == (
        f"sqr-tracker: {path} already exists; init makes a new file, so give a new "
        "name with --db (the file was left unchanged).\n"
    )


def test_an_import_says_what_it_added_changed_and_kept(db, tmp_path, capsys):
    file = tmp_path / "again.csv"
    file.write_text(DISTRICT["ratings"].replace("Strong", "Exemplary"))
    code, out, err = run(capsys, "import", "ratings", str(file), "--db", db,
                         "--as", OFFICE)  # fmt: skip
    assert (code, err) == (0, "")
    assert out.startswith(
        "Imported again.csv (ratings): 0 added, 1 changed, 4 unchanged, 1 not rated "
        "and left out, in "
    )


def test_a_refused_import_lists_each_problem_and_changes_nothing(db, tmp_path, capsys):
    file = tmp_path / "bad.csv"
    file.write_text(
        "school_code,cycle_year,standard_code,rater_kind,rating\n"
        "A1,2024,S1,consensus,Proficient\nZ9,2024,S1,boss,Great\n"
    )
    code, out, err = run(capsys, "import", "ratings", str(file), "--db", db,
                         "--as", OFFICE)  # fmt: skip
    assert (code, out) == (1, "")
    assert err.splitlines() == [
        "sqr-tracker: The ratings file was not saved; nothing was changed:",
        "  bad.csv, row 3, column school_code: no school has the code 'Z9'; import "
        "the schools first",
        "  bad.csv, row 3, column rater_kind: 'boss' is not one of: self-reflection, "
        "reviewer, consensus",
        "  bad.csv, row 3, column rating: 'Great' is not on the rating scale: write "
        "one of Emerging, Developing, Proficient, Exemplary (or a level 1 to 4)",
    ]
    code, out, _ = run(capsys, "export", "ratings", "--db", db)
    assert out.splitlines()[1:3] == [
        "A1,2024,S1,consensus,,Developing,Checks for understanding vary.",
        "A1,2024,S1,reviewer,rae@district.org,Developing,",
    ]


def test_only_a_new_districts_first_users_come_in_without_as(db, tmp_path, capsys):
    file = tmp_path / "networks.csv"
    file.write_text("name\nEast\n")
    code, _, err = run(capsys, "import", "networks", str(file), "--db", db)
    assert code == 1
    assert err == (
        "sqr-tracker: Name the acting central office user with --as EMAIL (only a "
        "new district's first users file is imported without one).\n"
    )
    code, _, err = run(capsys, "import", "networks", str(file), "--db", db,
                       "--as", "ana@district.org")  # fmt: skip
    assert (code, err) == (1, "sqr-tracker: A principal cannot change district "
                           "settings.\n")  # fmt: skip
    new = str(tmp_path / "new.duckdb")
    run(capsys, "init", "--db", new)
    code, _, err = run(capsys, "import", "networks", str(file), "--db", new)
    assert err == (
        "sqr-tracker: This district has no users yet: import the users first (a "
        "file with at least one central office user), then the networks.\n"
    )


def test_a_template_is_written_as_csv_with_its_page_or_as_a_workbook(tmp_path, capsys):
    target = tmp_path / "schools.csv"
    code, out, _ = run(capsys, "import", "template", "schools", "--out", str(target))
    assert code == 0
    assert out == f"Wrote {target} and {tmp_path / 'schools.md'}\n"
    names = [column.name for column in SPECS["schools"].columns]
    assert target.read_text().splitlines() == [",".join(names)]
    assert (
        "| pct_low_income | yes | its share of low-income students |"
        in (tmp_path / "schools.md").read_text()
    )
    book = tmp_path / "ratings.xlsx"
    assert run(capsys, "import", "template", "ratings", "--out", str(book))[0] == 0
    sheets = openpyxl.load_workbook(book).sheetnames
    assert sheets == ["ratings", "About these columns"]
    code, _, err = run(capsys, "import", "template", "ratings", "--out", str(book))
    assert (code, err) == (1, f"sqr-tracker: {book} already exists; choose another "
                           "name or remove it.\n")  # fmt: skip


def test_every_export_imports_into_a_new_district_unchanged(db, tmp_path, capsys):
    folder = tmp_path / "out"
    folder.mkdir()
    for kind in KINDS:
        target = folder / f"{kind}.csv"
        code, out, err = run(capsys, "export", kind, "--out", str(target), "--db", db)
        assert (code, err) == (0, "")
        assert out.startswith(f"Wrote {target} (")
    new = str(tmp_path / "copy.duckdb")
    run(capsys, "init", "--db", new)
    copy = Store.open(new)  # held open, as `db` is
    try:
        _bring_in_exports(capsys, folder, new)
        for kind in KINDS:
            before = district_data.export_frame(Store.open(db), _office(db), kind)
            after = district_data.export_frame(copy, _office(new), kind)
            pd.testing.assert_frame_equal(after, before)
    finally:
        copy.close()


def _bring_in_exports(capsys, folder: Path, db: str) -> None:
    """The exported files into a new district, in the README's order: the
    central office alone first, and the schools before the users who name them,
    then again with their principals."""
    users = pd.read_csv(folder / "users.csv", dtype=str, keep_default_na=False)
    office = folder / "office.csv"
    users[users["role"] == "Central office"].to_csv(office, index=False)
    schools = pd.read_csv(folder / "schools.csv", dtype=str, keep_default_na=False)
    first = folder / "first-schools.csv"
    schools.drop(columns=["principal_email"]).to_csv(first, index=False)
    assert run(capsys, "import", "users", str(office), "--db", db)[0] == 0
    order = [("scale", None), ("standards", None), ("networks", None),
             ("schools", first), *((k, None) for k in ["users", *KINDS])]  # fmt: skip
    for kind, file in order:
        file = file or folder / f"{kind}.csv"
        code, _, err = run(
            capsys, "import", kind, str(file), "--db", db, "--as", OFFICE
        )
        assert (code, err) == (0, ""), kind


def _office(path: str):
    return Store.open(path).user_by_email(OFFICE)


def test_export_writes_csv_to_standard_output_or_a_new_file(db, tmp_path, capsys):
    code, out, _ = run(capsys, "export", "schools", "--db", db)
    assert code == 0
    frame = pd.read_csv(io.StringIO(out), dtype=str, keep_default_na=False)
    assert frame.to_dict("records")[0] == {
        "code": "A1", "name": "Alder Elementary", "level": "elementary",
        "network": "North", "enrollment": "420", "pct_low_income": "0.7",
        "pct_english_learners": "0.3", "pct_disabilities": "0.12",
        "principal_email": "ana@district.org",
    }  # fmt: skip
    code, _, err = run(capsys, "export", "schools", "--format", "xlsx", "--db", db)
    assert (code, err) == (1, "sqr-tracker: An Excel export needs a file: give "
                           "--out FILE.xlsx.\n")  # fmt: skip
    target = tmp_path / "exported.csv"
    code, out, _ = run(capsys, "export", "schools", "--out", str(target), "--db", db)
    assert out == f"Wrote {target} (3 schools rows)\n"
    code, _, err = run(capsys, "export", "schools", "--out", str(target), "--db", db)
    assert "already exists" in err
    book = tmp_path / "exported.xlsx"
    code, out, _ = run(capsys, "export", "schools", "--out", str(book), "--db", db)
    assert out == f"Wrote {book} (3 schools rows)\n"
    assert openpyxl.load_workbook(book).sheetnames == ["schools", "About these columns"]
    code, out, _ = run(
        capsys, "import", "schools", str(book), "--db", db, "--as", OFFICE
    )
    assert out.startswith("Imported exported.xlsx (schools): 0 added, 0 changed, 3 ")
    code, _, err = run(capsys, "export", "users", "--db", db, "--as",
                       "ana@district.org")  # fmt: skip
    assert (code, err) == (1, "sqr-tracker: A principal cannot manage users.\n")


def test_an_unreadable_or_missing_file_is_named(db, tmp_path, capsys):
    missing = tmp_path / "nothing.csv"
    code, _, err = run(capsys, "import", "networks", str(missing), "--db", db,
                       "--as", OFFICE)  # fmt: skip
    assert (code, err) == (1, f"sqr-tracker: There is no file {missing}.\n")
    odd = Path(tmp_path / "networks.ods")
    odd.write_bytes(b"PK")
    code, _, err = run(capsys, "import", "networks", str(odd), "--db", db,
                       "--as", OFFICE)  # fmt: skip
    assert err.splitlines() == [
        "sqr-tracker: The networks file was not saved; nothing was changed:",
        "  networks.ods: is neither a .csv nor an .xlsx file",
    ]
