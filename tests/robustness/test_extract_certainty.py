"""A force extract read for certain or refused (analytics/data/extract_rules.py, workbooks.py): each
class of guess is refused with a message naming the file, the line (the sheet row, or the cell) and
the problem, and leaves every table exactly as it was.

The workbooks are built here with openpyxl: a hidden sheet, two sheets with the header, merged cells,
a formula with no saved value.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from analytics.core.errors import InputError
from analytics.data import store
from analytics.data.extract import ingest_extract
from tests.conftest import DISTRICTS, db_checksums, table_checksums


def _frame(n: int = 4, changes: dict | None = None) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "incident_ref": [f"C-{i}" for i in range(n)],
            "reported_at": ["2018-10-31 19:45:00"] * n,
            "keyword": ["Youth related"] * n,
            "nirs_class": ["Nuisance"] * n,
            "district": ["Redditch"] * n,
            "ward_code": ["E05007868"] * n,
            "longitude": ["-1.940700"] * n,
            "latitude": ["52.306000"] * n,
            "location": ["On or near Unicorn Hill"] * n,
        }
    )
    for (column, row), value in (changes or {}).items():
        frame.loc[row, column] = value
    return frame


def _csv(name: str, frame: Callable[[], pd.DataFrame]) -> Callable[[Path], Path]:
    def build(tmp: Path) -> Path:
        path = tmp / name
        frame().to_csv(path, index=False)
        return path

    return build


def _book(name: str, sheets: list[tuple[str, bool, str]], merge: str = "", formula: tuple[str, str] | None = None):
    """A workbook of (title, holds the extract, state) sheets; ``merge`` and ``formula`` go on the first."""

    def build(tmp: Path) -> Path:
        book = openpyxl.Workbook()
        book.remove(book.active)
        for title, holds, state in sheets:
            sheet = book.create_sheet(title)
            sheet.sheet_state = state
            if holds:
                frame = _frame()
                sheet.append(list(frame.columns))
                for row in frame.itertuples(index=False):
                    sheet.append(list(row))
        first = book[sheets[0][0]]
        if merge:
            first[merge.split(":")[0]] = None  # the anchor empty: the merged rows have no district
            first.merge_cells(merge)
        if formula:
            first[formula[0]] = formula[1]
        path = tmp / name
        book.save(path)
        return path

    return build


@dataclass
class Case:
    id: str
    build: Callable[[Path], Path]
    line: int | None
    problem: str
    options: dict | None = None


REFUSED = [
    Case(
        "hidden-sheet-only",
        _book("hidden.xlsx", [("Old", True, "hidden"), ("Notes", False, "visible")]),
        None,
        "the only sheet that holds the extract's header, 'Old', is hidden; if it is the one to load, "
        "name it (--sheet 'Old')",
    ),
    Case(
        "two-sheets-with-the-header",
        _book("two.xlsx", [("October", True, "visible"), ("November", True, "visible")]),
        None,
        "more than one sheet holds the extract's header ('October', 'November'); name the one to load",
    ),
    Case(
        "no-such-sheet",
        _book("named.xlsx", [("Extract", True, "visible")]),
        None,
        "the workbook has no sheet 'Extrakt'; its sheets: 'Extract'",
        {"sheet": "Extrakt"},
    ),
    Case(
        "merged-cells-with-an-empty-anchor",
        _book("merged.xlsx", [("Extract", True, "visible")], merge="E3:E4"),
        3,
        "the district is not one of the force's districts; valid districts: Bromsgrove, Redditch, Wyre Forest, "
        "Malvern Hills, Worcester, Wychavon, Herefordshire",
    ),
    Case(
        "formula-without-a-saved-value",
        _book("formula.xlsx", [("Extract", True, "visible")], formula=("I4", '="On or near "&A4')),
        4,
        "the cell I4 holds a formula with no saved value ('=\"On or near \"&A4')",
    ),
    Case(
        "dates-read-two-ways",
        _csv("us.csv", lambda: _frame(changes={("reported_at", i): f"0{i + 1}/0{i + 2}/2018 10:00" for i in range(4)})),
        2,
        "the dates read both day-first and month-first ('01/02/2018 10:00': every day and month is 12 or less)",
    ),
    Case(
        "date-format-not-a-format",
        _csv("fmt.csv", _frame),
        None,
        "the date format must be a strptime format such as '%d/%m/%Y %H:%M', not 'dd/mm/yyyy'",
        {"date_format": "dd/mm/yyyy"},
    ),
    Case(
        "dates-not-in-the-given-format",
        _csv("given.csv", _frame),
        2,
        "the date and time reported is not a date",
        {"date_format": "%d/%m/%Y %H:%M"},
    ),
    Case(
        "month-still-to-come",
        _csv("future.csv", lambda: _frame(changes={("reported_at", 2): "2099-01-01 10:00:00"})),
        4,
        "the date reported is in a month still to come: '2099-01-01 10:00:00' (1 row(s))",
    ),
    Case(
        "district-empty",
        _csv("nodistrict.csv", lambda: _frame(changes={("district", 1): ""})),
        3,
        "the district is not one of the force's districts; valid districts: Bromsgrove",
    ),
    Case(
        "district-misspelt",
        _csv("misspelt.csv", lambda: _frame(changes={("district", 3): "Wyre Forrest"})),
        5,
        "Telford and Wrekin: 'Wyre Forrest' (1 row(s))",
    ),
    Case(
        "one-reference-two-incidents",
        _csv("twice.csv", lambda: _frame(changes={("incident_ref", 3): "C-1", ("location", 3): "On or near X"})),
        5,
        "the incident reference 'C-1' is on two rows that differ (lines 3 and 5); each incident must be on one row",
    ),
    Case(
        "sheet-named-for-a-csv",
        _csv("sheet.csv", _frame),
        None,
        "a sheet ('Extract') is named, but this is a CSV file",
        {"sheet": "Extract"},
    ),
]


@pytest.mark.parametrize("case", REFUSED, ids=[c.id for c in REFUSED])
def test_a_guess_is_refused_naming_file_line_and_problem(geo_db, tmp_path, case):
    before = db_checksums(geo_db)
    path = case.build(tmp_path)
    conn = store.connect(geo_db)
    try:
        with pytest.raises(InputError) as error:
            ingest_extract(conn, path, districts=DISTRICTS, **(case.options or {}))
        assert table_checksums(conn) == before
    finally:
        conn.close()
    message = str(error.value)
    assert (error.value.file, error.value.line) == (str(path), case.line), message
    where = f"{path}, line {case.line}: " if case.line else f"{path}: "
    assert message.startswith(where), message
    assert case.problem in message, message
    assert db_checksums(geo_db) == before


def test_merged_cells_load_as_the_sheet_shows_them(geo_db, tmp_path):
    path = _book("merged.xlsx", [("Extract", True, "visible"), ("Old", True, "hidden")])(tmp_path)
    book = openpyxl.load_workbook(path)
    book["Extract"].merge_cells("E2:E5")  # Redditch, written once across the four rows
    book.save(path)
    conn = store.connect(geo_db)
    try:
        report = ingest_extract(conn, path, districts=DISTRICTS)
        stored = conn.execute("SELECT district, count(*) FROM incidents GROUP BY ALL").fetchall()
    finally:
        conn.close()
    assert stored == [("Redditch", 4)]
    assert "merged cells E2:E5 were filled from their first (top-left) cell" in report.files[0].message
