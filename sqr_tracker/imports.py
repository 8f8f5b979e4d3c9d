"""Check-ins from a spreadsheet: a CSV of this month's updates turned into what
``actions.record_check_ins`` takes, every problem named by its row.

Rows are counted as a spreadsheet counts them below its header (the first data
row is row 1) and each problem also names the line of the file where the row
starts, since a quoted note may span lines. Cells are text as given: nothing is
evaluated, so a note such as ``=SUM(A1)`` is saved as those characters.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqr_tracker.actions import validate
from sqr_tracker.errors import InvalidInput
from sqr_tracker.models import CheckInIn, StepStatus

COLUMNS = ("kind", "id", "status", "note", "measure_value", "version")
REQUIRED = ("kind", "id", "status")
# What `sqr-tracker checkins due` prints besides: read past, so that its CSV can
# be filled in and sent back as it is.
SHOWN_ONLY = ("goal", "item", "owner", "due_on", "measure", "latest_value",
              "last_check_in", "done", "overdue")  # fmt: skip
KINDS = {"action step": "action_step_id", "goal": "goal_id"}
STATUSES = ", ".join(status.value for status in StepStatus)

_WHOLE = re.compile(r"[0-9]+")
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_ROW_KEY = re.compile(r"row ([0-9]+)(.*)", re.DOTALL)
# The model's field names, as the file's columns call them.
_AS_COLUMN = {"goal_id": "id", "action_step_id": "id"}


@dataclass(frozen=True)
class CheckInRows:
    """The updates read from a file, the problems found, and for each update
    where it came from (``row 3 (line 4 of F.csv)``)."""

    updates: list[dict[str, Any]]
    problems: dict[str, str]
    labels: list[str]

    def locate(self, problems: Mapping[str, str]) -> dict[str, str]:
        """Problems keyed ``row N...`` by position in ``updates`` (as
        ``record_check_ins`` keys them), re-keyed by the file's rows."""
        located = {}
        for key, message in problems.items():
            found = _ROW_KEY.fullmatch(key)
            if found and 1 <= int(found[1]) <= len(self.labels):
                key = self.labels[int(found[1]) - 1] + found[2]
            located[key] = message
        return located


def check_ins_from_csv(
    text: str, source_name: str
) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """The updates for ``record_check_ins`` and the problems, keyed
    ``row N (line M of source_name), column``; nothing is valid while any
    problem is left."""
    rows = read_check_ins(text, source_name)
    return rows.updates, rows.problems


def read_check_ins(text: str, source_name: str) -> CheckInRows:
    """Parse a check-in CSV: its header names the columns (any order, any case),
    one row per action step or goal; blank rows are skipped."""
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    updates: list[dict[str, Any]] = []
    problems: dict[str, str] = {}
    labels: list[str] = []
    seen: dict[tuple[str, int], str] = {}
    try:
        header = next(reader, None)
        if header is None:
            return CheckInRows([], {source_name: _EMPTY}, [])
        columns, problems = _header(header, f"line 1 of {source_name}")
        if problems:
            return CheckInRows([], problems, [])
        start = reader.line_num + 1
        for number, cells in enumerate(reader, 1):
            label = f"row {number} (line {start} of {source_name})"
            start = reader.line_num + 1
            if not any(cell.strip() for cell in cells):
                continue
            update, row_problems = _row(cells, columns, label)
            if update is not None:
                key = _item(update)
                if key in seen:
                    row_problems[f"{label}, id"] = (
                        f"{key[0]} {key[1]} is also on {seen[key]}; "
                        "give one check-in per item"
                    )
                seen.setdefault(key, label)
            problems.update(row_problems)
            if update is not None and not row_problems:
                updates.append(update)
                labels.append(label)
    except csv.Error as error:
        problems[f"line {reader.line_num} of {source_name}"] = (
            f"not readable as CSV ({error})"
        )
    if not problems and not updates:
        problems[source_name] = "it has a header but no check-ins below it"
    if problems:
        return CheckInRows([], problems, [])
    return CheckInRows(updates, {}, labels)


