"""Kinds of table column the package's answers share.

A cached answer is copied back on every rerun, and a column of Python objects
(lists of sentences, dates) takes ten times as long to copy as the same
column held by Arrow; an element read from either is the same Python object.
"""

from __future__ import annotations

import pandas as pd
import pyarrow as pa

# Lists of sentences: an element read from it is a list of strings.
TEXT_LISTS = pd.ArrowDtype(pa.list_(pa.string()))
# Days: an element read from it is a date (or missing).
DAYS = pd.ArrowDtype(pa.date32())


def text_lists(lists: list[list[str]], index: pd.Index) -> pd.Series:
    return pd.Series(lists, index=index, dtype=TEXT_LISTS)
