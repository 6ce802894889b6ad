"""The ward choropleth: each ward filled by a measure of a ward_deltas frame, with its tooltip."""

from __future__ import annotations

import pandas as pd
import pydeck as pdk

from analytics.core.disclosure import is_hidden
from analytics.core.errors import AnalyticsError
from analytics.core.table_meta import meta_of
from analytics.present.map_legend import ColourScale, ward_rows, ward_scale
from analytics.present.maps import (
    HIGHLIGHT_COLOUR,
    NO_DATA_COLOUR,
    SUPPRESSED_COLOUR,
    bounds_of,
    check_threshold,
    count_text,
    drawable,
    format_number,
    geojson_geometries,
    is_na,
    label_layer,
    line_layer,
    new_deck,
    outline_segments,
    outline_table,
    period_title,
    view_state,
    ward_outline_layer,
    with_alpha,
)

FILL_ALPHA = 235  # ward fills over the plain ground the page paints
FILL_ALPHA_BASEMAP = 165  # ward fills over a base map, which should show through


def _ward_tooltip(row: dict, frame: pd.DataFrame, threshold: int | None) -> str:
    """Ward, district, both counts, change, rate in period B and significance, one per line."""
    period_a, period_b = period_title(frame, "{period_a}"), period_title(frame, "{period_b}")
    count_a, count_b = int(row["count_a"]), int(row["count_b"])
    hidden_a, hidden_b = is_hidden(count_a, threshold), is_hidden(count_b, threshold)
    lines = [
        f"{row['ward_name']} ({row['district']})",
        f"{period_a}: {count_text(count_a, threshold)}",
        f"{period_b}: {count_text(count_b, threshold)}",
    ]
    incomparable = bool(meta_of(frame).not_comparable)
    if hidden_a or hidden_b:
        # The change would give the hidden count away: public mode shows none of it.
        lines.append("Change: not shown (small numbers)")
    elif incomparable:
        lines.append("Change: not comparable (months missing from the source)")
    else:
        difference = count_b - count_a
        percentage = row.get("percentage")
        if is_na(percentage):
            pct = row.get("pct_change")
            percentage = "n/a" if pct is None or is_na(pct) else f"{int(pct)}%"
        lines.append(f"Change: {difference:+,} ({percentage})" if difference else f"Change: 0 ({percentage})")
    if hidden_b:
        lines.append(f"Rate per 1,000 residents, {period_b}: not shown")
    elif "rate_b_per_1000" in row:
        rate = row["rate_b_per_1000"]
        lines.append(f"Rate per 1,000 residents, {period_b}: {'n/a' if is_na(rate) else format_number(float(rate), 1)}")
    significant = row.get("significant")
    if hidden_a or hidden_b:
        lines.append("Significant change: not shown")
    elif incomparable:
        lines.append("Significant change: not tested (not comparable)")
    elif is_na(significant):
        lines.append("Significant change: not tested")
    else:
        lines.append(f"Significant change: {'yes' if bool(significant) else 'no'}")
        small = row.get("small_numbers")
        if not is_na(small) and bool(small):
            lines.append("Small numbers: the percentage is unreliable")
    return "\n".join(lines)


def _drawn_wards(rows: pd.DataFrame, outlines: pd.DataFrame) -> pd.DataFrame:
    """The outlines of the frame's wards, in the frame's order; every ward must have one."""
    shapes = outline_table(outlines).drop_duplicates("ward_code").set_index("ward_code", drop=False)
    codes = [str(c) for c in rows["ward_code"]]
    missing = [c for c in codes if c not in shapes.index]
    if missing:
        raise AnalyticsError(
            f"No boundary for ward(s) {', '.join(missing[:5])}"
            f"{' and others' if len(missing) > 5 else ''} among the outlines given.",
            title="Wards without boundaries",
            fix="Pass ward_outlines() of the same boundary vintage as the ward table.",
        )
    return shapes.loc[codes] if codes else shapes.iloc[:0]


def _fill(scale: ColourScale, state: str, value) -> tuple[int, int, int]:
    if state == "value":
        return scale.colour_of(value)
    return SUPPRESSED_COLOUR if state == "suppressed" else NO_DATA_COLOUR


