"""Seasonal patterns in monthly incident counts: the series, the month-of-year profile, a
seasonal decomposition with an expected band, a year-on-year overlay and a plain summary.

Every function takes a DuckDB connection, a :class:`~analytics.data.query.Selection` (source,
category, place, boundary vintage) and an optional :class:`~analytics.core.periods.Period`
window (default: every month from the source's first month to its last). Counts are
aggregated in DuckDB, one row per month; pandas only sees those monthly totals.

Units and conventions
---------------------
- A count is a number of incidents (rows of ``incidents``) in one calendar month, by the
  ``month`` column (first day of the month the incident falls in).
- A month is **missing** when the *source* has no rows at all for it (police.uk data here
  has gaps): its count is ``<NA>``, never 0, never interpolated and never flagged. A month
  the source has but the selection has no rows in is a real 0.
- A month is **partial** when it is the source's first or last month and the source's
  report times (``reported_at``, force extracts only) do not cover the whole month: the
  synthetic extract ends on 28 August 2019. A partial month keeps its count but is left out
  of the profile, the decomposition and the flags, because it is not comparable with whole
  months. police.uk gives months only, so its months are never partial.
- Years: financial years run April to March and are labelled ``"2017-18"``
  (:func:`analytics.core.periods.financial_year_label`); calendar years ``"2025"``.

Why a level-adjusted profile
----------------------------
The plain month-of-year mean is only fair when every year contributes every month. When
years contribute different months and the level changes between years, the plain mean
mistakes the change of level for a season: police.uk ASB here runs near 700 a month in
Oct 2018–Feb 2019 but near 300 in 2024-25, so the plain means make October to February
look high whatever the season. The profile therefore also gives ``adjusted_index`` from a
Poisson log-linear model ``count ~ financial-year level × month-of-year factor`` fitted to
the complete months present (no month is filled in). On balanced data (the same years for
every month) it equals the plain index; :func:`peak_month` and :func:`summarise` use it.
"""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

from analytics.core.errors import AnalyticsError, invalid_choice
from analytics.core.periods import (
    Period,
    financial_year,
    financial_year_label,
    month_label,
    month_range_period,
    parse_period,
    round_half_up,
)
from analytics.core.selection import Selection
from analytics.data.query import check_selection, one_row, place

