"""analytics.analyses.wards: the ward table on a tiny hand-made store (answers worked out by hand in
the comments): change, rate per 1,000 and both boundary vintages."""

from __future__ import annotations

import pandas as pd
import pytest

from analytics.analyses.wards import ward_deltas
from analytics.core.selection import Selection
from analytics.core.table_meta import meta_of
from tests.analysis_fixtures import FY2017, FY2018


def test_ward_deltas_by_hand(comparable_conn):
    fixture_conn = comparable_conn
    table = ward_deltas(fixture_conn, Selection("extract", districts=("Redditch",)), FY2017, FY2018)
    rows = table.set_index("ward_name")
    assert len(table) == 13  # 12 Redditch WD22 wards and the Grand Total
    assert rows.loc["Abbey", ["count_a", "count_b", "difference", "pct_change", "percentage"]].tolist() == [
        3,
        5,
        2,
        67,
        "67%",
    ]  # 2/3 = 66.7% -> 67%
    assert rows.loc["Crabbs Cross", ["count_a", "count_b", "percentage"]].tolist() == [2, 0, "-100%"]
    assert rows.loc["West", ["count_a", "count_b", "difference", "percentage"]].tolist() == [0, 4, 4, "new"]
    assert pd.isna(rows.loc["West", "pct_change"])  # no percentage from zero, never inf
    assert rows.loc["Lodge Park", ["count_a", "count_b", "percentage"]].tolist() == [0, 0, "n/a"]
    assert rows.loc["Grand Total", ["count_a", "count_b", "difference", "percentage"]].tolist() == [5, 9, 4, "80%"]
    assert rows.loc["Abbey", "small_numbers"] and not rows.loc["Abbey", "significant"]
    assert meta_of(table).boundaries == "WD22" and "SYNTHETIC" in meta_of(table).source
    # Rate per 1,000: Abbey's mid-2018 population through the ONS best-fit lookup is 6,425.
    assert rows.loc["Abbey", "population_mid2018"] == 6425
    assert rows.loc["Abbey", "rate_b_per_1000"] == pytest.approx(0.8)  # 5 / 6425 * 1000 = 0.778


def test_ward_deltas_in_the_other_vintage(fixture_conn):
    table = ward_deltas(fixture_conn, Selection("extract", districts=("Redditch",), boundaries="wd25"), FY2017, FY2018)
    assert len(table) == 10  # 9 WD25 wards and the Grand Total
    assert meta_of(table).boundaries == "WD25"
