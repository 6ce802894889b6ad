"""Charts as data: every builder on hand-made frames (and the built store), checked through
``fig.to_json()``; golden files for two figures, so a change to what is drawn is read in a diff;
public mode checked by looking for every hidden number in everything the figure would show; and
one real PNG through kaleido and Chromium.

Regenerate the golden files after a deliberate change with ``UPDATE_GOLDEN=1 pytest tests/test_charts.py``.
"""

from __future__ import annotations

import copy
import datetime
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from analytics.analyses.crime import ALL_CRIME
from analytics.analyses.districts import districts_table
from analytics.analyses.incident_types import incident_types
from analytics.analyses.seasonal import decomposition, month_of_year_profile, year_on_year
from analytics.analyses.wards import ward_deltas
from analytics.core.errors import AnalyticsError
from analytics.core.periods import parse_period, pct_change
from analytics.core.selection import Selection
from analytics.present import charts

GOLDEN = Path(__file__).resolve().parent / "data" / "charts"
FY2017, FY2018 = parse_period("FY2017"), parse_period("FY2018")
EXTRACT_ATTRS = {
    "source": "force ASB incident extract (SYNTHETIC demonstration data)",
    "category": "Anti-social behaviour",
    "place": "Redditch",
    "boundaries": "WD22",
    "period_a": "2017-18",
    "period_b": "2018-19",
    "missing_months_a": [],
    "missing_months_b": [],
}
POLICE_ATTRS = {
    "source": "police.uk street-level data (real, open data)",
    "category": "Anti-social behaviour",
    "place": "North Worcestershire",
    "boundaries": "WD25",
    "period_a": "Jan 2019–Aug 2019",
    "missing_months": ["2019-04"],
    "partial_months": [],
    "synthetic": False,
}


# ---------------------------------------------------------------------------
# Hand-made frames, shaped as the analyses return them
# ---------------------------------------------------------------------------


def ward_frame(rows=None) -> pd.DataFrame:
    """rows: (ward_name, count_a, count_b, p_value, significant, small_numbers, rate_a, rate_b)."""
    rows = rows or [
        ("Alpha", 120, 150, 0.0123, True, False, 21.3, 26.6),  # +30 (+25%), significant
        ("Bravo", 2, 40, 0.0001, True, True, 0.31, 6.13),  # from 2: hidden in public mode
        ("Charlie", 60, 4, 0.0002, True, True, 9.17, 0.61),  # to 4: hidden in public mode
        ("Delta", 0, 4, 0.1250, False, True, 0.0, 0.53),  # from none: no percentage
        ("Echo", 80, 64, 0.2101, False, False, 11.9, 9.5),  # -16 (-20%)
    ]
    frame = pd.DataFrame(
        rows,
        columns=[
            "ward_name",
            "count_a",
            "count_b",
            "p_value",
            "significant",
            "small_numbers",
            "rate_a_per_1000",
            "rate_b_per_1000",
        ],
    )
    total = {
        "ward_name": "Grand Total",
        "count_a": frame.count_a.sum(),
        "count_b": frame.count_b.sum(),
        "p_value": 0.5,
        "significant": False,
        "small_numbers": False,
        "rate_a_per_1000": 11.1,
        "rate_b_per_1000": 11.2,
    }
    frame = pd.concat([frame, pd.DataFrame([total])], ignore_index=True)
    frame.insert(0, "ward_code", [f"E0500{i:04d}" for i in range(len(frame) - 1)] + [""])
    frame["difference"] = frame.count_b - frame.count_a
    frame["pct_change"] = pd.array(
        [pct_change(a, b) for a, b in zip(frame.count_a, frame.count_b, strict=False)], dtype="Int64"
    )
    frame.attrs.update(EXTRACT_ATTRS)
    return frame


