"""The pieces every map shares (analytics.present.maps), tested as data: the deck JSON, not pixels.

No request without a base map, the base map only on request, the view fitted to what is drawn,
ward outlines given in any of their forms, large outlines simplified, a deck's JSON written once,
and public mode hiding every small count in every deck. The frames are in tests/map_frames.py.
"""

from __future__ import annotations

import copy
import json
import math
import re
import subprocess
import sys

import pandas as pd
import pydeck as pdk
import pytest
import shapely

from analytics.core.table_meta import PeriodCoverage, TableMeta, with_meta
from analytics.present.hotspot_map import hotspot_map, points_map
from analytics.present.maps import (
    BASEMAP_STYLE,
    FAST_LAYERS,
    NO_BASEMAP_STYLE,
    SIMPLIFY_ABOVE_WARDS,
    VIEW_WIDTH_PX,
    ward_outline_layer,
)
from analytics.present.ward_map import ward_choropleth
from tests import map_frames
from tests.map_frames import (
    ROOT,
    THRESHOLD,
    all_decks,
    assert_view_fits,
    data_numbers,
    drawn_bounds,
    layer,
    segment_lines,
    spec,
)

outlines = pytest.fixture(map_frames.outlines)
ward_frame = pytest.fixture(map_frames.ward_frame)
cells = pytest.fixture(map_frames.cells)
locations = pytest.fixture(map_frames.locations)


# ---------------------------------------------------------------------------
# No network
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("public", [False, True])
def test_no_url_anywhere_by_default(ward_frame, outlines, cells, locations, monkeypatch, public):
    # Keys in the environment must not reach the JSON either.
    for variable in ("CARTO_API_KEY", "MAPBOX_API_KEY", "MapboxAccessToken", "GOOGLE_MAPS_API_KEY"):
        monkeypatch.setenv(variable, "secret-key-from-env")
    decks = all_decks(ward_frame, outlines, cells, locations, THRESHOLD if public else None)
    for name, deck in decks.items():
        text = deck.to_json()
        assert not re.search(r"(?i)https?:|://|www\.|cartocdn|mapbox|secret-key", text), name
        assert "://" not in json.dumps(deck._tooltip), name
        deck_json = json.loads(text)
        # No provider, and the "no style chosen" value Streamlit reads as "no base map"
        # (map_style=None would be dropped from the JSON and Streamlit would add Carto's).
        assert "mapProvider" not in deck_json, name
        assert deck_json["mapStyle"] == NO_BASEMAP_STYLE == "__MAP_STYLE__", name
        # Fills, lines and labels (and points), each kind set up alike: quick to draw. No layer is
        # the size of the map: the page paints the ground behind the transparent canvas.
        assert {item["@@type"] for item in deck_json["layers"]} <= set(FAST_LAYERS), name
        fills = [item for item in deck_json["layers"] if item["@@type"] in ("PolygonLayer", "GeoJsonLayer")]
        assert all(item["stroked"] is False for item in fills), name  # no PathLayer under a fill


def test_basemap_is_opt_in_and_the_only_url(ward_frame, outlines, cells, locations):
    for deck in (
        ward_choropleth(ward_frame, outlines, basemap=True),
        hotspot_map(cells, outlines, basemap=True),
        points_map(locations, outlines, basemap=True),
    ):
        text = deck.to_json()
        deck_json = json.loads(text)
        assert deck_json["mapProvider"] == "carto"
        assert deck_json["mapStyle"] == BASEMAP_STYLE == pdk.map_styles.CARTO_LIGHT
        assert re.findall(r"https?://[^\"]+", text) == [BASEMAP_STYLE]
        assert {item["@@type"] for item in deck_json["layers"]} <= set(FAST_LAYERS)


def test_analytics_maps_does_not_import_streamlit():
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, analytics.present.maps, analytics.present.ward_map, analytics.present.hotspot_map; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'streamlit'))",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == "[]"


# ---------------------------------------------------------------------------
# Outlines, inputs and the deck's JSON
# ---------------------------------------------------------------------------


def test_outlines_given_as_wkb_or_geojson_draw_the_same_deck(ward_frame, outlines):
    expected = ward_choropleth(ward_frame, outlines).to_json()
    plain = pd.DataFrame(outlines.drop(columns="geometry"))
    as_wkb = plain.assign(geometry_wkb=shapely.to_wkb(outlines.geometry.to_numpy()))
    as_geojson = plain.assign(geometry_geojson=shapely.to_geojson(outlines.geometry.to_numpy()))
    assert ward_choropleth(ward_frame, as_wkb).to_json() == expected
    assert ward_choropleth(ward_frame, as_geojson).to_json() == expected
    # Without label points, labels go on a point inside each ward.
    unlabelled = outlines.drop(columns=["centroid_lon", "centroid_lat"])
    labels = layer(spec(ward_choropleth(ward_frame, unlabelled)), "ward-labels")["data"]
    for label, box in zip(labels, outlines.geometry[:3], strict=False):
        assert box.contains(shapely.Point(label["position"]))


def test_inputs_are_not_modified(ward_frame, outlines, cells, locations):
    before = [copy.deepcopy(f) for f in (ward_frame, outlines, cells, locations)]
    all_decks(ward_frame, outlines, cells, locations)
    all_decks(ward_frame, outlines, cells, locations, THRESHOLD)
    for original, now in zip(before, (ward_frame, outlines, cells, locations), strict=False):
        pd.testing.assert_frame_equal(original, now)
        assert original.attrs == now.attrs


