"""Hot spots: where incidents cluster, by the Getis-Ord Gi* statistic on an equal-area grid.

Gi* (:mod:`analytics.analyses.gi_star`) is computed on the incidents per cell of
:mod:`analytics.analyses.cell_counts`, over the whole lattice of the selection's wards, with a
count of 0 where nothing was recorded: Gi* compares each neighbourhood with the whole study area,
and the empty cells are part of that area. :func:`hotspots` gives one period, :func:`persistence`
compares two, and :func:`hotspot_table` is the command line's table of either.

At national scale (a 250 m lattice of England and Wales has hundreds of thousands of cells,
mostly empty) :func:`hotspots` and :func:`persistence` still give every cell of the lattice (a
frame of that size is their contract, and costs a second or so, mostly the corner lists of
``polygon``); :func:`hotspot_cells` and :func:`hotspot_table` give only the cells holding
incidents or significant, with the same values, and make rows (and transform coordinates) for
those cells only. That is what the map and the page use.

Two things to keep in mind when reading a map:

- police.uk moves every incident to the nearest of a fixed list of anonymous "snap points"
  (a street, a car park, a shopping area), so counts pile up at those points; a cell's count is
  the count at the snap points inside it, not where each incident happened.
- The neighbourhoods of adjacent cells overlap, so a single busy cell makes its neighbours look
  hot too: read a patch of hot cells as one hot spot around its busiest cell.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from analytics.analyses.arguments import as_period, as_selection, whole_in_range
from analytics.analyses.cell_counts import CountGrid, count_grid
from analytics.analyses.comparison import comparison_meta
from analytics.analyses.gi_star import check_correction, check_distance, class_names, gi_star_arrays
from analytics.analyses.lattice import DEFAULT_CELL_SIZE_M, check_cell_size
from analytics.core.periods import Period
from analytics.core.selection import Selection
from analytics.core.table_meta import meta_of, with_meta

__all__ = [
    "HOTSPOT_METHOD",
    "PERSISTENCE_CATEGORIES",
    "hotspot_cells",
    "hotspot_table",
    "hotspots",
    "persistence",
]

#: A cell is "hot" for persistence when it is a hot spot at 95% confidence or more.
_HOT_BIN = 2

#: Persistence of hot spots between two periods, in the order tables list them.
PERSISTENCE_CATEGORIES = ("Hot in both", "New hot spot", "No longer hot", "Not hot")

#: Text a page can show to explain the map.
HOTSPOT_METHOD = (
    "Hot spots are cells of an equal-area grid (British National Grid) whose neighbourhood, the "
    "cell and the cells around it, holds more incidents than chance would put there, by the "
    "Getis-Ord Gi* statistic (Getis & Ord 1992; Ord & Getis 1995). Gi* is a z-score: about 1.65 "
    "or more is a hot spot at 90% confidence, 1.96 at 95%, 2.58 at 99% (two-sided normal "
    "approximation); as far below zero is a cold spot. police.uk places every incident at the "
    "nearest anonymous snap point, so counts gather at those points; neighbouring cells share "
    "most of their neighbourhood, so a patch of hot cells is one hot spot around its busiest cell."
)

_CORRECTION_NOTES = {
    "none": "",
    "fdr_bh": " The p-values are corrected for testing every cell by the Benjamini-Hochberg false "
    "discovery rate: of the cells called hot or cold at 95%, at most about 5% are expected "
    "to be false alarms.",
    "bonferroni": " The p-values are multiplied by the number of cells tested (Bonferroni), so a cell "
    "is called significant only when chance is very unlikely to explain it anywhere.",
}


def _method(correction: str) -> str:
    return HOTSPOT_METHOD + _CORRECTION_NOTES[correction]


# ---------------------------------------------------------------------------
# Gi* over the grid: one period, and two
# ---------------------------------------------------------------------------

_GI_COLUMNS = ["gi_z", "gi_p", "gi_p_adjusted", "gi_bin", "hotspot_class"]


def _gi_on(grid: CountGrid, number: int, distance: int, correction: str) -> dict[str, np.ndarray]:
    """Gi* of the counts of period ``number`` over every cell of the grid (the whole lattice:
    the statistic compares each neighbourhood with all of it), as arrays."""
    return gi_star_arrays(grid.counts[number].astype(float), grid.col, grid.row, distance, correction)


def _most_remarkable(take: np.ndarray, count: np.ndarray, gi_bin: np.ndarray, limit: int) -> np.ndarray:
    """``limit`` of the cells ``take``, in lattice order: the busiest cell (so a colour scale
    worked out from the rows still reaches the top count), then hot spots, most confident first,
    then the busiest cells; ties in lattice order."""
    busiest = take[np.argmax(count[take])]
    rest = take[take != busiest]
    order = np.lexsort((rest, -count[rest], -np.maximum(gi_bin[rest], 0)))
    return np.sort(np.concatenate([[busiest], rest[order[: limit - 1]]]))


def _lattice_summary(grid: CountGrid) -> dict[Hashable, Any]:
    """What a frame of only the shown cells can no longer tell: how many cells the lattice
    has, and the wards its cells name (the wards a map of it outlines)."""
    named = np.unique(grid.lattice.ward[grid.position[grid.position >= 0]])
    return {
        "cells_in_lattice": len(grid.col),
        "ward_codes": tuple(str(code) for code in grid.lattice.ward_codes[named]),
    }


def _shown_cells(count: np.ndarray, gi: dict[str, np.ndarray], max_cells: int | None) -> tuple[np.ndarray, int]:
    """The cells holding incidents or significant (at most ``max_cells`` of them), and how many
    there are before ``max_cells``."""
    take = np.flatnonzero((count > 0) | (gi["gi_bin"] != 0))
    shown = len(take)
    if max_cells is not None and len(take) > max_cells:
        take = _most_remarkable(take, count, gi["gi_bin"], max_cells)
    return take, shown


def _spots(
    conn: duckdb.DuckDBPyConnection,
    selection: Selection,
    period: Period | str,
    cell_size_m: int,
    distance_cells: int,
    correction: str | None,
    shown_only: bool,
    polygons: bool = True,
    max_cells: int | None = None,
) -> pd.DataFrame:
    """:func:`hotspots`, or only its cells that hold incidents or are significant: Gi* is
    computed over the whole lattice either way; only the rows made into a frame differ."""
    distance = check_distance(distance_cells)
    correction = check_correction(correction)
    size = check_cell_size(cell_size_m)
    period = as_period(period)
    selection = as_selection(selection)
    grid = count_grid(conn, selection, [period], size)
    count = grid.counts[0]
    gi = _gi_on(grid, 0, distance, correction)
    take, shown = _shown_cells(count, gi, max_cells) if shown_only else (None, None)
    rows = slice(None) if take is None else take
    result = pd.DataFrame(
        {
            **grid.columns(take, polygons),
            "count": count[rows],
            **{column: gi[column][rows] for column in _GI_COLUMNS[:-1]},
            "hotspot_class": class_names(gi["gi_bin"][rows]),
        }
    )
    attrs: dict[Hashable, Any] = {
        **grid.attrs,
        "incidents_outside_boundaries": grid.attrs["incidents_outside_boundaries"][0],
        "incidents_without_coordinates": grid.attrs["incidents_without_coordinates"][0],
        "distance_cells": distance,
        "correction": correction,
    }
    result.attrs = attrs
    if shown_only:
        gi_bin = gi["gi_bin"]
        summary: dict[Hashable, Any] = {
            **_lattice_summary(grid),
            "cells_shown": shown,
            "cells_with_incidents": int((count > 0).sum()),
            "hot_cells": int((gi_bin > 0).sum()),
            "hot_cells_99": int((gi_bin == 3).sum()),
            # Hot by their neighbours alone (Gi* counts the cell and those around it).
            "hot_cells_without_incidents": int(((gi_bin > 0) & (count == 0)).sum()),
            "cold_cells": int((gi_bin < 0).sum()),
        }
        result.attrs.update(summary)
    # What the frame is (TableMeta); the lattice's counts above are results, kept in attrs beside it.
    return with_meta(result, comparison_meta(conn, selection, period).with_(method=_method(correction)))


def _persistence_columns(
    count_a: np.ndarray,
    count_b: np.ndarray,
    gi_a: dict[str, np.ndarray],
    gi_b: dict[str, np.ndarray],
    rows: np.ndarray | slice,
) -> dict[str, np.ndarray]:
    """The two periods' columns of :func:`persistence` for the cells ``rows``."""
    hot_a = gi_a["gi_bin"][rows] >= _HOT_BIN
    hot_b = gi_b["gi_bin"][rows] >= _HOT_BIN
    category = np.select([hot_a & hot_b, hot_b, hot_a], PERSISTENCE_CATEGORIES[:3], PERSISTENCE_CATEGORIES[3])
    return {
        "count_a": count_a[rows],
        "count_b": count_b[rows],
        "gi_z_a": gi_a["gi_z"][rows],
        "gi_z_b": gi_b["gi_z"][rows],
        "gi_p_a": gi_a["gi_p"][rows],
        "gi_p_b": gi_b["gi_p"][rows],
        "class_a": class_names(gi_a["gi_bin"][rows]),
        "class_b": class_names(gi_b["gi_bin"][rows]),
        "persistence": category.astype(object),
    }


