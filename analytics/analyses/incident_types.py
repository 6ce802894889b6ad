"""Incident types: the panel's table of ASB by key-word type over two periods, with their mean
and mean percentage. police.uk has no key-word types, so on that source the table is by crime type.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from analytics.analyses.comparison import comparison_meta
from analytics.core.change import add_change_columns, withhold_change
from analytics.core.periods import Period, format_pct, mean_half_up, round_ratio_half_up
from analytics.core.selection import Selection
from analytics.core.vocabulary import EXTRACT_KEYWORDS
from analytics.data.query import check_selection, compare_counts


def incident_types(
    conn: duckdb.DuckDBPyConnection, selection: Selection, period_a: Period, period_b: Period
) -> pd.DataFrame:
    """Counts by type in period A and B, most common (by mean) first.

    Columns: type, count_a, count_b, difference, pct_change, percentage, mean (the two counts'
    mean, rounded half up as the panel does: 1715 and 1294 give 1505), mean_pct (each mean over
    the sum of the means, rounded half up to a whole percent), mean_percentage ("53%"),
    significant, small_numbers. Every key-word type of the extract appears, with 0 if unused.
    """
    check_selection(conn, selection)
    by = "keyword" if selection.source == "extract" else "category"
    counts = compare_counts(conn, selection, period_a, period_b, by).rename(columns={"key": "type"})
    if selection.source == "extract":
        counts = (
            pd.DataFrame({"type": EXTRACT_KEYWORDS})
            .merge(counts, on="type", how="left")
            .fillna({"count_a": 0, "count_b": 0})
        )
    table = add_change_columns(counts)
    table["mean"] = [mean_half_up([a, b]) for a, b in zip(table.count_a, table.count_b, strict=False)]
    total_mean = int(table["mean"].sum())
    table["mean_pct"] = pd.array(
        [round_ratio_half_up(m, total_mean) if total_mean else None for m in table["mean"]], dtype="Int64"
    )
    table["mean_percentage"] = [format_pct(p if p is not pd.NA else None) for p in table.mean_pct]
    table = table.sort_values(["mean", "type"], ascending=[False, True], ignore_index=True)
    table = table[
        [
            "type",
            "count_a",
            "count_b",
            "difference",
            "pct_change",
            "percentage",
            "mean",
            "mean_pct",
            "mean_percentage",
            "z",
            "p_value",
            "significant",
            "small_numbers",
        ]
    ]
    grouped_by = "key-word type" if by == "keyword" else "police.uk crime type"
    meta = comparison_meta(conn, selection, period_a, period_b)
    table = withhold_change(table, meta.with_(grouped_by=grouped_by))
    return table
