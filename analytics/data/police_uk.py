"""police.uk street-level files: their layout, their checks, and loading them into the store.

- police.uk publishes one file per force and month and revises past months, so a file replaces
  the stored rows of the (force, month, district) triples its stored rows cover, whatever it is
  called: a file of one district replaces that district only, rows outside the districts cover
  nothing, and a file with none inside them replaces nothing.
- Every row is kept as it is (ASB rows have no Crime ID: two identical rows are two incidents),
  and placed in its wards by its snap point, or else its LSOA (analytics/data/loads.py).
- Its keys are trimmed, forces and crime types stored in police.uk's spelling, and unknown names,
  malformed LSOA codes and months after the current month refused (analytics/data/police_uk_keys.py).
- The files are read safely by analytics/data/files.py; a file refused gets an InputError naming
  the file, the line and the problem.
"""

from __future__ import annotations

import codecs
import re
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, NoReturn

import duckdb

from analytics.core import settings
from analytics.core.errors import InputError
from analytics.core.vocabulary import ASB_CATEGORY
from analytics.data.files import (
    LINE_END,
    MAX_HEADER_BYTES,
    READ_CSV,
    Scan,
    Source,
    csv_problem,
    iter_sources,
    read_header,
    scan_file,
    stage_csv,
    text_file,
)
from analytics.data.force_counts import stage_force_lsoas, store_force_counts
from analytics.data.geography import METHOD_POINT, Geography, load_geography
from analytics.data.loads import (
    GB_LATITUDE,
    GB_LONGITUDE,
    SAME_CONTENT,
    FileReport,
    LoadReport,
    Progress,
    assign_points,
    current_shas,
    drop_stage,
    joins_as_written,
    keep_replaced,
    next_load_id,
    settle,
    transaction,
    ward_columns,
)
from analytics.data.police_uk_keys import current_month, key_sql, listed_sql, lsoa_malformed_sql
from analytics.data.police_uk_refusals import refuse_key, refuse_month, refuse_number, refuse_outside_gb
from analytics.data.query import one_row

# Files on disk are scanned (hashed, checked) by this many threads at once.
SCAN_THREADS = 2

POLICE_UK_COLUMNS = (
    "Crime ID",
    "Month",
    "Reported by",
    "Falls within",
    "Longitude",
    "Latitude",
    "Location",
    "LSOA code",
    "LSOA name",
    "Crime type",
    "Last outcome category",
    "Context",
)


_POLICE_NAMES = {
    "Crime ID": "crime_id",
    "Month": "month_text",
    "Reported by": "reported_by",
    "Falls within": "falls_within",
    "Longitude": "lon_text",
    "Latitude": "lat_text",
    "Location": "location",
    "LSOA code": "lsoa_code",
    "LSOA name": "lsoa_name",
    "Crime type": "category",
    "Last outcome category": "outcome",
    "Context": "context",
}


