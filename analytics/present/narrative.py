"""Plain English from the analysis tables: the sentences a page (or a report) puts beside a table.

Every sentence is built from the frame it is given (values and ``attrs``), never from numbers
written here, so it says what the table says, whichever source, place and periods were chosen.

Writing conventions (one place, so every page reads the same):

- Counts have thousands separators: ``4,158``.
- A change carries its sign, written with the plain hyphen-minus the published tables and their
  CSV use (``-265``, ``-8%``; see :func:`analytics.core.periods.format_pct`), and a ``+`` for a rise
  (``+44``, ``+20%``). After a verb the percentage is unsigned: "fell 8% (-265)".
- Ranges of months use the en dash of the period labels: ``Mar 2019–Dec 2023``.
- Numbers of wards are digits ("4 of 12 wards rose"); "one of them", "two of them" are words.
- Public mode: with ``suppress_below`` set, a count below it reads ``"<5"`` and nothing derived
  from it on the same row (difference, percentage, rate, mean) is written, as
  :mod:`analytics.core.disclosure` does for tables. Secondary suppression (a hidden count recovered by
  subtracting the shown ones from a total) is not attempted.

Examples
--------
On the synthetic extract, Redditch, 2017-18 against 2018-19, :func:`ward_summary` gives
"ASB in Redditch fell 8% (-265) between 2017-18 and 2018-19; 4 of 12 wards rose, one of them
significantly: Headless Cross and Oakenshaw, +20%."
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Sequence

import pandas as pd

from analytics.analyses.seasonal import month_findings
from analytics.core.disclosure import is_hidden, suppressed_label
from analytics.core.errors import AnalyticsError
from analytics.core.periods import month_runs, pct_change, round_half_up

__all__ = [
    "MINUS",
    "MAX_LISTED",
    "format_count",
    "format_signed",
    "format_signed_pct",
    "subject",
    "change_phrase",
    "ward_summary",
    "ward_rises",
    "district_summary",
    "seasonal_summary",
    "crime_summary",
    "incident_types_summary",
]

#: The minus sign in every sentence: the hyphen-minus of the published tables ("-8%").
MINUS = "-"
#: Most names a sentence lists before "and N more".
MAX_LISTED = 3

GRAND_TOTAL = "Grand Total"  # analytics.analyses.wards.GRAND_TOTAL
DISTRICT_TOTALS = ("North Worcestershire", "Total")
ALL_CRIME = "All recorded crime"  # analytics.analyses.crime.ALL_CRIME
CRIME_LABEL_COLUMNS = ("crime_type", "ward_name", "district")  # a ward table also has district

_NUMBER_WORDS = ("none", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")
# How a table's category reads inside a sentence.
_CATEGORY_WORDS = {
    "Anti-social behaviour": "ASB",
    "Recorded crime (excluding ASB)": "recorded crime",
}


# ---------------------------------------------------------------------------
# Numbers and words
# ---------------------------------------------------------------------------


def _missing(value) -> bool:
    if value is None or value is pd.NA:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _hidden(count, suppress_below: int | None) -> bool:
    """Whether a count is not to be shown in public mode: the disclosure rule's own test."""
    return is_hidden(count, suppress_below)


def format_count(count, suppress_below: int | None = None) -> str:
    """A count with thousands separators: ``4158 -> "4,158"``; ``"<5"`` when below ``suppress_below``."""
    if _missing(count):
        return "n/a"
    if _hidden(count, suppress_below):
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


def _number_word(n: int) -> str:
    return _NUMBER_WORDS[n] if 0 <= n < len(_NUMBER_WORDS) else f"{n:,}"


def _join(items: Sequence[str], sep: str = ", ") -> str:
    """``["a"] -> "a"``, ``["a", "b"] -> "a and b"``, ``["a", "b", "c"] -> "a, b and c"``."""
    items = list(items)
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    return sep.join(items[:-1]) + " and " + items[-1]


