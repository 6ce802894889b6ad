"""The bookkeeping every load shares: what a load reports, its transaction and temporary tables,
its load ids, and the ward of each row.

The rules every load keeps (each has a test in tests/test_police_uk.py, tests/test_extract.py or
tests/robustness/):
- Rows are never de-duplicated: police.uk ASB rows have no Crime ID, and two identical rows are
  two incidents at one snap point in one month.
- A load replaces exactly what it brings: police.uk, the (force, month, district) triples its stored
  rows cover; an extract, its incident references. Never a whole month or a span of dates.
- A file whose bytes were loaded before (same SHA-256) is skipped with a message, but only while
  the rows that load stored are all still in the store (not replaced since, nor undone).
- The rows a load replaces are kept in ``replaced_rows`` with its load id, and its report per
  month and district (added, replaced, removed, kept) in ``load_changes``, so every load can be
  undone (analytics/data/history.py).
- A load that leaves a (month, district) with far fewer rows than it held (see ``CellChange``)
  is refused with the figures, unless ``replace`` is given; ``dry_run`` makes the load in its
  transaction and rolls it back: its report is exactly what the real load does.
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

from analytics.core.errors import AnalyticsError
from analytics.core.vocabulary import VINTAGES
from analytics.data.geography import METHOD_GIVEN, METHOD_LSOA, METHOD_POINT, Geography, to_bng
from analytics.data.query import one_row

Progress = Callable[[float, str], None]

# A generous box around Great Britain (Scilly to Shetland): police.uk points outside it are wrong.
GB_LONGITUDE = (-8.8, 2.0)
GB_LATITUDE = (49.8, 61.0)


#: A load is refused (unless told to replace) when it leaves a (month, district) with more than
#: this share of the rows it takes out missing, and more than REMOVE_ROWS rows fewer.
REMOVE_SHARE = 0.10
REMOVE_ROWS = 20


@dataclass(frozen=True)
class CellChange:
    """What one load did to one month of one district, in rows of its source.

    ``added``: rows it stored beyond those it took out; ``replaced``: rows it took out and put
    another in place of; ``removed``: rows it took out with none in their place; ``kept``: the
    month's rows of the district that it left as they were.
    """

    month: str  # YYYY-MM
    district: str
    added: int
    replaced: int
    removed: int
    kept: int

    @property
    def too_many_removed(self) -> bool:
        return self.removed > REMOVE_ROWS and self.removed > REMOVE_SHARE * (self.replaced + self.removed)

    def text(self) -> str:
        return (
            f"{self.month} {self.district}: {self.added:,} added, {self.replaced:,} replaced, "
            f"{self.removed:,} removed, {self.kept:,} kept"
        )


class LoadRefused(AnalyticsError):
    """A load that would remove far more rows of a (month, district) than it brings."""


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
    load_id: int | None = None
    changes: list[CellChange] = field(default_factory=list)


@dataclass
class LoadReport:
    files: list[FileReport] = field(default_factory=list)
    dry_run: bool = False

    def total(self, attribute: str) -> int:
        return sum(getattr(f, attribute) for f in self.files)

    def changes(self) -> list[CellChange]:
        """The files' changes, added up by month and district."""
        cells: dict[tuple[str, str], list[int]] = {}
        for f in self.files:
            for c in f.changes:
                sums = cells.setdefault((c.month, c.district), [0, 0, 0, 0])
                # kept: the rows of earlier loads the whole load left, the same for each of its files.
                sums[:] = [sums[0] + c.added, sums[1] + c.replaced, sums[2] + c.removed, max(sums[3], c.kept)]
        return [CellChange(m, d, *v) for (m, d), v in sorted(cells.items())]

    def refused(self) -> list[CellChange]:
        """The (month, district) cells for which the load is refused unless told to replace."""
        return [c for f in self.files for c in f.changes if c.too_many_removed]

    def summary(self) -> str:
        loaded = [f for f in self.files if f.status == "loaded"]
        skipped = [f for f in self.files if f.status == "skipped"]
        lines = [
            ("Dry run, nothing changed: " if self.dry_run else "")
            + f"{len(loaded)} file(s) {'would be loaded' if self.dry_run else 'loaded'}, {len(skipped)} skipped: "
            f"{self.total('rows_stored'):,} rows stored, {self.total('rows_replaced'):,} replaced, "
            f"{self.total('rows_outside'):,} outside the districts (not stored; "
            f"{self.total('rows_outside_no_location'):,} of them with no location)."
        ]
        lines += [f"  skipped {f.name}: {f.message}" for f in skipped]
        # What a loaded file's reading noted (merged cells filled, repeated rows kept once).
        lines += [f"  note on {f.name}: {f.message}" for f in loaded if f.message]
        lines += _change_lines(self.changes())
        if self.dry_run and self.refused():
            lines.append(refusal(self.refused()))
        return "\n".join(lines)


def _change_lines(changes: list[CellChange]) -> list[str]:
    """One line per month: what the load did to each district (added/replaced/removed/kept)."""
    if not changes:
        return []
    by_month: dict[str, list[str]] = {}
    for c in changes:
        by_month.setdefault(c.month, []).append(f"{c.district} +{c.added:,}/~{c.replaced:,}/-{c.removed:,}/={c.kept:,}")
    lines = ["  per month and district, rows +added/~replaced/-removed/=kept:"]
    return lines + [f"  {month}: {'; '.join(cells)}" for month, cells in by_month.items()]


