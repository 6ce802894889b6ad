"""The funnel (Ward patterns), NIRS and time-of-week (Incident types) sections through AppTest:
what they say on the extract, what they say on police.uk, the NIRS grouping in the link, and
public mode."""

from __future__ import annotations

import re

from analytics.analyses.nirs import NOT_IN_SOURCE as NO_NIRS
from analytics.analyses.time_of_week import NOT_IN_SOURCE as NO_TIMES
from analytics.analyses.time_of_week import REPORT_TIME_NOTE
from tests.test_pages import PANEL, _text


def _frames_with(at, header: str):
    return [d.value for d in at.dataframe if header in d.value.columns]


def test_ward_patterns_names_the_wards_outside_the_funnel(app):  # noqa: F811
    at = app("wards", PANEL)
    assert not at.exception and not at.error
    text = _text(at)
    assert "Against Redditch's rate of" in text and "above the 99.8% limits" in text
    assert "Limits are wide where a ward has few residents" in text
    funnel = _frames_with(at, "Against the area's rate")
    assert len(funnel) == 1 and len(funnel[0]) == 12
    above = funnel[0][funnel[0]["Against the area's rate"] == "Above 99.8% limits"]["Ward"].tolist()
    assert above and all(name in text for name in above)


def test_incident_types_show_nirs_and_time_of_week_on_the_extract(app):  # noqa: F811
    at = app("incident_types", PANEL)
    assert not at.exception and not at.error
    text = _text(at)
    assert re.search(r"In 2018-19, \d+% of ASB in Redditch was Nuisance", text)
    assert REPORT_TIME_NOTE in text and "Most reports came on" in text
    classes = _frames_with(at, "NIRS class")
    assert classes and classes[0]["NIRS class"].tolist() == ["Personal", "Nuisance", "Environmental"]
    # The grouping is a page choice kept in the link.
    at.segmented_control(key="nirs_by").set_value("ward").run()
    assert at.query_params["nb"] == "ward"
    assert len(_frames_with(at, "NIRS class")[0]) == 12 * 3


def test_incident_types_on_police_uk_say_what_it_lacks(app):  # noqa: F811
    at = app("incident_types", {})
    assert not at.exception and not at.error
    infos = [i.value for i in at.info]
    assert NO_NIRS in infos and NO_TIMES in infos
    assert not _frames_with(at, "NIRS class")


def test_public_mode_new_tables_hide_small_counts(app):  # noqa: F811
    at = app("incident_types", {**PANEL, "w": "E05007873"}, public=True)  # Crabbs Cross
    assert not at.exception
    frames = _frames_with(at, "NIRS class") + _frames_with(at, "Hour")
    assert any((frame == "<5").any().any() for frame in frames)  # the check meets hidden counts
    for frame in frames:
        for column in frame.columns:
            if re.fullmatch(r"\d{4}-\d{2}|Incidents", str(column)):
                assert not any(re.fullmatch(r"[0-4]", str(v)) for v in frame[column]), (column, frame[column])


def test_districts_page_puts_the_three_districts_on_a_funnel(app):  # noqa: F811
    """Issue 15: the funnel on Districts too, North Worcestershire's three districts (the ones with a
    population carried) against their combined rate; the sentence names those outside the limits."""
    at = app("districts", PANEL)
    assert not at.exception and not at.error
    assert any("Which districts are unusual for their size?" in s.value for s in at.subheader)
    funnel = _frames_with(at, "Against the area's rate")
    assert len(funnel) == 1 and sorted(funnel[0]["District"]) == ["Bromsgrove", "Redditch", "Wyre Forest"]
    text = _text(at)
    assert "Against North Worcestershire's rate of" in text
    outside = funnel[0][funnel[0]["Against the area's rate"] != "Within limits"]["District"].tolist()
    assert all(name in text for name in outside)
