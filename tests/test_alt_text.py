"""Text alternatives (analytics.present.alt_text): read back from a figure, with a fallback for a
figure made elsewhere. Each chart's own description is checked in test_charts.py."""

from __future__ import annotations

import plotly.graph_objects as go

from analytics.present.alt_text import alt_text, change_text
from analytics.present.charts import ward_deltas_chart
from tests.chart_frames import ward_frame


def test_alt_text_is_read_from_the_figure_or_says_there_is_none():
    fig = ward_deltas_chart(ward_frame())
    assert alt_text(fig) == fig.layout.meta["alt_text"]
    assert alt_text(go.Figure(layout={"title": {"text": "Other"}})) == (
        "Other. No text alternative was recorded for this figure."
    )
    assert alt_text(go.Figure()).startswith("A chart. ")


def test_change_text_says_new_when_there_is_no_percentage():
    assert change_text(30, 25.0, "difference") == "+30 (+25%)"
    assert change_text(30, 25.0, "pct_change") == "+25%"
    assert change_text(4, None, "difference") == "+4 (new)"
    assert change_text(-4, None, "difference") == "-4"
