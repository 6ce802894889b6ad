"""Overview: the headline figures for the chosen period against the one before, the district
comparison, the seasonal shape and a plain-English summary."""

import streamlit as st

from analytics.core.disclosure import is_hidden
from analytics.core.table_meta import TableMeta, meta_of
from analytics.core.vocabulary import NORTH_WORCESTERSHIRE, suppressed_label
from analytics.present import narrative
from analytics.present.charts import districts_chart, year_on_year_chart
from analytics.present.forecast_narrative import forecast_line
from analytics.present.words import format_p
from ui import data
from ui.render import chart, describe, guarded, page_header, public_threshold, show_chart
from ui.state import current


def headline(column, label: str, row, threshold, meta: TableMeta) -> None:
    """One metric: the count in period B, its change from A, and whether the change is significant."""
    not_comparable = meta.not_comparable
    if not_comparable:
        hidden = is_hidden(row.count_b, threshold)
        column.metric(label, suppressed_label(threshold) if hidden else f"{row.count_b:,}", help=not_comparable)
        column.caption(not_comparable.removeprefix("Not comparable: "))
        return
    if is_hidden(row.count_a, threshold) or is_hidden(row.count_b, threshold):
        column.metric(
            label,
            suppressed_label(threshold) if is_hidden(row.count_b, threshold) else f"{row.count_b:,}",
            help="Public mode: small counts are not shown.",
        )
        return
    column.metric(
        label,
        f"{row.count_b:,}",
        f"{row.difference:+,} ({row.percentage})",
        delta_color="inverse",
        help=f"Change from {meta.period_labels[0]}. Down (green) is fewer incidents.",
    )
    verdict = "Significant change" if row.significant else "Not a significant change"
    column.caption(f"{verdict} (E-test, {format_p(row.p_value)})")


filters = current()
page_header(
    "Anti-social behaviour overview" if filters.category == "asb" else f"Overview: {filters.selection.category_label}",
    filters,
)
threshold = public_threshold()
with guarded():
    version = data.data_version()
    wards = data.ward_deltas(filters.area_selection, filters.period_a, filters.period_b, version)
    ward_meta = meta_of(wards)
    if filters.ward:
        st.markdown(f"#### {narrative.one_ward_summary(wards, filters.ward, threshold)}")
    st.markdown(f"#### {narrative.ward_summary(wards, threshold)}")
    place = ", ".join(filters.districts) or NORTH_WORCESTERSHIRE
    # The periods as the table names them: a partly held one by the months held (issue 13).
    label_a, label_b = ward_meta.period_labels
    st.caption(f"{place}: {label_b} against {label_a}. {describe(wards)}")
    what = narrative.subject(ward_meta)  # "ASB", "recorded crime", "burglary"
    chosen = wards[wards.ward_code == filters.ward] if filters.ward else wards.iloc[0:0]
    # A ward chosen in the sidebar leads the page: its own figure first, then its area's.
    columns = st.columns(4 if len(chosen) else 3)
    if len(chosen):
        ward_name = chosen.ward_name.iloc[0]
        headline(
            columns[0], f"{what[:1].upper() + what[1:]} in {ward_name}, {label_b}", chosen.iloc[0], threshold, ward_meta
        )
        columns = columns[1:]
    headline(
        columns[0],
        f"{what[:1].upper() + what[1:]}{' in ' + place if len(chosen) else ''}, {label_b}",
        wards.iloc[-1],
        threshold,
        ward_meta,
    )
    crime_source = filters.selection.with_(source="police_uk", category="crime", wards=())
    crime = data.crime_ytd(crime_source, filters.period_b, filters.period_a, "crime_type", version)
    # Months missing from police.uk in either period: the count shows, no change (not like for like).
    headline(
        columns[1],
        f"Recorded crime (police.uk), {meta_of(crime).period_labels[1]}",
        crime.iloc[-1],
        threshold,
        meta_of(crime),
    )
    if ward_meta.not_comparable:
        columns[2].metric(f"Wards where {what} rose", "not comparable", help=ward_meta.not_comparable)
    else:
        rises = narrative.ward_rises(wards, threshold)  # the sentence's own rule
        columns[2].metric(
            f"Wards where {what} rose",
            f"{len(rises.risen)} of {len(rises.compared)}" + (" compared" if rises.left_out else ""),
            f"{len(rises.significant)} significantly",
            delta_color="off",
            help=f"{rises.left_out} ward{'s' if rises.left_out != 1 else ''} with fewer than {threshold} "
            f"incidents in a period not compared."
            if rises.left_out
            else None,
        )
    all_districts = filters.selection.with_(districts=(), wards=())
    left, right = st.columns(2)
    with left:
        show_chart(
            chart(
                districts_chart,
                data.districts,
                all_districts,
                filters.period_a,
                filters.period_b,
                version,
                height=340,
                narrow=True,
            ),
            "overview-districts",
        )
    with right:
        # The seasonal shape as the panel's deck shows it: each year's months, side by side (the
        # ward's when a ward is chosen). The trend and expected range are the Seasonal page's: the
        # decomposition needs statsmodels, whose import alone was a third of the first page's time.
        year_type = "financial" if filters.period_type == "fy" or filters.source == "extract" else "calendar"
        show_chart(
            chart(
                year_on_year_chart,
                data.year_on_year,
                filters.selection,
                None,
                version,
                year_type,
                height=340,
                narrow=True,
            ),
            "overview-seasonal",
        )
    # What the coming months should bring (the Seasonal page has the chart, the ranges and the backtest).
    st.markdown(forecast_line(data.forecast(filters.selection, None, version), threshold))
    if len(chosen):
        st.caption(
            f"{ward_name} is chosen: the first figure and the monthly chart are the ward's; the district "
            "comparison and the other figures are of whole districts (the Ward profile page has the rest)."
        )
