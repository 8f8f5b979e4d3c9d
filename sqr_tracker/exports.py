"""The growth story as files to take away: a PowerPoint deck with native,
editable charts, and a one-page PDF summary.

Everything both files show is gathered first into a :class:`Report` by
:func:`report_for`, from the growth functions (which check the user's
permission). The report holds no staff names (not even the principal's), no
notes, and no figure of a student group smaller than the district's threshold:
suppressed groups are left out entirely, so the files cannot show them.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import date, datetime, time

import pandas as pd
from fpdf import FPDF
from pptx import Presentation
from pptx.chart.data import CategoryChartData
from pptx.dml.color import RGBColor
from pptx.enum.chart import XL_CHART_TYPE, XL_LEGEND_POSITION, XL_MARKER_STYLE
from pptx.enum.dml import MSO_LINE
from pptx.enum.text import MSO_AUTO_SIZE
from pptx.util import Inches, Pt

from sqr_tracker import evidence, growth
from sqr_tracker.errors import NotFound, SqrError
from sqr_tracker.home import cycle_label, school_line, school_year
from sqr_tracker.measures import period_label
from sqr_tracker.models import User
from sqr_tracker.output import neutralise
from sqr_tracker.store import Store

# Measures the deck shows when none are chosen, and points per run chart.
DEFAULT_MEASURES = 4
PPTX_MIME = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
MAX_POINTS = 48


# ------------------------------------------------------------------ the report


@dataclass(frozen=True)
class StandardLevels:
    """One standard across the school's published reviews: the level (a number
    of the rating scale, None where it was not rated) and its label in each
    review, and the change since the review before (None: no review before)."""

    code: str
    name: str
    levels: tuple[int | None, ...]
    labels: tuple[str, ...]
    change: int | None
    evidence: str = ""  # how strong the evidence behind the latest rating is


@dataclass(frozen=True)
class MeasurePart:
    """One measure for all students over time (the last ``MAX_POINTS``
    periods at most, one value per period), its median and signals (over all
    its periods), and its latest value by student group: only the groups that
    are shown, the suppressed ones left out."""

    measure_id: int
    name: str
    unit: str
    periods: tuple[str, ...]
    values: tuple[float, ...]
    median: float
    signals: tuple[str, ...]
    group_period: str
    groups: tuple[tuple[str, float], ...]


@dataclass(frozen=True)
class Report:
    """What the deck and the PDF show, and nothing else."""

    school_id: int
    school: str
    school_line: str
    today: date
    reviews: tuple[str, ...]
    scale: tuple[tuple[int, str], ...]
    standards: tuple[StandardLevels, ...]
    growth_words: tuple[str, ...]
    evidence_words: tuple[str, ...]
    year: str
    work: growth.YearOfWork
    work_words: tuple[str, ...]
    measures: tuple[MeasurePart, ...]
    rules: tuple[str, ...]
    threshold: int


def report_for(
    store: Store,
    user: User | None,
    school_id: int,
    today: date,
    measure_ids: list[int] | None = None,
) -> Report:
    """The school's growth story for export: its levels across reviews and the
    words for them, this school year's work, and the chosen measures (by
    default every measure the school has values for, the first
    ``DEFAULT_MEASURES`` of them). A measure the school has no values for is
    refused with NotFound."""
    story = growth.growth_across_reviews(store, user, school_id)
    work = growth.this_years_work(store, user, school_id, today)
    choices = growth.measure_choices(store, user, school_id)
    found = store.schools([school_id])
    if found.empty:
        raise NotFound(f"No school with id {school_id}.")
    school = found.iloc[0].to_dict()
    # The principal is staff: the line is drawn without them.
    line = school_line({k: v for k, v in school.items() if k != "principal"})

    if measure_ids is None:
        chosen = list(choices)[:DEFAULT_MEASURES]
    else:
        chosen = list(dict.fromkeys(int(m) for m in measure_ids))
        unknown = [m for m in chosen if m not in choices]
        if unknown:
            known = ", ".join(f"{i} ({name})" for i, name in choices.items())
            raise NotFound(
                f"{school['name']} has no values of measure "
                f"{', '.join(map(str, unknown))}; its measures are: "
                f"{known or 'none'}."
            )
    threshold = growth.small_group_threshold(store)
    measures = tuple(
        _measure_part(growth.measure_story(store, user, school_id, m)) for m in chosen
    )
    return Report(
        school_id=school_id,
        school=str(school["name"]),
        school_line=line,
        today=today,
        reviews=tuple(cycle_label(c) for c in story.cycles),
        scale=tuple(sorted(story.labels.items())),
        standards=_standards(story),
        growth_words=tuple(story.words),
        evidence_words=_evidence_words(store, user, school_id),
        year=cycle_label(school_year(today)),
        work=work,
        work_words=tuple(growth.year_words(work)),
        measures=measures,
        rules=tuple(growth.measure_rules()),
        threshold=threshold,
    )


def _evidence_words(store: Store, user: User | None, school_id: int) -> tuple[str, ...]:
    """How strong the latest review's evidence is over its standards, and how
    strength is judged; nothing before a review is published."""
    found = evidence.school_evidence(store, user, school_id)
    if found is None:
        return ()
    return (found.summary, evidence.strength_legend())


def _number(value) -> int | None:
    return None if value is None or pd.isna(value) else int(value)


def _standards(story: growth.Growth) -> tuple[StandardLevels, ...]:
    labels = growth.levels_by_review(story)
    columns = [cycle_label(c) for c in story.cycles]
    rows = []
    for (_, numbers), (_, named) in zip(
        story.table.iterrows(), labels.iterrows(), strict=True
    ):
        rows.append(
            StandardLevels(
                code=str(named["code"]),
                name=str(named["standard"]),
                levels=tuple(_number(numbers[c]) for c in story.cycles),
                labels=tuple(
                    "" if pd.isna(named[c]) else str(named[c]) for c in columns
                ),
                change=_number(named["change"]),
                evidence=str(named["evidence"]),
            )
        )
    return tuple(rows)


def _measure_part(story: growth.MeasureStory) -> MeasurePart:
    chart = story.chart
    values = chart.values.groupby(level=0).mean().tail(MAX_POINTS)
    shown = story.groups[~story.groups["suppressed"].astype(bool)]
    shown = shown.assign(first=shown["student_group"] != growth.TOTAL_GROUP)
    shown = shown.sort_values("first", kind="stable")
    signals = []
    for signal in chart.signals:
        way = {True: "the good way", False: "the wrong way"}.get(
            chart.is_favourable(signal)
        )
        signals.append(
            f"{signal.description}, pointing {way}" if way else signal.description
        )
    unit = story.measure.get("unit")
    return MeasurePart(
        measure_id=int(story.measure["id"]),
        name=str(story.measure["name"]),
        unit="" if unit is None or pd.isna(unit) else str(unit),
        periods=tuple(period_label(p) for p in values.index),
        values=tuple(float(v) for v in values),
        median=float(chart.median),
        signals=tuple(signals),
        group_period=story.period,
        groups=tuple(
            (str(g), float(v))
            for g, v in zip(shown["student_group"], shown["value"], strict=True)
        ),
    )


def with_unit(value: float, unit: str) -> str:
    """'92.5%', '3.1 days', or the number alone."""
    number = f"{value:.1f}".rstrip("0").rstrip(".")
    if not unit:
        return number
    return f"{number}{unit}" if unit == "%" else f"{number} {unit}"


def _change_words(change: int | None) -> str:
    if change is None:
        return "first review"
    if change == 0:
        return "held"
    steps = abs(change)
    word = "level" if steps == 1 else "levels"
    return f"up {steps} {word}" if change > 0 else f"down {steps} {word}"


def _long_date(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def _work_figures(report: Report) -> list[tuple[str, str]]:
    work = report.work
    check_ins = f"{work.check_ins} check-in{'' if work.check_ins == 1 else 's'}"
    return [
        (f"{work.goals_reached} of {work.open_goals}", "open goals at their target"),
        (str(work.milestones_met), "milestones met"),
        (str(work.steps_done), "action steps done"),
        (
            f"{work.months_checked_in} of {work.months_so_far}",
            f"months the plan was updated ({check_ins})",
        ),
    ]


# -------------------------------------------------------------------- the deck

_WIDTH, _HEIGHT = Inches(13.333), Inches(7.5)
_INK = RGBColor(0x22, 0x22, 0x22)
_MUTED = RGBColor(0x55, 0x55, 0x55)
_PALETTE = [
    RGBColor(0x00, 0x72, 0xB2),
    RGBColor(0xE6, 0x9F, 0x00),
    RGBColor(0x00, 0x9E, 0x73),
    RGBColor(0xCC, 0x79, 0xA7),
    RGBColor(0x56, 0xB4, 0xE9),
    RGBColor(0xD5, 0x5E, 0x00),
    RGBColor(0x00, 0x00, 0x00),
]
# Characters XML cannot hold; text from the store is written without them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _plain(text: object) -> str:
    """Text as it is, as plain text, without characters XML cannot hold."""
    return _NOT_XML.sub("", str(text))


def _label(text: object) -> str:
    """A chart category or series name: plain, and safe in the chart's embedded
    workbook (text a spreadsheet would run as a formula gets an apostrophe)."""
    return neutralise(_plain(text))


def _slide(deck, title: str):
    slide = deck.slides.add_slide(deck.slide_layouts[5])  # title only
    heading = slide.shapes.title
    heading.left, heading.top = Inches(0.5), Inches(0.3)
    heading.width, heading.height = _WIDTH - Inches(1.0), Inches(1.0)
    heading.text_frame.text = _plain(title)
    paragraph = heading.text_frame.paragraphs[0]
    paragraph.font.size = Pt(32)
    paragraph.font.bold = True
    paragraph.font.color.rgb = _INK
    return slide


def _text(slide, left, top, width, height, lines, size: int = 16, **style):
    """A text box of paragraphs; ``lines`` are strings or (text, size) pairs."""
    box = slide.shapes.add_textbox(left, top, width, height)
    frame = box.text_frame
    frame.word_wrap = True
    frame.auto_size = MSO_AUTO_SIZE.NONE  # sizes are chosen to fit
    for i, line in enumerate(lines):
        text, points = line if isinstance(line, tuple) else (line, size)
        paragraph = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        paragraph.text = _plain(text)
        paragraph.font.size = Pt(points)
        paragraph.font.color.rgb = style.get("color", _INK)
        paragraph.font.bold = style.get("bold", False)
        paragraph.space_after = Pt(points * 0.5)
    return box


def _sized(lines: list[str], roomy: int = 18) -> int:
    """A font size that keeps a column of sentences readable and in its box."""
    length = sum(len(line) for line in lines)
    for size, fits in ((roomy, 500), (16, 700), (14, 950), (12, 1400)):
        if length <= fits:
            return size
    return 11


def _chart_fonts(chart, size: int = 14) -> None:
    chart.font.size = Pt(size)
    chart.font.color.rgb = _INK


def _title_slide(deck, report: Report) -> None:
    slide = deck.slides.add_slide(deck.slide_layouts[0])
    title, subtitle = slide.placeholders[0], slide.placeholders[1]
    title.left, title.top = Inches(0.8), Inches(2.0)
    title.width, title.height = _WIDTH - Inches(1.6), Inches(1.5)
    subtitle.left, subtitle.top = Inches(0.8), Inches(3.6)
    subtitle.width, subtitle.height = _WIDTH - Inches(1.6), Inches(2.2)
    title.text_frame.text = _plain(report.school)
    title.text_frame.paragraphs[0].font.size = Pt(44)
    title.text_frame.paragraphs[0].font.bold = True
    frame = subtitle.text_frame
    for i, (text, size) in enumerate(
        [
            ("Our growth", 28),
            (_long_date(report.today), 20),
            (report.school_line, 16),
        ]
    ):
        paragraph = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        paragraph.text = _plain(text)
        paragraph.font.size = Pt(size)
        paragraph.font.color.rgb = _INK if i == 0 else _MUTED


def _growth_slide(deck, report: Report) -> None:
    slide = _slide(deck, "Growth across reviews")
    if not report.reviews:
        _text(
            slide,
            Inches(0.5),
            Inches(1.5),
            Inches(12.3),
            Inches(1.0),
            ["No review of this school has been published yet."],
            20,
        )
        return
    data = CategoryChartData(number_format="0")
    data.categories = [_label(r) for r in report.reviews]
    for standard in report.standards:
        data.add_series(_label(standard.code), standard.levels)
    frame = slide.shapes.add_chart(
        XL_CHART_TYPE.COLUMN_CLUSTERED,
        Inches(0.5),
        Inches(1.4),
        Inches(6.6),
        Inches(5.7),
        data,
    )
    chart = frame.chart
    _chart_fonts(chart)
    chart.has_legend = True
    chart.legend.position = XL_LEGEND_POSITION.BOTTOM
    chart.legend.include_in_layout = False
    axis = chart.value_axis
    top = max((level for level, _ in report.scale), default=4)
    axis.minimum_scale, axis.maximum_scale, axis.major_unit = 0, top, 1
    axis.has_major_gridlines = True
    axis.has_title = True
    axis.axis_title.text_frame.text = "Level"
    for i, series in enumerate(chart.plots[0].series):
        series.format.fill.solid()
        series.format.fill.fore_color.rgb = _PALETTE[i % len(_PALETTE)]
    scale = "Levels: " + ", ".join(f"{n} {label}" for n, label in report.scale)
    words = list(report.growth_words)
    size = _sized([*words, *report.evidence_words[:1]])
    notes = [scale]
    if report.evidence_words:
        notes += [evidence_line(report), report.evidence_words[0]]
    lines = [*((note, size - 2) for note in notes), *words]
    _text(slide, Inches(7.4), Inches(1.4), Inches(5.4), Inches(5.7), lines, size)


def evidence_line(report: Report) -> str:
    """'Evidence behind the latest ratings: S1 strong, S2 thin.'"""
    rated = [f"{s.code} {s.evidence}" for s in report.standards if s.evidence]
    return f"Evidence behind the latest ratings: {', '.join(rated)}."


def _measure_slides(deck, report: Report, part: MeasurePart) -> None:
    slide = _slide(deck, f"{part.name} over time")
    if part.values:
        data = CategoryChartData(number_format="0.0")
        data.categories = [_label(p) for p in part.periods]
        data.add_series(_label(part.name), part.values)
        data.add_series("Median", [part.median] * len(part.values))
        chart = slide.shapes.add_chart(
            XL_CHART_TYPE.LINE_MARKERS,
            Inches(0.5),
            Inches(1.4),
            Inches(8.2),
            Inches(5.7),
            data,
        ).chart
        _chart_fonts(chart)
        chart.has_legend = True
        chart.legend.position = XL_LEGEND_POSITION.BOTTOM
        chart.legend.include_in_layout = False
        values, median = chart.plots[0].series
        values.smooth = median.smooth = False
        values.format.line.color.rgb = _PALETTE[0]
        values.format.line.width = Pt(2.5)
        median.format.line.color.rgb = _MUTED
        median.format.line.dash_style = MSO_LINE.DASH
        median.format.line.width = Pt(1.5)
        median.marker.style = XL_MARKER_STYLE.NONE
        chart.value_axis.has_major_gridlines = True
    lines: list[str | tuple[str, int]] = []
    if part.values:
        lines.append(f"Median: {with_unit(part.median, part.unit)}")
    else:
        lines.append("No values for all students yet.")
    lines.append(("Signals", 18))
    if part.signals:
        lines += [f"- {signal}" for signal in part.signals]
    else:
        lines.append("No shift or trend: the ups and downs are ordinary variation.")
    lines += [(rule, 12) for rule in report.rules[:2]]
    _text(slide, Inches(9.0), Inches(1.4), Inches(3.8), Inches(5.7), lines, 16)

    slide = _slide(deck, f"By student group: {part.name}")
    caption = (
        f"Latest values ({part.group_period}). "
        f"{growth.small_group_words(report.threshold)}"
    )
    _text(slide, Inches(0.5), Inches(1.3), Inches(12.3), Inches(0.6), [caption], 12)
    if not part.groups:
        _text(
            slide,
            Inches(0.5),
            Inches(2.2),
            Inches(12.3),
            Inches(1.0),
            ["No student group can be shown for this period."],
            20,
        )
        return
    data = CategoryChartData(number_format="0.0")
    data.categories = [_label(group) for group, _ in part.groups]
    data.add_series(_label(part.name), [value for _, value in part.groups])
    chart = slide.shapes.add_chart(
        XL_CHART_TYPE.BAR_CLUSTERED,
        Inches(0.5),
        Inches(2.0),
        Inches(12.3),
        Inches(5.2),
        data,
    ).chart
    _chart_fonts(chart)
    chart.has_legend = False
    chart.category_axis.reverse_order = True  # the first group at the top
    # Bars start at zero (or below it), so their lengths compare fairly.
    chart.value_axis.minimum_scale = min(0.0, *(value for _, value in part.groups))
    plot = chart.plots[0]
    plot.has_data_labels = True
    plot.data_labels.number_format = "0.0"
    plot.data_labels.number_format_is_linked = False
    plot.data_labels.font.size = Pt(14)
    plot.series[0].format.fill.solid()
    plot.series[0].format.fill.fore_color.rgb = _PALETTE[0]


def _work_slide(deck, report: Report) -> None:
    slide = _slide(deck, "This year's work")
    since = _long_date(report.work.since)
    _text(
        slide,
        Inches(0.5),
        Inches(1.3),
        Inches(12.3),
        Inches(0.6),
        [f"School year {report.year}, since {since}"],
        18,
        color=_MUTED,
    )
    width = Inches(2.9)
    for i, (figure, what) in enumerate(_work_figures(report)):
        left = Inches(0.5) + i * (width + Inches(0.25))
        _text(slide, left, Inches(2.4), width, Inches(1.3), [figure], 48, bold=True)
        _text(slide, left, Inches(3.7), width, Inches(1.2), [what], 18)
    _text(
        slide,
        Inches(0.5),
        Inches(5.2),
        Inches(12.3),
        Inches(1.8),
        list(report.work_words),
        16,
        color=_MUTED,
    )


def growth_deck(report: Report) -> bytes:
    """The growth story as a PowerPoint deck whose charts are native PowerPoint
    charts (editable, their data in an embedded workbook): a title slide, growth
    across reviews, for each measure its run chart and its values by student
    group, and this year's work."""
    deck = Presentation()
    deck.slide_width, deck.slide_height = _WIDTH, _HEIGHT
    properties = deck.core_properties
    properties.title = _plain(f"{report.school}: our growth")
    properties.subject = "Growth across School Quality Reviews"
    # The template names a person; the deck names no one.
    properties.author = properties.last_modified_by = "SQR Tracker"
    properties.comments = properties.keywords = properties.category = ""
    stamp = datetime.combine(report.today, time())
    properties.created = properties.modified = stamp
    properties.revision = 1
    _title_slide(deck, report)
    _growth_slide(deck, report)
    for part in report.measures:
        _measure_slides(deck, report, part)
    _work_slide(deck, report)
    out = io.BytesIO()
    deck.save(out)
    return out.getvalue()


