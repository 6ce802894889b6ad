"""The force extract read for certain or refused: its districts, its dates, its incident references.

- A district must be one of the force's: the configured districts and the force's others (a
  district of the force outside the configured ones is counted as outside, as ever). An empty or
  misspelt district is refused with its line and the list: counted as outside, it would vanish.
- Dates written d/m/Y that read both day-first and month-first (every first and second number 12
  or less, and not all the same) are refused unless the user gives the format (``date_format``):
  read day-first, US dates would land in the wrong months without a word.
- Duplicate incident references in one file are refused with both lines, unless the rows are the
  same in every column read: then the row is kept once and the load report says so.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

import duckdb

from analytics.core.errors import InputError
from analytics.core.errors import shown as _shown
from analytics.data.files import Source, find_line
from analytics.data.query import one_row

#: The local authority districts each force covers, as the force's own files spell them. West
#: Mercia's are the LSOA names' districts in the unfiltered police.uk archive
#: (tests/data/police_uk/west-mercia-street-unfiltered-21-months.zip, 'LSOA name' less its code:
#: Bromsgrove 001A), with the county's other spellings (ONS: "Herefordshire, County of").
FORCE_DISTRICTS: dict[str, tuple[str, ...]] = {
    "West Mercia Police": (
        "Bromsgrove",
        "Redditch",
        "Wyre Forest",
        "Malvern Hills",
        "Worcester",
        "Wychavon",
        "Herefordshire",
        "County of Herefordshire",
        "Herefordshire, County of",
        "Shropshire",
        "Telford and Wrekin",
    ),
}

#: The staged columns compared to tell an exact repeat from two incidents under one reference.
_READ_COLUMNS = (
    "incident_ref, reported_text, keyword, nirs_class, district_text, ward_code, lon_text, lat_text, location"
)


def force_districts(force: str, districts: tuple[str, ...]) -> list[str]:
    """The districts an extract of ``force`` may name: the configured ones, then the force's others."""
    return list(dict.fromkeys([*districts, *FORCE_DISTRICTS.get(force, ())]))


def check_date_format(conn: duckdb.DuckDBPyConnection, source: Source, date_format: str | None) -> None:
    """Refuse a ``date_format`` that is not a strptime format DuckDB reads."""
    if date_format is None:
        return
    if not isinstance(date_format, str) or "%" not in date_format:
        raise InputError(
            f"the date format must be a strptime format such as '%d/%m/%Y %H:%M', not {_shown(date_format)}.",
            file=source.name,
        )
    try:
        conn.execute("SELECT try_strptime('2018-10-31', ?)", [date_format]).fetchall()
    except duckdb.Error as exc:
        raise InputError(
            f"the date format {_shown(date_format)} is not a format DuckDB reads ({str(exc)[:150]}).",
            file=source.name,
        ) from None


def refuse_ambiguous_dates(
    conn: duckdb.DuckDBPyConnection, source: Source, path: Path, column: int | None, date_format: str | None
) -> None:
    """Refuse d/m/Y dates that read both day-first and month-first, unless the format is given."""
    if date_format is not None:
        return
    pattern = r"^\s*(\d{1,2})/(\d{1,2})/\d{4}"
    first = f"TRY_CAST(regexp_extract(reported_text, '{pattern}', 1) AS INTEGER)"
    second = f"TRY_CAST(regexp_extract(reported_text, '{pattern}', 2) AS INTEGER)"
    found, largest, differ = one_row(
        conn.execute(
            f"""SELECT count(*), greatest(max({first}), max({second})), count(*) FILTER ({first} <> {second})
            FROM stage WHERE regexp_matches(reported_text, '{pattern}')"""
        )
    )
    if not found or largest > 12 or not differ:
        return
    value = one_row(conn.execute(f"SELECT reported_text FROM stage WHERE {first} <> {second} LIMIT 1"))[0]
    line = find_line(path, lambda r: r[column] == value) if column is not None else None
    raise InputError(
        f"the dates read both day-first and month-first ({_shown(value)}: every day and month is 12 or "
        "less), so which is which cannot be known; give the format, e.g. --date-format '%d/%m/%Y %H:%M' "
        "(day first) or '%m/%d/%Y %H:%M' (month first).",
        file=source.name,
        line=line,
    )


