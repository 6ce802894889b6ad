"""Maps are tested as data: the deck JSON, not pixels.

Golden files in tests/data/maps/ hold ``deck.to_json()`` of decks drawn from small hand-made
frames; a change to a map then shows up as a diff of that file. After an intended change,
rewrite them with

    MAPS_UPDATE_GOLDEN=1 .venv/bin/pytest -q tests/test_maps.py

and read the diff before committing it.

The hand-made wards (WGS84, near Redditch):

    52.30 +---------+---------+
          |  Alpha  |  Bravo  |      Delta (Bromsgrove) lies further off and is in no frame.
    52.29 +---------+---------+
          |      Charlie      |
    52.28 +-------------------+
        -1.95     -1.93     -1.91

Counts (2017-18 -> 2018-19): Alpha 120 -> 90 (-30, -25%, significant), Bravo 3 -> 12 (+9,
+300%, significant), Charlie 0 -> 4 ("new", no population). With 20-wide count bins (90 is the
largest count, and 10 would need 10 bins), Alpha's 90 is in the darkest bin, Bravo's 12 and
Charlie's 4 in the lightest.
"""

from __future__ import annotations

import copy
import json
import math
import os
import re
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pydeck as pdk
import pytest
import shapely

from analytics.analyses.wards import ward_deltas
from analytics.core.errors import AnalyticsError
from analytics.core.periods import parse_period
from analytics.core.selection import Selection
from analytics.present import maps

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).resolve().parent / "data" / "maps"
UPDATE_GOLDEN = os.environ.get("MAPS_UPDATE_GOLDEN", "").lower() in ("1", "true", "yes")
THRESHOLD = 10

# ---------------------------------------------------------------------------
# Hand-made frames
# ---------------------------------------------------------------------------


@pytest.fixture
def outlines() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "ward_code": ["E05000001", "E05000002", "E05000003", "E05000004"],
            "ward_name": ["Alpha", "Bravo", "Charlie", "Delta"],
            "district": ["Redditch", "Redditch", "Redditch", "Bromsgrove"],
            "centroid_lon": [-1.94, -1.92, -1.93, -2.04],
            "centroid_lat": [52.295, 52.295, 52.285, 52.335],
        },
        geometry=[
            shapely.box(-1.95, 52.29, -1.93, 52.30),
            shapely.box(-1.93, 52.29, -1.91, 52.30),
            shapely.box(-1.95, 52.28, -1.91, 52.29),
            shapely.box(-2.05, 52.33, -2.03, 52.34),
        ],
        crs="EPSG:4326",
    )


@pytest.fixture
def ward_frame() -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "ward_code": ["E05000001", "E05000002", "E05000003", ""],
            "ward_name": ["Alpha", "Bravo", "Charlie", "Grand Total"],
            "district": ["Redditch", "Redditch", "Redditch", "Redditch"],
            "count_a": [120, 3, 0, 123],
            "count_b": [90, 12, 4, 106],
            "difference": [-30, 9, 4, -17],
            "pct_change": pd.array([-25, 300, None, -14], dtype="Int64"),
            "percentage": ["-25%", "300%", "new", "-14%"],
            "population_mid2018": pd.array([6000, 1000, None, 7000], dtype="Int64"),
            "rate_a_per_1000": pd.array([20.0, 3.0, None, 17.6], dtype="Float64"),
            "rate_b_per_1000": pd.array([15.0, 12.0, None, 15.1], dtype="Float64"),
            "z": [-2.08, 2.0, 1.4, -1.13],
            "p_value": [0.0375, 0.0455, 0.16, 0.2585],
            "significant": [True, True, False, False],
            "small_numbers": [False, True, True, False],
        }
    )
    frame.attrs.update({"period_a": "2017-18", "period_b": "2018-19", "boundaries": "WD22"})
    return frame


def _cell(col: int, row: int) -> list[list[float]]:
    lon, lat = -1.95 + 0.0037 * col, 52.29 + 0.00225 * row
    return [[lon, lat], [lon + 0.0037, lat], [lon + 0.0037, lat + 0.00225], [lon, lat + 0.00225]]


@pytest.fixture
def cells() -> pd.DataFrame:
    """A 3 x 3 lattice, south row first. Drawn: the five cells with incidents and the empty hot
    cell (col 0, row 1); the empty cold cell (col 0, row 2) only with show_cold_spots."""
    counts = [0, 2, 30, 0, 15, 45, 0, 0, 8]
    classes = [
        "Not significant",
        "Not significant",
        "Hot spot 95%",
        "Hot spot 90%",
        "Hot spot 90%",
        "Hot spot 99%",
        "Cold spot 95%",
        "Not significant",
        "Not significant",
    ]
    z = [-0.5, 0.2, 2.1, 1.7, 1.71, 2.9, -2.0, -0.3, 0.4]
    positions = [(c, r) for r in range(3) for c in range(3)]
    frame = pd.DataFrame(
        {
            "cell_id": [f"E{1600 + c}_N{1040 + r}" for c, r in positions],
            "longitude": [-1.95 + 0.0037 * (c + 0.5) for c, _ in positions],
            "latitude": [52.29 + 0.00225 * (r + 0.5) for _, r in positions],
            "polygon": [_cell(c, r) for c, r in positions],
            "ward_code": ["E05000001"] * 9,
            "ward_name": ["Alpha"] * 9,
            "district": ["Redditch"] * 9,
            "count": counts,
            "gi_z": z,
            "gi_p": [0.6, 0.8, 0.036, 0.089, 0.087, 0.004, 0.046, 0.76, 0.69],
            "hotspot_class": classes,
        }
    )
    frame.attrs["period"] = "Jan\u2013Dec 2025"
    return frame


