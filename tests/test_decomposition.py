"""Tests for analytics.analyses.decomposition: STL and the gap fallback, the expected band, the
months outside it, and the command-line table.

The small stores are in tests/seasonal_store.py; every expected number was worked out by hand.
The STL decomposition is checked against an independent computation (statsmodels' classical
``seasonal_decompose``) and the gap fallback against a Poisson GLM fitted by statsmodels.
"""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from statsmodels.tsa.seasonal import seasonal_decompose

from analytics.analyses.decomposition import decomposition, flagged_months, seasonal_table
from analytics.core.periods import parse_period
from analytics.core.selection import Selection
from analytics.core.table_meta import meta_of
from tests.seasonal_store import (
    GAPPY,
    GAPPY_MISSING,
    LEVEL_CHANGE,
    NORTH_WORCS_EXTRACT,
    NORTH_WORCS_POLICE,
    REDDITCH,
    connect_with,
    fixed,
    partial_edges,
    regular,
)

REGULAR_REDDITCH = Selection(source="extract", districts=("Redditch",))
REGULAR_BROMSGROVE = Selection(source="extract", districts=("Bromsgrove",))


@pytest.fixture
def gappy(geo_db):
    with connect_with(geo_db, GAPPY) as conn:
        yield conn


@pytest.fixture
def level_change(geo_db):
    with connect_with(geo_db, fixed(LEVEL_CHANGE)) as conn:
        yield conn


@pytest.fixture
def regular_store(geo_db):
    with connect_with(geo_db, regular) as conn:
        yield conn


def test_gappy_series_is_not_decomposed_interpolated_or_flagged(gappy):
    frame = decomposition(gappy, REDDITCH)
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
    method = meta_of(frame).method
    assert "missing months are not filled in" in method
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
    assert "no baseline" in method
    assert meta_of(frame).missing_months == tuple(GAPPY_MISSING)


def test_seasonal_table_for_the_command_line(gappy):
    table = seasonal_table(gappy, REDDITCH)
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
    meta = meta_of(table)
    assert meta.missing_months == tuple(GAPPY_MISSING) and meta.partial_note == ""
    assert meta.place == "Redditch" and meta.period_a.label == "Mar 2018–Jan 2019"
    assert "No STL decomposition" in meta.method


def test_a_selection_with_no_incidents_is_not_decomposed(gappy):
    frame = decomposition(gappy, Selection(source="police_uk", districts=("Wyre Forest",)))
    assert (frame.method_code == "none").all() and not frame.outside_band.any()
    assert meta_of(frame).method.startswith("Not decomposed: no complete month in the window has any incident")
    assert flagged_months(frame) == ()


def test_gap_fallback_expected_values_and_poisson_band_by_hand(level_change):
    frame = decomposition(level_change, REDDITCH).set_index("month")
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


def test_gap_fallback_agrees_with_a_poisson_glm(geo_db):
    """Independent check of the fallback baseline: statsmodels' Poisson GLM with year and month effects."""
    rows = LEVEL_CHANGE[:] + [("2018-12", 31), ("2019-12", 11), ("2019-08", 19)]
    rows[5] = ("2019-11", 13)  # no longer exactly multiplicative
    with connect_with(geo_db, fixed(rows)) as conn:
        frame = decomposition(conn, REDDITCH)
    present = frame[frame.present].reset_index(drop=True)
    fy = [m.year if m.month >= 4 else m.year - 1 for m in present.month]
    design = pd.get_dummies(
        pd.DataFrame({"fy": fy, "moy": [m.month for m in present.month]}).astype(str), drop_first=True
    ).astype(float)
    glm = sm.GLM(present["count"].astype(float), sm.add_constant(design), family=sm.families.Poisson()).fit()
    assert np.allclose(present.expected, glm.fittedvalues, rtol=1e-7)
    assert np.allclose(present.trend + present.seasonal + present.residual, present["count"].astype(float))


def _check_stl_against_classical(frame: pd.DataFrame) -> None:
    """STL's seasonal shape against statsmodels' classical (moving-average) decomposition."""
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


