"""The equal-area lattice of square cells over a set of wards, and the cells' geometry.

Cells are squares of British National Grid (EPSG:27700, metres), so every cell covers the same
area. A cell's index is ``(floor(easting / size), floor(northing / size))``: a point on a cell
edge belongs to the cell whose lower-left corner it is, and the cell id reads ``"E{col}_N{row}"``.
The lattice is complete: every cell whose square intersects one of the wards is present, each
named after the ward of its centre (or, at the edge, the ward covering most of it).

What depends only on the boundaries and the cell size (which cells there are, the ward of each,
their coordinates) is worked out once per boundary set and cell size and kept
(:func:`ward_lattice`): a 250 m lattice of England and Wales has hundreds of thousands of cells,
and a query then only looks its cells up in it. Coordinates in WGS84 are transformed when first
asked for, and only for the cells asked for, unless every cell is. Nothing here reads the store.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely

from analytics.analyses.arguments import whole_in_range
from analytics.data.geography import to_bng, to_wgs84

__all__ = [
    "CELL_SIZE_RANGE_M",
    "DEFAULT_CELL_SIZE_M",
    "Lattice",
    "cell_columns",
    "cell_geometry",
    "check_cell_size",
    "ward_lattice",
    "with_cells_beyond",
]

#: Cell sizes accepted, in whole metres (smallest, largest).
CELL_SIZE_RANGE_M = (100, 2000)
#: 250 m: about a street block, a few thousand cells for the three districts.
DEFAULT_CELL_SIZE_M = 250
#: Edge cells of the lattice whose squares are cut against the wards at a time (see _edge_wards).
_EDGE_BLOCK = 50_000


def check_cell_size(cell_size_m: object) -> int:
    return whole_in_range("cell_size_m", cell_size_m, *CELL_SIZE_RANGE_M, unit=" of metres")


# ---------------------------------------------------------------------------
# Cell geometry
# ---------------------------------------------------------------------------


def cell_geometry(
    col: np.ndarray, row: np.ndarray, size: int, corners: bool = True
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Centre lon/lat and the four corners in lon/lat of each cell (``corners=False``: None).

    Neighbouring cells share corners, so each grid vertex is transformed once: one pyproj call
    over the centres and the distinct vertices. (The same points give the same coordinates in
    any batch, so the figures are those of transforming every corner of every cell.)
    """
    n = len(col)
    if not corners:
        lon, lat = to_wgs84().transform((col + 0.5) * size, (row + 0.5) * size)
        return np.asarray(lon, dtype=float).reshape(n), np.asarray(lat, dtype=float).reshape(n), None
    if n == 0:
        return np.empty(0), np.empty(0), np.empty((0, 4, 2))
    corner_col = np.stack([col, col + 1, col + 1, col], axis=1).ravel()
    corner_row = np.stack([row, row, row + 1, row + 1], axis=1).ravel()
    col_low, row_low = int(corner_col.min()), int(corner_row.min())
    span = int(corner_row.max()) - row_low + 1
    vertex, inverse = np.unique((corner_col - col_low) * span + (corner_row - row_low), return_inverse=True)
    vertex_col, vertex_row = vertex // span + col_low, vertex % span + row_low
    xs = np.concatenate([(col + 0.5) * size, vertex_col * float(size)])
    ys = np.concatenate([(row + 0.5) * size, vertex_row * float(size)])
    lon, lat = to_wgs84().transform(xs, ys)
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    at = n + inverse.ravel()
    corner_points = np.stack([lon[at], lat[at]], axis=1).reshape(n, 4, 2)
    return lon[:n], lat[:n], corner_points


def _cell_ids(col: np.ndarray, row: np.ndarray) -> np.ndarray:
    return np.asarray([f"E{c}_N{r}" for c, r in zip(col.tolist(), row.tolist(), strict=False)], dtype=object)


def _read_only(*arrays: np.ndarray | None) -> None:
    for array in arrays:
        if array is not None:
            array.flags.writeable = False


