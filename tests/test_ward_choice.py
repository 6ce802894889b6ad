"""The councillor's ward survives a change of boundaries or source (ui/sidebar.py with
analytics/analyses/ward_twins.py), through AppTest on the built store."""

from __future__ import annotations

import json

import pytest

from analytics.analyses.ward_twins import ward_twins
from analytics.data.outlines import ward_outlines
from tests.map_frames import segment_lines

REDDITCH_WD22 = {"src": "extract", "d": "Redditch", "pt": "fy", "a": "FY2017", "b": "FY2018", "v": "wd22"}


def _code(conn, name: str, vintage: str) -> str:
    return conn.execute(
        "SELECT ward_code FROM wards WHERE ward_name = ? AND vintage = ? AND district = 'Redditch'", [name, vintage]
    ).fetchone()[0]


def test_every_ward_has_a_twin_in_the_other_vintage(built_conn):
    twins = ward_twins(built_conn)
    wards = built_conn.execute("SELECT vintage, ward_code FROM wards").fetchall()
    have = set(zip(twins.from_vintage, twins.from_code, strict=True))
    assert set(wards) <= have
    # A ward whose code is in both vintages is its own twin, alone.
    same = twins[twins.lsoas.isna()]
    assert (same.from_code == same.to_code).all() and len(same)


def test_a_ward_inside_one_new_ward_follows_it(app, built_conn):
    church_hill = _code(built_conn, "Church Hill", "wd22")
    at = app(params={**REDDITCH_WD22, "w": church_hill})
    at.radio(key="f_v").set_value("wd25").run()
    assert not at.exception, at.exception
    assert at.selectbox(key="f_w").value == _code(built_conn, "North", "wd25")
    assert at.query_params["w"] in (at.selectbox(key="f_w").value, [at.selectbox(key="f_w").value])
    assert any("Church Hill (WD22) lies within North (WD25)" in i.value for i in at.sidebar.info)


def test_a_ward_split_between_new_wards_names_them_and_offers_them(app, built_conn):
    abbey = _code(built_conn, "Abbey", "wd22")
    at = app(params={**REDDITCH_WD22, "w": abbey})
    at.radio(key="f_v").set_value("wd25").run()
    assert at.selectbox(key="f_w").value == ""
    note = " ".join(i.value for i in at.sidebar.info)
    for name in ("North", "Central", "Greenlands and Lakeside"):
        assert name in note, note
    north = _code(built_conn, "North", "wd25")
    at.button(key=f"ward-choice-{north}").click().run()
    assert at.selectbox(key="f_w").value == north


def test_a_link_to_a_ward_of_the_other_vintage_says_where_it_went(app, built_conn):
    church_hill = _code(built_conn, "Church Hill", "wd22")
    at = app(params={**REDDITCH_WD22, "v": "wd25", "w": church_hill})
    assert not at.exception, at.exception
    assert at.selectbox(key="f_w").value == _code(built_conn, "North", "wd25")
    assert any("Church Hill (WD22)" in i.value for i in at.sidebar.info)


def test_switching_source_keeps_the_ward(app, built_conn):
    winyates = _code(built_conn, "Winyates", "wd22")
    at = app(params={**REDDITCH_WD22, "w": winyates})
    at.radio(key="f_src").set_value("police_uk").run()
    assert not at.exception, at.exception
    assert at.radio(key="f_v").value == "wd25"
    assert at.selectbox(key="f_w").value == _code(built_conn, "Winyates", "wd25")
    assert at.multiselect(key="f_d").value == ["Redditch"]
    assert any("Switched to police.uk" in i.value for i in at.sidebar.info)


def test_wards_are_offered_in_both_spellings(app, built_conn):
    at = app(params=REDDITCH_WD22)
    box = at.selectbox(key="f_w")
    assert "Batchley and Brockhill (Redditch; ONS: Batchley & Brockhill)" in box.options, box.options


def test_a_ward_chosen_on_its_profile_is_in_the_link(app, built_conn):
    at = app(params=REDDITCH_WD22)
    at.switch_page("app_pages/ward_profile.py").run()
    assert not at.exception, at.exception
    abbey = _code(built_conn, "Abbey", "wd22")
    at.selectbox(key="profile_ward").set_value(abbey).run()
    assert not at.exception, at.exception
    assert at.query_params["w"] in (abbey, [abbey])
    assert at.selectbox(key="f_w").value == abbey
    assert any("Abbey" in s.value for s in at.subheader)


def test_the_overview_leads_with_the_chosen_ward(app, built_conn):
    abbey = _code(built_conn, "Abbey", "wd22")
    at = app(params={**REDDITCH_WD22, "cat": "asb", "w": abbey})
    assert not at.exception, at.exception
    sentences = [m.value for m in at.markdown]
    assert any(s.startswith("#### ASB in Abbey ") for s in sentences), sentences
    labels = [m.label for m in at.metric]
    assert labels[0] == "ASB in Abbey, 2018-19" and "ASB in Redditch, 2018-19" in labels, labels
    # Without a ward the page is about the area alone.
    at = app(params={**REDDITCH_WD22, "cat": "asb"})
    assert not any("Abbey" in m.label for m in at.metric)


@pytest.mark.parametrize(
    "page, url_key, widget_key, value",
    [
        ("wards", "wm", "ward_measure", "rate_b_per_1000"),
        ("districts", "dm", "district_measure", "rate"),
        ("crime", "by", "crime_by", "ward"),
    ],
)
def test_a_pages_own_choice_is_in_the_link_and_reopens(app, page, url_key, widget_key, value):
    params = {**REDDITCH_WD22, "src": "police_uk", "v": "wd25", "pt": "months", "a": "2024-01..2024-04"}
    params["b"] = "2025-01..2025-04"
    at = app(params=params)
    at.switch_page(f"app_pages/{page}.py").run()
    at.segmented_control(key=widget_key).set_value(value).run()
    assert not at.exception, at.exception
    linked = at.query_params[url_key]
    assert linked in (value, [value])
    # The copied link, opened afresh, shows the same choice.
    again = app(params={**params, url_key: value})
    again.switch_page(f"app_pages/{page}.py").run()
    assert again.segmented_control(key=widget_key).value == value


def test_ward_patterns_and_districts_say_what_they_do_with_the_ward(app, built_conn):
    abbey = _code(built_conn, "Abbey", "wd22")
    at = app(params={**REDDITCH_WD22, "w": abbey})
    at.switch_page("app_pages/wards.py").run()
    assert not at.exception, at.exception
    assert any(m.value.startswith("**ASB in Abbey ") for m in at.markdown)
    deck = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
    # Abbey's boundary, and only Abbey's, drawn thick (segments of a line layer).
    chosen = [layer for layer in deck["layers"] if layer["id"] == "chosen-wards"]
    abbey_shape = ward_outlines(built_conn, "wd22").set_index("ward_code").geometry[abbey]
    assert segment_lines(chosen[0]).hausdorff_distance(abbey_shape.boundary) < 1e-5
    at.switch_page("app_pages/districts.py").run()
    assert any("Abbey (Redditch) is chosen" in i.value for i in at.info)
