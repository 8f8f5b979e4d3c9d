"""The ``sqr-tracker`` command line: everything a page answers, scriptable."""

from __future__ import annotations

import argparse
import json
import logging
import re
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import date
from pathlib import Path

import pandas as pd

from sqr_tracker import (
    actions,
    backups,
    calibration,
    compliance,
    deployment,
    district_data,
    evidence,
    exemplars,
    growth,
    imports,
    needs_support,
    output,
    plans,
    review_calendar,
)
from sqr_tracker.auth import Action, authorize
from sqr_tracker.config import data_file
from sqr_tracker.demo import build_demo_file
from sqr_tracker.errors import DataFileInUse, InvalidInput, NotFound, SqrError
from sqr_tracker.home import cycle_label
from sqr_tracker.models import Role, User
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
        "--today",
        type=_day,
        default=None,
        metavar="YYYY-MM-DD",
        help="the last day of the demo's timeline (default: today)",
    )
    demo.add_argument(
        "--force", action="store_true", help="overwrite a file that is not a demo"
    )
    backup = commands.add_parser(
        "backup", parents=[common], help="copy the data file, its log written in"
    )
    backup.add_argument("--out", required=True, metavar="FILE", type=Path)
    restore = commands.add_parser(
        "restore",
        parents=[common],
        help="put a backup in place of the data file (stop the app first); the "
        "replaced file is kept as PATH.before-restore",
    )
    restore.add_argument("file", metavar="FILE", type=Path, help="the backup")
    restore.add_argument(
        "--force",
        action="store_true",
        help="replace a PATH.before-restore left by an earlier restore",
    )
    for name, what, formats in (
        ("schools", "list the schools with their ids", output.FORMATS),
        ("standards", "list the standards with their codes", output.FORMATS),
        ("stats", "count the rows of each entity", ("json", "table")),
    ):
        command = commands.add_parser(name, parents=[common], help=what)
        command.add_argument("--format", choices=formats, default="table")
    plan = commands.add_parser(
        "plan", parents=[common], help="show a school's plan with each goal's health"
    )
    _reading(plan)
    _reading(
        commands.add_parser(
            "growth",
            parents=[common],
            help="show a school's growth across reviews and this year's work",
        )
    )
    report = commands.add_parser(
        "report",
        parents=[common],
        help="write a school's growth story as a PowerPoint deck or a one-page PDF",
    )
    report.add_argument("--school", type=_positive, required=True, metavar="ID")
    report.add_argument(
        "--out",
        required=True,
        type=_report_file,
        metavar="FILE.pptx|FILE.pdf",
        help="the file to write (a new one); its suffix chooses the format",
    )
    _acting(report)
    report.add_argument(
        "--today",
        type=_day,
        default=None,
        metavar="YYYY-MM-DD",
        help="the day of the report (default: today)",
    )
    report.add_argument(
        "--measure",
        dest="measures",
        type=_positive,
        nargs="+",
        action="extend",
        default=None,
        metavar="ID",
        help="the measures to show (default: the school's first four)",
    )
    checkins = commands.add_parser(
        "checkins", parents=[common], help="this month's check-in: what is due, saving"
    )
    steps = checkins.add_subparsers(
        dest="checkins_command", required=True, metavar="COMMAND"
    )
    due = steps.add_parser(
        "due", parents=[common], help="list what this month's check-in covers"
    )
    _reading(due)
    add = steps.add_parser(
        "add", parents=[common], help="save a CSV of check-ins, all or none"
    )
    add.add_argument("--school", type=_positive, required=True, metavar="ID")
    add.add_argument(
        "--file",
        required=True,
        metavar="F.csv",
        help="header: kind,id,status,note,measure_value[,version]; one row per "
        "action step or goal; '-' reads standard input",
    )
    add.add_argument(
        "--as",
        dest="as_email",
        required=True,
        metavar="EMAIL",
        help="who writes the check-ins: a principal or site team member",
    )
    _district_data_commands(commands, common)
    _exemplars_command(commands, common)
    _practices_command(commands, common)
    _district_commands(commands, common)
    _needs_support_command(commands, common)
    _calibration_command(commands, common)
    _evidence_commands(commands, common)
    _check_config_command(commands, common)
    return parser


def _check_config_command(
    commands: argparse._SubParsersAction, common: argparse.ArgumentParser
) -> None:
    """``check-config``: whether the deployment is ready for production."""
    command = commands.add_parser(
        "check-config",
        parents=[common],
        help="check sign-in, browser safety and the data file before going live",
    )
    command.add_argument(
        "--config-dir", type=Path, default=deployment.CONFIG_DIR, metavar="DIR",
        help="the folder holding secrets.toml and config.toml (default: the "
        "project's .streamlit/)",
    )  # fmt: skip


