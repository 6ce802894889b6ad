"""Hot spots: where incidents cluster, by the Getis-Ord Gi* statistic on an equal-area grid.

Incidents are counted in square cells of British National Grid (EPSG:27700, metres), so every
cell covers the same area. A cell's index is ``(floor(easting / size), floor(northing / size))``:
a point on a cell edge belongs to the cell whose lower-left corner it is, and the cell id reads
``"E{col}_N{row}"``. The lattice is complete: every cell whose square intersects a ward of the
selection (its districts or wards, in its boundary vintage) is present, with a count of 0 where
nothing was recorded, because Gi* compares each neighbourhood with the whole study area and the
empty cells are part of that area.

Counting happens in DuckDB (one ``GROUP BY`` over cells), so the same code serves ten rows or
ten million; only one row per cell reaches pandas.

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
from scipy.special import ndtr

from analytics.errors import AnalyticsError, invalid_choice
from analytics.geography import BNG, WGS84
from analytics.periods import Period, parse_period, round_ratio_half_up
from analytics.query import Selection, check_selection

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
HOTSPOT_CLASSES = ("Hot spot 99%", "Hot spot 95%", "Hot spot 90%", "Not significant",
                   "Cold spot 90%", "Cold spot 95%", "Cold spot 99%")
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
    whole = (isinstance(value, numbers.Real) and not isinstance(value, bool)
             and math.isfinite(value) and float(value).is_integer())
    if not whole or not low <= int(value) <= high:
        raise _bad(f"{name} must be a whole number{unit} from {low} to {high}; got {value!r}.",
                   title=f"Invalid {name}")
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
        raise _bad(f"selection must be an analytics.query.Selection; got {type(selection).__name__}.")
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
    if not (np.isfinite(array).all() and (array == np.round(array)).all()
            and (np.abs(array) <= 2**40).all()):
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
        raise _bad(f"Cell (col {cols[first]}, row {rows[first]}) is listed more than once; "
                   "give each cell once.")
    sources, targets = [], []
    for d_col in range(-distance, distance + 1):
        for d_row in range(-distance, distance + 1):
            wanted = key + d_col * height + d_row
            position = np.minimum(np.searchsorted(sorted_key, wanted), n - 1)
            found = sorted_key[position] == wanted
            sources.append(np.flatnonzero(found))
            targets.append(order[position[found]])
    return np.concatenate(sources), np.concatenate(targets)


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


def getis_ord_gi_star(counts: ArrayLike, cols: ArrayLike, rows: ArrayLike, distance_cells: int = 1,
                      correction: str | None = "none") -> pd.DataFrame:
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

    i, j = _queen_neighbours(col_index, row_index, distance)
    # Binary weights: Σ_j w_ij = Σ_j w_ij² = the number of neighbours.
    neighbours = np.bincount(i, minlength=n).astype(np.int64)
    weighted_sum = np.bincount(i, weights=values[j], minlength=n)
    z = np.full(n, np.nan)
    if n >= 2 and np.ptp(values) > 0:
        mean = values.mean()
        spread = values.std()   # population standard deviation, as in Ord & Getis
        k = neighbours.astype(float)
        denominator = spread * np.sqrt((n * k - k * k) / (n - 1))
        defined = denominator > 0
        z[defined] = (weighted_sum[defined] - mean * k[defined]) / denominator[defined]
    p = 2.0 * ndtr(-np.abs(z))
    p_adjusted = _adjusted(p, correction)
    magnitude = np.zeros(n, dtype=np.int64)
    for level, alpha in _LEVELS:
        magnitude[p_adjusted < alpha] = level   # NaN compares False: not significant
    gi_bin = magnitude * np.sign(np.nan_to_num(z)).astype(np.int64)
    return pd.DataFrame({
        "neighbours": neighbours,
        "gi_z": z,
        "gi_p": p,
        "gi_p_adjusted": p_adjusted,
        "gi_bin": gi_bin,
        "hotspot_class": np.asarray(HOTSPOT_CLASSES, dtype=object)[3 - gi_bin],
    }, index=index)


# ---------------------------------------------------------------------------
# The lattice of cells over the study area
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class _Cells:
    """Cells of one size with their geometry and ward: read-only arrays, shared by the cache."""
    col: np.ndarray
    row: np.ndarray
    longitude: np.ndarray
    latitude: np.ndarray
    corners: np.ndarray        # (n, 4, 2) lon/lat of the corners: lower-left, lower-right, upper-right, upper-left
    ward_code: np.ndarray
    ward_name: np.ndarray
    district: np.ndarray


def _cell_geometry(col: np.ndarray, row: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Centre lon/lat and the four corners in lon/lat of each cell."""
    x0, y0 = col * float(size), row * float(size)
    corner_x = np.stack([x0, x0 + size, x0 + size, x0], axis=1)
    corner_y = np.stack([y0, y0, y0 + size, y0 + size], axis=1)
    xs = np.concatenate([x0 + size / 2, corner_x.ravel()])
    ys = np.concatenate([y0 + size / 2, corner_y.ravel()])
    lon, lat = _TO_WGS84.transform(xs, ys)
    lon, lat = np.asarray(lon), np.asarray(lat)
    n = len(col)
    corners = np.stack([lon[n:], lat[n:]], axis=1).reshape(n, 4, 2)
    return lon[:n], lat[:n], corners


