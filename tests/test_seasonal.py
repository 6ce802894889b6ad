"""Tests for analytics.analyses.seasonal: monthly series, month-of-year profile, decomposition, overlays.

The tiny fixtures are rows inserted into a fresh store (``geo_db``); every expected number
below was worked out by hand from the counts in the fixture. The STL decomposition is
checked against an independent computation (statsmodels' classical ``seasonal_decompose``)
and the gap fallback against a Poisson GLM fitted by statsmodels.
"""

from __future__ import annotations

import math
import re
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analytics.analyses import seasonal
from analytics.core.errors import AnalyticsError
from analytics.core.periods import parse_period
from analytics.core.selection import Selection
from analytics.core.vocabulary import ASB_CATEGORY
from analytics.data import store

REDDITCH = Selection(source="police_uk", districts=("Redditch",))


def _add(
    conn,
    month: str,
    n: int,
    *,
    source: str = "police_uk",
    district: str = "Redditch",
    category: str = ASB_CATEGORY,
    first_day: int | None = None,
    last_day: int | None = None,
) -> None:
    """Insert ``n`` incidents in ``month`` ("YYYY-MM"); with days, report times spread over them."""
    month_start = date.fromisoformat(month + "-01")
    reported = None
    if first_day is not None:
        # Incident i is reported on day first_day + i mod (days), at noon.
        days = last_day - first_day + 1
        reported = (
            f"TIMESTAMP '{month_start.isoformat()}' + INTERVAL ({first_day - 1} + (range % {days})) DAY "
            "+ INTERVAL 12 HOUR"
        )
    conn.execute(
        f"""
        INSERT INTO incidents (source, synthetic, load_id, month, reported_at, category, is_asb, district)
        SELECT ?, ?, 1, ?, {reported or "NULL"}, ?, ?, ? FROM range(?)""",
        [source, source == "extract", month_start, category, category == ASB_CATEGORY, district, n],
    )


def _months(*texts: str) -> list[date]:
    return [date.fromisoformat(t + "-01") for t in texts]


def _fixed(conn, rows) -> None:
    for row in rows:
        _add(conn, *row[:2], **(row[2] if len(row) > 2 else {}))


# ---------------------------------------------------------------------------
# Fixture A: a gappy police.uk-like source across Dec→Jan and Mar→Apr
# ---------------------------------------------------------------------------
#
#   month     Redditch ASB   other rows                 source has the month?
#   2018-03        5                                     yes
#   2018-04        7                                     yes
#   2018-05        -                                     no  (missing)
#   2018-06        0         Bromsgrove ASB 2            yes (Redditch: a real 0)
#   2018-07..11    -                                     no  (missing)
#   2018-12        4         Redditch Burglary 9         yes
#   2019-01        6                                     yes


@pytest.fixture
def gappy(geo_db):
    conn = store.connect(geo_db)
    _fixed(
        conn,
        [
            ("2018-03", 5),
            ("2018-04", 7),
            ("2018-06", 2, {"district": "Bromsgrove"}),
            ("2018-12", 4),
            ("2018-12", 9, {"category": "Burglary"}),
            ("2019-01", 6),
        ],
    )
    yield conn
    conn.close()


GAPPY_MISSING = ["2018-05", "2018-07", "2018-08", "2018-09", "2018-10", "2018-11"]


def test_monthly_series_counts_each_month_and_leaves_missing_months_missing(gappy):
    series = seasonal.monthly_series(gappy, REDDITCH)
    assert series.columns.tolist() == ["month", "month_label", "count", "present", "partial"]
    assert series.month.tolist() == [date(2018, m, 1) for m in range(3, 13)] + [date(2019, 1, 1)]
    assert series["count"].dtype == "Int64"
    assert series["count"].tolist() == [5, 7, pd.NA, 0, pd.NA, pd.NA, pd.NA, pd.NA, pd.NA, 4, 6]
    assert series.present.tolist() == [True, True, False, True, False, False, False, False, False, True, True]
    assert not series.partial.any()
    assert series.month_label.iloc[-2:].tolist() == ["Dec 2018", "Jan 2019"]
    assert series.attrs["missing_months"] == GAPPY_MISSING


