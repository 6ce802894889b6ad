"""What the seasonal analysis found, in one record for a page to put into words: the peak and
lowest month of the level-adjusted month-of-year profile, spring and summer, the months outside
the expected band and how many a 95% band leaves outside by chance, the missing and partial
months, and the full years' totals.

The parts it draws on, each with its own table: :mod:`analytics.analyses.seasonal_series` (the
monthly series, missing and partial months), :mod:`analytics.analyses.seasonal_profile` (the
month-of-year profile and its Poisson year × month model), :mod:`analytics.analyses.decomposition`
(STL, the expected band, flagged months, the command-line table) and
:mod:`analytics.analyses.year_on_year` (years side by side and their totals).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import duckdb
import pandas as pd

from analytics.analyses.decomposition import CHANCE_OUTSIDE_BAND, FlaggedMonth, decompose, flagged_months
from analytics.analyses.seasonal_profile import month_findings, profile_note, year_month_profile
from analytics.analyses.seasonal_series import load_series, series_meta
from analytics.analyses.year_on_year import check_year_type, yearly_totals
from analytics.core.periods import Period
from analytics.core.selection import Selection

__all__ = ["SeasonalSummary", "summarise"]


@dataclass(frozen=True)
class SeasonalSummary:
    """What the seasonal analysis found, for a page to put into words.

    Attributes
    ----------
    source, category, place, window : str
        What was counted, where and when (labels).
    synthetic : bool
        True when the source's rows in the window are SYNTHETIC demonstration data.
    peak_month, peak_index : str or None, int or None
        The calendar month with the highest (level-adjusted) profile and its index (100 = an
        average month); None without data.
    trough_month, trough_index : str or None, int or None
        The lowest month.
    spring_below_mean, summer_below_mean : bool or None
        True when every spring (Mar-May) / summer (Jun-Aug) month with data sits below the
        mean of the monthly profile; None when none of them has data.
    months_above_mean, months_below_mean : tuple of str
        Month names by the same profile.
    profile_balanced : bool
        Every year contributes every month with data (plain and adjusted indices agree).
    profile_basis : str
        How the months were compared.
    years_per_month : tuple of int
        Years contributing to January .. December.
    flagged : tuple of FlaggedMonth
        Months outside the expected band.
    months_with_band : int
        Months that have an expected band (complete months that were modelled).
    flags_expected_by_chance : float
        How many of those a 95% band leaves outside by chance alone (5% of them): a page
        should say so before calling a flagged month unusual.
    method : str
        How the expected band was computed.
    missing_months, partial_months : tuple of datetime.date
        Months the source has no data for; partial months (not compared).
    partial_note : str
        Why a month is partial ("" when none is).
    years_compared : tuple of str
        Years (``year_type``) with at least one complete month in the window.
    full_years : tuple of str
        Years with all 12 months complete.
    full_year_totals : dict
        Label -> incidents, for the full years.
    year_total_spread_pct : float or None
        (largest - smallest) / smallest full-year total × 100: every full year is within this
        percentage of every other. None with fewer than two full years.
    month_mean_counts, month_factors, month_indices : tuple
        January .. December: mean incidents a month (NaN without data), the level-adjusted factor
        and its index (None without data). Public mode uses them to describe only the months it
        may show (a month whose mean count is below the threshold is not drawn either).
    """

    source: str
    category: str
    place: str
    window: str
    synthetic: bool
    peak_month: str | None
    peak_index: int | None
    trough_month: str | None
    trough_index: int | None
    spring_below_mean: bool | None
    summer_below_mean: bool | None
    months_above_mean: tuple[str, ...]
    months_below_mean: tuple[str, ...]
    profile_balanced: bool
    profile_basis: str
    years_per_month: tuple[int, ...]
    flagged: tuple[FlaggedMonth, ...]
    months_with_band: int
    flags_expected_by_chance: float
    method: str
    missing_months: tuple[datetime.date, ...]
    partial_months: tuple[datetime.date, ...]
    partial_note: str
    years_compared: tuple[str, ...]
    full_years: tuple[str, ...]
    full_year_totals: dict[str, int]
    year_total_spread_pct: float | None
    month_mean_counts: tuple[float, ...] = ()
    month_factors: tuple[float, ...] = ()
    month_indices: tuple[int | None, ...] = ()


def _spread_pct(totals: dict[str, int]) -> float | None:
    """How far apart the full years' totals are, as a percentage of the smallest."""
    if len(totals) < 2 or min(totals.values()) <= 0:
        return None
    return 100 * (max(totals.values()) - min(totals.values())) / min(totals.values())


def summarise(
    conn: duckdb.DuckDBPyConnection,
    selection: Selection,
    period: Period | str | None = None,
    year_type: str = "financial",
) -> SeasonalSummary:
    """Everything a page needs to describe the seasonal pattern in words (see SeasonalSummary).

    The profile used is the level-adjusted one (equal to the plain month-of-year means when
    every year contributes every month); "below the mean" means an index under 100.
    """
    year_type = check_year_type(year_type)
    series = load_series(conn, selection, period)
    profile = year_month_profile(series)
    decomposed, method = decompose(series, profile)
    totals = yearly_totals(series, year_type)
    full = totals[totals["full_year"]]
    full_totals = {str(label): int(total) for label, total in zip(full["year_label"], full["total"], strict=False)}
    with_band = int(decomposed["upper"].notna().sum())
    indices = [None if pd.isna(i) else int(i) for i in profile.frame["adjusted_index"]]
    meta = series_meta(conn, selection, series)
    return SeasonalSummary(
        source=meta.source,
        category=meta.measure,
        place=meta.place,
        window=series.window.label,
        synthetic=series.synthetic,
        **month_findings(profile.factors.tolist(), indices),
        profile_balanced=profile.balanced,
        profile_basis=profile_note(profile),
        years_per_month=tuple(int(y) for y in profile.frame["years"]),
        flagged=flagged_months(decomposed),
        months_with_band=with_band,
        flags_expected_by_chance=round(CHANCE_OUTSIDE_BAND * with_band, 1),
        method=method,
        missing_months=tuple(series.missing),
        partial_months=tuple(series.partial_months),
        partial_note="; ".join(series.partial_notes),
        years_compared=tuple(totals["year_label"][totals["months_complete"] > 0]),
        full_years=tuple(full["year_label"]),
        full_year_totals=full_totals,
        year_total_spread_pct=_spread_pct(full_totals),
        month_mean_counts=tuple(float(m) for m in profile.frame["mean_count"]),
        month_factors=tuple(float(f) for f in profile.factors),
        month_indices=tuple(indices),
    )
