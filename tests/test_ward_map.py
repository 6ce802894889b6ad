"""The ward choropleth (analytics.present.ward_map): golden decks, colours, tooltips, public mode.

Golden files in tests/data/maps/; after an intended change rewrite them with
``MAPS_UPDATE_GOLDEN=1 .venv/bin/pytest -q tests/test_ward_map.py`` and read the diff.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest
import shapely
import shapely.geometry

from analytics.analyses.wards import ward_deltas
from analytics.core.errors import AnalyticsError
from analytics.core.periods import parse_period
from analytics.core.selection import Selection
from analytics.data.outlines import ward_outlines
from analytics.present.map_legend import (
    DIVERGING_COLOURS,
    MEASURES,
    SEQUENTIAL_COLOURS,
    SIGNIFICANCE_COLOURS,
    legend,
)
from analytics.present.maps import (
    NO_DATA_COLOUR,
    SUPPRESSED_COLOUR,
    TOOLTIP,
    WARD_LINE_COLOUR,
    placed_labels,
)
from analytics.present.ward_map import FILL_ALPHA, ward_choropleth
from tests import map_frames
from tests.map_frames import (
    THRESHOLD,
    assert_labels_do_not_collide,
    assert_view_fits,
    check_bins_cover,
    check_golden,
    drawn_bounds,
    layer,
    segment_lines,
    spec,
    ward_features,
)

outlines = pytest.fixture(map_frames.outlines)
ward_frame = pytest.fixture(map_frames.ward_frame)
FY2017, FY2018 = parse_period("FY2017"), parse_period("FY2018")


# ---------------------------------------------------------------------------
# Golden decks
# ---------------------------------------------------------------------------


def test_choropleth_matches_golden(ward_frame, outlines):
    check_golden(ward_choropleth(ward_frame, outlines, "count_b"), "choropleth_count_b")


def test_public_pct_change_choropleth_matches_golden(ward_frame, outlines):
    check_golden(
        ward_choropleth(ward_frame, outlines, "pct_change", suppress_below=THRESHOLD),
        "choropleth_pct_change_public",
    )


# ---------------------------------------------------------------------------
# Ward choropleth
# ---------------------------------------------------------------------------


def test_choropleth_draws_the_frames_wards_with_outlines_and_labels(ward_frame, outlines):
    deck_json = spec(ward_choropleth(ward_frame, outlines))
    assert [item["id"] for item in deck_json["layers"]] == ["wards", "ward-outlines", "ward-labels"]
    wards = layer(deck_json, "wards")
    # Grand Total and Delta (not in the frame) are not drawn.
    assert list(ward_features(deck_json)) == ["Alpha", "Bravo", "Charlie"]
    assert wards["filled"] and wards["pickable"] and wards["stroked"] is False
    # The boundaries are a line layer of every edge of the wards drawn, the edge two wards share once.
    lines = layer(deck_json, "ward-outlines")
    assert lines["@@type"] == "LineLayer" and lines["getColor"] == [*WARD_LINE_COLOUR, 255]
    drawn = [shapely.geometry.shape(f["geometry"]) for f in wards["data"]["features"]]
    assert shapely.union_all(segment_lines(lines)).equals(shapely.union_all([g.boundary for g in drawn]))
    labels = layer(deck_json, "ward-labels")
    assert [(r["name"], r["position"]) for r in labels["data"]] == [
        ("Alpha", [-1.94, 52.295]),
        ("Bravo", [-1.92, 52.295]),
        ("Charlie", [-1.93, 52.285]),
    ]


def test_choropleth_tooltip_says_counts_change_rate_and_significance(ward_frame, outlines):
    deck = ward_choropleth(ward_frame, outlines)
    assert deck._tooltip == TOOLTIP
    features = ward_features(spec(deck))
    assert features["Alpha"]["properties"]["tooltip"] == (
        "Alpha (Redditch)\n2017-18: 120\n2018-19: 90\nChange: -30 (-25%)\n"
        "Rate per 1,000 residents, 2018-19: 15.0\nSignificant change: yes"
    )
    assert features["Charlie"]["properties"]["tooltip"] == (
        "Charlie (Redditch)\n2017-18: 0\n2018-19: 4\nChange: +4 (new)\n"
        "Rate per 1,000 residents, 2018-19: n/a\nSignificant change: no\n"
        "Small numbers: the percentage is unreliable"
    )


@pytest.mark.parametrize(
    "measure, expected",
    [
        (
            "count_b",
            {
                "Alpha": SEQUENTIAL_COLOURS[-1],
                "Bravo": SEQUENTIAL_COLOURS[2],
                "Charlie": SEQUENTIAL_COLOURS[0],
            },
        ),
        (
            "pct_change",
            {"Alpha": DIVERGING_COLOURS[1], "Bravo": DIVERGING_COLOURS[-1], "Charlie": NO_DATA_COLOUR},
        ),
        (
            "rate_b_per_1000",
            {"Alpha": SEQUENTIAL_COLOURS[-1], "Bravo": SEQUENTIAL_COLOURS[0], "Charlie": NO_DATA_COLOUR},
        ),
        (
            "significance",
            {
                "Alpha": SIGNIFICANCE_COLOURS["Significant decrease"],
                "Bravo": SIGNIFICANCE_COLOURS["Significant increase"],
                "Charlie": SIGNIFICANCE_COLOURS["No significant change"],
            },
        ),
    ],
)
def test_choropleth_colours_worked_out_by_hand(ward_frame, outlines, measure, expected):
    # Quantile classes (map_legend.class_edges). count_b: 4, 12 and 90 -> three classes (0-4, 5-12,
    # 13-90), which take colours 0, 2 and 5 of the six. rate_b: 12.0 and 15.0 -> two classes
    # (0.0-12.9, 13.0-15.9), colours 0 and 5.
    features = ward_features(spec(ward_choropleth(ward_frame, outlines, measure)))
    assert {name: tuple(f["properties"]["fill"][:3]) for name, f in features.items()} == expected
    assert {f["properties"]["fill"][3] for f in features.values()} == {FILL_ALPHA}


def test_bad_measure_and_threshold_are_refused_with_the_valid_choices(ward_frame, outlines):
    with pytest.raises(AnalyticsError, match="Valid choices: count_a, count_b, pct_change"):
        ward_choropleth(ward_frame, outlines, "rate")
    for bad in (0, -5, 2.5, True, "10"):
        with pytest.raises(AnalyticsError, match="suppress_below"):
            ward_choropleth(ward_frame, outlines, suppress_below=bad)
    with pytest.raises(AnalyticsError, match="Valid choices"):
        legend(ward_frame, "rates")


def test_outlines_of_another_vintage_are_refused(ward_frame, outlines):
    with pytest.raises(AnalyticsError, match="No boundary for ward.*E05000003"):
        ward_choropleth(ward_frame, outlines[outlines.ward_code != "E05000003"])


# ---------------------------------------------------------------------------
# Public mode
# ---------------------------------------------------------------------------


def test_public_mode_ward_tooltips_say_less_than_n(ward_frame, outlines):
    for measure in MEASURES:
        features = ward_features(spec(ward_choropleth(ward_frame, outlines, measure, THRESHOLD)))
        assert features["Bravo"]["properties"]["tooltip"] == (
            "Bravo (Redditch)\n2017-18: <10\n2018-19: 12\nChange: not shown (small numbers)\n"
            "Rate per 1,000 residents, 2018-19: 12.0\nSignificant change: not shown"
        )
        assert features["Charlie"]["properties"]["tooltip"].splitlines()[1:3] == ["2017-18: <10", "2018-19: <10"]
        # Alpha's counts are both published: all of it is shown.
        assert "Change: -30 (-25%)" in features["Alpha"]["properties"]["tooltip"]
        # A ward whose measure needs a hidden count is drawn in the suppressed colour.
        hidden = {
            "count_a": {"Bravo", "Charlie"},
            "count_b": {"Charlie"},
            "rate_a_per_1000": {"Bravo", "Charlie"},
            "rate_b_per_1000": {"Charlie"},
            "pct_change": {"Bravo", "Charlie"},
            "significance": {"Bravo", "Charlie"},
        }[measure]
        grey = {name for name, f in features.items() if f["properties"]["fill"][:3] == list(SUPPRESSED_COLOUR)}
        assert grey == hidden, measure


# ---------------------------------------------------------------------------
# On the built store
# ---------------------------------------------------------------------------


def test_redditch_choropleth_on_the_built_store(built_conn):
    table = ward_deltas(built_conn, Selection(source="extract", districts=("Redditch",)), FY2017, FY2018)
    outlines = ward_outlines(built_conn, "wd22")
    deck_json = spec(ward_choropleth(table, outlines, "count_b"))
    features = ward_features(deck_json)
    assert len(features) == 12
    assert {f["geometry"]["type"] for f in features.values()} <= {"Polygon", "MultiPolygon"}
    abbey = features["Abbey"]["properties"]["tooltip"]
    assert abbey.splitlines()[:4] == ["Abbey (Redditch)", "2017-18: 603", "2018-19: 562", "Change: -41 (-7%)"]
    # Every ward is drawn and named on hover; its label is drawn unless it would pile onto another.
    assert_labels_do_not_collide(deck_json, set(features), at_least=10)
    assert_view_fits(deck_json, drawn_bounds(deck_json, "wards"))
    check_bins_cover(legend(table, "count_b").to_frame(), table["count_b"].iloc[:-1].tolist())
    assert "://" not in json.dumps(deck_json)


def test_north_worcestershire_views_and_public_mode_on_the_built_store(built_conn):
    outlines = ward_outlines(built_conn, "wd22")
    table = ward_deltas(built_conn, Selection(source="extract"), FY2017, FY2018)
    deck_json = spec(ward_choropleth(table, outlines, "rate_b_per_1000"))
    assert len(ward_features(deck_json)) == 54
    assert_view_fits(deck_json, tuple(outlines.total_bounds))
    # Public mode with a high threshold, so that real wards are hidden: their counts, and the
    # change and rate that would give them away, are nowhere in their tooltips.
    threshold = 100
    public = spec(ward_choropleth(table, outlines, "pct_change", suppress_below=threshold))
    rows = table[table["ward_code"] != ""].set_index("ward_name")
    hidden = 0
    for name, feature in ward_features(public).items():
        tip = feature["properties"]["tooltip"].splitlines()
        for line, count in zip(tip[1:3], (rows.loc[name, "count_a"], rows.loc[name, "count_b"]), strict=False):
            if count < threshold:
                hidden += 1
                assert line.endswith(f": <{threshold}")
            else:
                assert line.endswith(f": {count:,}")
        if min(rows.loc[name, "count_a"], rows.loc[name, "count_b"]) < threshold:
            assert tip[3] == "Change: not shown (small numbers)" and tip[-1] == "Significant change: not shown"
            if rows.loc[name, "count_b"] < threshold:
                assert tip[4] == "Rate per 1,000 residents, 2018-19: not shown"
            assert feature["properties"]["fill"][:3] == list(SUPPRESSED_COLOUR)
    assert hidden > 0


def test_labels_that_would_pile_up_are_left_out_the_larger_ward_first():
    import shapely.geometry

    big = shapely.geometry.box(-1.95, 52.28, -1.90, 52.32)
    small = shapely.geometry.box(-1.9301, 52.2999, -1.9299, 52.3001)
    shapes = pd.DataFrame(
        {
            "ward_name": ["Headless Cross and Oakenshaw", "Greenlands", "Far Away"],
            "label_lon": [-1.93, -1.9301, -1.70],
            "label_lat": [52.30, 52.3001, 52.30],
            "geometry": [big, small, small],
        }
    )
    kept = placed_labels(shapes, zoom=11)
    assert kept["ward_name"].tolist() == ["Headless Cross and Oakenshaw", "Far Away"]
    # Zoomed in far enough, both fit.
    assert len(placed_labels(shapes, zoom=18)) == 3
