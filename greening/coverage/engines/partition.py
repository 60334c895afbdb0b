"""What a dask worker does with one partition of points (no dask needed here: plain numpy,
shapely and the grid engine, so it is tested and timed like any other code).

Points are partitioned by the county they were claimed for. Pass 1 joins a partition with its
own county's villages only; pass 2 answers the points pass 1 cannot settle, against the villages
of the county they actually fall in and of that county's neighbours. No worker ever holds more
than a county and its neighbours.

Why the answer is exactly the border rule's (lowest village code holding the point, boundary
included): each county has a *hull*, the union of its villages grown by :data:`HULL_MARGIN` (and
simplified by less than that), so it holds every point of every one of its villages. The county
index gives each point ``L``, the lowest county whose hull holds it (None: no hull does, so no
village does). Village codes start with their county's code, so every village holding the point
belongs to a county whose hull holds it: a county ``>= L``.

- Pass 1, the villages of a set ``S`` of whole counties (the claimed county of an in-memory
  partition; the counties of a batch of files read by one task): if the lowest village of ``S``
  holding the point is in ``L``, it is the answer (every other candidate is in a county above
  ``L``, and ``L``'s villages are all in ``S``). If ``L`` is None, the point is in no village.
  Otherwise the point is pending. A point claimed for the wrong county is thus settled in pass 1
  whenever its true county is in the same batch.
- Pass 2, county ``L``: every village holding the point lies in a county whose hull meets
  ``L``'s hull (both hold the point); the join with the villages of ``L`` and its neighbours,
  lowest code first, is the answer.
"""
from __future__ import annotations

import threading
from collections import OrderedDict

import numpy as np
import shapely

from greening.coverage.index import VillageIndex, sorted_villages

__all__ = ["HULL_MARGIN", "CountyIndex", "InlineVillages", "DatasetVillages", "county_hulls",
           "village_counties", "settle", "first_pass", "second_pass", "second_pass_many",
           "holding", "batch_grid"]

#: Degrees (about 1 m) a county's hull reaches beyond its villages.
HULL_MARGIN = 1e-5
_CACHE_SIZE = 64


def county_hulls(codes, geoms) -> tuple[list[str], list]:
    """(county codes, hulls) for village ``codes`` and polygons (any order)."""
    codes = np.asarray([str(c) for c in codes], dtype=object)
    geoms = np.asarray(geoms, dtype=object)
    counties = np.array([c[:6] for c in codes], dtype=object)
    out_codes, out_hulls = [], []
    for county in sorted(set(counties.tolist())):
        out_codes.append(county)
        out_hulls.append(county_hull(geoms[counties == county]))
    return out_codes, out_hulls


def county_hull(geoms):
    """One county's hull: its villages grown by HULL_MARGIN, merged, simplified by a quarter of
    that (a simplified boundary stays within the tolerance of the original, so the hull still
    holds every village)."""
    grown = shapely.union_all(shapely.buffer(np.asarray(geoms, dtype=object), HULL_MARGIN,
                                             quad_segs=2))
    return shapely.simplify(grown, HULL_MARGIN / 4, preserve_topology=True)