def _moved(
    conn: duckdb.DuckDBPyConnection,
    selection: Selection,
    period_a: Period | str,
    period_b: Period | str,
    cell_size_m: int,
    distance_cells: int,
    correction: str | None,
    shown_only: bool,
    polygons: bool = True,
) -> pd.DataFrame:
    """:func:`persistence`, or only its cells that hold incidents in either period or are
    significant in either."""
    size = check_cell_size(cell_size_m)
    distance = check_distance(distance_cells)
    correction = check_correction(correction)
    selection = as_selection(selection)
    first, second = as_period(period_a, "period_a"), as_period(period_b, "period_b")
    grid = count_grid(conn, selection, [first, second], size)
    gi_a, gi_b = _gi_on(grid, 0, distance, correction), _gi_on(grid, 1, distance, correction)
    count_a, count_b = grid.counts
    take = None
    if shown_only:
        significant = (gi_a["gi_bin"] != 0) | (gi_b["gi_bin"] != 0)
        take = np.flatnonzero((count_a > 0) | (count_b > 0) | significant)
    rows = slice(None) if take is None else take
    result = pd.DataFrame({**grid.columns(take, polygons), **_persistence_columns(count_a, count_b, gi_a, gi_b, rows)})
    attrs: dict[Hashable, Any] = {
        **grid.attrs,
        "period_a": first.label,
        "period_b": second.label,
        "distance_cells": distance,
        "correction": correction,
    }
    result.attrs = attrs
    if shown_only:
        summary = {**_lattice_summary(grid), "cells_shown": len(result)}
        result.attrs.update(summary)
    return with_meta(result, comparison_meta(conn, selection, first, second).with_(method=_method(correction)))


