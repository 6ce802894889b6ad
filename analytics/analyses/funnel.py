"""Funnel plots: which wards (or districts) are unusually high or low for their size.

A ward's rate per 1,000 residents is plotted against its population, with control limits around
the rate of the whole area chosen. A small ward's rate swings widely by chance, a large ward's
hardly at all, so the limits narrow as population grows: a funnel. A ward outside the 99.8% limits
is one that chance alone would put there about once in 500; outside the 95% limits, once in 20.
That is the fair answer to "which wards are unusually high for their size", where a ranking of
rates puts the smallest wards at both ends by chance.

Method (Spiegelhalter 2005, "Funnel plots for comparing institutional performance", Statistics in
Medicine 24:1185-1202, section 3 and appendix A.1.1): with the area's rate ``theta`` (incidents per
resident) as target, a ward of ``n`` residents expects ``n * theta`` incidents, a Poisson count.
The limits are the exact Poisson quantiles ``r_p`` of that count (the smallest r with
P(Y <= r) >= p), interpolated between whole counts as Spiegelhalter does so that the funnel is a
smooth line: ``alpha = (F(r_p) - p) / (F(r_p) - F(r_p - 1))``, limit ``(r_p - alpha) / n``. Here
F(r) = P(Y <= r) is computed as the regularised upper incomplete gamma function Q(r + 1, n theta)
(the exact Poisson-chi-square relation), not by summing terms. 95% limits are the 2.5% and 97.5%
quantiles, 99.8% limits the 0.1% and 99.9%. A ward is outside when its count lies beyond the limit
on the count scale.

The units are any frame of labels, counts and populations (:func:`funnel`): wards
(:func:`ward_funnel`) and districts (:func:`district_funnel`) both use it.

>>> import pandas as pd
>>> units = pd.DataFrame({"ward_name": ["A", "B", "C"], "count": [30, 10, 80],
...                       "population_mid2018": [1000, 1000, 2000]})
>>> table = funnel(units)
>>> round(target_rate_per_1000(table), 1)   # (30 + 10 + 80) / 4,000 residents
30.0
>>> table.funnel_position.tolist()
['Within limits', 'Below 99.8% limits', 'Above 95% limits']
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from analytics.analyses.comparison import comparison_meta
from analytics.analyses.districts import POPULATION_NOTE as DISTRICT_POPULATION_NOTE
from analytics.analyses.districts import district_population
from analytics.analyses.wards import POPULATION_NOTE, ward_list
from analytics.core.errors import invalid_choice
from analytics.core.periods import Period
from analytics.core.selection import Selection
from analytics.core.table_meta import meta_of, with_meta
from analytics.data.query import check_selection, compare_counts

#: The two funnels: (name in column names, coverage, lower quantile, upper quantile).
LEVELS: tuple[tuple[str, str, float, float], ...] = (
    ("95", "95%", 0.025, 0.975),
    ("998", "99.8%", 0.001, 0.999),
)
#: Where a unit lies, from the highest to the lowest.
POSITIONS = (
    "Above 99.8% limits",
    "Above 95% limits",
    "Within limits",
    "Below 95% limits",
    "Below 99.8% limits",
)
LIMIT_COLUMNS = tuple(f"limit_{side}_{name}" for name, *_ in LEVELS for side in ("lower", "upper"))
#: What the funnel's method says of itself (TableMeta.method, and the page's expander).
METHOD = (
    "funnel plot: each unit's rate per 1,000 residents against its population, with 95% and 99.8% "
    "control limits around the area's rate: exact Poisson quantiles of the count the area's rate "
    "gives a unit of that population, interpolated between whole counts (Spiegelhalter 2005, "
    "'Funnel plots for comparing institutional performance', Statistics in Medicine 24:1185-1202)"
)
BY = ("ward", "district")


def poisson_cdf(count: ArrayLike, mean: ArrayLike) -> np.ndarray:
    """P(Y <= count) for Y Poisson with ``mean``: Q(count + 1, mean), 0 for a count below 0."""
    # Deferred: SciPy takes a sixth of a second to import, and the first page of a fresh server
    # (the Overview) has no funnel plot.
    from scipy.special import gammaincc

    count = np.asarray(count, dtype=float)
    mean = np.asarray(mean, dtype=float)
    out = gammaincc(np.maximum(count, 0) + 1, mean)
    return np.asarray(np.where(count < 0, 0.0, out), dtype=float)


def poisson_quantile(p: float, mean: ArrayLike) -> np.ndarray:
    """The smallest whole count r with P(Y <= r) >= p, for each ``mean`` (a bisection on counts)."""
    mean = np.asarray(mean, dtype=float)
    low = np.zeros(mean.shape)
    # Far above any quantile short of 1 - 1e-12: the mean plus 10 standard deviations and a margin.
    high = np.ceil(mean + 10 * np.sqrt(mean) + 20)
    while np.any(high - low > 0):
        middle = np.floor((low + high) / 2)
        enough = poisson_cdf(middle, mean) >= p
        high = np.where(enough, middle, high)
        low = np.where(enough, low, middle + 1)
    return np.asarray(high, dtype=float)


def limit_counts(p: float, mean: ArrayLike) -> np.ndarray:
    """The p-th limit on the count scale, interpolated between whole counts (Spiegelhalter 2005,
    A.1.1), never below 0."""
    mean = np.asarray(mean, dtype=float)
    r = poisson_quantile(p, mean)
    at_r, below = poisson_cdf(r, mean), poisson_cdf(r - 1, mean)
    step = at_r - below
    alpha = np.divide(at_r - p, step, out=np.zeros_like(step), where=step > 0)
    return np.asarray(np.maximum(r - alpha, 0.0), dtype=float)


def control_limits(population: ArrayLike, target_per_1000: float) -> pd.DataFrame:
    """The 95% and 99.8% limits, in incidents per 1,000 residents, for each population.

    Columns limit_lower_95, limit_upper_95, limit_lower_998, limit_upper_998 (per 1,000, unrounded); empty where the
    population is unknown or 0.
    """
    population = np.asarray(pd.to_numeric(pd.Series(population), errors="coerce"), dtype=float)
    known = np.isfinite(population) & (population > 0)
    safe = np.where(known, population, 1.0)
    expected = safe * target_per_1000 / 1000
    columns = {}
    for name, _, low, high in LEVELS:
        for side, p in (("lower", low), ("upper", high)):
            rate = limit_counts(p, expected) / safe * 1000
            columns[f"limit_{side}_{name}"] = pd.array(np.where(known, rate, np.nan), dtype="Float64")
    return pd.DataFrame(columns)


def target_rate_per_1000(frame: pd.DataFrame) -> float:
    """The area's rate: all the units' incidents over all their residents (units with a known
    population), per 1,000; NaN when there are none."""
    known = pd.to_numeric(frame["population_mid2018"], errors="coerce").fillna(0) > 0
    residents = float(pd.to_numeric(frame.loc[known, "population_mid2018"]).sum())
    incidents = float(pd.to_numeric(frame.loc[known, "count"]).sum())
    return incidents / residents * 1000 if residents else float("nan")


def _positions(counts: np.ndarray, limits: pd.DataFrame) -> list[str | None]:
    """Where each count lies against its limits on the count scale (:data:`POSITIONS`); None
    where there are no limits (no population)."""
    bound = {column: limits[column].to_numpy(dtype=float, na_value=np.nan) for column in LIMIT_COLUMNS}
    chosen = np.select(
        [
            np.isnan(bound["limit_upper_95"]),
            counts > bound["limit_upper_998"],
            counts > bound["limit_upper_95"],
            counts < bound["limit_lower_998"],
            counts < bound["limit_lower_95"],
        ],
        ["", POSITIONS[0], POSITIONS[1], POSITIONS[4], POSITIONS[3]],
        default=POSITIONS[2],
    )
    return [str(position) or None for position in chosen]


def funnel(units: pd.DataFrame, target_per_1000: float | None = None) -> pd.DataFrame:
    """A new frame: ``units`` (any label columns, ``count`` and ``population_mid2018``) with
    rate_per_1000 (one decimal), expected (the count the target rate gives, one decimal), the
    limits (:data:`LIMIT_COLUMNS`, per 1,000, two decimals) and funnel_position (:data:`POSITIONS`;
    empty without a population). The target is the units' own rate unless given. ``units`` is not
    modified; its TableMeta is kept, with the method."""
    out = units.copy()
    target = target_rate_per_1000(out) if target_per_1000 is None else float(target_per_1000)
    population = pd.to_numeric(out["population_mid2018"], errors="coerce")
    counts = pd.to_numeric(out["count"]).astype("int64")
    out["count"] = counts
    rate = np.where(population > 0, counts / population.where(population > 0) * 1000, np.nan)
    out["rate_per_1000"] = pd.array(np.round(rate, 1), dtype="Float64")
    out["expected"] = pd.array(np.round(population * target / 1000, 1), dtype="Float64")
    limits = control_limits(population, target)
    limits.index = out.index
    # Positions from the unrounded limits on the count scale: a count is a whole number of incidents.
    count_limits = limits.mul(population / 1000, axis=0)
    out["funnel_position"] = _positions(counts.to_numpy(dtype=float), count_limits)
    for column in LIMIT_COLUMNS:
        out[column] = limits[column].round(2)
    meta = meta_of(units)
    return with_meta(out, meta.with_(method="; ".join(t for t in (meta.method, METHOD) if t)))


def _counts_by(conn: duckdb.DuckDBPyConnection, selection: Selection, period: Period, by: str) -> dict[str, int]:
    """Incidents in ``period`` per value of ``by`` (a column of query.GROUP_COLUMNS)."""
    counts = compare_counts(conn, selection, period, period, by)
    return {str(key): int(count) for key, count in zip(counts.key.tolist(), counts.count_b.tolist(), strict=True)}


def ward_funnel(conn: duckdb.DuckDBPyConnection, selection: Selection, period: Period) -> pd.DataFrame:
    """One row per ward of the selection's area in ``period``: ward_code, ward_name, district,
    count, population_mid2018 and :func:`funnel`'s columns, around the area's rate. Wards with no
    incidents count 0; rows in ward-name order."""
    check_selection(conn, selection)
    area = selection.with_(wards=())
    wards = ward_list(conn, area)
    counts = _counts_by(conn, area, period, area.ward_column)
    table = wards[["ward_code", "ward_name", "district"]].copy()
    table["count"] = [counts.get(code, 0) for code in wards.ward_code]
    table["population_mid2018"] = wards.population_mid2018
    meta = comparison_meta(conn, area, period).with_(
        population_note=POPULATION_NOTE[area.boundaries], grouped_by="ward"
    )
    return funnel(with_meta(table, meta))


def district_funnel(conn: duckdb.DuckDBPyConnection, selection: Selection, period: Period) -> pd.DataFrame:
    """One row per district (all three unless the selection names some) in ``period``, around
    their combined rate: district, count, population_mid2018 and :func:`funnel`'s columns."""
    check_selection(conn, selection)
    area = selection.with_(wards=())
    population = district_population(conn)
    if area.districts:
        population = population[population.district.isin(area.districts)]
    counts = _counts_by(conn, area, period, "district")
    table = population[["district"]].reset_index(drop=True)
    table["count"] = [counts.get(name, 0) for name in table.district]
    table["population_mid2018"] = population.population_mid2018.to_numpy()
    meta = comparison_meta(conn, area, period).with_(
        population_note=DISTRICT_POPULATION_NOTE, grouped_by="district", boundaries=""
    )
    return funnel(with_meta(table, meta))


def funnel_table(
    conn: duckdb.DuckDBPyConnection, selection: Selection, period: Period, by: str = "ward"
) -> pd.DataFrame:
    """:func:`ward_funnel` or :func:`district_funnel` (``by``: "ward" | "district")."""
    if by not in BY:
        raise invalid_choice("funnel unit", by, BY)
    return ward_funnel(conn, selection, period) if by == "ward" else district_funnel(conn, selection, period)


def funnel_curve(frame: pd.DataFrame, points: int = 120) -> pd.DataFrame:
    """The funnel's lines for a chart: population from a little below the smallest unit to a
    little above the largest (a geometric grid) with :func:`control_limits` around the frame's
    target rate. Columns population_mid2018 and the limits."""
    population = pd.to_numeric(frame["population_mid2018"], errors="coerce")
    population = population[population > 0]
    if population.empty:
        return pd.DataFrame(columns=["population_mid2018", *LIMIT_COLUMNS])
    grid = np.geomspace(max(population.min() * 0.8, 1.0), population.max() * 1.1, points)
    limits = control_limits(grid, target_rate_per_1000(frame))
    limits.insert(0, "population_mid2018", grid)
    return limits
