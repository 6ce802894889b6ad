"""The force ASB incident extract (CSV or XLSX): its columns, their mapping, its checks, and
loading it into the store.

- A load replaces exactly what it brings: the stored rows of the force with the incident references
  its rows (in the districts) carry, its natural key. A re-extract updates those incidents and keeps
  the others; extracts split by district or by half-month do not touch each other; one row with
  a mistyped year replaces nothing beyond its own reference.
- Its key-word types and NIRS classes are the field's (analytics/core/vocabulary.py); a row with
  no coordinates needs a known WD22 ward code, and keeps it (analytics/data/loads.py).
- The file is read safely by analytics/data/files.py (a workbook gets the zip-bomb checks of an
  archive); a file refused gets an InputError naming the file, the line and the problem.
"""

from __future__ import annotations

import tempfile
from datetime import datetime
from pathlib import Path
from typing import NoReturn

import duckdb
import pandas as pd

from analytics.core import settings
from analytics.core.errors import InputError
from analytics.core.errors import shown as _shown  # quoted, cut short: a hostile value cannot flood a message
from analytics.core.vocabulary import ASB_CATEGORY, EXTRACT_KEYWORDS, NIRS_CLASSES
from analytics.data.files import (
    Scan,
    Source,
    file_source,
    find_line,
    open_archive,
    read_header,
    scan_file,
    select_columns,
    stage_csv,
    text_file,
)
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
    keep_replaced,
    next_load_id,
    settle,
    transaction,
    ward_columns,
)
from analytics.data.query import one_row

EXTRACT_COLUMNS = (
    "incident_ref",
    "reported_at",
    "keyword",
    "nirs_class",
    "district",
    "ward_code",
    "longitude",
    "latitude",
    "location",
)
EXTRACT_TIME_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
)


def ingest_extract(
    conn: duckdb.DuckDBPyConnection,
    path: Path | str,
    *,
    column_map: dict[str, str] | None = None,
    synthetic: bool | None = None,
    force: str = "West Mercia Police",
    geography: Geography | None = None,
    districts: tuple[str, ...] | None = None,
    progress: Progress | None = None,
    dry_run: bool = False,
    replace: bool = False,
) -> LoadReport:
    """Load a force ASB incident extract (CSV or XLSX).

    ``column_map`` maps the file's column names to ours (EXTRACT_COLUMNS) for other layouts.
    ``synthetic`` marks the demonstration extract; by default a file whose name says SYNTHETIC is.
    A load replaces the stored extract rows of the force with the incident references it brings.
    ``dry_run``: load in the transaction and roll it back (the report is what the load would do);
    ``replace``: load even if a (month, district) would lose many rows (loads.CellChange).
    """
    districts = districts or settings.districts()
    geography = geography or load_geography(conn)
    path = Path(path)
    if path.is_dir():
        raise InputError("this is a folder: give the extract file itself (CSV or XLSX).", file=str(path))
    if not path.is_file():
        raise InputError("no such file." if not path.exists() else "not a regular file.", file=str(path))
    source = file_source(path)
    mapping = _extract_mapping(source, column_map)
    if not isinstance(force, str) or not force.strip():
        raise InputError(f"the force must be a name, not {_shown(force)}.", file=source.name)
    if synthetic is None:
        synthetic = "SYNTHETIC" in path.name.upper()
    excel = path.suffix.lower() in (".xlsx", ".xlsm")
    if progress:
        progress(0.1, f"Reading {source.name}")
    report = LoadReport(dry_run=dry_run)
    with tempfile.TemporaryDirectory(prefix="asb-extract-") as tmp_name:
        tmp = Path(tmp_name)
        scan = scan_file(source, text=not excel)
        if scan.sha in current_shas(conn):
            report.files.append(FileReport(source.name, scan.sha, "skipped", message=SAME_CONTENT))
            return report
        path, header = _extract_text(source, scan, excel, mapping, tmp)
        with transaction(conn, commit=not dry_run):
            _stage_extract(conn, source, path, header, mapping)
            if progress:
                progress(0.5, "Checking")
            _check_extract(conn, source, path, header, mapping, geography)
            report.files.append(
                _apply_extract(conn, source, scan.sha, (synthetic, force), geography, districts, (replace, dry_run))
            )
    if progress:
        progress(1.0, "Loaded")
    return report


