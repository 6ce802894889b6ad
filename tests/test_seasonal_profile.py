"""Tests for analytics.analyses.seasonal_profile: the month-of-year profile, plain and
level-adjusted, its peak month, and what the seasonal sentence says of it.

The small stores are in tests/seasonal_store.py; every expected number was worked out by hand."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from analytics.analyses.seasonal_profile import month_findings, month_of_year_profile, peak_month
from analytics.analyses.seasonal_series import MONTH_NAMES
from analytics.core.selection import Selection
from analytics.core.table_meta import meta_of
from tests.seasonal_store import (
    GAPPY,
    LEVEL_CHANGE,
    NORTH_WORCS_EXTRACT,
    NORTH_WORCS_POLICE,
    REDDITCH,
    connect_with,
    fixed,
    partial_edges,
    regular,
)


@pytest.fixture
def gappy(geo_db):
    with connect_with(geo_db, GAPPY) as conn:
        yield conn


@pytest.fixture
def level_change(geo_db):
    with connect_with(geo_db, fixed(LEVEL_CHANGE)) as conn:
        yield conn


def test_profile_uses_present_months_only_and_says_how_many_years(gappy):
    profile = month_of_year_profile(gappy, REDDITCH)
    assert profile.columns.tolist() == [
        "month_of_year",
        "month_name",
        "mean_count",
        "years",
        "index",
        "above_mean",
        "adjusted_index",
        "adjusted_factor",
    ]
    assert profile.month_of_year.tolist() == list(range(1, 13))
    assert profile.month_name.iloc[[0, 11]].tolist() == ["January", "December"]
    by = profile.set_index("month_name")
    # Monthly means: Jan 6, Mar 5, Apr 7, Jun 0, Dec 4 (one year each); their mean is 22/5 = 4.4.
    # Index: 6/4.4 = 136.4 -> 136, 5/4.4 = 113.6 -> 114, 7/4.4 = 159.1 -> 159, 0, 4/4.4 = 90.9 -> 91.
    with_data = ["January", "March", "April", "June", "December"]
    assert by.loc[with_data, "mean_count"].tolist() == [6.0, 5.0, 7.0, 0.0, 4.0]
    assert by.loc[with_data, "years"].tolist() == [1, 1, 1, 1, 1]
    assert by.loc[with_data, "index"].tolist() == [136, 114, 159, 0, 91]
    assert by.loc[with_data, "above_mean"].tolist() == [True, True, True, False, False]
    no_data = [name for name in MONTH_NAMES if name not in with_data]
    assert by.loc[no_data, "mean_count"].isna().all() and (by.loc[no_data, "years"] == 0).all()
    assert by.loc[no_data, "index"].isna().all() and by.loc[no_data, "above_mean"].isna().all()
    # Level-adjusted: March 2018 is the only month of 2017-18 and 2017-18 shares no calendar month
    # with 2018-19, so it cannot be put on the same scale. 2018-19 alone: factors 7, 0, 4, 6 over
    # their mean 17/4 give April 164.7 -> 165, June 0, December 94.1 -> 94, January 141.2 -> 141.
    meta = meta_of(profile)
    assert meta.balanced is False and "adjusted_index allows a level for each financial year" in meta.profile_note
    assert by.loc[["April", "June", "December", "January"], "adjusted_index"].tolist() == [165, 0, 94, 141]
    assert pd.isna(by.loc["March", "adjusted_index"])


def test_peak_month_of_the_gappy_store(gappy):
    peak = peak_month(gappy, REDDITCH)
    assert peak == {
        "month_of_year": 4,
        "month_name": "April",
        "index": 165,
        "plain_index": 159,
        "mean_count": 7.0,
        "years": 1,
        "tied_with": [],
        "basis": "level-adjusted month-of-year factor",
    }


def test_a_selection_with_no_incidents_has_no_profile_and_no_peak(gappy):
    wyre_forest = Selection(source="police_uk", districts=("Wyre Forest",))
    profile = month_of_year_profile(gappy, wyre_forest)
    assert profile["index"].isna().all() and profile.adjusted_index.isna().all()
    assert peak_month(gappy, wyre_forest) is None


def test_the_adjusted_index_does_not_mistake_a_change_of_level_for_a_season(level_change):
    profile = month_of_year_profile(level_change, REDDITCH).set_index("month_name")
    months = ["January", "July", "October", "November"]
    # Plain means: Jan 15, Jul 24, Oct 30, Nov 15, mean 21: October looks like the peak only because
    # July was seen in the quieter year. 15/21 = 71.4, 24/21 = 114.3, 30/21 = 142.9.
    assert profile.loc[months, "mean_count"].tolist() == [15.0, 24.0, 30.0, 15.0]
    assert profile.loc[months, "years"].tolist() == [2, 1, 2, 2]
    assert profile.loc[months, "index"].tolist() == [71, 114, 143, 71]
    # Adjusted: factors / 1.6 = 62.5 (half up: 63), 150, 125, 62.5 (63).
    assert profile.loc[months, "adjusted_index"].tolist() == [63, 150, 125, 63]
    assert meta_of(profile).balanced is False
    peak = peak_month(level_change, REDDITCH)
    assert (peak["month_name"], peak["index"], peak["plain_index"]) == ("July", 150, 114)


def test_a_balanced_profile_says_its_two_indices_agree(geo_db):
    redditch = Selection(source="extract", districts=("Redditch",))
    with connect_with(geo_db, regular) as conn:
        # Four whole financial years: every year has every month.
        profile = month_of_year_profile(conn, redditch, "2014-04..2018-03")
        peak = peak_month(conn, redditch, "2014-04..2018-03")
    meta = meta_of(profile)
    assert meta.balanced is True and meta.profile_note.startswith("Every year contributes every month")
    assert profile["index"].tolist() == profile.adjusted_index.tolist()
    assert (peak["month_name"], peak["basis"]) == ("October", "month-of-year mean")


def test_partial_months_are_left_out_of_the_profile(geo_db):
    with connect_with(geo_db, partial_edges) as conn:
        profile = month_of_year_profile(conn, Selection(source="extract")).set_index("month_of_year")
        assert profile.years.loc[[6, 7, 8]].tolist() == [0, 1, 0]


def test_month_findings_over_every_month_and_over_the_months_shown():
    nan = math.nan
    factors = [1.0, nan, 0.5, 0.6, 0.7, 0.8, 0.9, 1.2, nan, 1.5, 1.4, 1.0]
    indices = [None if math.isnan(f) else round(100 * f) for f in factors]
    found = month_findings(factors, indices)
    assert (found["peak_month"], found["peak_index"]) == ("October", 150)
    assert (found["trough_month"], found["trough_index"]) == ("March", 50)
    assert found["spring_below_mean"] is True and found["summer_below_mean"] is False  # August 120
    # January and December sit at 100: neither above nor below.
    assert found["months_above_mean"] == ("August", "October", "November")
    assert found["months_below_mean"] == ("March", "April", "May", "June", "July")
    # Public mode tells only the months it shows (here neither October nor any summer month).
    shown = month_findings(factors, indices, [0, 2, 3, 4, 10, 11])
    assert (shown["peak_month"], shown["trough_month"]) == ("November", "March")
    assert shown["summer_below_mean"] is None and shown["months_above_mean"] == ("November",)
    # No month with data: nothing to say.
    assert month_findings([nan] * 12, [None] * 12)["peak_month"] is None


def test_synthetic_extract_peaks_around_halloween_and_is_low_in_spring_and_summer(built_conn):
    peak = peak_month(built_conn, NORTH_WORCS_EXTRACT)
    assert peak["month_name"] in ("October", "November")
    profile = month_of_year_profile(built_conn, NORTH_WORCS_EXTRACT).set_index("month_of_year")
    assert (profile.loc[3:8, "index"] < 100).all() and (profile.loc[3:8, "adjusted_index"] < 100).all()
    assert (profile.loc[[10, 11], "index"] > 100).all()


def test_police_uk_plain_profile_is_confounded_by_the_fall_in_level(built_conn):
    """police.uk ASB ran near 700 a month in Oct 2018-Feb 2019 and near 300 in 2024-25: the plain
    month-of-year means make October look like the peak because October is seen in 2018."""
    profile = month_of_year_profile(built_conn, NORTH_WORCS_POLICE).set_index("month_name")
    assert not meta_of(profile).balanced
    assert profile.loc["October", "index"] > 130
    assert profile.loc["October", "adjusted_index"] <= 100
    assert peak_month(built_conn, NORTH_WORCS_POLICE)["month_name"] != "October"
