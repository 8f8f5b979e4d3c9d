"""The plan and check-in commands, and the CSV import behind ``checkins add``.

Figures are worked out by hand from the small district in conftest.py: school 1
has one open goal (no measure, baseline 50, target 80), one milestone due
2026-01-31 and never met, one action step due 2026-06-01 still in progress, and
one check-in of that step on 2026-11-05.
"""

from __future__ import annotations

import io
import json
import sys

import pytest
from conftest import small_district

from sqr_tracker import imports
from sqr_tracker.cli import main
from sqr_tracker.store import Store

HEADER = "kind,id,status,note,measure_value,version\n"
GOAL_1 = {
    "id": 1,
    "standard_code": "S1",
    "statement": "Every lesson checks for understanding",
    "measure": None,
    "baseline": 50.0,
    "latest_value": None,
    "target": 80.0,
    "target_date": None,
    "focus": False,
    "status": "open",
    "health": "off track",
    "reasons": "1 milestone missed; 1 action step overdue",
}
STEP_1_DUE = {
    "kind": "action step",
    "id": 1,
    "version": 1,
    "goal": "Every lesson checks for understanding",
    "item": "Exit-ticket training for all teachers",
    "owner": "Assistant principal",
    "due_on": "2026-06-01",
    "status": "in progress",
    "measure": None,
    "latest_value": None,
    "last_check_in": "2026-11-05",
    "done": False,
    "overdue": True,
}


@pytest.fixture
def db(store) -> str:
    return str(store.path)


