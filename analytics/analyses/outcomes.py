"""Crime outcomes: the share of each crime type by police.uk's last outcome category, for the whole
selection, by district or by ward.

police.uk's street-level files carry only the latest outcome known when the month was published
(``incidents.outcome``, 'Last outcome category'): a crime "under investigation" then may have been
charged or closed since, and the most recent months hold the most of those. The shares describe the
files as published, not how the crimes ended; :data:`CAVEAT` says so wherever the table goes.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from analytics.analyses.comparison import comparison_meta
from analytics.core.errors import AnalyticsError, invalid_choice
from analytics.core.periods import Period
from analytics.core.selection import Selection
from analytics.core.table_meta import with_meta
from analytics.core.vocabulary import ASB_CATEGORY
from analytics.data.query import check_selection

OUTCOME_GROUPINGS = ("crime_type", "district", "ward")
#: How a crime with no outcome in the file is labelled (police.uk leaves a few blank).
NO_OUTCOME = "No outcome given"
CAVEAT = (
    "police.uk's street-level files carry only the latest outcome at publication: a crime's outcome may "
    "have changed since, and recent months hold more crimes still under investigation."
)
#: The place columns of each grouping, before crime_type, outcome, count, total, share_pct.
_PLACE_COLUMNS = {"crime_type": [], "district": ["district"], "ward": ["ward_code", "ward_name", "district"]}


def outcomes_table(
    conn: duckdb.DuckDBPyConnection, selection: Selection, period: Period, by: str = "crime_type"
) -> pd.DataFrame:
    """One row per (place,) crime type and last outcome category in ``period``.

    ``by``: 'crime_type' (the selection as a whole), 'district' or 'ward' (the selection's wards of its
    boundary vintage). Columns: the place columns, crime_type, outcome, count, total (the crime type's
    count in that place) and share_pct (count / total x 100, unrounded: the shares of each crime type
    in a place sum to 100). Crime types by total, highest first; outcomes by count within them.
    Anti-social behaviour has no outcome and is left out.
    """
    if by not in OUTCOME_GROUPINGS:
        raise invalid_choice("grouping", by, OUTCOME_GROUPINGS)
    if selection.source != "police_uk":
        raise AnalyticsError(
            "Outcomes come from police.uk's street-level files; the force extracts carry none.",
            title="Not in this source",
            fix="Choose the police.uk source.",
        )
    if selection.category == ASB_CATEGORY:
        raise AnalyticsError(
            "Anti-social behaviour is not recorded crime and has no outcome.",
            title="No outcomes",
            fix="Choose recorded crime or a crime type.",
        )
    if selection.category == "asb":
        selection = selection.with_(category="crime")
    check_selection(conn, selection)
    where, params = selection.where(period, alias="i")
    place = {"crime_type": "", "district": "i.district, ", "ward": f"i.{selection.ward_column} AS ward_code, "}[by]
    counts = conn.execute(
        f"""
        SELECT {place}i.category AS crime_type, coalesce(nullif(i.outcome, ''), ?) AS outcome, count(*) AS count
        FROM incidents i WHERE {where} GROUP BY ALL""",
        [NO_OUTCOME, *params],
    ).df()
    keys = [c for c in _PLACE_COLUMNS[by] if c in counts.columns]
    if by == "ward":
        names = conn.execute(
            "SELECT ward_code, ward_name, district FROM wards WHERE vintage = ?", [selection.boundaries]
        ).df()
        counts = counts.merge(names, on="ward_code", how="left")
        keys = _PLACE_COLUMNS["ward"]
    counts["total"] = counts.groupby([*keys, "crime_type"])["count"].transform("sum").astype("int64")
    counts["share_pct"] = 100.0 * counts["count"] / counts["total"]
    counts = counts.sort_values(
        [*keys, "total", "crime_type", "count", "outcome"],
        ascending=[True] * len(keys) + [False, True, False, True],
        kind="stable",
    )
    table = counts[[*_PLACE_COLUMNS[by], "crime_type", "outcome", "count", "total", "share_pct"]]
    meta = comparison_meta(conn, selection, period).with_(
        method=CAVEAT, grouped_by={"crime_type": "crime type", "district": "district", "ward": "ward"}[by]
    )
    return with_meta(table.reset_index(drop=True), meta)
