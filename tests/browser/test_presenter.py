"""The presenter's journey at the scrutiny panel, in Debian's Chromium on a real server.

An officer opens the link to the panel's overview in presentation mode on a 1280x720 projector (and
a 1920x1080 one), walks the slide show with the keyboard alone (Right, Left, PageUp from a clicker,
Esc to leave), and on every slide the panel's figure and, where the deck had one, its table are on
the screen: drawn, not cut by the viewport's edge, with no scrolling. Each slide's screenshot is kept
in docs/screenshots/ (slide-N-WxH.png) to be checked by eye.
"""

from __future__ import annotations

import os
import shutil

import pytest

from tests.browser.conftest import ARTIFACTS, ROOT, start_server
from tests.browser.test_e2e import assert_legends_clear_of_titles
from ui.slides import PART_KEY, SLIDES, Slide

READY = '[data-testid="stApp"][data-test-script-state="notRunning"]'
PANEL = "src=extract&d=Redditch&pt=fy&a=FY2017&b=FY2018&v=wd22&cat=asb&present=1"
SHOTS = ARTIFACTS  # copied to docs/screenshots/ with ASB_UPDATE_SCREENSHOTS=1 (see _keep)
#: What each slide shows: its heading, and whether a table is on it beside the figure (the deck's own,
#: or the part's: the NIRS classes, the busiest hours, the wards against the funnel's limits).
EXPECTED = {
    "Measuring ASB": ("Measuring ASB", True),
    "Incident types": ("Incident types", True),
    "Time of week": ("Time of week", True),
    "Seasonal patterns": ("Seasonal patterns", False),
    "Ward patterns": ("Ward patterns", True),
    "Wards for their size": ("Wards for their size", True),
    "Where?": ("Where?", False),
    "District data": ("Districts", False),  # the deck's district slide: a chart and sentences
}
#: What a slide of a part shows instead of its figure when the source lacks it (police.uk has no NIRS
#: class and no report time): the reason, in an information box.
NOT_IN_SOURCE = '[data-testid="stAlertContentInfo"]:has-text("police.uk")'
#: The figure of a slide: a plotly chart or a deck.gl map.
FIGURE = '[data-testid="stPlotlyChart"] .main-svg, [data-testid="stDeckGlJsonChart"] canvas'


def _settle(page) -> None:
    page.wait_for_selector(READY, timeout=90_000)
    page.wait_for_selector(f"{FIGURE}, {NOT_IN_SOURCE}", timeout=60_000, state="attached")
    page.wait_for_timeout(1500)  # deck.gl draws a moment after the script ends


def _wait_for_slide(page, slide: Slide) -> None:
    """Wait for the address of ``slide`` (its page and, for a part of a page, the part), then for it drawn."""
    part = f"{PART_KEY}={slide.part}"
    page.wait_for_url(
        lambda url: f"/{slide.path}?" in url and ((part in url) if slide.part else f"{PART_KEY}=" not in url),
        timeout=30_000,
    )
    _settle(page)


def _on_screen(page, selector: str, width: int, height: int) -> list[dict]:
    """The boxes of every visible element matching ``selector`` that reach past the viewport."""
    return page.evaluate(
        """([selector, width, height]) => [...document.querySelectorAll(selector)]
            .map(e => e.getBoundingClientRect())
            .filter(r => r.width > 0 && r.height > 0)
            .filter(r => r.left < -1 || r.top < -1 || r.right > width + 1 || r.bottom > height + 1)
            .map(r => ({left: r.left, top: r.top, right: r.right, bottom: r.bottom}))""",
        [selector, width, height],
    )


def _scrolls(page) -> bool:
    """Whether the page must be scrolled to see all of it (Streamlit scrolls its main area)."""
    return page.evaluate(
        """() => { const m = document.querySelector('[data-testid="stMain"]') || document.scrollingElement;
                   return m.scrollHeight > m.clientHeight + 2; }"""
    )


