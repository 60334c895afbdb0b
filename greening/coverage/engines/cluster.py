"""The ``dask`` engine: dask-geopandas partitions on a ``distributed`` cluster.

Cluster: ``GREENING_DASK_SCHEDULER`` (e.g. ``tcp://10.0.0.5:8786``) uses a running cluster;
unset, a :class:`distributed.LocalCluster` of 2 single-threaded worker processes is started for
the run and stopped after it. A client already active in this process (a test's, a notebook's)
is used as it is.

Two ways in, one method (:mod:`.partition`):

- :func:`positions`: points held by the caller (an import, a recomputation). They become a
  dask-geopandas frame partitioned by the county they were claimed for; the villages travel to
  each worker once, as one task result, grouped by county.
- :func:`count_dataset`: a GeoParquet folder written by :mod:`.dataset` (``python -m greening
  export geoparquet``, or the national benchmark). Each task reads a batch of whole counties'
  plantings files (about :data:`BATCH_BYTES`, consecutive county codes) and those counties'
  villages itself, and joins them through one index with its raster grid; the client only
  sends file names and receives counts and the few points left for pass 2. This is what runs on a multi-machine cluster: the workers
  need the same folder at the same path (shared storage).
"""
from __future__ import annotations

import contextlib
import sys
import types
import uuid
from pathlib import Path

import numpy as np
import pandas as pd

from greening.coverage.engines.layer import VillageLayer
from greening.coverage.engines.partition import (
    DatasetVillages,
    InlineVillages,
    first_pass,
    second_pass,
)
from greening.validation.errors import Refusal

__all__ = ["dask_client", "local_cluster", "WORKER_CONFIG", "positions", "count_dataset"]


@contextlib.contextmanager
def dask_client(address: str | None = None, *, n_workers: int = 2,
                memory_limit: str | float = "auto"):
    """A ``distributed.Client``: the active one, else ``address`` or ``GREENING_DASK_SCHEDULER``,
    else a LocalCluster started here (``n_workers`` processes, one thread each) and closed after."""
    from distributed import Client, get_client

    if address is None:
        try:
            client = get_client()
        except ValueError:
            client = None
        if client is not None:
            yield client
            return
        from greening.config import get_settings

        address = get_settings().dask_scheduler
    if address:
        try:
            client = Client(address, timeout="10s")
        except OSError as exc:
            raise Refusal.of("dask_unreachable", address=address, reason=str(exc)) from None
        with client:
            yield client
        return
    with local_cluster(n_workers, memory_limit) as cluster, Client(cluster) as client:
        yield client


#: Worker settings of the clusters started here. ``distributed`` spawns its workers with
#: ``MALLOC_TRIM_THRESHOLD_=65536``: setting it turns off glibc's dynamic mmap threshold, so
#: every array above 128 KB is a fresh ``mmap`` whose pages are faulted in and zeroed again
#: (measured on a batch of 3.2 million points: 10 times the page faults and a third more CPU
#: time for the same join). The workers' own sampling profiler (every 10 ms, for the dashboard)
#: is off too: nobody looks at it here, and it costs CPU time on a busy machine.
WORKER_CONFIG = {"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None,
                 "distributed.worker.profile.enabled": False}


def local_cluster(n_workers: int = 2, memory_limit: str | float = "auto"):
    """A :class:`distributed.LocalCluster` of ``n_workers`` single-threaded worker processes,
    started with :data:`WORKER_CONFIG` (the nannies pass it on to the processes they spawn)."""
    import dask
    from distributed import LocalCluster

    with _workers_skip_main(), dask.config.set(WORKER_CONFIG):
        return LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                            dashboard_address=None, memory_limit=memory_limit)


