"""The Hot spots page's maps: grid cells coloured by count with Gi* hot spots outlined, and the
top locations as points sized by count."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pydeck as pdk
import shapely

from analytics.core.disclosure import hidden_cells, is_hidden
from analytics.core.vocabulary import NOT_SIGNIFICANT
from analytics.present.map_legend import HOTSPOT_CLASS_STYLES, ColourScale, cell_scale
from analytics.present.maps import (
    COORD_DECIMALS,
    HIGHLIGHT_COLOUR,
    LABEL_HALO_COLOUR,
    SUPPRESSED_COLOUR,
    bounds_of,
    check_columns,
    check_threshold,
    count_text,
    is_na,
    label_layer,
    line_layer,
    new_deck,
    outline_segments,
    outline_table,
    period_title,
    round_coords,
    view_state,
    ward_outline_layer,
    wards_for,
    with_alpha,
)
from analytics.present.style import POINT_RGB

CELL_ALPHA = 225
CELL_ALPHA_BASEMAP = 180
#: A zero-count cell that is still a hot or cold spot (its neighbours are busy): drawn faintly.
EMPTY_CELL_COLOUR: list[int] = [255, 255, 255, 90]
CELL_LINE_COLOUR: list[int] = [255, 255, 255, 70]
CELL_LINE_WIDTH_PX = 1.0  # thinner than a pixel, a line may vanish in places
#: Top-location points: vermillion (:mod:`analytics.present.style`), outlined in white.
POINT_COLOUR = POINT_RGB
POINT_ALPHA = 210
POINT_RADIUS_PX = (4.0, 22.0)  # smallest and largest top-location point; area follows the count

#: Most cells a hot-spot map draws. North Worcestershire's busiest 250 m map (every crime over
#: ten years, all three districts) draws under 1,900 cells, so there every cell with incidents
#: and every marked cell is drawn; a national lattice can have a hundred thousand cells with
#: incidents, too many for a browser to draw or a page to send on every run (about 1.8 kB of
#: deck JSON each), so beyond this the map draws the marked cells, most confident first, then
#: the busiest (see :func:`hotspot_map`).
MAX_MAP_CELLS = 2_500
#: How confident a class is, for choosing the cells drawn when there are too many (3 = 99%).
_CLASS_LEVEL = {name: {"99%": 3, "95%": 2, "90%": 1}[name[-3:]] for name in HOTSPOT_CLASS_STYLES}

# ---------------------------------------------------------------------------
# Hot-spot map
# ---------------------------------------------------------------------------


def _cell_tooltip(
    cell_id, ward_name, district, period: str, threshold: int | None, count: int, hotspot_class: str, z
) -> str:
    place = ""
    if not is_na(ward_name):
        place = f" \u00b7 {ward_name}" + ("" if is_na(district) else f" ({district})")
    lines = [f"Cell {cell_id}{place}", f"Incidents, {period}: {count_text(count, threshold)}"]
    if threshold is None and not is_na(z):
        lines.append(f"{hotspot_class} (Gi* z = {float(z):.2f})")
    else:
        lines.append(str(hotspot_class))
    return "\n".join(lines)


def _cells_to_draw(cells_frame: pd.DataFrame, marked: set[str]):
    """(rows drawn, counts, classes, marked or not) of the cells: every cell with incidents or a
    marked class, at most :data:`MAX_MAP_CELLS` of them (marked first, most confident first,
    then the busiest; ties by cell id), in the frame's order."""
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
    return drawn, counts, classes, significant


def _cell_fill(count: int, scale: ColourScale, threshold: int | None, alpha: int) -> list[int]:
    if count <= 0:
        return EMPTY_CELL_COLOUR
    if is_hidden(count, threshold):
        return with_alpha(SUPPRESSED_COLOUR, alpha)
    return with_alpha(scale.colour_of(count), alpha)


