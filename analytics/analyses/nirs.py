"""NIRS classes: the panel's "Measuring ASB" slide made live.

The police National Incident Recording Standard puts every ASB incident in one of three classes
(the overview's own words): Personal, "deliberately targeted at an individual or group";
Nuisance, "causes trouble ... to the local community in general"; Environmental, "have an impact
on their surroundings". The force extract carries the class of each incident (``nirs_class``);
police.uk does not, so on police.uk there is no NIRS table (:func:`nirs_table` refuses, saying so).

One row per class, or per district or ward and class, over two periods, with the change and its
significance as every comparison table has, and each class's share of its place's incidents.
Incidents without a class (a re-extract may lack it) are counted as "Not recorded", so the classes
always add up to the incident-type table's totals.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from analytics.analyses.comparison import comparison_meta
from analytics.analyses.wards import ward_list
from analytics.core.change import add_change_columns, withhold_change
from analytics.core.errors import AnalyticsError, invalid_choice
from analytics.core.periods import Period
from analytics.core.selection import Selection
from analytics.core.vocabulary import GRAND_TOTAL, NIRS_CLASSES
from analytics.data.query import check_selection

#: The sources that carry the NIRS class of an ASB incident.
NIRS_SOURCES = ("extract",)
#: The classes in the overview's order (Personal, Nuisance, Environmental), and the class of an
#: incident the extract gives none.
CLASS_ORDER = tuple(sorted(NIRS_CLASSES, key=("Personal", "Nuisance", "Environmental").index))
NOT_RECORDED = "Not recorded"
#: The class of a place-by-class table's total row.
ALL_CLASSES = "All classes"
#: What a table's rows are: one per class, or per district or ward and class.
BY = ("class", "district", "ward")
#: The overview's definitions, for the page and the briefing pack.
DEFINITIONS = {
    "Personal": "deliberately targeted at an individual or group",
    "Nuisance": "causes trouble ... to the local community in general",
    "Environmental": "has an impact on its surroundings",
}
NOT_IN_SOURCE = (
    "police.uk does not carry the National Incident Recording Standard class of an ASB incident "
    "(Personal, Nuisance or Environmental): only the force extract does."
)

CRIME_NOT_CLASSED = (
    "The force crime extract holds recorded crime, not ASB incidents: the NIRS classes are ASB's, "
    "and only the force ASB extract carries them."
)

_SQL = """
    SELECT {unit} AS unit, coalesce(nirs_class, '{not_recorded}') AS nirs_class,
           count(*) FILTER (WHERE month >= ? AND month < ?) AS count_a,
           count(*) FILTER (WHERE month >= ? AND month < ?) AS count_b
    FROM incidents
    WHERE {where} AND ((month >= ? AND month < ?) OR (month >= ? AND month < ?))
    GROUP BY ALL"""


def check_nirs_source(selection: Selection) -> None:
    """Refuse a source that does not carry the class, saying which does."""
    if selection.source not in NIRS_SOURCES:
        message = NOT_IN_SOURCE if selection.source == "police_uk" else CRIME_NOT_CLASSED
        raise AnalyticsError(message, title="Not in this source", fix="Choose the force extract as the data source.")


def _counts(conn: duckdb.DuckDBPyConnection, selection: Selection, a: Period, b: Period, unit: str) -> pd.DataFrame:
    where, params = selection.where()
    # ``unit`` is one of three fixed expressions, never a caller's text.
    sql = _SQL.format(unit=unit, not_recorded=NOT_RECORDED, where=where)
    spans = [a.start, a.end_exclusive, b.start, b.end_exclusive]
    return conn.execute(sql, spans + params + spans).df()


def _units(conn: duckdb.DuckDBPyConnection, selection: Selection, by: str) -> pd.DataFrame:
    """The places rows are given for, every one of them (a ward without incidents counts 0)."""
    if by == "ward":
        return ward_list(conn, selection)[["ward_code", "ward_name", "district"]].rename(columns={"ward_code": "unit"})
    if by == "district":
        names = selection.districts or tuple(
            r[0] for r in conn.execute("SELECT DISTINCT district FROM wards ORDER BY 1").fetchall()
        )
        return pd.DataFrame({"unit": list(names), "district": list(names)})
    return pd.DataFrame({"unit": [""]})


def _shares(table: pd.DataFrame) -> pd.DataFrame:
    """Each class's share of its place's incidents in each period, whole percent rounded half up
    (exactly, in whole numbers: floor((200 c + t) / 2 t) is 100 c / t rounded half up)."""
    out = table.copy()
    for period in ("a", "b"):
        counts = out[f"count_{period}"].astype("int64")
        totals = counts.groupby(out["unit"]).transform("sum")
        shares = (200 * counts + totals) // (2 * totals).where(totals > 0)
        out[f"share_{period}_pct"] = shares.astype("Int64")
    return out


def nirs_table(
    conn: duckdb.DuckDBPyConnection, selection: Selection, period_a: Period, period_b: Period, by: str = "class"
) -> pd.DataFrame:
    """ASB incidents by NIRS class in period A and B.

    ``by``: "class" (one row per class, and a Grand Total), "district" or "ward" (a row per place
    and class, places in name order, classes in the overview's order, and a Grand Total). Columns:
    [district | ward_code, ward_name, district], nirs_class, count_a, count_b, share_a_pct,
    share_b_pct (the class's share of its place's incidents), difference, pct_change, percentage,
    z, p_value, significant, small_numbers. Every class appears, with 0 if unused; "Not recorded"
    only when some incident has no class. Raises AnalyticsError on a source without the class.
    """
    if by not in BY:
        raise invalid_choice("NIRS table grouping", by, BY)
    check_nirs_source(selection)
    check_selection(conn, selection)
    unit = {"class": "''", "district": "district", "ward": selection.ward_column}[by]
    counts = _counts(conn, selection, period_a, period_b, unit)
    classes = list(CLASS_ORDER) + ([NOT_RECORDED] if (counts.nirs_class == NOT_RECORDED).any() else [])
    grid = _units(conn, selection, by).merge(pd.DataFrame({"nirs_class": classes}), how="cross")
    table = grid.merge(counts, on=["unit", "nirs_class"], how="left").fillna({"count_a": 0, "count_b": 0})
    total = {
        "nirs_class": GRAND_TOTAL if by == "class" else ALL_CLASSES,
        "unit": "\x00total",
        "count_a": table.count_a.sum(),
        "count_b": table.count_b.sum(),
    }
    if by != "class":
        total["district" if by == "district" else "ward_name"] = GRAND_TOTAL
    table = _shares(pd.concat([table, pd.DataFrame([total])], ignore_index=True))
    table = add_change_columns(table)
    labels = {"class": [], "district": ["district"], "ward": ["ward_code", "ward_name", "district"]}[by]
    if by == "ward":
        table["ward_code"] = table.unit.where(table.nirs_class != ALL_CLASSES, "")
    columns = [
        *labels,
        "nirs_class",
        "count_a",
        "count_b",
        "share_a_pct",
        "share_b_pct",
        "difference",
        "pct_change",
        "percentage",
        "z",
        "p_value",
        "significant",
        "small_numbers",
    ]
    grouped_by = {"class": "NIRS class", "district": "district and NIRS class", "ward": "ward and NIRS class"}[by]
    meta = comparison_meta(conn, selection, period_a, period_b).with_(grouped_by=grouped_by)
    return withhold_change(table[columns].reset_index(drop=True), meta)
