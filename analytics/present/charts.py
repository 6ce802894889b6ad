"""Plotly figures from the analysis tables: computing stays in the analyses, drawing is here.

Every builder takes a frame as an analysis returns it (its :class:`~analytics.core.table_meta.TableMeta`
included, read by :func:`~analytics.core.table_meta.meta_of`), never changes it, and
returns a :class:`plotly.graph_objects.Figure` that

- has a title and axis titles, and draws with the Okabe–Ito colour-blind-safe palette
  (:mod:`analytics.core.vocabulary`, in the roles of :mod:`analytics.present.style`);
- is readable on a projector: text of at least ``MIN_FONT_SIZE`` (14) points, light major
  gridlines on the value axis only, no minor gridlines (:mod:`analytics.present.layout`);
- carries ``layout.meta = {"caption": ..., "alt_text": ..., "chart": ...}``: the caption
  (:func:`analytics.present.layout.caption`: source, periods, ward boundaries, place, missing
  months, SYNTHETIC when it is) and a text alternative a screen reader can read
  (:mod:`analytics.present.alt_text`). The caption is also written under the plot, so a
  downloaded image keeps its source (the small :func:`trend_chart` keeps it in ``meta`` only);
- in public mode (``suppress_below=5``) draws no count below 5 and nothing derived from one (a
  difference, a percentage, a rate, an index, a significance mark): the bar is left out and a
  grey placeholder marker at zero says ``"<5"`` on hover, as :mod:`analytics.core.disclosure` does
  for tables. A frame that went through :func:`analytics.core.disclosure.suppress` already (counts
  reading ``"<5"``) is drawn the same way.

Numbers are written as :mod:`analytics.present.narrative` writes them: ``4,158``, ``-265``, ``+20%``.
The bars are drawn by :mod:`analytics.present.bar_traces`, the lines by
:mod:`analytics.present.line_traces`; :func:`analytics.present.png.to_png` renders a figure as a PNG.
The dashboard names these builders by string (``ui.data.figure``): they stay here.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable

import pandas as pd
import plotly.graph_objects as go

from analytics.core.disclosure import public_order
from analytics.core.errors import AnalyticsError, invalid_choice
from analytics.core.periods import held_label, month_label, month_runs
from analytics.core.table_meta import TableMeta, meta_of
from analytics.core.vocabulary import ALL_CRIME, BLACK
from analytics.present.alt_text import (
    crime_alt,
    districts_alt,
    incident_types_alt,
    monthly_alt,
    profile_alt,
    trend_alt,
    ward_alt,
    year_on_year_alt,
)
from analytics.present.bar_traces import profile_bars, two_period_bars, ward_change_bars
from analytics.present.chart_values import (
    WardRows,
    as_numbers,
    flags_of,
    fmt_count,
    fmt_rate,
    hidden_text,
    is_hidden,
    month_names,
    month_numbers,
    monthly_arrays,
    period_labels,
    place_of,
    threshold_for,
    title_subject,
    ward_rows,
    year_series,
)
from analytics.present.layout import (
    BASE_FONT_SIZE,
    SIGNIFICANCE_NOTE,
    SIGNIFICANT_MARK,
    SMALL_NUMBERS_NOTE,
    category_axis,
    empty_figure,
    new_figure,
    placeholders,
    value_axis,
)
from analytics.present.line_traces import (
    expected_range,
    flagged_months,
    latest_point,
    missing_months,
    monthly_axes,
    monthly_line,
    partial_months,
    trend_line,
    year_colour,
    year_traces,
)
from analytics.present.narrative import CRIME_LABEL_COLUMNS, DISTRICT_TOTALS
from analytics.present.words import require_columns, subject

__all__ = [
    "WARD_MEASURES",
    "DISTRICT_MEASURES",
    "PROFILE_INDICES",
    "incident_types_chart",
    "ward_deltas_chart",
    "districts_chart",
    "crime_ytd_chart",
    "monthly_chart",
    "profile_chart",
    "year_on_year_chart",
    "trend_chart",
]

WARD_MEASURES = ("difference", "pct_change", "count", "rate")
DISTRICT_MEASURES = ("count", "rate")
PROFILE_INDICES = ("adjusted", "plain")
_CHANGE_MEASURES = ("difference", "pct_change")
_BAND_COLUMNS = ("expected", "lower", "upper")


# ---------------------------------------------------------------------------
# Incident types
# ---------------------------------------------------------------------------


def incident_types_chart(frame: pd.DataFrame, suppress_below: int | None = None) -> go.Figure:
    """Horizontal grouped bars of period A and B per key-word type (police.uk: crime type), in the
    table's order (most common first, at the top).

    ``frame``: :func:`analytics.analyses.incident_types.incident_types` (columns type, count_a, count_b).
    """
    require_columns(frame, ("type", "count_a", "count_b"), "incident_types_chart")
    threshold = threshold_for(frame, suppress_below)
    # Most common first, but a type with a hidden count is not ranked (its place would tell it).
    frame = public_order(frame, threshold)
    meta = meta_of(frame)
    a_label, b_label = period_labels(meta)
    grouped_by = meta.grouped_by or "key-word type"
    types = [str(t) for t in frame["type"]]
    counts_a, counts_b = as_numbers(frame.count_a), as_numbers(frame.count_b)
    fig = new_figure(
        chart="incident_types",
        frame=frame,
        alt=incident_types_alt(types, counts_a, counts_b, meta, threshold),
        threshold=threshold,
        title=f"{title_subject(meta)} by {grouped_by} in {place_of(meta)}",
        subtitle=f"{a_label} and {b_label}",
        x_title="Incidents",
        y_title=grouped_by[:1].upper() + grouped_by[1:],
        height=max(420, 60 * len(types) + 120),
    )
    if not types:
        return empty_figure(fig, "No incidents in this selection.")
    two_period_bars(
        fig, types, types, counts_a, counts_b, counts_a, counts_b, meta, threshold, True, fmt_count, "incidents"
    )
    category_axis(fig, "y", types)
    value_axis(fig, "x")
    return fig


# ---------------------------------------------------------------------------
# Wards
# ---------------------------------------------------------------------------


def _ward_notes(wards: WardRows, measure: str, meta: TableMeta) -> list[str]:
    notes = []
    if any(wards.significant):
        notes.append(SIGNIFICANCE_NOTE)
    if any(wards.small):
        notes.append(SMALL_NUMBERS_NOTE)
    if measure == "rate" and meta.population_note:
        notes.append(meta.population_note)
    return notes


def _ward_titles(measure: str, meta: TableMeta) -> tuple[str, str]:
    """The chart's title and its value axis's title."""
    a_label, b_label = period_labels(meta)
    what, place = subject(meta), place_of(meta)
    if measure == "difference":
        return f"Change in {what} by ward in {place}", f"Change in incidents ({b_label} minus {a_label})"
    if measure == "pct_change":
        return f"Percentage change in {what} by ward in {place}", f"Change from {a_label} to {b_label} (%)"
    if measure == "count":
        return f"{title_subject(meta)} by ward in {place}", "Incidents"
    return (
        f"{title_subject(meta)} by ward in {place} per 1,000 residents",
        "Incidents per 1,000 residents (mid-2018 population)",
    )


def _ward_level_bars(fig: go.Figure, wards: WardRows, measure: str, meta: TableMeta, threshold: int | None) -> None:
    """The two periods' counts (``count``) or rates (``rate``) side by side, per ward."""
    if measure == "count":
        values_a, values_b, unit = wards.counts_a, wards.counts_b, "incidents"
        text: Callable[[float | None], str] = fmt_count
    else:
        values_a, values_b = as_numbers(wards.frame.rate_a_per_1000), as_numbers(wards.frame.rate_b_per_1000)
        text, unit = fmt_rate, "per 1,000 residents"
    counts = (wards.counts_a, wards.counts_b)
    two_period_bars(fig, wards.labels, wards.names, values_a, values_b, *counts, meta, threshold, True, text, unit)
    category_axis(fig, "y", wards.labels)
    value_axis(fig, "x")


