"""The maps' colour scales, and the legend a page draws beside each map (deck.gl draws none).

All colour-blind safe: viridis (light yellow for few, dark purple for many) for counts and
rates, in "nice" equal steps from 0 worked out from the data; a blue (fewer) to orange (more)
diverging scale in fixed steps for percentage change; blue and orange for significant decreases
and increases; vermillion (hot) and blue (cold) outlines, thicker for more confidence, for Gi*
hot-spot classes (Okabe & Ito's palette, :mod:`analytics.core.vocabulary`).

:func:`legend` works a scale out from the same frame, measure and threshold as the map
(:mod:`analytics.present.ward_map`, :mod:`analytics.present.hotspot_map`), so the two always agree.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import pandas as pd

from analytics.core.disclosure import is_hidden
from analytics.core.errors import AnalyticsError, invalid_choice
from analytics.core.table_meta import TableMeta, meta_of, with_meta
from analytics.core.vocabulary import GRAND_TOTAL, HOTSPOT_CLASSES, NOT_SIGNIFICANT
from analytics.present.maps import (
    NO_DATA_COLOUR,
    RGB,
    SUPPRESSED_COLOUR,
    check_columns,
    check_threshold,
    format_number,
    is_na,
    period_title,
)
from analytics.present.style import COLD_SPOT_RGB, HOT_SPOT_RGB

# ---------------------------------------------------------------------------
# Colour scales (RGB; alpha is added per layer)
# ---------------------------------------------------------------------------

#: Viridis at 1.0, 0.8, ..., 0.0: fewest (light yellow) to most (dark purple), so that "more"
#: reads as "darker" on a light background and in grey scale.
SEQUENTIAL_COLOURS: tuple[RGB, ...] = (
    (253, 231, 37),
    (122, 209, 81),
    (34, 168, 132),
    (42, 120, 142),
    (65, 68, 135),
    (68, 1, 84),
)
#: Blue (a fall) through a near-white "little change" to orange (a rise), one colour per bin of
#: :data:`PCT_CHANGE_EDGES`. Blue against orange stays distinct with any colour-vision deficiency.
DIVERGING_COLOURS: tuple[RGB, ...] = (
    (33, 102, 172),
    (103, 169, 207),
    (209, 229, 240),
    (247, 247, 247),
    (254, 224, 182),
    (241, 163, 64),
    (179, 88, 6),
)
#: Edges of the percentage-change bins, in whole percent: each bin runs from its lower edge up
#: to, not including, the next (so -9 to +9 is "little change"); the ends are open.
PCT_CHANGE_EDGES: tuple[float, ...] = (-math.inf, -49, -24, -9, 10, 25, 50, math.inf)
PCT_CHANGE_LABELS = (
    "-50% or less",
    "-49% to -25%",
    "-24% to -10%",
    "-9% to +9%",
    "+10% to +24%",
    "+25% to +49%",
    "+50% or more",
)
SIGNIFICANCE_CATEGORIES = ("Significant increase", "Significant decrease", "No significant change")
SIGNIFICANCE_COLOURS: dict[str, RGB] = {
    "Significant increase": DIVERGING_COLOURS[-1],
    "Significant decrease": DIVERGING_COLOURS[0],
    "No significant change": DIVERGING_COLOURS[3],
}

_OUTLINE_WIDTHS = {"99%": 4.0, "95%": 2.5, "90%": 1.5}
#: Gi* hot-spot classes as cell outlines: (colour, width in pixels), hottest first. Vermillion for
#: hot and blue for cold (:mod:`analytics.present.style`); the more confident, the thicker the line.
HOTSPOT_CLASS_STYLES: dict[str, tuple[RGB, float]] = {
    name: (HOT_SPOT_RGB if name.startswith("Hot") else COLD_SPOT_RGB, _OUTLINE_WIDTHS[name[-3:]])
    for name in HOTSPOT_CLASSES
    if name != NOT_SIGNIFICANT
}

# ---------------------------------------------------------------------------
# Measures
# ---------------------------------------------------------------------------

SEQUENTIAL, DIVERGING, CATEGORICAL = "sequential", "diverging", "categorical"
#: Step multipliers for "nice" bins (1, 2, 2.5, 5 times a power of ten).
MAX_CLASSES = len(SEQUENTIAL_COLOURS)


@dataclass(frozen=True)
class Measure:
    """What a map can be coloured by.

    ``title`` may name ``{period_a}``, ``{period_b}`` or ``{period}`` (from the frame's TableMeta);
    ``needs`` says which counts must be published (public mode) for the value to be shown.
    """

    column: str
    title: str
    kind: str
    decimals: int = 0
    needs: str = "b"
    is_count: bool = False
    no_data_label: str = "No figure"


#: Ward measures for :func:`analytics.present.ward_map.ward_choropleth` (and :func:`legend`).
MEASURES: dict[str, Measure] = {
    "count_a": Measure("count_a", "Incidents, {period_a}", SEQUENTIAL, 0, "a", True),
    "count_b": Measure("count_b", "Incidents, {period_b}", SEQUENTIAL, 0, "b", True),
    "rate_a_per_1000": Measure(
        "rate_a_per_1000",
        "Incidents per 1,000 residents, {period_a}",
        SEQUENTIAL,
        1,
        "a",
        no_data_label="No population figure",
    ),
    "rate_b_per_1000": Measure(
        "rate_b_per_1000",
        "Incidents per 1,000 residents, {period_b}",
        SEQUENTIAL,
        1,
        "b",
        no_data_label="No population figure",
    ),
    "pct_change": Measure(
        "pct_change",
        "Change from {period_a} to {period_b}",
        DIVERGING,
        0,
        "ab",
        no_data_label="No comparison (none in {period_a})",
    ),
    "significance": Measure(
        "significance",
        "Significant change from {period_a} to {period_b}",
        CATEGORICAL,
        0,
        "ab",
        no_data_label="Not tested",
    ),
}
#: Measures of the hot-spot map, for :func:`legend` only.
CELL_MEASURES: dict[str, Measure] = {
    "cell_count": Measure("count", "Incidents per cell, {period}", SEQUENTIAL, 0, "b", True),
    "hotspot_class": Measure("hotspot_class", "Gi* hot and cold spots (cell outline)", CATEGORICAL),
}
LEGEND_MEASURES = (*MEASURES, *CELL_MEASURES)

# ---------------------------------------------------------------------------
# Scales and legends
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ScaleBin:
    lower: float  # inclusive
    upper: float  # exclusive
    colour: RGB
    label: str


@dataclass(frozen=True)
class ColourScale:
    title: str
    bins: tuple[ScaleBin, ...] = ()
    categories: tuple[tuple[str, RGB], ...] = ()
    suppressed_label: str | None = None
    no_data_label: str | None = None

    def colour_of(self, value) -> RGB:
        """The colour of a bin value or a category name."""
        if isinstance(value, str):
            return dict(self.categories)[value]
        for b in self.bins:
            if b.lower <= value < b.upper:
                return b.colour
        raise AnalyticsError(
            f"The value {value!r} lies outside the colour scale of {self.title!r}.", title="Value outside the scale"
        )


#: How count and rate classes are chosen, in words, for the legend (and the map's text).
CLASS_NOTE = (
    "Classes hold about equal numbers of {units} (quantiles), their edges rounded; "
    "so each colour marks a fifth or a sixth of them, whatever the spread."
)


def _round_up(value: Decimal, precision: Decimal) -> Decimal:
    """``value`` rounded up to two significant figures (never finer than ``precision``): 37 -> 37,
    137 -> 140, 1,234 -> 1,300; so class edges read as round numbers."""
    if value <= 0:
        return precision
    exponent = value.adjusted() - 1  # two significant figures
    step = max(Decimal(1).scaleb(exponent), precision)
    return (value / step).to_integral_value(rounding="ROUND_CEILING") * step


def class_edges(values: list[float], decimals: int) -> list[Decimal]:
    """The edges (from 0, each class's lower edge inclusive, upper exclusive) of up to MAX_CLASSES
    classes holding about equal numbers of ``values``: quantile classes, each upper edge just above
    a quantile, rounded up (:func:`_round_up`).

    Equal-width classes from 0 put almost every hot-spot cell (1 to a few incidents) in the first
    class when one cell held 190: quantiles follow where the values are.

    >>> [int(e) for e in class_edges([1, 1, 1, 2, 2, 3, 5, 8, 40, 190], 0)]
    [0, 2, 3, 6, 41, 200]
    """
    precision = Decimal(1).scaleb(-decimals)
    ordered = sorted(Decimal(repr(float(v))).quantize(precision) for v in values)
    classes = min(MAX_CLASSES, len(set(ordered)))
    top = _round_up(ordered[-1] + precision, precision)
    edges = [Decimal(0)]
    for i in range(1, classes):
        edge = _round_up(ordered[math.ceil(i * len(ordered) / classes) - 1] + precision, precision)
        if edges[-1] < edge < top:
            edges.append(edge)
    return [*edges, top]


def sequential_bins(
    values: list[float], decimals: int, is_count: bool, threshold: int | None, smallest_drawn: int = 0
) -> tuple[ScaleBin, ...]:
    """Quantile classes (:func:`class_edges`) over the published values; colours spread over the
    palette.

    For counts, a bin's label starts at the smallest count it can hold on the map: the
    threshold in public mode, or ``smallest_drawn`` (1 for cells, whose zeros are not drawn).
    """
    if not values:
        return ()
    if min(values) < 0:
        raise AnalyticsError("Counts and rates cannot be negative.", title="Negative value")
    edges = class_edges(values, decimals)
    count = len(edges) - 1
    precision = Decimal(1).scaleb(-decimals)
    picks = [round(i * (MAX_CLASSES - 1) / (count - 1)) for i in range(count)] if count > 1 else [2]
    bins = []
    for i, (lower, upper) in enumerate(zip(edges[:-1], edges[1:], strict=True)):
        low_label = lower
        if is_count:
            top = upper - precision  # the largest count the bin holds
            if is_hidden(float(top), threshold) or top < smallest_drawn:
                continue  # every count in this bin is suppressed or not drawn
            # The label starts at the smallest count drawn: the threshold is the smallest shown.
            low_label = max(lower, Decimal(max(threshold or 0, smallest_drawn)))
        high_label = upper - precision
        label = (
            format_number(float(low_label), decimals)
            if low_label == high_label
            else f"{format_number(float(low_label), decimals)}\u2013{format_number(float(high_label), decimals)}"
        )
        bins.append(ScaleBin(float(lower), float(upper), SEQUENTIAL_COLOURS[picks[i]], label))
    return tuple(bins)


def ward_rows(ward_frame: pd.DataFrame) -> pd.DataFrame:
    """The wards of a ward_deltas frame, without its Grand Total row."""
    codes = ward_frame["ward_code"]
    keep = codes.notna() & (codes.astype(str).str.strip() != "")
    if "ward_name" in ward_frame:
        keep &= ward_frame["ward_name"].astype(str) != GRAND_TOTAL
    return ward_frame[keep]


_WARD_COLUMNS = ["ward_code", "ward_name", "district", "count_a", "count_b"]


def _ward_value(row: pd.Series, measure: Measure, threshold: int | None):
    """(state, value) of one ward: state is 'value', 'suppressed' or 'no_data'."""
    if threshold is not None:
        hidden = {"a": is_hidden(int(row["count_a"]), threshold), "b": is_hidden(int(row["count_b"]), threshold)}
        if any(hidden[period] for period in measure.needs):
            return "suppressed", None
    if measure.column == "significance":
        significant = row.get("significant")
        if is_na(significant):
            return "no_data", None
        if not bool(significant):
            return "value", "No significant change"
        difference = int(row["count_b"]) - int(row["count_a"])
        return "value", "Significant increase" if difference > 0 else "Significant decrease"
    value = row[measure.column]
    if is_na(value):
        return "no_data", None
    return "value", float(value)


def measure_columns(measure: Measure) -> list[str]:
    if measure.column == "significance":
        return _WARD_COLUMNS + ["significant"]
    return _WARD_COLUMNS + [measure.column]


def _suppressed_label(measure: Measure, threshold: int | None) -> str | None:
    """What a grey ward means: its own count is small, or (for a rate or a change) the count it rests on."""
    if threshold is None:
        return None
    if measure.is_count:
        return f"Fewer than {threshold}: not shown"
    if len(measure.needs) > 1:
        return f"Fewer than {threshold} incidents in a period: not shown"
    return f"Fewer than {threshold} incidents: not shown"


def ward_scale(ward_frame: pd.DataFrame, measure_name: str, threshold: int | None) -> tuple[ColourScale, list]:
    """The colour scale of a ward measure, and each ward's (state, value) in frame order."""
    if measure_name not in MEASURES:
        raise invalid_choice("map measure", measure_name, MEASURES)
    measure = MEASURES[measure_name]
    check_columns(ward_frame, measure_columns(measure), "ward")
    rows = ward_rows(ward_frame)
    states = [_ward_value(row, measure, threshold) for _, row in rows.iterrows()]
    suppressed = _suppressed_label(measure, threshold)
    no_data_label = measure.no_data_label
    if len(measure.needs) > 1 and meta_of(ward_frame).not_comparable:
        no_data_label = "Not comparable: months missing from the source"
    no_data = period_title(ward_frame, no_data_label) if any(state == "no_data" for state, _ in states) else None
    title = period_title(ward_frame, measure.title)
    if measure.kind == SEQUENTIAL:
        values = [value for state, value in states if state == "value"]
        bins = sequential_bins(values, measure.decimals, measure.is_count, threshold)
        return ColourScale(title, bins=bins, suppressed_label=suppressed, no_data_label=no_data), states
    if measure.kind == DIVERGING:
        bins = tuple(
            ScaleBin(lo, hi, colour, label)
            for lo, hi, colour, label in zip(
                PCT_CHANGE_EDGES[:-1], PCT_CHANGE_EDGES[1:], DIVERGING_COLOURS, PCT_CHANGE_LABELS, strict=False
            )
        )
        return ColourScale(title, bins=bins, suppressed_label=suppressed, no_data_label=no_data), states
    categories = tuple((name, SIGNIFICANCE_COLOURS[name]) for name in SIGNIFICANCE_CATEGORIES)
    return ColourScale(title, categories=categories, suppressed_label=suppressed, no_data_label=no_data), states


def cell_scale(cells: pd.DataFrame, threshold: int | None) -> ColourScale:
    measure = CELL_MEASURES["cell_count"]
    values = cells["count"].to_numpy().astype(np.int64).tolist()
    counts: list[float] = [value for value in values if value > 0 and not is_hidden(value, threshold)]
    bins = sequential_bins(counts, 0, True, threshold, smallest_drawn=1)
    suppressed = f"Fewer than {threshold}: not shown" if threshold is not None else None
    return ColourScale(period_title(cells, measure.title), bins=bins, suppressed_label=suppressed)


def _hex(colour) -> str:
    return "#{:02x}{:02x}{:02x}".format(*colour[:3])


class Legend(list):
    """The entries of a legend, in the order to show them (a list of dicts), with its ``title``.

    Each entry: ``label``; ``colour`` ([r, g, b]) and ``hex`` ('#rrggbb'); ``lower``
    (inclusive) and ``upper`` (exclusive) for a bin (-inf/inf for the open ends of percentage
    change), None otherwise; ``kind``: 'bin', 'category', 'outline' (a hot-spot class, drawn as
    a cell outline ``line_width`` pixels wide), 'suppressed' or 'no_data'.
    """

    def __init__(self, entries: list[dict], title: str):
        super().__init__(entries)
        self.title = title

    def to_frame(self) -> pd.DataFrame:
        """The entries as a table, one row each; its metadata's ``title`` holds the title."""
        return with_meta(pd.DataFrame(list(self), columns=_LEGEND_KEYS), TableMeta(title=self.title))


_LEGEND_KEYS = ["label", "colour", "hex", "lower", "upper", "kind", "line_width"]


def _entry(
    label: str,
    colour,
    kind: str,
    lower: float | None = None,
    upper: float | None = None,
    line_width: float | None = None,
) -> dict:
    return {
        "label": label,
        "colour": list(colour),
        "hex": _hex(colour),
        "lower": lower,
        "upper": upper,
        "kind": kind,
        "line_width": line_width,
    }


def _entries(scale: ColourScale) -> list[dict]:
    entries = [_entry(b.label, b.colour, "bin", b.lower, b.upper) for b in scale.bins]
    entries += [_entry(name, colour, "category") for name, colour in scale.categories]
    if scale.suppressed_label:
        entries.append(_entry(scale.suppressed_label, SUPPRESSED_COLOUR, "suppressed"))
    if scale.no_data_label:
        entries.append(_entry(scale.no_data_label, NO_DATA_COLOUR, "no_data"))
    return entries


def legend(frame: pd.DataFrame | None, measure: str, suppress_below: int | None = None) -> Legend:
    """The legend of a map, for the page to draw beside it (deck.gl draws none).

    Parameters
    ----------
    frame : pandas.DataFrame or None
        The frame the map was drawn from: count and rate bins are worked out from its values,
        exactly as the map's colours are. The ``ward_deltas`` frame for a ward measure, the
        ``hotspots`` frame for 'cell_count'; None will do for the fixed scales
        ('pct_change', 'significance', 'hotspot_class').
    measure : str
        A ward measure of :data:`MEASURES` ('count_a', 'count_b', 'rate_a_per_1000',
        'rate_b_per_1000', 'pct_change', 'significance'), or 'cell_count' (cell fills) or
        'hotspot_class' (cell outlines) for the hot-spot map.
    suppress_below : int, optional
        The public-mode threshold the map was drawn with.

    Returns
    -------
    Legend
        A list of entries (dicts with ``label``, ``colour``, ``hex``, ``lower``, ``upper``,
        ``kind``, ``line_width``; see :class:`Legend`) with a ``title``.

    Examples
    --------
    >>> [entry["label"] for entry in legend(None, "significance")]
    ['Significant increase', 'Significant decrease', 'No significant change']
    """
    threshold = check_threshold(suppress_below)
    if measure not in LEGEND_MEASURES:
        raise invalid_choice("legend measure", measure, LEGEND_MEASURES)
    if measure == "hotspot_class":
        return Legend(
            [
                _entry(name, colour, "outline", line_width=width)
                for name, (colour, width) in HOTSPOT_CLASS_STYLES.items()
            ],
            CELL_MEASURES[measure].title,
        )
    if frame is None:
        if measure not in ("pct_change", "significance"):
            raise AnalyticsError(
                f"The legend of {measure!r} is worked out from the data: pass the frame the map was drawn from.",
                title="Frame needed",
            )
        frame = pd.DataFrame({c: pd.Series(dtype=object) for c in measure_columns(MEASURES[measure])})
    if measure == "cell_count":
        check_columns(frame, ["count"], "hot-spot cells")
        scale = cell_scale(frame, threshold)
    else:
        scale, _ = ward_scale(frame, measure, threshold)
    return Legend(_entries(scale), scale.title)
