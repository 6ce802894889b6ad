"""Disclosure control for public mode.

Following ONS disclosure-control guidance, counts below a threshold (default 5) are not shown:
they read "<5", and nothing derived from them (difference, percentage, rate, significance, mean)
is shown either, because a difference or a percentage would give the small count away. A seasonal
decomposition's residual is blanked too: trend + seasonal + residual is the month's count.

A rate per 1,000 residents rests on one period's count alone, so it is blanked only when that
period's count is hidden: the same rule as the ward map's colours and tooltips and the charts'
bars, so the table and the map never disagree on what a ward shows.

Limits. This is primary suppression, for showing figures on a screen. It is not a safe way to
publish tables: in a tool where any ward, period and district can be picked, a hidden count can
be worked out by differencing (a district's total minus its other wards, a year minus eleven of
its months), which suppressing a second cell in one table would not stop.
"""

from __future__ import annotations

import pandas as pd

COUNT_COLUMNS = ("count_a", "count_b", "count", "mean", "rows", "asb_rows")
#: Derived columns that rest on one period's count only.
PERIOD_DERIVED = {"rate_a_per_1000": "count_a", "rate_b_per_1000": "count_b"}
DERIVED_COLUMNS = (
    "difference",
    "pct_change",
    "percentage",
    "rate_a_per_1000",
    "rate_b_per_1000",
    "z",
    "p_value",
    "significant",
    "mean_pct",
    "mean_percentage",
    "share_pct",
    "gi_z",
    "gi_p",
    "index",
    "mean_count",
    "residual",
)


def suppressed_label(threshold: int) -> str:
    return f"<{threshold}"


def suppress(frame: pd.DataFrame, threshold: int) -> pd.DataFrame:
    """A copy of ``frame`` where every count below ``threshold`` reads "<threshold", and every value
    derived from a suppressed count on the same row is blanked (a period's rate only with that
    period's count). ``attrs`` are kept."""
    out = frame.copy()
    counts = [c for c in COUNT_COLUMNS if c in out.columns]
    if not counts:
        return out
    small = pd.Series(False, index=out.index)
    hidden = {}
    label = suppressed_label(threshold)
    for column in counts:
        values = pd.to_numeric(out[column], errors="coerce")
        below = values.notna() & (values < threshold)
        hidden[column] = below
        small |= below
        out[column] = out[column].astype(object).where(~below, label)
    for column in DERIVED_COLUMNS:
        if column in out.columns:
            own = PERIOD_DERIVED.get(column)
            blank = hidden[own] if own in hidden else small
            out[column] = out[column].astype(object).where(~blank, "")
    out.attrs = dict(frame.attrs)
    out.attrs["suppressed_below"] = threshold
    return out


def suppress_all_counts(frame: pd.DataFrame, threshold: int, keep: tuple[str, ...] = ()) -> pd.DataFrame:
    """A copy where every whole-number cell below ``threshold`` reads "<threshold" (columns in
    ``keep``, such as identifiers, are left alone). For tables of counts of other kinds, such as
    the data-quality report, where any small number could still point at a few incidents."""
    out = frame.copy()
    label = suppressed_label(threshold)
    for column in out.columns:
        if column in keep:
            continue
        values = pd.to_numeric(out[column], errors="coerce") if out[column].dtype != bool else None
        if values is None or values.isna().all():
            continue
        whole = values.notna() & (values == values.round())
        below = whole & (values < threshold)
        if below.any():
            out[column] = out[column].astype(object).where(~below, label)
    out.attrs = dict(frame.attrs)
    out.attrs["suppressed_below"] = threshold
    return out
