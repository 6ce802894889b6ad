"""Every page through Streamlit's AppTest on the built store: no exception, the key figures, the
URL round trip and public mode."""

from __future__ import annotations

import json
import re
import shutil

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from analytics.data import store
from analytics.data.police_uk import ingest_police_uk
from tests.conftest import POLICE_DIR, ROOT, db_checksums

PAGES = [
    "overview",
    "incident_types",
    "seasonal",
    "wards",
    "hotspots",
    "districts",
    "crime",
    "ward_profile",
    "tools_powers",
    "data",
    "about",
]
#: The hot-spot page's persistence expander (drawn only when opened), as app_pages/hotspots.py names it.
PERSISTENCE_KEY = "hotspot_persistence_open"
PANEL = {"src": "extract", "d": "Redditch", "pt": "fy", "a": "FY2017", "b": "FY2018", "v": "wd22", "cat": "asb"}


def _text(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption] + [m.value for m in at.metric]
    parts += [w.value for w in at.warning] + [i.value for i in at.info]
    return "\n".join(str(p) for p in parts)


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("params", [PANEL, {}], ids=["extract", "police_uk-default"])
def test_every_page_runs(app, page, params):
    at = app(page, params)
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    if params.get("src") == "extract" and page != "about":
        assert "Synthetic demonstration data" in _text(at)


def test_ward_patterns_show_the_published_grand_total(app):
    at = app("wards", PANEL)
    table, totals = at.dataframe[0].value, at.dataframe[1].value
    # The wards sort on their own; the Grand Total is drawn under them (issue 13).
    assert len(table) == 12 and "Grand Total" not in set(table["Ward"])
    total = totals.iloc[0]
    assert totals["Ward"].tolist() == ["Grand Total"]
    # Headed by the periods, as the panel's table is; the percentage a number written "-8%".
    assert (total["2017-18"], total["2018-19"], total["Difference"], total["Percentage"]) == (3468, 3203, -265, -8)
    assert json.loads(at.dataframe[1].proto.columns)["Percentage"]["type_config"]["format"] == "%d%%"
    assert "fell 8% (-265)" in _text(at)


def test_overview_summary_and_headlines(app):
    at = app(None, PANEL)
    text = _text(at)
    assert "ASB in Redditch fell 8% (-265) between 2017-18 and 2018-19" in text
    assert "Headless Cross and Oakenshaw" in text
    assert at.metric[0].value == "3,203"


def test_incident_types_show_the_published_table(app):
    at = app("incident_types", {**PANEL, "d": ""})
    table = at.dataframe[0].value
    assert table["Type"].tolist()[:3] == ["Other", "Youth related", "Neighbour Dispute"]
    assert table["Mean"].tolist() == [5373, 1505, 1422, 1057, 617, 141, 75]
    assert table["Mean percentage"].tolist() == [53, 15, 14, 10, 6, 1, 1]  # a number, written "53%"
    assert json.loads(at.dataframe[0].proto.columns)["Mean percentage"]["type_config"]["format"] == "%d%%"


def test_the_url_holds_the_whole_state(app):
    params = {
        "src": "police_uk",
        "d": "Wyre Forest",
        "cat": "crime",
        "pt": "months",
        "a": "2024-01..2024-04",
        "b": "2025-01..2025-04",
        "v": "wd25",
        "w": "E05010506",
    }
    at = app("wards", params)
    assert not at.exception
    assert {k: at.query_params[k] for k in params} == params
    assert at.sidebar.radio(key="f_src").value == "police_uk"
    assert at.sidebar.multiselect(key="f_d").value == ["Wyre Forest"]
    assert at.sidebar.selectbox(key="f_w").value == "E05010506"
    # Change a filter: the URL follows, so the copied link reproduces the new screen.
    at.sidebar.radio(key="f_v").set_value("wd22").run()
    assert at.query_params["v"] == "wd22"
    again = app("wards", {k: at.query_params[k] for k in at.query_params})
    assert again.dataframe[0].value.equals(at.dataframe[0].value)


SMALL = re.compile(r"^[0-4]$")


