"""Did it work? Before and after an intervention, against the season and a comparison area.

An intervention (an entry of the register, analytics/data/register.py, or wards and a start month
chosen by hand) is judged on the months from its start (*after*, 1 to 12 of them) against the same
calendar months a year earlier (*before*): the season predicts the after count from the before
count, and a comparison area of the analyst's choosing corrects that for the year's trend. The
weighted displacement difference (analytics/analyses/wdd.py) gives the effect in the target, in a
buffer around it (displacement) and net, each with its 95% interval.

It refuses, with the reason, rather than guess:
- a month of either window the source holds no row for is missing, not zero: the refusal names
  every missing month, before and after, and the start months the source could evaluate;
- a before count below :data:`MIN_COUNT` in the target, the buffer or the comparison area, or a
  comparison area below it after: the normal approximation would not hold;
- an entry with no wards, or no start month ("date to confirm") unless one is chosen.

Areas are ward codes of one boundary vintage. By default the buffer is the wards that touch the
target and the comparison area is the rest of the target's district.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

import duckdb
import pandas as pd
import shapely

from analytics.analyses.wdd import WddResult, wdd
from analytics.core.errors import AnalyticsError, invalid_choice, shown
from analytics.core.periods import _add_months, month_range_period, month_runs
from analytics.core.selection import Selection
from analytics.core.table_meta import PeriodCoverage, TableMeta, with_meta
from analytics.data.query import check_selection, months_present

#: Smallest before count (target, buffer, comparison) and after count (comparison) evaluated.
MIN_COUNT = 10
MAX_MONTHS = 12
METHOD = (
    "weighted displacement difference (Wheeler and Ratcliffe 2018, Crime Science 7:11): the months from the "
    "start against the same months a year earlier (the season), the comparison area weighted to each area's "
    "count a year earlier (the trend); 95% intervals by the normal approximation to Poisson counts, the "
    "comparison area's weight by the delta method"
)
#: How each area's row is named.
AREA_LABELS = {
    "target": "Target",
    "buffer": "Buffer (displacement)",
    "control": "Comparison area",
    "net": "Net: target and buffer (WDD)",
}


class ImpactRefused(AnalyticsError):
    """An evaluation that cannot be made as asked: the message says exactly why."""

    def __init__(self, message: str, fix: str | None = None):
        super().__init__(message, title="Cannot evaluate", fix=fix)


@dataclass(frozen=True)
class Areas:
    """Ward codes of one vintage: where it was done, next door, and the comparison."""

    target: tuple[str, ...]
    buffer: tuple[str, ...]
    control: tuple[str, ...]
    boundaries: str


def _ward_frame(conn: duckdb.DuckDBPyConnection, vintage: str) -> pd.DataFrame:
    return conn.execute(
        "SELECT ward_code, ward_name, district, geometry_wkb FROM wards WHERE vintage = ? ORDER BY ward_code",
        [vintage],
    ).df()


def default_areas(
    conn: duckdb.DuckDBPyConnection,
    target: tuple[str, ...],
    boundaries: str = "wd22",
    buffer: tuple[str, ...] | None = None,
    control: tuple[str, ...] | None = None,
) -> Areas:
    """The areas, filling in what is not given: the buffer, the wards touching the target; the
    comparison, the rest of the target's districts. Refuses unknown or overlapping wards."""
    wards = _ward_frame(conn, boundaries)
    known = set(wards.ward_code)
    for code in (*target, *(buffer or ()), *(control or ())):
        if code not in known:
            raise invalid_choice(f"{boundaries.upper()} ward code", code, sorted(known))
    if not target:
        raise ImpactRefused("No target area: choose the wards where the intervention was.")
    if buffer is None:
        shapes = {c: shapely.from_wkb(bytes(g)) for c, g in zip(wards.ward_code, wards.geometry_wkb, strict=True)}
        around = shapely.union_all([shapes[c] for c in target]).buffer(0.0005)  # about 50 m: generalised edges
        buffer = tuple(
            c for c in wards.ward_code if c not in target and c not in (control or ()) and shapes[c].intersects(around)
        )
    if control is None:
        districts = set(wards[wards.ward_code.isin(target)].district)
        control = tuple(
            c
            for c, d in zip(wards.ward_code, wards.district, strict=True)
            if d in districts and c not in target and c not in buffer
        )
    for name, codes in (("buffer", buffer), ("comparison area", control)):
        overlap = sorted(set(codes) & set(target))
        if overlap:
            raise ImpactRefused(f"The {name} holds target wards: {', '.join(overlap)}.")
    if set(buffer) & set(control):
        raise ImpactRefused(f"The buffer and comparison area share {', '.join(sorted(set(buffer) & set(control)))}.")
    if not control:
        raise ImpactRefused("The comparison area is empty.", fix="Choose comparison wards.")
    return Areas(tuple(target), tuple(buffer), tuple(control), boundaries)


