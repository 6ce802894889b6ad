"""Tests for analytics.analyses.seasonal_series: the monthly series, missing and partial months,
what its table says it is, and the arguments every seasonal analysis checks.

The small stores are in tests/seasonal_store.py; every expected number was worked out by hand."""

from __future__ import annotations

import re
from datetime import date

import pandas as pd
import pytest

from analytics.analyses.seasonal_series import monthly_series
from analytics.core.errors import AnalyticsError
from analytics.core.periods import parse_period
from analytics.core.selection import Selection
from analytics.core.table_meta import PeriodCoverage, meta_of
from tests.seasonal_store import (
    GAPPY,
    GAPPY_MISSING,
    NORTH_WORCS_POLICE,
    REDDITCH,
    connect_with,
    partial_edges,
)


@pytest.fixture
def gappy(geo_db):
    with connect_with(geo_db, GAPPY) as conn:
        yield conn


def test_monthly_series_counts_each_month_and_leaves_missing_months_missing(gappy):
    series = monthly_series(gappy, REDDITCH)
    assert series.columns.tolist() == ["month", "month_label", "count", "present", "partial"]
    assert series.month.tolist() == [date(2018, m, 1) for m in range(3, 13)] + [date(2019, 1, 1)]
    assert series["count"].dtype == "Int64"
    assert series["count"].tolist() == [5, 7, pd.NA, 0, pd.NA, pd.NA, pd.NA, pd.NA, pd.NA, 4, 6]
    assert series.present.tolist() == [True, True, False, True, False, False, False, False, False, True, True]
    assert not series.partial.any()
    assert series.month_label.iloc[-2:].tolist() == ["Dec 2018", "Jan 2019"]
    assert meta_of(series).missing_months == tuple(GAPPY_MISSING)


def test_the_series_says_what_it_counts_where_and_over_which_window(gappy):
    meta = meta_of(monthly_series(gappy, REDDITCH))
    assert (meta.measure, meta.place, meta.boundaries) == ("Anti-social behaviour", "Redditch", "WD22")
    assert meta.source == REDDITCH.source_label and not meta.synthetic
    # Eleven months from Mar 2018 to Jan 2019, of which the source holds five.
    assert meta.period_a == PeriodCoverage("Mar 2018–Jan 2019", 11, tuple(GAPPY_MISSING))
    assert meta.period_a.held == 5 and meta.partial_months == ()


def test_a_present_month_without_incidents_is_zero_not_missing(gappy):
    crime = monthly_series(gappy, REDDITCH.with_(category="crime"))
    # The burglaries are in December; the other present months have no Redditch crime at all.
    assert crime["count"].tolist() == [0, 0, pd.NA, 0, pd.NA, pd.NA, pd.NA, pd.NA, pd.NA, 9, 0]
    june = monthly_series(gappy, REDDITCH).set_index("month").loc[date(2018, 6, 1)]
    assert june["count"] == 0 and june.present


def test_window_limits_the_series_and_months_beyond_the_source_are_missing(gappy):
    series = monthly_series(gappy, REDDITCH, parse_period("2018-12..2019-03"))
    assert series["count"].tolist() == [4, 6, pd.NA, pd.NA]
    assert meta_of(series).missing_months == ("2019-02", "2019-03")
    # A period may be given as text too.
    assert monthly_series(gappy, REDDITCH, "2018-12..2019-03").equals(series)


def test_a_selection_with_no_incidents_at_all_counts_zeros(gappy):
    series = monthly_series(gappy, Selection(source="police_uk", districts=("Wyre Forest",)))
    assert series["count"].dropna().tolist() == [0, 0, 0, 0, 0]


def test_partial_first_and_last_months_keep_their_counts(geo_db):
    with connect_with(geo_db, partial_edges) as conn:
        series = monthly_series(conn, Selection(source="extract"))
        assert series["count"].tolist() == [30, 31, 15]
        assert series.partial.tolist() == [True, False, True]
        meta = meta_of(series)
        assert meta.partial_months == ("2019-06", "2019-08") and meta.missing_months == ()
        # The extract's label says its rows are synthetic, so it gains no mark.
        assert meta.synthetic and meta.source == "force ASB incident extract (SYNTHETIC demonstration data)"


def test_a_source_whose_rows_are_synthetic_is_marked_so(gappy):
    gappy.execute("UPDATE incidents SET synthetic = true")
    meta = meta_of(monthly_series(gappy, REDDITCH))
    assert meta.synthetic and meta.source == REDDITCH.source_label + " [SYNTHETIC]"


def test_unknown_district_lists_the_valid_ones(gappy):
    with pytest.raises(
        AnalyticsError, match="Unknown district 'Worcester'. Valid choices: Bromsgrove, Redditch, Wyre Forest."
    ):
        monthly_series(gappy, Selection(source="police_uk", districts=("Worcester",)))


def test_bad_periods_are_refused_with_the_valid_forms(gappy):
    with pytest.raises(AnalyticsError, match=re.escape("Valid choices: 2024-01..2024-04")):
        monthly_series(gappy, REDDITCH, "FY17")
    with pytest.raises(AnalyticsError, match="must be a Period"):
        monthly_series(gappy, REDDITCH, 2018)
    with pytest.raises(AnalyticsError, match="Expected a Selection"):
        monthly_series(gappy, "police_uk")


def test_a_source_with_no_rows_is_refused_with_a_fix(gappy):
    with pytest.raises(AnalyticsError) as raised:
        monthly_series(gappy, Selection(source="extract"))
    assert raised.value.title == "No data" and "python -m analytics build" in str(raised.value)


def test_police_uk_gaps_are_missing_not_zero(built_conn):
    series = monthly_series(built_conn, NORTH_WORCS_POLICE)
    expected_missing = [m.date() for m in pd.date_range("2019-03-01", "2023-12-01", freq="MS")] + [
        m.date() for m in pd.date_range("2024-05-01", "2024-12-01", freq="MS")
    ]
    missing = series[~series.present]
    assert missing.month.tolist() == expected_missing
    assert missing["count"].isna().all()
    assert (series.loc[series.present, "count"] > 0).all() and series.present.sum() == 21
