"""Downloads: every table as CSV and XLSX, self-describing and safe to open in a spreadsheet.

Cells that a spreadsheet would run as a formula (text starting with = + - @, a tab or a carriage
return, or their full-width forms, even after leading spaces; police.uk location text is free
text) are prefixed with an apostrophe, the OWASP advice for CSV injection. Plain numbers and
percentages such as "-8%" are left alone. Control characters a workbook cannot hold are
dropped from XLSX cells (XLSX refuses them), and the description lines are kept to one line each.
CSV lines end in CR LF (RFC 4180), so a cell holding a carriage return is quoted like one holding a
line feed: an unquoted CR would start a new row in a spreadsheet, and that row could be a formula.
"""

from __future__ import annotations

import io
import re

import pandas as pd

from analytics.core.table_meta import TableMeta, caption_parts, meta_of

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_PLAIN_NUMBER = re.compile(r"-?\d+(\.\d+)?%?")
# What XLSX (XML 1.0) cannot hold: control characters other than tab, line feed and carriage return.
_NOT_IN_XLSX = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
# Leading characters a spreadsheet may skip before it sees the formula sign.
_SKIPPED = " \n" + "".join(chr(c) for c in range(32) if chr(c) not in "\t\r\n")


def neutralise(value):
    if isinstance(value, str) and not _PLAIN_NUMBER.fullmatch(value):
        if value.startswith(_FORMULA_START) or value.lstrip(_SKIPPED).startswith(_FORMULA_START):
            return "'" + value
    return value


def _text_columns(frame: pd.DataFrame) -> list:
    return [
        c
        for c in frame.columns
        if frame[c].dtype == object
        or pd.api.types.is_string_dtype(frame[c])
        or isinstance(frame[c].dtype, pd.CategoricalDtype)
    ]


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for column in _text_columns(out):
        values = out[column].astype(object) if isinstance(out[column].dtype, pd.CategoricalDtype) else out[column]
        out[column] = values.map(neutralise)
    out.columns = [neutralise(str(c)) for c in out.columns]
    return out


def _one_line(text: str) -> str:
    return re.sub(r"[\r\n]+", " ", text)


def describe_lines(frame: pd.DataFrame) -> list[str]:
    """What the table is, one line each: its title, then :func:`analytics.core.table_meta.caption_parts`
    in full (source, periods, vintage, what and where, missing and partial months, why the periods
    are not compared, population note, the source's coverage, public mode, SYNTHETIC). A frame that
    says nothing of itself gets no lines."""
    meta = meta_of(frame)
    lines = [meta.title] if meta.title else []
    if meta.with_(title="") != TableMeta():
        lines += caption_parts(meta, full=True)
    # One line each: a line break inside a value would start a CSV line of its own.
    return [neutralise(_one_line(line)) for line in lines]


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """CSV (UTF-8 with BOM so Excel reads it right), description lines first, each starting '#'."""
    head = "".join(f"# {line}\r\n" for line in describe_lines(frame))
    return ("\ufeff" + head + safe_frame(frame).to_csv(index=False, lineterminator="\r\n")).encode("utf-8")


def _xlsx_text(value):
    return _NOT_IN_XLSX.sub("", value) if isinstance(value, str) else value


def to_xlsx_bytes(frame: pd.DataFrame, sheet: str = "table") -> bytes:
    """A workbook: the table on one sheet, what it is on a sheet called 'about'."""
    # Characters a workbook cannot hold go first, so none can hide a formula sign from neutralise.
    table = frame.copy()
    for column in _text_columns(table):
        values = table[column].astype(object) if isinstance(table[column].dtype, pd.CategoricalDtype) else table[column]
        table[column] = values.map(_xlsx_text)
    table.columns = [_xlsx_text(str(c)) for c in table.columns]
    table = safe_frame(table)
    about = pd.DataFrame({"about": [_xlsx_text(line) for line in describe_lines(frame)]})
    sheet = re.sub(r"[\[\]:*?/\\]", "-", str(sheet))[:31] or "table"
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        table.to_excel(writer, sheet_name=sheet, index=False)
        about.to_excel(writer, sheet_name="about", index=False)
    return buffer.getvalue()