def _calibration_command(
    commands: argparse._SubParsersAction, common: argparse.ArgumentParser
) -> None:
    """``calibration``: how closely reviewers agree with the consensus."""
    command = commands.add_parser(
        "calibration",
        parents=[common],
        help="show how reviewers' ratings agree with the consensus and each other",
    )
    command.add_argument(
        "--cycle", type=_cycle_year, default=None, metavar="YEAR",
        help="only the reviews of this cycle year (default: every cycle)",
    )  # fmt: skip
    command.add_argument(
        "--by", choices=("reviewer", "standard", "cycle"), default="reviewer",
        help="one row per reviewer (default), per standard or per cycle",
    )  # fmt: skip
    command.add_argument("--format", choices=output.FORMATS, default="table")
    command.add_argument(
        "--as", dest="as_email", default=None, metavar="EMAIL",
        help="the acting user (default: the first active central office user)",
    )  # fmt: skip


def _needs_support_command(
    commands: argparse._SubParsersAction, common: argparse.ArgumentParser
) -> None:
    """``needs-support``: the schools to reach out to, with their reasons."""
    command = commands.add_parser(
        "needs-support",
        parents=[common],
        help="list the schools that may need support, with each reason and tier",
    )
    command.add_argument(
        "--network", type=_positive, default=None, metavar="ID",
        help="only the schools of this network",
    )  # fmt: skip
    command.add_argument("--format", choices=output.FORMATS, default="table")
    command.add_argument(
        "--as", dest="as_email", default=None, metavar="EMAIL",
        help="the acting user (default: the first active central office user)",
    )  # fmt: skip
    command.add_argument(
        "--today", type=_day, default=None, metavar="YYYY-MM-DD",
        help="the day to judge on (default: today)",
    )  # fmt: skip


def _exemplars_command(
    commands: argparse._SubParsersAction, common: argparse.ArgumentParser
) -> None:
    """``exemplars``: the schools to learn from on a standard."""
    command = commands.add_parser(
        "exemplars",
        parents=[common],
        help="list peer schools rated strong, or grown fast, on a standard",
    )
    _reading(command, today="the day the reviews' ages are counted to (default: today)")
    command.add_argument(
        "--standard",
        required=True,
        metavar="CODE",
        help="the standard's code, such as S1 (any case)",
    )
    command.add_argument("--limit", type=_positive, default=10, metavar="N")


def _practices_command(
    commands: argparse._SubParsersAction, common: argparse.ArgumentParser
) -> None:
    """``practices search``: the practice library of published strengths."""
    practices = commands.add_parser(
        "practices", parents=[common], help="the practice library: what reviews found"
    )
    steps = practices.add_subparsers(
        dest="practices_command", required=True, metavar="COMMAND"
    )
    search = steps.add_parser(
        "search",
        parents=[common],
        help="search the strengths of every published review",
    )
    search.add_argument(
        "words",
        nargs="*",
        metavar="WORDS",
        help="what to look for; none, with --standard, lists its newest strengths",
    )
    search.add_argument("--standard", default=None, metavar="CODE")
    search.add_argument("--limit", type=_positive, default=20, metavar="N")
    search.add_argument("--format", choices=output.FORMATS, default="table")
    _acting(search)


def _district_commands(
    commands: argparse._SubParsersAction, common: argparse.ArgumentParser
) -> None:
    """``compliance`` and ``calendar``: the district's view across schools."""
    month = commands.add_parser(
        "compliance",
        parents=[common],
        help="list which schools checked in for a month, and whom to nudge",
    )
    month.add_argument("--month", type=_month, required=True, metavar="YYYY-MM")
    month.add_argument(
        "--network", type=_positive, default=None, metavar="ID",
        help="only the schools of this network",
    )  # fmt: skip
    calendar = commands.add_parser(
        "calendar",
        parents=[common],
        help="list when each school's review is due, with the cycle's reviews",
    )
    calendar.add_argument(
        "--year", type=_cycle_year, required=True, metavar="YYYY",
        help="the cycle year: 2026 is the school year 2026-27",
    )  # fmt: skip
    for command in (month, calendar):
        command.add_argument("--format", choices=output.FORMATS, default="table")
        command.add_argument(
            "--as", dest="as_email", default=None, metavar="EMAIL",
            help="the acting user (default: the first active central office user)",
        )  # fmt: skip
        command.add_argument(
            "--today", type=_day, default=None, metavar="YYYY-MM-DD",
            help="the day to judge on (default: today)",
        )  # fmt: skip


