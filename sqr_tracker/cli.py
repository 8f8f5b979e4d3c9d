"""The ``sqr-tracker`` command line: everything a page answers, scriptable."""

from __future__ import annotations

import argparse
import logging
import sys
import time
from datetime import date
from pathlib import Path

from sqr_tracker import output
from sqr_tracker.config import data_file
from sqr_tracker.demo import build_demo_file
from sqr_tracker.errors import SqrError
from sqr_tracker.store import Store

_LOGGER = logging.getLogger(__name__)


def _db_option(default: object) -> argparse.ArgumentParser:
    """``--db`` for the top level and (without a default) for every command."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--db",
        metavar="PATH",
        default=default,
        help="the data file (default: $SQR_TRACKER_DB, else data/sqr_tracker.duckdb)",
    )
    return common


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sqr-tracker",
        description="School Quality Reviews as a living improvement plan.",
        parents=[_db_option(None)],
    )
    common = _db_option(argparse.SUPPRESS)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = commands.add_parser(
        "demo", parents=[common], help="build the fictional demo district"
    )
    demo.add_argument("--schools", type=_positive, default=80, metavar="N")
    demo.add_argument("--seed", type=int, default=2026, metavar="S")
    demo.add_argument(
        "--today", type=_day, default=None, metavar="YYYY-MM-DD",
        help="the last day of the demo's timeline (default: today)",
    )  # fmt: skip
    demo.add_argument(
        "--force", action="store_true", help="overwrite a file that is not a demo"
    )
    backup = commands.add_parser(
        "backup", parents=[common], help="copy the data file, its log written in"
    )
    backup.add_argument("--out", required=True, metavar="FILE", type=Path)
    for name, what, formats in (
        ("schools", "list the schools with their ids", output.FORMATS),
        ("standards", "list the standards with their codes", output.FORMATS),
        ("stats", "count the rows of each entity", ("json", "table")),
    ):
        command = commands.add_parser(name, parents=[common], help=what)
        command.add_argument("--format", choices=formats, default="table")
    return parser


def _positive(text: str) -> int:
    number = int(text)
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {number}")
    return number


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date YYYY-MM-DD") from None


def _demo(args: argparse.Namespace, path: Path) -> str:
    today = args.today or date.today()
    started = time.perf_counter()
    counts = build_demo_file(
        path, schools=args.schools, seed=args.seed, today=today, force=args.force
    )
    seconds = time.perf_counter() - started
    return (
        f"Built the demo district in {path}: {counts.get('schools', 0):,} schools, "
        f"{sum(counts.values()):,} rows, timeline ending {today:%d %b %Y}, "
        f"in {seconds:.1f} s."
    )


def _backup(args: argparse.Namespace, path: Path) -> str:
    store = Store.open(path)
    try:
        target = store.back_up(args.out)
    except FileExistsError as error:
        raise SqrError(str(error)) from None
    finally:
        store.close()
    return f"Backed up {path} to {target} ({target.stat().st_size:,} bytes)."


def _listing(args: argparse.Namespace, path: Path) -> str:
    store = Store.open(path)
    try:
        if args.command == "schools":
            data = store.schools().drop(columns=["network_id"])
        elif args.command == "standards":
            data = store.standards().drop(columns=["sort_order"])
        else:
            data = store.stats()
    finally:
        store.close()
    return output.render(data, args.format)


def main(argv: list[str] | None = None) -> int:
    """Run one command; return the exit code (0 done, 1 refused, 2 misused)."""
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")
    path = data_file(args.db)
    try:
        if args.command == "demo":
            print(_demo(args, path))
        elif not path.exists():
            raise SqrError(
                f"There is no data file at {path}. Build the demo district with "
                "`sqr-tracker demo`, or give the file with --db."
            )
        elif args.command == "backup":
            print(_backup(args, path))
        else:
            print(_listing(args, path))
    except SqrError as error:
        print(f"sqr-tracker: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
