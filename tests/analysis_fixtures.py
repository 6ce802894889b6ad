"""Tiny hand-made stores shared by the tests of the analyses (tests/test_wards.py,
tests/test_incident_types.py, tests/test_districts.py, tests/test_crime.py, tests/test_quality.py)
and of the command line (tests/test_tables.py); the answers are worked out by hand in their comments.

tests/conftest.py imports the two fixtures, so every test can ask for them by name; a test module
imports only the constants.
"""

from __future__ import annotations

from datetime import date

import pytest

from analytics.core.periods import parse_period
from analytics.data import store

ABBEY, CRABBS_CROSS, WEST = "E05007868", "E05007873", "E05007878"
FY2017, FY2018 = parse_period("FY2017"), parse_period("FY2018")


def _insert(conn, rows):
    """rows: (source, month 'YYYY-MM', category, keyword, district, ward_wd22, times)."""
    for source, month, category, keyword, district, ward, times in rows:
        for _ in range(times):
            conn.execute(
                """
                INSERT INTO incidents (source, synthetic, load_id, month, category, is_asb, keyword, district,
                                       ward_wd22, ward_wd25, ward_method_wd22, ward_method_wd25)
                VALUES (?, ?, 1, ?, ?, ?, ?, ?, ?, ?, 'point', 'point')""",
                [
                    source,
                    source == "extract",
                    date.fromisoformat(month + "-01"),
                    category,
                    category == "Anti-social behaviour",
                    keyword,
                    district,
                    ward,
                    ward,
                ],
            )


@pytest.fixture
def fixture_conn(geo_db):
    conn = store.connect(geo_db)
    asb = "Anti-social behaviour"
    _insert(
        conn,
        [
            # Abbey: 3 in March 2018 (the last month of 2017-18), 5 in April 2018 (the first of 2018-19)
            ("extract", "2018-03", asb, "Youth related", "Redditch", ABBEY, 3),
            ("extract", "2018-04", asb, "Other", "Redditch", ABBEY, 5),
            # Crabbs Cross: one either side of the New Year, both in 2017-18; none in 2018-19
            ("extract", "2017-12", asb, "Begging", "Redditch", CRABBS_CROSS, 1),
            ("extract", "2018-01", asb, "Begging", "Redditch", CRABBS_CROSS, 1),
            # West: none in 2017-18, 4 in 2018-19 (a change from zero)
            ("extract", "2019-01", asb, "Parking", "Redditch", WEST, 4),
            # police.uk: crime and ASB, January-February 2024 and 2025 (February 2024 missing)
            ("police_uk", "2024-01", "Burglary", None, "Redditch", ABBEY, 2),
            ("police_uk", "2025-02", "Burglary", None, "Redditch", ABBEY, 3),
            ("police_uk", "2025-01", "Vehicle crime", None, "Bromsgrove", "E05009829", 1),
            ("police_uk", "2025-01", asb, None, "Redditch", ABBEY, 10),
        ],
    )
    yield conn
    conn.close()


@pytest.fixture
def comparable_conn(fixture_conn):
    """The fixture with the extract holding every month of 2017-18 and 2018-19: a month with no
    row at all is missing from the source, and two years with missing months are not comparable.
    One non-ASB row a month, which no ASB table counts."""
    _insert(
        fixture_conn,
        [
            ("extract", f"{year}-{month:02d}", "Filler (not ASB)", None, "Wyre Forest", "E05010502", 1)
            for year, months in ((2017, range(4, 13)), (2018, range(1, 13)), (2019, range(1, 4)))
            for month in months
        ],
    )
    return fixture_conn
