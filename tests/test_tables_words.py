"""Issue 13, Build 3 to 5, through AppTest and the functions behind them: plain headers and words,
periods named by the months the source holds, numbers that stay numbers, totals at the foot.
(tests/browser/test_tables_words.py clicks the same tables in a real browser.)"""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest

from analytics.core.table_meta import PeriodCoverage, TableMeta
from analytics.present.words import NUMBER_FORMATS, column_header, format_p, plain_header

PANEL = {"src": "extract", "d": "Redditch", "pt": "fy", "a": "FY2017", "b": "FY2018", "v": "wd22", "cat": "asb"}
POLICE = {"src": "police_uk", "cat": "asb"}
PAGES = ["overview", "incident_types", "seasonal", "wards", "hotspots", "districts", "crime", "ward_profile", "data"]
PAGES.insert(-1, "tools_powers")  # the register and "did it work?" (issue 19)
#: A column's own name: lower-case words joined by "_" (count_a, gi_z_a, rows_by_lsoa).
RAW_NAME = re.compile(r"^[a-z0-9]+(_[a-z0-9]+)+$")
#: The pages whose tables are all drawn by ui.render.show_table (the Data page draws three itself).
SHOW_TABLE_PAGES = [p for p in PAGES if p != "data"]


def _config(frame_element) -> dict:
    return json.loads(frame_element.proto.columns or "{}")


# ---------------------------------------------------------------------------
# The words
# ---------------------------------------------------------------------------


def test_a_period_column_is_headed_by_the_period_as_shown():
    meta = TableMeta(period_a=PeriodCoverage("2017-18", 12, tuple(f"m{i}" for i in range(12))),
                     period_b=PeriodCoverage("2018-19", 12, tuple(f"m{i}" for i in range(7))))  # fmt: skip
    assert column_header("count_a", meta) == "2017-18 (no month held)"
    assert column_header("count_b", meta) == "2018-19 (5 of 12 months held)"
    assert column_header("rate_b_per_1000", meta) == "Rate per 1,000 residents, 2018-19 (5 of 12 months held)"
    assert column_header("gi_z_a", meta) == "Gi* z-score, 2017-18 (no month held)"
    assert column_header("pct_change", meta) == "Change"
    # A model's code name is not for a reader: not shown at all, and never by its own name.
    assert column_header("method_code", meta) is None
    assert plain_header("rows_moved", meta) == "Rows moved"


@pytest.mark.parametrize(
    ("p", "text"), [(0.0, "p < 0.001"), (0.0004, "p < 0.001"), (0.0012, "p = 0.001"), (0.2299, "p = 0.230")]
)
def test_a_p_value_is_never_written_as_zero(p, text):
    assert format_p(p) == text


def test_counts_rates_and_percentages_have_one_way_of_being_written():
    assert {NUMBER_FORMATS[c] for c in ("count_a", "count_b", "difference", "count", "population_mid2018")} == {"%,d"}
    assert {NUMBER_FORMATS[c] for c in ("rate_a_per_1000", "rate_b_per_1000", "share_pct")} == {"%,.1f"}  # 3.0
    assert NUMBER_FORMATS["pct_change"] == NUMBER_FORMATS["mean_pct"] == "%d%%"


def test_a_table_a_page_draws_itself_reads_in_plain_words():
    from ui.render import on_screen

    frame = pd.DataFrame(
        {
            "month": ["2015-04", "2015-05"],
            "police_uk": [float("nan"), 2610.0],  # a pivot's counts are floats
            "file_name": ["/srv/app/data/police_uk/2018-10-west-mercia-street.csv", "b.csv"],
            "rows_by_lsoa": [1105, 0],
            "vintage": ["wd22", "wd25"],
        }
    )
    styled = on_screen(frame)
    assert list(styled.data.columns) == [
        "Month",
        "police.uk",
        "File",
        "Rows placed through their LSOA",
        "Ward boundaries",
    ]
    cells = re.findall(r">([^<]*)</td>", styled.to_html())
    assert "2018-10-west-mercia-street.csv" in cells and not [c for c in cells if "/srv" in c]
    assert "1,105" in cells and "2,610" in cells and "2610.0" not in cells and "nan" not in cells
    assert "WD22" in cells
    assert styled.data["police.uk"].dtype.kind == "f"  # still numbers: they sort as numbers