def test_a_present_month_without_incidents_is_zero_not_missing(gappy):
    crime = seasonal.monthly_series(gappy, REDDITCH.with_(category="crime"))
    # The burglaries are in December; the other present months have no Redditch crime at all.
    assert crime["count"].tolist() == [0, 0, pd.NA, 0, pd.NA, pd.NA, pd.NA, pd.NA, pd.NA, 9, 0]
    june = seasonal.monthly_series(gappy, REDDITCH).set_index("month").loc[date(2018, 6, 1)]
    assert june["count"] == 0 and june.present


def test_window_limits_the_series_and_months_beyond_the_source_are_missing(gappy):
    series = seasonal.monthly_series(gappy, REDDITCH, parse_period("2018-12..2019-03"))
    assert series["count"].tolist() == [4, 6, pd.NA, pd.NA]
    assert series.attrs["missing_months"] == ["2019-02", "2019-03"]
    # A period may be given as text too.
    assert seasonal.monthly_series(gappy, REDDITCH, "2018-12..2019-03").equals(series)


def test_december_and_january_land_in_their_own_months_and_years(gappy):
    calendar = seasonal.year_on_year(gappy, REDDITCH, year_type="calendar").set_index("month")
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
    financial = seasonal.year_on_year(gappy, REDDITCH).set_index("month")
    # In a financial year December is the 9th month and January the 10th, both in 2018-19.
    assert financial.loc[date(2018, 12, 1), ["year_label", "position", "count"]].tolist() == ["2018-19", 9, 4]
    assert financial.loc[date(2019, 1, 1), ["year_label", "position", "count"]].tolist() == ["2018-19", 10, 6]


def test_march_and_april_fall_either_side_of_the_financial_year_boundary(gappy):
    overlay = seasonal.year_on_year(gappy, REDDITCH)
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


def test_year_totals_say_which_years_are_whole(gappy):
    totals = seasonal.year_totals(gappy, REDDITCH)
    assert totals[["year_label", "months_complete", "full_year", "total"]].values.tolist() == [
        ["2017-18", 1, False, 5],
        ["2018-19", 4, False, 17],
    ]
    calendar = seasonal.year_totals(gappy, REDDITCH, year_type="calendar")
    assert calendar[["year_label", "months_complete", "total"]].values.tolist() == [["2018", 4, 16], ["2019", 1, 6]]


def test_profile_uses_present_months_only_and_says_how_many_years(gappy):
    profile = seasonal.month_of_year_profile(gappy, REDDITCH)
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
    no_data = [name for name in seasonal.MONTH_NAMES if name not in with_data]
    assert by.loc[no_data, "mean_count"].isna().all() and (by.loc[no_data, "years"] == 0).all()
    assert by.loc[no_data, "index"].isna().all() and by.loc[no_data, "above_mean"].isna().all()
    # Level-adjusted: March 2018 is the only month of 2017-18 and 2017-18 shares no calendar month
    # with 2018-19, so it cannot be put on the same scale. 2018-19 alone: factors 7, 0, 4, 6 over
    # their mean 17/4 give April 164.7 -> 165, June 0, December 94.1 -> 94, January 141.2 -> 141.
    assert not profile.attrs["balanced"]
    assert by.loc[["April", "June", "December", "January"], "adjusted_index"].tolist() == [165, 0, 94, 141]
    assert pd.isna(by.loc["March", "adjusted_index"])


