"""Boundaries and ward assignment.

Wards come in two vintages: WD22 (Redditch's 12 wards used 2012 to May 2024, and the
Bromsgrove and Wyre Forest wards) and WD25 (Redditch's 9 wards since May 2024). Every row is
assigned to a ward in both, by point-in-polygon on its coordinates; where a row has no usable
coordinates, or its point falls outside every ward of its district (the ONS boundaries are
generalised, so a few snap points at district edges do), it goes through its LSOA instead.

Joins use ward codes, never names: ONS spells the same ward with "and" and "&". Names are
normalised to "and" for display, the way the panel writes them.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import duckdb
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from analytics.core.errors import AnalyticsError, invalid_choice
from analytics.core.vocabulary import LSOA_VINTAGES, VINTAGES

# ONS local authority district codes of the three North Worcestershire districts.
DISTRICT_CODES = {"E07000234": "Bromsgrove", "E07000236": "Redditch", "E07000239": "Wyre Forest"}
# British National Grid: metric, so areas and equal-area grid cells are honest.
BNG = "EPSG:27700"
WGS84 = "EPSG:4326"


# Made when first asked for, not on import: each takes about 40 ms to set up, and the first page
# of a fresh server (the Overview) draws no map and needs neither.
@functools.cache
def to_bng() -> Transformer:
    """Longitude and latitude (WGS84) to British National Grid eastings and northings (metres)."""
    return Transformer.from_crs(WGS84, BNG, always_xy=True)


@functools.cache
def to_wgs84() -> Transformer:
    """British National Grid eastings and northings to longitude and latitude."""
    return Transformer.from_crs(BNG, WGS84, always_xy=True)


_WARD_FOLDERS = {"wd22": ("wards_2022", "WD22"), "wd25": ("wards_2025", "WD25")}
_LSOA_FOLDERS = {"lsoa11": ("lsoa_2011", "LSOA11"), "lsoa21": ("lsoa_2021", "LSOA21")}

# How a row got its ward, per vintage.
METHOD_POINT = "point"  # its coordinates fall inside the ward polygon
METHOD_LSOA = "lsoa"  # through its LSOA (ONS best-fit lookup or the LSOA polygon)
METHOD_GIVEN = "extract_code"  # a force extract row with no usable point: the ward code it came with


def normalise_ward_name(name: str) -> str:
    """ONS writes "Batchley & Brockhill" and "Astwood Bank and Feckenham"; the panel writes "and"."""
    return " ".join(name.replace("&", " and ").split())


def check_vintage(vintage: str) -> str:
    if not isinstance(vintage, str):
        raise invalid_choice("boundary vintage", vintage, VINTAGES)
    vintage = vintage.lower()
    if vintage not in VINTAGES:
        raise invalid_choice("boundary vintage", vintage, VINTAGES)
    return vintage


def _district_files(folder: Path, prefix: str, districts: tuple[str, ...]) -> list[tuple[Path, str]]:
    wanted = {code: name for code, name in DISTRICT_CODES.items() if name in districts}
    unknown = set(districts) - set(DISTRICT_CODES.values())
    if unknown:
        raise invalid_choice("district", sorted(unknown)[0], DISTRICT_CODES.values())
    files = []
    for code, name in wanted.items():
        path = folder / f"{prefix}_{code}.geojson"
        if not path.exists():
            raise AnalyticsError(
                f"The boundaries file {path} is missing.",
                title="Boundaries missing",
                fix="Restore it from the project's data/ folder (git checkout data/).",
            )
        files.append((path, name))
    return files


def load_wards(data_dir: Path, vintage: str, districts: tuple[str, ...]) -> gpd.GeoDataFrame:
    """Ward polygons of one vintage (WGS84), with ward_code, ward_name, ons_name, district."""
    vintage = check_vintage(vintage)
    folder, tag = _WARD_FOLDERS[vintage]
    frames = []
    for path, district in _district_files(data_dir / "boundaries" / folder, f"wards_{tag}", districts):
        gdf = gpd.read_file(path)
        frames.append(
            gpd.GeoDataFrame(
                {
                    "vintage": vintage,
                    "ward_code": gdf[f"{tag}CD"],
                    "ward_name": gdf[f"{tag}NM"].map(normalise_ward_name),
                    "ons_name": gdf[f"{tag}NM"],
                    "district": district,
                },
                geometry=gdf.geometry.values,
                crs=gdf.crs,
            )
        )
    wards = pd.concat(frames, ignore_index=True)
    return gpd.GeoDataFrame(wards, geometry="geometry", crs=frames[0].crs).to_crs(WGS84)


def load_lsoas(data_dir: Path, vintage: str, districts: tuple[str, ...]) -> gpd.GeoDataFrame:
    """LSOA polygons of one vintage (2011 or 2021), with lsoa_code, lsoa_name, district."""
    if vintage not in LSOA_VINTAGES:
        raise invalid_choice("LSOA vintage", vintage, LSOA_VINTAGES)
    folder, tag = _LSOA_FOLDERS[vintage]
    prefix = "lsoa11" if vintage == "lsoa11" else "lsoa21"
    frames = []
    for path, district in _district_files(data_dir / "boundaries" / folder, prefix, districts):
        gdf = gpd.read_file(path)
        frames.append(
            gpd.GeoDataFrame(
                {
                    "lsoa_vintage": vintage,
                    "lsoa_code": gdf[f"{tag}CD"],
                    "lsoa_name": gdf[f"{tag}NM"],
                    "district": district,
                },
                geometry=gdf.geometry.values,
                crs=gdf.crs,
            )
        )
    lsoas = pd.concat(frames, ignore_index=True)
    return gpd.GeoDataFrame(lsoas, geometry="geometry", crs=frames[0].crs).to_crs(WGS84)


@dataclass
class Geography:
    """Everything ward assignment needs, loaded once."""

    wards: dict[str, gpd.GeoDataFrame]  # vintage -> ward polygons
    lsoas: gpd.GeoDataFrame  # both LSOA vintages, with best-fit wards
    population: pd.DataFrame  # lsoa11 code -> mid-2018 population

    @classmethod
    def load(cls, data_dir: Path, districts: tuple[str, ...]) -> Geography:
        wards = {v: load_wards(data_dir, v, districts) for v in VINTAGES}
        lsoas = pd.concat([load_lsoas(data_dir, v, districts) for v in LSOA_VINTAGES], ignore_index=True)
        lsoas = gpd.GeoDataFrame(lsoas, geometry="geometry", crs=WGS84)
        lookup = _read_lookup(data_dir / "lookups" / "lsoa11_to_ward19_north_worcs.csv", ["LSOA11CD", "WD19CD"])
        lsoas = _best_fit_wards(lsoas, wards, dict(zip(lookup.LSOA11CD, lookup.WD19CD, strict=False)))
        population = _read_lookup(
            data_dir / "lookups" / "lsoa11_population_mid2018_north_worcs.csv", ["LSOA11CD", "Mid-2018 population"]
        )
        population = pd.DataFrame(
            {"lsoa_code": population["LSOA11CD"], "population_mid2018": population["Mid-2018 population"].astype(int)}
        )
        population = population[population.lsoa_code.isin(lsoas.lsoa_code)]
        return cls(wards=wards, lsoas=lsoas, population=population.reset_index(drop=True))

    @classmethod
    def from_store(cls, conn: duckdb.DuckDBPyConnection) -> Geography:
        """The geography the build wrote into the store: no GeoJSON reading, no overlays."""
        wards = {}
        for vintage in VINTAGES:
            frame = conn.execute(
                "SELECT vintage, ward_code, ward_name, ons_name, district, geometry_wkb "
                "FROM wards WHERE vintage = ? ORDER BY ward_code",
                [vintage],
            ).df()
            if frame.empty:
                raise AnalyticsError(
                    "The database holds no ward boundaries.",
                    title="Database not built",
                    fix="Run `python -m analytics build` to build it from data/.",
                )
            wards[vintage] = _with_geometry(frame)
        lsoas = _with_geometry(conn.execute("SELECT * FROM lsoas ORDER BY lsoa_vintage, lsoa_code").df())
        population = conn.execute("SELECT lsoa_code, population_mid2018 FROM population").df()
        return cls(wards=wards, lsoas=lsoas, population=population)

    def assign_points(
        self, longitude: np.ndarray, latitude: np.ndarray, district: np.ndarray | None, vintage: str
    ) -> np.ndarray:
        """Ward code (or None) of each point by point-in-polygon.

        When ``district`` is given, a point that lands in a ward of another district counts as
        outside: the row's LSOA (or the extract's own district) is the better witness at a
        generalised district edge, and it keeps every row's ward inside its district.
        """
        wards = self.wards[check_vintage(vintage)]
        points = shapely.points(np.asarray(longitude, dtype=float), np.asarray(latitude, dtype=float))
        codes = np.full(len(points), None, dtype=object)
        valid = ~(np.isnan(longitude) | np.isnan(latitude))
        point_idx, ward_idx = wards.sindex.query(points[valid], predicate="within")
        valid_positions = np.flatnonzero(valid)
        # A point on a shared edge can fall in two polygons: keep the first, deterministically.
        order = np.lexsort((ward_idx, point_idx))
        point_idx, ward_idx = point_idx[order], ward_idx[order]
        first = np.unique(point_idx, return_index=True)[1]
        point_idx, ward_idx = point_idx[first], ward_idx[first]
        codes[valid_positions[point_idx]] = wards.ward_code.to_numpy()[ward_idx]
        if district is not None:
            ward_district = dict(zip(wards.ward_code, wards.district, strict=False))
            for i in valid_positions[point_idx]:
                if ward_district[codes[i]] != district[i]:
                    codes[i] = None
        return codes


def load_geography(conn: duckdb.DuckDBPyConnection) -> Geography:
    """The geography held in the store (written there by the build)."""
    return Geography.from_store(conn)


def _with_geometry(frame: pd.DataFrame) -> gpd.GeoDataFrame:
    geometry = shapely.from_wkb([bytes(b) for b in frame["geometry_wkb"]])
    return gpd.GeoDataFrame(frame.drop(columns="geometry_wkb"), geometry=geometry, crs=WGS84)


def _read_lookup(path: Path, columns: list[str]) -> pd.DataFrame:
    if not path.exists():
        raise AnalyticsError(
            f"The lookup file {path} is missing.",
            title="Lookup missing",
            fix="Restore it from the project's data/ folder (git checkout data/).",
        )
    frame = pd.read_csv(path, dtype=str, encoding="utf-8-sig")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise AnalyticsError(f"{path}: missing columns {', '.join(missing)}.", title="Lookup unreadable")
    return frame


def _best_fit_wards(
    lsoas: gpd.GeoDataFrame, wards: dict[str, gpd.GeoDataFrame], ons_lsoa11_to_wd22: dict[str, str]
) -> gpd.GeoDataFrame:
    """The ward each LSOA best fits in each vintage.

    For 2011 LSOAs in WD22 this is the ONS best-fit lookup (LSOA11 -> WD19, and WD19 = WD22 here).
    Otherwise (2021 LSOAs, and WD25) it is the ward of the same district holding the largest part of
    the LSOA's area, computed in British National Grid. No ONS lookup LSOA21 -> WD25 exists.
    """
    lsoas = lsoas.copy()
    lsoas_bng = lsoas.to_crs(BNG)
    for vintage, ward_gdf in wards.items():
        ward_bng = ward_gdf.to_crs(BNG)
        overlay = gpd.overlay(
            lsoas_bng[["lsoa_vintage", "lsoa_code", "district", "geometry"]],
            ward_bng[["ward_code", "district", "geometry"]].rename(columns={"district": "ward_district"}),
            how="intersection",
            keep_geom_type=True,
        )
        overlay = overlay[overlay.district == overlay.ward_district]
        overlay["area"] = overlay.geometry.area
        best = overlay.sort_values(
            ["lsoa_vintage", "lsoa_code", "area", "ward_code"], ascending=[True, True, False, True]
        ).drop_duplicates(["lsoa_vintage", "lsoa_code"])
        key = dict(zip(zip(best.lsoa_vintage, best.lsoa_code, strict=False), best.ward_code, strict=False))
        column = f"ward_{vintage}"
        lsoas[column] = [key.get((v, c)) for v, c in zip(lsoas.lsoa_vintage, lsoas.lsoa_code, strict=False)]
        lsoas[f"{column}_method"] = "largest_overlap"
        if vintage == "wd22":
            ons = lsoas.lsoa_code.map(ons_lsoa11_to_wd22)
            use_ons = (lsoas.lsoa_vintage == "lsoa11") & ons.notna()
            lsoas.loc[use_ons, column] = ons[use_ons]
            lsoas.loc[use_ons, f"{column}_method"] = "ons_best_fit"
    return lsoas