def ingest_police_uk(
    conn: duckdb.DuckDBPyConnection,
    paths: list[Path | str],
    *,
    geography: Geography | None = None,
    districts: tuple[str, ...] | None = None,
    progress: Progress | None = None,
    dry_run: bool = False,
    replace: bool = False,
) -> LoadReport:
    """Load police.uk street-level CSV files, folders of them, or police.uk archive zips.

    ``dry_run``: load in the transaction and roll it back (the report is what the load would do);
    ``replace``: load even if a (month, district) would lose many rows (loads.CellChange).

    Everything is loaded in one transaction: if any file is refused, nothing is kept. Each file
    is hashed and its text checked in Python (scan_file); then DuckDB reads all of them together,
    twice, never keeping a copy of their rows: once to check them, count what each file holds (a
    small summary by file, month, force and LSOA) and find the distinct snap points that need a
    ward; once straight into ``incidents``. Parsing the files' text twice costs far less than
    storing it in a staging table and copying it (the bare read_csv of the scale benchmark spends
    most of its time storing, not parsing). The first read runs before the transaction and
    creates only temporary tables, so a file DuckDB refuses can be read again alone to name it;
    the deletion of replaced rows, the insert and the load records are one transaction.
    """
    districts = districts or settings.districts()
    geography = geography or load_geography(conn)
    sources = list(iter_sources(paths, (".csv",)))
    report = LoadReport(dry_run=dry_run)
    with tempfile.TemporaryDirectory(prefix="asb-ingest-") as tmp:
        pool = ThreadPoolExecutor(max_workers=SCAN_THREADS)
        try:
            staged = _read_files(conn, sources, pool, Path(tmp), report, progress)
            if staged:
                if progress:
                    progress(0.7, "Checking and placing rows in wards")
                _summarise_police(conn, staged)
                _check_police(conn, staged)
                with joins_as_written(conn), transaction(conn, commit=not dry_run):
                    report.files.extend(_apply_police(conn, staged, geography, districts, (replace, dry_run)))
            if progress:
                progress(1.0, "Loaded")
        finally:
            pool.shutdown(cancel_futures=True)
            drop_stage(conn)
    order = {source.name: i for i, source in enumerate(sources)}
    report.files.sort(key=lambda f: order[f.name])
    return report


def _read_files(
    conn: duckdb.DuckDBPyConnection,
    sources: list[Source],
    pool: ThreadPoolExecutor,
    tmp: Path,
    report: LoadReport,
    progress: Progress | None,
) -> list[_Staged]:
    """Scan every file, in order: those loaded before go into ``report`` as skipped, the others are staged."""
    seen = current_shas(conn)
    # Files on disk are hashed two at a time (hashing and reading let other threads run);
    # their results, and any refusal, are still taken in the files' order.
    ahead = {index: pool.submit(scan_file, source) for index, source in enumerate(sources) if source.path is not None}
    staged: list[_Staged] = []
    for index, source in enumerate(sources):
        if progress:
            progress(0.6 * index / max(1, len(sources)), f"Reading {source.name}")
        # Our own names in our own folder: an upload's name never decides where anything goes.
        spill = None if source.path is not None else tmp / f"member{index}.raw"
        scan = ahead.pop(index).result() if index in ahead else scan_file(source, spill)
        if scan.sha in seen:
            report.files.append(FileReport(source.name, scan.sha, "skipped", message=SAME_CONTENT))
            if spill is not None:
                spill.unlink()
            continue
        seen.add(scan.sha)
        staged.append(_prepare_police_file(source, scan, tmp / f"file{index}.csv", len(staged)))
    return staged


#: How DuckDB must read a file: its header, its line end, whether it starts with a byte-order mark.
_Layout = tuple[tuple[str, ...], bytes, bool]
#: Of one file: rows read, rows outside the districts, of those without a location, its months.
_FileCounts = tuple[int, int, int, str]


@dataclass
class _Staged:
    """One police.uk file to load: its rows carry file_index = index."""

    index: int
    source: Source
    sha: str
    path: Path  # UTF-8 text DuckDB reads: the file itself, or our copy
    header: list[str]
    layout: _Layout  # files of one layout are read by one read_csv


def _prepare_police_file(source: Source, scan: Scan, copy: Path, index: int) -> _Staged:
    path, first_line, has_rows = text_file(source, scan, copy)
    header = read_header(source, first_line, POLICE_UK_COLUMNS, has_rows)
    # Files are read together only when DuckDB would read each of them alone the same way: the
    # same columns in the same places, the same line end, with or without a byte-order mark.
    with open(path, "rb") as handle:
        head = handle.read(MAX_HEADER_BYTES + 2)
    end = LINE_END.search(head)
    newline = b"" if end is None else head[end.start() : end.start() + 2]
    newline = newline if newline == b"\r\n" else newline[:1]
    return _Staged(index, source, scan.sha, path, header, (tuple(header), newline, head.startswith(codecs.BOM_UTF8)))