def test_gappy_series_is_not_decomposed_interpolated_or_flagged(gappy):
    frame = seasonal.decomposition(gappy, REDDITCH)
    assert frame.columns.tolist() == [
        "month",
        "count",
        "trend",
        "seasonal",
        "residual",
        "expected",
        "lower",
        "upper",
        "outside_band",
        "present",
        "partial",
        "method",
        "method_code",
    ]
    assert (frame.method_code == "profile").all()
    assert frame.method.iloc[0].startswith("no STL decomposition: the series has gaps")
    assert "missing months are not filled in" in frame.attrs["method"]
    missing = frame[~frame.present]
    assert [m.strftime("%Y-%m") for m in missing.month] == GAPPY_MISSING
    assert missing["count"].isna().all()
    assert missing[["trend", "seasonal", "residual", "expected", "lower", "upper"]].isna().all().all()
    assert not frame.outside_band.any()
    # One year per calendar month: each month of 2018-19 is its own baseline; March 2018 has none.
    modelled = frame[frame.present & (frame.month != date(2018, 3, 1))]
    assert np.allclose(modelled.expected, modelled["count"].astype(float)) and np.allclose(modelled.residual, 0)
    march = frame.set_index("month").loc[date(2018, 3, 1)]
    assert march["count"] == 5 and math.isnan(march.expected) and not march.outside_band
    assert "no baseline" in frame.attrs["method"]


def test_peak_month_of_the_gappy_fixture(gappy):
    peak = seasonal.peak_month(gappy, REDDITCH)
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


def test_seasonal_table_for_the_command_line(gappy):
    table = seasonal.seasonal_table(gappy, REDDITCH)
    assert table.columns.tolist() == [
        "month",
        "month_label",
        "count",
        "expected",
        "lower",
        "upper",
        "trend",
        "seasonal",
        "residual",
        "outside_band",
        "present",
        "partial",
        "method",
    ]
    assert len(table) == 11 and table.month_label.iloc[0] == "Mar 2018"
    assert table.attrs["missing_months"] == GAPPY_MISSING
    assert table.attrs["place"] == "Redditch" and table.attrs["period_a"] == "Mar 2018–Jan 2019"
    assert "No STL decomposition" in table.attrs["method"]


def test_a_selection_with_no_incidents_at_all(gappy):
    wyre_forest = Selection(source="police_uk", districts=("Wyre Forest",))
    series = seasonal.monthly_series(gappy, wyre_forest)
    assert series["count"].dropna().tolist() == [0, 0, 0, 0, 0]
    profile = seasonal.month_of_year_profile(gappy, wyre_forest)
    assert profile["index"].isna().all() and profile.adjusted_index.isna().all()
    assert seasonal.peak_month(gappy, wyre_forest) is None
    frame = seasonal.decomposition(gappy, wyre_forest)
    assert (frame.method_code == "none").all() and not frame.outside_band.any()
    summary = seasonal.summarise(gappy, wyre_forest)
    assert summary.peak_month is None and summary.spring_below_mean is None and summary.flagged == ()


# ---------------------------------------------------------------------------
# Fixture B: a level that halves between two years, seen through different months
# ---------------------------------------------------------------------------
#
# count = level[financial year] × factor[calendar month] exactly:
#   2018-19 (level 20): Oct 2018 40, Nov 2018 20, Jan 2019 20
#   2019-20 (level 10): Jul 2019 24, Oct 2019 20, Nov 2019 10, Jan 2020 10
# factors: Jan 1, Jul 2.4, Oct 2, Nov 1 (mean 1.6)

LEVEL_CHANGE = [
    ("2018-10", 40),
    ("2018-11", 20),
    ("2019-01", 20),
    ("2019-07", 24),
    ("2019-10", 20),
    ("2019-11", 10),
    ("2020-01", 10),
]


@pytest.fixture
def level_change(geo_db):
    conn = store.connect(geo_db)
    _fixed(conn, LEVEL_CHANGE)
    yield conn
    conn.close()


def test_the_adjusted_index_does_not_mistake_a_change_of_level_for_a_season(level_change):
    profile = seasonal.month_of_year_profile(level_change, REDDITCH).set_index("month_name")
    months = ["January", "July", "October", "November"]
    # Plain means: Jan 15, Jul 24, Oct 30, Nov 15, mean 21: October looks like the peak only because
    # July was seen in the quieter year. 15/21 = 71.4, 24/21 = 114.3, 30/21 = 142.9.
    assert profile.loc[months, "mean_count"].tolist() == [15.0, 24.0, 30.0, 15.0]
    assert profile.loc[months, "years"].tolist() == [2, 1, 2, 2]
    assert profile.loc[months, "index"].tolist() == [71, 114, 143, 71]
    # Adjusted: factors / 1.6 = 62.5 (half up: 63), 150, 125, 62.5 (63).
    assert profile.loc[months, "adjusted_index"].tolist() == [63, 150, 125, 63]
    assert profile.attrs["balanced"] is False
    peak = seasonal.peak_month(level_change, REDDITCH)
    assert (peak["month_name"], peak["index"], peak["plain_index"]) == ("July", 150, 114)


