"""The maps' colour scales and legends (analytics.present.map_legend): bins that cover the data,
labels worked out by hand, and the map's colours always the legend's."""

from __future__ import annotations

import math

import pytest

from analytics.core.errors import AnalyticsError
from analytics.core.table_meta import meta_of
from analytics.present.map_legend import (
    DIVERGING_COLOURS,
    HOTSPOT_CLASS_STYLES,
    MEASURES,
    PCT_CHANGE_EDGES,
    PCT_CHANGE_LABELS,
    SEQUENTIAL_COLOURS,
    SIGNIFICANCE_CATEGORIES,
    legend,
)
from analytics.present.maps import (
    SUPPRESSED_COLOUR,
)
from analytics.present.ward_map import ward_choropleth
from tests import map_frames
from tests.map_frames import (
    THRESHOLD,
    check_bins_cover,
    spec,
    ward_features,
)

outlines = pytest.fixture(map_frames.outlines)
ward_frame = pytest.fixture(map_frames.ward_frame)
cells = pytest.fixture(map_frames.cells)


# ---------------------------------------------------------------------------
# Legends
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("measure", list(MEASURES))
def test_map_colours_are_the_legend_colours(ward_frame, outlines, measure):
    for threshold in (None, THRESHOLD):
        table = legend(ward_frame, measure, suppress_below=threshold).to_frame()
        features = ward_features(spec(ward_choropleth(ward_frame, outlines, measure, threshold)))
        in_legend = {tuple(colour) for colour in table["colour"]}
        for feature in features.values():
            assert tuple(feature["properties"]["fill"][:3]) in in_legend


@pytest.mark.parametrize("measure", ["count_a", "count_b", "rate_a_per_1000", "rate_b_per_1000", "pct_change"])
def test_legend_bins_cover_the_data_range(ward_frame, measure):
    rows = ward_frame[ward_frame["ward_code"] != ""]
    values = [float(v) for v in rows[measure].dropna()]
    table = legend(ward_frame, measure).to_frame()
    check_bins_cover(table, values)
    assert len(table[table["kind"] == "bin"]) <= len(SEQUENTIAL_COLOURS) + 1
    # The Grand Total (123, 106) is not a ward and does not stretch the scale: the top edge is
    # the largest ward's 120, plus one, rounded up to two significant figures.
    if measure == "count_a":
        assert table[table["kind"] == "bin"]["upper"].max() == 130


def test_legend_labels_and_entries_worked_out_by_hand(ward_frame):
    count_b = legend(ward_frame, "count_b").to_frame()
    # Quantile classes: three wards (4, 12, 90), three classes, each upper edge just above a ward's
    # count (5, 13), the top just above the largest (91).
    assert count_b["label"].tolist() == ["0\u20134", "5\u201312", "13\u201390"]
    assert meta_of(count_b).title == "Incidents, 2018-19"
    assert count_b["hex"].iloc[0] == "#fde725" and count_b["hex"].iloc[-1] == "#440154"
    public = legend(ward_frame, "count_b", suppress_below=THRESHOLD).to_frame()
    # 4 is hidden; 12 and 90 are shown: the first bin starts at the threshold.
    assert public["label"].tolist() == ["10\u201312", "13\u201390", "Fewer than 10: not shown"]
    assert public["colour"].iloc[-1] == list(SUPPRESSED_COLOUR)
    pct = legend(ward_frame, "pct_change").to_frame()
    assert pct["label"].tolist() == list(PCT_CHANGE_LABELS) + ["No comparison (none in 2017-18)"]
    assert pct["lower"].iloc[0] == -math.inf and pct["upper"].iloc[6] == math.inf
    rate = legend(ward_frame, "rate_b_per_1000").to_frame()
    # 12.0 and 15.0: edges just above each, rounded up to two significant figures (13, 16).
    assert rate["label"].tolist() == ["0.0\u201312.9", "13.0\u201315.9", "No population figure"]
    assert rate["label"].iloc[-1] == "No population figure"
    significance = legend(None, "significance").to_frame()
    assert significance["label"].tolist() == list(SIGNIFICANCE_CATEGORIES)
    classes = legend(None, "hotspot_class").to_frame()
    assert classes["label"].tolist() == list(HOTSPOT_CLASS_STYLES)
    assert classes["line_width"].tolist() == [4.0, 2.5, 1.5, 1.5, 2.5, 4.0]
    with pytest.raises(AnalyticsError, match="pass the frame"):
        legend(None, "count_b")


def test_legend_is_a_list_of_entries_with_a_title(ward_frame):
    entries = legend(ward_frame, "pct_change", suppress_below=THRESHOLD)
    assert isinstance(entries, list) and entries.title == "Change from 2017-18 to 2018-19"
    assert entries[0] == {
        "label": "-50% or less",
        "colour": [33, 102, 172],
        "hex": "#2166ac",
        "lower": -math.inf,
        "upper": -49,
        "kind": "bin",
        "line_width": None,
    }
    # Grey on a change map: a count it rests on is small, not the change itself.
    assert (
        entries[-1]["kind"] == "suppressed" and entries[-1]["label"] == "Fewer than 10 incidents in a period: not shown"
    )
    assert legend(ward_frame, "count_b", suppress_below=THRESHOLD)[-1]["label"] == "Fewer than 10: not shown"
    assert (
        legend(ward_frame, "rate_b_per_1000", suppress_below=THRESHOLD)[-1]["label"]
        == "Fewer than 10 incidents: not shown"
    )


def test_cell_legend_covers_the_drawn_cells(cells):
    table = legend(cells, "cell_count").to_frame()
    check_bins_cover(table, [c for c in cells["count"] if c > 0])
    # Empty cells are not drawn, so the first bin starts at 1; five cells (2, 8, 15, 30, 45), five
    # quantile classes, one cell each.
    assert table["label"].tolist() == ["1\u20132", "3\u20138", "9\u201315", "16\u201330", "31\u201345"]
    assert meta_of(table).title == "Incidents per cell, Jan\u2013Dec 2025"


def test_colour_scales_are_the_declared_palettes():
    assert len(SEQUENTIAL_COLOURS) == 6
    assert len(DIVERGING_COLOURS) == len(PCT_CHANGE_EDGES) - 1 == len(PCT_CHANGE_LABELS)
    # Sequential: lightest first, getting darker all the way (it reads in grey scale too).
    luminance = [0.2126 * r + 0.7152 * g + 0.0722 * b for r, g, b in SEQUENTIAL_COLOURS]
    assert luminance == sorted(luminance, reverse=True)
    # Diverging: blue at the falling end, orange at the rising end, lightest in the middle.
    (r0, _, b0), (r6, _, b6) = DIVERGING_COLOURS[0], DIVERGING_COLOURS[-1]
    assert b0 > r0 and r6 > b6
    assert max(DIVERGING_COLOURS, key=sum) == DIVERGING_COLOURS[3]
    assert SUPPRESSED_COLOUR not in (*SEQUENTIAL_COLOURS, *DIVERGING_COLOURS)