def test_stl_decomposition_agrees_with_classical_decomposition(regular_store):
    frame = decomposition(regular_store, REGULAR_REDDITCH)
    assert (frame.method_code == "stl").all() and frame.trend.notna().all()
    assert frame.method.iloc[0].startswith("STL (period 12, robust) on Jan 2014–Dec 2018")
    _check_stl_against_classical(frame)
    assert frame.groupby([m.month for m in frame.month]).seasonal.mean().idxmax() == 10
    # The band: expected ± 1.96 × max(1.4826 × MAD of the residuals, √expected).
    residual = frame.residual.to_numpy()
    scale = 1.4826 * np.median(np.abs(residual - np.median(residual)))
    half = 1.96 * np.maximum(scale, np.sqrt(frame.expected))
    assert np.allclose(frame.upper, frame.expected + half) and np.allclose(frame.lower, frame.expected - half)
    assert f"{scale:.1f} incidents" in meta_of(frame).method


def test_stl_flags_a_spike_and_says_which_way(regular_store):
    frame = decomposition(regular_store, REGULAR_BROMSGROVE)
    flagged = frame[frame.outside_band]
    assert date(2017, 6, 1) in flagged.month.tolist()
    # A 95% band leaves about 1 ordinary month in 20 outside by chance; the spike stands out most.
    departure = (frame["count"].astype(float) - frame.expected).abs() / (frame.upper - frame.expected)
    assert frame.month[departure.idxmax()] == date(2017, 6, 1)
    june = [f for f in flagged_months(frame) if f.month == date(2017, 6, 1)]
    assert june and june[0].direction == "above" and june[0].month_label == "Jun 2017"
    assert [f.month for f in flagged_months(frame)] == flagged.month.tolist()


def test_a_short_contiguous_series_is_not_decomposed(regular_store):
    frame = decomposition(regular_store, REGULAR_REDDITCH, parse_period("FY2017"))
    assert (frame.method_code == "profile").all()
    assert frame.method.iloc[0].startswith("no STL decomposition: the series is too short")
    # One year: every month is its own baseline, so nothing can be flagged.
    assert np.allclose(frame.residual, 0, atol=1e-9) and not frame.outside_band.any()
    # A calendar year spans two financial years that share no calendar month: levels are per
    # financial year, so January to March 2017 (2016-17) have no baseline rather than a made-up one.
    calendar = decomposition(regular_store, REGULAR_REDDITCH, parse_period("CY2017"))
    assert calendar.expected.isna().tolist() == [True] * 3 + [False] * 9
    assert not calendar.outside_band.any()


def test_partial_months_are_never_flagged_and_the_table_says_why(geo_db):
    selection = Selection(source="extract")
    with connect_with(geo_db, partial_edges) as conn:
        assert not decomposition(conn, selection).outside_band.any()
        meta = meta_of(seasonal_table(conn, selection))
    assert meta.partial_note == (
        "Jun 2019 is partial: the data start on 10 Jun 2019; Aug 2019 is partial: the data end on 15 Aug 2019"
    )
    assert meta.partial_months == ("2019-06", "2019-08")


def test_synthetic_extract_decomposition_agrees_with_classical_decomposition(built_conn):
    frame = decomposition(built_conn, NORTH_WORCS_EXTRACT)
    assert (frame.method_code == "stl").all()
    assert frame.method.iloc[0].startswith("STL (period 12, robust) on Apr 2015–Jul 2019")
    _check_stl_against_classical(frame)
    last = frame.iloc[-1]
    assert last.partial and pd.isna(last.expected) and not last.outside_band


def test_police_uk_gaps_are_not_decomposed(built_conn):
    frame = decomposition(built_conn, NORTH_WORCS_POLICE)
    assert (frame.method_code == "profile").all()
    assert frame.method.iloc[0].startswith("no STL decomposition: the series has gaps")
    assert frame.loc[~frame.present, "expected"].isna().all() and not frame.loc[~frame.present, "outside_band"].any()
    missing = meta_of(seasonal_table(built_conn, NORTH_WORCS_POLICE)).missing_months
    assert "2024-05" in missing and len(missing) == 66
