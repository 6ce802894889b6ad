"""Where? Equal-area cells with Getis-Ord Gi* hot spots, ward outlines, and the top locations."""

import streamlit as st

from analytics.core.table_meta import meta_of
from analytics.present import map_legend
from analytics.present.hotspot_map import MAX_MAP_CELLS
from analytics.present.narrative import HOTSPOTS_IN_WORDS, hotspot_count_sentence
from ui import data
from ui.map_text import show_hotspot_map_text
from ui.render import guarded, page_header, plain, public_threshold, show_table
from ui.slides import SLIDE_MAP_HEIGHT, slide_areas
from ui.state import current

#: Most rows of the persistence table the page shows (more than the cells of North
#: Worcestershire's 250 m lattice, so there every row is shown).
MAX_TABLE_ROWS = 10_000
#: Session-state key of the persistence expander (True when open).
PERSISTENCE_KEY = "hotspot_persistence_open"
#: The persistence table's columns (its ward codes are left to the download of the command line).
PERSISTENCE_COLUMNS = [
    "cell_id",
    "ward_name",
    "district",
    "longitude",
    "latitude",
    "count_a",
    "count_b",
    "class_a",
    "class_b",
    "gi_z_a",
    "gi_z_b",
    "persistence",
]

filters = current()
page_header("Where?", filters)
with guarded():
    version = data.data_version()
    selection = filters.selection
    period = filters.period_b
    # A few numbers, not the lattice: nationally it is hundreds of thousands of cells.
    summary = data.hotspot_summary(selection, period, version)
    cells = data.hotspot_cells(selection, period, version)
    # The periods as the tables name them: a partly held one by the months held (issue 13).
    label_a = meta_of(data.ward_deltas(selection, filters.period_a, period, version)).period_labels[0]
    label_b = meta_of(cells).period_labels[0] or period.label
    # On a slide: the map on the left, what it shows beside it, on one screen.
    figure_area, words_area = slide_areas(filters.present)
    with words_area:
        st.markdown(HOTSPOTS_IN_WORDS)
        st.caption(f"Period: {label_b}. Source: {selection.source_label}. Wards: {filters.boundaries.upper()}.")
    deck = data.hotspot_deck(selection, period, version, public_threshold())
    map_column, legend_column = figure_area.columns([2, 1]) if filters.present else st.columns([4, 1])
    map_column.pydeck_chart(deck, height=SLIDE_MAP_HEIGHT + 40 if filters.present else 520, key="hotspot-map")
    with legend_column:
        # deck.gl draws no legend: cell fills (incidents) and outlines (Gi* class), from the same frame.
        for measure in ("cell_count", "hotspot_class"):
            entries = map_legend.legend(cells, measure, suppress_below=public_threshold())
            st.markdown(f"**{plain(entries.title)}**")  # "Gi*": not Markdown
            keys = []
            for item in entries:
                style = (
                    f"background:rgb{tuple(item['colour'][:3])};border:1px solid #555"
                    if measure == "cell_count"
                    else f"border:{item.get('line_width') or 2}px solid rgb{tuple(item['colour'][:3])}"
                )
                keys.append(
                    "<span style='white-space:nowrap'><span style='display:inline-block;width:1em;height:1em;"
                    f"{style}'></span> {plain(item['label'])}</span>"
                )
            # One key a line; on a slide, one paragraph (it must fit beside the map on one screen).
            for text in ["&emsp;".join(keys)] if filters.present else keys:
                st.markdown(text, unsafe_allow_html=True)
            if measure == "cell_count" and not filters.present:
                st.caption(map_legend.CLASS_NOTE.format(units="cells with incidents"))
    # Under the map on a page; beside it on a slide.
    with words_area if filters.present else st.container():
        show_hotspot_map_text(cells)  # the canvas as a table (WCAG 1.1.1)
        # A hot cell need hold no incident itself (Gi* counts its neighbours), so hot cells are not a
        # share of the cells with incidents.
        st.markdown(hotspot_count_sentence(summary))
    if summary["cells_shown"] > MAX_MAP_CELLS:
        st.caption(
            f"The map draws at most {MAX_MAP_CELLS:,} cells: the hot spots, most confident first, then "
            "the busiest cells. Choose a district or ward to see every cell."
        )
    if not filters.present:
        left, right = st.columns(2)
        # The top tables carry no description of their own: say what they count, as every table does.
        about = (
            f"{label_b}; wards: {filters.boundaries.upper()}; source: {selection.source_label}. "
            "Share of incidents: of every incident in the selection and period."
        )
        with left:
            st.subheader("Top locations")
            show_table(
                data.top_locations(selection, period, version),
                "top-locations",
                caption=about,
                columns=["rank", "location", "ward_name", "count", "share_pct"],
            )
        with right:
            st.subheader("Top LSOAs")
            if selection.source == "police_uk":
                show_table(
                    data.top_lsoas(selection, period, version),
                    "top-lsoas",
                    caption=about,
                    columns=["rank", "lsoa_code", "lsoa_name", "ward_name", "count", "share_pct"],
                )
            else:
                st.caption("The force extract carries no LSOA codes: see the top locations.")
        # Drawn only when opened (on_change="rerun"): Gi* for a second period is a third of this
        # page's time on a national store, and most visits never open it.
        persistence = st.expander(
            f"Persistence: hot in {label_a} and in {label_b}?",
            key=PERSISTENCE_KEY,
            on_change="rerun",
        )
        with persistence:
            if not persistence.open:
                st.caption("Opening this compares the hot spots of the two periods.")
            else:
                # The cells with incidents or significant in either period (the command-line table),
                # not every empty cell of the lattice. No Gi* z-score in public mode: with the
                # neighbours' counts it could give a hidden count away (as on the map).
                moved = data.hotspot_persistence(selection, filters.period_a, period, version)
                if public_threshold():
                    moved = moved.drop(columns=["gi_z_a", "gi_z_b"])
                if len(moved) > MAX_TABLE_ROWS:
                    # A national lattice has a hundred thousand such cells: too many to send to a
                    # browser on every run. North Worcestershire's lattice has fewer cells than this.
                    st.caption(
                        f"The first {MAX_TABLE_ROWS:,} of {len(moved):,} cells, hot in both periods first. "
                        "`python -m analytics table hotspots` lists them all."
                    )
                    moved = moved.head(MAX_TABLE_ROWS)
                show_table(moved, "hotspot-persistence", columns=PERSISTENCE_COLUMNS)
        with st.expander("How this is worked out"):
            # The plain sentence is at the top of the page; here the method in full, for the analyst.
            st.markdown(plain(meta_of(cells).method))  # "Gi*" twice would read as Markdown italics
