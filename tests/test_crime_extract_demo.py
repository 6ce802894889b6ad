"""The synthetic force crime extract's generator (analytics/data/demo_crime.py): calibrated by
construction, seeded, labelled, its profile taken from the police.uk rows."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from analytics.core.errors import AnalyticsError
from analytics.core.periods import round_ratio_half_up
from analytics.data import demo_crime, store
from analytics.data.demo_crime_store import crime_profile
from analytics.data.offences import offence_lookup
from analytics.data.police_uk import ingest_police_uk
from tests.conftest import DATA, DISTRICTS


@pytest.fixture(scope="module")
def profile(tmp_path_factory, geography) -> demo_crime.CrimeProfile:
    """The profile of a store holding the embedded police.uk files (and nothing generated)."""
    conn = store.connect(tmp_path_factory.mktemp("crime-demo") / "police.duckdb")
    try:
        store.store_geography(conn, geography)
        ingest_police_uk(conn, [DATA / "police_uk"], geography=geography, districts=DISTRICTS)
        return crime_profile(conn)
    finally:
        conn.close()


def _ytd(frame: pd.DataFrame) -> pd.DataFrame:
    """Year to date (April to February) per district and financial year, counted from the rows."""
    stamp = pd.to_datetime(frame.recorded_at)
    kept = frame[stamp.dt.month != 3].assign(year=(stamp.dt.year - (stamp.dt.month < 4)))
    return kept.groupby(["district", "year"]).size().unstack("year")


def test_the_year_to_date_changes_are_the_briefings_for_any_seed(profile):
    for seed in (demo_crime.DEFAULT_SEED, 1, 99):
        ytd = _ytd(demo_crime.generate_crime_extract(profile, offence_lookup(), seed=seed))
        change = {d: round_ratio_half_up(int(r[2016] - r[2015]), int(r[2015])) for d, r in ytd.iterrows()}
        assert change == {"Bromsgrove": 8, "Redditch": 13, "Wyre Forest": 11}
        assert int(ytd.loc["Redditch", 2016] - ytd.loc["Redditch", 2015]) == 570
        whole = round_ratio_half_up(int(ytd[2016].sum() - ytd[2015].sum()), int(ytd[2015].sum()))
        assert 8 <= whole <= 13


def test_the_same_seed_gives_the_same_rows_and_another_seed_other_rows(profile):
    lookup = offence_lookup()
    first = demo_crime.generate_crime_extract(profile, lookup)
    again = demo_crime.generate_crime_extract(profile, lookup)
    other = demo_crime.generate_crime_extract(profile, lookup, seed=7)
    pd.testing.assert_frame_equal(first, again)
    assert not first[["offence_code", "location"]].equals(other[["offence_code", "location"]])
    months = [pd.to_datetime(f.recorded_at).dt.to_period("M").value_counts().sort_index() for f in (first, other)]
    pd.testing.assert_series_equal(months[0], months[1])


def test_rows_are_labelled_dated_and_coded_as_the_loader_expects(profile, tmp_path):
    frame = demo_crime.generate_crime_extract(profile, offence_lookup())
    assert tuple(frame.columns) == demo_crime.OUTPUT_COLUMNS
    assert frame.crime_ref.str.startswith("SYN-CR-").all() and frame.crime_ref.is_unique
    recorded = pd.to_datetime(frame.recorded_at)
    assert recorded.min() >= pd.Timestamp("2015-04-01") and recorded.max() < pd.Timestamp("2017-04-01")
    assert (pd.to_datetime(frame.committed_at) <= recorded).all()
    assert set(frame.offence_code) <= set(offence_lookup().offence_code)
    # Each crime type's share in a district follows police.uk's there (within sampling error).
    mix = profile.types.set_index(["district", "crime_type"]).crime_count
    lookup = offence_lookup().set_index("offence_code").police_uk_crime_type
    drawn = frame.assign(crime_type=lookup.reindex(frame.offence_code).to_numpy())
    share = drawn.groupby("district").crime_type.value_counts(normalize=True)
    expected = mix / mix.groupby(level="district").transform("sum")
    assert (share - expected.reindex(share.index)).abs().max() < 0.02
    with pytest.raises(AnalyticsError, match="must say SYNTHETIC"):
        demo_crime.write_crime_extract(frame, tmp_path / "crime.csv")


def test_a_base_outside_the_published_range_is_caught_not_written(profile, monkeypatch):
    # 570 more on 4,600 is 12.4%: the published 13% would be missed, and the generator says so.
    monkeypatch.setattr(demo_crime, "REDDITCH_BASE", 4600)
    with pytest.raises(AnalyticsError, match="missed Redditch"):
        demo_crime.ytd_targets(profile)


def test_a_profile_without_a_calendar_month_is_refused(profile):
    partial = dataclasses.replace(profile, months=profile.months[profile.months.calendar_month != 7])
    with pytest.raises(AnalyticsError, match="every calendar month"):
        demo_crime.month_counts(partial)
