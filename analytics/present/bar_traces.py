"""The bars of the charts: two periods side by side, each ward's change, the month-of-year index.

Each function adds traces to a figure made by :func:`analytics.present.layout.new_figure`; the
values come read by :mod:`analytics.present.chart_values`. Public mode: a hidden value is never
drawn, and a grey placeholder labelled "<5" stands in its place.
"""

from __future__ import annotations

from collections.abc import Callable

import plotly.graph_objects as go

from analytics.core.periods import round_half_up
from analytics.core.table_meta import TableMeta
from analytics.core.vocabulary import BLACK, BLUE
from analytics.present.alt_text import change_text
from analytics.present.chart_values import WardRows, fmt_count, hidden_text, is_hidden, period_labels
from analytics.present.layout import NOTE_FONT_SIZE, pad_range, placeholders
from analytics.present.style import (
    EDGE_COLOUR,
    FALL_COLOUR,
    HIGHLIGHT_COLOUR,
    NO_CHANGE_COLOUR,
    PERIOD_A_COLOUR,
    PERIOD_B_COLOUR,
    RISE_COLOUR,
    SUPPRESSED_COLOUR,
)
from analytics.present.words import format_p

HIGHLIGHT_MONTHS = (10, 11)  # the panel: ASB peaks "around Halloween"

# ---------------------------------------------------------------------------
# Two periods side by side
# ---------------------------------------------------------------------------


def _period_bar(categories, names, values, hidden, group, label, colour, horizontal, value_text, unit) -> go.Bar:
    """One period's bars; hidden values are left out (None)."""
    shown = [None if h else v for v, h in zip(values, hidden, strict=False)]
    hover = [
        f"{name}<br>{label}: {value_text(v) if v is not None else 'n/a'} {unit}"
        for name, v in zip(names, shown, strict=False)
    ]
    axis_values = {"x": shown, "y": categories} if horizontal else {"x": categories, "y": shown}
    return go.Bar(
        **axis_values,
        orientation="h" if horizontal else "v",
        name=label,
        offsetgroup=group,
        marker={"color": colour, "line": {"color": EDGE_COLOUR, "width": 1}},
        text=[value_text(v) if v is not None else "" for v in shown],
        textposition="outside",
        textfont={"size": NOTE_FONT_SIZE},
        cliponaxis=False,
        hovertext=hover,
        hovertemplate="%{hovertext}<extra></extra>",
    )


