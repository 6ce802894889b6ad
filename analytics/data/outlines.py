"""Ward outlines from the store, for the maps to draw (:mod:`analytics.present.maps`)."""

from __future__ import annotations

import duckdb
import geopandas as gpd
import shapely

from analytics.core.errors import AnalyticsError
from analytics.data.geography import WGS84, check_vintage

_OUTLINES_SQL = """
SELECT ward_code, ward_name, district, centroid_lon, centroid_lat, geometry_wkb
FROM wards
WHERE vintage = ? AND geometry_wkb IS NOT NULL
ORDER BY ward_code
"""


def ward_outlines(conn: duckdb.DuckDBPyConnection, vintage: str) -> gpd.GeoDataFrame:
    """The ward boundaries of one vintage ('wd22' or 'wd25'), in WGS84, from the store.

    Columns: ``ward_code``, ``ward_name``, ``district``, ``centroid_lon`` and ``centroid_lat``
    (a point inside the ward, where its label goes) and ``geometry``; one row per ward, by code.
    A pure function of its inputs: a page caches it with ``st.cache_data`` (connection as
    ``_conn``).
    """
    vintage = check_vintage(vintage)
    frame = conn.execute(_OUTLINES_SQL, [vintage]).df()
    if frame.empty:
        raise AnalyticsError(
            f"The database holds no {vintage.upper()} ward boundaries.",
            title="No boundaries",
            fix="Run `python -m analytics build` to build the store from data/.",
        )
    geometry = shapely.from_wkb([bytes(w) for w in frame.pop("geometry_wkb")])
    return gpd.GeoDataFrame(frame, geometry=geometry, crs=WGS84)
