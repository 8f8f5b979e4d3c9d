"""Benchmark: importing rating rows with full validation, beside DuckDB's read_csv.

Run with ``python benchmarks/imports.py`` (one million rows) or ``--quick``
(50,000 rows); ``--rows N`` sets the count. The district is the demo district
(``demo.demo_tables``) big enough to hold ``N`` ratings (``--schools``, else
about one school per 50 rows), loaded with a code for each school: the demo's
schools have none, and the import names a school by its code. The ratings file
is that district's export of its ratings (``sqr-tracker export ratings``), cut
to its first ``N`` rows, with every rating moved one level up the scale (the
top level to the lowest), so that every row is a changed rating the import must
check and write.

- import, every row changed: ``sqr-tracker import ratings`` as the central
  office (``district_data.import_file``) into a copy of the demo file: the file
  read, every column checked, schools, standards and reviewers resolved, the
  rows written in one transaction with their history entry.
- import again, every row unchanged: the same file a second time (checked and
  compared, nothing written).
- the same change in DuckDB alone (no checks): what the write itself takes,
  with no check at all. On a fresh copy of the district, one transaction
  reads the file with ``read_csv`` into a table, finds each row's stored
  rating by its school's code, cycle, standard's code, kind of rater and
  reviewer's email, and the level by its label, sets the level, version,
  writer and time of every rating, and commits. No cell is checked, no
  problem could be named and nothing is compared, so no import can be
  quicker than this.

The floor of each is DuckDB reading the same file with ``read_csv`` into a
plain table, on a connection of its own held in memory. Target: an import at
most 2x its floor (none is set for DuckDB alone). Beside it, the same
``read_csv`` into a plain table of a new data file, committed: what keeping
the rows on disk adds, which an import pays too (no target). Each figure is
the median of ``--repeats`` runs (each pair of imports on a fresh copy of the
district).
"""

from __future__ import annotations

import math
import shutil
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import duckdb
from common import CACHE, Row, parser, persona, print_table, scale, seconds

from sqr_tracker import district_data
from sqr_tracker.demo import demo_tables
from sqr_tracker.models import Role
from sqr_tracker.store import Store

ROWS_PER_SCHOOL = 50  # a demo school has about 55 ratings


def coded_district(schools: int, given: Path | None) -> Path:
    """The demo district with a code for each school, built once and reused."""
    path = given or CACHE / f"coded-{schools}-{date.today().isoformat()}.duckdb"
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    tables = demo_tables(schools=schools, seed=2026, today=date.today())
    found = tables["schools"]
    found["code"] = [f"SCH{school:05d}" for school in found["id"]]
    store = Store.open(path)
    try:
        store.bulk_load(tables, {"is_demo": "true"})
        store.checkpoint()
    finally:
        store.close()
    print(f"built {path} in {time.perf_counter() - started:.1f} s", flush=True)
    return path


def ratings_file(source: Path, rows: int, target: Path) -> int:
    """Write the first ``rows`` exported ratings, each moved one level, to
    ``target``; return how many rows were written."""
    store = Store.open(source)
    try:
        frame = district_data.export_frame(
            store, persona(store, Role.CENTRAL_OFFICE), "ratings"
        )
        labels = store.rating_scale()["label"].tolist()
    finally:
        store.close()
    if len(frame) < rows:
        raise SystemExit(f"{source} has only {len(frame):,} ratings, not {rows:,}")
    frame = frame.head(rows).copy()
    moved = dict(zip(labels, labels[1:] + labels[:1], strict=True))
    frame["rating"] = frame["rating"].map(moved)
    target.write_bytes(district_data.file_bytes("ratings", frame, "csv"))
    return len(frame)


def read_csv_seconds(path: Path, into: Path | None = None) -> float:
    """Seconds for ``read_csv`` of ``path`` into a plain table, in memory or
    in a new data file ``into`` (the statement commits as it ends)."""
    connection = duckdb.connect(str(into) if into else ":memory:")
    try:
        return seconds(
            lambda: connection.execute(
                "CREATE TABLE ratings AS SELECT * FROM read_csv(?)", [str(path)]
            )
        )
    finally:
        connection.close()
        if into:
            into.unlink()


