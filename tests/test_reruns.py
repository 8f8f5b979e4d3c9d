"""A rerun that follows no write asks the data file nothing: every page, for
every role that sees it, on a demo district. The cached questions answer from
memory, and what they are keyed on (the data version, who is signed in) and
the small reads the store remembers until the next write are not read again."""

from __future__ import annotations

from datetime import date

import pytest
from streamlit.testing.v1 import AppTest

from sqr_tracker import caching
from sqr_tracker.demo import build_demo_file, persona_emails
from sqr_tracker.models import Role
from sqr_tracker.navigation import pages_for
from sqr_tracker.session import DEMO_USER_KEY
from sqr_tracker.store import Store

PERSONAS = persona_emails()
VISITS = [(page.path, role) for role in Role for page in pages_for(role)]


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("reruns") / "demo.duckdb"
    build_demo_file(path, schools=12, seed=3, today=date.today())
    return str(path)


def test_every_role_has_a_demo_person_and_pages(demo_file):
    store = Store.open(demo_file)
    found = {role: store.user_by_email(email).role for role, email in PERSONAS.items()}
    assert found == {role: role for role in Role}
    assert {role for _, role in VISITS} == set(Role)


@pytest.mark.parametrize(
    ("path", "role"), VISITS, ids=[f"{role.value}:{path}" for path, role in VISITS]
)
def test_a_rerun_after_no_write_reads_nothing(
    demo_file, monkeypatch, statements, path, role
):
    monkeypatch.setenv("SQR_TRACKER_DB", demo_file)
    caching.clear()
    store = Store.open(demo_file)
    app = AppTest.from_file(f"../{path}", default_timeout=60)
    app.session_state[DEMO_USER_KEY] = store.user_by_email(PERSONAS[role]).id
    app.run()
    app.run()
    assert not app.exception, app.exception
    statements.clear()
    app.run()
    assert not app.exception, app.exception
    assert statements == []
