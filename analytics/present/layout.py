"""The house layout of every chart: type for a projector, the caption under the plot, the axes,
the empty-figure message and the public-mode placeholders.

A chart builder (:mod:`analytics.present.charts`) starts from :func:`new_figure`, which sets the
title, the axis titles, the size and ``layout.meta = {"chart", "caption", "alt_text",
"suppress_below"}``, and writes the caption (:func:`caption`) and any notes under the plot, so a
downloaded image keeps its source.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Iterable, Sequence

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from analytics.core.table_meta import caption as table_caption
from analytics.core.table_meta import meta_of
from analytics.core.vocabulary import BLACK, suppressed_label
from analytics.present.style import SUPPRESSED_COLOUR

# ---------------------------------------------------------------------------
# Type and layout for a projector
# ---------------------------------------------------------------------------
MIN_FONT_SIZE = 14
BASE_FONT_SIZE = 16
TITLE_FONT_SIZE = 22
NOTE_FONT_SIZE = 14
FONT_FAMILY = "Arial, Helvetica, 'Liberation Sans', 'DejaVu Sans', sans-serif"
GRID_COLOUR = "#D9D9D9"
#: The house template, plotly's "simple_white", made every figure's default here, once. Named on
#: each figure instead, plotly's validator deep-copies it every time (about 30 ms a figure, some
#: 0.25 s of a session's first page); as the default it is shared.
TEMPLATE = "simple_white"
pio.templates.default = TEMPLATE
CAPTION_WRAP = 110  # characters a line in the caption under the plot
_CAPTION_GAP_PX = 64  # from the bottom of the plot area to the caption (below the axis title)
_LINE_PX = 20
CAPTION_NAME = "caption"  # the name of the caption's annotation (figure_on_screen takes it out)
_SCREEN_BOTTOM_PX = 70  # under the plot on screen: the tick labels and the x axis title

SIGNIFICANT_MARK = "*"
SMALL_NUMBERS_MARK = "\u2020"  # dagger
SIGNIFICANCE_NOTE = f"{SIGNIFICANT_MARK} and black outline: significant change (E-test, p < 0.05)"
SMALL_NUMBERS_NOTE = f"{SMALL_NUMBERS_MARK} and hatching: small numbers, too few incidents to call"


# ---------------------------------------------------------------------------
# Caption
# ---------------------------------------------------------------------------


def caption(frame: pd.DataFrame, suppress_below: int | None = None) -> str:
    """What a chart shows and where it comes from: :func:`analytics.core.table_meta.caption` of the
    frame's :class:`~analytics.core.table_meta.TableMeta`, the one writer of captions.

    "Source: …; period(s): …; wards: WD22; <measure> in <place>; missing months: …; partial
    month: …", with "SYNTHETIC data" added when the source is the synthetic extract and its label
    does not already say so, and the public-mode rule when ``suppress_below`` is set.

    Examples
    --------
    >>> from analytics.core.table_meta import PeriodCoverage, TableMeta, with_meta
    >>> frame = with_meta(pd.DataFrame({"count_a": [1]}), TableMeta(
    ...     source="police.uk street-level data (real, open data)", boundaries="WD22",
    ...     period_a=PeriodCoverage("2017-18"), period_b=PeriodCoverage("2018-19", 12, ("2018-05", "2018-06")),
    ...     measure="Anti-social behaviour", place="Redditch"))
    >>> for part in caption(frame).split("; "):
    ...     print(part)
    Source: police.uk street-level data (real, open data)
    periods: 2017-18 and 2018-19 (10 of 12 months held)
    wards: WD22
    Anti-social behaviour in Redditch
    missing months: May–Jun 2018
    """
    return table_caption(meta_of(frame), suppress_below)


def wrap_caption(text: str, width: int = CAPTION_WRAP) -> list[str]:
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


# ---------------------------------------------------------------------------
# The figure
# ---------------------------------------------------------------------------


def _title_spec(title: str, subtitle: str) -> dict:
    """The title at the top left, on one line (a narrow chart's is broken by :func:`fit_title`)."""
    spec = {
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
        spec["subtitle"] = {"text": subtitle, "font": {"size": BASE_FONT_SIZE, "color": BLACK}}
    return spec


def _legend_spec() -> dict:
    """A horizontal legend above the plot, on the left."""
    return {
        "orientation": "h",
        "yanchor": "bottom",
        "y": 1.0,
        "xanchor": "left",
        "x": 0,
        "font": {"size": BASE_FONT_SIZE},
        "title": {"text": ""},
    }


#: How plotly lays out a legend that does not fit on one row of the plot area's width: in columns as
#: wide as its widest entry. Widths estimated on the generous side from the legend's font
#: (BASE_FONT_SIZE Arial), the line sample with its gap before the text, and the y axis's labels
#: beside the plot area (a room to spare is blank space; too little, and the legend runs over the title).
_LEGEND_CHAR_PX = 9.0
_LEGEND_SAMPLE_PX = 46
_Y_LABELS_PX = 70
_LEGEND_ROW_PX = 24
#: An entry longer than this (a year named by the months it holds) is broken before its bracket
#: when the legend has to wrap, so that its column does not take a whole row.
_LEGEND_BREAK_AT = 16


def _legend_entry_width(name: str) -> float:
    return _LEGEND_SAMPLE_PX + _LEGEND_CHAR_PX * max(len(line) for line in name.split("<br>"))


#: A title's characters, as a share of its size (Arial, on the generous side); a further line takes
#: 1.3 times the size.
_TITLE_CHAR_EM = 0.55


def _break_line(text: str, fits: int) -> str | None:
    """``text`` broken once, after the last "; " or ", " (else the last space) that leaves a first
    line of at most ``fits`` characters; None when it fits or cannot be broken."""
    if len(text) <= fits or "<br>" in text:
        return None
    for mark in ("; ", ", ", " "):
        cut = text.rfind(mark, 0, fits + 1)
        if cut > fits // 2 or (mark == " " and cut > 0):
            cut += len(mark.rstrip())
            return text[:cut].rstrip() + "<br>" + text[cut:].lstrip()
    return None


def fit_title(fig: go.Figure, width_px: int) -> int:
    """Make the title and subtitle fit a chart ``width_px`` wide (plotly does not wrap them, and
    cuts them at the chart's edge): each too long for one line is broken once, at a "; ", ", " or
    space, and the top margin and height grow by the lines added, the title's padding too, because
    plotly places a title of two lines by its first (it would run off the top). Returns the pixels
    added."""
    room = width_px * (1 - (fig.layout.title.x or 0)) - 10
    added = 0
    title_size = fig.layout.title.font.size or TITLE_FONT_SIZE
    title = _break_line(str(fig.layout.title.text or ""), int(room / (_TITLE_CHAR_EM * title_size)))
    if title:
        line = round(title_size * 1.3)
        fig.update_layout(title={"text": title, "pad": {"t": (fig.layout.title.pad.t or 0) + line}})
        added += line
    subtitle_size = fig.layout.title.subtitle.font.size or BASE_FONT_SIZE
    subtitle = _break_line(str(fig.layout.title.subtitle.text or ""), int(room / (_TITLE_CHAR_EM * subtitle_size)))
    if subtitle:
        fig.update_layout(title={"subtitle": {"text": subtitle}})
        added += round(subtitle_size * 1.3)
    if added:
        fig.update_layout(margin={"t": (fig.layout.margin.t or 0) + added}, height=(fig.layout.height or 0) + added)
    return added


def fit_legend(fig: go.Figure, width_px: int) -> int:
    """Make the legend above the plot fit a chart ``width_px`` wide: when its entries do not fit on
    one row, long entries break before their bracket ("2019-20<br>(5 of 12 months held)"), and the
    top margin and height grow by the rows plotly will add, so that the legend never runs over the
    title. Returns the pixels added."""
    entries = [trace for trace in fig.data if trace.showlegend is not False and trace.name]
    if not entries:
        return 0
    available = width_px - (fig.layout.margin.l or 0) - (fig.layout.margin.r or 0) - _Y_LABELS_PX
    if sum(_legend_entry_width(trace.name) for trace in entries) <= available:
        return 0
    for trace in entries:
        if len(trace.name) > _LEGEND_BREAK_AT and " (" in trace.name and "<br>" not in trace.name:
            trace.name = trace.name.replace(" (", "<br>(", 1)
    columns = max(1, int(available // max(_legend_entry_width(trace.name) for trace in entries)))
    rows = [entries[i : i + columns] for i in range(0, len(entries), columns)]
    height = sum(max(trace.name.count("<br>") + 1 for trace in row) for row in rows) * _LEGEND_ROW_PX
    extra = height - _LEGEND_ROW_PX  # the figure leaves room for one row
    if extra > 0:
        fig.update_layout(margin={"t": (fig.layout.margin.t or 0) + extra}, height=(fig.layout.height or 0) + extra)
    return max(extra, 0)


def _add_caption(fig: go.Figure, lines: list[str]) -> None:
    """The notes and the caption under the plot, below the x axis title."""
    fig.add_annotation(
        name=CAPTION_NAME,
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


def new_figure(
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
    wrapped = [line for note in notes for line in textwrap.wrap(note, CAPTION_WRAP, break_on_hyphens=False)]
    lines = wrapped + wrap_caption(text)
    bottom = (_CAPTION_GAP_PX + _LINE_PX * len(lines) + 16) if show_caption else 60
    fig = go.Figure()
    fig.update_layout(
        title=_title_spec(title, subtitle),
        font={"family": FONT_FAMILY, "size": BASE_FONT_SIZE, "color": BLACK},
        hoverlabel={"font": {"size": BASE_FONT_SIZE}},
        legend=_legend_spec(),
        margin={"l": 20, "r": 30, "t": 130 if subtitle else 100, "b": bottom},
        height=height + bottom,
        meta={"chart": chart, "caption": text, "notes": list(notes), "alt_text": alt, "suppress_below": threshold},
        xaxis={"title": {"text": x_title}, "showgrid": False, "automargin": True},
        yaxis={"title": {"text": y_title}, "showgrid": False, "automargin": True},
    )
    if show_caption:
        _add_caption(fig, lines)
    return fig


def empty_figure(fig: go.Figure, message: str) -> go.Figure:
    """The figure with no axes and ``message`` in the middle."""
    fig.add_annotation(
        text=message, xref="paper", yref="paper", x=0.5, y=0.5, showarrow=False, font={"size": BASE_FONT_SIZE + 2}
    )
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return fig


# ---------------------------------------------------------------------------
# Axes
# ---------------------------------------------------------------------------


def value_axis(fig: go.Figure, axis: str, title: str | None = None, zero_line: bool = False) -> None:
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


def pad_range(fig: go.Figure, axis: str, values: Iterable[float | None], room: float = 0.22) -> None:
    """Room beyond the longest bars for their outside labels (plotly does not reserve it)."""
    finite = [v for v in values if v is not None and math.isfinite(v)]
    if not finite:
        return
    low, high = min(0.0, min(finite)), max(0.0, max(finite))
    span = (high - low) or 1.0
    lower = low - room * span if low < 0 else 0.0
    upper = high + room * span if high > 0 else (0.1 * span if low < 0 else 1.0)
    (fig.update_xaxes if axis == "x" else fig.update_yaxes)(range=[lower, upper])


def category_axis(fig: go.Figure, axis: str, categories: list[str]) -> None:
    """Categories in the table's order (top to bottom on a vertical category axis)."""
    settings = {"type": "category", "categoryorder": "array", "categoryarray": categories, "showgrid": False}
    if axis == "y":
        settings["autorange"] = "reversed"
        fig.update_yaxes(**settings)
    else:
        fig.update_xaxes(**settings)


# ---------------------------------------------------------------------------
# Public mode
# ---------------------------------------------------------------------------


def placeholders(
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


def figure_on_screen(fig: go.Figure) -> tuple[go.Figure, list[str]]:
    """The figure as a web page shows it, and the lines of text to write under it.

    A PNG keeps its caption inside the image (drawn under the plot by :func:`new_figure`); on a page
    the caption is written as text instead, which wraps to whatever width the chart is given. Drawn
    inside the figure, it was wrapped for a full-width chart: at 1280x720, or in a half-width column,
    it ran off the right edge, and the x axis title (pushed down by rotated tick labels) overprinted
    it. The figure given is not changed.
    """
    meta = dict(fig.layout.meta or {})
    kept = [a for a in fig.layout.annotations or () if a.name != CAPTION_NAME]
    if len(kept) == len(fig.layout.annotations or ()):
        return fig, []
    # Copied without its template, which the new figure takes from the default (TEMPLATE, shared):
    # copying it, plotly re-validates the whole template, some 50 ms a chart on a first page.
    spec = fig.to_dict()
    screen = go.Figure(data=spec["data"], layout={k: v for k, v in spec["layout"].items() if k != "template"})
    bottom = fig.layout.margin.b or 0
    screen.layout.annotations = kept  # assigned: update_layout would merge the lists item by item
    screen.update_layout(
        margin={"b": _SCREEN_BOTTOM_PX},
        height=(fig.layout.height or 0) - bottom + _SCREEN_BOTTOM_PX if fig.layout.height else None,
    )
    return screen, [*meta.get("notes", []), str(meta.get("caption", ""))]


#: Type on a slide, px: the presentation page's body text is 18 px at 1280x720.
SLIDE_FONT_SIZE = 18


def for_slide(fig: go.Figure) -> go.Figure:
    """``fig`` with its type raised for presentation mode (in place): every text at least
    SLIDE_FONT_SIZE, as large as the slide's body text, the title a little larger."""
    fig.update_layout(
        font={"size": SLIDE_FONT_SIZE},
        legend={"font": {"size": SLIDE_FONT_SIZE}},
        hoverlabel={"font": {"size": SLIDE_FONT_SIZE}},
        title={"font": {"size": SLIDE_FONT_SIZE + 4}},
    )
    if fig.layout.title.subtitle.text:
        fig.update_layout(title={"subtitle": {"font": {"size": SLIDE_FONT_SIZE}}})
    for trace in fig.data:
        if getattr(trace, "textfont", None) is not None and trace.textfont.size:
            trace.textfont.size = max(trace.textfont.size, SLIDE_FONT_SIZE)
    for annotation in fig.layout.annotations or ():
        if annotation.font.size:
            annotation.font.size = max(annotation.font.size, SLIDE_FONT_SIZE)
    return fig
