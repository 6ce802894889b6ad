"""The councillor's journey, in Debian's Chromium on a real server (issue 13).

A Redditch councillor, from the panel's minutes ("what is happening in my ward?"), finds their ward
by typing its name as ONS spells it, reads every page about it, switches to the new boundaries and
is told where the ward went, and sends the link: a colleague opening it sees the same screen.
"""

from __future__ import annotations

import os
import shutil

from tests.browser.conftest import ARTIFACTS, ROOT

READY = '[data-testid="stApp"][data-test-script-state="notRunning"]'
PANEL = "src=extract&d=Redditch&pt=fy&a=FY2017&b=FY2018&v=wd22"
SHOTS = ARTIFACTS  # copied to docs/screenshots/ with ASB_UPDATE_SCREENSHOTS=1 (see _keep)


def _settle(page) -> None:
    page.wait_for_selector(READY, timeout=90_000)
    page.wait_for_timeout(800)


def _ward_box(page):
    sidebar = page.locator('[data-testid="stSidebar"]')
    return sidebar.locator('[data-testid="stSelectbox"]').filter(has_text="Ward").last


def _choose_ward(page, typed: str) -> None:
    _ward_box(page).click()
    page.keyboard.type(typed)
    page.wait_for_timeout(500)
    page.keyboard.press("Enter")
    page.wait_for_timeout(500)
    _settle(page)


def _main_text(page) -> str:
    return page.locator('[data-testid="stMain"]').inner_text()


def test_the_councillor_finds_their_ward_reads_about_it_and_sends_the_link(server, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    try:
        page.goto(f"{server}/?{PANEL}")
        _settle(page)
        # Typed as ONS writes it ("&"): the ward is found, not another.
        _choose_ward(page, "Batchley & Brock")
        assert "w=E05007870" in page.url  # Batchley and Brockhill, WD22
        text = _main_text(page)
        assert "ASB in Batchley and Brockhill fell 21% (-82) between 2017-18 and 2018-19" in text
        assert "ASB in Batchley and Brockhill, 2018-19" in text  # its headline figure first

        page.get_by_role("link", name="Ward patterns").click()
        _settle(page)
        text = _main_text(page)
        assert "ASB in Batchley and Brockhill fell 21%" in text and "outlined in black on the map" in text
        page.wait_for_selector('[data-testid="stDeckGlJsonChart"] canvas', timeout=60_000)

        page.get_by_role("link", name="Ward profile").click()
        _settle(page)
        assert page.get_by_role("heading", name="Batchley and Brockhill (Redditch)").is_visible()

        page.get_by_role("link", name="Districts").click()
        _settle(page)
        assert "compares whole districts, so it is not narrowed to the ward" in _main_text(page)

        # The new boundaries: the ward has a successor of the same name, and the page says so.
        page.get_by_role("link", name="Ward profile").click()
        _settle(page)
        page.locator('[data-testid="stSidebar"]').get_by_text("WD25: Redditch's 9 wards").click()
        _settle(page)
        sidebar = page.locator('[data-testid="stSidebar"]').inner_text()
        assert "Batchley and Brockhill (WD22) lies within Batchley and Brockhill (WD25)" in sidebar
        link = page.url
        assert "v=wd25" in link and "w=E0501" in link
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "councillor-ward-profile.png"))
        _keep(SHOTS / "councillor-ward-profile.png")

        # The link sent: a colleague's fresh browser opens the same ward on the same page.
        other = browser.new_context(viewport={"width": 1280, "height": 1000})
        colleague = other.new_page()
        try:
            colleague.goto(link)
            _settle(colleague)
            assert colleague.get_by_role("heading", name="Batchley and Brockhill (Redditch)").is_visible()
            assert "v=wd25" in colleague.url and link.split("w=")[1][:9] in colleague.url
        finally:
            other.close()
    finally:
        context.close()


def test_a_ward_split_by_the_new_boundaries_names_the_wards_that_cover_it(server, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    try:
        page.goto(f"{server}/?{PANEL}")
        _settle(page)
        _choose_ward(page, "Abbey")
        page.locator('[data-testid="stSidebar"]').get_by_text("WD25: Redditch's 9 wards").click()
        _settle(page)
        sidebar = page.locator('[data-testid="stSidebar"]')
        assert "Abbey (WD22) has no single WD25 ward: it is covered by" in sidebar.inner_text()
        sidebar.get_by_role("button", name="North (Redditch)").click()
        _settle(page)
        assert "ASB in North " in _main_text(page)
    finally:
        context.close()


def _keep(path) -> None:
    """A screenshot taken to artifacts/, copied to docs/screenshots/ (the README's) on request."""
    if os.environ.get("ASB_UPDATE_SCREENSHOTS") == "1":
        shutil.copy(path, ROOT / "docs" / "screenshots" / path.name)
