"""The analyst's journey, in Debian's Chromium on a real server (issue 13).

A community-safety analyst writing the strategic assessment "with a spreadsheet" opens the app on
the force extract with the panel's selection, checks the two tables published to the Redditch
Crime and Disorder Scrutiny Panel (25 September 2019) against the screen to the digit, downloads
them as CSV and XLSX and works with them (numbers are numbers, headers are words, the file says
what it is), and then picks a year the extract holds only part of: the file and the chart name it
by the months held, and give no figure that treats five months as a year.

The published figures are read from data/published/ here, never copied into the test.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from analytics.core.periods import financial_year_period, held_label, month_runs
from analytics.data.query import months_present
from tests.browser.test_tables_words import RAW_NAME, _grids, _headers, _open, _rows
from tests.conftest import ROOT

PUBLISHED = ROOT / "data" / "published"
PARAMS = "src=extract&pt=fy&a=FY2017&b=FY2018&v=wd22&cat=asb"
#: A count or percentage written as text ("1,789", "-8%"): what a spreadsheet cannot add up.
NUMBER_AS_TEXT = re.compile(r"^[-+]?[\d,]+(\.\d+)?%?$")


@dataclass(frozen=True)
class Published:
    """A table as the panel published it, and where the app shows it."""

    csv: str
    page: str
    area: str  # "" for the whole of North Worcestershire (no district filter)
    place: str  # how the download names the area
    key: tuple[str, str]  # the published CSV's label column, and the screen's header for it
    columns: dict[str, str]  # published CSV column -> the header on screen

    @property
    def url(self) -> str:
        return f"{self.page}?{PARAMS}" + (f"&d={self.area}" if self.area else "")

    def figures(self) -> dict[str, list[int]]:
        """Each row's published numbers ("53%" read as 53), by its label."""
        frame = pd.read_csv(PUBLISHED / self.csv, dtype=str)
        return {row[0]: [_number(v) for v in row[1:]] for row in frame[[self.key[0], *self.columns]].to_numpy()}


TABLES = {
    # "Antisocial Behaviour in North Worcestershire between 1 April 2017 to 31 March 2019".
    "incident-types": Published(
        "north_worcs_asb_incident_types_fy2017_fy2018.csv",
        "incident_types",
        "",
        "North Worcestershire",
        ("keyword", "Type"),
        {"fy2017_18": "2017-18", "fy2018_19": "2018-19", "mean": "Mean", "mean_percentage": "Mean percentage"},
    ),
    # "Antisocial Behaviour in Redditch between 1 April 2017 to 31 March 2019", with its Grand Total.
    "ward-patterns": Published(
        "redditch_ward_asb_fy2017_fy2018.csv",
        "wards",
        "Redditch",
        "Redditch",
        ("ward", "Ward"),
        {"fy2017_18": "2017-18", "fy2018_19": "2018-19", "difference": "Difference", "percentage": "Percentage"},
    ),
}


def _number(text: str) -> int:
    return int(str(text).replace(",", "").removesuffix("%"))


def _on_screen(page, table: Published) -> dict[str, list[int]]:
    """The table's rows as the grids' accessible rows give them (a total drawn in its own grid
    under the table included), the published columns only."""
    headers = list(table.columns.values())
    grids = [g for g in _grids(page, table.key[1]) if set(headers) <= set(_headers(g))]
    assert grids, f"no grid on {table.page} has the headers {headers}"
    out: dict[str, list[int]] = {}
    for grid in grids:
        shown = _headers(grid)
        assert not [h for h in shown if RAW_NAME.match(h)], shown
        where = [shown.index(h) for h in headers]
        for row in _rows(grid):
            out[row[shown.index(table.key[1])]] = [_number(row[i]) for i in where]
    return out


def _download(page, button: str) -> tuple[str, bytes]:
    """Click a table's download button (ui/render.py keys them "csv-<name>", "xlsx-<name>")."""
    with page.expect_download(timeout=20_000) as info:
        page.locator(f".st-key-{button} button").click()
    download = info.value
    return download.suggested_filename, Path(download.path()).read_bytes()


def _read_csv(data: bytes) -> tuple[list[str], pd.DataFrame]:
    """A downloaded CSV as the analyst reads it: its "# " description lines, then the table."""
    text = data.decode("utf-8-sig")
    lines = text.splitlines()
    about = [line.removeprefix("# ") for line in lines if line.startswith("# ")]
    body = "\n".join(line for line in lines if not line.startswith("# "))
    return about, pd.read_csv(io.StringIO(body))


def _read_xlsx(data: bytes) -> tuple[list[str], list[str], list[tuple]]:
    """A downloaded workbook: its 'about' sheet's lines, the table's headers and rows."""
    book = openpyxl.load_workbook(io.BytesIO(data))
    rows = list(book.worksheets[0].values)
    about = [row[0] for row in list(book["about"].values)[1:]]
    return about, [str(h) for h in rows[0]], rows[1:]


def _plain_headers(headers: list[str]) -> None:
    assert not [h for h in headers if RAW_NAME.match(h) or "_" in h or h.startswith("Period ")], headers


