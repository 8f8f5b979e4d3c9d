"""A district's data in and out: each kind of district data imported from a CSV
or Excel file, all or nothing, and exported as the same columns.

An import reads the file, checks every column over its distinct cells (never
row by row), resolves codes, names and emails against the store inside one
transaction, matches the rows with the stored ones in DuckDB (a join, not the
stored rows read out), and writes only the rows that are new or changed: a
changed row gets one version more, an unchanged one is not touched. Any
problem anywhere rolls the import back and is reported by file, row and column,
the first 50 of them exactly, then how many more. Each import adds one history
entry. A file holds at most ``MAX_ROWS`` rows, and an upload in the app at most
the server's upload size.

Rows are numbered as a spreadsheet numbers them: the header is row 1 and the
first data row is row 2. A column the file leaves out keeps what is stored in
it; an empty cell empties it (or, where it cannot be empty, stores its default).
A header the kind does not know is refused, so that a misspelt column never
drops its cells unseen. Labels (the scale's, roles, phases, rater kinds,
sources, school levels, survey groups) match ignoring case, spaces and
punctuation; codes, names and emails match ignoring case only, so that S1.1
and S11 stay apart.
"""

from __future__ import annotations

import copy
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from sqr_tracker.auth import authorize
from sqr_tracker.district_columns import (
    combine,
    joint_codes,
    read_column,
    same,
)
from sqr_tracker.district_files import (
    UTF8,
    Problems,
    Sheet,
    Unreadable,
    csv_bytes,
    fold,
    read_sheet,
    xlsx_bytes,
)
from sqr_tracker.district_kinds import SPECS, Batch, Job, Spec, joined
from sqr_tracker.errors import InvalidInput, PermissionDenied, SqrError
from sqr_tracker.models import ROLE_LABELS, Role, User
from sqr_tracker.store import Store, Tx

_LOGGER = logging.getLogger(__name__)

KINDS = tuple(SPECS)
FORMATS = ("csv", "xlsx")
# The most rows one file may bring in: twice a million-row ratings file.
MAX_ROWS = 2_000_000
_NAME_SHOWN = 100  # characters of a header cell that a problem quotes
# Told, between an import's steps, the share done (0 to 1) and what is next.
Progress = Callable[[float, str], None]


@dataclass(frozen=True)
class ImportResult:
    """What an import did: rows added, changed and left as they were (and,
    for ratings, left out as not rated)."""

    kind: str
    source: str
    added: int
    changed: int
    unchanged: int
    not_rated: int
    seconds: float
    encoding: str | None = None  # a CSV's: UTF-8, UTF-16 or Windows-1252

    def summary(self) -> str:
        words = (
            f"Imported {self.source} ({self.kind}): {self.added:,} added, "
            f"{self.changed:,} changed, {self.unchanged:,} unchanged"
        )
        if self.not_rated:
            words += f", {self.not_rated:,} not rated and left out"
        if self.encoding not in (None, UTF8):
            words += f", read as {self.encoding} text"
        return f"{words}, in {self.seconds:.1f} s."


def new_district(path: str | Path) -> int:
    """Make an empty district file (the latest schema, no demo); return its
    schema version. Refuses a file that exists."""
    path = Path(path)
    if path.exists():
        raise SqrError(
            f"{path} already exists; init makes a new file, so give a new name with "
            "--db (the file was left unchanged)."
        )
    store = Store.open(path)
    try:
        store.bulk_load({}, {"is_demo": "false"})
        return store.schema_version()
    finally:
        store.close()


# -- importing -------------------------------------------------------------------


def import_file(
    store: Store,
    user: User | None,
    kind: str,
    path: str | Path,
    *,
    progress: Progress | None = None,
) -> ImportResult:
    """Import one .csv or .xlsx file of ``kind``; see ``import_sheet``."""
    path = Path(path)
    _spec(kind)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise SqrError(f"There is no file {path}.") from None
    except IsADirectoryError:
        raise SqrError(f"{path} is a folder, not a file.") from None
    except OSError as error:
        raise SqrError(f"{path} could not be read: {error.strerror}.") from None
    return import_bytes(store, user, kind, data, path.name, progress=progress)


