"""Text a spreadsheet would run as a formula, stored and exported by every path
that writes a spreadsheet or CSV, read back: each such cell is text behind an
apostrophe, real numbers (negative ones too) stay numbers, and a district
export imports again to the very text that was stored."""

from __future__ import annotations

import csv
import io
import re
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from conftest import TODAY
from pptx import Presentation
from test_district_data import DISTRICT, KIND_OF, OFFICE

from sqr_tracker import district_data, exports, output
from sqr_tracker.cli import main
from sqr_tracker.district_data import KINDS, import_bytes
from sqr_tracker.store import Store

# What the files of the district-data tests hold, and the formula-like text put
# in its place (quoted for CSV where it must be).
SPOILT = {
    "schools": [("Alder Elementary", "+cmd|' /C calc'!A0")],
    "principals": [("Alder Elementary", "+cmd|' /C calc'!A0")],
    "findings": [
        ("Teachers plan together weekly.", '"=HYPERLINK(""http://x.example"")"'),
        # The import drops one apostrophe mark: this stores "'=already marked".
        ("Checks for understanding.", "''=already marked"),
    ],
    "ratings": [("Checks for understanding vary.", "@SUM(A1)")],
    "evidence": [
        ("Walkthroughs", "-2+3 walkthroughs"),
        # A carriage return inside a cell: the CSV must quote it to keep the row.
        ("Student focus group", '"Student\rfocus group"'),
    ],
    "measures": [("Suspension rate", "=suspensions")],
    "measure-values": [("92.5", "-2.5"), ("English learners", "@learners")],
    "scale": [("Just beginning", "-1 below")],
}
STORED = {
    "+cmd|' /C calc'!A0",
    '=HYPERLINK("http://x.example")',
    "'=already marked",
    "@SUM(A1)",
    "-2+3 walkthroughs",
    "Student\rfocus group",
    "=suspensions",
    "@learners",
    "-1 below",
}
FORMULA = re.compile(r"^'*[=+\-@\t\r]")


@pytest.fixture(scope="module")
def spoilt_file(tmp_path_factory) -> Path:
    """A new district brought in from the district-data tests' files, with
    formula-like text in names, notes, findings and a student group."""
    path = tmp_path_factory.mktemp("neutralised") / "district.duckdb"
    district_data.new_district(path)
    store = Store.open(path)
    try:
        for name, text in DISTRICT.items():
            for old, new in SPOILT.get(name, []):
                assert old in text, (name, old)
                text = text.replace(old, new)
            office = store.user_by_email(OFFICE)
            kind = KIND_OF.get(name, name)
            import_bytes(store, office, kind, text.encode(), f"{kind}.csv")
    finally:
        store.close()
    return path


@pytest.fixture
def spoilt(spoilt_file: Path, tmp_path) -> Store:
    path = tmp_path / "district.duckdb"
    shutil.copyfile(spoilt_file, path)
    opened = Store.open(path)
    yield opened
    opened.close()


def every_text(store: Store) -> set[str]:
    """Every text the exports hold, as exported frames give it."""
    office = store.user_by_email(OFFICE)
    found = set()
    for kind in KINDS:
        frame = district_data.export_frame(store, office, kind)
        for column in frame.columns:
            found |= {v for v in frame[column] if isinstance(v, str)}
    return found


def test_the_formula_like_text_is_stored_as_written(spoilt):
    assert every_text(spoilt) >= STORED
    assert spoilt.value("SELECT name FROM schools WHERE code = 'A1'") == (
        "+cmd|' /C calc'!A0"
    )
    assert spoilt.value("SELECT value FROM measure_values WHERE value < 0") == -2.5


def _csv_cells(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))


def _expected_text(value: str) -> str:
    """What the file holds for a stored text: an apostrophe before a formula,
    and before a text that already starts with the mark (which the import
    drops again)."""
    return "'" + value if FORMULA.match(value) else value


@pytest.mark.parametrize("kind", KINDS)
def test_a_district_export_as_csv_neutralises_text_and_keeps_numbers(spoilt, kind):
    frame = district_data.export_frame(spoilt, spoilt.user_by_email(OFFICE), kind)
    header, *rows = _csv_cells(district_data.file_bytes(kind, frame, "csv"))
    assert header == list(frame.columns)
    assert len(rows) == len(frame)
    for row, (_, stored) in zip(rows, frame.iterrows(), strict=True):
        for cell, value in zip(row, stored, strict=True):
            if isinstance(value, str):
                assert cell == _expected_text(value)
            elif isinstance(value, float) and not pd.isna(value):
                assert float(cell) == value and not cell.startswith("'")
    if kind == "measure-values":
        assert [r[4] for r in rows] == ["-2.5", "93.1", "1.5"]


