"""TableMeta (analytics/core/table_meta.py): what a table is, and the one caption writer."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from analytics.core.table_meta import PeriodCoverage, TableMeta, caption, caption_parts, meta_of, with_meta

POLICE = "police.uk street-level data (real, open data)"
EXTRACT = "force ASB incident extract (SYNTHETIC demonstration data)"


def _meta(**changes) -> TableMeta:
    base = TableMeta(
        measure="Anti-social behaviour",
        place="Redditch",
        source=POLICE,
        boundaries="WD25",
        period_a=PeriodCoverage("2024", 12, tuple(f"2024-{m:02d}" for m in range(5, 13))),
        period_b=PeriodCoverage("2025", 12),
    )
    return base.with_(**changes)


def test_a_period_says_how_many_of_its_months_the_source_holds():
    assert PeriodCoverage("2024", 12, ("2024-05", "2024-06")).held == 10
    assert PeriodCoverage("2018-19", 12).held == 12


def test_a_partly_held_period_is_named_by_the_months_held():
    assert PeriodCoverage("2018-19", 12, tuple(f"2018-{m:02d}" for m in range(4, 10)) + ("2019-03",)).shown == (
        "2018-19 (5 of 12 months held)"
    )
    assert PeriodCoverage("2017-18", 12, tuple(f"m{i}" for i in range(12))).shown == "2017-18 (no month held)"
    assert PeriodCoverage("2017-18", 12).shown == "2017-18"
    assert PeriodCoverage("2017-18").shown == "2017-18"  # coverage not known: the label as it is
    meta = _meta(period_b=PeriodCoverage("2018-19", 12, ("2018-04",)))
    assert meta.period_labels[1] == "2018-19 (11 of 12 months held)"
    # The caption, and so every chart, table and download header written from it, says the same.
    assert "periods: 2024 (4 of 12 months held) and 2018-19 (11 of 12 months held)" in caption(meta)


def test_the_record_is_frozen_and_travels_with_its_frame():
    meta = _meta()
    with pytest.raises(dataclasses.FrozenInstanceError):
        meta.place = "Abbey"  # type: ignore[misc]
    frame = with_meta(pd.DataFrame({"count": [1, 2]}), meta)
    assert meta_of(frame) is meta
    # pandas keeps attrs through a copy and a row filter: the caption follows the rows a page shows.
    assert meta_of(frame.copy()) == meta and meta_of(frame[frame["count"] > 1]) == meta
    assert meta_of(pd.DataFrame({"count": [1]})) == TableMeta()


def test_missing_months_gather_every_period_and_window():
    meta = _meta(missing_months=("2023-01",), period_b=PeriodCoverage("2025", 12, ("2025-03",)))
    assert meta.missing[0] == "2023-01" and meta.missing[-1] == "2025-03" and len(meta.missing) == 10
    # A period the source holds only part of is named by the months it holds (issue 13).
    assert meta.period_labels == ("2024 (4 of 12 months held)", "2025 (11 of 12 months held)")


def test_the_short_caption_says_source_periods_vintage_place_and_missing_months():
    assert caption(_meta()) == (
        f"Source: {POLICE}; periods: 2024 (4 of 12 months held) and 2025; wards: WD25; "
        "Anti-social behaviour in Redditch; missing months: May–Dec 2024"
    )
    one = _meta(period_b=None, period_a=PeriodCoverage("2018-19", 12), boundaries="")
    assert caption(one) == f"Source: {POLICE}; period: 2018-19; Anti-social behaviour in Redditch"


def test_public_mode_and_synthetic_data_are_said_once():
    public = caption_parts(_meta(), 5)
    assert public[-1] == "public mode: counts below 5 not shown (<5)"
    assert caption_parts(_meta(suppressed_below=10))[-1] == "public mode: counts below 10 not shown (<10)"
    # The extract's label says SYNTHETIC already; a synthetic source that does not say so is labelled.
    assert "SYNTHETIC data" not in caption_parts(_meta(source=EXTRACT, synthetic=True))
    assert caption_parts(_meta(source="a test source", synthetic=True))[-1] == "SYNTHETIC data"


def test_the_full_form_adds_what_a_download_or_the_command_line_must_carry():
    reason = "Not comparable: police.uk holds 4 of 12 months of 2024 and 12 of 12 of 2025, so no change is given."
    meta = _meta(not_comparable=reason, population_note="Population: ONS mid-2018.", source_gaps="21 of 87 months")
    short, full = caption_parts(meta), caption_parts(meta, full=True)
    assert reason not in short and reason in full
    assert "Population: ONS mid-2018." in full and "source coverage: 21 of 87 months" in full
    assert full[: len(short)] == short


def test_the_full_form_says_how_the_table_was_made():
    meta = _meta(method="compared per month: A has 12 months, B has 1", partial_note="Dec 2025: 20 days held")
    full = caption_parts(meta, full=True)
    assert "method: compared per month: A has 12 months, B has 1" in full and "Dec 2025: 20 days held" in full
    assert not any(part.startswith("method") for part in caption_parts(meta))