def _district_data_commands(
    commands: argparse._SubParsersAction, common: argparse.ArgumentParser
) -> None:
    """``init``, ``import`` and ``export``: a district's own data in and out."""
    commands.add_parser(
        "init", parents=[common], help="make a new, empty district file (no demo)"
    )
    bring = commands.add_parser(
        "import",
        parents=[common],
        help="bring a district's data in from a CSV or Excel file, all or nothing",
    )
    kinds = bring.add_subparsers(dest="import_kind", required=True, metavar="KIND")
    for kind, spec in district_data.SPECS.items():
        one = kinds.add_parser(kind, parents=[common], help=f"one row per {spec.row}")
        one.add_argument("file", type=Path, metavar="FILE", help=".csv or .xlsx")
        one.add_argument(
            "--as", dest="as_email", default=None, metavar="EMAIL",
            help="the acting central office user (left out only for a new "
            "district's first users file)",
        )  # fmt: skip
    template = kinds.add_parser(
        "template", parents=[common], help="write an empty file, its columns explained"
    )
    kinds_help = "one of: " + ", ".join(district_data.KINDS)
    template.add_argument(
        "template_kind", choices=district_data.KINDS, metavar="KIND", help=kinds_help
    )
    template.add_argument(
        "--out", required=True, type=Path, metavar="FILE.csv|FILE.xlsx"
    )
    export = commands.add_parser(
        "export",
        parents=[common],
        help="write a kind of district data as import reads it",
    )
    export.add_argument(
        "kind", choices=district_data.KINDS, metavar="KIND", help=kinds_help
    )
    export.add_argument("--out", type=Path, default=None, metavar="FILE")
    export.add_argument(
        "--format", choices=district_data.FORMATS, default=None,
        help="csv or xlsx (default: the suffix of --out, else csv)",
    )  # fmt: skip
    export.add_argument(
        "--as", dest="as_email", default=None, metavar="EMAIL",
        help="the acting user (default: the first active central office user)",
    )  # fmt: skip


def _reading(
    command: argparse.ArgumentParser,
    today: str = "the day to judge the plan on (default: today)",
) -> None:
    """The options of a command that reads one school's plan."""
    command.add_argument("--school", type=_positive, required=True, metavar="ID")
    command.add_argument("--format", choices=output.FORMATS, default="table")
    _acting(command)
    command.add_argument(
        "--today",
        type=_day,
        default=None,
        metavar="YYYY-MM-DD",
        help=today,
    )


def _acting(command: argparse.ArgumentParser) -> None:
    """``--as``: whom a reading command reads as."""
    command.add_argument(
        "--as",
        dest="as_email",
        default=None,
        metavar="EMAIL",
        help="the acting user (default: the first active central office user)",
    )


def _positive(text: str) -> int:
    number = int(text)
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {number}")
    return number


_REPORT_SUFFIXES = (".pptx", ".pdf")


def _report_file(text: str) -> Path:
    path = Path(text)
    if path.suffix.lower() not in _REPORT_SUFFIXES:
        raise argparse.ArgumentTypeError(
            f"{text!r} must end in .pptx (a PowerPoint deck) or .pdf (a one-page "
            "summary)"
        )
    return path


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date YYYY-MM-DD") from None


def _month(text: str) -> date:
    """'2026-11' as the first day of that month."""
    found = re.fullmatch(r"(\d{4})-(\d{2})", text.strip())
    if not found or not 1 <= int(found[2]) <= 12:
        raise argparse.ArgumentTypeError(f"{text!r} is not a month YYYY-MM")
    return date(int(found[1]), int(found[2]), 1)


def _cycle_year(text: str) -> int:
    if not re.fullmatch(r"\d{4}", text.strip()):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a cycle year YYYY (2026 for the school year 2026-27)"
        )
    return int(text)


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


@contextmanager
def _opened(path: Path) -> Iterator[Store]:
    """The store of ``path``, closed afterwards only if this command opened it
    (a process that already holds it, such as a test, keeps it open)."""
    held = Store.is_open(path)
    store = Store.open(path)
    try:
        yield store
    finally:
        if not held:
            store.close()


def _backup(args: argparse.Namespace, path: Path) -> str:
    with _opened(path) as store:
        try:
            target = store.back_up(args.out)
        except FileExistsError as error:
            raise SqrError(str(error)) from None
    return f"Backed up {path} to {target} ({target.stat().st_size:,} bytes)."


def _restore(args: argparse.Namespace, path: Path) -> str:
    done = backups.restore(args.file, path, force=args.force)
    kept = f" The file it replaced is kept as {done.kept}." if done.kept else ""
    return (
        f"Restored {done.target} from {done.backup} "
        f"(schema version {done.schema_version}).{kept}"
    )


def _listing(args: argparse.Namespace, path: Path) -> str:
    with _opened(path) as store:
        if args.command == "schools":
            data = store.schools().drop(columns=["network_id"])
        elif args.command == "standards":
            data = store.standards().drop(columns=["sort_order"])
        else:
            data = store.stats()
    return output.render(data, args.format)


def _acting_user(store: Store, email: str | None) -> User:
    """The user named by ``--as``, else (for reads) the first active central
    office user."""
    if email is not None:
        user = store.user_by_email(email)
        if user is None:
            raise NotFound(f"No user has the email {email!r} in {store.path}.")
        return user
    office = store.first_active_user(Role.CENTRAL_OFFICE.value)
    if office is None:
        raise NotFound(
            f"{store.path} has no active central office user to read as; "
            "name the acting user with --as EMAIL."
        )
    return office


def _school_name(store: Store, school_id: int) -> str:
    found = store.schools([school_id])
    if found.empty:
        raise NotFound(f"No school with id {school_id}.")
    return str(found["name"].iloc[0])


