"""Border cells of the raster grid, each cut into ``k`` x ``k`` sub-cells answered the same way.

A point in a border cell of :class:`~greening.coverage.grid.RasterGrid` used to go straight to
the exact test. Most of a border cell is nowhere near the boundary that made it one, so each
border cell (and only those: a few % of the cells) is cut into ``k`` x ``k`` sub-cells classified
exactly like the cells of the grid:

1. every ring segment is cut into pieces no longer than one sub-cell along either axis and the
   sub-cells under each piece's bounding box widened by ``EPS`` are marked border, with the same
   code (:func:`~greening.coverage.grid._mark_segments`) as the grid itself; only sub-cells of
   border cells are kept;
2. no boundary comes within ``EPS`` of any other sub-cell, so every point of it has one answer,
   which it shares with every free sub-cell or cell it touches through a free edge: a sub-cell on
   the edge of its cell takes the answer of the neighbouring cell when that one is not a border
   cell, the answers spread from sub-cell to free sub-cell inside the cell, and only the pieces of
   free sub-cells left without an answer (closed in by boundaries) get the exact test, once per
   piece, at the centre of one of their sub-cells.

With ``k = 4`` about a quarter of the points that reached border cells still need the exact test
(the rest get their answer from a sub-cell), for 12 bytes per border cell (:class:`BorderCells`);
during the build, one more byte per sub-cell marks the border sub-cells.

A point's sub-cell comes from the fractional part of its cell coordinates, the same arithmetic
as its cell, so it differs from the build's ``floor((x - x0) / (cell / k))`` by far less than
``EPS``: a point that lands in the neighbouring sub-cell is within ``EPS`` of it, and a free
sub-cell's answer holds within ``EPS`` of it.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

__all__ = ["BorderCells"]

_BATCH = 1 << 14  # border cells labelled at a time (bounded temporaries)


class BorderCells:
    """``k`` x ``k`` sub-cells of every border cell of a grid, in a few bytes per border cell.

    The ``j``-th border cell (in flat order) keeps ``table[4 * j:4 * j + 4]``: ``BORDER`` (still
    the exact test) and the cell's (at most) three answers (village positions or ``OUTSIDE``), and
    a 2-bit code per sub-cell (bits ``2 * (r * k + c)`` of ``codes[j]`` for sub-row ``r``, 0 at
    the bottom, sub-column ``c``): which of the four it holds. A border cell rarely holds more than
    two answers; the sub-cells of a fourth and later answer keep code 0, the exact test (right, and
    rare). For 4 x 4 sub-cells that is 12 bytes per border cell instead of 32 as positions.

    ``j`` is a border cell's rank among the border cells, found from one bit per cell
    (``words``) and the count of border cells before each word (``before``): 1/8 byte and a few
    bits per cell, against 4 or 8 bytes for a table of ranks.
    """

    def __init__(self, k: int, words: np.ndarray, before: np.ndarray, codes: np.ndarray,
                 table: np.ndarray):
        self.k = int(k)
        self.words, self.before, self.codes, self.table = words, before, codes, table

    @property
    def nbytes(self) -> int:
        return int(self.words.nbytes + self.before.nbytes + self.codes.nbytes + self.table.nbytes)

    def __len__(self) -> int:
        return len(self.table) // 4

    def rank(self, flat: np.ndarray) -> np.ndarray:
        """Rank among the border cells of border cells given by flat index (int64)."""
        flat = flat.astype(np.int64, copy=False)
        word = flat >> 6
        below = (np.uint64(1) << (flat & 63).astype(np.uint64)) - np.uint64(1)
        return self.before[word].astype(np.int64) + np.bitwise_count(self.words[word] & below)

    def values(self, flat: np.ndarray, tx: np.ndarray, ty: np.ndarray) -> np.ndarray:
        """Sub-cell answers for points in border cells: ``flat`` their cells' flat indices,
        ``tx``, ``ty`` their cell coordinates (offsets over the cell size, whole part = cell)."""
        k = self.k
        # k is a power of two, so tx * k is exact and its whole part modulo k is the sub-column
        sx = np.multiply(tx, k).astype(np.int64)
        sx &= k - 1
        sy = np.multiply(ty, k).astype(np.int64)
        sy &= k - 1
        sy *= 2 * k
        sy += sx
        sy += sx  # 2 * (row * k + column): the sub-cell's code bits
        j = self.rank(flat)
        code = (self.codes[j] >> sy.astype(self.codes.dtype)) & self.codes.dtype.type(3)
        j <<= 2
        j += code
        return self.table.take(j)

    def decoded(self, lo: int = 0, hi: int | None = None) -> np.ndarray:
        """(n, k, k) answers of the sub-cells of the border cells ranked ``lo`` to ``hi``."""
        k, hi = self.k, len(self) if hi is None else hi
        bit = (2 * np.arange(k * k)).astype(self.codes.dtype)
        code = (self.codes[lo:hi, None] >> bit) & self.codes.dtype.type(3)
        at = (np.arange(lo, hi)[:, None] * 4 + code).astype(np.int64)
        return self.table[at].reshape(hi - lo, k, k)

    def border_subcells(self) -> int:
        """How many sub-cells still need the exact test (code 0)."""
        kk, bits = self.k * self.k, self.codes.dtype.itemsize * 8
        odd = self.codes.dtype.type(int("01" * (bits // 2), 2))
        set_ = np.bitwise_count((self.codes | (self.codes >> self.codes.dtype.type(1))) & odd)
        return int(len(self) * kk - set_.sum(dtype=np.int64))

    @classmethod
    def build(cls, cells: np.ndarray, geoms: np.ndarray, x0: float, y0: float, cell: float,
              k: int, exact: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> BorderCells:
        """Sub-cells of the border cells of the filled grid ``cells`` of the villages ``geoms``;
        ``exact(x, y)`` answers the pieces no neighbouring cell answers."""
        from greening.coverage.grid import BORDER, mark_all

        if k not in (2, 4):
            raise ValueError(f"sub-cells per side must be 2 or 4 (2-bit codes in one word), not {k}")
        shift = k.bit_length() - 1
        ny, nx = cells.shape
        flat = cells.reshape(-1)
        n_words = (flat.size + 63) // 64
        packed = np.zeros(n_words * 8, dtype=np.uint8)
        block = 1 << 23  # cells at a time: no full-size temporary
        for lo in range(0, flat.size, block):
            bits = np.packbits(flat[lo:lo + block] == BORDER, bitorder="little")
            packed[lo // 8:lo // 8 + len(bits)] = bits
        words = packed.view(np.uint64)
        counts = np.bitwise_count(words)
        before = np.zeros(n_words, dtype=np.int64)
        np.cumsum(counts[:-1], out=before[1:])
        n_border = int(before[-1] + counts[-1]) if n_words else 0
        del counts
        before = before.astype(np.int32 if n_border < np.iinfo(np.int32).max else np.int64)
        code_dtype = np.uint8 if k == 2 else np.uint32
        out = cls(k, words, before, np.zeros(n_border, dtype=code_dtype),
                  np.full(n_border * 4, BORDER, dtype=cells.dtype))
        if not n_border:
            return out
        marked = np.zeros(n_border * k * k, dtype=np.bool_)  # border sub-cells, during the build

        def mark(r: np.ndarray, i: np.ndarray) -> None:
            main = r >> shift
            main *= nx
            main += i >> shift
            keep = flat[main] == BORDER
            if not keep.all():
                main, r, i = main[keep], r[keep], i[keep]
            at = out.rank(main)
            at <<= 2 * shift
            at += (r & (k - 1)) << shift
            at += i & (k - 1)
            marked[at] = True

        mark_all(mark, nx * k, ny * k, geoms, x0, y0, cell / k)
        ids = np.concatenate([np.flatnonzero(flat[lo:lo + block] == BORDER) + lo
                              for lo in range(0, flat.size, block)]).astype(before.dtype)
        for lo in range(0, n_border, _BATCH):
            hi = min(lo + _BATCH, n_border)
            answers = _label(marked[lo * k * k:hi * k * k].reshape(hi - lo, k * k),
                             ids[lo:hi], flat, nx, k, x0, y0, cell, exact)
            out.codes[lo:hi], out.table[lo * 4:hi * 4] = _encode(answers, out.codes.dtype)
        return out


def _encode(answers: np.ndarray, dtype) -> tuple[np.ndarray, np.ndarray]:
    """(codes, table) of (n, k * k) sub-cell answers (``BORDER`` where marked): the table holds
    ``BORDER`` and each cell's three largest distinct answers, the codes which one each sub-cell
    holds (0: ``BORDER``, or a smaller answer past the third)."""
    from greening.coverage.grid import BORDER

    n, kk = answers.shape
    by_sub = np.ascontiguousarray(answers.T)  # (k * k, n): sub-cell by sub-cell, all cells at once
    table = np.full((4, n), BORDER, dtype=answers.dtype)
    # BORDER is the smallest value a cell can hold: the largest answer below the previous one
    # is the next distinct answer, BORDER when there is none
    table[1] = by_sub.max(axis=0)
    for t in (2, 3):
        table[t] = np.where(by_sub < table[t - 1], by_sub, BORDER).max(axis=0)
    codes = np.zeros(n, dtype=np.uint64)
    for p in range(kk):
        a = by_sub[p]
        code = (a == table[1]).astype(np.uint64)  # table[1:] differ, or are BORDER
        code += (a == table[2]).astype(np.uint64) << np.uint64(1)
        code += (a == table[3]).astype(np.uint64) * np.uint64(3)
        code[a == BORDER] = 0
        code <<= np.uint64(2 * p)
        codes |= code
    return codes.astype(dtype), np.ascontiguousarray(table.T).reshape(-1)


def _masks(k: int):
    """Bit masks of a cell's k x k sub-cells (bit ``r * k + c``): all, not in column 0, not in
    column k - 1, and each edge (left, right, bottom, top)."""
    r, c = np.divmod(np.arange(k * k, dtype=np.uint64), np.uint64(k))
    bit = np.uint64(1) << np.arange(k * k, dtype=np.uint64)

    def of(sel):
        return np.bitwise_or.reduce(bit[sel]) if sel.any() else np.uint64(0)

    return (of(r >= 0), of(c != 0), of(c != k - 1),
            (of(c == 0), of(c == k - 1), of(r == 0), of(r == k - 1)))


def _flood(seed: np.ndarray, free: np.ndarray, k: int, masks) -> np.ndarray:
    """The sub-cells of ``free`` (bit masks, one per cell) reachable from ``seed`` through
    free 4-neighbours inside each cell."""
    full, not_first, not_last, _ = masks
    one, kk = np.uint64(1), np.uint64(k)
    reach = seed & free
    while True:
        grown = reach | ((reach << one) & not_first) | ((reach >> one) & not_last)
        grown |= (reach << kk) | (reach >> kk)
        grown &= free & full
        if np.array_equal(grown, reach):
            return reach
        reach = grown


def _bits(mask: np.ndarray, k: int) -> np.ndarray:
    """(n, k * k) booleans of bit masks."""
    as_bytes = np.ascontiguousarray(mask, dtype="<u8").view(np.uint8).reshape(-1, 8)
    return np.unpackbits(as_bytes, axis=1, count=k * k, bitorder="little").view(bool)


def _mask(sel: np.ndarray) -> np.ndarray:
    """Bit masks of (n, k * k) booleans: the inverse of :func:`_bits`."""
    packed = np.zeros((len(sel), 8), dtype=np.uint8)
    packed[:, :(sel.shape[1] + 7) // 8] = np.packbits(sel, axis=1, bitorder="little")
    return packed.view("<u8").reshape(-1).astype(np.uint64)


def _label(marked, ids, flat, nx, k, x0, y0, cell, exact) -> np.ndarray:
    """(n, k * k) answers of the sub-cells of the border cells ``ids`` (``BORDER`` where
    ``marked``), with one bit mask of sub-cells per cell."""
    from greening.coverage.grid import BORDER

    n, kk = len(ids), k * k
    s = np.full((n, kk), BORDER, dtype=flat.dtype)
    free = _mask(~marked)
    masks = _masks(k)
    left = free.copy()
    # a free sub-cell on the edge of its cell shares the answer of a neighbouring cell that is
    # not a border cell: left (sub-column 0), right, below (sub-row 0), above
    for step, edge in zip((-1, 1, -nx, nx), masks[3], strict=True):
        v = flat[ids + step]
        ok = np.flatnonzero(v != BORDER)
        reach = _flood(np.full(len(ok), edge), left[ok], k, masks)
        s[ok] = np.where(_bits(reach, k), v[ok, None], s[ok])
        left[ok] &= ~reach
    # pieces closed in by boundaries: one exact test per piece, at its lowest sub-cell
    while True:
        at = np.flatnonzero(left)
        if not len(at):
            return s
        low = left[at] & (~left[at] + np.uint64(1))  # the lowest set bit
        piece = _flood(low, left[at], k, masks)
        p = np.bitwise_count(low - np.uint64(1)).astype(np.int64)
        r, c = np.divmod(p, k)
        main = ids[at]
        x = x0 + (main % nx + (c + 0.5) / k) * cell
        y = y0 + (main // nx + (r + 0.5) / k) * cell
        v = np.asarray(exact(x, y))
        s[at] = np.where(_bits(piece, k), v[:, None], s[at])
        left[at] &= ~piece
