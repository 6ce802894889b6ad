"""analytics.analyses.crime: recorded crime year to date on a tiny hand-made store (answers worked out
by hand in the comments)."""

from __future__ import annotations

from analytics.analyses.crime import crime_ytd
from analytics.core.periods import parse_period
from analytics.core.selection import Selection
from analytics.core.table_meta import meta_of


def test_crime_ytd_keeps_asb_out_and_says_what_is_missing(fixture_conn):
    table = crime_ytd(fixture_conn, Selection("police_uk", category="crime"), parse_period("2025-01..2025-02"))
    rows = table.set_index("crime_type")
    assert rows.loc["Burglary", ["count_a", "count_b"]].tolist() == [2, 3]
    assert rows.loc["Vehicle crime", ["count_a", "count_b"]].tolist() == [0, 1]
    assert rows.loc["All recorded crime", ["count_a", "count_b"]].tolist() == [2, 4]  # the 10 ASB rows excluded
    assert "Anti-social behaviour" not in rows.index
    assert meta_of(table).period_a.label == "Jan–Feb 2024"
    # Named by the months police.uk holds of it wherever it is shown (issue 13).
    assert meta_of(table).period_labels[0] == "Jan–Feb 2024 (1 of 2 months held)"
    assert meta_of(table).period_a.missing == ("2024-02",)
    # Feb 2024 is missing from police.uk: the counts stand, but "+50%" would not be a change in crime.
    assert table[["difference", "pct_change", "percentage", "p_value", "significant"]].isna().all().all()
    assert meta_of(table).not_comparable == (
        "Not comparable: police.uk holds 1 of 2 months of "
        "Jan–Feb 2024 and 2 of 2 of Jan–Feb 2025, so no change is given."
    )
