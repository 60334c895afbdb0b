"""The engines benchmark's data: a small national-style folder (counties, villages clipped to
them, points claimed across county borders and in the sea) counted by the dask engine exactly as
the grid engine counts it. No timing asserts."""
from __future__ import annotations

import json

import numpy as np

from bench.engine_data import write_city_or_province, write_national
from greening.coverage.engines.cluster import count_dataset
from greening.coverage.engines.dataset import (
    plantings_files,
    read_county_villages,
    read_points,
    read_points_ahead,
)
from greening.coverage.index import VillageIndex


def _grid_counts(folder):
    import pyarrow.parquet as pq
    import shapely

    t = pq.read_table(folder / "villages", columns=["code", "geometry"])
    index = VillageIndex(t.column("code").to_pylist(),
                         shapely.from_wkb(t.column("geometry").to_numpy(zero_copy_only=False)))
    counts, outside = index.count_points(read_points(f)[1:] for f in plantings_files(folder))
    return dict(zip(index.codes, counts.tolist(), strict=True)), outside


def test_national_generator_is_counted_alike_by_dask_and_grid(tmp_path, dask_client):
    folder = tmp_path / "national"
    info = write_national(folder, n_villages=720, n_counties=4, n_points=30_000, say=lambda m: None)
    assert info["counties"] == 4 and 600 < info["villages"] <= 720 and info["points"] == 30_000
    codes, geoms = read_county_villages(folder, sorted(p.name[7:] for p in (folder / "villages").iterdir())[0])
    assert len(codes) > 100 and all(c[:6] == codes[0][:6] for c in codes)
    expected, outside = _grid_counts(folder)
    got, got_outside, figures = count_dataset(folder)
    assert {k: v for k, v in got.items() if v} == {k: v for k, v in expected.items() if v}
    assert got_outside == outside > 0  # the sea
    assert figures["pending"] > 0  # points claimed for another county went to pass 2
    assert json.loads((folder / "manifest.json").read_text())["points"] == 30_000


def test_city_data_claims_each_point_for_its_county(tmp_path):
    folder = tmp_path / "city"
    info = write_city_or_province(folder, 300, 20_000, (109.65, 20.20, 110.97, 21.95), seed=3)
    assert info["counties"] == 9 and info["points"] == 20_000
    total = 0
    for f in plantings_files(folder):
        import pyarrow.parquet as pq

        claimed = pq.read_table(f).column("claimed_village_code").to_pylist()
        assert {c[:6] for c in claimed} == {f.split("county=")[1][:6]}
        total += len(claimed)
    assert total == 20_000
    assert np.isfinite(read_points(plantings_files(folder)[0])[1]).all()


def test_points_read_ahead_are_every_file_in_order_and_count_alike(tmp_path):
    from bench.engine_worker import _grid, _village_polygons

    folder = tmp_path / "city"
    write_city_or_province(folder, 300, 20_000, (109.65, 20.20, 110.97, 21.95), seed=5)
    files = plantings_files(folder)
    ahead = list(read_points_ahead(files, ahead=3))
    assert len(ahead) == len(files) > 3
    for (county, x, y), f in zip(ahead, files, strict=True):
        c, ex, ey = read_points(f)
        assert county == c and np.array_equal(x, ex) and np.array_equal(y, ey)
    first = read_points_ahead(files)
    assert next(first)[0] == read_points(files[0])[0]
    first.close()  # stopping early leaves nothing running
    codes, geoms = _village_polygons(folder)
    assert list(codes) == sorted(codes) and len(geoms) == 300
    expected, outside = _grid_counts(folder)
    got = _grid(folder, {})
    assert dict(zip(sorted(expected), got["counts"], strict=True)) == expected
    assert got["outside"] == outside


