"""Tests for analytics.analyses.gi_star: Getis-Ord Gi*, its p-values, corrections and classes.

Gi* is checked against a naive per-cell loop of the textbook formula (Ord & Getis 1995) and a
3 x 3 example worked by hand; the Benjamini-Hochberg correction against statsmodels.
"""

from __future__ import annotations

import doctest
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.multitest import multipletests

from analytics.analyses import gi_star
from analytics.analyses.arguments import InvalidArgumentError
from analytics.analyses.gi_star import class_names, getis_ord_gi_star, gi_star_arrays
from analytics.core.errors import AnalyticsError
from analytics.core.vocabulary import HOTSPOT_CLASSES, NOT_SIGNIFICANT

ROOT = Path(__file__).resolve().parent.parent


# ---------------------------------------------------------------------------
# The textbook formula
# ---------------------------------------------------------------------------


def naive_gi_star(values, cols, rows, distance: int) -> list[float]:
    """The textbook formula, one cell at a time, in plain Python floats.

    Gi* = (Σ_j w_ij x_j - X̄ Σ_j w_ij) / (S sqrt((n Σ_j w_ij² - (Σ_j w_ij)²) / (n - 1))),
    X̄ and S = sqrt(Σ x_j² / n - X̄²) over all n cells, w_ij = 1 within the queen
    neighbourhood (cell i included), else 0.
    """
    n = len(values)
    mean = sum(values) / n
    spread = math.sqrt(sum(v * v for v in values) / n - mean * mean)
    result = []
    for i in range(n):
        weights = [
            1.0 if abs(cols[j] - cols[i]) <= distance and abs(rows[j] - rows[i]) <= distance else 0.0 for j in range(n)
        ]
        sum_w = sum(weights)
        sum_w2 = sum(w * w for w in weights)
        sum_wx = sum(w * x for w, x in zip(weights, values, strict=False))
        denominator = spread * math.sqrt((n * sum_w2 - sum_w**2) / (n - 1))
        # A neighbourhood covering the whole lattice (or equal values) leaves Gi* undefined.
        result.append((sum_wx - mean * sum_w) / denominator if denominator > 0 else math.nan)
    return result


def naive_class(z: float, p: float) -> str:
    for level, alpha in ((99, 0.01), (95, 0.05), (90, 0.10)):
        if p < alpha:
            return f"{'Hot' if z > 0 else 'Cold'} spot {level}%"
    return "Not significant"


# ---------------------------------------------------------------------------
# Gi*: hand-worked example, the textbook formula, p-values and classes
# ---------------------------------------------------------------------------


