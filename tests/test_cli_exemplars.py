"""The exemplars and practice library commands, run as users run them.

Exemplars are checked against a choice and an order worked out here from the
store's own rows (the matching rules: top rating or a rise of two levels, the
same level first, then the root mean square of the context figures' standard
scores among schools of that level, then the name); the small district of
conftest.py gives the cases worked out by hand: only school 1 has a published
review (S1 Developing, S2 Proficient, one strength on S1).
"""

from __future__ import annotations

import csv
import io
import json
import math
from datetime import date

import pandas as pd
import pytest

from sqr_tracker import evidence, exemplars
from sqr_tracker.cli import main
from sqr_tracker.demo import build_demo_file
from sqr_tracker.models import Role
from sqr_tracker.store import Store

TODAY = date(2026, 12, 3)
ON_TODAY = ["--today", TODAY.isoformat()]
EXEMPLAR_HEADER = (
    "rank,school_id,school,level,network,rating,previous_rating,why,evidence,cycle,"
    "published_on,review_age,similarity,distance,enrollment,pct_low_income,"
    "pct_english_learners,pct_disabilities,principal,principal_email,strengths"
)
PRACTICE_HEADER = "rank,code,standard,statement,score,matched,schools"
FIGURES = ["enrollment", "pct_low_income", "pct_english_learners", "pct_disabilities"]
MISUSED = (
    "sqr-tracker: error: practices search needs words to search for, or "
    "--standard CODE to list that standard's newest strengths\n"
)


def build_demo(path, schools: int = 12) -> str:
    build_demo_file(path, schools=schools, seed=3, today=TODAY)
    return str(path)


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory) -> str:
    """A demo district the tests only read."""
    return build_demo(tmp_path_factory.mktemp("demo") / "demo.duckdb")


@pytest.fixture
def small_db(store) -> str:
    return str(store.path)