# A plan's goals as the command line shows them: the store's name, then ours.
_PLAN_COLUMNS = {
    "id": "id",
    "code": "standard_code",
    "statement": "statement",
    "measure": "measure",
    "baseline": "baseline",
    "latest_value": "latest_value",
    "target": "target",
    "target_date": "target_date",
    "is_focus": "focus",
    "status": "status",
    "health": "health",
    "reasons": "reasons",
}


def _plan(args: argparse.Namespace, path: Path) -> str:
    today = args.today or date.today()
    with _opened(path) as store:
        user = _acting_user(store, args.as_email)
        school = _school_name(store, args.school)
        plan = plans.school_plan(store, user, args.school, today)
    goals = plan.goals[list(_PLAN_COLUMNS)].rename(columns=_PLAN_COLUMNS)
    goals = _days(goals, ["target_date"])
    if args.format == "json":
        return output.to_json(
            {
                "school_id": args.school,
                "school": school,
                "as_of": today.isoformat(),
                "health": plan.health,
                "goals": json.loads(output.to_json(goals)),
                "milestones": _records(
                    plan.milestones[
                        ["id", "goal_id", "description", "due_on", "met_on", "status"]
                    ],
                    ["due_on", "met_on"],
                ),
                "action_steps": _records(
                    plan.steps[
                        [
                            "id",
                            "goal_id",
                            "description",
                            "owner",
                            "starts_on",
                            "due_on",
                            "status",
                        ]
                    ],
                    ["starts_on", "due_on"],
                ),
            }
        )
    if args.format == "csv":
        return output.render(goals, "csv")
    return (
        f"{output.to_table(_blanks(goals))}\n\n"
        f"The plan of {school} is {plan.health} (as of {today:%-d %b %Y})."
    )


def _growth(args: argparse.Namespace, path: Path) -> str:
    today = args.today or date.today()
    with _opened(path) as store:
        user = _acting_user(store, args.as_email)
        school = _school_name(store, args.school)
        story = growth.growth_across_reviews(store, user, args.school)
        work = growth.this_years_work(store, user, args.school, today)
        found = evidence.school_evidence(store, user, args.school)
    levels = growth.levels_by_review(story)
    said = [found.summary, evidence.strength_legend()] if found else []
    if args.format == "csv":
        return output.render(levels, "csv")
    if args.format == "json":
        return output.to_json(
            {
                "school_id": args.school,
                "school": school,
                "as_of": today.isoformat(),
                "standards": json.loads(output.to_json(levels)),
                "words": story.words,
                "evidence": said,
                "this_year": {**asdict(work), "since": work.since.isoformat()},
            }
        )
    lines = [f"- {line}" for line in story.words + said + growth.year_words(work)]
    return "\n".join([output.to_table(levels), "", *lines])


def _report(args: argparse.Namespace, path: Path) -> str:
    from sqr_tracker import exports  # PowerPoint and PDF libraries: load on use

    out: Path = args.out
    if out.exists():
        raise SqrError(f"{out} already exists; choose another name or remove it.")
    today = args.today or date.today()
    with _opened(path) as store:
        user = _acting_user(store, args.as_email)
        _school_name(store, args.school)
        report = exports.report_for(store, user, args.school, today, args.measures)
    if out.suffix.lower() == ".pptx":
        data = exports.growth_deck(report)
        slides = exports.slide_count(data)
        what = f"{slides} slide{'' if slides == 1 else 's'}"
    else:
        data = exports.summary_pdf(report)
        what = "1 page"
    try:
        with out.open("xb") as file:
            file.write(data)
    except FileExistsError:
        raise SqrError(
            f"{out} already exists; choose another name or remove it."
        ) from None
    except OSError as error:
        raise SqrError(f"{out} could not be written: {error.strerror}.") from None
    return f"Wrote {out} ({what})"


def _records(frame: pd.DataFrame, days: list[str]) -> list[dict]:
    return json.loads(output.to_json(_days(frame, days)))


def _check_ins(args: argparse.Namespace, path: Path) -> str:
    if args.checkins_command == "add":
        return _add_check_ins(args, path)
    today = args.today or date.today()
    with _opened(path) as store:
        user = _acting_user(store, args.as_email)
        _school_name(store, args.school)
        due = plans.due_this_month(store, user, args.school, today)
    due = _days(due, ["due_on", "last_check_in"])
    if args.format == "csv":  # a sheet to fill in and send back with `checkins add`
        due = due.assign(note="", measure_value="")
    return output.render(_blanks(due) if args.format == "table" else due, args.format)


def _add_check_ins(args: argparse.Namespace, path: Path) -> str:
    text, source = _read_text(args.file)
    rows = imports.read_check_ins(text, source)
    with _opened(path) as store:
        user = _acting_user(store, args.as_email)
        school = _school_name(store, args.school)
        authorize(store, user, Action.EDIT_PLAN, school_id=args.school)
        what = f"The check-in from {source}"
        if rows.problems:
            raise InvalidInput(what, rows.problems)
        try:
            saved = actions.record_check_ins(store, user, args.school, rows.updates)
        except InvalidInput as bad:
            raise InvalidInput(what, rows.locate(bad.problems)) from None
    return f"Saved {saved} check-in{'' if saved == 1 else 's'} for {school}."