def slide_count(deck: bytes) -> int:
    """How many slides a deck holds."""
    return len(Presentation(io.BytesIO(deck)).slides)


# --------------------------------------------------------------------- the PDF

# What the PDF core fonts (Latin-1) cannot encode, in plain equivalents.
_PLAIN_CHARACTERS = str.maketrans(
    {
        "\u2013": "-",
        "\u2014": "-",
        "\u2212": "-",
        "\u2010": "-",
        "\u2011": "-",
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u2026": "...",
        "\u2022": "-",
        "\u25b2": "up",
        "\u25bc": "down",
        "\u00a0": " ",
        "\u202f": " ",
        "\u2009": " ",
    }
)


def pdf_text(text: object) -> str:
    """Text the PDF's core font can write: dashes, curly quotes and the like in
    plain equivalents, anything else outside Latin-1 as '?', no control
    characters."""
    plain = _NOT_XML.sub("", str(text)).translate(_PLAIN_CHARACTERS)
    return plain.encode("latin-1", errors="replace").decode("latin-1")


_PDF_SIZES = (11, 10, 9, 8, 7)


def summary_pdf(report: Report) -> bytes:
    """A one-page summary: the school, its levels across reviews as a table,
    the growth sentences and this year's work. The font shrinks until the page
    holds it all; if even the smallest does not, growth sentences are left out
    from the end, and the page says so."""
    sentences = len(report.growth_words)
    for keep in range(sentences, -1, -1):
        for size in _PDF_SIZES if keep == sentences else _PDF_SIZES[-1:]:
            pdf = _summary(report, size, keep)
            if pdf.pages_count == 1:
                return bytes(pdf.output())
    raise SqrError(
        f"The summary of {report.school} does not fit on one page "
        f"({len(report.standards)} standards in {len(report.reviews)} reviews)."
    )


