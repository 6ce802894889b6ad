"""The monthly series split into trend, season and residual, with an expected band and the months
outside it; and the command-line table of it.

STL needs contiguous complete months; a series with gaps or one shorter than two cycles gets a
baseline from the level-adjusted month-of-year model instead
(:mod:`analytics.analyses.seasonal_profile`). Missing months are never filled in, and missing
or partial months are never flagged (see :mod:`analytics.analyses.seasonal_series`).
"""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass, field

import duckdb
import numpy as np
import numpy.typing as npt
import pandas as pd

from analytics.analyses.seasonal_profile import Profile, year_month_profile
from analytics.analyses.seasonal_series import MonthlySeries, load_series, series_meta
from analytics.core.periods import Period, financial_year, month_label
from analytics.core.selection import Selection
from analytics.core.table_meta import with_meta

__all__ = [
    "BAND_Z",
    "CHANCE_OUTSIDE_BAND",
    "MAD_TO_SD",
    "METHOD_NONE",
    "METHOD_PROFILE",
    "METHOD_STL",
    "STL_MIN_MONTHS",
    "STL_PERIOD",
    "FlaggedMonth",
    "decompose",
    "decomposition",
    "flagged_months",
    "seasonal_table",
]

#: Months in a seasonal cycle.
STL_PERIOD = 12
#: STL needs at least two whole cycles of contiguous, complete months.
STL_MIN_MONTHS = 24
#: Half-width of the expected band in standard deviations (a two-sided 95% band for a normal).
BAND_Z = 1.96
#: The share of ordinary months a ±1.96 SD band leaves outside by chance alone.
CHANCE_OUTSIDE_BAND = 0.05
#: Scales a median absolute deviation to a standard deviation for normally distributed residuals.
MAD_TO_SD = 1.4826

METHOD_STL = "stl"
METHOD_PROFILE = "profile"
METHOD_NONE = "none"

# Residuals within this of the band's edge are not flagged: the edges are floating point and
# a perfectly regular series (zero residual scale) must not be flagged on rounding noise.
_FLAG_TOLERANCE = 1e-6

