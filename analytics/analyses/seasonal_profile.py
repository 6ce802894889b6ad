"""The month-of-year profile: the typical count of each calendar month, plain and level-adjusted,
its peak month, and what the seasonal sentence says of it.

Why a level-adjusted profile
----------------------------
The plain month-of-year mean is only fair when every year contributes every month. When
years contribute different months and the level changes between years, the plain mean
mistakes the change of level for a season: police.uk ASB here runs near 700 a month in
Oct 2018–Feb 2019 but near 300 in 2024-25, so the plain means make October to February
look high whatever the season. The profile therefore also gives ``adjusted_index`` from a
Poisson log-linear model ``count ~ financial-year level × month-of-year factor`` fitted to
the complete months present (no month is filled in). On balanced data (the same years for
every month) it equals the plain index; :func:`peak_month` and
:func:`analytics.analyses.seasonal.summarise` use it.

Missing and partial months are left out (see :mod:`analytics.analyses.seasonal_series`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypedDict

import duckdb
import numpy as np
import numpy.typing as npt
import pandas as pd

from analytics.analyses.seasonal_series import MONTH_NAMES, MonthlySeries, load_series, series_meta
from analytics.core.periods import Period, financial_year, round_half_up
from analytics.core.selection import Selection
from analytics.core.table_meta import with_meta

__all__ = [
    "SPRING",
    "SUMMER",
    "MonthFindings",
    "Profile",
    "month_findings",
    "month_of_year_profile",
    "peak_month",
    "profile_note",
    "year_month_profile",
]

#: The panel's "spring and summer months", as calendar month numbers.
SPRING = (3, 4, 5)
SUMMER = (6, 7, 8)

_IPF_TOLERANCE = 1e-12
_IPF_MAX_ITERATIONS = 10_000

Floats = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Profile:
    """The month-of-year profile of a series and the model behind its adjusted index."""

    frame: pd.DataFrame
    balanced: bool
    # Fitted multiplicative model on the complete months of the largest connected block:
    levels: dict[int, float]  # financial year -> level
    factors: Floats  # 12 month-of-year factors (NaN where not estimable)
    modelled_years: frozenset[int]


def _largest_block(cells: pd.DataFrame) -> pd.DataFrame:
    """The cells of the largest connected block of years and calendar months (the one holding
    the latest year on a tie): years that share no calendar month with the rest cannot be put
    on the same scale."""
    parent: dict[tuple[str, int], tuple[str, int]] = {("y", int(y)): ("y", int(y)) for y in cells.fy.unique()}
    parent |= {("m", m): ("m", m) for m in range(1, 13)}

    def root(node: tuple[str, int]) -> tuple[str, int]:
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for fy, moy in zip(cells.fy, cells.moy, strict=False):
        parent[root(("y", fy))] = root(("m", moy))
    block_of = [root(("y", fy)) for fy in cells.fy]
    sizes = pd.Series(block_of).value_counts(sort=False)
    largest = max(
        sizes.index, key=lambda b: (sizes[b], max(fy for fy, bl in zip(cells.fy, block_of, strict=False) if bl == b))
    )
    return cells[[b == largest for b in block_of]]


def _proportional_fit(
    table: Floats, observed: npt.NDArray[np.bool_], months_used: npt.NDArray[np.bool_]
) -> tuple[Floats, Floats]:
    """Year levels and month factors by iterative proportional fitting, whose fixed point is the
    Poisson MLE: each level makes its year's fitted total equal its observed total, each factor
    does the same for its calendar month."""
    year_totals, month_totals = table.sum(axis=1), table.sum(axis=0)
    level = np.ones(len(table))
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
    return level, factor


def _fit_year_month_model(cells: pd.DataFrame) -> tuple[dict[int, float], Floats, frozenset[int]]:
    """Poisson maximum likelihood for ``count[y, m] = level[y] × factor[m]`` over the observed cells.

    ``cells`` has columns fy (financial year), moy (1-12) and count. Only the largest connected
    block of years and months is identifiable; factors outside it are NaN. The factors are
    scaled to mean 1 over the months estimated.
    """
    block = _largest_block(cells)
    block_years = sorted(int(y) for y in block.fy.unique())
    y_index = {y: i for i, y in enumerate(block_years)}
    table = np.zeros((len(block_years), 12))
    observed = np.zeros((len(block_years), 12), dtype=bool)
    for fy, moy, count in zip(block.fy, block.moy, block["count"], strict=False):
        table[y_index[fy], moy - 1] = count
        observed[y_index[fy], moy - 1] = True
    months_used = np.asarray(observed.any(axis=0), dtype=np.bool_)
    level, factor = _proportional_fit(table, observed, months_used)
    scale = factor[months_used].mean()
    factors = np.full(12, np.nan)
    if scale > 0:
        factors[months_used] = factor[months_used] / scale
    levels = {y: float(level[i] * scale) for y, i in y_index.items()}
    return levels, factors, frozenset(block_years)


def _index(ratio: float) -> Any:
    return round_half_up(100 * ratio) if np.isfinite(ratio) else pd.NA


def _profile_frame(means: Floats, years: npt.NDArray[np.integer[Any]], overall: float, factors: Floats) -> pd.DataFrame:
    ratio = means / overall if overall > 0 else np.full(12, np.nan)
    return pd.DataFrame(
        {
            "month_of_year": np.arange(1, 13),
            "month_name": list(MONTH_NAMES),
            "mean_count": means,
            "years": years,
            "index": pd.array([_index(r) for r in ratio], dtype="Int64"),
            "above_mean": pd.array(
                [bool(means[i] > overall) if np.isfinite(ratio[i]) else pd.NA for i in range(12)], dtype="boolean"
            ),
            "adjusted_index": pd.array([_index(f) for f in factors], dtype="Int64"),
            # Unrounded, to rank months whose indices round alike (the chart and the sentence agree).
            "adjusted_factor": factors.astype(float),
        }
    )


def year_month_profile(series: MonthlySeries) -> Profile:
    """The profile of a series' complete months, plain and level-adjusted."""
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
    overall = float(means[has_data].mean()) if has_data.any() else math.nan

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
    return Profile(_profile_frame(means, years, overall, factors), balanced, levels, factors, modelled)


