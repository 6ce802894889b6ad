"""The change between two periods, the way the panel publishes it, and what an analyst adds.

Difference = B - A; percentage = difference / A rounded half up to a whole percent ("n/a" or
"new" when A is 0, never inf); whether the change is significant (stats.SIGNIFICANCE_METHOD);
and a small-numbers flag, because a percentage on a handful of incidents misleads.
"""

from __future__ import annotations

import pandas as pd

from analytics.core import settings
from analytics.core.periods import format_pct, pct_change, round_ratio_half_up
from analytics.core.stats import poisson_change_tests
from analytics.core.table_meta import TableMeta, with_meta


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


def withhold_change(table: pd.DataFrame, meta: TableMeta) -> pd.DataFrame:
    """``table`` carrying ``meta``; when ``meta.not_comparable`` says why the periods are not like for
    like (months missing from the source), its change columns are emptied."""
    out = table.copy() if meta.not_comparable else table
    if meta.not_comparable:
        for column, dtype in CHANGE_COLUMNS.items():
            if column in out.columns:
                out[column] = pd.Series(pd.NA, index=out.index, dtype=dtype)
    return with_meta(out, meta)


def rate_per_1000(count: pd.Series, population: pd.Series) -> pd.Series:
    """Incidents per 1,000 residents to one decimal place, rounded half up exactly; empty where the
    population is unknown."""
    values = [
        round_ratio_half_up(int(c), int(p), scale=10_000) / 10 if pd.notna(p) and p > 0 else None
        for c, p in zip(count, population, strict=False)
    ]
    return pd.Series(pd.array(values, dtype="Float64"), index=count.index)
