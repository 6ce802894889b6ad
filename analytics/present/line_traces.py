"""The lines of the charts: a monthly series with its expected range, one line per year, and the
Overview's small trend line.

Each function adds traces to a figure made by :func:`analytics.present.layout.new_figure`. A line
never joins across a missing month (``connectgaps=False``), and a partial month is a hollow marker
off the line, as the analyses leave it out of every comparison.
"""

from __future__ import annotations

import datetime

import plotly.graph_objects as go

from analytics.core.periods import month_label
from analytics.core.vocabulary import BLACK, BLUE, GREY, ORANGE
from analytics.present.chart_values import fmt_count, true_runs
from analytics.present.layout import MIN_FONT_SIZE, value_axis
from analytics.present.style import BAND_FILL, EDGE_COLOUR, FLAG_COLOUR, NO_DATA_FILL, YEAR_COLOURS

# ---------------------------------------------------------------------------
# The monthly series
# ---------------------------------------------------------------------------


def expected_range(fig: go.Figure, months, expected, lower, upper, band_ok: list[bool], has_band: bool) -> None:
    """The expected range, one closed polygon per run of modelled months (so no band crosses a
    gap), and the expected value as a dashed line."""
    for n, (start, stop) in enumerate(true_runs(band_ok)):
        xs = months[start:stop]
        fig.add_trace(
            go.Scatter(
                x=xs + xs[::-1],
                y=upper[start:stop] + lower[start:stop][::-1],
                fill="toself",
                mode="lines",
                line={"width": 0},
                fillcolor=BAND_FILL,
                name="Expected range",
                legendgroup="band",
                showlegend=n == 0,
                hoverinfo="skip",
            )
        )
    if not has_band:
        return
    fig.add_trace(
        go.Scatter(
            x=months,
            y=[e if ok else None for e, ok in zip(expected, band_ok, strict=False)],
            mode="lines",
            name="Expected",
            line={"color": BLACK, "width": 2, "dash": "dash"},
            connectgaps=False,
            hovertext=[
                f"{month_label(m)}: expected about {fmt_count(e)}" if e is not None and ok else ""
                for m, e, ok in zip(months, expected, band_ok, strict=False)
            ],
            hovertemplate="%{hovertext}<extra></extra>",
        )
    )


def monthly_line(fig: go.Figure, months, line) -> None:
    """The counts as a line with markers, with gaps where ``line`` is None."""
    fig.add_trace(
        go.Scatter(
            x=months,
            y=line,
            mode="lines+markers",
            name="Incidents",
            connectgaps=False,
            line={"color": BLUE, "width": 3},
            marker={"size": 6, "color": BLUE},
            hovertext=[
                f"{month_label(m)}: {fmt_count(v)}" if v is not None else "" for m, v in zip(months, line, strict=False)
            ],
            hovertemplate="%{hovertext}<extra></extra>",
        )
    )


def flagged_months(fig: go.Figure, months, line, expected, flagged: list[int]) -> None:
    """Vermillion diamonds on the months outside the expected range."""
    if not flagged:
        return
    fig.add_trace(
        go.Scatter(
            x=[months[i] for i in flagged],
            y=[line[i] for i in flagged],
            mode="markers",
            name="Outside expected range",
            marker={"symbol": "diamond", "size": 14, "color": FLAG_COLOUR, "line": {"color": BLACK, "width": 1}},
            hovertext=[
                f"{month_label(months[i])}: {fmt_count(line[i])}, expected about {fmt_count(expected[i])}"
                for i in flagged
            ],
            hovertemplate="%{hovertext}<extra></extra>",
        )
    )


def partial_months(fig: go.Figure, months, counts, rows: list[int]) -> None:
    """Hollow markers, off the line, for the partial months."""
    if not rows:
        return
    fig.add_trace(
        go.Scatter(
            x=[months[i] for i in rows],
            y=[counts[i] for i in rows],
            mode="markers",
            name="Partial month",
            marker={"symbol": "circle-open", "size": 12, "color": BLUE, "line": {"width": 2}},
            hovertext=[f"{month_label(months[i])}: {fmt_count(counts[i])} (partial month, not compared)" for i in rows],
            hovertemplate="%{hovertext}<extra></extra>",
        )
    )