_EMPTY = "the file is empty; its first line names the columns: " + ", ".join(COLUMNS)


def _header(cells: list[str], where: str) -> tuple[dict[int, str], dict[str, str]]:
    """Column positions by name (blank names skipped), and what is wrong."""
    columns: dict[int, str] = {}
    problems = {}
    for position, cell in enumerate(cells):
        name = " ".join(cell.split()).lower()
        if not name:
            continue
        if name in SHOWN_ONLY:
            columns[position] = f"_{name}"  # read past
        elif name not in COLUMNS:
            problems[f"{where}, column {cell.strip()!r}"] = (
                "is not a check-in column (the columns are: " + ", ".join(COLUMNS) + ")"
            )
        elif name in columns.values():
            problems[f"{where}, column {name!r}"] = "appears more than once"
        else:
            columns[position] = name
    for name in REQUIRED:
        if name not in columns.values():
            problems[f"{where}, column {name!r}"] = "is missing"
    return columns, problems


def _row(
    cells: list[str], columns: dict[int, str], label: str
) -> tuple[dict[str, Any] | None, dict[str, str]]:
    """One row as an update for ``record_check_ins``, or None and all its
    problems."""
    cell: dict[str, str] = {name: "" for name in COLUMNS}
    problems = {}
    for position, value in enumerate(cells):
        if position in columns:
            if not columns[position].startswith("_"):
                cell[columns[position]] = value
        elif value.strip():
            problems[f"{label}, column {position + 1}"] = (
                f"{value.strip()!r} is under no named column"
            )
    kind = " ".join(cell["kind"].split()).lower()
    if kind not in KINDS:
        problems[f"{label}, kind"] = (
            f"{cell['kind'].strip()!r} is not 'action step' or 'goal'"
            if cell["kind"].strip()
            else "is empty; write 'action step' or 'goal'"
        )
    update: dict[str, Any] = {}
    for name, parse in (
        ("id", _whole),
        ("measure_value", _number),
        ("version", _whole),
    ):
        text = cell[name].strip()
        if not text:
            if name == "id":
                problems[f"{label}, id"] = "is empty"
            continue
        value = parse(text)
        if value is None:
            what = "a number" if name == "measure_value" else "a whole number"
            problems[f"{label}, {name}"] = f"{text!r} is not {what}"
        else:
            update[name] = value
    status = " ".join(cell["status"].split()).lower()
    if not status:
        problems[f"{label}, status"] = f"is empty; write one of: {STATUSES}"
    if kind == "action step" and "measure_value" in update:
        problems[f"{label}, measure_value"] = (
            "an action step has no measure (goals do); leave it empty"
        )
    # The model checks every field even when the row has a problem already; a
    # placeholder stands in for a bad id, and a message given above is kept.
    update[KINDS.get(kind, "goal_id")] = update.pop("id", 0)
    if status:
        update["status"] = status
    if cell["note"].strip():
        update["note"] = cell["note"]
    try:
        validate(CheckInIn, {k: v for k, v in update.items() if k != "version"}, label)
    except InvalidInput as bad:
        for field, message in bad.problems.items():
            problems.setdefault(f"{label}, {_AS_COLUMN.get(field, field)}", message)
    if problems:
        return None, problems
    return update, {}


def _whole(text: str) -> int | None:
    return int(text) if _WHOLE.fullmatch(text) else None


def _number(text: str) -> float | None:
    if not _NUMBER.fullmatch(text):
        return None
    value = float(text)
    return value if math.isfinite(value) else None


def _item(update: Mapping[str, Any]) -> tuple[str, int]:
    if "goal_id" in update:
        return "goal", update["goal_id"]
    return "action step", update["action_step_id"]
