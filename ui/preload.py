"""Start the browser on the chart library while the server works on the first page.

Streamlit's browser code loads plotly.js (its largest part, some 4.7 MB) only when the first chart
arrives, after the script has built it: on a session's first page the browser sat idle while the
server imported and queried, then spent over a second loading the library. Asked for at the start
of the run instead, the library is fetched and set up while the script runs, and the charts are
drawn as soon as they arrive (bench/bench_journeys.py, start-up).

The request is for the server's own file, by the path the browser already loaded Streamlit from:
nothing leaves the machine. Without the file (another Streamlit version names it differently) the
page is as it was, only slower to draw the first time.
"""

from __future__ import annotations

import functools
from pathlib import Path

import streamlit as st

#: Marks the element that holds the request; the rule below hides its box (an empty element would
#: still take a gap at the top of the page).
_ID = "asb-preload"
_HIDE_CSS = f'<style>[data-testid="stElementContainer"]:has(#{_ID}) {{ display: none; }}</style>'
#: Streamlit's own lazily loaded browser modules, by the start of their file names.
_MODULES = ("PlotlyChart.",)


@functools.cache
def _module_files() -> tuple[str, ...]:
    """The file names of the modules in the installed Streamlit's static folder."""
    folder = Path(st.__file__).parent / "static" / "static" / "js"
    return tuple(sorted(p.name for p in folder.glob("*.js") if p.name.startswith(_MODULES)))


def _script(files: tuple[str, ...]) -> str:
    """A script that imports ``files`` from beside the page's own Streamlit script (its base path
    included, so it works behind a proxy's path); a failure is left to the chart to report."""
    names = ", ".join(f'"{name}"' for name in files)
    return (
        f'<script id="{_ID}">(() => {{'
        "const main = document.querySelector('script[src*=\"/static/js/index.\"]');"
        "if (!main) return;"
        f"for (const name of [{names}]) import(new URL(name, main.src).href).catch(() => {{}});"
        "})();</script>"
    )


def install() -> None:
    """Ask the browser for the chart library now (each run; the browser imports a module once)."""
    files = _module_files()
    if not files:
        return
    st.html(_HIDE_CSS)
    st.html(_script(files), unsafe_allow_javascript=True)
