"""Maps: pydeck decks of wards, hot-spot cells and top locations, built from analysis frames.

Compute apart from draw: the frames come from :mod:`analytics.analyses.wards` and
:mod:`analytics.analyses.hotspots`; this module only turns them into ``pydeck.Deck`` objects (and the
legend a page draws beside each map, since deck.gl draws none). Nothing here imports streamlit.

No network by default
---------------------
The dashboard is shown on a projector that may have no internet, so a deck makes no request
unless asked to. Every deck is built with ``map_provider=None`` and ``map_style="__MAP_STYLE__"``
(pydeck's "no style chosen" value, :data:`NO_BASEMAP_STYLE`): ``st.pydeck_chart`` drops that
value and draws no base map, whereas a deck with ``map_style=None`` gets Streamlit's Carto base
map, fetched from the internet. Layer data is written inline (never a URL), labels use the
browser's own fonts, and API keys pydeck picks up from the environment are cleared so they never
reach the deck JSON. ``basemap=True`` is the one way to add a URL: Carto's light base map.

Without a base map the deck draws its own context: a plain light background, the ward
boundaries as dark grey lines, and ward names at a point inside each ward.

Public mode
-----------
With ``suppress_below=N`` a count below N is written ``<N`` and drawn in :data:`SUPPRESSED_COLOUR`;
nothing that would give it away (its difference, percentage, rate, significance or Gi* z-score)
is written either, and the layer data carries display text and colours only, never raw numbers.
Differences, percentages and rates of wards whose counts are both published are shown even when
they are small: they follow from published counts and reveal nothing more.

Colour scales
-------------
All colour-blind safe: viridis (light yellow for few, dark purple for many) for counts and
rates, in "nice" equal steps from 0 worked out from the data; a blue (fewer) to orange (more)
diverging scale in fixed steps for percentage change; blue and orange for significant decreases
and increases; vermillion (hot) and blue (cold) outlines, thicker for more confidence, for Gi*
hot-spot classes (Okabe & Ito's palette).
"""

from __future__ import annotations

import copy
import json
import math
import numbers
from dataclasses import dataclass
from decimal import Decimal

import duckdb
import geopandas as gpd
import numpy as np
import pandas as pd
import pydeck as pdk
import shapely
import shapely.geometry
from pydeck.bindings.json_tools import default_serialize

from analytics.core.errors import AnalyticsError, invalid_choice
from analytics.data.geography import WGS84, check_vintage

__all__ = [
    "BACKGROUND_COLOUR",
    "BASEMAP_STYLE",
    "DIVERGING_COLOURS",
    "HOTSPOT_CLASS_STYLES",
    "LEGEND_MEASURES",
    "Legend",
    "MAX_MAP_CELLS",
    "MEASURES",
    "NO_BASEMAP_STYLE",
    "NO_DATA_COLOUR",
    "PCT_CHANGE_EDGES",
    "SEQUENTIAL_COLOURS",
    "SIGNIFICANCE_COLOURS",
    "SUPPRESSED_COLOUR",
    "TOOLTIP",
    "hotspot_map",
    "legend",
    "points_map",
    "ward_choropleth",
    "ward_outlines",
]

RGB = tuple[int, int, int]

# ---------------------------------------------------------------------------
# Base map
# ---------------------------------------------------------------------------

#: pydeck's "no style chosen" value. With ``map_provider=None`` pydeck writes it into the JSON
#: unchanged, and Streamlit's deck.gl component reads it as "no base map". (``None`` would be
#: left out of the JSON, and Streamlit then fills in a Carto base map from the internet.)
NO_BASEMAP_STYLE = "__MAP_STYLE__"
#: The only base map the module offers (``basemap=True``): Carto Positron, light with labels.
BASEMAP_PROVIDER = "carto"
BASEMAP_STYLE = pdk.map_styles.CARTO_LIGHT

# ---------------------------------------------------------------------------
# Colours (RGB; alpha is added per layer)
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
#: A count below the public-mode threshold: mid grey, unlike any colour of the scales.
SUPPRESSED_COLOUR: RGB = (160, 160, 160)
#: No figure to show (no population, no earlier count to compare with, not tested).
NO_DATA_COLOUR: RGB = (255, 255, 255)
#: The plain background drawn under everything when there is no base map.
BACKGROUND_COLOUR: RGB = (228, 233, 237)
WARD_LINE_COLOUR: RGB = (64, 64, 64)
LABEL_COLOUR: RGB = (20, 20, 20)
LABEL_HALO_COLOUR: RGB = (255, 255, 255)
#: Top-location points: Okabe & Ito's vermillion, outlined in white.
POINT_COLOUR: RGB = (213, 94, 0)
#: Gi* hot-spot classes as cell outlines: (colour, width in pixels). Okabe & Ito's vermillion for
#: hot and blue for cold; the more confident the class, the thicker the line.
HOTSPOT_CLASS_STYLES: dict[str, tuple[RGB, float]] = {
    "Hot spot 99%": ((213, 94, 0), 4.0),
    "Hot spot 95%": ((213, 94, 0), 2.5),
    "Hot spot 90%": ((213, 94, 0), 1.5),
    "Cold spot 90%": ((0, 114, 178), 1.5),
    "Cold spot 95%": ((0, 114, 178), 2.5),
    "Cold spot 99%": ((0, 114, 178), 4.0),
}
NOT_SIGNIFICANT = "Not significant"

FILL_ALPHA = 235  # ward fills over the plain background
FILL_ALPHA_BASEMAP = 165  # ward fills over a base map, which should show through
CELL_ALPHA = 225
CELL_ALPHA_BASEMAP = 180
#: A zero-count cell that is still a hot or cold spot (its neighbours are busy): drawn faintly.
EMPTY_CELL_COLOUR: list[int] = [255, 255, 255, 90]
POINT_ALPHA = 210

# ---------------------------------------------------------------------------
# Layer settings
# ---------------------------------------------------------------------------

