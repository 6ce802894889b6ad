"""The house layout: the caption every chart carries (source, periods, wards, place, missing months)."""

from __future__ import annotations

import plotly.graph_objects as go

from analytics.core.table_meta import meta_of, with_meta
from analytics.present import charts
from analytics.present.layout import (
    BASE_FONT_SIZE,
    CAPTION_NAME,
    TITLE_FONT_SIZE,
    caption,
    figure_on_screen,
    fit_legend,
    fit_title,
    new_figure,
)
from tests.chart_frames import monthly_frame, ward_frame


def test_caption_names_source_periods_boundaries_place_and_missing_months():
    frame = ward_frame()
    assert caption(frame) == (
        "Source: force ASB incident extract (SYNTHETIC demonstration data); "
        "periods: 2017-18 and 2018-19; wards: WD22; Anti-social behaviour in Redditch"
    )
    assert caption(monthly_frame()) == (
        "Source: police.uk street-level data (real, open data); "
        "period: Jan 2019–Aug 2019; wards: WD25; Anti-social behaviour in "
        "North Worcestershire; missing months: Apr 2019"
    )
    with_meta(
        frame, meta_of(frame).with_(source="force ASB incident extract", synthetic=True, partial_months=("2019-08",))
    )
    assert caption(frame).endswith("partial month: Aug 2019; SYNTHETIC data")


def test_on_screen_the_caption_is_text_under_the_chart_and_the_png_keeps_it():
    fig = charts.monthly_chart(monthly_frame())
    before = fig.to_json()
    screen, lines = figure_on_screen(fig)
    assert fig.to_json() == before  # the PNG's figure is not changed
    assert CAPTION_NAME in {a.name for a in fig.layout.annotations}
    assert CAPTION_NAME not in {a.name for a in screen.layout.annotations or ()}
    # Every line the image carries is written under the chart: the notes, then the source.
    assert lines[-1] == fig.layout.meta["caption"] and lines[-1].startswith("Source:")
    assert lines[:-1] == fig.layout.meta["notes"] and lines[:-1]
    # The room the caption took under the plot is given back; the plot keeps its height.
    plot = fig.layout.height - fig.layout.margin.b - fig.layout.margin.t
    assert screen.layout.height - screen.layout.margin.b - screen.layout.margin.t == plot
    assert screen.layout.margin.b < fig.layout.margin.b


def _legend_figure(names: list[str]) -> go.Figure:
    fig = new_figure(
        chart="test", frame=ward_frame(), alt="", threshold=None, title="T", subtitle="S", x_title="", y_title=""
    )
    for name in names:
        fig.add_trace(go.Scatter(x=[1], y=[1], name=name))
    return fig


def test_a_legend_that_must_wrap_makes_room_above_the_plot():
    # Five years, the last held in part, in a half-width column: plotly puts the entries in columns
    # as wide as the widest, so the long one is broken before its bracket and the rows get room.
    years = ["2015-16", "2016-17", "2017-18", "2018-19", "2019-20 (5 of 12 months held)"]
    fig = _legend_figure(years)
    top, height = fig.layout.margin.t, fig.layout.height
    added = fit_legend(fig, 560)
    assert [t.name for t in fig.data][-1] == "2019-20<br>(5 of 12 months held)"
    assert added >= 2 * 24  # at least two rows more, one of them two lines tall
    assert (fig.layout.margin.t, fig.layout.height) == (top + added, height + added)
    # Two entries fit on one row: nothing changes.
    short = _legend_figure(["2024 (4 of 12 months held)", "2025"])
    assert fit_legend(short, 560) == 0 and short.data[0].name == "2024 (4 of 12 months held)"


def test_a_title_too_long_for_a_narrow_chart_takes_two_lines_and_the_room_for_them():
    fig = _legend_figure([])
    fig.layout.title.text = "ASB per month in North Worcestershire, year on year"
    fig.layout.title.subtitle.text = "Oct 2018–Dec 2025 (21 of 87 months held); index, 100 = an average month"
    top, pad = fig.layout.margin.t, fig.layout.title.pad.t
    title_line, subtitle_line = round(TITLE_FONT_SIZE * 1.3), round(BASE_FONT_SIZE * 1.3)
    assert fit_title(fig, 400) == title_line + subtitle_line
    first, second = fig.layout.title.text.split("<br>")
    assert f"{first} {second}" == "ASB per month in North Worcestershire, year on year"
    assert max(len(first), len(second)) * 0.55 * TITLE_FONT_SIZE <= 400
    # The subtitle breaks after its semicolon, where a reader would pause.
    assert fig.layout.title.subtitle.text == (
        "Oct 2018–Dec 2025 (21 of 87 months held);<br>index, 100 = an average month"
    )
    # Placed by its first line, so the title, and everything under it, moves down.
    assert fig.layout.margin.t == top + title_line + subtitle_line
    assert fig.layout.title.pad.t == pad + title_line
    short = _legend_figure([])
    short.layout.title.text = "ASB by district"
    assert fit_title(short, 400) == 0 and short.layout.title.text == "ASB by district"
