"""Charts as data: every builder on hand-made frames (tests/chart_frames.py) and the built store,
checked through ``fig.to_json()``; golden files for two figures, so a change to what is drawn is
read in a diff; public mode checked by looking for every hidden number in everything the figure
would show. The caption is tested in test_layout.py, the PNG in test_png.py.

Regenerate the golden files after a deliberate change with ``UPDATE_GOLDEN=1 pytest tests/test_charts.py``.
"""

from __future__ import annotations

import copy
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from analytics.analyses.decomposition import decomposition
from analytics.analyses.districts import districts_table
from analytics.analyses.incident_types import incident_types
from analytics.analyses.seasonal_profile import month_of_year_profile
from analytics.analyses.wards import ward_deltas
from analytics.analyses.year_on_year import year_on_year
from analytics.core.disclosure import suppress
from analytics.core.errors import AnalyticsError
from analytics.core.periods import parse_period
from analytics.core.selection import Selection
from analytics.core.table_meta import meta_of, with_meta
from analytics.core.vocabulary import BLUE, OKABE_ITO
from analytics.present import charts
from analytics.present.alt_text import alt_text
from analytics.present.layout import MIN_FONT_SIZE, caption
from analytics.present.style import BAND_FILL, FALL_COLOUR, FLAG_COLOUR, HIGHLIGHT_COLOUR, NO_DATA_FILL, RISE_COLOUR
from tests.chart_frames import (
    MONTHLY_HIDDEN,
    WARD_HIDDEN,
    crime_frame,
    districts_frame,
    monthly_frame,
    profile_frame,
    types_frame,
    ward_frame,
    year_on_year_frame,
)

GOLDEN = Path(__file__).resolve().parent / "data" / "charts"
FY2017, FY2018 = parse_period("FY2017"), parse_period("FY2018")

# name: (builder, frame, options, numbers public mode must hide, threshold). The year-on-year check
# uses a threshold of 20 so that its hidden count (17) cannot be confused with a month position 1-12.
BUILDERS = {
    "incident_types": (charts.incident_types_chart, types_frame, {}, {2}, 5),
    "ward_difference": (charts.ward_deltas_chart, ward_frame, {"measure": "difference"}, WARD_HIDDEN, 5),
    "ward_pct_change": (charts.ward_deltas_chart, ward_frame, {"measure": "pct_change"}, WARD_HIDDEN, 5),
    "ward_count": (charts.ward_deltas_chart, ward_frame, {"measure": "count"}, WARD_HIDDEN, 5),
    "ward_rate": (charts.ward_deltas_chart, ward_frame, {"measure": "rate"}, WARD_HIDDEN, 5),
    "districts_count": (charts.districts_chart, districts_frame, {}, {3, 0.07}, 5),
    "districts_rate": (charts.districts_chart, districts_frame, {"measure": "rate"}, {3, 0.07}, 5),
    "crime": (charts.crime_ytd_chart, crime_frame, {}, {3, 19}, 5),
    "monthly": (charts.monthly_chart, monthly_frame, {}, MONTHLY_HIDDEN, 5),
    "profile": (charts.profile_chart, profile_frame, {}, {2.0, int(profile_frame()["index"][1])}, 5),
    "year_on_year": (charts.year_on_year_chart, year_on_year_frame, {}, {17}, 20),
    "trend": (charts.trend_chart, monthly_frame, {}, {3, 4}, 5),
}


# ---------------------------------------------------------------------------
# Reading a figure as data
# ---------------------------------------------------------------------------


def spec(fig) -> dict:
    """The figure as plotly would send it to the browser, without the (large, constant) template."""
    out = json.loads(fig.to_json())
    out["layout"].pop("template", None)
    return out


def shown(fig) -> list:
    """Everything a reader can see or hover: traces, annotations, titles, tick labels, meta."""
    figure = spec(fig)
    layout = figure["layout"]
    parts = [figure["data"], layout.get("annotations", []), layout.get("meta"), layout.get("title")]
    for key, axis in layout.items():
        if key.startswith(("xaxis", "yaxis")):
            parts.append({k: axis[k] for k in ("ticktext", "categoryarray", "title") if k in axis})
    return parts


