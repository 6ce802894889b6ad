"""Incident types: the panel's table of ASB by key-word type, and a chart."""

import streamlit as st

from analytics.present import narrative
from analytics.present.charts import incident_types_chart
from ui import data
from ui.render import chart, guarded, page_header, public_threshold, show_chart, show_table
from ui.state import current

#: The panel's columns; the counts are headed by their periods ("2017-18").
COLUMNS = ["type", "count_a", "count_b", "difference", "pct_change", "mean", "mean_pct", "significant"]

filters = current()
page_header(
    "Incident types",
    filters,
    "Key-word description of incident (force extract). police.uk has no key-word types: there the "
    "table is by police.uk crime type.",
)
with guarded():
    periods = (filters.period_a, filters.period_b, data.data_version())
    table = data.incident_types(filters.selection, *periods)
    st.markdown(narrative.incident_types_summary(table, public_threshold()))
    show_chart(
        chart(
            incident_types_chart,
            data.incident_types,
            filters.selection,
            *periods,
            height=650 if filters.present else None,
        ),
        "incident-types",
    )
    if not filters.present:
        show_table(table, "incident-types", columns=COLUMNS)
