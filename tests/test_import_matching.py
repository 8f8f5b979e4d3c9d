"""An import matches its rows with the stored ones in DuckDB: the answers are
those of the earlier definition, kept here as the reference, which read every
stored row into pandas and compared them there. Each file is imported twice
into copies of one district, once each way, and every table must come out the
same, with the same counts. A large file is read straight into codes, and its
cells are those of reading its text first."""

from __future__ import annotations

import io
import shutil
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from test_district_data import DISTRICT, KIND_OF, OFFICE, TABLES

from sqr_tracker import district_data, district_files, district_kinds
from sqr_tracker.demo import demo_tables
from sqr_tracker.district_columns import joint_keys, positions, same
from sqr_tracker.district_data import import_bytes
from sqr_tracker.district_files import Cells, read_sheet
from sqr_tracker.district_kinds import Batch, Job
from sqr_tracker.errors import InvalidInput
from sqr_tracker.store import Store

STAMP = datetime(2026, 12, 3, 9, 30)
GENERATED = settings(
    max_examples=25,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


def reference_upsert(job: Job, batch: Batch) -> tuple[int, int, int]:
    """The earlier definition: every stored row read, matched and compared in
    pandas, the changed rows written with every column the file gives."""
    store, tx, table = job.store, job.tx, batch.table
    incoming = batch.frame
    if job.skip.any():
        incoming = incoming[~job.skip].reset_index(drop=True)
    ident = ["id"] if batch.has_id else list(batch.match)
    written = [c for c in incoming.columns if c != "id" and c not in batch.compare_only]
    stored = store.table_rows(tx, table, list(dict.fromkeys([*ident, *written])))
    for column in batch.compare_only:
        extra = batch.stored_extra[column]
        stored[column] = stored[ident[0]].map(extra).fillna("")
    if stored.empty:
        found = np.full(len(incoming), -1)
    else:
        lk, rk = joint_keys(
            [incoming[m] for m in batch.match], [stored[m] for m in batch.match]
        )
        found = positions(lk, rk)
    old = found >= 0
    before = stored.iloc[found[old]].reset_index(drop=True)
    after = incoming[old].reset_index(drop=True)
    differs = {c: ~same(after[c], before[c]) for c in [*written, *batch.compare_only]}
    moved = np.logical_or.reduce([np.zeros(len(after), dtype=bool), *differs.values()])
    new = incoming[~old].copy()
    if batch.has_id and "id" not in new:
        start = store.next_id(tx, table)
        new.insert(0, "id", np.arange(start, start + len(new), dtype=np.int64))
    inserted = district_data._gapless(new.drop(columns=list(batch.compare_only)))
    if batch.versioned:
        inserted = district_data._stamped(inserted, job)
    store.insert_rows(tx, table, inserted)
    changed = after[moved].copy()
    sets = [c for c in written if c not in batch.match or differs[c][moved].any()]
    update = changed[sets].copy()
    for column in ident:
        update[f"_where_{column}"] = before.loc[moved, column].to_numpy()
    if batch.versioned:
        update = district_data._stamped(update, job)
    store.update_rows(tx, table, update, where=ident, bump_version=batch.versioned)
    if batch.links is not None:
        if batch.has_id:
            changed["id"] = before.loc[moved, "id"].to_numpy()
        batch.links(job, pd.concat([new, changed], ignore_index=True))
    return len(new), int(moved.sum()), int((~moved).sum())


@pytest.fixture(autouse=True)
def fixed_time(monkeypatch):
    """Both imports stamp their rows and history entry with the same time."""
    monkeypatch.setattr(district_kinds, "_now", lambda: STAMP)


@pytest.fixture(scope="module")
def district_file(tmp_path_factory) -> Path:
    """The district of the district-data tests, every file of it brought in."""
    path = tmp_path_factory.mktemp("matching") / "district.duckdb"
    district_data.new_district(path)
    store = Store.open(path)
    try:
        for name, text in DISTRICT.items():
            office = store.user_by_email(OFFICE)
            import_bytes(store, office, KIND_OF.get(name, name), text.encode(), "f.csv")
        store.checkpoint()
    finally:
        store.close()
    return path


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory) -> Path:
    """A generated demo district of four schools, each with a code."""
    path = tmp_path_factory.mktemp("matching") / "demo.duckdb"
    tables = demo_tables(schools=4, seed=9, today=date(2026, 12, 3))
    tables["schools"]["code"] = [f"SCH{n:03d}" for n in tables["schools"]["id"]]
    store = Store.open(path)
    try:
        store.bulk_load(tables, {"is_demo": "true"})
        store.checkpoint()
    finally:
        store.close()
    return path