@pytest.mark.parametrize("kind", KINDS)
def test_a_district_export_as_excel_neutralises_text_and_keeps_numbers(spoilt, kind):
    frame = district_data.export_frame(spoilt, spoilt.user_by_email(OFFICE), kind)
    data = district_data.file_bytes(kind, frame, "xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]
    cells = list(sheet.iter_rows(min_row=2))
    assert len(cells) == len(frame)
    for row, (_, stored) in zip(cells, frame.iterrows(), strict=True):
        for cell, value in zip(row, stored, strict=True):
            assert cell.data_type != "f"
            if isinstance(value, str) and value:
                assert (cell.data_type, cell.value) == ("s", _expected_text(value))
            elif isinstance(value, float) and not pd.isna(value):
                assert (cell.data_type, cell.value) == ("n", value)
    if kind == "measure-values":
        assert [(r[4].data_type, r[4].value) for r in cells][0] == ("n", -2.5)
        assert cells[2][3].value == "'@learners"


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_neutralised_export_imports_again_to_the_same_text(spoilt, fmt):
    office = spoilt.user_by_email(OFFICE)
    before = every_text(spoilt)
    for kind in KINDS:
        frame = district_data.export_frame(spoilt, office, kind)
        data = district_data.file_bytes(kind, frame, fmt)
        done = import_bytes(spoilt, office, kind, data, f"{kind}.{fmt}")
        assert (done.added, done.changed) == (0, 0), kind
    assert every_text(spoilt) == before
    assert before >= STORED


def test_a_text_cell_is_neutralised_and_a_number_beside_it_is_not():
    """The tables pages offer to download (views.downloads: to_csv, to_xlsx)
    and the command line's --format csv (output.render)."""
    frame = pd.DataFrame(
        {
            "standard": ["=1+1", "+S2", "-S3", "@S4", "\tS5", "\rS6", "S7"],
            "change": pd.array([-1, 2, None, -3, 0, 1, -1], dtype="Int64"),
            "mixed": [-2.5, "-2.5", 3, "=x", None, "y", 0.5],
        }
    )
    rows = _csv_cells(output.to_csv(frame).encode())
    assert rows == [
        ["standard", "change", "mixed"],
        ["'=1+1", "-1", "-2.5"],
        ["'+S2", "2", "'-2.5"],
        ["'-S3", "", "3"],
        ["'@S4", "-3", "'=x"],
        ["'\tS5", "0", ""],
        ["'\rS6", "1", "y"],
        ["S7", "-1", "0.5"],
    ]
    assert output.render(frame, "csv") == output.to_csv(frame).rstrip("\n")
    sheet = openpyxl.load_workbook(io.BytesIO(output.to_xlsx(frame))).active
    typed = [[(c.data_type, c.value) for c in row] for row in sheet.iter_rows(2)]
    assert typed[0] == [("s", "'=1+1"), ("n", -1), ("n", -2.5)]
    assert typed[1] == [("s", "'+S2"), ("n", 2), ("s", "'-2.5")]
    assert typed[3] == [("s", "'@S4"), ("n", -3), ("s", "'=x")]
    assert typed[4][0] == ("s", "'\tS5") and typed[5][0] == ("s", "'\rS6")
    assert typed[6] == [("s", "S7"), ("n", -1), ("n", 0.5)]


def test_the_schools_list_downloads_with_the_name_neutralised(spoilt):
    schools = spoilt.schools()
    shown = _csv_cells(output.to_csv(schools).encode())
    name = shown[0].index("name")
    assert "'+cmd|' /C calc'!A0" in [row[name] for row in shown[1:]]
    sheet = openpyxl.load_workbook(io.BytesIO(output.to_xlsx(schools))).active
    names = [c.value for c in sheet[openpyxl.utils.get_column_letter(name + 1)]]
    assert "'+cmd|' /C calc'!A0" in names


def test_the_command_lines_csv_neutralises_text(spoilt_file, tmp_path, capsys):
    path = tmp_path / "d.duckdb"
    shutil.copyfile(spoilt_file, path)
    assert main(["schools", "--db", str(path), "--format", "csv"]) == 0
    rows = _csv_cells(capsys.readouterr().out.encode())
    name = rows[0].index("name")
    assert [row[name] for row in rows[1:]][0] == "'+cmd|' /C calc'!A0"
    assert main(["export", "measure-values", "--db", str(path), "--as", OFFICE]) == 0
    rows = _csv_cells(capsys.readouterr().out.encode())
    assert [row[3:5] for row in rows[1:]] == [
        ["All students", "-2.5"], ["All students", "93.1"], ["'@learners", "1.5"]
    ]  # fmt: skip


def test_the_decks_chart_workbooks_hold_formula_text_as_text(store, people):
    """A student group's name is a chart category: the chart's own workbook,
    which PowerPoint opens to edit the data, holds it neutralised."""
    for period, group, value, size in [
        ("2026-08-01", "All students", 92.0, 400),
        ("2026-08-01", "=cmd|' /C calc'!A0", -2.5, 120),
    ]:
        store.rows(
            "INSERT INTO measure_values VALUES (1, 1, ?, ?, ?, ?)",
            [period, group, value, size],
        )
    report = exports.report_for(store, people["principal.a"], 1, TODAY)
    deck = exports.growth_deck(report)
    charts = [
        shape.chart
        for slide in Presentation(io.BytesIO(deck)).slides
        for shape in slide.shapes
        if shape.has_chart
    ]
    categories = {c for chart in charts for c in chart.plots[0].categories}
    assert "'=cmd|' /C calc'!A0" in categories
    texts = set()
    with zipfile.ZipFile(io.BytesIO(deck)) as archive:
        books = [n for n in archive.namelist() if n.endswith(".xlsx")]
        assert books
        for name in books:
            book = openpyxl.load_workbook(io.BytesIO(archive.read(name)))
            for row in book.active.iter_rows():
                for cell in row:
                    assert cell.data_type != "f", (name, cell.coordinate)
                    if cell.data_type == "s":
                        texts.add(cell.value)
                    if cell.value == -2.5:
                        assert cell.data_type == "n"
    assert "'=cmd|' /C calc'!A0" in texts
