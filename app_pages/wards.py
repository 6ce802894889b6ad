"""Ward patterns: the panel's ward table (difference, percentage, Grand Total) and a map."""

import streamlit as st

from analytics.core.stats import SIGNIFICANCE_METHOD
from analytics.core.table_meta import meta_of
from analytics.present import map_legend, narrative
from analytics.present.charts import ward_deltas_chart
from ui import data
from ui.compare_sections import funnel_section, funnel_slide
from ui.map_text import show_ward_map_text
from ui.render import chart, guarded, page_header, public_threshold, show_chart, show_table
from ui.slides import SLIDE_MAP_HEIGHT, slide_areas, slide_part
from ui.state import current, keep_choice, linked_choice

#: What the map can be coloured by, named with the periods as shown ("Count, 2018-19").
MEASURES = {
    "count_b": "Count, {b}",
    "rate_b_per_1000": "Rate per 1,000 residents, {b}",
    "pct_change": "Percentage change, {a} to {b}",
    "significance": "Significant change, {a} to {b}",
}
#: The same, as a slide's half-width column has room for them.
SLIDE_MEASURES = {
    "count_b": "Count",
    "rate_b_per_1000": "Rate",
    "pct_change": "% change",
    "significance": "Significant",
}
#: The panel's columns; the counts are headed by their periods ("2017-18"), as the panel's table is.
COLUMNS = [
    "ward_name",
    "district",
    "count_a",
    "count_b",
    "difference",
    "pct_change",
    "rate_a_per_1000",
    "rate_b_per_1000",
    "significant",
    "small_numbers",
]

#: A slide's table: the panel's own columns (ward, the two periods, Difference, Percentage).
SLIDE_COLUMNS = ["ward_name", "count_a", "count_b", "difference", "pct_change"]

filters = current()
page_header("Ward patterns", filters)
if slide_part() == "funnel":  # presentation mode: the funnel plot is a slide of its own
    with guarded():
        funnel_slide(filters, data.data_version())
else:
    with guarded():
        version = data.data_version()
        table = data.ward_deltas(filters.area_selection, filters.period_a, filters.period_b, version)
        meta = meta_of(table)
        # On a slide: the map on the left, the sentence and the panel's table beside it (one screen).
        figure_area, words_area = slide_areas(filters.present, (1, 1))
        with words_area:
            if filters.ward:
                # The page is about every ward of the area; the chosen one is said first and outlined on the map.
                sentence = narrative.one_ward_summary(table, filters.ward, public_threshold())
                st.markdown(f"**{sentence}** It is outlined in black on the map.")
            st.markdown(narrative.ward_summary(table, public_threshold()))
        # No change to colour by when the periods are not like for like (the table says why).
        offered = [m for m in MEASURES if not meta.not_comparable or m in ("count_b", "rate_b_per_1000")]
        label_a, label_b = meta.period_labels

        def measure_name(measure: str) -> str:
            return MEASURES[measure].format(a=label_a, b=label_b)

        def measure_button(measure: str) -> str:
            # On a slide the half-width column holds the short names; the legend's title gives the periods.
            return SLIDE_MEASURES[measure] if filters.present else measure_name(measure)

        with figure_area:
            measure = (
                st.segmented_control(
                    "Colour the wards by",
                    offered,
                    format_func=measure_button,
                    default=linked_choice("wm", "ward_measure", offered, "count_b"),
                    key="ward_measure",
                )
                or "count_b"
            )
            measure = measure if measure in offered else "count_b"
            keep_choice("wm", measure)
            chosen = (filters.ward,) if filters.ward else ()
            deck = data.ward_deck(
                filters.area_selection, filters.period_a, filters.period_b, version, measure, public_threshold(), chosen
            )
            map_column, legend_column = st.columns([4, 1])
            map_column.pydeck_chart(deck, height=SLIDE_MAP_HEIGHT if filters.present else 480, key="ward-map")
            with legend_column:
                st.markdown(f"**{measure_name(measure)}**")
                for item in map_legend.legend(table, measure, suppress_below=public_threshold()):
                    st.markdown(
                        f"<span style='display:inline-block;width:1em;height:1em;"
                        f"background:rgb{tuple(item['colour'][:3])};border:1px solid #555'></span> {item['label']}",
                        unsafe_allow_html=True,
                    )
                if measure in ("count_b", "rate_b_per_1000") and not filters.present:
                    st.caption(map_legend.CLASS_NOTE.format(units="wards"))
        # Under the map on a page; on a slide the map as text under the map and the table beside it.
        with figure_area if filters.present else st.container():
            show_ward_map_text(table, measure, public_threshold())  # the canvas as a table (WCAG 1.1.1)
        with words_area if filters.present else st.container():
            show_table(
                table,
                "ward-patterns",
                columns=SLIDE_COLUMNS if filters.present else COLUMNS,
                labels={"pct_change": "Percentage"},
                # Every ward on a page (a slide sizes its own table: ui.slides.slide_table_height).
                height=min(35 * len(table) + 3, 1200),
            )
        if not filters.present:
            show_chart(
                chart(
                    ward_deltas_chart,
                    data.ward_deltas,
                    filters.area_selection,
                    filters.period_a,
                    filters.period_b,
                    version,
                ),
                "ward-deltas",
            )
            with st.expander("How significance is decided"):
                st.write(SIGNIFICANCE_METHOD)
                st.write(meta.population_note)
            funnel_section(filters, version)
