"""Deterministic random draws: seeded generators, exact apportioning, points inside polygons."""
from __future__ import annotations

import zlib

import numpy as np
import shapely

__all__ = ["rng_for", "apportion", "apportion_groups", "points_in_polygon"]


def rng_for(seed: int, *keys: str | int) -> np.random.Generator:
    """A generator for one purpose: ``rng_for(seed, "towns", "440882")``.

    Each purpose draws from its own stream, so adding a draw in one part of the generator never
    changes what another part produces for the same seed.
    """
    words = [int(seed) & 0xFFFFFFFF]
    for key in keys:
        words.append(zlib.crc32(str(key).encode("utf-8")))
    return np.random.default_rng(words)


def apportion(total: int, weights, floor=0, cap=None) -> np.ndarray:
    """Split the integer ``total`` in proportion to ``weights`` (largest remainder), exactly.

    Every share is at least ``floor`` and at most ``cap`` (scalars or arrays). Raises
    ValueError when the bounds make ``total`` impossible.
    """
    w = np.asarray(weights, dtype=float)
    lo = np.broadcast_to(np.asarray(floor, dtype=np.int64), w.shape).copy()
    hi = (np.full(w.shape, total, dtype=np.int64) if cap is None
          else np.broadcast_to(np.asarray(cap, dtype=np.int64), w.shape).copy())
    if lo.sum() > total or hi.sum() < total or (lo > hi).any():
        raise ValueError(f"cannot split {total} between {len(w)} shares within the bounds")
    shares = lo.copy()
    free = np.ones(w.shape, dtype=bool)
    # Capped shares are fixed at their cap and the rest is split again among the others.
    while True:
        rest = total - shares[~free].sum() - lo[free].sum()
        ww = np.where(free, w, 0.0)
        if ww.sum() <= 0:
            ww = free.astype(float)
        exact = ww / ww.sum() * rest
        base = np.floor(exact).astype(np.int64)
        left = int(rest - base.sum())
        order = np.lexsort((np.arange(len(w)), -(exact - base)))
        base[order[:left]] += 1
        trial = np.where(free, lo + base, shares)
        over = free & (trial > hi)
        if not over.any():
            return trial
        shares = np.where(over, hi, shares)
        free &= ~over


def apportion_groups(groups, weights, totals) -> np.ndarray:
    """Split ``totals[g]`` among the items of each group ``g`` in proportion to ``weights``.

    Vectorised largest remainder: item shares are ``floor(exact)`` plus one for the items with
    the largest fractional parts, so each group's shares sum exactly to its total and no share
    exceeds ``ceil(exact)``. ``groups`` are integers ``0..len(totals)-1``.
    """
    g = np.asarray(groups, dtype=np.int64)
    w = np.asarray(weights, dtype=float)
    totals = np.asarray(totals, dtype=np.int64)
    wsum = np.bincount(g, weights=w, minlength=len(totals))
    safe = np.where(wsum > 0, wsum, 1.0)
    exact = w / safe[g] * totals[g]
    base = np.floor(exact).astype(np.int64)
    left = totals - np.bincount(g, weights=base, minlength=len(totals)).astype(np.int64)
    order = np.lexsort((np.arange(len(g)), -(exact - base), g))
    starts = np.searchsorted(g[order], np.arange(len(totals)))
    rank = np.arange(len(g)) - starts[g[order]]
    bump = np.zeros(len(g), dtype=np.int64)
    bump[order] = (rank < left[g[order]]).astype(np.int64)
    return base + bump


def points_in_polygon(geom, n: int, rng: np.random.Generator,
                      around=None, spread: float = 0.0) -> np.ndarray:
    """``n`` points (an ``(n, 2)`` array of lon/lat) drawn inside the polygon ``geom``.

    Uniform over the polygon by default; with ``around=(lon, lat)`` and ``spread`` (degrees),
    drawn from a normal distribution around that point, kept only where inside. Vectorised
    rejection sampling with ``shapely.contains_xy``.
    """
    if n <= 0:
        return np.empty((0, 2))
    shapely.prepare(geom)
    x0, y0, x1, y1 = geom.bounds
    fill = max(geom.area / max((x1 - x0) * (y1 - y0), 1e-18), 0.02)
    found, got = [], 0
    for _attempt in range(200):
        m = int((n - got) / fill * 1.3) + 16
        if around is None:
            x, y = rng.uniform(x0, x1, m), rng.uniform(y0, y1, m)
        else:
            x = rng.normal(around[0], spread, m)
            y = rng.normal(around[1], spread, m)
        keep = shapely.contains_xy(geom, x, y)
        found.append(np.column_stack([x[keep], y[keep]]))
        got += int(keep.sum())
        if got >= n:
            return np.concatenate(found)[:n]
    if around is not None:  # the area around the point is mostly outside: fall back to uniform
        rest = points_in_polygon(geom, n - got, rng)
        return np.concatenate([*found, rest])[:n]
    raise ValueError(f"could not draw {n} points inside a polygon of area {geom.area:.3g} deg2")
