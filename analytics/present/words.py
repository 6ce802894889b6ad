"""How numbers and lists read in a sentence: the writing conventions every page shares.

- Counts have thousands separators: ``4,158``.
- A change carries its sign, written with the plain hyphen-minus the published tables and their
  CSV use (``-265``, ``-8%``; see :func:`analytics.core.periods.format_pct`), and a ``+`` for a rise
  (``+44``, ``+20%``). After a verb the percentage is unsigned: "fell 8% (-265)".
- Ranges of months use the en dash of the period labels: ``Mar 2019–Dec 2023``.
- Numbers of wards are digits ("4 of 12 wards rose"); "one of them", "two of them" are words.
- Public mode: with ``suppress_below`` set, a count public mode hides
  (:func:`analytics.core.disclosure.is_hidden`) reads ``"<5"``.

The sentences themselves are in :mod:`analytics.present.narrative` and
:mod:`analytics.present.seasonal_narrative`; the charts write their labels with these too.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import pandas as pd

from analytics.core.disclosure import is_hidden
from analytics.core.errors import AnalyticsError
from analytics.core.periods import pct_change
from analytics.core.table_meta import TableMeta
from analytics.core.vocabulary import suppressed_label

#: The minus sign in every sentence: the hyphen-minus of the published tables ("-8%").
MINUS = "-"
#: Most names a sentence lists before "and N more".
MAX_LISTED = 3

_NUMBER_WORDS = ("none", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")
# How a table's measure reads inside a sentence.
_MEASURE_WORDS = {
    "Anti-social behaviour": "ASB",
    "Recorded crime (excluding ASB)": "recorded crime",
}


def is_missing(value) -> bool:
    """None, NA or NaN: a value a table does not have."""
    if value is None or value is pd.NA:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def format_count(count, suppress_below: int | None = None) -> str:
    """A count with thousands separators: ``4158 -> "4,158"``; ``"<5"`` when public mode hides it."""
    if is_missing(count):
        return "n/a"
    if suppress_below is not None and is_hidden(count, suppress_below):
        return suppressed_label(suppress_below)
    return f"{int(count):,}"


def format_signed(value) -> str:
    """A change in incidents with its sign: ``44 -> "+44"``, ``-265 -> "-265"``, ``0 -> "0"``, ``-1234 -> "-1,234"``."""
    value = int(value)
    if value > 0:
        return f"+{value:,}"
    if value < 0:
        return f"{MINUS}{-value:,}"
    return "0"


def format_signed_pct(value) -> str:
    """A whole percentage with its sign: ``20 -> "+20%"``, ``-8 -> "-8%"``, ``0 -> "0%"``."""
    return f"{format_signed(value)}%"


def number_word(n: int) -> str:
    """ "none", "one" ... "ten", then digits: ``number_word(3) -> "three"``, ``number_word(12) -> "12"``."""
    return _NUMBER_WORDS[n] if 0 <= n < len(_NUMBER_WORDS) else f"{n:,}"


def join_and(items: Sequence[str], sep: str = ", ") -> str:
    """``["a"] -> "a"``, ``["a", "b"] -> "a and b"``, ``["a", "b", "c"] -> "a, b and c"``."""
    items = list(items)
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    return sep.join(items[:-1]) + " and " + items[-1]


def listed(items: Sequence[str], sep: str = ", ") -> str:
    """Up to MAX_LISTED items joined, then "and N more".

    ``sep="; "`` is for items that hold a comma themselves ("Abbey, +20%"): they are all joined
    with semicolons, since "A, +1% and B, +2%" would read as one item.
    """
    items = list(items)
    shown, more = items[:MAX_LISTED], len(items) - MAX_LISTED
    if sep == "; ":
        return sep.join(shown) + (f"; and {more} more" if more > 0 else "")
    if more <= 0:
        return join_and(shown, sep)
    return sep.join(shown) + f" and {more} more"


def capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def measure_words(measure: str) -> str:
    """A measure as a sentence names it: "ASB", "recorded crime" or a crime type in lower case."""
    measure = measure or "Anti-social behaviour"
    return _MEASURE_WORDS.get(measure, measure.lower())


def subject(meta: TableMeta) -> str:
    """What a table counts, as a sentence names it (:func:`measure_words` of ``meta.measure``)."""
    return measure_words(meta.measure)


def change_phrase(count_a, count_b, suppress_below: int | None = None) -> str:
    """The change from ``count_a`` to ``count_b`` after a subject: "fell 8% (-265)", "rose 20% (+44)",
    "was unchanged at 3,203", "rose from none to 12", "fell from 12 to none", "fell under 1% (-3)".

    In public mode a change involving a suppressed count is written "went from <5 to 40", with no
    difference or percentage.
    """
    count_a, count_b = int(count_a), int(count_b)
    if is_hidden(count_a, suppress_below) or is_hidden(count_b, suppress_below):
        return f"went from {format_count(count_a, suppress_below)} to {format_count(count_b, suppress_below)}"
    difference = count_b - count_a
    if difference == 0:
        return f"was unchanged at {format_count(count_b)}"
    if count_a == 0:
        return f"rose from none to {format_count(count_b)}"
    if count_b == 0:
        return f"fell from {format_count(count_a)} to none"
    verb = "rose" if difference > 0 else "fell"
    pct = abs(pct_change(count_a, count_b) or 0)  # neither count is 0 here: never None
    amount = "under 1%" if pct == 0 else f"{pct}%"
    return f"{verb} {amount} ({format_signed(difference)})"


def format_p(p) -> str:
    """A p-value as a sentence gives it: ``"p = 0.012"``, and ``"p < 0.001"`` below a thousandth
    (never "p = 0.000", which reads as impossible); ``"p n/a"`` when there is none."""
    if is_missing(p):
        return "p n/a"
    return "p < 0.001" if float(p) < 0.0005 else f"p = {float(p):.3f}"


# How a table's columns are headed on screen and in downloads: plain words, never the column's
# own name. A column missing here is not shown (the model's code names, internal flags).
_HEADERS = {
    "ward_code": "Ward code",
    "ward_name": "Ward",
    "district": "District",
    "type": "Type",
    "crime_type": "Crime type",
    "difference": "Difference",
    "pct_change": "Change",
    "mean": "Mean",
    "mean_pct": "Mean percentage",
    "population_mid2018": "Population (mid-2018)",
    "z": "z (change on the square-root scale)",
    "p_value": "p-value",
    "significant": "Significant change",
    "small_numbers": "Small numbers",
    "rank": "Rank",
    "location": "Location",
    "count": "Incidents",
    "share_pct": "Share of incidents (%)",
    "lsoa_code": "LSOA code",
    "lsoa_name": "LSOA name",
    "month": "Month",
    "expected": "Expected",
    "lower": "Expected range, low",
    "upper": "Expected range, high",
    "trend": "Trend",
    "seasonal": "Seasonal effect",
    "residual": "Irregular part",
    "outside_band": "Outside the expected range",
    "partial": "Part of the month only",
    "cell_id": "Cell (250 m)",
    "longitude": "Longitude",
    "latitude": "Latitude",
    "persistence": "Hot spot in both periods?",
    "check": "Check",
    "source": "Source",
    "value": "Value",
    "detail": "Detail",
    # NIRS classes, the hours of the week and funnel plots
    "nirs_class": "NIRS class",
    "day_name": "Day",
    "hour": "Hour",
    "time": "Time reported",
    "rate_per_1000": "Rate per 1,000 residents",
    "funnel_position": "Against the area's rate",
    "limit_lower_95": "95% limit, low",
    "limit_upper_95": "95% limit, high",
    "limit_lower_998": "99.8% limit, low",
    "limit_upper_998": "99.8% limit, high",
    # the Data page: what the store holds and the files loaded into it
    "rows": "Rows",
    "asb_rows": "ASB rows",
    "vintage": "Ward boundaries",
    "wards": "Wards",
    "wards_with_rows": "Wards with rows",
    "rows_by_point": "Rows placed by their point",
    "rows_by_lsoa": "Rows placed through their LSOA",
    "rows_by_extract_code": "Rows placed by the extract's ward code",
    "rows_without_ward": "Rows without a ward",
    "load_id": "Load",
    "file_name": "File",
    "synthetic": "Synthetic",
    "months": "Months",
    "rows_read": "Rows read",
    "rows_stored": "Rows stored",
    "rows_replaced": "Rows replaced",
    "rows_outside": "Rows outside the districts",
    "rows_outside_no_location": "Of them with no location",
    "loaded_at": "Loaded at",
    "undone_at": "Undone at",
    # the West Mercia comparison and the outcomes of crimes
    "partnership": "Community safety partnership",
    "outcome": "Last outcome (police.uk)",
    "total": "Crimes of the type",
    # a column a source each (the Data page's rows per month)
    "police_uk": "police.uk",
    "extract": "Force ASB extract (SYNTHETIC)",
    "crime_extract": "Force crime extract (SYNTHETIC)",
}
#: A source as a table cell names it (the full labels are in the captions).
SOURCE_NAMES = {key: _HEADERS[key] for key in ("police_uk", "extract", "crime_extract")}
# Columns of one period: headed by the period's label, as the panel's tables are ("2017-18").
_PERIOD_HEADERS = {
    "count": "{period}",
    "rate": "Rate per 1,000 residents, {period}",
    "per_month": "Per month, {period}",
    "class": "Hot or cold spot, {period}",
    "gi_z": "Gi* z-score, {period}",
    "share": "Share of the place's incidents, {period}",
    "months_held": "Months held, {period}",
}
#: How a column's numbers are written on screen (printf, as st.column_config.NumberColumn takes it):
#: thousands separators on counts, fixed decimals on rates (3.0, never 3), whole percentages.
NUMBER_FORMATS = {
    **dict.fromkeys(("count", "difference", "mean", "population_mid2018", "value"), "%,d"),
    **dict.fromkeys(("count_a", "count_b", "rank", "total", "months_held_a", "months_held_b"), "%,d"),
    **dict.fromkeys(("pct_change", "mean_pct", "share_a_pct", "share_b_pct"), "%d%%"),
    **dict.fromkeys(("rate_per_1000",), "%,.1f"),
    **dict.fromkeys(("limit_lower_95", "limit_upper_95", "limit_lower_998", "limit_upper_998"), "%,.2f"),
    **dict.fromkeys(("rate_a_per_1000", "rate_b_per_1000", "per_month_a", "per_month_b", "share_pct"), "%,.1f"),
    **dict.fromkeys(("expected", "lower", "upper", "trend", "seasonal", "residual"), "%,.1f"),
    # the impact evaluation's expected count and effect, in incidents (analytics/analyses/impact.py)
    **dict.fromkeys(("expected_after", "effect", "effect_lower", "effect_upper"), "%,.1f"),
    **dict.fromkeys(("z", "gi_z_a", "gi_z_b"), "%.2f"),
    "p_value": "%.4f",
    **dict.fromkeys(("longitude", "latitude"), "%.5f"),
    # the forecast: expected incidents to a tenth, prediction bounds in whole incidents, and the
    # backtest's errors (MASE to two decimals) and coverage (whole percentages: the page shows
    # the shares as percentages, its headers say "(%)")
    "forecast": "%,.1f",
    "mae": "%,.1f",
    **dict.fromkeys(("lower_80", "upper_80", "lower_95", "upper_95", "forecasts", "origins"), "%,d"),
    **dict.fromkeys(("horizon", "backtest_forecasts"), "%d"),
    **dict.fromkeys(("mase", "mase_naive", "backtest_mase", "backtest_mase_naive"), "%.2f"),
    **dict.fromkeys(("coverage_80", "coverage_95", "backtest_coverage_80", "backtest_coverage_95"), "%.0f"),
}


def _period_column(column: str) -> tuple[str, str] | None:
    """``"rate_b_per_1000" -> ("rate", "b")``, ``"count_a" -> ("count", "a")``; None for others."""
    stem = column.removesuffix("_per_1000").removesuffix("_pct")
    head, _, end = stem.rpartition("_")
    return (head, end) if end in ("a", "b") and head in _PERIOD_HEADERS else None


def column_header(column: str, meta: TableMeta) -> str | None:
    """A column's header in plain words; a period's columns carry the period's label as shown
    (``"2018-19 (5 of 12 months held)"``). None for a column no reader needs (not shown).

    >>> from analytics.core.table_meta import PeriodCoverage
    >>> column_header("count_a", TableMeta(period_a=PeriodCoverage("2017-18", 12)))
    '2017-18'
    >>> column_header("rate_b_per_1000", TableMeta(period_b=PeriodCoverage("2018-19", 12, ("2018-04",))))
    'Rate per 1,000 residents, 2018-19 (11 of 12 months held)'
    >>> column_header("method_code", TableMeta()) is None
    True
    """
    period_column = _period_column(column)
    if period_column is None:
        return _HEADERS.get(column)
    head, which = period_column
    a, b = meta.period_labels
    period = (a if which == "a" else b) or f"period {which.upper()}"
    return _PERIOD_HEADERS[head].format(period=period)


def plain_header(column: str, meta: TableMeta) -> str:
    """:func:`column_header`, or for a column it does not know the name in words
    (``"rows_moved" -> "Rows moved"``): a screen never shows a column's own name."""
    return column_header(column, meta) or capitalise(str(column).replace("_", " ").strip())


def require_columns(frame: pd.DataFrame, columns: Iterable[str], what: str) -> None:
    """Refuse a frame that is not a table or lacks columns, naming them (shared with charts)."""
    if not isinstance(frame, pd.DataFrame):
        raise AnalyticsError(
            f"{what} needs a table (pandas DataFrame); got {type(frame).__name__}.", title="Not a table"
        )
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise AnalyticsError(
            f"{what} needs the columns {', '.join(missing)}, which this table lacks "
            f"(it has {', '.join(map(str, frame.columns))}).",
            title="Wrong table",
        )