# Numbers public mode must not show for ward_frame with suppress_below=5: the small counts, each
# difference and percentage built on one, rates from a small count, and those rows' p-values.
# (0 is where the placeholders sit, so it is not looked for.)
WARD_HIDDEN = {2, 4, 38, 1900, 56, 93, 0.31, 0.61, 0.53, 0.0001, 0.0002, 0.125}


def monthly_frame() -> pd.DataFrame:
    """Eight months of a decomposition: March missing (a gap), May flagged, two tiny counts."""
    months = [datetime.date(2019, m, 1) for m in range(1, 9)]
    frame = pd.DataFrame(
        {
            "month": months,
            "count": pd.array([110, 3, None, 4, 160, 95, 100, 105], dtype="Int64"),
            "trend": [100.0, 100.0, None, 100.0, 100.0, 100.0, 100.0, 100.0],
            "seasonal": [5.0, -93.5, None, -95.75, 10.0, -5.0, 0.0, 5.0],
            "residual": [5.0, -3.5, None, -0.25, 50.0, 0.0, 0.0, 0.0],
            "expected": [105.0, 6.5, None, 4.25, 110.0, 95.0, 100.0, 105.0],
            "lower": [85.0, 1.5, None, 0.75, 89.5, 75.5, 80.5, 84.5],
            "upper": [125.0, 11.5, None, 7.75, 130.5, 114.5, 119.5, 125.5],
            "outside_band": [False, False, False, False, True, False, False, False],
            "present": [True, True, False, True, True, True, True, True],
            "partial": [False] * 8,
            "method": ["profile: a test band"] * 8,
            "method_code": ["profile"] * 8,
        }
    )
    frame.attrs.update(POLICE_ATTRS)
    return frame


MONTHLY_HIDDEN = {3, 4, 6.5, 1.5, 11.5, 4.25, 0.75, 7.75}


def profile_frame() -> pd.DataFrame:
    means = [50.0, 2.0, 60.0, 62.0, 64.0, 66.0, 68.0, 75.0, 72.0, 130.0, 120.0, 90.0]  # February: 2 a month
    overall = sum(means) / 12
    index = [round(100 * m / overall) for m in means]
    frame = pd.DataFrame(
        {
            "month_of_year": range(1, 13),
            "month_name": [
                "January",
                "February",
                "March",
                "April",
                "May",
                "June",
                "July",
                "August",
                "September",
                "October",
                "November",
                "December",
            ],
            "mean_count": means,
            "years": [4] * 12,
            "index": pd.array(index, dtype="Int64"),
            "adjusted_index": pd.array(index, dtype="Int64"),
        }
    )
    frame.attrs.update(POLICE_ATTRS | {"balanced": True})
    return frame


def year_on_year_frame() -> pd.DataFrame:
    rows = []
    names = [
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
        "January",
        "February",
        "March",
    ]
    for year, counts in (
        (2017, [80, 82, 84, 86, 88, 90, 120, 110, 95, 85, 70, 75]),
        (2018, [81, 83, 17, 87, None, 91, 121, 111, 96, None, None, None]),
    ):
        for position, (name, count) in enumerate(zip(names, counts, strict=False), start=1):
            rows.append((f"{year}-{(year + 1) % 100:02d}", year, position, name, count, count is not None, False))
    frame = pd.DataFrame(rows, columns=["year_label", "year", "position", "month_name", "count", "present", "partial"])
    frame["count"] = frame["count"].astype("Int64")
    frame.attrs.update(EXTRACT_ATTRS | {"period_a": "Apr 2017–Dec 2018"})
    del frame.attrs["period_b"]
    return frame


def types_frame() -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "type": ["Other", "Youth related", "Begging"],
            "count_a": [500, 210, 2],
            "count_b": [520, 150, 30],
            "significant": [False, True, True],
        }
    )
    frame.attrs.update(EXTRACT_ATTRS | {"grouped_by": "key-word type"})
    return frame


