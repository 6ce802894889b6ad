"""The command line's funnel, nirs and time-of-week tables: the same frames as the analyses, the
metadata on standard error, options refused with the valid ones, and public mode."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from analytics.__main__ import main
from analytics.analyses.funnel import ward_funnel
from analytics.analyses.nirs import nirs_table
from analytics.core.periods import parse_period
from analytics.core.selection import Selection
from analytics.reports.tables import run_table

FY2017, FY2018 = parse_period("FY2017"), parse_period("FY2018")


def _main(capsys, built_db, *args) -> tuple[int, str, str]:
    status = main([*args, "--db", str(built_db)])
    out, err = capsys.readouterr()
    return status, out, err


def test_funnel_table_is_the_analysis(capsys, monkeypatch, built_db, built_conn):
    monkeypatch.delenv("ASB_PUBLIC_MODE", raising=False)
    args = ("table", "funnel", "--source", "extract", "--district", "Redditch", "--period-b", "FY2018")
    status, out, err = _main(capsys, built_db, *args)
    assert status == 0, err
    printed = pd.read_csv(io.StringIO(out))
    expected = ward_funnel(built_conn, Selection("extract", districts=("Redditch",)), FY2018)
    assert printed.ward_name.tolist() == expected.ward_name.tolist()
    assert printed.funnel_position.tolist() == expected.funnel_position.tolist()
    assert "Spiegelhalter 2005" in err and "SYNTHETIC" in err and "period: 2018-19" in err


def test_funnel_by_district(built_conn):
    table = run_table(built_conn, "funnel", {"source": "police_uk", "by": "district"})
    assert table.district.tolist() == ["Bromsgrove", "Redditch", "Wyre Forest"]


def test_nirs_defaults_to_the_extract_and_its_last_pair(built_conn):
    table = run_table(built_conn, "nirs", {"by": "district"})
    expected = nirs_table(built_conn, Selection("extract"), FY2017, FY2018, "district")
    assert table.nirs_class.tolist() == expected.nirs_class.tolist()
    assert table.count_b.tolist() == expected.count_b.tolist()


def test_time_of_week_takes_one_period(capsys, monkeypatch, built_db):
    monkeypatch.delenv("ASB_PUBLIC_MODE", raising=False)
    status, out, err = _main(capsys, built_db, "table", "time-of-week", "--period-a", "2018-10..2018-10")
    assert status == 0, err
    printed = pd.read_csv(io.StringIO(out))
    assert len(printed) == 168 and printed["count"].sum() > 0
    assert "not when it happened" in err


@pytest.mark.parametrize(
    "args, message",
    [
        (("table", "nirs", "--source", "police_uk"), "police.uk does not carry"),
        (("table", "time-of-week", "--source", "police_uk"), "police.uk gives the month of each incident only"),
        (("table", "time-of-week", "--allow-unequal"), "Valid options for time-of-week"),
        (("table", "funnel", "--by", "class"), "Valid choices: district, ward"),
        (("table", "nirs", "--source", "crime_extract", "--category", "crime"), "holds recorded crime, not ASB"),
        (("table", "time-of-week", "--source", "crime_extract"), "only the force ASB extract carries ASB report"),
        (("table", "nirs", "--by", "crime_type"), "Valid choices: class, district, ward"),
    ],
)
def test_refusals_say_why(capsys, built_db, args, message):
    status, out, err = _main(capsys, built_db, *args)
    assert status == 2 and out == "" and message in err and "Traceback" not in err


def test_public_mode_hides_small_hours_and_classes(capsys, monkeypatch, built_db):
    monkeypatch.delenv("ASB_PUBLIC_MODE", raising=False)
    args = ("table", "time-of-week", "--district", "Redditch", "--ward", "E05007873", "--period-a", "FY2018")
    status, out, err = _main(capsys, built_db, *args, "--public")
    public = pd.read_csv(io.StringIO(out), dtype=str, keep_default_na=False)
    small = public["count"] == "<5"
    assert status == 0 and small.any()
    assert (public.loc[small, "share_pct"] == "").all()
    assert not pd.to_numeric(public["count"], errors="coerce").between(0, 4).any()
