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
- Read for certain or refused: a workbook's sheet, merged cells and formulas (workbooks.py); the
  districts, dates that read two ways, months still to come and repeated references (extract_rules.py,
  and _EXTRACT_CHECKS here).
"""

from __future__ import annotations

import tempfile
from datetime import datetime
from pathlib import Path

import duckdb

from analytics.core import settings
from analytics.core.errors import InputError
from analytics.core.errors import shown as _shown  # quoted, cut short: a hostile value cannot flood a message
from analytics.core.vocabulary import ASB_CATEGORY, EXTRACT_KEYWORDS, NIRS_CLASSES
from analytics.data.extract_rules import (
    check_date_format,
    drop_exact_repeats,
    force_districts,
    refuse_ambiguous_dates,
    refuse_row,
)
from analytics.data.files import (
    Scan,
    Source,
    file_source,
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
from analytics.data.workbooks import workbook_to_csv

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
    sheet: str | None = None,
    date_format: str | None = None,
) -> LoadReport:
    """Load a force ASB incident extract (CSV or XLSX).

    ``column_map`` maps the file's column names to ours (EXTRACT_COLUMNS) for other layouts.
    ``synthetic`` marks the demonstration extract; by default a file whose name says SYNTHETIC is.
    A load replaces the stored extract rows of the force with the incident references it brings.
    ``dry_run``: load in the transaction and roll it back (the report is what the load would do);
    ``replace``: load even if a (month, district) would lose many rows (loads.CellChange).
    ``sheet``: the workbook's sheet to read (else the one visible sheet with the header; workbooks.py);
    ``date_format``: the strptime format of the times, for dates that read two ways (extract_rules.py).
    """
    districts = districts or settings.districts()
    geography = geography or load_geography(conn)
    path = Path(path)
    source, mapping = _extract_source(path, column_map, force)
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
        check_date_format(conn, source, date_format)
        path, header, note = _extract_text(source, scan, excel, mapping, (tmp, sheet))
        with transaction(conn, commit=not dry_run):
            _stage_extract(conn, source, path, header, mapping, date_format)
            if progress:
                progress(0.5, "Checking")
            checks = (geography, force_districts(force, districts), date_format)
            repeats = _check_extract(conn, source, path, header, mapping, checks)
            loaded = _apply_extract(
                conn, source, scan.sha, (synthetic, force), geography, districts, (replace, dry_run)
            )
            loaded.message = " ".join(n for n in (note, repeats) if n)
            report.files.append(loaded)
    if progress:
        progress(1.0, "Loaded")
    return report


def _extract_source(path: Path, column_map: dict[str, str] | None, force: str) -> tuple[Source, dict[str, str]]:
    """The extract file to read and its column mapping, or the InputError saying why not."""
    if path.is_dir():
        raise InputError("this is a folder: give the extract file itself (CSV or XLSX).", file=str(path))
    if not path.is_file():
        raise InputError("no such file." if not path.exists() else "not a regular file.", file=str(path))
    source = file_source(path)
    mapping = extract_mapping(source, column_map)
    if not isinstance(force, str) or not force.strip():
        raise InputError(f"the force must be a name, not {_shown(force)}.", file=source.name)
    return source, mapping


def _extract_text(
    source: Source, scan: Scan, excel: bool, mapping: dict[str, str], tmp_sheet: tuple[Path, str | None]
) -> tuple[Path, list[str], str]:
    """The extract as UTF-8 CSV text DuckDB reads (a workbook's sheet, converted), its checked header, and
    the note for the load report on the conversion ('' if none)."""
    tmp, sheet = tmp_sheet
    required = tuple(sorted(mapping, key=lambda k: EXTRACT_COLUMNS.index(mapping[k])))
    note = ""
    if excel:
        converted = tmp / "workbook.csv"
        note = xlsx_to_csv(source, converted, required, sheet)
        text_scan = scan_file(Source(source.name, lambda: open(converted, "rb"), converted))
    else:
        if sheet is not None:
            raise InputError(f"a sheet ({_shown(sheet)}) is named, but this is a CSV file.", file=source.name)
        text_scan = scan
    path, first_line, has_rows = text_file(source, text_scan, tmp / "extract.csv")
    return path, read_header(source, first_line, required, has_rows), note


def _stage_extract(
    conn: duckdb.DuckDBPyConnection,
    source: Source,
    path: Path,
    header: list[str],
    mapping: dict[str, str],
    date_format: str | None,
) -> None:
    """The extract's rows in the temporary table ``stage``, coordinates and time read as numbers and a timestamp
    (the time in ``date_format`` alone when it is given)."""
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
    if date_format is not None:  # checked by extract_rules.check_date_format; passed as a value, never as SQL
        conn.execute("UPDATE stage SET reported_at = try_strptime(trim(reported_text), ?)", [date_format])


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


def extract_mapping(
    source: Source, column_map: dict[str, str] | None, columns: tuple[str, ...] = EXTRACT_COLUMNS
) -> dict[str, str]:
    """The file's column for each of ours (``columns``): ours by name, unless ``column_map`` names another.

    The map's names are only compared with the file's header, never put into SQL. (The crime
    extract, analytics/data/crime_extract.py, passes its own columns.)
    """
    if not column_map:
        return {name: name for name in columns}
    if not isinstance(column_map, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in column_map.items()
    ):
        raise InputError(
            "the column mapping must map the file's column names to ours, as text "
            f"(e.g. {{'Ref': '{columns[0]}'}}); valid targets: {', '.join(columns)}.",
            file=source.name,
        )
    unknown = sorted(set(column_map.values()) - set(columns))
    if unknown:
        raise InputError(
            f"the column mapping names unknown target(s) {', '.join(_shown(u) for u in unknown)}; "
            f"valid targets: {', '.join(columns)}.",
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
    for name in columns:
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


def xlsx_to_csv(source: Source, out: Path, required: tuple[str, ...], sheet: str | None) -> str:
    """The workbook's sheet as CSV text (workbooks.py), after the zip-bomb checks every archive gets; the note."""
    workbook = source.path
    if workbook is None:  # ingest_extract reads a file on disk (file_source), never an archive member
        raise ValueError(f"xlsx_to_csv needs {source.name} on disk.")
    archive, _ = open_archive(workbook, "Excel workbook")
    archive.close()
    return workbook_to_csv(workbook, source.name, required, out, sheet)


# Each check of a staged extract: the condition a bad row meets, the column shown, the problem
# ({districts} stands for the force's districts), and the name of its arguments in _check_extract.
_EXTRACT_CHECKS = (
    (
        "reported_at IS NULL",
        "reported_at",
        "the date and time reported is not a date (expected e.g. 2018-10-31 19:45:00)",
        "",
    ),
    (
        "reported_at >= ?",
        "reported_at",
        "the date reported is in a month still to come",
        "next_month",
    ),
    (
        "NOT list_contains(?, coalesce(keyword, ''))",
        "keyword",
        f"unknown key-word type; valid types: {', '.join(EXTRACT_KEYWORDS)}",
        "keyword",
    ),
    (
        "nullif(trim(nirs_class), '') IS NOT NULL AND NOT list_contains(?, nirs_class)",
        "nirs_class",
        f"unknown NIRS class; valid classes: {', '.join(NIRS_CLASSES)}",
        "nirs_class",
    ),
    (
        "NOT list_contains(?, lower(trim(coalesce(district_text, ''))))",
        "district",
        "the district is not one of the force's districts; valid districts: {districts}",
        "district",
    ),
    (
        "(lon IS NULL) <> (lat IS NULL) OR (lon IS NULL AND nullif(trim(lon_text), '') IS NOT NULL)"
        " OR (lat IS NULL AND nullif(trim(lat_text), '') IS NOT NULL)",
        "longitude",
        "the longitude or latitude is not a number, or one is given without the other",
        "",
    ),
    (
        "lon NOT BETWEEN ? AND ? OR lat NOT BETWEEN ? AND ?",
        "longitude",
        "the coordinates are outside Great Britain",
        "britain",
    ),
    (
        "lon IS NULL AND NOT list_contains(?, coalesce(ward_code, ''))",
        "ward_code",
        "a row with no coordinates needs a known WD22 ward code",
        "ward_code",
    ),
    ("nullif(trim(incident_ref), '') IS NULL", "incident_ref", "the incident reference is empty", ""),
)


def _check_extract(
    conn: duckdb.DuckDBPyConnection,
    source: Source,
    path: Path,
    header: list[str],
    mapping: dict[str, str],
    checks: tuple[Geography, list[str], str | None],
) -> str:
    """Refuse the extract at its first row that fails a check: its dates read two ways (extract_rules.py),
    then in the order of _EXTRACT_CHECKS, then two rows under one reference. The note on exact repeats."""
    geography, districts, date_format = checks
    col = {target: header.index(name) for name, target in mapping.items()}
    refuse_ambiguous_dates(conn, source, path, col.get("reported_at"), date_format)
    now = datetime.now()
    params: dict[str, list[object]] = {
        "": [],
        "next_month": [datetime(now.year + now.month // 12, now.month % 12 + 1, 1)],
        "keyword": [list(EXTRACT_KEYWORDS)],
        "nirs_class": [list(NIRS_CLASSES)],
        "district": [[d.lower() for d in districts]],
        "britain": [*GB_LONGITUDE, *GB_LATITUDE],
        "ward_code": [list(geography.wards["wd22"].ward_code)],
    }
    for condition, column, problem, key in _EXTRACT_CHECKS:
        bad = one_row(conn.execute(f"SELECT count(*) FROM stage WHERE {condition}", params[key]))[0]
        if bad:
            problem = problem.replace("{districts}", ", ".join(districts))
            refuse_row(conn, source, path, col, (condition, column, problem), params[key], bad, _EXTRACT_NAMES[column])
    return drop_exact_repeats(conn, source, path, col)


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
