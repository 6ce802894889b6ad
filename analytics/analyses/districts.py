"""District comparison: counts, change and rate per 1,000 residents by district, with North
Worcestershire as a total (the panel: "Wyre Forest above Redditch above Bromsgrove")."""

from __future__ import annotations

import duckdb
import pandas as pd

from analytics.analyses.comparison import comparison_meta
from analytics.core.change import add_change_columns, rate_per_1000, withhold_change
from analytics.core.periods import Period
from analytics.core.selection import Selection
from analytics.core.vocabulary import NORTH_WORCESTERSHIRE
from analytics.data.query import check_selection, compare_counts

#: Where the districts' populations come from, for captions and downloads.
POPULATION_NOTE = "Population: ONS mid-2018 estimates, sum of each district's 2011 LSOAs."


def district_population(conn: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Mid-2018 population of each district (sum of its 2011 LSOAs)."""
    return conn.execute("""
        SELECT l.district, sum(p.population_mid2018)::BIGINT AS population_mid2018
        FROM population p JOIN lsoas l ON l.lsoa_vintage = 'lsoa11' AND l.lsoa_code = p.lsoa_code
        GROUP BY 1 ORDER BY 1""").df()


def districts_table(
    conn: duckdb.DuckDBPyConnection, selection: Selection, period_a: Period, period_b: Period
) -> pd.DataFrame:
    """One row per district of the selection and a North Worcestershire total.

    Columns: district, count_a, count_b, difference, pct_change, percentage, population_mid2018,
    rate_a_per_1000, rate_b_per_1000, z, p_value, significant, small_numbers. Districts are in
    order of count_b, highest first.
    """
    check_selection(conn, selection)
    population = district_population(conn)
    if selection.districts:
        population = population[population.district.isin(selection.districts)]
    counts = compare_counts(conn, selection, period_a, period_b, "district").rename(columns={"key": "district"})
    table = population.merge(counts, on="district", how="left").fillna({"count_a": 0, "count_b": 0})
    table = table.sort_values(["count_b", "district"], ascending=[False, True])
    total = pd.DataFrame(
        [
            {
                "district": NORTH_WORCESTERSHIRE if not selection.districts else "Total",
                "count_a": table.count_a.sum(),
                "count_b": table.count_b.sum(),
                "population_mid2018": table.population_mid2018.sum(),
            }
        ]
    )
    table = add_change_columns(pd.concat([table, total], ignore_index=True))
    table["rate_a_per_1000"] = rate_per_1000(table.count_a, table.population_mid2018)
    table["rate_b_per_1000"] = rate_per_1000(table.count_b, table.population_mid2018)
    table = table[
        [
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
    ]
    meta = comparison_meta(conn, selection, period_a, period_b)
    table = withhold_change(table, meta.with_(population_note=POPULATION_NOTE))
    return table