def _listed(items: Sequence[str], sep: str = ", ") -> str:
    """Up to MAX_LISTED items joined, then "and N more".

    ``sep="; "`` is for items that hold a comma themselves ("Abbey, +20%"): they are all joined
    with semicolons, since "A, +1% and B, +2%" would read as one item.
    """
    items = list(items)
    shown, more = items[:MAX_LISTED], len(items) - MAX_LISTED
    if sep == "; ":
        return sep.join(shown) + (f"; and {more} more" if more > 0 else "")
    if more <= 0:
        return _join(shown, sep)
    return sep.join(shown) + f" and {more} more"


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def subject(attrs: dict) -> str:
    """What was counted, as a sentence names it: "ASB", "recorded crime" or a crime type in lower case."""
    category = attrs.get("category") or "Anti-social behaviour"
    return _CATEGORY_WORDS.get(category, category.lower())


def _period_labels(attrs: dict) -> tuple[str, str]:
    return attrs.get("period_a") or "period A", attrs.get("period_b") or "period B"


def change_phrase(count_a, count_b, suppress_below: int | None = None) -> str:
    """The change from ``count_a`` to ``count_b`` after a subject: "fell 8% (-265)", "rose 20% (+44)",
    "was unchanged at 3,203", "rose from none to 12", "fell from 12 to none", "fell under 1% (-3)".

    In public mode a change involving a suppressed count is written "went from <5 to 40", with no
    difference or percentage.
    """
    count_a, count_b = int(count_a), int(count_b)
    if _hidden(count_a, suppress_below) or _hidden(count_b, suppress_below):
        return f"went from {format_count(count_a, suppress_below)} to {format_count(count_b, suppress_below)}"
    difference = count_b - count_a
    if difference == 0:
        return f"was unchanged at {format_count(count_b)}"
    if count_a == 0:
        return f"rose from none to {format_count(count_b)}"
    if count_b == 0:
        return f"fell from {format_count(count_a)} to none"
    verb = "rose" if difference > 0 else "fell"
    pct = abs(pct_change(count_a, count_b))
    amount = "under 1%" if pct == 0 else f"{pct}%"
    return f"{verb} {amount} ({format_signed(difference)})"


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


def _records(frame: pd.DataFrame) -> list[dict]:
    """The rows of a frame as dicts (``row["pct_change"]``, never ``row.pct_change``, which on a
    pandas row is a method)."""
    return frame.to_dict("records")


def _counts_only(attrs: dict, what: str, place: str, total_a, total_b, suppress_below: int | None) -> str:
    """The sentence for two periods that are not like for like (months missing from the source):
    what was recorded in each, and why no change is given (``attrs['not_comparable']``)."""
    a_label, b_label = _period_labels(attrs)
    counts = [
        f"{format_count(total, suppress_below)} in {label}"
        for total, label, held in (
            (total_b, b_label, attrs.get("months_held_b")),
            (total_a, a_label, attrs.get("months_held_a")),
        )
        if held != 0
    ]  # a period with no month held has no count, not 0
    return f"{_capitalise(what)} in {place}: {', '.join(counts) or 'no month held'}. {attrs['not_comparable']}"


def _row_hidden(row: dict, suppress_below: int | None) -> bool:
    return _hidden(row["count_a"], suppress_below) or _hidden(row["count_b"], suppress_below)


def _row_pct(row: dict):
    """The row's whole percentage change, or None from zero (computed when the table lacks it)."""
    if "pct_change" in row:
        return None if _missing(row["pct_change"]) else int(row["pct_change"])
    return pct_change(int(row["count_a"]), int(row["count_b"]))


def _row_change(row: dict, suppress_below: int | None) -> str:
    """A row's change for a list: "+20%", "-27%", "+12 from none", "0"; "" when suppressed."""
    if _row_hidden(row, suppress_below):
        return ""
    pct = _row_pct(row)
    if pct is None:
        difference = int(row["count_b"]) - int(row["count_a"])
        return f"{format_signed(difference)} from none" if difference else "0"
    return format_signed_pct(pct)


# ---------------------------------------------------------------------------
# Wards
# ---------------------------------------------------------------------------

_WARD_COLUMNS = ("ward_name", "count_a", "count_b", "significant", "small_numbers")


