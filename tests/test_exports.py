"""The growth story's exports, opened back: the PowerPoint deck's native charts
hold the data, the PDF is one page, and neither shows a small group or a name
of staff."""

from __future__ import annotations

import dataclasses
import io
import zipfile
from pathlib import Path

import pytest
from conftest import PEOPLE, TODAY
from pptx import Presentation
from pptx.chart.plot import LinePlot
from pptx.enum.chart import XL_CHART_TYPE
from pypdf import PdfReader

from sqr_tracker import evidence, exports
from sqr_tracker.cli import main
from sqr_tracker.errors import NotFound, PermissionDenied

SMALL_GROUP = "Pacific Islander"  # 6 students: below the threshold of 10
STAFF = [name for _, _, name, *_ in PEOPLE]  # "Ana Principal" is school 1's
ATTENDANCE = [90.0, 89.0, 91.0, 92.0, 93.0, 94.0, 95.0, 93.0]
MONTHS = [
    "Jan 2026",
    "Feb 2026",
    "Mar 2026",
    "Apr 2026",
    "May 2026",
    "Jun 2026",
    "Jul 2026",
    "Aug 2026",
]
TITLES = [
    "Alder Elementary",
    "Growth across reviews",
    "Attendance rate over time",
    "By student group: Attendance rate",
    "Suspension rate over time",
    "By student group: Suspension rate",
    "This year's work",
]
S1 = "Quality learning experiences for all students"
S2 = "Safe, supportive, and healthy learning environments"


def add_values(store, measure_id: int, rows: list[tuple]) -> None:
    """(period, student group, value, group size) of a measure at school 1."""
    for period, group, value, size in rows:
        store.rows(
            "INSERT INTO measure_values VALUES (1, ?, ?, ?, ?, ?)",
            [measure_id, period, group, value, size],
        )


@pytest.fixture
def measured(store):
    """School 1 with eight months of attendance (and, in August, a group above
    the threshold and one below it) and three years of suspensions."""
    months = [f"2026-{month:02d}-01" for month in range(1, 9)]
    add_values(
        store,
        1,
        [(m, "All students", v, 400) for m, v in zip(months, ATTENDANCE, strict=True)],
    )
    add_values(
        store,
        1,
        [
            ("2026-08-01", "English learners", 92.0, 120),
            ("2026-08-01", SMALL_GROUP, 99.0, 6),
        ],
    )
    add_values(
        store,
        2,
        [
            ("2024-08-01", "All students", 3.0, 400),
            ("2025-08-01", "All students", 2.5, 400),
            ("2026-08-01", "All students", 2.0, 400),
        ],
    )
    return store


@pytest.fixture
def report(measured, people):
    return exports.report_for(measured, people["principal.a"], 1, TODAY)


def test_the_report_holds_the_story_and_only_the_shown_groups(report):
    assert report.school == "Alder Elementary"
    assert report.school_line == "Elementary school · North · 420 students"
    assert report.reviews == ("2024–25",)
    assert [
        (s.code, s.name, s.levels, s.labels, s.change) for s in report.standards
    ] == [
        ("S1", S1, (2,), ("Developing",), None),
        ("S2", S2, (3,), ("Proficient",), None),
    ]
    assert report.growth_words[0].startswith(f"S1 {S1}: rated Developing")
    assert report.year == "2026–27"
    assert report.work_words == (
        "0 of 1 goal have reached the target.",
        "0 milestones met and 0 action steps done.",
        "The plan was updated in 1 of 5 months (1 check-in).",
    )
    attendance, suspension = report.measures
    assert attendance.periods == tuple(MONTHS)
    assert attendance.values == tuple(ATTENDANCE)
    assert attendance.median == 92.5
    assert attendance.signals == (
        "6 points in a row rising (Feb 2026 to Jul 2026), pointing the good way",
    )
    assert attendance.group_period == "Aug 2026"
    assert attendance.groups == (("All students", 93.0), ("English learners", 92.0))
    assert suspension.values == (3.0, 2.5, 2.0) and suspension.median == 2.5
    assert suspension.groups == (("All students", 2.0),)
    text = repr(report)
    assert SMALL_GROUP not in text
    assert not [name for name in STAFF if name in text]
    assert "note" not in {field.name for field in dataclasses.fields(report)}


EVIDENCE_SUMMARY = (
    "In the 2024–25 review the evidence is strong for none of the 2 standards "
    "rated (0 of 2); moderate for 1 and missing for 1."
)


