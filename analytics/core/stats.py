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
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from analytics.core.errors import AnalyticsError
from analytics.core.periods import as_count

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


def _as_exposure(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value) or value <= 0:
        raise AnalyticsError(
            f"{name} must be a positive number (e.g. months or population at risk); got {value!r}.",
            title="Invalid exposure",
        )
    return float(value)


def _check_alpha(alpha: object) -> float:
    # "not alpha < 1" also rejects NaN (numbers.Real declares only < and <=, hence this form).
    if isinstance(alpha, bool) or not isinstance(alpha, numbers.Real) or alpha <= 0 or not alpha < 1:
        raise AnalyticsError(
            f"alpha must be between 0 and 1 (e.g. 0.05); got {alpha!r}.", title="Invalid significance level"
        )
    return float(alpha)


def _sqrt_z(count_a: int, count_b: int, exposure_a: float, exposure_b: float) -> float:
    # sqrt(X/e) of a Poisson count X with exposure e has variance close to 1/(4e) whatever
    # the rate, so the difference of square-root rates divided by
    # sqrt(1/(4 e_a) + 1/(4 e_b)) is about N(0, 1) when the rates are equal.
    # For equal exposures of 1 this is sqrt(2) * (sqrt(b) - sqrt(a)).
    difference = math.sqrt(count_b / exposure_b) - math.sqrt(count_a / exposure_a)
    return difference / math.sqrt(1 / (4 * exposure_a) + 1 / (4 * exposure_b))


#: log(k!) for k below STIRLING_FROM, from the standard library; above, Stirling's series.
STIRLING_FROM = 20
_SMALL_LOG_FACTORIALS = np.array([math.lgamma(k + 1) for k in range(STIRLING_FROM)])
_HALF_LOG_TWO_PI = 0.5 * math.log(2 * math.pi)


def log_factorial(x: np.ndarray) -> np.ndarray:
    """log(x!) of whole numbers x >= 0 (as floats), to double precision, without SciPy.

    Not scipy.special.gammaln: importing SciPy took a sixth of a fresh server's first page, and
    every ward table needs this. For x >= STIRLING_FROM, Stirling's series to its 1/z**7 term
    (z = x + 1), whose remainder, below 1/(1188 z**9), is under 1e-15 of the result there;
    tests/test_stats.py checks it against math.lgamma from 0 to 10**7.
    """
    x = np.asarray(x, dtype=float)
    small = x < STIRLING_FROM
    z = np.where(small, STIRLING_FROM, x + 1.0)
    inverse = 1.0 / z
    inverse2 = inverse * inverse
    series = inverse * (1 / 12 - inverse2 * (1 / 360 - inverse2 * (1 / 1260 - inverse2 / 1680)))
    large = (z - 0.5) * np.log(z) - z + _HALF_LOG_TWO_PI + series
    return np.where(small, _SMALL_LOG_FACTORIALS[np.where(small, x, 0).astype(int)], large)


def _poisson_pmf(x: np.ndarray, mean: float) -> np.ndarray:
    # x log(mean), taken as 0 where x = 0 (scipy's xlogy): a mean of 0 puts all the weight on 0.
    with np.errstate(divide="ignore", invalid="ignore"):
        x_log_mean = np.where(x == 0, 0.0, x * math.log(mean) if mean > 0 else -np.inf)
    pmf: np.ndarray = np.exp(x_log_mean - mean - log_factorial(x))
    return pmf


def _poisson_window(mean: float) -> tuple[np.ndarray, int]:
    """P(X = x) for the whole numbers x within SPREAD_SD standard deviations (plus 30) of the mean,
    and the first of them: outside, the probability of all the others together is below 1e-40."""
    spread = SPREAD_SD * math.sqrt(mean) + 30
    first = max(0, int(math.floor(mean - spread)))
    return _poisson_pmf(np.arange(first, int(math.ceil(mean + spread)) + 1, dtype=float), mean), first


#: Width of the E-test's sum over x1, in standard deviations of the pooled Poisson mean.
SPREAD_SD = 14