def _read_only(*arrays: np.ndarray) -> None:
    for array in arrays:
        array.flags.writeable = False


@functools.lru_cache(maxsize=32)
def _lattice(size: int, ward_codes: tuple, ward_names: tuple, districts: tuple, wkbs: tuple) -> _Cells:
    """Every cell whose square intersects one of the wards, each with the ward of its centre.

    The ward of a cell is the ward containing its centre; for a cell at the edge whose centre
    lies outside all the wards, the ward covering most of the cell.
    """
    wards = shapely.transform(shapely.from_wkb(list(wkbs)), lambda x, y: _TO_BNG.transform(x, y),
                              interleaved=False)
    min_x, min_y, max_x, max_y = shapely.total_bounds(wards)
    col_range = np.arange(math.floor(min_x / size), math.floor(max_x / size) + 1)
    row_range = np.arange(math.floor(min_y / size), math.floor(max_y / size) + 1)
    grid_col, grid_row = (a.ravel() for a in np.meshgrid(col_range, row_range))
    boxes = shapely.box(grid_col * size, grid_row * size, (grid_col + 1) * size, (grid_row + 1) * size)
    # The wards (few, large) are the prepared side of the test; the boxes sit in the tree.
    ward_of_pair, box_of_pair = shapely.STRtree(boxes).query(wards, predicate="intersects")
    kept = np.unique(box_of_pair)
    col, row = grid_col[kept], grid_row[kept]

    ward_index = np.full(len(kept), -1, dtype=np.int64)
    centres = shapely.points((col + 0.5) * size, (row + 0.5) * size)
    point_of, ward_of = shapely.STRtree(wards).query(centres, predicate="intersects")
    # A centre on a shared edge touches two wards: keep the first ward code, deterministically.
    order = np.lexsort((ward_of, point_of))
    point_of, ward_of = point_of[order], ward_of[order]
    first = np.unique(point_of, return_index=True)[1]
    ward_index[point_of[first]] = ward_of[first]
    outside = ward_index < 0
    if outside.any():
        cell_of_pair = np.searchsorted(kept, box_of_pair)
        edge_pair = outside[cell_of_pair]
        cells, ward_ids = cell_of_pair[edge_pair], ward_of_pair[edge_pair]
        areas = shapely.area(shapely.intersection(boxes[kept[cells]], wards[ward_ids]))
        best = np.lexsort((ward_ids, -areas, cells))   # largest area first, then lowest code
        cells, ward_ids = cells[best], ward_ids[best]
        first = np.unique(cells, return_index=True)[1]
        ward_index[cells[first]] = ward_ids[first]

    lon, lat, corners = _cell_geometry(col, row, size)
    codes, names, district_names = (np.asarray(v, dtype=object)[ward_index]
                                    for v in (ward_codes, ward_names, districts))
    cells = _Cells(col, row, lon, lat, corners, codes, names, district_names)
    _read_only(*(getattr(cells, f) for f in cells.__dataclass_fields__))
    return cells