@pytest.mark.parametrize("page", PAGES)
def test_public_mode_shows_no_small_count(app, page):
    at = app(page, {**PANEL, "d": "Redditch", "w": "E05007873"}, public=True)  # Crabbs Cross: small counts
    if page == "hotspots":
        at.session_state[PERSISTENCE_KEY] = True
        at.run()
        assert len(at.dataframe) == 2  # top locations, persistence (the extract has no LSOAs)
    assert not at.exception
    for frame in (d.value for d in at.dataframe):
        for column in frame.columns:
            if any(word in str(column).lower() for word in ("period", "count", "mean", "rows")):
                values = [str(v) for v in frame[column].tolist()]
                assert not any(SMALL.match(v) for v in values), (page, column, values)


def test_hotspot_persistence_is_drawn_only_when_opened(app):
    at = app("hotspots", {"src": "police_uk"})
    assert not at.exception
    assert "Persistence: hot in Jan–Apr 2024 and in Jan–Apr 2025?" in [e.label for e in at.expander]
    assert len(at.dataframe) == 2  # top locations, top LSOAs
    at.session_state[PERSISTENCE_KEY] = True
    at.run()
    assert not at.exception
    moved = at.dataframe[2].value
    persistence = "Hot spot in both periods?"
    assert moved.columns[-1] == persistence and len(moved) > 100
    assert set(moved[persistence]) <= {"Hot in both", "New hot spot", "No longer hot", "Not hot"}
    assert "Hot in both" in set(moved[persistence])
    # Its caption is written as a chart's: the source, the periods, the vintage, what is counted where.
    assert any(
        c.value.startswith(
            "Source: police.uk street-level data (real, open data); periods: Jan–Apr 2024 and Jan–Apr 2025; "
            "wards: WD25; Anti-social behaviour in North Worcestershire"
        )
        for c in at.caption
    ), [c.value for c in at.caption]


# Astwood Bank and Feckenham (WD25, Redditch), police.uk ASB: 4 or fewer in Jan 2024, 6 in Jan 2025.
ONE_SIDE_SMALL = {
    "src": "police_uk",
    "cat": "asb",
    "pt": "months",
    "a": "2024-01",
    "b": "2025-01",
    "v": "wd25",
    "d": "Redditch",
}
ASTWOOD = "E05015615"


def test_public_mode_hides_one_period_alone_alike_in_table_map_and_profile(app):
    """Where only period A's count is small, period B's count and rate show and nothing that joins
    the two periods does, in the ward table, on the map and on the ward profile alike."""
    at = app("wards", ONE_SIDE_SMALL, public=True)
    assert not at.exception
    table = at.dataframe[0].value
    row = table[table["Ward"] == "Astwood Bank and Feckenham"].iloc[0]
    assert row["Jan 2024"] == "<5" and str(row["Jan 2025"]) == "6"
    # Blank (missing, drawn as an empty cell), the columns staying numeric so that they sort as numbers.
    assert row[["Difference", "Percentage", "Rate per 1,000 residents, Jan 2024"]].isna().all()
    assert row["Significant change"] in ("", None) or pd.isna(row["Significant change"])
    shown_rate = row["Rate per 1,000 residents, Jan 2025"]
    assert float(shown_rate) > 0
    deck = json.loads(next(e for e in at.get("deck_gl_json_chart")).proto.json)
    tooltips = [
        f["properties"]["tooltip"]
        for layer in deck["layers"]
        if layer.get("id") == "wards"
        for f in layer["data"]["features"]
        if f["properties"]["tooltip"].startswith("Astwood Bank")
    ]
    assert len(tooltips) == 1, tooltips
    assert f"Rate per 1,000 residents, Jan 2025: {float(shown_rate):.1f}" in tooltips[0]
    assert "Change: not shown" in tooltips[0]

    profile = app("ward_profile", {**ONE_SIDE_SMALL, "w": ASTWOOD}, public=True)
    assert not profile.exception
    count, rate = profile.metric[0], profile.metric[1]
    assert count.value == "6" and not count.delta  # B shows; the change from a hidden A does not
    assert float(rate.value) == float(shown_rate)


@pytest.mark.parametrize("page", ["seasonal", "wards", "ward_profile", "districts"])
def test_public_tables_show_no_placeholder_text(app, page):
    """A public-mode table turns its columns to text (a "<5" beside numbers): a missing month must
    read blank, not "<NA>" or "nan", and a float must not spill 17 digits."""
    at = app(
        page,
        {
            **ONE_SIDE_SMALL,
            "d": "Redditch",
            "v": "wd22",
            "w": "E05007876",
            "a": "2024-01..2024-04",
            "b": "2025-01..2025-04",
        },
        public=True,
    )  # Lodge Park: 66 months missing
    assert not at.exception
    # Text cells only: a numeric column's NaN is drawn by the grid as an empty cell.
    cells = [
        v for d in at.dataframe for column in d.value.columns for v in d.value[column].tolist() if isinstance(v, str)
    ]
    assert cells
    assert not [c for c in cells if c in ("<NA>", "nan", "NaN", "None", "NaT")]
    decimals = [c for c in cells if re.fullmatch(r"-?\d+\.\d+", c)]
    assert not [c for c in decimals if len(c.lstrip("-").replace(".", "").lstrip("0")) > 6], decimals[:5]


