"""The analyst's "did it work?" journey in a real browser: from the page list to Tools and powers, the
register's figures for 2022-23, the Redditch town-centre PSPO chosen, its start month picked (the
register says "date to confirm"): January 2024 is refused naming the months police.uk lacks, January
2025 gives a verdict with its interval; every choice lands in the address, so the link reopens it."""

from __future__ import annotations

from tests.browser.test_e2e import READY, _keep

SETTLE_MS = 600


def _settle(page) -> None:
    page.wait_for_selector(READY, timeout=90_000)
    page.wait_for_timeout(SETTLE_MS)


def _main_text(page) -> str:
    return page.locator('[data-testid="stMain"]').inner_text()


def _choose(page, label: str, typed: str, shows: str | None = None) -> None:
    """Type into a selectbox of the page and pick the first match; ``shows``: a text to wait for."""
    box = page.locator('[data-testid="stMain"] [data-testid="stSelectbox"]').filter(has_text=label).first
    box.click()
    page.keyboard.type(typed)
    page.wait_for_timeout(400)
    page.keyboard.press("Enter")
    if shows:
        page.get_by_text(shows).first.wait_for(timeout=60_000)
    _settle(page)


def test_the_analyst_asks_whether_the_town_centre_pspo_worked(server, browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1600})
    page = context.new_page()
    try:
        page.goto(f"{server}/?src=police_uk")
        _settle(page)
        page.get_by_role("link", name="Tools and powers").click()
        page.get_by_text("Did it work?").first.wait_for(timeout=60_000)
        _settle(page)
        text = _main_text(page)
        assert "Reported for 2022-23" in text
        assert "Community Protection Warnings issued, Redditch" in text and "15" in text
        assert "Choose the target (wards or an area) and the month it started." in text

        _choose(page, "Intervention", "Redditch Town Centre Public Space", shows="Target wards (WD22)")
        assert "iv=redditch-town-centre-pspo" in page.url
        _choose(page, "Months after the start", "4")
        _choose(page, "Start month", "Jan 2024", shows="2023-01, 2023-02")
        assert "is=2024-01" in page.url and "im=4" in page.url
        text = _main_text(page)
        assert "before (Jan–Apr 2023): 2023-01, 2023-02, 2023-03, 2023-04" in text
        assert "can evaluate with 4 months either side: 2025-01" in text

        _choose(page, "Start month", "Jan 2025", shows="Net of the buffer")
        text = _main_text(page)
        assert "Abbey had 56 in Jan–Apr 2025" in text and "95% interval" in text
        assert "Net of the buffer (weighted displacement difference)" in text
        _keep(page, "tools-powers-did-it-work")

        # The copied link reopens the same evaluation.
        link = page.url
        fresh = context.new_page()
        fresh.goto(link)
        _settle(fresh)
        assert "Abbey had 56 in Jan–Apr 2025" in _main_text(fresh)
    finally:
        context.close()