def _police_select(header: list[str]) -> str:
    """The staged columns of a police.uk file; longitude and latitude are also read as numbers."""
    lon, lat = header.index("Longitude"), header.index("Latitude")
    # In our order, not the file's: the layouts' reads are stacked (and by name, to be sure).
    # Keys trimmed, forces and crime types in police.uk's spelling (analytics/data/police_uk_keys.py).
    columns = ", ".join(f"{key_sql(f'c{header.index(name)}', name)} AS {ours}" for name, ours in _POLICE_NAMES.items())
    return (
        f"{columns}, TRY_CAST(nullif(trim(c{lon}), '') AS DOUBLE) AS lon, "
        f"TRY_CAST(nullif(trim(c{lat}), '') AS DOUBLE) AS lat"
    )


def _police_rows(staged: list[_Staged]) -> tuple[str, list[Any]]:
    """SQL (and its parameters) for the rows of all the files, each with its file_index.

    One read_csv per layout, over all its files at once: DuckDB reads them in parallel, where
    one statement per file paid a statement's fixed cost hundreds of times. A row's file_index
    comes from DuckDB's own file_index, the position of its file in the list read_csv is given
    (_summarise_police checks that every row found its file).
    """
    layouts: dict[_Layout, list[_Staged]] = {}
    for item in staged:
        layouts.setdefault(item.layout, []).append(item)
    parts: list[str] = []
    params: list[Any] = []  # per layout: file indices, paths, column types
    for items in layouts.values():
        header = items[0].header
        parts.append(
            f"SELECT (?::INTEGER[])[file_index::BIGINT + 1] AS file_index, {_police_select(header)} FROM {READ_CSV}"
        )
        params += [
            [item.index for item in items],
            [str(item.path) for item in items],
            {f"c{i}": "VARCHAR" for i in range(len(header))},
        ]
    return "(" + " UNION ALL BY NAME ".join(parts) + ")", params


def _stage_one(conn: duckdb.DuckDBPyConnection, item: _Staged) -> None:
    """The rows of one file, alone, in the temporary table ``stage``: to name a file DuckDB refuses,
    and to find the line of a problem. Raises the InputError for a file DuckDB cannot read."""
    conn.execute("DROP TABLE IF EXISTS stage")
    stage_csv(
        conn,
        item.source,
        item.path,
        item.header,
        f"CREATE TEMP TABLE stage AS SELECT {item.index} AS file_index, {_police_select(item.header)} "
        "FROM {read_csv}",
    )


def _csv_error(staged: list[_Staged], exc: duckdb.Error) -> InputError:
    """An InputError for a DuckDB error reading several files: the file it names, else the first."""
    line, problem = csv_problem(str(exc))
    named = re.search(r"^\s*file = (.*)$", str(exc), re.MULTILINE)
    by_path = {str(item.path): item.source.name for item in staged}
    name = by_path.get(named.group(1).strip()) if named else None
    return InputError(problem, file=name or staged[0].source.name, line=line)