_STYLE_KEYS = {"size", "width", "solidity", "opacity", "standoff"}
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}(T[\d:.]+)?")
_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")


def numbers_in(obj, key=None) -> set[float]:
    """Every number in data arrays and in text (as written: "1,900" is 1900), sign dropped."""
    found: set[float] = set()
    if isinstance(obj, dict):
        for k, v in obj.items():
            found |= numbers_in(v, k)
    elif isinstance(obj, list):
        for v in obj:
            found |= numbers_in(v, key)
    elif isinstance(obj, bool) or obj is None:
        pass
    elif isinstance(obj, (int, float)):
        if key not in _STYLE_KEYS:
            found.add(round(abs(float(obj)), 6))
    elif isinstance(obj, str) and not obj.startswith(("#", "rgb")):  # colours are not numbers shown
        for token in _NUMBER.findall(_ISO_DATE.sub(" ", obj)):
            found.add(round(float(token.rstrip(",").replace(",", "")), 6))
    return found


def colours_in(obj, key=None) -> set[str]:
    found: set[str] = set()
    if isinstance(obj, dict):
        for k, v in obj.items():
            found |= colours_in(v, k)
    elif isinstance(obj, list):
        for v in obj:
            found |= colours_in(v, key)
    elif isinstance(obj, str) and key in ("color", "fillcolor", "fgcolor", "bgcolor"):
        found.add(obj.upper() if obj.startswith("#") else obj)
    return found


def font_sizes(obj, parent="") -> list[tuple[str, float]]:
    sizes = []
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k == "size" and parent.endswith("font") and isinstance(v, (int, float)):
                sizes.append((parent, v))
            sizes += font_sizes(v, k)
    elif isinstance(obj, list):
        for v in obj:
            sizes += font_sizes(v, parent)
    return sizes


# ---------------------------------------------------------------------------
# What every figure has
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(BUILDERS))
@pytest.mark.parametrize("suppress_below", [None, 5])
def test_every_figure_has_titles_caption_alt_text_and_house_style(name, suppress_below):
    build, make, options, _, _ = BUILDERS[name]
    frame = make()
    before, attrs_before = frame.copy(deep=True), copy.deepcopy(frame.attrs)
    fig = build(frame, suppress_below=suppress_below, **options)
    # The frame is left alone.
    pd.testing.assert_frame_equal(frame, before)
    assert frame.attrs == attrs_before

    figure = spec(fig)
    layout = figure["layout"]
    assert layout["title"]["text"]
    assert layout["xaxis"]["title"]["text"] and layout["yaxis"]["title"]["text"]
    meta = layout["meta"]
    assert meta["caption"] == caption(frame, suppress_below)
    assert meta["caption"].startswith("Source: ") and "wards: WD2" in meta["caption"]
    assert alt_text(fig) == meta["alt_text"] and len(meta["alt_text"]) > 40
    if name != "trend":  # the sparkline keeps its caption in meta only
        assert any(meta["caption"].split("; ")[0] in a["text"] for a in layout["annotations"])
    if meta_of(frame).source.startswith("force"):
        assert "SYNTHETIC" in meta["caption"]
    # Okabe–Ito colours only.
    allowed = set(OKABE_ITO) | {BAND_FILL, NO_DATA_FILL}
    assert colours_in(figure["data"]) | colours_in(layout.get("shapes", [])) <= allowed
    # Readable on a projector: no text under 14 points, no minor gridlines.
    sizes = font_sizes(figure)
    assert sizes and min(size for _, size in sizes) >= MIN_FONT_SIZE, sizes
    assert layout["font"]["size"] >= MIN_FONT_SIZE
    for key, axis in layout.items():
        if key.startswith(("xaxis", "yaxis")):
            assert not axis.get("minor", {}).get("showgrid", False)
            assert axis.get("gridwidth", 1) >= 1


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_public_mode_shows_no_suppressed_value(name):
    build, make, options, hidden, threshold = BUILDERS[name]
    frame = make()
    open_fig = build(frame, **options)
    public = build(frame, suppress_below=threshold, **options)
    visible = numbers_in(shown(public))
    leaked = {value for value in hidden if round(value, 6) in visible}
    assert not leaked, f"public mode shows {leaked}"
    # The check can see them: without public mode some of them are drawn.
    assert {value for value in hidden if round(value, 6) in numbers_in(shown(open_fig))}
    # And the placeholder says "<5" on hover.
    hovers = [h for trace in spec(public)["data"] for h in (trace.get("hovertext") or []) if isinstance(h, str)]
    assert any(f"<{threshold}" in h for h in hovers)
    assert f"counts below {threshold} not shown (<{threshold})" in caption(frame, threshold)