def ward_summary(ward_frame: pd.DataFrame, suppress_below: int | None = None) -> str:
    """One or two sentences on a :func:`analytics.analyses.wards.ward_deltas` table.

    The first gives the change in the place's total (its Grand Total row), then how many wards
    rose and which of them rose significantly (up to three, largest rise in incidents first):
    rises are what a scrutiny panel asks about. A second sentence names the wards with too few
    incidents to call (the table's ``small_numbers``).

    Examples
    --------
    >>> frame = pd.DataFrame({
    ...     "ward_name": ["Abbey", "West", "Grand Total"], "count_a": [200, 40, 240],
    ...     "count_b": [260, 30, 290], "pct_change": [30, -25, 21],
    ...     "significant": [True, False, True], "small_numbers": [False, False, False]})
    >>> frame.attrs.update(place="Redditch", period_a="2017-18", period_b="2018-19")
    >>> ward_summary(frame)
    'ASB in Redditch rose 21% (+50) between 2017-18 and 2018-19; 1 of 2 wards rose: Abbey, +30%, significantly.'
    """
    require_columns(ward_frame, _WARD_COLUMNS, "ward_summary")
    attrs = ward_frame.attrs
    a_label, b_label = _period_labels(attrs)
    rows = _records(ward_frame)
    totals = [r for r in rows if r["ward_name"] == GRAND_TOTAL]
    wards = [r for r in rows if r["ward_name"] != GRAND_TOTAL]
    if totals:
        total_a, total_b = int(totals[0]["count_a"]), int(totals[0]["count_b"])
        total_small = bool(totals[0]["small_numbers"])
    else:
        total_a, total_b = sum(int(r["count_a"]) for r in wards), sum(int(r["count_b"]) for r in wards)
        total_small = False
    place = attrs.get("place") or "the selected wards"
    what = subject(attrs)

    if total_a == 0 and total_b == 0:
        return f"No {what} was recorded in {place} in {a_label} or {b_label}."
    if attrs.get("not_comparable"):
        return _counts_only(attrs, what, place, total_a, total_b, suppress_below)
    opening = (
        f"{_capitalise(what)} in {place} {change_phrase(total_a, total_b, suppress_below)} "
        f"between {a_label} and {b_label}"
    )
    if total_small:
        return opening + ": too few incidents to call."

    sentence = opening + _ward_clause(wards, suppress_below) + "."
    small = [r["ward_name"] for r in wards if r["small_numbers"]]
    if small and len(wards) > 1:
        if len(small) <= MAX_LISTED:
            sentence += f" {_join(small)} had too few incidents to call."
        else:
            sentence += f" {len(small)} wards had too few incidents to call."
    return sentence


def _ward_item(row: dict, suppress_below: int | None) -> str:
    change = _row_change(row, suppress_below)
    return f"{row['ward_name']}, {change}" if change else str(row["ward_name"])


def _not_compared(hidden: int, threshold: int | None, noun: str) -> str:
    """ " (3 wards with fewer than 5 incidents in a period not compared)", or ""."""
    if not hidden:
        return ""
    return (
        f" ({hidden} {noun}{'s' if hidden != 1 else ''} with fewer than {threshold} incidents in a period not compared)"
    )


@dataclasses.dataclass(frozen=True)
class WardRises:
    """Which wards rose, the one rule for the ward sentence and the Overview's tile."""

    compared: list  # wards whose two counts are both shown (every ward outside public mode)
    risen: list  # of those, the wards with more incidents in period B
    significant: list  # of those, significant and not too few to call; largest rise first
    left_out: int  # wards with a hidden count: whether they rose rests on it


