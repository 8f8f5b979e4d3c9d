"""What reaches the browser: every page a user may open, decoded in full, holds
nothing of a school outside what that user may read.

Each page runs in AppTest and every element it sends is decoded: each proto
field, each table's Arrow data (every cell and column, hidden ones too), each
chart's JSON spec and each download's file. The other schools' plans carry
searchable marks, written through the package by their own people.
"""

from __future__ import annotations

import html
import io
import json
import re
import zipfile
from dataclasses import dataclass
from datetime import date

import pyarrow as pa
import pytest
from conftest import small_district
from google.protobuf.message import Message
from pypdf import PdfReader
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from sqr_tracker import actions, exemplar_views, review_views
from sqr_tracker.models import Role
from sqr_tracker.navigation import pages_for
from sqr_tracker.session import DEMO_USER_KEY
from sqr_tracker.store import Store

# The school each mark belongs to, and who writes its plan.
TAGS = {1: "ALDER", 2: "BIRCH", 3: "CEDAR"}
WRITERS = {1: "principal.a", 2: "principal.b", 3: "team.c"}
LEADS = {1: "lead.north", 2: "lead.north", 3: "lead.south"}
# What else names a school: its name, its people, its network's lead.
NAMES = {
    1: ["Alder Elementary", "Ana Principal", "principal.a@test.sqr", "Tomas Team",
        "team.a@test.sqr"],
    2: ["Birch Middle School", "Bea Principal", "principal.b@test.sqr"],
    3: ["Cedar High School", "Cy Team", "team.c@test.sqr", "Sol Lead",
        "lead.south@test.sqr"],
}  # fmt: skip
MARKS = ("GOAL", "MILESTONE", "STEP", "NOTE", "COMMENT", "SUPPORT", "ANSWER")
# Cedar's review is not published: what its team wrote is for the team alone.
UNPUBLISHED = ("ZZ-LEAK-CEDAR-FINDING", "ZZ-LEAK-CEDAR-RATING")
# Pages that show other schools as peers or in public summaries, and what of
# them they show by design: names and whom to ask, published reviews, and the
# open goals of schools working on the same standard.
PEER_PAGES = {
    "pages/exemplars.py": ("names", "GOAL"),
    "pages/summaries.py": ("names",),
}


_ESCAPE = re.compile(r"\\(.)")


def mark(school_id: int, what: str) -> str:
    return f"ZZ-LEAK-{TAGS[school_id]}-{what}"


# -- decoding what a page sent -------------------------------------------------------


@dataclass(frozen=True)
class Sent:
    """One string the browser receives: the element it belongs to (as AppTest
    names its type), the proto field or table part, and the text."""

    kind: str
    field: str
    text: str


@pytest.fixture
def files(monkeypatch) -> dict[str, object]:
    """Each download a run registers, by its url or deferred file id: its bytes,
    or the callable that makes them (the real manager still stores them)."""
    made: dict[str, object] = {}
    add, add_deferred = MediaFileManager.add, MediaFileManager.add_deferred

    def added(self, path_or_data, mimetype, coordinates, *args, **kwargs):
        url = add(self, path_or_data, mimetype, coordinates, *args, **kwargs)
        made[url] = path_or_data
        return url

    def deferred(self, data_callable, *args, **kwargs):
        file_id = add_deferred(self, data_callable, *args, **kwargs)
        made[file_id] = data_callable
        return file_id

    monkeypatch.setattr(MediaFileManager, "add", added)
    monkeypatch.setattr(MediaFileManager, "add_deferred", deferred)
    return made


def sent(page: AppTest, files: dict[str, object] | None = None) -> list[Sent]:
    """Every string in every element of the page's last run."""
    found: list[Sent] = []
    stack = [page._tree]
    while stack:
        node = stack.pop()
        stack.extend(getattr(node, "children", {}).values())
        proto = getattr(node, "proto", None)
        if isinstance(proto, Message):
            found += [Sent(node.type, f, t) for f, t in proto_strings(proto)]
        if node.type == "download_button" and files is not None:
            key = proto.deferred_file_id or proto.url
            found += [Sent("download", proto.label, t) for t in file_text(files[key])]
    return found


