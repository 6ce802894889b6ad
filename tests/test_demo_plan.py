"""Tests for the planning and input checks of the SYNTHETIC extract (analytics.data.demo_plan).

The plans are checked end to end through the generated extract in tests/test_demo.py; these
are the small checks that need no real inputs.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from analytics.core.errors import AnalyticsError
from analytics.data import demo_plan


@pytest.mark.parametrize("seed", [0, 7, np.int64(3)])
def test_check_seed_accepts_whole_numbers(seed):
    assert demo_plan.check_seed(seed) == int(seed)


@pytest.mark.parametrize("seed", [-1, 1.5, True, np.bool_(True), "1", None])
def test_check_seed_refuses_the_rest(seed):
    with pytest.raises(AnalyticsError, match="seed"):
        demo_plan.check_seed(seed)


def test_require_columns():
    demo_plan.require_columns(pd.DataFrame(columns=["a", "b"]), ["a"], "frame")
    with pytest.raises(AnalyticsError, match="missing the column"):
        demo_plan.require_columns(pd.DataFrame(columns=["a"]), ["a", "b"], "frame")
    with pytest.raises(AnalyticsError, match="DataFrame"):
        demo_plan.require_columns({"a": []}, ["a"], "frame")


def test_check_targets_wants_load_targets():
    with pytest.raises(AnalyticsError, match="load_targets"):
        demo_plan.check_targets({"2017-18": 10502})


def test_prepared_wards_are_checked_and_ordered():
    wards = pd.DataFrame(
        {
            "ward_code": ["E3", "E1", "E2"],
            "ward_name": ["C", "A", "B"],
            "district": ["Wyre Forest", "Bromsgrove", "Redditch"],
        }
    )
    assert demo_plan.prepared_wards(wards)["ward_code"].tolist() == ["E1", "E2", "E3"]
    with pytest.raises(AnalyticsError, match="no ward in"):
        demo_plan.prepared_wards(wards.iloc[:2])
    with pytest.raises(AnalyticsError, match="more than once"):
        demo_plan.prepared_wards(pd.concat([wards, wards.iloc[:1]]))


def test_extent_and_unpublished_years():
    assert (demo_plan.EXTRACT_START, demo_plan.EXTRACT_END) == (date(2015, 4, 1), date(2019, 8, 28))
    assert dict(demo_plan.UNPUBLISHED_YEAR_TOTALS) == {"2015-16": 10_300, "2016-17": 10_650}
    assert demo_plan.PART_YEAR == "2019-20"