def districts_frame() -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "district": ["Wyre Forest", "Redditch", "North Worcestershire"],
            "count_a": [1000, 3, 1003],
            "count_b": [1100, 50, 1150],
            "significant": [True, True, True],
            "rate_a_per_1000": [9.9, 0.07, 3.52],
            "rate_b_per_1000": [10.9, 1.19, 4.04],
        }
    )
    frame.attrs.update(EXTRACT_ATTRS | {"place": "North Worcestershire"})
    return frame


def crime_frame() -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "crime_type": ["Violence and sexual offences", "Robbery", ALL_CRIME],
            "count_a": [600, 3, 603],
            "count_b": [650, 22, 672],
            "significant": [True, True, True],
        }
    )
    frame.attrs.update(
        POLICE_ATTRS
        | {
            "category": "Recorded crime (excluding ASB)",
            "period_a": "2023-24",
            "missing_months": [],
            "missing_months_a": [],
            "period_b": "2024-25",
            "missing_months_b": ["2024-05", "2024-06"],
        }
    )
    return frame


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
    assert meta["caption"] == charts.caption(frame, suppress_below)
    assert meta["caption"].startswith("Source: ") and "wards: WD2" in meta["caption"]
    assert charts.alt_text(fig) == meta["alt_text"] and len(meta["alt_text"]) > 40
    if name != "trend":  # the sparkline keeps its caption in meta only
        assert any(meta["caption"].split("; ")[0] in a["text"] for a in layout["annotations"])
    if frame.attrs["source"].startswith("force"):
        assert "SYNTHETIC" in meta["caption"]
    # Okabe–Ito colours only.
    allowed = set(charts.OKABE_ITO) | {charts.BAND_FILL, charts.NO_DATA_FILL}
    assert colours_in(figure["data"]) | colours_in(layout.get("shapes", [])) <= allowed
    # Readable on a projector: no text under 14 points, no minor gridlines.
    sizes = font_sizes(figure)
    assert sizes and min(size for _, size in sizes) >= charts.MIN_FONT_SIZE, sizes
    assert layout["font"]["size"] >= charts.MIN_FONT_SIZE
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
    assert f"counts below {threshold} not shown (<{threshold})" in charts.caption(frame, threshold)


def test_public_mode_draws_an_already_suppressed_frame_the_same_way():
    from analytics.core.disclosure import suppress

    suppressed = suppress(ward_frame(), 5)
    fig = charts.ward_deltas_chart(suppressed)  # the threshold comes from attrs
    assert not {v for v in WARD_HIDDEN if v in numbers_in(shown(fig))}
    assert "<5" in json.dumps(spec(fig)["data"])


# ---------------------------------------------------------------------------
# Captions
# ---------------------------------------------------------------------------


def test_caption_names_source_periods_boundaries_place_and_missing_months():
    frame = ward_frame()
    assert charts.caption(frame) == (
        "Source: force ASB incident extract (SYNTHETIC demonstration data); "
        "periods: 2017-18 and 2018-19; wards: WD22; Anti-social behaviour in Redditch"
    )
    assert charts.caption(monthly_frame()) == (
        "Source: police.uk street-level data (real, open data); "
        "period: Jan 2019–Aug 2019; wards: WD25; Anti-social behaviour in "
        "North Worcestershire; missing months: Apr 2019"
    )
    frame.attrs.update(source="force ASB incident extract", synthetic=True, partial_months=["2019-08"])
    assert charts.caption(frame).endswith("partial month: Aug 2019; SYNTHETIC data")


# ---------------------------------------------------------------------------
# Each chart
# ---------------------------------------------------------------------------


def test_ward_chart_marks_rises_falls_significance_and_small_numbers():
    fig = charts.ward_deltas_chart(ward_frame())
    traces = {t.name: t for t in fig.data}
    rise, fall = traces["Rise"], traces["Fall"]
    assert rise.marker.color == charts.RISE_COLOUR and fall.marker.color == charts.FALL_COLOUR
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
    assert "Largest rise: Bravo, +38 (+1,900%), significant" in charts.alt_text(fig)