def proto_strings(proto: Message, path: str = "") -> list[tuple[str, str]]:
    """(field path, text) for every string in a proto, bytes and JSON decoded."""
    found = []
    for field, value in proto.ListFields():
        name = f"{path}{field.name}"
        values = value if field.is_repeated else [value]
        for item in values:
            if isinstance(item, Message):
                found += proto_strings(item, f"{name}.")
            elif isinstance(item, bytes):
                found += _bytes_strings(name, item)
            elif isinstance(item, str):
                found += _json_strings(name, item)
    return found


def _bytes_strings(name: str, data: bytes) -> list[tuple[str, str]]:
    """A table's Arrow IPC stream as its column names, metadata and cells."""
    try:
        table = pa.ipc.open_stream(data).read_all()
    except pa.ArrowInvalid:
        return [(name, data.decode("utf-8", "replace"))]
    found = [(f"{name}.column", column) for column in table.column_names]
    metadata = table.schema.metadata or {}
    found += [(f"{name}.metadata", v.decode("utf-8")) for v in metadata.values()]
    for column in table.columns:
        found += [(f"{name}.cell", str(v)) for v in column.to_pylist() if v is not None]
    return found


def _json_strings(name: str, text: str) -> list[tuple[str, str]]:
    """A string, or every string inside it when it is JSON (a chart's spec)."""
    if not text.lstrip().startswith(("{", "[")):
        return [(name, text)]
    try:
        parsed = json.loads(text)
    except ValueError:
        return [(name, text)]
    found = []
    stack = [parsed]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            found += [(f"{name}.key", str(key)) for key in item]
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str):
            found.append((f"{name}.json", item))
    return found


def file_text(data: object) -> list[str]:
    """A download's contents as text: CSV as is, workbooks and decks by their XML
    parts, PDFs by their text."""
    data = data() if callable(data) else data
    if isinstance(data, str):
        return [data]
    if data.startswith(b"PK"):
        with zipfile.ZipFile(io.BytesIO(data)) as parts:
            return [
                html.unescape(parts.read(part).decode("utf-8", "replace"))
                for part in parts.namelist()
            ]
    if data.startswith(b"%PDF"):
        return [p.extract_text() for p in PdfReader(io.BytesIO(data)).pages]
    return [data.decode("utf-8", "replace")]


# -- the district with marks in every plan ----------------------------------------


@pytest.fixture
def district(tmp_path, monkeypatch) -> Store:
    """The small district as a demo file (so that its people can sign in), each
    school's plan written with marks by its own people."""
    path = tmp_path / "district.duckdb"
    store = Store.open(path)
    store.bulk_load(small_district(), {"is_demo": "true"})
    monkeypatch.setenv("SQR_TRACKER_DB", str(path))
    for school_id in TAGS:
        write_marks(store, school_id)
    write_unpublished_review(store)
    yield store
    store.close()


def person(store: Store, name: str):
    return store.user_by_email(f"{name}@test.sqr")


def write_marks(store: Store, school_id: int) -> None:
    """A goal, milestone, action step, check-in, comment and an answered support
    request, each carrying the school's mark."""
    writer = person(store, WRITERS[school_id])
    goal = {
        "school_id": school_id,
        "standard_id": 1,
        "statement": mark(school_id, "GOAL"),
    }
    goal_id = actions.create_goal(store, writer, goal)
    actions.create_milestone(
        store,
        writer,
        {"goal_id": goal_id, "description": mark(school_id, "MILESTONE"),
         "due_on": date(2027, 3, 1)},
    )  # fmt: skip
    step = {
        "goal_id": goal_id,
        "description": mark(school_id, "STEP"),
        "owner": "Coach",
        "starts_on": date(2026, 9, 1),
        "due_on": date(2027, 6, 1),
        "status": "in progress",
    }
    step_id = actions.create_action_step(store, writer, step)
    actions.record_check_in(
        store,
        writer,
        {"action_step_id": step_id, "status": "in progress",
         "note": mark(school_id, "NOTE")},
    )  # fmt: skip
    actions.add_comment(
        store,
        writer,
        {
            "school_id": school_id,
            "goal_id": goal_id,
            "body": mark(school_id, "COMMENT"),
        },
    )
    request_id = actions.request_support(
        store,
        writer,
        {
            "school_id": school_id,
            "goal_id": goal_id,
            "need": mark(school_id, "SUPPORT"),
        },
    )
    actions.answer_support(
        store,
        person(store, LEADS[school_id]),
        request_id,
        {"answer": mark(school_id, "ANSWER"), "status": "answered"},
        version=1,
    )