def test_public_mode_draws_an_already_suppressed_frame_the_same_way():
    frame = ward_frame()
    # The threshold comes from the table's metadata (TableMeta.suppressed_below), as a suppressed
    # table carries it.
    suppressed = with_meta(suppress(frame, 5), meta_of(frame).with_(suppressed_below=5))
    fig = charts.ward_deltas_chart(suppressed)
    assert not {v for v in WARD_HIDDEN if v in numbers_in(shown(fig))}
    assert "<5" in json.dumps(spec(fig)["data"])


# ---------------------------------------------------------------------------
# Each chart
# ---------------------------------------------------------------------------


def test_ward_chart_marks_rises_falls_significance_and_small_numbers():
    fig = charts.ward_deltas_chart(ward_frame())
    traces = {t.name: t for t in fig.data}
    rise, fall = traces["Rise"], traces["Fall"]
    assert rise.marker.color == RISE_COLOUR and fall.marker.color == FALL_COLOUR
    assert list(rise.y) == ["Alpha *", "Bravo * \u2020", "Delta \u2020"] and list(rise.x) == [30, 38, 4]
    assert list(rise.text) == ["+30 (+25%)", "+38 (+1,900%)", "+4 (new)"]
    assert list(rise.marker.line.width) == [3, 3, 0]  # significant: black outline
    assert list(rise.marker.pattern.shape) == ["", "/", "/"]  # small numbers: hatched
    assert list(fall.y) == ["Charlie * \u2020", "Echo"] and list(fall.text) == ["-56 (-93%)", "-16 (-20%)"]
    # The Grand Total is not a ward, and the wards keep the table's order, top to bottom.
    assert "Grand Total" not in json.dumps(spec(fig)["data"])
    assert list(fig.layout.yaxis.categoryarray) == [
        "Alpha *",
        "Bravo * \u2020",
        "Charlie * \u2020",
        "Delta \u2020",
        "Echo",
    ]
    assert fig.layout.yaxis.autorange == "reversed"
    pct = charts.ward_deltas_chart(ward_frame(), measure="pct_change")
    # Delta rose from none: no bar for a percentage that does not exist, but a "new" marker.
    new = next(t for t in pct.data if t.name == "No percentage (none before)")
    assert list(new.y) == ["Delta \u2020"] and list(new.text) == ["new"]
    assert list(next(t for t in pct.data if t.name == "Rise").x) == [25, 1900]
    assert "Largest rise: Bravo, +38 (+1,900%), significant" in alt_text(fig)


def test_ward_chart_refuses_an_unknown_measure():
    with pytest.raises(AnalyticsError, match="Valid choices: count, difference, pct_change, rate"):
        charts.ward_deltas_chart(ward_frame(), measure="share")


def test_ward_chart_on_the_built_store(built_conn):
    table = ward_deltas(built_conn, Selection("extract", districts=("Redditch",)), FY2017, FY2018)
    fig = charts.ward_deltas_chart(table)
    bars = [t for t in fig.data if t.type == "bar"]
    assert sum(len(t.y) for t in bars) == 12
    assert "Headless Cross and Oakenshaw *" in next(t for t in bars if t.name == "Rise").y
    assert alt_text(fig) == (
        "Bar chart of the change in ASB in each of 12 wards of Redditch from 2017-18 to 2018-19: 4 rose, 8 fell. "
        "Largest rise: Headless Cross and Oakenshaw, +44 (+20%), significant. Largest fall: Winyates, -93 (-27%), "
        "significant. 4 significant changes."
    )


