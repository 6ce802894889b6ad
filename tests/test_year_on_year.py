"""Tests for analytics.analyses.year_on_year: each year's months side by side, and year totals
that say which years are whole.

The small stores are in tests/seasonal_store.py; every expected number was worked out by hand."""

from __future__ import annotations

from datetime import date

import pytest

from analytics.analyses.year_on_year import year_on_year, year_totals
from analytics.core.errors import AnalyticsError
from analytics.core.table_meta import meta_of
from tests.seasonal_store import GAPPY, GAPPY_MISSING, NORTH_WORCS_EXTRACT, REDDITCH, connect_with


@pytest.fixture
def gappy(geo_db):
    with connect_with(geo_db, GAPPY) as conn:
        yield conn


def test_december_and_january_land_in_their_own_months_and_years(gappy):
    calendar = year_on_year(gappy, REDDITCH, year_type="calendar").set_index("month")
    assert calendar.loc[date(2018, 12, 1), ["year_label", "position", "month_name", "count"]].tolist() == [
        "2018",
        12,
        "December",
        4,
    ]
    assert calendar.loc[date(2019, 1, 1), ["year_label", "position", "month_name", "count"]].tolist() == [
        "2019",
        1,
        "January",
        6,
    ]
    financial = year_on_year(gappy, REDDITCH).set_index("month")
    # In a financial year December is the 9th month and January the 10th, both in 2018-19.
    assert financial.loc[date(2018, 12, 1), ["year_label", "position", "count"]].tolist() == ["2018-19", 9, 4]
    assert financial.loc[date(2019, 1, 1), ["year_label", "position", "count"]].tolist() == ["2018-19", 10, 6]


def test_march_and_april_fall_either_side_of_the_financial_year_boundary(gappy):
    overlay = year_on_year(gappy, REDDITCH)
    assert overlay.columns.tolist() == [
        "year_label",
        "year",
        "position",
        "month",
        "month_name",
        "count",
        "present",
        "partial",
        "in_window",
    ]
    assert overlay.groupby("year_label").size().to_dict() == {"2017-18": 12, "2018-19": 12}
    by_month = overlay.set_index("month")
    assert by_month.loc[date(2018, 3, 1), ["year_label", "position", "month_name", "count"]].tolist() == [
        "2017-18",
        12,
        "March",
        5,
    ]
    assert by_month.loc[date(2018, 4, 1), ["year_label", "position", "month_name", "count"]].tolist() == [
        "2018-19",
        1,
        "April",
        7,
    ]
    # 2017-18 before March 2018 is outside the window: no count, not present.
    before = overlay[(overlay.year_label == "2017-18") & (overlay.position < 12)]
    assert before["count"].isna().all() and not before.present.any() and not before.in_window.any()
    # Missing months inside the window stay NA (May, July..November 2018).
    inside = overlay[overlay.in_window & ~overlay.present]
    assert [m.strftime("%Y-%m") for m in inside.month] == GAPPY_MISSING and inside["count"].isna().all()
    assert meta_of(overlay).period_a.label == "Mar 2018–Jan 2019"


def test_year_totals_say_which_years_are_whole(gappy):
    totals = year_totals(gappy, REDDITCH)
    assert totals[["year_label", "months_complete", "full_year", "total"]].values.tolist() == [
        ["2017-18", 1, False, 5],
        ["2018-19", 4, False, 17],
    ]
    calendar = year_totals(gappy, REDDITCH, year_type="calendar")
    assert calendar[["year_label", "months_complete", "total"]].values.tolist() == [["2018", 4, 16], ["2019", 1, 6]]
    assert meta_of(calendar).missing_months == tuple(GAPPY_MISSING)


@pytest.mark.parametrize("function", [year_on_year, year_totals])
def test_unknown_year_type_lists_the_valid_ones(gappy, function):
    with pytest.raises(AnalyticsError, match="Unknown year type 'fiscal'. Valid choices: calendar, financial."):
        function(gappy, REDDITCH, year_type="fiscal")


def test_synthetic_extract_levels_are_similar_every_year(built_conn):
    totals = year_totals(built_conn, NORTH_WORCS_EXTRACT)
    full = totals[totals.full_year]
    assert full.year_label.tolist() == ["2015-16", "2016-17", "2017-18", "2018-19"]
    values = full.total.astype(int).tolist()
    assert all(abs(a - b) <= 0.10 * b for a in values for b in values)
    # The published two years are there to the digit.
    assert dict(zip(full.year_label, values, strict=False))["2017-18"] == 10502
    assert dict(zip(full.year_label, values, strict=False))["2018-19"] == 9876