@pytest.fixture
def locations() -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "rank": [1, 2, 3],
            "location": ["On or near High Street", "On or near Park Road", "On or near Mill Lane"],
            "ward_code": ["E05000001", "E05000002", "E05000001"],
            "ward_name": ["Alpha", "Bravo", "Alpha"],
            "district": ["Redditch"] * 3,
            "count": [40, 12, 3],
            "longitude": [-1.941, -1.921, -1.945],
            "latitude": [52.296, 52.294, 52.292],
            "share_pct": [40.0, 12.0, 3.0],
        }
    )
    frame.attrs["period"] = "Jan\u2013Dec 2025"
    return frame


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------


def spec(deck: pdk.Deck) -> dict:
    return json.loads(deck.to_json())


def layer(deck_json: dict, layer_id: str) -> dict:
    found = [l for l in deck_json["layers"] if l["id"] == layer_id]
    assert found, f"no layer {layer_id!r} in {[l['id'] for l in deck_json['layers']]}"
    return found[0]


def records(layer_json: dict) -> list[dict]:
    """A layer's data rows: a GeoJSON feature's properties, or the row itself."""
    data = layer_json["data"]
    if isinstance(data, dict) and data.get("type") == "FeatureCollection":
        return [feature["properties"] for feature in data["features"]]
    return data


def ward_features(deck_json: dict) -> dict[str, dict]:
    return {f["properties"]["ward_name"]: f for f in layer(deck_json, "wards")["data"]["features"]}


def check_golden(deck: pdk.Deck, name: str) -> None:
    path = GOLDEN / f"{name}.json"
    # The deck writes compact JSON; the golden file keeps it indented, as pydeck would, to be read in a diff.
    text = json.dumps(json.loads(deck.to_json()), sort_keys=True, indent=2) + "\n"
    if UPDATE_GOLDEN:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"{path} is missing: run with MAPS_UPDATE_GOLDEN=1 to write it"
    assert text == path.read_text(encoding="utf-8"), (
        f"{name}: the deck differs from {path}; if the change is intended, rerun with MAPS_UPDATE_GOLDEN=1"
    )


# Keys of layer data that draw rather than tell: geometry, colours, sizes.
DRAWING_KEYS = {"coordinates", "polygon", "position", "fill", "line", "width", "radius", "type", "geometry"}
NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")


def _numbers(value) -> list[float]:
    if isinstance(value, bool) or value is None:
        return []
    if isinstance(value, (int, float)):
        return [float(value)]
    if isinstance(value, str):
        return [float(token.replace(",", "")) for token in NUMBER.findall(value)]
    if isinstance(value, dict):
        return [n for k, v in value.items() if k not in DRAWING_KEYS for n in _numbers(v)]
    if isinstance(value, list):
        return [n for v in value for n in _numbers(v)]
    return []


def data_numbers(deck_json: dict) -> list[float]:
    """Every number the layer data tells (in values and inside text), not how it is drawn."""
    return [n for l in deck_json["layers"] if l["id"] != "background" for n in _numbers(records(l))]


def tooltips(deck_json: dict) -> list[str]:
    return [r["tooltip"] for l in deck_json["layers"] for r in records(l) if "tooltip" in r]


def drawn_bounds(deck_json: dict, layer_id: str) -> tuple[float, float, float, float]:
    data = layer(deck_json, layer_id)["data"]
    shapes = [shapely.geometry.shape(f["geometry"]) for f in data["features"]]
    return tuple(shapely.total_bounds(shapes))


def assert_view_fits(deck_json: dict, bounds) -> None:
    view = deck_json["initialViewState"]
    min_lon, min_lat, max_lon, max_lat = bounds
    assert min_lon <= view["longitude"] <= max_lon
    assert min_lat <= view["latitude"] <= max_lat
    # At the initial zoom the drawn area fits the canvas the view is fitted to...
    scale = maps.TILE_SIZE_PX * 2 ** view["zoom"]
    width_px = (max_lon - min_lon) / 360 * scale
    y = lambda lat: math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))  # noqa: E731
    height_px = (y(max_lat) - y(min_lat)) / (2 * math.pi) * scale
    assert width_px <= maps.VIEW_WIDTH_PX and height_px <= maps.VIEW_HEIGHT_PX
    # ...and fills most of it in one direction: the view is fitted, not a fixed zoom.
    assert max(width_px / maps.VIEW_WIDTH_PX, height_px / maps.VIEW_HEIGHT_PX) > 0.8