def both_ways(source: Path, folder: Path, kind: str, text: str, monkeypatch):
    """What importing ``text`` does to copies of ``source``, matched in DuckDB
    and by the reference: (counts, refusal, every table) for each."""
    outcomes = []
    ways = (("duckdb", district_data._upsert), ("pandas", reference_upsert))
    for way, upsert in ways:
        path = folder / f"{way}.duckdb"
        path.unlink(missing_ok=True)
        Path(f"{path}.wal").unlink(missing_ok=True)
        shutil.copyfile(source, path)
        monkeypatch.setattr(district_data, "_upsert", upsert)
        store = Store.open(path)
        try:
            office = store.user_by_email(OFFICE) or store.user_by_email(
                "central.office@demo.sqr"
            )
            try:
                done = import_bytes(store, office, kind, text.encode(), "f.csv")
                counts, refusal = (done.added, done.changed, done.unchanged), None
            except InvalidInput as error:
                counts, refusal = None, error.problems
            tables = {t: store.rows(f"SELECT * FROM {t} ORDER BY ALL") for t in TABLES}
        finally:
            store.close()
        outcomes.append((counts, refusal, tables))
    return outcomes


def assert_same(outcomes) -> None:
    (counts, refusal, tables), (ref_counts, ref_refusal, ref_tables) = outcomes
    assert (counts, refusal) == (ref_counts, ref_refusal)
    for table in TABLES:
        assert tables[table] == ref_tables[table], table


# -- the district-data files, edited ------------------------------------------------

EDITED = {
    # Keys in another case (they match), values changed, rows added.
    "ratings": """school_code,cycle_year,standard_code,rater_kind,rater_email,rating,\
note
a1,2024,s1,Self-Reflection,,Exemplary,
A1,2024,S1,consensus,,developing,Checks for understanding vary.
A1,2024,S1,reviewer,RAE@district.org,3,new note
A1,2024,S1,reviewer,rex@district.org,1,
A1,2024,S2,self-reflection,,Strong,
C3,2026,S2,self-reflection,,NDA,
""",
    "schools": """code,name,level,network,enrollment,pct_low_income,\
pct_english_learners,pct_disabilities
a1,Alder Elementary,ES,North,421,0.7,30%,0.12
B2,Birch Middle School,middle,North,610,0.5,0.2,0.1
D4,Dogwood K-8,other,South,300,0.45,12%,0
""",
    "more users": f"""email,name,role,school_code,network,active
{OFFICE.upper()},Olu Office,Central office,,,yes
ana@district.org,Ana P. Principal,principal,a1,,
new@district.org,New Reviewer,Reviewer,,,
gus@district.org,Gus Gone,Principal,B2,,yes
""",
    "reviews": """school_code,cycle_year,phase,starts_on,visit_starts_on,visit_ends_on,\
report_on,completes_on,published_on,lead_reviewer_email,focus_standards
A1,2024,complete,2024-09-01,2024-11-04,2024-11-06,2025-01-15,2025-06-01,2025-01-15,\
rae@district.org,S2|s1
C3,2026,report,2026-09-01,2026-12-01,2026-12-04,,,,rex@district.org,S1.1
B2,2025,self-reflection,2025-09-01,,,,,,,
""",
    "scale": """level,label,description,aliases
1,Emerging,Just beginning,Very Weak
2,developing,Growing,
3,Proficient,,Strong|Solid
4,Exemplary,,
""",
    "standards": """code,name,description,parent_code,order
s1,Quality learning experiences,Rigour for all,,1
S2,Safe and supportive environments,,,3
S3,Family partnership,,,4
""",
    "evidence": """school_code,cycle_year,standard_code,source,description,\
interviews_held,interviewed_group,classrooms_observed,classrooms_total,survey_group,\
survey_respondents,survey_invited
A1,2024,S1,survey,Family survey,,,,,families,41,400
A1,2024,S1,observation,walkthroughs,,,12,20,,,
A1,2024,s2,document,Handbook,,,,,,,
""",
    "measure-values": """school_code,measure_code,period,student_group,value,group_size
a1,Attendance_Rate,2024-09-01,All students,92.5,351
A1,attendance_rate,2024-10-01,all students,93.2,351
A1,suspension_rate,2024-08-01,English learners,1.5,121
""",
    "measures": """code,name,unit,higher_is_better,frequency
Attendance_rate,Attendance rate,%,true,monthly
chronic_absence,Chronic absence,%,no,yearly
""",
    "findings": """school_code,cycle_year,standard_code,strengths,areas_for_growth
A1,2024,S1,Teachers plan together weekly.,Checks for understanding.
a1,2024,S2,"Calm, orderly halls.",Transitions
""",
    "networks": "name\nnorth\nSouth\nEast\n",
}


