"""analytics/reports/tables.py and the command line: run_table's choices and options, the words for
humans, and the command line on the built store against the published tables. The analyses
themselves are tested in their own files (tests/test_wards.py, tests/test_incident_types.py, ...)."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import pandas as pd
import pytest

from analytics.__main__ import main
from analytics.analyses.wards import ward_deltas
from analytics.core.errors import AnalyticsError
from analytics.core.selection import Selection
from analytics.core.table_meta import TableMeta, meta_of, with_meta
from analytics.reports.tables import run_table
from tests.analysis_fixtures import FY2017, FY2018
from tests.conftest import ROOT

# The project's copy of ../shared/published (data/published/README.md says where it comes from).
PUBLISHED = ROOT / "data" / "published"


def test_bad_choices_list_the_valid_ones(fixture_conn):
    with pytest.raises(AnalyticsError, match="Valid choices: crime_extract, extract, police_uk"):
        Selection("police")
    with pytest.raises(AnalyticsError, match="Valid choices: .*Redditch"):
        ward_deltas(fixture_conn, Selection("extract", districts=("Worcester",)), FY2017, FY2018)
    with pytest.raises(AnalyticsError, match="ASB incidents only"):
        Selection("extract", category="crime")
    with pytest.raises(AnalyticsError, match="Valid options for quality: none"):
        run_table(fixture_conn, "quality", {"source": "extract"})
    with pytest.raises(AnalyticsError, match="Valid options for crime-ytd: .*--period-b, --district"):
        run_table(fixture_conn, "crime-ytd", {"wards": ["E05007868"]})
    with pytest.raises(AnalyticsError, match="Valid choices: crime-ytd, districts"):
        run_table(fixture_conn, "burglaries", {})


# ----------------------------------------------------------------------------- the command line


def _cli(built_db, *args) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "analytics", *args, "--db", str(built_db)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_cli_prints_the_published_incident_types(built_db):
    result = _cli(
        built_db,
        "table",
        "incident-types",
        "--source",
        "extract",
        "--period-a",
        "FY2017",
        "--period-b",
        "FY2018",
        "--format",
        "csv",
    )
    assert result.returncode == 0, result.stderr
    ours = pd.read_csv(io.StringIO(result.stdout))
    published = pd.read_csv(PUBLISHED / "north_worcs_asb_incident_types_fy2017_fy2018.csv")
    assert (
        ours[["type", "count_a", "count_b", "mean", "mean_percentage"]].values.tolist()
        == published[["keyword", "fy2017_18", "fy2018_19", "mean", "mean_percentage"]].values.tolist()
    )
    assert "SYNTHETIC" in result.stderr


def test_cli_prints_the_published_ward_table(built_db):
    result = _cli(
        built_db,
        "table",
        "ward-deltas",
        "--source",
        "extract",
        "--district",
        "Redditch",
        "--period-a",
        "FY2017",
        "--period-b",
        "FY2018",
        "--boundaries",
        "wd22",
        "--format",
        "csv",
    )
    assert result.returncode == 0, result.stderr
    ours = pd.read_csv(io.StringIO(result.stdout))
    published = pd.read_csv(PUBLISHED / "redditch_ward_asb_fy2017_fy2018.csv")
    assert (
        ours[["ward_name", "count_a", "count_b", "difference", "percentage"]].values.tolist()
        == published[["ward", "fy2017_18", "fy2018_19", "difference", "percentage"]].values.tolist()
    )


def test_cli_ward_deltas_on_police_uk_match_the_store(built_db, built_conn):
    result = _cli(
        built_db,
        "table",
        "ward-deltas",
        "--source",
        "police_uk",
        "--category",
        "asb",
        "--period-a",
        "2024-01..2024-04",
        "--period-b",
        "2025-01..2025-04",
        "--boundaries",
        "wd25",
        "--format",
        "json",
    )
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    ours = {r["ward_code"]: (r["count_a"], r["count_b"]) for r in payload["rows"] if r["ward_code"]}
    stored = dict(
        (
            (code, (a, b))
            for code, a, b in built_conn.execute("""
        SELECT w.ward_code,
               count(i.month) FILTER (WHERE i.month BETWEEN '2024-01-01' AND '2024-04-01'),
               count(i.month) FILTER (WHERE i.month BETWEEN '2025-01-01' AND '2025-04-01')
        FROM wards w LEFT JOIN incidents i ON i.ward_wd25 = w.ward_code AND i.source = 'police_uk' AND i.is_asb
        WHERE w.vintage = 'wd25' GROUP BY 1""").fetchall()
        )
    )
    assert ours == stored and len(ours) == 51
    assert payload["meta"]["boundaries"] == "WD25"


@pytest.mark.parametrize("table", ["crime-ytd", "seasonal"])
def test_cli_says_which_months_are_missing(built_db, table):
    result = _cli(built_db, "table", table, "--source", "police_uk")
    assert result.returncode == 0, result.stderr
    assert "missing: Mar 2019 to Dec 2023 (58 months); May 2024 to Dec 2024 (8 months)" in result.stderr


def test_cli_refuses_an_option_that_makes_no_sense(built_db):
    result = _cli(built_db, "table", "seasonal", "--period-b", "FY2018")
    assert result.returncode == 2
    assert "does not take --period-b" in result.stderr and "Valid options for seasonal" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_command_line_says_when_periods_are_not_comparable(built_conn):
    from analytics.reports.tables import describe_for_humans

    table = run_table(
        built_conn,
        "ward-deltas",
        {"source": "police_uk", "districts": ["Redditch"], "period_a": "CY2024", "period_b": "CY2025"},
    )
    text = describe_for_humans(table)
    assert "WARNING: Not comparable: police.uk holds 4 of 12 months of 2024 and 12 of 12 of 2025" in text, text
    assert describe_for_humans(run_table(built_conn, "quality", {})).startswith("quality: every source in the store")


# ----------------------------------------------------------------------------- one set of rules (issue 12)


def _main(capsys, built_db, *args) -> tuple[int, str, str]:
    """The command line in-process: its exit status, standard output and standard error."""
    status = main([*args, "--db", str(built_db)])
    out, err = capsys.readouterr()
    return status, out, err


REDDITCH_2025 = ("table", "ward-deltas", "--source", "police_uk", "--district", "Redditch")


@pytest.mark.parametrize("how", ["flag", "setting"])
def test_the_command_line_follows_public_mode(capsys, monkeypatch, built_db, how):
    monkeypatch.delenv("ASB_PUBLIC_MODE", raising=False)
    monkeypatch.delenv("ASB_DISCLOSURE_THRESHOLD", raising=False)
    status, out, err = _main(capsys, built_db, *REDDITCH_2025, "--period-a", "2025-01", "--period-b", "2025-02")
    shown = pd.read_csv(io.StringIO(out))
    assert status == 0 and shown.count_a.between(1, 4).any()  # analyst mode: small counts printed
    if how == "flag":
        args = (*REDDITCH_2025, "--period-a", "2025-01", "--period-b", "2025-02", "--public")
    else:
        monkeypatch.setenv("ASB_PUBLIC_MODE", "true")
        args = (*REDDITCH_2025, "--period-a", "2025-01", "--period-b", "2025-02")
    status, out, err = _main(capsys, built_db, *args)
    public = pd.read_csv(io.StringIO(out), dtype=str, keep_default_na=False)
    assert status == 0
    small = public.count_a == "<5"
    assert small.any() and not pd.to_numeric(public.count_a, errors="coerce").between(1, 4).any()
    assert (public.loc[small, ["difference", "percentage", "significant"]] == "").all().all()
    assert "public mode: counts below 5 not shown (<5)" in err
    monkeypatch.setenv("ASB_DISCLOSURE_THRESHOLD", "10")
    status, out, err = _main(capsys, built_db, *args, "--format", "json")
    rows = json.loads(out)["rows"]
    assert any(r["count_a"] == "<10" for r in rows) and "counts below 10" in err


def test_the_csv_and_json_neutralise_formulas_as_the_downloads_do():
    from analytics.present.export import safe_frame
    from analytics.reports.tables import to_csv, to_json

    frame = pd.DataFrame(
        {
            "location": ['=HYPERLINK("http://x")', " +1+1", "@SUM(A1)", "On or near High Street", "-8%"],
            "count": range(5),
        }
    )
    frame = with_meta(frame, TableMeta(place="=cmd|' /C calc'!A0", table="hotspots"))
    printed = pd.read_csv(io.StringIO(to_csv(frame)), keep_default_na=False)
    assert printed.location.tolist() == safe_frame(frame).location.tolist()
    assert printed.location.tolist()[:3] == ['\'=HYPERLINK("http://x")', "' +1+1", "'@SUM(A1)"]
    assert printed.location.tolist()[3:] == ["On or near High Street", "-8%"]
    payload = json.loads(to_json(frame))
    assert [r["location"] for r in payload["rows"]] == printed.location.tolist()
    assert payload["meta"]["place"] == "'=cmd|' /C calc'!A0"


@pytest.mark.parametrize(
    "table, extra",
    [
        ("incident-types", ("--source", "police_uk")),
        ("ward-deltas", ("--source", "police_uk", "--district", "Redditch")),
        ("districts", ("--source", "police_uk")),
        ("crime-ytd", ()),
    ],
)
def test_periods_of_different_lengths_are_refused_or_compared_per_month(capsys, monkeypatch, built_db, table, extra):
    monkeypatch.delenv("ASB_PUBLIC_MODE", raising=False)
    periods = ("--period-a", "CY2025", "--period-b", "2025-01")
    status, out, err = _main(capsys, built_db, "table", table, *extra, *periods)
    assert status == 2 and out == ""
    assert "Period A (2025) has 12 months and period B (Jan 2025) has 1 month" in err
    assert "--allow-unequal" in err and "Traceback" not in err
    status, out, err = _main(capsys, built_db, "table", table, *extra, *periods, "--allow-unequal")
    assert status == 0, err
    printed = pd.read_csv(io.StringIO(out))
    assert {"per_month_a", "per_month_b"} <= set(printed.columns)
    assert "compared per month: A has 12 months, B has 1" in err
    for row in printed.itertuples():
        assert row.count_b == round(row.per_month_b)  # one month: its count is its rate
        a, b = row.count_a / 12, float(row.count_b)
        assert abs(row.difference - (b - a)) <= 0.05 + 1e-9
        if row.count_a:
            assert abs(row.pct_change - 100 * (b - a) / a) <= 0.5 + 1e-9


def test_equal_periods_are_not_touched_and_hotspots_takes_no_allow_unequal(built_conn):
    table = run_table(built_conn, "districts", {"source": "police_uk", "allow_unequal": True})
    assert "per_month_a" not in table.columns and not meta_of(table).method
    with pytest.raises(AnalyticsError, match="hotspots table does not take --allow-unequal"):
        run_table(built_conn, "hotspots", {"allow_unequal": True})


def test_a_ward_outside_the_district_is_refused_by_the_command_line(capsys, built_db):
    status, out, err = _main(
        capsys,
        built_db,
        "table",
        "ward-deltas",
        "--source",
        "police_uk",
        "--district",
        "Bromsgrove",
        "--ward",
        "E05007868",
    )
    assert status == 2 and out == ""
    assert err.startswith("Error: Ward 'E05007868' is in Redditch, not in Bromsgrove.")
    assert "E05009823 Alvechurch South" in err and "Traceback" not in err
