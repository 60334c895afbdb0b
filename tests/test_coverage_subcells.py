"""Border cells of the raster grid cut into sub-cells: marking, answers and lookups are exact."""
from __future__ import annotations

import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, given, settings

from greening.coverage.grid import BORDER, EPS, RasterGrid
from greening.coverage.index import VillageIndex
from greening.coverage.subcells import BorderCells
from tests.test_coverage_engines import _brute_force, layouts

CELL = 0.0011


def _villages():
    """Voronoi cells of random seeds (slanted shared borders and vertices of three villages),
    one with a hole, an island in the hole, and a gap where no village is."""
    rng = np.random.default_rng(4)
    seeds = shapely.multipoints(rng.uniform([110.0, 21.0], [110.04, 21.03], (40, 2)))
    frame = shapely.box(110.0, 21.0, 110.04, 21.03)
    cells = [shapely.intersection(c, frame)
             for c in shapely.get_parts(shapely.voronoi_polygons(seeds, extend_to=frame))]
    cells = [c for c in cells if c.area > 0]
    hole = shapely.Point(cells[0].centroid).buffer(0.002, quad_segs=5)
    cells[0] = shapely.difference(cells[0], hole)
    island = shapely.Point(hole.centroid).buffer(0.0008, quad_segs=3)
    cells[1] = shapely.difference(cells[1], shapely.box(*cells[1].centroid.buffer(0.001).bounds))
    geoms = [*cells, island]
    codes = [f"440823101{n:03d}" for n in range(len(geoms))]
    return VillageIndex(codes, geoms)


@pytest.fixture(scope="module")
def index():
    return _villages()


def _grid(index, split, cell=CELL):
    return RasterGrid.build(index.geoms, index._exact, cell, split=split)


def _free_subcells(grid):
    """(x0, y0, x1, y1, value) of every sub-cell that is not a border sub-cell."""
    fine, k = grid.fine, grid.fine.k
    ids = np.flatnonzero(grid.cells.reshape(-1) == BORDER)
    sub = fine.decoded()
    assert sub.shape == (len(ids), k, k)
    j, r, c = np.nonzero(sub != BORDER)
    row, col = np.divmod(ids[j], grid.nx)
    size = grid.cell / k
    x0 = grid.x0 + col * grid.cell + c * size
    y0 = grid.y0 + row * grid.cell + r * size
    return x0, y0, x0 + size, y0 + size, sub[j, r, c]


@pytest.mark.parametrize("split", [2, 4])
def test_no_boundary_comes_near_a_sub_cell_that_is_not_marked_border(index, split):
    grid = _grid(index, split)
    x0, y0, x1, y1, _ = _free_subcells(grid)
    assert len(x0) > 1000
    margin = EPS / 2  # inside the EPS every sub-cell was widened by, clear of rounding
    boxes = shapely.box(x0 - margin, y0 - margin, x1 + margin, y1 + margin)
    boundaries = shapely.boundary(shapely.union_all(index.geoms))
    tree = shapely.STRtree(boxes)
    hit = tree.query(boundaries, predicate="intersects")
    assert len(hit) == 0, f"{len(hit)} free sub-cells touch a boundary"


@pytest.mark.parametrize("split", [2, 4])
def test_every_free_sub_cell_holds_the_exact_answer_of_its_corners_and_centre(index, split):
    grid = _grid(index, split)
    x0, y0, x1, y1, value = _free_subcells(grid)
    for x, y in ((x0, y0), (x1, y0), (x0, y1), (x1, y1), ((x0 + x1) / 2, (y0 + y1) / 2)):
        np.testing.assert_array_equal(index.positions(x, y, use_grid=False), value)


def test_sub_cells_send_few_points_to_the_exact_test(index):
    grid = _grid(index, 4)
    assert grid.exact_share < 0.4 * grid.border_share
    assert _grid(index, 2).exact_share > grid.exact_share
    assert _grid(index, 1).fine is None
    for split in (3, 8):
        with pytest.raises(ValueError, match="2 or 4"):
            _grid(index, split)


def test_rank_of_a_border_cell_is_its_place_among_the_border_cells(index):
    grid = _grid(index, 4)
    ids = np.flatnonzero(grid.cells.reshape(-1) == BORDER)
    assert len(ids) > 100
    np.testing.assert_array_equal(grid.fine.rank(ids), np.arange(len(ids)))