# ---------------------------------------------------------------------------
# The public functions
# ---------------------------------------------------------------------------


def hotspots(
    conn: duckdb.DuckDBPyConnection,
    selection: Selection,
    period: Period | str,
    cell_size_m: int = DEFAULT_CELL_SIZE_M,
    distance_cells: int = 1,
    correction: str | None = "none",
) -> pd.DataFrame:
    """Gi* hot and cold spots of the incidents of a selection and period on the grid.

    The counts of :func:`~analytics.analyses.cell_counts.cell_counts` with the columns of
    :func:`~analytics.analyses.gi_star.getis_ord_gi_star` (``gi_z``, ``gi_p``,
    ``gi_p_adjusted``, ``gi_bin``, ``hotspot_class``) beside them; the neighbourhood of a cell
    is every cell within ``distance_cells`` in a queen's move (the cell included).

    Parameters
    ----------
    conn, selection, period, cell_size_m
        As for :func:`~analytics.analyses.cell_counts.cell_counts`.
    distance_cells : int, default 1
        Neighbourhood radius in cells, from 1 to 10: with 250 m cells, 1 is a 750 m square.
    correction : {'none', 'fdr_bh', 'bonferroni'}, default 'none'
        Multiple-testing correction of the classes (see
        :func:`~analytics.analyses.gi_star.getis_ord_gi_star`).

    Returns
    -------
    pandas.DataFrame
        One row per cell; ``attrs`` add ``period``, ``distance_cells``, ``correction`` and
        ``method`` (:data:`HOTSPOT_METHOD`, with a sentence on the correction when there is one).

    Examples
    --------
    >>> spots = hotspots(conn, Selection(source="police_uk", districts=("Redditch",)),
    ...                  "2025-01..2025-12")                             # doctest: +SKIP
    >>> spots[spots["gi_bin"] >= 2].nlargest(3, "gi_z")                   # doctest: +SKIP
    """
    return _spots(conn, selection, period, cell_size_m, distance_cells, correction, shown_only=False)