def ward_deltas_chart(frame: pd.DataFrame, measure: str = "difference", suppress_below: int | None = None) -> go.Figure:
    """Diverging horizontal bars of each ward's change (or grouped bars of its counts or rates).

    Parameters
    ----------
    frame : DataFrame
        :func:`analytics.analyses.wards.ward_deltas`; its "Grand Total" row is not drawn.
    measure : {"difference", "pct_change", "count", "rate"}
        ``difference``: incidents in period B minus period A; ``pct_change``: whole percent (a
        ward with none in period A has no percentage: it reads "new" at zero); ``count``: the
        two periods' counts side by side; ``rate``: incidents per 1,000 residents (mid-2018
        population; see the table's ``population_note``).
    suppress_below : int, optional
        Public mode: wards with a count below it show a "<5" placeholder and no change.

    Rises are vermillion and falls blue. A significant change (``significant``) has a black
    outline and a "*" after the ward's name; small numbers (``small_numbers``) are hatched and
    marked "†". Wards are in the table's order (ward name), top to bottom.
    """
    if measure not in WARD_MEASURES:
        raise invalid_choice("ward chart measure", measure, WARD_MEASURES)
    needed = ["ward_name", "count_a", "count_b"] + (["rate_a_per_1000", "rate_b_per_1000"] if measure == "rate" else [])
    require_columns(frame, needed, "ward_deltas_chart")
    threshold = threshold_for(frame, suppress_below)
    meta = meta_of(frame)
    a_label, b_label = period_labels(meta)
    wards = ward_rows(frame, threshold)
    change = measure in _CHANGE_MEASURES
    title, value_title = _ward_titles(measure, meta)
    fig = new_figure(
        chart=f"ward_deltas_{measure}",
        frame=frame,
        alt=ward_alt(wards, measure, meta, threshold),
        threshold=threshold,
        notes=_ward_notes(wards, measure, meta),
        title=title,
        x_title=value_title,
        y_title="Ward",
        subtitle=f"{a_label} {'to' if change else 'and'} {b_label}",
        height=max(420, (30 if change else 44) * len(wards.names) + 120),
    )
    if not wards.names:
        return empty_figure(fig, "No wards in this selection.")
    if change and meta.not_comparable:
        return empty_figure(fig, "<br>".join(textwrap.wrap(meta.not_comparable, 70)))
    if not change:
        _ward_level_bars(fig, wards, measure, meta, threshold)
        return fig
    ward_change_bars(fig, wards, measure, meta, threshold)
    category_axis(fig, "y", wards.labels)
    value_axis(fig, "x", zero_line=True)
    if measure == "pct_change":
        fig.update_xaxes(ticksuffix="%")
    return fig