WARD_LINE_WIDTH_PX = 1.5
CELL_LINE_COLOUR: list[int] = [255, 255, 255, 70]
LABEL_SIZE_PX = 13
LABEL_MAX_WIDTH = 9  # TextLayer maxWidth, in multiples of the text size: long names wrap
LABEL_FONT = "Helvetica Neue, Arial, sans-serif"
POINT_RADIUS_PX = (4.0, 22.0)  # smallest and largest top-location point; area follows the count
HIGHLIGHT_COLOUR: list[int] = [255, 255, 255, 90]
#: One tooltip for every deck: each pickable object carries its own text in ``tooltip``.
#: Streamlit looks ``{tooltip}`` up on the object, then on a GeoJSON feature's properties.
TOOLTIP: dict = {
    "text": "{tooltip}",
    "style": {
        "backgroundColor": "rgba(33, 33, 33, 0.94)",
        "color": "white",
        "fontSize": "15px",
        "lineHeight": "1.35",
        "padding": "8px 10px",
        "maxWidth": "360px",
    },
}

# ---------------------------------------------------------------------------
# The view
# ---------------------------------------------------------------------------

#: The canvas the initial view is fitted to (pixels); the data fills VIEW_FILL of it.
VIEW_WIDTH_PX = 800
VIEW_HEIGHT_PX = 460
VIEW_FILL = 0.9
TILE_SIZE_PX = 512  # deck.gl draws the whole web-mercator world 512 pixels wide at zoom 0
MIN_ZOOM = 8.0  # least zoomed out the user may go: the background still fills it
MAX_ZOOM = 17.0
COORD_DECIMALS = 6  # about 0.1 m: enough for boundaries, keeps the JSON small

# ---------------------------------------------------------------------------
# Measures
# ---------------------------------------------------------------------------

SEQUENTIAL, DIVERGING, CATEGORICAL = "sequential", "diverging", "categorical"
#: Step multipliers for "nice" bins (1, 2, 2.5, 5 times a power of ten).
NICE_STEPS = (Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5))
MAX_CLASSES = len(SEQUENTIAL_COLOURS)


@dataclass(frozen=True)
class Measure:
    """What a map can be coloured by.

    ``title`` may name ``{period_a}``, ``{period_b}`` or ``{period}`` (from the frame's attrs);
    ``needs`` says which counts must be published (public mode) for the value to be shown.
    """

    column: str
    title: str
    kind: str
    decimals: int = 0
    needs: str = "b"
    is_count: bool = False
    no_data_label: str = "No figure"


#: Ward measures for :func:`ward_choropleth` (and :func:`legend`).
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

_DEFAULT_PERIODS = {"period_a": "period A", "period_b": "period B", "period": "the period"}


def _titles(frame: pd.DataFrame | None, text: str) -> str:
    attrs = dict(_DEFAULT_PERIODS)
    if frame is not None:
        attrs.update({k: str(v) for k, v in frame.attrs.items() if k in _DEFAULT_PERIODS and v})
    return text.format(**attrs)


# ---------------------------------------------------------------------------
# Scales and legends
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Bin:
    lower: float  # inclusive
    upper: float  # exclusive
    colour: RGB
    label: str


@dataclass(frozen=True)
class _Scale:
    title: str
    bins: tuple[_Bin, ...] = ()
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


def _check_threshold(suppress_below: object) -> int | None:
    if suppress_below is None:
        return None
    if isinstance(suppress_below, bool) or not isinstance(suppress_below, numbers.Integral) or suppress_below < 1:
        raise AnalyticsError(
            f"suppress_below must be a whole number of at least 1, or None for analyst mode; got {suppress_below!r}.",
            title="Invalid threshold",
            fix="Use the disclosure_threshold setting (e.g. 5).",
        )
    return int(suppress_below)


def _format_number(value: float, decimals: int) -> str:
    return f"{value:,.{decimals}f}"


