"""The queries every analysis shares: checking a selection against the store, the months a
source holds, counts of two periods side by side, and the name of a selection's place.

Values are always parameters; a grouping column comes only from ``GROUP_COLUMNS``.
"""

from __future__ import annotations

import datetime
from typing import Any

import duckdb
import pandas as pd

from analytics.core.errors import AnalyticsError, invalid_choice, shown
from analytics.core.periods import Period
from analytics.core.selection import Selection
from analytics.core.vocabulary import CATEGORY_GROUPS


def one_row(result: duckdb.DuckDBPyConnection) -> tuple[Any, ...]:
    """The row of a query that always returns exactly one, such as an aggregate without GROUP BY."""
    row = result.fetchone()
    if row is None:
        raise RuntimeError("The query returned no row, though it always returns one.")
    return row


def check_selection(conn: duckdb.DuckDBPyConnection, selection: Selection) -> None:
    """Refuse districts, wards and categories the store does not know, and wards outside the chosen
    districts, listing the valid ones."""
    if selection.districts:
        known = [r[0] for r in conn.execute("SELECT DISTINCT district FROM wards").fetchall()]
        for district in selection.districts:
            if district not in known:
                raise invalid_choice("district", district, known)
    if selection.wards:
        _check_wards(conn, selection)
    if selection.category not in CATEGORY_GROUPS:
        known = [
            r[0]
            for r in conn.execute(
                "SELECT DISTINCT category FROM incidents WHERE source = ?", [selection.source]
            ).fetchall()
        ]
        if selection.category not in known:
            raise invalid_choice("category", selection.category, list(CATEGORY_GROUPS) + known)


def _check_wards(conn: duckdb.DuckDBPyConnection, selection: Selection) -> None:
    """Refuse a ward code the vintage does not have, or one outside the chosen districts (which
    would count 0 against 0 as if the ward had no incidents), listing the wards that fit."""
    rows = conn.execute(
        "SELECT ward_code, ward_name, district FROM wards WHERE vintage = ? ORDER BY district, ward_name",
        [selection.boundaries],
    ).fetchall()
    district_of = {code: district for code, _, district in rows}
    vintage = selection.boundaries.upper()
    for ward in selection.wards:
        if ward not in district_of:
            raise invalid_choice(f"{vintage} ward code", ward, district_of)
        if selection.districts and district_of[ward] not in selection.districts:
            chosen = ", ".join(selection.districts)
            fitting = "; ".join(f"{code} {name}" for code, name, district in rows if district in selection.districts)
            raise AnalyticsError(
                f"Ward {shown(ward)} is in {district_of[ward]}, not in {chosen}."
                f" {vintage} wards of {chosen}: {fitting}.",
                title="Ward not in the district",
                fix="Choose a ward of the chosen districts, or add its district.",
            )


def months_present(conn: duckdb.DuckDBPyConnection, source: str) -> list[datetime.date]:
    """The months a source has any row for: a month with no rows is missing, not zero."""
    return [
        r[0]
        for r in conn.execute("SELECT DISTINCT month FROM incidents WHERE source = ? ORDER BY 1", [source]).fetchall()
    ]


# Columns a table may group by: the only column names that reach SQL from a caller's choice.
GROUP_COLUMNS = {
    "keyword": "keyword",
    "category": "category",
    "district": "district",
    "nirs_class": "nirs_class",
    "ward_wd22": "ward_wd22",
    "ward_wd25": "ward_wd25",
    "lsoa_code": "lsoa_code",
    "location": "location",
}


def compare_counts(
    conn: duckdb.DuckDBPyConnection, selection: Selection, period_a: Period, period_b: Period, by: str
) -> pd.DataFrame:
    """Counts in period A and period B per value of one column, in a single aggregate query.

    Returns columns ``key``, ``count_a``, ``count_b`` (only keys with rows in either period).
    """

    if not isinstance(by, str) or by not in GROUP_COLUMNS:
        raise invalid_choice("grouping column", by, GROUP_COLUMNS)
    column = GROUP_COLUMNS[by]
    where, params = selection.where()
    sql = f"""
        SELECT {column} AS key,
               count(*) FILTER (WHERE month >= ? AND month < ?) AS count_a,
               count(*) FILTER (WHERE month >= ? AND month < ?) AS count_b
        FROM incidents
        WHERE {where} AND ((month >= ? AND month < ?) OR (month >= ? AND month < ?))
        GROUP BY 1"""
    spans = [period_a.start, period_a.end_exclusive, period_b.start, period_b.end_exclusive]
    return conn.execute(sql, spans + params + spans).df()


def place(conn: duckdb.DuckDBPyConnection, selection: Selection) -> str:
    """The place a selection covers, in words, for titles and sentences: a ward's own name
    ("Abbey"), two or three names, "5 wards", the districts, or North Worcestershire."""
    if not selection.wards:
        return selection.place_label
    names: list[str] = [
        name
        for (name,) in conn.execute(
            "SELECT DISTINCT ward_name FROM wards WHERE vintage = ? AND list_contains(?, ward_code) ORDER BY ward_name",
            [selection.boundaries, list(selection.wards)],
        ).fetchall()
    ]
    if not names or len(names) != len(set(selection.wards)):
        return selection.place_label  # a code not in this vintage: check_selection says so
    if len(names) <= 3:
        return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return f"{len(names)} wards"
