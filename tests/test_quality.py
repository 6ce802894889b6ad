"""analytics.analyses.quality: the data-quality table on a tiny hand-made store (answers worked out by
hand in the comments)."""

from __future__ import annotations

from analytics.analyses.quality import quality_table


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