# Exemplars as the command line shows them, in this order.
_EXEMPLAR_COLUMNS = [
    "rank", "school_id", "school", "level", "network", "rating", "previous_rating",
    "why", "evidence", "cycle", "published_on", "review_age", "similarity", "distance",
    "enrollment", "pct_low_income", "pct_english_learners", "pct_disabilities",
    "principal", "principal_email", "strengths",
]  # fmt: skip


def _exemplars(args: argparse.Namespace, path: Path) -> str:
    today = args.today or date.today()
    with _opened(path) as store:
        user = _acting_user(store, args.as_email)
        school = _school_name(store, args.school)
        standard_id = exemplars.standard_id_of(store, args.standard)
        found = exemplars.find_exemplars(
            store, user, args.school, standard_id, today, limit=args.limit
        )
    table = found.table.assign(
        cycle=[cycle_label(year) for year in found.table["cycle_year"]]
    )
    table = _days(table[_EXEMPLAR_COLUMNS], ["published_on"])
    if args.format == "json":
        return output.to_json(
            {
                "school_id": args.school,
                "school": school,
                "standard": found.standard["code"],
                "as_of": today.isoformat(),
                "rules": found.rules,
                "exemplars": json.loads(output.to_json(table)),
                "explanation": found.explanation,
                "note": found.note,
            }
        )
    table = table.assign(strengths=[" | ".join(s) for s in table["strengths"]])
    words = found.explanation or found.note
    if args.format == "csv":  # the sheet alone on standard output
        if words:
            print(words, file=sys.stderr)
        return output.render(table, "csv")
    if table.empty:
        return found.explanation
    return "\n\n".join(filter(None, [output.to_table(_blanks(table)), found.note]))


_PRACTICE_COLUMNS = [
    "rank", "code", "standard", "statement", "score", "matched", "schools"
]  # fmt: skip
# A letter or digit: what a word to search for needs.
_WORD = re.compile(r"[A-Za-z0-9]")
# What the JSON of ``practices search`` tells of each school that wrote a strength.
_WRITTEN_BY = ("school_id", "school", "review_id", "cycle")


def _practices(args: argparse.Namespace, path: Path) -> str:
    with _opened(path) as store:
        user = _acting_user(store, args.as_email)
        standard_id = None
        if args.standard is not None:
            standard_id = exemplars.standard_id_of(store, args.standard)
        found = exemplars.search_practices(
            store, user, " ".join(args.words), standard_id=standard_id, limit=args.limit
        )
    found = found.assign(rank=range(1, len(found) + 1))[_PRACTICE_COLUMNS]
    if args.format == "json":
        schools = [
            [{key: school[key] for key in _WRITTEN_BY} for school in written]
            for written in found["schools"]
        ]
        return output.to_json(found.assign(schools=schools))
    found = found.assign(schools=[exemplars.where_written(s) for s in found["schools"]])
    return output.render(
        _blanks(found) if args.format == "table" else found, args.format
    )


def _compliance(args: argparse.Namespace, path: Path) -> str:
    today = args.today or date.today()
    with _opened(path) as store:
        user = _acting_user(store, args.as_email)
        found = compliance.compliance(
            store, user, args.month, today, network_id=args.network
        )
    summary = compliance.headline(found, args.month)
    schools = _days(found, ["last_check_in"])
    if args.format == "json":
        return output.to_json(
            {
                "month": f"{args.month:%Y-%m}",
                "as_of": today.isoformat(),
                "summary": summary,
                "by_network": _records(compliance.by_network(found), []),
                "schools": _records(schools, []),
            }
        )
    if args.format == "csv":
        return output.render(schools, "csv")
    return f"{output.to_table(_blanks(schools))}\n\n{summary}."


_CALENDAR_DATES = [
    "starts_on", "visit_starts_on", "visit_ends_on", "report_on", "completes_on",
    "published_on", "phase_ends_on",
]  # fmt: skip


def _calendar(args: argparse.Namespace, path: Path) -> str:
    today = args.today or date.today()
    with _opened(path) as store:
        user = _acting_user(store, args.as_email)
        due = review_calendar.due_years(store, user, args.year)
        if args.format == "json":
            reviews = review_calendar.cycle_reviews(store, user, args.year, today)
            parts = {
                "year": args.year,
                "cycle": cycle_label(args.year),
                "as_of": today.isoformat(),
                "rotation_years": review_calendar.rotation_years(store),
                "due": _records(due, []),
                "reviews": _records(reviews, _CALENDAR_DATES),
                "workload": _records(
                    review_calendar.workload(store, user, args.year), []
                ),
                "conflicts": _records(
                    review_calendar.conflicts(store, user, args.year), []
                ),
            }
    if args.format == "json":
        return output.to_json(parts)
    if args.format == "csv":
        return output.render(due, "csv")
    counts = due["status"].value_counts()
    line = "; ".join(
        f"{status}: {counts[status]}"
        for status in review_calendar.STATUSES
        if status in counts
    )
    return f"{output.to_table(_blanks(due))}\n\n{cycle_label(args.year)}: {line}."