def hotspot_cells(
    conn: duckdb.DuckDBPyConnection,
    selection: Selection,
    period: Period | str,
    cell_size_m: int = DEFAULT_CELL_SIZE_M,
    distance_cells: int = 1,
    correction: str | None = "none",
    max_cells: int | None = None,
) -> pd.DataFrame:
    """The rows of :func:`hotspots` a map draws: cells holding incidents or significant.

    Gi* is computed over the whole lattice exactly as :func:`hotspots` computes it (the same
    values, in the same order); only the empty, unremarkable cells are left out of the frame, so
    a national lattice of hundreds of thousands of cells need not be made into rows, pickled by
    a page's cache and sent to a browser. With ``max_cells``, at most that many rows: the
    busiest cell, then the hot spots (99% first), then the busiest cells (what a map of a
    national lattice can draw). ``attrs`` are those of :func:`hotspots` plus
    ``cells_in_lattice`` (rows :func:`hotspots` would give), ``cells_shown`` (cells with
    incidents or significant, before ``max_cells``), ``cells_with_incidents``, ``hot_cells``
    (hot spots at any confidence), ``hot_cells_99`` and ``ward_codes`` (the wards the lattice's
    cells name, which a map outlines).
    """
    if max_cells is not None:
        max_cells = whole_in_range("max_cells", max_cells, 1, 2**31)
    return _spots(
        conn, selection, period, cell_size_m, distance_cells, correction, shown_only=True, max_cells=max_cells
    )


def persistence(
    conn: duckdb.DuckDBPyConnection,
    selection: Selection,
    period_a: Period | str,
    period_b: Period | str,
    cell_size_m: int = DEFAULT_CELL_SIZE_M,
    distance_cells: int = 1,
    correction: str | None = "none",
) -> pd.DataFrame:
    """Which hot spots of period A are still hot in period B, and which are new.

    Gi* is computed for each period on the same lattice (the study area, plus any cell
    holding incidents beyond the boundaries in either period). A cell is hot when it is a hot
    spot at 95% confidence or more (``gi_bin`` 2 or 3).

    Parameters
    ----------
    period_a, period_b : Period or str
        The earlier and the later period, e.g. ``"FY2017"`` and ``"FY2018"``.
    conn, selection, cell_size_m, distance_cells, correction
        As for :func:`hotspots`.

    Returns
    -------
    pandas.DataFrame
        One row per cell: the cell columns of :func:`~analytics.analyses.cell_counts.cell_counts`
        without ``count``, then ``count_a``, ``count_b``, ``gi_z_a``, ``gi_z_b``, ``gi_p_a``,
        ``gi_p_b``, ``class_a``, ``class_b`` and ``persistence``: 'Hot in both', 'New hot spot'
        (hot in B only), 'No longer hot' (hot in A only) or 'Not hot'. ``attrs`` give both
        period labels.

    Examples
    --------
    >>> moved = persistence(conn, Selection(wards=("E05007868",)), "FY2017", "FY2018",
    ...                     cell_size_m=100)                              # doctest: +SKIP
    >>> moved["persistence"].value_counts()                               # doctest: +SKIP
    """
    return _moved(conn, selection, period_a, period_b, cell_size_m, distance_cells, correction, shown_only=False)


# ---------------------------------------------------------------------------
# The command-line table
# ---------------------------------------------------------------------------

