"""Text alternatives of the charts: a sentence or two with each chart's key numbers.

A builder of :mod:`analytics.present.charts` writes its description into ``layout.meta`` with
one of the functions here; :func:`alt_text` reads it back for a page, a screen reader or the
briefing. In public mode a description says how many values are not shown, never what they are.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence

import pandas as pd
import plotly.graph_objects as go

from analytics.core.periods import month_label, month_runs, round_half_up
from analytics.core.table_meta import TableMeta
from analytics.present.chart_values import (
    WardRows,
    as_numbers,
    fmt_count,
    fmt_rate,
    is_hidden,
    period_labels,
    place_of,
)
from analytics.present.words import change_phrase, format_signed, format_signed_pct, subject


def alt_text(fig: go.Figure) -> str:
    """The text alternative of a figure made here: a sentence or two with its key numbers."""
    meta = fig.layout.meta
    if isinstance(meta, dict) and meta.get("alt_text"):
        return str(meta["alt_text"])
    title = fig.layout.title.text if fig.layout.title and fig.layout.title.text else "A chart"
    return f"{title}. No text alternative was recorded for this figure."


def change_text(difference: float, pct: float | None, measure: str) -> str:
    """A ward's change as a label: "+30 (+25%)", "+4 (new)", or "+25%" for ``pct_change``."""
    diff = format_signed(round_half_up(difference))
    if pct is None:
        return f"{diff} (new)" if difference > 0 else diff
    if measure == "pct_change":
        return format_signed_pct(round_half_up(pct))
    return f"{diff} ({format_signed_pct(round_half_up(pct))})"


# ---------------------------------------------------------------------------
# Two periods side by side
# ---------------------------------------------------------------------------


def incident_types_alt(types: list[str], counts_a: list, counts_b: list, meta: TableMeta, threshold: int | None) -> str:
    a_label, b_label = period_labels(meta)
    grouped_by = meta.grouped_by or "key-word type"
    top = [
        f"{name}, {fmt_count(ca, threshold)} then {fmt_count(cb, threshold)}"
        for name, ca, cb in list(zip(types, counts_a, counts_b, strict=False))[:3]
    ]
    if not types:
        return f"No {subject(meta)} by {grouped_by} in {place_of(meta)} for {a_label} and {b_label}."
    return (
        f"Horizontal bar chart of {subject(meta)} in {place_of(meta)} by {grouped_by}, {a_label} and "
        f"{b_label}: {len(types)} type{'s' if len(types) != 1 else ''}. Most common: {'; '.join(top)}."
    )


def ward_change_alt(names, counts_a, counts_b, pcts, significant, hidden, meta, threshold) -> str:
    """How many wards rose and fell, the largest rise and fall, and how many changes are significant."""
    a_label, b_label = period_labels(meta)
    what, place = subject(meta), place_of(meta)
    shown = [i for i in range(len(names)) if not hidden[i] and counts_a[i] is not None and counts_b[i] is not None]
    if not names:
        return f"No wards in {place} for {a_label} and {b_label}."
    rises = [i for i in shown if counts_b[i] > counts_a[i]]
    falls = [i for i in shown if counts_b[i] < counts_a[i]]
    text = (
        f"Bar chart of the change in {what} in each of {len(names)} wards of {place} from {a_label} to "
        f"{b_label}: {len(rises)} rose, {len(falls)} fell"
    )
    same = len(shown) - len(rises) - len(falls)
    text += f", {same} unchanged." if same else "."

    def describe(i: int) -> str:
        detail = change_text(counts_b[i] - counts_a[i], pcts[i], "difference")
        return f"{names[i]}, {detail}" + (", significant" if significant[i] else "")

    if rises:
        text += f" Largest rise: {describe(max(rises, key=lambda i: (counts_b[i] - counts_a[i], -i)))}."
    if falls:
        text += f" Largest fall: {describe(min(falls, key=lambda i: (counts_b[i] - counts_a[i], i)))}."
    n_sig = sum(significant)
    if n_sig:
        text += f" {n_sig} significant change{'s' if n_sig != 1 else ''}."
    n_hidden = sum(hidden)
    if n_hidden:
        text += (
            f" {n_hidden} ward{'s' if n_hidden != 1 else ''} with fewer than {threshold} incidents in a "
            "period not shown."
        )
    return text