def ward_rises(ward_frame, suppress_below: int | None = None) -> WardRises:
    """:class:`WardRises` of a :func:`analytics.analyses.wards.ward_deltas` frame (its Grand Total row
    aside) or of a list of its rows as dicts."""
    rows = _records(ward_frame) if isinstance(ward_frame, pd.DataFrame) else list(ward_frame)
    wards = [r for r in rows if r["ward_name"] != GRAND_TOTAL]
    compared = [r for r in wards if not _row_hidden(r, suppress_below)]
    risen = [r for r in compared if int(r["count_b"]) > int(r["count_a"])]
    # A ward with too few incidents to call is named as such after the sentence, not as significant.
    significant = sorted(
        (r for r in risen if _true(r.get("significant")) and not _true(r.get("small_numbers"))),
        key=lambda r: (-(int(r["count_b"]) - int(r["count_a"])), r["ward_name"]),
    )
    return WardRises(compared, risen, significant, len(wards) - len(compared))


def _true(flag) -> bool:
    """A table's flag: True, not False, NA or missing."""
    return flag is not None and flag is not pd.NA and bool(flag)


def _ward_clause(wards: list[dict], suppress_below: int | None) -> str:
    """ "; 4 of 12 wards rose, one of them significantly: Headless Cross and Oakenshaw, +20%".

    In public mode a ward with a hidden count is left out: whether it rose, fell or stayed the
    same rests on the hidden count (two "<5" that are "unchanged" are equal)."""
    if len(wards) <= 1:
        return ""  # one ward: its change is the total's
    rises = ward_rises(wards, suppress_below)
    shown = rises.compared
    after = _not_compared(rises.left_out, suppress_below, "ward")
    n = len(shown)
    of = f"the {n} wards compared" if after else f"{n} wards"
    if n == 0:
        return "; no ward had enough incidents in both periods to compare"
    if n == 1:
        row = shown[0]
        difference = int(row["count_b"]) - int(row["count_a"])
        moved = "rose" if difference > 0 else "fell" if difference < 0 else "was unchanged"
        change = _row_change(row, suppress_below)
        flag = ", significantly" if difference and _true(row["significant"]) and not _true(row["small_numbers"]) else ""
        return (
            f"; the one ward compared, {row['ward_name']}, {moved}{f' ({change})' if difference else ''}{flag}{after}"
        )
    risen, significant = rises.risen, rises.significant
    k, m = len(risen), len(significant)
    if k == 0:
        return f"; no ward{' compared' if after else ''} rose" + after
    if k == 1:
        flag = ", significantly" if m else ""
        return f"; 1 of {of} rose{after}: {_ward_item(risen[0], suppress_below)}{flag}"
    clause = (f"; all {of} rose" if k == n else f"; {k} of {of} rose") + after
    if m == 0:
        return clause + ", none of them significantly"
    items = [_ward_item(r, suppress_below) for r in significant]
    return clause + f", {_number_word(m)} of them significantly: {_listed(items, sep='; ')}"


# ---------------------------------------------------------------------------
# Districts
# ---------------------------------------------------------------------------

_DISTRICT_COLUMNS = ("district", "count_a", "count_b")


