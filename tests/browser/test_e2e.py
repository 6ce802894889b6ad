"""End to end in a real browser: every page draws its charts and maps (not blank), presentation
mode, and a copied link. Screenshots are kept in artifacts/screenshots/ (and, with
ASB_UPDATE_SCREENSHOTS=1, copied to docs/screenshots/ for the README)."""

from __future__ import annotations

import io
import os
import shutil
import time

import numpy as np
import pytest
from PIL import Image

from analytics.present.maps import BACKGROUND_COLOUR
from tests.browser.conftest import ARTIFACTS
from tests.conftest import ROOT

READY = '[data-testid="stApp"][data-test-script-state="notRunning"]'
PLOTLY = '[data-testid="stPlotlyChart"]'
DECK = '[data-testid="stDeckGlJsonChart"] canvas'
PANEL = "src=extract&d=Redditch&pt=fy&a=FY2017&b=FY2018&v=wd22&cat=asb"
# page url path -> (what it must draw, a text it must show)
PAGES = {
    "": ([PLOTLY], "Anti-social behaviour overview"),
    "incident_types": ([PLOTLY], "Incident types"),
    "seasonal": ([PLOTLY], "Seasonal patterns"),
    "wards": ([DECK, PLOTLY], "fell 8% (-265)"),
    "hotspots": ([DECK], "hot cells"),
    "districts": ([PLOTLY], "Districts"),
    # police.uk holds no month of the panel's 2017-18 (so no chart there): the crime page on its own months.
    "crime": ([PLOTLY], "Crime", "src=police_uk&cat=asb"),
    # A ward chosen (Abbey): without one the profile asks for it first (tests/test_ward_choice.py).
    "ward_profile": ([PLOTLY], "Ward profile", PANEL + "&w=E05007868"),
    # The register's figures and "Did it work?" for the Redditch town-centre PSPO on police.uk (issue 19).
    "tools_powers": ([], "Did it work?", "src=police_uk&iv=redditch-town-centre-pspo&is=2025-01&im=4"),
    "data": ([], "Quality report"),
    "about": ([], "Defining anti-social behaviour"),
}


def _open(page, url: str) -> None:
    page.goto(url)
    page.wait_for_selector(READY, timeout=60_000)


def _non_white_share(png: bytes) -> float:
    """Share of the pixels that are drawn: neither white nor the plain ground a map is drawn on
    (the page paints it behind the map's canvas, so a blank map is all ground)."""
    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)
    ground = np.abs(pixels - np.array(BACKGROUND_COLOUR)).max(axis=2) <= 12
    return float(((pixels.min(axis=2) < 235) & ~ground).mean())


def _drawn(page, selector: str) -> float:
    """Share of non-white pixels of the first element matching selector, once it has drawn."""
    element = page.wait_for_selector(selector, timeout=30_000, state="visible")
    element.scroll_into_view_if_needed()
    share = 0.0
    for _ in range(20):  # deck.gl draws a few seconds after the script ends
        share = _non_white_share(element.screenshot())
        if share > 0.02:
            break
        time.sleep(0.5)
    return share


#: Each plotly chart's legend and title boxes (title, subtitle), in page pixels (top, bottom, left, right).
CHART_BOXES = """() => [...document.querySelectorAll('[data-testid=stPlotlyChart]')].map(chart => {
  const box = e => { const b = e.getBoundingClientRect(); return [b.top, b.bottom, b.left, b.right]; };
  return {legend: [...chart.querySelectorAll('g.legend')].map(box), chart: box(chart.querySelector('.main-svg')),
          titles: [...chart.querySelectorAll('text.gtitle, text.gtitle-subtitle')]
            .map(e => [e.textContent, ...box(e)])};
})"""


def assert_legends_clear_of_titles(page, where: str) -> None:
    """No chart's legend runs over its title or subtitle (a legend that wraps grows upwards), and no
    title or subtitle runs past its chart's edge (plotly does not wrap them)."""
    for chart in page.evaluate(CHART_BOXES):
        for text, _, _, t_left, t_right in chart["titles"]:
            assert chart["chart"][2] - 1 <= t_left and t_right <= chart["chart"][3] + 1, f"{where}: {text!r} is cut"
        for top, bottom, left, right in chart["legend"]:
            for text, t_top, t_bottom, t_left, t_right in chart["titles"]:
                apart = bottom <= t_top or t_bottom <= top or right <= t_left or t_right <= left
                assert apart, f"{where}: the legend runs over the title {text!r}"


def _keep(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path))
    if os.environ.get("ASB_UPDATE_SCREENSHOTS") == "1":
        docs = ROOT / "docs" / "screenshots"
        docs.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, docs / path.name)


@pytest.mark.parametrize("path", list(PAGES))
def test_every_page_draws(server, page, path):
    selectors, text, *query = PAGES[path]
    _open(page, f"{server}/{path}?{query[0] if query else PANEL}")
    page.get_by_text(text).first.wait_for(timeout=30_000)
    for selector in selectors:
        assert _drawn(page, selector) > 0.02, f"{selector} on /{path} is blank"
        if selector == DECK:
            # The map's ground is the page's paint, behind the canvas (ui/accessibility.py).
            ground = page.evaluate(
                "getComputedStyle(document.querySelector('[data-testid=\"stDeckGlJsonChart\"]')).backgroundColor"
            )
            assert ground == f"rgb{BACKGROUND_COLOUR}"  # "rgb(228, 233, 237)"
    assert page.locator('[data-testid="stException"]').count() == 0
    assert_legends_clear_of_titles(page, f"/{path}")
    # At a laptop's 1280 pixels too, where the half-width charts are narrowest.
    page.set_viewport_size({"width": 1280, "height": 2400})
    page.wait_for_timeout(500)  # plotly redraws at the new width
    assert_legends_clear_of_titles(page, f"/{path} at 1280 px")
    page.set_viewport_size({"width": 1600, "height": 2400})
    _keep(page, path or "overview")


def test_a_copied_link_reproduces_the_screen(server, page):
    _open(page, f"{server}/wards?{PANEL}")
    page.get_by_text("fell 8% (-265)").first.wait_for(timeout=30_000)
    first_url = page.url
    grid = page.locator('[data-testid="stDataFrame"]').first
    grid.wait_for(timeout=30_000)
    # The same link in a new tab of a new session shows the same filters and figures.
    other = page.context.new_page()
    _open(other, first_url)
    other.get_by_text("fell 8% (-265)").first.wait_for(timeout=30_000)
    assert "src=extract" in other.url and "a=FY2017" in other.url
    other.close()


def test_presentation_mode_hides_the_sidebar_and_enlarges_type(server, page):
    _open(page, f"{server}/?{PANEL}&present=1")
    page.get_by_text("Anti-social behaviour overview").first.wait_for(timeout=30_000)
    # Hidden by the page's own CSS once it has run: wait for it rather than catch it mid-render.
    page.locator('[data-testid="stSidebar"]').wait_for(state="hidden", timeout=10_000)
    size = page.evaluate("getComputedStyle(document.querySelector('[data-testid=\"stAppViewContainer\"]')).fontSize")
    assert float(size.rstrip("px")) >= 20
    assert _drawn(page, PLOTLY) > 0.02
    _keep(page, "presentation")
