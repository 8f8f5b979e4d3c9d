"""The concurrency benchmark's client really drives the app over Streamlit's own
websocket protocol: it signs in, sees what the signed-in person sees and no one
else's, moves between pages, holds a changed selectbox like the browser, and
counts exceptions, error messages and a closed connection."""

from __future__ import annotations

import asyncio
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import small_district
from test_browser import free_port, serving, wait_until_serving

from sqr_tracker.models import Role
from sqr_tracker.navigation import pages_for
from sqr_tracker.store import Store

ROOT = Path(__file__).resolve().parent.parent


def _load_client():
    """benchmarks/stream_client.py (the benchmarks folder is not a package)."""
    path = ROOT / "benchmarks" / "stream_client.py"
    spec = importlib.util.spec_from_file_location("stream_client", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["stream_client"] = module
    spec.loader.exec_module(module)
    return module


client = _load_client()
SCHOOLS = list(small_district()["schools"]["name"])  # Alder, Birch, Cedar


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The app on the small district, marked as a demo so its sign-in is offered."""
    path = tmp_path_factory.mktemp("stream") / "district.duckdb"
    store = Store.open(path)
    store.bulk_load(small_district(), {"is_demo": "true"})
    store.close()
    with serving(path) as url:
        yield url


async def signed_in(url: str, person: str):
    """A session signed in through the demo sign-in as the person's entry."""
    session = client.StreamSession(url, timeout=120)
    await session.connect()
    opened = await session.load()
    assert opened.status == "FINISHED_SUCCESSFULLY" and opened.errors == []
    assert list(session.pages) == ["Sign in"]
    chosen = await session.choose("Sign in as", person)
    assert chosen.errors == [] and session.value("Sign in as") == person
    return session, await session.click("Sign in")


def test_two_principals_at_once_each_see_their_own_school_and_no_other(server):
    people = {
        "Ana Principal · Principal · Alder Elementary": "Alder Elementary",
        "Bea Principal · Principal · Birch Middle School": "Birch Middle School",
    }

    async def both():
        found = await asyncio.gather(*(signed_in(server, p) for p in people))
        for session, _ in found:
            await session.close()
        return found

    found = asyncio.run(both())
    for (session, home), school in zip(found, people.values(), strict=True):
        assert home.status == "FINISHED_SUCCESSFULLY" and home.errors == []
        assert home.page_hash == session.pages["Our school"]
        texts = home.texts()
        assert school in texts  # the page's title
        assert any(t.startswith("Signed in as **") for t in texts)
        others = [name for name in SCHOOLS if name != school]
        assert [t for t in texts if any(name in t for name in others)] == []


def test_every_page_of_a_principal_ends_in_script_finished_without_an_error(server):
    async def tour():
        person = "Ana Principal · Principal · Alder Elementary"
        session, _ = await signed_in(server, person)
        titles = [page.title for page in pages_for(Role.PRINCIPAL)]
        assert list(session.pages) == titles
        runs = {title: await session.open_page(title) for title in titles}
        await session.close()
        return session, runs

    session, runs = asyncio.run(tour())
    for title, run in runs.items():
        assert (title, run.status, run.errors) == (title, "FINISHED_SUCCESSFULLY", [])
        assert run.page_hash == session.pages[title]
        assert run.elements, title
    assert "Quality standards" in runs["Standards"].texts()
    assert "Alder Elementary" in runs["Our school"].texts()
    assert not session.dropped


def test_a_chosen_option_is_shown_and_held_across_runs(server):
    async def choose():
        person = "Ana Principal · Principal · Alder Elementary"
        session, _ = await signed_in(server, person)
        shown = await session.open_page("School summaries")
        before = session.value("School")
        picked = await session.choose("School", "Cedar High School")
        again = await session.rerun()  # a later run sends the held choice
        await session.close()
        return shown, before, picked, again, session.value("School")

    shown, before, picked, again, held = asyncio.run(choose())
    # Alder has a published review; Cedar's review is still on its site visit.
    unpublished = "This school has no published review yet."
    assert before == "Alder Elementary" and "Growth" in shown.texts()
    assert unpublished not in shown.texts()
    assert picked.errors == [] and again.errors == []
    assert unpublished in picked.texts() and "Growth" not in picked.texts()
    assert unpublished in again.texts()
    assert held == "Cedar High School"


@pytest.fixture
def tiny_app(tmp_path):
    """A tiny real app: a long text, an error message, two selectboxes with
    the same label, and a button that raises."""
    script = tmp_path / "failing.py"
    script.write_text(
        "import streamlit as st\n"
        "st.text('-'.join(['long'] * 4000))\n"
        "st.error('Refused: not yours')\n"
        "first = st.selectbox('Schools shown', ['1', '2'], key='first')\n"
        "second = st.selectbox('Schools shown', ['3', '4'], key='second')\n"
        "st.text(f'pages {first} and {second}')\n"
        "if st.button('Break'):\n"
        "    raise ValueError('broken on purpose')\n"
    )
    port = free_port()
    command = [
        sys.executable, "-m", "streamlit", "run", str(script),
        "--server.port", str(port), "--server.headless", "true",
    ]  # fmt: skip
    process = subprocess.Popen(
        command,
        cwd=tmp_path,
        env=os.environ.copy(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(url, process)
        yield url, process
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_an_error_message_and_an_exception_are_counted_as_errors(tiny_app):
    url, _ = tiny_app

    async def drive():
        session = client.StreamSession(url, timeout=60)
        await session.connect()
        calm = await session.load()
        broken = await session.click("Break")
        await session.close()
        return calm, broken

    calm, broken = asyncio.run(drive())
    assert calm.errors == ["Refused: not yours"]
    assert broken.errors[0] == "Refused: not yours"
    assert broken.errors[1].startswith("ValueError")
    assert len(broken.errors) == 2


def test_a_connection_the_server_closes_is_a_dropped_session(tiny_app):
    url, process = tiny_app

    async def drive():
        session = client.StreamSession(url, timeout=60)
        await session.connect()
        await session.load()
        process.terminate()
        process.wait(timeout=20)
        with pytest.raises(client.Dropped):
            await session.rerun()
        await session.close()
        return session

    assert asyncio.run(drive()).dropped


def test_a_long_element_comes_once_then_as_a_reference_to_the_cached_copy(tiny_app):
    url, _ = tiny_app

    async def drive():
        session = client.StreamSession(url, timeout=60)
        await session.connect()
        runs = [await session.load(), await session.rerun(), await session.rerun()]
        await session.close()
        return runs

    runs = asyncio.run(drive())
    assert [run.references for run in runs] == [0, 1, 1]
    assert all("-".join(["long"] * 4000) in run.texts() for run in runs)


def test_of_two_selectboxes_with_one_label_the_one_picked_changes(tiny_app):
    url, _ = tiny_app

    async def drive():
        session = client.StreamSession(url, timeout=60)
        await session.connect()
        await session.load()
        boxes = [w for w in session.widgets.values() if w.label == "Schools shown"]
        second = next(box for box in boxes if box.options == ["3", "4"])
        with pytest.raises(client.ClientError, match="offers no “4”"):
            await session.choose("Schools shown", "4")  # the label finds the first
        picked = await session.pick(second, "4")
        await session.close()
        return len(boxes), picked, session.value_of(second)

    boxes, picked, held = asyncio.run(drive())
    assert boxes == 2
    assert "pages 1 and 4" in picked.texts()
    assert held == "4"