def district_summary(district_frame: pd.DataFrame, suppress_below: int | None = None) -> str:
    """Which district recorded the most, in order, which way each moved, and the total's change.

    Works on :func:`analytics.analyses.districts.districts_table` (the last row, "North Worcestershire" or
    "Total", is the total). Districts are ranked by the later period's count, as in the table.

    Examples
    --------
    >>> frame = pd.DataFrame({"district": ["Wyre Forest", "Redditch", "North Worcestershire"],
    ...                       "count_a": [400, 350, 750], "count_b": [420, 300, 720]})
    >>> frame.attrs.update(period_a="2017-18", period_b="2018-19", place="North Worcestershire")
    >>> print(district_summary(frame))  # doctest: +NORMALIZE_WHITESPACE
    In 2018-19 Wyre Forest recorded the most ASB (420), then Redditch (300); Redditch fell and Wyre
    Forest rose. Across North Worcestershire ASB fell 4% (-30) between 2017-18 and 2018-19.
    """
    require_columns(district_frame, _DISTRICT_COLUMNS, "district_summary")
    attrs = district_frame.attrs
    a_label, b_label = _period_labels(attrs)
    what = subject(attrs)
    rows = _records(district_frame)
    total = rows.pop() if rows and rows[-1]["district"] in DISTRICT_TOTALS else None
    if not rows:
        return "No district is in this selection."
    rows.sort(key=lambda r: (-int(r["count_b"]), r["district"]))
    if attrs.get("not_comparable"):
        ranked = [f"{r['district']} ({format_count(r['count_b'], suppress_below)})" for r in rows]
        return f"{_capitalise(what)} recorded in {b_label}: {_join(ranked)}. {attrs['not_comparable']}"
    if len(rows) == 1:
        row = rows[0]
        return (
            f"In {b_label} {row['district']} recorded {format_count(row['count_b'], suppress_below)} "
            f"{what} incidents; {what} {change_phrase(row['count_a'], row['count_b'], suppress_below)} "
            f"between {a_label} and {b_label}."
        )
    leader, others = rows[0], rows[1:]
    ranked = [f"{r['district']} ({format_count(r['count_b'], suppress_below)})" for r in others]
    sentence = (
        f"In {b_label} {leader['district']} recorded the most {what} "
        f"({format_count(leader['count_b'], suppress_below)}), then {_join(ranked)}; "
        f"{_directions(rows, suppress_below)}."
    )
    if total is not None and (int(total["count_a"]) or int(total["count_b"])):
        sentence += (
            f" Across {total['district']} {what} "
            f"{change_phrase(total['count_a'], total['count_b'], suppress_below)} "
            f"between {a_label} and {b_label}."
        )
    return sentence


def _directions(rows: list[dict], suppress_below: int | None = None) -> str:
    """ "all three fell", "both rose", "Redditch fell and Wyre Forest rose (Bromsgrove unchanged)".

    In public mode a district with a hidden count gets no direction (it would rest on the count)."""
    hidden = [r["district"] for r in rows if _row_hidden(r, suppress_below)]
    rows = [r for r in rows if not _row_hidden(r, suppress_below)]
    if hidden:
        aside = f"{_join(hidden)}: fewer than {suppress_below} incidents in a period, not compared"
        return f"{_directions(rows)} ({aside})" if rows else aside
    n = len(rows)
    groups: dict[str, list[str]] = {"fell": [], "rose": [], "unchanged": []}
    for row in rows:
        difference = int(row["count_b"]) - int(row["count_a"])
        groups["rose" if difference > 0 else "fell" if difference < 0 else "unchanged"].append(row["district"])
    if n == 1:
        direction = next(d for d in groups if groups[d])
        return f"{rows[0]['district']} {'was unchanged' if direction == 'unchanged' else direction}"
    everyone = "both" if n == 2 else f"all {_number_word(n)}"
    for direction in ("fell", "rose"):
        if len(groups[direction]) == n:
            return f"{everyone} {direction}"
    if len(groups["unchanged"]) == n:
        return "neither changed" if n == 2 else "none changed"
    text = " and ".join(f"{_join(groups[d])} {d}" for d in ("fell", "rose") if groups[d])
    if groups["unchanged"]:
        text += f" ({_join(groups['unchanged'])} unchanged)"
    return text


# ---------------------------------------------------------------------------
# Seasonal patterns
# ---------------------------------------------------------------------------


