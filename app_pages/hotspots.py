"""Where? Equal-area cells with Getis-Ord Gi* hot spots, ward outlines, and the top locations."""
import streamlit as st

from ui import data
from ui.render import guarded, page_header, public_threshold, show_table
from ui.state import current

filters = current()
page_header("Where?", filters, "250 m squares of the British National Grid. Hot spots: Getis-Ord Gi* "
            "(queen neighbours), significant at 90%, 95% and 99%.")
with guarded():
    version = data.data_version()
    selection = filters.selection
    period = filters.period_b
    cells = data.hotspots("cells", selection, period, None, version)
    st.caption(f"Period: {period.label}. Source: {selection.source_label}. Wards: {filters.boundaries.upper()}.")
    deck = data.hotspot_deck(selection, period, version, public_threshold())
    st.pydeck_chart(deck, height=680 if filters.present else 520, key="hotspot-map")
    hot = cells[cells.hotspot_class.str.startswith("Hot")]
    st.markdown(f"**{len(hot)} hot cells** ({(cells.hotspot_class == 'Hot spot 99%').sum()} at 99%) of "
                f"{int((cells['count'] > 0).sum())} cells with any incident.")
    if not filters.present:
        left, right = st.columns(2)
        with left:
            st.subheader("Top locations")
            show_table(data.hotspots("top_locations", selection, period, None, version), "top-locations",
                       columns={"rank": "Rank", "location": "Location", "ward_name": "Ward", "count": "Incidents",
                                "share_pct": "Share %"})
        with right:
            st.subheader("Top LSOAs")
            if selection.source == "police_uk":
                show_table(data.hotspots("top_lsoas", selection, period, None, version), "top-lsoas",
                           columns={"rank": "Rank", "lsoa_code": "LSOA", "lsoa_name": "Name", "ward_name": "Ward",
                                    "count": "Incidents", "share_pct": "Share %"})
            else:
                st.caption("The force extract carries no LSOA codes: see the top locations.")
        with st.expander(f"Persistence: hot in {filters.period_a.label} and in {period.label}?"):
            show_table(data.hotspots("persistence", selection, filters.period_a, period, version),
                       "hotspot-persistence")
