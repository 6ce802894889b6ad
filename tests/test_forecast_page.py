"""The forecast on the Seasonal page and its line on the Overview (Streamlit's AppTest, built store)."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

PANEL = {"src": "extract", "d": "Redditch", "pt": "fy", "a": "FY2017", "b": "FY2018", "v": "wd22", "cat": "asb"}


@pytest.fixture
def app(app):
    """The shared ``app`` (tests/conftest.py), checked to show no error either."""

    def make(page: str, params: dict, public: bool = False) -> AppTest:
        at = app(page, params, public)
        assert not at.error, [e.value for e in at.error]
        return at

    return make


def _markdown(at: AppTest) -> list[str]:
    return [str(m.value) for m in at.markdown]


def test_the_seasonal_page_forecasts_the_synthetic_extract(app):
    at = app("seasonal", PANEL)
    assert "What the coming months should bring" in [s.value for s in at.subheader]
    line = next(m for m in _markdown(at) if m.startswith("What next in Redditch"))
    assert "(SYNTHETIC data), from the months to Aug 2019" in line and "in Oct 2019" in line
    assert any(m.startswith("Tested on the source's own history (153 forecasts") for m in _markdown(at))
    months = at.dataframe[-2].value  # the forecast months, then the backtest
    assert months["Month"].tolist() == ["Sep 2019", "Oct 2019", "Nov 2019", "Dec 2019", "Jan 2020", "Feb 2020"]
    assert (months["80% range, low"] < months["Forecast (incidents)"]).all()
    backtest = at.dataframe[-1].value
    assert backtest["Forecasts tested"].tolist()[-1] == 153
    assert any("SYNTHETIC" in str(c.value) and "Backtest: rolling origin" not in str(c.value) for c in at.caption)


def test_the_seasonal_page_says_why_police_uk_is_not_forecast(app):
    at = app("seasonal", {"src": "police_uk"})
    line = next(m for m in _markdown(at) if m.startswith("What next in North Worcestershire"))
    assert "no forecast, because a seasonal model needs at least 24 continuous months ending Dec 2025" in line
    assert "May–Dec 2024" in line
    assert at.dataframe[-1].value.empty  # the forecast's table: headers, no month
    assert any("24 continuous months" in str(i.value) for i in at.info)


def test_the_overview_has_the_forecast_line(app):
    at = app("overview", PANEL)
    assert any(m.startswith("What next in Redditch (SYNTHETIC data)") for m in _markdown(at))


def test_public_mode_keeps_the_forecast_of_large_counts(app):
    at = app("seasonal", PANEL, public=True)
    months = at.dataframe[-2].value
    assert months["Forecast (incidents)"].astype(float).min() > 100
