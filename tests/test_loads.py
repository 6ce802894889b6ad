"""What every load shares (analytics/data/loads.py): a load is all or nothing, content loaded
before is skipped, and every row gets a ward in both vintages."""

from __future__ import annotations

import re

import geopandas as gpd
import pytest
import shapely

from analytics.core.errors import InputError
from analytics.data.geography import Geography
from tests.conftest import ROOT, db_checksums
from tests.loading import JAN_2024, OCT_2018, lines_of, load_police, write_lines

# ----------------------------------------------------------------------------- bookkeeping


def test_loading_the_same_content_twice_changes_nothing(geo_db, tmp_path):
    load_police(geo_db, OCT_2018)
    before = db_checksums(geo_db)
    renamed = tmp_path / "another-name.csv"
    renamed.write_bytes(OCT_2018.read_bytes())
    report = load_police(geo_db, OCT_2018, renamed)
    assert [f.status for f in report.files] == ["skipped", "skipped"]
    assert "loaded before" in report.files[0].message
    assert db_checksums(geo_db) == before


def test_a_bad_file_among_good_ones_keeps_nothing(geo_db, tmp_path):
    before = db_checksums(geo_db)
    lines = lines_of(OCT_2018)
    bad = write_lines(tmp_path / "bad-month.csv", [lines[0], *lines[1:5], lines[5].replace(b"2018-10", b"10/2018", 1)])
    with pytest.raises(InputError) as error:
        load_police(geo_db, JAN_2024, bad)
    assert "'10/2018'" in str(error.value) and "line 6" in str(error.value)
    assert db_checksums(geo_db) == before


# ----------------------------------------------------------------------------- ward assignment


def test_points_outside_every_ward_go_through_their_lsoa(built_conn):
    fallback = built_conn.execute("""
        SELECT i.ward_wd22, l.ward_wd22 FROM incidents i JOIN lsoa_lookup l USING (lsoa_code)
        WHERE i.source = 'police_uk' AND i.ward_method_wd22 = 'lsoa'""").fetchall()
    assert fallback, "the generalised boundaries leave a few snap points outside every ward"
    assert all(ours == lsoa for ours, lsoa in fallback)
    # Every row's ward lies in the row's district.
    assert (
        built_conn.execute("""
        SELECT count(*) FROM incidents i JOIN wards w ON w.vintage = 'wd22' AND w.ward_code = i.ward_wd22
        WHERE w.district <> i.district""").fetchone()[0]
        == 0
    )


def test_agreement_with_the_ons_best_fit_lookup(built_conn):
    """Point-in-polygon against the ONS LSOA11 -> ward best-fit lookup, on the 2018-19 rows.

    The best-fit lookup puts a whole LSOA in the ward holding its population-weighted centroid.
    Redditch's 2012 wards were drawn from whole LSOAs, so there the two agree for almost every
    row. Bromsgrove's and Wyre Forest's 2015 wards cut through many 2011 LSOAs, so a point in
    the part of an LSOA outside its best-fit ward is, correctly, in another ward. This test
    measures both and checks that every row that differs is explained: its point lies in a
    ward that its own LSOA polygon overlaps, or outside its LSOA polygon (snapping).
    """
    rows = built_conn.execute("""
        SELECT i.district, i.ward_wd22 AS ours, l.ward_wd22 AS ons, i.longitude, i.latitude, i.lsoa_code
        FROM incidents i JOIN lsoas l ON l.lsoa_vintage = 'lsoa11' AND l.lsoa_code = i.lsoa_code
        WHERE i.source = 'police_uk' AND i.month < DATE '2020-01-01'""").df()
    agree = rows.ours == rows.ons
    redditch = rows.district == "Redditch"
    assert agree[redditch].mean() >= 0.95
    assert 0.80 <= agree.mean() < 0.95  # the true figure is 83%: see the docstring and README

    geography = Geography.from_store(built_conn)
    lsoa_shapes = geography.lsoas[geography.lsoas.lsoa_vintage == "lsoa11"].set_index("lsoa_code").geometry
    ward_shapes = geography.wards["wd22"].set_index("ward_code").geometry
    differ = rows[~agree].drop_duplicates(["longitude", "latitude", "lsoa_code", "ours"])
    for row in differ.itertuples():
        lsoa = lsoa_shapes[row.lsoa_code]
        point = shapely.Point(row.longitude, row.latitude)
        assert lsoa.intersects(ward_shapes[row.ours]) or not lsoa.contains(point), row

    # Not noise at generalised edges: the rows that differ lie well inside another ward (median
    # 145 m from their best-fit ward), and a third of the 2011 LSOAs really are split by the
    # 2015 wards (under 95% of their area in their best-fit ward). Distances and areas in metres.
    wrong = rows[~agree]
    points = gpd.GeoSeries(gpd.points_from_xy(wrong.longitude, wrong.latitude), crs=4326).to_crs(27700)
    best_fit = gpd.GeoSeries(list(ward_shapes[wrong.ons]), crs=4326).to_crs(27700)
    assert points.distance(best_fit, align=False).median() > 100
    in_best_fit = []
    for code, ons in rows.drop_duplicates("lsoa_code")[["lsoa_code", "ons"]].itertuples(index=False):
        lsoa = gpd.GeoSeries([lsoa_shapes[code]], crs=4326).to_crs(27700).iloc[0]
        ward = gpd.GeoSeries([ward_shapes[ons]], crs=4326).to_crs(27700).iloc[0]
        in_best_fit.append(lsoa.intersection(ward).area / lsoa.area)
    split = sum(share < 0.95 for share in in_best_fit)
    assert split >= len(in_best_fit) / 4, (split, len(in_best_fit))
    # The About page states these figures: keep it true.
    about = (ROOT / "app_pages" / "about.py").read_text()
    stated = re.search(r"(\d+) of the (\d+) 2011 LSOAs have under 95%", about.replace("\n", " "))
    assert stated and (int(stated[1]), int(stated[2])) == (split, len(in_best_fit)), (split, len(in_best_fit))
    for district, share in (("Redditch", agree[redditch].mean()), ("all", agree.mean())):
        assert f"{round(100 * share)}% of {'Redditch' if district == 'Redditch' else 'all three'}" in about.replace(
            "\n", " "
        ), (district, share)
