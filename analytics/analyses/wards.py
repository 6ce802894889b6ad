"""Ward deltas: the panel's ward table (counts in two periods, difference, percentage, Grand
Total) with what an analyst needs beside it: rate per 1,000 residents, significance, small numbers.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from analytics.analyses.comparison import comparison_meta
from analytics.core.change import add_change_columns, rate_per_1000, withhold_change
from analytics.core.periods import Period
from analytics.core.selection import Selection
from analytics.core.vocabulary import GRAND_TOTAL
from analytics.data.query import check_selection, compare_counts, place

POPULATION_NOTE = {
    "wd22": "Population: ONS mid-2018 estimates for 2011 LSOAs, summed to WD22 wards through the ONS "
    "best-fit LSOA-to-ward lookup. Incidents are placed by point, so where a ward boundary cuts "
    "an LSOA the rate is approximate.",
    "wd25": "Population: ONS mid-2018 estimates for 2011 LSOAs, summed to WD25 wards by the ward holding "
    "most of each LSOA's area (no ONS lookup to WD25 exists); Redditch's WD25 figures are approximate.",
}


def ward_list(conn: duckdb.DuckDBPyConnection, selection: Selection) -> pd.DataFrame:
    """The wards a selection covers, in the selection's boundary vintage, with their population."""
    clauses: list[str] = ["vintage = ?"]
    params: list[object] = [selection.boundaries]
    if selection.districts:
        clauses.append("list_contains(?, district)")
        params.append(list(selection.districts))
    if selection.wards:
        clauses.append("list_contains(?, ward_code)")
        params.append(list(selection.wards))
    return conn.execute(
        f"""
        SELECT ward_code, ward_name, district, population_mid2018 FROM wards
        WHERE {" AND ".join(clauses)} ORDER BY ward_name""",
        params,
    ).df()


def ward_deltas(
    conn: duckdb.DuckDBPyConnection, selection: Selection, period_a: Period, period_b: Period
) -> pd.DataFrame:
    """One row per ward of the selection, and a Grand Total row.

    Columns: ward_code, ward_name, district, count_a, count_b, difference, pct_change (whole
    percent, rounded half up; <NA> when count_a is 0), percentage (as published: "-8%", "new",
    "n/a"), population_mid2018, rate_a_per_1000, rate_b_per_1000, z, p_value, significant,
    small_numbers. Wards with no incidents in a period count 0. Rows are in ward-name order, as
    the panel's table; ``attrs`` carries the source, periods, boundary vintage, population note
    and any months missing from the source.
    """
    check_selection(conn, selection)
    wards = ward_list(conn, selection)
    counts = compare_counts(conn, selection, period_a, period_b, selection.ward_column)
    table = wards.merge(counts.rename(columns={"key": "ward_code"}), on="ward_code", how="left")
    table[["count_a", "count_b"]] = table[["count_a", "count_b"]].fillna(0).astype("int64")
    total = pd.DataFrame(
        [
            {
                "ward_code": "",
                "ward_name": GRAND_TOTAL,
                "district": place(conn, selection),
                "population_mid2018": table.population_mid2018.sum(min_count=1),
                "count_a": int(table.count_a.sum()),
                "count_b": int(table.count_b.sum()),
            }
        ]
    )
    table = add_change_columns(pd.concat([table, total], ignore_index=True))
    table["population_mid2018"] = table["population_mid2018"].astype("Int64")
    table["rate_a_per_1000"] = rate_per_1000(table.count_a, table.population_mid2018)
    table["rate_b_per_1000"] = rate_per_1000(table.count_b, table.population_mid2018)
    columns = [
        "ward_code",
        "ward_name",
        "district",
        "count_a",
        "count_b",
        "difference",
        "pct_change",
        "percentage",
        "population_mid2018",
        "rate_a_per_1000",
        "rate_b_per_1000",
        "z",
        "p_value",
        "significant",
        "small_numbers",
    ]
    meta = comparison_meta(conn, selection, period_a, period_b)
    return withhold_change(table[columns], meta.with_(population_note=POPULATION_NOTE[selection.boundaries]))
