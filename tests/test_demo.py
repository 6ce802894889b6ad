"""Tests for the SYNTHETIC force ASB extract (analytics.data.demo), generated from real inputs.

Inputs are built here from the real police.uk files and WD22 ward polygons, without any
database module: distinct ASB snap points, assigned to wards by point-in-polygon.
"""

from __future__ import annotations

import ast
import hashlib
import math
import re
import time
from fractions import Fraction
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from analytics.core.errors import AnalyticsError
from analytics.core.vocabulary import EXTRACT_KEYWORDS, NIRS_CLASSES
from analytics.data import demo, demo_plan, demo_profile, demo_published

ROOT = Path(__file__).resolve().parents[1]
POLICE_UK = ROOT / "data" / "police_uk" / "west_mercia_street_filtered"
WARDS_2022 = ROOT / "data" / "boundaries" / "wards_2022"
PUBLISHED = ROOT / "data" / "published"

ABBEY = "E05007868"
FULL_YEARS = ("2015-16", "2016-17", "2017-18", "2018-19")
ALL_YEARS = FULL_YEARS + ("2019-20",)


def _normalise(name: str) -> str:
    return " ".join(name.replace("&", " and ").split())


def _half_up(x) -> int:
    return math.floor(Fraction(x) + Fraction(1, 2))


def _fy(moments: pd.Series) -> pd.Series:
    start = moments.dt.year - (moments.dt.month < 4).astype(int)
    return start.astype(str) + "-" + ((start + 1) % 100).map("{:02d}".format)


def _assert_largest_remainder(counts: pd.Series, weights: pd.Series) -> None:
    """``counts`` is a largest-remainder split of its sum in proportion to ``weights``."""
    weights = weights.reindex(counts.index).astype(float)
    quotas = weights / weights.sum() * counts.sum()
    floors = np.floor(quotas)
    assert ((counts == floors) | (counts == floors + 1)).all(), (counts, quotas)
    rounded_up = counts > floors
    remainders = quotas - floors
    if rounded_up.any() and (~rounded_up).any():
        assert remainders[rounded_up].min() >= remainders[~rounded_up].max() - 1e-9


# ---------------------------------------------------------------------------
# Inputs from the real data
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ward_polygons() -> gpd.GeoDataFrame:
    files = sorted(WARDS_2022.glob("*.geojson"))
    polygons = pd.concat([gpd.read_file(f) for f in files], ignore_index=True)
    return gpd.GeoDataFrame(polygons, geometry="geometry", crs=gpd.read_file(files[0]).crs).to_crs("EPSG:4326")