def run(capsys, *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def exemplars_of(capsys, db: str, school: int, code: str, *more: str):
    return run(capsys, "exemplars", "--db", db, "--school", str(school),
               "--standard", code, *ON_TODAY, *more)  # fmt: skip


def search(capsys, db: str, *argv: str):
    return run(capsys, "practices", "search", "--db", db, *argv)


# -- what the tests expect, worked out from the store's rows -------------------------


def cycle(year: int) -> str:
    return f"{year}–{(year + 1) % 100:02d}"


def standard_id(store: Store, code: str) -> int:
    standards = store.standards()
    return int(standards.loc[standards["code"] == code, "id"].iloc[0])


def distances(schools: pd.DataFrame, school_id: int) -> dict[int, float]:
    """Each school's context distance from one school (see the module's words)."""
    own = schools.loc[school_id]
    peers = schools[schools["level"] == own["level"]]
    if len(peers) < 3:
        peers = schools
    spreads = {f: float(peers[f].std(ddof=0)) for f in FIGURES}
    return {
        int(other): round(
            math.sqrt(
                sum(((row[f] - own[f]) / spreads[f]) ** 2 for f in FIGURES)
                / len(FIGURES)
            ),
            3,
        )
        for other, row in schools.iterrows()
    }


def expected_exemplars(path: str, school_id: int, code: str) -> list[dict]:
    """The exemplars in their order, with the figures the command shows."""
    store = Store.open(path)
    try:
        sid = standard_id(store, code)
        scale = store.rating_scale()
        labels = dict(zip(scale["level"], scale["label"], strict=True))
        top = int(scale["level"].max())
        schools = store.schools().set_index("id")
        far = distances(schools, school_id)
        level = schools.loc[school_id, "level"]
        rows = []
        for rated in store.last_two_consensus(sid).itertuples():
            rise = rated.rating - rated.previous_rating
            if rated.school_id == school_id or not (rated.rating == top or rise >= 2):
                continue
            school = schools.loc[rated.school_id]
            rows.append(
                {
                    "school_id": int(rated.school_id),
                    "school": school["name"],
                    "level": school["level"],
                    "network": school["network"],
                    "rating": labels[rated.rating],
                    "previous_rating": (
                        None
                        if pd.isna(rated.previous_rating)
                        else labels[int(rated.previous_rating)]
                    ),
                    "cycle": cycle(rated.cycle_year),
                    "published_on": rated.published_on.date().isoformat(),
                    "review_id": int(rated.review_id),
                    "distance": far[int(rated.school_id)],
                    **{f: school[f].item() for f in FIGURES},
                }
            )
        rows.sort(key=lambda r: (r["level"] != level, r["distance"], r["school"]))
        ids = [row["school_id"] for row in rows]
        contacts = store.principal_contacts(ids).set_index("school_id")
        for rank, row in enumerate(rows, start=1):
            review_id = row.pop("review_id")
            found = store.findings_on([review_id], sid)
            # The evidence line is evidence.py's (its words are tested there).
            row["evidence"] = evidence.rating_lines(store, [review_id], sid)[review_id]
            assert row["evidence"].startswith("Evidence behind this rating: ")
            row["rank"] = rank
            row["strengths"] = str(found["strengths"].iloc[0])
            row["principal"] = contacts.loc[row["school_id"], "principal"]
            row["principal_email"] = contacts.loc[row["school_id"], "principal_email"]
        return rows
    finally:
        store.close()


def months_ago(published: str) -> str:
    day = date.fromisoformat(published)
    months = (TODAY.year - day.year) * 12 + TODAY.month - day.month
    assert months > 1  # the demo's reviews are all older than a month
    return f"published {day:%b %Y}, {months} months ago"


def expected_search(path: str, words: str, limit: int, code: str | None = None):
    store = Store.open(path)
    try:
        sid = None if code is None else standard_id(store, code)
        return store.search_strengths(
            words, sorted(exemplars.STOP_WORDS), standard_id=sid, limit=limit
        )
    finally:
        store.close()


def where(schools: list[dict]) -> str:
    return "; ".join(
        f"{s['school']} ({cycle(s['cycle_year'])} review)" for s in schools
    )


def csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


# -- exemplars ---------------------------------------------------------------------


def test_exemplars_as_json_are_the_qualifying_schools_most_alike_first(demo_db, capsys):
    expected = expected_exemplars(demo_db, 1, "S1")
    levels = {row["level"] for row in expected}
    assert len(expected) >= 3 and len(levels) > 1  # the case tells an order apart
    code, out, err = exemplars_of(capsys, demo_db, 1, "S1", "--format", "json")
    assert (code, err) == (0, "")
    answer = json.loads(out)
    assert list(answer) == ["school_id", "school", "standard", "as_of", "rules",
                            "exemplars", "explanation", "note"]  # fmt: skip
    assert answer["school_id"] == 1
    assert answer["school"] == "Oak Point Elementary"
    assert answer["standard"] == "S1"
    assert answer["as_of"] == "2026-12-03"
    assert answer["rules"] == exemplars.matching_rules()
    assert (answer["explanation"], answer["note"]) == ("", "")
    rows = answer["exemplars"]
    assert [row["school_id"] for row in rows] == [r["school_id"] for r in expected]
    assert [list(row) for row in rows] == [EXEMPLAR_HEADER.split(",")] * len(rows)
    for row, want in zip(rows, expected, strict=True):
        assert {key: row[key] for key in want if key != "strengths"} == {
            key: value for key, value in want.items() if key != "strengths"
        }
        assert " ".join(row["strengths"]) == want["strengths"].strip()
        assert len(row["strengths"]) > 1
        assert row["review_age"] == months_ago(want["published_on"])


def test_exemplars_limit_keeps_the_best_matches_and_the_code_ignores_case(
    demo_db, capsys
):
    expected = [row["school_id"] for row in expected_exemplars(demo_db, 1, "S1")]
    code, out, _ = exemplars_of(capsys, demo_db, 1, "s1", "--limit", "2",
                                "--format", "json")  # fmt: skip
    assert code == 0
    answer = json.loads(out)
    assert answer["standard"] == "S1"
    assert [row["school_id"] for row in answer["exemplars"]] == expected[:2]
    assert [row["rank"] for row in answer["exemplars"]] == [1, 2]


def test_exemplars_default_to_ten(tmp_path, capsys):
    path = build_demo(tmp_path / "eighty.duckdb", schools=80)
    expected = [row["school_id"] for row in expected_exemplars(path, 1, "S1")]
    assert len(expected) > 10
    code, out, _ = exemplars_of(capsys, path, 1, "S1", "--format", "json")
    assert code == 0
    assert [row["school_id"] for row in json.loads(out)["exemplars"]] == expected[:10]
    code, out, _ = exemplars_of(capsys, path, 1, "S1", "--limit", "80",
                                "--format", "csv")  # fmt: skip
    assert [int(row["school_id"]) for row in csv_rows(out)] == expected


def test_exemplars_as_csv_have_the_header_and_joined_strengths(demo_db, capsys):
    expected = expected_exemplars(demo_db, 1, "S1")
    code, out, err = exemplars_of(capsys, demo_db, 1, "S1", "--format", "csv")
    assert (code, err) == (0, "")
    assert out.splitlines()[0] == EXEMPLAR_HEADER
    rows = csv_rows(out)
    assert [int(row["school_id"]) for row in rows] == [
        want["school_id"] for want in expected
    ]
    assert [row["rank"] for row in rows] == [str(n) for n in range(1, len(rows) + 1)]
    for row, want in zip(rows, expected, strict=True):
        assert row["strengths"].replace(" | ", " ") == want["strengths"].strip()
        assert " | " in row["strengths"]
        assert row["cycle"] == want["cycle"]
        assert row["published_on"] == want["published_on"]
        assert row["previous_rating"] == (want["previous_rating"] or "")


def test_exemplars_as_a_table_have_a_row_for_each(demo_db, capsys):
    expected = expected_exemplars(demo_db, 1, "S1")
    code, out, _ = exemplars_of(capsys, demo_db, 1, "S1")
    assert code == 0
    header, *rows = out.splitlines()
    assert header.split() == EXEMPLAR_HEADER.split(",")
    assert [int(row.split()[1]) for row in rows] == [
        want["school_id"] for want in expected
    ]


def test_exemplars_all_of_another_level_carry_the_note(demo_db, capsys):
    expected = expected_exemplars(demo_db, 3, "S1")
    assert expected and all(row["level"] == "elementary" for row in expected)
    note = "No other high school qualifies; these schools teach other levels."
    code, out, _ = exemplars_of(capsys, demo_db, 3, "S1", "--format", "json")
    answer = json.loads(out)
    assert (code, answer["note"], answer["explanation"]) == (0, note, "")
    assert [row["school_id"] for row in answer["exemplars"]] == [
        row["school_id"] for row in expected
    ]
    code, out, err = exemplars_of(capsys, demo_db, 3, "S1", "--format", "csv")
    assert (code, err) == (0, note + "\n")
    assert len(csv_rows(out)) == len(expected)
    code, out, _ = exemplars_of(capsys, demo_db, 3, "S1")
    assert out.endswith(f"\n\n{note}\n")


def test_no_exemplars_is_explained_in_every_format(small_db, capsys):
    explanation = (
        "No other school's latest review rated S2 Exemplary, and none rose 2 "
        "levels or more on it between its last two reviews. The practice library "
        "can still search what reviews found strong."
    )
    assert exemplars_of(capsys, small_db, 2, "S2") == (0, explanation + "\n", "")
    assert exemplars_of(capsys, small_db, 2, "S2", "--format", "csv") == (
        0,
        EXEMPLAR_HEADER + "\n",
        explanation + "\n",
    )
    code, out, _ = exemplars_of(capsys, small_db, 2, "S2", "--format", "json")
    assert code == 0
    assert json.loads(out) == {
        "school_id": 2,
        "school": "Birch Middle School",
        "standard": "S2",
        "as_of": "2026-12-03",
        "rules": exemplars.matching_rules(),
        "exemplars": [],
        "explanation": explanation,
        "note": "",
    }


def test_a_standard_no_review_rated_has_no_exemplars(small_db, capsys):
    explanation = "No published review has rated S1.1 yet, so no school can show it."
    assert exemplars_of(capsys, small_db, 1, "s1.1") == (0, explanation + "\n", "")


def test_exemplars_of_a_school_itself_strong_leave_it_out(small_db, capsys):
    # School 1 is the only school rated; it is never its own exemplar.
    code, out, _ = exemplars_of(capsys, small_db, 1, "S2", "--format", "json")
    assert code == 0 and json.loads(out)["exemplars"] == []


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["--school", "1", "--standard", "S9"],
            "No standard has the code 'S9'; the codes are S1, S1.1, S2.",
        ),
        (["--school", "99", "--standard", "S1"], "No school with id 99."),
        (
            ["--school", "1", "--standard", "S1", "--as", "principal.b@test.sqr"],
            "A principal can see a school's plan and review only for their own school.",
        ),
        (
            ["--school", "1", "--standard", "S1", "--as", "nobody@test.sqr"],
            "No user has the email 'nobody@test.sqr' in {db}.",
        ),
    ],
)
def test_exemplars_refused_say_why(small_db, capsys, argv, message):
    code, out, err = run(capsys, "exemplars", "--db", small_db, *argv, *ON_TODAY)
    assert (code, out) == (1, "")
    assert err == f"sqr-tracker: {message.format(db=small_db)}\n"


