"""Maps: the pieces every pydeck deck of the dashboard shares.

Compute apart from draw: the frames come from :mod:`analytics.analyses.wards` and
:mod:`analytics.analyses.hotspots`, the ward outlines from :mod:`analytics.data.outlines`; the
maps turn them into ``pydeck.Deck`` objects: :mod:`analytics.present.ward_map` (the ward
choropleth), :mod:`analytics.present.hotspot_map` (hot-spot cells and top locations), with the
colour scales and the legend a page draws beside each map (deck.gl draws none) in
:mod:`analytics.present.map_legend`. This module holds what they share: the view, the plain
ground's colour, the ward outlines and labels, the tooltip and the deck itself. Nothing here imports
streamlit.

No network by default
---------------------
The dashboard is shown on a projector that may have no internet, so a deck makes no request
unless asked to. Every deck is built with ``map_provider=None`` and ``map_style="__MAP_STYLE__"``
(pydeck's "no style chosen" value, :data:`NO_BASEMAP_STYLE`): ``st.pydeck_chart`` drops that
value and draws no base map, whereas a deck with ``map_style=None`` gets Streamlit's Carto base
map, fetched from the internet. Layer data is written inline (never a URL), labels use the
browser's own fonts, and API keys pydeck picks up from the environment are cleared so they never
reach the deck JSON. ``basemap=True`` is the one way to add a URL: Carto's light base map.

Without a base map the deck draws its own context: the ward boundaries as dark grey lines and
ward names at a point inside each ward, on a plain light ground (:data:`BACKGROUND_COLOUR`) that
the page paints behind the deck's transparent canvas.

Fast to draw
------------
Each kind of layer a deck uses costs its shaders once per map drawn: about 0.15 s for the
fills, 0.15 s for lines and 0.3 s for the labels in Chromium's software WebGL, but 0.6 s for a
PathLayer, and again for every layer whose colours are given differently (a constant in one,
read from the rows in another). So every map draws with three kinds (FAST_LAYERS), each set up
alike: fills (PolygonLayer or GeoJsonLayer, unstroked, fill read from the row), lines (LineLayer,
colour and width constant) and labels (TextLayer); the top locations add their points. A fill
the size of the map (a background layer) cost another 0.4 s: the page paints the ground instead.

Public mode
-----------
With ``suppress_below=N`` a count below N is written ``<N`` and drawn in :data:`SUPPRESSED_COLOUR`;
nothing that would give it away (its difference, percentage, rate, significance or Gi* z-score)
is written either, and the layer data carries display text and colours only, never raw numbers.
Differences, percentages and rates of wards whose counts are both published are shown even when
they are small: they follow from published counts and reveal nothing more.
"""

from __future__ import annotations

import copy
import json
import math
import numbers
import textwrap

import geopandas as gpd
import numpy as np
import pandas as pd
import pydeck as pdk
import shapely
import shapely.geometry
from pydeck.bindings.json_tools import default_serialize

from analytics.core.disclosure import is_hidden
from analytics.core.errors import AnalyticsError
from analytics.core.table_meta import meta_of
from analytics.core.vocabulary import GREY, rgb, suppressed_label
from analytics.data.geography import WGS84

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

#: A count below the public-mode threshold: the palette's grey (as in the charts), unlike any
#: colour of the scales.
SUPPRESSED_COLOUR: RGB = rgb(GREY)
#: No figure to show (no population, no earlier count to compare with, not tested).
NO_DATA_COLOUR: RGB = (255, 255, 255)
#: The plain ground every map is drawn on: painted by the page behind the deck's transparent canvas
#: (ui/accessibility.py), not drawn as a layer (see "Fast to draw").
BACKGROUND_COLOUR: RGB = (228, 233, 237)
WARD_LINE_COLOUR: RGB = (64, 64, 64)
LABEL_COLOUR: RGB = (20, 20, 20)
LABEL_HALO_COLOUR: RGB = (255, 255, 255)