def _walk(page, url: str, width: int, height: int, shots: str | None) -> list[list[str]]:
    """Walk the slide show from the first slide with the Right arrow, asserting on every slide what
    the panel sees (title, figure drawn, table where the deck had one, nothing cut, no scrolling);
    return the cells of every slide's tables. ``shots``: the screenshots' name prefix, or None."""
    page.goto(url)
    _settle(page)
    cells: list[list[str]] = []
    for number, slide in enumerate(SLIDES, start=1):
        title, has_table = EXPECTED[slide.title]
        assert page.locator("h1").first.inner_text().strip() == title
        assert f"/{slide.path}?" in page.url and "present=1" in page.url
        assert (f"{PART_KEY}={slide.part}" in page.url) if slide.part else f"{PART_KEY}=" not in page.url
        # No sidebar on a projector, and the way on and out on the slide itself.
        assert not page.locator('[data-testid="stSidebar"]').is_visible()
        assert page.get_by_role("button", name="Exit presentation mode").is_visible()
        if slide.part and not page.locator(FIGURE).count():
            # Only where the source lacks the part: then the slide says so, and why.
            assert "police.uk" in page.locator(NOT_IN_SOURCE).first.inner_text(), title
            has_table = False
        assert page.locator(FIGURE).first.is_visible() or not has_table
        if has_table:
            assert page.locator('[data-testid="stDataFrame"]').first.is_visible(), title
            page.wait_for_timeout(500)  # the grid fills its accessible rows just after it is drawn
            cells += [
                row.locator('[role="gridcell"]').all_inner_texts()
                for row in page.locator('[data-testid="stDataFrame"] [role="row"]').all()
            ]
        if shots:
            shot = SHOTS / f"{shots}-{number}-{width}x{height}.png"
            SHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(shot))
            _keep(shot)
        assert not _scrolls(page), f"{title} needs scrolling at {width}x{height}"
        figures = '[data-testid="stPlotlyChart"], [data-testid="stDeckGlJsonChart"], [data-testid="stDataFrame"]'
        assert not _on_screen(page, figures, width, height), f"{title}: cut at {width}x{height}"
        assert not _on_screen(page, "h1, button, [data-testid='stAlert']", width, height), title
        assert_legends_clear_of_titles(page, f"{title} at {width}x{height}")  # nor cut at the chart's edge
        if number < len(SLIDES):
            page.keyboard.press("ArrowRight")
            _wait_for_slide(page, SLIDES[number])
    return cells


@pytest.mark.parametrize("width, height", [(1280, 720), (1920, 1080)])
def test_the_presenter_walks_the_slides_with_the_keyboard(server, browser, width, height):
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    try:
        cells = _walk(page, f"{server}/{SLIDES[0].path}?{PANEL}&{PART_KEY}={SLIDES[0].part}", width, height, "slide")
        # The panel's two tables, whole: every Redditch ward and the Grand Total on the ward slide.
        assert ["Grand Total", "3468", "3203", "-265", "-8"] in cells, cells  # the grid's raw values
        assert any(row and row[0] == "Winyates" for row in cells)
        page.keyboard.press("ArrowLeft")
        _wait_for_slide(page, SLIDES[-2])
        page.keyboard.press("PageUp")  # what a presentation clicker sends
        _wait_for_slide(page, SLIDES[-3])
        page.keyboard.press("Escape")
        page.wait_for_selector('[data-testid="stSidebar"]', state="visible", timeout=30_000)
        assert "present=1" not in page.url
    finally:
        context.close()


def test_the_slides_in_public_mode_hide_small_counts(built_db, browser):
    """A public screen (ASB_PUBLIC_MODE) shown on the projector: police.uk's January 2024 against
    January 2025 in Redditch has wards with fewer than 5 incidents; every slide still fits and its
    tables write "<5", never the count."""
    process, url = start_server(built_db, {"ASB_PUBLIC_MODE": "true"})
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    try:
        public = "src=police_uk&cat=asb&pt=months&a=2024-01&b=2025-01&v=wd25&d=Redditch&present=1"
        cells = _walk(page, f"{url}/{SLIDES[0].path}?{public}&{PART_KEY}={SLIDES[0].part}", 1280, 720, None)
        # The two periods' counts (a difference of two shown counts gives nothing away).
        counts = [c.strip() for row in cells for c in row[1:3]]
        assert "<5" in counts, cells
        small = [v for v in counts if v.replace(",", "").isdigit() and 0 < int(v.replace(",", "")) < 5]
        assert not small, f"counts under 5 shown on a public slide: {small}"
    finally:
        context.close()
        process.terminate()
        process.wait(timeout=10)


def _keep(path) -> None:
    """A screenshot taken to artifacts/, copied to docs/screenshots/ (the README's) on request."""
    if os.environ.get("ASB_UPDATE_SCREENSHOTS") == "1":
        shutil.copy(path, ROOT / "docs" / "screenshots" / path.name)
