"""Tests for analytics.analyses.hotspots: the grid, Getis-Ord Gi*, persistence and the top-N tables.

Gi* is checked against a naive per-cell loop of the textbook formula (Ord & Getis 1995) and a
3 x 3 example worked by hand; the lattice against an independent GeoPandas overlay; the
Benjamini-Hochberg correction against statsmodels. The small stores are hand-made in
``geo_db`` (boundaries, no incidents); the real-data tests use ``built_db``.
"""

from __future__ import annotations

import datetime
import doctest
import math
import os
import subprocess
import sys
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Transformer
from statsmodels.stats.multitest import multipletests

from analytics.analyses import hotspots
from analytics.analyses.hotspots import (
    CORRECTIONS,
    HOTSPOT_CLASSES,
    PERSISTENCE_CATEGORIES,
    InvalidArgumentError,
    cell_counts,
    getis_ord_gi_star,
    hotspot_table,
    persistence,
    top_locations,
    top_lsoas,
)
from analytics.core.errors import AnalyticsError
from analytics.core.selection import Selection
from analytics.data import store

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).resolve().parent / "data" / "hotspots"

TO_WGS84 = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)
TO_BNG = Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True)

ABBEY, CENTRAL, GREENLANDS = "E05007868", "E05007871", "E05007874"
REDDITCH = Selection(source="police_uk", category="asb", districts=("Redditch",))
YEAR_2025 = "2025-01..2025-12"

# Hand-chosen points (British National Grid metres) well inside Redditch wards (WD22), with the
# 250 m cell each falls in: floor(404100 / 250) = 1616, floor(267600 / 250) = 1070.
TOWN_CENTRE = (404100.0, 267600.0)  # Abbey, beside Market Place: cell E1616_N1070
MATCHBOROUGH = (407077.0, 265906.0)  # cell E1628_N1063
BATCHLEY = (402752.0, 268202.0)  # cell E1611_N1072


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------


def add_incidents(conn, rows: list[dict]) -> None:
    """Insert hand-made incidents: each row needs easting/northing (or None); defaults fill the rest."""
    records = []
    for row in rows:
        easting, northing = row.get("easting"), row.get("northing")
        lon = lat = None
        if easting is not None:
            lon, lat = TO_WGS84.transform(easting, northing)
        records.append(
            {
                "source": row.get("source", "police_uk"),
                "synthetic": row.get("source") == "extract",
                "load_id": 1,
                "month": row.get("month", datetime.date(2025, 3, 1)),
                "category": "Anti-social behaviour",
                "is_asb": True,
                "district": row.get("district", "Redditch"),
                "easting": easting,
                "northing": northing,
                "longitude": lon,
                "latitude": lat,
                "location": row.get("location", "On or near Test Street"),
                "lsoa_code": row.get("lsoa_code"),
                "lsoa_name": row.get("lsoa_name"),
                "ward_wd22": row.get("ward", ABBEY),
                "ward_wd25": None,
            }
        )
    frame = pd.DataFrame(records).astype({"easting": float, "northing": float, "longitude": float, "latitude": float})
    conn.register("new_incidents", frame)
    conn.execute("INSERT INTO incidents BY NAME SELECT * FROM new_incidents")
    conn.unregister("new_incidents")


def at(point: tuple[float, float], count: int = 1, **fields) -> list[dict]:
    return [{"easting": point[0], "northing": point[1], **fields} for _ in range(count)]


def cell_centre(col: int, row: int, size: int = 250) -> tuple[float, float]:
    return ((col + 0.5) * size, (row + 0.5) * size)


def naive_gi_star(values, cols, rows, distance: int) -> list[float]:
    """The textbook formula, one cell at a time, in plain Python floats.

    Gi* = (Σ_j w_ij x_j - X̄ Σ_j w_ij) / (S sqrt((n Σ_j w_ij² - (Σ_j w_ij)²) / (n - 1))),
    X̄ and S = sqrt(Σ x_j² / n - X̄²) over all n cells, w_ij = 1 within the queen
    neighbourhood (cell i included), else 0.
    """
    n = len(values)
    mean = sum(values) / n
    spread = math.sqrt(sum(v * v for v in values) / n - mean * mean)
    result = []
    for i in range(n):
        weights = [
            1.0 if abs(cols[j] - cols[i]) <= distance and abs(rows[j] - rows[i]) <= distance else 0.0 for j in range(n)
        ]
        sum_w = sum(weights)
        sum_w2 = sum(w * w for w in weights)
        sum_wx = sum(w * x for w, x in zip(weights, values, strict=False))
        denominator = spread * math.sqrt((n * sum_w2 - sum_w**2) / (n - 1))
        # A neighbourhood covering the whole lattice (or equal values) leaves Gi* undefined.
        result.append((sum_wx - mean * sum_w) / denominator if denominator > 0 else math.nan)
    return result


def naive_class(z: float, p: float) -> str:
    for level, alpha in ((99, 0.01), (95, 0.05), (90, 0.10)):
        if p < alpha:
            return f"{'Hot' if z > 0 else 'Cold'} spot {level}%"
    return "Not significant"


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
    """A cluster of 12 in the town-centre cell, one incident in each of its 8 neighbours, one at
    Matchborough; plus rows the selection must leave out (December 2024; the extract)."""
    col, row = 1616, 1070
    ring = [cell_centre(col + dc, row + dr) for dc in (-1, 0, 1) for dr in (-1, 0, 1) if (dc, dr) != (0, 0)]
    add_incidents(
        geo_conn,
        at(TOWN_CENTRE, 12, location="On or near Market Place")
        + [r for point in ring for r in at(point, location="On or near Ring Road")]
        + at(MATCHBOROUGH, month=datetime.date(2025, 6, 1), ward="E05007877")
        + at(BATCHLEY, 5, month=datetime.date(2024, 12, 1), ward="E05007870")
        + at(BATCHLEY, 5, source="extract", ward="E05007870"),
    )
    return geo_conn