@pytest.mark.parametrize("name", list(DISTRICT))
def test_each_file_imported_again_matches_as_before(
    district_file, tmp_path, monkeypatch, name
):
    kind = KIND_OF.get(name, name)
    outcomes = both_ways(district_file, tmp_path, kind, DISTRICT[name], monkeypatch)
    assert_same(outcomes)
    assert outcomes[0][1] is None and outcomes[0][0][1] == 0


@pytest.mark.parametrize("name", list(EDITED))
def test_each_edited_file_changes_the_same_rows_as_before(
    district_file, tmp_path, monkeypatch, name
):
    kind = KIND_OF.get(name, name)
    outcomes = both_ways(district_file, tmp_path, kind, EDITED[name], monkeypatch)
    assert_same(outcomes)
    counts = outcomes[0][0]
    assert counts is not None and counts[0] + counts[1] > 0


def test_a_rating_stored_twice_changes_only_its_first_row(
    district_file, tmp_path, monkeypatch
):
    """Two stored rows under one natural key: the first, in storage order, is
    the one that matches."""
    source = tmp_path / "twice.duckdb"
    shutil.copyfile(district_file, source)
    store = Store.open(source)
    try:
        twice = store.frame("SELECT * FROM ratings WHERE rater_kind = 'consensus'")
        twice["id"] = twice["id"] + 100
        twice["level"] = 4
        store.write(lambda tx: store.insert_rows(tx, "ratings", twice))
        store.checkpoint()
    finally:
        store.close()
    text = EDITED["ratings"].replace("consensus,,developing", "consensus,,Proficient")
    folder = tmp_path / "ways"
    folder.mkdir()
    outcomes = both_ways(source, folder, "ratings", text, monkeypatch)
    assert_same(outcomes)
    rows = outcomes[0][2]["ratings"]  # id, review, standard, kind, rater, level
    repeats = set(twice["id"].tolist())
    assert {row[5] for row in rows if row[0] in repeats} == {4}
    # The consensus row the file changes is the original (one version up).
    moved = [row[0] for row in rows if row[3] == "consensus" and row[7] == 2]
    assert len(moved) == 1 and moved[0] not in repeats


# -- generated files on a generated district -----------------------------------------


def _export(path: Path, kind: str) -> pd.DataFrame:
    store = Store.open(path)
    try:
        office = store.user_by_email("central.office@demo.sqr")
        return district_data.export_frame(store, office, kind)
    finally:
        store.close()


@pytest.fixture(scope="module")
def demo_exports(demo_file) -> dict[str, pd.DataFrame]:
    kinds = ("ratings", "schools", "measure-values", "findings", "users")
    return {kind: _export(demo_file, kind) for kind in kinds}


def _case(text: object, upper: bool) -> object:
    if not isinstance(text, str):
        return text
    return text.upper() if upper else text.lower()


@GENERATED
@given(data=st.data())
def test_generated_files_change_the_same_rows_as_before(
    demo_file, demo_exports, tmp_path, monkeypatch, data
):
    """An exported kind, some of its rows kept, keys in another case, some
    cells changed, some rows repeated under a new key: the same outcome."""
    kind = data.draw(st.sampled_from(sorted(demo_exports)))
    frame = demo_exports[kind]
    count = len(frame)
    keep = data.draw(st.lists(st.integers(0, count - 1), min_size=1, max_size=40))
    edited = frame.iloc[sorted(set(keep))].reset_index(drop=True).astype(object)
    edited = edited.where(edited.notna(), "").astype(str)
    spec = district_data.SPECS[kind]
    texts = [c.name for c in spec.columns if c.type in ("code", "email", "text")]
    for column in data.draw(st.lists(st.sampled_from(texts), max_size=3)):
        upper = data.draw(st.booleans())
        edited[column] = [_case(v, upper) for v in edited[column]]
    choices = {
        "ratings": ("rating", ["Emerging", "developing", "3", "Exemplary", "NDA"]),
        "schools": ("enrollment", ["0", "421", "1200"]),
        "measure-values": ("value", ["0", "1.5", "92.5", "-0"]),
        "findings": ("strengths", ["", "Calm halls", "calm halls"]),
        "users": ("name", ["Ana", "ana", "Ana Principal"]),
    }
    column, values = choices[kind]
    for row in data.draw(st.lists(st.integers(0, len(edited) - 1), max_size=10)):
        edited.loc[row, column] = data.draw(st.sampled_from(values))
    if kind == "measure-values" and data.draw(st.booleans()):
        extra = edited.head(3).copy()
        extra["period"] = "2030-01-01"
        edited = pd.concat([edited, extra], ignore_index=True)
    text = district_data.file_bytes(kind, edited, "csv").decode()
    folder = tmp_path / "ways"  # each example copies the district afresh
    folder.mkdir(exist_ok=True)
    assert_same(both_ways(demo_file, folder, kind, text, monkeypatch))


