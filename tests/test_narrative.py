"""Plain-English summaries: hand-made tables whose sentences were worked out by hand, and the
panel's own comparison on the built store (the synthetic extract, calibrated to the published
tables)."""

from __future__ import annotations

import doctest

import pandas as pd
import pytest

from analytics.analyses.districts import districts_table
from analytics.analyses.incident_types import incident_types
from analytics.analyses.wards import ward_deltas
from analytics.core.errors import AnalyticsError
from analytics.core.periods import parse_period, pct_change
from analytics.core.selection import Selection
from analytics.core.table_meta import PeriodCoverage, TableMeta, with_meta
from analytics.present import layout, narrative
from analytics.present.narrative import crime_summary, district_summary, incident_types_summary, ward_summary

FY2017, FY2018 = parse_period("FY2017"), parse_period("FY2018")
META = TableMeta(
    place="Redditch",
    measure="Anti-social behaviour",
    period_a=PeriodCoverage("2017-18", 12),
    period_b=PeriodCoverage("2018-19", 12),
)


def _wards(rows, total=True) -> pd.DataFrame:
    """rows: (ward_name, count_a, count_b, significant[, small_numbers]); pct_change as wards.py rounds it."""
    records = []
    for row in rows:
        name, a, b, significant = row[:4]
        small = row[4] if len(row) > 4 else False
        records.append((name, a, b, significant, small))
    if total:
        a, b = sum(r[1] for r in records), sum(r[2] for r in records)
        records.append(("Grand Total", a, b, False, a < 10 or b < 10))
    frame = pd.DataFrame(records, columns=["ward_name", "count_a", "count_b", "significant", "small_numbers"])
    frame["difference"] = frame.count_b - frame.count_a
    frame["pct_change"] = pd.array(
        [pct_change(a, b) for a, b in zip(frame.count_a, frame.count_b, strict=False)], dtype="Int64"
    )
    return with_meta(frame, META)


# ---------------------------------------------------------------------------
# Wards
# ---------------------------------------------------------------------------


def test_ward_summary_the_panels_example_on_the_built_store(built_conn):
    table = ward_deltas(built_conn, Selection("extract", districts=("Redditch",)), FY2017, FY2018)
    assert ward_summary(table) == (
        "ASB in Redditch fell 8% (-265) between 2017-18 and 2018-19; 4 of 12 wards "
        "rose, one of them significantly: Headless Cross and Oakenshaw, +20%."
    )


def test_ward_summary_rise_with_several_significant_lists_three_largest_first():
    # Total 400 -> 520: +120, +30%. Significant rises by incidents: A +40, B +30, C +20, D +10; E's is not.
    frame = _wards(
        [("A", 100, 140, True), ("B", 100, 130, True), ("C", 50, 70, True), ("D", 50, 60, True), ("E", 100, 120, False)]
    )
    assert ward_summary(frame) == (
        "ASB in Redditch rose 30% (+120) between 2017-18 and 2018-19; all 5 wards rose, four of them "
        "significantly: A, +40%; B, +30%; C, +40%; and 1 more."
    )


def test_ward_summary_order_is_by_rise_in_incidents_then_name():
    frame = _wards([("Zulu", 100, 150, True), ("Alpha", 200, 250, True), ("West", 300, 200, False)])
    # Both rose by 50: alphabetical; West fell by as much, so the total did not move.
    assert ward_summary(frame) == (
        "ASB in Redditch was unchanged at 600 between 2017-18 and 2018-19; 2 of 3 wards rose, two of them "
        "significantly: Alpha, +25%; Zulu, +50%."
    )


def test_ward_summary_none_significantly_and_no_ward_rose():
    rose = _wards([("Abbey", 100, 110, False), ("West", 100, 95, False), ("Central", 100, 104, False)])
    assert ward_summary(rose) == (
        "ASB in Redditch rose 3% (+9) between 2017-18 and 2018-19; 2 of 3 wards rose, none of them significantly."
    )
    fell = _wards([("Abbey", 100, 80, True), ("West", 100, 95, False)])
    assert ward_summary(fell) == "ASB in Redditch fell 13% (-25) between 2017-18 and 2018-19; no ward rose."


def test_ward_summary_one_ward_rose():
    frame = _wards([("Abbey", 100, 130, True), ("West", 100, 60, True)])
    assert ward_summary(frame) == (
        "ASB in Redditch fell 5% (-10) between 2017-18 and 2018-19; 1 of 2 wards rose: Abbey, +30%, significantly."
    )


def test_ward_summary_change_from_zero():
    # A ward from nothing has no percentage: "+40 from none".
    frame = _wards([("Abbey", 0, 40, True), ("West", 100, 90, False)])
    assert ward_summary(frame) == (
        "ASB in Redditch rose 30% (+30) between 2017-18 and 2018-19; "
        "1 of 2 wards rose: Abbey, +40 from none, significantly."
    )
    # The whole place from nothing: no percentage, and a count from 0 is always small numbers.
    new = _wards([("Abbey", 0, 12, True), ("West", 0, 0, False)])
    assert ward_summary(new) == (
        "ASB in Redditch rose from none to 12 between 2017-18 and 2018-19: too few incidents to call."
    )
    nothing = _wards([("Abbey", 0, 0, False), ("West", 0, 0, False)])
    assert ward_summary(nothing) == "No ASB was recorded in Redditch in 2017-18 or 2018-19."


