"""The force crime extract in a real browser: the panel's link with the force extract chosen opens the
Crime page on the synthetic crime extract, under its SYNTHETIC label, writing the 2016/17 briefing's
year-to-date sentence; the chart of crime types draws (not blank); public mode changes none of it."""

from __future__ import annotations

import pytest

from tests.browser.conftest import start_server
from tests.browser.test_e2e import PLOTLY, READY, _drawn

LINK = "/crime?src=extract&d=Redditch&pt=fy&a=FY2017&b=FY2018&v=wd22&cat=asb"
SENTENCE = "Year to date, all recorded crime in Redditch shows a 13% increase or 570 more offences"


def _check(page, url: str) -> None:
    page.goto(url + LINK)
    page.wait_for_selector(READY, timeout=60_000)
    page.get_by_text(SENTENCE).wait_for(timeout=30_000)
    body = page.inner_text("body")
    assert "Bromsgrove has seen an 8% increase and Wyre Forest an 11% increase" in body
    assert "force crime extract shown here is generated" in body and "It is not police data." in body
    # The crime types of the same year to date, as a chart that has drawn.
    page.get_by_text("Crime type", exact=True).first.click()
    page.wait_for_selector(READY, timeout=60_000)
    assert _drawn(page, PLOTLY) > 0.02


def test_the_crime_page_shows_the_briefing_from_the_synthetic_crime_extract(server, page):
    _check(page, server)


@pytest.fixture
def public_server(built_db):
    process, url = start_server(built_db, {"ASB_PUBLIC_MODE": "true"})
    yield url
    process.terminate()
    process.wait(timeout=10)


def test_public_mode_shows_the_same_briefing(public_server, page):
    _check(page, public_server)
