"""North Worcestershire ASB Explorer: the entry point (`streamlit run app.py`).

Builds the store on first start if it is missing, draws the shared filters (held in the URL)
and hands over to the page chosen in the navigation.
"""
from __future__ import annotations

import time
from pathlib import Path

import streamlit as st

from analytics import settings, store
from analytics.errors import AnalyticsError

# Not "pages/": a folder of that name next to the entry point switches on Streamlit's legacy page
# discovery, which runs a deep-linked page without this file (no filters) on a fresh server.
PAGES = Path(__file__).resolve().parent / "app_pages"

st.set_page_config(page_title="North Worcestershire ASB Explorer", page_icon=":material/query_stats:",
                   layout="wide")


def ensure_store() -> None:
    """Build the database from data/ when it is missing or cannot be opened."""
    path = Path(settings.get("db_path"))
    problem = None
    if path.exists():
        try:
            store.connect(path, read_only=True).close()
            return
        except AnalyticsError as error:
            problem = error.message
    st.info("Building the database from the embedded data (about 10 seconds, once)." +
            (f" The existing file could not be opened ({problem}); it is rebuilt." if problem else ""))
    bar = st.progress(0.0, "Starting")
    if problem:
        path.replace(path.with_name(path.name + ".unreadable"))
    store.build(path, progress=lambda fraction, message: bar.progress(min(1.0, fraction), message))
    bar.empty()


def main() -> None:
    started = time.perf_counter()
    ensure_store()
    from ui.sidebar import sidebar

    pages = [
        st.Page(PAGES / "overview.py", title="Overview", icon=":material/dashboard:", default=True),
        st.Page(PAGES / "incident_types.py", title="Incident types", icon=":material/category:"),
        st.Page(PAGES / "seasonal.py", title="Seasonal patterns", icon=":material/calendar_month:"),
        st.Page(PAGES / "wards.py", title="Ward patterns", icon=":material/table_chart:"),
        st.Page(PAGES / "hotspots.py", title="Where?", icon=":material/map:"),
        st.Page(PAGES / "districts.py", title="Districts", icon=":material/compare_arrows:"),
        st.Page(PAGES / "crime.py", title="Crime", icon=":material/gavel:"),
        st.Page(PAGES / "ward_profile.py", title="Ward profile", icon=":material/person_pin_circle:"),
        st.Page(PAGES / "data.py", title="Data", icon=":material/database:"),
        st.Page(PAGES / "about.py", title="About", icon=":material/info:"),
    ]
    page = st.navigation(pages)
    filters = sidebar()
    with st.sidebar:
        from ui.render import briefing_pack_button
        briefing_pack_button(filters)
    page.run()
    # How long this run's script took, server-side: read by bench/bench_pages.py.
    st.session_state["script_seconds"] = time.perf_counter() - started


main()
