"""The forecast on the Seasonal page in a real browser: standing in September 2019 on the synthetic
extract, the chart of the months held and the forecast draws (not blank), and the forecast's CSV
downloads with its intervals and what it is; on police.uk the reason there is no forecast, in the
page and in the download."""

from __future__ import annotations

from pathlib import Path

from tests.browser.test_e2e import PANEL, READY, _drawn

FORECAST_CHART = ".st-key-chart-box-forecast [data-testid='stPlotlyChart']"


def _download(page) -> str:
    button = page.locator(".st-key-csv-forecast button")
    button.scroll_into_view_if_needed()
    with page.expect_download(timeout=30_000) as download:
        button.click()
    return Path(download.value.path()).read_text(encoding="utf-8-sig")


def test_the_seasonal_page_forecasts_october_and_november(server, page):
    page.goto(f"{server}/seasonal?{PANEL}")
    page.wait_for_selector(READY, timeout=60_000)
    page.get_by_text("What the coming months should bring", exact=True).wait_for(timeout=30_000)
    body = page.inner_text("body")
    assert "What next in Redditch (SYNTHETIC data), from the months to Aug 2019" in body
    assert _drawn(page, FORECAST_CHART) > 0.02
    csv = _download(page)
    head = [line for line in csv.splitlines() if line.startswith("#")]
    rows = [line for line in csv.splitlines() if line and not line.startswith("#")]
    assert any("SYNTHETIC" in line for line in head) and any("Backtest: rolling origin" in line for line in head)
    assert rows[0].startswith("Month,Months ahead,Forecast (incidents),")
    assert "80% range, low" in rows[0] and "95% range, high" in rows[0] and "Backtest: MASE" in rows[0]
    assert [row.split(",")[0] for row in rows[1:4]] == ["Sep 2019", "Oct 2019", "Nov 2019"]


def test_police_uk_says_why_there_is_no_forecast(server, page):
    page.goto(f"{server}/seasonal?src=police_uk")
    page.wait_for_selector(READY, timeout=60_000)
    page.get_by_text("What the coming months should bring", exact=True).wait_for(timeout=30_000)
    body = page.inner_text("body")
    assert "no forecast, because a seasonal model needs at least 24 continuous months ending Dec 2025" in body
    assert page.locator(FORECAST_CHART).count() == 0  # nothing drawn that the months cannot support
    csv = _download(page)
    assert any("Not forecast" in line and "May–Dec 2024" in line for line in csv.splitlines() if line.startswith("#"))
