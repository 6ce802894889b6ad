"""Sentences beside the funnel plot, the NIRS table and the time-of-week heat map.

Built from the frames they are given (values and TableMeta), written with the conventions of
:mod:`analytics.present.words`; in public mode (``suppress_below``) a unit, class or hour whose
count is hidden is not named among the unusual, the changed or the busiest.
"""

from __future__ import annotations

import pandas as pd

from analytics.analyses.funnel import POSITIONS, target_rate_per_1000
from analytics.analyses.nirs import ALL_CLASSES, CLASS_ORDER
from analytics.analyses.time_of_week import busiest_times, by_day, by_hour, hour_label
from analytics.core import settings
from analytics.core.disclosure import is_hidden
from analytics.core.table_meta import meta_of
from analytics.core.vocabulary import GRAND_TOTAL
from analytics.present.words import capitalise, change_phrase, format_count, join_and, number_word, subject

#: The small-number caution every funnel sentence ends with.
FUNNEL_CAUTION = (
    "Limits are wide where a {unit} has few residents or few incidents, so a small {unit} needs a large rate "
    "to fall outside them; and when many {unit}s lie outside, ASB differs between {unit}s more than chance "
    "alone would make it (over-dispersion), so read the 95% limits as a prompt to look, not a verdict."
)


def funnel_summary(frame: pd.DataFrame, suppress_below: int | None = None) -> str:
    """Which units lie outside the funnel's limits, named, and the small-number caution.

    >>> from analytics.analyses.funnel import funnel
    >>> from analytics.core.table_meta import PeriodCoverage, TableMeta, with_meta
    >>> units = with_meta(pd.DataFrame({"ward_name": ["A", "B", "C"], "count": [30, 10, 80],
    ...     "population_mid2018": [1000, 1000, 2000]}),
    ...     TableMeta(place="Redditch", grouped_by="ward", period_a=PeriodCoverage("2018-19")))
    >>> for part in funnel_summary(funnel(units)).split(". ")[0].split("; "):
    ...     print(part)
    Against Redditch's rate of 30.0 per 1,000 residents in 2018-19, C lies above the 95% limits
    B lies below the 99.8% limits
    """
    meta = meta_of(frame)
    unit = meta.grouped_by or "ward"
    name_column = "ward_name" if "ward_name" in frame.columns else "district"
    place = meta.place or "the area"
    target = target_rate_per_1000(frame)
    if target != target:
        return f"No population is known for the {unit}s of {place}, so there is no funnel."
    groups: dict[str, list[str]] = {position: [] for position in POSITIONS}
    for name, position, count in zip(frame[name_column], frame.funnel_position, frame["count"], strict=False):
        if isinstance(position, str) and not is_hidden(count, suppress_below):
            groups[position].append(str(name))
    said = []
    for position in (POSITIONS[0], POSITIONS[1], POSITIONS[4], POSITIONS[3]):
        names = groups[position]
        if names:
            verb = "lies" if len(names) == 1 else "lie"
            where = position.lower().replace("above ", "above the ").replace("below ", "below the ")
            said.append(f"{join_and(names)} {verb} {where}")
    if not int(frame["count"].sum()):
        missing = f" ({meta.source_gaps})" if meta.missing else ""
        return f"No {subject(meta)} is recorded in {place} in {meta.period_labels[0]}{missing}: there is no funnel."
    if is_hidden(int(frame["count"].sum()), suppress_below):
        return f"Too few incidents in {place} in {meta.period_labels[0]} to compare its {unit}s in public mode."
    # "per 1,000 residents" straight after the rate: "0.9 incidents" would read as a count.
    opening = f"Against {place}'s rate of {target:,.1f} per 1,000 residents in {meta.period_labels[0]}, "
    if said:
        sentence = opening + "; ".join(said) + "."
    else:
        sentence = opening + f"every {unit} lies within the 95% limits: none is unusual for its size."
    small = settings.get("small_count_threshold")
    few = [
        str(n)
        for n, c in zip(frame[name_column], frame["count"], strict=False)
        if c < small and not is_hidden(c, suppress_below)
    ]
    caution = FUNNEL_CAUTION.format(unit=unit)
    if few:
        caution += f" Small numbers (under {small} incidents): {join_and(few)}."
    return f"{sentence} {caution}"