def seasonal_summary(summary, suppress_below: int | None = None) -> str:
    """A paragraph on a :class:`analytics.analyses.seasonal.SeasonalSummary`: peak and low month, spring and
    summer against the average, months outside the expected range, how alike the full years were,
    and the missing and partial months.

    Examples
    --------
    On the synthetic extract, all of North Worcestershire, April 2015 to August 2019: "ASB in North
    Worcestershire (Apr 2015–Aug 2019) peaked in October (index 127; 100 is an average month) and
    was lowest in February (87). Spring and summer months were below average; October, November and
    December were above it. No month was outside its expected range. The four full years (2015-16,
    2016-17, 2017-18 and 2018-19) were within 8% of each other (9,876 to 10,650 a year). Aug 2019 is
    partial: the data end on 28 Aug 2019, so it is left out of the comparison."
    """
    needed = (
        "category",
        "place",
        "window",
        "peak_month",
        "peak_index",
        "trough_month",
        "trough_index",
        "spring_below_mean",
        "summer_below_mean",
        "flagged",
        "missing_months",
    )
    missing = [name for name in needed if not hasattr(summary, name)]
    if missing:
        raise AnalyticsError(
            f"seasonal_summary needs an analytics.analyses.seasonal.SeasonalSummary; "
            f"{type(summary).__name__} lacks {', '.join(missing)}.",
            title="Wrong input",
        )
    what = subject({"category": summary.category})
    summary = _shown_months_only(summary, suppress_below)
    sentences = []
    if summary.peak_month is None:
        sentences.append(
            f"There are too few complete months of {what} in {summary.place} "
            f"({summary.window}) to describe a seasonal pattern."
        )
    else:
        first = (
            f"{_capitalise(what)} in {summary.place} ({summary.window}) peaked in {summary.peak_month} "
            f"(index {summary.peak_index}; 100 is an average month)"
        )
        if summary.trough_month and summary.trough_month != summary.peak_month:
            first += f" and was lowest in {summary.trough_month} ({summary.trough_index})"
        sentences.append(first + ".")
        sentences.append(_seasons_sentence(summary))
        sentences.append(_flagged_sentence(summary, suppress_below))
    spread = getattr(summary, "year_total_spread_pct", None)
    totals = getattr(summary, "full_year_totals", None) or {}
    if spread is not None and len(totals) >= 2:
        low, high = min(totals.values()), max(totals.values())
        sentences.append(
            f"The {_number_word(len(totals))} full years ({_join(list(totals))}) were within "
            f"{round_half_up(spread)}% of each other ({format_count(low, suppress_below)} to "
            f"{format_count(high, suppress_below)} a year)."
        )
    if summary.missing_months:
        n = len(summary.missing_months)
        sentences.append(
            f"{n:,} month{'s are' if n != 1 else ' is'} missing from the source and shown as "
            f"{'gaps' if n != 1 else 'a gap'}, not zeros: {month_runs(summary.missing_months)}."
        )
    note = getattr(summary, "partial_note", "")
    if note:
        sentences.append(f"{note}, so {'it is' if ';' not in note else 'they are'} left out of the comparison.")
    return " ".join(s for s in sentences if s)


def _shown_months_only(summary, suppress_below: int | None):
    """The summary as public mode may tell it: its month findings over the calendar months whose
    mean count is shown (the profile chart draws no other), so no sentence places a hidden month.
    Unchanged outside public mode."""
    means = getattr(summary, "month_mean_counts", None) or ()
    if suppress_below is None or len(means) != 12 or summary.peak_month is None:
        return summary
    factors = summary.month_factors
    shown = [
        i for i in range(12) if math.isfinite(means[i]) and means[i] >= suppress_below and math.isfinite(factors[i])
    ]
    if len(shown) == sum(math.isfinite(f) for f in factors):
        return summary  # every month with data is shown
    return dataclasses.replace(summary, **month_findings(factors, summary.month_indices, shown))


def _seasons_sentence(summary) -> str:
    """ "Spring and summer months were below average; October, November and December were above it."."""
    spring, summer = summary.spring_below_mean, summary.summer_below_mean
    if spring is not None and spring == summer:
        parts = ["spring and summer months were " + ("below average" if spring else "not all below average")]
    else:
        parts = [
            f"{season} months were " + ("below average" if below else "not all below average")
            for season, below in (("spring", spring), ("summer", summer))
            if below is not None
        ]
    above = list(getattr(summary, "months_above_mean", ()) or ())
    if above:
        parts.append(
            f"{_join(above)} {'was' if len(above) == 1 else 'were'} above "
            + ("it" if parts and parts[-1].endswith("were below average") else "average")
        )
    return _capitalise("; ".join(parts)) + "." if parts else ""


