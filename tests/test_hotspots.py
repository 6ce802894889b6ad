"""Tests for analytics.analyses.hotspots: Gi* hot spots on the grid, persistence and the table.

The small stores are hand-made with the helpers of tests/test_cell_counts.py on ``geo_db``
(boundaries, no incidents); the real-data tests use ``built_db``.
"""

from __future__ import annotations

import datetime
import math
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analytics.analyses import hotspots
from analytics.analyses.arguments import InvalidArgumentError
from analytics.analyses.gi_star import CORRECTIONS
from analytics.analyses.hotspots import HOTSPOT_METHOD, PERSISTENCE_CATEGORIES, hotspot_table, persistence
from analytics.core.errors import AnalyticsError
from analytics.core.selection import Selection
from analytics.core.table_meta import meta_of
from analytics.data import store
from tests.test_cell_counts import (
    ABBEY,
    BATCHLEY,
    GREENLANDS,
    MATCHBOROUGH,
    REDDITCH,
    TOWN_CENTRE,
    YEAR_2025,
    add_incidents,
    add_town_cluster,
    at,
)
from tests.test_gi_star import naive_gi_star

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).resolve().parent / "data" / "hotspots"


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
# Gi* on the grid, on hand-made stores
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


def test_method_text_names_the_correction(town_conn):
    plain = hotspots.hotspots(town_conn, REDDITCH, YEAR_2025)
    assert meta_of(plain).method == HOTSPOT_METHOD and plain.attrs["correction"] == "none"
    corrected = hotspots.hotspots(town_conn, REDDITCH, YEAR_2025, correction="fdr_bh")
    assert meta_of(corrected).method.startswith(HOTSPOT_METHOD) and "Benjamini-Hochberg" in meta_of(corrected).method


# ---------------------------------------------------------------------------
# Persistence, the map's cells and the command-line table
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
    assert meta_of(moved).period_labels == ("Jan 2024", "Feb 2024")


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
    for key in ("cell_size_m", "incidents_outside_boundaries", "distance_cells"):
        assert shown.attrs[key] == spots.attrs[key]
    assert meta_of(shown) == meta_of(spots) and meta_of(shown).period_a is not None
    # At most max_cells rows: the busiest cell (the first in lattice order of the two tens),
    # then hot spots by confidence (all 18 are at 99%), then by count (the other ten), then in
    # lattice order, south row first (the Matchborough block's lower-left cell).
    few = hotspots.hotspot_cells(moving_conn, REDDITCH, "2024-01", max_cells=3)
    assert len(few) == 3 and few.attrs["cells_shown"] == 18
    assert set(few["cell_id"]) == {"E1628_N1063", "E1616_N1070", "E1627_N1062"}
    assert few["cell_id"].tolist() == [c for c in shown["cell_id"] if c in set(few["cell_id"])]


# ---------------------------------------------------------------------------
# Bad arguments
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda c: hotspots.hotspots(c, REDDITCH, YEAR_2025, distance_cells=11), "from 1 to 10"),
        (
            lambda c: hotspots.hotspots(c, REDDITCH, YEAR_2025, correction="fdr"),
            "Valid choices: " + ", ".join(sorted(CORRECTIONS)),
        ),
        (lambda c: persistence(c, REDDITCH, "FY2017", None), "period_b is required"),
        (lambda c: hotspots.hotspot_cells(c, REDDITCH, YEAR_2025, max_cells=0), "max_cells must be a whole number"),
        (lambda c: hotspots.hotspots(c, REDDITCH, YEAR_2025, cell_size_m=50), "from 100 to 2000; got 50"),
    ],
)
def test_bad_arguments_are_refused_with_the_valid_range(geo_conn, call, message):
    with pytest.raises(InvalidArgumentError, match=message):
        call(geo_conn)


@pytest.mark.parametrize(
    "call, message",
    [
        (
            lambda c: hotspots.hotspots(c, Selection(source="police_uk", districts=("Worcester",)), YEAR_2025),
            "Valid choices: Bromsgrove, Redditch, Wyre Forest",
        ),
        (
            lambda c: hotspot_table(c, Selection(source="police_uk", category="Shoplifting"), YEAR_2025),
            "Valid choices: asb, crime",
        ),
    ],
)
def test_unknown_places_and_categories_list_the_valid_ones(geo_conn, call, message):
    with pytest.raises(AnalyticsError, match=message):
        call(geo_conn)


@pytest.mark.parametrize("module", ["arguments", "cell_counts", "gi_star", "hotspots", "lattice", "places"])
def test_modules_do_not_import_streamlit(module):
    code = f"import sys, analytics.analyses.{module}; sys.exit('streamlit' in sys.modules)"
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