def all_decks(ward_frame, outlines, cells, locations, suppress_below=None) -> dict[str, pdk.Deck]:
    decks = {
        f"choropleth-{m}": maps.ward_choropleth(ward_frame, outlines, m, suppress_below=suppress_below)
        for m in maps.MEASURES
    }
    decks["hotspots"] = maps.hotspot_map(cells, outlines, suppress_below=suppress_below)
    decks["hotspots-cold"] = maps.hotspot_map(cells, outlines, suppress_below=suppress_below, show_cold_spots=True)
    decks["points"] = maps.points_map(locations, outlines, suppress_below=suppress_below)
    return decks


# ---------------------------------------------------------------------------
# Golden decks
# ---------------------------------------------------------------------------


def test_choropleth_matches_golden(ward_frame, outlines):
    check_golden(maps.ward_choropleth(ward_frame, outlines, "count_b"), "choropleth_count_b")


def test_public_pct_change_choropleth_matches_golden(ward_frame, outlines):
    check_golden(
        maps.ward_choropleth(ward_frame, outlines, "pct_change", suppress_below=THRESHOLD),
        "choropleth_pct_change_public",
    )


def test_hotspot_map_matches_golden(cells, outlines):
    check_golden(maps.hotspot_map(cells, outlines), "hotspots")


def test_points_map_matches_golden(locations, outlines):
    check_golden(maps.points_map(locations, outlines, suppress_below=THRESHOLD), "points_public")


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
        assert deck_json["mapStyle"] == maps.NO_BASEMAP_STYLE == "__MAP_STYLE__", name
        assert deck_json["layers"][0]["id"] == "background", name


def test_basemap_is_opt_in_and_the_only_url(ward_frame, outlines, cells, locations):
    for deck in (
        maps.ward_choropleth(ward_frame, outlines, basemap=True),
        maps.hotspot_map(cells, outlines, basemap=True),
        maps.points_map(locations, outlines, basemap=True),
    ):
        text = deck.to_json()
        deck_json = json.loads(text)
        assert deck_json["mapProvider"] == "carto"
        assert deck_json["mapStyle"] == maps.BASEMAP_STYLE == pdk.map_styles.CARTO_LIGHT
        assert re.findall(r"https?://[^\"]+", text) == [maps.BASEMAP_STYLE]
        assert "background" not in [l["id"] for l in deck_json["layers"]]


def test_analytics_maps_does_not_import_streamlit():
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, analytics.present.maps; print(sorted(m for m in sys.modules if m.split('.')[0] == 'streamlit'))",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == "[]"


# ---------------------------------------------------------------------------
# Ward choropleth
# ---------------------------------------------------------------------------


def test_choropleth_draws_the_frames_wards_with_outlines_and_labels(ward_frame, outlines):
    deck_json = spec(maps.ward_choropleth(ward_frame, outlines))
    assert [l["id"] for l in deck_json["layers"]] == ["background", "wards", "ward-labels"]
    wards = layer(deck_json, "wards")
    # Grand Total and Delta (not in the frame) are not drawn.
    assert list(ward_features(deck_json)) == ["Alpha", "Bravo", "Charlie"]
    assert wards["stroked"] and wards["filled"] and wards["pickable"]
    assert wards["getLineColor"] == list(maps.WARD_LINE_COLOUR)
    labels = layer(deck_json, "ward-labels")
    assert [(r["name"], r["position"]) for r in labels["data"]] == [
        ("Alpha", [-1.94, 52.295]),
        ("Bravo", [-1.92, 52.295]),
        ("Charlie", [-1.93, 52.285]),
    ]
    assert deck_json["layers"][0]["getFillColor"] == list(maps.BACKGROUND_COLOUR)


def test_choropleth_tooltip_says_counts_change_rate_and_significance(ward_frame, outlines):
    deck = maps.ward_choropleth(ward_frame, outlines)
    assert deck._tooltip == maps.TOOLTIP
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
                "Alpha": maps.SEQUENTIAL_COLOURS[-1],
                "Bravo": maps.SEQUENTIAL_COLOURS[0],
                "Charlie": maps.SEQUENTIAL_COLOURS[0],
            },
        ),
        (
            "pct_change",
            {"Alpha": maps.DIVERGING_COLOURS[1], "Bravo": maps.DIVERGING_COLOURS[-1], "Charlie": maps.NO_DATA_COLOUR},
        ),
        (
            "rate_b_per_1000",
            {"Alpha": maps.SEQUENTIAL_COLOURS[-1], "Bravo": maps.SEQUENTIAL_COLOURS[3], "Charlie": maps.NO_DATA_COLOUR},
        ),
        (
            "significance",
            {
                "Alpha": maps.SIGNIFICANCE_COLOURS["Significant decrease"],
                "Bravo": maps.SIGNIFICANCE_COLOURS["Significant increase"],
                "Charlie": maps.SIGNIFICANCE_COLOURS["No significant change"],
            },
        ),
    ],
)
def test_choropleth_colours_worked_out_by_hand(ward_frame, outlines, measure, expected):
    # rate_b: 15.0 and 12.0 (one decimal) -> 5-wide bins from 0 (2.5 would need 7 bins, more than
    # the 6 colours): four bins, which take colours 0, 2, 3 and 5 of the six; 15.0 is in the
    # fourth (15.0-19.9), 12.0 in the third (10.0-14.9).
    features = ward_features(spec(maps.ward_choropleth(ward_frame, outlines, measure)))
    assert {name: tuple(f["properties"]["fill"][:3]) for name, f in features.items()} == expected
    assert {f["properties"]["fill"][3] for f in features.values()} == {maps.FILL_ALPHA}


