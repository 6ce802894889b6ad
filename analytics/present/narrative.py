"""Plain English from the analysis tables: the sentences a page (or a report) puts beside a table.

Every sentence is built from the frame it is given (its values and its
:class:`~analytics.core.table_meta.TableMeta`, read by :func:`~analytics.core.table_meta.meta_of`),
never from numbers written here, so it says what the table says, whichever source, place and
periods were chosen. Numbers and lists are written by :mod:`analytics.present.words` (the
conventions are there); the seasonal paragraph is :mod:`analytics.present.seasonal_narrative`.

Public mode: with ``suppress_below`` set, a count public mode hides
(:func:`analytics.core.disclosure.is_hidden`) reads ``"<5"`` and nothing derived from it on the
same row (difference, percentage, rate, mean) is written, as :mod:`analytics.core.disclosure` does
for tables. Secondary suppression (a hidden count recovered by subtracting the shown ones from a
total) is not attempted.

Examples
--------
On the synthetic extract, Redditch, 2017-18 against 2018-19, :func:`ward_summary` gives
"ASB in Redditch fell 8% (-265) between 2017-18 and 2018-19; 4 of 12 wards rose, one of them
significantly: Headless Cross and Oakenshaw, +20%."
"""

from __future__ import annotations

import dataclasses

import pandas as pd

from analytics.core.disclosure import is_hidden
from analytics.core.errors import AnalyticsError
from analytics.core.periods import month_runs, pct_change
from analytics.core.table_meta import PeriodCoverage, TableMeta, meta_of
from analytics.core.vocabulary import ALL_CRIME, GRAND_TOTAL, NORTH_WORCESTERSHIRE
from analytics.present.seasonal_narrative import seasonal_summary
from analytics.present.words import (
    MAX_LISTED,
    MINUS,
    capitalise,
    change_phrase,
    format_count,
    format_signed,
    format_signed_pct,
    is_missing,
    join_and,
    listed,
    number_word,
    require_columns,
    subject,
)

__all__ = [
    "MINUS",
    "MAX_LISTED",
    "format_count",
    "format_signed",
    "format_signed_pct",
    "subject",
    "change_phrase",
    "require_columns",
    "ward_summary",
    "one_ward_summary",
    "ward_rises",
    "district_summary",
    "seasonal_summary",
    "crime_summary",
    "incident_types_summary",
    "hotspot_count_sentence",
]

DISTRICT_TOTALS = (NORTH_WORCESTERSHIRE, "Total")
CRIME_LABEL_COLUMNS = ("crime_type", "ward_name", "district")  # a ward table also has district


def _period_labels(meta: TableMeta) -> tuple[str, str]:
    a, b = meta.period_labels
    return a or "period A", b or "period B"


def _records(frame: pd.DataFrame) -> list[dict]:
    """The rows of a frame as dicts (``row["pct_change"]``, never ``row.pct_change``, which on a
    pandas row is a method)."""
    return frame.to_dict("records")


def _holds_no_month(period: PeriodCoverage | None) -> bool:
    """Whether the source holds no month of the period: it has no count at all, not 0."""
    return period is not None and period.months > 0 and period.held == 0


def _counts_only(meta: TableMeta, what: str, place: str, total_a, total_b, suppress_below: int | None) -> str:
    """The sentence for two periods that are not like for like (months missing from the source):
    what was recorded in each, and why no change is given (``meta.not_comparable``)."""
    a_label, b_label = _period_labels(meta)
    counts = [
        f"{format_count(total, suppress_below)} in {label}"
        for total, label, period in ((total_b, b_label, meta.period_b), (total_a, a_label, meta.period_a))
        if not _holds_no_month(period)
    ]
    return f"{capitalise(what)} in {place}: {', '.join(counts) or 'no month held'}. {meta.not_comparable}"


def _row_hidden(row: dict, suppress_below: int | None) -> bool:
    return is_hidden(row["count_a"], suppress_below) or is_hidden(row["count_b"], suppress_below)