def test_gap_fallback_expected_values_and_poisson_band_by_hand(level_change):
    frame = seasonal.decomposition(level_change, REDDITCH).set_index("month")
    present = frame[frame.present]
    # The model fits exactly: levels 20 × 1.6 = 32 and 10 × 1.6 = 16 incidents a month.
    assert np.allclose(present.expected, present["count"].astype(float))
    assert np.allclose(present.trend, [32, 32, 32, 16, 16, 16, 16])
    october = frame.loc[date(2018, 10, 1)]
    assert october.seasonal == pytest.approx(8.0)  # 40 - 32
    assert (october.lower, october.upper) == (
        pytest.approx(40 - 1.96 * math.sqrt(40)),
        pytest.approx(40 + 1.96 * math.sqrt(40)),
    )
    assert not frame.outside_band.any()
    assert frame["count"].isna().sum() == 16 - 7


def test_summary_of_the_level_change_fixture(level_change):
    summary = seasonal.summarise(level_change, REDDITCH)
    assert (summary.peak_month, summary.peak_index) == ("July", 150)
    assert (summary.trough_month, summary.trough_index) == ("January", 63)
    assert summary.spring_below_mean is None  # no spring month has data
    assert summary.summer_below_mean is False  # July is the peak
    assert summary.months_above_mean == ("July", "October")
    assert summary.years_compared == ("2018-19", "2019-20") and summary.full_years == ()
    assert summary.year_total_spread_pct is None
    assert summary.missing_months == tuple(
        _months("2018-12", "2019-02", "2019-03", "2019-04", "2019-05", "2019-06", "2019-08", "2019-09", "2019-12")
    )
    assert summary.synthetic is False and summary.flagged == ()
    assert summary.years_per_month == (2, 0, 0, 0, 0, 0, 1, 0, 0, 2, 2, 0)


def test_gap_fallback_agrees_with_a_poisson_glm(geo_db):
    """Independent check of the fallback baseline: statsmodels' Poisson GLM with year and month effects."""
    import statsmodels.api as sm

    conn = store.connect(geo_db)
    rows = LEVEL_CHANGE[:] + [("2018-12", 31), ("2019-12", 11), ("2019-08", 19)]
    rows[5] = ("2019-11", 13)  # no longer exactly multiplicative
    _fixed(conn, rows)
    frame = seasonal.decomposition(conn, REDDITCH)
    conn.close()
    present = frame[frame.present].reset_index(drop=True)
    fy = [m.year if m.month >= 4 else m.year - 1 for m in present.month]
    design = pd.get_dummies(
        pd.DataFrame({"fy": fy, "moy": [m.month for m in present.month]}).astype(str), drop_first=True
    ).astype(float)
    glm = sm.GLM(present["count"].astype(float), sm.add_constant(design), family=sm.families.Poisson()).fit()
    assert np.allclose(present.expected, glm.fittedvalues, rtol=1e-7)
    assert np.allclose(present.trend + present.seasonal + present.residual, present["count"].astype(float))


# ---------------------------------------------------------------------------
# Fixture C: 36 whole months, a seasonal cycle peaking in October, Poisson noise
# ---------------------------------------------------------------------------

STL_MONTHS = pd.period_range("2014-01", "2018-12", freq="M")


def _seasonal_counts(seed: int) -> list[int]:
    rng = np.random.default_rng(seed)
    t = np.arange(len(STL_MONTHS))
    moy = np.array([p.month for p in STL_MONTHS])
    mean = 200 + 1.5 * t + 40 * np.cos(2 * np.pi * (moy - 10) / 12)
    return rng.poisson(mean).tolist()