def test_public_quality_report_hides_small_counts_in_its_words_too(app):
    at = app("data", {}, public=True)
    assert not at.exception
    report = next(d.value for d in at.dataframe if "Detail" in d.value.columns)
    outside = report[report["Check"].str.startswith("rows outside the districts")]
    assert len(outside) and (outside["Value"].astype(str) == "<5").all()  # none are outside: 0 reads "<5"
    assert outside["Detail"].tolist() == ["<5 of them with no location"] * len(outside)
    # Large numbers in words stay: "of 13,866; Redditch re-warded in May 2024".
    assert report["Detail"].str.contains(r"of \d{1,3},\d{3}").any()


def test_public_overview_counts_rises_as_its_sentence_does(app):
    """Redditch, Jan 2024 against Mar 2025 (police.uk): several wards have a hidden count. Whether
    they rose is not told, in the headline metric as in the sentence."""
    params = {**ONE_SIDE_SMALL, "v": "wd22", "b": "2025-03"}
    at = app(None, params, public=True)
    assert not at.exception
    sentence = re.search(r"(\d+) of the (\d+) wards compared rose \((\d+) wards? with fewer than 5", _text(at))
    assert sentence, _text(at)
    rose, compared, left_out = map(int, sentence.groups())
    assert compared + left_out == 12 and left_out > 0
    metric = next(m for m in at.metric if m.label == "Wards where ASB rose")
    assert metric.value == f"{rose} of {compared} compared"
    significant = re.search(r"(\w+) of them significantly", _text(at))
    named = {"none": 0, "one": 1, "two": 2, "three": 3, "four": 4}.get(significant[1]) if significant else 0
    assert metric.delta == f"{named} significantly"


def test_ward_profile_tables_say_what_they_count(app):
    at = app("ward_profile", {**PANEL, "w": "E05007868"})  # Abbey
    assert not at.exception
    captions = [c.value for c in at.caption]
    assert "." not in captions
    # The ward by its name, not "1 ward(s)".
    assert any(
        c.startswith("Source: ")
        and "Anti-social behaviour in Abbey" in c
        and "2018-19" in c
        and "SYNTHETIC" in c.upper()
        for c in captions
    ), captions
    assert "ward(s)" not in _text(at)


# police.uk holds Jan-Apr of 2024 and all of 2025: the two years are not like for like.
PART_YEAR = {"src": "police_uk", "cat": "asb", "pt": "cy", "a": "CY2024", "b": "CY2025", "v": "wd25", "d": "Redditch"}


@pytest.mark.parametrize("page", ["overview", "wards", "districts", "incident_types", "crime", "ward_profile"])
def test_years_with_missing_months_get_counts_but_no_change(app, page):
    at = app(
        None if page == "overview" else page, {**PART_YEAR, "w": "E05015615"} if page == "ward_profile" else PART_YEAR
    )
    assert not at.exception, at.exception
    text = _text(at)
    if page != "ward_profile":
        assert "Not comparable: police.uk holds 4 of 12 months of 2024 and 12 of 12 of 2025" in text, text
    assert not re.search(r"\b(rose|fell) \d+%|significantly|Significant change", text), text
    # A change reads "+12 (5%)"; the profile's "Redditch: 15.0" beside a rate is a comparison, not a change.
    assert not [m for m in at.metric if m.delta and re.search(r"[+\-−]\d|%", m.delta)], [
        (m.label, m.delta) for m in at.metric
    ]
    for frame in (d.value for d in at.dataframe):
        for column in ("Difference", "Percentage", "Change", "Significant"):
            if column in frame.columns:
                assert frame[column].isna().all() or (frame[column].astype(str).isin(["", "<NA>", "nan"])).all(), (
                    page,
                    column,
                    frame[column].tolist(),
                )