def _row_pct(row: dict):
    """The row's whole percentage change, or None from zero (computed when the table lacks it)."""
    if "pct_change" in row:
        return None if is_missing(row["pct_change"]) else int(row["pct_change"])
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
    >>> from analytics.core.table_meta import with_meta
    >>> frame = pd.DataFrame({
    ...     "ward_name": ["Abbey", "West", "Grand Total"], "count_a": [200, 40, 240],
    ...     "count_b": [260, 30, 290], "pct_change": [30, -25, 21],
    ...     "significant": [True, False, True], "small_numbers": [False, False, False]})
    >>> frame = with_meta(frame, TableMeta(place="Redditch", period_a=PeriodCoverage("2017-18"),
    ...                                    period_b=PeriodCoverage("2018-19")))
    >>> ward_summary(frame)
    'ASB in Redditch rose 21% (+50) between 2017-18 and 2018-19; 1 of 2 wards rose: Abbey, +30%, significantly.'
    """
    require_columns(ward_frame, _WARD_COLUMNS, "ward_summary")
    meta = meta_of(ward_frame)
    a_label, b_label = _period_labels(meta)
    rows = _records(ward_frame)
    totals = [r for r in rows if r["ward_name"] == GRAND_TOTAL]
    wards = [r for r in rows if r["ward_name"] != GRAND_TOTAL]
    if totals:
        total_a, total_b = int(totals[0]["count_a"]), int(totals[0]["count_b"])
        total_small = bool(totals[0]["small_numbers"])
    else:
        total_a, total_b = sum(int(r["count_a"]) for r in wards), sum(int(r["count_b"]) for r in wards)
        total_small = False
    place = meta.place or "the selected wards"
    what = subject(meta)

    if total_a == 0 and total_b == 0:
        return f"No {what} was recorded in {place} in {a_label} or {b_label}."
    if meta.not_comparable:
        return _counts_only(meta, what, place, total_a, total_b, suppress_below)
    opening = (
        f"{capitalise(what)} in {place} {change_phrase(total_a, total_b, suppress_below)} "
        f"between {a_label} and {b_label}"
    )
    if total_small:
        return opening + ": too few incidents to call."

    sentence = opening + _ward_clause(wards, suppress_below) + "."
    small = [r["ward_name"] for r in wards if r["small_numbers"]]
    if small and len(wards) > 1:
        if len(small) <= MAX_LISTED:
            sentence += f" {join_and(small)} had too few incidents to call."
        else:
            sentence += f" {len(small)} wards had too few incidents to call."
    return sentence


def one_ward_summary(ward_frame: pd.DataFrame, ward_code: str, suppress_below: int | None = None) -> str:
    """The sentence of :func:`ward_summary` for one ward of the table (a councillor's ward), or ""
    when the table does not hold it.

    Examples
    --------
    >>> from analytics.core.table_meta import with_meta
    >>> frame = with_meta(pd.DataFrame({
    ...     "ward_code": ["E1", "E2"], "ward_name": ["Abbey", "West"], "count_a": [200, 40],
    ...     "count_b": [170, 30], "pct_change": [-15, -25], "significant": [True, False],
    ...     "small_numbers": [False, False]}), TableMeta(
    ...     place="Redditch", period_a=PeriodCoverage("2017-18"), period_b=PeriodCoverage("2018-19")))
    >>> one_ward_summary(frame, "E1")
    'ASB in Abbey fell 15% (-30) between 2017-18 and 2018-19: a significant change.'
    >>> one_ward_summary(frame, "E2", suppress_below=5)
    'ASB in West fell 25% (-10) between 2017-18 and 2018-19: not a significant change.'
    """
    rows = [r for r in _records(ward_frame) if r.get("ward_code") == ward_code]
    if not rows:
        return ""
    row, meta = rows[0], meta_of(ward_frame)
    a_label, b_label = _period_labels(meta)
    what, place = subject(meta), str(row["ward_name"])
    count_a, count_b = int(row["count_a"]), int(row["count_b"])
    if count_a == 0 and count_b == 0:
        return f"No {what} was recorded in {place} in {a_label} or {b_label}."
    if meta.not_comparable:
        return _counts_only(meta, what, place, count_a, count_b, suppress_below)
    opening = (
        f"{capitalise(what)} in {place} {change_phrase(count_a, count_b, suppress_below)} "
        f"between {a_label} and {b_label}"
    )
    if _row_hidden(row, suppress_below):
        return opening + "."
    if _true(row["small_numbers"]):
        return opening + ": too few incidents to call."
    return opening + (": a significant change." if _true(row["significant"]) else ": not a significant change.")


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
    return clause + f", {number_word(m)} of them significantly: {listed(items, sep='; ')}"


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
    >>> from analytics.core.table_meta import with_meta
    >>> frame = pd.DataFrame({"district": ["Wyre Forest", "Redditch", "North Worcestershire"],
    ...                       "count_a": [400, 350, 750], "count_b": [420, 300, 720]})
    >>> frame = with_meta(frame, TableMeta(period_a=PeriodCoverage("2017-18"),
    ...                                    period_b=PeriodCoverage("2018-19"), place="North Worcestershire"))
    >>> print(district_summary(frame))  # doctest: +NORMALIZE_WHITESPACE
    In 2018-19 Wyre Forest recorded the most ASB (420), then Redditch (300); Redditch fell and Wyre
    Forest rose. Across North Worcestershire ASB fell 4% (-30) between 2017-18 and 2018-19.
    """
    require_columns(district_frame, _DISTRICT_COLUMNS, "district_summary")
    meta = meta_of(district_frame)
    a_label, b_label = _period_labels(meta)
    what = subject(meta)
    rows = _records(district_frame)
    total = rows.pop() if rows and rows[-1]["district"] in DISTRICT_TOTALS else None
    if not rows:
        return "No district is in this selection."
    rows.sort(key=lambda r: (-int(r["count_b"]), r["district"]))
    if meta.not_comparable:
        ranked = [f"{r['district']} ({format_count(r['count_b'], suppress_below)})" for r in rows]
        return f"{capitalise(what)} recorded in {b_label}: {join_and(ranked)}. {meta.not_comparable}"
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
        f"({format_count(leader['count_b'], suppress_below)}), then {join_and(ranked)}; "
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
        aside = f"{join_and(hidden)}: fewer than {suppress_below} incidents in a period, not compared"
        return f"{_directions(rows)} ({aside})" if rows else aside
    n = len(rows)
    groups: dict[str, list[str]] = {"fell": [], "rose": [], "unchanged": []}
    for row in rows:
        difference = int(row["count_b"]) - int(row["count_a"])
        groups["rose" if difference > 0 else "fell" if difference < 0 else "unchanged"].append(row["district"])
    if n == 1:
        direction = next(d for d in groups if groups[d])
        return f"{rows[0]['district']} {'was unchanged' if direction == 'unchanged' else direction}"
    everyone = "both" if n == 2 else f"all {number_word(n)}"
    for direction in ("fell", "rose"):
        if len(groups[direction]) == n:
            return f"{everyone} {direction}"
    if len(groups["unchanged"]) == n:
        return "neither changed" if n == 2 else "none changed"
    text = " and ".join(f"{join_and(groups[d])} {d}" for d in ("fell", "rose") if groups[d])
    if groups["unchanged"]:
        text += f" ({join_and(groups['unchanged'])} unchanged)"
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
    >>> from analytics.core.table_meta import with_meta
    >>> frame = pd.DataFrame({"crime_type": ["Burglary", "Drugs", "All recorded crime"],
    ...     "count_a": [100, 50, 150], "count_b": [130, 40, 170], "pct_change": [30, -20, 13],
    ...     "significant": [True, False, False]})
    >>> frame = with_meta(frame, TableMeta(place="Redditch", measure="Recorded crime (excluding ASB)",
    ...                                    period_a=PeriodCoverage("2024-25"), period_b=PeriodCoverage("2025-26")))
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
    meta = meta_of(crime_frame)
    a_label, b_label = _period_labels(meta)
    what = subject(meta)
    place = meta.place or "the selection"
    rows = _records(crime_frame)
    total = None
    if len(rows) > 1 and rows[-1][label] in (ALL_CRIME, meta.measure):
        total = rows.pop()
    total_a = int(total["count_a"]) if total else sum(int(r["count_a"]) for r in rows)
    total_b = int(total["count_b"]) if total else sum(int(r["count_b"]) for r in rows)
    if total_a == 0 and total_b == 0:
        sentences = [f"No {what} was recorded in {place} in {a_label} or {b_label}."]
    elif meta.not_comparable:
        return _counts_only(meta, what, place, total_a, total_b, suppress_below)
    else:
        sentences = [
            f"{capitalise(what)} in {place} {change_phrase(total_a, total_b, suppress_below)} "
            f"between {a_label} and {b_label}."
        ]
    if len(rows) > 1:
        sentences.append(_largest_moves(rows, label, suppress_below))
    sentences += _missing_months_sentences(meta)
    return " ".join(s for s in sentences if s)


def _largest_moves(rows: list[dict], label: str, suppress_below: int | None) -> str:
    """ "The largest rise was Burglary, +30 (+30%, significant); the largest fall was Drugs, -10 (-20%).",
    over the rows public mode shows; "" when none moved."""
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
    return capitalise("; ".join(parts)) + "." if parts else ""


def _missing_months_sentences(meta: TableMeta) -> list[str]:
    """ "Not like for like: 3 months of 2016-17 are missing from the source (May–Jul 2024).", a period each."""
    sentences = []
    # The bare label: the sentence itself says which months are missing.
    for period in (meta.period_a, meta.period_b):
        months = period.missing if period is not None else ()
        period_label = period.label if period is not None else ""
        if months:
            n = len(months)
            sentences.append(
                f"Not like for like: {n} month{'s' if n != 1 else ''} of {period_label} "
                f"{'are' if n != 1 else 'is'} missing from the source ({month_runs(months)})."
            )
    return sentences


#: Hot spots in a sentence a councillor can follow; the Where? page puts the method in full
#: (the table's ``meta.method``, with Gi*'s thresholds) under it, in "How this is worked out".
HOTSPOTS_IN_WORDS = (
    "The map divides the area into squares of 250 m. A hot spot is a square that, together with the "
    "squares around it, holds more incidents than chance would put there; a cold spot holds fewer. "
    "So a square can be hot because its neighbours are busy even if it had no incident itself. "
    "The thicker the outline, the surer the finding: 90%, 95% or 99% confidence."
)


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
    >>> from analytics.core.table_meta import with_meta
    >>> frame = pd.DataFrame({"type": ["Other", "Begging"], "count_a": [90, 30], "count_b": [110, 10],
    ...     "pct_change": [22, -67], "mean": [100, 20], "mean_pct": [83, 17], "significant": [False, True]})
    >>> frame = with_meta(frame, TableMeta(place="Redditch", period_a=PeriodCoverage("2017-18"),
    ...                                    period_b=PeriodCoverage("2018-19")))
    >>> print(incident_types_summary(frame))  # doctest: +NORMALIZE_WHITESPACE
    ASB in Redditch was unchanged at 120 between 2017-18 and 2018-19. Over the two periods the most
    common types were Other (83% of incidents) and Begging (17%). Begging changed significantly: it
    fell 67% (-20).
    """
    require_columns(frame, _TYPE_COLUMNS, "incident_types_summary")
    meta = meta_of(frame)
    a_label, b_label = _period_labels(meta)
    what = subject(meta)
    place = meta.place or "the selection"
    rows = _records(frame)
    total_a, total_b = sum(int(r["count_a"]) for r in rows), sum(int(r["count_b"]) for r in rows)
    if total_a == 0 and total_b == 0:
        return f"No {what} was recorded in {place} in {a_label} or {b_label}."
    if meta.not_comparable:
        return _counts_only(meta, what, place, total_a, total_b, suppress_below)
    sentences = [
        f"{capitalise(what)} in {place} {change_phrase(total_a, total_b, suppress_below)} "
        f"between {a_label} and {b_label}."
    ]

    kind = "types" if (meta.grouped_by or "key-word type") == "key-word type" else "crime types"
    sentences += _most_common(rows, kind, suppress_below)

    significant = [r for r in rows if bool(r["significant"]) and not _row_hidden(r, suppress_below)]
    if not significant:
        sentences.append(f"No {kind[:-1]} changed significantly.")
    elif len(significant) == 1:
        only = significant[0]
        sentences.append(f"{only['type']} changed significantly: it {change_phrase(only['count_a'], only['count_b'])}.")
    else:
        items = [f"{r['type']} {change_phrase(r['count_a'], r['count_b'])}" for r in significant]
        sentences.append(f"{capitalise(number_word(len(items)))} {kind} changed significantly: {listed(items)}.")
    return " ".join(sentences)


def _most_common(rows: list[dict], kind: str, suppress_below: int | None) -> list[str]:
    """The most common types over the two periods, with their share. In public mode a type with a
    hidden count is not ranked (its place in the list, or its being in it at all, would tell how
    many incidents it had), and no type is called the only one while others are hidden."""
    hidden = [r for r in rows if _row_hidden(r, suppress_below)]
    used = [r for r in rows if (int(r["count_a"]) or int(r["count_b"])) and r not in hidden]
    used.sort(key=lambda r: (-int(r["mean"]), str(r["type"])))
    shares = []
    for row in used[:MAX_LISTED]:
        if is_missing(row["mean_pct"]):
            shares.append(str(row["type"]))
        else:
            shares.append(f"{row['type']} ({int(row['mean_pct'])}%{'' if shares else ' of incidents'})")
    if not used:
        return []
    if len(used) == 1 and not hidden:
        return [f"Over the two periods the only {kind[:-1]} recorded was {used[0]['type']}."]
    return [f"Over the two periods the most common {kind} were {join_and(shares)}."]


def hotspot_count_sentence(summary: dict[str, int]) -> str:
    """What the hot-spot map found (the lattice's counts): how many cells are hot, how many of those
    hold no incident themselves (hot by their neighbours); when none is hot or cold, why.

    >>> print(hotspot_count_sentence({"hot_cells": 12, "hot_cells_99": 5, "hot_cells_without_incidents": 3,
    ...                               "cold_cells": 0, "cells_with_incidents": 40}))  # doctest: +NORMALIZE_WHITESPACE
    **12 hot cells** (5 at 99%); 40 cells had at least one incident. 3 of the hot cells had no
    incident themselves: they are hot because the cells around them are busy.
    >>> hotspot_count_sentence({"hot_cells": 0, "hot_cells_99": 0, "cold_cells": 0,
    ...                         "cells_with_incidents": 9})[:23]
    '**No hot or cold spot**'
    """
    hot, empty = summary["hot_cells"], summary.get("hot_cells_without_incidents", 0)
    with_incidents = summary["cells_with_incidents"]
    if hot == 0 and summary.get("cold_cells", 0) == 0:
        return (
            f"**No hot or cold spot**: the {with_incidents:,} cells with incidents are no more clustered than "
            "chance would place them, at 90% confidence or more (few incidents, or spread evenly), so no "
            "area stands out."
        )
    sentence = (
        f"**{hot:,} hot cell{'s' if hot != 1 else ''}** ({summary['hot_cells_99']:,} at 99%); "
        f"{with_incidents:,} cells had at least one incident."
    )
    if empty:
        sentence += (
            f" {empty:,} of the hot cells had no incident themselves: they are hot because the cells around "
            "them are busy."
        )
    return sentence