def nirs_summary(frame: pd.DataFrame, suppress_below: int | None = None) -> str:
    """The classes' shares of the later period and how each changed (the ``by="class"`` table).

    >>> from analytics.core.table_meta import PeriodCoverage, TableMeta, with_meta
    >>> table = with_meta(pd.DataFrame({"nirs_class": ["Personal", "Nuisance", "Environmental", "Grand Total"],
    ...     "count_a": [100, 200, 50, 350], "count_b": [120, 180, 50, 350], "share_b_pct": [34, 51, 14, 100],
    ...     "significant": [False, False, False, False]}),
    ...     TableMeta(place="Redditch", period_a=PeriodCoverage("2017-18"), period_b=PeriodCoverage("2018-19")))
    >>> for part in nirs_summary(table).split(". "):
    ...     print(part)
    In 2018-19, 51% of ASB in Redditch was Nuisance, 34% Personal and 14% Environmental
    Since 2017-18, Personal rose 20% (+20), Nuisance fell 10% (-20) and Environmental was unchanged at 50; no \
change is significant.
    """
    meta = meta_of(frame)
    a_label, b_label = meta.period_labels
    rows: list[dict] = frame[~frame.nirs_class.isin((GRAND_TOTAL, ALL_CLASSES))].to_dict("records")
    shown = [r for r in rows if not is_hidden(r["count_b"], suppress_below) and pd.notna(r["share_b_pct"])]
    shares = sorted(shown, key=lambda r: (-int(r["share_b_pct"]), str(r["nirs_class"])))
    parts = [f"{int(r['share_b_pct'])}% {r['nirs_class']}" for r in shares]
    if not parts:
        return f"No {subject(meta)} with a NIRS class in {meta.place} in {b_label}."
    first = parts[0].replace("% ", f"% of {subject(meta)} in {meta.place} was ", 1)
    sentence = f"In {b_label}, {join_and([first, *parts[1:]])}."
    if meta.not_comparable:
        return f"{sentence} {meta.not_comparable}"
    order = {name: i for i, name in enumerate(CLASS_ORDER)}
    changes = [
        f"{r['nirs_class']} {change_phrase(r['count_a'], r['count_b'], suppress_below)}"
        for r in sorted(rows, key=lambda r: order.get(str(r["nirs_class"]), 99))
    ]
    significant = [
        str(r["nirs_class"])
        for r in rows
        if r["significant"] is True
        and not (is_hidden(r["count_a"], suppress_below) or is_hidden(r["count_b"], suppress_below))
    ]
    verdict = f"{join_and(significant)} changed significantly" if significant else "no change is significant"
    return f"{sentence} Since {a_label}, {join_and(changes)}; {verdict}."


def time_of_week_summary(frame: pd.DataFrame, suppress_below: int | None = None) -> str:
    """The busiest day, the busiest hour of the day and the busiest hours of the week.

    >>> from analytics.analyses.time_of_week import DAY_NAMES
    >>> rows = [(d, DAY_NAMES[d - 1], h, 9 if (d, h) == (6, 21) else 1) for d in range(1, 8) for h in range(24)]
    >>> frame = pd.DataFrame(rows, columns=["day_of_week", "day_name", "hour", "count"]).assign(share_pct=0.0)
    >>> time_of_week_summary(frame).split(". ")[0]
    'Most reports came on Saturday (32 of 176); the busiest hour of the day was 21:00-21:59 (15)'
    """
    meta = meta_of(frame)
    total = int(frame["count"].sum())
    if not total:
        return f"No {subject(meta)} was reported in {meta.place or 'the selection'} in {meta.period_labels[0]}."
    days, hours = by_day(frame), by_hour(frame)
    day = days.sort_values(["count", "day_of_week"], ascending=[False, True]).iloc[0]
    hour = hours.sort_values(["count", "hour"], ascending=[False, True]).iloc[0]
    top = busiest_times(frame, 3, suppress_below)
    listed = join_and([f"{r['day_name']} {r['time']} ({format_count(r['count'])})" for r in top.to_dict("records")])
    opening = (
        f"Most reports came on {day.day_name} ({format_count(day['count'], suppress_below)} of {total:,}); "
        f"the busiest hour of the day was {hour_label(int(hour.hour))} "
        f"({format_count(hour['count'], suppress_below)})"
    )
    busiest = f"The busiest {number_word(len(top))} hours of the week: {listed}." if len(top) else ""
    return capitalise(f"{opening}. {busiest}".strip())
