"""The three coverage engines give the same village for every point (hypothesis).

Random village layers are built on a jittered lattice whose coordinates are multiples of 1/16,
so shared borders and shared vertices are exact, and so are the midpoints of edges: villages are
unions of lattice cells (several parts when the cells do not touch, holes when they surround a
cell), with islands cut out of cells (a hole holding a village, or a village in the sea) and
sometimes an extra village overlapping others. Points sit on lattice vertices, on edge midpoints,
inside cells, on the islands' corners and far outside. The ``geopandas`` engine (sjoin) is the
reference; ``grid`` is checked with and without its raster grid; ``dask`` runs on a LocalCluster
of 2 workers (the ``dask_client`` fixture).
"""
from __future__ import annotations

import uuid

import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from greening.coverage.engines import (
    ENGINES,
    VillageLayer,
    assign_villages,
    count_per_village,
    resolve_engine,
    village_positions,
)
from greening.coverage.engines.partition import CountyIndex, county_hulls
from greening.coverage.index import VillageIndex

X0, Y0 = 110.0, 21.0
COUNTIES = ("440801", "440802", "440803")


@st.composite
def layouts(draw):
    """(layer, lons, lats, claimed) of one random village layout and its test points."""
    nx = draw(st.integers(2, 5))
    ny = draw(st.integers(2, 4))
    jitter = st.integers(-3, 3).map(lambda k: k / 16)
    vx = np.array([[i + (draw(jitter) if 0 < i < nx else 0) for i in range(nx + 1)]
                   for _ in range(ny + 1)], dtype=float) + X0
    vy = np.array([[j + (draw(jitter) if 0 < j < ny else 0) for _ in range(nx + 1)]
                   for j in range(ny + 1)], dtype=float) + Y0
    n_villages = draw(st.integers(1, 6))
    labels = draw(st.lists(st.integers(-1, n_villages - 1), min_size=nx * ny, max_size=nx * ny))
    cells = {}
    for j in range(ny):
        for i in range(nx):
            ring = [(vx[j, i], vy[j, i]), (vx[j, i + 1], vy[j, i + 1]),
                    (vx[j + 1, i + 1], vy[j + 1, i + 1]), (vx[j + 1, i], vy[j + 1, i])]
            cells[(i, j)] = shapely.Polygon(ring)
    parts: dict[int, list] = {}
    for (i, j), label in zip(cells, labels, strict=True):
        if label >= 0:
            parts.setdefault(label, []).append(cells[(i, j)])
    geoms = {label: shapely.union_all(p) for label, p in parts.items()}
    extra_points = []
    # Islands: a diamond around a cell's lattice corner + (1/2, 1/2), cut out of what holds it.
    for _ in range(draw(st.integers(0, 2))):
        i, j = draw(st.integers(0, nx - 1)), draw(st.integers(0, ny - 1))
        cx, cy = X0 + i + 0.5, Y0 + j + 0.5
        r = 0.125
        diamond = shapely.Polygon([(cx - r, cy), (cx, cy - r), (cx + r, cy), (cx, cy + r)])
        if not all(shapely.contains(cells[(i, j)], diamond) for _ in [0]):
            continue
        for label in list(geoms):
            if shapely.intersects(geoms[label], diamond) and draw(st.booleans()):
                geoms[label] = shapely.difference(geoms[label], diamond)
        geoms[max(geoms, default=-1) + 1 + n_villages] = diamond
        extra_points += list(shapely.get_coordinates(diamond)) + [(cx, cy), (cx - r / 2, cy)]
    if draw(st.booleans()):  # a village overlapping others (the border rule decides)
        tri = [(X0 + draw(st.integers(0, 8 * nx)) / 8, Y0 + draw(st.integers(0, 8 * ny)) / 8)
               for _ in range(3)]
        triangle = shapely.Polygon(tri)
        if triangle.is_valid and triangle.area > 0:
            geoms[10 + 2 * n_villages] = triangle
            extra_points += tri
    geoms = {k: g for k, g in geoms.items() if not g.is_empty and g.area > 0}
    if not geoms:
        geoms = {0: cells[(0, 0)]}
    keys = sorted(geoms)
    county = [draw(st.sampled_from(COUNTIES)) for _ in keys]
    codes = [f"{c}101{200 + n:03d}" for n, c in enumerate(county)]
    layer = VillageLayer(codes, [geoms[k] for k in keys])
    # Points: lattice vertices, edge midpoints, cell insides, islands, random and far away.
    px = list(vx.ravel()) + list(((vx[:, 1:] + vx[:, :-1]) / 2).ravel()) \
        + list(((vx[1:, :] + vx[:-1, :]) / 2).ravel())
    py = list(vy.ravel()) + list(((vy[:, 1:] + vy[:, :-1]) / 2).ravel()) \
        + list(((vy[1:, :] + vy[:-1, :]) / 2).ravel())
    for x, y in extra_points:
        px.append(x)
        py.append(y)
    for _ in range(draw(st.integers(0, 30))):
        px.append(X0 + draw(st.integers(-16, 16 * nx + 16)) / 16)
        py.append(Y0 + draw(st.integers(-16, 16 * ny + 16)) / 16)
    px += [X0 - 50, X0 + 200, float("nan")]
    py += [Y0 - 50, Y0 + 0.5, Y0]
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    claimed = np.array([codes[k] if k < len(codes) else None
                        for k in rng.integers(0, len(codes) + 1, len(px))], dtype=object)
    return layer, np.array(px, dtype=float), np.array(py, dtype=float), claimed


