"""Ward outlines from the store (analytics.data.outlines)."""

from __future__ import annotations

import geopandas as gpd
import pytest

from analytics.core.errors import AnalyticsError
from analytics.data.outlines import ward_outlines

# ---------------------------------------------------------------------------
# On the built store
# ---------------------------------------------------------------------------


def test_ward_outlines_from_the_store(built_conn):
    wd22 = ward_outlines(built_conn, "wd22")
    assert isinstance(wd22, gpd.GeoDataFrame) and wd22.crs.to_epsg() == 4326
    assert len(wd22) == 54 and wd22["ward_code"].is_unique
    assert wd22.groupby("district").size().to_dict() == {"Bromsgrove": 30, "Redditch": 12, "Wyre Forest": 12}
    assert wd22.geometry.is_valid.all()
    labels = gpd.GeoSeries(gpd.points_from_xy(wd22.centroid_lon, wd22.centroid_lat), index=wd22.index, crs=wd22.crs)
    assert wd22.geometry.contains(labels).all()
    assert len(ward_outlines(built_conn, "WD25").query("district == 'Redditch'")) == 9
    with pytest.raises(AnalyticsError, match="Valid choices: wd22, wd25"):
        ward_outlines(built_conn, "wd21")
