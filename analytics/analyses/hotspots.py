"""Hot spots: where incidents cluster, by the Getis-Ord Gi* statistic on an equal-area grid.

Incidents are counted in square cells of British National Grid (EPSG:27700, metres), so every
cell covers the same area. A cell's index is ``(floor(easting / size), floor(northing / size))``:
a point on a cell edge belongs to the cell whose lower-left corner it is, and the cell id reads
``"E{col}_N{row}"``. The lattice is complete: every cell whose square intersects a ward of the
selection (its districts or wards, in its boundary vintage) is present, with a count of 0 where
nothing was recorded, because Gi* compares each neighbourhood with the whole study area and the
empty cells are part of that area.

Counting happens in DuckDB (one ``GROUP BY`` over cells), so the same code serves ten rows or
ten million; only one row per occupied cell reaches pandas.

At national scale
-----------------
A 250 m lattice of England and Wales has hundreds of thousands of cells, most of them empty.
What depends only on the boundaries and the cell size (which cells there are, the ward of each,
their coordinates) is worked out once per boundary set and cell size and kept (``_lattice``);
a query then counts the occupied cells, looks them up in it, and computes Gi* over the whole
lattice with array operations: a cell's neighbourhood sum and neighbour count are moving-window
sums over a dense grid, so an all-zero neighbourhood costs nothing extra and is exactly as in
the formula. :func:`cell_counts`, :func:`hotspots` and :func:`persistence` still give every cell
of the lattice (a frame of that size is their contract, and costs a second or so nationally,
mostly the corner lists of ``polygon``); :func:`hotspot_cells` and :func:`hotspot_table` give
only the cells holding incidents or significant, with the same values, and make rows (and
transform coordinates) for those cells only. That is what the map and the page use.

Gi* (Getis & Ord 1992; Ord & Getis 1995) compares the sum of the counts in a cell's
neighbourhood (here: every cell within ``distance_cells`` in a queen's move, the cell itself
included, weight 1 each) with what that many cells would hold at the study-area mean. It is a
z-score: large positive values are hot spots, large negative values cold spots. The p-values
are two-sided, from the normal approximation, and each cell gets the significance class that
ArcGIS's Hot Spot Analysis and esda report (hot or cold spot at 90, 95 or 99% confidence, or
not significant), optionally after a correction for testing thousands of cells at once.

Two things to keep in mind when reading a map:

- police.uk moves every incident to the nearest of a fixed list of anonymous "snap points"
  (a street, a car park, a shopping area), so counts pile up at those points; a cell's count is
  the count at the snap points inside it, not where each incident happened.
- The neighbourhoods of adjacent cells overlap, so a single busy cell makes its neighbours look
  hot too: read a patch of hot cells as one hot spot around its busiest cell.

References
----------
A. Getis and J. K. Ord, "The analysis of spatial association by use of distance statistics",
Geographical Analysis 24(3) (1992) 189-206.
J. K. Ord and A. Getis, "Local spatial autocorrelation statistics: distributional issues and an
application", Geographical Analysis 27(4) (1995) 286-306.
Y. Benjamini and Y. Hochberg, "Controlling the false discovery rate", Journal of the Royal
Statistical Society B 57(1) (1995) 289-300.
"""

from __future__ import annotations

import functools
import math
import numbers
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd
import shapely
from numpy.typing import ArrayLike
from pyproj import Transformer
from scipy import ndimage
from scipy.special import ndtr

from analytics.analyses.wards import describe
from analytics.core.errors import AnalyticsError, invalid_choice
from analytics.core.periods import Period, parse_period, round_ratio_half_up
from analytics.core.selection import Selection
from analytics.data.geography import BNG, WGS84
from analytics.data.query import check_selection

__all__ = [
    "CELL_SIZE_RANGE_M",
    "DEFAULT_CELL_SIZE_M",
    "DISTANCE_CELLS_RANGE",
    "CORRECTIONS",
    "HOTSPOT_CLASSES",
    "NOT_SIGNIFICANT",
    "PERSISTENCE_CATEGORIES",
    "HOTSPOT_METHOD",
    "InvalidArgumentError",
    "cell_counts",
    "getis_ord_gi_star",
    "hotspot_cells",
    "hotspots",
    "persistence",
    "top_locations",
    "top_lsoas",
    "hotspot_table",
]

#: Cell sizes accepted, in whole metres (smallest, largest).
CELL_SIZE_RANGE_M = (100, 2000)
#: 250 m: about a street block, a few thousand cells for the three districts.
DEFAULT_CELL_SIZE_M = 250
#: Neighbourhood radius accepted, in cells (1 = the 3 x 3 block around a cell).
DISTANCE_CELLS_RANGE = (1, 10)
#: Multiple-testing corrections: none, Benjamini-Hochberg false discovery rate, Bonferroni.
CORRECTIONS = ("none", "fdr_bh", "bonferroni")
#: Cap on ``n`` for the top-locations and top-LSOAs tables.
MAX_TOP_N = 1000

#: Significance classes, hottest first, as ArcGIS's Gi_Bin +3 .. -3.
HOTSPOT_CLASSES = (
    "Hot spot 99%",
    "Hot spot 95%",
    "Hot spot 90%",
    "Not significant",
    "Cold spot 90%",
    "Cold spot 95%",
    "Cold spot 99%",
)
NOT_SIGNIFICANT = "Not significant"
#: (Gi_Bin magnitude, significance level): a cell is in bin 3 when p < 0.01, and so on.
_LEVELS = ((1, 0.10), (2, 0.05), (3, 0.01))
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


_TO_BNG = Transformer.from_crs(WGS84, BNG, always_xy=True)
_TO_WGS84 = Transformer.from_crs(BNG, WGS84, always_xy=True)


class InvalidArgumentError(AnalyticsError, ValueError):
    """A bad argument. An :class:`AnalyticsError` for the pages and the command line, and a
    ``ValueError`` for scientific code, as esda raises; the message lists what is valid."""


def _bad(message: str, title: str = "Invalid argument") -> InvalidArgumentError:
    return InvalidArgumentError(message, title=title)


def _bad_choice(what: str, value: object, valid) -> InvalidArgumentError:
    error = invalid_choice(what, value, valid)
    return InvalidArgumentError(error.message, title=error.title)


# ---------------------------------------------------------------------------
# Argument checks
# ---------------------------------------------------------------------------


