"""Tests for analytics.analyses.lattice: the equal-area lattice of cells and its geometry.

The lattice is checked against an independent GeoPandas overlay of every cell of the bounding
box, and each cell's ward against the ward holding its centre (or covering most of it).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import Transformer

from analytics.analyses import lattice
from analytics.analyses.arguments import InvalidArgumentError
from analytics.analyses.cell_counts import cell_counts
from analytics.analyses.hotspots import hotspot_table
from analytics.analyses.lattice import CELL_SIZE_RANGE_M, DEFAULT_CELL_SIZE_M, check_cell_size
from analytics.data import store
from tests.test_cell_counts import REDDITCH, YEAR_2025, add_town_cluster

TO_BNG = Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True)


def independent_lattice(conn, district: str, size: int, vintage: str = "wd22") -> set[str]:
    """Cells whose square intersects the district's wards, by GeoPandas over every box of the bbox."""
    frame = conn.execute("SELECT geometry_wkb FROM wards WHERE vintage = ? AND district = ?", [vintage, district]).df()
    area = gpd.GeoSeries.from_wkb([bytes(b) for b in frame.geometry_wkb], crs="EPSG:4326").to_crs(27700)
    union = area.union_all()
    min_x, min_y, max_x, max_y = union.bounds
    cells = set()
    for col in range(int(min_x // size) - 1, int(max_x // size) + 2):
        for row in range(int(min_y // size) - 1, int(max_y // size) + 2):
            square = shapely.box(col * size, row * size, (col + 1) * size, (row + 1) * size)
            if square.intersects(union):
                cells.add(f"E{col}_N{row}")
    return cells


@pytest.fixture
def geo_conn(geo_db):
    conn = store.connect(geo_db)
    yield conn
    conn.close()


@pytest.fixture
def town_conn(geo_conn):
    add_town_cluster(geo_conn)
    return geo_conn


# ---------------------------------------------------------------------------
# Which cells, and the ward of each
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("size", [1000, 250])
def test_lattice_is_every_cell_touching_the_study_area(geo_conn, size):
    cells = cell_counts(geo_conn, REDDITCH, YEAR_2025, cell_size_m=size)
    assert set(cells["cell_id"]) == independent_lattice(geo_conn, "Redditch", size)
    assert (cells["count"] == 0).all()
    assert cells.attrs["cells_outside_boundaries"] == 0
    if size == 250:
        assert len(cells) == 968


def test_ward_of_a_cell_is_the_ward_of_its_centre(geo_conn):
    cells = cell_counts(geo_conn, REDDITCH, YEAR_2025, cell_size_m=1000)
    wards = geo_conn.execute(
        "SELECT ward_code, geometry_wkb FROM wards WHERE vintage = 'wd22' AND district = 'Redditch'"
    ).df()
    polygons = gpd.GeoSeries.from_wkb([bytes(b) for b in wards.geometry_wkb], crs="EPSG:4326").to_crs(27700)
    for cell in cells.itertuples():
        centre = shapely.Point(cell.easting, cell.northing)
        holding = [code for code, polygon in zip(wards.ward_code, polygons, strict=False) if polygon.intersects(centre)]
        if holding:
            assert cell.ward_code in holding
        else:  # an edge cell: the ward covering most of it
            square = shapely.box(cell.easting - 500, cell.northing - 500, cell.easting + 500, cell.northing + 500)
            areas = {
                code: polygon.intersection(square).area
                for code, polygon in zip(wards.ward_code, polygons, strict=False)
            }
            assert cell.ward_code == max(areas, key=areas.get)
    assert cells["district"].eq("Redditch").all()


def test_wd25_boundaries_give_their_own_lattice(town_conn):
    wd25 = cell_counts(town_conn, REDDITCH.with_(boundaries="wd25"), YEAR_2025, cell_size_m=1000)
    assert set(wd25["cell_id"]) == independent_lattice(town_conn, "Redditch", 1000, vintage="wd25")
    assert wd25["ward_code"].dropna().str.startswith("E050156").all()


# ---------------------------------------------------------------------------
# Geometry
# ---------------------------------------------------------------------------


def test_cell_geometry_is_the_bng_square_in_wgs84(town_conn):
    cells = cell_counts(town_conn, REDDITCH, YEAR_2025).set_index("cell_id")
    cell = cells.loc["E1616_N1070"]
    assert (cell["easting"], cell["northing"]) == (404125.0, 267625.0)
    polygon = cell["polygon"]
    assert isinstance(polygon, list) and len(polygon) == 4 and all(len(p) == 2 for p in polygon)
    x, y = TO_BNG.transform([p[0] for p in polygon], [p[1] for p in polygon])
    np.testing.assert_allclose(x, [404000, 404250, 404250, 404000], atol=0.01)
    np.testing.assert_allclose(y, [267500, 267500, 267750, 267750], atol=0.01)
    x, y = TO_BNG.transform(cell["longitude"], cell["latitude"])
    assert abs(x - 404125) < 0.01 and abs(y - 267625) < 0.01


def test_lattice_geometry_is_the_same_for_some_cells_or_all(town_conn):
    # Coordinates of a few cells (transformed when asked for) equal those of the whole lattice.
    every = cell_counts(town_conn, REDDITCH, YEAR_2025).set_index("cell_id")
    lattice.ward_lattice.cache_clear()
    table = hotspot_table(town_conn, REDDITCH, YEAR_2025).set_index("cell_id")
    assert len(table) < len(every)
    np.testing.assert_array_equal(table["longitude"], every.loc[table.index, "longitude"].round(5))
    np.testing.assert_array_equal(table["latitude"], every.loc[table.index, "latitude"].round(5))


def test_cell_size_is_a_whole_number_of_metres_in_range():
    assert DEFAULT_CELL_SIZE_M == 250 and CELL_SIZE_RANGE_M == (100, 2000)
    assert check_cell_size(100) == 100 and check_cell_size(2000.0) == 2000
    for bad in (99, 2001, 250.5, "250", True, None, float("nan")):
        with pytest.raises(InvalidArgumentError, match="cell_size_m must be a whole number of metres from 100 to 2000"):
            check_cell_size(bad)