def ward_level_alt(names, counts_a, counts_b, wards, measure, meta, threshold) -> str:
    """The highest and lowest ward in period B, by count or by rate."""
    a_label, b_label = period_labels(meta)
    what, place = subject(meta), place_of(meta)
    if not names:
        return f"No wards in {place} for {a_label} and {b_label}."
    if measure == "count":
        values = counts_b
        fmt: Callable = fmt_count
        unit = "incidents"
    else:
        values = as_numbers(wards.rate_b_per_1000)
        fmt = fmt_rate
        unit = "per 1,000 residents"
    shown = [
        i
        for i in range(len(names))
        if values[i] is not None and not (is_hidden(counts_a[i], threshold) or is_hidden(counts_b[i], threshold))
    ]
    text = f"Bar chart of {what} {unit} in each of {len(names)} wards of {place}, {a_label} and {b_label}."
    if shown:
        top = max(shown, key=lambda i: (values[i], -i))
        low = min(shown, key=lambda i: (values[i], i))
        text += f" Highest in {b_label}: {names[top]}, {fmt(values[top])}; lowest: {names[low]}, {fmt(values[low])}."
    hidden = len(names) - len(shown)
    if threshold and hidden:
        text += f" {hidden} ward{'s' if hidden != 1 else ''} not shown (fewer than {threshold} incidents)."
    return text


def ward_alt(wards: WardRows, measure: str, meta: TableMeta, threshold: int | None) -> str:
    if measure not in ("difference", "pct_change"):
        return ward_level_alt(wards.names, wards.counts_a, wards.counts_b, wards.frame, measure, meta, threshold)
    if meta.not_comparable:
        return f"No chart of change: {meta.not_comparable}"
    return ward_change_alt(
        wards.names, wards.counts_a, wards.counts_b, wards.pcts, wards.significant, wards.hidden, meta, threshold
    )


def districts_alt(
    names: list[str],
    values_b: list,
    counts_b: list,
    text: Callable,
    measure: str,
    total: pd.Series | None,
    meta: TableMeta,
    threshold: int | None,
) -> str:
    """Each district's period B value, and the total's change (or why the periods do not compare)."""
    a_label, b_label = period_labels(meta)
    what = subject(meta)
    # Period B's value: shown when period B's count is (a rate rests on its own period's count).
    parts = [
        f"{n} {fmt_count(cb, threshold)}" + ("" if measure == "count" else " incidents, rate not shown")
        if is_hidden(cb, threshold)
        else f"{n} {'n/a' if v is None else text(v)}"
        for n, v, cb in zip(names, values_b, counts_b, strict=False)
    ]
    alt = (
        f"Bar chart of {what} {'incidents' if measure == 'count' else 'per 1,000 residents'} by district, "
        f"{a_label} and {b_label}. In {b_label}: {', '.join(parts)}."
        if names
        else f"No districts in this selection for {a_label} and {b_label}."
    )
    if meta.not_comparable:
        alt += f" {meta.not_comparable}"
    elif total is not None:
        tot_a, tot_b = as_numbers([total.count_a, total.count_b])
        if tot_a is not None and tot_b is not None and (tot_a or tot_b):
            alt += (
                f" {total.district}: {what} "
                f"{change_phrase(int(tot_a), int(tot_b), threshold)} from {a_label} to {b_label}."
            )
    return alt


def crime_alt(
    names: list[str],
    counts_a: list,
    counts_b: list,
    grouping: str,
    total: pd.Series | None,
    meta: TableMeta,
    threshold: int | None,
) -> str:
    """The total's change and the three largest rows."""
    a_label, b_label = period_labels(meta)
    what, place = subject(meta), place_of(meta)
    alt = f"Bar chart of {what} in {place} by {grouping}, {a_label} and {b_label}."
    if meta.not_comparable:
        alt += f" {meta.not_comparable}"
    elif total is not None:
        tot_a, tot_b = as_numbers([total.count_a, total.count_b])
        if tot_a is not None and tot_b is not None:
            alt += f" In all, {what} {change_phrase(int(tot_a), int(tot_b), threshold)}."
    top = [
        f"{n}, {fmt_count(ca, threshold)} then {fmt_count(cb, threshold)}"
        for n, ca, cb in list(zip(names, counts_a, counts_b, strict=False))[:3]
    ]
    if top:
        alt += f" Largest: {'; '.join(top)}."
    return alt


# ---------------------------------------------------------------------------
# Months and seasons
# ---------------------------------------------------------------------------