@pytest.fixture
def regular(geo_db):
    """Redditch: a clean seasonal series. Bromsgrove: another draw with a spike of 150 in June 2017."""
    conn = store.connect(geo_db)
    for period, redditch, bromsgrove in zip(STL_MONTHS, _seasonal_counts(1), _seasonal_counts(2), strict=False):
        month = period.strftime("%Y-%m")
        _add(conn, month, redditch, source="extract")
        _add(conn, month, bromsgrove + (150 if month == "2017-06" else 0), source="extract", district="Bromsgrove")
    yield conn
    conn.close()


def _check_stl_against_classical(frame: pd.DataFrame) -> None:
    """STL's seasonal shape against statsmodels' classical (moving-average) decomposition."""
    from statsmodels.tsa.seasonal import seasonal_decompose

    run = frame[frame.method_code.eq("stl") & frame.trend.notna()]
    counts = run["count"].astype(float).to_numpy()
    # The components add up to the count.
    assert np.allclose(run.trend + run.seasonal + run.residual, counts, rtol=0, atol=1e-9)
    assert np.allclose(run.expected, run.trend + run.seasonal, rtol=0, atol=1e-12)
    classical = seasonal_decompose(counts, model="additive", period=12)
    moy = np.array([m.month for m in run.month])
    classical_shape = pd.Series(classical.seasonal).groupby(moy).mean()
    stl_shape = run.seasonal.groupby(moy).mean()
    assert np.corrcoef(classical_shape.to_numpy(), stl_shape.to_numpy())[0, 1] > 0.9
    assert classical_shape.idxmax() == stl_shape.idxmax()


def test_stl_decomposition_agrees_with_classical_decomposition(regular):
    selection = Selection(source="extract", districts=("Redditch",))
    frame = seasonal.decomposition(regular, selection)
    assert (frame.method_code == "stl").all() and frame.trend.notna().all()
    assert frame.method.iloc[0].startswith("STL (period 12, robust) on Jan 2014–Dec 2018")
    _check_stl_against_classical(frame)
    assert frame.groupby([m.month for m in frame.month]).seasonal.mean().idxmax() == 10
    # The band: expected ± 1.96 × max(1.4826 × MAD of the residuals, √expected).
    residual = frame.residual.to_numpy()
    scale = 1.4826 * np.median(np.abs(residual - np.median(residual)))
    half = 1.96 * np.maximum(scale, np.sqrt(frame.expected))
    assert np.allclose(frame.upper, frame.expected + half) and np.allclose(frame.lower, frame.expected - half)
    assert f"{scale:.1f} incidents" in frame.attrs["method"]
    assert seasonal.peak_month(regular, selection)["month_name"] == "October"


def test_stl_flags_a_spike_and_says_which_way(regular):
    frame = seasonal.decomposition(regular, Selection(source="extract", districts=("Bromsgrove",)))
    flagged = frame[frame.outside_band]
    assert date(2017, 6, 1) in flagged.month.tolist()
    # A 95% band leaves about 1 ordinary month in 20 outside by chance; the spike stands out most.
    departure = (frame["count"].astype(float) - frame.expected).abs() / (frame.upper - frame.expected)
    assert frame.month[departure.idxmax()] == date(2017, 6, 1)
    summary = seasonal.summarise(regular, Selection(source="extract", districts=("Bromsgrove",)))
    june = [f for f in summary.flagged if f.month == date(2017, 6, 1)]
    assert june and june[0].direction == "above" and june[0].month_label == "Jun 2017"
    assert summary.full_years == ("2014-15", "2015-16", "2016-17", "2017-18")
    assert summary.synthetic is True
    assert summary.months_with_band == 60 and summary.flags_expected_by_chance == 3.0


