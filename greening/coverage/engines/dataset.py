"""A GeoParquet folder of villages and plantings, partitioned by county: what the dask engine
reads (``python -m greening export geoparquet --out DIR`` writes one from the database; the
national benchmark writes a synthetic one)::

    DIR/villages/county=440823/part-0.parquet     code, name, geometry (WKB polygons)
    DIR/plantings/county=440823/part-00000.parquet id, claimed_village_code, ..., geometry
    DIR/counties.parquet                           county, geometry (the county hulls)
    DIR/manifest.json                              what was written, row counts

Plantings go under the county they were *claimed* for (the first 6 digits of
``claimed_village_code``); those without a claimed code under ``county=000000``. Their points
use GeoParquet 1.1's native ``point`` encoding (a struct of x and y), so a worker reads the
coordinates as plain arrays, without building a shapely Point per row (at 10^8 points that alone
would take minutes); any GeoParquet reader (geopandas, DuckDB, SedonaDB) reads the files.
County hulls are :func:`~greening.coverage.engines.partition.county_hull` of each county's
villages, computed once here instead of on every run.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:  # geopandas only where frames are written; workers read with pyarrow
    import geopandas as gpd

__all__ = ["write_villages", "write_plantings", "write_manifest", "plantings_files",
           "read_points", "read_points_ahead", "read_county_villages", "read_hulls", "UNCLAIMED"]

UNCLAIMED = "000000"


def _county_dir(folder: Path, table: str, county: str) -> Path:
    return Path(folder) / table / f"county={county}"


def write_villages(folder, villages: gpd.GeoDataFrame, *,
                   hulls: gpd.GeoDataFrame | None | bool = None) -> int:
    """Write ``villages`` (``code``, optional ``name``, geometry in WGS 84) by county, and the
    county hulls (computed from the villages unless given as ``county``, geometry; ``False``:
    not written, the caller writes them)."""
    import geopandas as gpd

    from greening.coverage.engines.partition import county_hulls

    folder = Path(folder)
    v = villages.to_crs(4326) if villages.crs is not None and villages.crs.to_epsg() != 4326 else villages
    v = v.assign(code=v["code"].astype(str))
    if "name" not in v:
        v = v.assign(name=v["code"])
    v = gpd.GeoDataFrame(v[["code", "name"]], geometry=v.geometry.to_numpy(), crs=4326)
    counties = v["code"].str.slice(0, 6)
    for county, part in v.groupby(counties, sort=True):
        out = _county_dir(folder, "villages", str(county))
        out.mkdir(parents=True, exist_ok=True)
        part.sort_values("code").reset_index(drop=True).to_parquet(out / "part-0.parquet")
    if hulls is False:
        return len(v)
    if hulls is None or hulls is True:
        codes, geoms = county_hulls(v["code"].to_numpy(), v.geometry.to_numpy())
        hulls = gpd.GeoDataFrame({"county": codes}, geometry=geoms, crs=4326)
    if not isinstance(hulls, bool):
        hulls.to_parquet(folder / "counties.parquet")
    return len(v)


def _dictionary(frame) -> list[str]:
    """The columns written with dictionary encoding: all but the points. Coordinates are all
    different, so a dictionary only adds its indices (about 9.5 bytes a value instead of 8) and a
    lookup per value to every reader: plain encoding makes the files a fifth smaller and their
    decoding about a quarter cheaper."""
    return [str(c) for c in frame.columns if c != "geometry"]


def write_plantings(folder, plantings: pd.DataFrame, *, part: int = 0) -> int:
    """Write one chunk of plantings (``claimed_village_code``, ``lon``, ``lat`` and any other
    columns) by claimed county, as ``part-{part:05d}.parquet`` in each county folder."""
    import geopandas as gpd

    folder = Path(folder)
    p = plantings.reset_index(drop=True)
    claimed = p["claimed_village_code"].astype("string")
    county = claimed.str.slice(0, 6).fillna(UNCLAIMED).to_numpy(dtype=object)
    geometry = gpd.points_from_xy(p["lon"].to_numpy(float), p["lat"].to_numpy(float), crs=4326)
    frame = gpd.GeoDataFrame(p.drop(columns=["lon", "lat"]), geometry=geometry, crs=4326)
    for c, at in pd.Series(county).groupby(county, sort=True).indices.items():
        out = _county_dir(folder, "plantings", str(c))
        out.mkdir(parents=True, exist_ok=True)
        frame.iloc[at].reset_index(drop=True).to_parquet(out / f"part-{part:05d}.parquet",
                                                         geometry_encoding="geoarrow",
                                                         use_dictionary=_dictionary(frame))
    return len(p)


def write_points(folder, county: str, lon: np.ndarray, lat: np.ndarray, claimed, *,
                 part: int = 0) -> None:
    """Write points claimed for one county straight from arrays (the national generator: no
    shapely objects, no DataFrame), in the same layout and encoding as :func:`write_plantings`."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    geo = {"version": "1.1.0", "primary_column": "geometry",
           "columns": {"geometry": {"encoding": "point", "geometry_types": ["Point"],
                                    "crs": None}}}
    point = pa.StructArray.from_arrays([pa.array(lon, pa.float64()), pa.array(lat, pa.float64())],
                                       fields=[pa.field("x", pa.float64(), nullable=False),
                                               pa.field("y", pa.float64(), nullable=False)])
    if not isinstance(claimed, pa.Array):  # a dictionary array may come ready-made
        claimed = pa.array(claimed, pa.string()).dictionary_encode()
    table = pa.table({"claimed_village_code": claimed, "geometry": point})
    table = table.replace_schema_metadata({b"geo": json.dumps(geo).encode()})
    out = _county_dir(Path(folder), "plantings", county)
    out.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, out / f"part-{part:05d}.parquet",
                   use_dictionary=["claimed_village_code"])


