"""``export geoparquet``: villages and plantings partitioned by county, read back by geopandas and
counted by the dask engine from the folder itself (both backends)."""
from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
from sqlalchemy import func, select

from greening.config import override_settings
from greening.coverage.engines import count_per_village
from greening.coverage.engines.dataset import plantings_files, read_points
from greening.models import Planting


@pytest.fixture(scope="module")
def exported(demo_engine, tmp_path_factory):
    from greening.cli import main

    out = tmp_path_factory.mktemp("gpq") / "national"
    url = demo_engine.url.render_as_string(hide_password=False)
    with override_settings(database_url=url):
        assert main(["export", "geoparquet", "--out", str(out)]) == 0
    return out


def test_folder_is_partitioned_by_claimed_county_and_readable_by_geopandas(exported, demo_engine):
    with demo_engine.connect() as conn:
        n = conn.scalar(select(func.count()).select_from(Planting).where(Planting.deleted_at.is_(None)))
    plantings = gpd.read_parquet(exported / "plantings")
    assert len(plantings) == n and plantings.crs.to_epsg() == 4326
    for f in plantings_files(exported):
        county = f.split("county=")[1][:6]
        part = gpd.read_parquet(f)
        assert part["claimed_village_code"].str.startswith(county).all()
        assert set(part.geometry.geom_type) == {"Point"}
    villages = gpd.read_parquet(exported / "villages")
    assert villages["code"].is_unique and len(villages) > 1000
    counties = gpd.read_parquet(exported / "counties.parquet")
    assert sorted(counties["county"]) == sorted(villages["code"].str.slice(0, 6).unique())


def test_dask_engine_counts_the_folder_as_the_grid_engine_counts_the_points(exported, dask_client):
    from greening.coverage.engines.cluster import count_dataset

    villages = gpd.read_parquet(exported / "villages")
    xs, ys = [], []
    for f in plantings_files(exported):
        _county, x, y = read_points(f)
        xs.append(x)
        ys.append(y)
    counts, outside = count_per_village(np.concatenate(xs), np.concatenate(ys), villages, "grid")
    got, got_outside, figures = count_dataset(exported)
    order = villages.sort_values("code")["code"].to_numpy()
    assert got.reindex(order, fill_value=0).to_numpy().tolist() == counts.tolist()
    assert got_outside == outside
    assert figures["files"] == len(plantings_files(exported))


def test_export_refuses_a_folder_that_is_not_empty(exported, demo_engine, capsys):
    from greening.cli import main

    url = demo_engine.url.render_as_string(hide_password=False)
    with override_settings(database_url=url):
        assert main(["export", "geoparquet", "--out", str(exported)]) == 2
    assert "不是空的" in capsys.readouterr().err


def test_points_are_written_plain_and_the_other_columns_with_a_dictionary(exported, tmp_path):
    # every coordinate is different: a dictionary would only add indices and a lookup per value
    import pandas as pd
    import pyarrow.parquet as pq

    from greening.coverage.engines.dataset import write_plantings, write_points

    write_points(tmp_path, "440823", np.array([110.1, 110.2]), np.array([21.1, 21.2]),
                 ["440823101001", None])
    frame = pd.DataFrame({"claimed_village_code": ["440823101001"], "lon": [110.3], "lat": [21.3]})
    write_plantings(tmp_path / "b", frame)
    files = [*plantings_files(tmp_path), *plantings_files(tmp_path / "b"), *plantings_files(exported)[:3]]
    assert len(files) >= 3
    for f in files:
        meta = pq.ParquetFile(f).metadata.row_group(0)
        encodings = {meta.column(i).path_in_schema: meta.column(i).encodings
                     for i in range(meta.num_columns)}
        for path in ("geometry.x", "geometry.y"):
            assert "RLE_DICTIONARY" not in encodings[path] and "PLAIN" in encodings[path], f
        assert "RLE_DICTIONARY" in encodings["claimed_village_code"], f
    _, x, y = read_points(plantings_files(tmp_path)[0])
    assert x.tolist() == [110.1, 110.2] and y.tolist() == [21.1, 21.2]