def _nice_step(max_value: float, decimals: int) -> Decimal:
    """The smallest 1/2/2.5/5 x 10^k step (a multiple of the values' precision) giving at most
    MAX_CLASSES bins from 0 that hold ``max_value``."""
    precision = Decimal(1).scaleb(-decimals)
    top = Decimal(repr(float(max_value)))
    exponent = -decimals
    while True:
        for multiplier in NICE_STEPS:
            step = multiplier.scaleb(exponent)
            if step % precision != 0:
                continue
            if int(top // step) + 1 <= MAX_CLASSES:
                return step
        exponent += 1


def _sequential_bins(
    values: list[float], decimals: int, is_count: bool, threshold: int | None, smallest_drawn: int = 0
) -> tuple[_Bin, ...]:
    """Equal "nice" bins from 0 over the published values; colours spread over the palette.

    For counts, a bin's label starts at the smallest count it can hold on the map: the
    threshold in public mode, or ``smallest_drawn`` (1 for cells, whose zeros are not drawn).
    """
    if not values:
        return ()
    if min(values) < 0:
        raise AnalyticsError("Counts and rates cannot be negative.", title="Negative value")
    step = _nice_step(max(values), decimals)
    count = int(Decimal(repr(float(max(values)))) // step) + 1
    precision = Decimal(1).scaleb(-decimals)
    picks = [round(i * (MAX_CLASSES - 1) / (count - 1)) for i in range(count)] if count > 1 else [2]
    bins = []
    for i in range(count):
        lower, upper = step * i, step * (i + 1)
        low_label = lower
        if is_count:
            floor = max(threshold or 0, smallest_drawn)
            if upper - precision < floor:
                continue  # every count in this bin is suppressed or not drawn
            low_label = max(lower, Decimal(floor))
        high_label = upper - precision
        label = (
            _format_number(float(low_label), decimals)
            if low_label == high_label
            else f"{_format_number(float(low_label), decimals)}\u2013{_format_number(float(high_label), decimals)}"
        )
        bins.append(_Bin(float(lower), float(upper), SEQUENTIAL_COLOURS[picks[i]], label))
    return tuple(bins)


def _ward_rows(ward_frame: pd.DataFrame) -> pd.DataFrame:
    """The wards of a ward_deltas frame, without its Grand Total row."""
    codes = ward_frame["ward_code"]
    keep = codes.notna() & (codes.astype(str).str.strip() != "")
    if "ward_name" in ward_frame:
        keep &= ward_frame["ward_name"].astype(str) != "Grand Total"
    return ward_frame[keep]


def _check_columns(frame: pd.DataFrame, needed: list[str], what: str) -> None:
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise AnalyticsError(
            f"The {what} frame lacks the column(s) {', '.join(missing)}; it has {', '.join(map(str, frame.columns))}.",
            title="Missing columns",
        )


def _is_na(value) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


_WARD_COLUMNS = ["ward_code", "ward_name", "district", "count_a", "count_b"]


def _ward_value(row: pd.Series, measure: Measure, threshold: int | None):
    """(state, value) of one ward: state is 'value', 'suppressed' or 'no_data'."""
    if threshold is not None:
        hidden = {"a": int(row["count_a"]) < threshold, "b": int(row["count_b"]) < threshold}
        if any(hidden[period] for period in measure.needs):
            return "suppressed", None
    if measure.column == "significance":
        significant = row.get("significant")
        if _is_na(significant):
            return "no_data", None
        if not bool(significant):
            return "value", "No significant change"
        difference = int(row["count_b"]) - int(row["count_a"])
        return "value", "Significant increase" if difference > 0 else "Significant decrease"
    value = row[measure.column]
    if _is_na(value):
        return "no_data", None
    return "value", float(value)


def _measure_columns(measure: Measure) -> list[str]:
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


def _ward_scale(ward_frame: pd.DataFrame, measure_name: str, threshold: int | None) -> tuple[_Scale, list]:
    """The colour scale of a ward measure, and each ward's (state, value) in frame order."""
    if measure_name not in MEASURES:
        raise invalid_choice("map measure", measure_name, MEASURES)
    measure = MEASURES[measure_name]
    _check_columns(ward_frame, _measure_columns(measure), "ward")
    rows = _ward_rows(ward_frame)
    states = [_ward_value(row, measure, threshold) for _, row in rows.iterrows()]
    suppressed = _suppressed_label(measure, threshold)
    no_data_label = measure.no_data_label
    if len(measure.needs) > 1 and ward_frame.attrs.get("not_comparable"):
        no_data_label = "Not comparable: months missing from the source"
    no_data = _titles(ward_frame, no_data_label) if any(state == "no_data" for state, _ in states) else None
    title = _titles(ward_frame, measure.title)
    if measure.kind == SEQUENTIAL:
        values = [value for state, value in states if state == "value"]
        bins = _sequential_bins(values, measure.decimals, measure.is_count, threshold)
        return _Scale(title, bins=bins, suppressed_label=suppressed, no_data_label=no_data), states
    if measure.kind == DIVERGING:
        bins = tuple(
            _Bin(lo, hi, colour, label)
            for lo, hi, colour, label in zip(
                PCT_CHANGE_EDGES[:-1], PCT_CHANGE_EDGES[1:], DIVERGING_COLOURS, PCT_CHANGE_LABELS, strict=False
            )
        )
        return _Scale(title, bins=bins, suppressed_label=suppressed, no_data_label=no_data), states
    categories = tuple((name, SIGNIFICANCE_COLOURS[name]) for name in SIGNIFICANCE_CATEGORIES)
    return _Scale(title, categories=categories, suppressed_label=suppressed, no_data_label=no_data), states


def _cell_scale(cells: pd.DataFrame, threshold: int | None) -> _Scale:
    measure = CELL_MEASURES["cell_count"]
    values = cells["count"].to_numpy().astype(np.int64)
    counts = values[(values > 0) & (values >= (threshold or 0))].tolist()
    bins = _sequential_bins(counts, 0, True, threshold, smallest_drawn=1)
    suppressed = f"Fewer than {threshold}: not shown" if threshold is not None else None
    return _Scale(_titles(cells, measure.title), bins=bins, suppressed_label=suppressed)


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
        """The entries as a table, one row each; ``attrs['title']`` holds the title."""
        table = pd.DataFrame(list(self), columns=_LEGEND_KEYS)
        table.attrs["title"] = self.title
        return table


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


def _entries(scale: _Scale) -> list[dict]:
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
    threshold = _check_threshold(suppress_below)
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
        frame = pd.DataFrame({c: pd.Series(dtype=object) for c in _measure_columns(MEASURES[measure])})
    if measure == "cell_count":
        _check_columns(frame, ["count"], "hot-spot cells")
        scale = _cell_scale(frame, threshold)
    else:
        scale, _ = _ward_scale(frame, measure, threshold)
    return Legend(_entries(scale), scale.title)


# ---------------------------------------------------------------------------
# Ward boundaries
# ---------------------------------------------------------------------------

_OUTLINES_SQL = """
SELECT ward_code, ward_name, district, centroid_lon, centroid_lat, geometry_wkb
FROM wards
WHERE vintage = ? AND geometry_wkb IS NOT NULL
ORDER BY ward_code
"""


def ward_outlines(conn: duckdb.DuckDBPyConnection, vintage: str) -> gpd.GeoDataFrame:
    """The ward boundaries of one vintage ('wd22' or 'wd25'), in WGS84, from the store.

    Columns: ``ward_code``, ``ward_name``, ``district``, ``centroid_lon`` and ``centroid_lat``
    (a point inside the ward, where its label goes) and ``geometry``; one row per ward, by code.
    A pure function of its inputs: a page caches it with ``st.cache_data`` (connection as
    ``_conn``).
    """
    vintage = check_vintage(vintage)
    frame = conn.execute(_OUTLINES_SQL, [vintage]).df()
    if frame.empty:
        raise AnalyticsError(
            f"The database holds no {vintage.upper()} ward boundaries.",
            title="No boundaries",
            fix="Run `python -m analytics build` to build the store from data/.",
        )
    geometry = shapely.from_wkb([bytes(w) for w in frame.pop("geometry_wkb")])
    return gpd.GeoDataFrame(frame, geometry=geometry, crs=WGS84)


def _outline_table(outlines: pd.DataFrame) -> pd.DataFrame:
    """ward_code, ward_name, district, geometry (shapely, WGS84), label_lon, label_lat."""
    _check_columns(outlines, ["ward_code", "ward_name", "district"], "ward outlines")
    if isinstance(outlines, gpd.GeoDataFrame):
        shapes = outlines
        if shapes.crs is not None and not shapes.crs.equals(WGS84):
            shapes = shapes.to_crs(WGS84)
        geometry = np.asarray(shapes.geometry.to_numpy(), dtype=object)
    elif "geometry" in outlines:
        geometry = np.asarray(list(outlines["geometry"]), dtype=object)
    elif "geometry_wkb" in outlines:
        geometry = shapely.from_wkb([bytes(w) for w in outlines["geometry_wkb"]])
    elif "geometry_geojson" in outlines:
        geometry = shapely.from_geojson(list(outlines["geometry_geojson"]))
    else:
        raise AnalyticsError(
            "The ward outlines have no geometry: give a GeoDataFrame (ward_outlines) or a "
            "geometry, geometry_wkb or geometry_geojson column.",
            title="No geometry",
        )
    inside = shapely.point_on_surface(geometry)
    lon = shapely.get_x(inside)
    lat = shapely.get_y(inside)
    if "centroid_lon" in outlines and "centroid_lat" in outlines:
        given_lon = pd.to_numeric(outlines["centroid_lon"], errors="coerce").to_numpy(dtype=float)
        given_lat = pd.to_numeric(outlines["centroid_lat"], errors="coerce").to_numpy(dtype=float)
        known = ~(np.isnan(given_lon) | np.isnan(given_lat))
        lon, lat = np.where(known, given_lon, lon), np.where(known, given_lat, lat)
    return pd.DataFrame(
        {
            "ward_code": outlines["ward_code"].astype(str).to_numpy(),
            "ward_name": outlines["ward_name"].astype(str).to_numpy(),
            "district": outlines["district"].astype(str).to_numpy(),
            "geometry": geometry,
            "label_lon": lon,
            "label_lat": lat,
        }
    )


def _round_coords(value):
    if isinstance(value, (tuple, list)):
        if value and isinstance(value[0], numbers.Real):
            return [round(float(v), COORD_DECIMALS) for v in value]
        return [_round_coords(v) for v in value]
    return value


def _geojson_geometry(geometry) -> dict:
    mapped = shapely.geometry.mapping(geometry)
    return {"type": mapped["type"], "coordinates": _round_coords(mapped["coordinates"])}


def _ring_coords(ring) -> list:
    return np.round(shapely.get_coordinates(ring), COORD_DECIMALS).tolist()


def _polygon_coords(polygon) -> list:
    return [_ring_coords(polygon.exterior), *(_ring_coords(r) for r in polygon.interiors)]


def _geojson_geometries(geometries) -> list[dict]:
    """GeoJSON geometries with coordinates rounded to COORD_DECIMALS, the same as
    :func:`_geojson_geometry` gives one by one. Polygons (every ward) are rounded a ring at a time
    by numpy, whose ``tolist`` builds the nested lists in C: walking shapely's geo interface and
    rounding float by float took about 0.4 ms a ward, half a second for a thousand."""
    out = []
    for geometry in geometries:
        kind = shapely.get_type_id(geometry)
        if kind == 3 and not geometry.is_empty:  # Polygon
            out.append({"type": "Polygon", "coordinates": _polygon_coords(geometry)})
        elif kind == 6 and not geometry.is_empty:  # MultiPolygon
            out.append({"type": "MultiPolygon", "coordinates": [_polygon_coords(p) for p in geometry.geoms]})
        else:
            out.append(_geojson_geometry(geometry))
    return out


def _drawable(geometry) -> np.ndarray:
    """Ward shapes as drawn: above SIMPLIFY_ABOVE_WARDS wards, simplified to about a pixel of the
    fitted view, which the eye cannot tell from the full line."""
    geometry = np.asarray(list(geometry), dtype=object)
    if len(geometry) > SIMPLIFY_ABOVE_WARDS:
        min_lon, min_lat, max_lon, max_lat = _bounds(geometry)
        pixel = max(max_lon - min_lon, max_lat - min_lat) / VIEW_WIDTH_PX
        geometry = shapely.simplify(geometry, pixel, preserve_topology=True)
    return geometry


# ---------------------------------------------------------------------------
# View, background, labels, deck
# ---------------------------------------------------------------------------


def _mercator_y(lat: float) -> float:
    return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))


