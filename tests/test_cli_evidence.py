"""The evidence and selfgap commands, run as users run them, on the hand-built
district of test_evidence.py (see its docstring for the figures) and on a demo
district."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest
from test_evidence import ALDER, BIRCH, DOGWOOD, evidence_district

from sqr_tracker import evidence
from sqr_tracker.cli import main
from sqr_tracker.demo import build_demo_file
from sqr_tracker.store import Store

EVIDENCE_HEADER = (
    "code,standard,rating,self_rating,self_vs_team,strength,sources,"
    "survey_warnings,sentences"
)
DISTRICT_HEADER = (
    "code,standard,reviews,blind_spots,hidden_strengths,agreed,differ_share,"
    "self_higher_share,mean_gap"
)
GAP_HEADER = "cycle,code,standard,self_rating,team_rating,word,levels"


@pytest.fixture
def db(tmp_path) -> str:
    opened = Store.open(tmp_path / "evidence.duckdb")
    opened.bulk_load(evidence_district(), {"is_demo": "false"})
    yield str(opened.path)
    opened.close()


def run(capsys, *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def evidence_of(capsys, db: str, school: int, *more: str):
    return run(capsys, "evidence", "--db", db, "--school", str(school), *more)


def selfgap(capsys, db: str, *more: str):
    return run(capsys, "selfgap", "--db", db, *more)


# -- evidence ----------------------------------------------------------------------


def test_evidence_as_json_tells_each_standard_of_the_latest_review(capsys, db):
    code, out, err = evidence_of(capsys, db, ALDER, "--as", "ada@x.sqr",
                                 "--format", "json")  # fmt: skip
    assert (code, err) == (0, "")
    found = json.loads(out)
    assert {key: found[key] for key in ("review_id", "cycle", "published_on")} == {
        "review_id": 2,
        "cycle": "2024–25",
        "published_on": "2025-03-01",
    }
    assert found["standards"][0] == {
        "code": "S1",
        "standard": "Quality learning experiences",
        "rating": "Developing",
        "self_rating": "Proficient",
        "self_vs_team": "blind spot, 1 level",
        "strength": "moderate",
        "sources": ["interview", "observation", "survey"],
        "surveys": [
            {"group": "families", "respondents": 96, "invited": 400, "rate": 0.24,
             "warning": "limited"}
        ],
        "survey_warnings": ["limited: 24% of families answered (96 of 400)"],
        "sentences": [
            "3 kinds of evidence: interview, observation, survey",
            "4 interviews with students, staff",
            "classrooms observed: 12 of 30 (40%)",
            "limited: 24% of families answered (96 of 400)",
        ],
    }  # fmt: skip
    assert [s["strength"] for s in found["standards"]] == [
        "moderate", "strong", "thin", "none"
    ]  # fmt: skip
    assert found["standards"][3]["rating"] is None
    assert found["summary"].startswith("In the 2024–25 review the evidence is strong")
    assert len(found["rules"]) == 4


def test_evidence_as_csv_joins_lists_and_as_a_table_ends_with_the_summary(capsys, db):
    code, out, _ = evidence_of(capsys, db, ALDER, "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and out.splitlines()[0] == EVIDENCE_HEADER
    assert rows[2]["sentences"] == (
        "1 kind of evidence: interview | 4 interviews with families"
    )
    assert rows[0]["sources"] == "interview, observation, survey"
    code, out, _ = evidence_of(capsys, db, ALDER)
    lines = out.splitlines()
    assert lines[0] == "Alder Elementary: the 2024–25 review (published 1 Mar 2025)"
    assert "S3: 1 kind of evidence: interview; 4 interviews with families" in lines
    assert lines[-1] == (
        "In the 2024–25 review the evidence is strong for less than half of the 3 "
        "standards rated (1 of 3); moderate for 1 and thin for 1."
    )


def test_evidence_of_an_older_review_names_a_survey_that_invited_nobody(capsys, db):
    code, out, _ = evidence_of(capsys, db, ALDER, "--review", "1", "--format", "json")
    assert code == 0
    first = json.loads(out)["standards"][0]
    assert first["sentences"][-1] == (
        "no response rate: the survey of staff invited nobody"
    )
    assert first["surveys"][0]["rate"] is None


def test_an_unpublished_review_is_read_by_its_team_and_refused_to_others(capsys, db):
    code, out, _ = evidence_of(capsys, db, ALDER, "--review", "3", "--as",
                               "rae@x.sqr", "--format", "json")  # fmt: skip
    assert code == 0 and json.loads(out)["published_on"] is None
    code, out, err = evidence_of(capsys, db, ALDER, "--review", "3", "--as",
                                 "ada@x.sqr")  # fmt: skip
    assert (code, out) == (1, "")
    assert err == (
        "sqr-tracker: The report of review 3 is not published yet: until then only "
        "its lead reviewer, the central office and reviewers who have submitted "
        "their ratings read its evidence.\n"
    )


def test_evidence_of_another_school_is_refused(capsys, db):
    code, out, err = evidence_of(capsys, db, BIRCH, "--as", "ada@x.sqr")
    assert (code, out) == (1, "")
    assert err == (
        "sqr-tracker: A principal can see a school's plan and review only for "
        "their own school.\n"
    )
    code, _, err = evidence_of(capsys, db, ALDER, "--review", "4")
    assert (code, err) == (1, "sqr-tracker: Review 4 is not a review of school 1.\n")


def test_evidence_of_a_school_with_nothing_published_says_so(capsys, db):
    store = Store.open(db)
    store.rows("UPDATE reviews SET published_on = NULL WHERE school_id = 4")
    code, _, err = evidence_of(capsys, db, DOGWOOD)
    assert (code, err) == (
        1,
        "sqr-tracker: Dogwood Elementary has no published review yet; name a "
        "review with --review ID.\n",
    )


# -- selfgap -----------------------------------------------------------------------


def test_selfgap_without_a_school_is_the_district_view_per_standard(capsys, db):
    code, out, err = selfgap(capsys, db, "--format", "json")
    assert (code, err) == (0, "")
    found = json.loads(out)
    counts = [
        [row[key] for key in ("code", "reviews", "blind_spots", "hidden_strengths",
                              "agreed")]
        for row in found["standards"]
    ]  # fmt: skip
    assert counts == [
        ["S1", 7, 4, 1, 2],
        ["S1.1", 1, 1, 0, 0],
        ["S2", 5, 1, 1, 3],
        ["S3", 3, 0, 3, 0],
        ["S4", 1, 0, 0, 1],
    ]
    assert {key: found[key] for key in ("schools_compared", "closer",
                                        "further_apart", "as_close",
                                        "closer_share")} == {
        "schools_compared": 3, "closer": 1, "further_apart": 1, "as_close": 1,
        "closer_share": 0.3333,
    }  # fmt: skip
    assert found["sentence"] == evidence.narrowing_sentence(3, 1, 1, 1)
    code, out, _ = selfgap(capsys, db, "--format", "csv")
    assert out.splitlines()[0] == DISTRICT_HEADER and len(out.splitlines()) == 6
    code, out, _ = selfgap(capsys, db, "--as", "nia@x.sqr")
    assert out.splitlines()[-1] == (
        "Half of the 2 schools with two reviews to compare came closer to the "
        "team's view between them (1 of 2, 50%); 0 drifted further apart and 1 "
        "stayed as close."
    )


def test_the_district_view_is_refused_to_a_principal(capsys, db):
    code, out, err = selfgap(capsys, db, "--as", "ada@x.sqr")
    assert (code, out) == (1, "")
    assert err == (
        "sqr-tracker: A principal cannot compare self-reflections across schools: "
        "that is for the central office and network leads.\n"
    )


def test_selfgap_for_a_school_gives_each_reviews_gaps_and_the_sentence(capsys, db):
    code, out, err = selfgap(capsys, db, "--school", str(ALDER), "--as",
                             "ada@x.sqr", "--format", "json")  # fmt: skip
    assert (code, err) == (0, "")
    found = json.loads(out)
    assert found["gaps"][0] == {
        "cycle": "2021–22", "code": "S1", "standard": "Quality learning experiences",
        "self_rating": "Proficient", "team_rating": "Emerging", "word": "blind spot",
        "levels": 2,
    }  # fmt: skip
    assert [(r["cycle"], r["mean_gap"]) for r in found["by_review"]] == [
        ("2021–22", 1.0),
        ("2024–25", 0.6667),
    ]
    assert found["trend"] == "closer"
    assert found["sentence"].startswith("Closer than in 2021–22: ")
    code, out, _ = selfgap(capsys, db, "--school", str(ALDER), "--format", "csv")
    assert out.splitlines()[0] == GAP_HEADER and len(out.splitlines()) == 7
    code, out, _ = selfgap(capsys, db, "--school", str(ALDER))
    assert out.splitlines()[-1] == found["sentence"]


def test_selfgap_for_another_school_is_refused(capsys, db):
    code, _, err = selfgap(capsys, db, "--school", str(BIRCH), "--as", "ada@x.sqr")
    assert (code, err) == (
        1,
        "sqr-tracker: A principal can see a school's plan and review only for "
        "their own school.\n",
    )


# -- on a demo district ------------------------------------------------------------


def test_the_commands_read_a_demo_district_as_the_pages_do(capsys, tmp_path):
    path = tmp_path / "demo.duckdb"
    build_demo_file(path, schools=12, seed=3, today=date(2026, 12, 3))
    store = Store.open(path)
    principal = store.user_by_email("principal@demo.sqr")
    school = principal.school_id
    reading = ["--db", str(path), "--school", str(school), "--format", "json"]
    code, out, _ = run(capsys, "evidence", *reading, "--as", principal.email)
    assert code == 0
    shown = json.loads(out)
    found = evidence.school_evidence(store, principal, school)
    assert [s["strength"] for s in shown["standards"]] == list(
        found.standards["strength"]
    )
    assert shown["summary"] == found.summary
    code, out, _ = run(capsys, "selfgap", *reading)
    assert code == 0
    assert json.loads(out)["sentence"] == (
        evidence.school_self_gap(store, principal, school).sentence
    )
    store.close()
