"""Tests for analytics.analyses.places: the top locations and top LSOAs tables.

The small store is hand-made (``street_conn``); the real-data test uses ``built_db``.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from analytics.analyses.arguments import InvalidArgumentError
from analytics.analyses.places import MAX_TOP_N, top_locations, top_lsoas
from analytics.core.errors import AnalyticsError
from analytics.core.selection import Selection
from analytics.data import store
from tests.test_cell_counts import ABBEY, CENTRAL, REDDITCH, TOWN_CENTRE, YEAR_2025, add_incidents, at

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def geo_conn(geo_db):
    conn = store.connect(geo_db)
    yield conn
    conn.close()


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
        (lambda c: top_locations(c, REDDITCH, YEAR_2025, n=0), "from 1 to 1000"),
        (lambda c: top_lsoas(c, REDDITCH, YEAR_2025, n=True), "from 1 to 1000"),
        (lambda c: top_locations(c, REDDITCH, YEAR_2025, n=MAX_TOP_N + 1), "from 1 to 1000; got 1001"),
        (lambda c: top_lsoas(c, "Redditch", YEAR_2025), "must be an analytics.data.query.Selection"),
        (lambda c: top_locations(c, REDDITCH, None), "period is required"),
    ],
)
def test_bad_arguments_are_refused_with_the_valid_range(geo_conn, call, message):
    with pytest.raises(InvalidArgumentError, match=message):
        call(geo_conn)


def test_an_unknown_ward_lists_the_valid_ones(geo_conn):
    with pytest.raises(AnalyticsError, match="Valid choices: E05"):
        top_locations(geo_conn, Selection(source="police_uk", wards=("E05999999",)), YEAR_2025)


def test_module_does_not_import_streamlit():
    code = "import sys, analytics.analyses.places; sys.exit('streamlit' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], cwd=ROOT).returncode == 0


# ---------------------------------------------------------------------------
# The built store: the synthetic extract
# ---------------------------------------------------------------------------


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