@pytest.mark.parametrize("split", [2, 4])
def test_points_on_sub_cell_edges_vertices_and_outside_get_the_exact_answer(index, split):
    grid = _grid(index, split)
    rng = np.random.default_rng(split)
    size = grid.cell / split
    n = 40_000
    # on sub-cell corners and edges, on every village vertex, on edge midpoints, random, outside
    ix, iy = rng.integers(0, grid.nx * split, n), rng.integers(0, grid.ny * split, n)
    x = grid.x0 + ix * size
    y = grid.y0 + iy * size
    x[: n // 2] += rng.uniform(0, size, n // 2) * (rng.random(n // 2) < 0.5)
    y[n // 4:] += rng.uniform(0, size, n - n // 4) * (rng.random(n - n // 4) < 0.5)
    xy = shapely.get_coordinates(index.geoms)
    mid = (xy[1:] + xy[:-1]) / 2
    x = np.concatenate([x, xy[:, 0], mid[:, 0], rng.uniform(109.99, 110.05, 5000), [109.0, np.nan]])
    y = np.concatenate([y, xy[:, 1], mid[:, 1], rng.uniform(20.99, 21.04, 5000), [21.01, 21.01]])
    exact = index.positions(x, y, use_grid=False)
    got = grid.lookup(x, y)
    border = got == BORDER
    assert border.mean() < 0.5
    np.testing.assert_array_equal(got[~border], exact[~border])
    fresh = _villages()
    fresh.grid = grid
    np.testing.assert_array_equal(fresh.positions(x, y, use_grid=True), exact)
    counts, outside = fresh.count_points([(x, y)])
    assert counts.tolist() == np.bincount(exact[exact >= 0], minlength=len(fresh)).tolist()
    assert outside == int((exact < 0).sum())


def test_a_sub_cell_grid_without_border_cells():
    grid = RasterGrid(np.full((4, 4), -1, dtype=np.int16), 0.0, 0.0, 1.0)
    cells = BorderCells.build(grid.cells, np.array([], dtype=object), 0.0, 0.0, 1.0, 4,
                              lambda x, y: np.full(len(x), -1))
    assert len(cells) == 0 and cells.border_subcells() == 0


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(layouts())
def test_sub_cell_edges_on_the_lattice_of_shared_borders_and_vertices(case):
    # cell 1/4 and 4 x 4 sub-cells: every lattice vertex, edge midpoint and test point of the
    # layouts (multiples of 1/16) lies exactly on a sub-cell edge or corner
    layer, x, y, _claimed = case
    idx = VillageIndex(layer.codes, layer.geoms)
    for split in (2, 4):
        idx.grid = RasterGrid.build(idx.geoms, idx._exact, 0.25, split=split)
        np.testing.assert_array_equal(idx.positions(x, y, use_grid=True), _brute_force(layer, x, y))


def test_answers_spread_from_neighbouring_cells_so_few_sub_cells_need_the_exact_test(index):
    grid = _grid(index, 4)
    asked = []

    def exact(x, y):
        asked.append(len(x))
        return index._exact(x, y)

    BorderCells.build(grid.cells, index.geoms, grid.x0, grid.y0, grid.cell, 4, exact)
    free = np.count_nonzero(grid.fine.decoded() != BORDER)
    assert sum(asked) < 0.05 * free


def test_an_index_keeps_the_grid_it_has_and_rebuilds_only_for_another_split(index):
    idx = _villages()
    first = idx.ensure_grid(cell=CELL, split=1)
    assert first.fine is None
    assert idx.ensure_grid() is first  # positions() and count_points() take the grid there is
    assert idx.ensure_grid(split=1) is first
    cut = idx.ensure_grid(split=4)
    assert cut is not first and cut.fine.k == 4 and cut.cell == CELL
    assert _villages().ensure_grid().fine.k == 4  # the default: border cells cut 4 x 4


def test_codes_keep_three_answers_per_cell_and_send_a_fourth_to_the_exact_test():
    from greening.coverage.subcells import _encode

    rng = np.random.default_rng(2)
    answers = rng.choice(np.array([BORDER, -1, 7, 9, 30000], dtype=np.int16), (500, 16))
    answers[0] = [7] * 16
    answers[1] = [BORDER] * 16
    answers[2] = [-1, 7, 9, 11] * 4  # four answers: the smallest one is left to the exact test
    codes, table = _encode(answers, np.uint32)
    cells = BorderCells(4, np.zeros(1, np.uint64), np.zeros(1, np.int32), codes, table)
    got = cells.decoded().reshape(500, 16)
    distinct = [len(set(a.tolist()) - {BORDER}) for a in answers]
    for a, g, d in zip(answers, got, distinct, strict=True):
        kept = np.sort(np.unique(a[a != BORDER]))[::-1][:3]
        expect = np.where(np.isin(a, kept), a, BORDER)
        np.testing.assert_array_equal(g, expect)
        assert d <= 3 or (g == BORDER).sum() > (a == BORDER).sum()
    assert got[2].tolist() == [BORDER, 7, 9, 11] * 4
    assert cells.border_subcells() == int((got == BORDER).sum())


def test_the_dask_engine_s_indexes_build_grids_without_sub_cells():
    from greening.coverage.engines.partition import CountyIndex, batch_grid

    idx = _villages()
    plain = VillageIndex(idx.codes, idx.geoms, split=1)
    assert plain.ensure_grid(cell=CELL).fine is None
    batch_grid(idx, 200_000)
    assert idx.grid is not None and idx.grid.fine is None
    hulls = CountyIndex(["440823"], [shapely.union_all(idx.geoms).buffer(1e-5)])
    hulls.lowest(np.array([110.01]), np.array([21.01]))
    assert hulls.index.grid.fine is None


def test_refine_gives_points_in_border_cells_the_answers_values_gives_them(index):
    grid = _grid(index, 4)
    rng = np.random.default_rng(8)
    x, y = rng.uniform(109.99, 110.05, 50_000), rng.uniform(20.99, 21.04, 50_000)
    coarse = grid.values(x, y, sub=False)
    near = np.flatnonzero(coarse == BORDER)
    assert len(near) > 1000
    full = grid.values(x, y)
    np.testing.assert_array_equal(grid.refine(x[near], y[near]), full[near])
    assert (full[near] != BORDER).mean() > 0.5  # most of them answered by their sub-cell
    keep = np.setdiff1d(np.arange(len(x)), near)
    np.testing.assert_array_equal(coarse[keep], full[keep])
    plain = _grid(index, 1)
    assert (plain.refine(x[:5], y[:5]) == BORDER).all()
