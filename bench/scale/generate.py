"""Police.uk-shaped monthly street files at any size, with a matching synthetic geography.

    .venv/bin/python bench/scale/generate.py --rows 10000000 --out /tmp/scale-10m [--months 120]
        [--forces F] [--wards W] [--seed 1]

Writes, under --out:

    police_uk/YYYY-MM/YYYY-MM-<force>-street.csv   the timing set: --rows rows over --months months
    new_month/YYYY-MM/...                           the month after the last one (an incremental load)
    revised_month/YYYY-MM/...                       the last month again, different rows (a revision)
    malformed/...                                   three small files, each refused by the loader
    data/boundaries/wards_2022/wards_WD22_<LAD>.geojson, wards_2025/..., lsoa_2011/..., lsoa_2021/...
    data/lookups/lsoa11_to_ward19_north_worcs.csv, lsoa11_population_mid2018_north_worcs.csv
    manifest.json                                   what was generated, and how long it took

The files have police.uk's twelve columns. Locations are a finite set of snap points, reused
the way police.uk's are (a few busy points, a long tail: inside each LSOA the k-th busiest point
gets weight k^-0.6, and LSOAs differ in activity, log-normally); about 20% of rows are
anti-social behaviour with an empty Crime ID; a few rows have no location (no coordinates, no
LSOA, "No location"), as police.uk publishes them.

The geography is a tiling of Great Britain-sized rectangles in WGS84: three district strips
(the loader knows only North Worcestershire's three district codes, so the synthetic districts
reuse E07000234 Bromsgrove, E07000236 Redditch and E07000239 Wyre Forest), each cut into wards
with wavy shared edges (about 65 vertices each, like ONS generalised ward boundaries) and,
independently, into straight-edged LSOAs (about 4.7 per ward, as in England) whose lines do not
follow the wards, so a best-fit lookup is needed as with the real ones. Redditch gets new
wards in WD25 (as it did in May 2024); the other two keep theirs. The default density follows
England and Wales: about 850 rows a year per ward and 120 snap points per ward, so 6 million
rows a year (60 million over ten years) gives about 7,000 wards, 33,000 LSOAs, 850,000 snap
points and 43 forces.

Deterministic: the same arguments and --seed give the same bytes. Each month draws from its own
random stream, so the new month does not depend on how many months came before.
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

DISTRICTS = (("E07000234", "Bromsgrove"), ("E07000236", "Redditch"), ("E07000239", "Wyre Forest"))
REDDITCH = 1  # the district whose wards change in WD25

# The 43 territorial forces of England and Wales, as police.uk names them (file slug, name).
FORCES = (
    ("avon-and-somerset", "Avon and Somerset Constabulary"),
    ("bedfordshire", "Bedfordshire Police"),
    ("cambridgeshire", "Cambridgeshire Constabulary"),
    ("cheshire", "Cheshire Constabulary"),
    ("city-of-london", "City of London Police"),
    ("cleveland", "Cleveland Police"),
    ("cumbria", "Cumbria Constabulary"),
    ("derbyshire", "Derbyshire Constabulary"),
    ("devon-and-cornwall", "Devon & Cornwall Police"),
    ("dorset", "Dorset Police"),
    ("durham", "Durham Constabulary"),
    ("dyfed-powys", "Dyfed-Powys Police"),
    ("essex", "Essex Police"),
    ("gloucestershire", "Gloucestershire Constabulary"),
    ("greater-manchester", "Greater Manchester Police"),
    ("gwent", "Gwent Police"),
    ("hampshire", "Hampshire Constabulary"),
    ("hertfordshire", "Hertfordshire Constabulary"),
    ("humberside", "Humberside Police"),
    ("kent", "Kent Police"),
    ("lancashire", "Lancashire Constabulary"),
    ("leicestershire", "Leicestershire Police"),
    ("lincolnshire", "Lincolnshire Police"),
    ("merseyside", "Merseyside Police"),
    ("metropolitan", "Metropolitan Police Service"),
    ("norfolk", "Norfolk Constabulary"),
    ("north-wales", "North Wales Police"),
    ("north-yorkshire", "North Yorkshire Police"),
    ("northamptonshire", "Northamptonshire Police"),
    ("northumbria", "Northumbria Police"),
    ("nottinghamshire", "Nottinghamshire Police"),
    ("south-wales", "South Wales Police"),
    ("south-yorkshire", "South Yorkshire Police"),
    ("staffordshire", "Staffordshire Police"),
    ("suffolk", "Suffolk Constabulary"),
    ("surrey", "Surrey Police"),
    ("sussex", "Sussex Police"),
    ("thames-valley", "Thames Valley Police"),
    ("warwickshire", "Warwickshire Police"),
    ("west-mercia", "West Mercia Police"),
    ("west-midlands", "West Midlands Police"),
    ("west-yorkshire", "West Yorkshire Police"),
    ("wiltshire", "Wiltshire Police"),
)

ASB = "Anti-social behaviour"
# police.uk crime types with their shares of recorded crime (West Mercia, 2018-2025, ASB excluded).
CRIME_TYPES = (
    ("Violence and sexual offences", 33.64),
    ("Shoplifting", 8.33),
    ("Criminal damage and arson", 7.40),
    ("Other theft", 6.59),
    ("Vehicle crime", 5.84),
    ("Public order", 5.73),
    ("Burglary", 5.36),
    ("Drugs", 2.03),
    ("Other crime", 1.97),
    ("Possession of weapons", 1.04),
    ("Robbery", 0.80),
    ("Bicycle theft", 0.47),
    ("Theft from the person", 0.44),
)
OUTCOMES = (
    ("Unable to prosecute suspect", 16214),
    ("Investigation complete; no suspect identified", 10412),
    ("Status update unavailable", 1965),
    ("Under investigation", 1941),
    ("Court result unavailable", 1343),
    ("Awaiting court outcome", 812),
    ("Local resolution", 347),
    ("Action to be taken by another organisation", 268),
    ("Offender given a caution", 251),
    ("Offender sent to prison", 171),
    ("Further action is not in the public interest", 85),
    ("Offender given community sentence", 63),
    ("Offender fined", 60),
    ("Offender given suspended prison sentence", 48),
    ("Further investigation is not in the public interest", 43),
    ("Offender given a drugs possession warning", 42),
    ("Defendant found not guilty", 39),
    ("Formal action is not in the public interest", 32),
)
SPECIAL_PLACES = (
    "Parking Area",
    "Supermarket",
    "Shopping Area",
    "Petrol Station",
    "Sports/Recreation Area",
    "Hospital",
    "Nightclub",
    "Further/Higher Educational Building",
    "Police Station",
    "Theatre/Concert Hall",
    "Bus/Coach Station",
    "Conference/Exhibition Centre",
    "Pedestrian Subway",
)
STREET_WORDS = (
    "Park",
    "Church",
    "Station",
    "Mill",
    "Victoria",
    "Albert",
    "Queens",
    "Kings",
    "Manor",
    "Grange",
    "Meadow",
    "Orchard",
    "Willow",
    "Oak",
    "Ash",
    "Elm",
    "Beech",
    "Birch",
    "Cedar",
    "Holly",
    "Hawthorn",
    "Chestnut",
    "Windsor",
    "York",
    "Lancaster",
    "Stratford",
    "Worcester",
    "Warwick",
    "Bridge",
    "Brook",
    "Green",
    "Hill",
    "Highfield",
    "Springfield",
    "Fairfield",
    "Westfield",
    "Northfield",
    "Marsh",
    "Moor",
    "Heath",
    "Common",
    "Abbey",
    "Priory",
    "Castle",
    "Tower",
    "Market",
    "School",
    "Chapel",
    "Forge",
    "Foundry",
    "Canal",
    "Wharf",
    "Quarry",
    "Copse",
    "Spinney",
    "Coppice",
    "Cherry",
    "Lime",
    "Poplar",
    "Rowan",
    "Sycamore",
    "Laurel",
    "Primrose",
    "Bluebell",
    "Foxglove",
    "Heather",
    "Clover",
    "Shakespeare",
    "Milton",
    "Byron",
    "Tennyson",
    "Wordsworth",
    "Nelson",
    "Wellington",
    "Churchill",
    "Cromwell",
    "Newport",
    "Bristol",
    "Hereford",
    "Ludlow",
    "Malvern",
)
STREET_KINDS = (
    "Road",
    "Street",
    "Lane",
    "Avenue",
    "Close",
    "Drive",
    "Way",
    "Crescent",
    "Grove",
    "Place",
    "Gardens",
    "Court",
    "Walk",
    "Rise",
)
COLUMNS = (
    "Crime ID",
    "Month",
    "Reported by",
    "Falls within",
    "Longitude",
    "Latitude",
    "Location",
    "LSOA code",
    "LSOA name",
    "Crime type",
    "Last outcome category",
    "Context",
)

# Density of England and Wales, roughly: rows a year per ward, snap points per ward, LSOAs per ward.
ROWS_PER_WARD_YEAR = 850
POINTS_PER_WARD = 120
LSOAS_PER_WARD = 4.7
WARD_KM = 4.47  # side of an average ward: about 20 km2
ORIGIN = (-4.5, 50.9)  # south-west corner of the synthetic region (lon, lat)
KM_PER_DEG_LAT = 111.2


@dataclass
class Plan:
    rows: int
    months: int = 120
    start: str = "2016-01"
    forces: int = 0  # 0: from the rows a year (43 at 6 million)
    wards: int = 0  # 0: from the rows a year
    seed: int = 1
    asb_share: float = 0.20
    no_location_share: float = 0.001
    points_per_ward: int = POINTS_PER_WARD
    zipf: float = 0.6

    def __post_init__(self):
        per_year = self.rows * 12 / self.months
        if not self.forces:
            self.forces = int(min(len(FORCES), max(1, round(len(FORCES) * per_year / 6e6))))
        if not self.wards:
            self.wards = max(12, round(per_year / ROWS_PER_WARD_YEAR))


@dataclass
class Grid:
    """The ward lattice: ncols x nrows wards, ncols a multiple of 3 (one strip per district)."""

    x0: float
    y0: float
    dx: float
    dy: float
    ncols: int
    nrows: int

    @property
    def per_district(self) -> int:
        return self.ncols // 3


@dataclass
class Geo:
    grid: Grid
    lsoa_cols: int  # per district strip
    lsoa_rows: int
    wards: dict = field(default_factory=dict)  # vintage -> list of (code, name, district_index, ring)
    lsoas: list = field(default_factory=list)  # (code, name, district_index, ring)


# --------------------------------------------------------------------------- geography


def plan_grid(plan: Plan) -> Grid:
    per_side = math.sqrt(plan.wards)
    ncols = max(3, 3 * round(per_side / 3))
    nrows = max(1, round(plan.wards / ncols))
    lat_mid = ORIGIN[1] + nrows * WARD_KM / KM_PER_DEG_LAT / 2
    dy = WARD_KM / KM_PER_DEG_LAT
    dx = WARD_KM / (KM_PER_DEG_LAT * math.cos(math.radians(lat_mid)))
    return Grid(ORIGIN[0], ORIGIN[1], dx, dy, ncols, nrows)


def wavy_cells(
    x0: float,
    y0: float,
    dx: float,
    dy: float,
    ncols: int,
    nrows: int,
    straight_cols: set[int],
    rng: np.random.Generator,
    segments: int = 16,
    corner: float = 0.15,
    bulge: float = 0.06,
) -> np.ndarray:
    """Rings (ncols, nrows, 4*segments+1, 2) of a tiling whose shared edges are identical curves.

    The lattice corners are jittered (except along the outer edge and the straight columns, so
    district boundaries stay straight lines) and each interior edge bows by a sine of its own:
    both cells on either side of an edge trace the same points, so the tiling has no gaps.
    """
    cols, rows = np.arange(ncols + 1), np.arange(nrows + 1)
    vx = x0 + cols[:, None] * dx + rng.uniform(-corner, corner, (ncols + 1, nrows + 1)) * dx
    vy = y0 + rows[None, :] * dy + rng.uniform(-corner, corner, (ncols + 1, nrows + 1)) * dy
    fixed = np.isin(cols, sorted(straight_cols | {0, ncols}))
    vx[fixed, :] = x0 + cols[fixed, None] * dx
    vy[:, [0, nrows]] = y0 + rows[[0, nrows]] * dy
    t = np.linspace(0.0, 1.0, segments + 1)

    def edges(ax, ay, bx, by, amp, along_x):
        m = rng.integers(1, 3, ax.shape)
        wave = amp[..., None] * np.sin(np.pi * m[..., None] * t)
        ex = ax[..., None] + t * (bx - ax)[..., None]
        ey = ay[..., None] + t * (by - ay)[..., None]
        if along_x:
            ey = ey + wave
        else:
            ex = ex + wave
        return np.stack([ex, ey], axis=-1)

    amp_h = rng.uniform(-bulge, bulge, (ncols, nrows + 1)) * dy
    amp_h[:, [0, nrows]] = 0.0
    horizontal = edges(vx[:-1, :], vy[:-1, :], vx[1:, :], vy[1:, :], amp_h, True)  # (ncols, nrows+1, S+1, 2)
    amp_v = rng.uniform(-bulge, bulge, (ncols + 1, nrows)) * dx
    amp_v[fixed, :] = 0.0
    vertical = edges(vx[:, :-1], vy[:, :-1], vx[:, 1:], vy[:, 1:], amp_v, False)  # (ncols+1, nrows, S+1, 2)
    bottom = horizontal[:, :-1, :-1]
    right = vertical[1:, :, :-1]
    top = horizontal[:, 1:, ::-1][:, :, :-1]
    left = vertical[:-1, :, ::-1][:, :, :-1]
    rings = np.concatenate([bottom, right, top, left, bottom[:, :, :1]], axis=2)
    return rings


def straight_cells(x0, y0, dx, dy, ncols, nrows, segments: int = 8) -> np.ndarray:
    """Rings of a plain rectangular grid, each edge cut into ``segments`` pieces."""
    t = np.linspace(0.0, 1.0, segments + 1)[:-1]
    unit = np.concatenate(
        [
            np.stack([t, 0 * t], 1),
            np.stack([1 + 0 * t, t], 1),
            np.stack([1 - t, 1 + 0 * t], 1),
            np.stack([0 * t, 1 - t], 1),
            [[0.0, 0.0]],
        ]
    )
    cols, rows = np.meshgrid(np.arange(ncols), np.arange(nrows), indexing="ij")
    rx = x0 + (cols[..., None] + unit[:, 0]) * dx
    ry = y0 + (rows[..., None] + unit[:, 1]) * dy
    return np.stack([rx, ry], axis=-1)


def build_geography(plan: Plan) -> Geo:
    grid = plan_grid(plan)
    rng = np.random.default_rng([plan.seed, 1])
    k = grid.per_district
    ratio = math.sqrt(LSOAS_PER_WARD)
    geo = Geo(grid, lsoa_cols=max(1, round(k * ratio)), lsoa_rows=max(1, round(grid.nrows * ratio)))
    rings = wavy_cells(grid.x0, grid.y0, grid.dx, grid.dy, grid.ncols, grid.nrows, {k, 2 * k}, rng)
    wd22, wd25 = [], []
    for d in range(3):
        lad, district = DISTRICTS[d]
        number = 0
        for i in range(d * k, (d + 1) * k):
            for j in range(grid.nrows):
                number += 1
                entry = (f"E05{100000 + i * grid.nrows + j:06d}", f"{district} W{number:04d}", d, rings[i, j])
                wd22.append(entry)
                if d != REDDITCH:
                    wd25.append(entry)
    # Redditch re-warded: a coarser, different tiling of the same strip.
    k25, n25 = max(1, round(k / 1.25)), max(1, round(grid.nrows / 1.25))
    strip_x0 = grid.x0 + REDDITCH * k * grid.dx
    rings25 = wavy_cells(strip_x0, grid.y0, k * grid.dx / k25, grid.nrows * grid.dy / n25, k25, n25, set(), rng)
    number = 0
    for i in range(k25):
        for j in range(n25):
            number += 1
            wd25.append((f"E05{200000 + i * n25 + j:06d}", f"Redditch N{number:04d}", REDDITCH, rings25[i, j]))
    geo.wards = {"wd22": wd22, "wd25": wd25}
    ldx, ldy = k * grid.dx / geo.lsoa_cols, grid.nrows * grid.dy / geo.lsoa_rows
    for d in range(3):
        cells = straight_cells(grid.x0 + d * k * grid.dx, grid.y0, ldx, ldy, geo.lsoa_cols, geo.lsoa_rows)
        number = 0
        for i in range(geo.lsoa_cols):
            for j in range(geo.lsoa_rows):
                index = lsoa_index(geo, d, i, j)
                number += 1
                geo.lsoas.append(
                    (
                        f"E01{100000 + index:06d}",
                        f"{DISTRICTS[d][1]} {(number - 1) // 5 + 1:04d}{'ABCDE'[(number - 1) % 5]}",
                        d,
                        cells[i, j],
                    )
                )
    return geo


def lsoa_index(geo: Geo, district, col, row):
    return (district * geo.lsoa_cols + col) * geo.lsoa_rows + row


def locate(geo: Geo, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """District index and LSOA index of each point (the LSOAs are straight, so arithmetic is exact)."""
    grid = geo.grid
    strip = grid.per_district * grid.dx
    district = np.clip(np.floor((lon - grid.x0) / strip).astype(np.int64), 0, 2)
    ldx, ldy = strip / geo.lsoa_cols, grid.nrows * grid.dy / geo.lsoa_rows
    col = np.clip(np.floor((lon - grid.x0 - district * strip) / ldx).astype(np.int64), 0, geo.lsoa_cols - 1)
    row = np.clip(np.floor((lat - grid.y0) / ldy).astype(np.int64), 0, geo.lsoa_rows - 1)
    return district, lsoa_index(geo, district, col, row)


def _feature_collection(features: list) -> dict:
    return {
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}},
        "features": features,
    }


def _polygon(ring: np.ndarray) -> dict:
    return {"type": "Polygon", "coordinates": [np.round(ring, 6).tolist()]}


def write_geography(geo: Geo, data_dir: Path, rng: np.random.Generator) -> None:
    boundaries = data_dir / "boundaries"
    for vintage, folder, tag in (("wd22", "wards_2022", "WD22"), ("wd25", "wards_2025", "WD25")):
        (boundaries / folder).mkdir(parents=True, exist_ok=True)
        for d, (lad, district) in enumerate(DISTRICTS):
            features = [
                {
                    "type": "Feature",
                    "properties": {
                        f"{tag}CD": code,
                        f"{tag}NM": name,
                        f"LAD{tag[2:]}CD": lad,
                        f"LAD{tag[2:]}NM": district,
                    },
                    "geometry": _polygon(ring),
                }
                for code, name, di, ring in geo.wards[vintage]
                if di == d
            ]
            with open(boundaries / folder / f"wards_{tag}_{lad}.geojson", "w") as handle:
                json.dump(_feature_collection(features), handle, separators=(",", ":"))
    for folder, prefix, tag in (("lsoa_2011", "lsoa11", "LSOA11"), ("lsoa_2021", "lsoa21", "LSOA21")):
        (boundaries / folder).mkdir(parents=True, exist_ok=True)
        for d, (lad, _district) in enumerate(DISTRICTS):
            features = [
                {"type": "Feature", "properties": {f"{tag}CD": code, f"{tag}NM": name}, "geometry": _polygon(ring)}
                for code, name, di, ring in geo.lsoas
                if di == d
            ]
            with open(boundaries / folder / f"{prefix}_{lad}.geojson", "w") as handle:
                json.dump(_feature_collection(features), handle, separators=(",", ":"))
    # The ONS best-fit lookup LSOA11 -> WD19 (= WD22 here): the ward lattice cell of the LSOA's centre.
    grid = geo.grid
    lookups = data_dir / "lookups"
    lookups.mkdir(parents=True, exist_ok=True)
    codes22 = {int(code[3:]) - 100000: (code, name) for code, name, d, ring in geo.wards["wd22"]}
    lines = ["FID,LSOA11CD,LSOA11NM,WD19CD,WD19NM,LAD19CD,LAD19NM"]
    population = ["LSOA11CD,LSOA11NM,Mid-2018 population,Area Sq Km,People per Sq Km"]
    people = rng.integers(1000, 3200, len(geo.lsoas))
    for n, (code, name, d, ring) in enumerate(geo.lsoas):
        cx, cy = ring[:-1, 0].mean(), ring[:-1, 1].mean()
        i = min(grid.ncols - 1, int((cx - grid.x0) / grid.dx))
        j = min(grid.nrows - 1, int((cy - grid.y0) / grid.dy))
        ward_code, ward_name = codes22[i * grid.nrows + j]
        lad, district = DISTRICTS[d]
        lines.append(f"{n + 1},{code},{name},{ward_code},{ward_name},{lad},{district}")
        km2 = (
            grid.per_district
            * grid.dx
            * grid.nrows
            * grid.dy
            / (geo.lsoa_cols * geo.lsoa_rows)
            * KM_PER_DEG_LAT**2
            * math.cos(math.radians(cy))
        )
        population.append(f"{code},{name},{people[n]},{km2:.4f},{people[n] / km2:.2f}")
    (lookups / "lsoa11_to_ward19_north_worcs.csv").write_text("\n".join(lines) + "\n")
    (lookups / "lsoa11_population_mid2018_north_worcs.csv").write_text("\n".join(population) + "\n")


# --------------------------------------------------------------------------- snap points


def make_points(plan: Plan, geo: Geo) -> dict[str, np.ndarray]:
    """Snap points: position, LSOA, location text, force, and the probability a row uses each."""
    rng = np.random.default_rng([plan.seed, 2])
    grid = geo.grid
    n = len(geo.wards["wd22"]) * plan.points_per_ward
    lon = np.round(grid.x0 + rng.random(n) * grid.ncols * grid.dx, 6)
    lat = np.round(grid.y0 + rng.random(n) * grid.nrows * grid.dy, 6)
    district, lsoa = locate(geo, lon, lat)
    # Busy and quiet LSOAs, and inside each a few busy points and a long tail.
    activity = rng.lognormal(0.0, 1.0, len(geo.lsoas))
    order = np.lexsort((rng.random(n), lsoa))
    rank = np.empty(n, dtype=np.int64)
    starts = np.r_[0, np.flatnonzero(np.diff(lsoa[order])) + 1]
    counts = np.diff(np.r_[starts, n])
    rank[order] = np.arange(n) - np.repeat(starts, counts)
    weight = activity[lsoa] * (rank + 1.0) ** -plan.zipf
    probability = weight / weight.sum()
    special = (rank < 2) & (rng.random(n) < 0.6)
    streets = np.array([f"On or near {w} {k}" for w in STREET_WORDS for k in STREET_KINDS], dtype=object)
    places = np.array([f"On or near {p}" for p in SPECIAL_PLACES], dtype=object)
    location = np.where(special, places[rng.integers(0, len(places), n)], streets[rng.integers(0, len(streets), n)])
    # Forces: a grid of force areas over the region.
    fx = math.ceil(math.sqrt(plan.forces))
    fy = math.ceil(plan.forces / fx)
    tx = np.minimum(((lon - grid.x0) / (grid.ncols * grid.dx) * fx).astype(np.int64), fx - 1)
    ty = np.minimum(((lat - grid.y0) / (grid.nrows * grid.dy) * fy).astype(np.int64), fy - 1)
    force = ((tx * fy + ty) % plan.forces).astype(np.int16)
    codes = np.array([c for c, *_ in geo.lsoas], dtype=object)
    names = np.array([nm for _, nm, *_ in geo.lsoas], dtype=object)
    position = {int(c[3:]) - 100000: i for i, c in enumerate(codes)}
    lsoa_row = np.array([position[i] for i in range(len(codes))])[lsoa]
    return {
        "lon": lon,
        "lat": lat,
        "lsoa_code": codes[lsoa_row],
        "lsoa_name": names[lsoa_row],
        "location": location,
        "force": force,
        "probability": probability,
        "district": district,
    }


# --------------------------------------------------------------------------- monthly files


def month_text(start: str, index: int) -> str:
    year, month = int(start[:4]), int(start[5:7])
    total = year * 12 + month - 1 + index
    return f"{total // 12:04d}-{total % 12 + 1:02d}"


def rows_per_month(plan: Plan) -> np.ndarray:
    """Rows in each month: a mild seasonal cycle (summer high) and trend, summing exactly to --rows."""
    m = np.arange(plan.months)
    month_of_year = np.array([int(month_text(plan.start, i)[5:]) for i in m])
    shape = (1 + 0.12 * np.sin(2 * np.pi * (month_of_year - 4) / 12)) * (1 + 0.1 * m / max(1, plan.months))
    exact = plan.rows * shape / shape.sum()
    counts = np.floor(exact).astype(np.int64)
    counts[np.argsort(counts - exact)[: plan.rows - counts.sum()]] += 1
    return counts


class Writer:
    """Writes months of rows through DuckDB's CSV writer (fast, and it quotes what needs quoting)."""

    def __init__(self, plan: Plan, points: dict[str, np.ndarray]):
        self.plan = plan
        self.conn = duckdb.connect()
        self.points = points
        self.cdf = np.cumsum(points["probability"])
        self.cdf[-1] = 1.0
        n = len(points["lon"])
        self.conn.register(
            "pts_arrow",
            pa.table(
                {
                    "id": np.arange(n, dtype=np.int32),
                    "lon_text": np.char.mod("%.6f", points["lon"]),
                    "lat_text": np.char.mod("%.6f", points["lat"]),
                    "location": points["location"].astype(str),
                    "lsoa_code": points["lsoa_code"].astype(str),
                    "lsoa_name": points["lsoa_name"].astype(str),
                }
            ),
        )
        self.conn.execute("CREATE TABLE pts AS SELECT * FROM pts_arrow")
        self.conn.unregister("pts_arrow")
        self.conn.execute(
            "CREATE TABLE cats AS SELECT i::TINYINT AS id, name FROM (SELECT unnest(range(?)) AS i, unnest(?) AS name)",
            [len(CRIME_TYPES) + 1, [ASB] + [c for c, _ in CRIME_TYPES]],
        )
        self.conn.execute(
            "CREATE TABLE outs AS SELECT i::TINYINT AS id, name FROM (SELECT unnest(range(?)) AS i, unnest(?) AS name)",
            [len(OUTCOMES), [o for o, _ in OUTCOMES]],
        )
        forces = FORCES[: plan.forces]
        self.conn.execute(
            "CREATE TABLE forces AS SELECT i::SMALLINT AS id, name FROM "
            "(SELECT unnest(range(?)) AS i, unnest(?) AS name)",
            [len(forces), [f for _, f in forces]],
        )
        share = np.array([s for _, s in CRIME_TYPES])
        self.category_p = np.r_[plan.asb_share, (1 - plan.asb_share) * share / share.sum()]
        outcome = np.array([s for _, s in OUTCOMES], dtype=float)
        self.outcome_p = outcome / outcome.sum()

    def month(self, index: int, n: int, out: Path, stream: int = 0) -> dict:
        """Write month ``index`` (n rows) as one file per force under out/YYYY-MM/."""
        plan = self.plan
        rng = np.random.default_rng([plan.seed, 1000 + index, stream])
        point = np.searchsorted(self.cdf, rng.random(n), side="right").astype(np.int32)
        no_location = rng.random(n) < plan.no_location_share
        force = self.points["force"][point]
        force[no_location] = rng.integers(0, plan.forces, int(no_location.sum()))
        point[no_location] = -1
        category = rng.choice(len(self.category_p), n, p=self.category_p).astype(np.int8)
        outcome = rng.choice(len(self.outcome_p), n, p=self.outcome_p).astype(np.int8)
        outcome[category == 0] = -1
        month = month_text(plan.start, index)
        self.conn.register(
            "batch",
            pa.table(
                {
                    "row": np.arange(n, dtype=np.int64),
                    "point": point,
                    "cat": category,
                    "outcome": outcome,
                    "force": force,
                }
            ),
        )
        prefix = f"{plan.seed}/{stream}/{month}/"
        self.conn.execute(
            """
            CREATE OR REPLACE TABLE month_rows AS
            SELECT b.force, b.row,
                   CASE WHEN b.cat <> 0 THEN sha256(? || b.row::VARCHAR) END AS "Crime ID",
                   ? AS "Month", f.name AS "Reported by", f.name AS "Falls within",
                   p.lon_text AS "Longitude", p.lat_text AS "Latitude",
                   coalesce(p.location, 'No location') AS "Location", p.lsoa_code AS "LSOA code",
                   p.lsoa_name AS "LSOA name", c.name AS "Crime type", o.name AS "Last outcome category",
                   NULL::VARCHAR AS "Context"
            FROM batch b JOIN forces f ON f.id = b.force JOIN cats c ON c.id = b.cat
            LEFT JOIN pts p ON p.id = b.point LEFT JOIN outs o ON o.id = b.outcome
            ORDER BY b.force, b.row""",
            [prefix, month],
        )
        self.conn.unregister("batch")
        folder = out / month
        folder.mkdir(parents=True, exist_ok=True)
        files = 0
        for force_id in np.unique(force):
            slug = FORCES[force_id][0]
            path = folder / f"{month}-{slug}-street.csv"
            # month_rows is stored in (force, row) order; a filtered scan keeps that order.
            self.conn.execute(f"""COPY (SELECT * EXCLUDE (force, row) FROM month_rows WHERE force = {int(force_id)})
                                  TO '{path}' (HEADER, DELIMITER ',')""")
            files += 1
        return {
            "rows": n,
            "asb": int((category == 0).sum()),
            "no_location": int(no_location.sum()),
            "files": files,
            "points": np.unique(point[point >= 0]),
        }