def import_bytes(
    store: Store,
    user: User | None,
    kind: str,
    data: bytes,
    name: str,
    *,
    progress: Progress | None = None,
    max_mb: int | None = None,
) -> ImportResult:
    """Import a file's bytes (an upload); ``name`` is how problems name the
    file, and its suffix says whether it is CSV or Excel. ``max_mb``, if
    given, is the largest upload in megabytes: a larger one is refused."""
    _may_import(store, user, _spec(kind))
    if max_mb is not None and len(data) > max_mb * 2**20:
        raise InvalidInput(f"The {kind} file", {name: (
            f"is {len(data):,} bytes; at most {max_mb:,} MB ({max_mb * 2**20:,} "
            "bytes) can be uploaded at once. Split the file, or import it with "
            "sqr-tracker import on the command line."
        )})  # fmt: skip
    _say(progress, 0.05, f"Reading {name}")
    try:
        sheet = read_sheet(data, name)
    except Unreadable as error:
        raise InvalidInput(f"The {kind} file", {name: str(error)}) from None
    return import_sheet(store, user, kind, sheet, progress=progress)


def import_sheet(
    store: Store,
    user: User | None,
    kind: str,
    sheet: Sheet,
    *,
    progress: Progress | None = None,
) -> ImportResult:
    """Add the sheet's new rows and change its changed ones, all or nothing.

    ``user`` must be central office; it may be None only to import a new
    district's first users (see ``bootstrap_allowed``). Raises InvalidInput
    keyed ``"FILE, row N, column C"`` (the first 50 problems, then a count)
    and writes nothing if anything is wrong. ``progress``, if given, is told
    the share done and what is under way, between the steps."""
    spec = _spec(kind)
    _may_import(store, user, spec)
    started = time.perf_counter()
    _say(progress, 0.3, f"Checking {len(sheet.rows):,} rows")
    what = f"The {kind} file"
    if len(sheet.rows) > MAX_ROWS:
        raise InvalidInput(what, {sheet.name: (
            f"has {len(sheet.rows):,} rows; at most {MAX_ROWS:,} can be imported "
            "at once. Split the file."
        )})  # fmt: skip
    checked = Problems(sheet.name, sheet.rows)
    places = _header(spec, sheet, checked)
    if checked:
        raise InvalidInput(what, checked.listed())
    if not len(sheet.rows):
        raise InvalidInput(what, {sheet.name: "has a header row but no rows below it"})
    fields = {
        column.name: read_column(column, sheet, places.get(column.name), checked)
        for column in spec.columns
    }
    _duplicates(spec, fields, checked)

    def work(tx: Tx) -> tuple[int, int, int, int]:
        if user is None and not bootstrap_allowed(store, tx):
            raise PermissionDenied("Sign in to import users.")
        job = Job(spec, store, tx, sheet, copy.deepcopy(checked), fields, places, user)
        _say(progress, 0.5, "Matching codes, names and emails with the district's")
        batch = spec.resolve(job)
        if job.problems:
            raise InvalidInput(what, job.problems.listed())
        _say(progress, 0.7, "Saving the new and changed rows")
        added, changed, unchanged = _upsert(job, batch)
        not_rated = int(job.skip.sum())
        after = {"file": sheet.name, "added": added, "changed": changed,
                 "unchanged": unchanged}  # fmt: skip
        if spec.kind == "ratings":
            after["not rated"] = not_rated
        tx.record(
            user=user,
            action=f"import {kind}",
            entity=spec.table,
            entity_id=0,
            school_id=None,
            before=None,
            after=after,
            now=job.stamp,
        )
        return added, changed, unchanged, not_rated

    added, changed, unchanged, not_rated = store.write(work)
    _say(progress, 1.0, "Saved")
    seconds = time.perf_counter() - started
    _LOGGER.info(
        "imported %s (%s): %s rows, %s added, %s changed, in %.1f s",
        sheet.name, kind, len(sheet.rows), added, changed, seconds,
    )  # fmt: skip
    return ImportResult(
        kind, sheet.name, added, changed, unchanged, not_rated, round(seconds, 3),
        sheet.encoding,
    )  # fmt: skip


def _say(progress: Progress | None, done: float, words: str) -> None:
    if progress is not None:
        progress(done, words)


