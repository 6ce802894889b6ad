"""The briefing pack from a real server, asked for while a page run holds the PNG engine's background
start (analytics.present.png.hold_background_start): it downloads, with every chart drawn as an image."""

from __future__ import annotations

from pathlib import Path

from tests.browser.conftest import start_server
from tests.browser.test_e2e import PANEL, READY
from ui.shell import KALEIDO_WARM_DELAY_SECONDS


def test_a_briefing_pack_asked_for_while_a_page_holds_the_png_engine_has_every_chart(built_db, browser):
    process, url = start_server(built_db)  # a fresh server: its PNG engine has not started
    try:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.goto(f"{url}/?{PANEL}")
        page.wait_for_selector(READY, timeout=60_000)
        page.wait_for_timeout((KALEIDO_WARM_DELAY_SECONDS + 0.5) * 1000)  # the PNG engine's start is due
        page.get_by_role("link", name="Ward patterns", exact=True).click()  # a page run: the start is held
        with page.expect_download(timeout=30_000) as download:
            page.get_by_role("button", name="Briefing pack (HTML)").click()
        document = Path(download.value.path()).read_text(encoding="utf-8")
        context.close()
    finally:
        process.terminate()
        process.wait(timeout=20)
    assert "Chart not available" not in document
    assert document.count('src="data:image/png;base64,') == 7  # as tests/test_briefing.py counts them