def write_unpublished_review(store: Store) -> None:
    """The lead reviewer's finding and consensus note on Cedar's review 2."""
    lead = person(store, "reviewer.lead")
    actions.record_finding(
        store,
        lead,
        {"review_id": 2, "standard_id": 2, "strengths": UNPUBLISHED[0]},
    )
    actions.record_rating(
        store,
        lead,
        {"review_id": 2, "standard_id": 2, "rater_kind": "consensus", "level": 2,
         "note": UNPUBLISHED[1]},
    )  # fmt: skip


# -- running every page ----------------------------------------------------------


def secrets_of(school_ids: list[int], page: str) -> list[str]:
    """What the page may not show of these schools."""
    shown_by_design = PEER_PAGES.get(page, ())
    found = list(UNPUBLISHED)
    for school_id in school_ids:
        if "names" not in shown_by_design:
            found += NAMES[school_id]
        found += [mark(school_id, m) for m in MARKS if m not in shown_by_design]
    return found


def leaks(strings: list[Sent], secrets: list[str]) -> list[Sent]:
    """The strings holding a secret, as sent or with Markdown's escapes undone."""
    return [
        s
        for s in strings
        if any(secret in s.text or secret in unescaped(s.text) for secret in secrets)
    ]


def unescaped(text: str) -> str:
    return _ESCAPE.sub(r"\1", text)


def open_page(store: Store, name: str, path: str) -> AppTest:
    page = AppTest.from_file(f"../{path}", default_timeout=30)
    page.session_state[DEMO_USER_KEY] = person(store, name).id
    return page.run()


# The choices that change whose data a page shows.
PICKERS = ("School", "Review")
# Tabs built once opened (``views.lazy_tabs``), by key.
LAZY_TABS = ("plan:tab", review_views.TABS, exemplar_views.TABS)
# Expanders built once opened (``views.lazy_expander``): the exemplars' visit forms.
LAZY_EXPANDER = re.compile(r"visit-[0-9]+:open")


def every_tab(page: AppTest, files: dict | None = None) -> list[Sent]:
    """What the page sends with each of its lazy tabs open in turn, and its
    lazy expanders open (its last run's, for a page without them)."""
    found = sent(page, files)
    closed = [k for k in page.session_state.to_dict() if LAZY_EXPANDER.fullmatch(k)]
    if closed:
        for key in closed:
            page.session_state[key] = True
        page.run()
        assert not page.exception, page.exception
        found += sent(page, files)
    for key in LAZY_TABS:
        labels = [node.label for node in page._tree if node.type == "tab"]
        if key not in page.session_state or not labels:
            continue
        for label in labels:
            page.session_state[key] = label
            page.run()
            assert not page.exception, page.exception
            found += sent(page, files)
    return found


def every_choice(page: AppTest, files: dict) -> list[Sent]:
    """What the page sends as first run, then with each option of each school or
    review choice picked in turn, each tab open in turn."""
    found = every_tab(page, files)
    for index, box in enumerate(list(page.selectbox)):
        if box.label not in PICKERS:
            continue
        for label in box.options:
            box = page.selectbox[index]
            box.set_value(value_of(box, label)).run()
            assert not page.exception, page.exception
            found += every_tab(page, files)
    return found


