"""Districts: how Redditch compares with Wyre Forest and Bromsgrove, and (police.uk, once the whole
force's files are loaded) how North Worcestershire compares with West Mercia's other partnerships."""

import streamlit as st

from analytics.analyses.peers import POPULATION_NOTE
from analytics.core.vocabulary import NORTH_WORCESTERSHIRE
from analytics.present import narrative
from analytics.present.charts import districts_chart
from ui import data
from ui.compare_sections import funnel_section
from ui.render import chart, guarded, page_header, public_threshold, show_chart, show_table
from ui.slides import slide_areas
from ui.state import current, keep_choice, linked_choice, ward_label

#: Counts and rates are headed by their periods ("2017-18"); the total row is drawn under the table.
COLUMNS = [
    "district",
    "count_a",
    "count_b",
    "difference",
    "pct_change",
    "population_mid2018",
    "rate_a_per_1000",
    "rate_b_per_1000",
    "significant",
]

#: The West Mercia table: each district under its community safety partnership, then the partnership's total.
PEER_COLUMNS = [
    "district",
    "partnership",
    "count_a",
    "count_b",
    "difference",
    "pct_change",
    "rate_a_per_1000",
    "rate_b_per_1000",
    "months_held_a",
    "months_held_b",
    "significant",
]
ONLY_THREE = (
    "Only North Worcestershire's three districts are held, so there is nothing to compare them with: the "
    "police.uk files loaded (the demo build loads data/police_uk/west_mercia_street_filtered) hold their rows "
    "alone. Load the whole force's police.uk files (for example the unfiltered archive "
    "tests/data/police_uk/west-mercia-street-unfiltered-21-months.zip) on the Data page, or with "
    "`python -m analytics ingest police-uk FILE`, to compare them with West Mercia's other community safety "
    "partnerships."
)

filters = current()
page_header("Districts", filters)
with guarded():
    selection = filters.selection.with_(districts=(), wards=())
    version = data.data_version()
    table = data.districts(selection, filters.period_a, filters.period_b, version)
    # On a slide: the chart on the left, the sentence and the table beside it, on one screen.
    figure_area, words_area = slide_areas(filters.present)
    with words_area:
        if filters.ward:
            # Said, not silently ignored: a district comparison has no ward to narrow to.
            st.info(f"{ward_label(filters)}: this page compares whole districts, so it is not narrowed to the ward.")
        st.markdown(narrative.district_summary(table, public_threshold()))
    with figure_area:
        measure = st.segmented_control(
            "Show",
            ["count", "rate"],
            default=linked_choice("dm", "district_measure", ["count", "rate"], "count"),
            key="district_measure",
            format_func={"count": "Counts", "rate": "Rate per 1,000 residents"}.get,
        )
        keep_choice("dm", measure)
        show_chart(
            chart(
                districts_chart,
                data.districts,
                selection,
                filters.period_a,
                filters.period_b,
                version,
                measure=measure or "count",
            ),
            "districts",
            words_area if filters.present else None,
        )
    if not filters.present:  # the deck's district slide is its chart and sentences, no table
        show_table(table, "districts", columns=COLUMNS)
        # Which districts are unusual for their size: the three with a population carried (mid-2018).
        funnel_section(filters, version, by="district")

if not filters.present:
    st.subheader("West Mercia: North Worcestershire beside the other partnerships")
    with guarded():
        held = data.peer_districts(version)
        if filters.source != "police_uk":
            st.info("The West Mercia comparison comes from police.uk's files: choose police.uk as the data source.")
        elif held[held.partnership != NORTH_WORCESTERSHIRE].empty:
            st.info(ONLY_THREE)
        else:
            arguments = (filters.selection, filters.period_a, filters.period_b, version)
            show_chart(chart(districts_chart, data.peers_by_district, *arguments, measure="count"), "peers")
            st.caption(POPULATION_NOTE)
            show_table(data.peers(*arguments), "peers", columns=PEER_COLUMNS)
