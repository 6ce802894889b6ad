"""Plotly figures from the analysis tables: computing stays in the analyses, drawing is here.

Every builder takes a frame as an analysis returns it (``attrs`` included), never changes it, and
returns a :class:`plotly.graph_objects.Figure` that

- has a title and axis titles, and draws with the Okabe–Ito colour-blind-safe palette
  (module constants below);
- is readable on a projector: text of at least ``MIN_FONT_SIZE`` (14) points, light major
  gridlines on the value axis only, no minor gridlines;
- carries ``layout.meta = {"caption": ..., "alt_text": ..., "chart": ...}``: the caption
  (:func:`caption`: source, periods, ward boundaries, place, missing months, SYNTHETIC when it
  is) and a text alternative a screen reader can read (:func:`alt_text`). The caption is also
  written under the plot, so a downloaded image keeps its source (the small
  :func:`trend_chart` keeps it in ``meta`` only);
- in public mode (``suppress_below=5``) draws no count below 5 and nothing derived from one (a
  difference, a percentage, a rate, an index, a significance mark): the bar is left out and a
  grey placeholder marker at zero says ``"<5"`` on hover, as :mod:`analytics.core.disclosure` does
  for tables. A frame that went through :func:`analytics.core.disclosure.suppress` already (counts
  reading ``"<5"``) is drawn the same way.

Numbers are written as :mod:`analytics.present.narrative` writes them: ``4,158``, ``-265``, ``+20%``.

:func:`to_png` renders a figure with kaleido and the system's Chromium.
"""

from __future__ import annotations

import atexit
import datetime
import importlib.util
import math
import textwrap
import threading
import warnings
from collections.abc import Iterable, Sequence

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from analytics.core.disclosure import suppressed_label
from analytics.core.errors import AnalyticsError, invalid_choice
from analytics.core.periods import month_label, round_half_up
from analytics.present.narrative import (
    ALL_CRIME,
    CRIME_LABEL_COLUMNS,
    DISTRICT_TOTALS,
    GRAND_TOTAL,
    change_phrase,
    format_count,
    format_signed,
    format_signed_pct,
    month_runs,
    require_columns,
    subject,
)

__all__ = [
    "ORANGE",
    "SKY_BLUE",
    "BLUISH_GREEN",
    "YELLOW",
    "BLUE",
    "VERMILLION",
    "REDDISH_PURPLE",
    "BLACK",
    "GREY",
    "OKABE_ITO",
    "PERIOD_A_COLOUR",
    "PERIOD_B_COLOUR",
    "RISE_COLOUR",
    "FALL_COLOUR",
    "NO_CHANGE_COLOUR",
    "HIGHLIGHT_COLOUR",
    "FLAG_COLOUR",
    "SUPPRESSED_COLOUR",
    "YEAR_COLOURS",
    "BAND_FILL",
    "NO_DATA_FILL",
    "MIN_FONT_SIZE",
    "WARD_MEASURES",
    "DISTRICT_MEASURES",
    "PROFILE_INDICES",
    "PNG_SIGNATURE",
    "caption",
    "alt_text",
    "incident_types_chart",
    "ward_deltas_chart",
    "districts_chart",
    "crime_ytd_chart",
    "monthly_chart",
    "profile_chart",
    "year_on_year_chart",
    "trend_chart",
    "to_png",
]

# ---------------------------------------------------------------------------
# Palette: Okabe & Ito (2008), "Color Universal Design", safe for the common colour-vision
# deficiencies; GREY is the neutral of the same family.
# ---------------------------------------------------------------------------
ORANGE = "#E69F00"
SKY_BLUE = "#56B4E9"
BLUISH_GREEN = "#009E73"
YELLOW = "#F0E442"
BLUE = "#0072B2"
VERMILLION = "#D55E00"
REDDISH_PURPLE = "#CC79A7"
BLACK = "#000000"
GREY = "#999999"
OKABE_ITO = (ORANGE, SKY_BLUE, BLUISH_GREEN, YELLOW, BLUE, VERMILLION, REDDISH_PURPLE, BLACK, GREY)

PERIOD_A_COLOUR = SKY_BLUE  # the earlier period, lighter
PERIOD_B_COLOUR = BLUE  # the later period
RISE_COLOUR = VERMILLION  # more incidents
FALL_COLOUR = BLUE  # fewer incidents: vermillion against blue, the safest pair
NO_CHANGE_COLOUR = GREY
HIGHLIGHT_COLOUR = ORANGE  # October and November in the month-of-year profile
FLAG_COLOUR = VERMILLION  # months outside the expected range
SUPPRESSED_COLOUR = GREY  # public-mode placeholders
# The latest year first; no yellow, which is too pale for a line on white.
YEAR_COLOURS = (BLUE, ORANGE, BLUISH_GREEN, VERMILLION, REDDISH_PURPLE, SKY_BLUE, BLACK)
BAND_FILL = "rgba(86, 180, 233, 0.30)"  # SKY_BLUE, translucent
NO_DATA_FILL = "rgba(153, 153, 153, 0.35)"  # GREY, translucent: months the source does not have

# ---------------------------------------------------------------------------
# Type and layout for a projector
# ---------------------------------------------------------------------------
MIN_FONT_SIZE = 14
BASE_FONT_SIZE = 16
TITLE_FONT_SIZE = 22
NOTE_FONT_SIZE = 14
FONT_FAMILY = "Arial, Helvetica, 'Liberation Sans', 'DejaVu Sans', sans-serif"
GRID_COLOUR = "#D9D9D9"
CAPTION_WRAP = 110  # characters a line in the caption under the plot
_CAPTION_GAP_PX = 64  # from the bottom of the plot area to the caption (below the axis title)
_LINE_PX = 20

SIGNIFICANT_MARK = "*"
SMALL_NUMBERS_MARK = "\u2020"  # dagger
SIGNIFICANCE_NOTE = f"{SIGNIFICANT_MARK} and black outline: significant change (E-test, p < 0.05)"
SMALL_NUMBERS_NOTE = f"{SMALL_NUMBERS_MARK} and hatching: small numbers, too few incidents to call"

WARD_MEASURES = ("difference", "pct_change", "count", "rate")
DISTRICT_MEASURES = ("count", "rate")
PROFILE_INDICES = ("adjusted", "plain")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

_MONTH_ABBREVIATIONS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_HIGHLIGHT_MONTHS = (10, 11)  # the panel: ASB peaks "around Halloween"


# ---------------------------------------------------------------------------
# Caption and text alternative
# ---------------------------------------------------------------------------


def caption(frame: pd.DataFrame, suppress_below: int | None = None) -> str:
    """What a chart shows and where it comes from, from the frame's ``attrs``.

    "Source: …; period(s): …; wards: WD22; <category> in <place>; missing months: …; partial
    month: …", with "SYNTHETIC data" added when the source is the synthetic extract and its label
    does not already say so, and the public-mode rule when ``suppress_below`` is set.

    Examples
    --------
    >>> frame = pd.DataFrame({"count_a": [1]})
    >>> frame.attrs.update(source="police.uk street-level data (real, open data)", period_a="2017-18",
    ...                    period_b="2018-19", boundaries="WD22", category="Anti-social behaviour",
    ...                    place="Redditch", missing_months_b=["2018-05", "2018-06"])
    >>> caption(frame)
    'Source: police.uk street-level data (real, open data); periods: 2017-18 and 2018-19; wards: WD22; Anti-social behaviour in Redditch; missing months: May–Jun 2018'
    """
    attrs = getattr(frame, "attrs", {}) or {}
    source = str(attrs.get("source") or "not stated")
    parts = [f"Source: {source}"]
    if attrs.get("period_b"):
        parts.append(f"periods: {attrs.get('period_a')} and {attrs['period_b']}")
    elif attrs.get("period_a"):
        parts.append(f"period: {attrs['period_a']}")
    if attrs.get("boundaries"):
        parts.append(f"wards: {str(attrs['boundaries']).upper()}")
    what = " in ".join(str(attrs[k]) for k in ("category", "place") if attrs.get(k))
    if what:
        parts.append(what)
    missing = [m for key in ("missing_months", "missing_months_a", "missing_months_b") for m in (attrs.get(key) or [])]
    if missing:
        parts.append(f"missing months: {month_runs(missing)}")
    partial = attrs.get("partial_months") or []
    if partial:
        parts.append(f"partial month{'s' if len(partial) > 1 else ''}: {month_runs(partial)}")
    threshold = suppress_below if suppress_below is not None else attrs.get("suppressed_below")
    if threshold:
        parts.append(f"public mode: counts below {threshold} not shown ({suppressed_label(threshold)})")
    synthetic = attrs.get("synthetic") is True or "synthetic" in source.lower()
    if synthetic and "SYNTHETIC" not in source:
        parts.append("SYNTHETIC data")
    return "; ".join(parts)