@contextlib.contextmanager
def _workers_skip_main():
    """Start worker processes without re-running the parent's ``__main__``.

    Worker processes are spawned, and a spawned process first runs the parent's ``__main__``
    file again. Under Streamlit (and its AppTest) ``__main__`` is the page script, which must
    never run inside a worker (it fails there, or worse, draws a page). The workers need nothing
    from ``__main__``: task functions travel by value. So while the cluster starts, ``__main__``
    is a bare module with no file.
    """
    main = sys.modules.get("__main__")
    if main is None or getattr(main, "__file__", None) is None:
        yield
        return
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        sys.modules["__main__"] = main


# -- points held by the caller --------------------------------------------------------------
_META = pd.DataFrame({"row": pd.Series([], dtype="int64"), "code": pd.Series([], dtype=object),
                      "pending": pd.Series([], dtype=bool), "lowest": pd.Series([], dtype=object),
                      "x": pd.Series([], dtype=float), "y": pd.Series([], dtype=float)})


def _pass1_frame(part, source) -> pd.DataFrame:
    """Pass 1 on one dask-geopandas partition (rows of one or a few claimed counties)."""
    out = []
    x_all, y_all = part.geometry.x.to_numpy(), part.geometry.y.to_numpy()
    for county, at in part.groupby("county", sort=False).indices.items():
        x, y = x_all[at], y_all[at]
        index, pos, pending, lowest = first_pass(source, county, x, y)
        codes = np.full(len(at), None, dtype=object)
        if index is not None:
            codes[pos >= 0] = index.codes[pos[pos >= 0]]
        out.append(pd.DataFrame({"row": part["row"].to_numpy()[at], "code": codes,
                                 "pending": pending, "lowest": lowest, "x": x, "y": y}))
    return pd.concat(out, ignore_index=True) if out else _META.copy()


def _pass2_frame(part, source) -> pd.DataFrame:
    out = []
    for county, at in part.groupby("lowest", sort=False).indices.items():
        codes = second_pass(source, county, part["x"].to_numpy()[at], part["y"].to_numpy()[at])
        out.append(pd.DataFrame({"row": part["row"].to_numpy()[at], "code": codes}))
    return pd.concat(out, ignore_index=True) if out else _META[["row", "code"]].copy()