# The ratings file's change in plain SQL (see the docstring): the file read
# into a table first, which DuckDB runs quicker than one statement reading it.
_READ = "CREATE TEMP TABLE _file AS SELECT * FROM read_csv(?, all_varchar = true)"
_ALONE = """
    UPDATE ratings SET level = f.level, version = ratings.version + 1,
           updated_by = $by, updated_on = now()::TIMESTAMP
    FROM (
        SELECT r.id, l.level
        FROM _file c
        JOIN schools s ON lower(s.code) = lower(c.school_code)
        JOIN reviews v ON v.school_id = s.id
             AND v.cycle_year = c.cycle_year::INTEGER
        JOIN standards d ON lower(d.code) = lower(c.standard_code)
        LEFT JOIN users u ON lower(u.email) = lower(c.rater_email)
        JOIN rating_levels l ON lower(l.label) = lower(c.rating)
        JOIN ratings r ON r.review_id = v.id AND r.standard_id = d.id
             AND r.rater_kind = c.rater_kind
             AND r.rater_id IS NOT DISTINCT FROM u.id
    ) f
    WHERE ratings.id = f.id
"""


def alone_seconds(source: Path, csv: Path, folder: Path, rows: int) -> float:
    """Seconds for DuckDB alone to make the file's change, with no checks, in
    a fresh copy of ``source``; checks that it changed every row."""
    copy = folder / "alone.duckdb"
    shutil.copyfile(source, copy)
    connection = duckdb.connect(str(copy))
    try:
        (by,) = connection.execute(
            "SELECT id FROM users WHERE role = 'central_office' ORDER BY id LIMIT 1"
        ).fetchone()
        changed = []

        def write() -> None:
            connection.begin()
            connection.execute(_READ, [str(csv)])
            found = connection.execute(_ALONE, {"by": by})
            changed.append(found.fetchone()[0])
            connection.commit()

        took = seconds(write)
    finally:
        connection.close()
        copy.unlink()
    if changed != [rows]:
        raise SystemExit(f"DuckDB alone changed {changed} rows, not {rows:,}")
    return took


def imported_twice(
    source: Path, csv: Path, folder: Path, rows: int
) -> tuple[float, float]:
    """Seconds to import the file of ``rows`` ratings into a fresh copy of
    ``source`` (every row changed), then again (every row unchanged); checks
    that they did so."""
    copy = folder / "district.duckdb"
    shutil.copyfile(source, copy)
    store = Store.open(copy)
    try:
        central = persona(store, Role.CENTRAL_OFFICE)
        results = []

        def bring_in() -> None:
            results.append(district_data.import_file(store, central, "ratings", csv))

        changed = seconds(bring_in)
        unchanged = seconds(bring_in)
    finally:
        store.close()
        copy.unlink()
    first, second = results
    if first.changed != rows or second.unchanged != rows:
        raise SystemExit(f"the imports did not go as planned: {first}, {second}")
    return changed, unchanged


def main() -> int:
    options = parser(__doc__)
    options.add_argument("--rows", type=int, default=None, help="rating rows")
    args = options.parse_args()
    rows = args.rows or (50_000 if args.quick else 1_000_000)
    schools = args.schools or math.ceil(rows / ROWS_PER_SCHOOL)
    _, repeats = scale(args)
    source = coded_district(schools, args.db)
    with tempfile.TemporaryDirectory() as folder:
        csv = Path(folder) / "ratings.csv"
        rows = ratings_file(source, rows, csv)
        # Each figure is the median of fresh imports (the first changes every
        # row, so each pair needs a copy of its own), read_csv's too.
        here = Path(folder)
        pairs = [imported_twice(source, csv, here, rows) for _ in range(repeats)]
        floor = statistics.median(read_csv_seconds(csv) for _ in range(repeats))
        on_disk = statistics.median(
            read_csv_seconds(csv, here / "plain.duckdb") for _ in range(repeats)
        )
        alone = statistics.median(
            alone_seconds(source, csv, here, rows) for _ in range(repeats)
        )
    changed = statistics.median(changed for changed, _ in pairs)
    unchanged = statistics.median(unchanged for _, unchanged in pairs)
    print_table(
        f"Imports, {rows:,} rating rows (floor: DuckDB's read_csv of the same file; "
        f"medians of {repeats})",
        [
            Row("import, every row changed", changed, floor=floor, limit=2),
            Row("import again, every row unchanged", unchanged, floor=floor, limit=2),
            Row("read_csv into a plain table", floor),
            Row("read_csv into a plain table of a data file", on_disk, floor=floor),
            Row("the same change in DuckDB alone (no checks)", alone, floor=floor),
        ],
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
