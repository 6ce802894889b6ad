"""The forecast chart: the months held as a line, then the coming months' expected counts with
their 80% and 95% prediction intervals as bands; and its words (alt text, the Overview's line).

``frame`` is :attr:`analytics.analyses.forecast.ForecastResult.frame`: the history's months
(``count``, ``present``, ``partial``) then the forecast months (``horizon``, ``forecast``,
``lower_95``, ``lower_80``, ``upper_80``, ``upper_95``). A refused forecast has no forecast rows:
the chart then shows no line into the future at all, only the reason.
"""

from __future__ import annotations

import plotly.graph_objects as go

from analytics.core.periods import month_label, month_range_period
from analytics.core.table_meta import meta_of
from analytics.core.vocabulary import BLACK, ORANGE, rgb
from analytics.present.chart_values import (
    as_numbers,
    fmt_count,
    hidden_text,
    is_hidden,
    month_start,
    monthly_arrays,
    place_of,
    threshold_for,
    title_subject,
)
from analytics.present.layout import empty_figure, new_figure, placeholders
from analytics.present.line_traces import missing_months, monthly_axes, monthly_line, partial_months
from analytics.present.words import require_columns, subject

#: The 95% band lighter than the 80% band inside it, both in the forecast's orange.
BAND_95_FILL = "rgba({}, {}, {}, 0.22)".format(*rgb(ORANGE))
BAND_80_FILL = "rgba({}, {}, {}, 0.50)".format(*rgb(ORANGE))
#: How many of the months held the chart shows before the forecast (three years: the season
#: three times over, and the forecast still readable).
HISTORY_SHOWN = 36


def _band(fig: go.Figure, months: list, lower: list, upper: list, fill: str, name: str) -> None:
    fig.add_trace(
        go.Scatter(
            x=months + months[::-1],
            y=upper + lower[::-1],
            fill="toself",
            mode="lines",
            line={"width": 0},
            fillcolor=fill,
            name=name,
            hoverinfo="skip",
        )
    )


def _forecast_line(fig: go.Figure, months: list, values: list, lower: list, upper: list, threshold) -> None:
    hover = [
        f"{month_label(m)}: about {fmt_count(v)} expected (80%: {fmt_count(lo)} to {fmt_count(up)})"
        for m, v, lo, up in zip(months, values, lower, upper, strict=True)
    ]
    fig.add_trace(
        go.Scatter(
            x=months,
            y=values,
            mode="lines+markers",
            name="Forecast",
            line={"color": BLACK, "width": 2, "dash": "dash"},
            marker={"size": 8, "color": BLACK, "symbol": "diamond"},
            hovertext=hover,
            hovertemplate="%{hovertext}<extra></extra>",
        )
    )


def forecast_alt(frame, threshold: int | None) -> str:
    """The chart in words: the months drawn and each month forecast with its 80% and 95% ranges."""
    meta = meta_of(frame)
    history = frame[frame["horizon"].isna()]
    coming = frame[frame["horizon"].notna()]
    alt = f"Line chart of {subject(meta)} per month in {place_of(meta)}"
    held = history[history["present"]]
    if len(held):
        alt += f", {month_range_period(held['month'].iloc[0], held['month'].iloc[-1]).label}"
    if coming.empty:
        return alt + ". No forecast: " + (meta.method.removeprefix("Not forecast: ") or "none made.")
    parts = []
    for row in coming.itertuples():
        if is_hidden(row.forecast, threshold):
            parts.append(f"{row.month_label} {hidden_text(threshold)}")
        else:
            parts.append(
                f"{row.month_label} about {fmt_count(row.forecast)} (80%: {fmt_count(row.lower_80)} to "
                f"{fmt_count(row.upper_80)}; 95%: {fmt_count(row.lower_95)} to {fmt_count(row.upper_95)})"
            )
    return alt + ", then the forecast: " + "; ".join(parts) + "."


def forecast_chart(frame, suppress_below: int | None = None):
    """The months held (the last :data:`HISTORY_SHOWN`), then the forecast with its bands."""
    require_columns(frame, ("month", "count", "horizon", "forecast", "lower_80", "upper_95"), "forecast_chart")
    threshold = threshold_for(frame, suppress_below)
    meta = meta_of(frame)
    history = frame[frame["horizon"].isna()].tail(HISTORY_SHOWN)
    coming = frame[frame["horizon"].notna()]
    fig = new_figure(
        chart="forecast",
        frame=frame,
        alt=forecast_alt(frame, threshold),
        threshold=threshold,
        notes=["Bands: 80% (darker) and 95% prediction intervals of each month's count"] if len(coming) else [],
        title=f"{title_subject(meta)} per month in {place_of(meta)}: what the coming months should bring",
        subtitle=(
            f"forecast for {month_range_period(coming['month'].iloc[0], coming['month'].iloc[-1]).label}"
            if len(coming)
            else ""
        ),
        x_title="Month",
        y_title="Incidents per month",
        height=520,
    )
    if coming.empty:
        return empty_figure(fig, "No forecast: " + meta.method.removeprefix("Not forecast: ")[:90] + " …")
    months, counts, present, partial, hidden = monthly_arrays(history, threshold)
    line = [c if p and not q and not h else None for c, p, q, h in zip(counts, present, partial, hidden, strict=True)]
    monthly_line(fig, months, line)
    partial_months(fig, months, counts, [i for i, q in enumerate(partial) if q and not hidden[i]])
    placeholders(
        fig, [m for m, h in zip(months, hidden, strict=True) if h], [], threshold, horizontal=False, show_text=False
    )
    missing_months(fig, months, [not p for p in present])
    ahead = [month_start(m) for m in coming["month"]]
    values = as_numbers(coming["forecast"])
    shown = [not is_hidden(v, threshold) for v in values]
    ahead = [m for m, s in zip(ahead, shown, strict=True) if s]
    columns = {
        c: [v for v, s in zip(as_numbers(coming[c]), shown, strict=True) if s]
        for c in ("forecast", "lower_95", "lower_80", "upper_80", "upper_95")
    }
    if ahead:
        _band(fig, ahead, columns["lower_95"], columns["upper_95"], BAND_95_FILL, "95% range")
        _band(fig, ahead, columns["lower_80"], columns["upper_80"], BAND_80_FILL, "80% range")
        _forecast_line(fig, ahead, columns["forecast"], columns["lower_80"], columns["upper_80"], threshold)
    monthly_axes(fig, months + ahead)
    return fig
