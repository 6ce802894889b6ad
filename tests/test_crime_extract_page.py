"""The Crime page on the force crime extract (app_pages/crime.py): with the force extract chosen as
the source it writes the 2016/17 briefing's year-to-date sentence under the synthetic label."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

PANEL = {"src": "extract", "d": "Redditch", "pt": "fy", "a": "FY2017", "b": "FY2018", "v": "wd22", "cat": "asb"}
SENTENCE = (
    "Year to date, all recorded crime in Redditch shows a 13% increase or 570 more offences compared to the "
    "same period last year. Bromsgrove has seen an 8% increase and Wyre Forest an 11% increase; North "
    "Worcestershire as a whole an 11% increase."
)


@pytest.fixture
def crime_page(app):
    def make(params: dict, public: bool = False) -> AppTest:
        at = app("crime", params, public)
        assert not at.error, [e.value for e in at.error]
        return at

    return make


def _text(at: AppTest) -> str:
    return "\n".join(str(x.value) for x in [*at.markdown, *at.caption, *at.warning, *at.info])


@pytest.mark.parametrize("public", [False, True], ids=["open", "public mode"])
def test_the_crime_page_writes_the_briefings_year_to_date_with_the_synthetic_label(crime_page, public):
    at = crime_page(PANEL, public)
    text = _text(at)
    assert SENTENCE in text, text
    assert "force crime extract shown here is generated" in text and "It is not police data." in text
    assert "force ASB extract shown here" not in text  # its own label, not the ASB extract's
    assert at.selectbox(key="crime_ytd_end").value == "2017-02"
    table = at.dataframe[0].value  # the sidebar's district, headed by the periods
    assert table.columns[1:3].tolist() == ["2015-16 to date (Apr 2015–Feb 2016)", "2016-17 to date (Apr 2016–Feb 2017)"]
    assert table.iloc[0, :4].tolist() == ["Redditch", 4385, 4955, 570]
    assert [b.label for b in at.get("download_button")].count("Briefing pack of the crime extract (HTML)") == 1


def test_another_year_to_date_and_the_police_uk_source_stay_apart(crime_page):
    at = crime_page(PANEL)
    at.selectbox(key="crime_ytd_end").set_value("2016-10").run()
    text = _text(at)
    assert "2016-17 to date (Apr–Oct 2016)" in text and SENTENCE not in text
    police = _text(crime_page({**PANEL, "src": "police_uk"}))
    assert "Recorded crime from police.uk" in police and "force crime extract" not in police


def test_the_briefing_pack_takes_the_crime_extract(built_conn):
    from analytics.core.periods import parse_period
    from analytics.core.selection import Selection
    from analytics.reports.briefing import briefing_pack

    selection = Selection("crime_extract", "crime", districts=("Redditch",))
    pack = briefing_pack(
        built_conn, selection, parse_period("2015-04..2016-02"), parse_period("2016-04..2017-02"), with_charts=False
    )
    assert "Recorded Crime Overview: Redditch" in pack and "SYNTHETIC demonstration data" in pack
    assert "force recorded-crime extract" in pack and "Anti-social behaviour" not in pack