def _reference(layer, x, y):
    return village_positions(x, y, layer, "geopandas")


def _brute_force(layer, x, y):
    """The border rule spelled out: the first (lowest-coded) village that covers the point."""
    out = np.full(len(x), -1, dtype=np.int32)
    for k in range(len(x)):
        for pos, geom in enumerate(layer.geoms):
            if shapely.intersects_xy(geom, x[k], y[k]):
                out[k] = pos
                break
    return out


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(layouts())
def test_geopandas_and_grid_agree_with_the_border_rule_point_for_point(case):
    layer, x, y, _claimed = case
    truth = _brute_force(layer, x, y)
    np.testing.assert_array_equal(_reference(layer, x, y), truth)
    fresh = VillageLayer(layer.codes, layer.geoms)
    np.testing.assert_array_equal(village_positions(x, y, fresh, "grid", use_grid=False), truth)
    np.testing.assert_array_equal(village_positions(x, y, fresh, "grid", use_grid=True), truth)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(layouts())
def test_county_passes_give_the_border_rule_without_a_cluster(case):
    """The dask engine's two passes (run here in-process, as each worker runs them)."""
    from greening.coverage.engines.partition import InlineVillages, first_pass, second_pass

    layer, x, y, claimed = case
    truth = _brute_force(layer, x, y)
    source = InlineVillages(layer.codes, layer.geoms, token=uuid.uuid4().hex)
    got = np.full(len(x), None, dtype=object)
    for county in {("" if c is None else c[:6]) for c in claimed}:
        at = np.flatnonzero([("" if c is None else c[:6]) == county for c in claimed])
        index, pos, pending, lowest = first_pass(source, county, x[at], y[at])
        for k, a in enumerate(at):
            if not pending[k] and pos[k] >= 0:
                got[a] = index.codes[pos[k]]
            elif pending[k]:
                got[a] = second_pass(source, lowest[k], x[a:a + 1], y[a:a + 1])[0]
    expected = np.array([layer.codes[p] if p >= 0 else None for p in truth], dtype=object)
    assert got.tolist() == expected.tolist()


@settings(max_examples=30, deadline=None)
@given(layouts())
def test_county_hulls_hold_every_village_point(case):
    layer, _x, _y, _ = case
    codes, hulls = county_hulls(layer.codes, layer.geoms)
    index = CountyIndex(codes, hulls)
    for code, geom in zip(layer.codes, layer.geoms, strict=True):
        pts = shapely.get_coordinates(geom)
        low = index.lowest(pts[:, 0], pts[:, 1])
        assert (low >= 0).all()
        assert all(index.codes[p] <= code[:6] for p in low)


