"""The Streamlit side of signing in: the data file, the user, the page guard.

Both ``app.py`` and every page call into here. The user is looked up in the
users table on every run, so a changed role or a disabled account applies at
once; pages call :func:`require_page` at their top because Streamlit can serve a
page file before ``app.py`` has run.
"""

from __future__ import annotations

import logging
import sys
from datetime import date
from pathlib import Path

import streamlit as st

from sqr_tracker import allocator
from sqr_tracker.config import data_file
from sqr_tracker.demo import build_demo_file
from sqr_tracker.models import ROLE_LABELS, Role, User
from sqr_tracker.navigation import spec_of
from sqr_tracker.store import Store
from sqr_tracker.views import plain

_LOGGER = logging.getLogger(__name__)
DEMO_USER_KEY = "demo_user_id"


def app_data_file() -> Path:
    """``streamlit run app.py -- --db PATH``, else the usual lookup."""
    args = sys.argv[1:]
    given = args[args.index("--db") + 1] if "--db" in args[:-1] else None
    return data_file(given)


@st.cache_resource(show_spinner="Opening the district's data…")
def _open(path: str) -> tuple[Store, bool]:
    """The process's store for the file; builds the demo district if it is missing.
    The server's memory allocator is set here, once the server runs the app, and
    the modules it loads are set aside from its garbage collections."""
    allocator.tune()
    allocator.freeze_modules()
    built = False
    if not Path(path).exists():
        _LOGGER.info("no data file at %s: building the demo district", path)
        build_demo_file(path, today=date.today())
        built = True
    return Store.open(path), built


def store() -> Store:
    return _open(str(app_data_file()))[0]


def built_demo_now() -> bool:
    """Whether this server built the demo district because no file existed."""
    return _open(str(app_data_file()))[1]


def sign_in_configured() -> bool:
    try:
        return "auth" in st.secrets
    except Exception:  # Streamlit raises its own error when there is no secrets file
        return False


def current_user(data: Store) -> User | None:
    """The signed-in, active user of this session, read afresh from the store."""
    if sign_in_configured():
        if not st.user.is_logged_in or not st.user.get("email"):
            return None
        if st.user.get("email_verified") is False:
            return None
        user = data.user_by_email(str(st.user.email))
    elif data.is_demo():
        chosen = st.session_state.get(DEMO_USER_KEY)
        user = data.user_by_id(chosen) if chosen is not None else None
    else:
        return None
    return user if user is not None and user.active else None


def require_page(script: str) -> tuple[Store, User]:
    """At the top of a page: the store and user, or stop if this role may not see it."""
    data = store()
    user = current_user(data)
    page = spec_of(script)
    if user is None:
        st.warning("Please sign in first: open the app's start page.")
        st.stop()
    if user.role not in page.roles:
        title, role = page.title, user.role.label
        st.error(f"The page “{title}” is not part of a {role}'s view.")
        st.stop()
    return data, user


def sign_out() -> None:
    """Button callback: forget the demo choice, or end the provider's session."""
    st.session_state.pop(DEMO_USER_KEY, None)
    if sign_in_configured():
        st.logout()


def sign_in_page() -> None:
    """The page shown to anyone not signed in."""
    data = store()
    st.title("SQR Tracker")
    st.caption("School Quality Reviews as a living, month-by-month improvement plan")
    if built_demo_now():
        st.info(
            f"No data file was found at {data.path}, so the demo district was "
            "built there. Everything in it is fictional."
        )
    if sign_in_configured():
        _oidc_sign_in()
    elif data.is_demo():
        _demo_sign_in(data)
    else:
        _explain_configuration(data)


def _oidc_sign_in() -> None:
    if st.user.is_logged_in:
        st.error(
            f"{plain(st.user.get('email'))} is not a user of this district, or the "
            "account is disabled. Ask your central office to add you."
        )
        st.button("Sign out", on_click=st.logout)
        return
    st.write("Sign in with your district account to see your schools.")
    st.button("Sign in", type="primary", on_click=st.login)


def _demo_sign_in(data: Store) -> None:
    st.warning(
        "**Demo district.** Pick a person to see the product through their eyes. "
        "This sign-in exists only on demo data."
    )
    people = data.demo_sign_in_choices()
    labels = dict(
        zip(people["id"].astype(int), people.apply(_person, axis=1), strict=True)
    )
    choice = st.selectbox(
        "Sign in as", options=list(labels), format_func=labels.get, key="demo_choice"
    )
    if st.button("Sign in", type="primary"):
        st.session_state[DEMO_USER_KEY] = choice
        st.rerun()


def _person(row) -> str:
    """'Name · Role · School' (or the network, for a network lead)."""
    place = row["school"] if isinstance(row["school"], str) else row["network"]
    parts = [row["name"], ROLE_LABELS[Role(row["role"])], place]
    return " · ".join(part for part in parts if isinstance(part, str))


def _explain_configuration(data: Store) -> None:
    st.error(
        f"Sign-in is not configured, so no data from {data.path.name} is shown. "
        "Add an `[auth]` section for your district's OpenID Connect provider to "
        "`.streamlit/secrets.toml` (see the README, “Sign-in”), then restart "
        "the app."
    )
