"""District data: bring the district's data in from files, take it out, back it up."""

import streamlit as st

from sqr_tracker import backup_views, data_views, session

store, user = session.require_page(__file__)
st.title("District data")
st.caption(
    "Bring in the district's rating scale, standards, networks, people, schools, "
    "reviews and measures from CSV or Excel files, and take them out again in "
    "the same columns. An import is all or nothing: if any row is wrong, every "
    "problem is listed by row and column and nothing is changed."
)
bring_in, take_out, keep = st.tabs(["Import", "Export", "Backup"])
with bring_in:
    st.markdown(data_views.ORDER_WORDS)
    kind = data_views.kind_choice("What the file holds", "import-kind")
    with st.expander(f"The columns of a {kind} file, and its template"):
        data_views.template(kind)
    data_views.upload(store, user, kind)
with take_out:
    kind = data_views.kind_choice("What to export", "export-kind")
    data_views.export(store, user, kind)
with keep:
    backup_views.back_up(store, user)
