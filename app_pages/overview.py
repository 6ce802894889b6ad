"""Overview: the headline figures for the chosen period against the one before, the district
comparison, the seasonal shape and a plain-English summary."""
import streamlit as st

from analytics import narrative
from analytics.query import NORTH_WORCESTERSHIRE
from ui import data
from ui.render import chart, describe, guarded, page_header, public_threshold, show_chart
from ui.state import current


def headline(column, label: str, row, threshold) -> None:
    """One metric: the count in period B, its change from A, and whether the change is significant."""
    if threshold and (row.count_a < threshold or row.count_b < threshold):
        column.metric(label, f"<{threshold}" if row.count_b < threshold else f"{row.count_b:,}",
                      help="Public mode: small counts are not shown.")
        return
    column.metric(label, f"{row.count_b:,}", f"{row.difference:+,} ({row.percentage})", delta_color="inverse",
                  help="Change from period A. Down (green) is fewer incidents.")
    column.caption(("Significant change" if row.significant else "Not a significant change") +
                   f" (E-test p = {row.p_value:.3f})")


filters = current()
page_header("Anti-social behaviour overview", filters)
threshold = public_threshold()
with guarded():
    version = data.data_version()
    wards = data.ward_deltas(filters.area_selection, filters.period_a, filters.period_b, version)
    st.markdown(f"#### {narrative.ward_summary(wards, threshold)}")
    place = ", ".join(filters.districts) or NORTH_WORCESTERSHIRE
    st.caption(f"{place}: {filters.period_b.label} against {filters.period_a.label}. {describe(wards)}")
    columns = st.columns(3)
    headline(columns[0], f"ASB, {filters.period_b.label}", wards.iloc[-1], threshold)
    crime_source = filters.selection.with_(source="police_uk", category="crime", wards=())
    crime = data.crime_ytd(crime_source, filters.period_b, filters.period_a, "crime_type", version)
    missing = crime.attrs.get("missing_months_a", []) + crime.attrs.get("missing_months_b", [])
    if not missing:
        headline(columns[1], f"Recorded crime, {filters.period_b.label} (police.uk)", crime.iloc[-1], threshold)
    else:
        # A comparison with months missing from police.uk is not like for like: say so, show no change.
        columns[1].metric(f"Recorded crime, {filters.period_b.label} (police.uk)", "not comparable",
                          help="Recorded crime comes from police.uk only.")
        columns[1].caption(f"police.uk holds {len(filters.period_b.months) - len(crime.attrs['missing_months_b'])}"
                           f" of {len(filters.period_b.months)} months of {filters.period_b.label} and "
                           f"{len(filters.period_a.months) - len(crime.attrs['missing_months_a'])} of "
                           f"{len(filters.period_a.months)} of {filters.period_a.label}.")
    rose = wards.iloc[:-1]
    if threshold:
        # Whether a ward with a hidden count rose rests on that count: leave it out, as the sentence does.
        rose = rose[(rose.count_a >= threshold) & (rose.count_b >= threshold)]
    left_out = len(wards) - 1 - len(rose)
    columns[2].metric("Wards where ASB rose", f"{int((rose.difference > 0).sum())} of {len(rose)}"
                      + (" compared" if left_out else ""),
                      f"{int((rose.significant.fillna(False).astype(bool) & (rose.difference > 0)).sum())} significantly",
                      delta_color="off",
                      help=f"{left_out} ward{'s' if left_out != 1 else ''} with fewer than {threshold} incidents in a "
                           f"period not compared." if left_out else None)
    district_source = ("districts", filters.selection.with_(districts=(), wards=()), filters.period_a,
                       filters.period_b, version)
    districts = data.districts(*district_source[1:])
    left, right = st.columns(2)
    with left:
        show_chart(chart("districts_chart", district_source, height=340,
                   narrow=True), "overview-districts")
    with right:
        show_chart(chart("monthly_chart", ("seasonal", "decomposition", filters.area_selection, None, version),
                         height=340, narrow=True), "overview-seasonal")
