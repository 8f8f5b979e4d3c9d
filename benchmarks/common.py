"""What the benchmark scripts share: options, demo files, timing, the SQL log and
the printed table.

Every script prints one table whose columns are ``figure``, ``value``, ``unit``,
``floor``, ``ratio`` (value / floor), ``target`` and ``met`` (yes, no, or ``-``
where the issue sets no target for that figure).
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

# This checkout's package first, whichever one is installed: scripts run from
# another checkout (to measure two versions side by side) measure its code.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import duckdb  # noqa: E402

from sqr_tracker.demo import build_demo_file, persona_emails  # noqa: E402
from sqr_tracker.models import Role, User  # noqa: E402
from sqr_tracker.store import Store, log_sql  # noqa: E402

DISTRICT_SCHOOLS = 80
STATE_SCHOOLS = 10_000
CACHE = Path(tempfile.gettempdir()) / "sqr-tracker-bench"
# The demo district's first person of each role (the demo sign-in's choices).
PERSONAS = persona_emails()
COLUMNS = ("figure", "value", "unit", "floor", "ratio", "target", "met")


# -- options and files -----------------------------------------------------------


def parser(
    doc: str, schools: int = STATE_SCHOOLS, repeats: bool = True
) -> argparse.ArgumentParser:
    """The options every script takes: --quick, --schools, --db and --repeats.

    ``schools`` is the script's size when neither --schools nor --quick is
    given; a script that repeats nothing leaves --repeats out.
    """
    found = argparse.ArgumentParser(description=doc.splitlines()[0])
    quick = (
        "" if schools == DISTRICT_SCHOOLS else f", or {DISTRICT_SCHOOLS} with --quick"
    )
    found.add_argument(
        "--quick",
        action="store_true",
        help=f"district scale ({DISTRICT_SCHOOLS} schools), few repeats: for CI",
    )
    found.add_argument(
        "--schools",
        type=int,
        default=None,
        help=f"the demo district's size (default {schools:,}{quick})",
    )
    found.add_argument(
        "--db",
        type=Path,
        default=None,
        help="the demo file to measure, built there if missing (default: one "
        f"per size and day under {CACHE})",
    )
    if repeats:
        found.add_argument("--repeats", type=int, default=None, help="warm repeats")
    return found


def scale(args: argparse.Namespace) -> tuple[int, int]:
    """The number of schools and of warm repeats the options ask for."""
    schools = args.schools or (DISTRICT_SCHOOLS if args.quick else STATE_SCHOOLS)
    repeats = args.repeats or (1 if args.quick else 5)
    return schools, repeats


def demo_file(schools: int, given: Path | None = None) -> Path:
    """A demo file of ``schools`` schools built for today, built once and reused."""
    path = given or CACHE / f"demo-{schools}-{date.today().isoformat()}.duckdb"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        build_demo_file(path, schools=schools, today=date.today())
        print(f"built {path} in {time.perf_counter() - started:.1f} s", flush=True)
    return path


def floor_file(beside: Path) -> Path:
    """The one-school demo district next to a measured file (the floors' data)."""
    return demo_file(1, beside.with_name(f"{beside.stem}.floor.duckdb"))


def persona(store: Store, role: Role) -> User:
    user = store.user_by_email(PERSONAS[role])
    if user is None:
        raise SystemExit(f"{store.path} has no {PERSONAS[role]}: is it a demo file?")
    return user


def reopened(path: Path) -> Store:
    """The file's store opened afresh, so that DuckDB's buffers start empty."""
    if Store.is_open(path):
        Store.open(path).close()
    return Store.open(path)


# -- timing ----------------------------------------------------------------------


def seconds(work: Callable[[], Any]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def median_seconds(work: Callable[[], Any], repeats: int, budget: float = 30) -> float:
    """The median of up to ``repeats`` runs, fewer once ``budget`` seconds have
    gone (always at least one), so that a slow figure at state scale ends."""
    times: list[float] = []
    while len(times) < repeats and (not times or sum(times) < budget):
        times.append(seconds(work))
    return statistics.median(times)


# -- the SQL log -----------------------------------------------------------------


@dataclass(frozen=True)
class Statement:
    sql: str
    params: Any
    ms: float


class SqlLog(logging.Handler):
    """Collects the statements the store logs (see ``store.log_sql``), from
    whichever thread runs them."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.statements: list[Statement] = []

    def emit(self, record: logging.LogRecord) -> None:
        ms, sql = record.args
        self.statements.append(Statement(sql, getattr(record, "params", ()), ms))

    def reads(self) -> list[Statement]:
        """The statements that only read (the ones replayed on DuckDB)."""
        return [s for s in self.statements if _is_read(s.sql)]


def _is_read(sql: str) -> bool:
    return sql.lstrip().split(None, 1)[0].upper() in {"SELECT", "WITH", "FROM"}


@contextmanager
def sql_log() -> Iterator[SqlLog]:
    """Every statement the store runs inside the block."""
    found = SqlLog()
    logger = logging.getLogger("sqr_tracker.sql")
    logger.addHandler(found)
    previous = logger.level, logger.propagate
    log_sql(True)
    logger.propagate = False  # collected here, not printed
    try:
        yield found
    finally:
        logger.removeHandler(found)
        logger.setLevel(previous[0])
        logger.propagate = previous[1]


def replay(path: Path, statements: Sequence[Statement]) -> float:
    """Seconds DuckDB alone takes to run and fetch the statements, on a fresh
    connection to the file (opened with the app's settings; the store must be
    closed), so its buffers start as empty as the store's after ``reopened``."""
    if Store.is_open(path):
        Store.open(path).close()
    connection = duckdb.connect(
        str(path),
        config={"enable_external_access": False, "lock_configuration": True},
    )
    try:
        started = time.perf_counter()
        for statement in statements:
            connection.execute(statement.sql, statement.params).fetchall()
        return time.perf_counter() - started
    finally:
        connection.close()


def replay_warm(path: Path, statements: Sequence[Statement], repeats: int) -> float:
    """The median seconds of a replay after one replay on the same connection."""
    if Store.is_open(path):
        Store.open(path).close()
    connection = duckdb.connect(
        str(path),
        config={"enable_external_access": False, "lock_configuration": True},
    )

    def run() -> None:
        for statement in statements:
            connection.execute(statement.sql, statement.params).fetchall()

    try:
        run()
        return median_seconds(run, repeats)
    finally:
        connection.close()


# -- the table -------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One figure; ``limit`` is the ratio it must stay within, ``under`` the
    value it must stay below (either, both or neither)."""

    figure: str
    value: float
    unit: str = "s"
    floor: float | None = None
    limit: float | None = None
    under: float | None = None

    @property
    def ratio(self) -> float | None:
        if self.floor is None or self.floor <= 0:
            return None
        return self.value / self.floor

    def target(self) -> str:
        parts = []
        if self.limit is not None:
            parts.append(f"<= {self.limit:g}x")
        if self.under is not None:
            parts.append(f"< {self.under:g} {self.unit}")
        return " and ".join(parts) or "-"

    def met(self) -> str:
        if self.limit is None and self.under is None:
            return "-"
        ok = self.under is None or self.value < self.under
        if self.limit is not None:
            ok = ok and self.ratio is not None and self.ratio <= self.limit
        return "yes" if ok else "no"

    def cells(self) -> list[str]:
        ratio = self.ratio
        return [
            self.figure,
            _number(self.value),
            self.unit,
            "-" if self.floor is None else _number(self.floor),
            "-" if ratio is None else f"{ratio:.2f}",
            self.target(),
            self.met(),
        ]


def progress(rows: Sequence[Row]) -> list[Row]:
    """Tell each row on stderr as soon as it is measured (a long run that is
    stopped keeps what finished); return the rows."""
    for row in rows:
        print(" | ".join(row.cells()), file=sys.stderr, flush=True)
    return list(rows)


def _number(value: float) -> str:
    return f"{value:.1f}" if abs(value) >= 100 else f"{value:.3f}"


def print_table(title: str, rows: Sequence[Row]) -> None:
    """The rows as a Markdown table under a heading line, and a count of misses."""
    cells = [list(COLUMNS)] + [row.cells() for row in rows]
    widths = [max(len(line[i]) for line in cells) for i in range(len(COLUMNS))]

    def line(parts: list[str]) -> str:
        padded = [part.ljust(width) for part, width in zip(parts, widths, strict=True)]
        return "| " + " | ".join(padded) + " |"

    print(f"\n{title}\n")
    print(line(cells[0]))
    print("|" + "|".join("-" * (width + 2) for width in widths) + "|")
    for parts in cells[1:]:
        print(line(parts))
    missed = sum(row.met() == "no" for row in rows)
    judged = sum(row.met() != "-" for row in rows)
    summary = f"{judged - missed} of {judged} targets met" if judged else "no targets"
    print(f"\n{summary}", flush=True)