def _study_area(conn: duckdb.DuckDBPyConnection, selection: Selection, size: int) -> _Cells:
    clauses, params = ["vintage = ?"], [selection.boundaries]
    if selection.districts:
        clauses.append("list_contains(?, district)")
        params.append(list(selection.districts))
    if selection.wards:
        clauses.append("list_contains(?, ward_code)")
        params.append(list(selection.wards))
    wards = conn.execute(f"""
        SELECT ward_code, ward_name, district, geometry_wkb FROM wards
        WHERE {' AND '.join(clauses)} AND geometry_wkb IS NOT NULL ORDER BY ward_code""", params).fetchall()
    if not wards:
        raise AnalyticsError(f"The database holds no {selection.boundaries.upper()} ward boundaries for "
                             f"{selection.place_label}.", title="No boundaries",
                             fix="Run `python -m analytics build` to build the store from data/.")
    codes, names, districts, wkbs = zip(*wards)
    return _lattice(size, codes, names, districts, tuple(bytes(w) for w in wkbs))


_CELL_COUNTS_SQL = """
SELECT CAST(floor(easting / ?) AS BIGINT) AS col, CAST(floor(northing / ?) AS BIGINT) AS row,
       count(*) AS count
FROM incidents
WHERE {where}
GROUP BY ALL
"""


def _counts_by_cell(conn: duckdb.DuckDBPyConnection, selection: Selection, period: Period,
                    size: int) -> tuple[pd.DataFrame, int]:
    """Counts per occupied cell, and the number of rows with no coordinates (the NULL cell)."""
    where, params = selection.where(period)
    frame = conn.execute(_CELL_COUNTS_SQL.format(where=where), [size, size, *params]).df()
    unplaced = frame["col"].isna() | frame["row"].isna()
    located = frame[~unplaced]
    return (pd.DataFrame({"col": located["col"].astype(np.int64), "row": located["row"].astype(np.int64),
                          "count": located["count"].astype(np.int64)}),
            int(frame.loc[unplaced, "count"].sum()))


def _cell_frame(conn: duckdb.DuckDBPyConnection, selection: Selection, periods: list[Period],
                size: int) -> pd.DataFrame:
    """The lattice with one count column per period (``count_0``, ``count_1``, ...).

    Cells holding incidents outside every ward polygon of the selection (a row placed in a
    ward through its LSOA, its point beyond the generalised boundary) are added, so that no
    located incident is dropped; ``attrs`` record how many there were and how many rows had no
    coordinates at all.
    """
    check_selection(conn, selection)
    lattice = _study_area(conn, selection, size)
    counted = [_counts_by_cell(conn, selection, period, size) for period in periods]
    base = pd.DataFrame({"col": lattice.col, "row": lattice.row, "_position": np.arange(len(lattice.col))})
    frame = base
    for number, (counts, _) in enumerate(counted):
        frame = frame.merge(counts.rename(columns={"count": f"count_{number}"}), on=["col", "row"],
                            how="outer")
    count_columns = [f"count_{number}" for number in range(len(periods))]
    frame[count_columns] = frame[count_columns].fillna(0).astype(np.int64)
    frame = frame.sort_values(["row", "col"], ignore_index=True)

    position = frame["_position"].to_numpy()
    inside = ~np.isnan(position)
    n = len(frame)
    lon, lat = np.empty(n), np.empty(n)
    corners = np.empty((n, 4, 2))
    ward_code, ward_name, district = (np.full(n, None, dtype=object) for _ in range(3))
    taken = position[inside].astype(np.int64)
    for target, source in ((lon, lattice.longitude), (lat, lattice.latitude), (corners, lattice.corners),
                           (ward_code, lattice.ward_code), (ward_name, lattice.ward_name),
                           (district, lattice.district)):
        target[inside] = source[taken]
    if (~inside).any():
        lon[~inside], lat[~inside], corners[~inside] = _cell_geometry(
            frame["col"].to_numpy()[~inside], frame["row"].to_numpy()[~inside], size)

    col, row = frame["col"].to_numpy(), frame["row"].to_numpy()
    result = pd.DataFrame({
        "cell_id": [f"E{c}_N{r}" for c, r in zip(col.tolist(), row.tolist())],
        "col": col,
        "row": row,
        "easting": (col + 0.5) * size,
        "northing": (row + 0.5) * size,
        "longitude": lon,
        "latitude": lat,
        "polygon": corners.tolist(),
        "ward_code": ward_code,
        "ward_name": ward_name,
        "district": district,
        **{column: frame[column].to_numpy() for column in count_columns},
    })
    result.attrs = {
        "cell_size_m": size,
        "boundaries": selection.boundaries,
        "cells_outside_boundaries": int((~inside).sum()),
        "incidents_outside_boundaries": [int(frame.loc[~inside, c].sum()) for c in count_columns],
        "incidents_without_coordinates": [unplaced for _, unplaced in counted],
    }
    return result