@pytest.mark.parametrize("make", ["hotspots", "choropleth", "points"])
def test_deck_json_is_pydecks_own_compact_and_written_once(make, cells, outlines, ward_frame, locations):
    deck = {
        "hotspots": lambda: hotspot_map(cells, outlines),
        "choropleth": lambda: ward_choropleth(ward_frame, outlines),
        "points": lambda: points_map(locations, outlines),
    }[make]()
    first = deck.to_json()
    assert json.loads(first) == json.loads(pdk.bindings.json_tools.serialize(deck))
    assert "\n" not in first and len(first) < len(pdk.bindings.json_tools.serialize(deck)) / 2
    assert deck.to_json() is first
    assert "_written" not in first


# ---------------------------------------------------------------------------
# Public mode
# ---------------------------------------------------------------------------


def test_public_mode_no_number_below_the_threshold_in_the_json(ward_frame, outlines, cells, locations):
    for name, deck in all_decks(ward_frame, outlines, cells, locations, THRESHOLD).items():
        deck_json = spec(deck)
        numbers = data_numbers(deck_json)
        assert numbers, name
        small = sorted({n for n in numbers if n < THRESHOLD})
        assert not small, f"{name}: numbers below {THRESHOLD} in the deck: {small}"
    # The same scan finds them in analyst mode: it is not blind.
    analyst = all_decks(ward_frame, outlines, cells, locations)
    for name in ("choropleth-count_b", "hotspots", "points"):
        assert any(n < THRESHOLD for n in data_numbers(spec(analyst[name]))), name


# ---------------------------------------------------------------------------
# The view
# ---------------------------------------------------------------------------


def test_view_is_computed_from_the_wards_drawn(ward_frame, outlines, cells, locations):
    deck_json = spec(ward_choropleth(ward_frame, outlines))
    assert drawn_bounds(deck_json, "wards") == (-1.95, 52.28, -1.91, 52.30)
    assert_view_fits(deck_json, (-1.95, 52.28, -1.91, 52.30))
    assert deck_json["initialViewState"]["longitude"] == -1.93
    # One ward far away: the view moves with the data.
    delta = ward_frame.iloc[[0]].assign(ward_code="E05000004", ward_name="Delta", district="Bromsgrove")
    far = spec(ward_choropleth(delta, outlines))
    assert_view_fits(far, (-2.05, 52.33, -2.03, 52.34))
    assert far["initialViewState"]["zoom"] > deck_json["initialViewState"]["zoom"]
    for deck in (hotspot_map(cells, outlines), points_map(locations, outlines)):
        hot = spec(deck)
        assert_view_fits(hot, drawn_bounds(hot, "ward-outlines"))


# ---------------------------------------------------------------------------
# Many wards
# ---------------------------------------------------------------------------


def _wavy_wards(n: int) -> pd.DataFrame:
    """n square wards in a row, each edge a wave of 200 small steps (like ONS generalised lines)."""
    shapes = []
    for i in range(n):
        x0 = i * 0.01
        top = [(x0 + 0.01 * k / 200, 0.01 + 0.00001 * math.sin(k)) for k in range(201)]
        shapes.append(shapely.Polygon([(x0, 0.0), (x0 + 0.01, 0.0)] + top[::-1]))
    return pd.DataFrame(
        {
            "ward_code": [f"W{i}" for i in range(n)],
            "ward_name": [f"Ward {i}" for i in range(n)],
            "district": "D",
            "geometry": shapes,
        }
    )


def _edges(features) -> int:
    """Edges of GeoJSON polygons' rings (a ring's last point repeats its first)."""
    return sum(len(ring) - 1 for f in features for ring in f["geometry"]["coordinates"])


def test_outlines_of_a_county_or_more_are_simplified_to_a_pixel():
    few = _wavy_wards(SIMPLIFY_ABOVE_WARDS)
    many = _wavy_wards(SIMPLIFY_ABOVE_WARDS + 1)
    # Up to the limit (North Worcestershire has 54 wards) every edge is drawn: a segment each.
    assert len(ward_outline_layer(few).data) == sum(len(g.exterior.coords) - 1 for g in few.geometry)
    layer = ward_outline_layer(many)
    assert len(layer.data) < sum(len(g.exterior.coords) - 1 for g in many.geometry) / 10
    # No simplified outline strays more than a pixel of the fitted view from the true one, either way.
    pixel = (many.geometry.iloc[-1].bounds[2] - 0.0) / VIEW_WIDTH_PX
    true_lines = shapely.MultiLineString([g.exterior for g in many.geometry])
    assert shapely.hausdorff_distance(segment_lines(layer), true_lines) <= pixel * 1.01


def test_choropleth_of_a_county_or_more_is_simplified_like_the_outlines():
    many = _wavy_wards(SIMPLIFY_ABOVE_WARDS + 1)
    frame = pd.DataFrame(
        {
            "ward_code": many["ward_code"],
            "ward_name": many["ward_name"],
            "district": "D",
            "count_a": 10,
            "count_b": range(len(many)),
        }
    )
    with_meta(frame, TableMeta(period_a=PeriodCoverage("2024"), period_b=PeriodCoverage("2025")))
    wards = next(item for item in ward_choropleth(frame, many).layers if item.id == "wards")
    assert wards.id == "wards"
    # The fills are the shapes the outlines draw: an edge of a fill for every segment.
    assert _edges(wards.data["features"]) == len(ward_outline_layer(many).data)
    assert _edges(wards.data["features"]) < sum(len(g.exterior.coords) for g in many.geometry) / 10
    # Every ward is still drawn, and each one's tooltip still names it.
    assert [f["properties"]["ward_code"] for f in wards.data["features"]] == list(many["ward_code"])