def _summarise_police(conn: duckdb.DuckDBPyConnection, staged: list[_Staged]) -> None:
    """Read every file once: ``stage_groups``, rows counted by file, month, force, LSOA (and crime type
    in the force's LSOAs) with the counts the checks need, and ``stage_points``, the distinct snap
    points by LSOA. Outside the load's transaction (temporary tables only), so a file DuckDB refuses
    is read again alone, as the files were before, for the message naming it and its line."""
    rows, params = _police_rows(staged)
    stage_force_lsoas(conn)
    try:
        # Two groupings in one read: the summary, and the distinct snap points (by LSOA, which
        # gives their district) that need a ward. What the checks count is worked out once per
        # row, as bits of ``flags`` (almost always 0, or 1 for no location), a key of the summary:
        # a count per check per grouping cost as much again as the rest of the read.
        conn.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE stage_summary AS
            SELECT grouping(lon) = 0 AS is_point, file_index, month_text, reported_by, lsoa_code, force_category,
                   flags, lon, lat, count(*) AS n
            FROM (SELECT *,
                    -- the crime type, for the force-wide counts only (analytics/data/force_counts.py): a key
                    -- of every row would multiply the summary's groups by the types
                    CASE WHEN lsoa_code IN (SELECT lsoa_code FROM stage_force_lsoas) THEN category END
                      AS force_category,
                    (lon IS NULL)::INTEGER
                    + 2 * coalesce(nullif(trim(category), '') IS NULL, false)::INTEGER
                    + 4 * coalesce((lon IS NULL OR lat IS NULL)
                        AND ((lon IS NULL) <> (lat IS NULL) OR nullif(trim(lon_text), '') IS NOT NULL
                             OR nullif(trim(lat_text), '') IS NOT NULL), false)::INTEGER
                    + 8 * coalesce(lon NOT BETWEEN ? AND ? OR lat NOT BETWEEN ? AND ?, false)::INTEGER
                    + 16 * coalesce(category <> '' AND NOT {listed_sql("category", "Crime type")}, false)::INTEGER
                    + 32 * coalesce(falls_within <> '' AND NOT {listed_sql("falls_within", "Falls within")}, false)
                      ::INTEGER AS flags
                  FROM {rows})
            GROUP BY GROUPING SETS ((file_index, month_text, reported_by, lsoa_code, force_category, flags),
                                    (lsoa_code, lon, lat))""",
            [*GB_LONGITUDE, *GB_LATITUDE, *params],
        )
    except duckdb.Error as exc:
        for item in staged:
            _stage_one(conn, item)  # raises the InputError for the file refused
        raise _csv_error(staged, exc) from None
    conn.execute("""CREATE OR REPLACE TEMP TABLE stage_groups AS
                    SELECT file_index, month_text, reported_by, lsoa_code, force_category, n,
                           CASE WHEN flags & 1 <> 0 THEN n ELSE 0 END AS no_location,
                           CASE WHEN flags & 2 <> 0 THEN n ELSE 0 END AS no_category,
                           CASE WHEN flags & 4 <> 0 THEN n ELSE 0 END AS bad_number,
                           CASE WHEN flags & 8 <> 0 THEN n ELSE 0 END AS outside_gb,
                           CASE WHEN flags & 16 <> 0 THEN n ELSE 0 END AS unknown_category,
                           CASE WHEN flags & 32 <> 0 THEN n ELSE 0 END AS unknown_falls_within
                    FROM stage_summary WHERE NOT is_point""")
    conn.execute("""CREATE OR REPLACE TEMP TABLE stage_points AS
                    SELECT lsoa_code, lon, lat FROM stage_summary WHERE is_point AND lon IS NOT NULL""")
    conn.execute("DROP TABLE stage_summary")
    lost = one_row(conn.execute("SELECT coalesce(sum(n), 0) FROM stage_groups WHERE file_index IS NULL"))[0]
    if lost:
        # Never expected (DuckDB's file_index is the position in the list given): refuse rather
        # than drop rows.
        raise RuntimeError(f"{lost:,} rows read could not be matched to their file; nothing was loaded.")


def _check_police(conn: duckdb.DuckDBPyConnection, staged: list[_Staged]) -> None:
    checks = _POLICE_CHECKS.format(
        forces=listed_sql("reported_by", "Reported by"), malformed_lsoa=lsoa_malformed_sql("lsoa_code")
    )
    cursor = conn.execute(checks, [current_month()])
    names = [column[0] for column in cursor.description or []]
    for row in cursor.fetchall():
        counts = dict(zip(names[1:], row[1:], strict=True))
        if any(counts.values()):
            item = staged[row[0]]
            _stage_one(conn, item)  # only for a refused file: to find the line
            _explain_police_error(conn, item, counts)


# The checks run on the summary: a file holds a handful of months, forces and LSOAs. In the order
# a file's problems are reported (the first only).
_POLICE_CHECKS = """
SELECT file_index,
  coalesce(sum(n) FILTER (WHERE NOT regexp_full_match(coalesce(month_text, ''), '[0-9]{{4}}-(0[1-9]|1[0-2])')), 0)
    AS bad_month,
  coalesce(sum(n) FILTER (WHERE month_text > ?), 0) AS future_month,
  sum(bad_number) AS bad_number, sum(outside_gb) AS outside_gb,
  sum(no_category) AS no_category,
  coalesce(sum(n) FILTER (WHERE nullif(reported_by, '') IS NULL), 0) AS no_force,
  coalesce(sum(n) FILTER (WHERE reported_by <> '' AND NOT {forces}), 0) AS unknown_force,
  sum(unknown_falls_within) AS unknown_falls_within,
  sum(unknown_category) AS unknown_category,
  coalesce(sum(n) FILTER (WHERE {malformed_lsoa}), 0) AS malformed_lsoa
