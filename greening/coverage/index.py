"""The village index: the one way a point (or an array of points) finds its village.

Every lookup goes through :class:`VillageIndex`: the coverage join, the importers (a whole file
at once, and re-assigning plantings after a boundary change) and the planting form
(:func:`greening.services.plantings.locate_village`, which builds one over the few villages the
database's spatial index gives it). So there is one border rule, in :meth:`_Buckets.locate`:

    a point belongs to the village with the lowest code among those whose polygon, boundary
    included, holds it; a point in none is outside (position -1, code ``None``), never dropped.

A point on a shared border or vertex therefore goes to the lowest code, and so does a point where
villages overlap. No shapely Point is built per point looked up (about 0.5 µs and 230 bytes each,
as much as the join itself). Only numpy and shapely are needed here, so the write path and the
benchmarks stay light.

1. each village is listed, once per index, in the buckets of a coarse grid (about half a
   village wide) under its bounding box (a village spanning many buckets, such as islands far
   apart, only in those its polygons touch); a point's candidates are its bucket's villages
   whose bounding box holds it;
2. candidate pairs are taken in rounds (first candidate of every point, then the second, ...),
   each round sorted by village so that ``shapely.intersects_xy`` runs village by village on
   prepared polygons (2-10x faster than in point order), split over two threads by village (GEOS
   releases the GIL; no prepared geometry is ever shared between threads);
3. candidates are in code order, the test is ``intersects_xy`` (the closed polygon) and a point
   stops at its first hit: the border rule above.

For large batches :class:`~greening.coverage.grid.RasterGrid` answers most points by lookup and
sends only points near a boundary to the exact test; answers are identical.
"""
from __future__ import annotations

import math
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

import numpy as np
import shapely

from greening.coverage.grid import BORDER, SPLIT, RasterGrid
from greening.validation.errors import Refusal

if TYPE_CHECKING:  # geopandas is only needed by callers that hand in frames
    import geopandas as gpd

__all__ = ["sorted_villages", "VillageIndex", "PointJoin", "join_points", "GRID_MIN_POINTS"]

#: Batches at least this large get the raster grid (built once per index, about 1-2 s).
GRID_MIN_POINTS = 500_000
#: Upper bound on grid cells (int16: 2 bytes each).
GRID_MAX_CELLS = 40_000_000
_THREADS = 2
_PARALLEL_MIN = 50_000
_CHUNK = 1 << 18  # points per grid lookup task: small temporaries, two threads
_EXACT_BATCH = 1 << 16  # border points per exact pass of count_points (a short tail after the last chunk)


def sorted_villages(codes, geoms) -> tuple[np.ndarray, np.ndarray]:
    """``codes`` and ``geoms`` as object arrays in code order, after checking them: as many codes
    as geometries, unique codes, and a polygon or multipolygon for every village."""
    codes = np.asarray(codes, dtype=object)
    geoms = np.asarray(geoms, dtype=object)
    if len(codes) != len(geoms):
        raise ValueError(f"{len(codes)} codes but {len(geoms)} geometries")
    if len(set(codes.tolist())) != len(codes):
        raise ValueError("village codes are not unique")
    # vectorised (None has type id -1): one call per array, not per village
    wrong = ~np.isin(shapely.get_type_id(geoms), (3, 6)) | shapely.is_empty(geoms)
    bad = [str(c) for c in codes[wrong]]
    if bad:
        raise Refusal.of("village_without_polygon", codes=", ".join(bad[:5]))
    order = np.argsort(codes.astype(str), kind="stable")
    return codes[order], geoms[order]


