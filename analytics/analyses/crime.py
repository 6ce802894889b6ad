"""Recorded crime year to date: a period against the same months a year earlier, in total and by
crime type, by district or ward, from police.uk or from the force crime extract (whose rows carry the
police.uk crime type of their Home Office offence code, analytics/data/offences.py). As ONS does,
police.uk anti-social behaviour is not recorded crime and is kept out of these totals."""

from __future__ import annotations

import duckdb
import pandas as pd

from analytics.analyses.comparison import comparison_meta
from analytics.analyses.wards import ward_list
from analytics.core.change import add_change_columns, withhold_change
from analytics.core.errors import AnalyticsError, invalid_choice
from analytics.core.periods import Period, same_period_last_year
from analytics.core.selection import Selection
from analytics.core.vocabulary import ALL_CRIME
from analytics.data.query import check_selection, compare_counts

CRIME_GROUPINGS = ("crime_type", "district", "ward")
#: The sources that hold recorded crime (the ASB extract holds ASB only).
CRIME_SOURCES = ("police_uk", "crime_extract")


def crime_ytd(
    conn: duckdb.DuckDBPyConnection,
    selection: Selection,
    period_b: Period,
    period_a: Period | None = None,
    by: str = "crime_type",
) -> pd.DataFrame:
    """Recorded crime in ``period_b`` against ``period_a`` (default: the same months a year earlier).

    ``by`` is 'crime_type' (one row per police.uk crime type, then the total), 'district' or
    'ward' (one row per place, then the total). Columns: the grouping column, count_a, count_b,
    difference, pct_change, percentage, z, p_value, significant, small_numbers.
    Its TableMeta names the months missing from the source in either period: a comparison with
    missing months is not like for like, and the dashboard says so.
    """
    if by not in CRIME_GROUPINGS:
        raise invalid_choice("grouping", by, CRIME_GROUPINGS)
    if selection.source not in CRIME_SOURCES:
        raise AnalyticsError(
            "Recorded crime comes from police.uk or the force crime extract; the force ASB extract holds ASB only.",
            title="Not in this source",
            fix="Choose the police.uk source or the force crime extract (crime_extract).",
        )
    if selection.category == "asb" and selection.source == "police_uk":
        selection = selection.with_(category="crime")
    if selection.category == "Anti-social behaviour":
        raise AnalyticsError(
            "Anti-social behaviour is not recorded crime.",
            title="Not recorded crime",
            fix="Use the ward-deltas or districts table for ASB.",
        )
    check_selection(conn, selection)
    period_a = period_a or same_period_last_year(period_b)
    if by == "crime_type":
        table = compare_counts(conn, selection, period_a, period_b, "category").rename(columns={"key": "crime_type"})
        table = table.sort_values(["count_b", "crime_type"], ascending=[False, True])
        label_column = "crime_type"
    elif by == "district":
        table = compare_counts(conn, selection, period_a, period_b, "district").rename(columns={"key": "district"})
        table = table.sort_values("district")
        label_column = "district"
    else:
        wards = ward_list(conn, selection)[["ward_code", "ward_name", "district"]]
        counts = compare_counts(conn, selection, period_a, period_b, selection.ward_column)
        table = wards.merge(counts.rename(columns={"key": "ward_code"}), on="ward_code", how="left")
        label_column = "ward_name"
    table = table.fillna({"count_a": 0, "count_b": 0})
    total = {
        label_column: ALL_CRIME if selection.category == "crime" else selection.category,
        "count_a": table.count_a.sum(),
        "count_b": table.count_b.sum(),
    }
    table = add_change_columns(pd.concat([table, pd.DataFrame([total])], ignore_index=True))
    return withhold_change(table, comparison_meta(conn, selection, period_a, period_b))