def test_a_short_contiguous_series_is_not_decomposed(regular):
    selection = Selection(source="extract", districts=("Redditch",))
    frame = seasonal.decomposition(regular, selection, parse_period("FY2017"))
    assert (frame.method_code == "profile").all()
    assert frame.method.iloc[0].startswith("no STL decomposition: the series is too short")
    # One year: every month is its own baseline, so nothing can be flagged.
    assert np.allclose(frame.residual, 0, atol=1e-9) and not frame.outside_band.any()
    # A calendar year spans two financial years that share no calendar month: levels are per
    # financial year, so January to March 2017 (2016-17) have no baseline rather than a made-up one.
    calendar = seasonal.decomposition(regular, selection, parse_period("CY2017"))
    assert calendar.expected.isna().tolist() == [True] * 3 + [False] * 9
    assert not calendar.outside_band.any()


# ---------------------------------------------------------------------------
# Fixture D: a force extract whose first and last months are not wholly covered
# ---------------------------------------------------------------------------


@pytest.fixture
def partial_edges(geo_db):
    conn = store.connect(geo_db)
    _add(conn, "2019-06", 30, source="extract", first_day=10, last_day=30)
    _add(conn, "2019-07", 31, source="extract", first_day=1, last_day=31)
    _add(conn, "2019-08", 15, source="extract", first_day=1, last_day=15)
    yield conn
    conn.close()


def test_partial_first_and_last_months_keep_their_counts_but_are_not_compared(partial_edges):
    selection = Selection(source="extract")
    series = seasonal.monthly_series(partial_edges, selection)
    assert series["count"].tolist() == [30, 31, 15]
    assert series.partial.tolist() == [True, False, True]
    assert series.attrs["partial_months"] == ["2019-06", "2019-08"]
    profile = seasonal.month_of_year_profile(partial_edges, selection).set_index("month_of_year")
    assert profile.years.loc[[6, 7, 8]].tolist() == [0, 1, 0]
    assert not seasonal.decomposition(partial_edges, selection).outside_band.any()
    table = seasonal.seasonal_table(partial_edges, selection)
    assert table.attrs["partial_note"] == (
        "Jun 2019 is partial: the data start on 10 Jun 2019; Aug 2019 is partial: the data end on 15 Aug 2019"
    )
    assert seasonal.summarise(partial_edges, selection).partial_months == tuple(_months("2019-06", "2019-08"))


# ---------------------------------------------------------------------------
# Bad arguments
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call",
    [
        lambda conn: seasonal.year_on_year(conn, REDDITCH, year_type="fiscal"),
        lambda conn: seasonal.year_totals(conn, REDDITCH, year_type="fiscal"),
        lambda conn: seasonal.summarise(conn, REDDITCH, year_type="fiscal"),
    ],
)
def test_unknown_year_type_lists_the_valid_ones(gappy, call):
    with pytest.raises(AnalyticsError, match="Unknown year type 'fiscal'. Valid choices: calendar, financial."):
        call(gappy)


def test_unknown_district_lists_the_valid_ones(gappy):
    with pytest.raises(
        AnalyticsError, match="Unknown district 'Worcester'. Valid choices: Bromsgrove, Redditch, Wyre Forest."
    ):
        seasonal.monthly_series(gappy, Selection(source="police_uk", districts=("Worcester",)))


def test_bad_periods_are_refused_with_the_valid_forms(gappy):
    with pytest.raises(AnalyticsError, match=re.escape("Valid choices: 2024-01..2024-04")):
        seasonal.decomposition(gappy, REDDITCH, "FY17")
    with pytest.raises(AnalyticsError, match="must be a Period"):
        seasonal.monthly_series(gappy, REDDITCH, 2018)
    with pytest.raises(AnalyticsError, match="Expected a Selection"):
        seasonal.monthly_series(gappy, "police_uk")


def test_a_source_with_no_rows_is_refused_with_a_fix(gappy):
    with pytest.raises(AnalyticsError) as raised:
        seasonal.peak_month(gappy, Selection(source="extract"))
    assert raised.value.title == "No data" and "python -m analytics build" in str(raised.value)


def test_the_module_never_imports_streamlit():
    source = Path(seasonal.__file__).read_text()
    assert not re.search(r"^\s*(import|from)\s+streamlit", source, re.MULTILINE)


# ---------------------------------------------------------------------------
# The built store
# ---------------------------------------------------------------------------

NORTH_WORCS_EXTRACT = Selection(source="extract")
NORTH_WORCS_POLICE = Selection(source="police_uk")


