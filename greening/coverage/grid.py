"""A raster grid of village positions: the fast path for joining many points to fixed villages.

Each cell of a regular lon/lat grid over the villages holds the position of the one village that
contains the whole cell, ``OUTSIDE`` when no village touches it, or ``BORDER`` when a village
boundary passes through it (or within ``EPS`` degrees of it). A point in an interior or outside
cell is answered by one array lookup; a point in a border cell goes to the exact test. Answers
are therefore identical to the exact join: a boundary never crosses a cell that is not marked
border, so every point of such a cell has the same answer as its centre.

How the grid is built (all vectorised, no Point objects):

1. every ring segment is cut into pieces no longer than one cell along either axis; the cells
   covered by each piece's bounding box, widened by ``EPS``, are marked border;
2. each row's stretches of unmarked cells are runs; no boundary crosses a run, so the exact join
   of the centre of a run's first cell gives the answer for the whole run;
3. runs are written into the grid row block by row block (bounded memory).
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np
import shapely

__all__ = ["RasterGrid", "BORDER", "OUTSIDE", "EPS"]

BORDER = -2
OUTSIDE = -1
#: Cells within this many degrees (about 0.1 mm) of a boundary are treated as border cells, so
#: rounding in the grid arithmetic can never place a boundary point in an interior cell.
EPS = 1e-9
_ROW_BLOCK = 512


class RasterGrid:
    """Village positions on a regular grid; build with :meth:`build`, query with :meth:`lookup`."""

    def __init__(self, cells: np.ndarray, x0: float, y0: float, cell: float):
        self.cells = cells  # (ny, nx), int16 or int32
        self.x0, self.y0, self.cell = float(x0), float(y0), float(cell)
        self.ny, self.nx = cells.shape

    @property
    def nbytes(self) -> int:
        return int(self.cells.nbytes)

    @property
    def border_share(self) -> float:
        return float(np.count_nonzero(self.cells == BORDER)) / self.cells.size

    @classmethod
    def build(cls, geoms: np.ndarray, exact: Callable[[np.ndarray, np.ndarray], np.ndarray],
              cell: float) -> "RasterGrid":
        """Grid of cell size ``cell`` (degrees) over ``geoms``; ``exact(x, y)`` answers run centres."""
        bounds = shapely.total_bounds(geoms)
        x0, y0 = bounds[0] - 2 * cell, bounds[1] - 2 * cell
        nx = int((bounds[2] - x0) // cell) + 3
        ny = int((bounds[3] - y0) // cell) + 3
        n = len(geoms)
        dtype = np.int16 if n < np.iinfo(np.int16).max else np.int32
        cells = np.zeros((ny, nx), dtype=dtype)
        _mark_borders(cells, geoms, x0, y0, cell)
        for r0 in range(0, ny, _ROW_BLOCK):
            _fill_runs(cells, r0, min(ny, r0 + _ROW_BLOCK), x0, y0, cell, exact)
        return cls(cells, x0, y0, cell)

    def lookup(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Village position per point (int32): ``BORDER`` means "use the exact test"."""
        ix = np.floor((x - self.x0) / self.cell)
        iy = np.floor((y - self.y0) / self.cell)
        inside = (ix >= 0) & (ix < self.nx) & (iy >= 0) & (iy < self.ny)  # False for NaN too
        out = np.full(len(x), OUTSIDE, dtype=np.int32)
        flat = iy[inside].astype(np.int64) * self.nx + ix[inside].astype(np.int64)
        out[inside] = self.cells.reshape(-1)[flat]
        return out


def _segments(geoms):
    """Start and end coordinates of every ring segment of the (multi)polygons ``geoms``."""
    rings = shapely.get_rings(shapely.get_parts(geoms))
    xy, ring = shapely.get_coordinates(rings, return_index=True)
    same = ring[1:] == ring[:-1]
    return xy[:-1][same], xy[1:][same]


def _mark_borders(cells, geoms, x0, y0, cell) -> None:
    a, b = _segments(geoms)
    ny, nx = cells.shape
    flat = cells.reshape(-1)
    # Pieces of at most one cell per axis, in batches to bound memory.
    steps = np.maximum(np.ceil(np.abs(b - a).max(axis=1) / cell), 1).astype(np.int64)
    bounds = np.concatenate([[0], np.cumsum(steps)])
    batch = 1 << 21
    lo = 0
    while lo < len(steps):
        hi = int(np.searchsorted(bounds, bounds[lo] + batch, side="right")) - 1
        hi = max(hi, lo + 1)
        k = steps[lo:hi]
        seg = np.repeat(np.arange(lo, hi), k)
        j = np.arange(len(seg)) - np.repeat(bounds[lo:hi] - bounds[lo], k)
        kk = steps[seg]
        t0, t1 = j / kk, (j + 1) / kk
        d = b[seg] - a[seg]
        p0 = a[seg] + t0[:, None] * d
        p1 = np.where((j + 1 == kk)[:, None], b[seg], a[seg] + t1[:, None] * d)
        lo_xy, hi_xy = np.minimum(p0, p1) - EPS, np.maximum(p0, p1) + EPS
        i0 = np.floor((lo_xy[:, 0] - x0) / cell).astype(np.int64)
        i1 = np.floor((hi_xy[:, 0] - x0) / cell).astype(np.int64)
        r0 = np.floor((lo_xy[:, 1] - y0) / cell).astype(np.int64)
        r1 = np.floor((hi_xy[:, 1] - y0) / cell).astype(np.int64)
        reach = int(max((i1 - i0).max(), (r1 - r0).max())) + 1  # 3 at most: one cell + EPS
        for di in range(reach):
            for dj in range(reach):
                sel = (i0 + di <= i1) & (r0 + dj <= r1)
                ii = np.clip(i0[sel] + di, 0, nx - 1)
                rr = np.clip(r0[sel] + dj, 0, ny - 1)
                flat[rr * nx + ii] = BORDER
        lo = hi


def _fill_runs(cells, r0, r1, x0, y0, cell, exact) -> None:
    block = cells[r0:r1]
    free = block != BORDER
    left = np.zeros_like(free)
    left[:, 1:] = free[:, :-1]
    right = np.zeros_like(free)
    right[:, :-1] = free[:, 1:]
    nx = block.shape[1]
    starts = np.flatnonzero(free & ~left)
    ends = np.flatnonzero(free & ~right)
    if len(starts) == 0:
        return
    cx = x0 + (starts % nx + 0.5) * cell
    cy = y0 + (starts // nx + r0 + 0.5) * cell
    labels = exact(cx, cy).astype(cells.dtype)
    flat = block.reshape(-1)
    flat[free.reshape(-1)] = np.repeat(labels, ends - starts + 1)
