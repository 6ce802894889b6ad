"""Benchmark: every page's script, server-side, and the Overview in a real browser.

    .venv/bin/python bench/bench_pages.py [--repeat 5] [--no-browser]

Server-side: each page runs through Streamlit's AppTest (the same script a browser session runs)
with the DuckDB connection already open, first with st.cache_data emptied ("cold"), then again
("cached"); the time is the script's own, from the first line of app.py to the end of the page
(ui/shell.py records it), without AppTest's polling. Browser: a real
Streamlit server and Debian's Chromium; the time from navigation to the Overview's charts drawn.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402

from analytics.data import store  # noqa: E402
from ui import data  # noqa: E402

PAGES = [
    "overview",
    "incident_types",
    "seasonal",
    "wards",
    "hotspots",
    "districts",
    "crime",
    "ward_profile",
    "data",
    "about",
]
PANEL = {"src": "extract", "d": "Redditch", "pt": "fy", "a": "FY2017", "b": "FY2018", "v": "wd22", "cat": "asb"}


def server_side(repeat: int) -> None:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    for key, value in PANEL.items():
        at.query_params[key] = value
    at.run()  # imports, connection, first run
    print(f"page scripts (AppTest, {PANEL['src']}, Redditch 2017-18 v 2018-19), median of {repeat}:")
    print(f"  {'page':15s} {'cold cache':>10s} {'cached':>8s}")
    for page in PAGES:
        at.switch_page(str(ROOT / "app_pages" / f"{page}.py"))
        at.run()
        cold, warm = [], []
        for _ in range(repeat):
            st.cache_data.clear()
            for cached in (data.figure, data.ward_deck, data.hotspot_deck):  # built from the data
                cached.clear()
            at.run()
            cold.append(at.session_state["script_seconds"])
            at.run()
            warm.append(at.session_state["script_seconds"])
        assert not at.exception, at.exception
        print(f"  {page:15s} {statistics.median(cold) * 1000:8.0f} ms {statistics.median(warm) * 1000:6.0f} ms")


def browser(repeat: int) -> None:
    # Deferred: a heavy import on a cold path (Playwright and the browser tests' helpers serve only
    # this half of the benchmark, which --no-browser skips).
    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import CHROMIUM, LAUNCH_ARGS, start_server

    process, url = start_server(store.default_db_path())
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
            page = chromium.new_page(viewport={"width": 1600, "height": 1400})
            query = "&".join(f"{k}={v}" for k, v in PANEL.items())
            page.goto(f"{url}/?{query}")  # warm the server
            page.wait_for_function(
                "document.querySelectorAll('[data-testid=stPlotlyChart] .main-svg').length >= 2", timeout=60_000
            )
            times = []
            for _ in range(repeat):
                page.goto(f"{url}/about?{query}")
                page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]')
                started = time.perf_counter()
                page.get_by_role("link", name="Overview").click()
                page.wait_for_function(
                    "document.querySelectorAll('[data-testid=stPlotlyChart] .main-svg').length >= 2 && "
                    "document.querySelector('[data-testid=stApp]').dataset.testScriptState === 'notRunning'",
                    timeout=60_000,
                )
                times.append(time.perf_counter() - started)
            chromium.close()
        print(
            f"Overview drawn in the browser after navigation: median {statistics.median(times):.2f} s, "
            f"max {max(times):.2f} s over {repeat}"
        )
    finally:
        process.terminate()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-browser", action="store_true")
    args = parser.parse_args()
    if not store.default_db_path().exists():
        store.build()
    server_side(args.repeat)
    if not args.no_browser:
        browser(args.repeat)


if __name__ == "__main__":
    main()