def bootstrap_allowed(store: Store, tx: Tx | None = None) -> bool:
    """Whether a users file may be imported with no one signed in: only while
    the district has no users at all (a new file from ``new_district``). That
    file must hold an active central office user, as every users import must
    leave one."""
    if tx is None:
        with store.transaction() as tx:
            return bootstrap_allowed(store, tx)
    return tx.one("SELECT count(*) FROM users")[0] == 0


def _may_import(store: Store, user: User | None, spec: Spec) -> None:
    if user is None and bootstrap_allowed(store):
        if spec.kind == "users":
            return
        raise PermissionDenied(
            "This district has no users yet: import the users first (a file with "
            f"at least one central office user), then the {spec.kind}."
        )
    authorize(store, user, spec.action)


def _spec(kind: str) -> Spec:
    if kind not in SPECS:
        raise SqrError(
            f"There is no kind of district data called {kind!r}; the kinds are: "
            f"{', '.join(KINDS)}."
        )
    return SPECS[kind]


def _header(spec: Spec, sheet: Sheet, problems: Problems) -> dict[str, int]:
    """The position of each of the kind's columns in the file."""
    known = dict(zip(fold(pd.Series([c.name for c in spec.columns], dtype="str")),
                     spec.columns, strict=True))  # fmt: skip
    written = fold(pd.Series(sheet.header, dtype="str")).tolist()
    names = ", ".join(c.name for c in spec.columns)
    places: dict[str, int] = {}
    for place, (name, word) in enumerate(zip(sheet.header, written, strict=True)):
        column = known.get(word)
        if len(name) > _NAME_SHOWN:
            name = name[:_NAME_SHOWN] + "…"
        if not name:
            if not sheet.columns[place].empty().all():
                problems.header(place, str(place + 1), "has cells below it but no "
                                "name in the header row")  # fmt: skip
        elif column is None:
            problems.header(place, name, f"is not a column of the {spec.kind} file; "
                            f"its columns are: {names}")  # fmt: skip
        elif column.name in places:
            problems.header(place, name, f"repeats the column {column.name}")
        else:
            places[column.name] = place
    needed = ", ".join(c.name for c in spec.columns if c.required)
    for column in spec.columns:
        if column.required and column.name not in places:
            problems.missing(column.name, f"is missing; the {spec.kind} file needs "
                             f"the columns: {needed}")  # fmt: skip
    return places


def _duplicates(spec: Spec, fields: dict, problems: Problems) -> None:
    """A row whose natural key a row above it already has."""
    parts = [fields[name].canonical() for name in spec.key]
    complete = np.logical_and.reduce([part >= 0 for part in parts])
    varied = [part for part in parts if part.max(initial=0) > 0]
    # No part that varies: every row has the same key (or an unreadable one).
    keys = combine(varied) if varied else np.zeros(len(problems.rows), np.int64)
    again = pd.Series(keys).duplicated(keep="first").to_numpy() & complete
    if not again.any():
        return
    distinct, first = np.unique(keys, return_index=True)
    firsts = dict(zip(distinct.tolist(), first.tolist(), strict=True))
    rows, names = problems.rows, joined(list(spec.key))
    problems.add(again, None, lambda at: [
        f"repeats row {rows[firsts[int(keys[p])]]}: the same {names} (each "
        f"{spec.row} appears once)" for p in at])  # fmt: skip


# -- writing ---------------------------------------------------------------------


