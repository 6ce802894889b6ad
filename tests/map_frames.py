"""Hand-made frames and helpers for the map tests (test_maps, test_ward_map, test_hotspot_map,
test_map_legend): maps are tested as data, the deck JSON, not pixels.

Golden files in tests/data/maps/ hold ``deck.to_json()`` of decks drawn from small hand-made
frames; a change to a map then shows up as a diff of that file. After an intended change,
rewrite them with

    MAPS_UPDATE_GOLDEN=1 .venv/bin/pytest -q tests/test_ward_map.py tests/test_hotspot_map.py

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

import json
import math
import os
import re
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pydeck as pdk
import shapely

from analytics.core.table_meta import PeriodCoverage, TableMeta, with_meta
from analytics.present.hotspot_map import hotspot_map, points_map
from analytics.present.map_legend import MEASURES
from analytics.present.maps import TILE_SIZE_PX, VIEW_HEIGHT_PX, VIEW_WIDTH_PX, label_box
from analytics.present.ward_map import ward_choropleth

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).resolve().parent / "data" / "maps"
UPDATE_GOLDEN = os.environ.get("MAPS_UPDATE_GOLDEN", "").lower() in ("1", "true", "yes")
THRESHOLD = 10


# ---------------------------------------------------------------------------
# Hand-made frames (the test modules make them fixtures)
# ---------------------------------------------------------------------------


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
    return with_meta(
        frame,
        TableMeta(period_a=PeriodCoverage("2017-18", 12), period_b=PeriodCoverage("2018-19", 12), boundaries="WD22"),
    )


def _cell(col: int, row: int) -> list[list[float]]:
    lon, lat = -1.95 + 0.0037 * col, 52.29 + 0.00225 * row
    return [[lon, lat], [lon + 0.0037, lat], [lon + 0.0037, lat + 0.00225], [lon, lat + 0.00225]]


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
    return with_meta(frame, TableMeta(period_a=PeriodCoverage("Jan\u2013Dec 2025", 12)))


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
    return with_meta(frame, TableMeta(period_a=PeriodCoverage("Jan\u2013Dec 2025", 12)))


# ---------------------------------------------------------------------------
# Reading a deck
# ---------------------------------------------------------------------------


def spec(deck: pdk.Deck) -> dict:
    return json.loads(deck.to_json())


def layer(deck_json: dict, layer_id: str) -> dict:
    found = [item for item in deck_json["layers"] if item["id"] == layer_id]
    assert found, f"no layer {layer_id!r} in {[item['id'] for item in deck_json['layers']]}"
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
DRAWING_KEYS = {"coordinates", "polygon", "position", "fill", "line", "width", "radius", "type", "geometry", "s", "t"}
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
    return [n for item in deck_json["layers"] if item["id"] != "background" for n in _numbers(records(item))]


def tooltips(deck_json: dict) -> list[str]:
    return [r["tooltip"] for item in deck_json["layers"] for r in records(item) if "tooltip" in r]


def drawn_bounds(deck_json: dict, layer_id: str) -> tuple[float, float, float, float]:
    """The bounds of what a layer draws: a GeoJSON layer's features, or a line layer's segments."""
    data = layer(deck_json, layer_id)["data"]
    if isinstance(data, dict):
        shapes = [shapely.geometry.shape(f["geometry"]) for f in data["features"]]
    else:
        shapes = [shapely.LineString([row["s"], row["t"]]) for row in data]
    return tuple(shapely.total_bounds(shapes))


def outline_layers(deck_json: dict) -> list[tuple[float, list[int], int]]:
    """The hot-spot outline layers in drawing order: (width, colour, cells outlined)."""
    found = [item for item in deck_json["layers"] if item["id"].startswith("hotspot-outlines")]
    assert all(item["@@type"] == "LineLayer" and item["pickable"] is False for item in found)
    return [(item["getWidth"], item["getColor"][:3], len(item["data"]) // 4) for item in found]


def segment_lines(deck_json_or_layer) -> shapely.MultiLineString:
    """A line layer's segments as one shape (a layer's JSON, or a pydeck layer)."""
    data = deck_json_or_layer["data"] if isinstance(deck_json_or_layer, dict) else deck_json_or_layer.data
    return shapely.MultiLineString([[row["s"], row["t"]] for row in data])


def assert_view_fits(deck_json: dict, bounds) -> None:
    view = deck_json["initialViewState"]
    min_lon, min_lat, max_lon, max_lat = bounds
    assert min_lon <= view["longitude"] <= max_lon
    assert min_lat <= view["latitude"] <= max_lat
    # At the initial zoom the drawn area fits the canvas the view is fitted to...
    scale = TILE_SIZE_PX * 2 ** view["zoom"]
    width_px = (max_lon - min_lon) / 360 * scale
    y = lambda lat: math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))  # noqa: E731
    height_px = (y(max_lat) - y(min_lat)) / (2 * math.pi) * scale
    assert width_px <= VIEW_WIDTH_PX and height_px <= VIEW_HEIGHT_PX
    # ...and fills most of it in one direction: the view is fitted, not a fixed zoom.
    assert max(width_px / VIEW_WIDTH_PX, height_px / VIEW_HEIGHT_PX) > 0.8


def all_decks(ward_frame, outlines, cells, locations, suppress_below=None) -> dict[str, pdk.Deck]:
    decks = {
        f"choropleth-{m}": ward_choropleth(ward_frame, outlines, m, suppress_below=suppress_below) for m in MEASURES
    }
    decks["hotspots"] = hotspot_map(cells, outlines, suppress_below=suppress_below)
    decks["hotspots-cold"] = hotspot_map(cells, outlines, suppress_below=suppress_below, show_cold_spots=True)
    decks["points"] = points_map(locations, outlines, suppress_below=suppress_below)
    return decks


def check_bins_cover(table: pd.DataFrame, values) -> None:
    bins = table[table["kind"] == "bin"]
    assert len(bins) >= 1
    lower, upper = bins["lower"].tolist(), bins["upper"].tolist()
    assert lower[1:] == upper[:-1], "bins must touch, with no gap or overlap"
    assert all(lo < hi for lo, hi in zip(lower, upper, strict=False))
    assert min(values) >= lower[0] and max(values) < upper[-1]
    for value in values:
        assert ((bins["lower"] <= value) & (value < bins["upper"])).sum() == 1


def assert_labels_do_not_collide(deck_json: dict, wards: set, at_least: int) -> None:
    """The deck's ward labels: names of drawn wards, at least ``at_least`` of them, no two boxes
    overlapping at the deck's first zoom."""
    labels = layer(deck_json, "ward-labels")["data"]
    assert {r["name"] for r in labels} <= wards and len(labels) >= at_least, [r["name"] for r in labels]
    zoom = deck_json["initialViewState"]["zoom"]
    boxes = [label_box(r["name"], *r["position"], zoom) for r in labels]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert a[2] < b[0] or b[2] < a[0] or a[3] < b[1] or b[3] < a[1], (a, b)
