"""The checks of a staged force crime extract: each bad row refused with its line, none guessed.

In order: dates that read both day-first and month-first (extract_rules.py), then each check of
:data:`CHECKS` (the first failing row named by its line), then two rows under one crime reference
that differ (refused) or are the same (kept once). Last, each row's offence is resolved to the
lookup's code (``offence_key``): by its Home Office code where the row gives one, else by its
description.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import NoReturn

import duckdb

from analytics.core.errors import InputError
from analytics.core.errors import shown as _shown
from analytics.data.extract_rules import drop_exact_repeats, refuse_ambiguous_dates
from analytics.data.files import Source, find_line
from analytics.data.geography import Geography
from analytics.data.loads import GB_LATITUDE, GB_LONGITUDE
from analytics.data.offences import OFFENCES_FILE
from analytics.data.query import one_row

#: The columns of a crime extract, as we name them (``--map`` maps a file's names to these).
CRIME_COLUMNS = (
    "crime_ref",
    "recorded_at",
    "committed_at",
    "offence_code",
    "offence",
    "district",
    "ward_code",
    "lsoa_code",
    "longitude",
    "latitude",
    "location",
    "outcome",
)
#: Each column's name in the staged table (the reference and date take the ASB extract's staged
#: names, so extract_rules.py reads both extracts alike).
STAGED_NAMES = {
    "crime_ref": "incident_ref",
    "recorded_at": "reported_text",
    "committed_at": "committed_text",
    "offence_code": "offence_code_text",
    "offence": "offence_text",
    "district": "district_text",
    "ward_code": "ward_code",
    "lsoa_code": "lsoa_text",
    "longitude": "lon_text",
    "latitude": "lat_text",
    "location": "location",
    "outcome": "outcome",
}
#: The staged columns compared to tell an exact repeat from two crimes under one reference.
READ_COLUMNS = ", ".join(STAGED_NAMES.values())

# SQL for a row's offence code as the lookup writes it (offences.normalise_code) and its description.
CODE_KEY = r"nullif(regexp_replace(upper(trim(coalesce(offence_code_text, ''))), '^0+([0-9])', '\1'), '')"
DESCRIPTION_KEY = "nullif(lower(trim(regexp_replace(coalesce(offence_text, ''), '\\s+', ' ', 'g'))), '')"

# Each check: the condition a bad row meets, the staged column shown, the problem (after a "|", what to
# do, said after the value), and its arguments' name.
CHECKS = (
    ("nullif(trim(incident_ref), '') IS NULL", "incident_ref", "the crime reference is empty", ""),
    ("reported_at IS NULL", "reported_text", "the date recorded is not a date (expected e.g. 2016-04-30 14:05)", ""),
    ("reported_at >= ?", "reported_text", "the date recorded is in a month still to come", "next_month"),
    (
        "committed_at IS NULL AND nullif(trim(committed_text), '') IS NOT NULL",
        "committed_text",
        "the date committed is not a date",
        "",
    ),
    ("committed_at > reported_at", "committed_text", "the date committed is after the date recorded", ""),
    (
        f"{CODE_KEY} IS NULL AND {DESCRIPTION_KEY} IS NULL",
        "offence_code_text",
        "the row gives neither a Home Office offence code nor an offence description",
        "",
    ),
    (
        f"{CODE_KEY} IS NOT NULL AND {CODE_KEY} NOT IN (SELECT code_key FROM offences)",
        "offence_code_text",
        f"unknown Home Office offence code|the lookup (data/{OFFENCES_FILE}) holds the notifiable offence "
        "codes such as 8N, 105A, 46, 58C: give a code it holds, or add the offence to the lookup with its source",
        "",
    ),
    (
        f"{CODE_KEY} IS NULL AND {DESCRIPTION_KEY} NOT IN (SELECT description_key FROM offences)",
        "offence_text",
        f"unknown offence description (no code given)|the descriptions are those of data/{OFFENCES_FILE}",
        "",
    ),
    (
        "NOT list_contains(?, lower(trim(coalesce(district_text, ''))))",
        "district_text",
        "the district is not one of the force's districts; valid districts: {districts}",
        "district",
    ),
    (
        "(lon IS NULL) <> (lat IS NULL) OR (lon IS NULL AND nullif(trim(lon_text), '') IS NOT NULL)"
        " OR (lat IS NULL AND nullif(trim(lat_text), '') IS NOT NULL)",
        "lon_text",
        "the longitude or latitude is not a number, or one is given without the other",
        "",
    ),
    (
        "lon NOT BETWEEN ? AND ? OR lat NOT BETWEEN ? AND ?",
        "lon_text",
        "the coordinates are outside Great Britain",
        "britain",
    ),
    (
        "nullif(trim(ward_code), '') IS NOT NULL AND NOT list_contains(?, trim(ward_code))"
        " AND list_contains(?, lower(trim(district_text)))",
        "ward_code",
        "unknown WD22 ward code for a row of the districts",
        "ward_code",
    ),
    (
        "nullif(trim(lsoa_text), '') IS NOT NULL AND upper(trim(lsoa_text)) NOT IN (SELECT lsoa_code FROM lsoa_lookup)"
        " AND list_contains(?, lower(trim(district_text)))",
        "lsoa_text",
        "unknown LSOA code for a row of the districts (2011 and 2021 LSOAs of the districts are known)",
        "kept",
    ),
    (
        "lon IS NULL AND nullif(trim(ward_code), '') IS NULL AND nullif(trim(lsoa_text), '') IS NULL"
        " AND list_contains(?, lower(trim(district_text)))",
        "lon_text",
        "a row of the districts says nowhere where the crime was: give coordinates, a WD22 ward code or an LSOA code",
        "kept",
    ),
)


def check_crime_extract(
    conn: duckdb.DuckDBPyConnection,
    source: Source,
    path: Path,
    col: dict[str, int],
    checks: tuple[Geography, list[str], tuple[str, ...], str | None],
) -> str:
    """Refuse the extract at its first bad row; resolve each row's offence (``offence_key``). The note
    on exact repeats ('' if none). ``col``: each staged column's position in the file."""
    geography, districts, kept, date_format = checks
    refuse_ambiguous_dates(conn, source, path, col.get("reported_text"), date_format)
    now = datetime.now()
    params: dict[str, list[object]] = {
        "": [],
        "next_month": [datetime(now.year + now.month // 12, now.month % 12 + 1, 1)],
        "district": [[d.lower() for d in districts]],
        "britain": [*GB_LONGITUDE, *GB_LATITUDE],
        "ward_code": [list(geography.wards["wd22"].ward_code), [d.lower() for d in kept]],
        "kept": [[d.lower() for d in kept]],
    }
    for condition, column, problem, key in CHECKS:
        bad = one_row(conn.execute(f"SELECT count(*) FROM stage WHERE {condition}", params[key]))[0]
        if bad:
            problem = problem.replace("{districts}", ", ".join(districts))
            _refuse(conn, source, path, col, (condition, column, problem), params[key], bad)
    note = drop_exact_repeats(conn, source, path, col, READ_COLUMNS)
    conn.execute(f"""
        CREATE OR REPLACE TEMP TABLE stage AS
        SELECT s.*, coalesce({CODE_KEY}, d.code_key) AS offence_key
        FROM stage s LEFT JOIN (SELECT description_key, min(code_key) AS code_key FROM offences GROUP BY 1) d
          ON {CODE_KEY} IS NULL AND d.description_key = {DESCRIPTION_KEY}""")
    return note


def _refuse(
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
    problem, _, advice = problem.partition("|")
    # The line: the first staged row failing the condition, found in the file by its crime
    # reference and the offending value (or the value alone).
    value, ref = one_row(conn.execute(f"SELECT {column}, incident_ref FROM stage WHERE {condition} LIMIT 1", args))
    line = None
    ref_col, value_col = col.get("incident_ref"), col.get(column)
    if ref and ref_col is not None and value_col is not None:
        line = find_line(path, lambda r: r[ref_col] == ref and r[value_col] == (value or ""))
    if line is None and value_col is not None:
        line = find_line(path, lambda r: r[value_col] == (value or ""))
    if line is None and ref and ref_col is not None:
        line = find_line(path, lambda r: r[ref_col] == ref)
    shown = _shown(value) if value is not None and value.strip() else "an empty value"
    raise InputError(
        f"{problem}: {shown} ({bad:,} row(s)){'; ' + advice if advice else ''}.", file=source.name, line=line
    )