# ---------------------------------------------------------------------------
# Gi*: hand-worked example, the textbook formula, p-values and classes
# ---------------------------------------------------------------------------


def test_docstring_examples_run():
    result = doctest.testmod(hotspots, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0


def test_gi_star_hand_worked_3x3():
    # 9 incidents in the lower-left cell of a 3 x 3 lattice: n = 9, X̄ = 1, S = 2 sqrt(2).
    # Lower-left: 4 cells hold 9: (9 - 4) / (2 sqrt(2) sqrt((36 - 16) / 8)) = sqrt(5) / 2.
    # Its right-hand neighbour: 6 cells hold 9: (9 - 6) / (2 sqrt(2) sqrt((54 - 36) / 8)) = 1 / sqrt(2).
    # Middle of the right-hand column: 6 cells hold 0: -6 / (3 sqrt(2)) = -sqrt(2).
    # Opposite corner: 4 cells hold 0: -4 / (2 sqrt(5)) = -2 / sqrt(5).
    # Centre: its neighbourhood is the whole lattice, n Σw² - (Σw)² = 81 - 81 = 0: undefined.
    gi = getis_ord_gi_star([9, 0, 0, 0, 0, 0, 0, 0, 0], [0, 1, 2] * 3, [0, 0, 0, 1, 1, 1, 2, 2, 2])
    expected = [
        math.sqrt(5) / 2,
        1 / math.sqrt(2),
        -2 / math.sqrt(5),
        1 / math.sqrt(2),
        math.nan,
        -math.sqrt(2),
        -2 / math.sqrt(5),
        -math.sqrt(2),
        -2 / math.sqrt(5),
    ]
    np.testing.assert_allclose(gi["gi_z"], expected, rtol=0, atol=1e-12)
    assert gi["neighbours"].tolist() == [4, 6, 4, 6, 9, 6, 4, 6, 4]
    assert math.isclose(gi.loc[0, "gi_p"], math.erfc(math.sqrt(5) / 2 / math.sqrt(2)), abs_tol=1e-15)
    assert math.isnan(gi.loc[4, "gi_p"])
    assert set(gi["hotspot_class"]) == {"Not significant"}


# A 5 x 5 lattice with a cluster placed by hand around (2, 2), rows listed north to south.
CLUSTER_5X5 = [
    [0, 0, 0, 0, 0],  # row 4
    [0, 0, 1, 0, 0],  # row 3
    [0, 2, 9, 3, 0],  # row 2
    [0, 0, 4, 1, 0],  # row 1
    [1, 0, 0, 0, 0],  # row 0
]


def _lattice_5x5():
    values, cols, rows = [], [], []
    for r, line in enumerate(reversed(CLUSTER_5X5)):
        for c, value in enumerate(line):
            values.append(float(value))
            cols.append(c)
            rows.append(r)
    return values, cols, rows


@pytest.mark.parametrize("distance", [1, 2])
def test_gi_star_matches_naive_formula_on_5x5_cluster(distance):
    values, cols, rows = _lattice_5x5()
    gi = getis_ord_gi_star(values, cols, rows, distance_cells=distance)
    np.testing.assert_allclose(gi["gi_z"], naive_gi_star(values, cols, rows, distance), rtol=0, atol=1e-9)
    # The cluster's centre holds all 20 incidents in its 3 x 3 block: the highest z.
    centre = cols.index(2) + 5 * 2
    assert (cols[centre], rows[centre]) == (2, 2)
    if distance == 1:
        assert gi["gi_z"].idxmax() == centre
        assert (gi["gi_z"].drop(centre) < gi.loc[centre, "gi_z"]).all()
    else:  # its 5 x 5 neighbourhood is the whole lattice: nothing to compare with
        assert math.isnan(gi.loc[centre, "gi_z"]) and gi.loc[centre, "hotspot_class"] == "Not significant"


@pytest.mark.parametrize("distance", [1, 2, 3])
def test_gi_star_matches_naive_formula_on_irregular_lattice(distance):
    # An irregular study area (a 12 x 9 block with holes) and Poisson counts; cells in any order.
    rng = np.random.default_rng(20190925)
    cols, rows = np.meshgrid(np.arange(100, 112), np.arange(-4, 5))
    keep = rng.random(cols.size) > 0.2
    cols, rows = cols.ravel()[keep], rows.ravel()[keep]
    values = rng.poisson(2.0, size=len(cols)).astype(float)
    values[5] += 15
    order = rng.permutation(len(cols))
    cols, rows, values = cols[order], rows[order], values[order]
    gi = getis_ord_gi_star(values, cols, rows, distance_cells=distance)
    expected = naive_gi_star(values.tolist(), cols.tolist(), rows.tolist(), distance)
    np.testing.assert_allclose(gi["gi_z"], expected, rtol=0, atol=1e-9)
    p = [math.erfc(abs(z) / math.sqrt(2)) for z in expected]
    np.testing.assert_allclose(gi["gi_p"], p, rtol=1e-9, atol=1e-15)
    assert gi["hotspot_class"].tolist() == [naive_class(z, pv) for z, pv in zip(expected, p, strict=False)]
    assert gi["gi_p_adjusted"].equals(gi["gi_p"])


def _sparse_lattice_with_empty_regions(seed: int):
    """A 40 x 30 block with two empty holes and a ragged edge, mostly zero counts with two
    clusters, and a stray cell far away (as an incident beyond the boundaries makes: the grid spans 320 x 401 cells)."""
    rng = np.random.default_rng(seed)
    cols, rows = np.meshgrid(np.arange(-20, 20), np.arange(500, 530))
    cols, rows = cols.ravel(), rows.ravel()
    hole = ((cols > -5) & (cols < 5) & (rows > 510) & (rows < 520)) | ((cols > 12) & (rows < 506))
    keep = ~hole & (rng.random(cols.size) > 0.05)
    cols, rows = np.append(cols[keep], 300), np.append(rows[keep], 900)
    values = np.zeros(len(cols))
    busy = rng.choice(len(cols), 25, replace=False)
    values[busy] = rng.poisson(3.0, size=25) + 1
    values[np.flatnonzero((cols == -15) & (rows == 503))] = 40
    values[-1] = 7
    order = rng.permutation(len(cols))
    return values[order], cols[order], rows[order]


@pytest.mark.parametrize("path", ["dense", "gaps closed", "pairs"])
@pytest.mark.parametrize("distance", [1, 3])
def test_every_way_of_summing_neighbourhoods_matches_the_naive_formula(monkeypatch, path, distance):
    """The neighbourhood sums are worked out on a dense grid, on one with the wide gaps closed
    (a stray cell far away), or pair by pair for cells too scattered for a grid: each gives the
    textbook Gi* on a lattice that is mostly empty, zero neighbourhoods included."""
    values, cols, rows = _sparse_lattice_with_empty_regions(7)
    if path == "dense":
        monkeypatch.setattr(hotspots, "_DENSE_MIN_CELLS", 10**9)
    elif path == "gaps closed":
        monkeypatch.setattr(hotspots, "_DENSE_MIN_CELLS", 0)
    else:
        monkeypatch.setattr(hotspots, "_DENSE_MIN_CELLS", 0)
        monkeypatch.setattr(hotspots, "_DENSE_CELLS_PER_CELL", 0)
    gi = getis_ord_gi_star(values, cols, rows, distance_cells=distance)
    expected = naive_gi_star(values.tolist(), cols.tolist(), rows.tolist(), distance)
    np.testing.assert_allclose(gi["gi_z"], expected, rtol=0, atol=1e-9)
    naive_k = [
        sum(1 for c, r in zip(cols, rows, strict=False) if abs(c - ci) <= distance and abs(r - ri) <= distance)
        for ci, ri in zip(cols, rows, strict=False)
    ]
    assert gi["neighbours"].tolist() == naive_k
    with pytest.raises(hotspots.InvalidArgumentError, match=r"Cell \(col 300, row 900\) is listed more than once"):
        getis_ord_gi_star(np.append(values, 1.0), np.append(cols, 300), np.append(rows, 900), distance)


def test_closing_gaps_keeps_every_neighbourhood():
    index = np.array([5, -100, 7, 8, 1000, 1003, 5])
    for distance in (1, 2, 3):
        closed = hotspots._close_gaps(index, distance)
        near = np.abs(index[:, None] - index[None, :]) <= distance
        assert ((np.abs(closed[:, None] - closed[None, :]) <= distance) == near).all()
        assert (np.abs(closed[:, None] - closed[None, :])[near] == np.abs(index[:, None] - index[None, :])[near]).all()


def test_gi_bins_follow_arcgis_thresholds():
    # One busy cell on a 15 x 15 lattice: its block is hot at 99%; far cells are not significant.
    cols, rows = (a.ravel() for a in np.meshgrid(np.arange(15), np.arange(15)))
    values = np.zeros(len(cols))
    values[(cols == 7) & (rows == 7)] = 30
    values[(cols == 0) & (rows == 14)] = 1
    gi = getis_ord_gi_star(values, cols, rows)
    block = (abs(cols - 7) <= 1) & (abs(rows - 7) <= 1)
    assert (gi.loc[block, "hotspot_class"] == "Hot spot 99%").all()
    assert (gi.loc[block, "gi_bin"] == 3).all()
    assert (gi.loc[~block, "hotspot_class"] == "Not significant").all()
    assert set(gi["hotspot_class"]) <= set(HOTSPOT_CLASSES)
    # A cold spot: one empty cell among busy ones.
    values = np.full(len(cols), 10.0)
    values[block] = 0
    gi = getis_ord_gi_star(values, cols, rows)
    centre = np.flatnonzero((cols == 7) & (rows == 7))[0]
    assert gi.loc[centre, "hotspot_class"] == "Cold spot 99%"
    assert gi.loc[centre, "gi_bin"] == -3


@pytest.mark.parametrize("correction", ["fdr_bh", "bonferroni"])
def test_multiple_testing_correction_matches_statsmodels(correction):
    rng = np.random.default_rng(7)
    cols, rows = (a.ravel() for a in np.meshgrid(np.arange(20), np.arange(20)))
    values = rng.poisson(1.0, size=len(cols)).astype(float)
    values[(abs(cols - 5) <= 1) & (abs(rows - 12) <= 1)] += 4
    raw = getis_ord_gi_star(values, cols, rows)
    corrected = getis_ord_gi_star(values, cols, rows, correction=correction)
    np.testing.assert_array_equal(corrected["gi_z"], raw["gi_z"])
    np.testing.assert_array_equal(corrected["gi_p"], raw["gi_p"])
    expected = multipletests(raw["gi_p"], method=correction)[1]
    np.testing.assert_allclose(corrected["gi_p_adjusted"], expected, rtol=1e-12, atol=1e-15)
    assert corrected["hotspot_class"].tolist() == [
        naive_class(z, p) for z, p in zip(corrected["gi_z"], corrected["gi_p_adjusted"], strict=False)
    ]
    # A correction only ever removes significance.
    assert (corrected["gi_bin"].abs() <= raw["gi_bin"].abs()).all()
    assert (corrected["gi_bin"] != 0).sum() < (raw["gi_bin"] != 0).sum()


def test_correction_skips_undefined_cells():
    # The 3 x 3 example has one undefined cell: 8 tests, not 9.
    gi = getis_ord_gi_star(
        [9, 0, 0, 0, 0, 0, 0, 0, 0], [0, 1, 2] * 3, [0, 0, 0, 1, 1, 1, 2, 2, 2], correction="bonferroni"
    )
    defined = gi["gi_p"].notna()
    np.testing.assert_allclose(gi.loc[defined, "gi_p_adjusted"], np.minimum(gi.loc[defined, "gi_p"] * 8, 1))
    assert math.isnan(gi.loc[4, "gi_p_adjusted"])


def test_equal_counts_have_no_z():
    gi = getis_ord_gi_star([3, 3, 3, 3], [0, 1, 2, 3], [0, 0, 0, 0])
    assert gi["gi_z"].isna().all()
    assert (gi["hotspot_class"] == "Not significant").all()
    empty = getis_ord_gi_star([], [], [])
    assert empty.empty and "gi_z" in empty.columns


def test_gi_star_keeps_the_series_index_and_leaves_inputs_alone():
    counts = pd.Series([5.0, 0, 0, 1], index=["a", "b", "c", "d"])
    cells = pd.DataFrame({"col": [0, 1, 0, 1], "row": [0, 0, 1, 1]})
    before_counts, before_cells = counts.copy(), cells.copy()
    gi = getis_ord_gi_star(counts, cells["col"], cells["row"])
    assert gi.index.tolist() == ["a", "b", "c", "d"]
    pd.testing.assert_series_equal(counts, before_counts)
    pd.testing.assert_frame_equal(cells, before_cells)


@pytest.mark.parametrize(
    "arguments, message",
    [
        (dict(counts=[1, 2], cols=[0], rows=[0, 1]), "one cell index per count"),
        (dict(counts=[1, 2], cols=[0, 0], rows=[1, 1]), "listed more than once"),
        (dict(counts=[1, 2], cols=[0, 0.5], rows=[0, 0]), "whole-number cell indexes"),
        (dict(counts=[1, float("nan")], cols=[0, 1], rows=[0, 0]), "finite"),
        (dict(counts=[[1, 2]], cols=[0], rows=[0]), "one-dimensional"),
        (dict(counts=[1, 2], cols=[0, 1], rows=[0, 0], distance_cells=0), "from 1 to 10"),
        (dict(counts=[1, 2], cols=[0, 1], rows=[0, 0], distance_cells=1.5), "from 1 to 10"),
        (dict(counts=[1, 2], cols=[0, 1], rows=[0, 0], correction="holm"), "Valid choices: bonferroni, fdr_bh, none"),
    ],
)
def test_gi_star_rejects_bad_arguments(arguments, message):
    with pytest.raises(InvalidArgumentError, match=message) as caught:
        getis_ord_gi_star(**arguments)
    # Both the project's error family and the ValueError scientific code expects.
    assert isinstance(caught.value, AnalyticsError) and isinstance(caught.value, ValueError)


# ---------------------------------------------------------------------------
# The grid, on hand-made stores
# ---------------------------------------------------------------------------


def test_cluster_cell_has_the_highest_z(town_conn):
    spots = hotspots.hotspots(town_conn, REDDITCH, YEAR_2025)
    by_id = spots.set_index("cell_id")
    assert by_id.loc["E1616_N1070", "count"] == 12
    # The cluster's block holds 12 + 8 = 20; a side neighbour's block 12 + 5, a corner's 12 + 3.
    top = spots.sort_values("gi_z", ascending=False)
    assert top["cell_id"].iloc[0] == "E1616_N1070"
    assert top["gi_z"].iloc[0] > top["gi_z"].iloc[1]
    assert by_id.loc["E1616_N1070", "hotspot_class"] == "Hot spot 99%"
    assert by_id.loc["E1616_N1070", "ward_code"] == ABBEY
    # Everything in the selection is counted once; December 2024 and the extract are not.
    assert spots["count"].sum() == 12 + 8 + 1
    assert spots.attrs["incidents_without_coordinates"] == 0
    # Gi* on the frame equals the naive formula on the same counts.
    np.testing.assert_allclose(
        spots["gi_z"],
        naive_gi_star(spots["count"].tolist(), spots["col"].tolist(), spots["row"].tolist(), 1),
        rtol=0,
        atol=1e-9,
    )


def test_cells_without_incidents_are_present_with_zero(town_conn):
    cells = cell_counts(town_conn, REDDITCH, YEAR_2025)
    by_id = cells.set_index("cell_id")
    # Batchley's only rows are from December 2024 and the extract: its cell is there, with 0.
    assert by_id.loc["E1611_N1072", "count"] == 0
    assert (cells["count"] == 0).sum() == len(cells) - 10
    assert cells["cell_id"].is_unique
    assert cells["count"].dtype == np.int64
    assert list(cells.columns) == [
        "cell_id",
        "col",
        "row",
        "easting",
        "northing",
        "longitude",
        "latitude",
        "polygon",
        "ward_code",
        "ward_name",
        "district",
        "count",
    ]


@pytest.mark.parametrize("size", [1000, 250])
def test_lattice_is_every_cell_touching_the_study_area(geo_conn, size):
    cells = cell_counts(geo_conn, REDDITCH, YEAR_2025, cell_size_m=size)
    assert set(cells["cell_id"]) == independent_lattice(geo_conn, "Redditch", size)
    assert (cells["count"] == 0).all()
    assert cells.attrs["cells_outside_boundaries"] == 0
    if size == 250:
        assert len(cells) == 968


def test_point_on_a_cell_edge_goes_to_the_cell_whose_lower_left_corner_it_is(geo_conn):
    # Worked by hand with 250 m cells: 404250 / 250 = 1617 exactly, 267500 / 250 = 1070 exactly,
    # 404249.999 / 250 = 1616.99..., 267499.999 / 250 = 1069.99...
    add_incidents(
        geo_conn,
        at((404250.0, 267500.0), 1)  # corner: E1617_N1070
        + at((404249.999, 267499.999), 2)  # just below and left: E1616_N1069
        + at((404250.0, 267499.999), 3)  # on a vertical edge: E1617_N1069
        + at((404000.0, 267750.0), 4),
    )  # corner of E1616_N1071
    counts = cell_counts(geo_conn, REDDITCH, YEAR_2025).set_index("cell_id")["count"]
    assert counts[counts > 0].to_dict() == {"E1616_N1069": 2, "E1617_N1069": 3, "E1617_N1070": 1, "E1616_N1071": 4}
    # 100 m cells: 404250 / 100 = 4042.5, so column 4042; 267500 / 100 = 2675 exactly.
    counts = cell_counts(geo_conn, REDDITCH, YEAR_2025, cell_size_m=100).set_index("cell_id")["count"]
    assert counts["E4042_N2675"] == 1


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


def test_incidents_beyond_the_boundaries_are_kept_and_reported(geo_conn):
    # A Redditch row whose point lies in Wyre Forest (as an LSOA-assigned row can), and one with
    # no coordinates: the first gets a cell of its own with no ward, the second is reported.
    add_incidents(geo_conn, at(TOWN_CENTRE, 2) + at((383000.0, 276000.0), 3) + [{"easting": None}])
    cells = cell_counts(geo_conn, REDDITCH, YEAR_2025)
    outside = cells[cells["ward_code"].isna()]
    assert outside["cell_id"].tolist() == ["E1532_N1104"]
    assert outside["count"].tolist() == [3]
    assert cells.attrs["cells_outside_boundaries"] == 1
    assert cells.attrs["incidents_outside_boundaries"] == 3
    assert cells.attrs["incidents_without_coordinates"] == 1
    assert cells["count"].sum() == 5


def test_ward_selection_limits_the_study_area(town_conn):
    abbey = REDDITCH.with_(wards=(ABBEY,))
    cells = cell_counts(town_conn, abbey, YEAR_2025)
    everywhere = cell_counts(town_conn, REDDITCH, YEAR_2025)
    assert 0 < len(cells) < len(everywhere)
    assert set(cells["cell_id"]) <= set(everywhere["cell_id"])
    # Rows are chosen by their ward code (all the hand-made rows but Matchborough's say Abbey).
    assert cells["count"].sum() == 12 + 8


def test_wd25_boundaries_give_their_own_lattice(town_conn):
    wd25 = cell_counts(town_conn, REDDITCH.with_(boundaries="wd25"), YEAR_2025, cell_size_m=1000)
    assert set(wd25["cell_id"]) == independent_lattice(town_conn, "Redditch", 1000, vintage="wd25")
    assert wd25["ward_code"].dropna().str.startswith("E050156").all()


# ---------------------------------------------------------------------------
# Persistence and the command-line table
# ---------------------------------------------------------------------------


def block(cell: tuple[int, int]) -> set[str]:
    return {f"E{cell[0] + dc}_N{cell[1] + dr}" for dc in (-1, 0, 1) for dr in (-1, 0, 1)}


@pytest.fixture
def moving_conn(geo_conn):
    """January 2024: 10 incidents in the town centre and 10 in Matchborough; February 2024: 10 in
    the town centre and 10 in Batchley."""
    january, february = datetime.date(2024, 1, 1), datetime.date(2024, 2, 1)
    add_incidents(
        geo_conn,
        at(TOWN_CENTRE, 10, month=january)
        + at(MATCHBOROUGH, 10, month=january)
        + at(TOWN_CENTRE, 10, month=february)
        + at(BATCHLEY, 10, month=february),
    )
    return geo_conn


def test_persistence_sorts_cells_into_the_four_categories(moving_conn):
    moved = persistence(moving_conn, REDDITCH, "2024-01", "2024-02")
    # Each cluster sits alone, so the 9 cells of its 3 x 3 block share its neighbourhood sum (10)
    # and its z: with n = 968 cells, X̄ = 20 / 968, z = (10 - 9 X̄) / (S sqrt((9 n - 81) / (n - 1))).
    n = len(moved)
    mean = 20 / n
    spread = math.sqrt(200 / n - mean**2)
    z = (10 - 9 * mean) / (spread * math.sqrt((9 * n - 81) / (n - 1)))
    assert z > 2.58
    by_category = moved.groupby("persistence")["cell_id"].apply(set).to_dict()
    assert set(by_category) == set(PERSISTENCE_CATEGORIES)
    assert by_category["Hot in both"] == block((1616, 1070))
    assert by_category["No longer hot"] == block((1628, 1063))
    assert by_category["New hot spot"] == block((1611, 1072))
    assert len(by_category["Not hot"]) == n - 27
    hot_both = moved[moved["persistence"] == "Hot in both"]
    np.testing.assert_allclose(hot_both["gi_z_a"], z, rtol=1e-12)
    assert (hot_both[["class_a", "class_b"]] == "Hot spot 99%").all().all()
    assert moved.attrs["period_a"] == "Jan 2024" and moved.attrs["period_b"] == "Feb 2024"


def test_hotspot_table_one_period_lists_busy_or_significant_cells(moving_conn):
    table = hotspot_table(moving_conn, REDDITCH, "2024-01")
    assert list(table.columns) == [
        "cell_id",
        "ward_code",
        "ward_name",
        "district",
        "longitude",
        "latitude",
        "count",
        "gi_z",
        "gi_p",
        "hotspot_class",
    ]
    # 2 x 9 hot cells (2 of them with incidents); nothing else holds incidents or is significant.
    assert len(table) == 18
    assert set(table["cell_id"]) == block((1616, 1070)) | block((1628, 1063))
    assert table["count"].sum() == 20
    assert (table["hotspot_class"] == "Hot spot 99%").all()
    # Hottest first; all 18 share one z, so ties go by count, then cell id: the clusters' own
    # cells lead, the town centre's id sorting first.
    assert table["cell_id"].iloc[:2].tolist() == ["E1616_N1070", "E1628_N1063"]
    assert table["gi_z"].nunique() == 1


def test_hotspot_table_two_periods_matches_golden_file(moving_conn):
    """The command-line output contract, read in a diff when it changes."""
    table = hotspot_table(moving_conn, REDDITCH, "2024-01", "2024-02")
    golden = GOLDEN / "persistence_table.csv"
    if os.environ.get("UPDATE_GOLDEN") == "1":  # regenerate, then read the diff
        golden.parent.mkdir(parents=True, exist_ok=True)
        table.to_csv(golden, index=False)
    expected = pd.read_csv(golden, dtype={"cell_id": str, "ward_code": str, "ward_name": str, "district": str})
    pd.testing.assert_frame_equal(table, expected, check_dtype=False, check_exact=False, atol=1e-5)
    assert table["persistence"].tolist() == sorted(table["persistence"], key=PERSISTENCE_CATEGORIES.index)


# ---------------------------------------------------------------------------
# Top locations and LSOAs
# ---------------------------------------------------------------------------


def test_hotspot_cells_are_the_shown_rows_of_hotspots(moving_conn):
    spots = hotspots.hotspots(moving_conn, REDDITCH, "2024-01")
    shown = hotspots.hotspot_cells(moving_conn, REDDITCH, "2024-01")
    expected = spots[(spots["count"] > 0) | (spots["gi_bin"] != 0)].reset_index(drop=True)
    pd.testing.assert_frame_equal(shown, expected)
    assert len(shown) == 18 == shown.attrs["cells_shown"] and shown.attrs["cells_in_lattice"] == len(spots)
    assert set(shown.attrs["ward_codes"]) == set(spots["ward_code"].dropna())
    assert (shown.attrs["hot_cells"], shown.attrs["hot_cells_99"], shown.attrs["cells_with_incidents"]) == (
        int((spots["gi_bin"] > 0).sum()),
        int((spots["gi_bin"] == 3).sum()),
        int((spots["count"] > 0).sum()),
    )
    for key in ("period", "cell_size_m", "incidents_outside_boundaries", "distance_cells", "method"):
        assert shown.attrs[key] == spots.attrs[key]
    # At most max_cells rows: the busiest cell (the first in lattice order of the two tens),
    # then hot spots by confidence (all 18 are at 99%), then by count (the other ten), then in
    # lattice order, south row first (the Matchborough block's lower-left cell).
    few = hotspots.hotspot_cells(moving_conn, REDDITCH, "2024-01", max_cells=3)
    assert len(few) == 3 and few.attrs["cells_shown"] == 18
    assert set(few["cell_id"]) == {"E1628_N1063", "E1616_N1070", "E1627_N1062"}
    assert few["cell_id"].tolist() == [c for c in shown["cell_id"] if c in set(few["cell_id"])]


def test_lattice_geometry_is_the_same_for_some_cells_or_all(town_conn):
    # Coordinates of a few cells (transformed when asked for) equal those of the whole lattice.
    every = cell_counts(town_conn, REDDITCH, YEAR_2025).set_index("cell_id")
    hotspots._lattice.cache_clear()
    table = hotspot_table(town_conn, REDDITCH, YEAR_2025).set_index("cell_id")
    assert len(table) < len(every)
    np.testing.assert_array_equal(table["longitude"], every.loc[table.index, "longitude"].round(5))
    np.testing.assert_array_equal(table["latitude"], every.loc[table.index, "latitude"].round(5))


@pytest.fixture
def street_conn(geo_conn):
    """16 incidents in Redditch town centre, by police.uk location text and ward."""
    point = TOWN_CENTRE
    add_incidents(
        geo_conn,
        at(point, 5, location="On or near Unicorn Hill", lsoa_code="E01032224", lsoa_name="Redditch 004A")
        + at(point, 3, location="On or near Market Place", lsoa_code="E01032224", lsoa_name="Redditch 004A")
        + at(point, 3, location="On or near Alcester Street", lsoa_code="E01032238", lsoa_name="Redditch 006C")
        + at(point, 2, location="On or near Parking Area", lsoa_code="E01032238", lsoa_name="Redditch 006C")
        + at(
            point, 2, location="On or near Parking Area", ward=CENTRAL, lsoa_code="E01032232", lsoa_name="Redditch 003A"
        )
        + at(point, 1, location=None),
    )
    return geo_conn


def test_top_locations_ranks_by_count_then_name(street_conn):
    top = top_locations(street_conn, REDDITCH, YEAR_2025, n=10)
    assert top[["rank", "location", "ward_name", "count", "share_pct"]].values.tolist() == [
        [1, "On or near Unicorn Hill", "Abbey", 5, 31.3],  # 31.25% rounded half up, not to even
        [2, "On or near Alcester Street", "Abbey", 3, 18.8],  # 18.75%
        [3, "On or near Market Place", "Abbey", 3, 18.8],
        [4, "On or near Parking Area", "Abbey", 2, 12.5],  # same text, two wards: two places
        [5, "On or near Parking Area", "Central", 2, 12.5],
    ]
    assert top["district"].eq("Redditch").all()
    assert top.attrs["total"] == 16 and top.attrs["without_location"] == 1
    assert list(top.columns) == [
        "rank",
        "location",
        "ward_code",
        "ward_name",
        "district",
        "count",
        "longitude",
        "latitude",
        "share_pct",
    ]
    assert top_locations(street_conn, REDDITCH, YEAR_2025, n=2)["location"].tolist() == [
        "On or near Unicorn Hill",
        "On or near Alcester Street",
    ]
    central = top_locations(street_conn, REDDITCH.with_(wards=(CENTRAL,)), YEAR_2025)
    assert central[["location", "count", "share_pct"]].values.tolist() == [["On or near Parking Area", 2, 100.0]]
    assert top_locations(street_conn, REDDITCH, "2024-01..2024-12").empty


def test_top_lsoas_ranks_lsoas_with_their_best_fit_ward(street_conn):
    top = top_lsoas(street_conn, REDDITCH, YEAR_2025)
    assert top[["rank", "lsoa_code", "lsoa_name", "ward_name", "count", "share_pct"]].values.tolist() == [
        [1, "E01032224", "Redditch 004A", "Abbey", 8, 50.0],
        [2, "E01032238", "Redditch 006C", "Central", 5, 31.3],
        [3, "E01032232", "Redditch 003A", "Batchley and Brockhill", 2, 12.5],
    ]
    assert top.attrs["without_lsoa"] == 1


def test_top_lsoas_refuses_an_extract_without_lsoa_codes(geo_conn):
    add_incidents(geo_conn, at(TOWN_CENTRE, 3, source="extract"))
    with pytest.raises(AnalyticsError, match="LSOA code"):
        top_lsoas(geo_conn, Selection(source="extract", districts=("Redditch",)), YEAR_2025)


# ---------------------------------------------------------------------------
# Bad arguments
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda c: cell_counts(c, REDDITCH, YEAR_2025, cell_size_m=50), "from 100 to 2000; got 50"),
        (lambda c: cell_counts(c, REDDITCH, YEAR_2025, cell_size_m=2500), "from 100 to 2000"),
        (lambda c: cell_counts(c, REDDITCH, YEAR_2025, cell_size_m=250.5), "whole number of metres"),
        (lambda c: cell_counts(c, REDDITCH, YEAR_2025, cell_size_m="250"), "from 100 to 2000"),
        (lambda c: hotspots.hotspots(c, REDDITCH, YEAR_2025, distance_cells=11), "from 1 to 10"),
        (
            lambda c: hotspots.hotspots(c, REDDITCH, YEAR_2025, correction="fdr"),
            "Valid choices: " + ", ".join(sorted(CORRECTIONS)),
        ),
        (lambda c: persistence(c, REDDITCH, "FY2017", None), "period_b is required"),
        (lambda c: top_locations(c, REDDITCH, YEAR_2025, n=0), "from 1 to 1000"),
        (lambda c: top_lsoas(c, REDDITCH, YEAR_2025, n=True), "from 1 to 1000"),
        (lambda c: cell_counts(c, "Redditch", YEAR_2025), "must be an analytics.data.query.Selection"),
    ],
)
def test_bad_arguments_are_refused_with_the_valid_range(geo_conn, call, message):
    with pytest.raises(InvalidArgumentError, match=message):
        call(geo_conn)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda c: cell_counts(c, REDDITCH, "FY18"), "Valid choices: .*FY2017"),
        (
            lambda c: hotspots.hotspots(c, Selection(source="police_uk", districts=("Worcester",)), YEAR_2025),
            "Valid choices: Bromsgrove, Redditch, Wyre Forest",
        ),
        (
            lambda c: top_locations(c, Selection(source="police_uk", wards=("E05999999",)), YEAR_2025),
            "Valid choices: E05",
        ),
        (
            lambda c: hotspot_table(c, Selection(source="police_uk", category="Shoplifting"), YEAR_2025),
            "Valid choices: asb, crime",
        ),
    ],
)
def test_unknown_places_periods_and_categories_list_the_valid_ones(geo_conn, call, message):
    with pytest.raises(AnalyticsError, match=message):
        call(geo_conn)


