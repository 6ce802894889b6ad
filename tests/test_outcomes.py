"""Crime outcomes (analytics/analyses/outcomes.py): the share of each crime type by police.uk's last
outcome category, on the embedded police.uk data."""

from __future__ import annotations

import pytest

from analytics.analyses.outcomes import CAVEAT, NO_OUTCOME, outcomes_table
from analytics.core.errors import AnalyticsError
from analytics.core.periods import parse_period
from analytics.core.selection import Selection
from analytics.core.table_meta import caption_parts, meta_of
from analytics.reports.tables import run_table

YEAR_2025 = parse_period("2025")
CRIME = Selection("police_uk", category="crime")
PLACES = {"crime_type": [], "district": ["district"], "ward": ["ward_code"]}


@pytest.mark.parametrize("by", ["crime_type", "district", "ward"])
def test_shares_sum_to_100_per_crime_type(built_conn, by):
    table = outcomes_table(built_conn, CRIME, YEAR_2025, by)
    sums = table.groupby([*PLACES[by], "crime_type"])["share_pct"].sum()
    assert len(sums) > 10
    assert sums.sub(100).abs().max() < 1e-9
    # each crime type's total is the sum of its outcomes' counts
    totals = table.groupby([*PLACES[by], "crime_type"]).agg(total=("total", "first"), count=("count", "sum"))
    assert (totals.total == totals["count"]).all()


def test_counts_are_the_stored_crimes_of_the_year_and_asb_is_left_out(built_conn):
    table = outcomes_table(built_conn, Selection("police_uk"), YEAR_2025)  # 'asb' is read as recorded crime
    crimes = built_conn.execute(
        """
        SELECT category, coalesce(nullif(outcome, ''), ?), count(*) FROM incidents
        WHERE source = 'police_uk' AND NOT is_asb AND month BETWEEN DATE '2025-01-01' AND DATE '2025-12-01'
        GROUP BY ALL""",
        [NO_OUTCOME],
    ).fetchall()
    assert sorted(map(tuple, table[["crime_type", "outcome", "count"]].itertuples(index=False))) == sorted(crimes)
    assert "Anti-social behaviour" not in set(table.crime_type)
    # crime types by their total, highest first
    firsts = table.drop_duplicates("crime_type").total.tolist()
    assert firsts == sorted(firsts, reverse=True)


def test_by_ward_names_the_wards_of_the_chosen_vintage(built_conn):
    table = outcomes_table(built_conn, CRIME.with_(districts=("Redditch",), boundaries="wd25"), YEAR_2025, "ward")
    assert table.ward_name.notna().all() and set(table.district) == {"Redditch"}
    assert table.ward_code.nunique() == 9  # Redditch's wards since May 2024


def test_the_caveat_goes_with_the_table(built_conn):
    table = outcomes_table(built_conn, CRIME, YEAR_2025)
    assert f"method: {CAVEAT}" in caption_parts(meta_of(table), full=True)


def test_outcomes_refuse_what_has_none(built_conn):
    with pytest.raises(AnalyticsError, match="no outcome"):
        outcomes_table(built_conn, Selection("police_uk", category="Anti-social behaviour"), YEAR_2025)
    with pytest.raises(AnalyticsError, match="force extracts carry none"):
        outcomes_table(built_conn, Selection("crime_extract", category="crime"), parse_period("FY2016"))
    with pytest.raises(AnalyticsError, match="crime_type, district, ward"):
        outcomes_table(built_conn, CRIME, YEAR_2025, "lsoa")


def test_the_command_line_table(built_conn):
    table = run_table(built_conn, "outcomes", {"period_b": "2025", "by": "district"})
    assert set(table.district) == {"Bromsgrove", "Redditch", "Wyre Forest"}
    assert meta_of(table).table == "outcomes"
