"""Incidents per cell of the equal-area lattice over a selection's wards, counted in DuckDB.

A cell is a square of British National Grid (:mod:`analytics.analyses.lattice`); an incident
at easting e, northing n is in column ``floor(e / size)`` and row ``floor(n / size)``. Counting is
one ``GROUP BY`` over cells, so the same code serves ten rows or ten million; only one row per
occupied cell reaches pandas, and it is looked up in the lattice, which is worked out once per
boundary set and cell size. Every cell of the lattice is present, with a count of 0 where nothing
was recorded, and a cell holding incidents beyond every ward polygon is added, so no located
incident is lost. :mod:`analytics.analyses.hotspots` computes Gi* on these counts.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from analytics.analyses.arguments import as_period, as_selection
from analytics.analyses.lattice import (
    DEFAULT_CELL_SIZE_M,
    Lattice,
    cell_columns,
    check_cell_size,
    ward_lattice,
    with_cells_beyond,
)
from analytics.core.errors import AnalyticsError
from analytics.core.periods import Period
from analytics.core.selection import Selection
from analytics.data.query import check_selection

__all__ = ["CountGrid", "cell_counts", "count_grid"]


def _study_area(conn: duckdb.DuckDBPyConnection, selection: Selection, size: int) -> Lattice:
    """The lattice over the wards of the selection (all wards of its districts, or its wards)."""
    clauses: list[str] = ["vintage = ?"]
    params: list[object] = [selection.boundaries]
    if selection.districts:
        clauses.append("list_contains(?, district)")
        params.append(list(selection.districts))
    if selection.wards:
        clauses.append("list_contains(?, ward_code)")
        params.append(list(selection.wards))
    wards = conn.execute(
        f"""
        SELECT ward_code, ward_name, district, geometry_wkb FROM wards
        WHERE {" AND ".join(clauses)} AND geometry_wkb IS NOT NULL ORDER BY ward_code""",
        params,
    ).fetchall()
    if not wards:
        raise AnalyticsError(
            f"The database holds no {selection.boundaries.upper()} ward boundaries for {selection.place_label}.",
            title="No boundaries",
            fix="Run `python -m analytics build` to build the store from data/.",
        )
    codes, names, districts, wkbs = zip(*wards, strict=False)
    return ward_lattice(size, codes, names, districts, tuple(bytes(w) for w in wkbs))


_CELL_COUNTS_SQL = """
SELECT CAST(floor(easting / ?) AS BIGINT) AS col, CAST(floor(northing / ?) AS BIGINT) AS row,
       count(*) AS count
FROM incidents
WHERE {where}
GROUP BY ALL
"""


def _counts_by_cell(
    conn: duckdb.DuckDBPyConnection, selection: Selection, period: Period, size: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Columns, rows and counts of the occupied cells, and the number of rows with no
    coordinates (the NULL cell)."""
    where, params = selection.where(period)
    frame = conn.execute(_CELL_COUNTS_SQL.format(where=where), [size, size, *params]).df()
    unplaced = (frame["col"].isna() | frame["row"].isna()).to_numpy()
    located = frame[~unplaced]
    return (
        located["col"].to_numpy(dtype=np.int64),
        located["row"].to_numpy(dtype=np.int64),
        located["count"].to_numpy(dtype=np.int64),
        int(frame["count"].to_numpy()[unplaced].sum()),
    )


@dataclass
class CountGrid:
    """The cells of a query as arrays: the lattice, then any cell beyond it holding incidents,
    all ordered by row then column; ``position`` is the lattice position (-1 beyond it)."""

    lattice: Lattice
    col: np.ndarray
    row: np.ndarray
    position: np.ndarray
    counts: list[np.ndarray]
    attrs: dict[Hashable, Any]

    def columns(self, take: np.ndarray | None = None, polygons: bool = True) -> dict[str, Any]:
        """The cell columns of :func:`cell_counts` (all but the counts) for the cells ``take``
        (positions in the grid; every cell when None), in that order."""
        return cell_columns(self.lattice, self.col, self.row, self.position, take, polygons)


