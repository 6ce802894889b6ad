"""North Worcestershire ASB Explorer: the entry point (`streamlit run app.py`).

Asks the browser for the chart library first, then hands over to ui/shell.py: the store (built on
first start if it is missing or unreadable), the navigation, the shared filters (held in the URL)
and the page chosen.
"""

from __future__ import annotations

import time
from pathlib import Path

import streamlit as st

from ui import preload

started = time.perf_counter()
# First of all: the browser spends the imports below (half a second on a session's first run)
# loading plotly.js (ui/preload.py). Even set_page_config comes after it: its icon handling imports
# numpy, which held the request back by some 0.1 s (start-up 3.02 s against 2.96 s, median of ten).
preload.install()
# Our own file: a ":material/...:" or emoji icon makes the browser fetch the favicon from a Google or
# Twemoji server, and the app must make no outside call (tests/browser/test_network.py).
ICON = Path(__file__).resolve().parent / "ui" / "static" / "favicon.png"
# A Path, not a str: Streamlit tries a string as an emoji first, which loads its emoji table (0.15 s).
st.set_page_config(page_title="North Worcestershire ASB Explorer", page_icon=ICON, layout="wide")


def main() -> None:
    from ui import shell  # after the preload, above; imported once per server, then cached

    shell.run(started)


main()
