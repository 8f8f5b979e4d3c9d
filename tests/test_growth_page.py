"""The growth story page through AppTest, presentation mode included."""

from __future__ import annotations

import json
import os
from datetime import date

import numpy as np
import orjson
import pandas as pd
import plotly.graph_objects as go
import plotly.io
import plotly.tools
import pytest
from streamlit.testing.v1 import AppTest

from sqr_tracker import evidence, growth, growth_views, views
from sqr_tracker.demo import build_demo_file
from sqr_tracker.session import DEMO_USER_KEY
from sqr_tracker.store import Store


@pytest.fixture
def page(tmp_path, monkeypatch):
    path = tmp_path / "demo.duckdb"
    build_demo_file(path, schools=12, seed=8, today=date.today())
    monkeypatch.setenv("SQR_TRACKER_DB", str(path))
    store = Store.open(path)
    growth_page = AppTest.from_file("../pages/growth.py", default_timeout=30)
    principal = store.user_by_email("principal@demo.sqr")
    growth_page.session_state[DEMO_USER_KEY] = principal.id
    growth_page.school = store.schools([principal.school_id])["name"].iloc[0]
    growth_page.strengths = evidence.public_strengths(store, principal.school_id)
    yield growth_page.run()
    store.close()


def test_the_story_shows_growth_measures_and_the_grid(page):
    assert not page.exception
    assert page.title[0].value == "Our growth"
    headings = [h.value for h in page.subheader]
    assert headings[:2] == [
        "Celebrate growth, keep the bar high",
        "Growth across reviews",
    ]
    assert "Measures over time" in headings and "Status and change" in headings
    sentences = [m.value for m in page.markdown if m.value.startswith("- S")]
    assert len(sentences) == 6
    assert any("to go to Exemplary" in s or "top of the scale" in s for s in sentences)


def test_presentation_mode_steps_through_the_slides(page):
    page.toggle(key="presenting").set_value(True).run()
    assert not page.exception
    assert page.header[0].value == page.school
    progress = lambda: page.get("progress")[0].proto.text  # noqa: E731
    assert progress().startswith("Slide 1 of ")
    count = int(progress().split()[-1])
    seen = [page.header[0].value]
    for _ in range(count - 1):
        page.button(key="slide-next").click().run()
        seen.append(page.header[0].value)
    assert seen[1:3] == ["Celebrate growth, keep the bar high", "Growth across reviews"]
    assert seen[-2:] == ["Status and change", "This year's work"]
    assert sum(title.endswith(" over time") for title in seen) == 2
    assert page.button(key="slide-next").disabled
    page.button(key="slide-back").click().run()
    assert page.header[0].value == "Status and change"
    assert not page.exception


def evidence_column(app: AppTest) -> dict[str, str]:
    """The growth-across-reviews table's Evidence column, by standard code."""
    table = next(d.value for d in app.dataframe if "Evidence" in d.value.columns)
    return dict(zip(table.iloc[:, 0], table["Evidence"], strict=True))


def test_the_levels_table_says_how_strong_each_latest_ratings_evidence_is(page):
    shown = evidence_column(page)
    assert shown == {code: page.strengths.get(code, "—") for code in shown}
    assert set(page.strengths) <= set(shown) and len(page.strengths) == 6
    assert evidence.strength_legend() in " ".join(c.value for c in page.caption)


def test_presentation_mode_shows_the_evidence_beside_the_levels(page):
    page.toggle(key="presenting").set_value(True).run()
    while page.header[0].value != "Growth across reviews":
        page.button(key="slide-next").click().run()
    assert evidence_column(page) == page.strengths


def test_the_charts_shown_are_the_ones_plotly_lays_out_and_checks(page):
    """The run chart and the grid are kept as dicts and not checked again when
    shown: what reaches the browser is what the checked figures would send,
    on the first run and when read back on a rerun."""
    store = Store.open(os.environ["SQR_TRACKER_DB"])
    principal = store.user_by_email("principal@demo.sqr")
    school_id = principal.school_id
    story = growth.growth_across_reviews(store, principal, school_id)
    first = next(iter(growth.measure_choices(store, principal, school_id)))
    measure = growth.measure_story(store, principal, school_id, first)
    placed = growth.status_and_change(store, principal, school_id, date.today())
    expected = [
        growth_views.levels_figure(story, story.labels),
        growth_views.run_chart_figure(measure),
        growth_views.grid_figure(placed),
    ]
    want = [json.loads(figure.to_json()) for figure in expected]
    for app in (page, page.run()):
        shown = [json.loads(chart.proto.spec) for chart in app.get("plotly_chart")]
        assert shown == want


def test_a_laid_out_chart_is_written_out_as_it_is():
    """``views.laid_out`` keeps plain JSON values, which orjson writes out as
    they are: the figure's own dict holds an array of objects (the points'
    names), which would send plotly walking every value first. What the
    browser gets is the same."""
    names = np.array([f"School {n}" for n in range(50)], dtype=object)
    figure = go.Figure(go.Scatter(x=np.arange(50.0), y=np.arange(50.0), text=names))
    spec = views.laid_out(figure)
    options = orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS
    with pytest.raises(TypeError):
        orjson.dumps(figure.to_dict(), option=options)
    assert json.loads(orjson.dumps(spec, option=options)) == json.loads(
        figure.to_json()
    )
    shown = plotly.io.to_json(
        plotly.tools.return_figure_from_figure_or_data(
            views._LaidOut(spec), validate_figure=True
        ),
        validate=False,
    )
    assert json.loads(shown) == json.loads(figure.to_json())


@pytest.mark.parametrize("below", [False, True], ids=["label above", "label below"])
def test_lines_across_a_chart_are_the_ones_plotly_draws(below):
    """``views.across`` and ``views.upright`` give a chart the shapes and
    labels that plotly's ``add_hline`` and ``add_vline`` would, all at once."""
    day = pd.Timestamp("2025-03-01")
    drawn = go.Figure(go.Scatter(x=[day, day + pd.Timedelta(days=30)], y=[1, 3]))
    given = go.Figure(drawn)
    line = {"color": "#7f7f7f", "dash": "dash", "width": 1}
    drawn.add_hline(
        y=2.5, line=line, annotation_text="median 2.5",
        annotation_position="bottom right" if below else "top right",
    )  # fmt: skip
    drawn.add_vline(x=day, line={"color": "#999999", "dash": "dot"})
    shape, label = views.across(2.5, line, "median 2.5", below=below)
    upright = views.upright(day, {"color": "#999999", "dash": "dot"})
    given.update_layout(shapes=[shape, upright], annotations=[label])
    assert given.to_dict() == drawn.to_dict()
