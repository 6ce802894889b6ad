"""A force extract workbook (XLSX) read for certain, or refused: which sheet, merged cells, formulas.

- The sheet: the one the user names (``sheet``), else the one visible sheet whose first row holds
  the expected header. Two such sheets are refused (naming them): the load would be a guess. A
  header found only on a hidden sheet is refused, saying so and how to name it: a hidden sheet is
  often an old copy, and loading it would store stale rows while the visible one is ignored.
- Merged cells are filled from their anchor (top-left) cell, and the load report says which: that
  is what a person reading the sheet sees (one district written across many rows), and refusing
  would send them to unmerge by hand a sheet that is not wrong. Left empty, those rows would have
  no district and be refused (or, before, counted as outside the districts).
- A formula without a cached value (a workbook written by a program, never opened and saved in
  Excel) is refused with its cell: openpyxl reads it as empty (data_only=True gives None; the same
  cell read with data_only=False holds the formula), and an empty location or district in its place
  would be a value nobody wrote.
- Dates in date cells are written as ISO text (2018-10-31 19:45:00), so they are never ambiguous.

The workbook has had the zip-bomb checks of any archive (files.open_archive) before it is opened
here; it is read in openpyxl's read-only (streaming) mode and written out as UTF-8 CSV, one line per
sheet row (an empty row is a blank line), so a line of the CSV is the row of the sheet.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING, Any
from xml.etree.ElementTree import iterparse

from analytics.core.errors import InputError
from analytics.core.errors import shown as _shown

if TYPE_CHECKING:
    from openpyxl.worksheet.cell_range import CellRange

# openpyxl is imported where a workbook is read, not here: this module is on the app's import path
# (the Data page's uploads), and openpyxl takes 0.3 s or more to import, paid at every server start.

#: Merged ranges named in a load report's note (the rest are counted).
NOTE_RANGES = 5


def workbook_to_csv(workbook: Path, name: str, required: tuple[str, ...], out: Path, sheet: str | None) -> str:
    """Write the extract's sheet of ``workbook`` as CSV to ``out``; the note for the load report ('' if none).

    ``name`` is the file as messages call it; ``required`` the column names the header must hold.
    """
    values = _open(workbook, name, data_only=True)
    formulas = _open(workbook, name, data_only=False)
    try:
        title = choose_sheet(values, name, required, sheet)
        merged = _merged_ranges(values, title, name)
        rows = _rows(values[title], formulas[title], merged, name)
        with open(out, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            for row in rows:
                writer.writerow(row)
    finally:
        values.close()
        formulas.close()
    return _merge_note(title, merged)


def _open(workbook: Path, name: str, data_only: bool) -> Any:
    """The workbook in read-only mode, or the InputError saying it cannot be read."""
    try:
        import openpyxl

        return openpyxl.load_workbook(workbook, read_only=True, data_only=data_only)
    except Exception as exc:  # openpyxl raises many types for a broken workbook
        raise InputError(f"not a readable Excel workbook ({str(exc)[:200]}).", file=name) from None


def choose_sheet(book: Any, name: str, required: tuple[str, ...], sheet: str | None) -> str:
    """The title of the sheet to read: the one named, else the one visible sheet holding the header."""
    titles: list[str] = list(book.sheetnames)
    listed = ", ".join(_shown(t) for t in titles)
    if sheet is not None:
        if sheet not in titles:
            raise InputError(f"the workbook has no sheet {_shown(sheet)}; its sheets: {listed}.", file=name)
        return sheet
    holding = [t for t in titles if _holds_header(book[t], required)]
    visible = [t for t in holding if book[t].sheet_state == "visible"]
    if len(visible) > 1:
        raise InputError(
            f"more than one sheet holds the extract's header ({', '.join(_shown(t) for t in visible)}); "
            "name the one to load (--sheet NAME).",
            file=name,
        )
    if visible:
        return visible[0]
    if len(holding) == 1:
        raise InputError(
            f"the only sheet that holds the extract's header, {_shown(holding[0])}, is hidden; "
            f"if it is the one to load, name it (--sheet {_shown(holding[0])}).",
            file=name,
        )
    if holding:
        raise InputError(
            f"the sheets that hold the extract's header ({', '.join(_shown(t) for t in holding)}) are all "
            "hidden; name the one to load (--sheet NAME).",
            file=name,
        )
    shown_sheets = [t for t in titles if book[t].sheet_state == "visible"]
    if len(shown_sheets) == 1:
        return shown_sheets[0]  # its header is read (and refused, naming what is missing) as a CSV's is
    raise InputError(
        f"no visible sheet has the extract's header on its first row ({', '.join(required)}); "
        f"the workbook's sheets: {listed}. Name the sheet to load (--sheet NAME).",
        file=name,
    )


def _holds_header(worksheet: Any, required: tuple[str, ...]) -> bool:
    """Whether the sheet's first row holds every required column name (a chart sheet has no rows)."""
    if not hasattr(worksheet, "iter_rows"):
        return False
    for row in worksheet.iter_rows(min_row=1, max_row=1, values_only=True):
        names = {_text(v).strip() for v in row}
        return all(r in names for r in required)
    return False