# ---------------------------------------------------------------------------
# Districts and recorded crime
# ---------------------------------------------------------------------------


def _split_total(frame: pd.DataFrame, label_column: str, totals) -> tuple[pd.DataFrame, pd.Series | None]:
    """The rows to draw, and the total row (the frame's last, when it is one of ``totals``)."""
    if len(frame) and frame[label_column].iloc[-1] in totals:
        return frame.iloc[:-1], frame.iloc[-1]
    return frame, None


def districts_chart(frame: pd.DataFrame, measure: str = "count", suppress_below: int | None = None) -> go.Figure:
    """Grouped bars per district for period A and B: counts, or incidents per 1,000 residents.

    ``frame``: :func:`analytics.analyses.districts.districts_table`; the total row (North Worcestershire or
    Total) is left out of the bars and given in the text alternative. A "*" after a district's
    name marks a significant change.
    """
    if measure not in DISTRICT_MEASURES:
        raise invalid_choice("district chart measure", measure, DISTRICT_MEASURES)
    needed = ["district", "count_a", "count_b"] + (["rate_a_per_1000", "rate_b_per_1000"] if measure == "rate" else [])
    require_columns(frame, needed, "districts_chart")
    threshold = threshold_for(frame, suppress_below)
    meta = meta_of(frame)
    a_label, b_label = period_labels(meta)
    rows, total = _split_total(frame, "district", DISTRICT_TOTALS)
    names = [str(d) for d in rows.district]
    counts_a, counts_b = as_numbers(rows.count_a), as_numbers(rows.count_b)
    hidden = [is_hidden(a, threshold) or is_hidden(b, threshold) for a, b in zip(counts_a, counts_b, strict=False)]
    significant = [s and not h for s, h in zip(flags_of(rows, "significant"), hidden, strict=False)]
    labels = [n + (f" {SIGNIFICANT_MARK}" if s else "") for n, s in zip(names, significant, strict=False)]
    if measure == "count":
        values_a, values_b, unit = counts_a, counts_b, "incidents"
        text: Callable[[float | None], str] = fmt_count
    else:
        values_a, values_b = as_numbers(rows.rate_a_per_1000), as_numbers(rows.rate_b_per_1000)
        text, unit = fmt_rate, "per 1,000 residents"
    notes = [SIGNIFICANCE_NOTE.replace(" and black outline", "")] if any(significant) else []
    if measure == "rate" and meta.population_note:
        notes.append(meta.population_note)
    fig = new_figure(
        chart=f"districts_{measure}",
        frame=frame,
        alt=districts_alt(names, values_b, counts_b, text, measure, total, meta, threshold),
        threshold=threshold,
        notes=notes,
        title=f"{title_subject(meta)} by district" + ("" if measure == "count" else " per 1,000 residents"),
        subtitle=f"{a_label} and {b_label}",
        x_title="District",
        y_title="Incidents" if measure == "count" else "Incidents per 1,000 residents (mid-2018 population)",
        height=520,
    )
    if not names:
        return empty_figure(fig, "No districts in this selection.")
    two_period_bars(fig, labels, names, values_a, values_b, counts_a, counts_b, meta, threshold, False, text, unit)
    category_axis(fig, "x", labels)
    value_axis(fig, "y")
    return fig