def _e_test_p_value(k1: int, n1: float, k2: int, n2: float) -> float:
    """Two-sided E-test p-value (Krishnamoorthy & Thomson 2004, eq. 3.5 with d = 0), in O(sqrt k) time.

    The E-test sums P(x1) P(x2) under the pooled rate over every outcome whose pivot
    T = (x1/n1 - x2/n2) / sqrt(x1/n1**2 + x2/n2**2) is at least as extreme as the observed
    one. SciPy does that double sum cell by cell, which takes 15 ms at a ward's counts and far
    longer at a force's. For a fixed x1, T falls as x2 rises, and T**2 = t**2 is a quadratic in
    x2 whose roots bound the two tails, so each x1 needs two Poisson tail probabilities:
    x2 <= the lower root (T >= t) and x2 >= the upper root (T <= -t). Outcomes that tie with
    the observed one are kept (a small tolerance on the roots). tests/test_stats.py checks the
    result against the double sum done exactly and against a simulation.
    """
    pooled = (k1 + k2) / (n1 + n2)
    mean1, mean2 = n1 * pooled, n2 * pooled
    t2 = (k1 / n1 - k2 / n2) ** 2 / (k1 / n1**2 + k2 / n2**2)
    # Only x1 within SPREAD_SD standard deviations (plus 30) of its mean carry weight: the
    # probability of all the others together is below 1e-40. That makes the cost O(sqrt(k)), not
    # O(k): 10^6 incidents take 3 ms, not half a second. tests/test_stats.py checks the p-values
    # against the double sum done exactly; they agree to 1e-12 relative at a ward's counts and
    # 1e-9 at a million (the precision of log-probabilities in double precision, as SciPy's).
    pmf, first = _poisson_window(mean1)
    x1 = np.arange(first, first + len(pmf), dtype=float)
    a = x1 / n1
    # (a - y/n2)**2 - t2 * (x1/n1**2 + y/n2**2) = 0, as A y**2 + B y + C = 0
    quad_a = 1.0 / n2**2
    quad_b = -(2 * a / n2 + t2 / n2**2)
    quad_c = a**2 - t2 * x1 / n1**2
    root = np.sqrt(np.maximum(quad_b**2 - 4 * quad_a * quad_c, 0.0))
    low = np.floor((-quad_b - root) / (2 * quad_a) + 1e-7)
    high = np.ceil((-quad_b + root) / (2 * quad_a) - 1e-7)
    # The two tails of x2, P(x2 <= low) and P(x2 >= high), read off cumulative sums of x2's
    # probabilities over its own window (summed from the small end, so small tails keep their
    # precision): one vector of probabilities instead of two incomplete-gamma calls per x1,
    # a fifth of the time, which over a thousand wards is most of a table's time.
    pmf2, first2 = _poisson_window(mean2)
    last2 = first2 + len(pmf2) - 1
    at_most = np.cumsum(pmf2)  # P(x2 <= first2 + i)
    at_least = np.cumsum(pmf2[::-1])[::-1]  # P(x2 >= first2 + i)
    lower_tail = np.where(
        low < first2, 0.0, np.where(low >= last2, 1.0, at_most[np.clip(low - first2, 0, len(pmf2) - 1).astype(int)])
    )
    if first == 0:
        lower_tail[0] = 0.0  # x1 = 0: the only candidate is x2 = 0, whose T is 0/0, not extreme
    upper_tail = np.where(
        high > last2, 0.0, np.where(high <= first2, 1.0, at_least[np.clip(high - first2, 0, len(pmf2) - 1).astype(int)])
    )
    return float(np.sum(pmf * (lower_tail + upper_tail)))


def poisson_change_test(
    count_a: int, count_b: int, exposure_a: float = 1.0, exposure_b: float = 1.0, alpha: float = DEFAULT_ALPHA
) -> ChangeTest:
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
    count_a = as_count("count_a", count_a)
    count_b = as_count("count_b", count_b)
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
        p_value = min(_e_test_p_value(count_a, exposure_a, count_b, exposure_b), 1.0)
    return ChangeTest(
        count_a=count_a,
        count_b=count_b,
        z=_sqrt_z(count_a, count_b, exposure_a, exposure_b),
        p_value=p_value,
        significant=p_value < alpha,
        method=_method(alpha),
    )


def poisson_change_tests(
    counts_a: ArrayLike,
    counts_b: ArrayLike,
    exposure_a: ArrayLike = 1.0,
    exposure_b: ArrayLike = 1.0,
    alpha: float = DEFAULT_ALPHA,
) -> pd.DataFrame:
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
    index = counts_a.index if isinstance(counts_a, pd.Series) else None
    rows = _rows(counts_a, counts_b, exposure_a, exposure_b)
    labels = index if index is not None else range(len(rows[0]))
    tests = []
    for label, count_a, count_b, e_a, e_b in zip(labels, *rows, strict=False):
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


def _rows(
    counts_a: ArrayLike, counts_b: ArrayLike, exposure_a: ArrayLike, exposure_b: ArrayLike
) -> list[np.ndarray[Any, np.dtype[Any]]]:
    """The four inputs of :func:`poisson_change_tests` as equal-length rows, or a message."""
    if (
        isinstance(counts_a, pd.Series)
        and isinstance(counts_b, pd.Series)
        and not counts_a.index.equals(counts_b.index)
    ):
        # Pairing by position would silently compare different wards.
        raise AnalyticsError(
            "counts_a and counts_b have different indexes; align them first (e.g. counts_b.reindex(counts_a.index)).",
            title="Rows do not match",
        )
    try:
        rows = np.broadcast_arrays(
            *(np.asarray(values, dtype=object) for values in (counts_a, counts_b, exposure_a, exposure_b))
        )
    except ValueError:
        raise AnalyticsError(
            "counts_a, counts_b and the exposures must have the same length.", title="Rows do not match"
        ) from None
    if rows[0].ndim != 1:
        raise AnalyticsError(
            "counts_a and counts_b must be one-dimensional (one count per row).", title="Rows do not match"
        )
    return list(rows)