def windows(start: datetime.date, months: int) -> tuple[list[datetime.date], list[datetime.date]]:
    """The before and after months: ``months`` from ``start``, and the same months a year earlier."""
    if not isinstance(months, int) or not 1 <= months <= MAX_MONTHS:
        raise AnalyticsError(
            f"The window must be 1 to {MAX_MONTHS} months, not {shown(months)}.", title="Invalid window"
        )
    after = [_add_months(start, i) for i in range(months)]
    return [_add_months(m, -12) for m in after], after


def evaluable_starts(held: set[datetime.date], months: int) -> list[datetime.date]:
    """Start months whose both windows the source holds in full."""
    return [m for m in sorted(held) if all(x in held for pair in windows(m, months) for x in pair)]


def _check_months(held: set[datetime.date], start: datetime.date, months: int, source: str) -> None:
    before, after = windows(start, months)
    lacking = {name: [m for m in span if m not in held] for name, span in (("before", before), ("after", after))}
    if not any(lacking.values()):
        return
    said = "; ".join(
        f"{name} ({month_runs(span)}): {', '.join(f'{m:%Y-%m}' for m in lacking[name])}"
        for name, span in (("before", before), ("after", after))
        if lacking[name]
    )
    possible = evaluable_starts(held, months)
    raise ImpactRefused(
        f"{source} holds no rows for these months, so they are missing, not zero: {said}."
        f" Evaluating {months} month{'s' if months > 1 else ''} from {start:%Y-%m} needs every month of both windows.",
        fix=(
            f"Start months {source} can evaluate with {months} month{'s' if months > 1 else ''} either side: "
            + (", ".join(f"{m:%Y-%m}" for m in possible) if possible else "none")
            + "."
        ),
    )


def _counts(
    conn: duckdb.DuckDBPyConnection,
    selection: Selection,
    areas: Areas,
    before: list[datetime.date],
    after: list[datetime.date],
) -> dict[str, tuple[int, int]]:
    """Before and after counts per area, one aggregate query."""
    column = selection.with_(wards=(), districts=()).ward_column
    where, params = selection.with_(wards=(), districts=()).where()
    role = {c: name for name in ("target", "buffer", "control") for c in getattr(areas, name)}
    frame = conn.execute(
        f"""SELECT {column} AS ward_code,
                   count(*) FILTER (WHERE month >= ? AND month <= ?) AS before,
                   count(*) FILTER (WHERE month >= ? AND month <= ?) AS after
            FROM incidents WHERE {where} AND list_contains(?, {column}) GROUP BY 1""",
        [before[0], before[-1], after[0], after[-1], *params, list(role)],
    ).df()
    frame["role"] = frame.ward_code.map(role)
    sums = frame.groupby("role")[["before", "after"]].sum()
    return {
        name: (int(sums.before.get(name, 0)), int(sums.after.get(name, 0))) for name in ("target", "buffer", "control")
    }


def _check_counts(counts: dict[str, tuple[int, int]], has_buffer: bool) -> None:
    small = [
        f"{AREA_LABELS[name].lower()} {when} {counts[name][i]}"
        for name, when, i in (("target", "before", 0), ("control", "before", 0), ("control", "after", 1))
        + ((("buffer", "before", 0),) if has_buffer else ())
        if counts[name][i] < MIN_COUNT
    ]
    if small:
        raise ImpactRefused(
            f"The counts are too small to judge: {'; '.join(small)} (at least {MIN_COUNT} needed, or the "
            "interval's normal approximation does not hold).",
            fix="Choose a longer window or larger areas.",
        )