FROM stage_groups GROUP BY file_index ORDER BY file_index
"""


def _explain_police_error(conn: duckdb.DuckDBPyConnection, staged: _Staged, counts: dict[str, int]) -> NoReturn:
    """Raise the InputError for the first problem of a file (``counts``: rows failing each check,
    in the order they are reported), with its line number.

    Finding the line costs a pass over the file in Python, paid only when a file is refused.
    """
    col = {name: staged.header.index(name) for name in POLICE_UK_COLUMNS}
    check = next(name for name, n in counts.items() if n)
    if check == "bad_month":
        refuse_month(conn, staged, col, counts[check])
    if check == "bad_number":
        refuse_number(staged, col, counts[check])
    if check == "outside_gb":
        refuse_outside_gb(conn, staged, col, counts[check])
    refuse_key(conn, staged, col, check, counts[check])


def _apply_police(
    conn: duckdb.DuckDBPyConnection,
    staged: list[_Staged],
    geography: Geography,
    districts: tuple[str, ...],
    replace_dry_run: tuple[bool, bool],
) -> list[FileReport]:
    """The load's transaction: replace the (force, month, district) triples the files' rows cover
    (the rows replaced kept in replaced_rows), store their rows, record the load."""
    _stage_months_and_lsoas(conn, districts)
    _one_file_a_triple(conn, staged)
    per_file, superseded, replaced = _count_by_file(conn)
    base = next_load_id(conn)
    store_force_counts(conn, base)  # every district of the force, counted (analytics/data/force_counts.py)
    keep_replaced(
        conn,
        f"{base} + m.file_index",
        """FROM incidents i JOIN stage_months m
             ON m.reported_by = i.force AND m.month = i.month AND m.district = i.district
           WHERE i.source = 'police_uk'""",
        [],
    )
    _insert_rows(conn, staged, geography, base)
    stored = {
        row[0]: row[1:]
        for row in conn.execute(f"""
        SELECT load_id - {base}, count(*), count(*) FILTER (WHERE ward_method_wd22 <> '{METHOD_POINT}'
                                                          OR ward_method_wd25 <> '{METHOD_POINT}')
        FROM incidents WHERE load_id >= {base} AND source = 'police_uk' GROUP BY 1""").fetchall()
    }
    reports = _record_loads(conn, staged, base, per_file, stored, replaced, superseded)
    changes = settle(conn, base, base + len(staged) - 1, "police_uk", *replace_dry_run)
    for item, file_report in zip(staged, reports, strict=True):
        file_report.load_id = base + item.index
        file_report.changes = changes.get(base + item.index, [])
    return reports


def _stage_months_and_lsoas(conn: duckdb.DuckDBPyConnection, districts: tuple[str, ...]) -> None:
    """``stage_lsoas``, the LSOAs kept; ``stage_months``, the (force, month, district) triples the
    files' kept rows cover, each with the file that is its latest."""
    # A row is kept when its LSOA is in one of the districts.
    conn.execute(
        """
        CREATE OR REPLACE TEMP TABLE stage_lsoas AS
        SELECT lsoa_code, district, ward_wd22 AS lsoa_wd22, ward_wd25 AS lsoa_wd25
        FROM lsoa_lookup WHERE list_contains(?, district)""",
        [list(districts)],
    )
    # Two files of one load holding rows of the same triple are refused before this (_one_file_a_triple),
    # so each triple has one file. (The Month is checked as YYYY-MM: its text and the month are one to one.)
    conn.execute("""
        CREATE OR REPLACE TEMP TABLE stage_months AS
        SELECT g.reported_by, g.month_text, strptime(g.month_text || '-01', '%Y-%m-%d')::DATE AS month,
               k.district, max(g.file_index) AS file_index
        FROM stage_groups g JOIN stage_lsoas k ON k.lsoa_code = g.lsoa_code GROUP BY 1, 2, 3, 4""")


