"""Every path that shows a student group's figure goes through the one
small-group rule: the growth page (tables and charts decoded as the browser gets
them), presentation mode, the PowerPoint and PDF exports read back, the command
line, needs support and rating validity. The district holds groups of 3 and 2
students with the value 42.4242; a group of 395 (value 61.6161) beside a total
of 400, which would leave those two as 5 students to work out; and months whose
total is too small to show."""

from __future__ import annotations

import base64
import io
import json
import math
import re
import zipfile
from datetime import date

import numpy as np
import pandas as pd
import pytest
from conftest import TODAY, small_district
from google.protobuf import text_format
from pypdf import PdfReader
from streamlit.testing.v1 import AppTest

from sqr_tracker import exports, growth, validity
from sqr_tracker.cli import main
from sqr_tracker.district_data import export_frame
from sqr_tracker.errors import PermissionDenied
from sqr_tracker.session import DEMO_USER_KEY
from sqr_tracker.store import Store

# Figures that must never reach a reader, as text: the small group's value, the
# value that total minus the rest would reveal, and that group's size.
SECRETS = re.compile(r"42\.4|61\.6|(?<![\d.])395(?!\d)")
ATTENDANCE = [90.0, 89.0, 91.0, 92.0, 93.0, 94.0, 95.0, 93.0]
MONTHS_2026 = [f"2026-{month:02d}-01" for month in range(1, 9)]
NAN = math.nan


def _values() -> list[tuple]:
    """(measure, period, group, value, size) at school 1."""
    rows = [
        (1, m, "All students", v, 400)
        for m, v in zip(MONTHS_2026, ATTENDANCE, strict=True)
    ]
    rows += [
        (1, "2024-11-01", "All students", 90.0, 400),
        (1, "2024-12-01", "All students", 42.4242, 8),  # a total too small
        (1, "2025-12-01", "All students", 42.4242, 8),
        (1, "2026-08-01", "Grade 3", 42.4242, 3),
        (1, "2026-08-01", "Grade 4", 61.6161, 395),  # 400 - 395: Grades 3 and 5
        (1, "2026-08-01", "Grade 5", 42.4242, 2),
        (2, "2024-08-01", "All students", 3.0, 400),
        (2, "2025-08-01", "All students", 2.5, 400),
        (2, "2026-08-01", "All students", 2.0, 400),
        (2, "2026-08-01", "English learners", 3.3, 120),
        (2, "2026-08-01", "Foster youth", 42.4242, 3),  # 400 - 120 reveals nothing
    ]
    return rows


@pytest.fixture
def district(tmp_path, monkeypatch) -> Store:
    """The small district (signed in as in the demo) with the values above."""
    path = tmp_path / "small-groups.duckdb"
    store = Store.open(path)
    store.bulk_load(small_district(), {"is_demo": "true"})
    for row in _values():
        store.rows("INSERT INTO measure_values VALUES (1, ?, ?, ?, ?, ?)", list(row))
    monkeypatch.setenv("SQR_TRACKER_DB", str(path))
    yield store
    store.close()


def _without_secrets(text: str) -> None:
    found = [
        (m.group(), text[m.start() - 60 : m.end() + 60]) for m in SECRETS.finditer(text)
    ]
    assert found == []


# -- the growth page -----------------------------------------------------------