#: The command-line table's columns, in order.
_TABLE_COLUMNS = [
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

Floats = npt.NDArray[np.float64]


@dataclass
class _Fit:
    """The components of a decomposition, month by month (NaN where a month is not modelled),
    and the method: its code, a line for a footnote and the full text."""

    n: int
    code: str = METHOD_NONE
    short: str = ""
    method: str = ""
    trend: Floats = field(init=False)
    seasonal: Floats = field(init=False)
    residual: Floats = field(init=False)
    lower: Floats = field(init=False)
    upper: Floats = field(init=False)

    def __post_init__(self) -> None:
        self.trend, self.seasonal, self.residual, self.lower, self.upper = np.full((5, self.n), np.nan)


def _longest_complete_run(complete: npt.NDArray[np.bool_]) -> tuple[int, int]:
    """Start and length of the longest run of complete months (the latest on a tie)."""
    best_start, best_length, start = 0, 0, None
    for i, ok in enumerate([*complete, False]):
        if ok and start is None:
            start = i
        elif not ok and start is not None:
            if i - start >= best_length:
                best_start, best_length = start, i - start
            start = None
    return best_start, best_length


def _not_decomposed(fit: _Fit, any_complete: bool) -> None:
    fit.code = METHOD_NONE
    if any_complete:
        fit.short = "not decomposed: no incidents in the complete months"
        fit.method = "Not decomposed: no complete month in the window has any incident for this selection."
    else:
        fit.short = "not decomposed: no complete month in the window"
        fit.method = "Not decomposed: the source has no complete month in the window."


def _stl(fit: _Fit, series: MonthlySeries, counts: Floats, start: int, length: int) -> None:
    """STL on the run of ``length`` complete months from ``start``, with its band."""
    # Deferred: statsmodels takes about a second to import, and only a series of at least
    # STL_MIN_MONTHS contiguous complete months needs it.
    from statsmodels.tsa.seasonal import STL

    run = slice(start, start + length)
    result = STL(counts[run], period=STL_PERIOD, robust=True).fit()
    fit.trend[run], fit.seasonal[run], fit.residual[run] = result.trend, result.seasonal, result.resid
    scale = MAD_TO_SD * float(np.median(np.abs(result.resid - np.median(result.resid))))
    expected = fit.trend[run] + fit.seasonal[run]
    # STL's smooth components absorb part of the month-to-month noise, so the residual scale
    # alone understates it; a count is never flagged for a departure Poisson chance explains.
    half_width = BAND_Z * np.maximum(scale, np.sqrt(np.clip(expected, 0, None)))
    fit.lower[run], fit.upper[run] = expected - half_width, expected + half_width
    fit.code = METHOD_STL
    months = series.frame["month"]
    first, last = month_label(months.iloc[start]), month_label(months.iloc[start + length - 1])
    fit.short = (
        f"STL (period {STL_PERIOD}, robust) on {first}–{last}; band ±{BAND_Z} × max(robust residual SD, √expected)"
    )
    fit.method = (
        f"STL decomposition (statsmodels, period {STL_PERIOD}, robust) of the {length} contiguous "
        f"complete months {first} to {last}; expected = trend + seasonal; "
        f"band = expected ± {BAND_Z} × the larger of the robust residual SD ({MAD_TO_SD} × median "
        f"absolute deviation of the residuals = {scale:.1f} incidents) and the Poisson SD √expected."
    )
    if length < fit.n:
        fit.method += f" {fit.n - length} month(s) outside that run are not decomposed and never flagged."


def _profile_baseline(fit: _Fit, series: MonthlySeries, profile: Profile, counts: Floats, length: int) -> None:
    """Expected = the financial year's level × the month-of-year factor, with a Poisson band."""
    frame = series.frame
    complete = series.complete.to_numpy()
    fit.code = METHOD_PROFILE
    reason = "has gaps" if not frame["present"].all() else "is too short"
    fit.short = f"no STL decomposition: the series {reason}; expected = year level × month-of-year factor, Poisson band"
    fit.method = (
        f"No STL decomposition: the series {reason} (longest run of complete months: {length}; STL "
        f"needs {STL_MIN_MONTHS}) and missing months are not filled in. Expected = level of the "
        "financial year × month-of-year factor (Poisson log-linear model on the complete months); "
        f"band = expected ± {BAND_Z} × √expected (Poisson). A month that is the only one of its "
        "calendar month or of its year is its own baseline and cannot be flagged."
    )
    for i, month in enumerate(frame["month"]):
        fy = financial_year(month)
        factor = profile.factors[month.month - 1]
        if not complete[i] or fy not in profile.modelled_years or not np.isfinite(factor):
            continue
        level = profile.levels[fy]
        expected = level * factor
        fit.trend[i], fit.seasonal[i], fit.residual[i] = level, expected - level, counts[i] - expected
        half_width = BAND_Z * math.sqrt(expected)
        fit.lower[i], fit.upper[i] = expected - half_width, expected + half_width
    if (complete & ~np.isfinite(fit.trend)).any():
        fit.method += " Complete months in years that share no calendar month with the other years have no baseline."


def decompose(series: MonthlySeries, profile: Profile | None = None) -> tuple[pd.DataFrame, str]:
    """The decomposition frame of a series and the full text of the method used (``profile``:
    the series' profile when the caller has it already)."""
    frame = series.frame
    counts = frame["count"].to_numpy(dtype=float, na_value=np.nan)
    complete = series.complete.to_numpy()
    fit = _Fit(len(frame))
    start, length = _longest_complete_run(complete)
    if np.nansum(counts[complete]) == 0:
        _not_decomposed(fit, bool(complete.any()))
    elif length >= STL_MIN_MONTHS:
        _stl(fit, series, counts, start, length)
    else:
        _profile_baseline(fit, series, profile or year_month_profile(series), counts, length)

    expected = fit.trend + fit.seasonal
    half_width = fit.upper - expected
    outside = complete & np.isfinite(expected) & (np.abs(counts - expected) > half_width + _FLAG_TOLERANCE)
    return pd.DataFrame(
        {
            "month": frame["month"],
            "count": frame["count"],
            "trend": fit.trend,
            "seasonal": fit.seasonal,
            "residual": fit.residual,
            "expected": expected,
            # Counts cannot be negative, so the band stops at 0.
            "lower": np.clip(fit.lower, 0, None),
            "upper": fit.upper,
            "outside_band": outside.astype(bool),
            "present": frame["present"],
            "partial": frame["partial"],
            "method": fit.short,
            "method_code": fit.code,
        }
    ), fit.method


def decomposition(
    conn: duckdb.DuckDBPyConnection, selection: Selection, period: Period | str | None = None
) -> pd.DataFrame:
    """The monthly series split into trend, season and residual, with an expected band.

    With at least ``STL_MIN_MONTHS`` (24) contiguous complete months, STL (statsmodels, period
    12, robust) decomposes the longest such run: ``count = trend + seasonal + residual``
    exactly; ``expected = trend + seasonal``; the band is ``expected ± 1.96 × max(s, √expected)``
    where ``s = 1.4826 × median(|residual - median(residual)|)`` is a standard deviation of the
    residuals that outlying months do not inflate. The Poisson floor ``√expected`` is there
    because STL's smooth components absorb part of the month-to-month chance variation, so
    ``s`` alone understates it (on the synthetic extract ``s`` is about 5 incidents where
    Poisson chance alone is about 30) and would flag ordinary months. Months outside the run
    keep their count and get no components.

    Otherwise (gaps or a short series, as police.uk data here) nothing is interpolated:
    ``expected`` = the financial year's level × the month-of-year factor of a Poisson
    log-linear model fitted to the complete months (``trend`` is the year's level in
    incidents a month, ``seasonal`` = expected - trend), and the band is the Poisson
    ``expected ± 1.96 × √expected``.

    Returns
    -------
    DataFrame
        One row per month of the window: ``month`` (date), ``count`` (Int64, ``<NA>`` when
        missing), ``trend``, ``seasonal``, ``residual``, ``expected``, ``lower`` (clipped at 0),
        ``upper`` (floats, incidents a month; NaN where not modelled), ``outside_band`` (bool;
        never True for a missing or partial month), ``present``, ``partial``, ``method`` (one
        line for a footnote) and ``method_code`` (``"stl"``, ``"profile"`` or ``"none"``).
        Its TableMeta's ``method`` explains the method in full; ``missing_months`` and
        ``partial_months`` list those months as ``"YYYY-MM"``.
    """
    series = load_series(conn, selection, period)
    frame, method = decompose(series)
    return with_meta(frame, series_meta(conn, selection, series).with_(method=method))


def seasonal_table(
    conn: duckdb.DuckDBPyConnection, selection: Selection, period: Period | str | None = None
) -> pd.DataFrame:
    """The table ``python -m analytics table seasonal`` prints: the decomposition, month by month.

    Columns: ``month`` (date), ``month_label``, ``count`` (``<NA>`` when missing), ``expected``,
    ``lower``, ``upper``, ``trend``, ``seasonal``, ``residual`` (incidents a month, rounded to
    0.1 for printing; :func:`decomposition` has full precision), ``outside_band``, ``present``,
    ``partial``, ``method``. Its TableMeta lists the missing months (``"YYYY-MM"``) and the
    partial ones, and gives the method and a note on the partial months.
    """
    series = load_series(conn, selection, period)
    frame, method = decompose(series)
    frame.insert(1, "month_label", series.frame["month_label"])
    for column in ("trend", "seasonal", "residual", "expected", "lower", "upper"):
        frame[column] = frame[column].round(1)
    meta = series_meta(conn, selection, series).with_(method=method, partial_note="; ".join(series.partial_notes))
    return with_meta(frame[_TABLE_COLUMNS], meta)


@dataclass(frozen=True)
class FlaggedMonth:
    """A month whose count lies outside the expected band."""

    month: datetime.date
    month_label: str
    count: int
    expected: float
    direction: str  # "above" or "below"


def flagged_months(decomposed: pd.DataFrame) -> tuple[FlaggedMonth, ...]:
    """The months of a decomposition outside its expected band, and which way."""
    return tuple(
        FlaggedMonth(m, month_label(m), int(c), float(e), "above" if c > e else "below")
        for m, c, e, out in zip(
            decomposed["month"], decomposed["count"], decomposed["expected"], decomposed["outside_band"], strict=False
        )
        if out
    )