def _extract_text(
    source: Source, scan: Scan, excel: bool, mapping: dict[str, str], tmp: Path
) -> tuple[Path, list[str]]:
    """The extract as UTF-8 CSV text DuckDB reads (a workbook's first sheet, converted), and its checked header."""
    if excel:
        converted = tmp / "workbook.csv"
        _xlsx_to_csv(source, converted)
        text_scan = scan_file(Source(source.name, lambda: open(converted, "rb"), converted))
    else:
        text_scan = scan
    path, first_line, has_rows = text_file(source, text_scan, tmp / "extract.csv")
    required = tuple(sorted(mapping, key=lambda k: EXTRACT_COLUMNS.index(mapping[k])))
    return path, read_header(source, first_line, required, has_rows)


def _stage_extract(
    conn: duckdb.DuckDBPyConnection, source: Source, path: Path, header: list[str], mapping: dict[str, str]
) -> None:
    """The extract's rows in the temporary table ``stage``, coordinates and time read as numbers and a timestamp."""
    stage_csv(
        conn,
        source,
        path,
        header,
        f"""
        CREATE OR REPLACE TEMP TABLE stage AS
        SELECT *, TRY_CAST(nullif(trim(lon_text), '') AS DOUBLE) AS lon,
                  TRY_CAST(nullif(trim(lat_text), '') AS DOUBLE) AS lat,
                  coalesce({", ".join(f"try_strptime(trim(reported_text), '{f}')" for f in EXTRACT_TIME_FORMATS)})
                    AS reported_at
        FROM (SELECT {select_columns(header, {k: _EXTRACT_NAMES[v] for k, v in mapping.items()})}
              FROM {{read_csv}})""",
    )


_EXTRACT_NAMES = {
    "incident_ref": "incident_ref",
    "reported_at": "reported_text",
    "keyword": "keyword",
    "nirs_class": "nirs_class",
    "district": "district_text",
    "ward_code": "ward_code",
    "longitude": "lon_text",
    "latitude": "lat_text",
    "location": "location",
}


def _extract_mapping(source: Source, column_map: dict[str, str] | None) -> dict[str, str]:
    """The file's column for each of ours: ours by name, unless ``column_map`` names another.

    The map's names are only compared with the file's header, never put into SQL.
    """
    if not column_map:
        return {name: name for name in EXTRACT_COLUMNS}
    if not isinstance(column_map, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in column_map.items()
    ):
        raise InputError(
            "the column mapping must map the file's column names to ours, as text "
            f"(e.g. {{'Ref': 'incident_ref'}}); valid targets: {', '.join(EXTRACT_COLUMNS)}.",
            file=source.name,
        )
    unknown = sorted(set(column_map.values()) - set(EXTRACT_COLUMNS))
    if unknown:
        raise InputError(
            f"the column mapping names unknown target(s) {', '.join(_shown(u) for u in unknown)}; "
            f"valid targets: {', '.join(EXTRACT_COLUMNS)}.",
            file=source.name,
        )
    targets = list(column_map.values())
    twice = sorted({t for t in targets if targets.count(t) > 1})
    if twice:
        raise InputError(
            f"the column mapping gives more than one column for {', '.join(twice)}; "
            "each of ours takes one column of the file.",
            file=source.name,
        )
    mapping = dict(column_map)
    for name in EXTRACT_COLUMNS:
        if name in targets:
            continue
        if name in column_map:
            raise InputError(
                f"the column mapping uses the file's column {name!r} for {column_map[name]!r}, "
                f"so no column gives {name!r}; map one to it.",
                file=source.name,
            )
        mapping[name] = name
    return mapping


def _xlsx_to_csv(source: Source, out: Path) -> None:
    """The workbook's first sheet as CSV text, after the zip-bomb checks every archive gets."""
    workbook = source.path
    if workbook is None:  # ingest_extract reads a file on disk (file_source), never an archive member
        raise ValueError(f"_xlsx_to_csv needs {source.name} on disk.")
    archive, _ = open_archive(workbook, "Excel workbook")
    archive.close()
    try:
        frame = pd.read_excel(workbook, dtype=str, keep_default_na=False)
    except Exception as exc:  # openpyxl raises many types for a broken workbook
        raise InputError(f"not a readable Excel workbook ({str(exc)[:200]}).", file=source.name) from None
    frame.to_csv(out, index=False)