MALFORMED = {
    "bad-month": "a Month that is not YYYY-MM",
    "bad-longitude": "a Longitude that is not a number",
    "short-row": "a row cut off (11 columns)",
}


def write_malformed(source: Path, out: Path) -> list[str]:
    """Three copies of one valid file, each with one bad row near the end: the loader refuses each whole."""
    out.mkdir(parents=True, exist_ok=True)
    lines = source.read_text().splitlines()
    names = []
    for kind in MALFORMED:
        bad = list(lines)
        row = bad[-2].split(",")
        if kind == "bad-month":
            row[1] = row[1][:5] + "13"
        elif kind == "bad-longitude":
            row[4] = "-1.2x3"
        else:
            row = row[:11]
        bad[-2] = ",".join(row)
        name = source.name.replace("-street.csv", f"-{kind}-street.csv")
        (out / name).write_text("\n".join(bad) + "\n")
        names.append(name)
    return names


def generate(plan: Plan, out: Path, progress=print) -> dict:
    started = time.perf_counter()
    out = Path(out)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    geo = build_geography(plan)
    write_geography(geo, out / "data", np.random.default_rng([plan.seed, 3]))
    points = make_points(plan, geo)
    geography_seconds = time.perf_counter() - started
    writer = Writer(plan, points)
    counts = rows_per_month(plan)
    totals = {"rows": 0, "asb": 0, "no_location": 0, "files": 0}
    used = np.zeros(len(points["lon"]), dtype=bool)
    for index, n in enumerate(counts):
        result = writer.month(index, int(n), out / "police_uk")
        used[result.pop("points")] = True
        for key in totals:
            totals[key] += result[key]
        if progress and (index % 12 == 11 or index == len(counts) - 1):
            progress(
                f"  generated {month_text(plan.start, index)}: {totals['rows']:,} rows, "
                f"{time.perf_counter() - started:.0f} s"
            )
    new_month = writer.month(plan.months, int(counts[-1]), out / "new_month", stream=0)
    revised = writer.month(plan.months - 1, int(counts[-1]), out / "revised_month", stream=1)
    first_new = sorted((out / "new_month").rglob("*.csv"))[0]
    malformed = write_malformed(first_new, out / "malformed")
    csv_bytes = sum(p.stat().st_size for p in (out / "police_uk").rglob("*.csv"))
    manifest = {
        "plan": asdict(plan),
        "months": [month_text(plan.start, 0), month_text(plan.start, plan.months - 1)],
        "new_month": month_text(plan.start, plan.months),
        "grid": asdict(geo.grid),
        "wards_wd22": len(geo.wards["wd22"]),
        "wards_wd25": len(geo.wards["wd25"]),
        "lsoas": len(geo.lsoas),
        "snap_points": len(points["lon"]),
        "snap_points_used": int(used.sum()),
        **totals,
        "csv_bytes": csv_bytes,
        "new_month_rows": new_month["rows"],
        "new_month_files": new_month["files"],
        "revised_month_rows": revised["rows"],
        "revised_month_files": revised["files"],
        "malformed": {name: MALFORMED[kind] for name, kind in zip(malformed, MALFORMED, strict=False)},
        "region_km2": round(
            geo.grid.ncols
            * geo.grid.dx
            * geo.grid.nrows
            * geo.grid.dy
            * KM_PER_DEG_LAT**2
            * math.cos(math.radians(geo.grid.y0 + geo.grid.nrows * geo.grid.dy / 2))
        ),
        "geography_seconds": round(geography_seconds, 2),
        "seconds": round(time.perf_counter() - started, 1),
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1))
    return manifest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--months", type=int, default=120)
    parser.add_argument("--start", default="2016-01")
    parser.add_argument("--forces", type=int, default=0, help="default: 43 at 6 million rows a year, fewer below")
    parser.add_argument("--wards", type=int, default=0, help=f"default: rows a year / {ROWS_PER_WARD_YEAR}")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    manifest = generate(
        Plan(
            rows=args.rows, months=args.months, start=args.start, forces=args.forces, wards=args.wards, seed=args.seed
        ),
        args.out,
    )
    print(json.dumps({k: v for k, v in manifest.items() if k != "malformed"}, indent=1))


if __name__ == "__main__":
    main()
