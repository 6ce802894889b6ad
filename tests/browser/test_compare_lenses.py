"""The funnel plot (Ward patterns), the NIRS classes and the time of week (Incident types) as a
reader meets them in a real browser: drawn (a funnel of lines and points, a heat map), said in
words, tabled, free of WCAG A/AA problems axe can find; on police.uk, the notes saying what it lacks."""

from __future__ import annotations

import time

import pytest

from analytics.analyses.nirs import NOT_IN_SOURCE as NO_NIRS
from analytics.analyses.time_of_week import NOT_IN_SOURCE as NO_TIMES
from tests.browser.a11y import describe, run_axe
from tests.browser.conftest import ARTIFACTS

READY = '[data-testid="stApp"][data-test-script-state="notRunning"]'
PANEL = "src=extract&d=Redditch&pt=fy&a=FY2017&b=FY2018&v=wd22&cat=asb"
POLICE = "src=police_uk&cat=asb"


@pytest.fixture
def long_page(browser):
    """A tab tall enough that the sections at the foot of the page are drawn."""
    context = browser.new_context(viewport={"width": 1400, "height": 6000})
    yield context.new_page()
    context.close()


def _open(page, url: str) -> None:
    page.goto(url)
    page.wait_for_selector(READY, timeout=90_000)
    time.sleep(1.5)  # charts and grids are drawn a moment after the script ends


def _chart(page, name: str):
    """The plotly chart the page drew under ``name`` (ui.render.show_chart's container key)."""
    chart = page.locator(f".st-key-chart-box-{name} .js-plotly-plot, [class*='chart-box-{name}'] .js-plotly-plot")
    chart.first.wait_for(timeout=30_000)
    return chart.first


def _traces(chart) -> list[dict]:
    return chart.evaluate("el => el.data.map(t => ({type: t.type || 'scatter', name: t.name, mode: t.mode}))")


def _axe_problems(page) -> list[str]:
    return describe(run_axe(page)["violations"])


def test_ward_patterns_draws_the_funnel_and_names_the_outliers(server, long_page):
    _open(long_page, f"{server}/wards?{PANEL}")
    main = long_page.locator('[data-testid="stMain"]')
    long_page.get_by_text("Which wards are unusual for their size?").wait_for(timeout=30_000)
    long_page.get_by_text("Against Redditch's rate of").wait_for(timeout=30_000)
    text = main.inner_text()
    assert "Against Redditch's rate of" in text and "Abbey and Greenlands lie above the 99.8% limits" in text
    assert "over-dispersion" in text
    traces = _traces(_chart(long_page, "funnel-ward"))
    lines = [t for t in traces if t["mode"] == "lines"]
    points = [t for t in traces if t["mode"] and "markers" in t["mode"]]
    assert {t["name"] for t in lines} >= {"95% limits", "99.8% limits", "Redditch's rate"}
    assert {t["name"] for t in points} >= {"Above 99.8% limits", "Within limits"}
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    _chart(long_page, "funnel-ward").screenshot(path=str(ARTIFACTS / "funnel.png"))
    assert not _axe_problems(long_page)


def test_incident_types_show_nirs_classes_and_the_time_of_week(server, long_page):
    _open(long_page, f"{server}/incident_types?{PANEL}")
    long_page.get_by_text("Time of week: when ASB is reported").wait_for(timeout=30_000)
    long_page.get_by_text("Most reports came on").wait_for(timeout=30_000)
    text = long_page.locator('[data-testid="stMain"]').inner_text()
    assert "of ASB in Redditch was Nuisance" in text and "Personal: deliberately targeted" in text
    assert "Report time is when the incident was reported to the police, not when it happened" in text
    assert "Most reports came on" in text
    assert {t["name"] for t in _traces(_chart(long_page, "nirs"))} >= {"2017-18", "2018-19"}
    heat = _chart(long_page, "time-of-week")
    assert [t["type"] for t in _traces(heat)] == ["heatmap"]
    assert heat.evaluate("el => el.data[0].z.length") == 7  # Monday to Sunday
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    heat.screenshot(path=str(ARTIFACTS / "time-of-week.png"))
    assert not _axe_problems(long_page)


def test_police_uk_says_it_has_neither_field(server, long_page):
    _open(long_page, f"{server}/incident_types?{POLICE}")
    text = long_page.locator('[data-testid="stMain"]').inner_text()
    assert NO_NIRS in text and NO_TIMES in text
    assert not long_page.locator(".st-key-chart-box-time-of-week").count()
