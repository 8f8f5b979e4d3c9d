"""Benchmark: each page's script time, cold and warm, beside its floor.

Run with ``python benchmarks/pages.py --schools 10000`` (state scale) or
``--quick`` (the 80-school demo district, each page once). Every page file runs
on its own through Streamlit's AppTest, signed in as the demo district's first
person of each role that sees it (with ``--quick``, only the first such role),
as the page tests do. Times are of ``AppTest.run``: the script with Streamlit's
own work around it.

- cold run: the page's first run in a new session, with Streamlit's caches
  cleared and the data file just opened afresh, so DuckDB's buffers start
  empty (the operating system's file cache stays warm, as on a server that has
  been up a while). Opening the file is not counted: a server does it once.
  Its floor is DuckDB alone: the statements the page ran, collected from the
  store's SQL log (``store.log_sql``) with their parameters, replayed on a
  fresh connection to the same file. Target at state scale: at most 3x that,
  and under a second.
- warm rerun: the median of ``--repeats`` reruns of the same session after its
  first run. Its floor is the same page for the same role on a one-school demo
  district built beside the measured file, rerun in turn with it (page, floor,
  page, floor...) so that what else the machine does falls on both: the
  same widgets and code path, with next to no rows, so the floor holds what a
  rerun costs whatever the district's size (running the script, the sign-in
  lookup, AppTest's round trip, drawing the widgets) and the ratio shows what
  the district's size adds. An empty district made with ``sqr-tracker init``
  would not do: it offers no demo sign-in, and its pages show other widgets (no
  plan, no review to show). Target at state scale: at most 1.5x the floor.

A server looks for installed Streamlit components once, when it starts; AppTest
does it again on every new session's first run (reading the metadata of every
installed package: a quarter of a second, more under load). Every session here
is given the registry found once by this process, as a server's sessions share
theirs, so a cold run holds what a new visitor's first run costs and not that.
For the same reason every page measured first runs once on the one-school
district, before any figure is taken: a server that has been up has imported
its pages' modules (plotly, the exports) already, and a new visitor does not
wait for that.
"""

from __future__ import annotations

import functools
import os
import statistics
import sys
from pathlib import Path

import streamlit as st
from common import (
    Row,
    demo_file,
    floor_file,
    parser,
    persona,
    print_table,
    progress,
    reopened,
    replay,
    scale,
    seconds,
    sql_log,
)
from streamlit.components.v2.component_manager import BidiComponentManager
from streamlit.testing.v1 import AppTest

from sqr_tracker import caching, session
from sqr_tracker.config import DB_ENV, PROJECT_ROOT
from sqr_tracker.models import Role
from sqr_tracker.navigation import PageSpec, pages_for
from sqr_tracker.session import DEMO_USER_KEY

TIMEOUT = 600  # seconds a single run may take before AppTest gives up


def visits(quick: bool) -> list[tuple[PageSpec, Role]]:
    """Every page with every role that sees it, or each page file once."""
    pairs = [(page, role) for role in Role for page in pages_for(role)]
    if not quick:
        return pairs
    first: dict[str, tuple[PageSpec, Role]] = {}
    for page, role in pairs:
        first.setdefault(page.path, (page, role))
    return list(first.values())


@functools.cache
def components() -> BidiComponentManager:
    """The installed components, found once per process as a server finds them."""
    found = BidiComponentManager()
    found.discover_and_register_components(start_file_watching=False)
    return found


def session_on(path: Path, page: PageSpec, role: Role) -> AppTest:
    """A new AppTest session of the page on ``path``, signed in, not yet run."""
    store = reopened(path)
    st.cache_resource.clear()  # the app's cached store was the closed one
    caching.clear()  # a cold run finds no cached answer either
    os.environ[DB_ENV] = str(path)
    session.store()  # the open file, as a server holds it before anyone comes
    app = AppTest.from_file(str(PROJECT_ROOT / page.path), default_timeout=TIMEOUT)
    app._bidi_component_manager = components()  # AppTest has no public way to share
    app.session_state[DEMO_USER_KEY] = persona(store, role).id
    return app


def checked(app: AppTest, what: str) -> AppTest:
    if app.exception:
        trace = "\n".join(app.exception[0].stack_trace)
        raise RuntimeError(f"{what} failed: {app.exception[0].message}\n{trace}")
    return app


def measure(
    path: Path, floor: Path, page: PageSpec, role: Role, repeats: int
) -> list[Row]:
    """The cold and warm rows of one page for one role."""
    name = f"{page.title} ({role.label})"
    app = session_on(path, page, role)
    with sql_log() as log:
        cold = seconds(app.run)
    checked(app, name)
    alone = replay(path, log.reads())
    empty = session_on(floor, page, role)
    checked(empty.run(), f"{name} on the floor district")
    warm, floor_warm = in_turn([(app, path), (empty, floor)], repeats, name)
    return [
        Row(f"cold run: {name}", cold, floor=alone, limit=3, under=1),
        Row(f"warm rerun: {name}", warm, floor=floor_warm, limit=1.5),
    ]


def in_turn(
    sessions: list[tuple[AppTest, Path]], repeats: int, name: str, budget: float = 30
) -> list[float]:
    """The median warm rerun of each session on its file, the sessions rerun
    one after the other, so that whatever else the machine does in the
    meantime falls on a page and its floor alike. Each runs once first: the
    answers kept for it were let go when the next session was set up. Fewer
    repeats once ``budget`` seconds have gone, as ``median_seconds``."""

    def rerun(app: AppTest, file: Path) -> float:
        os.environ[DB_ENV] = str(file)  # each page reads its own file
        return seconds(lambda: checked(app.run(), name))

    for app, file in sessions:
        rerun(app, file)
    times: list[list[float]] = [[] for _ in sessions]
    while len(times[0]) < repeats and (not times[0] or sum(map(sum, times)) < budget):
        for (app, file), taken in zip(sessions, times, strict=True):
            taken.append(rerun(app, file))
    return [statistics.median(taken) for taken in times]


def main() -> int:
    options = parser(__doc__)
    options.add_argument("--page", help="only the pages whose title has this")
    args = options.parse_args()
    sys.argv = sys.argv[:1]  # the pages read --db from the command line too
    schools, repeats = scale(args)
    path = demo_file(schools, args.db)
    floor = floor_file(path)
    rows: list[Row] = []
    failed = []
    plan = [
        (page, role)
        for page, role in visits(args.quick)
        if not args.page or args.page.lower() in page.title.lower()
    ]
    for page, role in plan:  # the modules imported, as on a server that is up
        session_on(floor, page, role).run()
    for page, role in plan:
        try:
            rows += progress(measure(path, floor, page, role, repeats))
        except RuntimeError as error:
            failed.append(str(error))
    print_table(
        f"Pages, {schools:,} schools (floors: DuckDB alone for a cold run, the "
        "one-school district for a warm rerun)",
        rows,
    )
    for problem in failed:
        print(problem, file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
