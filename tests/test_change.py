"""analytics/core/change.py: periods of different lengths compared per month (per_month_change)."""

from __future__ import annotations

import pandas as pd
import pytest

from analytics.core.change import add_change_columns, per_month_change, withhold_change
from analytics.core.disclosure import COLUMNS, Kind, suppress, undeclared
from analytics.core.stats import poisson_change_test
from analytics.core.table_meta import PeriodCoverage, TableMeta, meta_of, with_meta

ONE_MONTH = PeriodCoverage("Jan 2025", 1)
TWELVE_MONTHS = PeriodCoverage("2024", 12)


def _table(counts_a, counts_b, a=TWELVE_MONTHS, b=ONE_MONTH, **meta) -> pd.DataFrame:
    frame = pd.DataFrame(
        {"ward_name": [f"w{i}" for i in range(len(counts_a))], "count_a": counts_a, "count_b": counts_b}
    )
    return with_meta(add_change_columns(frame), TableMeta(period_a=a, period_b=b, **meta))


def test_a_month_against_a_year_is_compared_per_month():
    # 120 in a year is 10 a month; 14 in one month is 14 a month: +40%, not the counts' -88%.
    table = _table([120], [14])
    assert table.loc[0, "percentage"] == "-88%"  # what the counts alone would say
    out = per_month_change(table)
    row = out.iloc[0]
    assert (row.count_a, row.count_b) == (120, 14)  # counts stay counts
    assert (row.per_month_a, row.per_month_b) == (10.0, 14.0)
    assert (row.difference, row["pct_change"], row.percentage) == (4.0, 40, "40%")
    test = poisson_change_test(120, 14, exposure_a=12, exposure_b=1)
    assert (row.z, row.p_value, bool(row.significant)) == (round(test.z, 2), round(test.p_value, 4), test.significant)
    assert list(out.columns[:5]) == ["ward_name", "count_a", "count_b", "per_month_a", "per_month_b"]


def test_the_issue_case_is_no_longer_a_significant_rise():
    # 12 in a year against 14 in one month read +17% on counts; per month it is 1.0 against 14.0.
    out = per_month_change(_table([12], [14]))
    assert out.loc[0, "percentage"] == "1300%"
    # and a month against the same month's rate over a year is no change at all
    flat = per_month_change(_table([120], [10])).iloc[0]
    assert (flat.difference, flat.percentage, bool(flat.significant)) == (0.0, "0%", False)


def test_rates_and_changes_round_half_up_exactly():
    # 1 in 4 months is 0.25 a month: half up gives 0.3 (Python's round would give 0.2).
    out = per_month_change(_table([1], [3], a=PeriodCoverage("Jan–Apr 2025", 4), b=PeriodCoverage("2024", 12)))
    row = out.iloc[0]
    assert (row.per_month_a, row.per_month_b) == (0.3, 0.3)
    # 3/12 - 1/4 = 0 exactly: the difference and percentage come from the counts, not the rounded rates
    assert (row.difference, row["pct_change"], row.percentage) == (0.0, 0, "0%")
    nothing_before = per_month_change(_table([0, 0], [5, 0])).iloc[:2]
    assert nothing_before.percentage.tolist() == ["new", "n/a"]
    assert nothing_before["pct_change"].isna().all()


def test_the_notes_say_it_and_withheld_changes_stay_withheld():
    out = per_month_change(_table([120], [14]))
    assert meta_of(out).method.startswith("compared per month: A has 12 months, B has 1")
    hotspot_like = _table([120], [14], method="Gi* with FDR")
    assert meta_of(per_month_change(hotspot_like)).method.startswith("Gi* with FDR; compared per month")
    lacking = PeriodCoverage("2024", 12, ("2024-05", "2024-06"))
    missing = per_month_change(_table([120], [14], a=lacking, not_comparable="Not comparable: months missing"))
    assert missing[["difference", "pct_change", "percentage", "z", "p_value", "significant"]].isna().all().all()
    assert missing.loc[0, "per_month_a"] == 10.0  # a rate of one period is still true
    # Different lengths alone: comparison_meta calls the counts not comparable; per month they are.
    unequal = per_month_change(_table([120], [14], not_comparable="Not comparable: 2024 has 12 months"))
    assert unequal.loc[0, "percentage"] == "40%" and not meta_of(unequal).not_comparable


def test_the_mean_of_two_unequal_periods_is_not_given():
    table = _table([120], [14])
    table["mean"] = pd.array([67], dtype="Int64")
    table["mean_percentage"] = ["100%"]
    out = per_month_change(table)
    assert out[["mean", "mean_percentage"]].isna().all().all()


def test_a_year_and_five_months_of_the_next_have_no_mean():
    # The extract holds Apr-Aug 2019 of 2019-20: (5320 + 2039) / 2 = 3680 would be neither year's.
    full, part = PeriodCoverage("2018-19", 12), PeriodCoverage("2019-20", 12, ("2019-09", "2019-10"))
    table = _table([5320], [2039], a=full, b=part)
    table["mean"], table["mean_pct"], table["mean_percentage"] = pd.array([3680], dtype="Int64"), 100, "100%"
    withheld = withhold_change(table, meta_of(table).with_(not_comparable="Not comparable: months missing"))
    assert withheld[["difference", "mean", "mean_pct", "mean_percentage"]].isna().all().all()
    assert withheld[["count_a", "count_b"]].values.tolist() == [[5320, 2039]]  # the counts are still true
    assert withhold_change(table, meta_of(table))["mean"].tolist() == [3680]  # like for like: kept


def test_a_table_of_one_period_is_refused():
    with pytest.raises(ValueError, match="two periods"):
        per_month_change(with_meta(add_change_columns(pd.DataFrame({"count_a": [1], "count_b": [2]})), TableMeta()))


def test_per_month_columns_are_declared_and_hidden_with_their_count():
    assert COLUMNS["per_month_a"].kind is Kind.DERIVED and COLUMNS["per_month_a"].rests_on == ("count_a",)
    assert COLUMNS["per_month_b"].rests_on == ("count_b",)
    out = per_month_change(_table([3, 120], [14, 2]))
    assert undeclared(out) == []
    public = suppress(out, 5)
    assert public.loc[0, "count_a"] == "<5" and public.loc[0, "per_month_a"] == ""
    assert public.loc[0, "per_month_b"] == 14.0  # period B's rate rests on its own count alone
    assert public.loc[1, "per_month_b"] == "" and public.loc[1, "per_month_a"] == 10.0
