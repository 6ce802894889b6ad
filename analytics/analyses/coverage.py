"""What the store holds: rows per source and month, ward coverage per vintage, files loaded.

This is the first thing to check before trusting a figure: which months exist (police.uk
data here has gaps), how rows got their wards, and which files went in.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from analytics.data.build_stamp import stale_note

SOURCES = ("police_uk", "extract")


def rows_by_month(conn: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Rows and ASB rows per source and month (months with no rows are absent)."""
    return conn.execute("""
        SELECT source, bool_or(synthetic) AS synthetic, month, count(*) AS rows,
               count(*) FILTER (WHERE is_asb) AS asb_rows
        FROM incidents GROUP BY source, month ORDER BY source, month""").df()


def ward_coverage(conn: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Per source and boundary vintage: wards with rows, and how rows were assigned a ward."""
    parts = []
    for vintage in ("wd22", "wd25"):
        parts.append(
            conn.execute(f"""
            SELECT i.source, '{vintage}' AS vintage,
                   (SELECT count(*) FROM wards WHERE vintage = '{vintage}') AS wards,
                   count(DISTINCT i.ward_{vintage}) AS wards_with_rows,
                   count(*) FILTER (WHERE i.ward_method_{vintage} = 'point') AS rows_by_point,
                   count(*) FILTER (WHERE i.ward_method_{vintage} = 'lsoa') AS rows_by_lsoa,
                   count(*) FILTER (WHERE i.ward_method_{vintage} = 'extract_code') AS rows_by_extract_code,
                   count(*) FILTER (WHERE i.ward_{vintage} IS NULL) AS rows_without_ward
            FROM incidents i GROUP BY i.source""").df()
        )
    return pd.concat(parts, ignore_index=True).sort_values(["source", "vintage"], ignore_index=True)


def files_loaded(conn: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return conn.execute("""
        SELECT load_id, file_name, source, synthetic, months, rows_read, rows_stored, rows_replaced,
               rows_outside, rows_outside_no_location, sha256, loaded_at
        FROM loads ORDER BY load_id""").df()


def coverage_summary(conn: duckdb.DuckDBPyConnection) -> str:
    months = rows_by_month(conn)
    lines = []
    for source, frame in months.groupby("source", sort=True):
        label = str(source) + (" (SYNTHETIC demonstration)" if frame.synthetic.any() else "")
        lines.append(
            f"{label}: {int(frame.rows.sum()):,} rows ({int(frame.asb_rows.sum()):,} ASB) in "
            f"{len(frame)} months, {format(frame.month.min(), '%Y-%m')}..{format(frame.month.max(), '%Y-%m')}"
        )
    lines.append(ward_coverage(conn).to_string(index=False))
    loads = files_loaded(conn)
    lines.append(
        f"{len(loads)} files loaded; {int(loads.rows_outside.sum()):,} rows outside the districts "
        "counted and not stored."
    )
    note = stale_note(conn)
    if note:
        lines.append(f"WARNING: {note}")
    return "\n".join(lines)