@dataclass(frozen=True)
class Lattice:
    """The lattice of one cell size over one set of wards: read-only arrays, shared by the cache.

    Cells are ordered by row, then column. Everything here depends only on the boundaries and
    the cell size, so it is worked out once and each query only looks cells up by ``key``. The
    cells' coordinates in WGS84 are transformed when first asked for: only for the cells asked
    for (a table of the busy cells of a national lattice), or for all of them at once, kept.
    """

    size: int
    col: np.ndarray
    row: np.ndarray
    key: np.ndarray  # (row - row_low) * width + (col - col_low): sorted, for look-ups
    col_low: int
    row_low: int
    width: int
    height: int
    ward: np.ndarray  # index into ward_codes / ward_names / districts
    ward_codes: np.ndarray
    ward_names: np.ndarray
    districts: np.ndarray
    memo: dict[str, Any]  # columns of Python objects, made the first time a whole frame needs them

    def positions(self, col: np.ndarray, row: np.ndarray) -> np.ndarray:
        """Position of each (col, row) in the lattice, -1 for a cell outside it."""
        c, r = col - self.col_low, row - self.row_low
        inside = (c >= 0) & (c < self.width) & (r >= 0) & (r < self.height)
        key = np.where(inside, r * self.width + c, 0)
        position = np.minimum(np.searchsorted(self.key, key), max(len(self.key) - 1, 0))
        found = inside & (self.key[position] == key) if len(self.key) else np.zeros(len(col), bool)
        return np.where(found, position, -1)

    def geometry(
        self, source: np.ndarray, corners: bool = True, whole: bool = False
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """Centre lon/lat and (if asked) corners of the cells at positions ``source``; ``whole``
        says ``source`` is every cell, whose coordinates are then kept for the next call."""
        kept = self.memo.get("geometry")
        if kept is None and whole:
            kept = cell_geometry(self.col, self.row, self.size)
            _read_only(*kept)
            self.memo["geometry"] = kept
        if kept is not None:
            lon, lat, corner = kept
            return lon[source], lat[source], (corner[source] if corners else None)
        return cell_geometry(self.col[source], self.row[source], self.size, corners)


# ---------------------------------------------------------------------------
# Building the lattice, step by step
# ---------------------------------------------------------------------------


def _cells_of(bounds: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Every cell of the rectangle (min x, min y, max x, max y)."""
    cols = np.arange(math.floor(bounds[0] / size), math.floor(bounds[2] / size) + 1)
    rows = np.arange(math.floor(bounds[1] / size), math.floor(bounds[3] / size) + 1)
    grid_col, grid_row = np.meshgrid(cols, rows)
    return grid_col.ravel(), grid_row.ravel()


def _wards_in_bng(wkbs: tuple[bytes, ...]) -> np.ndarray:
    """The ward polygons (WKB in WGS84) in British National Grid, prepared for point tests."""
    wards = shapely.transform(shapely.from_wkb(list(wkbs)), lambda x, y: to_bng().transform(x, y), interleaved=False)
    shapely.prepare(wards)
    return np.asarray(wards)


def _centre_cells(wards: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Column, row and ward number of every cell whose centre lies in a ward: each ward tests
    the centres of the cells of its own bounding box (a centre on a shared edge comes twice)."""
    found_col, found_row, found_ward = [], [], []
    for number, (ward, bounds) in enumerate(zip(wards, shapely.bounds(wards), strict=False)):
        col, row = _cells_of(bounds, size)
        inside = shapely.intersects_xy(ward, (col + 0.5) * size, (row + 0.5) * size)
        found_col.append(col[inside])
        found_row.append(row[inside])
        found_ward.append(np.full(int(inside.sum()), number, dtype=np.int64))
    col, row, ward = (
        np.concatenate(parts) if parts else np.empty(0, np.int64) for parts in (found_col, found_row, found_ward)
    )
    return col, row, ward


def _boundary_cells(wards: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Column and row of every vertex of the ward boundaries cut into pieces of at most one cell."""
    vertices = shapely.get_coordinates(shapely.segmentize(shapely.boundary(wards), size))
    return np.floor(vertices[:, 0] / size).astype(np.int64), np.floor(vertices[:, 1] / size).astype(np.int64)


def _key_box(col: np.ndarray, row: np.ndarray, vertex_col: np.ndarray, vertex_row: np.ndarray) -> tuple[int, int, int]:
    """Lowest column, lowest row and width of a box holding every candidate cell, whose keys
    ``(row - low row) * width + (col - low col)`` sort in (row, col) order.

    The box is found from the centres and the vertices (each near cell is a vertex's cell or
    next to it), not from the near cells themselves: nine times as many, a national lattice's
    largest arrays.
    """
    low_col = int(min(col.min(initial=0), vertex_col.min(initial=0) - 1))
    low_row = int(min(row.min(initial=0), vertex_row.min(initial=0) - 1))
    width = int(max(col.max(initial=low_col), vertex_col.max(initial=low_col) + 1)) - low_col + 1
    return low_col, low_row, width


def _first_ward(centre_key: np.ndarray, ward_of: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One ward per centre, sorted by key: a centre on a shared edge is in two wards, and keeps
    the first ward code, deterministically."""
    order = np.lexsort((ward_of, centre_key))
    centre_key, ward_of = centre_key[order], ward_of[order]
    first = np.unique(centre_key, return_index=True)[1]
    return centre_key[first], ward_of[first]


def _near_keys(vertex_key: np.ndarray, width: int, centre_key: np.ndarray) -> np.ndarray:
    """Keys of the cells near a boundary whose centre is in no ward: the cell of every vertex
    and the 8 around it (every point of a boundary cut into pieces no longer than a cell lies
    within half a cell of a vertex), less the cells already found by their centre."""
    step = (np.arange(-1, 2)[:, None] * width + np.arange(-1, 2)[None, :]).ravel()
    near_key = np.unique((vertex_key[:, None] + step).ravel())
    return near_key[~np.isin(near_key, centre_key, assume_unique=True)]


def _edge_wards(
    near_key: np.ndarray, wards: np.ndarray, size: int, low_col: int, low_row: int, width: int
) -> tuple[np.ndarray, np.ndarray]:
    """Which of the near cells meet a ward (their positions in ``near_key``), and the ward
    covering most of each (largest area first, then lowest code).

    Each cell's answer depends on it alone, so the squares are made and cut a block at a time: a
    national lattice has hundreds of thousands of edge cells, and making all their shapes and
    intersections at once cost the dashboard half a gigabyte for a few seconds.
    """
    tree = shapely.STRtree(wards)
    edge_parts, edge_ward_parts = [np.empty(0, np.int64)], [np.empty(0, np.int64)]
    for start in range(0, len(near_key), _EDGE_BLOCK):
        block = near_key[start : start + _EDGE_BLOCK]
        block_col, block_row = block % width + low_col, block // width + low_row
        boxes = shapely.box(block_col * size, block_row * size, (block_col + 1) * size, (block_row + 1) * size)
        box_of_pair, ward_of_pair = tree.query(boxes, predicate="intersects")
        if not len(box_of_pair):
            continue
        areas = shapely.area(shapely.intersection(boxes[box_of_pair], wards[ward_of_pair]))
        best = np.lexsort((ward_of_pair, -areas, box_of_pair))
        edge, edge_ward = box_of_pair[best], ward_of_pair[best]
        first = np.unique(edge, return_index=True)[1]
        edge_parts.append(edge[first] + start)
        edge_ward_parts.append(edge_ward[first])
    return np.concatenate(edge_parts), np.concatenate(edge_ward_parts)


@functools.lru_cache(maxsize=32)
def ward_lattice(
    size: int,
    ward_codes: tuple[str, ...],
    ward_names: tuple[str, ...],
    districts: tuple[str, ...],
    wkbs: tuple[bytes, ...],
) -> Lattice:
    """Every cell whose square intersects one of the wards, each with the ward of its centre.

    The ward of a cell is the ward containing its centre (on a shared edge, the first ward
    code); for a cell at the edge whose centre lies outside all the wards, the ward covering
    most of the cell. ``wkbs`` are the wards' polygons in WGS84, in the order of ``ward_codes``.

    Rather than testing a square for every cell of the bounding box, each ward tests the centres
    of the cells of its own bounding box (a point in a polygon, prepared once), and only the
    cells near a ward's boundary whose centre is in no ward have their square tested: a square
    can meet a ward without holding its centre only where the ward's boundary crosses it, and
    every point of a boundary cut into pieces no longer than a cell lies within half a cell of a
    vertex, so in the 3 x 3 block around that vertex's cell. Kept per boundary set and cell size.
    """
    wards = _wards_in_bng(wkbs)
    col, row, ward_of = _centre_cells(wards, size)
    vertex_col, vertex_row = _boundary_cells(wards, size)
    low_col, low_row, width = _key_box(col, row, vertex_col, vertex_row)
    centre_key, ward_of = _first_ward((row - low_row) * width + (col - low_col), ward_of)
    del col, row
    vertex_key = (vertex_row - low_row) * width + (vertex_col - low_col)
    del vertex_col, vertex_row
    near_key = _near_keys(vertex_key, width, centre_key)
    del vertex_key
    edge, edge_ward = _edge_wards(near_key, wards, size, low_col, low_row, width)
    key = np.concatenate([centre_key, near_key[edge]])
    ward_index = np.concatenate([ward_of, edge_ward])
    order = np.argsort(key, kind="stable")
    key, ward_index = key[order], ward_index[order]
    col, row = key % width + low_col, key // width + low_row
    height = (int(row.max()) - low_row + 1) if len(row) else 1
    lattice = Lattice(
        size,
        col,
        row,
        key,
        low_col,
        low_row,
        width,
        height,
        ward_index,
        np.asarray(ward_codes, dtype=object),
        np.asarray(ward_names, dtype=object),
        np.asarray(districts, dtype=object),
        {},
    )
    _read_only(
        lattice.col, lattice.row, lattice.key, lattice.ward, lattice.ward_codes, lattice.ward_names, lattice.districts
    )
    return lattice


# ---------------------------------------------------------------------------
# The cells of a query: the lattice's and any beyond it, as columns
# ---------------------------------------------------------------------------


def with_cells_beyond(
    lattice: Lattice, occupied: list[tuple[np.ndarray, np.ndarray]]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[np.ndarray]]:
    """The lattice's cells plus every occupied cell beyond it (a point past a generalised
    boundary), so that no located incident is dropped.

    ``occupied`` holds the columns and rows of the occupied cells of each period (one pair per
    period). Returns the columns, rows and lattice positions (-1 beyond it) of all the cells,
    ordered by row then column, and for each period where its occupied cells are among them.
    """
    n = len(lattice.col)
    col, row, position = lattice.col, lattice.row, np.arange(n)
    at = [lattice.positions(c, r) for c, r in occupied]
    beyond_col = np.concatenate([c[a < 0] for (c, _), a in zip(occupied, at, strict=False)])
    beyond_row = np.concatenate([r[a < 0] for (_, r), a in zip(occupied, at, strict=False)])
    if not len(beyond_col):
        return col, row, position, at
    extra = np.unique(np.stack([beyond_row, beyond_col], axis=1), axis=0)  # by row, then column
    col = np.concatenate([col, extra[:, 1]])
    row = np.concatenate([row, extra[:, 0]])
    position = np.concatenate([position, np.full(len(extra), -1)])
    order = np.lexsort((col, row))
    col, row, position = col[order], row[order], position[order]
    where = np.empty(len(col), dtype=np.int64)
    where[order] = np.arange(len(col))  # new index of each old index
    for number, (c, r) in enumerate(occupied):
        beyond = at[number] < 0
        found = np.full(len(c), -1, dtype=np.int64)
        found[~beyond] = where[at[number][~beyond]]
        if beyond.any():
            # Cells beyond the lattice are few (points past a generalised boundary).
            index = {pair: n + k for k, pair in enumerate(map(tuple, extra.tolist()))}
            found[beyond] = where[
                [index[(rr, cc)] for rr, cc in zip(r[beyond].tolist(), c[beyond].tolist(), strict=False)]
            ]
        at[number] = found
    return col, row, position, at


def _centres_and_corners(
    lattice: Lattice, col: np.ndarray, row: np.ndarray, position: np.ndarray, polygons: bool, whole: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Centre lon/lat and (with ``polygons``) corners of the cells: the lattice's own from it
    (``whole``: these are all of its cells, whose coordinates it then keeps), any beyond it
    (``position`` -1) transformed here."""
    inside = position >= 0
    k = len(col)
    lon, lat, corners = np.empty(k), np.empty(k), np.empty((k if polygons else 0, 4, 2))
    lattice_lon, lattice_lat, lattice_corners = lattice.geometry(position[inside], polygons, whole)
    lon[inside], lat[inside] = lattice_lon, lattice_lat
    if polygons:
        corners[inside] = lattice_corners
    if (~inside).any():
        beyond_lon, beyond_lat, beyond_corners = cell_geometry(col[~inside], row[~inside], lattice.size, polygons)
        lon[~inside], lat[~inside] = beyond_lon, beyond_lat
        if polygons:
            corners[~inside] = beyond_corners
    return lon, lat, (corners if polygons else None)


def _ward_columns(lattice: Lattice, position: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Ward code, ward name and district of each cell; None for a cell beyond the lattice."""
    inside = position >= 0
    ward_code, ward_name, district = (np.full(len(position), None, dtype=object) for _ in range(3))
    ward = lattice.ward[position[inside]]
    ward_code[inside], ward_name[inside], district[inside] = (
        lattice.ward_codes[ward],
        lattice.ward_names[ward],
        lattice.districts[ward],
    )
    return ward_code, ward_name, district


def cell_columns(
    lattice: Lattice,
    col: np.ndarray,
    row: np.ndarray,
    position: np.ndarray,
    take: np.ndarray | None = None,
    polygons: bool = True,
) -> dict[str, Any]:
    """The descriptive columns of cells (``cell_id``, ``col``, ``row``, ``easting``,
    ``northing``, ``longitude``, ``latitude``, ``polygon``, ``ward_code``, ``ward_name``,
    ``district``) for the cells ``take``, in that order.

    ``col``, ``row`` and ``position`` are the cells of a query: the lattice's cells and any
    beyond it holding incidents, with their position in ``lattice`` (-1 beyond it); ``take``
    picks some of them (positions in those arrays; every cell when None). ``polygons=False``
    leaves the ``polygon`` column out: a list of corner lists per cell is the dearest to make.
    """
    everything = take is None
    take = np.arange(len(col)) if everything else np.asarray(take, dtype=np.int64)
    col, row, position = col[take], row[take], position[take]
    inside = position >= 0
    k, size = len(take), lattice.size
    whole = everything and int(inside.sum()) == len(lattice.col)
    lon, lat, corners = _centres_and_corners(lattice, col, row, position, polygons, whole)
    if everything and inside.all() and k == len(lattice.col):
        # The whole lattice (no cell beyond it): its identifiers are made once.
        if "cell_id" not in lattice.memo:
            lattice.memo["cell_id"] = _cell_ids(col, row)
        cell_id = lattice.memo["cell_id"]
    else:
        cell_id = _cell_ids(col, row)
    polygon = None
    if corners is not None:  # with polygons
        polygon = np.empty(k, dtype=object)
        polygon[:] = corners.tolist() if k else []
    ward_code, ward_name, district = _ward_columns(lattice, position)
    columns = {
        "cell_id": cell_id,
        "col": col,
        "row": row,
        "easting": (col + 0.5) * size,
        "northing": (row + 0.5) * size,
        "longitude": lon,
        "latitude": lat,
        "polygon": polygon,
        "ward_code": ward_code,
        "ward_name": ward_name,
        "district": district,
    }
    if not polygons:
        del columns["polygon"]
    return columns