def _whole_in_range(name: str, value: object, low: int, high: int, unit: str = "") -> int:
    whole = (
        isinstance(value, numbers.Real)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and float(value).is_integer()
    )
    if not whole or not low <= int(value) <= high:
        raise _bad(f"{name} must be a whole number{unit} from {low} to {high}; got {value!r}.", title=f"Invalid {name}")
    return int(value)


def _check_cell_size(cell_size_m: object) -> int:
    return _whole_in_range("cell_size_m", cell_size_m, *CELL_SIZE_RANGE_M, unit=" of metres")


def _check_distance(distance_cells: object) -> int:
    return _whole_in_range("distance_cells", distance_cells, *DISTANCE_CELLS_RANGE, unit=" of cells")


def _check_correction(correction: str | None) -> str:
    if correction is None:
        return "none"
    if correction not in CORRECTIONS:
        raise _bad_choice("multiple-testing correction", correction, CORRECTIONS)
    return correction


def _check_selection(selection: object) -> Selection:
    if not isinstance(selection, Selection):
        raise _bad(f"selection must be an analytics.data.query.Selection; got {type(selection).__name__}.")
    return selection


def _as_period(period: Period | str, name: str = "period") -> Period:
    """A Period as given, or parsed from its short form (``FY2018``, ``2025-01..2025-12``)."""
    if isinstance(period, Period):
        return period
    if period is None:
        raise _bad(f"{name} is required, e.g. FY2018, CY2025 or 2025-01..2025-12.")
    return parse_period(period)


# ---------------------------------------------------------------------------
# Gi*
# ---------------------------------------------------------------------------


def _as_values(counts: ArrayLike) -> np.ndarray:
    try:
        values = np.asarray(counts, dtype=float)
    except (TypeError, ValueError):
        raise _bad("counts must be numbers, one per cell.") from None
    if values.ndim != 1:
        raise _bad(f"counts must be one-dimensional (one value per cell); got {values.ndim} dimensions.")
    if not np.isfinite(values).all():
        raise _bad("counts must be finite numbers (no NaN or infinity).")
    return values


def _as_cell_index(name: str, values: ArrayLike, n: int) -> np.ndarray:
    try:
        array = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise _bad(f"{name} must be whole-number cell indexes.") from None
    if array.ndim != 1 or len(array) != n:
        raise _bad(f"{name} must hold one cell index per count ({n}); got shape {array.shape}.")
    if not (np.isfinite(array).all() and (array == np.round(array)).all() and (np.abs(array) <= 2**40).all()):
        raise _bad(f"{name} must be whole-number cell indexes (up to 2**40 in size).")
    return array.astype(np.int64)


