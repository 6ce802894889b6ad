"""Crime: recorded crime year to date against the same months a year earlier, by crime type.
police.uk anti-social behaviour is not recorded crime and is kept out, as ONS does."""

import streamlit as st

from analytics.core.periods import same_period_last_year
from analytics.core.table_meta import meta_of
from analytics.present import narrative
from analytics.present.charts import crime_ytd_chart
from ui import data
from ui.render import chart, guarded, page_header, public_threshold, show_chart, show_table
from ui.state import current

filters = current()
page_header("Crime", filters, "Recorded crime from police.uk: every crime type except anti-social behaviour.")
with guarded():
    if filters.source != "police_uk":
        st.info("The force extract holds ASB incidents only. Recorded crime below is from police.uk (real data).")
    selection = filters.selection.with_(
        source="police_uk",
        category="crime" if filters.category == "asb" or filters.source != "police_uk" else filters.category,
    )
    by = st.segmented_control(
        "By",
        ["crime_type", "district", "ward"],
        default="crime_type",
        key="crime_by",
        format_func={"crime_type": "Crime type", "district": "District", "ward": "Ward"}.get,
    )
    period_b = filters.period_b
    period_a = same_period_last_year(period_b)
    arguments = (selection, period_b, period_a, by or "crime_type", data.data_version())
    table = data.crime_ytd(*arguments)
    coverage_a = meta_of(table).period_a
    st.markdown(narrative.crime_summary(table, public_threshold()))
    # A year police.uk holds no month of has no figures: no chart of it against another (bars of 0).
    if (by or "crime_type") == "crime_type" and (coverage_a is None or coverage_a.held != 0):
        show_chart(
            chart(crime_ytd_chart, data.crime_ytd, *arguments, height=650 if filters.present else None), "crime-ytd"
        )
    if not filters.present:
        label = {"crime_type": "crime_type", "district": "district", "ward": "ward_name"}[by or "crime_type"]
        show_table(
            table,
            "crime-ytd",
            columns={
                label: label.replace("_", " ").capitalize(),
                "count_a": "Period A",
                "count_b": "Period B",
                "difference": "Difference",
                "percentage": "Change",
                "significant": "Significant",
            },
        )
