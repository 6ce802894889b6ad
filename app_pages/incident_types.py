"""Incident types: the panel's table of ASB by key-word type, and a chart."""

import streamlit as st

from analytics.present import narrative
from analytics.present.charts import incident_types_chart
from ui import data
from ui.compare_sections import nirs_section, nirs_slide, time_of_week_section, time_of_week_slide
from ui.render import chart, guarded, page_header, public_threshold, show_chart, show_table
from ui.slides import slide_areas, slide_part
from ui.state import current

#: The panel's columns; the counts are headed by their periods ("2017-18").
COLUMNS = ["type", "count_a", "count_b", "difference", "pct_change", "mean", "mean_pct", "significant"]
#: A slide's table: the deck's columns.
SLIDE_COLUMNS = ["type", "count_a", "count_b", "mean", "mean_pct"]

filters = current()
page_header(
    "Incident types",
    filters,
    "Key-word description of incident (force extract). police.uk has no key-word types: there the "
    "table is by police.uk crime type.",
)
with guarded():
    periods = (filters.period_a, filters.period_b, data.data_version())
    part = slide_part()  # in presentation mode, a slide of its own for each of the page's parts
    if part == "nirs":
        nirs_slide(filters, periods[-1])
    elif part == "time":
        time_of_week_slide(filters, periods[-1])
    else:
        table = data.incident_types(filters.selection, *periods)
        # On a slide: the chart on the left, the sentence and the panel's table (with its Mean and
        # Mean percentage) beside it, on one screen.
        figure_area, words_area = slide_areas(filters.present, (1, 1))
        with words_area:
            st.markdown(narrative.incident_types_summary(table, public_threshold()))
            if filters.present:
                show_table(table, "incident-types", columns=SLIDE_COLUMNS)
        with figure_area:
            # Its source under it on a slide too: the table beside it says the same beside the table.
            show_chart(chart(incident_types_chart, data.incident_types, filters.selection, *periods), "incident-types")
        if not filters.present:
            show_table(table, "incident-types", columns=COLUMNS)
            nirs_section(filters, periods[-1])
            time_of_week_section(filters, periods[-1])
