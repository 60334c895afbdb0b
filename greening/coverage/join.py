"""Spatial joins: planting points to villages, and areas to each other by code.

Points are joined as longitude/latitude numpy arrays; no shapely Point is ever built (about
0.5 µs and 230 bytes each, as much as the join itself). The exact join:

1. a cached ``STRtree`` over the village polygons answers, once per index, which villages touch
   each bucket of a coarse grid (about half a village wide); a point's candidates are its
   bucket's villages whose bounding box holds it;
2. candidate pairs are taken in rounds (first candidate of every point, then the second, ...),
   each round sorted by village so that ``shapely.contains_xy`` runs village by village on
   prepared polygons (2-10x faster than in point order), split over two threads by village;
3. candidates are in code order and a point stops at its first hit, so a point inside two
   overlapping villages goes to the lowest code; a point on a boundary (inside none) goes to the
   lowest code among the villages whose closure holds it (``intersects_xy``); a point in none is
   outside (position -1, code ``None``) and is reported, never dropped.

For large batches :class:`~greening.coverage.grid.RasterGrid` answers most points by lookup and
sends only points near a boundary to the exact join; answers are identical.

Areas nest by code: a village's 12-digit code starts with its town's 9 digits and its county's 6
(:func:`parent_code`); :func:`check_nesting` is the geometric check of that rule.
"""
from __future__ import annotations

import hashlib
import math
import threading
from concurrent.futures import ThreadPoolExecutor

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from greening.coverage.grid import BORDER, RasterGrid
from greening.models.enums import AreaLevel

try:  # the shared CRS module; the constant is repeated here only as a fallback
    from greening.geo.crs import AREA_CRS
except ImportError:  # pragma: no cover
    AREA_CRS = "+proj=laea +lat_0=21.2 +lon_0=110.2 +ellps=GRS80 +units=m +no_defs"

__all__ = [
    "VillageIndex", "PointJoin", "assign_village", "join_points", "village_index",
    "villages_version", "parent_code", "parent_codes", "area_code_of", "code_prefix_length",
    "check_nesting",
    "areas_m2", "AREA_CRS",
]

#: Batches at least this large get the raster grid (built once per index, about 1-2 s).
GRID_MIN_POINTS = 500_000
#: Upper bound on grid cells (int16: 2 bytes each).
GRID_MAX_CELLS = 40_000_000
_THREADS = 2
_PARALLEL_MIN = 50_000
_CHUNK = 1 << 21


