"""What the coming months should bring: a forecast of the next 1 to 6 months of one selection,
with 80% and 95% prediction intervals, its backtest on the source's own history, and the
command-line table of it (``python -m analytics table forecast``).

The forecast stands at the last month of the history (the window, by default every month the
source holds) and rests on the continuous months that end there: at least
:data:`~analytics.analyses.forecast_model.MIN_MONTHS` (24), none missing. A missing month is
missing, never 0 and never filled in: where the months before the forecast are too few or broken
by a gap (police.uk's embedded months are not continuous before 2025), nothing is forecast and the
reason names the months. A partial month at the end (the synthetic extract's August 2019, held to
the 28th) is fitted for the days it holds, so the forecast starts with the month after it.

The model, its intervals and the rule are in :mod:`analytics.analyses.forecast_model`; the
backtest in :mod:`analytics.analyses.forecast_backtest`.
"""

from __future__ import annotations

import calendar
import datetime
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

from analytics.analyses.forecast_backtest import BACKTEST_COLUMNS, backtest
from analytics.analyses.forecast_model import (
    DRAWS,
    LEVELS,
    MAX_HORIZON,
    MIN_MONTHS,
    ModelFit,
    fit_model,
    interval_columns,
)
from analytics.analyses.seasonal_series import MonthlySeries, load_series, series_meta
from analytics.core.errors import AnalyticsError
from analytics.core.periods import Period, month_label, month_range_period, month_runs
from analytics.core.selection import Selection
from analytics.core.table_meta import TableMeta, with_meta

__all__ = ["MODEL_IN_WORDS", "ForecastResult", "forecast", "forecast_rows", "forecast_table", "refusal_reason"]

#: The model in one sentence, for a councillor.
MODEL_IN_WORDS = (
    "Each coming month is expected to be the level of the latest twelve months times that calendar month's "
    "usual share of a year, learned from every year held; its ranges allow both for how much months stray "
    "from that pattern and for how sure the pattern itself is."
)

_INTERVALS = [c for level in sorted(LEVELS, reverse=True) for c in interval_columns(level)]
#: The forecast's columns (the chart's frame: history rows, then forecast rows).
FRAME_COLUMNS = ["month", "month_label", "horizon", "count", "forecast", *_INTERVALS, "present", "partial", "in_model"]
#: The command-line table's columns: the forecast months, each beside its horizon's backtest.
TABLE_COLUMNS = [
    "month",
    "month_label",
    "horizon",
    "forecast",
    "lower_95",
    "lower_80",
    "upper_80",
    "upper_95",
    "backtest_forecasts",
    "backtest_mase",
    "backtest_mase_naive",
    "backtest_coverage_80",
    "backtest_coverage_95",
]
# The report times at a source's two ends: how much of a partial first or last month it holds.
_SOURCE_REPORTS_SQL = "SELECT min(reported_at), max(reported_at) FROM incidents WHERE source = ?"


@dataclass(frozen=True)
class ForecastResult:
    """A forecast and its backtest.

    ``frame``: the history's months (``count``, ``in_model``) then the forecast months
    (``horizon``, ``forecast`` and the intervals), with its TableMeta; ``backtest``: the
    summary of :func:`analytics.analyses.forecast_backtest.backtest` with the same TableMeta;
    ``refusal``: why nothing is forecast ("" when it is); ``method``: the model, the months it
    rests on and the backtest, in full; ``origin``: the month the forecast stands at.
    """

    frame: pd.DataFrame
    backtest: pd.DataFrame
    refusal: str
    method: str
    origin: datetime.date
    synthetic: bool

    @property
    def forecasts(self) -> pd.DataFrame:
        """The forecast months only."""
        return self.frame[self.frame["horizon"].notna()]


def _continuous_start(present: np.ndarray) -> int:
    """The index where the run of present months that ends at the last month starts."""
    start = len(present)
    while start > 0 and present[start - 1]:
        start -= 1
    return start


