"""A raster grid of village positions: the fast path for joining many points to fixed villages.

Each cell of a regular lon/lat grid over the villages holds the position of the one village that
contains the whole cell, ``OUTSIDE`` when no village touches it, or ``BORDER`` when a village
boundary passes through it (or within ``EPS`` degrees of it). A point in an interior or outside
cell is answered by one array lookup; a point in a border cell by its sub-cell (step 4) or the
exact test. Answers are therefore identical to the exact join: a boundary never crosses a cell
that is not marked border, so every point of such a cell has the same answer as its centre.

How the grid is built (all vectorised, no Point objects):

1. every ring segment is cut into pieces no longer than one cell along either axis; the cells
   covered by each piece's bounding box, widened by ``EPS``, are marked border;
2. each row's stretches of unmarked cells are runs; no boundary crosses a run, so the exact join
   of the centre of a run's first cell gives the answer for the whole run;
3. runs are written into the grid row block by row block (bounded memory);
4. every border cell is cut into ``split`` x ``split`` sub-cells, marked and answered the same
   way (:mod:`greening.coverage.subcells`): a point in a border cell gets its sub-cell's answer,
   and only a point in a border sub-cell (about a quarter of them with 4 x 4) the exact test.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np
import shapely

from greening.coverage.subcells import BorderCells

__all__ = ["RasterGrid", "BORDER", "OUTSIDE", "EPS"]

BORDER = -2
OUTSIDE = -1
#: Cells within this many degrees (about 0.1 mm) of a boundary are treated as border cells, so
#: rounding in the grid arithmetic can never place a boundary point in an interior cell.
EPS = 1e-9
_ROW_BLOCK = 512
#: Border cells are cut into SPLIT x SPLIT sub-cells (12 bytes per border cell with 4): with 4,
#: about a quarter of the points in border cells still need the exact test.
SPLIT = 4
_GEOM_BATCH = 500


class RasterGrid:
    """Village positions on a regular grid; build with :meth:`build`, query with :meth:`lookup`."""

    def __init__(self, cells: np.ndarray, x0: float, y0: float, cell: float,
                 fine: BorderCells | None = None):
        self.cells = cells  # (ny, nx), int16 or int32
        self.fine = fine  # the border cells' sub-cells, if any
        self.x0, self.y0, self.cell = float(x0), float(y0), float(cell)
        self.ny, self.nx = cells.shape
        # lookup() clamps points off the grid onto its edge cells, so those must be OUTSIDE
        # (build() leaves a margin of two cells around the villages).
        edges = (cells[0], cells[-1], cells[:, 0], cells[:, -1])
        if any((e != OUTSIDE).any() for e in edges):
            raise ValueError("the grid's edge cells must be outside every village")
        self._flat = cells.reshape(-1)
        self._inv = 1.0 / self.cell
        self._index_dtype = np.int32 if cells.size < np.iinfo(np.int32).max else np.int64

    @property
    def nbytes(self) -> int:
        return int(self.cells.nbytes) + (self.fine.nbytes if self.fine is not None else 0)

    @property
    def border_share(self) -> float:
        """The share of cells that are border cells."""
        return float(np.count_nonzero(self.cells == BORDER)) / self.cells.size

    @property
    def exact_share(self) -> float:
        """The share of the grid's area whose points still get the exact test: border
        sub-cells, or border cells when they are not cut into sub-cells."""
        if self.fine is None:
            return self.border_share
        k = self.fine.k
        return self.fine.border_subcells() / (k * k) / self.cells.size

    @classmethod
    def build(cls, geoms: np.ndarray, exact: Callable[[np.ndarray, np.ndarray], np.ndarray],
              cell: float, split: int = SPLIT) -> RasterGrid:
        """Grid of cell size ``cell`` (degrees) over ``geoms``; ``exact(x, y)`` answers run centres.
        ``split``: border cells are cut into ``split`` x ``split`` sub-cells (1: not cut)."""
        bounds = shapely.total_bounds(geoms)
        x0, y0 = bounds[0] - 2 * cell, bounds[1] - 2 * cell
        nx = int((bounds[2] - x0) // cell) + 3
        ny = int((bounds[3] - y0) // cell) + 3
        n = len(geoms)
        dtype = np.int16 if n < np.iinfo(np.int16).max else np.int32
        cells = np.zeros((ny, nx), dtype=dtype)
        _mark_borders(cells, geoms, x0, y0, cell)
        _fill_runs(cells, x0, y0, cell, exact)
        fine = None
        if split > 1:
            fine = BorderCells.build(cells, geoms, x0, y0, cell, split, exact)
        return cls(cells, x0, y0, cell, fine)

    def lookup(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Village position per point (int32): ``BORDER`` means "use the exact test"."""
        return self.values(x, y).astype(np.int32, copy=False)

    def values(self, x: np.ndarray, y: np.ndarray, *, sub: bool = True) -> np.ndarray:
        """The cell under every point (float64 arrays), in the cells' dtype: a village position,
        ``OUTSIDE`` or ``BORDER``. ``sub=False``: ``BORDER`` for every point in a border cell,
        for :meth:`refine` to answer later (in bigger batches).

        Few temporaries: offsets times the inverse cell size, clamped onto the grid (``fmin`` and
        ``fmax`` also send NaN and infinities to an edge cell, and every edge cell is OUTSIDE),
        truncated to integers (the same as floor once clamped at 0) and read with ``take``.
        Rounding here differs from the build's ``floor((x - x0) / cell)`` by far less than
        :data:`EPS`, the margin every border cell was widened by, so a point near a cell edge
        that lands in the neighbouring cell gets that cell's answer, which is its own. Points in
        border cells get their sub-cell's answer (:mod:`greening.coverage.subcells`), which is
        ``BORDER`` only near a boundary.
        """
        flat, tx, ty = self._cells(x, y)
        out = self._flat.take(flat)
        if sub and self.fine is not None:
            near = np.flatnonzero(out == BORDER)
            if len(near):
                out[near] = self.fine.values(flat[near], tx[near], ty[near])
        return out

    def refine(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """:meth:`values` of points that :meth:`values` with ``sub=False`` found in border cells:
        their sub-cells' answers (``BORDER``: the exact test)."""
        if self.fine is None:
            return np.full(len(x), BORDER, dtype=self.cells.dtype)
        flat, tx, ty = self._cells(x, y)
        return self.fine.values(flat, tx, ty)

    def _cells(self, x: np.ndarray, y: np.ndarray):
        """(flat cell index, cell coordinates tx and ty) of every point, clamped onto the grid."""
        nx, ny = self.nx, self.ny
        tx = np.subtract(x, self.x0)
        tx *= self._inv
        np.fmin(tx, nx - 1, out=tx)
        np.fmax(tx, 0, out=tx)
        ty = np.subtract(y, self.y0)
        ty *= self._inv
        np.fmin(ty, ny - 1, out=ty)
        np.fmax(ty, 0, out=ty)
        flat = ty.astype(self._index_dtype)
        flat *= nx
        flat += tx.astype(self._index_dtype)
        return flat, tx, ty


def _segments(geoms):
    """x0, y0, x1, y1 of every ring segment of the (multi)polygons ``geoms``."""
    rings = shapely.get_rings(shapely.get_parts(geoms))
    xy, ring = shapely.get_coordinates(rings, return_index=True)
    keep = np.flatnonzero(ring[1:] == ring[:-1])
    x, y = xy[:, 0], xy[:, 1]
    return x[keep], y[keep], x[keep + 1], y[keep + 1]


def _mark_borders(cells, geoms, x0, y0, cell) -> None:
    ny, nx = cells.shape
    flat = cells.reshape(-1)

    def mark(r, i):
        flat[r * nx + i] = BORDER

    mark_all(mark, nx, ny, geoms, x0, y0, cell)


def mark_all(mark, nx, ny, geoms, x0, y0, cell) -> None:
    """:func:`_mark_segments` of every ring segment of ``geoms``, village batch by village
    batch on two threads (numpy releases the GIL; ``mark`` only ever sets cells to one value, so
    the threads may mark the same cell), at most two batches ahead."""
    from collections import deque
    from concurrent.futures import ThreadPoolExecutor

    def one(lo):
        ax, ay, bx, by = _segments(geoms[lo:lo + _GEOM_BATCH])
        _mark_segments(mark, nx, ny, ax, ay, bx, by, x0, y0, cell)

    with ThreadPoolExecutor(2) as pool:
        queue: deque = deque()
        for lo in range(0, len(geoms), _GEOM_BATCH):
            if len(queue) >= 2:
                queue.popleft().result()
            queue.append(pool.submit(one, lo))
        for f in queue:
            f.result()


def _mark_segments(mark, nx, ny, ax, ay, bx, by, x0, y0, cell) -> None:
    """``mark(rows, columns)`` every cell of an ``ny`` x ``nx`` grid within EPS of a segment."""
    # Cut segments into pieces of at most one cell along either axis (most already are).
    steps = np.maximum(np.ceil(np.maximum(np.abs(bx - ax), np.abs(by - ay)) / cell), 1)
    steps = steps.astype(np.int64)
    batch = 1 << 15
    bounds = np.concatenate([[0], np.cumsum(steps)])
    lo = 0
    while lo < len(steps):
        hi = max(int(np.searchsorted(bounds, bounds[lo] + batch, side="right")) - 1, lo + 1)
        k = steps[lo:hi]
        if (k == 1).all():
            px0, py0, px1, py1 = ax[lo:hi], ay[lo:hi], bx[lo:hi], by[lo:hi]
        else:
            seg = np.repeat(np.arange(lo, hi), k)
            j = np.arange(len(seg)) - np.repeat(bounds[lo:hi] - bounds[lo], k)
            kk = steps[seg]
            t0, t1 = j / kk, (j + 1) / kk
            dx, dy = bx[seg] - ax[seg], by[seg] - ay[seg]
            last = j + 1 == kk
            px0, py0 = ax[seg] + t0 * dx, ay[seg] + t0 * dy
            px1 = np.where(last, bx[seg], ax[seg] + t1 * dx)
            py1 = np.where(last, by[seg], ay[seg] + t1 * dy)
        _mark_pieces(mark, nx, ny, x0, y0, cell, px0, py0, px1, py1)
        lo = hi


def _mark_pieces(mark, nx, ny, x0, y0, cell, px0, py0, px1, py1) -> None:
    """Mark every cell within EPS of a piece's bounding box (pieces span at most one cell)."""
    i0 = np.floor((np.minimum(px0, px1) - EPS - x0) / cell).astype(np.int64)
    i1 = np.floor((np.maximum(px0, px1) + EPS - x0) / cell).astype(np.int64)
    r0 = np.floor((np.minimum(py0, py1) - EPS - y0) / cell).astype(np.int64)
    r1 = np.floor((np.maximum(py0, py1) + EPS - y0) / cell).astype(np.int64)
    np.clip(i0, 0, nx - 1, out=i0)
    np.clip(i1, 0, nx - 1, out=i1)
    np.clip(r0, 0, ny - 1, out=r0)
    np.clip(r1, 0, ny - 1, out=r1)
    skip = _missed_corner(i0, i1, r0, r1, x0, y0, cell, px0, py0, px1, py1)
    # the box's corner cells, each once (most boxes are one cell), less the missed one
    across, up = i1 != i0, r1 != r0
    for k, (r, i, distinct) in enumerate(((r0, i0, None), (r0, i1, across), (r1, i0, up),
                                          (r1, i1, across & up))):
        keep = distinct if skip is None else (skip != k if distinct is None else distinct & (skip != k))
        if keep is None:
            mark(r, i)
        else:
            at = np.flatnonzero(keep)
            mark(r[at], i[at])
    # A box can reach a third cell when EPS straddles a cell edge on both sides: rare.
    wide = np.flatnonzero((i1 - i0 > 1) | (r1 - r0 > 1))
    for w in wide:
        rr, ii = np.meshgrid(np.arange(r0[w], r1[w] + 1), np.arange(i0[w], i1[w] + 1),
                             indexing="ij")
        mark(rr.ravel(), ii.ravel())


def _missed_corner(i0, i1, r0, r1, x0, y0, cell, px0, py0, px1, py1):
    """For a piece whose box covers 2 x 2 cells, the one of the four (0: lower left, 1: lower
    right, 2: upper left, 3: upper right) it passes clear of, else -1 (None: no such piece).

    A slanted piece crosses three of the four cells: it passes on one side of their shared
    corner C, and the cell beyond C (the quadrant at C facing away from the piece) is at least
    the corner's distance from the piece's line. When that distance exceeds 2 EPS, that cell
    widened by EPS on every side (at most sqrt(2) EPS nearer) is still clear of the piece, so it
    need not be a border cell for this piece: about a fifth fewer border cells, hence fewer
    points for the exact test. Closer than that, or axis-parallel, all four stay marked."""
    two = np.flatnonzero((i1 - i0 == 1) & (r1 - r0 == 1))
    if not len(two):
        return None
    dx, dy = px1[two] - px0[two], py1[two] - py0[two]
    cross = dx * (y0 + r1[two] * cell - py0[two]) - dy * (x0 + i1[two] * cell - px0[two])
    far = (np.abs(cross) > 2 * EPS * np.hypot(dx, dy)) & (dx * dy != 0)
    beyond = cross * dx > 0  # C on the upper side of the piece's line
    rising = dx * dy > 0
    # rising: the piece's ends are lower left and upper right; C above it -> upper left is
    # missed, below -> lower right. Falling: the ends are upper left and lower right; C above
    # -> upper right is missed, below -> lower left.
    which = np.where(rising, np.where(beyond, 2, 1), np.where(beyond, 3, 0))
    skip = np.full(len(i0), -1, dtype=np.int8)
    skip[two[far]] = which[far]
    return skip


def _runs(cells):
    """Flat indices of the first and last cell of every run of non-border cells, row by row."""
    ny, nx = cells.shape
    firsts, lasts = [], []
    for r0 in range(0, ny, _ROW_BLOCK):
        free = cells[r0:r0 + _ROW_BLOCK] != BORDER
        left = np.zeros_like(free)
        left[:, 1:] = free[:, :-1]
        right = np.zeros_like(free)
        right[:, :-1] = free[:, 1:]
        firsts.append(np.flatnonzero(free & ~left) + r0 * nx)
        lasts.append(np.flatnonzero(free & ~right) + r0 * nx)
    dtype = np.int32 if cells.size < np.iinfo(np.int32).max else np.int64
    return np.concatenate(firsts).astype(dtype), np.concatenate(lasts).astype(dtype)


def _fill_runs(cells, x0, y0, cell, exact) -> None:
    """Label every run. A run touching a run of the row below it shares a free cell edge with
    it, which no boundary crosses, so both have the same answer: runs are linked to the run
    above them, the links followed to the top run of each region (pointer jumping), and only
    those top runs are answered by the exact join."""
    ny, nx = cells.shape
    first, last = _runs(cells)
    n = len(first)
    if n == 0:
        return
    j = np.searchsorted(last, first - nx, side="left")  # first run ending at or after (r-1, s)
    ok = j < n
    ok[ok] = first[j[ok]] <= last[ok] - nx
    parent = np.where(ok, j, np.arange(n)).astype(first.dtype)
    while True:
        up = parent[parent]
        if np.array_equal(up, parent):
            break
        parent = up
    roots = np.flatnonzero(parent == np.arange(n))
    top = first[roots]
    labels = np.empty(n, dtype=cells.dtype)
    labels[roots] = exact(x0 + (top % nx + 0.5) * cell, y0 + (top // nx + 0.5) * cell)
    labels = labels[parent]
    # Write run by run, a block of rows at a time (bounded temporaries).
    row_of_first = first // nx
    flat = cells.reshape(-1)
    for r0 in range(0, ny, _ROW_BLOCK):
        a, b = np.searchsorted(row_of_first, [r0, r0 + _ROW_BLOCK])
        if a == b:
            continue
        block = flat[r0 * nx:(r0 + _ROW_BLOCK) * nx]
        free = block != BORDER
        block[free] = np.repeat(labels[a:b], last[a:b] - first[a:b] + 1)
