"""The disclosure rule (analytics/core/disclosure.py): every column declared, and nothing on a row
from which a hidden count can be recovered. The walk through every page, chart, map, sentence and
download in a real browser is tests/robustness/test_disclosure.py."""

from __future__ import annotations

import datetime

import pandas as pd
import pytest

from analytics.analyses import (
    coverage,
    crime,
    decomposition,
    districts,
    funnel,
    hotspots,
    incident_types,
    interventions,
    nirs,
    outcomes,
    peers,
    places,
    quality,
    seasonal_profile,
    seasonal_series,
    time_of_week,
    wards,
    year_on_year,
)
from analytics.core.disclosure import (
    COLUMNS,
    Kind,
    hidden_cells,
    hide_small_numbers,
    is_hidden,
    public_order,
    suppress,
    undeclared,
)
from analytics.core.periods import parse_period
from analytics.core.selection import Selection
from analytics.core.table_meta import meta_of
from analytics.data import register

HOLLYWOOD = "E05009838"  # Bromsgrove
FY2017, FY2018 = parse_period("FY2017"), parse_period("FY2018")
JAN_APR_2024, JAN_APR_2025 = parse_period("2024-01..2024-04"), parse_period("2025-01..2025-04")
PSPO_START = datetime.date(2025, 1, 1)  # police.uk holds Jan-Apr 2024 and 2025 (the register: date to confirm)
ONE_MONTH_A, ONE_MONTH_B = parse_period("2024-03..2024-03"), parse_period("2025-03..2025-03")
ONE_MONTH_EXTRACT = parse_period("2018-10..2018-10")


def _every_table(conn) -> dict[str, pd.DataFrame]:
    """Every frame the analyses hand to a page, a chart, a map or a file, for small selections."""
    police_ward = Selection("police_uk", districts=("Bromsgrove",), wards=(HOLLYWOOD,))
    extract_ward = Selection("extract", districts=("Redditch",), wards=("E05007869",))
    crime_sel = Selection("police_uk", category="crime", districts=("Bromsgrove",), wards=(HOLLYWOOD,))
    crime_extract = Selection("crime_extract", category="crime", districts=("Bromsgrove",), wards=(HOLLYWOOD,))
    ytd_a, ytd_b = parse_period("2015-04..2016-02"), parse_period("2016-04..2017-02")
    tables = {
        "incident-types police Hollywood": incident_types.incident_types(conn, police_ward, JAN_APR_2024, JAN_APR_2025),
        "incident-types extract ward": incident_types.incident_types(conn, extract_ward, FY2017, FY2018),
        "ward-deltas one month": wards.ward_deltas(conn, police_ward, ONE_MONTH_A, ONE_MONTH_B),
        "ward-deltas extract": wards.ward_deltas(conn, Selection("extract", districts=("Redditch",)), FY2017, FY2018),
        "districts": districts.districts_table(conn, police_ward, ONE_MONTH_A, ONE_MONTH_B),
        "crime-ytd by type": crime.crime_ytd(conn, crime_sel, JAN_APR_2025, JAN_APR_2024),
        "crime-ytd by ward": crime.crime_ytd(conn, crime_sel, JAN_APR_2025, JAN_APR_2024, "ward"),
        "crime-ytd crime extract by type": crime.crime_ytd(conn, crime_extract, ytd_b, ytd_a),
        "crime-ytd crime extract by district": crime.crime_ytd(
            conn, crime_extract.with_(wards=()), ytd_b, ytd_a, "district"
        ),
        "ward-deltas crime extract": wards.ward_deltas(conn, crime_extract.with_(wards=()), ytd_a, ytd_b),
        "districts crime extract": districts.districts_table(conn, crime_extract, ytd_a, ytd_b),
        "seasonal crime extract": seasonal_series.monthly_series(conn, crime_extract, None),
        "seasonal monthly": seasonal_series.monthly_series(conn, police_ward, None),
        "seasonal profile": seasonal_profile.month_of_year_profile(conn, extract_ward, None),
        "seasonal decomposition": decomposition.decomposition(conn, extract_ward, None),
        "seasonal year on year": year_on_year.year_on_year(conn, extract_ward, None),
        "seasonal year totals": year_on_year.year_totals(conn, extract_ward, None),
        "seasonal table": decomposition.seasonal_table(conn, extract_ward, None),
        "hot-spot cells": hotspots.hotspot_cells(conn, extract_ward, FY2018),
        "hot-spot persistence": hotspots.persistence(conn, extract_ward, FY2017, FY2018),
        "hot-spot table": hotspots.hotspot_table(conn, extract_ward, FY2017, FY2018),
        "top locations": places.top_locations(conn, police_ward, JAN_APR_2025),
        "top LSOAs": places.top_lsoas(conn, police_ward, JAN_APR_2025),
        "quality": quality.quality_table(conn),
        "rows by month": coverage.rows_by_month(conn),
        "ward coverage": coverage.ward_coverage(conn),
        "files loaded": coverage.files_loaded(conn),
        "register": register.register_table(conn),
        "register versions": register.register_versions(conn),
        "impact": interventions.evaluate_intervention(
            conn, "redditch-town-centre-pspo", Selection("police_uk"), PSPO_START, 4
        ),
        "funnel wards": funnel.ward_funnel(conn, extract_ward, ONE_MONTH_EXTRACT),
        "funnel districts": funnel.district_funnel(conn, police_ward, ONE_MONTH_B),
        "nirs by class": nirs.nirs_table(conn, extract_ward, FY2017, FY2018),
        "nirs by ward": nirs.nirs_table(conn, extract_ward.with_(wards=()), FY2017, FY2018, "ward"),
        "time of week": time_of_week.time_of_week(conn, extract_ward, FY2018),
        "busiest times": time_of_week.busiest_times(time_of_week.time_of_week(conn, extract_ward, FY2018), 10),
        "peers": peers.peers_table(conn, police_ward, ONE_MONTH_A, ONE_MONTH_B),
        "outcomes by ward": outcomes.outcomes_table(conn, crime_sel, ONE_MONTH_B, "ward"),
    }
    return tables


