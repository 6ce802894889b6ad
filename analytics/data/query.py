"""What a table is about: source, category, place and boundary vintage, as SQL with parameters.

Every analysis takes a ``Selection`` and turns it into a WHERE clause whose values are always
parameters. Column names come only from the allow-lists here, never from user text. A Selection
refuses, with a message, text that no district, ward or category could be (not text, too long,
or not encodable as UTF-8); other unknown values are plain values that match nothing, and
``check_selection`` refuses them listing the valid ones.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

import duckdb

from analytics.core.errors import AnalyticsError, invalid_choice, shown
from analytics.core.periods import Period
from analytics.data.geography import VINTAGES, check_vintage

SOURCES = ("police_uk", "extract")
SOURCE_LABELS = {
    "police_uk": "police.uk street-level data (real, open data)",
    "extract": "force ASB incident extract (SYNTHETIC demonstration data)",
}
ASB_CATEGORY = "Anti-social behaviour"
CATEGORY_GROUPS = ("asb", "crime")  # crime = every police.uk crime type except ASB, as ONS counts it
NORTH_WORCESTERSHIRE = "North Worcestershire"
# No district name, ward code or police.uk crime type is anywhere near this long.
MAX_VALUE_LENGTH = 200
_ALIAS = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,30}")


def _check_text(what: str, value: object) -> str:
    if not isinstance(value, str):
        raise AnalyticsError(
            f"The {what} must be text, not {type(value).__name__} {shown(value)}.", title=f"Invalid {what}"
        )
    if len(value) > MAX_VALUE_LENGTH:
        raise AnalyticsError(
            f"The {what} {shown(value)} is longer than any {what} ({MAX_VALUE_LENGTH} characters at most).",
            title=f"Invalid {what}",
        )
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise AnalyticsError(
            f"The {what} {value!r} is not valid text (it holds bytes that are not UTF-8).", title=f"Invalid {what}"
        ) from None
    return value


def _text_tuple(what: str, values: object) -> tuple[str, ...]:
    """One value or a list of them as a tuple of checked text (a lone string is one value, not letters)."""
    if values is None:
        return ()
    if isinstance(values, str):
        values = (values,)
    if not isinstance(values, (tuple, list)):
        raise AnalyticsError(
            f"The {what}s must be a list of text, not {type(values).__name__}.", title=f"Invalid {what}"
        )
    return tuple(_check_text(what, v) for v in values)


@dataclass(frozen=True)
class Selection:
    """Which rows a table counts.

    source: 'police_uk' (real) or 'extract' (the force extract; here synthetic).
    category: 'asb', 'crime' (recorded crime: every police.uk type but ASB) or one police.uk crime type.
    districts / wards: empty means all; wards are codes of the chosen boundary vintage.
    boundaries: 'wd22' or 'wd25', the ward vintage rows are grouped by.
    """

    source: str = "extract"
    category: str = "asb"
    districts: tuple[str, ...] = ()
    wards: tuple[str, ...] = ()
    boundaries: str = "wd22"

    def __post_init__(self):
        # Frozen: the normalised values are set the way dataclasses set them.
        if _check_text("source", self.source) not in SOURCES:
            raise invalid_choice("source", self.source, SOURCES)
        _check_text("category", self.category)
        object.__setattr__(self, "districts", _text_tuple("district", self.districts))
        object.__setattr__(self, "wards", _text_tuple("ward code", self.wards))
        boundaries = _check_text("boundary vintage", self.boundaries).lower()
        if boundaries not in VINTAGES:
            raise invalid_choice("boundary vintage", self.boundaries, VINTAGES)
        object.__setattr__(self, "boundaries", check_vintage(boundaries))
        if self.source == "extract" and self.category != "asb":
            raise AnalyticsError(
                f"The force extract holds ASB incidents only, so category {shown(self.category)} has no rows there.",
                title="Not in this source",
                fix="Choose category asb, or the police.uk source for crime.",
            )

    @property
    def ward_column(self) -> str:
        return {"wd22": "ward_wd22", "wd25": "ward_wd25"}[self.boundaries]

    @property
    def source_label(self) -> str:
        return SOURCE_LABELS[self.source]

    @property
    def category_label(self) -> str:
        return {"asb": "Anti-social behaviour", "crime": "Recorded crime (excluding ASB)"}.get(
            self.category, self.category
        )

    @property
    def place_label(self) -> str:
        if self.wards:
            return f"{len(self.wards)} ward(s)"
        return ", ".join(self.districts) if self.districts else NORTH_WORCESTERSHIRE

    def with_(self, **changes) -> Selection:
        return replace(self, **changes)

    def where(self, period: Period | None = None, alias: str = "") -> tuple[str, list]:
        """SQL condition and its parameters for this selection (and a period, if given)."""
        if alias and not (isinstance(alias, str) and _ALIAS.fullmatch(alias)):
            raise AnalyticsError(f"The table alias {shown(alias)} is not a plain SQL name.", title="Invalid alias")
        p = f"{alias}." if alias else ""
        clauses = [f"{p}source = ?"]
        params: list = [self.source]
        if self.category == "asb":
            clauses.append(f"{p}is_asb")
        elif self.category == "crime":
            clauses.append(f"NOT {p}is_asb")
        else:
            clauses.append(f"{p}category = ?")
            params.append(self.category)
        if self.districts:
            clauses.append(f"list_contains(?, {p}district)")
            params.append(list(self.districts))
        if self.wards:
            clauses.append(f"list_contains(?, {p}{self.ward_column})")
            params.append(list(self.wards))
        if period is not None:
            clauses.append(f"{p}month >= ? AND {p}month < ?")
            params += [period.start, period.end_exclusive]
        return " AND ".join(clauses), params


def check_selection(conn: duckdb.DuckDBPyConnection, selection: Selection) -> None:
    """Refuse districts, wards and categories the store does not know, listing the valid ones."""
    if selection.districts:
        known = [r[0] for r in conn.execute("SELECT DISTINCT district FROM wards").fetchall()]
        for district in selection.districts:
            if district not in known:
                raise invalid_choice("district", district, known)
    if selection.wards:
        known = [
            r[0]
            for r in conn.execute("SELECT ward_code FROM wards WHERE vintage = ?", [selection.boundaries]).fetchall()
        ]
        for ward in selection.wards:
            if ward not in known:
                raise invalid_choice(f"{selection.boundaries.upper()} ward code", ward, known)
    if selection.category not in CATEGORY_GROUPS:
        known = [
            r[0]
            for r in conn.execute(
                "SELECT DISTINCT category FROM incidents WHERE source = ?", [selection.source]
            ).fetchall()
        ]
        if selection.category not in known:
            raise invalid_choice("category", selection.category, list(CATEGORY_GROUPS) + known)


def months_present(conn: duckdb.DuckDBPyConnection, source: str) -> list:
    """The months a source has any row for: a month with no rows is missing, not zero."""
    return [
        r[0]
        for r in conn.execute("SELECT DISTINCT month FROM incidents WHERE source = ? ORDER BY 1", [source]).fetchall()
    ]


def missing_months(conn: duckdb.DuckDBPyConnection, source: str, period: Period) -> list:
    present = set(months_present(conn, source))
    return [m for m in period.months if m not in present]


# Columns a table may group by: the only column names that reach SQL from a caller's choice.
GROUP_COLUMNS = {
    "keyword": "keyword",
    "category": "category",
    "district": "district",
    "nirs_class": "nirs_class",
    "ward_wd22": "ward_wd22",
    "ward_wd25": "ward_wd25",
    "lsoa_code": "lsoa_code",
    "location": "location",
}


def compare_counts(
    conn: duckdb.DuckDBPyConnection, selection: Selection, period_a: Period, period_b: Period, by: str
) -> pd.DataFrame:
    """Counts in period A and period B per value of one column, in a single aggregate query.

    Returns columns ``key``, ``count_a``, ``count_b`` (only keys with rows in either period).
    """
    import pandas as pd  # noqa: F401  (the frame type; imported here to keep query.py light)

    if not isinstance(by, str) or by not in GROUP_COLUMNS:
        raise invalid_choice("grouping column", by, GROUP_COLUMNS)
    column = GROUP_COLUMNS[by]
    where, params = selection.where()
    sql = f"""
        SELECT {column} AS key,
               count(*) FILTER (WHERE month >= ? AND month < ?) AS count_a,
               count(*) FILTER (WHERE month >= ? AND month < ?) AS count_b
        FROM incidents
        WHERE {where} AND ((month >= ? AND month < ?) OR (month >= ? AND month < ?))
        GROUP BY 1"""
    spans = [period_a.start, period_a.end_exclusive, period_b.start, period_b.end_exclusive]
    return conn.execute(sql, spans + params + spans).df()


def place(conn: duckdb.DuckDBPyConnection, selection: Selection) -> str:
    """The place a selection covers, in words, for titles and sentences: a ward's own name
    ("Abbey"), two or three names, "5 wards", the districts, or North Worcestershire."""
    if not selection.wards:
        return selection.place_label
    names = [
        name
        for (name,) in conn.execute(
            "SELECT DISTINCT ward_name FROM wards WHERE vintage = ? AND list_contains(?, ward_code) ORDER BY ward_name",
            [selection.boundaries, list(selection.wards)],
        ).fetchall()
    ]
    if not names or len(names) != len(set(selection.wards)):
        return selection.place_label  # a code not in this vintage: check_selection says so
    if len(names) <= 3:
        return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return f"{len(names)} wards"
