"""Helpers of the seasonal tests (test_seasonal_series, test_seasonal_profile, test_decomposition,
test_year_on_year, test_seasonal): incidents inserted month by month into a fresh store
(``geo_db``), and the small stores every expected number of those tests was worked out from by
hand."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from analytics.core.selection import Selection
from analytics.core.vocabulary import ASB_CATEGORY
from analytics.data import store

REDDITCH = Selection(source="police_uk", districts=("Redditch",))
NORTH_WORCS_EXTRACT = Selection(source="extract")
NORTH_WORCS_POLICE = Selection(source="police_uk")


def add(
    conn,
    month: str,
    n: int,
    *,
    source: str = "police_uk",
    district: str = "Redditch",
    category: str = ASB_CATEGORY,
    first_day: int | None = None,
    last_day: int | None = None,
) -> None:
    """Insert ``n`` incidents in ``month`` ("YYYY-MM"); with days, report times spread over them."""
    month_start = date.fromisoformat(month + "-01")
    reported = None
    if first_day is not None:
        # Incident i is reported on day first_day + i mod (days), at noon.
        days = last_day - first_day + 1
        reported = (
            f"TIMESTAMP '{month_start.isoformat()}' + INTERVAL ({first_day - 1} + (range % {days})) DAY "
            "+ INTERVAL 12 HOUR"
        )
    conn.execute(
        f"""
        INSERT INTO incidents (source, synthetic, load_id, month, reported_at, category, is_asb, district)
        SELECT ?, ?, 1, ?, {reported or "NULL"}, ?, ?, ? FROM range(?)""",
        [source, source == "extract", month_start, category, category == ASB_CATEGORY, district, n],
    )


def months(*texts: str) -> list[date]:
    return [date.fromisoformat(t + "-01") for t in texts]


def fixed(rows) -> Callable[[duckdb.DuckDBPyConnection], None]:
    """A filler inserting ``rows``: (month, n) or (month, n, keyword arguments of :func:`add`)."""

    def fill(conn: duckdb.DuckDBPyConnection) -> None:
        for row in rows:
            add(conn, *row[:2], **(row[2] if len(row) > 2 else {}))

    return fill


@contextlib.contextmanager
def connect_with(db: Path, fill: Callable[[duckdb.DuckDBPyConnection], None]) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection to ``db`` after ``fill``, closed afterwards."""
    conn = store.connect(db)
    try:
        fill(conn)
        yield conn
    finally:
        conn.close()


# ---------------------------------------------------------------------------
# Store A, "gappy": a gappy police.uk-like source across Dec→Jan and Mar→Apr
# ---------------------------------------------------------------------------
#
#   month     Redditch ASB   other rows                 source has the month?
#   2018-03        5                                     yes
#   2018-04        7                                     yes
#   2018-05        -                                     no  (missing)
#   2018-06        0         Bromsgrove ASB 2            yes (Redditch: a real 0)
#   2018-07..11    -                                     no  (missing)
#   2018-12        4         Redditch Burglary 9         yes
#   2019-01        6                                     yes

GAPPY = fixed(
    [
        ("2018-03", 5),
        ("2018-04", 7),
        ("2018-06", 2, {"district": "Bromsgrove"}),
        ("2018-12", 4),
        ("2018-12", 9, {"category": "Burglary"}),
        ("2019-01", 6),
    ]
)
GAPPY_MISSING = ["2018-05", "2018-07", "2018-08", "2018-09", "2018-10", "2018-11"]

# ---------------------------------------------------------------------------
# Store B, "level change": a level that halves between two years, seen through different months
# ---------------------------------------------------------------------------
#
# count = level[financial year] × factor[calendar month] exactly:
#   2018-19 (level 20): Oct 2018 40, Nov 2018 20, Jan 2019 20
#   2019-20 (level 10): Jul 2019 24, Oct 2019 20, Nov 2019 10, Jan 2020 10
# factors: Jan 1, Jul 2.4, Oct 2, Nov 1 (mean 1.6)

LEVEL_CHANGE = [
    ("2018-10", 40),
    ("2018-11", 20),
    ("2019-01", 20),
    ("2019-07", 24),
    ("2019-10", 20),
    ("2019-11", 10),
    ("2020-01", 10),
]

# ---------------------------------------------------------------------------
# Store C, "regular": 60 whole months, a seasonal cycle peaking in October, Poisson noise
# ---------------------------------------------------------------------------

STL_MONTHS = pd.period_range("2014-01", "2018-12", freq="M")


def _seasonal_counts(seed: int) -> list[int]:
    rng = np.random.default_rng(seed)
    t = np.arange(len(STL_MONTHS))
    moy = np.array([p.month for p in STL_MONTHS])
    mean = 200 + 1.5 * t + 40 * np.cos(2 * np.pi * (moy - 10) / 12)
    return rng.poisson(mean).tolist()


def regular(conn: duckdb.DuckDBPyConnection) -> None:
    """Redditch: a clean seasonal series. Bromsgrove: another draw with a spike of 150 in June 2017."""
    for period, redditch, bromsgrove in zip(STL_MONTHS, _seasonal_counts(1), _seasonal_counts(2), strict=False):
        month = period.strftime("%Y-%m")
        add(conn, month, redditch, source="extract")
        add(conn, month, bromsgrove + (150 if month == "2017-06" else 0), source="extract", district="Bromsgrove")


# ---------------------------------------------------------------------------
# Store D, "partial edges": a force extract whose first and last months are not wholly covered
# ---------------------------------------------------------------------------


def partial_edges(conn: duckdb.DuckDBPyConnection) -> None:
    add(conn, "2019-06", 30, source="extract", first_day=10, last_day=30)
    add(conn, "2019-07", 31, source="extract", first_day=1, last_day=31)
    add(conn, "2019-08", 15, source="extract", first_day=1, last_day=15)
