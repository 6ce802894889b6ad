"""The register of ASB tools, powers and interventions: a small table in the store.

What the partnership reports it used (Public Space Protection Orders, Community Protection
Warnings and Notices, closure orders, dispersal, Community Triggers / ASB Case Reviews,
environmental visual audits, patrols), one row each, with the document that says so. It ships as
``data/register/asb_tools_powers.csv`` (the entries the committee papers record, each citing its
document, nothing invented) and is loaded with the store's build.

It changes through one door, :func:`load_register`, whether the CSV comes from a file (the command
line, an upload) or from the Data page's editor: every row is checked first, and a bad one is
refused with the file, the line and the problem (an :class:`InputError`), the store unchanged. A
load is one transaction and makes a new *version* of the register; earlier versions are kept
(``register_rows`` holds every version's rows, ``register_versions`` their record), so
:func:`undo_register` puts the register back as it was before a version, as ``undo`` does for loads.

Columns (the CSV's header, in any order):

- ``register_id``: a short name, unique (lower case letters, digits and hyphens);
- ``kind``: one of :data:`KINDS`;
- ``name``, ``district`` (one of the configured districts);
- ``boundaries`` (wd22 or wd25) and ``wards`` (ward codes of that vintage in the district,
  separated by ";"), and/or ``area_geojson`` (a GeoJSON Polygon or MultiPolygon, longitude and
  latitude): where it applied, when the document says;
- ``start``, ``end``: months, ``YYYY-MM``, or ``date to confirm`` where the document gives none
  (``end`` may be blank: ongoing, or a one-off);
- ``count``, ``counted``: for the kinds that are counts (:data:`COUNT_KINDS`), how many and of what
  ("Community Protection Warnings issued"); ``reported_for``: the period the document gives it for,
  in its words ("2022-23", "to date at 25 September 2019");
- ``source``: the document (its file, title and date); ``note``: what else it says.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd
import shapely

from analytics.core import settings
from analytics.core.errors import AnalyticsError, InputError, shown
from analytics.core.table_meta import TableMeta, with_meta
from analytics.core.vocabulary import VINTAGES
from analytics.data.loads import transaction
from analytics.data.query import one_row

#: The seed file, under the data folder.
SEED_FILE = Path("register") / "asb_tools_powers.csv"
KINDS = (
    "PSPO",
    "Community Protection Warning or Notice",
    "Closure order",
    "Dispersal",
    "Community Trigger / ASB Case Review",
    "Environmental visual audit",
    "Patrols",
    "Other",
)
#: Kinds whose use the partnership counts (a PSPO or an audit is a place and a date, not a count).
COUNT_KINDS = (
    "Community Protection Warning or Notice",
    "Closure order",
    "Dispersal",
    "Community Trigger / ASB Case Review",
    "Patrols",
    "Other",
)
COLUMNS = (
    "register_id",
    "kind",
    "name",
    "district",
    "boundaries",
    "wards",
    "area_geojson",
    "start",
    "end",
    "count",
    "counted",
    "reported_for",
    "source",
    "note",
)
REQUIRED = ("register_id", "kind", "name", "district", "start", "reported_for", "source")
TO_CONFIRM = "date to confirm"
#: Larger than any register a partnership keeps: a bigger file is not one.
MAX_BYTES = 1_000_000
MAX_TEXT = 2_000
SOURCE_LABEL = "the partnership's reports to its scrutiny panels (committee papers), not police data"

SCHEMA = """
CREATE TABLE IF NOT EXISTS register_versions (
    version     INTEGER PRIMARY KEY,
    file_name   VARCHAR NOT NULL,
    sha256      VARCHAR NOT NULL,
    rows        INTEGER NOT NULL,
    loaded_at   TIMESTAMP NOT NULL,
    undone_at   TIMESTAMP
);
CREATE TABLE IF NOT EXISTS register_rows (
    version      INTEGER NOT NULL,
    line         INTEGER NOT NULL,
    register_id  VARCHAR NOT NULL,
    kind         VARCHAR NOT NULL,
    name         VARCHAR NOT NULL,
    district     VARCHAR NOT NULL,
    boundaries   VARCHAR,
    wards        VARCHAR,
    area_geojson VARCHAR,
    start        VARCHAR NOT NULL,
    "end"        VARCHAR,
    count        BIGINT,
    counted      VARCHAR,
    reported_for VARCHAR NOT NULL,
    source       VARCHAR NOT NULL,
    note         VARCHAR
);
"""

_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,59}")
_MONTH = re.compile(r"(\d{4})-(\d{2})")


def _month(value: str, column: str, file: str, line: int, blank_ok: bool) -> str:
    if value == "" and blank_ok:
        return ""
    if value.lower() == TO_CONFIRM:
        return TO_CONFIRM
    match = _MONTH.fullmatch(value)
    if not match or not 1 <= int(match[2]) <= 12 or not 1990 <= int(match[1]) <= 2100:
        allowed = "YYYY-MM, 'date to confirm'" + (" or blank" if blank_ok else "")
        raise InputError(f"{column} {shown(value)} is not a month: write {allowed}.", file=file, line=line)
    return value


def _wards(row: dict[str, str], file: str, line: int, wards: pd.DataFrame) -> tuple[str, str]:
    """The row's boundaries and ward codes, checked against the store's wards of its district."""
    codes = [c.strip() for c in row["wards"].split(";") if c.strip()]
    vintage = row["boundaries"].lower()
    if not codes:
        if vintage and vintage not in VINTAGES:
            raise InputError(f"boundaries {shown(vintage)} is not one of wd22, wd25.", file=file, line=line)
        return vintage, ""
    if vintage not in VINTAGES:
        raise InputError("wards are given, so boundaries must be wd22 or wd25.", file=file, line=line)
    mine = wards[(wards.vintage == vintage) & (wards.district == row["district"])]
    for code in codes:
        if code not in set(mine.ward_code):
            listed = "; ".join(f"{c} {n}" for c, n in zip(mine.ward_code, mine.ward_name, strict=True))
            raise InputError(
                f"ward {shown(code)} is not a {vintage.upper()} ward of {row['district']}. Its wards: {listed}.",
                file=file,
                line=line,
            )
    return vintage, ";".join(codes)


def _area(text: str, file: str, line: int) -> str:
    if not text:
        return ""
    try:
        shape = shapely.from_geojson(text)
    except Exception as exc:  # shapely raises its own GEOSException, or ValueError
        raise InputError(f"area_geojson is not GeoJSON ({str(exc)[:120]}).", file=file, line=line) from None
    if shape.geom_type not in ("Polygon", "MultiPolygon") or not shape.is_valid or shape.is_empty:
        raise InputError("area_geojson must be one valid Polygon or MultiPolygon.", file=file, line=line)
    west, south, east, north = shape.bounds
    if not (-8.8 <= west and east <= 2.0 and 49.8 <= south and north <= 61.0):
        raise InputError("area_geojson lies outside Great Britain (longitude, latitude).", file=file, line=line)
    return text


def _count(row: dict[str, str], file: str, line: int) -> int | None:
    text = row["count"]
    if text == "":
        return None
    if row["kind"] not in COUNT_KINDS:
        raise InputError(f"a {row['kind']} is not counted: leave count blank.", file=file, line=line)
    if not text.isdigit():
        raise InputError(f"count {shown(text)} is not a whole number of 0 or more.", file=file, line=line)
    if not row["counted"]:
        raise InputError("count is given: say what it counts in counted.", file=file, line=line)
    return int(text)


def check_row(
    row: dict[str, str], file: str, line: int, wards: pd.DataFrame, districts: tuple[str, ...]
) -> dict[str, object]:
    """One CSV row as the store keeps it, or an InputError naming the file, line and problem."""
    for column in COLUMNS:
        if len(row[column]) > MAX_TEXT:
            raise InputError(f"{column} is longer than {MAX_TEXT:,} characters.", file=file, line=line)
    for column in REQUIRED:
        if not row[column]:
            raise InputError(f"{column} is empty.", file=file, line=line)
    if not _ID.fullmatch(row["register_id"]):
        raise InputError(
            f"register_id {shown(row['register_id'])} must be lower-case letters, digits and hyphens.",
            file=file,
            line=line,
        )
    if row["kind"] not in KINDS:
        raise InputError(f"kind {shown(row['kind'])} is not one of: {', '.join(KINDS)}.", file=file, line=line)
    if row["district"] not in districts:
        raise InputError(
            f"district {shown(row['district'])} is not one of: {', '.join(districts)}.", file=file, line=line
        )
    start = _month(row["start"], "start", file, line, blank_ok=False)
    end = _month(row["end"], "end", file, line, blank_ok=True)
    if _MONTH.fullmatch(start) and _MONTH.fullmatch(end) and end < start:
        raise InputError(f"end {end} is before start {start}.", file=file, line=line)
    boundaries, ward_codes = _wards(row, file, line, wards)
    return {
        **row,
        "line": line,
        "boundaries": boundaries or None,
        "wards": ward_codes or None,
        "area_geojson": _area(row["area_geojson"], file, line) or None,
        "start": start,
        "end": end or None,
        "count": _count(row, file, line),
        **{c: row[c] or None for c in ("counted", "note")},
    }


def _read_rows(text: str, file: str) -> list[tuple[int, dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise InputError(f"the header lacks {', '.join(missing)}. Columns: {', '.join(COLUMNS)}.", file=file, line=1)
    extra = [h for h in header if h not in COLUMNS]
    if extra or len(set(header)) != len(header):
        raise InputError(f"the header has columns it should not: {shown(extra or header)}.", file=file, line=1)
    reader.fieldnames = header
    rows = []
    line = reader.line_num + 1
    for record in reader:
        if None in record or any(v is None for v in record.values()):
            raise InputError("the row has a different number of fields from the header.", file=file, line=line)
        rows.append((line, {k: (v or "").strip() for k, v in record.items()}))
        line = reader.line_num + 1
    return rows


def parse_register(
    data: bytes, file: str, wards: pd.DataFrame, districts: tuple[str, ...] | None = None, skip_outside: bool = False
) -> pd.DataFrame:
    """The register in ``data`` (CSV bytes, UTF-8), every row checked; InputError on the first bad one.

    ``districts``: those the store holds (default: the districts of ``wards``); a row of another is
    refused, or with ``skip_outside`` (the shipped register, in a store of fewer districts) left out
    and counted in ``attrs["outside"]``."""
    if len(data) > MAX_BYTES:
        raise InputError(f"the file is {len(data):,} bytes: a register is under {MAX_BYTES:,}.", file=file)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"the file is not UTF-8 text (byte {exc.start}).", file=file) from None
    if "\x00" in text:
        raise InputError("the file holds NUL bytes: it is not a CSV.", file=file)
    districts = districts or tuple(sorted(wards.district.unique())) or settings.districts()
    checked: list[dict[str, object]] = []
    seen: dict[object, int] = {}
    outside = 0
    for line, row in _read_rows(text, file):
        if skip_outside and row["district"] not in districts:
            outside += 1
            continue
        entry = check_row(row, file, line, wards, districts)
        if entry["register_id"] in seen:
            raise InputError(
                f"register_id {entry['register_id']} is used already, on line {seen[entry['register_id']]}.",
                file=file,
                line=line,
            )
        seen[entry["register_id"]] = line
        checked.append(entry)
    if not checked and not outside:
        raise InputError("the file has a header but no entries.", file=file)
    frame = pd.DataFrame(checked, columns=["line", *COLUMNS])
    frame.attrs["outside"] = outside
    return frame


def _store_wards(conn: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return conn.execute("SELECT vintage, ward_code, ward_name, district FROM wards ORDER BY ward_code").df()


def load_register(conn: duckdb.DuckDBPyConnection, data: bytes, file: str, skip_outside: bool = False) -> str:
    """Check ``data`` (the register as CSV) and make it the register's new version, in one
    transaction. What was done; InputError (nothing changed) when a row is bad. ``skip_outside``:
    leave out, and count, entries of districts the store does not hold (the shipped register)."""
    frame = parse_register(data, file, _store_wards(conn), skip_outside=skip_outside)
    conn.execute(SCHEMA)
    with transaction(conn):
        version = one_row(conn.execute("SELECT coalesce(max(version), 0) + 1 FROM register_versions"))[0]
        conn.execute(
            "INSERT INTO register_versions VALUES (?, ?, ?, ?, ?, NULL)",
            [version, file, hashlib.sha256(data).hexdigest(), len(frame), datetime.now()],
        )
        conn.register("register_frame", frame)
        try:
            conn.execute("INSERT INTO register_rows BY NAME SELECT ? AS version, * FROM register_frame", [version])
        finally:
            conn.unregister("register_frame")
    outside = frame.attrs.get("outside", 0)
    left_out = f"; {outside} of districts the store does not hold left out" if outside else ""
    return f"Register version {version} ({Path(file).name}): {len(frame)} entries{left_out}."


def undo_register(conn: duckdb.DuckDBPyConnection, version: int) -> str:
    """Put the register back as it was before ``version`` (the latest live version only)."""
    conn.execute(SCHEMA)
    live = [
        r[0]
        for r in conn.execute("SELECT version FROM register_versions WHERE undone_at IS NULL ORDER BY 1").fetchall()
    ]
    if version not in live:
        raise AnalyticsError(
            f"There is no live register version {version}. Live versions: {', '.join(map(str, live)) or 'none'}.",
            title="No such version",
        )
    if version != live[-1]:
        raise AnalyticsError(
            f"Register version {version} is not the latest: undo version {live[-1]} first.", title="Undo refused"
        )
    with transaction(conn):
        conn.execute("UPDATE register_versions SET undone_at = ? WHERE version = ?", [datetime.now(), version])
    before = live[-2] if len(live) > 1 else None
    return f"Register version {version} undone: " + (
        f"the register is version {before} again." if before else "the register is empty."
    )


def load_seed(conn: duckdb.DuckDBPyConnection, data_dir: Path) -> str | None:
    """Load the shipped register (data/register/asb_tools_powers.csv) when the data folder has one."""
    path = Path(data_dir) / SEED_FILE
    if not path.exists():
        return None
    return load_register(conn, path.read_bytes(), str(SEED_FILE), skip_outside=True)


def _present(conn: duckdb.DuckDBPyConnection) -> bool:
    return bool(
        one_row(
            conn.execute(
                "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database()"
                " AND table_name IN ('register_rows', 'register_versions')"
            )
        )[0]
        == 2
    )


def current_version(conn: duckdb.DuckDBPyConnection) -> int | None:
    if not _present(conn):
        return None
    version = one_row(conn.execute("SELECT max(version) FROM register_versions WHERE undone_at IS NULL"))[0]
    return None if version is None else int(version)


def register_table(conn: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The register as it stands (its latest live version), a row per entry in the file's order,
    with its TableMeta. Empty (the columns still there) when the store holds none."""
    version = current_version(conn)
    columns = ", ".join(f'"{c}"' for c in COLUMNS)
    frame = (
        conn.execute(f"SELECT {columns} FROM register_rows WHERE version = ? ORDER BY line", [version]).df()
        if version
        else pd.DataFrame(columns=list(COLUMNS))
    )
    frame["count"] = frame["count"].astype("Int64")
    meta = TableMeta(
        measure="ASB tools, powers and interventions",
        place=", ".join(sorted(frame.district.unique())) if len(frame) else "",
        source=SOURCE_LABEL,
        table="register",
        method=f"register version {version}" if version else "no register in the store",
    )
    return with_meta(frame, meta)


def register_versions(conn: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every version of the register, live or undone, oldest first."""
    if not _present(conn):
        return pd.DataFrame(columns=["version", "file_name", "rows", "loaded_at", "undone_at"])
    return conn.execute(
        "SELECT version, file_name, rows, loaded_at, undone_at FROM register_versions ORDER BY version"
    ).df()


def register_csv(frame: pd.DataFrame) -> bytes:
    """The register as its CSV (what the Data page's editor hands back to :func:`load_register`)."""
    out = frame.reindex(columns=list(COLUMNS)).astype(object).where(frame.reindex(columns=list(COLUMNS)).notna(), "")
    return out.to_csv(index=False, lineterminator="\n").encode("utf-8")