def _queen_neighbours(cols: np.ndarray, rows: np.ndarray, distance: int) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (i, j) of cells at most ``distance`` apart in both column and row, i == j included.

    Each cell gets a key on a padded grid (``distance`` spare rows above and below), so a
    neighbour's key is the cell's key plus a fixed offset and can never wrap into another
    column; the neighbours are then found by binary search in the sorted keys.
    """
    n = len(cols)
    if n == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    row_low = int(rows.min()) - distance
    height = int(rows.max()) - row_low + distance + 1
    key = (cols - (int(cols.min()) - distance)) * height + (rows - row_low)
    order = np.argsort(key, kind="stable")
    sorted_key = key[order]
    repeated = np.flatnonzero(sorted_key[1:] == sorted_key[:-1])
    if len(repeated):
        first = order[repeated[0]]
        raise _bad(f"Cell (col {cols[first]}, row {rows[first]}) is listed more than once; give each cell once.")
    sources, targets = [], []
    for d_col in range(-distance, distance + 1):
        for d_row in range(-distance, distance + 1):
            wanted = key + d_col * height + d_row
            position = np.minimum(np.searchsorted(sorted_key, wanted), n - 1)
            found = sorted_key[position] == wanted
            sources.append(np.flatnonzero(found))
            targets.append(order[position[found]])
    return np.concatenate(sources), np.concatenate(targets)


#: Largest dense grid (cells) the neighbourhood sums use; beyond it (cells scattered so thinly
#: that even closing the gaps leaves a grid mostly empty) the pairs of neighbours are listed.
_DENSE_CELLS_PER_CELL = 8
_DENSE_MIN_CELLS = 1 << 16


def _close_gaps(index: np.ndarray, distance: int) -> np.ndarray:
    """Column (or row) indexes with every gap wider than ``distance`` narrowed to ``distance + 1``.

    Two cells within ``distance`` stay exactly as far apart (every gap between them is at most
    ``distance``, so none is narrowed) and two cells further apart stay further apart, so the
    neighbourhoods are the same; a stray cell far from the rest no longer stretches the grid.
    """
    unique, inverse = np.unique(index, return_inverse=True)
    gaps = np.minimum(np.diff(unique), distance + 1)
    return np.concatenate([[0], np.cumsum(gaps)])[inverse.ravel()]


def _repeated_cell(cols: np.ndarray, rows: np.ndarray, flat: np.ndarray, repeated_key) -> InvalidArgumentError:
    first = int(np.flatnonzero(flat == repeated_key)[0])
    return _bad(f"Cell (col {cols[first]}, row {rows[first]}) is listed more than once; give each cell once.")


def _neighbourhood_sums(
    cols: np.ndarray, rows: np.ndarray, values: np.ndarray, distance: int
) -> tuple[np.ndarray, np.ndarray]:
    """For each cell, the number of cells within ``distance`` (queen's move, itself included) and
    the sum of their values.

    The cells are laid on a dense grid (zeros where there is no cell) and summed over a moving
    (2 d + 1)-wide window along the columns, then along the rows: the cost is the grid's size
    times 2 (2 d + 1), in compiled code, rather than one search per cell and neighbour, and
    counts are summed exactly (whole numbers in floating point). A cell with no incidents
    anywhere near gets a neighbourhood sum of 0 like any other. When the cells are too scattered
    for a grid, the pairs of neighbours are listed instead.
    """
    n = len(cols)
    if n == 0:
        return np.zeros(0, np.int64), np.zeros(0)
    col_index, row_index = cols - cols.min(), rows - rows.min()
    width, height = int(col_index.max()) + 1, int(row_index.max()) + 1
    limit = max(_DENSE_CELLS_PER_CELL * n, _DENSE_MIN_CELLS)
    if width * height > limit:
        col_index, row_index = _close_gaps(cols, distance), _close_gaps(rows, distance)
        width, height = int(col_index.max()) + 1, int(row_index.max()) + 1
    if width * height > limit:
        i, j = _queen_neighbours(cols, rows, distance)
        return (np.bincount(i, minlength=n).astype(np.int64), np.bincount(i, weights=values[j], minlength=n))
    flat = col_index * height + row_index
    occupied = np.bincount(flat, minlength=width * height)
    if occupied.max() > 1:
        raise _repeated_cell(cols, rows, flat, np.flatnonzero(occupied > 1)[0])
    grid = np.zeros(width * height)
    grid[flat] = values
    window = np.ones(2 * distance + 1)

    def box_sum(a: np.ndarray) -> np.ndarray:
        a = a.reshape(width, height)
        a = ndimage.correlate1d(a, window, axis=0, mode="constant", cval=0.0)
        return ndimage.correlate1d(a, window, axis=1, mode="constant", cval=0.0).ravel()

    neighbours = np.rint(box_sum(occupied.astype(float))[flat]).astype(np.int64)
    return neighbours, box_sum(grid)[flat]


def _adjusted(p: np.ndarray, correction: str) -> np.ndarray:
    """p-values adjusted for the number of cells tested (cells with no p-value are not tests)."""
    adjusted = p.copy()
    tested = ~np.isnan(p)
    m = int(tested.sum())
    if correction == "none" or m == 0:
        return adjusted
    values = p[tested]
    if correction == "bonferroni":
        adjusted[tested] = np.minimum(values * m, 1.0)
        return adjusted
    # Benjamini-Hochberg step-up: q_(i) = min over k >= i of m p_(k) / k.
    order = np.argsort(values, kind="stable")
    scaled = values[order] * m / np.arange(1, m + 1)
    q = np.minimum(np.minimum.accumulate(scaled[::-1])[::-1], 1.0)
    result = np.empty(m)
    result[order] = q
    adjusted[tested] = result
    return adjusted


def getis_ord_gi_star(
    counts: ArrayLike, cols: ArrayLike, rows: ArrayLike, distance_cells: int = 1, correction: str | None = "none"
) -> pd.DataFrame:
    """Getis-Ord Gi* hot-spot statistic for counts on a square lattice.

    Binary weights: every cell within ``distance_cells`` of cell i in a queen's move (so the
    ``(2 d + 1) x (2 d + 1)`` block centred on it, as far as the lattice reaches) has weight 1,
    cell i included; all other cells weight 0. With n cells, mean X̄ and standard deviation
    S = sqrt(Σ x_j² / n - X̄²) over all of them,

        Gi* = (Σ_j w_ij x_j - X̄ Σ_j w_ij) / (S sqrt((n Σ_j w_ij² - (Σ_j w_ij)²) / (n - 1)))

    (Ord & Getis 1995, eq. 9), which under the null hypothesis of no spatial association is
    approximately standard normal. Cells missing from the lattice are not there, not zeros: give
    every cell of the study area, zero counts included.

    Parameters
    ----------
    counts : array_like of float
        One value per cell (incident counts; any finite numbers work).
    cols, rows : array_like of int
        Column and row index of each cell (e.g. ``floor(easting / size)``); each cell once.
    distance_cells : int, default 1
        Neighbourhood radius in cells, from 1 to 10 (1 = the 3 x 3 block).
    correction : {'none', 'fdr_bh', 'bonferroni'}, default 'none'
        Correction of the p-values for testing every cell: 'fdr_bh' is the Benjamini-Hochberg
        false discovery rate (of the cells called significant at 95%, at most about 5% are
        expected to be false alarms), 'bonferroni' the family-wise bound (p times the number of
        cells tested). The classes use the adjusted p-values; ``gi_p`` stays unadjusted.

    Returns
    -------
    pandas.DataFrame
        One row per cell, in the input order (and on the index of ``counts`` when it is a
        Series), with columns

        - ``neighbours``: number of cells in the neighbourhood, the cell included (Σ_j w_ij);
        - ``gi_z``: the Gi* z-score; NaN where it is undefined: when all counts are equal
          (S = 0) or when a neighbourhood covers the whole lattice;
        - ``gi_p``: two-sided p-value, 2 (1 - Φ(|z|)); NaN where ``gi_z`` is;
        - ``gi_p_adjusted``: ``gi_p`` after ``correction`` (equal to it for 'none');
        - ``gi_bin``: ArcGIS's Gi_Bin, +3/+2/+1 for a hot spot at 99/95/90% (adjusted p below
          0.01/0.05/0.10), -1..-3 for cold spots, 0 otherwise;
        - ``hotspot_class``: the bin in words, one of :data:`HOTSPOT_CLASSES`.

    Raises
    ------
    InvalidArgumentError
        (a ``ValueError``) for lengths that differ, non-integer or repeated cells, values that
        are not finite, and a distance or correction that is not one of the valid ones.

    Examples
    --------
    A 3 x 3 lattice with 9 incidents in the lower-left cell (col 0, row 0) and none elsewhere:
    n = 9, X̄ = 1, S = sqrt(81 / 9 - 1) = 2 sqrt(2). The lower-left cell has 4 cells in its
    neighbourhood holding 9 incidents, so Gi* = (9 - 1 x 4) / (2 sqrt(2) sqrt((9 x 4 - 4²) / 8))
    = 5 / (2 sqrt(5)) = sqrt(5) / 2 = 1.118. Its neighbour to the right has 6 cells holding 9:
    (9 - 6) / (2 sqrt(2) x 1.5) = 1 / sqrt(2) = 0.707. The opposite corner has 4 cells holding
    none: -4 / (2 sqrt(5)) = -0.894. The centre cell's neighbourhood is the whole lattice, which
    says nothing about clustering: NaN.

    >>> counts = [9, 0, 0,
    ...           0, 0, 0,
    ...           0, 0, 0]
    >>> cols = [0, 1, 2] * 3
    >>> rows = [0, 0, 0, 1, 1, 1, 2, 2, 2]
    >>> gi = getis_ord_gi_star(counts, cols, rows)
    >>> gi["gi_z"].round(3).tolist()
    [1.118, 0.707, -0.894, 0.707, nan, -1.414, -0.894, -1.414, -0.894]
    >>> gi["neighbours"].tolist()
    [4, 6, 4, 6, 9, 6, 4, 6, 4]
    >>> round(float(gi.loc[0, "gi_p"]), 4), gi.loc[0, "hotspot_class"]
    (0.2636, 'Not significant')
    """
    values = _as_values(counts)
    n = len(values)
    col_index = _as_cell_index("cols", cols, n)
    row_index = _as_cell_index("rows", rows, n)
    distance = _check_distance(distance_cells)
    correction = _check_correction(correction)
    index = counts.index if isinstance(counts, pd.Series) else pd.RangeIndex(n)
    gi = _gi_arrays(values, col_index, row_index, distance, correction)
    return pd.DataFrame({**gi, "hotspot_class": _class_names(gi["gi_bin"])}, index=index)


def _class_names(gi_bin: np.ndarray) -> np.ndarray:
    return np.asarray(HOTSPOT_CLASSES, dtype=object)[3 - gi_bin]


def _gi_arrays(
    values: np.ndarray, col_index: np.ndarray, row_index: np.ndarray, distance: int, correction: str
) -> dict:
    """:func:`getis_ord_gi_star` on checked arrays, as arrays (no class names: a national
    lattice's frame of them is made only for the rows shown)."""
    n = len(values)
    # Binary weights: Σ_j w_ij = Σ_j w_ij² = the number of neighbours.
    neighbours, weighted_sum = _neighbourhood_sums(col_index, row_index, values, distance)
    z = np.full(n, np.nan)
    if n >= 2 and np.ptp(values) > 0:
        mean = values.mean()
        spread = values.std()  # population standard deviation, as in Ord & Getis
        k = neighbours.astype(float)
        denominator = spread * np.sqrt((n * k - k * k) / (n - 1))
        defined = denominator > 0
        z[defined] = (weighted_sum[defined] - mean * k[defined]) / denominator[defined]
    p = 2.0 * ndtr(-np.abs(z))
    p_adjusted = _adjusted(p, correction)
    magnitude = np.zeros(n, dtype=np.int64)
    for level, alpha in _LEVELS:
        magnitude[p_adjusted < alpha] = level  # NaN compares False: not significant
    gi_bin = magnitude * np.sign(np.nan_to_num(z)).astype(np.int64)
    return {"neighbours": neighbours, "gi_z": z, "gi_p": p, "gi_p_adjusted": p_adjusted, "gi_bin": gi_bin}


# ---------------------------------------------------------------------------
# The lattice of cells over the study area
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Cells:
    """The lattice of one cell size over one set of wards: read-only arrays, shared by the cache.

    Cells are ordered by row, then column. Everything here depends only on the boundaries and
    the cell size, so it is worked out once and each query only looks cells up by ``key``. The
    cells' coordinates in WGS84 are transformed when first asked for: only for the cells asked
    for (a table of the busy cells of a national lattice), or for all of them at once, kept.
    """

    size: int
    col: np.ndarray
    row: np.ndarray
    key: np.ndarray  # (row - row_low) * width + (col - col_low): sorted, for look-ups
    col_low: int
    row_low: int
    width: int
    height: int
    ward: np.ndarray  # index into ward_codes / ward_names / districts
    ward_codes: np.ndarray
    ward_names: np.ndarray
    districts: np.ndarray
    memo: dict  # columns of Python objects, made the first time a whole frame needs them

    def positions(self, col: np.ndarray, row: np.ndarray) -> np.ndarray:
        """Position of each (col, row) in the lattice, -1 for a cell outside it."""
        c, r = col - self.col_low, row - self.row_low
        inside = (c >= 0) & (c < self.width) & (r >= 0) & (r < self.height)
        key = np.where(inside, r * self.width + c, 0)
        position = np.minimum(np.searchsorted(self.key, key), max(len(self.key) - 1, 0))
        found = inside & (self.key[position] == key) if len(self.key) else np.zeros(len(col), bool)
        return np.where(found, position, -1)

    def geometry(self, source: np.ndarray, corners: bool = True, whole: bool = False):
        """Centre lon/lat and (if asked) corners of the cells at positions ``source``; ``whole``
        says ``source`` is every cell, whose coordinates are then kept for the next call."""
        kept = self.memo.get("geometry")
        if kept is None and whole:
            kept = _cell_geometry(self.col, self.row, self.size)
            _read_only(*kept)
            self.memo["geometry"] = kept
        if kept is not None:
            lon, lat, corner = kept
            return lon[source], lat[source], (corner[source] if corners else None)
        return _cell_geometry(self.col[source], self.row[source], self.size, corners)


def _cell_geometry(col: np.ndarray, row: np.ndarray, size: int, corners: bool = True):
    """Centre lon/lat and the four corners in lon/lat of each cell (``corners=False``: None).

    Neighbouring cells share corners, so each grid vertex is transformed once: one pyproj call
    over the centres and the distinct vertices. (The same points give the same coordinates in
    any batch, so the figures are those of transforming every corner of every cell.)
    """
    n = len(col)
    if not corners:
        lon, lat = _TO_WGS84.transform((col + 0.5) * size, (row + 0.5) * size)
        return np.asarray(lon, dtype=float).reshape(n), np.asarray(lat, dtype=float).reshape(n), None
    if n == 0:
        return np.empty(0), np.empty(0), np.empty((0, 4, 2))
    corner_col = np.stack([col, col + 1, col + 1, col], axis=1).ravel()
    corner_row = np.stack([row, row, row + 1, row + 1], axis=1).ravel()
    col_low, row_low = int(corner_col.min()), int(corner_row.min())
    span = int(corner_row.max()) - row_low + 1
    vertex, inverse = np.unique((corner_col - col_low) * span + (corner_row - row_low), return_inverse=True)
    vertex_col, vertex_row = vertex // span + col_low, vertex % span + row_low
    xs = np.concatenate([(col + 0.5) * size, vertex_col * float(size)])
    ys = np.concatenate([(row + 0.5) * size, vertex_row * float(size)])
    lon, lat = _TO_WGS84.transform(xs, ys)
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    at = n + inverse.ravel()
    corners = np.stack([lon[at], lat[at]], axis=1).reshape(n, 4, 2)
    return lon[:n], lat[:n], corners


def _read_only(*arrays: np.ndarray) -> None:
    for array in arrays:
        array.flags.writeable = False


def _cells_of(bounds: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Every cell of the rectangle (min x, min y, max x, max y)."""
    cols = np.arange(math.floor(bounds[0] / size), math.floor(bounds[2] / size) + 1)
    rows = np.arange(math.floor(bounds[1] / size), math.floor(bounds[3] / size) + 1)
    grid_col, grid_row = np.meshgrid(cols, rows)
    return grid_col.ravel(), grid_row.ravel()


#: Edge cells of the lattice whose squares are cut against the wards at a time (see _lattice).
_EDGE_BLOCK = 50_000


@functools.lru_cache(maxsize=32)
def _lattice(size: int, ward_codes: tuple, ward_names: tuple, districts: tuple, wkbs: tuple) -> _Cells:
    """Every cell whose square intersects one of the wards, each with the ward of its centre.

    The ward of a cell is the ward containing its centre (on a shared edge, the first ward
    code); for a cell at the edge whose centre lies outside all the wards, the ward covering
    most of the cell.

    Rather than testing a square for every cell of the bounding box, each ward tests the centres
    of the cells of its own bounding box (a point in a polygon, prepared once), and only the
    cells near a ward's boundary whose centre is in no ward have their square tested: a square
    can meet a ward without holding its centre only where the ward's boundary crosses it, and
    every point of a boundary cut into pieces no longer than a cell lies within half a cell of a
    vertex, so in the 3 x 3 block around that vertex's cell.
    """
    wards = shapely.transform(shapely.from_wkb(list(wkbs)), lambda x, y: _TO_BNG.transform(x, y), interleaved=False)
    shapely.prepare(wards)
    found_col, found_row, found_ward = [], [], []
    for number, (ward, bounds) in enumerate(zip(wards, shapely.bounds(wards), strict=False)):
        col, row = _cells_of(bounds, size)
        inside = shapely.intersects_xy(ward, (col + 0.5) * size, (row + 0.5) * size)
        found_col.append(col[inside])
        found_row.append(row[inside])
        found_ward.append(np.full(int(inside.sum()), number, dtype=np.int64))
    col, row, ward_of = (
        np.concatenate(parts) if parts else np.empty(0, np.int64) for parts in (found_col, found_row, found_ward)
    )

    vertices = shapely.get_coordinates(shapely.segmentize(shapely.boundary(wards), size))
    vertex_col = np.floor(vertices[:, 0] / size).astype(np.int64)
    vertex_row = np.floor(vertices[:, 1] / size).astype(np.int64)
    del vertices

    # Keys of (col, row) over a box holding every candidate cell, in (row, col) order. The box
    # is found from the centres and the vertices (each near cell is a vertex's cell or next to
    # it), not from the near cells themselves: nine times as many, a national lattice's largest
    # arrays.
    low_col = int(min(col.min(initial=0), vertex_col.min(initial=0) - 1))
    low_row = int(min(row.min(initial=0), vertex_row.min(initial=0) - 1))
    width = int(max(col.max(initial=low_col), vertex_col.max(initial=low_col) + 1)) - low_col + 1
    centre_key = (row - low_row) * width + (col - low_col)
    # A centre on a shared edge is in two wards: keep the first ward code, deterministically.
    order = np.lexsort((ward_of, centre_key))
    centre_key, ward_of = centre_key[order], ward_of[order]
    first = np.unique(centre_key, return_index=True)[1]
    centre_key, ward_of = centre_key[first], ward_of[first]
    del col, row, order, first

    # Cells near a boundary: the cell of every vertex of the boundaries cut into pieces of at
    # most one cell, and the 8 around it.
    vertex_key = (vertex_row - low_row) * width + (vertex_col - low_col)
    del vertex_col, vertex_row
    step = (np.arange(-1, 2)[:, None] * width + np.arange(-1, 2)[None, :]).ravel()
    near_key = np.unique((vertex_key[:, None] + step).ravel())
    del vertex_key
    near_key = near_key[~np.isin(near_key, centre_key, assume_unique=True)]
    # An edge cell: the ward covering most of it (largest area first, then lowest code). Each
    # cell's answer depends on it alone, so the squares are made and cut a block at a time: a
    # national lattice has hundreds of thousands of edge cells, and making all their shapes and
    # intersections at once cost the dashboard half a gigabyte for a few seconds.
    tree = shapely.STRtree(wards)
    edge_parts, edge_ward_parts = [np.empty(0, np.int64)], [np.empty(0, np.int64)]
    for start in range(0, len(near_key), _EDGE_BLOCK):
        block = near_key[start : start + _EDGE_BLOCK]
        block_col, block_row = block % width + low_col, block // width + low_row
        boxes = shapely.box(block_col * size, block_row * size, (block_col + 1) * size, (block_row + 1) * size)
        box_of_pair, ward_of_pair = tree.query(boxes, predicate="intersects")
        if not len(box_of_pair):
            continue
        areas = shapely.area(shapely.intersection(boxes[box_of_pair], wards[ward_of_pair]))
        best = np.lexsort((ward_of_pair, -areas, box_of_pair))
        edge, edge_ward = box_of_pair[best], ward_of_pair[best]
        first = np.unique(edge, return_index=True)[1]
        edge_parts.append(edge[first] + start)
        edge_ward_parts.append(edge_ward[first])
    edge, edge_ward = np.concatenate(edge_parts), np.concatenate(edge_ward_parts)
    key = np.concatenate([centre_key, near_key[edge]])
    ward_index = np.concatenate([ward_of, edge_ward])
    order = np.argsort(key, kind="stable")
    key, ward_index = key[order], ward_index[order]
    col, row = key % width + low_col, key // width + low_row
    height = (int(row.max()) - low_row + 1) if len(row) else 1

    cells = _Cells(
        size,
        col,
        row,
        key,
        low_col,
        low_row,
        width,
        height,
        ward_index,
        np.asarray(ward_codes, dtype=object),
        np.asarray(ward_names, dtype=object),
        np.asarray(districts, dtype=object),
        {},
    )
    _read_only(cells.col, cells.row, cells.key, cells.ward, cells.ward_codes, cells.ward_names, cells.districts)
    return cells


def _study_area(conn: duckdb.DuckDBPyConnection, selection: Selection, size: int) -> _Cells:
    clauses, params = ["vintage = ?"], [selection.boundaries]
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
    return _lattice(size, codes, names, districts, tuple(bytes(w) for w in wkbs))


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
class _Grid:
    """The cells of a query as arrays: the lattice, then any cell beyond it holding incidents,
    all ordered by row then column; ``position`` is the lattice position (-1 beyond it)."""

    lattice: _Cells
    col: np.ndarray
    row: np.ndarray
    position: np.ndarray
    counts: list
    attrs: dict


def _grid(conn: duckdb.DuckDBPyConnection, selection: Selection, periods: list[Period], size: int) -> _Grid:
    """The lattice with one count array per period; cells holding incidents outside every ward
    polygon of the selection are added, so that no located incident is dropped."""
    check_selection(conn, selection)
    lattice = _study_area(conn, selection, size)
    counted = [_counts_by_cell(conn, selection, period, size) for period in periods]
    n = len(lattice.col)
    col, row, position = lattice.col, lattice.row, np.arange(n)
    at = [lattice.positions(c, r) for c, r, _, _ in counted]
    beyond_col = np.concatenate([c[a < 0] for (c, _, _, _), a in zip(counted, at, strict=False)])
    beyond_row = np.concatenate([r[a < 0] for (_, r, _, _), a in zip(counted, at, strict=False)])
    if len(beyond_col):
        extra = np.unique(np.stack([beyond_row, beyond_col], axis=1), axis=0)  # by row, then column
        col = np.concatenate([col, extra[:, 1]])
        row = np.concatenate([row, extra[:, 0]])
        position = np.concatenate([position, np.full(len(extra), -1)])
        order = np.lexsort((col, row))
        col, row, position = col[order], row[order], position[order]
        where = np.empty(len(col), dtype=np.int64)
        where[order] = np.arange(len(col))  # new index of each old index
        for number, (c, r, _, _) in enumerate(counted):
            beyond = at[number] < 0
            found = np.full(len(c), -1, dtype=np.int64)
            found[~beyond] = where[at[number][~beyond]]
            if beyond.any():
                # Cells beyond the lattice are few (points past a generalised boundary).
                index = {pair: n + k for k, pair in enumerate(map(tuple, extra.tolist()))}
                found[beyond] = where[
                    [index[(rr, cc)] for rr, cc in zip(r[beyond].tolist(), c[beyond].tolist(), strict=False)]
                ]
            at[number] = found
    counts = []
    for (_, _, count, _), a in zip(counted, at, strict=False):
        values = np.zeros(len(col), dtype=np.int64)
        values[a] = count
        counts.append(values)
    outside = position < 0
    attrs = {
        "cell_size_m": size,
        "boundaries": selection.boundaries,
        "cells_outside_boundaries": int(outside.sum()),
        "incidents_outside_boundaries": [int(values[outside].sum()) for values in counts],
        "incidents_without_coordinates": [unplaced for _, _, _, unplaced in counted],
    }
    return _Grid(lattice, col, row, position, counts, attrs)


def _cell_ids(col: np.ndarray, row: np.ndarray) -> np.ndarray:
    return np.asarray([f"E{c}_N{r}" for c, r in zip(col.tolist(), row.tolist(), strict=False)], dtype=object)


def _cell_columns(grid: _Grid, take: np.ndarray | None = None, polygons: bool = True) -> dict:
    """The cell columns of :func:`cell_counts` (all but the counts) for the cells ``take``
    (positions in ``grid``; every cell when None), in that order. ``polygons=False`` leaves the
    ``polygon`` column out: a list of corner lists per cell is the dearest column to make."""
    lattice, size = grid.lattice, grid.lattice.size
    everything = take is None
    take = np.arange(len(grid.col)) if everything else np.asarray(take, dtype=np.int64)
    col, row, position = grid.col[take], grid.row[take], grid.position[take]
    inside = position >= 0
    source = position[inside]
    k = len(take)
    lon, lat, corners = np.empty(k), np.empty(k), (np.empty((k, 4, 2)) if polygons else None)
    whole = everything and len(source) == len(lattice.col)
    lattice_lon, lattice_lat, lattice_corners = lattice.geometry(source, polygons, whole)
    lon[inside], lat[inside] = lattice_lon, lattice_lat
    if polygons:
        corners[inside] = lattice_corners
    if (~inside).any():
        beyond_lon, beyond_lat, beyond_corners = _cell_geometry(col[~inside], row[~inside], size, polygons)
        lon[~inside], lat[~inside] = beyond_lon, beyond_lat
        if polygons:
            corners[~inside] = beyond_corners
    ward_code, ward_name, district = (np.full(k, None, dtype=object) for _ in range(3))
    ward = lattice.ward[source]
    ward_code[inside], ward_name[inside], district[inside] = (
        lattice.ward_codes[ward],
        lattice.ward_names[ward],
        lattice.districts[ward],
    )
    if everything and inside.all() and len(take) == len(lattice.col):
        # The whole lattice (no cell beyond it): its identifiers and corner lists are made once.
        if "cell_id" not in lattice.memo:
            lattice.memo["cell_id"] = _cell_ids(col, row)
        cell_id = lattice.memo["cell_id"]
    else:
        cell_id = _cell_ids(col, row)
    polygon = None
    if polygons:
        polygon = np.empty(k, dtype=object)
        polygon[:] = corners.tolist() if k else []
    columns = {
        "cell_id": cell_id,
        "col": col,
        "row": row,
        "easting": (col + 0.5) * size,
        "northing": (row + 0.5) * size,
        "longitude": lon,
        "latitude": lat,
        "polygon": polygon,
        "ward_code": ward_code,
        "ward_name": ward_name,
        "district": district,
    }
    if not polygons:
        del columns["polygon"]
    return columns


def _cell_frame(
    conn: duckdb.DuckDBPyConnection, selection: Selection, periods: list[Period], size: int
) -> pd.DataFrame:
    """The lattice with one count column per period (``count_0``, ``count_1``, ...).

    Cells holding incidents outside every ward polygon of the selection (a row placed in a
    ward through its LSOA, its point beyond the generalised boundary) are added, so that no
    located incident is dropped; ``attrs`` record how many there were and how many rows had no
    coordinates at all.
    """
    grid = _grid(conn, selection, periods, size)
    result = pd.DataFrame(
        {**_cell_columns(grid), **{f"count_{number}": values for number, values in enumerate(grid.counts)}}
    )
    result.attrs = dict(grid.attrs)
    return result


def cell_counts(
    conn: duckdb.DuckDBPyConnection, selection: Selection, period: Period | str, cell_size_m: int = DEFAULT_CELL_SIZE_M
) -> pd.DataFrame:
    """Incidents per square cell of British National Grid, over the whole study area.

    A cell is ``cell_size_m`` metres square; an incident at easting e, northing n is in column
    ``floor(e / cell_size_m)`` and row ``floor(n / cell_size_m)``, so a point on a cell edge
    belongs to the cell whose lower-left corner it is. Counting is one ``GROUP BY`` in DuckDB.

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
    >>> from analytics.data.query import Selection
    >>> cells = cell_counts(conn, Selection(source="police_uk", districts=("Redditch",)),
    ...                     "2025-01..2025-12")                          # doctest: +SKIP
    >>> cells.loc[cells["count"].idxmax(), ["cell_id", "ward_name", "count"]]   # doctest: +SKIP
    """
    size = _check_cell_size(cell_size_m)
    period = _as_period(period)
    selection = _check_selection(selection)
    cells = _cell_frame(conn, selection, [period], size).rename(columns={"count_0": "count"})
    cells.attrs["period"] = period.label
    cells.attrs["incidents_outside_boundaries"] = cells.attrs["incidents_outside_boundaries"][0]
    cells.attrs["incidents_without_coordinates"] = cells.attrs["incidents_without_coordinates"][0]
    return cells


_GI_COLUMNS = ["gi_z", "gi_p", "gi_p_adjusted", "gi_bin", "hotspot_class"]


def _gi_on(grid: _Grid, number: int, distance: int, correction: str) -> dict:
    """Gi* of the counts of period ``number`` over every cell of the grid (the whole lattice:
    the statistic compares each neighbourhood with all of it), as arrays."""
    return _gi_arrays(grid.counts[number].astype(float), grid.col, grid.row, distance, correction)


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
    distance = _check_distance(distance_cells)
    correction = _check_correction(correction)
    size = _check_cell_size(cell_size_m)
    period = _as_period(period)
    selection = _check_selection(selection)
    grid = _grid(conn, selection, [period], size)
    count = grid.counts[0]
    gi = _gi_on(grid, 0, distance, correction)
    take = np.flatnonzero((count > 0) | (gi["gi_bin"] != 0)) if shown_only else None
    shown = None if take is None else len(take)
    if take is not None and max_cells is not None and len(take) > max_cells:
        take = _most_remarkable(take, count, gi["gi_bin"], max_cells)
    rows = slice(None) if take is None else take
    result = pd.DataFrame(
        {
            **_cell_columns(grid, take, polygons),
            "count": count[rows],
            **{column: gi[column][rows] for column in _GI_COLUMNS[:-1]},
            "hotspot_class": _class_names(gi["gi_bin"][rows]),
        }
    )
    result.attrs = {
        **grid.attrs,
        "period": period.label,
        "incidents_outside_boundaries": grid.attrs["incidents_outside_boundaries"][0],
        "incidents_without_coordinates": grid.attrs["incidents_without_coordinates"][0],
        "distance_cells": distance,
        "correction": correction,
        "method": _method(correction),
    }
    if shown_only:
        gi_bin = gi["gi_bin"]
        result.attrs.update(
            _lattice_summary(grid),
            cells_shown=shown,
            cells_with_incidents=int((count > 0).sum()),
            hot_cells=int((gi_bin > 0).sum()),
            hot_cells_99=int((gi_bin == 3).sum()),
        )
    return result


def _most_remarkable(take: np.ndarray, count: np.ndarray, gi_bin: np.ndarray, limit: int) -> np.ndarray:
    """``limit`` of the cells ``take``, in lattice order: the busiest cell (so a colour scale
    worked out from the rows still reaches the top count), then hot spots, most confident first,
    then the busiest cells; ties in lattice order."""
    busiest = take[np.argmax(count[take])]
    rest = take[take != busiest]
    order = np.lexsort((rest, -count[rest], -np.maximum(gi_bin[rest], 0)))
    return np.sort(np.concatenate([[busiest], rest[order[: limit - 1]]]))


def _lattice_summary(grid: _Grid) -> dict:
    """What a frame of only the shown cells can no longer tell: how many cells the lattice
    has, and the wards its cells name (the wards a map of it outlines)."""
    named = np.unique(grid.lattice.ward[grid.position[grid.position >= 0]])
    return {
        "cells_in_lattice": len(grid.col),
        "ward_codes": tuple(str(code) for code in grid.lattice.ward_codes[named]),
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
    size = _check_cell_size(cell_size_m)
    distance = _check_distance(distance_cells)
    correction = _check_correction(correction)
    selection = _check_selection(selection)
    first, second = _as_period(period_a, "period_a"), _as_period(period_b, "period_b")
    grid = _grid(conn, selection, [first, second], size)
    gi_a, gi_b = _gi_on(grid, 0, distance, correction), _gi_on(grid, 1, distance, correction)
    count_a, count_b = grid.counts
    take = None
    if shown_only:
        significant = (gi_a["gi_bin"] != 0) | (gi_b["gi_bin"] != 0)
        take = np.flatnonzero((count_a > 0) | (count_b > 0) | significant)
    rows = slice(None) if take is None else take
    hot_a = gi_a["gi_bin"][rows] >= _HOT_BIN
    hot_b = gi_b["gi_bin"][rows] >= _HOT_BIN
    category = np.select([hot_a & hot_b, hot_b, hot_a], PERSISTENCE_CATEGORIES[:3], PERSISTENCE_CATEGORIES[3])
    result = pd.DataFrame(
        {
            **_cell_columns(grid, take, polygons),
            "count_a": count_a[rows],
            "count_b": count_b[rows],
            "gi_z_a": gi_a["gi_z"][rows],
            "gi_z_b": gi_b["gi_z"][rows],
            "gi_p_a": gi_a["gi_p"][rows],
            "gi_p_b": gi_b["gi_p"][rows],
            "class_a": _class_names(gi_a["gi_bin"][rows]),
            "class_b": _class_names(gi_b["gi_bin"][rows]),
            "persistence": category.astype(object),
        }
    )
    result.attrs = {
        **grid.attrs,
        "period_a": first.label,
        "period_b": second.label,
        "distance_cells": distance,
        "correction": correction,
        "method": _method(correction),
    }
    if shown_only:
        result.attrs.update(_lattice_summary(grid), cells_shown=len(result))
    return result


def hotspots(
    conn: duckdb.DuckDBPyConnection,
    selection: Selection,
    period: Period | str,
    cell_size_m: int = DEFAULT_CELL_SIZE_M,
    distance_cells: int = 1,
    correction: str | None = "none",
) -> pd.DataFrame:
    """Gi* hot and cold spots of the incidents of a selection and period on the grid.

    The counts of :func:`cell_counts` with the columns of :func:`getis_ord_gi_star` (``gi_z``,
    ``gi_p``, ``gi_p_adjusted``, ``gi_bin``, ``hotspot_class``) beside them; the neighbourhood
    of a cell is every cell within ``distance_cells`` in a queen's move (the cell included).

    Parameters
    ----------
    conn, selection, period, cell_size_m
        As for :func:`cell_counts`.
    distance_cells : int, default 1
        Neighbourhood radius in cells, from 1 to 10: with 250 m cells, 1 is a 750 m square.
    correction : {'none', 'fdr_bh', 'bonferroni'}, default 'none'
        Multiple-testing correction of the classes (see :func:`getis_ord_gi_star`).

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
        max_cells = _whole_in_range("max_cells", max_cells, 1, 2**31)
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
        One row per cell: the cell columns of :func:`cell_counts` without ``count``, then
        ``count_a``, ``count_b``, ``gi_z_a``, ``gi_z_b``, ``gi_p_a``, ``gi_p_b``, ``class_a``,
        ``class_b`` and ``persistence``: 'Hot in both', 'New hot spot' (hot in B only),
        'No longer hot' (hot in A only) or 'Not hot'. ``attrs`` give both period labels.

    Examples
    --------
    >>> moved = persistence(conn, Selection(wards=("E05007868",)), "FY2017", "FY2018",
    ...                     cell_size_m=100)                              # doctest: +SKIP
    >>> moved["persistence"].value_counts()                               # doctest: +SKIP
    """
    return _moved(conn, selection, period_a, period_b, cell_size_m, distance_cells, correction, shown_only=False)


# ---------------------------------------------------------------------------
# Top locations and LSOAs
# ---------------------------------------------------------------------------


def _check_top_n(n: object) -> int:
    return _whole_in_range("n", n, 1, MAX_TOP_N)


def _share(count: int, total: int) -> float:
    """Percentage of the total to one decimal place, halves rounded up (as the panel rounds)."""
    return round_ratio_half_up(count, total, 1000) / 10 if total else float("nan")


def _totals(conn: duckdb.DuckDBPyConnection, selection: Selection, period: Period, column: str) -> tuple[int, int]:
    """Incidents of the selection and period, and how many of them have no ``column`` value.

    ``column`` is one of the fixed names 'location' and 'lsoa_code', never user text.
    """
    where, params = selection.where(period)
    total, missing = conn.execute(
        f"SELECT count(*), count(*) FILTER (WHERE nullif(trim({column}), '') IS NULL) FROM incidents WHERE {where}",
        params,
    ).fetchone()
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
    conn, selection, period
        As for :func:`cell_counts`.
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
    period = _as_period(period)
    selection = _check_selection(selection)
    check_selection(conn, selection)
    where, params = selection.where(period, alias="i")
    frame = conn.execute(
        _TOP_LOCATIONS_SQL.format(ward_column=selection.ward_column, where=where), [selection.boundaries, *params, n]
    ).df()
    total, without = _totals(conn, selection, period, "location")
    result = _ranked(frame, total)
    # What it counts where, for its caption and downloads (source, place, period, vintage).
    result.attrs = {
        **describe(conn, selection, period),
        "period": period.label,
        "total": total,
        "without_location": without,
    }
    return result


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
        As for :func:`cell_counts`.
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
    period = _as_period(period)
    selection = _check_selection(selection)
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
    result.attrs = {
        **describe(conn, selection, period),
        "period": period.label,
        "total": total,
        "without_lsoa": without,
    }
    return result


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
    "ward_codes",
)
_TABLE_CELL_COLUMNS = ["cell_id", "ward_code", "ward_name", "district", "longitude", "latitude"]


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
    if period_b is None:
        # Only the shown cells are made into rows (Gi* is still over the whole lattice).
        spots = _spots(
            conn, selection, period_a, cell_size_m, distance_cells, correction, shown_only=True, polygons=False
        )
        shown = spots
        shown = shown.assign(_z=shown["gi_z"].fillna(-np.inf)).sort_values(
            ["_z", "count", "cell_id"], ascending=[False, False, True]
        )
        table = shown[_TABLE_CELL_COLUMNS + ["count", "gi_z", "gi_p", "hotspot_class"]]
        table = table.assign(gi_z=table["gi_z"].round(2), gi_p=table["gi_p"].round(4))
    else:
        moved = _moved(
            conn,
            selection,
            period_a,
            period_b,
            cell_size_m,
            distance_cells,
            correction,
            shown_only=True,
            polygons=False,
        )
        shown = moved
        shown = shown.assign(
            _order=shown["persistence"].map(PERSISTENCE_CATEGORIES.index),
            _z_b=shown["gi_z_b"].fillna(-np.inf),
            _z_a=shown["gi_z_a"].fillna(-np.inf),
        ).sort_values(
            ["_order", "_z_b", "_z_a", "count_b", "count_a", "cell_id"],
            ascending=[True, False, False, False, False, True],
        )
        table = shown[
            _TABLE_CELL_COLUMNS + ["count_a", "count_b", "class_a", "class_b", "gi_z_a", "gi_z_b", "persistence"]
        ]
        table = table.assign(gi_z_a=table["gi_z_a"].round(2), gi_z_b=table["gi_z_b"].round(2))
        spots = moved
    table = table.assign(longitude=table["longitude"].round(5), latitude=table["latitude"].round(5))
    table = table.reset_index(drop=True)
    table.attrs = {k: v for k, v in spots.attrs.items() if k not in _SHOWN_ONLY_ATTRS}
    # What every table says of itself: source, place, periods (and months missing), vintage.
    first = _as_period(period_a, "period_a")
    table.attrs.update(describe(conn, selection, first, None if period_b is None else _as_period(period_b, "period_b")))
    return table