def test_module_does_not_import_streamlit():
    code = "import sys, analytics.analyses.hotspots; sys.exit('streamlit' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], cwd=ROOT).returncode == 0


# ---------------------------------------------------------------------------
# Scale: aggregation happens in DuckDB
# ---------------------------------------------------------------------------


def test_a_million_rows_are_counted_in_the_database(geo_conn):
    geo_conn.execute("""
        INSERT INTO incidents (source, synthetic, load_id, month, category, is_asb, district, easting, northing)
        SELECT 'police_uk', false, 1, DATE '2025-01-01' + to_months(CAST(i % 12 AS INTEGER)),
               'Anti-social behaviour', true, 'Redditch',
               398000 + (hash(i) % 12000), 260000 + (hash(i + 1000003) % 12000)
        FROM range(1000000) t(i)""")
    hotspots.hotspots(geo_conn, REDDITCH, YEAR_2025)  # warm the lattice cache
    started = time.perf_counter()
    spots = hotspots.hotspots(geo_conn, REDDITCH, YEAR_2025)
    elapsed = time.perf_counter() - started
    assert spots["count"].sum() == 1_000_000  # points beyond Redditch get their own cells
    assert spots.attrs["incidents_outside_boundaries"] > 0
    assert elapsed < 3.0, f"hotspots over a million rows took {elapsed:.2f} s"