class VillageIndex:
    """Village polygons ready for point lookups; positions follow ascending code order.

    ``codes`` and ``geoms`` are sorted by code, so position order is code order (the tie-break).
    ``token`` identifies the village layer version the index was built from.

    Safe to share between threads (the app caches one per process): GEOS prepared geometries are
    not thread-safe, so exact tests are serialised per index, and each one is split over two
    threads that never touch the same village.
    """

    def __init__(self, codes, geoms, *, token: str | None = None, split: int = SPLIT):
        self.codes, self.geoms = sorted_villages(codes, geoms)
        self.token = token
        self.split = split  # sub-cells per border cell side of a grid built without asking
        shapely.prepare(self.geoms)
        self.bounds = shapely.bounds(self.geoms) if len(self.geoms) else np.zeros((0, 4))
        self.tree = shapely.STRtree(self.geoms)
        self._pos_dtype = np.int16 if len(self.codes) < np.iinfo(np.int16).max else np.int32
        self._buckets = _Buckets(self) if len(self.codes) else None
        self.grid: RasterGrid | None = None
        self._lock = threading.Lock()
        self._exact_lock = threading.Lock()

    @classmethod
    def from_frame(cls, villages: gpd.GeoDataFrame, code: str = "code", *,
                   token: str | None = None) -> VillageIndex:
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

    def nearest(self, lon: float, lat: float) -> tuple[int, float] | None:
        """``(position, metres)`` of the village nearest to a point, or None without villages
        (to name it when a point falls in none)."""
        if not len(self.codes):
            return None
        from greening.geo.crs import distance_m

        point = shapely.Point(lon, lat)
        position = int(self.tree.query_nearest(point)[0])
        return position, float(distance_m(self.geoms[position], point))

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
            return self._grid_positions(x, y, self.ensure_grid())
        return self._exact(x, y)

    def _grid_positions(self, x: np.ndarray, y: np.ndarray, grid: RasterGrid) -> np.ndarray:
        out = self._grid_lookup(x, y, grid)
        near = np.flatnonzero(out == BORDER)
        if len(near):
            out[near] = self._exact(x[near], y[near])
        return out

    def _grid_lookup(self, x: np.ndarray, y: np.ndarray, grid: RasterGrid) -> np.ndarray:
        # Chunk by chunk on two threads (numpy releases the GIL); BORDER marks the points left
        # for the exact test, which the caller runs in one pass (itself split by village).
        out = np.empty(len(x), dtype=np.int32)

        def lookup(lo: int) -> None:
            sl = slice(lo, lo + _CHUNK)
            out[sl] = grid.lookup(x[sl], y[sl])

        starts = range(0, len(x), _CHUNK)
        if len(starts) > 1:
            with ThreadPoolExecutor(_THREADS) as pool:
                list(pool.map(lookup, starts))
        else:
            lookup(0)
        return out

    def count_points(self, chunks) -> tuple[np.ndarray, int]:
        """(points per village, points in no village) for an iterable of (lons, lats) chunks.

        Memory stays bounded whatever the total: each chunk is looked up on the grid and counted
        at once (large chunks in pieces on two threads); only its points in border cells (a few %)
        are kept, and every :data:`_EXACT_BATCH` of those is answered by their sub-cells and,
        for those in border sub-cells, the exact test on a
        background thread while the next chunks are looked up (batches that large keep the
        prepared polygons paying off). A chunk is done with before the next one is asked for,
        so a caller may refill the same buffers.
        """
        n = len(self.codes)
        if not n:
            return np.zeros(0, dtype=np.int64), sum(len(np.asarray(x)) for x, _ in chunks)
        grid = self.ensure_grid()
        # counts[0]: border (answered later), counts[1]: outside, counts[2 + i]: village i
        counts = np.zeros(n + 2, dtype=np.int64)
        near_x: list[np.ndarray] = []
        near_y: list[np.ndarray] = []
        held = 0
        answers = []

        def exact(x: np.ndarray, y: np.ndarray) -> np.ndarray:
            # the points' sub-cells first (in batches: far fewer array calls than per chunk),
            # then the exact test of those in border sub-cells
            v = grid.refine(x, y)
            c = np.bincount(v.astype(np.intp) + 2, minlength=n + 2)
            c[0] = 0
            left = np.flatnonzero(v == BORDER)
            if len(left):
                c += np.bincount(self._exact(x[left], y[left]) + 2, minlength=n + 2)
            return c

        with ThreadPoolExecutor(1) as background:
            for lons, lats in chunks:
                x = np.ascontiguousarray(lons, dtype=float)
                y = np.ascontiguousarray(lats, dtype=float)
                for c, bx, by in self._grid_counts(x, y, grid, n):
                    counts += c
                    near_x.append(bx)
                    near_y.append(by)
                    held += len(bx)
                if held >= _EXACT_BATCH:
                    answers.append(background.submit(exact, np.concatenate(near_x),
                                                     np.concatenate(near_y)))
                    near_x, near_y, held = [], [], 0
            if held:
                answers.append(background.submit(exact, np.concatenate(near_x),
                                                 np.concatenate(near_y)))
            for a in answers:
                counts += a.result()
        return counts[2:], int(counts[1])

    def _grid_counts(self, x: np.ndarray, y: np.ndarray, grid: RasterGrid, n: int):
        """(counts as in :meth:`count_points`, x and y of the border points) per piece of one
        chunk; pieces of a large chunk on two threads (numpy releases the GIL)."""

        def piece(lo: int):
            sx, sy = x[lo:lo + _CHUNK], y[lo:lo + _CHUNK]
            v = grid.values(sx, sy, sub=False)  # border cells' sub-cells: in exact()
            c = np.bincount(v.astype(np.intp) + 2, minlength=n + 2)
            c[0] = 0
            near = np.flatnonzero(v == BORDER)
            return c, sx[near], sy[near]

        starts = range(0, len(x), _CHUNK)
        if len(starts) > 1:
            with ThreadPoolExecutor(_THREADS) as pool:
                return list(pool.map(piece, starts))
        return [piece(0)] if len(x) else []

    def ensure_grid(self, cell: float | None = None, split: int | None = None) -> RasterGrid:
        """Build (once) and return the raster grid fast path. ``split``: border cells cut into
        ``split`` x ``split`` sub-cells (1: not cut, for grids built per batch, where the
        sub-cells' build would not pay); None: the grid already built, else the index's
        ``split`` (:data:`~greening.coverage.grid.SPLIT` unless given). A grid of another
        ``cell`` or ``split`` than asked for is rebuilt (with its cell when only ``split``
        differs)."""
        with self._lock:
            g = self.grid
            if (g is None or (cell is not None and cell != g.cell)
                    or (split is not None and _split(g) != split)):
                cell = cell or (g.cell if g is not None else self._grid_cell())
                g = self.grid = RasterGrid.build(self.geoms, self._exact, cell,
                                                 split=self.split if split is None else split)
            return g

    # -- internals ------------------------------------------------------------------------
    def grid_cell(self, across: float = 64) -> float:
        """A grid cell size: ``across`` cells over a typical village (64: about 4 % of cells on
        a border), coarser when the area would need more than GRID_MAX_CELLS."""
        b = self.bounds
        width = float(np.median(np.maximum(b[:, 2] - b[:, 0], b[:, 3] - b[:, 1])))
        total = shapely.total_bounds(self.geoms)
        span = (total[2] - total[0]) * (total[3] - total[1])
        return max(width / across, math.sqrt(span / GRID_MAX_CELLS), 1e-6)

    def _grid_cell(self) -> float:
        return self.grid_cell()

    def _exact(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        buckets = self._buckets
        assert buckets is not None, "locate() answers an empty index before asking for buckets"
        with self._exact_lock:
            return buckets.locate(x, y)


def _split(grid: RasterGrid) -> int:
    return 1 if grid.fine is None else grid.fine.k


class _Buckets:
    """Candidate villages per coarse bucket (CSR), from the villages' bounding boxes, once."""

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
        bucket, village = self._pairs(index.geoms, b)
        order = np.lexsort((village, bucket))  # by bucket, then code order
        self.villages = village[order].astype(np.int32)
        self.start = np.searchsorted(bucket[order], np.arange(self.nx * self.ny + 1)).astype(np.int64)

    def _pairs(self, geoms, b) -> tuple[np.ndarray, np.ndarray]:
        """(bucket, village) for every bucket a village may hold a point of: the buckets under
        its bounding box (the same floor arithmetic as :meth:`locate`, so a point's bucket is
        always among them); for a village spanning many buckets (islands far apart), only those
        its polygon touches."""
        size = self.size
        i0 = np.clip(np.floor((b[:, 0] - self.x0) / size), 0, self.nx - 1).astype(np.int64)
        i1 = np.clip(np.floor((b[:, 2] - self.x0) / size), 0, self.nx - 1).astype(np.int64)
        r0 = np.clip(np.floor((b[:, 1] - self.y0) / size), 0, self.ny - 1).astype(np.int64)
        r1 = np.clip(np.floor((b[:, 3] - self.y0) / size), 0, self.ny - 1).astype(np.int64)
        w = i1 - i0 + 1
        n = w * (r1 - r0 + 1)
        village = np.repeat(np.arange(len(b), dtype=np.int64), n)
        k = np.arange(len(village)) - np.repeat(np.cumsum(n) - n, n)
        ww = w[village]
        bucket = (r0[village] + k // ww) * self.nx + i0[village] + k % ww
        wide = n[village] > 64
        if wide.any():
            at = np.flatnonzero(wide)
            bx, by = bucket[at] % self.nx, bucket[at] // self.nx
            boxes = shapely.box(self.x0 + bx * size, self.y0 + by * size,
                                self.x0 + (bx + 1) * size, self.y0 + (by + 1) * size)
            keep = np.ones(len(village), dtype=bool)
            keep[at] = shapely.intersects(geoms[village[at]], boxes)
            bucket, village = bucket[keep], village[keep]
        return bucket, village

    def locate(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        out = np.full(len(x), -1, dtype=np.int32)
        ix = np.floor((x - self.x0) / self.size)
        iy = np.floor((y - self.y0) / self.size)
        ok = (ix >= 0) & (ix < self.nx) & (iy >= 0) & (iy < self.ny)
        pts = np.flatnonzero(ok)
        bucket = iy[pts].astype(np.int64) * self.nx + ix[pts].astype(np.int64)
        first, count = self.start[bucket], self.start[bucket + 1] - self.start[bucket]
        # The border rule: candidates in code order, closed polygons, first hit wins.
        todo, k = np.arange(len(pts)), 0
        while len(todo):
            todo = todo[count[todo] > k]
            if not len(todo):
                break
            v = self.villages[first[todo] + k]
            hit = self._test(v, x[pts[todo]], y[pts[todo]])
            out[pts[todo[hit]]] = v[hit]
            todo = todo[~hit]
            k += 1
        return out

    def _test(self, v, px, py) -> np.ndarray:
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
            hit[order] = shapely.intersects_xy(geoms[vs], xs, ys)
            return hit
        # Two threads on disjoint villages: GEOS releases the GIL, and no prepared geometry is
        # shared between threads.
        cut = int(np.searchsorted(vs, vs[len(vs) // 2], side="left")) or len(vs) // 2
        parts = [slice(0, cut), slice(cut, len(vs))]
        with ThreadPoolExecutor(_THREADS) as pool:
            res = list(pool.map(lambda s: shapely.intersects_xy(geoms[vs[s]], xs[s], ys[s]), parts))
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