_SUPPORT_COLUMNS = [
    "school_id", "school", "network", "level", "tier", "reason_count", "reasons"
]  # fmt: skip


def _needs_support(args: argparse.Namespace, path: Path) -> str:
    today = args.today or date.today()
    with _opened(path) as store:
        user = _acting_user(store, args.as_email)
        found = needs_support.needs_support(store, user, today, network_id=args.network)
        if args.network is not None and args.network not in set(store.networks()["id"]):
            raise NotFound(f"No network with id {args.network}.")
    schools = found.schools[_SUPPORT_COLUMNS]
    if args.format == "json":
        return output.to_json(
            {
                "as_of": today.isoformat(),
                "rules": found.rules,
                "schools": _records(schools, []),
                "tiers": _records(found.tiers, []),
            }
        )
    schools = schools.assign(reasons=[" | ".join(r) for r in schools["reasons"]])
    if args.format == "csv":
        return output.render(schools, "csv")
    total = found.tiers.set_index("network").loc["All networks"]
    line = "; ".join(f"{tier}: {total[tier]}" for tier in needs_support.TIERS)
    return f"{output.to_table(_blanks(schools))}\n\n{line} (as of {today:%-d %b %Y})."


def _calibration(args: argparse.Namespace, path: Path) -> str:
    with _opened(path) as store:
        user = _acting_user(store, args.as_email)
        found = calibration.calibration(store, user, args.cycle)
    scope = "all cycles" if args.cycle is None else cycle_label(args.cycle)
    if args.format == "json":
        return output.to_json(
            {
                "cycle_year": args.cycle,
                "cycle": scope,
                "rules": found.rules,
                "summary": found.summary,
                "reviewers": _records(found.reviewers, []),
                "standards": _records(found.standards, []),
                "cycles": _records(found.cycles, []),
                "reviewer_cycles": _records(found.reviewer_cycles, []),
                "standard_cycles": _records(found.standard_cycles, []),
                "flags": _records(found.flags, []),
            }
        )
    table = {
        "reviewer": found.reviewers,
        "standard": found.standards,
        "cycle": found.cycles,
    }[args.by]
    if args.format == "csv":
        return output.render(table, "csv")
    flags = found.flags
    if args.by != "cycle":
        flags = flags[flags["about"] == args.by]
    lines = [calibration.summary_line(found.summary, scope)]
    lines += [f"- {flag}" for flag in flags["flag"]]
    return "\n".join([output.to_table(_blanks(table.round(3))), "", *lines])


# What the evidence command tells of each standard, in this order.
_EVIDENCE_COLUMNS = [
    "code", "standard", "rating", "self_rating", "self_vs_team", "strength",
    "sources", "survey_warnings", "sentences",
]  # fmt: skip
_GAP_COLUMNS = [
    "cycle", "code", "standard", "self_rating", "team_rating", "word", "levels"
]  # fmt: skip
_BY_REVIEW_COLUMNS = [
    "cycle", "review_id", "standards", "mean_gap", "blind_spots",
    "hidden_strengths", "agreed",
]  # fmt: skip


def _evidence(args: argparse.Namespace, path: Path) -> str:
    with _opened(path) as store:
        user = _acting_user(store, args.as_email)
        school = _school_name(store, args.school)
        found = evidence.school_evidence(store, user, args.school, args.review)
    if found is None:
        raise NotFound(
            f"{school} has no published review yet; name a review with --review ID."
        )
    review = found.review
    standards = found.standards[_EVIDENCE_COLUMNS]
    published = review["published_on"]
    if args.format == "json":
        return output.to_json(
            {
                "school_id": args.school,
                "school": school,
                "review_id": review["id"],
                "cycle": cycle_label(review["cycle_year"]),
                "published_on": published.isoformat() if published else None,
                "summary": found.summary,
                "rules": found.rules,
                "standards": _records(
                    found.standards[[*_EVIDENCE_COLUMNS[:-2], "surveys",
                                     *_EVIDENCE_COLUMNS[-2:]]], []
                ),
            }
        )  # fmt: skip
    joined = standards.assign(
        sources=[", ".join(kinds) for kinds in standards["sources"]],
        survey_warnings=[" | ".join(w) for w in standards["survey_warnings"]],
        sentences=[" | ".join(s) for s in standards["sentences"]],
    )
    if args.format == "csv":
        return output.render(joined, "csv")
    shown = joined[["code", "rating", "self_vs_team", "strength", "sources"]]
    said = zip(standards["code"], standards["sentences"], strict=True)
    lines = [f"{code}: {'; '.join(sentences)}" for code, sentences in said]
    when = f"published {published:%-d %b %Y}" if published else "not published yet"
    return "\n".join(
        [
            f"{school}: the {cycle_label(review['cycle_year'])} review ({when})",
            "",
            output.to_table(_blanks(shown)),
            "",
            *lines,
            "",
            found.summary,
        ]
    )


