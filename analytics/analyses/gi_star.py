"""Getis-Ord Gi* on a square lattice, as array operations (numpy and scipy; no SQL, no store).

Gi* (Getis & Ord 1992; Ord & Getis 1995) compares the sum of the counts in a cell's
neighbourhood (here: every cell within ``distance_cells`` in a queen's move, the cell itself
included, weight 1 each) with what that many cells would hold at the study-area mean. It is a
z-score: large positive values are hot spots, large negative values cold spots. The p-values
are two-sided, from the normal approximation, and each cell gets the significance class that
ArcGIS's Hot Spot Analysis and esda report (hot or cold spot at 90, 95 or 99% confidence, or
not significant), optionally after a correction for testing thousands of cells at once.

A cell's neighbourhood sum and neighbour count are moving-window sums over a dense grid, so an
all-zero neighbourhood costs nothing extra and is exactly as in the formula; cells scattered too
thinly for a grid have their pairs of neighbours listed instead. :func:`gi_star_arrays` gives the
statistic as arrays (what a national lattice needs); :func:`getis_ord_gi_star` as a frame, with
the classes in words. pandas is imported for that frame only.

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

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from analytics.analyses.arguments import InvalidArgumentError, bad_argument, bad_choice, whole_in_range
from analytics.core.vocabulary import HOTSPOT_CLASSES

__all__ = [
    "CORRECTIONS",
    "DISTANCE_CELLS_RANGE",
    "check_correction",
    "check_distance",
    "class_names",
    "getis_ord_gi_star",
    "gi_star_arrays",
]

#: Neighbourhood radius accepted, in cells (1 = the 3 x 3 block around a cell).
DISTANCE_CELLS_RANGE = (1, 10)
#: Multiple-testing corrections: none, Benjamini-Hochberg false discovery rate, Bonferroni.
CORRECTIONS = ("none", "fdr_bh", "bonferroni")
#: (Gi_Bin magnitude, significance level): a cell is in bin 3 when p < 0.01, and so on.
_LEVELS = ((1, 0.10), (2, 0.05), (3, 0.01))

#: Largest dense grid (cells) the neighbourhood sums use; beyond it (cells scattered so thinly
#: that even closing the gaps leaves a grid mostly empty) the pairs of neighbours are listed.
_DENSE_CELLS_PER_CELL = 8
_DENSE_MIN_CELLS = 1 << 16


# ---------------------------------------------------------------------------
# Argument checks
# ---------------------------------------------------------------------------


def check_distance(distance_cells: object) -> int:
    return whole_in_range("distance_cells", distance_cells, *DISTANCE_CELLS_RANGE, unit=" of cells")


def check_correction(correction: str | None) -> str:
    if correction is None:
        return "none"
    if correction not in CORRECTIONS:
        raise bad_choice("multiple-testing correction", correction, CORRECTIONS)
    return correction


def _as_values(counts: ArrayLike) -> np.ndarray:
    try:
        values = np.asarray(counts, dtype=float)
    except (TypeError, ValueError):
        raise bad_argument("counts must be numbers, one per cell.") from None
    if values.ndim != 1:
        raise bad_argument(f"counts must be one-dimensional (one value per cell); got {values.ndim} dimensions.")
    if not np.isfinite(values).all():
        raise bad_argument("counts must be finite numbers (no NaN or infinity).")
    return values


def _as_cell_index(name: str, values: ArrayLike, n: int) -> np.ndarray:
    try:
        array = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise bad_argument(f"{name} must be whole-number cell indexes.") from None
    if array.ndim != 1 or len(array) != n:
        raise bad_argument(f"{name} must hold one cell index per count ({n}); got shape {array.shape}.")
    if not (np.isfinite(array).all() and (array == np.round(array)).all() and (np.abs(array) <= 2**40).all()):
        raise bad_argument(f"{name} must be whole-number cell indexes (up to 2**40 in size).")
    return array.astype(np.int64)


def _repeated_cell(cols: np.ndarray, rows: np.ndarray, first: int) -> InvalidArgumentError:
    return bad_argument(f"Cell (col {cols[first]}, row {rows[first]}) is listed more than once; give each cell once.")


# ---------------------------------------------------------------------------
# Neighbourhood sums
# ---------------------------------------------------------------------------


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
        raise _repeated_cell(cols, rows, order[repeated[0]])
    sources, targets = [], []
    for d_col in range(-distance, distance + 1):
        for d_row in range(-distance, distance + 1):
            wanted = key + d_col * height + d_row
            position = np.minimum(np.searchsorted(sorted_key, wanted), n - 1)
            found = sorted_key[position] == wanted
            sources.append(np.flatnonzero(found))
            targets.append(order[position[found]])
    return np.concatenate(sources), np.concatenate(targets)


def _close_gaps(index: np.ndarray, distance: int) -> np.ndarray:
    """Column (or row) indexes with every gap wider than ``distance`` narrowed to ``distance + 1``.

    Two cells within ``distance`` stay exactly as far apart (every gap between them is at most
    ``distance``, so none is narrowed) and two cells further apart stay further apart, so the
    neighbourhoods are the same; a stray cell far from the rest no longer stretches the grid.
    """
    unique, inverse = np.unique(index, return_inverse=True)
    gaps = np.minimum(np.diff(unique), distance + 1)
    return np.concatenate([[0], np.cumsum(gaps)])[inverse.ravel()]


def _dense_grid(cols: np.ndarray, rows: np.ndarray, distance: int) -> tuple[np.ndarray, int, int] | None:
    """Each cell's position on a dense grid (column-major), and the grid's width and height;
    None when the cells are too scattered for one, even with the wide gaps closed."""
    col_index, row_index = cols - cols.min(), rows - rows.min()
    width, height = int(col_index.max()) + 1, int(row_index.max()) + 1
    limit = max(_DENSE_CELLS_PER_CELL * len(cols), _DENSE_MIN_CELLS)
    if width * height > limit:
        col_index, row_index = _close_gaps(cols, distance), _close_gaps(rows, distance)
        width, height = int(col_index.max()) + 1, int(row_index.max()) + 1
    if width * height > limit:
        return None
    return col_index * height + row_index, width, height


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
    dense = _dense_grid(cols, rows, distance)
    if dense is None:
        i, j = _queen_neighbours(cols, rows, distance)
        return (np.bincount(i, minlength=n).astype(np.int64), np.bincount(i, weights=values[j], minlength=n))
    flat, width, height = dense
    occupied = np.bincount(flat, minlength=width * height)
    if occupied.max() > 1:
        repeated_key = np.flatnonzero(occupied > 1)[0]
        raise _repeated_cell(cols, rows, int(np.flatnonzero(flat == repeated_key)[0]))
    grid = np.zeros(width * height)
    grid[flat] = values
    window = np.ones(2 * distance + 1)
    # Deferred, as in gi_star below: SciPy's import is a sixth of a second the Overview need not pay.
    from scipy import ndimage

    def box_sum(a: np.ndarray) -> np.ndarray:
        a = a.reshape(width, height)
        a = ndimage.correlate1d(a, window, axis=0, mode="constant", cval=0.0)
        return np.asarray(ndimage.correlate1d(a, window, axis=1, mode="constant", cval=0.0)).ravel()

    neighbours = np.rint(box_sum(occupied.astype(float))[flat]).astype(np.int64)
    return neighbours, box_sum(grid)[flat]


# ---------------------------------------------------------------------------
# Gi*, p-values and classes
# ---------------------------------------------------------------------------


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


def _z_scores(values: np.ndarray, neighbours: np.ndarray, weighted_sum: np.ndarray) -> np.ndarray:
    """Gi* from the neighbourhood counts and sums (binary weights: Σ_j w_ij = Σ_j w_ij² = the
    number of neighbours); NaN where the denominator is 0."""
    n = len(values)
    z = np.full(n, np.nan)
    if n >= 2 and np.ptp(values) > 0:
        mean = values.mean()
        spread = values.std()  # population standard deviation, as in Ord & Getis
        k = neighbours.astype(float)
        denominator = spread * np.sqrt((n * k - k * k) / (n - 1))
        defined = denominator > 0
        z[defined] = (weighted_sum[defined] - mean * k[defined]) / denominator[defined]
    return z


def _bins(z: np.ndarray, p_adjusted: np.ndarray) -> np.ndarray:
    """ArcGIS's Gi_Bin: +3/+2/+1 for adjusted p below 0.01/0.05/0.10 with z > 0, -1..-3 below 0."""
    magnitude = np.zeros(len(z), dtype=np.int64)
    for level, alpha in _LEVELS:
        magnitude[p_adjusted < alpha] = level  # NaN compares False: not significant
    return np.asarray(magnitude * np.sign(np.nan_to_num(z)).astype(np.int64))


