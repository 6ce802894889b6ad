"""Time of week: ASB incidents by hour of the day and day of the week, for planning patrols.

The force extract carries when each incident was reported (``reported_at``, to the second);
police.uk gives the month alone, so on police.uk there is no time-of-week table
(:func:`time_of_week` refuses, saying so).

Report time is not incident time: an incident is reported when someone rings, which may be
hours after it happened (damage found in the morning, done overnight). The table counts reports.
And in the synthetic extract the times are drawn by the project's generator (a profile over the
hours of the day and busier weekends), so its pattern shows how the tool reads report times, not
when ASB happens in North Worcestershire.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from analytics.analyses.comparison import comparison_meta
from analytics.core.disclosure import is_hidden
from analytics.core.errors import AnalyticsError
from analytics.core.periods import Period
from analytics.core.selection import Selection
from analytics.core.table_meta import meta_of, with_meta
from analytics.data.query import check_selection

#: The sources whose incidents carry the time they were reported.
TIMED_SOURCES = ("extract",)
#: ISO days of the week: 1 is Monday.
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
HOURS = tuple(range(24))
REPORT_TIME_NOTE = (
    "Report time is when the incident was reported to the police, not when it happened: damage found "
    "in the morning may have been done overnight."
)
SYNTHETIC_TIME_NOTE = (
    "The synthetic extract's times are drawn by the project's generator (a profile over the hours "
    "of the day, busier weekends): the pattern shows how the tool reads report times, not when ASB happens."
)
NOT_IN_SOURCE = (
    "police.uk gives the month of each incident only, not the day or time it was reported, so "
    "there is no time of week for it: only the force extract carries report times."
)

CRIME_NOT_TIMED = (
    "The force crime extract gives the date each crime was recorded, counted by month, and holds no ASB: "
    "only the force ASB extract carries ASB report times."
)

_SQL = """
    SELECT isodow(reported_at) AS day_of_week, hour(reported_at) AS hour, count(*) AS count
    FROM incidents WHERE {where} AND reported_at IS NOT NULL GROUP BY ALL"""


def check_timed_source(selection: Selection) -> None:
    """Refuse a source without report times, saying which has them."""
    if selection.source not in TIMED_SOURCES:
        message = NOT_IN_SOURCE if selection.source == "police_uk" else CRIME_NOT_TIMED
        raise AnalyticsError(message, title="Not in this source", fix="Choose the force extract as the data source.")


def time_of_week(conn: duckdb.DuckDBPyConnection, selection: Selection, period: Period) -> pd.DataFrame:
    """One row per hour of the week (168), Monday 00:00-00:59 first: day_of_week (1 is Monday),
    day_name, hour (0-23, the hour the report was made, local time as the extract gives it),
    count (0 where none), share_pct (of the period's incidents, one decimal).

    The period is chosen by month, as every other table: the counts add up to the incident-type
    table's for the period. Raises AnalyticsError on a source without report times.
    """
    check_timed_source(selection)
    check_selection(conn, selection)
    where, params = selection.where(period)
    counts = conn.execute(_SQL.format(where=where), params).df()
    grid = pd.DataFrame(
        [(day, DAY_NAMES[day - 1], hour) for day in range(1, 8) for hour in HOURS],
        columns=["day_of_week", "day_name", "hour"],
    )
    table = grid.merge(counts, on=["day_of_week", "hour"], how="left")
    table["count"] = table["count"].fillna(0).astype("int64")
    total = int(table["count"].sum())
    shares = (table["count"] / total * 100).round(1) if total else pd.Series(None, index=table.index, dtype=float)
    table["share_pct"] = shares.astype("Float64")
    meta = comparison_meta(conn, selection, period)
    notes = (REPORT_TIME_NOTE, SYNTHETIC_TIME_NOTE if meta.synthetic else "")
    return with_meta(table, meta.with_(grouped_by="hour of the week", method=" ".join(n for n in notes if n)))


def by_day(table: pd.DataFrame) -> pd.DataFrame:
    """The time-of-week table summed over the hours: day_of_week, day_name, count."""
    return table.groupby(["day_of_week", "day_name"], sort=True)["count"].sum().reset_index()


def by_hour(table: pd.DataFrame) -> pd.DataFrame:
    """The time-of-week table summed over the days: hour, count."""
    return table.groupby("hour", sort=True)["count"].sum().reset_index()


def hour_label(hour: int) -> str:
    """``21 -> "21:00-21:59"``."""
    return f"{hour:02d}:00-{hour:02d}:59"


def busiest_times(table: pd.DataFrame, n: int = 5, suppress_below: int | None = None) -> pd.DataFrame:
    """The ``n`` busiest hours of the week, busiest first (ties in week order): day_name, hour,
    time (``"21:00-21:59"``), count, share_pct. In public mode an hour whose count is hidden is
    not ranked (it would tell its count). The frame's metadata is kept."""
    shown = table[[not is_hidden(c, suppress_below) for c in table["count"]]]
    top = shown.sort_values(["count", "day_of_week", "hour"], ascending=[False, True, True], kind="stable").head(n)
    top = top.assign(time=[hour_label(h) for h in top.hour])[["day_name", "hour", "time", "count", "share_pct"]]
    return with_meta(top.reset_index(drop=True), meta_of(table))
