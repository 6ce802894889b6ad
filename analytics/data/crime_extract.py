"""The force recorded-crime extract (CSV or XLSX): its columns, its checks, and loading it into the store.

A community safety analyst's recorded crime comes from the force: one row per crime, with its
crime reference, the date it was recorded (and committed, where given), its Home Office offence
code and/or description, its district, and where it happened (coordinates, a WD22 ward code or an
LSOA code), perhaps its outcome. Its rows go into ``incidents`` with ``source = 'crime_extract'``,
under the rules every load keeps (analytics/data/loads.py, the ASB extract's analytics/data/extract.py):

- A load replaces exactly what it brings: the stored crime-extract rows of the force with the crime
  references it carries (the key). A re-extract updates those crimes and keeps the others.
- ``--dry-run``, the guard against removing many rows, undo and the history are the same as for
  every load; the file's sheet, merged cells, formulas (workbooks.py), its districts, dates that
  read two ways and repeated references (extract_rules.py) are read for certain or refused.
- Offences are mapped through the Home Office offence lookup (analytics/data/offences.py) to a
  police.uk crime type (``category``) and an ONS offence group; a code or description the lookup
  does not hold is refused with its line, never guessed.

Stored as: ``incident_ref`` the crime reference, ``reported_at`` the date recorded (the month
counted, as recorded crime is counted), ``category`` the police.uk crime type, ``keyword`` the Home
Office offence code, ``nirs_class`` the ONS offence group, ``context`` the offence description as the
lookup writes it, ``outcome``, ``lsoa_code``, ``location``. The date committed is checked (a date, not
after the date recorded) but not stored: the store has no column for it.
"""

from __future__ import annotations

import tempfile
from datetime import datetime
from pathlib import Path
from typing import Literal

import duckdb
import pandas as pd

from analytics.core import settings
from analytics.core.errors import InputError
from analytics.data.crime_extract_checks import CRIME_COLUMNS, KEY_COLUMNS, STAGED_NAMES, check_crime_extract
from analytics.data.extract import EXTRACT_TIME_FORMATS, extract_mapping, xlsx_to_csv
from analytics.data.extract_rules import check_date_format, force_districts
from analytics.data.files import Scan, Source, file_source, read_header, scan_file, select_columns, stage_csv, text_file
from analytics.data.geography import METHOD_LSOA, METHOD_POINT, Geography, load_geography
from analytics.data.loads import (
    SAME_CONTENT,
    FileReport,
    LoadReport,
    Progress,
    assign_points,
    current_shas,
    joins_as_written,
    keep_replaced,
    next_load_id,
    settle,
    transaction,
)
from analytics.data.offences import offence_lookup
from analytics.data.query import one_row

SOURCE = "crime_extract"
#: The columns a crime extract must have; the others are optional (at least one offence column and
#: one place column, checked row by row).
REQUIRED_COLUMNS = ("crime_ref", "recorded_at", "district")
#: The extract's date-and-time formats, and dates alone: a crime may be recorded to the day.
TIME_FORMATS = (*EXTRACT_TIME_FORMATS, "%Y-%m-%d", "%d/%m/%Y")