def value_of(box, label: str) -> object:
    """The option behind a label. AppTest's ``select_index`` hands the label to
    the page's ``format_func``, so the value is found among the label itself and
    the small ids this app's choices are keyed by."""
    for value in [label, *range(1000)]:
        try:
            if str(box.format_func(value)) == label:
                return value
        except (KeyError, TypeError, ValueError, AttributeError):
            continue
    raise AssertionError(f"no value of {box.key or box.label} shows as {label!r}")


OUTSIDERS = [
    ("principal.a", Role.PRINCIPAL, [2, 3]),
    ("team.a", Role.SITE_TEAM, [2, 3]),
    ("lead.north", Role.NETWORK_LEAD, [3]),
    ("lead.south", Role.NETWORK_LEAD, [1, 2]),
]
CASES = [
    pytest.param(name, page.path, others, id=f"{name}-{page.path}")
    for name, role, others in OUTSIDERS
    for page in pages_for(role)
]


def test_the_marks_are_written_where_pages_read_them(district):
    """Each school's own people see its marks, so their absence elsewhere means
    something."""
    own = open_page(district, "principal.b", "pages/workspace.py")
    texts = unescaped(" ".join(s.text for s in every_tab(own)))
    for what in ("GOAL", "MILESTONE", "STEP", "COMMENT", "SUPPORT", "ANSWER"):
        assert mark(2, what) in texts
    assert mark(1, "GOAL") not in texts
    follows = open_page(district, "lead.north", "pages/workspace.py")
    assert follows.selectbox(key="school").options == [
        "Alder Elementary",
        "Birch Middle School",
    ]


@pytest.mark.parametrize(("name", "path", "others"), CASES)
def test_a_page_sends_nothing_of_a_school_the_user_may_not_read(
    district, files, name, path, others
):
    page = open_page(district, name, path)
    assert not page.exception, page.exception
    assert not page.error, [e.value for e in page.error]
    strings = every_choice(page, files)
    assert strings
    assert leaks(strings, secrets_of(others, path)) == []


@pytest.mark.parametrize(
    ("name", "others"), [("principal.a", [2, 3]), ("lead.north", [3])]
)
def test_searching_the_practice_library_finds_no_plan_of_another_school(
    district, files, name, others
):
    page = open_page(district, name, "pages/exemplars.py")
    page.session_state[exemplar_views.TABS] = "Practice library"
    page.run()
    page.text_input(key="practice-words").input("ZZ-LEAK").run()
    assert not page.exception
    assert leaks(sent(page, files), secrets_of(others, "pages/exemplars.py")) == []


def test_a_network_lead_is_offered_only_the_schools_of_their_network(district):
    for name, offered in (
        ("lead.north", ["Alder Elementary", "Birch Middle School"]),
        ("lead.south", ["Cedar High School"]),
    ):
        for path in ("pages/workspace.py", "pages/growth.py", "pages/exemplars.py"):
            page = open_page(district, name, path)
            assert page.selectbox(key="school").options == offered, (name, path)


def test_the_decoding_reads_table_cells_charts_and_downloads(district, files):
    """The search reaches where a leak would hide: a table's cells, a chart's
    spec, a CSV and a PDF made only when clicked."""
    updates = sent(open_page(district, "lead.north", "pages/compliance.py"), files)
    cells = {s.text for s in updates if s.field.endswith(".cell")}
    assert {"Alder Elementary", "Birch Middle School"} <= cells
    csv = [s.text for s in updates if s.kind == "download" and s.field == "CSV"]
    assert csv and any("Birch Middle School" in text for text in csv)
    story = sent(open_page(district, "principal.a", "pages/growth.py"), files)
    pdf = " ".join(s.text for s in story if s.field == "One-page PDF")
    assert "Alder Elementary" in pdf
    assert any(s.kind == "plotly_chart" and s.field.endswith(".json") for s in story)
    plan = every_tab(open_page(district, "principal.a", "pages/workspace.py"), files)
    escaped = [s for s in leaks(plan, [mark(1, "SUPPORT")]) if s.kind == "markdown"]
    # Sent in every run once the Support tab is open, and kept: with Support
    # open, then with History.
    assert [s.text for s in escaped] == [r"**ZZ\-LEAK\-ALDER\-SUPPORT**"] * 2
