"""The hot-spot and top-locations maps (analytics.present.hotspot_map), tested as deck JSON.

Golden files in tests/data/maps/; after an intended change rewrite them with
``MAPS_UPDATE_GOLDEN=1 .venv/bin/pytest -q tests/test_hotspot_map.py`` and read the diff.
"""

from __future__ import annotations

import json
import math

import pytest

from analytics.core.selection import Selection
from analytics.data.outlines import ward_outlines
from analytics.present import hotspot_map as hotspot_module
from analytics.present.hotspot_map import EMPTY_CELL_COLOUR, hotspot_map, points_map
from analytics.present.map_legend import (
    HOTSPOT_CLASS_STYLES,
    SEQUENTIAL_COLOURS,
    legend,
)
from analytics.present.maps import (
    SUPPRESSED_COLOUR,
)
from tests import map_frames
from tests.map_frames import (
    THRESHOLD,
    assert_labels_do_not_collide,
    assert_view_fits,
    check_bins_cover,
    check_golden,
    data_numbers,
    drawn_bounds,
    layer,
    outline_layers,
    spec,
)

outlines = pytest.fixture(map_frames.outlines)
cells = pytest.fixture(map_frames.cells)
locations = pytest.fixture(map_frames.locations)


# ---------------------------------------------------------------------------
# Golden decks
# ---------------------------------------------------------------------------


def test_hotspot_map_matches_golden(cells, outlines):
    check_golden(hotspot_map(cells, outlines), "hotspots")


def test_points_map_matches_golden(locations, outlines):
    check_golden(points_map(locations, outlines, suppress_below=THRESHOLD), "points_public")


# ---------------------------------------------------------------------------
# Hot-spot and points maps
# ---------------------------------------------------------------------------


def test_hotspot_map_draws_cells_with_incidents_and_outlines_hot_spots(cells, outlines):
    deck_json = spec(hotspot_map(cells, outlines))
    assert [item["id"] for item in deck_json["layers"]] == [
        "cells",
        "cell-edges",
        "hotspot-outlines-0",
        "hotspot-outlines-1",
        "hotspot-outlines-2",
        "ward-outlines",
        "ward-labels",
    ]
    # Three kinds of layer, each set up alike, so that a map's first frame is quick to draw.
    assert {item["@@type"] for item in deck_json["layers"]} == {"PolygonLayer", "LineLayer", "TextLayer"}
    assert all(item.get("stroked") is False for item in deck_json["layers"] if item["@@type"] == "PolygonLayer")
    drawn = {r["cell_id"]: r for r in layer(deck_json, "cells")["data"]}
    # Five cells with incidents and the empty hot cell; empty, unremarkable cells are not drawn.
    assert sorted(drawn) == ["E1600_N1041", "E1601_N1040", "E1601_N1041", "E1602_N1040", "E1602_N1041", "E1602_N1042"]
    assert drawn["E1600_N1041"]["fill"] == EMPTY_CELL_COLOUR
    assert drawn["E1602_N1041"]["fill"][:3] == list(SEQUENTIAL_COLOURS[-1])  # 45 of up to 49
    assert drawn["E1602_N1041"]["tooltip"] == (
        "Cell E1602_N1041 \u00b7 Alpha (Redditch)\nIncidents, Jan\u2013Dec 2025: 45\nHot spot 99% (Gi* z = 2.90)"
    )
    # Thinnest first, so the 99% outline is drawn over its neighbours': two 90% cells, a 95%, a 99%.
    hot = list(HOTSPOT_CLASS_STYLES["Hot spot 99%"][0])
    assert outline_layers(deck_json) == [(1.5, hot, 2), (2.5, hot, 1), (4.0, hot, 1)]
    # Each outlined cell's four edges, on its corners.
    corners = {tuple(c) for r in layer(deck_json, "cells")["data"] for c in r["polygon"]}
    edges = layer(deck_json, "hotspot-outlines-2")["data"]
    assert all(tuple(r["s"]) in corners and tuple(r["t"]) in corners for r in edges)
    # Only the ward the cells fall in is outlined and named.
    assert [r["name"] for r in layer(deck_json, "ward-labels")["data"]] == ["Alpha"]
    assert layer(deck_json, "ward-outlines")["pickable"] is False


def test_hotspot_map_cold_spots_on_request(cells, outlines):
    deck_json = spec(hotspot_map(cells, outlines, show_cold_spots=True))
    assert "E1600_N1042" in {r["cell_id"] for r in layer(deck_json, "cells")["data"]}
    lines = [(colour, width) for width, colour, _ in outline_layers(deck_json)]
    assert (list(HOTSPOT_CLASS_STYLES["Cold spot 95%"][0]), 2.5) in lines