def refusal_reason(series: MonthlySeries, source: str) -> str:
    """Why ``series`` cannot carry a seasonal forecast ("" when it can): too few months in the
    history, or a month missing from the source among the :data:`MIN_MONTHS` before the forecast."""
    frame = series.frame
    present = frame["present"].to_numpy(dtype=bool)
    origin = series.window.end
    start = _continuous_start(present)
    held = len(present) - start
    if held >= MIN_MONTHS:
        return ""
    needed = Period(_months_before(origin, MIN_MONTHS - 1), origin, "")
    gaps = [m for m in needed.months if series.window.contains(m) and m in set(series.missing)]
    rule = f"a seasonal model needs at least {MIN_MONTHS} continuous months ending {month_label(origin)}"
    if held:
        run = f"only {held} continuous month{'s' if held != 1 else ''} ({_span(frame['month'].iloc[start], origin)})"
    else:
        run = "no data for that month"
    reason = f"Not forecast: {rule}; the {source} holds {run}"
    if gaps:
        reason += f", and has no data for {month_runs(gaps)}"
    short_window = series.window.n_months < MIN_MONTHS and not gaps
    if short_window:
        reason += f"; the history chosen ({series.window.label}) has {series.window.n_months} months"
    return reason + "."


def _months_before(month: datetime.date, n: int) -> datetime.date:
    index = month.year * 12 + month.month - 1 - n
    return datetime.date(index // 12, index % 12 + 1, 1)


def _span(first: datetime.date, last: datetime.date) -> str:
    return month_range_period(first, last).label


def _check_horizon(horizon: object) -> int:
    if isinstance(horizon, bool) or not isinstance(horizon, (int, np.integer)) or not 1 <= horizon <= MAX_HORIZON:
        raise AnalyticsError(
            f"The horizon must be a whole number of months from 1 to {MAX_HORIZON}; got {horizon!r}.",
            title="Invalid horizon",
            fix=f"Give --horizon 1, 2, ... or {MAX_HORIZON}.",
        )
    return int(horizon)


def _days(month: datetime.date) -> int:
    return calendar.monthrange(month.year, month.month)[1]


def _held_share(month: datetime.date, first_day: datetime.date, last_day: datetime.date) -> float:
    """The share of ``month``'s days from ``first_day`` to ``last_day`` (both within it or beyond)."""
    days = _days(month)
    month_end = month + datetime.timedelta(days=days - 1)
    held = (min(last_day, month_end) - max(first_day, month)).days + 1
    return max(0.0, min(1.0, held / days))


def _exposure(conn: duckdb.DuckDBPyConnection, series: MonthlySeries, source: str, start: int) -> np.ndarray:
    """1 for each whole month of the run from ``start``; the share of its days held for a partial one."""
    frame = series.frame.iloc[start:]
    exposure = np.ones(len(frame))
    if frame["partial"].any():
        first, last = conn.execute(_SOURCE_REPORTS_SQL, [source]).fetchone() or (None, None)
        for i, (month, partial) in enumerate(zip(frame["month"], frame["partial"], strict=True)):
            if partial and first is not None and last is not None:
                exposure[i] = _held_share(month, first.date(), last.date())
    return exposure


def _whole_months(frame: pd.DataFrame) -> slice:
    """The run without a partial month at either end: what the backtest tests."""
    partial = frame["partial"].to_numpy(dtype=bool)
    start, stop = 0, len(frame)
    while start < stop and partial[start]:
        start += 1
    while stop > start and partial[stop - 1]:
        stop -= 1
    return slice(start, stop)


def _fit_text(fit: ModelFit, run: pd.DataFrame, exposure: np.ndarray, seed: int) -> str:
    months = run["month"].tolist()
    partial = [
        f"{month_label(m)} for the {round(share * _days(m))} of its {_days(m)} days held"
        for m, share in zip(months, exposure, strict=True)
        if share < 1
    ]
    latest = _span(months[-min(12, len(months))], months[-1])
    change = fit.latest_against_previous
    level = f", {change:+.1%} on the 12 before" if change is not None else ""
    return (
        "Poisson log-linear model (GLM): a coefficient for each calendar month and a level for each "
        f"12-month block counted back from the last month, fitted to the {fit.n} continuous months "
        f"{_span(months[0], months[-1])}"
        + (f" ({'; '.join(partial)})" if partial else "")
        + f"; the forecast takes the level of the latest 12 months ({latest}{level}); over-dispersion "
        f"φ = {fit.dispersion:.2f} (Pearson χ² / residual degrees of freedom, at least 1); prediction intervals: "
        f"quantiles of {DRAWS:,} simulated months (seed {seed}), the months' log means drawn from their estimated "
        "normal distribution (covariance scaled by φ) and counts from a negative binomial with variance φ × mean."
    )


def _backtest_text(summary: pd.DataFrame, whole: pd.DataFrame) -> str:
    if summary.empty:
        return (
            f"No backtest: it needs more than {MIN_MONTHS} whole continuous months (a model fitted on "
            f"{MIN_MONTHS} and at least one month after them to test it on); the history has {len(whole)}, so "
            "how far to trust these ranges is untested."
        )
    months = whole["month"].tolist()
    first, last = months[MIN_MONTHS - 1], months[-2]
    pooled = summary.iloc[-1]
    return (
        f"Backtest: rolling origin at each month from {month_label(first)} to {month_label(last)} "
        f"({pooled['origins']} origins; {pooled['forecasts']} forecasts, 1 to {summary['horizon'].max()} months "
        "ahead): MASE "
        f"{pooled['mase']:.2f} against {pooled['mase_naive']:.2f} for the seasonal-naive forecast (the same month "
        "a year earlier), each error scaled by the seasonal-naive forecast's in-sample mean absolute error at its "
        f"origin; {pooled['coverage_80']:.0%} of months inside the 80% intervals, {pooled['coverage_95']:.0%} "
        "inside the 95%."
    )


def _forecast_rows(series: MonthlySeries, fit: ModelFit, horizon: int, seed: int) -> pd.DataFrame:
    origin = series.window.end
    months = [_months_before(origin, -h) for h in range(1, horizon + 1)]
    predicted = fit.intervals(np.array([m.month for m in months]), seed=seed)
    return pd.DataFrame(
        {
            "month": months,
            "month_label": [month_label(m) for m in months],
            "horizon": pd.array(range(1, horizon + 1), dtype="Int64"),
            **predicted,
        }
    )


def _history_rows(series: MonthlySeries, start: int | None) -> pd.DataFrame:
    frame = series.frame[["month", "month_label", "count", "present", "partial"]].copy()
    frame["in_model"] = np.arange(len(frame)) >= (start if start is not None else len(frame))
    return frame


def _result(
    series: MonthlySeries, meta: TableMeta, rows: list[pd.DataFrame], summary: pd.DataFrame, refusal: str, method: str
) -> ForecastResult:
    frame = pd.concat(rows, ignore_index=True) if len(rows) > 1 else rows[0]
    frame["horizon"] = frame.get("horizon", pd.Series(pd.NA, index=frame.index)).astype("Int64")
    for column in FRAME_COLUMNS:
        if column not in frame.columns:
            frame[column] = np.nan
    frame["present"] = frame["present"].fillna(False).astype(bool)
    frame["partial"] = frame["partial"].fillna(False).astype(bool)
    frame["in_model"] = frame["in_model"].fillna(False).astype(bool)
    meta = meta.with_(method=method, title="Forecast")
    return ForecastResult(
        with_meta(frame[FRAME_COLUMNS], meta),
        with_meta(summary, meta),
        refusal,
        method,
        series.window.end,
        series.synthetic,
    )


def forecast(
    conn: duckdb.DuckDBPyConnection,
    selection: Selection,
    period: Period | str | None = None,
    horizon: int = MAX_HORIZON,
    seed: int = 0,
) -> ForecastResult:
    """The forecast of the ``horizon`` months after ``period`` (the history; default every month
    the source holds) for ``selection``, with its backtest, or the reason there is none.

    Counts are incidents a month; the intervals are central 80% and 95% prediction intervals
    of a month's count (whole incidents); the month the forecast stands at is the history's
    last month. Deterministic for a given ``seed``.
    """
    horizon = _check_horizon(horizon)
    series = load_series(conn, selection, period)
    meta = series_meta(conn, selection, series)
    refusal = refusal_reason(series, selection.source_label)
    start = _continuous_start(series.frame["present"].to_numpy(dtype=bool))
    run = series.frame.iloc[start:]
    exposure = _exposure(conn, series, selection.source, start) if not refusal else np.ones(0)
    counts = run["count"].to_numpy(dtype=float)
    month_of_year = np.array([m.month for m in run["month"]])
    try:
        fit = None if refusal else fit_model(counts, month_of_year, exposure)
    except ValueError as error:
        # A calendar month (or a year) with no incident at all: the model has no estimate of it.
        refusal = (
            f"Not forecast: {error} ({_span(run['month'].iloc[0], series.window.end)}), so the seasonal model has "
            "no estimate for it; counts this small are better read month by month."
        )
    if refusal or fit is None:
        empty = pd.DataFrame(columns=BACKTEST_COLUMNS)
        return _result(series, meta, [_history_rows(series, None)], empty, refusal, refusal)
    whole = _whole_months(run)
    summary, _ = backtest(counts[whole], month_of_year[whole], horizon, seed)
    rows = [_history_rows(series, start), _forecast_rows(series, fit, horizon, seed)]
    method = f"{_fit_text(fit, run, exposure, seed)} {_backtest_text(summary, run.iloc[whole])}"
    return _result(series, meta, rows, summary, "", method)


def forecast_table(
    conn: duckdb.DuckDBPyConnection,
    selection: Selection,
    period: Period | str | None = None,
    horizon: int = MAX_HORIZON,
    seed: int = 0,
) -> pd.DataFrame:
    """The table ``python -m analytics table forecast`` prints: one row per month forecast
    (``month``, ``month_label``, ``horizon`` in months after the history's last month), the
    ``forecast`` (expected incidents, 0.1) and the 95% and 80% intervals (whole incidents), each
    beside its horizon's backtest (``backtest_forecasts`` tested, ``backtest_mase``,
    ``backtest_mase_naive``, ``backtest_coverage_80``, ``backtest_coverage_95`` as shares). No
    rows when nothing can be forecast; the TableMeta's ``method`` then says why, and otherwise
    states the model, the months it rests on and the backtest over all horizons.
    """
    return forecast_rows(forecast(conn, selection, period, horizon, seed))


def forecast_rows(result: ForecastResult) -> pd.DataFrame:
    """:func:`forecast_table` of a forecast already made: its months beside their backtest."""
    table = result.forecasts.drop(columns=["count", "present", "partial", "in_model"]).reset_index(drop=True)
    by_horizon = result.backtest.dropna(subset=["horizon"]).set_index("horizon")
    for column in ("forecasts", "mase", "mase_naive", "coverage_80", "coverage_95"):
        values = table["horizon"].map(by_horizon[column]) if not by_horizon.empty else np.nan
        table[f"backtest_{column}"] = values
    table["forecast"] = table["forecast"].round(1)
    for column in _INTERVALS:  # quantiles of simulated counts: whole incidents
        table[column] = pd.to_numeric(table[column]).round().astype("Int64")
    for column in ("backtest_mase", "backtest_mase_naive", "backtest_coverage_80", "backtest_coverage_95"):
        table[column] = pd.to_numeric(table[column]).round(3)
    table["backtest_forecasts"] = pd.to_numeric(table["backtest_forecasts"]).astype("Int64")
    return with_meta(table[TABLE_COLUMNS], result.frame.attrs["meta"])
