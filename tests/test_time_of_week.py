"""analytics.analyses.time_of_week: reports by hour and day of the week; on the extract the 168
hours add up to the incident-type table's total; hand-made report times land where they should."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from analytics.analyses.incident_types import incident_types
from analytics.analyses.time_of_week import busiest_times, by_day, by_hour, time_of_week
from analytics.core.errors import AnalyticsError
from analytics.core.periods import parse_period
from analytics.core.selection import Selection
from analytics.core.table_meta import caption_parts, meta_of
from analytics.present.compare_charts import time_of_week_chart
from analytics.present.compare_narrative import time_of_week_summary
from tests.analysis_fixtures import ABBEY, FY2017, FY2018


@pytest.mark.parametrize("period", [FY2017, FY2018, parse_period("2018-10..2018-11")])
@pytest.mark.parametrize("districts", [(), ("Redditch",), ("Bromsgrove", "Wyre Forest")])
def test_the_hours_sum_to_the_incident_type_total(built_conn, districts, period):
    selection = Selection("extract", districts=districts)
    table = time_of_week(built_conn, selection, period)
    assert len(table) == 168
    types = incident_types(built_conn, selection, period, period)
    assert int(table["count"].sum()) == int(types.count_b.sum()) > 100
    assert int(by_day(table)["count"].sum()) == int(by_hour(table)["count"].sum()) == int(table["count"].sum())


def _report(conn, at: datetime, times: int = 1) -> None:
    for _ in range(times):
        conn.execute(
            """INSERT INTO incidents (source, synthetic, load_id, month, reported_at, category, is_asb, keyword,
                                      district, ward_wd22, ward_wd25, ward_method_wd22, ward_method_wd25)
               VALUES ('extract', true, 1, ?, ?, 'Anti-social behaviour', true, 'Other', 'Redditch', ?, ?,
                       'point', 'point')""",
            [date(at.year, at.month, 1), at, ABBEY, ABBEY],
        )


def test_report_times_land_in_their_hour_and_day(geo_db):
    from analytics.data import store

    conn = store.connect(geo_db)
    try:
        _report(conn, datetime(2018, 6, 2, 21, 59, 59), 3)  # a Saturday, 21:00-21:59
        _report(conn, datetime(2018, 6, 4, 0, 0, 0))  # a Monday, 00:00-00:59
        _report(conn, datetime(2018, 7, 1, 23, 30), 2)  # a Sunday, 23:00-23:59
        _report(conn, datetime(2019, 4, 1, 12, 0))  # outside 2018-19's months... 2019-04 is 2019-20
        table = time_of_week(conn, Selection("extract"), FY2018).set_index(["day_name", "hour"])["count"]
    finally:
        conn.close()
    assert table[("Saturday", 21)] == 3
    assert table[("Monday", 0)] == 1
    assert table[("Sunday", 23)] == 2
    assert table.sum() == 6


def test_busiest_times_and_public_mode(built_conn):
    table = time_of_week(built_conn, Selection("extract", districts=("Redditch",)), FY2018)
    top = busiest_times(table, 5)
    assert top["count"].is_monotonic_decreasing and top["count"].iloc[0] == table["count"].max()
    small = time_of_week(built_conn, Selection("extract", districts=("Redditch",), wards=(ABBEY,)), FY2018)
    assert (small["count"] < 5).any() and (small["count"] >= 5).any()
    shown = busiest_times(small, 168, suppress_below=5)
    assert (shown["count"] >= 5).all()
    fig = time_of_week_chart(small, suppress_below=5)
    cells = [v for row in fig.data[0].z for v in row if v is not None]
    assert cells and min(cells) >= 5
    assert "<5 incidents reported" in " ".join(t for row in fig.data[0].hovertext for t in row)
    sentence = time_of_week_summary(small, 5)
    assert "Most reports" in sentence and not any(f"({n})" in sentence for n in range(5))


def test_the_caption_says_report_time_is_not_incident_time_and_synthetic(built_conn):
    table = time_of_week(built_conn, Selection("extract"), FY2018)
    parts = " ".join(caption_parts(meta_of(table), full=True))
    assert "not when it happened" in parts and "SYNTHETIC" in parts


def test_police_uk_is_refused_saying_it_gives_the_month_only(built_conn):
    with pytest.raises(AnalyticsError, match="police.uk gives the month of each incident only"):
        time_of_week(built_conn, Selection("police_uk"), parse_period("2025-01..2025-04"))