def class_names(gi_bin: np.ndarray) -> np.ndarray:
    """The Gi_Bin values +3 .. -3 in words, from :data:`~analytics.core.vocabulary.HOTSPOT_CLASSES`."""
    names: np.ndarray = np.asarray(HOTSPOT_CLASSES, dtype=object)[3 - gi_bin]
    return names


def gi_star_arrays(
    counts: ArrayLike, cols: ArrayLike, rows: ArrayLike, distance_cells: int = 1, correction: str | None = "none"
) -> dict[str, np.ndarray]:
    """Gi* as arrays: what :func:`getis_ord_gi_star` gives, without the frame or the class names.

    A national lattice has hundreds of thousands of cells; its classes in words are made only
    for the rows shown (:func:`class_names`).

    Parameters
    ----------
    counts, cols, rows, distance_cells, correction
        As for :func:`getis_ord_gi_star`.

    Returns
    -------
    dict of numpy.ndarray
        ``neighbours``, ``gi_z``, ``gi_p``, ``gi_p_adjusted`` and ``gi_bin``, one value per
        cell in the input order, as the columns of :func:`getis_ord_gi_star`.

    Examples
    --------
    Two busy cells at one end of a row of six:

    >>> gi = gi_star_arrays([4, 4, 0, 0, 0, 0], [0, 1, 2, 3, 4, 5], [0, 0, 0, 0, 0, 0])
    >>> gi["neighbours"].tolist(), gi["gi_z"].round(2).tolist()
    ([2, 3, 3, 3, 3, 2], [2.24, 1.58, 0.0, -1.58, -1.58, -1.12])
    >>> gi["gi_bin"].tolist(), class_names(gi["gi_bin"]).tolist()[0]
    ([2, 0, 0, 0, 0, 0], 'Hot spot 95%')
    """
    values = _as_values(counts)
    n = len(values)
    col_index = _as_cell_index("cols", cols, n)
    row_index = _as_cell_index("rows", rows, n)
    distance = check_distance(distance_cells)
    correction = check_correction(correction)
    neighbours, weighted_sum = _neighbourhood_sums(col_index, row_index, values, distance)
    z = _z_scores(values, neighbours, weighted_sum)
    # Deferred: SciPy takes a sixth of a second to import, and the first page of a fresh server
    # (the Overview) draws no hot spots.
    from scipy.special import ndtr

    p = 2.0 * ndtr(-np.abs(z))
    p_adjusted = _adjusted(p, correction)
    return {"neighbours": neighbours, "gi_z": z, "gi_p": p, "gi_p_adjusted": p_adjusted, "gi_bin": _bins(z, p_adjusted)}


def getis_ord_gi_star(
    counts: ArrayLike, cols: ArrayLike, rows: ArrayLike, distance_cells: int = 1, correction: str | None = "none"
) -> pd.DataFrame:
    """Getis-Ord Gi* hot-spot statistic for counts on a square lattice.

    (This function is longer than 60 lines because its docstring carries the formula, its
    source and a worked example; its code is three lines.)

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
        - ``hotspot_class``: the bin in words, one of
          :data:`~analytics.core.vocabulary.HOTSPOT_CLASSES`.

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
    gi = gi_star_arrays(counts, cols, rows, distance_cells, correction)
    index = counts.index if isinstance(counts, pd.Series) else pd.RangeIndex(len(gi["gi_z"]))
    return pd.DataFrame({**gi, "hotspot_class": class_names(gi["gi_bin"])}, index=index)