def test_incident_types_chart_groups_two_periods_in_table_order(built_conn):
    table = incident_types(built_conn, Selection("extract"), FY2017, FY2018)
    fig = charts.incident_types_chart(table)
    a, b = fig.data[:2]
    assert (a.name, b.name) == ("2017-18", "2018-19") and a.orientation == "h"
    assert list(a.y) == list(table["type"]) and list(a.x)[:2] == [5426, 1715] and list(b.x)[:2] == [5320, 1294]
    assert fig.layout.barmode == "group"
    assert "Other, 5,426 then 5,320" in alt_text(fig)


def test_districts_chart_leaves_out_the_total(built_conn):
    table = districts_table(built_conn, Selection("extract"), FY2017, FY2018)
    fig = charts.districts_chart(table)
    assert [x.rstrip(" *") for x in fig.data[0].x] == ["Wyre Forest", "Redditch", "Bromsgrove"]
    assert list(fig.data[1].y) == [4158, 3203, 2515]
    assert "North Worcestershire: ASB fell 6% (-626)" in alt_text(fig)
    rate = charts.districts_chart(table, measure="rate")
    assert list(rate.data[1].y) == list(table.rate_b_per_1000[:3])
    with pytest.raises(AnalyticsError, match="Valid choices: count, rate"):
        charts.districts_chart(table, measure="share")


def test_crime_chart_leaves_out_the_total_and_says_months_are_missing():
    fig = charts.crime_ytd_chart(crime_frame())
    assert list(fig.data[0].y) == ["Violence and sexual offences", "Robbery"]
    assert "missing months: May–Jun 2024" in fig.layout.meta["caption"]
    assert "In all, recorded crime rose 11% (+69)" in alt_text(fig)


def test_monthly_chart_never_joins_across_a_gap():
    fig = charts.monthly_chart(monthly_frame())
    line = next(t for t in fig.data if t.name == "Incidents")
    assert list(line.y) == [110, 3, None, 4, 160, 95, 100, 105] and line.connectgaps is False
    # The expected range is drawn as one polygon per run of modelled months: none spans March.
    bands = [t for t in fig.data if t.name == "Expected range"]
    assert len(bands) == 2
    assert {str(x)[:7] for x in bands[0].x} == {"2019-01", "2019-02"}
    assert {str(x)[:7] for x in bands[1].x} == {"2019-04", "2019-05", "2019-06", "2019-07", "2019-08"}
    flagged = next(t for t in fig.data if t.name == "Outside expected range")
    assert list(flagged.y) == [160] and flagged.marker.color == FLAG_COLOUR
    # The missing month is shaded.
    shaded = [(str(s.x0), str(s.x1)) for s in fig.layout.shapes if s.type == "rect"]
    assert shaded == [("2019-02-14", "2019-03-16")]  # around the March point, clear of its neighbours
    assert "Missing months shown as gaps: Mar 2019." in alt_text(fig)


def test_monthly_chart_keeps_a_partial_month_off_the_line(built_conn):
    fig = charts.monthly_chart(decomposition(built_conn, Selection("extract")))
    line = next(t for t in fig.data if t.name == "Incidents")
    assert line.y[-1] is None  # Aug 2019: the extract ends on 28 August
    partial = next(t for t in fig.data if t.name == "Partial month")
    assert len(partial.y) == 1
    assert "Partial month: Aug 2019." in alt_text(fig)