def profile_note(profile: Profile) -> str:
    """Which index to read, in words."""
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
        incidents at all in the window, get ``<NA>``. Its TableMeta's ``balanced`` and
        ``profile_note`` say which index to read.

    Examples
    --------
    Two complete years with 90 and 110 incidents in March give March ``mean_count`` 100.0 and
    ``years`` 2; if the twelve monthly means average 125, March's ``index`` is 80.
    """
    series = load_series(conn, selection, period)
    profile = year_month_profile(series)
    meta = series_meta(conn, selection, series).with_(balanced=profile.balanced, profile_note=profile_note(profile))
    return with_meta(profile.frame.copy(), meta)


def _peak(profile: Profile) -> dict[str, Any] | None:
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
        "index": int(row["adjusted_index"]),
        "plain_index": None if pd.isna(row["index"]) else int(row["index"]),
        "mean_count": float(row["mean_count"]),
        "years": int(row["years"]),
        "tied_with": [MONTH_NAMES[j] for j in tied[1:]],
        "basis": "month-of-year mean" if profile.balanced else "level-adjusted month-of-year factor",
    }


def peak_month(
    conn: duckdb.DuckDBPyConnection, selection: Selection, period: Period | str | None = None
) -> dict[str, Any] | None:
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
    return _peak(year_month_profile(load_series(conn, selection, period)))


class MonthFindings(TypedDict):
    """What :func:`month_findings` finds (fields of :class:`~analytics.analyses.seasonal.SeasonalSummary`)."""

    months_above_mean: tuple[str, ...]
    months_below_mean: tuple[str, ...]
    peak_month: str | None
    peak_index: int | None
    trough_month: str | None
    trough_index: int | None
    spring_below_mean: bool | None
    summer_below_mean: bool | None


def month_findings(
    factors: Sequence[float], indices: Sequence[int | None], months: Iterable[int] | None = None
) -> MonthFindings:
    """What the seasonal sentence says of the month-of-year profile, over ``months`` (0-based
    calendar months; default every month with data): peak and lowest month (on the unrounded
    level-adjusted factor, the first of a tie), whether every spring (Mar-May) and summer
    (Jun-Aug) month sits below average, and the months above and below it. Above and below go by
    the index the profile chart draws (100 is average), so a month at 100 is called neither.
    Public mode passes only the months it may show."""
    shown = [i for i in range(12) if math.isfinite(factors[i])] if months is None else list(months)

    drawn = {i: index for i in shown if (index := indices[i]) is not None}
    found = MonthFindings(
        months_above_mean=tuple(MONTH_NAMES[i] for i, index in drawn.items() if index > 100),
        months_below_mean=tuple(MONTH_NAMES[i] for i, index in drawn.items() if index < 100),
        peak_month=None,
        peak_index=None,
        trough_month=None,
        trough_index=None,
        spring_below_mean=None,
        summer_below_mean=None,
    )
    if not shown or max(factors[i] for i in shown) <= 0:
        return found
    top = max(factors[i] for i in shown)
    peak = next(i for i in shown if math.isclose(factors[i], top, rel_tol=1e-9))
    low = min(shown, key=lambda i: (factors[i], i))

    def below(season: tuple[int, ...]) -> bool | None:
        values = [index < 100 for m in season if m - 1 in shown and (index := indices[m - 1]) is not None]
        return all(values) if values else None

    found["peak_month"], found["peak_index"] = MONTH_NAMES[peak], indices[peak]
    found["trough_month"], found["trough_index"] = MONTH_NAMES[low], indices[low]
    found["spring_below_mean"], found["summer_below_mean"] = below(SPRING), below(SUMMER)
    return found