def _upsert(job: Job, batch: Batch) -> tuple[int, int, int]:
    """Insert the batch's new rows and update its changed ones (one version
    up, stamped); return how many were added, changed and unchanged."""
    store, tx, table = job.store, job.tx, batch.table
    incoming = batch.frame
    if job.skip.any():
        incoming = incoming[~job.skip].reset_index(drop=True)
    ident = ["id"] if batch.has_id else list(batch.match)
    written = [c for c in incoming.columns if c != "id" and c not in batch.compare_only]
    found, equal = _matched(job, batch, incoming, ident, written)
    old = np.zeros(len(incoming), dtype=bool)
    old[found["_pos"].to_numpy()] = True
    before = found[ident]
    after = incoming[old].reset_index(drop=True)
    differs = {
        c: np.zeros(len(after), dtype=bool) if c in equal
        else found[f"_differs_{c}"].to_numpy(bool) for c in written
    }  # fmt: skip
    for column in batch.compare_only:
        stored = before[ident[0]].map(batch.stored_extra[column]).fillna("")
        differs[column] = ~same(after[column], stored)
    moved = np.logical_or.reduce([np.zeros(len(after), dtype=bool), *differs.values()])
    new = incoming[~old].copy()
    if batch.has_id and "id" not in new:
        start = store.next_id(tx, table)
        new.insert(0, "id", np.arange(start, start + len(new), dtype=np.int64))
    inserted = _gapless(new.drop(columns=list(batch.compare_only)))
    if batch.versioned:
        inserted = _stamped(inserted, job)
    store.insert_rows(tx, table, inserted)
    changed = after[moved].copy()
    # A column that no changed row changes keeps what it holds.
    update = changed[[c for c in written if differs[c][moved].any()]].copy()
    for column in ident:
        update[f"_where_{column}"] = before.loc[moved, column].to_numpy()
    stamp = (job.user.id if job.user else None, job.stamp)
    store.update_rows(tx, table, update, where=ident, bump_version=batch.versioned,
                      stamp=stamp if batch.versioned else None)  # fmt: skip
    if batch.links is not None:
        if batch.has_id:
            changed["id"] = before.loc[moved, "id"].to_numpy()
        batch.links(job, pd.concat([new, changed], ignore_index=True))
    return len(new), int(moved.sum()), int((~moved).sum())


def _matched(
    job: Job,
    batch: Batch,
    incoming: pd.DataFrame,
    returned: list[str],
    compared: list[str],
) -> tuple[pd.DataFrame, set[str]]:
    """Per incoming row that a stored row matches by the batch's key (text
    ignoring case, missing equal to missing), the first such stored row: the
    row's position (``_pos``), the stored ``returned`` columns and, per
    ``compared`` column, whether the two differ; in the incoming rows' order.
    Also the compared columns that a match makes equal (keys that are not
    text), which are not compared. DuckDB joins the rows; text keys are
    coded here first, over their distinct values, so that case is ignored
    as everywhere else."""
    plain = {m for m in batch.match if _plain_values(incoming[m])}
    rows = incoming[[c for c in compared if c not in plain]].reset_index(drop=True)
    rows.insert(0, "_pos", np.arange(len(rows), dtype=np.int64))
    keys: dict[str, pd.DataFrame | None] = {}
    for n, name in enumerate(batch.match):
        values = incoming[name].reset_index(drop=True)
        if name in plain:
            rows[f"_key{n}"], keys[name] = values, None
            continue
        stored = job.store.distinct_values(job.tx, batch.table, name)
        mine, theirs = joint_codes(values, stored.reset_index(drop=True), lower=True)
        rows[f"_key{n}"] = mine
        keys[name] = pd.DataFrame({"value": stored.to_numpy(object), "code": theirs})
    arrow = pa.Table.from_pandas(rows, preserve_index=False)
    for place, kind in enumerate(arrow.schema.types):
        if pa.types.is_dictionary(kind):  # a categorical: compared as its values
            values = arrow.column(place).cast(kind.value_type)
            arrow = arrow.set_column(place, arrow.field(place).name, values)
    found = job.store.matched_rows(
        job.tx, batch.table, arrow, keys=keys, returned=returned,
        compared=[c for c in compared if c not in plain],
    )  # fmt: skip
    at = found["_pos"].to_numpy()
    if np.bincount(at, minlength=1).max(initial=0) <= 1:  # each matched once
        order = np.full(len(incoming), -1)
        order[at] = np.arange(len(at))
        order = order[order >= 0]
    else:  # stored rows sharing a key: the first in storage order
        order = np.lexsort((found["_rowid"].to_numpy(), at))
        order = order[np.r_[True, at[order][1:] != at[order][:-1]]]
    return found.iloc[order].reset_index(drop=True), plain


def _plain_values(values: pd.Series) -> bool:
    """Whether a key column's values compare as they are in SQL (numbers,
    flags, dates), not as text."""
    kind = values.dtype
    if isinstance(kind, pd.CategoricalDtype):
        return False
    return (
        pd.api.types.is_numeric_dtype(kind)
        or pd.api.types.is_bool_dtype(kind)
        or pd.api.types.is_datetime64_any_dtype(kind)
    )


