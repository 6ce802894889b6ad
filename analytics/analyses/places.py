"""The busiest places of a selection and period: top locations (police.uk's location text) and
top LSOAs, each with its ward and its share of every incident.

police.uk moves every incident to the nearest of a fixed list of anonymous "snap points" (a
street, a car park, a shopping area) and describes each as "On or near <street or place>", so a
location here is a snap point, not where each incident happened.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd

from analytics.analyses.arguments import as_period, as_selection, whole_in_range
from analytics.analyses.comparison import comparison_meta
from analytics.core.errors import AnalyticsError
from analytics.core.periods import Period, round_ratio_half_up
from analytics.core.selection import Selection
from analytics.core.table_meta import with_meta
from analytics.data.query import check_selection

__all__ = ["MAX_TOP_N", "top_locations", "top_lsoas"]

#: Cap on ``n`` for the top-locations and top-LSOAs tables.
MAX_TOP_N = 1000


def _check_top_n(n: object) -> int:
    return whole_in_range("n", n, 1, MAX_TOP_N)


def _share(count: int, total: int) -> float:
    """Percentage of the total to one decimal place, halves rounded up (as the panel rounds)."""
    return round_ratio_half_up(count, total, 1000) / 10 if total else float("nan")


def _totals(conn: duckdb.DuckDBPyConnection, selection: Selection, period: Period, column: str) -> tuple[int, int]:
    """Incidents of the selection and period, and how many of them have no ``column`` value.

    ``column`` is one of the fixed names 'location' and 'lsoa_code', never user text.
    """
    where, params = selection.where(period)
    ((total, missing),) = conn.execute(
        f"SELECT count(*), count(*) FILTER (WHERE nullif(trim({column}), '') IS NULL) FROM incidents WHERE {where}",
        params,
    ).fetchall()
    return int(total), int(missing)


def _ranked(frame: pd.DataFrame, total: int) -> pd.DataFrame:
    frame = frame.copy()
    frame.insert(0, "rank", np.arange(1, len(frame) + 1))
    frame["count"] = frame["count"].astype(np.int64)
    frame["share_pct"] = [_share(int(c), total) for c in frame["count"]]
    return frame


_TOP_LOCATIONS_SQL = """
SELECT i.location, i.{ward_column} AS ward_code, w.ward_name, i.district, count(*) AS count,
       avg(i.longitude) AS longitude, avg(i.latitude) AS latitude
FROM incidents i
LEFT JOIN wards w ON w.vintage = ? AND w.ward_code = i.{ward_column}
WHERE {where} AND nullif(trim(i.location), '') IS NOT NULL
GROUP BY i.location, i.{ward_column}, w.ward_name, i.district
ORDER BY count DESC, i.location, w.ward_name NULLS LAST, i.district
LIMIT ?
"""


def top_locations(
    conn: duckdb.DuckDBPyConnection, selection: Selection, period: Period | str, n: int = 10
) -> pd.DataFrame:
    """The places with the most incidents, by their police.uk location text, in their ward.

    police.uk describes each snap point as "On or near <street or place>"; the same text in
    two wards ("On or near Parking Area") is two places, so rows are grouped by location,
    ward (of the selection's boundary vintage) and district.

    Parameters
    ----------
    conn : duckdb.DuckDBPyConnection
        The store.
    selection : Selection
        Source, category, districts or wards, and the boundary vintage.
    period : Period or str
        Months counted, e.g. ``parse_period("FY2018")`` or ``"2025-01..2025-12"``.
    n : int, default 10
        How many locations, from 1 to 1000.

    Returns
    -------
    pandas.DataFrame
        ``rank``, ``location``, ``ward_code``, ``ward_name``, ``district``, ``count``,
        ``longitude`` and ``latitude`` (the mean of the location's points in the ward) and
        ``share_pct``: the count as a percentage of every incident in the selection and
        period (those with no location text included), to one decimal place, halves rounded
        up. Most incidents first; ties in order of location, then ward name, then district.
        ``attrs`` hold ``total`` and ``without_location``.

    Examples
    --------
    >>> top_locations(conn, Selection(source="extract", wards=("E05007868",)), "FY2018",
    ...               n=3)                                                # doctest: +SKIP
    """
    n = _check_top_n(n)
    period = as_period(period)
    selection = as_selection(selection)
    check_selection(conn, selection)
    where, params = selection.where(period, alias="i")
    frame = conn.execute(
        _TOP_LOCATIONS_SQL.format(ward_column=selection.ward_column, where=where), [selection.boundaries, *params, n]
    ).df()
    total, without = _totals(conn, selection, period, "location")
    result = _ranked(frame, total)
    # What it counts where, for its caption and downloads (source, place, period, vintage).
    result.attrs.update(total=total, without_location=without)
    return with_meta(result, comparison_meta(conn, selection, period))


_TOP_LSOAS_SQL = """
SELECT i.lsoa_code, any_value(i.lsoa_name ORDER BY i.lsoa_name) AS lsoa_name,
       l.{ward_column} AS ward_code, w.ward_name, l.district, count(*) AS count
FROM incidents i
LEFT JOIN lsoa_lookup l ON l.lsoa_code = i.lsoa_code
LEFT JOIN wards w ON w.vintage = ? AND w.ward_code = l.{ward_column}
WHERE {where} AND nullif(trim(i.lsoa_code), '') IS NOT NULL
GROUP BY i.lsoa_code, l.{ward_column}, w.ward_name, l.district
ORDER BY count DESC, lsoa_name, i.lsoa_code
LIMIT ?
"""


def top_lsoas(conn: duckdb.DuckDBPyConnection, selection: Selection, period: Period | str, n: int = 10) -> pd.DataFrame:
    """The LSOAs with the most incidents, with the ward each best fits and its district.

    Parameters
    ----------
    conn, selection, period
        As for :func:`top_locations`.
    n : int, default 10
        How many LSOAs, from 1 to 1000.

    Returns
    -------
    pandas.DataFrame
        ``rank``, ``lsoa_code``, ``lsoa_name``, ``ward_code`` and ``ward_name`` (the ward of
        the selection's boundary vintage the LSOA best fits), ``district``, ``count`` and
        ``share_pct`` (of every incident in the selection and period, to one decimal place,
        halves rounded up). Most first; ties by LSOA name. ``attrs`` hold ``total`` and
        ``without_lsoa``.

    Raises
    ------
    AnalyticsError
        When the selection holds incidents but none carries an LSOA code (a force extract
        records ward codes, not LSOAs).

    Examples
    --------
    >>> top_lsoas(conn, Selection(source="police_uk", districts=("Redditch",)),
    ...           "2025-01..2025-12", n=5)                               # doctest: +SKIP
    """
    n = _check_top_n(n)
    period = as_period(period)
    selection = as_selection(selection)
    check_selection(conn, selection)
    where, params = selection.where(period, alias="i")
    frame = conn.execute(
        _TOP_LSOAS_SQL.format(ward_column=selection.ward_column, where=where), [selection.boundaries, *params, n]
    ).df()
    total, without = _totals(conn, selection, period, "lsoa_code")
    if total and frame.empty:
        raise AnalyticsError(
            f"None of the {total:,} incidents of the {selection.source_label} in "
            f"{period.label} carries an LSOA code, so they cannot be ranked by LSOA.",
            title="No LSOA codes",
            fix="Rank them by location (top locations) instead, or choose the police.uk source.",
        )
    result = _ranked(frame, total)
    result.attrs.update(total=total, without_lsoa=without)
    return with_meta(result, comparison_meta(conn, selection, period))
