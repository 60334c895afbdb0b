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

from greening.coverage.engines.batches import count_batch, count_pending
from greening.coverage.engines.layer import VillageLayer
from greening.coverage.engines.partition import (
    InlineVillages,
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
# Rows come back as numbers only (no Python string per point): ``at`` is the village's position
# in the layer (-1: none yet), ``low`` the lowest holding county's position in the county index
# (-1: none) for pending rows.
_META = pd.DataFrame({"row": pd.Series([], dtype="int64"), "at": pd.Series([], dtype="int32"),
                      "pending": pd.Series([], dtype=bool), "low": pd.Series([], dtype="int32"),
                      "x": pd.Series([], dtype=float), "y": pd.Series([], dtype=float)})


def _layer_positions(source, codes) -> np.ndarray:
    """Positions in the layer (its codes are sorted) of village ``codes``."""
    return np.searchsorted(source.layer_codes, np.asarray(codes, dtype=object).astype(str)) \
        .astype(np.int32)


def _pass1_frame(part, source) -> pd.DataFrame:
    """Pass 1 on one dask-geopandas partition (rows of a few claimed counties, consecutive in
    code order): one index over the villages of every county claimed in it, with a raster grid
    sized for its points when they are many, as a task of the file path does."""
    from greening.coverage.engines.partition import batch_grid, settle

    if not len(part):
        return _META.copy()
    x, y = part.geometry.x.to_numpy(), part.geometry.y.to_numpy()
    claimed = sorted({c for c in pd.unique(part["county"]).tolist() if c})
    index = source.villages(claimed) if claimed else None
    if index is not None:
        batch_grid(index, len(x))
    pos, pending, low = settle(source.counties(), index, x, y)
    at = np.full(len(x), -1, dtype=np.int32)
    if index is not None:
        at[pos >= 0] = _layer_positions(source, index.codes)[pos[pos >= 0]]
    return pd.DataFrame({"row": part["row"].to_numpy(), "at": at, "pending": pending,
                         "low": np.where(pending, low, -1).astype(np.int32), "x": x, "y": y})


def _pass2_frame(part, source) -> pd.DataFrame:
    """Pass 2 on pending rows: one join with the villages of every county whose hull holds them."""
    from greening.coverage.engines.partition import second_pass_many

    if not len(part):
        return _META[["row", "at"]].copy()
    codes = second_pass_many(source, part["x"].to_numpy(), part["y"].to_numpy())
    at = np.full(len(codes), -1, dtype=np.int32)
    hit = codes != None  # noqa: E711 - object array
    at[hit] = _layer_positions(source, codes[hit])
    return pd.DataFrame({"row": part["row"].to_numpy(), "at": at})


def _partitions(n_groups: int, n_rows: int) -> int:
    """Partitions for ``n_rows`` points of ``n_groups`` counties: whole batches of about 100,000
    points or more (enough to pay for a raster grid over their counties), at most 8."""
    return max(1, min(n_groups, 8, n_rows // 100_000))


def _claimed_counties(claimed, known: set) -> np.ndarray:
    """The claimed county of each point ("" when unknown), one string operation per distinct
    claimed code rather than per point."""
    keys, uniques = pd.factorize(pd.Series(claimed, dtype=object), use_na_sentinel=True)
    county = np.array([str(c)[:6] if isinstance(c, str) and str(c)[:6] in known else ""
                       for c in uniques] + [""], dtype=object)
    return county[keys]  # the sentinel -1 picks the trailing ""


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
    if claimed is None:
        county = np.full(len(x), "", dtype=object)
    else:
        county = _claimed_counties(claimed, set(source.by_county))
    order = np.argsort(county.astype(str), kind="stable")  # partitions of consecutive counties
    frame = gpd.GeoDataFrame({"row": order.astype(np.int64), "county": county[order]},
                             geometry=gpd.points_from_xy(x[order], y[order]), crs=4326)
    with dask_client(address) as client:  # noqa: F841 - the client runs what compute() sends
        src = dask.delayed(source, name=f"villages-{source.token}")
        parts = _partitions(len(pd.unique(county)), len(frame))
        first = dask_geopandas.from_geopandas(frame, npartitions=parts) \
            .map_partitions(_pass1_frame, src, meta=_META).compute()
        pend = first["pending"].to_numpy(dtype=bool)
        out = np.full(len(x), -1, dtype=np.int32)
        out[first["row"].to_numpy()[~pend]] = first["at"].to_numpy()[~pend]
        if pend.any():
            todo = first.loc[pend, ["row", "low", "x", "y"]]
            todo = todo.iloc[np.argsort(todo["low"].to_numpy(), kind="stable")] \
                .reset_index(drop=True)
            ddf = dd.from_pandas(
                todo, npartitions=_partitions(todo["low"].nunique(), len(todo)))
            second = ddf.map_partitions(_pass2_frame, src, meta=_META[["row", "at"]]).compute()
            out[second["row"].to_numpy()] = second["at"].to_numpy()
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


def _pass2_tasks(groups: list, n_tasks: int) -> list[list]:
    """Pass-2 groups (one per batch) of one worker split into about ``n_tasks`` tasks of similar
    point counts, batches kept whole."""
    total = sum(len(g[1]) for g in groups)
    out: list[list] = [[]]
    size = 0
    for g in groups:
        if out[-1] and size >= total / n_tasks * len(out):
            out.append([])
        out[-1].append(g)
        size += len(g[1])
    return [t for t in out if t]


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
        first = {client.submit(count_batch, folder, counties, part, pure=False): i
                 for i, (counties, part) in enumerate(batches)}
        parts_codes, parts_counts = [], []
        pending: dict[int, tuple] = {}
        outside = 0
        owner: dict[int, str | None] = {}  # batch -> the worker that keeps its index
        for future, (codes, counts, out, left, where) in _as_completed(client, list(first)):
            parts_codes.append(codes)
            parts_counts.append(counts)
            outside += out
            owner[first[future]] = where
            if len(left[0]):
                pending[first[future]] = left
        t1 = time.perf_counter()
        figures["pass1_s"] = t1 - t0
        figures["pending"] = sum(len(p[0]) for p in pending.values())
        futures = []
        if pending:
            # pending points go to the batch of their lowest county (a position in the county
            # index, which orders the hulls by code), on the worker that ran that batch
            hull_codes = sorted(read_hulls(folder)[0])
            batch_of = {c: i for i, (counties, _) in enumerate(batches) for c in counties}
            where = np.array([batch_of.get(c, -1) for c in hull_codes], dtype=np.int64)
            low = np.concatenate([p[0] for p in pending.values()])
            px = np.concatenate([p[1] for p in pending.values()])
            py = np.concatenate([p[2] for p in pending.values()])
            del pending
            target = where[low]
            order = np.argsort(target, kind="stable")
            cuts = np.flatnonzero(np.diff(target[order])) + 1
            by_worker: dict[str, list] = {}
            for at in np.split(order, cuts):
                b = int(target[at[0]])
                counties = batches[b][0] if b >= 0 else None
                by_worker.setdefault((owner.get(b) or "") if b >= 0 else "", []).append(
                    (counties, low[at], px[at], py[at]))
            for addr, groups in sorted(by_worker.items()):
                for task in _pass2_tasks(groups, 2):
                    futures.append(client.submit(
                        count_pending, folder, task, pure=False,
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