@pytest.mark.parametrize("measure", list(maps.MEASURES))
def test_map_colours_are_the_legend_colours(ward_frame, outlines, measure):
    for threshold in (None, THRESHOLD):
        table = maps.legend(ward_frame, measure, suppress_below=threshold).to_frame()
        features = ward_features(spec(maps.ward_choropleth(ward_frame, outlines, measure, threshold)))
        in_legend = {tuple(colour) for colour in table["colour"]}
        for feature in features.values():
            assert tuple(feature["properties"]["fill"][:3]) in in_legend


def test_bad_measure_and_threshold_are_refused_with_the_valid_choices(ward_frame, outlines):
    with pytest.raises(AnalyticsError, match="Valid choices: count_a, count_b, pct_change"):
        maps.ward_choropleth(ward_frame, outlines, "rate")
    for bad in (0, -5, 2.5, True, "10"):
        with pytest.raises(AnalyticsError, match="suppress_below"):
            maps.ward_choropleth(ward_frame, outlines, suppress_below=bad)
    with pytest.raises(AnalyticsError, match="Valid choices"):
        maps.legend(ward_frame, "rates")


def test_outlines_of_another_vintage_are_refused(ward_frame, outlines):
    with pytest.raises(AnalyticsError, match="No boundary for ward.*E05000003"):
        maps.ward_choropleth(ward_frame, outlines[outlines.ward_code != "E05000003"])


def test_outlines_given_as_wkb_or_geojson_draw_the_same_deck(ward_frame, outlines):
    expected = maps.ward_choropleth(ward_frame, outlines).to_json()
    plain = pd.DataFrame(outlines.drop(columns="geometry"))
    as_wkb = plain.assign(geometry_wkb=shapely.to_wkb(outlines.geometry.to_numpy()))
    as_geojson = plain.assign(geometry_geojson=shapely.to_geojson(outlines.geometry.to_numpy()))
    assert maps.ward_choropleth(ward_frame, as_wkb).to_json() == expected
    assert maps.ward_choropleth(ward_frame, as_geojson).to_json() == expected
    # Without label points, labels go on a point inside each ward.
    unlabelled = outlines.drop(columns=["centroid_lon", "centroid_lat"])
    labels = layer(spec(maps.ward_choropleth(ward_frame, unlabelled)), "ward-labels")["data"]
    for label, box in zip(labels, outlines.geometry[:3], strict=False):
        assert box.contains(shapely.Point(label["position"]))


def test_inputs_are_not_modified(ward_frame, outlines, cells, locations):
    before = [copy.deepcopy(f) for f in (ward_frame, outlines, cells, locations)]
    all_decks(ward_frame, outlines, cells, locations)
    all_decks(ward_frame, outlines, cells, locations, THRESHOLD)
    for original, now in zip(before, (ward_frame, outlines, cells, locations), strict=False):
        pd.testing.assert_frame_equal(original, now)
        assert original.attrs == now.attrs


# ---------------------------------------------------------------------------
# Legends
# ---------------------------------------------------------------------------


def _check_bins_cover(table: pd.DataFrame, values) -> None:
    bins = table[table["kind"] == "bin"]
    assert len(bins) >= 1
    lower, upper = bins["lower"].tolist(), bins["upper"].tolist()
    assert lower[1:] == upper[:-1], "bins must touch, with no gap or overlap"
    assert all(lo < hi for lo, hi in zip(lower, upper, strict=False))
    assert min(values) >= lower[0] and max(values) < upper[-1]
    for value in values:
        assert ((bins["lower"] <= value) & (value < bins["upper"])).sum() == 1


@pytest.mark.parametrize("measure", ["count_a", "count_b", "rate_a_per_1000", "rate_b_per_1000", "pct_change"])
def test_legend_bins_cover_the_data_range(ward_frame, measure):
    rows = ward_frame[ward_frame["ward_code"] != ""]
    values = [float(v) for v in rows[measure].dropna()]
    table = maps.legend(ward_frame, measure).to_frame()
    _check_bins_cover(table, values)
    assert len(table[table["kind"] == "bin"]) <= len(maps.SEQUENTIAL_COLOURS) + 1
    # The Grand Total (123, 106) is not a ward and does not stretch the scale.
    if measure == "count_a":
        assert table[table["kind"] == "bin"]["upper"].max() == 125