def _one_file_a_triple(conn: duckdb.DuckDBPyConnection, staged: list[_Staged]) -> None:
    """Refuse a load in which two files hold rows of the same force, month and district.

    Which of two such files is the revision cannot be read from them (police.uk files carry no date
    of publication), and the order of their names says nothing: '2025-03-...-street (1).csv', the
    newer download, sorts before '2025-03-...-street.csv'. So the user says it, by loading them one
    after the other: a later load replaces an earlier one's rows of the triples it covers."""
    clash = conn.execute("""
        SELECT g.reported_by, g.month_text, k.district, list(DISTINCT g.file_index ORDER BY g.file_index)
        FROM stage_groups g JOIN stage_lsoas k ON k.lsoa_code = g.lsoa_code
        GROUP BY 1, 2, 3 HAVING count(DISTINCT g.file_index) > 1 ORDER BY 2, 3 LIMIT 1""").fetchone()
    if clash is None:
        return
    force, month, district, indexes = clash
    names = [staged[i].source.name for i in indexes]
    raise InputError(
        f"{len(names)} files of this load hold {district}'s rows of {force} for {month}: {', '.join(names)}. "
        "Which is the revision cannot be told from the files; load the one you want, or load them one "
        "after the other (a later load replaces the rows of an earlier one).",
        file=names[-1],
    )


def _count_by_file(
    conn: duckdb.DuckDBPyConnection,
) -> tuple[dict[int, _FileCounts], dict[int, int], dict[int, int]]:
    """By file: rows read, outside the districts and months; rows a later file of the load revises
    (none in the districts: _one_file_a_triple refuses two files of one triple); stored rows of
    earlier loads it replaces."""
    per_file = {
        row[0]: row[1:]
        for row in conn.execute("""
        SELECT g.file_index, sum(g.n) AS rows_read,
               sum(g.n) - coalesce(sum(g.n) FILTER (WHERE k.lsoa_code IS NOT NULL), 0) AS outside,
               sum(g.no_location) - coalesce(sum(g.no_location) FILTER (WHERE k.lsoa_code IS NOT NULL), 0)
                 AS outside_no_location,
               min(g.month_text) || '..' || max(g.month_text) AS months
        FROM stage_groups g LEFT JOIN stage_lsoas k ON k.lsoa_code = g.lsoa_code
        GROUP BY g.file_index""").fetchall()
    }
    superseded = dict(
        conn.execute("""
        SELECT m.file_index, sum(g.n) FROM stage_groups g
        JOIN stage_lsoas k ON k.lsoa_code = g.lsoa_code
        JOIN stage_months m ON m.reported_by = g.reported_by AND m.month_text = g.month_text
                            AND m.district = k.district
        WHERE g.file_index < m.file_index GROUP BY 1""").fetchall()
    )
    replaced = dict(
        conn.execute("""
        SELECT m.file_index, count(*) FROM incidents i
        JOIN stage_months m ON m.reported_by = i.force AND m.month = i.month AND m.district = i.district
        WHERE i.source = 'police_uk' GROUP BY 1""").fetchall()
    )
    return per_file, superseded, replaced