def _view_state(bounds: tuple[float, float, float, float]) -> pdk.ViewState:
    """Centre and zoom that fit the bounds (min lon, min lat, max lon, max lat) to the canvas."""
    min_lon, min_lat, max_lon, max_lat = bounds
    if not all(math.isfinite(b) for b in bounds):
        raise AnalyticsError("There is nothing to draw: no ward or cell has a location.", title="Empty map")
    y_low, y_high = _mercator_y(min_lat), _mercator_y(max_lat)
    centre_lat = math.degrees(2 * math.atan(math.exp((y_low + y_high) / 2)) - math.pi / 2)
    lon_span = max(max_lon - min_lon, 1e-6)
    y_span = max(y_high - y_low, 1e-8)
    zoom_x = math.log2(VIEW_WIDTH_PX * VIEW_FILL * 360 / (TILE_SIZE_PX * lon_span))
    zoom_y = math.log2(VIEW_HEIGHT_PX * VIEW_FILL * 2 * math.pi / (TILE_SIZE_PX * y_span))
    zoom = min(max(min(zoom_x, zoom_y), 0.0), MAX_ZOOM)
    return pdk.ViewState(
        longitude=round((min_lon + max_lon) / 2, COORD_DECIMALS),
        latitude=round(centre_lat, COORD_DECIMALS),
        zoom=round(zoom, 2),
        min_zoom=round(max(0.0, min(MIN_ZOOM, zoom - 2)), 2),
        max_zoom=MAX_ZOOM,
        pitch=0,
        bearing=0,
    )


