"""Seasonal patterns: the monthly series with its expected band, the month-of-year profile and
the year-on-year overlay ("a peak around Halloween, lower in spring and summer")."""

import streamlit as st

from analytics.present import narrative
from analytics.present.charts import monthly_chart, profile_chart, year_on_year_chart
from analytics.present.seasonal_narrative import SEASONAL_METHOD_FORMULA, SEASONAL_METHOD_IN_WORDS
from ui import data
from ui.render import chart, guarded, page_header, public_threshold, show_chart, show_table
from ui.slides import slide_areas
from ui.state import current

filters = current()
page_header(
    "Seasonal patterns", filters, "Whole span of the source; missing months are shown as gaps, never filled in."
)
with guarded():
    version = data.data_version()
    selection = filters.selection
    summary = data.seasonal_summary(selection, None, version)
    # On a slide: the chart on the left, its sentence beside it, on one screen.
    figure_area, words_area = slide_areas(filters.present)
    words_area.markdown(narrative.seasonal_summary(summary, public_threshold()))
    with figure_area:
        show_chart(
            chart(monthly_chart, data.decomposition, selection, None, version),
            "monthly",
            words_area if filters.present else None,
        )
    if not filters.present:
        left, right = st.columns(2)
        with left:
            show_chart(chart(profile_chart, data.seasonal_profile, selection, None, version, narrow=True), "profile")
        with right:
            year_type = "financial" if filters.period_type == "fy" or filters.source == "extract" else "calendar"
            show_chart(
                chart(year_on_year_chart, data.year_on_year, selection, None, version, year_type, narrow=True),
                "year-on-year",
            )
        monthly = data.decomposition(selection, None, version)
        with st.expander("Monthly figures, expected range and flagged months"):
            show_table(monthly, "seasonal")
        with st.expander("How this is worked out"):
            st.write(SEASONAL_METHOD_IN_WORDS)
            st.caption(f"For the analyst: {SEASONAL_METHOD_FORMULA}")