def _insert_rows(conn: duckdb.DuckDBPyConnection, staged: list[_Staged], geography: Geography, base: int) -> None:
    """Read the files again, straight into ``incidents``, each row with its wards (``base``: the first load id)."""
    rows, params = _police_rows(staged)
    # The rows stored: in the districts, and of the file that is their triple's latest.
    kept = f"""FROM {rows} s JOIN stage_lsoas k ON k.lsoa_code = s.lsoa_code
               JOIN stage_months m ON m.reported_by = s.reported_by AND m.month_text = s.month_text
                                  AND m.district = k.district AND m.file_index = s.file_index"""
    # Every point of the rows in the districts (a few of rows superseded too: the join below
    # only looks points up).
    points = assign_points(
        conn,
        "(SELECT p.lon, p.lat, k.district FROM stage_points p JOIN stage_lsoas k ON k.lsoa_code = p.lsoa_code) AS kept",
        geography,
    )
    conn.register("point_frame", points)
    try:
        # Copied once into a DuckDB table (one row per point), so the insert joins a table, with
        # its statistics, rather than scanning a pandas frame.
        conn.execute("CREATE OR REPLACE TEMP TABLE point_wards AS SELECT * FROM point_frame")
    finally:
        conn.unregister("point_frame")
    # (Planned as written, joins_as_written: the small tables are the joins' build side.)
    try:
        conn.execute(
            f"""
            INSERT INTO incidents BY NAME
            SELECT 'police_uk' AS source, false AS synthetic, {base} + s.file_index AS load_id,
                   s.reported_by AS force, m.month, nullif(s.crime_id, '') AS crime_id, s.reported_by,
                   s.falls_within, s.category, s.category = '{ASB_CATEGORY}' AS is_asb, s.lon AS longitude,
                   s.lat AS latitude, p.easting, p.northing, s.location, s.lsoa_code, s.lsoa_name,
                   nullif(s.outcome, '') AS outcome, nullif(s.context, '') AS context, k.district,
                   {ward_columns()}
            {kept}
            LEFT JOIN point_wards p ON p.lon = s.lon AND p.lat = s.lat AND p.district = k.district""",
            params,
        )
    except duckdb.Error as exc:
        if not isinstance(exc, (duckdb.InvalidInputException, duckdb.ConversionException)):
            raise
        raise _csv_error(staged, exc) from None  # read once already: only if a file changed meanwhile


def _record_loads(
    conn: duckdb.DuckDBPyConnection,
    staged: list[_Staged],
    base: int,
    per_file: dict[int, _FileCounts],
    stored: dict[int, tuple[int, int]],
    replaced: dict[int, int],
    superseded: dict[int, int],
) -> list[FileReport]:
    """One row in ``loads`` per file, and the report of each."""
    reports, records, now = [], [], datetime.now()
    for item in staged:
        rows_read, outside, outside_no_location, months = per_file[item.index]
        rows_stored, fallback = stored.get(item.index, (0, 0))
        rows_replaced = replaced.get(item.index, 0) + superseded.get(item.index, 0)
        records.append(
            (
                base + item.index,
                item.source.name,
                item.sha,
                rows_read,
                rows_stored,
                rows_replaced,
                outside,
                outside_no_location,
                months,
            )
        )
        reports.append(
            FileReport(
                item.source.name,
                item.sha,
                "loaded",
                rows_read=int(rows_read),
                rows_stored=int(rows_stored),
                rows_replaced=int(rows_replaced),
                rows_outside=int(outside),
                rows_outside_no_location=int(outside_no_location),
                rows_by_lsoa_fallback=int(fallback),
                months=months,
            )
        )
    # One statement for all the files' records, not one per file.
    columns = [list(column) for column in zip(*records, strict=False)]
    conn.execute(
        """
        INSERT INTO loads
        SELECT unnest(?::INTEGER[]), unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), 'police_uk', false,
               unnest(?::BIGINT[]), unnest(?::BIGINT[]), unnest(?::BIGINT[]), unnest(?::BIGINT[]),
               unnest(?::BIGINT[]), unnest(?::VARCHAR[]), ?::TIMESTAMP""",
        [*columns, now],
    )
    return reports
