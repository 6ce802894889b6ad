"""The councillor's journey by keyboard alone (WCAG 2.1.1, 2.1.2, 2.4.1, 2.4.3, 2.4.7): skip to the
content, choose their ward by typing its name, read its profile, colour the ward map and read it
as text, download the table, and show it on the projector and back. At every step the test
asserts where the focus is and that it can be seen; no mouse event is sent."""

from __future__ import annotations

import re

from tests.browser.a11y import PANEL, READY, focused, tab_to
from tests.browser.test_e2e import _keep

MAIN = '[data-testid="stMain"]'


def _settle(page) -> None:
    page.wait_for_timeout(300)  # a key press that reruns the script starts the run a moment later
    page.wait_for_selector(READY, timeout=60_000)


def _visible_focus(now: dict) -> None:
    """A focus ring: an outline at least 2 px wide or the yellow ring (ui/accessibility.py)."""
    assert now["outline"] >= 2 or now["shadow"], f"no visible focus on {now}"


def _in_main(page) -> bool:
    return page.evaluate(f"document.querySelector('{MAIN}').contains(document.activeElement)")


def _skip_link_then_ward(page) -> None:
    """1. The first Tab reaches the skip link, shown on screen; Enter moves the focus to the content.
    2. The ward, chosen by typing its name in the sidebar's Ward box (Shift+Tab goes back there)."""
    page.keyboard.press("Tab")
    now = focused(page)
    assert now["testid"] == "stSkipToContent" and "Skip to main content" in now["name"], now
    assert 0 <= now["top"] < 900, "the skip link has the focus but is off screen"
    _visible_focus(now)
    _keep(page, "keyboard-skip-link")
    page.keyboard.press("Enter")
    assert _in_main(page) or focused(page)["testid"] == "stMain", focused(page)

    now, _ = tab_to(page, lambda f: f["tag"] == "INPUT" and f["name"] == "Ward", key="Shift+Tab")
    _visible_focus(now)
    page.keyboard.type("Abbey")
    page.keyboard.press("Enter")
    _settle(page)
    assert re.search(r"[?&]w=E05", page.url), page.url
    assert focused(page)["tag"] == "INPUT", "the focus left the Ward box after choosing"


def _open_page(page, title: str) -> None:
    """Back to the navigation with Shift+Tab, and Enter on the page's link."""
    now, _ = tab_to(page, lambda f: f["testid"] == "stSidebarNavLink" and title in f["name"], key="Shift+Tab")
    _visible_focus(now)
    page.keyboard.press("Enter")
    # The new page is the current one (its link marked so) before the run is awaited: under load the
    # run could start after _settle's pause, and Tab then walked the old page while it was replaced.
    page.wait_for_function(
        "title => [...document.querySelectorAll('[data-testid=stSidebarNavLink][aria-current=page]')]"
        ".some(a => a.innerText.includes(title))",
        arg=title,
        timeout=60_000,
    )
    _settle(page)


def _map_by_keyboard(page) -> None:
    """4. Colour the ward map by percentage change, tab into the deck.gl map and out of it (no
    keyboard trap), and read the map as text. 5. The table's CSV, downloaded with Enter."""
    # The colourings are one segmented control: Tab reaches the chosen one, arrows the others.
    now, _ = tab_to(page, lambda f: f["tag"] == "BUTTON" and f["name"].startswith("Count"))
    _visible_focus(now)
    now, _ = tab_to(page, lambda f: f["name"].startswith("Percentage change"), limit=3, key="ArrowRight")
    _visible_focus(now)
    page.keyboard.press("Enter")
    _settle(page)
    # The map and its toolbar take the focus (arrow keys pan the map), and Tab leaves them: no trap.
    now, _ = tab_to(page, lambda f: f["in_map"], limit=5)
    _visible_focus(now)
    tab_to(page, lambda f: not f["in_map"], limit=4)
    now, _ = tab_to(page, lambda f: f["tag"] == "SUMMARY" and "The map as text" in f["name"], limit=150)
    _visible_focus(now)
    _keep(page, "keyboard-focus")
    page.keyboard.press("Enter")
    table = page.locator('[data-testid="stTable"]').first
    table.wait_for(timeout=10_000)
    # The table follows the colouring chosen by keyboard: its classes are percentage changes.
    assert "Change from 2017-18 to 2018-19" in table.inner_text(), table.inner_text()
    assert "Abbey" in table.inner_text()

    now, _ = tab_to(page, lambda f: f["tag"] == "BUTTON" and f["name"].endswith("CSV") and "download" in f["name"])
    _visible_focus(now)
    with page.expect_download(timeout=30_000) as download:
        page.keyboard.press("Enter")
    assert download.value.suggested_filename.endswith(".csv")


def _slides_by_keyboard(page) -> None:
    """6. Presentation mode on with Space (the sidebar goes); the next slide with Enter on Next, the
    one before with the Left arrow; out again with Enter on the way out (the sidebar comes back)."""
    tab_to(page, lambda f: f["tag"] == "INPUT" and "Presentation mode" in f["name"], key="Shift+Tab")
    page.keyboard.press("Space")
    _settle(page)
    page.locator('[data-testid="stSidebar"]').wait_for(state="hidden", timeout=10_000)
    # Ward patterns is a slide of the deck; the next is its funnel plot ("Wards for their size", a part of
    # the same page): Enter on Next, then the Left arrow back again.
    now, _ = tab_to(page, lambda f: f["tag"] == "BUTTON" and f["name"].startswith("Next"))
    _visible_focus(now)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/wards\?.*sl=funnel"), timeout=60_000)
    _settle(page)
    # The arrow is the Previous button's shortcut: once that button is drawn it listens.
    page.locator('[class*="st-key-slide-prev"] button').wait_for(timeout=30_000)
    page.keyboard.press("ArrowLeft")
    page.wait_for_url(lambda url: "/wards?" in url and "sl=" not in url, timeout=60_000)
    _settle(page)
    assert "present=1" in page.url and re.search(r"[?&]w=E05", page.url), page.url
    now, _ = tab_to(page, lambda f: f["tag"] == "BUTTON" and "Exit presentation mode" in f["name"])
    _visible_focus(now)
    page.keyboard.press("Enter")
    _settle(page)
    page.locator('[data-testid="stSidebar"]').wait_for(state="visible", timeout=10_000)


def test_keyboard_journey(server, page):
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{server}/?{PANEL}")
    page.wait_for_selector(READY, timeout=60_000)
    page.get_by_text("Anti-social behaviour overview").first.wait_for(timeout=30_000)
    _skip_link_then_ward(page)
    # 3. The ward's profile, through the navigation.
    _open_page(page, "Ward profile")
    assert "/ward_profile" in page.url and re.search(r"[?&]w=E05", page.url), page.url
    page.locator(MAIN).get_by_text("Abbey").first.wait_for(timeout=30_000)
    _open_page(page, "Ward patterns")
    _map_by_keyboard(page)
    _slides_by_keyboard(page)