def write_manifest(folder, **figures) -> None:
    (Path(folder) / "manifest.json").write_text(json.dumps(figures, indent=1, default=str),
                                                encoding="utf-8")


def _read(path, columns):
    """One Parquet file, read directly (a tenth of ``pq.read_table``'s cost on small files: no
    dataset discovery, no thread pool). An opened file, not a path, skips resolving a
    filesystem, and ``pre_buffer=False`` reads in the calling thread instead of handing every
    read to Arrow's I/O threads and waiting for them: together about a third less CPU on files
    of a few thousand points, and no waiting on a busy machine."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    with pa.OSFile(str(path)) as f:
        return pq.ParquetFile(f, pre_buffer=False).read(columns=columns, use_threads=False)


def plantings_files(folder) -> list[str]:
    """Every plantings file of the folder, county by county."""
    return sorted(str(p) for p in (Path(folder) / "plantings").glob("county=*/*.parquet"))


def read_points(path) -> tuple[str, np.ndarray, np.ndarray]:
    """(claimed county, lon, lat) of one plantings file; native points are read as arrays."""
    import shapely

    county = Path(path).parent.name.split("=", 1)[1]
    county = "" if county == UNCLAIMED else county
    column = _read(path, ["geometry"]).column(0)
    # one chunk (a file read at once): its arrays as they are, without concatenating a copy
    column = column.chunk(0) if column.num_chunks == 1 else column.combine_chunks()
    if getattr(column.type, "num_fields", 0):  # point encoding
        x = column.field("x").to_numpy(zero_copy_only=False)
        y = column.field("y").to_numpy(zero_copy_only=False)
    else:  # WKB written by another tool
        pts = shapely.from_wkb(column.to_numpy(zero_copy_only=False))
        x, y = shapely.get_x(pts), shapely.get_y(pts)
    return county, np.ascontiguousarray(x, dtype=float), np.ascontiguousarray(y, dtype=float)


def read_points_ahead(paths, ahead: int = 4, threads: int = 2):
    """:func:`read_points` of every path, in order, up to ``ahead`` files ahead on ``threads``
    background threads (Parquet decoding releases the GIL): whatever the caller does with one
    file's points overlaps the reading of the next ones. Each file's arrays are its own (never
    reused); at most ``ahead`` files are held besides the one handed out."""
    from collections import deque
    from concurrent.futures import ThreadPoolExecutor

    paths = list(paths)
    with ThreadPoolExecutor(threads) as pool:
        queue = deque(pool.submit(read_points, p) for p in paths[:ahead])
        for p in paths[ahead:]:
            done = queue.popleft().result()
            queue.append(pool.submit(read_points, p))
            yield done
        while queue:
            yield queue.popleft().result()


def read_county_villages(folder, county: str) -> tuple[list[str], list]:
    """(codes, polygons) of one county's villages; empty if the county has none."""
    import shapely

    files = sorted(_county_dir(Path(folder), "villages", county).glob("*.parquet"))
    codes, geoms = [], []
    for f in files:
        t = _read(f, ["code", "geometry"])
        codes.extend(t.column("code").to_pylist())
        geoms.extend(shapely.from_wkb(t.column("geometry").to_numpy(zero_copy_only=False)))
    return codes, geoms


def read_hulls(folder) -> tuple[list[str], np.ndarray]:
    import shapely

    t = _read(Path(folder) / "counties.parquet", ["county", "geometry"])
    return t.column("county").to_pylist(), shapely.from_wkb(
        t.column("geometry").to_numpy(zero_copy_only=False))
