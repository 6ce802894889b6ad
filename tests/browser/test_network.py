"""The app makes no outside network calls: every request the browser makes, on every page, goes to
the app's own server (no usage statistics, no base-map tiles, no fonts or scripts from a CDN). The
server is started without any command-line flag for this, so .streamlit/config.toml is what is
tested; the Streamlit settings that guard access are checked there too."""

from __future__ import annotations

import tomllib
from urllib.parse import urlparse

from tests.browser.test_e2e import DECK, PAGES, PANEL, READY, _drawn
from tests.conftest import ROOT


def test_the_config_keeps_statistics_off_xsrf_on_and_uploads_small():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["browser"]["gatherUsageStats"] is False
    assert config["server"]["enableXsrfProtection"] is True
    assert config["server"]["maxUploadSize"] <= 200
    assert config["server"]["fileWatcherType"] == "none"


def test_no_request_leaves_the_server(server, page):
    own = urlparse(server).netloc
    outside: list[str] = []
    page.on(
        "request",
        lambda request: (
            outside.append(f"{request.method} {request.url}")
            if urlparse(request.url).scheme in ("http", "https", "ws", "wss") and urlparse(request.url).netloc != own
            else None
        ),
    )
    for path, (selectors, text, *query) in PAGES.items():
        page.goto(f"{server}/{path}?{query[0] if query else PANEL}")
        page.wait_for_selector(READY, timeout=60_000)
        page.get_by_text(text).first.wait_for(timeout=30_000)
        if DECK in selectors:
            assert _drawn(page, DECK) > 0.02  # the map has drawn, without fetching anything
    page.wait_for_timeout(2_000)  # anything sent after the last page settled
    assert outside == [], sorted(set(outside))


def test_the_chart_libraries_are_asked_for_from_the_server_and_take_no_room(server, page):
    # ui/preload.py: the request is the run's first element, hidden; the libraries come from the
    # server, plotly.js at once, deck.gl once the Overview (which has no map) is drawn.
    page.goto(f"{server}/?{PANEL}")
    page.wait_for_selector(READY, timeout=60_000)
    page.wait_for_selector('[data-testid="stPlotlyChart"] .main-svg', timeout=30_000)
    box = page.evaluate(
        """() => {
          const script = document.querySelector('script#asb-preload');
          const holder = script && script.closest('[data-testid="stElementContainer"]');
          return holder && [getComputedStyle(holder).display, holder.getBoundingClientRect().height];
        }"""
    )
    assert box == ["none", 0]
    loaded = page.evaluate("performance.getEntriesByType('resource').map(e => e.name)")
    charts = [url for url in loaded if "/static/js/PlotlyChart." in url]
    assert charts and all(urlparse(url).netloc == urlparse(server).netloc for url in charts)
    page.wait_for_function(
        "performance.getEntriesByType('resource').some(e => e.name.includes('/static/js/DeckGlJsonChart.'))",
        timeout=15_000,
    )
    entries = page.evaluate("performance.getEntriesByType('resource').map(e => [e.name, e.startTime])")
    maps = [(url, start) for url, start in entries if "/static/js/DeckGlJsonChart." in url]
    plotly = min(start for url, start in entries if "/static/js/PlotlyChart." in url)
    assert all(urlparse(url).netloc == urlparse(server).netloc and start > plotly for url, start in maps)
    assert page.locator('[data-testid="stDeckGlJsonChart"]').count() == 0  # asked for before any map
