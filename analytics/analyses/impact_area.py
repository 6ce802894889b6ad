"""Did it work, for an area drawn rather than wards: a GeoJSON polygon (a PSPO's map, a patrol
area), judged as analytics/analyses/impact.py judges wards.

The target is the polygon; the buffer, the ring ``buffer_metres`` wide around it; the comparison
area, the rest of the wards the polygon touches' districts, outside target and ring. Incidents are
placed by their British National Grid point (police.uk's snap point, or the extract's location), so
a polygon smaller than the spacing of snap points holds few of them: the refusal on small counts
says so rather than guess. Rows without a location are left out of every area.
"""

from __future__ import annotations

import datetime

import duckdb
import numpy as np
import pandas as pd
import shapely

from analytics.analyses.impact import Counter, ImpactRefused, judge
from analytics.core.errors import AnalyticsError
from analytics.core.selection import Selection
from analytics.data.geography import to_bng

#: The buffer ring's width around a drawn area, metres: about a street block or two.
BUFFER_METRES = 400


def _bng(shape: shapely.Geometry) -> shapely.Geometry:
    return shapely.transform(shape, lambda xy: np.column_stack(to_bng().transform(xy[:, 0], xy[:, 1])))


def area_shapes(
    conn: duckdb.DuckDBPyConnection, geojson: str, boundaries: str = "wd22", buffer_metres: float = BUFFER_METRES
) -> dict[str, shapely.Geometry | str]:
    """Target, buffer ring and comparison area in British National Grid metres."""
    try:
        drawn = shapely.from_geojson(geojson)
    except Exception:  # shapely's GEOSException, or ValueError
        raise AnalyticsError("The area is not GeoJSON.", title="Invalid area") from None
    if drawn.geom_type not in ("Polygon", "MultiPolygon") or not drawn.is_valid:
        raise AnalyticsError("The area must be one valid Polygon or MultiPolygon.", title="Invalid area")
    wards = conn.execute("SELECT district, geometry_wkb FROM wards WHERE vintage = ?", [boundaries]).df()
    shapes = [shapely.from_wkb(bytes(g)) for g in wards.geometry_wkb]
    # A district the area reaches into (1% of it or more), not one whose generalised edge it grazes.
    touched = {
        d for d, shape in zip(wards.district, shapes, strict=True) if shape.intersection(drawn).area > 0.01 * drawn.area
    }
    if not touched:
        raise ImpactRefused("The area lies outside every ward of the store's districts.")
    district = shapely.union_all([s for d, s in zip(wards.district, shapes, strict=True) if d in touched])
    target = _bng(drawn)
    outer = target.buffer(buffer_metres)
    return {
        "target": target,
        "buffer": outer.difference(target),
        "control": _bng(district).difference(outer),
        "districts": ", ".join(sorted(touched)),
    }


def _counter(conn: duckdb.DuckDBPyConnection, selection: Selection, shapes: dict[str, shapely.Geometry]) -> Counter:
    def count(before: list[datetime.date], after: list[datetime.date]) -> dict[str, tuple[int, int]]:
        where, params = selection.where()
        points = conn.execute(
            f"""SELECT easting, northing, month >= ? AS after, count(*) AS n FROM incidents
                WHERE {where} AND easting IS NOT NULL AND ((month >= ? AND month <= ?) OR (month >= ? AND month <= ?))
                GROUP BY ALL""",
            [after[0], *params, before[0], before[-1], after[0], after[-1]],
        ).df()
        out = {}
        for name in ("target", "buffer", "control"):
            inside = shapely.contains_xy(shapes[name], points.easting.to_numpy(), points.northing.to_numpy())
            mine = points[inside]
            out[name] = (int(mine.n[~mine.after].sum()), int(mine.n[mine.after].sum()))
        return out

    return count


def evaluate_area(
    conn: duckdb.DuckDBPyConnection,
    selection: Selection,
    geojson: str,
    start: datetime.date,
    months: int = 12,
    buffer_metres: float = BUFFER_METRES,
    name: str = "the area drawn",
) -> pd.DataFrame:
    """:func:`analytics.analyses.impact.evaluate` for a GeoJSON polygon (longitude, latitude)."""
    selection = selection.with_(wards=(), districts=())
    shapes = area_shapes(conn, geojson, selection.boundaries, buffer_metres)
    names = {
        "target": name,
        "buffer": f"{buffer_metres:,.0f} m around it",
        "control": f"the rest of {shapes['districts']}",
        "net": f"{name} and {buffer_metres:,.0f} m around it",
    }
    return judge(conn, selection, _counter(conn, selection, shapes), names, start, months)