# ---------------------------------------------------------------------------
# Layer settings
# ---------------------------------------------------------------------------

WARD_LINE_WIDTH_PX = 1.5
#: The only deck.gl layer types a map uses (see "Fast to draw"), with the points of the top locations.
FAST_LAYERS = ("PolygonLayer", "GeoJsonLayer", "LineLayer", "TextLayer", "ScatterplotLayer")
LABEL_SIZE_PX = 13
LABEL_MAX_WIDTH = 9  # TextLayer maxWidth, in multiples of the text size: long names wrap
LABEL_FONT = "Helvetica Neue, Arial, sans-serif"
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

#: The canvas the initial view is fitted to (pixels); the data fills VIEW_FILL of it. The smallest
#: canvas a map is drawn on: a slide's map at 1280x720 is 460 px wide and 400 tall (ui.slides);
#: a page's, and a slide's at 1920x1080, are larger. The browser's canvas size is not known here,
#: so a larger canvas shows a margin round the map, where one fitted to a larger canvas (800 x
#: 460, before) cut the wards at a slide's edges: Redditch's northern and southern wards at both
#: screen sizes, and a wide area's east and west at 1280x720.
VIEW_WIDTH_PX = 460
VIEW_HEIGHT_PX = 400
VIEW_FILL = 0.97
TILE_SIZE_PX = 512  # deck.gl draws the whole web-mercator world 512 pixels wide at zoom 0
MIN_ZOOM = 8.0  # least zoomed out the user may go
MAX_ZOOM = 17.0
COORD_DECIMALS = 6  # about 0.1 m: enough for boundaries, keeps the JSON small

#: Above this many wards (a county or more: North Worcestershire has 54) the outlines are simplified
#: to about a pixel of the fitted view, which the eye cannot tell from the full line; at 1,000 wards
#: that shrinks a map's JSON by megabytes and its making by a second.
SIMPLIFY_ABOVE_WARDS = 300

# ---------------------------------------------------------------------------
# Checks and text
# ---------------------------------------------------------------------------


def period_title(frame: pd.DataFrame | None, text: str) -> str:
    """``text`` with ``{period_a}``, ``{period_b}`` and ``{period}`` (a table of one period: its
    ``period_a``) filled in from the frame's :class:`~analytics.core.table_meta.TableMeta`."""
    a, b = meta_of(frame).period_labels if frame is not None else ("", "")
    return text.format(period_a=a or "period A", period_b=b or "period B", period=a or "the period")


def check_threshold(suppress_below: object) -> int | None:
    if suppress_below is None:
        return None
    if isinstance(suppress_below, bool) or not isinstance(suppress_below, numbers.Integral) or suppress_below < 1:
        raise AnalyticsError(
            f"suppress_below must be a whole number of at least 1, or None for analyst mode; got {suppress_below!r}.",
            title="Invalid threshold",
            fix="Use the disclosure_threshold setting (e.g. 5).",
        )
    return int(suppress_below)


def format_number(value: float, decimals: int) -> str:
    return f"{value:,.{decimals}f}"


def check_columns(frame: pd.DataFrame, needed: list[str], what: str) -> None:
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise AnalyticsError(
            f"The {what} frame lacks the column(s) {', '.join(missing)}; it has {', '.join(map(str, frame.columns))}.",
            title="Missing columns",
        )


def is_na(value) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def with_alpha(colour, alpha: int) -> list[int]:
    return [*map(int, colour[:3]), alpha]


def count_text(count: int, threshold: int | None) -> str:
    if threshold is not None and is_hidden(count, threshold):
        return suppressed_label(threshold)
    return f"{count:,}"


# ---------------------------------------------------------------------------
# Ward boundaries as drawn
# ---------------------------------------------------------------------------


def outline_table(outlines: pd.DataFrame) -> pd.DataFrame:
    """ward_code, ward_name, district, geometry (shapely, WGS84), label_lon, label_lat."""
    check_columns(outlines, ["ward_code", "ward_name", "district"], "ward outlines")
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


