"""Tests for analytics.core.stats: the E-test for a change between two Poisson counts.

The p-values are checked against two computations that do not use SciPy: the E-test's
double sum written out from the paper, and a seeded simulation under the null hypothesis.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from analytics.core.errors import AnalyticsError
from analytics.core.stats import (
    DEFAULT_ALPHA,
    SIGNIFICANCE_METHOD,
    STIRLING_FROM,
    ChangeTest,
    log_factorial,
    poisson_change_test,
    poisson_change_tests,
)

# Redditch wards, ASB incidents in 2017-18 and 2018-19 (Crime & Disorder Scrutiny Panel,
# 25 September 2019), with the E-test p-value and significance at alpha = 0.05.
REDDITCH_WARDS = [
    # ward, 2017-18, 2018-19, p-value, significant
    ("Abbey", 603, 562, 0.22987, False),
    ("Headless Cross and Oakenshaw", 223, 267, 0.046874, True),
    ("Crabbs Cross", 91, 107, 0.25676, False),
    ("Matchborough", 286, 203, 0.00017005, True),
    ("Winyates", 349, 256, 0.00015399, True),
    ("Batchley and Brockhill", 391, 309, 0.0019348, True),
    ("Lodge Park", 200, 207, 0.72977, False),
]

# SciPy leaves out outcomes beyond the 1e-10 tails of each Poisson distribution, so its
# p-values are low by up to a few 1e-10; the double sum here runs much further out.
SCIPY_TAIL_TOLERANCE = 1e-9


# ---------------------------------------------------------------------------
# Independent computations of the E-test p-value (no SciPy)
# ---------------------------------------------------------------------------


def _poisson_pmf(mean: float, lowest: int, highest: int) -> np.ndarray:
    """P(X = x) for x = lowest..highest, X ~ Poisson(mean), from logs to avoid overflow."""
    return np.array([math.exp(x * math.log(mean) - mean - math.lgamma(x + 1)) for x in range(lowest, highest + 1)])


def _squared_pivot_parts(x1, x2, n1: int, n2: int):
    """Numerator and denominator of T**2 for the pivot T of paper eq. (3.3), as integers.

    T = (x1/n1 - x2/n2) / sqrt(x1/n1**2 + x2/n2**2); multiplying through by n1*n2 gives
    T**2 = (x1*n2 - x2*n1)**2 / (x1*n2**2 + x2*n1**2). Comparing |T| by cross-multiplying
    these integers is exact, so outcomes that tie with the observed one are never lost
    to floating-point error.
    """
    return (x1 * n2 - x2 * n1) ** 2, x1 * n2**2 + x2 * n1**2


def _at_least_as_extreme(x1, x2, k1: int, k2: int, n1: int, n2: int):
    """Indicator I[|T(x1, x2)| >= |T(k1, k2)|]; T(0, 0) is 0/0 and counts as 0 (no difference)."""
    numerator, denominator = _squared_pivot_parts(x1, x2, n1, n2)
    observed_numerator, observed_denominator = _squared_pivot_parts(k1, k2, n1, n2)
    outcome_is_zero_zero = denominator == 0
    return np.where(
        outcome_is_zero_zero,
        observed_numerator == 0,
        numerator * observed_denominator >= observed_numerator * denominator,
    )


def e_test_p_value_by_double_sum(k1: int, k2: int, n1: int = 1, n2: int = 1) -> float:
    """Krishnamoorthy & Thomson (2004) eq. (3.5) with d = 0, summed directly.

    Under H0 both rates equal the pooled estimate lambda = (k1 + k2) / (n1 + n2) (3.4);
    the p-value is the sum over all outcomes (x1, x2) of
    Poisson(x1; n1*lambda) * Poisson(x2; n2*lambda) where |T(x1, x2)| >= |T(k1, k2)|.
    The sums run 12 standard deviations (plus 20) either side of each mean; the mass left
    out is far below 1e-15.
    """
    pooled_rate = (k1 + k2) / (n1 + n2)
    if pooled_rate == 0:
        return 1.0  # the paper: the null hypothesis cannot be rejected
    ranges = []
    for exposure in (n1, n2):
        mean = exposure * pooled_rate
        spread = 12 * math.sqrt(mean) + 20
        ranges.append((max(0, math.floor(mean - spread)), math.ceil(mean + spread)))
    (low1, high1), (low2, high2) = ranges
    x1 = np.arange(low1, high1 + 1, dtype=np.int64)[None, :]
    x2 = np.arange(low2, high2 + 1, dtype=np.int64)[:, None]
    probability = (
        _poisson_pmf(n2 * pooled_rate, low2, high2)[:, None] * _poisson_pmf(n1 * pooled_rate, low1, high1)[None, :]
    )
    return float(probability[_at_least_as_extreme(x1, x2, k1, k2, n1, n2)].sum())


def e_test_p_value_by_simulation(k1: int, k2: int, draws: int, seed: int) -> tuple[float, float]:
    """The E-test p-value (equal exposures) estimated by simulating under H0; also its standard error."""
    rng = np.random.default_rng(seed)
    pooled_rate = (k1 + k2) / 2
    x1 = rng.poisson(pooled_rate, draws).astype(np.int64)
    x2 = rng.poisson(pooled_rate, draws).astype(np.int64)
    p = float(_at_least_as_extreme(x1, x2, k1, k2, 1, 1).mean())
    return p, math.sqrt(p * (1 - p) / draws)


def test_the_double_sum_reproduces_a_hand_worked_case():
    # 0 incidents then 1. Pooled rate 0.5 per period, so under H0 the total N = x1 + x2 is
    # Poisson(1) and, given N, x1 is Binomial(N, 1/2). T = (x1 - x2) / sqrt(N) and the
    # observed |T| is 1. The outcomes NOT as extreme, by N:
    #   N=0: (0, 0), T = 0 ............................... probability 1
    #   N=1: |T| = 1 always ............................... 0
    #   N=2: (1, 1) .......................................  2/4 = 1/2
    #   N=3: |x1 - x2| = 1 < sqrt(3) ......................  6/8 = 3/4
    #   N=4: (2, 2); |diff| = 2 = sqrt(4) counts as extreme  6/16 = 3/8
    #   N=5: |diff| = 1 ................................... 20/32 = 5/8
    #   N=6: |diff| = 0 or 2 < sqrt(6) .................... 50/64
    #   N=7: |diff| = 1 ................................... 70/128
    # p = 1 - e^-1 (1 + 0 + 1/2/2! + 3/4/3! + 3/8/4! + 5/8/5! + 50/64/6! + 70/128/7!)
    #   = 1 - 0.3678794 * 1.3971003 = 0.486063; N >= 8 changes it by less than 1e-5.
    hand_worked = 1 - math.exp(-1) * (
        1 + 0 + (1 / 2) / 2 + (3 / 4) / 6 + (3 / 8) / 24 + (5 / 8) / 120 + (50 / 64) / 720 + (70 / 128) / 5040
    )
    assert hand_worked == pytest.approx(0.486063, abs=1e-6)
    assert e_test_p_value_by_double_sum(0, 1) == pytest.approx(hand_worked, abs=1e-5)
    assert poisson_change_test(0, 1).p_value == pytest.approx(hand_worked, abs=1e-5)


# ---------------------------------------------------------------------------
# The Redditch wards, 2017-18 to 2018-19
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("ward, count_a, count_b, p_value, significant", REDDITCH_WARDS)
def test_redditch_wards(ward, count_a, count_b, p_value, significant):
    result = poisson_change_test(count_a, count_b)
    assert result.p_value == pytest.approx(p_value, rel=1e-4)
    assert result.significant is significant
    assert (result.count_a, result.count_b) == (count_a, count_b)
    # The sign of z follows the direction of the change.
    assert math.copysign(1, result.z) == math.copysign(1, count_b - count_a)


@pytest.mark.parametrize("ward, count_a, count_b, p_value, significant", REDDITCH_WARDS)
def test_redditch_p_values_match_the_double_sum(ward, count_a, count_b, p_value, significant):
    assert poisson_change_test(count_a, count_b).p_value == pytest.approx(
        e_test_p_value_by_double_sum(count_a, count_b), abs=SCIPY_TAIL_TOLERANCE
    )


@pytest.mark.parametrize(
    "ward, count_a, count_b",
    [("Headless Cross and Oakenshaw", 223, 267), ("Crabbs Cross", 91, 107), ("Batchley and Brockhill", 391, 309)],
)
def test_redditch_p_values_match_a_simulation_under_h0(ward, count_a, count_b):
    simulated, standard_error = e_test_p_value_by_simulation(count_a, count_b, draws=400_000, seed=20190925)
    assert poisson_change_test(count_a, count_b).p_value == pytest.approx(simulated, abs=4 * standard_error)


def test_headless_cross_is_significant_at_5_percent_but_not_at_1_percent():
    # p = 0.047: a borderline rise, which alpha decides.
    assert poisson_change_test(223, 267).significant
    strict = poisson_change_test(223, 267, alpha=0.01)
    assert not strict.significant
    assert "alpha 0.01" in strict.method


def test_same_percentage_change_depends_on_the_size_of_the_ward():
    # +18% in a ward of 91 is within chance; +18% in a ward ten times the size is not.
    assert not poisson_change_test(91, 107).significant
    assert poisson_change_test(910, 1070).significant


# ---------------------------------------------------------------------------
# More p-values against the double sum, including unequal exposures
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "count_a, count_b, exposure_a, exposure_b",
    [
        (0, 1, 1, 1),
        (0, 4, 1, 1),
        (5, 0, 1, 1),
        (12, 30, 1, 1),
        (50, 200, 1, 2),
        (40, 20, 3, 1),
        (7, 7, 1, 2),
        (1000, 1100, 1, 1),
        # a district's counts: the sum over x1 is cut to 14 standard deviations, the double sum to 12
        (10000, 10300, 1, 1),
        (4000, 9000, 1, 2),
    ],
)
def test_p_values_match_the_double_sum(count_a, count_b, exposure_a, exposure_b):
    assert poisson_change_test(count_a, count_b, exposure_a, exposure_b).p_value == pytest.approx(
        e_test_p_value_by_double_sum(count_a, count_b, exposure_a, exposure_b), abs=SCIPY_TAIL_TOLERANCE
    )


def test_p_value_with_outcomes_that_tie_with_the_observed_one():
    # 3 against 9: |T| = 6 / sqrt(12) = sqrt(3). The outcomes (18, 9) and (9, 18) tie exactly
    # (9 / sqrt(27) = sqrt(3)) and belong in the sum, but in floating point SciPy computes
    # their |T| one unit in the last place below the observed one and leaves them out, each
    # worth Poisson(18; 6) * Poisson(9; 6) = 2.7e-6. The exact p-value is 0.0868440.
    exact = e_test_p_value_by_double_sum(3, 9)
    assert exact == pytest.approx(0.0868440, abs=1e-7)
    assert poisson_change_test(3, 9).p_value == pytest.approx(exact, abs=1e-5)


def test_the_test_is_symmetric_in_the_two_periods():
    for count_a, count_b in [(223, 267), (0, 4), (12, 30)]:
        forward, backward = poisson_change_test(count_a, count_b), poisson_change_test(count_b, count_a)
        assert forward.p_value == pytest.approx(backward.p_value, rel=1e-12)
        assert forward.z == pytest.approx(-backward.z, rel=1e-12)


# ---------------------------------------------------------------------------
# z, the square-root effect size
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "count_a, count_b, exposure_a, exposure_b, z",
    [
        (100, 121, 1, 1, math.sqrt(2)),  # sqrt(2) * (11 - 10)
        (121, 100, 1, 1, -math.sqrt(2)),  # sqrt(2) * (10 - 11)
        (0, 4, 1, 1, 2 * math.sqrt(2)),  # sqrt(2) * (2 - 0)
        (9, 0, 1, 1, -3 * math.sqrt(2)),  # sqrt(2) * (0 - 3)
        (25, 25, 1, 1, 0.0),
        # Rates 50 and 100 a year: (sqrt(100) - sqrt(50)) / sqrt(1/4 + 1/8)
        #   = (10 - 7.0710678) / 0.6123724 = 4.7829262
        (50, 200, 1, 2, 4.7829262),
        # Exposures in months: 30 in 6 months against 30 in 12 is a halving of the rate,
        # (sqrt(2.5) - sqrt(5)) / sqrt(1/24 + 1/48) = (1.58113883 - 2.23606798) / 0.25
        (30, 30, 6, 12, -2.6197166),
    ],
)
def test_z_hand_worked(count_a, count_b, exposure_a, exposure_b, z):
    assert poisson_change_test(count_a, count_b, exposure_a, exposure_b).z == pytest.approx(z, abs=1e-7)


def test_z_for_abbey():
    # sqrt(2) * (sqrt(562) - sqrt(603)) = 1.4142136 * (23.7065392 - 24.5560583) = -1.2014015
    assert poisson_change_test(603, 562).z == pytest.approx(-1.2014015, abs=1e-7)


def test_z_depends_only_on_the_ratio_of_exposures():
    assert poisson_change_test(50, 200, 12, 24).z == pytest.approx(poisson_change_test(50, 200, 1, 2).z, rel=1e-12)


def test_z_is_roughly_standard_normal_under_equal_rates():
    rng = np.random.default_rng(7)
    counts_a, counts_b = rng.poisson(300, 20_000), rng.poisson(300, 20_000)
    z = math.sqrt(2) * (np.sqrt(counts_b) - np.sqrt(counts_a))
    assert abs(z.mean()) < 0.03
    assert z.std() == pytest.approx(1, abs=0.03)
    assert poisson_change_test(int(counts_a[0]), int(counts_b[0])).z == pytest.approx(z[0])


# ---------------------------------------------------------------------------
# Edge cases and refusals
# ---------------------------------------------------------------------------


def test_both_counts_zero():
    assert poisson_change_test(0, 0) == ChangeTest(
        count_a=0,
        count_b=0,
        z=0.0,
        p_value=1.0,
        significant=False,
        method="E-test for two Poisson means (Krishnamoorthy & Thomson 2004), two-sided, alpha 0.05",
    )


@pytest.mark.parametrize(
    "count_a, count_b, exposure_a, exposure_b",
    [(1, 1, 1, 1), (5, 5, 1, 1), (300, 300, 1, 1), (7, 14, 1, 2), (3, 9, 1.5, 4.5)],
)
def test_equal_observed_rates_give_p_of_one(count_a, count_b, exposure_a, exposure_b):
    result = poisson_change_test(count_a, count_b, exposure_a, exposure_b)
    assert result.p_value == 1.0
    assert result.z == pytest.approx(0, abs=1e-12)
    assert not result.significant


def test_from_zero_a_handful_of_incidents_can_be_significant():
    assert not poisson_change_test(0, 3).significant
    assert poisson_change_test(0, 4).significant


def test_whole_valued_floats_and_numpy_integers_are_counts():
    expected = poisson_change_test(223, 267)
    assert poisson_change_test(223.0, np.int64(267)) == expected
    assert type(poisson_change_test(223.0, np.int64(267)).count_a) is int


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(count_a=-1, count_b=5), "count_a must be 0 or more"),
        (dict(count_a=5, count_b=-3), "count_b must be 0 or more"),
        (dict(count_a=2.5, count_b=5), "count_a must be a whole number"),
        (dict(count_a=float("nan"), count_b=5), "count_a must be a whole number"),
        (dict(count_a=None, count_b=5), "count_a must be a whole number"),
        (dict(count_a=True, count_b=5), "count_a must be a whole number"),
        (dict(count_a=1, count_b=5, alpha=0), "alpha must be between 0 and 1"),
        (dict(count_a=1, count_b=5, alpha=1), "alpha must be between 0 and 1"),
        (dict(count_a=1, count_b=5, alpha=1.5), "alpha must be between 0 and 1"),
        (dict(count_a=1, count_b=5, alpha=-0.05), "alpha must be between 0 and 1"),
        (dict(count_a=1, count_b=5, alpha=float("nan")), "alpha must be between 0 and 1"),
        (dict(count_a=1, count_b=5, exposure_a=0), "exposure_a must be a positive number"),
        (dict(count_a=1, count_b=5, exposure_b=-2), "exposure_b must be a positive number"),
        (dict(count_a=1, count_b=5, exposure_b=float("inf")), "exposure_b must be a positive number"),
    ],
)
def test_bad_arguments_are_refused(kwargs, message):
    with pytest.raises(AnalyticsError, match=message):
        poisson_change_test(**kwargs)


def test_significance_method_explains_itself():
    for words in ("E-test", "Krishnamoorthy & Thomson", "two-sided", "p < 0.05", "Poisson", "small ward", "noise"):
        assert words in SIGNIFICANCE_METHOD
    assert DEFAULT_ALPHA == 0.05


# ---------------------------------------------------------------------------
# The vectorised form for ward tables
# ---------------------------------------------------------------------------


def test_poisson_change_tests_matches_the_single_test_row_by_row():
    wards = pd.DataFrame(REDDITCH_WARDS, columns=["ward", "fy2017_18", "fy2018_19", "p", "sig"])
    wards = wards.set_index("ward")
    result = poisson_change_tests(wards["fy2017_18"], wards["fy2018_19"])
    assert list(result.columns) == ["z", "p_value", "significant"]
    assert result.index.equals(wards.index)
    assert result["z"].dtype == float and result["p_value"].dtype == float
    assert result["significant"].dtype == bool
    for ward, row in wards.iterrows():
        single = poisson_change_test(row["fy2017_18"], row["fy2018_19"])
        assert result.loc[ward, "z"] == single.z
        assert result.loc[ward, "p_value"] == single.p_value
        assert result.loc[ward, "significant"] == single.significant
    assert result["significant"].tolist() == wards["sig"].tolist()


def test_poisson_change_tests_with_lists_and_per_row_exposures():
    result = poisson_change_tests([50, 0, 7], [200, 0, 14], exposure_a=1, exposure_b=[2, 1, 2])
    assert list(result.index) == [0, 1, 2]
    assert result.loc[0, "z"] == pytest.approx(4.7829262, abs=1e-7)
    assert result.loc[0, "significant"]
    assert result.loc[1, "p_value"] == 1.0 and result.loc[2, "p_value"] == 1.0


def test_poisson_change_tests_uses_alpha():
    result = poisson_change_tests([223, 286], [267, 203], alpha=0.01)
    assert result["significant"].tolist() == [False, True]


def test_poisson_change_tests_of_an_empty_table():
    result = poisson_change_tests([], [])
    assert result.empty
    assert list(result.columns) == ["z", "p_value", "significant"]
    assert result["significant"].dtype == bool


def test_poisson_change_tests_refuses_series_with_different_wards():
    counts_a = pd.Series([603, 223], index=["Abbey", "Headless Cross and Oakenshaw"])
    counts_b = pd.Series([267, 562], index=["Headless Cross and Oakenshaw", "Abbey"])
    with pytest.raises(AnalyticsError, match="different indexes"):
        poisson_change_tests(counts_a, counts_b)
    # Aligned first, it works and pairs the right wards.
    result = poisson_change_tests(counts_a, counts_b.reindex(counts_a.index))
    assert result.loc["Abbey", "p_value"] == poisson_change_test(603, 562).p_value


def test_poisson_change_tests_refuses_different_lengths():
    with pytest.raises(AnalyticsError, match="same length"):
        poisson_change_tests([1, 2, 3], [1, 2])


def test_poisson_change_tests_refuses_tables_that_are_not_one_column():
    with pytest.raises(AnalyticsError, match="one-dimensional"):
        poisson_change_tests(5, 7)


def test_poisson_change_tests_names_the_bad_row():
    counts_a = pd.Series([603, 200], index=["Abbey", "Lodge Park"])
    counts_b = pd.Series([562, -1], index=["Abbey", "Lodge Park"])
    with pytest.raises(AnalyticsError, match="Row 'Lodge Park': count_b must be 0 or more"):
        poisson_change_tests(counts_a, counts_b)


def test_log_factorial_matches_the_standard_library_to_double_precision():
    # Below Stirling's range every value is the standard library's; above, the series agrees
    # with it to a few units of the last place, up to ten million (a force's decade of counts).
    x = np.concatenate([np.arange(0, 5_000), np.arange(10**6 - 50, 10**6 + 50), [10**7]]).astype(float)
    expected = np.array([math.lgamma(v + 1) for v in x])
    got = log_factorial(x)
    assert np.array_equal(got[:STIRLING_FROM], expected[:STIRLING_FROM])
    assert np.max(np.abs(got - expected) / np.maximum(expected, 1.0)) < 2e-15
