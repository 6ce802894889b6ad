"""The frame of every page: the store opened (or built), the navigation, the shared filters (held
in the URL) and the briefing pack in the sidebar, then the page chosen. Run by app.py once per run.
"""

from __future__ import annotations

import atexit
import gc
import importlib
import sys
import threading
import time
from pathlib import Path

import streamlit as st

from analytics.core.errors import AnalyticsError, SettingError
from analytics.data import store
from analytics.present.png import hold_background_start, warm_in_background
from ui import data, slides
from ui.accessibility import install as install_accessibility
from ui.render import PRESENTATION_CSS, briefing_pack_button, show_error
from ui.sidebar import sidebar

# Not "pages/": a folder of that name next to the entry point switches on Streamlit's legacy page
# discovery, which runs a deep-linked page without app.py (no filters) on a fresh server.
PAGES = Path(__file__).resolve().parent.parent / "app_pages"
#: Seconds after the first run before the PNG engine starts: the first page draws undisturbed (and
#: later pages hold it while they draw: analytics.present.png.hold_background_start).
KALEIDO_WARM_DELAY_SECONDS = 8.0
#: What the analyses import only when first used, so that the first page does not wait for them
#: (STL for Seasonal patterns and Ward profile, SciPy for the funnel plot and the hot spots), and
#: how long after the first run they are imported in the background: the first page has been sent,
#: and a page that needs one waits for that import rather than starting its own. statsmodels alone
#: took 0.7 s of the Seasonal page's first visit.
LATER_IMPORTS = ("statsmodels.tsa.seasonal", "scipy.special", "scipy.ndimage")
LATER_IMPORTS_DELAY_SECONDS = 1.0


def ensure_store() -> None:
    """Open the store; build it from data/ when it is missing or cannot be opened.

    ui.data keeps a read-only snapshot of the database and takes a new one when a load changes
    the file, so this costs two stat calls on most runs. A rebuild says why, with a progress
    bar; a build that cannot be done (a boundaries file missing, say) or a file held by a
    writer for too long is a message, never a stack trace.
    """
    try:
        data.snapshot()
        return
    except (store.StoreBusy, SettingError) as error:  # rebuilding would not help
        show_error(error)
        st.stop()
    except AnalyticsError as error:
        problem = error
    path = Path(data.db_path())
    unreadable = path.exists()
    st.info(
        "Building the database from the embedded data (about 10 seconds, once)."
        + (
            f" The existing file could not be opened ({problem.message}); it is kept as "
            f"{path.name}.unreadable and rebuilt."
            if unreadable
            else f" ({problem.message})"
        )
    )
    bar = st.progress(0.0, "Starting")
    try:
        data.rebuild(progress=lambda fraction, message: bar.progress(min(1.0, fraction), message))
    except AnalyticsError as error:
        bar.empty()
        show_error(error)
        st.stop()
    bar.empty()


@st.cache_resource(show_spinner=False)
def warm_up() -> bool:
    """Once per server, after the first page: import what later pages need (LATER_IMPORTS), then
    start the PNG engine (kaleido's Chromium), both in the background, so that neither the first
    visit to a page nor the first briefing pack or PNG click waits for them."""
    later = threading.Timer(LATER_IMPORTS_DELAY_SECONDS, _import_later_modules)
    later.daemon = True
    later.start()
    warm_in_background(delay=KALEIDO_WARM_DELAY_SECONDS)
    return True


def _import_later_modules() -> None:
    for name in LATER_IMPORTS:
        try:
            importlib.import_module(name)
        except ImportError:  # reported by the page that needs it, when it is used
            return


@st.cache_resource(show_spinner=False)
def _frozen() -> dict:
    return {"modules": 0}


def settle_imports() -> None:
    """At the start of a run, when modules were imported since the last time: gc.freeze() what is alive.

    Streamlit runs a full garbage collection after every script run (runner.postScriptGC), and
    with pandas, plotly, geopandas and scipy loaded that walks some 200,000 objects: about 0.2 s
    with the GIL held, every run of every session. Frozen objects (the modules, the caches) are
    left out of it, so it costs next to nothing; they are still freed when nothing refers to
    them. The run before has just been collected by that collection, after its page was sent, so
    what is alive is worth keeping (on a server's first run, the imports just made, with what little
    garbage importing leaves); collecting here instead held up a session's first page by 0.1 s.
    Only runs after an import pay for the freeze, a few times per server process.
    """
    state = _frozen()
    if len(sys.modules) != state["modules"]:
        if not state["modules"]:
            # At exit, hand them back, so that the interpreter's shutdown frees them as usual.
            atexit.register(gc.unfreeze)
        state["modules"] = len(sys.modules)
        gc.freeze()


def run(started: float) -> None:
    """The run of a page; ``started`` is when the run began (time.perf_counter), for bench/bench_pages.py."""
    hold_background_start()  # the person first: the PNG engine's start waits while this page draws
    settle_imports()
    install_accessibility()  # skip link, visible focus, reflow: before anything else is drawn
    ensure_store()
    pages = [
        st.Page(PAGES / "overview.py", title="Overview", icon=":material/dashboard:", default=True),
        st.Page(PAGES / "incident_types.py", title="Incident types", icon=":material/category:"),
        st.Page(PAGES / "seasonal.py", title="Seasonal patterns", icon=":material/calendar_month:"),
        st.Page(PAGES / "wards.py", title="Ward patterns", icon=":material/table_chart:"),
        st.Page(PAGES / "hotspots.py", title="Where?", icon=":material/map:"),
        st.Page(PAGES / "districts.py", title="Districts", icon=":material/compare_arrows:"),
        st.Page(PAGES / "crime.py", title="Crime", icon=":material/gavel:"),
        st.Page(PAGES / "ward_profile.py", title="Ward profile", icon=":material/person_pin_circle:"),
        st.Page(PAGES / "tools_powers.py", title="Tools and powers", icon=":material/policy:"),
        st.Page(PAGES / "data.py", title="Data", icon=":material/database:"),
        st.Page(PAGES / "about.py", title="About", icon=":material/info:"),
        st.Page(PAGES / "accessibility.py", title="Accessibility", icon=":material/accessibility:"),
    ]
    page = st.navigation(pages)
    slides.register(pages, page)  # the slide bar of presentation mode moves between these
    if st.session_state.get("f_present", st.query_params.get("present") == "1"):
        # Presentation mode hides the sidebar: say so before the sidebar is drawn, so that it is
        # never seen for a moment (the page's header says it again).
        st.html(PRESENTATION_CSS)  # style only: Streamlit puts it where it takes no room
    filters = sidebar()
    with st.sidebar:
        briefing_pack_button(filters)
    page.run()
    # How long this run's script took, server-side: read by bench/bench_pages.py.
    st.session_state["script_seconds"] = time.perf_counter() - started
    warm_up()
