"""Reading an analysis frame for a chart: its numbers, flags, labels and public-mode threshold.

The chart modules (:mod:`analytics.present.charts`, its traces and its text alternatives) read a
frame's columns and its :class:`~analytics.core.table_meta.TableMeta` through these, so a number
hidden in one is hidden in all. Whether a value is hidden is the disclosure rule's own test
(:func:`analytics.core.disclosure.is_hidden`).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pandas as pd

from analytics.core import disclosure
from analytics.core.errors import AnalyticsError
from analytics.core.periods import round_half_up
from analytics.core.table_meta import TableMeta, meta_of
from analytics.core.vocabulary import GRAND_TOTAL, suppressed_label
from analytics.present.layout import SIGNIFICANT_MARK, SMALL_NUMBERS_MARK
from analytics.present.words import format_count, subject

MONTH_ABBREVIATIONS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def threshold_for(frame: pd.DataFrame, suppress_below: int | None) -> int | None:
    """The public-mode threshold: ``suppress_below``, else the one a suppressed frame carries."""
    if suppress_below is None:
        suppress_below = meta_of(frame).suppressed_below
    if suppress_below is None:
        return None
    if isinstance(suppress_below, bool) or not isinstance(suppress_below, int) or suppress_below < 1:
        raise AnalyticsError(
            f"suppress_below must be a whole number of 1 or more (e.g. 5) or None; got {suppress_below!r}.",
            title="Invalid threshold",
        )
    return suppress_below


def as_numbers(values: Iterable) -> list[float | None]:
    """Numbers as floats, None where missing or not a number (e.g. an already suppressed "<5")."""
    series = pd.to_numeric(pd.Series(list(values), dtype=object), errors="coerce")
    # Whole numbers stay whole, so a count reads 30 and not 30.0 in the figure's data.
    return [None if pd.isna(v) else int(v) if float(v).is_integer() else float(v) for v in series]


def is_hidden(value: float | None, threshold: int | None) -> bool:
    """A count public mode does not show: hidden by the disclosure rule, or already suppressed (None)."""
    if threshold is None:
        return False
    return value is None or disclosure.is_hidden(value, threshold)


def hidden_text(threshold: int | None) -> str:
    """What stands in for a hidden value: "<5". Only public mode hides a value, so with no
    threshold there is nothing to stand in for ("")."""
    return "" if threshold is None else suppressed_label(threshold)


def flags_of(frame: pd.DataFrame, column: str) -> list[bool]:
    """A true/false column as booleans; all False when the frame has no such column."""
    if column not in frame.columns:
        return [False] * len(frame)
    # Missing, NA and a suppressed "" are False.
    return [v is True or (not isinstance(v, str) and not pd.isna(v) and bool(v)) for v in frame[column].tolist()]


def period_labels(meta: TableMeta) -> tuple[str, str]:
    a, b = meta.period_labels
    return a or "Period A", b or "Period B"


def title_subject(meta: TableMeta) -> str:
    """ "ASB", "Recorded crime", "Burglary": the subject at the start of a title."""
    word = subject(meta)
    return word[:1].upper() + word[1:]


def place_of(meta: TableMeta) -> str:
    return meta.place or "the selection"


def fmt_count(value: float | None, threshold: int | None = None) -> str:
    """A count for a label: "1,234", or "<5" when hidden."""
    if is_hidden(value, threshold):
        return hidden_text(threshold)
    return "n/a" if value is None else format_count(round_half_up(value))


def fmt_rate(value: float | None) -> str:
    return "n/a" if value is None else f"{value:,.1f}"


def month_start(value) -> datetime.date:
    """The first day of a month given as a date, a timestamp or text."""
    if isinstance(value, datetime.datetime):
        return value.date().replace(day=1)
    if isinstance(value, datetime.date):
        return value.replace(day=1)
    stamp = pd.Timestamp(value)
    return datetime.date(stamp.year, stamp.month, 1)


def true_runs(flags: Sequence[bool]) -> list[tuple[int, int]]:
    """(start, stop) index pairs of the runs of True."""
    runs, start = [], None
    for i, flag in enumerate(list(flags) + [False]):
        if flag and start is None:
            start = i
        elif not flag and start is not None:
            runs.append((start, i))
            start = None
    return runs


def monthly_arrays(frame: pd.DataFrame, threshold: int | None):
    """A monthly series as lists: months, counts, present, partial and hidden (public mode)."""
    months = [month_start(m) for m in frame.month]
    counts = as_numbers(frame["count"])
    present = flags_of(frame, "present") if "present" in frame.columns else [c is not None for c in counts]
    partial = flags_of(frame, "partial")
    # A month is hidden in public mode when the source has it but its count is below the threshold.
    hidden = [p and is_hidden(c, threshold) for p, c in zip(present, counts, strict=False)]
    return months, counts, present, partial, hidden


@dataclass(frozen=True)
class WardRows:
    """The wards of a :func:`analytics.analyses.wards.ward_deltas` frame as a chart reads them.

    ``labels`` are the names with "*" (significant) and "†" (small numbers) after them; a ward is
    ``hidden`` in public mode when either period's count is, and then is never ``significant``.
    """

    frame: pd.DataFrame  # the ward rows, without the Grand Total
    names: list[str]
    labels: list[str]
    counts_a: list
    counts_b: list
    hidden: list[bool]
    significant: list[bool]
    small: list[bool]
    p_values: list
    pcts: list


def ward_rows(frame: pd.DataFrame, threshold: int | None) -> WardRows:
    """The wards of a ward_deltas frame (its Grand Total row left out), read for a chart."""
    wards = frame[frame.ward_name != GRAND_TOTAL]
    names = [str(n) for n in wards.ward_name]
    counts_a, counts_b = as_numbers(wards.count_a), as_numbers(wards.count_b)
    hidden = [is_hidden(a, threshold) or is_hidden(b, threshold) for a, b in zip(counts_a, counts_b, strict=False)]
    significant = [s and not h for s, h in zip(flags_of(wards, "significant"), hidden, strict=False)]
    small = flags_of(wards, "small_numbers")
    labels = [
        name + (f" {SIGNIFICANT_MARK}" if sig else "") + (f" {SMALL_NUMBERS_MARK}" if sm else "")
        for name, sig, sm in zip(names, significant, small, strict=False)
    ]
    p_values = as_numbers(wards["p_value"]) if "p_value" in wards.columns else [None] * len(wards)
    if "pct_change" in wards.columns:
        pcts = as_numbers(wards["pct_change"])
    else:
        pcts = [
            None if not a else 100 * (b - a) / a if a is not None and b is not None else None
            for a, b in zip(counts_a, counts_b, strict=False)
        ]
    return WardRows(wards, names, labels, counts_a, counts_b, hidden, significant, small, p_values, pcts)


def month_names(frame: pd.DataFrame) -> dict[int, str]:
    """Position (1..12) -> month name, as the frame gives them (April first for financial years)."""
    if "month_name" not in frame.columns:
        return {}
    first = frame.drop_duplicates("position").sort_values("position")
    return {int(p): str(n) for p, n in zip(first.position, first.month_name, strict=False)}


def year_series(frame: pd.DataFrame, threshold: int | None) -> dict[str, tuple]:
    """Each year's months as (positions, counts, partial, hidden, line), in year order; years with
    nothing to draw are left out. ``line`` is the counts as drawn (None for a gap, a partial or a
    hidden month)."""
    order = (
        frame.sort_values(["year", "position"], kind="stable")
        if "year" in frame.columns
        else frame.sort_values("position", kind="stable")
    )
    years: dict[str, tuple] = {}
    for year in dict.fromkeys(str(y) for y in order.year_label):
        rows = order[order.year_label.astype(str) == year]
        counts = as_numbers(rows["count"])
        if all(c is None for c in counts):
            continue
        partial = flags_of(rows, "partial")
        hidden = [c is not None and is_hidden(c, threshold) for c in counts]
        line = [c if not q and not h else None for c, q, h in zip(counts, partial, hidden, strict=False)]
        years[year] = ([int(p) for p in rows.position], counts, partial, hidden, line)
    return years


def month_numbers(frame: pd.DataFrame, abbreviations: list[str]) -> list[int]:
    """Each row's month of the year, 1-12 (0 when it cannot be told)."""
    if "month_of_year" in frame.columns:
        return [int(m) for m in frame.month_of_year]
    return [MONTH_ABBREVIATIONS.index(a) + 1 if a in MONTH_ABBREVIATIONS else 0 for a in abbreviations]
