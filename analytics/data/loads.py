"""The bookkeeping every load shares: what a load reports, its transaction and temporary tables,
its load ids, and the ward of each row.

The rules every load keeps (each has a test in tests/test_police_uk.py, tests/test_extract.py or
tests/robustness/):
- Rows are never de-duplicated: police.uk ASB rows have no Crime ID, and two identical rows are
  two incidents at one snap point in one month.
- A file whose bytes were loaded before (same SHA-256) is skipped with a message.
- A load is one transaction: a file that fails validation, or breaks mid-way, leaves the
  database exactly as it was.
- Rows outside the configured districts are not stored, but counted in ``loads`` and reported.
- Bad input gets an InputError naming the file, the line and the problem.

Reading the files themselves safely is analytics/data/files.py; police.uk files are
analytics/data/police_uk.py, force extracts analytics/data/extract.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Literal

import duckdb
import pandas as pd
from pyproj import Transformer

from analytics.core.vocabulary import VINTAGES
from analytics.data.geography import BNG, METHOD_GIVEN, METHOD_LSOA, METHOD_POINT, WGS84, Geography
from analytics.data.query import one_row

Progress = Callable[[float, str], None]

# A generous box around Great Britain (Scilly to Shetland): police.uk points outside it are wrong.
GB_LONGITUDE = (-8.8, 2.0)
GB_LATITUDE = (49.8, 61.0)

_TO_BNG = Transformer.from_crs(WGS84, BNG, always_xy=True)


@dataclass
class FileReport:
    """What one file did to the store."""

    name: str
    sha256: str
    status: str  # 'loaded' | 'skipped'
    rows_read: int = 0
    rows_stored: int = 0
    rows_replaced: int = 0
    rows_outside: int = 0
    rows_outside_no_location: int = 0
    rows_by_lsoa_fallback: int = 0
    months: str = ""
    message: str = ""


@dataclass
class LoadReport:
    files: list[FileReport] = field(default_factory=list)

    def total(self, attribute: str) -> int:
        return sum(getattr(f, attribute) for f in self.files)

    def summary(self) -> str:
        loaded = [f for f in self.files if f.status == "loaded"]
        skipped = [f for f in self.files if f.status == "skipped"]
        lines = [
            f"{len(loaded)} file(s) loaded, {len(skipped)} skipped: "
            f"{self.total('rows_stored'):,} rows stored, {self.total('rows_replaced'):,} replaced, "
            f"{self.total('rows_outside'):,} outside the districts (not stored; "
            f"{self.total('rows_outside_no_location'):,} of them with no location)."
        ]
        lines += [f"  skipped {f.name}: {f.message}" for f in skipped]
        return "\n".join(lines)


SAME_CONTENT = "the same content was loaded before; nothing changed."


# --------------------------------------------------------------------------- wards


def ward_columns(given: dict[str, str] | None = None) -> str:
    """SQL for the ward of each vintage: the point's ward, else the LSOA's (or the extract's own code)."""
    parts = []
    for vintage in VINTAGES:
        fallback = f"k.lsoa_{vintage}" if given is None else given[vintage]
        method = METHOD_LSOA if given is None else METHOD_GIVEN
        parts.append(f"coalesce(p.ward_{vintage}, {fallback}) AS ward_{vintage}")
        parts.append(
            f"CASE WHEN p.ward_{vintage} IS NOT NULL THEN '{METHOD_POINT}' "
            f"WHEN {fallback} IS NOT NULL THEN '{method}' END AS ward_method_{vintage}"
        )
    return ", ".join(parts)


def assign_points(conn: duckdb.DuckDBPyConnection, table: str, geography: Geography) -> pd.DataFrame:
    """Ward of every distinct snap point, by point-in-polygon, and its British National Grid position.

    police.uk snaps locations to a limited set of anonymous points, so there are far fewer
    distinct points than rows: the geometry work is done once per point, the rest is a join.
    """
    points = conn.execute(f"SELECT DISTINCT lon, lat, district FROM {table} WHERE lon IS NOT NULL").df()
    lon = points["lon"].to_numpy(dtype=float)
    lat = points["lat"].to_numpy(dtype=float)
    district = points["district"].to_numpy(dtype=object)
    for vintage in VINTAGES:
        points[f"ward_{vintage}"] = geography.assign_points(lon, lat, district, vintage)
    points["easting"], points["northing"] = _TO_BNG.transform(lon, lat) if len(points) else ([], [])
    return points


# --------------------------------------------------------------------------- the load


def next_load_id(conn: duckdb.DuckDBPyConnection) -> int:
    return int(conn.execute("SELECT coalesce(max(load_id), 0) + 1 FROM loads").fetchall()[0][0])


class joins_as_written:
    """Plan the load's joins in the order written, the small table on the right (the build side).

    DuckDB cannot know how many rows the files hold before it reads them: left to itself, it built
    the hash table of the insert's join with the snap points from every incident, with all its
    text, rather than from the points (at 1 M rows, a third of the insert's time). The setting is
    DuckDB-wide, so it is put back as it was when the load ends, after its transaction, either way.
    """

    def __init__(self, conn: duckdb.DuckDBPyConnection):
        self.conn = conn

    def __enter__(self) -> duckdb.DuckDBPyConnection:
        self.before = one_row(self.conn.execute("SELECT current_setting('disabled_optimizers')"))[0]
        self.conn.execute("SET disabled_optimizers = 'join_order,build_side_probe_side'")
        return self.conn

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> Literal[False]:
        self.conn.execute("SET disabled_optimizers = ?", [self.before])
        return False


class transaction:
    """BEGIN ... COMMIT, or ROLLBACK on any error, so a failed load changes nothing."""

    def __init__(self, conn: duckdb.DuckDBPyConnection):
        self.conn = conn

    def __enter__(self) -> duckdb.DuckDBPyConnection:
        self.conn.execute("BEGIN TRANSACTION")
        return self.conn

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> Literal[False]:
        if exc_type is None:
            self.conn.execute("COMMIT")
        else:
            self.conn.execute("ROLLBACK")
        drop_stage(self.conn)
        return False


_STAGE_TABLES = (
    "stage_raw",
    "stage",
    "stage_typed",
    "stage_months",
    "stage_kept",
    "stage_summary",
    "stage_groups",
    "stage_points",
    "stage_lsoas",
    "point_wards",
)


def drop_stage(conn: duckdb.DuckDBPyConnection) -> None:
    """Drop the temporary tables of a load (they live as long as the connection otherwise)."""
    for table in _STAGE_TABLES:
        conn.execute(f"DROP TABLE IF EXISTS {table}")


# --------------------------------------------------------------------------- force extracts