def test_legend_labels_and_entries_worked_out_by_hand(ward_frame):
    count_b = maps.legend(ward_frame, "count_b").to_frame()
    assert count_b["label"].tolist() == ["0\u201319", "20\u201339", "40\u201359", "60\u201379", "80\u201399"]
    assert count_b.attrs["title"] == "Incidents, 2018-19"
    assert count_b["hex"].iloc[0] == "#fde725" and count_b["hex"].iloc[-1] == "#440154"
    public = maps.legend(ward_frame, "count_b", suppress_below=THRESHOLD).to_frame()
    # 4 is hidden; 12 and 90 are shown: the first bin starts at the threshold.
    assert public["label"].tolist() == [
        "10\u201319",
        "20\u201339",
        "40\u201359",
        "60\u201379",
        "80\u201399",
        "Fewer than 10: not shown",
    ]
    assert public["colour"].iloc[-1] == list(maps.SUPPRESSED_COLOUR)
    pct = maps.legend(ward_frame, "pct_change").to_frame()
    assert pct["label"].tolist() == list(maps.PCT_CHANGE_LABELS) + ["No comparison (none in 2017-18)"]
    assert pct["lower"].iloc[0] == -math.inf and pct["upper"].iloc[6] == math.inf
    rate = maps.legend(ward_frame, "rate_b_per_1000").to_frame()
    assert rate["label"].tolist() == [
        "0.0\u20134.9",
        "5.0\u20139.9",
        "10.0\u201314.9",
        "15.0\u201319.9",
        "No population figure",
    ]
    assert rate["label"].iloc[-1] == "No population figure"
    significance = maps.legend(None, "significance").to_frame()
    assert significance["label"].tolist() == list(maps.SIGNIFICANCE_CATEGORIES)
    classes = maps.legend(None, "hotspot_class").to_frame()
    assert classes["label"].tolist() == list(maps.HOTSPOT_CLASS_STYLES)
    assert classes["line_width"].tolist() == [4.0, 2.5, 1.5, 1.5, 2.5, 4.0]
    with pytest.raises(AnalyticsError, match="pass the frame"):
        maps.legend(None, "count_b")


def test_legend_is_a_list_of_entries_with_a_title(ward_frame):
    entries = maps.legend(ward_frame, "pct_change", suppress_below=THRESHOLD)
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
    assert maps.legend(ward_frame, "count_b", suppress_below=THRESHOLD)[-1]["label"] == "Fewer than 10: not shown"
    assert (
        maps.legend(ward_frame, "rate_b_per_1000", suppress_below=THRESHOLD)[-1]["label"]
        == "Fewer than 10 incidents: not shown"
    )


def test_cell_legend_covers_the_drawn_cells(cells):
    table = maps.legend(cells, "cell_count").to_frame()
    _check_bins_cover(table, [c for c in cells["count"] if c > 0])
    # Empty cells are not drawn, so the first bin starts at 1.
    assert table["label"].tolist() == ["1\u20139", "10\u201319", "20\u201329", "30\u201339", "40\u201349"]
    assert table.attrs["title"] == "Incidents per cell, Jan\u2013Dec 2025"


def test_colour_scales_are_the_declared_palettes():
    assert len(maps.SEQUENTIAL_COLOURS) == 6
    assert len(maps.DIVERGING_COLOURS) == len(maps.PCT_CHANGE_EDGES) - 1 == len(maps.PCT_CHANGE_LABELS)
    # Sequential: lightest first, getting darker all the way (it reads in grey scale too).
    luminance = [0.2126 * r + 0.7152 * g + 0.0722 * b for r, g, b in maps.SEQUENTIAL_COLOURS]
    assert luminance == sorted(luminance, reverse=True)
    # Diverging: blue at the falling end, orange at the rising end, lightest in the middle.
    (r0, _, b0), (r6, _, b6) = maps.DIVERGING_COLOURS[0], maps.DIVERGING_COLOURS[-1]
    assert b0 > r0 and r6 > b6
    assert max(maps.DIVERGING_COLOURS, key=sum) == maps.DIVERGING_COLOURS[3]
    assert maps.SUPPRESSED_COLOUR not in (*maps.SEQUENTIAL_COLOURS, *maps.DIVERGING_COLOURS)


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


def test_public_mode_ward_tooltips_say_less_than_n(ward_frame, outlines):
    for measure in maps.MEASURES:
        features = ward_features(spec(maps.ward_choropleth(ward_frame, outlines, measure, THRESHOLD)))
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
        grey = {name for name, f in features.items() if f["properties"]["fill"][:3] == list(maps.SUPPRESSED_COLOUR)}
        assert grey == hidden, measure


def test_public_mode_cells_and_points(cells, outlines, locations):
    deck_json = spec(maps.hotspot_map(cells, outlines, suppress_below=THRESHOLD))
    drawn = {r["cell_id"]: r for r in layer(deck_json, "cells")["data"]}
    assert (
        drawn["E1601_N1040"]["tooltip"]
        == "Cell E1601_N1040 \u00b7 Alpha (Redditch)\nIncidents, Jan\u2013Dec 2025: <10\nNot significant"
    )
    assert drawn["E1601_N1040"]["fill"][:3] == list(maps.SUPPRESSED_COLOUR)
    assert drawn["E1602_N1041"]["tooltip"].splitlines()[1:] == ["Incidents, Jan\u2013Dec 2025: 45", "Hot spot 99%"]
    points = layer(spec(maps.points_map(locations, outlines, suppress_below=THRESHOLD)), "locations")["data"]
    assert [p["tooltip"].splitlines()[0] for p in points] == ["On or near High Street", "On or near Park Road"]


