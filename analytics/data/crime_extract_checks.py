"""The checks of a staged force crime extract: each bad row refused with its line, none guessed.

In order: dates that read both day-first and month-first (extract_rules.py), then each check of
:data:`CHECKS` (the first failing row named by its line), then two rows under one crime reference
that differ (refused) or are the same (kept once). The checks are counted in one pass over the
rows, on keys computed once as the file is staged (:data:`KEY_COLUMNS`); the loader then resolves
each offence by its code where the row gives one, else by its description (crime_extract._insert).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb

from analytics.data.extract_rules import drop_exact_repeats, refuse_ambiguous_dates, refuse_row
from analytics.data.files import Source
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

#: The staged keys each check and join compares, computed once as the file is staged: the offence code as
#: the lookup writes it (offences.normalise_code: trimmed, upper case, no leading zeros), the description
#: without case or repeated spaces, the district in lower case, the ward and LSOA codes trimmed.
KEY_COLUMNS = (
    "nullif(ltrim(upper(trim(coalesce(offence_code_text, ''))), '0'), '') AS code_key, "
    # Only where no code is given: a description is looked up only then (and the regular expression costs).
    "CASE WHEN nullif(trim(offence_code_text), '') IS NULL THEN nullif(lower(trim(regexp_replace("
    "coalesce(offence_text, ''), '\\s+', ' ', 'g'))), '') END AS description_key, "
    "lower(trim(coalesce(district_text, ''))) AS district_key, nullif(trim(ward_code), '') AS ward_key, "
    "nullif(upper(trim(lsoa_text)), '') AS lsoa_key"
)

# Each check: the condition a bad row meets, the staged column shown, the problem (after a "|", what to
# do, said after the value), and its arguments' name. All are counted in one pass over the rows; a CASE
# keeps the costlier tests (a list, a trim) to the rows that need them, as AND alone would not.
CHECKS = (
    ("coalesce(incident_ref, '') = ''", "incident_ref", "the crime reference is empty", ""),
    ("reported_at IS NULL", "reported_text", "the date recorded is not a date (expected e.g. 2016-04-30 14:05)", ""),
    ("reported_at >= ?", "reported_text", "the date recorded is in a month still to come", "next_month"),
    (
        "CASE WHEN committed_at IS NULL THEN trim(coalesce(committed_text, '')) <> '' ELSE false END",
        "committed_text",
        "the date committed is not a date",
        "",
    ),
    ("committed_at > reported_at", "committed_text", "the date committed is after the date recorded", ""),
    (
        "code_key IS NULL AND description_key IS NULL",
        "offence_code_text",
        "the row gives neither a Home Office offence code nor an offence description",
        "",
    ),
    (
        "CASE WHEN code_key IS NULL THEN false ELSE NOT list_contains(?, code_key) END",
        "offence_code_text",
        f"unknown Home Office offence code|the lookup (data/{OFFENCES_FILE}) holds the notifiable offence "
        "codes such as 8N, 105A, 46, 58C: give a code it holds, or add the offence to the lookup with its source",
        "codes",
    ),
    (
        "CASE WHEN description_key IS NULL THEN false ELSE NOT list_contains(?, description_key) END",
        "offence_text",
        f"unknown offence description (no code given)|the descriptions are those of data/{OFFENCES_FILE}",
        "descriptions",
    ),
    (
        "NOT list_contains(?, district_key)",
        "district_text",
        "the district is not one of the force's districts; valid districts: {districts}",
        "district",
    ),
    (
        "CASE WHEN lon IS NULL OR lat IS NULL THEN lon IS NOT NULL OR lat IS NOT NULL"
        " OR trim(coalesce(lon_text, '')) <> '' OR trim(coalesce(lat_text, '')) <> '' ELSE false END",
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
        "CASE WHEN ward_key IS NULL THEN false"
        " ELSE NOT list_contains(?, ward_key) AND list_contains(?, district_key) END",
        "ward_code",
        "unknown WD22 ward code for a row of the districts",
        "ward_code",
    ),
    (
        "CASE WHEN lsoa_key IS NULL THEN false"
        " ELSE NOT list_contains(?, lsoa_key) AND list_contains(?, district_key) END",
        "lsoa_text",
        "unknown LSOA code for a row of the districts (2011 and 2021 LSOAs of the districts are known)",
        "lsoa",
    ),
    (
        "CASE WHEN lon IS NULL AND ward_key IS NULL AND lsoa_key IS NULL THEN list_contains(?, district_key)"
        " ELSE false END",
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
    """Refuse the extract at its first bad row. The note on exact repeats ('' if none). ``col``: each
    staged column's position in the file."""
    geography, districts, kept, date_format = checks
    refuse_ambiguous_dates(conn, source, path, col.get("reported_text"), date_format)
    params = _check_params(conn, geography, districts, kept)
    counts = one_row(
        conn.execute(
            f"""SELECT {", ".join(f"count(*) FILTER (WHERE {c[0]})" for c in CHECKS)},
                       count(*) - count(DISTINCT incident_ref) FROM stage""",
            [value for *_, key in CHECKS for value in params[key]],
        )
    )
    for (condition, column, problem, key), bad in zip(CHECKS, counts, strict=False):
        if bad:
            problem = problem.replace("{districts}", ", ".join(districts))
            refuse_row(conn, source, path, col, (condition, column, problem), params[key], bad)
    # Two rows under one reference are rare: the full comparison runs only when there are some.
    return drop_exact_repeats(conn, source, path, col, READ_COLUMNS) if counts[-1] else ""


def _check_params(
    conn: duckdb.DuckDBPyConnection, geography: Geography, districts: list[str], kept: tuple[str, ...]
) -> dict[str, list[object]]:
    """The arguments of each check, by name."""
    now = datetime.now()
    kept_keys = [d.lower() for d in kept]
    lookup = conn.execute("SELECT list(code_key), list(DISTINCT description_key) FROM offences").fetchall()[0]
    lsoas = [r[0] for r in conn.execute("SELECT lsoa_code FROM lsoa_lookup").fetchall()]
    return {
        "": [],
        "next_month": [datetime(now.year + now.month // 12, now.month % 12 + 1, 1)],
        "codes": [lookup[0]],
        "descriptions": [lookup[1]],
        "district": [[d.lower() for d in districts]],
        "britain": [*GB_LONGITUDE, *GB_LATITUDE],
        "ward_code": [list(geography.wards["wd22"].ward_code), kept_keys],
        "lsoa": [lsoas, kept_keys],
        "kept": [kept_keys],
    }