def test_exemplars_need_a_standard(small_db, capsys):
    with pytest.raises(SystemExit) as stop:
        run(capsys, "exemplars", "--db", small_db, "--school", "1")
    assert stop.value.code == 2
    assert "the following arguments are required: --standard" in (
        capsys.readouterr().err
    )


def test_a_formula_in_a_strength_is_neutralised_in_csv_only(tmp_path, capsys):
    path = build_demo(tmp_path / "formula.duckdb")
    first = expected_exemplars(path, 1, "S1")[0]
    store = Store.open(path)
    try:
        sid = standard_id(store, "S1")
        review = int(
            store.last_two_consensus(sid)
            .set_index("school_id")
            .loc[first["school_id"], "review_id"]
        )
        store.rows(
            "UPDATE findings SET strengths = ? WHERE review_id = ? AND standard_id = ?",
            ["=SUM(A1:A9) Teachers plan together. Lessons open well.", review, sid],
        )
    finally:
        store.close()
    code, out, _ = exemplars_of(capsys, path, 1, "S1", "--format", "csv")
    assert code == 0
    row = csv_rows(out)[0]
    assert int(row["school_id"]) == first["school_id"]
    assert (
        row["strengths"] == "'=SUM(A1:A9) Teachers plan together. | Lessons open well."
    )
    code, out, _ = exemplars_of(capsys, path, 1, "S1", "--format", "json")
    assert json.loads(out)["exemplars"][0]["strengths"] == [
        "=SUM(A1:A9) Teachers plan together.",
        "Lessons open well.",
    ]
    code, out, _ = search(capsys, path, "sum", "--format", "csv")
    assert code == 0
    statements = [row["statement"] for row in csv_rows(out)]
    assert statements == ["'=SUM(A1:A9) Teachers plan together."]