def _says_what_it_is(about: list[str], table: Published) -> None:
    """The file's own description: source, periods, boundary vintage, place, and SYNTHETIC."""
    text = " | ".join(about)
    assert "force ASB incident extract" in text and "SYNTHETIC" in text, about
    assert "periods: 2017-18 and 2018-19" in about, about
    assert "wards: WD22" in about, about
    assert f"Anti-social behaviour in {table.place}" in about, about


def _check_csv(name: str, data: bytes, table: Published, published: dict[str, list[int]]) -> None:
    assert name.endswith(".csv") and "2017-18-2018-19" in name, name
    about, frame = _read_csv(data)
    _says_what_it_is(about, table)
    _plain_headers(list(frame.columns))
    text_numbers = [c for c in frame.columns if frame[c].map(lambda v: bool(NUMBER_AS_TEXT.match(str(v)))).any()]
    assert not [c for c in text_numbers if frame[c].dtype == object], text_numbers
    headers = [_download_header(h) for h in table.columns.values()]
    for header in headers:  # numbers, not "1,789" or "-8%" text: a spreadsheet adds them up
        assert pd.api.types.is_integer_dtype(frame[header]), (header, frame[header].tolist())
    got = {row[0]: [int(v) for v in row[1:]] for row in frame[[table.key[1], *headers]].to_numpy()}
    assert got == published


def _check_xlsx(name: str, data: bytes, table: Published, published: dict[str, list[int]], csv_about) -> None:
    assert name.endswith(".xlsx") and "2017-18-2018-19" in name, name
    about, headers, rows = _read_xlsx(data)
    assert about == csv_about  # the workbook's 'about' sheet says what the CSV's head says
    _plain_headers(headers)
    wanted = [headers.index(_download_header(h)) for h in table.columns.values()]
    text_numbers = [v for row in rows for v in row if isinstance(v, str) and NUMBER_AS_TEXT.match(v)]
    assert not text_numbers, text_numbers
    for row in rows:
        assert all(isinstance(row[i], int) and not isinstance(row[i], bool) for i in wanted), row
    got = {row[headers.index(table.key[1])]: [row[i] for i in wanted] for row in rows}
    assert got == published


def _download_header(screen: str) -> str:
    """A percentage column's header in a file says its unit: the cell is a bare number."""
    return f"{screen} (%)" if screen in ("Percentage", "Mean percentage") else screen


@pytest.mark.parametrize("name", TABLES)
def test_the_analyst_reproduces_a_published_table_on_screen_and_in_both_downloads(server, page, name):
    table = TABLES[name]
    published = table.figures()
    _open(page, f"{server}/{table.url}")
    # On screen: every published number, to the digit (the ward table's Grand Total included).
    assert _on_screen(page, table) == published

    # Both files, clicked one straight after the other, and the CSV once more for a colleague:
    # every click gives its file (none lost to the page rerunning), the second CSV the same file.
    (csv_name, csv_data), (xlsx_name, xlsx_data), again = [
        _download(page, button) for button in (f"csv-{name}", f"xlsx-{name}", f"csv-{name}")
    ]
    assert again == (csv_name, csv_data)
    _check_csv(csv_name, csv_data, table, published)
    _check_xlsx(xlsx_name, xlsx_data, table, published, _read_csv(csv_data)[0])


def test_a_partly_held_year_is_named_by_its_months_in_the_download_and_the_legend(server, page, built_conn):
    # The extract ends in August 2019: of 2019-20 it holds April to August.
    year = financial_year_period(2019)
    present = set(months_present(built_conn, "extract"))
    held = [m for m in year.months if m in present]
    assert 0 < len(held) < len(year.months)
    label = held_label(year.label, len(year.months), len(held))
    missing = f"missing months: {month_runs([m for m in year.months if m not in present])}"

    _open(page, f"{server}/incident_types?src=extract&pt=fy&a=FY2018&b=FY2019&v=wd22&cat=asb")
    legend = page.locator('[data-testid="stPlotlyChart"] .legendtext')
    legend.first.wait_for(timeout=30_000)
    # Every two-period chart on the page (the types, and the NIRS classes below them) names both years so.
    texts = legend.all_text_contents()  # SVG: text, not inner text
    assert texts[:2] == ["2018-19", label] and set(texts) == {"2018-19", label}, texts
    assert _headers(_grids(page, "Type")[0]) == ["Type", "2018-19", label]  # on screen: counts only

    for button in ("csv-incident-types", "xlsx-incident-types"):
        file_name, data = _download(page, button)
        if file_name.endswith(".csv"):
            about, frame = _read_csv(data)
            headers = list(frame.columns)
        else:
            about, headers, _ = _read_xlsx(data)
        assert re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-") in file_name
        assert headers[:3] == ["Type", "2018-19", label], headers
        assert f"periods: 2018-19 and {label}" in about and missing in about, about
        assert [line for line in about if line.startswith("Not comparable")], about
        # No figure that treats five months as a year: no change, and no mean of the two.
        assert not {"Difference", "Change (%)", "Mean", "Mean percentage (%)"} & set(headers), headers