# ---------------------------------------------------------------------------
# The built store: real police.uk data and the synthetic extract
# ---------------------------------------------------------------------------


def test_redditch_town_centre_is_the_hot_spot_in_2025(built_conn):
    """police.uk ASB in Redditch, 2025: the panel's "Unicorn Hill and the Market Place"."""
    spots = hotspots.hotspots(built_conn, REDDITCH, YEAR_2025)
    by_id = spots.set_index("cell_id")
    market_place = built_conn.execute(
        """
        SELECT DISTINCT floor(easting / 250)::BIGINT, floor(northing / 250)::BIGINT FROM incidents
        WHERE source = 'police_uk' AND location = 'On or near Market Place' AND ward_wd22 = ?""",
        [ABBEY],
    ).fetchall()
    assert market_place == [(1616, 1070)]
    centre = by_id.loc["E1616_N1070"]
    # The busiest cell: Market Place, the Kingfisher "Shopping Area" and Church Green East.
    assert centre["count"] == 56 == spots["count"].max()
    assert centre["hotspot_class"] == "Hot spot 99%" and centre["ward_name"] == "Abbey"
    # The strongest Gi* is the cell beside it (Bates Hill, 53), about 330 m from lon -1.940, lat 52.306.
    strongest = spots.loc[spots["gi_z"].idxmax()]
    assert strongest["cell_id"] == "E1615_N1070" and strongest["count"] == 53
    assert abs(strongest["longitude"] - -1.940) < 0.006 and abs(strongest["latitude"] - 52.306) < 0.002
    top4 = set(spots.nlargest(4, "gi_z")["cell_id"])
    assert "E1616_N1070" in top4
    # "In Greenlands ward this was more likely to occur in parts of Woodrow": the Woodrow Centre
    # cell is a hot spot; and the district centres' wards have hot cells at 95%.
    woodrow = built_conn.execute("""
        SELECT DISTINCT floor(easting / 250)::BIGINT, floor(northing / 250)::BIGINT FROM incidents
        WHERE source = 'police_uk' AND location = 'On or near Woodrow Centre'""").fetchall()
    assert woodrow == [(1623, 1062)]
    assert by_id.loc["E1623_N1062", "gi_bin"] >= 2 and by_id.loc["E1623_N1062", "ward_code"] == GREENLANDS
    hot_wards = set(spots.loc[spots["gi_bin"] >= 2, "ward_name"])
    assert {"Abbey", "Central", "Greenlands", "Church Hill", "Matchborough", "Winyates"} <= hot_wards
    assert (
        spots["count"].sum()
        == built_conn.execute(
            "SELECT count(*) FROM incidents WHERE source = 'police_uk' AND is_asb AND district = 'Redditch' "
            "AND month BETWEEN '2025-01-01' AND '2025-12-01'"
        ).fetchone()[0]
    )


