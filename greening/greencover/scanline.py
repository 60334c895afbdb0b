"""Exact covered fractions of pixels by polygons, by signed-area accumulation along rows.

The method of scanline font rasterisers (e.g. font-rs): every polygon edge is cut where it
crosses a pixel row or column; each piece inside one pixel adds its signed vertical extent ``d``
to an accumulator, split between that pixel and the next one to the right in proportion to
where the piece lies (``d·(1 − x̄)`` and ``d·x̄``). The running sum of the accumulator along a
row is then the exact share of each pixel inside the polygon (for straight edges, any shape,
holes included: exterior rings counter-clockwise, holes clockwise).

Only pixels an edge touches get accumulator entries; between two entries of one row the
coverage is constant (1 inside, or the covered share of the row's height where a horizontal
edge crosses the row), so such runs are counted from per-row prefix sums of the
class codes, never pixel by pixel. Work is in bands of rows: memory is one band of the raster
plus the edge pieces crossing it, whatever the raster's size.
"""
from __future__ import annotations

import numpy as np

__all__ = ["Edges", "edges_in_pixels", "band_sums"]


class Edges:
    """Polygon edges in pixel coordinates (col = x, row = y), with their polygon's position.

    Horizontal edges (in pixel space) are dropped: they add nothing to a row's running sum.
    """

    def __init__(self, x0, y0, x1, y1, owner, sign: float):
        keep = y0 != y1
        self.x0, self.y0, self.x1, self.y1 = x0[keep], y0[keep], x1[keep], y1[keep]
        self.owner = owner[keep]
        self.sign = sign
        self.ymin = np.minimum(self.y0, self.y1)
        self.ymax = np.maximum(self.y0, self.y1)
        order = np.argsort(self.ymin, kind="stable")
        for name in ("x0", "y0", "x1", "y1", "owner", "ymin", "ymax"):
            setattr(self, name, getattr(self, name)[order])
        # running maximum of ymax: edges starting before row r that may still reach it
        self._reach = np.maximum.accumulate(self.ymax) if len(self.ymax) else self.ymax

    def crossing(self, r0: float, r1: float) -> np.ndarray:
        """Indices of edges that overlap rows [r0, r1)."""
        hi = np.searchsorted(self.ymin, r1, side="left")
        lo = np.searchsorted(self._reach, r0, side="right")
        idx = np.arange(lo, hi)
        return idx[self.ymax[idx] > r0]


def edges_in_pixels(geoms: np.ndarray, transform) -> tuple[Edges, np.ndarray]:
    """The edges of ``geoms`` (polygons / multipolygons in the raster's CRS) in the pixel grid of
    ``transform``, and each geometry's area in pixels."""
    import shapely

    inv = ~transform
    a, b, c, d, e, f = inv.a, inv.b, inv.c, inv.d, inv.e, inv.f

    def to_pixels(xy):
        return np.column_stack([a * xy[:, 0] + b * xy[:, 1] + c, d * xy[:, 0] + e * xy[:, 1] + f])

    parts, part_owner = shapely.get_parts(geoms, return_index=True)
    polys = shapely.get_type_id(parts) == 3
    parts, part_owner = parts[polys], part_owner[polys]
    parts = shapely.orient_polygons(parts, exterior_cw=False)
    rings, ring_part = shapely.get_rings(parts, return_index=True)
    xy, ring = shapely.get_coordinates(rings, return_index=True)
    px = to_pixels(xy)
    same = ring[1:] == ring[:-1]
    owner = part_owner[ring_part[ring[:-1][same]]]
    # Counter-clockwise in the map is clockwise in pixels when rows run south (e < 0).
    sign = 1.0 if (transform.a > 0) == (transform.e < 0) else -1.0
    edges = Edges(px[:-1, 0][same], px[:-1, 1][same], px[1:, 0][same], px[1:, 1][same],
                  owner.astype(np.int64), sign)
    pix_area = abs(transform.a * transform.e - transform.b * transform.d)
    area_px = shapely.area(geoms) / pix_area
    return edges, area_px