class CountyIndex:
    """County hulls: the lowest county holding each point, and each county's neighbours."""

    def __init__(self, codes, hulls):
        self.index = VillageIndex(codes, hulls, split=1)  # its grid: once per worker, plain
        self.codes = self.index.codes
        self.tree = tree = shapely.STRtree(self.index.geoms)
        a, b = tree.query(self.index.geoms, predicate="intersects")
        self.neighbours = {str(self.codes[i]): [] for i in range(len(self.codes))}
        for i, j in zip(a.tolist(), b.tolist(), strict=True):
            self.neighbours[str(self.codes[i])].append(str(self.codes[j]))

    def lowest(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Position in :attr:`codes` (int32; -1 in no hull) of the lowest county whose hull
        holds each point. Always through the raster grid of the hulls (a few large polygons:
        most points are answered by a lookup, built once per worker)."""
        return self.index.positions(x, y, use_grid=True)

    def position(self, county: str) -> int:
        """Position of ``county`` in :attr:`codes`, -2 if it has no villages."""
        at = int(np.searchsorted(self.codes.astype(str), county))
        return at if at < len(self.codes) and self.codes[at] == county else -2


class _Cache:
    """Indexes built on a worker, kept for the next partitions (a few counties at a time)."""

    def __init__(self):
        self.items: OrderedDict = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key, build):
        with self.lock:
            if key in self.items:
                self.items.move_to_end(key)
                return self.items[key]
        value = build()
        with self.lock:
            self.items[key] = value
            while len(self.items) > _CACHE_SIZE:
                self.items.popitem(last=False)
        return value


_CACHE = _Cache()


class _Kept:
    """Village polygons a worker has read, by (dataset, county), up to :data:`KEEP_VILLAGES`
    villages (oldest dropped first): pass 2 is sent to the worker that read a county in pass 1,
    which then joins without reading or decoding the county again."""

    def __init__(self, limit: int):
        self.limit = limit
        self.items: OrderedDict = OrderedDict()
        self.size = 0
        self.lock = threading.Lock()

    def get(self, key):
        with self.lock:
            return self.items.get(key)

    def put(self, key, value) -> None:
        with self.lock:
            if key in self.items:
                return
            self.items[key] = value
            self.size += len(value[0])
            while self.size > self.limit and len(self.items) > 1:
                _, old = self.items.popitem(last=False)
                self.size -= len(old[0])


#: Villages (polygons, not prepared) a worker keeps between the passes: about 1.5 KB each.
KEEP_VILLAGES = 300_000
_KEPT = _Kept(KEEP_VILLAGES)


class _Source:
    """Where a worker finds villages by county, and the county hulls."""

    token: str

    def _read(self, county: str) -> tuple[list, list]:
        raise NotImplementedError

    def _hulls(self) -> tuple[list, object]:
        raise NotImplementedError

    def villages(self, counties) -> VillageIndex | None:
        key = (self.token, "villages", tuple(sorted(counties)))
        return _CACHE.get(key, lambda: self._build(sorted(counties)))

    def counties(self) -> CountyIndex:
        return _CACHE.get((self.token, "counties"), lambda: CountyIndex(*self._hulls()))

    def build(self, counties) -> VillageIndex | None:
        """An index of the villages of ``counties``, built afresh (not kept: a batch)."""
        return self._build(sorted(counties))

    def _build(self, counties) -> VillageIndex | None:
        codes, geoms = [], []
        for county in counties:
            c, g = self._read(county)
            codes.extend(c)
            geoms.extend(g)
        # per batch of counties: a grid of its own would not pay for sub-cells (batch_grid)
        return VillageIndex(codes, geoms, split=1) if codes else None


class InlineVillages(_Source):
    """Villages handed over with the job (a city-sized layer held in memory by the caller)."""

    def __init__(self, codes, geoms, token: str):
        codes = [str(c) for c in codes]
        wkb = shapely.to_wkb(np.asarray(geoms, dtype=object))
        self.by_county: dict[str, tuple[list, list]] = {}
        for code, blob in zip(codes, wkb, strict=True):
            c, w = self.by_county.setdefault(code[:6], ([], []))
            c.append(code)
            w.append(blob)
        hull_codes, hulls = county_hulls(codes, shapely.from_wkb(wkb))
        self.hulls = (hull_codes, shapely.to_wkb(np.asarray(hulls, dtype=object)).tolist())
        self.token = token
        self.layer_codes = np.sort(np.array(codes, dtype=str))  # the caller's layer order

    def _read(self, county):
        codes, wkb = self.by_county.get(county, ([], []))
        return codes, list(shapely.from_wkb(wkb)) if wkb else []

    def _hulls(self):
        return self.hulls[0], shapely.from_wkb(self.hulls[1])


class DatasetVillages(_Source):
    """Villages read by the worker itself from a GeoParquet dataset folder
    (:mod:`greening.coverage.engines.dataset`)."""

    def __init__(self, folder: str):
        import os

        self.folder = str(folder)
        try:  # a folder written again (an export renames a new one into place) is another token
            stamp = os.stat(os.path.join(self.folder, "manifest.json")).st_mtime_ns
        except OSError:
            stamp = 0
        self.token = f"{self.folder}@{stamp}"

    def _read(self, county):
        from greening.coverage.engines.dataset import read_county_villages

        key = (self.token, county)
        kept = _KEPT.get(key)
        if kept is None:
            codes, geoms = read_county_villages(self.folder, county)
            kept = (codes, np.asarray(geoms, dtype=object))
            _KEPT.put(key, kept)
        return kept

    def _hulls(self):
        from greening.coverage.engines.dataset import read_hulls

        return read_hulls(self.folder)


def village_counties(counties: CountyIndex, index: VillageIndex) -> np.ndarray:
    """Position in ``counties.codes`` of each village's county (int32, -2: a county without hull)."""
    prefix = np.array([str(c)[:6] for c in index.codes], dtype=object).astype(str)
    codes = counties.codes.astype(str)
    at = np.searchsorted(codes, prefix)
    ok = at < len(codes)
    ok[ok] = codes[at[ok]] == prefix[ok]
    return np.where(ok, at, -2).astype(np.int32)


def settle(counties: CountyIndex, index: VillageIndex | None, x: np.ndarray, y: np.ndarray):
    """Pass 1 for points joined with the villages of some counties (``index``; None: none).

    Returns (positions, pending, low): ``positions`` in ``index`` are final where ``pending`` is
    False (-1: in no village); ``low`` is each point's lowest holding county (position in
    ``counties.codes``, -1: none), where pass 2 takes the pending points. A point is settled when
    no hull holds it, or when the lowest village of ``index`` holding it is in its lowest county
    ``L`` (every village holding it is in a county ``>= L``, and all of ``L``'s villages are in
    ``index`` as soon as one is, so none lower exists elsewhere)."""
    low = counties.lowest(x, y)
    if index is None:
        pos = np.full(len(x), -1, dtype=np.int32)
        settled = low < 0
    else:
        pos = index.positions(x, y)
        home = village_counties(counties, index)
        settled = (low < 0) | ((pos >= 0) & (home[np.maximum(pos, 0)] == low))
    pos[~settled] = -1
    return pos, ~settled, low


def first_pass(source: _Source, county: str, x: np.ndarray, y: np.ndarray):
    """Pass 1 for points claimed for ``county`` ("" when unknown).

    Returns (index, positions, pending, lowest): ``positions`` in ``index`` (the county's
    VillageIndex, None without villages) are final where ``pending`` is False (-1: in no
    village); ``lowest`` (county codes, object) says where pass 2 takes the pending points."""
    counties = source.counties()
    index = source.villages([county]) if county else None
    pos, pending, low = settle(counties, index, x, y)
    lowest = np.full(len(x), None, dtype=object)
    lowest[pending] = counties.codes[low[pending]]
    return index, pos, pending, lowest


def holding(tree, geoms, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(point, geometry) position pairs: every geometry of ``tree`` (``geoms``, prepared or not)
    whose closed polygon holds each point (bounding boxes from the tree, then
    ``intersects_xy``: the boundary counts, as in the border rule)."""
    p, g = tree.query(shapely.points(x, y))
    keep = shapely.intersects_xy(geoms[g], x[p], y[p])
    return p[keep], g[keep]


def second_pass(source: _Source, county: str, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Pass 2 for points whose lowest holding county is ``county``: their codes."""
    return second_pass_many(source, x, y)


def second_pass_many(source: _Source, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Pass 2 for any points: their codes.

    Every village holding a point lies in a county whose hull holds the point, so the villages
    of those counties (found per point from the hulls' tree) are all that is read; the lowest
    code among the villages holding each point is the answer."""
    out = np.full(len(x), None, dtype=object)
    if not len(x):
        return out
    counties = source.counties()
    _, hull = holding(counties.tree, counties.index.geoms, x, y)
    wanted = [str(c) for c in counties.codes[np.unique(hull)]]
    read_codes: list = []
    read_geoms: list = []
    for county in wanted:
        c, g = source._read(county)
        read_codes.extend(c)
        read_geoms.extend(g)
    if not read_codes:
        return out
    codes, geoms = sorted_villages(read_codes, read_geoms)  # position order is code order
    # not prepared: a few points per village, fewer than preparing would pay for
    p, v = holding(shapely.STRtree(geoms), geoms, x, y)
    best = np.full(len(x), len(codes), dtype=np.int64)
    np.minimum.at(best, p, v)  # the border rule: the lowest code wins
    hit = best < len(codes)
    out[hit] = codes[best[hit]]
    return out


def batch_grid(index: VillageIndex, n_points: int) -> None:
    """Give a batch's index a raster grid sized for its points, when they are enough to pay for
    one: about ``cbrt(125 * points per village)`` cells across a village (16 to 64; the grid
    engine's default is 64), which balances the grid's build (its cells) against the exact
    tests of points in border cells (their share falls as cells get finer)."""
    per_village = n_points / max(len(index), 1)
    if per_village < 20 or n_points < 100_000:
        return
    across = float(np.clip(np.cbrt(125 * per_village), 16, 64))
    index.ensure_grid(index.grid_cell(across), split=1)  # one batch: sub-cells would not pay