def _flagged_sentence(summary, suppress_below: int | None) -> str:
    flagged = list(summary.flagged)
    if not flagged:
        return "No month was outside its expected range."
    items = []
    for month in flagged:
        if _hidden(month.count, suppress_below):
            items.append(f"{month.month_label} ({month.direction})")
        else:
            items.append(
                f"{month.month_label} ({format_count(month.count)} against about "
                f"{format_count(round_half_up(month.expected))} expected)"
            )
    n = len(flagged)
    text = (
        f"{_capitalise(_number_word(n))} month{'s were' if n != 1 else ' was'} outside the expected range: "
        f"{_listed(items)}."
    )
    # A 95% range leaves about 1 month in 20 outside by chance: say so before anyone calls a month unusual.
    by_chance = getattr(summary, "flags_expected_by_chance", None)
    with_band = getattr(summary, "months_with_band", None)
    if by_chance is not None and with_band:
        expected = round_half_up(by_chance)
        about = "fewer than one" if expected == 0 else f"about {_number_word(expected)}"
        text += f" By chance alone {about} of the {with_band:,} months would fall outside it."
    return text


# ---------------------------------------------------------------------------
# Recorded crime
# ---------------------------------------------------------------------------


def crime_summary(crime_frame: pd.DataFrame, suppress_below: int | None = None) -> str:
    """The change in recorded crime, its largest rise and fall, and a warning when months are missing.

    Works on :func:`analytics.analyses.crime.crime_ytd` whichever grouping it used (crime type, district or
    ward); its last row is the total.

    Examples
    --------
    >>> frame = pd.DataFrame({"crime_type": ["Burglary", "Drugs", "All recorded crime"],
    ...     "count_a": [100, 50, 150], "count_b": [130, 40, 170], "pct_change": [30, -20, 13],
    ...     "significant": [True, False, False]})
    >>> frame.attrs.update(place="Redditch", category="Recorded crime (excluding ASB)",
    ...                    period_a="2024-25", period_b="2025-26")
    >>> print(crime_summary(frame))  # doctest: +NORMALIZE_WHITESPACE
    Recorded crime in Redditch rose 13% (+20) between 2024-25 and 2025-26. The largest rise was
    Burglary, +30 (+30%, significant); the largest fall was Drugs, -10 (-20%).
    """
    require_columns(crime_frame, ("count_a", "count_b"), "crime_summary")
    label = next((c for c in CRIME_LABEL_COLUMNS if c in crime_frame.columns), None)
    if label is None:
        raise AnalyticsError(
            f"crime_summary needs one of the columns {', '.join(CRIME_LABEL_COLUMNS)}; "
            f"this table has {', '.join(map(str, crime_frame.columns))}.",
            title="Wrong table",
        )
    attrs = crime_frame.attrs
    a_label, b_label = _period_labels(attrs)
    what = subject(attrs)
    place = attrs.get("place") or "the selection"
    rows = _records(crime_frame)
    total = None
    if len(rows) > 1 and rows[-1][label] in (ALL_CRIME, attrs.get("category")):
        total = rows.pop()
    total_a = int(total["count_a"]) if total else sum(int(r["count_a"]) for r in rows)
    total_b = int(total["count_b"]) if total else sum(int(r["count_b"]) for r in rows)
    if total_a == 0 and total_b == 0:
        sentences = [f"No {what} was recorded in {place} in {a_label} or {b_label}."]
    elif attrs.get("not_comparable"):
        return _counts_only(attrs, what, place, total_a, total_b, suppress_below)
    else:
        sentences = [
            f"{_capitalise(what)} in {place} {change_phrase(total_a, total_b, suppress_below)} "
            f"between {a_label} and {b_label}."
        ]
    if len(rows) > 1:
        parts = []
        shown = [r for r in rows if not _row_hidden(r, suppress_below)]
        for direction, sign in (("rise", 1), ("fall", -1)):
            moved = [r for r in shown if sign * (int(r["count_b"]) - int(r["count_a"])) > 0]
            if not moved:
                continue
            row = min(moved, key=lambda r: (-sign * (int(r["count_b"]) - int(r["count_a"])), str(r[label])))
            notes = [_row_change(row, suppress_below)]
            if bool(row.get("significant", False)):
                notes.append("significant")
            difference = format_signed(int(row["count_b"]) - int(row["count_a"]))
            parts.append(f"the largest {direction} was {row[label]}, {difference} ({', '.join(notes)})")
        if parts:
            sentences.append(_capitalise("; ".join(parts)) + ".")
    for period_label, key in ((a_label, "missing_months_a"), (b_label, "missing_months_b")):
        months = attrs.get(key) or []
        if months:
            n = len(months)
            sentences.append(
                f"Not like for like: {n} month{'s' if n != 1 else ''} of {period_label} "
                f"{'are' if n != 1 else 'is'} missing from the source ({month_runs(months)})."
            )
    return " ".join(sentences)