@settings(max_examples=6, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(case=layouts())
def test_dask_engine_agrees_with_geopandas_on_a_two_worker_cluster(dask_client, case):
    layer, x, y, claimed = case
    expected = _reference(layer, x, y)
    np.testing.assert_array_equal(village_positions(x, y, layer, "dask", claimed=claimed), expected)
    np.testing.assert_array_equal(village_positions(x, y, layer, "dask"), expected)


def test_dask_engine_on_the_demo_villages_of_each_database(dask_client, demo_engine):
    """The demo campaign's villages as each database returns them: every vertex, points just
    inside and outside, and random points; all three engines agree."""
    from greening.coverage.join import village_index

    with demo_engine.connect() as conn:
        index = village_index(conn)
    rng = np.random.default_rng(7)
    pts = shapely.get_coordinates(index.geoms)[::7]
    jitter = rng.normal(0, 1e-4, pts.shape)
    x0, y0, x1, y1 = shapely.total_bounds(index.geoms)
    rand = np.column_stack([rng.uniform(x0, x1, 3000), rng.uniform(y0, y1, 3000)])
    xy = np.vstack([pts, pts + jitter, rand])
    x, y = xy[:, 0], xy[:, 1]
    claimed = index.codes[rng.integers(0, len(index.codes), len(x))]
    expected = assign_villages(x, y, index, "geopandas")
    assert (assign_villages(x, y, index, "grid") == expected).all()
    assert (assign_villages(x, y, index, "dask", claimed=claimed) == expected).all()
    assert sum(e is None for e in expected) > 0  # some points are in no village
    counts, outside = count_per_village(x, y, index, "grid")
    counts_d, outside_d = count_per_village(x, y, index, "dask", claimed=claimed)
    np.testing.assert_array_equal(counts, counts_d)
    assert outside == outside_d == sum(e is None for e in expected)


def test_engine_names_come_from_settings_and_unknown_ones_are_refused():
    from greening.config import override_settings

    assert resolve_engine() == "grid"
    with override_settings(coverage_engine="geopandas"):
        assert resolve_engine() == "geopandas"
    assert resolve_engine("DASK") == "dask"
    with pytest.raises(ValueError, match="未知的空间连接引擎.*unknown coverage engine 'spark'"):
        resolve_engine("spark")
    assert ENGINES == ("grid", "geopandas", "dask")


@settings(max_examples=20, deadline=None)
@given(layouts())
def test_grid_engine_is_the_village_index_unchanged(case):
    layer, x, y, _ = case
    index = VillageIndex(layer.codes, layer.geoms)
    assert (assign_villages(x, y, index, "grid") == index.locate_many(x, y)).all()


def test_workers_of_a_local_cluster_keep_glibc_s_own_memory_thresholds(dask_client):
    """distributed spawns workers with MALLOC_TRIM_THRESHOLD_=65536, which turns glibc's dynamic
    mmap threshold off: every large array became a fresh mmap, faulted in and zeroed again (a
    third more CPU for the same join). Workers started here run without it, and without the
    dashboard's sampling profiler."""
    import os

    import dask

    env = dask_client.run(lambda: os.environ.get("MALLOC_TRIM_THRESHOLD_"))
    assert len(env) == 2 and set(env.values()) == {None}
    profiling = dask_client.run(lambda: dask.config.get("distributed.worker.profile.enabled"))
    assert set(profiling.values()) == {False}


def test_a_local_cluster_starts_under_a_page_script_as_main(tmp_path, monkeypatch):
    """Streamlit (and AppTest) make the page script ``__main__``; spawned workers used to run it
    again and die ("Nanny failed to start"), so the dask engine failed inside the app."""
    import sys
    import types

    from greening.coverage.engines.cluster import dask_client as start_client

    script = tmp_path / "page.py"
    script.write_text("raise SystemExit('a page script ran inside a worker')\n")
    page = types.ModuleType("__main__")
    page.__file__ = str(script)
    monkeypatch.setitem(sys.modules, "__main__", page)
    monkeypatch.delenv("GREENING_DASK_SCHEDULER", raising=False)
    with start_client(address="", n_workers=1) as client:
        assert client.submit(sum, [1, 2, 3]).result(timeout=60) == 6
    assert sys.modules["__main__"] is page