def test_the_report_says_how_strong_the_evidence_behind_each_rating_is(report):
    assert [(s.code, s.evidence) for s in report.standards] == [
        ("S1", "moderate"),
        ("S2", "none"),
    ]
    assert report.evidence_words == (EVIDENCE_SUMMARY, evidence.strength_legend())
    assert exports.evidence_line(report) == (
        "Evidence behind the latest ratings: S1 moderate, S2 none."
    )
    growth_slide = _slide_text(_deck(report).slides[1])
    assert exports.evidence_line(report) in growth_slide
    assert EVIDENCE_SUMMARY in growth_slide
    reader = PdfReader(io.BytesIO(exports.summary_pdf(report)))
    text = " ".join(reader.pages[0].extract_text().split())
    assert exports.pdf_text(EVIDENCE_SUMMARY) in text
    assert "Change Evidence" in text
    assert "first review moderate" in text and "first review none" in text


def test_the_report_takes_the_chosen_measures_and_checks_the_user(measured, people):
    chosen = exports.report_for(measured, people["principal.a"], 1, TODAY, [2])
    assert [m.name for m in chosen.measures] == ["Suspension rate"]
    with pytest.raises(NotFound, match="no values of measure 7"):
        exports.report_for(measured, people["principal.a"], 1, TODAY, [1, 7])
    with pytest.raises(PermissionDenied):
        exports.report_for(measured, people["principal.b"], 1, TODAY)
    with pytest.raises(PermissionDenied):
        exports.report_for(measured, people["viewer"], 1, TODAY)


def _deck(report) -> Presentation:
    return Presentation(io.BytesIO(exports.growth_deck(report)))


def _charts(slide) -> list:
    return [shape.chart for shape in slide.shapes if shape.has_chart]


def _slide_text(slide) -> str:
    return " ".join(s.text_frame.text for s in slide.shapes if s.has_text_frame)


def _series(chart) -> list[tuple[str, tuple]]:
    return [(s.name, tuple(s.values)) for s in chart.plots[0].series]


def test_the_deck_has_its_slides_and_native_charts_of_the_data(report):
    deck = _deck(report)
    assert [slide.shapes.title.text for slide in deck.slides] == TITLES
    slides = list(deck.slides)
    assert [len(_charts(slide)) for slide in slides] == [0, 1, 1, 1, 1, 1, 0]
    assert not [
        shape for slide in slides for shape in slide.shapes if shape.shape_type == 13
    ]  # no pictures

    (levels,) = _charts(slides[1])
    assert levels.chart_type == XL_CHART_TYPE.COLUMN_CLUSTERED
    assert tuple(levels.plots[0].categories) == ("2024–25",)
    assert _series(levels) == [("S1", (2.0,)), ("S2", (3.0,))]

    (attendance,) = _charts(slides[2])
    assert isinstance(attendance.plots[0], LinePlot)
    assert tuple(attendance.plots[0].categories) == tuple(MONTHS)
    assert _series(attendance) == [
        ("Attendance rate", tuple(ATTENDANCE)),
        ("Median", (92.5,) * 8),
    ]
    assert "6 points in a row rising (Feb 2026 to Jul 2026)" in _slide_text(slides[2])

    (groups,) = _charts(slides[3])
    assert groups.chart_type == XL_CHART_TYPE.BAR_CLUSTERED
    assert tuple(groups.plots[0].categories) == ("All students", "English learners")
    assert _series(groups) == [("Attendance rate", (93.0, 92.0))]

    (suspension,) = _charts(slides[4])
    assert tuple(suspension.plots[0].categories) == ("Aug 2024", "Aug 2025", "Aug 2026")
    assert _series(suspension) == [
        ("Suspension rate", (3.0, 2.5, 2.0)),
        ("Median", (2.5, 2.5, 2.5)),
    ]
    (suspension_groups,) = _charts(slides[5])
    assert tuple(suspension_groups.plots[0].categories) == ("All students",)
    assert _series(suspension_groups) == [("Suspension rate", (2.0,))]

    work = _slide_text(slides[6])
    assert "0 of 1" in work and "1 of 5" in work and "(1 check-in)" in work


def _deck_texts(deck) -> list[str]:
    """Every text of every shape, and every chart's categories and series."""
    texts = []
    for slide in deck.slides:
        for shape in slide.shapes:
            if shape.has_text_frame:
                texts.append(shape.text_frame.text)
            if shape.has_chart:
                for plot in shape.chart.plots:
                    texts += [str(c) for c in plot.categories]
                    texts += [str(s.name) for s in plot.series]
    return texts


def _package_text(data: bytes) -> str:
    """Every part of an Office file, and of the workbooks inside it, as text."""
    parts = []
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        for name in package.namelist():
            content = package.read(name)
            if name.endswith(".xlsx"):
                parts.append(_package_text(content))
            else:
                parts.append(content.decode("utf-8", errors="replace"))
    return "\n".join(parts)


