"""Ward profile: one ward for its councillor: trend, types, top locations, and its district."""

import pandas as pd
import streamlit as st

from analytics.analyses.wards import GRAND_TOTAL
from analytics.core.disclosure import is_hidden
from analytics.core.table_meta import meta_of
from analytics.core.vocabulary import suppressed_label
from analytics.present.charts import monthly_chart
from ui import data
from ui.render import chart, guarded, page_header, public_threshold, show_chart, show_table
from ui.state import current

filters = current()
page_header("Ward profile", filters)
with guarded():
    version = data.data_version()
    wards = data.options(version)["wards"]
    wards = wards[(wards.vintage == filters.boundaries) & wards.district.isin(filters.districts or wards.district)]
    names = dict(zip(wards.ward_code, wards.ward_name + " (" + wards.district + ")", strict=False))
    if not filters.ward:
        # The choice goes to the sidebar's ward (and so into the link): a copied link reopens it.
        st.selectbox(
            "Choose your ward",
            list(names),
            index=None,
            format_func=names.get,
            key="profile_ward",
            placeholder="Type or pick a ward's name",
            on_change=lambda: st.session_state.update(f_w=st.session_state.profile_ward or ""),
        )
        st.stop()
    ward = filters.ward
    district = wards.set_index("ward_code").district[ward]
    st.subheader(names[ward])
    selection = filters.selection.with_(wards=(ward,))
    district_table = data.ward_deltas(
        filters.selection.with_(districts=(district,), wards=()), filters.period_a, filters.period_b, version
    )
    row = district_table.set_index("ward_code").loc[ward]
    total = district_table[district_table.ward_name == GRAND_TOTAL].iloc[0]
    rank = int(
        district_table.iloc[:-1].count_b.rank(ascending=False, method="min")[district_table.ward_code == ward].iloc[0]
    )
    threshold = public_threshold()
    # The periods as the table names them: a partly held one by the months held (issue 13).
    label_a, label_b = meta_of(district_table).period_labels
    # Public mode: a hidden count reads "<5"; the change needs both counts, the rate only period B's.
    hidden_a, hidden_b = is_hidden(row.count_a, threshold), is_hidden(row.count_b, threshold)
    cols = st.columns(3)
    cols[0].metric(
        label_b,
        suppressed_label(threshold) if hidden_b else f"{row.count_b:,}",
        None
        if hidden_a or hidden_b or pd.isna(row.difference)
        else f"{row.difference:+,} ({row.percentage}) from {label_a}",
        delta_color="inverse",
        help=meta_of(district_table).not_comparable or None,
    )
    no_rate = hidden_b or pd.isna(row.rate_b_per_1000)
    # One decimal always: a rate of 3 reads "3.0", as in the tables.
    cols[1].metric(f"Rate per 1,000 residents, {label_b}", "—" if no_rate else f"{row.rate_b_per_1000:.1f}")
    # A caption, not a metric delta: a delta draws an arrow, and the district's rate is no change.
    district_rate = "n/a" if pd.isna(total.rate_b_per_1000) else f"{total.rate_b_per_1000:.1f}"
    cols[1].caption(f"{district} as a whole: {district_rate}")
    # A rank would place a hidden count among the others: none in public mode then.
    cols[2].metric(
        f"Rank in {district}, {label_b}",
        "—" if hidden_b else f"{rank} of {len(district_table) - 1}",
        delta_color="off",
        help="1 is the ward with the most incidents.",
    )
    show_chart(chart(monthly_chart, data.decomposition, selection, None, version, height=380), "ward-trend")
    if not filters.present:
        left, right = st.columns(2)
        with left:
            st.markdown("**Incident types**")
            show_table(
                data.incident_types(selection, filters.period_a, filters.period_b, version),
                "ward-types",
                columns=["type", "count_a", "count_b", "pct_change"],
            )
        with right:
            st.markdown(f"**Top locations, {label_b}**")
            show_table(
                data.top_locations(selection, filters.period_b, version),
                "ward-locations",
                columns=["rank", "location", "count", "share_pct"],
            )
