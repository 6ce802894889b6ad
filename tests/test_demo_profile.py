"""Tests for the fixed profiles of the SYNTHETIC extract (analytics.data.demo_profile)."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pytest

from analytics.core.errors import AnalyticsError
from analytics.core.vocabulary import EXTRACT_KEYWORDS
from analytics.data import demo_profile


def test_nirs_distribution_covers_every_keyword_and_sums_to_one():
    for probabilities in demo_profile.NIRS_DISTRIBUTION.values():
        assert math.isclose(sum(probabilities), 1.0)
    assert set(demo_profile.NIRS_DISTRIBUTION) == set(EXTRACT_KEYWORDS)


def test_rates_cover_every_month_weekday_and_hour():
    assert sorted(demo_profile.MONTH_RATE) == list(range(1, 13))
    assert len(demo_profile.WEEKDAY_RATE) == 7 and len(demo_profile.HOUR_WEIGHT) == 24


@pytest.mark.parametrize(
    ("weights", "total", "expected"),
    [
        ([1, 1, 1], 10, [4, 3, 3]),  # ties go to the earlier item
        ([0.5, 0.25, 0.25], 7, [3, 2, 2]),  # 3.5, 1.75, 1.75: the larger remainders first
        ([3, 0, 1], 0, [0, 0, 0]),
        ([2, 1], 3, [2, 1]),
    ],
)
def test_largest_remainder_splits_exactly(weights, total, expected):
    parts = demo_profile.largest_remainder(weights, total)
    assert parts.tolist() == expected and parts.sum() == total


@pytest.mark.parametrize(("weights", "total"), [([1, 2], -1), ([], 3), ([1, -1], 3), ([np.nan], 3), ([0, 0], 3)])
def test_largest_remainder_refuses_what_it_cannot_split(weights, total):
    with pytest.raises(AnalyticsError):
        demo_profile.largest_remainder(weights, total)


def test_daily_intensity_is_the_product_of_the_rates():
    days = demo_profile.daily_intensity(date(2018, 10, 1), date(2018, 11, 30))
    assert len(days) == 61 and days.index[0].date() == date(2018, 10, 1)
    halloween = days.loc["2018-10-31"]  # a Wednesday
    assert math.isclose(halloween, demo_profile.MONTH_RATE[10] * demo_profile.WEEKDAY_RATE[2] * 3.0)
    assert days.idxmax().date() in (date(2018, 10, 31), date(2018, 11, 5))
