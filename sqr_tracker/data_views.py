"""The district data page's views: templates, uploads with their problems
listed by place, and exports, for the central office."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from sqr_tracker import district_data
from sqr_tracker.errors import InvalidInput, SqrError
from sqr_tracker.models import User
from sqr_tracker.store import Store
from sqr_tracker.views import XLSX_MIME, plain, rows_height

# The kinds in the order a new district imports them: each names what comes
# before it. Schools and users name each other, so schools come in first
# without their principals, then the users, then schools again.
IMPORT_ORDER = (
    "scale", "standards", "networks", "schools", "users", "reviews", "ratings",
    "findings", "evidence", "measures", "measure-values",
)  # fmt: skip
ORDER_WORDS = (
    "A new district's first central office person comes in with `sqr-tracker "
    "import users` on the command line (see the README). Then import, in this "
    "order: the scale, standards, networks, schools (without principal emails), "
    "users, schools again with their principals, then reviews, ratings, "
    "findings, evidence, measures and measure values. Importing the same file "
    "again changes nothing."
)
_MIME = {"csv": "text/csv", "xlsx": XLSX_MIME}


def kind_choice(label: str, key: str) -> str:
    kinds = [k for k in IMPORT_ORDER if k in district_data.KINDS]
    return st.selectbox(label, kinds, key=key)


def template(kind: str) -> None:
    """The kind's columns explained, and its template to download."""
    about = district_data.about(kind)
    st.dataframe(
        about,
        hide_index=True,
        width="stretch",
        height=rows_height(len(about)),
        column_config={
            "column": "Column", "required": "Required", "holds": "Holds",
            "allowed values": "Allowed values", "example": "Example",
        },
    )  # fmt: skip
    empty = pd.DataFrame(columns=about["column"].tolist())
    row = st.container(horizontal=True)
    for fmt, label in (("xlsx", "Excel template"), ("csv", "CSV template")):
        row.download_button(
            label,
            icon=":material/download:",
            data=lambda fmt=fmt: district_data.file_bytes(kind, empty, fmt),
            file_name=f"{kind} template.{fmt}",
            mime=_MIME[fmt],
            on_click="ignore",
            key=f"template:{kind}:{fmt}",
        )


def upload(store: Store, user: User, kind: str) -> None:
    """A file to import, all or nothing, with a progress bar while it runs;
    it may be as large as the server takes (server.maxUploadSize)."""
    largest = int(st.get_option("server.maxUploadSize"))
    chosen = st.file_uploader(
        f"A {kind} file (CSV or Excel, up to {largest:,} MB and "
        f"{district_data.MAX_ROWS:,} rows)",
        type=["csv", "xlsx"],
        key=f"upload:{kind}",
        max_upload_size=largest,
    )
    if chosen is None:
        return
    if not st.button(f"Import {chosen.name}", type="primary", key=f"import:{kind}"):
        return
    bar = st.progress(0.0, text="Reading the file")

    def step(done: float, words: str) -> None:
        bar.progress(min(max(done, 0.0), 1.0), text=words)

    try:
        result = district_data.import_bytes(
            store, user, kind, chosen.getvalue(), chosen.name, progress=step,
            max_mb=largest,
        )  # fmt: skip
    except InvalidInput as bad:
        bar.empty()
        st.error(f"{bad.what} was not imported; nothing was changed:")
        problems = pd.DataFrame(
            {"where": list(bad.problems), "problem": list(bad.problems.values())}
        )
        st.dataframe(
            problems,
            hide_index=True,
            width="stretch",
            column_config={"where": "Where", "problem": "What is wrong"},
        )
        return
    except SqrError as refused:
        bar.empty()
        st.error(plain(str(refused)))
        return
    bar.progress(1.0, text="Done")
    st.success(result.summary())


def export(store: Store, user: User, kind: str) -> None:
    """Every stored row of the kind, in the columns its import reads; the rows
    are read out when a button is pressed (a state's ratings are millions)."""
    st.caption(f"{district_data.export_rows(store, user, kind):,} rows")
    row = st.container(horizontal=True)
    for fmt, label in (("xlsx", "Excel"), ("csv", "CSV")):
        row.download_button(
            label,
            icon=":material/download:",
            data=lambda fmt=fmt: district_data.file_bytes(
                kind, district_data.export_frame(store, user, kind), fmt
            ),
            file_name=f"{kind}.{fmt}",
            mime=_MIME[fmt],
            on_click="ignore",
            key=f"export:{kind}:{fmt}",
        )