def cell_counts(conn: duckdb.DuckDBPyConnection, selection: Selection, period: Period | str,
                cell_size_m: int = DEFAULT_CELL_SIZE_M) -> pd.DataFrame:
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
    >>> from analytics.query import Selection
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


def _with_gi(cells: pd.DataFrame, count_column: str, distance: int, correction: str) -> pd.DataFrame:
    gi = getis_ord_gi_star(cells[count_column], cells["col"], cells["row"], distance, correction)
    return gi.drop(columns="neighbours")


def hotspots(conn: duckdb.DuckDBPyConnection, selection: Selection, period: Period | str,
             cell_size_m: int = DEFAULT_CELL_SIZE_M, distance_cells: int = 1,
             correction: str | None = "none") -> pd.DataFrame:
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
    distance = _check_distance(distance_cells)
    correction = _check_correction(correction)
    cells = cell_counts(conn, selection, period, cell_size_m)
    result = pd.concat([cells, _with_gi(cells, "count", distance, correction)], axis=1)
    result.attrs = {**cells.attrs, "distance_cells": distance, "correction": correction,
                    "method": _method(correction)}
    return result


def persistence(conn: duckdb.DuckDBPyConnection, selection: Selection, period_a: Period | str,
                period_b: Period | str, cell_size_m: int = DEFAULT_CELL_SIZE_M, distance_cells: int = 1,
                correction: str | None = "none") -> pd.DataFrame:
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
    size = _check_cell_size(cell_size_m)
    distance = _check_distance(distance_cells)
    correction = _check_correction(correction)
    selection = _check_selection(selection)
    first, second = _as_period(period_a, "period_a"), _as_period(period_b, "period_b")
    cells = _cell_frame(conn, selection, [first, second], size).rename(
        columns={"count_0": "count_a", "count_1": "count_b"})
    gi_a = _with_gi(cells, "count_a", distance, correction)
    gi_b = _with_gi(cells, "count_b", distance, correction)
    hot_a, hot_b = gi_a["gi_bin"].to_numpy() >= _HOT_BIN, gi_b["gi_bin"].to_numpy() >= _HOT_BIN
    category = np.select([hot_a & hot_b, hot_b, hot_a], PERSISTENCE_CATEGORIES[:3], PERSISTENCE_CATEGORIES[3])
    result = cells.assign(gi_z_a=gi_a["gi_z"], gi_z_b=gi_b["gi_z"], gi_p_a=gi_a["gi_p"], gi_p_b=gi_b["gi_p"],
                          class_a=gi_a["hotspot_class"], class_b=gi_b["hotspot_class"],
                          persistence=category.astype(object))
    result.attrs = {**cells.attrs, "period_a": first.label, "period_b": second.label,
                    "distance_cells": distance, "correction": correction, "method": _method(correction)}
    return result


# ---------------------------------------------------------------------------
# Top locations and LSOAs
# ---------------------------------------------------------------------------

def _check_top_n(n: object) -> int:
    return _whole_in_range("n", n, 1, MAX_TOP_N)


def _share(count: int, total: int) -> float:
    """Percentage of the total to one decimal place, halves rounded up (as the panel rounds)."""
    return round_ratio_half_up(count, total, 1000) / 10 if total else float("nan")


