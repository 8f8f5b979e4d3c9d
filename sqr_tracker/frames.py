"""Kinds of table column the package's answers share."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa

# A column of lists of sentences, held by Arrow: a cached answer of thousands
# of rows is copied back on every rerun, and Python lists of strings take ten
# times as long to copy. An element read from it is a list.
TEXT_LISTS = pd.ArrowDtype(pa.list_(pa.string()))


def text_lists(lists: list[list[str]], index: pd.Index) -> pd.Series:
    return pd.Series(lists, index=index, dtype=TEXT_LISTS)