@pytest.fixture(scope="module")
def every_table(built_db):
    from analytics.data import store

    conn = store.connect(built_db, read_only=True)
    try:
        yield _every_table(conn)
    finally:
        conn.close()


def test_every_column_of_every_table_is_declared(every_table):
    missing = {name: undeclared(frame) for name, frame in every_table.items() if undeclared(frame)}
    assert not missing, f"columns with no disclosure declaration (add them to COLUMNS): {missing}"


def test_every_derived_column_names_declared_counts():
    for name, column in COLUMNS.items():
        if column.kind is Kind.DERIVED:
            assert column.rests_on, name
            assert all(COLUMNS[c].kind is Kind.COUNT for c in column.rests_on), name


def test_hollywood_mean_no_longer_gives_the_hidden_count_away(every_table):
    """Incident types, police.uk, Jan-Apr 2024 against Jan-Apr 2025, Hollywood: one type had
    8 and 1, and public mode showed 8, "<5" and a mean of 5, so the hidden count was 1 or 2."""
    table = every_table["incident-types police Hollywood"]
    small = table[(table.count_b < 5) | (table.count_a < 5)]
    assert not small.empty, "the case must be able to fail: Hollywood has a type below 5"
    shown = suppress(table, 5).loc[small.index]
    for column in ("mean", "mean_pct", "mean_percentage", "difference", "pct_change", "percentage", "z", "p_value"):
        assert (shown[column] == "").all(), column


@pytest.mark.parametrize("threshold", [5, 10])
def test_no_row_keeps_a_value_that_rests_on_a_hidden_count(every_table, threshold):
    """On every table: where a count is hidden, every derived value on its row that rests on it is
    blank, and no number below the threshold is left in a count column."""
    checked = 0
    for name, frame in every_table.items():
        shown = suppress(frame, threshold)
        mask = hidden_cells(frame, threshold)
        for column in frame.columns:
            kind = COLUMNS[column]
            if kind.kind is Kind.COUNT:
                values = pd.to_numeric(shown[column], errors="coerce")
                assert not (values < threshold).any(), f"{name}: {column} shows a count below {threshold}"
            if kind.kind is Kind.DERIVED:
                for count in kind.rests_on:
                    rows = mask[count]
                    checked += int(rows.sum())
                    assert (shown.loc[rows, column] == "").all(), f"{name}: {column} shown beside a hidden {count}"
    assert checked > 0, "the walk must meet hidden counts"