def crime_ytd_chart(frame: pd.DataFrame, suppress_below: int | None = None) -> go.Figure:
    """Horizontal grouped bars of period A and B per crime type (or district, or ward), in the
    table's order; the total row ("All recorded crime") is left out of the bars and given in the
    text alternative.

    ``frame``: :func:`analytics.analyses.crime.crime_ytd`.
    """
    require_columns(frame, ("count_a", "count_b"), "crime_ytd_chart")
    # Most first, but a type with a hidden count is not ranked (its place would tell it).
    frame = public_order(frame, threshold_for(frame, suppress_below))
    label_column = next((c for c in CRIME_LABEL_COLUMNS if c in frame.columns), None)
    if label_column is None:
        raise AnalyticsError(
            f"crime_ytd_chart needs one of the columns {', '.join(CRIME_LABEL_COLUMNS)}.", title="Wrong table"
        )
    threshold = threshold_for(frame, suppress_below)
    meta = meta_of(frame)
    a_label, b_label = period_labels(meta)
    rows, total = _split_total(frame, label_column, (ALL_CRIME, meta.measure)) if len(frame) > 1 else (frame, None)
    names = [str(n) for n in rows[label_column]]
    counts_a, counts_b = as_numbers(rows.count_a), as_numbers(rows.count_b)
    grouping = {"crime_type": "crime type", "ward_name": "ward", "district": "district"}[label_column]
    fig = new_figure(
        chart="crime_ytd",
        frame=frame,
        alt=crime_alt(names, counts_a, counts_b, grouping, total, meta, threshold),
        threshold=threshold,
        title=f"{title_subject(meta)} by {grouping} in {place_of(meta)}",
        subtitle=f"{a_label} and {b_label}",
        x_title="Offences" if "crime" in subject(meta) else "Incidents",
        y_title=grouping[:1].upper() + grouping[1:],
        height=max(420, 44 * len(names) + 120),
    )
    if not names:
        return empty_figure(fig, "No recorded crime in this selection.")
    two_period_bars(
        fig, names, names, counts_a, counts_b, counts_a, counts_b, meta, threshold, True, fmt_count, "offences"
    )
    category_axis(fig, "y", names)
    value_axis(fig, "x")
    return fig