def _bounds(geometries) -> tuple[float, float, float, float]:
    geometries = [g for g in geometries if g is not None and not shapely.is_empty(g)]
    if not geometries:
        return (math.nan,) * 4
    return tuple(float(b) for b in shapely.total_bounds(geometries))


def _background_layer(bounds, view: pdk.ViewState) -> pdk.Layer:
    """A light rectangle reaching beyond the screen at the least zoom allowed: the plain
    background the boundaries are drawn on, whatever the page's theme."""
    # Half the width, in degrees of longitude, of a 2560-pixel screen at the least zoom.
    pad = 1800 / 2**view.min_zoom
    min_lon, min_lat, max_lon, max_lat = bounds
    west, east = round(min_lon - pad, 4), round(max_lon + pad, 4)
    south, north = round(max(min_lat - pad, -85.0), 4), round(min(max_lat + pad, 85.0), 4)
    return pdk.Layer(
        "PolygonLayer",
        id="background",
        data=[{"polygon": [[west, south], [east, south], [east, north], [west, north]]}],
        get_polygon="polygon",
        get_fill_color=list(BACKGROUND_COLOUR),
        stroked=False,
        pickable=False,
    )


#: Above this many wards (a county or more: North Worcestershire has 54) the outlines are simplified
#: to about a pixel of the fitted view, which the eye cannot tell from the full line; at 1,000 wards
#: that shrinks a map's JSON by megabytes and its making by a second.
SIMPLIFY_ABOVE_WARDS = 300


def _ward_outline_layer(shapes: pd.DataFrame) -> pdk.Layer:
    features = [
        {"type": "Feature", "geometry": g, "properties": {"ward_code": code, "ward_name": name}}
        for code, name, g in zip(
            shapes["ward_code"], shapes["ward_name"], _geojson_geometries(_drawable(shapes["geometry"])), strict=False
        )
    ]
    return pdk.Layer(
        "GeoJsonLayer",
        id="ward-outlines",
        data={"type": "FeatureCollection", "features": features},
        filled=False,
        stroked=True,
        get_line_color=list(WARD_LINE_COLOUR),
        get_line_width=0,
        line_width_min_pixels=WARD_LINE_WIDTH_PX,
        pickable=False,
    )


def _label_layer(shapes: pd.DataFrame) -> pdk.Layer:
    data = [
        {"name": name, "position": [round(float(lon), COORD_DECIMALS), round(float(lat), COORD_DECIMALS)]}
        for name, lon, lat in zip(shapes["ward_name"], shapes["label_lon"], shapes["label_lat"], strict=False)
    ]
    return pdk.Layer(
        "TextLayer",
        id="ward-labels",
        data=data,
        get_position="position",
        get_text="name",
        get_size=LABEL_SIZE_PX,
        size_units=pdk.types.String("pixels"),
        get_color=list(LABEL_COLOUR),
        font_family=pdk.types.String(LABEL_FONT),
        font_weight=600,
        font_settings={"sdf": True},
        outline_width=3,
        outline_color=list(LABEL_HALO_COLOUR),
        get_text_anchor=pdk.types.String("middle"),
        get_alignment_baseline=pdk.types.String("center"),
        word_break=pdk.types.String("break-word"),
        max_width=LABEL_MAX_WIDTH,
        character_set=pdk.types.String("auto"),
        pickable=False,
    )


class _Deck(pdk.Deck):
    """A deck whose JSON is written once, on first use, and then reused: a page hands the same
    cached deck to Streamlit on every run. pydeck writes its JSON indented (``indent=2``), which
    makes Python fall back from its C encoder to the pure-Python one and quadruples the text: at
    1,000 wards 0.37 s and 7.8 MB against 0.06 s and 1.9 MB written compactly. The content is
    pydeck's own (same keys, same values). Do not change the deck after it has been drawn."""

    __slots__ = ("_written",)  # a slot, not an attribute: pydeck writes every attribute into the JSON

    def to_json(self):
        written = getattr(self, "_written", None)
        if written is None:
            written = json.dumps(self, sort_keys=True, default=default_serialize, separators=(",", ":"))
            self._written = written
        return written


def _deck(layers: list[pdk.Layer], view: pdk.ViewState, basemap: bool) -> pdk.Deck:
    views = [pdk.View(type="MapView", controller=True)]
    if basemap:
        deck = _Deck(
            layers=layers,
            views=views,
            initial_view_state=view,
            map_provider=BASEMAP_PROVIDER,
            map_style=BASEMAP_STYLE,
            tooltip=copy.deepcopy(TOOLTIP),
        )
    else:
        deck = _Deck(
            layers=layers,
            views=views,
            initial_view_state=view,
            map_provider=None,
            map_style=NO_BASEMAP_STYLE,
            tooltip=copy.deepcopy(TOOLTIP),
        )
    # pydeck reads API keys from the environment (CARTO_API_KEY, ...) and would write some of
    # them into the JSON: none is needed, and none should travel with the page.
    for key in ("mapbox_key", "google_maps_key", "carto_key", "maplibre_key"):
        setattr(deck, key, None)
    return deck


def _with_alpha(colour, alpha: int) -> list[int]:
    return [*map(int, colour[:3]), alpha]


def _count_text(count: int, threshold: int | None) -> str:
    if threshold is not None and count < threshold:
        return f"<{threshold}"
    return f"{count:,}"


# ---------------------------------------------------------------------------
# Ward choropleth
# ---------------------------------------------------------------------------