def refusal(cells: list[CellChange]) -> str:
    """Why a load is refused, with the figures."""
    shown = "; ".join(c.text() for c in cells[:6]) + (f"; and {len(cells) - 6} more" if len(cells) > 6 else "")
    return (
        f"Refused: the load would remove more rows than it brings ({shown}). A load is refused when "
        f"it leaves a month of a district with more than {REMOVE_SHARE:.0%} and more than {REMOVE_ROWS} "
        "rows fewer than it takes out."
    )


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
    points["easting"], points["northing"] = to_bng().transform(lon, lat) if len(points) else ([], [])
    return points


# --------------------------------------------------------------------------- the load


def next_load_id(conn: duckdb.DuckDBPyConnection) -> int:
    """One more than any load's id, undone loads' too (their ids stay theirs in the history)."""
    return int(
        conn.execute(
            "SELECT greatest((SELECT coalesce(max(load_id), 0) FROM loads), "
            "(SELECT coalesce(max(load_id), 0) FROM undone_loads)) + 1"
        ).fetchall()[0][0]
    )


def current_shas(conn: duckdb.DuckDBPyConnection) -> set[str]:
    """The SHA-256 of every file whose rows are all in the store: loading it again would change nothing.
    A load whose rows were since replaced (by a later load), or that
    was undone (it is no longer in ``loads``), is not among them, so its file loads again."""
    rows = conn.execute("""
        SELECT l.sha256 FROM loads l
        LEFT JOIN (SELECT load_id, count(*) AS n FROM incidents GROUP BY load_id) i USING (load_id)
        WHERE coalesce(i.n, 0) = l.rows_stored AND l.rows_stored + l.rows_outside = l.rows_read""").fetchall()
    return {row[0] for row in rows}


def keep_replaced(conn: duckdb.DuckDBPyConnection, replaced_by: str, rows: str, params: list[object]) -> int:
    """Move the stored rows ``rows`` (a FROM clause over ``incidents i``) to ``replaced_rows``, each with
    the id of the load replacing it (``replaced_by``, an SQL expression); the number moved."""
    conn.execute(f"INSERT INTO replaced_rows BY NAME SELECT {replaced_by} AS replaced_by, i.* {rows}", params)
    return int(one_row(conn.execute(f"DELETE FROM incidents WHERE rowid IN (SELECT i.rowid {rows})", params))[0])


def settle(
    conn: duckdb.DuckDBPyConnection, first: int, last: int, source: str, replace: bool, dry_run: bool
) -> dict[int, list[CellChange]]:
    """The changes of the loads ``first``..``last`` (one transaction, rows inserted and replaced rows
    kept), by load, month and district; recorded in ``load_changes``. Raises LoadRefused when a
    cell loses too many rows (``CellChange.too_many_removed``), unless ``replace`` or ``dry_run``."""
    rows = conn.execute(
        """
        WITH gone AS (SELECT replaced_by AS load_id, month, district, count(*) AS n FROM replaced_rows
                      WHERE replaced_by BETWEEN $first AND $last GROUP BY ALL),
             came AS (SELECT load_id, month, district, count(*) AS n FROM incidents
                      WHERE load_id BETWEEN $first AND $last GROUP BY ALL),
             cells AS (SELECT load_id, month, district, coalesce(g.n, 0) AS gone, coalesce(c.n, 0) AS came
                       FROM gone g FULL JOIN came c USING (load_id, month, district)),
             held AS (SELECT month, district, count(*) AS n FROM incidents
                      WHERE source = $source AND load_id < $first
                        AND (month, district) IN (SELECT month, district FROM cells) GROUP BY ALL)
        SELECT c.load_id, strftime(c.month, '%Y-%m'), c.district, c.came - least(c.came, c.gone),
               least(c.came, c.gone), c.gone - least(c.came, c.gone), coalesce(h.n, 0)
        FROM cells c LEFT JOIN held h USING (month, district) ORDER BY 1, 2, 3""",
        {"first": first, "last": last, "source": source},
    ).fetchall()
    if rows:
        conn.execute(
            "INSERT INTO load_changes SELECT unnest(?::INTEGER[]), unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), "
            "unnest(?::BIGINT[]), unnest(?::BIGINT[]), unnest(?::BIGINT[]), unnest(?::BIGINT[])",
            [list(column) for column in zip(*rows, strict=True)],
        )
    changes: dict[int, list[CellChange]] = {}
    for load_id, *cell in rows:
        changes.setdefault(int(load_id), []).append(CellChange(*cell))
    refused = [c for cells in changes.values() for c in cells if c.too_many_removed]
    if refused and not (replace or dry_run):
        raise LoadRefused(
            refusal(refused),
            title="Load refused: it would remove rows",
            fix="Preview it with --dry-run; if the file is right, load it with --replace "
            '(on the Data page, tick "Replace anyway"). Any load can be undone: python -m analytics undo LOAD_ID.',
        )
    return changes


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
    """BEGIN ... COMMIT, or ROLLBACK on any error, so a failed load changes nothing.

    ``commit=False`` (a dry run): ROLLBACK either way."""

    def __init__(self, conn: duckdb.DuckDBPyConnection, commit: bool = True):
        self.conn = conn
        self.commit = commit

    def __enter__(self) -> duckdb.DuckDBPyConnection:
        self.conn.execute("BEGIN TRANSACTION")
        return self.conn

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> Literal[False]:
        if exc_type is None and self.commit:
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
