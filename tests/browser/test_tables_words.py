"""Issue 13, Build 3 to 5, as a reader meets them in a real browser: tables that sort numbers as
numbers with the total kept at the foot, headers and words without column names, and periods the
source holds only part of named by the months it holds."""

from __future__ import annotations

import re
import time

import pytest

from tests.browser.conftest import start_server

READY = '[data-testid="stApp"][data-test-script-state="notRunning"]'
GRID = '[data-testid="stDataFrame"]'
PANEL = "src=extract&d=Redditch&pt=fy&a=FY2017&b=FY2018&v=wd22&cat=asb"
POLICE = "src=police_uk&cat=asb"
#: A column's own name: lower case words joined by "_" (count_a, gi_z_a, rows_by_lsoa).
RAW_NAME = re.compile(r"^[a-z0-9]+(_[a-z0-9]+)+$")
#: What no page may show outside "How this is worked out" (the issue's examples).
JARGON = ("STL (period 12, robust)", "max(robust residual SD", "Getis-Ord Gi* (queen neighbours)", "p = 0.000")
#: A header each page's first table has (so the test waits until it is drawn).
WAIT_FOR = {
    "incident_types": "Type",
    "seasonal": "Month",
    "wards": "District",
    "hotspots": "Rank",
    "districts": "District",
    "crime": ("Crime type", "District", "Ward"),  # by whichever the link holds
    "ward_profile": "Type",
    "data": "Source",
}
PAGES = ["", "incident_types", "seasonal", "wards", "hotspots", "districts", "crime", "ward_profile", "data"]


def _open(page, url: str) -> None:
    page.goto(url)
    page.wait_for_selector(READY, timeout=60_000)
    time.sleep(1)  # the grids fill their accessible rows just after the script ends


def _rows(grid) -> list[list[str]]:
    """A grid's body rows as the browser's accessibility tree gives them (the canvas holds none)."""
    return [row.locator('[role="gridcell"]').all_inner_texts() for row in grid.locator('[role="row"]').all()][1:]


def _headers(grid) -> list[str]:
    return [h.strip() for h in grid.locator('[role="columnheader"]').all_inner_texts()]


def _grids(page, header: str | tuple[str, ...]) -> list:
    """The drawn grids with a column ``header`` (or any of several; a grid in a closed expander
    has no rows)."""
    wanted = (header,) if isinstance(header, str) else header
    grids = page.locator(f'[data-testid="stMain"] {GRID}')

    def matching() -> list:
        return [grids.nth(i) for i in range(grids.count()) if set(wanted) & set(_headers(grids.nth(i)))]

    for _ in range(40):  # the grids are drawn a moment after the script ends (after the maps)
        if matching():
            time.sleep(0.5)
            return matching()
        time.sleep(0.5)
    return []


def _sort_by(page, grid, column: str) -> list[str]:
    """Click along the header row until the grid is sorted by ``column``; its values after the sort.
    (The headers are drawn on a canvas: the click has to find the column by where it is.)"""
    index = _headers(grid).index(column)
    before = [row[index] for row in _rows(grid)]
    box = grid.bounding_box()
    for x in range(int(box["x"]) + 10, int(box["x"] + box["width"]) - 10, 24):
        page.mouse.click(x, box["y"] + 17)
        time.sleep(0.3)
        after = [row[index] for row in _rows(grid)]
        if after == before:
            continue
        numbers = [int(v.rstrip("%")) for v in after]
        # Sorted as numbers, or as text (the defect): either way, sorted by this column.
        if numbers in (sorted(numbers), sorted(numbers, reverse=True)) or after in (sorted(after), sorted(after)[::-1]):
            return after
    pytest.fail(f"no click on the header row sorted the grid by {column}")


