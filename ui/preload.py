"""Start the browser on the chart and map libraries before a page needs them.

Streamlit's browser code loads plotly.js (its largest part, some 4.7 MB) only when the first chart
arrives, after the script has built it: on a session's first page the browser sat idle while the
server imported and queried, then spent over a second loading the library. Asked for at the start
of the run instead, the library is fetched and set up while the script runs, and the charts are
drawn as soon as they arrive (bench/bench_journeys.py, start-up).

The map library (deck.gl, 3 MB) and the modules the Overview does not use but the next pages do
(the dataframe, the table, ...) are asked for later, once the first page is drawn and the browser
is idle: asked for at the start they would compete with the first page's charts, and left to the
first page that needs them they added some 0.35 s to it (Ward patterns after Seasonal patterns:
1.95 s against 1.59 s, median of five fresh sessions each); the first page change came sooner
too (Incident types 1.10 s against 0.81 s).

The requests are for the server's own files, by the path the browser already loaded Streamlit from:
nothing leaves the machine. Without the files (another Streamlit version names them differently)
the pages are as they were, only slower to draw the first time.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

import streamlit as st

#: Marks the element that holds the request; the rule below hides its box (an empty element would
#: still take a gap at the top of the page).
_ID = "asb-preload"
_HIDE_CSS = f'<style>[data-testid="stElementContainer"]:has(#{_ID}) {{ display: none; }}</style>'
#: Streamlit's own lazily loaded browser modules, by the start of their file names. The chart
#: library is wanted at once. Later, once the first page is drawn: the map library with the WebGL
#: code it loads when a map is drawn, then what the first page without them would otherwise fetch
#: on the first click (the Overview has no dataframe, no table, no segmented control, no raw HTML
#: in markdown and no emoji shortcode; Ward patterns, its likeliest next page, has all of them).
CHARTS = ("PlotlyChart.",)
LATER = (
    "DeckGlJsonChart.",
    "webgl.",
    "webgl-device.",
    "DataFrame.",
    "Table.",
    "ButtonGroup.",
    "rehype-raw.",
    "remark-emoji.",
)
#: Streamlit's italic face (captions), fetched on the first caption otherwise.
ITALIC = 'italic 1em "Source Sans"'
#: How long the later modules wait for an idle moment once the page is drawn, ms.
IDLE_TIMEOUT_MS = 1000


@functools.cache
def module_files(prefixes: tuple[str, ...]) -> tuple[str, ...]:
    """The file names of the modules in the installed Streamlit's static folder, in the order of
    ``prefixes`` (the first asked for first)."""
    folder = Path(st.__file__).parent / "static" / "static" / "js"
    names = sorted(p.name for p in folder.glob("*.js"))
    return tuple(name for prefix in prefixes for name in names if name.startswith(prefix))


def _names(files: tuple[str, ...]) -> str:
    return "[" + ", ".join(f'"{name}"' for name in files) + "]"


def _script(now: tuple[str, ...], later: tuple[str, ...]) -> str:
    """A script that imports ``now`` at once and ``later`` once the page's script has finished and
    the browser is idle (once a session), from beside the page's own Streamlit script (its base
    path included, so it works behind a proxy's path); a failure is left to the chart to report."""
    return (
        f'<script id="{_ID}">(() => {{'
        "const main = document.querySelector('script[src*=\"/static/js/index.\"]');"
        "if (!main) return;"
        "const load = names => names.forEach(name => import(new URL(name, main.src).href).catch(() => {}));"
        f"load({_names(now)});"
        "if (window.asbLaterAsked) return;"
        "window.asbLaterAsked = true;"
        "const whenDrawn = () => {"
        "const app = document.querySelector('[data-testid=\"stApp\"]');"
        "if (!app || app.dataset.testScriptState !== 'notRunning') return setTimeout(whenDrawn, 100);"
        "const idle = window.requestIdleCallback || (f => setTimeout(f, 200));"  # Safari has none
        f"idle(() => {{ load({_names(later)}); document.fonts.load({json.dumps(ITALIC)}); }},"
        f" {{timeout: {IDLE_TIMEOUT_MS}}});"
        "};"
        "whenDrawn();"
        "})();</script>"
    )


def install() -> None:
    """Ask the browser for the chart library now and the map library once the page is drawn (each
    run; the browser imports a module once)."""
    now, later = module_files(CHARTS), module_files(LATER)
    if not now and not later:
        return
    st.html(_HIDE_CSS)
    st.html(_script(now, later), unsafe_allow_javascript=True)