# -- reading a large file -----------------------------------------------------------

CELLS = ("A1", "a1", " B2 ", "'=SUM(A1)", "", "Ça va, oui", 'say "hi"', "line\nbreak")


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_large_csv_is_read_into_the_same_cells_as_its_text(seed):
    """Files over a megabyte are read by Arrow straight into codes: the cells
    and codes are those of reading the text first, then coding it."""
    pick = np.random.default_rng(seed)
    lines = ["first,second,third"]
    for _ in range(40_000):
        cells = [str(c) for c in pick.choice(np.array(CELLS, dtype=object), 3)]
        lines.append(",".join(f'"{c.replace(chr(34), chr(34) * 2)}"' for c in cells))
    data = "\n".join(lines).encode()
    assert len(data) > 2**20
    sheet = read_sheet(data, "big.csv")
    names = ["c0", "c1", "c2"]
    text = pa_csv.read_csv(
        io.BytesIO(data),
        read_options=pa_csv.ReadOptions(column_names=names),
        parse_options=pa_csv.ParseOptions(newlines_in_values=True),
        convert_options=pa_csv.ConvertOptions(
            column_types={n: pa.string() for n in names},
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )
    assert sheet.header == ["first", "second", "third"]
    kept = sheet.rows - 1  # blank rows are left out; row 2 is the first below
    assert 0 < len(kept) < 40_000
    for place, column in enumerate(text.columns):
        old = Cells.of(column).take(kept)
        new = sheet.columns[place]
        assert new.uniques.tolist() == old.uniques.tolist()
        assert new.codes.tolist() == old.codes.tolist()


@pytest.mark.parametrize("end", ["\n", "\r\n"], ids=["LF", "CRLF"])
@pytest.mark.parametrize("quoted", [False, True], ids=["plain", "quoted"])
def test_a_large_csv_with_blank_lines_is_read_by_arrow_with_its_row_numbers(
    end, quoted
):
    """A blank line in a large file is a row of empty cells to Arrow's reader,
    so the file is read fast and its rows keep the numbers that the careful
    reader (for small files) gives them."""
    pick = np.random.default_rng(7)
    lines = ["first,second"]
    plain = np.array(["A1", "a1", " B2 ", "'=SUM(A1)", "", "Ça va"], dtype=object)
    for number in range(120_000):
        if number % 997 == 5:
            lines.append("")
            continue
        cells = [str(c) for c in pick.choice(plain, 2)]
        if quoted:
            cells[0] = f'"{cells[0]}"'
        lines.append(",".join(cells))
    text = end.join(lines) + end + end  # a blank last line too
    data = text.encode()
    assert len(data) > 2**20
    fast = district_files._csv_by_arrow(data)
    assert fast is not None and len(fast[0]) == len(lines) + 1  # one per line
    sheet = read_sheet(data, "big.csv")
    careful = district_files._csv_by_python(text.replace("\r\n", "\n"))
    below = []
    for column in careful:  # as read_sheet reads a small file's cells
        cells = Cells.of(column)
        below.append(cells.uniques.iloc[cells.codes[1:]].reset_index(drop=True))
    blank = np.logical_and.reduce([(column == "").to_numpy() for column in below])
    kept = np.flatnonzero(~blank)
    assert blank.sum() > len(lines) // 997  # blank lines and rows of empty cells
    assert sheet.rows.tolist() == (kept + 2).tolist()
    for place, column in enumerate(below):
        cells = sheet.columns[place]
        read = cells.uniques.to_numpy(object)[cells.codes].tolist()
        assert read == column.iloc[kept].tolist()