@pytest.fixture(scope="module")
def inputs(ward_polygons) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(locations, wards) as generate_extract takes them, from police.uk and the WD22 polygons."""
    columns = ["Longitude", "Latitude", "Location", "Crime type"]
    rows = pd.concat([pd.read_csv(f, usecols=columns) for f in sorted(POLICE_UK.glob("*.csv"))], ignore_index=True)
    asb = rows[rows["Crime type"] == "Anti-social behaviour"]
    points = asb.groupby(["Longitude", "Latitude", "Location"]).size().rename("asb_count").reset_index()
    geo = gpd.GeoDataFrame(
        points, geometry=gpd.points_from_xy(points["Longitude"], points["Latitude"]), crs="EPSG:4326"
    )
    joined = gpd.sjoin(geo, ward_polygons[["WD22CD", "LAD22NM", "geometry"]], how="inner", predicate="within")
    assert not joined.index.duplicated().any()  # no point in two wards
    locations = pd.DataFrame(
        {
            "ward_code": joined["WD22CD"].to_numpy(),
            "district": joined["LAD22NM"].to_numpy(),
            "longitude": joined["Longitude"].to_numpy(),
            "latitude": joined["Latitude"].to_numpy(),
            "location": joined["Location"].to_numpy(),
            "asb_count": joined["asb_count"].to_numpy(),
        }
    )
    wards = pd.DataFrame(
        {
            "ward_code": ward_polygons["WD22CD"].to_numpy(),
            "ward_name": ward_polygons["WD22NM"].map(_normalise).to_numpy(),
            "district": ward_polygons["LAD22NM"].to_numpy(),
        }
    )
    assert len(wards) == 54 and set(locations["ward_code"]) == set(wards["ward_code"])
    return locations, wards


@pytest.fixture(scope="module")
def targets() -> demo_published.Targets:
    return demo_published.load_targets(PUBLISHED)


@pytest.fixture(scope="module")
def extract(inputs, targets) -> pd.DataFrame:
    locations, wards = inputs
    return demo.generate_extract(locations, wards, targets)


@pytest.fixture(scope="module")
def labelled(extract, inputs) -> pd.DataFrame:
    """The extract with its financial year, month and ward name."""
    _, wards = inputs
    frame = extract.copy()
    frame["fy"] = _fy(frame["reported_at"])
    frame["month"] = frame["reported_at"].dt.month
    frame["ward_name"] = frame["ward_code"].map(wards.set_index("ward_code")["ward_name"])
    return frame


@pytest.fixture(scope="module")
def observed(inputs):
    """police.uk ASB counts by district and by ward."""
    locations, _ = inputs
    return (locations.groupby("district")["asb_count"].sum(), locations.groupby("ward_code")["asb_count"].sum())


# ---------------------------------------------------------------------------
# Targets
# ---------------------------------------------------------------------------


def test_targets_fixture_is_the_published_tables(targets):
    assert (targets.total("2017-18"), targets.total("2018-19")) == (10_502, 9_876)


# ---------------------------------------------------------------------------
# Shape of the extract
# ---------------------------------------------------------------------------


def test_columns_types_and_order(extract):
    assert tuple(extract.columns) == demo.OUTPUT_COLUMNS
    assert pd.api.types.is_datetime64_any_dtype(extract["reported_at"])
    assert (extract["reported_at"].dt.microsecond == 0).all()
    assert set(extract["keyword"]) == set(EXTRACT_KEYWORDS)
    assert set(extract["nirs_class"]) == set(NIRS_CLASSES)
    assert set(extract["district"]) == set(demo_plan.DISTRICTS)
    resorted = extract.sort_values(["reported_at", "incident_ref"], kind="stable").reset_index(drop=True)
    pd.testing.assert_frame_equal(extract.reset_index(drop=True), resorted)
    assert 44_000 < len(extract) < 47_000


def test_incident_refs_are_synthetic_and_unique(extract):
    assert extract["incident_ref"].is_unique
    parts = extract["incident_ref"].str.extract(r"^SYN-(\d{4})-(\d{6})$")
    assert parts.notna().all().all()
    assert (parts[0].astype(int) == extract["reported_at"].dt.year).all()


def test_dates_within_the_panel_chart(extract):
    assert extract["reported_at"].min() >= pd.Timestamp(demo_plan.EXTRACT_START)
    assert extract["reported_at"].max() < pd.Timestamp(demo_plan.EXTRACT_END) + pd.Timedelta(days=1)
    assert demo_plan.EXTRACT_START.isoformat() == "2015-04-01" and demo_plan.EXTRACT_END.isoformat() == "2019-08-28"
    assert set(_fy(extract["reported_at"])) == set(ALL_YEARS)


# ---------------------------------------------------------------------------
# Calibration to the published figures
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("year", ["2017-18", "2018-19"])
def test_keyword_counts_equal_the_published_table(labelled, targets, year):
    counts = labelled[labelled["fy"] == year].groupby("keyword").size()
    assert counts.to_dict() == dict(targets.keyword_counts[year])
    assert counts.sum() == {"2017-18": 10_502, "2018-19": 9_876}[year]


@pytest.mark.parametrize("year", ["2017-18", "2018-19"])
def test_redditch_ward_counts_equal_the_published_table(labelled, targets, year):
    redditch = labelled[(labelled["fy"] == year) & (labelled["district"] == "Redditch")]
    assert redditch.groupby("ward_name").size().to_dict() == dict(targets.redditch_ward_counts[year])
    assert len(redditch) == {"2017-18": 3_468, "2018-19": 3_203}[year]


def test_district_totals_follow_police_uk_shares_and_the_panel(labelled, targets, observed):
    by_district, _ = observed
    share = Fraction(int(by_district["Bromsgrove"]), int(by_district["Bromsgrove"] + by_district["Wyre Forest"]))
    totals = labelled.groupby(["fy", "district"]).size().unstack()
    for year in ("2017-18", "2018-19"):
        remainder = targets.total(year) - targets.redditch_total(year)
        # The observed split already keeps Wyre Forest > Redditch > Bromsgrove: no adjustment.
        assert totals.loc[year, "Bromsgrove"] == _half_up(remainder * share)
        assert totals.loc[year, "Wyre Forest"] == remainder - _half_up(remainder * share)
    for year in ALL_YEARS:
        row = totals.loc[year]
        assert row["Wyre Forest"] > row["Redditch"] > row["Bromsgrove"], year
    for district in demo_plan.DISTRICTS:
        assert totals.loc["2018-19", district] < totals.loc["2017-18", district], district
    assert totals.loc["2017-18"].to_dict() == {"Bromsgrove": 2652, "Redditch": 3468, "Wyre Forest": 4382}
    assert totals.loc["2018-19"].to_dict() == {"Bromsgrove": 2516, "Redditch": 3203, "Wyre Forest": 4157}
    assert round(1 - targets.total("2018-19") / targets.total("2017-18"), 2) == 0.06  # "6% fewer"


@pytest.mark.parametrize("year", ALL_YEARS)
@pytest.mark.parametrize("district", ["Bromsgrove", "Wyre Forest"])
def test_bromsgrove_and_wyre_forest_wards_follow_police_uk_shares(labelled, inputs, observed, year, district):
    _, wards = inputs
    _, by_ward = observed
    codes = wards.loc[wards["district"] == district, "ward_code"]
    rows = labelled[(labelled["fy"] == year) & (labelled["district"] == district)]
    counts = rows.groupby("ward_code").size().reindex(codes, fill_value=0)
    _assert_largest_remainder(counts, by_ward)


def test_keywords_and_wards_are_paired_not_stratified(labelled):
    # Both marginals are exact, but keyword by district varies a little, as real data would.
    year = labelled[labelled["fy"] == "2017-18"]
    shares = pd.crosstab(year["district"], year["keyword"], normalize="index")
    spread = shares.max() - shares.min()
    assert spread.max() > 0.002
    assert spread.max() < 0.05


def test_unpublished_years(labelled, targets, inputs):
    _, wards = inputs
    assert dict(demo_plan.UNPUBLISHED_YEAR_TOTALS) == {"2015-16": 10_300, "2016-17": 10_650}
    mean = pd.Series(dict(targets.keyword_mean))
    redditch_share = (Fraction(3468, 10502) + Fraction(3203, 9876)) / 2
    published_wards = pd.DataFrame(
        {year: pd.Series(dict(targets.redditch_ward_counts[year])) for year in ("2017-18", "2018-19")}
    )
    mean_ward_share = (published_wards / published_wards.sum()).mean(axis=1)
    for year, total in demo_plan.UNPUBLISHED_YEAR_TOTALS.items():
        rows = labelled[labelled["fy"] == year]
        assert len(rows) == total
        keywords = rows.groupby("keyword").size().reindex(EXTRACT_KEYWORDS)
        _assert_largest_remainder(keywords, mean)
        percentages = (keywords / total * 100).map(lambda p: _half_up(Fraction(p)))
        assert percentages.to_dict() == dict(targets.keyword_mean_percentage)
        redditch = rows[rows["district"] == "Redditch"]
        assert len(redditch) == _half_up(total * redditch_share)
        _assert_largest_remainder(redditch.groupby("ward_name").size(), mean_ward_share)
    # Similar levels every year: within 10% of each other.
    full = labelled[labelled["fy"].isin(FULL_YEARS)].groupby("fy").size()
    assert full.max() / full.min() < 1.10


def test_part_year_is_the_seasonal_share_of_a_2018_19_year(labelled, targets):
    intensity = demo_profile.daily_intensity(pd.Timestamp("2019-04-01").date(), pd.Timestamp("2020-03-31").date())
    share = intensity[:"2019-08-28"].sum() / intensity.sum()
    assert 0.34 < share < 0.42  # under 5/12: spring and summer are quiet months
    rows = labelled[labelled["fy"] == "2019-20"]
    assert len(rows) == _half_up(Fraction(9876) * Fraction(share))
    keywords = rows.groupby("keyword").size().reindex(EXTRACT_KEYWORDS, fill_value=0)
    _assert_largest_remainder(keywords, pd.Series(dict(targets.keyword_counts["2018-19"])))
    redditch = rows[rows["district"] == "Redditch"]
    _assert_largest_remainder(
        redditch.groupby("ward_name").size(), pd.Series(dict(targets.redditch_ward_counts["2018-19"]))
    )
    assert set(rows["month"]) == {4, 5, 6, 7, 8}


# ---------------------------------------------------------------------------
# Seasonality and time of day
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("year", FULL_YEARS)
def test_halloween_peak_and_quiet_spring_and_summer(labelled, year):
    months = labelled[labelled["fy"] == year].groupby("month").size()
    assert len(months) == 12
    assert months.idxmax() in (10, 11)
    assert months[10] > 1.15 * months.mean() and months[11] > 1.10 * months.mean()
    for month in (3, 4, 5, 6, 7, 8):
        assert months[month] < months.mean(), (year, month)


def test_the_pattern_is_similar_every_year(labelled):
    table = labelled[labelled["fy"].isin(FULL_YEARS)].groupby(["fy", "month"]).size().unstack()
    profile = table.div(table.sum(axis=1), axis=0)
    assert np.corrcoef(profile.to_numpy()).min() > 0.95
    assert (profile.max() - profile.min()).max() < 0.01


def test_halloween_and_bonfire_night_stand_out(labelled):
    days = labelled["reported_at"].dt
    for year in range(2015, 2019):
        october = labelled[(days.year == year) & (days.month == 10)]
        november = labelled[(days.year == year) & (days.month == 11)]
        assert (october["reported_at"].dt.day == 31).sum() > 2 * len(october) / 31
        assert (november["reported_at"].dt.day == 5).sum() > 1.5 * len(november) / 30


def test_time_of_day_peaks_in_the_evening(extract):
    hours = extract.groupby(extract["reported_at"].dt.hour).size().reindex(range(24), fill_value=0)
    assert 17 <= hours.idxmax() <= 21
    assert 2 <= hours.idxmin() <= 5
    assert hours[19] > 5 * hours[4]


def test_every_local_time_exists(extract):
    # No times in the hour the clocks skip in spring.
    localised = extract["reported_at"].dt.tz_localize("Europe/London", nonexistent="NaT", ambiguous=True)
    assert localised.notna().all()


# ---------------------------------------------------------------------------
# NIRS classes and locations
# ---------------------------------------------------------------------------


def test_nirs_class_depends_on_keyword(extract):
    shares = pd.crosstab(extract["keyword"], extract["nirs_class"], normalize="index")
    for keyword in ("Neighbour Dispute", "Threats/ Harassment"):
        assert shares.loc[keyword].idxmax() == "Personal"
    for keyword in ("Youth related", "Fights/ Arguments", "Begging", "Parking"):
        assert shares.loc[keyword].idxmax() == "Nuisance"
    assert (shares.loc["Other"] > 0.15).all()


def test_every_location_is_an_input_point_of_the_same_ward(extract, inputs):
    locations, _ = inputs
    keys = ["ward_code", "district", "longitude", "latitude", "location"]
    merged = extract[keys].merge(locations[keys].drop_duplicates(), on=keys, how="left", indicator=True)
    assert (merged["_merge"] == "both").all()


def test_locations_are_drawn_in_proportion_to_police_uk_counts(extract, inputs):
    locations, _ = inputs
    keys = ["ward_code", "longitude", "latitude", "location"]
    drawn = extract.groupby(keys).size().rename("drawn")
    points = locations.set_index(keys)["asb_count"]
    ward_drawn = extract.groupby("ward_code").size()
    expected = (
        points
        / points.groupby(level="ward_code").transform("sum")
        * ward_drawn.reindex(points.index.get_level_values("ward_code")).to_numpy()
    )
    both = pd.concat([drawn, expected.rename("expected")], axis=1).fillna(0)
    assert np.corrcoef(both["drawn"], both["expected"])[0, 1] > 0.95


def test_abbey_hotspots_are_the_town_centre(extract, inputs):
    locations, _ = inputs
    # What police.uk says: the top Abbey snap point is Bates Hill (30 ASB rows), then
    # Unicorn Hill and the Shopping Area (26 each); Market Place has 15.
    real = locations[locations["ward_code"] == ABBEY].sort_values("asb_count", ascending=False, kind="stable")
    assert real["location"].iloc[0] == "On or near Bates Hill"
    assert "On or near Unicorn Hill" in set(real["location"].iloc[:3])
    assert "On or near Market Place" in set(real["location"].iloc[:6])
    town_centre = {"On or near Bates Hill", "On or near Unicorn Hill", "On or near Shopping Area"}
    drawn = extract[extract["ward_code"] == ABBEY].groupby("location").size().sort_values(ascending=False)
    # Counted by point, the synthetic extract shows the same hotspots.
    by_point = (
        extract[extract["ward_code"] == ABBEY]
        .groupby(["location", "longitude", "latitude"])
        .size()
        .sort_values(ascending=False)
    )
    top_points = [name for name, _, _ in by_point.index]
    assert top_points[0] in town_centre
    assert "On or near Unicorn Hill" in top_points[:3]
    assert "On or near Market Place" in top_points[:10]
    assert "On or near Unicorn Hill" in set(drawn.index[:5])
    # Abbey, with the town centre, has the most ASB of the Redditch wards.
    redditch = extract[extract["district"] == "Redditch"].groupby("ward_code").size()
    assert redditch.idxmax() == ABBEY


# ---------------------------------------------------------------------------
# Determinism and seeds
# ---------------------------------------------------------------------------


def _csv_sha256(frame: pd.DataFrame, path: Path) -> str:
    demo.write_extract(frame, path)
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_same_seed_same_bytes(extract, inputs, targets, tmp_path):
    locations, wards = inputs
    again = demo.generate_extract(locations, wards, targets, seed=demo.DEFAULT_SEED)
    pd.testing.assert_frame_equal(extract, again)
    first = _csv_sha256(extract, tmp_path / "a" / demo.SYNTHETIC_FILE_NAME)
    second = _csv_sha256(again, tmp_path / "b" / demo.SYNTHETIC_FILE_NAME)
    assert first == second


def test_input_row_order_does_not_matter(extract, inputs, targets):
    locations, wards = inputs
    shuffled = demo.generate_extract(
        locations.sample(frac=1, random_state=1), wards.sample(frac=1, random_state=2), targets
    )
    pd.testing.assert_frame_equal(extract, shuffled)


def test_another_seed_changes_rows_but_not_aggregates(extract, inputs, targets):
    locations, wards = inputs
    other = demo.generate_extract(locations, wards, targets, seed=7)
    assert not extract["reported_at"].equals(other["reported_at"])
    assert (extract["location"] != other["location"]).mean() > 0.5

    def aggregates(frame):
        fy = _fy(frame["reported_at"])
        return (
            frame.groupby([fy, "keyword"]).size(),
            frame.groupby([fy, "ward_code"]).size(),
            frame.groupby([fy, frame["reported_at"].dt.month]).size(),
        )

    for mine, theirs in zip(aggregates(extract), aggregates(other), strict=False):
        pd.testing.assert_series_equal(mine, theirs)


def test_generation_is_fast(inputs, targets):
    locations, wards = inputs
    started = time.perf_counter()
    demo.generate_extract(locations, wards, targets, seed=1)
    assert time.perf_counter() - started < 2.0


# ---------------------------------------------------------------------------
# Writing the file
# ---------------------------------------------------------------------------


def test_write_extract_plain_utf8_csv(extract, tmp_path):
    path = tmp_path / demo.SYNTHETIC_FILE_NAME
    demo.write_extract(extract, path)
    raw = path.read_bytes()
    raw.decode("utf-8")
    first_line = raw.split(b"\n", 1)[0].decode("utf-8")
    assert first_line == ",".join(demo.OUTPUT_COLUMNS)
    assert b"\r" not in raw and not raw.startswith(b"#")
    back = pd.read_csv(path, parse_dates=["reported_at"])
    assert len(back) == len(extract)
    assert (back["longitude"].to_numpy() == extract["longitude"].to_numpy()).all()
    assert (back["latitude"].to_numpy() == extract["latitude"].to_numpy()).all()
    assert (back["reported_at"].to_numpy() == extract["reported_at"].to_numpy()).all()
    assert "SYNTHETIC" in demo.SYNTHETIC_FILE_NAME


# ---------------------------------------------------------------------------
# Bad arguments
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [-1, 1.5, True, "1", None])
def test_bad_seed_is_rejected(inputs, targets, seed):
    locations, wards = inputs
    with pytest.raises(AnalyticsError, match="seed"):
        demo.generate_extract(locations, wards, targets, seed=seed)


def _spoil(name: str, locations: pd.DataFrame, wards: pd.DataFrame):
    locations, wards = locations.copy(), wards.copy()
    if name == "location column missing":
        locations = locations.drop(columns="asb_count")
    elif name == "ward column missing":
        wards = wards.drop(columns="ward_name")
    elif name == "unknown district":
        wards.loc[0, "district"] = "Worcester"
    elif name == "unknown ward in locations":
        locations.loc[locations.index[0], "ward_code"] = "E05999999"
    elif name == "ward without locations":
        locations = locations[locations["ward_code"] != ABBEY]
    elif name == "zero asb_count":
        locations.loc[locations.index[0], "asb_count"] = 0
    elif name == "district differs from ward":
        locations.loc[locations["ward_code"] == ABBEY, "district"] = "Bromsgrove"
    elif name == "redditch ward renamed":
        wards.loc[wards["ward_code"] == ABBEY, "ward_name"] = "Town Centre"
    elif name == "not a frame":
        locations = locations.to_dict("list")
    return locations, wards


@pytest.mark.parametrize(
    "name",
    [
        "location column missing",
        "ward column missing",
        "unknown district",
        "unknown ward in locations",
        "ward without locations",
        "zero asb_count",
        "district differs from ward",
        "redditch ward renamed",
        "not a frame",
    ],
)
def test_bad_inputs_are_rejected(inputs, targets, name):
    locations, wards = _spoil(name, *inputs)
    with pytest.raises(AnalyticsError):
        demo.generate_extract(locations, wards, targets)


def test_bad_targets_are_rejected(inputs):
    locations, wards = inputs
    with pytest.raises(AnalyticsError, match="load_targets"):
        demo.generate_extract(locations, wards, {"2017-18": 10502})


def test_write_extract_refuses_an_unlabelled_file(extract, tmp_path):
    with pytest.raises(AnalyticsError, match="SYNTHETIC"):
        demo.write_extract(extract, tmp_path / "force_asb_extract.csv")
    with pytest.raises(AnalyticsError):
        demo.write_extract(extract.drop(columns="location"), tmp_path / demo.SYNTHETIC_FILE_NAME)


@pytest.mark.parametrize("module", [demo, demo_plan, demo_profile, demo_published])
def test_the_demo_modules_do_not_import_streamlit(module):
    tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
    imported = {
        alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names
    }
    imported |= {
        node.module.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module
    }
    assert "streamlit" not in imported
    assert re.search(r"SYNTHETIC", module.__doc__)


def test_district_ordering_is_kept_when_shares_would_break_it(inputs, targets):
    # Were Bromsgrove's police.uk share much larger, the split would put it above Redditch;
    # the generator moves the fewest incidents needed to keep Wyre Forest > Redditch > Bromsgrove.
    locations, wards = inputs
    skewed = locations.copy()
    skewed.loc[skewed["district"] == "Bromsgrove", "asb_count"] *= 10
    frame = demo.generate_extract(skewed, wards, targets)
    totals = frame.groupby([_fy(frame["reported_at"]), "district"]).size().unstack()
    assert totals.loc["2017-18"].to_dict() == {"Bromsgrove": 3467, "Redditch": 3468, "Wyre Forest": 3567}
    assert totals.loc["2018-19"].to_dict() == {"Bromsgrove": 3202, "Redditch": 3203, "Wyre Forest": 3471}