# ---------------------------------------------------------------------------
# Months and seasons
# ---------------------------------------------------------------------------


def _monthly_notes(frame: pd.DataFrame, has_band: bool, missing: list[bool], partial: list[bool]) -> list[str]:
    notes = []
    if has_band and "method" in frame.columns and len(frame):
        # Plain words under the chart (issue 13); the model's own line (frame.method, "STL ...") is
        # for the analyst, on the page under "How this is worked out" and in the downloads.
        notes.append("Band: the range expected for the time of year; a month outside it is unusual")
    if any(missing):
        notes.append("Shaded gaps: months the source has no data for (not zero)")
    if any(partial):
        notes.append("Hollow marker: a partial month, left out of the comparison")
    return notes


def monthly_chart(frame: pd.DataFrame, suppress_below: int | None = None) -> go.Figure:
    """The monthly series with its expected range shaded, months outside it marked, and missing
    months as gaps (never joined across a gap, and shaded "No data").

    ``frame``: :func:`analytics.analyses.seasonal.decomposition` (month, count, expected, lower, upper,
    outside_band, present, partial, method); :func:`analytics.analyses.seasonal.monthly_series` works too
    (no band). Partial months (the source's first or last month not wholly covered) are hollow
    markers off the line, as the analysis leaves them out of every comparison.
    """
    require_columns(frame, ("month", "count"), "monthly_chart")
    threshold = threshold_for(frame, suppress_below)
    meta = meta_of(frame)
    months, counts, present, partial, hidden = monthly_arrays(frame, threshold)
    has_band = all(c in frame.columns for c in ("expected", "lower", "upper"))
    expected, lower, upper = (as_numbers(frame[c]) if has_band else [None] * len(months) for c in _BAND_COLUMNS)
    outside = flags_of(frame, "outside_band")
    window = meta.period_labels[0] or (month_runs([months[0], months[-1]]) if months else "")
    line = [c if p and not q and not h else None for c, p, q, h in zip(counts, present, partial, hidden, strict=False)]
    flagged = [i for i in range(len(months)) if outside[i] and line[i] is not None]
    missing = [not p for p in present]
    fig = new_figure(
        chart="monthly",
        frame=frame,
        alt=monthly_alt(months, line, flagged, has_band, missing, partial, hidden, window, meta, threshold),
        threshold=threshold,
        notes=_monthly_notes(frame, has_band, missing, partial),
        title=f"{title_subject(meta)} per month in {place_of(meta)}",
        subtitle=window,
        x_title="Month",
        y_title="Incidents per month",
        height=520,
    )
    if not months:
        return empty_figure(fig, "No months in this selection.")
    band_ok = [
        lo is not None and up is not None and not h and not q
        for lo, up, h, q in zip(lower, upper, hidden, partial, strict=False)
    ]
    expected_range(fig, months, expected, lower, upper, band_ok, has_band)
    monthly_line(fig, months, line)
    flagged_months(fig, months, line, expected, flagged)
    partial_months(
        fig, months, counts, [i for i in range(len(months)) if partial[i] and not hidden[i] and counts[i] is not None]
    )
    placeholders(
        fig,
        [months[i] for i in range(len(months)) if hidden[i]],
        [f"{month_label(m)}: {hidden_text(threshold)}" for m, h in zip(months, hidden, strict=False) if h],
        threshold,
        horizontal=False,
        show_text=False,
    )
    missing_months(fig, months, missing)
    monthly_axes(fig, months)
    return fig