def test_national_templates_make_valid_partitions(tmp_path):
    """Counties as transformed copies of a few templates: every village inside its county, the
    villages of a county tile it (no gap, no overlap beyond rounding), every point written once,
    about 1 % in the sea and 2 % claimed for another county."""
    import pyarrow.parquet as pq
    import shapely

    from greening.coverage.engines.dataset import read_hulls
    from greening.coverage.engines.partition import HULL_MARGIN

    folder = tmp_path / "national"
    info = write_national(folder, n_villages=1_200, n_counties=9, n_points=60_000, templates=3,
                          say=lambda m: None)
    assert info["counties"] == 9 and info["points"] == 60_000 and info["templates"] == 3
    hull_codes, hulls = read_hulls(folder)
    all_codes = []
    for county, hull in zip(hull_codes, hulls, strict=True):
        codes, geoms = read_county_villages(folder, county)
        geoms = np.asarray(geoms, dtype=object)
        assert len(codes) > 50 and all(c.startswith(county) and len(c) == 12 for c in codes)
        assert shapely.is_valid(geoms).all()
        cell = shapely.buffer(hull, -HULL_MARGIN, join_style="mitre")
        assert shapely.contains(hull, geoms).all()
        union = shapely.union_all(geoms)
        assert abs(shapely.area(geoms).sum() - union.area) < 1e-9 * cell.area  # no overlaps
        assert abs(union.area - cell.area) < 1e-9 * cell.area  # no gaps
        all_codes.extend(codes)
    assert len(set(all_codes)) == len(all_codes) == info["villages"]
    x0, y0, x1, y1 = 100.0, 22.0, 122.0, 40.0
    total = sea = foreign = 0
    for f in plantings_files(folder):
        county, x, y = read_points(f)
        claimed = pq.read_table(f).column("claimed_village_code").to_pylist()
        assert set(claimed) <= set(all_codes)
        assert {c[:6] for c in claimed} == {county}
        total += len(x)
        sea += int(np.count_nonzero((x < x0) | (x > x1) | (y < y0) | (y > y1)))
        foreign += len(x) if f.endswith("part-00001.parquet") else 0
    assert total == 60_000
    assert 0.007 < sea / total < 0.013 and 0.015 < foreign / total < 0.025


def test_pass_two_answers_alike_from_a_kept_batch_a_rebuilt_one_and_no_batch(tmp_path):
    """Pass 2 of a folder, in this process: pending points answered by the batch index pass 1
    kept, by one built again (the worker running the task did not run the batch), and with no
    batch at all (a county with villages but no plantings file) give the grid engine's counts."""
    from collections import Counter

    from greening.coverage.engines import batches as worker
    from greening.coverage.engines.cluster import _batches

    folder = tmp_path / "national"
    write_national(folder, n_villages=720, n_counties=4, n_points=30_000, say=lambda m: None)
    expected, outside = _grid_counts(folder)
    parts = _batches(plantings_files(folder), 2)
    assert len(parts) >= 2
    first = [worker.count_batch(str(folder), counties, files) for counties, files in parts]
    total = Counter()
    got_outside = 0
    for codes, counts, out, _left, _where in first:
        total.update(dict(zip(codes.tolist(), counts.tolist(), strict=True)))
        got_outside += out
    pass1 = (Counter(total), got_outside)
    for how in ("kept", "rebuilt", "no batch"):
        total, got_outside = Counter(pass1[0]), pass1[1]
        if how == "rebuilt":
            worker._BATCHES.items.clear()
        groups = [(None if how == "no batch" else counties, left[0], left[1], left[2])
                  for (counties, _files), (*_, left, _where) in zip(parts, first, strict=True)]
        assert sum(len(g[1]) for g in groups) > 0  # points claimed for another county
        codes, counts, out = worker.count_pending(str(folder), groups)
        total.update(dict(zip(codes.tolist(), counts.tolist(), strict=True)))
        got_outside += out
        assert {k: v for k, v in total.items() if v} == {k: v for k, v in expected.items() if v}, how
        assert got_outside == outside, how
