"""Years side by side: each year's months for an overlay chart, and each year's total with
whether the year is whole.

Financial years run April to March (labelled ``"2017-18"``, April is position 1); calendar years
January to December (labelled ``"2025"``). Missing months stay ``<NA>`` and partial months are
not complete (see :mod:`analytics.analyses.seasonal_series`).
"""

from __future__ import annotations

import datetime

import duckdb
import pandas as pd

from analytics.analyses.seasonal_series import MONTH_NAMES, MonthlySeries, load_series, series_meta
from analytics.core.errors import invalid_choice
from analytics.core.periods import Period, financial_year, financial_year_label
from analytics.core.selection import Selection
from analytics.core.table_meta import with_meta

__all__ = ["YEAR_TYPES", "check_year_type", "year_on_year", "year_totals", "yearly_totals"]

#: How year_on_year and year_totals group months into years.
YEAR_TYPES = ("financial", "calendar")

_YEAR_COLUMNS = ["year_label", "year", "position", "month", "month_name", "count", "present", "partial", "in_window"]


def check_year_type(year_type: str) -> str:
    """``year_type`` when it is one of :data:`YEAR_TYPES`."""
    if year_type not in YEAR_TYPES:
        raise invalid_choice("year type", year_type, YEAR_TYPES)
    return year_type


def _year_of(month: datetime.date, year_type: str) -> tuple[int, str, int]:
    """(year, label, position 1-12) of a month: April is position 1 of a financial year."""
    if year_type == "financial":
        fy = financial_year(month)
        return fy, financial_year_label(fy), (month.month - 4) % 12 + 1
    return month.year, str(month.year), month.month


def _months_of(year: int, year_type: str) -> list[datetime.date]:
    """The twelve months of a year, in order."""
    first = 4 if year_type == "financial" else 1
    return [datetime.date(year + (first - 1 + offset) // 12, (first - 1 + offset) % 12 + 1, 1) for offset in range(12)]


def _year_frame(series: MonthlySeries, year_type: str) -> pd.DataFrame:
    frame = series.frame
    by_month = {
        m: (c, p, q)
        for m, c, p, q in zip(frame["month"], frame["count"], frame["present"], frame["partial"], strict=False)
    }
    years = sorted({_year_of(m, year_type)[0] for m in frame["month"]})
    rows = []
    for year in years:
        for month in _months_of(year, year_type):
            count, present, partial = by_month.get(month, (pd.NA, False, False))
            _, label, position = _year_of(month, year_type)
            name = MONTH_NAMES[month.month - 1]
            rows.append((label, year, position, month, name, count, present, partial, series.window.contains(month)))
    out = pd.DataFrame(rows, columns=_YEAR_COLUMNS)
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
    year_type = check_year_type(year_type)
    series = load_series(conn, selection, period)
    return with_meta(_year_frame(series, year_type), series_meta(conn, selection, series))


def yearly_totals(series: MonthlySeries, year_type: str) -> pd.DataFrame:
    """The rows of :func:`year_totals` for a series already loaded."""
    months = _year_frame(series, year_type)
    months["complete"] = months["present"] & ~months["partial"]
    grouped = months.groupby(["year_label", "year"], sort=True)
    out = (
        grouped.agg(months_complete=("complete", "sum"), total=("count", lambda c: c.sum(skipna=True)))
        .reset_index()
        .sort_values("year")
    )
    out["full_year"] = out["months_complete"] == 12
    out["months_complete"] = out["months_complete"].astype("int64")
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
    year_type = check_year_type(year_type)
    series = load_series(conn, selection, period)
    return with_meta(yearly_totals(series, year_type), series_meta(conn, selection, series))