# ---------------------------------------------------------------------------
# Incident types
# ---------------------------------------------------------------------------

_TYPE_COLUMNS = ("type", "count_a", "count_b", "mean", "mean_pct", "significant")


def incident_types_summary(frame: pd.DataFrame, suppress_below: int | None = None) -> str:
    """The total's change, the most common types with their share, and the types that changed
    significantly, on :func:`analytics.analyses.incident_types.incident_types`.

    The share is the table's mean percentage: each type's mean of the two periods over the sum of
    the means, as the panel published it.

    Examples
    --------
    >>> frame = pd.DataFrame({"type": ["Other", "Begging"], "count_a": [90, 30], "count_b": [110, 10],
    ...     "pct_change": [22, -67], "mean": [100, 20], "mean_pct": [83, 17], "significant": [False, True]})
    >>> frame.attrs.update(place="Redditch", period_a="2017-18", period_b="2018-19")
    >>> print(incident_types_summary(frame))  # doctest: +NORMALIZE_WHITESPACE
    ASB in Redditch was unchanged at 120 between 2017-18 and 2018-19. Over the two periods the most
    common types were Other (83% of incidents) and Begging (17%). Begging changed significantly: it
    fell 67% (-20).
    """
    require_columns(frame, _TYPE_COLUMNS, "incident_types_summary")
    attrs = frame.attrs
    a_label, b_label = _period_labels(attrs)
    what = subject(attrs)
    place = attrs.get("place") or "the selection"
    rows = _records(frame)
    total_a, total_b = sum(int(r["count_a"]) for r in rows), sum(int(r["count_b"]) for r in rows)
    if total_a == 0 and total_b == 0:
        return f"No {what} was recorded in {place} in {a_label} or {b_label}."
    if attrs.get("not_comparable"):
        return _counts_only(attrs, what, place, total_a, total_b, suppress_below)
    sentences = [
        f"{_capitalise(what)} in {place} {change_phrase(total_a, total_b, suppress_below)} "
        f"between {a_label} and {b_label}."
    ]

    kind = "types" if attrs.get("grouped_by", "key-word type") == "key-word type" else "crime types"
    used = [r for r in rows if int(r["count_a"]) or int(r["count_b"])]
    used.sort(key=lambda r: (-int(r["mean"]), str(r["type"])))
    shares = []
    for row in used[:MAX_LISTED]:
        if _row_hidden(row, suppress_below) or _missing(row["mean_pct"]):
            shares.append(str(row["type"]))
        else:
            shares.append(f"{row['type']} ({int(row['mean_pct'])}%{'' if shares else ' of incidents'})")
    if len(used) == 1:
        sentences.append(f"Over the two periods the only {kind[:-1]} recorded was {used[0]['type']}.")
    else:
        sentences.append(f"Over the two periods the most common {kind} were {_join(shares)}.")

    significant = [r for r in rows if bool(r["significant"]) and not _row_hidden(r, suppress_below)]
    if not significant:
        sentences.append(f"No {kind[:-1]} changed significantly.")
    elif len(significant) == 1:
        only = significant[0]
        sentences.append(f"{only['type']} changed significantly: it {change_phrase(only['count_a'], only['count_b'])}.")
    else:
        items = [f"{r['type']} {change_phrase(r['count_a'], r['count_b'])}" for r in significant]
        sentences.append(f"{_capitalise(_number_word(len(items)))} {kind} changed significantly: {_listed(items)}.")
    return " ".join(sentences)