def round_coords(value):
    if isinstance(value, (tuple, list)):
        if value and isinstance(value[0], numbers.Real):
            return [round(float(v), COORD_DECIMALS) for v in value]
        return [round_coords(v) for v in value]
    return value


def _geojson_geometry(geometry) -> dict:
    mapped = shapely.geometry.mapping(geometry)
    return {"type": mapped["type"], "coordinates": round_coords(mapped["coordinates"])}


def _ring_coords(ring) -> list:
    return np.round(shapely.get_coordinates(ring), COORD_DECIMALS).tolist()


def _polygon_coords(polygon) -> list:
    return [_ring_coords(polygon.exterior), *(_ring_coords(r) for r in polygon.interiors)]


def geojson_geometries(geometries) -> list[dict]:
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


def drawable(geometry) -> np.ndarray:
    """Ward shapes as drawn: above SIMPLIFY_ABOVE_WARDS wards, simplified to about a pixel of the
    fitted view, which the eye cannot tell from the full line."""
    geometry = np.asarray(list(geometry), dtype=object)
    if len(geometry) > SIMPLIFY_ABOVE_WARDS:
        min_lon, min_lat, max_lon, max_lat = bounds_of(geometry)
        pixel = max(max_lon - min_lon, max_lat - min_lat) / VIEW_WIDTH_PX
        geometry = shapely.simplify(geometry, pixel, preserve_topology=True)
    return geometry


def wards_for(shapes: pd.DataFrame, frame: pd.DataFrame, codes=None) -> pd.DataFrame:
    """The wards a frame's rows fall in (all the outlines when it names none of them); ``codes``,
    when given, are the ward codes to use instead of the rows' (a frame of only some cells of a
    lattice names the lattice's wards in ``attrs['ward_codes']``)."""
    if codes is not None or "ward_code" in frame:
        named = set(map(str, codes)) if codes is not None else set(frame["ward_code"].dropna().astype(str))
        chosen = shapes[shapes["ward_code"].isin(named)]
        if len(chosen):
            return chosen
    return shapes


# ---------------------------------------------------------------------------
# View, outlines, labels, deck
# ---------------------------------------------------------------------------


def _mercator_y(lat: float) -> float:
    return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))


def view_state(bounds: tuple[float, float, float, float]) -> pdk.ViewState:
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


def bounds_of(geometries) -> tuple[float, float, float, float]:
    geometries = [g for g in geometries if g is not None and not shapely.is_empty(g)]
    if not geometries:
        return (math.nan,) * 4
    min_lon, min_lat, max_lon, max_lat = (float(b) for b in shapely.total_bounds(geometries))
    return min_lon, min_lat, max_lon, max_lat


def outline_segments(geometries) -> list[dict]:
    """Every edge of the polygons' rings (outer and holes) as a segment {"s": [lon, lat], "t":
    [lon, lat]}, rounded to COORD_DECIMALS; an edge two shapes share (neighbouring wards or
    cells) is given once."""
    shapes = [g for g in geometries if g is not None and not shapely.is_empty(g)]
    if not shapes:
        return []
    rings = shapely.get_rings(shapely.get_parts(np.asarray(shapes, dtype=object)))
    coords, ring = shapely.get_coordinates(rings, return_index=True)
    coords = np.round(coords, COORD_DECIMALS)
    same_ring = ring[1:] == ring[:-1]
    ends = np.hstack([coords[:-1][same_ring], coords[1:][same_ring]])
    # Each edge one way round (its lesser end first), so that a shared edge is found twice.
    flip = (ends[:, 0] > ends[:, 2]) | ((ends[:, 0] == ends[:, 2]) & (ends[:, 1] > ends[:, 3]))
    ends[flip] = ends[flip][:, [2, 3, 0, 1]]
    ends = np.unique(ends[(ends[:, 0] != ends[:, 2]) | (ends[:, 1] != ends[:, 3])], axis=0)
    return [{"s": [x0, y0], "t": [x1, y1]} for x0, y0, x1, y1 in ends.tolist()]


