"""The change between two periods, the way the panel publishes it, and what an analyst adds.

Difference = B - A; percentage = difference / A rounded half up to a whole percent ("n/a" or
"new" when A is 0, never inf); whether the change is significant (stats.SIGNIFICANCE_METHOD);
and a small-numbers flag, because a percentage on a handful of incidents misleads.

Two periods of different lengths (a month against a year) are not compared on their counts:
:func:`per_month_change` compares incidents per month instead, and says so in the table's notes.
"""

from __future__ import annotations

import pandas as pd

from analytics.core import settings
from analytics.core.periods import format_pct, pct_change, round_ratio_half_up
from analytics.core.stats import poisson_change_tests
from analytics.core.table_meta import TableMeta, meta_of, with_meta


def add_change_columns(frame: pd.DataFrame, small_count: int | None = None) -> pd.DataFrame:
    """A new frame with difference, pct_change, percentage, z, p_value, significant, small_numbers.

    ``frame`` needs integer columns count_a and count_b; it is not modified.
    """
    small_count = settings.get("small_count_threshold") if small_count is None else small_count
    out = frame.copy()
    a = out["count_a"].astype("int64")
    b = out["count_b"].astype("int64")
    out["count_a"], out["count_b"] = a, b
    out["difference"] = b - a
    out["pct_change"] = pd.array([pct_change(x, y) for x, y in zip(a, b, strict=False)], dtype="Int64")
    out["percentage"] = [
        format_pct(p if p is not pd.NA else None, x, y) for p, x, y in zip(out["pct_change"], a, b, strict=False)
    ]
    if len(out):
        tests = poisson_change_tests(a.to_numpy(), b.to_numpy())
        out["z"] = tests["z"].round(2).to_numpy()
        out["p_value"] = tests["p_value"].round(4).to_numpy()
        out["significant"] = tests["significant"].to_numpy()
    else:
        out["z"], out["p_value"], out["significant"] = [], [], []
    out["small_numbers"] = (a < small_count) | (b < small_count)
    return out


#: What a comparison of two periods adds to their counts (and its column type when withheld).
CHANGE_COLUMNS: dict[str, str | type[object]] = {
    "difference": "Int64",
    "pct_change": "Int64",
    "percentage": object,
    "z": "Float64",
    "p_value": "Float64",
    "significant": "boolean",
}

#: Columns of the incident-types table that average the two periods' counts: meaningless when the
#: periods differ in length or the source lacks months of one (the mean of a year and five months
#: is neither), so a per-month comparison and a withheld change leave them empty.
MEAN_COLUMNS: dict[str, str | type[object]] = {"mean": "Int64", "mean_pct": "Int64", "mean_percentage": object}


def withhold_change(table: pd.DataFrame, meta: TableMeta) -> pd.DataFrame:
    """``table`` carrying ``meta``; when ``meta.not_comparable`` says why the periods are not like for
    like (months missing from the source), its change columns and the means of its two periods'
    counts (MEAN_COLUMNS: 2018-19 and five months of 2019-20 have no mean) are emptied."""
    out = table.copy() if meta.not_comparable else table
    if meta.not_comparable:
        for column, dtype in {**CHANGE_COLUMNS, **MEAN_COLUMNS}.items():
            if column in out.columns:
                out[column] = pd.Series(pd.NA, index=out.index, dtype=dtype)
    return with_meta(out, meta)


def per_month_note(months_a: int, months_b: int) -> str:
    """What a per-month comparison says of itself (TableMeta.method)."""
    return (
        f"compared per month: A has {months_a} month{'s' if months_a != 1 else ''}, B has {months_b};"
        " difference and percentage are of incidents per month, significance is the E-test with"
        " the months as exposures"
    )


def _per_month(count: int, months: int) -> float:
    return round_ratio_half_up(count, months, scale=10) / 10


def _per_month_changes(
    a: pd.Series, b: pd.Series, months_a: int, months_b: int
) -> tuple[list[float], list[int | None]]:
    """Differences (per month, one decimal) and whole percentages of the per-month rates, both
    computed exactly from the counts and rounded half up; a percentage is None when A is 0."""
    differences: list[float] = []
    percents: list[int | None] = []
    for x, y in zip(a, b, strict=False):
        change = int(y) * months_a - int(x) * months_b  # (y/mb - x/ma) * ma * mb
        differences.append(round_ratio_half_up(change, months_a * months_b, scale=10) / 10)
        percents.append(round_ratio_half_up(change, int(x) * months_b) if x else None)
    return differences, percents


def per_month_change(frame: pd.DataFrame, small_count: int | None = None) -> pd.DataFrame:
    """A new frame comparing two periods of different lengths on incidents per month.

    The months come from the frame's TableMeta (period_a.months, period_b.months). Counts stay
    counts; ``per_month_a`` and ``per_month_b`` (one decimal, rounded half up) follow count_b;
    difference (per month, one decimal), pct_change and percentage are of the per-month rates,
    computed exactly from the counts and rounded half up; z, p_value and significant are the
    E-test with the months as exposures; small_numbers stays on the counts. The means of the two
    counts (MEAN_COLUMNS) are emptied. The notes (TableMeta.method) say "compared per month: A has
    N months, B has M"; change columns withheld for missing months stay withheld.
    """
    meta = meta_of(frame)
    if meta.period_a is None or meta.period_b is None:
        raise ValueError("per_month_change needs a table of two periods (its TableMeta names them).")
    months_a, months_b = meta.period_a.months, meta.period_b.months
    out = add_change_columns(frame, small_count)
    a, b = out["count_a"], out["count_b"]
    at = list(out.columns).index("count_b") + 1
    for offset, (column, counts, months) in enumerate((("per_month_a", a, months_a), ("per_month_b", b, months_b))):
        rates = pd.Series([_per_month(x, months) for x in counts], index=out.index, dtype="Float64")
        out.insert(at + offset, column, rates)
    differences, percents = _per_month_changes(a, b, months_a, months_b)
    out["difference"] = pd.array(differences, dtype="Float64")
    out["pct_change"] = pd.array(percents, dtype="Int64")
    out["percentage"] = [format_pct(p, x, y) for p, x, y in zip(percents, a, b, strict=False)]
    if len(out):
        tests = poisson_change_tests(a.to_numpy(), b.to_numpy(), exposure_a=months_a, exposure_b=months_b)
        out["z"] = tests["z"].round(2).to_numpy()
        out["p_value"] = tests["p_value"].round(4).to_numpy()
        out["significant"] = tests["significant"].to_numpy()
    for column, dtype in MEAN_COLUMNS.items():
        if column in out.columns:
            out[column] = pd.Series(pd.NA, index=out.index, dtype=dtype)
    note = per_month_note(months_a, months_b)
    # Periods of different lengths are not comparable count for count; per month they are, unless
    # the source also lacks months of one of them (then the change stays withheld).
    lacking = bool(meta.period_a.missing or meta.period_b.missing)
    meta = meta.with_(not_comparable=meta.not_comparable if lacking else "")
    return withhold_change(out, meta.with_(method="; ".join(t for t in (meta.method, note) if t)))


def rate_per_1000(count: pd.Series, population: pd.Series) -> pd.Series:
    """Incidents per 1,000 residents to one decimal place, rounded half up exactly; empty where the
    population is unknown."""
    values = [
        round_ratio_half_up(int(c), int(p), scale=10_000) / 10 if pd.notna(p) and p > 0 else None
        for c, p in zip(count, population, strict=False)
    ]
    return pd.Series(pd.array(values, dtype="Float64"), index=count.index)