def alt_text(fig: go.Figure) -> str:
    """The text alternative of a figure made here: a sentence or two with its key numbers."""
    meta = fig.layout.meta
    if isinstance(meta, dict) and meta.get("alt_text"):
        return str(meta["alt_text"])
    title = fig.layout.title.text if fig.layout.title and fig.layout.title.text else "A chart"
    return f"{title}. No text alternative was recorded for this figure."


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------


def _threshold(frame: pd.DataFrame, suppress_below: int | None) -> int | None:
    if suppress_below is None:
        suppress_below = frame.attrs.get("suppressed_below")
    if suppress_below is None:
        return None
    if isinstance(suppress_below, bool) or not isinstance(suppress_below, int) or suppress_below < 1:
        raise AnalyticsError(
            f"suppress_below must be a whole number of 1 or more (e.g. 5) or None; got {suppress_below!r}.",
            title="Invalid threshold",
        )
    return suppress_below


def _numbers(values: Iterable) -> list[float | None]:
    """Numbers as floats, None where missing or not a number (e.g. an already suppressed "<5")."""
    series = pd.to_numeric(pd.Series(list(values), dtype=object), errors="coerce")
    # Whole numbers stay whole, so a count reads 30 and not 30.0 in the figure's data.
    return [None if pd.isna(v) else int(v) if float(v).is_integer() else float(v) for v in series]


def _hidden(value: float | None, threshold: int | None) -> bool:
    """A count public mode does not show: below the threshold, or already suppressed (None)."""
    if threshold is None:
        return False
    return value is None or value < threshold


def _flags(frame: pd.DataFrame, column: str) -> list[bool]:
    if column not in frame.columns:
        return [False] * len(frame)
    # Missing, NA and a suppressed "" are False.
    return [v is True or (not isinstance(v, str) and not pd.isna(v) and bool(v)) for v in frame[column].tolist()]


def _period_labels(attrs: dict) -> tuple[str, str]:
    return str(attrs.get("period_a") or "Period A"), str(attrs.get("period_b") or "Period B")


def _what(attrs: dict) -> str:
    """ "ASB", "Recorded crime", "Burglary": the subject at the start of a title."""
    word = subject(attrs)
    return word[:1].upper() + word[1:]


def _place(attrs: dict) -> str:
    return str(attrs.get("place") or "the selection")


def _fmt(value: float | None, threshold: int | None = None) -> str:
    """A count for a label: "1,234", or "<5" when hidden."""
    if _hidden(value, threshold):
        return suppressed_label(threshold)
    return "n/a" if value is None else format_count(round_half_up(value))


def _fmt_rate(value: float | None) -> str:
    return "n/a" if value is None else f"{value:,.1f}"


def _wrap(text: str, width: int = CAPTION_WRAP) -> list[str]:
    """Caption text as lines, broken after "; " where it can be."""
    lines: list[str] = []
    for part in text.split("; "):
        if lines and len(lines[-1]) + 2 + len(part) <= width:
            lines[-1] += "; " + part
        else:
            if lines:
                lines[-1] += ";"
            lines.extend(textwrap.wrap(part, width, break_on_hyphens=False) or [""])
    return lines


def _to_date(value) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return value.date().replace(day=1)
    if isinstance(value, datetime.date):
        return value.replace(day=1)
    stamp = pd.Timestamp(value)
    return datetime.date(stamp.year, stamp.month, 1)


def _runs(flags: Sequence[bool]) -> list[tuple[int, int]]:
    """(start, stop) index pairs of the runs of True."""
    runs, start = [], None
    for i, flag in enumerate(list(flags) + [False]):
        if flag and start is None:
            start = i
        elif not flag and start is not None:
            runs.append((start, i))
            start = None
    return runs


def _figure(
    *,
    chart: str,
    title: str,
    x_title: str,
    y_title: str,
    frame: pd.DataFrame,
    alt: str,
    threshold: int | None,
    subtitle: str = "",
    notes: Sequence[str] = (),
    height: int = 600,
    show_caption: bool = True,
) -> go.Figure:
    """An empty figure with the house layout, the caption under the plot and ``meta`` filled in."""
    text = caption(frame, threshold)
    lines = [line for note in notes for line in textwrap.wrap(note, CAPTION_WRAP, break_on_hyphens=False)] + _wrap(text)
    bottom = (_CAPTION_GAP_PX + _LINE_PX * len(lines) + 16) if show_caption else 60
    # One line each: plotly misplaces a title broken over lines.
    title_spec = {
        "text": title,
        "xref": "container",
        "x": 0.01,
        "xanchor": "left",
        "yref": "container",
        "y": 1,
        "yanchor": "top",
        "pad": {"t": 14},
        "font": {"size": TITLE_FONT_SIZE},
    }
    if subtitle:
        title_spec["subtitle"] = {"text": subtitle, "font": {"size": BASE_FONT_SIZE, "color": BLACK}}
    fig = go.Figure()
    fig.update_layout(
        template="simple_white",
        title=title_spec,
        font={"family": FONT_FAMILY, "size": BASE_FONT_SIZE, "color": BLACK},
        hoverlabel={"font": {"size": BASE_FONT_SIZE}},
        legend={
            "orientation": "h",
            "yanchor": "bottom",
            "y": 1.0,
            "xanchor": "left",
            "x": 0,
            "font": {"size": BASE_FONT_SIZE},
            "title": {"text": ""},
        },
        margin={"l": 20, "r": 30, "t": 130 if subtitle else 100, "b": bottom},
        height=height + bottom,
        meta={"chart": chart, "caption": text, "alt_text": alt, "suppress_below": threshold},
        xaxis={"title": {"text": x_title}, "showgrid": False, "automargin": True},
        yaxis={"title": {"text": y_title}, "showgrid": False, "automargin": True},
    )
    if show_caption:
        fig.add_annotation(
            text="<br>".join(lines),
            xref="paper",
            yref="paper",
            x=0,
            y=0,
            xanchor="left",
            yanchor="top",
            yshift=-_CAPTION_GAP_PX,
            align="left",
            showarrow=False,
            font={"size": NOTE_FONT_SIZE, "color": BLACK},
        )
    return fig


def _value_axis(fig: go.Figure, axis: str, title: str | None = None, zero_line: bool = False) -> None:
    """Light major gridlines on the value axis only; a black zero line for diverging bars."""
    settings = {
        "showgrid": True,
        "gridcolor": GRID_COLOUR,
        "gridwidth": 1,
        "minor": {"showgrid": False},
        "zeroline": zero_line,
        "tickformat": ",~r",
    }
    if zero_line:
        settings.update(zerolinecolor=BLACK, zerolinewidth=2)
    if title is not None:
        settings["title"] = {"text": title}
    (fig.update_xaxes if axis == "x" else fig.update_yaxes)(**settings)