def run(capsys, *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def on_school_1(
    capsys, db: str, *command: str, today: str, fmt: str, email: str | None = None
):
    """A reading command about school 1 on a given day, in a given format."""
    acting = ["--as", email] if email else []
    return run(capsys, *command, "--db", db, "--school", "1", "--today", today,
               "--format", fmt, *acting)  # fmt: skip


def add_from(capsys, db: str, path: str, email: str = "team.a@test.sqr"):
    """`checkins add` of school 1 from a file, as the site team member."""
    return run(
        capsys,
        "checkins",
        "add",
        "--db",
        db,
        "--school",
        "1",
        "--file",
        path,
        "--as",
        email,
    )


def write_csv(tmp_path, text: str, name: str = "updates.csv") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


# -- plan ----------------------------------------------------------------------------


def test_plan_as_json_gives_each_goal_and_the_schools_health(db, capsys):
    code, out, _ = on_school_1(capsys, db, "plan", today="2026-12-03", fmt="json")
    assert code == 0
    assert json.loads(out) == {
        "school_id": 1,
        "school": "Alder Elementary",
        "as_of": "2026-12-03",
        "health": "off track",
        "goals": [GOAL_1],
        "milestones": [
            {
                "id": 1,
                "goal_id": 1,
                "description": "Half of classrooms observed use exit tickets",
                "due_on": "2026-01-31",
                "met_on": None,
                "status": "open",
            },
        ],
        "action_steps": [
            {
                "id": 1,
                "goal_id": 1,
                "description": "Exit-ticket training for all teachers",
                "owner": "Assistant principal",
                "starts_on": "2025-09-01",
                "due_on": "2026-06-01",
                "status": "in progress",
            },
        ],
    }


def test_plan_health_depends_on_the_day(db, capsys):
    """Seventeen days later the last check-in is 45 days old (more than 31)."""
    code, out, _ = on_school_1(capsys, db, "plan", today="2026-12-20", fmt="json")
    assert code == 0
    assert json.loads(out)["goals"][0]["reasons"] == (
        "1 milestone missed; 1 action step overdue; no check-in since 5 Nov 2026"
    )


def test_plan_as_a_table_ends_with_the_schools_health(db, capsys):
    code, out, _ = run(
        capsys, "plan", "--db", db, "--school", "1", "--today", "2026-12-03"
    )
    assert code == 0
    header, row, blank, last = out.splitlines()
    assert header.split() == [
        "id",
        "standard_code",
        "statement",
        "measure",
        "baseline",
        "latest_value",
        "target",
        "target_date",
        "focus",
        "status",
        "health",
        "reasons",
    ]
    assert "NaN" not in row and "None" not in row and "NaT" not in row
    assert row.rstrip().endswith("off track 1 milestone missed; 1 action step overdue")
    assert blank == ""
    assert last == "The plan of Alder Elementary is off track (as of 3 Dec 2026)."


def test_plan_as_csv_has_one_row_per_goal(db, capsys):
    code, out, _ = on_school_1(capsys, db, "plan", today="2026-12-03", fmt="csv")
    assert code == 0
    assert out.splitlines() == [
        ",".join(GOAL_1),
        "1,S1,Every lesson checks for understanding,,50.0,,80.0,,False,open,"
        "off track,1 milestone missed; 1 action step overdue",
    ]


def test_plan_reads_as_the_user_named_and_is_refused_outside_their_scope(db, capsys):
    code, out, _ = on_school_1(
        capsys, db, "plan", today="2026-12-03", fmt="json", email="PRINCIPAL.A@test.sqr"
    )
    assert code == 0 and json.loads(out)["health"] == "off track"
    code, out, err = run(
        capsys, "plan", "--db", db, "--school", "1", "--as", "principal.b@test.sqr"
    )
    assert (code, out) == (1, "")
    assert err == (
        "sqr-tracker: A principal can see a school's plan and review only for "
        "their own school.\n"
    )


def test_an_unknown_acting_user_is_refused(db, capsys):
    for argv in (
        ["plan", "--school", "1"],
        ["checkins", "due", "--school", "1"],
    ):
        code, _, err = run(capsys, *argv, "--db", db, "--as", "nobody@test.sqr")
        assert code == 1
        assert err == (
            f"sqr-tracker: No user has the email 'nobody@test.sqr' in {db}.\n"
        )


def test_without_an_active_central_office_user_a_read_needs_as(store, db, capsys):
    store.rows("UPDATE users SET active = false WHERE role = 'central_office'")
    code, _, err = run(capsys, "plan", "--db", db, "--school", "1")
    assert code == 1
    assert "has no active central office user to read as" in err
    assert "--as EMAIL" in err


def test_an_unknown_school_is_named(db, capsys):
    code, _, err = run(capsys, "plan", "--db", db, "--school", "9")
    assert (code, err) == (1, "sqr-tracker: No school with id 9.\n")


# -- checkins due --------------------------------------------------------------------


def test_checkins_due_lists_the_overdue_step_not_yet_updated_this_month(db, capsys):
    code, out, _ = on_school_1(
        capsys, db, "checkins", "due", today="2026-12-03", fmt="json"
    )
    assert code == 0
    assert json.loads(out) == [STEP_1_DUE]


def test_checkins_due_marks_a_step_checked_in_this_month_done(db, capsys):
    code, out, _ = run(
        capsys,
        "checkins",
        "--db",
        db,
        "due",
        "--school",
        "1",
        "--today",
        "2026-11-20",
        "--format",
        "csv",
    )
    assert code == 0
    assert out.splitlines() == [
        ",".join([*STEP_1_DUE, "note", "measure_value"]),
        "action step,1,1,Every lesson checks for understanding,"
        "Exit-ticket training for all teachers,Assistant principal,2026-06-01,"
        "in progress,,,2026-11-05,True,True,,",
    ]


# -- checkins add --------------------------------------------------------------------


def check_in_count(store: Store) -> int:
    return len(store.check_ins_of(1))


def test_checkins_add_saves_every_row_with_its_history(store, db, tmp_path, capsys):
    history_before = len(store.school_history(1))
    path = write_csv(
        tmp_path,
        HEADER
        + "action step,1,done,Everyone trained,,1\n"
        + "goal,1,in progress,=SUM(A1),,\n",
    )
    code, out, err = add_from(capsys, db, path)
    assert (code, err) == (0, "")
    assert out == "Saved 2 check-ins for Alder Elementary.\n"
    saved = store.check_ins_of(1)
    assert len(saved) == 3
    new = saved[saved["id"] > 1].sort_values("id")
    assert new["action_step_id"].tolist()[0] == 1
    assert new["goal_id"].tolist()[1] == 1
    assert new["status"].tolist() == ["done", "in progress"]
    assert new["note"].tolist() == ["Everyone trained", "=SUM(A1)"]
    assert new["written_by"].tolist() == ["Tomas Team", "Tomas Team"]
    step = store.plan_steps(1).iloc[0]
    assert (step["status"], step["version"]) == ("done", 2)
    history = store.school_history(1).iloc[history_before:]
    assert sorted(history["action"]) == ["check in", "check in", "edit action step"]
    assert store.is_open(store.path), "the CLI leaves the caller's store open"


def test_checkins_add_reads_standard_input(store, db, monkeypatch, capsys):
    data = (HEADER + "goal,1,in progress,From a pipe,,\n").encode()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    code, out, _ = run(
        capsys,
        "checkins",
        "add",
        "--db",
        db,
        "--school",
        "1",
        "--file",
        "-",
        "--as",
        "principal.a@test.sqr",
    )
    assert code == 0
    assert out == "Saved 1 check-in for Alder Elementary.\n"
    assert store.check_ins_of(1)["note"].iloc[0] == "From a pipe"


def test_one_bad_row_saves_nothing_and_every_problem_is_named(
    store, db, tmp_path, capsys
):
    history_before = len(store.school_history(1))
    path = write_csv(
        tmp_path,
        HEADER
        + "action step,1,done,fine,,1\n"
        + 'goal,1,in progress,"two\nlines",abc,\n'
        + "task,1,done,,,\n"
        + "\n"
        + "goal,x,finished,,,\n"
        + "goal,7,done,,,\n",
        "bad.csv",
    )
    code, out, err = add_from(capsys, db, path)
    assert (code, out) == (1, "")
    assert err.splitlines() == [
        f"sqr-tracker: The check-in from {path} was not saved; nothing was changed:",
        f"  row 2 (line 3 of {path}), measure_value: 'abc' is not a number",
        f"  row 3 (line 5 of {path}), kind: 'task' is not 'action step' or 'goal'",
        f"  row 5 (line 7 of {path}), id: 'x' is not a whole number",
        f"  row 5 (line 7 of {path}), status: Input should be 'not started', "
        "'in progress', 'done' or 'blocked'",
    ]
    assert check_in_count(store) == 1
    assert len(store.school_history(1)) == history_before
    assert store.plan_steps(1)["status"].tolist() == ["in progress"]


def test_rows_the_plan_refuses_are_named_together(store, db, tmp_path, capsys):
    text = (
        HEADER
        + "action step,1,done,,,\n"
        + "goal,1,in progress,,62,\n"
        + "action step,7,done,,,1\n"
        + "goal,1,finished,,,\n"
    )
    path = write_csv(tmp_path, text)
    code, _, err = add_from(capsys, db, path)
    assert code == 1
    problems = err.splitlines()[1:]
    assert problems == [
        f"  row 4 (line 5 of {path}), status: Input should be 'not started', "
        "'in progress', 'done' or 'blocked'",
    ], "the rows' own problems first"
    path = write_csv(tmp_path, text.removesuffix("goal,1,finished,,,\n"))
    code, _, err = add_from(capsys, db, path)
    assert code == 1
    assert err.splitlines()[1:] == [
        f"  row 1 (line 2 of {path}), version: action step 1 would change from "
        "'in progress' to 'done': give the version you saw",
        f"  row 2 (line 3 of {path}), measure_value: goal 1 has no measure; "
        "leave the value empty",
        f"  row 3 (line 4 of {path}), id: there is no action step 7",
    ]
    assert check_in_count(store) == 1


def test_a_stale_version_rolls_the_whole_check_in_back(store, db, tmp_path, capsys):
    path = write_csv(
        tmp_path,
        HEADER + "goal,1,in progress,first row,,\n" + "action step,1,done,,,9\n",
    )
    code, _, err = add_from(capsys, db, path)
    assert code == 1
    assert "This action step was changed by" in err
    assert check_in_count(store) == 1
    assert store.plan_steps(1)["version"].tolist() == [1]


def test_checkins_add_needs_an_author_who_may_change_the_plan(db, tmp_path, capsys):
    path = write_csv(tmp_path, HEADER + "goal,1,in progress,,,\n")
    argv = ["checkins", "add", "--db", db, "--school", "1", "--file", path]
    with pytest.raises(SystemExit) as stop:
        main(argv)
    assert stop.value.code == 2
    assert "the following arguments are required: --as" in capsys.readouterr().err
    code, _, err = run(capsys, *argv, "--as", "office@test.sqr")
    assert (code, err) == (
        1,
        "sqr-tracker: A central office cannot change a school's plan.\n",
    )
    code, _, err = run(capsys, *argv, "--as", "nobody@test.sqr")
    assert code == 1 and "No user has the email 'nobody@test.sqr'" in err


def test_a_file_that_is_missing_or_not_utf8_is_refused(store, db, tmp_path, capsys):
    argv = ["checkins", "add", "--db", db, "--school", "1", "--as", "team.a@test.sqr"]
    missing = str(tmp_path / "none.csv")
    code, _, err = run(capsys, *argv, "--file", missing)
    assert (code, err) == (1, f"sqr-tracker: There is no file {missing}.\n")
    latin = tmp_path / "latin.csv"
    latin.write_bytes((HEADER + "goal,1,done,Caf\xe9,,\n").encode("latin-1"))
    code, _, err = run(capsys, *argv, "--file", str(latin))
    assert code == 1
    assert err == (
        f"sqr-tracker: {latin} is not UTF-8 text (byte 0xe9 at position 57); "
        "save it as CSV UTF-8 and try again.\n"
    )
    code, _, err = run(capsys, *argv, "--file", str(tmp_path))
    assert (code, err) == (1, f"sqr-tracker: {tmp_path} is a folder, not a CSV file.\n")
    assert check_in_count(store) == 1


def test_the_cli_closes_a_store_it_opened_itself(tmp_path, capsys):
    path = tmp_path / "own.duckdb"
    own = Store.open(path)
    own.bulk_load(small_district(), {"is_demo": "false"})
    own.close()
    code, _, _ = run(capsys, "checkins", "due", "--db", str(path), "--school", "1")
    assert code == 0
    assert not Store.is_open(path)


# -- the CSV import ------------------------------------------------------------------


def test_a_csv_becomes_updates_for_record_check_ins():
    text = (
        "\ufeffKind, ID ,Status,Note,Measure_Value,Version\r\n"
        'Action  Step,1,In Progress,"=SUM(A1)",,3\r\n'
        ",,,,,\r\n"
        'goal,2,done,"a note\r\nover two lines",-2.5e1,\r\n'
        "goal,3,blocked,,+4,\r\n"
    )
    updates, problems = imports.check_ins_from_csv(text, "F.csv")
    assert problems == {}
    assert updates == [
        {
            "action_step_id": 1,
            "status": "in progress",
            "note": "=SUM(A1)",
            "version": 3,
        },
        {
            "goal_id": 2,
            "status": "done",
            "note": "a note\r\nover two lines",
            "measure_value": -25.0,
        },
        {"goal_id": 3, "status": "blocked", "measure_value": 4.0},
    ]
    rows = imports.read_check_ins(text, "F.csv")
    assert rows.labels == [
        "row 1 (line 2 of F.csv)",
        "row 3 (line 4 of F.csv)",
        "row 4 (line 6 of F.csv)",
    ]
    assert rows.locate({"row 2, status": "bad", "row 3": "gone", "F.csv": "x"}) == {
        "row 3 (line 4 of F.csv), status": "bad",
        "row 4 (line 6 of F.csv)": "gone",
        "F.csv": "x",
    }


@pytest.mark.parametrize(
    ("text", "problems"),
    [
        (
            "",
            {
                "F.csv": "the file is empty; its first line names the columns: "
                "kind, id, status, note, measure_value, version"
            },
        ),
        (HEADER, {"F.csv": "it has a header but no check-ins below it"}),
        (
            "kind,id,status,colour,note,note\n",
            {
                "line 1 of F.csv, column 'colour'": "is not a check-in column (the "
                "columns are: kind, id, status, note, measure_value, version)",
                "line 1 of F.csv, column 'note'": "appears more than once",
            },
        ),
        (
            HEADER + "goal,1,done,,nan,\naction step,-1,done,,,v2\ngoal,,,,1,5,extra\n",
            {
                "row 1 (line 2 of F.csv), measure_value": "'nan' is not a number",
                "row 2 (line 3 of F.csv), id": "'-1' is not a whole number",
                "row 2 (line 3 of F.csv), version": "'v2' is not a whole number",
                "row 3 (line 4 of F.csv), column 7": "'extra' is under no named column",
                "row 3 (line 4 of F.csv), id": "is empty",
                "row 3 (line 4 of F.csv), status": "is empty; write one of: "
                "not started, in progress, done, blocked",
            },
        ),
        (
            HEADER + "goal,1,done,,1\ngoal,1,done,,\naction step,2,done,,3,\n"
            "goal,2,done,,\u0661,\n",
            {
                "row 2 (line 3 of F.csv), id": "goal 1 is also on row 1 (line 2 of "
                "F.csv); give one check-in per item",
                "row 3 (line 4 of F.csv), measure_value": "an action step has no "
                "measure (goals do); leave it empty",
                "row 4 (line 5 of F.csv), measure_value": "'\u0661' is not a number",
            },
        ),
        (
            HEADER + "goal,1,done," + "x" * 2001 + ",,\n",
            {
                "row 1 (line 2 of F.csv), note": "String should have at most 2000 "
                "characters"
            },
        ),
    ],
    ids=["empty", "header only", "bad header", "bad cells", "duplicates", "long"],
)
def test_malformed_csv_is_refused_row_by_row(text, problems):
    assert imports.check_ins_from_csv(text, "F.csv") == ([], problems)


def test_the_due_sheet_filled_in_is_accepted_as_it_is(store, db, tmp_path, capsys):
    code, sheet, _ = on_school_1(
        capsys,
        db,
        "checkins",
        "due",
        today="2026-12-03",
        fmt="csv",
        email="team.a@test.sqr",
    )
    assert code == 0
    header, *rows = sheet.splitlines()
    assert header.endswith(",note,measure_value")
    filled = [header] + [
        row.removesuffix(",,") + ",Reviewed in December," for row in rows
    ]
    path = write_csv(tmp_path, "\n".join(filled) + "\n")
    before = check_in_count(store)
    code, out, err = add_from(capsys, db, path)
    assert (code, err) == (0, "")
    plural = "s" if len(rows) > 1 else ""
    assert out.strip() == f"Saved {len(rows)} check-in{plural} for Alder Elementary."
    assert check_in_count(store) == before + len(rows)
