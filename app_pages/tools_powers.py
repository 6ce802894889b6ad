"""ASB tools and powers: what the partnership reported using, by year and district, each figure with
the document that gives it; and "Did it work?" for an intervention (ui/impact_view.py)."""

import pandas as pd
import streamlit as st

from analytics.core.disclosure import is_hidden
from analytics.core.table_meta import meta_of, with_meta
from analytics.core.vocabulary import suppressed_label
from ui import data, impact_view
from ui import register as ui_register
from ui.render import guarded, page_header, public_threshold, show_table
from ui.state import current

#: The register's columns in plain words (the command line and downloads keep their names).
LABELS = {
    "district": "District",
    "reported_for": "Reported for",
    "counted": "What was counted",
    "count": "Number",
    "kind": "Kind",
    "name": "What",
    "start": "Start",
    "end": "End",
    "source": "Source document",
    "note": "What the document says",
}


def headline(counted: pd.DataFrame, threshold: int | None) -> None:
    """The overview's style: the latest year's figures as metrics, each with its period and source."""
    years = sorted(y for y in counted.reported_for.unique() if str(y)[:4].isdigit() and str(y)[4:5] == "-")
    latest = counted[counted.reported_for == years[-1]] if years else counted.iloc[:0]
    if latest.empty:
        return
    st.markdown(f"#### Reported for {years[-1]}")
    columns = st.columns(min(4, len(latest)))
    for column, row in zip(columns, latest.itertuples(), strict=False):
        shown = suppressed_label(threshold) if is_hidden(row.count, threshold) else f"{int(row.count):,}"
        column.metric(f"{row.counted}, {row.district}", shown, help=row.source)


filters = current()
page_header(
    "ASB tools and powers",
    filters,
    "What the partnership reported it used, as its reports to the scrutiny panels give it. These are the "
    "partnership's own figures, not police data; a count is only as complete as the report that gives it.",
)
threshold = public_threshold()
with guarded():
    version = data.data_version()
    register = ui_register.register_table(version)
    if register.empty and (note := data.build_note(version)):
        st.warning(note)  # an empty register in a store an older build made: not "nothing was used"
    if filters.districts:
        register = with_meta(register[register.district.isin(filters.districts)], meta_of(register))
    counted = with_meta(register[register["count"].notna()], meta_of(register))
    headline(counted, threshold)
    st.subheader("Tools and powers used, by year and district")
    show_table(
        counted.sort_values(["district", "reported_for"], kind="stable"),
        "tools-and-powers",
        columns=["district", "reported_for", "counted", "count", "source"],
        labels=LABELS,
    )
    st.subheader("Orders, audits and patrols")
    orders = with_meta(register[register["count"].isna()], meta_of(register))
    show_table(
        orders,
        "interventions",
        columns=["kind", "name", "district", "start", "end", "reported_for", "source", "note"],
        labels=LABELS,
    )
    st.caption(
        "'date to confirm': the document gives no date. The register is kept on the Data page (with the upload "
        "password) and on the command line (python -m analytics table register)."
    )
    impact_view.did_it_work(filters, register, version)