# Each check of a staged extract: the condition a bad row meets, the column shown, the problem.
_EXTRACT_CHECKS = (
    (
        "reported_at IS NULL",
        "reported_at",
        "the date and time reported is not a date (expected e.g. 2018-10-31 19:45:00)",
    ),
    (
        "NOT list_contains(?, coalesce(keyword, ''))",
        "keyword",
        f"unknown key-word type; valid types: {', '.join(EXTRACT_KEYWORDS)}",
    ),
    (
        "nullif(trim(nirs_class), '') IS NOT NULL AND NOT list_contains(?, nirs_class)",
        "nirs_class",
        f"unknown NIRS class; valid classes: {', '.join(NIRS_CLASSES)}",
    ),
    (
        "(lon IS NULL) <> (lat IS NULL) OR (lon IS NULL AND nullif(trim(lon_text), '') IS NOT NULL)"
        " OR (lat IS NULL AND nullif(trim(lat_text), '') IS NOT NULL)",
        "longitude",
        "the longitude or latitude is not a number, or one is given without the other",
    ),
    (
        "lon NOT BETWEEN ? AND ? OR lat NOT BETWEEN ? AND ?",
        "longitude",
        "the coordinates are outside Great Britain",
    ),
    (
        "lon IS NULL AND NOT list_contains(?, coalesce(ward_code, ''))",
        "ward_code",
        "a row with no coordinates needs a known WD22 ward code",
    ),
    ("nullif(trim(incident_ref), '') IS NULL", "incident_ref", "the incident reference is empty"),
)


def _check_extract(
    conn: duckdb.DuckDBPyConnection,
    source: Source,
    path: Path,
    header: list[str],
    mapping: dict[str, str],
    geography: Geography,
) -> None:
    """Refuse the extract at its first row that fails a check, in the order of _EXTRACT_CHECKS."""
    col = {target: header.index(name) for name, target in mapping.items()}
    ward_codes = list(geography.wards["wd22"].ward_code)
    params: dict[str, list[object]] = {
        "keyword": [list(EXTRACT_KEYWORDS)],
        "nirs_class": [list(NIRS_CLASSES)],
        "ward_code": [ward_codes],
    }
    for condition, column, problem in _EXTRACT_CHECKS:
        args: list[object] = params.get(column, [])
        if "BETWEEN" in condition:
            args = [*GB_LONGITUDE, *GB_LATITUDE]
        bad = one_row(conn.execute(f"SELECT count(*) FROM stage WHERE {condition}", args))[0]
        if bad:
            _refuse_extract(conn, source, path, col, (condition, column, problem), args, bad)


def _refuse_extract(
    conn: duckdb.DuckDBPyConnection,
    source: Source,
    path: Path,
    col: dict[str, int],
    check: tuple[str, str, str],
    args: list[object],
    bad: int,
) -> NoReturn:
    """Raise the InputError for a check ``bad`` rows fail, with the line of the first of them."""
    condition, column, problem = check
    # Find the line: the first staged row failing the same condition, located in the file by
    # its incident reference (or, failing that, by the offending value).
    value = one_row(
        conn.execute(f"SELECT {_EXTRACT_NAMES[column]}, incident_ref FROM stage WHERE {condition} LIMIT 1", args)
    )
    ref_col = col.get("incident_ref")
    line = None
    if value[1] and ref_col is not None and column in col:
        line = find_line(path, lambda r: r[ref_col] == value[1] and r[col[column]] == (value[0] or ""))
    if line is None and column in col:
        line = find_line(path, lambda r: r[col[column]] == (value[0] or ""))
    shown = _shown(value[0]) if value[0] is not None and value[0].strip() else "an empty value"
    raise InputError(f"{problem}: {shown} ({bad:,} row(s)).", file=source.name, line=line)


