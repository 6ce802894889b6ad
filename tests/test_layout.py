"""The house layout: the caption every chart carries (source, periods, wards, place, missing months)."""

from __future__ import annotations

from analytics.core.table_meta import meta_of, with_meta
from analytics.present import charts
from analytics.present.layout import CAPTION_NAME, caption, figure_on_screen
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