def _hidden_bar(categories, names, rows, group, label, threshold, horizontal, unit, showlegend) -> go.Bar:
    """Zero-length grey bars in a period's slot where public mode hides its value."""
    mark = hidden_text(threshold)
    # On a rate chart "<5" beside the bars would read as a rate under 5: say it is the count.
    note = mark if unit == "incidents" else f"{mark} incidents"
    where = [categories[i] for i in rows]
    axis_values = {"x": [0] * len(rows), "y": where} if horizontal else {"x": where, "y": [0] * len(rows)}
    return go.Bar(
        **axis_values,
        orientation="h" if horizontal else "v",
        name=f"Not shown ({mark})",
        offsetgroup=group,
        legendgroup="not_shown",
        showlegend=showlegend,
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


def two_period_bars(
    fig: go.Figure,
    categories: list[str],
    names: list[str],
    values_a: list,
    values_b: list,
    counts_a: list,
    counts_b: list,
    meta: TableMeta,
    threshold: int | None,
    horizontal: bool,
    value_text: Callable,
    unit: str,
) -> None:
    """Grouped bars of period A and B; a value is hidden when its own count is (a rate with it).

    A hidden value gets a zero-length grey bar in its period's slot (same ``offsetgroup``), labelled
    and hovered "<5", so the reader sees which period is not shown.
    """
    a_label, b_label = period_labels(meta)
    placeholder_legend = True
    for group, label, colour, values, counts in (
        ("a", a_label, PERIOD_A_COLOUR, values_a, counts_a),
        ("b", b_label, PERIOD_B_COLOUR, values_b, counts_b),
    ):
        hidden = [is_hidden(c, threshold) for c in counts]
        fig.add_trace(
            _period_bar(categories, names, values, hidden, group, label, colour, horizontal, value_text, unit)
        )
        rows = [i for i, h in enumerate(hidden) if h]
        if not rows:
            continue
        fig.add_trace(
            _hidden_bar(categories, names, rows, group, label, threshold, horizontal, unit, placeholder_legend)
        )
        placeholder_legend = False
    fig.update_layout(barmode="group", bargap=0.25, bargroupgap=0.05)
    drawn = [
        v
        for values, counts in ((values_a, counts_a), (values_b, counts_b))
        for v, c in zip(values, counts, strict=False)
        if not is_hidden(c, threshold)
    ]
    pad_range(fig, "x" if horizontal else "y", drawn, room=0.15)


# ---------------------------------------------------------------------------
# Each ward's change
# ---------------------------------------------------------------------------


def _ward_hover(wards: WardRows, i: int, meta: TableMeta) -> str:
    """A ward's counts, change, significance and small-numbers note, one per line."""
    a_label, b_label = period_labels(meta)
    a, b = wards.counts_a[i], wards.counts_b[i]
    lines = [
        wards.names[i],
        f"{a_label}: {fmt_count(a)}",
        f"{b_label}: {fmt_count(b)}",
        f"Change: {change_text(b - a, wards.pcts[i], 'difference')}",
    ]
    if wards.p_values[i] is not None:
        # "p < 0.001", never "p = 1e-05" or "p = 0.000" (one rule: analytics.present.words.format_p).
        verdict = "Significant" if wards.significant[i] else "Not significant"
        lines.append(f"{verdict} ({format_p(wards.p_values[i])})")
    if wards.small[i]:
        lines.append("Small numbers: too few incidents to call")
    return "<br>".join(lines)


def _sort_changes(wards: WardRows, measure: str, meta: TableMeta, threshold: int | None):
    """The wards as drawn: bars by group (rise, fall, no change), "new" markers (a percentage
    from none) and public-mode placeholders, as (groups, markers, hidden)."""
    groups: dict[str, list] = {"Rise": [], "Fall": [], "No change": []}
    markers: list[tuple[str, str, str]] = []  # (label, text, hover)
    hidden: list[tuple[str, str]] = []  # (label, hover)
    for i, (label, name) in enumerate(zip(wards.labels, wards.names, strict=False)):
        a, b = wards.counts_a[i], wards.counts_b[i]
        if wards.hidden[i]:
            hidden.append((label, f"{name}: {hidden_text(threshold)} incidents in a period; change not shown"))
            continue
        if a is None or b is None:
            continue
        difference, pct = b - a, wards.pcts[i]
        hover = _ward_hover(wards, i, meta)
        value = difference if measure == "difference" else pct
        if value is None:  # no percentage from none
            markers.append((label, "new" if difference > 0 else "n/a", hover))
            continue
        group = "Rise" if difference > 0 else "Fall" if difference < 0 else "No change"
        text = change_text(difference, pct, measure)
        groups[group].append((label, value, text, hover, wards.significant[i], wards.small[i]))
    return groups, markers, hidden


def _change_bar(group: str, rows: list, colour: str) -> go.Bar:
    """One group's bars: significant ones outlined in black, small numbers hatched."""
    return go.Bar(
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


def _new_markers(markers: list[tuple[str, str, str]]) -> go.Scatter:
    """Diamonds at zero for wards with no percentage (none in period A)."""
    return go.Scatter(
        x=[0] * len(markers),
        y=[m[0] for m in markers],
        mode="markers+text",
        name="No percentage (none before)",
        text=[m[1] for m in markers],
        textposition="middle right",
        textfont={"size": NOTE_FONT_SIZE},
        marker={"symbol": "diamond", "size": 12, "color": RISE_COLOUR},
        hovertext=[m[2] for m in markers],
        hovertemplate="%{hovertext}<extra></extra>",
        cliponaxis=False,
    )


def ward_change_bars(fig: go.Figure, wards: WardRows, measure: str, meta: TableMeta, threshold: int | None) -> None:
    """Diverging bars of each ward's change (``difference`` or ``pct_change``): rises vermillion,
    falls blue, with "new" markers and public-mode placeholders; room for the labels."""
    groups, markers, hidden = _sort_changes(wards, measure, meta, threshold)
    colours = {"Rise": RISE_COLOUR, "Fall": FALL_COLOUR, "No change": NO_CHANGE_COLOUR}
    for group, rows in groups.items():
        if rows:
            fig.add_trace(_change_bar(group, rows, colours[group]))
    if markers:
        fig.add_trace(_new_markers(markers))
    placeholders(fig, [h[0] for h in hidden], [h[1] for h in hidden], threshold, horizontal=True)
    fig.update_layout(barmode="relative", bargap=0.3)
    pad_range(fig, "x", [r[1] for rows in groups.values() for r in rows], room=0.3)


# ---------------------------------------------------------------------------
# Month-of-year index
# ---------------------------------------------------------------------------


def _profile_hover(names, shown, means, years, i: int) -> str:
    if shown[i] is None:
        return f"{names[i]}: no data"
    average = (
        f" ({means[i]:,.0f} a month on average over {int(years[i])} years)"
        if means[i] is not None and years is not None
        else ""
    )
    return f"{names[i]}: index {round_half_up(shown[i])}{average}"


def profile_bars(fig: go.Figure, names, month_numbers, shown, means, years) -> None:
    """Index bars drawn from 100, October and November in orange, the other months in blue.

    ``years``: how many years each month's mean is over, or None when the frame does not say.
    """
    abbreviations = [n[:3] for n in names]
    for name, is_highlight, colour in (("October and November", True, HIGHLIGHT_COLOUR), ("Other months", False, BLUE)):
        rows = [i for i in range(len(names)) if (month_numbers[i] in HIGHLIGHT_MONTHS) == is_highlight]
        if not rows:
            continue
        fig.add_trace(
            go.Bar(
                x=[abbreviations[i] for i in rows],
                y=[shown[i] - 100 if shown[i] is not None else None for i in rows],
                base=[100] * len(rows),
                name=name,
                marker={"color": colour, "line": {"color": EDGE_COLOUR, "width": 1}},
                text=[str(round_half_up(shown[i])) if shown[i] is not None else "" for i in rows],
                textposition="outside",
                textfont={"size": NOTE_FONT_SIZE},
                cliponaxis=False,
                hovertext=[_profile_hover(names, shown, means, years, i) for i in rows],
                hovertemplate="%{hovertext}<extra></extra>",
            )
        )
