"""Charts that compare a place with places like it, and read the extract's own fields: the funnel
plot (:func:`funnel_chart`), ASB by NIRS class (:func:`nirs_chart`) and the hour-by-day heat map
of report times (:func:`time_of_week_chart`).

Each starts from :func:`analytics.present.layout.new_figure`, so the caption (source, period,
boundaries, SYNTHETIC) is under the plot and the text alternative in ``layout.meta``; in public
mode a hidden count is neither drawn nor hovered, and reads "<5".
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from analytics.analyses.funnel import POSITIONS, funnel_curve, target_rate_per_1000
from analytics.analyses.nirs import ALL_CLASSES
from analytics.analyses.time_of_week import DAY_NAMES, HOURS, REPORT_TIME_NOTE, busiest_times, hour_label
from analytics.core.table_meta import meta_of
from analytics.core.vocabulary import BLACK, GRAND_TOTAL
from analytics.present.bar_traces import two_period_bars
from analytics.present.chart_values import (
    as_numbers,
    fmt_count,
    fmt_rate,
    is_hidden,
    period_labels,
    place_of,
    threshold_for,
    title_subject,
)
from analytics.present.layout import category_axis, empty_figure, new_figure, value_axis
from analytics.present.style import FALL_COLOUR, NO_CHANGE_COLOUR, RISE_COLOUR
from analytics.present.words import require_columns

__all__ = ["funnel_chart", "nirs_chart", "time_of_week_chart"]

#: How each funnel position is drawn: colour and marker.
_POSITION_STYLE = {
    POSITIONS[0]: (RISE_COLOUR, "triangle-up"),
    POSITIONS[1]: (RISE_COLOUR, "circle"),
    POSITIONS[2]: (NO_CHANGE_COLOUR, "circle"),
    POSITIONS[3]: (FALL_COLOUR, "circle"),
    POSITIONS[4]: (FALL_COLOUR, "triangle-down"),
}
_LINES = (("95", "95% limits", "dash"), ("998", "99.8% limits", "solid"))


def _unit_names(frame: pd.DataFrame) -> list[str]:
    column = "ward_name" if "ward_name" in frame.columns else "district"
    return [str(name) for name in frame[column]]


def _funnel_alt(frame: pd.DataFrame, names: list[str], threshold: int | None, target: float) -> str:
    meta = meta_of(frame)
    outside = [
        f"{name} ({position.lower()})"
        for name, position, count in zip(names, frame.funnel_position, frame["count"], strict=False)
        if isinstance(position, str) and position != POSITIONS[2] and not is_hidden(count, threshold)
    ]
    said = "; ".join(outside) if outside else "none"
    return (
        f"Funnel plot of {len(names)} {meta.grouped_by or 'unit'}s' rates per 1,000 residents in "
        f"{place_of(meta)}, {period_labels(meta)[0]}, against their population, around the area's rate "
        + (f"of {fmt_rate(target)} per 1,000" if target == target else "(not shown: too few incidents)")
        + f". Outside the 95% limits: {said}."
    )


def funnel_chart(frame: pd.DataFrame, suppress_below: int | None = None, names: bool = True) -> go.Figure:
    """Each unit's rate per 1,000 residents against its population, the area's rate as a line and
    the 95% and 99.8% control limits as a funnel around it; with ``names``, the units outside the
    limits named beside their points (a slide leaves them to its table: at half a projector's width
    the names of a town's wards run over one another).

    ``frame``: :func:`analytics.analyses.funnel.ward_funnel` or ``district_funnel``. A unit whose
    count public mode hides is left out of the points (its rate would give the count away); the
    text alternative says how many.
    """
    require_columns(frame, ("count", "population_mid2018", "rate_per_1000", "funnel_position"), "funnel_chart")
    threshold = threshold_for(frame, suppress_below)
    meta = meta_of(frame)
    labels = _unit_names(frame)
    # An area whose total public mode hides shows no rate (nor limits around it): they would give it away.
    target = float("nan") if is_hidden(int(frame["count"].sum()), threshold) else target_rate_per_1000(frame)
    hidden = [is_hidden(c, threshold) for c in as_numbers(frame["count"])]
    # The lines are named in the subtitle and this note, not in the legend (which keeps to the points'
    # verdicts: on a slide eight entries did not fit beside the plot) nor on the plot (over the points).
    notes = [
        "Dashed lines: 95% limits; thin lines: 99.8% limits (exact Poisson, Spiegelhalter 2005); "
        "outside 99.8%, about 1 in 500 by chance."
    ]
    if any(hidden):
        notes.append(f"{sum(hidden)} not drawn: too few incidents to show in public mode.")
    fig = new_figure(
        chart="funnel",
        frame=frame,
        alt=_funnel_alt(frame, labels, threshold, target),
        threshold=threshold,
        notes=notes,
        title=f"{title_subject(meta)} per 1,000 residents by {meta.grouped_by or 'ward'}, for their size",
        subtitle=f"{period_labels(meta)[0]}; {place_of(meta)}'s rate "
        + (f"{fmt_rate(target)} per 1,000 (thick line)" if target == target else "not shown"),
        x_title="Residents (mid-2018)",
        y_title="Incidents per 1,000 residents",
        height=520,
    )
    curve = funnel_curve(frame)
    if curve.empty or target != target or not target:
        return empty_figure(fig, "No population or too few incidents to draw a funnel against.")
    _limit_lines(fig, curve, target, f"{place_of(meta)}'s rate")
    _funnel_points(fig, frame, labels, hidden, labelled=names)
    # The points' verdicts in a column beside the plot (above it, with the lines', they wrapped over
    # the subtitle).
    fig.update_layout(legend={"orientation": "v", "x": 1.02, "xanchor": "left", "y": 1, "yanchor": "top"})
    value_axis(fig, "y")
    value_axis(fig, "x")
    return fig


def _limit_lines(fig: go.Figure, curve: pd.DataFrame, target: float, rate_name: str) -> None:
    """The 95% and 99.8% limits (upper and lower) and the area's rate as black lines, named in the
    subtitle and the note, not the legend."""
    x = curve.population_mid2018.tolist()
    for name, label, dash in _LINES:
        for side in ("upper", "lower"):
            fig.add_trace(
                go.Scatter(
                    x=x, y=curve[f"limit_{side}_{name}"].astype(float).tolist(), mode="lines", name=label,
                    line={"color": BLACK, "dash": dash, "width": 1.5}, hoverinfo="skip",
                    legendgroup=label, showlegend=False,
                )
            )  # fmt: skip
    fig.add_trace(
        go.Scatter(
            x=[x[0], x[-1]], y=[target, target], mode="lines", name=rate_name,
            line={"color": BLACK, "width": 2.5}, hoverinfo="skip", showlegend=False,
        )
    )  # fmt: skip


def _label_sides(frame: pd.DataFrame, hidden: list[bool]) -> dict[int, str]:
    """Where each named point's label goes: above and below by turns, in order of rate, so the
    names of two points close together do not print over each other; and towards the middle of the
    plot from a point in its outer thirds, so that a long name is not cut at the plot's edge."""
    named = [
        i for i, p in enumerate(frame.funnel_position) if isinstance(p, str) and p != POSITIONS[2] and not hidden[i]
    ]
    named.sort(key=lambda i: float(frame.rate_per_1000.iloc[i]))
    population = frame.population_mid2018.astype(float)
    low, high = float(population.min()), float(population.max())
    third = (high - low) / 3

    def across(i: int) -> str:
        at = float(population.iloc[i])
        return "right" if at < low + third else "left" if at > high - third else "center"

    return {i: f"{'bottom' if n % 2 == 0 else 'top'} {across(i)}" for n, i in enumerate(named)}


def _funnel_points(fig: go.Figure, frame: pd.DataFrame, names: list[str], hidden: list[bool], labelled: bool) -> None:
    sides = _label_sides(frame, hidden)
    for position in POSITIONS:
        rows = [i for i, p in enumerate(frame.funnel_position) if p == position and not hidden[i]]
        if not rows:
            continue
        colour, symbol = _POSITION_STYLE[position]
        fig.add_trace(
            go.Scatter(
                x=[float(frame.population_mid2018.iloc[i]) for i in rows],
                y=[float(frame.rate_per_1000.iloc[i]) for i in rows],
                # Named on the plot when outside the limits (what the sentence names); the rest on hover.
                mode="markers" if position == POSITIONS[2] or not labelled else "markers+text",
                text=[names[i] for i in rows],
                textposition=[sides.get(i, "top center") for i in rows],
                name=position,
                marker={"color": colour, "symbol": symbol, "size": 12, "line": {"color": BLACK, "width": 1}},
                hovertext=[
                    f"{names[i]}: {fmt_rate(float(frame.rate_per_1000.iloc[i]))} per 1,000 "
                    f"({fmt_count(int(frame['count'].iloc[i]))} incidents, "
                    f"{int(frame.population_mid2018.iloc[i]):,} residents); {position.lower()}"
                    for i in rows
                ],
                hoverinfo="text",
                cliponaxis=False,  # a name near the top or bottom of the plot is not cut off
            )
        )


def nirs_chart(frame: pd.DataFrame, suppress_below: int | None = None) -> go.Figure:
    """Grouped bars of period A and B per NIRS class (the classes table, without its total).

    ``frame``: :func:`analytics.analyses.nirs.nirs_table` with ``by="class"``.
    """
    require_columns(frame, ("nirs_class", "count_a", "count_b"), "nirs_chart")
    threshold = threshold_for(frame, suppress_below)
    meta = meta_of(frame)
    rows = frame[~frame.nirs_class.isin((GRAND_TOTAL, ALL_CLASSES))]
    classes = [str(c) for c in rows.nirs_class]
    counts_a, counts_b = as_numbers(rows.count_a), as_numbers(rows.count_b)
    a_label, b_label = period_labels(meta)
    described = "; ".join(
        f"{name}, {fmt_count(a, threshold)} then {fmt_count(b, threshold)}"
        for name, a, b in zip(classes, counts_a, counts_b, strict=False)
    )
    fig = new_figure(
        chart="nirs",
        frame=frame,
        alt=f"{title_subject(meta)} by NIRS class in {place_of(meta)}, {a_label} then {b_label}: {described}.",
        threshold=threshold,
        title=f"{title_subject(meta)} by NIRS class in {place_of(meta)}",
        subtitle=f"{a_label} and {b_label}",
        x_title="NIRS class",
        y_title="Incidents",
        height=420,
    )
    if not classes:
        return empty_figure(fig, "No incidents in this selection.")
    two_period_bars(
        fig, classes, classes, counts_a, counts_b, counts_a, counts_b, meta, threshold, False, fmt_count, "incidents"
    )
    category_axis(fig, "x", classes)
    value_axis(fig, "y")
    return fig


def time_of_week_chart(frame: pd.DataFrame, suppress_below: int | None = None) -> go.Figure:
    """A heat map of report times: hour of the day across, day of the week down (Monday at the
    top), darker for more reports. In public mode an hour whose count is hidden is blank and hovers
    "<5".

    ``frame``: :func:`analytics.analyses.time_of_week.time_of_week`.
    """
    require_columns(frame, ("day_of_week", "hour", "count"), "time_of_week_chart")
    threshold = threshold_for(frame, suppress_below)
    meta = meta_of(frame)
    grid = {
        (int(d), int(h)): c for d, h, c in zip(frame.day_of_week, frame.hour, as_numbers(frame["count"]), strict=False)
    }
    z, hover = [], []
    for day in range(1, 8):
        values = [grid.get((day, hour)) for hour in HOURS]
        z.append([None if is_hidden(v, threshold) else v for v in values])
        hover.append(
            [
                f"{DAY_NAMES[day - 1]} {hour_label(h)}: {fmt_count(v, threshold)} incidents reported"
                for h, v in zip(HOURS, values, strict=False)
            ]
        )
    top = busiest_times(frame, 3, threshold)
    busiest = "; ".join(f"{r['day_name']} {r['time']}, {fmt_count(r['count'])}" for r in top.to_dict("records"))
    fig = new_figure(
        chart="time_of_week",
        frame=frame,
        alt=f"Heat map of {title_subject(meta)} reports by hour and day of the week in {place_of(meta)}, "
        f"{period_labels(meta)[0]}. Busiest hours: {busiest or 'none shown'}.",
        threshold=threshold,
        notes=[REPORT_TIME_NOTE],
        title=f"{title_subject(meta)} reports by hour and day of the week in {place_of(meta)}",
        subtitle=period_labels(meta)[0],
        x_title="Hour of the day the report was made",
        y_title="",
        height=420,
    )
    if not frame["count"].sum():
        return empty_figure(fig, "No incidents in this selection.")
    fig.add_trace(
        go.Heatmap(
            z=z, x=list(HOURS), y=list(DAY_NAMES), hovertext=hover, hoverinfo="text", colorscale="Blues",
            colorbar={"title": {"text": "Reports"}}, xgap=1, ygap=1,
        )
    )  # fmt: skip
    fig.update_yaxes(autorange="reversed", showgrid=False)
    fig.update_xaxes(
        tickmode="array", tickvals=list(range(0, 24, 3)), ticktext=[f"{h:02d}:00" for h in range(0, 24, 3)]
    )
    return fig