def test_the_deck_shows_no_small_group_and_no_staff(report):
    data = exports.growth_deck(report)
    texts = _deck_texts(Presentation(io.BytesIO(data)))
    everything = "\n".join(texts) + "\n" + _package_text(data)
    assert "English learners" in everything and "Alder Elementary" in everything
    assert SMALL_GROUP not in everything
    assert [name for name in STAFF if name in everything] == []
    assert "Steve Canny" not in everything  # python-pptx's template author


def test_the_summary_is_one_page_with_the_school_and_its_standards(report):
    reader = PdfReader(io.BytesIO(exports.summary_pdf(report)))
    assert len(reader.pages) == 1
    text = " ".join(reader.pages[0].extract_text().split())
    assert "Alder Elementary" in text
    for code, name in (("S1", S1), ("S2", S2)):
        assert f"{code} {exports.pdf_text(name)}" in text
    assert "2024-25" in text  # the en dash in plain
    assert "0 of 1 goal have reached the target." in text
    assert SMALL_GROUP not in text and "English learners" not in text
    assert [name for name in STAFF if name in text] == []
    assert reader.metadata.author == "SQR Tracker"


def test_the_summary_stays_on_one_page_for_a_long_story(report):
    name = "A standard with a long name about students, families and staff – "
    standards = tuple(
        exports.StandardLevels(f"S{i}", f"{name}{i}", (1, 2, 3, 4), ("E",) * 4, 1)
        for i in range(1, 13)
    )
    long = dataclasses.replace(
        report,
        reviews=("2015–16", "2018–19", "2021–22", "2024–25"),
        standards=standards,
        growth_words=tuple(f"S{i} {name}{i}: rose " + "far " * 40 for i in range(12)),
    )
    reader = PdfReader(io.BytesIO(exports.summary_pdf(long)))
    assert len(reader.pages) == 1
    assert "S12 A standard with a long name" in reader.pages[0].extract_text()


def test_pdf_text_writes_what_the_core_font_cannot_in_plain():
    assert exports.pdf_text("2024–25 — “fair” ‘ok’ … ▲ x\x07") == (
        "2024-25 - \"fair\" 'ok' ... up x"
    )
    assert exports.pdf_text("café · Łódź") == "café · ?ód?"


def test_the_report_command_writes_both_files_and_refuses_what_it_must(
    measured, tmp_path, capsys
):
    base = ["report", "--db", str(measured.path), "--school", "1"]
    base += ["--today", "2026-12-03", "--as", "principal.a@test.sqr"]
    deck, summary = tmp_path / "growth.pptx", tmp_path / "growth.pdf"
    assert main([*base, "--out", str(deck)]) == 0
    assert capsys.readouterr().out == f"Wrote {deck} (7 slides)\n"
    assert [s.shapes.title.text for s in Presentation(deck).slides] == TITLES
    assert main([*base, "--out", str(summary), "--measure", "2"]) == 0
    assert capsys.readouterr().out == f"Wrote {summary} (1 page)\n"
    assert len(PdfReader(summary).pages) == 1

    one = tmp_path / "attendance.pptx"
    assert main([*base, "--out", str(one), "--measure", "1"]) == 0
    assert capsys.readouterr().out == f"Wrote {one} (5 slides)\n"

    before = deck.read_bytes()
    assert main([*base, "--out", str(deck)]) == 1
    assert capsys.readouterr().err == (
        f"sqr-tracker: {deck} already exists; choose another name or remove it.\n"
    )
    assert deck.read_bytes() == before

    with pytest.raises(SystemExit) as exit_:
        main([*base, "--out", str(tmp_path / "growth.docx")])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "must end in .pptx" in err and ".pdf" in err
    assert not (tmp_path / "growth.docx").exists()

    assert main([*base, "--out", str(tmp_path / "x.pdf"), "--measure", "9"]) == 1
    assert "has no values of measure 9" in capsys.readouterr().err
    assert not Path(tmp_path / "x.pdf").exists()


def test_a_school_without_a_published_review_still_exports(store, people):
    report = exports.report_for(store, people["office"], 2, TODAY)
    assert report.reviews == () and report.standards == () and report.measures == ()
    assert report.evidence_words == ()
    deck = _deck(report)
    titles = [slide.shapes.title.text for slide in deck.slides]
    assert titles == [
        "Birch Middle School",
        "Growth across reviews",
        "This year's work",
    ]
    assert "No review of this school has been published yet." in _slide_text(
        deck.slides[1]
    )
    assert not [shape for s in deck.slides for shape in s.shapes if shape.has_chart]
    assert "Bea Principal" not in "\n".join(_deck_texts(deck))
    reader = PdfReader(io.BytesIO(exports.summary_pdf(report)))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    assert "Birch Middle School" in text and "Bea Principal" not in text
