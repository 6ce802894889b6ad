"""analytics/present/export.py: CSV and XLSX downloads are self-describing and safe in a spreadsheet,
and in public mode no count below the threshold is in any download."""

from __future__ import annotations

import io
import re

import openpyxl
import pandas as pd
import pytest

from analytics.analyses.incident_types import incident_types
from analytics.analyses.wards import ward_deltas
from analytics.core.disclosure import suppress
from analytics.core.periods import parse_period
from analytics.core.selection import Selection
from analytics.core.table_meta import PeriodCoverage, TableMeta, with_meta
from analytics.present.export import describe_lines, neutralise, to_csv_bytes, to_xlsx_bytes
from tests.analysis_fixtures import FY2017, FY2018


@pytest.mark.parametrize(
    "value, expected",
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1+2", "'+1+2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("-2+3", "'-2+3"),
        ("\t=1", "'\t=1"),
        ("-8%", "-8%"),
        ("-265", "-265"),
        ("12.5%", "12.5%"),
        ("On or near Unicorn Hill", "On or near Unicorn Hill"),
        (42, 42),
    ],
)
def test_formulas_are_neutralised_and_numbers_kept(value, expected):
    assert neutralise(value) == expected


def test_csv_and_xlsx_say_what_they_are(built_conn):
    table = ward_deltas(built_conn, Selection("extract", districts=("Redditch",)), FY2017, FY2018)
    text = to_csv_bytes(table).decode("utf-8-sig")
    assert "# Source: force ASB incident extract (SYNTHETIC demonstration data)" in text
    assert "# periods: 2017-18 and 2018-19\r\n" in text and "# wards: WD22\r\n" in text
    body = pd.read_csv(io.StringIO(text), comment="#")
    assert body.iloc[-1][["ward_name", "difference", "percentage"]].tolist() == ["Grand Total", -265, "-8%"]
    book = openpyxl.load_workbook(io.BytesIO(to_xlsx_bytes(table)))
    assert book["table"]["B14"].value == "Grand Total"
    assert any("SYNTHETIC" in str(row[0].value) for row in book["about"].iter_rows())


def test_a_download_says_which_months_are_missing_and_why_no_change(built_conn):
    table = ward_deltas(
        built_conn,
        Selection("police_uk", districts=("Redditch",), boundaries="wd25"),
        parse_period("CY2024"),
        parse_period("CY2025"),
    )
    text = to_csv_bytes(table).decode("utf-8-sig")
    assert re.search(r"^# missing months: May–\w{3} 2024\r$", text, re.M)
    assert "# Not comparable: police.uk holds 4 of 12 months of 2024 and 12 of 12 of 2025" in text
    body = pd.read_csv(io.StringIO(text), comment="#")
    assert body["difference"].isna().all() and body["count_b"].iloc[-1] > 0


def test_the_header_is_the_tables_caption_in_full_one_line_each_and_neutralised():
    meta = TableMeta(
        title="=Wards\nby change",
        source="police.uk street-level data (real, open data)",
        measure="Anti-social behaviour",
        place="Redditch",
        boundaries="WD25",
        period_a=PeriodCoverage("2024", 12, ("2024-05", "2024-06")),
        period_b=PeriodCoverage("2025", 12),
        not_comparable="Not comparable: police.uk holds 10 of 12 months of 2024, so no change is given.",
        population_note="Population: ONS mid-2018 estimates.",
        source_gaps="none since Jan 2019",
        suppressed_below=5,
    )
    frame = with_meta(pd.DataFrame({"ward_name": ["Abbey"], "count_a": [3], "count_b": [40]}), meta)
    assert describe_lines(frame) == [
        "'=Wards by change",
        "Source: police.uk street-level data (real, open data)",
        "periods: 2024 (10 of 12 months held) and 2025",
        "wards: WD25",
        "Anti-social behaviour in Redditch",
        "missing months: May–Jun 2024",
        "Not comparable: police.uk holds 10 of 12 months of 2024, so no change is given.",
        "Population: ONS mid-2018 estimates.",
        "source coverage: none since Jan 2019",
        "public mode: counts below 5 not shown (<5)",
    ]
    head = to_csv_bytes(frame).decode("utf-8-sig").split("\r\n")[: len(describe_lines(frame))]
    assert head == [f"# {line}" for line in describe_lines(frame)]
    # A frame that says nothing of itself gets no header.
    assert describe_lines(pd.DataFrame({"count": [1]})) == []


def test_location_text_that_looks_like_a_formula_is_defused():
    frame = pd.DataFrame({"location": ["=cmd|' /C calc'!A0", "On or near Market Place"], "count": [7, 9]})
    book = openpyxl.load_workbook(io.BytesIO(to_xlsx_bytes(frame)))
    assert book["table"]["A2"].data_type == "s" and book["table"]["A2"].value.startswith("'=")
    assert "\n'=cmd" in to_csv_bytes(frame).decode("utf-8-sig")


SMALL_CELL = re.compile(r"^[0-4]$")


def _small_counts_in_csv(data: bytes, columns: list[str]) -> list:
    body = pd.read_csv(io.StringIO(data.decode("utf-8-sig")), comment="#", dtype=str, keep_default_na=False)
    return [v for c in columns if c in body.columns for v in body[c] if SMALL_CELL.match(v)]


def test_public_mode_downloads_hold_no_small_count(built_conn):
    selection = Selection("extract", districts=("Redditch",), wards=("E05007869",))  # a small ward
    tables = [
        incident_types(built_conn, selection, FY2017, FY2018),
        ward_deltas(built_conn, Selection("extract", districts=("Redditch",)), FY2017, FY2018),
    ]
    assert any(_small_counts_in_csv(to_csv_bytes(t), ["count_a", "count_b"]) for t in tables), (
        "the check must be able to fail: these tables have small counts before suppression"
    )
    for table in tables:
        hidden = suppress(table, 5)
        # Counts only: a difference or a rate between two shown counts gives nothing small away.
        assert not _small_counts_in_csv(to_csv_bytes(hidden), ["count_a", "count_b", "mean"])
        book = openpyxl.load_workbook(io.BytesIO(to_xlsx_bytes(hidden)))
        rows = list(book["table"].iter_rows(values_only=True))
        wanted = [i for i, name in enumerate(rows[0]) if name in ("count_a", "count_b", "mean")]
        numbers = [row[i] for row in rows[1:] for i in wanted if isinstance(row[i], (int, float))]
        assert not [n for n in numbers if 0 <= n < 5]