def _ward_tooltip(row: dict, frame: pd.DataFrame, threshold: int | None) -> str:
    """Ward, district, both counts, change, rate in period B and significance, one per line."""
    period_a, period_b = _titles(frame, "{period_a}"), _titles(frame, "{period_b}")
    count_a, count_b = int(row["count_a"]), int(row["count_b"])
    hidden_a = threshold is not None and count_a < threshold
    hidden_b = threshold is not None and count_b < threshold
    lines = [
        f"{row['ward_name']} ({row['district']})",
        f"{period_a}: {_count_text(count_a, threshold)}",
        f"{period_b}: {_count_text(count_b, threshold)}",
    ]
    incomparable = bool(frame.attrs.get("not_comparable"))
    if hidden_a or hidden_b:
        # The change would give the hidden count away: public mode shows none of it.
        lines.append("Change: not shown (small numbers)")
    elif incomparable:
        lines.append("Change: not comparable (months missing from the source)")
    else:
        difference = count_b - count_a
        percentage = row.get("percentage")
        if _is_na(percentage):
            pct = row.get("pct_change")
            percentage = "n/a" if _is_na(pct) else f"{int(pct)}%"
        lines.append(f"Change: {difference:+,} ({percentage})" if difference else f"Change: 0 ({percentage})")
    if hidden_b:
        lines.append(f"Rate per 1,000 residents, {period_b}: not shown")
    elif "rate_b_per_1000" in row:
        rate = row["rate_b_per_1000"]
        lines.append(
            f"Rate per 1,000 residents, {period_b}: {'n/a' if _is_na(rate) else _format_number(float(rate), 1)}"
        )
    significant = row.get("significant")
    if hidden_a or hidden_b:
        lines.append("Significant change: not shown")
    elif incomparable:
        lines.append("Significant change: not tested (not comparable)")
    elif _is_na(significant):
        lines.append("Significant change: not tested")
    else:
        lines.append(f"Significant change: {'yes' if bool(significant) else 'no'}")
        small = row.get("small_numbers")
        if not _is_na(small) and bool(small):
            lines.append("Small numbers: the percentage is unreliable")
    return "\n".join(lines)


def ward_choropleth(
    ward_frame: pd.DataFrame,
    outlines: pd.DataFrame,
    measure: str = "count_b",
    suppress_below: int | None = None,
    basemap: bool = False,
) -> pdk.Deck:
    """Wards filled by a measure of a :func:`analytics.analyses.wards.ward_deltas` frame.

    Parameters
    ----------
    ward_frame : pandas.DataFrame
        ``ward_deltas`` output (its Grand Total row is ignored); ``attrs['period_a']`` and
        ``attrs['period_b']`` label the periods. Not modified.
    outlines : pandas.DataFrame
        :func:`ward_outlines` of the frame's boundary vintage (extra wards are not drawn).
    measure : str, default 'count_b'
        One of :data:`MEASURES`: 'count_a', 'count_b' (incidents), 'rate_a_per_1000',
        'rate_b_per_1000' (per 1,000 residents, mid-2018 population), 'pct_change' (whole
        percent, A to B) or 'significance' (significant increase / decrease / no change).
    suppress_below : int, optional
        Public mode: counts below this are shown as "<N" and the ward is drawn in
        :data:`SUPPRESSED_COLOUR` when its measure depends on such a count.
    basemap : bool, default False
        True adds Carto's light base map (fetched from the internet); False makes no request.

    Returns
    -------
    pydeck.Deck
        Layers: 'background' (without a base map), 'wards' (a GeoJsonLayer, one feature per
        ward, pickable, with a ``tooltip`` text), 'ward-labels'. Colours follow
        :func:`legend` for the same frame, measure and threshold.
    """
    threshold = _check_threshold(suppress_below)
    scale, states = _ward_scale(ward_frame, measure, threshold)
    rows = _ward_rows(ward_frame)
    shapes = _outline_table(outlines).drop_duplicates("ward_code").set_index("ward_code", drop=False)
    codes = [str(c) for c in rows["ward_code"]]
    missing = [c for c in codes if c not in shapes.index]
    if missing:
        raise AnalyticsError(
            f"No boundary for ward(s) {', '.join(missing[:5])}"
            f"{' and others' if len(missing) > 5 else ''} among the outlines given.",
            title="Wards without boundaries",
            fix="Pass ward_outlines() of the same boundary vintage as the ward table.",
        )
    drawn = shapes.loc[codes] if codes else shapes.iloc[:0]
    alpha = FILL_ALPHA_BASEMAP if basemap else FILL_ALPHA
    features = []
    # Rows as dicts, not iterrows(): a Series per ward cost a quarter of a second at 1,000 wards.
    for row, (state, value), geometry in zip(
        rows.to_dict("records"), states, _geojson_geometries(_drawable(drawn["geometry"])), strict=False
    ):
        colour = {
            "value": lambda: scale.colour_of(value),
            "suppressed": lambda: SUPPRESSED_COLOUR,
            "no_data": lambda: NO_DATA_COLOUR,
        }[state]()
        features.append(
            {
                "type": "Feature",
                "geometry": geometry,
                "properties": {
                    "ward_code": str(row["ward_code"]),
                    "ward_name": str(row["ward_name"]),
                    "district": str(row["district"]),
                    "fill": _with_alpha(colour, alpha),
                    "tooltip": _ward_tooltip(row, ward_frame, threshold),
                },
            }
        )
    bounds = _bounds(drawn["geometry"])
    view = _view_state(bounds)
    wards = pdk.Layer(
        "GeoJsonLayer",
        id="wards",
        data={"type": "FeatureCollection", "features": features},
        filled=True,
        stroked=True,
        get_fill_color="properties.fill",
        get_line_color=list(WARD_LINE_COLOUR),
        get_line_width=0,
        line_width_min_pixels=WARD_LINE_WIDTH_PX,
        pickable=True,
        auto_highlight=True,
        highlight_color=HIGHLIGHT_COLOUR,
    )
    layers = ([] if basemap else [_background_layer(bounds, view)]) + [wards, _label_layer(drawn)]
    return _deck(layers, view, basemap)


