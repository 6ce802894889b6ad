"""Ward deltas: the panel's ward table (counts in two periods, difference, percentage, Grand
Total) with what an analyst needs beside it: rate per 1,000 residents, significance, small numbers.
"""

from __future__ import annotations

from typing import Any

import duckdb
import pandas as pd

from analytics.core.change import add_change_columns, rate_per_1000, withhold_change
from analytics.core.periods import Period
from analytics.core.selection import Selection
from analytics.data.query import check_selection, compare_counts, missing_months, place

GRAND_TOTAL = "Grand Total"

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
    table = withhold_change(table[columns], describe(conn, selection, period_a, period_b))
    table.attrs["population_note"] = POPULATION_NOTE[selection.boundaries]
    return table


def describe(
    conn: duckdb.DuckDBPyConnection, selection: Selection, period_a: Period, period_b: Period | None = None
) -> dict:
    """What a table is about, for captions and the command line: source, place, periods, vintage."""
    from analytics.analyses.quality import source_gaps

    info: dict[str, Any] = {
        "source_gaps": source_gaps(conn, selection.source),
        "source": selection.source_label,
        "category": selection.category_label,
        "place": place(conn, selection),
        "boundaries": selection.boundaries.upper(),
        "period_a": period_a.label,
        "missing_months_a": [m.strftime("%Y-%m") for m in missing_months(conn, selection.source, period_a)],
    }
    if period_b is not None:
        info["period_b"] = period_b.label
        info["missing_months_b"] = [m.strftime("%Y-%m") for m in missing_months(conn, selection.source, period_b)]
        info["not_comparable"] = not_comparable(info, selection, period_a, period_b)
        # A period the source holds no month of has no count at all (not zero): pages leave it out.
        info["months_held_a"] = period_a.n_months - len(info["missing_months_a"])
        info["months_held_b"] = period_b.n_months - len(info["missing_months_b"])
    return info


def not_comparable(info: dict, selection: Selection, period_a: Period, period_b: Period) -> str:
    """Why two periods are not like for like, or "": the source lacks months of one of them.

    A count over the months held is true, but its change against a complete period is not a
    change in incidents (police.uk holds 4 months of 2024: "rose 277%" would be the gap), so the
    tables withhold difference, percentage and significance, and the pages say this instead."""
    missing_a, missing_b = len(info["missing_months_a"]), len(info["missing_months_b"])
    if not (missing_a or missing_b):
        return ""
    source = {"police_uk": "police.uk", "extract": "the force extract"}.get(selection.source, selection.source)
    return (
        f"Not comparable: {source} holds {period_a.n_months - missing_a} of {period_a.n_months} "
        f"months of {period_a.label} and {period_b.n_months - missing_b} of {period_b.n_months} of "
        f"{period_b.label}, so no change is given."
    )