def band_sums(edges: Edges, r0: int, codes: np.ndarray, n_owners: int, n_codes: int) -> np.ndarray:
    """Covered pixels (fractional) per owner and code over the band of rows ``r0`` ..
    ``r0 + len(codes)``; ``codes``: the band's class codes (uint8; values >= ``n_codes`` are
    not counted, e.g. nodata). Returns an (n_owners, n_codes) float array."""
    h, w = codes.shape
    r1 = r0 + h
    out = np.zeros((n_owners, n_codes), dtype=np.float64)
    idx = edges.crossing(r0, r1)
    if not len(idx):
        return out
    x0, y0, x1, y1 = edges.x0[idx], edges.y0[idx], edges.x1[idx], edges.y1[idx]
    owner = edges.owner[idx]
    # clip every edge to the band's rows
    dy = y1 - y0
    ta = np.clip((r0 - y0) / dy, 0, 1)
    tb = np.clip((r1 - y0) / dy, 0, 1)
    t_lo, t_hi = np.minimum(ta, tb), np.maximum(ta, tb)
    dx = x1 - x0
    x0, y0, x1, y1 = x0 + t_lo * dx, y0 + t_lo * dy, x0 + t_hi * dx, y0 + t_hi * dy
    dx, dy = x1 - x0, y1 - y0
    # cut at every column and row line the edge crosses
    nx = np.maximum(np.ceil(np.maximum(x0, x1)) - np.floor(np.minimum(x0, x1)) - 1, 0).astype(np.int64)
    ny = np.maximum(np.ceil(np.maximum(y0, y1)) - np.floor(np.minimum(y0, y1)) - 1, 0).astype(np.int64)
    s = len(x0)
    seg = np.arange(s)
    tx = _crossings(np.minimum(x0, x1), x0, dx, nx)
    ty = _crossings(np.minimum(y0, y1), y0, dy, ny)
    t = np.concatenate([np.zeros(s), np.ones(s), tx, ty])
    sid = np.concatenate([seg, seg, np.repeat(seg, nx), np.repeat(seg, ny)])
    order = np.lexsort((t, sid))
    t, sid = t[order], sid[order]
    piece = sid[1:] == sid[:-1]
    ta, tb, ps = t[:-1][piece], t[1:][piece], sid[:-1][piece]
    xa, xb = x0[ps] + ta * dx[ps], x0[ps] + tb * dx[ps]
    ya, yb = y0[ps] + ta * dy[ps], y0[ps] + tb * dy[ps]
    d = (yb - ya) * edges.sign
    xm = 0.5 * (xa + xb)
    col = np.floor(xm).astype(np.int64)
    row = np.floor(0.5 * (ya + yb)).astype(np.int64) - r0
    frac = xm - col
    row = np.clip(row, 0, h - 1)
    own = owner[ps]
    # accumulator entries: (owner, row, col) -> value; a piece feeds its pixel and the next
    e_own = np.concatenate([own, own])
    e_row = np.concatenate([row, row])
    e_col = np.concatenate([col, col + 1])
    e_val = np.concatenate([d * (1 - frac), d * frac])
    # pieces left of the raster feed the running sum from its first column; right of it, nothing
    e_col = np.clip(e_col, -1, w)
    stride = w + 2
    key = (e_own * h + e_row) * stride + (e_col + 1)
    order = np.argsort(key, kind="stable")
    key, e_val = key[order], e_val[order]
    first = np.ones(len(key), dtype=bool)
    first[1:] = key[1:] != key[:-1]
    starts = np.flatnonzero(first)
    ukey = key[starts]
    val = np.add.reduceat(e_val, starts)
    ucol = ukey % stride - 1
    line = ukey // stride  # owner * h + row
    new_line = np.ones(len(line), dtype=bool)
    new_line[1:] = line[1:] != line[:-1]
    csum = np.cumsum(val)
    base = np.maximum.accumulate(np.where(new_line, np.arange(len(line)), 0))
    before = np.concatenate([[0.0], csum])[base]
    cover = np.clip(csum - before, 0.0, 1.0)
    u_own, u_row = line // h, line % h
    # boundary pixels: their exact share
    inside = (ucol >= 0) & (ucol < w)
    cls = np.full(len(ucol), n_codes, dtype=np.int64)
    cls[inside] = codes[u_row[inside], ucol[inside]]
    ok = inside & (cls < n_codes) & (cover > 0)
    out += np.bincount(u_own[ok] * n_codes + cls[ok], weights=cover[ok],
                       minlength=n_owners * n_codes).reshape(n_owners, n_codes)
    # runs: after an entry, until the next entry of the same line, coverage is constant (1 inside;
    # in a row an edge only partly crosses, the share of the row's height inside)
    nxt_same = np.zeros(len(line), dtype=bool)
    nxt_same[:-1] = ~new_line[1:]
    run = np.flatnonzero(nxt_same & (cover > 1e-12))
    if len(run):
        c_from = np.clip(ucol[run] + 1, 0, w)
        c_to = np.clip(ucol[run + 1], 0, w)
        good = c_to > c_from
        run, c_from, c_to = run[good], c_from[good], c_to[good]
        rows = u_row[run]
        for k in range(n_codes):
            prefix = np.zeros((h, w + 1), dtype=np.int32)
            np.cumsum(codes == k, axis=1, out=prefix[:, 1:])
            counts = prefix[rows, c_to] - prefix[rows, c_from]
            out[:, k] += np.bincount(u_own[run], weights=counts * cover[run], minlength=n_owners)
    return out


def _crossings(lo: np.ndarray, start: np.ndarray, delta: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Parameters t of the grid lines floor(lo)+1 .. floor(lo)+n along start + t·delta."""
    total = int(n.sum())
    if total == 0:
        return np.zeros(0)
    group = np.repeat(np.arange(len(n)), n)
    offset = np.arange(total) - np.repeat(np.cumsum(n) - n, n)
    k = np.floor(lo[group]) + 1 + offset
    return (k - start[group]) / delta[group]