# ---------------------------------------------------------------------------
# Hot-spot and points maps
# ---------------------------------------------------------------------------


def test_hotspot_map_draws_cells_with_incidents_and_outlines_hot_spots(cells, outlines):
    deck_json = spec(maps.hotspot_map(cells, outlines))
    assert [l["id"] for l in deck_json["layers"]] == [
        "background",
        "cells",
        "hotspot-outlines",
        "ward-outlines",
        "ward-labels",
    ]
    drawn = {r["cell_id"]: r for r in layer(deck_json, "cells")["data"]}
    # Five cells with incidents and the empty hot cell; empty, unremarkable cells are not drawn.
    assert sorted(drawn) == ["E1600_N1041", "E1601_N1040", "E1601_N1041", "E1602_N1040", "E1602_N1041", "E1602_N1042"]
    assert drawn["E1600_N1041"]["fill"] == maps.EMPTY_CELL_COLOUR
    assert drawn["E1602_N1041"]["fill"][:3] == list(maps.SEQUENTIAL_COLOURS[-1])  # 45 of up to 49
    assert drawn["E1602_N1041"]["tooltip"] == (
        "Cell E1602_N1041 \u00b7 Alpha (Redditch)\nIncidents, Jan\u2013Dec 2025: 45\nHot spot 99% (Gi* z = 2.90)"
    )
    outlined = layer(deck_json, "hotspot-outlines")
    assert outlined["filled"] is False and outlined["pickable"] is False
    # Thinnest first, so the 99% outline is drawn over its neighbours'.
    assert [r["width"] for r in outlined["data"]] == [1.5, 1.5, 2.5, 4.0]
    assert all(r["line"] == list(maps.HOTSPOT_CLASS_STYLES["Hot spot 99%"][0]) for r in outlined["data"])
    # Only the ward the cells fall in is outlined and named.
    assert [r["name"] for r in layer(deck_json, "ward-labels")["data"]] == ["Alpha"]
    assert layer(deck_json, "ward-outlines")["pickable"] is False


def test_hotspot_map_cold_spots_on_request(cells, outlines):
    deck_json = spec(maps.hotspot_map(cells, outlines, show_cold_spots=True))
    assert "E1600_N1042" in {r["cell_id"] for r in layer(deck_json, "cells")["data"]}
    lines = [(r["line"], r["width"]) for r in layer(deck_json, "hotspot-outlines")["data"]]
    assert (list(maps.HOTSPOT_CLASS_STYLES["Cold spot 95%"][0]), 2.5) in lines


def test_hotspot_map_draws_at_most_max_map_cells(cells, outlines, monkeypatch):
    # Six cells could be drawn; with room for four: the four marked cells (hot spots come first,
    # the most confident first), drawn in the frame's order; with room for five, then the busiest
    # of the rest (8 before 2).
    monkeypatch.setattr(maps, "MAX_MAP_CELLS", 4)
    deck_json = spec(maps.hotspot_map(cells, outlines))
    drawn = [r["cell_id"] for r in layer(deck_json, "cells")["data"]]
    assert drawn == ["E1602_N1040", "E1600_N1041", "E1601_N1041", "E1602_N1041"]
    assert [r["width"] for r in layer(deck_json, "hotspot-outlines")["data"]] == [1.5, 1.5, 2.5, 4.0]
    # The colour scale is still worked out from every cell: 45 is in the darkest bin.
    fills = {r["cell_id"]: r["fill"][:3] for r in layer(deck_json, "cells")["data"]}
    assert fills["E1602_N1041"] == list(maps.SEQUENTIAL_COLOURS[-1])
    monkeypatch.setattr(maps, "MAX_MAP_CELLS", 5)
    drawn = [r["cell_id"] for r in layer(spec(maps.hotspot_map(cells, outlines)), "cells")["data"]]
    assert drawn == ["E1602_N1040", "E1600_N1041", "E1601_N1041", "E1602_N1041", "E1602_N1042"]
    monkeypatch.setattr(maps, "MAX_MAP_CELLS", 3)
    drawn = [r["cell_id"] for r in layer(spec(maps.hotspot_map(cells, outlines)), "cells")["data"]]
    assert drawn == ["E1602_N1040", "E1601_N1041", "E1602_N1041"]  # 99%, 95%, then the busier 90%
    # Public mode still hides every small count, capped or not.
    public = spec(maps.hotspot_map(cells, outlines, suppress_below=THRESHOLD))
    assert not [n for n in data_numbers(public) if n < THRESHOLD]


