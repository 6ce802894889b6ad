"""analytics.analyses.districts: the district table on a tiny hand-made store (answers worked out by
hand in the comments)."""

from __future__ import annotations

from analytics.analyses.districts import districts_table
from analytics.core.selection import Selection
from tests.analysis_fixtures import FY2017, FY2018


def test_districts_by_hand(comparable_conn):
    table = districts_table(comparable_conn, Selection("extract"), FY2017, FY2018)
    assert table.district.tolist() == ["Redditch", "Bromsgrove", "Wyre Forest", "North Worcestershire"]
    total = table.iloc[-1]
    assert (total.count_a, total.count_b, total.percentage) == (5, 9, "80%")
    assert total.population_mid2018 == 98_662 + 84_989 + 101_062
