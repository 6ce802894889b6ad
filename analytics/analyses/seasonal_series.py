"""The monthly series every seasonal analysis starts from: incidents per calendar month of one
selection over a window, with the months the source lacks and those it holds only in part.

Every function of the seasonal analyses (this module, :mod:`~analytics.analyses.seasonal_profile`,
:mod:`~analytics.analyses.decomposition`, :mod:`~analytics.analyses.year_on_year` and
:mod:`~analytics.analyses.seasonal`) takes a DuckDB connection, a
:class:`~analytics.core.selection.Selection` (source, category, place, boundary vintage) and an
optional :class:`~analytics.core.periods.Period` window (default: every month from the source's
first month to its last). Counts are aggregated in DuckDB, one row per month; pandas only sees
those monthly totals.

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
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from analytics.core.errors import AnalyticsError
from analytics.core.periods import Period, month_label, month_range_period, parse_period
from analytics.core.selection import Selection
from analytics.core.table_meta import PeriodCoverage, TableMeta, with_meta
from analytics.data.query import check_selection, one_row, place

__all__ = [
    "MONTH_NAMES",
    "MonthlySeries",
    "load_series",
    "monthly_series",
    "series_meta",
]

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


def _check_period(period: object) -> Period | None:
    if period is None or isinstance(period, Period):
        return period
    if isinstance(period, str):
        return parse_period(period)
    raise AnalyticsError(
        f"The period must be a Period or text such as 'FY2017'; got {period!r}.",
        title="Invalid period",
        fix="Give a period such as FY2017, CY2025 or 2024-01..2024-04.",
    )


def _check_selection(conn: duckdb.DuckDBPyConnection, selection: object) -> Selection:
    if not isinstance(selection, Selection):
        raise AnalyticsError(
            f"Expected a Selection; got {type(selection).__name__}.",
            title="Invalid selection",
            fix="Build one with analytics.data.query.Selection(source=..., category=...).",
        )
    check_selection(conn, selection)
    return selection


def _last_day(month: datetime.date) -> datetime.date:
    following = datetime.date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return following - datetime.timedelta(days=1)


def _months(flags: pd.Series[bool], months: pd.Series[Any]) -> list[datetime.date]:
    return [m for m, flag in zip(months, flags, strict=False) if flag]


@dataclass(frozen=True)
class MonthlySeries:
    """The monthly series of one selection over a window, plus what the source says about it."""

    frame: pd.DataFrame  # month, month_label, count, present, partial
    window: Period
    synthetic: bool
    partial_notes: tuple[str, ...]

    @property
    def complete(self) -> pd.Series[bool]:
        """Months that can be compared: present in the source and whole."""
        return self.frame["present"] & ~self.frame["partial"]

    @property
    def missing(self) -> list[datetime.date]:
        return _months(~self.frame["present"], self.frame["month"])

    @property
    def partial_months(self) -> list[datetime.date]:
        return _months(self.frame["partial"], self.frame["month"])


def _partial_ends(
    first: datetime.date,
    last: datetime.date,
    first_report: datetime.datetime | None,
    last_report: datetime.datetime | None,
) -> dict[datetime.date, str]:
    """A source's first or last month is partial when its report times start late or stop early."""
    partial: dict[datetime.date, str] = {}
    if first_report is not None and first_report.date() > first:
        partial[first] = f"{month_label(first)} is partial: the data start on {first_report.date():%d %b %Y}"
    if last_report is not None and last_report.date() < _last_day(last):
        partial[last] = f"{month_label(last)} is partial: the data end on {last_report.date():%d %b %Y}"
    return partial


def _series_frame(
    months: list[datetime.date],
    counts: dict[datetime.date, int],
    source_months: dict[datetime.date, bool],
    partial: dict[datetime.date, str],
) -> pd.DataFrame:
    present = [m in source_months for m in months]
    return pd.DataFrame(
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


def load_series(conn: duckdb.DuckDBPyConnection, selection: object, period: object) -> MonthlySeries:
    """The selection's monthly series over ``period`` (a Period, its text, or None for the source's
    whole extent), after checking both; the start of every seasonal analysis."""
    selection = _check_selection(conn, selection)
    window = _check_period(period)
    first, last, first_report, last_report = one_row(conn.execute(_SOURCE_EXTENT_SQL, [selection.source]))
    if first is None:
        raise AnalyticsError(
            f"The store holds no rows from the {selection.source_label}.",
            title="No data",
            fix="Run `python -m analytics build`, or load files with `python -m analytics ingest`.",
        )
    window = window if window is not None else month_range_period(first, last)
    source_months: dict[datetime.date, bool] = dict(
        conn.execute(_SOURCE_MONTHS_SQL, [selection.source, window.start, window.end_exclusive]).fetchall()
    )
    condition, params = selection.where(window)
    counts: dict[datetime.date, int] = dict(
        conn.execute(_MONTHLY_COUNTS_SQL.format(condition=condition), params).fetchall()
    )
    partial = _partial_ends(first, last, first_report, last_report)
    frame = _series_frame(window.months, counts, source_months, partial)
    notes = tuple(note for m, note in sorted(partial.items()) if window.contains(m))
    return MonthlySeries(frame, window, any(source_months.values()), notes)


def series_meta(conn: duckdb.DuckDBPyConnection, selection: Selection, series: MonthlySeries) -> TableMeta:
    """What a table of the series is: measure, place, source (marked SYNTHETIC when its rows
    are), ward vintage, the window with its missing months, and the partial months. Each
    analysis adds its own notes (method, profile, partial months) with ``.with_``."""
    label = selection.source_label
    missing = tuple(m.strftime("%Y-%m") for m in series.missing)
    return TableMeta(
        measure=selection.category_label,
        place=place(conn, selection),
        source=label + (" [SYNTHETIC]" if series.synthetic and "SYNTHETIC" not in label else ""),
        synthetic=series.synthetic,
        boundaries=selection.boundaries.upper(),
        period_a=PeriodCoverage(series.window.label, series.window.n_months, missing),
        missing_months=missing,
        partial_months=tuple(m.strftime("%Y-%m") for m in series.partial_months),
    )


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
        or last month, not wholly covered; see the module notes). Its
        :class:`~analytics.core.table_meta.TableMeta` holds ``missing_months`` and
        ``partial_months`` as ``"YYYY-MM"`` strings.

    Examples
    --------
    Police.uk data for Oct 2018 to Feb 2019 and Jan to Apr 2024: ``monthly_series(conn,
    Selection("police_uk"), parse_period("2019-01..2019-04"))`` gives January and February
    with counts and March and April ``<NA>``, ``present`` False.
    """
    series = load_series(conn, selection, period)
    return with_meta(series.frame.copy(), series_meta(conn, selection, series))
