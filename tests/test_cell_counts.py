"""Tests for analytics.analyses.cell_counts: incidents per cell of the lattice, counted in DuckDB.

The small stores are hand-made here (``add_incidents`` on ``geo_db``: boundaries, no incidents);
tests/test_lattice.py, tests/test_hotspots.py and tests/test_places.py use the same helpers.
"""

from __future__ import annotations

import datetime

import numpy as np
import pandas as pd
import pytest
from pyproj import Transformer

from analytics.analyses.arguments import InvalidArgumentError
from analytics.analyses.cell_counts import cell_counts
from analytics.core.errors import AnalyticsError
from analytics.core.selection import Selection
from analytics.data import store

TO_WGS84 = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)

ABBEY, CENTRAL, GREENLANDS = "E05007868", "E05007871", "E05007874"
REDDITCH = Selection(source="police_uk", category="asb", districts=("Redditch",))
YEAR_2025 = "2025-01..2025-12"

# Hand-chosen points (British National Grid metres) well inside Redditch wards (WD22), with the
# 250 m cell each falls in: floor(404100 / 250) = 1616, floor(267600 / 250) = 1070.
TOWN_CENTRE = (404100.0, 267600.0)  # Abbey, beside Market Place: cell E1616_N1070
MATCHBOROUGH = (407077.0, 265906.0)  # cell E1628_N1063
BATCHLEY = (402752.0, 268202.0)  # cell E1611_N1072


# ---------------------------------------------------------------------------
# Hand-made stores
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


def add_town_cluster(conn) -> None:
    """A cluster of 12 in the town-centre cell, one incident in each of its 8 neighbours, one at
    Matchborough; plus rows the selection must leave out (December 2024; the extract)."""
    col, row = 1616, 1070
    ring = [cell_centre(col + dc, row + dr) for dc in (-1, 0, 1) for dr in (-1, 0, 1) if (dc, dr) != (0, 0)]
    add_incidents(
        conn,
        at(TOWN_CENTRE, 12, location="On or near Market Place")
        + [r for point in ring for r in at(point, location="On or near Ring Road")]
        + at(MATCHBOROUGH, month=datetime.date(2025, 6, 1), ward="E05007877")
        + at(BATCHLEY, 5, month=datetime.date(2024, 12, 1), ward="E05007870")
        + at(BATCHLEY, 5, source="extract", ward="E05007870"),
    )


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
# Counting
# ---------------------------------------------------------------------------


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
        (lambda c: cell_counts(c, "Redditch", YEAR_2025), "must be an analytics.data.query.Selection"),
    ],
)
def test_bad_arguments_are_refused_with_the_valid_range(geo_conn, call, message):
    with pytest.raises(InvalidArgumentError, match=message):
        call(geo_conn)


def test_an_unknown_period_lists_the_valid_ones(geo_conn):
    with pytest.raises(AnalyticsError, match="Valid choices: .*FY2017"):
        cell_counts(geo_conn, REDDITCH, "FY18")