def drop_exact_repeats(
    conn: duckdb.DuckDBPyConnection, source: Source, path: Path, col: dict[str, int], read_columns: str = _READ_COLUMNS
) -> str:
    """Refuse two rows with one incident reference that differ; keep exact repeats once. The note ('' if none).
    ``read_columns``: the staged columns compared (a constant of the loader, never user text)."""
    differing = conn.execute(
        f"""SELECT incident_ref FROM stage GROUP BY incident_ref
            HAVING count(DISTINCT struct_pack({read_columns})) > 1 ORDER BY min(rowid) LIMIT 1"""
    ).fetchall()
    if differing:
        ref = differing[0][0]
        ref_col = col["incident_ref"]
        first = find_line(path, lambda r: r[ref_col] == ref)
        second = find_line(path, _nth_match(lambda r: r[ref_col] == ref, 2))
        raise InputError(
            f"the incident reference {_shown(ref)} is on two rows that differ (lines {first} and {second}); "
            "each incident must be on one row.",
            file=source.name,
            line=second,
        )
    rows, distinct = one_row(
        conn.execute("SELECT count(*), (SELECT count(*) FROM (SELECT DISTINCT * FROM stage)) FROM stage")
    )
    if rows == distinct:
        return ""
    refs = [
        r[0]
        for r in conn.execute(
            "SELECT incident_ref FROM stage GROUP BY incident_ref HAVING count(*) > 1 ORDER BY min(rowid) LIMIT 6"
        ).fetchall()
    ]
    conn.execute("CREATE OR REPLACE TEMP TABLE stage AS SELECT DISTINCT * FROM stage ORDER BY incident_ref")
    return (
        f"{rows - distinct:,} row(s) repeated an earlier row exactly (incident reference "
        f"{', '.join(_shown(r) for r in refs[:5])}{' ...' if len(refs) > 5 else ''}) and were kept once."
    )


def _nth_match(predicate: Callable[[list[str]], bool], n: int) -> Callable[[list[str]], bool]:
    """A predicate that holds at the n-th row for which ``predicate`` holds."""
    seen = [0]

    def nth(row: list[str]) -> bool:
        if predicate(row):
            seen[0] += 1
        return seen[0] == n

    return nth


def refuse_row(
    conn: duckdb.DuckDBPyConnection,
    source: Source,
    path: Path,
    col: dict[str, int],
    check: tuple[str, str, str],
    args: list[object],
    bad: int,
    staged: str | None = None,
) -> NoReturn:
    """Raise the InputError for a row check ``bad`` staged rows fail, with the file line of the first.

    ``check`` is (SQL condition on the staging table ``stage``, the file's column, the problem,
    optionally followed by ``|advice``); ``staged`` names the column in ``stage`` when it differs
    from the file's. The one door for both extracts (ASB and crime): the line is found in the
    file by the row's reference and the offending value, else by the value, else by the reference.
    """
    condition, column, problem = check
    problem, _, advice = problem.partition("|")
    value, ref = one_row(
        conn.execute(f"SELECT {staged or column}, incident_ref FROM stage WHERE {condition} LIMIT 1", args)
    )
    line = None
    ref_col, value_col = col.get("incident_ref"), col.get(column)
    if ref and ref_col is not None and value_col is not None:
        line = find_line(path, lambda r: r[ref_col].strip() == ref and r[value_col] == (value or ""))
    if line is None and value_col is not None:
        line = find_line(path, lambda r: r[value_col] == (value or ""))
    if line is None and ref and ref_col is not None:
        line = find_line(path, lambda r: r[ref_col].strip() == ref)
    shown = _shown(value) if value is not None and value.strip() else "an empty value"
    raise InputError(
        f"{problem}: {shown} ({bad:,} row(s)){'; ' + advice if advice else ''}.", file=source.name, line=line
    )
