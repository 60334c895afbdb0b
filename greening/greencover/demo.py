"""The demo campaign's land-cover rasters (示例): 2023 and 2024, consistent with its plantings.

Generated, never real: a WorldCover-classed raster (uint8, nodata 0, EPSG:4326, 0.001° ≈ 100 m)
over the demo villages. Each village gets a base green share; a smooth random field decides
which pixels are green, so patches look like fields and groves. In 2024 a village's green share
rises by what its reported 2024 trees would cover (:data:`CANOPY_M2_PER_TREE` each) plus a little
noise, except in a few villages (:data:`DISAGREE`) where the reports and the canopy disagree:
many trees reported, no gain, so the cross-check flags them. A cloud (nodata) hides part of a
few other villages in 2024, so their figure is shown with its missing share but not judged.
"""
from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["load_demo_rasters", "demo_landcover", "CANOPY_M2_PER_TREE", "DISAGREE", "RES_DEG",
           "SOURCE"]

RES_DEG = 0.001
CANOPY_M2_PER_TREE = 40.0
DISAGREE = 8
CLOUDED = 3
SOURCE = "示例：生成的土地覆盖（WorldCover 分类） / demo: generated land cover (WorldCover classes)"
_GREEN = (10, 20)
_OTHER = np.array([40, 40, 40, 40, 40, 40, 40, 50, 50, 60], dtype=np.uint8)