def _partitions(n_groups: int, n_rows: int) -> int:
    return max(1, min(n_groups, 16, 1 + n_rows // 20_000))


def positions(layer: VillageLayer, x: np.ndarray, y: np.ndarray, *, claimed=None,
              address: str | None = None) -> np.ndarray:
    """Village positions (layer order, -1 in none) for points held in memory."""
    import dask
    import dask.dataframe as dd
    import dask_geopandas
    import geopandas as gpd

    source = layer.cache.get("dask_source")
    if source is None:
        source = layer.cache["dask_source"] = InlineVillages(layer.codes, layer.geoms,
                                                             token=uuid.uuid4().hex)
    known = set(source.by_county)
    if claimed is None:
        county = np.full(len(x), "", dtype=object)
    else:
        county = np.array([str(c)[:6] if isinstance(c, str) and str(c)[:6] in known else ""
                           for c in claimed], dtype=object)
    frame = gpd.GeoDataFrame({"row": np.arange(len(x), dtype=np.int64), "county": county},
                             geometry=gpd.points_from_xy(x, y), crs=4326)
    frame = frame.sort_values("county", kind="stable").reset_index(drop=True)
    with dask_client(address) as client:  # noqa: F841 - the client runs what compute() sends
        src = dask.delayed(source, name=f"villages-{source.token}")
        parts = _partitions(len(set(county.tolist())), len(frame))
        first = dask_geopandas.from_geopandas(frame, npartitions=parts) \
            .map_partitions(_pass1_frame, src, meta=_META).compute()
        pending = first[first["pending"].to_numpy(dtype=bool)]
        results = [first.loc[~first["pending"].to_numpy(dtype=bool), ["row", "code"]]]
        if len(pending):
            todo = pending.sort_values("lowest", kind="stable").reset_index(drop=True)
            ddf = dd.from_pandas(
                todo, npartitions=_partitions(todo["lowest"].nunique(), len(todo)))
            results.append(ddf.map_partitions(_pass2_frame, src,
                                              meta=_META[["row", "code"]]).compute())
    done = pd.concat(results, ignore_index=True)
    out = np.full(len(x), -1, dtype=np.int32)
    hit = done["code"].notna().to_numpy()
    at = pd.Index(layer.codes).get_indexer(done["code"].to_numpy()[hit])
    out[done["row"].to_numpy()[hit]] = at
    return out


# -- a GeoParquet folder ----------------------------------------------------------------------
#: A pass-1 task reads about this many bytes of plantings files (some 4 million points): enough
#: points to pay for the raster grid of its counties' villages, small next to a worker's memory.
BATCH_BYTES = 64 * 2**20


def _batches(files: list[str], n_workers: int) -> list[tuple[list[str], list[str]]]:
    """(counties, files) per pass-1 task: whole counties (every file of a county in one task),
    consecutive in code order (neighbours, mostly), about :data:`BATCH_BYTES` each and at least
    four tasks per worker."""
    import os

    from greening.coverage.engines.dataset import UNCLAIMED

    by_county: dict[str, list[str]] = {}
    for f in files:
        by_county.setdefault(Path(f).parent.name.split("=", 1)[1], []).append(f)
    sizes = {c: sum(os.path.getsize(f) for f in fs) for c, fs in by_county.items()}
    total = sum(sizes.values())
    target = max(1, min(BATCH_BYTES, total // max(4 * n_workers, 1)))
    out: list[tuple[list[str], list[str]]] = []
    counties: list[str] = []
    batch: list[str] = []
    size = 0
    for c in sorted(by_county):
        if batch and size + sizes[c] > target:
            out.append((counties, batch))
            counties, batch, size = [], [], 0
        if c != UNCLAIMED:
            counties.append(c)
        batch.extend(by_county[c])
        size += sizes[c]
    if batch:
        out.append((counties, batch))
    return out


def _count_batch(folder: str, counties: list[str], files: list[str]):
    """Pass 1 on a batch of plantings files (whole counties), read by the worker itself.

    Returns (codes, counts, outside, pending): points per village of the batch's counties (only
    villages with points), points in no village, and the pending points as arrays (lowest
    county position, x, y) for pass 2."""
    import shapely

    from greening.coverage.engines.dataset import read_points
    from greening.coverage.engines.partition import batch_grid, settle

    source = DatasetVillages(folder)
    xs, ys = [], []
    for f in files:
        _, x, y = read_points(f)
        xs.append(x)
        ys.append(y)
    x, y = np.concatenate(xs), np.concatenate(ys)
    del xs, ys
    index = source.build(counties) if counties else None
    if index is not None:
        batch_grid(index, len(x))
    pos, pending, low = settle(source.counties(), index, x, y)
    if index is not None:
        n = np.bincount(pos[pos >= 0], minlength=len(index.codes))
        hit = np.flatnonzero(n)
        codes, counts = index.codes[hit], n[hit]
    else:
        codes, counts = np.array([], dtype=object), np.array([], dtype=np.int64)
    outside = int(np.count_nonzero((pos < 0) & ~pending))
    if index is not None:  # the polygons stay (kept for pass 2), their prepared form need not
        shapely.destroy_prepared(index.geoms)
    return codes, counts, outside, (low[pending], x[pending], y[pending]), _worker_address()


def _worker_address() -> str | None:
    try:
        from distributed import get_worker

        return get_worker().address
    except ValueError:  # not on a worker
        return None


def _count_pending(folder: str, x: np.ndarray, y: np.ndarray):
    """Pass 2 on pending points (a range of lowest counties): (codes, counts, outside)."""
    from greening.coverage.engines.partition import second_pass_many

    codes = second_pass_many(DatasetVillages(folder), x, y)
    found = pd.Series(codes[codes != None]).value_counts()  # noqa: E711 - object array
    return found.index.to_numpy(dtype=object), found.to_numpy(), int(len(codes) - found.sum())


def _pass2_batches(low: np.ndarray, n_tasks: int) -> list[np.ndarray]:
    """Pending points (by position) split into about ``n_tasks`` ranges of whole lowest counties."""
    order = np.argsort(low, kind="stable")
    if not len(order):
        return []
    cuts = np.flatnonzero(np.diff(low[order])) + 1  # where a new county starts
    want = np.linspace(0, len(order), n_tasks + 1)[1:-1]
    at = np.unique(cuts[np.minimum(np.searchsorted(cuts, want), len(cuts) - 1)]) \
        if len(cuts) else np.array([], dtype=np.int64)
    return [part for part in np.split(order, at) if len(part)]


def count_dataset(folder, *, address: str | None = None, n_workers: int = 2,
                  memory_limit: str | float = "auto") -> tuple[pd.Series, int, dict]:
    """(points per village code, points in no village, figures) for the plantings of a
    GeoParquet folder; every task reads its own files (batches of whole counties), the client
    sends file names and receives counts and the few pending points for pass 2."""
    import time

    from greening.coverage.engines.dataset import plantings_files, read_hulls

    folder = str(Path(folder).resolve())
    files = plantings_files(folder)
    figures: dict = {"files": len(files)}
    with dask_client(address, n_workers=n_workers, memory_limit=memory_limit) as client:
        workers = max(1, len(client.scheduler_info().get("workers", {})) or n_workers)
        batches = _batches(files, workers)
        figures["tasks"] = len(batches)
        t0 = time.perf_counter()
        first = {client.submit(_count_batch, folder, counties, part, pure=False): counties
                 for counties, part in batches}
        parts_codes, parts_counts, pending = [], [], []
        outside = 0
        owner: dict[str, str | None] = {}  # county -> the worker that read its villages
        for future, (codes, counts, out, left, where) in _as_completed(client, list(first)):
            parts_codes.append(codes)
            parts_counts.append(counts)
            outside += out
            owner.update(dict.fromkeys(first[future], where))
            if len(left[0]):
                pending.append(left)
        t1 = time.perf_counter()
        figures["pass1_s"] = t1 - t0
        low = np.concatenate([p[0] for p in pending]) if pending else np.array([], np.int32)
        px = np.concatenate([p[1] for p in pending]) if pending else np.array([])
        py = np.concatenate([p[2] for p in pending]) if pending else np.array([])
        del pending
        figures["pending"] = len(low)
        futures = []
        if len(low):
            # pending counties are positions in the county index, which orders hulls by code
            hull_codes = sorted(read_hulls(folder)[0])
            where = np.array([owner.get(hull_codes[i]) or "" for i in range(len(hull_codes))],
                             dtype=object)[low]
            for addr in sorted(set(where.tolist())):
                mine = np.flatnonzero(where == addr)
                for at in _pass2_batches(low[mine], 2):
                    at = mine[at]
                    futures.append(client.submit(
                        _count_pending, folder, px[at], py[at], pure=False,
                        workers=[addr] if addr else None, allow_other_workers=True))
        figures["pass2_tasks"] = len(futures)
        for _future, (codes, counts, out) in _as_completed(client, futures):
            parts_codes.append(codes)
            parts_counts.append(counts)
            outside += out
        figures["pass2_s"] = time.perf_counter() - t1
    if parts_codes:
        all_codes = np.concatenate(parts_codes)
        all_counts = np.concatenate(parts_counts).astype(np.int64)
        total = pd.Series(all_counts, index=pd.Index(all_codes, dtype=object)).groupby(level=0).sum()
    else:
        total = pd.Series([], dtype="int64")
    return total.astype("int64").sort_index(), outside, figures


def _as_completed(client, futures):
    from distributed import as_completed

    for future, result in as_completed(futures, with_results=True):
        yield future, result
        future.release()