def _stamped(frame: pd.DataFrame, job: Job) -> pd.DataFrame:
    """The rows with who wrote them and when."""
    count = len(frame)
    by = np.full(count, job.user.id if job.user else 0, dtype=np.int64)
    return frame.assign(
        updated_by=pd.arrays.IntegerArray(by, np.full(count, job.user is None)),
        updated_on=np.full(count, np.datetime64(job.stamp, "us")),
    )


def _gapless(frame: pd.DataFrame) -> pd.DataFrame:
    """Whole-number columns with nothing missing as plain int64 (the store
    loads those faster)."""
    for column in frame.columns:
        values = frame[column]
        if isinstance(values.dtype, pd.Int64Dtype) and not values.isna().any():
            frame[column] = values.astype("int64")
    return frame


# -- exporting and templates -------------------------------------------------------


def export_frame(store: Store, user: User | None, kind: str) -> pd.DataFrame:
    """Every stored row of ``kind`` in the columns its import reads, so that
    the export imports again unchanged (a school without a code, made before
    codes existed, is exported with an empty one, which import refuses)."""
    spec = _spec(kind)
    authorize(store, user, spec.action)
    frame = store.district_export(kind)
    if kind == "users":
        frame["role"] = frame["role"].map(lambda role: ROLE_LABELS[Role(role)])
    for column in spec.columns:
        if column.type == "flag":
            frame[column.name] = frame[column.name].map({True: "yes", False: "no"})
    return frame[[column.name for column in spec.columns]]


def export_rows(store: Store, user: User | None, kind: str) -> int:
    """How many rows ``export_frame`` gives."""
    authorize(store, user, _spec(kind).action)
    return store.district_export_rows(kind)


def file_bytes(kind: str, frame: pd.DataFrame, fmt: str) -> bytes:
    """A frame of ``kind`` as a CSV, or as a workbook whose second sheet
    explains the columns."""
    if fmt == "csv":
        return csv_bytes(frame)
    if fmt == "xlsx":
        return xlsx_bytes(frame, kind, about(kind))
    raise SqrError(f"There is no file format {fmt!r}; write csv or xlsx.")


def about(kind: str) -> pd.DataFrame:
    """What each column of a kind's file holds, whether it is required and
    what it allows."""
    columns = _spec(kind).columns
    return pd.DataFrame(
        {
            "column": [c.name for c in columns],
            "required": ["yes" if c.required else "no" for c in columns],
            "holds": [c.holds for c in columns],
            "allowed values": [c.allowed() for c in columns],
            "example": [c.example for c in columns],
        }
    )


def template_files(kind: str, path: str | Path) -> dict[Path, bytes]:
    """The files of a kind's template: for FILE.xlsx one workbook (its second
    sheet "About these columns"); for FILE.csv the header row, and FILE.md
    beside it explaining the columns."""
    spec = _spec(kind)
    path = Path(path)
    empty = pd.DataFrame(columns=[column.name for column in spec.columns])
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return {path: file_bytes(kind, empty, "xlsx")}
    if suffix != ".csv":
        raise SqrError(f"{path} must end in .csv or .xlsx.")
    page = about_markdown(kind, path.name)
    return {
        path: file_bytes(kind, empty, "csv"),
        path.with_suffix(".md"): page.encode(),
    }


def about_markdown(kind: str, file_name: str) -> str:
    """The page beside a CSV template: the columns and the rules."""
    spec = _spec(kind)
    lines = [
        f"# {file_name}: {spec.kind}",
        "",
        f"One row per {spec.row}, named by its {joined(list(spec.key))}: a row",
        "whose name is stored already changes that row; a new name adds one.",
        "",
        "| column | required | holds | allowed values | example |",
        "|---|---|---|---|---|",
    ]
    for row in about(kind).itertuples(index=False):
        lines.append("| " + " | ".join(str(c).replace("|", "\\|") for c in row) + " |")
    return "\n".join([*lines, "", *spec.notes, *_RULES]) + "\n"


_RULES = (
    "- The header row names the columns, in any order and any case; a column",
    "  this kind does not have is refused. Problems name rows as a spreadsheet",
    "  numbers them: the header is row 1, the first row below it row 2.",
    "- A column left out keeps what is stored; an empty cell empties it.",
    "- Labels match ignoring case, spaces and punctuation; codes, names and",
    "  emails ignoring case. A leading apostrophe before = + - @ is dropped.",
    "- The import is all or nothing: if anything is wrong, nothing is saved.",
)