def test_docstring_examples_run():
    result = doctest.testmod(gi_star, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0


def test_gi_star_hand_worked_3x3():
    # 9 incidents in the lower-left cell of a 3 x 3 lattice: n = 9, X̄ = 1, S = 2 sqrt(2).
    # Lower-left: 4 cells hold 9: (9 - 4) / (2 sqrt(2) sqrt((36 - 16) / 8)) = sqrt(5) / 2.
    # Its right-hand neighbour: 6 cells hold 9: (9 - 6) / (2 sqrt(2) sqrt((54 - 36) / 8)) = 1 / sqrt(2).
    # Middle of the right-hand column: 6 cells hold 0: -6 / (3 sqrt(2)) = -sqrt(2).
    # Opposite corner: 4 cells hold 0: -4 / (2 sqrt(5)) = -2 / sqrt(5).
    # Centre: its neighbourhood is the whole lattice, n Σw² - (Σw)² = 81 - 81 = 0: undefined.
    gi = getis_ord_gi_star([9, 0, 0, 0, 0, 0, 0, 0, 0], [0, 1, 2] * 3, [0, 0, 0, 1, 1, 1, 2, 2, 2])
    expected = [
        math.sqrt(5) / 2,
        1 / math.sqrt(2),
        -2 / math.sqrt(5),
        1 / math.sqrt(2),
        math.nan,
        -math.sqrt(2),
        -2 / math.sqrt(5),
        -math.sqrt(2),
        -2 / math.sqrt(5),
    ]
    np.testing.assert_allclose(gi["gi_z"], expected, rtol=0, atol=1e-12)
    assert gi["neighbours"].tolist() == [4, 6, 4, 6, 9, 6, 4, 6, 4]
    assert math.isclose(gi.loc[0, "gi_p"], math.erfc(math.sqrt(5) / 2 / math.sqrt(2)), abs_tol=1e-15)
    assert math.isnan(gi.loc[4, "gi_p"])
    assert set(gi["hotspot_class"]) == {"Not significant"}


CLUSTER_5X5 = [
    [0, 0, 0, 0, 0],  # row 4
    [0, 0, 1, 0, 0],  # row 3
    [0, 2, 9, 3, 0],  # row 2
    [0, 0, 4, 1, 0],  # row 1
    [1, 0, 0, 0, 0],  # row 0
]


def _lattice_5x5():
    values, cols, rows = [], [], []
    for r, line in enumerate(reversed(CLUSTER_5X5)):
        for c, value in enumerate(line):
            values.append(float(value))
            cols.append(c)
            rows.append(r)
    return values, cols, rows


@pytest.mark.parametrize("distance", [1, 2])
def test_gi_star_matches_naive_formula_on_5x5_cluster(distance):
    values, cols, rows = _lattice_5x5()
    gi = getis_ord_gi_star(values, cols, rows, distance_cells=distance)
    np.testing.assert_allclose(gi["gi_z"], naive_gi_star(values, cols, rows, distance), rtol=0, atol=1e-9)
    # The cluster's centre holds all 20 incidents in its 3 x 3 block: the highest z.
    centre = cols.index(2) + 5 * 2
    assert (cols[centre], rows[centre]) == (2, 2)
    if distance == 1:
        assert gi["gi_z"].idxmax() == centre
        assert (gi["gi_z"].drop(centre) < gi.loc[centre, "gi_z"]).all()
    else:  # its 5 x 5 neighbourhood is the whole lattice: nothing to compare with
        assert math.isnan(gi.loc[centre, "gi_z"]) and gi.loc[centre, "hotspot_class"] == "Not significant"


@pytest.mark.parametrize("distance", [1, 2, 3])
def test_gi_star_matches_naive_formula_on_irregular_lattice(distance):
    # An irregular study area (a 12 x 9 block with holes) and Poisson counts; cells in any order.
    rng = np.random.default_rng(20190925)
    cols, rows = np.meshgrid(np.arange(100, 112), np.arange(-4, 5))
    keep = rng.random(cols.size) > 0.2
    cols, rows = cols.ravel()[keep], rows.ravel()[keep]
    values = rng.poisson(2.0, size=len(cols)).astype(float)
    values[5] += 15
    order = rng.permutation(len(cols))
    cols, rows, values = cols[order], rows[order], values[order]
    gi = getis_ord_gi_star(values, cols, rows, distance_cells=distance)
    expected = naive_gi_star(values.tolist(), cols.tolist(), rows.tolist(), distance)
    np.testing.assert_allclose(gi["gi_z"], expected, rtol=0, atol=1e-9)
    p = [math.erfc(abs(z) / math.sqrt(2)) for z in expected]
    np.testing.assert_allclose(gi["gi_p"], p, rtol=1e-9, atol=1e-15)
    assert gi["hotspot_class"].tolist() == [naive_class(z, pv) for z, pv in zip(expected, p, strict=False)]
    assert gi["gi_p_adjusted"].equals(gi["gi_p"])


def _sparse_lattice_with_empty_regions(seed: int):
    """A 40 x 30 block with two empty holes and a ragged edge, mostly zero counts with two
    clusters, and a stray cell far away (as an incident beyond the boundaries makes: the grid spans 320 x 401 cells)."""
    rng = np.random.default_rng(seed)
    cols, rows = np.meshgrid(np.arange(-20, 20), np.arange(500, 530))
    cols, rows = cols.ravel(), rows.ravel()
    hole = ((cols > -5) & (cols < 5) & (rows > 510) & (rows < 520)) | ((cols > 12) & (rows < 506))
    keep = ~hole & (rng.random(cols.size) > 0.05)
    cols, rows = np.append(cols[keep], 300), np.append(rows[keep], 900)
    values = np.zeros(len(cols))
    busy = rng.choice(len(cols), 25, replace=False)
    values[busy] = rng.poisson(3.0, size=25) + 1
    values[np.flatnonzero((cols == -15) & (rows == 503))] = 40
    values[-1] = 7
    order = rng.permutation(len(cols))
    return values[order], cols[order], rows[order]


@pytest.mark.parametrize("path", ["dense", "gaps closed", "pairs"])
@pytest.mark.parametrize("distance", [1, 3])
def test_every_way_of_summing_neighbourhoods_matches_the_naive_formula(monkeypatch, path, distance):
    """The neighbourhood sums are worked out on a dense grid, on one with the wide gaps closed
    (a stray cell far away), or pair by pair for cells too scattered for a grid: each gives the
    textbook Gi* on a lattice that is mostly empty, zero neighbourhoods included."""
    values, cols, rows = _sparse_lattice_with_empty_regions(7)
    if path == "dense":
        monkeypatch.setattr(gi_star, "_DENSE_MIN_CELLS", 10**9)
    elif path == "gaps closed":
        monkeypatch.setattr(gi_star, "_DENSE_MIN_CELLS", 0)
    else:
        monkeypatch.setattr(gi_star, "_DENSE_MIN_CELLS", 0)
        monkeypatch.setattr(gi_star, "_DENSE_CELLS_PER_CELL", 0)
    gi = getis_ord_gi_star(values, cols, rows, distance_cells=distance)
    expected = naive_gi_star(values.tolist(), cols.tolist(), rows.tolist(), distance)
    np.testing.assert_allclose(gi["gi_z"], expected, rtol=0, atol=1e-9)
    naive_k = [
        sum(1 for c, r in zip(cols, rows, strict=False) if abs(c - ci) <= distance and abs(r - ri) <= distance)
        for ci, ri in zip(cols, rows, strict=False)
    ]
    assert gi["neighbours"].tolist() == naive_k
    with pytest.raises(InvalidArgumentError, match=r"Cell \(col 300, row 900\) is listed more than once"):
        getis_ord_gi_star(np.append(values, 1.0), np.append(cols, 300), np.append(rows, 900), distance)


def test_closing_gaps_keeps_every_neighbourhood():
    index = np.array([5, -100, 7, 8, 1000, 1003, 5])
    for distance in (1, 2, 3):
        closed = gi_star._close_gaps(index, distance)
        near = np.abs(index[:, None] - index[None, :]) <= distance
        assert ((np.abs(closed[:, None] - closed[None, :]) <= distance) == near).all()
        assert (np.abs(closed[:, None] - closed[None, :])[near] == np.abs(index[:, None] - index[None, :])[near]).all()


def test_gi_bins_follow_arcgis_thresholds():
    # One busy cell on a 15 x 15 lattice: its block is hot at 99%; far cells are not significant.
    cols, rows = (a.ravel() for a in np.meshgrid(np.arange(15), np.arange(15)))
    values = np.zeros(len(cols))
    values[(cols == 7) & (rows == 7)] = 30
    values[(cols == 0) & (rows == 14)] = 1
    gi = getis_ord_gi_star(values, cols, rows)
    block = (abs(cols - 7) <= 1) & (abs(rows - 7) <= 1)
    assert (gi.loc[block, "hotspot_class"] == "Hot spot 99%").all()
    assert (gi.loc[block, "gi_bin"] == 3).all()
    assert (gi.loc[~block, "hotspot_class"] == "Not significant").all()
    assert set(gi["hotspot_class"]) <= set(HOTSPOT_CLASSES)
    # A cold spot: one empty cell among busy ones.
    values = np.full(len(cols), 10.0)
    values[block] = 0
    gi = getis_ord_gi_star(values, cols, rows)
    centre = np.flatnonzero((cols == 7) & (rows == 7))[0]
    assert gi.loc[centre, "hotspot_class"] == "Cold spot 99%"
    assert gi.loc[centre, "gi_bin"] == -3


@pytest.mark.parametrize("correction", ["fdr_bh", "bonferroni"])
def test_multiple_testing_correction_matches_statsmodels(correction):
    rng = np.random.default_rng(7)
    cols, rows = (a.ravel() for a in np.meshgrid(np.arange(20), np.arange(20)))
    values = rng.poisson(1.0, size=len(cols)).astype(float)
    values[(abs(cols - 5) <= 1) & (abs(rows - 12) <= 1)] += 4
    raw = getis_ord_gi_star(values, cols, rows)
    corrected = getis_ord_gi_star(values, cols, rows, correction=correction)
    np.testing.assert_array_equal(corrected["gi_z"], raw["gi_z"])
    np.testing.assert_array_equal(corrected["gi_p"], raw["gi_p"])
    expected = multipletests(raw["gi_p"], method=correction)[1]
    np.testing.assert_allclose(corrected["gi_p_adjusted"], expected, rtol=1e-12, atol=1e-15)
    assert corrected["hotspot_class"].tolist() == [
        naive_class(z, p) for z, p in zip(corrected["gi_z"], corrected["gi_p_adjusted"], strict=False)
    ]
    # A correction only ever removes significance.
    assert (corrected["gi_bin"].abs() <= raw["gi_bin"].abs()).all()
    assert (corrected["gi_bin"] != 0).sum() < (raw["gi_bin"] != 0).sum()


def test_correction_skips_undefined_cells():
    # The 3 x 3 example has one undefined cell: 8 tests, not 9.
    gi = getis_ord_gi_star(
        [9, 0, 0, 0, 0, 0, 0, 0, 0], [0, 1, 2] * 3, [0, 0, 0, 1, 1, 1, 2, 2, 2], correction="bonferroni"
    )
    defined = gi["gi_p"].notna()
    np.testing.assert_allclose(gi.loc[defined, "gi_p_adjusted"], np.minimum(gi.loc[defined, "gi_p"] * 8, 1))
    assert math.isnan(gi.loc[4, "gi_p_adjusted"])


def test_equal_counts_have_no_z():
    gi = getis_ord_gi_star([3, 3, 3, 3], [0, 1, 2, 3], [0, 0, 0, 0])
    assert gi["gi_z"].isna().all()
    assert (gi["hotspot_class"] == "Not significant").all()
    empty = getis_ord_gi_star([], [], [])
    assert empty.empty and "gi_z" in empty.columns


def test_gi_star_keeps_the_series_index_and_leaves_inputs_alone():
    counts = pd.Series([5.0, 0, 0, 1], index=["a", "b", "c", "d"])
    cells = pd.DataFrame({"col": [0, 1, 0, 1], "row": [0, 0, 1, 1]})
    before_counts, before_cells = counts.copy(), cells.copy()
    gi = getis_ord_gi_star(counts, cells["col"], cells["row"])
    assert gi.index.tolist() == ["a", "b", "c", "d"]
    pd.testing.assert_series_equal(counts, before_counts)
    pd.testing.assert_frame_equal(cells, before_cells)


@pytest.mark.parametrize(
    "arguments, message",
    [
        (dict(counts=[1, 2], cols=[0], rows=[0, 1]), "one cell index per count"),
        (dict(counts=[1, 2], cols=[0, 0], rows=[1, 1]), "listed more than once"),
        (dict(counts=[1, 2], cols=[0, 0.5], rows=[0, 0]), "whole-number cell indexes"),
        (dict(counts=[1, float("nan")], cols=[0, 1], rows=[0, 0]), "finite"),
        (dict(counts=[[1, 2]], cols=[0], rows=[0]), "one-dimensional"),
        (dict(counts=[1, 2], cols=[0, 1], rows=[0, 0], distance_cells=0), "from 1 to 10"),
        (dict(counts=[1, 2], cols=[0, 1], rows=[0, 0], distance_cells=1.5), "from 1 to 10"),
        (dict(counts=[1, 2], cols=[0, 1], rows=[0, 0], correction="holm"), "Valid choices: bonferroni, fdr_bh, none"),
    ],
)
def test_gi_star_rejects_bad_arguments(arguments, message):
    with pytest.raises(InvalidArgumentError, match=message) as caught:
        getis_ord_gi_star(**arguments)
    # Both the project's error family and the ValueError scientific code expects.
    assert isinstance(caught.value, AnalyticsError) and isinstance(caught.value, ValueError)


def test_arrays_are_the_columns_of_the_frame():
    rng = np.random.default_rng(11)
    cols, rows = (a.ravel() for a in np.meshgrid(np.arange(12), np.arange(9)))
    values = rng.poisson(1.5, size=len(cols)).astype(float)
    for correction in ("none", "fdr_bh", "bonferroni"):
        arrays = gi_star_arrays(values, cols, rows, distance_cells=2, correction=correction)
        frame = getis_ord_gi_star(values, cols, rows, distance_cells=2, correction=correction)
        assert list(arrays) == list(frame.columns[:-1])
        for column, values_of in arrays.items():
            np.testing.assert_array_equal(values_of, frame[column].to_numpy())
        assert frame["hotspot_class"].tolist() == class_names(arrays["gi_bin"]).tolist()


def test_class_names_read_gi_bin_hottest_first():
    assert class_names(np.arange(3, -4, -1)).tolist() == list(HOTSPOT_CLASSES)
    assert class_names(np.array([0]))[0] == NOT_SIGNIFICANT == "Not significant"


def test_gi_star_needs_no_store_and_no_geometry():
    code = (
        "import sys, analytics.analyses.gi_star; "
        "sys.exit(any(m in sys.modules for m in ('duckdb', 'shapely', 'pyproj', 'streamlit')))"
    )
    assert subprocess.run([sys.executable, "-c", code], cwd=ROOT).returncode == 0