def count_grid(conn: duckdb.DuckDBPyConnection, selection: Selection, periods: list[Period], size: int) -> CountGrid:
    """The lattice of the selection's wards with one count array per period (``counts``, one
    value per cell of ``col`` and ``row``).

    Cells holding incidents outside every ward polygon of the selection are added, so that no
    located incident is dropped. ``attrs`` hold ``cell_size_m``, ``boundaries``,
    ``cells_outside_boundaries`` and, one value per period, ``incidents_outside_boundaries``
    and ``incidents_without_coordinates``. The arguments are taken as checked.
    """
    check_selection(conn, selection)
    lattice = _study_area(conn, selection, size)
    counted = [_counts_by_cell(conn, selection, period, size) for period in periods]
    col, row, position, at = with_cells_beyond(lattice, [(c, r) for c, r, _, _ in counted])
    counts = []
    for (_, _, count, _), a in zip(counted, at, strict=False):
        values = np.zeros(len(col), dtype=np.int64)
        values[a] = count
        counts.append(values)
    outside = position < 0
    attrs: dict[Hashable, Any] = {
        "cell_size_m": size,
        "boundaries": selection.boundaries,
        "cells_outside_boundaries": int(outside.sum()),
        "incidents_outside_boundaries": [int(values[outside].sum()) for values in counts],
        "incidents_without_coordinates": [unplaced for _, _, _, unplaced in counted],
    }
    return CountGrid(lattice, col, row, position, counts, attrs)


def _cell_frame(
    conn: duckdb.DuckDBPyConnection, selection: Selection, periods: list[Period], size: int
) -> pd.DataFrame:
    """The lattice with one count column per period (``count_0``, ``count_1``, ...).

    Cells holding incidents outside every ward polygon of the selection (a row placed in a
    ward through its LSOA, its point beyond the generalised boundary) are added, so that no
    located incident is dropped; ``attrs`` record how many there were and how many rows had no
    coordinates at all.
    """
    grid = count_grid(conn, selection, periods, size)
    result = pd.DataFrame(
        {**grid.columns(), **{f"count_{number}": values for number, values in enumerate(grid.counts)}}
    )
    result.attrs = dict(grid.attrs)
    return result


def cell_counts(
    conn: duckdb.DuckDBPyConnection, selection: Selection, period: Period | str, cell_size_m: int = DEFAULT_CELL_SIZE_M
) -> pd.DataFrame:
    """Incidents per square cell of British National Grid, over the whole study area.

    A cell is ``cell_size_m`` metres square; an incident at easting e, northing n is in column
    ``floor(e / cell_size_m)`` and row ``floor(n / cell_size_m)`` (a point on an edge belongs to
    the cell whose lower-left corner it is), counted in one ``GROUP BY`` in DuckDB.

    Parameters
    ----------
    conn : duckdb.DuckDBPyConnection
        The store.
    selection : Selection
        Source, category, districts or wards, and the boundary vintage. The study area is every
        ward of the selection (all wards of its districts, or its wards) in that vintage.
    period : Period or str
        Months counted, e.g. ``parse_period("FY2018")`` or ``"2025-01..2025-12"``.
    cell_size_m : int, default 250
        Cell side in whole metres, from 100 to 2000.

    Returns
    -------
    pandas.DataFrame
        One row per cell, ordered by row then column (south to north, west to east):
        ``cell_id`` (``"E{col}_N{row}"``), ``col``, ``row``, ``easting`` and ``northing`` of the
        centre (metres), ``longitude`` and ``latitude`` of the centre (WGS84), ``polygon`` (the
        four corners as ``[lon, lat]`` pairs, lower-left first, anticlockwise: ready for a pydeck
        ``PolygonLayer``), ``ward_code``, ``ward_name`` and ``district`` of the ward holding the
        centre (or covering most of an edge cell), and ``count`` (0 where nothing was recorded).

        Every cell whose square intersects a ward of the study area is present. A cell holding
        incidents beyond every ward polygon (a few points sit outside the generalised
        boundaries) is added with no ward, so no located incident is lost. ``attrs`` hold
        ``cell_size_m``, ``boundaries``, ``cells_outside_boundaries``,
        ``incidents_outside_boundaries`` and ``incidents_without_coordinates`` (rows that
        cannot be placed on the grid; counted nowhere).

    Raises
    ------
    InvalidArgumentError
        For a cell size outside 100..2000 m or not whole.
    AnalyticsError
        For a district, ward or category the store does not hold, and a period that cannot
        be read; the message lists the valid ones.

    Examples
    --------
    >>> cells = cell_counts(conn, Selection("police_uk", districts=("Redditch",)), "FY2025")  # doctest: +SKIP
    >>> cells.loc[cells["count"].idxmax(), ["cell_id", "ward_name", "count"]]   # doctest: +SKIP
    """
    size = check_cell_size(cell_size_m)
    period = as_period(period)
    selection = as_selection(selection)
    cells = _cell_frame(conn, selection, [period], size).rename(columns={"count_0": "count"})
    cells.attrs["period"] = period.label
    cells.attrs["incidents_outside_boundaries"] = cells.attrs["incidents_outside_boundaries"][0]
    cells.attrs["incidents_without_coordinates"] = cells.attrs["incidents_without_coordinates"][0]
    return cells
