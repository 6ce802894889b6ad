"""analytics/reports/briefing.py: the briefing pack follows the panel's overview, and in public mode
holds no count below the threshold."""

from __future__ import annotations

import re

from analytics.core.periods import parse_period
from analytics.core.selection import Selection
from analytics.reports.briefing import briefing_pack
from tests.analysis_fixtures import FY2017, FY2018
from tests.test_export import SMALL_CELL


def _cells(html_text: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", html_text, re.S)]


def _count_cells(html_text: str) -> list[str]:
    """Cells of the count columns (headed by a period, 'Incidents' or 'Mean') of every table."""
    found = []
    for table in re.findall(r"<table.*?</table>", html_text, re.S):
        headers = [re.sub(r"<[^>]+>", "", h).strip() for h in re.findall(r"<th[^>]*>(.*?)</th>", table, re.S)]
        wanted = [
            i
            for i, h in enumerate(headers)
            if h in ("Incidents", "Mean") or re.fullmatch(r"\d{4}-\d{2}|[A-Z][a-z]{2} \d{4}", h)
        ]
        for row in re.findall(r"<tr>(.*?)</tr>", table, re.S):
            cells = _cells(row)
            found += [cells[i] for i in wanted if i < len(cells)]
    return found


def test_briefing_pack_follows_the_panel_overview(built_conn):
    pack = briefing_pack(built_conn, Selection("extract", districts=("Redditch",)), FY2017, FY2018, with_charts=False)
    sections = re.findall(r"<h2[^>]*>(.*?)</h2>", pack)
    assert sections == ["Incident types", "Seasonal patterns", "Ward patterns", "Where?", "District data", "Notes"]
    assert "SYNTHETIC demonstration data" in pack and "Ward boundaries: WD22" in pack
    cells = _cells(pack)
    assert ["Grand Total", "3468", "3203", "-265", "-8%"] == cells[cells.index("Grand Total") :][:5]
    assert "Open Government Licence" in pack
    subsections = re.findall(r"<h3[^>]*>(.*?)</h3>", pack)
    assert subsections == [
        "Measuring ASB: the National Incident Recording Standard's classes",
        "Time of week: when ASB is reported",
        "Which wards are unusual for their size?",
    ]
    assert "Spiegelhalter 2005" in pack and "not when it happened" in pack


def test_briefing_pack_on_police_uk_says_it_has_no_nirs_class_or_report_time(built_conn):
    pack = briefing_pack(built_conn, Selection("police_uk"), parse_period("2024-01..2024-04"),
                         parse_period("2025-01..2025-04"), with_charts=False)  # fmt: skip
    assert "police.uk does not carry the National Incident Recording Standard class" in pack
    assert "police.uk gives the month of each incident only" in pack


def test_briefing_pack_in_public_mode_hides_small_counts(built_conn):
    selection = Selection("extract", districts=("Redditch",), wards=())
    pack = briefing_pack(
        built_conn,
        selection.with_(districts=("Redditch",)),
        parse_period("2018-04"),
        parse_period("2019-04"),
        suppress_below=5,
        with_charts=False,
    )
    open_pack = briefing_pack(
        built_conn, selection, parse_period("2018-04"), parse_period("2019-04"), with_charts=False
    )
    assert any(SMALL_CELL.match(c) for c in _count_cells(open_pack)), "one month of one ward has small counts"
    assert not any(SMALL_CELL.match(c) for c in _count_cells(pack))
    assert "&lt;5" in pack


def test_briefing_pack_with_charts_embeds_pngs(built_conn):
    pack = briefing_pack(built_conn, Selection("extract", districts=("Redditch",)), FY2017, FY2018)
    # incident types, NIRS classes, time of week, seasonal, ward patterns, funnel, district data
    assert pack.count("data:image/png;base64,") == 7
    assert "https://" not in pack and "http://" not in pack


def test_a_wards_briefing_pack_is_titled_by_the_ward_and_leads_with_it(built_conn):
    abbey = built_conn.execute("SELECT ward_code FROM wards WHERE ward_name = 'Abbey' AND vintage = 'wd22'").fetchone()[
        0
    ]
    selection = Selection("extract", districts=("Redditch",), wards=(abbey,), boundaries="wd22")
    pack = briefing_pack(built_conn, selection, FY2017, FY2018, with_charts=False)
    title = re.search(r"<h1>(.*?)</h1>", pack).group(1)
    assert title == "Anti-Social Behaviour Overview: Abbey, Redditch", title
    headings = re.findall(r"<h2[^>]*>(.*?)</h2>", pack)
    assert headings[0] == "Abbey" and headings[1] == "Incident types", headings
    assert "<p>ASB in Abbey " in pack
    assert "Abbey (chosen ward)" in pack
    # The area's pack is unchanged by the choice: the same sections after the ward's.
    area = briefing_pack(built_conn, selection.with_(wards=()), FY2017, FY2018, with_charts=False)
    assert re.findall(r"<h2[^>]*>(.*?)</h2>", area) == headings[1:]


def test_a_partly_held_period_is_named_by_its_months_in_the_pack(built_conn):
    """police.uk holds Oct 2018 to Feb 2019 of 2018-19 and none of 2017-18 (issue 13, Build 4)."""
    pack = briefing_pack(built_conn, Selection("police_uk", districts=("Redditch",)), FY2017, FY2018, with_charts=False)
    assert "2018-19 (5 of 12 months held) against 2017-18 (no month held)" in pack
    # The tables' columns are headed so too, never by the bare year.
    assert "<th>2018-19 (5 of 12 months held)</th>" in pack and "<th>2018-19</th>" not in pack
