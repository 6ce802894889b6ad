"""West Mercia peers: North Worcestershire's three districts beside the force's other community
safety partnerships, from the monthly counts every police.uk load keeps for every district of the
force (analytics/data/force_counts.py).

Only what was loaded is compared: a district appears once a load has held its rows. The demo build
loads the files filtered to the three districts, so it holds no peer until the whole force's files
are loaded (the unfiltered archive in tests/data is one); :func:`peer_districts_held` says which.
A rate per 1,000 residents is given only where an ONS mid-year estimate of the district's
population is carried in data/ (the mid-2018 LSOA estimates of Bromsgrove, Redditch and Wyre
Forest); the other districts are counts only, and the table's population note says so.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from analytics.analyses.comparison import comparison_meta
from analytics.analyses.districts import district_population
from analytics.core.change import add_change_columns, rate_per_1000, withhold_change
from analytics.core.errors import AnalyticsError
from analytics.core.periods import Period
from analytics.core.selection import Selection
from analytics.core.vocabulary import ASB_CATEGORY, NORTH_WORCESTERSHIRE
from analytics.data.query import check_selection

FORCE = "West Mercia"
POPULATION_NOTE = (
    "Population: ONS mid-2018 estimates (sum of each district's 2011 LSOAs) for Bromsgrove, Redditch and "
    "Wyre Forest; no ONS mid-year estimate is carried in data/ for the other West Mercia districts, so they "
    "are counts only (no rate)."
)
METHOD = (
    "each row's district from its LSOA (data/lookups/lsoa_to_lad_west_mercia.csv, 2011 and 2021 LSOAs); "
    "monthly counts kept by every police.uk load of the whole force's files"
)
COLUMNS = [
    "district",
    "partnership",
    "level",
    "count_a",
    "count_b",
    "difference",
    "pct_change",
    "percentage",
    "population_mid2018",
    "rate_a_per_1000",
    "rate_b_per_1000",
    "months_held_a",
    "months_held_b",
    "z",
    "p_value",
    "significant",
    "small_numbers",
]


def _has_force_tables(conn: duckdb.DuckDBPyConnection) -> bool:
    """A store made before the force counts (opened read-only) has none of their tables."""
    names = {
        row[0]
        for row in conn.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database()"
        ).fetchall()
    }
    return {"force_counts", "force_lsoas"} <= names


def peer_districts_held(conn: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The force's districts whose counts a load has kept: district, partnership, months held."""
    if not _has_force_tables(conn):
        return pd.DataFrame({"district": [], "partnership": [], "months": []})
    return conn.execute("""
        SELECT c.district, l.csp AS partnership, count(DISTINCT c.month) AS months
        FROM force_counts c JOIN (SELECT DISTINCT district, csp FROM force_lsoas) l USING (district)
        WHERE c.source = 'police_uk' GROUP BY ALL ORDER BY 2, 1""").df()


def _category_sql(category: str) -> tuple[str, list[object]]:
    if category == "asb":
        return "category = ?", [ASB_CATEGORY]
    if category == "crime":
        return "category <> ?", [ASB_CATEGORY]
    return "category = ?", [category]


def _district_counts(conn: duckdb.DuckDBPyConnection, selection: Selection, a: Period, b: Period) -> pd.DataFrame:
    condition, params = _category_sql(selection.category)
    return conn.execute(
        f"""
        SELECT c.district, l.csp AS partnership,
               coalesce(sum(c.count) FILTER (WHERE c.month >= ? AND c.month < ? AND {condition}), 0) AS count_a,
               coalesce(sum(c.count) FILTER (WHERE c.month >= ? AND c.month < ? AND {condition}), 0) AS count_b,
               count(DISTINCT c.month) FILTER (WHERE c.month >= ? AND c.month < ?) AS months_held_a,
               count(DISTINCT c.month) FILTER (WHERE c.month >= ? AND c.month < ?) AS months_held_b
        FROM force_counts c JOIN (SELECT DISTINCT district, csp FROM force_lsoas) l USING (district)
        WHERE c.source = 'police_uk' GROUP BY ALL""",
        [a.start, a.end_exclusive, *params, b.start, b.end_exclusive, *params]
        + [a.start, a.end_exclusive, b.start, b.end_exclusive],
    ).df()


def _with_partnership_totals(districts: pd.DataFrame) -> pd.DataFrame:
    """The districts, North Worcestershire's first, each partnership of two or more districts followed
    by its total (a partnership of one district is that district: Herefordshire, Shropshire...)."""
    parts = []
    order = sorted(districts.partnership.unique(), key=lambda p: (p != NORTH_WORCESTERSHIRE, p))
    for partnership in order:
        members = districts[districts.partnership == partnership].sort_values("district")
        parts.append(members.assign(level="district"))
        if len(members) > 1:
            population = members.population_mid2018
            total = {
                "district": partnership,
                "partnership": partnership,
                "level": "partnership",
                "count_a": members.count_a.sum(),
                "count_b": members.count_b.sum(),
                # a partnership's population only when every district of it has one
                "population_mid2018": population.sum() if population.notna().all() else float("nan"),
                "months_held_a": members.months_held_a.min(),
                "months_held_b": members.months_held_b.min(),
            }
            parts.append(pd.DataFrame([total]))
    combined: pd.DataFrame = pd.concat(parts, ignore_index=True)
    return combined


def peers_table(
    conn: duckdb.DuckDBPyConnection, selection: Selection, period_a: Period, period_b: Period
) -> pd.DataFrame:
    """Every district of the force that a load has held, by community safety partnership, with
    partnership totals: counts of ``selection``'s category in both periods, change, population and
    rate per 1,000 where a population is carried, and the months of each period the district's
    counts cover (``months_held_a``/``_b``: fewer than the period's months means only part of it
    was loaded for that district). Columns: :data:`COLUMNS`. An empty table when no district is held.

    The selection's districts and wards are not used: the table is the whole force.
    """
    if selection.source != "police_uk":
        raise AnalyticsError(
            "The West Mercia comparison comes from police.uk: the force extracts hold North Worcestershire only.",
            title="Not in this source",
            fix="Choose the police.uk source.",
        )
    selection = selection.with_(districts=(), wards=())
    check_selection(conn, selection)  # a category the store does not know is refused, as by every table
    counts = _district_counts(conn, selection, period_a, period_b) if _has_force_tables(conn) else pd.DataFrame()
    meta = comparison_meta(conn, selection, period_a, period_b).with_(
        place=FORCE,
        boundaries="",
        population_note=POPULATION_NOTE,
        method=METHOD,
        grouped_by="district and partnership",
    )
    if counts.empty:
        return withhold_change(pd.DataFrame(columns=COLUMNS), meta)
    population = district_population(conn)
    counts = counts.merge(population, on="district", how="left")
    table = add_change_columns(_with_partnership_totals(counts))
    table["population_mid2018"] = table.population_mid2018.astype("Int64")
    table["rate_a_per_1000"] = rate_per_1000(table.count_a, table.population_mid2018)
    table["rate_b_per_1000"] = rate_per_1000(table.count_b, table.population_mid2018)
    return withhold_change(table[COLUMNS], meta)