def _merged_ranges(book: Any, title: str, name: str) -> list[CellRange]:
    """The sheet's merged ranges, read from its XML as a stream (they follow the rows)."""
    from openpyxl.worksheet.cell_range import CellRange

    path = book[title]._worksheet_path  # openpyxl's read-only sheets do not list merged cells
    ranges = []
    try:
        with book._archive.open(path) as source:
            for _, element in iterparse(source):
                if element.tag.endswith("}mergeCell") and element.get("ref"):
                    ranges.append(CellRange(element.get("ref")))
                element.clear()
    except Exception as exc:  # a damaged sheet: a broken XML stream or range
        raise InputError(f"not a readable Excel workbook ({str(exc)[:200]}).", file=name) from None
    return ranges


def _rows(values: Any, formulas: Any, merged: list[CellRange], name: str) -> Iterator[list[str]]:
    """The sheet's rows as text: merged cells filled from their anchor; an uncached formula refused."""
    from openpyxl.utils import get_column_letter

    starting: dict[int, list[CellRange]] = {}
    for r in merged:
        starting.setdefault(r.min_row, []).append(r)
    active: list[CellRange] = []
    anchors: dict[str, Any] = {}
    pending: list[list[str]] = []  # empty rows, written only if a row with values follows
    width = 0
    both = zip(
        values.iter_rows(min_row=1, values_only=True), formulas.iter_rows(min_row=1, values_only=True), strict=False
    )
    for number, (row, formula_row) in enumerate(both, start=1):
        active = [r for r in active if r.max_row >= number] + starting.get(number, [])
        cells = list(row)
        for col, value in enumerate(cells, start=1):
            if value is None and col <= len(formula_row) and formula_row[col - 1] is not None:
                ref = f"{get_column_letter(col)}{number}"
                raise InputError(
                    f"the cell {ref} holds a formula with no saved value ({_shown(formula_row[col - 1])}); "
                    "open the workbook in Excel and save it, or paste the values.",
                    file=name,
                    line=number,
                )
        cells = _fill(cells, number, active, anchors)
        texts = [_text(v) for v in cells]
        if number == 1:
            while texts and not texts[-1].strip():
                texts.pop()
            width = len(texts)
        if not any(t.strip() for t in texts):
            pending.append([])
            continue
        while len(texts) > width and not texts[-1]:
            texts.pop()
        yield from pending
        pending = []
        yield texts + [""] * (width - len(texts))


def _fill(cells: list[Any], number: int, active: list[CellRange], anchors: dict[str, Any]) -> list[Any]:
    """The row with the cells of merged ranges given their anchor's value."""
    for r in active:
        if r.min_row == number:
            anchors[r.coord] = cells[r.min_col - 1] if r.min_col <= len(cells) else None
        if len(cells) < r.max_col:
            cells += [None] * (r.max_col - len(cells))
        for col in range(r.min_col, r.max_col + 1):
            if (number, col) != (r.min_row, r.min_col):
                cells[col - 1] = anchors[r.coord]
    return cells


def _merge_note(title: str, merged: list[CellRange]) -> str:
    """What the load report says of the merged cells filled."""
    if not merged:
        return ""
    named = ", ".join(r.coord for r in merged[:NOTE_RANGES])
    more = f" and {len(merged) - NOTE_RANGES:,} more" if len(merged) > NOTE_RANGES else ""
    return (
        f"sheet {_shown(title)}: merged cells {named}{more} were filled from their first (top-left) cell, "
        "as the sheet shows them."
    )


def _text(value: Any) -> str:
    """A cell's value as the CSV text the extract's checks read."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)