# ---------------------------------------------------------------------------
# Hot-spot map
# ---------------------------------------------------------------------------


def _wards_for(shapes: pd.DataFrame, frame: pd.DataFrame, codes=None) -> pd.DataFrame:
    """The wards a frame's rows fall in (all the outlines when it names none of them); ``codes``,
    when given, are the ward codes to use instead of the rows' (a frame of only some cells of a
    lattice names the lattice's wards in ``attrs['ward_codes']``)."""
    if codes is not None or "ward_code" in frame:
        named = set(map(str, codes)) if codes is not None else set(frame["ward_code"].dropna().astype(str))
        chosen = shapes[shapes["ward_code"].isin(named)]
        if len(chosen):
            return chosen
    return shapes


def _cell_tooltip(
    cell_id, ward_name, district, period: str, threshold: int | None, count: int, hotspot_class: str, z
) -> str:
    place = ""
    if not _is_na(ward_name):
        place = f" \u00b7 {ward_name}" + ("" if _is_na(district) else f" ({district})")
    lines = [f"Cell {cell_id}{place}", f"Incidents, {period}: {_count_text(count, threshold)}"]
    if threshold is None and not _is_na(z):
        lines.append(f"{hotspot_class} (Gi* z = {float(z):.2f})")
    else:
        lines.append(str(hotspot_class))
    return "\n".join(lines)


#: Most cells a hot-spot map draws. North Worcestershire's busiest 250 m map (every crime over
#: ten years, all three districts) draws under 1,900 cells, so there every cell with incidents
#: and every marked cell is drawn; a national lattice can have a hundred thousand cells with
#: incidents, too many for a browser to draw or a page to send on every run (about 1.8 kB of
#: deck JSON each), so beyond this the map draws the marked cells, most confident first, then
#: the busiest (see :func:`hotspot_map`).
MAX_MAP_CELLS = 2_500
#: How confident a class is, for choosing the cells drawn when there are too many (3 = 99%).
_CLASS_LEVEL = {
    "Hot spot 99%": 3,
    "Hot spot 95%": 2,
    "Hot spot 90%": 1,
    "Cold spot 90%": 1,
    "Cold spot 95%": 2,
    "Cold spot 99%": 3,
}


def hotspot_map(
    cells_frame: pd.DataFrame,
    outlines: pd.DataFrame,
    suppress_below: int | None = None,
    basemap: bool = False,
    show_cold_spots: bool = False,
) -> pdk.Deck:
    """Grid cells coloured by count, hot spots outlined, ward boundaries and names on top.

    Parameters
    ----------
    cells_frame : pandas.DataFrame
        :func:`analytics.analyses.hotspots.hotspots` output (or :func:`analytics.analyses.hotspots.hotspot_cells`,
        its rows with incidents or significant): ``cell_id``, ``polygon`` (corners as
        [lon, lat], WGS84), ``count``, ``hotspot_class`` and, if present, ``gi_z``,
        ``ward_code``, ``ward_name``, ``district``; ``attrs['period']`` labels the counts, and
        ``attrs['ward_codes']``, when present, names the wards to outline. Not modified.
    outlines : pandas.DataFrame
        :func:`ward_outlines` of the cells' boundary vintage; the wards the cells fall in are
        drawn (all of them when the cells name no ward).
    suppress_below : int, optional
        Public mode: a cell with fewer incidents is drawn in :data:`SUPPRESSED_COLOUR` with
        "<N" for its count. No Gi* z-score is written in public mode (with its neighbours'
        counts it would give a hidden count away); the class is.
    basemap : bool, default False
        True adds Carto's light base map (from the internet).
    show_cold_spots : bool, default False
        Outline cold spots too (blue); off, only hot spots are marked.

    Returns
    -------
    pydeck.Deck
        Layers: 'background' (without a base map), 'cells' (cells with incidents, and empty
        cells that are hot or cold spots drawn faintly; pickable), 'hotspot-outlines' (by class,
        :data:`HOTSPOT_CLASS_STYLES`), 'ward-outlines', 'ward-labels'. Empty cells that are not
        significant are not drawn. At most :data:`MAX_MAP_CELLS` cells are drawn: beyond that
        (a national lattice, not North Worcestershire's) the marked cells come first, the most
        confident first, then the cells with the most incidents (ties by cell id); the colour
        scale is still that of every cell. The deck's JSON is written once, when first drawn.
    """
    threshold = _check_threshold(suppress_below)
    _check_columns(cells_frame, ["cell_id", "polygon", "count", "hotspot_class"], "hot-spot cells")
    marked = {name for name in HOTSPOT_CLASS_STYLES if show_cold_spots or name.startswith("Hot")}
    scale = _cell_scale(cells_frame, threshold)
    alpha = CELL_ALPHA_BASEMAP if basemap else CELL_ALPHA
    counts = cells_frame["count"].to_numpy().astype(np.int64)
    classes = np.asarray(
        [c if isinstance(c, str) else NOT_SIGNIFICANT for c in cells_frame["hotspot_class"]], dtype=object
    )
    significant = np.isin(classes, list(marked))
    drawn = np.flatnonzero((counts > 0) | significant)
    if len(drawn) > MAX_MAP_CELLS:
        level = np.asarray([_CLASS_LEVEL.get(c, 0) for c in classes[drawn]]) * significant[drawn]
        ids = cells_frame["cell_id"].to_numpy()[drawn].astype(str)
        order = np.lexsort((ids, -counts[drawn], -level))
        drawn = np.sort(drawn[order[:MAX_MAP_CELLS]])
    period = _titles(cells_frame, "{period}")

    def column(name):
        return cells_frame[name].to_numpy(dtype=object)[drawn] if name in cells_frame else [None] * len(drawn)

    cells, outlined = [], []
    low, high = np.full(2, np.inf), np.full(2, -np.inf)
    for cell_id, polygon, count, hotspot_class, is_marked, ward_name, district, z in zip(
        column("cell_id"),
        column("polygon"),
        counts[drawn].tolist(),
        classes[drawn],
        significant[drawn].tolist(),
        column("ward_name"),
        column("district"),
        column("gi_z"),
        strict=False,
    ):
        polygon = _round_coords([list(corner) for corner in polygon])
        if count <= 0:
            fill = EMPTY_CELL_COLOUR
        elif threshold is not None and count < threshold:
            fill = _with_alpha(SUPPRESSED_COLOUR, alpha)
        else:
            fill = _with_alpha(scale.colour_of(count), alpha)
        cells.append(
            {
                "cell_id": str(cell_id),
                "polygon": polygon,
                "fill": fill,
                "tooltip": _cell_tooltip(cell_id, ward_name, district, period, threshold, count, hotspot_class, z),
            }
        )
        corners = np.asarray(polygon, dtype=float)
        low, high = np.minimum(low, corners.min(axis=0)), np.maximum(high, corners.max(axis=0))
        if is_marked:
            colour, width = HOTSPOT_CLASS_STYLES[hotspot_class]
            outlined.append({"polygon": polygon, "line": list(colour), "width": width})
    # Thin lines first, so the most confident outlines are drawn over their neighbours'.
    outlined.sort(key=lambda cell: cell["width"])
    shapes = _wards_for(_outline_table(outlines), cells_frame, cells_frame.attrs.get("ward_codes"))
    bounds = _bounds(shapes["geometry"])
    if cells:
        # The cells' corners bound them as their polygons would, without making a shape per cell.
        bounds = (
            (float(low[0]), float(low[1]), float(high[0]), float(high[1]))
            if any(map(math.isnan, bounds))
            else (
                min(bounds[0], float(low[0])),
                min(bounds[1], float(low[1])),
                max(bounds[2], float(high[0])),
                max(bounds[3], float(high[1])),
            )
        )
    view = _view_state(bounds)
    layers = [] if basemap else [_background_layer(bounds, view)]
    layers += [
        pdk.Layer(
            "PolygonLayer",
            id="cells",
            data=cells,
            get_polygon="polygon",
            get_fill_color="fill",
            stroked=True,
            get_line_color=CELL_LINE_COLOUR,
            get_line_width=0,
            line_width_min_pixels=0.5,
            pickable=True,
            auto_highlight=True,
            highlight_color=HIGHLIGHT_COLOUR,
        ),
        pdk.Layer(
            "PolygonLayer",
            id="hotspot-outlines",
            data=outlined,
            get_polygon="polygon",
            filled=False,
            stroked=True,
            get_line_color="line",
            get_line_width="width",
            line_width_units=pdk.types.String("pixels"),
            pickable=False,
        ),
        _ward_outline_layer(shapes),
        _label_layer(shapes),
    ]
    return _deck(layers, view, basemap)


