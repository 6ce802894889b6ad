"""Data quality: what an analyst checks before defending a figure.

Months present and missing per source, rows without a location, rows outside the districts
(counted at load, never stored), how rows got their wards, and rows whose ward differs between
the two boundary vintages.
"""

from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd

from analytics.core.periods import month_label, month_range_period
from analytics.core.vocabulary import SOURCES
from analytics.data.query import months_present, one_row

Check = tuple[str, str, int, str]


def quality_table(conn: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """One row per check and source: columns check, source, value, detail."""
    rows = [row for source in SOURCES for row in _source_checks(conn, source)]
    return pd.DataFrame(rows, columns=["check", "source", "value", "detail"])


def _source_checks(conn: duckdb.DuckDBPyConnection, source: str) -> list[Check]:
    """The checks of one source: its months, its rows and where they were placed."""
    months = months_present(conn, source)
    if not months:
        return [("rows stored", source, 0, "nothing loaded from this source")]
    span = month_range_period(months[0], months[-1])
    missing = [m for m in span.months if m not in set(months)]
    return [
        ("months present", source, len(months), f"{month_label(months[0])} to {month_label(months[-1])}"),
        ("months missing", source, len(missing), _runs(missing) or "none"),
        *_placement_checks(conn, source),
        *_outside_checks(conn, source),
        *_vintage_checks(conn, source),
    ]


def _placement_checks(conn: duckdb.DuckDBPyConnection, source: str) -> list[Check]:
    """Rows stored, and how many were given a ward other than by their own point."""
    stored, no_location, by_lsoa, by_code, unassigned = one_row(
        conn.execute(
            """
            SELECT count(*), count(*) FILTER (WHERE longitude IS NULL),
                   count(*) FILTER (WHERE ward_method_wd22 = 'lsoa' OR ward_method_wd25 = 'lsoa'),
                   count(*) FILTER (WHERE ward_method_wd22 = 'extract_code' OR ward_method_wd25 = 'extract_code'),
                   count(*) FILTER (WHERE ward_wd22 IS NULL OR ward_wd25 IS NULL)
            FROM incidents WHERE source = ?""",
            [source],
        )
    )
    checks: list[Check] = [
        ("rows stored", source, stored, ""),
        ("rows stored without a location", source, no_location, "assigned through their LSOA"),
        (
            "rows given a ward through their LSOA",
            source,
            by_lsoa,
            "no usable point, or the point fell outside every ward of its district (generalised boundaries)",
        ),
    ]
    if source == "extract":
        checks.append(("rows given the extract's own ward code", source, by_code, "no usable point"))
    checks.append(("rows without a ward in one vintage", source, unassigned, ""))
    return checks


def _outside_checks(conn: duckdb.DuckDBPyConnection, source: str) -> list[Check]:
    """Rows the loads counted outside the districts (not stored, never dropped silently)."""
    outside, outside_no_location = one_row(
        conn.execute(
            """
            SELECT coalesce(sum(rows_outside), 0), coalesce(sum(rows_outside_no_location), 0)
            FROM loads WHERE source = ?""",
            [source],
        )
    )
    detail = f"{int(outside_no_location):,} of them with no location"
    return [("rows outside the districts (counted, not stored)", source, int(outside), detail)]


def _vintage_checks(conn: duckdb.DuckDBPyConnection, source: str) -> list[Check]:
    """Per district, the rows whose ward code differs between the two boundary vintages."""
    return [
        (
            f"rows whose ward code differs between WD22 and WD25: {district}",
            source,
            differ,
            f"of {total:,}" + ("; Redditch re-warded in May 2024" if district == "Redditch" else ""),
        )
        for district, differ, total in conn.execute(
            """
            SELECT district, count(*) FILTER (WHERE ward_wd22 IS DISTINCT FROM ward_wd25), count(*)
            FROM incidents WHERE source = ? GROUP BY 1 ORDER BY 1""",
            [source],
        ).fetchall()
    ]


def source_gaps(conn: duckdb.DuckDBPyConnection, source: str) -> str:
    """The months missing inside a source's span, as runs: what every caption must admit."""
    return gaps_in_words(months_present(conn, source))


def gaps_in_words(months: list[date]) -> str:
    """:func:`source_gaps` of the months a source holds (in order), for a caller that has them."""
    if not months:
        return "no data loaded"
    span = month_range_period(months[0], months[-1])
    missing = [m for m in span.months if m not in set(months)]
    coverage = f"{len(months)} of {span.n_months} months from {month_label(months[0])} to {month_label(months[-1])}"
    return f"{coverage}; missing: {_runs(missing)}" if missing else f"{coverage}; none missing"


def _runs(months: list[date]) -> str:
    """Missing months as runs: 'Mar 2019 to Dec 2023 (58 months); ...'."""
    runs: list[tuple[date, date]] = []  # the first and last month of each run
    for month in months:
        if runs and (month.year * 12 + month.month) - (runs[-1][1].year * 12 + runs[-1][1].month) == 1:
            runs[-1] = (runs[-1][0], month)
        else:
            runs.append((month, month))
    parts = []
    for first, last in runs:
        n = (last.year * 12 + last.month) - (first.year * 12 + first.month) + 1
        parts.append(month_label(first) if n == 1 else f"{month_label(first)} to {month_label(last)} ({n} months)")
    return "; ".join(parts)