def test_hotspot_map_draws_at_most_max_map_cells(cells, outlines, monkeypatch):
    # Six cells could be drawn; with room for four: the four marked cells (hot spots come first,
    # the most confident first), drawn in the frame's order; with room for five, then the busiest
    # of the rest (8 before 2).
    monkeypatch.setattr(hotspot_module, "MAX_MAP_CELLS", 4)
    deck_json = spec(hotspot_map(cells, outlines))
    drawn = [r["cell_id"] for r in layer(deck_json, "cells")["data"]]
    assert drawn == ["E1602_N1040", "E1600_N1041", "E1601_N1041", "E1602_N1041"]
    assert [(width, cells) for width, _, cells in outline_layers(deck_json)] == [(1.5, 2), (2.5, 1), (4.0, 1)]
    # The colour scale is still worked out from every cell: 45 is in the darkest bin.
    fills = {r["cell_id"]: r["fill"][:3] for r in layer(deck_json, "cells")["data"]}
    assert fills["E1602_N1041"] == list(SEQUENTIAL_COLOURS[-1])
    monkeypatch.setattr(hotspot_module, "MAX_MAP_CELLS", 5)
    drawn = [r["cell_id"] for r in layer(spec(hotspot_map(cells, outlines)), "cells")["data"]]
    assert drawn == ["E1602_N1040", "E1600_N1041", "E1601_N1041", "E1602_N1041", "E1602_N1042"]
    monkeypatch.setattr(hotspot_module, "MAX_MAP_CELLS", 3)
    drawn = [r["cell_id"] for r in layer(spec(hotspot_map(cells, outlines)), "cells")["data"]]
    assert drawn == ["E1602_N1040", "E1601_N1041", "E1602_N1041"]  # 99%, 95%, then the busier 90%
    # Public mode still hides every small count, capped or not.
    public = spec(hotspot_map(cells, outlines, suppress_below=THRESHOLD))
    assert not [n for n in data_numbers(public) if n < THRESHOLD]


def test_points_sized_by_count(locations, outlines):
    points = layer(spec(points_map(locations, outlines)), "locations")["data"]
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
# Public mode
# ---------------------------------------------------------------------------


def test_public_mode_cells_and_points(cells, outlines, locations):
    deck_json = spec(hotspot_map(cells, outlines, suppress_below=THRESHOLD))
    drawn = {r["cell_id"]: r for r in layer(deck_json, "cells")["data"]}
    assert (
        drawn["E1601_N1040"]["tooltip"]
        == "Cell E1601_N1040 \u00b7 Alpha (Redditch)\nIncidents, Jan\u2013Dec 2025: <10\nNot significant"
    )
    assert drawn["E1601_N1040"]["fill"][:3] == list(SUPPRESSED_COLOUR)
    assert drawn["E1602_N1041"]["tooltip"].splitlines()[1:] == ["Incidents, Jan\u2013Dec 2025: 45", "Hot spot 99%"]
    points = layer(spec(points_map(locations, outlines, suppress_below=THRESHOLD)), "locations")["data"]
    assert [p["tooltip"].splitlines()[0] for p in points] == ["On or near High Street", "On or near Park Road"]


# ---------------------------------------------------------------------------
# On the built store
# ---------------------------------------------------------------------------


def test_hotspot_and_points_maps_on_the_built_store(built_conn):
    hotspots = pytest.importorskip("analytics.analyses.hotspots")
    places = pytest.importorskip("analytics.analyses.places")
    selection = Selection(source="police_uk", districts=("Redditch",))
    cells = hotspots.hotspots(built_conn, selection, "2025-01..2025-12")
    outlines = ward_outlines(built_conn, "wd22")
    deck_json = spec(hotspot_map(cells, outlines))
    marked = cells["hotspot_class"].str.startswith("Hot")
    assert len(layer(deck_json, "cells")["data"]) == int(((cells["count"] > 0) | marked).sum())
    assert sum(cells for _, _, cells in outline_layers(deck_json)) == int(marked.sum())
    redditch = outlines[outlines["district"] == "Redditch"]
    wards = set(redditch["ward_name"])
    assert len(wards) == 12
    # The outlines drawn are Redditch's twelve wards': the same extent, to the rounding of the JSON.
    assert drawn_bounds(deck_json, "ward-outlines") == pytest.approx(tuple(redditch.total_bounds), abs=1e-6)
    assert_labels_do_not_collide(deck_json, wards, at_least=8)
    assert_view_fits(deck_json, drawn_bounds(deck_json, "ward-outlines"))
    check_bins_cover(legend(cells, "cell_count").to_frame(), [c for c in cells["count"] if c > 0])
    threshold = 5
    public = spec(hotspot_map(cells, outlines, suppress_below=threshold))
    assert not [n for n in data_numbers(public) if n < threshold]
    # The page draws from only the cells with incidents or significant: the same deck.
    shown = hotspots.hotspot_cells(built_conn, selection, "2025-01..2025-12")
    assert len(shown) < len(cells)
    for threshold_given in (None, threshold):
        assert (
            hotspot_map(shown, outlines, suppress_below=threshold_given).to_json()
            == hotspot_map(cells, outlines, suppress_below=threshold_given).to_json()
        )
    everywhere = Selection(source="police_uk")
    assert (
        hotspot_map(hotspots.hotspot_cells(built_conn, everywhere, "2025-01..2025-12"), outlines).to_json()
        == hotspot_map(hotspots.hotspots(built_conn, everywhere, "2025-01..2025-12"), outlines).to_json()
    )
    top = places.top_locations(built_conn, selection, "2025-01..2025-12", n=50)
    points = spec(points_map(top, outlines, suppress_below=threshold))
    assert len(layer(points, "locations")["data"]) == int((top["count"] >= threshold).sum())
    for deck_json in (public, points):
        assert "://" not in json.dumps(deck_json) and deck_json["mapStyle"] == "__MAP_STYLE__"