def _profile_notes(column: str, meta: TableMeta) -> list[str]:
    if column == "adjusted_index" and meta.balanced is False:
        return [
            "Index adjusted for each financial year's level, because the years contribute different "
            "months (Poisson log-linear model; no month filled in)"
        ]
    return []


def profile_chart(frame: pd.DataFrame, suppress_below: int | None = None, index: str = "adjusted") -> go.Figure:
    """Month-of-year index bars drawn from 100 (an average month), October and November in orange.

    ``frame``: :func:`analytics.analyses.seasonal.month_of_year_profile`. ``index="adjusted"`` (default)
    draws ``adjusted_index``, the level-adjusted index the seasonal summary uses; ``"plain"`` the
    plain ``index``. In public mode a month whose mean count is below the threshold is not drawn.
    """
    if index not in PROFILE_INDICES:
        raise invalid_choice("profile index", index, PROFILE_INDICES)
    column = "adjusted_index" if index == "adjusted" and "adjusted_index" in frame.columns else "index"
    require_columns(frame, ("month_name", column), "profile_chart")
    threshold = threshold_for(frame, suppress_below)
    meta = meta_of(frame)
    names = [str(n) for n in frame.month_name]
    abbreviations = [n[:3] for n in names]
    values = as_numbers(frame[column])
    means = as_numbers(frame.mean_count) if "mean_count" in frame.columns else [None] * len(names)
    hidden = [is_hidden(m, threshold) and v is not None for m, v in zip(means, values, strict=False)]
    shown = [None if h else v for v, h in zip(values, hidden, strict=False)]
    window = meta.period_labels[0]
    adjusted = column == "adjusted_index" and "adjusted_factor" in frame.columns
    factors = as_numbers(frame.adjusted_factor) if adjusted else shown
    fig = new_figure(
        chart="profile",
        frame=frame,
        alt=profile_alt(names, shown, factors, window, meta),
        threshold=threshold,
        notes=_profile_notes(column, meta),
        title=f"{title_subject(meta)} by month of the year in {place_of(meta)}",
        subtitle=f"{window}{'; ' if window else ''}index, 100 = an average month",
        x_title="Month",
        y_title="Index (100 = average month)",
        height=500,
    )
    if not names:
        return empty_figure(fig, "No months in this selection.")
    years = list(frame.years) if "years" in frame.columns else None
    profile_bars(fig, names, month_numbers(frame, abbreviations), shown, means, years)
    placeholders(
        fig,
        [abbreviations[i] for i in range(len(names)) if hidden[i]],
        [f"{names[i]}: {hidden_text(threshold)} a month" for i in range(len(names)) if hidden[i]],
        threshold,
        horizontal=False,
        at=100,
    )
    fig.add_hline(y=100, line={"color": BLACK, "width": 2})
    category_axis(fig, "x", abbreviations)
    value_axis(fig, "y")
    fig.update_layout(barmode="overlay", bargap=0.2)
    return fig