def _pad_range(fig: go.Figure, axis: str, values: Iterable[float | None], room: float = 0.22) -> None:
    """Room beyond the longest bars for their outside labels (plotly does not reserve it)."""
    finite = [v for v in values if v is not None and math.isfinite(v)]
    if not finite:
        return
    low, high = min(0.0, min(finite)), max(0.0, max(finite))
    span = (high - low) or 1.0
    lower = low - room * span if low < 0 else 0.0
    upper = high + room * span if high > 0 else (0.1 * span if low < 0 else 1.0)
    (fig.update_xaxes if axis == "x" else fig.update_yaxes)(range=[lower, upper])


def _empty(fig: go.Figure, message: str) -> go.Figure:
    fig.add_annotation(
        text=message, xref="paper", yref="paper", x=0.5, y=0.5, showarrow=False, font={"size": BASE_FONT_SIZE + 2}
    )
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return fig


def _placeholders(
    fig: go.Figure,
    positions: list,
    hover: list[str],
    threshold: int | None,
    horizontal: bool,
    at=0,
    show_text: bool = True,
) -> None:
    """Grey markers at zero where public mode hides a value; hover says "<5"."""
    if not positions:
        return
    label = suppressed_label(threshold) if threshold else "n/a"
    x, y = ([at] * len(positions), positions) if horizontal else (positions, [at] * len(positions))
    fig.add_trace(
        go.Scatter(
            x=x,
            y=y,
            mode="markers+text" if show_text else "markers",
            name=f"Not shown ({label})",
            text=[label] * len(positions) if show_text else None,
            textposition="middle right" if horizontal else "top center",
            textfont={"size": BASE_FONT_SIZE, "color": BLACK},
            marker={"symbol": "square", "size": 12, "color": SUPPRESSED_COLOUR},
            hovertext=hover,
            hovertemplate="%{hovertext}<extra></extra>",
            cliponaxis=False,
        )
    )


def _category_axis(fig: go.Figure, axis: str, categories: list[str]) -> None:
    """Categories in the table's order (top to bottom on a vertical category axis)."""
    settings = {"type": "category", "categoryorder": "array", "categoryarray": categories, "showgrid": False}
    if axis == "y":
        settings["autorange"] = "reversed"
        fig.update_yaxes(**settings)
    else:
        fig.update_xaxes(**settings)


def _two_period_bars(
    fig: go.Figure,
    categories: list[str],
    names: list[str],
    values_a: list,
    values_b: list,
    counts_a: list,
    counts_b: list,
    attrs: dict,
    threshold: int | None,
    horizontal: bool,
    value_text,
    unit: str,
) -> None:
    """Grouped bars of period A and B; a value is hidden when its own count is (a rate with it).

    A hidden value gets a zero-length grey bar in its period's slot (same ``offsetgroup``), labelled
    and hovered "<5", so the reader sees which period is not shown.
    """
    a_label, b_label = _period_labels(attrs)
    placeholder_legend = True
    for group, label, colour, values, counts in (
        ("a", a_label, PERIOD_A_COLOUR, values_a, counts_a),
        ("b", b_label, PERIOD_B_COLOUR, values_b, counts_b),
    ):
        hidden = [_hidden(c, threshold) for c in counts]
        shown = [None if h else v for v, h in zip(values, hidden, strict=False)]
        text = [value_text(v) if v is not None else "" for v in shown]
        hover = [
            f"{name}<br>{label}: {value_text(v) if v is not None else 'n/a'} {unit}"
            for name, v in zip(names, shown, strict=False)
        ]
        axis_values = {"x": shown, "y": categories} if horizontal else {"x": categories, "y": shown}
        fig.add_trace(
            go.Bar(
                **axis_values,
                orientation="h" if horizontal else "v",
                name=label,
                offsetgroup=group,
                marker={"color": colour},
                text=text,
                textposition="outside",
                textfont={"size": NOTE_FONT_SIZE},
                cliponaxis=False,
                hovertext=hover,
                hovertemplate="%{hovertext}<extra></extra>",
            )
        )
        rows = [i for i, h in enumerate(hidden) if h]
        if not rows:
            continue
        mark = suppressed_label(threshold)
        # On a rate chart "<5" beside the bars would read as a rate under 5: say it is the count.
        note = mark if unit == "incidents" else f"{mark} incidents"
        where = [categories[i] for i in rows]
        axis_values = {"x": [0] * len(rows), "y": where} if horizontal else {"x": where, "y": [0] * len(rows)}
        fig.add_trace(
            go.Bar(
                **axis_values,
                orientation="h" if horizontal else "v",
                name=f"Not shown ({mark})",
                offsetgroup=group,
                legendgroup="not_shown",
                showlegend=placeholder_legend,
                marker={"color": SUPPRESSED_COLOUR, "line": {"color": SUPPRESSED_COLOUR, "width": 2}},
                text=[note] * len(rows),
                textposition="outside",
                textfont={"size": NOTE_FONT_SIZE},
                cliponaxis=False,
                hovertext=[
                    f"{names[i]}<br>{label}: {mark} incidents" + ("" if unit == "incidents" else f"; {unit}: not shown")
                    for i in rows
                ],
                hovertemplate="%{hovertext}<extra></extra>",
            )
        )
        placeholder_legend = False
    fig.update_layout(barmode="group", bargap=0.25, bargroupgap=0.05)
    drawn = [
        v
        for values, counts in ((values_a, counts_a), (values_b, counts_b))
        for v, c in zip(values, counts, strict=False)
        if not _hidden(c, threshold)
    ]
    _pad_range(fig, "x" if horizontal else "y", drawn, room=0.15)


# ---------------------------------------------------------------------------
# Incident types
# ---------------------------------------------------------------------------


def incident_types_chart(frame: pd.DataFrame, suppress_below: int | None = None) -> go.Figure:
    """Horizontal grouped bars of period A and B per key-word type (police.uk: crime type), in the
    table's order (most common first, at the top).

    ``frame``: :func:`analytics.analyses.incident_types.incident_types` (columns type, count_a, count_b).
    """
    require_columns(frame, ("type", "count_a", "count_b"), "incident_types_chart")
    threshold = _threshold(frame, suppress_below)
    attrs = frame.attrs
    a_label, b_label = _period_labels(attrs)
    grouped_by = str(attrs.get("grouped_by") or "key-word type")
    types = [str(t) for t in frame["type"]]
    counts_a, counts_b = _numbers(frame.count_a), _numbers(frame.count_b)

    top = []
    for name, ca, cb in list(zip(types, counts_a, counts_b, strict=False))[:3]:
        top.append(f"{name}, {_fmt(ca, threshold)} then {_fmt(cb, threshold)}")
    alt = (
        f"Horizontal bar chart of {subject(attrs)} in {_place(attrs)} by {grouped_by}, {a_label} and "
        f"{b_label}: {len(types)} type{'s' if len(types) != 1 else ''}. Most common: {'; '.join(top)}."
        if types
        else f"No {subject(attrs)} by {grouped_by} in {_place(attrs)} for {a_label} and {b_label}."
    )
    fig = _figure(
        chart="incident_types",
        frame=frame,
        alt=alt,
        threshold=threshold,
        title=f"{_what(attrs)} by {grouped_by} in {_place(attrs)}",
        subtitle=f"{a_label} and {b_label}",
        x_title="Incidents",
        y_title=grouped_by[:1].upper() + grouped_by[1:],
        height=max(420, 60 * len(types) + 120),
    )
    if not types:
        return _empty(fig, "No incidents in this selection.")
    _two_period_bars(
        fig,
        types,
        types,
        counts_a,
        counts_b,
        counts_a,
        counts_b,
        attrs,
        threshold,
        horizontal=True,
        value_text=lambda v: _fmt(v),
        unit="incidents",
    )
    _category_axis(fig, "y", types)
    _value_axis(fig, "x")
    return fig


# ---------------------------------------------------------------------------
# Wards
# ---------------------------------------------------------------------------


