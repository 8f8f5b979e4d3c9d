"""``sqr-tracker calibration``, run as users run it, on the hand-built district
of test_calibration.py: every format says what ``calibration`` answers."""

from __future__ import annotations

import csv
import io
import json

import pytest
from test_calibration import ANN, ANN_KAPPA, BEN, district

from sqr_tracker import calibration
from sqr_tracker.calibration import TOO_FEW
from sqr_tracker.cli import main
from sqr_tracker.store import Store

FLAG_BEN = (
    "Ben Birch: exact agreement 33% is below the district's 60% (6 ratings "
    "compared; harsher by 0.7 levels on average)."
)
SUMMARY_LINE = (
    "18 ratings compared from 4 reviewers in all cycles: exact agreement 56%, "
    "within one level 89%, weighted kappa 0.50; 10 pairs of reviewers, 30% at "
    "the same level."
)


@pytest.fixture
def db(tmp_path) -> str:
    opened = Store.open(tmp_path / "calibration.duckdb")
    opened.bulk_load(district(), {"is_demo": "false"})
    yield str(opened.path)
    opened.close()


def run(capsys, *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def calibrate(capsys, db: str, *more: str) -> tuple[int, str, str]:
    return run(capsys, "calibration", "--db", db, *more)


def domain(db: str, cycle_year: int | None = None) -> calibration.Calibration:
    store = Store.open(db)
    return calibration.calibration(
        store, store.user_by_email("office@c.sqr"), cycle_year
    )


def same_records(answer: list[dict], frame) -> bool:
    """Whether JSON rows carry the table: the same keys and values, NaN as
    None, figures to the 10 decimals JSON keeps."""
    expected = frame.to_dict("records")
    if [list(row) for row in answer] != [list(row) for row in expected]:
        return False
    return all(
        (got is None and want != want) or got == pytest.approx(want, abs=1e-9)
        for row, wanted in zip(answer, expected, strict=True)
        for got, want in zip(row.values(), wanted.values(), strict=True)
    )


def test_json_carries_every_table_the_flags_and_the_rules(db, capsys):
    code, out, err = calibrate(capsys, db, "--format", "json")
    assert (code, err) == (0, "")
    answer = json.loads(out)
    assert list(answer) == [
        "cycle_year", "cycle", "rules", "summary", "reviewers", "standards",
        "cycles", "reviewer_cycles", "standard_cycles", "flags",
    ]  # fmt: skip
    found = domain(db)
    assert (answer["cycle_year"], answer["cycle"]) == (None, "all cycles")
    assert answer["rules"] == found.rules
    assert answer["summary"] == found.summary
    for name in ("reviewers", "standards", "cycles", "reviewer_cycles",
                 "standard_cycles", "flags"):  # fmt: skip
        assert same_records(answer[name], getattr(found, name)), name
    assert answer["flags"][0] == {"about": "reviewer", "flag": FLAG_BEN}
    ann = answer["reviewers"][0]
    assert ann["reviewer"] == "Ann Ash"
    assert ann["kappa"] == pytest.approx(ANN_KAPPA, abs=1e-9)
    assert answer["reviewers"][2]["kappa"] is None  # Cal: undefined


def test_csv_is_one_table_by_reviewer_unless_told(db, capsys):
    code, out, err = calibrate(capsys, db, "--format", "csv")
    assert (code, err) == (0, "")
    read = list(csv.DictReader(io.StringIO(out)))
    assert list(read[0]) == calibration.REVIEWER_COLUMNS
    assert [r["reviewer"] for r in read] == ["Ann Ash", "Ben Birch", "Cal Cole",
                                             "Dee Dunn"]  # fmt: skip
    assert read[1]["reviewer_id"] == str(BEN)
    assert read[1]["flag"] == "exact agreement below 60%"
    assert read[2]["kappa"] == ""
    assert read[3]["flag"] == TOO_FEW
    assert read[3]["lean_words"] == "harsher by 2.0 levels on average"


@pytest.mark.parametrize(
    ("by", "columns", "first"),
    [("standard", calibration.STANDARD_COLUMNS, "S1"),
     ("cycle", calibration.CYCLE_COLUMNS, "2023")],
)  # fmt: skip
def test_csv_by_standard_and_by_cycle(db, capsys, by, columns, first):
    code, out, _ = calibrate(capsys, db, "--by", by, "--format", "csv")
    assert code == 0
    read = list(csv.DictReader(io.StringIO(out)))
    assert list(read[0]) == columns
    assert read[0][columns[0]] == first
    assert len(read) == 2


def test_the_table_ends_with_the_summary_and_the_flags(db, capsys):
    code, out, err = calibrate(capsys, db)
    assert (code, err) == (0, "")
    lines = out.rstrip("\n").splitlines()
    assert lines[0].split() == calibration.REVIEWER_COLUMNS
    assert lines[1].split()[:5] == [str(ANN), "Ann", "Ash", "5", "0.6"]
    assert lines[5:] == ["", SUMMARY_LINE, f"- {FLAG_BEN}"]
    code, out, _ = calibrate(capsys, db, "--by", "standard")
    assert out.rstrip("\n").splitlines()[-3:] == [
        SUMMARY_LINE,
        "- S1 Quality learning: exact agreement 50% is below the district's 60% "
        "(10 ratings compared; harsher by 0.2 levels on average).",
        "- S2 Safe schools: weighted kappa 0.31 is below the district's 0.4 (8 "
        "ratings compared; harsher by 0.5 levels on average).",
    ]


def test_a_cycle_narrows_the_answer(db, capsys):
    code, out, _ = calibrate(capsys, db, "--cycle", "2024", "--format", "json")
    assert code == 0
    answer = json.loads(out)
    assert (answer["cycle_year"], answer["cycle"]) == (2024, "2024–25")
    assert same_records(answer["reviewers"], domain(db, 2024).reviewers)
    assert [r["n"] for r in answer["reviewers"]] == [1, 2, 5, 2]
    assert answer["flags"] == [
        {
            "about": "standard",
            # 2024's six on S1: (4,3) (2,3) (3,3) (3,3) (3,3) (1,3); the
            # consensus is always 3, so chance expects what was observed
            "flag": "S1 Quality learning: exact agreement 50% is below the "
            "district's 60% and weighted kappa 0.00 is below the district's 0.4 "
            "(6 ratings compared; harsher by 0.3 levels on average).",
        }
    ]
    code, out, _ = calibrate(capsys, db, "--cycle", "2030")
    assert code == 0
    assert out.rstrip("\n").splitlines()[-1] == (
        "No published review in 2030–31 holds a reviewer's rating."
    )


def test_others_than_the_central_office_are_refused(db, capsys):
    code, out, err = calibrate(capsys, db, "--as", "lead@c.sqr")
    assert (code, out) == (1, "")
    assert err == (
        "sqr-tracker: A network lead cannot see reviewer calibration: it compares "
        "reviewers across every review, which is for the central office.\n"
    )
    code, _, err = calibrate(capsys, db, "--as", "dee@c.sqr", "--format", "json")
    assert code == 1
    assert err.startswith("sqr-tracker: A reviewer cannot see reviewer calibration")


@pytest.mark.parametrize(
    ("option", "message"),
    [(("--by", "school"), "invalid choice: 'school'"),
     (("--cycle", "24"), "'24' is not a cycle year YYYY")],
)  # fmt: skip
def test_a_mistyped_option_is_a_misused_command(db, capsys, option, message):
    with pytest.raises(SystemExit) as misused:
        main(["calibration", "--db", db, *option])
    assert misused.value.code == 2
    assert message in capsys.readouterr().err
