"""Why a police.uk file is refused: the InputError for a bad month, a coordinate that is not a
number, a point outside Great Britain, or a key police.uk's lists lack (analytics/data/police_uk_keys.py),
with the line of the first row at fault (a pass over the file in Python, paid only when a file is
refused). Split from analytics/data/police_uk.py.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, NoReturn

import duckdb

from analytics.core.errors import InputError
from analytics.core.errors import shown as _shown
from analytics.core.vocabulary import POLICE_UK_CRIME_TYPES, POLICE_UK_FORCES
from analytics.data.files import find_line, find_row
from analytics.data.loads import GB_LATITUDE, GB_LONGITUDE
from analytics.data.police_uk_keys import LSOA_FORM, WHITESPACE, canonical, current_month, nearest
from analytics.data.query import one_row

if TYPE_CHECKING:
    from analytics.data.police_uk import _Staged


def _number(text: str) -> float | None:
    """A coordinate as Python reads it: None when empty, NaN when not a number."""
    try:
        return float(text) if text.strip() else None
    except ValueError:
        return float("nan")


def refuse_month(conn: duckdb.DuckDBPyConnection, staged: _Staged, col: dict[str, int], bad_month: int) -> None:
    month = col["Month"]
    line = find_line(staged.path, lambda r: not re.fullmatch(r"[0-9]{4}-(0[1-9]|1[0-2])", r[month].strip(WHITESPACE)))
    value = one_row(
        conn.execute(
            f"SELECT month_text FROM stage WHERE file_index = {staged.index} AND NOT regexp_full_match("
            "coalesce(month_text, ''), '[0-9]{4}-(0[1-9]|1[0-2])') LIMIT 1"
        )
    )[0]
    what = f"the Month {_shown(value)} is not" if value else "the Month is empty, not"
    raise InputError(
        f"{what} a month written YYYY-MM ({bad_month:,} row(s) like it).", file=staged.source.name, line=line
    )


def refuse_number(staged: _Staged, col: dict[str, int], bad_number: int) -> None:
    def bad(r: list[str]) -> bool:
        lon, lat = _number(r[col["Longitude"]]), _number(r[col["Latitude"]])
        return (lon is None) != (lat is None) or (lon is not None and lon != lon) or (lat is not None and lat != lat)

    raise InputError(
        f"a Longitude or Latitude is not a number, or one is given without the other ({bad_number:,} row(s)).",
        file=staged.source.name,
        line=find_line(staged.path, bad),
    )


def refuse_outside_gb(conn: duckdb.DuckDBPyConnection, staged: _Staged, col: dict[str, int], outside_gb: int) -> None:
    def outside(r: list[str]) -> bool:
        lon, lat = _number(r[col["Longitude"]]), _number(r[col["Latitude"]])
        return (
            lon is not None
            and lat is not None
            and not (GB_LONGITUDE[0] <= lon <= GB_LONGITUDE[1] and GB_LATITUDE[0] <= lat <= GB_LATITUDE[1])
        )

    line = find_line(staged.path, outside)
    lon, lat = one_row(
        conn.execute(
            f"SELECT lon, lat FROM stage WHERE file_index = {staged.index} AND (lon NOT BETWEEN ? AND ? "
            "OR lat NOT BETWEEN ? AND ?) LIMIT 1",
            [*GB_LONGITUDE, *GB_LATITUDE],
        )
    )
    hint = (
        " The longitude and latitude look swapped."
        if GB_LATITUDE[0] <= lon <= GB_LATITUDE[1] and GB_LONGITUDE[0] <= lat <= GB_LONGITUDE[1]
        else ""
    )
    raise InputError(
        f"the coordinates ({lon}, {lat}) are outside Great Britain ({outside_gb:,} row(s)).{hint}",
        file=staged.source.name,
        line=line,
    )


#: A key check of police.uk.py's _POLICE_CHECKS: the column it reads, and whether a value fails it.
_KEY_CHECKS: dict[str, tuple[str, Callable[[str], bool]]] = {
    "no_category": ("Crime type", lambda v: not v),
    "no_force": ("Reported by", lambda v: not v),
    "unknown_force": ("Reported by", lambda v: bool(v) and canonical(v, POLICE_UK_FORCES) is None),
    "unknown_falls_within": ("Falls within", lambda v: bool(v) and canonical(v, POLICE_UK_FORCES) is None),
    "unknown_category": ("Crime type", lambda v: bool(v) and canonical(v, POLICE_UK_CRIME_TYPES) is None),
}


def refuse_key(conn: duckdb.DuckDBPyConnection, staged: _Staged, col: dict[str, int], check: str, n: int) -> NoReturn:
    """The InputError of a key check (``check``, failed by ``n`` rows): a month after the current
    month, an empty or unknown force or crime type, a malformed LSOA code."""
    fails: Callable[[str], bool]
    if check == "future_month":
        now = current_month()
        column, fails = "Month", lambda v: v > now
    elif check == "malformed_lsoa":
        known = {code for (code,) in conn.execute("SELECT lsoa_code FROM lsoa_lookup").fetchall()}
        column, fails = "LSOA code", lambda v: bool(v) and not re.fullmatch(LSOA_FORM, v) and v not in known
    else:
        column, fails = _KEY_CHECKS[check]
    index = col[column]
    line, row = find_row(staged.path, lambda r: fails(r[index].strip(WHITESPACE)))
    value = _shown(row[index].strip(WHITESPACE)) if row else "?"
    rows = f"{n:,} row(s) like it"
    if check == "future_month":
        problem = f"the Month {value} is after the current month, {current_month()} ({rows})."
    elif check == "malformed_lsoa":
        problem = f"the LSOA code {value} is not an LSOA code, E01 or W01 and six digits ({rows})."
    elif check in ("no_category", "no_force"):
        problem = f"the {column} is empty."
    elif column == "Crime type":
        types = ", ".join(POLICE_UK_CRIME_TYPES)
        problem = f"the Crime type {value} is not one of police.uk's crime types: {types} ({rows})."
    else:
        near = ", ".join(nearest(row[index], POLICE_UK_FORCES)) if row else ""
        problem = f"the {column} {value} is not a force police.uk publishes; the nearest names: {near} ({rows})."
    raise InputError(problem, file=staged.source.name, line=line)