def _summary(report: Report, size: int, keep: int) -> FPDF:
    pdf = FPDF(orientation="portrait", unit="mm", format="letter")
    pdf.set_margins(18, 16, 18)
    pdf.set_auto_page_break(True, margin=16)
    pdf.set_title(pdf_text(f"{report.school}: our growth"))
    pdf.set_author("SQR Tracker")
    pdf.set_creator("SQR Tracker")
    pdf.set_creation_date(datetime.combine(report.today, time()))
    pdf.add_page()
    line = size * 0.5

    def write(text: str, height: float) -> None:
        pdf.multi_cell(
            0, height, pdf_text(text), align="L", new_x="LMARGIN", new_y="NEXT"
        )

    def heading(text: str) -> None:
        pdf.ln(line * 0.6)
        pdf.set_font("Helvetica", "B", size + 2)
        write(text, line * 1.2)
        pdf.ln(line * 0.2)

    def paragraph(text: str, style: str = "") -> None:
        pdf.set_font("Helvetica", style, size)
        write(text, line)

    def bullets(texts: list[str]) -> None:
        pdf.set_font("Helvetica", "", size)
        for text in texts:
            write(f"- {text}", line)
            pdf.ln(line * 0.25)

    pdf.set_font("Helvetica", "B", size + 9)
    write(report.school, line * 1.8)
    paragraph(report.school_line)
    paragraph(f"Our growth, as of {_long_date(report.today)}", "I")

    heading("Growth across reviews")
    if report.reviews:
        pdf.set_font("Helvetica", "", size)
        reviews = len(report.reviews)
        each = 22 if reviews <= 3 else 18
        widths = (12, 180 - 12 - 26 - 20 - each * reviews, *([each] * reviews), 26, 20)
        with pdf.table(
            col_widths=widths,
            text_align="LEFT",
            line_height=line * 1.1,
            padding=0.8,  # fpdf2 2.7.6 and later
        ) as table:
            heads = ("", "Standard", *report.reviews, "Change", "Evidence")
            table.row([pdf_text(c) for c in heads])
            for standard in report.standards:
                cells = [
                    standard.code,
                    standard.name,
                    *(label or "not rated" for label in standard.labels),
                    _change_words(standard.change),
                    standard.evidence or "-",
                ]
                table.row([pdf_text(c) for c in cells])
        pdf.ln(line * 0.5)
        scale = ", ".join(f"{n} {label}" for n, label in report.scale)
        paragraph(f"The rating scale, lowest first: {scale}.", "I")
        for sentence in report.evidence_words:
            paragraph(sentence, "I")
        pdf.ln(line * 0.5)
        words = list(report.growth_words[:keep])
        left_out = len(report.growth_words) - keep
        if left_out:
            words.append(
                f"({left_out} more sentence{'' if left_out == 1 else 's'} in the "
                "deck and the app.)"
            )
        bullets(words)
    else:
        paragraph("No review of this school has been published yet.")

    heading(f"This year's work ({report.year}, since {_long_date(report.work.since)})")
    bullets(list(report.work_words))
    return pdf