@pytest.mark.parametrize("make", ["hotspots", "choropleth", "points"])
def test_deck_json_is_pydecks_own_compact_and_written_once(make, cells, outlines, ward_frame, locations):
    deck = {
        "hotspots": lambda: maps.hotspot_map(cells, outlines),
        "choropleth": lambda: maps.ward_choropleth(ward_frame, outlines),
        "points": lambda: maps.points_map(locations, outlines),
    }[make]()
    first = deck.to_json()
    assert json.loads(first) == json.loads(pdk.bindings.json_tools.serialize(deck))
    assert "\n" not in first and len(first) < len(pdk.bindings.json_tools.serialize(deck)) / 2
    assert deck.to_json() is first
    assert "_written" not in first


def test_points_sized_by_count(locations, outlines):
    points = layer(spec(maps.points_map(locations, outlines)), "locations")["data"]
    assert [p["radius"] for p in points] == [
        22.0,
        round(4 + 18 * math.sqrt(12 / 40), 1),
        round(4 + 18 * math.sqrt(3 / 40), 1),
    ]
    assert (
        points[0]["tooltip"]
        == "On or near High Street\nAlpha (Redditch)\nIncidents, Jan\u2013Dec 2025: 40 (40.0% of all)"
    )


# ---------------------------------------------------------------------------
# The view
# ---------------------------------------------------------------------------


def test_view_is_computed_from_the_wards_drawn(ward_frame, outlines, cells, locations):
    deck_json = spec(maps.ward_choropleth(ward_frame, outlines))
    assert drawn_bounds(deck_json, "wards") == (-1.95, 52.28, -1.91, 52.30)
    assert_view_fits(deck_json, (-1.95, 52.28, -1.91, 52.30))
    assert deck_json["initialViewState"]["longitude"] == -1.93
    # One ward far away: the view moves with the data.
    delta = ward_frame.iloc[[0]].assign(ward_code="E05000004", ward_name="Delta", district="Bromsgrove")
    far = spec(maps.ward_choropleth(delta, outlines))
    assert_view_fits(far, (-2.05, 52.33, -2.03, 52.34))
    assert far["initialViewState"]["zoom"] > deck_json["initialViewState"]["zoom"]
    for deck in (maps.hotspot_map(cells, outlines), maps.points_map(locations, outlines)):
        hot = spec(deck)
        assert_view_fits(hot, drawn_bounds(hot, "ward-outlines"))
    # The background reaches beyond what can be seen at the least zoom allowed.
    view = deck_json["initialViewState"]
    (west, south), _, (east, north), _ = deck_json["layers"][0]["data"][0]["polygon"]
    half_width = 1280 / maps.TILE_SIZE_PX / 2 ** view["minZoom"] * 360
    assert west < view["longitude"] - half_width and east > view["longitude"] + half_width
    assert south < view["latitude"] - half_width / 2 and north > view["latitude"] + half_width / 2


# ---------------------------------------------------------------------------
# On the built store
# ---------------------------------------------------------------------------

FY2017, FY2018 = parse_period("FY2017"), parse_period("FY2018")


def test_ward_outlines_from_the_store(built_conn):
    wd22 = maps.ward_outlines(built_conn, "wd22")
    assert isinstance(wd22, gpd.GeoDataFrame) and wd22.crs.to_epsg() == 4326
    assert len(wd22) == 54 and wd22["ward_code"].is_unique
    assert wd22.groupby("district").size().to_dict() == {"Bromsgrove": 30, "Redditch": 12, "Wyre Forest": 12}
    assert wd22.geometry.is_valid.all()
    labels = gpd.GeoSeries(gpd.points_from_xy(wd22.centroid_lon, wd22.centroid_lat), index=wd22.index, crs=wd22.crs)
    assert wd22.geometry.contains(labels).all()
    assert len(maps.ward_outlines(built_conn, "WD25").query("district == 'Redditch'")) == 9
    with pytest.raises(AnalyticsError, match="Valid choices: wd22, wd25"):
        maps.ward_outlines(built_conn, "wd21")


def test_redditch_choropleth_on_the_built_store(built_conn):
    table = ward_deltas(built_conn, Selection(source="extract", districts=("Redditch",)), FY2017, FY2018)
    outlines = maps.ward_outlines(built_conn, "wd22")
    deck_json = spec(maps.ward_choropleth(table, outlines, "count_b"))
    features = ward_features(deck_json)
    assert len(features) == 12
    assert {f["geometry"]["type"] for f in features.values()} <= {"Polygon", "MultiPolygon"}
    abbey = features["Abbey"]["properties"]["tooltip"]
    assert abbey.splitlines()[:4] == ["Abbey (Redditch)", "2017-18: 603", "2018-19: 562", "Change: -41 (-7%)"]
    assert len(layer(deck_json, "ward-labels")["data"]) == 12
    assert_view_fits(deck_json, drawn_bounds(deck_json, "wards"))
    _check_bins_cover(maps.legend(table, "count_b").to_frame(), table["count_b"].iloc[:-1].tolist())
    assert "://" not in json.dumps(deck_json)