# -- the practice library ------------------------------------------------------------


def test_practices_search_by_hand_on_the_small_district(small_db, capsys):
    # One published statement matches; the unpublished review's never does. BM25
    # over the 1 statement of 4 words: ln((1 - 1 + .5) / (1 + .5) + 1) = 0.288.
    code, out, err = search(capsys, small_db, "plans", "--format", "json")
    assert (code, err) == (0, "")
    assert json.loads(out) == [
        {
            "rank": 1,
            "code": "S1",
            "standard": "Quality learning experiences for all students",
            "statement": "Teachers plan together weekly.",
            "score": 0.288,
            "matched": "plan",
            "schools": [
                {
                    "school_id": 1,
                    "school": "Alder Elementary",
                    "review_id": 1,
                    "cycle": "2024–25",
                }
            ],
        }
    ]
    assert search(capsys, small_db, "lessons", "purpose") == (
        0,
        "(nothing to show)\n",
        "",
    )


def test_practices_search_as_json_follows_the_store(demo_db, capsys):
    expected = expected_search(demo_db, "families at home", 20)
    assert len(expected) > 3
    code, out, _ = search(capsys, demo_db, "families", "at", "home", "--format", "json")
    assert code == 0
    assert json.loads(out) == [
        {
            "rank": rank,
            "code": row.code,
            "standard": row.standard,
            "statement": row.statement,
            "score": row.score,
            "matched": row.matched,
            "schools": [
                {
                    "school_id": s["school_id"],
                    "school": s["school"],
                    "review_id": s["review_id"],
                    "cycle": cycle(s["cycle_year"]),
                }
                for s in row.schools
            ],
        }
        for rank, row in enumerate(expected.itertuples(), start=1)
    ]