__all__ = [
    "STL_PERIOD",
    "STL_MIN_MONTHS",
    "BAND_Z",
    "CHANCE_OUTSIDE_BAND",
    "MAD_TO_SD",
    "YEAR_TYPES",
    "MONTH_NAMES",
    "SPRING",
    "SUMMER",
    "FlaggedMonth",
    "SeasonalSummary",
    "month_findings",
    "monthly_series",
    "month_of_year_profile",
    "decomposition",
    "peak_month",
    "year_on_year",
    "year_totals",
    "seasonal_table",
    "summarise",
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
#: How year_on_year and year_totals group months into years.
YEAR_TYPES = ("financial", "calendar")
#: Fixed English month names: strftime("%B") follows the process locale.
MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
#: The panel's "spring and summer months", as calendar month numbers.
SPRING = (3, 4, 5)
SUMMER = (6, 7, 8)

METHOD_STL = "stl"
METHOD_PROFILE = "profile"
METHOD_NONE = "none"

# Residuals within this of the band's edge are not flagged: the edges are floating point and
# a perfectly regular series (zero residual scale) must not be flagged on rounding noise.
_FLAG_TOLERANCE = 1e-6
_IPF_TOLERANCE = 1e-12
_IPF_MAX_ITERATIONS = 10_000

# Monthly counts for one selection: the condition comes from Selection.where (allow-listed
# column names, every value a parameter).
_MONTHLY_COUNTS_SQL = "SELECT month, count(*) AS incidents FROM incidents WHERE {condition} GROUP BY month"
# The months the source holds in the window, whatever the selection: a month not here is missing.
_SOURCE_MONTHS_SQL = """
    SELECT month, bool_or(synthetic) AS synthetic FROM incidents
    WHERE source = ? AND month >= ? AND month < ? GROUP BY month"""
# The source's extent, and the report times at its two ends (NULL for police.uk, which gives months only).
_SOURCE_EXTENT_SQL = """
    SELECT min(month), max(month), min(reported_at), max(reported_at) FROM incidents WHERE source = ?"""


# ---------------------------------------------------------------------------
# Arguments and the monthly series
# ---------------------------------------------------------------------------


def _check_year_type(year_type: str) -> str:
    if year_type not in YEAR_TYPES:
        raise invalid_choice("year type", year_type, YEAR_TYPES)
    return year_type


def _check_period(period: Period | str | None) -> Period | None:
    if period is None or isinstance(period, Period):
        return period
    if isinstance(period, str):
        return parse_period(period)
    raise AnalyticsError(
        f"The period must be a Period or text such as 'FY2017'; got {period!r}.",
        title="Invalid period",
        fix="Give a period such as FY2017, CY2025 or 2024-01..2024-04.",
    )


def _check_selection(conn: duckdb.DuckDBPyConnection, selection: Selection) -> None:
    if not isinstance(selection, Selection):
        raise AnalyticsError(
            f"Expected a Selection; got {type(selection).__name__}.",
            title="Invalid selection",
            fix="Build one with analytics.data.query.Selection(source=..., category=...).",
        )
    check_selection(conn, selection)


def _last_day(month: datetime.date) -> datetime.date:
    following = datetime.date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return following - datetime.timedelta(days=1)


@dataclass(frozen=True)
class _Series:
    """The monthly series of one selection over a window, plus what the source says about it."""

    frame: pd.DataFrame  # month, month_label, count, present, partial
    window: Period
    synthetic: bool
    partial_notes: tuple[str, ...]

    @property
    def complete(self) -> pd.Series:
        """Months that can be compared: present in the source and whole."""
        return self.frame.present & ~self.frame.partial

    @property
    def missing(self) -> list[datetime.date]:
        return [m for m, p in zip(self.frame.month, self.frame.present, strict=False) if not p]

    @property
    def partial_months(self) -> list[datetime.date]:
        return [m for m, p in zip(self.frame.month, self.frame.partial, strict=False) if p]


def _load_series(conn: duckdb.DuckDBPyConnection, selection: Selection, period: Period | str | None) -> _Series:
    _check_selection(conn, selection)
    period = _check_period(period)
    first, last, first_report, last_report = one_row(conn.execute(_SOURCE_EXTENT_SQL, [selection.source]))
    if first is None:
        raise AnalyticsError(
            f"The store holds no rows from the {selection.source_label}.",
            title="No data",
            fix="Run `python -m analytics build`, or load files with `python -m analytics ingest`.",
        )
    window = period if period is not None else month_range_period(first, last)
    source_months = dict(
        conn.execute(_SOURCE_MONTHS_SQL, [selection.source, window.start, window.end_exclusive]).fetchall()
    )
    condition, params = selection.where(window)
    counts = dict(conn.execute(_MONTHLY_COUNTS_SQL.format(condition=condition), params).fetchall())

    # A source's first or last month is partial when its report times start late or stop early.
    partial: dict[datetime.date, str] = {}
    if first_report is not None and first_report.date() > first:
        partial[first] = f"{month_label(first)} is partial: the data start on {first_report.date():%d %b %Y}"
    if last_report is not None and last_report.date() < _last_day(last):
        partial[last] = f"{month_label(last)} is partial: the data end on {last_report.date():%d %b %Y}"

    months = window.months
    present = [m in source_months for m in months]
    frame = pd.DataFrame(
        {
            "month": months,
            "month_label": [month_label(m) for m in months],
            "count": pd.array(
                [counts.get(m, 0) if p else pd.NA for m, p in zip(months, present, strict=False)], dtype="Int64"
            ),
            "present": np.array(present, dtype=bool),
            "partial": np.array([p and m in partial for m, p in zip(months, present, strict=False)], dtype=bool),
        }
    )
    notes = tuple(note for m, note in sorted(partial.items()) if window.contains(m))
    return _Series(frame, window, any(source_months.values()), notes)


def monthly_series(
    conn: duckdb.DuckDBPyConnection, selection: Selection, period: Period | str | None = None
) -> pd.DataFrame:
    """Incidents per calendar month, one row per month of the window.

    Parameters
    ----------
    conn : duckdb.DuckDBPyConnection
        The store.
    selection : Selection
        Source, category, districts/wards and boundary vintage to count.
    period : Period or str, optional
        The months to show (e.g. ``parse_period("FY2017")`` or ``"2015-04..2019-08"``). Default:
        from the source's first month to its last, whatever the selection.

    Returns
    -------
    DataFrame
        ``month`` (datetime.date, first day of the month), ``month_label`` (``"Oct 2018"``),
        ``count`` (Int64 incidents; ``<NA>`` when the source has no data at all for the month;
        0 when the source has the month but the selection has no incidents in it),
        ``present`` (bool: the source has the month) and ``partial`` (bool: the source's first
        or last month, not wholly covered; see the module notes). ``attrs`` holds
        ``missing_months`` and ``partial_months`` as ``"YYYY-MM"`` strings.

    Examples
    --------
    Police.uk data for Oct 2018 to Feb 2019 and Jan to Apr 2024: ``monthly_series(conn,
    Selection("police_uk"), parse_period("2019-01..2019-04"))`` gives January and February
    with counts and March and April ``<NA>``, ``present`` False.
    """
    series = _load_series(conn, selection, period)
    frame = series.frame.copy()
    frame.attrs.update(_describe(conn, selection, series))
    return frame


# ---------------------------------------------------------------------------
# Month-of-year profile
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Profile:
    frame: pd.DataFrame
    balanced: bool
    # Fitted multiplicative model on the complete months of the largest connected block:
    levels: dict[int, float]  # financial year -> level
    factors: np.ndarray  # 12 month-of-year factors (NaN where not estimable)
    modelled_years: frozenset[int]


def _fit_year_month_model(cells: pd.DataFrame) -> tuple[dict[int, float], np.ndarray, frozenset[int]]:
    """Poisson maximum likelihood for ``count[y, m] = level[y] × factor[m]`` over the observed cells.

    ``cells`` has columns fy (financial year), moy (1-12) and count. Fitted by iterative
    proportional fitting, whose fixed point is the Poisson MLE: each level makes its year's
    fitted total equal its observed total, each factor does the same for its calendar month.
    Only the largest connected block of years and months is identifiable (years that share no
    calendar month with the rest cannot be put on the same scale); factors outside it are NaN.
    The factors are scaled to mean 1 over the months estimated.
    """
    years = sorted(cells.fy.unique())
    parent = {("y", y): ("y", y) for y in years} | {("m", m): ("m", m) for m in range(1, 13)}

    def root(node):
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for fy, moy in zip(cells.fy, cells.moy, strict=False):
        parent[root(("y", fy))] = root(("m", moy))
    block_of = [root(("y", fy)) for fy in cells.fy]
    sizes = pd.Series(block_of).value_counts(sort=False)
    # The block with the most cells; on a tie, the one holding the latest year.
    largest = max(
        sizes.index, key=lambda b: (sizes[b], max(fy for fy, bl in zip(cells.fy, block_of, strict=False) if bl == b))
    )
    block = cells[[b == largest for b in block_of]]

    block_years = sorted(block.fy.unique())
    y_index = {y: i for i, y in enumerate(block_years)}
    table = np.zeros((len(block_years), 12))
    observed = np.zeros((len(block_years), 12), dtype=bool)
    for fy, moy, count in zip(block.fy, block.moy, block["count"], strict=False):
        table[y_index[fy], moy - 1] = count
        observed[y_index[fy], moy - 1] = True
    year_totals, month_totals = table.sum(axis=1), table.sum(axis=0)
    months_used = observed.any(axis=0)
    level = np.ones(len(block_years))
    factor = np.where(months_used, 1.0, 0.0)
    for _ in range(_IPF_MAX_ITERATIONS):
        exposure = (observed * factor).sum(axis=1)
        level = np.divide(year_totals, exposure, out=np.zeros_like(year_totals), where=exposure > 0)
        exposure = (observed * level[:, None]).sum(axis=0)
        new_factor = np.divide(month_totals, exposure, out=np.zeros_like(month_totals), where=exposure > 0)
        change = np.max(np.abs(new_factor - factor)) / max(np.max(np.abs(new_factor)), 1e-300)
        factor = new_factor
        if change < _IPF_TOLERANCE:
            break
    scale = factor[months_used].mean()
    factors = np.full(12, np.nan)
    if scale > 0:
        factors[months_used] = factor[months_used] / scale
    levels = {y: float(level[i] * scale) for y, i in y_index.items()}
    return levels, factors, frozenset(block_years)


def _profile(series: _Series) -> _Profile:
    frame = series.frame[series.complete.to_numpy()]
    cells = pd.DataFrame(
        {
            "fy": [financial_year(m) for m in frame.month],
            "moy": [m.month for m in frame.month],
            "count": frame["count"].astype("int64").to_numpy(),
        }
    )
    by_month = cells.groupby("moy")["count"].agg(["mean", "size"]).reindex(range(1, 13))
    means = by_month["mean"].to_numpy(dtype=float)
    years = by_month["size"].fillna(0).astype("int64").to_numpy()
    has_data = years > 0
    overall = means[has_data].mean() if has_data.any() else math.nan

    # Balanced: every financial year contributes every calendar month that has data at all.
    fys = set(cells.fy)
    balanced = all(set(cells.fy[cells.moy == m]) == fys for m in range(1, 13) if has_data[m - 1])

    levels: dict[int, float] = {}
    factors = np.full(12, np.nan)
    modelled: frozenset[int] = frozenset()
    if len(cells) and cells["count"].sum() > 0:
        levels, factors, modelled = _fit_year_month_model(cells)
    if balanced and overall > 0:
        factors = means / overall  # the MLE on a complete table; set exactly so the two indices agree

    def index(ratio: float):
        return round_half_up(100 * ratio) if np.isfinite(ratio) else pd.NA

    ratio = means / overall if overall > 0 else np.full(12, np.nan)
    profile = pd.DataFrame(
        {
            "month_of_year": np.arange(1, 13),
            "month_name": list(MONTH_NAMES),
            "mean_count": means,
            "years": years,
            "index": pd.array([index(r) for r in ratio], dtype="Int64"),
            "above_mean": pd.array(
                [bool(means[i] > overall) if np.isfinite(ratio[i]) else pd.NA for i in range(12)], dtype="boolean"
            ),
            "adjusted_index": pd.array([index(f) for f in factors], dtype="Int64"),
            # Unrounded, to rank months whose indices round alike (the chart and the sentence agree).
            "adjusted_factor": factors.astype(float),
        }
    )
    return _Profile(profile, balanced, levels, factors, modelled)


def _profile_note(profile: _Profile) -> str:
    if profile.balanced:
        return "Every year contributes every month with data, so adjusted_index equals index."
    return (
        "Years contribute different months, so the plain month-of-year means mix the seasons with changes "
        "of level between years; adjusted_index allows a level for each financial year "
        "(Poisson log-linear model, no month filled in)."
    )


def month_of_year_profile(
    conn: duckdb.DuckDBPyConnection, selection: Selection, period: Period | str | None = None
) -> pd.DataFrame:
    """The typical count for each calendar month, January to December.

    Only complete months present in the source count (missing and partial months are left
    out); ``years`` says how many years contributed to each month.

    Returns
    -------
    DataFrame
        12 rows: ``month_of_year`` (1-12), ``month_name``, ``mean_count`` (float, mean incidents
        per month over the years that have that month; ``NaN`` when none does), ``years`` (int),
        ``index`` (Int64: ``mean_count`` / the mean of the monthly means × 100, rounded half up;
        100 is an average month), ``above_mean`` (boolean: ``mean_count`` above the mean of the
        monthly means) and ``adjusted_index`` (Int64: the month-of-year factor of the
        level-adjusted model × 100, rounded half up; equal to ``index`` when every year
        contributes every month; see the module notes). Months without data, or without
        incidents at all in the window, get ``<NA>``. ``attrs['balanced']`` and
        ``attrs['profile_note']`` say which index to read.

    Examples
    --------
    Two complete years with 90 and 110 incidents in March give March ``mean_count`` 100.0 and
    ``years`` 2; if the twelve monthly means average 125, March's ``index`` is 80.
    """
    series = _load_series(conn, selection, period)
    profile = _profile(series)
    frame = profile.frame.copy()
    frame.attrs.update(_describe(conn, selection, series))
    frame.attrs["balanced"] = profile.balanced
    frame.attrs["profile_note"] = _profile_note(profile)
    return frame


def _peak(profile: _Profile) -> dict | None:
    factors = profile.factors
    if not np.isfinite(factors).any() or np.nanmax(factors) <= 0:
        return None
    top = np.nanmax(factors)
    tied = [i for i in range(12) if np.isfinite(factors[i]) and math.isclose(factors[i], top, rel_tol=1e-9)]
    i = tied[0]
    row = profile.frame.iloc[i]
    return {
        "month_of_year": i + 1,
        "month_name": MONTH_NAMES[i],
        "index": int(row.adjusted_index),
        "plain_index": None if pd.isna(row["index"]) else int(row["index"]),
        "mean_count": float(row.mean_count),
        "years": int(row.years),
        "tied_with": [MONTH_NAMES[j] for j in tied[1:]],
        "basis": "month-of-year mean" if profile.balanced else "level-adjusted month-of-year factor",
    }


def peak_month(
    conn: duckdb.DuckDBPyConnection, selection: Selection, period: Period | str | None = None
) -> dict | None:
    """The calendar month with the highest month-of-year profile, and its index.

    Returns
    -------
    dict or None
        ``month_of_year`` (1-12), ``month_name``, ``index`` (the level-adjusted index, which is
        the plain index when every year contributes every month), ``plain_index``,
        ``mean_count``, ``years``, ``tied_with`` (names of months with the same profile, the
        earliest month being the one returned) and ``basis``. None when the window has no
        complete month with any incident in it.
    """
    series = _load_series(conn, selection, period)
    return _peak(_profile(series))


# ---------------------------------------------------------------------------
# Decomposition and expected band
# ---------------------------------------------------------------------------


def _longest_complete_run(complete: np.ndarray) -> tuple[int, int]:
    """Start and length of the longest run of complete months (the latest on a tie)."""
    best_start, best_length, start = 0, 0, None
    for i, ok in enumerate(list(complete) + [False]):
        if ok and start is None:
            start = i
        elif not ok and start is not None:
            if i - start >= best_length:
                best_start, best_length = start, i - start
            start = None
    return best_start, best_length


def _decompose(series: _Series, profile: _Profile | None = None) -> tuple[pd.DataFrame, str]:
    """The decomposition frame and the full text of the method used."""
    frame = series.frame
    n = len(frame)
    counts = frame["count"].to_numpy(dtype=float, na_value=np.nan)
    complete = series.complete.to_numpy()
    trend, seasonal, residual = np.full(n, np.nan), np.full(n, np.nan), np.full(n, np.nan)
    lower, upper = np.full(n, np.nan), np.full(n, np.nan)
    start, length = _longest_complete_run(complete)
    no_incidents = np.nansum(counts[complete]) == 0

    if no_incidents:
        code = METHOD_NONE
        short = (
            "not decomposed: no incidents in the complete months"
            if complete.any()
            else "not decomposed: no complete month in the window"
        )
        method = (
            "Not decomposed: no complete month in the window has any incident for this selection."
            if complete.any()
            else "Not decomposed: the source has no complete month in the window."
        )
    elif length >= STL_MIN_MONTHS:
        from statsmodels.tsa.seasonal import STL

        run = slice(start, start + length)
        fit = STL(counts[run], period=STL_PERIOD, robust=True).fit()
        trend[run], seasonal[run], residual[run] = fit.trend, fit.seasonal, fit.resid
        scale = MAD_TO_SD * float(np.median(np.abs(fit.resid - np.median(fit.resid))))
        expected = trend[run] + seasonal[run]
        # STL's smooth components absorb part of the month-to-month noise, so the residual scale
        # alone understates it; a count is never flagged for a departure Poisson chance explains.
        half_width = BAND_Z * np.maximum(scale, np.sqrt(np.clip(expected, 0, None)))
        lower[run], upper[run] = expected - half_width, expected + half_width
        code = METHOD_STL
        first, last = frame.month.iloc[start], frame.month.iloc[start + length - 1]
        short = (
            f"STL (period {STL_PERIOD}, robust) on {month_label(first)}–{month_label(last)}; "
            f"band ±{BAND_Z} × max(robust residual SD, √expected)"
        )
        method = (
            f"STL decomposition (statsmodels, period {STL_PERIOD}, robust) of the {length} contiguous "
            f"complete months {month_label(first)} to {month_label(last)}; expected = trend + seasonal; "
            f"band = expected ± {BAND_Z} × the larger of the robust residual SD ({MAD_TO_SD} × median "
            f"absolute deviation of the residuals = {scale:.1f} incidents) and the Poisson SD √expected."
        )
        if length < n:
            method += f" {n - length} month(s) outside that run are not decomposed and never flagged."
    else:
        profile = profile or _profile(series)
        code = METHOD_PROFILE
        reason = "has gaps" if not frame.present.all() else "is too short"
        short = f"no STL decomposition: the series {reason}; expected = year level × month-of-year factor, Poisson band"
        method = (
            f"No STL decomposition: the series {reason} (longest run of complete months: {length}; STL "
            f"needs {STL_MIN_MONTHS}) and missing months are not filled in. Expected = level of the "
            "financial year × month-of-year factor (Poisson log-linear model on the complete months); "
            f"band = expected ± {BAND_Z} × √expected (Poisson). A month that is the only one of its "
            "calendar month or of its year is its own baseline and cannot be flagged."
        )
        for i, month in enumerate(frame.month):
            fy = financial_year(month)
            factor = profile.factors[month.month - 1]
            if not complete[i] or fy not in profile.modelled_years or not np.isfinite(factor):
                continue
            level = profile.levels[fy]
            expected = level * factor
            trend[i], seasonal[i], residual[i] = level, expected - level, counts[i] - expected
            half_width = BAND_Z * math.sqrt(expected)
            lower[i], upper[i] = expected - half_width, expected + half_width
        if (complete & ~np.isfinite(trend)).any():
            method += " Complete months in years that share no calendar month with the other years have no baseline."

    expected = trend + seasonal
    half_width = upper - expected
    outside = complete & np.isfinite(expected) & (np.abs(counts - expected) > half_width + _FLAG_TOLERANCE)
    return pd.DataFrame(
        {
            "month": frame.month,
            "count": frame["count"],
            "trend": trend,
            "seasonal": seasonal,
            "residual": residual,
            "expected": expected,
            # Counts cannot be negative, so the band stops at 0.
            "lower": np.clip(lower, 0, None),
            "upper": upper,
            "outside_band": outside.astype(bool),
            "present": frame.present,
            "partial": frame.partial,
            "method": short,
            "method_code": code,
        }
    ), method


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
        ``attrs['method']`` explains the method in full; ``attrs['missing_months']`` and
        ``attrs['partial_months']`` list those months as ``"YYYY-MM"``.
    """
    series = _load_series(conn, selection, period)
    frame, method = _decompose(series)
    frame.attrs.update(_describe(conn, selection, series))
    frame.attrs["method"] = method
    return frame


# ---------------------------------------------------------------------------
# Years: overlay and totals
# ---------------------------------------------------------------------------


def _year_of(month: datetime.date, year_type: str) -> tuple[int, str, int]:
    """(year, label, position 1-12) of a month: April is position 1 of a financial year."""
    if year_type == "financial":
        fy = financial_year(month)
        return fy, financial_year_label(fy), (month.month - 4) % 12 + 1
    return month.year, str(month.year), month.month


def _first_month_of(year: int, year_type: str) -> datetime.date:
    return datetime.date(year, 4 if year_type == "financial" else 1, 1)


def _year_frame(series: _Series, year_type: str) -> pd.DataFrame:
    frame = series.frame
    by_month = {
        m: (c, p, q) for m, c, p, q in zip(frame.month, frame["count"], frame.present, frame.partial, strict=False)
    }
    years = sorted({_year_of(m, year_type)[0] for m in frame.month})
    rows = []
    for year in years:
        first = _first_month_of(year, year_type)
        for offset in range(12):
            month = datetime.date(first.year + (first.month - 1 + offset) // 12, (first.month - 1 + offset) % 12 + 1, 1)
            count, present, partial = by_month.get(month, (pd.NA, False, False))
            _, label, position = _year_of(month, year_type)
            rows.append(
                (
                    label,
                    year,
                    position,
                    month,
                    MONTH_NAMES[month.month - 1],
                    count,
                    present,
                    partial,
                    series.window.contains(month),
                )
            )
    out = pd.DataFrame(
        rows,
        columns=["year_label", "year", "position", "month", "month_name", "count", "present", "partial", "in_window"],
    )
    out["count"] = out["count"].astype("Int64")
    for column in ("present", "partial", "in_window"):
        out[column] = out[column].astype(bool)
    return out


def year_on_year(
    conn: duckdb.DuckDBPyConnection,
    selection: Selection,
    period: Period | str | None = None,
    year_type: str = "financial",
) -> pd.DataFrame:
    """Each year's months side by side, for an overlay chart (one line per year).

    Parameters
    ----------
    year_type : {"financial", "calendar"}
        Financial years (April to March, labelled ``"2017-18"``, April is position 1) or
        calendar years (labelled ``"2025"``, January is position 1).

    Returns
    -------
    DataFrame
        12 rows for every year that overlaps the window: ``year_label``, ``year`` (the
        calendar year the year starts in), ``position`` (1-12), ``month`` (date),
        ``month_name``, ``count`` (Int64; ``<NA>`` where the source has no data or the month is
        outside the window), ``present`` (the source has the month, within the window),
        ``partial`` and ``in_window`` (bool).

    Examples
    --------
    March 2018 is position 12 of ``"2017-18"``; April 2018 is position 1 of ``"2018-19"``.
    """
    year_type = _check_year_type(year_type)
    series = _load_series(conn, selection, period)
    frame = _year_frame(series, year_type)
    frame.attrs.update(_describe(conn, selection, series))
    return frame


def _totals(series: _Series, year_type: str) -> pd.DataFrame:
    months = _year_frame(series, year_type)
    months["complete"] = months.present & ~months.partial
    grouped = months.groupby(["year_label", "year"], sort=True)
    out = (
        grouped.agg(months_complete=("complete", "sum"), total=("count", lambda c: c.sum(skipna=True)))
        .reset_index()
        .sort_values("year")
    )
    out["full_year"] = out.months_complete == 12
    out["months_complete"] = out.months_complete.astype("int64")
    out["total"] = out["total"].astype("Int64")
    return out[["year_label", "year", "months_complete", "full_year", "total"]].reset_index(drop=True)


def year_totals(
    conn: duckdb.DuckDBPyConnection,
    selection: Selection,
    period: Period | str | None = None,
    year_type: str = "financial",
) -> pd.DataFrame:
    """Incidents per year, saying which years are whole.

    Returns
    -------
    DataFrame
        One row per year overlapping the window: ``year_label``, ``year``, ``months_complete``
        (complete months present, 0-12), ``full_year`` (bool: all 12) and ``total`` (Int64,
        incidents in the months present; only comparable between full years).
    """
    year_type = _check_year_type(year_type)
    series = _load_series(conn, selection, period)
    frame = _totals(series, year_type)
    frame.attrs.update(_describe(conn, selection, series))
    return frame


# ---------------------------------------------------------------------------
# The command-line table and the summary
# ---------------------------------------------------------------------------


def _describe(conn: duckdb.DuckDBPyConnection, selection: Selection, series: _Series) -> dict:
    return {
        "source": selection.source_label
        + (" [SYNTHETIC]" if series.synthetic and "SYNTHETIC" not in selection.source_label else ""),
        "category": selection.category_label,
        "place": place(conn, selection),
        "boundaries": selection.boundaries.upper(),
        "period_a": series.window.label,
        "missing_months": [m.strftime("%Y-%m") for m in series.missing],
        "partial_months": [m.strftime("%Y-%m") for m in series.partial_months],
        "synthetic": series.synthetic,
    }


def seasonal_table(
    conn: duckdb.DuckDBPyConnection, selection: Selection, period: Period | str | None = None
) -> pd.DataFrame:
    """The table ``python -m analytics table seasonal`` prints: the decomposition, month by month.

    Columns: ``month`` (date), ``month_label``, ``count`` (``<NA>`` when missing), ``expected``,
    ``lower``, ``upper``, ``trend``, ``seasonal``, ``residual`` (incidents a month, rounded to
    0.1 for printing; :func:`decomposition` has full precision), ``outside_band``, ``present``,
    ``partial``, ``method``. ``attrs['missing_months']`` lists the missing months (``"YYYY-MM"``),
    ``attrs['partial_months']`` the partial ones and ``attrs['method']`` the method.
    """
    series = _load_series(conn, selection, period)
    frame, method = _decompose(series)
    frame.insert(1, "month_label", series.frame.month_label)
    for column in ("trend", "seasonal", "residual", "expected", "lower", "upper"):
        frame[column] = frame[column].round(1)
    frame = frame[
        [
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
    ]
    frame.attrs.update(_describe(conn, selection, series))
    frame.attrs["method"] = method
    if series.partial_notes:
        frame.attrs["partial_note"] = "; ".join(series.partial_notes)
    return frame


@dataclass(frozen=True)
class FlaggedMonth:
    """A month whose count lies outside the expected band."""

    month: datetime.date
    month_label: str
    count: int
    expected: float
    direction: str  # "above" or "below"


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
    full_year_totals: dict
    year_total_spread_pct: float | None
    month_mean_counts: tuple[float, ...] = ()
    month_factors: tuple[float, ...] = ()
    month_indices: tuple[int | None, ...] = ()


def month_findings(factors, indices, months=None) -> dict:
    """What the seasonal sentence says of the month-of-year profile, over ``months`` (0-based
    calendar months; default every month with data): peak and lowest month (on the unrounded
    level-adjusted factor, the first of a tie), whether every spring (Mar-May) and summer
    (Jun-Aug) month sits below average, and the months above and below it. Above and below go by
    the index the profile chart draws (100 is average), so a month at 100 is called neither.
    Public mode passes only the months it may show."""
    months = [i for i in range(12) if math.isfinite(factors[i])] if months is None else list(months)
    found: dict[str, object] = {
        "months_above_mean": tuple(MONTH_NAMES[i] for i in months if indices[i] is not None and indices[i] > 100),
        "months_below_mean": tuple(MONTH_NAMES[i] for i in months if indices[i] is not None and indices[i] < 100),
        "peak_month": None,
        "peak_index": None,
        "trough_month": None,
        "trough_index": None,
        "spring_below_mean": None,
        "summer_below_mean": None,
    }
    if not months or max(factors[i] for i in months) <= 0:
        return found
    top = max(factors[i] for i in months)
    peak = next(i for i in months if math.isclose(factors[i], top, rel_tol=1e-9))
    low = min(months, key=lambda i: (factors[i], i))

    def below(season: tuple[int, ...]) -> bool | None:
        values = [indices[m - 1] < 100 for m in season if m - 1 in months and indices[m - 1] is not None]
        return all(values) if values else None

    found.update(
        peak_month=MONTH_NAMES[peak],
        peak_index=indices[peak],
        trough_month=MONTH_NAMES[low],
        trough_index=indices[low],
        spring_below_mean=below(SPRING),
        summer_below_mean=below(SUMMER),
    )
    return found


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
    year_type = _check_year_type(year_type)
    series = _load_series(conn, selection, period)
    profile = _profile(series)
    decomposed, method = _decompose(series, profile)
    totals = _totals(series, year_type)
    factors = profile.factors
    full = totals[totals.full_year]
    full_totals = {label: int(total) for label, total in zip(full.year_label, full.total, strict=False)}
    spread = None
    if len(full_totals) >= 2 and min(full_totals.values()) > 0:
        spread = 100 * (max(full_totals.values()) - min(full_totals.values())) / min(full_totals.values())
    flagged = tuple(
        FlaggedMonth(m, month_label(m), int(c), float(e), "above" if c > e else "below")
        for m, c, e, out in zip(
            decomposed.month, decomposed["count"], decomposed.expected, decomposed.outside_band, strict=False
        )
        if out
    )
    with_band = int(decomposed.upper.notna().sum())
    indices = [None if pd.isna(i) else int(i) for i in profile.frame.adjusted_index]
    info = _describe(conn, selection, series)
    return SeasonalSummary(
        source=info["source"],
        category=info["category"],
        place=info["place"],
        window=series.window.label,
        synthetic=series.synthetic,
        **month_findings(factors, indices),
        profile_balanced=profile.balanced,
        profile_basis=_profile_note(profile),
        years_per_month=tuple(int(y) for y in profile.frame.years),
        flagged=flagged,
        months_with_band=with_band,
        flags_expected_by_chance=round(CHANCE_OUTSIDE_BAND * with_band, 1),
        method=method,
        missing_months=tuple(series.missing),
        partial_months=tuple(series.partial_months),
        partial_note="; ".join(series.partial_notes),
        years_compared=tuple(totals.year_label[totals.months_complete > 0]),
        full_years=tuple(full.year_label),
        full_year_totals=full_totals,
        year_total_spread_pct=spread,
        month_mean_counts=tuple(float(m) for m in profile.frame.mean_count),
        month_factors=tuple(float(f) for f in factors),
        month_indices=tuple(indices),
    )