def year_on_year_chart(frame: pd.DataFrame, suppress_below: int | None = None) -> go.Figure:
    """One line per year over the positions 1..12 of the year (April first for financial years).

    ``frame``: :func:`analytics.analyses.seasonal.year_on_year`. Months with no data are gaps, and a year
    with no data at all is left out; partial months are hollow markers off the line; the latest
    year is drawn thickest, in blue.
    """
    require_columns(frame, ("year_label", "position", "count"), "year_on_year_chart")
    threshold = threshold_for(frame, suppress_below)
    meta = meta_of(frame)
    names = month_names(frame)
    tick_text = {p: names.get(p, str(p))[:3] for p in range(1, 13)}
    financial = names.get(1) == "April"
    years = year_series(frame, threshold)
    labels = list(years)
    lines = {year: (series[0], series[4]) for year, series in years.items()}
    gaps = frame["count"].isna().any() or any(flags_of(frame, "partial"))
    fig = new_figure(
        chart="year_on_year",
        frame=frame,
        alt=year_on_year_alt(lines, {p: names.get(p, str(p)) for p in range(1, 13)}, meta),
        threshold=threshold,
        title=f"{title_subject(meta)} per month in {place_of(meta)}, year on year",
        subtitle=f"{labels[0]} to {labels[-1]}" if len(labels) > 1 else (labels[0] if labels else ""),
        x_title=f"Month of the {'financial' if financial else 'calendar'} year",
        y_title="Incidents per month",
        height=520,
        notes=["Gaps: months with no data; hollow markers: partial months"] if gaps else (),
    )
    if not labels:
        return empty_figure(fig, "No months in this selection.")
    hidden_x, hidden_hover = [], []
    # A year the source holds only part of is named by the months it holds (issue 13): a short line
    # of "2019-20" beside whole years would read as a year.
    held = frame.groupby("year_label", sort=False)["count"].count()
    for n, (year, (positions, counts, partial, hidden, line)) in enumerate(years.items()):
        colour, latest = year_colour(n, len(labels)), n == len(labels) - 1
        name = held_label(str(year), 12, int(held.get(year, 12)))
        for trace in year_traces(name, colour, latest, positions, counts, partial, hidden, line, tick_text):
            fig.add_trace(trace)
        hidden_x += [p for p, h in zip(positions, hidden, strict=False) if h]
        hidden_hover += [
            f"{year}, {tick_text[p]}: {hidden_text(threshold)}" for p, h in zip(positions, hidden, strict=False) if h
        ]
    placeholders(fig, hidden_x, hidden_hover, threshold, horizontal=False, show_text=False)
    fig.update_xaxes(
        tickmode="array", tickvals=list(range(1, 13)), ticktext=[tick_text[p] for p in range(1, 13)], range=[0.5, 12.5]
    )
    value_axis(fig, "y")
    fig.update_yaxes(rangemode="tozero")
    return fig


def trend_chart(
    frame: pd.DataFrame, suppress_below: int | None = None, title: str | None = None, height: int = 200
) -> go.Figure:
    """A small monthly line for the Overview page: counts with gaps, the latest month labelled.

    ``frame``: :func:`analytics.analyses.seasonal.monthly_series` or :func:`~analytics.analyses.seasonal.decomposition`.
    The caption is in ``layout.meta`` only (a sparkline has no room for it under the plot).
    """
    require_columns(frame, ("month", "count"), "trend_chart")
    threshold = threshold_for(frame, suppress_below)
    meta = meta_of(frame)
    months, counts, present, partial, hidden = monthly_arrays(frame, threshold)
    line = [c if p and not q and not h else None for c, p, q, h in zip(counts, present, partial, hidden, strict=False)]
    drawn = [i for i, v in enumerate(line) if v is not None]
    fig = new_figure(
        chart="trend",
        frame=frame,
        alt=trend_alt(months, line, meta),
        threshold=threshold,
        show_caption=False,
        title=title or f"{title_subject(meta)} per month, {place_of(meta)}",
        x_title="Month",
        y_title="Incidents",
        height=height,
    )
    fig.update_layout(
        margin={"l": 10, "r": 60, "t": 50, "b": 40}, showlegend=False, title={"font": {"size": BASE_FONT_SIZE + 2}}
    )
    if not drawn:
        return empty_figure(fig, "No data")
    trend_line(fig, months, line, subject(meta))
    placeholders(
        fig,
        [m for m, h in zip(months, hidden, strict=False) if h],
        [f"{month_label(m)}: {hidden_text(threshold)}" for m, h in zip(months, hidden, strict=False) if h],
        threshold,
        horizontal=False,
        show_text=False,
    )
    latest_point(fig, months[drawn[-1]], line[drawn[-1]])
    fig.update_xaxes(showgrid=False, tickformat="%Y", dtick="M12", title={"text": "Month", "standoff": 2})
    value_axis(fig, "y")
    fig.update_yaxes(rangemode="tozero", nticks=3)
    return fig
