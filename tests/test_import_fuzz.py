"""Bad district data files, generated: a valid file of a kind gets one fault at
a known row and column, and the import must refuse it naming that file, row
and column and why, leaving every table as it was. Files in other encodings
(a byte-order mark, UTF-16, Windows-1252) are read as the text they hold."""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
import shutil
import zipfile
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from test_district_data import DISTRICT, KIND_OF, OFFICE

from sqr_tracker import district_data
from sqr_tracker.district_data import MAX_ROWS, SPECS, import_bytes
from sqr_tracker.errors import InvalidInput
from sqr_tracker.store import Store

# Small files; no deadline on a loaded machine, and no shrinking (each example
# is an import: the failing one is shown as generated). A plain run tries about
# a thousand files (an import takes a few hundredths of a second to a few
# tenths); SQR_FUZZ_SCALE=10 tries about 2,600, and 1 about 260.
SCALE = int(os.environ.get("SQR_FUZZ_SCALE", "4"))
FEW = settings(
    max_examples=6 * SCALE,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
MANY = settings(FEW, max_examples=30 * SCALE)
SOME = settings(FEW, max_examples=15 * SCALE)
KINDS = ("schools", "users", "ratings", "measure-values", "reviews")
# Text people write: letters with accents Windows-1252 holds, punctuation,
# quotes and commas (which CSV quotes), and line breaks inside a cell.
WORDS = (
    st.text(
        alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJ éüñçÅ'&.,\"\n",
        min_size=1,
        max_size=30,
    )
    .map(str.strip)
    .filter(lambda t: t and not t.startswith("'"))
)
# A word that is nothing the district knows: no code, label, number or email.
STRANGE = st.text(alphabet="qxzjk", min_size=2, max_size=8).map(lambda t: "zz" + t)
DAYS = st.dates(date(1990, 1, 1), date(2100, 12, 31)).map(date.isoformat)


# -- the district and its tables ----------------------------------------------------


@pytest.fixture(scope="module")
def district_file(tmp_path_factory) -> Path:
    """A new district file with every file of the district-data tests in."""
    path = tmp_path_factory.mktemp("fuzz") / "district.duckdb"
    district_data.new_district(path)
    store = Store.open(path)
    try:
        for name, text in DISTRICT.items():
            kind = KIND_OF.get(name, name)
            office = store.user_by_email(OFFICE)
            import_bytes(store, office, kind, text.encode(), "f.csv")
    finally:
        store.close()
    return path


@pytest.fixture(scope="module")
def store(district_file: Path, tmp_path_factory) -> Store:
    """The district, shared by every refused import (none may change it)."""
    path = tmp_path_factory.mktemp("refused") / "district.duckdb"
    shutil.copyfile(district_file, path)
    opened = Store.open(path)
    yield opened
    opened.close()


def tables_now(store: Store) -> list[tuple]:
    """Every table's name, row count and a hash of all its rows."""
    tables = [
        name
        for (name,) in store.rows(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_type = 'BASE TABLE' ORDER BY 1"
        )
    ]
    assert {"schools", "users", "ratings", "measure_values", "history"} <= set(tables)
    sql = " UNION ALL ".join(
        f"SELECT '{name}', count(*), sum(hash(t)::HUGEINT) FROM {name} t"
        for name in tables
    )
    return sorted(store.rows(sql))


@pytest.fixture(scope="module")
def state(store: Store):
    """A function giving the shared district's tables as ``tables_now``: as
    no import may change them, each test's "before" is the same."""
    baseline = tables_now(store)
    return lambda: baseline


def refusal(store: Store, kind: str, data: bytes, name: str) -> dict[str, str]:
    with pytest.raises(InvalidInput) as refused:
        import_bytes(store, store.user_by_email(OFFICE), kind, data, name)
    assert refused.value.what == f"The {kind} file"
    return refused.value.problems


# -- valid files --------------------------------------------------------------------


def _unique(rows: st.SearchStrategy, key) -> st.SearchStrategy:
    return st.lists(rows, min_size=1, max_size=8, unique_by=key)


def _schools() -> st.SearchStrategy:
    row = st.fixed_dictionaries(
        {
            "code": st.from_regex(r"N[0-9]{1,4}", fullmatch=True),
            "name": WORDS,
            "level": st.sampled_from(["ES", "middle", "High School", "other"]),
            "network": st.sampled_from(["North", "south"]),
            "enrollment": st.integers(0, 1_000_000).map(str),
            "pct_low_income": st.integers(0, 100).map(lambda n: f"{n}%"),
            "pct_english_learners": st.floats(0, 1).map(lambda x: f"{x:.3f}"),
            "pct_disabilities": st.sampled_from(["0", "1", "0.25", "7%"]),
            "principal_email": st.sampled_from(["", "ana@district.org"]),
        }
    )
    return _unique(row, lambda r: r["code"].lower())


def _users() -> st.SearchStrategy:
    places = {
        "Central office": ("", ""),
        "reviewer": ("", ""),
        "Viewer": ("", ""),
        "principal": ("A1", ""),
        "site team member": ("b2", ""),
        "Network lead": ("", "North"),
    }
    row = st.builds(
        lambda n, name, role, active: {
            "email": f"person{n}@fuzz.org",
            "name": name,
            "role": role,
            "school_code": places[role][0],
            "network": places[role][1],
            "active": active,
        },
        st.integers(0, 10_000),
        WORDS,
        st.sampled_from(sorted(places)),
        st.sampled_from(["", "yes", "no", "TRUE", "0"]),
    )
    return _unique(row, lambda r: r["email"])


def _ratings() -> st.SearchStrategy:
    raters = [
        ("self-reflection", ""),
        ("consensus", ""),
        ("reviewer", "rae@district.org"),
        ("Reviewer", "REX@district.org"),
    ]
    row = st.builds(
        lambda review, code, rater, rating, note: {
            "school_code": review[0],
            "cycle_year": review[1],
            "standard_code": code,
            "rater_kind": rater[0],
            "rater_email": rater[1],
            "rating": rating,
            "note": note,
        },
        st.sampled_from([("A1", "2024"), ("c3", "2026")]),
        st.sampled_from(["S1", "s2", "S1.1"]),
        st.sampled_from(raters),
        st.sampled_from(["Emerging", "developing", "3", "Strong", "Very Weak"]),
        st.one_of(st.just(""), WORDS),
    )
    return _unique(
        row,
        lambda r: (r["school_code"].lower(), r["standard_code"].lower(),
                   r["rater_kind"].lower(), r["rater_email"].lower()),
    )  # fmt: skip


def _measure_values() -> st.SearchStrategy:
    row = st.fixed_dictionaries(
        {
            "school_code": st.sampled_from(["A1", "b2", "C3"]),
            "measure_code": st.sampled_from(["attendance_rate", "SUSPENSION_RATE"]),
            "period": DAYS,
            "student_group": WORDS,
            "value": st.floats(-1e6, 1e6, allow_nan=False).map(repr),
            "group_size": st.integers(0, 10_000_000).map(str),
        }
    )
    return _unique(
        row,
        lambda r: (r["school_code"].lower(), r["measure_code"].lower(), r["period"],
                   r["student_group"].lower()),
    )  # fmt: skip


def _reviews() -> st.SearchStrategy:
    row = st.fixed_dictionaries(
        {
            "school_code": st.sampled_from(["A1", "B2", "c3"]),
            "cycle_year": st.integers(2000, 2100).map(str),
            "phase": st.sampled_from(["report", "Site Visit", "complete"]),
            "starts_on": DAYS,
            "published_on": st.sampled_from(["", "2025-01-15"]),
            "lead_reviewer_email": st.sampled_from(["", "rae@district.org"]),
            "focus_standards": st.sampled_from(["", "S1", "s2|S1.1"]),
        }
    )
    return _unique(row, lambda r: (r["school_code"].lower(), r["cycle_year"]))


VALID = {
    "schools": _schools(),
    "users": _users(),
    "ratings": _ratings(),
    "measure-values": _measure_values(),
    "reviews": _reviews(),
}


def csv_text(rows: list[dict[str, str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(list(rows[0]))
    writer.writerows([[row[name] for name in rows[0]] for row in rows])
    return buffer.getvalue()


def xlsx_data(rows: list[dict[str, str]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(list(rows[0]))
    for row in rows:
        sheet.append([row[name] for name in rows[0]])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@st.composite
def files(draw, kinds=KINDS):
    """A kind, a valid file of it as rows, and a row position and a column."""
    kind = draw(st.sampled_from(kinds))
    rows = draw(VALID[kind])
    position = draw(st.integers(0, len(rows) - 1))
    return kind, rows, position


def where(kind: str, position: int | None, column: str | None, suffix="csv") -> str:
    """A problem's key: the file, the spreadsheet row, the column."""
    key = f"{kind}.{suffix}"
    if position is not None:
        key += f", row {position + 2}"
    return f"{key}, column {column}" if column else key


def column_of(kind: str, name: str):
    return next(c for c in SPECS[kind].columns if c.name == name)


def besides(kind: str, row: dict[str, str], name: str) -> str:
    """What else a spoilt cell is told: a rating that is not a reviewer's
    names no rater, so a rater email cell with anything in it is wrong too."""
    rater = row.get("rater_kind", "").lower()
    if kind == "ratings" and name == "rater_email" and rater != "reviewer":
        return f"; a {rater} rating names no rater; leave it empty"
    return ""


def records(rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue()


# -- one wrong cell ----------------------------------------------------------------

# Per column type, what a cell that is not of the type is told.
NOT_OF_TYPE = {
    "whole": "{value!r} is not a whole number",
    "number": "{value!r} is not a number",
    "share": "{value!r} is not a share such as 0.45 or a percentage such as 45%",
    "date": "{value!r} is not a date written YYYY-MM-DD",
    "flag": "{value!r} is not yes or no",
    "email": "{value!r} is not an email address",
    "choice": "{value!r} is not one of: {allowed}",
    "rating": "{value!r} is not on the rating scale: write one of Emerging, "
    "Developing, Proficient, Exemplary (or a level 1 to 4)",
}
TYPED = {
    kind: [c.name for c in SPECS[kind].columns if c.type in NOT_OF_TYPE]
    for kind in KINDS
}


@MANY
@given(data=st.data(), case=files(), bad=STRANGE, fmt=st.sampled_from(["csv", "xlsx"]))
def test_a_cell_of_the_wrong_type_is_named_by_row_and_column(
    store, state, data, case, bad, fmt
):
    kind, rows, position = case
    name = data.draw(st.sampled_from([c for c in TYPED[kind] if c in rows[0]]))
    column = column_of(kind, name)
    rows[position][name] = bad
    file = csv_text(rows).encode() if fmt == "csv" else xlsx_data(rows)
    before = state()
    expected = NOT_OF_TYPE[column.type].format(
        value=bad, allowed=column.allowed() if column.choices else ""
    ) + besides(kind, rows[position], name)
    assert refusal(store, kind, file, f"{kind}.{fmt}") == {
        where(kind, position, name, fmt): expected
    }
    assert tables_now(store) == before


# Per kind, the columns that name something stored, and what an unknown one is told.
REFERENCES = {
    "schools": {"network": "no network is called {value!r}; import the networks "
                "first",
                "principal_email": "no user has the email {value!r}; import the "
                "users first"},
    "users": {"school_code": "no school has the code {value!r}; import the schools "
              "first",
              "network": "no network is called {value!r}; import the networks first"},
    "ratings": {"school_code": "no school has the code {value!r}; import the schools "
                "first",
                "standard_code": "no standard has the code {value!r}; import the "
                "standards first",
                "rating": NOT_OF_TYPE["rating"]},
    "measure-values": {"school_code": "no school has the code {value!r}; import the "
                       "schools first",
                       "measure_code": "no measure has the code {value!r}; import "
                       "the measures first"},
    "reviews": {"school_code": "no school has the code {value!r}; import the "
                "schools first",
                "focus_standards": "no standard has the code {value!r}"},
}  # fmt: skip


@MANY
@given(data=st.data(), case=files(), bad=STRANGE)
def test_a_code_that_names_nothing_is_named_by_row_and_column(
    store, state, data, case, bad
):
    kind, rows, position = case
    name = data.draw(st.sampled_from(sorted(REFERENCES[kind])))
    if name.endswith("email"):
        bad = f"{bad}@nowhere.org"
    rows[position][name] = bad
    before = state()
    assert refusal(store, kind, csv_text(rows).encode(), f"{kind}.csv") == {
        where(kind, position, name): REFERENCES[kind][name].format(value=bad)
    }
    assert tables_now(store) == before


@SOME
@given(
    data=st.data(),
    case=files(("reviews", "measure-values")),
    bad=st.sampled_from(["2024-13-01", "2024-02-30", "31/12/2024", "2024-1-5",
                         "20240101", "yesterday", "2024-12-31T10:00"]),
)  # fmt: skip
def test_an_unreadable_date_is_named_by_row_and_column(store, state, data, case, bad):
    kind, rows, position = case
    name = "period" if kind == "measure-values" else "starts_on"
    rows[position][name] = bad
    before = state()
    assert refusal(store, kind, csv_text(rows).encode(), f"{kind}.csv") == {
        where(kind, position, name): f"{bad!r} is not a date written YYYY-MM-DD"
    }
    assert tables_now(store) == before


@SOME
@given(data=st.data(), case=files())
def test_an_empty_required_cell_is_named_by_row_and_column(store, state, data, case):
    kind, rows, position = case
    required = [c.name for c in SPECS[kind].columns if c.required]
    name = data.draw(st.sampled_from(required))
    rows[position][name] = ""
    before = state()
    problems = refusal(store, kind, csv_text(rows).encode(), f"{kind}.csv")
    column = column_of(kind, name)
    hint = f" ({column.allowed()})" if column.choices else ""
    assert problems == {where(kind, position, name): f"is empty; it is required{hint}"}
    assert tables_now(store) == before


# -- rows and columns ----------------------------------------------------------------


@SOME
@given(data=st.data(), case=files())
def test_a_repeated_row_is_named_with_the_row_it_repeats(store, state, data, case):
    kind, rows, position = case
    again = data.draw(st.integers(position + 1, len(rows)))
    rows.insert(again, dict(rows[position]))
    before = state()
    spec = SPECS[kind]
    names = spec.key[0]
    if len(spec.key) > 1:
        names = ", ".join(spec.key[:-1]) + " and " + spec.key[-1]
    assert refusal(store, kind, csv_text(rows).encode(), f"{kind}.csv") == {
        where(kind, again, None): f"repeats row {position + 2}: the same {names} "
        f"(each {spec.row} appears once)"
    }
    assert tables_now(store) == before


@SOME
@given(data=st.data(), case=files())
def test_a_missing_required_column_is_named(store, state, data, case):
    kind, rows, _ = case
    required = [c.name for c in SPECS[kind].columns if c.required]
    name = data.draw(st.sampled_from(required))
    for row in rows:
        del row[name]
    before = state()
    assert refusal(store, kind, csv_text(rows).encode(), f"{kind}.csv") == {
        f"{kind}.csv, column {name}": f"is missing; the {kind} file needs the "
        f"columns: {', '.join(required)}"
    }
    assert tables_now(store) == before


@SOME
@given(case=files(), extra=STRANGE, at=st.integers(0, 20))
def test_a_column_the_kind_does_not_have_is_named_in_the_header(
    store, state, case, extra, at
):
    kind, rows, _ = case
    place = at % (len(rows[0]) + 1)
    rows = [
        dict([*list(row.items())[:place], (extra, "1"), *list(row.items())[place:]])
        for row in rows
    ]
    before = state()
    names = ", ".join(c.name for c in SPECS[kind].columns)
    assert refusal(store, kind, csv_text(rows).encode(), f"{kind}.csv") == {
        f"{kind}.csv, row 1, column {extra}": f"is not a column of the {kind} "
        f"file; its columns are: {names}"
    }
    assert tables_now(store) == before


@SOME
@given(case=files(), extra=st.integers(1, 3))
def test_a_row_wider_than_the_header_is_named(store, state, case, extra):
    kind, rows, position = case
    cells = [list(rows[0]), *[[row[name] for name in rows[0]] for row in rows]]
    cells[position + 1] += ["x"] * extra
    text = records(cells)
    before = state()
    width = len(rows[0])
    assert refusal(store, kind, text.encode(), f"{kind}.csv") == {
        f"{kind}.csv": f"row {position + 2} has {width + extra} cells, but the "
        f"header row names {width} columns"
    }
    assert tables_now(store) == before


# -- what a file is made of -----------------------------------------------------------


@SOME
@given(data=st.data(), case=files(), quote=st.sampled_from(["open", "after"]))
def test_broken_quoting_is_named_by_its_row(store, state, data, case, quote):
    kind, rows, position = case
    name = data.draw(st.sampled_from(list(rows[0])))
    marker = "\x1e"  # written as one cell, then spoilt in the text
    rows[position][name] = marker
    for row in rows:  # no other cell quoted, so no quote closes the open one
        row.update({k: re.sub('[",\n]', "", v) for k, v in row.items()})
    text = csv_text(rows)
    spoilt = '"never closed' if quote == "open" else '"closed"then more'
    before = state()
    problems = refusal(store, kind, text.replace(marker, spoilt).encode(), "f.csv")
    why = (
        "opens a quoted cell that is never closed"
        if quote == "open"
        else "has text after a quoted cell's closing quote"
    )
    assert problems == {"f.csv": f"row {position + 2} {why}"}
    assert tables_now(store) == before


@SOME
@given(data=st.data(), case=files())
def test_a_nul_character_is_named_by_row_and_column(store, state, data, case):
    kind, rows, position = case
    name = data.draw(st.sampled_from(list(rows[0])))
    rows[position][name] = "ab\x00cd"
    before = state()
    assert refusal(store, kind, csv_text(rows).encode(), f"{kind}.csv") == {
        where(kind, position, name): "holds a NUL character (a zero byte), which no "
        "cell may hold" + besides(kind, rows[position], name)
    }
    assert tables_now(store) == before


@FEW
@given(data=st.data(), case=files(), size=st.sampled_from([1 << 20, 3000, 600]))
def test_a_huge_cell_is_named_by_row_and_column_and_not_quoted(
    store, state, data, case, size
):
    kind, rows, position = case
    name = data.draw(st.sampled_from(list(rows[0])))
    length = column_of(kind, name).length
    if size <= length:
        size = length + 1
    rows[position][name] = "é" * size
    before = state()
    problems = refusal(store, kind, csv_text(rows).encode(), f"{kind}.csv")
    assert problems == {
        where(kind, position, name): f"is {size:,} characters long; at most "
        f"{length:,} fit" + besides(kind, rows[position], name)
    }
    assert tables_now(store) == before


@SOME
@given(
    kind=st.sampled_from(KINDS),
    data=st.one_of(
        st.just(b""),
        st.sampled_from([b"\n", b"  \r\n\n", codecs.BOM_UTF8, b"\xef\xbb\xbf\n"]),
    ),
)
def test_an_empty_file_is_refused(store, state, kind, data):
    before = state()
    assert refusal(store, kind, data, "f.csv") == {
        "f.csv": "is empty; its first row names the columns"
    }
    assert tables_now(store) == before


@SOME
@given(case=files(), blank=st.sampled_from(["", "\n", "\n\n,,,\n"]))
def test_a_header_without_rows_is_refused(store, state, case, blank):
    kind, rows, _ = case
    header = csv_text(rows).split("\n", 1)[0]
    before = state()
    assert refusal(store, kind, (header + "\n" + blank).encode(), "f.csv") == {
        "f.csv": "has a header row but no rows below it"
    }
    assert tables_now(store) == before


@SOME
@given(
    kind=st.sampled_from(KINDS),
    junk=st.one_of(
        st.binary(min_size=0, max_size=200).filter(lambda b: not b.startswith(b"PK")),
        st.builds(lambda text: _zip_of({"notes.txt": text}), st.binary(max_size=50)),
        st.text(max_size=60).map(str.encode),
    ),
)
def test_a_workbook_that_is_not_one_is_refused(store, state, kind, junk):
    before = state()
    problems = refusal(store, kind, junk, "f.xlsx")
    assert list(problems) == ["f.xlsx"]
    assert problems["f.xlsx"].startswith("is not an Excel workbook that can be read (")
    assert tables_now(store) == before


def _zip_of(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_a_file_over_the_row_cap_is_refused_before_anything_else(store, state):
    """Checked with the real cap: a one-column file of two million and one
    rows (each the same network, which would also be a repeat)."""
    data = b"name\n" + b"East\n" * (MAX_ROWS + 1)
    before = state()
    assert refusal(store, "networks", data, "networks.csv") == {
        "networks.csv": "has 2,000,001 rows; at most 2,000,000 can be imported at "
        "once. Split the file."
    }
    assert tables_now(store) == before


def test_a_file_at_the_row_cap_passes_it(store):
    data = b"name\n" + b"East\n" * MAX_ROWS
    problems = refusal(store, "networks", data, "networks.csv")
    assert problems["networks.csv, row 3"].startswith("repeats row 2")


def test_an_upload_over_the_size_cap_is_refused(fresh):
    office = fresh.user_by_email(OFFICE)
    data = b"name\n" + b"x" * (1 << 20)
    before = tables_now(fresh)
    with pytest.raises(InvalidInput) as refused:
        import_bytes(fresh, office, "networks", data, "n.csv", max_mb=1)
    assert refused.value.problems == {
        "n.csv": f"is {len(data):,} bytes; at most 1 MB (1,048,576 bytes) can be "
        "uploaded at once. Split the file, or import it with sqr-tracker import on "
        "the command line."
    }
    assert tables_now(fresh) == before
    at_cap = b"name\nEast\n" + b"\n" * ((1 << 20) - 10)  # blank rows are skipped
    assert len(at_cap) == 1 << 20
    done = import_bytes(fresh, office, "networks", at_cap, "n.csv", max_mb=1)
    assert (done.added, done.changed, done.unchanged) == (1, 0, 0)


# -- encodings ------------------------------------------------------------------------

ENCODINGS = {
    "UTF-8 with its mark": (lambda t: codecs.BOM_UTF8 + t.encode("utf-8"), "UTF-8"),
    "UTF-16 little-endian": (lambda t: t.encode("utf-16"), "UTF-16"),
    "UTF-16 big-endian": (
        lambda t: codecs.BOM_UTF16_BE + t.encode("utf-16-be"),
        "UTF-16",
    ),
    "Windows-1252": (lambda t: t.encode("cp1252"), "Windows-1252"),
}


@pytest.fixture
def fresh(district_file: Path, tmp_path) -> Store:
    """A copy of the district for one test that imports."""
    path = tmp_path / "district.duckdb"
    shutil.copyfile(district_file, path)
    opened = Store.open(path)
    yield opened
    opened.close()


@pytest.mark.parametrize("encoding", list(ENCODINGS))
def test_a_file_in_another_encoding_is_read_as_its_text(fresh, encoding):
    encode, named = ENCODINGS[encoding]
    text = (
        "code,name,level,network,enrollment,pct_low_income,pct_english_learners,"
        "pct_disabilities\nE5,École Élan Café,ES,North,300,0.5,0.2,0.1\n"
        "F6,Zürich Señor,middle,South,200,45%,0.1,0.05\n"
    )
    done = import_bytes(fresh, fresh.user_by_email(OFFICE), "schools", encode(text),
                        "s.csv")  # fmt: skip
    assert (done.added, done.encoding) == (2, named)
    names = "SELECT name FROM schools WHERE code IN ('E5', 'F6') ORDER BY code"
    assert fresh.rows(names) == [("École Élan Café",), ("Zürich Señor",)]
    summary = done.summary()
    if named == "UTF-8":
        assert "read as" not in summary
    else:
        assert f"unchanged, read as {named} text, in " in summary


@MANY
@given(data=st.data(), case=files(), bad=STRANGE, encoding=st.sampled_from(
    list(ENCODINGS)))  # fmt: skip
def test_a_wrong_cell_in_another_encoding_is_named_the_same_way(
    store, state, data, case, bad, encoding
):
    kind, rows, position = case
    name = data.draw(st.sampled_from([c for c in TYPED[kind] if c in rows[0]]))
    column = column_of(kind, name)
    rows[position][name] = bad
    before = state()
    expected = NOT_OF_TYPE[column.type].format(
        value=bad, allowed=column.allowed() if column.choices else ""
    ) + besides(kind, rows[position], name)
    encoded = ENCODINGS[encoding][0](csv_text(rows))
    assert refusal(store, kind, encoded, f"{kind}.csv") == {
        where(kind, position, name): expected
    }
    assert tables_now(store) == before


@SOME
@given(case=files(), at=st.integers(0, 10_000))
def test_bytes_neither_encoding_reads_are_refused_by_position(store, state, case, at):
    kind, rows, _ = case
    data = csv_text(rows).encode("cp1252")
    place = at % (len(data) + 1)
    data = data[:place] + b"\x81" + data[place:]  # a byte Windows-1252 lacks
    with pytest.raises(UnicodeDecodeError) as utf8:
        data.decode("utf-8")
    first = utf8.value.start
    before = state()
    assert refusal(store, kind, data, "f.csv") == {
        "f.csv": f"is neither UTF-8 text (byte {data[first]:#04x} at position "
        f"{first}) nor Windows-1252 text (byte 0x81 at position {place}); save it "
        "as CSV UTF-8 and try again"
    }
    assert tables_now(store) == before


def test_utf_16_without_its_mark_is_refused_by_its_nul_bytes(store, state):
    before = state()
    data = "name\nEast\n".encode("utf-16-le")
    assert refusal(store, "networks", data, "n.csv") == {
        f"n.csv, row {row}, column name": "holds a NUL character (a zero byte), "
        "which no cell may hold"
        for row in (2, 3)
    }
    assert tables_now(store) == before


@pytest.mark.parametrize("cell", ["East", "not an email"])
def test_rows_that_all_share_one_key_are_repeats_of_the_first(store, state, cell):
    before = state()
    kind = "networks" if cell == "East" else "users"
    header = "name" if kind == "networks" else "email,name,role"
    row = cell if kind == "networks" else f"{cell},N,Viewer"
    problems = refusal(store, kind, f"{header}\n{row}\n{row}\n".encode(), "f.csv")
    if kind == "networks":
        assert problems == {
            "f.csv, row 3": "repeats row 2: the same name (each network of schools "
            "appears once)"
        }
    else:  # an unreadable key is named, and is no repeat
        assert problems == {
            f"f.csv, row {row}, column email": "'not an email' is not an email address"
            for row in (2, 3)
        }
    assert tables_now(store) == before