def _cell_records(cells_frame: pd.DataFrame, marked: set[str], scale: ColourScale, threshold: int | None, alpha: int):
    """The cells layer's rows, the outlines layer's rows (thinnest first, so the most confident
    are drawn over their neighbours') and the corners' bounds (min lon, min lat, max lon, max lat)."""
    drawn, counts, classes, significant = _cells_to_draw(cells_frame, marked)
    period = period_title(cells_frame, "{period}")

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
        polygon = round_coords([list(corner) for corner in polygon])
        tooltip = _cell_tooltip(cell_id, ward_name, district, period, threshold, count, hotspot_class, z)
        cells.append(
            {
                "cell_id": str(cell_id),
                "polygon": polygon,
                "fill": _cell_fill(count, scale, threshold, alpha),
                "tooltip": tooltip,
            }
        )
        corners = np.asarray(polygon, dtype=float)
        low, high = np.minimum(low, corners.min(axis=0)), np.maximum(high, corners.max(axis=0))
        if is_marked:
            colour, width = HOTSPOT_CLASS_STYLES[hotspot_class]
            outlined.append({"polygon": polygon, "line": list(colour), "width": width})
    outlined.sort(key=lambda cell: cell["width"])
    return cells, outlined, (float(low[0]), float(low[1]), float(high[0]), float(high[1]))


def _union_bounds(bounds: tuple, other: tuple) -> tuple[float, float, float, float]:
    """Bounds holding both (either may be all NaN: nothing there)."""
    if any(map(math.isnan, bounds)):
        return other
    return (min(bounds[0], other[0]), min(bounds[1], other[1]), max(bounds[2], other[2]), max(bounds[3], other[3]))