#: attrs of a frame of only the shown cells that the command-line table does not carry.
_SHOWN_ONLY_ATTRS = (
    "cells_in_lattice",
    "cells_shown",
    "cells_with_incidents",
    "hot_cells",
    "hot_cells_99",
    "hot_cells_without_incidents",
    "cold_cells",
    "ward_codes",
)
_TABLE_CELL_COLUMNS = ["cell_id", "ward_code", "ward_name", "district", "longitude", "latitude"]


def _one_period_table(spots: pd.DataFrame) -> pd.DataFrame:
    """The shown cells of one period, hottest first (by z, then count, then cell id)."""
    shown = spots.assign(_z=spots["gi_z"].fillna(-np.inf)).sort_values(
        ["_z", "count", "cell_id"], ascending=[False, False, True]
    )
    table = shown[_TABLE_CELL_COLUMNS + ["count", "gi_z", "gi_p", "hotspot_class"]]
    return table.assign(gi_z=table["gi_z"].round(2), gi_p=table["gi_p"].round(4))


def _two_period_table(moved: pd.DataFrame) -> pd.DataFrame:
    """The shown cells of two periods, by persistence, then z in B, z in A, count in B, count
    in A and cell id."""
    shown = moved.assign(
        _order=moved["persistence"].map(PERSISTENCE_CATEGORIES.index),
        _z_b=moved["gi_z_b"].fillna(-np.inf),
        _z_a=moved["gi_z_a"].fillna(-np.inf),
    ).sort_values(
        ["_order", "_z_b", "_z_a", "count_b", "count_a", "cell_id"],
        ascending=[True, False, False, False, False, True],
    )
    table = shown[_TABLE_CELL_COLUMNS + ["count_a", "count_b", "class_a", "class_b", "gi_z_a", "gi_z_b", "persistence"]]
    return table.assign(gi_z_a=table["gi_z_a"].round(2), gi_z_b=table["gi_z_b"].round(2))


def hotspot_table(
    conn: duckdb.DuckDBPyConnection,
    selection: Selection,
    period_a: Period | str,
    period_b: Period | str | None = None,
    cell_size_m: int = DEFAULT_CELL_SIZE_M,
    distance_cells: int = 1,
    correction: str | None = "none",
) -> pd.DataFrame:
    """The hot-spot table ``python -m analytics table hotspots`` prints.

    Only cells that hold incidents or are significant appear (the thousands of empty,
    unremarkable cells do not). Coordinates are rounded to 5 decimal places (about 1 m),
    z-scores to 2 and p-values to 4.

    With one period: ``cell_id``, ``ward_code``, ``ward_name``, ``district``, ``longitude``,
    ``latitude`` (cell centre), ``count``, ``gi_z``, ``gi_p``, ``hotspot_class``; hottest
    first (by z, then count, then cell id).

    With ``period_b``: ``count_a``, ``count_b``, ``class_a``, ``class_b``, ``gi_z_a``,
    ``gi_z_b`` and ``persistence`` in place of the single-period columns; ordered by
    persistence ('Hot in both', 'New hot spot', 'No longer hot', 'Not hot'), then by z in B,
    z in A, count in B, count in A and cell id.

    Other parameters are as for :func:`hotspots` and :func:`persistence`.
    """
    # Only the shown cells are made into rows (Gi* is still over the whole lattice).
    options = dict(shown_only=True, polygons=False)
    if period_b is None:
        spots = _spots(conn, selection, period_a, cell_size_m, distance_cells, correction, **options)
        table = _one_period_table(spots)
    else:
        spots = _moved(conn, selection, period_a, period_b, cell_size_m, distance_cells, correction, **options)
        table = _two_period_table(spots)
    table = table.assign(longitude=table["longitude"].round(5), latitude=table["latitude"].round(5))
    table = table.reset_index(drop=True)
    table.attrs = {k: v for k, v in spots.attrs.items() if k not in _SHOWN_ONLY_ATTRS}
    # What every table says of itself: source, place, periods (and months missing), vintage, method.
    first = as_period(period_a, "period_a")
    second = None if period_b is None else as_period(period_b, "period_b")
    meta = comparison_meta(conn, as_selection(selection), first, second)
    return with_meta(table, meta.with_(method=meta_of(spots).method))