def test_north_worcestershire_views_and_public_mode_on_the_built_store(built_conn):
    outlines = maps.ward_outlines(built_conn, "wd22")
    table = ward_deltas(built_conn, Selection(source="extract"), FY2017, FY2018)
    deck_json = spec(maps.ward_choropleth(table, outlines, "rate_b_per_1000"))
    assert len(ward_features(deck_json)) == 54
    assert_view_fits(deck_json, tuple(outlines.total_bounds))
    # Public mode with a high threshold, so that real wards are hidden: their counts, and the
    # change and rate that would give them away, are nowhere in their tooltips.
    threshold = 100
    public = spec(maps.ward_choropleth(table, outlines, "pct_change", suppress_below=threshold))
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
            assert feature["properties"]["fill"][:3] == list(maps.SUPPRESSED_COLOUR)
    assert hidden > 0


def test_hotspot_and_points_maps_on_the_built_store(built_conn):
    hotspots = pytest.importorskip("analytics.analyses.hotspots")
    places = pytest.importorskip("analytics.analyses.places")
    selection = Selection(source="police_uk", districts=("Redditch",))
    cells = hotspots.hotspots(built_conn, selection, "2025-01..2025-12")
    outlines = maps.ward_outlines(built_conn, "wd22")
    deck_json = spec(maps.hotspot_map(cells, outlines))
    marked = cells["hotspot_class"].str.startswith("Hot")
    assert len(layer(deck_json, "cells")["data"]) == int(((cells["count"] > 0) | marked).sum())
    assert len(layer(deck_json, "hotspot-outlines")["data"]) == int(marked.sum())
    assert len(layer(deck_json, "ward-labels")["data"]) == 12
    assert_view_fits(deck_json, drawn_bounds(deck_json, "ward-outlines"))
    _check_bins_cover(maps.legend(cells, "cell_count").to_frame(), [c for c in cells["count"] if c > 0])
    threshold = 5
    public = spec(maps.hotspot_map(cells, outlines, suppress_below=threshold))
    assert not [n for n in data_numbers(public) if n < threshold]
    # The page draws from only the cells with incidents or significant: the same deck.
    shown = hotspots.hotspot_cells(built_conn, selection, "2025-01..2025-12")
    assert len(shown) < len(cells)
    for threshold_given in (None, threshold):
        assert (
            maps.hotspot_map(shown, outlines, suppress_below=threshold_given).to_json()
            == maps.hotspot_map(cells, outlines, suppress_below=threshold_given).to_json()
        )
    everywhere = Selection(source="police_uk")
    assert (
        maps.hotspot_map(hotspots.hotspot_cells(built_conn, everywhere, "2025-01..2025-12"), outlines).to_json()
        == maps.hotspot_map(hotspots.hotspots(built_conn, everywhere, "2025-01..2025-12"), outlines).to_json()
    )
    top = places.top_locations(built_conn, selection, "2025-01..2025-12", n=50)
    points = spec(maps.points_map(top, outlines, suppress_below=threshold))
    assert len(layer(points, "locations")["data"]) == int((top["count"] >= threshold).sum())
    for deck_json in (public, points):
        assert "://" not in json.dumps(deck_json) and deck_json["mapStyle"] == "__MAP_STYLE__"


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


def _outline_vertices(layer) -> int:
    return sum(len(ring) for f in layer.data["features"] for ring in f["geometry"]["coordinates"])


def test_outlines_of_a_county_or_more_are_simplified_to_a_pixel():
    few = _wavy_wards(maps.SIMPLIFY_ABOVE_WARDS)
    many = _wavy_wards(maps.SIMPLIFY_ABOVE_WARDS + 1)
    # Up to the limit (North Worcestershire has 54 wards) every vertex is kept.
    assert _outline_vertices(maps._ward_outline_layer(few)) == sum(len(g.exterior.coords) for g in few.geometry)
    layer = maps._ward_outline_layer(many)
    kept = _outline_vertices(layer)
    assert kept < sum(len(g.exterior.coords) for g in many.geometry) / 10
    # No simplified outline strays more than a pixel of the fitted view from the true one.
    pixel = (many.geometry.iloc[-1].bounds[2] - 0.0) / maps.VIEW_WIDTH_PX
    for feature, original in zip(layer.data["features"], many.geometry, strict=False):
        simplified = shapely.Polygon(feature["geometry"]["coordinates"][0])
        assert shapely.hausdorff_distance(simplified, original) <= pixel * 1.01


def test_choropleth_of_a_county_or_more_is_simplified_like_the_outlines():
    many = _wavy_wards(maps.SIMPLIFY_ABOVE_WARDS + 1)
    frame = pd.DataFrame(
        {
            "ward_code": many["ward_code"],
            "ward_name": many["ward_name"],
            "district": "D",
            "count_a": 10,
            "count_b": range(len(many)),
        }
    )
    frame.attrs.update(period_a="2024", period_b="2025")
    wards = maps.ward_choropleth(frame, many).layers[1]
    assert wards.id == "wards"
    assert _outline_vertices(wards) == _outline_vertices(maps._ward_outline_layer(many))
    assert _outline_vertices(wards) < sum(len(g.exterior.coords) for g in many.geometry) / 10
    # Every ward is still drawn, and each one's tooltip still names it.
    assert [f["properties"]["ward_code"] for f in wards.data["features"]] == list(many["ward_code"])