# ---------------------------------------------------------------------------
# Top locations
# ---------------------------------------------------------------------------


def points_map(
    locations: pd.DataFrame, outlines: pd.DataFrame, suppress_below: int | None = None, basemap: bool = False
) -> pdk.Deck:
    """The top locations (:func:`analytics.analyses.hotspots.top_locations`) as points sized by count.

    A point's area is proportional to its count (radius from :data:`POINT_RADIUS_PX`). In
    public mode locations with fewer than ``suppress_below`` incidents are left off the map
    altogether: a named street with a handful of incidents can point to a household.
    ``locations`` needs ``location``, ``count``, ``longitude``, ``latitude`` (and may have
    ``ward_code``, ``ward_name``, ``district``, ``share_pct``); it is not modified.
    """
    threshold = _check_threshold(suppress_below)
    _check_columns(locations, ["location", "count", "longitude", "latitude"], "top locations")
    shown = locations[locations["longitude"].notna() & locations["latitude"].notna()]
    if threshold is not None:
        shown = shown[shown["count"] >= threshold]
    largest = max([int(c) for c in shown["count"]] + [1])
    smallest_px, largest_px = POINT_RADIUS_PX
    period = _titles(locations, "{period}")
    points, point_shapes = [], []
    for _, row in shown.iterrows():
        count = int(row["count"])
        lines = [str(row["location"])]
        if not _is_na(row.get("ward_name")):
            district = row.get("district")
            lines.append(str(row["ward_name"]) + ("" if _is_na(district) else f" ({district})"))
        share = row.get("share_pct")
        share_text = "" if _is_na(share) else f" ({float(share):.1f}% of all)"
        lines.append(f"Incidents, {period}: {count:,}{share_text}")
        position = [round(float(row["longitude"]), COORD_DECIMALS), round(float(row["latitude"]), COORD_DECIMALS)]
        radius = smallest_px + (largest_px - smallest_px) * math.sqrt(max(count, 0) / largest)
        points.append({"position": position, "radius": round(radius, 1), "tooltip": "\n".join(lines)})
        point_shapes.append(shapely.Point(position))
    shapes = _wards_for(_outline_table(outlines), locations)
    bounds = _bounds([*shapes["geometry"], *point_shapes])
    view = _view_state(bounds)
    layers = [] if basemap else [_background_layer(bounds, view)]
    layers += [
        _ward_outline_layer(shapes),
        _label_layer(shapes),
        pdk.Layer(
            "ScatterplotLayer",
            id="locations",
            data=points,
            get_position="position",
            get_radius="radius",
            radius_units=pdk.types.String("pixels"),
            get_fill_color=_with_alpha(POINT_COLOUR, POINT_ALPHA),
            stroked=True,
            get_line_color=list(LABEL_HALO_COLOUR),
            line_width_min_pixels=1,
            pickable=True,
            auto_highlight=True,
            highlight_color=HIGHLIGHT_COLOUR,
        ),
    ]
    return _deck(layers, view, basemap)
