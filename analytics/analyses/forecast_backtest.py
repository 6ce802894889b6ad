"""How well the forecast would have done on the source's own history: a rolling-origin backtest.

Standing at each month of the history in turn (an *origin*), the model of
:mod:`analytics.analyses.forecast_model` is fitted to the months up to it (at least
:data:`~analytics.analyses.forecast_model.MIN_MONTHS`) and forecasts the next 1 to ``horizon``
months the history holds; each forecast is then set against what happened.

- **MASE** (mean absolute scaled error): each error is divided by the mean absolute error the
  seasonal-naive forecast (the same month a year earlier) makes *within* that origin's own
  months, ``mean |y_t - y_(t-12)|``; the mean of these scaled errors is the MASE. Below 1, the
  model beat, on average, the seasonal-naive forecast's in-sample error; ``mase_naive`` is the
  same measure for the seasonal-naive forecast itself on the same origins, for comparison.
- **Coverage**: the share of the months that fell inside the 80% and 95% prediction intervals.
  An honest 80% interval holds about 80% of them.

Only whole months are tested: a partial month is neither a month to fit on nor one to test. An
origin whose months hold a calendar month with no incident at all makes no forecast (the model
cannot be fitted there) and is not counted.

>>> import numpy as np
>>> months = np.arange(30) % 12 + 1
>>> counts = np.where(months == 10, 200.0, 100.0)
>>> summary, _ = backtest(counts, months, horizon=2)
>>> summary["origins"].tolist(), summary["forecasts"].tolist()
([6, 5, 6], [6, 5, 11])
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from analytics.analyses.forecast_model import LEVELS, MIN_MONTHS, fit_model, interval_columns

__all__ = ["BACKTEST_COLUMNS", "SEASON", "backtest", "backtest_errors", "origins_of"]

#: The seasonal-naive forecast's lag: the same month a year earlier.
SEASON = 12

#: The summary's columns, in order.
BACKTEST_COLUMNS = [
    "horizons",
    "horizon",
    "origins",
    "forecasts",
    "mae",
    "mase",
    "mase_naive",
    "coverage_80",
    "coverage_95",
]


def origins_of(n: int) -> range:
    """The origins of a backtest of ``n`` months: the index of each origin's last month fitted."""
    return range(MIN_MONTHS - 1, n - 1)


def backtest_errors(
    counts: npt.NDArray[np.float64], month_of_year: npt.NDArray[np.int64], horizon: int, seed: int = 0
) -> pd.DataFrame:
    """Every forecast of the backtest, one row each: ``origin`` (index of its last month fitted),
    ``horizon``, ``target`` (index of the month forecast), ``actual``, ``forecast``, ``naive``
    (the same month a year before the target), ``scale`` (the origin's in-sample seasonal-naive
    MAE) and, per level, ``inside_80`` / ``inside_95``."""
    counts = np.asarray(counts, dtype=float)
    month_of_year = np.asarray(month_of_year)
    rows = []
    for origin in origins_of(len(counts)):
        seen = counts[: origin + 1]
        try:
            fit = fit_model(seen, month_of_year[: origin + 1])
        except ValueError:
            continue  # a calendar month with no incident yet: no forecast from this origin
        targets = np.arange(origin + 1, min(origin + horizon, len(counts) - 1) + 1)
        predicted = fit.intervals(month_of_year[targets], seed=seed + origin)
        scale = float(np.mean(np.abs(seen[SEASON:] - seen[:-SEASON])))
        for k, target in enumerate(targets):
            row = {
                "origin": origin,
                "horizon": int(target - origin),
                "target": int(target),
                "actual": counts[target],
                "forecast": float(predicted["forecast"][k]),
                "naive": counts[target - SEASON],
                "scale": scale,
            }
            for level in LEVELS:
                low, high = interval_columns(level)
                inside = predicted[low][k] <= counts[target] <= predicted[high][k]
                row[f"inside_{round(level * 100)}"] = bool(inside)
            rows.append(row)
    return pd.DataFrame(rows)


def _summary_row(label: str, horizon: int | None, errors: pd.DataFrame) -> dict[str, object]:
    scaled = (errors["actual"] - errors["forecast"]).abs() / errors["scale"]
    naive = (errors["actual"] - errors["naive"]).abs() / errors["scale"]
    return {
        "horizons": label,
        "horizon": horizon,
        "origins": int(errors["origin"].nunique()),
        "forecasts": len(errors),
        "mae": float((errors["actual"] - errors["forecast"]).abs().mean()),
        # A history that repeats itself exactly has a seasonal-naive error of 0: no scale, no MASE.
        "mase": float(scaled.mean()) if (errors["scale"] > 0).all() else float("nan"),
        "mase_naive": float(naive.mean()) if (errors["scale"] > 0).all() else float("nan"),
        "coverage_80": float(errors["inside_80"].mean()),
        "coverage_95": float(errors["inside_95"].mean()),
    }


def backtest(
    counts: npt.NDArray[np.float64], month_of_year: npt.NDArray[np.int64], horizon: int, seed: int = 0
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The backtest's summary and its forecasts (:func:`backtest_errors`).

    The summary has a row per horizon (``horizons`` "1 month ahead", ``horizon`` 1, ...) and a
    last row of all of them (``horizon`` None): ``origins`` and ``forecasts`` tested, ``mae``
    (incidents), ``mase``, ``mase_naive``, ``coverage_80`` and ``coverage_95`` (shares, 0 to 1).
    Empty when the history has no origin (``MIN_MONTHS`` + 1 whole months are the fewest).
    """
    errors = backtest_errors(counts, month_of_year, horizon, seed)
    if errors.empty:
        return pd.DataFrame(columns=BACKTEST_COLUMNS), errors
    rows = [
        _summary_row(f"{h} month{'s' if h > 1 else ''} ahead", h, errors[errors["horizon"] == h])
        for h in sorted(errors["horizon"].unique())
    ]
    rows.append(_summary_row(f"all, {rows[0]['horizon']} to {rows[-1]['horizon']} months ahead", None, errors))
    summary = pd.DataFrame(rows, columns=BACKTEST_COLUMNS)
    summary["horizon"] = summary["horizon"].astype("Int64")
    return summary, errors
