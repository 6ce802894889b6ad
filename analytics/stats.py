"""Is a change in ASB counts between two periods more than chance?

Incident counts in a ward behave like Poisson counts: many independent incidents, each
unlikely on any given day. Their chance variation grows with the count (the standard
deviation of a Poisson count is its square root), so a change of a few incidents in a
small ward is noise while the same percentage change in a busy ward may not be.

The significance test is the E-test for two Poisson means of Krishnamoorthy & Thomson
(2004), two-sided. Alongside its p-value each test reports a signed effect size ``z``
on the square-root (variance-stabilising) scale, positive for a rise.

Reference: K. Krishnamoorthy and J. Thomson, "A more powerful test for comparing two
Poisson means", Journal of Statistical Planning and Inference 119 (2004) 23-35.
"""
from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy.stats import poisson_means_test

from analytics.errors import AnalyticsError

__all__ = [
    "DEFAULT_ALPHA",
    "SIGNIFICANCE_METHOD",
    "ChangeTest",
    "poisson_change_test",
    "poisson_change_tests",
]

#: Significance level: a change is called significant when p < DEFAULT_ALPHA.
DEFAULT_ALPHA = 0.05

#: Text a page can show to explain what "significant" means.
SIGNIFICANCE_METHOD = (
    "A change is called significant when the E-test for two Poisson means "
    "(Krishnamoorthy & Thomson, 2004), two-sided, gives p < "
    f"{DEFAULT_ALPHA:g}: a change of that size, up or down, would happen by chance "
    f"less than {DEFAULT_ALPHA:.0%} of the time if the underlying rate had not changed. "
    "ASB incident counts behave like Poisson counts, whose chance variation is about the "
    "square root of the count, so a change of a few incidents in a small ward is noise, "
    "while the same percentage change in a busy ward may be real. "
    "z is the change on the square-root scale (about -2 or below, or 2 or above, "
    "is unusual); it is positive for a rise."
)


def _method(alpha: float) -> str:
    return f"E-test for two Poisson means (Krishnamoorthy & Thomson 2004), two-sided, alpha {alpha:g}"


@dataclass(frozen=True)
class ChangeTest:
    """The result of testing the change from ``count_a`` (earlier) to ``count_b`` (later).

    Attributes
    ----------
    count_a, count_b : int
        Incidents in period A and period B.
    z : float
        Signed effect size, standard normal units under equal rates; positive for a rise.
    p_value : float
        Two-sided E-test p-value, between 0 and 1.
    significant : bool
        ``p_value < alpha``.
    method : str
        The test and significance level used, for footnotes.
    """

    count_a: int
    count_b: int
    z: float
    p_value: float
    significant: bool
    method: str


def _as_count(name: str, value: object) -> int:
    """A count of incidents as an int; whole-valued floats (from pandas) are allowed."""
    # True/False are ints to Python, but as a count they are a mistake.
    if isinstance(value, bool):
        whole = False
    elif isinstance(value, numbers.Integral):
        whole = True
    else:
        whole = (isinstance(value, numbers.Real) and math.isfinite(value)
                 and float(value).is_integer())
    if not whole:
        raise AnalyticsError(f"{name} must be a whole number of incidents; got {value!r}.",
                             title="Not a count")
    count = int(value)
    if count < 0:
        raise AnalyticsError(f"{name} must be 0 or more; got {count}.", title="Negative count")
    return count


def _as_exposure(name: str, value: object) -> float:
    if (isinstance(value, bool) or not isinstance(value, numbers.Real)
            or not math.isfinite(value) or value <= 0):
        raise AnalyticsError(
            f"{name} must be a positive number (e.g. months or population at risk); got {value!r}.",
            title="Invalid exposure")
    return float(value)


def _check_alpha(alpha: object) -> float:
    # "not (0 < alpha < 1)" also rejects NaN.
    if isinstance(alpha, bool) or not isinstance(alpha, numbers.Real) or not 0 < alpha < 1:
        raise AnalyticsError(f"alpha must be between 0 and 1 (e.g. 0.05); got {alpha!r}.",
                             title="Invalid significance level")
    return float(alpha)


def _sqrt_z(count_a: int, count_b: int, exposure_a: float, exposure_b: float) -> float:
    # sqrt(X/e) of a Poisson count X with exposure e has variance close to 1/(4e) whatever
    # the rate, so the difference of square-root rates divided by
    # sqrt(1/(4 e_a) + 1/(4 e_b)) is about N(0, 1) when the rates are equal.
    # For equal exposures of 1 this is sqrt(2) * (sqrt(b) - sqrt(a)).
    difference = math.sqrt(count_b / exposure_b) - math.sqrt(count_a / exposure_a)
    return difference / math.sqrt(1 / (4 * exposure_a) + 1 / (4 * exposure_b))