def _change_text(difference: float, pct: float | None, count_b: float | None, measure: str) -> str:
    diff = format_signed(round_half_up(difference))
    if pct is None:
        return f"{diff} (new)" if difference > 0 else diff
    if measure == "pct_change":
        return format_signed_pct(round_half_up(pct))
    return f"{diff} ({format_signed_pct(round_half_up(pct))})"


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
        population; see ``attrs['population_note']``).
    suppress_below : int, optional
        Public mode: wards with a count below it show a "<5" placeholder and no change.

    Rises are vermillion and falls blue. A significant change (``significant``) has a black
    outline and a "*" after the ward's name; small numbers (``small_numbers``) are hatched and
    marked "†". Wards are in the table's order (ward name), top to bottom.
    """
    if measure not in WARD_MEASURES:
        raise invalid_choice("ward chart measure", measure, WARD_MEASURES)
    needed = ["ward_name", "count_a", "count_b"]
    if measure == "rate":
        needed += ["rate_a_per_1000", "rate_b_per_1000"]
    require_columns(frame, needed, "ward_deltas_chart")
    threshold = _threshold(frame, suppress_below)
    attrs = frame.attrs
    a_label, b_label = _period_labels(attrs)
    wards = frame[frame.ward_name != GRAND_TOTAL]
    names = [str(n) for n in wards.ward_name]
    counts_a, counts_b = _numbers(wards.count_a), _numbers(wards.count_b)
    hidden = [_hidden(a, threshold) or _hidden(b, threshold) for a, b in zip(counts_a, counts_b, strict=False)]
    significant = [s and not h for s, h in zip(_flags(wards, "significant"), hidden, strict=False)]
    small = _flags(wards, "small_numbers")
    labels = [
        name + (f" {SIGNIFICANT_MARK}" if sig else "") + (f" {SMALL_NUMBERS_MARK}" if sm else "")
        for name, sig, sm in zip(names, significant, small, strict=False)
    ]
    p_values = _numbers(wards["p_value"]) if "p_value" in wards.columns else [None] * len(wards)
    if "pct_change" in wards.columns:
        pcts = _numbers(wards["pct_change"])
    else:
        pcts = [
            None if not a else 100 * (b - a) / a if a is not None and b is not None else None
            for a, b in zip(counts_a, counts_b, strict=False)
        ]
    what, place = subject(attrs), _place(attrs)

    notes = []
    if any(significant):
        notes.append(SIGNIFICANCE_NOTE)
    if any(small):
        notes.append(SMALL_NUMBERS_NOTE)
    if measure == "rate" and attrs.get("population_note"):
        notes.append(str(attrs["population_note"]))

    if measure in ("difference", "pct_change"):
        titles = {
            "difference": (f"Change in {what} by ward in {place}", f"Change in incidents ({b_label} minus {a_label})"),
            "pct_change": (
                f"Percentage change in {what} by ward in {place}",
                f"Change from {a_label} to {b_label} (%)",
            ),
        }[measure]
        alt = (
            f"No chart of change: {attrs['not_comparable']}"
            if attrs.get("not_comparable")
            else _ward_change_alt(names, counts_a, counts_b, pcts, significant, hidden, attrs, threshold)
        )
    else:
        unit = "incidents" if measure == "count" else "incidents per 1,000 residents"
        titles = (
            f"{_what(attrs)} by ward in {place}" + ("" if measure == "count" else " per 1,000 residents"),
            "Incidents" if measure == "count" else "Incidents per 1,000 residents (mid-2018 population)",
        )
        alt = _ward_level_alt(names, counts_a, counts_b, wards, measure, attrs, threshold)
    fig = _figure(
        chart=f"ward_deltas_{measure}",
        frame=frame,
        alt=alt,
        threshold=threshold,
        notes=notes,
        title=titles[0],
        x_title=titles[1],
        y_title="Ward",
        subtitle=f"{a_label} {'to' if measure in ('difference', 'pct_change') else 'and'} {b_label}",
        height=max(420, (30 if measure in ("difference", "pct_change") else 44) * len(names) + 120),
    )
    if not names:
        return _empty(fig, "No wards in this selection.")
    if measure in ("difference", "pct_change") and attrs.get("not_comparable"):
        return _empty(fig, "<br>".join(textwrap.wrap(str(attrs["not_comparable"]), 70)))

    if measure in ("count", "rate"):
        values_a = counts_a if measure == "count" else _numbers(wards.rate_a_per_1000)
        values_b = counts_b if measure == "count" else _numbers(wards.rate_b_per_1000)
        text = (lambda v: _fmt(v)) if measure == "count" else _fmt_rate
        _two_period_bars(
            fig,
            labels,
            names,
            values_a,
            values_b,
            counts_a,
            counts_b,
            attrs,
            threshold,
            horizontal=True,
            value_text=text,
            unit="incidents" if measure == "count" else "per 1,000 residents",
        )
        _category_axis(fig, "y", labels)
        _value_axis(fig, "x")
        return fig

    groups = {"Rise": ([], RISE_COLOUR), "Fall": ([], FALL_COLOUR), "No change": ([], NO_CHANGE_COLOUR)}
    markers, marker_hover, marker_text = [], [], []
    hidden_rows, hidden_hover = [], []
    for i, (label, name) in enumerate(zip(labels, names, strict=False)):
        a, b = counts_a[i], counts_b[i]
        if hidden[i]:
            hidden_rows.append(label)
            hidden_hover.append(f"{name}: {suppressed_label(threshold)} incidents in a period; change not shown")
            continue
        if a is None or b is None:
            continue
        difference = b - a
        pct = pcts[i]
        lines = [
            name,
            f"{a_label}: {_fmt(a)}",
            f"{b_label}: {_fmt(b)}",
            f"Change: {_change_text(difference, pct, b, 'difference')}",
        ]
        if p_values[i] is not None:
            lines.append(("Significant" if significant[i] else "Not significant") + f" (p = {p_values[i]:.3g})")
        if small[i]:
            lines.append("Small numbers: too few incidents to call")
        hover = "<br>".join(lines)
        value = difference if measure == "difference" else pct
        if value is None:  # no percentage from none
            markers.append(label)
            marker_text.append("new" if difference > 0 else "n/a")
            marker_hover.append(hover)
            continue
        group = "Rise" if difference > 0 else "Fall" if difference < 0 else "No change"
        groups[group][0].append(
            (label, value, _change_text(difference, pct, b, measure), hover, significant[i], small[i])
        )
    for group, (rows, colour) in groups.items():
        if not rows:
            continue
        fig.add_trace(
            go.Bar(
                x=[r[1] for r in rows],
                y=[r[0] for r in rows],
                orientation="h",
                name=group,
                marker={
                    "color": colour,
                    "line": {"color": BLACK, "width": [3 if r[4] else 0 for r in rows]},
                    "pattern": {"shape": ["/" if r[5] else "" for r in rows], "fgcolor": BLACK, "solidity": 0.3},
                },
                text=[r[2] for r in rows],
                textposition="outside",
                textfont={"size": NOTE_FONT_SIZE},
                cliponaxis=False,
                hovertext=[r[3] for r in rows],
                hovertemplate="%{hovertext}<extra></extra>",
            )
        )
    if markers:
        fig.add_trace(
            go.Scatter(
                x=[0] * len(markers),
                y=markers,
                mode="markers+text",
                name="No percentage (none before)",
                text=marker_text,
                textposition="middle right",
                textfont={"size": NOTE_FONT_SIZE},
                marker={"symbol": "diamond", "size": 12, "color": RISE_COLOUR},
                hovertext=marker_hover,
                hovertemplate="%{hovertext}<extra></extra>",
                cliponaxis=False,
            )
        )
    _placeholders(fig, hidden_rows, hidden_hover, threshold, horizontal=True)
    fig.update_layout(barmode="relative", bargap=0.3)
    _pad_range(fig, "x", [r[1] for rows, _ in groups.values() for r in rows], room=0.3)
    _category_axis(fig, "y", labels)
    _value_axis(fig, "x", zero_line=True)
    if measure == "pct_change":
        fig.update_xaxes(ticksuffix="%")
    return fig


def _ward_change_alt(names, counts_a, counts_b, pcts, significant, hidden, attrs, threshold) -> str:
    a_label, b_label = _period_labels(attrs)
    what, place = subject(attrs), _place(attrs)
    shown = [i for i in range(len(names)) if not hidden[i] and counts_a[i] is not None and counts_b[i] is not None]
    if not names:
        return f"No wards in {place} for {a_label} and {b_label}."
    rises = [i for i in shown if counts_b[i] > counts_a[i]]
    falls = [i for i in shown if counts_b[i] < counts_a[i]]
    text = (
        f"Bar chart of the change in {what} in each of {len(names)} wards of {place} from {a_label} to "
        f"{b_label}: {len(rises)} rose, {len(falls)} fell"
    )
    same = len(shown) - len(rises) - len(falls)
    text += f", {same} unchanged." if same else "."

    def describe(i: int) -> str:
        diff = counts_b[i] - counts_a[i]
        detail = _change_text(diff, pcts[i], counts_b[i], "difference")
        return f"{names[i]}, {detail}" + (", significant" if significant[i] else "")

    if rises:
        text += f" Largest rise: {describe(max(rises, key=lambda i: (counts_b[i] - counts_a[i], -i)))}."
    if falls:
        text += f" Largest fall: {describe(min(falls, key=lambda i: (counts_b[i] - counts_a[i], i)))}."
    n_sig = sum(significant)
    if n_sig:
        text += f" {n_sig} significant change{'s' if n_sig != 1 else ''}."
    n_hidden = sum(hidden)
    if n_hidden:
        text += (
            f" {n_hidden} ward{'s' if n_hidden != 1 else ''} with fewer than {threshold} incidents in a "
            "period not shown."
        )
    return text


def _ward_level_alt(names, counts_a, counts_b, wards, measure, attrs, threshold) -> str:
    a_label, b_label = _period_labels(attrs)
    what, place = subject(attrs), _place(attrs)
    if not names:
        return f"No wards in {place} for {a_label} and {b_label}."
    if measure == "count":
        values = counts_b
        fmt = _fmt
        unit = "incidents"
    else:
        values = _numbers(wards.rate_b_per_1000)
        fmt = _fmt_rate
        unit = "per 1,000 residents"
    shown = [
        i
        for i in range(len(names))
        if values[i] is not None and not (_hidden(counts_a[i], threshold) or _hidden(counts_b[i], threshold))
    ]
    text = f"Bar chart of {what} {unit} in each of {len(names)} wards of {place}, {a_label} and {b_label}."
    if shown:
        top = max(shown, key=lambda i: (values[i], -i))
        low = min(shown, key=lambda i: (values[i], i))
        text += f" Highest in {b_label}: {names[top]}, {fmt(values[top])}; lowest: {names[low]}, {fmt(values[low])}."
    hidden = len(names) - len(shown)
    if threshold and hidden:
        text += f" {hidden} ward{'s' if hidden != 1 else ''} not shown (fewer than {threshold} incidents)."
    return text


# ---------------------------------------------------------------------------
# Districts and recorded crime
# ---------------------------------------------------------------------------


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
    threshold = _threshold(frame, suppress_below)
    attrs = frame.attrs
    a_label, b_label = _period_labels(attrs)
    rows = frame
    total = None
    if len(frame) and frame.district.iloc[-1] in DISTRICT_TOTALS:
        rows, total = frame.iloc[:-1], frame.iloc[-1]
    names = [str(d) for d in rows.district]
    counts_a, counts_b = _numbers(rows.count_a), _numbers(rows.count_b)
    hidden = [_hidden(a, threshold) or _hidden(b, threshold) for a, b in zip(counts_a, counts_b, strict=False)]
    significant = [s and not h for s, h in zip(_flags(rows, "significant"), hidden, strict=False)]
    labels = [n + (f" {SIGNIFICANT_MARK}" if s else "") for n, s in zip(names, significant, strict=False)]
    if measure == "count":
        values_a, values_b, text, unit = counts_a, counts_b, (lambda v: _fmt(v)), "incidents"
    else:
        values_a, values_b = _numbers(rows.rate_a_per_1000), _numbers(rows.rate_b_per_1000)
        text, unit = _fmt_rate, "per 1,000 residents"

    what = subject(attrs)
    # Period B's value: shown when period B's count is (a rate rests on its own period's count).
    parts = [
        f"{n} {_fmt(cb, threshold)}" + ("" if measure == "count" else " incidents, rate not shown")
        if _hidden(cb, threshold)
        else f"{n} {'n/a' if v is None else text(v)}"
        for n, v, cb in zip(names, values_b, counts_b, strict=False)
    ]
    alt = (
        f"Bar chart of {what} {'incidents' if measure == 'count' else 'per 1,000 residents'} by district, "
        f"{a_label} and {b_label}. In {b_label}: {', '.join(parts)}."
        if names
        else f"No districts in this selection for {a_label} and {b_label}."
    )
    if attrs.get("not_comparable"):
        alt += f" {attrs['not_comparable']}"
    elif total is not None:
        tot_a, tot_b = _numbers([total.count_a, total.count_b])
        if tot_a is not None and tot_b is not None and (tot_a or tot_b):
            alt += (
                f" {total.district}: {what} "
                f"{change_phrase(int(tot_a), int(tot_b), threshold)} from {a_label} to {b_label}."
            )
    notes = [SIGNIFICANCE_NOTE.replace(" and black outline", "")] if any(significant) else []
    if measure == "rate" and attrs.get("population_note"):
        notes.append(str(attrs["population_note"]))
    fig = _figure(
        chart=f"districts_{measure}",
        frame=frame,
        alt=alt,
        threshold=threshold,
        notes=notes,
        title=f"{_what(attrs)} by district" + ("" if measure == "count" else " per 1,000 residents"),
        subtitle=f"{a_label} and {b_label}",
        x_title="District",
        y_title="Incidents" if measure == "count" else "Incidents per 1,000 residents (mid-2018 population)",
        height=520,
    )
    if not names:
        return _empty(fig, "No districts in this selection.")
    _two_period_bars(
        fig,
        labels,
        names,
        values_a,
        values_b,
        counts_a,
        counts_b,
        attrs,
        threshold,
        horizontal=False,
        value_text=text,
        unit=unit,
    )
    _category_axis(fig, "x", labels)
    _value_axis(fig, "y")
    return fig


def crime_ytd_chart(frame: pd.DataFrame, suppress_below: int | None = None) -> go.Figure:
    """Horizontal grouped bars of period A and B per crime type (or district, or ward), in the
    table's order; the total row ("All recorded crime") is left out of the bars and given in the
    text alternative.

    ``frame``: :func:`analytics.analyses.crime.crime_ytd`.
    """
    require_columns(frame, ("count_a", "count_b"), "crime_ytd_chart")
    label_column = next((c for c in CRIME_LABEL_COLUMNS if c in frame.columns), None)
    if label_column is None:
        raise AnalyticsError(
            f"crime_ytd_chart needs one of the columns {', '.join(CRIME_LABEL_COLUMNS)}.", title="Wrong table"
        )
    threshold = _threshold(frame, suppress_below)
    attrs = frame.attrs
    a_label, b_label = _period_labels(attrs)
    rows, total = frame, None
    if len(frame) > 1 and frame[label_column].iloc[-1] in (ALL_CRIME, attrs.get("category")):
        rows, total = frame.iloc[:-1], frame.iloc[-1]
    names = [str(n) for n in rows[label_column]]
    counts_a, counts_b = _numbers(rows.count_a), _numbers(rows.count_b)
    grouping = {"crime_type": "crime type", "ward_name": "ward", "district": "district"}[label_column]
    what, place = subject(attrs), _place(attrs)

    alt = f"Bar chart of {what} in {place} by {grouping}, {a_label} and {b_label}."
    if attrs.get("not_comparable"):
        alt += f" {attrs['not_comparable']}"
    elif total is not None:
        tot_a, tot_b = _numbers([total.count_a, total.count_b])
        if tot_a is not None and tot_b is not None:
            alt += f" In all, {what} {change_phrase(int(tot_a), int(tot_b), threshold)}."
    top = [
        f"{n}, {_fmt(ca, threshold)} then {_fmt(cb, threshold)}"
        for n, ca, cb in list(zip(names, counts_a, counts_b, strict=False))[:3]
    ]
    if top:
        alt += f" Largest: {'; '.join(top)}."
    fig = _figure(
        chart="crime_ytd",
        frame=frame,
        alt=alt,
        threshold=threshold,
        title=f"{_what(attrs)} by {grouping} in {place}",
        subtitle=f"{a_label} and {b_label}",
        x_title="Offences" if "crime" in what else "Incidents",
        y_title=grouping[:1].upper() + grouping[1:],
        height=max(420, 44 * len(names) + 120),
    )
    if not names:
        return _empty(fig, "No recorded crime in this selection.")
    _two_period_bars(
        fig,
        names,
        names,
        counts_a,
        counts_b,
        counts_a,
        counts_b,
        attrs,
        threshold,
        horizontal=True,
        value_text=lambda v: _fmt(v),
        unit="offences",
    )
    _category_axis(fig, "y", names)
    _value_axis(fig, "x")
    return fig


# ---------------------------------------------------------------------------
# Months and seasons
# ---------------------------------------------------------------------------


def _monthly_arrays(frame: pd.DataFrame, threshold: int | None):
    months = [_to_date(m) for m in frame.month]
    counts = _numbers(frame["count"])
    present = _flags(frame, "present") if "present" in frame.columns else [c is not None for c in counts]
    partial = _flags(frame, "partial")
    # A month is hidden in public mode when the source has it but its count is below the threshold.
    hidden = [p and _hidden(c, threshold) for p, c in zip(present, counts, strict=False)]
    return months, counts, present, partial, hidden


def monthly_chart(frame: pd.DataFrame, suppress_below: int | None = None) -> go.Figure:
    """The monthly series with its expected range shaded, months outside it marked, and missing
    months as gaps (never joined across a gap, and shaded "No data").

    ``frame``: :func:`analytics.analyses.seasonal.decomposition` (month, count, expected, lower, upper,
    outside_band, present, partial, method); :func:`analytics.analyses.seasonal.monthly_series` works too
    (no band). Partial months (the source's first or last month not wholly covered) are hollow
    markers off the line, as the analysis leaves them out of every comparison.
    """
    require_columns(frame, ("month", "count"), "monthly_chart")
    threshold = _threshold(frame, suppress_below)
    attrs = frame.attrs
    months, counts, present, partial, hidden = _monthly_arrays(frame, threshold)
    has_band = all(c in frame.columns for c in ("expected", "lower", "upper"))
    expected = _numbers(frame.expected) if has_band else [None] * len(months)
    lower = _numbers(frame.lower) if has_band else [None] * len(months)
    upper = _numbers(frame.upper) if has_band else [None] * len(months)
    outside = _flags(frame, "outside_band")
    what, place = subject(attrs), _place(attrs)
    window = str(attrs.get("period_a") or (month_runs([months[0], months[-1]]) if months else ""))

    line = [c if p and not q and not h else None for c, p, q, h in zip(counts, present, partial, hidden, strict=False)]
    flagged = [i for i in range(len(months)) if outside[i] and line[i] is not None]
    missing = [not p for p in present]

    notes = []
    if has_band and "method" in frame.columns and len(frame):
        notes.append(f"Expected range: {frame['method'].iloc[0]}")
    if any(missing):
        notes.append("Shaded gaps: months the source has no data for (not zero)")
    if any(partial):
        notes.append("Hollow marker: a partial month, left out of the comparison")

    shown = [i for i, v in enumerate(line) if v is not None]
    alt = f"Line chart of {what} per month in {place}, {window}."
    if shown:
        high = max(shown, key=lambda i: (line[i], -i))
        low = min(shown, key=lambda i: (line[i], i))
        alt += (
            f" {len(shown)} months drawn, from {_fmt(line[low])} ({month_label(months[low])}) to "
            f"{_fmt(line[high])} ({month_label(months[high])})."
        )
    if has_band:
        if flagged:
            listed = ", ".join(f"{month_label(months[i])} ({_fmt(line[i])})" for i in flagged[:3])
            more = f" and {len(flagged) - 3} more" if len(flagged) > 3 else ""
            alt += f" {len(flagged)} outside the expected range: {listed}{more}."
        else:
            alt += " No month outside the expected range."
    if any(missing):
        alt += f" Missing months shown as gaps: {month_runs([m for m, x in zip(months, missing, strict=False) if x])}."
    if any(partial):
        alt += f" Partial month: {month_runs([m for m, x in zip(months, partial, strict=False) if x])}."
    if any(hidden):
        alt += f" {sum(hidden)} months with fewer than {threshold} incidents not shown."

    fig = _figure(
        chart="monthly",
        frame=frame,
        alt=alt,
        threshold=threshold,
        notes=notes,
        title=f"{_what(attrs)} per month in {place}",
        subtitle=window,
        x_title="Month",
        y_title="Incidents per month",
        height=520,
    )
    if not months:
        return _empty(fig, "No months in this selection.")

    # The expected range: one closed polygon per run of modelled months, so no band crosses a gap.
    band_ok = [
        lo is not None and up is not None and not h and not q
        for lo, up, h, q in zip(lower, upper, hidden, partial, strict=False)
    ]
    for n, (start, stop) in enumerate(_runs(band_ok)):
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
    if has_band:
        fig.add_trace(
            go.Scatter(
                x=months,
                y=[e if ok else None for e, ok in zip(expected, band_ok, strict=False)],
                mode="lines",
                name="Expected",
                line={"color": BLACK, "width": 2, "dash": "dash"},
                connectgaps=False,
                hovertext=[
                    f"{month_label(m)}: expected about {_fmt(e)}" if e is not None and ok else ""
                    for m, e, ok in zip(months, expected, band_ok, strict=False)
                ],
                hovertemplate="%{hovertext}<extra></extra>",
            )
        )
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
                f"{month_label(m)}: {_fmt(v)}" if v is not None else "" for m, v in zip(months, line, strict=False)
            ],
            hovertemplate="%{hovertext}<extra></extra>",
        )
    )
    if flagged:
        fig.add_trace(
            go.Scatter(
                x=[months[i] for i in flagged],
                y=[line[i] for i in flagged],
                mode="markers",
                name="Outside expected range",
                marker={"symbol": "diamond", "size": 14, "color": FLAG_COLOUR, "line": {"color": BLACK, "width": 1}},
                hovertext=[
                    f"{month_label(months[i])}: {_fmt(line[i])}, expected about {_fmt(expected[i])}" for i in flagged
                ],
                hovertemplate="%{hovertext}<extra></extra>",
            )
        )
    partial_rows = [i for i in range(len(months)) if partial[i] and not hidden[i] and counts[i] is not None]
    if partial_rows:
        fig.add_trace(
            go.Scatter(
                x=[months[i] for i in partial_rows],
                y=[counts[i] for i in partial_rows],
                mode="markers",
                name="Partial month",
                marker={"symbol": "circle-open", "size": 12, "color": BLUE, "line": {"width": 2}},
                hovertext=[
                    f"{month_label(months[i])}: {_fmt(counts[i])} (partial month, not compared)" for i in partial_rows
                ],
                hovertemplate="%{hovertext}<extra></extra>",
            )
        )
    _placeholders(
        fig,
        [months[i] for i in range(len(months)) if hidden[i]],
        [f"{month_label(m)}: {suppressed_label(threshold)}" for m, h in zip(months, hidden, strict=False) if h],
        threshold,
        horizontal=False,
        show_text=False,
    )
    # Points sit on the first of their month, so a missing run is shaded from half a month before
    # its first month to half a month after its last: the shading covers exactly the gap in the line.
    half_month = datetime.timedelta(days=15)
    for start, stop in _runs(missing):
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
    _value_axis(fig, "y")
    fig.update_yaxes(rangemode="tozero")
    fig.update_xaxes(showgrid=False, dtick="M12" if len(months) > 24 else "M3", tickformat="%b %Y")
    # Four or more legend entries wrap onto a second line in a half-width column, and a horizontal
    # legend grows upwards: room for it, so it does not cover the subtitle.
    entries = sum(1 for trace in fig.data if trace.showlegend is not False and trace.name)
    if entries > 3:
        fig.update_layout(margin_t=fig.layout.margin.t + 30, height=fig.layout.height + 30)
    return fig


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
    threshold = _threshold(frame, suppress_below)
    attrs = frame.attrs
    names = [str(n) for n in frame.month_name]
    abbreviations = [n[:3] for n in names]
    month_numbers = (
        [int(m) for m in frame.month_of_year]
        if "month_of_year" in frame.columns
        else [_MONTH_ABBREVIATIONS.index(a) + 1 if a in _MONTH_ABBREVIATIONS else 0 for a in abbreviations]
    )
    values = _numbers(frame[column])
    means = _numbers(frame.mean_count) if "mean_count" in frame.columns else [None] * len(names)
    hidden = [
        threshold is not None and (m is None or m < threshold) and v is not None
        for m, v in zip(means, values, strict=False)
    ]
    shown = [None if h else v for v, h in zip(values, hidden, strict=False)]
    what, place = subject(attrs), _place(attrs)
    window = str(attrs.get("period_a") or "")

    drawn = [i for i, v in enumerate(shown) if v is not None]
    alt = (
        f"Bar chart of the month-of-year index of {what} in {place}{', ' + window if window else ''} "
        "(100 is an average month)."
    )
    # Ranked on the unrounded factor where the frame has it: two months whose indices round alike
    # are told apart as the seasonal sentence tells them.
    factors = (
        _numbers(frame.adjusted_factor) if column == "adjusted_index" and "adjusted_factor" in frame.columns else shown
    )
    if drawn:
        ranked = sorted(drawn, key=lambda i: (-factors[i], i))
        alt += (
            " Highest: "
            + ", ".join(f"{names[i]} {round_half_up(shown[i])}" for i in ranked[:2])
            + f"; lowest: {names[ranked[-1]]} {round_half_up(shown[ranked[-1]])}."
        )
        above = [names[i] for i in drawn if shown[i] > 100]
        if above:
            alt += f" Above average: {', '.join(above)}."
    else:
        alt += " No month has enough data for an index."
    notes = []
    if column == "adjusted_index" and attrs.get("balanced") is False:
        notes.append(
            "Index adjusted for each financial year's level, because the years contribute different "
            "months (Poisson log-linear model; no month filled in)"
        )
    fig = _figure(
        chart="profile",
        frame=frame,
        alt=alt,
        threshold=threshold,
        notes=notes,
        title=f"{_what(attrs)} by month of the year in {place}",
        subtitle=f"{window}{'; ' if window else ''}index, 100 = an average month",
        x_title="Month",
        y_title="Index (100 = average month)",
        height=500,
    )
    if not names:
        return _empty(fig, "No months in this selection.")
    for name, is_highlight, colour in (("October and November", True, HIGHLIGHT_COLOUR), ("Other months", False, BLUE)):
        rows = [i for i in range(len(names)) if (month_numbers[i] in _HIGHLIGHT_MONTHS) == is_highlight]
        if not rows:
            continue
        fig.add_trace(
            go.Bar(
                x=[abbreviations[i] for i in rows],
                y=[shown[i] - 100 if shown[i] is not None else None for i in rows],
                base=[100] * len(rows),
                name=name,
                marker={"color": colour},
                text=[str(round_half_up(shown[i])) if shown[i] is not None else "" for i in rows],
                textposition="outside",
                textfont={"size": NOTE_FONT_SIZE},
                cliponaxis=False,
                hovertext=[
                    f"{names[i]}: index {round_half_up(shown[i])}"
                    + (
                        f" ({means[i]:,.0f} a month on average over {int(frame.years.iloc[i])} years)"
                        if means[i] is not None and "years" in frame.columns
                        else ""
                    )
                    if shown[i] is not None
                    else f"{names[i]}: no data"
                    for i in rows
                ],
                hovertemplate="%{hovertext}<extra></extra>",
            )
        )
    _placeholders(
        fig,
        [abbreviations[i] for i in range(len(names)) if hidden[i]],
        [f"{names[i]}: {suppressed_label(threshold)} a month" for i in range(len(names)) if hidden[i]],
        threshold,
        horizontal=False,
        at=100,
    )
    fig.add_hline(y=100, line={"color": BLACK, "width": 2})
    _category_axis(fig, "x", abbreviations)
    _value_axis(fig, "y")
    fig.update_layout(barmode="overlay", bargap=0.2)
    return fig


def year_on_year_chart(frame: pd.DataFrame, suppress_below: int | None = None) -> go.Figure:
    """One line per year over the positions 1..12 of the year (April first for financial years).

    ``frame``: :func:`analytics.analyses.seasonal.year_on_year`. Months with no data are gaps, and a year
    with no data at all is left out; partial months are hollow markers off the line; the latest
    year is drawn thickest, in blue.
    """
    require_columns(frame, ("year_label", "position", "count"), "year_on_year_chart")
    threshold = _threshold(frame, suppress_below)
    attrs = frame.attrs
    what, place = subject(attrs), _place(attrs)
    order = (
        frame.sort_values(["year", "position"], kind="stable")
        if "year" in frame.columns
        else frame.sort_values("position", kind="stable")
    )
    names = {}
    if "month_name" in frame.columns:
        first = frame.drop_duplicates("position").sort_values("position")
        names = {int(p): str(n) for p, n in zip(first.position, first.month_name, strict=False)}
    tick_text = {p: names.get(p, str(p))[:3] for p in range(1, 13)}
    financial = names.get(1) == "April"

    # Each year's months: (positions, counts, partial, hidden); years with nothing to draw are dropped.
    years: dict[str, tuple] = {}
    for year in dict.fromkeys(str(y) for y in order.year_label):
        rows = order[order.year_label.astype(str) == year]
        counts = _numbers(rows["count"])
        if all(c is None for c in counts):
            continue
        years[year] = (
            [int(p) for p in rows.position],
            counts,
            _flags(rows, "partial"),
            [c is not None and _hidden(c, threshold) for c in counts],
        )

    peaks: dict[str, list[str]] = {}
    totals = []
    traces, hidden_x, hidden_hover = [], [], []
    labels = list(years)
    for n, year in enumerate(labels):
        positions, counts, partial, hidden = years[year]
        line = [c if not q and not h else None for c, q, h in zip(counts, partial, hidden, strict=False)]
        colour = YEAR_COLOURS[(len(labels) - 1 - n) % len(YEAR_COLOURS)]
        latest = n == len(labels) - 1
        traces.append(
            go.Scatter(
                x=positions,
                y=line,
                mode="lines+markers",
                name=year,
                connectgaps=False,
                line={"color": colour, "width": 4.5 if latest else 2.5},
                marker={"size": 7, "color": colour},
                hovertext=[
                    f"{year}, {tick_text[p]}: {_fmt(v)}" if v is not None else ""
                    for p, v in zip(positions, line, strict=False)
                ],
                hovertemplate="%{hovertext}<extra></extra>",
            )
        )
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
                    hovertext=[f"{year}, {tick_text[positions[i]]}: {_fmt(counts[i])} (partial month)" for i in part],
                    hovertemplate="%{hovertext}<extra></extra>",
                )
            )
        hidden_x += [positions[i] for i in range(len(positions)) if hidden[i]]
        hidden_hover += [
            f"{year}, {tick_text[positions[i]]}: {suppressed_label(threshold)}"
            for i in range(len(positions))
            if hidden[i]
        ]
        drawn = [i for i, v in enumerate(line) if v is not None]
        if drawn:
            peak = max(drawn, key=lambda i: (line[i], -i))
            peaks.setdefault(names.get(positions[peak], tick_text[positions[peak]]), []).append(year)
            if len(drawn) == 12:
                totals.append(f"{year} {_fmt(sum(line[i] for i in drawn))}")

    kind = "financial year" if financial else "year"
    alt = f"Line chart of {what} per month in {place}, one line per {kind}"
    alt += f" ({labels[0]} to {labels[-1]})." if len(labels) > 1 else (f" ({labels[0]})." if labels else ".")
    if peaks:
        alt += (
            " Peak month: "
            + "; ".join(
                f"{month} in {', '.join(ys[:-1]) + ' and ' + ys[-1] if len(ys) > 1 else ys[0]}"
                for month, ys in sorted(peaks.items(), key=lambda item: -len(item[1]))
            )
            + "."
        )
    if totals:
        alt += f" Full-year totals: {', '.join(totals)}."
    gaps = frame["count"].isna().any() or any(_flags(frame, "partial"))
    fig = _figure(
        chart="year_on_year",
        frame=frame,
        alt=alt,
        threshold=threshold,
        title=f"{_what(attrs)} per month in {place}, year on year",
        subtitle=f"{labels[0]} to {labels[-1]}" if len(labels) > 1 else (labels[0] if labels else ""),
        x_title=f"Month of the {'financial' if financial else 'calendar'} year",
        y_title="Incidents per month",
        height=520,
        notes=["Gaps: months with no data; hollow markers: partial months"] if gaps else (),
    )
    if not labels:
        return _empty(fig, "No months in this selection.")
    for trace in traces:
        fig.add_trace(trace)
    _placeholders(fig, hidden_x, hidden_hover, threshold, horizontal=False, show_text=False)
    fig.update_xaxes(
        tickmode="array", tickvals=list(range(1, 13)), ticktext=[tick_text[p] for p in range(1, 13)], range=[0.5, 12.5]
    )
    _value_axis(fig, "y")
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
    threshold = _threshold(frame, suppress_below)
    attrs = frame.attrs
    months, counts, present, partial, hidden = _monthly_arrays(frame, threshold)
    line = [c if p and not q and not h else None for c, p, q, h in zip(counts, present, partial, hidden, strict=False)]
    what, place = subject(attrs), _place(attrs)
    drawn = [i for i, v in enumerate(line) if v is not None]
    alt = f"Small line chart of {what} per month in {place}"
    if drawn:
        last = drawn[-1]
        alt += (
            f", {month_label(months[drawn[0]])} to {month_label(months[last])}; latest complete month "
            f"{month_label(months[last])}: {_fmt(line[last])}."
        )
    else:
        alt += ": no months to draw."
    fig = _figure(
        chart="trend",
        frame=frame,
        alt=alt,
        threshold=threshold,
        show_caption=False,
        title=title or f"{_what(attrs)} per month, {place}",
        x_title="Month",
        y_title="Incidents",
        height=height,
    )
    fig.update_layout(
        margin={"l": 10, "r": 60, "t": 50, "b": 40}, showlegend=False, title={"font": {"size": BASE_FONT_SIZE + 2}}
    )
    if not drawn:
        return _empty(fig, "No data")
    fig.add_trace(
        go.Scatter(
            x=months,
            y=line,
            mode="lines",
            connectgaps=False,
            name=what,
            line={"color": BLUE, "width": 2.5},
            hovertext=[
                f"{month_label(m)}: {_fmt(v)}" if v is not None else "" for m, v in zip(months, line, strict=False)
            ],
            hovertemplate="%{hovertext}<extra></extra>",
        )
    )
    _placeholders(
        fig,
        [m for m, h in zip(months, hidden, strict=False) if h],
        [f"{month_label(m)}: {suppressed_label(threshold)}" for m, h in zip(months, hidden, strict=False) if h],
        threshold,
        horizontal=False,
        show_text=False,
    )
    last = drawn[-1]
    fig.add_trace(
        go.Scatter(
            x=[months[last]],
            y=[line[last]],
            mode="markers+text",
            text=[_fmt(line[last])],
            textposition="middle right",
            textfont={"size": MIN_FONT_SIZE},
            marker={"size": 9, "color": ORANGE},
            cliponaxis=False,
            hoverinfo="skip",
        )
    )
    fig.update_xaxes(showgrid=False, tickformat="%Y", dtick="M12", title={"text": "Month", "standoff": 2})
    _value_axis(fig, "y")
    fig.update_yaxes(rangemode="tozero", nticks=3)
    return fig


# ---------------------------------------------------------------------------
# PNG export
# ---------------------------------------------------------------------------

_KALEIDO_LOCK = threading.Lock()
_KALEIDO_STARTED = False


def _ensure_kaleido_server() -> None:
    """Start kaleido's Chromium once per process and keep it: a cold start costs about 4 s a chart,
    a warm one about 0.4 s, which is what makes a briefing pack of five charts quick."""
    global _KALEIDO_STARTED
    with _KALEIDO_LOCK:
        if not _KALEIDO_STARTED:
            import kaleido

            kaleido.start_sync_server(silence_warnings=True)
            atexit.register(kaleido.stop_sync_server, silence_warnings=True)
            _KALEIDO_STARTED = True


def to_png(fig: go.Figure, width: int = 1200, height: int = 700) -> bytes:
    """The figure as a PNG image of ``width`` × ``height`` pixels, drawn by kaleido in a headless
    Chromium (Debian's ``/usr/bin/chromium`` on PATH will do; ``BROWSER_PATH`` can name another).

    A tall chart (many wards) reads better at its own height: ``to_png(fig, height=fig.layout.height)``.

    Raises
    ------
    AnalyticsError
        When kaleido is not installed or cannot start Chromium; the message says which and what
        to install. The figure itself is unaffected, so a page can show the chart and the error.
    """
    for name, value in (("width", width), ("height", height)):
        if isinstance(value, bool) or not isinstance(value, int) or not 10 <= value <= 10_000:
            raise AnalyticsError(
                f"PNG {name} must be a whole number of pixels from 10 to 10,000; got {value!r}.",
                title="Invalid image size",
            )
    if importlib.util.find_spec("kaleido") is None:
        raise AnalyticsError(
            "PNG export needs the kaleido package, which is not installed.",
            title="Cannot make a PNG",
            fix="Install it with `.venv/bin/pip install kaleido` (it draws with Chromium: `apt-get install chromium`).",
        )
    try:
        _ensure_kaleido_server()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "kopts is ignored if using a server": expected
            png = pio.to_image(fig, format="png", width=width, height=height, scale=1)
    except Exception as error:  # kaleido raises several kinds when Chromium cannot start or crashes
        raise AnalyticsError(
            f"The chart could not be drawn as a PNG: kaleido could not run a headless "
            f"Chromium ({type(error).__name__}: {error}).".replace("\n", " "),
            title="Cannot make a PNG",
            fix="Install Chromium (`apt-get install chromium`) so that `chromium` is on PATH, "
            "or set BROWSER_PATH to a Chrome or Chromium executable.",
        ) from error
    if not isinstance(png, bytes) or not png.startswith(PNG_SIGNATURE):
        raise AnalyticsError(
            "kaleido returned something that is not a PNG image.",
            title="Cannot make a PNG",
            fix="Update kaleido and Chromium.",
        )
    return png