def _selfgap(args: argparse.Namespace, path: Path) -> str:
    with _opened(path) as store:
        user = _acting_user(store, args.as_email)
        if args.school is None:
            district = evidence.district_self_gap(store, user)
        else:
            school = _school_name(store, args.school)
            gap = evidence.school_self_gap(store, user, args.school)
    if args.school is None:
        return _district_gap(district, args.format)
    gaps = gap.gaps[_GAP_COLUMNS]
    by_review = gap.by_review[_BY_REVIEW_COLUMNS].round({"mean_gap": 4})
    if args.format == "json":
        return output.to_json(
            {
                "school_id": args.school,
                "school": school,
                "rules": gap.rules,
                "gaps": _records(gaps, []),
                "by_review": _records(by_review, []),
                "trend": gap.trend,
                "sentence": gap.sentence,
            }
        )
    if args.format == "csv":
        return output.render(gaps, "csv")
    return "\n".join(
        [
            output.to_table(gaps),
            "",
            output.to_table(by_review.round({"mean_gap": 2})),
            "",
            gap.sentence,
        ]
    )


def _district_gap(found: evidence.DistrictSelfGap, fmt: str) -> str:
    """The district's (or a network's) self vs team per standard."""
    if fmt == "json":
        share = found.closer / found.schools if found.schools else None
        return output.to_json(
            {
                "rules": found.rules,
                "standards": _records(found.table, []),
                "schools_compared": found.schools,
                "closer": found.closer,
                "further_apart": found.further,
                "as_close": found.as_close,
                "closer_share": None if share is None else round(share, 4),
                "sentence": found.sentence,
            }
        )
    if fmt == "csv":
        return output.render(found.table, "csv")
    return f"{output.to_table(found.table.round(3))}\n\n{found.sentence}"


def _evidence_commands(
    commands: argparse._SubParsersAction, common: argparse.ArgumentParser
) -> None:
    """``evidence`` and ``selfgap``: what ratings rest on, and self vs team."""
    found = commands.add_parser(
        "evidence",
        parents=[common],
        help="show how strong the evidence behind each rating of a review is",
    )
    found.add_argument("--school", type=_positive, required=True, metavar="ID")
    found.add_argument(
        "--review", type=_positive, default=None, metavar="ID",
        help="the review (default: the school's latest published review)",
    )  # fmt: skip
    gap = commands.add_parser(
        "selfgap",
        parents=[common],
        help="compare self-reflection and team ratings, per standard or for a school",
    )
    gap.add_argument(
        "--school", type=_positive, default=None, metavar="ID",
        help="the school's gaps review by review (default: per standard, across "
        "the schools the user follows)",
    )  # fmt: skip
    for command in (found, gap):
        command.add_argument("--format", choices=output.FORMATS, default="table")
        command.add_argument(
            "--as", dest="as_email", default=None, metavar="EMAIL",
            help="the acting user (default: the first active central office user)",
        )  # fmt: skip


def _check_config(args: argparse.Namespace, path: Path) -> int:
    """0 and the all-clear, or 1 with each problem on standard error."""
    found = deployment.problems(args.config_dir, path)
    if not found:
        print(deployment.READY)
        return 0
    print(
        "sqr-tracker: the configuration is not ready for production:", file=sys.stderr
    )
    for problem in found:
        print(f"  - {problem}", file=sys.stderr)
    return 1


def _init(path: Path) -> str:
    version = district_data.new_district(path)
    return (
        f"Made an empty district in {path} (schema version {version}). Bring its "
        "data in with `sqr-tracker import`, the users first."
    )


def _template(args: argparse.Namespace) -> str:
    files = district_data.template_files(args.template_kind, args.out)
    for name, data in files.items():
        _write_new(name, data)
    return "Wrote " + " and ".join(str(name) for name in files)


def _import(args: argparse.Namespace, path: Path) -> str:
    with _opened(path) as store:
        user = None
        if args.as_email is not None:
            user = _acting_user(store, args.as_email)
        elif not district_data.bootstrap_allowed(store):
            raise SqrError(
                "Name the acting central office user with --as EMAIL (only a new "
                "district's first users file is imported without one)."
            )
        found = district_data.import_file(store, user, args.import_kind, args.file)
    return found.summary()


def _export(args: argparse.Namespace, path: Path) -> str:
    out: Path | None = args.out
    suffix = out.suffix.lower().lstrip(".") if out else ""
    fmt = args.format or (suffix if suffix in district_data.FORMATS else "csv")
    if out is not None and suffix in district_data.FORMATS and suffix != fmt:
        raise SqrError(f"{out} ends in .{suffix}, but --format is {fmt}.")
    if out is None and fmt == "xlsx":
        raise SqrError("An Excel export needs a file: give --out FILE.xlsx.")
    if out is not None and out.exists():
        raise SqrError(f"{out} already exists; choose another name or remove it.")
    with _opened(path) as store:
        user = _acting_user(store, args.as_email)
        frame = district_data.export_frame(store, user, args.kind)
    data = district_data.file_bytes(args.kind, frame, fmt)
    if out is None:
        return data.decode("utf-8").rstrip("\n")
    _write_new(out, data)
    return f"Wrote {out} ({len(frame):,} {args.kind} rows)"