def poisson_change_test(count_a: int, count_b: int, exposure_a: float = 1.0,
                        exposure_b: float = 1.0, alpha: float = DEFAULT_ALPHA) -> ChangeTest:
    """Test whether the rate behind ``count_b`` differs from the rate behind ``count_a``.

    Parameters
    ----------
    count_a, count_b : int
        Incidents in period A (earlier) and period B (later); whole numbers, 0 or more.
    exposure_a, exposure_b : float
        Size of each period in any common unit (months, years, resident-years). Only
        their ratio matters; leave both at 1.0 to compare periods of equal length.
    alpha : float
        Significance level, strictly between 0 and 1.

    Returns
    -------
    ChangeTest
        ``p_value`` from the two-sided E-test, ``significant`` when ``p_value < alpha``, and
        ``z`` the signed square-root effect size (see :data:`SIGNIFICANCE_METHOD`). Equal
        observed rates, including two zero counts, give ``p_value = 1``; two zero counts
        give ``z = 0``.

    Raises
    ------
    AnalyticsError
        A negative or fractional count, a non-positive exposure, or alpha outside (0, 1).
    """
    count_a = _as_count("count_a", count_a)
    count_b = _as_count("count_b", count_b)
    exposure_a = _as_exposure("exposure_a", exposure_a)
    exposure_b = _as_exposure("exposure_b", exposure_b)
    alpha = _check_alpha(alpha)

    if math.isclose(count_a * exposure_b, count_b * exposure_a, rel_tol=1e-12):
        # Equal observed rates (both counts zero included): the observed statistic is 0,
        # every possible outcome is at least as extreme, so p = 1. SciPy would instead
        # leave out the outcome (0, 0), whose statistic is 0/0, and report 1 - P(0, 0),
        # e.g. 0.86 for 1 incident against 1.
        p_value = 1.0
    else:
        # SciPy's argument order is (k1, n1, k2, n2): each count followed by its exposure.
        # It sums the paper's eq. (3.5) in floating point, leaving out outcomes beyond the
        # 1e-10 tails (p low by a few 1e-10) and now and then dropping an outcome whose
        # statistic ties exactly with the observed one (3 against 9 gives 0.0868386, exactly
        # 0.0868440). Both are far too small to matter at alpha = 0.05; tests/test_stats.py
        # checks the p-values against the double sum done exactly.
        result = poisson_means_test(count_a, exposure_a, count_b, exposure_b,
                                    alternative="two-sided")
        # The p-value is a sum of many probabilities; keep rounding from pushing it past 1.
        p_value = min(float(result.pvalue), 1.0)
    return ChangeTest(
        count_a=count_a,
        count_b=count_b,
        z=_sqrt_z(count_a, count_b, exposure_a, exposure_b),
        p_value=p_value,
        significant=p_value < alpha,
        method=_method(alpha),
    )


def poisson_change_tests(counts_a: ArrayLike, counts_b: ArrayLike, exposure_a: ArrayLike = 1.0,
                         exposure_b: ArrayLike = 1.0, alpha: float = DEFAULT_ALPHA) -> pd.DataFrame:
    """:func:`poisson_change_test` for every row of a table (e.g. one row per ward).

    Parameters
    ----------
    counts_a, counts_b : array-like of int
        Incidents per row in period A and period B, matched by position. If both are
        pandas Series they must have the same index.
    exposure_a, exposure_b : float or array-like of float
        As in :func:`poisson_change_test`; a single number applies to every row.
    alpha : float
        Significance level, strictly between 0 and 1.

    Returns
    -------
    pandas.DataFrame
        Columns ``z`` (float), ``p_value`` (float) and ``significant`` (bool), one row per
        input row, indexed like ``counts_a`` when it is a Series (so it joins back to
        the ward table) and 0..n-1 otherwise.
    """
    if (isinstance(counts_a, pd.Series) and isinstance(counts_b, pd.Series)
            and not counts_a.index.equals(counts_b.index)):
        # Pairing by position would silently compare different wards.
        raise AnalyticsError("counts_a and counts_b have different indexes; align them first "
                             "(e.g. counts_b.reindex(counts_a.index)).", title="Rows do not match")
    index = counts_a.index if isinstance(counts_a, pd.Series) else None
    try:
        rows = np.broadcast_arrays(*(np.asarray(values, dtype=object)
                                     for values in (counts_a, counts_b, exposure_a, exposure_b)))
    except ValueError:
        raise AnalyticsError("counts_a, counts_b and the exposures must have the same length.",
                             title="Rows do not match") from None
    if rows[0].ndim != 1:
        raise AnalyticsError("counts_a and counts_b must be one-dimensional (one count per row).",
                             title="Rows do not match")
    labels = index if index is not None else range(len(rows[0]))
    tests = []
    for label, count_a, count_b, e_a, e_b in zip(labels, *rows):
        try:
            tests.append(poisson_change_test(count_a, count_b, e_a, e_b, alpha))
        except AnalyticsError as error:
            # Name the row, so a bad ward in a table of thirty can be found.
            raise AnalyticsError(f"Row {label!r}: {error.message}", title=error.title) from None
    frame = pd.DataFrame(
        {
            "z": [t.z for t in tests],
            "p_value": [t.p_value for t in tests],
            "significant": [t.significant for t in tests],
        },
        index=index,
    )
    # Explicit dtypes so an empty table still has float and bool columns.
    return frame.astype({"z": float, "p_value": float, "significant": bool})