def test_ward_summary_small_numbers():
    # The total itself is small: nothing more is said.
    tiny = _wards([("Abbey", 3, 5, False, True), ("West", 2, 1, False, True)])
    assert ward_summary(tiny) == (
        "ASB in Redditch rose 20% (+1) between 2017-18 and 2018-19: too few incidents to call."
    )
    # Wards with small numbers are named after the sentence.
    frame = _wards([("Abbey", 300, 320, False), ("Crabbs Cross", 8, 12, False, True), ("West", 4, 9, False, True)])
    assert ward_summary(frame) == (
        "ASB in Redditch rose 9% (+29) between 2017-18 and 2018-19; all 3 wards rose, "
        "none of them significantly. Crabbs Cross and West had too few incidents to call."
    )


def test_ward_summary_public_mode_hides_small_counts_and_their_change():
    frame = _wards([("Abbey", 300, 400, True), ("West", 3, 40, True)])
    text = ward_summary(frame, suppress_below=5)
    # West's +37 (+1,233%) would give its 3 away; its direction and significance are not shown either.
    assert text == (
        "ASB in Redditch rose 45% (+137) between 2017-18 and 2018-19; the one ward compared, Abbey, "
        "rose (+33%), significantly (1 ward with fewer than 5 incidents in a period not compared)."
    )
    assert "1,233" not in text and "+37" not in text
    # Whether a hidden ward rose is not counted: "7 of 12 rose" beside a table of "<5" would tell.
    frame = _wards(
        [
            ("Abbey", 300, 400, True),
            ("Batchley", 50, 60, False),
            ("Central", 40, 30, False),
            ("West", 3, 40, True),
            ("Winyates", 2, 2, False),
        ]
    )
    assert ward_summary(frame, suppress_below=5).endswith(
        "; 2 of the 3 wards compared rose (2 wards with fewer than 5 incidents in a period not compared), "
        "one of them significantly: Abbey, +33%."
    )
    assert "4 wards rose" not in ward_summary(frame) and "3 of 5 wards rose" in ward_summary(frame)


def test_district_summary_public_mode_gives_no_direction_to_a_hidden_district():
    frame = pd.DataFrame(
        {
            "district": ["Wyre Forest", "Redditch", "Bromsgrove", "North Worcestershire"],
            "count_a": [40, 30, 3, 73],
            "count_b": [55, 20, 3, 78],
        }
    )
    with_meta(
        frame,
        TableMeta(
            period_a=PeriodCoverage("Jan 2024"), period_b=PeriodCoverage("Jan 2025"), place="North Worcestershire"
        ),
    )
    text = district_summary(frame, suppress_below=5)
    # Two "<5" called "unchanged" would say they are equal.
    assert "unchanged" not in text
    assert (
        "Redditch fell and Wyre Forest rose (Bromsgrove: fewer than 5 incidents in a period, not compared)" in text
    ), text
    assert "(Bromsgrove unchanged)" in district_summary(frame)


def test_ward_summary_refuses_the_wrong_table():
    with pytest.raises(AnalyticsError, match="ward_name"):
        ward_summary(pd.DataFrame({"district": ["Redditch"], "count_a": [1], "count_b": [2]}))


# ---------------------------------------------------------------------------
# Districts
# ---------------------------------------------------------------------------


def _districts(rows, total="North Worcestershire") -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["district", "count_a", "count_b"])
    if total:
        frame = pd.concat(
            [
                frame,
                pd.DataFrame([{"district": total, "count_a": frame.count_a.sum(), "count_b": frame.count_b.sum()}]),
            ],
            ignore_index=True,
        )
    return with_meta(frame, META.with_(place="North Worcestershire"))


def test_district_summary_on_the_built_store(built_conn):
    table = districts_table(built_conn, Selection("extract"), FY2017, FY2018)
    assert district_summary(table) == (
        "In 2018-19 Wyre Forest recorded the most ASB (4,158), then Redditch (3,203) and Bromsgrove (2,515); "
        "all three fell. Across North Worcestershire ASB fell 6% (-626) between 2017-18 and 2018-19."
    )


def test_district_summary_by_hand():
    # Ranked by the later period, not by the table's order; the total (last row) is not a district.
    mixed = _districts([("Bromsgrove", 100, 90), ("Redditch", 200, 250), ("Wyre Forest", 300, 300)])
    assert district_summary(mixed) == (
        "In 2018-19 Wyre Forest recorded the most ASB (300), then Redditch (250) and Bromsgrove (90); "
        "Bromsgrove fell and Redditch rose (Wyre Forest unchanged). Across North Worcestershire ASB rose 7% (+40) "
        "between 2017-18 and 2018-19."
    )
    both = _districts([("Redditch", 10, 20), ("Bromsgrove", 30, 40)], total="Total")
    assert district_summary(both).startswith(
        "In 2018-19 Bromsgrove recorded the most ASB (40), then Redditch (20); both rose. Across Total"
    )
    one = _districts([("Redditch", 3468, 3203)], total=None)
    assert district_summary(one) == (
        "In 2018-19 Redditch recorded 3,203 ASB incidents; ASB fell 8% (-265) between 2017-18 and 2018-19."
    )


