"""The house layout: the caption every chart carries (source, periods, wards, place, missing months)."""

from __future__ import annotations

from analytics.core.table_meta import meta_of, with_meta
from analytics.present.layout import caption
from tests.chart_frames import monthly_frame, ward_frame


def test_caption_names_source_periods_boundaries_place_and_missing_months():
    frame = ward_frame()
    assert caption(frame) == (
        "Source: force ASB incident extract (SYNTHETIC demonstration data); "
        "periods: 2017-18 and 2018-19; wards: WD22; Anti-social behaviour in Redditch"
    )
    assert caption(monthly_frame()) == (
        "Source: police.uk street-level data (real, open data); "
        "period: Jan 2019–Aug 2019; wards: WD25; Anti-social behaviour in "
        "North Worcestershire; missing months: Apr 2019"
    )
    with_meta(
        frame, meta_of(frame).with_(source="force ASB incident extract", synthetic=True, partial_months=("2019-08",))
    )
    assert caption(frame).endswith("partial month: Aug 2019; SYNTHETIC data")
