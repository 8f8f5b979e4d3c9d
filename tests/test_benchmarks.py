"""The benchmark scripts' quick modes run and print their tables of figures."""

from __future__ import annotations

import importlib
import logging
import subprocess
import sys
from pathlib import Path

import pytest
import streamlit as st

from sqr_tracker import caching
from sqr_tracker.config import DB_ENV
from sqr_tracker.models import Role
from sqr_tracker.navigation import pages_for
from sqr_tracker.store import Store, log_sql

ROOT = Path(__file__).resolve().parent.parent
COLUMNS = ["figure", "value", "unit", "floor", "ratio", "target", "met"]
QUESTIONS = [
    "plan",
    "growth",
    "exemplars",
    "needs support",
    "heatmap",
    "calibration",
    "compliance",
]


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    """Where the scripts' demo files are built, shared by the scripts."""
    return tmp_path_factory.mktemp("benchmarks")


def quick_run(script: str, db: Path) -> list[dict[str, str]]:
    """Run a script's quick mode; its table's rows as dicts, after checking it
    exited cleanly and its header is the shared one."""
    done = subprocess.run(
        [sys.executable, f"benchmarks/{script}", "--quick", "--db", str(db)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    lines = [line for line in done.stdout.splitlines() if line.startswith("|")]
    header, rule, *body = (
        [cell.strip() for cell in line.strip("|").split("|")] for line in lines
    )
    assert header == COLUMNS
    assert all(set(cell) == {"-"} for cell in rule)
    return [dict(zip(COLUMNS, cells, strict=True)) for cells in body]


def assert_figures(rows: list[dict[str, str]], *, unit: str) -> None:
    """Every row's value is a number, and so are its floor and ratio if given."""
    for row in rows:
        float(row["value"])
        assert row["unit"] == unit, row
        for column in ("floor", "ratio"):
            if row[column] != "-":
                float(row[column])
        assert row["met"] in {"yes", "no", "-"}, row


def first_role_of_each_page() -> list[tuple[str, Role]]:
    first: dict[str, tuple[str, Role]] = {}
    for role in Role:
        for page in pages_for(role):
            first.setdefault(page.path, (page.title, role))
    return list(first.values())


def test_pages_prints_a_cold_and_a_warm_row_per_page(folder):
    rows = quick_run("pages.py", folder / "demo.duckdb")
    expected = []
    for title, role in first_role_of_each_page():
        expected += [f"cold run: {title} ({role.label})"]
        expected += [f"warm rerun: {title} ({role.label})"]
    assert [row["figure"] for row in rows] == expected
    assert_figures(rows, unit="s")
    assert all(row["floor"] != "-" and row["met"] != "-" for row in rows)
    cold = [row for row in rows if row["figure"].startswith("cold")]
    assert {row["target"] for row in cold} == {"<= 3x and < 1 s"}


def test_a_cold_page_run_asks_the_file_what_the_first_run_asked(folder, monkeypatch):
    """A cold run is a new visitor on a server that has answered nobody yet:
    no cached answer of an earlier session may serve it."""
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    monkeypatch.setenv(DB_ENV, "")  # set by the benchmark, put back after
    for name in ("common", "pages"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    common = importlib.import_module("common")
    pages = importlib.import_module("pages")
    path = common.demo_file(80, folder / "cold.duckdb")
    plan = next(page for page in pages_for(Role.PRINCIPAL) if page.title == "Our plan")
    asked = []
    try:
        for _ in range(2):
            app = pages.session_on(path, plan, Role.PRINCIPAL)
            with common.sql_log() as log:
                app.run()
            assert not app.exception
            asked.append(len(log.reads()))
    finally:
        for name in ("common", "pages"):
            sys.modules.pop(name, None)
        st.cache_resource.clear()
        caching.clear()
        if Store.is_open(path):
            Store.open(path).close()
    assert asked[0] > 10
    assert asked[1] == asked[0]


def test_queries_prints_each_question_cold_and_warm_beside_duckdb(folder):
    rows = quick_run("queries.py", folder / "demo.duckdb")
    expected = [f"{name}, {when}" for name in QUESTIONS for when in ("cold", "warm")]
    assert [row["figure"] for row in rows] == expected
    assert_figures(rows, unit="s")
    assert all(row["floor"] != "-" for row in rows)


def test_imports_prints_the_imports_beside_read_csv(folder):
    rows = quick_run("imports.py", folder / "coded.duckdb")
    assert [row["figure"] for row in rows] == [
        "import, every row changed",
        "import again, every row unchanged",
        "read_csv into a plain table",
        "read_csv into a plain table of a data file",
        "the same change in DuckDB alone (no checks)",
    ]
    assert_figures(rows, unit="s")
    assert [row["target"] for row in rows] == ["<= 2x", "<= 2x", "-", "-", "-"]


@pytest.mark.browser
def test_memory_prints_the_servers_memory_and_per_session(folder):
    rows = quick_run("memory.py", folder / "demo.duckdb")
    assert [row["figure"] for row in rows] == [
        "server after the pages",
        "per connected session",
        "server after the sessions",
    ]
    assert_figures(rows, unit="MB")
    assert float(rows[0]["value"]) > 0
    assert float(rows[2]["value"]) > 0
    assert [rows[0]["target"], rows[2]["target"]] == ["< 500 MB", "< 500 MB"]


def test_concurrency_prints_latency_alone_and_at_once_errors_and_drops(folder):
    rows = quick_run("concurrency.py", folder / "demo.duckdb")
    figures = {row["figure"]: row for row in rows}
    assert list(figures) == [
        "interaction p50, one session alone",
        "interaction p95, one session alone",
        "interaction p50, 3 sessions at once",
        "interaction p95, 3 sessions at once",
        "interaction p95, 3 sessions at once, after the first 7 s",
        "interactions, one session alone",
        "interactions, 3 sessions at once",
        "errors",
        "dropped sessions",
        "server CPU per interaction, alone",
        "server CPU per interaction, 3 sessions at once",
        "server memory, peak alone",
        "server memory, peak with 3 sessions at once",
    ]
    assert_figures(rows[:5], unit="s")
    assert_figures(rows[5:9], unit="count")
    assert_figures(rows[9:11], unit="s")
    assert_figures(rows[11:], unit="MB")
    assert figures["interaction p95, 3 sessions at once"]["target"] == "<= 2x"
    assert float(figures["interaction p95, 3 sessions at once"]["floor"]) > 0
    later = figures["interaction p95, 3 sessions at once, after the first 7 s"]
    assert (later["floor"], later["target"]) == (
        figures["interaction p95, one session alone"]["value"],
        "-",
    )
    # Alone, a person of each of three roles opens the app, chooses, signs in
    # and opens one page, after which a selectbox may be changed.
    assert 12 <= int(figures["interactions, one session alone"]["value"]) <= 15
    assert int(figures["interactions, 3 sessions at once"]["value"]) >= 3
    assert (figures["errors"]["value"], figures["errors"]["met"]) == ("0", "yes")
    assert figures["dropped sessions"]["value"] == "0"
    assert float(figures["server memory, peak with 3 sessions at once"]["value"]) > 0


def test_each_script_says_its_own_default_size_and_options():
    """The concurrency benchmark runs on the 80-school district unless told,
    repeats nothing, and its help says so; the others default to a state."""

    def helped(script: str) -> str:
        done = subprocess.run(
            [sys.executable, f"benchmarks/{script}", "--help"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return " ".join(done.stdout.split())

    concurrency = helped("concurrency.py")
    assert "the demo district's size (default 80)" in concurrency
    assert "--repeats" not in concurrency
    pages = helped("pages.py")
    assert "the demo district's size (default 10,000, or 80 with --quick)" in pages
    assert "--repeats REPEATS warm repeats" in pages


def test_the_sql_log_gives_each_statement_with_its_parameters(store: Store, caplog):
    """The benchmarks replay what the store logged, so each record carries the
    statement's parameters as well as its text."""
    log_sql(True)
    try:
        with caplog.at_level(logging.DEBUG, logger="sqr_tracker.sql"):
            store.user_by_email("principal.a@test.sqr")
            store.frame("SELECT name FROM schools WHERE id = ?", [2])
    finally:
        log_sql(False)
    logged = [
        (r.args[1], r.params) for r in caplog.records if r.name == "sqr_tracker.sql"
    ]
    assert logged == [
        (
            "SELECT id, email, name, role, school_id, network_id, active FROM users "
            "WHERE lower(email) = lower(?)",
            ["principal.a@test.sqr"],
        ),
        ("SELECT name FROM schools WHERE id = ?", [2]),
    ]