def test_practices_search_as_csv_names_where_each_was_written(demo_db, capsys):
    expected = expected_search(demo_db, "families", 3)
    code, out, err = search(capsys, demo_db, "families", "--limit", "3",
                            "--format", "csv")  # fmt: skip
    assert (code, err) == (0, "")
    assert out.splitlines()[0] == PRACTICE_HEADER
    assert csv_rows(out) == [
        {
            "rank": str(rank),
            "code": row.code,
            "standard": row.standard,
            "statement": row.statement,
            "score": str(row.score),
            "matched": row.matched,
            "schools": where(row.schools),
        }
        for rank, row in enumerate(expected.itertuples(), start=1)
    ]


def test_practices_search_defaults_to_twenty(demo_db, capsys):
    words = "students teachers families staff school"
    expected = expected_search(demo_db, words, 1000)
    assert len(expected) > 20
    code, out, _ = search(capsys, demo_db, words, "--format", "json")
    assert code == 0
    assert [row["statement"] for row in json.loads(out)] == list(
        expected["statement"][:20]
    )


def test_practices_without_words_list_a_standards_newest(demo_db, capsys):
    expected = expected_search(demo_db, "", 5, "S4")
    assert len(expected) == 5
    code, out, _ = search(capsys, demo_db, "--standard", "s4", "--limit", "5",
                          "--format", "csv")  # fmt: skip
    assert code == 0
    rows = csv_rows(out)
    assert [row["statement"] for row in rows] == list(expected["statement"])
    assert {(row["code"], row["score"], row["matched"]) for row in rows} == {
        ("S4", "", "")
    }
    # Words that are all stop words match nothing: the header alone.
    assert search(capsys, demo_db, "the", "of", "--standard", "S4", "--limit", "5",
                  "--format", "csv")[1].splitlines() == [PRACTICE_HEADER]  # fmt: skip


def test_practices_search_as_a_table(demo_db, capsys):
    expected = expected_search(demo_db, "families", 2)
    code, out, _ = search(capsys, demo_db, "families", "--limit", "2")
    assert code == 0
    header, *rows = out.splitlines()
    assert header.split() == PRACTICE_HEADER.split(",")
    assert len(rows) == 2
    for row, want in zip(rows, expected.itertuples(), strict=True):
        assert want.statement in row and row.rstrip().endswith(where(want.schools))


@pytest.mark.parametrize("words", [[], [""], ["!?"], ["  "]])
def test_practices_search_without_words_or_a_standard_is_misused(
    small_db, capsys, words
):
    with pytest.raises(SystemExit) as stop:
        search(capsys, small_db, *words)
    assert stop.value.code == 2
    assert capsys.readouterr().err.endswith(MISUSED)


def test_practices_search_of_an_unknown_standard_is_refused(small_db, capsys):
    assert search(capsys, small_db, "plan", "--standard", "S7") == (
        1,
        "",
        "sqr-tracker: No standard has the code 'S7'; the codes are S1, S1.1, S2.\n",
    )


def test_practices_search_reads_as_the_central_office_by_default(
    store, small_db, capsys
):
    office = store.first_active_user(Role.CENTRAL_OFFICE.value)
    assert office is not None and office.email == "office@test.sqr"
    as_office = search(capsys, small_db, "plan", "--as", "office@test.sqr")
    assert search(capsys, small_db, "plan") == as_office
    assert as_office[0] == 0 and "Teachers plan together weekly." in as_office[1]