def _uniform_field(rng, h: int, w: int, cell: int = 6) -> np.ndarray:
    """Values in [0, 1), spatially correlated over about ``cell`` pixels, uniform overall."""
    coarse = rng.random((-(-h // cell), -(-w // cell)))
    s = 0.5 * (np.repeat(np.repeat(coarse, cell, 0), cell, 1)[:h, :w] + rng.random((h, w)))
    return np.where(s < 0.5, 2 * s * s, 1 - 2 * (1 - s) ** 2)  # CDF of the sum of two uniforms


def _rank_within(ids: np.ndarray, field: np.ndarray) -> np.ndarray:
    """``field`` replaced by each pixel's rank within its village, scaled to [0, 1): a share s of
    a village's pixels is then exactly those below s, still in the field's patches."""
    flat_ids, flat = ids.ravel(), field.ravel()
    order = np.lexsort((flat, flat_ids))
    counts = np.bincount(flat_ids)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    rank = np.empty(len(flat))
    rank[order] = np.arange(len(flat)) - starts[flat_ids[order]]
    return ((rank + 0.5) / np.maximum(counts[flat_ids], 1)).reshape(field.shape)


def demo_landcover(villages, trees: pd.Series, seed: int, folder: Path,
                   exclude: frozenset = frozenset()) -> tuple[Path, Path, list[str]]:
    """Write the 2023 and 2024 rasters for ``villages`` (GeoDataFrame ``code``, ``area_m2``,
    geometry) and 2024 ``trees`` per village code; returns the two paths and the codes of the
    villages where reports and canopy disagree (never one of ``exclude``, the villages that
    lag on purpose for another reason)."""
    import rasterio
    from rasterio.transform import from_origin

    from greening.coverage.index import VillageIndex

    rng = np.random.default_rng([seed, 13])
    x0, y0, x1, y1 = villages.total_bounds
    x0, y0 = np.floor(x0 / RES_DEG) * RES_DEG - RES_DEG, np.floor(y0 / RES_DEG) * RES_DEG - RES_DEG
    w, h = int(np.ceil((x1 - x0) / RES_DEG)) + 2, int(np.ceil((y1 - y0) / RES_DEG)) + 2
    transform = from_origin(x0, y0 + h * RES_DEG, RES_DEG, RES_DEG)
    n = len(villages)
    # village of each pixel centre (the coverage index; GDAL's rasterize is avoided in a process
    # that has SpatiaLite loaded: their GEOS libraries clash)
    villages = villages.sort_values("code").reset_index(drop=True)
    index = VillageIndex.from_frame(villages)
    cx = x0 + (np.arange(w) + 0.5) * RES_DEG
    cy = y0 + h * RES_DEG - (np.arange(h) + 0.5) * RES_DEG
    ids = np.empty((h, w), dtype=np.int32)
    for r in range(0, h, 256):
        yy = np.repeat(cy[r:r + 256], w)
        xx = np.tile(cx, len(cy[r:r + 256]))
        ids[r:r + 256] = (index.positions(xx, yy) + 1).reshape(-1, w)
    codes = villages["code"].astype(str).to_numpy()
    area = villages["area_m2"].to_numpy(dtype=float)
    planted = trees.reindex(codes).fillna(0).to_numpy(dtype=float)
    base = 0.15 + 0.30 * rng.beta(2.0, 2.5, n)
    gain = np.minimum(planted * CANOPY_M2_PER_TREE / np.maximum(area, 1.0), 0.12)
    gain = gain + rng.normal(0.0, 0.002, n)
    per_ha = planted / np.maximum(area / 1e4, 1e-9)
    candidates = np.flatnonzero((per_ha >= 8) & ~np.isin(codes, list(exclude)))
    disagree = rng.choice(candidates, size=min(DISAGREE, len(candidates)), replace=False)
    gain[disagree] = rng.uniform(-0.006, 0.002, len(disagree))
    field = _rank_within(ids, _uniform_field(rng, h, w))
    shrub = rng.random((h, w)) < 0.15
    other = _OTHER[rng.integers(0, len(_OTHER), (h, w))]
    inside = ids > 0
    b = np.zeros((h, w))
    b[inside] = base[ids[inside] - 1]
    g = np.zeros((h, w))
    g[inside] = gain[ids[inside] - 1]
    rest = np.setdiff1d(np.arange(n), disagree)
    clouded = rng.choice(rest, size=min(CLOUDED, len(rest)), replace=False)
    cloud = np.isin(ids, clouded + 1) & (_uniform_field(rng, h, w, 40) < 0.45)
    paths = []
    for year, share in ((2023, b), (2024, np.clip(b + g, 0, 1))):
        data = np.where(field < share, np.where(shrub, 20, 10), other).astype(np.uint8)
        data[~inside] = 80  # water and land outside the demo villages
        if year == 2024:
            data[cloud] = 0
        path = folder / f"demo_landcover_{year}.tif"
        with rasterio.open(path, "w", driver="GTiff", width=w, height=h, count=1, dtype="uint8",
                           crs="EPSG:4326", transform=transform, nodata=0, tiled=True,
                           blockxsize=256, blockysize=256, compress="deflate") as dst:
            dst.write(data, 1)
            dst.update_tags(source="generated demo data (示例)")
        paths.append(path)
    return paths[0], paths[1], sorted(codes[disagree].tolist())


def load_demo_rasters(engine, seed: int, say=None, exclude=frozenset()) -> list[str]:
    """Generate and import the two demo rasters into ``engine``'s demo campaign; returns the
    codes of the villages made to disagree."""
    from sqlalchemy import func, select

    from greening.actor import Actor
    from greening.db import read_session, session_scope
    from greening.greencover.layers import import_raster, village_geometries
    from greening.models import AdminArea, Planting
    from greening.models.enums import AreaLevel, PlantingStatus
    from greening.permissions import install_scope

    say = say or (lambda _m: None)
    say("生成示例土地覆盖栅格 / generating the demo land-cover rasters")
    with read_session(engine) as s:
        conn = s.connection()
        villages = village_geometries(conn)
        areas = dict(conn.execute(select(AdminArea.code, AdminArea.area_m2).where(
            AdminArea.level == AreaLevel.VILLAGE)).all())
        p = Planting
        trees = pd.Series(dict(conn.execute(select(p.claimed_village_code, func.sum(p.tree_count)).where(
            p.deleted_at.is_(None), p.status != PlantingStatus.REJECTED,
            p.planted_on > dt.date(2023, 12, 31)).group_by(p.claimed_village_code)).all()), dtype=float)
    if not len(villages):
        return []
    villages["area_m2"] = villages["code"].map(areas).astype(float)
    actor = Actor.system("demo")
    from greening.config import get_settings
    from greening.greencover import worker
    from greening.greencover.layers import overlay_path

    with tempfile.TemporaryDirectory(prefix="greening-demo-raster-") as tmp:
        folder = Path(tmp)
        # one child process: generate both years, then check, draw and compute each
        y23, y24, disagree = worker.call("demo", _args=(villages, trees, seed, folder, frozenset(exclude)))
        jobs = [("analyse", {"_args": (p, "landcover", year), "classes": None, "nodata": None,
                             "settings": get_settings(), "overlay": overlay_path(p, "landcover", year),
                             "villages": villages})
                for year, p in ((2023, y23), (2024, y24))]
        analysed = worker.call_many(jobs)
        with session_scope(engine) as s:
            install_scope(s, actor)
            for (year, path), result in zip(((2023, y23), (2024, y24)), analysed, strict=True):
                import_raster(s, actor, path, kind="landcover", year=year, source=SOURCE,
                              note="示例数据 / demo data", is_demo=True, analysed=result)
    return disagree