#: Counts per area (target, buffer, control), before and after, given the two windows' months.
Counter = Callable[[list[datetime.date], list[datetime.date]], dict[str, tuple[int, int]]]


def judge(
    conn: duckdb.DuckDBPyConnection,
    selection: Selection,
    count: Counter,
    names: dict[str, str],
    start: datetime.date,
    months: int,
) -> pd.DataFrame:
    """The evaluation of any three areas ``count`` counts (``names``: each area's name, and the
    target and buffer's together as "net"): the months checked, the counts checked, the WDD, the
    table with its TableMeta. Raises ImpactRefused when it cannot be judged."""
    check_selection(conn, selection)
    start = datetime.date(start.year, start.month, 1)
    before, after = windows(start, months)
    _check_months(set(months_present(conn, selection.source)), start, months, selection.source_label)
    counts = count(before, after)
    _check_counts(counts, bool(names.get("buffer")))
    (t0, t1), (d0, d1), (c0, c1) = counts["target"], counts["buffer"], counts["control"]
    frame = _rows(names, counts, wdd(t0, t1, c0, c1, d0, d1))
    meta = TableMeta(
        measure=selection.category_label,
        place=names["target"],
        source=selection.source_label,
        synthetic=selection.source != "police_uk",
        boundaries=selection.boundaries,
        period_a=PeriodCoverage(month_range_period(before[0], before[-1]).label, months),
        period_b=PeriodCoverage(month_range_period(after[0], after[-1]).label, months),
        table="impact",
        method=METHOD,
    )
    return with_meta(frame, meta)


def evaluate(
    conn: duckdb.DuckDBPyConnection, selection: Selection, areas: Areas, start: datetime.date, months: int = 12
) -> pd.DataFrame:
    """The evaluation as a table: a row per area (target, buffer, comparison, net) with its before
    and after counts, the change against the season, the after count the comparison area
    predicts, the effect and its interval. Raises ImpactRefused when it cannot be judged."""
    selection = selection.with_(wards=(), districts=(), boundaries=areas.boundaries)
    wards = _ward_frame(conn, areas.boundaries)
    names = {name: _names(wards, getattr(areas, name)) for name in ("target", "buffer", "control")}
    names["net"] = _names(wards, areas.target + areas.buffer)
    return judge(
        conn, selection, lambda before, after: _counts(conn, selection, areas, before, after), names, start, months
    )


def _names(wards: pd.DataFrame, codes: tuple[str, ...]) -> str:
    names = sorted(wards.set_index("ward_code").loc[list(codes), "ward_name"]) if codes else []
    return ", ".join(names) if len(names) <= 4 else f"{len(names)} wards"


def _rows(names: dict[str, str], counts: dict[str, tuple[int, int]], result: WddResult) -> pd.DataFrame:
    effects = {"target": result.target, "buffer": result.buffer, "control": None, "net": result.net}
    (t0, t1), (d0, d1) = counts["target"], counts["buffer"]
    counts = {**counts, "net": (t0 + d0, t1 + d1)}
    rows = []
    for name in ("target", "buffer", "control", "net"):
        if name == "buffer" and not names.get("buffer"):
            continue
        effect = effects[name]
        count_a, count_b = counts[name]
        rows.append(
            {
                "area": AREA_LABELS[name],
                "ward_name": names[name],
                "count_a": count_a,
                "count_b": count_b,
                "difference": count_b - count_a,
                "expected_after": None if effect is None else round(count_a * result.ratio, 1),
                "effect": None if effect is None else round(effect.estimate, 1),
                "effect_lower": None if effect is None else round(effect.lower, 1),
                "effect_upper": None if effect is None else round(effect.upper, 1),
                "p_value": None if effect is None else effect.p_value,
            }
        )
    return pd.DataFrame(rows)
