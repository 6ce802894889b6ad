"""The analysis tables on tiny hand-made fixtures (answers worked out by hand in the comments),
and the command line on the built store against the published tables."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from datetime import date

import pandas as pd
import pytest

from analytics.analyses.comparison import default_comparison
from analytics.analyses.crime import crime_ytd
from analytics.analyses.districts import districts_table
from analytics.analyses.incident_types import incident_types
from analytics.analyses.quality import quality_table
from analytics.analyses.wards import ward_deltas
from analytics.core.errors import AnalyticsError
from analytics.core.periods import parse_period
from analytics.core.selection import Selection
from analytics.core.table_meta import meta_of
from analytics.data import store
from analytics.reports.tables import run_table
from tests.conftest import ROOT

# The project's copy of ../shared/published (data/published/README.md says where it comes from).
PUBLISHED = ROOT / "data" / "published"

ABBEY, CRABBS_CROSS, WEST = "E05007868", "E05007873", "E05007878"
FY2017, FY2018 = parse_period("FY2017"), parse_period("FY2018")


def _insert(conn, rows):
    """rows: (source, month 'YYYY-MM', category, keyword, district, ward_wd22, times)."""
    for source, month, category, keyword, district, ward, times in rows:
        for _ in range(times):
            conn.execute(
                """
                INSERT INTO incidents (source, synthetic, load_id, month, category, is_asb, keyword, district,
                                       ward_wd22, ward_wd25, ward_method_wd22, ward_method_wd25)
                VALUES (?, ?, 1, ?, ?, ?, ?, ?, ?, ?, 'point', 'point')""",
                [
                    source,
                    source == "extract",
                    date.fromisoformat(month + "-01"),
                    category,
                    category == "Anti-social behaviour",
                    keyword,
                    district,
                    ward,
                    ward,
                ],
            )


@pytest.fixture
def fixture_conn(geo_db):
    conn = store.connect(geo_db)
    asb = "Anti-social behaviour"
    _insert(
        conn,
        [
            # Abbey: 3 in March 2018 (the last month of 2017-18), 5 in April 2018 (the first of 2018-19)
            ("extract", "2018-03", asb, "Youth related", "Redditch", ABBEY, 3),
            ("extract", "2018-04", asb, "Other", "Redditch", ABBEY, 5),
            # Crabbs Cross: one either side of the New Year, both in 2017-18; none in 2018-19
            ("extract", "2017-12", asb, "Begging", "Redditch", CRABBS_CROSS, 1),
            ("extract", "2018-01", asb, "Begging", "Redditch", CRABBS_CROSS, 1),
            # West: none in 2017-18, 4 in 2018-19 (a change from zero)
            ("extract", "2019-01", asb, "Parking", "Redditch", WEST, 4),
            # police.uk: crime and ASB, January-February 2024 and 2025 (February 2024 missing)
            ("police_uk", "2024-01", "Burglary", None, "Redditch", ABBEY, 2),
            ("police_uk", "2025-02", "Burglary", None, "Redditch", ABBEY, 3),
            ("police_uk", "2025-01", "Vehicle crime", None, "Bromsgrove", "E05009829", 1),
            ("police_uk", "2025-01", asb, None, "Redditch", ABBEY, 10),
        ],
    )
    yield conn
    conn.close()


@pytest.fixture
def comparable_conn(fixture_conn):
    """The fixture with the extract holding every month of 2017-18 and 2018-19: a month with no
    row at all is missing from the source, and two years with missing months are not comparable.
    One non-ASB row a month, which no ASB table counts."""
    _insert(
        fixture_conn,
        [
            ("extract", f"{year}-{month:02d}", "Filler (not ASB)", None, "Wyre Forest", "E05010502", 1)
            for year, months in ((2017, range(4, 13)), (2018, range(1, 13)), (2019, range(1, 4)))
            for month in months
        ],
    )
    return fixture_conn


def test_ward_deltas_by_hand(comparable_conn):
    fixture_conn = comparable_conn
    table = ward_deltas(fixture_conn, Selection("extract", districts=("Redditch",)), FY2017, FY2018)
    rows = table.set_index("ward_name")
    assert len(table) == 13  # 12 Redditch WD22 wards and the Grand Total
    assert rows.loc["Abbey", ["count_a", "count_b", "difference", "pct_change", "percentage"]].tolist() == [
        3,
        5,
        2,
        67,
        "67%",
    ]  # 2/3 = 66.7% -> 67%
    assert rows.loc["Crabbs Cross", ["count_a", "count_b", "percentage"]].tolist() == [2, 0, "-100%"]
    assert rows.loc["West", ["count_a", "count_b", "difference", "percentage"]].tolist() == [0, 4, 4, "new"]
    assert pd.isna(rows.loc["West", "pct_change"])  # no percentage from zero, never inf
    assert rows.loc["Lodge Park", ["count_a", "count_b", "percentage"]].tolist() == [0, 0, "n/a"]
    assert rows.loc["Grand Total", ["count_a", "count_b", "difference", "percentage"]].tolist() == [5, 9, 4, "80%"]
    assert rows.loc["Abbey", "small_numbers"] and not rows.loc["Abbey", "significant"]
    assert meta_of(table).boundaries == "WD22" and "SYNTHETIC" in meta_of(table).source
    # Rate per 1,000: Abbey's mid-2018 population through the ONS best-fit lookup is 6,425.
    assert rows.loc["Abbey", "population_mid2018"] == 6425
    assert rows.loc["Abbey", "rate_b_per_1000"] == pytest.approx(0.8)  # 5 / 6425 * 1000 = 0.778


def test_ward_deltas_in_the_other_vintage(fixture_conn):
    table = ward_deltas(fixture_conn, Selection("extract", districts=("Redditch",), boundaries="wd25"), FY2017, FY2018)
    assert len(table) == 10  # 9 WD25 wards and the Grand Total
    assert meta_of(table).boundaries == "WD25"


def test_incident_types_by_hand(comparable_conn):
    table = incident_types(comparable_conn, Selection("extract"), FY2017, FY2018)
    assert table.type.tolist() == [
        "Other",
        "Parking",
        "Youth related",
        "Begging",
        "Fights/ Arguments",
        "Neighbour Dispute",
        "Threats/ Harassment",
    ]
    rows = table.set_index("type")
    # Means round half up: (0+5)/2 = 2.5 -> 3; (3+0)/2 = 1.5 -> 2; sum of means 3+2+2+1 = 8.
    assert rows["mean"].tolist() == [3, 2, 2, 1, 0, 0, 0]
    # Mean percentages: 3/8 = 37.5% -> 38%; 2/8 = 25%; 1/8 = 12.5% -> 13%.
    assert rows.mean_percentage.tolist() == ["38%", "25%", "25%", "13%", "0%", "0%", "0%"]


def test_districts_by_hand(comparable_conn):
    table = districts_table(comparable_conn, Selection("extract"), FY2017, FY2018)
    assert table.district.tolist() == ["Redditch", "Bromsgrove", "Wyre Forest", "North Worcestershire"]
    total = table.iloc[-1]
    assert (total.count_a, total.count_b, total.percentage) == (5, 9, "80%")
    assert total.population_mid2018 == 98_662 + 84_989 + 101_062


def test_crime_ytd_keeps_asb_out_and_says_what_is_missing(fixture_conn):
    table = crime_ytd(fixture_conn, Selection("police_uk", category="crime"), parse_period("2025-01..2025-02"))
    rows = table.set_index("crime_type")
    assert rows.loc["Burglary", ["count_a", "count_b"]].tolist() == [2, 3]
    assert rows.loc["Vehicle crime", ["count_a", "count_b"]].tolist() == [0, 1]
    assert rows.loc["All recorded crime", ["count_a", "count_b"]].tolist() == [2, 4]  # the 10 ASB rows excluded
    assert "Anti-social behaviour" not in rows.index
    assert meta_of(table).period_labels[0] == "Jan–Feb 2024"
    assert meta_of(table).period_a.missing == ("2024-02",)
    # Feb 2024 is missing from police.uk: the counts stand, but "+50%" would not be a change in crime.
    assert table[["difference", "pct_change", "percentage", "p_value", "significant"]].isna().all().all()
    assert meta_of(table).not_comparable == (
        "Not comparable: police.uk holds 1 of 2 months of "
        "Jan–Feb 2024 and 2 of 2 of Jan–Feb 2025, so no change is given."
    )


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


def test_quality_by_hand(fixture_conn):
    table = quality_table(fixture_conn)
    police = table[table.source == "police_uk"].set_index("check")
    assert police.loc["months present", "value"] == 3
    # Present: 2024-01, 2025-01, 2025-02; the span 2024-01..2025-02 misses Feb-Dec 2024.
    assert police.loc["months missing", "value"] == 11
    assert police.loc["months missing", "detail"] == "Feb 2024 to Dec 2024 (11 months)"
    assert police.loc["rows stored", "value"] == 16
    extract = table[table.source == "extract"].set_index("check")
    # Present: 2017-12, 2018-01, 2018-03, 2018-04, 2019-01.
    assert extract.loc["months missing", "value"] == 9
    assert extract.loc["months missing", "detail"] == "Feb 2018; May 2018 to Dec 2018 (8 months)"


def test_default_comparison(built_conn):
    a, b = default_comparison(built_conn, "extract")
    assert (a.label, b.label) == ("2017-18", "2018-19")
    a, b = default_comparison(built_conn, "police_uk")
    assert (a.label, b.label) == ("Jan–Apr 2024", "Jan–Apr 2025")


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


def test_a_ward_selection_is_named_by_its_wards(built_conn):
    from analytics.data.query import place

    redditch = Selection("extract", districts=("Redditch",))
    assert place(built_conn, redditch) == "Redditch"
    assert place(built_conn, redditch.with_(wards=("E05007868",))) == "Abbey"
    assert place(built_conn, redditch.with_(wards=("E05007879", "E05007868"))) == "Abbey and Winyates"
    four = ("E05007868", "E05007869", "E05007870", "E05007871")
    assert place(built_conn, redditch.with_(wards=four)) == "4 wards"
    table = ward_deltas(built_conn, redditch.with_(wards=("E05007868",)), FY2017, FY2018)
    assert meta_of(table).place == "Abbey"


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