def test_an_undeclared_column_is_hidden_whole():
    frame = pd.DataFrame({"ward_name": ["A", "B"], "count": [3, 40], "model_fit": [2.9, 41.0]})
    out = suppress(frame, 5).set_index("ward_name").loc[["A", "B"]]
    assert out.model_fit.tolist() == ["", ""] and out["count"].tolist() == ["<5", 40]
    assert undeclared(frame) == ["model_fit"]


def test_a_derived_value_without_its_counts_is_hidden_whole():
    frame = pd.DataFrame({"ward_name": ["A"], "difference": [12]})
    assert suppress(frame, 5).difference.tolist() == [""]


def test_is_hidden_is_the_same_rule_for_one_value():
    assert is_hidden(4, 5) and not is_hidden(5, 5) and not is_hidden(0, None)
    assert not is_hidden(None, 5) and not is_hidden(float("nan"), 5) and not is_hidden("<5", 5)
    assert is_hidden(0, 5) and is_hidden(4.99, 5)


def test_suppress_blanks_what_rests_on_a_hidden_count_and_no_more():
    frame = pd.DataFrame(
        {
            "ward_name": ["A", "B", "C"],
            "count_a": [3, 40, 12],
            "count_b": [40, 2, 15],
            "difference": [37, -38, 3],
            "percentage": ["1233%", "-95%", "25%"],
            "rate_a_per_1000": [0.5, 6.0, 2.0],
            "rate_b_per_1000": [6.0, 0.3, 2.5],
            "significant": [True, True, False],
        }
    )
    # Rows that hide a count follow the others (public_order); read them back by ward.
    out = suppress(frame, 5).set_index("ward_name").loc[["A", "B", "C"]]
    assert out.count_a.tolist() == ["<5", 40, 12] and out.count_b.tolist() == [40, "<5", 15]
    # The change joins both periods: blank where either is hidden.
    assert out.difference.tolist() == ["", "", 3] and out.percentage.tolist() == ["", "", "25%"]
    assert out.significant.tolist() == ["", "", False]
    # A rate rests on its own period's count alone (as on the ward map).
    assert out.rate_a_per_1000.tolist() == ["", 6.0, 2.0]
    assert out.rate_b_per_1000.tolist() == [6.0, "", 2.5]
    assert meta_of(out).suppressed_below == 5


def test_rows_that_hide_a_count_follow_the_others_in_label_order_whatever_the_order():
    """Ranked by count or listed by name, a table in public mode puts the rows that hide a count
    after the others, by label, totals last: so swapping two hidden counts never swaps two rows."""
    for order in (["Zeta", "Alpha", "Mid"], ["Alpha", "Mid", "Zeta"]):
        counts = {"Zeta": 3, "Alpha": 1, "Mid": 50}
        frame = pd.DataFrame({"ward_name": order + ["Grand Total"], "count": [counts[w] for w in order] + [54]})
        assert public_order(frame, 5)["ward_name"].tolist() == ["Mid", "Alpha", "Zeta", "Grand Total"]
        assert suppress(frame, 5)["ward_name"].tolist() == ["Mid", "Alpha", "Zeta", "Grand Total"]
    unchanged = pd.DataFrame({"ward_name": ["B", "A"], "count": [9, 8]})
    assert public_order(unchanged, 5) is unchanged and public_order(unchanged, None) is unchanged


def test_counts_given_in_words_are_hidden_too():
    """The quality report says some counts in its detail text ("3 of them with no location"): public
    mode reads them as it reads a count, and leaves larger numbers, codes and decimals alone."""
    frame = pd.DataFrame(
        {
            "check": ["outside", "vintages"],
            "value": [40, 13866],
            "detail": ["3 of them with no location", "of 13,866; ward E05007868 had 2.5 a month; 12 moved"],
        }
    )
    out = suppress(frame, 5).set_index("check")
    assert out.loc["outside", "detail"] == "<5 of them with no location"
    assert out.loc["vintages", "detail"] == "of 13,866; ward E05007868 had 2.5 a month; 12 moved"
    assert COLUMNS["detail"].kind is Kind.TEXT and hide_small_numbers(None, 5) is None
