"""SQR Tracker: sign the user in and build the navigation for their role."""

import streamlit as st

from sqr_tracker import session
from sqr_tracker.navigation import pages_for
from sqr_tracker.views import plain

st.set_page_config(
    page_title="SQR Tracker", page_icon=":material/school:", layout="wide"
)

user = session.current_user(session.store())
if user is None:
    st.navigation([st.Page(session.sign_in_page, title="Sign in", default=True)]).run()
    st.stop()

sections: dict[str, list[st.Page]] = {}
for spec in pages_for(user.role):
    page = st.Page(spec.path, title=spec.title, icon=spec.icon)
    sections.setdefault(spec.section, []).append(page)

with st.sidebar:
    st.caption(f"Signed in as **{plain(user.name)}** · {user.role.label}")
    st.button("Sign out", on_click=session.sign_out, icon=":material/logout:")

st.navigation(sections, expanded=True).run()