def _ward_features(
    ward_frame: pd.DataFrame, drawn: pd.DataFrame, scale: ColourScale, states: list, threshold, alpha: int
) -> list[dict]:
    """One GeoJSON feature per ward: its outline, fill colour and tooltip."""
    rows = ward_rows(ward_frame)
    features = []
    # Rows as dicts, not iterrows(): a Series per ward cost a quarter of a second at 1,000 wards.
    for row, (state, value), geometry in zip(
        rows.to_dict("records"), states, geojson_geometries(drawable(drawn["geometry"])), strict=False
    ):
        features.append(
            {
                "type": "Feature",
                "geometry": geometry,
                "properties": {
                    "ward_code": str(row["ward_code"]),
                    "ward_name": str(row["ward_name"]),
                    "district": str(row["district"]),
                    "fill": with_alpha(_fill(scale, state, value), alpha),
                    "tooltip": _ward_tooltip(row, ward_frame, threshold),
                },
            }
        )
    return features


#: The outline of a chosen ward, px (the others' is WARD_LINE_WIDTH_PX).
CHOSEN_LINE_WIDTH_PX = 5


def _ward_layer(features: list[dict]) -> pdk.Layer:
    return pdk.Layer(
        "GeoJsonLayer",
        id="wards",
        data={"type": "FeatureCollection", "features": features},
        filled=True,
        # The boundaries are drawn by the 'ward-outlines' line layer (maps.FAST_LAYERS).
        stroked=False,
        get_fill_color="properties.fill",
        pickable=True,
        auto_highlight=True,
        highlight_color=HIGHLIGHT_COLOUR,
    )


def ward_choropleth(
    ward_frame: pd.DataFrame,
    outlines: pd.DataFrame,
    measure: str = "count_b",
    suppress_below: int | None = None,
    basemap: bool = False,
    chosen: tuple[str, ...] = (),
) -> pdk.Deck:
    """Wards filled by a measure of a :func:`analytics.analyses.wards.ward_deltas` frame.

    Parameters
    ----------
    ward_frame : pandas.DataFrame
        ``ward_deltas`` output (its Grand Total row is ignored); its metadata's ``period_a`` and
        ``period_b`` (:func:`analytics.core.table_meta.meta_of`) label the periods. Not modified.
    outlines : pandas.DataFrame
        :func:`analytics.data.outlines.ward_outlines` of the frame's boundary vintage (extra wards are not drawn).
    measure : str, default 'count_b'
        One of :data:`MEASURES`: 'count_a', 'count_b' (incidents), 'rate_a_per_1000',
        'rate_b_per_1000' (per 1,000 residents, mid-2018 population), 'pct_change' (whole
        percent, A to B) or 'significance' (significant increase / decrease / no change).
    suppress_below : int, optional
        Public mode: counts below this are shown as "<N" and the ward is drawn in
        :data:`SUPPRESSED_COLOUR` when its measure depends on such a count.
    basemap : bool, default False
        True adds Carto's light base map (fetched from the internet); False makes no request.
    chosen : tuple of str, default ()
        Ward codes a councillor chose: drawn with a thick black outline (layer 'chosen-wards').

    Returns
    -------
    pydeck.Deck
        Layers: 'wards' (a GeoJsonLayer, one feature per
        ward, filled, pickable, with a ``tooltip`` text), 'ward-outlines' (segments),
        'chosen-wards' (segments; only with ``chosen``), 'ward-labels'. Colours follow
        :func:`analytics.present.map_legend.legend` for the same frame, measure and threshold.
    """
    threshold = check_threshold(suppress_below)
    scale, states = ward_scale(ward_frame, measure, threshold)
    drawn = _drawn_wards(ward_rows(ward_frame), outlines)
    alpha = FILL_ALPHA_BASEMAP if basemap else FILL_ALPHA
    features = _ward_features(ward_frame, drawn, scale, states, threshold, alpha)
    bounds = bounds_of(drawn["geometry"])
    view = view_state(bounds)
    marked = [_chosen_layer(drawn, chosen)] if chosen else []
    layers = [_ward_layer(features), ward_outline_layer(drawn), *marked, label_layer(drawn, view.zoom)]
    return new_deck(layers, view, basemap)


def _chosen_layer(drawn: pd.DataFrame, chosen: tuple[str, ...]) -> pdk.Layer:
    """The chosen wards' outlines, thick and black over the fills: found at a glance on a projector."""
    shapes = drawn[drawn["ward_code"].isin(chosen)]["geometry"]
    return line_layer("chosen-wards", outline_segments(drawable(shapes)), (0, 0, 0, 255), CHOSEN_LINE_WIDTH_PX)