def test_ward_chart_refuses_an_unknown_measure():
    with pytest.raises(AnalyticsError, match="Valid choices: count, difference, pct_change, rate"):
        charts.ward_deltas_chart(ward_frame(), measure="share")


def test_ward_chart_on_the_built_store(built_conn):
    table = ward_deltas(built_conn, Selection("extract", districts=("Redditch",)), FY2017, FY2018)
    fig = charts.ward_deltas_chart(table)
    bars = [t for t in fig.data if t.type == "bar"]
    assert sum(len(t.y) for t in bars) == 12
    assert "Headless Cross and Oakenshaw *" in next(t for t in bars if t.name == "Rise").y
    assert charts.alt_text(fig) == (
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
    assert "Other, 5,426 then 5,320" in charts.alt_text(fig)


def test_districts_chart_leaves_out_the_total(built_conn):
    table = districts_table(built_conn, Selection("extract"), FY2017, FY2018)
    fig = charts.districts_chart(table)
    assert [x.rstrip(" *") for x in fig.data[0].x] == ["Wyre Forest", "Redditch", "Bromsgrove"]
    assert list(fig.data[1].y) == [4158, 3203, 2515]
    assert "North Worcestershire: ASB fell 6% (-626)" in charts.alt_text(fig)
    rate = charts.districts_chart(table, measure="rate")
    assert list(rate.data[1].y) == list(table.rate_b_per_1000[:3])
    with pytest.raises(AnalyticsError, match="Valid choices: count, rate"):
        charts.districts_chart(table, measure="share")


def test_crime_chart_leaves_out_the_total_and_says_months_are_missing():
    fig = charts.crime_ytd_chart(crime_frame())
    assert list(fig.data[0].y) == ["Violence and sexual offences", "Robbery"]
    assert "missing months: May–Jun 2024" in fig.layout.meta["caption"]
    assert "In all, recorded crime rose 11% (+69)" in charts.alt_text(fig)


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
    assert list(flagged.y) == [160] and flagged.marker.color == charts.FLAG_COLOUR
    # The missing month is shaded.
    shaded = [(str(s.x0), str(s.x1)) for s in fig.layout.shapes if s.type == "rect"]
    assert shaded == [("2019-02-14", "2019-03-16")]  # around the March point, clear of its neighbours
    assert "Missing months shown as gaps: Mar 2019." in charts.alt_text(fig)


def test_monthly_chart_keeps_a_partial_month_off_the_line(built_conn):
    fig = charts.monthly_chart(decomposition(built_conn, Selection("extract")))
    line = next(t for t in fig.data if t.name == "Incidents")
    assert line.y[-1] is None  # Aug 2019: the extract ends on 28 August
    partial = next(t for t in fig.data if t.name == "Partial month")
    assert len(partial.y) == 1
    assert "Partial month: Aug 2019." in charts.alt_text(fig)


def test_profile_chart_draws_from_100_and_highlights_october_and_november(built_conn):
    fig = charts.profile_chart(month_of_year_profile(built_conn, Selection("extract")))
    highlight = next(t for t in fig.data if t.name == "October and November")
    assert list(highlight.x) == ["Oct", "Nov"] and highlight.marker.color == charts.HIGHLIGHT_COLOUR
    assert list(highlight.base) == [100, 100] and list(highlight.text) == ["127", "122"]
    assert list(highlight.y) == [27, 22]
    assert charts.alt_text(fig).startswith("Bar chart of the month-of-year index of ASB in North Worcestershire")
    assert "Highest: October 127, November 122; lowest: February 87." in charts.alt_text(fig)
    with pytest.raises(AnalyticsError, match="Valid choices: adjusted, plain"):
        charts.profile_chart(profile_frame(), index="raw")


def test_year_on_year_chart_has_a_line_per_year(built_conn):
    fig = charts.year_on_year_chart(year_on_year(built_conn, Selection("extract")))
    lines = [t for t in fig.data if t.mode == "lines+markers"]
    assert [t.name for t in lines] == ["2015-16", "2016-17", "2017-18", "2018-19", "2019-20"]
    assert all(list(t.x) == list(range(1, 13)) for t in lines)
    assert list(fig.layout.xaxis.ticktext)[:2] == ["Apr", "May"]
    assert lines[-1].line.color == charts.BLUE and lines[-1].line.width > lines[0].line.width
    assert "Peak month: October in 2015-16, 2016-17, 2017-18 and 2018-19" in charts.alt_text(fig)


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


# ---------------------------------------------------------------------------
# PNG export
# ---------------------------------------------------------------------------


def test_to_png_draws_a_real_image():
    from PIL import Image

    png = charts.to_png(charts.ward_deltas_chart(ward_frame()), width=640, height=480)
    assert png.startswith(charts.PNG_SIGNATURE)
    image = Image.open(io.BytesIO(png)).convert("RGB")
    assert image.size == (640, 480)
    colours = image.getcolors(maxcolors=1_000_000)
    assert len(colours) > 20  # not a blank page
    rgb = {tuple(int(charts.RISE_COLOUR[i : i + 2], 16) for i in (1, 3, 5))}
    assert rgb & {c for _, c in colours}, "the rise colour is drawn"


def test_to_png_explains_when_chromium_cannot_start(monkeypatch):
    def no_browser(*args, **kwargs):
        raise RuntimeError("Kaleido requires Google Chrome to be installed.")

    monkeypatch.setattr(charts.pio, "to_image", no_browser)
    with pytest.raises(AnalyticsError) as caught:
        charts.to_png(charts.trend_chart(monthly_frame()))
    assert caught.value.title == "Cannot make a PNG"
    assert "Chromium" in caught.value.message and "apt-get install chromium" in caught.value.fix


def test_to_png_explains_when_kaleido_is_missing(monkeypatch):
    real = charts.importlib.util.find_spec
    monkeypatch.setattr(charts.importlib.util, "find_spec", lambda name: None if name == "kaleido" else real(name))
    with pytest.raises(AnalyticsError, match="kaleido package, which is not installed"):
        charts.to_png(charts.trend_chart(monthly_frame()))


def test_to_png_refuses_a_silly_size():
    with pytest.raises(AnalyticsError, match="width must be a whole number of pixels"):
        charts.to_png(charts.trend_chart(monthly_frame()), width=0)


def test_charts_and_narrative_never_import_streamlit():
    code = "import sys, analytics.present.charts, analytics.present.narrative; assert 'streamlit' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).resolve().parent.parent)


def test_public_rate_chart_never_puts_a_count_for_a_rate():
    """Redditch: 3 then 50 incidents, rates 0.07 then 1.19. Period B's rate shows (its count does);
    the hidden period A is marked as a count of incidents, not as a rate under 5."""
    frame = districts_frame()
    frame.loc[1, ["count_b", "rate_b_per_1000"]] = [2, 0.05]  # Redditch hidden in B as well
    fig = charts.districts_chart(frame, measure="rate", suppress_below=5)
    alt = charts.alt_text(fig)
    assert "Wyre Forest 10.9" in alt and "Redditch <5 incidents, rate not shown" in alt, alt
    shown = charts.districts_chart(districts_frame(), measure="rate", suppress_below=5)
    assert "Redditch 1.2" in charts.alt_text(shown) or "Redditch 1.19" in charts.alt_text(shown), charts.alt_text(shown)
    placeholders = [t for t in shown.data if str(t.name).startswith("Not shown")]
    assert placeholders and all(text == "<5 incidents" for t in placeholders for text in t.text)
    assert all("per 1,000 residents: not shown" in h for t in placeholders for h in t.hovertext)
