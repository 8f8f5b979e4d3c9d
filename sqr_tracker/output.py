"""Turning answers into JSON, CSV or a text table, safely for spreadsheets."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pandas as pd

FORMATS = ("json", "csv", "table")
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """Prefix text a spreadsheet would run as a formula with an apostrophe."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def neutralised(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of the frame whose text cells cannot run as formulas."""
    safe = frame.copy()
    for column in safe.columns:
        if safe[column].dtype == object or pd.api.types.is_string_dtype(safe[column]):
            safe[column] = safe[column].map(neutralise)
    return safe


def to_csv(frame: pd.DataFrame) -> str:
    safe = neutralised(frame)
    return safe.to_csv(index=False, quoting=csv_quoting(safe))


def csv_quoting(frame: pd.DataFrame) -> int:
    """How a frame's CSV quotes its cells: as needed, or every text cell when
    one holds a carriage return (which ends a row for a spreadsheet, and which
    the writer does not quote on its own)."""
    for column in frame.columns:
        values = frame[column]
        text = values.dtype == object or pd.api.types.is_string_dtype(values)
        if text and values.map(lambda v: isinstance(v, str) and "\r" in v).any():
            return csv.QUOTE_NONNUMERIC
    return csv.QUOTE_MINIMAL


def to_xlsx(frame: pd.DataFrame, sheet: str = "Sheet1") -> bytes:
    """The frame as one sheet of an Excel workbook, formulas neutralised and
    date-times without a time zone (which Excel cannot hold)."""
    safe = neutralised(frame)
    for column in safe.columns:
        if isinstance(safe[column].dtype, pd.DatetimeTZDtype):
            safe[column] = safe[column].dt.tz_localize(None)
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as workbook:
        safe.to_excel(workbook, sheet_name=sheet[:31], index=False)
    return buffer.getvalue()


def to_json(data: pd.DataFrame | dict[str, Any]) -> str:
    if isinstance(data, pd.DataFrame):
        return data.to_json(orient="records", date_format="iso", indent=2)
    return json.dumps(data, indent=2, default=str)


def to_table(data: pd.DataFrame | dict[str, Any]) -> str:
    if isinstance(data, dict):
        data = pd.DataFrame({"figure": list(data), "value": list(data.values())})
    if data.empty:
        return "(nothing to show)"
    buffer = io.StringIO()
    buffer.write(data.to_string(index=False))
    return buffer.getvalue()


def render(data: pd.DataFrame | dict[str, Any], fmt: str) -> str:
    """The answer in one of FORMATS."""
    if fmt == "json":
        return to_json(data)
    if fmt == "csv":
        frame = data if isinstance(data, pd.DataFrame) else pd.DataFrame([data])
        return to_csv(frame).rstrip("\n")
    return to_table(data)