def _apply_extract(
    conn: duckdb.DuckDBPyConnection,
    source: Source,
    sha: str,
    synthetic_force: tuple[bool, str],
    geography: Geography,
    districts: tuple[str, ...],
    replace_dry_run: tuple[bool, bool],
) -> FileReport:
    """The load's transaction: replace the force's extract rows with the references it brings (kept in
    replaced_rows), store its rows, record the load and its changes (refused if it removes too many)."""
    synthetic, force = synthetic_force
    rows_read, rows_kept, outside_no_location, months = _keep_in_districts(conn, geography, districts)
    points = assign_points(conn, "stage_kept", geography)
    conn.register("point_wards", points)
    try:
        load_id = next_load_id(conn)
        rows_replaced = keep_replaced(
            conn,
            str(load_id),
            """FROM incidents i WHERE i.source = 'extract' AND i.force = ?
                 AND i.incident_ref IN (SELECT incident_ref FROM stage_kept)""",
            [force],
        )
        _insert_extract(conn, load_id, synthetic, force)
        fallback = one_row(
            conn.execute(
                f"""SELECT count(*) FROM incidents WHERE load_id = ?
                  AND (ward_method_wd22 <> '{METHOD_POINT}' OR ward_method_wd25 <> '{METHOD_POINT}')""",
                [load_id],
            )
        )[0]
        counts = (rows_read, rows_kept, rows_replaced, rows_read - rows_kept, outside_no_location)
        conn.execute(
            "INSERT INTO loads VALUES (?, ?, ?, 'extract', ?, ?, ?, ?, ?, ?, ?, ?)",
            [load_id, source.name, sha, synthetic, *counts, months, datetime.now()],
        )
    finally:
        conn.unregister("point_wards")
    changes = settle(conn, load_id, load_id, "extract", *replace_dry_run)
    return FileReport(
        source.name,
        sha,
        "loaded",
        rows_read=rows_read,
        rows_stored=rows_kept,
        rows_replaced=rows_replaced,
        rows_outside=rows_read - rows_kept,
        rows_outside_no_location=outside_no_location,
        rows_by_lsoa_fallback=fallback,
        months=months,
        load_id=load_id,
        changes=changes.get(load_id, []),
    )


def _keep_in_districts(
    conn: duckdb.DuckDBPyConnection, geography: Geography, districts: tuple[str, ...]
) -> tuple[int, int, int, str]:
    """``stage_kept``, the rows of the districts with their month; rows read, kept, outside with no location, months."""
    known = {name.lower(): name for name in geography.wards["wd22"].district.unique()}
    conn.execute(
        """
        CREATE OR REPLACE TEMP TABLE stage_kept AS
        SELECT s.*, date_trunc('month', s.reported_at)::DATE AS month, d.district
        FROM stage s JOIN (SELECT unnest(?) AS district) d ON lower(trim(s.district_text)) = lower(d.district)
        """,
        [list(d for d in districts if d.lower() in known)],
    )
    rows_read, rows_kept, outside_no_location, months = one_row(
        conn.execute("""
        SELECT (SELECT count(*) FROM stage), (SELECT count(*) FROM stage_kept),
               (SELECT count(*) FROM stage WHERE lon IS NULL) - (SELECT count(*) FROM stage_kept WHERE lon IS NULL),
               (SELECT strftime(min(reported_at), '%Y-%m') || '..' || strftime(max(reported_at), '%Y-%m') FROM stage)
        """)
    )
    return rows_read, rows_kept, outside_no_location, months


def _insert_extract(conn: duckdb.DuckDBPyConnection, load_id: int, synthetic: bool, force: str) -> None:
    """The kept rows into ``incidents``, each with its wards."""
    # Without a point, WD25 can only come from the extract's WD22 code where the ward did not
    # change between the vintages (Bromsgrove and Wyre Forest kept their codes).
    given = {"wd22": "nullif(k.ward_code, '')", "wd25": "w25.ward_code"}
    conn.execute(
        f"""
        INSERT INTO incidents BY NAME
        SELECT 'extract' AS source, ? AS synthetic, {load_id} AS load_id, ? AS force, k.month,
               k.reported_at, k.incident_ref, ? AS reported_by, ? AS falls_within,
               '{ASB_CATEGORY}' AS category, true AS is_asb, k.keyword, nullif(k.nirs_class, '') AS nirs_class,
               k.lon AS longitude, k.lat AS latitude, p.easting, p.northing, k.location, k.district,
               {ward_columns(given)}
        FROM stage_kept k
        LEFT JOIN point_wards p ON p.lon = k.lon AND p.lat = k.lat AND p.district = k.district
        LEFT JOIN wards w25 ON w25.vintage = 'wd25' AND w25.ward_code = k.ward_code""",
        [synthetic, force, force, force],
    )