def _totals(conn: duckdb.DuckDBPyConnection, selection: Selection, period: Period,
            column: str) -> tuple[int, int]:
    """Incidents of the selection and period, and how many of them have no ``column`` value.

    ``column`` is one of the fixed names 'location' and 'lsoa_code', never user text.
    """
    where, params = selection.where(period)
    total, missing = conn.execute(
        f"SELECT count(*), count(*) FILTER (WHERE nullif(trim({column}), '') IS NULL) "
        f"FROM incidents WHERE {where}", params).fetchone()
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


def top_locations(conn: duckdb.DuckDBPyConnection, selection: Selection, period: Period | str,
                  n: int = 10) -> pd.DataFrame:
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
    frame = conn.execute(_TOP_LOCATIONS_SQL.format(ward_column=selection.ward_column, where=where),
                         [selection.boundaries, *params, n]).df()
    total, without = _totals(conn, selection, period, "location")
    result = _ranked(frame, total)
    result.attrs = {"period": period.label, "total": total, "without_location": without}
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


def top_lsoas(conn: duckdb.DuckDBPyConnection, selection: Selection, period: Period | str,
              n: int = 10) -> pd.DataFrame:
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
    frame = conn.execute(_TOP_LSOAS_SQL.format(ward_column=selection.ward_column, where=where),
                         [selection.boundaries, *params, n]).df()
    total, without = _totals(conn, selection, period, "lsoa_code")
    if total and frame.empty:
        raise AnalyticsError(f"None of the {total:,} incidents of the {selection.source_label} in "
                             f"{period.label} carries an LSOA code, so they cannot be ranked by LSOA.",
                             title="No LSOA codes",
                             fix="Rank them by location (top locations) instead, or choose the police.uk "
                                 "source.")
    result = _ranked(frame, total)
    result.attrs = {"period": period.label, "total": total, "without_lsoa": without}
    return result


# ---------------------------------------------------------------------------
# The command-line table
# ---------------------------------------------------------------------------

_TABLE_CELL_COLUMNS = ["cell_id", "ward_code", "ward_name", "district", "longitude", "latitude"]


def hotspot_table(conn: duckdb.DuckDBPyConnection, selection: Selection, period_a: Period | str,
                  period_b: Period | str | None = None, cell_size_m: int = DEFAULT_CELL_SIZE_M,
                  distance_cells: int = 1, correction: str | None = "none") -> pd.DataFrame:
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
        spots = hotspots(conn, selection, period_a, cell_size_m, distance_cells, correction)
        shown = spots[(spots["count"] > 0) | (spots["gi_bin"] != 0)]
        shown = shown.assign(_z=shown["gi_z"].fillna(-np.inf)).sort_values(
            ["_z", "count", "cell_id"], ascending=[False, False, True])
        table = shown[_TABLE_CELL_COLUMNS + ["count", "gi_z", "gi_p", "hotspot_class"]]
        table = table.assign(gi_z=table["gi_z"].round(2), gi_p=table["gi_p"].round(4))
    else:
        moved = persistence(conn, selection, period_a, period_b, cell_size_m, distance_cells, correction)
        significant = (moved["class_a"] != NOT_SIGNIFICANT) | (moved["class_b"] != NOT_SIGNIFICANT)
        shown = moved[(moved["count_a"] > 0) | (moved["count_b"] > 0) | significant]
        shown = shown.assign(_order=shown["persistence"].map(PERSISTENCE_CATEGORIES.index),
                             _z_b=shown["gi_z_b"].fillna(-np.inf), _z_a=shown["gi_z_a"].fillna(-np.inf)).sort_values(
            ["_order", "_z_b", "_z_a", "count_b", "count_a", "cell_id"],
            ascending=[True, False, False, False, False, True])
        table = shown[_TABLE_CELL_COLUMNS + ["count_a", "count_b", "class_a", "class_b", "gi_z_a", "gi_z_b",
                                             "persistence"]]
        table = table.assign(gi_z_a=table["gi_z_a"].round(2), gi_z_b=table["gi_z_b"].round(2))
        spots = moved
    table = table.assign(longitude=table["longitude"].round(5), latitude=table["latitude"].round(5))
    table = table.reset_index(drop=True)
    table.attrs = dict(spots.attrs)
    return table