# A month against a year (typed in the sidebar's months): counts, but no change, as on the command line.
UNEQUAL = {"src": "police_uk", "cat": "asb", "pt": "months", "a": "2025-03..2025-03", "b": "2025-01..2025-12"}


@pytest.mark.parametrize("page", ["overview", "wards", "incident_types"])
def test_periods_of_different_lengths_get_counts_but_no_change(app, page):
    at = app(None if page == "overview" else page, UNEQUAL)
    assert not at.exception, at.exception
    text = _text(at)
    assert "Not comparable: Mar 2025 has 1 month and Jan–Dec 2025 has 12" in text, text
    assert not re.search(r"\b(rose|fell) \d+%|significantly", text), text


def test_a_period_with_no_month_held_has_no_count_not_zero(app):
    """April 2017 to March 2018 against the next twelve months on the Crime page from police.uk: it holds
    no month of the first (and 5 of the second), so there is no column of zeros, no chart of it, and no
    change. (With the force extract chosen the page shows the force crime extract:
    tests/test_crime_extract_page.py.)"""
    months = {"pt": "months", "a": "2017-04..2018-03", "b": "2018-04..2019-03"}
    at = app("crime", {**PANEL, "src": "police_uk", **months})
    assert not at.exception
    text = _text(at)
    assert re.search(r"police\.uk holds 0 of 12 months of Apr 2017.Mar 2018", text), text
    assert " in Apr 2017–Mar 2018" not in text.split("Not comparable")[0], text
    table = at.dataframe[0].value
    assert "Period A" not in table.columns and "Difference" not in table.columns, table.columns.tolist()
    assert not at.get("plotly_chart")


def test_a_link_with_a_year_the_source_lacks_keeps_the_periods_in_order(app):
    """The panel's link (2017-18 against 2018-19) with police.uk chosen: police.uk has no 2017-18, so the
    years fall back to its like-for-like pair; they never read "2024-25 ... to 2018-19" (A after B)."""
    at = app("overview", {**PANEL, "src": "police_uk"})
    assert not at.exception
    a, b = (
        str(at.query_params[key][0] if isinstance(at.query_params[key], list) else at.query_params[key]) for key in "ab"
    )
    assert a < b, (a, b)


def test_the_hotspot_map_has_its_legend(app):
    at = app("hotspots", {"src": "police_uk"})
    assert not at.exception
    text = _text(at)
    assert "**Incidents per cell, Jan–Apr 2025**" in text and "Hot spot 99%" in text and "Cold spot 90%" in text
    # "Gi*" is escaped: a bare "*" would end the bold title early (as it did).
    assert "**Gi\\* hot and cold spots (cell outline)**" in text, text


def test_the_data_page_lists_loads_and_undoes_one(built_db, tmp_path, monkeypatch):
    """Issue 12: the Data page offers what `history` and `undo` do, behind the upload password."""
    db = tmp_path / "asb.duckdb"
    shutil.copy(built_db, db)
    before = db_checksums(db)
    conn = store.connect(db)
    try:
        lines = (POLICE_DIR / "2025-01-west-mercia-street.csv").read_bytes().splitlines(keepends=True)
        revised = tmp_path / "2025-01-revised.csv"
        revised.write_bytes(b"".join(lines[:-3]))  # republished without its last 3 rows
        ingest_police_uk(conn, [revised])
    finally:
        conn.close()
    assert db_checksums(db) != before
    monkeypatch.setenv("ASB_DB_PATH", str(db))
    monkeypatch.setenv("ASB_UPLOADS_ENABLED", "true")
    monkeypatch.setenv("ASB_UPLOAD_PASSWORD", "correct horse")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    at.switch_page("app_pages/data.py")
    at.run()
    at.text_input(key="upload_password").input("correct horse").run()
    assert not at.exception, at.exception
    with store.connect(db, read_only=True) as conn:
        newest = conn.execute("SELECT max(load_id) FROM loads").fetchone()[0]
    chooser = at.selectbox(key="undo_load_id")
    assert chooser.value == newest and chooser.options[0] == f"load {newest}: 2025-01-revised.csv"  # latest first
    assert at.button(key="undo_load").disabled  # nothing undone without saying yes
    at.checkbox(key="undo_sure").check().run()
    at.button(key="undo_load").click().run()
    assert not at.exception, at.exception
    assert any("Load" in s.value and "undone" in s.value.lower() for s in at.success), [s.value for s in at.success]
    assert db_checksums(db) == before