# ---------------------------------------------------------------------------
# The pages
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("params", [PANEL, POLICE], ids=["extract", "police_uk"])
@pytest.mark.parametrize("page", PAGES)
def test_no_page_heads_a_table_with_a_column_name(app, page, params):
    if page == "ward_profile":  # a ward to profile: Abbey (WD22) or Astwood Bank and Feckenham (WD25)
        params = {**params, "w": "E05007868" if params is PANEL else "E05015615"}
    at = app(page, params)
    if page == "hotspots":  # the persistence table is drawn when its expander is opened
        at.session_state["hotspot_persistence_open"] = True
        at.run()
    headers = [str(h) for frame in at.dataframe for h in frame.value.columns]
    assert headers or page == "overview"  # the Overview has no table
    assert not [h for h in headers if RAW_NAME.match(h) or h in ("Period A", "Period B")], headers
    text = "\n".join(str(e.value) for e in [*at.markdown, *at.caption, *at.metric])
    assert "p = 0.000" not in text and "Getis-Ord Gi* (queen" not in text and "STL (period 12" not in text


@pytest.mark.parametrize("page", SHOW_TABLE_PAGES)
def test_numbers_stay_numbers_written_with_separators_and_blanks_for_missing(app, page):
    ward = {"w": "E05015615"} if page == "ward_profile" else {}  # Astwood Bank and Feckenham (WD25)
    at = app(page, {**POLICE, "pt": "cy", "a": "CY2024", "b": "CY2025", **ward})
    assert at.dataframe or page == "overview"
    for frame in at.dataframe:
        assert frame.proto.placeholder == ""  # a missing value is a blank cell, never "None"
        config, value = _config(frame), frame.value
        for header in value.columns:
            if pd.api.types.is_numeric_dtype(value[header]) and not pd.api.types.is_bool_dtype(value[header]):
                assert config.get(header, {}).get("type_config", {}).get("format"), (page, header)


def test_the_panels_tables_are_headed_by_their_years(app):
    at = app("incident_types", PANEL)
    assert list(at.dataframe[0].value.columns[:5]) == ["Type", "2017-18", "2018-19", "Difference", "Change"]
    at = app("districts", PANEL)
    body, total = at.dataframe[0].value, at.dataframe[1].value
    assert "North Worcestershire" not in set(body["District"]) and total["District"].tolist() == [
        "North Worcestershire"
    ]
    assert _config(at.dataframe[0])["Rate per 1,000 residents, 2018-19"]["type_config"]["format"] == "%,.1f"


def test_a_partly_held_period_is_named_by_its_months_on_the_overview(app):
    at = app("overview", PANEL)
    labels = [m.label for m in at.metric]
    # police.uk holds Oct 2018 to Feb 2019 of 2018-19: "2,707" is not a year of recorded crime.
    assert "Recorded crime (police.uk), 2018-19 (5 of 12 months held)" in labels
    assert at.metric[1].value == "2,707"
    # North Worcestershire's ASB fell 6% (-626): p is far below 0.001, written so.
    at = app("overview", {**PANEL, "d": ""})
    assert any("(E-test, p < 0.001)" in c.value for c in at.caption), [c.value for c in at.caption]


def test_a_chart_of_a_partly_held_year_says_so_in_its_legend(app):
    at = app("districts", {**POLICE, "pt": "cy", "a": "CY2024", "b": "CY2025", "v": "wd25"})
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    names = {trace.get("name") for trace in spec["data"]}
    assert "2024 (4 of 12 months held)" in names and "2025" in names
    assert "2024 (4 of 12 months held)" in list(at.dataframe[0].value.columns)


def test_public_mode_keeps_the_plain_headers_and_blank_cells(app):
    params = {**POLICE, "pt": "months", "a": "2024-01", "b": "2025-01", "v": "wd25", "d": "Redditch"}
    at = app("wards", params, public=True)
    table = at.dataframe[0].value
    assert list(table.columns[:4]) == ["Ward", "District", "Jan 2024", "Jan 2025"]
    assert "<5" in set(table["Jan 2024"].astype(str))
    # A blanked derived value is missing, so the column stays numeric (it sorts as numbers).
    assert pd.api.types.is_numeric_dtype(table["Percentage"])
