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
    assert pack.count("data:image/png;base64,") == 4
    assert "https://" not in pack and "http://" not in pack