def test_profile_chart_draws_from_100_and_highlights_october_and_november(built_conn):
    fig = charts.profile_chart(month_of_year_profile(built_conn, Selection("extract")))
    highlight = next(t for t in fig.data if t.name == "October and November")
    assert list(highlight.x) == ["Oct", "Nov"] and highlight.marker.color == HIGHLIGHT_COLOUR
    assert list(highlight.base) == [100, 100] and list(highlight.text) == ["127", "122"]
    assert list(highlight.y) == [27, 22]
    assert alt_text(fig).startswith("Bar chart of the month-of-year index of ASB in North Worcestershire")
    assert "Highest: October 127, November 122; lowest: February 87." in alt_text(fig)
    with pytest.raises(AnalyticsError, match="Valid choices: adjusted, plain"):
        charts.profile_chart(profile_frame(), index="raw")


def test_year_on_year_chart_has_a_line_per_year(built_conn):
    fig = charts.year_on_year_chart(year_on_year(built_conn, Selection("extract")))
    lines = [t for t in fig.data if t.mode == "lines+markers"]
    # The extract ends in Aug 2019: its last year is named by the months it holds (issue 13).
    assert [t.name for t in lines] == ["2015-16", "2016-17", "2017-18", "2018-19", "2019-20 (5 of 12 months held)"]
    assert all(list(t.x) == list(range(1, 13)) for t in lines)
    assert list(fig.layout.xaxis.ticktext)[:2] == ["Apr", "May"]
    assert lines[-1].line.color == BLUE and lines[-1].line.width > lines[0].line.width
    assert "Peak month: October in 2015-16, 2016-17, 2017-18 and 2018-19" in alt_text(fig)


def test_year_on_year_chart_drops_years_without_data():
    frame = year_on_year_frame()
    frame.loc[frame.year == 2018, "count"] = pd.NA
    fig = charts.year_on_year_chart(frame)
    assert [t.name for t in fig.data] == ["2017-18"]


def test_empty_frames_give_a_figure_that_says_so():
    empty = ward_frame().iloc[-1:]  # only the Grand Total
    fig = charts.ward_deltas_chart(empty)
    assert any("No wards" in a.text for a in fig.layout.annotations)


def test_builders_refuse_the_wrong_table():
    with pytest.raises(AnalyticsError, match="needs the columns ward_name"):
        charts.ward_deltas_chart(types_frame())


# ---------------------------------------------------------------------------
# Golden files: the output contract, read in a diff
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, build",
    [
        ("ward_deltas_difference", lambda: charts.ward_deltas_chart(ward_frame())),
        ("monthly_gap", lambda: charts.monthly_chart(monthly_frame())),
    ],
)
def test_golden_figures(name, build):
    path = GOLDEN / f"{name}.json"
    actual = spec(build())
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(actual, indent=1, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
    expected = json.loads(path.read_text(encoding="utf-8"))
    assert actual == expected, f"{path.name} changed: rerun with UPDATE_GOLDEN=1 if that was meant"


def test_charts_and_narrative_never_import_streamlit():
    code = "import sys, analytics.present.charts, analytics.present.narrative; assert 'streamlit' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).resolve().parent.parent)


def test_public_rate_chart_never_puts_a_count_for_a_rate():
    """Redditch: 3 then 50 incidents, rates 0.07 then 1.19. Period B's rate shows (its count does);
    the hidden period A is marked as a count of incidents, not as a rate under 5."""
    frame = districts_frame()
    frame.loc[1, ["count_b", "rate_b_per_1000"]] = [2, 0.05]  # Redditch hidden in B as well
    fig = charts.districts_chart(frame, measure="rate", suppress_below=5)
    alt = alt_text(fig)
    assert "Wyre Forest 10.9" in alt and "Redditch <5 incidents, rate not shown" in alt, alt
    shown = charts.districts_chart(districts_frame(), measure="rate", suppress_below=5)
    assert "Redditch 1.2" in alt_text(shown) or "Redditch 1.19" in alt_text(shown), alt_text(shown)
    placeholders = [t for t in shown.data if str(t.name).startswith("Not shown")]
    assert placeholders and all(text == "<5 incidents" for t in placeholders for text in t.text)
    assert all("per 1,000 residents: not shown" in h for t in placeholders for h in t.hovertext)
