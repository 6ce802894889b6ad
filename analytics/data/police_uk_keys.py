"""The keys of a police.uk row, normalised and validated: split from analytics/data/police_uk.py.

Keys were compared as raw text, so "West Mercia Police " (a trailing space) or "WEST MERCIA
POLICE" was a second force, and its month was loaded twice; "Anti-social behaviour " was a
crime type of its own. Now:
- Every key column (Month, Reported by, Falls within, LSOA code, LSOA name, Crime type, Last
  outcome category) is trimmed of spaces, tabs and line breaks at both ends.
- Force names ("Reported by", "Falls within") and crime types are matched ignoring case and runs
  of white space to police.uk's lists (analytics/core/vocabulary.py) and stored in the lists'
  spelling; a name the lists lack is refused with its line (and, for a force, the nearest names).
- An LSOA code is stored trimmed. A code of the form E01/W01 and six digits that no lookup of the
  store holds is a row outside the districts (counted, not stored), as before; a code of any other
  form is refused with its line. An empty code (a row without a location) is outside, as before.
- A month after the current month is refused with its line.
"""

from __future__ import annotations

import difflib
import re
from datetime import datetime

from analytics.core.vocabulary import POLICE_UK_CRIME_TYPES, POLICE_UK_FORCES

#: What "trimmed" takes off both ends of a key (Python's str.strip(WHITESPACE), SQL's trim).
WHITESPACE = " \t\r\n"
#: The form of an LSOA code (England E01, Wales W01); the lookups decide which are in the districts.
LSOA_FORM = "[EW]01[0-9]{6}"
#: The key columns that are trimmed, and are stored in their list's spelling.
TRIMMED = ("Month", "Reported by", "Falls within", "LSOA code", "LSOA name", "Crime type", "Last outcome category")
LISTED = {"Reported by": POLICE_UK_FORCES, "Falls within": POLICE_UK_FORCES, "Crime type": POLICE_UK_CRIME_TYPES}


def current_month() -> str:
    """The current month, YYYY-MM: a row's month may not be after it."""
    return datetime.now().strftime("%Y-%m")


def matching_key(value: str) -> str:
    """What two spellings of one name share: ``" ANTI-SOCIAL  behaviour "`` -> ``"anti-social behaviour"``."""
    return re.sub(r"\s+", " ", value.strip(WHITESPACE)).lower()


def canonical(value: str, names: tuple[str, ...]) -> str | None:
    """The list's spelling of ``value``, or None when the list lacks it."""
    return {matching_key(name): name for name in names}.get(matching_key(value))


#: Words most force names share, left out when finding the nearest names (the place decides).
_GENERIC = re.compile(r"\b(police|constabulary|service)\b")


def nearest(value: str, names: tuple[str, ...], n: int = 3) -> list[str]:
    """The list's names nearest ``value`` (for a message), nearest first, compared by their places:
    "West Mercia Constabulary" is nearest "West Mercia Police", not "Cumbria Constabulary"."""

    def place(text: str) -> str:
        return " ".join(_GENERIC.sub(" ", matching_key(text)).split())

    by_place = {place(name): name for name in names}
    return [by_place[key] for key in difflib.get_close_matches(place(value), list(by_place), n=n, cutoff=0)]


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _list(values: list[str]) -> str:
    return "[" + ", ".join(_literal(v) for v in values) + "]"


def trimmed_sql(column: str) -> str:
    """SQL: ``column`` trimmed as ``str.strip(WHITESPACE)`` trims it.

    DuckDB's trim with a set of characters costs about as much as reading the column (measured on
    3 M rows: 4.4 s for every column against 0.9 s untrimmed), and almost no value needs it. So the
    value is trimmed only when it could change: a space at either end, or a tab or line break
    anywhere (1.6 s for every column); the result is the same."""
    needs = (
        f"starts_with({column}, ' ') OR ends_with({column}, ' ') OR contains({column}, chr(9)) "
        f"OR contains({column}, chr(13)) OR contains({column}, chr(10))"
    )
    return f"CASE WHEN {needs} THEN trim({column}, ' ' || chr(9) || chr(13) || chr(10)) ELSE {column} END"


def key_sql(column: str, name: str) -> str:
    """SQL: the value of the police.uk column ``name`` (read as ``column``), as it is stored.

    Trimmed; a force or crime type in its list's spelling when it matches one (ignoring case and
    runs of white space), else as trimmed, for the checks to refuse. A value already spelled as the
    list spells it (almost every row) is taken as it is, without the matching.
    """
    names = LISTED.get(name)
    if names is None:
        return trimmed_sql(column) if name in TRIMMED else column
    exact = ", ".join(_literal(n) for n in names)
    key = f"lower(regexp_replace({trimmed_sql(column)}, '\\s+', ' ', 'g'))"
    found = f"list_extract({_list(list(names))}, list_position({_list([matching_key(n) for n in names])}, {key}))"
    return f"CASE WHEN {column} IN ({exact}) THEN {column} ELSE coalesce({found}, {trimmed_sql(column)}) END"


def listed_sql(column: str, name: str) -> str:
    """SQL: true when ``column`` (normalised by key_sql) holds a name of the list of ``name``."""
    return f"{column} IN ({', '.join(_literal(n) for n in LISTED[name])})"


def lsoa_malformed_sql(column: str) -> str:
    """SQL: true when the (trimmed) LSOA code is given, no lookup holds it, and it is not of LSOA_FORM."""
    return (
        f"(coalesce({column}, '') <> '' AND NOT regexp_full_match({column}, '{LSOA_FORM}') "
        f"AND {column} NOT IN (SELECT lsoa_code FROM lsoa_lookup))"
    )