def monthly_alt(
    months: list[datetime.date],
    line: list,
    flagged: list[int],
    has_band: bool,
    missing: list[bool],
    partial: list[bool],
    hidden: list[bool],
    window: str,
    meta: TableMeta,
    threshold: int | None,
) -> str:
    """The range drawn, the months outside the expected range, and the missing and partial months."""
    shown = [i for i, v in enumerate(line) if v is not None]
    alt = f"Line chart of {subject(meta)} per month in {place_of(meta)}, {window}."
    if shown:
        high = max(shown, key=lambda i: (line[i], -i))
        low = min(shown, key=lambda i: (line[i], i))
        alt += (
            f" {len(shown)} months drawn, from {fmt_count(line[low])} ({month_label(months[low])}) to "
            f"{fmt_count(line[high])} ({month_label(months[high])})."
        )
    if has_band:
        if flagged:
            listed = ", ".join(f"{month_label(months[i])} ({fmt_count(line[i])})" for i in flagged[:3])
            more = f" and {len(flagged) - 3} more" if len(flagged) > 3 else ""
            alt += f" {len(flagged)} outside the expected range: {listed}{more}."
        else:
            alt += " No month outside the expected range."
    if any(missing):
        alt += f" Missing months shown as gaps: {month_runs([m for m, x in zip(months, missing, strict=False) if x])}."
    if any(partial):
        alt += f" Partial month: {month_runs([m for m, x in zip(months, partial, strict=False) if x])}."
    if any(hidden):
        alt += f" {sum(hidden)} months with fewer than {threshold} incidents not shown."
    return alt


def profile_alt(names: list[str], shown: list, factors: list, window: str, meta: TableMeta) -> str:
    """The two highest months, the lowest, and the months above average."""
    drawn = [i for i, v in enumerate(shown) if v is not None]
    alt = (
        f"Bar chart of the month-of-year index of {subject(meta)} in {place_of(meta)}"
        f"{', ' + window if window else ''} (100 is an average month)."
    )
    if not drawn:
        return alt + " No month has enough data for an index."
    # Ranked on the unrounded factor where the frame has it: two months whose indices round alike
    # are told apart as the seasonal sentence tells them.
    ranked = sorted(drawn, key=lambda i: (-factors[i], i))
    alt += (
        " Highest: "
        + ", ".join(f"{names[i]} {round_half_up(shown[i])}" for i in ranked[:2])
        + f"; lowest: {names[ranked[-1]]} {round_half_up(shown[ranked[-1]])}."
    )
    above = [names[i] for i in drawn if shown[i] > 100]
    if above:
        alt += f" Above average: {', '.join(above)}."
    return alt


def _and_list(items: Sequence[str]) -> str:
    return ", ".join(items[:-1]) + " and " + items[-1] if len(items) > 1 else items[0]


def year_on_year_alt(lines: dict[str, tuple[list[int], list]], month_names: dict[int, str], meta: TableMeta) -> str:
    """The years drawn, each year's peak month, and the totals of the years with all 12 months.

    ``lines``: each year's (positions, counts as drawn on its line, None where not drawn);
    ``month_names``: the name of each position 1..12.
    """
    labels = list(lines)
    financial = month_names.get(1) == "April"
    peaks: dict[str, list[str]] = {}
    totals = []
    for year, (positions, line) in lines.items():
        drawn = [i for i, v in enumerate(line) if v is not None]
        if drawn:
            peak = max(drawn, key=lambda i: (line[i], -i))
            peaks.setdefault(month_names[positions[peak]], []).append(year)
            if len(drawn) == 12:
                totals.append(f"{year} {fmt_count(sum(line[i] for i in drawn))}")
    kind = "financial year" if financial else "year"
    alt = f"Line chart of {subject(meta)} per month in {place_of(meta)}, one line per {kind}"
    alt += f" ({labels[0]} to {labels[-1]})." if len(labels) > 1 else (f" ({labels[0]})." if labels else ".")
    if peaks:
        ordered = sorted(peaks.items(), key=lambda item: -len(item[1]))
        alt += " Peak month: " + "; ".join(f"{month} in {_and_list(ys)}" for month, ys in ordered) + "."
    if totals:
        alt += f" Full-year totals: {', '.join(totals)}."
    return alt


def trend_alt(months: list[datetime.date], line: list, meta: TableMeta) -> str:
    """The months drawn and the latest complete month's count."""
    drawn = [i for i, v in enumerate(line) if v is not None]
    alt = f"Small line chart of {subject(meta)} per month in {place_of(meta)}"
    if not drawn:
        return alt + ": no months to draw."
    last = drawn[-1]
    return alt + (
        f", {month_label(months[drawn[0]])} to {month_label(months[last])}; latest complete month "
        f"{month_label(months[last])}: {fmt_count(line[last])}."
    )