def ingest_crime_extract(
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
    """Load a force recorded-crime extract (CSV or XLSX); the options are those of ingest_extract.

    ``column_map`` maps the file's column names to ours (CRIME_COLUMNS). ``synthetic`` marks the
    demonstration extract; by default a file whose name says SYNTHETIC is.
    """
    districts = districts or settings.districts()
    geography = geography or load_geography(conn)
    path = Path(path)
    source, mapping = _crime_source(path, column_map, force)
    if synthetic is None:
        synthetic = "SYNTHETIC" in path.name.upper()
    excel = path.suffix.lower() in (".xlsx", ".xlsm")
    if progress:
        progress(0.1, f"Reading {source.name}")
    report = LoadReport(dry_run=dry_run)
    with tempfile.TemporaryDirectory(prefix="asb-crime-extract-") as tmp_name:
        tmp = Path(tmp_name)
        scan = scan_file(source, text=not excel)
        if scan.sha in current_shas(conn):
            report.files.append(FileReport(source.name, scan.sha, "skipped", message=SAME_CONTENT))
            return report
        check_date_format(conn, source, date_format)
        text, header, note = _crime_text(source, scan, excel, (tmp, sheet))
        present = {ours: theirs for theirs, ours in mapping.items() if theirs in header}
        with _registered(conn, "offences", offence_lookup()), transaction(conn, commit=not dry_run):
            _stage(conn, source, text, header, present, date_format)
            if progress:
                progress(0.5, "Checking")
            col = {STAGED_NAMES[ours]: header.index(theirs) for ours, theirs in present.items()}
            checks = (geography, force_districts(force, districts), districts, date_format)
            repeats = check_crime_extract(conn, source, text, col, checks)
            loaded = _apply(conn, source, scan.sha, (synthetic, force), geography, districts, (replace, dry_run))
            loaded.message = " ".join(n for n in (note, repeats) if n)
            report.files.append(loaded)
    if progress:
        progress(1.0, "Loaded")
    return report


class _registered:
    """A frame registered on the connection for the load, unregistered when it ends, either way
    (after the transaction's COMMIT or ROLLBACK, which finishes any result still open)."""

    def __init__(self, conn: duckdb.DuckDBPyConnection, name: str, frame: pd.DataFrame):
        self.conn, self.name, self.frame = conn, name, frame

    def __enter__(self) -> None:
        self.conn.register(self.name, self.frame)

    def __exit__(self, *exc: object) -> Literal[False]:
        self.conn.unregister(self.name)
        # What a committed load leaves besides the store's tables (loads.drop_stage drops the rest).
        self.conn.execute("DROP VIEW IF EXISTS crime_kept")
        self.conn.execute("DROP TABLE IF EXISTS crime_districts")
        return False


def _crime_source(path: Path, column_map: dict[str, str] | None, force: str) -> tuple[Source, dict[str, str]]:
    """The file to read and its column mapping (file column -> ours), or the InputError saying why not."""
    if path.is_dir():
        raise InputError("this is a folder: give the crime extract file itself (CSV or XLSX).", file=str(path))
    if not path.is_file():
        raise InputError("no such file." if not path.exists() else "not a regular file.", file=str(path))
    source = file_source(path)
    mapping = extract_mapping(source, column_map, CRIME_COLUMNS)
    if not isinstance(force, str) or not force.strip():
        raise InputError("the force must be a name.", file=source.name)
    return source, mapping


def _crime_text(
    source: Source, scan: Scan, excel: bool, tmp_sheet: tuple[Path, str | None]
) -> tuple[Path, list[str], str]:
    """The extract as UTF-8 CSV text (a workbook's sheet converted), its header, and the conversion's note."""
    tmp, sheet = tmp_sheet
    note = ""
    if excel:
        converted = tmp / "workbook.csv"
        note = xlsx_to_csv(source, converted, REQUIRED_COLUMNS, sheet)
        text_scan = scan_file(Source(source.name, lambda: open(converted, "rb"), converted))
    else:
        if sheet is not None:
            raise InputError("a sheet is named, but this is a CSV file.", file=source.name)
        text_scan = scan
    path, first_line, has_rows = text_file(source, text_scan, tmp / "crime_extract.csv")
    return path, read_header(source, first_line, (), has_rows), note


def _stage(
    conn: duckdb.DuckDBPyConnection,
    source: Source,
    path: Path,
    header: list[str],
    present: dict[str, str],
    date_format: str | None,
) -> None:
    """The rows in the temporary table ``stage``: every column of ours (NULL where the file lacks it),
    coordinates as numbers, the dates as timestamps (in ``date_format`` alone when it is given)."""
    missing = [c for c in REQUIRED_COLUMNS if c not in present]
    if missing:
        raise InputError(
            f"missing column(s) {', '.join(missing)} (give --map FILE_COLUMN={missing[0]} for another name); "
            f"the crime extract's columns: {', '.join(CRIME_COLUMNS)}.",
            file=source.name,
            line=1,
        )
    absent = ", ".join(f"NULL::VARCHAR AS {STAGED_NAMES[c]}" for c in CRIME_COLUMNS if c not in present)
    chosen = select_columns(header, {theirs: STAGED_NAMES[ours] for ours, theirs in present.items()})

    def parsed(column: str) -> str:
        formats = ", ".join(f"try_strptime(trim({column}), '{f}')" for f in TIME_FORMATS)
        return f"coalesce({formats})"

    stage_csv(
        conn,
        source,
        path,
        header,
        f"""
        CREATE OR REPLACE TEMP TABLE stage AS
        SELECT *, TRY_CAST(nullif(trim(lon_text), '') AS DOUBLE) AS lon,
                  TRY_CAST(nullif(trim(lat_text), '') AS DOUBLE) AS lat,
                  {parsed("reported_text")} AS reported_at, {parsed("committed_text")} AS committed_at
        FROM (SELECT * REPLACE (trim(incident_ref) AS incident_ref), {KEY_COLUMNS}
              FROM (SELECT {chosen}{", " + absent if absent else ""} FROM {{read_csv}}))""",
    )
    if date_format is not None:  # checked by check_date_format; passed as a value, never as SQL
        conn.execute(
            "UPDATE stage SET reported_at = try_strptime(trim(reported_text), $f), "
            "committed_at = try_strptime(trim(committed_text), $f)",
            {"f": date_format},
        )


def _apply(
    conn: duckdb.DuckDBPyConnection,
    source: Source,
    sha: str,
    synthetic_force: tuple[bool, str],
    geography: Geography,
    districts: tuple[str, ...],
    replace_dry_run: tuple[bool, bool],
) -> FileReport:
    """The load's transaction: replace the force's crime-extract rows with the references it brings
    (kept in replaced_rows), store its rows, record the load and its changes."""
    synthetic, force = synthetic_force
    rows_read, rows_kept, outside_no_location, months = _keep_in_districts(conn, geography, districts)
    _point_wards(conn, assign_points(conn, "crime_kept", geography))
    try:
        load_id = next_load_id(conn)
        rows_replaced = keep_replaced(
            conn,
            str(load_id),
            f"""FROM incidents i WHERE i.source = '{SOURCE}' AND i.force = ?
                 AND i.incident_ref IN (SELECT incident_ref FROM crime_kept)""",
            [force],
        )
        with joins_as_written(conn):
            _insert(conn, load_id, synthetic, force)
        fallback = one_row(
            conn.execute(
                f"""SELECT count(*) FROM incidents WHERE load_id = ?
                  AND (ward_method_wd22 <> '{METHOD_POINT}' OR ward_method_wd25 <> '{METHOD_POINT}')""",
                [load_id],
            )
        )[0]
        counts = (rows_read, rows_kept, rows_replaced, rows_read - rows_kept, outside_no_location)
        conn.execute(
            f"INSERT INTO loads VALUES (?, ?, ?, '{SOURCE}', ?, ?, ?, ?, ?, ?, ?, ?)",
            [load_id, source.name, sha, synthetic, *counts, months, datetime.now()],
        )
    finally:
        conn.execute("DROP TABLE IF EXISTS point_wards")
    changes = settle(conn, load_id, load_id, SOURCE, *replace_dry_run)
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


def _point_wards(conn: duckdb.DuckDBPyConnection, points: pd.DataFrame) -> None:
    """The snap points' wards as the temporary table ``point_wards``: copied once into DuckDB (one
    row per point), so the insert joins a table with its statistics rather than scanning a pandas
    frame, as the police.uk load does."""
    conn.register("point_frame", points)
    try:
        conn.execute("CREATE OR REPLACE TEMP TABLE point_wards AS SELECT * FROM point_frame")
    finally:
        conn.unregister("point_frame")


def _keep_in_districts(
    conn: duckdb.DuckDBPyConnection, geography: Geography, districts: tuple[str, ...]
) -> tuple[int, int, int, str]:
    """The view ``crime_kept`` of the rows of the districts, with their month and the district as the
    store spells it; rows read, kept, outside with no location, and the months, in one pass.

    A view, not a table (as the ASB extract's stage_kept is): the rows are read where they are used,
    never copied once more (issue 17's speed)."""
    known = {name.lower() for name in geography.wards["wd22"].district.unique()}
    kept = [d for d in districts if d.lower() in known]
    conn.execute("CREATE OR REPLACE TEMP TABLE crime_districts AS SELECT unnest(?::VARCHAR[]) AS district", [kept])
    conn.execute("""
        CREATE OR REPLACE TEMP VIEW crime_kept AS
        SELECT s.*, date_trunc('month', s.reported_at)::DATE AS month, d.district
        FROM stage s JOIN crime_districts d ON s.district_key = lower(d.district)""")
    rows_read, rows_kept, outside_no_location, months = one_row(
        conn.execute(
            """SELECT count(*), count(*) FILTER (WHERE list_contains($kept, district_key)),
                      count(*) FILTER (WHERE lon IS NULL AND NOT list_contains($kept, district_key)),
                      strftime(min(reported_at), '%Y-%m') || '..' || strftime(max(reported_at), '%Y-%m')
               FROM stage""",
            {"kept": [d.lower() for d in kept]},
        )
    )
    return rows_read, rows_kept, outside_no_location, months


def _ward(vintage: str) -> str:
    """The ward of one vintage and how it was found: the point's, else the extract's own WD22 code
    (WD25 only where the code did not change), else its LSOA's best-fit ward."""
    given = "k.ward_key" if vintage == "wd22" else "w25.ward_code"
    return (
        f"coalesce(p.ward_{vintage}, {given}, l.ward_{vintage}) AS ward_{vintage}, "
        f"CASE WHEN p.ward_{vintage} IS NOT NULL THEN '{METHOD_POINT}' WHEN {given} IS NOT NULL THEN 'extract_code' "
        f"WHEN l.ward_{vintage} IS NOT NULL THEN '{METHOD_LSOA}' END AS ward_method_{vintage}"
    )


def _insert(conn: duckdb.DuckDBPyConnection, load_id: int, synthetic: bool, force: str) -> None:
    """The kept rows into ``incidents``, each with its offence's crime type and group and its wards."""
    conn.execute(
        f"""
        INSERT INTO incidents BY NAME
        SELECT '{SOURCE}' AS source, ? AS synthetic, {load_id} AS load_id, ? AS force, k.month,
               k.reported_at, k.incident_ref, ? AS reported_by, ? AS falls_within,
               o.police_uk_crime_type AS category, false AS is_asb, o.offence_code AS keyword,
               o.ons_offence_group AS nirs_class, o.offence_description AS context,
               nullif(trim(k.outcome), '') AS outcome, k.lsoa_key AS lsoa_code,
               k.lon AS longitude, k.lat AS latitude, p.easting, p.northing, nullif(trim(k.location), '') AS location,
               k.district, {_ward("wd22")}, {_ward("wd25")}
        FROM crime_kept k
        LEFT JOIN (SELECT description_key, min(code_key) AS code_key FROM offences GROUP BY 1) d
          ON d.description_key = k.description_key
        JOIN offences o ON o.code_key = coalesce(k.code_key, d.code_key)
        LEFT JOIN point_wards p ON p.lon = k.lon AND p.lat = k.lat AND p.district = k.district
        LEFT JOIN wards w25 ON w25.vintage = 'wd25' AND w25.ward_code = k.ward_key
        LEFT JOIN lsoa_lookup l ON l.lsoa_code = k.lsoa_key""",
        [synthetic, force, force, force],
    )