class VillageIndex:
    """Village polygons ready for point lookups; positions follow ascending code order.

    ``codes`` and ``geoms`` are sorted by code, so position order is code order (the tie-break).
    ``token`` identifies the village layer version the index was built from.
    """

    def __init__(self, codes, geoms, *, token: str | None = None):
        codes = np.asarray(codes, dtype=object)
        geoms = np.asarray(geoms, dtype=object)
        if len(codes) != len(geoms):
            raise ValueError(f"{len(codes)} codes but {len(geoms)} geometries")
        if len(set(codes.tolist())) != len(codes):
            raise ValueError("village codes are not unique")
        bad = [str(c) for c, g in zip(codes, geoms)
               if g is None or shapely.is_empty(g) or shapely.get_type_id(g) not in (3, 6)]
        if bad:
            raise ValueError(f"村界缺失或不是面 / village without a polygon: {', '.join(bad[:5])}")
        order = np.argsort(codes.astype(str), kind="stable")
        self.codes = codes[order]
        self.geoms = geoms[order]
        self.token = token
        shapely.prepare(self.geoms)
        self.bounds = shapely.bounds(self.geoms) if len(self.geoms) else np.zeros((0, 4))
        self.tree = shapely.STRtree(self.geoms)
        self._pos_dtype = np.int16 if len(self.codes) < np.iinfo(np.int16).max else np.int32
        self._buckets = _Buckets(self) if len(self.codes) else None
        self.grid: RasterGrid | None = None
        self._lock = threading.Lock()

    @classmethod
    def from_frame(cls, villages: gpd.GeoDataFrame, code: str = "code", *,
                   token: str | None = None) -> "VillageIndex":
        """An index of the ``villages`` GeoDataFrame (WGS 84), keyed by its ``code`` column."""
        gs = villages.geometry
        if gs.crs is not None and gs.crs.to_epsg() != 4326:
            gs = gs.to_crs(4326)
        return cls(villages[code].to_numpy(dtype=object), gs.to_numpy(), token=token)

    def __len__(self) -> int:
        return len(self.codes)

    # -- queries --------------------------------------------------------------------------
    def locate(self, lon: float, lat: float) -> str | None:
        """The code of the village holding (``lon``, ``lat``), or None (a few µs per call)."""
        pos = self.positions(np.array([lon], dtype=float), np.array([lat], dtype=float))[0]
        return None if pos < 0 else self.codes[pos]

    def locate_many(self, lons, lats) -> np.ndarray:
        """Codes (object array, None where outside every village) for many points."""
        pos = self.positions(lons, lats)
        out = np.full(len(pos), None, dtype=object)
        hit = pos >= 0
        out[hit] = self.codes[pos[hit]]
        return out

    def positions(self, lons, lats, *, use_grid: bool | None = None) -> np.ndarray:
        """Village positions (int32, -1 outside) for longitude/latitude arrays.

        ``use_grid``: None chooses by batch size (:data:`GRID_MIN_POINTS`); True builds the
        grid if needed; False never uses it.
        """
        x = np.ascontiguousarray(lons, dtype=float)
        y = np.ascontiguousarray(lats, dtype=float)
        if x.shape != y.shape or x.ndim != 1:
            raise ValueError(f"lon/lat arrays differ in shape: {x.shape} vs {y.shape}")
        if len(self.codes) == 0 or len(x) == 0:
            return np.full(len(x), -1, dtype=np.int32)
        if use_grid or (use_grid is None and (self.grid is not None or len(x) >= GRID_MIN_POINTS)):
            grid = self.ensure_grid()
            out = np.empty(len(x), dtype=np.int32)
            for lo in range(0, len(x), _CHUNK):
                sl = slice(lo, lo + _CHUNK)
                got = grid.lookup(x[sl], y[sl])
                near = np.flatnonzero(got == BORDER)
                if len(near):
                    got[near] = self._exact(x[sl][near], y[sl][near])
                out[sl] = got
            return out
        return self._exact(x, y)

    def ensure_grid(self, cell: float | None = None) -> RasterGrid:
        """Build (once) and return the raster grid fast path."""
        with self._lock:
            if self.grid is None or (cell is not None and cell != self.grid.cell):
                self.grid = RasterGrid.build(self.geoms, self._exact, cell or self._grid_cell())
            return self.grid

    # -- internals ------------------------------------------------------------------------
    def _grid_cell(self) -> float:
        # About 64 cells across a typical village (about 4 % of cells on a border), coarser
        # when the area would need more than GRID_MAX_CELLS.
        b = self.bounds
        width = float(np.median(np.maximum(b[:, 2] - b[:, 0], b[:, 3] - b[:, 1])))
        total = shapely.total_bounds(self.geoms)
        span = (total[2] - total[0]) * (total[3] - total[1])
        return max(width / 64, math.sqrt(span / GRID_MAX_CELLS), 1e-6)

    def _exact(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        return self._buckets.locate(x, y)


class _Buckets:
    """Candidate villages per coarse bucket (CSR), answered once by the village STRtree."""

    def __init__(self, index: VillageIndex):
        b = index.bounds
        self.index = index
        width = float(np.median(np.maximum(b[:, 2] - b[:, 0], b[:, 3] - b[:, 1])))
        total = shapely.total_bounds(index.geoms)
        span = max(total[2] - total[0], total[3] - total[1], 1e-9)
        size = max(width / 2, span / 2048, 1e-6)
        self.x0, self.y0, self.size = total[0], total[1], size
        self.nx = int((total[2] - total[0]) // size) + 1
        self.ny = int((total[3] - total[1]) // size) + 1
        ix, iy = np.meshgrid(np.arange(self.nx), np.arange(self.ny))
        ix, iy = ix.ravel(), iy.ravel()
        boxes = shapely.box(self.x0 + ix * size, self.y0 + iy * size,
                            self.x0 + (ix + 1) * size, self.y0 + (iy + 1) * size)
        bucket, village = index.tree.query(boxes, predicate="intersects")
        order = np.lexsort((village, bucket))  # by bucket, then code order
        self.villages = village[order].astype(np.int32)
        self.start = np.searchsorted(bucket[order], np.arange(self.nx * self.ny + 1)).astype(np.int64)

    def locate(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        out = np.full(len(x), -1, dtype=np.int32)
        ix = np.floor((x - self.x0) / self.size)
        iy = np.floor((y - self.y0) / self.size)
        ok = (ix >= 0) & (ix < self.nx) & (iy >= 0) & (iy < self.ny)
        pts = np.flatnonzero(ok)
        bucket = iy[pts].astype(np.int64) * self.nx + ix[pts].astype(np.int64)
        first, count = self.start[bucket], self.start[bucket + 1] - self.start[bucket]
        # Interior first (contains), then closure (intersects) for what is left: boundary points.
        for predicate in (shapely.contains_xy, shapely.intersects_xy):
            todo, k = np.arange(len(pts)), 0
            while len(todo):
                todo = todo[count[todo] > k]
                if not len(todo):
                    break
                v = self.villages[first[todo] + k]
                hit = self._test(predicate, v, x[pts[todo]], y[pts[todo]])
                out[pts[todo[hit]]] = v[hit]
                todo = todo[~hit]
                k += 1
            keep = out[pts] < 0
            pts, first, count = pts[keep], first[keep], count[keep]
        return out

    def _test(self, predicate, v, px, py) -> np.ndarray:
        b = self.index.bounds[v]
        inbox = (px >= b[:, 0]) & (px <= b[:, 2]) & (py >= b[:, 1]) & (py <= b[:, 3])
        hit = np.zeros(len(v), dtype=bool)
        sel = np.flatnonzero(inbox)
        if not len(sel):
            return hit
        order = sel[np.argsort(v[sel].astype(self.index._pos_dtype), kind="stable")]
        vs, xs, ys = v[order], px[order], py[order]
        geoms = self.index.geoms
        if len(order) < _PARALLEL_MIN:
            hit[order] = predicate(geoms[vs], xs, ys)
            return hit
        # Two threads on disjoint villages: GEOS releases the GIL, and no prepared geometry is
        # shared between threads.
        cut = int(np.searchsorted(vs, vs[len(vs) // 2], side="left")) or len(vs) // 2
        parts = [slice(0, cut), slice(cut, len(vs))]
        with ThreadPoolExecutor(_THREADS) as pool:
            res = list(pool.map(lambda s: predicate(geoms[vs[s]], xs[s], ys[s]), parts))
        hit[order] = np.concatenate(res)
        return hit


class PointJoin:
    """Result of :func:`join_points`: a position per point and which points are outside."""

    def __init__(self, index: VillageIndex, positions: np.ndarray):
        self.index = index
        self.positions = positions

    @property
    def codes(self) -> np.ndarray:
        out = np.full(len(self.positions), None, dtype=object)
        hit = self.positions >= 0
        out[hit] = self.index.codes[self.positions[hit]]
        return out

    @property
    def outside(self) -> np.ndarray:
        """Indices of the points that fall in no village."""
        return np.flatnonzero(self.positions < 0)


def join_points(lons, lats, index: VillageIndex, *, use_grid: bool | None = None) -> PointJoin:
    """Join points (lon/lat arrays, WGS 84) to villages; points outside are kept and reported."""
    return PointJoin(index, index.positions(lons, lats, use_grid=use_grid))


def assign_village(lon: float, lat: float, index: VillageIndex) -> str | None:
    """The village a planting written at (``lon``, ``lat``) falls in: the per-write lookup."""
    return index.locate(lon, lat)


# -- cached index for the write path ------------------------------------------------------
_cache: dict[str, VillageIndex] = {}
_cache_lock = threading.Lock()


def villages_version(conn) -> str:
    """A token that changes whenever any village row is added, edited or (soft-)deleted."""
    from sqlalchemy import func, select

    from greening.models import AdminArea

    row = conn.execute(
        select(func.count(), func.max(AdminArea.id), func.sum(AdminArea.version))
        .where(AdminArea.level == AreaLevel.VILLAGE, AdminArea.deleted_at.is_(None))
    ).one()
    url = str(conn.engine.url.render_as_string(hide_password=True))
    return hashlib.sha1(f"{url}|{tuple(row)}".encode()).hexdigest()[:16]


def village_index(conn, *, refresh: bool = False) -> VillageIndex:
    """The index of every current village, cached per database and villages version.

    Costs one small aggregate query when the cache is fresh; rebuilds (about 0.1 s for 1,700
    villages) after any change to the village layer. The index is city-wide on purpose: a
    point's true village may lie outside the writer's own area, and that is what gets flagged.
    """
    from sqlalchemy import select

    from greening.geodb import read_gdf, wkb_column
    from greening.models import AdminArea

    token = villages_version(conn)
    with _cache_lock:
        hit = _cache.get(token)
    if hit is not None and not refresh:
        return hit
    gdf = read_gdf(conn, select(AdminArea.code, wkb_column(AdminArea.geom)).where(
        AdminArea.level == AreaLevel.VILLAGE, AdminArea.deleted_at.is_(None),
        AdminArea.geom.is_not(None)))
    index = VillageIndex.from_frame(gdf, token=token)
    with _cache_lock:
        _cache.clear()  # one version per process is enough
        _cache[token] = index
    return index


# -- codes and nesting --------------------------------------------------------------------
def parent_code(code: str, level: str) -> str:
    """The 12-digit code of the ``level`` area holding ``code`` (e.g. a village's town)."""
    n = AreaLevel(level).code_prefix_len
    if len(code) != 12 or not code.isdigit():
        raise ValueError(f"区划代码 {code!r} 不是12位数字 / area code is not 12 digits")
    return code[:n] + "0" * (12 - n)


def parent_codes(codes: pd.Series, level: str) -> pd.Series:
    """Vectorised :func:`parent_code` for a Series of 12-digit codes."""
    n = AreaLevel(level).code_prefix_len
    return codes.astype(str).str.slice(0, n) + "0" * (12 - n)


def code_prefix_length(codes: pd.Series) -> pd.Series:
    """How many leading digits identify each code's own area: 4 city, 6 county, 9 town, 12 village.

    National codes never use 000 for a town or village number, so the level shows in the zeros.
    """
    codes = codes.astype(str)
    n = pd.Series(12, index=codes.index)
    n = n.mask(codes.str.slice(9) == "000", 9)
    n = n.mask(codes.str.slice(6) == "000000", 6)
    n = n.mask(codes.str.slice(4) == "00000000", 4)
    return n


def area_code_of(codes: pd.Series, level: str) -> pd.Series:
    """The ``level`` area holding each record's area (for designations, teams, assignments
    attached by code); NA where the record's own area is above ``level``."""
    n = AreaLevel(level).code_prefix_len
    return parent_codes(codes, level).where(code_prefix_length(codes) >= n)


def check_nesting(children: gpd.GeoDataFrame, parents: gpd.GeoDataFrame,
                  level: str) -> pd.DataFrame:
    """Children whose representative point is not inside the parent their code names.

    Returns code, expected parent code, and the parent code the point actually falls in.
    """
    pts = children.geometry.representative_point()
    index = VillageIndex.from_frame(parents)
    found = index.locate_many(pts.x.to_numpy(), pts.y.to_numpy())
    expected = parent_codes(children["code"], level).to_numpy()
    bad = found != expected
    return pd.DataFrame({"code": children["code"].to_numpy()[bad],
                         "expected": expected[bad], "found": found[bad]})


def areas_m2(geoms: gpd.GeoSeries) -> pd.Series:
    """Areas in square metres in the equal-area :data:`AREA_CRS`, never in degrees."""
    gs = geoms if geoms.crs is not None else geoms.set_crs(4326)
    return gs.to_crs(AREA_CRS).area
