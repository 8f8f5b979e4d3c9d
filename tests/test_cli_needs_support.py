"""``sqr-tracker needs-support``, run as users run it, on the hand-built district
of test_needs_support.py: every format says what ``needs_support`` answers."""

from __future__ import annotations

import csv
import io
import json

import pytest
from test_needs_support import (
    DEFAULT_RULES,
    EXPECTED,
    NAMES,
    ORDER,
    SOUTH,
    SOUTH_SCHOOLS,
    TIER_OF,
    TODAY,
    WILLOW,
    open_district,
)

from sqr_tracker import needs_support
from sqr_tracker.cli import main
from sqr_tracker.store import Store

HEADER = "school_id,school,network,level,tier,reason_count,reasons"


@pytest.fixture
def db(tmp_path) -> str:
    opened = open_district(tmp_path / "support.duckdb")
    yield str(opened.path)
    opened.close()


def run(capsys, *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def needs(capsys, db: str, *more: str) -> tuple[int, str, str]:
    return run(capsys, "needs-support", "--db", db, "--today", TODAY.isoformat(),
               *more)  # fmt: skip


def domain(db: str, email: str = "office@ns.sqr", **kwargs):
    store = Store.open(db)
    return needs_support.needs_support(
        store, store.user_by_email(email), TODAY, **kwargs
    )


def network_of(school: int) -> str:
    return "South" if school in SOUTH_SCHOOLS else "North"


def test_json_is_the_domain_answer(db, capsys):
    code, out, err = needs(capsys, db, "--format", "json")
    assert (code, err) == (0, "")
    answer = json.loads(out)
    assert list(answer) == ["as_of", "rules", "schools", "tiers"]
    assert answer["as_of"] == "2026-12-03"
    assert answer["rules"] == DEFAULT_RULES
    found = domain(db)
    assert answer["schools"] == [
        {
            "school_id": int(row.school_id),
            "school": row.school,
            "network": row.network,
            "level": row.level,
            "tier": row.tier,
            "reason_count": int(row.reason_count),
            "reasons": list(row.reasons),
        }
        for row in found.schools.itertuples()
    ]
    assert answer["tiers"] == found.tiers.to_dict("records")
    assert answer["tiers"][-1] == {
        "network": "All networks", "intensive": 2, "targeted": 2, "universal": 17
    }  # fmt: skip
    # Worked out by hand, too.
    assert [s["school_id"] for s in answer["schools"]] == ORDER
    willow = answer["schools"][0]
    assert willow == {
        "school_id": WILLOW,
        "school": "Willow High School",
        "network": "South",
        "level": "high",
        "tier": "intensive",
        "reason_count": 7,
        "reasons": list(EXPECTED[WILLOW].values()),
    }


def test_csv_joins_the_reasons(db, capsys):
    code, out, err = needs(capsys, db, "--format", "csv")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == HEADER
    read = list(csv.DictReader(io.StringIO(out)))
    assert read == [
        {
            "school_id": str(school),
            "school": NAMES[school],
            "network": network_of(school),
            "level": row["level"],
            "tier": TIER_OF.get(school, "universal"),
            "reason_count": str(len(EXPECTED[school])),
            "reasons": " | ".join(EXPECTED[school].values()),
        }
        for school, row in zip(ORDER, read, strict=True)
    ]
    found = domain(db)
    assert [r["level"] for r in read] == found.schools["level"].tolist()
    assert lines[2] == (
        '20,Tamarack High School,South,high,intensive,4,"3 standards rated '
        "Emerging in 2025–26 (S1, S2, S3) | S1 fell from Proficient to Emerging; "
        "S2 fell from Developing to Emerging since the review before | No check-in "
        'recorded yet | 3 of 4 open action steps overdue (75%)"'
    )
    assert lines[-1] == "17,Quince Middle School,South,middle,universal,0,"


def test_the_network_option_keeps_one_network(db, capsys):
    code, out, _ = needs(capsys, db, "--network", str(SOUTH), "--format", "json")
    assert code == 0
    answer = json.loads(out)
    found = domain(db, network_id=SOUTH)
    assert [s["school_id"] for s in answer["schools"]] == [
        s for s in ORDER if s in SOUTH_SCHOOLS
    ]
    assert [s["school_id"] for s in answer["schools"]] == found.schools[
        "school_id"
    ].tolist()
    assert answer["tiers"] == [
        {"network": "South", "intensive": 2, "targeted": 0, "universal": 8},
        {"network": "All networks", "intensive": 2, "targeted": 0, "universal": 8},
    ]


def test_a_network_lead_reads_their_network(db, capsys):
    code, out, _ = needs(capsys, db, "--as", "lead.north@ns.sqr", "--format", "csv")
    assert code == 0
    read = list(csv.DictReader(io.StringIO(out)))
    assert {r["network"] for r in read} == {"North"}
    found = domain(db, "lead.north@ns.sqr")
    assert [int(r["school_id"]) for r in read] == found.schools["school_id"].tolist()


def test_the_table_ends_with_the_tier_counts(db, capsys):
    code, out, err = needs(capsys, db)
    assert (code, err) == (0, "")
    lines = out.rstrip("\n").splitlines()
    assert lines[0].split() == HEADER.split(",")
    assert lines[1].split()[:7] == [
        "21", "Willow", "High", "School", "South", "high", "intensive"
    ]  # fmt: skip
    assert "No check-in for 100 days | 2 of 2 open action steps overdue" in lines[1]
    assert len(lines) == 1 + len(ORDER) + 2
    assert lines[-2] == ""
    assert lines[-1] == "intensive: 2; targeted: 2; universal: 17 (as of 3 Dec 2026)."


def test_an_unknown_network_is_refused_clearly(db, capsys):
    code, out, err = needs(capsys, db, "--network", "99")
    assert (code, out) == (1, "")
    assert err == "sqr-tracker: No network with id 99.\n"


def test_a_principal_is_refused_with_the_reason(db, capsys):
    code, out, err = needs(capsys, db, "--as", "principal.ash@ns.sqr")
    assert (code, out) == (1, "")
    assert err == (
        "sqr-tracker: Only the central office and network leads see schools side "
        "by side.\n"
    )


def test_an_unknown_user_and_a_bad_date_are_refused(db, capsys):
    code, _, err = needs(capsys, db, "--as", "nobody@ns.sqr")
    assert code == 1
    assert err.startswith("sqr-tracker: No user has the email 'nobody@ns.sqr'")
    with pytest.raises(SystemExit) as misused:
        main(["needs-support", "--db", db, "--today", "3/12/2026"])
    assert misused.value.code == 2
    assert "'3/12/2026' is not a date YYYY-MM-DD" in capsys.readouterr().err


def test_today_moves_the_day_the_rules_judge_on(db, capsys):
    later = "2026-12-04"  # Fir's last check-in is then 46 days old
    code, out, _ = run(capsys, "needs-support", "--db", db, "--today", later,
                       "--format", "json")  # fmt: skip
    assert code == 0
    answer = json.loads(out)
    assert answer["as_of"] == later
    fir = next(s for s in answer["schools"] if s["school"] == "Fir Elementary")
    assert fir["reasons"] == ["No check-in for 46 days"]
