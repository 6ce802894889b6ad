"""Two periods side by side: what a comparison table is, whether its periods are like for like,
and which pair to show when nobody has chosen one.

Every table that compares period A with period B (ward deltas, incident types, districts, crime
year to date, hot-spot persistence, top places) takes its :class:`TableMeta` from
:func:`comparison_meta`; the pages and the command line take their default pair from
:func:`default_comparison`.
"""

from __future__ import annotations

from datetime import date

import duckdb

from analytics.analyses.quality import gaps_in_words
from analytics.core.errors import AnalyticsError
from analytics.core.periods import Period, calendar_year_period, financial_year_period, month_range_period
from analytics.core.selection import Selection
from analytics.core.table_meta import PeriodCoverage, TableMeta
from analytics.core.vocabulary import SYNTHETIC_SOURCES
from analytics.data.query import months_present, place

#: How a source is named in a sentence about its months.
_SOURCE_IN_WORDS = {
    "police_uk": "police.uk",
    "extract": "the force extract",
    "crime_extract": "the force crime extract",
}


def coverage(present: set[date], period: Period) -> PeriodCoverage:
    """A period and the months of it the source (holding the months ``present``) has no row for."""
    missing = tuple(m.strftime("%Y-%m") for m in period.months if m not in present)
    return PeriodCoverage(period.label, period.n_months, missing)


def comparison_meta(
    conn: duckdb.DuckDBPyConnection, selection: Selection, period_a: Period, period_b: Period | None = None
) -> TableMeta:
    """What a table of ``selection`` over one period, or two compared, is about."""
    # The source's months, read once: each period's missing months and the source's gaps come from them.
    months = months_present(conn, selection.source)
    present = set(months)
    a = coverage(present, period_a)
    b = coverage(present, period_b) if period_b is not None else None
    return TableMeta(
        measure=selection.category_label,
        place=place(conn, selection),
        source=selection.source_label,
        synthetic=selection.source in SYNTHETIC_SOURCES,
        boundaries=selection.boundaries.upper(),
        period_a=a,
        period_b=b,
        not_comparable=not_comparable(selection.source, a, b) if b is not None else "",
        source_gaps=gaps_in_words(months),
    )


def not_comparable(source: str, a: PeriodCoverage, b: PeriodCoverage) -> str:
    """Why two periods are not like for like, or "": the source lacks months of one of them, or
    they are of different lengths.

    A count over the months held is true, but its change against a complete period is not a
    change in incidents (police.uk holds 4 months of 2024: "rose 277%" would be the gap); nor is
    the change from one month to a year (+1,333%). So the tables withhold difference, percentage
    and significance, and the pages say this instead. (The command line can compare periods of
    different lengths per month, when asked: core.change.per_month_change.)"""
    if a.missing or b.missing:
        return (
            f"Not comparable: {_SOURCE_IN_WORDS.get(source, source)} holds {a.held} of {a.months} "
            f"months of {a.label} and {b.held} of {b.months} of {b.label}, so no change is given."
        )
    if a.months != b.months:
        return (
            f"Not comparable: {a.label} has {a.months} month{'s' if a.months != 1 else ''} and {b.label} "
            f"has {b.months}, so no change is given; compare periods of the same length."
        )
    return ""


def default_comparison(conn: duckdb.DuckDBPyConnection, source: str) -> tuple[Period, Period]:
    """The most recent like-for-like pair of periods the source holds in full.

    In order: the latest two complete financial years; the latest two complete calendar years;
    the months of the latest year that are also present a year earlier (police.uk here:
    Jan–Apr 2024 against Jan–Apr 2025); the latest month against itself.
    """
    present = set(months_present(conn, source))
    if not present:
        raise AnalyticsError(
            f"The store holds no {source} rows.",
            title="No data",
            fix="Run `python -m analytics build`, or load files with `python -m analytics ingest`.",
        )
    years = sorted({m.year for m in present}, reverse=True)
    for pair in (financial_year_period, calendar_year_period):
        for year in years:
            a, b = pair(year - 1), pair(year)
            if all(m in present for m in a.months + b.months):
                return a, b
    for year in years:
        run = _shared_run(present, year)
        if run:
            b = month_range_period(run[0], run[-1])
            a = month_range_period(run[0].replace(year=year - 1), run[-1].replace(year=year - 1))
            return a, b
    latest = max(present)
    return month_range_period(latest, latest), month_range_period(latest, latest)


def _shared_run(present: set[date], year: int) -> list[date]:
    """The first contiguous run of months of ``year`` that the source also holds a year earlier."""
    shared = sorted(m for m in present if m.year == year and m.replace(year=year - 1) in present)
    run: list[date] = []
    for month in shared:
        if run and (month.month - run[-1].month) != 1:
            break
        run.append(month)
    return run