def _write_new(path: Path, data: bytes) -> None:
    try:
        with path.open("xb") as file:
            file.write(data)
    except FileExistsError:
        raise SqrError(
            f"{path} already exists; choose another name or remove it."
        ) from None
    except OSError as error:
        raise SqrError(f"{path} could not be written: {error.strerror}.") from None


def _misused(args: argparse.Namespace) -> str | None:
    """Why options that parse do not make a command, if they do not."""
    words = " ".join(getattr(args, "words", []))
    if (
        args.command == "practices"
        and args.standard is None
        and not _WORD.search(words)
    ):
        return (
            "practices search needs words to search for, or --standard CODE to "
            "list that standard's newest strengths"
        )
    return None


def _read_text(name: str) -> tuple[str, str]:
    """The text of ``--file`` (``-``: standard input) and how to name it."""
    if name == "-":
        source = "standard input"
        stream = getattr(sys.stdin, "buffer", None)
        data = stream.read() if stream else sys.stdin.read().encode()
    else:
        source = name
        try:
            data = Path(name).read_bytes()
        except FileNotFoundError:
            raise SqrError(f"There is no file {name}.") from None
        except IsADirectoryError:
            raise SqrError(f"{name} is a folder, not a CSV file.") from None
        except OSError as error:
            raise SqrError(f"{name} could not be read: {error.strerror}.") from None
    try:
        return data.decode("utf-8-sig"), source
    except UnicodeDecodeError as error:
        raise SqrError(
            f"{source} is not UTF-8 text (byte {data[error.start]:#04x} at position "
            f"{error.start}); save it as CSV UTF-8 and try again."
        ) from None


def _days(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Dates as YYYY-MM-DD text (None when missing), the same in every format."""
    frame = frame.copy()
    for column in columns:
        stamps = pd.to_datetime(frame[column])
        frame[column] = [None if pd.isna(s) else s.date().isoformat() for s in stamps]
    return frame


def _blanks(frame: pd.DataFrame) -> pd.DataFrame:
    """Missing values as empty cells, for a text table."""
    return frame.astype(object).where(frame.notna(), "")


def _in_use(command: str, path: Path, error: DataFileInUse) -> str:
    """What to do when another program, usually the app, holds the data file."""
    held = re.search(r"\(PID (\d+)\)", str(error.__cause__ or ""))
    process = f"; process {held[1]}" if held else ""
    said = (
        f"the data file {path.resolve()} is open in another program (the app, or "
        f"another sqr-tracker command{process}), so `sqr-tracker {command}` cannot "
        "use it; nothing was changed."
    )
    if command == "backup":
        return (
            f"{said} To back up while the app runs, use the Back up now button on "
            "the app's District data page (central office); or stop the app "
            "first, then run the backup again."
        )
    return (
        f"{said} Stop the app first (or let the other command finish), then run "
        "the command again."
    )


def main(argv: list[str] | None = None) -> int:
    """Run one command; return the exit code (0 done, 1 refused, 2 misused)."""
    parser = _parser()
    args = parser.parse_args(argv)
    misused = _misused(args)
    if misused:
        parser.error(misused)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")
    path = data_file(args.db)
    try:
        if args.command == "demo":
            print(_demo(args, path))
        elif args.command == "check-config":
            return _check_config(args, path)
        elif args.command == "init":
            print(_init(path))
        elif args.command == "restore":
            print(_restore(args, path))
        elif args.command == "import" and args.import_kind == "template":
            print(_template(args))
        elif not path.exists():
            raise SqrError(
                f"There is no data file at {path}. Build the demo district with "
                "`sqr-tracker demo`, or give the file with --db."
            )
        elif args.command == "import":
            print(_import(args, path))
        elif args.command == "export":
            print(_export(args, path))
        elif args.command == "backup":
            print(_backup(args, path))
        elif args.command == "growth":
            print(_growth(args, path))
        elif args.command == "report":
            print(_report(args, path))
        elif args.command == "plan":
            print(_plan(args, path))
        elif args.command == "checkins":
            print(_check_ins(args, path))
        elif args.command == "exemplars":
            print(_exemplars(args, path))
        elif args.command == "practices":
            print(_practices(args, path))
        elif args.command == "compliance":
            print(_compliance(args, path))
        elif args.command == "calendar":
            print(_calendar(args, path))
        elif args.command == "needs-support":
            print(_needs_support(args, path))
        elif args.command == "calibration":
            print(_calibration(args, path))
        elif args.command == "evidence":
            print(_evidence(args, path))
        elif args.command == "selfgap":
            print(_selfgap(args, path))
        else:
            print(_listing(args, path))
    except InvalidInput as error:
        print(
            f"sqr-tracker: {error.what} was not saved; nothing was changed:",
            file=sys.stderr,
        )
        for where, problem in error.problems.items():
            print(f"  {where}: {problem}", file=sys.stderr)
        return 1
    except DataFileInUse as error:
        print(f"sqr-tracker: {_in_use(args.command, path, error)}", file=sys.stderr)
        return 1
    except SqrError as error:
        print(f"sqr-tracker: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
