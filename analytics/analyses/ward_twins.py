"""Which ward of the other boundary vintage a ward becomes: Redditch changed its wards in May 2024.

A councillor who chose a ward under one set of boundaries (WD22: Redditch's 12 wards; WD25: its 9)
and then switches the boundaries, or the data source (each has its own default), should not lose
the ward silently. Bromsgrove's and Wyre Forest's wards kept their codes, so they carry over as
they are; a Redditch ward is followed through the LSOAs it is built from (every LSOA is placed in a
best-fit ward of each vintage, analytics/data/geography.py): the wards of the other vintage its
LSOAs fall in, most LSOAs first.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from analytics.core.vocabulary import VINTAGES

__all__ = ["ward_twins"]


def ward_twins(conn: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every pair (ward of one vintage, ward of the other that shares LSOAs with it).

    Columns: from_vintage, from_code, to_vintage, to_code, to_name, lsoas (how many LSOAs the two
    share); a ward whose code exists in both vintages is its own twin, alone. Ordered by from_code
    and most LSOAs first.
    """
    first, second = VINTAGES
    same = """
        SELECT a.vintage AS from_vintage, a.ward_code AS from_code, b.vintage AS to_vintage,
               b.ward_code AS to_code, b.ward_name AS to_name, NULL::BIGINT AS lsoas
        FROM wards a JOIN wards b ON b.ward_code = a.ward_code AND b.vintage <> a.vintage"""
    shared = f"""
        SELECT '{first}' AS from_vintage, ward_{first} AS from_code, '{second}' AS to_vintage,
               ward_{second} AS to_code, count(*) AS lsoas FROM lsoa_lookup GROUP BY 2, 4
        UNION ALL
        SELECT '{second}', ward_{second}, '{first}', ward_{first}, count(*) FROM lsoa_lookup GROUP BY 2, 4"""
    return conn.execute(f"""
        {same}
        UNION ALL
        SELECT s.from_vintage, s.from_code, s.to_vintage, s.to_code, w.ward_name, s.lsoas
        FROM ({shared}) s JOIN wards w ON w.vintage = s.to_vintage AND w.ward_code = s.to_code
        WHERE s.from_code NOT IN (SELECT ward_code FROM wards a WHERE a.vintage = s.to_vintage)
        ORDER BY from_vintage, from_code, lsoas DESC NULLS FIRST, to_name""").df()