def test_abbey_fy2018_top_locations_are_town_centre(built_conn):
    """Synthetic extract, Abbey (WD22), 2018-19: the total is the panel's 562."""
    top = top_locations(built_conn, Selection(source="extract", wards=(ABBEY,)), "FY2018")
    assert top.attrs["total"] == 562
    first = top.iloc[0]
    assert (first["location"], first["count"], first["share_pct"]) == ("On or near Shopping Area", 70, 12.5)
    # The first named street is Bates Hill; Unicorn Hill and Market Place follow in the top six.
    assert top["location"].iloc[:6].tolist() == [
        "On or near Shopping Area",
        "On or near Parking Area",
        "On or near Bates Hill",
        "On or near Unicorn Hill",
        "On or near Grove Street",
        "On or near Market Place",
    ]
    assert (top["ward_name"] == "Abbey").all()
    # Every one of the ten lies within 600 m of Unicorn Hill / Market Place.
    assert (abs(top["longitude"] - -1.9410) < 0.008).all() and (abs(top["latitude"] - 52.3066) < 0.005).all()


def test_all_three_districts_at_250_m_in_well_under_a_second(built_conn):
    everywhere = Selection(source="police_uk")
    hotspots.hotspots(built_conn, everywhere, YEAR_2025)
    started = time.perf_counter()
    spots = hotspots.hotspots(built_conn, everywhere, YEAR_2025)
    elapsed = time.perf_counter() - started
    assert 5000 < len(spots) < 10000
    assert set(spots["district"].dropna()) == {"Bromsgrove", "Redditch", "Wyre Forest"}
    assert elapsed < 0.5, f"hotspots took {elapsed:.2f} s"


def test_extract_hot_spots_persist_in_the_town_centre(built_conn):
    moved = persistence(built_conn, Selection(source="extract", districts=("Redditch",)), "FY2017", "FY2018")
    assert set(moved["persistence"]) == set(PERSISTENCE_CATEGORIES)
    assert moved.set_index("cell_id").loc["E1616_N1070", "persistence"] == "Hot in both"
    table = hotspot_table(built_conn, Selection(source="extract", districts=("Redditch",)), "FY2017", "FY2018")
    assert table["cell_id"].iloc[0] == "E1616_N1070"
    assert table["count_a"].sum() == moved["count_a"].sum()