def _cell_layers(cells: list[dict], outlined: list[dict]) -> list[pdk.Layer]:
    """The cells, filled by count and pickable; their edges, faint; the hot-spot outlines over them.

    Fills and lines are drawn as every map draws them (:data:`analytics.present.maps.FAST_LAYERS`):
    the outlines as segments, each marked cell's four edges in its class's colour and width."""
    edges = outline_segments(shapely.polygons([cell["polygon"] for cell in cells])) if cells else []
    # A line layer per class, thinnest first, so that the most confident are drawn over their
    # neighbours': each has its colour and width as constants, as every line layer has.
    by_class: dict[tuple, list[dict]] = {}
    for cell in outlined:
        corners = cell["polygon"]
        segments = by_class.setdefault((cell["width"], tuple(cell["line"])), [])
        segments += [{"s": corners[i], "t": corners[(i + 1) % len(corners)]} for i in range(len(corners))]
    return [
        pdk.Layer(
            "PolygonLayer",
            id="cells",
            data=cells,
            get_polygon="polygon",
            get_fill_color="fill",
            stroked=False,
            pickable=True,
            auto_highlight=True,
            highlight_color=HIGHLIGHT_COLOUR,
        ),
        line_layer("cell-edges", edges, CELL_LINE_COLOUR, CELL_LINE_WIDTH_PX),
        *(
            line_layer(f"hotspot-outlines-{index}", segments, colour, width)
            for index, ((width, colour), segments) in enumerate(sorted(by_class.items()))
        ),
    ]


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
        ``ward_code``, ``ward_name``, ``district``; its metadata's ``period_a``
        (:func:`analytics.core.table_meta.meta_of`) labels the counts, and
        ``attrs['ward_codes']``, when present, names the wards to outline. Not modified.
    outlines : pandas.DataFrame
        :func:`analytics.data.outlines.ward_outlines` of the cells' boundary vintage; the wards the cells fall in are
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
        Layers: 'cells' (cells with incidents, and empty
        cells that are hot or cold spots drawn faintly; pickable), 'cell-edges',
        'hotspot-outlines-0', '-1', ... (a layer per class, thinnest first:
        :data:`analytics.present.map_legend.HOTSPOT_CLASS_STYLES`), 'ward-outlines',
        'ward-labels'. Empty cells that are not significant are not drawn. At most
        :data:`MAX_MAP_CELLS` cells are drawn: beyond that (a national lattice, not North
        Worcestershire's) the marked cells come first, the most confident first, then the cells
        with the most incidents (ties by cell id); the colour scale is still that of every cell.
        The deck's JSON is written once, when first drawn.
    """
    threshold = check_threshold(suppress_below)
    check_columns(cells_frame, ["cell_id", "polygon", "count", "hotspot_class"], "hot-spot cells")
    marked = {name for name in HOTSPOT_CLASS_STYLES if show_cold_spots or name.startswith("Hot")}
    scale = cell_scale(cells_frame, threshold)
    alpha = CELL_ALPHA_BASEMAP if basemap else CELL_ALPHA
    cells, outlined, corners = _cell_records(cells_frame, marked, scale, threshold, alpha)
    # The lattice's wards: a fact of the hot-spot analysis, not of the table (TableMeta has no such
    # field), so it is read from the analysis's own attribute.
    shapes = wards_for(outline_table(outlines), cells_frame, cells_frame.attrs.get("ward_codes"))
    bounds = bounds_of(shapes["geometry"])
    if cells:
        # The cells' corners bound them as their polygons would, without making a shape per cell.
        bounds = _union_bounds(bounds, corners)
    view = view_state(bounds)
    layers = [*_cell_layers(cells, outlined), ward_outline_layer(shapes), label_layer(shapes, view.zoom)]
    return new_deck(layers, view, basemap)


# ---------------------------------------------------------------------------
# Top locations
# ---------------------------------------------------------------------------


def _point_records(shown: pd.DataFrame, period: str) -> tuple[list[dict], list]:
    """The points layer's rows (position, radius, tooltip) and the points as shapes."""
    largest = max([int(c) for c in shown["count"]] + [1])
    smallest_px, largest_px = POINT_RADIUS_PX
    points, point_shapes = [], []
    for _, row in shown.iterrows():
        count = int(row["count"])
        lines = [str(row["location"])]
        if not is_na(row.get("ward_name")):
            district = row.get("district")
            lines.append(str(row["ward_name"]) + ("" if is_na(district) else f" ({district})"))
        share = row.get("share_pct")
        share_text = "" if share is None or is_na(share) else f" ({float(share):.1f}% of all)"
        lines.append(f"Incidents, {period}: {count:,}{share_text}")
        position = [round(float(row["longitude"]), COORD_DECIMALS), round(float(row["latitude"]), COORD_DECIMALS)]
        radius = smallest_px + (largest_px - smallest_px) * math.sqrt(max(count, 0) / largest)
        points.append({"position": position, "radius": round(radius, 1), "tooltip": "\n".join(lines)})
        point_shapes.append(shapely.Point(position))
    return points, point_shapes


def _points_layer(points: list[dict]) -> pdk.Layer:
    return pdk.Layer(
        "ScatterplotLayer",
        id="locations",
        data=points,
        get_position="position",
        get_radius="radius",
        radius_units=pdk.types.String("pixels"),
        get_fill_color=with_alpha(POINT_COLOUR, POINT_ALPHA),
        stroked=True,
        get_line_color=list(LABEL_HALO_COLOUR),
        line_width_min_pixels=1,
        pickable=True,
        auto_highlight=True,
        highlight_color=HIGHLIGHT_COLOUR,
    )


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
    threshold = check_threshold(suppress_below)
    check_columns(locations, ["location", "count", "longitude", "latitude"], "top locations")
    shown = locations[locations["longitude"].notna() & locations["latitude"].notna()]
    if threshold is not None:
        shown = shown[~hidden_cells(shown[["count"]], threshold)["count"]]
    points, point_shapes = _point_records(shown, period_title(locations, "{period}"))
    shapes = wards_for(outline_table(outlines), locations)
    bounds = bounds_of([*shapes["geometry"], *point_shapes])
    view = view_state(bounds)
    layers = [ward_outline_layer(shapes), label_layer(shapes, view.zoom), _points_layer(points)]
    return new_deck(layers, view, basemap)
