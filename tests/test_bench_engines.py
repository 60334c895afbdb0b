"""The engines benchmark's data: a small national-style folder (counties, villages clipped to
them, points claimed across county borders and in the sea) counted by the dask engine exactly as
the grid engine counts it. No timing asserts."""
from __future__ import annotations

import json

import numpy as np

from bench.engine_data import write_city_or_province, write_national
from greening.coverage.engines.cluster import count_dataset
from greening.coverage.engines.dataset import plantings_files, read_county_villages, read_points
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