# ---------------------------------------------------------------------------
# Recorded crime
# ---------------------------------------------------------------------------


def _crime(rows, label="crime_type", total="All recorded crime", missing_a=()) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=[label, "count_a", "count_b", "significant"])
    frame = pd.concat(
        [
            frame,
            pd.DataFrame(
                [{label: total, "count_a": frame.count_a.sum(), "count_b": frame.count_b.sum(), "significant": False}]
            ),
        ],
        ignore_index=True,
    )
    frame["pct_change"] = pd.array(
        [pct_change(a, b) for a, b in zip(frame.count_a, frame.count_b, strict=False)], dtype="Int64"
    )
    return with_meta(
        frame,
        META.with_(
            measure="Recorded crime (excluding ASB)",
            period_a=PeriodCoverage("2016-17 to date", 12, tuple(missing_a)),
            period_b=PeriodCoverage("2017-18 to date", 12),
        ),
    )


def test_crime_summary_by_hand():
    # The briefing: Redditch recorded crime up 13% (570 more offences).
    frame = _crime(
        [
            ("Violence and sexual offences", 2000, 2500, True),
            ("Burglary", 1000, 1150, False),
            ("Drugs", 1384, 1304, False),
        ]
    )
    assert crime_summary(frame) == (
        "Recorded crime in Redditch rose 13% (+570) between 2016-17 to date and 2017-18 to date. The largest rise "
        "was Violence and sexual offences, +500 (+25%, significant); the largest fall was Drugs, -80 (-6%)."
    )


def test_crime_summary_by_ward_warns_of_missing_months():
    frame = _crime(
        [("Abbey", 0, 12, True), ("West", 50, 50, False)],
        label="ward_name",
        missing_a=["2024-05", "2024-06", "2024-07"],
    )
    frame["district"] = "Redditch"  # a ward table has both columns: the ward names are the labels
    assert crime_summary(frame) == (
        "Recorded crime in Redditch rose 24% (+12) between 2016-17 to date (9 of 12 months held) and 2017-18 to "
        "date. The largest rise was Abbey, +12 (+12 from none, significant). Not like for like: 3 months of "
        "2016-17 to date are missing from the source (May–Jul 2024)."
    )


# ---------------------------------------------------------------------------
# Incident types
# ---------------------------------------------------------------------------


def test_incident_types_summary_on_the_built_store(built_conn):
    text = incident_types_summary(incident_types(built_conn, Selection("extract"), FY2017, FY2018))
    # The panel's table: 10,502 then 9,876 ("6% fewer"); Other 53%, Youth related 15%, Neighbour Dispute 14%.
    assert text.startswith(
        "ASB in North Worcestershire fell 6% (-626) between 2017-18 and 2018-19. Over the two periods the most "
        "common types were Other (53% of incidents), Youth related (15%) and Neighbour Dispute (14%)."
    )
    assert "Youth related fell 25% (-421)" in text


def test_incident_types_summary_by_hand():
    frame = pd.DataFrame(
        {
            "type": ["Other", "Youth related", "Begging", "Parking"],
            "count_a": [500, 200, 30, 0],
            "count_b": [520, 150, 3, 0],
            "mean": [510, 175, 17, 0],
            "mean_pct": [73, 25, 2, 0],
            "significant": [False, True, True, False],
        }
    )
    with_meta(frame, META)
    assert incident_types_summary(frame) == (
        "ASB in Redditch fell 8% (-57) between 2017-18 and 2018-19. Over the two periods the most common types "
        "were Other (73% of incidents), Youth related (25%) and Begging (2%). Two types changed significantly: "
        "Youth related fell 25% (-50) and Begging fell 90% (-27)."
    )
    # Public mode: Begging's 3 is hidden, so is its share and its change.
    public = incident_types_summary(frame, suppress_below=5)
    assert "Begging (2%)" not in public and "-27" not in public and "90%" not in public
    assert public.endswith("Youth related changed significantly: it fell 25% (-50).")


def test_summaries_leave_the_frame_alone(built_conn):
    table = ward_deltas(built_conn, Selection("extract", districts=("Redditch",)), FY2017, FY2018)
    before, attrs = table.copy(), dict(table.attrs)
    ward_summary(table, suppress_below=5)
    pd.testing.assert_frame_equal(table, before)
    assert table.attrs == attrs


def test_docstring_examples_hold():
    for module in (narrative, layout):
        result = doctest.testmod(module)
        assert result.failed == 0 and result.attempted > 0, module.__name__


def test_ward_summary_never_calls_a_ward_with_too_few_incidents_significant():
    frame = _wards([("Abbey", 300, 400, True), ("West", 2, 15, True, True)])
    text = ward_summary(frame)
    assert text.endswith(
        "; all 2 wards rose, one of them significantly: Abbey, +33%. West had too few incidents to call."
    ), text
