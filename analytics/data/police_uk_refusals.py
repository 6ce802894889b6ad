"""Why a police.uk file is refused: the InputError for a bad month, a coordinate that is not a
number, or a point outside Great Britain, with the line of the first row at fault (a pass over
the file in Python, paid only when a file is refused). Split from analytics/data/police_uk.py.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import duckdb

from analytics.core.errors import InputError
from analytics.core.errors import shown as _shown
from analytics.data.files import find_line
from analytics.data.loads import GB_LATITUDE, GB_LONGITUDE
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
    line = find_line(staged.path, lambda r: not re.fullmatch(r"[0-9]{4}-(0[1-9]|1[0-2])", r[col["Month"]]))
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