def line_layer(layer_id: str, segments: list[dict], colour, width_px: float) -> pdk.Layer:
    """Segments in one colour and width (pixels): the outlines of every map.

    deck.gl's LineLayer, not the PathLayer that PolygonLayer and GeoJsonLayer stroke with: in
    software WebGL (a projector's laptop without a graphics driver, Chromium here) a PathLayer's
    shaders took about 0.6 s to set up per new map against 0.15 s, and a line a pixel or two
    wide shows no difference at its joins. Every line layer gives its colour and width as
    constants, so that they share one pipeline (FAST_LAYERS)."""
    return pdk.Layer(
        "LineLayer",
        id=layer_id,
        data=segments,
        get_source_position="s",
        get_target_position="t",
        get_color=[*map(int, colour[:3]), int(colour[3]) if len(colour) > 3 else 255],
        get_width=width_px,
        width_units=pdk.types.String("pixels"),
        pickable=False,
    )


def ward_outline_layer(shapes: pd.DataFrame) -> pdk.Layer:
    """The wards' boundaries as dark grey lines."""
    segments = outline_segments(drawable(shapes["geometry"]))
    return line_layer("ward-outlines", segments, WARD_LINE_COLOUR, WARD_LINE_WIDTH_PX)


#: A label's character, as a share of its size (the label font's average advance), and line height.
_CHAR_WIDTH, _LINE_HEIGHT = 0.6, 1.25


def label_box(name: str, lon: float, lat: float, zoom: float) -> tuple[float, float, float, float]:
    """The box (x0, y0, x1, y1, in pixels of the world at ``zoom``) a ward's label covers: its
    lines wrapped as the TextLayer wraps them (LABEL_MAX_WIDTH sizes wide), centred on its point."""
    per_line = max(1, int(LABEL_MAX_WIDTH / _CHAR_WIDTH))
    lines = textwrap.wrap(name, per_line) or [name]
    width = max(len(line) for line in lines) * _CHAR_WIDTH * LABEL_SIZE_PX + 6  # and the halo
    height = len(lines) * _LINE_HEIGHT * LABEL_SIZE_PX + 4
    scale = TILE_SIZE_PX * 2**zoom
    x = scale * (lon + 180) / 360
    y = scale * (1 - _mercator_y(lat) / math.pi) / 2
    return x - width / 2, y - height / 2, x + width / 2, y + height / 2


def placed_labels(shapes: pd.DataFrame, zoom: float) -> pd.DataFrame:
    """The wards whose labels are drawn at ``zoom``: every label that does not overlap a label
    already placed, the largest wards placed first. In the town centres, where small wards sit
    close together, a name that would pile onto another is left off the map; hovering over the
    ward names it, and the map's text alternative lists every ward."""
    order = shapely.area(drawable(shapes["geometry"])).argsort()[::-1]
    placed: list[tuple[float, float, float, float]] = []
    keep = []
    for i in order:
        row = shapes.iloc[i]
        box = label_box(str(row["ward_name"]), float(row["label_lon"]), float(row["label_lat"]), zoom)
        if all(box[2] < b[0] or b[2] < box[0] or box[3] < b[1] or b[3] < box[1] for b in placed):
            placed.append(box)
            keep.append(i)
    return shapes.iloc[sorted(keep)]


def label_layer(shapes: pd.DataFrame, zoom: float | None = None) -> pdk.Layer:
    """Ward names at their label points; with ``zoom``, only those that do not collide there
    (:func:`placed_labels`)."""
    if zoom is not None and len(shapes):
        shapes = placed_labels(shapes, zoom)
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


def new_deck(layers: list[pdk.Layer], view: pdk.ViewState, basemap: bool) -> pdk.Deck:
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
