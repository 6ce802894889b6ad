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
# Our own file: a ":material/...:" or emoji icon makes the browser fetch the favicon from a Google or
# Twemoji server, and the app must make no outside call (tests/browser/test_network.py).
ICON = Path(__file__).resolve().parent / "ui" / "static" / "favicon.png"
# A Path, not a str: Streamlit tries a string as an emoji first, which loads its emoji table (0.15 s).
st.set_page_config(page_title="North Worcestershire ASB Explorer", page_icon=ICON, layout="wide")
# Before the imports: on a session's first run they take half a second, which the browser spends
# loading plotly.js (ui/preload.py).
preload.install()


def main() -> None:
    from ui import shell  # after the preload, above; imported once per server, then cached

    shell.run(started)


main()
