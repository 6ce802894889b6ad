"""Tests for analytics.analyses.seasonal: the summary a page puts into words, on the small stores
of tests/seasonal_store.py (every expected number worked out by hand) and the built store; and
that no seasonal module imports streamlit."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from analytics.analyses import decomposition, seasonal, seasonal_profile, seasonal_series, year_on_year
from analytics.analyses.seasonal import summarise
from analytics.analyses.seasonal_profile import peak_month
from analytics.core.errors import AnalyticsError
from analytics.core.selection import Selection
from tests.seasonal_store import (
    GAPPY,
    LEVEL_CHANGE,
    NORTH_WORCS_EXTRACT,
    REDDITCH,
    connect_with,
    fixed,
    months,
    partial_edges,
    regular,
)


@pytest.fixture
def gappy(geo_db):
    with connect_with(geo_db, GAPPY) as conn:
        yield conn


def test_summary_of_the_level_change_store(geo_db):
    with connect_with(geo_db, fixed(LEVEL_CHANGE)) as conn:
        summary = summarise(conn, REDDITCH)
    assert (summary.peak_month, summary.peak_index) == ("July", 150)
    assert (summary.trough_month, summary.trough_index) == ("January", 63)
    assert summary.spring_below_mean is None  # no spring month has data
    assert summary.summer_below_mean is False  # July is the peak
    assert summary.months_above_mean == ("July", "October")
    assert summary.years_compared == ("2018-19", "2019-20") and summary.full_years == ()
    assert summary.year_total_spread_pct is None
    assert summary.missing_months == tuple(
        months("2018-12", "2019-02", "2019-03", "2019-04", "2019-05", "2019-06", "2019-08", "2019-09", "2019-12")
    )
    assert summary.synthetic is False and summary.flagged == ()
    assert summary.years_per_month == (2, 0, 0, 0, 0, 0, 1, 0, 0, 2, 2, 0)
    assert (summary.category, summary.place, summary.window) == (
        "Anti-social behaviour",
        "Redditch",
        "Oct 2018–Jan 2020",
    )
    assert summary.source == REDDITCH.source_label


def test_summary_of_a_selection_with_no_incidents(gappy):
    summary = summarise(gappy, Selection(source="police_uk", districts=("Wyre Forest",)))
    assert summary.peak_month is None and summary.spring_below_mean is None and summary.flagged == ()
    assert summary.months_with_band == 0 and summary.method.startswith("Not decomposed")


def test_summary_flags_a_spike_and_says_how_many_flags_chance_gives(geo_db):
    with connect_with(geo_db, regular) as conn:
        summary = summarise(conn, Selection(source="extract", districts=("Bromsgrove",)))
    june = [f for f in summary.flagged if f.month == date(2017, 6, 1)]
    assert june and june[0].direction == "above" and june[0].month_label == "Jun 2017"
    assert summary.full_years == ("2014-15", "2015-16", "2016-17", "2017-18")
    assert summary.synthetic is True and "SYNTHETIC" in summary.source
    assert summary.months_with_band == 60 and summary.flags_expected_by_chance == 3.0


def test_summary_names_the_partial_months(geo_db):
    with connect_with(geo_db, partial_edges) as conn:
        summary = summarise(conn, Selection(source="extract"))
    assert summary.partial_months == tuple(months("2019-06", "2019-08"))
    assert summary.partial_note.startswith("Jun 2019 is partial: the data start on 10 Jun 2019")


def test_unknown_year_type_lists_the_valid_ones(gappy):
    with pytest.raises(AnalyticsError, match="Unknown year type 'fiscal'. Valid choices: calendar, financial."):
        summarise(gappy, REDDITCH, year_type="fiscal")


@pytest.mark.parametrize("module", [seasonal, seasonal_series, seasonal_profile, decomposition, year_on_year])
def test_the_seasonal_modules_never_import_streamlit(module):
    source = Path(module.__file__).read_text()
    assert not re.search(r"^\s*(import|from)\s+streamlit", source, re.MULTILINE)


def test_synthetic_extract_summary(built_conn):
    summary = summarise(built_conn, NORTH_WORCS_EXTRACT)
    assert summary.peak_month == peak_month(built_conn, NORTH_WORCS_EXTRACT)["month_name"] and summary.synthetic
    assert summary.spring_below_mean is True and summary.summer_below_mean is True
    # The extract ends on 28 August 2019: that month is kept but not compared.
    assert summary.partial_months == (date(2019, 8, 1),) and "28 Aug 2019" in summary.partial_note
    assert summary.year_total_spread_pct < 10
