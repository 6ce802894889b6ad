"""Downloads: every table as CSV and XLSX, self-describing and safe to open in a spreadsheet.

Cells that a spreadsheet would run as a formula (text starting with = + - @, a tab or a carriage
return; police.uk location text is free text) are prefixed with an apostrophe, the OWASP advice
for CSV injection. Plain numbers and percentages such as "-8%" are left alone.
"""
from __future__ import annotations

import io
import re

import pandas as pd

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"-?\d+(\.\d+)?%?")


def neutralise(value):
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(neutralise)
    out.columns = [neutralise(str(c)) for c in out.columns]
    return out


def describe_lines(frame: pd.DataFrame) -> list[str]:
    """What the table is: source, place, periods, boundary vintage, coverage, notes."""
    a = frame.attrs
    lines = []
    if a.get("title"):
        lines.append(str(a["title"]))
    if a.get("source"):
        lines.append(f"Source: {a['source']}")
    if a.get("category") or a.get("place"):
        lines.append(f"What: {a.get('category', '')} in {a.get('place', '')}".strip())
    if a.get("period_a"):
        lines.append(f"Period A: {a['period_a']}" + (f"; period B: {a['period_b']}" if a.get("period_b") else ""))
    if a.get("boundaries"):
        lines.append(f"Ward boundaries: {a['boundaries']}")
    if a.get("source_gaps"):
        lines.append(f"Source coverage: {a['source_gaps']}")
    if a.get("population_note"):
        lines.append(str(a["population_note"]))
    if a.get("suppressed_below"):
        lines.append(f"Public mode: counts below {a['suppressed_below']} are shown as <{a['suppressed_below']}.")
    return [neutralise(line) for line in lines]


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """CSV (UTF-8 with BOM so Excel reads it right), description lines first, each starting '#'."""
    head = "".join(f"# {line}\n" for line in describe_lines(frame))
    return ("\ufeff" + head + safe_frame(frame).to_csv(index=False, lineterminator="\n")).encode("utf-8")


def to_xlsx_bytes(frame: pd.DataFrame, sheet: str = "table") -> bytes:
    """A workbook: the table on one sheet, what it is on a sheet called 'about'."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        safe_frame(frame).to_excel(writer, sheet_name=sheet[:31], index=False)
        pd.DataFrame({"about": describe_lines(frame)}).to_excel(writer, sheet_name="about", index=False)
    return buffer.getvalue()