def test_synthetic_extract_peaks_around_halloween_and_is_low_in_spring_and_summer(built_conn):
    peak = seasonal.peak_month(built_conn, NORTH_WORCS_EXTRACT)
    assert peak["month_name"] in ("October", "November")
    profile = seasonal.month_of_year_profile(built_conn, NORTH_WORCS_EXTRACT).set_index("month_of_year")
    assert (profile.loc[3:8, "index"] < 100).all() and (profile.loc[3:8, "adjusted_index"] < 100).all()
    assert (profile.loc[[10, 11], "index"] > 100).all()
    summary = seasonal.summarise(built_conn, NORTH_WORCS_EXTRACT)
    assert summary.peak_month == peak["month_name"] and summary.synthetic
    assert summary.spring_below_mean is True and summary.summer_below_mean is True
    # The extract ends on 28 August 2019: that month is kept but not compared.
    assert summary.partial_months == (date(2019, 8, 1),) and "28 Aug 2019" in summary.partial_note


def test_synthetic_extract_levels_are_similar_every_year(built_conn):
    totals = seasonal.year_totals(built_conn, NORTH_WORCS_EXTRACT)
    full = totals[totals.full_year]
    assert full.year_label.tolist() == ["2015-16", "2016-17", "2017-18", "2018-19"]
    values = full.total.astype(int).tolist()
    assert all(abs(a - b) <= 0.10 * b for a in values for b in values)
    # The published two years are there to the digit.
    assert dict(zip(full.year_label, values, strict=False))["2017-18"] == 10502
    assert dict(zip(full.year_label, values, strict=False))["2018-19"] == 9876
    assert seasonal.summarise(built_conn, NORTH_WORCS_EXTRACT).year_total_spread_pct < 10


def test_synthetic_extract_decomposition_agrees_with_classical_decomposition(built_conn):
    frame = seasonal.decomposition(built_conn, NORTH_WORCS_EXTRACT)
    assert (frame.method_code == "stl").all()
    assert frame.method.iloc[0].startswith("STL (period 12, robust) on Apr 2015–Jul 2019")
    _check_stl_against_classical(frame)
    last = frame.iloc[-1]
    assert last.partial and pd.isna(last.expected) and not last.outside_band


def test_police_uk_gaps_are_missing_and_not_decomposed(built_conn):
    series = seasonal.monthly_series(built_conn, NORTH_WORCS_POLICE)
    expected_missing = [m.date() for m in pd.date_range("2019-03-01", "2023-12-01", freq="MS")] + [
        m.date() for m in pd.date_range("2024-05-01", "2024-12-01", freq="MS")
    ]
    missing = series[~series.present]
    assert missing.month.tolist() == expected_missing
    assert missing["count"].isna().all()
    assert (series.loc[series.present, "count"] > 0).all() and series.present.sum() == 21
    frame = seasonal.decomposition(built_conn, NORTH_WORCS_POLICE)
    assert (frame.method_code == "profile").all()
    assert frame.method.iloc[0].startswith("no STL decomposition: the series has gaps")
    assert frame.loc[~frame.present, "expected"].isna().all() and not frame.loc[~frame.present, "outside_band"].any()
    table = seasonal.seasonal_table(built_conn, NORTH_WORCS_POLICE)
    assert "2024-05" in table.attrs["missing_months"] and len(table.attrs["missing_months"]) == 66


def test_police_uk_plain_profile_is_confounded_by_the_fall_in_level(built_conn):
    """police.uk ASB ran near 700 a month in Oct 2018-Feb 2019 and near 300 in 2024-25: the plain
    month-of-year means make October look like the peak because October is seen in 2018."""
    profile = seasonal.month_of_year_profile(built_conn, NORTH_WORCS_POLICE).set_index("month_name")
    assert not profile.attrs["balanced"]
    assert profile.loc["October", "index"] > 130
    assert profile.loc["October", "adjusted_index"] <= 100
    assert seasonal.peak_month(built_conn, NORTH_WORCS_POLICE)["month_name"] != "October"
