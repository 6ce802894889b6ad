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

from analytics.analyses.wards import ward_deltas
from analytics.core.errors import AnalyticsError
from analytics.core.selection import Selection
from analytics.reports.tables import run_table
from tests.analysis_fixtures import FY2017, FY2018
from tests.conftest import ROOT

# The project's copy of ../shared/published (data/published/README.md says where it comes from).
PUBLISHED = ROOT / "data" / "published"


def test_bad_choices_list_the_valid_ones(fixture_conn):
    with pytest.raises(AnalyticsError, match="Valid choices: extract, police_uk"):
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