def _decoded(node):
    """Plotly's JSON with its base64 arrays ({"dtype", "bdata"}) as lists."""
    if isinstance(node, dict):
        if "bdata" in node and "dtype" in node:
            raw = base64.b64decode(node["bdata"])
            return np.frombuffer(raw, dtype=np.dtype(node["dtype"])).tolist()
        return {key: _decoded(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_decoded(value) for value in node]
    return node


def _sent(app: AppTest) -> tuple[str, list[pd.DataFrame], list[dict]]:
    """Everything the page sent: every element as text, every table decoded
    from its Arrow bytes, every Plotly figure decoded from its JSON."""
    texts, tables, figures = [], [], []
    for node in [*app.main, *app.sidebar]:
        proto = getattr(node, "proto", None)
        if proto is None:
            continue
        if node.type == "dataframe":
            tables.append(node.value)
            texts.append(tables[-1].to_csv())
            texts.append(proto.columns)
        elif node.type == "plotly_chart":
            figures.append(_decoded(json.loads(proto.spec)))
            texts.append(json.dumps(figures[-1]))
        else:
            texts.append(text_format.MessageToString(proto, as_utf8=True))
    return "\n".join(texts), tables, figures


def _page(district: Store) -> AppTest:
    app = AppTest.from_file("../pages/growth.py", default_timeout=30)
    app.session_state[DEMO_USER_KEY] = district.user_by_email("principal.a@test.sqr").id
    return app.run()


def _groups_table(tables: list[pd.DataFrame]) -> pd.DataFrame:
    found = [t for t in tables if list(t.columns)[:1] == ["student_group"]]
    assert len(found) == 1
    return found[0].reset_index(drop=True)


def test_the_growth_page_never_sends_a_small_group(district):
    app = _page(district)
    assert not app.exception
    assert growth.small_group_words(10) in [c.value for c in app.caption]
    text, tables, figures = _sent(app)
    _without_secrets(text)
    pd.testing.assert_frame_equal(
        _groups_table(tables),
        pd.DataFrame(
            {
                "student_group": ["All students", "Grade 3", "Grade 4", "Grade 5"],
                "value": [93.0, NAN, NAN, NAN],
                "group_size": [400.0, NAN, NAN, NAN],
            }
        ),
        check_dtype=False,
    )
    # The run chart: the months whose total is too small are left out.
    run = next(f for f in figures if f["data"][0].get("name") == "Attendance rate")
    assert run["data"][0]["y"] == [90.0, *ATTENDANCE]
    assert [x[:7] for x in run["data"][0]["x"]] == [
        "2024-11",
        *(m[:7] for m in MONTHS_2026),
    ]

    measure = next(s for s in app.selectbox if s.label == "Measure")
    measure.set_value(2).run()
    assert not app.exception
    text, tables, _ = _sent(app)
    _without_secrets(text)
    pd.testing.assert_frame_equal(
        _groups_table(tables),
        pd.DataFrame(
            {
                "student_group": ["All students", "English learners", "Foster youth"],
                "value": [2.0, 3.3, NAN],
                "group_size": [400.0, 120.0, NAN],
            }
        ),
        check_dtype=False,
    )


def test_presentation_mode_never_sends_a_small_group(district):
    app = _page(district)
    app.toggle(key="presenting").set_value(True).run()
    count = int(app.get("progress")[0].proto.text.split()[-1])
    titles = []
    for step in range(count):
        assert not app.exception
        titles.append(app.header[0].value)
        _without_secrets(_sent(app)[0])
        if step < count - 1:
            app.button(key="slide-next").click().run()
    assert "Attendance rate over time" in titles
    assert "Suspension rate over time" in titles


# -- the exports ---------------------------------------------------------------


def _deck_text(data: bytes) -> str:
    """Every XML part of the deck, and of the workbooks that hold chart data."""
    parts = []
    with zipfile.ZipFile(io.BytesIO(data)) as deck:
        for name in deck.namelist():
            body = deck.read(name)
            if name.endswith(".xlsx"):
                with zipfile.ZipFile(io.BytesIO(body)) as book:
                    parts += [book.read(n).decode("utf-8") for n in book.namelist()]
            elif name.endswith((".xml", ".rels")):
                parts.append(body.decode("utf-8"))
    return "\n".join(parts)


def test_the_report_and_its_files_leave_out_small_and_derivable_groups(
    district, tmp_path
):
    principal = district.user_by_email("principal.a@test.sqr")
    report = exports.report_for(district, principal, 1, TODAY, [1, 2])
    attendance, suspension = report.measures
    assert attendance.periods == ("Nov 2024", *(f"{m} 2026" for m in (
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug")))  # fmt: skip
    assert attendance.values == (90.0, *ATTENDANCE)
    assert attendance.groups == (("All students", 93.0),)
    assert suspension.groups == (("All students", 2.0), ("English learners", 3.3))
    _without_secrets(repr(report))

    deck = exports.growth_deck(report)
    text = _deck_text(deck)
    assert "English learners" in text and "Foster youth" not in text
    _without_secrets(text)
    pdf = PdfReader(io.BytesIO(exports.summary_pdf(report)))
    words = "\n".join(page.extract_text() for page in pdf.pages)
    assert "Growth across reviews" in words
    _without_secrets(words)


# -- the command line ----------------------------------------------------------


def test_the_command_line_never_prints_nor_writes_a_small_group(
    district, tmp_path, capsys
):
    db = str(district.path)
    school = ["--school", "1", "--today", TODAY.isoformat()]
    for fmt in ("table", "json", "csv"):
        assert main(["growth", "--db", db, *school, "--format", fmt]) == 0
        _without_secrets(capsys.readouterr().out)
    assert main(["needs-support", "--db", db, "--format", "json"]) == 0
    _without_secrets(capsys.readouterr().out)
    for suffix in ("pptx", "pdf"):
        out = tmp_path / f"growth.{suffix}"
        code = main(["report", "--db", db, *school, "--out", str(out)])
        assert code == 0
        data = out.read_bytes()
        if suffix == "pptx":
            text = _deck_text(data)
        else:
            text = "\n".join(p.extract_text() for p in PdfReader(out).pages)
        assert ("Attendance rate" if suffix == "pptx" else "Our growth") in text
        _without_secrets(text)
    capsys.readouterr()


# -- needs support, rating validity and the status grid ------------------------


def test_outcomes_and_the_run_chart_leave_out_totals_too_small_to_show(district):
    office = district.user_by_email("office@test.sqr")
    relation = validity.ratings_and_outcomes(district, office, 1, 1)
    points = relation.points.set_index("school")
    # Nov and Dec 2024 fall in the year before the review: Dec's 8 are left out.
    assert points.loc["Alder Elementary", ["outcome", "periods"]].tolist() == [90, 1]
    principal = district.user_by_email("principal.a@test.sqr")
    story = growth.measure_story(district, principal, 1, 1)
    assert 42.4242 not in story.chart.values.tolist()
    assert story.groups["suppressed"].tolist() == [False, True, True, True]


def test_only_the_central_office_exports_the_raw_measure_values(district):
    office = district.user_by_email("office@test.sqr")
    raw = export_frame(district, office, "measure-values")
    assert (raw["value"] == 42.4242).sum() == 5  # raw, for backup and round trip
    others = [
        "principal.a",
        "team.a",
        "lead.north",
        "reviewer.lead",
        "viewer",
    ]
    for name in others:
        user = district.user_by_email(f"{name}@test.sqr")
        with pytest.raises(PermissionDenied):
            export_frame(district, user, "measure-values")
    assert date(2026, 8, 1).isoformat() in set(raw["period"])