def test_the_ward_table_sorts_percentages_as_numbers_and_keeps_the_total_at_the_foot(server, page):
    _open(page, f"{server}/wards?{PANEL}")
    table, total = _grids(page, "Percentage")[:2]
    assert _headers(table)[:6] == ["Ward", "District", "2017-18", "2018-19", "Difference", "Percentage"]
    values = [int(v.rstrip("%")) for v in _sort_by(page, table, "Percentage")]
    # As numbers: -29, -27, -21, -9, ... (as text it was -21%, -27%, -29%, -3%).
    assert values in (sorted(values), sorted(values, reverse=True)), values
    assert set(values) >= {-29, -27, -21, -3, 20}
    assert "Grand Total" not in [row[0] for row in _rows(table)]
    # The total is its own row under the table, whatever the sort.
    assert [row[:6] for row in _rows(total)] == [["Grand Total", "Redditch", "3468", "3203", "-265", "-8"]]
    table_box, total_box = table.bounding_box(), total.bounding_box()
    assert total_box["y"] >= table_box["y"] + table_box["height"]


def test_a_partly_held_period_is_named_by_its_months_in_tiles_charts_and_tables(server, page):
    # police.uk holds Oct 2018 to Feb 2019 of 2018-19: the tile must not read as a whole year.
    _open(page, f"{server}/?{PANEL}")
    tile = "Recorded crime (police.uk), 2018-19 (5 of 12 months held)"
    page.get_by_text(tile).first.wait_for(timeout=30_000)  # the tiles are drawn after the page's first text
    assert tile in page.locator('[data-testid="stMain"]').inner_text()
    # 2024 (4 months) beside 2025 (12 months): the legend, the chart's subtitle and the table say so.
    _open(page, f"{server}/districts?{POLICE}&pt=cy&a=CY2024&b=CY2025&v=wd25")
    legend = page.locator('[data-testid="stPlotlyChart"] .legendtext')
    legend.first.wait_for(timeout=30_000)
    assert "2024 (4 of 12 months held)" in legend.all_text_contents()  # SVG: text, not inner text
    assert _grids(page, "2024 (4 of 12 months held)")


@pytest.mark.parametrize("params", [PANEL, POLICE], ids=["extract", "police_uk"])
def test_every_page_reads_in_plain_words(server, page, params):
    for name in PAGES:
        # Ward profile needs a ward: Abbey (WD22, the panel's) or Astwood Bank and Feckenham (WD25).
        ward = ("&w=E05007868" if params == PANEL else "&w=E05015615") if name == "ward_profile" else ""
        _open(page, f"{server}/{name}?{params}{ward}")
        main = page.locator('[data-testid="stMain"]')
        if name == "seasonal":  # its table is in an expander: open it
            page.get_by_text("Monthly figures, expected range and flagged months").click()
        if name in WAIT_FOR:  # the grids are drawn a moment after the script ends
            assert _grids(page, WAIT_FOR[name]), (name, WAIT_FOR[name])
        text = main.inner_text()
        assert not [j for j in JARGON if j in text], (name, [j for j in JARGON if j in text])
        assert "Period A" not in text and "Period B" not in text, name
        grids = main.locator(GRID)
        for i in range(grids.count()):
            headers = _headers(grids.nth(i))  # none for a grid in a closed expander
            assert not [h for h in headers if RAW_NAME.match(h) or h in ("Period A", "Period B")], (name, headers)
            cells = [c for row in _rows(grids.nth(i)) for c in row]
            assert not [c for c in cells if c in ("None", "<NA>", "nan", "NaN")], (name, headers)
            if name == "data":
                assert not [c for c in cells if "/" in c and c.endswith(".csv")], "a server path on the Data page"


def test_public_mode_tables_read_in_plain_words(built_db, browser):
    process, url = start_server(built_db, {"ASB_PUBLIC_MODE": "true"})
    context = browser.new_context(viewport={"width": 1600, "height": 2400})
    page = context.new_page()
    try:
        _open(page, f"{url}/wards?src=police_uk&cat=asb&pt=months&a=2024-01&b=2025-01&v=wd25&d=Redditch")
        grid = _grids(page, "Ward")[0]
        headers = _headers(grid)
        assert headers[:4] == ["Ward", "District", "Jan 2024", "Jan 2025"], headers
        cells = [c for row in _rows(grid) for c in row]
        assert "<5" in cells and not [c for c in cells if c in ("None", "<NA>", "nan")]
    finally:
        context.close()
        process.terminate()
        process.wait(timeout=10)
