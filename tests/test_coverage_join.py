"""Spatial joins: points to villages (borders, vertices, multi-part, outside), codes, nesting."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import box

from greening.area_codes import parent_code, parent_codes
from greening.coverage.grid import BORDER, RasterGrid
from greening.coverage.index import VillageIndex, join_points
from greening.coverage.join import area_code_of, areas_m2, check_nesting
from greening.coverage.samples import POINTS, V1, V2, V3, V4, V5, V6, sample_villages


@pytest.fixture(scope="module")
def index():
    return VillageIndex.from_frame(sample_villages())


class TestLocate:
    @pytest.mark.parametrize("name,lon,lat,expected", POINTS, ids=[p[0] for p in POINTS])
    def test_single_point(self, index, name, lon, lat, expected):
        assert index.locate(lon, lat) == expected

    @pytest.mark.parametrize("use_grid", [False, True])
    def test_many_points_match_the_expected_villages(self, use_grid):
        index = VillageIndex.from_frame(sample_villages())
        lons = np.array([p[1] for p in POINTS])
        lats = np.array([p[2] for p in POINTS])
        pos = index.positions(lons, lats, use_grid=use_grid)
        assert [index.codes[i] if i >= 0 else None for i in pos] == [p[3] for p in POINTS]
        assert list(index.locate_many(lons, lats)) == [p[3] for p in POINTS]

    def test_outside_points_are_reported_not_dropped(self, index):
        joined = join_points(np.array([110.005, 110.5, np.nan]), np.array([21.005, 21.5, 21.0]), index)
        assert list(joined.codes) == [V1, None, None]
        assert list(joined.outside) == [1, 2]

    def test_border_point_goes_to_lowest_code_whatever_the_input_order(self):
        shuffled = sample_villages([V4, V2, V1, V5, V3, V6])
        idx = VillageIndex.from_frame(shuffled)
        assert idx.locate(110.01, 21.005) == V1
        assert idx.locate(110.01, 21.01) == V1
        assert idx.locate(110.015, 21.01) == V2

    def test_overlapping_villages_go_to_lowest_code(self):
        idx = VillageIndex(["440823101009", "440823101002"],
                           [box(0, 0, 2, 2), box(1, 1, 3, 3)])
        assert idx.locate(1.5, 1.5) == "440823101002"
        assert idx.locate(0.5, 0.5) == "440823101009"
        # on the edge of the lower code, inside the other: the closed polygon counts
        assert idx.locate(1.0, 1.5) == "440823101002"

    def test_empty_input_and_empty_index(self, index):
        assert len(index.locate_many(np.array([]), np.array([]))) == 0
        empty = VillageIndex([], [])
        assert empty.locate(110.0, 21.0) is None

    def test_one_index_shared_by_threads(self):
        from concurrent.futures import ThreadPoolExecutor

        idx = VillageIndex.from_frame(sample_villages())
        lons = [p[1] for p in POINTS] * 20
        lats = [p[2] for p in POINTS] * 20
        with ThreadPoolExecutor(8) as pool:
            got = list(pool.map(idx.locate, lons, lats))
        assert got == [p[3] for p in POINTS] * 20

    def test_bad_village_geometry_is_refused_naming_it(self):
        with pytest.raises(ValueError, match="440823101001"):
            VillageIndex(["440823101001"], [shapely.Point(110, 21)])


class TestRasterGrid:
    @pytest.mark.parametrize("cell", [0.001, 0.0013, 0.0025, 0.005])
    def test_grid_answers_equal_exact_answers_on_random_points(self, index, cell):
        rng = np.random.default_rng(7)
        x = rng.uniform(109.99, 110.07, 20_000)
        y = rng.uniform(20.98, 21.03, 20_000)
        # points exactly on grid lines and borders too
        x[:200] = np.round(x[:200], 2)
        y[200:400] = np.round(y[200:400], 3)
        exact = index.positions(x, y, use_grid=False)
        fresh = VillageIndex.from_frame(sample_villages())
        fresh.ensure_grid(cell=cell)
        assert (fresh.positions(x, y, use_grid=True) == exact).all()

    @pytest.mark.parametrize("cell", [0.0007, 0.001, 0.0031])
    def test_concave_villages_holes_and_islands(self, cell):
        # a U-shaped village hugging a square one, a ring with an empty hole, and an island
        u = shapely.Polygon([(0, 0), (0.03, 0), (0.03, 0.03), (0.02, 0.03), (0.02, 0.01),
                             (0.01, 0.01), (0.01, 0.03), (0, 0.03)])
        inner = box(0.01, 0.015, 0.02, 0.03)
        ring = box(0.04, 0, 0.07, 0.03).difference(box(0.05, 0.01, 0.06, 0.02))
        island = box(0.08, 0.0, 0.09, 0.005)
        idx = VillageIndex(["440823101001", "440823101002", "440823101003", "440823101004"],
                           [u, inner, ring, island])
        rng = np.random.default_rng(3)
        x, y = rng.uniform(-0.005, 0.095, 30_000), rng.uniform(-0.005, 0.035, 30_000)
        exact = idx.positions(x, y, use_grid=False)
        idx.ensure_grid(cell=cell)
        assert (idx.positions(x, y, use_grid=True) == exact).all()
        assert idx.locate(0.055, 0.015) is None  # in the hole
        assert idx.locate(0.015, 0.012) is None  # in the U's gap, below the square
        assert idx.locate(0.015, 0.005) == "440823101001"  # the bottom of the U

    def test_many_chunks_on_two_threads(self, index, monkeypatch):
        import greening.coverage.index as mod

        monkeypatch.setattr(mod, "_CHUNK", 1000)
        rng = np.random.default_rng(5)
        x, y = rng.uniform(109.99, 110.07, 10_000), rng.uniform(20.98, 21.03, 10_000)
        fresh = VillageIndex.from_frame(sample_villages())
        assert (fresh.positions(x, y, use_grid=True) == index.positions(x, y, use_grid=False)).all()

    def test_count_points_over_chunks_equals_the_join(self, index):
        rng = np.random.default_rng(9)
        x, y = rng.uniform(109.99, 110.07, 5_000), rng.uniform(20.98, 21.03, 5_000)
        pos = index.positions(x, y, use_grid=False)
        fresh = VillageIndex.from_frame(sample_villages())
        counts, outside = fresh.count_points((x[i:i + 700], y[i:i + 700]) for i in range(0, 5_000, 700))
        assert counts.tolist() == np.bincount(pos[pos >= 0], minlength=len(fresh)).tolist()
        assert outside == int((pos < 0).sum())

    def test_count_points_with_exact_batches_and_a_refilled_buffer(self, index, monkeypatch):
        # The exact test runs on a background thread every few border points while later chunks
        # are looked up; a caller refilling one buffer per chunk (bench.worker does) must still
        # get every chunk counted as it was when handed over.
        import greening.coverage.index as mod

        monkeypatch.setattr(mod, "_EXACT_BATCH", 50)
        monkeypatch.setattr(mod, "_CHUNK", 300)
        rng = np.random.default_rng(11)
        x, y = rng.uniform(109.99, 110.07, 6_000), rng.uniform(20.98, 21.03, 6_000)
        pos = index.positions(x, y, use_grid=False)
        fresh = VillageIndex.from_frame(sample_villages())
        fresh.ensure_grid(cell=0.0013)
        bx, by = np.empty(1_000), np.empty(1_000)

        def refilled():
            for lo in range(0, 6_000, 1_000):
                bx[:] = x[lo:lo + 1_000]
                by[:] = y[lo:lo + 1_000]
                yield bx, by

        counts, outside = fresh.count_points(refilled())
        assert counts.tolist() == np.bincount(pos[pos >= 0], minlength=len(fresh)).tolist()
        assert outside == int((pos < 0).sum())
        assert (fresh.grid.lookup(x, y) == BORDER).sum() > 50  # several exact batches ran

    def test_points_off_the_grid_nan_and_infinite_are_outside(self, index):
        grid = RasterGrid.build(index.geoms, index._exact, 0.001)
        x = np.array([np.nan, 110.005, np.inf, -np.inf, 1e300, -1e300, 110.005, 110.005, 0.0])
        y = np.array([21.005, np.nan, 21.005, 21.005, 21.005, 21.005, np.inf, -1e300, 0.0])
        assert grid.lookup(x, y).tolist() == [-1] * 9
        assert grid.values(x, y).dtype == grid.cells.dtype

    def test_a_cell_a_slanted_piece_is_not_marked_for_is_clear_of_it(self):
        # Random pieces over a 2 x 2 block of cells, a tenth of them through or within a few
        # EPS of the block's middle corner: the cell left unmarked, widened by EPS, never
        # touches its piece, and most slanted pieces leave one.
        from greening.coverage.grid import EPS, _missed_corner

        rng = np.random.default_rng(1)
        n, cell, x0, y0 = 50_000, 0.001, 110.0, 21.0
        ax, bx = rng.uniform(x0, x0 + 2 * cell, n), rng.uniform(x0, x0 + 2 * cell, n)
        ay, by = rng.uniform(y0, y0 + 2 * cell, n), rng.uniform(y0, y0 + 2 * cell, n)
        k, cx, cy = n // 10, x0 + cell, y0 + cell
        shift = rng.uniform(-3, 3, k) * EPS
        ax[:k], bx[:k] = cx - rng.uniform(0, cell, k), cx + rng.uniform(0, cell, k)
        ay[:k], by[:k] = cy - (cx - ax[:k]) + shift, cy + (bx[:k] - cx) + shift
        cells = [np.floor((f(a, b) + e - o) / cell).astype(np.int64)
                 for f, e, a, b, o in ((np.minimum, -EPS, ax, bx, x0), (np.maximum, EPS, ax, bx, x0),
                                      (np.minimum, -EPS, ay, by, y0), (np.maximum, EPS, ay, by, y0))]
        i0, i1, r0, r1 = cells
        skip = _missed_corner(i0, i1, r0, r1, x0, y0, cell, ax, ay, bx, by)
        at = np.flatnonzero(skip >= 0)
        assert len(at) > 0.5 * ((i1 - i0 == 1) & (r1 - r0 == 1)).sum()
        r = np.where(skip[at] >= 2, r1[at], r0[at])
        i = np.where(skip[at] % 2 == 1, i1[at], i0[at])
        boxes = shapely.box(x0 + i * cell - EPS, y0 + r * cell - EPS,
                            x0 + (i + 1) * cell + EPS, y0 + (r + 1) * cell + EPS)
        pieces = shapely.linestrings(np.stack([np.c_[ax[at], ay[at]], np.c_[bx[at], by[at]]], axis=1))
        assert not shapely.intersects(pieces, boxes).any()

    def test_a_grid_whose_edge_is_not_outside_is_refused(self):
        cells = np.full((4, 5), -1, dtype=np.int16)
        cells[1:3, 1:4] = 0
        RasterGrid(cells, 0.0, 0.0, 1.0)  # a margin of outside cells: fine
        cells[0, 2] = 0
        with pytest.raises(ValueError, match="edge cells"):
            RasterGrid(cells, 0.0, 0.0, 1.0)

    def test_cells_on_boundaries_are_marked_border(self, index):
        grid = RasterGrid.build(index.geoms, index._exact, 0.001)
        got = grid.lookup(np.array([110.01, 110.005, 110.5]), np.array([21.005, 21.005, 21.5]))
        assert got[0] == BORDER
        assert index.codes[got[1]] == V1
        assert got[2] == -1


class TestCodes:
    def test_parent_code(self):
        assert parent_code(V1, "town") == "440823101000"
        assert parent_code(V1, "county") == "440823000000"
        assert parent_code(V1, "city") == "440800000000"
        with pytest.raises(ValueError, match="4408231"):
            parent_code("4408231", "town")

    def test_parent_codes_vectorised(self):
        assert list(parent_codes(pd.Series([V1, V6]), "county")) == ["440823000000", "440825000000"]

    def test_records_attach_to_areas_at_or_below_their_own(self):
        codes = pd.Series([V1, "440823101000", "440823000000", "440800000000"])
        town = area_code_of(codes, "town")
        assert list(town[:2]) == ["440823101000", "440823101000"]
        assert town[2:].isna().all()
        assert list(area_code_of(codes, "county")[:3]) == ["440823000000"] * 3

    def test_check_nesting_finds_a_village_in_the_wrong_town(self):
        towns = sample_villages([V1]).assign(code=["440823101000"])
        towns.loc[0, "geometry"] = box(110.0, 20.99, 110.02, 21.01)
        kids = sample_villages([V1, V2, V4])
        bad = check_nesting(kids, towns, "town")
        assert list(bad["code"]) == [V4]
        assert bad["found"].iloc[0] is None


class TestAreas:
    def test_area_in_square_metres_not_degrees(self):
        a = areas_m2(sample_villages([V1]).geometry).iloc[0]
        # 0.01° × 0.01° at 21° N: about 1.04 km × 1.11 km
        assert 1.13e6 < a < 1.17e6

    def test_multipart_area_adds_its_parts(self):
        a = areas_m2(sample_villages([V3]).geometry).iloc[0]
        b = areas_m2(sample_villages([V1]).geometry).iloc[0]
        assert a == pytest.approx(3 * b, rel=0.01)



def test_a_village_of_far_apart_islands_is_found_on_each_island_and_not_between():
    """Bucket candidates come from bounding boxes; a village whose box spans many buckets (two
    islands far apart) is kept only in the buckets its polygons touch, and still found."""
    row = [box(i * 0.01, 0, i * 0.01 + 0.01, 0.01) for i in range(50)]
    islands = shapely.MultiPolygon([box(0, 0.1, 0.01, 0.11), box(0.49, 0.1, 0.5, 0.11)])
    codes = [f"440823101{201 + i:03d}" for i in range(50)] + ["440823102201"]
    index = VillageIndex(codes, [*row, islands])
    between = index._buckets
    assert between is not None
    x = np.array([0.005, 0.495, 0.25, 0.255, 0.5, 0.0])
    y = np.array([0.105, 0.105, 0.105, 0.005, 0.11, 0.01])
    got = index.locate_many(x, y).tolist()
    assert got == ["440823102201", "440823102201", None, codes[25], "440823102201", codes[0]]
    # the island village is not a candidate in the buckets between its islands
    mid = int((0.105 - between.y0) // between.size) * between.nx + int((0.25 - between.x0) // between.size)
    assert 50 not in between.villages[between.start[mid]:between.start[mid + 1]].tolist()