def missing_months(fig: go.Figure, months, missing: list[bool]) -> None:
    """Grey shading over the months the source has no data for, and a "No data" legend entry.

    Points sit on the first of their month, so a missing run is shaded from half a month before
    its first month to half a month after its last: the shading covers exactly the gap in the line.
    """
    half_month = datetime.timedelta(days=15)
    for start, stop in true_runs(missing):
        fig.add_vrect(
            x0=months[start] - half_month,
            x1=months[stop - 1] + half_month,
            fillcolor=GREY,
            opacity=0.18,
            line_width=0,
            layer="below",
        )
    if any(missing):
        fig.add_trace(
            go.Scatter(
                x=[None],
                y=[None],
                mode="markers",
                name="No data",
                marker={"symbol": "square", "size": 14, "color": NO_DATA_FILL},
            )
        )


def monthly_axes(fig: go.Figure, months: list) -> None:
    """The value axis from zero, a tick a year (or a quarter), and room for a two-line legend."""
    value_axis(fig, "y")
    fig.update_yaxes(rangemode="tozero")
    fig.update_xaxes(showgrid=False, dtick="M12" if len(months) > 24 else "M3", tickformat="%b %Y")
    # Four or more legend entries wrap onto a second line in a half-width column, and a horizontal
    # legend grows upwards: room for it, so it does not cover the subtitle.
    entries = sum(1 for trace in fig.data if trace.showlegend is not False and trace.name)
    if entries > 3:
        fig.update_layout(margin_t=fig.layout.margin.t + 30, height=fig.layout.height + 30)


# ---------------------------------------------------------------------------
# Year on year
# ---------------------------------------------------------------------------


def year_traces(year: str, colour: str, latest: bool, positions, counts, partial, hidden, line, tick_text) -> list:
    """One year's line (thicker for the latest year) and its partial months as hollow markers."""
    traces = [
        go.Scatter(
            x=positions,
            y=line,
            mode="lines+markers",
            name=year,
            connectgaps=False,
            line={"color": colour, "width": 4.5 if latest else 2.5},
            marker={"size": 7, "color": colour, "line": {"color": EDGE_COLOUR, "width": 1}},
            hovertext=[
                f"{year}, {tick_text[p]}: {fmt_count(v)}" if v is not None else ""
                for p, v in zip(positions, line, strict=False)
            ],
            hovertemplate="%{hovertext}<extra></extra>",
        )
    ]
    part = [i for i in range(len(positions)) if partial[i] and counts[i] is not None and not hidden[i]]
    if part:
        traces.append(
            go.Scatter(
                x=[positions[i] for i in part],
                y=[counts[i] for i in part],
                mode="markers",
                name=f"{year} (partial month)",
                showlegend=False,
                marker={"symbol": "circle-open", "size": 12, "color": colour, "line": {"width": 2}},
                hovertext=[f"{year}, {tick_text[positions[i]]}: {fmt_count(counts[i])} (partial month)" for i in part],
                hovertemplate="%{hovertext}<extra></extra>",
            )
        )
    return traces


def year_colour(n: int, years: int) -> str:
    """The colour of the n-th of ``years`` lines: the latest year takes the first colour."""
    return YEAR_COLOURS[(years - 1 - n) % len(YEAR_COLOURS)]


# ---------------------------------------------------------------------------
# The Overview's trend line
# ---------------------------------------------------------------------------


def trend_line(fig: go.Figure, months, line, name: str) -> None:
    """A plain blue line, gaps where ``line`` is None."""
    fig.add_trace(
        go.Scatter(
            x=months,
            y=line,
            mode="lines",
            connectgaps=False,
            name=name,
            line={"color": BLUE, "width": 2.5},
            hovertext=[
                f"{month_label(m)}: {fmt_count(v)}" if v is not None else "" for m, v in zip(months, line, strict=False)
            ],
            hovertemplate="%{hovertext}<extra></extra>",
        )
    )


def latest_point(fig: go.Figure, month, value) -> None:
    """An orange marker on the latest month drawn, its count written beside it."""
    fig.add_trace(
        go.Scatter(
            x=[month],
            y=[value],
            mode="markers+text",
            text=[fmt_count(value)],
            textposition="middle right",
            textfont={"size": MIN_FONT_SIZE},
            marker={"size": 9, "color": ORANGE},
            cliponaxis=False,
            hoverinfo="skip",
        )
    )
